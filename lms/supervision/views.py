"""Supervisor pages: competencies, ratings, observations, practice hours and their review, sign-off."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lms.accounts.forms import options
from lms.accounts.models import User
from lms.accounts.services import can_view_trainee
from lms.db import session as db
from lms.db import utcnow
from lms.supervision import services
from lms.supervision.forms import (
    CLIENT_DETAILS_WARNING,
    CRITERION_LABELS,
    KIND_LABELS,
    HoursForm,
    ObservationForm,
    RatingForm,
    ReviewForm,
    SignOffForm,
    WithdrawForm,
)
from lms.supervision.models import PracticeLog, SignOff
from lms.supervision.services import SupervisionError
from lms.web.access import roles_required
from lms.web.blueprint import bp

trainee_only = roles_required("trainee")
# Organization admins are supervisors with User.is_org_admin; can_view_trainee widens what they see.
supervisors = roles_required("supervisor", "admin")

SOURCE_LABELS = {"rating": "supervisor rating", "observation": "observed practice", "course": "course completed",
                 "assessment": "assessment"}
SIGN_OFF_STATEMENT = ("I attest that {name} has completed the supervised practice this program asks for under my "
                      "supervision and, in my professional judgement, demonstrates its competencies at the "
                      "proficient level or above.")


def _trainee_or_404(user_id: int) -> User:
    """A trainee the signed-in user may view; anyone else is 'not found', so ids leak nothing."""
    trainee = db.get(User, user_id)
    if trainee is None or trainee.role != "trainee" or not can_view_trainee(g.lms_user, trainee):
        abort(404)
    return trainee


def _programs() -> dict:
    # The certificate programs (slug -> Program with .name), once the certificates domain provides them.
    return getattr(current_app.extensions["lms"], "programs", None) or {}


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(db.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def _attach(form, exc: SupervisionError, fields: dict[str, str], default: str) -> None:
    """Show a service refusal beside the field it is about (matched by a word in the message)."""
    message = str(exc)
    name = next((f for word, f in fields.items() if word in message.lower()), default)
    form[name].errors = [*form[name].errors, message]


# Competencies --------------------------------------------------------------------------------

def _competencies_page(trainee: User, own: bool, failed: tuple[str, RatingForm] | None = None, status: int = 200):
    framework = services.framework()
    evidence = services.evidence_log(trainee)
    observations = services.observations_of(trainee)
    by_competency: dict[str, list] = {}
    for row in evidence:
        by_competency.setdefault(row.competency_id, []).append(row)
    groups: dict[str, list] = {}
    for competency in framework.competencies.values():
        groups.setdefault(competency.framework, []).append(competency)
    forms = {} if own else {cid: RatingForm(framework, prefix=cid, formdata=None) for cid in framework.competencies}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template(
        "lms/supervision/competencies.html", trainee=trainee, own=own, groups=groups,
        framework_names=framework.framework_names, ratings=services.current_ratings(trainee),
        by_competency=by_competency, observations=observations, forms=forms,
        levels={level.id: level.label for level in framework.scale.levels}, source_labels=SOURCE_LABELS,
        criteria=CRITERION_LABELS, courses=current_app.extensions["lms"].catalog.courses,
        totals=services.hour_totals(trainee), practice=framework.practice,
        names=_user_names([e.author_id for e in evidence] + [o.supervisor_id for o in observations]),
    ), status


@bp.route("/competencies")
@trainee_only
def supervision_competencies():
    return _competencies_page(g.lms_user, own=True)


@bp.route("/trainees/<int:user_id>/competencies")
@supervisors
def supervision_trainee_competencies(user_id: int):
    return _competencies_page(_trainee_or_404(user_id), own=False)


@bp.route("/trainees/<int:user_id>/competencies/<competency_id>/rate", methods=["POST"])
@supervisors
def supervision_rate(user_id: int, competency_id: str):
    trainee = _trainee_or_404(user_id)
    competency = services.framework().competencies.get(competency_id)
    if competency is None:
        abort(400, f"There is no competency '{competency_id[:64]}' in the framework; nothing was saved.")
    form = RatingForm(services.framework(), prefix=competency_id)
    if form.validate_on_submit():
        try:
            services.rate_competency(g.lms_user, trainee, competency_id, form.level.data, form.comment.data or "")
        except SupervisionError as exc:
            _attach(form, exc, {"level": "level"}, "comment")
        else:
            db.commit()
            flash(f"Rated {trainee.name} on {competency.name}.", "success")
            return redirect(url_for("lms.supervision_trainee_competencies", user_id=trainee.id,
                                    _anchor=f"c-{competency_id}"))
    return _competencies_page(trainee, own=False, failed=(competency_id, form), status=400)


@bp.route("/trainees/<int:user_id>/observations/new", methods=["GET", "POST"])
@supervisors
def supervision_observe(user_id: int):
    trainee = _trainee_or_404(user_id)
    form = ObservationForm(services.framework())
    status = 200
    if form.validate_on_submit():
        try:
            services.record_observation(g.lms_user, trainee, form.observed_on.data, form.scores(),
                                        form.comment.data or "")
        except SupervisionError as exc:
            _attach(form, exc, {"future": "observed_on"}, "comment")
        else:
            db.commit()
            flash(f"Observation of {trainee.name} recorded.", "success")
            return redirect(url_for("lms.supervision_trainee_competencies", user_id=trainee.id, _anchor="observations"))
    if form.is_submitted():
        status = 400
    return render_template("lms/supervision/observe.html", trainee=trainee, form=form), status


# Practice hours ------------------------------------------------------------------------------

_HOURS_FIELDS = {"hours": "hours", "future": "worked_on", "client": "activity", "domain": "domain",
                 "kind": "kind", "activity": "activity"}


def _hours_form_values(form: HoursForm) -> tuple:
    return (form.worked_on.data, form.hours.data, form.kind.data, form.domain.data, form.activity.data or "",
            form.reflection.data or "")


@bp.route("/hours", methods=["GET", "POST"])
@trainee_only
def supervision_hours():
    trainee = g.lms_user
    framework = services.framework()
    form = HoursForm(framework)
    if form.validate_on_submit():
        try:
            services.log_hours(trainee, *_hours_form_values(form))
        except SupervisionError as exc:
            _attach(form, exc, _HOURS_FIELDS, "activity")
        else:
            db.commit()
            flash(f"{form.hours.data:g} hours logged and sent to your supervisor for review.", "success")
            return redirect(url_for("lms.supervision_hours"))
    return render_template(
        "lms/supervision/hours.html", form=form, logs=services.logs_of(trainee), totals=services.hour_totals(trainee),
        practice=framework.practice, domains=framework.domains, domain_names=framework.domain_names,
        kinds=KIND_LABELS, warning=CLIENT_DETAILS_WARNING,
    ), 400 if form.is_submitted() else 200


@bp.route("/hours/<int:log_id>/edit", methods=["GET", "POST"])
@trainee_only
def supervision_resubmit_hours(log_id: int):
    log = db.get(PracticeLog, log_id)
    if log is None or log.trainee_id != g.lms_user.id:
        abort(404)
    if log.status != "returned":
        flash("Only hours returned for correction can be changed.", "error")
        return redirect(url_for("lms.supervision_hours"))
    form = HoursForm(services.framework(), obj=log)
    if form.validate_on_submit():
        try:
            services.resubmit_hours(g.lms_user, log, *_hours_form_values(form))
        except SupervisionError as exc:
            db.rollback()  # nothing of the correction stays in the session
            _attach(form, exc, _HOURS_FIELDS, "activity")
        else:
            db.commit()
            flash("Corrected hours sent for review again.", "success")
            return redirect(url_for("lms.supervision_hours"))
    return render_template("lms/supervision/hours_edit.html", form=form, log=log, warning=CLIENT_DETAILS_WARNING,
                           ), 400 if form.is_submitted() else 200


def _queue_page(failed: tuple[int, ReviewForm] | None = None, status: int = 200):
    pending = services.pending_hours_for(g.lms_user)
    forms = {log.id: ReviewForm(prefix=f"r{log.id}", formdata=None) for log, _ in pending}
    if failed:
        forms[failed[0]] = failed[1]
    # The failed form's errors also go in a summary at the top: the log may no longer be listed
    # (already reviewed, or the reviewer's own).
    return render_template("lms/supervision/hours_queue.html", pending=pending, forms=forms, kinds=KIND_LABELS,
                           domain_names=services.framework().domain_names, failed=failed[1] if failed else None,
                           ), status


@bp.route("/supervision/hours")
@supervisors
def supervision_hours_queue():
    return _queue_page()


@bp.route("/supervision/hours/<int:log_id>/review", methods=["POST"])
@supervisors
def supervision_review_hours(log_id: int):
    log = db.get(PracticeLog, log_id) or abort(404)
    trainee = db.get(User, log.trainee_id)
    if not can_view_trainee(g.lms_user, trainee):
        abort(404)
    form = ReviewForm(prefix=f"r{log.id}")
    if form.validate_on_submit():
        try:
            services.review_hours(g.lms_user, log, form.decision.data == "approve", form.comment.data or "")
        except SupervisionError as exc:
            db.rollback()
            _attach(form, exc, {}, "comment")
        else:
            db.commit()
            flash(f"{log.hours:g} hours of {trainee.name} {'approved' if log.status == 'approved' else 'returned'}.",
                  "success")
            return redirect(url_for("lms.supervision_hours_queue"))
    return _queue_page(failed=(log_id, form), status=400)


# Sign-off ------------------------------------------------------------------------------------

def _sign_off_page(trainee: User, form: SignOffForm, failed: tuple[int, WithdrawForm] | None = None,
                   status: int = 200):
    rows = services.sign_offs_of(trainee)
    withdraw = {row.id: WithdrawForm(prefix=f"w{row.id}", formdata=None) for row in rows if not row.withdrawn_at}
    if failed:
        withdraw[failed[0]] = failed[1]
    programs = _programs()
    return render_template("lms/supervision/sign_off.html", trainee=trainee, form=form, rows=rows,
                           withdraw=withdraw, programs=programs, today=utcnow().date(),
                           failed=failed[1] if failed else None,
                           names=_user_names(r.supervisor_id for r in rows)), status


def _sign_off_form(trainee: User, prefill: bool) -> SignOffForm:
    form = SignOffForm()
    form.program.choices = options((slug, program.name) for slug, program in _programs().items())
    if prefill:  # only when not posted: an empty statement sent by the supervisor must stay empty
        form.statement.data = SIGN_OFF_STATEMENT.format(name=trainee.name)
    return form


@bp.route("/trainees/<int:user_id>/sign-off", methods=["GET", "POST"])
@supervisors
def supervision_sign_off(user_id: int):
    trainee = _trainee_or_404(user_id)
    form = _sign_off_form(trainee, prefill=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.sign_off(g.lms_user, trainee, form.program.data, form.statement.data)
        except SupervisionError as exc:
            _attach(form, exc, {"statement": "statement"}, "program")
        else:
            db.commit()
            flash(f"{trainee.name} signed off for {_programs()[form.program.data].name}.", "success")
            return redirect(url_for("lms.supervision_sign_off", user_id=trainee.id))
    return _sign_off_page(trainee, form, status=400 if form.is_submitted() else 200)


@bp.route("/sign-offs/<int:sign_off_id>/withdraw", methods=["POST"])
@supervisors
def supervision_withdraw_sign_off(sign_off_id: int):
    row = db.get(SignOff, sign_off_id) or abort(404)
    trainee = _trainee_or_404(row.trainee_id)
    form = WithdrawForm(prefix=f"w{row.id}")
    if form.validate_on_submit():
        try:
            services.withdraw_sign_off(g.lms_user, row, form.reason.data)
        except SupervisionError as exc:
            db.rollback()
            _attach(form, exc, {}, "reason")
        else:
            db.commit()
            flash("Sign-off withdrawn.", "success")
            return redirect(url_for("lms.supervision_sign_off", user_id=trainee.id))
    return _sign_off_page(trainee, _sign_off_form(trainee, prefill=True), failed=(row.id, form), status=400)
