"""Size limits: oversized bodies get 413 (or 400) with a message saying what the limit is, never a
500 — the site-wide MAX_CONTENT_LENGTH, the LRS body limit, the credential-file upload and the bulk
verification API."""
from __future__ import annotations

import io
import json

from tests.conftest import make_statement
from tests.security.world import db_state, sign_in


def test_a_form_post_over_max_content_length_is_413(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    sign_in(client, world, "trainee")
    before = db_state(app)
    response = client.post("/hours", data={"csrf_token": "x", "activity": "a" * (100 * 1024)})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)
    assert db_state(app) == before


def test_an_lrs_body_over_the_limit_is_413_with_the_limit(app, lrs):
    app.config["LMS_XAPI_MAX_BODY"] = 2048
    big = make_statement(result={"response": "x" * 4096})
    response = lrs.post("/statements", json=big)
    assert response.status_code == 413
    assert "larger than 2048 bytes" in response.json["error"]["message"]
    assert lrs.get("/statements").json["statements"] == []
    assert lrs.post("/statements", json=make_statement()).status_code == 200  # under the limit it works


def test_a_chunked_lrs_body_without_a_length_is_held_to_the_limit(app, lrs):
    app.config["LMS_XAPI_MAX_BODY"] = 2048
    body = json.dumps(make_statement(result={"response": "x" * 8192})).encode()
    response = lrs.post("/statements", input_stream=io.BytesIO(body), content_type="application/json",
                        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
                        headers={"Transfer-Encoding": "chunked"})
    assert response.status_code == 413, response.get_data(as_text=True)
    assert lrs.get("/statements").json["statements"] == []


def test_an_oversized_credential_file_is_413_with_a_message(app, client):
    app.config["LMS_VERIFY_MAX_UPLOAD"] = 1024
    page = client.get("/verify/file").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/verify/file", data={"csrf_token": token, "file": (io.BytesIO(b"{" + b" " * 8000 + b"}"),
                                                                               "big.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "larger than 1 KB" in response.get_data(as_text=True)


def test_an_oversized_bulk_csv_to_the_api_is_413_json(app, client):
    app.config["LMS_VERIFY_MAX_UPLOAD"] = 1024
    # Over the limit plus the 16 KB the view allows for multipart framing (a text/csv body is only
    # held to that larger figure: see the report).
    body = ("code\n" + "ABCD-EFGH-JKM\n" * 2000).encode()
    for kwargs in ({"data": body, "content_type": "text/csv"},
                   {"data": {"file": (io.BytesIO(body), "codes.csv")}, "content_type": "multipart/form-data"}):
        response = client.post("/api/verify", **kwargs)
        assert response.status_code == 413
        assert "larger than 1 KB" in response.json["error"]
