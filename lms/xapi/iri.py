"""Best-effort syntax checks for the string formats xAPI names: IRI/IRL, mailto IRI, UUID, media type, SHA-2 hex."""
from __future__ import annotations

import re

__all__ = ["is_header_media_type", "is_iri", "is_irl", "is_mailto_iri", "is_media_type", "is_sha1_hex", "is_sha2_hex",
           "is_uuid"]

# RFC 3986 3.1 scheme, then anything an RFC 3987 IRI may hold: no whitespace, no controls, none of <>"{}|\^`
# (which are never allowed unescaped), and every "%" starting a pct-encoded octet. Data 2.2: the LRS MUST
# reject IRI/IRL values without a scheme; "MAY use best-effort validation" for the rest.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f<>\"{}|\\^`]|%(?![0-9A-Fa-f]{2})")
_HIERARCHICAL = frozenset({"http", "https", "ftp", "ws", "wss"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 5322-ish dot-atom addr-spec, enough to reject "mailto:should.fail.com" (the conformance suite's case).
_ADDR = re.compile(r"[^\x00-\x20\x7f@<>()\[\]\\,;:\"]+@[^\x00-\x20\x7f@<>()\[\]\\,;:\"]+")
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~\-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*[ \t]*")
# What an HTTP header value may carry (RFC 7230 3.2): visible ASCII, space and tab; no CR, LF or NUL.
_HEADER_TEXT = re.compile(r"[\t\x20-\x7e]*")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_SHA2 = re.compile(r"(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})")


def is_iri(value: object) -> bool:
    """An absolute IRI (RFC 3987): scheme, ":", a non-empty rest without characters an IRI can never hold."""
    if not isinstance(value, str):
        return False
    scheme = _SCHEME.match(value)
    if not scheme or scheme.end() == len(value) or _FORBIDDEN.search(value):
        return False
    rest = value[scheme.end():]
    if scheme.group()[:-1].lower() in _HIERARCHICAL:
        # These schemes name a host (RFC 7230 2.7.1 for http/https): "//" and a non-empty authority.
        if not rest.startswith("//"):
            return False
        authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
        return bool(authority.rpartition("@")[2])
    return True


def is_irl(value: object) -> bool:
    """An IRL is an IRI meant to be resolvable; syntactically it is checked like an IRI."""
    return is_iri(value)


def is_mailto_iri(value: object) -> bool:
    """Data 2.4.2.3: mbox is "mailto:email address" (any RFC 5322 dot-atom address, unescaped as people write it)."""
    return isinstance(value, str) and value.startswith("mailto:") and bool(_ADDR.fullmatch(value[7:]))


def is_uuid(value: object) -> bool:
    """Data 4.4: a UUID in the standard string form 8-4-4-4-12 hex digits (either case)."""
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def is_media_type(value: object) -> bool:
    """RFC 2046 / RFC 7231 3.1.1.1: type "/" subtype *( ";" parameter )."""
    return isinstance(value, str) and bool(_MEDIA_TYPE.fullmatch(value))


def is_header_media_type(value: object) -> bool:
    """A media type that can be sent back in a Content-Type header: RFC 7231 3.1.1.1 syntax in printable ASCII."""
    return isinstance(value, str) and bool(_HEADER_TEXT.fullmatch(value)) and is_media_type(value)


def is_sha1_hex(value: object) -> bool:
    """mbox_sha1sum: 40 hex digits."""
    return isinstance(value, str) and bool(_HEX40.fullmatch(value))


def is_sha2_hex(value: object) -> bool:
    """Attachment sha2: the hex digest of a SHA-2 function (224, 256, 384 or 512 bits)."""
    return isinstance(value, str) and bool(_SHA2.fullmatch(value))
