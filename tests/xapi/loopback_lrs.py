"""A tiny LRS on 127.0.0.1 for relay tests: a real HTTP server (http.server in a thread), not a mock.

It accepts POST /xapi/statements batches and answers by rules the test sets:
- `status`: answer every request with this status (503, 401, 429...), with `retry_after` if set;
- `bad`: statement ids that make a whole batch fail with 400 (`bad_status`) and a reason naming the id;
- `conflicts`: ids the LRS already holds with other content: a batch containing one gets 409;
- otherwise 200 with the ids; it keeps every request (headers, statements) and what it stored.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackLRS:
    def __init__(self):
        self.status: int | None = None
        self.retry_after: str | None = None
        self.bad: set[str] = set()
        self.bad_status = 400
        self.conflicts: set[str] = set()
        self.delay = 0.0
        self.requests: list[dict] = []  # {"headers": (lower-case names), "statements": [...], "status": int}
        self.stored: list[str] = []  # ids, in arrival order; repeats show double delivery
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xapi"

    def start(self) -> LoopbackLRS:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, headers: dict, statements: list[dict]) -> tuple[int, dict, bytes]:
        if self.delay:
            time.sleep(self.delay)
        ids = [s.get("id") for s in statements]
        extra = {"Retry-After": self.retry_after} if self.retry_after else {}
        with self.lock:
            self.requests.append({"headers": headers, "statements": statements})
            if self.status:
                return self.status, extra, json.dumps({"error": f"told to answer {self.status}"}).encode()
            bad = [i for i in ids if i in self.bad]
            if bad:
                reason = f"Invalid statement {bad[0]}: verb.id must be an IRI"
                return self.bad_status, {}, json.dumps({"detail": reason}).encode()
            if any(i in self.conflicts for i in ids):
                return 409, {}, b'{"detail": "Differing statements already exist with the same ID"}'
            self.stored.extend(ids)
            return 200, {}, json.dumps(ids).encode()

    def _handler(self):
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                statements = json.loads(self.rfile.read(length))
                status, extra, body = lrs.answer({k.lower(): v for k, v in self.headers.items()}, statements)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler
