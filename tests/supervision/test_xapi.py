"""Supervision events become xAPI statements: the supervisor as actor, the trainee in context.team,
the competency, practice log or program as the object, and no e-mail or name by default."""
from __future__ import annotations

import json
from urllib.parse import quote

from sqlalchemy import select

from lms.db import session as db
from lms.xapi.models import OutboxItem, Statement
from lms.xapi.validation import validate_statement
from tests.supervision import pages
from tests.supervision.pages import COMP, add_log, post, sign_in
from tests.supervision.test_views import OBSERVED, rate

BASE = "http://lms.test"

people, programs = pages.people, pages.programs  # the shared fixtures, used by name


def statements(app) -> list[dict]:
    with app.app_context():
        return [row.data for row in db.scalars(select(Statement).order_by(Statement.seq))]


def agent(app, key: str, people) -> dict:
    from lms.accounts.models import User

    with app.app_context():
        learner_id = db.get(User, getattr(people, key).id).learner_id
    return {"objectType": "Agent", "account": {"homePage": BASE, "name": learner_id}}


def assert_private(app, people, found: list[dict]) -> None:
    text = json.dumps(found)
    for key in ("trainee", "supervisor"):
        assert getattr(people, key).email not in text
    assert "Trainee" not in text.replace("trainee", "") and "Supervisor" not in text


def test_rating_is_scored_by_the_supervisor_about_the_trainee(app, people):
    app.config["LMS_XAPI_FREE_TEXT"] = True  # the comment goes in only when the agency opts in (I2)
    response = rate(sign_in(app, "supervisor", people), people.trainee.id, "developing", "Steadier each week")
    assert response.status_code == 302
    [statement] = statements(app)
    validate_statement(statement)
    assert statement["actor"] == agent(app, "supervisor", people)
    assert statement["verb"] == {"id": "http://adlnet.gov/expapi/verbs/scored", "display": {"en-US": "scored"}}
    obj = statement["object"]
    assert obj["id"] == f"{BASE}/xapi/activities/competency/{COMP}"
    assert obj["definition"]["type"] == "http://adlnet.gov/expapi/activities/objective"
    assert obj["definition"]["name"] == {"en-US": "Engages peers in collaborative and caring relationships"}
    # developing is the second of four levels: 1/3 of the way up the scale, and not yet proficient
    assert statement["result"]["score"] == {"scaled": 0.3333, "raw": 1, "min": 0, "max": 3}
    assert statement["result"]["success"] is False
    assert statement["result"]["response"] == "Steadier each week"
    assert statement["result"]["extensions"] == {f"{BASE}/xapi/vocab/extensions/level": "developing"}
    context = statement["context"]
    assert context["team"] == {"objectType": "Group", "member": [agent(app, "trainee", people)]}
    assert "instructor" not in context
    assert context["extensions"][f"{BASE}/xapi/vocab/extensions/evidence-source"] == "rating"
    assert context["contextActivities"]["grouping"] == [{"objectType": "Activity",
                                                         "id": f"{BASE}/xapi/activities/framework/samhsa"}]
    assert_private(app, people, [statement])


def test_observation_evidence_is_scored_with_its_source(app, people):
    client = sign_in(app, "supervisor", people)
    assert post(client, f"/trainees/{people.trainee.id}/observations/new", OBSERVED).status_code == 302
    [statement] = statements(app)
    validate_statement(statement)
    assert statement["object"]["id"] == f"{BASE}/xapi/activities/competency/icrc-ethical-responsibility"
    assert statement["result"]["score"]["scaled"] == 0.6667 and statement["result"]["success"] is True
    extensions = statement["context"]["extensions"]
    assert extensions[f"{BASE}/xapi/vocab/extensions/evidence-source"] == "observation"
    assert f"{BASE}/xapi/vocab/extensions/observation" in extensions


def test_hours_approved_and_returned(app, people):
    app.config["LMS_XAPI_FREE_TEXT"] = True
    approved_id = add_log(app, people.trainee.id, "pending", hours=2.5)
    returned_id = add_log(app, people.trainee.id, "pending", hours=1)
    client = sign_in(app, "supervisor", people)
    post(client, f"/supervision/hours/{approved_id}/review", {f"r{approved_id}-decision": "approve"})
    post(client, f"/supervision/hours/{returned_id}/review",
         {f"r{returned_id}-decision": "return", f"r{returned_id}-comment": "Add what you learned."})
    approved, returned = statements(app)
    for statement in (approved, returned):
        validate_statement(statement)
        assert statement["actor"] == agent(app, "supervisor", people)
        assert statement["context"]["team"]["member"] == [agent(app, "trainee", people)]
        assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/performance"
        assert "Group facilitation" not in json.dumps(statement)  # the trainee's own words stay in the LMS
    assert approved["verb"]["id"] == "https://w3id.org/xapi/dod-isd/verbs/approved"
    assert approved["object"]["id"] == f"{BASE}/xapi/activities/practice-log/{approved_id}"
    assert approved["result"] == {"success": True, "duration": "PT9000S"}
    assert approved["context"]["extensions"][f"{BASE}/xapi/vocab/extensions/practice-kind"] == "practice"
    assert approved["context"]["extensions"][f"{BASE}/xapi/vocab/extensions/icrc-domain"] == "advocacy"
    assert returned["verb"] == {"id": f"{BASE}/xapi/vocab/verbs/returned",
                                "display": {"en-US": "returned for correction"}}
    assert returned["result"] == {"success": False, "duration": "PT3600S", "response": "Add what you learned."}
    assert_private(app, people, [approved, returned])


