"""Standalone host for the LMS: `flask --app app run`, or `gunicorn 'app:create_app()'`."""
from __future__ import annotations

import os

from flask import Flask, render_template

from lms import LMS
from lms.content import ContentErrors
from lms.extension import LMSConfigError

ENV_KEYS = ("SECRET_KEY", "DATABASE_URL", "LMS_BASE_URL", "LMS_SIGNUP", "LMS_URL_PREFIX", "LMS_MAIL_SENDER",
            "LMS_RATELIMIT_STORAGE_URI", "LMS_CURRICULA_DIR", "LMS_ASSESSMENTS_DIR", "LMS_SITE_NAME", "LMS_SMTP_HOST",
            "LMS_SMTP_PORT", "LMS_SMTP_USER", "LMS_SMTP_PASSWORD", "LMS_MAIL_FROM", "LMS_XAPI_PREFIX",
            "LMS_XAPI_FORWARD_URL", "LMS_XAPI_FORWARD_USERNAME", "LMS_XAPI_FORWARD_PASSWORD",
            "LMS_CERTIFICATES_DIR", "LMS_ISSUER_NAME", "LMS_ISSUER_URL", "LMS_SIGNING_ALG", "LMS_RATELIMIT_VERIFY",
            "LMS_TRUSTED_PROXIES")
BOOL_ENV_KEYS = ("LMS_XAPI_RELAY_INPROCESS", "LMS_XAPI_ACTOR_NAMES")


def create_app(test_config: dict | None = None) -> Flask:
    # LMS_INSTANCE_PATH moves the instance folder (config.py, the default SQLite file) elsewhere.
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("LMS_INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping({key: os.environ[key] for key in ENV_KEYS if os.environ.get(key)})
    app.config.from_mapping({key: os.environ[key].strip().lower() in ("1", "true", "yes", "on")
                             for key in BOOL_ENV_KEYS if os.environ.get(key)})
    if test_config:
        app.config.from_mapping(test_config)
    # Cookies are sent only over HTTPS when the site is served over HTTPS.
    if str(app.config.get("LMS_BASE_URL", "")).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    try:
        LMS(app)
    except (LMSConfigError, ContentErrors) as exc:
        raise SystemExit(f"The LMS cannot start:\n{exc}") from None

    # Behind a reverse proxy, trust its X-Forwarded-* headers (client IP for rate limits, https for
    # HSTS and secure cookies) - but only as many hops as configured, so clients cannot forge them.
    proxies = int(app.config.get("LMS_TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # Pages outside the LMS blueprint (the site-wide 404) get the same security headers.
    from lms.web.hooks import apply_security_headers

    app.after_request(apply_security_headers)

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("lms/error.html", code=404, title="Not found",
                               message="There is no page at this address."), 404

    return app
