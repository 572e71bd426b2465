"""Finding statements: filters served by the index table, stable paging, and the three formats."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from lms.db import session as db
from lms.xapi.models import Activity, Statement, StatementIndex


@dataclass
class Filters:
    agent_key: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    authority_key: str | None = None  # statements/read/mine
    # How the pages are rendered: kept in "more" links so later pages look like the first.
    format: str = "exact"
    attachments: bool = False
    # Paging state carried in "more" links.
    after_seq: int | None = None
    max_seq: int | None = None


class MoreTokenError(ValueError):
    """A more token that is forged, expired or made for other credentials; str() is the 400 message."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-xapi-more")


def encode_more(filters: Filters, client_key: str) -> str:
    """A signed, timestamped token for the next page, bound to the credentials that made the query (L7)."""
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.__dict__.items()}
    return _serializer().dumps({"client": client_key, "filters": data})


def decode_more(token: str, client_key: str) -> Filters:
    """The filters of a more token made for `client_key` within LMS_XAPI_MORE_MAX_AGE seconds."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["LMS_XAPI_MORE_MAX_AGE"])
    except SignatureExpired:
        raise MoreTokenError("The more link has expired; run the query again.") from None
    except BadSignature:
        raise MoreTokenError("The more token is not valid.") from None
    if not isinstance(data, dict) or data.get("client") != client_key or not isinstance(data.get("filters"), dict):
        raise MoreTokenError("The more token was issued to other credentials; run the query yourself.")
    filters = dict(data["filters"])
    for key in ("since", "until"):
        if filters.get(key):
            filters[key] = datetime.fromisoformat(filters[key])
    return Filters(**filters)


def find(filters: Filters) -> tuple[list[Statement], Filters | None]:
    """One page of matching statements (newest first unless ascending) and the next page's filters.

    The most selective filter drives the query through the index (a join); the others are
    checked per candidate with EXISTS probes on (statement_seq, key), so no filter materializes
    every statement with a common verb.
    """
    page_size = current_app.config["LMS_XAPI_PAGE_SIZE"]
    limit = min(filters.limit or page_size, page_size)
    wanted = [
        (key, broad)
        for key, broad in (
            ("agent|" + filters.agent_key if filters.agent_key else None, filters.related_agents),
            ("activity|" + filters.activity if filters.activity else None, filters.related_activities),
            ("registration|" + filters.registration.lower() if filters.registration else None, False),
            ("verb|" + filters.verb if filters.verb else None, False),
        )
        if key
    ]
    query = select(Statement)
    if wanted:
        key, broad = wanted[0]
        driver = aliased(StatementIndex)
        query = query.join(driver, driver.statement_seq == Statement.seq).where(driver.key == key)
        if not broad:
            query = query.where(driver.narrow.is_(True))
        for key, broad in wanted[1:]:
            probe = aliased(StatementIndex)
            condition = exists().where(probe.statement_seq == Statement.seq, probe.key == key)
            query = query.where(condition if broad else condition.where(probe.narrow.is_(True)))
    query = query.where(Statement.voided.is_(False))
    if filters.since:
        query = query.where(Statement.stored > filters.since)
    if filters.until:
        query = query.where(Statement.stored <= filters.until)
    if filters.authority_key:
        query = query.where(Statement.authority_key == filters.authority_key)
    if filters.max_seq is None:
        # Pages stay consistent while new statements arrive: later pages never see them.
        filters.max_seq = db.scalar(select(func.max(Statement.seq))) or 0
    query = query.where(Statement.seq <= filters.max_seq)
    if filters.after_seq is not None:
        query = query.where(
            Statement.seq > filters.after_seq if filters.ascending else Statement.seq < filters.after_seq
        )
    query = query.order_by(Statement.seq.asc() if filters.ascending else Statement.seq.desc()).limit(limit + 1)
    rows = list(db.scalars(query))
    if len(rows) > limit:
        rows = rows[:limit]
        following = copy.copy(filters)
        following.after_seq = rows[-1].seq
        return rows, following
    return rows, None


def get_by_id(statement_id: str, voided: bool) -> Statement | None:
    row = db.scalar(select(Statement).where(Statement.id == statement_id.lower()))
    if row is None or row.voided != voided:
        return None
    return row


# Formats (xAPI Communication 2.1.3, "format") --------------------------------------------------

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _agent_ids(agent: dict) -> dict:
    out = {"objectType": agent.get("objectType", "Agent")}
    out.update({k: agent[k] for k in _IFIS if k in agent})
    if agent.get("objectType") == "Group" and not any(k in agent for k in _IFIS):
        out["member"] = [_agent_ids(m) for m in agent.get("member", [])]
    return out


def _ids_format(node: dict) -> dict:
    """Communication 2.1.3 format "ids": Agents and Groups by their identifiers only (anonymous Groups by their
    members), Activities, Verbs and StatementRefs by id. Only the objects changed are copied: no deep copy, so a
    stored statement of any depth renders (review M4)."""
    node = dict(node)
    node["actor"] = _agent_ids(node["actor"])
    node["verb"] = {"id": node["verb"]["id"]}
    obj = node["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        node["object"] = {"id": obj["id"]}
    elif kind in ("Agent", "Group"):
        node["object"] = _agent_ids(obj)
    elif kind == "SubStatement":
        node["object"] = _ids_format(obj)
    if "authority" in node:
        node["authority"] = _agent_ids(node["authority"])
    context = node.get("context")
    if isinstance(context, dict):
        context = node["context"] = dict(context)
        for name in ("instructor", "team"):
            if name in context:
                context[name] = _agent_ids(context[name])
        if isinstance(context.get("contextActivities"), dict):
            context["contextActivities"] = {
                name: [{"id": a["id"]} for a in ([value] if isinstance(value, dict) else value)]
                for name, value in context["contextActivities"].items()}
    return node


def _best_language(langmap: dict, accepted: list[str]) -> dict:
    if not isinstance(langmap, dict) or len(langmap) <= 1:
        return langmap
    lowered = {k.lower(): k for k in langmap}
    for lang in accepted:
        lang = lang.lower()
        if lang in lowered:
            return {lowered[lang]: langmap[lowered[lang]]}
        for key_lower, key in lowered.items():
            if key_lower.split("-")[0] == lang.split("-")[0]:
                return {key: langmap[key]}
    for fallback in ("en-us", "en"):
        if fallback in lowered:
            return {lowered[fallback]: langmap[lowered[fallback]]}
    first = next(iter(langmap))
    return {first: langmap[first]}


def _filter_definition(definition: dict, accepted: list[str]) -> dict:
    definition = dict(definition)
    for key in ("name", "description"):
        if key in definition:
            definition[key] = _best_language(definition[key], accepted)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(definition.get(key), list):
            definition[key] = [
                {**component, "description": _best_language(component["description"], accepted)}
                if isinstance(component, dict) and "description" in component else component
                for component in definition[key]]
    return definition


def _canonical_format(node: dict, canonical: dict[str, dict], accepted: list[str]) -> dict:
    """Communication 2.1.3 format "canonical": Activities with the canonical definition, one language per
    language map. Shallow copies of what changes, as in `_ids_format`."""
    node = dict(node)

    def apply(activity: dict) -> dict:
        definition = canonical.get(activity["id"]) or activity.get("definition")
        return {**activity, "definition": _filter_definition(definition, accepted)} if definition else activity

    obj = node["object"]
    if obj.get("objectType", "Activity") == "Activity":
        node["object"] = apply(obj)
    elif obj.get("objectType") == "SubStatement":
        node["object"] = _canonical_format(obj, canonical, accepted)
    context = node.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        node["context"] = {**context, "contextActivities": {
            name: [apply(a) for a in ([value] if isinstance(value, dict) else value)]
            for name, value in context["contextActivities"].items()}}
    if "display" in node["verb"]:
        node["verb"] = {**node["verb"], "display": _best_language(node["verb"]["display"], accepted)}
    return node


def render(rows: list[Statement], fmt: str, accepted_languages: list[str]) -> list[dict]:
    if fmt == "ids":
        return [_ids_format(row.data) for row in rows]
    if fmt == "canonical":
        iris = set()
        for row in rows:
            iris |= _activity_iris(row.data)
        canonical = (
            {a.iri: a.definition for a in db.scalars(select(Activity).where(Activity.iri.in_(iris))) if a.definition}
            if iris
            else {}
        )
        return [_canonical_format(row.data, canonical, accepted_languages) for row in rows]
    return [row.data for row in rows]


def _activity_iris(statement: dict) -> set[str]:
    iris = set()
    obj = statement["object"]
    if obj.get("objectType", "Activity") == "Activity":
        iris.add(obj["id"])
    elif obj.get("objectType") == "SubStatement":
        iris |= _activity_iris(obj)
    for value in (statement.get("context") or {}).get("contextActivities", {}).values():
        iris |= {a["id"] for a in ([value] if isinstance(value, dict) else value)}
    return iris
