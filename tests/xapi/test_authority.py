"""The LRS's authority model (lms/xapi/authority.py): who may void a statement and whose activity definitions
become canonical (security review M2 and M5; xAPI Data 2.3.2, Communication 4.2)."""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest

from lms.db import session as db
from lms.xapi.recorder import record
from tests.conftest import LRS, make_statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
LEARNER = {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": "learner-opaque-id"}}


def lms_statement(app, **overrides) -> dict:
    """A statement the LMS itself records (authority: the LMS)."""
    with app.app_context():
        statement = record({"actor": LEARNER, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"},
                            "object": {"objectType": "Activity", "id": "http://lms.test/xapi/activities/assessment/x",
                                       "definition": {"name": {"en-US": "A text at 11 pm"}}}, **overrides})
        db.commit()
    return statement


def voiding(target: str) -> dict:
    return {"actor": {"mbox": "mailto:vendor@example.org"}, "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": target}}


@pytest.fixture
def vendor(client, make_lrs_client) -> LRS:
    """A client with the default scopes (statements/write, statements/read/mine), as in the review."""
    return LRS(client, *make_lrs_client(scopes=("statements/write", "statements/read/mine"), name="Vendor"))


def test_m2_default_client_cannot_void_what_the_lms_recorded(app, lrs, vendor):
    target = lms_statement(app)["id"]
    response = vendor.post("/statements", json=voiding(target))
    assert response.status_code == 403
    assert "recorded by the LMS" in response.get_json()["error"]["message"]
    assert lrs.get(f"/statements?statementId={target}").status_code == 200  # still there, not voided


def test_m2_all_scope_client_voids_lms_statements_only_when_an_admin_allows_it(app, lrs):
    target = lms_statement(app)["id"]
    assert lrs.post("/statements", json=voiding(target)).status_code == 403
    app.config["LMS_XAPI_ALLOW_ALL_SCOPE_VOIDING"] = True
    assert lrs.post("/statements", json=voiding(target)).status_code == 200
    assert lrs.get(f"/statements?statementId={target}").status_code == 404
    assert lrs.get(f"/statements?voidedStatementId={target}").status_code == 200


def test_m2_client_voids_its_own_statements_but_not_another_clients(lrs, vendor, client, make_lrs_client):
    other = LRS(client, *make_lrs_client(scopes=("statements/write",), name="Other vendor"))
    own = vendor.post("/statements", json=make_statement()).get_json()[0]
    theirs = other.post("/statements", json=make_statement()).get_json()[0]
    refused = vendor.post("/statements", json=voiding(theirs))
    assert refused.status_code == 403 and "other credentials" in refused.get_json()["error"]["message"]
    assert vendor.post("/statements", json=voiding(own)).status_code == 200
    assert lrs.get(f"/statements?voidedStatementId={own}").status_code == 200
    assert lrs.get(f"/statements?statementId={theirs}").status_code == 200


def test_m2_a_voiding_statement_sent_before_its_target_voids_only_what_its_authority_may(lrs, vendor, client,
                                                                                          make_lrs_client):
    # Data 2.3.2: a target whose voiding statement arrived first is voided on arrival, if that voider may void it.
    other = LRS(client, *make_lrs_client(scopes=("statements/write",), name="Other vendor"))
    foreign, own = str(uuid.uuid4()), str(uuid.uuid4())
    assert vendor.post("/statements", json=[voiding(foreign), voiding(own)]).status_code == 200
    other.put(f"/statements?statementId={foreign}", json=make_statement())
    vendor.put(f"/statements?statementId={own}", json=make_statement())
    assert lrs.get(f"/statements?statementId={foreign}").status_code == 200
    assert lrs.get(f"/statements?voidedStatementId={own}").status_code == 200


def test_m2_voiding_refusal_stores_nothing_from_the_batch(app, lrs, vendor):
    target = lms_statement(app)["id"]
    fine = make_statement(id=str(uuid.uuid4()))
    assert vendor.post("/statements", json=[fine, voiding(target)]).status_code == 403
    assert lrs.get(f"/statements?statementId={fine['id']}").status_code == 404


# M5: the define scope -------------------------------------------------------------------------------------

def activity_definition(lrs: LRS, iri: str) -> dict | None:
    return lrs.get(f"/activities?activityId={quote(iri)}").get_json().get("definition")


