"""Document storage for the State, Activity Profile and Agent Profile resources (xAPI Communication 2.2-2.7, 3.1).

Documents are kept as raw bytes with their Content-Type. Services here flush and never commit; the view
decides. Every function takes its scope explicitly, so the LMS can read and write documents as well.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, text
from werkzeug.http import parse_options_header

from lms.db import session as db
from lms.db import utcnow
from lms.web.jsoninput import DEFAULT_MAX_DEPTH, JSONInputError, parse_json
from lms.xapi.models import Document

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = "state", "activity_profile", "agent_profile"
JSON_TYPE = "application/json"


class DocumentError(Exception):
    """A request the document store refuses: status is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Scope:
    """Where documents live: a kind plus the activity, agent key and registration that qualify it.

    `registration` None means "not specified": single documents then use the registration-less slot,
    while listing and deleting all cover every registration (Communication 2.3, "[+ registration if
    specified]").
    """

    kind: str
    activity_id: str = ""
    agent_key: str = ""
    registration: str | None = None
    # Whose documents (lms/xapi/authority.py): new documents are filed under `owner`; unless `see_all` (the LMS,
    # `all` credentials), reads, lists, writes and deletes see only the owner's documents (review M6).
    owner: str = ""
    see_all: bool = True


def etag_of(content: bytes) -> str:
    """Communication 3.1: the SHA-1 of the contents, lowercase hex (quoted only in headers)."""
    return hashlib.sha1(content).hexdigest()


def is_json_type(content_type: str | None) -> bool:
    return parse_options_header(content_type or "")[0].lower() == JSON_TYPE


def _where(scope: Scope, *, exact_registration: bool):
    clauses = [Document.kind == scope.kind, Document.activity_id == scope.activity_id,
               Document.agent_key == scope.agent_key]
    if exact_registration:
        clauses.append(Document.registration == (scope.registration or ""))
    elif scope.registration is not None:
        clauses.append(Document.registration == scope.registration)
    if not scope.see_all:
        clauses.append(Document.authority_key == scope.owner)
    return clauses


def lock(scope: Scope, doc_id: str) -> None:
    """Serialize writers of one document slot (PostgreSQL advisory lock for this transaction).

    The document table has no unique key over its slot, so two first PUTs could otherwise both insert.
    SQLite has a single writer already. The lock covers the slot whoever owns the documents in it.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    slot = "\x1f".join((scope.kind, scope.activity_id, scope.agent_key, scope.registration or "", doc_id))
    key = int.from_bytes(hashlib.sha1(slot.encode()).digest()[:8], "big", signed=True)
    db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def get_document(scope: Scope, doc_id: str) -> Document | None:
    return db.scalar(select(Document).where(*_where(scope, exact_registration=True), Document.doc_id == doc_id)
                     .order_by(Document.id.desc()).limit(1))


def list_ids(scope: Scope, since: datetime | None = None) -> tuple[list[str], datetime | None]:
    """The ids in the scope (updated strictly after `since` when given), oldest first, and the latest update."""
    query = select(Document.doc_id, func.max(Document.updated)).where(*_where(scope, exact_registration=False))
    if since is not None:
        query = query.where(Document.updated > since)
    rows = db.execute(query.group_by(Document.doc_id).order_by(func.max(Document.updated), Document.doc_id)).all()
    return [row[0] for row in rows], max((row[1] for row in rows), default=None)


def check_preconditions(document: Document | None, if_match: str | None, if_none_match: str | None, *,
                        required: bool = False) -> None:
    """Communication 3.1 (RFC 2616 14.24/14.26): 412 when a precondition fails; when `required` (PUT on a
    profile) and neither header was sent: 409 if the document exists, else 400."""
    current = document.etag if document is not None else None
    if if_match is not None:
        tags = _etags(if_match)
        if current is None or ("*" not in tags and current not in tags):
            raise DocumentError(412, "If-Match precondition failed: the document has changed or does not exist. "
                                     "GET it again for its current ETag.")
    if if_none_match is not None:
        tags = _etags(if_none_match)
        if current is not None and ("*" in tags or current in tags):
            raise DocumentError(412, "If-None-Match precondition failed: the document already exists"
                                     + ("." if "*" in tags else " with that ETag."))
    if required and if_match is None and if_none_match is None:
        if document is not None:
            raise DocumentError(409, "A document already exists here. Check its current state with GET, then "
                                     "send the PUT again with an If-Match header holding its ETag.")
        raise DocumentError(400, "PUT on a profile document needs an If-Match header (with the ETag of the "
                                 "document to replace) or If-None-Match: * (to create it).")


def _etags(header: str) -> set[str]:
    tags = set()
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        tags.add(part.strip('"').lower())
    return tags


def put_document(scope: Scope, doc_id: str, content: bytes, content_type: str,
                 existing: Document | None = None) -> Document:
    """Store `content` as the document, replacing what was there."""
    document = existing if existing is not None else get_document(scope, doc_id)
    now = utcnow()
    if document is None:
        document = Document(kind=scope.kind, activity_id=scope.activity_id, agent_key=scope.agent_key,
                            registration=scope.registration or "", doc_id=doc_id, authority_key=scope.owner)
        db.add(document)
    document.content, document.content_type = content, content_type
    document.etag, document.updated = etag_of(content), now
    db.flush()
    return document


def _json_object(content: bytes, what: str, max_depth: int) -> dict:
    try:
        value = parse_json(content, what=f"The {what}", max_depth=max_depth)
    except JSONInputError as exc:
        raise DocumentError(400, f"{exc} It cannot be merged.") from None
    if not isinstance(value, dict):
        raise DocumentError(400, f"The {what} is not a JSON object, so it cannot be merged.")
    return value


def post_document(scope: Scope, doc_id: str, content: bytes, content_type: str,
                  existing: Document | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> Document:
    """Communication 2.2 "JSON Procedure": store a new document, or merge top-level properties of a posted
    JSON object into an existing JSON object document. Anything else is a 400 and changes nothing."""
    document = existing if existing is not None else get_document(scope, doc_id)
    if document is None:
        if is_json_type(content_type):
            try:
                parse_json(content, what="The posted document", max_depth=max_depth)
            except JSONInputError as exc:
                raise DocumentError(400, f"{exc} (It is labelled application/json.)") from None
        return put_document(scope, doc_id, content, content_type, None)
    if not is_json_type(content_type):
        raise DocumentError(400, "A document exists here, so POST merges: the posted document must be an "
                                 "application/json object (use PUT to replace the document).")
    if not is_json_type(document.content_type):
        raise DocumentError(400, f"The existing document is {document.content_type}, not application/json, so it "
                                 "cannot be merged (use PUT to replace it).")
    posted = _json_object(content, "posted document", max_depth)
    merged = _json_object(document.content, "existing document", max_depth)
    merged.update(posted)
    # Both sides went through parse_json, so no lone surrogate can make the UTF-8 encoding fail.
    body = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return put_document(scope, doc_id, body, JSON_TYPE, document)


def delete_document(scope: Scope, doc_id: str) -> int:
    result = db.execute(delete(Document).where(*_where(scope, exact_registration=True), Document.doc_id == doc_id)
                        .execution_options(synchronize_session=False))
    db.flush()
    return result.rowcount or 0


def delete_documents(scope: Scope) -> int:
    """Multiple-document DELETE (State only): everything for the activity and agent [and registration]."""
    result = db.execute(delete(Document).where(*_where(scope, exact_registration=False))
                        .execution_options(synchronize_session=False))
    db.flush()
    return result.rowcount or 0
