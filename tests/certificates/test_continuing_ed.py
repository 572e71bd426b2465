"""Continuing education: bad input refused with nothing saved, supervisor review, totals in a window."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.certificates import continuing_ed
from lms.certificates.issuance import CertificateError
from lms.certificates.models import ContinuingEducation
from lms.db import session as db

TODAY = date(2026, 3, 10)


@pytest.fixture
def people(ctx, make_user, make_org, assign):
    org, other_org = make_org(), make_org("hillside", "Hillside Services")
    holder = make_user("trainee", org=org)
    supervisor = make_user("supervisor", org=org)
    assign(supervisor, holder)
    return {role: db.get(User, u.id) for role, u in (
        ("holder", holder), ("supervisor", supervisor), ("admin", make_user("admin")),
        ("board", make_user("board")), ("unassigned", make_user("supervisor", org=org)),
        ("other_org", make_user("supervisor", org=other_org, is_org_admin=True)))}


def count() -> int:
    return db.scalar(select(func.count()).select_from(ContinuingEducation))


def record(people, **overrides):
    args = {"title": "Trauma-informed peer support", "completed_on": TODAY - timedelta(days=3), "hours": 3.0,
            "ethics": False, "provider": "Regional training center", "today": TODAY, **overrides}
    return continuing_ed.record(people["holder"], **args)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"completed_on": TODAY + timedelta(days=1)}, "in the future"),
    ({"hours": 0}, "more than 0 and at most 24"),
    ({"hours": -2}, "more than 0 and at most 24"),
    ({"hours": 24.5}, "more than 0 and at most 24"),
    ({"hours": float("nan")}, "more than 0 and at most 24"),
    ({"hours": float("inf")}, "more than 0 and at most 24"),
    ({"title": "  "}, "Give the title"),
    ({"title": "x" * 201}, "under 200 characters"),
    ({"title": "Follow-up call with client at 555-867-5309"}, "client information"),
    ({"title": "Workshop", "provider": "Visit at 12 Main Street"}, "client information"),
    ({"title": "Notes on J. (DOB 01/02/1980)"}, "client information"),
    ({"title": "Debrief sent to pat@example.org"}, "client information"),
])
def test_bad_input_is_refused_and_nothing_saved(people, overrides, message):
    with pytest.raises(CertificateError, match=message):
        record(people, **overrides)
    assert count() == 0


def test_more_than_24_hours_in_one_day_is_refused(people):
    record(people, hours=20)
    with pytest.raises(CertificateError, match=r"more than 24 hours on 2026-03-07 \(20 already recorded\)"):
        record(people, hours=5)
    assert count() == 1


def test_recorded_hours_are_pending_until_reviewed(people):
    entry = record(people, ethics=True)
    assert (entry.status, entry.ethics, entry.hours) == ("pending", True, 3.0)
    assert continuing_ed.totals(people["holder"].id) == continuing_ed.Totals(approved=0, ethics=0, pending=3)


def test_supervisor_approves_and_totals_count_approved_and_ethics(people):
    continuing_ed.review(people["supervisor"], record(people, hours=4, ethics=True), True)
    continuing_ed.review(people["supervisor"], record(people, hours=2, completed_on=TODAY - timedelta(days=40)), True)
    record(people, hours=1.5)
    totals = continuing_ed.totals(people["holder"].id)
    assert totals == continuing_ed.Totals(approved=6, ethics=4, pending=1.5)
    # a window: after the first day (exclusive), up to the last (inclusive)
    assert continuing_ed.totals(people["holder"].id, TODAY - timedelta(days=10), TODAY).approved == 4
    assert continuing_ed.totals(people["holder"].id, TODAY - timedelta(days=3), TODAY).approved == 0
    window = (TODAY - timedelta(days=41), TODAY - timedelta(days=40))
    assert continuing_ed.totals(people["holder"].id, *window).approved == 2


def test_returning_needs_a_comment_and_returned_hours_do_not_count(people):
    entry = record(people)
    with pytest.raises(CertificateError, match="Say why"):
        continuing_ed.review(people["supervisor"], entry, False, "  ")
    assert entry.status == "pending"
    continuing_ed.review(people["supervisor"], entry, False, "Attach the certificate of attendance.")
    assert (entry.status, entry.review_comment, entry.reviewer_id) == (
        "returned", "Attach the certificate of attendance.", people["supervisor"].id)
    assert continuing_ed.totals(people["holder"].id) == continuing_ed.Totals()
    with pytest.raises(CertificateError, match="already been reviewed"):
        continuing_ed.review(people["supervisor"], entry, True)


@pytest.mark.parametrize("reviewer", ["unassigned", "other_org", "board", "holder"])
def test_only_the_holders_supervisor_or_an_admin_reviews(people, reviewer):
    entry = record(people)
    with pytest.raises(CertificateError, match="do not supervise|your own hours"):
        continuing_ed.review(people[reviewer], entry, True)
    assert entry.status == "pending"
    continuing_ed.review(people["admin"], entry, True)
    assert entry.status == "approved"


def test_review_queue_lists_only_the_reviewers_people(people):
    entry = record(people)
    assert [e.id for e, _ in continuing_ed.review_queue(people["supervisor"])] == [entry.id]
    assert [e.id for e, _ in continuing_ed.review_queue(people["admin"])] == [entry.id]
    assert continuing_ed.review_queue(people["unassigned"]) == []
    assert continuing_ed.review_queue(people["other_org"]) == []
    continuing_ed.review(people["supervisor"], entry, True)
    assert continuing_ed.review_queue(people["supervisor"]) == []
