"""The Statement Resource: store, conflict, void, query filters, paging, formats, attachments."""
from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import quote

import pytest

from tests.conftest import LRS, make_statement

EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def agent_param(agent: dict) -> str:
    return quote(json.dumps(agent))


def post(lrs: LRS, *statements, status=200):
    response = lrs.post("/statements", json=list(statements))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_post_single_and_batch_returns_ids_in_order(lrs):
    first = post(lrs, make_statement())
    assert len(first) == 1 and uuid.UUID(first[0])
    given = str(uuid.uuid4())
    ids = post(lrs, make_statement(id=given), make_statement())
    assert ids[0] == given and len(ids) == 2


def test_put_stores_with_given_id_and_get_returns_it_with_lrs_properties(lrs):
    statement_id = str(uuid.uuid4())
    response = lrs.put(f"/statements?statementId={statement_id}", json=make_statement())
    assert response.status_code == 204
    got = lrs.get(f"/statements?statementId={statement_id}")
    assert got.status_code == 200
    body = got.get_json()
    assert body["id"] == statement_id and body["version"].startswith("1.0")
    assert {"stored", "timestamp", "authority"} <= set(body)
    assert got.headers["X-Experience-API-Consistent-Through"]
    assert got.headers["Last-Modified"]


def test_put_requires_statement_id_matching_the_body(lrs):
    assert lrs.put("/statements", json=make_statement()).status_code == 400
    mismatch = lrs.put(f"/statements?statementId={uuid.uuid4()}", json=make_statement(id=str(uuid.uuid4())))
    assert mismatch.status_code == 400


def test_same_id_same_statement_is_ignored_but_different_is_409(lrs):
    statement = make_statement(id=str(uuid.uuid4()))
    post(lrs, statement)
    assert lrs.put(f"/statements?statementId={statement['id']}", json=statement).status_code == 204
    changed = {**statement, "verb": {"id": COMPLETED}}
    assert lrs.post("/statements", json=changed).status_code == 409
    assert lrs.get(f"/statements?statementId={statement['id']}").get_json()["verb"]["id"] == EXPERIENCED


def test_duplicate_ids_in_one_batch_are_refused_and_nothing_is_stored(lrs):
    same = str(uuid.uuid4())
    assert lrs.post("/statements", json=[make_statement(id=same), make_statement(id=same)]).status_code == 400
    assert lrs.get(f"/statements?statementId={same}").status_code == 404


def test_invalid_statement_gets_400_naming_field_and_rule(lrs):
    bad = make_statement(actor={"mbox": "learner@example.org"})
    response = lrs.post("/statements", json=bad)
    assert response.status_code == 400
    assert "actor.mbox" in response.get_json()["error"]["message"]


def test_batch_with_one_bad_statement_stores_nothing(lrs):
    good_id = str(uuid.uuid4())
    response = lrs.post("/statements", json=[make_statement(id=good_id), make_statement(verb={"id": "not an iri"})])
    assert response.status_code == 400
    assert lrs.get(f"/statements?statementId={good_id}").status_code == 404


def test_voiding_hides_the_statement_except_by_voided_statement_id(lrs):
    target = str(uuid.uuid4())
    post(lrs, make_statement(id=target))
    post(lrs, make_statement(verb={"id": VOIDED, "display": {"en-US": "voided"}},
                             object={"objectType": "StatementRef", "id": target}))
    assert lrs.get(f"/statements?statementId={target}").status_code == 404
    assert lrs.get(f"/statements?voidedStatementId={target}").get_json()["id"] == target
    listed = [s["id"] for s in lrs.get("/statements").get_json()["statements"]]
    assert target not in listed and len(listed) == 1


def test_voiding_a_voiding_statement_is_refused(lrs):
    target = str(uuid.uuid4())
    post(lrs, make_statement(id=target))
    voider = post(lrs, make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))[0]
    response = lrs.post("/statements", json=make_statement(verb={"id": VOIDED},
                                                           object={"objectType": "StatementRef", "id": voider}))
    assert response.status_code == 400


