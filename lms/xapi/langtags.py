"""RFC 5646 (BCP 47) language-tag syntax check, as xAPI Data 2.2 and 4.2 require for language map keys."""
from __future__ import annotations

import re

__all__ = ["is_language_tag"]

# RFC 5646 section 2.1 ABNF, transcribed. Matching is case-insensitive (section 2.1.1).
_ALNUM = "[a-z0-9]"
_LANGUAGE = r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
_SCRIPT = r"(?:-[a-z]{4})"
_REGION = r"(?:-(?:[a-z]{2}|[0-9]{3}))"
_VARIANT = rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))"
_EXTENSION = rf"(?:-[0-9a-wy-z](?:-{_ALNUM}{{2,8}})+)"
_PRIVATEUSE = rf"(?:x(?:-{_ALNUM}{{1,8}})+)"
_LANGTAG = re.compile(
    rf"{_LANGUAGE}{_SCRIPT}?{_REGION}?(?P<variants>{_VARIANT}*)(?P<extensions>{_EXTENSION}*)(?:-{_PRIVATEUSE})?",
    re.IGNORECASE,
)
_PRIVATE_ONLY = re.compile(_PRIVATEUSE, re.IGNORECASE)

# RFC 5646 section 2.2.8: grandfathered tags (irregular and regular), matched as whole tags.
_GRANDFATHERED = frozenset(
    t.lower()
    for t in (
        "en-GB-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn i-tao i-tay "
        "i-tsu sgn-BE-FR sgn-BE-NL sgn-CH-DE art-lojban cel-gaulish no-bok no-nyn zh-guoyu zh-hakka zh-min "
        "zh-min-nan zh-xiang"
    ).split()
)


def is_language_tag(value: object) -> bool:
    """True when value is a well-formed RFC 5646 language tag (syntax only; subtags not looked up in the registry)."""
    if not isinstance(value, str) or not value.isascii():
        return False
    lowered = value.lower()
    if lowered in _GRANDFATHERED or _PRIVATE_ONLY.fullmatch(value):
        return True
    match = _LANGTAG.fullmatch(value)
    if not match:
        return False
    # RFC 5646 2.2.5 / 2.2.6: a variant and an extension singleton may each appear only once.
    variants = [v for v in match.group("variants").lower().split("-") if v]
    if len(variants) != len(set(variants)):
        return False
    singletons = [tok for tok in match.group("extensions").lower().split("-") if len(tok) == 1]
    return len(singletons) == len(set(singletons))
