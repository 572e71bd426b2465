"""The authorization matrix: every route in the URL map x every principal, expectations derived from
the route's declared access rule. A new route without a rule, or with a path parameter this file has
no value for, fails here until someone declares the rule and adds a value to PARAMS below.

Principals: anonymous; the trainee who owns the world's objects; another trainee (org B); her
assigned supervisor; a supervisor of another organization (an org admin there); board; admin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from tests.security.world import LEAK_MARKERS, OWNER_NAME, PRINCIPALS, PROGRAM, World, build_world, db_state, sign_in

LMS_ENDPOINTS = ("lms.", "lms_xapi.")
UNCHECKED = {"lms.static"}  # static files: no view of ours, nothing to protect
# Routes whose object belongs to the world's trainee: other people must get 403/404 and see nothing.
OBJECT_PARAMS = {"user_id", "attempt_id", "log_id", "sign_off_id", "cert_id", "entry_id"}
ENTITLED = {"trainee", "supervisor", "admin"}  # to the trainee's objects (board: decided per route, not asserted)
REFUSED = {"other_trainee", "other_supervisor"}
# Rules narrower than the role list, each with who may get a 403 although their role is listed:
# acting on a lesson needs your own enrollment (only the world's trainee has one); the organization
# page is for org admins (the assigned supervisor is not one, org B's supervisor is).
NARROWER = {
    "lms.learning_answer_check": {"other_trainee", "other_supervisor", "supervisor", "board", "admin"},
    "lms.learning_complete_lesson": {"other_trainee", "other_supervisor", "supervisor", "board", "admin"},
    "lms.learning_submit_activity": {"other_trainee", "other_supervisor", "supervisor", "board", "admin"},
    "lms.supervision_organization": {"supervisor"},
}

# Path parameter values: (endpoint, name) first, then the name alone. `slug` and `token` mean different
# things on different routes, so they are listed per endpoint on purpose: a new route must add itself.
BY_NAME = {
    "user_id": lambda w: w.ids["trainee"],
    "attempt_id": lambda w: w.attempt,
    "log_id": lambda w: w.log,
    "sign_off_id": lambda w: w.sign_off,
    "cert_id": lambda w: w.cert,
    "entry_id": lambda w: w.ce_entry,
    "invitation_id": lambda w: w.invitation,
    "client_id": lambda w: w.lrs_client,
    "item_id": lambda w: w.outbox_item,
    "org_id": lambda w: w.org_a,
    "supervisor_id": lambda w: w.ids["supervisor"],
    "competency_id": lambda w: w.competency,
    "lesson_slug": lambda w: w.lesson,
    "check_id": lambda w: w.check,
    "activity_id": lambda w: w.activity,
    "code": lambda w: f"{w.cert_code[:4]}-{w.cert_code[4:8]}-{w.cert_code[8:]}",
    "kind": lambda w: "pdf",
    "purpose": lambda w: "revocation",
    "action": lambda w: "suspend",
}
COURSE_SLUG = lambda w: "communication"  # noqa: E731
PROGRAM_SLUG = lambda w: PROGRAM  # noqa: E731
BY_ENDPOINT = {
    ("lms.learning_course", "slug"): COURSE_SLUG,
    ("lms.learning_enroll", "slug"): COURSE_SLUG,
    ("lms.learning_lesson", "slug"): COURSE_SLUG,
    ("lms.learning_answer_check", "slug"): COURSE_SLUG,
    ("lms.learning_complete_lesson", "slug"): COURSE_SLUG,
    ("lms.learning_submit_activity", "slug"): COURSE_SLUG,
    ("lms.assessments_intro", "slug"): lambda w: w.scenario,
    ("lms.assessments_analysis", "slug"): lambda w: w.scenario,
    ("lms.assessments_start", "slug"): lambda w: w.scenario,
    ("lms.certificates_achievement", "slug"): PROGRAM_SLUG,
    ("lms.certificates_program", "slug"): PROGRAM_SLUG,
    ("lms.certificates_approve", "slug"): PROGRAM_SLUG,
    ("lms.accounts_accept_invite", "token"): lambda w: w.invite_token,
    ("lms.accounts_reset", "token"): lambda w: w.reset_token,
    ("lms.certificates_credential", "code"): lambda w: w.cert_code,  # the credential id uses the bare code
}


@dataclass(frozen=True)
class Case:
    endpoint: str
    rule: str
    method: str
    access: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def object_scoped(self) -> bool:
        return bool(OBJECT_PARAMS & set(self.params))

    @property
    def xapi(self) -> bool:
        return self.endpoint.startswith("lms_xapi.")


def plan(app: Flask) -> tuple[list[Case], list[str]]:
    """The cases to run and the problems that stop a route from being checked at all."""
    cases, problems = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not rule.endpoint.startswith(LMS_ENDPOINTS) or rule.endpoint in UNCHECKED:
            continue
        access = getattr(app.view_functions[rule.endpoint], "lms_access", None)
        if not access:
            problems.append(f"{rule.rule} ({rule.endpoint}) declares no access rule: decorate the view with "
                            f"public or roles_required(...) from lms/web/access.py")
            continue
        unknown = [name for name in sorted(rule.arguments)
                   if (rule.endpoint, name) not in BY_ENDPOINT and name not in BY_NAME]
        if unknown:
            problems.append(f"{rule.rule} ({rule.endpoint}): no value for path parameter(s) {unknown}: add them "
                            f"to BY_ENDPOINT or BY_NAME in tests/security/test_route_matrix.py (and to the "
                            f"world in tests/security/world.py)")
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if not rule.endpoint.startswith("lms_xapi."):
            methods = ["GET"] if "GET" in methods else ["POST"]  # GET routes by GET; POST-only by POST
        for method in methods:
            cases.append(Case(rule.endpoint, rule.rule, method, tuple(access), tuple(sorted(rule.arguments))))
    return cases, problems


def _collection_app() -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "collection-only-secret-key-0123", "LMS_DATABASE_URL": "sqlite://"})


CASES, PROBLEMS = plan(_collection_app())


def test_every_route_has_a_rule_and_parameter_values():
    assert PROBLEMS == [], "\n".join(PROBLEMS)


def test_an_undeclared_route_or_unknown_parameter_fails_the_matrix():
    from lms.web.access import public

    copy = _collection_app()
    copy.add_url_rule("/probe/undeclared", "lms.probe_undeclared", lambda: "")
    copy.add_url_rule("/probe/<widget_id>", "lms.probe_widget", public(lambda widget_id: ""))
    cases, problems = plan(copy)
    assert len(problems) == 2, problems
    assert any("/probe/undeclared (lms.probe_undeclared) declares no access rule" in p for p in problems)
    assert any("no value for path parameter(s) ['widget_id']" in p for p in problems)
    assert {c.endpoint for c in cases} == {c.endpoint for c in CASES}  # the real routes are still planned


def _csrf(app, client) -> str:
    """A valid token for this client's session, as flask-wtf makes one (raw value in the session)."""
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", "matrix-csrf-raw-token")
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def _url(app, case: Case, world: World) -> str:
    values = {name: BY_ENDPOINT.get((case.endpoint, name), BY_NAME.get(name))(world) for name in case.params}
    with app.test_request_context():
        return url_for(case.endpoint, **values)


