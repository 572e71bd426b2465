"""Open redirects: whatever `next=` holds, login only ever sends the browser to a path on this site."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lms.web.util import safe_next
from tests.conftest import PASSWORD, csrf_token

EVIL = [
    "https://evil.example", "http://evil.example/login", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "https:evil.example", "http:/evil.example", "/\t/evil.example",
    "/\n/evil.example", "\t//evil.example", "//evil.example/%2F..", "evil.example", "@evil.example",
    "https://lms.test@evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
]


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    return (parts.scheme in ("", "http") and parts.netloc in ("", "localhost") and not location.startswith("//")
            and "\\" not in location and "evil" not in parts.netloc and "\t" not in location and "\n" not in location)


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(client, world, target):
    token = csrf_token(client, "/login?next=" + target.replace("\n", "%0A").replace("\t", "%09"))
    response = client.post("/login", data={"csrf_token": token, "email": world.emails["trainee"],
                                           "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _same_site(location), location
    assert not location.lower().startswith(("javascript:", "data:"))


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_refuses_every_off_site_form(target):
    assert safe_next(target) in (None, "/%5Cevil.example")  # an encoded backslash is only a path here


def test_a_same_site_next_is_kept(client, world):
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "email": world.emails["trainee"], "password": PASSWORD,
                                           "next": "/my-learning?tab=hours"})
    assert response.headers["Location"] == "/my-learning?tab=hours"


def test_the_login_redirect_carries_only_a_path(client):
    response = client.get("/account", base_url="http://lms.test")
    assert response.status_code == 302
    next_value = urlsplit(response.headers["Location"]).query
    assert next_value == "next=/account"
