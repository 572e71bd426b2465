"""xAPI 1.0.3 Statement validation for the LRS: exactly the MUST rules of xAPI-Data.md, one StatementError each."""
from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone

from lms.xapi.iri import is_iri, is_mailto_iri, is_media_type, is_sha1_hex, is_sha2_hex, is_uuid
from lms.xapi.langtags import is_language_tag

__all__ = [
    "StatementError", "agent_ifi", "is_iri", "is_uuid", "parse_timestamp", "validate_agent", "validate_duration",
    "validate_statement", "validate_statements",
]

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric",
     "other"})
# Data 2.4.4.1 "Interaction Components": the component lists each interactionType supports.
COMPONENT_LISTS = {"choice": {"choices"}, "sequencing": {"choices"}, "likert": {"scale"},
                   "matching": {"source", "target"}, "performance": {"steps"}}
_ALL_LISTS = frozenset({"choices", "scale", "source", "target", "steps"})

_STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                             "version", "attachments"})
_SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp",
                                "attachments"})
_AGENT_KEYS = frozenset({"objectType", "name", *IFIS})
_GROUP_KEYS = _AGENT_KEYS | {"member"}
_DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                              "correctResponsesPattern", *_ALL_LISTS})
_CONTEXT_KEYS = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                           "language", "statement", "extensions"})
_ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})

# Data 4.5: ISO 8601 combined date and time, extended or basic format; "-00", "-0000", "-00:00" (unknown local
# offset, RFC 3339 4.3) are not ISO 8601 offsets and the conformance suite expects them rejected.
_TS_EXTENDED = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                          r"(Z|[+-]\d{2}(?::?\d{2})?)?")
_TS_BASIC = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?:\d{2})?)?")
# Data 4.6: ISO 8601:2004 4.4.3.2 durations (PnYnMnDTnHnMnS or PnW); only the last component may be fractional.
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?"
                       rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?|P{_NUM}W")
# Data 2.4.10 / Communication 3.3: "1.0" or "1.0.x" (Semantic Versioning 1.0.0, optional pre-release).
_VERSION = re.compile(r"1\.0(?:\.\d+(?:-[0-9A-Za-z\-.]+)?)?")


class StatementError(ValueError):
    """One violated rule: where (a dotted path like "context.contextActivities.parent[0].id") and which rule."""

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(path, rule)
        self.path = path
        self.rule = rule

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}" if self.path else self.rule


# ---------------------------------------------------------------- small helpers


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _obj(value: object, path: str, allowed: frozenset[str] | set[str], required: tuple[str, ...] = ()) -> dict:
    """Data 2.2: an Object with only allowed (case-exact) keys, no null values, and the required keys present."""
    if not isinstance(value, dict):
        raise StatementError(path, "must be an object")
    for key, item in value.items():
        if key not in allowed:
            raise StatementError(_join(path, str(key)), "is not an allowed property here (keys are case-sensitive)")
        if item is None:
            raise StatementError(_join(path, key), "must not be null")
    for key in required:
        if key not in value:
            raise StatementError(_join(path, key), "is required")
    return value


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise StatementError(path, "must be a string")
    return value


def _number(value: object, path: str) -> float:
    # Data 2.2: strings (even numeric ones) where numbers are required are rejected; booleans are not numbers.
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise StatementError(path, "must be a number")
    return value


def _bool(value: object, path: str) -> None:
    if not isinstance(value, bool):
        raise StatementError(path, "must be a boolean")


def _list(value: object, path: str) -> list:
    if not isinstance(value, list):
        raise StatementError(path, "must be an array")
    for i, item in enumerate(value):
        if item is None:
            raise StatementError(f"{path}[{i}]", "must not be null")
    return value


def _iri(value: object, path: str, what: str = "an IRI") -> None:
    if not is_iri(value):
        raise StatementError(path, f"must be {what} with a scheme")


def _uuid(value: object, path: str) -> None:
    if not is_uuid(value):
        raise StatementError(path, "must be a UUID in standard string form")


def _language_map(value: object, path: str) -> None:
    """Data 4.2: keys are RFC 5646 language tags (Data 2.2: at least the token-length sequence), values strings."""
    if not isinstance(value, dict):
        raise StatementError(path, "must be a language map (an object)")
    for tag, text in value.items():
        if not is_language_tag(tag):
            raise StatementError(_join(path, str(tag)), "must be keyed by an RFC 5646 language tag")
        if text is None:
            raise StatementError(_join(path, tag), "must not be null")
        _string(text, _join(path, tag))


