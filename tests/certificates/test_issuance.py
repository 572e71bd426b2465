"""Issuance: automatic on the last requirement met, approval by a supervisor, manual issue and
re-issue by an admin, and exactly one current certificate per person and program under concurrency."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import signals
from lms.accounts.models import User
from lms.certificates import issuance
from lms.certificates.codes import normalize_code
from lms.certificates.models import Certificate, CertificateEvent
from lms.db import session as db
from lms.db import utcnow
from tests.certificates.core_helpers import (
    CORE,
    READINESS,
    complete_course_for_real,
    meet_core,
    meet_readiness,
    play_scenario,
    program,
)


def _certs(user_id: int) -> list[Certificate]:
    return list(db.scalars(select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.id)))


def _events(cert: Certificate) -> list[tuple[str, str]]:
    return [(e.action, e.reason) for e in db.scalars(select(CertificateEvent).where(
        CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id))]


@pytest.fixture
def people(ctx, make_user, make_org, assign):
    """A trainee, their supervisor, another supervisor and an admin, loaded in this app context."""
    org = make_org()
    made = [make_user(org=org), make_user("supervisor", org=org), make_user("supervisor", org=org),
            make_user("admin")]
    assign(made[1], made[0])
    return [db.get(User, u.id) for u in made]


# automatic issuance ----------------------------------------------------------------------------

def test_completing_the_last_course_issues_the_core_certificate_at_once(people):
    trainee = people[0]
    meet_core(trainee.id, except_course="confidentiality")
    assert _certs(trainee.id) == []
    complete_course_for_real(trainee, "confidentiality")  # the real lesson services send course_completed
    (cert,) = _certs(trainee.id)
    now = utcnow()
    assert cert.program == CORE and cert.status == "active" and cert.active_key == f"{trainee.id}:{CORE}"
    assert cert.number == f"PRCT-{now.year}-000001"
    assert normalize_code(cert.code) == cert.code and cert.status_index == 1
    assert cert.awarded_on == now.date() and cert.issued_by_id is None
    assert abs(cert.valid_until - (cert.issued_at + timedelta(days=730))) < timedelta(seconds=1)
    assert _events(cert) == [("issued", "All requirements met.")]
    snap = cert.snapshot
    assert snap["holder_name"] == trainee.name and snap["program_name"] == "Peer Recovery Core Training"
    # The course.yaml hours, which check-content holds to the method's figures (docs/hours.md).
    assert snap["hours"] == {"total": 12.83, "ethics": 6.71, "by_domain": {
        "advocacy": 1.63, "mentoring-education": 1.36, "recovery-wellness": 3.13, "ethical-responsibility": 6.71}}
    assert snap["domain_names"]["ethical-responsibility"] == "Ethical Responsibility"
    assert [c["slug"] for c in snap["courses"]] == program(CORE).requirements.courses
    assert all(c["completed_on"] == now.date().isoformat() for c in snap["courses"])
    assert {a["id"] for a in snap["assessments"]} == {a.id for a in program(CORE).requirements.assessments}
    assert all(a["score"] == 1.0 for a in snap["assessments"])
    assert snap["sign_off"] is None and snap["competencies"] == []
    assert snap["issuer"] == {"name": "Peer Recovery Training", "url": "http://lms.test"}
    assert snap["signatory"] == {"name": "Training Director", "title": "Peer Recovery Training Program"}


def test_passing_the_last_scenario_issues_it_and_an_unsafe_attempt_does_not(people):
    trainee = people[0]
    meet_core(trainee.id, except_assessment="late-night-text")
    unsafe = play_scenario(trainee, "late-night-text", safe=False)
    assert unsafe.finished_at and not unsafe.passed
    assert _certs(trainee.id) == []
    safe = play_scenario(trainee, "late-night-text")
    assert safe.passed
    (cert,) = _certs(trainee.id)
    passed = next(a for a in cert.snapshot["assessments"] if a["id"] == "late-night-text")
    assert passed["score"] == safe.scaled


def test_nothing_is_issued_while_a_requirement_is_missing(people):
    trainee = people[0]
    meet_core(trainee.id, except_course="ethics", except_assessment="war-stories")
    complete_course_for_real(trainee, "ethics")
    assert _certs(trainee.id) == []


def test_approval_programs_are_never_issued_automatically(people):
    trainee, supervisor = people[0], people[1]
    meet_core(trainee.id, except_course="ethics")
    meet_readiness(trainee.id, supervisor.id)
    complete_course_for_real(trainee, "ethics")
    assert [c.program for c in _certs(trainee.id)] == [CORE]


def test_issued_signal_carries_the_program(people):
    trainee = people[0]
    seen = []

    def receiver(cert, **kwargs):
        seen.append((cert.number, kwargs["program"].slug, kwargs["replaces"], kwargs["actor"]))

    signals.certificate_issued.connect(receiver)
    try:
        meet_core(trainee.id)
        cert = issuance.issue_if_eligible(trainee, program(CORE))
    finally:
        signals.certificate_issued.disconnect(receiver)
    assert seen == [(cert.number, CORE, None, None)]


# approval ------------------------------------------------------------------------------------

def test_a_supervisor_approves_a_pending_request_and_the_certificate_is_issued(people):
    trainee, supervisor, other, _ = people
    meet_core(trainee.id)
    meet_readiness(trainee.id, supervisor.id)
    pending = issuance.pending_approvals(supervisor)
    assert [(t.id, p.slug) for t, p, _ in pending] == [(trainee.id, READINESS)]
    assert issuance.pending_approvals(other) == []
    with pytest.raises(issuance.CertificateError, match="You do not supervise"):
        issuance.approve(other, trainee, program(READINESS))
    cert = issuance.approve(supervisor, trainee, program(READINESS))
    assert cert.number.startswith("PRPR-") and cert.issued_by_id == supervisor.id
    assert cert.snapshot["sign_off"]["supervisor"] == supervisor.name
    assert cert.snapshot["practice_hours"] == {"practice": 500.0, "supervision": 25.0}
    assert {c["level"] for c in cert.snapshot["competencies"]} == {"Proficient"}
    assert _events(cert) == [("issued", "Approved by supervisor.")]
    assert issuance.pending_approvals(supervisor) == []
    with pytest.raises(issuance.CertificateError, match="already holds"):
        issuance.approve(supervisor, trainee, program(READINESS))


def test_approval_is_refused_while_a_requirement_is_missing(people):
    trainee, supervisor = people[0], people[1]
    meet_core(trainee.id)
    meet_readiness(trainee.id, supervisor.id, attest=False)
    assert issuance.pending_approvals(supervisor) == []
    with pytest.raises(issuance.CertificateError, match="Code of ethics attestation"):
        issuance.approve(supervisor, trainee, program(READINESS))
    assert _certs(trainee.id) == []


def test_attesting_is_recorded_with_the_exact_wording(people, app):
    trainee = people[0]
    row = issuance.attest_code_of_ethics(trainee)
    assert row.text == app.extensions["lms"].programs.code_of_ethics.text and "I work under supervision" in row.text
    with pytest.raises(issuance.CertificateError, match="already attested"):
        issuance.attest_code_of_ethics(trainee)


# manual issue and re-issue -------------------------------------------------------------------

def test_an_admin_issues_by_hand_with_a_reason(people):
    trainee, supervisor, _, admin = people
    with pytest.raises(issuance.CertificateError, match="Give the reason"):
        issuance.issue_manually(admin, trainee, program(CORE), "  ")
    with pytest.raises(issuance.CertificateError, match="Only an administrator"):
        issuance.issue_manually(supervisor, trainee, program(CORE), "Recorded elsewhere")
    cert = issuance.issue_manually(admin, trainee, program(CORE), "Completed at the 2025 in-person academy")
    assert cert.issued_by_id == admin.id
    assert _events(cert) == [("issued", "Completed at the 2025 in-person academy")]
    with pytest.raises(issuance.CertificateError, match="re-issue it instead"):
        issuance.issue_manually(admin, trainee, program(CORE), "Again")


def test_reissue_supersedes_the_old_and_keeps_award_date_and_expiry(people):
    trainee, _, _, admin = people
    meet_core(trainee.id)
    old = issuance.issue_if_eligible(trainee, program(CORE))
    old.awarded_on = old.awarded_on - timedelta(days=40)
    changes = []

    def receiver(cert, **kwargs):
        changes.append((cert.id, kwargs["action"]))

    signals.certificate_status_changed.connect(receiver)
    try:
        new = issuance.reissue(admin, old, "Name corrected at the holder's request")
    finally:
        signals.certificate_status_changed.disconnect(receiver)
    assert changes == [(old.id, "superseded")]
    assert (old.status, old.active_key) == ("superseded", None)
    assert new.active_key == f"{trainee.id}:{CORE}" and new.replaces_id == old.id
    assert new.awarded_on == old.awarded_on and new.valid_until == old.valid_until
    assert new.number != old.number and new.code != old.code and new.status_index != old.status_index
    assert _events(new) == [("reissued", "Name corrected at the holder's request")]
    assert _events(old)[-1] == ("superseded", f"Superseded by {new.number}: Name corrected at the holder's request")
    with pytest.raises(issuance.CertificateError, match="Only a current certificate"):
        issuance.reissue(admin, old, "Again")


def test_numbers_follow_a_sequence_per_program(people):
    trainee, supervisor, other, admin = people
    first = issuance.issue_manually(admin, trainee, program(CORE), "Recorded elsewhere")
    second = issuance.issue_manually(admin, supervisor, program(CORE), "Recorded elsewhere")
    third = issuance.issue_manually(admin, trainee, program(READINESS), "Recorded elsewhere")
    year = utcnow().year
    assert [first.number, second.number, third.number] == [
        f"PRCT-{year}-000001", f"PRCT-{year}-000002", f"PRPR-{year}-000001"]
    assert [first.status_index, second.status_index, third.status_index] == [1, 2, 3]


def test_creating_twice_returns_the_current_certificate(people):
    trainee = people[0]
    first = issuance.create_certificate(trainee, program(CORE))
    again = issuance.create_certificate(trainee, program(CORE))
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


# concurrency -----------------------------------------------------------------------------------

def _race(app, jobs):
    """Run each job(app) in its own thread and app context (own session and connection), all
    released together; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[i] = job()
                db.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                db.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_issuances_at_once_give_exactly_one_active_certificate(app, make_user):
    trainee_id = make_user().id

    def issue():
        cert = issuance.create_certificate(db.get(User, trainee_id), program(CORE), reason="race")
        return cert.id

    results = _race(app, [issue, issue])
    assert all(isinstance(r, int) for r in results), results
    assert results[0] == results[1]  # the loser returned the winner's certificate
    with app.app_context():
        rows = db.execute(select(Certificate.status, Certificate.active_key)
                          .where(Certificate.user_id == trainee_id)).all()
        assert rows == [("active", f"{trainee_id}:{CORE}")]
        assert db.scalar(select(func.count()).select_from(CertificateEvent)) == 1


