"""Signed-statement helpers for the tests: real RSA keys and self-signed X.509 certificates made with
`cryptography`, JWS compact serializations, and hand-built DER certificates carrying hostile keys (a huge
exponent, an oversized modulus) that no library would issue."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
DATA = Path(__file__).resolve().parents[1] / "data" / "xapi"
HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@cache
def rsa_key(bits: int = 2048, exponent: int = 65537) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=exponent, key_size=bits)


@cache
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def certificate(key=None) -> str:
    """A self-signed X.509 certificate for `key` (default: the 2048-bit test key), base64 DER as in x5c."""
    key = key or rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LRS test signer")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def rsa_sign(message: bytes, alg: str = "RS256", key: rsa.RSAPrivateKey | None = None) -> bytes:
    return (key or rsa_key()).sign(message, padding.PKCS1v15(), HASHES.get(alg, hashes.SHA256)())


def make_jws(payload: object, *, alg: str = "RS256", x5c: list[str] | bool = True, header: dict | None = None,
             raw_payload: bytes | None = None, key: rsa.RSAPrivateKey | None = None) -> bytes:
    if header is None:
        chain = [certificate(key)] if x5c is True else (x5c or None)
        header = {"alg": alg, **({"x5c": chain} if chain else {})}
    protected = b64url(json.dumps(header).encode())
    body = b64url(raw_payload if raw_payload is not None else json.dumps(payload).encode())
    signature = b64url(rsa_sign(f"{protected}.{body}".encode("ascii"), alg if alg in HASHES else "RS256", key))
    return f"{protected}.{body}.{signature}".encode("ascii")


def signed(statement: dict, jws: bytes, content_type: str = "application/octet-stream") -> dict:
    """The received statement: the signed one plus its signature attachment header."""
    out = copy.deepcopy(statement)
    out["attachments"] = [*out.get("attachments", []), {
        "usageType": SIGNATURE_USAGE, "display": {"en-US": "Signature"}, "contentType": content_type,
        "length": len(jws), "sha2": hashlib.sha256(jws).hexdigest()}]
    return out


def signed_multipart(statement: dict, jws: bytes, boundary: str = "signed-statement-boundary") -> tuple[bytes, str]:
    """A POST body (multipart/mixed) carrying the signed statement and its JWS part."""
    received = signed(statement, jws)
    body = b"".join([
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(received).encode(),
        f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
        f"X-Experience-API-Hash: {received['attachments'][-1]['sha2']}\r\n\r\n".encode(), jws,
        f"\r\n--{boundary}--\r\n".encode()])
    return body, f"multipart/mixed; boundary={boundary}"


# Hand-built DER, for keys no certificate authority (or library) would sign --------------------------------

def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes((value.bit_length() + 8) // 8, "big"))


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def random_odd(bits: int) -> int:
    return secrets.randbits(bits) | (1 << (bits - 1)) | 1


def review_h1_certificate(n: int, e: int) -> str:
    """The security review's H1 probe: a minimal certificate around an RSA key (n, e), base64 DER."""
    spki = _seq(_seq(_tlv(6, bytes.fromhex("2a864886f70d010101")), _tlv(5, b"")),
                _tlv(3, b"\0" + _seq(_integer(n), _integer(e))))
    cert = _seq(_seq(_tlv(0xA0, _integer(2)), _integer(1), _seq(), _seq(), _seq(), _seq(), spki), _seq(),
                _tlv(3, b"\0"))
    return base64.b64encode(cert).decode("ascii")


def well_formed_certificate(n: int, e: int) -> str:
    """A structurally complete X.509 certificate (which `cryptography` parses) around the RSA key (n, e)."""
    sha256_rsa = _seq(_tlv(6, bytes.fromhex("2a864886f70d01010b")), _tlv(5, b""))
    name = _seq(_tlv(0x31, _seq(_tlv(6, bytes.fromhex("550403")), _tlv(0x0C, b"x"))))
    validity = _seq(_tlv(0x17, b"250101000000Z"), _tlv(0x17, b"350101000000Z"))
    spki = _seq(_seq(_tlv(6, bytes.fromhex("2a864886f70d010101")), _tlv(5, b"")),
                _tlv(3, b"\0" + _seq(_integer(n), _integer(e))))
    tbs = _seq(_tlv(0xA0, _integer(2)), _integer(1), sha256_rsa, name, validity, name, spki)
    return base64.b64encode(_seq(tbs, sha256_rsa, _tlv(3, b"\0" + b"\1" * 256))).decode("ascii")


def hostile_jws(statement: dict, chain: list[str], modulus_bytes: int = 512) -> bytes:
    """A JWS whose x5c carries `chain` and whose signature is a number just below a modulus of that size."""
    protected = b64url(json.dumps({"alg": "RS256", "x5c": chain}).encode())
    body = b64url(json.dumps(statement).encode())
    signature = b64url(b"\x7f" + b"\xff" * (modulus_bytes - 1))
    return f"{protected}.{body}.{signature}".encode("ascii")


def appendix_d() -> tuple[bytes, dict]:
    """xAPI Data Appendix D: the example JWS and the signed statement as sent (tests/data/xapi/README.md)."""
    jws = (DATA / "appendix-d-signature.jws").read_text().strip().encode("ascii")
    return jws, json.loads((DATA / "appendix-d-signed-statement.json").read_text())
