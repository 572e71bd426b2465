"""Helpers for the certificate core tests: bring a trainee to a program's requirements.

Two ways: rows written directly (fast, for eligibility and page tests), and the real services
(lessons completed, scenarios played), for the tests where the signal that completes the last
requirement must be the real one.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from lms.accounts.models import User
from lms.assessments import services as assessments
from lms.assessments.definitions import Decision, Narrative
from lms.assessments.models import Attempt
from lms.db import session as db
from lms.db import utcnow
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.supervision.models import CompetencyEvidence, PracticeLog, SignOff
from tests.learning.helpers import do_activities

CORE = "peer-recovery-core-training"
READINESS = "peer-recovery-practice-readiness"


def program(slug: str):
    return current_app.extensions["lms"].programs[slug]


def complete_courses(user_id: int, slugs) -> None:
    catalog = current_app.extensions["lms"].catalog
    for slug in slugs:
        db.add(Enrollment(user_id=user_id, course_slug=slug, course_version=catalog.course(slug).version,
                          completed_at=utcnow(), completed_version=catalog.course(slug).version))
    db.flush()


def record_attempt(user_id: int, slug: str, scaled: float, critical: bool = False, number: int = 1) -> Attempt:
    scenario = current_app.extensions["lms"].assessments.scenario(slug)
    passed = scaled >= scenario.settings.pass_mark and not critical
    attempt = Attempt(user_id=user_id, assessment_slug=slug, kind="scenario", course_slug=scenario.course,
                      content_version=scenario.version, number=number, seed=1, finished_at=utcnow(),
                      points=scaled, scaled=scaled, passed=passed, critical=critical, competency_scores={})
    db.add(attempt)
    db.flush()
    return attempt


def pass_scenarios(user_id: int, slugs) -> None:
    for slug in slugs:
        record_attempt(user_id, slug, 1.0)


def meet_core(user_id: int, except_course: str | None = None, except_assessment: str | None = None) -> None:
    p = program(CORE)
    complete_courses(user_id, [c for c in p.requirements.courses if c != except_course])
    pass_scenarios(user_id, [a.id for a in p.requirements.assessments if a.id != except_assessment])


def meet_readiness(trainee_id: int, supervisor_id: int, sign_off: bool = True, attest: bool = True) -> None:
    """Every readiness requirement except the core ones (call meet_core too)."""
    from lms.certificates.models import Attestation

    p = program(READINESS)
    for comp in p.requirements.competencies:
        db.add(CompetencyEvidence(trainee_id=trainee_id, competency_id=comp, level="proficient", source="rating",
                                  author_id=supervisor_id, created_at=utcnow()))
    day = date.today() - timedelta(days=1)
    for kind, hours in (("practice", p.requirements.practice_hours), ("supervision", p.requirements.supervision_hours)):
        db.add(PracticeLog(trainee_id=trainee_id, worked_on=day, hours=hours, kind=kind, domain="advocacy",
                           activity="Group facilitation", status="approved", reviewer_id=supervisor_id))
    if sign_off:
        db.add(SignOff(trainee_id=trainee_id, supervisor_id=supervisor_id, program=READINESS,
                       statement="Ready for supervised practice.", signed_at=utcnow()))
    if attest:
        db.add(Attestation(user_id=trainee_id, kind="code-of-ethics", text="attested", attested_at=utcnow()))
    db.flush()


def complete_course_for_real(user: User, slug: str) -> None:
    """Enroll, answer every knowledge check correctly and complete every lesson (real services and signals)."""
    course = current_app.extensions["lms"].catalog.course(slug)
    enrollment = learning.find_enrollment(user, slug) or learning.enroll(user, course)
    for lesson in course.lessons:
        for check in lesson.checks:
            chosen = [i for i, option in enumerate(check.options) if option.correct]
            learning.answer_check(enrollment, course, lesson, check, chosen)
        do_activities(enrollment, course, lesson)
        learning.complete_lesson(enrollment, course, lesson)


def play_scenario(user: User, slug: str, safe: bool = True) -> Attempt:
    """Play a scenario through the real services: the best safe option at each decision, or the
    first critical option when `safe` is False."""
    scenario = current_app.extensions["lms"].assessments.scenario(slug)
    attempt = assessments.start_attempt(user, scenario)
    while attempt.finished_at is None:
        node = scenario.node(attempt.current_node)
        if isinstance(node, Narrative):
            assessments.continue_narrative(attempt, scenario, node.id)
        elif isinstance(node, Decision):
            critical = [o for o in node.options if o.critical]
            if not safe and critical:
                option = critical[0]
            else:
                option = max((o for o in node.options if not o.critical), key=lambda o: o.points)
            assessments.record_decision(attempt, scenario, node.id, option.id)
    return attempt
