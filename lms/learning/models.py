"""Learner state. Content is referenced by slug and content version, never copied."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Base, UTCDateTime, utcnow


def _registration() -> str:
    return str(uuid.uuid4())


class Enrollment(Base):
    __tablename__ = "lms_enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    course_version: Mapped[str] = mapped_column(String(32))
    # The xAPI registration shared by every statement about this enrollment.
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=_registration)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_lesson_slug: Mapped[str | None] = mapped_column(String(64))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_version: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()
    lessons: Mapped[list[LessonProgress]] = relationship(back_populates="enrollment", cascade="all, delete-orphan")


class LessonProgress(Base):
    __tablename__ = "lms_lesson_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(64))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_version: Mapped[str | None] = mapped_column(String(32))
    # Time on task from page timings (docs/hours.md): the gaps between this learner's requests on this
    # lesson, each at most LESSON_IDLE long; `last_seen_at` is the latest request.
    active_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrollment: Mapped[Enrollment] = relationship(back_populates="lessons")


class CheckAnswer(Base):
    """Every answer to a knowledge check, kept (append-only) for analysis and xAPI."""

    __tablename__ = "lms_check_answer"
    __table_args__ = (Index("ix_lms_check_answer_lookup", "enrollment_id", "lesson_slug", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(64))
    lesson_version: Mapped[str] = mapped_column(String(32))
    check_id: Mapped[str] = mapped_column(String(64))
    selected: Mapped[list[int]] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActivityResponse(Base):
    """A learner's response to a lesson activity (formats spec 1): the latest words, revisable. It is
    personal free text: shown to the learner and their supervisors, never copied into xAPI statements."""

    __tablename__ = "lms_activity_response"
    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_slug", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(64))
    lesson_version: Mapped[str] = mapped_column(String(32))
    activity_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # reflection | worksheet | practice
    # reflection: {"text": ...}; worksheet: {field id: text}; practice: {"ticked": [item indexes]}
    answers: Mapped[dict] = mapped_column(JSON)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    revisions: Mapped[int] = mapped_column(Integer, default=0)  # times changed after the first submission
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
