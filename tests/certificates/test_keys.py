"""Signing keys: lazy creation, encryption at rest, rotation, the JWKS, SECRET_KEY changes, the CLI."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from lms.certificates import keys
from lms.certificates.credential import verify_document
from lms.db import session as db

from .credential_support import issue, segments


def test_first_use_creates_an_rs256_key_named_by_its_thumbprint(ctx):
    assert keys.all_keys() == []
    key = keys.current_key()
    assert key.alg == "RS256" and key.retired_at is None
    assert keys.public_key(key).thumbprint() == key.kid
    assert keys.current_key().id == key.id  # created once, then reused
    assert key.public_jwk["kty"] == "RSA" and keys.private_key(key).raw_value.key_size == 2048


def test_private_key_is_stored_encrypted_and_opens_only_with_the_derived_password(ctx):
    key = keys.current_key()
    assert key.private_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password: cryptography refuses an encrypted key
        serialization.load_pem_private_key(key.private_pem.encode(), None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key.private_pem.encode(), b"test-secret-key-that-is-long-enough")
    assert keys.private_key(key).as_dict(private=True)["d"]


def test_jwks_publishes_every_key_public_half_only(ctx):
    first = keys.current_key()
    second = keys.rotate()
    published = keys.jwks()["keys"]
    assert [k["kid"] for k in published] == [first.kid, second.kid]
    assert all("d" not in k and "p" not in k and k["use"] == "sig" and k["alg"] == "RS256" for k in published)
    assert db.get(keys.SigningKey, first.id).retired_at is not None
    assert keys.current_key().kid == second.kid


def test_changed_secret_key_cannot_sign_with_old_key_but_old_credentials_still_verify(app, ctx, make_user):
    user = make_user()
    cert = issue(user.id)
    old_kid = cert.key_id
    app.config["SECRET_KEY"] = "a-completely-different-secret-value"
    with pytest.raises(keys.SigningKeyError, match="SECRET_KEY"):
        keys.private_key(keys.find_key(old_kid))
    newer = issue(user.id)  # signing rotates to a fresh key instead of failing issuance
    assert newer.key_id != old_kid
    assert keys.find_key(old_kid).retired_at is not None
    assert verify_document(cert.credential_jwt).ok
    assert verify_document(newer.credential_jwt).ok


def test_eddsa_keys_when_configured(app, ctx, make_user):
    app.config["LMS_SIGNING_ALG"] = "EdDSA"
    cert = issue(make_user().id)
    header, _ = segments(cert.credential_jwt)
    assert header == {"alg": "EdDSA", "kid": cert.key_id, "typ": "JWT"}
    assert keys.find_key(cert.key_id).public_jwk["crv"] == "Ed25519"
    report = verify_document(cert.credential_jwt)
    assert report.ok, report.steps


def test_unknown_signing_algorithm_is_refused(app, ctx):
    app.config["LMS_SIGNING_ALG"] = "HS256"
    with pytest.raises(keys.SigningKeyError, match="LMS_SIGNING_ALG"):
        keys.current_key()
    with pytest.raises(keys.SigningKeyError, match="Unsupported"):
        keys.create_key("none")


def test_cli_generate_rotate_and_list(app, runner):
    result = runner.invoke(args=["lms", "keys", "list"])
    assert "No signing keys yet" in result.output
    result = runner.invoke(args=["lms", "keys", "generate"])
    assert result.exit_code == 0 and "Created signing key" in result.output
    again = runner.invoke(args=["lms", "keys", "generate"])
    assert "exists already" in again.output
    rotated = runner.invoke(args=["lms", "keys", "rotate", "--alg", "EdDSA"])
    assert rotated.exit_code == 0 and "EdDSA" in rotated.output
    listed = runner.invoke(args=["lms", "keys", "list"]).output.strip().splitlines()
    assert len(listed) == 2 and "retired" in listed[0] and listed[1].endswith("current")
    with app.app_context():
        assert [k.alg for k in keys.all_keys()] == ["RS256", "EdDSA"]
