"""Supervision reports: the cohort table (for CSV) in a fixed number of queries, and the PDF transcript."""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import weasyprint
from flask import current_app, render_template
from sqlalchemy import Select, false, func, or_, select
from weasyprint.text.fonts import FontConfiguration

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.accounts.services import supervisors_of
from lms.assessments import services as assessments
from lms.assessments.models import Attempt
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import Enrollment, LessonProgress
from lms.supervision.models import PracticeLog, SignOff
from lms.supervision.services import current_ratings_for, framework
from lms.web.spreadsheet import FORMULA_STARTS, csv_safe, to_csv  # noqa: F401  (moved; still used from here)

FIXED_COLUMNS = ("name", "email", "organization", "supervisors", "courses_completed", "courses_total",
                 "lessons_completed", "last_activity", "assessments_passed")
HOUR_COLUMNS = ("approved_practice_hours", "approved_supervision_hours", "pending_hours", "active_sign_offs")
SOURCE_WORDS = {"rating": "Supervisor rating", "observation": "Observed practice", "assessment": "Assessment",
                "course": "Course completion"}


def _catalog():
    return current_app.extensions["lms"].catalog


# Cohort --------------------------------------------------------------------------------------

def cohort_scope(viewer: User, org: Organization | None = None) -> Select:
    """Ids of the trainees `viewer` may see, as a subquery; the set form of can_view_trainee."""
    query = select(User.id).where(User.role == "trainee")
    if viewer.role == "supervisor":
        seen = User.id.in_(select(SupervisorAssignment.trainee_id)
                           .where(SupervisorAssignment.supervisor_id == viewer.id))
        if viewer.is_org_admin and viewer.organization_id:
            seen = or_(seen, User.organization_id == viewer.organization_id)
        query = query.where(seen)
    elif viewer.role != "admin":
        query = query.where(false())
    if org is not None:
        query = query.where(User.organization_id == org.id)
    return query


def cohort_table(viewer: User, org: Organization | None = None) -> tuple[list[str], list[list]]:
    """Header and one row per visible trainee. Every query is set-based over the scope, so the
    number of queries does not grow with the cohort."""
    scope = cohort_scope(viewer, org)
    trainees = list(db.scalars(select(User).where(User.id.in_(scope)).order_by(User.name, User.id)))
    ids = [t.id for t in trainees]
    catalog, fw = _catalog(), framework()
    activity: dict[int, list[datetime]] = defaultdict(list)

    supervisors: dict[int, list[str]] = defaultdict(list)
    for trainee_id, name in db.execute(
            select(SupervisorAssignment.trainee_id, User.name)
            .join(User, User.id == SupervisorAssignment.supervisor_id)
            .where(SupervisorAssignment.trainee_id.in_(scope)).order_by(User.name)):
        supervisors[trainee_id].append(name)

    courses_done: dict[int, int] = defaultdict(int)
    for user_id, slug, completed_at, last_at in db.execute(
            select(Enrollment.user_id, Enrollment.course_slug, Enrollment.completed_at, Enrollment.last_activity_at)
            .where(Enrollment.user_id.in_(scope))):
        courses_done[user_id] += bool(completed_at and slug in catalog.courses)
        activity[user_id].append(last_at)

    lessons_done = dict(db.execute(
        select(Enrollment.user_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.enrollment_id == Enrollment.id)
        .where(Enrollment.user_id.in_(scope), LessonProgress.completed_at.is_not(None))
        .group_by(Enrollment.user_id)).all())

    attempts = _attempt_rows(scope)
    passed: dict[int, int] = defaultdict(int)
    for (user_id, _slug), rows in attempts.items():
        activity[user_id].extend(a.finished_at or a.started_at for a in rows)
        result = _result(rows)
        passed[user_id] += bool(result and result.passed)

    hours: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for trainee_id, kind, status, total, last_at in db.execute(
            select(PracticeLog.trainee_id, PracticeLog.kind, PracticeLog.status, func.sum(PracticeLog.hours),
                   func.max(PracticeLog.created_at))
            .where(PracticeLog.trainee_id.in_(scope))
            .group_by(PracticeLog.trainee_id, PracticeLog.kind, PracticeLog.status)):
        activity[trainee_id].append(last_at)
        if status != "returned":  # returned hours are to be corrected: they count nowhere yet
            hours[trainee_id]["pending" if status == "pending" else kind] += total

    programs: dict[int, list[str]] = defaultdict(list)
    for trainee_id, program in db.execute(
            select(SignOff.trainee_id, SignOff.program)
            .where(SignOff.trainee_id.in_(scope), SignOff.withdrawn_at.is_(None)).order_by(SignOff.program)):
        programs[trainee_id].append(program)

    ratings = current_ratings_for(ids)
    labels = {level.id: level.label for level in fw.scale.levels}
    competency_ids = list(fw.competencies)
    header = [*FIXED_COLUMNS, *competency_ids, *HOUR_COLUMNS]
    rows = []
    for t in trainees:
        last = max(filter(None, activity[t.id]), default=None)
        rows.append([
            t.name, t.email, t.organization.name if t.organization else "", "; ".join(supervisors[t.id]),
            courses_done[t.id], len(catalog.courses), lessons_done.get(t.id, 0),
            last.strftime("%Y-%m-%dT%H:%M:%SZ") if last else "", passed[t.id],
            *(labels.get(ratings[t.id][c][0], ratings[t.id][c][0]) if c in ratings[t.id] else ""
              for c in competency_ids),
            round(hours[t.id]["practice"], 2), round(hours[t.id]["supervision"], 2),
            round(hours[t.id]["pending"], 2), "; ".join(programs[t.id]),
        ])
    return header, rows


