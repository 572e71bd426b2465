"""Secrets never reach the logs: with every logger at DEBUG and mail going to the log (the default
LogMailSender), signing up, logging in (right and wrong), resetting a password, creating LRS
credentials, calling the LRS with Basic auth and generating signing keys log no password, LRS
secret, SECRET_KEY or private key material; a reset token appears only in the reset e-mail itself."""
from __future__ import annotations

import base64
import logging
import re

import pytest

from lms.mail import LogMailSender
from tests.conftest import LRS, PASSWORD, csrf_token, make_statement
from tests.security.world import sign_in

SIGNUP_PASSWORD = "signup-Pw-7f3c9e1d"
WRONG_PASSWORD = "wrong-Pw-0b5a2c8e"
NEW_PASSWORD = "reset-Pw-4d6e8f0a"
LRS_SECRET = "lrs-Secret-9a8b7c6d5e4f3a2b"


@pytest.fixture
def logs(app, caplog, monkeypatch):
    monkeypatch.setattr(app.extensions["lms"], "mail", LogMailSender())
    caplog.set_level(logging.DEBUG)  # every logger
    # SQL with its parameters, as echo=True shows it (DEBUG there adds result rows: a deliberate dump).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    return caplog


def _token(client, url: str) -> str:
    return csrf_token(client, url)


def _text(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def test_account_flows_log_no_password_and_the_reset_token_only_in_its_mail(app, client, world, logs):
    assert client.post("/signup", data={"csrf_token": _token(client, "/signup"), "name": "Robin Example",
                                        "email": "robin@example.org", "password": SIGNUP_PASSWORD,
                                        "confirm": SIGNUP_PASSWORD}).status_code == 302
    fresh = app.test_client()
    for password in (WRONG_PASSWORD, PASSWORD):
        fresh.post("/login", data={"csrf_token": _token(fresh, "/login"), "email": world.emails["trainee"],
                                   "password": password})
    other = app.test_client()
    assert other.post("/reset", data={"csrf_token": _token(other, "/reset"),
                                      "email": world.emails["trainee"]}).status_code == 302
    mails = [r for r in logs.records if r.name == "lms.mail"]
    assert len(mails) == 1, "the reset mail went to the log"
    token = re.search(r"/reset/(\S+)", mails[0].getMessage()).group(1)
    url = f"/reset/{token}"
    assert other.post(url, data={"csrf_token": _token(other, url), "password": NEW_PASSWORD,
                                 "confirm": NEW_PASSWORD}).status_code == 302

    text = _text(logs)
    assert any(r.name.startswith("sqlalchemy.engine") for r in logs.records)  # SQL and its parameters too
    for secret in (SIGNUP_PASSWORD, WRONG_PASSWORD, PASSWORD, NEW_PASSWORD, app.config["SECRET_KEY"]):
        assert secret not in text, f"{secret!r} is in the log"
    # The LogMailSender exists to show mail, links included; nothing else may carry the token.
    carriers = [r.name for r in logs.records if token in r.getMessage()]
    assert carriers == ["lms.mail"]


def test_lrs_credentials_and_basic_auth_log_no_secret(app, world, logs):
    admin = app.test_client()
    sign_in(admin, world, "admin")
    page = admin.post("/admin/lrs", data={"csrf_token": _token(admin, "/admin/lrs"), "name": "Agency LRS",
                                          "scopes": ["all"]}).get_data(as_text=True)
    created = re.search(r'id="lrs-secret">([^<]+)<', page).group(1)
    from lms.db import session as db
    from lms.xapi.clients import create_client

    with app.app_context():
        known, _ = create_client("Known", ["all"], secret=LRS_SECRET)
        db.commit()
        known_key = known.key
    lrs = LRS(app.test_client(), known_key, LRS_SECRET)
    assert lrs.post("/statements", json=make_statement()).status_code == 200
    assert LRS(app.test_client(), known_key, LRS_SECRET + "x").get("/statements").status_code == 401
    raw = app.test_client().get("/xapi/statements", headers={
        "Authorization": "Basic " + base64.b64encode(f"{known_key}:{LRS_SECRET}".encode()).decode()})
    assert raw.status_code == 400  # no version header: refused before anything is logged about it

    text = _text(logs)
    basic = base64.b64encode(f"{known_key}:{LRS_SECRET}".encode()).decode()
    for secret in (created, LRS_SECRET, LRS_SECRET + "x", basic):
        assert secret not in text, f"{secret!r} is in the log"


def test_key_generation_logs_no_private_key(app, runner, logs):
    result = runner.invoke(args=["lms", "keys", "generate"])
    assert result.exit_code == 0, result.output
    from lms.certificates.keys import all_keys

    with app.app_context():
        pems = [k.private_pem for k in all_keys()]
    assert pems
    text = _text(logs) + result.output
    assert "PRIVATE KEY" not in text
    for pem in pems:
        body = "".join(pem.splitlines()[1:-1])
        assert body[:40] not in text.replace("\n", "")
    assert app.config["SECRET_KEY"] not in text
