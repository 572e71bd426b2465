"""Account services: plain functions with explicit arguments; they flush, the view commits."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms import signals
from lms.accounts.models import ROLES, Invitation, Organization, SupervisorAssignment, User
from lms.db import session as db
from lms.db import utcnow

# A hash to compare against when the e-mail is unknown, so timing does not reveal which exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request that breaks an account rule; the message is safe to show to the user."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str, email: str = "") -> None:
    minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(f"Use at least {minimum} characters.")
    if email and password.strip().lower() == normalize_email(email):
        raise AccountError("The password must not be your e-mail address.")


def find_user_by_email(email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, name: str, password: str, role: str = "trainee",
                organization: Organization | None = None, via: str = "admin") -> User:
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}'.")
    if find_user_by_email(email):
        raise AccountError("An account with this e-mail address already exists.")
    check_password_rules(password, email)
    user = User(email=normalize_email(email), name=name.strip(), password_hash=hash_password(password),
                role=role, organization=organization)
    db.add(user)
    db.flush()
    signals.user_registered.send(user, via=via)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def set_password(user: User, password: str) -> None:
    check_password_rules(password, user.email)
    user.password_hash = hash_password(password)
    user.session_version += 1  # every other session of this user ends


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError("The current password is not correct.")
    set_password(user, new)


# Password reset ------------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_from_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["LMS_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("fp") != _password_fingerprint(user):
        return None
    return user


# Invitations ---------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(email: str, role: str, organization: Organization | None,
                      invited_by: User | None) -> tuple[Invitation, str]:
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}'.")
    if find_user_by_email(email):
        raise AccountError("An account with this e-mail address already exists.")
    token = secrets.token_urlsafe(32)
    days = current_app.config["LMS_INVITE_DAYS"]
    invitation = Invitation(token_hash=_token_hash(token), email=normalize_email(email), role=role,
                            organization=organization, invited_by_id=invited_by.id if invited_by else None,
                            expires_at=utcnow() + timedelta(days=days))
    db.add(invitation)
    db.flush()
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """The invitation for `token` if it can still be accepted."""
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    user = create_user(invitation.email, name, password, role=invitation.role,
                       organization=invitation.organization, via="invite")
    invitation.accepted_at = utcnow()
    return user


def revoke_invitation(invitation: Invitation) -> None:
    invitation.revoked_at = utcnow()


# Organizations and supervision ---------------------------------------------------------------

def create_organization(slug: str, name: str) -> Organization:
    if db.scalar(select(Organization).where(Organization.slug == slug)):
        raise AccountError(f"An organization with the short name '{slug}' already exists.")
    org = Organization(slug=slug, name=name.strip())
    db.add(org)
    db.flush()
    return org


def assign_supervisor(supervisor: User, trainee: User) -> SupervisorAssignment:
    if supervisor.role != "supervisor":
        raise AccountError(f"{supervisor.name} is not a supervisor.")
    if trainee.role != "trainee":
        raise AccountError(f"{trainee.name} is not a trainee.")
    if supervisor.id == trainee.id:
        raise AccountError("Nobody can supervise themselves.")
    existing = db.scalar(select(SupervisorAssignment).where(
        SupervisorAssignment.supervisor_id == supervisor.id,
        SupervisorAssignment.trainee_id == trainee.id))
    if existing:
        return existing
    assignment = SupervisorAssignment(supervisor=supervisor, trainee=trainee)
    db.add(assignment)
    db.flush()
    return assignment


def unassign_supervisor(supervisor_id: int, trainee_id: int) -> bool:
    assignment = db.scalar(select(SupervisorAssignment).where(
        SupervisorAssignment.supervisor_id == supervisor_id,
        SupervisorAssignment.trainee_id == trainee_id))
    if assignment is None:
        return False
    db.delete(assignment)
    db.flush()
    return True


def supervisors_of(trainee: User) -> list[User]:
    return list(db.scalars(select(User).join(SupervisorAssignment, SupervisorAssignment.supervisor_id == User.id)
                           .where(SupervisorAssignment.trainee_id == trainee.id).order_by(User.name)))


def trainees_of(supervisor: User) -> list[User]:
    return list(db.scalars(select(User).join(SupervisorAssignment, SupervisorAssignment.trainee_id == User.id)
                           .where(SupervisorAssignment.supervisor_id == supervisor.id).order_by(User.name)))


def can_view_trainee(viewer: User, trainee: User) -> bool:
    """Trainees see themselves; supervisors their assigned trainees; org admins their org; admins all."""
    if viewer.id == trainee.id or viewer.role == "admin":
        return True
    if viewer.role != "supervisor":
        return False
    if viewer.is_org_admin and viewer.organization_id and viewer.organization_id == trainee.organization_id:
        return True
    return db.scalar(select(func.count()).select_from(SupervisorAssignment).where(
        SupervisorAssignment.supervisor_id == viewer.id,
        SupervisorAssignment.trainee_id == trainee.id)) > 0
