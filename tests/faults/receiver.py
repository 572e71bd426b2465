"""A receiving LRS for fault tests: a real HTTP server (http.server in a thread) on 127.0.0.1.

It accepts POST {url}/statements, optionally sleeps `delay` seconds first (a slow LRS), then
stores the statements and answers 200 with their ids. Like an xAPI LRS (Communication 2.1.2), a
statement whose id it already holds with the same content is accepted again as a no-op; `received`
keeps every id in arrival order, so a re-send shows as a repeat there while `stored` holds each
statement once. It can bind a given port, so a test can start it where a closed port used to be.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port: int = 0, delay: float = 0.0):
        self.delay = delay
        self.received: list[str] = []  # every id, repeats included
        self.stored: dict[str, dict] = {}
        self.conflicts: list[str] = []  # ids re-sent with different content (must stay empty)
        self.requests = 0
        self.first_request = threading.Event()  # set when a POST arrives (before the delay)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xapi"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def resent(self) -> int:
        """How many deliveries repeated an id already received."""
        return len(self.received) - len(set(self.received))

    def take(self, statements: list[dict]) -> list[str]:
        with self.lock:
            for statement in statements:
                self.received.append(statement["id"])
                held = self.stored.setdefault(statement["id"], statement)
                if held != statement:
                    self.conflicts.append(statement["id"])
            return [s["id"] for s in statements]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests += 1
                receiver.first_request.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = json.dumps(receiver.take(json.loads(body))).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the relay gave up (timeout) or was killed while we were slow

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler
