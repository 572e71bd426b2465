"""Sample xAPI statements shared by the validation tests (all valid; tests mutate copies), and their own checks."""
from __future__ import annotations

import copy

ACTIVITY = "http://example.com/activities/quiz-1"
AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
ACCOUNT_AGENT = {"account": {"homePage": "http://lms.example.com", "name": "u-1625378"}}
SHA1_AGENT = {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}
OPENID_AGENT = {"openid": "http://openid.example.org/12345"}
ANON_GROUP = {"objectType": "Group", "member": [AGENT, ACCOUNT_AGENT]}
IDENTIFIED_GROUP = {"objectType": "Group", "name": "Team A", "openid": "http://openid.example.org/team-a",
                    "member": [SHA1_AGENT]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
UUID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"

MINIMAL = {"actor": {"mbox": "mailto:xapi@adlnet.gov"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/created"},
           "object": {"id": ACTIVITY}}

FULL = {
    "id": UUID,
    "actor": AGENT,
    "verb": VERB,
    "object": {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {
            "name": {"en-US": "Quiz 1", "de": "Quiz 1"},
            "description": {"en-US": "The first quiz"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/quiz-1/info",
            "extensions": {"http://example.com/ext/difficulty": {"level": 3, "tags": None}},
            "interactionType": "choice",
            "correctResponsesPattern": ["golf[,]tetris"],
            "choices": [{"id": "golf", "description": {"en-US": "Golf"}}, {"id": "tetris"}],
        },
    },
    "result": {
        "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
        "success": True,
        "completion": True,
        "response": "golf[,]tetris",
        "duration": "PT1H0M0.1S",
        "extensions": {"http://example.com/ext/null": None},
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "instructor": {"objectType": "Agent", "account": {"homePage": "http://lms.example.com", "name": "teacher"}},
        "team": ANON_GROUP,
        "contextActivities": {
            "parent": [{"id": "http://example.com/activities/course-1"}],
            "grouping": {"objectType": "Activity", "id": "http://example.com/activities/program"},
            "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}],
            "other": [],
        },
        "revision": "r2",
        "platform": "Peer Recovery LMS",
        "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
        "extensions": {"http://example.com/ext/room": "B12"},
    },
    "timestamp": "2013-05-18T05:32:34.804Z",
    "stored": "2013-05-18T05:32:35.000+00:00",
    "authority": {"objectType": "Agent", "account": {"homePage": "http://lrs.example.com", "name": "key-1"}},
    "version": "1.0.0",
    "attachments": [{
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "description": {"en-US": "A test attachment (description)"},
        "contentType": "text/plain; charset=ascii",
        "length": 27,
        "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
        "fileUrl": "http://over.there.com/file.txt",
    }],
}

SUBSTATEMENT = {
    "actor": AGENT,
    "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
    "object": {
        "objectType": "SubStatement",
        "actor": AGENT,
        "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
        "object": {"objectType": "Activity", "id": "http://example.com/website",
                   "definition": {"name": {"en-US": "Some Awesome Website"}}},
        "result": {"completion": False},
        "context": {"platform": "web", "revision": "1"},
        "timestamp": "2099-01-01T00:00:00Z",
    },
}


def stmt(base: dict | None = None, **changes: object) -> dict:
    """A deep copy of base (MINIMAL by default) with top-level keys replaced; value ... deletes the key."""
    out = copy.deepcopy(base if base is not None else MINIMAL)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def with_object(obj: dict, base: dict | None = None) -> dict:
    return stmt(base, object=obj)


def set_path(statement: dict, path: str, value: object) -> dict:
    """Copy statement and set a dotted path ("context.contextActivities.parent.0.id"); value ... deletes it."""
    out = copy.deepcopy(statement)
    parts = path.split(".")
    node = out
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    elif value is ...:
        del node[last]
    else:
        node[last] = copy.deepcopy(value)
    return out


def test_every_shared_sample_is_a_valid_statement() -> None:
    from lms.xapi.validation import validate_statement

    for sample in (MINIMAL, FULL, SUBSTATEMENT):
        validate_statement(copy.deepcopy(sample))


def test_set_path_copies_and_can_delete() -> None:
    changed = set_path(FULL, "context.contextActivities.parent.0.id", "http://x.example/y")
    assert changed["context"]["contextActivities"]["parent"][0]["id"] == "http://x.example/y"
    assert FULL["context"]["contextActivities"]["parent"][0]["id"] != "http://x.example/y"
    assert "result" not in set_path(FULL, "result", ...)
