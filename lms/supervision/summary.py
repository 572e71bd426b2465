"""The per-trainee activity summary behind the supervisor dashboard: receivers keep one row per trainee
up to date inside each event's transaction, and `rebuild_summaries` recomputes rows from the events."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case, delete, or_, select

from lms import signals
from lms.accounts.models import User
from lms.db import session as db
from lms.supervision import dashboard
from lms.supervision.models import TraineeActivity
from lms.xapi.authority import lms_authority_key
from lms.xapi.recorder import base
from lms.xapi.store import index_keys

_TABLE = TraineeActivity.__table__
_COLUMNS = ("last_activity_at", "lessons_completed", "courses_completed", "failed_twice", "crisis_critical",
            "pending_logs", "pending_hours", "levels")


def _upsert(rows: list[dict]) -> None:
    """Insert or update summary rows in one statement. `last_activity_at` only ever moves forward (so
    events may arrive in any order); the other columns given replace the stored ones."""
    if not rows:
        return
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(_TABLE).values(rows)
    new, old = statement.excluded.last_activity_at, _TABLE.c.last_activity_at
    updates = {"last_activity_at": case((or_(old.is_(None), new > old), new), else_=old)}
    updates.update({name: statement.excluded[name] for name in rows[0] if name not in ("user_id", "last_activity_at")})
    db.execute(statement.on_conflict_do_update(index_elements=[_TABLE.c.user_id], set_=updates))


def _recomputed(user_id: int, part: Callable) -> dashboard.TraineeSummary:
    """One part of `dashboard.summarize` for one trainee: the same query as the recomputation."""
    row = dashboard.TraineeSummary(db.get(User, user_id))
    part({user_id: row}, [user_id])
    return row


def _note(user_id: int, moment: datetime | None, **values) -> None:
    _upsert([{"user_id": user_id, "last_activity_at": moment, **values}])


# Receivers ------------------------------------------------------------------------------------

def on_lesson_opened(progress, **_kwargs) -> None:
    _note(progress.enrollment.user_id, progress.last_opened_at)


def on_progress_changed(sender, enrollment=None, **_kwargs) -> None:
    """A lesson or a course was completed: recount, as the dashboard counts (lessons still in the catalog)."""
    user_id = (enrollment or sender).user_id
    row = _recomputed(user_id, dashboard._progress)
    _note(user_id, row.last_activity, lessons_completed=row.lessons_done, courses_completed=row.courses_completed)


def on_assessment_started(attempt, **_kwargs) -> None:
    _note(attempt.user_id, attempt.started_at)


def on_decision_recorded(step, attempt, **_kwargs) -> None:
    crisis = step.critical and attempt.kind == "scenario" and attempt.course_slug == dashboard.CRISIS_COURSE
    # Once flagged, always flagged: the flag reports any unsafe choice ever made in a crisis scenario.
    _note(attempt.user_id, step.answered_at, **({"crisis_critical": True} if crisis else {}))


def on_assessment_finished(attempt, **_kwargs) -> None:
    row = _recomputed(attempt.user_id, dashboard._attempts)
    _note(attempt.user_id, row.last_activity, failed_twice=sorted(row.failed_twice))


def hours_changed(trainee_id: int) -> None:
    """A practice log was created, corrected or reviewed (called by the hour services and on review)."""
    row = _recomputed(trainee_id, dashboard._hours)
    _note(trainee_id, row.last_activity, pending_logs=row.pending_logs, pending_hours=row.pending_hours)


def on_hours_reviewed(log, **_kwargs) -> None:
    hours_changed(log.trainee_id)


def levels_changed(trainee_id: int) -> None:
    """Evidence was added: the current level per competency, as `dashboard.current_levels_for` ranks it."""
    _note(trainee_id, None, levels=dashboard.current_levels_for([trainee_id])[trainee_id])


def on_competency_rated(evidence, **_kwargs) -> None:
    levels_changed(evidence.trainee_id)


def on_statements_stored(statements, stored: datetime, authority_key: str | None = None, **_kwargs) -> None:
    """Statements the LMS recorded about our own learners count as activity, as the LRS files them (the narrow
    agent keys). What LRS clients report about a trainee is theirs, not activity the LMS saw (review M2)."""
    if authority_key != lms_authority_key():
        return
    prefix = "agent|account:" + base() + "|"
    learner_ids = {key[len(prefix):] for statement in statements for key, narrow in index_keys(statement)
                   if narrow and key.startswith(prefix)}
    if not learner_ids:
        return
    users = db.scalars(select(User.id).where(User.learner_id.in_(sorted(learner_ids)), User.role == "trainee")
                       .order_by(User.id))
    _upsert([{"user_id": user_id, "last_activity_at": stored} for user_id in users])


_RECEIVERS = ((signals.lesson_opened, on_lesson_opened),
              (signals.lesson_completed, on_progress_changed),
              (signals.course_completed, on_progress_changed),
              (signals.assessment_started, on_assessment_started),
              (signals.decision_recorded, on_decision_recorded),
              (signals.assessment_finished, on_assessment_finished),
              (signals.hours_reviewed, on_hours_reviewed),
              (signals.competency_rated, on_competency_rated),
              (signals.statements_stored, on_statements_stored))


def connect() -> None:
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)


# Recomputation --------------------------------------------------------------------------------

def recompute(trainees: list[User]) -> dict[int, dict]:
    """The summary rows as the events give them (with `dashboard.summarize`), keyed by user id."""
    levels = dashboard.current_levels_for([user.id for user in trainees])
    return {user_id: {"user_id": user_id, "last_activity_at": s.last_activity, "lessons_completed": s.lessons_done,
                      "courses_completed": s.courses_completed, "failed_twice": sorted(s.failed_twice),
                      "crisis_critical": s.crisis_critical, "pending_logs": s.pending_logs,
                      "pending_hours": s.pending_hours, "levels": levels[user_id]}
            for user_id, s in dashboard.summarize(trainees).items()}


def rebuild_summaries(batch: int = 500) -> int:
    """Replace every trainee's summary row with the recomputation from the events; return how many.

    For existing data (a migration, a restore, a content change that alters which lessons count)."""
    db.execute(delete(TraineeActivity))
    trainees = list(db.scalars(select(User).where(User.role == "trainee").order_by(User.id)))
    for start in range(0, len(trainees), batch):
        rows = list(recompute(trainees[start:start + batch]).values())
        if rows:
            db.execute(_TABLE.insert(), rows)
    db.flush()
    return len(trainees)


def stored_summary(user_id: int) -> dict | None:
    """The stored row as a dict shaped like `recompute`'s (for comparisons)."""
    row = db.execute(select(_TABLE).where(_TABLE.c.user_id == user_id)).mappings().first()
    return None if row is None else {name: row[name] for name in ("user_id", *_COLUMNS)}
