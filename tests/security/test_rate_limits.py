"""Rate limits: login per IP and per account, password reset per IP and per account, and
verification by code (page and API together) answer 429 with Retry-After past the limit. The `app`
fixture resets the limiter, so every test starts with a full allowance."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token

WRONG = "not the password at all"


def _login(client, email: str, password: str = WRONG, ip: str = "192.0.2.1"):
    env = {"REMOTE_ADDR": ip}
    token = csrf_token(client)
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password},
                       environ_base=env)


def _assert_throttled(response, limit_seconds: int) -> None:
    assert response.status_code == 429, response.status_code
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= limit_seconds
    assert "Too many attempts" in response.get_data(as_text=True)


@pytest.fixture
def tight(app):
    app.config.update(LMS_RATELIMIT_LOGIN="3/minute", LMS_RATELIMIT_RESET="2/hour", LMS_RATELIMIT_VERIFY="3/minute")


def test_login_is_limited_per_ip(client, world, tight):
    for n in range(3):  # different accounts, one address: a password spray
        assert _login(client, f"nobody{n}@example.org").status_code == 200
    _assert_throttled(_login(client, world.emails["trainee"], PASSWORD), 60)  # even the right password
    assert _login(client, "someone@example.org", ip="192.0.2.99").status_code == 200  # other IPs unaffected
    # X-Forwarded-For is not believed (no ProxyFix), so it cannot buy a fresh allowance.
    token = csrf_token(client)
    forged = client.post("/login", data={"csrf_token": token, "email": "x@example.org", "password": WRONG},
                         headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert forged.status_code == 429


def test_login_is_limited_per_account(client, world, tight):
    email = world.emails["trainee"]
    for n in range(3):  # one account, many addresses: a distributed guess
        assert _login(client, email, ip=f"198.51.100.{n}").status_code == 200
    _assert_throttled(_login(client, email.upper(), PASSWORD, ip="198.51.100.200"), 60)  # case is no way round


def test_limits_start_fresh_in_each_test(client, world, tight):
    # The tests above used up both allowances; the fixture reset means this one signs in at once.
    assert _login(client, world.emails["trainee"], PASSWORD).status_code == 302


def _reset(client, email: str, ip: str = "192.0.2.1"):
    token = csrf_token(client, "/reset")
    return client.post("/reset", data={"csrf_token": token, "email": email}, environ_base={"REMOTE_ADDR": ip})


def test_password_reset_is_limited_per_ip_and_per_account(app, client, world, tight, outbox):
    assert _reset(client, "a@example.org").status_code == 302
    assert _reset(client, "b@example.org").status_code == 302
    _assert_throttled(_reset(client, world.emails["trainee"]), 3600)
    email = world.emails["trainee"]
    assert _reset(client, email, ip="198.51.100.1").status_code == 302
    assert _reset(client, email, ip="198.51.100.2").status_code == 302
    _assert_throttled(_reset(client, email, ip="198.51.100.3"), 3600)  # her mailbox is not flooded
    assert len(outbox) == 2


def test_verification_by_code_is_limited_on_page_and_api_together(client, world, tight):
    code = f"{world.cert_code[:4]}-{world.cert_code[4:8]}-{world.cert_code[8:]}"
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get(f"/api/verify/{code}").status_code == 200
    assert client.post("/api/verify", json={"codes": [code]}).status_code == 200
    api = client.get(f"/api/verify/{code}")
    assert api.status_code == 429 and int(api.headers["Retry-After"]) >= 1
    assert api.json["error"] == "too many requests"
    page = client.get(f"/verify/{code}")
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
