"""Shared helpers for the lifecycle tests."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from flask import current_app

from lms.accounts.models import User
from lms.certificates import issuance
from lms.certificates.codes import new_code
from lms.certificates.models import Certificate, CertificateEvent
from lms.db import session as db
from lms.db import utcnow

CORE = "peer-recovery-core-training"
_numbers = itertools.count(1)


def program(slug: str = CORE):
    return current_app.extensions["lms"].programs[slug]


def issue(user, valid_until: datetime | None = None, slug: str = CORE, status: str = "active") -> Certificate:
    """A certificate row for `user` as issuance stores one (the lifecycle reads and changes rows; the
    issuing itself is the core module's and is tested there). Expires in two years unless told."""
    n = next(_numbers)
    now = utcnow()
    cert = Certificate(number=f"PRCT-T-{n:06d}", code=new_code(), user_id=user.id, program=slug, status=status,
                       active_key=f"{user.id}:{slug}" if status in ("active", "suspended") else None,
                       awarded_on=now.date(), issued_at=now, valid_until=valid_until or now + timedelta(days=730),
                       snapshot={"holder_name": "Test Holder", "program_name": program(slug).name},
                       status_index=100_000 + n)
    db.add(cert)
    db.flush()
    db.add(CertificateEvent(certificate_id=cert.id, action="issued", reason="test award", at=now))
    db.flush()
    return cert


def issue_real(user, valid_until: datetime | None = None, slug: str = CORE) -> Certificate:
    """Through issuance.create_certificate: numbering, the audit event, signing and the signal."""
    holder = db.get(User, user.id)
    kwargs = {"valid_until": valid_until} if valid_until is not None else {}
    return issuance.create_certificate(holder, program(slug), reason="test award", **kwargs)


def fresh(cert: Certificate) -> Certificate:
    """The row as stored now (what the verify page and the status lists read)."""
    db.expire_all()
    return db.get(Certificate, cert.id)
