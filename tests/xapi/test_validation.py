"""xAPI 1.0.3 statement validation: tables of statements an LRS must accept and must reject (with path and rule)."""
from __future__ import annotations

import pytest

from lms.xapi.validation import StatementError, validate_statement, validate_statements
from tests.xapi.test_validation_samples import (
    ACCOUNT_AGENT,
    ACTIVITY,
    AGENT,
    ANON_GROUP,
    FULL,
    IDENTIFIED_GROUP,
    MINIMAL,
    OPENID_AGENT,
    SHA1_AGENT,
    SUBSTATEMENT,
    UUID,
    set_path,
    stmt,
    with_object,
)


def _interaction(kind: str, **extra: object) -> dict:
    return with_object({"id": ACTIVITY, "definition": {"interactionType": kind, **extra}})


def _components(*ids: str) -> list[dict]:
    return [{"id": i, "description": {"en-US": i.title()}} for i in ids]


VALID = {
    "minimal": MINIMAL,
    "every optional part": FULL,
    "substatement object": SUBSTATEMENT,
    "agent object": with_object({"objectType": "Agent", "mbox": "mailto:bob@example.com"}),
    "anonymous group object": with_object(ANON_GROUP),
    "identified group object": with_object(IDENTIFIED_GROUP),
    "identified group without members": with_object({"objectType": "Group", "mbox": "mailto:team@example.com"}),
    "statementref object": with_object({"objectType": "StatementRef", "id": UUID}),
    "activity without objectType": with_object({"id": "urn:uuid:" + UUID}),
    "group actor": stmt(actor=ANON_GROUP),
    "identified group actor": stmt(actor=IDENTIFIED_GROUP),
    "account actor": stmt(actor=ACCOUNT_AGENT),
    "sha1 actor": stmt(actor=SHA1_AGENT),
    "openid actor": stmt(actor=OPENID_AGENT),
    "voiding statement": stmt(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                              object={"objectType": "StatementRef", "id": UUID}),
    "uppercase uuid id": stmt(id=UUID.upper()),
    "version 1.0": stmt(version="1.0"),
    "version 1.0.9": stmt(version="1.0.9"),
    "version 1.0.3": stmt(version="1.0.3"),
    "timestamp with offset": stmt(timestamp="2008-09-15T15:53:00.601+05:30"),
    "timestamp basic format": stmt(timestamp="20080915T155300Z"),
    "timestamp without zone": stmt(timestamp="2008-09-15T15:53:00"),
    "timestamp +00:00": stmt(timestamp="2008-09-15T15:53:00.601+00:00"),
    "timestamp nanoseconds": stmt(timestamp="2008-09-15T15:53:00.123456789Z"),
    "authority anonymous group of two (3-legged OAuth)": stmt(authority={"objectType": "Group", "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
        {"mbox": "mailto:bob@example.com"}]}),
    "grandfathered and private-use language tags": stmt(verb={"id": "http://example.com/v", "display": {
        "i-enochian": "a", "x-whatever": "b", "zh-cmn-Hans-CN": "c", "sl-rozaj-biske": "d", "de-CH-1901": "e",
        "hy-Latn-IT-arevela": "f", "az-Arab-x-AZE-derbend": "g", "es-419": "h", "ine": "i"}}),
    "empty language map": stmt(verb={"id": "http://example.com/v", "display": {}}),
    "null extension value": set_path(FULL, "context.extensions", {"http://example.com/null": None}),
    "score raw equal to min and max bounds": set_path(FULL, "result.score", {"raw": 0, "min": 0, "max": 1}),
    "score scaled -1": set_path(FULL, "result.score", {"scaled": -1}),
    "score huge integers": set_path(FULL, "result.score", {"raw": 10**400, "max": 10**401}),
    "score float values": set_path(FULL, "result.score", {"min": 0.12123434, "raw": 12.125, "max": 45.45}),
    "empty result": stmt(result={}),
    "duration P4W": stmt(result={"duration": "P4W"}),
    "duration years to seconds": stmt(result={"duration": "P3Y1M29DT4H35M59.14S"}),
    "duration seconds only": stmt(result={"duration": "PT16559.14S"}),
    "duration P3Y": stmt(result={"duration": "P3Y"}),
    "contextActivities single activity": stmt(context={"contextActivities": {"other": {"id": ACTIVITY}}}),
    "substatement with statementref object": with_object({**SUBSTATEMENT["object"], "context": {},
                                                          "object": {"objectType": "StatementRef", "id": UUID}}),
    "substatement attachments": with_object({**SUBSTATEMENT["object"], "attachments": FULL["attachments"]}),
    "attachment without fileUrl": stmt(attachments=[{k: v for k, v in FULL["attachments"][0].items()
                                                     if k != "fileUrl"}]),
    "signature attachment": stmt(attachments=[{
        "usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream", "length": 4235,
        "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"}]),
    "sha512 attachment hash": set_path(FULL, "attachments.0", {**FULL["attachments"][0], "sha2": "ab" * 64}),
    "true-false": _interaction("true-false", correctResponsesPattern=["true"]),
    "choice": _interaction("choice", choices=_components("golf", "facebook"), correctResponsesPattern=["golf"]),
    "choice without choices": _interaction("choice"),
    "fill-in": _interaction("fill-in", correctResponsesPattern=["{case_matters=false}Bob's your uncle"]),
    "long-fill-in": _interaction("long-fill-in", correctResponsesPattern=["{lang=en}It was a dark night"]),
    "likert": _interaction("likert", scale=_components("likert_0", "likert_1"), correctResponsesPattern=["likert_1"]),
    "matching": _interaction("matching", source=_components("ben", "chris"), target=_components("1", "2"),
                             correctResponsesPattern=["ben[.]1[,]chris[.]2"]),
    "performance": _interaction("performance", steps=_components("pong", "dg"), correctResponsesPattern=["pong[.]1"]),
    "sequencing": _interaction("sequencing", choices=_components("tim", "ben"), correctResponsesPattern=["tim[,]ben"]),
    "numeric": _interaction("numeric", correctResponsesPattern=["4[:]"]),
    "other": _interaction("other", correctResponsesPattern=["(35.937432,-86.868896)"]),
    "empty correctResponsesPattern (no correct answer)": _interaction("choice", correctResponsesPattern=[]),
    "same component id in different lists": _interaction("matching", source=_components("a"), target=_components("a")),
    "iri with unicode": with_object({"id": "http://example.com/فعل/خواندن"}),
}


