"""The one way JSON from a client is read: strict UTF-8, no NaN/Infinity, bounded nesting, no lone surrogates.

Every endpoint that accepts JSON (the xAPI resources, /api/verify, bulk and file verification) reads it here,
so a body that could later break a page or a query (a lone UTF-16 surrogate cannot be encoded as UTF-8; a
thousand-level nest overflows the recursion of anything that walks it) is refused at the door with a 400 that
names the problem, and is never stored.
"""
from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONInputError(ValueError):
    """Client JSON that is refused; str(exc) is a sentence fit for a 400 response."""


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json(data: bytes | str, *, what: str = "The body", max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse client JSON or raise JSONInputError("<what> ...").

    `max_depth` counts containers: `{"a": [1]}` is 2 deep. Scalars at the top are depth 0.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONInputError(f"{what} is not valid UTF-8 (byte {exc.start}).") from None
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise JSONInputError(f"{what} is nested more than {max_depth} levels deep.") from None
    except ValueError as exc:
        raise JSONInputError(f"{what} is not valid JSON: {_reason(exc)}") from None
    check_value(value, what=what, max_depth=max_depth)
    return value


def check_value(value: Any, *, what: str = "The body", max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Walk a decoded value without recursion: refuse deep nesting and strings that are not valid Unicode."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, what)
        elif isinstance(item, dict | list):
            if depth + 1 > max_depth:
                raise JSONInputError(f"{what} is nested more than {max_depth} levels deep.")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key, what)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str, what: str) -> None:
    if _SURROGATE.search(text):
        raise JSONInputError(f"{what} contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not valid "
                             "Unicode text.")


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})."
    return f"{exc}."