def _request(app, client, case: Case, url: str):
    if case.xapi:  # the LRS: a session cookie alone, never Basic credentials
        return client.open(url, method=case.method, headers={"X-Experience-API-Version": "1.0.3"})
    if case.method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": _csrf(app, client)})


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path.endswith("/login")


def _judge(case: Case, who: str, response, body: str) -> tuple[list[str], bool]:
    """(what is wrong, whether this principal is refused and so must leave the database unchanged)."""
    status, wrong = response.status_code, []
    if status >= 500:
        return [f"{status} (server error)"], False
    if case.xapi:
        if "public" in case.access:
            return ([] if status != 401 else ["401 on a public LRS resource"]), False
        return ([] if status == 401 else [f"{status}: a session cookie must grant nothing on the LRS (want 401)"]), True
    if "public" in case.access:
        if status == 403 or (_is_login_redirect(response) and "next=" in response.headers["Location"]):
            wrong.append(f"{status} {response.headers.get('Location', '')}: a public route refused")
        return wrong, False
    if who == "anonymous":
        if not _is_login_redirect(response):
            wrong.append(f"{status}: anonymous must be sent to the login page")
        refused = True
    elif _role(who) not in case.access:
        if status != 403:
            wrong.append(f"{status}: role {_role(who)} is outside {case.access}, want 403")
        refused = True
    elif case.object_scoped and who in REFUSED:
        allowed = {403, 404} | ({400} if case.method == "POST" else set())
        if status not in allowed:
            wrong.append(f"{status}: someone else's object, want 403 or 404")
        refused = True
    else:
        if status == 403 and not (case.object_scoped and who not in ENTITLED) \
                and who not in NARROWER.get(case.endpoint, ()):
            wrong.append("403 for a role the rule allows")
        refused = False
    if refused and who != "trainee" and OWNER_NAME in body:  # (her own name is in the page header)
        wrong.append("the trainee's name is in the page")
    return wrong, refused


_ROLE_OF = {"trainee": "trainee", "other_trainee": "trainee", "supervisor": "supervisor",
            "other_supervisor": "supervisor", "board": "board", "admin": "admin"}


def _role(who: str) -> str:
    return _ROLE_OF[who]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.rule}" for c in CASES])
def test_route_matrix(app, case: Case):
    world = build_world(app)
    url = _url(app, case, world)
    failures = []
    for who in PRINCIPALS:  # refused principals first, so they meet the world as it was seeded
        client = app.test_client()
        sign_in(client, world, who)
        before = db_state(app)
        response = _request(app, client, case, url)
        body = response.get_data().decode("utf-8", "replace")  # PDFs too
        wrong, refused = _judge(case, who, response, body)
        # Org B's people see nothing of org A's trainee on any signed-in page, lists and CSVs included
        # (public verification pages show a holder's name by design).
        if who in REFUSED and "public" not in case.access:
            wrong += [f"org A's data on the page: {m!r}" for m in LEAK_MARKERS if m in body]
        after = db_state(app) if refused else before
        if after != before:
            changed = sorted(k for k, v in after.items() if before[k] != v)
            wrong.append(f"refused, yet the database changed: {changed}")
        failures += [f"{case.method:6} {url:60} {who:17} {problem}" for problem in wrong]
    assert not failures, f"rule {case.access}:\n" + "\n".join(failures)


def test_matrix_covers_the_sensitive_routes():
    """Guard against the plan silently shrinking (a filter that skips everything passes everything)."""
    planned = {c.endpoint for c in CASES}
    assert len(planned) > 60
    for endpoint in ("lms.supervision_trainee", "lms.assessments_attempt", "lms.certificates_download",
                     "lms.supervision_withdraw_sign_off", "lms_xapi.statements", "lms.admin_user_edit"):
        assert endpoint in planned
    assert re.search(r"lms_xapi", " ".join(c.endpoint for c in CASES if c.method == "DELETE"))
