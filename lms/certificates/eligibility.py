"""Eligibility: each requirement of a program, met or not, with an explanation a trainee can act on.

`check(user, program)` reads everything it needs in a handful of queries (enrollments, attempts,
ratings, sign-off, hours, attestation), so receivers can afford to call it inside the triggering
transaction. The facts it gathered are kept on the result, so issuance snapshots exactly what was
checked without reading it again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.assessments.models import Attempt
from lms.assessments.services import counted_attempt
from lms.certificates.models import Attestation
from lms.certificates.programs import Program
from lms.db import session as db
from lms.learning.models import Enrollment
from lms.supervision.models import SignOff
from lms.supervision.services import active_sign_off, current_ratings, hour_totals

ETHICS_KIND = "code-of-ethics"


@dataclass(frozen=True)
class Result:
    """One requirement: `kind` (course, assessment, competency, sign_off, practice_hours,
    supervision_hours, ethics_attestation), the id it is about, met or not, and why."""

    kind: str
    key: str
    label: str
    met: bool
    explanation: str
    link: tuple[str, dict[str, Any]] | None = None  # (endpoint, values) where the trainee can act


@dataclass
class Facts:
    """What check() read, reused by issuance for the snapshot."""

    completed: dict[str, Enrollment] = field(default_factory=dict)  # course slug -> completed enrollment
    attempts: dict[str, Attempt] = field(default_factory=dict)  # assessment id -> counted attempt
    ratings: dict[str, tuple] = field(default_factory=dict)
    sign_off: SignOff | None = None
    hours: dict[str, Any] = field(default_factory=dict)
    attested: bool = False


@dataclass(frozen=True)
class Eligibility:
    program: Program
    user_id: int
    results: tuple[Result, ...]
    facts: Facts

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def missing(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if not r.met)

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.results)


def _state():
    return current_app.extensions["lms"]


def has_attested(user: User) -> bool:
    return db.scalar(select(Attestation.id).where(Attestation.user_id == user.id, Attestation.kind == ETHICS_KIND)
                     .limit(1)) is not None


def gather(user: User, program: Program) -> Facts:
    req, facts = program.requirements, Facts()
    if req.courses:
        rows = db.scalars(select(Enrollment).where(Enrollment.user_id == user.id,
                                                   Enrollment.course_slug.in_(req.courses),
                                                   Enrollment.completed_at.is_not(None)))
        facts.completed = {row.course_slug: row for row in rows}
    if req.assessments:
        ids = [a.id for a in req.assessments]
        attempts = list(db.scalars(select(Attempt).where(Attempt.user_id == user.id,
                                                         Attempt.assessment_slug.in_(ids)).order_by(Attempt.number)))
        catalog = _state().assessments
        for wanted in req.assessments:
            assessment = catalog.scenario(wanted.id) or catalog.final_check(wanted.id)
            counted = counted_attempt(user, assessment, attempts)
            if counted is not None:
                facts.attempts[wanted.id] = counted
    if req.competencies:
        facts.ratings = current_ratings(user)
    if req.competencies or req.sign_off:
        facts.sign_off = active_sign_off(user, program.slug)
    if req.practice_hours or req.supervision_hours:
        facts.hours = hour_totals(user)
    if req.ethics_attestation:
        facts.attested = has_attested(user)
    return facts


def check(user: User, program: Program) -> Eligibility:
    facts = gather(user, program)
    results = [*_courses(program, facts), *_assessments(program, facts), *_competencies(program, facts),
               *_supervision(program, facts)]
    return Eligibility(program, user.id, tuple(results), facts)


def _courses(program: Program, facts: Facts) -> list[Result]:
    catalog, out = _state().catalog, []
    for slug in program.requirements.courses:
        course = catalog.course(slug)
        done = facts.completed.get(slug)
        explanation = (f"Completed on {done.completed_at.date().isoformat()}." if done
                       else "Not completed yet: finish every lesson of the course.")
        out.append(Result("course", slug, f"Course: {course.title}", done is not None, explanation,
                          ("lms.learning_course", {"slug": slug})))
    return out


def _assessments(program: Program, facts: Facts) -> list[Result]:
    catalog, out = _state().assessments, []
    for wanted in program.requirements.assessments:
        assessment = catalog.scenario(wanted.id) or catalog.final_check(wanted.id)
        kind = "Scenario" if catalog.scenario(wanted.id) else "Final check"
        attempt = facts.attempts.get(wanted.id)
        needs = f"needs {wanted.min_score:.0%}"
        if attempt is None:
            met, why = False, f"Not attempted yet; {needs}."
        else:
            score = attempt.scaled or 0.0
            met = bool(attempt.passed) and score >= wanted.min_score
            if attempt.critical and not attempt.passed:
                why = f"Best score {score:.0%}, but an unsafe choice was made; {needs} with no unsafe choice."
            elif met:
                why = f"Passed with {score:.0%} on {attempt.finished_at.date().isoformat()} ({needs})."
            else:
                why = f"Best score {score:.0%}, {needs}."
        out.append(Result("assessment", wanted.id, f"{kind}: {assessment.title}", met, why,
                          ("lms.assessments_intro", {"slug": wanted.id})))
    return out


def _competencies(program: Program, facts: Facts) -> list[Result]:
    framework, out = _state().catalog.framework, []
    labels = {level.id: level.label for level in framework.scale.levels}
    proficient = labels[framework.scale.proficient]
    for comp_id in program.requirements.competencies:
        name = framework.competencies[comp_id].name
        rating = facts.ratings.get(comp_id)
        if rating and framework.is_proficient(rating[0]):
            met, why = True, f"Rated {labels[rating[0]]}."
        elif facts.sign_off is not None:
            met, why = True, "Covered by your supervisor's sign-off for this program."
        elif rating:
            level = labels.get(rating[0], rating[0])
            met, why = False, f"Rated {level}; needs {proficient} or a supervisor's sign-off."
        else:
            met, why = False, f"Not rated yet; needs {proficient} or a supervisor's sign-off."
        out.append(Result("competency", comp_id, f"Competency: {name}", met, why))
    return out


def _supervision(program: Program, facts: Facts) -> list[Result]:
    req, out = program.requirements, []
    if req.sign_off:
        s = facts.sign_off
        why = (f"Signed off on {s.signed_at.date().isoformat()}." if s
               else "Your supervisor has not signed you off for this program yet.")
        out.append(Result("sign_off", "sign-off", "Supervisor sign-off", s is not None, why))
    for kind, needed in (("practice", req.practice_hours), ("supervision", req.supervision_hours)):
        if not needed:
            continue
        have, pending = facts.hours.get(kind, 0.0), facts.hours.get("pending", 0.0)
        why = f"{have:g} of {needed:g} hours approved."
        if have < needed and pending:
            why += f" {pending:g} hours are waiting for review."
        label = "Practice hours" if kind == "practice" else "Supervision hours"
        out.append(Result(f"{kind}_hours", kind, label, have >= needed, why))
    if req.ethics_attestation:
        why = ("You have attested to the code of ethics." if facts.attested
               else "Read the code of ethics and attest that you will follow it.")
        out.append(Result("ethics_attestation", ETHICS_KIND, "Code of ethics attestation", facts.attested, why,
                          ("lms.certificates_attest", {})))
    return out
