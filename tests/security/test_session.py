"""Sessions: fixation (login replaces the session, nothing planted survives), logout clears it,
cookie flags (HttpOnly, SameSite=Lax, Secure over HTTPS), and sessions end with the account."""
from __future__ import annotations

from datetime import UTC, datetime

from app import create_app
from lms.accounts.auth import SESSION_UID
from lms.accounts.models import User
from lms.db import session as db
from tests.conftest import PASSWORD, Auth


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_replaces_the_session_and_drops_planted_values(client, world):
    client.get("/login")  # an anonymous session (the CSRF secret) exists before login
    with client.session_transaction() as sess:
        sess["planted"] = "by attacker"
        sess[SESSION_UID + "_x"] = 1
    before = _cookie(client)
    assert before
    assert Auth(client).login(world.emails["trainee"]).status_code == 302
    after = _cookie(client)
    assert after and after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess and SESSION_UID + "_x" not in sess
        assert sess[SESSION_UID] == world.ids["trainee"]


def test_a_pre_login_cookie_never_becomes_a_signed_in_one(app, client, world):
    client.get("/login")
    pre_login = _cookie(client)
    Auth(client).login(world.emails["trainee"])
    attacker = app.test_client()  # fixation: the attacker kept the cookie they handed the victim
    attacker.set_cookie("session", pre_login)
    assert attacker.get("/my-learning").status_code == 302


def test_logout_clears_the_session(client, world):
    auth = Auth(client)
    auth.login(world.emails["trainee"])
    assert client.get("/my-learning").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert SESSION_UID not in sess and "csrf_token" not in sess
    assert client.get("/my-learning").status_code == 302


def test_cookie_flags_over_http(client, world):
    response = Auth(client).login(world.emails["trainee"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = client.get_cookie("session").expires
    assert expires is not None  # a bounded lifetime (PERMANENT_SESSION_LIFETIME, 12 h)
    hours = (expires - datetime.now(UTC)).total_seconds() / 3600
    assert 11 < hours <= 12.01


def test_cookie_is_secure_when_configured(app, client, world):
    app.config["SESSION_COOKIE_SECURE"] = True  # restored by the app fixture
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", base_url="https://localhost",
                           data={"csrf_token": token, "email": world.emails["trainee"], "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_base_url_turns_on_secure_cookies(monkeypatch):
    config = {"TESTING": True, "SECRET_KEY": "a-secret-key-long-enough-0123", "LMS_DATABASE_URL": "sqlite://"}
    assert create_app({**config, "LMS_BASE_URL": "https://training.example.org"}).config["SESSION_COOKIE_SECURE"]
    assert not create_app({**config, "LMS_BASE_URL": "http://127.0.0.1:5000"}).config["SESSION_COOKIE_SECURE"]
    monkeypatch.setenv("LMS_BASE_URL", "https://training.example.org")
    assert create_app(config).config["SESSION_COOKIE_SECURE"]


def test_a_deactivated_account_is_signed_out_at_once(app, client, world):
    Auth(client).login(world.emails["trainee"])
    with app.app_context():
        db.get(User, world.ids["trainee"]).is_active = False
        db.commit()
    assert client.get("/my-learning").status_code == 302
    with client.session_transaction() as sess:
        assert SESSION_UID not in sess


def test_a_password_reset_ends_every_existing_session(app, client, world):
    Auth(client).login(world.emails["trainee"])
    other = app.test_client()
    response = other.get(f"/reset/{world.reset_token}")
    token = response.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    done = other.post(f"/reset/{world.reset_token}", data={"csrf_token": token, "password": "a new long password",
                                                          "confirm": "a new long password"})
    assert done.status_code == 302
    assert client.get("/my-learning").status_code == 302  # the session from before the reset ended
    assert Auth(app.test_client()).login(world.emails["trainee"], PASSWORD).status_code == 200  # old one fails