def test_sign_off_is_attested_and_withdrawn(app, people, programs):
    app.config["LMS_XAPI_FREE_TEXT"] = True
    client = sign_in(app, "supervisor", people)
    post(client, f"/trainees/{people.trainee.id}/sign-off", {"program": "program-2", "statement": "Ready."})
    with app.app_context():
        from lms.supervision.models import SignOff

        row_id = db.scalar(select(SignOff.id))
    post(client, f"/sign-offs/{row_id}/withdraw", {f"w{row_id}-reason": "Left the program."})
    attested, withdrew = statements(app)
    for statement in (attested, withdrew):
        validate_statement(statement)
        assert statement["actor"] == agent(app, "supervisor", people)
        assert statement["object"]["id"] == f"{BASE}/xapi/activities/program/program-2"
        assert statement["object"]["definition"]["name"] == {"en-US": "Program 2"}
        assert statement["context"]["team"]["member"] == [agent(app, "trainee", people)]
    assert attested["verb"]["id"] == f"{BASE}/xapi/vocab/verbs/attested"
    assert attested["result"] == {"response": "Ready."}
    assert withdrew["verb"]["id"] == f"{BASE}/xapi/vocab/verbs/withdrew"
    assert withdrew["result"] == {"response": "Left the program."}
    assert_private(app, people, [attested, withdrew])


def test_i2_personal_free_text_stays_out_of_statements_by_default(app, people, programs):
    # Rating comments, hour-review comments, sign-off statements and withdrawal reasons are a supervisor's
    # words about a person: any statements/read client and the forwarding target would read them (review I2).
    client = sign_in(app, "supervisor", people)
    rate(client, people.trainee.id, "developing", "Struggles after the divorce")
    log_id = add_log(app, people.trainee.id, "pending", hours=1)
    post(client, f"/supervision/hours/{log_id}/review",
         {f"r{log_id}-decision": "return", f"r{log_id}-comment": "Mention the relapse less"})
    post(client, f"/trainees/{people.trainee.id}/sign-off", {"program": "program-2", "statement": "Ready, ADHD."})
    with app.app_context():
        from lms.supervision.models import SignOff

        row_id = db.scalar(select(SignOff.id))
    post(client, f"/sign-offs/{row_id}/withdraw", {f"w{row_id}-reason": "Back in treatment."})
    found = statements(app)
    assert len(found) == 4
    text = json.dumps(found)
    for words in ("divorce", "relapse", "ADHD", "treatment"):
        assert words not in text
    for statement in found:
        validate_statement(statement)
        assert "response" not in statement.get("result", {})


def test_names_only_when_the_agency_opts_in(app, people):
    app.config["LMS_XAPI_ACTOR_NAMES"] = True
    rate(sign_in(app, "supervisor", people), people.trainee.id)
    [statement] = statements(app)
    assert statement["actor"]["name"] == "Supervisor"
    assert statement["context"]["team"]["member"][0]["name"] == "Trainee"
    assert "@example.org" not in json.dumps(statement)


def test_lrs_finds_what_was_recorded_about_a_trainee_through_related_agents(app, people, lrs):
    rate(sign_in(app, "supervisor", people), people.trainee.id)
    trainee = quote(json.dumps(agent(app, "trainee", people)))
    assert lrs.get(f"/statements?agent={trainee}").get_json()["statements"] == []  # not the actor
    found = lrs.get(f"/statements?agent={trainee}&related_agents=true").get_json()["statements"]
    assert [s["verb"]["id"] for s in found] == ["http://adlnet.gov/expapi/verbs/scored"]


def test_statements_are_queued_for_forwarding_in_the_same_transaction(app, people):
    app.config["LMS_XAPI_FORWARD_URL"] = "http://127.0.0.1:9/xapi"
    rate(sign_in(app, "supervisor", people), people.trainee.id)
    with app.app_context():
        queued = [item.statement_id for item in db.scalars(select(OutboxItem))]
    assert queued == [s["id"] for s in statements(app)]


def test_refused_rating_records_no_statement(app, people):
    assert rate(sign_in(app, "supervisor", people), people.trainee.id, "superb").status_code == 400
    assert rate(sign_in(app, "peer_supervisor", people), people.trainee.id).status_code == 404
    assert statements(app) == []
