"""The notification outbox: expiry reminders (60 and 30 days before, and at expiry, once each) and
notices of status changes, queued in the database and sent by a worker through the mail sender.

Queueing is idempotent (a unique `dedupe_key`, inserted with ON CONFLICT DO NOTHING), and a
message leaves the outbox only when the transport accepted it: a failure keeps it pending with
one more attempt, the error and a later `due_at` (exponential backoff, capped at a day).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate, Notification
from lms.db import session as db
from lms.db import utcnow
from lms.mail import Message

log = logging.getLogger("lms.certificates.notifications")

# kind, days before valid_until when its window opens; a window closes when the next one opens.
REMINDERS = (("expiry-60", 60), ("expiry-30", 30), ("expired", 0))
BACKOFF_BASE = 60.0  # seconds before the first retry
BACKOFF_CAP = 86_400.0  # then at most a day between attempts: a message is never dropped


def _insert_ignoring_duplicates():
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])


def queue(rows: list[dict]) -> int:
    """Insert notifications whose dedupe_key is new; returns how many were queued."""
    if not rows:
        return 0
    # One multi-row INSERT; RETURNING counts the rows really inserted (rowcount is -1 for this
    # statement under SQLAlchemy 2.1 + psycopg, and the ORM's bulk path reports none at all).
    inserted = db.connection().execute(_insert_ignoring_duplicates().values(rows).returning(Notification.id))
    return len(inserted.all())


def _row(cert: Certificate, kind: str, subject: str, body: str, key: str, now: datetime | None = None) -> dict:
    return {"user_id": cert.user_id, "certificate_id": cert.id, "kind": kind, "dedupe_key": key,
            "subject": subject[:200], "body": body, "due_at": now or utcnow(), "attempts": 0, "last_error": ""}


def _program_name(cert: Certificate) -> str:
    return (cert.snapshot or {}).get("program_name") or cert.program


def _site() -> str:
    return current_app.config.get("LMS_SITE_NAME", "LMS")


def _link(path: str) -> str:
    # Built by hand: reminders are queued from the CLI, where url_for has no request to build on.
    state = current_app.extensions["lms"]
    return current_app.config["LMS_BASE_URL"].rstrip("/") + state.url_prefix + path


# Expiry reminders ---------------------------------------------------------------------------

def reminder_kind(valid_until: datetime, now: datetime) -> str | None:
    """Which reminder's window is open now: the latest one whose day has come (so a certificate
    first seen 20 days before expiry gets the 30-day reminder only, not both)."""
    grace = timedelta(days=int(current_app.config.get("LMS_RENEWAL_GRACE_DAYS", 30)))
    if now >= valid_until + grace:
        return None  # long expired: a reminder would only be noise
    for kind, days in reversed(REMINDERS):
        if now >= valid_until - timedelta(days=days):
            return kind
    return None


def _reminder_text(cert: Certificate, kind: str) -> tuple[str, str]:
    name, until = _program_name(cert), f"{cert.valid_until:%d %B %Y}"
    url = _link("/continuing-education")
    if kind == "expired":
        subject = f"Your {name} certificate has expired"
        lead = f"Your {name} certificate (number {cert.number}) expired on {until}."
    else:
        subject = f"Your {name} certificate expires on {until}"
        lead = f"Your {name} certificate (number {cert.number}) expires on {until}."
    body = (f"{lead}\n\nTo renew it, record your continuing-education hours and ask your supervisor to "
            f"approve them, then choose Renew on your continuing-education page:\n{url}\n\n"
            f"{_site()}")
    return subject, body


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder whose window is open and that was not queued before; idempotent.
    One query finds the active certificates within 60 days of expiry (or recently expired)."""
    now = now or utcnow()
    grace = timedelta(days=int(current_app.config.get("LMS_RENEWAL_GRACE_DAYS", 30)))
    certs = db.scalars(select(Certificate).where(
        Certificate.status == "active", Certificate.valid_until.is_not(None),
        Certificate.valid_until <= now + timedelta(days=REMINDERS[0][1]),
        Certificate.valid_until > now - grace))
    rows = []
    for cert in certs:
        kind = reminder_kind(cert.valid_until, now)
        if kind:
            rows.append(_row(cert, kind, *_reminder_text(cert, kind), key=f"{cert.id}:{kind}", now=now))
    return queue(rows)


# Notices of status changes ------------------------------------------------------------------

_NOTICES = {
    "suspended": ("Your {name} certificate is suspended",
                  "Your {name} certificate (number {number}) was suspended on {at}.\nReason: {reason}\n\n"
                  "While it is suspended, anyone who checks it is told so. Contact your program administrator "
                  "with any questions."),
    "reinstated": ("Your {name} certificate is active again",
                   "Your {name} certificate (number {number}) was reinstated on {at}.\nReason: {reason}"),
    "revoked": ("Your {name} certificate was revoked",
                "Your {name} certificate (number {number}) was revoked on {at}.\nReason: {reason}\n\n"
                "It is no longer valid, and anyone who checks it is told so. Contact your program "
                "administrator with any questions."),
}


def queue_status_notice(cert: Certificate, action: str, reason: str, event) -> int:
    """A notice to the holder of a suspension, reinstatement or revocation (one per audit event)."""
    if action not in _NOTICES:
        return 0
    subject, body = _NOTICES[action]
    fields = {"name": _program_name(cert), "number": cert.number, "reason": reason, "at": f"{event.at:%d %B %Y}"}
    text = body.format(**fields) + f"\n\n{_site()}"
    return queue([_row(cert, action, subject.format(**fields), text, key=f"{cert.id}:{action}:{event.id}")])


def queue_renewal_notice(new: Certificate, old: Certificate) -> int:
    name = _program_name(new)
    until = f"{new.valid_until:%d %B %Y}" if new.valid_until else "no expiry"
    body = (f"Your {name} certificate was renewed. The new certificate is number {new.number}, valid until "
            f"{until}; it replaces number {old.number}.\n\nDownload it from your certificates page.\n\n{_site()}")
    return queue([_row(new, "renewed", f"Your {name} certificate was renewed", body, key=f"{new.id}:renewed")])


# Sending ------------------------------------------------------------------------------------

@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed (kept for retry)"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def send_pending(now: datetime | None = None, limit: int = 100) -> SendResult:
    """Send up to `limit` due notifications through the configured mail sender; flushes, and the
    caller commits. Rows are locked (SKIP LOCKED on PostgreSQL) so two workers never send one twice."""
    now = now or utcnow()
    query = (select(Notification, User.email).join(User, User.id == Notification.user_id)
             .where(Notification.sent_at.is_(None), Notification.due_at <= now)
             .order_by(Notification.due_at, Notification.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Notification, skip_locked=True)
    sender = current_app.extensions["lms"].mail
    result = SendResult()
    for note, email in db.execute(query).all():
        try:
            sender.send(Message(email, note.subject, note.body))
        except Exception as exc:  # any transport failure: keep the message and retry later
            note.attempts += 1
            note.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            note.due_at = now + backoff(note.attempts)
            result.failed += 1
            log.warning("notification %s not sent (attempt %s): %s", note.id, note.attempts, note.last_error)
        else:
            note.attempts += 1
            note.sent_at, note.last_error = now, ""
            result.sent += 1
    db.flush()
    return result
