"""The verification API: one code (JSON) and bulk (JSON, CSV upload or CSV body; JSON or CSV out)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from lms.db import utcnow
from tests.certificates.verify_support import formatted, insert_certificate, new_certificate


@pytest.fixture
def holder(make_user):
    return make_user("trainee")


@pytest.fixture
def certs(app, holder):
    """One certificate in each status: {status: code}."""
    past = utcnow() - timedelta(days=2)
    codes = {
        "active": insert_certificate(app, holder.id)["code"],
        "expired": insert_certificate(app, holder.id, valid_until=past)["code"],
        "suspended": insert_certificate(app, holder.id, status="suspended", reason="Under review")["code"],
        "revoked": insert_certificate(app, holder.id, status="revoked", reason="Requirements not met")["code"],
    }
    old = insert_certificate(app, holder.id, status="superseded", program="peer-recovery-practice-readiness")
    insert_certificate(app, holder.id, program="peer-recovery-practice-readiness", replaces_id=old["id"])
    codes["superseded"] = old["code"]
    return codes


def test_api_gives_each_status(client, certs):
    for status, code in certs.items():
        response = client.get(f"/api/verify/{formatted(code)}")
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == status
        assert body["code"] == formatted(code)
        assert body["holder_name"] == "Robin Example"
        assert body["issuer"] == {"name": "Peer Recovery Training", "url": "http://lms.test"}
        assert body["verify_url"] == f"http://lms.test/verify/{formatted(code)}"
    revoked = client.get(f"/api/verify/{certs['revoked']}").get_json()
    assert revoked["status_reason"] == "Requirements not met" and revoked["status_date"]
    superseded = client.get(f"/api/verify/{certs['superseded']}").get_json()
    assert superseded["replaced_by"]["status"] == "active" and superseded["status_reason"] == ""
    expired = client.get(f"/api/verify/{certs['expired']}").get_json()
    assert expired["status_date"] == expired["valid_until"]


def test_api_not_found_is_404_and_nothing_else(client, certs):
    from lms.certificates.codes import new_code

    response = client.get(f"/api/verify/{new_code()}")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}


@pytest.mark.parametrize("bad", ["ABC", "ABCD-EFGH-JKMM", "%00"])
def test_api_malformed_code_is_400(client, bad):
    response = client.get(f"/api/verify/{bad}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed code"


def test_api_ignores_the_session_no_evidence_for_a_signed_in_board_member(client, certs, login_as):
    login_as("board")
    body = client.get(f"/api/verify/{certs['active']}").get_json()
    assert "courses" not in str(body) and "sign_off" not in body


def test_api_allows_any_origin(client, certs):
    assert client.get(f"/api/verify/{certs['active']}").headers["Access-Control-Allow-Origin"] == "*"


def _bulk_rows(app, holder, count: int) -> list[str]:
    from lms.db import session as db

    with app.app_context():
        rows = [new_certificate(holder.id, status="revoked" if i % 10 == 0 else "active") for i in range(count)]
        for row in rows:
            row.active_key = None
        db.add_all(rows)
        db.commit()
        return [row.code for row in rows]


def test_bulk_json_with_1000_codes(app, client, holder):
    codes = _bulk_rows(app, holder, 1000)
    response = client.post("/api/verify", json={"codes": codes})  # no cookie, no CSRF token: a machine API
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1000
    assert [r["code"] for r in body["results"]] == [formatted(c) for c in codes]
    assert [r["row"] for r in body["results"]] == list(range(1, 1001))
    assert sum(r["status"] == "revoked" for r in body["results"]) == 100


def test_bulk_json_with_1001_codes_is_400_naming_the_limit(client):
    response = client.post("/api/verify", json={"codes": ["ABCD-EFGH-JKM"] * 1001})
    assert response.status_code == 400
    assert "At most 1000 codes" in response.get_json()["error"]


def test_bulk_json_reports_bad_entries_per_row(client, certs):
    from lms.certificates.codes import new_code

    unknown = new_code()
    response = client.post("/api/verify", json={"codes": [certs["active"], "junk", 42, None, "", unknown]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results[0]["status"] == "active" and results[0]["input"] == certs["active"]
    assert results[1]["row"] == 2 and results[1]["input"] == "junk" and results[1]["error"].startswith("malformed")
    assert results[2] == {"row": 3, "input": "42", "error": results[1]["error"]}
    assert results[3]["input"] == "None" and "error" in results[3]
    assert results[4]["error"].startswith("empty")
    assert results[5] == {"row": 6, "input": unknown, "error": "not found"}


@pytest.mark.parametrize("body,message", [
    (b"{not json", "not valid JSON"),
    (b'["ABCD-EFGH-JKM"]', "list of codes"),
    (b'{"codes": "ABCD-EFGH-JKM"}', "list of codes"),
])
def test_bulk_json_that_cannot_be_read_is_400(client, body, message):
    response = client.post("/api/verify", data=body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_bulk_csv_upload_with_code_column_and_junk_rows(client, certs):
    text = ("name,code,notes\n"
            f"Robin,{formatted(certs['active'])},ok\n"
            "\n"
            "Junk,=cmd|' /C calc'!A0,\n"
            "Short row\n"
            f"Again,{certs['revoked'].lower()},\n")
    response = client.post("/api/verify", data={"file": (io.BytesIO(text.encode()), "codes.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["row"] for r in results] == [2, 4, 5, 6]
    assert results[0]["status"] == "active"
    assert results[1]["error"].startswith("malformed") and results[1]["input"] == "=cmd|' /C calc'!A0"
    assert results[2]["error"].startswith("empty")
    assert results[3]["status"] == "revoked"


def test_bulk_text_csv_body_uses_the_first_column_without_a_header(client, certs):
    body = f"{certs['active']},anything\n{certs['expired']}\n"
    response = client.post("/api/verify", data=body, content_type="text/csv")
    assert [r["status"] for r in response.get_json()["results"]] == ["active", "expired"]


def test_bulk_csv_out_by_accept_header_or_format(client, certs):
    for kwargs in ({"headers": {"Accept": "text/csv"}}, {"query_string": {"format": "csv"}}):
        response = client.post("/api/verify", json={"codes": [certs["suspended"], "=1+1"]}, **kwargs)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0]["status"] == "suspended" and rows[0]["status_reason"] == "Under review"
        assert rows[1]["input"] == "'=1+1"  # a spreadsheet would run it as a formula otherwise
        assert rows[1]["error"].startswith("malformed")


def test_bulk_csv_with_1001_rows_is_400(client):
    body = "code\n" + "ABCD-EFGH-JKM\n" * 1001
    response = client.post("/api/verify", data=body, content_type="text/csv")
    assert response.status_code == 400 and "At most 1000 codes" in response.get_json()["error"]


@pytest.mark.parametrize("kwargs", [
    {"data": {"file": (io.BytesIO(b""), "empty.csv")}, "content_type": "multipart/form-data"},
    {"data": b"  \n", "content_type": "text/csv"},
    {"data": b"code\n\n", "content_type": "text/csv"},
])
def test_bulk_empty_upload_is_400(client, kwargs):
    response = client.post("/api/verify", **kwargs)
    assert response.status_code == 400
    assert "empty" in response.get_json()["error"] or "No codes" in response.get_json()["error"]


def test_bulk_multipart_without_a_file_field_is_400(client):
    response = client.post("/api/verify", data={"codes": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "field named file" in response.get_json()["error"]


def test_bulk_not_utf8_is_400(client):
    response = client.post("/api/verify", data=b"\xff\xfe\x00c\x00o", content_type="text/csv")
    assert response.status_code == 400 and "UTF-8" in response.get_json()["error"]


@pytest.mark.parametrize("content_type", ["application/xml", "application/x-www-form-urlencoded", None])
def test_bulk_wrong_content_type_is_415(client, content_type):
    response = client.post("/api/verify", data=b"<codes/>", content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]


def test_bulk_oversize_upload_is_413(client):
    body = b"code\n" + b"ABCD-EFGH-JKM\n" * 20_000  # about 280 KB, over the 256 KB default
    response = client.post("/api/verify", data=body, content_type="text/csv")
    assert response.status_code == 413
    assert "256 KB" in response.get_json()["error"]
    multipart = client.post("/api/verify", data={"file": (io.BytesIO(body), "big.csv")},
                            content_type="multipart/form-data")
    assert multipart.status_code == 413 and multipart.is_json


def test_bulk_oversize_file_inside_a_small_enough_body_is_413(app, client):
    app.config["LMS_VERIFY_MAX_UPLOAD"] = 1024
    body = b"code\n" + b"ABCD-EFGH-JKM\n" * 100  # 1.4 KB: within the multipart allowance, over the file limit
    response = client.post("/api/verify", data={"file": (io.BytesIO(body), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "1 KB" in response.get_json()["error"]


class _Statements:
    """Counts the SELECTs an engine runs (BEGIN/ROLLBACK and pings are not queries of ours)."""

    def __init__(self, engine):
        self.engine, self.selects = engine, []

    def _count(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "lms_certificate" in statement:
            self.selects.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)


def test_verify_by_code_is_one_query_without_the_pdf_or_the_signed_credential(app, client, certs):
    engine = app.extensions["lms"].db.engine
    with _Statements(engine) as seen:
        assert client.get(f"/api/verify/{certs['active']}").status_code == 200
    assert len(seen.selects) == 1
    assert "pdf" not in seen.selects[0] and "credential_jwt" not in seen.selects[0]
    with _Statements(engine) as seen:
        assert client.get(f"/verify/{certs['superseded']}").status_code == 200
    assert len(seen.selects) == 2  # the certificate, then its replacement


def test_bulk_of_1000_codes_takes_a_few_queries(app, client, holder, certs):
    codes = _bulk_rows(app, holder, 998) + [certs["superseded"], certs["expired"]]
    with _Statements(app.extensions["lms"].db.engine) as seen:
        assert client.post("/api/verify", json={"codes": codes}).status_code == 200
    assert len(seen.selects) == 3  # two chunks of 500 codes, then the superseded one's replacement
