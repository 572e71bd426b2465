"""SQLite busy: another connection holds the write lock (BEGIN IMMEDIATE) while a request writes.

The app runs on its own SQLite file with a 1 s busy timeout (instead of 15 s) so that "held too
long" takes a second; the locker is a plain sqlite3 connection, as another process would be.
"""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest
from sqlalchemy import event, func, select

from app import create_app
from lms.content import load_catalog
from lms.db import Base
from lms.db import session as db
from lms.mail import MemoryMailSender
from lms.paths import data_dir
from tests.conftest import LRS, PASSWORD, Auth, csrf_token, make_statement, post_form

BUSY_MS = 1000
FIRST_LESSON = load_catalog(data_dir("curricula")).courses["communication"].lessons[0].slug


def _short_busy_timeout(dbapi_connection, _record) -> None:
    # Runs after the LMS's own pragmas (listeners fire in order), replacing its 15 s wait.
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory):
    import lms.models  # noqa: F401  (every table)

    path = tmp_path_factory.mktemp("busy") / "busy.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough",
                      "LMS_DATABASE_URL": f"sqlite:///{path}", "LMS_BASE_URL": "http://lms.test",
                      "LMS_MAIL_SENDER": MemoryMailSender(), "SERVER_NAME": None,
                      # The errors under test must reach the error handlers, as in production.
                      "PROPAGATE_EXCEPTIONS": False})
    engine = app.extensions["lms"].db.engine
    event.listen(engine, "connect", _short_busy_timeout)
    Base.metadata.create_all(engine)
    app.lock_path = str(path)
    yield app
    engine.dispose()


class WriteLock:
    """BEGIN IMMEDIATE from a separate connection: no one else can write until release()."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer


@pytest.fixture
def lrs_client(busy_app):
    from lms.xapi.clients import create_client

    with busy_app.app_context():
        client, secret = create_client("busy test", ["all"])
        db.commit()
        return LRS(busy_app.test_client(), client.key, secret)


@pytest.fixture
def trainee_client(busy_app):
    """A signed-in trainee of their own (the app and its database serve the whole module)."""
    from lms.accounts import services

    email = f"busy-{uuid.uuid4().hex[:8]}@example.org"
    with busy_app.app_context():
        services.create_user(email, "Busy Trainee", PASSWORD)
        db.commit()
    client = busy_app.test_client()
    assert Auth(client).login(email).status_code == 302
    client.email = email
    return client


def _stored(app, statement_id: str) -> bool:
    from lms.xapi.models import Statement

    with app.app_context():
        return db.scalar(select(func.count()).select_from(Statement)
                         .where(Statement.id == statement_id)) > 0


def _enrollments(app, email: str) -> int:
    from lms.accounts.models import User
    from lms.learning.models import Enrollment

    with app.app_context():
        return db.scalar(select(func.count()).select_from(Enrollment).join(User, User.id == Enrollment.user_id)
                         .where(User.email == email))


def test_statement_post_waits_for_a_short_lock_and_succeeds(busy_app, lrs_client):
    statement_id = str(uuid.uuid4())
    lock = WriteLock(busy_app.lock_path)
    timer = lock.release_after(0.3)
    start = time.monotonic()
    response = lrs_client.post("/statements", json=make_statement(id=statement_id))
    waited = time.monotonic() - start
    timer.join()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert waited >= 0.25  # it really waited for the other writer
    assert _stored(busy_app, statement_id)


def test_statement_post_under_a_long_lock_is_a_503_json_error_and_saves_nothing(busy_app, lrs_client):
    statement_id = str(uuid.uuid4())
    lock = WriteLock(busy_app.lock_path)
    try:
        response = lrs_client.post("/statements", json=make_statement(id=statement_id))
    finally:
        lock.release()
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert "try again" in response.get_json()["error"]["message"]
    assert int(response.headers["Retry-After"]) >= 1
    assert not _stored(busy_app, statement_id)
    # The same statement goes through once the lock is gone.
    assert lrs_client.post("/statements", json=make_statement(id=statement_id)).status_code == 200


def test_enrolling_waits_for_a_short_lock_and_succeeds(busy_app, trainee_client):
    token_page = "/courses/communication"
    lock = WriteLock(busy_app.lock_path)
    timer = lock.release_after(0.3)
    response = post_form(trainee_client, "/courses/communication/enroll", token_from=token_page)
    timer.join()
    assert response.status_code == 302
    assert _enrollments(busy_app, trainee_client.email) == 1


def test_page_write_under_a_long_lock_is_a_503_try_again_page_and_saves_nothing(busy_app, trainee_client):
    token = csrf_token(trainee_client, "/courses/communication")
    lock = WriteLock(busy_app.lock_path)
    try:
        response = trainee_client.post("/courses/communication/enroll", data={"csrf_token": token})
        lesson = trainee_client.get(f"/courses/communication/lessons/{FIRST_LESSON}")  # a GET that writes
    finally:
        lock.release()
    for answer in (response, lesson):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 503, html[:500]
        assert "try again" in html and "Traceback" not in html
        assert int(answer.headers["Retry-After"]) >= 1
    assert _enrollments(busy_app, trainee_client.email) == 0


class WriterLockHeld:
    """Another LMS process mid-write holds the cross-process writer lock beside the database file."""

    def __init__(self, path: str):
        import fcntl
        import os

        self.fd = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        import fcntl
        import os

        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def test_a_write_behind_another_lms_process_gives_up_after_the_timeout_with_a_503(busy_app, lrs_client,
                                                                                monkeypatch):
    from lms.db import _WriterLock

    monkeypatch.setattr(_WriterLock, "timeout", BUSY_MS / 1000)
    statement_id = str(uuid.uuid4())
    held = WriterLockHeld(busy_app.lock_path)
    started = time.monotonic()
    try:
        response = lrs_client.post("/statements", json=make_statement(id=statement_id))
    finally:
        held.release()
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert time.monotonic() - started < 10  # it gave up; it did not hang
    assert not _stored(busy_app, statement_id)
    assert lrs_client.post("/statements", json=make_statement(id=statement_id)).status_code == 200


def test_a_write_behind_another_lms_process_goes_through_when_it_finishes(busy_app, lrs_client):
    statement_id = str(uuid.uuid4())
    held = WriterLockHeld(busy_app.lock_path)
    timer = threading.Timer(0.3, held.release)
    timer.start()
    response = lrs_client.post("/statements", json=make_statement(id=statement_id))
    timer.join()
    assert response.status_code == 200
    assert _stored(busy_app, statement_id)
