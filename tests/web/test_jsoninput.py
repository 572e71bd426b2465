"""The shared reader for client JSON refuses what would later break a page, with a sentence saying why."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.web.jsoninput import JSONInputError, parse_json


def test_parses_ordinary_json():
    assert parse_json(b'{"codes": ["ABCD", 1, null, true]}') == {"codes": ["ABCD", 1, None, True]}


@pytest.mark.parametrize("body, words", [
    (b"\xff\xfe", "not valid UTF-8"),
    (b'{"a": NaN}', "NaN is not allowed"),
    (b'{"a": Infinity}', "Infinity is not allowed"),
    (b'{"a": ', "not valid JSON"),
    (b'{"a": "x \\ud800 y"}', "lone UTF-16 surrogate"),
    (b'{"\\udfff": 1}', "lone UTF-16 surrogate"),
    (b"[" * 33 + b"]" * 33, "nested more than 32 levels"),
    (b"[" * 5000 + b"]" * 5000, "nested more than 32 levels"),
    (b'{"n": ' + b"1" * 5000 + b"}", "not valid JSON"),
])
def test_refuses_with_a_reason(body, words):
    with pytest.raises(JSONInputError, match=words):
        parse_json(body)


def test_depth_limit_is_exact_and_configurable():
    assert parse_json(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(JSONInputError, match="nested more than 3 levels"):
        parse_json('{"a": {"b": {"c": []}}}', max_depth=3)
    assert parse_json('{"a": {"b": {"c": 1}}}', max_depth=3)


def test_paired_surrogates_are_one_character():
    assert parse_json(b'"\\ud83d\\ude00"') == "\U0001F600"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda children: st.lists(children) | st.dictionaries(st.text(), children), max_leaves=30))
def test_anything_json_can_say_in_valid_unicode_round_trips(value):
    import json

    text = json.dumps(value)
    try:
        parsed = parse_json(text, max_depth=1000)
    except JSONInputError as exc:
        assert "surrogate" in str(exc)
        return
    assert parsed == value
