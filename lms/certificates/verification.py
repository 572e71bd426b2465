"""Verification by code: look a certificate up, say its status in words, build the public record
(page and API alike) and verify up to LMS_VERIFY_MAX_BULK codes at once from a list or a CSV."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import load_only

from lms.certificates.codes import format_code, normalize_code, verify_url
from lms.certificates.models import Certificate
from lms.db import session as db
from lms.db import utcnow

STATUSES = ("active", "expired", "suspended", "revoked", "superseded")
STATUS_LABELS = {"active": "Active", "expired": "Expired", "suspended": "Suspended", "revoked": "Revoked",
                 "superseded": "Superseded"}
STATUS_MEANINGS = {
    "active": "The certificate is current: the holder met the program's requirements and it has not expired.",
    "expired": "The holder earned the certificate, but its validity period has ended without renewal.",
    "suspended": "The issuer has put the certificate on hold while a matter is reviewed. It is not valid "
                 "while suspended and may be reinstated.",
    "revoked": "The issuer has withdrawn the certificate. It is no longer valid.",
    "superseded": "A newer certificate for the same program (a renewal or re-issue) has replaced this one. "
                  "The status of the newer certificate is shown.",
}
MALFORMED = ("That is not a valid certificate code. A code has 11 characters, like ABCD-EFGH-JKM (the last "
             "may be a symbol such as * or =); check it against the certificate.")
MALFORMED_SHORT = "malformed code: a code has 11 characters, like ABCD-EFGH-JKM"
NOT_FOUND = "not found"
# Only what the record needs: never the stored PDF or the signed credential (large, and not shown).
_COLUMNS = (Certificate.id, Certificate.number, Certificate.code, Certificate.user_id, Certificate.program,
            Certificate.status, Certificate.status_reason, Certificate.status_changed_at, Certificate.awarded_on,
            Certificate.issued_at, Certificate.valid_until, Certificate.snapshot)
_CHUNK = 500  # IN lists stay well under SQLite's and PostgreSQL's parameter limits
_LOOK_UP = object()
CSV_FIELDS = ("row", "input", "code", "status", "holder_name", "program_name", "number", "awarded_on",
              "issued_on", "valid_until", "status_date", "status_reason", "replaced_by_status", "error")


class VerificationInputError(ValueError):
    """A bulk request that cannot be read at all (too many codes, unreadable CSV); safe to show."""


def normalize(code_text: object) -> str | None:
    """The stored form of a typed code, or None when it is malformed or not text."""
    return normalize_code(code_text) if isinstance(code_text, str) else None


def _select():
    return select(Certificate).options(load_only(*_COLUMNS))


def lookup(code_text: str) -> Certificate | None:
    """The certificate with this code, or None when the code is malformed or unknown (one indexed query)."""
    code = normalize(code_text)
    if code is None:
        return None
    return db.scalar(_select().where(Certificate.code == code))


def display_status(cert: Certificate, now: datetime | None = None) -> str:
    """One of STATUSES. Expiry is computed, not stored, and never hides a suspension or revocation."""
    if cert.status in ("suspended", "revoked", "superseded"):
        return cert.status
    if cert.valid_until is not None and cert.valid_until <= (now or utcnow()):
        return "expired"
    return "active"


def _current_of(certs: Sequence[Certificate]) -> dict[int, Certificate]:
    """For superseded certificates: the holder's newest certificate of the same program that is
    not itself superseded (through the (user_id, program) index)."""
    superseded = [c for c in certs if c.status == "superseded"]
    if not superseded:
        return {}
    users = sorted({c.user_id for c in superseded})
    newest: dict[tuple[int, str], Certificate] = {}
    for start in range(0, len(users), _CHUNK):
        rows = db.scalars(_select().where(Certificate.user_id.in_(users[start:start + _CHUNK]),
                                          Certificate.status != "superseded"))
        for row in rows:
            key = (row.user_id, row.program)
            if key not in newest or row.id > newest[key].id:
                newest[key] = row
    found = {}
    for cert in superseded:
        current = newest.get((cert.user_id, cert.program))
        if current is not None and current.id > cert.id:
            found[cert.id] = current
    return found


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _issuer(snapshot: dict) -> dict:
    issuer = snapshot.get("issuer") or {}
    config = current_app.config
    return {"name": issuer.get("name") or config.get("LMS_ISSUER_NAME") or config["LMS_SITE_NAME"],
            "url": issuer.get("url") or config.get("LMS_ISSUER_URL") or config["LMS_BASE_URL"]}


def public_record(cert: Certificate, now: datetime | None = None, current: object = _LOOK_UP) -> dict:
    """What anyone may see about a certificate, JSON-ready. `current` is the certificate that
    replaced a superseded one, or None; looked up when not given."""
    now = now or utcnow()
    status = display_status(cert, now)
    if current is _LOOK_UP:
        current = _current_of([cert]).get(cert.id) if status == "superseded" else None
    snapshot = cert.snapshot or {}
    status_date = {"expired": cert.valid_until, "active": None}.get(status, cert.status_changed_at)
    record = {
        "code": format_code(cert.code),
        "number": cert.number,
        "holder_name": snapshot.get("holder_name", ""),
        "program": cert.program,
        "program_name": snapshot.get("program_name") or cert.program,
        "awarded_on": _iso(cert.awarded_on),
        "issued_on": _iso(cert.issued_at),
        "valid_until": _iso(cert.valid_until),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_meaning": STATUS_MEANINGS[status],
        "status_date": _iso(status_date),
        "status_reason": cert.status_reason if status in ("suspended", "revoked") else "",
        "replaced_by": None,
        "issuer": _issuer(snapshot),
        "verify_url": verify_url(cert.code),
    }
    if status == "superseded" and isinstance(current, Certificate):
        current_status = display_status(current, now)
        record["replaced_by"] = {"status": current_status, "status_label": STATUS_LABELS[current_status],
                                 "valid_until": _iso(current.valid_until)}
    return record


def evidence(cert: Certificate) -> dict:
    """The evidence summary frozen at issue, for board members and admins only."""
    snapshot = cert.snapshot or {}
    hours = snapshot.get("hours") or {}
    names = snapshot.get("domain_names") or {}
    return {
        "courses": snapshot.get("courses") or [],
        "assessments": snapshot.get("assessments") or [],
        "competencies": snapshot.get("competencies") or [],
        "hours_total": hours.get("total"),
        "hours_ethics": hours.get("ethics"),
        "hours_by_domain": [(names.get(key, key), value) for key, value in (hours.get("by_domain") or {}).items()],
        "practice_hours": snapshot.get("practice_hours") or {},
        "sign_off": snapshot.get("sign_off"),
    }


def max_bulk() -> int:
    return int(current_app.config["LMS_VERIFY_MAX_BULK"])


def check_count(count: int) -> None:
    limit = max_bulk()
    if count > limit:
        raise VerificationInputError(f"At most {limit} codes can be checked at once; this request has {count}.")


def bulk(codes: Sequence[object], rows: Sequence[int] | None = None, now: datetime | None = None) -> list[dict]:
    """One result per input, in order: the public record plus `row` and `input`, or `row`,
    `input` and `error` ("not found" or why the code is malformed). A few queries, not one per code."""
    check_count(len(codes))
    now = now or utcnow()
    rows = rows if rows is not None else range(1, len(codes) + 1)
    normalized = [normalize(text) for text in codes]
    wanted = sorted({code for code in normalized if code})
    found: dict[str, Certificate] = {}
    for start in range(0, len(wanted), _CHUNK):
        for cert in db.scalars(_select().where(Certificate.code.in_(wanted[start:start + _CHUNK]))):
            found[cert.code] = cert
    current = _current_of(list(found.values()))
    records = {code: public_record(cert, now, current.get(cert.id)) for code, cert in found.items()}
    results = []
    for row, text, code in zip(rows, codes, normalized, strict=True):
        shown = text if isinstance(text, str) else repr(text)
        if code is None:
            error = "empty: this row has no code" if not shown.strip() else MALFORMED_SHORT
            results.append({"row": row, "input": shown[:64], "error": error})
        elif code not in records:
            results.append({"row": row, "input": shown, "error": NOT_FOUND})
        else:
            results.append({"row": row, "input": shown, **records[code]})
    return results


def parse_codes_text(text: str) -> tuple[list[str], list[int]]:
    """Codes from a CSV (a column named `code`, else the first column) or pasted lines. Blank rows
    are skipped; row numbers count every line so messages point at the right place."""
    lines = text.splitlines()  # bounded by LMS_VERIFY_MAX_UPLOAD before it gets here
    try:
        parsed = list(csv.reader(lines))
    except csv.Error as exc:
        raise VerificationInputError(f"The CSV could not be read: {exc}.") from None
    column, start = 0, 0
    header = [cell.strip().lower() for cell in parsed[0]] if parsed else []
    if "code" in header:
        column, start = header.index("code"), 1
    codes, rows = [], []
    for number, cells in enumerate(parsed[start:], start=start + 1):
        if not any(cell.strip() for cell in cells):
            continue
        codes.append(cells[column].strip() if column < len(cells) else "")
        rows.append(number)
    if not codes:
        raise VerificationInputError("No codes were found: put one code per line, or a CSV with a column named code.")
    check_count(len(codes))
    return codes, rows


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv(results: Iterable[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for result in results:
        flat = {**result, "replaced_by_status": (result.get("replaced_by") or {}).get("status")}
        writer.writerow([_cell(flat.get(field)) for field in CSV_FIELDS])
    return out.getvalue()
