"""`flask lms demo`: every supervision flag for each supervisor's trainees, hours, ratings, an observation
and a sign-off, a certificate in every verification status, and a second run that changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import lms.models  # noqa: F401  (every table in the metadata, for the row counts)
from lms.db import Base, utcnow
from lms.db import session as db

SAM, LEE = "sam.supervisor@example.org", "lee.supervisor@example.org"
# What each supervisor's dashboard shows, trainee by trainee (lms/demo.py tells why).
EXPECTED_FLAGS = {
    SAM: {"Jordan Reyes": {"crisis-critical"},
          "Casey Nguyen": {"inactive", "failed-twice", "hours-pending"},
          "Morgan Whitfield": {"inactive"}},
    LEE: {"Riley Thompson": set(),
          "Taylor Brooks": {"failed-twice", "hours-pending"},
          "Devon Alvarez": {"inactive", "crisis-critical"}},
}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _user(email: str):
    from lms.accounts.services import find_user_by_email

    return find_user_by_email(email)


def test_demo_gives_each_supervisor_every_flag_from_backdated_events(app, demo):
    from lms.supervision import dashboard

    texts = {}
    with app.app_context():
        for supervisor, expected in EXPECTED_FLAGS.items():
            viewer = _user(supervisor)
            page = dashboard.build_dashboard(viewer, supervisor=viewer.id)
            assert {row.name: set(row.keys) for row in page.rows} == expected
            assert all(page.flag_counts[key] >= 1 for key in dashboard.FLAGS), (supervisor, page.flag_counts)
            # The summary rows the page reads agree with a recomputation from the events themselves.
            recomputed = dashboard.summarize([_user(email) for email in _trainees_of(supervisor)])
            assert {row.name: set(row.flag_keys) for row in recomputed.values()} == expected
            texts.update({row.name: [flag.text for flag in row.flags] for row in page.rows})
        meds = app.extensions["lms"].assessments.scenario("should-i-stop-my-meds").title
    assert "Never active" in texts["Morgan Whitfield"]
    assert {"Inactive 20 days", "1 log(s), 2.5 h waiting for approval"} <= set(texts["Casey Nguyen"])
    assert "Inactive 26 days" in texts["Devon Alvarez"]
    assert {f"Failed twice: {meds}", "2 log(s), 3 h waiting for approval"} <= set(texts["Taylor Brooks"])
    assert texts["Riley Thompson"] == []


def _trainees_of(supervisor: str) -> list[str]:
    from lms.demo import PLANS

    return [email for email, (sup, _plan) in PLANS.items() if sup == supervisor]


def test_demo_backdates_the_whole_history_of_inactive_trainees(app, demo):
    from lms.assessments.models import Attempt
    from lms.learning.models import Enrollment
    from lms.supervision.dashboard import agent_key
    from lms.supervision.models import PracticeLog
    from lms.xapi.models import Statement, StatementIndex
    from lms.xapi.store import iso

    with app.app_context():
        casey = _user("casey@example.org")
        cutoff = utcnow() - timedelta(days=19)
        statements = list(db.scalars(
            select(Statement).join(StatementIndex, StatementIndex.statement_seq == Statement.seq)
            .where(StatementIndex.key == agent_key(casey), StatementIndex.narrow.is_(True))))
        assert statements and all(s.stored < cutoff and s.data["stored"] == iso(s.stored) for s in statements)
        enrollments = list(db.scalars(select(Enrollment).where(Enrollment.user_id == casey.id)))
        assert enrollments and all(e.last_activity_at < cutoff for e in enrollments)
        attempts = list(db.scalars(select(Attempt).where(Attempt.user_id == casey.id)))
        assert len(attempts) == 2 and all(a.finished_at < cutoff and a.passed is False for a in attempts)
        log = db.scalar(select(PracticeLog).where(PracticeLog.trainee_id == casey.id))
        assert log.status == "pending" and log.created_at < cutoff and log.worked_on < cutoff.date()


def test_demo_has_hours_ratings_observations_and_a_sign_off_but_leaves_jordan_to_the_journey(app, demo):
    from lms.demo import READINESS
    from lms.supervision import services as supervision
    from lms.supervision.privacy import looks_like_client_details

    with app.app_context():
        riley, taylor, jordan = (_user(f"{n}@example.org") for n in ("riley", "taylor", "jordan"))
        totals = {name: supervision.hour_totals(user) for name, user in (("riley", riley), ("taylor", taylor))}
        assert (totals["riley"]["practice"], totals["riley"]["supervision"], totals["riley"]["pending"]) == (7, 2.5, 0)
        assert (totals["taylor"]["practice"], totals["taylor"]["pending"]) == (3, 3)
        kinds = {log.kind for log in supervision.logs_of(taylor) if log.status == "pending"}
        assert kinds == {"practice", "supervision"}
        for log in supervision.logs_of(riley) + supervision.logs_of(taylor):
            assert not looks_like_client_details(log.activity) and not looks_like_client_details(log.reflection)
        ratings = supervision.current_ratings(riley)
        assert ratings["icrc-advocacy"][:2] == ("proficient", "rating")
        assert ratings["icrc-ethical-responsibility"][1] == "observation"  # from the observation's scores
        assert len(supervision.observations_of(riley)) == 1 and len(supervision.observations_of(taylor)) == 1
        assert supervision.active_sign_off(riley, READINESS).statement
        # The supervisor journey (tests/e2e) rates Jordan, approves Jordan's first hours and signs Jordan off.
        assert supervision.logs_of(jordan) == [] and supervision.sign_offs_of(jordan) == []
        assert all(source not in supervision.SUPERVISOR_SOURCES
                   for _level, source, _at in supervision.current_ratings(jordan).values())


def test_demo_certificates_cover_every_status_and_a_second_run_changes_nothing(app, client, runner, demo):
    from lms.certificates.models import Certificate
    from lms.certificates.verification import STATUSES

    records = {}
    for line in demo.split("Demo certificates")[1].splitlines()[1:]:
        code = line.split()[1]
        response = client.get(f"/api/verify/{code}")
        assert response.status_code == 200, line
        records[code] = response.get_json()
    statuses = [r["status"] for r in records.values()]
    assert sorted(set(statuses)) == sorted(STATUSES) and len(statuses) == 6
    by_status = {r["status"]: r for r in records.values()}
    assert by_status["suspended"]["status_reason"] and by_status["revoked"]["status_reason"]
    assert by_status["superseded"]["replaced_by"]["status"] == "active"
    assert by_status["expired"]["valid_until"] < utcnow().date().isoformat()
    assert by_status["expired"]["issued_on"] < by_status["expired"]["valid_until"]
    with app.app_context():
        # The e2e board journey takes the first active core certificate: Riley's, with its full evidence.
        first = db.scalar(select(Certificate).where(Certificate.program == "peer-recovery-core-training",
                                                    Certificate.status == "active"))
        assert first.snapshot["holder_name"] == "Riley Thompson"
        before = _row_counts(app)
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    assert again.output == demo
    with app.app_context():
        assert _row_counts(app) == before


def _row_counts(app) -> dict[str, int]:
    return {table.name: db.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables}