def _extensions(value: object, path: str) -> None:
    """Data 4.1: keys MUST be IRIs; values are any JSON (null included) and MUST NOT cause rejection."""
    if not isinstance(value, dict):
        raise StatementError(path, "must be an extensions object")
    for key in value:
        if not is_iri(key):
            raise StatementError(_join(path, str(key)), "extension keys must be IRIs")


def parse_timestamp(value: object, *, path: str = "") -> datetime:
    """Data 4.5: an ISO 8601 date-time; returned timezone-aware (no offset given means UTC: a zone is only SHOULD)."""
    if not isinstance(value, str):
        raise StatementError(path, "must be an ISO 8601 timestamp string")
    match = _TS_EXTENDED.fullmatch(value) or _TS_BASIC.fullmatch(value)
    if not match:
        raise StatementError(path, "must be an ISO 8601 timestamp")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if zone[0] == "-" and hours == minutes == 0:
            raise StatementError(path, "must not use a negative zero UTC offset (-00:00)")
        if hours > 23 or minutes > 59:
            raise StatementError(path, "must have a valid UTC offset")
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=tz)
    except ValueError:
        raise StatementError(path, "must be a valid ISO 8601 date and time") from None
    try:
        # Stored and compared in UTC: 9999-12-31T23:59:59-14:00 or 0001-01-01T00:00:00+14:00 have no UTC instant
        # a datetime can hold, and would otherwise fail later (an OverflowError deep in the database layer).
        moment.astimezone(UTC)
    except OverflowError:
        raise StatementError(path, "is out of range (its UTC time is before year 1 or after year 9999)") from None
    return moment


def validate_duration(value: object, *, path: str = "result.duration") -> None:
    """Data 4.6: ISO 8601:2004 4.4.3.2 duration format; the alternative format MUST NOT be used."""
    if not isinstance(value, str) or not _DURATION.fullmatch(value):
        raise StatementError(path, "must be an ISO 8601 duration (e.g. PT4H35M59.14S or P4W)")
    if re.search(r"[.,]\d+[A-Z].*\d", value):
        raise StatementError(path, "only the smallest duration component may have a decimal fraction")


# ---------------------------------------------------------------- agents and groups


def _ifis(value: dict, path: str) -> list[str]:
    """Data 2.4.2.3: validate whichever inverse functional identifiers are present; return their names."""
    present = [key for key in IFIS if key in value]
    if "mbox" in value and not is_mailto_iri(value["mbox"]):
        raise StatementError(_join(path, "mbox"), "must be a mailto IRI (mailto:email address)")
    if "mbox_sha1sum" in value and not is_sha1_hex(value["mbox_sha1sum"]):
        raise StatementError(_join(path, "mbox_sha1sum"), "must be a hex-encoded SHA1 hash (40 hex digits)")
    if "openid" in value:
        _iri(value["openid"], _join(path, "openid"), "a URI")
    if "account" in value:
        account = _obj(value["account"], _join(path, "account"), {"homePage", "name"}, ("homePage", "name"))
        _iri(account["homePage"], _join(path, "account.homePage"), "an IRL")
        _string(account["name"], _join(path, "account.name"))
    return present


def _agent(value: object, path: str, *, object_type_required: bool = False) -> dict:
    """Data 2.4.2.1: an Agent has exactly one IFI; objectType, when present, is exactly "Agent"."""
    if isinstance(value, dict) and value.get("objectType", "Agent") != "Agent":
        raise StatementError(_join(path, "objectType"), 'must be "Agent"')
    agent = _obj(value, path, _AGENT_KEYS)
    if object_type_required and "objectType" not in agent:
        raise StatementError(_join(path, "objectType"), 'is required ("Agent") when an Agent is the object')
    if "name" in agent:
        _string(agent["name"], _join(path, "name"))
    found = _ifis(agent, path)
    if len(found) != 1:
        raise StatementError(path, "an Agent must have exactly one inverse functional identifier "
                                   "(mbox, mbox_sha1sum, openid or account)" + (f", found {found}" if found else ""))
    return agent


