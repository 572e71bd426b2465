"""Who may open the dashboard, a trainee's drill-down and the organization view: every route x every role.

`login` = sent to sign in; `seen` = 200 and the trainee Tia (home organization, assigned to Sam) is on
the page; `200` = the page without Tia (the organization view lists only unassigned trainees). A
drill-down the viewer may not see is a 404, like one that does not exist, so the page does not reveal
who has an account.
"""
from __future__ import annotations

import pytest

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.db import session as db
from tests.conftest import PASSWORD, csrf_token

ROUTES = {
    "dashboard": "/supervision",
    "drill-down": "/supervision/trainees/{tia}",
    "drill-down missing": "/supervision/trainees/999999",
    "drill-down of a supervisor": "/supervision/trainees/{sam}",
    "org view": "/supervision/organization",
    "org view ?org=home": "/supervision/organization?org={home}",
    "org view ?org=away": "/supervision/organization?org={away}",
}

# role                     dashboard drill-down missing of-supervisor org-view org=home org=away
EXPECTED = """
anonymous                  login     login      login   login         login    login    login
trainee                    403       403        403     403           403      403      403
supervisor-assigned        seen      seen       404     404           403      403      403
supervisor-not-assigned    200       404        404     404           403      403      403
supervisor-other-org       200       404        404     404           403      403      403
org-admin-home             seen      seen       404     404           200      200      404
org-admin-away             200       404        404     404           200      404      200
board                      403       403        403     403           403      403      403
admin                      seen      seen       404     404           200      200      200
"""


def _table() -> list[tuple[str, str, str]]:
    cases = []
    for line in EXPECTED.strip().splitlines():
        role, *outcomes = line.split()
        assert len(outcomes) == len(ROUTES), line
        cases += [(role, route, outcome) for route, outcome in zip(ROUTES, outcomes, strict=True)]
    return cases


@pytest.fixture
def world(app):
    with app.app_context():
        home, away = Organization(slug="home", name="Home"), Organization(slug="away", name="Away")
        db.add_all([home, away])

        def user(role, email, org=None, **fields):
            u = User(email=email, name=email.split("@")[0].replace(".", " ").title(), role=role, organization=org,
                     password_hash=_hash(), **fields)
            db.add(u)
            return u

        people = {
            "tia": user("trainee", "tia.trainee@example.org", home),
            "trainee": user("trainee", "tom.trainee@example.org", home),
            "supervisor-assigned": user("supervisor", "sam.supervisor@example.org", home),
            "supervisor-not-assigned": user("supervisor", "nina.supervisor@example.org", home),
            "supervisor-other-org": user("supervisor", "otto.supervisor@example.org", away),
            "org-admin-home": user("supervisor", "olga.admin@example.org", home, is_org_admin=True),
            "org-admin-away": user("supervisor", "oscar.admin@example.org", away, is_org_admin=True),
            "board": user("board", "bo.board@example.org", home),
            "admin": user("admin", "ada.admin@example.org"),
        }
        db.flush()
        db.add(SupervisorAssignment(supervisor_id=people["supervisor-assigned"].id, trainee_id=people["tia"].id))
        db.commit()
        return {"emails": {k: u.email for k, u in people.items()},
                "ids": {"tia": people["tia"].id, "sam": people["supervisor-assigned"].id, "home": home.id,
                        "away": away.id}}


_HASH: list[str] = []


def _hash() -> str:
    from lms.accounts.services import hash_password

    if not _HASH:
        _HASH.append(hash_password(PASSWORD))  # scrypt once: nine accounts share it
    return _HASH[0]


@pytest.mark.parametrize(("role", "route", "expected"), _table())
def test_access(client, world, role, route, expected):
    if role != "anonymous":
        response = client.post("/login", data={"email": world["emails"][role], "password": PASSWORD,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302
    response = client.get(ROUTES[route].format(**world["ids"]))
    html = response.get_data(as_text=True)
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    if expected in ("seen", "200"):
        assert response.status_code == 200, html
        assert ("Tia Trainee" in html) == (expected == "seen"), html
        return
    assert response.status_code == int(expected)
    assert "Tia Trainee" not in html


def test_drill_down_refusal_is_the_same_as_for_a_missing_trainee(client, world):
    client.post("/login", data={"email": world["emails"]["supervisor-other-org"], "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    hidden = client.get(f"/supervision/trainees/{world['ids']['tia']}")
    missing = client.get("/supervision/trainees/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()


def test_org_view_links_supervisors_to_the_filtered_dashboard(client, world):
    client.post("/login", data={"email": world["emails"]["org-admin-home"], "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    html = client.get("/supervision/organization").get_data(as_text=True)
    sam = world["ids"]["sam"]
    assert f'href="/supervision?supervisor={sam}"' in html
    assert "Tom Trainee" in html  # unassigned trainee of the organization
    filtered = client.get(f"/supervision?supervisor={sam}").get_data(as_text=True)
    assert "Tia Trainee" in filtered and "Tom Trainee" not in filtered
    unassigned = client.get("/supervision?supervisor=none").get_data(as_text=True)
    assert "Tom Trainee" in unassigned and "Tia Trainee" not in unassigned
