"""Lesson activities delivered and recorded: the forms, their rules, revision, completion, CSRF, who may do and
see what, and the time on task that page timings give a lesson."""
from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import ActivityResponse, Enrollment, LessonProgress
from lms.learning.services import LESSON_IDLE, note_time
from tests.conftest import post_form
from tests.learning.helpers import lesson_url, submit, valid_answers, words_of
from tests.learning.test_delivery import CATALOG, answer, correct

ETHICS = CATALOG.courses["ethics"]
BOUNDARIES = ETHICS.lesson("boundaries")  # a reflection of at least 120 words
REFLECTION = BOUNDARIES.activities[0]
DECISIONS = ETHICS.lesson("ethical-decision-making")  # a worksheet of five fields
WORKSHEET = DECISIONS.activities[0]
COMMUNICATION = CATALOG.courses["communication"]
LISTENING = COMMUNICATION.lesson("active-listening")  # a practice with a three-step checklist
PRACTICE = LISTENING.activities[0]


def enroll(client, course=ETHICS):
    return post_form(client, f"/courses/{course.slug}/enroll", token_from=f"/courses/{course.slug}")


def responses(app) -> list[ActivityResponse]:
    with app.app_context():
        rows = db.scalars(select(ActivityResponse).order_by(ActivityResponse.id)).all()
        for row in rows:
            db.expunge(row)
        return rows


@pytest.fixture
def trainee(client, login_as):
    user = login_as()
    enroll(client)
    return user


def test_the_shipped_activities_cover_every_kind():
    assert (REFLECTION.kind, WORKSHEET.kind, PRACTICE.kind) == ("reflection", "worksheet", "practice")


def test_each_activity_is_a_form_at_its_placeholder_with_its_rules(client, trainee):
    html = client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)
    section = html[html.index(f'id="activity-{REFLECTION.id}"'):]
    assert html.index(f'id="activity-{REFLECTION.id}"') < html.index("Common mistakes")  # placed, not appended
    assert f"Reflection: {escape(REFLECTION.title)}" in section
    assert "At least 120 words." in section and "<textarea" in section
    assert "Do not enter anything that could identify a person you support" in section
    assert f'name="activity-{REFLECTION.id}-csrf_token"' in section and ">Submit</button>" in section

    html = client.get(lesson_url(ETHICS, DECISIONS)).get_data(as_text=True)
    for spec in WORKSHEET.fields:
        assert str(escape(spec.label)) in html
    enroll(client, COMMUNICATION)
    html = client.get(lesson_url(COMMUNICATION, LISTENING)).get_data(as_text=True)
    for item in PRACTICE.checklist:
        assert str(escape(item)) in html
    assert html.count(f'name="activity-{PRACTICE.id}-ticked"') == len(PRACTICE.checklist)


def test_a_reflection_is_saved_for_the_learner_and_counts_toward_completion(client, app, trainee):
    complete = lambda: post_form(client, f"{lesson_url(ETHICS, BOUNDARIES)}/complete",  # noqa: E731
                                 token_from=lesson_url(ETHICS, BOUNDARIES))
    complete()
    html = client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)
    assert "Answer the knowledge checks (3 left) and submit the activities (1 left) first." in html
    for check in BOUNDARIES.checks:
        answer(client, check, correct(check), course=ETHICS, lesson=BOUNDARIES)
    complete()
    assert "Submit the activities first (1 left)." in client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)

    response = submit(client, ETHICS, BOUNDARIES, REFLECTION)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#activity-{REFLECTION.id}")
    [row] = responses(app)
    assert (row.lesson_slug, row.activity_id, row.kind, row.revisions) == (BOUNDARIES.slug, REFLECTION.id,
                                                                           "reflection", 0)
    assert row.answers == {"text": valid_answers(REFLECTION)["text"]} and row.word_count >= 120
    html = client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)
    assert "submitted" in html and ">Save changes</button>" in html and valid_answers(REFLECTION)["text"] in html
    complete()
    with app.app_context():
        progress = db.scalar(select(LessonProgress).where(LessonProgress.lesson_slug == BOUNDARIES.slug))
        assert progress.completed_at is not None


def test_too_few_words_is_refused_with_the_count_and_the_words_kept(client, app, trainee):
    text = words_of(50)
    response = submit(client, ETHICS, BOUNDARIES, REFLECTION, {"text": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Write at least 120 words here; so far there are {len(text.split())}." in html
    assert text in html  # nothing the learner wrote is lost
    assert responses(app) == []


def test_a_response_can_be_revised_and_the_same_words_twice_change_nothing(client, app, trainee):
    submit(client, ETHICS, BOUNDARIES, REFLECTION)
    changed = {"text": "On reflection, " + words_of(130)}
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, changed).status_code == 302
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, changed).status_code == 302
    [row] = responses(app)
    assert row.answers == changed and row.revisions == 1 and row.updated_at >= row.submitted_at
    assert "revised 1 time" in client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)


def test_every_worksheet_box_needs_its_words(client, app, trainee):
    answers = valid_answers(WORKSHEET)
    answers["field_3"] = "Just two."
    html = submit(client, ETHICS, DECISIONS, WORKSHEET, answers).get_data(as_text=True)
    assert f"Write at least {WORKSHEET.fields[3].min_words} words here; so far there are 2." in html
    assert f'id="activity-{WORKSHEET.id}-field_3-error"' in html  # beside the box it is about
    assert responses(app) == []
    assert submit(client, ETHICS, DECISIONS, WORKSHEET).status_code == 302
    [row] = responses(app)
    assert set(row.answers) == {spec.id for spec in WORKSHEET.fields}


