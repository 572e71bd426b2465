"""Every LMS route declares who may use it, and pages carry the security headers."""
from __future__ import annotations


def test_every_lms_route_declares_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("lms.", "lms_xapi.")) or rule.endpoint == "lms.static":
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "lms_access", None):
            missing.append(rule.rule)
    assert missing == []


def test_an_undeclared_route_would_be_caught(app):
    from flask import Flask

    from lms.web.access import public

    probe = Flask("probe")

    @probe.route("/declared")
    @public
    def declared():
        return ""

    @probe.route("/undeclared")
    def undeclared():
        return ""

    flagged = [r.rule for r in probe.url_map.iter_rules()
               if r.endpoint != "static" and not getattr(probe.view_functions[r.endpoint], "lms_access", None)]
    assert flagged == ["/undeclared"]


def test_security_headers_on_lms_pages(client):
    headers = client.get("/courses").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers
    assert "Strict-Transport-Security" in client.get("/courses", base_url="https://lms.example.org").headers


def test_templates_have_no_inline_scripts_or_styles(app):
    from pathlib import Path

    root = Path(app.config["LMS_TEMPLATES_DIR"])
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert "<script" not in text and "style=" not in text and "<style" not in text, path


def test_logged_in_pages_are_not_cached(client, login_as):
    login_as()
    assert client.get("/my-learning").headers["Cache-Control"] == "no-store"
