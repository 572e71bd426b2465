"""Supervision services: ratings derived from the evidence log, observations, practice hours and
their review, sign-off, automatic evidence from signals, and the refusals that leave nothing saved."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from lms import signals
from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.db import session as db
from lms.supervision import services
from lms.supervision.models import CompetencyEvidence, Observation, PracticeLog, SignOff
from lms.supervision.privacy import looks_like_client_details
from lms.supervision.services import SupervisionError

TODAY = date(2024, 6, 14)
COMP = "engages-peers"
GOOD = dict.fromkeys(services.OBSERVATION_CRITERIA, "proficient")


def _user(role: str, name: str, org: Organization | None = None, **fields) -> User:
    # Built directly (no password hashing) so large cohorts stay fast.
    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", name=name, password_hash="x", role=role,
                organization=org, **fields)
    db.add(user)
    return user


@pytest.fixture
def people(ctx):
    home, away = Organization(slug="home", name="Home"), Organization(slug="away", name="Away")
    db.add_all([home, away])
    p = SimpleNamespace(
        trainee=_user("trainee", "Tia Trainee", home),
        other_trainee=_user("trainee", "Omar Other", away),
        supervisor=_user("supervisor", "Sam Supervisor", home),
        stranger=_user("supervisor", "Stella Stranger", away),
        org_admin=_user("supervisor", "Olga Orgadmin", home, is_org_admin=True),
        admin=_user("admin", "Ada Admin"),
        board=_user("board", "Bo Board", home),
    )
    db.flush()
    db.add(SupervisorAssignment(supervisor_id=p.supervisor.id, trainee_id=p.trainee.id))
    db.flush()
    return p


def count(model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def evidence(trainee_id, competency, level, source, **kw):
    return services._append_evidence(trainee_id, competency, level, source, **kw)


# Ratings -------------------------------------------------------------------------------------

def test_current_rating_is_the_latest_supervisor_entry(people):
    services.rate_competency(people.supervisor, people.trainee, COMP, "developing", "first look")
    services.rate_competency(people.supervisor, people.trainee, COMP, "proficient", "")
    level, source, _ = services.current_ratings(people.trainee)[COMP]
    assert (level, source) == ("proficient", "rating")
    assert count(CompetencyEvidence) == 2  # the log keeps both


def test_automatic_evidence_never_overwrites_a_supervisor_rating(people):
    services.rate_competency(people.supervisor, people.trainee, COMP, "not-yet", "needs work")
    evidence(people.trainee.id, COMP, "proficient", "assessment", source_ref="7")
    evidence(people.trainee.id, COMP, "developing", "course", source_ref="ethics")
    assert services.current_ratings(people.trainee)[COMP][:2] == ("not-yet", "rating")


def test_automatic_evidence_counts_where_no_supervisor_entry_exists(people):
    evidence(people.trainee.id, COMP, "developing", "course", source_ref="ethics")
    evidence(people.trainee.id, COMP, "proficient", "assessment", source_ref="3")
    assert services.current_ratings(people.trainee)[COMP][:2] == ("proficient", "assessment")
    services.rate_competency(people.supervisor, people.trainee, COMP, "developing")
    assert services.current_ratings(people.trainee)[COMP][:2] == ("developing", "rating")


def test_admin_and_org_admin_may_rate(people):
    services.rate_competency(people.admin, people.trainee, COMP, "exemplary")
    services.rate_competency(people.org_admin, people.trainee, "values-communication", "proficient")
    assert set(services.current_ratings(people.trainee)) == {COMP, "values-communication"}


@pytest.mark.parametrize("who, competency, level, message", [
    ("supervisor", "made-up", "proficient", "Unknown competency"),
    ("supervisor", COMP, "superb", "Unknown level"),
    ("stranger", COMP, "proficient", "do not supervise"),
    ("board", COMP, "proficient", "Only a supervisor"),
    ("trainee", COMP, "proficient", "Only a supervisor"),
])
def test_rating_refused_saves_nothing(people, who, competency, level, message):
    with pytest.raises(SupervisionError, match=message):
        services.rate_competency(getattr(people, who), people.trainee, competency, level, "")
    assert count(CompetencyEvidence) == 0


def test_supervisor_of_another_organization_cannot_rate_its_trainee(people):
    with pytest.raises(SupervisionError, match="do not supervise"):
        services.rate_competency(people.org_admin, people.other_trainee, COMP, "proficient")
    assert count(CompetencyEvidence) == 0


def test_nobody_rates_themselves(people):
    with pytest.raises(SupervisionError, match="yourself"):
        services.rate_competency(people.admin, people.admin, COMP, "exemplary")
    assert count(CompetencyEvidence) == 0


def test_rating_sends_competency_rated(people):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender.level, kwargs["trainee"].id, kwargs["supervisor"].id))

    with signals.competency_rated.connected_to(receiver):
        services.rate_competency(people.supervisor, people.trainee, COMP, "proficient")
    assert seen == [("proficient", people.trainee.id, people.supervisor.id)]


def test_current_ratings_for_uses_a_fixed_number_of_queries(app, people):
    engine = app.extensions["lms"].db.engine

    def queries_for(n: int) -> int:
        trainees = [_user("trainee", f"Cohort {n} {i}") for i in range(n)]
        db.flush()
        for t in trainees:
            evidence(t.id, COMP, "developing", "course")
            evidence(t.id, COMP, "proficient", "rating", author_id=people.supervisor.id)
        db.flush()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            ratings = services.current_ratings_for([t.id for t in trainees])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert all(r[COMP][0] == "proficient" for r in ratings.values()) and len(ratings) == n
        return len(statements)

    assert queries_for(5) == queries_for(50) == 1


# Observations --------------------------------------------------------------------------------

def test_observation_is_stored_and_proficient_ethics_criteria_add_evidence(people):
    scores = {**GOOD, "safety": "exemplary", "motivational-interviewing": "developing"}
    obs = services.record_observation(people.supervisor, people.trainee, TODAY, scores, "good session", today=TODAY)
    assert count(Observation) == 1 and obs.scores == scores
    level, source, _ = services.current_ratings(people.trainee)[services.ETHICS_COMPETENCY]
    assert (level, source) == ("proficient", "observation")  # the lowest of safety, scope, confidentiality


def test_observation_below_proficient_on_ethics_adds_no_evidence(people):
    services.record_observation(people.supervisor, people.trainee, TODAY, {**GOOD, "scope": "developing"},
                                today=TODAY)
    assert count(Observation) == 1 and count(CompetencyEvidence) == 0


@pytest.mark.parametrize("who, observed_on, scores, message", [
    ("supervisor", TODAY + timedelta(days=1), GOOD, "future"),
    ("supervisor", TODAY, {**GOOD, "charisma": "proficient"}, "Unknown criteria"),
    ("supervisor", TODAY, {k: v for k, v in GOOD.items() if k != "safety"}, "missing: safety"),
    ("supervisor", TODAY, {**GOOD, "safety": "great"}, "Unknown level"),
    ("stranger", TODAY, GOOD, "do not supervise"),
])
def test_observation_refused_saves_nothing(people, who, observed_on, scores, message):
    with pytest.raises(SupervisionError, match=message):
        services.record_observation(getattr(people, who), people.trainee, observed_on, scores, today=TODAY)
    assert count(Observation) == 0 and count(CompetencyEvidence) == 0


# Practice hours ------------------------------------------------------------------------------

def log(people, **kw):
    args = {"worked_on": TODAY, "hours": 2.0, "kind": "practice", "domain": "advocacy",
            "activity": "Co-facilitated a recovery group", "reflection": "Practised reflective listening.",
            "today": TODAY, **kw}
    return services.log_hours(kw.pop("trainee", people.trainee), **{k: v for k, v in args.items() if k != "trainee"})


@pytest.mark.parametrize("fields, message", [
    ({"worked_on": TODAY + timedelta(days=1)}, "future"),
    ({"hours": -1.0}, "more than 0"),
    ({"hours": 0.0}, "more than 0"),
    ({"hours": 25.0}, "at most 24"),
    ({"hours": float("nan")}, "more than 0"),
    ({"kind": "volunteering"}, "Unknown kind"),
    ({"domain": "astrology"}, "Unknown domain"),
    ({"activity": "  "}, "activity"),
    ({"activity": "Called jane.doe@example.com"}, "client information"),
    ({"reflection": "Her number is (555) 123-4567"}, "client information"),
    ({"reflection": "DOB 4/5/1980"}, "client information"),
    ({"reflection": "client born 04/05/1980"}, "client information"),
    ({"reflection": "SSN 123-45-6789"}, "client information"),
    ({"reflection": "Checked his MRN before the visit"}, "client information"),
    ({"reflection": "Pulled the medical record"}, "client information"),
    ({"activity": "Home visit at 42 Elm Street"}, "client information"),
])
def test_log_hours_refused_saves_nothing(people, fields, message):
    with pytest.raises(SupervisionError, match=message):
        log(people, **fields)
    assert count(PracticeLog) == 0


def test_log_hours_refuses_a_day_over_24_hours(people):
    log(people, hours=20.0)
    with pytest.raises(SupervisionError, match="more than 24 hours"):
        log(people, hours=4.5)
    log(people, hours=4.0)
    log(people, worked_on=TODAY - timedelta(days=1), hours=10.0)
    assert count(PracticeLog) == 3


def test_ordinary_reflections_are_not_mistaken_for_client_details():
    assert not looks_like_client_details("Worked 3 hours on the drive to 2 sites; used OARS for 45 minutes.")
    assert not looks_like_client_details("On 2024-06-01 I discussed scope with my supervisor.")


def test_review_approves_and_returns_with_totals(people):
    a = log(people, hours=3.0)
    b = log(people, hours=1.5, kind="supervision", domain="ethical-responsibility")
    c = log(people, hours=2.0, domain="recovery-wellness")
    d = log(people, hours=1.0)
    services.review_hours(people.supervisor, a, True)
    services.review_hours(people.supervisor, b, True, "fine")
    services.review_hours(people.supervisor, c, False, "Describe the activity, not the person.")
    assert (a.status, c.status, c.review_comment) == ("approved", "returned", "Describe the activity, not the person.")
    assert a.reviewer_id == people.supervisor.id and a.reviewed_at is not None
    totals = services.hour_totals(people.trainee)
    assert (totals["practice"], totals["supervision"], totals["pending"]) == (3.0, 1.5, d.hours)
    assert totals["by_domain"]["advocacy"] == 3.0 and totals["by_domain"]["ethical-responsibility"] == 1.5
    assert totals["by_domain"]["recovery-wellness"] == 0.0


@pytest.mark.parametrize("who, approve, comment, message", [
    ("stranger", True, "", "do not supervise"),
    ("board", True, "", "Only a supervisor"),
    ("supervisor", False, "  ", "Say why"),
])
def test_review_refused_changes_nothing(people, who, approve, comment, message):
    entry = log(people)
    with pytest.raises(SupervisionError, match=message):
        services.review_hours(getattr(people, who), entry, approve, comment)
    assert entry.status == "pending" and entry.reviewer_id is None


def test_supervisor_cannot_approve_their_own_hours(people):
    entry = log(people, trainee=people.supervisor)
    with pytest.raises(SupervisionError, match="your own hours"):
        services.review_hours(people.supervisor, entry, True)
    assert entry.status == "pending"


def test_reviewed_hours_cannot_be_reviewed_again_and_send_hours_reviewed(people):
    entry, seen = log(people), []
    with signals.hours_reviewed.connected_to(lambda s, **kw: seen.append((s.id, kw["approved"]))):
        services.review_hours(people.admin, entry, True)
    with pytest.raises(SupervisionError, match="already been reviewed"):
        services.review_hours(people.supervisor, entry, False, "no")
    assert seen == [(entry.id, True)] and entry.status == "approved"


# Sign-off ------------------------------------------------------------------------------------

def test_sign_off_and_withdrawal(people):
    seen = []
    with signals.signed_off.connected_to(lambda s, **kw: seen.append(kw["withdrawn"])):
        row = services.sign_off(people.supervisor, people.trainee, "peer-recovery", "Ready to practise.")
        assert services.active_sign_off(people.trainee, "peer-recovery") == row
        with pytest.raises(SupervisionError, match="already signed off"):
            services.sign_off(people.admin, people.trainee, "peer-recovery", "Again.")
        with pytest.raises(SupervisionError, match="reason"):
            services.withdraw_sign_off(people.supervisor, row, " ")
        services.withdraw_sign_off(people.supervisor, row, "Boundary concerns raised after sign-off.")
        with pytest.raises(SupervisionError, match="already been withdrawn"):
            services.withdraw_sign_off(people.supervisor, row, "twice")
    assert seen == [False, True]
    assert services.active_sign_off(people.trainee, "peer-recovery") is None
    assert row.withdrawn_reason == "Boundary concerns raised after sign-off." and count(SignOff) == 1
    again = services.sign_off(people.supervisor, people.trainee, "peer-recovery", "Ready now.")
    assert services.active_sign_off(people.trainee, "peer-recovery") == again


@pytest.mark.parametrize("who, program, statement, message", [
    ("stranger", "peer-recovery", "Ready.", "do not supervise"),
    ("trainee", "peer-recovery", "Ready.", "Only a supervisor"),
    ("supervisor", " ", "Ready.", "program"),
    ("supervisor", "peer-recovery", "", "statement"),
])
def test_sign_off_refused_saves_nothing(people, who, program, statement, message):
    with pytest.raises(SupervisionError, match=message):
        services.sign_off(getattr(people, who), people.trainee, program, statement)
    assert count(SignOff) == 0


def test_stranger_cannot_withdraw_a_sign_off(people):
    row = services.sign_off(people.supervisor, people.trainee, "peer-recovery", "Ready.")
    with pytest.raises(SupervisionError, match="do not supervise"):
        services.withdraw_sign_off(people.stranger, row, "I disagree.")
    assert row.withdrawn_at is None


# Automatic evidence from signals -------------------------------------------------------------

@pytest.mark.parametrize("signal, receiver", [
    (signals.assessment_finished, services._on_assessment_finished),
    (signals.course_completed, services._on_course_completed),
])
def test_receivers_are_connected(app, signal, receiver):
    assert any(r is receiver for r in signal.receivers.values())


def test_assessment_finished_appends_evidence_by_score(people):
    attempt = SimpleNamespace(id=9, user_id=people.trainee.id, competency_scores={
        "engages-peers": 0.9, "values-communication": 0.5, "helps-manage-crises": 0.2, "not-a-competency": 1.0})
    services._on_assessment_finished(attempt, assessment=None)  # a stand-in attempt: xAPI would need more
    ratings = services.current_ratings(people.trainee)
    assert {k: v[:2] for k, v in ratings.items()} == {
        "engages-peers": ("proficient", "assessment"), "values-communication": ("developing", "assessment"),
        "helps-manage-crises": ("not-yet", "assessment")}
    assert set(db.scalars(select(CompetencyEvidence.source_ref))) == {"9"}


def test_course_completed_appends_developing_evidence_but_keeps_supervisor_rating(app, people):
    course = next(iter(app.extensions["lms"].catalog.courses.values()))
    assert course.competencies
    first = course.competencies[0]
    services.rate_competency(people.supervisor, people.trainee, first, "exemplary")
    services._on_course_completed(SimpleNamespace(user_id=people.trainee.id), course=course)
    ratings = services.current_ratings(people.trainee)
    assert ratings[first][:2] == ("exemplary", "rating")
    assert all(ratings[c][:2] == ("developing", "course") for c in course.competencies[1:])
    assert count(CompetencyEvidence) == 1 + len(course.competencies)


def test_finishing_a_real_attempt_records_assessment_evidence(app, people):
    from lms.assessments import services as assessments

    scenario = next(iter(app.extensions["lms"].assessments.scenarios.values()))
    attempt = assessments.start_attempt(people.trainee, scenario)
    assessments.finish(attempt, scenario)  # no decisions made: every competency scores 0
    rows = list(db.scalars(select(CompetencyEvidence)))
    assert rows and {(r.source, r.source_ref, r.level) for r in rows} == {("assessment", str(attempt.id), "not-yet")}
    assert {r.competency_id for r in rows} == set(attempt.competency_scores)
