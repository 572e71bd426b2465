"""Attempt state, kept on the server: an attempt, its steps (decisions and answers), time extensions."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Base, UTCDateTime, utcnow


def _registration() -> str:
    return str(uuid.uuid4())


class Attempt(Base):
    __tablename__ = "lms_attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "assessment_slug", "number"),
        Index("ix_lms_attempt_assessment", "assessment_slug", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    assessment_slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # scenario | final
    course_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=_registration)
    seed: Mapped[int] = mapped_column(Integer)  # option order and draws are stable within the attempt
    items: Mapped[list[str]] = mapped_column(JSON, default=list)  # final check: the drawn item ids
    current_node: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    points: Mapped[float | None] = mapped_column(Float)
    scaled: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    competency_scores: Mapped[dict | None] = mapped_column(JSON)  # competency -> scaled 0..1 (evidence)

    user: Mapped[User] = relationship()
    steps: Mapped[list[AttemptStep]] = relationship(back_populates="attempt", order_by="AttemptStep.position",
                                                    cascade="all, delete-orphan")


class AttemptStep(Base):
    """One decision (scenario) or answer (final check). Unique per node: decisions are final."""

    __tablename__ = "lms_attempt_step"
    __table_args__ = (UniqueConstraint("attempt_id", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lms_attempt.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(64))  # decision node id, or bank item id
    response: Mapped[str] = mapped_column(Text)       # option id, or the item's response string
    correct: Mapped[bool | None] = mapped_column(Boolean)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="steps")


class TimeExtension(Base):
    """Extra time on timed assessments for one trainee (an accessibility accommodation)."""

    __tablename__ = "lms_time_extension"
    __table_args__ = (UniqueConstraint("user_id", "assessment_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    assessment_slug: Mapped[str] = mapped_column(String(64))  # "*" for every timed assessment
    extra_minutes: Mapped[int] = mapped_column(Integer)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
