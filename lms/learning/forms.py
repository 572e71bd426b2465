"""Learning forms: a knowledge-check answer form built for each check, a form for each lesson activity, and
the signed "page served at" token that times an activity from page to submission."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.forms import options
from lms.content.schema import ActivitySpec, CheckSpec

PAGE_TOKEN_MAX_AGE = 4 * 3600  # a page open longer than this gives no duration (the learner was away)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def check_form(check: CheckSpec, **kwargs) -> FlaskForm:
    """A form whose `option` field offers the check's options by index."""
    choices = options((i, option.text) for i, option in enumerate(check.options))
    if check.type == "single":
        field = RadioField("Answer", choices=choices, coerce=int,
                           validators=[InputRequired("Choose an answer.")])
    else:
        field = MultiCheckboxField("Answers", choices=choices, coerce=int,
                                   validators=[InputRequired("Choose at least one answer.")])
    form_class = type("CheckForm", (FlaskForm,), {"option": field})
    return form_class(prefix=f"check-{check.id}", **kwargs)


def activity_form(activity: ActivitySpec, **kwargs) -> FlaskForm:
    """Fields: `text` (reflection), `field_0`.. (worksheet, in the file's order), or `ticked` (practice), plus
    `opened`, the page token. Word counts and the client-details screen are the service's (activities.py)."""
    fields: dict[str, Any] = {"opened": HiddenField()}
    if activity.kind == "reflection":
        fields["text"] = TextAreaField("Your response", description=f"At least {activity.min_words} words.",
                                       render_kw={"rows": 8})
    elif activity.kind == "worksheet":
        for i, spec in enumerate(activity.fields or ()):
            fields[f"field_{i}"] = TextAreaField(spec.label, render_kw={"rows": 4},
                                                 description=f"At least {spec.min_words} words." if spec.min_words
                                                 and spec.min_words > 1 else "")
    else:
        steps = options(enumerate(activity.checklist or ()))
        fields["ticked"] = MultiCheckboxField("What you have done", choices=steps, coerce=int, validate_choice=False)
    form_class = type("ActivityForm", (FlaskForm,), fields)
    return form_class(prefix=f"activity-{activity.id}", **kwargs)


def activity_answers(activity: ActivitySpec, form: FlaskForm) -> dict[str, Any]:
    """The submitted values keyed as the service expects them."""
    if activity.kind == "reflection":
        return {"text": form.text.data or ""}
    if activity.kind == "worksheet":
        return {spec.id: getattr(form, f"field_{i}").data or "" for i, spec in enumerate(activity.fields or ())}
    return {"ticked": form.ticked.data or []}


def activity_prefill(activity: ActivitySpec, answers: dict | None) -> dict[str, Any]:
    """Form data from a stored response, so a learner revises what they wrote."""
    if not answers:
        return {}
    if activity.kind == "reflection":
        return {"text": answers.get("text", "")}
    if activity.kind == "worksheet":
        return {f"field_{i}": answers.get(spec.id, "") for i, spec in enumerate(activity.fields or ())}
    return {"ticked": answers.get("ticked", [])}


def field_for(activity: ActivitySpec, field: str) -> str:
    """The form field a service error about `field` belongs to."""
    if activity.kind == "worksheet":
        ids = [spec.id for spec in activity.fields or ()]
        return f"field_{ids.index(field)}" if field in ids else "field_0"
    return "text" if activity.kind == "reflection" else "ticked"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="lms-lesson-page-served")


def page_token(enrollment_id: int, lesson_slug: str) -> str:
    """Signed, so the time an activity took cannot be made up; itsdangerous carries the time it was made."""
    return _serializer().dumps([enrollment_id, lesson_slug])


def page_served_at(token: str | None, enrollment_id: int, lesson_slug: str) -> datetime | None:
    """When the page with this token was served, or None if the token is missing, tampered with, for
    another page, or older than PAGE_TOKEN_MAX_AGE. A bad token never stops a submission."""
    if not token:
        return None
    try:
        value, served = _serializer().loads(token, max_age=PAGE_TOKEN_MAX_AGE, return_timestamp=True)
    except BadData:
        return None
    if value != [enrollment_id, lesson_slug]:
        return None
    return served.astimezone(UTC) if served.tzinfo else served.replace(tzinfo=UTC)
