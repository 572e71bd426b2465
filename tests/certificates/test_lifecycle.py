"""Suspend, reinstate, revoke: the state machine, reasons, roles, the audit log; and renewal."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from lms import signals
from lms.accounts.models import User
from lms.certificates import continuing_ed, lifecycle
from lms.certificates.issuance import CertificateError
from lms.certificates.models import Certificate, CertificateEvent, Notification
from lms.db import session as db
from lms.db import utcnow
from tests.certificates.lifecycle_support import CORE, fresh, issue, issue_real, program


@pytest.fixture
def people(ctx, make_user, make_org, assign):
    org = make_org()
    holder = make_user("trainee", org=org)
    supervisor = make_user("supervisor", org=org)
    assign(supervisor, holder)
    return {role: db.get(User, u.id) for role, u in (
        ("holder", holder), ("supervisor", supervisor), ("admin", make_user("admin")),
        ("board", make_user("board")), ("other", make_user("trainee")))}


def events_of(cert) -> list[tuple[str, int | None, str]]:
    return [(e.action, e.actor_id, e.reason) for e in db.scalars(
        select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id))]


# The state machine ---------------------------------------------------------------------------

ALLOWED = [  # (from, action, to)
    ("active", "suspend", "suspended"),
    ("suspended", "reinstate", "active"),
    ("active", "revoke", "revoked"),
    ("suspended", "revoke", "revoked"),
]
REFUSED = [  # (from, action)
    ("active", "reinstate"),
    ("suspended", "suspend"),
    ("revoked", "suspend"), ("revoked", "reinstate"), ("revoked", "revoke"),
    ("superseded", "suspend"), ("superseded", "reinstate"), ("superseded", "revoke"),
]


def cert_in(status: str, people) -> Certificate:
    cert = issue(people["holder"])
    if status == "suspended":
        lifecycle.suspend(cert, people["admin"], "Under review")
    elif status == "revoked":
        lifecycle.revoke(cert, people["admin"], "Issued in error")
    elif status == "superseded":
        cert.status, cert.active_key = "superseded", None  # as issuance leaves a renewed or re-issued row
        db.flush()
    return cert


@pytest.mark.parametrize(("start", "action", "end"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_the_audit_log(people, start, action, end):
    cert = cert_in(start, people)
    before = len(events_of(cert))
    getattr(lifecycle, action)(cert, people["board"], f"Reason for {action}")
    stored = fresh(cert)
    assert stored.status == end
    assert stored.status_reason == f"Reason for {action}"
    assert stored.status_changed_at is not None
    log = events_of(cert)
    assert len(log) == before + 1
    assert log[-1] == (lifecycle.PAST[action], people["board"].id, f"Reason for {action}")


@pytest.mark.parametrize(("start", "action"), REFUSED)
def test_refused_transition_changes_nothing(people, start, action):
    cert = cert_in(start, people)
    before = (fresh(cert).status, len(events_of(cert)))
    with pytest.raises(CertificateError, match=f"A {start} certificate cannot be"):
        getattr(lifecycle, action)(cert, people["admin"], "Because")
    assert (fresh(cert).status, len(events_of(cert))) == before


@pytest.mark.parametrize("action", ["suspend", "reinstate", "revoke"])
@pytest.mark.parametrize("role", ["holder", "supervisor", "other"])
def test_only_admin_or_board_may_change_status(people, role, action):
    cert = cert_in("suspended" if action == "reinstate" else "active", people)
    before = (fresh(cert).status, len(events_of(cert)))
    with pytest.raises(CertificateError, match="administrator or a board member"):
        getattr(lifecycle, action)(cert, people[role], "Because")
    assert (fresh(cert).status, len(events_of(cert))) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(people, reason):
    cert = issue(people["holder"])
    with pytest.raises(CertificateError, match="Give the reason"):
        lifecycle.revoke(cert, people["admin"], reason)
    stored = fresh(cert)
    assert stored.status == "active" and stored.active_key is not None


def test_revoke_clears_active_key_suspend_keeps_it(people):
    cert = issue(people["holder"])
    key = cert.active_key
    lifecycle.suspend(cert, people["admin"], "Complaint under review")
    assert fresh(cert).active_key == key
    lifecycle.revoke(cert, people["admin"], "Complaint upheld")
    assert fresh(cert).active_key is None


def test_status_change_sends_signal_and_notifies_holder(people):
    cert = issue(people["holder"])
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender.id, kwargs["action"], kwargs["actor"].id, kwargs["reason"]))

    signals.certificate_status_changed.connect(receiver)
    try:
        lifecycle.suspend(cert, people["admin"], "Under review")
        lifecycle.reinstate(cert, people["admin"], "Cleared")
    finally:
        signals.certificate_status_changed.disconnect(receiver)
    assert seen == [(cert.id, "suspended", people["admin"].id, "Under review"),
                    (cert.id, "reinstated", people["admin"].id, "Cleared")]
    notes = db.scalars(select(Notification).where(Notification.certificate_id == cert.id)
                       .order_by(Notification.id)).all()
    assert [n.kind for n in notes] == ["suspended", "reinstated"]
    assert "Under review" in notes[0].body and notes[0].user_id == people["holder"].id


def test_a_stale_copy_cannot_overwrite_a_newer_status(people):
    """Two admins load the same active certificate; the second one's suspend must not undo a revoke."""
    cert = issue(people["holder"])
    db.commit()
    stale_status = cert.status
    lifecycle.revoke(cert, people["admin"], "Revoked first")
    db.commit()
    # what a second request, which loaded the row before the revoke, still believes (not a pending edit)
    set_committed_value(cert, "status", stale_status)
    with pytest.raises(CertificateError, match="changed by someone else"):
        lifecycle.suspend(cert, people["board"], "Suspended second")
    assert fresh(cert).status == "revoked"


