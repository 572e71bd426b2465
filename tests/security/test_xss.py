"""XSS: text people type (names, organization names, practice-log activity and reflection, rating
comments, sign-off statements, CE titles) is escaped on every page that shows it; lesson Markdown
keeps no raw HTML, script or javascript: link."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from lms.accounts.models import Organization, User
from lms.content.markdown import render_markdown
from lms.db import session as db
from tests.security.world import sign_in

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def _plant(app, world, payload: str) -> None:
    """Put the payload in every user-typed field the world's pages show, through the services."""
    from lms.certificates import continuing_ed
    from lms.supervision import services as supervision

    with app.app_context():
        trainee, sup = db.get(User, world.ids["trainee"]), db.get(User, world.ids["supervisor"])
        trainee.name = f"Name {payload}"
        db.get(Organization, world.org_a).name = f"Org {payload}"
        framework = app.extensions["lms"].catalog.framework
        domain = next(iter(framework.domain_names))
        supervision.log_hours(trainee, date.today() - timedelta(days=3), 1.0, "practice", domain,
                              f"Activity {payload}", f"Reflection {payload}")
        supervision.rate_competency(sup, trainee, world.competency, framework.scale.levels[-1].id,
                                    f"Comment {payload}")
        supervision.sign_off(sup, trainee, "another-program", f"Statement {payload}")
        continuing_ed.record(trainee, f"CE {payload}", date.today() - timedelta(days=4), 1.0)
        db.commit()


# (who looks, page, labels of the planted fields the page must show)
PAGES = [
    ("trainee", "/account", ["Name"]),
    ("trainee", "/hours", ["Activity"]),
    ("trainee", "/competencies", ["Comment"]),
    ("trainee", "/continuing-education", ["CE"]),
    ("supervisor", "/supervision", ["Name"]),
    ("supervisor", "/supervision/hours", ["Name", "Activity", "Reflection"]),
    ("supervisor", "/supervision/trainees/{trainee}", ["Name", "Activity", "Statement"]),
    ("supervisor", "/trainees/{trainee}/competencies", ["Name", "Comment"]),
    ("supervisor", "/trainees/{trainee}/sign-off", ["Name", "Statement"]),
    ("supervisor", "/trainees/{trainee}/learning", ["Name"]),
    ("supervisor", "/supervision/continuing-education", ["Name", "CE"]),
    ("admin", "/admin/users", ["Name", "Org"]),
    ("admin", "/admin/users/{trainee}", ["Name"]),
    ("admin", "/admin/organizations", ["Org"]),
    ("admin", "/supervision/organization?org={org}", ["Org"]),
    ("admin", "/admin/certificates", ["Name"]),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute-break"])
def test_typed_text_is_escaped_on_every_page_that_shows_it(app, world, payload):
    _plant(app, world, payload)
    problems = []
    for who, page, labels in PAGES:
        client = app.test_client()
        sign_in(client, world, who)
        url = page.format(trainee=world.ids["trainee"], org=world.org_a)
        response = client.get(url)
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{who} {url}: {response.status_code}")
            continue
        if payload in body or "<img src=x" in body or "<script>alert" in body:
            problems.append(f"{who} {url}: the raw payload is in the page")
        for label in labels:
            if str(escape(f"{label} {payload}")) not in body:
                problems.append(f"{who} {url}: {label!r} not shown escaped")
    assert not problems, "\n".join(problems)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _dangers(html: str) -> list[str]:
    """What in rendered HTML could run script: active tags, event handlers, styles, script URLs."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in ("script", "style", "iframe", "object", "embed", "svg", "math", "form", "base", "meta", "link"):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"{tag}[{name}]")
            if name in ("href", "src") and re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                found.append(f"{tag}[{name}={value}]")
    return found


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<iframe src=//evil.example></iframe>",
    '<p style="color:red" onclick="x()">hi</p>',
    "![x](javascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<svg onload=alert(1)>",
])
def test_lesson_markdown_keeps_no_script_or_javascript_link(source):
    html = render_markdown(f"Intro paragraph.\n\n{source}\n")
    assert "Intro paragraph." in html
    assert _dangers(html) == [], html


def test_the_danger_check_sees_danger():
    assert _dangers('<a href=" javascript:x">a</a><img src=x onerror=y><script></script>') == [
        "a[href= javascript:x]", "img[onerror]", "<script>"]


def test_markdown_keeps_ordinary_links_safe(app):
    html = render_markdown("[SAMHSA](https://www.samhsa.gov/)")
    assert 'href="https://www.samhsa.gov/"' in html and "noopener" in html
