"""axe-core on every key page, in the state a user really sees it (signed in, with data): no violation
of serious or critical impact is allowed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import best_safe

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")
TRAINEE, OTHER_TRAINEE = "jordan@example.org", "casey@example.org"
SUPERVISOR, BOARD, ADMIN, HOLDER = ("sam.supervisor@example.org", "board@example.org", "admin@example.org",
                                    "riley@example.org")


@pytest.fixture(scope="module")
def objects(live_server) -> dict:
    """What the pages show: Casey has an attempt under way (one choice made, its feedback on screen), a
    failed attempt on another scenario, and hours waiting for review."""
    from lms.accounts.services import find_user_by_email
    from lms.assessments import services as assessing
    from lms.assessments.definitions import Decision, Narrative
    from lms.db import session as db
    from lms.db import utcnow
    from lms.learning import services as learning
    from lms.supervision import services as supervision

    with live_server.ctx():
        casey = find_user_by_email(OTHER_TRAINEE)
        running = assessing.find("used-again")
        attempt = assessing.start_attempt(casey, running)
        while not isinstance(node := running.node(attempt.current_node), Decision):
            assessing.continue_narrative(attempt, running, node.id)
        assessing.record_decision(attempt, running, node.id, best_safe(node).id)
        failing = assessing.find("war-stories")
        failed = assessing.start_attempt(casey, failing)
        while failed.finished_at is None:
            node = failing.node(failed.current_node)
            if isinstance(node, Narrative):
                assessing.continue_narrative(failed, failing, node.id)
            else:
                unsafe = next((o for o in node.options if o.critical), None) or best_safe(node)
                assessing.record_decision(failed, failing, node.id, unsafe.id)
        supervision.log_hours(casey, utcnow().date() - timedelta(days=2), 2, "supervision", "ethical-responsibility",
                              "Group supervision on boundaries")
        db.commit()
        lesson = learning.catalog().course("communication").lessons[0].slug
        return {"running": attempt.id, "failed": failed.id, "lesson": lesson,
                "jordan": live_server.ids[TRAINEE]}


def upload_credential(page, live_server) -> None:
    """The verify-file page after a good upload: the table of checks."""
    response = page.request.get(f"/certificates/{live_server.cert['id']}/certificate.jwt")
    assert response.ok
    page.get_by_label("Credential file (.json or .jwt)").set_input_files(
        {"name": "credential.jwt", "mimeType": "application/jwt", "buffer": response.body()})
    page.get_by_role("button", name="Verify the file").click()
    page.locator("section.verify-result").wait_for()


def bulk_check(page, live_server) -> None:
    page.get_by_label("Codes, one per line (or a CSV with a column named code)").fill(
        f"{live_server.cert['code']}\nnot-a-code")
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator("table.verify-bulk").wait_for()


# (name, who is signed in, path (formatted with the objects and the certificate), then an action)
PAGES = [
    ("home", None, "/", None),
    ("catalog", TRAINEE, "/courses", None),
    ("course", TRAINEE, "/courses/communication", None),
    ("lesson", TRAINEE, "/courses/communication/lessons/{lesson}", None),  # with a reflection
    ("lesson-worksheet", TRAINEE, "/courses/communication/lessons/motivational-interviewing", None),
    ("lesson-practice", TRAINEE, "/courses/communication/lessons/active-listening", None),
    ("my-learning", TRAINEE, "/my-learning", None),
    ("scenario-intro", OTHER_TRAINEE, "/assessments/used-again", None),
    ("scenario-runner", OTHER_TRAINEE, "/attempts/{running}", None),
    ("result", OTHER_TRAINEE, "/attempts/{failed}/result", None),
    ("login", None, "/login", None),
    ("signup", None, "/signup", None),
    ("supervisor-dashboard", SUPERVISOR, "/supervision", None),
    ("trainee-drill-down", SUPERVISOR, "/supervision/trainees/{jordan}", None),
    ("competencies", SUPERVISOR, "/trainees/{jordan}/competencies", None),
    ("hours-queue", SUPERVISOR, "/supervision/hours", None),
    ("sign-off", SUPERVISOR, "/trainees/{jordan}/sign-off", None),
    ("trainee-hours", OTHER_TRAINEE, "/hours", None),
    ("certificates", HOLDER, "/certificates", None),
    ("certificate-detail", HOLDER, "/certificates/{cert_id}", None),
    ("verify", None, "/verify", None),
    ("verify-result", BOARD, "/verify/{code}", None),
    ("verify-file", None, "/verify/file", None),
    ("verify-file-result", BOARD, "/verify/file", upload_credential),
    ("verify-bulk-result", None, "/verify/bulk", bulk_check),
    ("admin-users", ADMIN, "/admin/users", None),
    ("time-on-task", ADMIN, "/admin/time-on-task", None),
]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "email", "path", "action"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violations(live_server, objects, new_page, shot, name, email, path,
                                                       action):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(email)
    url = path.format(**objects, cert_id=live_server.cert["id"], code=live_server.cert["code"])
    response = page.goto(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    assert email is None or "/login" not in page.url, f"{url} sent {email} to the sign-in page"
    if action:
        action(page, live_server)
    found = Axe().run(page).response
    assert found["passes"], "axe-core should have run its rules"
    blocking = [v for v in found["violations"] if v["impact"] in BLOCKING]
    print(f"{name}: {len(found['passes'])} rules passed; violations: {describe(found['violations']) or 'none'}")
    if blocking:
        shot(page, name)
    assert not blocking, f"{url} has serious or critical accessibility violations:\n{describe(blocking)}"


def test_the_check_flags_a_page_with_serious_violations(new_page):
    """The harness can fail: axe in this Chromium reports blocking problems on a deliberately broken page."""
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    page.set_content('<html><head><title>Broken</title></head><body><main><img src="x.png">'
                     '<label>Name</label><input id="n"><a href="/x"></a></main></body></html>')
    found = Axe().run(page).response
    blocking = {v["id"] for v in found["violations"] if v["impact"] in BLOCKING}
    assert {"image-alt", "label", "link-name", "html-has-lang"} <= blocking, describe(found["violations"])
