"""The LMS Flask extension: config defaults, database, content, blueprints, CLI and security."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from lms import settings
from lms.assessments.definitions import AssessmentCatalog
from lms.assessments.loader import load_assessments
from lms.certificates.programs import Programs, load_programs
from lms.content import Catalog, load_catalog
from lms.content.hours import CourseHours, check_course_hours
from lms.db import Database, close_session
from lms.mail import MailSender, resolve_sender
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
    hours: Mapping[str, CourseHours] = field(default_factory=dict)  # each course's computed time (docs/hours.md)


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
        course_hours = check_course_hours(catalog, assessments)
        programs = load_programs(Path(app.config["LMS_CERTIFICATES_DIR"]), catalog, assessments)
        app.extensions["lms"] = LMSState(
            db=Database(app.config["LMS_DATABASE_URL"]),
            catalog=catalog,
            assessments=assessments,
            mail=resolve_sender(app.config["LMS_MAIL_SENDER"]),
            limiter=RateLimiter(app.config["LMS_RATELIMIT_STORAGE_URI"]),
            url_prefix=prefix.rstrip("/"),
            programs=programs,
            hours=course_hours,
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
        # One typed table (lms/settings.py) holds every setting's default, type and meaning.
        settings.apply_defaults(app.config, Path(app.instance_path))
        try:
            settings.check(app.config)
        except settings.SettingsError as exc:
            raise LMSConfigError(str(exc)) from None

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
