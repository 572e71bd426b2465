"""Port of the ADL LRS conformance suite, test/v1_0_3/H.Communication2.1-StatementResource.js, with the
statement-retrieval parts of E.Data2.5-RetrievalofStatements.js, Data2.3-StatementLifecycle.js (voiding),
Data2.4.8-StoredProperty.js, Data2.4.9-AuthorityProperty.js, E.Data4.0-SpecialDataTypesAndRules.js,
MiscellaneousRequiremnts.js and non_templating.js. Each test names the suite requirement it ports."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import LRS
from tests.xapi.conformance_templates import (
    AGENT,
    CONTEXT_DEFAULT,
    MULTIPART,
    VOIDED,
    context_statement,
    default,
    encode,
    new_id,
    part_body,
    statement_ref,
    substatement_statement,
    voiding,
)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def post(lrs: LRS, payload, status=200):
    response = lrs.post("/statements", json=payload)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def get(lrs: LRS, query: str = "", status=200, **kw):
    response = lrs.get("/statements" + (f"?{query}" if query else ""), **kw)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


# Communication 2.1 / 2.1.1 PUT ------------------------------------------------------------------

def test_xapi_00139_statement_resource_allows_post_put_get(lrs):
    post(lrs, default())
    statement = default(id=new_id())
    assert lrs.put(f"/statements?statementId={statement['id']}", json=statement).status_code == 204
    get(lrs, encode({"verb": "http://adlnet.gov/expapi/non/existent"}))


def test_xapi_00143_00144_put_with_statement_id_returns_204_and_persists(lrs):
    statement = default(id=new_id())
    assert lrs.put(f"/statements?statementId={statement['id']}", json=statement).status_code == 204
    assert get(lrs, f"statementId={statement['id']}").get_json()["id"] == statement["id"]


def test_xapi_00145_put_without_statement_id_is_400(lrs):
    assert lrs.put("/statements", json=default(id=new_id())).status_code == 400


@pytest.mark.parametrize("value", ["true", "[object Object]"])
def test_put_statement_id_must_be_a_uuid_string(lrs, value):
    # Communication 2.1.1.s1.table1.row1 (Type): statementId as boolean / object
    assert lrs.put(f"/statements?statementId={value}", json=default()).status_code == 400


def test_xapi_00142_post_does_not_modify_a_statement_put_earlier(lrs):
    statement = default(id=new_id())
    post(lrs, statement)
    modified = default(id=statement["id"], verb={"id": "different value"})
    assert lrs.put(f"/statements?statementId={statement['id']}", json=modified).status_code in (400, 409)
    assert get(lrs, f"statementId={statement['id']}").get_json()["verb"]["id"] == statement["verb"]["id"]


def test_xapi_00142_put_does_not_modify_a_statement_posted_earlier(lrs):
    statement = default(id=new_id())
    assert lrs.put(f"/statements?statementId={statement['id']}", json=statement).status_code == 204
    assert lrs.post("/statements", json=default(id=statement["id"], verb={"id": "different value"})).status_code in (
        400, 409)
    # A valid but different statement with the same id: 409, nothing changes.
    other = default(id=statement["id"], verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    assert lrs.post("/statements", json=other).status_code == 409
    assert get(lrs, f"statementId={statement['id']}").get_json()["verb"]["id"] == statement["verb"]["id"]


def test_existing_statement_id_gets_409_or_204_on_post_and_put(lrs):
    # Communication 2.1.1.s2.b2 (**Implicit**)
    first = default(id=new_id())
    post(lrs, first)
    assert lrs.put(f"/statements?statementId={first['id']}", json=first).status_code in (204, 409)
    second = default(id=new_id())
    assert lrs.put(f"/statements?statementId={second['id']}", json=second).status_code == 204
    assert lrs.post("/statements", json=second).status_code in (200, 204, 409)


# Communication 2.1.2 POST ----------------------------------------------------------------------

def test_xapi_00147_00146_post_returns_200_and_array_of_ids(lrs):
    statement = default(id=new_id())
    ids = post(lrs, statement)
    assert isinstance(ids, list) and ids == [statement["id"]]


def test_xapi_00148_post_containing_a_get_returns_statement_result(lrs):
    response = lrs.client.post("/xapi/statements?method=GET", data={"limit": "1"}, headers=lrs.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {"statements", "more"} <= set(response.get_json())


def test_xapi_00326_rejected_batch_makes_no_modifications(lrs):
    # "An LRS makes no modifications to stored data for any rejected request" (Communication 2.1.2.s2.b4)
    correct, incorrect = default(id=new_id()), default(id=new_id(), verb={"id": "should fail"})
    post(lrs, [correct, incorrect], status=400)
    get(lrs, f"statementId={correct['id']}", status=404)


# Communication 2.1.3 GET -----------------------------------------------------------------------

@pytest.fixture
def stored_context(lrs):
    """The suite's 'persist statement' + 'persist substatement' fixtures."""
    statement = context_statement()
    post(lrs, statement)
    post(lrs, substatement_statement())
    return statement


