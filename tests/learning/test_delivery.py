"""Catalog, enrollment, lessons, knowledge checks, completion, progress and access to progress."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.content import load_catalog
from lms.db import session as db
from lms.learning.models import CheckAnswer, Enrollment, LessonProgress
from lms.paths import data_dir
from tests.conftest import post_form
from tests.learning.helpers import submit

CATALOG = load_catalog(data_dir("curricula"))
ETHICS = CATALOG.courses["ethics"]
LESSON = ETHICS.lessons[0]


def lesson_url(course=ETHICS, lesson=LESSON) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.slug}"


def enroll(client, course=ETHICS):
    return post_form(client, f"/courses/{course.slug}/enroll", token_from=f"/courses/{course.slug}")


def answer(client, check, indices, course=ETHICS, lesson=LESSON):
    data = {
        f"check-{check.id}-option": [str(i) for i in indices],
        f"check-{check.id}-csrf_token": _token(client, course, lesson, check),
    }
    return client.post(f"{lesson_url(course, lesson)}/checks/{check.id}", data=data)


def _token(client, course, lesson, check) -> str:
    html = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    return re.search(
        rf'id="check-{check.id}-csrf_token" name="check-{check.id}-csrf_token" type="hidden" value="([^"]+)"', html
    ).group(1)


def correct(check) -> list[int]:
    return [i for i, o in enumerate(check.options) if o.correct]


def wrong(check) -> list[int]:
    return [next(i for i, o in enumerate(check.options) if not o.correct)]


def complete(client, course=ETHICS, lesson=LESSON):
    return post_form(client, f"{lesson_url(course, lesson)}/complete", token_from=lesson_url(course, lesson))


def test_catalog_lists_the_five_courses_to_anyone(client):
    html = client.get("/courses").get_data(as_text=True)
    for course in CATALOG.courses.values():
        assert str(escape(course.title)) in html
    assert "after Communication in Peer Support" in html  # prerequisites by title


def test_course_page_shows_modules_lessons_hours_and_time(client):
    html = client.get("/courses/ethics").get_data(as_text=True)
    for lesson in ETHICS.lessons:
        assert lesson.title in html
    assert "Ethical Responsibility" in html and "Sign in to enroll" in html


def test_unknown_course_or_lesson_is_a_404_page(client, login_as):
    assert client.get("/courses/no-such-course").status_code == 404
    login_as()
    enroll(client)
    response = client.get("/courses/ethics/lessons/no-such-lesson")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)


def test_enrolling_twice_makes_one_enrollment(client, app, login_as):
    login_as()
    assert enroll(client).status_code == 302
    assert enroll(client).status_code == 302
    with app.app_context():
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 1


def test_prerequisite_locks_course_with_the_reason(client, login_as, app):
    login_as()
    html = client.get("/courses/crisis-intervention").get_data(as_text=True)
    assert "Locked." in html and "Communication in Peer Support" in html
    response = post_form(
        client, "/courses/crisis-intervention/enroll", token_from="/courses/crisis-intervention", follow_redirects=True
    )
    assert "first." in response.get_data(as_text=True)
    with app.app_context():
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_lesson_needs_enrollment(client, login_as):
    login_as()
    response = client.get(lesson_url())
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/ethics")


def test_lesson_page_renders_content_checks_and_sources(client, login_as):
    login_as()
    enroll(client)
    html = client.get(lesson_url()).get_data(as_text=True)
    assert LESSON.title in html and "Sources" in html and "<fieldset" in html and "<legend>" in html
    for check in LESSON.checks:
        assert f'id="check-{check.id}"' in html


def test_knowledge_check_gives_feedback_and_records_every_answer(client, app, login_as):
    login_as()
    enroll(client)
    check = LESSON.checks[0]
    response = answer(client, check, wrong(check))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#check-{check.id}-result")
    html = client.get(lesson_url()).get_data(as_text=True)
    assert "Not quite." in html and check.options[wrong(check)[0]].feedback[:40] in html
    answer(client, check, correct(check))
    html = client.get(lesson_url()).get_data(as_text=True)
    assert "Correct." in html
    with app.app_context():
        rows = db.scalars(select(CheckAnswer).order_by(CheckAnswer.id)).all()
        assert [r.correct for r in rows] == [False, True]
        assert rows[0].lesson_version == LESSON.version


def test_tampered_answer_is_refused_and_saves_nothing(client, app, login_as):
    login_as()
    enroll(client)
    check = next(c for c in LESSON.checks if c.type == "single")
    assert answer(client, check, [99]).status_code == 400
    assert answer(client, check, []).status_code == 400
    with app.app_context():
        assert db.scalar(select(func.count()).select_from(CheckAnswer)) == 0


def test_lesson_completes_only_after_its_checks_are_answered(client, app, login_as):
    login_as()
    enroll(client)
    response = complete(client)
    assert response.status_code == 302
    assert "Answer the knowledge checks first" in client.get(lesson_url()).get_data(as_text=True)
    for check in LESSON.checks:
        answer(client, check, wrong(check))  # any answer counts: checks are for learning
    assert complete(client).status_code == 302
    with app.app_context():
        row = db.scalar(select(LessonProgress).where(LessonProgress.lesson_slug == LESSON.slug))
        assert row.completed_at is not None and row.completed_version == LESSON.version


def test_completing_every_lesson_completes_course_and_earns_its_hours(client, app, login_as):
    login_as()
    enroll(client)
    for lesson in ETHICS.lessons:
        for check in lesson.checks:
            answer(client, check, correct(check), lesson=lesson)
        for activity in lesson.activities:
            assert submit(client, ETHICS, lesson, activity).status_code == 302
        complete(client, lesson=lesson)
    with app.app_context():
        enrollment = db.scalar(select(Enrollment))
        assert enrollment.completed_at is not None and enrollment.completed_version == ETHICS.version
    html = client.get("/my-learning").get_data(as_text=True)
    assert "No completed courses yet" not in html and ETHICS.title in html
    hours = ETHICS.hours.get("ethical-responsibility", 0)
    assert re.search(rf"Ethical Responsibility</td><td>{hours:g} h", html)


def test_my_learning_resumes_at_the_next_lesson(client, login_as):
    login_as()
    enroll(client)
    for check in LESSON.checks:
        answer(client, check, correct(check))
    complete(client)
    html = client.get("/my-learning").get_data(as_text=True)
    assert f"Resume: {ETHICS.lessons[1].title}" in html
    assert "1 of 6 lessons" in html or f"1 of {len(ETHICS.lessons)} lessons" in html


@pytest.fixture
def trainees(make_user, make_org):
    org = make_org()
    return make_user("trainee", org=org), make_user("trainee", org=org), org


def test_trainee_cannot_see_another_trainees_progress(client, auth, trainees):
    alice, bob, _ = trainees
    auth.login(alice.email)
    assert client.get(f"/trainees/{alice.id}/learning").status_code == 200
    assert client.get(f"/trainees/{bob.id}/learning").status_code == 403


def test_supervisor_sees_only_assigned_trainees(client, auth, trainees, make_user, assign):
    alice, bob, org = trainees
    supervisor = make_user("supervisor", org=org)
    assign(supervisor, alice)
    auth.login(supervisor.email)
    assert client.get(f"/trainees/{alice.id}/learning").status_code == 200
    assert client.get(f"/trainees/{bob.id}/learning").status_code == 403


def test_org_admin_sees_own_organization_only(client, auth, trainees, make_user, make_org):
    alice, _, org = trainees
    other_org = make_org("harbor", "Harbor")
    outsider = make_user("trainee", org=other_org)
    org_admin = make_user("supervisor", org=org, is_org_admin=True)
    auth.login(org_admin.email)
    assert client.get(f"/trainees/{alice.id}/learning").status_code == 200
    assert client.get(f"/trainees/{outsider.id}/learning").status_code == 403


def test_board_cannot_see_trainee_progress_but_admin_can(client, auth, trainees, make_user):
    alice, _, _ = trainees
    auth.login(make_user("board").email)
    assert client.get(f"/trainees/{alice.id}/learning").status_code == 403
    auth.logout()
    auth.login(make_user("admin").email)
    assert client.get(f"/trainees/{alice.id}/learning").status_code == 200


def test_content_version_is_recorded_on_enrollment(client, app, login_as):
    login_as()
    enroll(client)
    with app.app_context():
        assert db.scalar(select(Enrollment.course_version)) == ETHICS.version
