"""The Statement Resource: PUT, POST, GET and HEAD /statements (xAPI Communication 2.1)."""

from __future__ import annotations

from flask import Response, g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError, OperationalError

from lms.db import session as db
from lms.xapi.clients import client_authority, granted
from lms.xapi.http import XAPIError, bad_request, max_depth, read_json, scope_required, xapi_bp
from lms.xapi.models import Attachment
from lms.xapi.multipart import build_multipart, check_declared, parse_statement_multipart
from lms.xapi.query import Filters, MoreTokenError, decode_more, encode_more, find, get_by_id, render
from lms.xapi.signature import SIGNATURE_USAGE, validate_signature
from lms.xapi.store import StoreError, store_statements
from lms.xapi.validation import (
    StatementError,
    agent_ifi,
    is_iri,
    is_uuid,
    parse_timestamp,
    validate_agent,
    validate_statements,
)

# A limit longer than this is larger than any page: it means "as many as the server gives".
_MAX_LIMIT_DIGITS = 12
GET_PARAMS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
}


@xapi_bp.route("/statements", methods=["GET", "PUT", "POST"])
@scope_required("statements/write", "statements/read/mine")
def statements():
    if request.method in ("GET", "HEAD"):
        response = _get()
    elif request.method == "PUT":
        response = _put()
    else:
        response = _post()
    return response


def _need(scope: str) -> None:
    if scope not in granted(g.lrs_client.scopes):
        raise XAPIError(403, f"These credentials lack the {scope} scope.")


def _read_body() -> tuple[object, dict]:
    if request.mimetype == "multipart/mixed":
        return parse_statement_multipart(request.content_type or "", request.get_data())
    if request.mimetype != "application/json":
        raise bad_request("Statements must be sent as application/json or multipart/mixed.")
    return read_json(request.get_data() or b"null", "The body"), {}


def _validated(payload: object, attachments: dict) -> list[dict]:
    try:
        statements = validate_statements(payload)
        for index, statement in enumerate(statements):
            for attachment in statement.get("attachments", []):
                if attachment["usageType"] == SIGNATURE_USAGE:
                    part = attachments.get(attachment["sha2"].lower())
                    if part is None:
                        raise StatementError(
                            f"[{index}].attachments", "a signature attachment must be sent in the request"
                        )
                    validate_signature(statement, part[1], max_depth=max_depth())
    except StatementError as exc:
        raise bad_request(f"Invalid statement: {exc}") from None
    check_declared(statements, attachments)
    return statements


def _save(statements: list[dict], attachments: dict) -> list[str]:
    for attempt in (1, 2):
        try:
            ids = store_statements(statements, g.lrs_client, attachments)
            db.commit()
            return ids
        except StoreError as exc:
            db.rollback()
            raise XAPIError(exc.status, exc.message) from None
        except IntegrityError:
            # Another request stored a statement with the same id at the same moment: try again,
            # and the usual rule applies (identical: nothing changes; different: 409).
            db.rollback()
            if attempt == 2:
                raise XAPIError(409, "A statement with one of these ids was stored at the same moment.") from None
        except OperationalError as exc:
            # PostgreSQL deadlock (40P01) or serialization failure (40001): the transaction was
            # rolled back whole, so running it again is safe.
            db.rollback()
            if attempt == 2 or getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
    raise AssertionError("unreachable")


def _put() -> Response:
    _need("statements/write")
    statement_id = request.args.get("statementId")
    if set(request.args) - {"statementId"}:
        raise bad_request("PUT statements accepts only the statementId parameter.")
    if not statement_id:
        raise bad_request("PUT statements needs the statementId parameter.")
    if not is_uuid(statement_id):
        raise bad_request("statementId must be a UUID.")
    payload, attachments = _read_body()
    if isinstance(payload, list) or not isinstance(payload, dict):
        raise bad_request("PUT statements takes one statement object.")
    if "id" in payload and str(payload["id"]).lower() != statement_id.lower():
        raise bad_request("The statement's id does not match the statementId parameter.")
    payload = {**payload, "id": statement_id}
    _save(_validated(payload, attachments), attachments)
    return Response(status=204)


def _post() -> Response:
    _need("statements/write")
    if request.args:
        raise bad_request("POST statements takes no query parameters (use ?method=GET for the alternate syntax).")
    payload, attachments = _read_body()
    statements = _validated(payload, attachments)
    return jsonify(_save(statements, attachments))


def _flag(name: str) -> bool:
    value = request.args.get(name, "false")
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false.")
    return value == "true"


