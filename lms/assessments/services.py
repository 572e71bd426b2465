"""Assessment services: start, decide, answer, finish and score attempts. Attempt state lives on
the server, so a trainee can resume after logging out, decisions are final, and a replayed or
tampered post changes nothing."""
from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.accounts.models import User
from lms.assessments.definitions import AssessmentCatalog, Decision, End, FinalCheck, Narrative, Scenario
from lms.assessments.models import Attempt, AttemptStep, TimeExtension
from lms.db import session as db
from lms.db import utcnow

Assessment = Scenario | FinalCheck


class AssessmentError(ValueError):
    """An action refused: the message says why and is safe to show; nothing was changed."""


def catalog() -> AssessmentCatalog:
    return current_app.extensions["lms"].assessments


def find(slug: str) -> Assessment | None:
    cat = catalog()
    return cat.scenario(slug) or cat.final_check(slug)


def kind_of(assessment: Assessment) -> str:
    return "scenario" if isinstance(assessment, Scenario) else "final"


def attempts_of(user: User, slug: str) -> list[Attempt]:
    return list(db.scalars(select(Attempt).where(Attempt.user_id == user.id, Attempt.assessment_slug == slug)
                           .order_by(Attempt.number)))


def attempts_in_course(user: User, course_slug: str) -> list[Attempt]:
    """All of a user's attempts in one course, in one query (for pages that list assessments)."""
    return list(db.scalars(select(Attempt).where(Attempt.user_id == user.id, Attempt.course_slug == course_slug)
                           .order_by(Attempt.number)))


def open_attempt(user: User, slug: str) -> Attempt | None:
    return db.scalar(select(Attempt).where(Attempt.user_id == user.id, Attempt.assessment_slug == slug,
                                           Attempt.finished_at.is_(None)))


def extra_minutes(user: User, slug: str) -> int:
    rows = db.scalars(select(TimeExtension.extra_minutes).where(
        TimeExtension.user_id == user.id, TimeExtension.assessment_slug.in_([slug, "*"])))
    return max(rows, default=0)


