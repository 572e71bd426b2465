"""Shared set-up for the supervision page tests: a cast of people in two organizations, a signed-in
client for each, and small helpers to read and write rows."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.accounts.services import hash_password
from lms.db import session as db
from lms.db import utcnow
from tests.conftest import PASSWORD, Auth, csrf_token

ROLES = ("anonymous", "trainee", "other_trainee", "supervisor", "peer_supervisor", "stranger", "org_admin",
         "away_org_admin", "board", "admin")
COMP = "engages-peers"
YESTERDAY = date.today() - timedelta(days=1)
_HASH: dict[str, str] = {}


@pytest.fixture
def programs(app, monkeypatch):
    """The shipped programs plus copies under other slugs, so each role in a table can sign off a program
    of its own (one active sign-off per trainee and program). Copies of a program that waits for approval,
    so the certificate receivers only look and never issue."""
    shipped = app.extensions["lms"].programs
    model = next(p for p in shipped.values() if p.issuance == "approval")
    table = type(shipped)(shipped)
    table.code_of_ethics = shipped.code_of_ethics
    for i in range(12):
        table[f"program-{i}"] = model.model_copy(update={"slug": f"program-{i}", "name": f"Program {i}"})
    monkeypatch.setattr(app.extensions["lms"], "programs", table)
    return table


@pytest.fixture
def people(app):
    """Everyone the access table names, committed; `trainee` is supervised by `supervisor` in `home`."""
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)  # once per run: scrypt is slow on purpose
    with app.app_context():
        home, away = Organization(slug="home", name="Home Recovery"), Organization(slug="away", name="Away Recovery")
        db.add_all([home, away])
        cast = {
            "trainee": ("trainee", home, {}), "other_trainee": ("trainee", home, {}),
            "supervisor": ("supervisor", home, {}), "peer_supervisor": ("supervisor", home, {}),
            "stranger": ("supervisor", away, {}), "org_admin": ("supervisor", home, {"is_org_admin": True}),
            "away_org_admin": ("supervisor", away, {"is_org_admin": True}), "board": ("board", home, {}),
            "admin": ("admin", None, {}), "away_trainee": ("trainee", away, {}),
        }
        users = {}
        for key, (role, org, extra) in cast.items():
            users[key] = User(email=f"{key.replace('_', '.')}@example.org", name=key.replace("_", " ").title(),
                              password_hash=_HASH["h"], role=role, organization=org, **extra)
        db.add_all(users.values())
        db.flush()
        db.add(SupervisorAssignment(supervisor_id=users["supervisor"].id, trainee_id=users["trainee"].id))
        db.add(SupervisorAssignment(supervisor_id=users["peer_supervisor"].id,
                                    trainee_id=users["other_trainee"].id))
        db.commit()
        ids = {key: user.id for key, user in users.items()}
        emails = {key: user.email for key, user in users.items()}
    return SimpleNamespace(**{key: SimpleNamespace(id=ids[key], email=emails[key]) for key in ids})


def sign_in(app, role: str, people, real: bool = False):
    """A new test client signed in as `role` (or anonymous).

    By default the session is started as the login view starts it (start_session), without the
    password check: the access tables sign in over a hundred times, and scrypt is slow on purpose.
    `real=True` goes through the login form.
    """
    from lms.accounts.auth import start_session

    client = app.test_client()
    if role == "anonymous":
        return client
    if real:
        response = Auth(client).login(getattr(people, role).email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    with client.session_transaction() as sess:
        start_session(sess, SimpleNamespace(id=getattr(people, role).id, session_version=1))
    return client


def post(client, url: str, data: dict | None = None):
    """POST with a CSRF token handed out by the site (the sign-out form, or the login page).

    Forms shown several to a page carry a prefix (`engages-peers-level`, `r5-decision`), and WTForms
    prefixes their token field too, so the token goes under each prefix the data uses.
    """
    token = csrf_token(client, "/courses") if _signed_in(client) else csrf_token(client, "/login")
    data = dict(data or {})
    prefixes = {key.rsplit("-", 1)[0] + "-" for key in data if "-" in key}
    return client.post(url, data={**{f"{p}csrf_token": token for p in prefixes | {""}}, **data})


def _signed_in(client) -> bool:
    from lms.accounts.auth import SESSION_UID

    with client.session_transaction() as sess:
        return SESSION_UID in sess


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.scalar(query)


def add_log(app, trainee_id: int, status: str = "pending", hours: float = 2.0, worked_on: date = YESTERDAY,
            comment: str = "") -> int:
    from lms.supervision.models import PracticeLog

    with app.app_context():
        log = PracticeLog(trainee_id=trainee_id, worked_on=worked_on, hours=hours, kind="practice",
                          domain="advocacy", activity="Group facilitation", status=status, review_comment=comment)
        db.add(log)
        db.commit()
        return log.id


def add_sign_off(app, trainee_id: int, supervisor_id: int, program: str) -> int:
    from lms.supervision.models import SignOff

    with app.app_context():
        row = SignOff(trainee_id=trainee_id, supervisor_id=supervisor_id, program=program,
                      statement="Ready for practice.", signed_at=utcnow())
        db.add(row)
        db.commit()
        return row.id
