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
from lms.xapi.vocabulary import PLATFORM, ActivityType, Extension, OwnVerb, Verb

LANGUAGE = "en-US"


def base() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def actor(user) -> dict:
    """An account-identified Agent: an opaque learner id, no e-mail, no name unless opted in."""
    agent = {"objectType": "Agent", "account": {"homePage": base(), "name": user.learner_id}}
    if current_app.config["LMS_XAPI_ACTOR_NAMES"]:
        agent["name"] = user.name
    return agent


def free_text(text: str | None) -> str | None:
    """Personal words a supervisor wrote (a comment, a statement, a reason), or None: they go into statements,
    which every statements/read client and the forwarding target can read, only with LMS_XAPI_FREE_TEXT."""
    return text if text and current_app.config["LMS_XAPI_FREE_TEXT"] else None


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
            grouping: list[dict] | None = None, other: list[dict] | None = None) -> dict:
    ctx: dict = {"registration": registration, "platform": PLATFORM, "language": LANGUAGE,
                 "extensions": {f"{base()}/{Extension.CONTENT_VERSION}": version}}
    lists = {name: [{"objectType": "Activity", "id": a["id"]} for a in items]
             for name, items in (("parent", parent), ("grouping", grouping), ("other", other)) if items}
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


def seconds_duration(seconds: float) -> str:
    """An ISO 8601 duration in seconds, to 0.01 s (xAPI Data 4.6)."""
    return f"PT{max(seconds, 0.0):.2f}S"


def on_activity_submitted(response, course, lesson, enrollment, revision=False, seconds=None, **kwargs) -> None:
    """`completed` on the first submission, `responded` on a revision. The learner's words are personal free
    text and stay in the LMS: the statement carries the word count, the duration and the revision number."""
    spec = kwargs["activity"]  # the signal's `activity` kwarg; the name is taken by activity() here
    kind = ActivityType.PERFORMANCE if spec.kind == "practice" else ActivityType.WRITTEN
    obj = activity(f"{lesson_iri(course.slug, lesson.slug)}/activity/{spec.id}", kind, spec.title,
                   extensions={own(Extension.ACTIVITY_KIND): spec.kind})
    result: dict = {"completion": True, "extensions": {own(Extension.WORD_COUNT): response.word_count,
                                                         own(Extension.REVISION): response.revisions}}
    if seconds is not None:
        result["duration"] = seconds_duration(seconds)
    competencies = [{"id": competency_iri(c)} for c in spec.competencies]
    record({"actor": actor(enrollment.user), "verb": verb(Verb.RESPONDED if revision else Verb.COMPLETED),
            "object": obj, "result": result,
            "context": context(enrollment.registration, lesson.version, parent=[lesson_activity(course, lesson)],
                               grouping=[course_activity(course)], other=competencies)},
           when=response.updated_at)


