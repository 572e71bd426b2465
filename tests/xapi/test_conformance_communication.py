"""Port of the ADL LRS conformance suite's cross-cutting HTTP checks (test/v1_0_3/):
H.Communication1.1-HeadRequestImplementation.js, H.Communication1.3-AlternateRequestSyntax.js,
H.Communication1.4-Encoding.js, H.Communication2.8-AboutResource.js, H.Communication3.1-Concurrency.js,
H.Communication3.2-ErrorCodes.js, H.Communication3.3-Versioning.js, H.Communication4.0-Authentication.js
and the matching parts of non_templating.js. (1.2-Headers, 1.5-ContentTypes and E.Data2.4.10 are empty
in the suite.) Each test names the suite requirement it ports."""
from __future__ import annotations

import base64
import json
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import LRS
from tests.xapi.conformance_templates import AGENT, UNICODE_DISPLAY, default, encode, new_id

ACTIVITY = "http://www.example.com/activityId/hashset"
RICK = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}


def document() -> dict:
    """helper.buildDocument"""
    return {"name": new_id(), "location": {"name": new_id()}, new_id(): new_id()}


def state_params() -> dict:
    return {"activityId": ACTIVITY, "agent": RICK, "stateId": new_id()}


def agent_profile_params() -> dict:
    return {"agent": RICK, "profileId": new_id()}


def activity_profile_params() -> dict:
    return {"activityId": ACTIVITY, "profileId": new_id()}


# Communication 1.1 HEAD -------------------------------------------------------------------------

@pytest.mark.parametrize("resource", ["about", "activities", "activities/profile", "activities/state", "agents",
                                      "agents/profile", "statements"])