# Assessment results (shared by both reports) -------------------------------------------------

def _attempt_rows(users) -> dict[tuple[int, str], list]:
    """Attempts of `users` (ids or a subquery) as light rows, grouped by (user, assessment), oldest
    first, in one query. The rows carry what counted_attempt reads."""
    grouped: dict[tuple[int, str], list] = defaultdict(list)
    for row in db.execute(select(Attempt.user_id, Attempt.assessment_slug, Attempt.number, Attempt.started_at,
                                 Attempt.finished_at, Attempt.passed, Attempt.scaled, Attempt.critical)
                          .where(Attempt.user_id.in_(users))
                          .order_by(Attempt.user_id, Attempt.assessment_slug, Attempt.number)):
        grouped[(row.user_id, row.assessment_slug)].append(row)
    return grouped


def _result(rows: list):
    """The counted attempt of one assessment, by that assessment's own rule (highest or last)."""
    assessment = assessments.find(rows[0].assessment_slug)
    return assessments.counted_attempt(None, assessment, rows) if assessment else None


# Transcript ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One table row of the transcript; fields not used by a section stay empty."""

    title: str
    status: str = ""
    on: date | None = None
    hours: float = 0.0
    detail: str = ""
    extra: tuple = ()


@dataclass(frozen=True)
class Transcript:
    trainee: User
    organization: str
    supervisors: list[str]
    site_name: str
    generated_at: datetime
    courses: list[Line]
    domains: list[Line]  # extra = (training, practice, supervision, training required)
    pending_hours: float
    competencies: list[Line]
    assessments: list[Line]  # extra = (kind, counted %, best %, attempts)
    sign_offs: list[Line]


def transcript_for(trainee: User, now: datetime | None = None) -> Transcript:
    catalog, fw = _catalog(), framework()
    enrollments = {e.course_slug: e for e in db.scalars(select(Enrollment).where(Enrollment.user_id == trainee.id))}
    done: dict[int, int] = dict(db.execute(
        select(LessonProgress.enrollment_id, func.count()).where(
            LessonProgress.enrollment_id.in_([e.id for e in enrollments.values()]),
            LessonProgress.completed_at.is_not(None)).group_by(LessonProgress.enrollment_id)).all())
    courses, training = [], dict.fromkeys(fw.domain_names, 0.0)
    for course in catalog.courses.values():
        enrollment = enrollments.get(course.slug)
        if enrollment is None:
            status = "Not started"
        elif enrollment.completed_at:
            status = "Completed"
            for domain, hours in course.hours.items():
                training[domain] = training.get(domain, 0.0) + hours
        else:
            status = f"In progress: {done.get(enrollment.id, 0)} of {len(course.lessons)} lessons"
        completed_on = enrollment.completed_at.date() if enrollment and enrollment.completed_at else None
        courses.append(Line(course.title, status, completed_on, course.total_hours))

    logged: dict[tuple[str, str], float] = defaultdict(float)
    pending = 0.0
    for kind, domain, status, total in db.execute(
            select(PracticeLog.kind, PracticeLog.domain, PracticeLog.status, func.sum(PracticeLog.hours))
            .where(PracticeLog.trainee_id == trainee.id, PracticeLog.status != "returned")
            .group_by(PracticeLog.kind, PracticeLog.domain, PracticeLog.status)):
        if status == "pending":
            pending += total
        else:
            logged[(kind, domain)] += total
    domains = [Line(d.name, extra=(round(training.get(d.id, 0.0), 2), round(logged[("practice", d.id)], 2),
                                   round(logged[("supervision", d.id)], 2), d.required_hours))
               for d in fw.domains]

    labels = {level.id: level.label for level in fw.scale.levels}
    ratings = current_ratings_for([trainee.id])[trainee.id]
    competencies = []
    for competency in fw.competencies.values():
        rating = ratings.get(competency.id)
        competencies.append(Line(competency.name, labels.get(rating[0], rating[0]) if rating else "Not yet rated",
                                 rating[2].date() if rating else None,
                                 detail=SOURCE_WORDS.get(rating[1], rating[1]) if rating else ""))

    return Transcript(
        trainee=trainee, organization=trainee.organization.name if trainee.organization else "",
        supervisors=[s.name for s in supervisors_of(trainee)], site_name=current_app.config["LMS_SITE_NAME"],
        generated_at=now or utcnow(), courses=courses, domains=domains, pending_hours=round(pending, 2),
        competencies=competencies, assessments=_assessment_lines(trainee), sign_offs=_sign_off_lines(trainee))


