"""Access rules for views. Every LMS view declares one, and a test checks that none is missing.

Rules are attached to the view function as `lms_access` so the URL map can be audited.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, g, redirect, request, url_for

F = TypeVar("F", bound=Callable)
ROLES = ("trainee", "supervisor", "board", "admin")


def public(view: F) -> F:
    """Anyone, signed in or not."""
    view.lms_access = ("public",)  # type: ignore[attr-defined]
    return view


def login_required(view: F) -> F:
    """Any signed-in account."""
    return roles_required(*ROLES)(view)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Signed in with one of `roles`; anonymous users are sent to log in, others get 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("lms_user")
            if user is None:
                return redirect(url_for("lms.accounts_login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.lms_access = tuple(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
