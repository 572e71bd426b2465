"""The AchievementCredential: content, schema, the issuing receiver, verify_document, public pages."""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta

import pytest
from flask import current_app
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

from lms.certificates import keys
from lms.certificates.credential import (
    CredentialError,
    VerificationReport,
    achievement,
    issue_credential,
    jwt_claims,
    schema_errors,
    sign_claims,
    verify_document,
)
from lms.certificates.models import Certificate
from lms.db import session as db
from lms.db import utcnow

from .credential_support import CORE, b64, issue, issue_for, segments

STEPS = ["Format", "Signature", "Schema", "Issuer", "Dates", "Status"]


def forge(token: str, edit) -> str:
    """Edit the payload and keep the original signature."""
    header, payload, signature = token.split(".")
    _, claims = segments(token)
    edit(claims)
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


def resign(claims: dict, *, header: dict | None = None) -> str:
    """Sign claims with the site's own current key (a valid signature over whatever we choose)."""
    key, private = keys.signing_key()
    return jose_jwt.encode(header or {"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, private,
                           algorithms=["RS256"])


# Content --------------------------------------------------------------------------------------

def test_receiver_signs_the_certificate_and_the_credential_says_what_it_should(app, ctx, make_user):
    user = make_user(email="robin.holder@example.org", name="Robin Holder")
    cert = issue(user.id)
    vc = cert.credential_json
    assert cert.credential_jwt and cert.key_id == keys.current_key().kid
    assert schema_errors(vc) == []
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert vc["id"] == f"http://lms.test/credentials/{cert.code}"
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"] == {"id": "http://lms.test/issuer", "type": ["Profile"], "name": "Peer Recovery Training",
                            "url": "http://lms.test"}
    assert vc["validFrom"] == cert.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert vc["validUntil"] == cert.valid_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert vc["awardedDate"] == "2026-01-15T00:00:00Z"
    subject = vc["credentialSubject"]
    identity = subject["identifier"][0]
    assert identity["identityType"] == "emailAddress" and identity["hashed"] is True
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(
        ("robin.holder@example.org" + identity["salt"]).encode()).hexdigest()
    assert "Robin Holder" not in json.dumps(vc) and "robin.holder@example.org" not in json.dumps(vc)
    assert subject["creditsEarned"] == 9.25
    assert subject["result"][0]["value"] == "85"
    program = current_app.extensions["lms"].programs[CORE]
    assert subject["achievement"] == achievement(program)
    assert len(subject["achievement"]["alignment"]) == len(program.achievement.alignments)
    assert vc["credentialStatus"] == {
        "id": f"http://lms.test/credentials/status/revocation#{cert.status_index}",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": str(cert.status_index),
        "statusListCredential": "http://lms.test/credentials/status/revocation"}


def test_jwt_header_and_claims_follow_ob3_section_8_2(ctx, make_user):
    cert = issue(make_user().id)
    header, claims = segments(cert.credential_jwt)
    assert header == {"alg": "RS256", "kid": cert.key_id, "typ": "JWT"}
    vc = cert.credential_json
    assert claims["vc"] == vc
    assert claims["iss"] == vc["issuer"]["id"] and claims["jti"] == vc["id"]
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["nbf"] == int(cert.issued_at.replace(microsecond=0).timestamp())
    assert claims["exp"] == int(cert.valid_until.replace(microsecond=0).timestamp())


def test_no_expiry_means_no_valid_until_and_no_exp(ctx, make_user):
    cert = issue(make_user().id, valid_until=None)
    assert "validUntil" not in cert.credential_json and "exp" not in segments(cert.credential_jwt)[1]
    assert verify_document(cert.credential_jwt).ok


