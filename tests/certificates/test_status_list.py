"""Bitstring status lists: encoding, which bits are set, the served credentials, one query per list."""
from __future__ import annotations

import base64
import gzip

import pytest
from sqlalchemy import event

from lms.certificates import status_list
from lms.db import session as db

from .credential_support import issue, issue_for, segments, set_status


def test_encoding_round_trips_and_bit_zero_is_the_leftmost_bit():
    bits = bytearray(status_list.MIN_BITS // 8)
    status_list.set_bit(bits, 0)
    status_list.set_bit(bits, 131_071)
    assert bits[0] == 0x80 and bits[-1] == 0x01
    encoded = status_list.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(bits)
    assert status_list.decode(encoded) == bytes(bits)
    assert status_list.bit(raw, 0) and status_list.bit(raw, 131_071) and not status_list.bit(raw, 1)
    assert not status_list.bit(raw, 131_072) and not status_list.bit(raw, -1)


@pytest.mark.parametrize("bad", ["", "zabc", "u!!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode(),
                                 "u" + base64.urlsafe_b64encode(gzip.compress(bytes(10_000_000))).decode()])
def test_decode_refuses_what_is_not_a_list_of_ours(bad):
    with pytest.raises(ValueError):
        status_list.decode(bad)


def test_revoked_and_suspended_certificates_set_their_own_list_only(ctx, make_user):
    user = make_user()
    active, revoked, suspended, superseded = (issue(user.id, status=s)
                                              for s in ("active", "revoked", "suspended", "superseded"))
    lists = status_list.bitstrings()
    assert len(lists["revocation"]) * 8 == len(lists["suspension"]) * 8 == status_list.MIN_BITS
    assert status_list.bit(lists["revocation"], revoked.status_index)
    assert not status_list.bit(lists["suspension"], revoked.status_index)
    assert status_list.bit(lists["suspension"], suspended.status_index)
    assert not status_list.bit(lists["revocation"], suspended.status_index)
    for cert in (active, superseded):
        assert status_list.status_of(cert.status_index) == {"revocation": False, "suspension": False}
    assert sum(bin(b).count("1") for b in lists["revocation"]) == 1


def test_list_grows_in_16kb_blocks_past_the_minimum(ctx, make_user):
    cert = issue(make_user().id, status="revoked")
    cert.status_index = 200_000
    db.flush()
    bits = status_list.bitstrings()["revocation"]
    assert len(bits) * 8 == 2 * status_list.MIN_BITS and status_list.bit(bits, 200_000)


def test_both_lists_come_from_one_query(app, ctx, make_user):
    user = make_user()
    for status in ("revoked", "suspended", "active"):
        issue(user.id, status=status)
    statements = []
    engine = app.extensions["lms"].db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        status_list.bitstrings()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "lms_certificate" in s]) == 1


def test_served_as_signed_vc_jwt_with_short_cache(app, client, make_user):
    cert_id, _, credential = issue_for(app, make_user())
    set_status(app, cert_id, "revoked")
    response = client.get("/credentials/status/revocation")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    header, payload = segments(response.get_data(as_text=True))
    assert header["alg"] == "RS256" and header["kid"]
    vc = payload["vc"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc["id"] == credential["credentialStatus"]["statusListCredential"] == payload["jti"]
    assert vc["credentialSubject"]["statusPurpose"] == "revocation"
    index = int(credential["credentialStatus"]["statusListIndex"])
    assert status_list.bit(status_list.decode(vc["credentialSubject"]["encodedList"]), index)


def test_json_form_and_unknown_purpose(client):
    response = client.get("/credentials/status/suspension?format=json")
    assert response.status_code == 200 and response.is_json
    assert response.get_json()["credentialSubject"]["statusPurpose"] == "suspension"
    assert client.get("/credentials/status/refresh").status_code == 404
    assert client.get("/credentials/status/..%2Fsecret").status_code == 404
