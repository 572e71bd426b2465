"""Assessments: answering a scenario decision in-process (median, with a same-run page baseline)
and item analysis over 10,000 attempts x 30 items."""

from __future__ import annotations

import re
import statistics
import tempfile
import time

import numpy as np

from bench.server import fresh_database


def _app(url: str):
    from app import create_app
    from lms.db import Base

    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "LMS_DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "LMS_RATELIMIT_LOGIN": "100000/minute",
        }
    )
    import lms.models  # noqa: F401

    Base.metadata.create_all(app.extensions["lms"].db.engine)
    return app


def decision_latency(kind: str, runs: int = 60) -> dict:
    from lms.accounts.services import create_user
    from lms.assessments.definitions import Decision, Narrative
    from lms.db import session as db

    with tempfile.TemporaryDirectory() as workdir:
        app = _app(fresh_database(kind, workdir))
        with app.app_context():
            for i in range(runs):
                create_user(f"bench{i}@example.org", "Bench", "bench password 123", via="cli")
            db.commit()
        scenario = app.extensions["lms"].assessments.scenario("late-night-text")
        timings, baseline = [], []
        for i in range(runs):
            client = app.test_client()
            client.post("/login", data={"email": f"bench{i}@example.org", "password": "bench password 123"})
            location = client.post(f"/assessments/{scenario.slug}/start").headers["Location"]
            attempt = re.search(r"/attempts/(\d+)", location).group(1)
            node = scenario.node(scenario.start)
            while isinstance(node, Narrative):
                client.post(f"/attempts/{attempt}/continue", data={"node": node.id})
                node = scenario.node(node.next)
            assert isinstance(node, Decision)
            option = max((o for o in node.options if not o.critical), key=lambda o: o.points)
            start = time.perf_counter()
            response = client.post(f"/attempts/{attempt}/decide", data={"node": node.id, "option": option.id})
            timings.append(time.perf_counter() - start)
            assert response.status_code == 302
            start = time.perf_counter()
            client.get("/courses")
            baseline.append(time.perf_counter() - start)
        app.extensions["lms"].db.engine.dispose()
    return {
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": sorted(timings)[int(runs * 0.95)] * 1000,
        "baseline_ms": statistics.median(baseline) * 1000,
    }


def item_analysis_time() -> float:
    from lms.assessments.analysis import assessment_statistics, item_statistics

    rng = np.random.default_rng(7)
    ability = rng.normal(size=(10_000, 1))
    difficulty = rng.normal(size=(1, 30))
    marks = (rng.random((10_000, 30)) < 1 / (1 + np.exp(-(ability - difficulty)))).astype(float)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        item_statistics([f"q{i}" for i in range(30)], marks, np.ones(30))
        assessment_statistics(marks)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> list[tuple]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        r = decision_latency(kind)
        rows.append(
            (
                f"Answer a scenario decision, in-process ({kind})",
                f"median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms",
                f"GET /courses median {r['baseline_ms']:.1f} ms; goal <= 20 ms",
            )
        )
    rows.append(
        ("Item analysis, 10,000 attempts x 30 items", f"median {item_analysis_time():.1f} ms", "goal <= 1,000 ms")
    )
    return rows


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