def test_expiry_status_in_words(people):
    now = utcnow()
    cert = issue(people["holder"], valid_until=now + timedelta(days=200))
    assert lifecycle.expiry_status(cert, now) == "active"
    assert lifecycle.expiry_status(cert, now + timedelta(days=150)) == "expiring soon"
    assert lifecycle.expiry_status(cert, now + timedelta(days=200)) == "expired"
    lifecycle.suspend(cert, people["admin"], "Under review")
    assert lifecycle.expiry_status(cert, now + timedelta(days=300)) == "suspended"


def test_certificates_for_returns_each_persons_current_certificates_in_one_query(people, app):
    from sqlalchemy import event

    first = issue(people["holder"])
    first.status, first.active_key = "superseded", None
    db.flush()
    second = issue(people["holder"])
    second.replaces_id = first.id
    db.flush()
    statements = []
    engine = app.extensions["lms"].db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = lifecycle.certificates_for([people["holder"].id, people["other"].id])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert [c.id for c in result[people["holder"].id]] == [second.id]
    assert result[people["other"].id] == []
    assert {c.id for c in lifecycle.certificates_for([people["holder"].id], current_only=False)[people["holder"].id]} \
        == {first.id, second.id}


# Renewal --------------------------------------------------------------------------------------

def log_ce(people, hours: float, ethics: bool, on: date, approve: bool = True):
    entry = continuing_ed.record(people["holder"], "Motivational interviewing refresher", on, hours, ethics=ethics,
                                 provider="State peer network")
    if approve:
        continuing_ed.review(people["supervisor"], entry, True)
    return entry


def renewable(people, days_left: int = 30) -> Certificate:
    """A certificate issued two years ago that expires in `days_left` days, with the CE hours renewal asks for."""
    now = utcnow()
    cert = issue_real(people["holder"], valid_until=now + timedelta(days=days_left))
    cert.issued_at = now - timedelta(days=730 - days_left)
    cert.awarded_on = date(2020, 5, 4)
    db.flush()
    ce_day = (now - timedelta(days=100)).date()
    log_ce(people, 14, False, ce_day)
    log_ce(people, 6, True, ce_day - timedelta(days=1))
    return cert


def test_renewal_keeps_awarded_on_supersedes_and_extends_from_the_old_expiry(people):
    cert = renewable(people, days_left=30)
    check = lifecycle.renewal_check(people["holder"], program(), cert)
    assert check.eligible, check.problems
    assert (check.ce_hours, check.ethics_hours) == (20, 6)
    new = lifecycle.renew(cert, actor=people["holder"])
    old = fresh(cert)
    assert old.status == "superseded" and old.active_key is None
    assert new.status == "active" and new.replaces_id == old.id
    assert new.awarded_on == date(2020, 5, 4)
    # renewed early: the next period starts at the old expiry, so renewing early costs nothing
    assert new.valid_until == old.valid_until + timedelta(days=730)
    actions = [(e.certificate_id, e.action) for e in lifecycle.events(new)]
    assert (old.id, "superseded") in actions and (new.id, "renewed") in actions
    notice = db.scalar(select(Notification).where(Notification.kind == "renewed"))
    assert notice.certificate_id == new.id and new.number in notice.body


def test_renewal_in_the_grace_period_runs_from_renewal(people):
    cert = renewable(people, days_left=-10)  # expired ten days ago, grace is 30 days
    now = utcnow()
    new = lifecycle.renew(cert, actor=people["holder"], now=now)
    assert new.valid_until == now + timedelta(days=730)