def on_lesson_completed(progress, course, lesson, enrollment, **_) -> None:
    result: dict = {"completion": True}
    if progress.active_seconds:  # time on task from page timings (docs/hours.md); none when never timed
        result["duration"] = seconds_duration(progress.active_seconds)
    record({"actor": actor(enrollment.user), "verb": verb(Verb.COMPLETED), "object": lesson_activity(course, lesson),
            "result": result,
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


# Certificates --------------------------------------------------------------------------------

def certificate_activity(cert, name: str | None = None) -> dict:
    """The program's achievement: the same activity for every holder, as with a course."""
    name = name or (cert.snapshot or {}).get("program_name") or cert.program
    return activity(f"{base()}/xapi/activities/certificate/{cert.program}", ActivityType.CERTIFICATE, name)


def _certificate_context(cert, **extensions) -> dict:
    values = {f"{base()}/{Extension.CERTIFICATE_NUMBER}": cert.number}
    values.update({f"{base()}/{key}": value for key, value in extensions.items()})
    return {"platform": PLATFORM, "language": LANGUAGE, "extensions": values}


def on_certificate_issued(cert, program=None, replaces=None, **_) -> None:
    """The holder earned the program's certificate (a first award, a renewal or a re-issue)."""
    from lms.accounts.models import User

    extra = {Extension.REPLACES: replaces.number} if replaces is not None else {}
    record({"actor": actor(db.get(User, cert.user_id)), "verb": verb(Verb.EARNED),
            "object": certificate_activity(cert, getattr(program, "name", None)),
            "context": _certificate_context(cert, **extra)}, when=cert.issued_at)


def on_certificate_status_changed(cert, action=None, **kwargs) -> None:
    """A revocation, by the administrator or board member who revoked it; the holder is in the
    context. The reason stays out: it can be personal, and the LRS is not the audit log."""
    from lms.accounts.models import User

    by = kwargs.get("actor")  # the signal's `actor` kwarg; the name is taken by actor() here
    if action != "revoked" or by is None:
        return
    holder = actor(db.get(User, cert.user_id))
    record({"actor": actor(by), "verb": verb(Verb.REVOKED), "object": certificate_activity(cert),
            "context": _certificate_context(cert, **{Extension.HOLDER: holder})}, when=cert.status_changed_at)


# Supervision ---------------------------------------------------------------------------------
# The supervisor is the actor: they rated, reviewed or attested. The trainee the statement is about
# goes in context.team as an anonymous Group of one: Data 2.4.6 defines team as the "Team that this
# Statement relates to, if not included as the Actor", and an anonymous Group needs only its member
# list (Data 2.4.2.2). context.instructor would name the wrong role. Unlike a context extension
# holding the agent, team is searchable: Communication 2.1.3 matches a Group whose member matches the
# `agent` filter, and related_agents=true includes Team, so
# GET /statements?agent=<trainee>&related_agents=true finds what supervisors recorded about them.

def own(path: str) -> str:
    return f"{base()}/{path}"


def competency_iri(competency_id: str) -> str:
    return f"{base()}/xapi/activities/competency/{competency_id}"


def _supervision_context(trainee, grouping: list[str] | None = None, **extensions) -> dict:
    framework = current_app.extensions["lms"].catalog.framework
    ctx: dict = {"team": {"objectType": "Group", "member": [actor(trainee)]}, "platform": PLATFORM,
                 "language": LANGUAGE,
                 "extensions": {own(Extension.CONTENT_VERSION): framework.version,
                                **{own(key): value for key, value in extensions.items()}}}
    if grouping:
        ctx["contextActivities"] = {"grouping": [{"objectType": "Activity", "id": iri} for iri in grouping]}
    return ctx


def on_competency_rated(evidence, trainee, supervisor, **_) -> None:
    framework = current_app.extensions["lms"].catalog.framework
    competency = framework.competencies[evidence.competency_id]
    levels = [level.id for level in framework.scale.levels]
    position = levels.index(evidence.level)
    # score.scaled is the level's position on the scale: 0 for the lowest, 1 for the highest.
    result: dict = {"score": {"scaled": round(position / (len(levels) - 1), 4), "raw": position, "min": 0,
                              "max": len(levels) - 1},
                    "success": framework.is_proficient(evidence.level),
                    "extensions": {own(Extension.LEVEL): evidence.level}}
    if free_text(evidence.comment):
        result["response"] = evidence.comment
    extensions = {Extension.EVIDENCE_SOURCE: evidence.source}
    if evidence.source == "observation" and evidence.source_ref:
        extensions[Extension.OBSERVATION] = evidence.source_ref
    record({"actor": actor(supervisor), "verb": verb(Verb.SCORED),
            "object": activity(competency_iri(competency.id), ActivityType.COMPETENCY, competency.name,
                               description={LANGUAGE: competency.description}),
            "result": result,
            "context": _supervision_context(trainee, [f"{base()}/xapi/activities/framework/{competency.framework}"],
                                            **extensions)}, when=evidence.created_at)


def _hours_duration(hours: float) -> str:
    return f"PT{round(hours * 3600, 2):g}S"


def on_hours_reviewed(log, reviewer, approved, **_) -> None:
    from lms.accounts.models import User

    trainee = db.get(User, log.trainee_id)
    kind = "Supervision" if log.kind == "supervision" else "Practice"
    # The name says only kind and date: the activity text is the trainee's own words and stays in the LMS.
    obj = activity(f"{base()}/xapi/activities/practice-log/{log.id}", ActivityType.PERFORMANCE,
                   f"{kind} hours on {log.worked_on.isoformat()}")
    result: dict = {"success": bool(approved), "duration": _hours_duration(log.hours)}
    if free_text(log.review_comment):
        result["response"] = log.review_comment
    chosen = verb(Verb.APPROVED) if approved else verb((own(OwnVerb.RETURNED[0]), OwnVerb.RETURNED[1]))
    record({"actor": actor(reviewer), "verb": chosen, "object": obj, "result": result,
            "context": _supervision_context(trainee, **{Extension.PRACTICE_KIND: log.kind,
                                                        Extension.ICRC_DOMAIN: log.domain})},
           when=log.reviewed_at)


def on_signed_off(row, trainee, supervisor, withdrawn, **_) -> None:
    programs = getattr(current_app.extensions["lms"], "programs", None) or {}
    program = programs.get(row.program)
    obj = activity(f"{base()}/xapi/activities/program/{row.program}", own(ActivityType.PROGRAM),
                   program.name if program else row.program)
    pair = OwnVerb.WITHDREW if withdrawn else OwnVerb.ATTESTED
    statement = {"actor": actor(supervisor), "verb": verb((own(pair[0]), pair[1])), "object": obj,
                 "context": _supervision_context(trainee)}
    words = free_text(row.withdrawn_reason if withdrawn else row.statement)
    if words:
        statement["result"] = {"response": words}
    record(statement, when=row.withdrawn_at if withdrawn else row.signed_at)


_RECEIVERS = (
    (signals.learner_enrolled, on_enrolled),
    (signals.lesson_opened, on_lesson_opened),
    (signals.check_answered, on_check_answered),
    (signals.activity_submitted, on_activity_submitted),
    (signals.lesson_completed, on_lesson_completed),
    (signals.course_completed, on_course_completed),
    (signals.assessment_started, on_assessment_started),
    (signals.decision_recorded, on_decision_recorded),
    (signals.assessment_finished, on_assessment_finished),
    (signals.competency_rated, on_competency_rated),
    (signals.hours_reviewed, on_hours_reviewed),
    (signals.signed_off, on_signed_off),
    (signals.certificate_issued, on_certificate_issued),
    (signals.certificate_status_changed, on_certificate_status_changed),
)


def connect() -> None:
    """Connect the receivers once per process (blinker keeps strong references here)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
