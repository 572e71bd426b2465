"""The document resources and their companions (xAPI Communication 2.2-2.7, 3.1):

    /activities/state     State Resource          GET (one or ids) | PUT | POST (merge) | DELETE (one or all)
    /activities/profile   Activity Profile        GET (one or ids) | PUT | POST (merge) | DELETE
    /agents/profile       Agent Profile           GET (one or ids) | PUT | POST (merge) | DELETE
    /activities           Activities Resource     GET: the canonical Activity object
    /agents               Agents Resource         GET: a Person object
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import Response, g, request
from sqlalchemy import select
from werkzeug.http import http_date

from lms.db import session as db
from lms.xapi import documents
from lms.xapi.authority import authority_key, has_all
from lms.xapi.clients import granted
from lms.xapi.documents import ACTIVITY_PROFILE, AGENT_PROFILE, STATE, DocumentError, Scope
from lms.xapi.http import XAPIError, bad_request, max_depth, read_json, scope_required, xapi_bp
from lms.xapi.iri import is_header_media_type
from lms.xapi.models import Activity, Statement, StatementIndex
from lms.xapi.validation import StatementError, agent_ifi, is_iri, is_uuid, parse_timestamp, validate_agent

DOCUMENT_METHODS = ["GET", "PUT", "POST", "DELETE"]
READ_ANY = ("all/read", "statements/read/mine", "state/read", "profile/read", "define")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
MAX_CONTENT_TYPE = 255
# How many of an agent's statements /agents looks through for the names it has been given.
NAME_SCAN_LIMIT = 200


# ---------------------------------------------------------------- parameters


def _method() -> str:
    return "GET" if request.method == "HEAD" else request.method


def _params(allowed: tuple[str, ...], required: tuple[str, ...]) -> dict[str, str]:
    """The query parameters: only `allowed` ones, each at most once, `required` ones present."""
    unknown = [name for name in request.args if name not in allowed]
    if unknown:
        raise bad_request(f"Unknown parameter(s) for {request.method} {request.path}: {', '.join(sorted(unknown))}. "
                          f"Allowed: {', '.join(allowed)}.")
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            raise bad_request(f"The {name} parameter is given more than once.")
    params = request.args.to_dict()
    for name in required:
        if name not in params:
            raise bad_request(f"The {name} parameter is required.")
    return params


def _activity_id(value: str) -> str:
    if not is_iri(value):
        raise bad_request(f"activityId must be an IRI (with a scheme), not {value!r}.")
    return value


def _agent(value: str) -> dict:
    agent = read_json(value, "The agent parameter")
    try:
        validate_agent(agent, path="agent", allow_group=False)
    except StatementError as exc:
        raise bad_request(f"agent is not a valid Agent: {exc}") from None
    return agent


def _registration(value: str | None) -> str | None:
    if value is None:
        return None
    if not is_uuid(value):
        raise bad_request(f"registration must be a UUID, not {value!r}.")
    return value.lower()


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except StatementError as exc:
        raise bad_request(f"since {exc.rule}: {value!r}.") from None


def _doc_id(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not value:
        raise bad_request(f"{name} must not be empty.")
    return value


def _need_write(scope_name: str) -> None:
    if scope_name not in granted(g.lrs_client.scopes):
        raise XAPIError(403, f"These credentials lack the {scope_name} scope needed to change documents.")


def _scope(kind: str, **where) -> Scope:
    """The documents these credentials work on: their own, or everyone's with the `all` scope, and everyone's
    to read with `all/read` ("unrestricted read access", Communication 4.2). Review M6."""
    client = g.lrs_client
    see_all = has_all(client) or (_method() == "GET" and "all/read" in client.scopes)
    return Scope(kind, owner=authority_key(client), see_all=see_all, **where)


def _content_type() -> str:
    """The Content-Type a document is stored (and later served) with: RFC 7231 media type syntax in printable
    ASCII. A form field of the alternate request syntax can carry CR, LF or NUL where a header cannot (L2)."""
    content_type = request.headers.get("Content-Type", "").strip() or "application/octet-stream"
    if len(content_type) > MAX_CONTENT_TYPE:
        raise bad_request(f"The Content-Type is longer than {MAX_CONTENT_TYPE} characters.")
    if not is_header_media_type(content_type):
        raise bad_request("The Content-Type must be a media type such as application/json or text/plain; "
                          "charset=utf-8, in printable ASCII (no line breaks or control characters).")
    return content_type


def _header(name: str) -> str | None:
    """A request header's value; absent and blank are the same."""
    return (request.headers.get(name) or "").strip() or None


# ---------------------------------------------------------------- the three document resources


@xapi_bp.route("/activities/state", methods=DOCUMENT_METHODS)
@scope_required("state", "state/read")
def state():
    method = _method()
    if method != "GET":
        _need_write("state")
    allowed = ("activityId", "agent", "registration", "stateId") + (("since",) if method == "GET" else ())
    params = _params(allowed, ("activityId", "agent") + (("stateId",) if method in ("PUT", "POST") else ()))
    scope = _scope(STATE, activity_id=_activity_id(params["activityId"]), agent_key=agent_ifi(_agent(params["agent"])),
                   registration=_registration(params.get("registration")))
    return _handle(method, scope, _doc_id(params, "stateId"), _since(params.get("since")), profile=False)


@xapi_bp.route("/activities/profile", methods=DOCUMENT_METHODS)
@scope_required("profile", "profile/read")
def activity_profile():
    method = _method()
    if method != "GET":
        _need_write("profile")
    allowed = ("activityId", "profileId") + (("since",) if method == "GET" else ())
    params = _params(allowed, ("activityId",) + (("profileId",) if method != "GET" else ()))
    scope = _scope(ACTIVITY_PROFILE, activity_id=_activity_id(params["activityId"]))
    return _handle(method, scope, _doc_id(params, "profileId"), _since(params.get("since")), profile=True)


