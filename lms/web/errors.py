"""Error pages for LMS views: clear words, the right status, never a traceback."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.web.blueprint import bp

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a few minutes and try again."),
}


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
    return render_error(exc.code or 500, exc.description if exc.code == 400 else None)
