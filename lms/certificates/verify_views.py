"""Public verification: /verify pages, credential-file verification, the JSON and bulk API.

Everything here is public and rate-limited per client IP (LMS_RATELIMIT_VERIFY, pages and API
together). The bulk page is public too: the JSON API offers the same lookups to anyone, and with
50-bit codes and the rate limit, guessing codes in bulk finds nothing. Board members and admins
also see the evidence summary on a certificate's page; the API never reads the session, so it has
no CSRF token to check and nothing a cookie could unlock.
"""
from __future__ import annotations

from functools import wraps

from flask import Response, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.certificates import verification as v
from lms.certificates.codes import format_code
from lms.web.access import public
from lms.web.blueprint import bp
from lms.web.errors import render_error
from lms.web.util import client_ip

EVIDENCE_ROLES = ("board", "admin")
_OVERHEAD = 16 * 1024  # multipart boundaries and the CSRF field around an uploaded file
NOT_JSON_OR_CSV = ("Send JSON (application/json) like {\"codes\": [\"ABCD-EFGH-JKM\"]}, a CSV file "
                   "(multipart/form-data, field file) or a CSV body (text/csv).")


class CodeForm(FlaskForm):
    code = StringField("Certificate code", validators=[
        DataRequired("Enter the code printed on the certificate."), Length(max=64, message=v.MALFORMED)],
        description="11 characters, for example ABCD-EFGH-JKM. Dashes, spaces and lower case are fine.")


class FileForm(FlaskForm):
    file = FileField("Credential file (.json or .jwt)", render_kw={"accept": ".json,.jwt,application/json"})


class BulkForm(FlaskForm):
    codes = TextAreaField("Codes, one per line (or a CSV with a column named code)")
    file = FileField("Or upload a CSV file", render_kw={"accept": ".csv,text/csv,text/plain"})


class UploadError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _retry_after() -> int | None:
    """Seconds until this client may verify again, or None while it is within the limit."""
    limiter = current_app.extensions["lms"].limiter
    limit = current_app.config["LMS_RATELIMIT_VERIFY"]
    if not limit:  # a site that limits at its proxy may switch ours off
        return None
    if limiter.hit("verify-ip", client_ip(), limit):
        return None
    return limiter.retry_after("verify-ip", client_ip(), limit)


