"""Verification codes: 10 random Crockford base32 symbols (50 bits from `secrets`) and a check symbol.

The check symbol is Crockford's (https://www.crockford.com/base32.html): the code's value modulo 37,
written with the 32 data symbols plus * ~ $ = U. 37 is prime, so it catches every single wrong
symbol and every swap of two neighbours: a mistyped code is refused before any lookup, instead of
naming someone else's certificate. Codes are stored without dashes and shown as XXXX-XXXX-XXX.
"""
from __future__ import annotations

import secrets

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_LENGTH = 10  # 10 x 5 bits = 50 bits: guessing one of a million codes takes ~10^9 tries on average
CODE_LENGTH = DATA_LENGTH + 1
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(data: str) -> str:
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def new_code() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_symbol(data)


def format_code(code: str) -> str:
    """ABCDEFGHJK* -> ABCD-EFGH-JK*."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalize_code(text: str | None) -> str | None:
    """The stored form of a typed code, or None when it is malformed or its check symbol is wrong.

    Accepts lower case, dashes and spaces, and reads O as 0 and I or L as 1, as Crockford intends.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != CODE_LENGTH:
        return None
    data, check = compact[:DATA_LENGTH].translate(_READ_AS), compact[DATA_LENGTH:]
    check = check.translate(_READ_AS) if check in "OIL" else check
    if any(symbol not in ALPHABET for symbol in data) or check_symbol(data) != check:
        return None
    return data + check


def verify_url(code: str) -> str:
    """The public, absolute URL of the certificate's verify page (printed on the PDF and in the QR)."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    prefix = current_app.extensions["lms"].url_prefix
    return f"{base}{prefix}/verify/{format_code(code)}"
