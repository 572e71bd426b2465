"""The supervisor dashboard's data: the trainees a user may see, and for each one progress, last activity,
flags and ratings, gathered with a fixed number of set-based queries whatever the number of trainees."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, case, exists, false, func, or_, select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.assessments.models import Attempt, AttemptStep
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import Enrollment, LessonProgress
from lms.supervision.models import CompetencyEvidence, PracticeLog, TraineeActivity
from lms.supervision.services import SUPERVISOR_SOURCES
from lms.xapi.authority import lms_authority_key
from lms.xapi.models import Statement, StatementIndex
from lms.xapi.recorder import actor
from lms.xapi.validation import agent_ifi

INACTIVE_DAYS = 14
INACTIVE_AFTER = timedelta(days=INACTIVE_DAYS)
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
    user: User | None  # None when read from the summary table (the page needs only the fields below)
    user_id: int = 0
    name: str = ""
    organization: str | None = None  # the organization's name
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
    keys: tuple[str, ...] = ()  # flag keys, for filtering and sorting before the texts are made
    certificates: list[str] = field(default_factory=list)  # "Program: status" in words (page rows only)

    def __post_init__(self) -> None:
        if self.user is not None:
            self.user_id, self.name = self.user.id, self.user.name
            self.organization = self.user.organization.name if self.user.organization else None

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


def _filtered_scope(viewer: User, org_id: int | None, supervisor: int | str | None) -> Select:
    query = trainee_scope(viewer)
    if viewer.role == "admin" and org_id:
        query = query.where(User.organization_id == org_id)
    if sees_whole_org(viewer) and supervisor == "none":
        query = query.where(~exists().where(SupervisorAssignment.trainee_id == User.id))
    elif sees_whole_org(viewer) and supervisor is not None:
        query = query.where(User.id.in_(_assigned_to(int(supervisor))))
    return query


def visible_trainees(viewer: User, org_id: int | None = None, supervisor: int | str | None = None) -> list[User]:
    """One query. `supervisor` is a supervisor's id or "none" (no supervisor); only org admins and
    admins filter by it, and only admins by organization."""
    return list(db.scalars(_filtered_scope(viewer, org_id, supervisor).order_by(User.name, User.id)))


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
        row.flags, row.keys = _flags(row, now), _flag_keys(row, now)
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
    # The newest statement the LMS recorded about each agent is its highest seq: a MAX per key over the index
    # joined to the LMS's own statements (what LRS clients report is not activity: review M2), then one join.
    latest = (select(StatementIndex.key, func.max(StatementIndex.statement_seq).label("seq"))
              .join(Statement, Statement.seq == StatementIndex.statement_seq)
              .where(StatementIndex.key.in_(list(keys)), StatementIndex.narrow.is_(True),
                     Statement.authority_key == lms_authority_key())
              .group_by(StatementIndex.key).subquery())
    query = select(latest.c.key, Statement.stored).join(Statement, Statement.seq == latest.c.seq)
    for key, stored in db.execute(query):
        rows[keys[key]].note(stored)


def _flag_keys(row: TraineeSummary, now: datetime) -> tuple[str, ...]:
    """The keys of the row's flags, without their texts (which only the page's rows need)."""
    keys = []
    if row.last_activity is None or now - row.last_activity >= INACTIVE_AFTER:
        keys.append("inactive")
    if row.failed_twice:
        keys.append("failed-twice")
    if row.crisis_critical:
        keys.append("crisis-critical")
    if row.pending_logs:
        keys.append("hours-pending")
    return tuple(keys)


def _flags(row: TraineeSummary, now: datetime, scenarios: dict | None = None) -> list[Flag]:
    flags = []
    for key in _flag_keys(row, now):
        if key == "inactive" and row.last_activity is None:
            flags.append(Flag(key, "Never active"))
        elif key == "inactive":
            flags.append(Flag(key, f"Inactive {(now - row.last_activity).days} days"))
        elif key == "failed-twice":
            scenarios = scenarios if scenarios is not None else current_app.extensions["lms"].assessments.scenarios
            titles = sorted(scenarios[s].title if s in scenarios else s for s in row.failed_twice)
            flags.append(Flag(key, "Failed twice: " + "; ".join(titles)))
        elif key == "hours-pending":
            flags.append(Flag(key, f"{row.pending_logs} log(s), {row.pending_hours:g} h waiting for approval"))
        else:
            flags.append(Flag(key, FLAGS[key]))
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
    """Over the (id, name, organization, last activity, ..., flag keys) tuples from `_scope_rows`."""
    never = datetime.min.replace(tzinfo=utcnow().tzinfo)
    if sort == "activity":
        return lambda e: (e[3] or never, e[1].lower(), e[0])
    if sort == "flags":
        return lambda e: (-len(e[-1]), e[1].lower(), e[0])
    return lambda e: (e[1].lower(), e[0])


def _scope_rows(viewer: User, org_id: int | None, supervisor: int | str | None, now: datetime) -> list[tuple]:
    """Everyone in scope as (summary columns..., flag keys) tuples, from the summary rows (lms.supervision.summary): one
    query of plain columns. A trainee without a row has had no event since the summaries were built."""
    query = (_filtered_scope(viewer, org_id, supervisor).with_only_columns(
        User.id, User.name, Organization.name.label("organization"), TraineeActivity.last_activity_at,
        TraineeActivity.lessons_completed, TraineeActivity.courses_completed,
        # Only the page's rows need the slugs: a count here spares decoding JSON for everyone in scope.
        func.json_array_length(TraineeActivity.failed_twice).label("failed"), TraineeActivity.crisis_critical,
        TraineeActivity.pending_logs, TraineeActivity.pending_hours)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .outerjoin(TraineeActivity, TraineeActivity.user_id == User.id))
    inactive_since = now - INACTIVE_AFTER
    entries = []
    for row in db.execute(query):
        _id, _name, _org, last, _lessons, _courses, failed, crisis, logs, _hours = row
        keys = []
        if last is None or last <= inactive_since:
            keys.append("inactive")
        if failed:
            keys.append("failed-twice")
        if crisis:
            keys.append("crisis-critical")
        if logs:
            keys.append("hours-pending")
        entries.append((*row, keys))
    return entries


def certificate_statuses(user_ids: list[int], now: datetime) -> dict[int, list[str]]:
    """Each trainee's current certificates as "Program: status" in words, in one query that reads
    only the columns it needs (never the stored PDF or credential)."""
    from lms.certificates.models import Certificate

    if not user_ids:
        return {}
    programs = getattr(current_app.extensions["lms"], "programs", {}) or {}
    result: dict[int, list[str]] = {}
    rows = db.execute(select(Certificate.user_id, Certificate.program, Certificate.status, Certificate.valid_until,
                             Certificate.status_changed_at)
                      .where(Certificate.user_id.in_(user_ids), Certificate.status != "superseded")
                      .order_by(Certificate.user_id, Certificate.issued_at.desc()))
    for user_id, program, status, valid_until, changed in rows:
        name = programs[program].name if program in programs else program
        if status == "active" and valid_until is not None and valid_until <= now:
            words = f"expired {valid_until.date().isoformat()}"
        elif status == "active":
            words = f"active until {valid_until.date().isoformat()}" if valid_until else "active"
        else:
            words = f"{status} {changed.date().isoformat()}" if changed else status
        result.setdefault(user_id, []).append(f"{name}: {words}")
    return result


def build_dashboard(viewer: User, *, org_id: int | None = None, supervisor: int | str | None = None,
                    flag: str = "", sort: str = "name", page: int = 1, now: datetime | None = None,
                    page_size: int = PAGE_SIZE) -> Dashboard:
    """Filter and sort over everyone in scope (from the summary rows), then load the supervisors, the
    failed scenarios, the current levels and the certificates of the page's trainees only: four queries
    whatever the numbers."""
    now = now or utcnow()
    entries = _scope_rows(viewer, org_id, supervisor, now)
    visible = len(entries)
    counted = Counter(key for entry in entries for key in entry[-1])
    flag_counts = {key: counted[key] for key in FLAGS}
    if flag == "any":
        entries = [e for e in entries if e[-1]]
    elif flag:
        entries = [e for e in entries if flag in e[-1]]
    entries.sort(key=_sort_key(sort))
    pages = max(1, -(-len(entries) // page_size))
    number = min(max(1, page), pages)
    shown = [TraineeSummary(None, user_id, name, org, lessons_done=lessons or 0, courses_completed=courses or 0,
                            last_activity=last, crisis_critical=bool(crisis), pending_logs=logs or 0,
                            pending_hours=float(hours or 0.0), keys=tuple(keys))
             for user_id, name, org, last, lessons, courses, _failed, crisis, logs, hours, keys
             in entries[(number - 1) * page_size:number * page_size]]
    by_id = {r.user_id: r for r in shown}
    _supervisors(by_id, list(by_id))
    # Current levels as kept in the summary rows (`current_levels_for` ranks the same way from the evidence).
    for user_id, levels, failed in db.execute(
            select(TraineeActivity.user_id, TraineeActivity.levels, TraineeActivity.failed_twice)
            .where(TraineeActivity.user_id.in_(list(by_id)))):
        by_id[user_id].ratings, by_id[user_id].failed_twice = levels or {}, failed or []
    for user_id, texts in certificate_statuses(list(by_id), now).items():
        by_id[user_id].certificates = texts
    scenarios = current_app.extensions["lms"].assessments.scenarios
    for row in shown:
        row.flags = _flags(row, now, scenarios)
    courses = current_app.extensions["lms"].catalog.courses
    return Dashboard(shown, visible, len(entries), number, pages, flag_counts,
                     sum(len(c.lessons) for c in courses.values()), len(courses))
