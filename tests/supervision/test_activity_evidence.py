"""Lesson activity responses on the supervision drill-down: the trainee's words and the competencies the
activity names, for the people who may see that trainee (the existing access helper), and nobody else."""
from __future__ import annotations

from flask import current_app
from markupsafe import escape

from lms.accounts.models import User
from lms.db import session as db
from lms.learning import services as learning
from lms.learning.activities import submit_activity
from tests.supervision.pages import people, sign_in  # noqa: F401  (fixture)

ETHICS = "ethics"
WORDS = "In the fictional week I wrote about, I kept my boundary about lending money kindly. "  # 15 words


def _respond(app, trainee_id: int) -> None:
    """The trainee does the boundaries reflection (revised once) and the active-listening practice."""
    with app.app_context():
        user = db.get(User, trainee_id)
        catalog = current_app.extensions["lms"].catalog
        ethics, communication = catalog.course(ETHICS), catalog.course("communication")
        enrollment = learning.enroll(user, ethics)
        lesson = ethics.lesson("boundaries")
        reflection = lesson.activities[0]
        submit_activity(enrollment, ethics, lesson, reflection, {"text": WORDS * 8})
        submit_activity(enrollment, ethics, lesson, reflection, {"text": "Revised: " + WORDS * 9})
        enrollment = learning.enroll(user, communication)
        listening = communication.lesson("active-listening")
        practice = listening.activities[0]
        submit_activity(enrollment, communication, listening, practice, {"ticked": [0, 1, 2]})
        db.commit()


def test_the_assigned_supervisor_sees_the_words_and_the_competencies(app, people):  # noqa: F811
    _respond(app, people.trainee.id)
    html = sign_in(app, "supervisor", people).get(f"/supervision/trainees/{people.trainee.id}").get_data(as_text=True)
    catalog = app.extensions["lms"].catalog
    reflection = catalog.course(ETHICS).lesson("boundaries").activities[0]
    practice = catalog.course("communication").lesson("active-listening").activities[0]
    section = html[html.index('id="activities"'):html.index('id="evidence"')]
    assert str(escape(reflection.title)) in section and "revised 1 time" in section
    assert "Revised: In the fictional week" in section
    for competency in reflection.competencies:
        assert str(escape(catalog.framework.competencies[competency].name)) in section
    assert f"Done: {escape(practice.checklist[0])}" in section
    # newest first: the practice was done after the reflection
    assert section.index(str(escape(practice.title))) < section.index(str(escape(reflection.title)))


def test_only_those_who_may_see_the_trainee_see_the_responses(app, people):  # noqa: F811
    _respond(app, people.trainee.id)
    url = f"/supervision/trainees/{people.trainee.id}"
    expected = {"supervisor": 200, "org_admin": 200, "admin": 200, "peer_supervisor": 404, "stranger": 404,
                "away_org_admin": 404, "other_trainee": 403, "trainee": 403, "board": 403}
    seen = {}
    for role, status in expected.items():
        response = sign_in(app, role, people).get(url)
        seen[role] = response.status_code
        assert ("In the fictional week" in response.get_data(as_text=True)) == (status == 200), role
    assert seen == expected


def test_a_trainee_without_responses_says_so(app, people):  # noqa: F811
    html = sign_in(app, "supervisor", people).get(f"/supervision/trainees/{people.trainee.id}").get_data(as_text=True)
    assert "No activity responses yet." in html