def test_xapi_00159_get_returns_200(lrs):
    get(lrs)


def test_xapi_00156_get_with_statement_id_returns_that_statement(lrs):
    statement = default(id=new_id())
    post(lrs, statement)
    assert get(lrs, f"statementId={statement['id']}").get_json()["id"] == statement["id"]


def test_xapi_00155_00157_get_with_voided_statement_id_returns_it(lrs):
    voided_id = new_id()
    post(lrs, default(id=voided_id))
    post(lrs, voiding(voided_id))
    assert get(lrs, encode({"voidedStatementId": voided_id})).get_json()["id"] == voided_id


GET_FILTERS = {
    "agent": lambda s: {"agent": AGENT},
    "verb": lambda s: {"verb": s["verb"]["id"]},
    "activity": lambda s: {"activity": s["object"]["id"]},
    "registration": lambda s: {"registration": s["context"]["registration"]},
    "related_activities": lambda s: {"activity": s["context"]["contextActivities"]["category"]["id"],
                                     "related_activities": True},
    "related_agents": lambda s: {"agent": s["context"]["instructor"], "related_agents": True},
    "since": lambda s: {"since": "2012-06-01T19:09:13.245Z"},
    "until": lambda s: {"until": "2012-06-01T19:09:13.245Z"},
    "limit": lambda s: {"limit": 1},
    "ascending": lambda s: {"ascending": True},
    "format": lambda s: {"format": "ids"},
    "none": lambda s: {},
}


@pytest.mark.parametrize("name", sorted(GET_FILTERS))
def test_xapi_00154_get_without_ids_returns_statement_result(lrs, stored_context, name):
    # XAPI-00154, and "A statements property is an Array of Statements" (Data 2.5.s2.table1.row1); also
    # XAPI-00173..00181 and 00166/00168 ("can process a GET request with <parameter>")
    response = get(lrs, encode(GET_FILTERS[name](stored_context)))
    assert isinstance(response.get_json()["statements"], list)
    assert isinstance(response.get_json()["more"], str)


def test_xapi_00176_00177_related_filters_find_the_statement(lrs, stored_context):
    found = get(lrs, encode(GET_FILTERS["related_agents"](stored_context))).get_json()["statements"]
    assert len(found) == 1
    found = get(lrs, encode(GET_FILTERS["related_activities"](stored_context))).get_json()["statements"]
    assert len(found) == 1
    # the SubStatement's context matches with related_activities / related_agents too
    sub = {"activity": "http://www.example.com/test/array/statements/sub", "related_activities": True}
    assert len(get(lrs, encode(sub)).get_json()["statements"]) == 1
    sub_agent = {"agent": {"mbox": "mailto:sub@adlnet.gov"}, "related_agents": True}
    assert len(get(lrs, encode(sub_agent)).get_json()["statements"]) == 1


