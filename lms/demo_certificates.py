"""Demo certificate holders: graduates of a partner organization whose certificates are expired,
suspended, revoked and renewed, so a board member can try /verify on every status at once.

Their training predates the platform, so an administrator issued their certificates by hand with a
reason (as `issuance.issue_manually` is meant for); the status changes go through the lifecycle
services with the board's or the admin's reason, and the renewal through approved continuing education.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from lms.accounts import services as accounts
from lms.accounts.models import Organization, User
from lms.certificates import continuing_ed, credential, issuance, lifecycle
from lms.certificates.models import Certificate, CertificateEvent
from lms.db import session as db
from lms.db import utcnow

ORG = ("lakeside-peer-network", "Lakeside Peer Support Network (demo)")
CORE = "peer-recovery-core-training"
READINESS = "peer-recovery-practice-readiness"
TRANSFERRED = ("Training and supervised practice completed before this platform was introduced; the records "
               "were checked against the training register by the training director.")
HOLDERS = [  # (e-mail, name, what happens to the certificate); all fictional
    ("harper@example.org", "Harper Lindqvist", "expired"),
    ("jamie@example.org", "Jamie Okonkwo", "suspended"),
    ("skyler@example.org", "Skyler Brandt", "revoked"),
    ("rowan@example.org", "Rowan Patel", "renewed"),
]
SUSPENDED_BECAUSE = ("On hold while the board reviews a concern about a boundary question raised by a "
                     "partner agency; no finding has been made.")
REVOKED_BECAUSE = "Issued in error: the same certificate had already been issued under an earlier account."
# Rowan's continuing education toward renewal: (days before today, title, hours, counts as ethics)
CONTINUING_ED = [
    (410, "Ethics refresher: boundaries and dual relationships in peer work", 3.0, True),
    (300, "Trauma-informed peer support workshop", 6.0, False),
    (190, "Motivational interviewing practice day", 6.0, False),
    (120, "Ethics in digital communication for peer workers", 3.0, True),
    (45, "Community resource navigation update", 2.0, False),
]
CE_PROVIDER = "Regional Peer Workforce Collaborative (demo)"


def load_holders(admin: User, board: User, password: str) -> list[User]:
    """Create the holders and their certificates once; return the holders."""
    org = db.scalar(select(Organization).where(Organization.slug == ORG[0])) or accounts.create_organization(*ORG)
    holders = []
    for email, name, story in HOLDERS:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, password, role="trainee", organization=org, via="cli")
            STORIES[story](user, admin, board)
        holders.append(user)
    return holders


def _program(slug: str):
    return current_app.extensions["lms"].programs[slug]


def _issued_long_ago(user: User, admin: User, slug: str, days_ago: int, valid_for_days: int) -> Certificate:
    """Issued by the admin `days_ago` days ago (number, issue date, audit entry and signed credential
    all say so), valid until `valid_for_days` after that."""
    issued = utcnow() - timedelta(days=days_ago)
    cert = issuance.create_certificate(user, _program(slug), actor=admin, reason=TRANSFERRED,
                                       awarded_on=issued.date(), valid_until=issued + timedelta(days=valid_for_days))
    prefix, _year, sequence = cert.number.rsplit("-", 2)
    cert.number, cert.issued_at = f"{prefix}-{issued.year}-{sequence}", issued
    db.execute(update(CertificateEvent).where(CertificateEvent.certificate_id == cert.id).values(at=issued)
               .execution_options(synchronize_session=False))
    credential.issue_credential(cert)  # signed again, so the credential's dates match the record
    return cert


def _expired(user: User, admin: User, _board: User) -> None:
    _issued_long_ago(user, admin, READINESS, days_ago=800, valid_for_days=730)


def _suspended(user: User, admin: User, board: User) -> None:
    cert = issuance.issue_manually(admin, user, _program(CORE), TRANSFERRED)
    lifecycle.suspend(cert, board, SUSPENDED_BECAUSE)


def _revoked(user: User, admin: User, _board: User) -> None:
    cert = issuance.issue_manually(admin, user, _program(CORE), TRANSFERRED)
    lifecycle.revoke(cert, admin, REVOKED_BECAUSE)


def _renewed(user: User, admin: User, _board: User) -> None:
    """Issued 700 days ago for two years, so renewal is open; 20 h of continuing education (6 in ethics),
    approved, then renewed by the holder: the old certificate is superseded by the new one."""
    cert = _issued_long_ago(user, admin, READINESS, days_ago=700, valid_for_days=730)
    today = utcnow().date()
    for days, title, hours, ethics in CONTINUING_ED:
        entry = continuing_ed.record(user, title, today - timedelta(days=days), hours, ethics, CE_PROVIDER)
        continuing_ed.review(admin, entry, approve=True)
    lifecycle.renew(cert, actor=user)


STORIES = {"expired": _expired, "suspended": _suspended, "revoked": _revoked, "renewed": _renewed}
