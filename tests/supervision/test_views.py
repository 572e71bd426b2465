"""Supervision pages over HTTP: competencies and ratings, observations, practice hours and their
review, sign-off; every bad input refused with a message naming the problem and nothing saved."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.db import session as db
from lms.supervision.models import CompetencyEvidence, Observation, PracticeLog, SignOff
from tests.supervision import pages
from tests.supervision.pages import (
    COMP,
    YESTERDAY,
    add_log,
    add_sign_off,
    count,
    post,
    sign_in,
)

LOG = {"worked_on": YESTERDAY.isoformat(), "hours": "2.5", "kind": "practice", "domain": "advocacy",
       "activity": "One-to-one peer support", "reflection": "Practised open questions."}
OBSERVED = {"observed_on": YESTERDAY.isoformat(), "comment": "Clear, warm and within scope.",
            **dict.fromkeys(("safety", "scope", "confidentiality", "recovery_oriented_language",
                             "motivational_interviewing"), "proficient")}

people, programs = pages.people, pages.programs  # the shared fixtures, used by name


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def words(response) -> str:
    """The page as a reader sees it: tags gone, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))))


def rate(client, trainee_id, level="proficient", comment="Consistent and warm.", competency=COMP):
    return post(client, f"/trainees/{trainee_id}/competencies/{competency}/rate",
                {f"{competency}-level": level, f"{competency}-comment": comment})


# Competencies --------------------------------------------------------------------------------

def test_trainee_sees_every_competency_by_framework_with_rating_source_and_evidence(app, people):
    supervisor = sign_in(app, "supervisor", people)
    assert rate(supervisor, people.trainee.id, "developing", "First look").status_code == 302
    assert rate(supervisor, people.trainee.id, "proficient", "Much steadier now").status_code == 302
    page = text(sign_in(app, "trainee", people).get("/competencies"))
    framework = app.extensions["lms"].catalog.framework
    for name in framework.framework_names.values():
        assert name in page
    for competency in framework.competencies.values():
        assert competency.name in page
    assert "Current rating: <strong class=\"level level-proficient\">Proficient</strong> — supervisor rating" in page
    assert date.today().strftime("%d %B %Y") in page
    assert page.index("Much steadier now") < page.index("First look")  # the evidence log, newest first
    assert "Evidence log (2 entries, newest first)" in page
    assert 'href="/hours"' in page
    assert "Save rating" not in page  # a trainee cannot rate


def test_supervisor_page_has_a_rating_form_per_competency_and_links(app, people):
    page = text(sign_in(app, "supervisor", people).get(f"/trainees/{people.trainee.id}/competencies"))
    competencies = app.extensions["lms"].catalog.framework.competencies
    assert page.count("Save rating") == len(competencies)
    assert f'name="{COMP}-level"' in page and "Not yet" in page and "Exemplary" in page
    assert f'href="/trainees/{people.trainee.id}/observations/new"' in page
    assert f'href="/trainees/{people.trainee.id}/sign-off"' in page


@pytest.mark.parametrize("level, message", [("superb", "Not a valid choice"), ("", "Choose a level")])
def test_rating_with_a_bad_level_is_refused_and_nothing_saved(app, people, level, message):
    response = rate(sign_in(app, "supervisor", people), people.trainee.id, level)
    assert response.status_code == 400
    assert message in text(response)
    assert count(app, CompetencyEvidence) == 0


def test_rating_an_unknown_competency_is_refused(app, people):
    response = post(sign_in(app, "supervisor", people), f"/trainees/{people.trainee.id}/competencies/juggling/rate",
                    {"juggling-level": "proficient"})
    assert response.status_code == 400
    assert "There is no competency 'juggling'" in text(response)
    assert count(app, CompetencyEvidence) == 0


def test_rating_without_the_csrf_token_is_refused(app, people):
    client = sign_in(app, "supervisor", people)
    response = client.post(f"/trainees/{people.trainee.id}/competencies/{COMP}/rate",
                           data={f"{COMP}-level": "proficient"})
    assert response.status_code == 400
    assert count(app, CompetencyEvidence) == 0


