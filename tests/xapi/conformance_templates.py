"""Templates and helpers shared by the test_conformance_* ports of the ADL LRS conformance suite
(adlnet/lrs-conformance-test-suite, test/v1_0_3/): the suite's JSON templates, its multipart
attachment bodies (.part files) and its way of encoding query parameters."""
from __future__ import annotations

import copy
import hashlib
import json
import uuid
from urllib.parse import quote

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
BOUNDARY = "-------314159265358979323846"
MULTIPART = f"multipart/mixed; boundary={BOUNDARY}"

# templates/statements/default.json
DEFAULT = {
    "actor": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
    "object": {"objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534"},
}
# templates/agents/default.json (the suite's agent parameter)
AGENT = {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"}
# templates/contexts/default.json
CONTEXT_DEFAULT = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "revision": "rev_10_3_2",
    "platform": "Example virtual meeting software", "language": "tlh",
    "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    "extensions": {"http://example.com/profiles/meetings/contextextensions/airspeed": "600mph",
                   "http://example.com/profiles/meetings/contextextensions/pilot": {
                       "name": "Thomas", "id": "http://openid.com/342"}},
}
# templates/contexts/category.json (note: "category" is a single Activity, not an array)
CONTEXT_CATEGORY = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "platform": "Example virtual meeting software",
    "language": "tlh", "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    "contextActivities": {"category": {
        "objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "description": {"en-GB": "An example meeting that happened on a specific occasion with certain people "
                                     "present.",
                            "en-US": "An example meeting that happened on a specific occasion with certain people "
                                     "present."},
            "moreInfo": "http://virtualmeeting.example.com/345256",
            "extensions": {"http://example.com/profiles/meetings/extension/location": "X:\\meetings\\minutes\\one",
                           "http://example.com/profiles/meetings/extension/reporter": {
                               "name": "Thomas", "id": "http://openid.com/342"}}}}},
}
# templates/statements/unicode.json (verb display part)
UNICODE_DISPLAY = {"en-GB": "attended", "en-US": "attended", "ja-JP": "出席した", "ko-KR": "참석", "is-IS": "sótti",
                   "ru-RU": "участие", "pa-IN": "ਹਾਜ਼ਰ", "sk-SK": "zúčastnil", "ar-EG": "حضر",
                   "hy-AM": "ներկા է գտնվել", "kn-IN": "ಹಾಜರಿದ್ದರು"}


def default(**overrides) -> dict:
    statement = copy.deepcopy(DEFAULT)
    statement.update(copy.deepcopy(overrides))
    return statement


def context_statement(instructor_mbox: str = "mailto:pri@adlnet.gov",
                      category_id: str = "http://www.example.com/test/array/statements/pri") -> dict:
    """statements.context + contexts.category + an instructor, as the suite builds it for 2.1.3 tests."""
    context = copy.deepcopy(CONTEXT_CATEGORY)
    context["instructor"] = {"objectType": "Agent", "name": "xAPI mbox", "mbox": instructor_mbox}
    context["contextActivities"]["category"]["id"] = category_id
    return default(actor={"objectType": "Agent", "name": "xAPI account", "mbox": "mailto:xapi@adlnet.gov"},
                   context=context)


def substatement_statement() -> dict:
    """statements.object_substatement with substatements.context + contexts.category + instructor."""
    context = copy.deepcopy(CONTEXT_CATEGORY)
    context["instructor"] = {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:sub@adlnet.gov"}
    context["contextActivities"]["category"]["id"] = "http://www.example.com/test/array/statements/sub"
    context.pop("statement")
    context.pop("registration")
    sub = {"objectType": "SubStatement", "actor": copy.deepcopy(DEFAULT["actor"]),
           "verb": copy.deepcopy(DEFAULT["verb"]), "object": copy.deepcopy(DEFAULT["object"]), "context": context}
    return default(object=sub)


def statement_ref(target: str, verb: dict | None = None) -> dict:
    """statements.object_statementref, optionally with verbs.voided."""
    return default(verb=verb or {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}},
                   object={"objectType": "StatementRef", "id": target})


def voiding(target: str) -> dict:
    return statement_ref(target, {"id": VOIDED, "display": {"en-US": "voided"}})


def encode(params: dict) -> str:
    """helper.getUrlEncoding: objects are JSON-encoded and percent-encoded, the rest sent as they are."""

    def value(v: object) -> str:
        if isinstance(v, (dict, list)):
            return quote(json.dumps(v))
        return quote(str(v).lower() if isinstance(v, bool) else str(v), safe=":/")

    return "&".join(f"{k}={value(v)}" for k, v in params.items())


def new_id() -> str:
    return str(uuid.uuid4())


# The .part bodies of templates/attachments/ (LF line endings, as stored in the suite) ----------

TEXT = b"here is a simple attachment"
TEXT_SHA = hashlib.sha256(TEXT).hexdigest()

ATTACHMENT_STATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:sample.agent@example.com", "name": "Sample Agent"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {"id": "http://www.example.com/tincan/activities/multipart", "objectType": "Activity",
               "definition": {"name": {"en-US": "Multi Part Activity"},
                              "description": {"en-US": "Multi Part Activity Description"}}},
    "timestamp": "2014-07-11T13:51:03.971Z",
    "attachments": [{"usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test attachment"},
                     "contentType": "text/plain", "length": 27, "sha2": TEXT_SHA,
                     "description": {"en-US": "A test attachment (description)"}}],
}


def part_body(statement: dict | None = None, *, first_type: str = "application/json",
              parts: list[tuple[dict, bytes]] | None = None, newline: bytes = b"\n",
              boundary: str = BOUNDARY) -> bytes:
    """A multipart/mixed body like the suite's .part files: the statement part, then attachment parts
    given as (headers, content)."""
    statement = ATTACHMENT_STATEMENT if statement is None else statement
    nl = newline
    if parts is None:
        parts = [({"Content-Disposition": 'attachment; filename="text_data.txt"', "Content-Type": "text/plain",
                   "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": TEXT_SHA}, TEXT)]
    chunks = [b"--" + boundary.encode() + nl + b"Content-Type: " + first_type.encode() + nl + nl,
              json.dumps(statement).encode()]
    for headers, content in parts:
        chunks.append(nl + b"--" + boundary.encode() + nl)
        chunks += [f"{name}: {value}".encode() + nl for name, value in headers.items()]
        chunks += [nl, content]
    chunks.append(nl + b"--" + boundary.encode() + b"--" + nl)
    return b"".join(chunks)
