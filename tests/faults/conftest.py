"""Helpers for fault tests: a trainee who generates statements, the outbox, a closed port."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from lms.content import load_catalog
from lms.db import session as db
from lms.db import utcnow
from lms.paths import data_dir
from lms.xapi.models import OutboxItem
from tests.learning.test_delivery import enroll, lesson_url

COURSE = load_catalog(data_dir("curricula")).courses["communication"]  # no prerequisite


def closed_port() -> int:
    """A loopback port nothing listens on (bound once to find it, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def outbox(app) -> dict[str, OutboxItem]:
    with app.app_context():
        return {item.statement_id: item for item in db.scalars(select(OutboxItem).order_by(OutboxItem.id))}


def make_due(app) -> None:
    """As if the backoff (or a crashed relay's lease) had run out: pending items are due now."""
    with app.app_context():
        db.execute(update(OutboxItem).where(OutboxItem.status == "pending").values(next_attempt_at=utcnow()))
        db.commit()


def wait_for(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Trainee:
    """A signed-in trainee whose clicks record statements (and queue them when forwarding is on)."""

    def __init__(self, client):
        self.client = client
        self.opened = 0

    def enroll(self):
        response = enroll(self.client, COURSE)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return response

    def open_lesson(self):
        lesson = COURSE.lessons[self.opened % len(COURSE.lessons)]
        self.opened += 1
        response = self.client.get(lesson_url(COURSE, lesson))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response


@pytest.fixture
def trainee(client, login_as) -> Trainee:
    login_as()
    return Trainee(client)
