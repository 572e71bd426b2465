"""Per-request glue for LMS pages: who is signed in, template globals, security headers."""
from __future__ import annotations

from flask import abort, current_app, g, request, session
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from lms.accounts.auth import load_current_user
from lms.db import end_read
from lms.web.blueprint import bp


@bp.before_request
def _load_user() -> None:
    g.lms_user = load_current_user(session)
    end_read()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@bp.before_request
def _refuse_nul() -> None:
    """A NUL character is never meaningful in a query or a form, and PostgreSQL refuses it in text
    (a 500 otherwise): answer 400 before any view reads it."""
    if any("\x00" in value for _, value in request.args.items(multi=True)) or (
            request.method not in SAFE_METHODS and request.mimetype in _FORM_TYPES
            and any("\x00" in value for _, value in request.form.items(multi=True))):
        abort(400, "The request contains a NUL character, which is not allowed.")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# POST endpoints of the `lms` blueprint that take no CSRF token: machine APIs that never read the
# session, so a forged cross-site request gains nothing (tests/security/test_csrf.py pins this list).
CSRF_EXEMPT = frozenset({"lms.certificates_api_verify_bulk"})


@bp.before_request
def _check_csrf() -> None:
    """Every state-changing request carries a valid token, whatever its view does with its forms:
    a view that forgets `validate_on_submit` is still protected, and a forged post gets a 400."""
    if request.method in SAFE_METHODS or request.endpoint in CSRF_EXEMPT:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    # Forms with a prefix name their token "<prefix>-csrf_token"; every token is tied to this session.
    tokens = [value for key, value in request.form.items() if key == "csrf_token" or key.endswith("-csrf_token")]
    tokens += [request.headers.get("X-CSRFToken")] if request.headers.get("X-CSRFToken") else []
    for token in tokens:
        try:
            validate_csrf(token)
            return
        except ValidationError:
            continue
    raise CSRFError("The CSRF token is missing or invalid.")


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
    return apply_security_headers(response)


def apply_security_headers(response):
    """The LMS's headers; app.py also applies them to its own pages (e.g. the site-wide 404)."""
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
        # A signed-in page can show the person's name or records: never stored by any cache, even
        # where the view allowed public caching for anonymous visitors (issuer, achievements).
        headers["Cache-Control"] = "no-store"
    return response
