"""Verify an uploaded credential document (.jwt VC-JWT or .json credential), step by step.

Steps, in order: format, signature, schema, issuer, dates, status. Each is (name, ok, detail) with
a detail a person can read. Garbage of any kind gives a failed first step, never an exception.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from lms.certificates import credential as cred
from lms.certificates.keys import ALGORITHMS, find_key, public_key
from lms.certificates.models import Certificate

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 256 * 1024  # a credential of ours is about 10 KB as a JWT
JWS_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
ALLOWED_HEADERS = {"alg", "kid", "typ"}  # OB 3.0 §8.2.1: "Additional JOSE Headers are NOT allowed"


@dataclass
class VerificationReport:
    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    certificate: Certificate | None = None  # set only when the document is authentic
    credential: dict | None = None
    format: str = ""  # "jwt", "json" or "" when unreadable
    status: str = "invalid"  # active, expired, not-yet-valid, revoked, suspended, superseded or invalid

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(ok for _, ok, _ in self.steps)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.steps.append((name, ok, detail))
        return ok


class _Stop(Exception):
    """A step failed in a way that makes the later steps meaningless."""


def verify_document(raw: bytes | str) -> VerificationReport:
    report = VerificationReport()
    try:
        credential = _read(raw, report)
        _check_content(credential, report)
    except _Stop:
        pass
    except Exception:  # the contract: a report, never a 500 on a hostile upload
        log.exception("verify_document failed unexpectedly")
        report.add("Verification", False, "The document could not be checked because of an internal error.")
    if not report.ok and report.status == "active":
        report.status = "invalid"
    return report


def _fail(report: VerificationReport, name: str, detail: str):
    report.add(name, False, detail)
    raise _Stop


def _read(raw: bytes | str, report: VerificationReport) -> dict:
    """Format and signature steps; returns the credential once it is known to be ours."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    if not isinstance(raw, bytes | bytearray):
        _fail(report, "Format", "Nothing to check: upload a .jwt or .json credential file.")
    if len(raw) > MAX_DOCUMENT_BYTES:
        _fail(report, "Format", f"The file is {len(raw) // 1024} KB; a credential file is at most "
                                f"{MAX_DOCUMENT_BYTES // 1024} KB.")
    try:
        text = bytes(raw).decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        _fail(report, "Format", "This is not a text file: a credential is a .jwt (text) or .json file.")
    if not text:
        _fail(report, "Format", "The file is empty.")
    if text.startswith("{"):
        return _read_json(text, report)
    if JWS_COMPACT.fullmatch(text):
        return _read_jwt(text, report)
    parts = text.count(".") + 1
    hint = (f"A .jwt has three parts separated by dots; this has {parts}." if re.fullmatch(r"[A-Za-z0-9_.=-]+", text)
            else "It is neither a signed credential (.jwt) nor credential JSON (.json).")
    _fail(report, "Format", "Not a credential. " + hint)


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _read_jwt(text: str, report: VerificationReport) -> dict:
    report.format = "jwt"
    header_b64, payload_b64, _ = text.split(".")
    try:
        header, payload = _b64json(header_b64), _b64json(payload_b64)
    except (ValueError, binascii.Error, RecursionError):
        _fail(report, "Format", "The JWT's header or payload is not base64url-encoded JSON.")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        _fail(report, "Format", "The JWT's header and payload must be JSON objects.")
    credential = payload.get("vc") if isinstance(payload.get("vc"), dict) else (
        {k: v for k, v in payload.items() if k not in cred.JWT_CLAIMS} if "@context" in payload else None)
    if not credential:
        _fail(report, "Format", "The JWT does not carry an Open Badges credential (no `vc` claim or credential).")
    report.add("Format", True, "A signed credential (VC-JWT, compact JWS).")
    report.credential = credential
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        _fail(report, "Signature", f"The algorithm {str(alg)[:20]!r} is not accepted: only RS256 or EdDSA "
                                   "signatures count, never 'none'.")
    extra = set(header) - ALLOWED_HEADERS
    if extra:
        _fail(report, "Signature", f"Unexpected JOSE header(s) {', '.join(sorted(map(str, extra)))[:80]}: only "
                                   "alg, kid and typ are allowed, and only this issuer's published keys are trusted.")
    if header.get("typ", "JWT") != "JWT":
        _fail(report, "Signature", "The JOSE header `typ` must be \"JWT\".")
    key = find_key(kid) if isinstance(kid, str) else None
    if key is None:
        _fail(report, "Signature", f"The key {str(kid)[:70]!r} is not one of this issuer's keys "
                                   "(published at /.well-known/jwks.json).")
    if key.alg != alg:
        _fail(report, "Signature", f"The key {key.kid} signs with {key.alg}, but the document says {alg}.")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*EdDSA.*")  # see credential.sign
            jws.deserialize_compact(text, public_key(key), algorithms=[alg])
    except (JoseError, ValueError):
        _fail(report, "Signature", "The signature does not match: the document was changed after it was "
                                   "signed, or it was signed by someone else.")
    problem = _claims_problem(payload, credential)
    if problem:
        _fail(report, "Signature", f"Signed by our key, but the JWT claims do not match the credential: {problem}.")
    when = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "current"
    report.add("Signature", True, f"Signed with {alg} by this issuer's key {key.kid} ({when}).")
    report.certificate = cred.certificate_for_id(credential.get("id"))
    return credential