@pytest.mark.parametrize("statement", VALID.values(), ids=VALID.keys())
def test_valid_statement_is_accepted(statement: dict) -> None:
    validate_statement(statement)


def _obj(o: dict) -> dict:
    return with_object(o)


def _sub(**changes: object) -> dict:
    sub = {**SUBSTATEMENT["object"], **changes}
    return with_object({k: v for k, v in sub.items() if v is not ...})


_ATT = FULL["attachments"][0]
# (statement, expected path, fragment of the rule)
INVALID = {
    "not an object": ([], "", "Statement object"),
    "no actor": (stmt(actor=...), "actor", "required"),
    "no verb": (stmt(verb=...), "verb", "required"),
    "no object": (stmt(object=...), "object", "required"),
    "unknown top-level property": (stmt(foo="bar"), "foo", "not an allowed property"),
    "key case differs (Actor)": (stmt(Actor=AGENT), "Actor", "case-sensitive"),
    "key case differs (iD)": (stmt(iD=UUID), "iD", "not an allowed"),
    "null top-level value": (stmt(result=None), "result", "null"),
    "id numeric": (stmt(id=12345), "id", "UUID"),
    "id too many digits": (stmt(id="AA97B177-9383-4934-8543-0F91A7A028368"), "id", "UUID"),
    "id invalid letter": (stmt(id="MA97B177-9383-4934-8543-0F91A7A02836"), "id", "UUID"),
    "id without hyphens": (stmt(id=UUID.replace("-", "")), "id", "UUID"),
    "id empty string": (stmt(id=""), "id", "UUID"),
    "id braces": (stmt(id="{" + UUID + "}"), "id", "UUID"),
    "timestamp string": (stmt(timestamp="should fail"), "timestamp", "ISO 8601"),
    "timestamp US date": (stmt(timestamp="01/011/2015"), "timestamp", "ISO 8601"),
    "timestamp -00": (stmt(timestamp="2008-09-15T15:53:00.601-00"), "timestamp", "negative zero"),
    "timestamp -0000": (stmt(timestamp="2008-09-15T15:53:00.601-0000"), "timestamp", "negative zero"),
    "timestamp -00:00": (stmt(timestamp="2008-09-15T15:53:00.601-00:00"), "timestamp", "negative zero"),
    "timestamp date only": (stmt(timestamp="2008-09-15"), "timestamp", "ISO 8601"),
    "timestamp month 13": (stmt(timestamp="2008-13-15T15:53:00Z"), "timestamp", "valid ISO 8601"),
    "timestamp number": (stmt(timestamp=1234567890), "timestamp", "string"),
    "stored invalid": (stmt(stored="yesterday"), "stored", "ISO 8601"),
    "version 0.9.9": (stmt(version="0.9.9"), "version", "1.0."),
    "version 1.1.0": (stmt(version="1.1.0"), "version", "1.0."),
    "version string": (stmt(version="should fail"), "version", "1.0."),
    "version number": (stmt(version=1.0), "version", "1.0."),
    "actor without IFI": (stmt(actor={"name": "Nobody"}), "actor", "exactly one inverse functional identifier"),
    "actor with two IFIs": (stmt(actor={"mbox": "mailto:a@example.com", **OPENID_AGENT}), "actor", "exactly one"),
    "actor objectType lowercase": (stmt(actor={**AGENT, "objectType": "agent"}), "actor.objectType", '"Agent"'),
    "actor objectType numeric": (stmt(actor={**AGENT, "objectType": 123}), "actor.objectType", '"Agent"'),
    "actor name numeric": (stmt(actor={**AGENT, "name": 123}), "actor.name", "string"),
    "actor name null": (stmt(actor={**AGENT, "name": None}), "actor.name", "null"),
    "mbox without mailto": (stmt(actor={"mbox": "ada@example.com"}), "actor.mbox", "mailto IRI"),
    "mbox not an email": (stmt(actor={"mbox": "mailto:should.fail.com"}), "actor.mbox", "mailto IRI"),
    "mbox http IRI": (stmt(actor={"mbox": "http://should.fail.com"}), "actor.mbox", "mailto IRI"),
    "mbox_sha1sum short": (stmt(actor={"mbox_sha1sum": "cd9b00a5"}), "actor.mbox_sha1sum", "SHA1"),
    "openid invalid scheme": (stmt(actor={"openid": "ab=c://should.fail.com"}), "actor.openid", "URI"),
    "account without name": (stmt(actor={"account": {"homePage": "http://example.com"}}), "actor.account.name",
                             "required"),
    "account name object": (stmt(actor={"account": {"homePage": "http://example.com", "name": {"key": "x"}}}),
                            "actor.account.name", "string"),
    "account homePage not IRL": (stmt(actor={"account": {"homePage": "ab=c://should.fail.com", "name": "x"}}),
                                 "actor.account.homePage", "IRL"),
    "account extra key": (stmt(actor={"account": {"homePage": "http://e.com", "name": "x", "id": 1}}),
                          "actor.account.id", "not an allowed"),
    "agent with member": (stmt(actor={**AGENT, "member": [SHA1_AGENT]}), "actor.member", "not an allowed"),
    "anonymous group without member": (stmt(actor={"objectType": "Group"}), "actor.member", "required"),
    "anonymous group empty member": (stmt(actor={"objectType": "Group", "member": []}), "actor.member",
                                     "must list"),
    "group member is a group": (stmt(actor={"objectType": "Group", "member": [IDENTIFIED_GROUP]}),
                                "actor.member[0]", "must not contain Group"),
    "group member invalid agent": (stmt(actor={"objectType": "Group", "member": [{"name": "x"}]}),
                                   "actor.member[0]", "exactly one"),
    "identified group two IFIs": (stmt(actor={**IDENTIFIED_GROUP, "mbox": "mailto:t@example.com"}), "actor",
                                  "exactly one"),
    "group member not a list": (stmt(actor={"objectType": "Group", "member": AGENT}), "actor.member", "array"),
    "verb without id": (stmt(verb={"display": {"en-US": "x"}}), "verb.id", "required"),
    "verb id not IRI": (stmt(verb={"id": "completed"}), "verb.id", "IRI"),
    "verb id empty": (stmt(verb={"id": ""}), "verb.id", "IRI"),
    "verb display not map": (stmt(verb={"id": "http://e.com/v", "display": "completed"}), "verb.display",
                             "language map"),
    "verb display two regions": (stmt(verb={"id": "http://e.com/v", "display": {"de-419-DE": "besucht"}}),
                                 "verb.display.de-419-DE", "RFC 5646"),
    "verb display singleton primary": (stmt(verb={"id": "http://e.com/v", "display": {"a-DE": "x"}}),
                                       "verb.display.a-DE", "RFC 5646"),
    "verb display repeated extension": (stmt(verb={"id": "http://e.com/v", "display": {"ar-a-aaa-b-bbb-a-ccc": "x"}}),
                                        "verb.display.ar-a-aaa-b-bbb-a-ccc", "RFC 5646"),
    "verb display null value": (stmt(verb={"id": "http://e.com/v", "display": {"en-US": None}}),
                                "verb.display.en-US", "null"),
    "verb display numeric value": (stmt(verb={"id": "http://e.com/v", "display": {"en-US": 1}}),
                                   "verb.display.en-US", "string"),
    "verb extra key": (stmt(verb={"id": "http://e.com/v", "name": "x"}), "verb.name", "not an allowed"),
    "voiding with activity object": (stmt(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}),
                                     "object.objectType", "StatementRef"),
    "object not an object": (stmt(object="http://e.com/a"), "object", "must be an object"),
    "object unknown objectType": (_obj({"objectType": "Person", "id": ACTIVITY}), "object.objectType", "one of"),
    "object objectType wrong case": (_obj({"objectType": "activity", "id": ACTIVITY}), "object.objectType", "one of"),
    "activity without id": (_obj({"objectType": "Activity"}), "object.id", "required"),
    "activity id invalid scheme": (_obj({"id": "ab=c://should.fail.com"}), "object.id", "IRI"),
    "activity id relative": (_obj({"id": "/activities/1"}), "object.id", "IRI"),
    "activity id with space": (_obj({"id": "http://e.com/a b"}), "object.id", "IRI"),
    "activity id http without host": (_obj({"id": "http:activity"}), "object.id", "IRI"),
    "activity extra key": (_obj({"id": ACTIVITY, "name": "x"}), "object.name", "not an allowed"),
    "definition string": (_obj({"id": ACTIVITY, "definition": "should error"}), "object.definition", "object"),
    "definition name numeric": (_obj({"id": ACTIVITY, "definition": {"name": 12345}}), "object.definition.name",
                                "language map"),
    "definition description bad tag": (_obj({"id": ACTIVITY, "definition": {"description": {"de-419-DE": "x"}}}),
                                       "object.definition.description.de-419-DE", "RFC 5646"),
    "definition type not IRI": (_obj({"id": ACTIVITY, "definition": {"type": "should error"}}),
                                "object.definition.type", "IRI"),
    "definition moreInfo null": (_obj({"id": ACTIVITY, "definition": {"moreInfo": None}}),
                                 "object.definition.moreInfo", "null"),
    "definition moreInfo not IRL": (_obj({"id": ACTIVITY, "definition": {"moreInfo": "should error"}}),
                                    "object.definition.moreInfo", "IRL"),
    "definition extensions string": (_obj({"id": ACTIVITY, "definition": {"extensions": "should error"}}),
                                     "object.definition.extensions", "extensions object"),
    "definition extension key not IRI": (_obj({"id": ACTIVITY, "definition": {"extensions": {"id": "valid"}}}),
                                         "object.definition.extensions.id", "IRIs"),
    "interactionType wrong case": (_interaction("true-faLse"), "object.definition.interactionType", "one of"),
    "interactionType unknown": (_interaction("essay"), "object.definition.interactionType", "one of"),
    "interactionType numeric": (_interaction(12345), "object.definition.interactionType", "one of"),
    "interactionType object": (_interaction({"a": 1}), "object.definition.interactionType", "one of"),
    "choices without interactionType": (_obj({"id": ACTIVITY, "definition": {"choices": _components("a")}}),
                                        "object.definition.interactionType", "required"),
    "correctResponsesPattern string": (_interaction("choice", correctResponsesPattern="golf"),
                                       "object.definition.correctResponsesPattern", "array"),
    "correctResponsesPattern numbers": (_interaction("numeric", correctResponsesPattern=[4]),
                                        "object.definition.correctResponsesPattern[0]", "string"),
    "choices on true-false": (_interaction("true-false", choices=_components("a")), "object.definition.choices",
                              "not a component list supported"),
    "scale on choice": (_interaction("choice", scale=_components("a")), "object.definition.scale", "not a component"),
    "steps on matching": (_interaction("matching", steps=_components("a")), "object.definition.steps",
                          "not a component"),
    "source on likert": (_interaction("likert", source=_components("a")), "object.definition.source",
                         "not a component"),
    "duplicate component ids": (_interaction("choice", choices=_components("a", "b", "a")),
                                "object.definition.choices[2].id", "distinct"),
    "component without id": (_interaction("choice", choices=[{"description": {"en-US": "x"}}]),
                             "object.definition.choices[0].id", "required"),
    "component id numeric": (_interaction("choice", choices=[{"id": 1}]), "object.definition.choices[0].id", "string"),
    "component bad description": (_interaction("likert", scale=[{"id": "a", "description": {"xx-1": "x"}}]),
                                  "object.definition.scale[0].description.xx-1", "RFC 5646"),
    "component extra key": (_interaction("likert", scale=[{"id": "a", "name": "x"}]),
                            "object.definition.scale[0].name", "not an allowed"),
    "agent object without objectType": (_obj({"mbox": "mailto:bob@example.com"}), "object.mbox", "not an allowed"),
    "agent object invalid": (_obj({"objectType": "Agent", "name": "Bob"}), "object", "exactly one"),
    "statementref without id": (_obj({"objectType": "StatementRef"}), "object.id", "required"),
    "statementref bad id": (_obj({"objectType": "StatementRef", "id": "should fail"}), "object.id", "UUID"),
    "statementref extra key": (_obj({"objectType": "StatementRef", "id": UUID, "definition": {}}),
                               "object.definition", "not an allowed"),
    "substatement with id": (_sub(id=UUID), "object.id", "SubStatement must not"),
    "substatement with stored": (_sub(stored="2013-05-18T05:32:34.804Z"), "object.stored", "SubStatement must not"),
    "substatement with version": (_sub(version="1.0.0"), "object.version", "SubStatement must not"),
    "substatement with authority": (_sub(authority=AGENT), "object.authority", "SubStatement must not"),
    "nested substatement": (_sub(object={**SUBSTATEMENT["object"]}), "object.object.objectType",
                            "must not contain a SubStatement"),
    "substatement without verb": (_sub(verb=...), "object.verb", "required"),
    "substatement bad actor": (_sub(actor={"name": "x"}), "object.actor", "exactly one"),
    "substatement context revision with agent object": (
        _sub(object={"objectType": "Agent", "mbox": "mailto:x@example.com"}), "object.context.revision",
        "only be used"),
    "substatement invalid timestamp": (_sub(timestamp="tomorrow"), "object.timestamp", "ISO 8601"),
    "substatement verb bad display": (_sub(verb={"id": "http://e.com/v", "display": {"de-419-DE": "x"}}),
                                      "object.verb.display.de-419-DE", "RFC 5646"),
    "score max string": (stmt(result={"score": {"max": "100"}}), "result.score.max", "number"),
    "score raw boolean": (stmt(result={"score": {"raw": True}}), "result.score.raw", "number"),
    "score scaled above 1": (stmt(result={"score": {"scaled": 1.01}}), "result.score.scaled", "between -1 and 1"),
    "score scaled below -1": (stmt(result={"score": {"scaled": -1.5}}), "result.score.scaled", "between -1 and 1"),
    "score min equal max": (stmt(result={"score": {"min": 5, "max": 5}}), "result.score.min", "less than max"),
    "score min above max": (stmt(result={"score": {"min": 10, "max": 5}}), "result.score.min", "less than max"),
    "score raw below min": (stmt(result={"score": {"raw": -1, "min": 0}}), "result.score.raw", "below min"),
    "score raw above max": (stmt(result={"score": {"raw": 101, "min": 0, "max": 100}}), "result.score.raw",
                            "above max"),
    "score extra key": (stmt(result={"score": {"percent": 5}}), "result.score.percent", "not an allowed"),
    "success string": (stmt(result={"success": "true"}), "result.success", "boolean"),
    "completion string": (stmt(result={"completion": "false"}), "result.completion", "boolean"),
    "completion number": (stmt(result={"completion": 1}), "result.completion", "boolean"),
    "response number": (stmt(result={"response": 5}), "result.response", "string"),
    "duration invalid": (stmt(result={"duration": "PA1H0M0S"}), "result.duration", "ISO 8601 duration"),
    "duration string": (stmt(result={"duration": "should fail"}), "result.duration", "ISO 8601 duration"),
    "duration number": (stmt(result={"duration": 12345}), "result.duration", "ISO 8601 duration"),
    "duration weeks combined": (stmt(result={"duration": "P4W1D"}), "result.duration", "ISO 8601 duration"),
    "duration empty T": (stmt(result={"duration": "P1DT"}), "result.duration", "ISO 8601 duration"),
    "duration bare P": (stmt(result={"duration": "P"}), "result.duration", "ISO 8601 duration"),
    "duration alternative format": (stmt(result={"duration": "P0003-01-29T04:35:59"}), "result.duration",
                                    "ISO 8601 duration"),
    "duration fraction not last": (stmt(result={"duration": "PT1.5H30M"}), "result.duration", "smallest"),
    "duration negative": (stmt(result={"duration": "-PT1H"}), "result.duration", "ISO 8601 duration"),
    "result extensions key not IRI": (stmt(result={"extensions": {"score": 1}}), "result.extensions.score", "IRIs"),
    "result not object": (stmt(result="passed"), "result", "must be an object"),
    "registration not UUID": (stmt(context={"registration": "should fail"}), "context.registration", "UUID"),
    "registration null": (stmt(context={"registration": None}), "context.registration", "null"),
    "instructor string": (stmt(context={"instructor": "should fail"}), "context.instructor", "object"),
    "instructor without IFI": (stmt(context={"instructor": {"key": "should fail"}}), "context.instructor.key",
                               "not an allowed"),
    "team is an agent": (stmt(context={"team": AGENT}), "context.team", "Group"),
    "team string": (stmt(context={"team": "should fail"}), "context.team", "Group"),
    "contextActivities string": (stmt(context={"contextActivities": "should fail"}), "context.contextActivities",
                                 "object"),
    "contextActivities empty": (stmt(context={"contextActivities": {}}), "context.contextActivities", "at least one"),
    "contextActivities unknown key": (stmt(context={"contextActivities": {"sibling": [{"id": ACTIVITY}]}}),
                                      "context.contextActivities.sibling", "not an allowed"),
    "contextActivities bad activity id": (stmt(context={"contextActivities": {"parent": [{"id": "nope"}]}}),
                                          "context.contextActivities.parent[0].id", "IRI"),
    "contextActivities non-activity": (
        stmt(context={"contextActivities": {"grouping": [{"objectType": "Agent", "mbox": "mailto:a@b.c"}]}}),
        "context.contextActivities.grouping[0].objectType", '"Activity"'),
    "contextActivities single bad": (stmt(context={"contextActivities": {"category": {"id": 5}}}),
                                     "context.contextActivities.category.id", "IRI"),
    "revision numeric": (stmt(context={"revision": 12345}), "context.revision", "string"),
    "platform object": (stmt(context={"platform": {"key": "x"}}), "context.platform", "string"),
    "revision with agent object": (stmt(object={"objectType": "Agent", "mbox": "mailto:a@b.c"},
                                        context={"revision": "1"}), "context.revision", "only be used"),
    "platform with group object": (stmt(object=ANON_GROUP, context={"platform": "web"}), "context.platform",
                                   "only be used"),
    "revision with statementref object": (stmt(object={"objectType": "StatementRef", "id": UUID},
                                               context={"revision": "1"}), "context.revision", "only be used"),
    "platform with substatement object": (stmt(SUBSTATEMENT, context={"platform": "web"}), "context.platform",
                                          "only be used"),
    "language numeric": (stmt(context={"language": 12345}), "context.language", "language tag"),
    "language object": (stmt(context={"language": {"a12345": "should fail"}}), "context.language", "language tag"),
    "language empty": (stmt(context={"language": ""}), "context.language", "language tag"),
    "context statement lowercase objectType": (stmt(context={"statement": {"objectType": "statementref", "id": UUID}}),
                                               "context.statement.objectType", "StatementRef"),
    "context statement without objectType": (stmt(context={"statement": {"id": UUID}}),
                                             "context.statement.objectType", "required"),
    "context statement bad id": (stmt(context={"statement": {"objectType": "StatementRef", "id": "x"}}),
                                 "context.statement.id", "UUID"),
    "context unknown key": (stmt(context={"Registration": UUID}), "context.Registration", "not an allowed"),
    "authority identified group": (stmt(authority=IDENTIFIED_GROUP), "authority", "anonymous Group"),
    "authority group of one": (stmt(authority={"objectType": "Group", "member": [AGENT]}), "authority.member",
                               "exactly two"),
    "authority group of three": (stmt(authority={"objectType": "Group", "member": [AGENT, SHA1_AGENT, OPENID_AGENT]}),
                                 "authority.member", "exactly two"),
    "authority without IFI": (stmt(authority={"name": "x"}), "authority", "exactly one"),
    "authority string": (stmt(authority="admin"), "authority", "must be an object"),
    "attachments not array": (stmt(attachments=_ATT), "attachments", "array"),
    "attachment numeric": (stmt(attachments=[12345]), "attachments[0]", "must be an object"),
    "attachment null": (stmt(attachments=[None]), "attachments[0]", "null"),
    "attachment usageType not IRI": (stmt(attachments=[{**_ATT, "usageType": "should fail"}]),
                                     "attachments[0].usageType", "IRI"),
    "attachment without display": (stmt(attachments=[{k: v for k, v in _ATT.items() if k != "display"}]),
                                   "attachments[0].display", "required"),
    "attachment display bad tag": (stmt(attachments=[{**_ATT, "display": {"de-419-DE": "x"}}]),
                                   "attachments[0].display.de-419-DE", "RFC 5646"),
    "attachment description numeric": (stmt(attachments=[{**_ATT, "description": 12345}]),
                                       "attachments[0].description", "language map"),
    "attachment contentType invalid": (stmt(attachments=[{**_ATT, "contentType": "should fail"}]),
                                       "attachments[0].contentType", "Media Type"),
    "attachment length string": (stmt(attachments=[{**_ATT, "length": "27"}]), "attachments[0].length", "integer"),
    "attachment length float": (stmt(attachments=[{**_ATT, "length": 2.5}]), "attachments[0].length", "integer"),
    "attachment length negative": (stmt(attachments=[{**_ATT, "length": -1}]), "attachments[0].length", "integer"),
    "attachment sha2 numeric": (stmt(attachments=[{**_ATT, "sha2": 12345}]), "attachments[0].sha2", "SHA-2"),
    "attachment sha2 not hex": (stmt(attachments=[{**_ATT, "sha2": "z" * 64}]), "attachments[0].sha2", "SHA-2"),
    "attachment without sha2": (stmt(attachments=[{k: v for k, v in _ATT.items() if k != "sha2"}]),
                                "attachments[0].sha2", "required"),
    "attachment fileUrl not IRL": (stmt(attachments=[{**_ATT, "fileUrl": "should fail"}]),
                                   "attachments[0].fileUrl", "IRL"),
    "signature attachment wrong contentType": (
        stmt(attachments=[{**_ATT, "usageType": "http://adlnet.gov/expapi/attachments/signature"}]),
        "attachments[0].contentType", "application/octet-stream"),
    "extensions not IRI keyed in context": (stmt(context={"extensions": {"room": "B12"}}), "context.extensions.room",
                                            "IRIs"),
    "non-finite number": (stmt(result={"score": {"raw": float("nan")}}), "result.score.raw", "number"),
}


