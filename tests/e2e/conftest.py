"""End-to-end fixtures: the app served over real HTTP (werkzeug, threaded, in this process) on a fresh
SQLite file with the demo data, driven by the Debian Chromium through Playwright.

The live server always uses its own SQLite file, whatever LMS_TEST_DATABASE_URL says: these tests
exercise pages and browsers, and the database legs are covered by the rest of the suite.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from lms.mail import MemoryMailSender
from tests.learning.helpers import do_activities

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LMS_E2E_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000
CORE = "peer-recovery-core-training"


@dataclass
class LiveServer:
    url: str
    app: object
    ids: dict = field(default_factory=dict)  # demo people by e-mail -> user id
    cert: dict = field(default_factory=dict)  # the demo certificate: id, code (formatted), holder

    @contextmanager
    def ctx(self) -> Iterator[None]:
        """An app context on the live server's database, for seeding and looking things up."""
        with self.app.app_context():
            yield

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    import lms.models  # noqa: F401  (every table in the metadata)
    from app import create_app
    from lms.db import Base

    # Bind the socket first (port 0: the OS picks a free one), so the app can be told its real address.
    holder = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    workdir = tmp_path_factory.mktemp("e2e")
    app = create_app({
        "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "LMS_DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
        "LMS_BASE_URL": url,
        "LMS_MAIL_SENDER": MemoryMailSender(),
        # Every test signs in: the per-IP login and verify limits would trip on one loopback address.
        "LMS_RATELIMIT_LOGIN": "10000/minute",
        "LMS_RATELIMIT_VERIFY": "10000/minute",
    })
    app.instance_path = str(workdir)
    Base.metadata.create_all(app.extensions["lms"].db.engine)
    holder["app"] = app
    live = LiveServer(url, app)
    with app.app_context():
        from lms.certificates.codes import format_code
        from lms.certificates.models import Certificate
        from lms.db import session as db
        from lms.demo import load_demo

        live.ids = {user.email: user.id for user in load_demo()}
        cert = db.scalar(select(Certificate).where(Certificate.program == CORE, Certificate.status == "active"))
        assert cert is not None, "the demo data should hold a core certificate (riley@example.org)"
        live.cert = {"id": cert.id, "code": format_code(cert.code), "holder": cert.snapshot["holder_name"]}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["lms"].db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"The end-to-end tests need Chromium at {CHROMIUM}, and it is missing. Run `make setup` "
                    "(as root it installs the Debian chromium package), or set LMS_E2E_CHROMIUM to a Chromium.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to run as root with its sandbox (containers, CI).
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def session_cookie(live_server):
    """session_cookie(email) -> the signed session cookie the sign-in form would have set for `email`.

    Minted with the app's own session code instead of posting the form: each form sign-in costs a
    scrypt hash, seconds on a busy CI machine. The form itself is driven in test_keyboard.py, and the
    trainee journey signs up through its page.
    """
    from flask.sessions import SecureCookieSession

    from lms.accounts.auth import start_session
    from lms.accounts.services import find_user_by_email

    app = live_server.app
    serializer = app.session_interface.get_signing_serializer(app)

    def make(email: str) -> dict:
        with live_server.ctx():
            session = SecureCookieSession()
            start_session(session, find_user_by_email(email))
            value = serializer.dumps(dict(session))
        return {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "domain": "127.0.0.1", "path": "/",
                "httpOnly": True, "sameSite": "Lax"}

    return make


@pytest.fixture
def new_page(live_server, browser, session_cookie):
    """Factory: new_page(email=None) -> a Page in a fresh browser context, signed in as `email`."""
    contexts = []

    def make(email: str | None = None):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        if email:
            context.add_cookies([session_cookie(email)])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh, signed-out browser context."""
    return new_page()


class Screenshots:
    """shot(page, "name") saves test-artifacts/screenshots/<test>/NN-name.png, numbered in order."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0
        shutil.rmtree(folder, ignore_errors=True)

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path))
        return path


@pytest.fixture
def shot(request) -> Screenshots:
    return Screenshots(ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name))


# Seeding and look-ups on the live server's database ---------------------------------------------

def user_id(live: LiveServer, email: str) -> int:
    from lms.accounts.services import find_user_by_email

    with live.ctx():
        return find_user_by_email(email).id


def meet_core_requirements(live: LiveServer, email: str) -> None:
    """Complete every core course and pass every core scenario not yet passed, through the services."""
    from flask import current_app

    from lms.accounts.services import find_user_by_email
    from lms.assessments import services as assessing
    from lms.assessments.definitions import Decision, Narrative
    from lms.db import session as db
    from lms.learning import services as learning

    with live.ctx():
        user = find_user_by_email(email)
        state = current_app.extensions["lms"]
        program = state.programs[CORE]
        catalog = learning.catalog()
        pending = list(program.requirements.courses)
        while pending:  # prerequisites first: retry the locked ones after the others
            course = catalog.course(pending.pop(0))
            if learning.missing_prerequisites(user, course):
                pending.append(course.slug)
                continue
            enrollment = learning.find_enrollment(user, course.slug) or learning.enroll(user, course)
            for lesson in course.lessons:
                learning.open_lesson(enrollment, course, lesson)
                for check in lesson.checks:
                    right = [i for i, option in enumerate(check.options) if option.correct]
                    learning.answer_check(enrollment, course, lesson, check, right)
                do_activities(enrollment, course, lesson)
                learning.complete_lesson(enrollment, course, lesson)
            db.flush()
        for wanted in program.requirements.assessments:
            if any(a.passed for a in assessing.attempts_of(user, wanted.id)):
                continue
            scenario = state.assessments.scenario(wanted.id)
            attempt = assessing.start_attempt(user, scenario)
            while attempt.finished_at is None:
                node = scenario.node(attempt.current_node)
                if isinstance(node, Narrative):
                    assessing.continue_narrative(attempt, scenario, node.id)
                elif isinstance(node, Decision):
                    assessing.record_decision(attempt, scenario, node.id, best_safe(node).id)
        db.commit()


def best_safe(node):
    """The safe option worth the most points: the path a well-prepared trainee takes."""
    return max((o for o in node.options if not o.critical), key=lambda o: o.points)


def scenario(live: LiveServer, slug: str):
    with live.ctx():
        from lms.assessments import services as assessing

        return assessing.find(slug)


def play_scenario(page, scenario, pick, on_decision=None) -> list:
    """Play an open attempt in the browser up to its result page, choosing pick(node) at each decision.

    on_decision(page, node, option) runs after each choice that leads to another step (its feedback is
    on the page then). Returns the (node, option) pairs chosen, in order.
    """
    from lms.assessments.definitions import Decision

    chosen = []
    for _ in range(50):  # a scenario is a few nodes deep; this only stops a runaway loop
        page.wait_for_load_state()
        if "/result" in page.url:
            return chosen
        node = scenario.node(page.locator("input[name=node]").get_attribute("value"))
        if isinstance(node, Decision):
            option = pick(node)
            page.locator(f"#opt-{option.id}").check()
            page.get_by_role("button", name="Choose").click()
            chosen.append((node, option))
            page.wait_for_load_state()
            if on_decision and "/result" not in page.url:
                on_decision(page, node, option)
        else:
            page.get_by_role("button", name="Continue").click()
    raise AssertionError(f"the scenario did not reach a result page (at {page.url})")
