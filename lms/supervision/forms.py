"""Supervision forms: competency rating, observed-practice rubric, practice hours, review, sign-off."""
from __future__ import annotations

import math

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from lms.accounts.forms import options
from lms.content.models import Framework
from lms.privacy import CLIENT_DETAILS_WARNING  # noqa: F401  (re-exported for the views)
from lms.supervision.services import LOG_KINDS, OBSERVATION_CRITERIA

CRITERION_LABELS = {
    "safety": "Safety",
    "scope": "Scope of practice",
    "confidentiality": "Confidentiality",
    "recovery-oriented-language": "Recovery-oriented language",
    "motivational-interviewing": "Motivational interviewing skills",
}
KIND_LABELS = {"practice": "Practice (volunteer or paid peer work)", "supervision": "Supervision received"}


def level_choices(framework: Framework) -> list:
    # A blank first option, so nobody saves the lowest level by not touching the list.
    return options([("", "Choose a level")] + [(level.id, level.label) for level in framework.scale.levels])


def _finite_hours(_form, field) -> None:
    # FloatField accepts "nan" and "inf" (Python's float() does); they are not hours.
    if field.data is None or not math.isfinite(field.data):
        raise ValidationError("Enter the hours as a number, for example 2.5.")
    if field.data <= 0 or field.data > 24:
        raise ValidationError("Hours must be more than 0 and at most 24.")


def _field_name(criterion: str) -> str:
    return criterion.replace("-", "_")


class RatingForm(FlaskForm):
    """One per competency on the page, told apart by prefix (the competency id)."""

    level = SelectField("Level", validators=[InputRequired("Choose a level.")])
    comment = TextAreaField("Comment (optional)", validators=[Length(max=2000)])

    def __init__(self, framework: Framework, **kwargs):
        super().__init__(**kwargs)
        self.level.choices = level_choices(framework)


class ObservationForm(FlaskForm):
    observed_on = DateField("Date observed", validators=[InputRequired("Enter the date of the observation.")])
    comment = TextAreaField("Comment (optional)", validators=[Length(max=4000)],
                            description="What went well and what to work on. No client details.")

    def __init__(self, framework: Framework, **kwargs):
        super().__init__(**kwargs)
        for criterion in OBSERVATION_CRITERIA:
            self[_field_name(criterion)].choices = level_choices(framework)

    def criteria(self) -> list:
        return [self[_field_name(c)] for c in OBSERVATION_CRITERIA]

    def scores(self) -> dict[str, str]:
        return {c: self[_field_name(c)].data for c in OBSERVATION_CRITERIA}


for _criterion in OBSERVATION_CRITERIA:
    setattr(ObservationForm, _field_name(_criterion),
            SelectField(CRITERION_LABELS[_criterion], validators=[InputRequired("Choose a level.")]))


class HoursForm(FlaskForm):
    worked_on = DateField("Date", validators=[InputRequired("Enter the date of the work.")])
    hours = FloatField("Hours", validators=[InputRequired("Enter the hours as a number, for example 2.5."),
                                            _finite_hours],
                       description="Up to 24 in a day, across all your logs for that day.")
    kind = SelectField("Kind", choices=options((k, KIND_LABELS[k]) for k in LOG_KINDS))
    domain = SelectField("IC&RC domain")
    activity = StringField("Activity type", validators=[DataRequired("Say briefly what the activity was."),
                                                        Length(max=200)],
                           description="For example: one-to-one peer support, group facilitation, "
                                       "individual supervision.")
    reflection = TextAreaField("Reflection (optional)", validators=[Length(max=4000)])

    def __init__(self, framework: Framework, **kwargs):
        super().__init__(**kwargs)
        self.domain.choices = options(framework.domain_names.items())


class ReviewForm(FlaskForm):
    decision = StringField(validators=[AnyOf(("approve", "return"), message="Choose approve or return.")])
    comment = TextAreaField("Comment", validators=[Length(max=2000)],
                            description="Required when you return the hours, so the trainee can correct them.")


class SignOffForm(FlaskForm):
    program = SelectField("Program", validators=[InputRequired("Choose a program.")])
    statement = TextAreaField("Statement", validators=[DataRequired("Write the sign-off statement."),
                                                       Length(max=4000)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Reason for withdrawing", validators=[DataRequired("Give the reason for withdrawing."),
                                                                  Length(max=2000)])
