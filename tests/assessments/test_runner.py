"""Taking scenarios and final checks through the web runner: passing, critical errors, tampering,
resume, limits, time, and the xAPI statements each attempt leaves."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.assessments.definitions import Decision, Narrative
from lms.assessments.models import Attempt, AttemptStep
from lms.assessments.services import best_points
from lms.db import session as db
from lms.db import utcnow
from lms.xapi.models import Statement
from tests.conftest import csrf_token, post_form

ADL = "http://adlnet.gov/expapi/verbs/"
SCENARIO = "late-night-text"


@pytest.fixture
def catalog(app):
    return app.extensions["lms"].assessments


def start(client, slug=SCENARIO):
    response = post_form(client, f"/assessments/{slug}/start", token_from=f"/assessments/{slug}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def attempt_row(app, attempt_id) -> Attempt:
    with app.app_context():
        row = db.get(Attempt, attempt_id)
        db.expunge(row)
        return row


def step_scenario(client, app, attempt_id, scenario, choose):
    """Advance one node: continue a narrative or decide with `choose(decision) -> option`. Returns the option."""
    node = scenario.node(attempt_row(app, attempt_id).current_node)
    token = csrf_token(client, f"/attempts/{attempt_id}")
    if isinstance(node, Narrative):
        client.post(f"/attempts/{attempt_id}/continue", data={"csrf_token": token, "node": node.id})
        return None
    option = choose(node)
    response = client.post(f"/attempts/{attempt_id}/decide",
                           data={"csrf_token": token, "node": node.id, "option": option.id})
    assert response.status_code == 302
    return option


def best(node: Decision):
    return max((o for o in node.options if not o.critical), key=lambda o: o.points)


def unsafe(node: Decision):
    return next((o for o in node.options if o.critical), None) or best(node)


def run(client, app, attempt_id, scenario, choose, limit=40):
    for _ in range(limit):
        if attempt_row(app, attempt_id).finished_at:
            return
        step_scenario(client, app, attempt_id, scenario, choose)
    raise AssertionError("scenario did not end")


def test_best_path_passes_and_is_recorded_in_xapi(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    intro = client.get(f"/assessments/{SCENARIO}").get_data(as_text=True)
    assert "Pass mark" in intro and "unsafe choice fails the scenario" in intro
    attempt_id = start(client)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert scenario.title in page
    run(client, app, attempt_id, scenario, best)
    attempt = attempt_row(app, attempt_id)
    assert attempt.passed and not attempt.critical and attempt.scaled == pytest.approx(1.0)
    assert attempt.competency_scores and all(0 <= v <= 1 for v in attempt.competency_scores.values())
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "passed" in result and "The path you took" in result
    with app.app_context():
        statements = [s.data for s in db.scalars(select(Statement).order_by(Statement.seq))
                      if s.data["context"].get("registration") == attempt.registration]
    verbs = [s["verb"]["id"].removeprefix(ADL) for s in statements]
    decisions = db_count_steps(app, attempt_id)
    assert verbs[0] == "initialized" and verbs[-2:] == ["completed", "passed"]
    assert verbs.count("answered") == decisions >= 4
    answered = next(s for s in statements if s["verb"]["id"] == ADL + "answered")
    assert answered["object"]["definition"]["interactionType"] == "choice"
    assert answered["object"]["definition"]["correctResponsesPattern"]
    assert answered["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/assessment/{SCENARIO}")
    assert answered["context"]["contextActivities"]["grouping"][0]["id"].endswith("/course/crisis-intervention")
    assert statements[-1]["result"]["score"]["scaled"] == pytest.approx(1.0)
    assert statements[-1]["result"]["duration"].startswith("PT")


def db_count_steps(app, attempt_id) -> int:
    with app.app_context():
        return db.scalar(select(func.count()).select_from(AttemptStep).where(AttemptStep.attempt_id == attempt_id))


def test_critical_choice_fails_whatever_the_points_and_explains_why(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    attempt_id = start(client)
    seen_critical = {}

    def first_good_then_unsafe(node):
        if any(o.critical for o in node.options) and not seen_critical:
            seen_critical["option"] = unsafe(node)
            return seen_critical["option"]
        return best(node)

    run(client, app, attempt_id, scenario, first_good_then_unsafe)
    attempt = attempt_row(app, attempt_id)
    assert attempt.critical and not attempt.passed
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "unsafe choice" in result and "Lessons to review" in result
    assert str(seen_critical["option"].reason)[:40] in result.replace("&#39;", "'").replace("&#34;", '"')
    with app.app_context():
        failed = db.scalar(select(Statement).where(Statement.verb_id == ADL + "failed"))
        assert failed.data["result"]["success"] is False


def test_immediate_feedback_is_announced_after_each_decision(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    attempt_id = start(client)
    while isinstance(scenario.node(attempt_row(app, attempt_id).current_node), Narrative):
        step_scenario(client, app, attempt_id, scenario, best)
    option = step_scenario(client, app, attempt_id, scenario, best)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="feedback"' in page and 'role="status"' in page and 'tabindex="-1"' in page
    assert option.feedback[:30].replace("'", "&#39;") in page or option.feedback[:30] in page
    assert "<fieldset>" in page and "<legend>" in page


def first_decision(client, app, attempt_id, scenario):
    while isinstance(scenario.node(attempt_row(app, attempt_id).current_node), Narrative):
        step_scenario(client, app, attempt_id, scenario, best)
    return scenario.node(attempt_row(app, attempt_id).current_node)


def test_option_from_another_node_and_replayed_decision_are_refused(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    attempt_id = start(client)
    node = first_decision(client, app, attempt_id, scenario)
    other = next(d for d in scenario.decisions if d.id != node.id)
    token = csrf_token(client, f"/attempts/{attempt_id}")
    response = client.post(f"/attempts/{attempt_id}/decide",
                           data={"csrf_token": token, "node": node.id, "option": other.options[0].id + "-x"},
                           follow_redirects=True)
    assert "not one of the options" in response.get_data(as_text=True)
    assert db_count_steps(app, attempt_id) == 0
    client.post(f"/attempts/{attempt_id}/decide", data={"csrf_token": token, "node": node.id, "option": best(node).id})
    replay = client.post(f"/attempts/{attempt_id}/decide",
                         data={"csrf_token": token, "node": node.id, "option": best(node).id}, follow_redirects=True)
    assert "decisions are final" in replay.get_data(as_text=True)
    assert db_count_steps(app, attempt_id) == 1


def test_someone_elses_attempt_is_not_found(client, app, login_as, auth, make_user):
    login_as()
    attempt_id = start(client)
    auth.logout()
    auth.login(make_user().email)
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    token = csrf_token(client, "/courses")
    assert client.post(f"/attempts/{attempt_id}/decide", data={"csrf_token": token, "node": "x",
                                                                "option": "y"}).status_code == 404


def test_answer_after_the_time_limit_is_refused_and_the_attempt_scored(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    attempt_id = start(client)
    node = first_decision(client, app, attempt_id, scenario)
    with app.app_context():
        row = db.get(Attempt, attempt_id)
        row.deadline_at = utcnow() - timedelta(minutes=1)
        db.commit()
    token = csrf_token(client, "/courses")
    response = client.post(f"/attempts/{attempt_id}/decide",
                           data={"csrf_token": token, "node": node.id, "option": best(node).id}, follow_redirects=True)
    assert "time limit has passed" in response.get_data(as_text=True)
    assert db_count_steps(app, attempt_id) == 0
    assert attempt_row(app, attempt_id).finished_at is not None


def test_attempt_resumes_after_logout(client, app, login_as, auth, catalog):
    user = login_as()
    scenario = catalog.scenario(SCENARIO)
    attempt_id = start(client)
    node = first_decision(client, app, attempt_id, scenario)
    step_scenario(client, app, attempt_id, scenario, best)
    auth.logout()
    auth.login(user.email)
    assert "Resume attempt 1" in client.get(f"/assessments/{SCENARIO}").get_data(as_text=True)
    assert start(client) == attempt_id
    assert attempt_row(app, attempt_id).current_node != node.id


def test_attempt_limit(client, app, login_as, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    for _ in range(scenario.settings.max_attempts):
        run(client, app, start(client), scenario, unsafe)
    page = client.get(f"/assessments/{SCENARIO}").get_data(as_text=True)
    assert f"You have used all {scenario.settings.max_attempts} attempts." in page
    response = post_form(client, f"/assessments/{SCENARIO}/start", token_from="/courses", follow_redirects=True)
    assert "You have used all" in response.get_data(as_text=True)


def test_unknown_assessment_is_404(client, login_as):
    login_as()
    assert client.get("/assessments/no-such-thing").status_code == 404


def final_slug(catalog):
    return catalog.final_check_for("crisis-intervention").slug


def correct_form(item, prefix):
    from lms.assessments.questions import QUESTION_TYPES

    answer = QUESTION_TYPES[item.type].correct_response(item)
    name = f"{prefix}answer"
    if item.type == "matching":
        return {f"{name}.{left}": right for left, right in answer.items()}
    if item.type == "true_false":
        return {name: "true" if answer else "false"}
    if item.type == "short_text":
        return {name: answer.upper() + " "}  # normalization: case and spaces don't matter
    return {name: answer}


def test_final_check_draws_items_scores_and_prefers_unseen_items(client, app, login_as, catalog):
    login_as()
    slug = final_slug(catalog)
    check = catalog.final_check(slug)
    bank = catalog.bank_for(check.course)
    attempt_id = start(client, slug)
    attempt = attempt_row(app, attempt_id)
    assert len(attempt.items) == check.draw == len(set(attempt.items))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count('class="question"') == check.draw
    data = {"csrf_token": csrf_token(client, f"/attempts/{attempt_id}")}
    for item_id in attempt.items:
        data.update(correct_form(bank.item(item_id), f"q-{item_id}-"))
    response = client.post(f"/attempts/{attempt_id}/submit", data=data)
    assert response.status_code == 302
    finished = attempt_row(app, attempt_id)
    assert finished.passed and finished.scaled == pytest.approx(1.0)
    with app.app_context():
        db.get(Attempt, attempt_id).finished_at = utcnow() - timedelta(days=1)  # past the cooldown
        db.commit()
    second = attempt_row(app, start(client, slug))
    assert len(bank.items) >= 2 * check.draw  # so a second draw can avoid every item seen
    assert not set(second.items) & set(attempt.items)


def test_final_check_tampered_answer_is_refused_and_nothing_saved(client, app, login_as, catalog):
    login_as()
    slug = final_slug(catalog)
    attempt_id = start(client, slug)
    attempt = attempt_row(app, attempt_id)
    bank = catalog.bank_for(catalog.final_check(slug).course)
    # Any type but short text (which accepts any text) must refuse an answer naming no option.
    choice_item = next(i for i in attempt.items if bank.item(i).type != "short_text")
    data = {"csrf_token": csrf_token(client, f"/attempts/{attempt_id}"), f"q-{choice_item}-answer": "forged-id"}
    response = client.post(f"/attempts/{attempt_id}/submit", data=data)
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    assert db_count_steps(app, attempt_id) == 0 and attempt_row(app, attempt_id).finished_at is None


def test_unanswered_final_check_scores_zero(client, app, login_as, catalog):
    login_as()
    attempt_id = start(client, final_slug(catalog))
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, f"/attempts/{attempt_id}")})
    attempt = attempt_row(app, attempt_id)
    assert attempt.finished_at and attempt.scaled == 0 and not attempt.passed


def test_course_page_lists_its_assessments(client, login_as, catalog):
    login_as()
    html = client.get("/courses/crisis-intervention").get_data(as_text=True)
    for scenario in catalog.scenarios_for("crisis-intervention"):
        assert f"/assessments/{scenario.slug}" in html
    assert f"/assessments/{final_slug(catalog)}" in html


def test_best_points_ignores_critical_options(catalog):
    for scenario in catalog.scenarios.values():
        for node in scenario.decisions:
            assert best_points(node) == max(o.points for o in node.options if not o.critical)


def test_item_analysis_page_and_csv_for_staff_only(client, app, login_as, auth, catalog):
    login_as()
    scenario = catalog.scenario(SCENARIO)
    run(client, app, start(client), scenario, best)
    run(client, app, start(client), scenario, unsafe)
    slug = final_slug(catalog)
    attempt_id = start(client, slug)
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, f"/attempts/{attempt_id}")})
    assert client.get(f"/assessments/{SCENARIO}/analysis").status_code == 403
    auth.logout()
    login_as("supervisor")
    page = client.get(f"/assessments/{SCENARIO}/analysis").get_data(as_text=True)
    assert "2 finished attempt(s), 1 passed" in page and "Where trainees fail" in page
    csv_text = client.get(f"/assessments/{SCENARIO}/analysis?format=csv").get_data(as_text=True)
    assert csv_text.startswith("decision,prompt,option,critical,times chosen")
    final_page = client.get(f"/assessments/{slug}/analysis").get_data(as_text=True)
    assert "Cronbach" in final_page
    final_csv = client.get(f"/assessments/{slug}/analysis?format=csv").get_data(as_text=True)
    assert final_csv.splitlines()[0].startswith("item,prompt,attempts,facility")
    import csv
    import io

    assert len(list(csv.reader(io.StringIO(final_csv)))) == 1 + len(catalog.bank_for("crisis-intervention").items)


def test_admin_grants_extra_time_which_extends_the_deadline(client, app, login_as, auth, make_user, catalog):
    trainee = make_user()
    login_as("admin")
    slug = final_slug(catalog)
    response = post_form(client, "/admin/time-extensions", {"email": trainee.email, "assessment": slug,
                                                            "minutes": "15", "reason": "accommodation"},
                         token_from="/admin/time-extensions")
    assert response.status_code == 302
    bad = post_form(client, "/admin/time-extensions", {"email": trainee.email, "assessment": "nope", "minutes": "5"},
                    token_from="/admin/time-extensions")
    assert "There is no assessment &#39;nope&#39;" in bad.get_data(as_text=True)
    auth.logout()
    auth.login(trainee.email)
    attempt = attempt_row(app, start(client, slug))
    limit = catalog.final_check(slug).settings.time_limit_minutes
    assert (attempt.deadline_at - attempt.started_at) == timedelta(minutes=limit + 15)
