"""The LRS over a real socket (a live server thread): signed statements that used to freeze the process, and
attachment responses exactly as a conformance client parses them."""
from __future__ import annotations

import hashlib
import json
import threading

from tests.xapi.conformance_templates import default, new_id
from tests.xapi.signing import hostile_jws, random_odd, review_h1_certificate, signed_multipart

# A hang guard, not a speed measurement: every request here answers in milliseconds, while the RSA check this
# replaces spent about 3 s per 60,000 exponent bits holding the GIL (the review), so 30 s for the larger probe.
DEADLINE = 5


def test_h1_huge_exponent_statement_refused_quickly(live_lrs):
    statement = default(id=new_id())
    probes = [hostile_jws(statement, [review_h1_certificate(random_odd(4096), random_odd(bits))])
              for bits in (60_000, 600_000)]
    answers, about = [], []
    done = threading.Event()

    def attack():
        try:
            for jws in probes:
                body, content_type = signed_multipart(statement, jws)
                answers.append(live_lrs.request("POST", "/statements", body, {"Content-Type": content_type},
                                                timeout=DEADLINE))
        finally:
            done.set()

    attacker = threading.Thread(target=attack)
    attacker.start()
    # Unrelated requests are served the whole time (a bounded loop: at most 200 of them).
    for _ in range(200):
        about.append(live_lrs.request("GET", "/about", timeout=DEADLINE, credentials=False).status)
        if done.is_set():
            break
    attacker.join(timeout=4 * DEADLINE)
    assert not attacker.is_alive()
    assert [answer.status for answer in answers] == [400, 400]
    messages = [json.loads(answer.body)["error"]["message"] for answer in answers]
    assert "the first x5c certificate is not a DER X.509 certificate" in messages[0]
    assert "x5c is too large" in messages[1]
    assert about and set(about) == {200}
    assert live_lrs.request("GET", f"/statements?statementId={statement['id']}").status == 404


# XAPI-00161 and XAPI-00167 as the suite reads them ----------------------------------------------------------

TEXTS = [b"here is a simple attachment", b"here is another simple attachment"]


def with_attachments(texts: list[bytes], boundary: str = "-------314159265358979323846") -> tuple[dict, bytes, str]:
    """persistStatementWithAttachments: each attachment has a fileUrl AND its data in the request."""
    statement = default(id=new_id(), attachments=[
        {"usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test attachment"},
         "description": {"en-US": "A test attachment (description)"}, "contentType": "text/plain",
         "length": len(text), "sha2": hashlib.sha256(text).hexdigest(), "fileUrl": "http://over.there.com/file.txt"}
        for text in texts])
    lines = [f"--{boundary}", "Content-Type: application/json", "", json.dumps(statement)]
    for attachment, text in zip(statement["attachments"], texts, strict=True):
        lines += [f"--{boundary}", "Content-Type: text/plain", "Content-Transfer-Encoding: binary",
                  f"X-Experience-API-Hash: {attachment['sha2']}", "", text.decode()]
    lines += [f"--{boundary}--", ""]
    return statement, "\r\n".join(lines).encode(), f"multipart/mixed; boundary={boundary}"


def test_xapi_00161_attachments_true_returns_the_data_even_with_a_file_url(live_lrs):
    statement, body, content_type = with_attachments(TEXTS[:1])
    stored = live_lrs.request("POST", "/statements", body, {"Content-Type": content_type})
    assert stored.status == 200, stored.body
    for query in ("", "&attachments=false"):
        plain = live_lrs.request("GET", f"/statements?statementId={statement['id']}{query}")
        assert plain.header("Content-Type") == "application/json"  # exactly: the suite compares with equal()
        assert TEXTS[0] not in plain.body
    answer = live_lrs.request("GET", f"/statements?statementId={statement['id']}&attachments=true")
    assert answer.status == 200
    kind, boundary = answer.header("Content-Type").split(";")
    assert kind == "multipart/mixed"
    parts = answer.body.decode().split("--" + boundary.replace(" boundary=", ""))
    head, _, content = parts[1].partition("\r\n\r\n")
    assert "Content-Type: application/json" in head
    assert json.loads(content)["id"] == statement["id"]  # the statement part comes first
    head, _, content = parts[2].partition("\r\n\r\n")
    assert "Content-Transfer-Encoding: binary" in head
    assert f"X-Experience-API-Hash: {statement['attachments'][0]['sha2']}" in head
    assert content.startswith(TEXTS[0].decode())


def test_xapi_00167_statement_result_with_attachments_carries_each_once(live_lrs):
    statement, body, content_type = with_attachments(TEXTS)
    assert live_lrs.request("POST", "/statements", body, {"Content-Type": content_type}).status == 200
    answer = live_lrs.request("GET", "/statements?attachments=true")
    assert answer.header("Content-Type").startswith("multipart/mixed; boundary=")
    text = answer.body.decode()
    for attachment in statement["attachments"]:
        # Once in the statement's attachments, once as the part's X-Experience-API-Hash.
        assert text.count(attachment["sha2"]) == 2
    for data in TEXTS:
        assert data.decode() in text
