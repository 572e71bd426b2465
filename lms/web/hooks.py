"""Per-request glue for LMS pages: who is signed in, template globals, security headers."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from lms.accounts.auth import load_current_user
from lms.db import end_read
from lms.web.blueprint import bp


@bp.before_request
def _load_user() -> None:
    g.lms_user = load_current_user(session)
    end_read()


@bp.app_context_processor
def _template_globals() -> dict:
    return {
        "current_user": g.get("lms_user"),
        "csrf_token": generate_csrf,
        "lms_site_name": current_app.config.get("LMS_SITE_NAME", "LMS"),
        "lms_layout": current_app.config.get("LMS_LAYOUT_TEMPLATE", "lms/layout.html"),
    }


@bp.after_request
def _security_headers(response):
    headers = response.headers
    # No inline scripts or styles anywhere in our templates, so the policy can be strict.
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if g.get("lms_user") is not None:
        headers.setdefault("Cache-Control", "no-store")
    return response
