"""xAPI: statements, the built-in LRS, recording and forwarding."""
from __future__ import annotations

from flask import Flask


def register_xapi(app: Flask) -> None:
    from lms.xapi import about_api, recorder, statements_api  # noqa: F401  (routes and signal receivers)
    from lms.xapi.http import xapi_bp

    try:
        from lms.xapi import documents_api  # noqa: F401
    except ImportError:  # the document resources are optional while they are being built
        pass
    app.register_blueprint(xapi_bp, url_prefix=app.config["LMS_XAPI_PREFIX"].rstrip("/") or None)
    recorder.connect()
    if app.config["LMS_XAPI_RELAY_INPROCESS"]:
        from lms.xapi.relay import install_inprocess_relay

        install_inprocess_relay(app)  # a daemon thread started with the first request this process serves
