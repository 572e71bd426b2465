"""The LMS mounts in a bare host Flask app that has its own routes and its own Flask-SQLAlchemy."""
from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest

from tests import host_app_check
from tests.conftest import REPO, post_form


def test_mounts_under_a_prefix_beside_host_routes_and_flask_sqlalchemy():
    host_app_check.main()


def test_signed_in_flow_under_prefix(tmp_path):
    host, _ = host_app_check.build_host(str(tmp_path))
    from lms.db import Base

    Base.metadata.create_all(host.extensions["lms"].db.engine)
    client = host.test_client()
    response = post_form(client, "/learn/signup", {"name": "Pat Host", "email": "pat@example.org",
                                                   "password": "long enough pw", "confirm": "long enough pw"},
                         token_from="/learn/signup")
    assert response.status_code == 302 and response.headers["Location"] == "/learn/courses"
    response = post_form(client, "/learn/courses/ethics/enroll", token_from="/learn/courses/ethics")
    assert response.headers["Location"].startswith("/learn/courses/ethics/lessons/")


@pytest.mark.slow
def test_non_editable_install_in_fresh_virtualenv_finds_templates_and_content(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    install = subprocess.run([str(pip), "install", "-q", "--disable-pip-version-check", str(REPO), "flask-sqlalchemy"],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    run = subprocess.run([str(env_dir / "bin" / "python"), str(REPO / "tests" / "host_app_check.py")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("OK ")
    installed_at = run.stdout.split(" ", 1)[1].strip()
    assert "site-packages" in installed_at and str(REPO) not in installed_at
    assert sys.prefix not in installed_at
