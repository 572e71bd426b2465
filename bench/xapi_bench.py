"""xAPI ingest and query over HTTP, against gunicorn (2 workers), on SQLite and PostgreSQL.

Ingest: POST 10,000 statements in batches of 100. Query: GET filtered by agent and verb with
100,000 statements stored, median of 200 requests. Baseline in the same run: GET /xapi/about.
"""

from __future__ import annotations

import base64
import json
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from bench.server import REPO, serve

VERBS = ["experienced", "answered", "completed", "progressed", "registered"]
LEARNERS = 2000


def statement(i: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://bench.local", "name": f"learner-{i % LEARNERS}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/" + VERBS[i % len(VERBS)], "display": {"en-US": "x"}},
        "object": {
            "objectType": "Activity",
            "id": f"http://bench.local/xapi/activities/course/c{i % 5}/lesson/l{i % 30}",
            "definition": {"name": {"en-US": f"Lesson {i % 30}"}},
        },
        "context": {
            "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, f"r{i % LEARNERS}")),
            "contextActivities": {"parent": [{"id": f"http://bench.local/xapi/activities/course/c{i % 5}"}]},
        },
    }


def credentials(env: dict) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "lms",
            "lrs-client",
            "create",
            "bench",
            "--key",
            "bench",
            "--secret",
            "bench-secret-0123456789abcd",
            "--scope",
            "all",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:  # before the CLI exists, create the client in-process
        from app import create_app
        from lms.db import session as db
        from lms.xapi.clients import create_client

        app = create_app({"LMS_DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"]})
        with app.app_context():
            create_client("bench", ["all"], key="bench", secret="bench-secret-0123456789abcd")
            db.commit()
    token = base64.b64encode(b"bench:bench-secret-0123456789abcd").decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


def analyze(url: str) -> None:
    from sqlalchemy import text

    from lms.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def post(base: str, headers: dict, batch: list[dict]) -> None:
    req = urllib.request.Request(
        base + "/xapi/statements", data=json.dumps(batch).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(req, timeout=60) as response:
        assert response.status == 200


def timed_get(url: str, headers: dict | None = None) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        response.read()
    return time.perf_counter() - start


def run(kind: str) -> dict:
    with serve(kind) as (base, _url, env):
        headers = credentials(env)
        batches = [[statement(b * 100 + i) for i in range(100)] for b in range(100)]
        start = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda batch: post(base, headers, batch), batches))
        ingest = 10_000 / (time.perf_counter() - start)
        fill = [[statement(10_000 + b * 100 + i) for i in range(100)] for b in range(900)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda batch: post(base, headers, batch), fill))
        analyze(env["DATABASE_URL"])  # steady state: autovacuum would have analyzed by now
        # learner-6 has 50 statements, all "answered": a realistic per-learner query.
        agent = quote(json.dumps({"account": {"homePage": "http://bench.local", "name": "learner-6"}}))
        verb = "http://adlnet.gov/expapi/verbs/answered"
        query_url = f"{base}/xapi/statements?agent={agent}&verb={verb}"
        for _ in range(10):
            timed_get(query_url, headers)
        with urllib.request.urlopen(urllib.request.Request(query_url, headers=headers)) as response:
            matched = len(json.loads(response.read())["statements"])
        query = [timed_get(query_url, headers) for _ in range(200)]
        about = [timed_get(base + "/xapi/about") for _ in range(200)]
        return {
            "matched": matched,
            "ingest_per_s": ingest,
            "query_median_ms": statistics.median(query) * 1000,
            "query_p95_ms": sorted(query)[int(len(query) * 0.95)] * 1000,
            "baseline_median_ms": statistics.median(about) * 1000,
        }


def main() -> list[tuple]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        result = run(kind)
        rows.append(
            (
                f"xAPI ingest, 10k statements in batches of 100 ({kind})",
                f"{result['ingest_per_s']:,.0f} statements/s",
                "goal >= 5,000/s",
            )
        )
        rows.append(
            (
                f"xAPI GET agent+verb over 100k, {result['matched']} match ({kind})",
                f"median {result['query_median_ms']:.1f} ms, p95 {result['query_p95_ms']:.1f} ms",
                f"baseline GET /xapi/about median {result['baseline_median_ms']:.1f} ms; goal <= 10 ms",
            )
        )
    return rows


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
