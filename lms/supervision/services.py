"""Supervision services: competency ratings derived from an append-only evidence log, observations,
practice hours and their review, and supervisor sign-off. They flush and never commit."""
from __future__ import annotations

import math
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from lms import signals
from lms.accounts.models import SupervisorAssignment, User
from lms.accounts.services import can_view_trainee
from lms.content.models import Framework
from lms.db import session as db
from lms.db import utcnow
from lms.privacy import CLIENT_DETAILS_REFUSAL, looks_like_client_details
from lms.supervision.models import CompetencyEvidence, Observation, PracticeLog, SignOff

SUPERVISOR_SOURCES = ("rating", "observation")
AUTOMATIC_SOURCES = ("course", "assessment")
OBSERVATION_CRITERIA = ("safety", "scope", "confidentiality", "recovery-oriented-language",
                        "motivational-interviewing")
# An observation is evidence of ethical responsibility only when safety, scope and confidentiality
# were all observed at proficient or better; the evidence level is the lowest of the three.
ETHICS_COMPETENCY = "icrc-ethical-responsibility"
ETHICS_CRITERIA = ("safety", "scope", "confidentiality")
LOG_KINDS = ("practice", "supervision")
MAX_HOURS_PER_DAY = 24.0

Rating = tuple[str, str, datetime]  # level, source, created_at


class SupervisionError(ValueError):
    """An action refused: the message says why and is safe to show; nothing was changed."""


def framework() -> Framework:
    return current_app.extensions["lms"].catalog.framework


def _levels() -> list[str]:
    return [level.id for level in framework().scale.levels]


def _check_supervisor(supervisor: User, trainee: User) -> None:
    if supervisor.role not in ("supervisor", "admin"):
        raise SupervisionError("Only a supervisor or an administrator can do this.")
    if supervisor.id == trainee.id:
        raise SupervisionError("You cannot supervise yourself.")
    if not can_view_trainee(supervisor, trainee):
        raise SupervisionError(f"You do not supervise {trainee.name}.")


def _check_level(level: str) -> None:
    if level not in _levels():
        raise SupervisionError(f"Unknown level '{level}'; use one of: {', '.join(_levels())}.")


# Competency ratings ------------------------------------------------------------------------------

def current_ratings(trainee: User) -> dict[str, Rating]:
    return current_ratings_for([trainee.id])[trainee.id]


def current_ratings_for(trainee_ids: list[int]) -> dict[int, dict[str, Rating]]:
    """Each trainee's current rating per competency, in one query.

    The latest supervisor entry (rating or observation) wins; automatic entries (course,
    assessment) count only where no supervisor entry exists, so they never overwrite a supervisor.
    """
    ids = sorted(set(trainee_ids))
    result: dict[int, dict[str, Rating]] = {tid: {} for tid in ids}
    if not ids:
        return result
    rows = db.execute(select(CompetencyEvidence.trainee_id, CompetencyEvidence.competency_id,
                             CompetencyEvidence.level, CompetencyEvidence.source, CompetencyEvidence.created_at)
                      .where(CompetencyEvidence.trainee_id.in_(ids))
                      .order_by(CompetencyEvidence.created_at, CompetencyEvidence.id))
    supervised: set[tuple[int, str]] = set()
    for trainee_id, competency_id, level, source, created_at in rows:  # oldest first: later rows replace
        key = (trainee_id, competency_id)
        if source in SUPERVISOR_SOURCES:
            supervised.add(key)
        elif key in supervised:
            continue
        result[trainee_id][competency_id] = (level, source, created_at)
    return result


def _append_evidence(trainee_id: int, competency_id: str, level: str, source: str, source_ref: str = "",
                     author_id: int | None = None, comment: str = "") -> CompetencyEvidence:
    evidence = CompetencyEvidence(trainee_id=trainee_id, competency_id=competency_id, level=level, source=source,
                                  source_ref=source_ref, author_id=author_id, comment=comment, created_at=utcnow())
    db.add(evidence)
    return evidence