def _group(value: object, path: str, *, identified: bool | None = None) -> dict:
    """Data 2.4.2.2: objectType "Group"; anonymous (member required, no IFI) or identified (exactly one IFI)."""
    group = _obj(value, path, _GROUP_KEYS, ("objectType",))
    if group["objectType"] != "Group":
        raise StatementError(_join(path, "objectType"), 'must be "Group"')
    if "name" in group:
        _string(group["name"], _join(path, "name"))
    found = _ifis(group, path)
    if len(found) > 1:
        raise StatementError(path, f"an identified Group must have exactly one inverse functional identifier, "
                                   f"found {found}")
    if identified is True and not found:
        raise StatementError(path, "must be an identified Group (with an inverse functional identifier)")
    if identified is False and found:
        raise StatementError(path, "must be an anonymous Group (no inverse functional identifier)")
    if not found and "member" not in group:
        raise StatementError(_join(path, "member"), "is required in an anonymous Group")
    if "member" in group:
        members = _list(group["member"], _join(path, "member"))
        if not found and not members:
            raise StatementError(_join(path, "member"), "an anonymous Group must list its member Agents")
        for i, member in enumerate(members):
            where = f"{_join(path, 'member')}[{i}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                raise StatementError(where, "a Group must not contain Group objects in member")
            _agent(member, where)
    return group


def _actor(value: object, path: str, *, object_type_required: bool = False) -> dict:
    """An Agent or a Group, told apart by objectType (absent means Agent)."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return _group(value, path)
    return _agent(value, path, object_type_required=object_type_required)


def _authority(value: object, path: str) -> None:
    """Data 2.4.9: an Agent, or (3-legged OAuth) an anonymous Group of exactly two Agents."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        group = _group(value, path, identified=False)
        if len(group["member"]) != 2:
            raise StatementError(_join(path, "member"), "an authority Group must have exactly two Agents")
        return
    _agent(value, path)


def validate_agent(agent: object, *, path: str = "agent", allow_group: bool = False) -> None:
    """The `agent` parameter of the State, Agent Profile and Agents resources: an Agent (or identified Group)."""
    if allow_group and isinstance(agent, dict) and agent.get("objectType") == "Group":
        _group(agent, path, identified=True)
        return
    _agent(agent, path)


def agent_ifi(agent: dict) -> str:
    """A canonical key for an Agent or identified Group (for an anonymous Group: its members' keys, sorted)."""
    if not isinstance(agent, dict):
        raise StatementError("agent", "must be an object")
    if "mbox" in agent:
        local, _, domain = str(agent["mbox"]).rpartition("@")  # Data 2.3.1: the email domain is case-insensitive
        return f"mbox:{local}@{domain.lower()}" if local else f"mbox:{agent['mbox']}"
    if "mbox_sha1sum" in agent:
        return f"mbox_sha1sum:{str(agent['mbox_sha1sum']).lower()}"
    if "openid" in agent:
        return f"openid:{agent['openid']}"
    if isinstance(agent.get("account"), dict):
        return f"account:{agent['account'].get('homePage')}|{agent['account'].get('name')}"
    if agent.get("objectType") == "Group" and isinstance(agent.get("member"), list) and agent["member"]:
        return "members:" + ",".join(sorted(agent_ifi(m) for m in agent["member"]))
    raise StatementError("agent", "has no inverse functional identifier")


# ---------------------------------------------------------------- activities


def _component_list(value: object, path: str) -> None:
    """Data 2.4.4.1 Interaction Components: {id, description}; ids distinct within the list."""
    seen: set[str] = set()
    for i, component in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        _obj(component, where, {"id", "description"}, ("id",))
        ident = _string(component["id"], _join(where, "id"))
        if ident in seen:
            raise StatementError(_join(where, "id"), "interaction component ids must be distinct within a list")
        seen.add(ident)
        if "description" in component:
            _language_map(component["description"], _join(where, "description"))


def _definition(value: object, path: str) -> None:
    """Data 2.4.4.1 Activity Definition, with the Interaction Activity rules."""
    definition = _obj(value, path, _DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], _join(path, key))
    if "type" in definition:
        _iri(definition["type"], _join(path, "type"))
    if "moreInfo" in definition:
        _iri(definition["moreInfo"], _join(path, "moreInfo"), "an IRL")
    if "extensions" in definition:
        _extensions(definition["extensions"], _join(path, "extensions"))
    interaction = [k for k in ("correctResponsesPattern", *sorted(_ALL_LISTS)) if k in definition]
    if "interactionType" not in definition:
        if interaction:
            raise StatementError(_join(path, "interactionType"),
                                 f"is required when interaction properties ({interaction[0]}) are used")
        return
    kind = definition["interactionType"]
    if not isinstance(kind, str) or kind not in INTERACTION_TYPES:  # Data 2.2: enumerated values match case-exactly
        raise StatementError(_join(path, "interactionType"), "must be one of " + ", ".join(sorted(INTERACTION_TYPES)))
    if "correctResponsesPattern" in definition:
        where = _join(path, "correctResponsesPattern")
        for i, pattern in enumerate(_list(definition["correctResponsesPattern"], where)):
            _string(pattern, f"{where}[{i}]")
    allowed = COMPONENT_LISTS.get(kind, set())
    for key in sorted(_ALL_LISTS & definition.keys()):
        if key not in allowed:
            raise StatementError(_join(path, key), f'is not a component list supported by interactionType "{kind}"')
        _component_list(definition[key], _join(path, key))