def test_xapi_00167_get_with_attachments_true_is_multipart_statement_result(lrs, stored_context):
    response = get(lrs, "attachments=true")
    assert response.mimetype == "multipart/mixed"
    boundary = response.mimetype_params["boundary"]
    first = response.get_data().split(b"--" + boundary.encode())[1]
    head, _, body = first.partition(b"\r\n\r\n")
    assert b"application/json" in head
    import json

    assert "statements" in json.loads(body)


def test_xapi_00167_get_with_attachments_true_and_no_statements_is_still_multipart(lrs):
    response = get(lrs, encode({"verb": "http://adlnet.gov/expapi/non/existent", "attachments": True}))
    assert response.mimetype == "multipart/mixed" and "boundary" in response.mimetype_params


def test_get_with_attachments_false_is_json_with_more(lrs, stored_context):
    response = get(lrs, "attachments=false")
    assert response.headers["Content-Type"] == "application/json"
    assert {"statements", "more"} <= set(response.get_json())


def test_get_returns_single_statements_and_more_properties(lrs, stored_context):
    # Communication 2.1.3.s1 (Multiplicity, Format)
    body = get(lrs, "limit=1").get_json()
    assert set(body) == {"statements", "more"}


def test_xapi_00172_canonical_format_applies_accept_language(lrs):
    statement_id = post(lrs, context_statement())[0]
    body = get(lrs, encode({"statementId": statement_id, "format": "canonical"}),
               headers={"Accept-Language": "en-GB"}).get_json()
    assert "en-US" not in body["verb"]["display"]
    category = body["context"]["contextActivities"]["category"][0]
    assert "en-US" not in category["definition"]["description"]
    assert "en-US" not in category["definition"]["name"]


def test_xapi_00172_exact_format_ignores_accept_language_and_returns_context_activities_as_arrays(lrs):
    # Data 2.4.6.2: a single contextActivities Activity is returned as an array of length one
    statement_id = post(lrs, context_statement())[0]
    body = get(lrs, f"statementId={statement_id}", headers={"Accept-Language": "en-GB"}).get_json()
    assert set(body["verb"]["display"]) == {"en-US", "en-GB"}
    category = body["context"]["contextActivities"]["category"]
    assert isinstance(category, list) and len(category) == 1
    assert set(category[0]["definition"]["name"]) == {"en-US", "en-GB"}
    assert set(category[0]["definition"]["description"]) == {"en-US", "en-GB"}


def test_xapi_00168_00170_exact_is_default_and_returns_objects_as_received(lrs):
    statement = default(id=new_id())
    post(lrs, statement)
    for query in (f"statementId={statement['id']}", f"statementId={statement['id']}&format=exact"):
        body = get(lrs, query).get_json()
        assert body["actor"] == statement["actor"] and body["verb"] == statement["verb"]
        assert body["object"] == statement["object"]


def test_xapi_00171_ids_format_only_identifiers(lrs):
    statement = default(id=new_id(), object={"objectType": "Group", "member": [
        {"name": "A", "mbox": "mailto:a@example.org"}, {"name": "B", "account": {"homePage": "http://x.org",
                                                                                   "name": "b"}}]})
    post(lrs, statement)
    body = get(lrs, f"statementId={statement['id']}&format=ids").get_json()
    assert body["actor"] == {"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"}
    assert body["verb"] == {"id": statement["verb"]["id"]}
    assert body["object"]["member"] == [{"objectType": "Agent", "mbox": "mailto:a@example.org"},
                                        {"objectType": "Agent", "account": {"homePage": "http://x.org",
                                                                            "name": "b"}}]


