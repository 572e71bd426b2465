"""Helpers for the verification tests: certificate rows inserted directly with the model's fields."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from lms.db import utcnow

PROGRAM = "peer-recovery-core-training"
_serial = itertools.count(1)

EVIDENCE_COURSE = "Foundations of Peer Support"
SIGN_OFF_STATEMENT = "Met every practice competency under observation."


def snapshot(holder: str = "Robin Example") -> dict:
    return {
        "holder_name": holder,
        "program_name": "Peer Recovery Core Training",
        "hours": {"total": 46.0, "by_domain": {"advocacy": 10.0, "ethical-responsibility": 16.0}, "ethics": 16.0},
        "domain_names": {"advocacy": "Advocacy", "ethical-responsibility": "Ethical Responsibility"},
        "courses": [{"slug": "foundations", "title": EVIDENCE_COURSE, "completed_on": "2026-01-10"}],
        "assessments": [{"id": "late-night-text", "title": "Late-night text scenario", "score": 0.85,
                         "passed_on": "2026-01-12"}],
        "competencies": [{"id": "c1", "name": "Sharing lived experience with purpose", "level": "proficient"}],
        "practice_hours": {"practice": 500.0, "supervision": 25.0},
        "sign_off": {"supervisor": "Sam Supervisor", "signed_at": "2026-01-15T10:00:00+00:00",
                     "statement": SIGN_OFF_STATEMENT},
        "issuer": {"name": "Peer Recovery Training", "url": "http://lms.test"},
        "signatory": {"name": "Alex Director", "title": "Director of Training"},
    }


def new_certificate(user_id: int, *, status: str = "active", valid_until: datetime | None | str = "future",
                    reason: str = "", program: str = PROGRAM, replaces_id: int | None = None,
                    status_changed_at: datetime | None = None, code: str | None = None,
                    issued_at: datetime | None = None, holder: str = "Robin Example"):
    """A Certificate (not added to a session) with a fresh code, number and status index."""
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate

    n = next(_serial)
    now = utcnow()
    if valid_until == "future":
        valid_until = now + timedelta(days=365)
    return Certificate(
        number=f"PRCT-2026-{n:06d}", code=code or new_code(), user_id=user_id, program=program, status=status,
        status_reason=reason, status_changed_at=status_changed_at or (now if status != "active" else None),
        active_key=f"{user_id}:{program}:{n}" if status in ("active", "suspended") else None,
        awarded_on=date(2026, 1, 15), issued_at=issued_at or now, valid_until=valid_until,
        snapshot=snapshot(holder), status_index=n, replaces_id=replaces_id)


def insert_certificate(app, user_id: int, **fields) -> dict:
    """Insert and commit one certificate; returns {id, code, number} (plain values, usable after commit)."""
    from lms.db import session as db

    with app.app_context():
        cert = new_certificate(user_id, **fields)
        db.add(cert)
        db.commit()
        return {"id": cert.id, "code": cert.code, "number": cert.number}


def formatted(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
