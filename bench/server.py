"""Start the app under gunicorn on a free loopback port, on a fresh SQLite or PostgreSQL database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_DATABASE = "lms_bench"  # its own database: benchmarks never touch the test suite's data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(kind: str, workdir: str, database: str = PG_DATABASE) -> str:
    """A new, empty database: a SQLite file in `workdir`, or PostgreSQL `database` dropped and created."""
    from lms.db import make_engine

    if kind == "sqlite":
        return f"sqlite:///{workdir}/bench.sqlite3"
    from sqlalchemy.engine import make_url

    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@contextmanager
def serve(kind: str, workers: int = 2, extra_env: dict | None = None, database: str = PG_DATABASE):
    """Yield (base_url, database_url) for a migrated app under gunicorn."""
    with tempfile.TemporaryDirectory() as workdir:
        url = fresh_database(kind, workdir, database)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
               "LMS_BASE_URL": "http://bench.local", **(extra_env or {})}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", "db-upgrade"], cwd=REPO, env=env,
                       check=True, capture_output=True)
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", "app:create_app()"], cwd=REPO, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/xapi/about", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            yield base, url, env
        finally:
            proc.terminate()
            proc.wait(timeout=20)
