"""Certificate pages for trainees, supervisors and admins: my certificates and program progress, a
certificate's detail and downloads, the code-of-ethics attestation, supervisor approvals, and
manual issue and re-issue by an administrator."""
from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import Response, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from lms.accounts.forms import ActionForm, options
from lms.accounts.models import User
from lms.accounts.services import can_view_trainee, find_user_by_email
from lms.certificates import issuance
from lms.certificates.codes import format_code, verify_url
from lms.certificates.eligibility import check, has_attested
from lms.certificates.forms import AttestForm, IssueForm, ReissueForm
from lms.certificates.models import Certificate, CertificateEvent
from lms.certificates.programs import programs
from lms.db import session as db
from lms.db import utcnow, will_write
from lms.web.access import login_required, roles_required
from lms.web.blueprint import bp

STATUS_WORDS = {"active": "Active", "suspended": "Suspended", "revoked": "Revoked", "superseded": "Superseded",
                "expired": "Expired"}
log = logging.getLogger(__name__)
DOWNLOADS = {"pdf": "application/pdf", "json": "application/json", "jwt": "application/jwt"}


def status_words(cert: Certificate, now: datetime | None = None) -> str:
    """The status in words (verification.display_status: expiry is read from valid_until, not stored)."""
    from lms.certificates.verification import display_status

    status = display_status(cert, now or utcnow())
    return STATUS_WORDS.get(status, status.capitalize())


def can_view_certificate(viewer: User, cert: Certificate) -> bool:
    """The holder, their supervisors and organization admin, administrators and board members."""
    if viewer.role == "board" or viewer.id == cert.user_id:
        return True
    holder = db.get(User, cert.user_id)
    return holder is not None and can_view_trainee(viewer, holder)


def _visible_certificate(cert_id: int) -> Certificate:
    cert = db.get(Certificate, cert_id)
    if cert is None or not can_view_certificate(g.lms_user, cert):
        abort(404)  # never say whether someone else's certificate exists
    return cert


@bp.app_template_global("certificate_status")
def _certificate_status(cert: Certificate) -> str:
    return status_words(cert)


@bp.route("/certificates")
@login_required
def certificates_mine():
    user = g.lms_user
    held = issuance.certificates_of(user)
    current = {c.program for c in held if c.active_key}
    progress = [(p, check(user, p)) for slug, p in programs().items() if slug not in current]
    return render_template("lms/certificates/mine.html", held=held, progress=progress, programs=programs())


@bp.route("/certificates/programs/<slug>")
@login_required
def certificates_program(slug: str):
    program = programs().get(slug) or abort(404)
    user = g.lms_user
    return render_template("lms/certificates/program.html", program=program, result=check(user, program),
                           current=issuance.current_certificate(user.id, slug))


@bp.route("/certificates/<int:cert_id>")
@login_required
def certificates_detail(cert_id: int):
    cert = _visible_certificate(cert_id)
    events = db.execute(select(CertificateEvent, User).outerjoin(User, User.id == CertificateEvent.actor_id)
                        .where(CertificateEvent.certificate_id == cert.id)
                        .order_by(CertificateEvent.at, CertificateEvent.id)).all()
    return render_template("lms/certificates/detail.html", cert=cert, program=programs().get(cert.program),
                           holder=db.get(User, cert.user_id), events=events, code=format_code(cert.code),
                           verify=verify_url(cert.code), reissue_form=ReissueForm())


@bp.route("/certificates/<int:cert_id>/certificate.<any(pdf, json, jwt):kind>")
@login_required
def certificates_download(cert_id: int, kind: str):
    if kind == "pdf":
        will_write()  # the PDF is rendered and stored on first download
    cert = _visible_certificate(cert_id)
    if kind == "pdf":
        try:
            from lms.certificates.pdf import ensure_pdf
        except ImportError:
            abort(404)
        try:
            body = ensure_pdf(cert)
        except Exception:  # noqa: BLE001 - a rendering failure is reported, never a 500
            db.rollback()
            log.exception("rendering the PDF of certificate %s failed", cert.id)
            abort(503, "The PDF could not be made just now; please try again later.")
        db.commit()
    elif kind == "json":
        body = json.dumps(cert.credential_json, indent=2).encode() if cert.credential_json else None
    else:
        body = cert.credential_jwt.encode() if cert.credential_jwt else None
    if not body:
        abort(404)
    return Response(body, mimetype=DOWNLOADS[kind],
                    headers={"Content-Disposition": f'attachment; filename="{cert.number}.{kind}"'})


@bp.route("/certificates/code-of-ethics", methods=["GET", "POST"])
@login_required
def certificates_attest():
    code = programs().code_of_ethics or abort(404)
    form = AttestForm()
    user = g.lms_user
    if form.validate_on_submit():
        try:
            issuance.attest_code_of_ethics(user)
        except issuance.CertificateError as exc:
            flash(str(exc), "error")
        else:
            db.commit()
            flash("Thank you: your attestation to the code of ethics is recorded.", "success")
        return redirect(url_for("lms.certificates_mine"))
    return render_template("lms/certificates/attest.html", code=code, form=form,
                           attested=has_attested(user)), 400 if form.errors else 200


@bp.route("/certificates/approvals")
@roles_required("supervisor", "admin")
def certificates_approvals():
    return render_template("lms/certificates/approvals.html", pending=issuance.pending_approvals(g.lms_user),
                           form=ActionForm())


@bp.route("/certificates/approvals/<int:user_id>/<slug>", methods=["POST"])
@roles_required("supervisor", "admin")
def certificates_approve(user_id: int, slug: str):
    program = programs().get(slug)
    trainee = db.get(User, user_id)
    if program is None or trainee is None or not can_view_trainee(g.lms_user, trainee):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    try:
        cert = issuance.approve(g.lms_user, trainee, program)
    except issuance.CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lms.certificates_approvals"))
    db.commit()
    issuance.render_pdf_after_commit(cert)
    flash(f"{program.name} issued to {trainee.name} ({cert.number}).", "success")
    return redirect(url_for("lms.certificates_approvals"))


@bp.route("/certificates/issue", methods=["GET", "POST"])
@roles_required("admin")
def certificates_issue():
    form = IssueForm()
    form.program.choices = options((slug, p.name) for slug, p in programs().items())
    if form.validate_on_submit():
        holder = find_user_by_email(form.email.data)
        if holder is None:
            form.email.errors.append("No account has this e-mail address.")
        else:
            try:
                cert = issuance.issue_manually(g.lms_user, holder, programs()[form.program.data], form.reason.data)
            except issuance.CertificateError as exc:
                form.reason.errors.append(str(exc))
            else:
                db.commit()
                issuance.render_pdf_after_commit(cert)
                flash(f"Issued {cert.number} to {holder.name}.", "success")
                return redirect(url_for("lms.certificates_detail", cert_id=cert.id))
    return render_template("lms/certificates/issue.html", form=form), 400 if form.errors else 200


@bp.route("/certificates/<int:cert_id>/reissue", methods=["POST"])
@roles_required("admin")
def certificates_reissue(cert_id: int):
    old = db.get(Certificate, cert_id) or abort(404)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash("Give the reason for re-issuing.", "error")
        return redirect(url_for("lms.certificates_detail", cert_id=old.id))
    try:
        cert = issuance.reissue(g.lms_user, old, form.reason.data)
    except issuance.CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lms.certificates_detail", cert_id=old.id))
    db.commit()
    issuance.render_pdf_after_commit(cert)
    flash(f"Re-issued as {cert.number}; {old.number} is superseded.", "success")
    return redirect(url_for("lms.certificates_detail", cert_id=cert.id))