@pytest.mark.parametrize(("statement", "path", "fragment"), INVALID.values(), ids=INVALID.keys())
def test_invalid_statement_is_rejected_with_path_and_rule(statement: object, path: str, fragment: str) -> None:
    with pytest.raises(StatementError) as caught:
        validate_statement(statement)
    assert caught.value.path == path, str(caught.value)
    assert fragment.lower() in caught.value.rule.lower(), str(caught.value)


def test_error_str_joins_path_and_rule_and_is_a_value_error() -> None:
    error = StatementError("actor.mbox", "must be a mailto IRI")
    assert str(error) == "actor.mbox: must be a mailto IRI"
    assert str(StatementError("", "bad body")) == "bad body"
    assert isinstance(error, ValueError)
    assert (error.path, error.rule) == ("actor.mbox", "must be a mailto IRI")


def test_validate_statement_prefixes_the_given_path() -> None:
    with pytest.raises(StatementError) as caught:
        validate_statement(stmt(actor=...), path="[7]")
    assert caught.value.path == "[7].actor"


def test_validate_statements_accepts_a_single_statement_or_a_list() -> None:
    single = stmt()
    assert validate_statements(single) == [single]
    batch = [stmt(), stmt(FULL)]
    assert validate_statements(batch) is batch
    assert validate_statements([]) == []


def test_validate_statements_reports_the_index_of_the_bad_statement() -> None:
    batch = [stmt(), stmt(), stmt(), stmt(actor={"mbox": "nope"})]
    with pytest.raises(StatementError) as caught:
        validate_statements(batch)
    assert str(caught.value).startswith("[3].actor.mbox: ")


@pytest.mark.parametrize("payload", ["statement", 5, None, [5], [None], [[MINIMAL]]], ids=repr)
def test_validate_statements_rejects_non_statement_bodies(payload: object) -> None:
    with pytest.raises(StatementError):
        validate_statements(payload)


def test_validation_does_not_modify_the_statement() -> None:
    statement = stmt(FULL)
    before = repr(statement)
    validate_statement(statement)
    assert repr(statement) == before