def _percent(scaled: float | None) -> str:
    return f"{round(100 * scaled)}%" if scaled is not None else "–"


def _assessment_lines(trainee: User) -> list[Line]:
    attempts = _attempt_rows([trainee.id])
    order = {slug: i for i, slug in enumerate(_catalog().courses)}
    found = [(assessments.find(slug), rows) for (_uid, slug), rows in attempts.items()]
    found = sorted(((a, rows) for a, rows in found if a), key=lambda x: (order.get(x[0].course, 99), x[0].title))
    lines = []
    for assessment, rows in found:
        finished = [r for r in rows if r.finished_at]
        counted = assessments.counted_attempt(None, assessment, rows)
        if counted is None:
            status = "In progress"
        elif counted.passed:
            status = "Passed"
        else:
            status = "Not passed (unsafe choice)" if counted.critical else "Not passed"
        best = max((r.scaled for r in finished if r.scaled is not None), default=None)
        kind = "Scenario" if assessments.kind_of(assessment) == "scenario" else "Final check"
        lines.append(Line(assessment.title, status, counted.finished_at.date() if counted else None,
                          extra=(kind, _percent(counted.scaled if counted else None), _percent(best), len(finished))))
    return lines


def _sign_off_lines(trainee: User) -> list[Line]:
    rows = db.execute(select(SignOff, User.name).outerjoin(User, User.id == SignOff.supervisor_id)
                      .where(SignOff.trainee_id == trainee.id).order_by(SignOff.signed_at.desc(), SignOff.id.desc()))
    lines = []
    for row, supervisor in rows:
        if row.withdrawn_at:
            status = f"Withdrawn on {row.withdrawn_at.date().isoformat()}: {row.withdrawn_reason}"
        else:
            status = "Active"
        lines.append(Line(row.program, status, row.signed_at.date(), detail=row.statement,
                          extra=(supervisor or "a former supervisor",)))
    return lines


# PDF -----------------------------------------------------------------------------------------

# A FontConfiguration costs a fontconfig scan and the stylesheet a parse: build both once per thread
# (WeasyPrint does not document them as safe to share between threads rendering at the same time).
# The CSS is a file, not a <style> block, because templates must hold no inline styles (CSP test).
_local = threading.local()


def _style() -> tuple[FontConfiguration, weasyprint.CSS]:
    path = Path(current_app.config["LMS_TEMPLATES_DIR"]) / "lms" / "supervision" / "transcript.css"
    cached = getattr(_local, "style", None)
    if cached is None or cached[0] != path:
        fonts = FontConfiguration()
        cached = _local.style = (path, fonts, weasyprint.CSS(filename=str(path), font_config=fonts,
                                                             url_fetcher=_no_fetch))
    return cached[1], cached[2]


def _no_fetch(url: str, *args, **kwargs):
    # The transcript needs no external resource; refusing every fetch rules out SSRF through content.
    raise ValueError(f"transcript rendering does not fetch resources ({url[:60]})")


def render_transcript_pdf(transcript: Transcript) -> bytes:
    html = render_template("lms/supervision/transcript.html", t=transcript)
    fonts, css = _style()
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=[css], font_config=fonts)