def rich_format_statement() -> tuple[dict, dict]:
    """The suite's persistRichFormatStatement: an identified Group (with members) as actor, a SubStatement whose
    actor is that Group renamed and whose object is a fully defined Activity, context activities with
    definitions (H.Communication2.1, "format" ids, XAPI-00171)."""
    group = {"objectType": "Group", "name": "Group of two", "mbox": f"mailto:group-{new_id()}@adlnet.gov",
             "member": [{"objectType": "Agent", "name": "A", "mbox": "mailto:a@adlnet.gov"},
                        {"objectType": "Agent", "name": "B", "mbox": "mailto:b@adlnet.gov"}]}
    activity = {"objectType": "Activity", "id": f"http://example.com/unicode/{new_id()}", "definition": {
        "name": {"en-GB": "example meeting", "en-US": "example meeting"},
        "description": {"en-GB": "An example meeting", "en-US": "An example meeting"},
        "type": "http://adlnet.gov/expapi/activities/meeting", "moreInfo": "http://virtualmeeting.example.com/3",
        "extensions": {"http://example.com/profiles/meetings/activitydefinitionextensions/room": {"name": "Kilby"}}}}
    base = substatement_statement()
    sub = {**base["object"], "actor": {**group, "name": "Nested Group"}, "object": activity}
    statement = default(id=new_id(), actor=group, object=sub,
                        context={"contextActivities": context_statement()["context"]["contextActivities"]})
    return statement, activity


def test_xapi_00171_ids_format_keeps_only_identifiers_in_count_and_shape(lrs):
    statement, activity = rich_format_statement()
    post(lrs, [statement, default(), context_statement()])
    exact = get(lrs, "format=exact").get_json()["statements"]
    ids = get(lrs, "format=ids").get_json()["statements"]
    assert [s["id"] for s in ids] == [s["id"] for s in exact] and len(ids) == 3
    found = next(s for s in ids if s["id"] == statement["id"])
    assert found["actor"] == {"objectType": "Group", "mbox": statement["actor"]["mbox"]}  # identified: IFI only
    assert found["verb"] == {"id": statement["verb"]["id"]}
    sub = found["object"]
    assert sub["objectType"] == "SubStatement"
    assert sub["actor"] == {"objectType": "Group", "mbox": statement["actor"]["mbox"]}
    assert sub["verb"] == {"id": statement["object"]["verb"]["id"]}
    assert sub["object"] == {"id": activity["id"]}  # an Activity by its id alone
    for name, items in found["context"]["contextActivities"].items():
        assert all(set(a) == {"id"} for a in items), name
    for name, items in sub["context"]["contextActivities"].items():
        assert all(set(a) == {"id"} for a in items), name
    assert sub["context"]["instructor"] == {"objectType": "Agent", "mbox": "mailto:sub@adlnet.gov"}
    plain = next(s for s in ids if s["id"] != statement["id"] and "context" not in s)
    assert plain["object"] == {"id": default()["object"]["id"]}
    assert set(plain["authority"]) == {"objectType", "account"}


INVALID_CONTEXT_LANGUAGES = ["g-GR", "something", "supercalifragilisticexpialidociouswhatabouthhhhhhh",
                             "fr-f-aaa-b-rrr-f-ccc", "de-419-DE", "en-", "en US"]


@pytest.mark.parametrize("language", INVALID_CONTEXT_LANGUAGES)
def test_xapi_00013_invalid_rfc5646_context_language_is_400(lrs, language):
    # Data 2.2.s4.b2 and 2.4.6 (context.language is an RFC 5646 tag), in a Statement and in a SubStatement.
    statement = context_statement()
    statement["context"]["language"] = language
    sub = substatement_statement()
    sub["object"]["context"]["language"] = language
    for payload, path in ((statement, "context.language"), (sub, "object.context.language")):
        response = lrs.post("/statements", json=payload)
        assert response.status_code == 400
        assert path in response.get_json()["error"]["message"]


@pytest.mark.parametrize("language", ["cmn", "tlh", "fr-CA", "sr-Latn-RS", "zh-Hans-CN", "i-enochian", "x-whatever"])
def test_xapi_00013_valid_context_languages_are_accepted(lrs, language):
    statement = context_statement()
    statement["context"]["language"] = language
    sub = substatement_statement()
    sub["object"]["context"]["language"] = language
    post(lrs, [statement, sub])


def test_xapi_00169_canonical_returns_one_language(lrs):
    statement_id = post(lrs, context_statement())[0]
    body = get(lrs, f"statementId={statement_id}&format=canonical").get_json()
    assert len(body["verb"]["display"]) == 1
    assert len(body["context"]["contextActivities"]["category"][0]["definition"]["name"]) == 1


