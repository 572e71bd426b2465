"""The OpenAPI 3.0 document of the JSON APIs (the xAPI LRS, certificate verification) at /openapi.json."""
from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import yaml
from flask import current_app, jsonify

from lms.web.access import public
from lms.web.blueprint import bp

SOURCE = Path(__file__).with_name("openapi.yaml")
XAPI_DEFAULT = "/xapi"


@cache
def _source() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def openapi_document(xapi_prefix: str = XAPI_DEFAULT, url_prefix: str = "") -> dict:
    """The document with its paths where this app mounts them (LMS_XAPI_PREFIX, the LMS URL prefix)."""
    document = copy.deepcopy(_source())
    xapi_prefix, url_prefix = xapi_prefix.rstrip("/"), url_prefix.rstrip("/")
    paths = {}
    for path, item in document["paths"].items():
        if path.startswith(XAPI_DEFAULT + "/"):
            paths[xapi_prefix + path[len(XAPI_DEFAULT):]] = item
        else:
            paths[url_prefix + path] = item
    document["paths"] = paths
    return document


@bp.route("/openapi.json")
@public
def web_openapi():
    state = current_app.extensions["lms"]
    response = jsonify(openapi_document(current_app.config["LMS_XAPI_PREFIX"], state.url_prefix))
    response.headers["Access-Control-Allow-Origin"] = "*"  # a public description: API tools may fetch it
    return response
