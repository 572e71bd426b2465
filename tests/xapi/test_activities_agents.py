"""The Activities Resource (xAPI Communication 2.5) and the Agents Resource (2.4)."""
from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest

from tests.conftest import LRS, XAPI_VERSION, make_statement

MEETING = {
    "objectType": "Activity",
    "id": "http://www.example.com/verify/complete/34534",
    "definition": {
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "name": {"en-GB": "example meeting", "en-US": "example meeting"},
        "description": {"en-US": "An example meeting that happened on a specific occasion."},
        "moreInfo": "http://virtualmeeting.example.com/345256",
        "extensions": {"http://example.com/profiles/meetings/extension/reporter": {"name": "Thomas"}},
    },
}


def activities_url(activity_id: str | None = None, **extra) -> str:
    params = {"activityId": activity_id, **extra} if activity_id is not None else extra
    return "/activities" + (f"?{urlencode(params)}" if params else "")


def agents_url(agent: dict | str | None = None, **extra) -> str:
    params = dict(extra)
    if agent is not None:
        params["agent"] = agent if isinstance(agent, str) else json.dumps(agent)
    return "/agents" + (f"?{urlencode(params)}" if params else "")


def post(lrs: LRS, *statements) -> None:
    response = lrs.post("/statements", json=list(statements))
    assert response.status_code == 200, response.get_data(as_text=True)


def error(response) -> str:
    return response.get_json()["error"]["message"]


# ---------------------------------------------------------------- Activities


def test_activities_returns_the_complete_activity_object_from_statements(lrs):
    post(lrs, make_statement(object=MEETING))
    response = lrs.get(activities_url(MEETING["id"]))
    assert response.status_code == 200
    assert response.get_json() == MEETING
    assert response.headers["ETag"] == f'"{hashlib.sha1(response.get_data()).hexdigest()}"'
    assert "Last-Modified" in response.headers


def test_activities_returns_the_canonical_definition_merged_across_statements(lrs):
    activity = {"objectType": "Activity", "id": "http://example.org/activities/merged",
                "definition": {"name": {"en-US": "First"}}}
    post(lrs, make_statement(object=activity))
    later = {"objectType": "Activity", "id": activity["id"],
             "definition": {"name": {"fr": "Premier"}, "type": "http://example.org/types/course"}}
    post(lrs, make_statement(object=later))
    definition = lrs.get(activities_url(activity["id"])).get_json()["definition"]
    assert definition == {"name": {"en-US": "First", "fr": "Premier"}, "type": "http://example.org/types/course"}


def test_activities_returns_an_activity_object_for_an_unknown_activity(lrs):
    response = lrs.get(activities_url("http://example.org/never/seen"))
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": "http://example.org/never/seen"}


def test_activities_known_without_a_definition_has_no_definition_property(lrs):
    post(lrs, make_statement(object={"id": "http://example.org/activities/bare"}))
    assert lrs.get(activities_url("http://example.org/activities/bare")).get_json() == {
        "objectType": "Activity", "id": "http://example.org/activities/bare"}


def test_activities_head_has_no_body(lrs):
    post(lrs, make_statement(object=MEETING))
    response = lrs.request("HEAD", activities_url(MEETING["id"]))
    assert response.status_code == 200
    assert response.get_data() == b""


@pytest.mark.parametrize(("path", "named"), [
    (activities_url(), "activityId"),
    (activities_url("1"), "activityId"),
    (activities_url("true"), "activityId"),
    (activities_url('{"key": "value"}'), "activityId"),
    (activities_url("http://example.org/a", since="2024-01-01T00:00:00Z"), "since"),
    (activities_url("http://example.org/a") + "&activityId=http://example.org/b", "activityId"),
], ids=["missing", "number", "boolean", "object", "unknown parameter", "repeated"])
def test_activities_rejects_bad_parameters_with_400(lrs, path, named):
    response = lrs.get(path)
    assert response.status_code == 400
    assert named in error(response)


def test_activities_only_answers_get(lrs):
    assert lrs.put(activities_url("http://example.org/a"), json={}).status_code == 405


# ---------------------------------------------------------------- Agents


