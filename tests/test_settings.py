"""The typed settings table: every setting the code reads is in it, each can come from the environment, bad
values stop start-up with the setting's name, and the README's table is the generated one."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from flask import Flask

from app import create_app
from lms import LMS, settings
from lms.extension import LMSConfigError
from tests.conftest import REPO

SAMPLES = {str: "sample-value", int: "7", float: "2.5", bool: "on", object: "lms.mail:MemoryMailSender"}


def _code_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*(REPO / "lms").rglob("*.py"), REPO / "app.py"]:
        if "migrations" not in path.parts:
            keys |= set(re.findall(r"\b(LMS_[A-Z0-9_]*[A-Z0-9]|SECRET_KEY|DATABASE_URL)\b", path.read_text()))
    return keys


def test_every_setting_the_code_reads_is_defined():
    missing = _code_keys() - set(settings.BY_NAME)
    assert not missing, f"settings read in code but not defined in lms/settings.py: {sorted(missing)}"


def test_readme_settings_table_is_the_generated_one():
    readme = (REPO / "README.md").read_text()
    assert settings.markdown_table() in readme, "README settings table is stale: run `flask lms settings --markdown`"
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    assert documented == set(settings.BY_NAME)


@pytest.mark.parametrize("setting", [s for s in settings.SETTINGS if s.name not in ("LMS_INSTANCE_PATH",)],
                         ids=lambda s: s.name)
def test_every_setting_can_come_from_the_environment(setting, monkeypatch, tmp_path):
    raw = {"LMS_SIGNUP": "invite", "LMS_SIGNING_ALG": "EdDSA", "SECRET_KEY": "s" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path}/env.db", "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/lms-env.db",
           "LMS_TRUSTED_PROXIES": "1", "LMS_PASSWORD_MIN_LENGTH": "12", "LMS_RESET_MAX_AGE": "600",
           "LMS_CURRICULA_DIR": str(REPO / "curricula"), "LMS_ASSESSMENTS_DIR": str(REPO / "assessments"),
           "LMS_CERTIFICATES_DIR": str(REPO / "certificates"), "LMS_TEMPLATES_DIR": str(REPO / "templates"),
           "LMS_RATELIMIT_STORAGE_URI": "memory://", "LMS_XAPI_PREFIX": "/lrs", "LMS_URL_PREFIX": "/learn",
           "LMS_BASE_URL": "https://training.example.org", "LMS_XAPI_RELAY_INPROCESS": "off",
           "LMS_XAPI_FORWARD_URL": "http://127.0.0.1:9/xapi"}.get(setting.name, SAMPLES[setting.type])
    monkeypatch.setenv(setting.name, raw)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True})
    assert app.config[setting.name] == settings.convert(setting, raw)
    assert not isinstance(app.config[setting.name], str) or setting.type in (str, object)


@pytest.mark.parametrize("name, raw, words", [
    ("LMS_XAPI_PAGE_SIZE", "many", "LMS_XAPI_PAGE_SIZE must be a whole number; got 'many'"),
    ("LMS_XAPI_PAGE_SIZE", "²", "must be a whole number"),
    ("LMS_XAPI_FORWARD_TIMEOUT", "nan", "must be a finite number"),
    ("LMS_XAPI_ACTOR_NAMES", "maybe", "LMS_XAPI_ACTOR_NAMES must be one of on/off"),
    ("LMS_SIGNUP", "closed", "LMS_SIGNUP must be one of open, invite"),
    ("LMS_PAGE_SIZE", "0", "LMS_PAGE_SIZE must be at least 1"),
])
def test_bad_environment_value_stops_start_up_naming_the_setting(name, raw, words, monkeypatch, tmp_path):
    monkeypatch.setenv(name, raw)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(SystemExit, match=re.escape(words)):
        create_app({"TESTING": True})


def test_bad_value_from_a_host_is_refused_naming_the_setting(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(TESTING=True, LMS_RENEWAL_GRACE_DAYS="thirty")
    with pytest.raises(LMSConfigError, match="LMS_RENEWAL_GRACE_DAYS must be a whole number"):
        LMS(app)


def test_host_may_pass_numbers_as_text(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(TESTING=True, LMS_INVITE_DAYS="21")
    LMS(app)
    assert app.config["LMS_INVITE_DAYS"] == "21"  # accepted as the environment would be


def test_computed_defaults_follow_other_settings(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(TESTING=True, LMS_SITE_NAME="Riverside Peer Academy", LMS_BASE_URL="https://r.example")
    LMS(app)
    assert app.config["LMS_ISSUER_NAME"] == "Riverside Peer Academy"
    assert app.config["LMS_ISSUER_URL"] == "https://r.example"


def test_settings_command_prints_the_table_and_hides_secrets(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LMS_INSTANCE_PATH": str(tmp_path),
           "SECRET_KEY": "k" * 40, "LMS_SMTP_PASSWORD": "hunter2-hunter2"}
    table = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", "settings", "--markdown"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert table.stdout == settings.markdown_table()
    listing = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", "settings"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "LMS_SMTP_PASSWORD = '(set)'" in listing.stdout
    assert "hunter2" not in listing.stdout and "k" * 40 not in listing.stdout
