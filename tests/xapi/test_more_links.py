"""`more` links (Communication 2.1.3) belong to the credentials that ran the query and expire
(LMS_XAPI_MORE_MAX_AGE): security review L7."""
from __future__ import annotations

import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lms.xapi.recorder import record
from tests.conftest import LRS, make_statement

FAILED = "http://adlnet.gov/expapi/verbs/failed"


def lms_statements(app, count: int) -> None:
    from lms.db import session as db

    with app.app_context():
        for _ in range(count):
            record({"actor": {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": "jordan"}},
                    "verb": {"id": FAILED}, "object": {"id": "http://lms.test/xapi/activities/assessment/x"}})
        db.commit()


def follow(lrs: LRS, more: str):
    return lrs.client.get(more, headers=lrs.headers)


def test_l7_a_more_link_works_only_for_the_credentials_that_got_it(app, client, make_lrs_client):
    lms_statements(app, 3)
    reader = LRS(client, *make_lrs_client(scopes=("statements/read",), name="Reader"))
    mine_only = LRS(client, *make_lrs_client(scopes=("statements/write", "statements/read/mine"), name="Writer"))
    page = reader.get(f"/statements?limit=1&verb={FAILED}").get_json()
    assert page["more"]
    refused = follow(mine_only, page["more"])
    assert refused.status_code == 400
    assert "issued to other credentials" in refused.get_json()["error"]["message"]
    assert follow(reader, page["more"]).status_code == 200


def test_l7_mine_only_paging_stays_within_the_clients_own_statements(app, client, make_lrs_client):
    lms_statements(app, 3)
    writer = LRS(client, *make_lrs_client(scopes=("statements/write", "statements/read/mine"), name="Writer"))
    own = [writer.post("/statements", json=make_statement()).get_json()[0] for _ in range(3)]
    seen, page = [], writer.get("/statements?limit=1").get_json()
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        page = follow(writer, page["more"]).get_json()
    assert sorted(seen) == sorted(own)


class _TwoDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 2 * 24 * 3600


def test_l7_a_more_link_expires(app, client, make_lrs_client):
    lms_statements(app, 3)
    key, secret = make_lrs_client(scopes=("statements/read",), name="Reader")
    reader = LRS(client, key, secret)
    more = reader.get("/statements?limit=1").get_json()["more"]
    # The same token as the server would have issued two days ago (default max age: 24 h).
    data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="lms-xapi-more").loads(more.split("more=")[1])
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="lms-xapi-more", signer=_TwoDaysAgo).dumps(data)
    expired = reader.get(f"/statements?more={old}")
    assert expired.status_code == 400
    assert "expired" in expired.get_json()["error"]["message"]
    app.config["LMS_XAPI_MORE_MAX_AGE"] = 3 * 24 * 3600
    assert reader.get(f"/statements?more={old}").status_code == 200
