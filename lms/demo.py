"""Demo data: a fictional organization with an admin, two supervisors and six trainees."""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import Organization, User
from lms.db import session as db
from lms.learning import services as learning

DEMO_PASSWORD = "peer-demo-2026"
ORG = ("riverside-recovery", "Riverside Recovery Community Center (demo)")
PEOPLE = [  # all fictional
    ("admin@example.org", "Avery Admin", "admin"),
    ("board@example.org", "Blair Boardman", "board"),
    ("sam.supervisor@example.org", "Sam Okafor", "supervisor"),
    ("lee.supervisor@example.org", "Lee Marchetti", "supervisor"),
    ("jordan@example.org", "Jordan Reyes", "trainee"),
    ("casey@example.org", "Casey Nguyen", "trainee"),
    ("morgan@example.org", "Morgan Whitfield", "trainee"),
    ("riley@example.org", "Riley Thompson", "trainee"),
    ("taylor@example.org", "Taylor Brooks", "trainee"),
    ("devon@example.org", "Devon Alvarez", "trainee"),
]
# trainee e-mail -> (supervisor e-mail, {course slug: lessons to complete, or "all"})
PLANS = {
    "jordan@example.org": ("sam.supervisor@example.org", {"communication": "all", "ethics": 3}),
    "casey@example.org": ("sam.supervisor@example.org", {"communication": 2}),
    "morgan@example.org": ("sam.supervisor@example.org", {}),
    "riley@example.org": ("lee.supervisor@example.org", {"communication": "all", "crisis-intervention": "all",
                                                           "confidentiality": "all", "ethics": "all",
                                                           "scope-of-practice": "all"}),
    "taylor@example.org": ("lee.supervisor@example.org", {"scope-of-practice": 4}),
    "devon@example.org": ("lee.supervisor@example.org", {"ethics": 1}),
}
# Trainees who also pass every scenario of the core program, so they hold its certificate (issued
# automatically by the certificate receivers when the last scenario is passed).
CERTIFIED = ("riley@example.org",)


def load_demo() -> list[User]:
    """Create the demo data once; later runs change nothing and return the same users."""
    org = db.scalar(select(Organization).where(Organization.slug == ORG[0])) or accounts.create_organization(*ORG)
    users = {}
    for email, name, role in PEOPLE:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, DEMO_PASSWORD, role=role, organization=org, via="cli")
            if email.startswith("sam."):
                user.is_org_admin = True
            plan = PLANS.get(email)
            if plan:
                _make_progress(user, plan[1])
            if email in CERTIFIED:
                _pass_scenarios(user)
        users[email] = user
    for trainee_email, (supervisor_email, _) in PLANS.items():
        accounts.assign_supervisor(users[supervisor_email], users[trainee_email])
    db.commit()
    return list(users.values())


def _make_progress(user: User, plan: dict[str, int | str]) -> None:
    catalog = learning.catalog()
    for slug, amount in plan.items():
        course = catalog.course(slug)
        if course is None or learning.missing_prerequisites(user, course):
            continue
        enrollment = learning.enroll(user, course)
        lessons = course.lessons if amount == "all" else course.lessons[: int(amount)]
        for lesson in lessons:
            learning.open_lesson(enrollment, course, lesson)
            for check in lesson.checks:
                correct = [i for i, option in enumerate(check.options) if option.correct]
                learning.answer_check(enrollment, course, lesson, check, correct)
            learning.complete_lesson(enrollment, course, lesson)
        db.flush()


def _pass_scenarios(user: User) -> None:
    """Play each scenario of the core program through the real services, choosing the best safe option."""
    from flask import current_app

    from lms.assessments import services as assessments
    from lms.assessments.definitions import Decision, Narrative

    state = current_app.extensions["lms"]
    for wanted in state.programs["peer-recovery-core-training"].requirements.assessments:
        scenario = state.assessments.scenario(wanted.id)
        attempt = assessments.start_attempt(user, scenario)
        while attempt.finished_at is None:
            node = scenario.node(attempt.current_node)
            if isinstance(node, Narrative):
                assessments.continue_narrative(attempt, scenario, node.id)
            elif isinstance(node, Decision):
                best = max((o for o in node.options if not o.critical), key=lambda o: o.points)
                assessments.record_decision(attempt, scenario, node.id, best.id)
