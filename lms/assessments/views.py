"""Assessment pages: introduction and attempts, the runner (one step per page, no JavaScript
needed), the result page, and extra time for a trainee."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.accounts.forms import ActionForm
from lms.accounts.models import User
from lms.assessments import services
from lms.assessments.definitions import Decision, End, Narrative, Scenario
from lms.assessments.forms import TimeExtensionForm
from lms.assessments.models import Attempt
from lms.assessments.reports import build_report, report_csv_rows
from lms.db import session as db
from lms.db import utcnow
from lms.learning import services as learning
from lms.web.access import login_required, roles_required
from lms.web.blueprint import bp


def _assessment_or_404(slug: str):
    return services.find(slug) or abort(404)


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != g.lms_user.id:
        abort(404)  # someone else's attempt: not even its existence is shown
    return attempt


@bp.route("/assessments/<slug>")
@login_required
def assessments_intro(slug: str):
    assessment = _assessment_or_404(slug)
    attempts = services.attempts_of(g.lms_user, slug)
    return render_template("lms/assessments/intro.html", assessment=assessment, attempts=attempts,
                           is_scenario=isinstance(assessment, Scenario),
                           open_attempt=next((a for a in attempts if a.finished_at is None), None),
                           blocked=services.why_not_start(g.lms_user, assessment),
                           extra=services.extra_minutes(g.lms_user, slug),
                           counted=services.counted_attempt(g.lms_user, assessment),
                           course=learning.catalog().course(assessment.course), form=ActionForm())


@bp.route("/assessments/<slug>/start", methods=["POST"])
@login_required
def assessments_start(slug: str):
    assessment = _assessment_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(g.lms_user, assessment)
    except services.AssessmentError as exc:
        db.commit()  # an expired open attempt may have been scored on the way
        flash(str(exc), "error")
        return redirect(url_for("lms.assessments_intro", slug=slug))
    db.commit()
    return redirect(url_for("lms.assessments_attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def assessments_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    assessment = _assessment_or_404(attempt.assessment_slug)
    if attempt.finished_at is None and attempt.deadline_at and utcnow() > attempt.deadline_at:
        services.finish(attempt, assessment)
        db.commit()
    if attempt.finished_at is not None:
        return redirect(url_for("lms.assessments_result", attempt_id=attempt.id))
    if isinstance(assessment, Scenario):
        return _render_scenario(attempt, assessment)
    return _render_final(attempt, assessment)


def _render_scenario(attempt: Attempt, scenario: Scenario, error: str | None = None, status: int = 200):
    node = scenario.node(attempt.current_node)
    last = attempt.steps[-1] if attempt.steps else None
    last_node = scenario.node(last.node_id) if last else None
    last_option = last_node.option(last.response) if isinstance(last_node, Decision) else None
    decisions_done = len(attempt.steps)
    return render_template("lms/assessments/scenario_step.html", attempt=attempt, scenario=scenario, node=node,
                           is_decision=isinstance(node, Decision), is_narrative=isinstance(node, Narrative),
                           last_option=last_option, last_node=last_node,
                           show_feedback=scenario.settings.feedback == "immediate",
                           decisions_done=decisions_done, error=error, form=ActionForm()), status


def _render_final(attempt: Attempt, check, errors: dict | None = None, status: int = 200):
    import random

    from lms.assessments.questions import QUESTION_TYPES

    bank = services.catalog().bank_for(check.course)
    rng = random.Random(attempt.seed)  # the same shuffle every time this attempt is shown
    questions = []
    for item_id in attempt.items:
        item = bank.item(item_id)
        questions.append((item, QUESTION_TYPES[item.type].present(item, rng)))
    return render_template("lms/assessments/final_check.html", attempt=attempt, check=check, questions=questions,
                           errors=errors or {}, form=ActionForm()), status


@bp.route("/attempts/<int:attempt_id>/decide", methods=["POST"])
@login_required
def assessments_decide(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    scenario = _assessment_or_404(attempt.assessment_slug)
    if not isinstance(scenario, Scenario) or not ActionForm().validate_on_submit():
        abort(400)
    node_id, option_id = request.form.get("node", ""), request.form.get("option", "")
    if not option_id:
        return _render_scenario(attempt, scenario, error="Choose one of the options.", status=400)
    try:
        services.record_decision(attempt, scenario, node_id, option_id)
    except services.AssessmentError as exc:
        db.commit()  # a time-out may have finished the attempt
        flash(str(exc), "error")
        return redirect(url_for("lms.assessments_attempt", attempt_id=attempt.id))
    db.commit()
    return redirect(url_for("lms.assessments_attempt", attempt_id=attempt.id, _anchor="feedback"))


@bp.route("/attempts/<int:attempt_id>/continue", methods=["POST"])
@login_required
def assessments_continue(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    scenario = _assessment_or_404(attempt.assessment_slug)
    if not isinstance(scenario, Scenario) or not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.continue_narrative(attempt, scenario, request.form.get("node", ""))
    except services.AssessmentError as exc:
        flash(str(exc), "error")
    db.commit()
    return redirect(url_for("lms.assessments_attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def assessments_submit(attempt_id: int):
    from lms.assessments.questions import QUESTION_TYPES

    attempt = _own_attempt(attempt_id)
    check = _assessment_or_404(attempt.assessment_slug)
    if isinstance(check, Scenario) or not ActionForm().validate_on_submit():
        abort(400)
    bank = services.catalog().bank_for(check.course)
    answers, errors = {}, {}
    for item_id in attempt.items:
        item = bank.item(item_id)
        prefix = f"q-{item_id}-"
        values = MultiDict([(key[len(prefix):], value) for key in request.form if key.startswith(prefix)
                            for value in request.form.getlist(key)])
        if not any(v.strip() for v in values.values()):
            continue  # unanswered: scores zero
        try:
            answers[item_id] = QUESTION_TYPES[item.type].parse_response(item, values)
        except ValueError as exc:
            errors[item_id] = str(exc)
    if errors:
        return _render_final(attempt, check, errors=errors, status=400)
    try:
        services.submit_final(attempt, check, answers)
    except services.AssessmentError as exc:
        flash(str(exc), "error")
    db.commit()
    return redirect(url_for("lms.assessments_result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def assessments_result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    assessment = _assessment_or_404(attempt.assessment_slug)
    if attempt.finished_at is None:
        return redirect(url_for("lms.assessments_attempt", attempt_id=attempt.id))
    content = learning.catalog()
    review = []
    if not attempt.passed:
        for course_slug, lesson_slug in getattr(assessment, "review", ()):
            course = content.course(course_slug)
            lesson = course.lesson(lesson_slug) if course else None
            if lesson:
                review.append((course, lesson))
    path = []
    if isinstance(assessment, Scenario):
        for step in attempt.steps:
            node = assessment.node(step.node_id)
            path.append((node, node.option(step.response) if isinstance(node, Decision) else None, step))
        end = assessment.node(attempt.current_node)
        end = end if isinstance(end, End) else None
    else:
        bank = services.catalog().bank_for(assessment.course)
        path = [(bank.item(step.node_id), None, step) for step in attempt.steps]
        end = None
    return render_template("lms/assessments/result.html", attempt=attempt, assessment=assessment, path=path, end=end,
                           is_scenario=isinstance(assessment, Scenario), review=review,
                           competencies=content.framework.competencies)


@bp.route("/assessments/<slug>/analysis")
@roles_required("admin", "supervisor")
def assessments_analysis(slug: str):
    assessment = _assessment_or_404(slug)
    report = build_report(assessment)
    if request.args.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in report_csv_rows(assessment, report):
            writer.writerow([_csv_safe(cell) for cell in row])
        return Response(buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{slug}-item-analysis.csv"'})
    return render_template("lms/assessments/analysis.html", assessment=assessment, report=report,
                           is_scenario=isinstance(assessment, Scenario))


def _csv_safe(cell):
    # Spreadsheet formula injection: text starting with = + - @ is shown as text.
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else cell


@bp.route("/admin/time-extensions", methods=["GET", "POST"])
@roles_required("admin")
def assessments_time_extensions():
    from lms.accounts.services import find_user_by_email
    from lms.assessments.models import TimeExtension

    form = TimeExtensionForm()
    if form.validate_on_submit():
        trainee = find_user_by_email(form.email.data)
        if trainee is None:
            form.email.errors.append("No account has this e-mail address.")
        else:
            try:
                services.grant_extension(trainee, form.assessment.data.strip() or "*", form.minutes.data,
                                         g.lms_user, form.reason.data)
            except services.AssessmentError as exc:
                form.assessment.errors.append(str(exc))
            else:
                db.commit()
                flash(f"{trainee.name} now has {form.minutes.data} extra minutes.", "success")
                return redirect(url_for("lms.assessments_time_extensions"))
    rows = db.execute(select(TimeExtension, User).join(User, User.id == TimeExtension.user_id)
                      .order_by(TimeExtension.created_at.desc())).all()
    return render_template("lms/assessments/time_extensions.html", form=form, rows=rows,
                           slugs=sorted([*services.catalog().scenarios, *services.catalog().final_checks]))
