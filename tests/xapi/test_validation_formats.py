"""The string formats behind statement validation: IRIs, UUIDs, timestamps, durations, language tags, agents."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lms.xapi.iri import is_irl, is_mailto_iri, is_media_type
from lms.xapi.langtags import is_language_tag
from lms.xapi.validation import (
    StatementError,
    agent_ifi,
    is_iri,
    is_uuid,
    parse_timestamp,
    validate_agent,
    validate_duration,
)
from tests.xapi.test_validation_samples import ACCOUNT_AGENT, AGENT, ANON_GROUP, IDENTIFIED_GROUP


@pytest.mark.parametrize("value", [
    "http://example.com", "https://example.com/a/b?c=d#e", "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "tag:example.com,2024:x", "mailto:a@b.c", "http://example.com/فعل/خواندن", "HTTP://EXAMPLE.COM",
    "http://user@host:8080/p%20q", "file:///tmp/x",
])
def test_iri_with_scheme_is_accepted(value: str) -> None:
    assert is_iri(value) and is_irl(value)


@pytest.mark.parametrize("value", [
    "", "example.com", "/relative/path", "#fragment", "ab=c://should.fail.com", "1http://x.y", "http://",
    "http:example", "http://exa mple.com", "http://example.com/<tag>", "http://example.com/%zz", "should error",
    None, 5, ["http://x.y"],
])
def test_non_iri_is_rejected(value: object) -> None:
    assert not is_iri(value)


@pytest.mark.parametrize(("value", "ok"), [
    ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", True), ("FD41C918-B88B-4B20-A0A5-A4C32391AAA0", True),
    ("00000000-0000-0000-0000-000000000000", True), ("fd41c918b88b4b20a0a5a4c32391aaa0", False),
    ("AA97B177-9383-4934-8543-0F91A7A028368", False), ("MA97B177-9383-4934-8543-0F91A7A02836", False),
    ("{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}", False), ("urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0", False),
    ("", False), (12345, False),
])
def test_uuid_must_be_in_standard_string_form(value: object, ok: bool) -> None:
    assert is_uuid(value) is ok


@pytest.mark.parametrize(("value", "expected"), [
    ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)),
    ("2013-05-18T05:32:34Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
    ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=UTC)),
    ("2013-05-18T05:32:34.123456789+00:00", datetime(2013, 5, 18, 5, 32, 34, 123456, tzinfo=UTC)),
    ("2013-05-18T05:32:34,5+05:30", datetime(2013, 5, 18, 5, 32, 34, 500000, tzinfo=timezone(timedelta(hours=5.5)))),
    ("2013-05-18T05:32:34-0700", datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone(timedelta(hours=-7)))),
    ("2013-05-18T05:32:34+01", datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone(timedelta(hours=1)))),
    ("20130518T053234Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
    ("2013-05-18T05:32:34", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
])
def test_timestamp_parses_to_an_aware_datetime(value: str, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected and parsed.tzinfo is not None


@pytest.mark.parametrize("value", [
    "2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000", "2008-09-15T15:53:00.601-00:00", "01/011/2015",
    "should fail", "2008-09-15", "2008-09-15T15:53:00+25:00", "2008-09-15T15:60:00Z", "2008-02-30T00:00:00Z",
    "2008-09-15t15:53:00z", " 2008-09-15T15:53:00Z", "2008-09-15T15:53:00Z ", None, 1221494000,
])
def test_invalid_timestamp_raises_statement_error_with_given_path(value: object) -> None:
    with pytest.raises(StatementError) as caught:
        parse_timestamp(value, path="stored")
    assert caught.value.path == "stored"


@pytest.mark.parametrize("value", ["PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT0S",
                                   "P1DT1H", "PT1H0M0.1S", "P0.5Y", "PT1,5S"])
def test_iso8601_durations_are_accepted(value: str) -> None:
    validate_duration(value)


@pytest.mark.parametrize("value", ["PA1H0M0S", "P", "PT", "P1DT", "P4W1D", "pt1h", "-PT1H", "P0003-01-29T04:35:59",
                                   "1H", "PT1.5H30M", "P1M1Y", "PT1S1M", "", 60])
def test_invalid_durations_are_rejected(value: object) -> None:
    with pytest.raises(StatementError):
        validate_duration(value)


@pytest.mark.parametrize(("tag", "ok"), [
    ("en", True), ("en-US", True), ("zh-cmn-Hans-CN", True), ("de-CH-1901", True), ("i-enochian", True),
    ("x-whatever", True), ("en-a-bbb-x-a-ccc", True), ("EN-us", True), ("es-419", True), ("sgn-BE-FR", True),
    ("de-419-DE", False), ("a-DE", False), ("ar-a-aaa-b-bbb-a-ccc", False), ("de-1901-1901", False),
    ("en_US", False), ("", False), ("toolongprimary", False), ("en-", False), (5, False), ("ça", False),
])
def test_language_tags_follow_rfc5646_syntax(tag: object, ok: bool) -> None:
    assert is_language_tag(tag) is ok


@pytest.mark.parametrize(("value", "ok"), [
    ("mailto:ada@example.com", True), ("mailto:first.last+tag@sub.example.co.uk", True),
    ("mailto:should.fail.com", False), ("ada@example.com", False), ("MAILTO:ada@example.com", False),
    ("mailto:a b@example.com", False), ("mailto:", False), ("mailto:a@b@c", False),
])
def test_mbox_must_be_a_mailto_iri(value: str, ok: bool) -> None:
    assert is_mailto_iri(value) is ok


@pytest.mark.parametrize(("value", "ok"), [
    ("text/plain", True), ("text/plain; charset=ascii", True), ('multipart/mixed; boundary="a b"', True),
    ("application/octet-stream", True), ("should fail", False), ("text/", False), ("text", False), ("", False),
])
def test_content_type_must_be_a_media_type(value: str, ok: bool) -> None:
    assert is_media_type(value) is ok


@pytest.mark.parametrize(("agent", "key"), [
    ({"mbox": "mailto:Ada@Example.COM"}, "mbox:mailto:Ada@example.com"),
    ({"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
     "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975"),
    ({"openid": "http://openid.example.org/12345"}, "openid:http://openid.example.org/12345"),
    (ACCOUNT_AGENT, "account:http://lms.example.com|u-1625378"),
    (IDENTIFIED_GROUP, "openid:http://openid.example.org/team-a"),
    (ANON_GROUP, "members:account:http://lms.example.com|u-1625378,mbox:mailto:ada@example.com"),
])
def test_agent_ifi_is_a_canonical_key(agent: dict, key: str) -> None:
    assert agent_ifi(agent) == key


def test_agent_ifi_of_an_agent_without_identifier_raises() -> None:
    with pytest.raises(StatementError):
        agent_ifi({"name": "Nobody"})
    with pytest.raises(StatementError):
        agent_ifi("mailto:a@b.c")  # type: ignore[arg-type]


def test_validate_agent_accepts_agents_and_identified_groups_only_when_allowed() -> None:
    validate_agent(AGENT)
    validate_agent(ACCOUNT_AGENT)
    validate_agent(IDENTIFIED_GROUP, allow_group=True)
    with pytest.raises(StatementError) as caught:
        validate_agent(IDENTIFIED_GROUP)
    assert caught.value.path == "agent.objectType"
    with pytest.raises(StatementError) as caught:
        validate_agent(ANON_GROUP, allow_group=True)
    assert "identified Group" in caught.value.rule


@pytest.mark.parametrize(("agent", "path"), [
    ({"mbox": "a@b.c"}, "agent.mbox"), ({}, "agent"), ({**AGENT, "openid": "http://x.y/z"}, "agent"),
    ({**AGENT, "extra": 1}, "agent.extra"), ("mailto:a@b.c", "agent"), (None, "agent"),
])
def test_validate_agent_rejects_invalid_agents(agent: object, path: str) -> None:
    with pytest.raises(StatementError) as caught:
        validate_agent(agent)
    assert caught.value.path == path