def rate_competency(supervisor: User, trainee: User, competency_id: str, level: str,
                    comment: str = "") -> CompetencyEvidence:
    if competency_id not in framework().competencies:
        raise SupervisionError(f"Unknown competency '{competency_id}'.")
    _check_level(level)
    _check_supervisor(supervisor, trainee)
    evidence = _append_evidence(trainee.id, competency_id, level, "rating", author_id=supervisor.id,
                                comment=comment.strip())
    db.flush()
    signals.competency_rated.send(evidence, trainee=trainee, supervisor=supervisor)
    return evidence


def record_observation(supervisor: User, trainee: User, observed_on: date, scores: dict[str, str],
                       comment: str = "", today: date | None = None) -> Observation:
    today = today or utcnow().date()
    unknown = sorted(set(scores) - set(OBSERVATION_CRITERIA))
    if unknown:
        raise SupervisionError(f"Unknown criteria: {', '.join(unknown)}.")
    missing = [c for c in OBSERVATION_CRITERIA if c not in scores]
    if missing:
        raise SupervisionError(f"Score every criterion; missing: {', '.join(missing)}.")
    for level in scores.values():
        _check_level(level)
    if observed_on > today:
        raise SupervisionError("An observation cannot be dated in the future.")
    _check_supervisor(supervisor, trainee)
    observation = Observation(trainee_id=trainee.id, supervisor_id=supervisor.id, observed_on=observed_on,
                              scores=dict(scores), comment=comment.strip())
    db.add(observation)
    db.flush()
    ethics = [scores[c] for c in ETHICS_CRITERIA]
    if all(framework().is_proficient(level) for level in ethics):
        lowest = min(ethics, key=_levels().index)
        evidence = _append_evidence(trainee.id, ETHICS_COMPETENCY, lowest, "observation",
                                    source_ref=str(observation.id), author_id=supervisor.id)
        db.flush()
        signals.competency_rated.send(evidence, trainee=trainee, supervisor=supervisor)
    return observation


# Practice hours ------------------------------------------------------------------------------

def _check_log(trainee: User, worked_on: date, hours: float, kind: str, domain: str, activity: str,
               reflection: str, today: date, replacing: int | None = None) -> tuple[str, str]:
    """Refuse a bad log; `replacing` is the id of a log being corrected, left out of the day's total."""
    if kind not in LOG_KINDS:
        raise SupervisionError(f"Unknown kind '{kind}'; use practice or supervision.")
    if domain not in framework().domain_names:
        raise SupervisionError(f"Unknown domain '{domain}'.")
    if not math.isfinite(hours) or hours <= 0 or hours > MAX_HOURS_PER_DAY:
        raise SupervisionError("Hours must be more than 0 and at most 24.")
    if worked_on > today:
        raise SupervisionError("Hours cannot be logged for a day in the future.")
    activity, reflection = activity.strip(), reflection.strip()
    if not activity:
        raise SupervisionError("Say briefly what the activity was.")
    if looks_like_client_details(activity) or looks_like_client_details(reflection):
        raise SupervisionError(CLIENT_DETAILS_REFUSAL)
    query = select(func.coalesce(func.sum(PracticeLog.hours), 0.0)).where(
        PracticeLog.trainee_id == trainee.id, PracticeLog.worked_on == worked_on,
        PracticeLog.status != "returned")  # returned logs do not count: they are to be corrected
    if replacing is not None:
        query = query.where(PracticeLog.id != replacing)
    logged = db.scalar(query)
    if logged + hours > MAX_HOURS_PER_DAY:
        raise SupervisionError(f"That would make more than 24 hours on {worked_on.isoformat()} "
                               f"({logged:g} already logged).")
    return activity, reflection


def log_hours(trainee: User, worked_on: date, hours: float, kind: str, domain: str, activity: str,
              reflection: str = "", today: date | None = None) -> PracticeLog:
    activity, reflection = _check_log(trainee, worked_on, hours, kind, domain, activity, reflection,
                                      today or utcnow().date())
    log = PracticeLog(trainee_id=trainee.id, worked_on=worked_on, hours=hours, kind=kind, domain=domain,
                      activity=activity, reflection=reflection, status="pending")
    db.add(log)
    db.flush()
    _hours_changed(trainee.id)
    return log


