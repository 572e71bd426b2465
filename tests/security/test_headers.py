"""Security headers on every LMS page: a strict CSP, no framing, no sniffing, a referrer policy, HSTS
only over HTTPS, and no caching of signed-in pages; templates hold no inline script or style."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.security.test_route_matrix import CASES, _url
from tests.security.world import sign_in

PAGES = [c for c in CASES if c.method == "GET" and c.endpoint.startswith("lms.")]


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in csp.split(";")) if part}


def check_headers(headers, where: str) -> list[str]:
    problems = []
    csp = headers.get("Content-Security-Policy")
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    d = _directives(csp)
    for kind in ("script-src", "style-src"):
        sources = d.get(kind, d.get("default-src", []))
        if not sources or "'unsafe-inline'" in sources or "'unsafe-eval'" in sources or "*" in sources:
            problems.append(f"{where}: {kind} allows {sources}")
    if d.get("frame-ancestors") != ["'none'"]:
        problems.append(f"{where}: frame-ancestors {d.get('frame-ancestors')}")
    if d.get("object-src") != ["'none'"]:
        problems.append(f"{where}: object-src {d.get('object-src')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"{where}: Referrer-Policy {headers.get('Referrer-Policy')}")
    return problems


def test_every_page_carries_the_headers_signed_in_and_out(app, world):
    problems = []
    for who in ("anonymous", "trainee", "admin"):
        client = app.test_client()
        sign_in(client, world, who)
        for case in PAGES:
            url = _url(app, case, world)
            response = client.get(url)
            problems += check_headers(response.headers, f"{who} {url} ({response.status_code})")
            if who != "anonymous" and "no-store" not in response.headers.get("Cache-Control", ""):
                problems.append(f"{who} {url}: Cache-Control {response.headers.get('Cache-Control')!r}, want no-store")
            if "Strict-Transport-Security" in response.headers:
                problems.append(f"{who} {url}: HSTS over plain HTTP")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/courses", "/no-such-page-here", "/attempts/999999", "/admin/users"])
def test_error_pages_carry_the_headers_too(app, world, path):
    client = app.test_client()
    sign_in(client, world, "trainee")
    response = client.get(path)
    assert response.status_code in (200, 403, 404)
    assert check_headers(response.headers, path) == []


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/courses").headers
    secure = client.get("/courses", base_url="https://lms.example.org").headers
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_a_forged_forwarded_proto_does_not_turn_on_hsts(client, app):
    # With no trusted proxy configured (the default), X-Forwarded-Proto from a client is not believed.
    assert not app.config.get("LMS_TRUSTED_PROXIES")
    headers = client.get("/courses", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in headers


def test_an_lrs_document_stored_as_html_cannot_run_on_our_origin(lrs):
    """State documents come back with the Content-Type their client stored; a browser must neither
    sniff nor run one (nosniff, and a CSP sandbox with no sources)."""
    params = {"activityId": "http://example.org/a", "agent": '{"mbox": "mailto:a@example.org"}', "stateId": "s"}
    assert lrs.put("/activities/state", query_string=params, data=b"<script>alert(1)</script>",
                   headers={"Content-Type": "text/html"}).status_code == 204
    response = lrs.get("/activities/state", query_string=params)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"] and "sandbox" in csp and csp["frame-ancestors"] == ["'none'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)", re.I), "inline <script>"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style(app):
    root = Path(app.config["LMS_TEMPLATES_DIR"])
    found = [f"{path.relative_to(root)}: {label}" for path in sorted(root.rglob("*.html"))
             for pattern, label in INLINE if pattern.search(path.read_text())]
    assert found == []
    assert len(list(root.rglob("*.html"))) > 20  # the scan saw the templates


def test_behind_a_trusted_proxy_https_and_the_client_ip_come_from_forwarded_headers(monkeypatch, tmp_path):
    from flask import request

    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "proxy-test-secret-key-long-enough",
                      "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "LMS_TRUSTED_PROXIES": "1"})
    seen = {}

    @app.route("/_probe")
    def probe():
        seen["ip"], seen["secure"] = request.remote_addr, request.is_secure
        return ""

    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"ip": "203.0.113.7", "secure": True}
    page = app.test_client().get("/courses", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in page.headers
    app.extensions["lms"].db.engine.dispose()