def test_filters_agent_verb_activity_registration_and_related(lrs):
    alice = {"mbox": "mailto:alice@example.org"}
    bob = {"mbox": "mailto:bob@example.org"}
    registration = str(uuid.uuid4())
    course = "http://example.org/course"
    a1 = post(lrs, make_statement(actor=alice, context={"registration": registration,
                                                        "contextActivities": {"parent": [{"id": course}]}}))[0]
    a2 = post(lrs, make_statement(actor=alice, verb={"id": COMPLETED}))[0]
    b1 = post(lrs, make_statement(actor=bob, object={"objectType": "Agent", **alice}))[0]
    b2 = post(lrs, make_statement(actor=bob, context={"instructor": alice}))[0]

    def ids(query: str) -> set[str]:
        response = lrs.get("/statements?" + query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {s["id"] for s in response.get_json()["statements"]}

    assert ids(f"agent={agent_param(alice)}") == {a1, a2, b1}
    assert ids(f"agent={agent_param(alice)}&related_agents=true") == {a1, a2, b1, b2}
    assert ids(f"agent={agent_param(alice)}&verb={COMPLETED}") == {a2}
    assert ids(f"registration={registration}") == {a1}
    assert ids(f"activity={course}") == set()
    assert ids(f"activity={course}&related_activities=true") == {a1}


def test_statement_ref_matches_filters_of_its_target(lrs):
    ben = {"mbox": "mailto:ben@example.org"}
    target = post(lrs, make_statement(actor=ben))[0]
    confirm = post(lrs, make_statement(actor={"mbox": "mailto:andrew@example.org"},
                                       verb={"id": "http://example.org/verbs/confirmed"},
                                       object={"objectType": "StatementRef", "id": target}))[0]
    found = {s["id"] for s in lrs.get(f"/statements?agent={agent_param(ben)}").get_json()["statements"]}
    assert found == {target, confirm}


def test_group_actor_matches_its_members(lrs):
    member = {"mbox": "mailto:member@example.org"}
    group = {"objectType": "Group", "member": [member, {"mbox": "mailto:other@example.org"}]}
    sid = post(lrs, make_statement(actor=group))[0]
    found = {s["id"] for s in lrs.get(f"/statements?agent={agent_param(member)}").get_json()["statements"]}
    assert found == {sid}


def test_paging_with_more_is_consistent_while_new_statements_arrive(lrs):
    ids = post(lrs, *[make_statement() for _ in range(5)])
    seen = []
    response = lrs.get("/statements?limit=2&ascending=true").get_json()
    seen += [s["id"] for s in response["statements"]]
    post(lrs, make_statement())  # arrives mid-way: not part of this listing
    while response["more"]:
        assert response["more"].startswith("/xapi/statements?more=")
        response = lrs.client.get(response["more"], headers=lrs.headers).get_json()
        seen += [s["id"] for s in response["statements"]]
    assert seen == ids


def test_descending_by_default_and_since_until(lrs):
    first = post(lrs, make_statement())[0]
    stored = lrs.get(f"/statements?statementId={first}").get_json()["stored"]
    second = post(lrs, make_statement())[0]
    listed = [s["id"] for s in lrs.get("/statements").get_json()["statements"]]
    assert listed[:2] == [second, first]
    assert [s["id"] for s in lrs.get(f"/statements?since={quote(stored)}").get_json()["statements"]] == [second]
    assert first in [s["id"] for s in lrs.get(f"/statements?until={quote(stored)}").get_json()["statements"]]


def test_formats_ids_and_canonical(lrs):
    sid = post(lrs, make_statement(object={"id": "http://example.org/act", "definition": {
        "name": {"en-US": "Walk", "fr": "Marche"}}}))[0]
    ids_format = lrs.get(f"/statements?statementId={sid}&format=ids").get_json()
    assert ids_format["object"] == {"id": "http://example.org/act"}
    assert "name" not in ids_format["actor"]
    canonical = lrs.get(f"/statements?statementId={sid}&format=canonical", headers={"Accept-Language": "fr"}).get_json()
    assert canonical["object"]["definition"]["name"] == {"fr": "Marche"}


@pytest.mark.parametrize("query", ["statementId=1&voidedStatementId=2", f"statementId={uuid.uuid4()}&verb=http://x.org/v",
                                   "agent=notjson", "agent=%7B%7D", "verb=not-an-iri", "registration=nope",
                                   "since=yesterday", "limit=-1", "format=pretty", "ascending=yes", "color=blue",
                                   "more=forged"])
def test_bad_query_parameters_get_400(lrs, query):
    assert lrs.get("/statements?" + query).status_code == 400


def test_version_header_required_and_checked(lrs):
    assert lrs.get("/statements", headers={"X-Experience-API-Version": ""}).status_code == 400
    assert lrs.get("/statements", headers={"X-Experience-API-Version": "0.95"}).status_code == 400
    response = lrs.get("/statements")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_bad_credentials_get_401_without_detail(client, lrs):
    bad = LRS(client, "nobody", "wrong-secret-123")
    response = bad.get("/statements")
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    assert response.get_json()["error"]["message"] == "Authentication required."
    assert client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}).status_code == 401


def test_revoked_client_is_refused(app, client, make_lrs_client):
    from sqlalchemy import select

    from lms.db import session as db
    from lms.xapi.clients import revoke_client
    from lms.xapi.models import LRSClient

    key, secret = make_lrs_client()
    with app.app_context():
        revoke_client(db.scalar(select(LRSClient).where(LRSClient.key == key)))
        db.commit()
    assert LRS(client, key, secret).get("/statements").status_code == 401


