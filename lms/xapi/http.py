"""xAPI HTTP plumbing: the blueprint, version header, Basic auth and scopes, alternate request
syntax, size limits and JSON errors (xAPI Communication 1.3, 3.2, 4, 6)."""
from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from functools import wraps
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import DataError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

from lms.db import end_read, utcnow
from lms.web.jsoninput import JSONInputError, parse_json
from lms.web.util import client_ip
from lms.xapi.clients import authenticate_client, granted
from lms.xapi.iri import is_header_media_type

VERSION = "1.0.3"
# Communication 3.3: "1.0" or "1.0.x"; anything else is refused with 400.
_ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")
# Communication 1.3: the form parameters the LRS treats as headers in the alternate request syntax.
HEADER_PARAMS = {name.lower(): name for name in (
    "Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match", "If-None-Match")}
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_AUTH_FAILURES = "xapi-auth-failure"
xapi_bp = Blueprint("lms_xapi", __name__)


class XAPIError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def bad_request(message: str) -> XAPIError:
    return XAPIError(400, message)


def max_depth() -> int:
    """How deeply client JSON may nest (LMS_XAPI_MAX_DEPTH): deeper bodies are refused before anything walks them."""
    return int(current_app.config["LMS_XAPI_MAX_DEPTH"])


def read_json(data: bytes | str, what: str) -> object:
    """Client JSON through the one reader (strict UTF-8, bounded depth, no lone surrogates), or a 400 naming why."""
    try:
        return parse_json(data, what=what, max_depth=max_depth())
    except JSONInputError as exc:
        raise bad_request(str(exc)) from None


def scope_required(*any_of: str) -> Callable:
    """The client must hold one of these scopes (after implication); sets the access rule."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not granted(g.lrs_client.scopes) & set(any_of):
                raise XAPIError(403, f"These credentials lack the scope for this request ({' or '.join(any_of)}).")
            return view(*args, **kwargs)

        wrapped.lms_access = ("lrs-client", *any_of)
        return wrapped

    return decorator


def no_auth(view):
    view.lms_access = ("public",)
    view.lrs_public = True
    return view


@xapi_bp.before_request
def _prepare() -> None:
    _apply_alternate_syntax()
    view = current_app.view_functions.get(request.endpoint or "")
    max_body = current_app.config["LMS_XAPI_MAX_BODY"]
    if request.content_length and request.content_length > max_body:
        raise XAPIError(413, f"The request body is larger than {max_body} bytes.")
    if request.content_length is None and request.method in ("POST", "PUT"):
        # A chunked body has no length to check up front: read one byte past the limit (werkzeug
        # stops there silently) and cache it for the view, so an oversized body is a clear 413.
        request.max_content_length = max_body + 1
        if len(request.get_data(cache=True)) > max_body:
            raise XAPIError(413, f"The request body is larger than {max_body} bytes.")
    if any("\x00" in value for _, value in request.args.items(multi=True)):
        # PostgreSQL refuses NUL in text; no IRI, id, agent or time can hold one.
        raise bad_request("A query parameter contains a NUL character, which is not allowed.")
    if request.method == "OPTIONS":
        return None
    if getattr(view, "lrs_public", False):
        return None
    version = request.headers.get("X-Experience-API-Version")
    if not version:
        raise bad_request("The X-Experience-API-Version header is required.")
    if not _ACCEPTED_VERSION.match(version):
        raise bad_request(f"X-Experience-API-Version {version!r} is not supported; use 1.0.x.")
    g.lrs_client = _authenticate()
    end_read()


def _authenticate():
    """HTTP Basic with LRS client credentials. Failed attempts are counted per client IP
    (LMS_RATELIMIT_XAPI_AUTH); past the limit every attempt from that IP gets 429 until the window frees up,
    before its secret is even checked, so guessing cannot continue (review I1)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        limit = current_app.config["LMS_RATELIMIT_XAPI_AUTH"]
        limiter = current_app.extensions["lms"].limiter
        if limit and not limiter.test(_AUTH_FAILURES, client_ip(), limit):
            wait = limiter.retry_after(_AUTH_FAILURES, client_ip(), limit)
            raise XAPIError(429, f"Too many failed sign-ins from this address; try again in {wait} seconds.",
                            {"Retry-After": str(wait)})
        try:
            key, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            key = secret = ""
        client = authenticate_client(key, secret) if key else None
        if client is not None:
            return client
        if limit:
            limiter.hit(_AUTH_FAILURES, client_ip(), limit)
    raise XAPIError(401, "Authentication required.")


