"""Verify our credentials the way an outside verifier would: keys fetched from /.well-known/jwks.json
over HTTP, signatures checked with PyJWT (not joserfc, not the app's verifier), the schema checked
with jsonschema directly, the status list decoded here by hand."""
from __future__ import annotations

import base64
import gzip
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from referencing import Registry, Resource

import lms.certificates
from lms.db import utcnow

from .credential_support import b64, issue_for, segments, set_status

SCHEMA = json.loads((Path(lms.certificates.__file__).parent / "schemas"
                     / "ob_v3p0_achievementcredential_schema.json").read_text())
ISSUER = "http://lms.test/issuer"


def jwks(client) -> jwt.PyJWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return jwt.PyJWKSet.from_dict(json.loads(response.get_data()))


def verify(client, token: str) -> dict:
    """PyJWT verification as OB 3.0 §8.2 describes it; raises on any failure."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwks(client)[kid]
    claims = jwt.decode(token, key.key, algorithms=["RS256", "EdDSA"], issuer=ISSUER,
                        options={"require": ["iss", "sub", "jti", "nbf"]})
    vc = claims["vc"]
    issuer = vc["issuer"]
    assert claims["iss"] == (issuer["id"] if isinstance(issuer, dict) else issuer)
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["jti"] == vc["id"]
    assert claims["nbf"] == int(_when(vc["validFrom"]))
    assert ("exp" in claims) == ("validUntil" in vc)
    if "exp" in claims:
        assert claims["exp"] == int(_when(vc["validUntil"]))
    return vc


def _when(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def schema_errors(vc: dict) -> list[str]:
    resource = Resource.from_contents(SCHEMA)
    registry = Registry().with_resource(SCHEMA["$id"], resource)
    validator = jsonschema.Draft201909Validator(SCHEMA, registry=registry)
    return [e.message for e in validator.iter_errors(vc)]


def status_bit(client, entry: dict, purpose: str = "revocation") -> bool:
    """Fetch the status list the entry names (as a JWT), verify it, decode the bitstring, read the bit."""
    url = entry["statusListCredential"].replace("revocation", purpose)
    assert url.startswith("http://lms.test/")
    token = client.get(url.removeprefix("http://lms.test")).get_data(as_text=True)
    vc = verify(client, token)
    subject = vc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == purpose
    encoded = subject["encodedList"]
    assert encoded[0] == "u"
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def test_credential_verifies_with_pyjwt_and_the_published_jwks(app, client, make_user):
    _, token, credential = issue_for(app, make_user())
    vc = verify(client, token)
    assert vc == credential
    assert schema_errors(vc) == []
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": jwt.get_unverified_header(token)["kid"],
                                                "typ": "JWT"}
    assert status_bit(client, vc["credentialStatus"]) is False
    assert status_bit(client, vc["credentialStatus"], "suspension") is False


def test_edited_payload_fails(app, client, make_user):
    _, token, _ = issue_for(app, make_user())
    header, payload, signature = token.split(".")
    claims = segments(token)[1]
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Clinical Supervisor"
    forged = ".".join([header, b64(json.dumps(claims).encode()), signature])
    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, forged)


def test_signed_by_another_key_fails(app, client, make_user):
    _, token, _ = issue_for(app, make_user())
    header, claims = segments(token)
    attacker = rsa.generate_private_key(65537, 2048)
    forged = jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, forged)


def test_alg_none_fails(app, client, make_user):
    _, token, _ = issue_for(app, make_user())
    header, claims = segments(token)
    unsigned = b64(json.dumps({"alg": "none", "kid": header["kid"]}).encode()) + "." + token.split(".")[1] + "."
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify(client, unsigned)


def test_expired_credential_fails(app, client, make_user):
    _, token, _ = issue_for(app, make_user(), issued_at=utcnow() - timedelta(days=800),
                            valid_until=utcnow() - timedelta(days=70))
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(client, token)


def test_revoked_and_suspended_show_in_the_lists(app, client, make_user):
    user = make_user()
    revoked_id, revoked_token, _ = issue_for(app, user)
    suspended_id, suspended_token, _ = issue_for(app, user)
    set_status(app, revoked_id, "revoked")
    set_status(app, suspended_id, "suspended")
    revoked = verify(client, revoked_token)  # the signature stays valid: status is a separate check
    suspended = verify(client, suspended_token)
    assert status_bit(client, revoked["credentialStatus"]) is True
    assert status_bit(client, revoked["credentialStatus"], "suspension") is False
    assert status_bit(client, suspended["credentialStatus"]) is False
    assert status_bit(client, suspended["credentialStatus"], "suspension") is True


def test_rotation_keeps_old_credentials_verifiable(app, client, runner, make_user):
    user = make_user()
    _, before, _ = issue_for(app, user)
    old_kid = jwt.get_unverified_header(before)["kid"]
    assert runner.invoke(args=["lms", "keys", "rotate"]).exit_code == 0
    _, after, _ = issue_for(app, user)
    new_kid = jwt.get_unverified_header(after)["kid"]
    assert new_kid != old_kid
    assert {old_kid, new_kid} <= {key.key_id for key in jwks(client).keys}
    verify(client, before)
    verify(client, after)


def test_app_verifier_rejects_each_bad_input_type(app, client, make_user):
    """The same bad inputs through verify_document: each fails at the step it should."""
    from lms.certificates.credential import verify_document

    _, token, credential = issue_for(app, make_user())
    header, claims = segments(token)
    claims["vc"]["name"] = "Forged"
    edited = ".".join([token.split(".")[0], b64(json.dumps(claims).encode()), token.split(".")[2]])
    attacker = jwt.encode(segments(token)[1], rsa.generate_private_key(65537, 2048), algorithm="RS256",
                          headers={"kid": header["kid"]})
    unsigned = b64(b'{"alg":"none"}') + "." + token.split(".")[1] + "."
    expected = {edited: "Signature", attacker: "Signature", unsigned: "Signature", "not a credential": "Format",
                json.dumps({**credential, "name": "Forged"}): "Signature"}
    with app.app_context():
        for document, failing_step in expected.items():
            report = verify_document(document.encode())
            assert not report.ok
            assert report.steps[-1][0] == failing_step and not report.steps[-1][1], report.steps
        assert verify_document(token.encode()).ok
