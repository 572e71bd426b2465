"""Supervision tables: the competency evidence log, observations, practice hours, sign-offs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class CompetencyEvidence(Base):
    """Append-only: services add rows and never update or delete them; current ratings are derived."""

    __tablename__ = "lms_competency_evidence"
    __table_args__ = (Index("ix_lms_competency_evidence_trainee", "trainee_id", "competency_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(32))  # a scale level id
    source: Mapped[str] = mapped_column(String(16))  # course | assessment | rating | observation
    source_ref: Mapped[str] = mapped_column(String(64), default="")  # course slug, attempt id, observation id
    author_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Observation(Base):
    """An observed-practice rubric: one scale level per criterion, recorded by the supervisor."""

    __tablename__ = "lms_observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    observed_on: Mapped[date] = mapped_column(Date)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion -> scale level id
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PracticeLog(Base):
    """Hours of practice or of supervision received, reviewed by a supervisor."""

    __tablename__ = "lms_practice_log"
    __table_args__ = (Index("ix_lms_practice_log_trainee", "trainee_id", "worked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    worked_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))  # practice | supervision
    domain: Mapped[str] = mapped_column(String(64))  # IC&RC domain id
    activity: Mapped[str] = mapped_column(String(200))
    reflection: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | returned
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignOff(Base):
    """A supervisor's statement that a trainee is ready in a program; withdrawn, never deleted."""

    __tablename__ = "lms_sign_off"
    __table_args__ = (Index("ix_lms_sign_off_trainee", "trainee_id", "program"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    program: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")


class TraineeActivity(Base):
    """One row per trainee for the supervisor dashboard: derived from the events (lesson progress, attempts,
    practice logs, xAPI statements), kept by signal receivers in the event's own transaction, and
    recomputable at any time with `flask lms rebuild-summaries` (lms.supervision.summary)."""

    __tablename__ = "lms_trainee_activity"

    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), primary_key=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    courses_completed: Mapped[int] = mapped_column(Integer, default=0)
    failed_twice: Mapped[list] = mapped_column(JSON, default=list)  # scenario slugs failed at least twice, sorted
    crisis_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_logs: Mapped[int] = mapped_column(Integer, default=0)
    pending_hours: Mapped[float] = mapped_column(Float, default=0.0)
    levels: Mapped[dict] = mapped_column(JSON, default=dict)  # competency id -> current level id
