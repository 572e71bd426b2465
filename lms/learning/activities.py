"""Lesson activities (formats spec 1): check a learner's response, store it (revisable), count it toward the
lesson, and signal it. The words stay in lms_activity_response; xAPI gets the word count, never the text."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.content import Course, Lesson
from lms.content.hours import words
from lms.content.schema import ActivitySpec
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import ActivityResponse, Enrollment
from lms.learning.services import LearningError, note_time, open_lesson, progress_rows
from lms.privacy import CLIENT_DETAILS_REFUSAL, looks_like_client_details

MAX_CHARACTERS = 10_000  # per text box: a long reflection is about 1,500 characters


class ActivityError(LearningError):
    """A response that cannot be saved; `field` names the box it is about ("text", a worksheet field id,
    or "ticked"), so the form can show the message beside it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _text(value: Any, field: str, least: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_CHARACTERS:
        raise ActivityError(f"Keep this under {MAX_CHARACTERS:,} characters (it has {len(text):,}).", field)
    count = words(text)
    if count < least:
        raise ActivityError(f"Write at least {least} words here; so far there are {count}." if least > 1
                            else "Fill in this box.", field)
    if looks_like_client_details(text):
        raise ActivityError(CLIENT_DETAILS_REFUSAL, field)
    return text


def check_answers(activity: ActivitySpec, answers: Mapping[str, Any]) -> tuple[dict, int]:
    """The response to store and its word count; ActivityError when it does not meet the activity's rules."""
    if activity.kind == "reflection":
        text = _text(answers.get("text"), "text", activity.min_words or 1)
        return {"text": text}, words(text)
    if activity.kind == "worksheet":
        clean = {spec.id: _text(answers.get(spec.id), spec.id, spec.min_words or 1) for spec in activity.fields or ()}
        return clean, sum(words(text) for text in clean.values())
    checklist = activity.checklist or []
    try:
        ticked = sorted({int(i) for i in answers.get("ticked") or ()})
    except (TypeError, ValueError):
        raise ActivityError("That is not one of the steps.", "ticked") from None
    if any(i < 0 or i >= len(checklist) for i in ticked):
        raise ActivityError("That is not one of the steps.", "ticked")
    if len(ticked) != len(checklist):
        raise ActivityError(f"Tick every step once you have done it ({len(ticked)} of {len(checklist)} ticked).",
                            "ticked")
    return {"ticked": ticked}, 0


def find_response(enrollment: Enrollment, lesson_slug: str, activity_id: str) -> ActivityResponse | None:
    return db.scalar(select(ActivityResponse).where(
        ActivityResponse.enrollment_id == enrollment.id, ActivityResponse.lesson_slug == lesson_slug,
        ActivityResponse.activity_id == activity_id))


def submit_activity(enrollment: Enrollment, course: Course, lesson: Lesson, activity: ActivitySpec,
                    answers: Mapping[str, Any], opened_at: datetime | None = None) -> ActivityResponse:
    """Save (or revise) the learner's response. `opened_at` is when the page holding the form was served,
    for the statement's duration; None when unknown. Resubmitting the same response changes nothing."""
    clean, count = check_answers(activity, answers)
    now = utcnow()
    row = progress_rows(enrollment).get(lesson.slug) or open_lesson(enrollment, course, lesson)
    response = find_response(enrollment, lesson.slug, activity.id)
    if response is not None and response.answers == clean:
        return response  # a double submit, or nothing changed
    revision = response is not None
    if response is None:
        response = ActivityResponse(enrollment_id=enrollment.id, lesson_slug=lesson.slug, activity_id=activity.id,
                                    lesson_version=lesson.version, kind=activity.kind, answers=clean,
                                    word_count=count, revisions=0, submitted_at=now, updated_at=now)
        try:
            with db.begin_nested():  # a concurrent first submission wins; this one becomes a revision
                db.add(response)
        except IntegrityError:
            response = find_response(enrollment, lesson.slug, activity.id)
            assert response is not None
            revision = True
    if revision:
        response.answers, response.word_count, response.lesson_version = clean, count, lesson.version
        response.revisions += 1
        response.updated_at = now
    note_time(row, enrollment, now)
    enrollment.last_activity_at = now
    db.flush()
    seconds = max(0.0, (now - opened_at).total_seconds()) if opened_at is not None else None
    signals.activity_submitted.send(response, course=course, lesson=lesson, activity=activity,
                                    enrollment=enrollment, revision=revision, seconds=seconds)
    return response
