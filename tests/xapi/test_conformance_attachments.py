"""Port of the ADL LRS conformance suite, test/v1_0_3/E.Data2.4.11-AttachmentsProperty.js (HTTP parts) and
E.Data2.6-SignedStatements.js (statements signed the way helper.signStatement does it). Each test names
the suite requirement it ports."""
from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest

from tests.xapi.conformance_templates import (
    ATTACHMENT_STATEMENT,
    BOUNDARY,
    MULTIPART,
    TEXT,
    TEXT_SHA,
    default,
    new_id,
    part_body,
)
from tests.xapi.signing import b64url, rsa_sign

IMAGE = bytes(range(256)) * 8 + b"\r\n--not-a-boundary\r\n\x00\xff"  # binary data, like the suite's PNG
IMAGE_SHA = hashlib.sha256(IMAGE).hexdigest()
FILE_URL_ATTACHMENT = {"usageType": "http://example.com/attachment-usage/test",
                       "display": {"en-US": "A test attachment"},
                       "description": {"en-US": "A test attachment (description)"},
                       "contentType": "text/plain; charset=ascii", "length": 27, "sha2": TEXT_SHA,
                       "fileUrl": "http://over.there.com/file.txt"}


def image_body(newline: bytes = b"\r\n") -> bytes:
    statement = copy.deepcopy(ATTACHMENT_STATEMENT)
    statement["attachments"] = [{"usageType": "http://example.com/attachment-usage/test",
                                 "display": {"en-US": "A test attachment"}, "contentType": "image/png",
                                 "length": len(IMAGE), "sha2": IMAGE_SHA}]
    return part_body(statement, newline=newline, parts=[(
        {"Content-Type": "image/png", "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": IMAGE_SHA},
        IMAGE)])


def post_multipart(lrs, body: bytes, content_type: str = MULTIPART):
    return lrs.post("/statements", data=body, headers={"Content-Type": content_type})


# Data 2.4.11 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_valid_text_attachment_multipart_is_accepted_and_round_trips(lrs, newline):
    response = post_multipart(lrs, part_body(newline=newline))
    assert response.status_code == 200, response.get_data(as_text=True)
    got = lrs.get(f"/statements?statementId={response.get_json()[0]}&attachments=true")
    assert got.mimetype == "multipart/mixed" and TEXT in got.get_data()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_raw_binary_attachment_with_multipart_mixed_is_accepted(lrs, newline):
    response = post_multipart(lrs, image_body(newline))
    assert response.status_code == 200, response.get_data(as_text=True)
    got = lrs.get(f"/statements?statementId={response.get_json()[0]}&attachments=true")
    assert IMAGE in got.get_data()


def test_first_part_not_application_json_is_400(lrs):
    assert post_multipart(lrs, part_body(first_type="text/plain")).status_code == 400


def test_file_url_attachment_with_application_json_is_accepted(lrs):
    assert lrs.post("/statements", json=default(attachments=[FILE_URL_ATTACHMENT])).status_code == 200


def test_file_url_attachment_sent_as_multipart_form_data_is_400(lrs):
    body = json.dumps(default(attachments=[FILE_URL_ATTACHMENT]))
    assert post_multipart(lrs, body.encode(), f"multipart/form-data; boundary={BOUNDARY}").status_code == 400


def test_raw_attachment_sent_as_multipart_form_data_is_400(lrs):
    assert post_multipart(lrs, image_body(), f"multipart/form-data; boundary={BOUNDARY}").status_code == 400


def test_application_json_with_attachment_lacking_both_file_url_and_data_is_400(lrs):
    second = {k: v for k, v in FILE_URL_ATTACHMENT.items() if k != "fileUrl"}
    assert lrs.post("/statements", json=default(attachments=[FILE_URL_ATTACHMENT, second])).status_code == 400


def test_multipart_without_boundary_in_body_is_400(lrs):
    # basic_text_multipart_attachment_invalid_first_part_no_boundary.part
    body = part_body().replace(b"--" + BOUNDARY.encode() + b"\n", b"", 1)
    assert post_multipart(lrs, body).status_code == 400


def test_multipart_without_boundary_in_header_is_400(lrs):
    assert post_multipart(lrs, part_body(), "multipart/mixed;").status_code == 400


def test_middle_part_without_boundary_is_400(lrs):
    # basic_text_multipart_attachment_invalid_middle_part_no_boundary.part
    body = part_body().replace(b"\n--" + BOUNDARY.encode() + b"\nContent-Disposition", b"\n\nContent-Disposition")
    assert post_multipart(lrs, body).status_code == 400


def test_statements_split_into_several_parts_is_400(lrs):
    # basic_text_multipart_attachment_invalid_statement_parts.part
    statement = {k: v for k, v in ATTACHMENT_STATEMENT.items() if k != "attachments"}
    parts = [({"Content-Type": "application/json"}, json.dumps(statement).encode()),
             ({"Content-Disposition": 'attachment; filename="text_data.txt"', "Content-Type": "text/plain",
               "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": TEXT_SHA}, TEXT)]
    assert post_multipart(lrs, part_body(parts=parts)).status_code == 400


