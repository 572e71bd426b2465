"""Demo data: a fictional organization with an admin, a board member, two supervisors and six trainees
whose histories raise every supervision flag, and certificate holders in every status (demo_certificates).

Everything is made through the real services, as the pages would make it; only timestamps are moved
back afterwards, so that "inactive for 20 days" is true of the events themselves.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from lms.accounts import services as accounts
from lms.accounts.models import Organization, User
from lms.assessments import services as assessments
from lms.assessments.definitions import Decision, Narrative
from lms.assessments.models import Attempt, AttemptStep
from lms.certificates.codes import format_code, verify_url
from lms.certificates.models import Certificate
from lms.certificates.verification import STATUS_LABELS, display_status
from lms.db import session as db
from lms.db import utcnow
from lms.demo_certificates import HOLDERS, load_holders
from lms.learning import services as learning
from lms.learning.activities import submit_activity
from lms.learning.models import ActivityResponse, CheckAnswer, Enrollment, LessonProgress
from lms.supervision import services as supervision
from lms.supervision import summary
from lms.supervision.dashboard import agent_key
from lms.supervision.models import CompetencyEvidence, PracticeLog, TraineeActivity
from lms.xapi.models import Statement, StatementIndex
from lms.xapi.store import iso

DEMO_PASSWORD = "peer-demo-2026"
ORG = ("riverside-recovery", "Riverside Recovery Community Center (demo)")
CORE = "peer-recovery-core-training"
READINESS = "peer-recovery-practice-readiness"
SAM, LEE = "sam.supervisor@example.org", "lee.supervisor@example.org"
PEOPLE = [  # all fictional
    ("admin@example.org", "Avery Admin", "admin"),
    ("board@example.org", "Blair Boardman", "board"),
    (SAM, "Sam Okafor", "supervisor"),
    (LEE, "Lee Marchetti", "supervisor"),
    ("jordan@example.org", "Jordan Reyes", "trainee"),
    ("casey@example.org", "Casey Nguyen", "trainee"),
    ("morgan@example.org", "Morgan Whitfield", "trainee"),
    ("riley@example.org", "Riley Thompson", "trainee"),
    ("taylor@example.org", "Taylor Brooks", "trainee"),
    ("devon@example.org", "Devon Alvarez", "trainee"),
]
ALL_COURSES = ("communication", "crisis-intervention", "confidentiality", "ethics", "scope-of-practice")
# trainee e-mail -> (supervisor e-mail, {course slug: lessons to complete, or "all"})
PLANS = {
    "jordan@example.org": (SAM, {"communication": "all", "ethics": 3, "crisis-intervention": 2}),
    "casey@example.org": (SAM, {"communication": 2, "confidentiality": 3}),
    "morgan@example.org": (SAM, {}),  # never active: the dashboard says so
    "riley@example.org": (LEE, dict.fromkeys(ALL_COURSES, "all")),
    "taylor@example.org": (LEE, {"scope-of-practice": 4}),
    "devon@example.org": (LEE, {"communication": "all", "crisis-intervention": 2}),
}
# Trainees who also pass every scenario of the core program, so they hold its certificate (issued
# automatically by the certificate receivers when the last scenario is passed).
CERTIFIED = ("riley@example.org",)
# Scenario attempts that did not go well: "weak" takes the lowest-scoring safe option at every step,
# "unsafe" an unsafe (critical) option at the first step that has one. Each supervisor has someone who
# failed a scenario twice and someone who made an unsafe choice in a crisis scenario.
TRIES = {
    "jordan@example.org": [("late-night-text", "unsafe")],
    "casey@example.org": [("employer-call", "weak"), ("employer-call", "unsafe")],
    "taylor@example.org": [("should-i-stop-my-meds", "weak"), ("should-i-stop-my-meds", "unsafe")],
    "devon@example.org": [("drop-in-overdose", "unsafe")],
}
# Logged hours: (days before today, hours, kind, IC&RC domain, activity, reflection, approved by the
# supervisor?). What was done, never who with: no client details (supervision.privacy refuses them).
HOURS = {
    "casey@example.org": [
        (2, 2.5, "practice", "recovery-wellness", "Shadowed a peer worker on the drop-in welcome desk",
         "Noticed how much a calm first hello matters; I want to practise introducing the peer role.", False),
    ],
    "riley@example.org": [
        (12, 4.0, "practice", "advocacy", "Supported peers at the monthly housing resource fair",
         "Practised asking what someone wants before offering options.", True),
        (9, 1.5, "supervision", "ethical-responsibility", "Individual supervision: dual relationships",
         "Talked through how to answer when someone from my own recovery community asks for support.", True),
        (5, 3.0, "practice", "mentoring-education", "Co-facilitated the evening recovery skills group",
         "Kept to the group agreements when the talk drifted; next time I will name the time limit earlier.",
         True),
        (2, 1.0, "supervision", "recovery-wellness", "Group supervision: wellness planning tools",
         "Compared two wellness plan formats and when each suits a peer.", True),
    ],
    "taylor@example.org": [
        (8, 3.0, "practice", "recovery-wellness", "Staffed the community center resource table",
         "Shared the updated list of mutual-aid meetings and explained what each kind offers.", True),
        (3, 2.0, "practice", "mentoring-education", "Co-facilitated the Tuesday peer support group",
         "Checked in with quieter members at the break instead of calling on them in the circle.", False),
        (1, 1.0, "supervision", "ethical-responsibility", "Individual supervision: self-disclosure",
         "Worked on when sharing my own story helps a peer and when it shifts the focus to me.", False),
    ],
}
RATINGS = {  # trainee -> [(competency, level, comment)] by their supervisor
    "casey@example.org": [("icrc-recovery-wellness", "developing",
                           "Warm with newcomers; still learning to offer choices rather than advice.")],
    "riley@example.org": [
        ("icrc-advocacy", "proficient", "Speaks up for peers' own goals in team meetings."),
        ("icrc-mentoring-education", "exemplary", "Models group agreements and mentors newer volunteers."),
        ("icrc-recovery-wellness", "proficient", "Uses wellness plans the peer wrote, in the peer's words."),
    ],
    "taylor@example.org": [("icrc-mentoring-education", "developing",
                            "Prepares well for groups; building confidence when a discussion gets heated.")],
}
OBSERVATIONS = {  # trainee -> (days before today, scores per criterion, comment)
    "riley@example.org": (4, {"safety": "proficient", "scope": "proficient", "confidentiality": "exemplary",
                              "recovery-oriented-language": "proficient", "motivational-interviewing": "proficient"},
                          "Observed a one-to-one check-in at the center: clear about the peer role and its limits."),
    "taylor@example.org": (3, {"safety": "proficient", "scope": "developing", "confidentiality": "proficient",
                               "recovery-oriented-language": "proficient", "motivational-interviewing": "developing"},
                           "Observed the Tuesday group: good use of reflections; offered advice once where a "
                           "question would have served better."),
}
SIGN_OFFS = {  # trainee -> (program slug, statement) by their supervisor
    "riley@example.org": (READINESS, "I attest that Riley Thompson has completed the supervised practice this "
                                     "program asks for so far under my supervision and demonstrates its "
                                     "competencies at the proficient level or above."),
}
# Trainees whose whole history is moved this many days back: inactive on the dashboard.
AWAY_DAYS = {"casey@example.org": 20, "devon@example.org": 26}


def load_demo() -> list[User]:
    """Create the demo data once; later runs change nothing and return the same users.

    A person's story is told only in the run that creates them, so a second run finds everyone and
    adds nothing (and one run is one transaction: a failure leaves nothing half made)."""
    org = db.scalar(select(Organization).where(Organization.slug == ORG[0])) or accounts.create_organization(*ORG)
    users, fresh = {}, set()
    for email, name, role in PEOPLE:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, DEMO_PASSWORD, role=role, organization=org, via="cli")
            user.is_org_admin = email == SAM
            fresh.add(email)
        users[email] = user
    for trainee_email, (supervisor_email, _) in PLANS.items():
        accounts.assign_supervisor(users[supervisor_email], users[trainee_email])
    for email in PLANS:
        if email in fresh:
            _tell_story(users[email], users[PLANS[email][0]])
    away = [users[email] for email in AWAY_DAYS if email in fresh]
    for user in away:
        _move_back(user, timedelta(days=AWAY_DAYS[user.email]))
    _refresh_summaries(away)
    holders = load_holders(users["admin@example.org"], users["board@example.org"], DEMO_PASSWORD)
    db.commit()
    return list(users.values()) + holders


def demo_certificates(now: datetime | None = None) -> list[dict]:
    """Every certificate of the demo people, oldest first, with its status as /verify shows it."""
    emails = [p[0] for p in PEOPLE] + [h[0] for h in HOLDERS]
    rows = list(db.execute(select(Certificate, User.name).join(User, User.id == Certificate.user_id)
                           .where(User.email.in_(emails)).order_by(Certificate.id)))
    codes = {cert.id: format_code(cert.code) for cert, _name in rows}
    result = []
    for cert, name in rows:
        status = display_status(cert, now)
        result.append({"status": status, "label": STATUS_LABELS[status], "code": codes[cert.id], "holder": name,
                       "program": (cert.snapshot or {}).get("program_name") or cert.program,
                       "renews": codes.get(cert.replaces_id), "url": verify_url(cert.code)})
    return result


def _tell_story(trainee: User, supervisor: User) -> None:
    email = trainee.email
    _make_progress(trainee, PLANS[email][1])
    if email in CERTIFIED:
        _pass_scenarios(trainee)
    for slug, how in TRIES.get(email, ()):
        _play(trainee, slug, how)
    today = utcnow().date()
    for days, hours, kind, domain, activity, reflection, approved in HOURS.get(email, ()):
        log = supervision.log_hours(trainee, today - timedelta(days=days), hours, kind, domain, activity, reflection)
        if approved:
            supervision.review_hours(supervisor, log, approve=True, comment="Thank you; clear and well reflected.")
    for competency, level, comment in RATINGS.get(email, ()):
        supervision.rate_competency(supervisor, trainee, competency, level, comment)
    if email in OBSERVATIONS:
        days, scores, comment = OBSERVATIONS[email]
        supervision.record_observation(supervisor, trainee, today - timedelta(days=days), scores, comment)
    if email in SIGN_OFFS:
        supervision.sign_off(supervisor, trainee, *SIGN_OFFS[email])


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
            for activity in lesson.activities:
                submit_activity(enrollment, course, lesson, activity, _demo_answers(activity))
            learning.complete_lesson(enrollment, course, lesson)
        db.flush()


DEMO_SENTENCE = ("This is a fictional demo response: I slowed down, listened first and asked my supervisor when "
                 "I was unsure. ")  # 20 words


def _demo_answers(activity) -> dict:
    """Responses that meet an activity's rules, obviously made up (a demo person's reflections)."""
    def text(least: int | None) -> str:
        return (DEMO_SENTENCE * ((least or 1) // 20 + 1)).strip()

    if activity.kind == "reflection":
        return {"text": text(activity.min_words)}
    if activity.kind == "worksheet":
        return {spec.id: text(spec.min_words) for spec in activity.fields or ()}
    return {"ticked": list(range(len(activity.checklist or ())))}


def _pass_scenarios(user: User) -> None:
    """Play each scenario of the core program through the real services, choosing the best safe option."""
    for wanted in current_app.extensions["lms"].programs[CORE].requirements.assessments:
        _play(user, wanted.id, "best")


def _play(user: User, slug: str, how: str) -> None:
    """One whole attempt through the services: "best", "weak" or "unsafe" (see TRIES)."""
    scenario = current_app.extensions["lms"].assessments.scenario(slug)
    attempt = assessments.start_attempt(user, scenario)
    unsafe_due = how == "unsafe"
    while attempt.finished_at is None:
        node = scenario.node(attempt.current_node)
        if isinstance(node, Narrative):
            assessments.continue_narrative(attempt, scenario, node.id)
        elif isinstance(node, Decision):
            safe = [o for o in node.options if not o.critical]
            critical = [o for o in node.options if o.critical]
            if unsafe_due and critical:
                choice, unsafe_due = critical[0], False
            elif how == "weak":
                choice = min(safe, key=lambda o: o.points)
            else:
                choice = max(safe, key=lambda o: o.points)
            assessments.record_decision(attempt, scenario, node.id, choice.id)


def _move_back(user: User, delta: timedelta) -> None:
    """Move every timestamp of the trainee's history (account, learning, attempts, hours, evidence and
    their xAPI statements) `delta` into the past, keeping their order."""
    db.flush()
    enrollments = select(Enrollment.id).where(Enrollment.user_id == user.id)
    attempts = select(Attempt.id).where(Attempt.user_id == user.id)
    tables = [
        (User, User.id == user.id, ("created_at",)),
        (Enrollment, Enrollment.user_id == user.id, ("enrolled_at", "last_activity_at", "completed_at")),
        (LessonProgress, LessonProgress.enrollment_id.in_(enrollments),
         ("first_opened_at", "last_opened_at", "completed_at", "last_seen_at")),
        (CheckAnswer, CheckAnswer.enrollment_id.in_(enrollments), ("answered_at",)),
        (ActivityResponse, ActivityResponse.enrollment_id.in_(enrollments), ("submitted_at", "updated_at")),
        (Attempt, Attempt.user_id == user.id, ("started_at", "deadline_at", "finished_at")),
        (AttemptStep, AttemptStep.attempt_id.in_(attempts), ("answered_at",)),
        (PracticeLog, PracticeLog.trainee_id == user.id, ("worked_on", "created_at", "reviewed_at")),
        (CompetencyEvidence, CompetencyEvidence.trainee_id == user.id, ("created_at",)),
    ]
    for model, where, columns in tables:
        for row in db.scalars(select(model).where(where)):
            for column in columns:
                value = getattr(row, column)
                if value is not None:
                    setattr(row, column, value - delta)
    seqs = select(StatementIndex.statement_seq).where(StatementIndex.key == agent_key(user),
                                                      StatementIndex.narrow.is_(True))
    for statement in db.scalars(select(Statement).where(Statement.seq.in_(seqs))):
        statement.stored -= delta
        data = dict(statement.data)
        data["stored"] = iso(statement.stored)
        data["timestamp"] = iso(datetime.fromisoformat(data["timestamp"]) - delta)
        statement.data = data
    db.flush()


def _refresh_summaries(users: list[User]) -> None:
    """Recompute the dashboard's summary rows of back-dated trainees: the receivers only ever move
    `last_activity_at` forward, so they would keep the real (recent) times."""
    if not users:
        return
    db.execute(delete(TraineeActivity).where(TraineeActivity.user_id.in_([u.id for u in users])))
    db.execute(TraineeActivity.__table__.insert(), list(summary.recompute(users).values()))
    db.flush()
