"""Record LMS events as xAPI statements, in the same transaction as the change they describe.

Receivers listen to the domain signals; `record()` validates what we emit (strictly), stores it in
the built-in LRS and, when forwarding is configured, queues it in the outbox.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app

from lms import signals
from lms.db import session as db
from lms.db import utcnow
from lms.xapi.models import OutboxItem
from lms.xapi.store import iso, store_statements
from lms.xapi.validation import validate_statement
from lms.xapi.vocabulary import PLATFORM, ActivityType, Extension, Verb

LANGUAGE = "en-US"


def base() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def actor(user) -> dict:
    """An account-identified Agent: an opaque learner id, no e-mail, no name unless opted in."""
    agent = {"objectType": "Agent", "account": {"homePage": base(), "name": user.learner_id}}
    if current_app.config["LMS_XAPI_ACTOR_NAMES"]:
        agent["name"] = user.name
    return agent


def verb(pair: tuple[str, str]) -> dict:
    return {"id": pair[0], "display": {LANGUAGE: pair[1]}}


def course_iri(slug: str) -> str:
    return f"{base()}/xapi/activities/course/{slug}"


def lesson_iri(course_slug: str, lesson_slug: str) -> str:
    return f"{course_iri(course_slug)}/lesson/{lesson_slug}"


def activity(iri: str, kind: str, name: str, **definition) -> dict:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": kind, "name": {LANGUAGE: name}, **definition}}


def course_activity(course) -> dict:
    return activity(course_iri(course.slug), ActivityType.COURSE, course.title,
                    description={LANGUAGE: course.summary})


def lesson_activity(course, lesson) -> dict:
    return activity(lesson_iri(course.slug, lesson.slug), ActivityType.LESSON, lesson.title)


def context(registration: str, version: str, parent: list[dict] | None = None,
            grouping: list[dict] | None = None) -> dict:
    ctx: dict = {"registration": registration, "platform": PLATFORM, "language": LANGUAGE,
                 "extensions": {f"{base()}/{Extension.CONTENT_VERSION}": version}}
    lists = {name: [{"objectType": "Activity", "id": a["id"]} for a in items]
             for name, items in (("parent", parent), ("grouping", grouping)) if items}
    if lists:
        ctx["contextActivities"] = lists
    return ctx


def record(statement: dict, when: datetime | None = None) -> dict:
    """Validate, store and (if configured) queue one statement; return it as stored."""
    statement = {"id": str(uuid.uuid4()), "timestamp": iso(when or utcnow()), **statement}
    validate_statement(statement)  # we are as strict about what we emit as about what we accept
    store_statements([statement], client=None)
    if current_app.config["LMS_XAPI_FORWARD_URL"]:
        db.add(OutboxItem(statement_id=statement["id"], payload=statement))
    return statement


# Receivers -----------------------------------------------------------------------------------

def on_enrolled(enrollment, course, **_) -> None:
    record({"actor": actor(enrollment.user), "verb": verb(Verb.REGISTERED), "object": course_activity(course),
            "context": context(enrollment.registration, course.version)})


def on_lesson_opened(progress, course, lesson, **_) -> None:
    enrollment = progress.enrollment
    record({"actor": actor(enrollment.user), "verb": verb(Verb.EXPERIENCED),
            "object": lesson_activity(course, lesson),
            "context": context(enrollment.registration, lesson.version, parent=[course_activity(course)],
                               grouping=[course_activity(course)])})


def on_check_answered(answer, course, lesson, check, enrollment, **_) -> None:
    correct = [str(i) for i, option in enumerate(check.options) if option.correct]
    definition = {
        "description": {LANGUAGE: check.prompt},
        "interactionType": "choice",
        "correctResponsesPattern": ["[,]".join(correct)],
        "choices": [{"id": str(i), "description": {LANGUAGE: option.text}} for i, option in enumerate(check.options)],
    }
    record({"actor": actor(enrollment.user), "verb": verb(Verb.ANSWERED),
            "object": activity(f"{lesson_iri(course.slug, lesson.slug)}/check/{check.id}", ActivityType.INTERACTION,
                               f"Knowledge check: {lesson.title}", **definition),
            "result": {"response": "[,]".join(str(i) for i in answer.selected), "success": answer.correct},
            "context": context(enrollment.registration, lesson.version, parent=[lesson_activity(course, lesson)],
                               grouping=[course_activity(course)])}, when=answer.answered_at)


def on_lesson_completed(progress, course, lesson, enrollment, **_) -> None:
    record({"actor": actor(enrollment.user), "verb": verb(Verb.COMPLETED), "object": lesson_activity(course, lesson),
            "result": {"completion": True},
            "context": context(enrollment.registration, lesson.version, parent=[course_activity(course)],
                               grouping=[course_activity(course)])}, when=progress.completed_at)
    done = sum(1 for p in enrollment.lessons if p.completed_at)
    percent = round(100 * done / len(course.lessons))
    record({"actor": actor(enrollment.user), "verb": verb(Verb.PROGRESSED), "object": course_activity(course),
            "result": {"extensions": {Extension.PROGRESS: percent}},
            "context": context(enrollment.registration, course.version)}, when=progress.completed_at)


def on_course_completed(enrollment, course, **_) -> None:
    record({"actor": actor(enrollment.user), "verb": verb(Verb.COMPLETED), "object": course_activity(course),
            "result": {"completion": True}, "context": context(enrollment.registration, course.version)},
           when=enrollment.completed_at)


# Assessments ---------------------------------------------------------------------------------

def assessment_activity(assessment) -> dict:
    from lms.assessments.definitions import Scenario

    kind = "scenario" if isinstance(assessment, Scenario) else "final-check"
    return activity(f"{base()}/xapi/activities/assessment/{assessment.slug}", ActivityType.ASSESSMENT,
                    assessment.title, extensions={f"{base()}/xapi/vocab/extensions/assessment-kind": kind})


def _attempt_context(attempt, assessment, course_slug: str) -> dict:
    course = current_app.extensions["lms"].catalog.course(course_slug)
    grouping = [course_activity(course)] if course else None
    return context(attempt.registration, assessment.version, parent=[assessment_activity(assessment)],
                   grouping=grouping)


def on_assessment_started(attempt, assessment, **_) -> None:
    ctx = _attempt_context(attempt, assessment, attempt.course_slug)
    ctx["contextActivities"].pop("parent", None)
    record({"actor": actor(attempt.user), "verb": verb(Verb.INITIALIZED), "object": assessment_activity(assessment),
            "context": ctx}, when=attempt.started_at)


def _choice_interaction(node) -> dict:
    from lms.assessments.services import best_points

    best = [o.id for o in node.options if not o.critical and o.points == best_points(node)]
    return {"description": {LANGUAGE: node.prompt}, "interactionType": "choice",
            "correctResponsesPattern": best,  # each entry is one acceptable response
            "choices": [{"id": o.id, "description": {LANGUAGE: o.text}} for o in node.options]}


def on_decision_recorded(step, attempt, assessment, node=None, item=None, option=None, **_) -> None:
    from lms.assessments.questions import QUESTION_TYPES

    base_iri = assessment_activity(assessment)["id"]
    if node is not None:
        definition = _choice_interaction(node)
        iri, name = f"{base_iri}/decision/{node.id}", node.prompt
    else:
        definition = {"description": {LANGUAGE: item.prompt}, **QUESTION_TYPES[item.type].xapi_interaction(item)}
        iri, name = f"{base_iri}/item/{item.id}", f"{assessment.title}: question {step.position}"
    result = {"response": step.response, "success": bool(step.correct), "score": {"raw": step.points}}
    if node is not None:
        result["extensions"] = {f"{base()}/xapi/vocab/extensions/critical": step.critical}
    record({"actor": actor(attempt.user), "verb": verb(Verb.ANSWERED),
            "object": activity(iri, ActivityType.INTERACTION, name[:200], **definition),
            "result": result, "context": _attempt_context(attempt, assessment, attempt.course_slug)},
           when=step.answered_at)


def _duration(attempt) -> str:
    seconds = max(0.0, (attempt.finished_at - attempt.started_at).total_seconds())
    return f"PT{seconds:.2f}S"


def on_assessment_finished(attempt, assessment, **_) -> None:
    ctx = _attempt_context(attempt, assessment, attempt.course_slug)
    ctx["contextActivities"].pop("parent", None)
    obj = assessment_activity(assessment)
    record({"actor": actor(attempt.user), "verb": verb(Verb.COMPLETED), "object": obj,
            "result": {"completion": True, "duration": _duration(attempt)}, "context": ctx},
           when=attempt.finished_at)
    score = {"scaled": round(attempt.scaled, 4), "raw": round(attempt.points, 4), "min": 0}
    maximum = getattr(assessment, "max_total", None) or len(attempt.items) or None
    if maximum:
        score["max"] = float(maximum)
    record({"actor": actor(attempt.user), "verb": verb(Verb.PASSED if attempt.passed else Verb.FAILED), "object": obj,
            "result": {"score": score, "success": bool(attempt.passed), "completion": True,
                       "duration": _duration(attempt),
                       "extensions": {f"{base()}/xapi/vocab/extensions/critical-error": attempt.critical}},
            "context": ctx}, when=attempt.finished_at)


_RECEIVERS = (
    (signals.learner_enrolled, on_enrolled),
    (signals.lesson_opened, on_lesson_opened),
    (signals.check_answered, on_check_answered),
    (signals.lesson_completed, on_lesson_completed),
    (signals.course_completed, on_course_completed),
    (signals.assessment_started, on_assessment_started),
    (signals.decision_recorded, on_decision_recorded),
    (signals.assessment_finished, on_assessment_finished),
)


def connect() -> None:
    """Connect the receivers once per process (blinker keeps strong references here)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
