"""Property tests: malformed statements always raise StatementError (never anything else); valid variants pass."""
from __future__ import annotations

import copy
import string
from datetime import timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.xapi.validation import StatementError, validate_statement, validate_statements
from tests.xapi.test_validation_samples import ACCOUNT_AGENT, FULL, OPENID_AGENT, SHA1_AGENT, SUBSTATEMENT, set_path

# ---------------------------------------------------------------- building blocks

_SMALL_JSON = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.text(max_size=5))
NON_STRING = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                       st.lists(_SMALL_JSON, max_size=2), st.dictionaries(st.text(max_size=3), _SMALL_JSON, max_size=2))
NON_NUMBER = st.one_of(st.text(max_size=8), st.booleans(), st.lists(st.integers(), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                       st.sampled_from([float("inf"), float("-inf"), float("nan")]))
NON_BOOL = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                     st.lists(st.booleans(), max_size=2))
NON_OBJECT = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.text(max_size=8),
                       st.lists(_SMALL_JSON, max_size=2))
NON_LIST = st.one_of(st.integers(), st.booleans(), st.text(max_size=8),
                     st.dictionaries(st.text(max_size=3), _SMALL_JSON, max_size=2))

# Strings that are never IRIs: no scheme at all, a scheme not starting with a letter, or whitespace inside.
BAD_IRI_STRINGS = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "/._-#?", max_size=20),
    st.builds(lambda s, rest: s + ":" + rest, st.from_regex(r"[0-9+.=\-][a-z]{0,5}", fullmatch=True),
              st.text(max_size=10)),
    st.builds(lambda a, b: f"http://example.com/{a} {b}", st.text(max_size=5), st.text(max_size=5)),
    st.sampled_from(["ab=c://should.fail.com", "should error", "", ":", "http:", "http://", "mailto:", "//x.y"]),
)
BAD_IRI = st.one_of(BAD_IRI_STRINGS, NON_STRING)


def _poke(uuid_text: str, index: int, char: str) -> str:
    return uuid_text[:index] + char + uuid_text[index + 1:]


BAD_UUID = st.one_of(
    st.uuids().map(lambda u: str(u).replace("-", "")),
    st.uuids().map(lambda u: str(u) + "0"),
    st.uuids().map(lambda u: str(u)[:-1]),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.builds(_poke, st.uuids().map(str), st.integers(0, 35), st.sampled_from("ghzGZ _{}+")),
    st.text(max_size=35),
    NON_STRING,
)
BAD_TIMESTAMP = st.one_of(
    st.text(max_size=12),
    st.builds(lambda ts, junk: ts + junk, st.sampled_from(["2013-05-18T05:32:34.804Z", "2008-09-15T15:53:00+01:00"]),
              st.text(alphabet="xX !?T", min_size=1, max_size=3)),
    st.sampled_from(["01/011/2015", "2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000",
                     "2008-09-15T15:53:00.601-00:00", "2008-13-15T15:53:00Z", "2008-02-30T15:53:00Z",
                     "2008-09-15 15:53:00Z", "2008-09-15T25:53:00Z", "2008-09-15T15:53:00+24:00", "2008-09-15"]),
    NON_STRING,
)
BAD_DURATION = st.one_of(
    st.builds(lambda d, junk: d + junk, st.sampled_from(["PT1H", "P3Y", "P4W", "PT4H35M59.14S", "P1D"]),
              st.text(alphabet="xZW -T", min_size=1, max_size=3)),
    st.sampled_from(["PA1H0M0S", "P", "PT", "P1DT", "P4W1D", "pt1h", "PT1.5H30M", "-PT1H", "P0003-01-29T04:35:59",
                     "1H", "PT1H1H"]),
    st.text(alphabet="abcxyz ", max_size=5),
    NON_STRING,
)
BAD_LANGUAGE_TAG = st.one_of(
    st.from_regex(r"[a-z]{9,14}", fullmatch=True),
    st.from_regex(r"[a-z]{2}_[A-Z]{2}", fullmatch=True),
    st.from_regex(r"[a-hj-wyz]-[a-z]{2,8}", fullmatch=True),
    st.from_regex(r"[a-z]{2}--[a-z]{2}", fullmatch=True),
    st.from_regex(r"[a-z]{2}-[0-9]{3}-[A-Z]{2}-[A-Z]{2}", fullmatch=True),
    st.sampled_from(["", "en-", "-en", "de-419-DE", "a12345", "en US", "ar-a-aaa-b-bbb-a-ccc", "x", "x-"]),
)

