"""W3C Bitstring Status Lists (v1.0) for revocation and suspension, signed as VC-JWTs.

Each certificate owns one position (`Certificate.status_index`) in both lists; the bit is set while
the certificate is revoked (revocation list) or suspended (suspension list). Lists are at least
131,072 bits (16 KB) so a verifier fetching the list learns nothing about which credential it
checks (the spec's herd-privacy minimum).
"""
from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from datetime import UTC, datetime

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.db import session as db

PURPOSES = {"revocation": "revoked", "suspension": "suspended"}  # statusPurpose -> certificate status
MIN_BITS = 131_072
MAX_ENCODED = 1_000_000  # characters; far above any list we publish, stops a decompression bomb


def list_url(purpose: str) -> str:
    from lms.certificates.credential import site_url

    return site_url(f"/credentials/status/{purpose}")


def status_entry(purpose: str, index: int) -> dict:
    """The BitstringStatusListEntry a credential carries for `purpose`."""
    url = list_url(purpose)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": url}


def bitstrings() -> dict[str, bytearray]:
    """Both lists from one query: the positions of revoked and of suspended certificates."""
    rows = db.execute(select(Certificate.status_index, Certificate.status)
                      .where(Certificate.status.in_(tuple(PURPOSES.values())))).all()
    highest = max((index for index, _ in rows), default=0)
    size = max(MIN_BITS, -(-(highest + 1) // MIN_BITS) * MIN_BITS)  # whole 16 KB blocks
    lists = {purpose: bytearray(size // 8) for purpose in PURPOSES}
    by_status = {status: purpose for purpose, status in PURPOSES.items()}
    for index, status in rows:
        set_bit(lists[by_status[status]], index)
    return lists


def set_bit(bits: bytearray, index: int) -> None:
    bits[index // 8] |= 0x80 >> (index % 8)  # bit 0 is the left-most bit of the first byte (spec §3.2)


def bit(bits: bytes, index: int) -> bool:
    return 0 <= index < len(bits) * 8 and bool(bits[index // 8] & (0x80 >> (index % 8)))


def encode(bits: bytes) -> str:
    """Multibase base64url (no padding, prefix 'u') of the GZIP-compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The bitstring of an encodedList; ValueError when it is not one."""
    if (not isinstance(encoded, str) or len(encoded) > MAX_ENCODED
            or not re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)):
        raise ValueError("encodedList must be a multibase base64url string starting with 'u'")
    try:
        raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        inflater = zlib.decompressobj(wbits=31)  # gzip, with a cap instead of trusting the size
        bits = inflater.decompress(raw, 16 * MIN_BITS)
    except (binascii.Error, zlib.error) as exc:
        raise ValueError(f"encodedList is not gzip + base64url: {exc}") from None
    if inflater.unconsumed_tail:
        raise ValueError("encodedList is larger than any list this site publishes")
    if not inflater.eof or not bits:
        raise ValueError("encodedList is not a complete gzip stream")
    return bits


def status_of(index: int) -> dict[str, bool]:
    """{"revocation": bool, "suspension": bool} for a position, read from the published lists."""
    lists = bitstrings()
    return {purpose: bit(bits, index) for purpose, bits in lists.items()}


def status_list_credential(purpose: str, bits: bytes | None = None) -> dict:
    """The BitstringStatusListCredential for `purpose` (unsigned JSON)."""
    from lms.certificates.credential import iso, issuer_profile

    if purpose not in PURPOSES:
        raise KeyError(purpose)
    bits = bits if bits is not None else bitstrings()[purpose]
    url = list_url(purpose)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "validFrom": iso(datetime.now(UTC)),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
                              "encodedList": encode(bits)},
    }


def signed_status_list(purpose: str) -> tuple[dict, str]:
    """The status list credential and the same signed as a VC-JWT with the current key."""
    from lms.certificates.credential import sign

    credential = status_list_credential(purpose)
    return credential, sign(credential)[1]


def decode_status_list(credential: dict) -> tuple[str, bytes]:
    """(statusPurpose, bitstring) of a status list credential; ValueError when malformed."""
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise ValueError("not a BitstringStatusListCredential")
    return str(subject.get("statusPurpose")), decode(subject.get("encodedList"))
