"""The relay killed mid-batch: `flask lms xapi-relay` runs as a subprocess against a slow receiving
LRS, is SIGKILLed while a batch is in flight, and is started again. Every statement arrives; the
only repeats are the in-flight batch, sent again (same ids) once its lease runs out."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from lms.db import session as db
from lms.db import utcnow
from lms.xapi import relay
from lms.xapi.models import OutboxItem
from tests.conftest import REPO
from tests.faults.conftest import make_due, outbox, wait_for
from tests.faults.receiver import Receiver
from tests.xapi.test_relay import queue

pytestmark = pytest.mark.slow
BATCH = 40
TOTAL = 3 * BATCH


@pytest.fixture
def receiver():
    server = Receiver(delay=1.5).start()
    yield server
    server.stop()


@pytest.fixture
def start_relay(app, database_url, receiver, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "relay-test-secret-key-0123456789",
           "LMS_XAPI_FORWARD_URL": receiver.url, "LMS_INSTANCE_PATH": str(tmp_path)}
    processes = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "lms", "xapi-relay",
                                    "--interval", "0.2", "--batch", str(BATCH)],
                                   cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _sent(app) -> int:
    with app.app_context():
        return db.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "sent"))


def test_relay_killed_mid_batch_delivers_everything_after_a_restart(app, receiver, start_relay):
    ids = queue(app, TOTAL)
    first = start_relay()
    assert receiver.first_request.wait(60), "the relay never reached the LRS"
    first.send_signal(signal.SIGKILL)  # in flight: the LRS is still working on the first batch
    first.wait(10)
    in_flight = set(ids[:BATCH])
    assert _sent(app) == 0

    start_relay()
    wait_for(lambda: _sent(app) == TOTAL - BATCH, 90, "the restarted relay to send the other batches")
    items = outbox(app)
    # The killed relay's batch is leased: no relay takes it again before the lease runs out.
    for statement_id in in_flight:
        assert items[statement_id].status == "pending"
        assert items[statement_id].next_attempt_at > utcnow() + relay.LEASE / 2

    make_due(app)  # the lease has run out
    wait_for(lambda: _sent(app) == TOTAL, 60, "the in-flight batch to be sent again")
    assert set(receiver.stored) == set(ids)  # complete
    assert receiver.conflicts == []
    repeats = {i for i in receiver.received if receiver.received.count(i) > 1}
    # The LRS finished storing the in-flight batch after the relay died, so those ids arrive twice:
    # identical statements with the same ids, which an LRS takes as a no-op. Nothing else repeats.
    assert repeats == in_flight and receiver.resent() == len(in_flight)
    assert all(receiver.received.count(i) <= 2 for i in ids)