def test_scopes_limit_what_a_client_can_do(client, make_lrs_client, lrs):
    writer = LRS(client, *make_lrs_client(("statements/write",)))
    assert writer.post("/statements", json=make_statement()).status_code == 200
    assert writer.get("/statements").status_code == 403
    reader = LRS(client, *make_lrs_client(("statements/read",)))
    assert reader.post("/statements", json=make_statement()).status_code == 403
    assert len(reader.get("/statements").get_json()["statements"]) == 1
    mine = LRS(client, *make_lrs_client(("statements/write", "statements/read/mine")))
    own = mine.post("/statements", json=make_statement()).get_json()[0]
    assert [s["id"] for s in mine.get("/statements").get_json()["statements"]] == [own]


def test_oversized_body_gets_413(app, lrs):
    app.config["LMS_XAPI_MAX_BODY"] = 1000
    response = lrs.post("/statements", data=b"[" + b" " * 2000 + b"]", headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_alternate_request_syntax(lrs):
    sid = str(uuid.uuid4())
    form = {"statementId": sid, "content": json.dumps(make_statement()), "Content-Type": "application/json",
            **lrs.headers}
    response = lrs.client.post("/xapi/statements?method=PUT", data=form)
    assert response.status_code == 204, response.get_data(as_text=True)
    got = lrs.client.post("/xapi/statements?method=GET", data={"statementId": sid, **lrs.headers})
    assert got.status_code == 200 and got.get_json()["id"] == sid


def _multipart(statement: dict, parts: list[tuple[bytes, str]], boundary="abcABC0123") -> bytes:
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(statement)}\r\n".encode()]
    for content, sha in parts:
        chunks.append(f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
                      f"X-Experience-API-Hash: {sha}\r\n\r\n".encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks)


def test_attachments_round_trip_as_multipart(lrs):
    content = b"here is a simple attachment"
    sha = hashlib.sha256(content).hexdigest()
    statement = make_statement(id=str(uuid.uuid4()), attachments=[{
        "usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test attachment"},
        "contentType": "text/plain", "length": len(content), "sha2": sha}])
    response = lrs.post("/statements", data=_multipart(statement, [(content, sha)]),
                        headers={"Content-Type": "multipart/mixed; boundary=abcABC0123"})
    assert response.status_code == 200, response.get_data(as_text=True)
    got = lrs.get(f"/statements?statementId={statement['id']}&attachments=true")
    assert got.mimetype == "multipart/mixed" and content in got.get_data()
    plain = lrs.get(f"/statements?statementId={statement['id']}")
    assert plain.mimetype == "application/json"


def test_attachment_declared_without_data_is_refused(lrs):
    statement = make_statement(attachments=[{"usageType": "http://example.com/u", "display": {"en-US": "x"},
                                             "contentType": "text/plain", "length": 3, "sha2": "0" * 64}])
    assert lrs.post("/statements", json=statement).status_code == 400


def test_attachment_part_with_wrong_hash_is_refused(lrs):
    content = b"abc"
    statement = make_statement(attachments=[{"usageType": "http://example.com/u", "display": {"en-US": "x"},
                                             "contentType": "text/plain", "length": 3,
                                             "sha2": hashlib.sha256(content).hexdigest()}])
    body = _multipart(statement, [(b"tampered", hashlib.sha256(content).hexdigest())])
    response = lrs.post("/statements", data=body, headers={"Content-Type": "multipart/mixed; boundary=abcABC0123"})
    assert response.status_code == 400


def test_about_needs_no_auth(client):
    body = client.get("/xapi/about").get_json()
    assert "1.0.3" in body["version"]


def test_statement_ref_stored_before_its_target_matches_once_the_target_arrives(lrs):
    ben = {"mbox": "mailto:ben@example.org"}
    target_id = str(uuid.uuid4())
    confirm = post(lrs, make_statement(actor={"mbox": "mailto:andrew@example.org"},
                                       verb={"id": "http://example.org/verbs/confirmed"},
                                       object={"objectType": "StatementRef", "id": target_id}))[0]
    post(lrs, make_statement(id=target_id, actor=ben))
    found = {s["id"] for s in lrs.get(f"/statements?agent={agent_param(ben)}").get_json()["statements"]}
    assert found == {target_id, confirm}


def test_concurrent_batches_with_the_same_new_activities_and_ids_never_fail(app, make_lrs_client):
    """Real concurrency: threads with their own app contexts, sessions and connections."""
    import threading

    key, secret = make_lrs_client()
    shared_id = str(uuid.uuid4())
    results = []

    def send(n: int) -> None:
        client = LRS(app.test_client(), key, secret)
        batch = [make_statement(object={"id": f"http://example.org/race/{i}", "definition": {"name": {"en-US": "R"}}})
                 for i in range(20)]
        batch.append(make_statement(id=shared_id))
        results.append(client.post("/statements", json=batch).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 6
