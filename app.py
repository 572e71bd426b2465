"""Standalone host for the LMS: `flask --app app run`, or `gunicorn 'app:create_app()'`."""
from __future__ import annotations

import os

from flask import Flask, render_template

from lms import LMS, settings
from lms.content import ContentErrors
from lms.extension import LMSConfigError


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
    # Every setting in lms/settings.py can come from the environment, which wins over instance/config.py.
    try:
        app.config.from_mapping(settings.from_environ(os.environ))
    except settings.SettingsError as exc:
        raise SystemExit(f"The LMS cannot start:\n{exc}") from None
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
