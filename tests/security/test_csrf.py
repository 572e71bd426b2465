"""CSRF: every POST route of the `lms` blueprint refuses a missing, invalid or foreign token with 400
and changes nothing; the routes that take no token are exactly the machine APIs we mean to exempt."""
from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from lms.web.hooks import CSRF_EXEMPT
from tests.security.test_route_matrix import CASES, _url
from tests.security.world import db_state, sign_in

# JSON APIs that never read the session: a forged cross-site request gains nothing from a cookie.
EXPECTED_EXEMPT = {"lms.certificates_api_verify_bulk"}


def _post_routes(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules()
            if r.endpoint.startswith("lms.") and "POST" in (r.methods or ())}


def test_the_exempt_list_is_exactly_the_json_api(app):
    assert set(CSRF_EXEMPT) == EXPECTED_EXEMPT
    assert EXPECTED_EXEMPT <= _post_routes(app)


def test_every_post_route_refuses_a_missing_or_bad_token(app, world):
    foreign = app.test_client()  # a token minted for another session (an attacker's own)
    sign_in(foreign, world, "other_trainee")
    with foreign.session_transaction() as sess:
        sess["csrf_token"] = "attacker-raw-token"
    foreign_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("attacker-raw-token")
    expired_shape = "IjEyMyI.abc.def"  # looks like a token, signature invalid

    client = app.test_client()
    sign_in(client, world, "admin")  # the most powerful victim: roles never stand in the way
    with client.session_transaction() as sess:
        sess["csrf_token"] = "victim-raw-token"

    posts = _post_routes(app)
    assert posts <= {c.endpoint for c in CASES}  # every POST route has a URL (else the matrix fails too)
    accepted, failures = set(), []
    before = db_state(app)
    for case in {c.endpoint: c for c in CASES if c.endpoint in posts}.values():
        url = _url(app, case, world)
        for label, data in (("no token", {}), ("invalid token", {"csrf_token": expired_shape}),
                            ("foreign token", {"csrf_token": foreign_token}),
                            ("prefixed invalid", {"x-csrf_token": expired_shape})):
            response = client.post(url, data=data)
            if response.status_code != 400:
                accepted.add(case.endpoint)
                failures.append(f"{url} {label}: {response.status_code}")
            elif case.endpoint not in EXPECTED_EXEMPT:
                assert "The form expired" in response.get_data(as_text=True), url
    assert accepted == EXPECTED_EXEMPT, "\n".join(failures)
    after = db_state(app)
    assert after == before, [k for k in after if after[k] != before[k]]


def test_a_valid_token_passes_the_check(app, world):
    """The check must not refuse everything: a real form post with its token goes through."""
    client = app.test_client()
    sign_in(client, world, "trainee")
    page = client.get("/account/password").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/my-learning").status_code == 302  # signed out: the post was accepted


def test_a_prefixed_form_token_is_accepted(app, world):
    """Forms with a prefix send "<prefix>-csrf_token": the global check takes those too."""
    client = app.test_client()
    sign_in(client, world, "trainee")
    with client.session_transaction() as sess:
        sess["csrf_token"] = "raw"
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("raw")
    url = f"/courses/communication/lessons/{world.lesson}/checks/{world.check}"
    # Past the CSRF hook the view answers for itself (a missing answer is its own 400, not "form expired").
    response = client.post(url, data={f"check-{world.check}-csrf_token": token})
    assert "The form expired" not in response.get_data(as_text=True)
    assert client.post(url, data={}).status_code == 400


def test_json_api_needs_no_token_and_no_cookie(client, world):
    response = client.post("/api/verify", json={"codes": [world.cert_code]})
    assert response.status_code == 200 and response.json["count"] == 1