STATEMENT_ID_EXTRAS = {
    "agent": AGENT, "verb": "http://adlnet.gov/expapi/non/existent",
    "activity": "http://www.example.com/meetings/occurances/12345",
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    "related_activities": True, "related_agents": True, "since": "2012-06-01T19:09:13.245Z",
    "until": "2012-06-01T19:09:13.245Z", "limit": 1, "ascending": True,
}


@pytest.mark.parametrize("extra", sorted(STATEMENT_ID_EXTRAS))
def test_xapi_00151_statement_id_with_other_parameters_is_400(lrs, extra):
    statement = default(id=new_id())
    post(lrs, statement)
    get(lrs, encode({"statementId": statement["id"], extra: STATEMENT_ID_EXTRAS[extra]}), status=400)


@pytest.mark.parametrize("extra", sorted(STATEMENT_ID_EXTRAS))
def test_xapi_00150_voided_statement_id_with_other_parameters_is_400(lrs, extra):
    voided_id = new_id()
    post(lrs, default(id=voided_id))
    post(lrs, voiding(voided_id))
    get(lrs, encode({"voidedStatementId": voided_id, extra: STATEMENT_ID_EXTRAS[extra]}), status=400)


@pytest.mark.parametrize("param", ["statementId", "voidedStatementId"])
@pytest.mark.parametrize("allowed", [{"format": "ids"}, {"attachments": True}])
def test_xapi_00150_00151_statement_id_with_format_or_attachments_is_200(lrs, param, allowed):
    target = new_id()
    post(lrs, default(id=target))
    if param == "voidedStatementId":
        post(lrs, voiding(target))
    get(lrs, encode({param: target, **allowed}))


def test_xapi_00149_empty_result_is_not_rejected(lrs):
    body = get(lrs, encode({"verb": "http://adlnet.gov/expapi/non/existent"})).get_json()
    assert body["statements"] == []


def test_xapi_00152_00160_consistent_through_is_iso_8601_and_not_before_any_stored(lrs, stored_context):
    response = get(lrs)
    through = response.headers["X-Experience-API-Consistent-Through"]
    assert ISO.match(through), through
    through_at = datetime.fromisoformat(through.replace("Z", "+00:00"))
    for statement in response.get_json()["statements"]:
        assert datetime.fromisoformat(statement["stored"].replace("Z", "+00:00")) <= through_at


@pytest.mark.parametrize("name", sorted(GET_FILTERS) + ["attachments"])
def test_xapi_00153_consistent_through_on_every_get(lrs, stored_context, name):
    params = {"attachments": True} if name == "attachments" else GET_FILTERS[name](stored_context)
    response = get(lrs, encode(params))
    assert ISO.match(response.headers["X-Experience-API-Consistent-Through"])


def test_xapi_00153_consistent_through_even_on_a_400(lrs):
    response = lrs.client.get("/xapi/statements")  # no version header, no credentials
    assert response.status_code == 400
    assert ISO.match(response.headers["X-Experience-API-Consistent-Through"])
    response = get(lrs, "color=blue", status=400)
    assert ISO.match(response.headers["X-Experience-API-Consistent-Through"])
    response = get(lrs, f"statementId={new_id()}", status=404)
    assert ISO.match(response.headers["X-Experience-API-Consistent-Through"])


def test_xapi_00161_attachments_false_or_missing_is_plain_json(lrs):
    response = lrs.post("/statements", data=part_body(), headers={"Content-Type": MULTIPART})
    assert response.status_code == 200, response.get_data(as_text=True)
    statement_id = response.get_json()[0]
    for query in (f"statementId={statement_id}", f"statementId={statement_id}&attachments=false"):
        plain = get(lrs, query)
        assert plain.headers["Content-Type"] == "application/json"
        assert b"here is a simple attachment" not in plain.get_data()
    multipart = get(lrs, f"statementId={statement_id}&attachments=true")
    assert multipart.mimetype == "multipart/mixed"
    assert b"here is a simple attachment" in multipart.get_data()


