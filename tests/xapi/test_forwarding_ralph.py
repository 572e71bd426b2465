"""Forwarding to a real external LRS over HTTP on loopback: Ralph (openfun), filesystem backend, Basic auth.

Ralph lives in its own virtual environment, REPO/.venv-ralph (`make ralph`, a prerequisite of
`make test`); tests/xapi/ralph_launcher.py starts it with the filesystem backend's APPEND work-around.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.db import session as db
from lms.db import utcnow
from lms.learning import services as learning
from lms.xapi import relay
from lms.xapi.models import OutboxItem, Statement
from tests.conftest import REPO
from tests.learning.helpers import do_activities
from tests.learning.test_delivery import ETHICS, answer, complete, correct, enroll, lesson_url, wrong

RALPH_PYTHON = REPO / ".venv-ralph" / "bin" / "python"
LAUNCHER = Path(__file__).with_name("ralph_launcher.py")
USER, PASSWORD = "lms-relay", "ralph-secret-123"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RALPH_PYTHON.exists(),
                       reason=f"Ralph is not installed: run `make ralph` to create {RALPH_PYTHON.parent.parent}"),
]


class Ralph:
    """A Ralph LRS process on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, data_dir: Path):
        self.data_dir, self.port, self.process = data_dir, 0, None
        self.log = data_dir / "ralph.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self, timeout: float = 30) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(RALPH_PYTHON), str(LAUNCHER), "--dir", str(self.data_dir), "--username", USER,
                 "--password", PASSWORD, "--port", str(self.port)],
                stdout=subprocess.PIPE, stderr=log, env=env, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("RALPH_PORT="):
            self.stop()
            pytest.fail(f"Ralph did not start: {line!r}; see {self.log}:\n{self.log.read_text()[-3000:]}")
        self.port = int(line.strip().split("=", 1)[1])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    pytest.fail(f"Ralph exited: see {self.log}:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"Ralph did not answer within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def statements(self) -> list[dict]:
        """Every statement Ralph holds, following its `more` links."""
        auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        found, path = [], "/xAPI/statements?limit=100"
        while path:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                             headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.load(response)
            found += page["statements"]
            path = page.get("more") if page["statements"] else None
        return found


@pytest.fixture
def ralph(tmp_path):
    server = Ralph(tmp_path / "ralph")
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def forwarding(app, ralph):
    app.config.update(LMS_XAPI_FORWARD_URL=ralph.url, LMS_XAPI_FORWARD_USERNAME=USER,
                      LMS_XAPI_FORWARD_PASSWORD=PASSWORD, LMS_XAPI_FORWARD_BATCH=100)
    return ralph


def outbox(app) -> dict[str, OutboxItem]:
    with app.app_context():
        return {item.statement_id: item for item in db.scalars(select(OutboxItem))}


def test_a_learner_journey_arrives_in_ralph(app, client, login_as, forwarding):
    login_as("trainee")
    assert enroll(client).status_code == 302
    for lesson in ETHICS.lessons[:2]:
        assert client.get(lesson_url(lesson=lesson)).status_code == 200
        for i, check in enumerate(lesson.checks):
            assert answer(client, check, wrong(check) if i == 0 else correct(check), lesson=lesson).status_code == 302
        assert complete(client, lesson=lesson).status_code == 302
    queued = outbox(app)
    assert len(queued) >= 2 + 2 * 5  # enrolled, opened, answered..., completed, progressed

    with app.app_context():
        stats = relay.drain()
    assert stats.sent == len(queued) and stats.parked == 0 and stats.stopped is None, stats

    held = {s["id"]: s for s in forwarding.statements()}
    assert set(held) == set(queued)
    with app.app_context():
        ours = {row.id: row.data for row in db.scalars(select(Statement))}
    for statement_id, theirs in held.items():
        mine = ours[statement_id]
        for key in ("actor", "verb", "object", "timestamp"):
            assert theirs[key] == mine[key] or key == "timestamp", (key, theirs[key], mine[key])
        assert theirs["authority"]["mbox"] == "mailto:lms-relay@example.org"  # Ralph's, not ours
    verbs = {s["verb"]["display"]["en-US"] for s in held.values()}
    assert {"registered", "experienced", "answered", "completed", "progressed"} <= verbs
    assert {r.status for r in outbox(app).values()} == {"sent"}

    # Resending is harmless: statement ids make delivery idempotent (Ralph answers 204).
    with app.app_context():
        db.execute(OutboxItem.__table__.update().values(status="pending", next_attempt_at=utcnow()))
        db.commit()
        assert relay.drain().sent == len(queued)
    assert len(forwarding.statements()) == len(queued)


def learner_events(app, trainees: int, prefix: str) -> int:
    """Learner journeys through the LMS services: each trainee enrolls in four courses, opens every
    lesson, answers every check and completes it. Returns how many statements were queued."""
    with app.app_context():
        before = db.query(OutboxItem).count()
        courses = [learning.catalog().courses[slug]
                   for slug in ("ethics", "communication", "confidentiality", "scope-of-practice")]
        for n in range(trainees):
            user = accounts.create_user(f"{prefix}{n}@example.org", f"Trainee {prefix}{n}", "long enough password",
                                        role="trainee")
            db.commit()
            for course in courses:
                enrollment = learning.enroll(user, course)
                for lesson in course.lessons:
                    learning.open_lesson(enrollment, course, lesson)
                    for check in lesson.checks:
                        learning.answer_check(enrollment, course, lesson, check, correct(check))
                    do_activities(enrollment, course, lesson)
                    learning.complete_lesson(enrollment, course, lesson)
                    db.commit()
        return db.query(OutboxItem).count() - before


def test_outage_every_statement_arrives_exactly_once(app, forwarding):
    app.config.update(LMS_XAPI_RELAY_BACKOFF=0.05, LMS_XAPI_RELAY_BACKOFF_CAP=0.5)
    # Before the outage: some events, delivered.
    learner_events(app, 1, "before")
    with app.app_context():
        assert relay.drain().stopped is None

    forwarding.stop()
    started = time.monotonic()
    during = learner_events(app, 14, "during")
    produced_in = time.monotonic() - started
    assert during >= 2000
    with app.app_context():
        failed = relay.drain()  # the LRS is down: the relay backs off, nothing is lost or marked sent
        status = relay.queue_status()
    assert failed.sent == 0 and failed.retrying == 100 and "Network error" in failed.stopped
    assert status.pending == during and "Network error" in status.last_error

    forwarding.start()  # same port, same data
    started = time.monotonic()
    stop = threading.Event()
    worker = threading.Thread(target=relay.run_relay, kwargs={"app": app, "interval": 0.05, "stop": stop})
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with app.app_context():
                if relay.queue_status().pending == 0:
                    break
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(30)
    forwarded_in = time.monotonic() - started

    rows = outbox(app)
    assert {r.status for r in rows.values()} == {"sent"}
    held = [s["id"] for s in forwarding.statements()]
    assert len(held) == len(set(held)), "a statement arrived twice"
    assert set(held) == set(rows), "statements missing or unexpected"
    sys.stderr.write(f"\n[ralph outage] {during} statements produced in {produced_in:.1f} s during the outage; "
                     f"{len(rows)} in Ralph {forwarded_in:.1f} s after it came back\n")


def test_wrong_credentials_keep_the_queue(app, forwarding):
    app.config["LMS_XAPI_FORWARD_PASSWORD"] = "not-the-password"
    queued = learner_events(app, 1, "creds")
    with app.app_context():
        stats = relay.drain()
        assert "HTTP 401" in stats.stopped and stats.sent == 0
        assert relay.queue_status().pending == queued
    assert all(r.attempts == 0 for r in outbox(app).values())
    app.config["LMS_XAPI_FORWARD_PASSWORD"] = PASSWORD
    with app.app_context():
        assert relay.drain().sent == queued
    assert len(forwarding.statements()) == queued


def test_ralph_rejects_a_bad_statement_and_it_is_parked(app, forwarding):
    """Ralph answers 422 to an invalid statement: the batch is split, the rest delivered."""
    learner_events(app, 1, "bad")
    with app.app_context():
        victim = db.scalars(select(OutboxItem).order_by(OutboxItem.id).offset(5).limit(1)).one()
        victim.payload = {**victim.payload, "actor": {"objectType": "Agent", "name": "No identifier"}}
        db.commit()
        stats = relay.drain()
        assert stats.parked == 1 and stats.sent == len(outbox(app)) - 1
        db.expire_all()
        parked = db.get(OutboxItem, victim.id)
        assert parked.status == "parked" and "HTTP 422" in parked.last_error and "actor" in parked.last_error
    assert victim.statement_id not in {s["id"] for s in forwarding.statements()}
