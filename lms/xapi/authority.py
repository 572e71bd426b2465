"""Whose records are whose in the LRS: who may void a statement, define an activity or touch a document.

Every statement and document records the authority that stored it (Data 2.4.9: the LRS sets `authority`). The
LMS itself records as the agent `lms`; each set of client credentials as its key. The rules (security review
M2, M5, M6):
- a client voids only statements it stored itself; what the LMS recorded only the LMS voids, unless an admin
  sets LMS_XAPI_ALLOW_ALL_SCOPE_VOIDING, which lets `all`-scope credentials void anything;
- only credentials with `define` (or `all`) change an activity's canonical definition (Communication 4.2), and
  nobody but the LMS redefines an IRI under its own base URL;
- documents are kept per authority: credentials without `all` see and change only their own.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from lms.db import session as db
from lms.xapi.clients import client_authority, granted
from lms.xapi.models import LRSClient
from lms.xapi.validation import agent_ifi


def authority_key(client: LRSClient | None) -> str:
    """The key statements and documents of these credentials (None: the LMS) are filed under."""
    return agent_ifi(client_authority(client))


def lms_authority_key() -> str:
    return authority_key(None)


def has_all(client: LRSClient | None) -> bool:
    """The LMS, or credentials holding the `all` scope."""
    return client is None or "all" in client.scopes


def _all_may_void() -> bool:
    return bool(current_app.config["LMS_XAPI_ALLOW_ALL_SCOPE_VOIDING"])


def voiding_refusal(client: LRSClient | None, statement_id: str, target_key: str) -> str | None:
    """Why `client` may not void the statement filed under `target_key`, or None when it may."""
    if client is None or target_key == authority_key(client):
        return None
    if "all" in client.scopes and _all_may_void():
        return None
    if target_key == lms_authority_key():
        return (f"Statement {statement_id} was recorded by the LMS itself; only the LMS can void it "
                "(an administrator may let credentials with the all scope do it: LMS_XAPI_ALLOW_ALL_SCOPE_VOIDING).")
    return (f"Statement {statement_id} was stored by other credentials; these credentials may void only the "
            "statements they stored.")


def voider_may_void(voider_key: str, target_key: str) -> bool:
    """For a voiding statement stored before its target arrived (Data 2.3.2): does it void the target?"""
    if voider_key in (target_key, lms_authority_key()):
        return True
    if not _all_may_void():
        return False
    client_key = voider_key.rpartition("|")[2]
    scopes = db.scalar(select(LRSClient.scopes).where(LRSClient.key == client_key))
    return bool(scopes) and "all" in scopes


def is_lms_iri(iri: str) -> bool:
    """An IRI under LMS_BASE_URL: the LMS's own courses, lessons, assessments and competencies."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    return iri == base or (iri.startswith(base) and iri[len(base)] in "/?#")


def may_define(client: LRSClient | None, iri: str) -> bool:
    """Communication 4.2: without `define` a definition "will not be used for canonical definition"."""
    if client is None:
        return True
    return not is_lms_iri(iri) and "define" in granted(client.scopes)