def test_renewal_refused_without_enough_approved_ce_and_nothing_changes(people):
    now = utcnow()
    cert = issue(people["holder"], valid_until=now + timedelta(days=30))
    cert.issued_at = now - timedelta(days=700)
    log_ce(people, 19, False, (now - timedelta(days=5)).date())
    log_ce(people, 5, True, (now - timedelta(days=6)).date(), approve=False)  # pending: does not count
    check = lifecycle.renewal_check(people["holder"], program(), cert)
    assert not check.eligible
    assert check.ce_hours == 19 and check.ethics_hours == 0 and check.pending_hours == 5
    with pytest.raises(CertificateError, match="19 of 20 approved continuing-education hours"):
        lifecycle.renew(cert, actor=people["holder"])
    assert fresh(cert).status == "active"
    assert db.scalar(select(Certificate).where(Certificate.replaces_id == cert.id)) is None


def test_ce_outside_the_validity_period_does_not_count(people):
    now = utcnow()
    cert = issue(people["holder"], valid_until=now + timedelta(days=30))
    cert.issued_at = now - timedelta(days=700)
    log_ce(people, 20, True, (now - timedelta(days=701)).date())  # before this period began
    assert lifecycle.renewal_check(people["holder"], program(), cert).ce_hours == 0


@pytest.mark.parametrize(("days_left", "problem"), [(120, "Renewal opens on"), (-40, "Renewal closed on")])
def test_renewal_only_within_the_window(people, days_left, problem):
    cert = renewable(people, days_left=days_left)
    check = lifecycle.renewal_check(people["holder"], program(), cert)
    assert not check.eligible and any(problem in p for p in check.problems)


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_suspended_or_revoked_certificates_cannot_be_renewed(people, status):
    cert = renewable(people)
    getattr(lifecycle, {"suspended": "suspend", "revoked": "revoke"}[status])(cert, people["admin"], "Because")
    with pytest.raises(CertificateError, match=f"A {status} certificate cannot be renewed"):
        lifecycle.renew(cert, actor=people["holder"])


def test_only_holder_admin_or_board_may_renew(people):
    cert = renewable(people)
    with pytest.raises(CertificateError, match="Only the holder"):
        lifecycle.renew(cert, actor=people["supervisor"])
    assert lifecycle.renew(cert, actor=people["board"]).replaces_id == cert.id


def test_renewal_check_refuses_someone_elses_certificate(people):
    cert = renewable(people)
    check = lifecycle.renewal_check(people["other"], program(), cert)
    assert not check.eligible and "someone else's" in check.problems[0]
    assert CORE == cert.program


# xAPI -------------------------------------------------------------------------------------------

def statements() -> list[dict]:
    from lms.xapi.models import Statement

    return [row.data for row in db.scalars(select(Statement).order_by(Statement.seq))]


def test_earned_and_revoked_statements_name_accounts_never_email_or_name(people):
    import json

    from lms.xapi.validation import validate_statement

    holder, admin = people["holder"], people["admin"]
    cert = issue_real(holder)
    lifecycle.suspend(cert, admin, "Complaint under review")  # no statement: only earned and revoked are sent
    lifecycle.revoke(cert, admin, "Complaint upheld")
    recorded = [s for s in statements() if "certificate" in s["object"]["id"]]
    earned, revoked = recorded
    assert len(recorded) == 2
    account = {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": holder.learner_id}}
    activity_id = f"http://lms.test/xapi/activities/certificate/{CORE}"
    number_key = "http://lms.test/xapi/vocab/extensions/certificate-number"

    assert earned["actor"] == account
    assert earned["verb"] == {"id": "http://id.tincanapi.com/verb/earned", "display": {"en-US": "earned"}}
    assert earned["object"]["id"] == activity_id
    assert earned["object"]["definition"]["type"] == "http://id.tincanapi.com/activitytype/certificate"
    assert earned["object"]["definition"]["name"] == {"en-US": "Peer Recovery Core Training"}
    assert earned["context"]["extensions"][number_key] == cert.number

    assert revoked["actor"] == {"objectType": "Agent",
                                "account": {"homePage": "http://lms.test", "name": admin.learner_id}}
    assert revoked["verb"]["id"] == "https://w3id.org/xapi/tla/verbs/revoked"
    assert revoked["object"]["id"] == activity_id
    assert revoked["context"]["extensions"]["http://lms.test/xapi/vocab/extensions/holder"] == account
    assert revoked["context"]["extensions"][number_key] == cert.number

    for statement in recorded:
        validate_statement(statement)
    text = json.dumps(recorded)
    for secret in (holder.email, holder.name, admin.email, admin.name, "Complaint upheld"):
        assert secret not in text


def test_renewal_is_earned_again_with_the_replaced_number(people):
    cert = renewable(people)
    new = lifecycle.renew(cert, actor=people["holder"])
    earned = [s for s in statements() if s["verb"]["id"].endswith("/earned")]
    assert len(earned) == 2
    extensions = earned[-1]["context"]["extensions"]
    assert extensions["http://lms.test/xapi/vocab/extensions/certificate-number"] == new.number
    assert extensions["http://lms.test/xapi/vocab/extensions/replaces-certificate"] == cert.number
