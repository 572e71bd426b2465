"""Who is signed in: the session holds the user id and session version, nothing else."""
from __future__ import annotations

from collections.abc import MutableMapping

from lms.accounts.models import User
from lms.db import session as db

SESSION_UID = "lms_uid"
SESSION_VERSION = "lms_sv"


def load_current_user(sess: MutableMapping) -> User | None:
    uid = sess.get(SESSION_UID)
    if uid is None:
        return None
    user = db.get(User, uid)
    if user is None or not user.is_active or user.session_version != sess.get(SESSION_VERSION):
        sess.pop(SESSION_UID, None)
        sess.pop(SESSION_VERSION, None)
        return None
    return user


def start_session(sess: MutableMapping, user: User) -> None:
    # Clearing first means nothing planted before login (session fixation) survives it.
    sess.clear()
    sess[SESSION_UID] = user.id
    sess[SESSION_VERSION] = user.session_version
    if hasattr(sess, "permanent"):
        sess.permanent = True


def end_session(sess: MutableMapping) -> None:
    sess.clear()
