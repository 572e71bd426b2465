"""Configuration: secrets, database URL, instance config, SQLite WAL."""
from __future__ import annotations

import subprocess
import sys

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from lms import LMS
from lms.db import normalize_url
from lms.extension import LMSConfigError
from tests.conftest import REPO


@pytest.mark.parametrize("secret", [None, "", "dev", "change-me", "short"])
def test_refuses_to_start_without_a_real_secret(secret, tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    if secret is not None:
        app.config["SECRET_KEY"] = secret
    with pytest.raises(LMSConfigError, match="SECRET_KEY"):
        LMS(app)


def test_standalone_app_exits_with_a_clear_message_not_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", "check-content"], cwd=REPO,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LMS_INSTANCE_PATH": str(tmp_path),
                                 "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or insecure" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_and_testing_run_without_a_secret(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config["TESTING"] = True
    LMS(app)
    assert app.extensions["lms"].db.url.startswith("sqlite:///")


def test_default_database_is_sqlite_in_instance_folder_with_wal(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    app.instance_path = str(tmp_path)
    assert app.config["LMS_DATABASE_URL"].endswith("instance/lms.sqlite3")
    probe = Flask("probe", instance_path=str(tmp_path))
    probe.config["TESTING"] = True
    LMS(probe)
    engine = probe.extensions["lms"].db.engine
    assert probe.config["LMS_DATABASE_URL"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_environment_overrides_config(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("LMS_BASE_URL", "https://training.example.org")
    monkeypatch.setenv("SECRET_KEY", "an-environment-secret-of-length")
    app = create_app()
    assert app.config["LMS_DATABASE_URL"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_postgres_urls_use_psycopg3():
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x") == "sqlite:///x"


def test_bad_signup_mode_is_refused(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(TESTING=True, LMS_SIGNUP="sometimes")
    with pytest.raises(LMSConfigError, match="LMS_SIGNUP"):
        LMS(app)
