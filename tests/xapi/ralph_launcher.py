"""Start Ralph (openfun's LRS) for the forwarding tests: filesystem backend, HTTP Basic auth, loopback.

Run with the interpreter of Ralph's own virtual environment (REPO/.venv-ralph/bin/python), never the
LMS's: `python ralph_launcher.py --dir DIR --username U --password P [--port N]`. It prints
`RALPH_PORT=<n>` once the socket is bound, then serves until killed.

Work-around for Ralph 5.1.0: the filesystem LRS backend writes with operation type CREATE by default,
so every write after the first finds fs_lrs.jsonl already there and answers 500. APPEND is right for
an LRS file that grows.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, type=Path, help="data directory (statements, auth file)")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()

    data = args.dir.resolve()
    (data / "lrs").mkdir(parents=True, exist_ok=True)
    auth_file = data / "auth.json"
    # Ralph's Basic auth file: a list of users with bcrypt-hashed passwords, scopes and an agent.
    import bcrypt

    auth_file.write_text(json.dumps([{
        "username": args.username,
        "hash": bcrypt.hashpw(args.password.encode(), bcrypt.gensalt(rounds=4)).decode(),
        "scopes": ["all"],
        "agent": {"mbox": "mailto:lms-relay@example.org"},
    }]))
    os.environ.update({
        "RALPH_APP_DIR": str(data),
        "RALPH_AUTH_FILE": str(auth_file),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data / "lrs"),
        "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(data / "lrs"),
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "100",
    })
    os.chdir(data)  # Ralph's settings also read a .env file from the working directory

    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"RALPH_PORT={sock.getsockname()[1]}", flush=True)

    from ralph.api import app

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
