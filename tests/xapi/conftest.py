"""xAPI fixtures: the test app served over real HTTP (werkzeug, threaded, in this process), for the checks
that need a socket: concurrency, exact response headers and bodies as a conformance client reads them."""
from __future__ import annotations

import base64
import http.client
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.conftest import XAPI_VERSION


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class LiveLRS:
    """Raw HTTP/1.1 requests to /xapi on the live server, with Basic credentials and the version header."""

    def __init__(self, port: int, key: str, secret: str):
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 60, credentials: bool = True) -> Answer:
        sent = {"X-Experience-API-Version": XAPI_VERSION, **({"Authorization": self.auth} if credentials else {}),
                **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, "/xapi" + path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()


@pytest.fixture
def live_port(app) -> Iterator[int]:
    """The test app (its database, emptied after the test) on a loopback port of its own."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    thread = threading.Thread(target=server.serve_forever, name="xapi-live-server", daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=30)
    server.server_close()


@pytest.fixture
def live_lrs(live_port, make_lrs_client) -> LiveLRS:
    """Credentials with the `all` scope, over real HTTP."""
    return LiveLRS(live_port, *make_lrs_client())
