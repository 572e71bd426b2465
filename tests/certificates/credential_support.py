"""Helpers for the credential tests: certificate rows inserted directly, signed through the real
signal (signals.certificate_issued) as issuance sends it."""
from __future__ import annotations

import base64
import itertools
import json
from datetime import date, timedelta

from flask import current_app

from lms import signals
from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.db import session as db
from lms.db import utcnow

CORE = "peer-recovery-core-training"
_serial = itertools.count(1)


def snapshot() -> dict:
    return {
        "holder_name": "Robin Example",
        "program_name": "Peer Recovery Core Training",
        "hours": {"total": 9.25, "by_domain": {"advocacy": 1.25, "ethical-responsibility": 4.75}, "ethics": 4.75},
        "domain_names": {"advocacy": "Advocacy", "ethical-responsibility": "Ethical Responsibility"},
        "courses": [{"slug": "ethics", "title": "Ethics and Boundaries", "completed_on": "2026-01-10"}],
        "assessments": [{"id": "late-night-text", "title": "Late-night text", "score": 0.85,
                         "passed_on": "2026-01-12"}],
        "competencies": [],
        "practice_hours": {"practice": 0.0, "supervision": 0.0},
        "sign_off": None,
        "issuer": {"name": "Peer Recovery Training", "url": "http://lms.test"},
        "signatory": {"name": "Alex Director", "title": "Director of Training"},
    }


def issue(user_id: int, *, status: str = "active", valid_until="default", issued_at=None,
          program: str = CORE, code: str | None = None) -> Certificate:
    """Insert a certificate and send certificate_issued (the credential receiver signs it). Flushed."""
    from lms.certificates.codes import new_code

    n = next(_serial)
    now = issued_at or utcnow() - timedelta(minutes=1)
    cert = Certificate(number=f"TEST-{n:06d}-{now.microsecond}", code=code or new_code(), user_id=user_id,
                       program=program,
                       status="active", active_key=None, awarded_on=date(2026, 1, 15), issued_at=now,
                       valid_until=now + timedelta(days=730) if valid_until == "default" else valid_until,
                       snapshot=snapshot(), status_index=1000 + n)
    db.add(cert)
    db.flush()
    signals.certificate_issued.send(cert, program=current_app.extensions["lms"].programs[program], replaces=None,
                                    actor=None)
    cert.status = status
    db.flush()
    return cert


def issue_for(app, user, **kwargs) -> tuple[int, str, dict]:
    """issue() in its own app context and commit; returns (cert id, jwt, credential json)."""
    with app.app_context():
        cert = issue(user.id, **kwargs)
        db.commit()
        return cert.id, cert.credential_jwt, cert.credential_json


def set_status(app, cert_id: int, status: str) -> None:
    with app.app_context():
        db.get(Certificate, cert_id).status = status
        db.commit()


def holder(app, user_id: int) -> User:
    with app.app_context():
        user = db.get(User, user_id)
        db.expunge(user)
        return user


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segments(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return (json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))),
            json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
