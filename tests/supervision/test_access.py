"""Who may use each supervision page, as one table: every route against every role.

OK means 200 for a page, and for a POST a redirect to a page (not to login) after the change was
saved. A refusal (302 to login, 403, 404) must leave the database as it was.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from lms.db import session as db
from lms.supervision.models import CompetencyEvidence, Observation, PracticeLog, SignOff
from tests.supervision import pages
from tests.supervision.pages import (
    COMP,
    ROLES,
    YESTERDAY,
    add_log,
    add_sign_off,
    post,
    sign_in,
)

L, OK = "login", "ok"

people, programs = pages.people, pages.programs  # the shared fixtures, used by name


def row(*outcomes) -> dict[str, object]:
    assert len(outcomes) == len(ROLES)
    return dict(zip(ROLES, outcomes, strict=True))


#                  anonymous trainee other_trainee supervisor peer_sup stranger org_admin away_oa board admin
OWN_PAGE = row(L, OK, OK, 403, 403, 403, 403, 403, 403, 403)  # a trainee's own page: no id in the URL
OWN_LOG = row(L, OK, 404, 403, 403, 403, 403, 403, 403, 403)  # the trainee's log; other_trainee is not its owner
SUPERVISING = row(L, 403, 403, OK, 404, 404, OK, 404, 403, OK)  # about `trainee`, supervised by `supervisor`
QUEUE = row(L, 403, 403, OK, OK, OK, OK, OK, 403, OK)  # every supervisor has a queue, filtered to their trainees


def _count(model, *where) -> Callable:
    def measure(app) -> int:
        with app.app_context():
            return db.scalar(select(func.count()).select_from(model).where(*where))
    return measure


OBSERVED = {"observed_on": YESTERDAY.isoformat(), "comment": "",
            **{c: "proficient" for c in ("safety", "scope", "confidentiality", "recovery_oriented_language",
                                         "motivational_interviewing")}}
LOG = {"worked_on": YESTERDAY.isoformat(), "hours": "1", "kind": "practice", "domain": "advocacy",
       "activity": "One-to-one peer support", "reflection": ""}


@dataclass
class Route:
    name: str
    method: str
    build: Callable  # (app, people, role_index) -> (url, form data)
    expected: dict
    changed: Callable | None = None  # a measure that a successful POST increases


def _t(p) -> int:
    return p.trainee.id


ROUTES = [
    Route("competencies", "GET", lambda a, p, i: ("/competencies", None), OWN_PAGE),
    Route("trainee_competencies", "GET", lambda a, p, i: (f"/trainees/{_t(p)}/competencies", None), SUPERVISING),
    Route("rate", "POST", lambda a, p, i: (f"/trainees/{_t(p)}/competencies/{COMP}/rate",
                                           {f"{COMP}-level": "developing", f"{COMP}-comment": ""}),
          SUPERVISING, _count(CompetencyEvidence)),
    Route("observe", "GET", lambda a, p, i: (f"/trainees/{_t(p)}/observations/new", None), SUPERVISING),
    Route("observe_post", "POST", lambda a, p, i: (f"/trainees/{_t(p)}/observations/new", OBSERVED),
          SUPERVISING, _count(Observation)),
    Route("hours", "GET", lambda a, p, i: ("/hours", None), OWN_PAGE),
    Route("hours_post", "POST", lambda a, p, i: ("/hours", LOG), OWN_PAGE, _count(PracticeLog)),
    Route("resubmit", "GET", lambda a, p, i: (f"/hours/{add_log(a, _t(p), 'returned', comment='Fix')}/edit", None),
          OWN_LOG),
    Route("resubmit_post", "POST",
          lambda a, p, i: (f"/hours/{add_log(a, _t(p), 'returned', comment='Fix')}/edit", LOG), OWN_LOG,
          _count(PracticeLog, PracticeLog.status == "pending")),
    Route("hours_queue", "GET", lambda a, p, i: ("/supervision/hours", None), QUEUE),
    Route("review", "POST", lambda a, p, i: _review(a, p), SUPERVISING,
          _count(PracticeLog, PracticeLog.status == "approved")),
    Route("sign_off", "GET", lambda a, p, i: (f"/trainees/{_t(p)}/sign-off", None), SUPERVISING),
    Route("sign_off_post", "POST", lambda a, p, i: (f"/trainees/{_t(p)}/sign-off",
                                                    {"program": f"program-{i}", "statement": "Ready."}),
          SUPERVISING, _count(SignOff)),
    Route("withdraw", "POST", lambda a, p, i: _withdraw(a, p, i), SUPERVISING,
          _count(SignOff, SignOff.withdrawn_at.is_not(None))),
]


def _review(app, p):
    log_id = add_log(app, p.trainee.id, "pending", hours=0.5)
    return f"/supervision/hours/{log_id}/review", {f"r{log_id}-decision": "approve", f"r{log_id}-comment": ""}


def _withdraw(app, p, i):
    row_id = add_sign_off(app, p.trainee.id, p.supervisor.id, f"program-{i}")
    return f"/sign-offs/{row_id}/withdraw", {f"w{row_id}-reason": "Reconsidered after review."}


def _outcome(response) -> object:
    if response.status_code == 302:
        return L if "/login" in response.headers["Location"] else OK
    if response.status_code == 200:
        return OK
    return response.status_code


def test_the_table_names_every_supervision_route(app):
    from lms.supervision import views

    ours = {r.endpoint for r in app.url_map.iter_rules()
            if app.view_functions[r.endpoint].__module__ == views.__name__}
    tested = {f"lms.supervision_{name}" for name in
              ("competencies", "trainee_competencies", "rate", "observe", "hours", "resubmit_hours",
               "hours_queue", "review_hours", "sign_off", "withdraw_sign_off")}
    assert ours == tested
    assert {r.name.removesuffix("_post") for r in ROUTES} >= {"competencies", "rate", "observe", "hours", "resubmit",
                                                              "hours_queue", "review", "sign_off", "withdraw"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_access_by_role(app, people, programs, route):
    wrong = []
    for index, role in enumerate(ROLES):
        client = sign_in(app, role, people)
        url, data = route.build(app, people, index)
        before = route.changed(app) if route.changed else None
        response = client.get(url) if route.method == "GET" else post(client, url, data)
        outcome = _outcome(response)
        if outcome != route.expected[role]:
            wrong.append((role, route.expected[role], outcome, response.get_data(as_text=True)[:300]))
        if route.changed:
            after = route.changed(app)
            if (after > before) != (route.expected[role] == OK):
                wrong.append((role, "saved" if route.expected[role] == OK else "nothing saved", after - before))
    assert wrong == []
