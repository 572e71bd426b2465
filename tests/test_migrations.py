"""Upgrading an empty database gives exactly the models' schema, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

import lms.models  # noqa: F401
from lms.db import Base, make_engine, normalize_url
from lms.migrations import VERSION_TABLE, current_revision, upgrade

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")


def _include(obj, name, type_, reflected, compare_to):
    return name.startswith("lms_") if type_ == "table" else True


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL leg: set LMS_TEST_DATABASE_URL (CI does)")
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"lms_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_upgrade_from_empty_matches_models(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _include,
                                                    "version_table": VERSION_TABLE})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert current_revision(empty_engine) is not None


def test_lms_keeps_its_own_version_table_beside_a_host_alembic(empty_engine):
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('hostrev')"))
        conn.execute(text("CREATE TABLE host_widget (id INTEGER PRIMARY KEY)"))
    upgrade(empty_engine)
    upgrade(empty_engine)  # idempotent
    tables = set(inspect(empty_engine).get_table_names())
    assert {VERSION_TABLE, "alembic_version", "host_widget"} <= tables
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "hostrev"


def test_0006_keeps_lesson_progress_and_adds_activity_responses(empty_engine):
    """An existing lesson's progress gets no time on task (0, never seen), and responses can be stored."""
    upgrade(empty_engine, "0005")
    now = "2026-11-30 10:00:00+00:00"
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO lms_user (id, email, name, password_hash, role, is_org_admin, is_active, learner_id, "
            "session_version, created_at) VALUES (1, 'a@example.org', 'A', 'x', 'trainee', false, true, 'l1', 1, "
            f"'{now}')"))
        conn.execute(text(
            "INSERT INTO lms_enrollment (id, user_id, course_slug, course_version, registration, enrolled_at, "
            f"last_activity_at) VALUES (1, 1, 'ethics', 'v', 'r-1', '{now}', '{now}')"))
        conn.execute(text(
            "INSERT INTO lms_lesson_progress (id, enrollment_id, lesson_slug, first_opened_at, last_opened_at) "
            f"VALUES (1, 1, 'boundaries', '{now}', '{now}')"))
    upgrade(empty_engine)
    assert current_revision(empty_engine) == "0006"
    with empty_engine.begin() as conn:
        assert conn.execute(text("SELECT active_seconds, last_seen_at FROM lms_lesson_progress")).one() == (0, None)
        conn.execute(text(
            "INSERT INTO lms_activity_response (enrollment_id, lesson_slug, lesson_version, activity_id, kind, "
            "answers, word_count, revisions, submitted_at, updated_at) VALUES (1, 'boundaries', 'v', "
            f"'my-boundary-map', 'reflection', '{{\"text\": \"words\"}}', 1, 0, '{now}', '{now}')"))
    with empty_engine.begin() as conn, pytest.raises(IntegrityError):  # one response per learner and activity
        conn.execute(text(
            "INSERT INTO lms_activity_response (enrollment_id, lesson_slug, lesson_version, activity_id, kind, "
            "answers, word_count, revisions, submitted_at, updated_at) VALUES (1, 'boundaries', 'v', "
            f"'my-boundary-map', 'reflection', '{{}}', 0, 0, '{now}', '{now}')"))
