"""Certificate lifecycle: suspend, reinstate, revoke (admin or board, with a reason, audited),
expiry in words, and renewal on approved continuing education. Services flush, never commit."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from lms import signals
from lms.accounts.models import User
from lms.certificates import continuing_ed, notifications
from lms.certificates.issuance import CertificateError
from lms.certificates.models import Certificate, CertificateEvent
from lms.db import session as db
from lms.db import utcnow

__all__ = ["CertificateError", "suspend", "reinstate", "revoke", "renew", "renewal_check", "certificates_for"]

STATUS_ROLES = ("admin", "board")
EXPIRING_DAYS = 60  # "expiring soon" in lists: the first reminder goes out this many days before expiry
# Who can move a certificate from which status to which; anything else is refused. Revoked and
# superseded are final: a superseded row is history (its successor is the live one).
TRANSITIONS = {
    "suspend": ("suspended", ("active",)),
    "reinstate": ("active", ("suspended",)),
    "revoke": ("revoked", ("active", "suspended")),
}
PAST = {"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked"}


# Status -------------------------------------------------------------------------------------

def is_expired(cert: Certificate, now: datetime | None = None) -> bool:
    return cert.valid_until is not None and cert.valid_until <= (now or utcnow())


def expiry_status(cert: Certificate, now: datetime | None = None) -> str:
    """The status in words: the stored status, except that an active certificate past
    `valid_until` is "expired" and one within EXPIRING_DAYS of it is "expiring soon"."""
    now = now or utcnow()
    if cert.status != "active" or cert.valid_until is None:
        return cert.status
    if cert.valid_until <= now:
        return "expired"
    if cert.valid_until <= now + timedelta(days=EXPIRING_DAYS):
        return "expiring soon"
    return "active"


def certificates_for(user_ids, current_only: bool = True) -> dict[int, list[Certificate]]:
    """Each person's certificates, newest first, in one query (for supervisor dashboards).
    `current_only` leaves out superseded rows (renewed or re-issued: their successor is listed)."""
    ids = sorted(set(user_ids))
    result: dict[int, list[Certificate]] = {uid: [] for uid in ids}
    if not ids:
        return result
    query = select(Certificate).where(Certificate.user_id.in_(ids))
    if current_only:
        query = query.where(Certificate.status != "superseded")
    for cert in db.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())):
        result[cert.user_id].append(cert)
    return result


# Suspend, reinstate, revoke -----------------------------------------------------------------

def _change_status(cert: Certificate, actor: User | None, action: str, reason: str) -> Certificate:
    if actor is None or actor.role not in STATUS_ROLES or not actor.is_active:
        raise CertificateError("Only an administrator or a board member can change a certificate's status.")
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(f"Give the reason the certificate is {PAST[action]}; it is kept in the audit log.")
    if len(reason) > 1000:
        raise CertificateError("Keep the reason under 1,000 characters.")
    new_status, allowed_from = TRANSITIONS[action]
    if cert.status not in allowed_from:
        raise CertificateError(f"A {cert.status} certificate cannot be {PAST[action]}.")
    now = utcnow()
    values = {"status": new_status, "status_reason": reason, "status_changed_at": now}
    if new_status == "revoked":
        values["active_key"] = None  # frees the slot: the person may earn the program again
    # Conditional on the status we checked, so two admins acting at once cannot both succeed.
    changed = db.execute(update(Certificate).where(Certificate.id == cert.id, Certificate.status == cert.status)
                         .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise CertificateError("The certificate was changed by someone else; reload the page and try again.")
    for key, value in values.items():
        setattr(cert, key, value)
    event = CertificateEvent(certificate_id=cert.id, action=PAST[action], actor_id=actor.id, reason=reason, at=now)
    db.add(event)
    db.flush()
    notifications.queue_status_notice(cert, PAST[action], reason, event)
    signals.certificate_status_changed.send(cert, action=PAST[action], actor=actor, reason=reason)
    return cert


def suspend(cert: Certificate, actor: User, reason: str) -> Certificate:
    return _change_status(cert, actor, "suspend", reason)


def reinstate(cert: Certificate, actor: User, reason: str) -> Certificate:
    return _change_status(cert, actor, "reinstate", reason)


def revoke(cert: Certificate, actor: User, reason: str) -> Certificate:
    return _change_status(cert, actor, "revoke", reason)


def events(cert: Certificate) -> list[CertificateEvent]:
    """The audit log of this certificate and the ones it replaced (oldest first)."""
    ids, current = [], cert
    while current is not None and current.id not in ids and len(ids) < 50:
        ids.append(current.id)
        current = db.get(Certificate, current.replaces_id) if current.replaces_id else None
    return list(db.scalars(select(CertificateEvent).where(CertificateEvent.certificate_id.in_(ids))
                           .order_by(CertificateEvent.at, CertificateEvent.id)))


# Renewal ------------------------------------------------------------------------------------

def program_for(slug: str):
    return getattr(current_app.extensions["lms"], "programs", {}).get(slug)


def renewal_window(cert: Certificate) -> tuple[datetime, datetime] | None:
    """When renewal is open: LMS_RENEWAL_OPENS_DAYS before expiry until LMS_RENEWAL_GRACE_DAYS after."""
    if cert.valid_until is None:
        return None
    config = current_app.config
    return (cert.valid_until - timedelta(days=int(config.get("LMS_RENEWAL_OPENS_DAYS", 90))),
            cert.valid_until + timedelta(days=int(config.get("LMS_RENEWAL_GRACE_DAYS", 30))))


def validity_period(cert: Certificate) -> tuple[date, date] | None:
    """The days whose continuing education counts toward renewing `cert`: after the day its period
    began (that day's hours belong to the period before, so no hour counts twice) up to its expiry.
    A re-issue (a correction) keeps its predecessor's period, so the chain is followed back."""
    if cert.valid_until is None:
        return None
    start, seen = cert, {cert.id}
    while start.replaces_id and start.replaces_id not in seen:
        previous = db.get(Certificate, start.replaces_id)
        if previous is None or previous.valid_until != cert.valid_until:
            break
        start = previous
        seen.add(start.id)
    return start.issued_at.date(), cert.valid_until.date()


def renewed_valid_until(cert: Certificate, program, now: datetime) -> datetime | None:
    """Renewed early (before expiry): the cycle stays fixed, the new period runs from the old expiry,
    so renewing early costs nothing. Renewed late (in the grace period): from now, because the
    certificate really was expired in between and the verify page said so."""
    if not program.validity_days:
        return None
    return max(cert.valid_until, now) + timedelta(days=program.validity_days)


@dataclass
class RenewalCheck:
    eligible: bool
    problems: list[str] = field(default_factory=list)
    ce_hours: float = 0.0
    ethics_hours: float = 0.0
    pending_hours: float = 0.0
    ce_required: float = 0.0
    ethics_required: float = 0.0
    period: tuple[date, date] | None = None
    window: tuple[datetime, datetime] | None = None


def renewal_check(user: User, program, cert: Certificate, now: datetime | None = None) -> RenewalCheck:
    """Can `user` renew `cert` now: active, the window open, and approved CE hours (total and ethics)
    completed within the current validity period meet `program.renewal`."""
    now = now or utcnow()
    check = RenewalCheck(eligible=False, window=renewal_window(cert))
    if cert.user_id != user.id:
        check.problems.append("This is someone else's certificate.")
    if program is None:
        check.problems.append(f"The program '{cert.program}' no longer exists, so it cannot be renewed.")
        return check
    if check.window is None:
        check.problems.append("This certificate does not expire, so it is not renewed.")
        return check
    if cert.status != "active":
        check.problems.append(f"A {cert.status} certificate cannot be renewed.")
    opens, closes = check.window
    if now < opens:
        check.problems.append(f"Renewal opens on {opens:%d %B %Y}.")
    elif now > closes:
        check.problems.append(f"Renewal closed on {closes:%d %B %Y}; apply for the program again.")
    renewal = getattr(program, "renewal", None)
    check.ce_required = float(getattr(renewal, "ce_hours", 0) or 0)
    check.ethics_required = float(getattr(renewal, "ethics_hours", 0) or 0)
    check.period = validity_period(cert)
    totals = continuing_ed.totals(user.id, *check.period)
    check.ce_hours, check.ethics_hours, check.pending_hours = totals.approved, totals.ethics, totals.pending
    if check.ce_hours < check.ce_required:
        check.problems.append(f"{check.ce_hours:g} of {check.ce_required:g} approved continuing-education hours.")
    if check.ethics_hours < check.ethics_required:
        check.problems.append(f"{check.ethics_hours:g} of {check.ethics_required:g} approved ethics hours.")
    check.eligible = not check.problems
    return check


def renew(cert: Certificate, actor: User | None = None, now: datetime | None = None) -> Certificate:
    """Issue the renewed certificate: a new row that supersedes `cert`, keeps `awarded_on`, and is
    valid until `renewed_valid_until` (the old expiry plus the program's validity when on time)."""
    from lms.certificates import issuance

    now = now or utcnow()
    holder = db.get(User, cert.user_id)
    if actor is not None and actor.id != holder.id and actor.role not in STATUS_ROLES:
        raise CertificateError("Only the holder, an administrator or a board member can renew a certificate.")
    program = program_for(cert.program)
    check = renewal_check(holder, program, cert, now)
    if not check.eligible:
        raise CertificateError("Not ready to renew: " + " ".join(check.problems))
    reason = (f"Renewed with {check.ce_hours:g} h of approved continuing education "
              f"({check.ethics_hours:g} h ethics) completed {check.period[0]:%d %b %Y} to {check.period[1]:%d %b %Y}.")
    new = issuance.create_certificate(holder, program, actor=actor, reason=reason, replaces=cert,
                                      awarded_on=cert.awarded_on, valid_until=renewed_valid_until(cert, program, now),
                                      action="renewed")
    if new.replaces_id != cert.id:  # another request renewed it first; that one stands
        raise CertificateError("This certificate was renewed by someone else at the same moment.")
    notifications.queue_renewal_notice(new, cert)
    return new