# Paths into FULL (dotted; list indices as numbers) grouped by the type the spec requires there.
STRING_FIELDS = ["actor.name", "result.response", "context.revision", "context.platform", "context.language",
                 "object.definition.correctResponsesPattern.0", "context.instructor.account.name",
                 "object.definition.choices.0.id", "verb.display.en-US", "object.definition.name.en-US"]
NUMBER_FIELDS = ["result.score.scaled", "result.score.raw", "result.score.min", "result.score.max"]
BOOL_FIELDS = ["result.success", "result.completion"]
OBJECT_FIELDS = ["actor", "verb", "object", "result", "context", "result.score", "object.definition",
                 "context.contextActivities", "context.instructor", "context.team", "authority", "context.statement",
                 "attachments.0", "context.instructor.account", "object.definition.choices.0", "context.team.member.0",
                 "verb.display", "object.definition.name", "attachments.0.display", "result.extensions",
                 "context.extensions", "object.definition.extensions"]
LIST_FIELDS = ["attachments", "context.team.member", "object.definition.choices",
               "object.definition.correctResponsesPattern"]
IRI_FIELDS = ["verb.id", "object.id", "object.definition.type", "object.definition.moreInfo",
              "context.contextActivities.parent.0.id", "context.contextActivities.grouping.id",
              "attachments.0.usageType", "attachments.0.fileUrl", "context.instructor.account.homePage",
              "authority.account.homePage", "context.team.member.1.account.homePage"]
UUID_FIELDS = ["id", "context.registration", "context.statement.id"]
TIMESTAMP_FIELDS = ["timestamp", "stored"]
DURATION_FIELDS = ["result.duration"]
LANGMAP_FIELDS = ["verb.display", "object.definition.name", "object.definition.description", "attachments.0.display",
                  "attachments.0.description", "object.definition.choices.0.description"]
EXTENSION_FIELDS = ["result.extensions", "context.extensions", "object.definition.extensions"]
REQUIRED = ["actor", "verb", "object", "verb.id", "object.id", "context.instructor.account.name",
            "context.instructor.account.homePage", "attachments.0.usageType", "attachments.0.display",
            "attachments.0.contentType", "attachments.0.length", "attachments.0.sha2", "context.statement.id",
            "context.statement.objectType", "object.definition.choices.0.id", "context.team.objectType",
            "context.contextActivities.parent.0.id", "actor.mbox", "context.team.member"]
CLOSED_OBJECTS = ["", "actor", "verb", "object", "object.definition", "result", "result.score", "context",
                  "context.contextActivities", "attachments.0", "context.statement", "context.instructor.account",
                  "object.definition.choices.0", "context.team.member.0", "context.team", "authority"]
ALL_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version",
            "attachments", "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member", "display",
            "definition", "description", "type", "moreInfo", "extensions", "interactionType",
            "correctResponsesPattern", "choices", "scale", "source", "target", "steps", "score", "success",
            "completion", "response", "duration", "registration", "instructor", "team", "contextActivities",
            "revision", "platform", "language", "statement", "parent", "grouping", "category", "other", "scaled",
            "raw", "min", "max", "homePage", "usageType", "contentType", "length", "sha2", "fileUrl"}
