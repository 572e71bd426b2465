"""Supervision reports: the cohort CSV (scope per role, values, formula injection, a fixed number of
queries) and the PDF transcript (a real WeasyPrint render read back with pypdf), and who may fetch each."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.accounts.services import trainees_of
from lms.assessments.models import Attempt
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import Enrollment, LessonProgress
from lms.supervision import services
from lms.supervision.models import PracticeLog, SignOff
from lms.supervision.reports import FORMULA_STARTS, csv_safe
from tests.conftest import PASSWORD, Auth

HASH = generate_password_hash(PASSWORD, method="scrypt")  # once: scrypt per user would slow every test
INJECTED = '=HYPERLINK("http://example.org/x","click")'
COHORT = "/supervision/cohort.csv"


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _user(role: str, name: str, org: Organization | None, email: str | None = None, **fields) -> User:
    email = email or name.lower().replace(" ", ".") + "@example.org"
    user = User(email=email, name=name, password_hash=HASH, role=role, organization=org, **fields)
    db.add(user)
    return user


def _attempt(user: User, slug: str, course: str, number: int, scaled: float, passed: bool, day: str,
             kind: str = "scenario", critical: bool = False) -> None:
    db.add(Attempt(user_id=user.id, assessment_slug=slug, kind=kind, course_slug=course, content_version="v1",
                   number=number, seed=number, started_at=at(day, 8), finished_at=at(day, 8) if day else None,
                   scaled=scaled, points=scaled * 10, passed=passed, critical=critical))


def _log(trainee: User, hours: float, kind: str, domain: str, status: str) -> None:
    db.add(PracticeLog(trainee_id=trainee.id, worked_on=date(2024, 6, 3), hours=hours, kind=kind, domain=domain,
                       activity="Group facilitation", status=status, created_at=at("2024-06-12")))


def full_record(trainee: User, supervisor: User) -> None:
    """Courses, lessons, attempts, ratings, hours and sign-offs for one trainee."""
    done = Enrollment(user_id=trainee.id, course_slug="communication", course_version="v1",
                      enrolled_at=at("2024-04-01"), last_activity_at=at("2024-05-01"), completed_at=at("2024-05-01"))
    going = Enrollment(user_id=trainee.id, course_slug="ethics", course_version="v1", enrolled_at=at("2024-05-02"),
                       last_activity_at=at("2024-06-10"))
    db.add_all([done, going])
    db.flush()
    for i in range(6):
        db.add(LessonProgress(enrollment_id=done.id, lesson_slug=f"lesson-{i}", completed_at=at("2024-05-01")))
    for i in range(2):
        db.add(LessonProgress(enrollment_id=going.id, lesson_slug=f"lesson-{i}", completed_at=at("2024-06-10")))
    _attempt(trainee, "used-again", "communication", 1, 0.5, False, "2024-05-20")
    _attempt(trainee, "used-again", "communication", 2, 0.9, True, "2024-06-01")
    _attempt(trainee, "war-stories", "communication", 1, 0.85, False, "2024-06-02", critical=True)
    _attempt(trainee, "communication-final", "communication", 1, 0.6, False, "2024-06-03", kind="final")
    services.rate_competency(supervisor, trainee, "engages-peers", "proficient", "steady in groups")
    services._append_evidence(trainee.id, "icrc-ethical-responsibility", "developing", "course",
                              source_ref="communication")
    _log(trainee, 3.5, "practice", "advocacy", "approved")
    _log(trainee, 2.0, "practice", "ethical-responsibility", "approved")
    _log(trainee, 1.5, "supervision", "ethical-responsibility", "approved")
    _log(trainee, 4.0, "practice", "advocacy", "pending")
    _log(trainee, 9.0, "practice", "advocacy", "returned")
    db.add(SignOff(trainee_id=trainee.id, supervisor_id=supervisor.id, program="Peer specialist core",
                   statement="Ready for supervised practice.", signed_at=at("2024-06-05")))
    db.add(SignOff(trainee_id=trainee.id, supervisor_id=supervisor.id, program="Crisis line shadowing",
                   statement="Ready to shadow.", signed_at=at("2024-05-05"), withdrawn_at=at("2024-06-06"),
                   withdrawn_reason="Paused while the line is reorganized."))
    db.flush()


@pytest.fixture
def world(app):
    """Two organizations; Tia (full record) supervised by Sam; a home trainee with a formula for a
    name and no supervisor; Omar in the other organization, supervised by Stella."""
    with app.app_context():
        home, away = Organization(slug="home", name="Home Recovery"), Organization(slug="away", name="Away Peers")
        db.add_all([home, away])
        w = SimpleNamespace(
            tia=_user("trainee", "Tia Trainee", home),
            injected=_user("trainee", INJECTED, home, email="formula@example.org"),
            omar=_user("trainee", "Omar Other", away),
            sam=_user("supervisor", "Sam Supervisor", home),
            una=_user("supervisor", "Una Unassigned", home),
            stella=_user("supervisor", "Stella Stranger", away),
            olga=_user("supervisor", "Olga Orgadmin", home, is_org_admin=True),
            otto=_user("supervisor", "Otto Otheradmin", away, is_org_admin=True),
            board=_user("board", "Bo Board", home),
            admin=_user("admin", "Ada Admin", None),
        )
        db.flush()
        db.add_all([SupervisorAssignment(supervisor_id=w.sam.id, trainee_id=w.tia.id),
                    SupervisorAssignment(supervisor_id=w.stella.id, trainee_id=w.omar.id)])
        db.flush()
        full_record(w.tia, w.sam)
        db.commit()
        people = {key: SimpleNamespace(id=u.id, email=u.email, name=u.name) for key, u in vars(w).items()}
    return SimpleNamespace(**people)


def signed_in(app, person):
    client = app.test_client()
    if person is not None:
        assert Auth(client).login(person.email).status_code == 302
    return client


def cohort(client, query: str = "") -> list[dict]:
    response = client.get(COHORT + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


# Cohort CSV ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("viewer", "query", "expected"), [
    ("sam", "", ["Tia Trainee"]),
    ("una", "", []),
    ("olga", "", ["'" + INJECTED, "Tia Trainee"]),
    ("otto", "", ["Omar Other"]),
    ("stella", "", ["Omar Other"]),
    ("admin", "", ["'" + INJECTED, "Omar Other", "Tia Trainee"]),
    ("admin", "?org=away", ["Omar Other"]),
])
def test_cohort_rows_are_the_trainees_each_role_may_see(app, world, viewer, query, expected):
    rows = cohort(signed_in(app, getattr(world, viewer)), query)
    assert sorted(row["name"] for row in rows) == expected


def test_cohort_row_holds_progress_levels_hours_and_sign_offs(app, world):
    client, before = signed_in(app, world.sam), utcnow().date()
    response = client.get(COHORT)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] in {
        f'attachment; filename="cohort-{day}.csv"' for day in (before, utcnow().date())}
    [row] = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
    assert {k: row[k] for k in ("name", "email", "organization", "supervisors")} == {
        "name": "Tia Trainee", "email": "tia.trainee@example.org", "organization": "Home Recovery",
        "supervisors": "Sam Supervisor"}
    assert (row["courses_completed"], row["courses_total"], row["lessons_completed"]) == ("1", "5", "8")
    assert row["last_activity"] == "2024-06-12T09:00:00Z"  # the latest of lessons, attempts and logged hours
    assert row["assessments_passed"] == "1"  # used-again; war-stories failed on an unsafe choice
    assert (row["engages-peers"], row["icrc-ethical-responsibility"], row["provides-support"]) == (
        "Proficient", "Developing", "")
    assert (row["approved_practice_hours"], row["approved_supervision_hours"], row["pending_hours"]) == (
        "5.5", "1.5", "4.0")  # the returned 9 hours count nowhere
    assert row["active_sign_offs"] == "Peer specialist core"  # the withdrawn one is not listed


def test_cohort_has_a_column_per_competency(app, world):
    response = signed_in(app, world.sam).get(COHORT)
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    with app.app_context():
        assert set(services.framework().competencies) <= set(header)


def test_cohort_neutralises_formulas_in_names(app, world):
    rows = {row["email"]: row for row in cohort(signed_in(app, world.admin))}
    assert rows["formula@example.org"]["name"] == "'" + INJECTED


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_safe_quotes_every_formula_start(start):
    assert csv_safe(start + "1+1") == "'" + start + "1+1"


def test_csv_safe_leaves_plain_text_and_numbers():
    assert (csv_safe("Tia"), csv_safe(-1.5), csv_safe(3)) == ("Tia", -1.5, 3)


@pytest.mark.parametrize(("viewer", "query", "problem"), [
    ("admin", "?org=nowhere", "no organization"),
    ("olga", "?org=away", "Only administrators"),
])
def test_cohort_org_filter_refuses_bad_input(app, world, viewer, query, problem):
    response = signed_in(app, getattr(world, viewer)).get(COHORT + query)
    assert response.status_code == 400 and problem in response.get_data(as_text=True)


def test_cohort_query_count_does_not_grow_with_the_cohort(app, world):
    client = signed_in(app, world.sam)
    engine = app.extensions["lms"].db.engine

    def grow_to(n: int) -> None:
        with app.app_context():
            sam = db.get(User, world.sam.id)
            for i in range(len(trainees_of(sam)), n):
                trainee = _user("trainee", f"Cohort Member {i:02d}", sam.organization, email=f"c{i}@example.org")
                db.flush()
                db.add(SupervisorAssignment(supervisor_id=sam.id, trainee_id=trainee.id))
                full_record(trainee, sam)
            db.commit()

    def queries() -> tuple[int, int]:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            rows = cohort(client)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(rows), len(statements)

    grow_to(2)
    cohort(client)  # warm: anything done once per process is not counted
    two = queries()
    grow_to(20)
    twenty = queries()
    assert two[0] == 2 and twenty[0] == 20
    assert two[1] == twenty[1] <= 15


# PDF transcript --------------------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_transcript_pdf_holds_the_record(app, world):
    client, before = signed_in(app, world.tia), utcnow().date()
    response = client.get(f"/trainees/{world.tia.id}/transcript.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] in {  # either side of midnight
        f'inline; filename="transcript-tia-trainee-{day}.pdf"' for day in (before, utcnow().date())}
    text = pdf_text(response.data)
    # The completed course's hours, as its course.yaml states them (held to the computed figures, docs/hours.md).
    hours = app.extensions["lms"].catalog.course("communication").hours
    for expected in ("Tia Trainee", "Home Recovery", "Sam Supervisor", app.config["LMS_SITE_NAME"],
                     "Communication in Peer Support", f"Completed 2024-05-01 {sum(hours.values()):g}",
                     "Ethics and Boundaries for Peer Workers", "In progress: 2 of 6 lessons",
                     # hours by domain: training from the completed course, approved practice and supervision
                     f"Advocacy {hours['advocacy']:.2f} 10 3.50 0.00",
                     f"Ethical Responsibility {hours['ethical-responsibility']:.2f} 16 2.00 1.50",
                     "4 more hours are waiting for review",
                     "Proficient", "Supervisor rating", "Developing", "Course completion", "Not yet rated",
                     "Scenario 90% 90% Passed 2024-06-01 2", "Not passed (unsafe choice)",
                     "Final check 60% 60% Not passed 2024-06-03 1",
                     "Peer specialist core", "Active", "Crisis line shadowing",
                     "Withdrawn on 2024-06-06: Paused while the line is reorganized.",
                     "Page 1 of", "Training transcript of Tia Trainee"):
        assert expected in text, expected


def test_transcript_of_a_trainee_with_no_record_renders(app, world):
    response = signed_in(app, world.admin).get(f"/trainees/{world.omar.id}/transcript.pdf")
    text = pdf_text(response.data)
    assert "Omar Other" in text and "No assessments attempted yet." in text and "No sign-offs yet." in text


# Access ----------------------------------------------------------------------------------------

ACCESS = """
    route        viewer    subject  status
    transcript   -         tia      302
    transcript   tia       tia      200
    transcript   omar      tia      404
    transcript   sam       tia      200
    transcript   una       tia      404
    transcript   stella    tia      404
    transcript   olga      tia      200
    transcript   otto      tia      404
    transcript   board     tia      403
    transcript   admin     tia      200
    transcript   admin     sam      404
    cohort       -         -        302
    cohort       tia       -        403
    cohort       board     -        403
    cohort       sam       -        200
    cohort       stella    -        200
    cohort       olga      -        200
    cohort       admin     -        200
"""
CASES = [line.split() for line in ACCESS.strip().splitlines()[1:]]


@pytest.mark.parametrize(("route", "viewer", "subject", "status"), CASES, ids=["-".join(c[:3]) for c in CASES])
def test_access(app, world, route, viewer, subject, status):
    client = signed_in(app, getattr(world, viewer) if viewer != "-" else None)
    url = COHORT if route == "cohort" else f"/trainees/{getattr(world, subject).id}/transcript.pdf"
    response = client.get(url)
    assert response.status_code == int(status)
    if status == "302":
        assert "/login" in response.headers["Location"]
    if status == "200":
        assert response.headers["Cache-Control"] == "no-store"
