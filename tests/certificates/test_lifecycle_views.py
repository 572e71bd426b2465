"""Lifecycle pages over HTTP: who may use each route, the register's filters, status changes with a
required reason, continuing education with bad input refused, review and renewal."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.certificates import continuing_ed
from lms.certificates.models import Certificate, CertificateEvent, ContinuingEducation
from lms.db import session as db
from lms.db import utcnow
from tests.certificates.lifecycle_support import issue, issue_real
from tests.conftest import Auth, csrf_token, post_form

# Who gets what. 302* = sent to the login page; 302 = done and redirected; 404 = someone else's.
ROLES = ("anonymous", "trainee", "supervisor", "other_org_supervisor", "board", "admin")
ACCESS = {
    #  route                                     anonymous trainee supervisor other-org board admin
    "GET /admin/certificates":                  ("302*", 403, 403, 403, 200, 200),
    "GET /admin/certificates/{cert}":           ("302*", 403, 403, 403, 200, 200),
    "POST /admin/certificates/{cert}/suspend":  ("302*", 403, 403, 403, 302, 302),
    "GET /continuing-education":                ("302*", 200, 200, 200, 200, 200),
    "POST /continuing-education/renew/{cert}":  ("302*", 302, 404, 404, 404, 404),
    "GET /supervision/continuing-education":    ("302*", 403, 200, 200, 403, 200),
    "POST /supervision/continuing-education/{entry}/review": ("302*", 403, 302, 404, 403, 302),
}
CASES = [(route, role, expected) for route, codes in ACCESS.items()
         for role, expected in zip(ROLES, codes, strict=True)]


@pytest.fixture
def world(app, make_user, make_org, assign):
    """The trainee holds a renewable certificate and has pending CE hours; the supervisor supervises
    them; the other supervisor is an organization admin elsewhere."""
    org, other = make_org(), make_org("hillside", "Hillside Services")
    users = {"trainee": make_user("trainee", org=org), "supervisor": make_user("supervisor", org=org),
             "other_org_supervisor": make_user("supervisor", org=other, is_org_admin=True),
             "board": make_user("board"), "admin": make_user("admin")}
    assign(users["supervisor"], users["trainee"])
    with app.app_context():
        holder = db.get(User, users["trainee"].id)
        now = utcnow()
        cert = issue_real(holder, valid_until=now + timedelta(days=20))
        cert.issued_at = now - timedelta(days=710)
        supervisor = db.get(User, users["supervisor"].id)
        for hours, ethics in ((14, False), (6, True)):
            entry = continuing_ed.record(holder, "Peer ethics update", (now - timedelta(days=50)).date(), hours, ethics)
            continuing_ed.review(supervisor, entry, True)
        pending = continuing_ed.record(holder, "Crisis support refresher", (now - timedelta(days=2)).date(), 2)
        db.commit()
        return {"users": users, "cert": cert.id, "entry": pending.id, "code": cert.code}


def _url(route: str, world) -> tuple[str, str]:
    method, path = route.split(" ")
    return method, path.format(cert=world["cert"], entry=world["entry"])


@pytest.mark.parametrize(("route", "role", "expected"), CASES, ids=[f"{r}-{role}" for r, role, _ in CASES])
def test_access_per_route_and_role(client, world, route, role, expected):
    if role != "anonymous":
        Auth(client).login(world["users"][role].email)
    method, url = _url(route, world)
    if method == "GET":
        response = client.get(url)
    else:
        data = {"suspend-reason": "Complaint under review"} if url.endswith("suspend") else \
            {f"ce{world['entry']}-decision": "approve"} if url.endswith("review") else {}
        data["csrf_token"] = csrf_token(client, "/login")
        if f"ce{world['entry']}-decision" in data:
            data[f"ce{world['entry']}-csrf_token"] = data["csrf_token"]
        if "suspend-reason" in data:
            data["suspend-csrf_token"] = data["csrf_token"]
        response = client.post(url, data=data)
    if expected == "302*":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
        if expected == 302:
            assert "/login" not in response.headers["Location"]


# The register ------------------------------------------------------------------------------------

@pytest.fixture
def admin(client, login_as):
    return login_as("admin")


@pytest.fixture
def register(app, make_user, admin):
    names = ["Avery Stone", "Blake Moreno", "Casey Lin", "Devon Park"]
    holders = [make_user(name=name) for name in names]
    now = utcnow()
    with app.app_context():
        certs = {
            "active": issue(holders[0], valid_until=now + timedelta(days=400)),
            "expiring": issue(holders[1], valid_until=now + timedelta(days=20)),
            "expired": issue(holders[2], valid_until=now - timedelta(days=1)),
            "revoked": issue(holders[3], status="revoked", slug="peer-recovery-practice-readiness"),
        }
        db.commit()
        return {k: (c.id, c.number, c.code) for k, c in certs.items()}


def numbers_on(client, query: str) -> set[str]:
    html = client.get("/admin/certificates" + query).get_data(as_text=True)
    return set(re.findall(r"PRCT-T-(\d{6})", html))


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"active", "expiring", "expired", "revoked"}),
    ("?status=active", {"active", "expiring"}),
    ("?status=expiring", {"expiring"}),
    ("?status=expired", {"expired"}),
    ("?status=revoked", {"revoked"}),
    ("?status=suspended", set()),
    ("?program=peer-recovery-practice-readiness", {"revoked"}),
    ("?q=blake", {"expiring"}),
])
def test_register_filters(client, register, query, expected):
    wanted = {register[k][1].removeprefix("PRCT-T-") for k in expected}
    assert numbers_on(client, query) == wanted


def test_register_search_by_code_with_dashes_and_lower_case(client, register):
    code = register["expired"][2]
    typed = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    assert numbers_on(client, f"?q={typed}") == {register["expired"][1].removeprefix("PRCT-T-")}


def test_register_shows_status_in_words(client, register):
    html = client.get("/admin/certificates?status=all").get_data(as_text=True)
    for words in ("Active", "Expiring soon", "Expired", "Revoked"):
        assert f">{words}</span>" in html


# Status changes ----------------------------------------------------------------------------------

def test_revoke_needs_a_reason_then_takes_effect_at_once(app, client, register):
    cert_id, number, code = register["active"]
    url = f"/admin/certificates/{cert_id}/revoke"
    page = f"/admin/certificates/{cert_id}"
    response = post_form(client, url, {"revoke-reason": "  ", "revoke-csrf_token": csrf_token(client, page)},
                         token_from=page)
    assert response.status_code == 400
    assert "Give the reason" in response.get_data(as_text=True)
    with app.app_context():
        assert db.get(Certificate, cert_id).status == "active"
    response = post_form(client, url, {"revoke-reason": "Certificate obtained with false documents",
                                       "revoke-csrf_token": csrf_token(client, page)}, token_from=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Revoked" in html and "Certificate obtained with false documents" in html
    assert "Change the status" not in html  # revoked is final: no more actions offered
    with app.app_context():
        cert = db.get(Certificate, cert_id)
        assert (cert.status, cert.active_key) == ("revoked", None)
        assert db.scalar(select(CertificateEvent.action).where(CertificateEvent.certificate_id == cert_id)
                         .order_by(CertificateEvent.id.desc()).limit(1)) == "revoked"
    assert client.get(f"/api/verify/{code}").get_json()["status"] == "revoked"


def test_a_refused_transition_is_a_form_error_not_a_500(client, register):
    cert_id = register["revoked"][0]
    page = f"/admin/certificates/{cert_id}"
    response = post_form(client, f"/admin/certificates/{cert_id}/reinstate",
                         {"reinstate-reason": "Try", "reinstate-csrf_token": csrf_token(client, page)}, token_from=page)
    assert response.status_code == 400
    assert "A revoked certificate cannot be reinstated." in response.get_data(as_text=True)


def test_unknown_action_or_certificate_is_not_found(client, register):
    url = f"/admin/certificates/{register['active'][0]}/delete"
    response = post_form(client, url, {"delete-reason": "No such action"}, token_from="/admin/certificates")
    assert response.status_code == 404
    assert client.get("/admin/certificates/999999").status_code == 404


# Continuing education ----------------------------------------------------------------------------

def ce_count(app) -> int:
    with app.app_context():
        return db.scalar(select(func.count()).select_from(ContinuingEducation))


@pytest.mark.parametrize(("fields", "message"), [
    ({"completed_on": (date.today() + timedelta(days=2)).isoformat()}, "in the future"),
    ({"hours": "-1"}, "more than 0 and at most 24"),
    ({"hours": "0"}, "more than 0 and at most 24"),
    ({"hours": "25"}, "more than 0 and at most 24"),
    ({"hours": "nan"}, "Enter the hours as a number"),
    ({"hours": "lots"}, "Enter the hours as a number"),
    ({"completed_on": "yesterday"}, "Not a valid date value"),
    ({"title": "Session with client, phone 555-123-4567"}, "client information"),
    ({"title": ""}, "Give the title"),
])
def test_ce_bad_input_is_refused_with_a_message_and_nothing_saved(app, client, login_as, fields, message):
    login_as("trainee")
    data = {"title": "Ethics in peer work", "provider": "State network", "completed_on": "2025-01-15",
            "hours": "2", **fields}
    response = post_form(client, "/continuing-education", data, token_from="/continuing-education")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert ce_count(app) == 0


def test_ce_recorded_and_listed_as_waiting(app, client, login_as):
    login_as("trainee")
    response = post_form(client, "/continuing-education", {"title": "Ethics in peer work", "completed_on": "2025-01-15",
                                                           "hours": "2.5", "ethics": "y"},
                         token_from="/continuing-education")
    assert response.status_code == 302
    html = client.get("/continuing-education").get_data(as_text=True)
    assert "Ethics in peer work" in html and ">Pending</span>" in html
    assert ce_count(app) == 1


def test_supervisor_approves_from_the_queue_and_holder_renews(app, client, world):
    auth = Auth(client)
    auth.login(world["users"]["supervisor"].email)
    queue = client.get("/supervision/continuing-education").get_data(as_text=True)
    assert "Crisis support refresher" in queue
    prefix = f"ce{world['entry']}"
    token = csrf_token(client, "/supervision/continuing-education")
    response = client.post(f"/supervision/continuing-education/{world['entry']}/review",
                           data={f"{prefix}-csrf_token": token, f"{prefix}-decision": "return"})
    assert response.status_code == 400 and "Say why" in response.get_data(as_text=True)
    response = client.post(f"/supervision/continuing-education/{world['entry']}/review",
                           data={f"{prefix}-csrf_token": token, f"{prefix}-decision": "approve"})
    assert response.status_code == 302
    assert "Crisis support refresher" not in client.get("/supervision/continuing-education").get_data(as_text=True)
    auth.logout()

    auth.login(world["users"]["trainee"].email)
    page = client.get("/continuing-education").get_data(as_text=True)
    assert "Renew certificate" in page
    response = post_form(client, f"/continuing-education/renew/{world['cert']}", token_from="/continuing-education")
    assert response.status_code == 302
    with app.app_context():
        old = db.get(Certificate, world["cert"])
        new = db.scalar(select(Certificate).where(Certificate.replaces_id == old.id))
        assert old.status == "superseded" and new.status == "active" and new.awarded_on == old.awarded_on


def test_renew_without_csrf_is_refused(client, world):
    Auth(client).login(world["users"]["trainee"].email)
    assert client.post(f"/continuing-education/renew/{world['cert']}").status_code == 400
