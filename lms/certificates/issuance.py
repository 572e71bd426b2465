"""Eligibility re-checks and issuance: exactly one current certificate per person and program.

The unique `active_key` ("<user_id>:<program>") is the guarantee, not a check before inserting:
two requests that issue at once both try to insert, the database refuses the second, and the loser
rolls back its savepoint and returns the winner's certificate. The certificate number and status
index are allocated as max + 1 and retried on a collision the same way.

Receivers run inside the triggering transaction (a lesson completed, an attempt scored, hours
approved...), so they first look only at the programs the event can affect, skip people who
already hold the program, and only then run the eligibility check.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.accounts.models import User
from lms.accounts.services import can_view_trainee, trainees_of
from lms.certificates.codes import new_code
from lms.certificates.eligibility import ETHICS_KIND, Eligibility, check, has_attested
from lms.certificates.models import Attestation, Certificate, CertificateEvent
from lms.certificates.programs import Program, program_hours, programs
from lms.db import session as db
from lms.db import utcnow

log = logging.getLogger(__name__)
MAX_TRIES = 10
_KEEP = object()  # valid_until not given: compute it from the program's validity


class CertificateError(ValueError):
    """An action refused: the message says why and is safe to show; nothing was changed."""


def active_key(user_id: int, program_slug: str) -> str:
    return f"{user_id}:{program_slug}"


def current_certificate(user_id: int, program_slug: str) -> Certificate | None:
    """The person's active or suspended certificate for the program (at most one, by the constraint)."""
    return db.scalar(select(Certificate).where(Certificate.active_key == active_key(user_id, program_slug)))


