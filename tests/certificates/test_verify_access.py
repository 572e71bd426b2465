"""Verification limits and uploads: per-IP rate limits on pages and API (429 with Retry-After),
credential-file verification of genuine, tampered and junk files, and upload size limits."""
from __future__ import annotations

import base64
import io
import json
import re

import pytest

from tests.certificates.verify_support import formatted, insert_certificate
from tests.conftest import csrf_token


@pytest.fixture
def holder(make_user):
    return make_user("trainee")


def test_rate_limit_on_pages_and_api_together_gives_429_with_retry_after(app, client, holder):
    app.config["LMS_RATELIMIT_VERIFY"] = "3/minute"
    code = insert_certificate(app, holder.id)["code"]
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get(f"/api/verify/{code}").status_code == 200
    assert client.post("/api/verify", json={"codes": [code] * 1000}).status_code == 200  # bulk counts once
    page = client.get(f"/verify/{code}")
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    assert "Too many attempts" in page.get_data(as_text=True)
    api = client.get(f"/api/verify/{code}")
    assert api.status_code == 429 and api.get_json()["error"] == "too many requests"
    assert int(api.headers["Retry-After"]) >= 1
    assert client.post("/api/verify", json={"codes": [code]}).status_code == 429
    assert client.get("/verify/bulk").status_code == 429
    # Another client address has its own allowance.
    other = client.get(f"/api/verify/{code}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_not_found_answers_count_against_the_limit(app, client):
    from lms.certificates.codes import new_code

    app.config["LMS_RATELIMIT_VERIFY"] = "2/minute"
    assert [client.get(f"/api/verify/{new_code()}").status_code for _ in range(3)] == [404, 404, 429]


def test_default_limit_is_60_a_minute(app, client):
    assert app.config["LMS_RATELIMIT_VERIFY"] == "60/minute"
    statuses = [client.get("/api/verify/ABC").status_code for _ in range(61)]
    assert statuses.count(400) == 60 and statuses[-1] == 429


# Credential files ------------------------------------------------------------------------------

@pytest.fixture
def signed(app, holder):
    """A certificate with its signed credential: {code, jwt, json}."""
    from lms.certificates import credential
    from lms.certificates.models import Certificate
    from lms.db import session as db

    cert = insert_certificate(app, holder.id)
    with app.app_context():
        row = db.get(Certificate, cert["id"])
        credential.issue_credential(row)
        db.commit()
        return {"id": row.id, "code": row.code, "jwt": row.credential_jwt, "json": row.credential_json}


def upload(client, content: bytes, name: str = "credential.jwt"):
    return client.post("/verify/file", data={"csrf_token": csrf_token(client, "/verify/file"),
                                             "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_genuine_jwt_passes_every_step(client, signed):
    response = upload(client, signed["jwt"].encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The credential is genuine and valid" in html
    assert "cert-step-fail" not in html and html.count("cert-step-pass") >= 4
    assert f'href="/verify/{formatted(signed["code"])}"' in html


def test_tampered_jwt_fails_the_signature_step(client, signed):
    header, payload, signature = signed["jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Something else entirely"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = upload(client, f"{header}.{forged}.{signature}".encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The credential could not be verified" in html
    assert re.search(r'<th scope="row">Signature</th>\s*<td><span class="cert-step cert-step-fail">Failed', html)
    assert "/verify/" + formatted(signed["code"]) not in html  # nothing vouched for


def test_a_revoked_certificate_s_genuine_jwt_is_not_valid(app, client, signed):
    from lms.certificates.models import Certificate
    from lms.db import session as db

    with app.app_context():
        row = db.get(Certificate, signed["id"])
        row.status, row.status_reason, row.active_key = "revoked", "Requirements not met", None
        db.commit()
    html = upload(client, signed["jwt"].encode()).get_data(as_text=True)
    assert "The credential could not be verified" in html and "cert-step-fail" in html


@pytest.mark.parametrize("content", [b"hello, this is not a credential", b"\x89PNG\r\n\x1a\n\x00\x00", b"{broken json",
                                     b"aaa.bbb.ccc"])
def test_junk_file_is_a_failed_step_not_an_error(client, content):
    response = upload(client, content, "junk.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The credential could not be verified" in html and "Failed" in html


def test_empty_file_and_no_file_are_400(client):
    empty = upload(client, b"", "empty.jwt")
    assert empty.status_code == 400 and "The file is empty." in empty.get_data(as_text=True)
    none = client.post("/verify/file", data={"csrf_token": csrf_token(client, "/verify/file")},
                       content_type="multipart/form-data")
    assert none.status_code == 400 and "Choose a file" in none.get_data(as_text=True)


def test_oversize_credential_file_is_413_with_a_clear_message(client):
    response = upload(client, b"x" * (300 * 1024))
    assert response.status_code == 413
    assert "larger than 256 KB" in response.get_data(as_text=True)


def test_credential_upload_needs_its_csrf_token(client, signed):
    response = client.post("/verify/file", data={"file": (io.BytesIO(signed["jwt"].encode()), "c.jwt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "genuine" not in response.get_data(as_text=True)


# The bulk page ---------------------------------------------------------------------------------

def bulk_page(client, **data):
    return client.post("/verify/bulk", data={"csrf_token": csrf_token(client, "/verify/bulk"), **data},
                       content_type="multipart/form-data")


def test_bulk_page_shows_a_table_and_offers_csv(app, client, holder):
    active = insert_certificate(app, holder.id)["code"]
    revoked = insert_certificate(app, holder.id, status="revoked", reason="Requirements not met")["code"]
    response = bulk_page(client, codes=f"{active}\nnonsense\n{revoked}\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<caption>Results for 3 rows</caption>" in html
    assert 'cert-status-active">Active<' in html and 'cert-status-revoked">Revoked<' in html
    assert "Not a valid code" in html and "Requirements not met" in html
    download = bulk_page(client, codes=f"{active}\n{revoked}", format="csv")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True).count("\n") == 3


def test_bulk_page_reads_an_uploaded_csv(app, client, holder):
    code = insert_certificate(app, holder.id)["code"]
    response = bulk_page(client, file=(io.BytesIO(f"code\n{formatted(code)}\n".encode()), "list.csv"))
    assert response.status_code == 200 and "Results for 1 rows" in response.get_data(as_text=True)


def test_bulk_page_refuses_too_many_and_oversize(client):
    many = bulk_page(client, codes="ABCD-EFGH-JKM\n" * 1001)
    assert many.status_code == 400 and "At most 1000 codes" in many.get_data(as_text=True)
    big = bulk_page(client, file=(io.BytesIO(b"x" * (300 * 1024)), "big.csv"))
    assert big.status_code == 413 and "larger than 256 KB" in big.get_data(as_text=True)
    empty = bulk_page(client, codes="")
    assert empty.status_code == 400 and "No codes were found" in empty.get_data(as_text=True)


def test_an_empty_verify_limit_switches_it_off(app, client):
    app.config["LMS_RATELIMIT_VERIFY"] = ""
    assert {client.get("/api/verify/ABC").status_code for _ in range(70)} == {400}
