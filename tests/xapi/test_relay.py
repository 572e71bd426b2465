"""The relay: delivery, 409, splitting a rejected batch, backoff with jitter, credentials refused,
concurrent relays on PostgreSQL, the run loop, the in-process thread and the CLI command.

The LRS here is a real HTTP server on 127.0.0.1 (tests/xapi/loopback_lrs.py); Ralph is in
test_forwarding_ralph.py.
"""
from __future__ import annotations

import base64
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from lms.db import session as db
from lms.db import utcnow
from lms.xapi import relay
from lms.xapi.models import OutboxItem
from tests.conftest import make_statement
from tests.xapi.loopback_lrs import LoopbackLRS


@pytest.fixture
def lrs_server():
    server = LoopbackLRS().start()
    yield server
    server.stop()


@pytest.fixture
def forwarding(app, lrs_server):
    app.config.update(LMS_XAPI_FORWARD_URL=lrs_server.url, LMS_XAPI_FORWARD_USERNAME="relay",
                      LMS_XAPI_FORWARD_PASSWORD="relay-secret-123")
    return lrs_server


def queue(app, n: int, **payload_extra) -> list[str]:
    """Put n statements in the outbox (as the recorder does), committed; return their ids in order."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with app.app_context():
        for statement_id in ids:
            db.add(OutboxItem(statement_id=statement_id, payload=make_statement(id=statement_id, **payload_extra)))
        db.commit()
    return ids


def items(app) -> dict[str, OutboxItem]:
    with app.app_context():
        return {i.statement_id: i for i in db.scalars(select(OutboxItem))}


def drain(app, **kwargs) -> relay.DrainStats:
    with app.app_context():
        return relay.drain(**kwargs)


def test_delivers_in_batches_with_version_and_basic_auth_and_marks_sent(app, forwarding):
    ids = queue(app, 5, stored="2024-01-01T00:00:00.000Z",
                authority={"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": "lms"}})
    stats = drain(app, batch_size=2)
    assert (stats.sent, stats.batches, stats.requests, stats.stopped) == (5, 3, 3, None)
    assert forwarding.stored == ids  # in queue order, once each
    request = forwarding.requests[0]
    assert request["headers"]["x-experience-api-version"] == "1.0.3"
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(b"relay:relay-secret-123").decode()
    sent = [s for r in forwarding.requests for s in r["statements"]]
    assert all("stored" not in s and "authority" not in s for s in sent)
    assert sent[0]["verb"] == make_statement()["verb"]
    rows = items(app)
    assert {r.status for r in rows.values()} == {"sent"}
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows.values())
    assert drain(app, batch_size=2).batches == 0  # nothing left to do


def test_a_409_counts_as_delivered(app, forwarding):
    ids = queue(app, 4)
    forwarding.conflicts = {ids[2]}
    stats = drain(app, batch_size=4)
    # The batch's 409 is split until the conflicting statement stands alone: the others are stored,
    # and the LRS already holding a statement with that id means it was delivered.
    assert stats.sent == 4 and stats.parked == 0
    assert sorted(forwarding.stored) == sorted(set(ids) - {ids[2]})
    assert {r.status for r in items(app).values()} == {"sent"}


@pytest.mark.parametrize("bad_status", [400, 422])
def test_a_rejected_batch_is_split_and_only_the_bad_statement_is_parked(app, forwarding, bad_status):
    ids = queue(app, 10)
    bad = ids[6]
    forwarding.bad, forwarding.bad_status = {bad}, bad_status
    stats = drain(app, batch_size=10)
    assert stats.sent == 9 and stats.parked == 1 and stats.stopped is None
    assert sorted(forwarding.stored) == sorted(set(ids) - {bad})
    assert len(forwarding.stored) == 9  # nobody twice
    assert stats.requests <= 1 + 2 * 4  # halving: a few requests, not one per statement
    rows = items(app)
    assert rows[bad].status == "parked"
    assert f"HTTP {bad_status}" in rows[bad].last_error
    assert f"Invalid statement {bad}: verb.id must be an IRI" in rows[bad].last_error  # the LRS's reason
    assert all(rows[i].status == "sent" for i in ids if i != bad)


def test_server_errors_back_off_exponentially_with_jitter(app, forwarding):
    app.config["LMS_XAPI_RELAY_BACKOFF"] = 10
    ids = queue(app, 30)
    forwarding.status = 503
    before = utcnow()
    stats = drain(app, batch_size=20)
    assert stats.retrying == 20 and stats.sent == 0 and "HTTP 503" in stats.stopped
    assert stats.batches == 1  # a failing LRS is not hammered with the rest of the queue
    rows = items(app)
    first = [rows[i] for i in ids[:20]]
    assert all(r.status == "pending" and r.attempts == 1 and "HTTP 503" in r.last_error for r in first)
    delays = [(r.next_attempt_at - before).total_seconds() for r in first]
    assert all(4.9 <= d <= 10.5 for d in delays), delays  # base 10 s: between half and all of it
    assert len({round(d, 3) for d in delays}) > 10  # jitter: they will not all retry at once
    assert all(rows[i].attempts == 0 and rows[i].next_attempt_at <= utcnow() for i in ids[20:])  # untouched
    # Second failure of the same items: the window doubles.
    with app.app_context():
        db.execute(OutboxItem.__table__.update().where(OutboxItem.statement_id.in_(ids[:20]))
                   .values(next_attempt_at=utcnow()))
        db.execute(OutboxItem.__table__.update().where(OutboxItem.statement_id.in_(ids[20:]))
                   .values(next_attempt_at=utcnow() + timedelta(hours=1)))
        db.commit()
    before = utcnow()
    drain(app, batch_size=20)
    rows = items(app)
    delays = [(rows[i].next_attempt_at - before).total_seconds() for i in ids[:20]]
    assert all(rows[i].attempts == 2 for i in ids[:20])
    assert all(9.9 <= d <= 20.5 for d in delays), delays
    # The LRS recovers: everything goes, once.
    forwarding.status = None
    with app.app_context():
        db.execute(OutboxItem.__table__.update().values(next_attempt_at=utcnow()))
        db.commit()
    assert drain(app, batch_size=20).sent == 30
    assert sorted(forwarding.stored) == sorted(ids)


def test_backoff_delay_is_capped_and_jittered():
    for attempts in range(1, 30):
        ceiling = min(3600, 10 * 2 ** (attempts - 1))
        for _ in range(20):
            assert ceiling / 2 <= relay.backoff_delay(attempts) <= ceiling
    assert relay.backoff_delay(1000) <= 3600


def test_too_many_requests_honours_retry_after(app, forwarding):
    queue(app, 2)
    forwarding.status, forwarding.retry_after = 429, "120"
    before = utcnow()
    drain(app)
    assert all((r.next_attempt_at - before).total_seconds() >= 119.9 for r in items(app).values())


def test_network_errors_back_off(app):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config["LMS_XAPI_FORWARD_URL"] = f"http://127.0.0.1:{port}/xapi"
    queue(app, 3)
    stats = drain(app)
    assert stats.retrying == 3 and "Network error" in stats.stopped
    rows = list(items(app).values())
    assert all(r.status == "pending" and r.attempts == 1 and r.next_attempt_at > utcnow() for r in rows)
    assert all("Network error" in r.last_error for r in rows)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_without_burning_the_batch(app, forwarding, status):
    queue(app, 5)
    forwarding.status = status
    stats = drain(app, batch_size=2)
    assert stats.batches == 1 and stats.sent == stats.parked == stats.retrying == 0
    assert f"HTTP {status}" in stats.stopped
    rows = list(items(app).values())
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)  # not counted against the statements
    assert all(r.next_attempt_at <= utcnow() for r in rows)  # due as soon as the credentials are fixed
    assert sum(1 for r in rows if r.last_error and "LMS_XAPI_FORWARD_USERNAME" in r.last_error) == 2
    forwarding.status = None
    assert drain(app, batch_size=2).sent == 5


def test_parked_statements_can_be_retried(app, forwarding):
    ids = queue(app, 3)
    forwarding.bad = {ids[0], ids[1]}
    drain(app)
    with app.app_context():
        status = relay.queue_status()
        assert (status.pending, status.sent, status.parked) == (0, 1, 2)
        forwarding.bad = set()
        parked = relay.parked_items()
        assert relay.retry_parked([parked[0].id]) == 1
        db.commit()
    assert drain(app).sent == 1
    with app.app_context():
        assert relay.retry_parked() == 1
        db.commit()
    assert drain(app).sent == 1
    assert sorted(forwarding.stored) == sorted(ids)


def test_queue_status_reports_depth_age_and_latest_error(app, forwarding):
    queue(app, 3)
    with app.app_context():
        db.execute(OutboxItem.__table__.update().values(created_at=utcnow() - timedelta(minutes=7)))
        db.commit()
        status = relay.queue_status()
        assert status.pending == 3 and status.last_error is None
        assert timedelta(minutes=6) < status.oldest_age < timedelta(minutes=8)
    forwarding.status = 500
    drain(app)
    with app.app_context():
        assert "HTTP 500" in relay.queue_status().last_error


def test_claims_skip_rows_another_relay_holds(app):
    """FOR UPDATE SKIP LOCKED: a relay does not wait for, nor take, rows another relay has locked."""
    engine = app.extensions["lms"].db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite claims with one atomic UPDATE ... RETURNING")
    ids = queue(app, 30)
    with engine.connect() as other:
        with other.begin():
            locked = other.execute(text("SELECT statement_id FROM lms_xapi_outbox ORDER BY id LIMIT 10 FOR UPDATE"))
            assert [r[0] for r in locked] == ids[:10]
            with app.app_context():
                started = time.monotonic()
                claimed = [i.statement_id for i in relay.claim(10)]
                assert time.monotonic() - started < 2  # did not wait for the lock
            assert claimed == ids[10:20]
    with app.app_context():
        assert [i.statement_id for i in relay.claim(100)] == ids[:10] + ids[20:]


def test_concurrent_relays_send_each_statement_once(app, forwarding):
    """Several relays at once (threads here, processes in production): disjoint batches, no double send.

    PostgreSQL: FOR UPDATE SKIP LOCKED. SQLite (one in-process relay per server worker): the claim is
    one UPDATE ... RETURNING in a write transaction.
    """
    ids = queue(app, 600)
    forwarding.delay = 0.02  # make batches overlap in time
    results: list[relay.DrainStats] = []
    errors: list[BaseException] = []

    def run():
        try:
            results.append(drain(app, batch_size=25))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r.sent for r in results) == 600
    assert sum(1 for r in results if r.sent) >= 2  # the work really was shared
    assert len(forwarding.stored) == 600 and sorted(forwarding.stored) == sorted(ids)
    batches = [frozenset(s["id"] for s in req["statements"]) for req in forwarding.requests]
    assert sum(len(b) for b in batches) == 600  # disjoint batches


def test_run_relay_once_and_the_in_process_thread(app, forwarding):
    ids = queue(app, 7)
    total = relay.run_relay(app, once=True, batch_size=3)
    assert total.sent == 7 and total.batches == 3
    more = queue(app, 5)
    stop = relay.start_inprocess_relay(app, interval=0.05)
    try:
        assert relay.start_inprocess_relay(app) is stop  # once per app and process
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(forwarding.stored) < 12:
            time.sleep(0.05)
    finally:
        stop.set()
        relay._started.pop(id(app))[0].join(5)
    assert sorted(forwarding.stored) == sorted(ids + more)


def test_in_process_relay_needs_a_forward_url(app):
    app.config["LMS_XAPI_FORWARD_URL"] = ""
    assert relay.start_inprocess_relay(app) is None
    with app.app_context(), pytest.raises(relay.RelayNotConfigured):
        relay.drain()


def test_cli_relay_once(app, runner, forwarding):
    ids = queue(app, 4)
    result = runner.invoke(args=["lms", "xapi-relay", "--once", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "4 sent, 0 parked, 0 to retry (2 batches, 2 requests)" in result.output
    assert sorted(forwarding.stored) == sorted(ids)
    forwarding.status = 503
    queue(app, 1)
    failed = runner.invoke(args=["lms", "xapi-relay", "--once"])
    assert failed.exit_code == 1 and "HTTP 503" in failed.output


def test_cli_relay_without_forward_url(app, runner):
    app.config["LMS_XAPI_FORWARD_URL"] = ""
    result = runner.invoke(args=["lms", "xapi-relay", "--once"])
    assert result.exit_code != 0 and "LMS_XAPI_FORWARD_URL" in result.output


def test_recorder_queues_in_the_same_transaction(app, forwarding, make_user):
    """A rolled-back change leaves no outbox row; a committed one leaves exactly one per statement."""
    from lms.accounts.models import User
    from lms.learning import services

    trainee = make_user("trainee")
    with app.app_context():
        course = services.catalog().courses["ethics"]
        services.enroll(db.get(User, trainee.id), course)
        db.rollback()
        assert db.scalar(select(func.count()).select_from(OutboxItem)) == 0
        services.enroll(db.get(User, trainee.id), course)
        db.commit()
        assert db.scalar(select(func.count()).select_from(OutboxItem)) == 1


def test_in_process_relay_starts_with_the_first_request(app, lrs_server, database_url, tmp_path):
    """LMS_XAPI_RELAY_INPROCESS: the embedded default runs the relay in a thread of the web server."""
    from app import create_app
    from lms.mail import MemoryMailSender

    served = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough", "LMS_DATABASE_URL": database_url,
        "LMS_BASE_URL": "http://lms.test", "LMS_MAIL_SENDER": MemoryMailSender(), "SERVER_NAME": None,
        "LMS_XAPI_FORWARD_URL": lrs_server.url, "LMS_XAPI_RELAY_INPROCESS": True, "LMS_XAPI_RELAY_INTERVAL": 0.1,
    })
    served.instance_path = str(tmp_path)
    try:
        ids = queue(app, 3)
        time.sleep(0.2)
        assert lrs_server.stored == []  # CLI commands and imports start nothing: only serving does
        assert served.test_client().get("/courses").status_code == 200
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(lrs_server.stored) < 3:
            time.sleep(0.05)
        assert sorted(lrs_server.stored) == sorted(ids)
    finally:
        running = relay._started.pop(id(served), None)
        if running:
            running[1].set()
            running[0].join(5)
        served.extensions["lms"].db.engine.dispose()
