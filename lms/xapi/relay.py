"""Forward outbox statements to an external LRS (LMS_XAPI_FORWARD_URL).

The recorder queues each statement in `lms_xapi_outbox` in the same transaction as the change it
describes; this relay drains that queue:

- claim: one short transaction marks up to `batch_size` due items as taken for a lease (their
  `next_attempt_at` moves past the lease), selecting them `FOR UPDATE SKIP LOCKED` on PostgreSQL,
  so several relays claim disjoint batches; on SQLite the claim is one atomic UPDATE ... RETURNING;
- post: a JSON array to {FORWARD_URL}/statements (xAPI 1.0.3, HTTP Basic), without "stored" and
  "authority", which belong to the receiving LRS;
- settle: 200/204 = delivered; a 409 for one statement = delivered (the LRS already holds that id);
  400/413/422 (409 for several) = split the batch in halves until the bad statement stands alone,
  then park it with the LRS's reason; 401/403 = stop and keep the batch untouched (credentials are
  wrong, not the statements); network errors, 5xx, 429 and anything else = retry later with
  exponential backoff and jitter.

Nothing is dropped: an item leaves "pending" only as "sent" or "parked", and an admin can send
parked items back to the queue. Statement ids make a resend harmless.
"""
from __future__ import annotations

import base64
import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from lms.db import session as db
from lms.db import utcnow
from lms.xapi.models import OutboxItem
from lms.xapi.store import iso

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
DELIVERED = {200, 204}
SPLIT = {400, 409, 413, 422}  # a statement in the batch is the problem: isolate it
AUTH = {401, 403}
BACKOFF_BASE = 10.0  # seconds before the first retry (before jitter)
BACKOFF_CAP = 3600.0  # never wait more than an hour between attempts
LEASE = timedelta(minutes=10)  # a claimed batch is not claimed again for this long (a crashed relay)
MAX_ERROR = 2000  # characters of an LRS answer kept in last_error


@dataclass(frozen=True)
class Answer:
    """What the LRS said to one POST."""

    status: int
    body: str = ""
    retry_after: float | None = None


Post = Callable[[list[dict]], Answer]


class RelayNotConfigured(RuntimeError):
    """LMS_XAPI_FORWARD_URL is empty."""


