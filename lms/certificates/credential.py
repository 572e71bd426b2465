"""Open Badges 3.0 AchievementCredentials: build, sign as VC-JWT, verify.

What goes in: the program's Achievement, the frozen snapshot's hours and assessment results, and
the holder as a salted SHA-256 hash of their e-mail (OB 3.0 IdentityObject). The holder's name is
deliberately left out: the PDF and the verify page show it, while the credential is a file the
holder hands to wallets and employers who bind it to a person through the e-mail hash or our verify
page. A peer-recovery certificate implies lived experience of recovery, so the signed, copyable
artefact carries no more personal data than it needs (and a name change needs no re-signing).
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
import uuid
import warnings
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc import jwt

from lms import signals
from lms.certificates.keys import SigningKey, signing_key
from lms.certificates.models import Certificate
from lms.db import session as db

SCHEMAS = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "vc")


class CredentialError(RuntimeError):
    """A credential cannot be built or signed; the message says why."""


# URLs -----------------------------------------------------------------------------------------

def site_url(path: str) -> str:
    """An absolute URL on LMS_BASE_URL under the LMS's url prefix; works without a request, so the
    identifiers in a credential do not depend on which host name a request came in on."""
    prefix = current_app.extensions["lms"].url_prefix
    return current_app.config["LMS_BASE_URL"].rstrip("/") + prefix + path


def credential_url(code: str) -> str:
    return site_url(f"/credentials/{code}")


def achievement_url(slug: str) -> str:
    return site_url(f"/achievements/{slug}")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# Building -------------------------------------------------------------------------------------

def issuer_profile(snapshot_issuer: dict | None = None) -> dict:
    """The issuer Profile; its id is the stable /issuer URL, name and url from the snapshot or config."""
    config = current_app.config
    frozen = snapshot_issuer or {}
    return {
        "id": site_url("/issuer"),
        "type": ["Profile"],
        "name": frozen.get("name") or config["LMS_ISSUER_NAME"],
        "url": frozen.get("url") or config["LMS_ISSUER_URL"],
    }


def achievement(program) -> dict:
    """The program's OB 3.0 Achievement; the same object is served at /achievements/<slug>."""
    state = current_app.extensions["lms"]
    framework = state.catalog.framework
    url = achievement_url(program.slug)
    spec = program.achievement
    result = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": spec.achievement_type,
        "name": spec.name,
        "description": spec.description,
        "criteria": {"id": url + "#criteria", "narrative": spec.criteria_narrative},
        "creditsAvailable": spec.credits_available,
        "humanCode": program.slug,
    }
    alignments = []
    for comp_id in spec.alignments:
        comp = framework.competencies.get(comp_id)
        if comp is None:
            continue
        alignment = {"type": ["Alignment"], "targetName": comp.name, "targetUrl": f"{url}#competency-{comp.id}",
                     "targetDescription": comp.description, "targetCode": comp.id, "targetType": "ext:Competency"}
        framework_name = getattr(framework, "framework_names", {}).get(comp.framework)
        if framework_name:
            alignment["targetFramework"] = framework_name
        alignments.append(alignment)
    if alignments:
        result["alignment"] = alignments
    descriptions = [_result_description(url, req.id, req.min_score) for req in program.requirements.assessments]
    if descriptions:
        result["resultDescription"] = descriptions
    return result


