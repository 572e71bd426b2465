"""Doing lesson activities like a browser: read the form's hidden fields from the lesson page, post answers."""
from __future__ import annotations

import re

from lms.content.schema import ActivitySpec

SENTENCE = "Slowing down and listening helped me notice what the other person needed. "  # 12 words


def words_of(n: int) -> str:
    """Text of at least `n` words, with nothing a client-details screen would catch."""
    return (SENTENCE * (n // 12 + 1)).strip()


def valid_answers(activity: ActivitySpec) -> dict:
    """Form values (without the prefix) that meet the activity's rules."""
    if activity.kind == "reflection":
        return {"text": words_of(activity.min_words or 1)}
    if activity.kind == "worksheet":
        return {f"field_{i}": words_of(spec.min_words or 1) for i, spec in enumerate(activity.fields or ())}
    return {"ticked": [str(i) for i in range(len(activity.checklist or ()))]}


def hidden(html: str, activity: ActivitySpec) -> dict:
    """The form's csrf_token and page token, as served."""
    values = {}
    for name in ("csrf_token", "opened"):
        match = re.search(rf'name="activity-{activity.id}-{name}" type="hidden" value="([^"]*)"', html)
        assert match, f"no {name} for activity {activity.id}"
        values[name] = match.group(1)
    return values


def lesson_url(course, lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.slug}"


def submit(client, course, lesson, activity: ActivitySpec, answers: dict | None = None, page: str | None = None,
           **overrides):
    """POST the activity's form: `answers` (default: valid ones) plus the hidden fields from `page` (default:
    a fresh GET of the lesson); `overrides` replace hidden fields (e.g. csrf_token=None drops it)."""
    page = page if page is not None else client.get(lesson_url(course, lesson)).get_data(as_text=True)
    fields = {**hidden(page, activity), **overrides}
    data = {f"activity-{activity.id}-{k}": v for k, v in {**fields, **(answers or valid_answers(activity))}.items()
            if v is not None}
    return client.post(f"{lesson_url(course, lesson)}/activities/{activity.id}", data=data)


def service_answers(activity: ActivitySpec) -> dict:
    """Answers keyed as lms.learning.activities.submit_activity takes them, meeting the activity's rules."""
    if activity.kind == "reflection":
        return {"text": words_of(activity.min_words or 1)}
    if activity.kind == "worksheet":
        return {spec.id: words_of(spec.min_words or 1) for spec in activity.fields or ()}
    return {"ticked": list(range(len(activity.checklist or ())))}


def do_activities(enrollment, course, lesson) -> None:
    """Submit every activity of `lesson` through the real service (and its signals)."""
    from lms.learning.activities import submit_activity

    for activity in lesson.activities:
        submit_activity(enrollment, course, lesson, activity, service_answers(activity))