def why_not_start(user: User, assessment: Assessment, now: datetime | None = None) -> str | None:
    """The reason a new attempt cannot start now, or None."""
    now = now or utcnow()
    finished = [a for a in attempts_of(user, assessment.slug) if a.finished_at]
    settings = assessment.settings
    if settings.max_attempts and len(finished) >= settings.max_attempts:
        return f"You have used all {settings.max_attempts} attempts."
    if finished and settings.cooldown_minutes:
        ready = finished[-1].finished_at + timedelta(minutes=settings.cooldown_minutes)
        if ready > now:
            minutes = int((ready - now).total_seconds() // 60) + 1
            return f"You can try again in {minutes} minute{'s' if minutes != 1 else ''}."
    return None


def start_attempt(user: User, assessment: Assessment, now: datetime | None = None) -> Attempt:
    """Resume the open attempt, or start a new one if the settings allow it."""
    now = now or utcnow()
    current = open_attempt(user, assessment.slug)
    if current is not None:
        if current.deadline_at and now > current.deadline_at:
            finish(current, assessment, now)  # time ran out while away: score what was answered
        else:
            return current
    reason = why_not_start(user, assessment, now)
    if reason:
        raise AssessmentError(reason)
    number = (db.scalar(select(func.max(Attempt.number)).where(
        Attempt.user_id == user.id, Attempt.assessment_slug == assessment.slug)) or 0) + 1
    attempt = Attempt(user_id=user.id, assessment_slug=assessment.slug, kind=kind_of(assessment),
                      course_slug=assessment.course, content_version=assessment.version, number=number,
                      seed=secrets.randbelow(2**31), started_at=now)
    if assessment.settings.time_limit_minutes:
        limit = assessment.settings.time_limit_minutes + extra_minutes(user, assessment.slug)
        attempt.deadline_at = now + timedelta(minutes=limit)
    if isinstance(assessment, Scenario):
        attempt.current_node = assessment.start
    else:
        attempt.items = draw_items(user, assessment, random.Random(attempt.seed))
    try:
        with db.begin_nested():  # two tabs starting at once: one attempt
            db.add(attempt)
    except IntegrityError:
        current = open_attempt(user, assessment.slug)
        if current is None:
            raise AssessmentError("Another attempt was started at the same moment; reload the page.") from None
        return current
    signals.assessment_started.send(attempt, assessment=assessment)
    return attempt


def draw_items(user: User, check: FinalCheck, rng: random.Random) -> list[str]:
    """Draw `check.draw` items, preferring those this trainee has not seen in earlier attempts."""
    bank = catalog().bank_for(check.course)
    seen = set(db.scalars(select(AttemptStep.node_id).join(Attempt).where(
        Attempt.user_id == user.id, Attempt.assessment_slug == check.slug)))
    unseen = [item.id for item in bank.items if item.id not in seen]
    again = [item.id for item in bank.items if item.id in seen]
    rng.shuffle(unseen)
    rng.shuffle(again)
    return (unseen + again)[: check.draw]


def _check_open(attempt: Attempt, assessment: Assessment, now: datetime) -> None:
    if attempt.finished_at is not None:
        raise AssessmentError("This attempt has ended; its answers can no longer change.")
    if attempt.deadline_at and now > attempt.deadline_at:
        finish(attempt, assessment, now)
        raise AssessmentError("The time limit has passed, so this answer was not recorded. Your attempt "
                              "was scored on the answers given before the limit.")


def record_decision(attempt: Attempt, scenario: Scenario, node_id: str, option_id: str,
                    now: datetime | None = None) -> AttemptStep:
    """Record a choice at the current decision and move on. Decisions are final."""
    now = now or utcnow()
    _check_open(attempt, scenario, now)
    if node_id != attempt.current_node:
        raise AssessmentError("That question has already been answered; decisions are final.")
    node = scenario.node(node_id)
    if not isinstance(node, Decision):
        raise AssessmentError("There is no choice to make at this point.")
    option = node.option(option_id)
    if option is None:
        raise AssessmentError("That choice is not one of the options for this question.")
    step = AttemptStep(attempt=attempt, position=len(attempt.steps) + 1, node_id=node.id, response=option.id,
                       correct=not option.critical and option.points == best_points(node),
                       points=option.points, critical=option.critical, answered_at=now)
    db.add(step)
    attempt.critical = attempt.critical or option.critical
    attempt.current_node = option.next
    db.flush()
    signals.decision_recorded.send(step, attempt=attempt, assessment=scenario, node=node, option=option)
    _finish_if_ended(attempt, scenario, now)
    return step


def continue_narrative(attempt: Attempt, scenario: Scenario, node_id: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_open(attempt, scenario, now)
    node = scenario.node(node_id)
    if node_id != attempt.current_node or not isinstance(node, Narrative):
        raise AssessmentError("The scenario has already moved on.")
    attempt.current_node = node.next
    db.flush()
    _finish_if_ended(attempt, scenario, now)


def _finish_if_ended(attempt: Attempt, scenario: Scenario, now: datetime) -> None:
    if isinstance(scenario.node(attempt.current_node), End):
        finish(attempt, scenario, now)


def best_points(node: Decision) -> float:
    return max((o.points for o in node.options if not o.critical), default=0.0)


def submit_final(attempt: Attempt, check: FinalCheck, answers: dict[str, object], now: datetime | None = None) -> None:
    """Score every drawn item from its parsed response (missing answers score zero), then finish."""
    from lms.assessments.questions import QUESTION_TYPES

    now = now or utcnow()
    _check_open(attempt, check, now)
    bank = catalog().bank_for(check.course)
    for position, item_id in enumerate(attempt.items, start=1):
        item = bank.item(item_id)
        qtype = QUESTION_TYPES[item.type]
        response = answers.get(item_id)
        correct, credit = qtype.score(item, response) if response is not None else (False, 0.0)
        step = AttemptStep(attempt=attempt, position=position, node_id=item_id,
                           response=qtype.response_string(response) if response is not None else "",
                           correct=correct, points=credit, answered_at=now)
        db.add(step)
        db.flush()
        signals.decision_recorded.send(step, attempt=attempt, assessment=check, item=item, option=None)
    finish(attempt, check, now)


def finish(attempt: Attempt, assessment: Assessment, now: datetime | None = None) -> Attempt:
    """Score the attempt: scaled score, per-competency evidence, pass = at the pass mark, no critical."""
    if attempt.finished_at is not None:
        return attempt
    now = now or utcnow()
    if attempt.deadline_at and now > attempt.deadline_at:
        now = attempt.deadline_at
    attempt.finished_at = now
    if isinstance(assessment, Scenario):
        attempt.points, attempt.scaled, attempt.competency_scores = _score_scenario(attempt, assessment)
    else:
        attempt.points, attempt.scaled, attempt.competency_scores = _score_final(attempt, assessment)
    attempt.passed = attempt.scaled >= assessment.settings.pass_mark and not attempt.critical
    db.flush()
    signals.assessment_finished.send(attempt, assessment=assessment)
    return attempt


def _score_scenario(attempt: Attempt, scenario: Scenario) -> tuple[float, float, dict[str, float]]:
    earned: dict[str, float] = {}
    for step in attempt.steps:
        node = scenario.node(step.node_id)
        option = node.option(step.response) if isinstance(node, Decision) else None
        for competency, points in (option.scores if option else {}).items():
            earned[competency] = earned.get(competency, 0.0) + points
    total = sum(step.points for step in attempt.steps)
    scaled = round(total / scenario.max_total, 4) if scenario.max_total else 0.0
    per_competency = {c: round(earned.get(c, 0.0) / most, 4) for c, most in scenario.max_points.items() if most}
    return total, min(scaled, 1.0), per_competency


def _score_final(attempt: Attempt, check: FinalCheck) -> tuple[float, float, dict[str, float]]:
    bank = catalog().bank_for(check.course)
    credit = {step.node_id: step.points for step in attempt.steps}
    total = sum(credit.values())
    scaled = round(total / len(attempt.items), 4) if attempt.items else 0.0
    sums: dict[str, list[float]] = {}
    for item_id in attempt.items:
        for competency in bank.item(item_id).competencies:
            sums.setdefault(competency, []).append(credit.get(item_id, 0.0))
    return total, scaled, {c: round(sum(v) / len(v), 4) for c, v in sums.items()}


def counted_attempt(user: User, assessment: Assessment, attempts: list[Attempt] | None = None) -> Attempt | None:
    """The attempt that counts: the highest scaled score, or the last, as the settings say.

    `attempts` may be passed when already loaded (all of the user's attempts, any assessment).
    """
    if attempts is None:
        attempts = attempts_of(user, assessment.slug)
    finished = [a for a in attempts if a.finished_at and a.assessment_slug == assessment.slug]
    if not finished:
        return None
    if assessment.settings.attempt_counts == "last":
        return finished[-1]
    return max(finished, key=lambda a: (a.passed, a.scaled or 0.0, a.number))


def grant_extension(user: User, slug: str, minutes: int, granted_by: User, reason: str) -> TimeExtension:
    if minutes <= 0 or minutes > 24 * 60:
        raise AssessmentError("Extra time is between 1 minute and 24 hours.")
    if slug != "*" and find(slug) is None:
        raise AssessmentError(f"There is no assessment '{slug}'.")
    row = db.scalar(select(TimeExtension).where(TimeExtension.user_id == user.id,
                                                TimeExtension.assessment_slug == slug))
    if row is None:
        row = TimeExtension(user_id=user.id, assessment_slug=slug, extra_minutes=minutes)
        db.add(row)
    row.extra_minutes, row.granted_by_id, row.reason = minutes, granted_by.id, reason.strip()
    db.flush()
    return row