def _activity(value: object, path: str) -> None:
    """Data 2.4.4.1: objectType "Activity" when present, id an IRI, optional definition."""
    if isinstance(value, dict) and value.get("objectType", "Activity") != "Activity":
        raise StatementError(_join(path, "objectType"), 'must be "Activity"')
    activity = _obj(value, path, {"objectType", "id", "definition"}, ("id",))
    _iri(activity["id"], _join(path, "id"))
    if "definition" in activity:
        _definition(activity["definition"], _join(path, "definition"))


def _statement_ref(value: object, path: str) -> None:
    """Data 2.4.4.3 Statement References: objectType "StatementRef" and a UUID id, nothing else."""
    ref = _obj(value, path, {"objectType", "id"}, ("objectType", "id"))
    if ref["objectType"] != "StatementRef":
        raise StatementError(_join(path, "objectType"), 'must be "StatementRef"')
    _uuid(ref["id"], _join(path, "id"))


_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")


def _object(value: object, path: str, *, in_substatement: bool) -> str:
    """Data 2.4.4: dispatch on objectType (default Activity); returns the objectType used."""
    if not isinstance(value, dict):
        raise StatementError(path, "must be an object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        _activity(value, path)
    elif kind == "Agent":
        _agent(value, path, object_type_required=True)
    elif kind == "Group":
        _group(value, path)
    elif kind == "StatementRef":
        _statement_ref(value, path)
    elif kind == "SubStatement":
        if in_substatement:
            raise StatementError(_join(path, "objectType"), "a SubStatement must not contain a SubStatement")
        _statement(value, path, substatement=True)
    else:
        raise StatementError(_join(path, "objectType"), "must be one of " + ", ".join(_OBJECT_TYPES))
    return kind


# ---------------------------------------------------------------- result, context, attachments


def _result(value: object, path: str) -> None:
    """Data 2.4.5 Result and 2.4.5.1 Score."""
    result = _obj(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
    for key in ("success", "completion"):
        if key in result:
            _bool(result[key], _join(path, key))
    if "response" in result:
        _string(result["response"], _join(path, "response"))
    if "duration" in result:
        validate_duration(result["duration"], path=_join(path, "duration"))
    if "extensions" in result:
        _extensions(result["extensions"], _join(path, "extensions"))
    if "score" not in result:
        return
    where = _join(path, "score")
    score = _obj(result["score"], where, {"scaled", "raw", "min", "max"})
    nums = {key: _number(score[key], _join(where, key)) for key in ("scaled", "raw", "min", "max") if key in score}
    if "scaled" in nums and not -1 <= nums["scaled"] <= 1:
        raise StatementError(_join(where, "scaled"), "must be between -1 and 1 inclusive")
    if "min" in nums and "max" in nums and not nums["min"] < nums["max"]:
        raise StatementError(_join(where, "min"), "must be less than max")
    if "raw" in nums and "min" in nums and nums["raw"] < nums["min"]:
        raise StatementError(_join(where, "raw"), "must be between min and max inclusive (below min)")
    if "raw" in nums and "max" in nums and nums["raw"] > nums["max"]:
        raise StatementError(_join(where, "raw"), "must be between min and max inclusive (above max)")


def _context(value: object, path: str, object_type: str) -> None:
    """Data 2.4.6 Context and 2.4.6.2 ContextActivities."""
    context = _obj(value, path, _CONTEXT_KEYS)
    if "registration" in context:
        _uuid(context["registration"], _join(path, "registration"))
    if "instructor" in context:
        _actor(context["instructor"], _join(path, "instructor"))
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            raise StatementError(_join(path, "team"), 'must be a Group (objectType "Group")')
        _group(team, _join(path, "team"))
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], _join(path, key))
            if object_type != "Activity":
                raise StatementError(_join(path, key), "must only be used when the Statement's object is an Activity")
    if "language" in context:
        # Data 2.4.6 and XAPI-00013: an RFC 5646 tag, checked like language map keys (the suite refuses "g-GR",
        # "something" and a SubStatement's "fr-f-aaa-b-rrr-f-ccc" here).
        if not is_language_tag(context["language"]):
            raise StatementError(_join(path, "language"), "must be an RFC 5646 language tag string")
    if "statement" in context:
        _statement_ref(context["statement"], _join(path, "statement"))
    if "extensions" in context:
        _extensions(context["extensions"], _join(path, "extensions"))
    if "contextActivities" in context:
        where = _join(path, "contextActivities")
        activities = _obj(context["contextActivities"], where, {"parent", "grouping", "category", "other"})
        if not activities:
            raise StatementError(where, "must contain at least one of parent, grouping, category, other")
        for key, item in activities.items():
            if isinstance(item, list):
                for i, activity in enumerate(_list(item, _join(where, key))):
                    _activity(activity, f"{_join(where, key)}[{i}]")
            else:
                _activity(item, _join(where, key))