def _alternate_form() -> tuple[dict[str, str], list[tuple[str, str]], str]:
    """Communication 1.3: split the form into header parameters, query parameters and `content`, refusing
    misuse with a 400: a header or `content` given twice, a header value that no HTTP header could carry, a
    Content-Type that is not a media type, a Content-Length that is not the content's length."""
    try:
        fields = parse_qsl(request.get_data(as_text=True), keep_blank_values=True, strict_parsing=True)
    except (ValueError, UnicodeDecodeError):
        fields = None
    if fields is None:
        raise bad_request("The alternate request syntax needs a url-encoded form body.")
    headers: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    content = None
    for name, value in fields:
        header = HEADER_PARAMS.get(name.lower())
        if name == "content" or header:
            if (header or name) in headers or (name == "content" and content is not None):
                raise bad_request(f"The form parameter {header or name} is given more than once.")
            if name == "content":
                content = value
                continue
            if not _HEADER_VALUE.fullmatch(value):
                raise bad_request(f"The form parameter {header} must be printable ASCII, as an HTTP header would be "
                                  "(no line breaks or control characters).")
            headers[header] = value.strip()
        else:
            params.append((name, value))
    content = content or ""
    if "Content-Type" in headers and not is_header_media_type(headers["Content-Type"]):
        raise bad_request("The Content-Type form parameter must be a media type such as application/json.")
    if "Content-Length" in headers and headers["Content-Length"] != str(len(content.encode())):
        raise bad_request("The Content-Length form parameter must be the length in bytes of the content parameter.")
    return headers, params, content


def _apply_alternate_syntax() -> None:
    """xAPI Communication 1.3: POST ?method=X with headers and content as form fields."""
    method = request.args.get("method")
    if method is None:
        return
    if request.method != "POST":
        raise bad_request("The method parameter is only allowed on POST.")
    if len(request.args) != 1 or len(request.args.getlist("method")) != 1:
        misplaced = sorted({HEADER_PARAMS[n.lower()] for n in request.args if n.lower() in HEADER_PARAMS})
        if misplaced:
            raise bad_request(f"With the alternate request syntax, {', '.join(misplaced)} must be form parameters "
                              "(or headers), not query-string parameters.")
        raise bad_request("With the alternate request syntax, 'method' must be the only query parameter.")
    if method not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
        raise bad_request(f"Unknown method {method!r} in the alternate request syntax.")
    if request.mimetype != "application/x-www-form-urlencoded":
        raise bad_request("The alternate request syntax needs Content-Type application/x-www-form-urlencoded.")
    headers, params, content = _alternate_form()
    environ = request.environ
    for name in ("Authorization", "X-Experience-API-Version", "If-Match", "If-None-Match"):
        key = "HTTP_" + name.upper().replace("-", "_")
        if name not in headers:
            continue
        # "The LRS MUST treat the form parameters listed above as header parameters": the form field is the
        # header. A real header that says something else is a contradiction, refused (the suite sends a 1.0.x
        # header with a form field "X-Experience-API-Version: 0.8" and expects 400).
        if environ.get(key) and environ[key].strip() != headers[name]:
            raise bad_request(f"The {name} form parameter and the {name} header disagree.")
        environ[key] = headers[name]
    environ["REQUEST_METHOD"] = method
    environ["QUERY_STRING"] = urlencode(params)
    body = content.encode()
    environ["CONTENT_TYPE"] = headers.get("Content-Type", "application/json" if content else "")
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    environ.pop("wsgi.input_terminated", None)
    # Rebuild the cached request data from the rewritten environ.
    for attr in ("args", "form", "stream", "_cached_data", "files", "values", "data", "_parsed_content_type"):
        request.__dict__.pop(attr, None)
    request.method = method
    request.query_string = environ["QUERY_STRING"].encode("latin-1")
    rule = request.url_rule
    if rule is not None and rule.methods is not None and method not in rule.methods:
        raise XAPIError(405, f"{method} is not allowed on this resource.")


@xapi_bp.after_request
def _headers(response):
    response.headers["X-Experience-API-Version"] = VERSION
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers",
                                "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through")
    response.headers.setdefault("Cache-Control", "no-store")
    # Documents come back with the Content-Type their client stored (text/html too): never sniffed,
    # never run or framed if a browser opens one on our origin.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
    if request.endpoint == "lms_xapi.statements":
        # Communication 2.1.3: on every response of the Statement Resource, whatever its status.
        response.headers.setdefault("X-Experience-API-Consistent-Through",
                                    utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    return response


@xapi_bp.errorhandler(XAPIError)
def _xapi_error(exc: XAPIError):
    response = jsonify({"error": {"code": exc.status, "message": exc.message}})
    response.status_code = exc.status
    response.headers.update(exc.headers)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


@xapi_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    response = jsonify({"error": {"code": exc.code, "message": exc.description}})
    response.status_code = exc.code or 500
    return response


@xapi_bp.errorhandler(DataError)
@xapi_bp.errorhandler(OverflowError)
def _value_out_of_range(exc: Exception):
    # e.g. an agent filter whose JSON holds "\u0000" (PostgreSQL refuses NUL in text): bad input, not a 500.
    return _xapi_error(XAPIError(400, "A value in the request is too large or contains a character that is "
                                      "not allowed (such as NUL)."))


@xapi_bp.errorhandler(StatementError)
def _statement_error(exc: StatementError):
    # SQLAlchemy wraps what a bind parameter raises (a datetime out of range: OverflowError) in StatementError,
    # which the OverflowError handler above never sees (review L8).
    if isinstance(exc.orig, OverflowError | ValueError):
        return _value_out_of_range(exc)
    raise exc


@xapi_bp.errorhandler(OperationalError)
def _database_busy(exc: OperationalError):
    from lms.web.errors import RETRY_AFTER, database_busy

    if not database_busy(exc):
        raise exc
    response = jsonify({"error": {"code": 503, "message": "The LRS is busy and stored nothing from this request; "
                                                          "try again in a moment."}})
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    return response
