"""The LMS Flask extension: config defaults, database, content, blueprints, CLI and security."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from lms.assessments.definitions import AssessmentCatalog
from lms.assessments.loader import load_assessments
from lms.certificates.programs import Programs, load_programs
from lms.content import Catalog, load_catalog
from lms.db import Database, close_session
from lms.mail import MailSender, resolve_sender
from lms.paths import data_dir
from lms.web.ratelimit import RateLimiter

INSECURE_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}


class LMSConfigError(RuntimeError):
    """The host's configuration cannot work; the message says what to set."""


@dataclass
class LMSState:
    """Everything the extension keeps per app, in app.extensions["lms"]."""

    db: Database
    catalog: Catalog
    assessments: AssessmentCatalog
    mail: MailSender
    limiter: RateLimiter
    url_prefix: str
    programs: Programs  # certificate programs by slug (certificates/*.yaml)


class LMS:
    """Mount the LMS on a Flask app: `LMS(app)` or `lms = LMS(); lms.init_app(app)`."""

    def __init__(self, app: Flask | None = None, **options: Any):
        self.options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, url_prefix: str | None = None) -> None:
        self._set_defaults(app)
        self._check_secret(app)
        prefix = url_prefix if url_prefix is not None else self.options.get(
            "url_prefix", app.config["LMS_URL_PREFIX"])
        catalog = load_catalog(Path(app.config["LMS_CURRICULA_DIR"]))
        assessments = load_assessments(Path(app.config["LMS_ASSESSMENTS_DIR"]), catalog.framework, catalog.courses)
        programs = load_programs(Path(app.config["LMS_CERTIFICATES_DIR"]), catalog, assessments)
        app.extensions["lms"] = LMSState(
            db=Database(app.config["LMS_DATABASE_URL"]),
            catalog=catalog,
            assessments=assessments,
            mail=resolve_sender(app.config["LMS_MAIL_SENDER"]),
            limiter=RateLimiter(app.config["LMS_RATELIMIT_STORAGE_URI"]),
            url_prefix=prefix.rstrip("/"),
            programs=programs,
        )
        app.teardown_appcontext(close_session)

        from lms.cli import lms_cli
        from lms.web import register_web

        register_web(app, prefix.rstrip("/"))
        from lms.xapi import register_xapi

        register_xapi(app)
        from lms.supervision.services import connect as connect_supervision

        connect_supervision()
        from lms.certificates import connect as connect_certificates

        connect_certificates()
        app.cli.add_command(lms_cli)

    @staticmethod
    def _set_defaults(app: Flask) -> None:
        instance = Path(app.instance_path)
        defaults = {
            "LMS_DATABASE_URL": app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'lms.sqlite3'}",
            "LMS_BASE_URL": "http://127.0.0.1:5000",
            "LMS_URL_PREFIX": "",
            "LMS_SITE_NAME": "Peer Recovery Training",
            "LMS_SIGNUP": "open",  # "open" or "invite"
            "LMS_CURRICULA_DIR": str(data_dir("curricula")),
            "LMS_ASSESSMENTS_DIR": str(data_dir("assessments")),
            "LMS_TEMPLATES_DIR": str(data_dir("templates")),
            "LMS_CERTIFICATES_DIR": str(data_dir("certificates")),
            "LMS_LAYOUT_TEMPLATE": "lms/layout.html",
            "LMS_MAIL_SENDER": "lms.mail:LogMailSender",
            "LMS_MAIL_FROM": "no-reply@localhost",
            "LMS_RATELIMIT_STORAGE_URI": "memory://",
            "LMS_RATELIMIT_LOGIN": "10/minute",
            "LMS_RATELIMIT_RESET": "5/hour",
            "LMS_RATELIMIT_VERIFY": "60/minute",  # per client IP, verify pages and API together; "" = off
            "LMS_VERIFY_MAX_UPLOAD": 256 * 1024,  # bytes: a credential file or a bulk CSV
            "LMS_VERIFY_MAX_BULK": 1000,  # codes per bulk request
            "LMS_PASSWORD_MIN_LENGTH": 10,
            "LMS_INVITE_DAYS": 14,
            "LMS_RESET_MAX_AGE": 3600,
            "LMS_PAGE_SIZE": 50,
            "LMS_XAPI_PREFIX": "/xapi",
            "LMS_XAPI_MAX_BODY": 10 * 1024 * 1024,
            "LMS_XAPI_PAGE_SIZE": 100,
            "LMS_XAPI_ACTOR_NAMES": False,  # names are personal data: off unless an agency opts in
            "LMS_XAPI_FORWARD_URL": "",
            "LMS_XAPI_FORWARD_USERNAME": "",
            "LMS_XAPI_FORWARD_PASSWORD": "",
            "LMS_XAPI_FORWARD_BATCH": 100,
            "LMS_XAPI_RELAY_INPROCESS": False,
            "LMS_XAPI_FORWARD_TIMEOUT": 30,
            "LMS_XAPI_RELAY_INTERVAL": 5,
            "LMS_XAPI_RELAY_BACKOFF": 10,
            "LMS_XAPI_RELAY_BACKOFF_CAP": 3600,
        }
        for key, value in defaults.items():
            app.config.setdefault(key, value)
        # Open Badges credentials (lms/certificates/credential.py): the issuer's name and web site
        # follow the site's unless set; RS256 is the OB 3.0 baseline, EdDSA is optional.
        app.config.setdefault("LMS_ISSUER_NAME", app.config["LMS_SITE_NAME"])
        app.config.setdefault("LMS_ISSUER_URL", app.config["LMS_BASE_URL"])
        app.config.setdefault("LMS_SIGNING_ALG", "RS256")
        if app.config["LMS_SIGNUP"] not in ("open", "invite"):
            raise LMSConfigError("LMS_SIGNUP must be 'open' or 'invite'")

    @staticmethod
    def _check_secret(app: Flask) -> None:
        secret = app.config.get("SECRET_KEY") or ""
        if app.debug or app.testing:
            return
        if isinstance(secret, str) and (secret.lower() in INSECURE_SECRETS or len(secret) < 16):
            raise LMSConfigError(
                "SECRET_KEY is missing or insecure. Set the SECRET_KEY environment variable (or "
                "SECRET_KEY in instance/config.py) to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