@dataclass
class DrainStats:
    batches: int = 0  # batches claimed
    requests: int = 0  # POSTs made (more than batches when a batch is split)
    sent: int = 0
    parked: int = 0
    retrying: int = 0  # items scheduled for a later attempt
    stopped: str | None = None  # why the drain stopped early (auth or delivery failure)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DrainStats) -> None:
        for name in ("batches", "requests", "sent", "parked", "retrying"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stopped = other.stopped or self.stopped
        self.errors = (self.errors + other.errors)[-20:]  # a relay that runs for months keeps the latest

    def __str__(self) -> str:
        text = (f"{self.sent} sent, {self.parked} parked, {self.retrying} to retry "
                f"({self.batches} batches, {self.requests} requests)")
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


# HTTP ----------------------------------------------------------------------------------------

def http_post(url: str, username: str = "", password: str = "", timeout: float = 30.0) -> Post:
    """A `post` function that sends statements to {url}/statements with the standard library."""
    endpoint = url.rstrip("/") + "/statements"
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION,
               "User-Agent": "peer-recovery-lms-relay"}
    if username or password:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def post(statements: list[dict]) -> Answer:
        body = json.dumps(statements, separators=(",", ":")).encode()
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
                return Answer(response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read().decode("utf-8", "replace")
            return Answer(exc.code, text, _retry_after(exc.headers.get("Retry-After")))

    return post


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # the HTTP-date form: fall back to our own backoff


def configured_post(app: Flask | None = None) -> Post:
    config = (app or current_app).config
    if not config.get("LMS_XAPI_FORWARD_URL"):
        raise RelayNotConfigured("Set LMS_XAPI_FORWARD_URL (and _USERNAME, _PASSWORD) to forward statements.")
    return http_post(config["LMS_XAPI_FORWARD_URL"], config.get("LMS_XAPI_FORWARD_USERNAME", ""),
                     config.get("LMS_XAPI_FORWARD_PASSWORD", ""),
                     float(config.get("LMS_XAPI_FORWARD_TIMEOUT", 30)))


# Queue ---------------------------------------------------------------------------------------

def outgoing(payload: dict) -> dict:
    """The statement as sent: the receiving LRS sets its own "stored" and "authority"."""
    return {k: v for k, v in payload.items() if k not in ("stored", "authority")}


def backoff_delay(attempts: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after the `attempts`-th failure: exponential, capped, with "equal jitter"
    (half fixed, half random) so relays and items that failed together do not retry together."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class Claimed:
    """An outbox item taken by this relay: what is needed to send it and to settle it."""

    id: int
    statement_id: str
    payload: dict
    attempts: int


def claim(batch_size: int, now: datetime | None = None) -> list[Claimed]:
    """Take up to `batch_size` due items for this relay and commit; returns them in queue order.

    One statement: UPDATE ... WHERE id IN (SELECT ... [FOR UPDATE SKIP LOCKED]) RETURNING. The lease
    (next_attempt_at in the future) keeps other relays off the batch after the commit.
    """
    now = now or utcnow()
    due = (select(OutboxItem.id)
           .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
           .order_by(OutboxItem.id).limit(batch_size))
    if db.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (update(OutboxItem).where(OutboxItem.id.in_(due.scalar_subquery()))
               .values(next_attempt_at=now + LEASE)
               .returning(OutboxItem.id, OutboxItem.statement_id, OutboxItem.payload, OutboxItem.attempts)
               .execution_options(synchronize_session=False))
    rows = _committed(lambda: db.execute(claimed).all())
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def _committed(work: Callable[[], object]):
    """Run `work` and commit, retrying when SQLite reports the database locked by another writer
    (WAL lets one writer at a time; a transaction that read first cannot wait for the lock)."""
    for attempt in range(20):
        try:
            result = work()
            db.commit()
            return result
        except OperationalError as exc:
            db.rollback()
            if "locked" not in str(exc) or attempt == 19:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def drain(batch_size: int | None = None, post: Post | None = None, max_batches: int | None = None) -> DrainStats:
    """Forward due items batch by batch until none is due, a delivery fails, or credentials are refused.

    Runs inside an app context; commits after each batch and holds no transaction while posting.
    """
    batch_size = batch_size or int(current_app.config.get("LMS_XAPI_FORWARD_BATCH") or 100)
    post = post or configured_post()
    base = float(current_app.config.get("LMS_XAPI_RELAY_BACKOFF", BACKOFF_BASE))
    cap = float(current_app.config.get("LMS_XAPI_RELAY_BACKOFF_CAP", BACKOFF_CAP))
    stats = DrainStats()
    while max_batches is None or stats.batches < max_batches:
        items = claim(batch_size)
        if not items:
            break
        stats.batches += 1
        batch = _Batch(post, base, cap)
        try:
            batch.deliver(items)
        finally:
            batch.release_untouched(items)
            _committed(batch.settle)
        stats.merge(batch.stats)
        if batch.stats.stopped:
            log.warning("xAPI relay stopped: %s", batch.stats.stopped)
            break
    return stats


class _Batch:
    """Deliver one claimed batch, splitting it when the LRS rejects a statement; collect the outcome
    of every item, then write them all at once (`settle`)."""

    def __init__(self, post: Post, base: float, cap: float):
        self.post, self.base, self.cap = post, base, cap
        self.stats = DrainStats()
        self.outcome: dict[int, dict] = {}  # item id -> column values

    def deliver(self, items: list[Claimed]) -> None:
        if not items or self.stats.stopped:
            return
        answer = self._send(items)
        if answer is None:
            return
        status = answer.status
        if status in DELIVERED or (status == 409 and len(items) == 1):
            now = utcnow()
            for item in items:
                self.outcome[item.id] = {"status": "sent", "sent_at": now, "attempts": item.attempts + 1}
            self.stats.sent += len(items)
        elif status in SPLIT and len(items) > 1:
            middle = len(items) // 2
            self.deliver(items[:middle])
            self.deliver(items[middle:])
        elif status in SPLIT:
            item = items[0]
            self.outcome[item.id] = {"status": "parked", "attempts": item.attempts + 1,
                                     "last_error": _error(f"HTTP {status}", answer.body)}
            self.stats.parked += 1
            log.warning("xAPI relay parked statement %s: HTTP %s %s", item.statement_id, status, answer.body[:200])
        elif status in AUTH:
            # Wrong credentials say nothing about the statements: record why, keep the batch as it was.
            message = _error(f"HTTP {status} (check LMS_XAPI_FORWARD_USERNAME/PASSWORD)", answer.body)
            now = utcnow()
            for item in items:
                self.outcome[item.id] = {"next_attempt_at": now, "last_error": message}
            self.stats.stopped = message
        else:
            self._retry(items, _error(f"HTTP {status}", answer.body), answer.retry_after)

    def _send(self, items: list[Claimed]) -> Answer | None:
        self.stats.requests += 1
        try:
            return self.post([outgoing(item.payload) for item in items])
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, DNS, bad response
            self._retry(items, _error("Network error", f"{type(exc).__name__}: {exc}"))
            return None

    def _retry(self, items: list[Claimed], message: str, retry_after: float | None = None) -> None:
        now = utcnow()
        for item in items:
            delay = max(backoff_delay(item.attempts + 1, self.base, self.cap), retry_after or 0)
            self.outcome[item.id] = {"attempts": item.attempts + 1, "next_attempt_at": now + timedelta(seconds=delay),
                                     "last_error": message}
        self.stats.retrying += len(items)
        self.stats.stopped = message  # the LRS is struggling: leave the rest of the queue for later
        self.stats.errors.append(message)

    def release_untouched(self, items: list[Claimed]) -> None:
        """Items this batch did not reach (stopped early, or an exception) become due again now."""
        now = utcnow()
        for item in items:
            self.outcome.setdefault(item.id, {"next_attempt_at": now})

    def settle(self) -> None:
        """Write the outcomes (only to items still pending: an admin may have acted meanwhile);
        items with the same outcome (all delivered ones, say) share one UPDATE."""
        groups: dict[tuple, list[int]] = {}
        for item_id, values in self.outcome.items():
            groups.setdefault(tuple(sorted(values.items())), []).append(item_id)
        for values, ids in groups.items():
            db.execute(update(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.status == "pending")
                       .values(dict(values)).execution_options(synchronize_session=False))


def _error(prefix: str, detail: str) -> str:
    return f"{iso(utcnow())} {prefix}: {detail.strip()}"[:MAX_ERROR]


# Status and admin actions --------------------------------------------------------------------

@dataclass(frozen=True)
class QueueStatus:
    pending: int
    sent: int
    parked: int
    oldest_pending: datetime | None
    last_error: str | None

    @property
    def oldest_age(self) -> timedelta | None:
        return utcnow() - self.oldest_pending if self.oldest_pending else None


def queue_status() -> QueueStatus:
    counts = dict(db.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status)).all())
    oldest = db.scalar(select(func.min(OutboxItem.created_at)).where(OutboxItem.status == "pending"))
    # Errors start with their ISO timestamp, so the greatest is the latest.
    last_error = db.scalar(select(func.max(OutboxItem.last_error)).where(OutboxItem.status == "pending"))
    return QueueStatus(pending=counts.get("pending", 0), sent=counts.get("sent", 0), parked=counts.get("parked", 0),
                       oldest_pending=oldest, last_error=last_error)


