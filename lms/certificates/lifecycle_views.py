"""Lifecycle pages: the certificate register for admins and the board (filters, detail, audit log,
suspend/reinstate/revoke), continuing education and renewal for holders, and the CE review queue."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from werkzeug.routing import BuildError

from lms.accounts.forms import ActionForm
from lms.accounts.models import User
from lms.accounts.services import can_view_trainee
from lms.certificates import continuing_ed, lifecycle
from lms.certificates.issuance import CertificateError
from lms.certificates.lifecycle_forms import CEReviewForm, ContinuingEducationForm, StatusForm
from lms.certificates.models import CERTIFICATE_STATUSES, Certificate, ContinuingEducation
from lms.db import session as db
from lms.db import utcnow
from lms.web.access import login_required, roles_required
from lms.web.blueprint import bp
from lms.web.pagination import paginate

registrars = roles_required("admin", "board")
reviewers = roles_required("supervisor", "admin")
STATUS_FILTERS = {"current": "Current (not superseded)", "active": "Active", "expiring": "Expiring soon",
                  "expired": "Expired", "suspended": "Suspended", "revoked": "Revoked",
                  "superseded": "Superseded", "all": "All"}
ACTIONS = {"suspend": (lifecycle.suspend, "Suspend"), "reinstate": (lifecycle.reinstate, "Reinstate"),
           "revoke": (lifecycle.revoke, "Revoke")}


def _programs() -> dict:
    return getattr(current_app.extensions["lms"], "programs", None) or {}


def _filtered(program: str, status: str, q: str):
    now = utcnow()
    query = (select(Certificate).join(User, User.id == Certificate.user_id)
             .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    if program:
        query = query.where(Certificate.program == program)
    live = Certificate.valid_until.is_(None) | (Certificate.valid_until > now)
    conditions = {
        "current": Certificate.status != "superseded",
        "active": (Certificate.status == "active") & live,
        "expiring": (Certificate.status == "active") & (Certificate.valid_until > now)
        & (Certificate.valid_until <= now + timedelta(days=lifecycle.EXPIRING_DAYS)),
        "expired": (Certificate.status == "active") & (Certificate.valid_until <= now),
    }
    if status in conditions:
        query = query.where(conditions[status])
    elif status in CERTIFICATE_STATUSES:
        query = query.where(Certificate.status == status)
    if q:
        code = re.sub(r"[\s-]", "", q).upper()
        query = query.where(or_(func.lower(User.name).like(f"%{q.lower()}%"), Certificate.code == code,
                                Certificate.number == q.upper()))
    return query


@bp.route("/admin/certificates")
@registrars
def certificates_admin_list():
    program = request.args.get("program", "")
    status = request.args.get("status", "current")
    status = status if status in STATUS_FILTERS else "current"
    q = request.args.get("q", "").strip()[:200]
    page = paginate(_filtered(program, status, q), request.args.get("page", 1, type=int))
    holders = dict(db.execute(select(User.id, User.name).where(User.id.in_({c.user_id for c in page.items}))).all())
    return render_template("lms/certificates/admin_certificates.html", page=page, holders=holders, q=q,
                           program=program, status=status, statuses=STATUS_FILTERS, programs=_programs(),
                           label=lifecycle.expiry_status, now=utcnow())


def _verify_url(cert: Certificate) -> str | None:
    try:  # the verify page belongs to another module; link to it once it exists
        return url_for("lms.certificates_verify_code", code=cert.code)
    except BuildError:
        return None


def _detail(cert: Certificate, forms: dict | None = None, status: int = 200, error: str = ""):
    forms = forms or {}
    allowed = [name for name, (_, allowed_from) in lifecycle.TRANSITIONS.items() if cert.status in allowed_from]
    events = lifecycle.events(cert)
    names = dict(db.execute(select(User.id, User.name).where(
        User.id.in_({e.actor_id for e in events if e.actor_id}))).all())
    successor = db.scalar(select(Certificate).where(Certificate.replaces_id == cert.id))
    return render_template(
        "lms/certificates/admin_certificate.html", cert=cert, holder=db.get(User, cert.user_id),
        status_label=lifecycle.expiry_status(cert), program=_programs().get(cert.program), events=events,
        names=names, successor=successor, predecessor=db.get(Certificate, cert.replaces_id) if cert.replaces_id
        else None, forms={a: forms.get(a) or StatusForm(prefix=a, formdata=None) for a in allowed},
        labels={a: ACTIONS[a][1] for a in allowed}, verify_url=_verify_url(cert), error=error), status


@bp.route("/admin/certificates/<int:cert_id>")
@registrars
def certificates_admin_detail(cert_id: int):
    return _detail(db.get(Certificate, cert_id) or abort(404))


@bp.route("/admin/certificates/<int:cert_id>/<action>", methods=["POST"])
@registrars
def certificates_admin_change_status(cert_id: int, action: str):
    cert = db.get(Certificate, cert_id) or abort(404)
    if action not in ACTIONS:
        abort(404)
    form = StatusForm(prefix=action)
    error = ""
    if form.validate_on_submit():
        try:
            ACTIONS[action][0](cert, g.lms_user, form.reason.data)
        except CertificateError as exc:
            db.rollback()
            error = str(exc)  # shown above the forms: the refused action may have no form any more
        else:
            db.commit()
            flash(f"Certificate {cert.number} is now {cert.status}.", "success")
            return redirect(url_for("lms.certificates_admin_detail", cert_id=cert.id))
    return _detail(db.get(Certificate, cert_id), {action: form}, status=400, error=error)


# Continuing education and renewal (holders) ---------------------------------------------------

def _ce_page(form: ContinuingEducationForm, status: int = 200):
    user = g.lms_user
    certs = lifecycle.certificates_for([user.id])[user.id]
    programs = _programs()
    renewals = [(cert, programs.get(cert.program), lifecycle.renewal_check(user, programs.get(cert.program), cert))
                for cert in certs if cert.valid_until is not None and cert.status == "active"]
    return render_template("lms/certificates/continuing_education.html", form=form, renewals=renewals,
                           entries=continuing_ed.entries_of(user.id), totals=continuing_ed.totals(user.id),
                           certs=certs, label=lifecycle.expiry_status), status


@bp.route("/continuing-education", methods=["GET", "POST"])
@login_required
def certificates_continuing_education():
    form = ContinuingEducationForm()
    if not form.validate_on_submit():
        return _ce_page(form, 400 if request.method == "POST" else 200)
    try:
        continuing_ed.record(g.lms_user, form.title.data, form.completed_on.data, form.hours.data,
                             ethics=form.ethics.data, provider=form.provider.data or "")
    except CertificateError as exc:
        db.rollback()
        target = form.completed_on if "day" in str(exc) else form.hours if "hours" in str(exc).lower() else form.title
        target.errors = [*target.errors, str(exc)]
        return _ce_page(form, 400)
    db.commit()
    flash("Hours recorded. They count toward renewal once your supervisor approves them.", "success")
    return redirect(url_for("lms.certificates_continuing_education"))


@bp.route("/continuing-education/renew/<int:cert_id>", methods=["POST"])
@login_required
def certificates_renew(cert_id: int):
    cert = db.get(Certificate, cert_id)
    if cert is None or cert.user_id != g.lms_user.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    try:
        new = lifecycle.renew(cert, actor=g.lms_user)
    except CertificateError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("lms.certificates_continuing_education"))
    db.commit()
    until = f"{new.valid_until:%d %B %Y}" if new.valid_until else "no expiry"
    flash(f"Renewed: certificate {new.number}, valid until {until}.", "success")
    return redirect(url_for("lms.certificates_continuing_education"))


# Supervisor review ----------------------------------------------------------------------------

def _queue_page(failed: tuple[int, CEReviewForm] | None = None, status: int = 200):
    pending = continuing_ed.review_queue(g.lms_user)
    forms = {entry.id: CEReviewForm(prefix=f"ce{entry.id}", formdata=None) for entry, _ in pending}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template("lms/certificates/ce_review.html", pending=pending, forms=forms), status


@bp.route("/supervision/continuing-education")
@reviewers
def certificates_ce_queue():
    return _queue_page()


@bp.route("/supervision/continuing-education/<int:entry_id>/review", methods=["POST"])
@reviewers
def certificates_ce_review(entry_id: int):
    entry = db.get(ContinuingEducation, entry_id)
    holder = db.get(User, entry.user_id) if entry else None
    if holder is None or holder.id == g.lms_user.id or not _may_review(holder):
        abort(404)  # someone else's people: not found, so ids leak nothing
    form = CEReviewForm(prefix=f"ce{entry.id}")
    if form.validate_on_submit():
        try:
            continuing_ed.review(g.lms_user, entry, form.decision.data == "approve", form.comment.data or "")
        except CertificateError as exc:
            db.rollback()
            form.comment.errors = [*form.comment.errors, str(exc)]
        else:
            db.commit()
            flash(f"{'Approved' if entry.status == 'approved' else 'Returned'}: {entry.hours:g} h of {holder.name}.",
                  "success")
            return redirect(url_for("lms.certificates_ce_queue"))
    return _queue_page((entry.id, form), status=400)


def _may_review(holder: User) -> bool:
    return can_view_trainee(g.lms_user, holder)
