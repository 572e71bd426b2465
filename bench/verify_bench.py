"""Verification: one code in-process through the test client (JSON API with and without the rate
limiter, and the page; medians of 300, interleaved) and bulk verification of 1,000 codes (median of
10), with 10,000 certificates stored, on SQLite and PostgreSQL. Baseline in the same run: GET
/verify (the form: same hooks and limiter, no query)."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import text

from bench import server

PG_DATABASE = "lms_bench_verify"  # this benchmark's own database
CERTIFICATES = 10_000
HOLDERS = 2_000
RUNS = 300
BULK_RUNS = 10


def fresh_database(kind: str, workdir: str) -> str:
    return server.fresh_database(kind, workdir, database=PG_DATABASE)


def _app(url: str):
    from app import create_app
    from lms.db import Base

    app = create_app({
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "LMS_DATABASE_URL": url,
        "LMS_BASE_URL": "http://bench.local",
        "LMS_RATELIMIT_VERIFY": "1000000/minute",
    })
    import lms.models  # noqa: F401

    Base.metadata.create_all(app.extensions["lms"].db.engine)
    return app


def _snapshot(i: int) -> dict:
    return {
        "holder_name": f"Holder {i}", "program_name": "Peer Recovery Core Training",
        "hours": {"total": 46.0, "by_domain": {"advocacy": 10.0, "ethical-responsibility": 16.0}, "ethics": 16.0},
        "domain_names": {"advocacy": "Advocacy", "ethical-responsibility": "Ethical Responsibility"},
        "courses": [{"slug": f"course-{n}", "title": f"Course {n}", "completed_on": "2026-01-10"} for n in range(5)],
        "assessments": [{"id": "final", "title": "Final check", "score": 0.9, "passed_on": "2026-01-12"}],
        "competencies": [], "practice_hours": {"practice": 0.0, "supervision": 0.0}, "sign_off": None,
        "issuer": {"name": "Peer Recovery Training", "url": "http://bench.local"},
        "signatory": {"name": "Director", "title": "Director of Training"},
    }


def _seed(app) -> list[str]:
    """HOLDERS users and CERTIFICATES certificates in a realistic mix of statuses; returns the codes."""
    from lms.accounts.models import User
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate
    from lms.db import session as db
    from lms.db import utcnow

    rng = random.Random(7)
    now = utcnow()
    with app.app_context():
        db.add_all([User(email=f"holder{i}@example.org", name=f"Holder {i}", password_hash="x")
                    for i in range(HOLDERS)])
        db.flush()
        user_ids = list(db.scalars(text("SELECT id FROM lms_user ORDER BY id")))
        rows, codes = [], []
        for i in range(CERTIFICATES):
            status = rng.choices(["active", "suspended", "revoked", "superseded"], [85, 3, 2, 10])[0]
            code = new_code()
            codes.append(code)
            rows.append(Certificate(
                number=f"PRCT-2026-{i + 1:06d}", code=code, user_id=user_ids[i % HOLDERS],
                program="peer-recovery-core-training", status=status,
                status_reason="Under review" if status in ("suspended", "revoked") else "",
                status_changed_at=now if status != "active" else None, active_key=None,
                awarded_on=date(2026, 1, 15), issued_at=now - timedelta(days=i % 700),
                valid_until=now + timedelta(days=rng.randint(-60, 700)), snapshot=_snapshot(i), status_index=i + 1))
        db.add_all(rows)
        db.commit()
    return codes


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _interleaved(calls: dict, runs: int) -> dict[str, list[float]]:
    """Time each call once per round, so load from other processes weighs on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - start)
    return samples


def measure(kind: str) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        app = _app(fresh_database(kind, workdir))
        codes = _seed(app)
        client = app.test_client()
        rng = random.Random(11)

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        def unlimited(url: str) -> None:
            app.config["LMS_RATELIMIT_VERIFY"] = ""
            try:
                get(url)
            finally:
                app.config["LMS_RATELIMIT_VERIFY"] = "1000000/minute"

        for _ in range(20):  # warm up: templates compiled, connections pooled
            get(f"/api/verify/{rng.choice(codes)}")
            get(f"/verify/{rng.choice(codes)}")
        t = _interleaved({
            "api": lambda: get(f"/api/verify/{rng.choice(codes)}"),
            "api_unlimited": lambda: unlimited(f"/api/verify/{rng.choice(codes)}"),
            "page": lambda: get(f"/verify/{rng.choice(codes)}"),
            "baseline": lambda: get("/verify"),
        }, RUNS)
        batches = [rng.sample(codes, 1000) for _ in range(BULK_RUNS)]

        def post_bulk() -> None:
            response = client.post("/api/verify", json={"codes": batches.pop()})
            assert response.status_code == 200 and len(response.get_json()["results"]) == 1000

        bulk = _interleaved({"bulk": post_bulk}, BULK_RUNS)["bulk"]
        app.extensions["lms"].db.engine.dispose()
    result = {name: _median_ms(samples) for name, samples in t.items()}
    result["api_p95"] = sorted(t["api"])[int(RUNS * 0.95)] * 1000
    result["bulk"], result["bulk_max"] = _median_ms(bulk), max(bulk) * 1000
    return result


def main() -> list[tuple]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        r = measure(kind)
        base = f"GET /verify (no query) median {r['baseline']:.1f} ms; goal <= 5 ms"
        rows.append((f"Verify one code, GET /api/verify/<code>, in-process ({kind}, 10,000 certificates)",
                     f"median {r['api']:.1f} ms, p95 {r['api_p95']:.1f} ms", base))
        rows.append((f"Same, rate limit off (LMS_RATELIMIT_VERIFY = '') ({kind})",
                     f"median {r['api_unlimited']:.1f} ms", base))
        rows.append((f"Verify one code, page /verify/<code>, in-process ({kind})", f"median {r['page']:.1f} ms", base))
        rows.append((f"Bulk verify 1,000 codes, POST /api/verify, in-process ({kind})",
                     f"median {r['bulk']:.0f} ms, max {r['bulk_max']:.0f} ms", "goal <= 1,000 ms"))
    return rows


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
