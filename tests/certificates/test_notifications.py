"""Expiry reminders: queued once each at 60, 30 and 0 days; sent through the mail sender; a failing
transport keeps the message pending; the CLI commands."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates import lifecycle
from lms.certificates.models import Notification
from lms.certificates.notifications import queue_due_reminders, send_pending
from lms.db import session as db
from lms.db import utcnow
from lms.mail import SMTPMailSender
from tests.certificates.lifecycle_support import issue

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def holder(ctx, make_user):
    return db.get(User, make_user("trainee", email="holder@example.org").id)


def kinds() -> list[tuple[int, str]]:
    return [(n.certificate_id, n.kind) for n in db.scalars(select(Notification).order_by(Notification.id))]


def test_reminders_are_queued_once_at_60_30_and_0_days(holder):
    cert = issue(holder, valid_until=NOW + timedelta(days=90))
    timeline = [(NOW, []),
                (NOW + timedelta(days=29), []),  # 61 days left: nothing yet
                (NOW + timedelta(days=30), ["expiry-60"]),
                (NOW + timedelta(days=45), ["expiry-60"]),
                (NOW + timedelta(days=60), ["expiry-60", "expiry-30"]),
                (NOW + timedelta(days=89), ["expiry-60", "expiry-30"]),
                (NOW + timedelta(days=90), ["expiry-60", "expiry-30", "expired"]),
                (NOW + timedelta(days=100), ["expiry-60", "expiry-30", "expired"])]
    for now, expected in timeline:
        queue_due_reminders(now)
        assert queue_due_reminders(now) == 0  # the second run in the same window queues nothing
        assert kinds() == [(cert.id, k) for k in expected], now


def test_a_certificate_first_seen_late_gets_only_the_current_reminder(holder):
    cert = issue(holder, valid_until=NOW + timedelta(days=20))
    assert queue_due_reminders(NOW) == 1
    assert kinds() == [(cert.id, "expiry-30")]


def test_no_reminders_for_suspended_revoked_superseded_or_long_expired(ctx, make_user):
    admin_id, holder = make_user("admin").id, make_user()
    admin = db.get(User, admin_id)
    suspended = issue(holder, valid_until=NOW + timedelta(days=10))
    lifecycle.suspend(suspended, admin, "Under review")
    issue(holder, valid_until=NOW - timedelta(days=31), slug="peer-recovery-practice-readiness")  # past grace
    for status in ("revoked", "superseded"):
        issue(holder, valid_until=NOW + timedelta(days=10), status=status)
    before = kinds()
    assert queue_due_reminders(NOW) == 0
    assert kinds() == before  # only the suspension notice


def test_one_query_covers_many_certificates(ctx, make_user, app):
    from sqlalchemy import event

    users = [make_user() for _ in range(4)]
    certs = [issue(user, valid_until=NOW + timedelta(days=d)) for user, d in zip(users, (5, 40, 0, 100), strict=True)]
    statements = []
    engine = app.extensions["lms"].db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert queue_due_reminders(NOW) == 3
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sum(s.lstrip().upper().startswith("SELECT") for s in statements) == 1
    assert sorted(kinds()) == sorted([(certs[0].id, "expiry-30"), (certs[1].id, "expiry-60"),
                                      (certs[2].id, "expired")])


def test_send_pending_delivers_through_the_mail_sender_and_marks_sent(holder, outbox):
    cert = issue(holder, valid_until=NOW + timedelta(days=30))
    queue_due_reminders(NOW)
    result = send_pending(NOW)
    assert (result.sent, result.failed) == (1, 0)
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == "holder@example.org"
    assert cert.number in message.body and "/continuing-education" in message.body
    note = db.scalar(select(Notification))
    assert note.sent_at == NOW and note.attempts == 1 and note.last_error == ""
    assert send_pending(NOW + timedelta(days=1)).sent == 0  # never twice
    assert len(outbox) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes


def test_a_failing_transport_keeps_the_message_pending_with_attempts_and_backoff(holder, app, outbox, monkeypatch):
    issue(holder, valid_until=NOW + timedelta(days=30))
    queue_due_reminders(NOW)
    state = app.extensions["lms"]
    monkeypatch.setattr(state, "mail", SMTPMailSender())  # the real SMTP sender, to a port nobody listens on
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=_closed_port())
    result = send_pending(NOW)
    assert (result.sent, result.failed) == (0, 1)
    note = db.scalar(select(Notification))
    assert note.sent_at is None and note.attempts == 1
    assert "ConnectionRefusedError" in note.last_error
    assert note.due_at == NOW + timedelta(seconds=60)
    assert send_pending(NOW + timedelta(seconds=30)).failed == 0  # not due again yet
    assert send_pending(NOW + timedelta(seconds=60)).failed == 1
    assert (note.attempts, note.due_at) == (2, NOW + timedelta(seconds=180))
    monkeypatch.undo()  # the memory sender again
    result = send_pending(NOW + timedelta(seconds=180))  # the transport is back: delivered
    assert result.sent == 1 and note.sent_at is not None and note.attempts == 3
    assert len(outbox) == 1


def test_cli_remind_and_send(holder, app, runner, outbox):
    issue(holder, valid_until=NOW + timedelta(days=3))
    db.commit()
    result = runner.invoke(args=["lms", "certificates", "remind"])
    assert result.exit_code == 0 and "1 reminder(s) queued." in result.output
    assert runner.invoke(args=["lms", "certificates", "remind"]).output.strip() == "0 reminder(s) queued."
    result = runner.invoke(args=["lms", "notifications", "send"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    assert [m.subject for m in outbox] == [outbox[0].subject] and "expires on" in outbox[0].subject
