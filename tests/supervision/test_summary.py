"""The dashboard's per-trainee summary rows: after every kind of event, sent through the real services, the
stored row equals the recomputation from the events; the rebuild restores rows written behind their back."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.accounts.services import hash_password
from lms.assessments import services as assessments
from lms.assessments.definitions import Decision, Narrative
from lms.db import session as db
from lms.db import utcnow
from lms.learning import services as learning
from lms.supervision import services, summary
from lms.supervision.models import PracticeLog, TraineeActivity
from lms.xapi import recorder
from lms.xapi.store import store_statements
from lms.xapi.vocabulary import ActivityType, Verb
from tests.conftest import PASSWORD, csrf_token
from tests.learning.helpers import do_activities


def _user(role: str, name: str, org: Organization) -> User:
    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", name=name, role=role, organization=org,
                password_hash="x")
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def people(ctx):
    org = Organization(slug="home", name="Home")
    db.add(org)
    trainee, supervisor = _user("trainee", "Tia Trainee", org), _user("supervisor", "Sam Supervisor", org)
    db.add(SupervisorAssignment(supervisor_id=supervisor.id, trainee_id=trainee.id))
    db.flush()
    return trainee, supervisor


def assert_in_step(trainee: User) -> dict:
    """The stored row equals what the events give, and is returned for further checks."""
    db.flush()
    stored = summary.stored_summary(trainee.id)
    assert stored == summary.recompute([trainee])[trainee.id]
    return stored


def _open_course(trainee: User):
    return next(c for c in learning.catalog().courses.values() if not learning.missing_prerequisites(trainee, c))


def _play(trainee: User, course: str, now, critical: bool):
    """Play a scenario through the services, choosing an unsafe option when asked, else the best safe one."""
    scenario = current_app.extensions["lms"].assessments.scenarios_for(course)[0]
    attempt = assessments.start_attempt(trainee, scenario, now=now)
    while attempt.finished_at is None:
        node = scenario.node(attempt.current_node)
        if isinstance(node, Narrative):
            assessments.continue_narrative(attempt, scenario, node.id, now=now)
        elif isinstance(node, Decision):
            unsafe = [o for o in node.options if o.critical]
            option = unsafe[0] if critical and unsafe else max((o for o in node.options if not o.critical),
                                                                key=lambda o: o.points)
            assessments.record_decision(attempt, scenario, node.id, option.id, now=now)
        else:
            assessments.finish(attempt, scenario, now=now)
    return scenario, attempt


def test_summary_follows_lessons_and_course_completion(people):
    trainee, _supervisor = people
    course = _open_course(trainee)
    enrollment = learning.enroll(trainee, course)
    lesson = course.lessons[0]
    learning.open_lesson(enrollment, course, lesson)
    stored = assert_in_step(trainee)
    assert stored["last_activity_at"] is not None and stored["lessons_completed"] == 0
    for lesson in course.lessons:
        learning.open_lesson(enrollment, course, lesson)
        for check in lesson.checks:
            learning.answer_check(enrollment, course, lesson, check,
                                  [i for i, option in enumerate(check.options) if option.correct])
            assert_in_step(trainee)
        do_activities(enrollment, course, lesson)
        learning.complete_lesson(enrollment, course, lesson)
        assert_in_step(trainee)
    stored = assert_in_step(trainee)
    assert (stored["lessons_completed"], stored["courses_completed"]) == (len(course.lessons), 1)
    if course.competencies:  # completing the course adds automatic evidence: the levels follow
        assert set(stored["levels"]) == {c for c in course.competencies
                                         if c in current_app.extensions["lms"].catalog.framework.competencies}


def test_summary_follows_attempts_unsafe_choices_and_failing_twice(people):
    trainee, _supervisor = people
    now = utcnow()
    scenario, attempt = _play(trainee, "crisis-intervention", now, critical=True)
    stored = assert_in_step(trainee)
    assert stored["crisis_critical"] is True and stored["failed_twice"] == []
    assert attempt.passed is False
    later = now + timedelta(days=2)  # past any cooldown
    _play(trainee, "crisis-intervention", later, critical=True)
    stored = assert_in_step(trainee)
    assert stored["failed_twice"] == [scenario.slug]
    assert stored["last_activity_at"] == later


def test_a_safe_attempt_elsewhere_leaves_the_crisis_flag_off(people):
    trainee, _supervisor = people
    _play(trainee, "communication", utcnow(), critical=False)
    stored = assert_in_step(trainee)
    assert stored["crisis_critical"] is False


def test_summary_follows_hours_logged_reviewed_and_corrected(people):
    trainee, supervisor = people
    today = utcnow().date()
    first = services.log_hours(trainee, today, 2.5, "practice", "advocacy", "Group facilitation")
    second = services.log_hours(trainee, today, 1.0, "supervision", "advocacy", "Weekly supervision")
    stored = assert_in_step(trainee)
    assert (stored["pending_logs"], stored["pending_hours"]) == (2, 3.5)
    services.review_hours(supervisor, first, approve=True)
    services.review_hours(supervisor, second, approve=False, comment="Say which group")
    stored = assert_in_step(trainee)
    assert (stored["pending_logs"], stored["pending_hours"]) == (0, 0.0)
    services.resubmit_hours(trainee, second, today, 1.5, "supervision", "advocacy", "Weekly group supervision")
    stored = assert_in_step(trainee)
    assert (stored["pending_logs"], stored["pending_hours"]) == (1, 1.5)


def test_summary_follows_ratings_and_observations(people):
    trainee, supervisor = people
    framework = current_app.extensions["lms"].catalog.framework
    competency = next(iter(framework.competencies))
    services.rate_competency(supervisor, trainee, competency, "developing")
    assert assert_in_step(trainee)["levels"] == {competency: "developing"}
    services.rate_competency(supervisor, trainee, competency, "proficient")
    assert assert_in_step(trainee)["levels"] == {competency: "proficient"}
    services.record_observation(supervisor, trainee, date.today() - timedelta(days=1),
                                dict.fromkeys(services.OBSERVATION_CRITERIA, "proficient"))
    assert assert_in_step(trainee)["levels"][services.ETHICS_COMPETENCY] == "proficient"


def test_statements_about_a_trainee_count_as_activity_and_others_do_not(people):
    trainee, supervisor = people
    statement = {"actor": recorder.actor(trainee), "verb": recorder.verb(Verb.EXPERIENCED),
                 "object": recorder.activity("http://lms.test/xapi/activities/x/outside", ActivityType.LESSON,
                                             "A lesson elsewhere")}
    store_statements([{**statement, "id": "6f1f8f3e-6c55-4b57-9d1e-3f4a2a0b9c01"}], client=None)
    stored = assert_in_step(trainee)
    assert stored["last_activity_at"] is not None
    store_statements([{**statement, "actor": recorder.actor(supervisor),
                       "id": "6f1f8f3e-6c55-4b57-9d1e-3f4a2a0b9c02"}], client=None)
    db.flush()
    assert summary.stored_summary(supervisor.id) is None  # only trainees have rows
    assert summary.stored_summary(trainee.id) == stored


def test_events_may_arrive_out_of_order_last_activity_never_moves_back(people):
    trainee, _supervisor = people
    later = utcnow() + timedelta(hours=1)
    scenarios = current_app.extensions["lms"].assessments.scenarios
    first, second = list(scenarios.values())[:2]
    assessments.start_attempt(trainee, first, now=later)
    assessments.start_attempt(trainee, second, now=later - timedelta(days=3))  # an older event reported after
    assert assert_in_step(trainee)["last_activity_at"] == later


def test_rebuild_restores_rows_written_behind_the_services_back(people):
    trainee, supervisor = people
    services.log_hours(trainee, utcnow().date(), 2.0, "practice", "advocacy", "Group facilitation")
    db.flush()
    db.add(PracticeLog(trainee_id=trainee.id, worked_on=utcnow().date(), hours=1.0, kind="practice",
                       domain="advocacy", activity="Peer group", status="pending"))
    db.flush()
    assert summary.stored_summary(trainee.id)["pending_logs"] == 1  # the direct insert is not seen...
    other = _user("trainee", "Una Untouched", supervisor.organization)
    assert summary.rebuild_summaries() == 2
    assert assert_in_step(trainee)["pending_logs"] == 2  # ...until the rebuild
    assert assert_in_step(other)["last_activity_at"] is None
    assert db.scalar(select(TraineeActivity).where(TraineeActivity.user_id == supervisor.id)) is None


def test_rebuild_summaries_command(app, runner, make_user):
    trainee = make_user("trainee")
    with app.app_context():
        db.add(PracticeLog(trainee_id=trainee.id, worked_on=utcnow().date(), hours=1.0, kind="practice",
                           domain="advocacy", activity="Peer group", status="pending"))
        db.commit()
    result = runner.invoke(args=["lms", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "1 trainee" in result.output
    with app.app_context():
        assert summary.stored_summary(trainee.id)["pending_logs"] == 1


def test_dashboard_shows_events_sent_through_the_services_without_a_rebuild(app, client, people):
    trainee, supervisor = people
    supervisor.password_hash = hash_password(PASSWORD)
    services.log_hours(trainee, utcnow().date(), 2.0, "practice", "advocacy", "Group facilitation")
    services.rate_competency(supervisor, trainee, "engages-peers", "proficient")
    db.commit()
    client.post("/login", data={"email": supervisor.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    html = client.get("/supervision").get_data(as_text=True)
    assert "1 log(s), 2 h waiting for approval" in html
    assert "<td>Proficient</td>" in html
    assert "Never" not in html.split('id="trainees"')[1]