def test_supervisor_cannot_rate_observe_or_sign_off_a_trainee_not_theirs(app, people, programs):
    client = sign_in(app, "supervisor", people)
    other = people.other_trainee.id  # same organization, supervised by someone else
    assert rate(client, other).status_code == 404
    assert post(client, f"/trainees/{other}/observations/new", OBSERVED).status_code == 404
    signed = post(client, f"/trainees/{other}/sign-off", {"program": "program-1", "statement": "Ready."})
    assert signed.status_code == 404
    assert (count(app, CompetencyEvidence), count(app, Observation), count(app, SignOff)) == (0, 0, 0)


# Observations --------------------------------------------------------------------------------

def test_observation_is_recorded_and_listed_on_the_competencies_page(app, people):
    client = sign_in(app, "supervisor", people)
    form = text(client.get(f"/trainees/{people.trainee.id}/observations/new"))
    for label in ("Safety", "Scope of practice", "Confidentiality", "Recovery-oriented language",
                  "Motivational interviewing skills", "Date observed"):
        assert label in form
    response = post(client, f"/trainees/{people.trainee.id}/observations/new", OBSERVED)
    assert response.status_code == 302 and response.headers["Location"].endswith("#observations")
    page = text(sign_in(app, "trainee", people).get("/competencies"))
    assert "Clear, warm and within scope." in page
    assert YESTERDAY.strftime("%d %b %Y") in page
    assert "observed practice" in page  # ethics evidence from an all-proficient observation
    assert count(app, Observation) == 1