def _attachments(value: object, path: str) -> None:
    """Data 2.4.11 Attachments, plus Data 2.6: a signature attachment's contentType is application/octet-stream."""
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        att = _obj(item, where, _ATTACHMENT_KEYS, ("usageType", "display", "contentType", "length", "sha2"))
        _iri(att["usageType"], _join(where, "usageType"))
        _language_map(att["display"], _join(where, "display"))
        if "description" in att:
            _language_map(att["description"], _join(where, "description"))
        if not is_media_type(att["contentType"]):
            raise StatementError(_join(where, "contentType"), "must be an Internet Media Type (type/subtype)")
        length = att["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise StatementError(_join(where, "length"), "must be a non-negative integer")
        if not is_sha2_hex(att["sha2"]):
            raise StatementError(_join(where, "sha2"), "must be the hex SHA-2 hash of the attachment data")
        if "fileUrl" in att:
            _iri(att["fileUrl"], _join(where, "fileUrl"), "an IRL")
        if att["usageType"] == SIGNATURE_USAGE and att["contentType"] != "application/octet-stream":
            raise StatementError(_join(where, "contentType"),
                                 'a signature attachment must have contentType "application/octet-stream"')


# ---------------------------------------------------------------- statements


def _statement(value: object, path: str, *, substatement: bool) -> None:
    if not isinstance(value, dict):
        raise StatementError(path, "must be a Statement object")
    if substatement:
        # Data 2.4.4.3 SubStatements: MUST NOT have "id", "stored", "version" or "authority".
        for key in ("id", "stored", "version", "authority"):
            if key in value:
                raise StatementError(_join(path, key), f'a SubStatement must not have "{key}"')
        _obj(value, path, _SUBSTATEMENT_KEYS, ("objectType", "actor", "verb", "object"))
    else:
        _obj(value, path, _STATEMENT_KEYS, ("actor", "verb", "object"))  # Data 2.2: actor, verb, object required
        if "id" in value:
            _uuid(value["id"], _join(path, "id"))
        if "stored" in value:
            parse_timestamp(value["stored"], path=_join(path, "stored"))
        if "version" in value and not (isinstance(value["version"], str) and _VERSION.fullmatch(value["version"])):
            raise StatementError(_join(path, "version"), 'must start with "1.0." (or be "1.0")')
        if "authority" in value:
            _authority(value["authority"], _join(path, "authority"))
    _actor(value["actor"], _join(path, "actor"))
    verb = _obj(value["verb"], _join(path, "verb"), {"id", "display"}, ("id",))
    _iri(verb["id"], _join(path, "verb.id"))
    if "display" in verb:
        _language_map(verb["display"], _join(path, "verb.display"))
    kind = _object(value["object"], _join(path, "object"), in_substatement=substatement)
    if not substatement and verb["id"] == VOIDED and kind != "StatementRef":
        # Data 2.3.2: the object of a voiding Statement MUST be a StatementRef.
        raise StatementError(_join(path, "object.objectType"), 'a voiding Statement\'s object must be a "StatementRef"')
    if "result" in value:
        _result(value["result"], _join(path, "result"))
    if "context" in value:
        _context(value["context"], _join(path, "context"), kind)
    if "timestamp" in value:
        parse_timestamp(value["timestamp"], path=_join(path, "timestamp"))
    if "attachments" in value:
        _attachments(value["attachments"], _join(path, "attachments"))


def validate_statement(statement: object, *, path: str = "") -> None:
    """Raise StatementError on the first rule a Statement (as received by the LRS) breaks."""
    _statement(statement, path, substatement=False)


def validate_statements(payload: object) -> list[dict]:
    """A POST body: one Statement or an array of them; returns the list. Errors are prefixed "[i]"."""
    if isinstance(payload, dict):
        validate_statement(payload)
        return [payload]
    if not isinstance(payload, list):
        raise StatementError("", "the body must be a Statement object or an array of Statements")
    for i, statement in enumerate(payload):
        validate_statement(statement, path=f"[{i}]")
    return payload