def resubmit_hours(trainee: User, log: PracticeLog, worked_on: date, hours: float, kind: str, domain: str,
                   activity: str, reflection: str = "", today: date | None = None) -> PracticeLog:
    """Correct a returned log and send it for review again; the reviewer's comment stays for reference."""
    if log.trainee_id != trainee.id:
        raise SupervisionError("You can only correct your own hours.")
    if log.status != "returned":
        raise SupervisionError("Only hours returned for correction can be changed.")
    activity, reflection = _check_log(trainee, worked_on, hours, kind, domain, activity, reflection,
                                      today or utcnow().date(), replacing=log.id)
    log.worked_on, log.hours, log.kind, log.domain = worked_on, hours, kind, domain
    log.activity, log.reflection, log.status = activity, reflection, "pending"
    log.reviewer_id, log.reviewed_at = None, None
    db.flush()
    _hours_changed(trainee.id)
    return log


def _hours_changed(trainee_id: int) -> None:
    """Keep the dashboard's summary row in step (there is no signal for a new or corrected log)."""
    from lms.supervision import summary  # summary builds on the dashboard, which imports this module

    summary.hours_changed(trainee_id)


def _levels_changed(trainee_id: int) -> None:
    """Keep the dashboard's summary row in step with automatic evidence (supervisors' is signalled)."""
    from lms.supervision import summary

    summary.levels_changed(trainee_id)


def review_hours(supervisor: User, log: PracticeLog, approve: bool, comment: str = "") -> PracticeLog:
    trainee = db.get(User, log.trainee_id)
    if supervisor.id == log.trainee_id:
        raise SupervisionError("You cannot review your own hours.")
    _check_supervisor(supervisor, trainee)
    if log.status != "pending":
        raise SupervisionError("These hours have already been reviewed.")
    comment = comment.strip()
    if not approve and not comment:
        raise SupervisionError("Say why the hours are returned, so the trainee can correct them.")
    log.status = "approved" if approve else "returned"
    log.reviewer_id, log.review_comment, log.reviewed_at = supervisor.id, comment, utcnow()
    db.flush()
    signals.hours_reviewed.send(log, reviewer=supervisor, approved=approve)
    return log


def hour_totals(trainee: User) -> dict:
    """Approved hours by kind and by domain, and the hours still pending review."""
    rows = db.execute(select(PracticeLog.kind, PracticeLog.domain, PracticeLog.status, func.sum(PracticeLog.hours))
                      .where(PracticeLog.trainee_id == trainee.id, PracticeLog.status != "returned")
                      .group_by(PracticeLog.kind, PracticeLog.domain, PracticeLog.status))
    totals: dict = {"practice": 0.0, "supervision": 0.0, "pending": 0.0,
                    "by_domain": dict.fromkeys(framework().domain_names, 0.0)}
    for kind, domain, status, hours in rows:
        if status == "pending":
            totals["pending"] += hours
        else:
            totals[kind] += hours
            totals["by_domain"][domain] = totals["by_domain"].get(domain, 0.0) + hours
    return totals


# Sign-off ------------------------------------------------------------------------------------

def active_sign_off(trainee: User, program: str) -> SignOff | None:
    return db.scalar(select(SignOff).where(SignOff.trainee_id == trainee.id, SignOff.program == program,
                                           SignOff.withdrawn_at.is_(None)).order_by(SignOff.id.desc()).limit(1))


def sign_off(supervisor: User, trainee: User, program: str, statement: str) -> SignOff:
    program, statement = program.strip(), statement.strip()
    if not program:
        raise SupervisionError("Name the program this sign-off is for.")
    if not statement:
        raise SupervisionError("Write the sign-off statement.")
    _check_supervisor(supervisor, trainee)
    if active_sign_off(trainee, program):
        raise SupervisionError(f"{trainee.name} is already signed off for this program.")
    row = SignOff(trainee_id=trainee.id, supervisor_id=supervisor.id, program=program, statement=statement,
                  signed_at=utcnow())
    db.add(row)
    db.flush()
    signals.signed_off.send(row, trainee=trainee, supervisor=supervisor, withdrawn=False)
    return row