def test_agents_returns_a_person_with_the_agents_identifier_and_name(lrs):
    agent = {"objectType": "Agent", "name": "Rick James",
             "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}
    response = lrs.get(agents_url(agent))
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Person", "name": ["Rick James"],
                                   "account": [{"homePage": "http://www.example.com/agentId/1",
                                                "name": "Rick James"}]}
    assert response.headers["ETag"] == f'"{hashlib.sha1(response.get_data()).hexdigest()}"'


def test_agents_for_an_unknown_agent_without_a_name_returns_only_its_identifier(lrs):
    response = lrs.get(agents_url({"mbox": "mailto:stranger@example.org"}))
    assert response.get_json() == {"objectType": "Person", "mbox": ["mailto:stranger@example.org"]}


def test_agents_adds_the_names_used_in_statements(lrs):
    post(lrs, make_statement(actor={"mbox": "mailto:learner@example.org", "name": "Learner"}),
         make_statement(actor={"mbox": "mailto:learner@EXAMPLE.org", "name": "L. Earner"}),
         make_statement(actor={"mbox": "mailto:someone.else@example.org", "name": "Someone Else"}))
    person = lrs.get(agents_url({"mbox": "mailto:learner@example.org", "name": "Learner"})).get_json()
    assert person["objectType"] == "Person"
    assert person["mbox"] == ["mailto:learner@example.org"]
    assert person["name"] == ["Learner", "L. Earner"]


def test_agents_finds_names_where_the_agent_is_the_object_or_instructor(lrs):
    teacher = {"objectType": "Agent", "openid": "http://openid.example.org/teacher", "name": "Teacher"}
    post(lrs, make_statement(context={"instructor": teacher}))
    person = lrs.get(agents_url({"openid": "http://openid.example.org/teacher"})).get_json()
    assert person == {"objectType": "Person", "name": ["Teacher"], "openid": ["http://openid.example.org/teacher"]}


@pytest.mark.parametrize("agent", [
    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
    {"openid": "http://openid.example.org/someone"},
    {"account": {"homePage": "http://example.org", "name": "someone"}},
    {"mbox": "mailto:someone@example.org"},
])
def test_agents_person_properties_are_arrays(lrs, agent):
    person = lrs.get(agents_url(agent)).get_json()
    (ifi,) = agent
    assert person[ifi] == [agent[ifi]]
    assert set(person) == {"objectType", ifi}


@pytest.mark.parametrize(("agent", "why"), [
    (None, "missing"),
    ("not JSON", "invalid JSON"),
    ("true", "not an object"),
    ({"objectType": "Agent"}, "no identifier"),
    ({"objectType": "Group", "mbox": "mailto:team@example.org"}, "a group"),
    ({"mbox": "someone@example.org"}, "mbox without mailto"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_agents_rejects_a_missing_or_invalid_agent_with_400(lrs, agent, why):
    response = lrs.get(agents_url(agent))
    assert response.status_code == 400, why
    assert "agent" in error(response)


def test_agents_rejects_unknown_parameters(lrs):
    response = lrs.get(agents_url({"mbox": "mailto:a@example.org"}, activityId="http://example.org/a"))
    assert response.status_code == 400
    assert "activityId" in error(response)


def test_agents_head_has_no_body(lrs):
    response = lrs.request("HEAD", agents_url({"mbox": "mailto:a@example.org"}))
    assert response.status_code == 200
    assert response.get_data() == b""


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("path", [activities_url("http://example.org/a"), agents_url({"mbox": "mailto:a@example.org"})])
def test_activities_and_agents_need_version_header_and_credentials(lrs, client, path):
    no_version = client.get("/xapi" + path, headers={"Authorization": lrs.headers["Authorization"]})
    assert no_version.status_code == 400
    bad_auth = LRS(client, "nobody", "wrong-secret-123").get(path)
    assert bad_auth.status_code == 401
    anonymous = client.get("/xapi" + path, headers={"X-Experience-API-Version": XAPI_VERSION})
    assert anonymous.status_code == 401


@pytest.mark.parametrize("scopes", [("statements/read/mine",), ("statements/write",), ("state",), ("profile",),
                                    ("all/read",), ("define",)])
def test_activities_and_agents_are_readable_with_any_read_scope(client, make_lrs_client, scopes):
    reader = LRS(client, *make_lrs_client(scopes=scopes))
    expected = 403 if scopes == ("statements/write",) else 200
    assert reader.get(activities_url("http://example.org/a")).status_code == expected
    assert reader.get(agents_url({"mbox": "mailto:a@example.org"})).status_code == expected
