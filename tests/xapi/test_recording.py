"""LMS events become xAPI statements in the same transaction, with no personal contact data."""
from __future__ import annotations

import json
from urllib.parse import quote

from sqlalchemy import func, select

from lms.db import session as db
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.xapi.models import Statement
from lms.xapi.validation import validate_statement
from tests.learning.helpers import submit
from tests.learning.test_delivery import ETHICS, LESSON, answer, complete, correct, enroll, lesson_url, wrong

ADL = "http://adlnet.gov/expapi/verbs/"


def all_statements(app) -> list[dict]:
    with app.app_context():
        return [row.data for row in db.scalars(select(Statement).order_by(Statement.seq))]


def test_scripted_learner_journey_is_recorded(client, app, login_as):
    user = login_as()
    enroll(client)
    client.get(lesson_url())
    check = LESSON.checks[0]
    answer(client, check, wrong(check))
    for c in LESSON.checks:
        answer(client, c, correct(c))
    complete(client)
    statements = all_statements(app)
    verbs = [s["verb"]["id"].removeprefix(ADL) for s in statements]
    assert verbs[0] == "registered"
    assert "experienced" in verbs
    assert verbs.count("answered") == len(LESSON.checks) + 1
    assert verbs[-2:] == ["completed", "progressed"]
    with app.app_context():
        learner_id = db.scalar(select(Enrollment).where(Enrollment.user_id == user.id)).user.learner_id
        registration = db.scalar(select(Enrollment.registration))
    for statement in statements:
        validate_statement(statement)
        assert statement["actor"] == {"objectType": "Agent",
                                      "account": {"homePage": "http://lms.test", "name": learner_id}}
        assert statement["context"]["registration"] == registration
        assert statement["context"]["platform"] == "Peer Recovery LMS"
    text = json.dumps(statements)
    assert user.email not in text and user.name not in text


def test_answer_is_a_cmi_interaction_with_correct_responses(client, app, login_as):
    login_as()
    enroll(client)
    check = next(c for c in LESSON.checks if c.type == "single")
    answer(client, check, wrong(check))
    statement = next(s for s in all_statements(app) if s["verb"]["id"] == ADL + "answered")
    definition = statement["object"]["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == [str(correct(check)[0])]
    assert [c["id"] for c in definition["choices"]] == [str(i) for i in range(len(check.options))]
    assert statement["result"] == {"response": str(wrong(check)[0]), "success": False}
    parents = statement["context"]["contextActivities"]
    assert parents["parent"][0]["id"].endswith(f"/course/ethics/lesson/{LESSON.slug}")
    assert parents["grouping"][0]["id"].endswith("/course/ethics")


def test_course_completion_is_recorded(client, app, login_as):
    login_as()
    enroll(client)
    for lesson in ETHICS.lessons:
        for c in lesson.checks:
            answer(client, c, correct(c), lesson=lesson)
        for activity in lesson.activities:
            submit(client, ETHICS, lesson, activity)
        complete(client, lesson=lesson)
    statements = all_statements(app)
    last = statements[-1]
    assert last["verb"]["id"] == ADL + "completed" and last["object"]["id"].endswith("/course/ethics")
    progressed = [s for s in statements if s["verb"]["id"] == ADL + "progressed"]
    assert progressed[-1]["result"]["extensions"]["https://w3id.org/xapi/cmi5/result/extensions/progress"] == 100


def test_statement_and_state_change_commit_or_roll_back_together(app, make_user):
    user = make_user()
    with app.app_context():
        from lms.accounts.models import User

        learning.enroll(db.get(User, user.id), ETHICS)
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 0
        assert db.scalar(select(func.count()).select_from(Statement)) == 0
        learning.enroll(db.get(User, user.id), ETHICS)
        db.commit()
        assert db.scalar(select(func.count()).select_from(Statement)) == 1


def test_recorded_statements_are_served_by_the_lrs(client, app, login_as, lrs):
    login_as()
    enroll(client)
    with app.app_context():
        learner = db.scalar(select(Enrollment)).user.learner_id
    agent = quote(json.dumps({"account": {"homePage": "http://lms.test", "name": learner}}))
    body = lrs.get(f"/statements?agent={agent}&verb={ADL}registered").get_json()
    assert len(body["statements"]) == 1


def test_actor_names_only_when_the_agency_opts_in(client, app, login_as):
    app.config["LMS_XAPI_ACTOR_NAMES"] = True
    user = login_as()
    enroll(client)
    assert all_statements(app)[0]["actor"]["name"] == user.name