def withdraw_sign_off(supervisor: User, row: SignOff, reason: str) -> SignOff:
    trainee = db.get(User, row.trainee_id)
    _check_supervisor(supervisor, trainee)
    if row.withdrawn_at is not None:
        raise SupervisionError("This sign-off has already been withdrawn.")
    reason = reason.strip()
    if not reason:
        raise SupervisionError("Give the reason for withdrawing the sign-off.")
    row.withdrawn_at, row.withdrawn_reason = utcnow(), reason
    db.flush()
    signals.signed_off.send(row, trainee=trainee, supervisor=supervisor, withdrawn=True)
    return row


# Listings for the pages -----------------------------------------------------------------------

def evidence_log(trainee: User) -> list[CompetencyEvidence]:
    """The trainee's whole evidence log, newest first."""
    return list(db.scalars(select(CompetencyEvidence).where(CompetencyEvidence.trainee_id == trainee.id)
                           .order_by(CompetencyEvidence.created_at.desc(), CompetencyEvidence.id.desc())))


def observations_of(trainee: User) -> list[Observation]:
    return list(db.scalars(select(Observation).where(Observation.trainee_id == trainee.id)
                           .order_by(Observation.observed_on.desc(), Observation.id.desc())))


def logs_of(trainee: User) -> list[PracticeLog]:
    return list(db.scalars(select(PracticeLog).where(PracticeLog.trainee_id == trainee.id)
                           .order_by(PracticeLog.worked_on.desc(), PracticeLog.id.desc())))


def sign_offs_of(trainee: User) -> list[SignOff]:
    return list(db.scalars(select(SignOff).where(SignOff.trainee_id == trainee.id).order_by(SignOff.id.desc())))


def pending_hours_for(viewer: User) -> list[tuple[PracticeLog, User]]:
    """Pending logs of the trainees `viewer` may review (as can_view_trainee), oldest first, never their own."""
    query = (select(PracticeLog, User).join(User, User.id == PracticeLog.trainee_id)
             .where(PracticeLog.status == "pending", PracticeLog.trainee_id != viewer.id)
             .order_by(PracticeLog.worked_on, PracticeLog.id))
    if viewer.role != "admin":
        assigned = select(SupervisorAssignment.trainee_id).where(SupervisorAssignment.supervisor_id == viewer.id)
        allowed = PracticeLog.trainee_id.in_(assigned)
        if viewer.is_org_admin and viewer.organization_id:
            allowed = allowed | (User.organization_id == viewer.organization_id)
        query = query.where(allowed)
    return [(log, trainee) for log, trainee in db.execute(query)]


# Automatic evidence --------------------------------------------------------------------------

def level_for_score(scaled: float) -> str:
    """Assessment evidence never reaches exemplary: that takes a supervisor's judgement."""
    if scaled >= 0.8:
        return "proficient"
    return "developing" if scaled >= 0.5 else "not-yet"


def _on_assessment_finished(attempt, assessment=None, **_kwargs) -> None:
    known = framework().competencies
    for competency_id, scaled in sorted((attempt.competency_scores or {}).items()):
        if competency_id in known and scaled is not None:
            _append_evidence(attempt.user_id, competency_id, level_for_score(scaled), "assessment",
                             source_ref=str(attempt.id))
    db.flush()
    _levels_changed(attempt.user_id)


def _on_course_completed(enrollment, course=None, **_kwargs) -> None:
    known = framework().competencies
    for competency_id in course.competencies:
        if competency_id in known:
            _append_evidence(enrollment.user_id, competency_id, "developing", "course", source_ref=course.slug)
    db.flush()
    _levels_changed(enrollment.user_id)


_RECEIVERS = ((signals.assessment_finished, _on_assessment_finished),
              (signals.course_completed, _on_course_completed))


def connect() -> None:
    """Connect the receivers once per process (blinker keeps strong references here)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
    from lms.supervision import summary

    summary.connect()
