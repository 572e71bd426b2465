"""Database: the declarative Base (lms_ tables, naming convention) and a session per app context.

The LMS owns its engine rather than a Flask-SQLAlchemy instance: Flask-SQLAlchemy allows one
instance per app, and a host site that already uses it must keep that slot.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    # SQL logs and error messages never show bound values: they hold password hashes, encrypted
    # signing keys and learners' records (tests/security/test_secrets_logging.py).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling turns a SAVEPOINT into a commit; take control of
        # BEGIN so savepoints and rollbacks work (SQLAlchemy's documented pysqlite recipe).
        writers = _WriterLock(engine.url.database)
        event.listen(engine, "begin", lambda conn: _sqlite_begin(conn, writers))
        event.listen(engine, "commit", writers.release)
        event.listen(engine, "rollback", writers.release)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class _WriterLock:
    """One SQLite writer at a time across processes, handed over the moment it is released.

    SQLite's own busy handler polls with sleeps of up to 100 ms; a blocking flock on a file beside
    the database wakes the next writer immediately, which matters with several gunicorn workers.
    """

    timeout = 15.0  # seconds, as the connection's busy timeout

    def __init__(self, database: str | None):
        self.path = f"{database}.writer-lock" if database and database != ":memory:" else None
        self.local = threading.local()

    def acquire(self) -> None:
        if self.path is None or getattr(self.local, "fd", None) is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        # Poll rather than block, so a writer stuck behind a long transaction gives up after the
        # same busy timeout SQLite uses and the user gets "busy, try again" instead of a hung page.
        deadline, pause = time.monotonic() + self.timeout, 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise OperationalError("BEGIN IMMEDIATE", None,
                                           sqlite3.OperationalError("database is locked")) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        self.local.fd = fd

    def release(self, _conn: Any = None) -> None:
        fd = getattr(self.local, "fd", None)
        if fd is not None:
            self.local.fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _sqlite_begin(conn: Any, writers: _WriterLock) -> None:
    # A transaction that will write takes the write lock up front (BEGIN IMMEDIATE): two deferred
    # transactions that both read and then try to write deadlock, and SQLite fails one at once
    # instead of waiting. Reads stay deferred so pages don't queue behind each other.
    if _writing():
        writers.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            writers.release()
            raise
    else:
        conn.exec_driver_sql("BEGIN")


def _writing() -> bool:
    if not has_request_context():
        return True  # CLI commands and background work: assume they write
    return request.method not in ("GET", "HEAD", "OPTIONS") or g.get("lms_will_write", False)


def will_write() -> None:
    """Declare that this GET request writes (e.g. recording a lesson view); call before querying."""
    g.lms_will_write = True
    end_read()  # so the next transaction begins as a write


def end_read() -> None:
    """End the current read-only transaction (after loading the user) without closing the session.

    Only SQLite needs it (a transaction's lock mode is chosen at BEGIN); elsewhere it would be a
    wasted COMMIT on every request.
    """
    sess = g.get("_lms_session")
    if sess is not None and sess.in_transaction() and sess.get_bind().dialect.name == "sqlite":
        sess.commit()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Database:
    """An engine and its session factory, kept in the extension state."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)


def get_session() -> Session:
    """The session of the current app context, created on first use and closed at teardown."""
    if "_lms_session" not in g:
        g._lms_session = current_app.extensions["lms"].db.sessionmaker()
    return g._lms_session


def close_session(_exc: BaseException | None = None) -> None:
    sess = g.pop("_lms_session", None)
    if sess is not None:
        sess.close()


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