NULLABLE_NOWHERE = sorted(set(STRING_FIELDS + NUMBER_FIELDS + BOOL_FIELDS + OBJECT_FIELDS + IRI_FIELDS + UUID_FIELDS
                              + TIMESTAMP_FIELDS + DURATION_FIELDS + LIST_FIELDS))


def _get(statement: dict, path: str) -> object:
    node: object = statement
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node


def _swap_case(text: str) -> list[str]:
    return [v for v in (text.lower(), text.upper(), text.swapcase(), text[:1].lower() + text[1:]) if v != text]


# ---------------------------------------------------------------- the malformed-statement strategy


@st.composite
def malformed(draw: st.DrawFn) -> dict:
    """A copy of a valid statement with exactly one MUST rule broken."""
    kind = draw(st.sampled_from([
        "wrong_string", "wrong_number", "wrong_bool", "wrong_object", "wrong_list", "bad_iri", "bad_uuid",
        "bad_timestamp", "bad_duration", "bad_language_key", "bad_language_value", "bad_extension_key", "delete",
        "extra_key", "null", "two_ifis", "object_type_case", "score_range", "substatement_forbidden",
        "nested_substatement", "voiding", "revision_platform", "component_list", "duplicate_components",
        "bad_version", "bad_authority", "bad_mbox", "bad_sha1", "interaction_type",
    ]))
    base = FULL
    if kind == "wrong_string":
        return set_path(base, draw(st.sampled_from(STRING_FIELDS)), draw(NON_STRING))
    if kind == "wrong_number":
        return set_path(base, draw(st.sampled_from(NUMBER_FIELDS)), draw(NON_NUMBER))
    if kind == "wrong_bool":
        return set_path(base, draw(st.sampled_from(BOOL_FIELDS)), draw(NON_BOOL))
    if kind == "wrong_object":
        return set_path(base, draw(st.sampled_from(OBJECT_FIELDS)), draw(NON_OBJECT))
    if kind == "wrong_list":
        return set_path(base, draw(st.sampled_from(LIST_FIELDS)), draw(NON_LIST))
    if kind == "bad_iri":
        return set_path(base, draw(st.sampled_from(IRI_FIELDS)), draw(BAD_IRI))
    if kind == "bad_uuid":
        return set_path(base, draw(st.sampled_from(UUID_FIELDS)), draw(BAD_UUID))
    if kind == "bad_timestamp":
        return set_path(base, draw(st.sampled_from(TIMESTAMP_FIELDS)), draw(BAD_TIMESTAMP))
    if kind == "bad_duration":
        return set_path(base, draw(st.sampled_from(DURATION_FIELDS)), draw(BAD_DURATION))
    if kind == "bad_language_key":
        path = draw(st.sampled_from(LANGMAP_FIELDS))
        return set_path(base, path, {**_get(base, path), draw(BAD_LANGUAGE_TAG): draw(st.text(max_size=5))})
    if kind == "bad_language_value":
        path = draw(st.sampled_from(LANGMAP_FIELDS))
        return set_path(base, path, {"en-GB": draw(st.one_of(st.none(), NON_STRING))})
    if kind == "bad_extension_key":
        path = draw(st.sampled_from(EXTENSION_FIELDS))
        return set_path(base, path, {draw(BAD_IRI_STRINGS): draw(st.one_of(st.none(), _SMALL_JSON))})
    if kind == "delete":
        return set_path(base, draw(st.sampled_from(REQUIRED)), ...)
    if kind == "extra_key":
        path = draw(st.sampled_from(CLOSED_OBJECTS))
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in ALL_KEYS))
        target = copy.deepcopy(_get(base, path) if path else base)
        target[key] = draw(_SMALL_JSON)
        return set_path(base, path, target) if path else target
    if kind == "null":
        return set_path(base, draw(st.sampled_from(NULLABLE_NOWHERE)), None)
    if kind == "two_ifis":
        path = draw(st.sampled_from(["actor", "context.team.member.0", "authority", "context.instructor"]))
        extra = draw(st.sampled_from([SHA1_AGENT, OPENID_AGENT, {"mbox": "mailto:other@example.com"}]))
        target = {**_get(base, path), **extra}
        if "account" in target and "account" in extra:
            target["openid"] = "http://openid.example.org/x"
        if len([k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in target]) < 2:
            target.update(ACCOUNT_AGENT)
        return set_path(base, path, target)
    if kind == "object_type_case":
        path, value = draw(st.sampled_from([("actor.objectType", "Agent"), ("object.objectType", "Activity"),
                                            ("context.team.objectType", "Group"),
                                            ("context.statement.objectType", "StatementRef"),
                                            ("authority.objectType", "Agent")]))
        return set_path(base, path, draw(st.sampled_from(_swap_case(value))))
    if kind == "score_range":
        score = draw(st.one_of(
            st.floats(min_value=1, exclude_min=True, allow_infinity=False).map(lambda x: {"scaled": x}),
            st.floats(max_value=-1, exclude_max=True, allow_infinity=False).map(lambda x: {"scaled": x}),
            st.tuples(st.integers(-1000, 1000), st.integers(1, 1000)).map(lambda t: {"min": t[0], "raw": t[0] - t[1]}),
            st.tuples(st.integers(-1000, 1000), st.integers(1, 1000)).map(lambda t: {"max": t[0], "raw": t[0] + t[1]}),
            st.tuples(st.integers(-1000, 1000), st.integers(0, 1000)).map(lambda t: {"min": t[0], "max": t[0] - t[1]}),
        ))
        return set_path(base, "result.score", score)
    if kind == "substatement_forbidden":
        key, value = draw(st.sampled_from([("id", FULL["id"]), ("stored", FULL["stored"]), ("version", "1.0.0"),
                                           ("authority", FULL["authority"])]))
        return set_path(SUBSTATEMENT, f"object.{key}", value)
    if kind == "nested_substatement":
        return set_path(SUBSTATEMENT, "object.object", copy.deepcopy(SUBSTATEMENT["object"]))
    if kind == "voiding":
        return set_path(base, "verb.id", "http://adlnet.gov/expapi/verbs/voided")
    if kind == "revision_platform":
        obj = draw(st.sampled_from([{"objectType": "Agent", "mbox": "mailto:a@example.com"}, FULL["context"]["team"],
                                    {"objectType": "StatementRef", "id": FULL["id"]}, SUBSTATEMENT["object"]]))
        return set_path(base, "object", obj)
    if kind == "component_list":
        itype, key = draw(st.sampled_from([("true-false", "choices"), ("fill-in", "scale"), ("numeric", "steps"),
                                           ("choice", "source"), ("likert", "target"), ("other", "choices"),
                                           ("matching", "scale"), ("performance", "choices")]))
        definition = {"interactionType": itype, key: [{"id": "a"}]}
        return set_path(base, "object.definition", definition)
    if kind == "duplicate_components":
        ident = draw(st.text(max_size=4))
        return set_path(base, "object.definition.choices", [{"id": ident}, {"id": "z" * 5}, {"id": ident}])
    if kind == "bad_version":
        version = draw(st.one_of(st.sampled_from(["0.9.9", "1.1.0", "2.0.0", "1", "1.0.", "v1.0.0", ""]),
                                 st.text(alphabet="0123456789.", max_size=6).filter(lambda v: not v.startswith("1.0")),
                                 NON_STRING))
        return set_path(base, "version", version)
    if kind == "bad_authority":
        authority = draw(st.sampled_from([
            {"objectType": "Group", "member": [SHA1_AGENT]},
            {"objectType": "Group", "member": [SHA1_AGENT, OPENID_AGENT, ACCOUNT_AGENT]},
            {"objectType": "Group", "openid": "http://x.example/g", "member": [SHA1_AGENT, OPENID_AGENT]},
            {"name": "no ifi"}]))
        return set_path(base, "authority", authority)
    if kind == "bad_mbox":
        mbox = draw(st.one_of(st.emails(), st.text(max_size=10).map(lambda t: "mailto:" + t.replace("@", "")),
                              st.emails().map(lambda e: "MAILTO:" + e), NON_STRING))
        return set_path(base, "actor.mbox", mbox)
    if kind == "bad_sha1":
        value = draw(st.one_of(st.text(alphabet="0123456789abcdef", max_size=39),
                               st.text(alphabet="0123456789abcdef", min_size=41, max_size=45),
                               st.text(alphabet="ghijkl", min_size=40, max_size=40), NON_STRING))
        return set_path(base, "context.team.member.1", {"mbox_sha1sum": value})
    # interaction_type
    value = draw(st.one_of(st.text(max_size=12).filter(lambda t: t not in {
        "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
        "numeric", "other"}), NON_STRING))
    return set_path(base, "object.definition.interactionType", value)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_every_malformed_statement_raises_statement_error(statement: dict) -> None:
    with pytest.raises(StatementError) as caught:
        validate_statement(statement)
    assert caught.value.rule
    assert str(caught.value)


