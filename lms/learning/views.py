"""Catalog, course and lesson pages, knowledge checks, completion and "My learning"."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from lms.accounts.forms import ActionForm
from lms.accounts.models import User
from lms.accounts.services import can_view_trainee
from lms.db import session as db
from lms.db import will_write
from lms.learning import activities, services
from lms.learning.forms import (
    activity_answers,
    activity_form,
    activity_prefill,
    check_form,
    field_for,
    page_served_at,
    page_token,
)
from lms.privacy import CLIENT_DETAILS_WARNING
from lms.web.access import login_required, public
from lms.web.blueprint import bp


def _course_or_404(slug: str):
    return services.catalog().course(slug) or abort(404)


def _lesson_or_404(course, lesson_slug: str):
    return course.lesson(lesson_slug) or abort(404)


@bp.route("/")
@public
def learning_home():
    if g.lms_user is None:
        return redirect(url_for("lms.learning_catalog"))
    return redirect(url_for("lms.learning_my"))


@bp.route("/courses")
@public
def learning_catalog():
    courses = list(services.catalog().courses.values())
    progress = {p.course.slug: p for p in services.learner_summary(g.lms_user)} if g.lms_user else {}
    titles = {course.slug: course.title for course in courses}
    return render_template("lms/learning/catalog.html", courses=courses, progress=progress, titles=titles)


@bp.route("/courses/<slug>")
@public
def learning_course(slug: str):
    course = _course_or_404(slug)
    progress = services.course_progress(g.lms_user, course) if g.lms_user else None
    missing = services.missing_prerequisites(g.lms_user, course) if g.lms_user else []
    return render_template("lms/learning/course.html", course=course, progress=progress, missing=missing,
                           framework=services.catalog().framework, form=ActionForm(),
                           assessments=_course_assessments(course))


def _course_assessments(course) -> list[tuple]:
    """The course's scenarios and final check, each with the attempt that counts for this user."""
    from lms.assessments import services as assessing

    catalog = assessing.catalog()
    items = list(catalog.scenarios_for(course.slug))
    final = catalog.final_check_for(course.slug)
    if final:
        items.append(final)
    user = g.lms_user
    if user is None:
        return [(a, None) for a in items]
    attempts = assessing.attempts_in_course(user, course.slug)  # one query for every assessment listed
    return [(a, assessing.counted_attempt(user, a, attempts)) for a in items]


@bp.route("/courses/<slug>/enroll", methods=["POST"])
@login_required
def learning_enroll(slug: str):
    course = _course_or_404(slug)
    if ActionForm().validate_on_submit():
        try:
            enrollment = services.enroll(g.lms_user, course)
        except services.LearningError as exc:
            flash(str(exc), "error")
            return redirect(url_for("lms.learning_course", slug=slug))
        db.commit()
        first = course.lessons[0]
        return redirect(url_for("lms.learning_lesson", slug=slug,
                                lesson_slug=enrollment.last_lesson_slug or first.slug))
    return redirect(url_for("lms.learning_course", slug=slug))


