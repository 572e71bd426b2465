"""External LRS slow: it answers after LMS_XAPI_FORWARD_TIMEOUT. The relay times out and keeps the
items for later, pages answer while the relay is stuck, and the retry delivers everything, the
statements the slow LRS stored after all arriving again as harmless repeats of the same ids."""
from __future__ import annotations

import threading

import pytest

from lms.db import utcnow
from lms.xapi import relay
from tests.faults.conftest import make_due, outbox, wait_for
from tests.faults.receiver import Receiver

TIMEOUT = 2.0  # seconds: LMS_XAPI_FORWARD_TIMEOUT for this test
DELAY = 4.0  # the LRS takes this long to answer


@pytest.fixture
def slow_lrs(app):
    server = Receiver(delay=DELAY).start()
    app.config.update(LMS_XAPI_FORWARD_URL=server.url, LMS_XAPI_FORWARD_TIMEOUT=TIMEOUT)
    yield server
    server.stop()


def test_relay_times_out_on_a_slow_lrs_loses_nothing_and_pages_are_unaffected(app, trainee, slow_lrs):
    trainee.enroll()
    trainee.open_lesson()
    expected = set(outbox(app))
    assert len(expected) >= 2

    result = {}

    def run_relay():
        with app.app_context():
            result["stats"] = relay.drain()

    before = utcnow()
    relay_thread = threading.Thread(target=run_relay)
    relay_thread.start()
    assert slow_lrs.first_request.wait(30), "the relay never reached the LRS"
    # While the relay waits on the slow LRS, a trainee opens a lesson: the page does not wait for it.
    trainee.open_lesson()
    assert relay_thread.is_alive(), "the page finished only after the relay gave up"
    relay_thread.join(30)

    stats = result["stats"]
    assert (stats.sent, stats.retrying) == (0, len(expected))
    items = outbox(app)
    assert len(items) == len(expected) + 1  # the lesson opened meanwhile is queued too
    for statement_id in expected:
        item = items[statement_id]
        assert item.status == "pending" and item.attempts == 1 and item.next_attempt_at > before
        assert "Network error" in item.last_error and "timed out" in item.last_error

    # The slow LRS did store that batch in the end: the relay could not know (the ambiguous case).
    wait_for(lambda: len(slow_lrs.received) == len(expected), 30, "the slow LRS to finish storing")
    slow_lrs.delay = 0
    make_due(app)
    with app.app_context():
        stats = relay.drain()
    assert stats.sent == len(expected) + 1 and stats.retrying == 0
    assert {i.status for i in outbox(app).values()} == {"sent"}
    assert set(slow_lrs.stored) == set(items)  # nothing lost
    assert slow_lrs.conflicts == []  # a repeat is the identical statement, so the LRS ignores it
    assert slow_lrs.resent() == len(expected)  # the timed-out batch, sent again once