def parked_items(limit: int = 200) -> list[OutboxItem]:
    return list(db.scalars(select(OutboxItem).where(OutboxItem.status == "parked")
                           .order_by(OutboxItem.id).limit(limit)))


def retry_parked(item_ids: list[int] | None = None) -> int:
    """Put parked items (all, or those listed) back in the queue, due now; returns how many."""
    query = update(OutboxItem).where(OutboxItem.status == "parked")
    if item_ids is not None:
        query = query.where(OutboxItem.id.in_(item_ids))
    result = db.execute(query.values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None)
                        .execution_options(synchronize_session=False))
    return result.rowcount


# Running -------------------------------------------------------------------------------------

def run_relay(app: Flask, once: bool = False, interval: float = 5.0, batch_size: int | None = None,
              stop: threading.Event | None = None, post: Post | None = None,
              report: Callable[[DrainStats], None] | None = None) -> DrainStats:
    """Drain the outbox now (`once`) or forever, every `interval` seconds, until `stop` is set.

    Each round sends everything due, batch after batch, and stops early at the first failed
    delivery; then the loop waits `interval`. Exceptions are logged, never fatal to the loop.
    """
    stop = stop or threading.Event()
    total = DrainStats()
    while not stop.is_set():
        with app.app_context():
            try:
                stats = drain(batch_size, post or configured_post(app))
            except RelayNotConfigured:
                raise
            except Exception:  # noqa: BLE001 (a relay must survive a bad round: the database may be restarting)
                log.exception("xAPI relay round failed")
                db.rollback()
                stats = DrainStats(stopped="exception")
        total.merge(stats)
        if report and (stats.batches or stats.stopped):
            report(stats)
        if once:
            break
        stop.wait(interval)
    return total


_started: dict[int, tuple[threading.Thread, threading.Event]] = {}
_start_lock = threading.Lock()


def start_inprocess_relay(app: Flask, interval: float | None = None) -> threading.Event | None:
    """Run the relay in a daemon thread of this process (the embedded default); returns its stop event.

    Started at most once per app and process. Does nothing when forwarding is not configured.
    """
    if not app.config.get("LMS_XAPI_FORWARD_URL"):
        return None
    with _start_lock:
        running = _started.get(id(app))
        if running and running[0].is_alive():
            return running[1]
        stop = threading.Event()
        interval = interval if interval is not None else float(app.config.get("LMS_XAPI_RELAY_INTERVAL", 5))
        thread = threading.Thread(target=run_relay, kwargs={"app": app, "interval": interval, "stop": stop},
                                  name="lms-xapi-relay", daemon=True)
        thread.start()
        _started[id(app)] = (thread, stop)
        return stop


def install_inprocess_relay(app: Flask) -> None:
    """Start the in-process relay with the first request this process serves (after any fork of a
    pre-forking server, and never in CLI commands such as `flask lms db-upgrade`)."""
    if not app.config.get("LMS_XAPI_RELAY_INPROCESS"):
        return

    @app.before_request
    def _start_relay() -> None:
        if id(app) not in _started:
            start_inprocess_relay(app)

