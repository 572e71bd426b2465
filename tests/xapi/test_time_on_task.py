"""The time-on-task report: computed minutes beside medians and interquartile ranges measured from the durations
in the LMS's own statements, flags at half and double, a formula-safe CSV, a fixed number of queries, admins
only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from lms.db import session as db
from lms.learning.models import LessonProgress
from lms.web.spreadsheet import to_csv
from lms.xapi import recorder, time_on_task
from lms.xapi.clients import create_client
from lms.xapi.store import store_statements
from tests.conftest import post_form
from tests.learning.helpers import lesson_url
from tests.learning.test_activities import ETHICS, enroll
from tests.learning.test_delivery import answer, correct

ADL = "http://adlnet.gov/expapi/verbs/"


def completed(obj_id: str, learner: str, minutes: float) -> dict:
    """A `completed` statement as the LMS records it, with a known duration."""
    return {"actor": {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": learner}},
            "verb": {"id": ADL + "completed", "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": obj_id},
            "result": {"completion": True, "duration": f"PT{minutes * 60:.2f}S"}}


def lesson_id(course: str, lesson: str) -> str:
    return f"http://lms.test/xapi/activities/course/{course}/lesson/{lesson}"


def assessment_id(slug: str) -> str:
    return f"http://lms.test/xapi/activities/assessment/{slug}"


def record_all(app, statements: list[dict]) -> None:
    with app.app_context():
        for statement in statements:
            recorder.record(statement)
        db.commit()


def rows_by(app) -> dict[tuple[str, str], time_on_task.Row]:
    with app.test_request_context():
        return {(r.kind, r.key): r for r in time_on_task.report()}


def every_item(app) -> list[str]:
    """The object ids of every lesson, scenario and final check of the ethics course."""
    state = app.extensions["lms"]
    return ([lesson_id("ethics", lesson.slug) for lesson in ETHICS.lessons]
            + [assessment_id(s.slug) for s in state.assessments.scenarios_for("ethics")]
            + [assessment_id(state.assessments.final_check_for("ethics").slug)])


def test_medians_quartiles_learners_and_flags_from_known_durations(app):
    first, second = ETHICS.lessons[0], ETHICS.lessons[1]
    reflection = second.activities[0]
    scenario = app.extensions["lms"].assessments.scenarios_for("ethics")[0]
    statements = [completed(lesson_id("ethics", first.slug), learner, minutes)
                  for learner, minutes in (("a", 5), ("b", 10), ("c", 15), ("d", 40))]
    statements.append(completed(lesson_id("ethics", first.slug), "a", 100))  # a second completion: not counted
    statements.append(completed(lesson_id("ethics", second.slug), "a", 3 * second.computed.total))
    statements.append(completed(f"{lesson_id('ethics', second.slug)}/activity/{reflection.id}", "a", 12))
    statements += [completed(assessment_id(scenario.slug), learner, minutes) for learner, minutes in (("a", 1),
                                                                                                     ("b", 2))]
    record_all(app, statements)
    with app.app_context():  # an LRS client's statement is not the LMS's measurement
        client, _ = create_client("analytics")
        store_statements([completed(lesson_id("ethics", first.slug), "e", 500)], client=client)
        db.commit()

    rows = rows_by(app)
    row = rows[("lesson", first.slug)]
    assert (row.learners, row.median, row.q1, row.q3) == (4, 12.5, 8.75, 21.25)
    assert row.computed == pytest.approx(first.computed.total) and row.flag == ""
    assert rows[("lesson", second.slug)].flag == "over double"
    activity = rows[("activity", f"{second.slug}/{reflection.id}")]
    assert (activity.learners, activity.median) == (1, 12)
    assert activity.computed == pytest.approx(reflection.minutes + len(reflection.instructions.split()) / 200, abs=0.05)
    scenario_row = rows[("scenario", scenario.slug)]
    assert (scenario_row.learners, scenario_row.median, scenario_row.flag) == (2, 1.5, "under half")
    untouched = rows[("lesson", ETHICS.lessons[2].slug)]
    assert (untouched.learners, untouched.median, untouched.flag) == (0, None, "")


def test_a_course_counts_learners_measured_on_every_part(app):
    items = every_item(app)
    record_all(app, [completed(obj, "whole", 10) for obj in items] + [completed(items[0], "partial", 10)])
    rows = rows_by(app)
    course = rows[("course", "ethics")]
    assert (course.learners, course.median) == (1, 10 * len(items))
    assert course.computed == pytest.approx(app.extensions["lms"].hours["ethics"].minutes)


def test_the_csv_is_formula_safe_and_has_every_row(app):
    record_all(app, [completed(lesson_id("ethics", ETHICS.lessons[0].slug), "a", 7)])
    with app.test_request_context():
        rows = time_on_task.report()
    text = to_csv(time_on_task.CSV_HEADER, time_on_task.csv_rows(rows))
    assert text.startswith("\ufeffcourse,kind,item,title,computed_minutes,learners,median_minutes")
    assert f"ethics,lesson,{ETHICS.lessons[0].slug}," in text and ",1,7.0,7.0,7.0," in text
    forged = time_on_task.Row("lesson", "x", "y", "=HYPERLINK(\"http://evil\")", 5, 0, None, None, None)
    assert "'=HYPERLINK" in to_csv(time_on_task.CSV_HEADER, time_on_task.csv_rows([forged]))


def test_a_learner_journey_is_measured_from_page_timings(client, app, login_as):
    login_as()
    enroll(client)
    lesson = ETHICS.lessons[0]
    client.get(lesson_url(ETHICS, lesson))
    with app.app_context():
        row = db.scalar(select(LessonProgress))
        row.last_seen_at -= timedelta(minutes=9)
        db.commit()
    for check in lesson.checks:
        answer(client, check, correct(check), course=ETHICS, lesson=lesson)
    post_form(client, f"{lesson_url(ETHICS, lesson)}/complete", token_from=lesson_url(ETHICS, lesson))
    row = rows_by(app)[("lesson", lesson.slug)]
    assert row.learners == 1 and 9 <= row.median < 60


def test_the_report_runs_a_fixed_number_of_queries_whatever_the_number_of_learners(app, client, login_as):
    login_as("admin")
    items = every_item(app)
    engine = app.extensions["lms"].db.engine
    seen: list[str] = []

    def count(_conn, _cursor, sql, *_args):
        seen.append(sql)

    def render() -> tuple[int, str]:
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            html = client.get("/admin/time-on-task").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen), html

    record_all(app, [completed(obj, f"learner-{n}", 10 + n) for n in range(2) for obj in items])
    small, html = render()
    assert "Time on task" in html and html.count(">2</td>") >= len(items)
    record_all(app, [completed(obj, f"learner-{n}", 10 + n) for n in range(2, 40) for obj in items])
    large, html = render()
    assert html.count(">40</td>") >= len(items)  # the data is really read
    assert small == large, f"{small} queries for 2 learners, {large} for 40"


@pytest.mark.parametrize(("role", "status"), [("trainee", 403), ("supervisor", 403), ("board", 403), ("admin", 200)])
def test_only_admins_see_the_report(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/time-on-task").status_code == status
    response = client.get("/admin/time-on-task.csv")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/time-on-task.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("value", "minutes"), [("PT90S", 1.5), ("PT1H30M", 90), ("P1DT1M", 1441), ("PT0.6S", 0.01),
                                                ("P1Y", None), ("P2W", None), ("PT", None), ("garbage", None),
                                                (None, None)])
def test_durations_are_read_in_minutes(value, minutes):
    assert time_on_task.duration_minutes(value) == (pytest.approx(minutes) if minutes is not None else None)
