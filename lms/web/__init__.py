"""Shared web glue: the blueprint, the current user, security headers, error pages."""
from __future__ import annotations

from flask import Flask

from lms.web.blueprint import bp


def register_web(app: Flask, url_prefix: str) -> None:
    # Importing the views modules attaches their routes to the blueprint (once per process).
    from lms.accounts import admin_views, views  # noqa: F401
    from lms.assessments import views as assessment_views  # noqa: F401
    from lms.certificates import credential_views, lifecycle_views  # noqa: F401
    from lms.certificates import verify_views as certificate_verify_views  # noqa: F401
    from lms.certificates import views as certificate_views  # noqa: F401
    from lms.learning import views as learning_views  # noqa: F401
    from lms.supervision import dashboard_views, report_views  # noqa: F401
    from lms.supervision import views as supervision_views  # noqa: F401
    from lms.web import errors, hooks, openapi  # noqa: F401
    from lms.xapi import admin_views as xapi_admin_views  # noqa: F401
    from lms.xapi import report_views as xapi_report_views  # noqa: F401

    app.register_blueprint(bp, url_prefix=url_prefix or None)