def test_concurrent_reissues_leave_one_current_certificate(app, make_user):
    trainee_id, admin_id = make_user().id, make_user("admin").id
    with app.app_context():
        old_id = issuance.create_certificate(db.get(User, trainee_id), program(CORE)).id
        db.commit()

    def reissue():
        try:
            return issuance.reissue(db.get(User, admin_id), db.get(Certificate, old_id), "corrected").id
        except issuance.CertificateError as exc:
            return str(exc)

    results = _race(app, [reissue, reissue])
    ids = [r for r in results if isinstance(r, int)]
    assert len(ids) >= 1, results
    with app.app_context():
        current = db.scalars(select(Certificate).where(Certificate.active_key.is_not(None))).all()
        assert [c.id for c in current] == [ids[0]] and current[0].replaces_id == old_id
        assert db.get(Certificate, old_id).status == "superseded"


def test_numbers_and_status_indexes_stay_unique_when_people_are_issued_at_once(app, make_user):
    ids = [make_user().id for _ in range(4)]
    jobs = [lambda uid=uid: issuance.create_certificate(db.get(User, uid), program(CORE)).number for uid in ids]
    results = _race(app, jobs)
    assert all(isinstance(r, str) for r in results), results
    with app.app_context():
        rows = db.execute(select(Certificate.number, Certificate.status_index, Certificate.code)).all()
    assert len(rows) == 4
    assert len({r.number for r in rows}) == len({r.status_index for r in rows}) == len({r.code for r in rows}) == 4
    assert sorted(results) == sorted(r.number for r in rows)
