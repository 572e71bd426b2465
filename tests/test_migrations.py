"""Upgrading an empty database gives exactly the models' schema, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

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