def test_schema_allows_one_credential_status_object_only(ctx, make_user):
    """Why the credential names only the revocation list: the OB 3.0 schema rejects an array."""
    vc = copy.deepcopy(issue(make_user().id).credential_json)
    vc["credentialStatus"] = [vc["credentialStatus"], {**vc["credentialStatus"], "statusPurpose": "suspension"}]
    assert any("credentialStatus" in e for e in schema_errors(vc))


def test_schema_rejects_a_credential_missing_required_parts(ctx, make_user):
    vc = copy.deepcopy(issue(make_user().id).credential_json)
    del vc["credentialSubject"]["achievement"]["criteria"]
    vc["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    assert len(schema_errors(vc)) >= 2


def test_unknown_program_cannot_be_signed(ctx, make_user):
    cert = issue(make_user().id)
    cert.program = "no-such-program"
    with pytest.raises(CredentialError, match="no-such-program"):
        issue_credential(cert)


def test_issuing_through_the_core_service_signs_the_credential(ctx, make_user):
    from lms.accounts.models import User
    from lms.certificates.issuance import create_certificate

    user = db.get(User, make_user().id)
    cert = create_certificate(user, current_app.extensions["lms"].programs[CORE])
    assert cert.credential_jwt and cert.key_id
    report = verify_document(cert.credential_jwt)
    assert report.ok, report.steps
    assert report.certificate.id == cert.id


# verify_document ------------------------------------------------------------------------------

def test_a_genuine_jwt_passes_every_step_in_order(ctx, make_user):
    cert = issue(make_user().id)
    report = verify_document(cert.credential_jwt.encode())
    assert isinstance(report, VerificationReport)
    assert [name for name, _, _ in report.steps] == STEPS
    assert report.ok and report.status == "active" and report.format == "jwt"
    assert report.certificate.id == cert.id
    assert all(detail for _, _, detail in report.steps)


def test_the_credential_json_is_checked_against_what_we_signed(ctx, make_user):
    cert = issue(make_user().id)
    document = json.dumps(cert.credential_json, indent=2).encode()
    report = verify_document(document)
    assert report.ok and report.format == "json" and report.certificate.id == cert.id, report.steps
    edited = copy.deepcopy(cert.credential_json)
    edited["credentialSubject"]["creditsEarned"] = 46.0
    edited["validUntil"] = "2099-01-01T00:00:00Z"
    report = verify_document(json.dumps(edited).encode())
    assert not report.ok and report.certificate is None
    assert report.steps[1][0] == "Signature" and not report.steps[1][1]
    assert "credentialSubject" in report.steps[1][2] and "validUntil" in report.steps[1][2]


def test_json_with_an_embedded_proof_or_an_unknown_id(ctx, make_user):
    cert = issue(make_user().id)
    with_proof = {**cert.credential_json, "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}]}
    report = verify_document(json.dumps(with_proof))
    assert report.ok and "DataIntegrityProof" in report.steps[1][2] and "not supported" in report.steps[1][2]
    stranger = {**cert.credential_json, "id": "https://elsewhere.example.org/credentials/1"}
    report = verify_document(json.dumps(stranger))
    assert not report.ok and "no record" in report.steps[1][2]


GARBAGE = {
    "empty": (b"", "empty"),
    "whitespace": (b"   \n", "empty"),
    "words": (b"hello world", "neither"),
    "two-segments": (b"abc.def", "three parts"),
    "four-segments": (b"a.b.c.d", "three parts"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a text file"),
    "broken-json": (b"{not json", "Not valid JSON"),
    "json-array": (b"[1, 2]", "neither"),
    "json-not-credential": (b'{"a": 1}', "not a credential"),
    "huge": (b"{" + b'"a":' * 200_000 + b"1", "at most"),
    "deep-array": (b"[" * 100_000, "neither"),
    "deep-object": (b'{"x":' * 20_000 + b"1" + b"}" * 20_000, "JSON"),
    "bad-base64": (b"eyJhbGciOiJSUzI1NiJ9.!!!.sig", "neither"),
    "empty-objects": (b"e30.e30.", "does not carry"),
    "not-json-segments": (b"bm90IGpzb24.bm90IGpzb24.c2ln", "not base64url-encoded JSON"),
}


@pytest.mark.parametrize("raw, words", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_fails_the_first_step_with_a_clear_message(ctx, raw, words):
    report = verify_document(raw)
    assert not report.ok and report.status == "invalid"
    assert len(report.steps) == 1 and report.steps[0][0] == "Format" and not report.steps[0][1]
    assert words.lower() in report.steps[0][2].lower(), report.steps


def test_not_bytes_at_all(ctx):
    report = verify_document(None)  # type: ignore[arg-type]
    assert not report.ok and report.steps[0][0] == "Format"


def _signature_step(report):
    assert not report.ok and report.certificate is None
    name, ok, detail = report.steps[-1]
    assert name == "Signature" and not ok
    return detail


def test_edited_payload_is_caught(ctx, make_user):
    token = issue(make_user().id).credential_jwt
    forged = forge(token, lambda c: c["vc"]["credentialSubject"].update(creditsEarned=46.0))
    assert "does not match" in _signature_step(verify_document(forged))


def test_alg_none_and_symmetric_algorithms_are_refused(ctx, make_user):
    token = issue(make_user().id).credential_jwt
    _, payload, _ = token.split(".")
    none_token = b64(b'{"alg":"none","typ":"JWT"}') + "." + payload + "."
    assert "'none'" in _signature_step(verify_document(none_token))
    # HS256 keyed with the public key (algorithm confusion) never reaches a key lookup
    hs = b64(json.dumps({"alg": "HS256", "kid": keys.current_key().kid}).encode()) + "." + payload + ".c2ln"
    assert "'HS256' is not accepted" in _signature_step(verify_document(hs))


def test_foreign_key_even_under_our_kid_is_caught(ctx, make_user):
    token = issue(make_user().id).credential_jwt
    header, claims = segments(token)
    attacker = RSAKey.generate_key(2048)
    forged = jose_jwt.encode(header, claims, attacker, algorithms=["RS256"])
    assert "does not match" in _signature_step(verify_document(forged))
    unknown_kid = jose_jwt.encode({**header, "kid": attacker.thumbprint()}, claims, attacker, algorithms=["RS256"])
    assert "not one of this issuer's keys" in _signature_step(verify_document(unknown_kid))
    embedded = jose_jwt.encode({**header, "jwk": attacker.as_dict(private=False)}, claims, attacker,
                               algorithms=["RS256"])
    assert "Unexpected JOSE header" in _signature_step(verify_document(embedded))


def test_claims_must_agree_with_the_credential(ctx, make_user):
    cert = issue(make_user().id)
    claims = jwt_claims(cert.credential_json)
    claims["jti"] = "urn:uuid:someone-else"
    assert "`jti` does not match" in _signature_step(verify_document(resign(claims)))
    claims = jwt_claims(cert.credential_json)
    claims["exp"] = claims["exp"] + 10 * 365 * 86400  # a longer life than the credential states
    assert "`exp` does not match" in _signature_step(verify_document(resign(claims)))


def test_top_level_credential_form_is_accepted(ctx, make_user):
    cert = issue(make_user().id)
    claims = jwt_claims(cert.credential_json)
    top_level = {**claims.pop("vc"), **claims}
    report = verify_document(resign(top_level))
    assert report.ok, report.steps


def test_signed_by_us_but_not_schema_valid(ctx, make_user):
    vc = copy.deepcopy(issue(make_user().id).credential_json)
    del vc["credentialSubject"]["achievement"]["criteria"]
    report = verify_document(sign_claims(jwt_claims(vc))[1])
    assert [ok for _, ok, _ in report.steps] == [True, True, False, True, True, True]
    assert "criteria" in report.steps[2][2]


def test_expired_and_not_yet_valid(ctx, make_user):
    user = make_user()
    old = issue(user.id, issued_at=utcnow() - timedelta(days=800), valid_until=utcnow() - timedelta(days=70))
    report = verify_document(old.credential_jwt)
    assert not report.ok and report.status == "expired"
    assert dict((n, (ok, d)) for n, ok, d in report.steps)["Dates"][1].startswith("Expired on")
    future = issue(user.id, issued_at=utcnow() + timedelta(days=3))
    report = verify_document(future.credential_jwt)
    assert not report.ok and report.status == "not-yet-valid"


@pytest.mark.parametrize("status, words", [("revoked", "Revoked"), ("suspended", "Suspended"),
                                           ("superseded", "Superseded")])
def test_status_from_the_lists(ctx, make_user, status, words):
    cert = issue(make_user().id, status=status)
    for document in (cert.credential_jwt, json.dumps(cert.credential_json)):
        report = verify_document(document)
        assert not report.ok and report.status == status
        name, ok, detail = report.steps[-1]
        assert name == "Status" and not ok and detail.startswith(words)
        assert report.certificate.id == cert.id  # authentic, so the page can show which certificate


def test_another_sites_issuer_is_flagged(ctx, make_user):
    vc = copy.deepcopy(issue(make_user().id).credential_json)
    vc["issuer"]["id"] = "https://elsewhere.example.org/issuer"
    report = verify_document(sign_claims(jwt_claims(vc))[1])
    issuer = [step for step in report.steps if step[0] == "Issuer"][0]
    assert not issuer[1] and "elsewhere.example.org" in issuer[2]


# Public pages ---------------------------------------------------------------------------------

def test_issuer_profile_json_and_html(client):
    response = client.get("/issuer")
    assert response.mimetype == "application/ld+json"
    profile = response.get_json(force=True)
    assert profile["id"] == "http://lms.test/issuer" and profile["type"] == ["Profile"]
    html = client.get("/issuer", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.mimetype == "text/html" and "/.well-known/jwks.json" in html.get_data(as_text=True)


def test_achievement_json_html_and_404(client):
    response = client.get(f"/achievements/{CORE}")
    data = response.get_json(force=True)
    assert data["id"] == f"http://lms.test/achievements/{CORE}" and data["type"] == ["Achievement"]
    html = client.get(f"/achievements/{CORE}", headers={"Accept": "text/html"}).get_data(as_text=True)
    for alignment in data["alignment"]:
        assert f'id="{alignment["targetUrl"].split("#")[1]}"' in html  # every targetUrl lands on a row
    assert client.get("/achievements/no-such-program").status_code == 404
    assert client.get(f"/achievements/{CORE}?format=json", headers={"Accept": "text/html"}).is_json


def test_credential_id_dereferences_to_the_credential(app, client, make_user):
    cert_id, _, credential = issue_for(app, make_user())
    path = credential["id"].removeprefix("http://lms.test")
    assert client.get(path).get_json(force=True) == credential
    assert client.get("/credentials/ZZZZZZZZZZZ").status_code == 404


def test_a_code_resolves_to_its_credential_whatever_the_case(app, client, make_user):
    from lms.certificates.codes import check_symbol

    code = "ZZZZ9999XY" + check_symbol("ZZZZ9999XY")
    cert_id, token, credential = issue_for(app, make_user(), code=code)
    assert credential["id"] == f"http://lms.test/credentials/{code}"
    with app.app_context():
        assert verify_document(token).certificate.id == cert_id
        assert verify_document(json.dumps(credential)).ok
    assert client.get(f"/credentials/{code.lower()}").get_json(force=True)["id"] == credential["id"]


def test_jwks_on_a_fresh_install_publishes_the_signing_key(app, client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/jwk-set+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    published = response.get_json(force=True)["keys"]
    with app.app_context():
        assert [k["kid"] for k in published] == [keys.current_key().kid]
        assert db.query(Certificate).count() == 0
