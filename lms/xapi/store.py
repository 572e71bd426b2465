"""The statement store: prepare, check, index and save statements; find them again.

Services here flush and never commit: the caller's transaction decides, so a statement recorded
by the LMS commits with the state change it describes.
"""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime

from sqlalchemy import select, update

from lms.db import session as db
from lms.db import utcnow
from lms.xapi.clients import client_authority
from lms.xapi.models import Activity, Attachment, LRSClient, Statement, StatementIndex
from lms.xapi.validation import agent_ifi, parse_timestamp

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
CONTEXT_LISTS = ("parent", "grouping", "category", "other")


class StoreError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def store_statements(statements: list[dict], client: LRSClient | None,
                     attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Store valid statements (already checked by the validator); return their ids in order."""
    attachments = attachments or {}
    ids = [s.get("id") for s in statements if s.get("id")]
    if len(ids) != len(set(ids)):
        raise StoreError(400, "The batch contains two statements with the same id.")
    now = utcnow()
    authority = client_authority(client)
    prepared = [_prepare(s, now, authority) for s in statements]
    existing = {row.id: row for row in db.scalars(select(Statement).where(Statement.id.in_([p["id"] for p in prepared])))}
    _check_attachments(prepared, attachments)
    _check_voiding(prepared)
    result = []
    for statement in prepared:
        result.append(statement["id"])
        if statement["id"] in existing:
            if comparable(existing[statement["id"]].data) != comparable(statement):
                raise StoreError(409, f"A different statement with id {statement['id']} already exists.")
            continue  # identical resend: nothing changes
        _insert(statement, authority)
    for sha2, (content_type, content) in attachments.items():
        if db.get(Attachment, sha2) is None:
            db.add(Attachment(sha2=sha2, content_type=content_type, content=content))
    db.flush()
    return result


def _prepare(statement: dict, now: datetime, authority: dict) -> dict:
    statement = copy.deepcopy(statement)
    statement.setdefault("id", str(uuid.uuid4()))
    statement["id"] = statement["id"].lower()
    statement["stored"] = iso(now)
    statement.setdefault("timestamp", statement["stored"])
    statement["authority"] = authority  # xAPI Data 2.4.9: the LRS SHOULD overwrite the authority
    statement.setdefault("version", "1.0.0")
    statement["actor"].setdefault("objectType", "Agent")
    obj = statement["object"]
    obj.setdefault("objectType", "Activity")
    return statement


def _check_attachments(statements: list[dict], attachments: dict) -> None:
    for statement in statements:
        for attachment in statement.get("attachments", []):
            if "fileUrl" not in attachment and attachment["sha2"] not in attachments:
                raise StoreError(400, f"Attachment {attachment['sha2']} is declared without a fileUrl and its "
                                      "data is not in the request.")


def _check_voiding(statements: list[dict]) -> None:
    for statement in statements:
        if statement["verb"]["id"] != VOIDED:
            continue
        target = statement["object"].get("id", "").lower()
        row = db.scalar(select(Statement).where(Statement.id == target))
        if row is not None and row.verb_id == VOIDED:
            raise StoreError(400, "A voiding statement cannot void another voiding statement.")


def _insert(statement: dict, authority: dict) -> None:
    verb = statement["verb"]["id"]
    voids = statement["object"]["id"].lower() if verb == VOIDED else None
    row = Statement(id=statement["id"], stored=parse_timestamp(statement["stored"]), verb_id=verb, voids=voids,
                    authority_key=agent_ifi(authority), data=statement)
    db.add(row)
    db.flush()
    keys = index_keys(statement)
    obj = statement["object"]
    if obj["objectType"] == "StatementRef":
        # Statements targeting a statement match the target's filters (Communication 2.1.3).
        target = db.scalar(select(Statement.seq).where(Statement.id == obj["id"].lower()))
        if target is not None:
            for key, narrow in db.execute(select(StatementIndex.key, StatementIndex.narrow)
                                          .where(StatementIndex.statement_seq == target)):
                keys.add((key, narrow))
    db.add_all(StatementIndex(statement_seq=row.seq, key=key, narrow=narrow) for key, narrow in keys)
    if voids:
        db.execute(update(Statement).where(Statement.id == voids, Statement.verb_id != VOIDED).values(voided=True))
    _remember_activities(statement)


def _agent_keys(agent: dict | None) -> set[str]:
    if not agent:
        return set()
    keys = set()
    if any(k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        keys.add("agent|" + agent_ifi(agent))
    for member in agent.get("member", []) or []:
        keys |= _agent_keys(member)
    return keys


def _activities_in_context(context: dict | None) -> set[str]:
    keys = set()
    for name in CONTEXT_LISTS:
        value = (context or {}).get("contextActivities", {}).get(name)
        for activity in [value] if isinstance(value, dict) else value or []:
            keys.add("activity|" + activity["id"])
    return keys


def index_keys(statement: dict) -> set[tuple[str, bool]]:
    """The (key, narrow) filter rows for one statement."""
    keys: set[tuple[str, bool]] = {("verb|" + statement["verb"]["id"], True)}
    registration = (statement.get("context") or {}).get("registration")
    if registration:
        keys.add(("registration|" + registration.lower(), True))
    narrow_agents = _agent_keys(statement["actor"])
    obj = statement["object"]
    if obj.get("objectType") in ("Agent", "Group"):
        narrow_agents |= _agent_keys(obj)
    if obj.get("objectType", "Activity") == "Activity":
        keys.add(("activity|" + obj["id"], True))
    keys |= {(k, True) for k in narrow_agents}
    broad_agents = _agent_keys(statement.get("authority"))
    broad_activities = _activities_in_context(statement.get("context"))
    context = statement.get("context") or {}
    broad_agents |= _agent_keys(context.get("instructor")) | _agent_keys(context.get("team"))
    if obj.get("objectType") == "SubStatement":
        sub_ctx = obj.get("context") or {}
        broad_agents |= _agent_keys(obj["actor"]) | _agent_keys(sub_ctx.get("instructor")) | _agent_keys(
            sub_ctx.get("team"))
        sub_obj = obj["object"]
        if sub_obj.get("objectType") in ("Agent", "Group"):
            broad_agents |= _agent_keys(sub_obj)
        if sub_obj.get("objectType", "Activity") == "Activity":
            broad_activities.add("activity|" + sub_obj["id"])
        broad_activities |= _activities_in_context(sub_ctx)
    keys |= {(k, False) for k in (broad_agents | broad_activities) if (k, True) not in keys}
    return keys


def _remember_activities(statement: dict) -> None:
    """Keep a canonical definition per activity: the latest definition received wins, merged."""
    found: dict[str, dict | None] = {}

    def visit(activity: dict) -> None:
        if activity.get("objectType", "Activity") == "Activity":
            found.setdefault(activity["id"], None)
            if activity.get("definition"):
                found[activity["id"]] = activity["definition"]

    visit(statement["object"])
    context = statement.get("context") or {}
    for name in CONTEXT_LISTS:
        value = context.get("contextActivities", {}).get(name)
        for activity in [value] if isinstance(value, dict) else value or []:
            visit(activity)
    if statement["object"].get("objectType") == "SubStatement":
        visit(statement["object"]["object"])
    if not found:
        return
    rows = {a.iri: a for a in db.scalars(select(Activity).where(Activity.iri.in_(found)))}
    for iri, definition in found.items():
        row = rows.get(iri)
        if row is None:
            db.add(Activity(iri=iri, definition=definition))
        elif definition:
            merged = dict(row.definition or {})
            for key, value in definition.items():
                if isinstance(value, dict) and isinstance(merged.get(key), dict) and key in ("name", "description"):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
            row.definition, row.updated = merged, utcnow()


def comparable(statement: dict) -> str:
    """A serialization that ignores what xAPI Data 2.3.1 says is not part of the statement."""
    data = copy.deepcopy(statement)
    for key in ("id", "authority", "stored", "timestamp", "version", "attachments"):
        data.pop(key, None)
    data["verb"].pop("display", None)

    def strip(node):
        if isinstance(node, dict):
            if node.get("objectType", "Activity") == "Activity" and "id" in node and "definition" in node:
                node.pop("definition")
            if node.get("objectType") == "Group" and isinstance(node.get("member"), list):
                node["member"] = sorted(node["member"], key=lambda m: json.dumps(m, sort_keys=True))
            if isinstance(node.get("mbox"), str):
                node["mbox"] = node["mbox"].lower()
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(data)
    data.get("object", {}).setdefault("objectType", "Activity")
    data.get("actor", {}).setdefault("objectType", "Agent")
    return json.dumps(data, sort_keys=True)
