"""External LRS down: the forwarding URL is a closed port. Trainees keep working, statements are
recorded and queued; the relay fails fast, keeps everything pending with a backoff and the error;
then a real LRS (Ralph) comes up on that port and receives every statement exactly once."""
from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import pytest

from lms.db import utcnow
from lms.xapi import relay
from tests.conftest import LRS, make_statement
from tests.faults.conftest import closed_port, make_due, outbox
from tests.xapi.test_forwarding_ralph import PASSWORD, RALPH_PYTHON, USER, Ralph

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RALPH_PYTHON.exists(), reason=f"Ralph is not installed: run `make ralph` ({RALPH_PYTHON})"),
]


def test_trainees_work_while_the_lrs_is_down_and_everything_arrives_once_when_it_returns(
        app, client, trainee, make_lrs_client, tmp_path):
    port = closed_port()
    app.config.update(LMS_XAPI_FORWARD_URL=f"http://127.0.0.1:{port}/xAPI", LMS_XAPI_FORWARD_USERNAME=USER,
                      LMS_XAPI_FORWARD_PASSWORD=PASSWORD, LMS_XAPI_FORWARD_TIMEOUT=5)

    # Pages and statement recording work: nothing in the request path talks to the external LRS.
    start = time.monotonic()
    trainee.enroll()
    trainee.open_lesson()
    trainee.open_lesson()
    assert LRS(client, *make_lrs_client()).post("/statements", json=make_statement()).status_code == 200
    assert time.monotonic() - start < 5  # well under one forward timeout for four requests
    queued = outbox(app)
    assert len(queued) >= 3 and {i.status for i in queued.values()} == {"pending"}

    # The relay fails fast on the refused connection and keeps every item, with a backoff and the reason.
    before = utcnow()
    with app.app_context():
        stats = relay.drain()
    assert (stats.sent, stats.retrying) == (0, len(queued))
    for item in outbox(app).values():
        assert item.status == "pending" and item.attempts == 1
        assert item.next_attempt_at > before
        assert "Network error" in item.last_error and "refused" in item.last_error.lower()

    trainee.open_lesson()  # still working during the outage
    expected = set(outbox(app))
    assert len(expected) == len(queued) + 1

    ralph = Ralph(tmp_path / "ralph")
    ralph.data_dir.mkdir()
    ralph.port = port  # the LRS comes back where it was
    ralph.start()
    try:
        make_due(app)  # the backoff has run out
        with app.app_context():
            stats = relay.drain()
        assert stats.sent == len(expected) and stats.retrying == 0
        delivered = [s["id"] for s in ralph.statements()]
        assert sorted(delivered) == sorted(expected)  # each exactly once
        assert {i.status for i in outbox(app).values()} == {"sent"}
        with app.app_context():
            assert relay.drain().batches == 0  # nothing is sent twice
        # A re-POST of a delivered statement, as a relay killed before it heard the answer would make:
        # an xAPI LRS must treat an identical statement id as a no-op (2xx) or answer 409.
        resent = outbox(app)[delivered[0]].payload
        status = _post(ralph, [relay.outgoing(resent)])
        assert status in (200, 204, 409)  # Ralph 5.1.0 answers 204: a no-op
        assert len(ralph.statements()) == len(expected)
    finally:
        ralph.stop()


def _post(ralph: Ralph, statements: list[dict]) -> int:
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(f"{ralph.url}/statements", data=json.dumps(statements).encode(), method="POST",
                                     headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