def _claims_problem(payload: dict, credential: dict) -> str:
    """OB 3.0 "Verify a Credential VC-JWT Signature": iss, sub, nbf, jti and exp agree with the credential."""
    if "vc" in payload and "@context" in payload:
        top = {k: v for k, v in payload.items() if k not in cred.JWT_CLAIMS}
        if top != credential:
            return "the credential under `vc` differs from the one at the top level"
    subject = credential.get("credentialSubject")
    checks = [("iss", cred._issuer_id(credential)), ("jti", credential.get("id")),
              ("sub", subject.get("id") if isinstance(subject, dict) else None),
              ("nbf", _timestamp(credential.get("validFrom")))]
    if "exp" in payload or credential.get("validUntil") is not None:
        checks.append(("exp", _timestamp(credential.get("validUntil"))))
    for claim, expected in checks:
        if payload.get(claim) is None or payload.get(claim) != expected:
            return f"`{claim}` does not match"
    return ""


def _timestamp(value: Any) -> int | None:
    moment = cred.parse_iso(value)
    return int(moment.timestamp()) if moment else None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _read_json(text: str, report: VerificationReport) -> dict:
    report.format = "json"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(report, "Format", f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
    except (ValueError, RecursionError):
        _fail(report, "Format", "Not valid JSON (nested too deeply or malformed).")
    if not isinstance(document, dict) or "@context" not in document:
        _fail(report, "Format", "This JSON is not a credential (no @context).")
    proof = document.pop("proof", None)
    report.credential = document
    report.add("Format", True, "Credential JSON" + (" with an embedded proof." if proof else " (no signature inside)."))
    note = ""
    if proof is not None:
        proofs = proof if isinstance(proof, list) else [proof]
        kinds = {str(p.get("type"))[:40] for p in proofs if isinstance(p, dict)}
        note = (f"Embedded proofs ({', '.join(sorted(kinds)) or 'unknown type'}) are not supported here; "
                "the document was compared with the credential we signed instead. ")
    cert = cred.certificate_for_id(document.get("id"))
    if cert is None or not cert.credential_json:
        _fail(report, "Signature", note + "This site has no record of a credential with this id, so it cannot "
                                          "vouch for it. Upload the signed .jwt file to check a signature.")
    stored = cert.credential_json
    if _canonical(stored) != _canonical(document):
        changed = sorted(k for k in set(stored) | set(document)
                         if _canonical(stored.get(k)) != _canonical(document.get(k)))
        _fail(report, "Signature", note + "The file differs from the credential we issued under this id "
                                          f"(changed: {', '.join(map(str, changed))[:120]}).")
    key = find_key(cert.key_id)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*EdDSA.*")
            jws.deserialize_compact(cert.credential_jwt or "", public_key(key), algorithms=[key.alg])
    except (JoseError, ValueError, AttributeError):
        _fail(report, "Signature", note + "Our stored copy of this credential no longer verifies; contact the issuer.")
    report.add("Signature", True, note + f"Identical to the credential this issuer signed with key {key.kid} "
                                         f"on {cert.issued_at:%Y-%m-%d}.")
    report.certificate = cert
    return document


def _check_content(credential: dict, report: VerificationReport) -> None:
    errors = cred.schema_errors(credential, limit=3)
    report.add("Schema", not errors, "Matches the Open Badges 3.0 AchievementCredential schema." if not errors
               else "Does not match the Open Badges 3.0 schema: " + "; ".join(errors))
    ours = cred.issuer_profile()
    issuer_id = cred._issuer_id(credential)
    report.add("Issuer", issuer_id == ours["id"], f"Issued by {ours['name']} ({ours['id']})." if issuer_id == ours["id"]
               else f"The issuer {str(issuer_id)[:100]!r} is not this site ({ours['id']}).")
    dates_ok = _check_dates(credential, report)
    _check_status(credential, report, dates_ok)


def _check_dates(credential: dict, report: VerificationReport) -> bool:
    now = datetime.now(UTC)
    start, end = cred.parse_iso(credential.get("validFrom")), cred.parse_iso(credential.get("validUntil"))
    if start is None or ("validUntil" in credential and end is None):
        report.status = "invalid"
        return report.add("Dates", False, "validFrom/validUntil are missing or not dates.")
    if start > now:
        report.status = "not-yet-valid"
        return report.add("Dates", False, f"Not valid before {start:%Y-%m-%d %H:%M} UTC.")
    if end is not None and end <= now:
        report.status = "expired"
        return report.add("Dates", False, f"Expired on {end:%Y-%m-%d}.")
    until = f"until {end:%Y-%m-%d}" if end else "with no expiry date"
    return report.add("Dates", True, f"Valid from {start:%Y-%m-%d} {until}.")


def _check_status(credential: dict, report: VerificationReport, dates_ok: bool) -> None:
    from lms.certificates.status_list import PURPOSES, bit, bitstrings, list_url

    entries = credential.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    index = None
    for entry in entries:
        if isinstance(entry, dict) and entry.get("statusListCredential") in {list_url(p) for p in PURPOSES}:
            try:
                index = int(entry.get("statusListIndex"))
            except (TypeError, ValueError):
                index = None
    if index is None or index < 0:
        report.add("Status", False, "The credential names none of this issuer's status lists.")
        return
    lists = bitstrings()
    # Our certificates use one position in both lists, so the suspension bit is read at the index
    # the revocation entry names (the OB 3.0 schema allows a single credentialStatus object).
    if bit(lists["revocation"], index):
        report.status = "revoked"
        report.add("Status", False, "Revoked: the issuer's revocation list marks this credential.")
    elif bit(lists["suspension"], index):
        report.status = "suspended"
        report.add("Status", False, "Suspended: the issuer's suspension list marks this credential.")
    elif report.certificate is not None and report.certificate.status == "superseded":
        report.status = "superseded"
        report.add("Status", False, "Superseded: a newer certificate replaced this one.")
    else:
        if dates_ok:
            report.status = "active"
        report.add("Status", True, "Not revoked or suspended (checked the revocation and suspension lists).")