def test_a_practice_needs_every_step_ticked_and_only_real_steps(client, app, trainee):
    enroll(client, COMMUNICATION)
    response = submit(client, COMMUNICATION, LISTENING, PRACTICE, {"ticked": ["0"]})
    assert response.status_code == 400
    assert "Tick every step once you have done it (1 of 3 ticked)." in response.get_data(as_text=True)
    assert submit(client, COMMUNICATION, LISTENING, PRACTICE, {"ticked": ["0", "1", "9"]}).status_code == 400
    assert submit(client, COMMUNICATION, LISTENING, PRACTICE, {"ticked": ["0", "x"]}).status_code == 400
    assert responses(app) == []
    assert submit(client, COMMUNICATION, LISTENING, PRACTICE).status_code == 302
    [row] = responses(app)
    assert row.answers == {"ticked": [0, 1, 2]} and row.word_count == 0


def test_client_details_are_refused_like_in_the_hours_log(client, app, trainee):
    text = words_of(120) + " Call her on 555-123-4567."
    html = submit(client, ETHICS, BOUNDARIES, REFLECTION, {"text": text}).get_data(as_text=True)
    assert "This looks like it contains client information" in html and text in html
    assert responses(app) == []


def test_a_post_without_the_csrf_token_saves_nothing(client, app, trainee):
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, csrf_token=None).status_code == 400
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, csrf_token="forged").status_code == 400
    assert responses(app) == []


def test_a_bad_page_token_still_saves_the_words(client, app, trainee):
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, opened="tampered").status_code == 302
    assert len(responses(app)) == 1


def test_only_an_enrolled_learner_submits_and_only_real_activities(client, app, login_as):
    login_as()
    enroll(client)
    url = f"{lesson_url(ETHICS, BOUNDARIES)}/activities/no-such-activity"
    assert post_form(client, url, token_from=lesson_url(ETHICS, BOUNDARIES)).status_code == 404
    other = CATALOG.courses["confidentiality"]
    lesson = other.lessons[0]
    url = f"{lesson_url(other, lesson)}/activities/{lesson.activities[0].id}"
    assert post_form(client, url, token_from="/courses").status_code == 403
    assert responses(app) == []


def test_a_trainee_never_sees_another_trainees_response(client, auth, make_user, app):
    alice, bob = make_user("trainee"), make_user("trainee")
    auth.login(alice.email)
    enroll(client)
    secret = "Alice wrote this about her own week. " + words_of(120)
    assert submit(client, ETHICS, BOUNDARIES, REFLECTION, {"text": secret}).status_code == 302
    auth.logout()
    auth.login(bob.email)
    enroll(client)
    html = client.get(lesson_url(ETHICS, BOUNDARIES)).get_data(as_text=True)
    assert "Alice wrote this" not in html and ">Submit</button>" in html
    assert client.get(f"/supervision/trainees/{alice.id}").status_code == 403
    assert "Alice wrote this" not in client.get(f"/trainees/{alice.id}/learning").get_data(as_text=True)


# Page timings -----------------------------------------------------------------------------------

def test_page_timings_count_gaps_on_the_same_lesson_up_to_the_idle_limit(app):
    with app.app_context():
        enrollment = Enrollment(user_id=1, course_slug="ethics", course_version="v", last_lesson_slug="boundaries")
        row = LessonProgress(lesson_slug="boundaries", active_seconds=0.0)
        start = utcnow()
        note_time(row, enrollment, start)
        note_time(row, enrollment, start + timedelta(minutes=10))  # reading: counts
        note_time(row, enrollment, start + timedelta(minutes=10) + LESSON_IDLE + timedelta(seconds=1))  # away
        assert row.active_seconds == 600
        enrollment.last_lesson_slug = "other-lesson"  # went to another lesson in between
        note_time(row, enrollment, row.last_seen_at + timedelta(minutes=5))
        assert row.active_seconds == 600 and enrollment.last_lesson_slug == "boundaries"
        note_time(row, enrollment, row.last_seen_at + timedelta(minutes=5))
        assert row.active_seconds == 900


def test_completing_a_lesson_keeps_its_time_on_task(client, app, trainee):
    lesson = ETHICS.lessons[0]
    client.get(lesson_url(ETHICS, lesson))
    with app.app_context():  # the learner read for ten minutes before answering
        row = db.scalar(select(LessonProgress))
        row.last_seen_at -= timedelta(minutes=10)
        db.commit()
    for check in lesson.checks:
        answer(client, check, correct(check), course=ETHICS, lesson=lesson)
    post_form(client, f"{lesson_url(ETHICS, lesson)}/complete", token_from=lesson_url(ETHICS, lesson))
    with app.app_context():
        row = db.scalar(select(LessonProgress))
        assert row.completed_at is not None and 600 <= row.active_seconds < 600 + LESSON_IDLE.total_seconds()
        assert db.scalar(select(func.count()).select_from(ActivityResponse)) == 0


def test_the_lesson_page_renders_when_a_host_turns_csrf_off(client, app, trainee):
    app.config["WTF_CSRF_ENABLED"] = False  # a host's choice; the fixture restores the config
    response = client.get(lesson_url(ETHICS, BOUNDARIES))
    assert response.status_code == 200 and f'id="activity-{REFLECTION.id}"' in response.get_data(as_text=True)
