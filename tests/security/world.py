"""A seeded world for the security tests: two organizations, one trainee in org A who owns one of
everything (enrollment, attempt, practice log, sign-off, CE entry, certificate), her assigned
supervisor, org B's supervisor (an org admin there) and trainee, a board member and an admin.

Values are plain ids and strings, usable after the session closes. `sign_in(client, world, who)`
puts a principal's id straight into the session (the login form has its own tests), which keeps a
route x principal matrix fast.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from lms.accounts.auth import SESSION_UID, SESSION_VERSION
from lms.db import Base
from lms.db import session as db
from tests.conftest import PASSWORD

# Distinctive strings: if one shows up in a page served to someone who may not see it, data leaked.
OWNER_NAME = "Quillon Marisdottir"
ORG_A_NAME = "Riverside Recovery"
ORG_B_NAME = "Lakeside Peer Network"
LOG_ACTIVITY = "Facilitated a Saturday mutual-aid meeting"
SIGN_OFF_STATEMENT = "Ready for independent peer support under the agency policy."
CE_TITLE = "Ethics refresher on boundaries"
COURSE = "communication"
PROGRAM = "peer-recovery-core-training"
LEAK_MARKERS = (OWNER_NAME, LOG_ACTIVITY, SIGN_OFF_STATEMENT, CE_TITLE)
PRINCIPALS = ("anonymous", "other_trainee", "other_supervisor", "board", "trainee", "supervisor", "admin")
_HASH: dict[str, str] = {}


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)  # principal -> user id (no anonymous)
    emails: dict[str, str] = field(default_factory=dict)
    org_a: int = 0
    org_b: int = 0
    enrollment: int = 0
    attempt: int = 0
    scenario: str = ""
    log: int = 0
    sign_off: int = 0
    ce_entry: int = 0
    cert: int = 0
    cert_code: str = ""
    invitation: int = 0
    invite_token: str = ""
    reset_token: str = ""
    lrs_client: int = 0
    outbox_item: int = 0
    lesson: str = ""
    check: str = ""
    activity: str = ""
    competency: str = ""


def password_hash() -> str:
    from lms.accounts.services import hash_password

    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)  # once per run: scrypt is slow on purpose
    return _HASH["h"]


def build_world(app) -> World:
    """Seed and commit the world through the services where they exist (so rows are realistic)."""
    from lms.accounts.models import Organization, SupervisorAssignment, User
    from lms.accounts.services import create_invitation, make_reset_token
    from lms.assessments import services as assessments
    from lms.certificates import continuing_ed
    from lms.certificates.issuance import create_certificate
    from lms.learning import services as learning
    from lms.supervision import services as supervision
    from lms.xapi.clients import create_client
    from lms.xapi.models import OutboxItem

    w = World()
    with app.app_context():
        state = app.extensions["lms"]
        org_a, org_b = Organization(slug="riverside", name=ORG_A_NAME), Organization(slug="lakeside", name=ORG_B_NAME)
        db.add_all([org_a, org_b])
        cast = {
            "trainee": ("trainee", org_a, OWNER_NAME, {}),
            "other_trainee": ("trainee", org_b, "Other Trainee", {}),
            "supervisor": ("supervisor", org_a, "Assigned Supervisor", {}),
            # An org admin, so "sees their whole organization" is exercised for the wrong organization.
            "other_supervisor": ("supervisor", org_b, "Other Org Supervisor", {"is_org_admin": True}),
            "board": ("board", org_a, "Board Member", {}),
            "admin": ("admin", None, "Site Admin", {}),
        }
        users = {}
        for key, (role, org, name, extra) in cast.items():
            users[key] = User(email=f"{key.replace('_', '.')}@example.org", name=name, password_hash=password_hash(),
                              role=role, organization=org, **extra)
        db.add_all(users.values())
        db.flush()
        db.add(SupervisorAssignment(supervisor_id=users["supervisor"].id, trainee_id=users["trainee"].id))
        db.add(SupervisorAssignment(supervisor_id=users["other_supervisor"].id,
                                    trainee_id=users["other_trainee"].id))
        owner, sup = users["trainee"], users["supervisor"]

        course = state.catalog.courses[COURSE]
        lesson = course.lessons[0]
        w.lesson, w.check = lesson.slug, lesson.checks[0].id if lesson.checks else "none"
        w.activity = lesson.activities[0].id if lesson.activities else "none"
        w.enrollment = learning.enroll(owner, course).id
        w.scenario = next(iter(state.assessments.scenarios))
        w.attempt = assessments.start_attempt(owner, state.assessments.scenarios[w.scenario]).id
        framework = state.catalog.framework
        w.competency = next(iter(framework.competencies))
        domain = next(iter(framework.domain_names))
        w.log = supervision.log_hours(owner, date.today() - timedelta(days=1), 2.0, "practice", domain,
                                      LOG_ACTIVITY, "Noticed I talk less and listen more now.").id
        w.sign_off = supervision.sign_off(sup, owner, PROGRAM, SIGN_OFF_STATEMENT).id
        w.ce_entry = continuing_ed.record(owner, CE_TITLE, date.today() - timedelta(days=2), 1.5).id
        cert = create_certificate(owner, state.programs[PROGRAM], actor=users["admin"], reason="security world")
        w.cert, w.cert_code = cert.id, cert.code
        invitation, w.invite_token = create_invitation("invitee@example.org", "trainee", org_a, users["admin"])
        w.invitation = invitation.id
        w.reset_token = make_reset_token(owner)
        w.lrs_client = create_client("world client", ["all"])[0].id
        item = OutboxItem(statement_id=str(uuid.uuid4()), payload={"id": "x"}, status="parked")
        db.add(item)
        db.flush()
        w.outbox_item = item.id
        db.commit()
        w.ids = {key: user.id for key, user in users.items()}
        w.emails = {key: user.email for key, user in users.items()}
        w.org_a, w.org_b = org_a.id, org_b.id
    return w


def sign_in(client, world: World, who: str) -> None:
    """Make `client` act as `who` (or nobody for "anonymous") by setting the session the login sets."""
    from lms.accounts.models import User

    with client.session_transaction() as sess:
        sess.clear()
        if who == "anonymous":
            return
        with client.application.app_context():
            version = db.get(User, world.ids[who]).session_version
        sess[SESSION_UID] = world.ids[who]
        sess[SESSION_VERSION] = version


def db_state(app) -> dict[str, list[str]]:
    """Every row of every LMS table, as text: a refused request must leave all of them as they were
    (counts alone would miss an update such as a withdrawn sign-off or a suspended certificate)."""
    with app.app_context():
        state = {t.name: sorted(repr(tuple(row)) for row in db.execute(select(t)).all())
                 for t in Base.metadata.sorted_tables}
        db.rollback()
        return state


def row_counts(app) -> dict[str, int]:
    return {name: len(rows) for name, rows in db_state(app).items()}
