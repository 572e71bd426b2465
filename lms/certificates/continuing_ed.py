"""Continuing education: hours a certificate holder records for renewal, reviewed by a supervisor.
Same rules as practice hours: not in the future, more than 0 and at most 24, no client details."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from lms.accounts.models import SupervisorAssignment, User
from lms.accounts.services import can_view_trainee
from lms.certificates.issuance import CertificateError
from lms.certificates.models import ContinuingEducation
from lms.db import session as db
from lms.db import utcnow
from lms.privacy import looks_like_client_details

MAX_HOURS_PER_DAY = 24.0
REVIEWER_ROLES = ("supervisor", "admin")
CLIENT_DETAILS = ("This looks like it contains client information (contact details, a date of birth, a record "
                  "number or an address). Describe the course, not the people you work with.")


@dataclass(frozen=True)
class Totals:
    approved: float = 0.0
    ethics: float = 0.0  # approved hours flagged as ethics (part of `approved`)
    pending: float = 0.0


def record(user: User, title: str, completed_on: date, hours: float, ethics: bool = False, provider: str = "",
           today: date | None = None) -> ContinuingEducation:
    """Record CE hours for `user`; they count once a supervisor approves them."""
    today = today or utcnow().date()
    title, provider = (title or "").strip(), (provider or "").strip()
    if not title:
        raise CertificateError("Give the title of the course or event.")
    if len(title) > 200 or len(provider) > 200:
        raise CertificateError("Keep the title and the provider under 200 characters each.")
    if not isinstance(hours, int | float) or not math.isfinite(hours) or hours <= 0 or hours > MAX_HOURS_PER_DAY:
        raise CertificateError("Hours must be more than 0 and at most 24.")
    if completed_on > today:
        raise CertificateError("Hours cannot be recorded for a day in the future.")
    if looks_like_client_details(title) or looks_like_client_details(provider):
        raise CertificateError(CLIENT_DETAILS)
    logged = db.scalar(select(func.coalesce(func.sum(ContinuingEducation.hours), 0.0)).where(
        ContinuingEducation.user_id == user.id, ContinuingEducation.completed_on == completed_on,
        ContinuingEducation.status != "returned"))
    if logged + hours > MAX_HOURS_PER_DAY:
        raise CertificateError(f"That would make more than 24 hours on {completed_on.isoformat()} "
                               f"({logged:g} already recorded).")
    entry = ContinuingEducation(user_id=user.id, title=title, provider=provider, completed_on=completed_on,
                                hours=float(hours), ethics=bool(ethics), status="pending")
    db.add(entry)
    db.flush()
    return entry


def review(reviewer: User, entry: ContinuingEducation, approve: bool, comment: str = "") -> ContinuingEducation:
    """A supervisor of the holder (or an admin) approves the hours or returns them with a comment."""
    holder = db.get(User, entry.user_id)
    if reviewer.id == entry.user_id:
        raise CertificateError("You cannot review your own hours.")
    if reviewer.role not in REVIEWER_ROLES or not can_view_trainee(reviewer, holder):
        raise CertificateError(f"You do not supervise {holder.name}.")
    if entry.status != "pending":
        raise CertificateError("These hours have already been reviewed.")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise CertificateError("Say why the hours are returned, so they can be corrected.")
    entry.status = "approved" if approve else "returned"
    entry.reviewer_id, entry.review_comment, entry.reviewed_at = reviewer.id, comment, utcnow()
    db.flush()
    return entry


def totals(user_id: int, after: date | None = None, until: date | None = None) -> Totals:
    """Approved, ethics and pending hours completed after `after` and up to `until` (both optional)."""
    query = select(
        func.coalesce(func.sum(case((ContinuingEducation.status == "approved", ContinuingEducation.hours),
                                    else_=0.0)), 0.0),
        func.coalesce(func.sum(case(((ContinuingEducation.status == "approved") & ContinuingEducation.ethics,
                                     ContinuingEducation.hours), else_=0.0)), 0.0),
        func.coalesce(func.sum(case((ContinuingEducation.status == "pending", ContinuingEducation.hours),
                                    else_=0.0)), 0.0),
    ).where(ContinuingEducation.user_id == user_id)
    if after is not None:
        query = query.where(ContinuingEducation.completed_on > after)
    if until is not None:
        query = query.where(ContinuingEducation.completed_on <= until)
    approved, ethics, pending = db.execute(query).one()
    return Totals(float(approved), float(ethics), float(pending))


def entries_of(user_id: int) -> list[ContinuingEducation]:
    return list(db.scalars(select(ContinuingEducation).where(ContinuingEducation.user_id == user_id)
                           .order_by(ContinuingEducation.completed_on.desc(), ContinuingEducation.id.desc())))


def review_queue(reviewer: User) -> list[tuple[ContinuingEducation, User]]:
    """Pending hours this reviewer may review, oldest first, in one query: an admin sees all, a
    supervisor their assigned people and, as an organization admin, everyone in the organization."""
    query = (select(ContinuingEducation, User).join(User, User.id == ContinuingEducation.user_id)
             .where(ContinuingEducation.status == "pending", User.id != reviewer.id)
             .order_by(ContinuingEducation.created_at, ContinuingEducation.id))
    if reviewer.role != "admin":
        assigned = select(SupervisorAssignment.trainee_id).where(SupervisorAssignment.supervisor_id == reviewer.id)
        scope = [User.id.in_(assigned)]
        if reviewer.is_org_admin and reviewer.organization_id:
            scope.append(User.organization_id == reviewer.organization_id)
        query = query.where(or_(*scope))
    return [(entry, user) for entry, user in db.execute(query)]
