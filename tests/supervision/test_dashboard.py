"""The supervisor dashboard: flags (each with its absence), heatmap cells and their table alternative,
the drill-down timeline and attempt paths, and a fixed number of SQL queries whatever the cohort size."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.assessments.definitions import Decision
from lms.assessments.models import Attempt, AttemptStep
from lms.db import session as db
from lms.learning.models import Enrollment, LessonProgress
from lms.supervision import dashboard, summary
from lms.supervision.models import CompetencyEvidence, PracticeLog
from lms.xapi import recorder
from lms.xapi.models import Statement
from lms.xapi.vocabulary import ActivityType, Verb
from tests.conftest import PASSWORD

NOW = datetime(2024, 6, 14, 12, 0, tzinfo=UTC)


def _user(role: str, name: str, org: Organization | None = None, **fields) -> User:
    from lms.accounts.services import hash_password

    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", name=name, role=role, organization=org,
                password_hash=hash_password(PASSWORD) if role != "trainee" else "x", **fields)
    db.add(user)
    db.flush()
    return user


def _scenario(course: str):
    from flask import current_app

    return current_app.extensions["lms"].assessments.scenarios_for(course)[0]


def _lesson_activity(trainee: User, when: datetime) -> None:
    enrollment = Enrollment(user=trainee, course_slug="communication", course_version="1", enrolled_at=when,
                            last_activity_at=when)
    db.add(enrollment)
    db.flush()
    db.add(LessonProgress(enrollment_id=enrollment.id, lesson_slug="x", first_opened_at=when, last_opened_at=when))


def _attempt(trainee: User, course: str = "communication", *, number: int = 1, when: datetime = NOW,
             passed: bool | None = False, finished: bool = True, kind: str = "scenario", slug: str | None = None,
             steps: tuple[tuple[str, str, bool], ...] = ()) -> Attempt:
    scenario = _scenario(course)
    attempt = Attempt(user=trainee, assessment_slug=slug or scenario.slug, kind=kind, course_slug=course,
                      content_version=scenario.version, number=number, seed=1, started_at=when,
                      finished_at=when if finished else None, passed=passed if finished else None,
                      scaled=0.4 if finished else None, critical=any(c for _n, _o, c in steps))
    db.add(attempt)
    db.flush()
    for position, (node, option, critical) in enumerate(steps, start=1):
        db.add(AttemptStep(attempt_id=attempt.id, position=position, node_id=node, response=option,
                           correct=not critical, critical=critical, answered_at=when))
    return attempt


def _log(trainee: User, status: str = "pending", hours: float = 2.0, when: datetime = NOW) -> None:
    db.add(PracticeLog(trainee_id=trainee.id, worked_on=when.date(), hours=hours, kind="practice",
                       domain="advocacy", activity="Group facilitation", status=status, created_at=when))


def _statement(trainee: User, name: str = "Lesson one", when: datetime = NOW) -> dict:
    return recorder.record({"actor": recorder.actor(trainee), "verb": recorder.verb(Verb.EXPERIENCED),
                            "object": recorder.activity(f"http://lms.test/xapi/activities/x/{name.replace(' ', '-')}",
                                                        ActivityType.LESSON, name)}, when=when)


def _summary(trainee: User) -> dashboard.TraineeSummary:
    db.flush()
    return dashboard.summarize([trainee], now=NOW)[trainee.id]


@pytest.fixture
def trainee(ctx):
    return _user("trainee", "Tia Trainee")


# Flags ---------------------------------------------------------------------------------------

def test_never_active_trainee_is_flagged_inactive(trainee):
    summary = _summary(trainee)
    assert summary.last_activity is None
    assert [(f.key, f.text) for f in summary.flags] == [("inactive", "Never active")]


def _at_statement(trainee, when):
    statement = _statement(trainee)
    db.flush()
    # The LRS stamps "stored" itself: move it back.
    db.execute(update(Statement).where(Statement.id == statement["id"]).values(stored=when))


ACTIVITY = {
    "lesson": _lesson_activity,
    "attempt": lambda t, when: _attempt(t, when=when, passed=True),
    "log": lambda t, when: _log(t, status="approved", when=when),
    "statement": _at_statement,
}


@pytest.mark.parametrize("source", list(ACTIVITY))
def test_inactivity_counts_from_every_kind_of_activity_13_days_is_fine_14_is_flagged(trainee, source):
    other = _user("trainee", "Omar Other")
    ACTIVITY[source](trainee, NOW - timedelta(days=13, hours=23))
    ACTIVITY[source](other, NOW - timedelta(days=14))
    db.flush()
    rows = dashboard.summarize([trainee, other], now=NOW)
    assert rows[trainee.id].last_activity == NOW - timedelta(days=13, hours=23)
    assert "inactive" not in rows[trainee.id].flag_keys
    assert [(f.key, f.text) for f in rows[other.id].flags] == [("inactive", "Inactive 14 days")]


def test_latest_activity_wins_across_sources(trainee):
    _lesson_activity(trainee, NOW - timedelta(days=30))
    _log(trainee, status="approved", when=NOW - timedelta(days=2))
    assert _summary(trainee).last_activity == NOW - timedelta(days=2)


def test_failing_the_same_scenario_twice_is_flagged(trainee):
    _attempt(trainee, number=1)
    _attempt(trainee, number=2)
    summary = _summary(trainee)
    flag = next(f for f in summary.flags if f.key == "failed-twice")
    assert _scenario("communication").title in flag.text


SINGLE_FAILURES = {
    "failed then passed": lambda t: (_attempt(t, number=1), _attempt(t, number=2, passed=True)),
    "second still open": lambda t: (_attempt(t, number=1), _attempt(t, number=2, finished=False)),
    "two scenarios once each": lambda t: (_attempt(t, number=1), _attempt(t, "ethics", number=1)),
    "final check twice": lambda t: (_attempt(t, number=1), _attempt(t, kind="final", slug="communication-final"),
                                    _attempt(t, number=2, kind="final", slug="communication-final")),
}


@pytest.mark.parametrize("case", list(SINGLE_FAILURES))
def test_one_failure_per_scenario_is_not_flagged(trainee, case):
    SINGLE_FAILURES[case](trainee)
    assert "failed-twice" not in _summary(trainee).flag_keys


def _critical_option(course: str) -> tuple[str, str]:
    scenario = _scenario(course)
    for node in scenario.decisions:
        for option in node.options:
            if option.critical:
                return node.id, option.id
    raise AssertionError(f"no critical option in {scenario.slug}")


def test_critical_error_in_a_crisis_scenario_is_flagged(trainee):
    node, option = _critical_option("crisis-intervention")
    _attempt(trainee, "crisis-intervention", steps=((node, option, True),))
    assert "crisis-critical" in _summary(trainee).flag_keys


def test_critical_error_elsewhere_or_a_safe_crisis_choice_is_not_flagged(trainee):
    node, option = _critical_option("ethics")
    _attempt(trainee, "ethics", steps=((node, option, True),))
    crisis_node = _scenario("crisis-intervention").decisions[0]
    safe = next(o for o in crisis_node.options if not o.critical)
    _attempt(trainee, "crisis-intervention", steps=((crisis_node.id, safe.id, False),))
    assert "crisis-critical" not in _summary(trainee).flag_keys


def test_pending_hours_are_flagged_with_count_and_sum(trainee):
    _log(trainee, hours=2.0)
    _log(trainee, hours=1.5)
    _log(trainee, status="approved", hours=8)
    summary = _summary(trainee)
    assert (summary.pending_logs, summary.pending_hours) == (2, 3.5)
    flag = next(f for f in summary.flags if f.key == "hours-pending")
    assert flag.text == "2 log(s), 3.5 h waiting for approval"


def test_reviewed_hours_only_are_not_flagged(trainee):
    _log(trainee, status="approved")
    _log(trainee, status="returned")
    assert "hours-pending" not in _summary(trainee).flag_keys


# Pages ----------------------------------------------------------------------------------------

@pytest.fixture
def cohort(app, client):
    """A supervisor signed in, with three assigned trainees and one trainee of someone else."""
    with app.app_context():
        org = Organization(slug="home", name="Home")
        db.add(org)
        supervisor = _user("supervisor", "Sam Supervisor", org)
        people = [_user("trainee", name, org) for name in ("Ana Able", "Ben Brook", "Cy Crisis", "Dee Else")]
        for person in people[:3]:
            db.add(SupervisorAssignment(supervisor_id=supervisor.id, trainee_id=person.id))
        ids = [p.id for p in people]
        db.commit()
    response = client.post("/login", data={"email": "sam.supervisor@example.org", "password": PASSWORD,
                                           "csrf_token": _csrf(client)})
    assert response.status_code == 302
    return ids


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)


def _svg_rows(html: str) -> dict[str, list[str]]:
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", html, re.S).group(0)
    rows = {}
    for group in re.findall(r'<g class="hm-row">(.*?)</g>', svg, re.S):
        name = re.search(r'<text class="hm-name"[^>]*>([^<]*)</text>', group).group(1)
        rows[name] = re.findall(r'<rect class="hm-cell (hm-[\w-]+)"', group)
    return rows


def _table_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="table compact" id="ratings-table">.*?</table>', html, re.S).group(0)
    return {name: re.findall(r"<td>([^<]*)</td>", cells)
            for name, cells in re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', table, re.S)}


def test_heatmap_cells_and_table_alternative_match_the_ratings(app, client, cohort):
    from flask import current_app

    with app.app_context():
        framework = current_app.extensions["lms"].catalog.framework
        comps = list(framework.competencies)
        levels = [lv.id for lv in framework.scale.levels]
        ana, ben = cohort[0], cohort[1]
        db.add_all([
            CompetencyEvidence(trainee_id=ana, competency_id=comps[0], level="proficient", source="rating"),
            CompetencyEvidence(trainee_id=ana, competency_id=comps[5], level="not-yet", source="rating"),
            CompetencyEvidence(trainee_id=ben, competency_id=comps[15], level="exemplary", source="rating"),
            # automatic evidence where a supervisor already rated does not win
            CompetencyEvidence(trainee_id=ben, competency_id=comps[15], level="developing", source="course"),
        ])
        summary.rebuild_summaries()  # the evidence was written behind the services' back
        db.commit()
    html = client.get("/supervision").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"heatmap-title\">" in html and "<desc id=\"heatmap-desc\">" in html
    assert "style=" not in html
    svg = _svg_rows(html)
    assert set(svg) == {"Ana Able", "Ben Brook", "Cy Crisis"}  # Dee Else is not this supervisor's
    expected_ana = ["hm-none"] * 16
    expected_ana[0], expected_ana[5] = f"hm-l{levels.index('proficient')}", f"hm-l{levels.index('not-yet')}"
    assert svg["Ana Able"] == expected_ana
    assert svg["Ben Brook"] == ["hm-none"] * 15 + [f"hm-l{levels.index('exemplary')}"]
    assert svg["Cy Crisis"] == ["hm-none"] * 16
    table = _table_rows(html)
    assert table["Ana Able"][0] == "Proficient" and table["Ana Able"][5] == "Not yet"
    assert table["Ana Able"][1] == "No rating"
    assert table["Ben Brook"][15] == "Exemplary"
    assert "<details" in html and "Not yet</li>" in html  # the legend names every level


def test_dashboard_filters_by_flag_and_sorts(app, client, cohort):
    with app.app_context():
        ana, ben, cy = (db.get(User, i) for i in cohort[:3])
        _log(ben, when=datetime.now(UTC))
        _lesson_activity(ana, datetime.now(UTC) - timedelta(days=3))
        _lesson_activity(cy, datetime.now(UTC) - timedelta(days=20))
        summary.rebuild_summaries()  # the rows above were written behind the services' back
        db.commit()
    html = client.get("/supervision?flag=hours-pending").get_data(as_text=True)
    names = re.findall(r'<th scope="row"><a href="/supervision/trainees/\d+">([^<]+)</a>', html)
    assert names == ["Ben Brook"]
    assert "1 log(s), 2 h waiting for approval" in html
    html = client.get("/supervision?sort=activity").get_data(as_text=True)
    names = re.findall(r'<th scope="row"><a href="/supervision/trainees/\d+">([^<]+)</a>', html)
    assert names == ["Cy Crisis", "Ana Able", "Ben Brook"]
    assert "Inactive 20 days" in html
    assert client.get("/supervision?flag=nonsense").status_code == 400


def test_drill_down_timeline_comes_from_statements_newest_first_and_pages(app, client, cohort):
    with app.app_context():
        ana, dee = db.get(User, cohort[0]), db.get(User, cohort[3])
        for i in range(25):
            _statement(ana, f"Lesson {i:02d}", when=NOW + timedelta(minutes=i))
        _statement(dee, "Someone else's lesson")
        db.commit()
    html = client.get(f"/supervision/trainees/{cohort[0]}").get_data(as_text=True)
    names = re.findall(r'<span class="verb">experienced</span> (Lesson \d\d)', html)
    assert names == [f"Lesson {i:02d}" for i in range(24, 4, -1)]
    assert "Someone else" not in html
    html = client.get(f"/supervision/trainees/{cohort[0]}?page=2").get_data(as_text=True)
    assert re.findall(r'<span class="verb">experienced</span> (Lesson \d\d)', html) == [
        f"Lesson {i:02d}" for i in range(4, -1, -1)]


def test_drill_down_shows_the_path_taken_with_critical_errors_marked(app, client, cohort):
    with app.app_context():
        cy = db.get(User, cohort[2])
        scenario = _scenario("crisis-intervention")
        node_id, option_id = _critical_option("crisis-intervention")
        node = scenario.node(node_id)
        assert isinstance(node, Decision)
        _attempt(cy, "crisis-intervention", steps=((node_id, option_id, True),))
        _log(cy, hours=3)
        db.commit()
        option_text = node.option(option_id).text
    html = client.get(f"/supervision/trainees/{cohort[2]}").get_data(as_text=True)
    assert scenario.title in html and "not passed" in html
    step = re.search(r'<li class="critical">(.*?)</li>', html, re.S).group(1)
    assert option_text.replace("'", "&#39;").replace('"', "&#34;") in step and "(unsafe choice)" in step
    assert "Waiting for approval" in html and "Group facilitation" in html


# Query count ----------------------------------------------------------------------------------

def _seed(supervisor_id: int, org_id: int, start: int, count: int) -> None:
    """Trainees with every kind of data the dashboard reads: progress, attempts, steps, hours, statements."""
    node, option = _critical_option("crisis-intervention")
    comps = ["engages-peers", "provides-support", "icrc-advocacy"]
    for n in range(start, start + count):
        trainee = User(email=f"seed{n}@example.org", name=f"Seed {n:03d}", role="trainee", password_hash="x",
                       organization_id=org_id)
        db.add(trainee)
        db.flush()
        db.add(SupervisorAssignment(supervisor_id=supervisor_id, trainee_id=trainee.id))
        _lesson_activity(trainee, NOW - timedelta(days=n))
        _attempt(trainee, number=1)
        _attempt(trainee, number=2)
        _attempt(trainee, "crisis-intervention", steps=((node, option, True),))
        _log(trainee)
        _statement(trainee)
        for comp in comps:
            db.add(CompetencyEvidence(trainee_id=trainee.id, competency_id=comp, level="developing", source="rating"))
    summary.rebuild_summaries()  # the rows above were written behind the services' back
    db.commit()


def test_dashboard_query_count_does_not_grow_with_the_number_of_trainees(app, client, cohort):
    with app.app_context():
        supervisor = db.scalar(select(User).where(User.role == "supervisor"))
        org_id, sup_id = supervisor.organization_id, supervisor.id
        db.execute(SupervisorAssignment.__table__.delete())
        db.commit()
        _seed(sup_id, org_id, 0, 2)
    engine = app.extensions["lms"].db.engine
    statements: list[str] = []

    def count(_conn, _cursor, sql, *_args):
        statements.append(sql)

    def render() -> tuple[int, str]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            html = client.get("/supervision").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements), html

    small, html = render()
    assert html.count('<g class="hm-row">') == 2
    with app.app_context():
        _seed(sup_id, org_id, 2, 18)
    large, html = render()
    assert html.count('<g class="hm-row">') == 20
    assert html.count("Unsafe choice in a crisis scenario</li>") == 20  # the data is really read
    assert small == large, f"{small} queries for 2 trainees, {large} for 20"


def test_build_dashboard_pages_after_filtering_and_sorting(ctx):
    org = Organization(slug="o", name="O")
    db.add(org)
    admin = _user("admin", "Ada Admin")
    for n in range(7):
        trainee = _user("trainee", f"T{n}", org)
        if n % 2:
            _log(trainee)
    summary.rebuild_summaries()  # the logs were written behind the services' back
    board = dashboard.build_dashboard(admin, flag="hours-pending", page=2, page_size=2, now=NOW)
    assert (board.total, board.visible, board.pages, board.number) == (3, 7, 2, 2)
    assert [r.name for r in board.rows] == ["T5"]
    assert board.flag_counts == {"inactive": 4, "failed-twice": 0, "crisis-critical": 0, "hours-pending": 3}
    assert dashboard.build_dashboard(admin, page=99, page_size=5, now=NOW).number == 2


def test_window_function_levels_agree_with_the_ratings_service(ctx):
    import random

    from lms.supervision.services import current_ratings_for

    rng = random.Random(4)
    people = [_user("trainee", f"R{n}") for n in range(6)]
    comps, levels = ["engages-peers", "provides-support", "icrc-advocacy"], ["not-yet", "developing", "proficient"]
    for _ in range(120):
        db.add(CompetencyEvidence(trainee_id=rng.choice(people).id, competency_id=rng.choice(comps),
                                  level=rng.choice(levels), created_at=NOW + timedelta(minutes=rng.randrange(40)),
                                  source=rng.choice(["course", "assessment", "rating", "observation"])))
    db.flush()
    ids = [p.id for p in people]
    expected = {tid: {c: level for c, (level, _s, _at) in r.items()} for tid, r in current_ratings_for(ids).items()}
    assert dashboard.current_levels_for(ids) == expected
    assert any(expected.values())


def test_supervisors_see_their_trainees_certificates_and_statuses(app, client, cohort):
    from lms.certificates.models import Certificate

    ana, ben, dee = cohort[0], cohort[1], cohort[3]
    now = datetime.now(UTC)

    def cert(n: int, user_id: int, status: str, valid_until: datetime | None, program: str) -> Certificate:
        return Certificate(number=f"T-{n}", code=f"CODE{n:08d}", user_id=user_id, program=program, status=status,
                           awarded_on=now.date(), issued_at=now - timedelta(days=n), valid_until=valid_until,
                           status_index=n, status_changed_at=now if status != "active" else None)

    with app.app_context():
        db.add_all([
            cert(1, ana, "active", now + timedelta(days=400), "peer-recovery-core-training"),
            cert(2, ben, "active", now - timedelta(days=3), "peer-recovery-core-training"),  # expired
            cert(3, ben, "revoked", None, "peer-recovery-practice-readiness"),
            cert(4, ben, "superseded", None, "peer-recovery-core-training"),  # replaced: not listed
            cert(5, dee, "active", None, "peer-recovery-core-training"),  # not this supervisor's trainee
        ])
        db.commit()
    html = client.get("/supervision").get_data(as_text=True)
    rows = {name: row for name, row in re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a>(.*?)</tr>', html, re.S)}
    ana_until = (now + timedelta(days=400)).date().isoformat()
    assert f"Peer Recovery Core Training: active until {ana_until}" in rows["Ana Able"]
    assert "Peer Recovery Core Training: expired" in rows["Ben Brook"]
    assert "Peer Recovery Practice Readiness: revoked" in rows["Ben Brook"]
    assert rows["Ben Brook"].count("Peer Recovery Core Training") == 1  # the superseded one is not listed
    assert rows["Cy Crisis"].rstrip().endswith("<td>None</td>")
    assert "Dee Else" not in html
    detail = client.get(f"/supervision/trainees/{ben}").get_data(as_text=True)
    assert "Peer Recovery Practice Readiness: revoked" in detail
