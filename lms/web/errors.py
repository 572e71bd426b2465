"""Error pages for LMS views: clear words, the right status, never a traceback."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from lms.web.blueprint import bp

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a few minutes and try again."),
    503: ("Busy", "The site is busy and could not save your last action; nothing was changed. "
                  "Wait a moment and try again."),
}
# PostgreSQL: lock_not_available (lock_timeout), deadlock_detected, serialization_failure.
BUSY_SQLSTATES = ("55P03", "40P01", "40001")
RETRY_AFTER = "2"  # seconds: locks like these clear within the busy timeout of the next attempt


def database_busy(exc: OperationalError) -> bool:
    """True when the database refused because another writer holds a lock (SQLite "database is
    locked" after the busy timeout, a PostgreSQL lock timeout or deadlock): worth trying again."""
    if getattr(exc.orig, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template("lms/error.html", code=code, title=title, message=detail or message), code


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    return render_error(400, "The form expired or was sent from another site. Go back, reload the "
                             "page and try again.")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code and exc.code < 400:
        return exc
    body, code = render_error(exc.code or 500, exc.description if exc.code == 400 else None)
    # A 429 says when to come back (werkzeug's TooManyRequests(retry_after=...) carries it).
    return body, code, [(key, value) for key, value in exc.get_headers() if key == "Retry-After"]


@bp.errorhandler(OperationalError)
def _database_busy(exc: OperationalError):
    # A locked database is a busy moment, not a bug: say so with 503 and Retry-After, never a 500.
    # The session is rolled back when the request ends, so nothing is half-saved.
    if not database_busy(exc):
        raise exc
    body, code = render_error(503)
    return body, code, {"Retry-After": RETRY_AFTER}


@bp.errorhandler(OverflowError)
@bp.errorhandler(DataError)
def _value_out_of_range(exc: Exception):
    # A value the database cannot hold (?org=999…9 overflows SQLite's 64-bit and PostgreSQL's 32-bit
    # integers; PostgreSQL refuses NUL in text) is bad input, not a server fault.
    return render_error(400, "A value in the request is too large or contains a character that is not allowed.")