def throttled(api: bool):
    """Count the request against the client's verify limit; 429 with Retry-After past it."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            wait = _retry_after()
            if wait is not None:
                response = _json({"error": "too many requests", "retry_after": wait}, 429) if api \
                    else make_response(render_error(429))
                response.headers["Retry-After"] = str(wait)
                return response
            response = make_response(view(*args, **kwargs))
            # A status can change at any moment (a revocation): caches must ask again.
            response.headers.setdefault("Cache-Control", "no-cache")
            return response

        return wrapped

    return decorator


def _json(body: dict, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # safe: no cookie grants anything here
    return response


def _max_upload() -> int:
    return int(current_app.config["LMS_VERIFY_MAX_UPLOAD"])


def _too_large() -> str:
    return f"What you sent is larger than {_max_upload() // 1024} KB, the most accepted here."


def _guard_size() -> None:
    """Refuse a body over the upload limit before reading it, and cap what is read without a length."""
    if (request.content_length or 0) > _max_upload() + _OVERHEAD:
        raise UploadError(413, _too_large())
    request.max_content_length = _max_upload() + _OVERHEAD


def _upload_form(form_class):
    """(form, None), or (an empty form carrying the error, 413) when the upload is too large."""
    try:
        _guard_size()
        return form_class(), None
    except (UploadError, RequestEntityTooLarge):
        form = form_class(formdata=None)
        form.file.errors = [_too_large()]
        return form, 413


def _read_upload(upload) -> bytes:
    if not upload:
        raise UploadError(400, "Choose a file to upload.")
    limit = _max_upload()
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise UploadError(413, _too_large())
    if not raw.strip():
        raise UploadError(400, "The file is empty.")
    return raw


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(400, "The file is not UTF-8 text: save it as CSV (UTF-8) and try again.") from None


# Pages -----------------------------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@public
@throttled(api=False)
def certificates_verify():
    form = CodeForm()
    if form.validate_on_submit():
        code = v.normalize(form.code.data)
        if code is not None:
            return redirect(url_for("lms.certificates_verify_code", code=format_code(code)))
        form.code.errors.append(v.MALFORMED)
    return render_template("lms/certificates/verify.html", form=form), 400 if form.errors else 200


@bp.route("/verify/<code>")
@public
@throttled(api=False)
def certificates_verify_code(code: str):
    if v.normalize(code) is None:
        form = CodeForm(data={"code": code[:64]})
        form.code.errors = [v.MALFORMED]
        return render_template("lms/certificates/verify.html", form=form), 400
    cert = v.lookup(code)
    if cert is None:
        # The same answer whether or not the code was ever issued.
        return render_template("lms/certificates/verify.html", form=CodeForm(formdata=None), not_found=True), 404
    user = g.get("lms_user")
    return render_template("lms/certificates/verify_record.html", record=v.public_record(cert),
                           evidence=v.evidence(cert) if user and user.role in EVIDENCE_ROLES else None,
                           meanings=v.STATUS_MEANINGS, labels=v.STATUS_LABELS)


@bp.route("/verify/file", methods=["GET", "POST"])
@public
@throttled(api=False)
def certificates_verify_file():
    from lms.certificates.credential import verify_document

    report = record = None
    form, status = _upload_form(FileForm)
    if status is None and form.validate_on_submit():
        try:
            report = verify_document(_read_upload(form.file.data))
        except UploadError as exc:
            form.file.errors.append(exc.message)
            status = exc.status
        if report is not None and report.certificate is not None:
            record = v.public_record(report.certificate)
    return render_template("lms/certificates/verify_file.html", form=form, report=report, record=record,
                           max_kb=_max_upload() // 1024), status or (400 if form.errors else 200)


@bp.route("/verify/bulk", methods=["GET", "POST"])
@public
@throttled(api=False)
def certificates_verify_bulk():
    results = None
    form, status = _upload_form(BulkForm)
    if status is None and form.validate_on_submit():
        try:
            text = _text(_read_upload(form.file.data)) if form.file.data else form.codes.data or ""
            codes, rows = v.parse_codes_text(text)
            results = v.bulk(codes, rows)
            form.codes.data = "\n".join(str(code) for code in codes)  # so "Download CSV" sends them again
        except UploadError as exc:
            form.file.errors.append(exc.message)
            status = exc.status
        except v.VerificationInputError as exc:
            form.codes.errors.append(str(exc))
    if results is not None and request.form.get("format") == "csv":
        return _csv(results)
    return render_template("lms/certificates/verify_bulk.html", form=form, results=results,
                           max_bulk=v.max_bulk(), max_kb=_max_upload() // 1024), status or (400 if form.errors else 200)


def _csv(results: list[dict]) -> Response:
    return Response(v.results_csv(results), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=certificate-verification.csv"})


# JSON API --------------------------------------------------------------------------------------

@bp.route("/api/verify/<code>")
@public
@throttled(api=True)
def certificates_api_verify_code(code: str):
    if v.normalize(code) is None:
        return _json({"error": "malformed code", "detail": v.MALFORMED}, 400)
    cert = v.lookup(code)
    if cert is None:
        return _json({"error": "not found"}, 404)
    return _json(v.public_record(cert))


@bp.route("/api/verify", methods=["POST"])
@public
@throttled(api=True)
def certificates_api_verify_bulk():
    try:
        codes, rows = _api_input()
        results = v.bulk(codes, rows)
    except UploadError as exc:
        return _json({"error": exc.message}, exc.status)
    except v.VerificationInputError as exc:
        return _json({"error": str(exc)}, 400)
    accept = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    if request.args.get("format") == "csv" or (accept == "text/csv" and request.args.get("format") != "json"):
        response = _csv(results)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    return _json({"count": len(results), "results": results})


def _api_input() -> tuple[list, list[int] | None]:
    """The codes of a bulk request: JSON {"codes": [...]}, a multipart CSV file or a text/csv body."""
    _guard_size()
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            if body is None:
                raise UploadError(400, "The request body is not valid JSON.")
            if not isinstance(body, dict) or not isinstance(body.get("codes"), list):
                raise UploadError(400, 'Send an object with a list of codes: {"codes": ["ABCD-EFGH-JKM"]}.')
            v.check_count(len(body["codes"]))
            return body["codes"], None
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise UploadError(400, "Send the CSV as a file field named file.")
            raw = _read_upload(upload)
        elif request.mimetype in ("text/csv", "text/plain"):
            raw = request.get_data()
            if not raw.strip():
                raise UploadError(400, "The request body is empty.")
        else:
            raise UploadError(415, NOT_JSON_OR_CSV)
    except RequestEntityTooLarge:
        raise UploadError(413, _too_large()) from None
    return v.parse_codes_text(_text(raw))
