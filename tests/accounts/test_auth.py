"""Sign-up, login, logout, invitations, password change and reset; security properties of each."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import session as db
from tests.conftest import PASSWORD, csrf_token, post_form

NEW = {"name": "Dana Example", "email": "dana@example.org", "password": "long enough pw", "confirm": "long enough pw"}


def count_users(app) -> int:
    with app.app_context():
        return db.scalar(select(func.count()).select_from(User))


def test_open_signup_creates_trainee_with_hashed_password_and_signs_in(client, app):
    response = post_form(client, "/signup", NEW, token_from="/signup")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    with app.app_context():
        user = db.scalar(select(User).where(User.email == "dana@example.org"))
        assert user.role == "trainee"
        assert user.password_hash.startswith("scrypt:") and "long enough pw" not in user.password_hash
    assert "Dana Example" in client.get("/account").get_data(as_text=True)


def test_signup_form_errors_save_nothing(client, app):
    for bad in ({**NEW, "confirm": "different one"}, {**NEW, "password": "short", "confirm": "short"},
                {**NEW, "email": "not-an-email"}, {**NEW, "name": ""}):
        response = post_form(client, "/signup", bad, token_from="/signup")
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_signup_with_taken_email_is_refused(client, app, make_user):
    make_user(email="dana@example.org")
    response = post_form(client, "/signup", NEW, token_from="/signup")
    assert "already exists" in response.get_data(as_text=True)
    assert count_users(app) == 1


def test_invite_only_signup_refuses_open_signup_but_accepts_invitation(client, app, login_as, outbox, auth):
    app.config["LMS_SIGNUP"] = "invite"
    assert client.get("/signup").status_code == 403
    assert post_form(client, "/signup", NEW, token_from="/login").status_code == 403
    login_as("admin")
    response = post_form(client, "/admin/invitations", {"email": "sup@example.org", "role": "supervisor",
                                                        "organization": "0"}, token_from="/admin/invitations")
    assert response.status_code == 200
    link = re.search(r"http://lms\.test(/invite/[\w-]+)", outbox[-1].body).group(1)
    auth.logout()
    response = post_form(client, link, {"name": "Sam Sup", "password": "long enough pw", "confirm": "long enough pw"},
                         token_from=link)
    assert response.status_code == 302
    with app.app_context():
        assert db.scalar(select(User.role).where(User.email == "sup@example.org")) == "supervisor"
    # an invitation works once
    client.get("/logout")
    assert client.get(link).status_code == 404


def test_login_message_does_not_reveal_whether_account_exists(client, make_user, auth):
    user = make_user()
    wrong_password = auth.login(user.email, "wrong password!").get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "wrong password!").get_data(as_text=True)
    message = "The e-mail address or password is not correct."
    assert message in wrong_password and message in unknown


def test_login_is_rate_limited(client, make_user, auth, app):
    user = make_user()
    app.config["LMS_RATELIMIT_LOGIN"] = "3/minute"
    statuses = [auth.login(user.email, "wrong password!").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert auth.login(user.email).status_code == 429  # even the right password waits


def test_login_redirects_only_to_local_paths(client, make_user, auth):
    user = make_user()
    for target, expected in (("/my-learning", "/my-learning"), ("https://evil.example/x", "/"),
                             ("//evil.example", "/"), ("/\\evil.example", "/")):
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == expected or response.headers["Location"].endswith("/")
        assert "evil" not in response.headers["Location"]
        auth.logout()


def test_post_without_csrf_token_is_refused(client, make_user, app):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400 and "The form expired" in response.get_data(as_text=True)
    response = client.post("/signup", data=NEW)
    assert count_users(app) == 1


def test_logout_ends_the_session(client, login_as, auth):
    login_as()
    assert client.get("/my-learning").status_code == 200
    auth.logout()
    assert client.get("/my-learning").status_code == 302


def test_session_cookie_flags(client, make_user, auth, app):
    user = make_user()
    response = auth.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_clears_any_session_data_planted_before(client, make_user, auth):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by attacker"
    auth.login(user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_change_password_signs_out_other_sessions(app, make_user, auth):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert post_form(c, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    response = post_form(first, "/account/password", {"current": PASSWORD, "password": "a brand new pw",
                                                      "confirm": "a brand new pw"}, token_from="/account/password")
    assert response.status_code == 302
    assert first.get("/my-learning").status_code == 200
    assert second.get("/my-learning").status_code == 302


def test_change_password_needs_the_current_one(client, login_as):
    login_as()
    response = post_form(client, "/account/password", {"current": "wrong password", "password": "a brand new pw",
                                                       "confirm": "a brand new pw"}, token_from="/account/password")
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_password_reset_by_mailed_link_works_once(client, make_user, outbox, auth):
    user = make_user()
    response = post_form(client, "/reset", {"email": user.email}, token_from="/reset")
    assert response.status_code == 302
    link = re.search(r"http://lms\.test(/reset/\S+)", outbox[-1].body).group(1)
    response = post_form(client, link, {"password": "reset new password", "confirm": "reset new password"},
                         token_from=link)
    assert response.status_code == 302
    assert auth.login(user.email, "reset new password").status_code == 302
    auth.logout()
    assert client.get(link).status_code == 404  # used: the password it was made for has changed


def test_password_reset_does_not_reveal_accounts_and_is_rate_limited(client, app, outbox):
    app.config["LMS_RATELIMIT_RESET"] = "2/hour"
    first = post_form(client, "/reset", {"email": "nobody@example.org"}, token_from="/reset", follow_redirects=True)
    assert "If an account exists" in first.get_data(as_text=True)
    assert outbox == []
    post_form(client, "/reset", {"email": "nobody@example.org"}, token_from="/reset")
    assert post_form(client, "/reset", {"email": "nobody@example.org"}, token_from="/reset").status_code == 429


def test_tampered_reset_token_is_refused(client, make_user):
    make_user()
    assert client.get("/reset/not-a-token").status_code == 404


def test_csrf_token_is_on_every_form(client, login_as):
    login_as("admin")
    for url in ("/admin/users/new", "/admin/organizations", "/admin/invitations", "/account/password"):
        assert csrf_token(client, url)
