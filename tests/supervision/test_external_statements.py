"""What LRS clients report about a trainee is theirs, not the LMS's record (security review M2): the drill-down
marks it "reported by <client>", the activity summary and the inactive flag ignore it, and evidence and
certificates never come from it."""
from __future__ import annotations

import re
from datetime import timedelta

from lms.accounts.models import User
from lms.db import session as db
from lms.db import utcnow
from lms.supervision import dashboard, summary
from lms.supervision.models import CompetencyEvidence
from lms.xapi import recorder
from lms.xapi.vocabulary import ActivityType, Verb
from tests.conftest import LRS
from tests.supervision.test_dashboard import cohort  # noqa: F401  (fixture)


def _forged_pass(app, lrs: LRS, trainee_id: int) -> None:
    with app.app_context():
        agent = recorder.actor(db.get(User, trainee_id))
    forged = {"actor": agent, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
              "object": {"id": "http://x.example/certification-exam",
                         "definition": {"name": {"en-US": "State certification exam (FORGED)"}}},
              "result": {"success": True, "score": {"scaled": 1.0}}}
    response = lrs.post("/statements", json=forged)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_m2_drill_down_marks_what_an_lrs_client_reported(app, client, cohort, make_lrs_client):  # noqa: F811
    ana = cohort[0]
    with app.app_context():
        recorder.record({"actor": recorder.actor(db.get(User, ana)), "verb": recorder.verb(Verb.EXPERIENCED),
                         "object": recorder.activity("http://lms.test/xapi/activities/x/lesson-one",
                                                     ActivityType.LESSON, "Lesson one")})
        db.commit()
    vendor = LRS(client, *make_lrs_client(scopes=("statements/write", "statements/read/mine"), name="Acme Vendor"))
    _forged_pass(app, vendor, ana)
    html = client.get(f"/supervision/trainees/{ana}").get_data(as_text=True)
    entries = re.findall(r"<li><time[^>]*>[^<]*</time> (.*?)</li>", html)
    forged = next(e for e in entries if "FORGED" in e)
    ours = next(e for e in entries if "Lesson one" in e)
    assert "reported by Acme Vendor, not recorded by this site" in forged
    assert "reported by" not in ours


def test_m2_statements_from_lrs_clients_are_not_trainee_activity(app, lrs, cohort):  # noqa: F811
    ben = cohort[1]
    _forged_pass(app, lrs, ben)
    with app.app_context():
        trainee = db.get(User, ben)
        # The summary the dashboard reads, and its recomputation, both still see no activity at all.
        stored = summary.stored_summary(ben)
        assert stored is None or stored["last_activity_at"] is None
        assert summary.recompute([trainee])[ben]["last_activity_at"] is None
        row = dashboard.summarize([trainee], now=utcnow() + timedelta(days=30))[ben]
        assert "inactive" in [flag.key for flag in row.flags]
        # Evidence and certificates are never derived from statements.
        assert db.query(CompetencyEvidence).filter_by(trainee_id=ben).count() == 0


def test_m2_lms_statements_still_count_as_activity(app, cohort):  # noqa: F811
    cy = cohort[2]
    with app.app_context():
        recorder.record({"actor": recorder.actor(db.get(User, cy)), "verb": recorder.verb(Verb.EXPERIENCED),
                         "object": recorder.activity("http://lms.test/xapi/activities/x/l", ActivityType.LESSON, "L")})
        db.commit()
        stored = summary.stored_summary(cy)
        assert stored["last_activity_at"] is not None
        assert stored == summary.recompute([db.get(User, cy)])[cy]
