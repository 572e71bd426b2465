"""`flask lms` commands: create-user, demo, init."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.db import session as db
from lms.learning.models import Enrollment


def test_create_user_with_role_and_org(runner, app, make_org):
    make_org("harbor", "Harbor")
    result = runner.invoke(args=["lms", "create-user", "ana@example.org", "--role", "supervisor",
                                 "--password", "long enough pw", "--org", "harbor"])
    assert result.exit_code == 0, result.output
    assert "Created supervisor ana@example.org" in result.output
    with app.app_context():
        user = db.scalar(select(User).where(User.email == "ana@example.org"))
        assert user.role == "supervisor" and user.organization.slug == "harbor"


def test_create_user_errors_are_clear(runner):
    bad_org = runner.invoke(args=["lms", "create-user", "a@example.org", "--role", "trainee", "--password",
                                  "long enough pw", "--org", "nope"])
    assert bad_org.exit_code != 0 and "No organization with the short name 'nope'" in bad_org.output
    short = runner.invoke(args=["lms", "create-user", "a@example.org", "--role", "trainee", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad_role = runner.invoke(args=["lms", "create-user", "a@example.org", "--role", "wizard", "--password", "x" * 12])
    assert bad_role.exit_code != 0 and "Invalid value for '--role'" in bad_role.output


def test_demo_creates_varied_people_and_progress_once(runner, app):
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output and "peer-demo-2026" in first.output
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0
    with app.app_context():
        roles = dict(db.execute(select(User.role, func.count()).group_by(User.role)).all())
        # Six trainees in the demo organization, four certificate holders in a partner one (demo_certificates.py).
        assert roles == {"admin": 1, "board": 1, "supervisor": 2, "trainee": 10}
        assert db.scalar(select(func.count()).select_from(Organization)) == 2
        assert db.scalar(select(func.count()).select_from(SupervisorAssignment)) == 6
        completed = db.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.completed_at.is_not(None)))
        in_progress = db.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.completed_at.is_(None)))
        assert completed >= 3 and in_progress >= 3


def test_demo_logins_work(runner, client, auth):
    runner.invoke(args=["lms", "demo"])
    assert auth.login("jordan@example.org", "peer-demo-2026").status_code == 302
    assert "Communication in Peer Support" in client.get("/my-learning").get_data(as_text=True)