# ---------------------------------------------------------------- arbitrary JSON never crashes

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _paths(value: object, prefix: str = "") -> list[str]:
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.append(path)
            out.extend(_paths(item, path))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            path = f"{prefix}.{i}" if prefix else str(i)
            out.append(path)
            out.extend(_paths(item, path))
    return out


_FULL_PATHS = [p for p in _paths(FULL) if "://" not in p]  # extension IRIs contain dots; set_path can't walk them
_SUB_PATHS = [p for p in _paths(SUBSTATEMENT) if "://" not in p]


def _only_statement_errors(payload: object, validate=validate_statement) -> None:
    try:
        validate(payload)
    except StatementError as error:
        assert error.rule
    # any other exception propagates and fails the test


@settings(max_examples=1000, deadline=None)
@given(JSON)
def test_arbitrary_json_raises_only_statement_error(value: object) -> None:
    _only_statement_errors(value)
    _only_statement_errors(value, validate_statements)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["full", "sub"]), st.data(), JSON)
def test_arbitrary_json_anywhere_in_a_statement_raises_only_statement_error(base: str, data: st.DataObject,
                                                                           value: object) -> None:
    statement, paths = (FULL, _FULL_PATHS) if base == "full" else (SUBSTATEMENT, _SUB_PATHS)
    _only_statement_errors(set_path(statement, data.draw(st.sampled_from(paths)), value))


# ---------------------------------------------------------------- valid variants pass

_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
_TAGS = st.sampled_from(["en", "en-US", "de-CH-1901", "zh-Hant", "sr-Latn-RS", "x-private", "i-klingon", "es-419"])


@settings(max_examples=300, deadline=None)
@given(
    st.uuids(), st.uuids(),
    st.datetimes(timezones=_OFFSETS), st.emails(),
    st.floats(-1, 1), st.tuples(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.floats(0, 1e6)),
    st.dictionaries(_TAGS, st.text(max_size=10), max_size=4),
    st.booleans(),
)
def test_generated_valid_statements_are_accepted(sid, registration, when, email, scaled, bounds, names, upper) -> None:
    low, up, frac = bounds
    low, high = low, low + up + 1
    raw = low + min(frac, high - low)
    statement = set_path(FULL, "id", str(sid).upper() if upper else str(sid))
    statement = set_path(statement, "context.registration", str(registration))
    statement = set_path(statement, "timestamp", when.isoformat())
    statement = set_path(statement, "actor.mbox", "mailto:" + email)
    statement = set_path(statement, "result.score", {"scaled": scaled, "min": low, "max": high, "raw": raw})
    statement = set_path(statement, "object.definition.name", names)
    validate_statement(statement)