@xapi_bp.route("/agents/profile", methods=DOCUMENT_METHODS)
@scope_required("profile", "profile/read")
def agent_profile():
    method = _method()
    if method != "GET":
        _need_write("profile")
    allowed = ("agent", "profileId") + (("since",) if method == "GET" else ())
    params = _params(allowed, ("agent",) + (("profileId",) if method != "GET" else ()))
    scope = _scope(AGENT_PROFILE, agent_key=agent_ifi(_agent(params["agent"])))
    return _handle(method, scope, _doc_id(params, "profileId"), _since(params.get("since")), profile=True)


def _handle(method: str, scope: Scope, doc_id: str | None, since: datetime | None, *, profile: bool) -> Response:
    if method == "GET":
        return _get_one(scope, doc_id) if doc_id is not None else _get_ids(scope, since)
    try:
        if doc_id is None:  # only a State DELETE gets here without an id: delete them all
            documents.delete_documents(scope)
        else:
            _write(method, scope, doc_id, profile)
    except DocumentError as exc:
        db.rollback()
        raise XAPIError(exc.status, exc.message) from None
    db.commit()
    return Response(status=204)


def _write(method: str, scope: Scope, doc_id: str, profile: bool) -> None:
    documents.lock(scope, doc_id)
    existing = documents.get_document(scope, doc_id)
    # Communication 3.1: PUT to a profile resource must carry If-Match or If-None-Match.
    documents.check_preconditions(existing, _header("If-Match"), _header("If-None-Match"),
                                  required=profile and method == "PUT")
    if method == "DELETE":
        documents.delete_document(scope, doc_id)
        return
    content_type = _content_type()
    content = request.get_data()
    if method == "PUT":
        documents.put_document(scope, doc_id, content, content_type, existing)
    else:
        documents.post_document(scope, doc_id, content, content_type, existing, max_depth=max_depth())


def _get_one(scope: Scope, doc_id: str) -> Response:
    document = documents.get_document(scope, doc_id)
    if document is None:
        raise XAPIError(404, "No document with that id here.")
    # A Content-Type stored before it was checked (review L2) is served as bytes rather than breaking the answer.
    content_type = document.content_type if is_header_media_type(document.content_type) \
        else "application/octet-stream"
    response = Response(document.content, status=200, content_type=content_type)
    response.headers["ETag"] = f'"{document.etag}"'
    response.headers["Last-Modified"] = http_date(document.updated)
    return response


def _get_ids(scope: Scope, since: datetime | None) -> Response:
    ids, latest = documents.list_ids(scope, since)
    response = _json_response(ids)
    if latest is not None:
        response.headers["Last-Modified"] = http_date(latest)
    return response


def _json_response(value: object) -> Response:
    """JSON with an ETag of its bytes (Communication 3.1: every GET answer carries one). ASCII escapes: a string
    stored before lone surrogates were refused still encodes (review M3)."""
    body = json.dumps(value, separators=(",", ":")).encode("ascii")
    response = Response(body, status=200, content_type="application/json")
    response.headers["ETag"] = f'"{hashlib.sha1(body).hexdigest()}"'
    return response


# ---------------------------------------------------------------- Activities and Agents resources


@xapi_bp.route("/activities", methods=["GET"])
@scope_required(*READ_ANY)
def activities():
    params = _params(("activityId",), ("activityId",))
    iri = _activity_id(params["activityId"])
    row = db.scalar(select(Activity).where(Activity.iri == iri))
    # Communication 2.5: with no canonical definition, still an Activity object.
    activity: dict = {"objectType": "Activity", "id": iri}
    if row is not None and row.definition:
        activity["definition"] = row.definition
    response = _json_response(activity)
    if row is not None:
        response.headers["Last-Modified"] = http_date(row.updated)
    return response


@xapi_bp.route("/agents", methods=["GET"])
@scope_required(*READ_ANY)
def agents():
    params = _params(("agent",), ("agent",))
    agent = _agent(params["agent"])
    return _json_response(person_for(agent))


def person_for(agent: dict) -> dict:
    """Communication 2.4: a Person object for the agent: its identifier, and the names it is known by.

    Only the requested identifier is returned: combining several identities would need an identity
    service and, per the spec, more privileged credentials.
    """
    key = agent_ifi(agent)
    names = [agent["name"]] if isinstance(agent.get("name"), str) else []
    for name in _known_names(key):
        if name not in names:
            names.append(name)
    person: dict = {"objectType": "Person"}
    if names:
        person["name"] = names
    for ifi in IFIS:
        if ifi in agent:
            value = agent[ifi]
            person[ifi] = [{"homePage": value["homePage"], "name": value["name"]} if ifi == "account" else value]
    return person


def _known_names(key: str) -> list[str]:
    """Names given to this agent in the statements that mention it (newest first)."""
    mentioning = select(StatementIndex.statement_seq).where(StatementIndex.key == "agent|" + key)
    rows = db.scalars(select(Statement.data).where(Statement.seq.in_(mentioning))
                      .order_by(Statement.seq.desc()).limit(NAME_SCAN_LIMIT))
    names: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(name, str) and any(ifi in node for ifi in IFIS) and node.get("objectType") != "Group":
                try:
                    same = agent_ifi(node) == key
                except StatementError:
                    same = False
                if same and name not in names:
                    names.append(name)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for data in rows:
        visit(data)
    return names
