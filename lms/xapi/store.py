"""The statement store: prepare, check, index and save statements; find them again.

Services here flush and never commit: the caller's transaction decides, so a statement recorded
by the LMS commits with the state change it describes.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update

from lms import signals
from lms.db import session as db
from lms.db import utcnow
from lms.xapi.authority import may_define, voider_may_void, voiding_refusal
from lms.xapi.clients import client_authority
from lms.xapi.comparison import comparable
from lms.xapi.models import Activity, Attachment, LRSClient, Statement, StatementIndex
from lms.xapi.validation import agent_ifi

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
    """Store valid statements (already checked by the validator); return their ids in order.

    Works per batch, not per statement: one existence query, one INSERT ... RETURNING, one
    executemany for the index rows, so a batch of 100 costs a handful of round trips.
    """
    attachments = attachments or {}
    ids = [s.get("id") for s in statements if s.get("id")]
    if len(ids) != len(set(i.lower() for i in ids)):
        raise StoreError(400, "The batch contains two statements with the same id.")
    now = utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # "stored" is served in milliseconds
    authority = client_authority(client)
    prepared = [_prepare(s, now, authority) for s in statements]
    existing = {row.id: row.data for row in db.execute(
        select(Statement.id, Statement.data).where(Statement.id.in_([p["id"] for p in prepared])))}
    _check_attachments(prepared, attachments)
    _check_voiding(prepared, client)
    fresh = []
    for statement in prepared:
        if statement["id"] in existing:
            if comparable(existing[statement["id"]]) != comparable(statement):
                raise StoreError(409, f"A different statement with id {statement['id']} already exists.")
            continue  # an identical resend changes nothing
        fresh.append(statement)
    if fresh:
        key = agent_ifi(authority)
        _insert_batch(fresh, key, now)
        _remember_activities(fresh, client)
        signals.statements_stored.send(fresh, stored=now, authority_key=key)
    if attachments:
        rows = [{"sha2": sha2, "content_type": ct, "content": content} for sha2, (ct, content) in attachments.items()]
        db.connection().execute(_insert_ignoring_duplicates(Attachment.__table__), rows)
    db.flush()
    return [p["id"] for p in prepared]


def _prepare(statement: dict, now: datetime, authority: dict) -> dict:
    # Copy only what is changed below (a deep copy of every statement cost more than storing it).
    statement = dict(statement)
    statement["actor"] = dict(statement["actor"])
    statement["object"] = dict(statement["object"])
    for holder in (statement, statement["object"]):
        if isinstance(holder.get("context"), dict):
            holder["context"] = dict(holder["context"])
            if isinstance(holder["context"].get("contextActivities"), dict):
                holder["context"]["contextActivities"] = dict(holder["context"]["contextActivities"])
    statement["id"] = statement.get("id", str(uuid.uuid4())).lower()
    statement["stored"] = iso(now)
    statement.setdefault("timestamp", statement["stored"])
    statement["authority"] = authority  # xAPI Data 2.4.9: the LRS SHOULD overwrite the authority
    statement.setdefault("version", "1.0.0")
    statement["actor"].setdefault("objectType", "Agent")
    statement["object"].setdefault("objectType", "Activity")
    _context_activities_as_lists(statement.get("context"))
    if statement["object"]["objectType"] == "SubStatement":
        _context_activities_as_lists(statement["object"].get("context"))
    return statement


def _context_activities_as_lists(context: dict | None) -> None:
    """Data 2.4.6.2: a single contextActivities Activity is stored (and returned) as an array of one."""
    activities = (context or {}).get("contextActivities")
    if isinstance(activities, dict):
        for name, value in activities.items():
            if isinstance(value, dict):
                activities[name] = [value]


def _check_attachments(statements: list[dict], attachments: dict) -> None:
    for statement in statements:
        for attachment in statement.get("attachments", []):
            if "fileUrl" not in attachment and attachment["sha2"].lower() not in attachments:
                raise StoreError(400, f"Attachment {attachment['sha2']} is declared without a fileUrl and its "
                                      "data is not in the request.")


def _voided_target(statement: dict) -> str | None:
    return statement["object"]["id"].lower() if statement["verb"]["id"] == VOIDED else None


def _check_voiding(statements: list[dict], client: LRSClient | None) -> None:
    """Data 2.3.2: a voiding statement cannot target a voiding statement; and a client voids only what it may
    (lms/xapi/authority.py; xAPI lets an LRS refuse, and the scoped-client model needs it: review M2)."""
    targets = {t for t in map(_voided_target, statements) if t}
    if not targets:
        return
    in_batch = {s["id"] for s in statements if s["verb"]["id"] == VOIDED}
    stored = db.execute(select(Statement.id, Statement.verb_id, Statement.authority_key)
                        .where(Statement.id.in_(targets))).all()
    if targets & ({row.id for row in stored if row.verb_id == VOIDED} | in_batch):
        raise StoreError(400, "A voiding statement cannot void another voiding statement.")
    for row in sorted(stored):
        refusal = voiding_refusal(client, row.id, row.authority_key)
        if refusal:
            raise StoreError(403, refusal)


def _insert_batch(statements: list[dict], authority_key: str, stored: datetime) -> None:
    # Data 2.3.2: a statement whose voiding statement arrived first is voided on arrival (the index on
    # "voids" answers this in one probe per batch), if that voiding statement's authority may void it.
    voided_early = {target for target, voider in db.execute(
        select(Statement.voids, Statement.authority_key).where(Statement.voids.in_([s["id"] for s in statements])))
        if voider_may_void(voider, authority_key)}
    rows = [{"id": s["id"], "stored": stored, "verb_id": s["verb"]["id"],
             "voided": s["id"] in voided_early and s["verb"]["id"] != VOIDED,
             "voids": _voided_target(s), "authority_key": authority_key, "data": s,
             "ref_target": s["object"]["id"].lower() if s["object"]["objectType"] == "StatementRef" else None}
            for s in statements]
    # Core inserts on the tables: the ORM's bulk path costs more than the SQL itself here.
    table = Statement.__table__
    result = db.connection().execute(
        insert(table).returning(table.c.seq, table.c.id, sort_by_parameter_order=True), rows)
    seq_of = {statement_id: seq for seq, statement_id in result}
    refs = {s["object"]["id"].lower() for s in statements if s["object"]["objectType"] == "StatementRef"}
    inherited: dict[str, set[tuple[str, bool]]] = {}
    if refs:
        # Statements targeting a statement match the target's filters (Communication 2.1.3).
        for target_id, key, narrow in db.execute(
                select(Statement.id, StatementIndex.key, StatementIndex.narrow)
                .join(StatementIndex, StatementIndex.statement_seq == Statement.seq).where(Statement.id.in_(refs))):
            inherited.setdefault(target_id, set()).add((key, narrow))
    index_rows = []
    for statement in statements:
        keys = index_keys(statement)
        if statement["object"]["objectType"] == "StatementRef":
            keys |= inherited.get(statement["object"]["id"].lower(), set())
            keys = {(k, narrow) for k, narrow in keys if narrow or (k, True) not in keys}  # one row per key
        seq = seq_of[statement["id"]]
        index_rows += [{"statement_seq": seq, "key": key, "narrow": narrow} for key, narrow in keys]
    db.connection().execute(insert(StatementIndex.__table__), index_rows)
    _share_keys_with_earlier_referrers(seq_of, index_rows)
    voids = {r["voids"] for r in rows if r["voids"]}
    if voids:
        db.execute(update(Statement).where(Statement.id.in_(voids), Statement.verb_id != VOIDED).values(voided=True))


def _share_keys_with_earlier_referrers(seq_of: dict[str, int], index_rows: list[dict]) -> None:
    """Statements that targeted one of these before it arrived now match its filters too."""
    referrers = db.execute(select(Statement.seq, Statement.ref_target).where(
        Statement.ref_target.in_(list(seq_of)), Statement.seq.not_in(list(seq_of.values())))).all()
    if not referrers:
        return
    keys_of: dict[int, set[tuple[str, bool]]] = {}
    for row in index_rows:
        keys_of.setdefault(row["statement_seq"], set()).add((row["key"], row["narrow"]))
    have = {(seq, key) for seq, key in db.execute(select(StatementIndex.statement_seq, StatementIndex.key).where(
        StatementIndex.statement_seq.in_([seq for seq, _ in referrers])))}
    rows = [{"statement_seq": seq, "key": key, "narrow": narrow}
            for seq, target in referrers for key, narrow in keys_of.get(seq_of[target], ())
            if (seq, key) not in have]
    if rows:
        db.connection().execute(insert(StatementIndex.__table__), rows)


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


def _remember_activities(statements: list[dict], client: LRSClient | None) -> None:
    """Keep a canonical definition per activity (Communication 2.5): the definitions received are merged, so the
    name and description hold every language seen (XAPI-00254), latest wins per language. Only definitions the
    credentials may define count (lms/xapi/authority.py, review M5); the statement keeps its own either way."""
    found: dict[str, dict | None] = {}

    def visit(activity: dict) -> None:
        if activity.get("objectType", "Activity") != "Activity":
            return
        found.setdefault(activity["id"], None)
        if activity.get("definition") and may_define(client, activity["id"]):
            found[activity["id"]] = _merge_definition(found[activity["id"]] or {}, activity["definition"])

    def visit_all(statement: dict) -> None:
        visit(statement["object"])
        context = statement.get("context") or {}
        for name in CONTEXT_LISTS:
            value = context.get("contextActivities", {}).get(name)
            for activity in [value] if isinstance(value, dict) else value or []:
                visit(activity)

    for statement in statements:
        visit_all(statement)
        if statement["object"].get("objectType") == "SubStatement":
            visit_all(statement["object"])
    if not found:
        return
    rows = {a.iri: a for a in db.scalars(select(Activity).where(Activity.iri.in_(found)))}
    new = []
    # Sorted: concurrent batches then lock activity rows in the same order and cannot deadlock.
    for iri, definition in sorted(found.items()):
        row = rows.get(iri)
        if row is None:
            new.append({"iri": iri, "definition": definition, "updated": utcnow()})
        elif definition:
            merged = _merge_definition(row.definition or {}, definition)
            if merged != row.definition:
                db.execute(update(Activity).where(Activity.id == row.id).values(definition=merged, updated=utcnow()))
    if new:
        # Concurrent batches may both see an activity as new: the second insert is a no-op.
        db.connection().execute(_insert_ignoring_duplicates(Activity.__table__), new)


def _insert_ignoring_duplicates(table):
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - other databases are not supported targets
        return insert(table)
    return dialect_insert(table).on_conflict_do_nothing()


def _merge_definition(current: dict, incoming: dict) -> dict:
    merged = dict(current)
    for key, value in incoming.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
