"""Signed statements (xAPI Data 2.6): read the JWS, compare its payload with the Statement, verify against x5c.

The certificate is parsed by `cryptography.x509` and the signature checked by `cryptography` (OpenSSL). Before
any arithmetic the key must be RSA, 2048 to 8192 bits, with a public exponent of at most 2^32 (65537 in
practice): an attacker-chosen exponent or modulus would otherwise let one request burn minutes of CPU (security
review H1). The JWS header and payload are client JSON, read with `parse_json` (bounded depth, valid Unicode).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc.util import urlsafe_b64decode

from lms.web.jsoninput import DEFAULT_MAX_DEPTH, JSONInputError, parse_json
from lms.xapi.validation import StatementError, agent_ifi, parse_timestamp

__all__ = ["SIGNATURE_USAGE", "validate_signature"]

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
# Data 2.6: "The JWS signature MUST use an algorithm of RS256, RS384, or RS512".
_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
MIN_RSA_BITS, MAX_RSA_BITS = 2048, 8192
MAX_PUBLIC_EXPONENT = 2**32
# An 8192-bit certificate is about 2.5 KB of base64; a chain deeper than a handful is not a signer's chain.
MAX_CERTIFICATE_CHARS = 16 * 1024
MAX_CHAIN_LENGTH = 10
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _bad_signature(rule: str) -> StatementError:
    return StatementError("attachments", f"malformed signature: {rule}")


def _b64url(part: object, what: str) -> bytes:
    if not isinstance(part, str) or not _B64URL.fullmatch(part):
        raise _bad_signature(f"the JWS {what} is not base64url")
    try:
        return urlsafe_b64decode(part.encode("ascii"))
    except (binascii.Error, ValueError):
        raise _bad_signature(f"the JWS {what} is not base64url") from None


def _json(data: bytes | str, what: str, max_depth: int) -> object:
    try:
        return parse_json(data, what=what, max_depth=max_depth)
    except JSONInputError as exc:
        raise _bad_signature(str(exc)) from None


def _segments(jws: bytes, max_depth: int) -> tuple[str, str, str]:
    """Compact serialization (SHOULD*), or the discouraged JSON serialization (RFC 7515 7.2)."""
    try:
        text = jws.decode("ascii").strip()
    except (UnicodeDecodeError, AttributeError):
        raise _bad_signature("the JWS is not ASCII text") from None
    if text.startswith("{"):
        doc = _json(text, "The JWS JSON serialization", max_depth)
        if isinstance(doc, dict) and isinstance(doc.get("signatures"), list) and doc["signatures"]:
            first = doc["signatures"][0]
            doc = {**first, "payload": doc.get("payload")} if isinstance(first, dict) else {}
        parts = [doc.get(k) for k in ("protected", "payload", "signature")] if isinstance(doc, dict) else []
        if len(parts) != 3 or not all(isinstance(p, str) for p in parts):
            raise _bad_signature("the JWS JSON serialization lacks protected/payload/signature")
        return parts[0], parts[1], parts[2]
    parts = text.split(".")
    if len(parts) != 3:
        raise _bad_signature("the JWS compact serialization must have three dot-separated parts")
    return parts[0], parts[1], parts[2]


# ---------------------------------------------------------------- Data 2.3.1 statement comparison


def _instant(value: object) -> object:
    try:
        return parse_timestamp(value).astimezone(UTC).isoformat()
    except StatementError:
        return value


def _canon_actor(actor: object) -> object:
    if not isinstance(actor, dict):
        return actor
    out = {k: v for k, v in actor.items() if not (k == "objectType" and v == "Agent")}
    if isinstance(out.get("mbox"), str):
        out["mbox"] = agent_ifi({"mbox": out["mbox"]})
    if isinstance(out.get("mbox_sha1sum"), str):
        out["mbox_sha1sum"] = out["mbox_sha1sum"].lower()
    if isinstance(out.get("member"), list):  # Data 2.3.1: Group members are an unordered list
        out["member"] = sorted((_canon_actor(m) for m in out["member"]), key=lambda m: json.dumps(m, sort_keys=True))
    return out


def _canon_activity(activity: object) -> object:
    # Data 2.3.1: Activity Definitions are not part of the Statement itself; objectType "Activity" is the default.
    if not isinstance(activity, dict):
        return activity
    return {k: v for k, v in activity.items() if k not in ("definition", "objectType")}


def _canon_statement(statement: dict, drop: set[str]) -> dict:
    """The Statement with the differences Data 2.3.1 lists as immutability exceptions taken out."""
    out = {k: v for k, v in statement.items() if k not in drop | {"attachments", "authority", "stored"}}
    if isinstance(out.get("id"), str):
        out["id"] = out["id"].lower()
    if "timestamp" in out:
        out["timestamp"] = _instant(out["timestamp"])
    if isinstance(out.get("verb"), dict):  # the Verb's display is not part of the Statement
        out["verb"] = {k: v for k, v in out["verb"].items() if k != "display"}
    out["actor"] = _canon_actor(out.get("actor"))
    obj = out.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            out["object"] = _canon_activity(obj)
        elif kind in ("Agent", "Group"):
            out["object"] = _canon_actor(obj)
        elif kind == "SubStatement":
            out["object"] = _canon_statement(obj, set())
        elif isinstance(obj.get("id"), str):
            out["object"] = {**obj, "id": obj["id"].lower()}
    context = out.get("context")
    if isinstance(context, dict):
        context = {k: (_canon_actor(v) if k in ("instructor", "team") else v) for k, v in context.items()}
        if isinstance(context.get("registration"), str):
            context["registration"] = context["registration"].lower()
        if isinstance(context.get("contextActivities"), dict):
            context["contextActivities"] = {
                key: [_canon_activity(a) for a in (value if isinstance(value, list) else [value])]
                for key, value in context["contextActivities"].items()}
        out["context"] = context
    return out


def _logically_equivalent(signed: dict, received: dict) -> bool:
    """Data 2.3.1 Statement comparison: ignore what LRS processing may assign or reserialize."""
    drop = {key for key in ("id", "timestamp", "version") if key not in signed or key not in received}
    return _canon_statement(signed, drop) == _canon_statement(received, drop)


# ---------------------------------------------------------------- the x5c certificate


def _signer_key(chain: object) -> rsa.RSAPublicKey:
    """The RSA key of the first x5c certificate (RFC 7515 4.1.6), refused unless its size and exponent are sane."""
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise _bad_signature("x5c must be a non-empty array of base64 certificates")
    if len(chain) > MAX_CHAIN_LENGTH or any(len(c) > MAX_CERTIFICATE_CHARS for c in chain):
        raise _bad_signature(f"x5c is too large (at most {MAX_CHAIN_LENGTH} certificates of "
                             f"{MAX_CERTIFICATE_CHARS} characters each)")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        key = certificate.public_key()
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        raise _bad_signature("the first x5c certificate is not a DER X.509 certificate with a usable public "
                             "key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise _bad_signature("the x5c certificate's key is not an RSA key (RS256, RS384 and RS512 need one)")
    if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
        raise _bad_signature(f"the x5c certificate's RSA key has {key.key_size} bits; "
                             f"{MIN_RSA_BITS} to {MAX_RSA_BITS} bits are accepted")
    if key.public_numbers().e > MAX_PUBLIC_EXPONENT:
        raise _bad_signature("the x5c certificate's RSA public exponent is larger than 2^32 (use 65537)")
    return key


def validate_signature(statement: dict, jws: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Data 2.6 LRS requirements: decode the JWS, check alg, compare its payload with the Statement, and verify
    the signature against the x5c certificate when the header carries one. Raises StatementError("attachments")."""
    attachments = statement.get("attachments") if isinstance(statement, dict) else None
    signatures = [a for a in attachments or [] if isinstance(a, dict) and a.get("usageType") == SIGNATURE_USAGE]
    if not signatures:
        raise _bad_signature(f'a signed Statement needs an attachment with usageType "{SIGNATURE_USAGE}"')
    if signatures[0].get("contentType") != "application/octet-stream":
        raise _bad_signature('the signature attachment must have contentType "application/octet-stream"')
    protected, payload, signature = _segments(jws, max_depth)
    header = _json(_b64url(protected, "header"), "The JWS header", max_depth)
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str) or header["alg"] not in _HASHES:
        raise _bad_signature("the JWS algorithm must be RS256, RS384 or RS512")
    try:
        signed = parse_json(_b64url(payload, "payload"), what="The JWS payload", max_depth=max_depth)
    except JSONInputError as exc:
        raise _bad_signature(f"the JWS payload is not a valid JSON serialization of the Statement ({exc})") from None
    if not isinstance(signed, dict):
        raise _bad_signature("the JWS payload is not a Statement object")
    raw_signature = _b64url(signature, "signature")
    if not raw_signature:
        raise _bad_signature("the JWS signature is empty")
    if not _logically_equivalent(signed, statement):
        raise _bad_signature("the signed payload is not logically equivalent to the Statement")
    if "x5c" not in header:
        return
    key = _signer_key(header["x5c"])
    try:
        key.verify(raw_signature, f"{protected}.{payload}".encode("ascii"), padding.PKCS1v15(),
                   _HASHES[header["alg"]]())
    except InvalidSignature:
        raise _bad_signature("the JWS signature does not verify against the x5c certificate") from None
