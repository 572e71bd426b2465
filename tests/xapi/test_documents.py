"""The State, Activity Profile and Agent Profile resources (xAPI Communication 2.2, 2.3, 2.6, 2.7, 3.1)."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from tests.conftest import LRS, XAPI_VERSION

ACTIVITY = "http://www.example.com/activityId/hashset"
AGENT = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}
OTHER_AGENT = {"objectType": "Agent", "mbox": "mailto:other@example.org"}


def url(path: str, **params) -> str:
    """A resource path with query parameters; dict values (agents) are sent as JSON."""
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(encoded)}" if encoded else path


def state_url(state_id: str | None = "s1", *, activity: str = ACTIVITY, agent: dict | str = AGENT, **extra) -> str:
    return url("/activities/state", activityId=activity, agent=agent, stateId=state_id, **extra)


def activity_profile_url(profile_id: str | None = "p1", *, activity: str = ACTIVITY, **extra) -> str:
    return url("/activities/profile", activityId=activity, profileId=profile_id, **extra)


def agent_profile_url(profile_id: str | None = "p1", *, agent: dict | str = AGENT, **extra) -> str:
    return url("/agents/profile", agent=agent, profileId=profile_id, **extra)


def error(response) -> str:
    return response.get_json()["error"]["message"]


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@pytest.fixture
def clock(monkeypatch):
    """Control the time documents are stamped with: clock.now is what the store sees."""
    from lms.xapi import documents

    class Clock:
        now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

        def advance(self, **delta):
            self.now = self.now + timedelta(**delta)
            return self.now

    value = Clock()
    monkeypatch.setattr(documents, "utcnow", lambda: value.now)
    return value


# ---------------------------------------------------------------- State: single documents


def test_state_put_then_get_returns_the_stored_bytes_with_type_etag_and_last_modified(lrs, clock):
    body = json.dumps({"x": "foo", "y": "bar"}).encode()
    response = lrs.put(state_url(), data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.get_data() == b""

    response = lrs.get(state_url())
    assert response.status_code == 200
    assert response.get_data() == body
    assert response.mimetype == "application/json"
    assert response.headers["ETag"] == f'"{sha1(body)}"'
    assert response.headers["Last-Modified"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_state_keeps_non_json_documents_byte_for_byte_with_their_content_type(lrs):
    body = bytes(range(256))
    assert lrs.put(state_url(), data=body, headers={"Content-Type": "application/octet-stream"}).status_code == 204
    response = lrs.get(state_url())
    assert response.get_data() == body
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["ETag"] == f'"{sha1(body)}"'


def test_state_put_without_content_type_is_stored_as_octet_stream(lrs):
    response = lrs.client.put("/xapi" + state_url(), data=b"raw", headers=lrs.headers)
    assert response.status_code == 204
    assert lrs.get(state_url()).headers["Content-Type"] == "application/octet-stream"


def test_state_put_replaces_an_existing_document_without_concurrency_headers(lrs):
    assert lrs.put(state_url(), json={"a": 1}).status_code == 204
    assert lrs.put(state_url(), json={"b": 2}).status_code == 204
    assert lrs.get(state_url()).get_json() == {"b": 2}


def test_state_get_of_a_missing_document_is_404(lrs):
    response = lrs.get(state_url("nothing-here"))
    assert response.status_code == 404
    assert "No document" in error(response)


def test_state_head_answers_like_get_without_a_body(lrs):
    lrs.put(state_url(), json={"a": 1})
    response = lrs.request("HEAD", state_url())
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["ETag"] == lrs.get(state_url()).headers["ETag"]


def test_state_get_with_a_state_id_ignores_since(lrs):
    lrs.put(state_url(), json={"a": 1})
    response = lrs.get(state_url(since="2999-01-01T00:00:00Z"))
    assert response.status_code == 200
    assert response.get_json() == {"a": 1}


def test_state_agent_is_matched_by_its_identifier_not_its_spelling(lrs):
    lrs.put(state_url(agent={"mbox": "mailto:Learner@Example.ORG", "name": "Learner"}), json={"a": 1})
    same = {"objectType": "Agent", "mbox": "mailto:Learner@example.org"}
    assert lrs.get(state_url(agent=same)).get_json() == {"a": 1}
    assert lrs.get(state_url(agent={"mbox": "mailto:learner@example.org"})).status_code == 404


def test_state_documents_are_separate_per_activity_and_agent(lrs):
    other = "http://www.example.com/activityId/other"
    lrs.put(state_url(), json={"who": "first"})
    lrs.put(state_url(agent=OTHER_AGENT), json={"who": "other agent"})
    lrs.put(state_url(activity=other), json={"who": "other activity"})
    assert lrs.get(state_url()).get_json() == {"who": "first"}
    assert lrs.get(state_url(agent=OTHER_AGENT)).get_json() == {"who": "other agent"}
    assert lrs.get(state_url(activity=other)).get_json() == {"who": "other activity"}


# ---------------------------------------------------------------- State: registration


def test_state_registration_separates_documents_with_the_same_state_id(lrs):
    registration = str(uuid.uuid4())
    lrs.put(state_url(), json={"slot": "none"})
    lrs.put(state_url(registration=registration), json={"slot": "registered"})
    assert lrs.get(state_url()).get_json() == {"slot": "none"}
    assert lrs.get(state_url(registration=registration)).get_json() == {"slot": "registered"}
    assert lrs.get(state_url(registration=str(uuid.uuid4()))).status_code == 404


def test_state_registration_is_case_insensitive(lrs):
    registration = str(uuid.uuid4())
    lrs.put(state_url(registration=registration.upper()), json={"a": 1})
    assert lrs.get(state_url(registration=registration)).get_json() == {"a": 1}


def test_state_ids_with_a_registration_list_only_that_registration(lrs):
    registration = str(uuid.uuid4())
    lrs.put(state_url("plain"), json={})
    lrs.put(state_url("registered", registration=registration), json={})
    assert lrs.get(state_url(None, registration=registration)).get_json() == ["registered"]
    assert sorted(lrs.get(state_url(None)).get_json()) == ["plain", "registered"]


# ---------------------------------------------------------------- State: POST merge (Communication 2.2)


def test_state_post_of_a_new_document_stores_it_like_put(lrs):
    assert lrs.post(state_url(), json={"x": "foo"}).status_code == 204
    assert lrs.get(state_url()).get_json() == {"x": "foo"}


def test_state_post_merges_top_level_properties_into_the_existing_json_object(lrs):
    lrs.post(state_url(), json={"x": "foo", "y": "bar", "nested": {"keep": 1, "drop": 2}})
    assert lrs.post(state_url(), json={"x": "bash", "z": "faz", "nested": {"new": 3}}).status_code == 204
    response = lrs.get(state_url())
    assert response.get_json() == {"x": "bash", "y": "bar", "z": "faz", "nested": {"new": 3}}
    assert response.mimetype == "application/json"
    assert response.headers["ETag"] == f'"{sha1(response.get_data())}"'


def test_state_post_accepts_non_object_documents_when_nothing_exists_yet(lrs):
    first = lrs.post(state_url("one"), data="1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    second = lrs.post(state_url("two"), data="true", headers={"Content-Type": "application/json"})
    assert (first.status_code, second.status_code) == (204, 204)
    assert lrs.get(state_url("two")).get_json() is True


@pytest.mark.parametrize(("body", "content_type"), [
    ("abc", "application/x-www-form-urlencoded"),
    ("abcdefg", "not/json"),
    ('{"a": 1}{', "application/json"),
    ("[1, 2]", "application/json"),
    ('"text"', "application/json"),
])
def test_state_post_onto_a_json_document_needs_a_json_object_and_changes_nothing_otherwise(lrs, body, content_type):
    lrs.post(state_url(), json={"car": "Honda"})
    etag = lrs.get(state_url()).headers["ETag"]
    response = lrs.post(state_url(), data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert error(response)
    after = lrs.get(state_url())
    assert after.get_json() == {"car": "Honda"}
    assert after.headers["ETag"] == etag


def test_state_post_json_onto_a_non_json_document_is_400_and_changes_nothing(lrs):
    lrs.put(state_url(), data="/ asdf / undefined", headers={"Content-Type": "application/octet-stream"})
    response = lrs.post(state_url(), json={"a": 1})
    assert response.status_code == 400
    assert "application/octet-stream" in error(response)
    assert lrs.get(state_url()).get_data(as_text=True) == "/ asdf / undefined"


def test_state_post_onto_a_json_document_that_is_not_an_object_is_400(lrs):
    lrs.put(state_url(), data="[1]", headers={"Content-Type": "application/json"})
    response = lrs.post(state_url(), json={"a": 1})
    assert response.status_code == 400
    assert "existing document" in error(response)


def test_state_post_of_invalid_json_labelled_json_is_400_even_for_a_new_document(lrs):
    response = lrs.post(state_url(), data="{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert lrs.get(state_url()).status_code == 404


def test_state_post_merge_accepts_json_with_a_charset_parameter(lrs):
    lrs.put(state_url(), data='{"a": 1}', headers={"Content-Type": "application/json; charset=utf-8"})
    assert lrs.post(state_url(), data='{"b": 2}',
                    headers={"Content-Type": "application/json;charset=UTF-8"}).status_code == 204
    assert lrs.get(state_url()).get_json() == {"a": 1, "b": 2}


# ---------------------------------------------------------------- State: ids and since


def test_state_get_without_state_id_lists_the_ids_as_a_json_array(lrs, clock):
    lrs.put(state_url("a"), json={})
    clock.advance(seconds=5)
    lrs.put(state_url("b"), json={})
    lrs.put(state_url("c", agent=OTHER_AGENT), json={})
    response = lrs.get(state_url(None))
    assert response.status_code == 200
    assert response.get_json() == ["a", "b"]
    assert response.headers["Last-Modified"] == "Wed, 01 May 2024 12:00:05 GMT"
    assert response.headers["ETag"] == f'"{sha1(response.get_data())}"'


def test_state_ids_of_an_empty_context_is_an_empty_array(lrs):
    response = lrs.get(state_url(None))
    assert response.status_code == 200
    assert response.get_json() == []
    assert "Last-Modified" not in response.headers


def test_state_since_lists_only_documents_updated_strictly_after_it(lrs, clock):
    lrs.put(state_url("old"), json={})
    boundary = clock.advance(seconds=10)
    lrs.put(state_url("at-boundary"), json={})
    clock.advance(seconds=10)
    lrs.put(state_url("new"), json={})
    clock.advance(seconds=10)
    lrs.post(state_url("old"), json={"touched": True})  # an update counts as stored again
    since = boundary.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert lrs.get(state_url(None, since=since)).get_json() == ["new", "old"]
    offset = (boundary + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert lrs.get(state_url(None, since=offset)).get_json() == ["new", "old"]


# ---------------------------------------------------------------- State: DELETE


def test_state_delete_with_a_state_id_removes_only_that_document(lrs):
    lrs.put(state_url("a"), json={})
    lrs.put(state_url("b"), json={})
    assert lrs.delete(state_url("a")).status_code == 204
    assert lrs.get(state_url("a")).status_code == 404
    assert lrs.get(state_url(None)).get_json() == ["b"]


def test_state_delete_of_a_missing_document_is_204(lrs):
    assert lrs.delete(state_url("never")).status_code == 204


def test_state_delete_without_state_id_removes_all_documents_of_the_activity_and_agent(lrs):
    registration = str(uuid.uuid4())
    lrs.put(state_url("a"), json={})
    lrs.put(state_url("b", registration=registration), json={})
    lrs.put(state_url("kept", agent=OTHER_AGENT), json={})
    lrs.put(state_url("kept", activity="http://www.example.com/activityId/other"), json={})
    assert lrs.delete(state_url(None)).status_code == 204
    assert lrs.get(state_url(None)).get_json() == []
    assert lrs.get(state_url("kept", agent=OTHER_AGENT)).status_code == 200
    assert lrs.get(state_url("kept", activity="http://www.example.com/activityId/other")).status_code == 200


def test_state_delete_all_with_a_registration_keeps_other_registrations(lrs):
    registration, other = str(uuid.uuid4()), str(uuid.uuid4())
    lrs.put(state_url("a", registration=registration), json={})
    lrs.put(state_url("b", registration=registration), json={})
    lrs.put(state_url("a", registration=other), json={})
    lrs.put(state_url("plain"), json={})
    assert lrs.delete(state_url(None, registration=registration)).status_code == 204
    assert lrs.get(state_url(None, registration=registration)).get_json() == []
    assert lrs.get(state_url("a", registration=other)).status_code == 200
    assert lrs.get(state_url("plain")).status_code == 200


# ---------------------------------------------------------------- State: concurrency (Communication 3.1)


def test_state_put_with_the_current_etag_in_if_match_succeeds(lrs):
    lrs.put(state_url(), json={"v": 1})
    etag = lrs.get(state_url()).headers["ETag"]
    assert lrs.put(state_url(), json={"v": 2}, headers={"If-Match": etag}).status_code == 204
    assert lrs.get(state_url()).get_json() == {"v": 2}


def test_state_put_with_a_stale_if_match_is_412_and_changes_nothing(lrs):
    lrs.put(state_url(), json={"v": 1})
    response = lrs.put(state_url(), json={"v": 2}, headers={"If-Match": '"1111111111111111111111111111111111111111"'})
    assert response.status_code == 412
    assert "If-Match" in error(response)
    assert lrs.get(state_url()).get_json() == {"v": 1}


def test_state_put_with_if_match_on_a_missing_document_is_412(lrs):
    assert lrs.put(state_url(), json={"v": 1}, headers={"If-Match": "*"}).status_code == 412
    assert lrs.get(state_url()).status_code == 404


def test_state_put_with_if_none_match_star_creates_but_never_overwrites(lrs):
    assert lrs.put(state_url(), json={"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    response = lrs.put(state_url(), json={"v": 2}, headers={"If-None-Match": "*"})
    assert response.status_code == 412
    assert lrs.get(state_url()).get_json() == {"v": 1}


def test_state_if_match_accepts_weak_and_listed_etags(lrs):
    lrs.put(state_url(), json={"v": 1})
    etag = lrs.get(state_url()).headers["ETag"]
    assert lrs.put(state_url(), json={"v": 2}, headers={"If-Match": f'"abc", W/{etag}'}).status_code == 204


def test_state_post_and_delete_honour_if_match(lrs):
    lrs.put(state_url(), json={"v": 1})
    stale = '"' + "0" * 40 + '"'
    assert lrs.post(state_url(), json={"w": 2}, headers={"If-Match": stale}).status_code == 412
    assert lrs.delete(state_url(), headers={"If-Match": stale}).status_code == 412
    assert lrs.get(state_url()).get_json() == {"v": 1}
    etag = lrs.get(state_url()).headers["ETag"]
    assert lrs.post(state_url(), json={"w": 2}, headers={"If-Match": etag}).status_code == 204
    etag = lrs.get(state_url()).headers["ETag"]
    assert lrs.delete(state_url(), headers={"If-Match": etag}).status_code == 204
    assert lrs.get(state_url()).status_code == 404


def test_state_post_with_if_none_match_star_on_an_existing_document_is_412(lrs):
    lrs.put(state_url(), json={"v": 1})
    assert lrs.post(state_url(), json={"w": 2}, headers={"If-None-Match": "*"}).status_code == 412
    assert lrs.get(state_url()).get_json() == {"v": 1}


# ---------------------------------------------------------------- State: parameter errors


BAD_STATE_REQUESTS = [
    ("missing activityId", "PUT", url("/activities/state", agent=AGENT, stateId="s"), "activityId"),
    ("activityId not an IRI", "PUT", state_url(activity="1"), "activityId"),
    ("activityId true", "GET", state_url(activity="true"), "activityId"),
    ("activityId undefined", "POST", state_url(activity="undefined"), "activityId"),
    ("activityId object", "DELETE", state_url(activity='{"key": "value"}'), "activityId"),
    ("missing agent", "GET", url("/activities/state", activityId=ACTIVITY, stateId="s"), "agent"),
    ("agent not JSON", "PUT", state_url(agent="not JSON"), "agent"),
    ("agent a number", "POST", state_url(agent="1"), "agent"),
    ("agent true", "DELETE", state_url(agent="true"), "agent"),
    ("agent without identifier", "GET", state_url(agent={"objectType": "Agent"}), "agent"),
    ("agent with unknown key", "GET", state_url(agent={"not_actor": "yup"}), "agent"),
    ("agent a group", "PUT", state_url(agent={"objectType": "Group", "mbox": "mailto:g@example.org"}), "agent"),
    ("registration not a UUID", "PUT", state_url(registration="not UUID"), "registration"),
    ("registration true", "GET", state_url(registration="true"), "registration"),
    ("registration 1", "DELETE", state_url(registration="1"), "registration"),
    ("missing stateId on PUT", "PUT", state_url(None), "stateId"),
    ("missing stateId on POST", "POST", state_url(None), "stateId"),
    ("empty stateId", "GET", state_url(""), "stateId"),
    ("since not a timestamp", "GET", state_url(None, since="not a timestamp"), "since"),
    ("since true", "GET", state_url(None, since="true"), "since"),
    ("since on DELETE", "DELETE", state_url(None, since="2024-01-01T00:00:00Z"), "since"),
    ("since on PUT", "PUT", state_url(since="2024-01-01T00:00:00Z"), "since"),
    ("unknown parameter", "GET", state_url(profileId="x"), "profileId"),
    ("repeated parameter", "GET", state_url() + "&stateId=again", "stateId"),
]


@pytest.mark.parametrize(("method", "path", "named"), [r[1:] for r in BAD_STATE_REQUESTS],
                         ids=[r[0] for r in BAD_STATE_REQUESTS])
def test_state_rejects_bad_parameters_with_400_naming_the_parameter(lrs, method, path, named):
    response = lrs.request(method, path, json={"a": 1} if method in ("PUT", "POST") else None)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert named in error(response)


def test_state_rejects_an_agent_parameter_with_broken_url_encoding(lrs):
    agent = urlencode({"agent": json.dumps(AGENT)})[len("agent="):].replace("%3A", "%22", 1)
    path = "/activities/state?" + urlencode({"activityId": ACTIVITY, "stateId": "s"}) + "&agent=" + agent
    assert lrs.post(path, json={"a": 1}).status_code == 400


def test_state_bad_request_changes_nothing(lrs):
    lrs.put(state_url(), json={"a": 1})
    assert lrs.put(state_url(registration="nope"), json={"b": 2}).status_code == 400
    assert lrs.get(state_url()).get_json() == {"a": 1}


# ---------------------------------------------------------------- Activity Profile


def test_activity_profile_put_needs_if_none_match_or_if_match_when_new(lrs):
    response = lrs.put(activity_profile_url(), json={"a": 1})
    assert response.status_code == 400
    assert "If-Match" in error(response) and "If-None-Match" in error(response)
    assert lrs.get(activity_profile_url()).status_code == 404
    assert lrs.put(activity_profile_url(), json={"a": 1}, headers={"If-None-Match": "*"}).status_code == 204
    response = lrs.get(activity_profile_url())
    assert response.get_json() == {"a": 1}
    assert response.headers["ETag"] == f'"{sha1(response.get_data())}"'


def test_activity_profile_put_without_headers_on_an_existing_document_is_409_with_an_explanation(lrs):
    lrs.post(activity_profile_url(), json={"a": 1})
    response = lrs.put(activity_profile_url(), json={"b": 2})
    assert response.status_code == 409
    message = error(response)
    assert "If-Match" in message and "GET" in message
    assert lrs.get(activity_profile_url()).get_json() == {"a": 1}


def test_activity_profile_put_with_if_match_replaces_and_a_stale_etag_is_412(lrs):
    lrs.put(activity_profile_url(), json={"a": 1}, headers={"If-None-Match": "*"})
    etag = lrs.get(activity_profile_url()).headers["ETag"]
    assert lrs.put(activity_profile_url(), json={"b": 2}, headers={"If-Match": etag}).status_code == 204
    assert lrs.put(activity_profile_url(), json={"c": 3}, headers={"If-Match": etag}).status_code == 412
    assert lrs.put(activity_profile_url(), json={"c": 3}, headers={"If-None-Match": "*"}).status_code == 412
    assert lrs.get(activity_profile_url()).get_json() == {"b": 2}


def test_activity_profile_post_creates_then_merges(lrs):
    assert lrs.post(activity_profile_url(), json={"car": "Honda"}).status_code == 204
    assert lrs.post(activity_profile_url(), json={"type": "Civic"}).status_code == 204
    assert lrs.get(activity_profile_url()).get_json() == {"car": "Honda", "type": "Civic"}
    response = lrs.post(activity_profile_url(), data="abc", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert lrs.get(activity_profile_url()).get_json() == {"car": "Honda", "type": "Civic"}


def test_activity_profile_lists_ids_per_activity_with_since(lrs, clock):
    other = "http://www.example.com/activityId/other"
    lrs.post(activity_profile_url("first"), json={})
    boundary = clock.advance(seconds=1)
    clock.advance(seconds=1)
    lrs.post(activity_profile_url("second"), json={})
    lrs.post(activity_profile_url("elsewhere", activity=other), json={})
    assert lrs.get(activity_profile_url(None)).get_json() == ["first", "second"]
    since = boundary.isoformat()
    assert lrs.get(activity_profile_url(None, since=since)).get_json() == ["second"]
    assert lrs.get(activity_profile_url(None, activity=other)).get_json() == ["elsewhere"]


def test_activity_profile_delete_removes_the_document(lrs):
    lrs.post(activity_profile_url(), json={"a": 1})
    assert lrs.delete(activity_profile_url()).status_code == 204
    assert lrs.get(activity_profile_url()).status_code == 404
    assert lrs.delete(activity_profile_url()).status_code == 204


def test_activity_profile_is_separate_from_state_with_the_same_ids(lrs):
    lrs.post(activity_profile_url("same"), json={"from": "profile"})
    lrs.post(state_url("same"), json={"from": "state"})
    assert lrs.get(activity_profile_url("same")).get_json() == {"from": "profile"}
    assert lrs.get(state_url("same")).get_json() == {"from": "state"}


BAD_ACTIVITY_PROFILE_REQUESTS = [
    ("missing activityId", "GET", url("/activities/profile", profileId="p"), "activityId"),
    ("activityId not an IRI", "POST", activity_profile_url(activity="1"), "activityId"),
    ("missing profileId on PUT", "PUT", activity_profile_url(None), "profileId"),
    ("missing profileId on POST", "POST", activity_profile_url(None), "profileId"),
    ("missing profileId on DELETE", "DELETE", activity_profile_url(None), "profileId"),
    ("agent is not a parameter here", "PUT", activity_profile_url(agent=AGENT), "agent"),
    ("agent true", "GET", activity_profile_url(agent="true"), "agent"),
    ("since not a timestamp", "GET", activity_profile_url(None, since="true"), "since"),
    ("registration is not a parameter here", "GET", activity_profile_url(registration=str(uuid.uuid4())),
     "registration"),
]


@pytest.mark.parametrize(("method", "path", "named"), [r[1:] for r in BAD_ACTIVITY_PROFILE_REQUESTS],
                         ids=[r[0] for r in BAD_ACTIVITY_PROFILE_REQUESTS])
def test_activity_profile_rejects_bad_parameters_with_400_naming_the_parameter(lrs, method, path, named):
    response = lrs.request(method, path, json={"a": 1} if method in ("PUT", "POST") else None,
                           headers={"If-None-Match": "*"} if method == "PUT" else None)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert named in error(response)


# ---------------------------------------------------------------- Agent Profile


def test_agent_profile_round_trip_with_etag(lrs):
    assert lrs.put(agent_profile_url(), json={"a": 1}, headers={"If-None-Match": "*"}).status_code == 204
    response = lrs.get(agent_profile_url())
    assert response.get_json() == {"a": 1}
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 42
    assert "Last-Modified" in response.headers


def test_agent_profile_put_concurrency_rules(lrs):
    assert lrs.put(agent_profile_url(), json={"a": 1}).status_code == 400
    lrs.post(agent_profile_url(), json={"a": 1})
    assert lrs.put(agent_profile_url(), json={"b": 2}).status_code == 409
    bad = lrs.put(agent_profile_url(), json={"b": 2}, headers={"If-Match": '"' + "1" * 40 + '"'})
    assert bad.status_code == 412
    etag = lrs.get(agent_profile_url()).headers["ETag"]
    assert lrs.put(agent_profile_url(), json={"b": 2}, headers={"If-Match": etag}).status_code == 204
    assert lrs.get(agent_profile_url()).get_json() == {"b": 2}


def test_agent_profile_post_merges_and_rejects_non_json(lrs):
    lrs.post(agent_profile_url(), json={"car": "Honda"})
    lrs.post(agent_profile_url(), json={"type": "Civic"})
    assert lrs.get(agent_profile_url()).get_json() == {"car": "Honda", "type": "Civic"}
    bad = lrs.post(agent_profile_url(), data="abcdefg", headers={"Content-Type": "application/octet-stream"})
    assert bad.status_code == 400
    assert lrs.get(agent_profile_url()).get_json() == {"car": "Honda", "type": "Civic"}


def test_agent_profile_lists_ids_per_agent_with_since(lrs, clock):
    lrs.post(agent_profile_url("mine"), json={})
    boundary = clock.advance(seconds=30)
    clock.advance(seconds=30)
    lrs.post(agent_profile_url("later"), json={})
    lrs.post(agent_profile_url("theirs", agent=OTHER_AGENT), json={})
    assert lrs.get(agent_profile_url(None)).get_json() == ["mine", "later"]
    assert lrs.get(agent_profile_url(None, since=boundary.isoformat())).get_json() == ["later"]
    assert lrs.get(agent_profile_url(None, agent=OTHER_AGENT)).get_json() == ["theirs"]


def test_agent_profile_is_separate_from_the_same_agents_state(lrs):
    lrs.post(agent_profile_url("x"), json={"from": "profile"})
    assert lrs.get(state_url(None)).get_json() == []


def test_agent_profile_delete(lrs):
    lrs.post(agent_profile_url(), json={"a": 1})
    assert lrs.delete(agent_profile_url()).status_code == 204
    assert lrs.get(agent_profile_url()).status_code == 404


BAD_AGENT_PROFILE_REQUESTS = [
    ("missing agent", "GET", url("/agents/profile", profileId="p"), "agent"),
    ("agent true", "PUT", agent_profile_url(agent="true"), "agent"),
    ("agent not an agent", "POST", agent_profile_url(agent={"key": "value"}), "agent"),
    ("agent with objectType only", "GET", agent_profile_url(agent={"objectType": "Agent"}), "agent"),
    ("agent a group", "DELETE", agent_profile_url(
        agent={"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}), "agent"),
    ("agent with two identifiers", "GET", agent_profile_url(
        agent={"mbox": "mailto:a@example.org", "openid": "http://openid.example.org/a"}), "agent"),
    ("missing profileId on DELETE", "DELETE", agent_profile_url(None), "profileId"),
    ("missing profileId on PUT", "PUT", agent_profile_url(None), "profileId"),
    ("since not a timestamp", "GET", agent_profile_url(None, since="not timestamp"), "since"),
    ("activityId is not a parameter here", "GET", agent_profile_url(activityId=ACTIVITY), "activityId"),
]


@pytest.mark.parametrize(("method", "path", "named"), [r[1:] for r in BAD_AGENT_PROFILE_REQUESTS],
                         ids=[r[0] for r in BAD_AGENT_PROFILE_REQUESTS])
def test_agent_profile_rejects_bad_parameters_with_400_naming_the_parameter(lrs, method, path, named):
    response = lrs.request(method, path, json={"a": 1} if method in ("PUT", "POST") else None,
                           headers={"If-None-Match": "*"} if method == "PUT" else None)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert named in error(response)


# ---------------------------------------------------------------- HTTP plumbing, auth and scopes


@pytest.mark.parametrize("path", [state_url(), activity_profile_url(), agent_profile_url()])
def test_document_resources_need_the_version_header(lrs, path):
    headers = {"Authorization": lrs.headers["Authorization"]}
    response = lrs.client.get("/xapi" + path, headers=headers)
    assert response.status_code == 400
    assert "X-Experience-API-Version" in error(response)


@pytest.mark.parametrize("path", [state_url(), activity_profile_url(), agent_profile_url()])
def test_document_resources_need_valid_credentials(client, path):
    bad = LRS(client, "nobody", "wrong-secret-123")
    response = bad.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    anonymous = client.get("/xapi" + path, headers={"X-Experience-API-Version": XAPI_VERSION})
    assert anonymous.status_code == 401


def test_state_needs_the_state_scope(client, make_lrs_client):
    reader = LRS(client, *make_lrs_client(scopes=("statements/read",)))
    assert reader.get(state_url()).status_code == 403
    assert reader.put(state_url(), json={}).status_code == 403
    profiler = LRS(client, *make_lrs_client(scopes=("profile",), name="profiles"))
    assert profiler.post(state_url(), json={}).status_code == 403


def test_state_scope_writes_state_but_not_profiles(client, make_lrs_client):
    stateful = LRS(client, *make_lrs_client(scopes=("state",)))
    assert stateful.put(state_url(), json={"a": 1}).status_code == 204
    assert stateful.get(state_url()).status_code == 200
    assert stateful.post(activity_profile_url(), json={}).status_code == 403
    assert stateful.get(agent_profile_url()).status_code == 403


def test_profile_scope_writes_profiles_but_not_state(client, make_lrs_client):
    profiler = LRS(client, *make_lrs_client(scopes=("profile",)))
    assert profiler.post(activity_profile_url(), json={"a": 1}).status_code == 204
    assert profiler.post(agent_profile_url(), json={"a": 1}).status_code == 204
    assert profiler.get(activity_profile_url()).get_json() == {"a": 1}
    assert profiler.get(state_url()).status_code == 403


def test_all_read_scope_reads_documents_but_cannot_change_them(lrs, client, make_lrs_client):
    lrs.put(state_url(), json={"a": 1})
    lrs.post(activity_profile_url(), json={"b": 2})
    reader = LRS(client, *make_lrs_client(scopes=("all/read",), name="reader"))
    assert reader.get(state_url()).get_json() == {"a": 1}
    assert reader.get(activity_profile_url()).get_json() == {"b": 2}
    assert reader.get(agent_profile_url(None)).get_json() == []
    for method, path in (("PUT", state_url()), ("POST", activity_profile_url()), ("DELETE", agent_profile_url())):
        response = reader.request(method, path, json={"c": 3} if method != "DELETE" else None)
        assert response.status_code == 403, method
    assert reader.delete(state_url(None)).status_code == 403
    assert lrs.get(state_url()).get_json() == {"a": 1}


def test_state_accepts_the_alternate_request_syntax(lrs):
    form = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "alt",
            "Authorization": lrs.headers["Authorization"], "X-Experience-API-Version": XAPI_VERSION,
            "Content-Type": "application/json", "content": json.dumps({"via": "form"})}
    response = lrs.client.post("/xapi/activities/state?method=PUT", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204, response.get_data(as_text=True)
    assert lrs.get(state_url("alt")).get_json() == {"via": "form"}

    get_form = {k: v for k, v in form.items() if k not in ("content", "Content-Type")}
    response = lrs.client.post("/xapi/activities/state?method=GET", data=urlencode(get_form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.get_json() == {"via": "form"}


def test_alternate_request_syntax_carries_if_match(lrs):
    lrs.put(activity_profile_url(), json={"v": 1}, headers={"If-None-Match": "*"})
    form = {"activityId": ACTIVITY, "profileId": "p1", "Authorization": lrs.headers["Authorization"],
            "X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json",
            "If-Match": '"' + "2" * 40 + '"', "content": json.dumps({"v": 2})}
    response = lrs.client.post("/xapi/activities/profile?method=PUT", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 412
    assert lrs.get(activity_profile_url()).get_json() == {"v": 1}


def test_unicode_documents_round_trip(lrs):
    document = {"name": "Zoë 学习 🎓"}
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    lrs.put(state_url(), data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    response = lrs.get(state_url())
    assert response.get_data() == body
    lrs.post(state_url(), json={"more": "ü"})
    assert lrs.get(state_url()).get_json() == {"name": "Zoë 学习 🎓", "more": "ü"}


def test_documents_are_committed_and_visible_to_a_fresh_session(lrs, app):
    from sqlalchemy import select

    from lms.db import session as db
    from lms.xapi.models import Document

    lrs.put(state_url(), data=b"abc", headers={"Content-Type": "text/plain"})
    with app.app_context():
        row = db.scalar(select(Document))
        assert (row.kind, row.activity_id, row.doc_id, row.registration) == ("state", ACTIVITY, "s1", "")
        assert row.agent_key == "account:http://www.example.com/agentId/1|Rick James"
        assert row.etag == sha1(b"abc")
        assert base64.b64encode(row.content) == base64.b64encode(b"abc")


# Documents per authority (review M6) ------------------------------------------------------------------------

def test_m6_clients_read_list_change_and_delete_only_their_own_documents(lrs, client, make_lrs_client):
    vendor_a = LRS(client, *make_lrs_client(scopes=("state", "profile"), name="Vendor A"))
    vendor_b = LRS(client, *make_lrs_client(scopes=("state", "profile"), name="Vendor B"))
    secret = {"page": 7, "secret": "vendor A data"}
    assert vendor_a.put(state_url("bookmark"), json=secret).status_code == 204
    assert vendor_a.put(activity_profile_url("p"), json=secret, headers={"If-None-Match": "*"}).status_code == 204
    assert vendor_a.put(agent_profile_url("p"), json=secret, headers={"If-None-Match": "*"}).status_code == 204
    # B sees none of A's documents, singly or listed.
    for path in (state_url("bookmark"), activity_profile_url("p"), agent_profile_url("p")):
        assert vendor_b.get(path).status_code == 404, path
    for path in (state_url(None), activity_profile_url(None), agent_profile_url(None)):
        assert vendor_b.get(path).get_json() == [], path
    # B's writes and deletes land in B's own documents: A's are untouched.
    assert vendor_b.put(state_url("bookmark"), json={"page": 1}).status_code == 204
    assert vendor_b.post(state_url("bookmark"), json={"b": True}).status_code == 204
    assert vendor_b.delete(state_url(None)).status_code == 204
    assert vendor_b.delete(activity_profile_url("p")).status_code == 204
    assert vendor_a.get(state_url("bookmark")).get_json() == secret
    assert vendor_a.get(activity_profile_url("p")).get_json() == secret
    assert vendor_b.get(state_url("bookmark")).status_code == 404
    # Credentials with `all` (and `all/read`, to read) see every client's documents.
    assert lrs.get(state_url("bookmark")).get_json() == secret
    reader = LRS(client, *make_lrs_client(scopes=("all/read",), name="Auditor"))
    assert reader.get(agent_profile_url(None)).get_json() == ["p"]


def test_m6_an_etag_of_another_clients_document_is_no_key_to_it(client, make_lrs_client):
    vendor_a = LRS(client, *make_lrs_client(scopes=("profile",), name="Vendor A"))
    vendor_b = LRS(client, *make_lrs_client(scopes=("profile",), name="Vendor B"))
    vendor_a.put(activity_profile_url("p"), json={"a": 1}, headers={"If-None-Match": "*"})
    etag = vendor_a.get(activity_profile_url("p")).headers["ETag"]
    # B's If-Match names A's document: for B there is no such document, so the precondition fails.
    response = vendor_b.put(activity_profile_url("p"), json={"b": 2}, headers={"If-Match": etag})
    assert response.status_code == 412
    assert vendor_a.get(activity_profile_url("p")).get_json() == {"a": 1}


def test_m6_documents_from_before_ownership_are_left_to_all_scope_credentials(app, lrs, client, make_lrs_client):
    from lms.db import session as db
    from lms.xapi.models import Document

    assert lrs.put(state_url("legacy"), json={"old": True}).status_code == 204
    with app.app_context():
        db.execute(Document.__table__.update().values(authority_key=""))  # as the migration leaves old rows
        db.commit()
    vendor = LRS(client, *make_lrs_client(scopes=("state",), name="Vendor"))
    assert vendor.get(state_url("legacy")).status_code == 404
    assert lrs.get(state_url("legacy")).get_json() == {"old": True}
