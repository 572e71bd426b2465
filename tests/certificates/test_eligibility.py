"""Eligibility: every requirement of a program, met or not, with an explanation the trainee can act on."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from lms.accounts.models import User
from lms.certificates.eligibility import check
from lms.db import session as db
from tests.certificates.core_helpers import (
    CORE,
    READINESS,
    complete_courses,
    meet_core,
    meet_readiness,
    program,
    record_attempt,
)


def _by_key(result):
    return {(r.kind, r.key): r for r in result.results}


def test_a_new_trainee_meets_nothing_and_is_told_what_to_do(ctx, make_user):
    trainee = db.get(User, make_user().id)
    result = check(trainee, program(CORE))
    assert not result.eligible and result.met_count == 0 and len(result.results) == 15
    rows = _by_key(result)
    assert rows[("course", "ethics")].explanation == "Not completed yet: finish every lesson of the course."
    assert rows[("course", "ethics")].link == ("lms.learning_course", {"slug": "ethics"})
    assert rows[("assessment", "used-again")].explanation == "Not attempted yet; needs 80%."
    assert rows[("assessment", "late-night-text")].label == "Scenario: A text at 11 pm"


def test_meeting_every_core_requirement_makes_the_trainee_eligible(ctx, make_user):
    trainee = db.get(User, make_user().id)
    meet_core(trainee.id)
    result = check(trainee, program(CORE))
    assert result.eligible and not result.missing
    assert _by_key(result)[("course", "communication")].explanation.startswith("Completed on ")


def test_a_score_under_the_minimum_says_best_score_and_what_is_needed(ctx, make_user):
    trainee = db.get(User, make_user().id)
    meet_core(trainee.id, except_assessment="late-night-text")
    record_attempt(trainee.id, "late-night-text", 0.7)
    result = check(trainee, program(CORE))
    assert not result.eligible
    (missing,) = result.missing
    assert (missing.kind, missing.key) == ("assessment", "late-night-text")
    assert missing.explanation == "Best score 70%, needs 75%."


def test_an_unsafe_choice_fails_whatever_the_score(ctx, make_user):
    trainee = db.get(User, make_user().id)
    record_attempt(trainee.id, "drop-in-overdose", 0.9, critical=True)
    row = _by_key(check(trainee, program(CORE)))[("assessment", "drop-in-overdose")]
    assert not row.met
    assert row.explanation == "Best score 90%, but an unsafe choice was made; needs 75% with no unsafe choice."


def test_the_best_attempt_counts(ctx, make_user):
    trainee = db.get(User, make_user().id)
    record_attempt(trainee.id, "used-again", 0.5, number=1)
    record_attempt(trainee.id, "used-again", 0.85, number=2)
    record_attempt(trainee.id, "used-again", 0.6, number=3)
    row = _by_key(check(trainee, program(CORE)))[("assessment", "used-again")]
    assert row.met and row.explanation.startswith("Passed with 85% on ")


def test_one_course_missing_is_the_only_thing_listed(ctx, make_user):
    trainee = db.get(User, make_user().id)
    meet_core(trainee.id, except_course="confidentiality")
    assert [(r.kind, r.key) for r in check(trainee, program(CORE)).missing] == [("course", "confidentiality")]


@pytest.fixture
def pair(ctx, make_user):
    trainee_id, supervisor_id = make_user().id, make_user("supervisor").id  # before this context's transaction
    trainee, supervisor = db.get(User, trainee_id), db.get(User, supervisor_id)
    meet_core(trainee.id)
    return trainee, supervisor


def test_readiness_needs_everything_beyond_the_core(pair):
    trainee, _ = pair
    result = check(trainee, program(READINESS))
    assert [r.kind for r in result.missing] == ["competency"] * 4 + ["sign_off", "practice_hours",
                                                                   "supervision_hours", "ethics_attestation"]
    rows = _by_key(result)
    assert rows[("competency", "icrc-advocacy")].explanation == ("Not rated yet; needs Proficient or a "
                                                                 "supervisor's sign-off.")
    assert rows[("practice_hours", "practice")].explanation == "0 of 500 hours approved."
    assert rows[("ethics_attestation", "code-of-ethics")].link == ("lms.certificates_attest", {})


def test_readiness_is_met_with_ratings_hours_sign_off_and_attestation(pair):
    trainee, supervisor = pair
    meet_readiness(trainee.id, supervisor.id)
    result = check(trainee, program(READINESS))
    assert result.eligible, [r.explanation for r in result.missing]
    assert _by_key(result)[("competency", "icrc-advocacy")].explanation == "Rated Proficient."


def test_a_sign_off_covers_competencies_not_yet_rated_proficient(pair):
    from lms.supervision.models import CompetencyEvidence, SignOff

    trainee, supervisor = pair
    db.add(CompetencyEvidence(trainee_id=trainee.id, competency_id="icrc-advocacy", level="developing",
                              source="rating", author_id=supervisor.id))
    db.flush()
    row = _by_key(check(trainee, program(READINESS)))[("competency", "icrc-advocacy")]
    assert not row.met and row.explanation == "Rated Developing; needs Proficient or a supervisor's sign-off."
    db.add(SignOff(trainee_id=trainee.id, supervisor_id=supervisor.id, program=READINESS, statement="Ready."))
    db.flush()
    row = _by_key(check(trainee, program(READINESS)))[("competency", "icrc-advocacy")]
    assert row.met and row.explanation == "Covered by your supervisor's sign-off for this program."


def test_hours_waiting_for_review_are_mentioned_and_do_not_count(pair):
    from datetime import date

    from lms.supervision.models import PracticeLog

    trainee, supervisor = pair
    db.add(PracticeLog(trainee_id=trainee.id, worked_on=date(2026, 1, 5), hours=499, kind="practice",
                       domain="advocacy", activity="Drop-in", status="approved", reviewer_id=supervisor.id))
    db.add(PracticeLog(trainee_id=trainee.id, worked_on=date(2026, 1, 6), hours=3, kind="practice",
                       domain="advocacy", activity="Drop-in", status="pending"))
    db.flush()
    row = _by_key(check(trainee, program(READINESS)))[("practice_hours", "practice")]
    assert not row.met and row.explanation == "499 of 500 hours approved. 3 hours are waiting for review."


def test_a_check_takes_a_handful_of_queries(pair, app):
    """Receivers run this inside the trainee's request: it must not grow with the number of requirements."""
    trainee, supervisor = pair
    meet_readiness(trainee.id, supervisor.id)
    complete_courses(trainee.id, [])
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    engine = app.extensions["lms"].db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert check(trainee, program(READINESS)).eligible
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 7, len(statements)
