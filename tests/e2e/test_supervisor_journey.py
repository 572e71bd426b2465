"""The demo supervisor in a real browser: the dashboard, one trainee, a rating, pending hours approved,
and a sign-off for a program."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import user_id

pytestmark = pytest.mark.e2e

SUPERVISOR = "sam.supervisor@example.org"
TRAINEE, TRAINEE_NAME = "jordan@example.org", "Jordan Reyes"
OTHERS = ("Casey Nguyen", "Morgan Whitfield")  # Sam's other demo trainees
NOT_SAMS = "Riley Thompson"  # in the same organization, supervised by Lee
COMPETENCY = "icrc-advocacy"
PROGRAM = "Peer Recovery Practice Readiness"


def seed_pending_hours(live, email: str, hours: float) -> None:
    """The demo has no logged hours: the trainee logs some, through the service the hours page calls."""
    from lms.accounts.services import find_user_by_email
    from lms.db import session as db
    from lms.db import utcnow
    from lms.supervision import services

    with live.ctx():
        services.log_hours(find_user_by_email(email), utcnow().date() - timedelta(days=1), hours, "practice",
                           "advocacy", "Co-facilitated a recovery support group")
        db.commit()


def test_supervisor_reviews_rates_approves_hours_and_signs_off(live_server, new_page, shot):
    seed_pending_hours(live_server, TRAINEE, 3.5)
    trainee_id = user_id(live_server, TRAINEE)
    page = new_page(SUPERVISOR)

    # Dashboard: Sam is also the organization admin, so he sees everyone there; filtered to the
    # trainees he supervises, with their flags.
    page.goto("/supervision")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision dashboard")
    trainees = page.locator("table#trainees")
    expect(trainees.get_by_role("link", name=NOT_SAMS)).to_be_visible()
    page.get_by_label("Supervisor").select_option(label="Sam Okafor")
    page.get_by_role("button", name="Show").click()
    for name in (TRAINEE_NAME, *OTHERS):
        expect(trainees.get_by_role("link", name=name)).to_be_visible()
    expect(trainees).not_to_contain_text(NOT_SAMS)
    expect(trainees.locator("tbody tr", has_text=OTHERS[1]).locator(".flag-list")).to_contain_text("Never active")
    expect(page.get_by_role("heading", name="Flags")).to_be_visible()
    expect(page.locator(".flag-summary li").first).to_be_visible()
    jordan_row = trainees.locator("tbody tr", has=page.get_by_role("link", name=TRAINEE_NAME))
    expect(jordan_row).to_contain_text("Sam Okafor")
    expect(jordan_row).to_contain_text("courses completed")
    shot(page, "dashboard")

    # One trainee: ratings, hours waiting and sign-offs.
    jordan_row.get_by_role("link", name=TRAINEE_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TRAINEE_NAME)
    expect(page.locator("#hours + dl")).to_contain_text("Waiting for approval")
    expect(page.get_by_role("table", name="Logged hours, newest first")).to_contain_text("Waiting for approval")
    shot(page, "trainee")

    # Rate a competency.
    page.goto(f"/trainees/{trainee_id}/competencies")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{TRAINEE_NAME}: competencies")
    card = page.locator(f"#c-{COMPETENCY}")
    card.get_by_label("Level").select_option(label="Proficient")
    card.get_by_label("Comment (optional)").fill("Spoke up well for a peer at the housing meeting.")
    card.get_by_role("button", name="Save rating").click()
    expect(page.locator(".flashes")).to_contain_text(f"Rated {TRAINEE_NAME} on")
    card = page.locator(f"#c-{COMPETENCY}")
    expect(card.locator(".rating")).to_contain_text("Current rating: Proficient")
    shot(page, "rated")

    # Approve the pending hours.
    page.get_by_role("link", name="Hours to review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice hours to review")
    log = page.locator("article.review", has_text=TRAINEE_NAME)
    expect(log.get_by_role("heading")).to_contain_text(f"{TRAINEE_NAME}: 3.5 h")
    expect(log).to_contain_text("Co-facilitated a recovery support group")
    shot(page, "hours-queue")
    log.get_by_role("button", name="Approve").click()
    expect(page.locator(".flashes")).to_contain_text(f"3.5 hours of {TRAINEE_NAME} approved.")
    expect(page.locator("article.review", has_text=TRAINEE_NAME)).to_have_count(0)
    page.goto(f"/supervision/trainees/{trainee_id}")
    expect(page.locator("#hours + dl")).to_contain_text(re.compile(r"Practice \(approved\)\s*3\.5 h"))

    # Sign off for a program.
    page.goto(f"/trainees/{trainee_id}/sign-off")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign-off for {TRAINEE_NAME}")
    page.get_by_label("Program").select_option(label=PROGRAM)
    page.get_by_label("Statement").fill("Jordan is ready for supervised practice in all four domains.")
    shot(page, "sign-off-form")
    page.get_by_role("button", name="Sign off", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text(f"{TRAINEE_NAME} signed off for {PROGRAM}.")
    signed = page.locator("article.sign-off").first
    expect(signed.get_by_role("heading")).to_contain_text(PROGRAM)
    expect(signed.locator(".status")).to_have_text("Signed off")
    expect(signed).to_contain_text("Signed by Sam Okafor")
    shot(page, "signed-off")
