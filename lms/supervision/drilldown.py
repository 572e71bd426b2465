"""One trainee in depth: a timeline from their xAPI statements, attempts with the path taken, their lesson
activity responses, the evidence log, hours and sign-offs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from lms.accounts.models import User
from lms.assessments.definitions import Decision, Scenario
from lms.assessments.models import Attempt
from lms.db import session as db
from lms.learning.models import ActivityResponse, Enrollment
from lms.supervision.dashboard import agent_key
from lms.supervision.models import CompetencyEvidence, PracticeLog, SignOff
from lms.web.pagination import Page, paginate
from lms.xapi.authority import lms_authority_key
from lms.xapi.models import LRSClient, Statement, StatementIndex

TIMELINE_PAGE = 20
EVIDENCE_LIMIT = 200
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class TimelineEntry:
    verb: str
    name: str
    outcome: str
    at: datetime
    # None for what the LMS recorded; otherwise the name of the LRS client whose credentials stored it.
    reported_by: str | None = None


@dataclass(frozen=True)
class PathStep:
    prompt: str
    choice: str  # the option chosen, or "correct"/"not correct" for a question
    critical: bool
    correct: bool | None


@dataclass(frozen=True)
class AttemptView:
    attempt: Attempt
    title: str
    kind: str
    steps: list[PathStep]

    @property
    def outcome(self) -> str:
        if self.attempt.finished_at is None:
            return "in progress"
        return "passed" if self.attempt.passed else "not passed"


# Timeline ----------------------------------------------------------------------------------------

def _printable(text: str) -> str:
    """Lone surrogates cannot be encoded as UTF-8 (the page would fail): shown as U+FFFD. The LRS refuses them
    now; statements stored before it did may still hold one."""
    return _SURROGATE.sub("\ufffd", text)


def _words(langmap, fallback: str) -> str:
    if isinstance(langmap, dict) and langmap:
        for lang in ("en-US", "en"):
            if lang in langmap:
                return _printable(str(langmap[lang]))
        return _printable(str(next(iter(langmap.values()))))
    return _printable(fallback)


def describe(statement: Statement, reported_by: str | None = None) -> TimelineEntry:
    """Verb and object in words; agents as objects are never named (they may be other people)."""
    data = statement.data
    verb_id = data["verb"]["id"]
    verb = _words(data["verb"].get("display"), verb_id.rstrip("/").rsplit("/", 1)[-1])
    obj = data["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        name = _words((obj.get("definition") or {}).get("name"), obj["id"])
    elif kind in ("Agent", "Group"):
        name = "a person" if kind == "Agent" else "a group"
    else:
        name = "another statement"
    result = data.get("result") or {}
    outcome = []
    if "success" in result:
        outcome.append("succeeded" if result["success"] else "did not succeed")
    scaled = (result.get("score") or {}).get("scaled")
    if isinstance(scaled, int | float):
        outcome.append(f"score {round(scaled * 100)}%")
    try:
        at = datetime.fromisoformat(data["timestamp"])
    except (KeyError, TypeError, ValueError):
        at = statement.stored
    return TimelineEntry(verb, name, ", ".join(outcome), at, reported_by)


def timeline(trainee: User, page: int, size: int = TIMELINE_PAGE) -> tuple[Page, list[TimelineEntry]]:
    """The trainee's statements in the built-in LRS, newest first (arrival order), one page. What an LRS client
    stored about the trainee is listed too, but marked as reported by that client (review M2)."""
    index = aliased(StatementIndex)
    query = (select(Statement).join(index, index.statement_seq == Statement.seq)
             .where(index.key == agent_key(trainee), index.narrow.is_(True), Statement.voided.is_(False))
             .order_by(Statement.seq.desc()))
    result = paginate(query, page, size)
    reporters = _reporters({s.authority_key for s in result.items} - {lms_authority_key()})
    return result, [describe(s, reporters.get(s.authority_key)) for s in result.items]


def _reporters(authority_keys: set[str]) -> dict[str, str]:
    """Client name by authority key ("account:<base>|<client key>"); the key itself for a deleted client."""
    if not authority_keys:
        return {}
    by_client_key = {key.rpartition("|")[2]: key for key in authority_keys}
    query = select(LRSClient.key, LRSClient.name).where(LRSClient.key.in_(sorted(by_client_key)))
    names = {key: name for key, name in db.execute(query)}
    return {key: _printable(names.get(client_key, client_key)) for client_key, key in by_client_key.items()}


# Attempts ----------------------------------------------------------------------------------------

def _path(attempt: Attempt) -> tuple[str, list[PathStep]]:
    catalog = current_app.extensions["lms"].assessments
    assessment = catalog.scenario(attempt.assessment_slug) or catalog.final_check(attempt.assessment_slug)
    title = assessment.title if assessment else attempt.assessment_slug
    steps = []
    if isinstance(assessment, Scenario):
        for step in attempt.steps:
            node = assessment.node(step.node_id)
            option = node.option(step.response) if isinstance(node, Decision) else None
            steps.append(PathStep(node.prompt if isinstance(node, Decision) else step.node_id,
                                  option.text if option else step.response, step.critical, step.correct))
        return title, steps
    bank = catalog.bank_for(assessment.course) if assessment else None
    for step in attempt.steps:
        item = bank.item(step.node_id) if bank else None
        steps.append(PathStep(item.prompt if item else step.node_id, "correct" if step.correct else "not correct",
                              step.critical, step.correct))
    return title, steps


def attempts(trainee: User) -> list[AttemptView]:
    rows = db.scalars(select(Attempt).options(selectinload(Attempt.steps)).where(Attempt.user_id == trainee.id)
                      .order_by(Attempt.started_at.desc(), Attempt.id.desc()))
    views = []
    for attempt in rows:
        title, steps = _path(attempt)
        views.append(AttemptView(attempt, title, attempt.kind, steps))
    return views


# Activity responses -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseView:
    """A lesson activity response as evidence: where it is, what it practises, and what the trainee wrote
    (or, for a practice, the steps they ticked)."""

    course: str
    lesson: str
    title: str
    kind: str
    competencies: tuple[str, ...]  # competency names
    parts: tuple[tuple[str, str], ...]  # (label, the trainee's words) or (checklist step, "done")
    word_count: int
    revisions: int
    submitted_at: datetime
    updated_at: datetime


def _parts(activity, row: ActivityResponse) -> tuple[tuple[str, str], ...]:
    answers = row.answers or {}
    if row.kind == "reflection":
        return (("Response", str(answers.get("text", ""))),)
    if row.kind == "worksheet":
        labels = {spec.id: spec.label for spec in (activity.fields or ())} if activity else {}
        return tuple((labels.get(key, key), str(text)) for key, text in answers.items())
    steps = list(activity.checklist or ()) if activity else []
    return tuple((steps[i] if 0 <= i < len(steps) else f"Step {i + 1}", "done") for i in answers.get("ticked", []))


def activity_responses(trainee: User) -> list[ResponseView]:
    """Newest first, one query. Content that has since changed shows by its ids."""
    catalog = current_app.extensions["lms"].catalog
    names = {c.id: c.name for c in catalog.framework.competencies.values()}
    rows = db.execute(select(ActivityResponse, Enrollment.course_slug)
                      .join(Enrollment, Enrollment.id == ActivityResponse.enrollment_id)
                      .where(Enrollment.user_id == trainee.id)
                      .order_by(ActivityResponse.updated_at.desc(), ActivityResponse.id.desc()))
    views = []
    for row, course_slug in rows:
        course = catalog.course(course_slug)
        lesson = course.lesson(row.lesson_slug) if course else None
        activity = lesson.activity(row.activity_id) if lesson else None
        views.append(ResponseView(
            course.title if course else course_slug, lesson.title if lesson else row.lesson_slug,
            activity.title if activity else row.activity_id, row.kind,
            tuple(names.get(c, c) for c in (activity.competencies if activity else ())),
            _parts(activity, row), row.word_count, row.revisions, row.submitted_at, row.updated_at))
    return views


# Evidence, hours, sign-offs ----------------------------------------------------------------------

def evidence_log(trainee: User, limit: int = EVIDENCE_LIMIT) -> list[tuple[CompetencyEvidence, str | None]]:
    """Newest first, with the author's name (automatic entries have none)."""
    author = aliased(User)
    return list(db.execute(select(CompetencyEvidence, author.name)
                           .outerjoin(author, author.id == CompetencyEvidence.author_id)
                           .where(CompetencyEvidence.trainee_id == trainee.id)
                           .order_by(CompetencyEvidence.created_at.desc(), CompetencyEvidence.id.desc())
                           .limit(limit)))


def practice_logs(trainee: User) -> list[PracticeLog]:
    return list(db.scalars(select(PracticeLog).where(PracticeLog.trainee_id == trainee.id)
                           .order_by(PracticeLog.worked_on.desc(), PracticeLog.id.desc())))


def sign_offs(trainee: User) -> list[tuple[SignOff, str | None]]:
    supervisor = aliased(User)
    return list(db.execute(select(SignOff, supervisor.name)
                           .outerjoin(supervisor, supervisor.id == SignOff.supervisor_id)
                           .where(SignOff.trainee_id == trainee.id)
                           .order_by(SignOff.signed_at.desc(), SignOff.id.desc())))