def renaming(iri: str, name: str) -> dict:
    return make_statement(object={"objectType": "Activity", "id": iri, "definition": {
        "name": {"en-US": name}, "description": {"en-US": "Visit http://phish.example to claim your certificate"}}})


def test_m5_writer_without_define_never_changes_the_canonical_definition(app, lrs, vendor):
    iri = lms_statement(app)["object"]["id"]  # an LMS activity, under LMS_BASE_URL
    foreign = "http://vendor.example/course/1"
    for target in (iri, foreign):
        sent = renaming(target, "Renamed by a write-only client")
        statement_id = vendor.post("/statements", json=sent).get_json()[0]
        # The statement keeps what the client sent ("exact") ...
        exact = lrs.get(f"/statements?statementId={statement_id}").get_json()
        assert exact["object"]["definition"]["name"] == {"en-US": "Renamed by a write-only client"}
    # ... but the canonical definitions other clients read do not change.
    assert activity_definition(lrs, iri) == {"name": {"en-US": "A text at 11 pm"}}
    assert activity_definition(lrs, foreign) is None
    lms_id = lrs.get("/statements?verb=http://adlnet.gov/expapi/verbs/failed").get_json()["statements"][0]["id"]
    canonical = lrs.get(f"/statements?statementId={lms_id}&format=canonical").get_json()
    assert canonical["object"]["definition"]["name"] == {"en-US": "A text at 11 pm"}


def test_m5_define_scope_defines_other_iris_but_never_the_lms_own(app, lrs, client, make_lrs_client):
    definer = LRS(client, *make_lrs_client(scopes=("statements/write", "define"), name="Definer"))
    iri = lms_statement(app)["object"]["id"]
    foreign = "http://vendor.example/course/2"
    for target in (iri, foreign):
        assert definer.post("/statements", json=renaming(target, "Course two")).status_code == 200
    assert activity_definition(lrs, foreign)["name"] == {"en-US": "Course two"}
    assert activity_definition(lrs, iri) == {"name": {"en-US": "A text at 11 pm"}}
    # `all` includes define, and still cannot redefine the LMS's own IRIs.
    assert lrs.post("/statements", json=renaming(iri, "Renamed by all")).status_code == 200
    assert activity_definition(lrs, iri) == {"name": {"en-US": "A text at 11 pm"}}


def test_xapi_00254_activities_resource_returns_every_language_seen_in_one_batch(lrs):
    # The suite posts [statement, statement2] in ONE request: the same activity, "en-US" in the first name and
    # "fr-FR" in the second. GET /activities must return both (H.Communication2.5, XAPI-00254).
    iri = f"http://www.example.com/verify/complete/{uuid.uuid4()}"
    first = make_statement(object={"objectType": "Activity", "id": iri, "definition": {
        "name": {"en-US": "example meeting"}, "description": {"en-US": "An example meeting"}}})
    second = make_statement(object={"objectType": "Activity", "id": iri, "definition": {
        "name": {"fr-FR": "réunion"}, "description": {"fr-FR": "Une réunion"}}})
    assert lrs.post("/statements", json=[first, second]).status_code == 200
    definition = activity_definition(lrs, iri)
    assert definition["name"] == {"en-US": "example meeting", "fr-FR": "réunion"}
    assert definition["description"] == {"en-US": "An example meeting", "fr-FR": "Une réunion"}
    # And across requests, and from a SubStatement's context activities too.
    third = make_statement(object={"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.org"},
                                   "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/o"},
                                   "context": {"contextActivities": {"parent": [{"id": iri, "definition": {
                                       "name": {"de-DE": "Besprechung"}}}]}}})
    assert lrs.post("/statements", json=third).status_code == 200
    assert activity_definition(lrs, iri)["name"] == {"en-US": "example meeting", "fr-FR": "réunion",
                                                     "de-DE": "Besprechung"}


def test_xapi_00254_only_accepted_definitions_enter_the_union(lrs, vendor):
    iri = f"http://www.example.com/verify/complete/{uuid.uuid4()}"
    assert lrs.post("/statements", json=renaming(iri, "Defined")).status_code == 200
    vendor.post("/statements", json=make_statement(object={"id": iri, "definition": {"name": {"fr-FR": "Non"}}}))
    assert activity_definition(lrs, iri)["name"] == {"en-US": "Defined"}
    assert json.dumps(activity_definition(lrs, iri)).count("fr-FR") == 0
