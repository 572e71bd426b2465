"""LRS tables: statements with a filter index, documents, activities, attachments, clients, outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Statement(Base):
    """One stored statement, exactly as it will be returned, plus the columns queries need."""

    __tablename__ = "lms_xapi_statement"
    __table_args__ = (
        Index("ix_lms_xapi_statement_stored", "stored", "seq"),
        # Almost every statement has neither: partial indexes keep them off the insert path.
        Index("ix_lms_xapi_statement_voids", "voids", postgresql_where=text("voids IS NOT NULL"),
              sqlite_where=text("voids IS NOT NULL")),
        Index("ix_lms_xapi_statement_ref_target", "ref_target", postgresql_where=text("ref_target IS NOT NULL"),
              sqlite_where=text("ref_target IS NOT NULL")),
    )

    # Arrival order: the stable sort key for paging ("more" links) and for since/until ties.
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime())
    verb_id: Mapped[str] = mapped_column(Text)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    # The id of the statement this one voids, when its verb is "voided".
    voids: Mapped[str | None] = mapped_column(String(36))
    # The statement this one targets with a StatementRef object (so a late target can share its keys).
    ref_target: Mapped[str | None] = mapped_column(String(36))
    authority_key: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)


class StatementIndex(Base):
    """Filter keys of a statement: agent|<ifi>, activity|<iri>, verb|<iri>, registration|<uuid>.

    `narrow` rows answer the plain filters; the others only the related_agents/related_activities
    forms. A statement whose object is a StatementRef inherits its target's rows (spec 2.1.3,
    "Filter Conditions for StatementRefs").
    """

    __tablename__ = "lms_xapi_statement_index"
    __table_args__ = (
        Index("ix_lms_xapi_statement_index_key", "key", "narrow", "statement_seq"),
        UniqueConstraint("statement_seq", "key", "narrow"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    # No index of its own: the unique constraint below leads with statement_seq.
    statement_seq: Mapped[int] = mapped_column(SeqType, ForeignKey("lms_xapi_statement.seq", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    narrow: Mapped[bool] = mapped_column(Boolean)


class Attachment(Base):
    """Attachment payloads by SHA-256; statements refer to them through their attachments list."""

    __tablename__ = "lms_xapi_attachment"

    sha2: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Activity(Base):
    """The canonical definition of an activity, merged from the statements that mention it."""

    __tablename__ = "lms_xapi_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    iri: Mapped[str] = mapped_column(Text, unique=True)
    definition: Mapped[dict | None] = mapped_column(JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Document(Base):
    """State, activity profile and agent profile documents (xAPI Communication 2.3-2.6)."""

    __tablename__ = "lms_xapi_document"
    __table_args__ = (
        Index("ix_lms_xapi_document_lookup", "kind", "activity_id", "agent_key", "registration", "doc_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # state | activity_profile | agent_profile
    activity_id: Mapped[str] = mapped_column(Text, default="")
    agent_key: Mapped[str] = mapped_column(Text, default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    doc_id: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who stored it (lms/xapi/authority.py): credentials without the `all` scope see only their own documents.
    # "" for documents stored before this column existed; only `all` credentials and the LMS see those.
    authority_key: Mapped[str] = mapped_column(Text, default="", server_default="")


class LRSClient(Base):
    """Credentials for HTTP Basic access to the LRS, with xAPI OAuth-style scopes."""

    __tablename__ = "lms_xapi_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxItem(Base):
    """A statement waiting to be forwarded to the external LRS; written in the same transaction."""

    __tablename__ = "lms_xapi_outbox"
    __table_args__ = (Index("ix_lms_xapi_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
