"""Lesson activities in xAPI: completed, then responded on a revision, with the duration from the page to the
submission and the word count, and never the learner's words; lesson completion carries its time on task."""
from __future__ import annotations

import json
import re
import time
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from lms.db import session as db
from lms.learning.models import Enrollment, LessonProgress
from lms.xapi.models import Statement
from lms.xapi.validation import validate_statement
from tests.conftest import post_form
from tests.learning.helpers import lesson_url, submit, valid_answers, words_of
from tests.learning.test_activities import BOUNDARIES, ETHICS, REFLECTION, enroll
from tests.learning.test_delivery import answer, correct

ADL = "http://adlnet.gov/expapi/verbs/"
DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")


def statements(app, verb: str) -> list[dict]:
    with app.app_context():
        return [row.data for row in db.scalars(select(Statement).where(Statement.verb_id == ADL + verb)
                                               .order_by(Statement.seq))]


def activity_statements(app) -> list[dict]:
    with app.app_context():
        return [row.data for row in db.scalars(select(Statement).order_by(Statement.seq))
                if "/activity/" in row.data["object"]["id"]]


def token_made_ago(app, enrollment_id: int, lesson_slug: str, seconds: int) -> str:
    """A page token as the app makes it, but stamped `seconds` ago: the page was served then."""
    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = URLSafeTimedSerializer(app.secret_key, salt="lms-lesson-page-served", signer=Earlier)
    return serializer.dumps([enrollment_id, lesson_slug])


def test_a_submission_is_completed_with_duration_and_word_count_but_no_words(client, app, login_as):
    user = login_as()
    enroll(client)
    with app.app_context():
        enrollment_id = db.scalar(select(Enrollment.id))
    secret = "My own private thought about boundaries. " + words_of(120)
    opened = token_made_ago(app, enrollment_id, BOUNDARIES.slug, 600)
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, {"text": secret}, opened=opened).status_code == 302

    [statement] = activity_statements(app)
    validate_statement(statement)
    assert statement["verb"]["id"] == ADL + "completed"
    assert statement["object"]["id"] == f"http://lms.test/xapi/activities/course/ethics/lesson/boundaries/activity/{REFLECTION.id}"
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/interaction"
    assert statement["object"]["definition"]["extensions"] == {
        "http://lms.test/xapi/vocab/extensions/activity-kind": "reflection"}
    result = statement["result"]
    assert result["completion"] is True and "response" not in result
    assert result["extensions"]["http://lms.test/xapi/vocab/extensions/word-count"] == len(secret.split())
    assert result["extensions"]["http://lms.test/xapi/vocab/extensions/revision"] == 0
    seconds = float(DURATION.match(result["duration"]).group(1))
    assert 600 <= seconds < 3600  # from the page being served to the submission
    context = statement["context"]
    assert context["contextActivities"]["parent"][0]["id"].endswith("/lesson/boundaries")
    assert {a["id"] for a in context["contextActivities"]["other"]} == {
        f"http://lms.test/xapi/activities/competency/{c}" for c in REFLECTION.competencies}
    text = json.dumps(statement)
    assert "private thought" not in text and "Slowing down" not in text  # personal free text never goes in
    assert user.email not in text and user.name not in text


def test_a_revision_is_responded_and_a_bad_token_gives_no_duration(client, app, login_as):
    login_as()
    enroll(client)
    submit(client, ETHICS, BOUNDARIES, REFLECTION)
    submit(client, ETHICS, BOUNDARIES, REFLECTION, {"text": "Changed my mind. " + words_of(120)}, opened="forged")
    first, second = activity_statements(app)
    assert [first["verb"]["id"], second["verb"]["id"]] == [ADL + "completed", ADL + "responded"]
    assert second["result"]["extensions"]["http://lms.test/xapi/vocab/extensions/revision"] == 1
    assert "duration" in first["result"] and "duration" not in second["result"]
    assert "Changed my mind" not in json.dumps(second)


def test_a_practice_is_a_performance(client, app, login_as):
    from tests.learning.test_activities import COMMUNICATION, LISTENING, PRACTICE

    login_as()
    enroll(client, COMMUNICATION)
    submit(client, COMMUNICATION, LISTENING, PRACTICE, valid_answers(PRACTICE))
    [statement] = activity_statements(app)
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/performance"
    assert statement["result"]["extensions"]["http://lms.test/xapi/vocab/extensions/word-count"] == 0


def test_lesson_completion_carries_the_time_on_task(client, app, login_as):
    login_as()
    enroll(client)
    client.get(lesson_url(ETHICS, BOUNDARIES))
    with app.app_context():
        row = db.scalar(select(LessonProgress))
        row.last_seen_at -= timedelta(minutes=12)
        db.commit()
    for check in BOUNDARIES.checks:
        answer(client, check, correct(check), course=ETHICS, lesson=BOUNDARIES)
    submit(client, ETHICS, BOUNDARIES, REFLECTION)
    post_form(client, f"{lesson_url(ETHICS, BOUNDARIES)}/complete", token_from=lesson_url(ETHICS, BOUNDARIES))
    completed = [s for s in statements(app, "completed") if s["object"]["id"].endswith("/lesson/boundaries")]
    [statement] = completed
    validate_statement(statement)
    assert 720 <= float(DURATION.match(statement["result"]["duration"]).group(1)) < 3600
