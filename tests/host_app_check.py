"""Run inside any environment where the LMS is installed: mount it in a bare host and exercise it.

Used by test_mount.py both in-process and in a fresh virtualenv after a non-editable install.
Prints OK and exits 0, or raises.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import lms
from lms import LMS


def build_host(instance: str) -> tuple[Flask, SQLAlchemy]:
    host = Flask("agency_site", instance_path=instance)
    host.config.update(TESTING=True, SECRET_KEY="host-secret-key-long-enough",
                       SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance}/host.db",
                       LMS_DATABASE_URL=f"sqlite:///{instance}/lms.db")
    host_base = type("HostBase", (DeclarativeBase,), {})  # a fresh registry for each host
    host_db = SQLAlchemy(host, model_class=host_base)

    class Widget(host_db.Model):  # the host's own model and table
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    @host.route("/")
    def host_home():
        return "agency home page"

    LMS(host, url_prefix="/learn")
    with host.app_context():
        host_db.create_all()
        host_db.session.add(Widget(name="w"))
        host_db.session.commit()
    return host, host_db


def main() -> None:
    with tempfile.TemporaryDirectory() as instance:
        host, host_db = build_host(instance)
        from lms.migrations import upgrade

        upgrade(host.extensions["lms"].db.engine)
        client = host.test_client()
        assert client.get("/").get_data(as_text=True) == "agency home page"
        catalog = client.get("/learn/courses")
        assert catalog.status_code == 200, catalog.status_code
        html = catalog.get_data(as_text=True)
        assert html.count('class="card"') == 5, "catalog should list five courses"
        assert 'href="/learn/courses/ethics"' in html
        css = re.search(r'href="(/learn/[^"]+\.css)"', html).group(1)
        with client.get(css) as response:  # closes the file the static view opened
            assert response.status_code == 200
        assert client.get("/learn/courses/ethics").status_code == 200
        login = client.get("/learn/login")
        assert 'action' not in login.get_data(as_text=True) or "/learn" in login.get_data(as_text=True)
        assert client.get("/learn/my-learning").headers["Location"].startswith("/learn/login")
        with host.app_context():
            assert host_db.session.execute(host_db.text("select count(*) from widget")).scalar() == 1
        print("OK", Path(lms.__file__).parent)


if __name__ == "__main__":
    main()
    sys.exit(0)
