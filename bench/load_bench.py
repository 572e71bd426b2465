"""Load: 50 simulated trainees for BENCH_LOAD_SECONDS (default 60) against gunicorn (2 workers), on
SQLite and PostgreSQL, with locust (bench/locustfile.py) run headless as a subprocess.

Each trainee signs in once, then mixes the catalog, a course page, lesson pages (which write
progress and a statement), "My learning" and xAPI statement POSTs. Reported per kind: p50, p95,
p99 and errors (the goal is 0). The baseline in the same run is GET /xapi/about under the same
load, so each figure is also given as a ratio to it.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.server import REPO, serve

DATABASE = "lms_bench_load"
TRAINEES = 50
PASSWORD = "load-bench-password-2026"
COURSE = "communication"  # no prerequisite, so every trainee may open its lessons
LRS_KEY, LRS_SECRET = "load", "load-bench-secret-0123456789"
BASELINE = "baseline: GET /xapi/about"


def seconds() -> int:
    return int(os.environ.get("BENCH_LOAD_SECONDS", "60"))


def seed(database_url: str) -> dict:
    """Trainees enrolled in one course and an LRS client, written straight into the served database."""
    from app import create_app
    from lms.accounts import services as accounts
    from lms.db import Base
    from lms.db import session as db
    from lms.learning import services as learning
    from lms.xapi.clients import create_client

    app = create_app({"LMS_DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                      "LMS_BASE_URL": "http://bench.local"})
    with app.app_context():
        import lms.models  # noqa: F401  (every table)

        # Tables other work adds before its migration exists: create what the migrations lack.
        Base.metadata.create_all(app.extensions["lms"].db.engine)
        course = learning.catalog().course(COURSE)
        trainees = []
        for i in range(TRAINEES):
            email = f"load-trainee-{i}@example.org"
            user = accounts.create_user(email, f"Load Trainee {i}", PASSWORD, role="trainee")
            learning.enroll(user, course)
            trainees.append({"email": email, "account": f"load-{i}"})
        create_client("load bench", ["all"], key=LRS_KEY, secret=LRS_SECRET)
        db.commit()
        lessons = [f"/courses/{COURSE}/lessons/{lesson.slug}" for lesson in course.lessons]
    app.extensions["lms"].db.engine.dispose()
    return {"trainees": trainees, "password": PASSWORD, "course": COURSE, "lessons": lessons,
            "lrs_key": LRS_KEY, "lrs_secret": LRS_SECRET}


def run_locust(base: str, plan: dict, workdir: Path, duration: int) -> list[dict]:
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    prefix = workdir / "load"
    log = workdir / "locust.log"
    with log.open("wb") as out:
            done = subprocess.run([sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"),
                               "--headless",
                               "-u", str(TRAINEES), "-r", "10", "-t", f"{duration}s", "--host", base,
                               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
                               "--exit-code-on-error", "0"],
                              cwd=REPO, env={**os.environ, "LOAD_PLAN": str(plan_file)},
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"locust failed ({done.returncode}):\n{log.read_text()[-3000:]}")
    failures = workdir / "load_failures.csv"
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"load failure: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}",
                  file=sys.stderr)
    with (workdir / "load_stats.csv").open() as stats:
        return [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]


def run(kind: str, duration: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        # Every trainee signs in from 127.0.0.1: lift the per-IP login limit for the run only.
        (workdir / "config.py").write_text('LMS_RATELIMIT_LOGIN = "100000/minute"\n')
        with serve(kind, extra_env={"LMS_INSTANCE_PATH": str(workdir)}, database=DATABASE) as (base, url, _env):
            plan = seed(url)
            return run_locust(base, plan, workdir, duration)


def rows_for(kind: str, stats: list[dict], duration: int) -> list[tuple[str, str, str]]:
    by_name = {row["Name"]: row for row in stats}
    base = by_name.get(BASELINE)
    base_p50 = float(base["50%"]) if base else 0.0
    base_p95 = float(base["95%"]) if base else 0.0
    rows = []
    for name in sorted(by_name):
        row = by_name[name]
        p50, p95, p99 = float(row["50%"]), float(row["95%"]), float(row["99%"])
        result = (f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; "
                  f"{int(row['Request Count'])} requests, {int(row['Failure Count'])} errors")
        if name == BASELINE or not base_p50:
            goal = "baseline; goal 0 errors"
        else:
            goal = (f"x{p50 / base_p50:.1f} p50, x{p95 / max(base_p95, 1):.1f} p95 of /xapi/about "
                    f"({base_p50:.0f}/{base_p95:.0f} ms); goal 0 errors")
        rows.append((f"Load {TRAINEES} trainees {duration} s, {name} ({kind})", result, goal))
    return rows


def main() -> list[tuple[str, str, str]]:
    duration = seconds()
    rows = []
    for kind in ("sqlite", "postgresql"):
        rows += rows_for(kind, run(kind, duration), duration)
    return rows


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