def certificates_of(user: User) -> list[Certificate]:
    return list(db.scalars(select(Certificate).where(Certificate.user_id == user.id)
                           .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


# numbers, indexes, snapshot ----------------------------------------------------------------------

def _next_number(program: Program, now: datetime) -> str:
    """PRCT-2026-000042: a per-program sequence (it continues across years; the year is the issue year)."""
    last = db.scalar(select(func.max(Certificate.number)).where(Certificate.program == program.slug))
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{program.number_prefix}-{now.year}-{sequence:06d}"


def _next_status_index() -> int:
    return (db.scalar(select(func.max(Certificate.status_index))) or 0) + 1


def _config(key: str, fallback: str) -> str:
    return current_app.config.get(key) or current_app.config[fallback]


def build_snapshot(user: User, program: Program, eligibility: Eligibility | None = None) -> dict[str, Any]:
    """Everything printed or signed, frozen at issue (the contract's Certificate.snapshot)."""
    state = current_app.extensions["lms"]
    facts = (eligibility or check(user, program)).facts
    framework = state.catalog.framework
    levels = {level.id: level.label for level in framework.scale.levels}
    courses = []
    for slug in program.requirements.courses:
        row = facts.completed.get(slug)
        courses.append({"slug": slug, "title": state.catalog.course(slug).title,
                        "completed_on": row.completed_at.date().isoformat() if row else None})
    assessments = []
    for wanted in program.requirements.assessments:
        found = state.assessments.scenario(wanted.id) or state.assessments.final_check(wanted.id)
        attempt = facts.attempts.get(wanted.id)
        assessments.append({"id": wanted.id, "title": found.title,
                            "score": attempt.scaled if attempt else None,
                            "passed_on": attempt.finished_at.date().isoformat() if attempt else None})
    competencies = []
    for comp_id in program.requirements.competencies:
        rating = facts.ratings.get(comp_id)
        level = levels.get(rating[0], rating[0]) if rating else None
        if (rating is None or not framework.is_proficient(rating[0])) and facts.sign_off is not None:
            level = "Signed off"
        competencies.append({"id": comp_id, "name": framework.competencies[comp_id].name, "level": level})
    sign_off = facts.sign_off
    supervisor = db.get(User, sign_off.supervisor_id) if sign_off and sign_off.supervisor_id else None
    return {
        "holder_name": user.name,
        "program_name": program.name,
        "hours": program_hours(program, state.catalog),
        "domain_names": framework.domain_names,
        "courses": courses,
        "assessments": assessments,
        "competencies": competencies,
        "practice_hours": {"practice": facts.hours.get("practice", 0.0),
                           "supervision": facts.hours.get("supervision", 0.0)},
        "sign_off": {"supervisor": supervisor.name if supervisor else "", "signed_at": sign_off.signed_at.isoformat(),
                     "statement": sign_off.statement} if sign_off else None,
        "issuer": {"name": _config("LMS_ISSUER_NAME", "LMS_SITE_NAME"),
                   "url": _config("LMS_ISSUER_URL", "LMS_BASE_URL")},
        "signatory": {"name": program.signatory.name, "title": program.signatory.title},
    }


# issuing -------------------------------------------------------------------------------------

def create_certificate(user: User, program: Program, *, actor: User | None = None, reason: str = "",
                       replaces: Certificate | None = None, awarded_on: date | None = None,
                       valid_until: Any = _KEEP, action: str | None = None,
                       eligibility: Eligibility | None = None) -> Certificate:
    """Create the certificate (or, when another request won the race, return the current one).

    Flushes, writes a CertificateEvent and sends signals.certificate_issued; supersedes `replaces`.
    `valid_until` defaults to now + the program's validity; a re-issue passes the old one on.
    """
    return _create(user, program, actor=actor, reason=reason, replaces=replaces, awarded_on=awarded_on,
                   valid_until=valid_until, action=action, eligibility=eligibility)[0]


def _create(user: User, program: Program, *, actor, reason, replaces, awarded_on, valid_until, action,
            eligibility) -> tuple[Certificate, bool]:
    now = utcnow()
    if valid_until is _KEEP:
        valid_until = now + timedelta(days=program.validity_days) if program.validity_days else None
    snapshot = build_snapshot(user, program, eligibility)
    for _ in range(MAX_TRIES):
        cert = Certificate(number=_next_number(program, now), code=new_code(), user_id=user.id,
                           program=program.slug, status="active", active_key=active_key(user.id, program.slug),
                           awarded_on=awarded_on or now.date(), issued_at=now, valid_until=valid_until,
                           snapshot=snapshot, status_index=_next_status_index(),
                           replaces_id=replaces.id if replaces else None, issued_by_id=actor.id if actor else None)
        try:
            with db.begin_nested():
                if replaces is not None:
                    _supersede(replaces, now)
                db.add(cert)
        except IntegrityError:
            # Another request issued first (active_key) or took the same number or index: see which.
            existing = current_certificate(user.id, program.slug)
            if existing is not None and (replaces is None or existing.id != replaces.id):
                return existing, False
            continue
        _record_issue(cert, program, actor, reason, replaces, action)
        return cert, True
    raise CertificateError("The certificate could not be numbered; please try again.")


def _supersede(old: Certificate, now: datetime) -> None:
    if old.active_key is None:
        raise CertificateError("Only a current certificate can be re-issued or renewed.")
    old.status, old.active_key, old.status_changed_at = "superseded", None, now
    db.flush()  # free the active_key before the new row takes it


def _record_issue(cert: Certificate, program: Program, actor: User | None, reason: str,
                  replaces: Certificate | None, action: str | None) -> None:
    action = action or ("reissued" if replaces else "issued")
    reason = reason.strip()
    db.add(CertificateEvent(certificate_id=cert.id, action=action, actor_id=actor.id if actor else None,
                            reason=reason, at=cert.issued_at))
    if replaces is not None:
        replaces.status_reason = f"Superseded by {cert.number}" + (f": {reason}" if reason else "")
        db.add(CertificateEvent(certificate_id=replaces.id, action="superseded",
                                actor_id=actor.id if actor else None, reason=replaces.status_reason,
                                at=cert.issued_at))
    db.flush()
    if replaces is not None:
        signals.certificate_status_changed.send(replaces, action="superseded", actor=actor, reason=reason)
    signals.certificate_issued.send(cert, program=program, replaces=replaces, actor=actor)


def issue_if_eligible(user: User, program: Program) -> Certificate | None:
    """Automatic programs: issue at once when every requirement is met (None otherwise)."""
    if program.issuance != "automatic" or current_certificate(user.id, program.slug) is not None:
        return None
    result = check(user, program)
    if not result.eligible:
        return None
    return create_certificate(user, program, reason="All requirements met.", eligibility=result)


def approve(supervisor: User, trainee: User, program: Program) -> Certificate:
    """A supervisor approves a pending request: the trainee is eligible and holds no current certificate."""
    if supervisor.role not in ("supervisor", "admin") or supervisor.id == trainee.id:
        raise CertificateError("Only the trainee's supervisor or an administrator can approve a certificate.")
    if not can_view_trainee(supervisor, trainee):
        raise CertificateError(f"You do not supervise {trainee.name}.")
    if program.issuance != "approval":
        raise CertificateError(f"{program.name} is issued automatically; it needs no approval.")
    if current_certificate(trainee.id, program.slug) is not None:
        raise CertificateError(f"{trainee.name} already holds {program.name}.")
    result = check(trainee, program)
    if not result.eligible:
        missing = "; ".join(r.label for r in result.missing)
        raise CertificateError(f"{trainee.name} does not meet every requirement yet: {missing}.")
    cert, created = _create(trainee, program, actor=supervisor, reason="Approved by supervisor.", replaces=None,
                            awarded_on=None, valid_until=_KEEP, action="issued", eligibility=result)
    if not created:
        raise CertificateError(f"{trainee.name} already holds {program.name}.")
    return cert


def issue_manually(admin: User, user: User, program: Program, reason: str) -> Certificate:
    """An administrator issues outside the rules (e.g. training recorded elsewhere), with a reason."""
    reason = _require_admin_reason(admin, reason)
    if current_certificate(user.id, program.slug) is not None:
        raise CertificateError(f"{user.name} already holds {program.name}; re-issue it instead.")
    cert, created = _create(user, program, actor=admin, reason=reason, replaces=None, awarded_on=None,
                            valid_until=_KEEP, action="issued", eligibility=None)
    if not created:
        raise CertificateError(f"{user.name} already holds {program.name}.")
    return cert


def reissue(admin: User, old: Certificate, reason: str) -> Certificate:
    """Replace a current certificate (a corrected name, new content): same award date and expiry."""
    reason = _require_admin_reason(admin, reason)
    program = programs().get(old.program)
    if program is None:
        raise CertificateError(f"The program '{old.program}' no longer exists.")
    if old.active_key is None:
        raise CertificateError("Only a current certificate can be re-issued.")
    holder = db.get(User, old.user_id)
    cert, created = _create(holder, program, actor=admin, reason=reason, replaces=old, awarded_on=old.awarded_on,
                            valid_until=old.valid_until, action="reissued", eligibility=None)
    if not created:
        raise CertificateError("This certificate was re-issued by someone else at the same moment.")
    return cert


def _require_admin_reason(admin: User, reason: str) -> str:
    if admin.role != "admin":
        raise CertificateError("Only an administrator can do this.")
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give the reason; it is kept in the certificate's history.")
    return reason


def pending_approvals(supervisor: User) -> list[tuple[User, Program, Eligibility]]:
    """Approval programs the supervisor's trainees are eligible for and do not hold yet.

    Derived rather than stored: a request is pending exactly while the trainee is eligible and
    holds no current certificate, so nothing can go stale when a sign-off is withdrawn.
    """
    waiting = [p for p in programs().values() if p.issuance == "approval"]
    trainees = [t for t in _supervised(supervisor) if t.id != supervisor.id]
    out = []
    for trainee in trainees:
        for program in waiting:
            if current_certificate(trainee.id, program.slug) is None:
                result = check(trainee, program)
                if result.eligible:
                    out.append((trainee, program, result))
    return out


def _supervised(supervisor: User) -> list[User]:
    if supervisor.role == "admin":
        return list(db.scalars(select(User).where(User.role == "trainee", User.is_active.is_(True))
                               .order_by(User.name)))
    trainees = {t.id: t for t in trainees_of(supervisor)}
    if supervisor.is_org_admin and supervisor.organization_id:
        for t in db.scalars(select(User).where(User.organization_id == supervisor.organization_id,
                                               User.role == "trainee")):
            trainees.setdefault(t.id, t)
    return sorted(trainees.values(), key=lambda t: t.name)


# the code of ethics --------------------------------------------------------------------------

def attest_code_of_ethics(user: User) -> Attestation:
    code = programs().code_of_ethics
    if code is None:
        raise CertificateError("There is no code of ethics to attest to.")
    if has_attested(user):
        raise CertificateError("You have already attested to the code of ethics.")
    row = Attestation(user_id=user.id, kind=ETHICS_KIND, text=code.text, attested_at=utcnow())
    db.add(row)
    db.flush()
    recheck(user, lambda p: p.requirements.ethics_attestation)
    return row


# receivers -----------------------------------------------------------------------------------

def recheck(user: User, affects) -> list[Certificate]:
    """Issue every automatic program the event can affect (`affects(program)`) that is now met."""
    issued: list[Certificate] = []
    if user is None:
        return issued
    for program in programs().values():
        if program.issuance == "automatic" and affects(program):
            cert = issue_if_eligible(user, program)
            if cert is not None:
                issued.append(cert)
    return issued


def _user(user_id: int) -> User | None:
    return db.get(User, user_id)


def _on_course_completed(enrollment, course=None, **_kw) -> None:
    slug = enrollment.course_slug
    recheck(_user(enrollment.user_id), lambda p: slug in p.requirements.courses)


def _on_assessment_finished(attempt, **_kw) -> None:
    slug = attempt.assessment_slug
    recheck(_user(attempt.user_id), lambda p: any(a.id == slug for a in p.requirements.assessments))


def _on_competency_rated(_evidence, trainee=None, **_kw) -> None:
    recheck(trainee, lambda p: bool(p.requirements.competencies))


def _on_hours_reviewed(practice_log, approved=False, **_kw) -> None:
    if approved:
        recheck(_user(practice_log.trainee_id),
                lambda p: bool(p.requirements.practice_hours or p.requirements.supervision_hours))


def _on_signed_off(row, trainee=None, withdrawn=False, **_kw) -> None:
    if not withdrawn:
        recheck(trainee, lambda p: p.slug == row.program)


_RECEIVERS = ((signals.course_completed, _on_course_completed),
              (signals.assessment_finished, _on_assessment_finished),
              (signals.competency_rated, _on_competency_rated),
              (signals.hours_reviewed, _on_hours_reviewed),
              (signals.signed_off, _on_signed_off))


def connect() -> None:
    """Connect receivers that re-check eligibility when relevant events happen."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)


# after commit --------------------------------------------------------------------------------

def render_pdf_after_commit(cert: Certificate) -> None:
    """Render and store the PDF once the certificate is committed; a failure never undoes issuance
    (the download renders it again)."""
    try:
        from lms.certificates import pdf
    except ImportError:
        return
    try:
        pdf.ensure_pdf(cert)
        db.commit()
    except Exception:  # noqa: BLE001 - rendering must not break the page that issued
        db.rollback()
        log.exception("rendering the PDF of certificate %s failed; it will be rendered on download", cert.id)
