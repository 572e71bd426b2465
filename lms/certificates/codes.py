"""Verification codes: 10 random Crockford base32 symbols (50 bits from `secrets`) and two check symbols.

The check is a weighted sum of the symbols' values modulo 37, written as two symbols of the same
alphabet, so a code only ever uses the unambiguous Crockford symbols (no I, L, O, U and no
punctuation that reads badly on paper or in a URL). 37 is prime and larger than the alphabet, and
the weights differ, so every single wrong symbol and every swap of two neighbouring data symbols
is caught: a mistyped code is refused before any lookup instead of naming someone else's
certificate. Codes are stored without dashes and shown as XXXX-XXXX-XXXX.
"""
from __future__ import annotations

import secrets

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
DATA_LENGTH = 10  # 10 x 5 bits = 50 bits: guessing one of a million codes takes ~10^9 tries on average
CHECK_LENGTH = 2
CODE_LENGTH = DATA_LENGTH + CHECK_LENGTH
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(data: str) -> str:
    """The two check symbols: sum of (position + 1) x value, modulo 37, in base 32."""
    value = sum((position + 1) * ALPHABET.index(symbol) for position, symbol in enumerate(data)) % 37
    return ALPHABET[value // 32] + ALPHABET[value % 32]


def new_code() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_symbol(data)


def format_code(code: str) -> str:
    """ABCDEFGHJKMN -> ABCD-EFGH-JKMN."""
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
    data, check = compact[:DATA_LENGTH].translate(_READ_AS), compact[DATA_LENGTH:].translate(_READ_AS)
    if any(symbol not in ALPHABET for symbol in data) or check_symbol(data) != check:
        return None
    return data + check


def verify_url(code: str) -> str:
    """The public, absolute URL of the certificate's verify page (printed on the PDF and in the QR)."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    prefix = current_app.extensions["lms"].url_prefix
    return f"{base}{prefix}/verify/{format_code(code)}"