def test_xapi_00163_voided_statement_not_returned_by_statement_id(lrs):
    voided_id = new_id()
    post(lrs, default(id=voided_id))
    post(lrs, voiding(voided_id))
    get(lrs, encode({"statementId": voided_id}), status=404)


def test_xapi_00162_statements_targeting_a_voided_statement_are_still_returned(lrs):
    verb = f"http://adlnet.gov/expapi/test/voided/target/{new_id()}"
    voided_id, voiding_id, ref_id = new_id(), new_id(), new_id()
    post(lrs, default(id=voided_id, verb={"id": verb}))
    post(lrs, {**voiding(voided_id), "id": voiding_id})
    since = (datetime.now(UTC) - timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
    until = (datetime.now(UTC) + timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
    post(lrs, {**statement_ref(voided_id, {"id": verb}), "id": ref_id})
    assert ref_id in get(lrs, encode({"verb": verb, "since": since})).get_data(as_text=True)
    assert voiding_id in get(lrs, encode({"verb": VOIDED, "until": until})).get_data(as_text=True)
    limited = get(lrs, encode({"verb": verb, "limit": 1})).get_json()["statements"]
    assert [s["id"] for s in limited] == [ref_id]
    listed = get(lrs, encode({"verb": verb})).get_json()["statements"]
    assert [s["id"] for s in listed] == [ref_id, voiding_id]


# Data 2.5 Retrieval of Statements / non_templating.js ------------------------------------------

def test_statements_correspond_to_the_filtering_criteria(lrs):
    # Data 2.5.s1, Communication 2.1.3.s1 (and non_templating 7.2.4.b)
    statement = default(id=new_id(), context=CONTEXT_DEFAULT)
    post(lrs, statement)
    params = {"limit": 1, "agent": statement["actor"], "verb": statement["verb"]["id"],
              "activity": statement["object"]["id"], "registration": statement["context"]["registration"],
              "related_activities": True, "since": "2012-06-01T19:09:13.245Z", "format": "ids",
              "attachments": False}
    assert get(lrs, encode(params)).get_json()["statements"][0]["id"] == statement["id"]


def test_statements_too_large_for_one_page_get_a_more_link(lrs):
    post(lrs, [default(), default()])
    body = get(lrs, "limit=1").get_json()
    assert len(body["statements"]) == 1 and body["more"]


def test_more_is_an_irl_and_empty_when_all_returned(lrs):
    post(lrs, [default(), default()])
    more = get(lrs, "limit=1").get_json()["more"]
    assert re.match(r"^(/[\w\-.~%!$&'()*+,;=:@]*)+\?[\w\-.~%!$&'()*+,;=:@/?]*$", more), more
    assert get(lrs, encode({"verb": "http://adlnet.gov/expapi/non/existent/344588672021038"})).get_json()["more"] == ""


def test_more_container_follows_the_same_rules(lrs):
    first = default(id=new_id(), verb={"id": "http://adlnet.gov/expapi/test/more/target/one"})
    second = default(id=new_id(), verb={"id": "http://adlnet.gov/expapi/test/more/target/two"})
    post(lrs, [first, second])
    page = get(lrs, "limit=1").get_json()
    assert [s["id"] for s in page["statements"]] == [second["id"]]
    following = lrs.client.get(page["more"], headers=lrs.headers)
    assert following.status_code == 200
    body = following.get_json()
    assert set(body) == {"statements", "more"}
    assert [s["id"] for s in body["statements"]] == [first["id"]] and body["more"] == ""
    assert following.headers["X-Experience-API-Consistent-Through"]


def test_more_link_honours_the_original_format_and_attachments_parameters(lrs):
    post(lrs, [default(), default()])
    page = get(lrs, "limit=1&format=ids").get_json()
    body = lrs.client.get(page["more"], headers=lrs.headers).get_json()
    assert "name" not in body["statements"][0]["actor"]
    page = get(lrs, "limit=1&attachments=true")
    assert page.mimetype == "multipart/mixed"


def test_more_link_works_with_the_alternate_request_syntax(lrs):
    post(lrs, [default(), default()])
    page = lrs.client.post("/xapi/statements?method=GET", data={"limit": "1"}, headers=lrs.headers).get_json()
    assert page["more"]
    assert lrs.client.get(page["more"], headers=lrs.headers).status_code == 200


# Data 2.3 Statement lifecycle (voiding) ---------------------------------------------------------

def test_xapi_00018_voided_statement_only_by_voided_statement_id(lrs):
    voided_id = new_id()
    post(lrs, default(id=voided_id))
    post(lrs, voiding(voided_id))
    assert get(lrs, f"voidedStatementId={voided_id}").get_json()["id"] == voided_id
    get(lrs, f"statementId={voided_id}", status=404)


def test_xapi_00016_voiding_cannot_target_a_voiding_statement(lrs):
    voided_id = post(lrs, default())[0]
    voiding_id = post(lrs, voiding(voided_id))[0]
    lrs.post("/statements", json=voiding(voided_id))  # voiding again: accepted or not, nothing breaks
    get(lrs, f"voidedStatementId={voided_id}")
    lrs.post("/statements", json=voiding(voiding_id))  # MAY be rejected; if accepted it is ignored
    get(lrs, f"statementId={voiding_id}")


def test_xapi_00019_voiding_a_statement_the_lrs_does_not_hold_is_accepted(lrs):
    post(lrs, voiding(new_id()))


def test_xapi_00017_voiding_statement_must_target_a_statement_ref(lrs):
    post(lrs, default(verb={"id": VOIDED, "display": {"en-US": "voided"}}), status=400)


def test_voided_target_arriving_after_its_voiding_statement_is_voided(lrs):
    # Data 2.3.2: a Statement is voided when the LRS also contains a voiding Statement referring to it
    target = new_id()
    post(lrs, voiding(target))
    post(lrs, default(id=target))
    get(lrs, f"statementId={target}", status=404)
    assert get(lrs, f"voidedStatementId={target}").get_json()["id"] == target


# Data 2.4.8 stored, 2.4.9 authority, 4.5 timestamps ---------------------------------------------

def test_xapi_00097_lrs_assigns_stored_on_post_and_put(lrs):
    stored = "2011-07-15T00:00:00.000Z"
    post_id = post(lrs, default(stored=stored))[0]
    put_id = new_id()
    assert lrs.put(f"/statements?statementId={put_id}", json=default(stored=stored)).status_code == 204
    for statement_id in (post_id, put_id):
        assert get(lrs, f"statementId={statement_id}").get_json()["stored"] != stored


def test_xapi_00023_stored_is_a_timestamp_with_milliseconds(lrs):
    post(lrs, default())
    for statement in get(lrs).get_json()["statements"]:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", statement["stored"])


def test_xapi_00123_timestamp_keeps_at_least_millisecond_precision(lrs):
    statement_id = post(lrs, default(timestamp="2015-06-01T19:09:13.2456789Z"))[0]
    timestamp = get(lrs, f"statementId={statement_id}").get_json()["timestamp"]
    assert timestamp.startswith("2015-06-01T19:09:13.245")


def test_xapi_00100_authority_group_of_non_oauth_agents_is_400(lrs):
    post(lrs, default(authority={"objectType": "Group", "name": "xAPI Group", "mbox": "mailto:xapigroup@example.com",
                                 "member": [{"name": "agentA", "mbox": "mailto:agentA@example.com"},
                                            {"name": "agentB", "mbox": "mailto:agentB@example.com"}]}), status=400)


def test_xapi_00099_lrs_populates_authority(lrs):
    statement_id = post(lrs, default())[0]
    assert "authority" in get(lrs, f"statementId={statement_id}").get_json()


def test_xapi_00014_objects_are_well_created_json(lrs):
    post(lrs, default(actor={**AGENT, "objectType": '"objectType": "Agent"'}), status=400)
