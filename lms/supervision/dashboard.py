"""The supervisor dashboard's data: the trainees a user may see, and for each one progress, last activity,
flags and ratings, gathered with a fixed number of set-based queries whatever the number of trainees."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, case, exists, false, func, or_, select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.assessments.models import Attempt, AttemptStep
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import Enrollment, LessonProgress
from lms.supervision.models import CompetencyEvidence, PracticeLog
from lms.supervision.services import SUPERVISOR_SOURCES
from lms.xapi.models import Statement, StatementIndex
from lms.xapi.recorder import actor
from lms.xapi.validation import agent_ifi

INACTIVE_DAYS = 14
CRISIS_COURSE = "crisis-intervention"
PAGE_SIZE = 50
# Filter keys and the words on their badges; "inactive" also covers trainees never active.
FLAGS = {
    "inactive": f"Inactive {INACTIVE_DAYS}+ days",
    "failed-twice": "Failed a scenario twice",
    "crisis-critical": "Unsafe choice in a crisis scenario",
    "hours-pending": "Hours waiting for approval",
}
SORTS = {"name": "Name", "activity": "Least recently active first", "flags": "Most flags first"}


@dataclass(frozen=True)
class Flag:
    key: str
    text: str


@dataclass
class TraineeSummary:
    user: User
    supervisors: list[str] = field(default_factory=list)
    lessons_done: int = 0
    courses_completed: int = 0
    last_activity: datetime | None = None
    failed_twice: list[str] = field(default_factory=list)  # scenario slugs failed at least twice
    crisis_critical: bool = False
    pending_logs: int = 0
    pending_hours: float = 0.0
    flags: list[Flag] = field(default_factory=list)
    ratings: dict[str, str] = field(default_factory=dict)  # competency id -> level id (page rows only)

    def note(self, moment: datetime | None) -> None:
        if moment is not None and (self.last_activity is None or moment > self.last_activity):
            self.last_activity = moment

    @property
    def flag_keys(self) -> set[str]:
        return {f.key for f in self.flags}


@dataclass
class Dashboard:
    rows: list[TraineeSummary]  # this page
    visible: int  # trainees in scope before the flag filter
    total: int  # after the flag filter
    number: int
    pages: int
    flag_counts: dict[str, int]
    lessons_total: int
    courses_total: int


def agent_key(user: User) -> str:
    """The statement-index key of the trainee as an actor (the key the LRS files statements under)."""
    return "agent|" + agent_ifi(actor(user))


# Who a user may see ------------------------------------------------------------------------------

def _assigned_to(supervisor_id: int) -> Select:
    return select(SupervisorAssignment.trainee_id).where(SupervisorAssignment.supervisor_id == supervisor_id)


def trainee_scope(viewer: User) -> Select:
    """Trainees the viewer may see, as `can_view_trainee` decides it, but for all of them at once."""
    query = select(User).where(User.role == "trainee", User.is_active.is_(True))
    if viewer.role == "admin":
        return query
    if viewer.role != "supervisor":
        return query.where(false())
    assigned = User.id.in_(_assigned_to(viewer.id))
    if viewer.is_org_admin and viewer.organization_id:
        return query.where(or_(User.organization_id == viewer.organization_id, assigned))
    return query.where(assigned)


def sees_whole_org(viewer: User) -> bool:
    return viewer.role == "admin" or (viewer.role == "supervisor" and viewer.is_org_admin
                                      and viewer.organization_id is not None)


def visible_trainees(viewer: User, org_id: int | None = None, supervisor: int | str | None = None) -> list[User]:
    """One query. `supervisor` is a supervisor's id or "none" (no supervisor); only org admins and
    admins filter by it, and only admins by organization."""
    query = trainee_scope(viewer)
    if viewer.role == "admin" and org_id:
        query = query.where(User.organization_id == org_id)
    if sees_whole_org(viewer) and supervisor == "none":
        query = query.where(~exists().where(SupervisorAssignment.trainee_id == User.id))
    elif sees_whole_org(viewer) and supervisor is not None:
        query = query.where(User.id.in_(_assigned_to(int(supervisor))))
    return list(db.scalars(query.order_by(User.name, User.id)))


def filter_choices(viewer: User, org_id: int | None) -> tuple[list[Organization], list[User]]:
    """Organizations (admins) and supervisors (org admins and admins) to filter by."""
    if not sees_whole_org(viewer):
        return [], []
    orgs = list(db.scalars(select(Organization).order_by(Organization.name))) if viewer.role == "admin" else []
    query = select(User).where(User.role == "supervisor").order_by(User.name, User.id)
    scope_org = viewer.organization_id if viewer.role != "admin" else org_id
    if scope_org:
        query = query.where(User.organization_id == scope_org)
    return orgs, list(db.scalars(query))


# Set-based gathering -----------------------------------------------------------------------------

def summarize(trainees: list[User], now: datetime | None = None) -> dict[int, TraineeSummary]:
    """Progress, last activity and flags of every trainee given: six queries, whatever their number."""
    now = now or utcnow()
    rows = {u.id: TraineeSummary(u) for u in trainees}
    ids = list(rows)
    _supervisors(rows, ids)
    _progress(rows, ids)
    _attempts(rows, ids)
    _steps(rows, ids)
    _hours(rows, ids)
    _statements(rows, trainees)
    for row in rows.values():
        row.flags = _flags(row, now)
    return rows


def _supervisors(rows: dict[int, TraineeSummary], ids: list[int]) -> None:
    query = (select(SupervisorAssignment.trainee_id, User.name)
             .join(User, User.id == SupervisorAssignment.supervisor_id)
             .where(SupervisorAssignment.trainee_id.in_(ids)).order_by(User.name))
    for trainee_id, name in db.execute(query):
        rows[trainee_id].supervisors.append(name)


def _progress(rows: dict[int, TraineeSummary], ids: list[int]) -> None:
    """Lessons and courses completed and the latest lesson activity, one row per trainee."""
    courses = current_app.extensions["lms"].catalog.courses
    lessons = {lesson.slug for course in courses.values() for lesson in course.lessons}
    done = and_(LessonProgress.completed_at.is_not(None), LessonProgress.lesson_slug.in_(sorted(lessons)))
    # A course counts once however many of its lessons were joined in.
    finished = case((and_(Enrollment.completed_at.is_not(None), Enrollment.course_slug.in_(sorted(courses))),
                     Enrollment.course_slug))
    query = (select(Enrollment.user_id, func.count(case((done, LessonProgress.id))),
                    func.count(func.distinct(finished)), func.max(LessonProgress.last_opened_at),
                    func.max(LessonProgress.completed_at))
             .outerjoin(LessonProgress, LessonProgress.enrollment_id == Enrollment.id)
             .where(Enrollment.user_id.in_(ids)).group_by(Enrollment.user_id))
    for user_id, lessons_done, courses_completed, opened, completed in db.execute(query):
        row = rows[user_id]
        row.lessons_done, row.courses_completed = lessons_done, courses_completed
        row.note(opened)
        row.note(completed)


def _attempts(rows: dict[int, TraineeSummary], ids: list[int]) -> None:
    failed = case((and_(Attempt.finished_at.is_not(None), Attempt.passed.is_(False)), 1), else_=0)
    query = (select(Attempt.user_id, Attempt.assessment_slug, Attempt.kind, func.sum(failed),
                    func.max(Attempt.started_at), func.max(Attempt.finished_at))
             .where(Attempt.user_id.in_(ids))
             .group_by(Attempt.user_id, Attempt.assessment_slug, Attempt.kind))
    for user_id, slug, kind, failures, started, finished in db.execute(query):
        row = rows[user_id]
        if kind == "scenario" and failures >= 2:
            row.failed_twice.append(slug)
        row.note(started)
        row.note(finished)


def _steps(rows: dict[int, TraineeSummary], ids: list[int]) -> None:
    in_crisis = and_(AttemptStep.critical.is_(True), Attempt.kind == "scenario", Attempt.course_slug == CRISIS_COURSE)
    query = (select(Attempt.user_id, func.max(AttemptStep.answered_at), func.max(case((in_crisis, 1), else_=0)))
             .join(AttemptStep, AttemptStep.attempt_id == Attempt.id)
             .where(Attempt.user_id.in_(ids)).group_by(Attempt.user_id))
    for user_id, answered, critical in db.execute(query):
        rows[user_id].note(answered)
        rows[user_id].crisis_critical = bool(critical)


def _hours(rows: dict[int, TraineeSummary], ids: list[int]) -> None:
    query = (select(PracticeLog.trainee_id, PracticeLog.status, func.count(), func.sum(PracticeLog.hours),
                    func.max(PracticeLog.created_at))
             .where(PracticeLog.trainee_id.in_(ids)).group_by(PracticeLog.trainee_id, PracticeLog.status))
    for trainee_id, status, count, hours, created in db.execute(query):
        row = rows[trainee_id]
        if status == "pending":
            row.pending_logs, row.pending_hours = count, float(hours or 0.0)
        row.note(created)


def _statements(rows: dict[int, TraineeSummary], trainees: list[User]) -> None:
    keys = {agent_key(u): u.id for u in trainees}
    # The newest statement of each agent is its highest seq: an index-only MAX per key, then one join.
    latest = (select(StatementIndex.key, func.max(StatementIndex.statement_seq).label("seq"))
              .where(StatementIndex.key.in_(list(keys)), StatementIndex.narrow.is_(True))
              .group_by(StatementIndex.key).subquery())
    query = select(latest.c.key, Statement.stored).join(Statement, Statement.seq == latest.c.seq)
    for key, stored in db.execute(query):
        rows[keys[key]].note(stored)


def _flags(row: TraineeSummary, now: datetime) -> list[Flag]:
    flags = []
    if row.last_activity is None:
        flags.append(Flag("inactive", "Never active"))
    elif now - row.last_activity >= timedelta(days=INACTIVE_DAYS):
        flags.append(Flag("inactive", f"Inactive {(now - row.last_activity).days} days"))
    if row.failed_twice:
        scenarios = current_app.extensions["lms"].assessments.scenarios
        titles = sorted(scenarios[s].title if s in scenarios else s for s in row.failed_twice)
        flags.append(Flag("failed-twice", "Failed twice: " + "; ".join(titles)))
    if row.crisis_critical:
        flags.append(Flag("crisis-critical", FLAGS["crisis-critical"]))
    if row.pending_logs:
        flags.append(Flag("hours-pending", f"{row.pending_logs} log(s), {row.pending_hours:g} h waiting for approval"))
    return flags


def current_levels_for(trainee_ids: list[int]) -> dict[int, dict[str, str]]:
    """The current level per competency, as `services.current_ratings_for` decides it, ranked in SQL.

    A window function keeps one row per (trainee, competency), so the page reads 16 rows per trainee
    instead of the whole evidence log: the latest supervisor entry, else the latest automatic one.
    """
    by_supervisor = case((CompetencyEvidence.source.in_(SUPERVISOR_SOURCES), 1), else_=0)
    rank = func.row_number().over(
        partition_by=(CompetencyEvidence.trainee_id, CompetencyEvidence.competency_id),
        order_by=(by_supervisor.desc(), CompetencyEvidence.created_at.desc(), CompetencyEvidence.id.desc()))
    ranked = (select(CompetencyEvidence.trainee_id, CompetencyEvidence.competency_id, CompetencyEvidence.level,
                     rank.label("rank"))
              .where(CompetencyEvidence.trainee_id.in_(trainee_ids)).subquery())
    result: dict[int, dict[str, str]] = {tid: {} for tid in trainee_ids}
    for trainee_id, competency_id, level in db.execute(
            select(ranked.c.trainee_id, ranked.c.competency_id, ranked.c.level).where(ranked.c.rank == 1)):
        result[trainee_id][competency_id] = level
    return result


# The page ----------------------------------------------------------------------------------------

def _sort_key(sort: str):
    never = datetime.min.replace(tzinfo=utcnow().tzinfo)
    if sort == "activity":
        return lambda r: (r.last_activity or never, r.user.name.lower(), r.user.id)
    if sort == "flags":
        return lambda r: (-len(r.flags), r.user.name.lower(), r.user.id)
    return lambda r: (r.user.name.lower(), r.user.id)


def build_dashboard(viewer: User, *, org_id: int | None = None, supervisor: int | str | None = None,
                    flag: str = "", sort: str = "name", page: int = 1, now: datetime | None = None,
                    page_size: int = PAGE_SIZE) -> Dashboard:
    """Filter and sort over everyone in scope, then load ratings for the page's trainees only."""
    trainees = visible_trainees(viewer, org_id, supervisor)
    summaries = list(summarize(trainees, now).values())
    flag_counts = {key: sum(1 for r in summaries if key in r.flag_keys) for key in FLAGS}
    if flag == "any":
        summaries = [r for r in summaries if r.flags]
    elif flag:
        summaries = [r for r in summaries if flag in r.flag_keys]
    summaries.sort(key=_sort_key(sort))
    pages = max(1, -(-len(summaries) // page_size))
    number = min(max(1, page), pages)
    shown = summaries[(number - 1) * page_size:number * page_size]
    ratings = current_levels_for([r.user.id for r in shown])
    for row in shown:
        row.ratings = ratings.get(row.user.id, {})
    courses = current_app.extensions["lms"].catalog.courses
    return Dashboard(shown, len(trainees), len(summaries), number, pages, flag_counts,
                     sum(len(c.lessons) for c in courses.values()), len(courses))