@pytest.mark.parametrize("change, message", [
    ({"observed_on": (date.today() + timedelta(days=2)).isoformat()}, "cannot be dated in the future"),
    ({"observed_on": "yesterday"}, "Not a valid date value"),
    ({"safety": ""}, "Choose a level"),
    ({"scope": "brilliant"}, "Not a valid choice"),
])
def test_bad_observation_is_refused_and_nothing_saved(app, people, change, message):
    response = post(sign_in(app, "supervisor", people), f"/trainees/{people.trainee.id}/observations/new",
                    {**OBSERVED, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert (count(app, Observation), count(app, CompetencyEvidence)) == (0, 0)


# Practice hours ------------------------------------------------------------------------------

def test_hours_page_warns_about_client_details_and_shows_requirements(app, people):
    page = text(sign_in(app, "trainee", people).get("/hours"))
    assert "Do not enter anything that could identify a person you support" in page
    assert "contact details, dates of birth, record numbers or addresses" in page
    assert "500 h" in page and "25 h" in page
    assert 'href="/competencies"' in page


def test_trainee_logs_hours_and_sees_them_pending(app, people):
    client = sign_in(app, "trainee", people)
    response = post(client, "/hours", LOG)
    assert response.status_code == 302
    page = text(client.get("/hours"))
    assert "2.5 hours logged" in page
    assert "Waiting for review" in page and "One-to-one peer support" in page
    assert "Waiting for review</th><td>2.5 h" in page
    assert count(app, PracticeLog, status="pending") == 1


@pytest.mark.parametrize("change, message", [
    ({"worked_on": (date.today() + timedelta(days=1)).isoformat()}, "cannot be logged for a day in the future"),
    ({"hours": "-1"}, "more than 0 and at most 24"),
    ({"hours": "0"}, "more than 0 and at most 24"),
    ({"hours": "24.5"}, "more than 0 and at most 24"),
    ({"hours": "nan"}, "Enter the hours as a number"),
    ({"hours": "inf"}, "Enter the hours as a number"),
    ({"hours": "two"}, "Not a valid float value"),
    ({"hours": ""}, "Enter the hours as a number"),
    ({"worked_on": "31/02/2024"}, "Not a valid date value"),
    ({"kind": "holiday"}, "Not a valid choice"),
    ({"domain": "astrology"}, "Not a valid choice"),
    ({"activity": "  "}, "Say briefly what the activity was"),
    ({"activity": "x" * 201}, "Field cannot be longer than 200 characters"),
    ({"reflection": "Met them at 12 Harbour Street"}, "looks like it contains client information"),
    ({"activity": "Call back on 555-201-3344"}, "looks like it contains client information"),
    ({"reflection": "Their DOB is on file"}, "looks like it contains client information"),
    ({"reflection": "Wrote to peer.person@example.org"}, "looks like it contains client information"),
])
def test_bad_hours_are_refused_with_the_reason_and_nothing_saved(app, people, change, message):
    response = post(sign_in(app, "trainee", people), "/hours", {**LOG, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert count(app, PracticeLog) == 0


def test_more_than_24_hours_in_a_day_across_logs_is_refused(app, people):
    client = sign_in(app, "trainee", people)
    assert post(client, "/hours", {**LOG, "hours": "20"}).status_code == 302
    response = post(client, "/hours", {**LOG, "hours": "5"})
    assert response.status_code == 400
    assert "more than 24 hours on" in text(response) and "20 already logged" in text(response)
    assert count(app, PracticeLog) == 1


def test_returned_log_can_be_corrected_and_resubmitted(app, people):
    log_id = add_log(app, people.trainee.id, "returned", comment="Name the domain you worked in.")
    client = sign_in(app, "trainee", people)
    hours_page = text(client.get("/hours"))
    assert "Returned for correction" in hours_page and "Name the domain you worked in." in hours_page
    form = text(client.get(f"/hours/{log_id}/edit"))
    assert "Name the domain you worked in." in form and 'value="Group facilitation"' in form
    refused = post(client, f"/hours/{log_id}/edit", {**LOG, "activity": "Visit at 40 Elm Road"})
    assert refused.status_code == 400 and "client information" in text(refused)
    assert count(app, PracticeLog, status="returned") == 1
    assert post(client, f"/hours/{log_id}/edit", {**LOG, "domain": "recovery-wellness"}).status_code == 302
    with app.app_context():
        log = db.get(PracticeLog, log_id)
        assert (log.status, log.domain, log.hours, log.reviewer_id) == ("pending", "recovery-wellness", 2.5, None)


def test_only_returned_logs_can_be_changed(app, people):
    log_id = add_log(app, people.trainee.id, "approved")
    client = sign_in(app, "trainee", people)
    response = post(client, f"/hours/{log_id}/edit", LOG)
    assert response.status_code == 302
    assert "Only hours returned for correction can be changed" in text(client.get("/hours"))
    assert count(app, PracticeLog, status="approved") == 1


def test_queue_lists_only_the_supervisors_trainees(app, people):
    add_log(app, people.trainee.id, "pending", hours=3)
    add_log(app, people.other_trainee.id, "pending", hours=4)  # supervised by peer_supervisor
    add_log(app, people.away_trainee.id, "pending", hours=5)  # another organization
    supervisor = words(sign_in(app, "supervisor", people).get("/supervision/hours"))
    assert "Trainee: 3 h" in supervisor and "Other Trainee" not in supervisor and "Away Trainee" not in supervisor
    org_admin = words(sign_in(app, "org_admin", people).get("/supervision/hours"))
    assert "Trainee: 3 h" in org_admin and "Other Trainee: 4 h" in org_admin and "Away Trainee" not in org_admin
    admin = words(sign_in(app, "admin", people).get("/supervision/hours"))
    assert all(f"{who}: {h} h" in admin for who, h in (("Trainee", 3), ("Other Trainee", 4), ("Away Trainee", 5)))
    assert "No hours are waiting" in text(sign_in(app, "stranger", people).get("/supervision/hours"))


def test_supervisor_approves_hours_and_they_count(app, people):
    log_id = add_log(app, people.trainee.id, "pending", hours=3)
    response = post(sign_in(app, "supervisor", people), f"/supervision/hours/{log_id}/review",
                    {f"r{log_id}-decision": "approve"})
    assert response.status_code == 302
    page = text(sign_in(app, "trainee", people).get("/hours"))
    assert "Approved" in page and "<th scope=\"row\">Practice</th> <td>3 h</td> <td>500 h</td> <td>497 h</td>" in page


def test_returning_hours_needs_a_comment(app, people):
    log_id = add_log(app, people.trainee.id, "pending")
    client = sign_in(app, "supervisor", people)
    response = post(client, f"/supervision/hours/{log_id}/review", {f"r{log_id}-decision": "return"})
    assert response.status_code == 400 and "Say why the hours are returned" in text(response)
    assert count(app, PracticeLog, status="pending") == 1
    response = post(client, f"/supervision/hours/{log_id}/review", {f"r{log_id}-decision": "maybe"})
    assert response.status_code == 400 and "Choose approve or return" in text(response)
    response = post(client, f"/supervision/hours/{log_id}/review",
                    {f"r{log_id}-decision": "return", f"r{log_id}-comment": "Add the domain."})
    assert response.status_code == 302
    assert count(app, PracticeLog, status="returned") == 1


def test_supervisor_cannot_approve_their_own_hours(app, people):
    # Hours logged while the person was a trainee, before they became a supervisor.
    log_id = add_log(app, people.supervisor.id, "pending")
    response = post(sign_in(app, "supervisor", people), f"/supervision/hours/{log_id}/review",
                    {f"r{log_id}-decision": "approve"})
    assert response.status_code == 400
    assert "You cannot review your own hours" in text(response)
    assert count(app, PracticeLog, status="pending") == 1


def test_supervisor_cannot_review_hours_of_a_trainee_not_theirs(app, people):
    log_id = add_log(app, people.other_trainee.id, "pending")
    response = post(sign_in(app, "supervisor", people), f"/supervision/hours/{log_id}/review",
                    {f"r{log_id}-decision": "approve"})
    assert response.status_code == 404
    assert count(app, PracticeLog, status="pending") == 1


def test_reviewing_twice_is_refused(app, people):
    log_id = add_log(app, people.trainee.id, "approved")
    response = post(sign_in(app, "admin", people), f"/supervision/hours/{log_id}/review",
                    {f"r{log_id}-decision": "return", f"r{log_id}-comment": "Changed my mind."})
    assert response.status_code == 400 and "already been reviewed" in text(response)
    assert count(app, PracticeLog, status="approved") == 1


# Sign-off ------------------------------------------------------------------------------------

def test_sign_off_page_says_when_there_are_no_programs(app, people, monkeypatch):
    monkeypatch.setattr(app.extensions["lms"], "programs", {})
    page = text(sign_in(app, "supervisor", people).get(f"/trainees/{people.trainee.id}/sign-off"))
    assert "no programs" in page and 'name="statement"' not in page


def test_sign_off_and_withdraw(app, people, programs):
    client = sign_in(app, "supervisor", people)
    url = f"/trainees/{people.trainee.id}/sign-off"
    page = text(client.get(url))
    assert "I attest that Trainee has completed the supervised practice" in page
    assert date.today().strftime("%d %B %Y") in page and "Program 3" in page
    response = post(client, url, {"program": "program-3", "statement": "Ready to practise independently."})
    assert response.status_code == 302
    again = post(client, url, {"program": "program-3", "statement": "Again."})
    assert again.status_code == 400 and "already signed off for this program" in text(again)
    with app.app_context():
        row_id = db.scalar(select(SignOff.id))
    page = text(client.get(url))
    assert "Program 3 — <span class=\"status status-approved\">Signed off</span>" in page
    refused = post(client, f"/sign-offs/{row_id}/withdraw", {f"w{row_id}-reason": " "})
    assert refused.status_code == 400 and "Give the reason for withdrawing" in text(refused)
    assert post(client, f"/sign-offs/{row_id}/withdraw", {f"w{row_id}-reason": "Left the program."}).status_code == 302
    page = text(client.get(url))
    assert "Withdrawn" in page and "Left the program." in page
    assert count(app, SignOff) == 1


@pytest.mark.parametrize("data, message", [
    ({"program": "no-such-program", "statement": "Ready."}, "Not a valid choice"),
    ({"program": "program-1", "statement": "   "}, "Write the sign-off statement"),
])
def test_bad_sign_off_is_refused_and_nothing_saved(app, people, programs, data, message):
    response = post(sign_in(app, "supervisor", people), f"/trainees/{people.trainee.id}/sign-off", data)
    assert response.status_code == 400 and message in text(response)
    assert count(app, SignOff) == 0


def test_withdrawing_a_sign_off_of_a_trainee_not_theirs_is_not_found(app, people, programs):
    row_id = add_sign_off(app, people.other_trainee.id, people.peer_supervisor.id, "program-1")
    response = post(sign_in(app, "supervisor", people), f"/sign-offs/{row_id}/withdraw",
                    {f"w{row_id}-reason": "Not mine to withdraw."})
    assert response.status_code == 404
    with app.app_context():
        assert db.get(SignOff, row_id).withdrawn_at is None