def _get() -> Response:
    _need("statements/read/mine")
    unknown = set(request.args) - GET_PARAMS
    if unknown:
        raise bad_request(f"Unknown parameter(s): {', '.join(sorted(unknown))}.")
    languages = [
        lang.split(";")[0].strip() for lang in request.headers.get("Accept-Language", "").split(",") if lang.strip()
    ]
    mine_only = "statements/read" not in granted(g.lrs_client.scopes)
    if "more" in request.args:
        filters = _filters_from_more()  # format and attachments travel in the more token
    else:
        fmt = request.args.get("format", "exact")
        if fmt not in ("ids", "exact", "canonical"):
            raise bad_request("format must be ids, exact or canonical.")
        with_attachments = _flag("attachments")
        if "statementId" in request.args or "voidedStatementId" in request.args:
            return _get_one(fmt, with_attachments, languages, mine_only)
        filters = _filters_from_args()
        filters.format, filters.attachments = fmt, with_attachments
    if mine_only:  # also on later pages: the token never widens what these credentials may read
        filters.authority_key = agent_ifi(client_authority(g.lrs_client))
    rows, following = find(filters)
    more = encode_more(following, g.lrs_client.key) if following else ""
    result = {
        "statements": render(rows, filters.format, languages),
        "more": f"{url_for('lms_xapi.statements')}?more={more}" if more else "",
    }
    return _respond(result, rows, filters.attachments)


def _get_one(fmt: str, with_attachments: bool, languages: list[str], mine_only: bool) -> Response:
    if "statementId" in request.args and "voidedStatementId" in request.args:
        raise bad_request("Use statementId or voidedStatementId, not both.")
    extra = set(request.args) - {"statementId", "voidedStatementId", "format", "attachments"}
    if extra:
        raise bad_request(
            f"With a statement id only format and attachments are allowed, not {', '.join(sorted(extra))}."
        )
    voided = "voidedStatementId" in request.args
    statement_id = request.args["voidedStatementId" if voided else "statementId"]
    row = get_by_id(statement_id, voided=voided) if is_uuid(statement_id) else None
    if row is None or (mine_only and row.authority_key != agent_ifi(client_authority(g.lrs_client))):
        raise XAPIError(404, "No statement with that id.")
    response = _respond(render([row], fmt, languages)[0], [row], with_attachments)
    response.headers["Last-Modified"] = row.stored.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def _respond(document: object, rows: list, with_attachments: bool) -> Response:
    """application/json, or with attachments=true always multipart/mixed (Communication 2.1.3), even when
    no returned statement has attachment data: the statements part first, then every attachment whose data the
    LRS holds, a fileUrl notwithstanding (the suite sends data for attachments that also have a fileUrl and
    expects it back: XAPI-00161)."""
    if not with_attachments:
        return jsonify(document)
    hashes = {a["sha2"].lower() for row in rows for a in row.data.get("attachments", [])}
    stored = {a.sha2: a for a in db.query(Attachment).filter(Attachment.sha2.in_(hashes))} if hashes else {}
    parts = [(sha2, stored[sha2].content_type, stored[sha2].content) for sha2 in sorted(hashes) if sha2 in stored]
    body, content_type = build_multipart(document, parts)
    return Response(body, content_type=content_type)


def _filters_from_more() -> Filters:
    if len(request.args) != 1:
        raise bad_request("A more link is used on its own.")
    try:
        return decode_more(request.args["more"], g.lrs_client.key)
    except MoreTokenError as exc:
        raise bad_request(str(exc)) from None


def _filters_from_args() -> Filters:
    args = request.args
    filters = Filters(
        related_activities=_flag("related_activities"),
        related_agents=_flag("related_agents"),
        ascending=_flag("ascending"),
    )
    if "agent" in args:
        agent = read_json(args["agent"], "The agent parameter")
        try:
            validate_agent(agent, path="agent", allow_group=True)
        except StatementError as exc:
            raise bad_request(f"agent: {exc}") from None
        filters.agent_key = agent_ifi(agent)
    for name in ("verb", "activity"):
        if name in args:
            if not is_iri(args[name]):
                raise bad_request(f"{name} must be an IRI.")
            setattr(filters, name, args[name])
    if "registration" in args:
        if not is_uuid(args["registration"]):
            raise bad_request("registration must be a UUID.")
        filters.registration = args["registration"]
    for name in ("since", "until"):
        if name in args:
            try:
                setattr(filters, name, parse_timestamp(args[name]))
            except StatementError as exc:
                raise bad_request(f"{name} {exc.rule}.") from None
    if "limit" in args:
        raw = args["limit"]
        # isdigit() alone also accepts "²" and other Unicode digits, which int() refuses (review L8).
        if not (raw.isascii() and raw.isdigit()):
            raise bad_request("limit must be a non-negative integer written with the digits 0-9.")
        digits = raw.lstrip("0") or "0"
        filters.limit = int(digits) if len(digits) <= _MAX_LIMIT_DIGITS else 10**_MAX_LIMIT_DIGITS
    return filters
