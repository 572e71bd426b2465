"""Supervisor dashboard: 200 trainees x 16 competencies with evidence, progress, attempts, hours and xAPI
statements, rendered in-process (median), against the same page for the same user with no trainees."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from bench import server

PG_DATABASE = os.environ.get("BENCH_DASHBOARD_DB", "lms_bench_h2")  # its own database, apart from the others
TRAINEES, PASSWORD = 200, "bench password 123"
NOW = datetime.now(UTC)


def fresh_database(kind: str, workdir: str) -> str:
    return server.fresh_database(kind, workdir, database=PG_DATABASE)


def _app(url: str):
    from app import create_app
    from lms.db import Base

    app = create_app({"SECRET_KEY": "bench-secret-key-0123456789abcdef", "LMS_DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "LMS_RATELIMIT_LOGIN": "100000/minute",
                      "LMS_BASE_URL": "http://bench.local"})
    import lms.models  # noqa: F401

    Base.metadata.create_all(app.extensions["lms"].db.engine)
    return app


def _statements(user, n: int) -> list[dict]:
    from lms.xapi import recorder
    from lms.xapi.vocabulary import ActivityType, Verb

    return [{"id": str(uuid.uuid4()), "actor": recorder.actor(user), "verb": recorder.verb(Verb.EXPERIENCED),
             "timestamp": (NOW - timedelta(hours=i)).isoformat(),
             "object": recorder.activity(f"http://bench.local/xapi/activities/lesson/{i}", ActivityType.LESSON,
                                         f"Lesson {i}")} for i in range(n)]


def seed(app) -> tuple[int, int]:
    """The cohort in one organization and an empty organization; returns both ids."""
    from lms.accounts.models import Organization, SupervisorAssignment, User
    from lms.accounts.services import create_user
    from lms.assessments.models import Attempt, AttemptStep
    from lms.db import session as db
    from lms.learning.models import Enrollment, LessonProgress
    from lms.supervision.models import CompetencyEvidence, PracticeLog
    from lms.supervision.summary import rebuild_summaries
    from lms.xapi.store import store_statements

    state = app.extensions["lms"]
    comps = list(state.catalog.framework.competencies)
    levels = [lv.id for lv in state.catalog.framework.scale.levels]
    courses = list(state.catalog.courses.values())[:3]
    scenario = state.assessments.scenarios_for("crisis-intervention")[0]
    decisions = scenario.decisions
    with app.app_context():
        org, empty = Organization(slug="cohort", name="Cohort"), Organization(slug="empty", name="Empty")
        db.add_all([org, empty])
        db.flush()
        create_user("admin@example.org", "Bench Admin", PASSWORD, role="admin", via="cli")
        supervisors = [User(email=f"sup{i}@example.org", name=f"Supervisor {i}", role="supervisor",
                            password_hash="x", organization_id=org.id) for i in range(8)]
        db.add_all(supervisors)
        db.flush()
        for n in range(TRAINEES):
            trainee = User(email=f"t{n}@example.org", name=f"Trainee {n:03d}", role="trainee", password_hash="x",
                           organization_id=org.id)
            db.add(trainee)
            db.flush()
            db.add(SupervisorAssignment(supervisor_id=supervisors[n % 8].id, trainee_id=trainee.id))
            when = NOW - timedelta(days=n % 30)
            for c, competency in enumerate(comps):
                db.add(CompetencyEvidence(trainee_id=trainee.id, competency_id=competency, level="developing",
                                          source="course", created_at=when))
                if (n + c) % 3:
                    db.add(CompetencyEvidence(trainee_id=trainee.id, competency_id=competency,
                                              level=levels[(n + c) % len(levels)], source="rating",
                                              author_id=supervisors[n % 8].id, created_at=when))
            for course in courses:
                enrollment = Enrollment(user_id=trainee.id, course_slug=course.slug, course_version=course.version,
                                        enrolled_at=when, last_activity_at=when)
                db.add(enrollment)
                db.flush()
                for lesson in course.lessons[: 1 + n % len(course.lessons)]:
                    db.add(LessonProgress(enrollment_id=enrollment.id, lesson_slug=lesson.slug, first_opened_at=when,
                                          last_opened_at=when, completed_at=when))
            for number in (1, 2, 3):
                attempt = Attempt(user_id=trainee.id, assessment_slug=scenario.slug, kind="scenario",
                                  course_slug=scenario.course, content_version=scenario.version, number=number,
                                  seed=1, started_at=when, finished_at=when, passed=number == 3, scaled=0.5)
                db.add(attempt)
                db.flush()
                for position, node in enumerate(decisions, start=1):
                    option = node.options[(n + number + position) % len(node.options)]
                    db.add(AttemptStep(attempt_id=attempt.id, position=position, node_id=node.id, response=option.id,
                                       critical=option.critical, correct=not option.critical, answered_at=when))
            for i in range(5):
                db.add(PracticeLog(trainee_id=trainee.id, worked_on=when.date(), hours=1.5, kind="practice",
                                   domain="advocacy", activity="Group facilitation",
                                   status="pending" if i == 0 and n % 4 == 0 else "approved", created_at=when))
            store_statements(_statements(trainee, 30), client=None)
            if n % 50 == 49:
                db.commit()
        # The rows above were written directly, not through the services whose signals keep the summaries.
        rebuild_summaries()
        db.commit()
        return org.id, empty.id


def dashboard_latency(kind: str, runs: int = 40) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        app = _app(fresh_database(kind, workdir))
        cohort, empty = seed(app)
        engine = app.extensions["lms"].db.engine
        if kind == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        client = app.test_client()
        client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
        full, bare = f"/supervision?org={cohort}", f"/supervision?org={empty}"
        queries: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
        for url in (full, bare):  # warm both: templates compiled, statements cached
            assert client.get(url).status_code == 200
        queries.clear()
        html = client.get(full).get_data(as_text=True)
        assert html.count('<g class="hm-row">') == 50, "a page of the cohort is on the dashboard"
        count = len(queries)
        timings, baseline = [], []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(full)
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.get(bare)
            baseline.append(time.perf_counter() - start)
        engine.dispose()
    median, empty_median = statistics.median(timings) * 1000, statistics.median(baseline) * 1000
    return {"median_ms": median, "p95_ms": sorted(timings)[int(runs * 0.95)] * 1000, "baseline_ms": empty_median,
            "ratio": median / empty_median, "queries": count}


def main() -> list[tuple]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        r = dashboard_latency(kind)
        rows.append((
            f"Supervisor dashboard, {TRAINEES} trainees x 16 competencies, in-process ({kind})",
            f"median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, {r['queries']} SQL statements",
            f"same page, no trainees: median {r['baseline_ms']:.1f} ms; ratio {r['ratio']:.2f}, goal <= 2.0",
        ))
    return rows


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
