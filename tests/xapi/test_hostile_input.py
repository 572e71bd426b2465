"""Hostile JSON, headers and query values sent to the LRS get a 400 naming the problem and leave nothing behind;
odd data stored before the checks existed is still served (security review M3, M4, L1, L2, L8)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest

from lms.db import session as db
from lms.xapi.models import Document
from lms.xapi.query import Filters, encode_more
from lms.xapi.store import store_statements
from tests.conftest import LRS, XAPI_VERSION, make_statement

ACTIVITY = "http://vendor-a.example/course/1"
AGENT = {"objectType": "Agent", "account": {"homePage": "http://x.example", "name": "jordan"}}
EXT = "http://x.example/ext"


def error(response) -> str:
    return response.get_json()["error"]["message"]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_statement_text(levels: int, statement_id: str | None = None) -> str:
    statement = make_statement(result={"extensions": {EXT: "__DEEP__"}},
                               **({"id": statement_id} if statement_id else {}))
    return json.dumps(statement).replace('"__DEEP__"', nested(levels))


def state_url(**params) -> str:
    params = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), **params}
    return "/activities/state?" + urlencode(params)


def store_unchecked(app, statement: dict) -> str:
    """Store a statement the way data from before the input checks may sit in the database."""
    with app.app_context():
        [statement_id] = store_statements([statement], client=None)
        db.commit()
    return statement_id


# M3: lone surrogates -------------------------------------------------------------------------------------

SURROGATE_STATEMENT = ('{"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://x.example/v/s2"}, '
                       '"object": {"id": "http://x.example/o/surrogate", "definition": {"name": {"en-US": '
                       '"x \\ud800 y"}}}}')


def test_m3_lone_surrogate_in_a_statement_is_refused_and_never_stored(lrs):
    response = lrs.post("/statements", data=SURROGATE_STATEMENT, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in error(response)
    assert lrs.get("/statements").get_json()["statements"] == []
    bad_agent = quote('{"mbox": "mailto:a@example.org", "name": "Bad \\ud800 name"}')
    for path in (f"/statements?agent={bad_agent}", f"/agents?agent={bad_agent}"):
        assert lrs.get(path).status_code == 400, path
    assert lrs.post(state_url(stateId="new"), data='{"b": "\\ud800"}',
                    headers={"Content-Type": "application/json"}).status_code == 400
    assert lrs.put(state_url(stateId="merge"), json={"a": 1}).status_code == 204
    merge = lrs.post(state_url(stateId="merge"), data='{"b": "\\udfff"}', headers={"Content-Type": "application/json"})
    assert merge.status_code == 400 and "surrogate" in error(merge)
    assert lrs.get(state_url(stateId="merge")).get_json() == {"a": 1}


def test_m3_surrogates_stored_before_the_check_are_still_served(app, lrs):
    statement = json.loads(SURROGATE_STATEMENT)
    statement["actor"]["name"] = "Bad \ud800 name"
    store_unchecked(app, statement)
    activity = lrs.get("/activities?activityId=" + quote("http://x.example/o/surrogate"))
    assert activity.status_code == 200
    assert activity.get_json()["definition"]["name"]["en-US"] == "x \ud800 y"  # escaped in the JSON text
    agents = lrs.get("/agents?agent=" + quote(json.dumps({"mbox": "mailto:a@example.org"})))
    assert agents.status_code == 200 and "Bad \ud800 name" in agents.get_json()["name"]
    for fmt in ("exact", "ids", "canonical"):
        assert lrs.get(f"/statements?format={fmt}").status_code == 200


# M4 and L1: nesting --------------------------------------------------------------------------------------

def test_m4_deeply_nested_statement_is_refused(lrs):
    response = lrs.post("/statements", data=deep_statement_text(600), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested more than 32 levels" in error(response)
    assert lrs.get("/statements").get_json()["statements"] == []


def test_m4_deep_statement_stored_before_the_limit_renders_in_every_format(app, lrs):
    statement_id = str(uuid.uuid4())
    store_unchecked(app, json.loads(deep_statement_text(600, statement_id)))
    for fmt in ("ids", "canonical", "exact"):
        response = lrs.get(f"/statements?format={fmt}&limit=20")
        assert response.status_code == 200, fmt
        assert response.get_json()["statements"][0]["id"] == statement_id
        assert lrs.get(f"/statements?statementId={statement_id}&format={fmt}").status_code == 200
    # Comparing a resend with it (Data 2.3.1) walks the stored statement too: a different one is a 409.
    assert lrs.put(f"/statements?statementId={statement_id}", json=make_statement()).status_code == 409


def test_l1_max_depth_is_configurable(app, lrs):
    # The statement object, result, extensions and two arrays: 5 levels.
    body = deep_statement_text(2)
    app.config["LMS_XAPI_MAX_DEPTH"] = 4
    response = lrs.post("/statements", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nested more than 4 levels" in error(response)
    app.config["LMS_XAPI_MAX_DEPTH"] = 5
    assert lrs.post("/statements", data=body, headers={"Content-Type": "application/json"}).status_code == 200


DEEP = nested(1000)


@pytest.mark.parametrize("where", ["statement body", "multipart first part", "statements agent", "state agent",
                                   "agent profile agent", "agents agent", "new json document", "merged document"])
def test_l1_deep_json_gets_a_400_wherever_the_lrs_reads_json(lrs, where):
    deep_agent = quote('{"mbox": "mailto:a@example.org", "name": ' + DEEP + "}")
    if where == "statement body":
        response = lrs.post("/statements", data=DEEP, headers={"Content-Type": "application/json"})
    elif where == "multipart first part":
        body = (b"--b\r\nContent-Type: application/json\r\n\r\n" + DEEP.encode() + b"\r\n--b--\r\n")
        response = lrs.post("/statements", data=body, headers={"Content-Type": "multipart/mixed; boundary=b"})
    elif where == "statements agent":
        response = lrs.get(f"/statements?agent={deep_agent}")
    elif where == "state agent":
        response = lrs.get(f"/activities/state?activityId={quote(ACTIVITY)}&agent={deep_agent}")
    elif where == "agent profile agent":
        response = lrs.get(f"/agents/profile?agent={deep_agent}")
    elif where == "agents agent":
        response = lrs.get(f"/agents?agent={deep_agent}")
    elif where == "new json document":
        response = lrs.post(state_url(stateId="deep"), data=DEEP, headers={"Content-Type": "application/json"})
    else:
        assert lrs.put(state_url(stateId="deep"), json={"a": 1}).status_code == 204
        response = lrs.post(state_url(stateId="deep"), data='{"b": ' + DEEP + "}",
                            headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested more than 32 levels" in error(response)


# L2: document Content-Type -------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/html\r\nSet-Cookie: injected=1", "text/plain\x00x",
                                          "text/plain; q=\u20ac", "text plain"])
def test_l2_alternate_syntax_refuses_a_content_type_no_header_could_carry(lrs, content_type):
    form = {"Authorization": lrs.headers["Authorization"], "X-Experience-API-Version": XAPI_VERSION,
            "Content-Type": content_type, "content": "<b>hi</b>", "activityId": ACTIVITY,
            "agent": json.dumps(AGENT), "stateId": "ct-inject"}
    response = lrs.client.post("/xapi/activities/state?method=PUT", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Content-Type" in error(response)
    assert lrs.get(state_url(stateId="ct-inject")).status_code == 404


@pytest.mark.parametrize("content_type", ["text/plain; q=\xe9", "text plain", "text/plain; q=\"a\tb\x7f\""])
def test_l2_document_content_type_header_is_checked_too(lrs, content_type):
    response = lrs.put(state_url(stateId="ct"), data=b"hi", headers={"Content-Type": content_type})
    assert response.status_code == 400 and "Content-Type" in error(response)
    assert lrs.put(state_url(stateId="ct"), data=b"hi", headers={
        "Content-Type": 'text/plain; charset="utf-8"'}).status_code == 204


def test_l2_content_type_stored_before_the_check_is_served_as_bytes(app, lrs):
    stored = lrs.put(state_url(stateId="old"), data=b"<b>hi</b>", headers={"Content-Type": "text/html"})
    assert stored.status_code == 204
    with app.app_context():
        db.execute(Document.__table__.update().values(content_type="text/html\r\nSet-Cookie: injected=1"))
        db.commit()
    response = lrs.get(state_url(stateId="old"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "Set-Cookie" not in response.headers and response.get_data() == b"<b>hi</b>"


# L8: query values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "\uff11", "1.5", "-1"])
def test_l8_limit_in_unicode_digits_is_400(lrs, limit):
    response = lrs.get(f"/statements?limit={quote(limit)}")
    assert response.status_code == 400 and "digits 0-9" in error(response)


def test_l8_a_huge_limit_means_the_server_maximum(lrs):
    assert lrs.post("/statements", json=make_statement()).status_code == 200
    assert len(lrs.get("/statements?limit=" + "9" * 5000).get_json()["statements"]) == 1


@pytest.mark.parametrize("query", ["since=9999-12-31T23:59:59-14:00", "until=0001-01-01T00:00:00%2B14:00"])
def test_l8_out_of_range_since_and_until_are_400(lrs, query):
    for path in (f"/statements?{query}", state_url() + "&" + query.replace("until", "since")):
        response = lrs.get(path)
        assert response.status_code == 400, path
        assert "out of range" in error(response)


def test_l8_out_of_range_time_reaching_the_database_is_400_not_500(app, client, make_lrs_client):
    # A time the database layer cannot bind (SQLAlchemy wraps the OverflowError in StatementError), here from a
    # more token minted with a `since` that no parser would now accept.
    key, secret = make_lrs_client()
    with app.test_request_context():
        since = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14)))
        token = encode_more(Filters(since=since, max_seq=10), key)
    response = LRS(client, key, secret).get(f"/statements?more={token}")
    assert response.status_code == 400
    assert "too large" in error(response)