def test_head_is_answered_like_get_without_a_body(lrs, resource):
    # Communication 1.1.s3.b1: "An LRS responds to a HEAD request in the same way as a GET request, but
    # without the message-body"
    assert lrs.post("/statements", json=[default()]).status_code == 200
    params = {"activities": {"activityId": default()["object"]["id"]},
              "agents": {"agent": RICK}}.get(resource, {})
    if resource == "activities/profile":
        params = activity_profile_params()
    elif resource == "activities/state":
        params = state_params()
    elif resource == "agents/profile":
        params = agent_profile_params()
    if params.get("stateId") or params.get("profileId"):
        assert lrs.post(f"/{resource}?{encode(params)}", json=document()).status_code == 204
    url = f"/{resource}" + (f"?{encode(params)}" if params else "")
    response = lrs.request("HEAD", url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == b""


def test_head_and_get_statements_without_content_length(lrs):
    assert lrs.request("HEAD", "/statements").status_code == 200
    assert lrs.get("/statements").status_code == 200


def test_head_statements_carries_the_get_headers(lrs):
    response = lrs.request("HEAD", "/statements")
    assert response.headers["X-Experience-API-Consistent-Through"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


# Communication 1.3 Alternate Request Syntax (XAPI-00336) ----------------------------------------

def test_xapi_00336_00148_alternate_get(lrs):
    response = lrs.client.post("/xapi/statements?method=GET", data={"limit": "1"}, headers=lrs.headers)
    assert response.status_code == 200
    assert {"statements", "more"} <= set(response.get_json())


def test_xapi_00336_alternate_syntax_not_issued_as_post_is_400(lrs):
    body = urlencode({"X-Experience-API-Version": "1.0.2", "Content-Type": "application/json",
                      "content": json.dumps(default())})
    response = lrs.client.get("/xapi/statements?method=POST", data=body, headers={
        **lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_xapi_00336_alternate_put_issued_as_post(lrs):
    # helper.sendRequest: real headers, a form body without a Content-Type field
    body = encode({"statementId": new_id(), "content": default()})
    response = lrs.client.post("/xapi/statements?method=PUT", data=body, headers={
        **lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_xapi_00336_form_header_fields_are_treated_as_headers(lrs):
    # Communication 1.3.s3.b7 "The LRS MUST treat the form parameters listed above as header parameters". The
    # suite sends a form field X-Experience-API-Version 0.8, next to a real 1.0.x header (the original suite)
    # or alone (its TypeScript port), and expects 400 both times: the form field is the header.
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for real in (lrs.headers, {"Authorization": lrs.headers["Authorization"]}):
        statement_id = new_id()
        body = encode({"statementId": statement_id, "X-Experience-API-Version": "0.8", "content": default()})
        response = lrs.client.post("/xapi/statements?method=PUT", data=body, headers={**real, **form_headers})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "X-Experience-API-Version" in response.get_json()["error"]["message"]
        assert lrs.get(f"/statements?statementId={statement_id}").status_code == 404


@pytest.mark.parametrize("name", ["Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length",
                                  "If-Match", "If-None-Match"])
def test_xapi_00336_header_parameters_sent_in_the_query_string_are_400(lrs, name):
    # Communication 1.3: only "method" in the query string; the header parameters are form fields.
    value = {"Authorization": lrs.headers["Authorization"], "Content-Type": "application/json",
             "Content-Length": "10", "X-Experience-API-Version": "1.0.3"}.get(name, "*")
    body = encode({"statementId": new_id(), "content": default()})
    response = lrs.client.post(f"/xapi/statements?method=PUT&{name}={quote(value)}", data=body,
                               headers={**lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert f"{name} must be form parameters" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("X-Experience-API-Version", ["1.0.3", "1.0.3"], "given more than once"),
    ("content", [json.dumps(default()), json.dumps(default())], "given more than once"),
    ("Content-Length", ["1"], "length in bytes of the content"),
    ("Content-Length", ["ten"], "length in bytes of the content"),
    ("Content-Type", ["application/json\r\nX-Injected: 1"], "printable ASCII"),
    ("Content-Type", ["not a media type"], "must be a media type"),
    ("Authorization", ["Basic Zm9vOmJhcg==\x00"], "printable ASCII"),
])
def test_xapi_00336_misused_header_form_parameters_are_400(lrs, field, value, fragment):
    statement_id = new_id()
    form = [("statementId", statement_id), ("X-Experience-API-Version", "1.0.3"),
            ("Authorization", lrs.headers["Authorization"])]
    form = [(k, v) for k, v in form if k != field] + [(field, v) for v in value]
    if field != "content":
        form.append(("content", json.dumps(default())))
    response = lrs.client.post("/xapi/statements?method=PUT", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert fragment in response.get_json()["error"]["message"]
    assert lrs.get(f"/statements?statementId={statement_id}").status_code == 404


def test_xapi_00336_matching_form_and_real_headers_and_an_exact_content_length_are_accepted(lrs):
    content = json.dumps(default(verb={"id": "http://adlnet.gov/expapi/verbs/attended",
                                       "display": {"ja-JP": "出席した"}}))
    form = {"statementId": new_id(), "content": content, "X-Experience-API-Version": "1.0.3",
            "Authorization": lrs.headers["Authorization"], "Content-Type": "application/json",
            "Content-Length": str(len(content.encode()))}
    response = lrs.client.post("/xapi/statements?method=PUT", data=urlencode(form), headers={
        **lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_xapi_00336_form_authorization_and_version_are_headers(lrs):
    # "will pass PUT with content body which is url encoded": only form fields carry the headers
    form = {"statementId": new_id(), "content": json.dumps(default()), "X-Experience-API-Version": "1.0.3",
            "Authorization": lrs.headers["Authorization"]}
    response = lrs.client.post("/xapi/statements?method=PUT", data=form)
    assert response.status_code == 204, response.get_data(as_text=True)


def test_alternate_syntax_with_extra_query_parameters_is_400(lrs):
    # Communication 1.3.s3.b4
    statement_id = new_id()
    body = encode({"statementId": statement_id, "content": default()})
    response = lrs.client.post(f"/xapi/statements?method=PUT&statementId={statement_id}", data=body, headers={
        **lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_alternate_put_without_content_is_400(lrs):
    assert lrs.client.post("/xapi/statements?method=PUT", headers=lrs.headers).status_code == 400


def test_alternate_put_whose_body_is_not_url_encoded_is_400(lrs):
    form = {"statementId": new_id(), "content": json.dumps(default()), "X-Experience-API-Version": "1.0.3",
            "Authorization": lrs.headers["Authorization"]}
    response = lrs.client.post("/xapi/statements?method=PUT", data=json.dumps(form),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_alternate_syntax_with_a_bad_form_version_and_no_real_header_is_400(lrs):
    form = {"statementId": new_id(), "content": json.dumps(default()), "X-Experience-API-Version": "0.8",
            "Authorization": lrs.headers["Authorization"]}
    assert lrs.client.post("/xapi/statements?method=PUT", data=form).status_code == 400


# Communication 1.4 Encoding ---------------------------------------------------------------------

def test_all_strings_are_utf8(lrs):
    verb = f"http://adlnet.gov/expapi/test/unicode/target/{new_id()}"
    statement = default(verb={"id": verb, "display": UNICODE_DISPLAY})
    assert lrs.post("/statements", json=statement).status_code == 200
    found = lrs.get("/statements?" + encode({"verb": verb})).get_json()["statements"][0]
    assert found["verb"]["display"] == UNICODE_DISPLAY


# Communication 2.8 About ------------------------------------------------------------------------

def test_xapi_00315_00319_about_get_returns_version(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200 and "version" in response.get_json()


def test_xapi_00318_00317_00316_about_version_is_array_of_known_versions(client):
    versions = client.get("/xapi/about").get_json()["version"]
    assert isinstance(versions, list) and "1.0.1" in versions
    assert set(versions) <= {"0.9", "0.95", "1.0.0", "1.0.1", "1.0.2", "1.0.3"}


def test_about_with_credentials_and_version_header_also_works(lrs):
    assert lrs.get("/about").status_code == 200


# Communication 3.1 Concurrency (XAPI-00322) -----------------------------------------------------

@pytest.mark.parametrize("resource,params", [("activities/state", state_params),
                                             ("agents/profile", agent_profile_params),
                                             ("activities/profile", activity_profile_params)])
def test_xapi_00322_get_document_has_a_quoted_sha1_etag(lrs, resource, params):
    query = encode(params())
    assert lrs.post(f"/{resource}?{query}", json=document()).status_code == 204
    etag = lrs.get(f"/{resource}?{query}").headers["ETag"]
    if etag.startswith("W/"):
        etag = etag[2:]
    assert etag[0] == '"' and etag[41] == '"' and all(c in "0123456789abcdefABCDEF" for c in etag[1:41])


def test_xapi_00322_put_with_matching_if_match_is_204(lrs):
    query = encode(agent_profile_params())
    assert lrs.post(f"/agents/profile?{query}", json=document()).status_code == 204
    etag = lrs.get(f"/agents/profile?{query}").headers["ETag"]
    assert lrs.put(f"/agents/profile?{query}", json=document(), headers={"If-Match": etag}).status_code == 204


def test_xapi_00322_put_with_if_none_match_star_for_new_document_is_204(lrs):
    query = encode(activity_profile_params())
    assert lrs.put(f"/activities/profile?{query}", json=document(), headers={"If-None-Match": "*"}).status_code == 204


def test_xapi_00322_failed_precondition_is_412_and_changes_nothing(lrs):
    query, doc = encode(state_params()), document()
    assert lrs.post(f"/activities/state?{query}", json=doc).status_code == 204
    bad = '"1111111111111111111111111111111111111111"'
    assert lrs.put(f"/activities/state?{query}", json=doc, headers={"If-Match": bad}).status_code == 412
    assert lrs.get(f"/activities/state?{query}").get_json() == doc


def test_xapi_00322_put_without_precondition_on_existing_document_is_409(lrs):
    query, doc = encode(activity_profile_params()), document()
    assert lrs.post(f"/activities/profile?{query}", json=doc).status_code == 204
    response = lrs.put(f"/activities/profile?{query}", json=document())
    assert response.status_code == 409 and response.get_data()
    assert lrs.get(f"/activities/profile?{query}").get_json() == doc


# Communication 3.2 Error Codes ------------------------------------------------------------------

def test_xapi_00324_unknown_parameter_is_400(lrs):
    assert lrs.get("/statements?foo=bar").status_code == 400


def test_bad_credentials_are_401(client):
    # Communication 3.2.s2.b2 (addAllHeaders(..., badAuth): foo:bar)
    bad = LRS(client, "foo", "bar")
    assert bad.get("/statements").status_code == 401


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/statements?" + encode({"statementId": new_id()})),
    ("DELETE", "/activities?activityId=http://www.example.com/meetings/occurances/34534"),
    ("POST", "/activities?activityId=http://www.example.com/meetings/occurances/34534"),
    ("PUT", "/activities?activityId=http://www.example.com/meetings/occurances/34534"),
    ("DELETE", "/agents?" + encode({"agent": AGENT})),
    ("POST", "/agents?" + encode({"agent": AGENT})),
    ("PUT", "/agents?" + encode({"agent": AGENT})),
])
@pytest.mark.parametrize("authenticated", [True, False])
def test_method_not_in_the_spec_is_405(lrs, client, method, path, authenticated):
    # Communication 3.2.s3.b1. The suite sends the DELETEs with only "X-Experience-API-Version: 1.0.1"
    # and the others with all headers (non_templating.js sends all of them with credentials).
    headers = lrs.headers if authenticated else {"X-Experience-API-Version": "1.0.1"}
    response = client.open("/xapi" + path, method=method, headers=headers)
    assert response.status_code == 405, response.get_data(as_text=True)


CASED = {"StatementId": new_id(), "VoidedStatementId": new_id(), "Agent": AGENT,
         "Verb": "http://adlnet.gov/expapi/verbs/attended", "Activity": "http://www.example.com/meetings/occurances/34534",
         "Registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "Related_Activities": True, "Related_Agents": True,
         "Since": "2012-06-01T19:09:13.245Z", "Until": "2012-06-01T19:09:13.245Z", "Limit": 10, "Format": "ids",
         "Attachments": True, "Ascending": True}


@pytest.mark.parametrize("name", sorted(CASED))
def test_xapi_00325_00008_00009_parameter_with_differing_case_is_400(lrs, name):
    assert lrs.get("/statements?" + encode({name: CASED[name]})).status_code == 400


def test_xapi_00325_put_with_differing_case_statement_id_is_400(lrs):
    statement = default(id=new_id())
    assert lrs.put("/statements?" + encode({"StatementId": statement["id"]}), json=statement).status_code == 400


def test_xapi_00326_batch_with_one_rejected_statement_stores_nothing(lrs):
    correct, incorrect = default(id=new_id()), default(id=new_id(), verb={"id": "should fail"})
    assert lrs.post("/statements", json=[correct, incorrect]).status_code == 400
    assert lrs.get(f"/statements?statementId={correct['id']}").status_code == 404


def test_xapi_00327_insufficient_permissions_are_403(client, make_lrs_client):
    reader = LRS(client, *make_lrs_client(("statements/read",)))
    assert reader.post("/statements", json=default()).status_code == 403


def test_xapi_00328_statement_larger_than_the_limit_is_413(app, lrs):
    app.config["LMS_XAPI_MAX_BODY"] = 2000
    big = default(result={"response": "x" * 5000})
    assert lrs.post("/statements", json=big).status_code == 413


# Communication 3.3 Versioning -------------------------------------------------------------------

def test_xapi_00333_response_version_header_is_1_0_3(lrs):
    statement = default(id=new_id())
    assert lrs.post("/statements", json=statement).status_code == 200
    response = lrs.get(f"/statements?statementId={statement['id']}")
    assert response.status_code == 200 and response.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0"])
def test_xapi_00331_any_1_0_x_version_is_accepted(lrs, version):
    assert lrs.get("/statements", headers={"X-Experience-API-Version": version}).status_code == 200


@pytest.mark.parametrize("version", ["0.95", "1.1.0", "1.0.x", "2.0.0", "1.0.3.1", "1"])
def test_xapi_00331_other_versions_are_400(lrs, version):
    assert lrs.get("/statements", headers={"X-Experience-API-Version": version}).status_code == 400


def test_xapi_00330_statements_are_not_converted_to_a_prior_version(lrs):
    statement = default(id=new_id())
    assert lrs.post("/statements", json=statement).status_code == 200
    got = lrs.get(f"/statements?statementId={statement['id']}").get_json()
    assert (got["actor"], got["object"], got["verb"]) == (statement["actor"], statement["object"], statement["verb"])


def test_xapi_00332_statements_keep_the_version_they_were_accepted_with(lrs):
    statement = default(id=new_id(), version="1.0.1")
    assert lrs.post("/statements", json=statement).status_code == 200
    assert lrs.get(f"/statements?statementId={statement['id']}").get_json()["version"] == "1.0.1"


def test_xapi_00331_about_needs_no_version_header(client):
    assert client.get("/xapi/about").status_code == 200


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_xapi_00331_statements_without_version_header_are_400(client, method):
    # The suite sends these without credentials either: the missing header is reported first.
    path = f"/xapi/statements?statementId={new_id()}" if method != "POST" else "/xapi/statements"
    response = client.open(path, method=method, json=None if method == "GET" else default())
    assert response.status_code == 400


# Communication 4.0 Authentication ---------------------------------------------------------------

def test_xapi_00334_unknown_credentials_are_401(lrs):
    statement = default(id=new_id())
    bad = "Basic " + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode()
    response = lrs.put(f"/statements?statementId={statement['id']}", json=statement, headers={"Authorization": bad})
    assert response.status_code == 401


def test_xapi_00334_malformed_authorization_header_is_401(lrs):
    statement = default(id=new_id())
    bad = "Basic:" + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode()
    response = lrs.put(f"/statements?statementId={statement['id']}", json=statement, headers={"Authorization": bad})
    assert response.status_code == 401


def test_xapi_00335_http_basic_authentication_is_supported(lrs):
    statement = default(id=new_id())
    assert lrs.put(f"/statements?statementId={statement['id']}", json=statement).status_code == 204


def test_alternate_syntax_method_not_allowed_on_the_resource_is_405(lrs):
    # Communication 3.2.s3.b1 through Communication 1.3: DELETE is not a Statement Resource method
    body = encode({"statementId": new_id()})
    response = lrs.client.post("/xapi/statements?method=DELETE", data=body, headers={
        **lrs.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 405