def test_attachment_part_without_hash_header_is_400(lrs):
    parts = [({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary"}, TEXT)]
    assert post_multipart(lrs, part_body(parts=parts)).status_code == 400


def test_attachment_part_hash_not_matching_any_sha2_is_400(lrs):
    other = hashlib.sha256(b"something else").hexdigest()
    parts = [({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": other},
              b"something else")]
    assert post_multipart(lrs, part_body(parts=parts)).status_code == 400


def test_attachment_part_without_binary_transfer_encoding_is_400(lrs):
    parts = [({"Content-Type": "text/plain", "Content-Transfer-Encoding": "base64", "X-Experience-API-Hash": TEXT_SHA},
              base64.b64encode(TEXT))]
    assert post_multipart(lrs, part_body(parts=parts)).status_code == 400


def test_get_attachments_true_is_multipart_even_with_a_multipart_request_content_type(lrs):
    assert post_multipart(lrs, image_body()).status_code == 200
    response = lrs.get("/statements?attachments=true&limit=1", headers={"Content-Type": MULTIPART})
    assert response.status_code == 200 and response.mimetype == "multipart/mixed"
    with pytest.raises(ValueError):
        json.loads(response.get_data())
    assert IMAGE in response.get_data()


def test_get_attachments_false_is_application_json_without_raw_data(lrs):
    assert post_multipart(lrs, image_body()).status_code == 200
    response = lrs.get("/statements?attachments=false&limit=1", headers={"Content-Type": MULTIPART})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.get_json()["statements"]


def test_put_with_multipart_attachment(lrs):
    statement_id = new_id()
    response = lrs.put(f"/statements?statementId={statement_id}", data=part_body(),
                       headers={"Content-Type": MULTIPART})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_attachment_content_type_with_parameters_round_trips(lrs):
    statement = copy.deepcopy(ATTACHMENT_STATEMENT)
    statement["attachments"][0]["contentType"] = "text/plain; charset=ascii"
    parts = [({"Content-Type": "text/plain; charset=ascii", "Content-Transfer-Encoding": "binary",
               "X-Experience-API-Hash": TEXT_SHA}, TEXT)]
    response = post_multipart(lrs, part_body(statement, parts=parts, newline=b"\r\n"))
    assert response.status_code == 200, response.get_data(as_text=True)


# Data 2.6 Signed statements (helper.signStatement) ----------------------------------------------

def sign_statement(statement: dict, *, algorithm: str = "RS256", content_type: str = "application/octet-stream",
                   break_json: bool = False, boundary: str = "-------------1234567") -> tuple[bytes, str]:
    statement = copy.deepcopy(statement)
    statement.pop("attachments", None)
    header = b64url(json.dumps({"alg": algorithm}).encode())
    payload_text = json.dumps(statement)
    if break_json:
        payload_text = payload_text.replace('"', "'", 1)
    payload = b64url(payload_text.encode())
    signing_input = f"{header}.{payload}".encode()
    if algorithm == "HS256":
        import hmac

        raw = hmac.new(b"secret", signing_input, hashlib.sha256).digest()
    else:
        raw = rsa_sign(signing_input, algorithm)
    sig = f"{header}.{payload}.{b64url(raw)}".encode()
    statement["attachments"] = [{"usageType": "http://adlnet.gov/expapi/attachments/signature",
                                 "display": {"en-US": "Signed by the Test Suite"},
                                 "description": {"en-US": "Signed by the Test Suite"}, "contentType": content_type,
                                 "length": len(sig), "sha2": hashlib.sha256(sig).hexdigest()}]
    body = b"".join([
        f"\r\n--{boundary}\r\nContent-Type:application/json\r\n\r\n".encode(), json.dumps(statement).encode(),
        f"\r\n--{boundary}\r\nContent-Type:{content_type}\r\nContent-Transfer-Encoding:binary\r\n"
        f"X-Experience-API-Hash:{statement['attachments'][0]['sha2']}\r\n\r\n".encode(), sig,
        f"\r\n--{boundary}--".encode()])
    return body, f"multipart/mixed; boundary={boundary}"


def test_signed_statement_rs256_is_accepted(lrs):
    body, content_type = sign_statement(default(id=new_id()))
    response = post_multipart(lrs, body, content_type)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_signed_statement_with_bad_content_type_is_400(lrs):
    body, content_type = sign_statement(default(id=new_id()), content_type="text/plain; charset=ascii")
    assert post_multipart(lrs, body, content_type).status_code == 400


def test_signed_statement_with_bad_algorithm_is_400(lrs):
    body, content_type = sign_statement(default(id=new_id()), algorithm="HS256")
    assert post_multipart(lrs, body, content_type).status_code == 400


def test_signed_statement_with_bad_json_serialization_is_400(lrs):
    body, content_type = sign_statement(default(id=new_id()), break_json=True)
    assert post_multipart(lrs, body, content_type).status_code == 400


def test_signed_statement_returned_with_its_signature(lrs):
    statement = default(id=new_id())
    body, content_type = sign_statement(statement)
    assert post_multipart(lrs, body, content_type).status_code == 200
    got = lrs.get(f"/statements?statementId={statement['id']}&attachments=true")
    assert got.mimetype == "multipart/mixed" and b"X-Experience-API-Hash" in got.get_data()
