"""LRS credentials and forwarding status for admins: web pages and `flask lms lrs-client ...`."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.db import session as db
from lms.db import utcnow
from lms.xapi.clients import authenticate_client
from lms.xapi.models import LRSClient, OutboxItem
from tests.conftest import LRS, make_statement, post_form

PAGES = ("/admin/lrs", "/admin/lrs/forwarding")
ACTIONS = ("/admin/lrs/1/revoke", "/admin/lrs/forwarding/1/retry", "/admin/lrs/forwarding/retry-all")


def test_lrs_pages_are_for_admins_only(client, login_as, auth):
    for url in PAGES:
        assert client.get(url).status_code == 302  # anonymous: to login
    for role in ("trainee", "supervisor", "board"):
        login_as(role)
        for url in PAGES:
            assert client.get(url).status_code == 403, (role, url)
        for url in ACTIONS:
            assert post_form(client, url, token_from="/courses").status_code == 403, (role, url)
        auth.logout()
    login_as("admin")
    for url in PAGES:
        assert client.get(url).status_code == 200
    assert 'href="/admin/lrs"' in client.get("/courses").get_data(as_text=True)  # the admin nav link


def test_trainees_do_not_see_the_lrs_link(client, login_as):
    login_as("trainee")
    assert 'href="/admin/lrs"' not in client.get("/courses").get_data(as_text=True)


def test_admin_creates_credentials_sees_the_secret_once_and_revokes(app, client, login_as):
    login_as("admin")
    response = post_form(client, "/admin/lrs", {"name": "Reporting dashboard",
                                                "scopes": ["statements/read", "state"]}, token_from="/admin/lrs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    key = re.search(r'id="lrs-key">([^<]+)<', html).group(1)
    secret = re.search(r'id="lrs-secret">([^<]+)<', html).group(1)
    with app.app_context():
        row = db.scalar(select(LRSClient).where(LRSClient.key == key))
        assert row.name == "Reporting dashboard" and row.scopes == ["statements/read", "state"]
        assert secret not in row.secret_hash and authenticate_client(key, secret) is not None
    # The secret is shown once: the list shows the key, never the secret.
    listing = client.get("/admin/lrs").get_data(as_text=True)
    assert key in listing and secret not in listing and "Reporting dashboard" in listing
    # The credentials work against the built-in LRS, until revoked.
    assert LRS(client, key, secret).get("/statements").status_code == 200
    assert post_form(client, f"/admin/lrs/{row.id}/revoke", token_from="/admin/lrs").status_code == 302
    assert "Revoked" in client.get("/admin/lrs").get_data(as_text=True)
    with app.app_context():
        assert authenticate_client(key, secret) is None
    assert LRS(client, key, secret).get("/statements").status_code == 401


def test_create_form_errors(client, login_as):
    login_as("admin")
    no_scope = post_form(client, "/admin/lrs", {"name": "Nothing"}, token_from="/admin/lrs").get_data(as_text=True)
    assert "Choose at least one scope." in no_scope
    bad = post_form(client, "/admin/lrs", {"name": "Odd", "scopes": ["statements/delete"]},
                    token_from="/admin/lrs").get_data(as_text=True)
    assert "lrs-secret" not in bad and "is not a valid choice" in bad
    no_csrf = client.post("/admin/lrs", data={"name": "X", "scopes": ["all"]}).get_data(as_text=True)
    assert "lrs-secret" not in no_csrf


def _outbox(app, n: int, status: str = "pending", error: str | None = None, age: timedelta = timedelta()) -> list[int]:
    with app.app_context():
        rows = [OutboxItem(statement_id=str(uuid.uuid4()), payload=make_statement(), status=status, last_error=error,
                           created_at=utcnow() - age) for _ in range(n)]
        db.add_all(rows)
        db.commit()
        return [r.id for r in rows]


def test_forwarding_page_shows_queue_errors_and_parked_items_with_retry(app, client, login_as):
    app.config.update(LMS_XAPI_FORWARD_URL="https://relay:pw@lrs.example.org/xapi")
    _outbox(app, 3, age=timedelta(hours=2, minutes=5))
    _outbox(app, 1, error="2030-01-01T00:00:00.000Z HTTP 503: busy")
    _outbox(app, 4, status="sent")
    parked = _outbox(app, 2, status="parked", error="2030-01-01T00:00:00.000Z HTTP 400: verb.id must be an IRI")
    login_as("admin")
    html = client.get("/admin/lrs/forwarding").get_data(as_text=True)
    assert 'id="queue-depth">4<' in html
    assert 'id="oldest-age">2 h 5 min' in html
    assert "HTTP 503: busy" in html
    assert "verb.id must be an IRI" in html
    assert "https://lrs.example.org/xapi" in html and "pw@" not in html  # no credentials on the page

    assert post_form(client, f"/admin/lrs/forwarding/{parked[0]}/retry",
                     token_from="/admin/lrs/forwarding").status_code == 302
    with app.app_context():
        item = db.get(OutboxItem, parked[0])
        assert item.status == "pending" and item.attempts == 0 and item.next_attempt_at <= utcnow()
    assert 'id="queue-depth">5<' in client.get("/admin/lrs/forwarding").get_data(as_text=True)
    assert post_form(client, "/admin/lrs/forwarding/retry-all", token_from="/admin/lrs/forwarding").status_code == 302
    html = client.get("/admin/lrs/forwarding").get_data(as_text=True)
    assert 'id="queue-depth">6<' in html and "No parked statements." in html
    assert client.post("/admin/lrs/forwarding/retry-all").status_code == 400  # no CSRF token: refused, nothing happens


def test_forwarding_page_when_forwarding_is_off(client, login_as):
    login_as("admin")
    html = client.get("/admin/lrs/forwarding").get_data(as_text=True)
    assert "Forwarding is off" in html and 'id="queue-depth">0<' in html


# CLI -----------------------------------------------------------------------------------------

def test_cli_create_prints_key_and_secret(app, runner):
    result = runner.invoke(args=["lms", "lrs-client", "create", "Moodle", "--scope", "statements/write",
                                 "--scope", "state"])
    assert result.exit_code == 0, result.output
    key = re.search(r"^key:\s+(\S+)$", result.output, re.M).group(1)
    secret = re.search(r"^secret:\s+(\S+)$", result.output, re.M).group(1)
    with app.app_context():
        client = authenticate_client(key, secret)
        assert client.name == "Moodle" and client.scopes == ["statements/write", "state"]


SECRET = "a-long-enough-secret-0123456789"


def test_cli_create_with_given_key_and_secret_and_default_scopes(app, runner):
    result = runner.invoke(args=["lms", "lrs-client", "create", "Dashboard", "--key", "dash-key", "--secret", SECRET])
    assert result.exit_code == 0, result.output
    assert "key:    dash-key" in result.output and f"secret: {SECRET}" in result.output
    with app.app_context():
        assert authenticate_client("dash-key", SECRET).scopes == ["statements/write", "statements/read/mine"]
    again = runner.invoke(args=["lms", "lrs-client", "create", "Other", "--key", "dash-key"])
    assert again.exit_code != 0 and "already exists" in again.output


@pytest.mark.parametrize("secret", ["short", "writer-secret-0123456789"[:23]])
def test_i1_cli_refuses_custom_secrets_under_24_characters(app, runner, secret):
    # The review created clients with 16-character secrets; a chosen secret guards a whole LRS client.
    result = runner.invoke(args=["lms", "lrs-client", "create", "Other", "--secret", secret])
    assert result.exit_code != 0
    assert f"The secret has {len(secret)} characters; use at least 24" in result.output
    with app.app_context():
        assert authenticate_client("Other", secret) is None
    assert runner.invoke(args=["lms", "lrs-client", "create", "Other", "--secret", "x" * 24]).exit_code == 0


def test_cli_rejects_unknown_scopes_clearly(runner):
    result = runner.invoke(args=["lms", "lrs-client", "create", "X", "--scope", "statements/delete"])
    assert result.exit_code == 2
    assert "Invalid value for '--scope': 'statements/delete' is not one of" in result.output
    assert "'statements/write'" in result.output  # the known scopes are listed


def test_cli_list_and_revoke(app, runner):
    runner.invoke(args=["lms", "lrs-client", "create", "First", "--key", "first-key"])
    runner.invoke(args=["lms", "lrs-client", "create", "Second", "--key", "second-key", "--scope", "all"])
    listing = runner.invoke(args=["lms", "lrs-client", "list"])
    assert listing.exit_code == 0
    assert "first-key  First" in listing.output and "second-key  Second  [all]  active" in listing.output
    assert "secret" not in listing.output.lower()
    revoked = runner.invoke(args=["lms", "lrs-client", "revoke", "first-key"])
    assert revoked.exit_code == 0 and "Revoked LRS client first-key (First)" in revoked.output
    assert "first-key" not in runner.invoke(args=["lms", "lrs-client", "list"]).output
    assert "first-key  First  [statements/write, statements/read/mine]  revoked" in runner.invoke(
        args=["lms", "lrs-client", "list", "--all"]).output
    missing = runner.invoke(args=["lms", "lrs-client", "revoke", "nope"])
    assert missing.exit_code != 0 and "No LRS client with the key 'nope'" in missing.output


# Basic-auth failures (review I1) -----------------------------------------------------------------------

def test_i1_failed_basic_auth_is_throttled_per_client_ip(app, client, make_lrs_client):
    app.config["LMS_RATELIMIT_XAPI_AUTH"] = "3/minute"
    key, secret = make_lrs_client()
    attacker, victim = {"REMOTE_ADDR": "127.0.0.10"}, {"REMOTE_ADDR": "127.0.0.11"}
    wrong = LRS(client, key, "not-the-secret-at-all-0123456789")
    for _ in range(3):
        assert wrong.get("/statements", environ_base=attacker).status_code == 401
    # Past the limit every attempt from that address is refused before the secret is checked, right or wrong.
    for lrs in (wrong, LRS(client, key, secret)):
        refused = lrs.get("/statements", environ_base=attacker)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert "Too many failed sign-ins" in refused.get_json()["error"]["message"]
    # Other addresses, and successful sign-ins, are not affected.
    assert LRS(client, key, secret).get("/statements", environ_base=victim).status_code == 200
    for _ in range(5):
        assert LRS(client, key, secret).get("/statements", environ_base=victim).status_code == 200


def test_i1_throttle_can_be_switched_off(app, client, make_lrs_client):
    app.config["LMS_RATELIMIT_XAPI_AUTH"] = ""
    key, _secret = make_lrs_client()
    wrong = LRS(client, key, "not-the-secret-at-all-0123456789")
    assert [wrong.get("/statements").status_code for _ in range(30)] == [401] * 30
