"""Fixtures: one app per test session on a real database (SQLite file, or PostgreSQL when
LMS_TEST_DATABASE_URL is set), emptied between tests; helpers to sign in and post forms."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from lms.db import Base, make_engine, normalize_url
from lms.mail import MemoryMailSender

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def reset_schema(url: str) -> None:
    """A clean database: drop everything, so the test run starts from nothing."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if PG_URL:
        reset_schema(PG_URL)
        return normalize_url(PG_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms.sqlite3'}"


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    import lms.models  # noqa: F401  (every table in the metadata)

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "LMS_DATABASE_URL": database_url,
        "LMS_BASE_URL": "http://lms.test",
        "LMS_MAIL_SENDER": MemoryMailSender(),
        "SERVER_NAME": None,
    })
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    Base.metadata.create_all(app.extensions["lms"].db.engine)
    yield app
    app.extensions["lms"].db.engine.dispose()


def _empty_tables(app) -> None:
    engine = app.extensions["lms"].db.engine
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(_app, monkeypatch):
    state = _app.extensions["lms"]
    state.limiter.reset()
    state.mail.outbox.clear()
    saved = dict(_app.config)
    yield _app
    _app.config.clear()
    _app.config.update(saved)
    _empty_tables(_app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    return app.extensions["lms"].mail.outbox


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf token on {url}"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, token_from: str = "/login", **kwargs):
    """POST like a browser: with the CSRF token a page of the site handed out."""
    payload = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(url, data=payload, **kwargs)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="trainee", email=None, org=None, **fields) -> User (committed)."""
    from lms.accounts import services
    from lms.db import session as db

    counter = {"n": 0}

    def factory(role: str = "trainee", email: str | None = None, org=None, name: str | None = None, **fields):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.org"
        with app.app_context():
            user = services.create_user(email, name or f"{role.capitalize()} {counter['n']}", PASSWORD,
                                        role=role, organization=org)
            for key, value in fields.items():
                setattr(user, key, value)
            db.commit()
            db.expunge(user)
            return user

    return factory


@pytest.fixture
def make_org(app):
    from lms.accounts import services
    from lms.db import session as db

    def factory(slug: str = "riverside", name: str = "Riverside Recovery"):
        with app.app_context():
            org = services.create_organization(slug, name)
            db.commit()
            db.expunge(org)
            return org

    return factory


@pytest.fixture
def assign(app):
    from lms.accounts import services
    from lms.accounts.models import User
    from lms.db import session as db

    def do(supervisor, trainee):
        with app.app_context():
            services.assign_supervisor(db.get(User, supervisor.id), db.get(User, trainee.id))
            db.commit()

    return do


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return post_form(self.client, "/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return post_form(self.client, "/logout", token_from="/courses")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(client, make_user):
    """Create a user of `role` and sign the test client in as them."""

    def do(role: str = "trainee", **kwargs):
        user = make_user(role, **kwargs)
        response = Auth(client).login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


REPO = Path(__file__).resolve().parent.parent


# xAPI ----------------------------------------------------------------------------------------

XAPI_VERSION = "1.0.3"


class LRS:
    """A test client for /xapi with Basic credentials and the version header set."""

    def __init__(self, client, key: str, secret: str, prefix: str = "/xapi"):
        import base64

        self.client, self.prefix = client, prefix
        self.headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
                        "X-Experience-API-Version": XAPI_VERSION}

    def request(self, method: str, path: str, *, json=None, headers=None, **kwargs):
        return self.client.open(self.prefix + path, method=method, json=json,
                                headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def make_lrs_client(app):
    """Factory: make_lrs_client(scopes=("all",)) -> (key, secret)."""
    from lms.db import session as db
    from lms.xapi.clients import create_client

    def factory(scopes=("all",), name: str = "test client"):
        with app.app_context():
            client, secret = create_client(name, list(scopes))
            db.commit()
            return client.key, secret

    return factory


@pytest.fixture
def lrs(client, make_lrs_client) -> LRS:
    """An LRS test client whose credentials hold the `all` scope."""
    return LRS(client, *make_lrs_client())


def make_statement(**overrides) -> dict:
    statement = {
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.org", "name": "Learner"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "http://example.org/activities/one",
                   "definition": {"name": {"en-US": "Activity one"}}},
    }
    statement.update(overrides)
    return statement