@bp.route("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def learning_lesson(slug: str, lesson_slug: str):
    will_write()  # opening a lesson records progress and a statement
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    enrollment = services.find_enrollment(g.lms_user, slug)
    if enrollment is None:
        flash("Enroll in the course to open its lessons.", "info")
        return redirect(url_for("lms.learning_course", slug=slug))
    row = services.open_lesson(enrollment, course, lesson)
    db.commit()
    return _render_lesson(course, lesson, enrollment, row)


def _render_lesson(course, lesson, enrollment, row, forms=None, activity_forms=None, status=200):
    answers = services.latest_answers(enrollment, lesson.slug)
    forms = forms or {}
    for check in lesson.checks:
        if check.id not in forms:
            forms[check.id] = check_form(check, formdata=None,
                                         option=_prefill(check, answers.get(check.id)))
    responses = services.submitted_activities(enrollment, lesson.slug) if lesson.activities else {}
    activity_forms = activity_forms or {}
    token = page_token(enrollment.id, lesson.slug)  # times each activity from this page to its submission
    for activity in lesson.activities:
        if activity.id not in activity_forms:
            saved = responses.get(activity.id)
            activity_forms[activity.id] = activity_form(activity, formdata=None, opened=token,
                                                        **activity_prefill(activity, saved.answers if saved else None))
    prev_lesson, next_lesson = course.neighbours(lesson.slug)
    progress = services.course_progress(g.lms_user, course)
    return render_template("lms/learning/lesson.html", course=course, lesson=lesson, answers=answers,
                           forms=forms, row=row, prev_lesson=prev_lesson, next_lesson=next_lesson,
                           progress=progress, complete_form=ActionForm(), responses=responses,
                           activity_forms=activity_forms, client_warning=CLIENT_DETAILS_WARNING,
                           competencies=services.catalog().framework.competencies), status


def _prefill(check, answer):
    if answer is None:
        return None
    return answer.selected[0] if check.type == "single" else answer.selected


@bp.route("/courses/<slug>/lessons/<lesson_slug>/checks/<check_id>", methods=["POST"])
@login_required
def learning_answer_check(slug: str, lesson_slug: str, check_id: str):
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    check = lesson.check(check_id) or abort(404)
    enrollment = services.find_enrollment(g.lms_user, slug) or abort(403)
    form = check_form(check)
    if form.validate_on_submit():
        selected = form.option.data if isinstance(form.option.data, list) else [form.option.data]
        try:
            services.answer_check(enrollment, course, lesson, check, selected)
        except services.LearningError as exc:
            form.option.errors = [str(exc)]
        else:
            db.commit()
            return redirect(url_for("lms.learning_lesson", slug=slug, lesson_slug=lesson_slug,
                                    _anchor=f"check-{check.id}-result"))
    row = services.progress_rows(enrollment).get(lesson.slug)
    return _render_lesson(course, lesson, enrollment, row, forms={check.id: form}, status=400)


@bp.route("/courses/<slug>/lessons/<lesson_slug>/activities/<activity_id>", methods=["POST"])
@login_required
def learning_submit_activity(slug: str, lesson_slug: str, activity_id: str):
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    activity = lesson.activity(activity_id) or abort(404)
    enrollment = services.find_enrollment(g.lms_user, slug) or abort(403)
    form = activity_form(activity)
    if form.validate_on_submit():
        opened = page_served_at(form.opened.data, enrollment.id, lesson.slug)
        try:
            activities.submit_activity(enrollment, course, lesson, activity, activity_answers(activity, form), opened)
        except activities.ActivityError as exc:
            getattr(form, field_for(activity, exc.field)).errors = [str(exc)]
        else:
            db.commit()
            flash(f"Saved: {activity.title}.", "success")
            return redirect(url_for("lms.learning_lesson", slug=slug, lesson_slug=lesson_slug,
                                    _anchor=f"activity-{activity.id}"))
    row = services.progress_rows(enrollment).get(lesson.slug)
    return _render_lesson(course, lesson, enrollment, row, activity_forms={activity.id: form}, status=400)


@bp.route("/courses/<slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@login_required
def learning_complete_lesson(slug: str, lesson_slug: str):
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    enrollment = services.find_enrollment(g.lms_user, slug) or abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    was_complete = enrollment.completed_at is not None
    try:
        services.complete_lesson(enrollment, course, lesson)
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lms.learning_lesson", slug=slug, lesson_slug=lesson_slug, _anchor="complete"))
    db.commit()
    if not was_complete and enrollment.completed_at:
        flash(f"You completed {course.title}. Well done.", "success")
        return redirect(url_for("lms.learning_course", slug=slug))
    _, next_lesson = course.neighbours(lesson.slug)
    flash(f"Lesson complete: {lesson.title}.", "success")
    target = next_lesson.slug if next_lesson else lesson.slug
    return redirect(url_for("lms.learning_lesson", slug=slug, lesson_slug=target))


@bp.route("/my-learning")
@login_required
def learning_my():
    return _render_learner(g.lms_user, own=True)


@bp.route("/trainees/<int:user_id>/learning")
@login_required
def learning_trainee(user_id: int):
    trainee = db.get(User, user_id) or abort(404)
    if not can_view_trainee(g.lms_user, trainee):
        abort(403)
    return _render_learner(trainee, own=trainee.id == g.lms_user.id)


def _render_learner(user: User, own: bool):
    summary = services.learner_summary(user)
    framework = services.catalog().framework
    return render_template("lms/learning/my_learning.html", learner=user, own=own, summary=summary,
                           in_progress=[p for p in summary if not p.enrollment.completed_at],
                           completed=[p for p in summary if p.enrollment.completed_at],
                           hours=services.hours_by_domain(summary), domains=framework.domains)
