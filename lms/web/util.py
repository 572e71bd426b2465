"""Small request helpers shared by views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None (blocks open redirects)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def client_ip() -> str:
    return request.remote_addr or "unknown"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL built on LMS_BASE_URL, for mail and for identifiers that outlive a request."""
    path = url_for(endpoint, **values)
    return current_app.config["LMS_BASE_URL"].rstrip("/") + path
