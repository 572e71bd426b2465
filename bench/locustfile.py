"""Locust trainees for bench/load_bench.py: sign in once, then browse and record xAPI statements.

The plan (trainee logins, lesson URLs, LRS credentials) comes from the JSON file named by
LOAD_PLAN, written by load_bench.py, so this file needs nothing from the LMS package. Every request
is named by its kind, which is what the report groups by. Browsing starts once every trainee has
signed in (the sign-in storm is reported on its own rows). The bare endpoints (/xapi/about and the
static CSS) run under the same load as the baseline the other figures are divided by.
"""
from __future__ import annotations

import base64
import itertools
import json
import os
import random
import re
import threading
import uuid

from gevent.event import Event
from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115 (read once at import)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_next = itertools.count()
_next_lock = threading.Lock()
_signed_in = {"count": 0}
_everyone_signed_in = Event()
XAPI_HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{PLAN['lrs_key']}:{PLAN['lrs_secret']}".encode()).decode(),
    "X-Experience-API-Version": "1.0.3",
    "Content-Type": "application/json",
}


class Trainee(HttpUser):
    # A trainee reads, then clicks: 1-3 s between requests (50 trainees, about 25 requests/s).
    wait_time = between(1, 3)

    def on_start(self) -> None:
        with _next_lock:
            n = next(_next)
        self.me = PLAN["trainees"][n % len(PLAN["trainees"])]
        self.lessons = PLAN["lessons"]
        page = self.client.get("/login", name="page: sign-in form").text
        match = _CSRF.search(page)
        token = (match.group(1) or match.group(2)) if match else ""
        with self.client.post("/login", data={"csrf_token": token, "email": self.me["email"],
                                              "password": PLAN["password"]},
                              allow_redirects=False, name="page: sign in", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
        # 50 sign-ins at once are a storm of scrypt hashes that holds both workers for seconds; the
        # browsing starts when everyone is in, so the other figures are the steady state.
        _signed_in["count"] += 1
        if _signed_in["count"] >= len(PLAN["trainees"]):
            _everyone_signed_in.set()
        _everyone_signed_in.wait(timeout=120)

    @task(3)
    def catalog(self) -> None:
        self.client.get("/courses", name="page: catalog")

    @task(3)
    def course(self) -> None:
        self.client.get(f"/courses/{PLAN['course']}", name="page: course")

    @task(6)
    def lesson(self) -> None:
        # Opening a lesson writes: progress and an xAPI statement in the same transaction.
        self.client.get(random.choice(self.lessons), name="page: lesson")

    @task(2)
    def my_learning(self) -> None:
        self.client.get("/my-learning", name="page: my learning")

    @task(4)
    def xapi_post(self) -> None:
        statement = {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": "http://bench.local", "name": self.me["account"]}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"objectType": "Activity", "id": f"http://bench.local/xapi/activities/video/{random.randrange(50)}",
                       "definition": {"name": {"en-US": "A practice video"}}},
        }
        self.client.post("/xapi/statements", data=json.dumps([statement]), headers=XAPI_HEADERS,
                         name="xapi: POST statements")

    @task(2)
    def baseline_about(self) -> None:
        self.client.get("/xapi/about", name="baseline: GET /xapi/about")

    @task(1)
    def baseline_css(self) -> None:
        self.client.get("/lms-static/lms.css", name="baseline: static CSS")
