"""Signing keys: generation, rotation, the public JWKS.

Keys live in the database so every worker signs with the same current key; the private half is
encrypted with a key derived from SECRET_KEY. Retired keys stay published in the JWKS so
credentials signed earlier still verify.

If SECRET_KEY changes, the stored private keys can no longer be decrypted: they cannot sign any
more, but their public JWKs are stored in clear, so everything they signed still verifies. The
first signature after such a change retires the unreadable key and creates a new one (logged).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from flask import current_app
from joserfc.jwk import OKPKey, RSAKey
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow
from lms.db import session as db

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "EdDSA")  # RS256 is the OB 3.0 baseline (§8.2.1); EdDSA limits interoperability
RSA_BITS = 2048


class SigningKey(Base):
    __tablename__ = "lms_signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16))  # RS256 (the OB 3.0 baseline) or EdDSA
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_pem: Mapped[str] = mapped_column(Text)  # PKCS#8, encrypted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: the current signing key


class SigningKeyError(RuntimeError):
    """A key cannot be created or used; the message says why."""


# Decrypting a PKCS#8 key runs its KDF (tens of milliseconds): keep decrypted keys per process,
# keyed by kid and a digest of the password so a SECRET_KEY change is never served from cache.
_private_cache: dict[tuple[str, bytes], RSAKey | OKPKey] = {}


def _password() -> bytes:
    secret = current_app.config.get("SECRET_KEY") or ""
    if isinstance(secret, str):
        secret = secret.encode()
    if not secret:
        raise SigningKeyError("SECRET_KEY is not set: signing keys cannot be stored or used.")
    # A separate key per purpose: the session signer never sees this value, and vice versa.
    return hmac.new(secret, b"lms signing-key encryption v1", hashlib.sha256).hexdigest().encode()


def _configured_alg() -> str:
    alg = current_app.config.get("LMS_SIGNING_ALG", "RS256")
    if alg not in ALGORITHMS:
        raise SigningKeyError(f"LMS_SIGNING_ALG must be one of {', '.join(ALGORITHMS)}, not {alg!r}.")
    return alg


def create_key(alg: str | None = None) -> SigningKey:
    """A new current key (flushed). Use rotate() to retire the previous one at the same time."""
    alg = alg or _configured_alg()
    if alg not in ALGORITHMS:
        raise SigningKeyError(f"Unsupported signing algorithm {alg!r}; use one of {', '.join(ALGORITHMS)}.")
    private = rsa.generate_private_key(65537, RSA_BITS) if alg == "RS256" else ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(_password()))
    jwk = (RSAKey if alg == "RS256" else OKPKey).import_key(private)
    kid = jwk.thumbprint()  # RFC 7638: stable whatever URL the site moves to
    public = {**jwk.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"}
    key = SigningKey(kid=kid, alg=alg, public_jwk=public, private_pem=pem.decode(), created_at=utcnow())
    db.add(key)
    db.flush()
    return key


def current_key() -> SigningKey:
    """The key that signs now, created on first use so a fresh install works without a CLI step.

    Two workers racing on a fresh install may each create one; the newest is then current and the
    other stays published, so whatever either signed still verifies.
    """
    key = db.scalar(select(SigningKey).where(SigningKey.retired_at.is_(None))
                    .order_by(SigningKey.created_at.desc(), SigningKey.id.desc()).limit(1))
    return key if key is not None else create_key()


def rotate(alg: str | None = None) -> SigningKey:
    """Retire every current key and create a new one. Retired keys stay in the JWKS."""
    now = utcnow()
    for key in db.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        key.retired_at = now
    db.flush()
    return create_key(alg)


def all_keys() -> list[SigningKey]:
    return list(db.scalars(select(SigningKey).order_by(SigningKey.created_at, SigningKey.id)))


def find_key(kid: str) -> SigningKey | None:
    if not isinstance(kid, str) or not kid or len(kid) > 64:
        return None
    return db.scalar(select(SigningKey).where(SigningKey.kid == kid))


def jwks() -> dict:
    """The public halves of every key, retired ones included (older credentials must still verify)."""
    return {"keys": [dict(key.public_jwk) for key in all_keys()]}


def public_key(key: SigningKey) -> RSAKey | OKPKey:
    cls = RSAKey if key.alg == "RS256" else OKPKey
    return cls.import_key({k: v for k, v in key.public_jwk.items() if k not in ("alg", "use")})


def private_key(key: SigningKey) -> RSAKey | OKPKey:
    """The decrypted private key; SigningKeyError if SECRET_KEY no longer opens it."""
    password = _password()
    cache_key = (key.kid, hashlib.sha256(password).digest())
    cached = _private_cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        loaded = serialization.load_pem_private_key(key.private_pem.encode(), password)
    except ValueError as exc:
        raise SigningKeyError(f"The signing key {key.kid} cannot be decrypted (was SECRET_KEY changed?).") from exc
    jwk = (RSAKey if key.alg == "RS256" else OKPKey).import_key(loaded)
    _private_cache[cache_key] = jwk
    return jwk


def signing_key() -> tuple[SigningKey, RSAKey | OKPKey]:
    """The current key and its private half, rotating once if SECRET_KEY changed since it was made."""
    key = current_key()
    try:
        return key, private_key(key)
    except SigningKeyError:
        log.warning("Signing key %s cannot be decrypted with the current SECRET_KEY; rotating to a new key. "
                    "Credentials it signed still verify.", key.kid)
        key = rotate(key.alg)
        return key, private_key(key)
