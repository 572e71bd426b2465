"""LRS client credentials: create, list, revoke, authenticate; scopes as in xAPI's OAuth scopes."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from lms.db import session as db
from lms.db import utcnow
from lms.xapi.models import LRSClient

# xAPI Communication 4.2 (OAuth 1.0 authorization scope); the same names scope Basic clients here.
SCOPES = ("statements/write", "statements/read/mine", "statements/read", "state", "define", "profile",
          "all/read", "all")
DEFAULT_SCOPES = ("statements/write", "statements/read/mine")
# A secret someone chooses (flask lms lrs-client create --secret) guards a whole LRS client; the generated
# ones are 32 characters. Failed attempts are also throttled per IP (LMS_RATELIMIT_XAPI_AUTH).
MIN_SECRET_LENGTH = 24
# What each scope grants, beyond itself.
_IMPLIES = {
    "all": set(SCOPES),
    "all/read": {"statements/read", "statements/read/mine", "state/read", "profile/read"},
    "statements/read": {"statements/read/mine"},
    "state": {"state/read"},
    "profile": {"profile/read"},
}


def hash_secret(secret: str, salt: str | None = None) -> str:
    """Salted SHA-256. Client secrets are long random tokens, not passwords people choose, so a
    slow password hash (which would cost ~70 ms on every LRS request) buys nothing here."""
    salt = salt or secrets.token_hex(16)
    return f"sha256${salt}${hashlib.sha256((salt + secret).encode()).hexdigest()}"


def check_secret(stored: str, secret: str) -> bool:
    try:
        _scheme, salt, _digest = stored.split("$", 2)
    except ValueError:
        return False
    return hmac.compare_digest(stored, hash_secret(secret, salt))


_DUMMY = hash_secret("lrs-client-dummy-secret")


class ClientError(ValueError):
    """A client request that breaks a rule; safe to show."""


def granted(scopes: list[str] | tuple[str, ...]) -> set[str]:
    result = set(scopes)
    for scope in scopes:
        result |= _IMPLIES.get(scope, set())
    return result


def create_client(name: str, scopes: list[str] | tuple[str, ...] = DEFAULT_SCOPES, key: str | None = None,
                  secret: str | None = None) -> tuple[LRSClient, str]:
    """Create credentials; returns the client and the secret (shown once, stored hashed)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ClientError(f"Unknown scope(s): {', '.join(sorted(unknown))}. Known: {', '.join(SCOPES)}.")
    if not name.strip():
        raise ClientError("A client needs a name.")
    key = key or secrets.token_hex(12)
    secret = secret or secrets.token_urlsafe(24)
    if len(secret) < MIN_SECRET_LENGTH:
        raise ClientError(f"The secret has {len(secret)} characters; use at least {MIN_SECRET_LENGTH} (a long "
                          "random value, or omit --secret to have one generated).")
    if db.scalar(select(LRSClient).where(LRSClient.key == key)):
        raise ClientError(f"A client with the key '{key}' already exists.")
    client = LRSClient(name=name.strip(), key=key, secret_hash=hash_secret(secret),
                       scopes=list(dict.fromkeys(scopes)))
    db.add(client)
    db.flush()
    return client, secret


def revoke_client(client: LRSClient) -> None:
    client.revoked_at = utcnow()


def authenticate_client(key: str, secret: str) -> LRSClient | None:
    client = db.scalar(select(LRSClient).where(LRSClient.key == key))
    if client is None or client.revoked_at is not None:
        check_secret(_DUMMY, secret)  # same work either way: no key enumeration by timing
        return None
    if not check_secret(client.secret_hash, secret):
        return None
    return client


def client_authority(client: LRSClient | None) -> dict:
    """The Agent recorded as `authority` for statements a client sends (or the LMS itself)."""
    home = current_app.config["LMS_BASE_URL"].rstrip("/")
    name = client.key if client is not None else "lms"
    return {"objectType": "Agent", "account": {"homePage": home, "name": name}}


def list_clients() -> list[LRSClient]:
    return list(db.scalars(select(LRSClient).order_by(LRSClient.created_at.desc())))
