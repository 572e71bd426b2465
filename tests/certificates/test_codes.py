"""Verification codes: 50 random bits, check symbols that catch typing mistakes, lenient reading."""
from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from lms.certificates.codes import (
    ALPHABET,
    check_symbol,
    format_code,
    new_code,
    normalize_code,
    verify_url,
)

data_codes = st.text(alphabet=ALPHABET, min_size=10, max_size=10)


def test_new_codes_are_ten_symbols_and_a_valid_check():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000  # 50 bits: a collision in 2,000 would be a broken generator
    for code in codes:
        assert len(code) == 12 and all(c in ALPHABET for c in code)
        assert normalize_code(code) == code


def test_codes_use_the_whole_alphabet_in_every_position():
    codes = [new_code() for _ in range(3000)]
    for position in range(10):
        assert {c[position] for c in codes} == set(ALPHABET)


def test_format_and_read_back_leniently():
    code = "0123456789" + check_symbol("0123456789")
    check = code[10:]
    shown = format_code(code)
    assert shown == f"0123-4567-89{check}"
    assert normalize_code(shown) == code
    assert normalize_code(" o123 4567-89" + check.lower() + " ") == code  # O read as 0, spaces, lower case
    data = "0113456789"
    typed = "0i" + "L3-4567-89" + check_symbol(data)  # I and L read as 1
    assert normalize_code(typed) == data + check_symbol(data)


def test_malformed_codes_are_refused():
    good = new_code()
    for bad in ("", "ABC", good + "0", good[:-1], "UUUUUUUUUU" + "0", "!" * 11, None, 12345, "A" * 100):
        assert normalize_code(bad) is None


@given(data_codes, st.integers(0, 11), st.sampled_from(ALPHABET))
def test_any_single_wrong_symbol_is_caught(data, position, symbol):
    code = data + check_symbol(data)
    typo = code[:position] + symbol + code[position + 1:]
    assert (normalize_code(typo) is None) == (typo != code)


@given(data_codes, st.integers(0, 8))
def test_any_swap_of_neighbours_is_caught(data, position):
    code = data + check_symbol(data)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert (normalize_code(swapped) is None) == (swapped != code)


def test_verify_url_is_absolute_with_the_formatted_code(ctx, app):
    code = new_code()
    assert verify_url(code) == f"http://lms.test/verify/{format_code(code)}"


def test_codes_use_only_crockfords_alphabet():
    assert not set("ILOU") & set(ALPHABET) and set(ALPHABET) <= set(string.digits + string.ascii_uppercase)
