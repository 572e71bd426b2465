"""Certificate tables: certificates, their lifecycle events (the audit log), continuing education,
and the notification outbox. Signing keys live in lms/certificates/keys.py."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow

CERTIFICATE_STATUSES = ("active", "suspended", "revoked", "superseded")


class Certificate(Base):
    """One award of a program to a person. A renewal or re-issue is a new row; the old one becomes
    `superseded` and the new one keeps `awarded_on`, the date the program was first earned.

    `active_key` is "<user_id>:<program>" while the certificate is active or suspended and NULL
    otherwise: its unique constraint is what makes "exactly one current certificate per person and
    program" hold under concurrent requests on SQLite and PostgreSQL alike (NULLs never collide).
    Expiry is not a stored status: a certificate past `valid_until` is reported as expired.
    """

    __tablename__ = "lms_certificate"
    __table_args__ = (
        UniqueConstraint("active_key", name="uq_lms_certificate_active_key"),
        Index("ix_lms_certificate_user_program", "user_id", "program"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. PRCT-2026-000042
    code: Mapped[str] = mapped_column(String(16), unique=True)  # short human code, stored without dashes
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    program: Mapped[str] = mapped_column(String(64))  # program slug (certificates/<program>.yaml)
    status: Mapped[str] = mapped_column(String(16), default="active")  # CERTIFICATE_STATUSES
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_key: Mapped[str | None] = mapped_column(String(96))
    awarded_on: Mapped[date] = mapped_column(Date)  # first award of this program to this person
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: does not expire
    # Everything printed or signed, frozen at issue: holder name, program name, hours by IC&RC
    # domain and ethics hours, courses, assessment results, sign-off, issuer and signatory.
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    status_index: Mapped[int] = mapped_column(Integer, unique=True)  # position in the status lists
    credential_json: Mapped[dict | None] = mapped_column(JSON)  # the OB 3.0 AchievementCredential
    credential_jwt: Mapped[str | None] = mapped_column(Text)  # the same, signed as a VC-JWT
    key_id: Mapped[str] = mapped_column(String(64), default="")  # kid of the signing key
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # rendered once; NULL means render again
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificate.id", ondelete="SET NULL"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))  # None: automatic


class CertificateEvent(Base):
    """The audit log: every lifecycle action on a certificate, who did it, when and why. Append-only."""

    __tablename__ = "lms_certificate_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("lms_certificate.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # issued reissued renewed suspended reinstated revoked ...
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContinuingEducation(Base):
    """Continuing-education hours a holder records for renewal; a supervisor approves or returns them."""

    __tablename__ = "lms_continuing_education"
    __table_args__ = (Index("ix_lms_continuing_education_user", "user_id", "completed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    ethics: Mapped[bool] = mapped_column(Boolean, default=False)  # counts toward the ethics hours
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | returned
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attestation(Base):
    """A person's attestation that they have read and will follow a code of ethics."""

    __tablename__ = "lms_attestation"
    __table_args__ = (Index("ix_lms_attestation_user", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), default="code-of-ethics")
    text: Mapped[str] = mapped_column(Text)  # the exact wording attested
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """The notification outbox: reminders and notices, sent by a worker through the configured
    transport (the log by default, SMTP when configured). `dedupe_key` makes each reminder once-only."""

    __tablename__ = "lms_notification"
    __table_args__ = (Index("ix_lms_notification_pending", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificate.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # expiry-60 expiry-30 expired issued revoked ...
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