def _result_description(achievement_id: str, assessment_id: str, min_score: float) -> dict:
    catalog = current_app.extensions["lms"].assessments
    found = catalog.scenario(assessment_id) or catalog.final_check(assessment_id)
    return {"id": f"{achievement_id}#result-{assessment_id}", "type": ["ResultDescription"],
            "name": found.title if found else assessment_id, "resultType": "Percent",
            "requiredValue": f"{round(min_score * 100):d}"}


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject.identityHash: 'sha256$' + hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def build_credential(cert: Certificate, program, email: str) -> dict:
    """The unsigned AchievementCredential for a certificate, from its snapshot and the program."""
    snap = cert.snapshot or {}
    ach = achievement(program)
    salt = secrets.token_hex(8)
    subject: dict[str, Any] = {
        # A fresh URN per credential: the JWT needs a `sub`, and a per-person identifier would let
        # anyone holding two credentials link them without the holder choosing to.
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                        "identityHash": identity_hash(email.strip().lower(), salt), "salt": salt}],
        "achievement": ach,
    }
    hours = snap.get("hours") or {}
    if isinstance(hours.get("total"), int | float):
        subject["creditsEarned"] = float(hours["total"])
    # A Result only for an assessment the Achievement describes, with a score to report.
    described = {d["id"] for d in ach.get("resultDescription", [])}
    results = [{"type": ["Result"], "resultDescription": f"{ach['id']}#result-{a.get('id')}",
                "value": f"{round(float(a['score']) * 100):d}"}
               for a in snap.get("assessments") or []
               if isinstance(a, dict) and isinstance(a.get("score"), int | float)
               and f"{ach['id']}#result-{a.get('id')}" in described]
    if results:
        subject["result"] = results
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_url(cert.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": ach["name"],
        "issuer": issuer_profile(snap.get("issuer")),
        "validFrom": iso(cert.issued_at),
        "awardedDate": iso(datetime.combine(cert.awarded_on, datetime.min.time(), UTC))
        if isinstance(cert.awarded_on, date) else iso(cert.issued_at),
        "credentialSubject": subject,
        # OB 3.0's schema types credentialStatus as ONE object, so the credential names the revocation
        # list only; the suspension list (same URL pattern, same statusListIndex) is checked by our
        # verifier and published beside it at /credentials/status/suspension.
        "credentialStatus": _status_entry(cert),
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if cert.valid_until is not None:
        credential["validUntil"] = iso(cert.valid_until)
    evidence = _evidence(snap)
    if evidence:
        credential["evidence"] = evidence
    return credential


def _status_entry(cert: Certificate) -> dict:
    from lms.certificates.status_list import status_entry

    return status_entry("revocation", cert.status_index)


def _evidence(snap: dict) -> list[dict]:
    """Hours by IC&RC domain and practice hours, as narrative evidence (no third-party names)."""
    names = snap.get("domain_names") or {}
    by_domain = (snap.get("hours") or {}).get("by_domain") or {}
    items = []
    if by_domain:
        parts = [f"{names.get(d, d)}: {h:g} h" for d, h in by_domain.items() if isinstance(h, int | float)]
        ethics = (snap.get("hours") or {}).get("ethics")
        narrative = "; ".join(parts) + (f". Ethics hours: {ethics:g}." if isinstance(ethics, int | float) else ".")
        items.append({"type": ["Evidence"], "name": "Education hours by IC&RC Peer Recovery domain",
                      "narrative": narrative})
    practice = snap.get("practice_hours") or {}
    if any(isinstance(v, int | float) and v for v in practice.values()):
        items.append({"type": ["Evidence"], "name": "Supervised practice",
                      "narrative": f"Practice hours: {practice.get('practice', 0):g}; supervision hours: "
                                   f"{practice.get('supervision', 0):g}."})
    if snap.get("sign_off"):
        signed_at = str(snap["sign_off"].get("signed_at", ""))[:10]
        items.append({"type": ["Evidence"], "name": "Supervisor sign-off",
                      "narrative": f"Signed off by a supervisor on {signed_at}." if signed_at
                      else "Signed off by a supervisor."})
    return items


# Validation -----------------------------------------------------------------------------------

@cache
def _validator():
    from jsonschema import Draft201909Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT201909

    schema = json.loads((SCHEMAS / SCHEMA_FILE).read_text(encoding="utf-8"))
    resource = Resource.from_contents(schema, default_specification=DRAFT201909)
    # Both the schema's own $id (…/json-ld/…) and the URL credentials cite (…/json/…) resolve
    # locally; the registry has no retriever, so nothing is ever fetched.
    registry = Registry().with_resources([(schema["$id"], resource), (SCHEMA_URL, resource)])
    return Draft201909Validator(schema, registry=registry, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(credential: Any, limit: int = 5) -> list[str]:
    """Messages for the first `limit` violations of the OB 3.0 AchievementCredential schema."""
    errors = []
    for error in _validator().iter_errors(credential):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        errors.append(f"{where}: {error.message[:200]}")
        if len(errors) >= limit:
            break
    return errors


# Signing --------------------------------------------------------------------------------------

def jwt_claims(credential: dict) -> dict:
    """The VC-JWT payload (OB 3.0 §8.2.2): iss, jti, sub, nbf, exp (when validUntil is set) and `vc`.

    1EdTech's text puts the credential under `vc`; some VCDM 2.0 readers expect its members at the
    top level instead. We emit `vc` only (duplicating it would double every stored JWT) and accept
    both forms when verifying.
    """
    claims = {"iss": _issuer_id(credential), "jti": credential["id"],
              "sub": (credential.get("credentialSubject") or {}).get("id", credential["id"]),
              "nbf": int(parse_iso(credential["validFrom"]).timestamp()), "vc": copy.deepcopy(credential)}
    if credential.get("validUntil"):
        claims["exp"] = int(parse_iso(credential["validUntil"]).timestamp())
    return claims


def _issuer_id(credential: dict) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def sign(credential: dict) -> tuple[SigningKey, str]:
    """Sign a credential as a VC-JWT with the current key."""
    return sign_claims(jwt_claims(credential))


def sign_claims(claims: dict) -> tuple[SigningKey, str]:
    """A compact JWS with the current key: header {alg, kid, typ: JWT} and nothing else (§8.2.1)."""
    key, private = signing_key()
    with warnings.catch_warnings():
        # joserfc 1.8 warns that "EdDSA" is superseded by "Ed25519" (RFC 9864); verifiers and PyJWT
        # still expect "EdDSA", so that is what we emit when a site opts out of RS256.
        warnings.filterwarnings("ignore", message=".*EdDSA.*")
        token = jwt.encode({"alg": key.alg, "kid": key.kid, "typ": "JWT"}, claims, private, algorithms=[key.alg])
    return key, token


def issue_credential(cert: Certificate, program=None) -> None:
    """Build, schema-check and sign the certificate's credential; set credential_json/_jwt and key_id."""
    from lms.accounts.models import User
    from lms.certificates.programs import get_program

    program = program or get_program(cert.program)
    if program is None:
        raise CredentialError(f"Unknown program '{cert.program}': cannot build its credential.")
    user = db.get(User, cert.user_id)
    if user is None:
        raise CredentialError(f"Certificate {cert.number}: its holder no longer exists.")
    credential = build_credential(cert, program, user.email)
    problems = schema_errors(credential)
    if problems:
        raise CredentialError("The credential does not match the Open Badges 3.0 schema: " + "; ".join(problems))
    key, token = sign(credential)
    cert.credential_json = credential
    cert.credential_jwt = token
    cert.key_id = key.kid
    db.flush()


def _on_certificate_issued(cert: Certificate, program=None, **_kwargs: Any) -> None:
    issue_credential(cert, program)


def connect() -> None:
    """Sign each certificate as it is issued (receiver of signals.certificate_issued)."""
    signals.certificate_issued.connect(_on_certificate_issued)


# Codes are Crockford base32 (check symbols included), stored without dashes.
CODE_PATTERN = r"[0-9A-Z]{1,16}"
_CODE_IN_URL = re.compile(rf"/credentials/({CODE_PATTERN})$")


def certificate_for_id(credential_id: Any) -> Certificate | None:
    """The certificate whose credential has this id (our /credentials/<code> URL), or None."""
    from sqlalchemy import select

    if not isinstance(credential_id, str) or not credential_id.startswith(site_url("/credentials/")):
        return None
    match = _CODE_IN_URL.search(credential_id)
    return db.scalar(select(Certificate).where(Certificate.code == match.group(1))) if match else None


# Verification ---------------------------------------------------------------------------------

def verify_document(raw: bytes):
    """Verify an uploaded .jwt or .json credential step by step; see credential_verify.py."""
    from lms.certificates.credential_verify import verify_document as verify

    return verify(raw)


def __getattr__(name: str):
    # `from lms.certificates.credential import VerificationReport` as the contract names it, without
    # an import cycle (credential_verify builds on this module).
    if name == "VerificationReport":
        from lms.certificates.credential_verify import VerificationReport

        return VerificationReport
    raise AttributeError(name)
