"""Public credential endpoints: JWKS, issuer profile, achievement pages, status lists.

All are on the `lms` blueprint, so when the LMS is mounted under a URL prefix they move with it
(e.g. /training/.well-known/jwks.json); the `kid` in each credential, not the JWKS URL, ties a
signature to its key, and credentials name absolute URLs built on LMS_BASE_URL + the prefix.
"""
from __future__ import annotations

import json
import re

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import select

from lms.certificates import keys
from lms.certificates.credential import CODE_PATTERN, CONTEXTS, achievement, issuer_profile
from lms.certificates.keys import SigningKey
from lms.certificates.models import Certificate
from lms.certificates.status_list import PURPOSES, signed_status_list
from lms.db import session as db
from lms.db import will_write
from lms.web.access import public
from lms.web.blueprint import bp

LD_JSON = "application/ld+json"
PUBLIC_CACHE = "public, max-age=300"  # status changes show within five minutes


def _json(data: dict, mimetype: str = "application/json", cache: str = PUBLIC_CACHE) -> Response:
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype=mimetype)
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers and wallets fetch these
    return response


def _ensure_key() -> None:
    """A fresh install creates its first key on the first request that needs one (a write, declared
    only then so ordinary requests stay read-only)."""
    if db.scalar(select(SigningKey.id).where(SigningKey.retired_at.is_(None)).limit(1)) is None:
        will_write()
        keys.current_key()
        db.commit()


def _wants_html() -> bool:
    if request.args.get("format") == "json":
        return False
    best = request.accept_mimetypes.best_match([LD_JSON, "application/json", "text/html"])
    return best == "text/html"


@bp.route("/.well-known/jwks.json")
@public
def certificates_jwks():
    _ensure_key()  # a fresh install publishes the key it will sign with
    return _json(keys.jwks(), "application/jwk-set+json")


@bp.route("/issuer")
@public
def certificates_issuer():
    profile = {"@context": list(CONTEXTS), **issuer_profile()}
    if _wants_html():
        programs = list(current_app.extensions["lms"].programs.values())
        return render_template("lms/certificates/issuer.html", profile=profile, programs=programs)
    return _json(profile, LD_JSON)


@bp.route("/achievements/<slug>")
@public
def certificates_achievement(slug: str):
    program = current_app.extensions["lms"].programs.get(slug) or abort(404)
    data = achievement(program)
    if _wants_html():
        return render_template("lms/certificates/achievement.html", achievement=data, program=program,
                               issuer=issuer_profile())
    return _json({"@context": list(CONTEXTS), **data}, LD_JSON)


@bp.route("/credentials/status/<purpose>")
@public
def certificates_status_list(purpose: str):
    if purpose not in PURPOSES:
        abort(404)
    _ensure_key()
    credential, token = signed_status_list(purpose)
    if request.args.get("format") == "json":
        return _json(credential, LD_JSON, cache="public, max-age=60")
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/credentials/<code>")
@public
def certificates_credential(code: str):
    """The credential's `id` dereferences to the credential as issued (the verify page shows status)."""
    code = code.upper()
    found = re.fullmatch(CODE_PATTERN, code)
    cert = db.scalar(select(Certificate).where(Certificate.code == code)) if found else None
    if cert is None or not cert.credential_json:
        abort(404)
    return _json(cert.credential_json, LD_JSON, cache="no-cache")
