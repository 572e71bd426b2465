"""Forms for the certificate lifecycle pages: status changes, continuing education and its review."""
from __future__ import annotations

import math

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError


def _finite_hours(_form, field) -> None:
    # FloatField accepts "nan" and "inf" (Python's float() does); they are not hours.
    if field.data is None or not math.isfinite(field.data):
        raise ValidationError("Enter the hours as a number, for example 1.5.")
    if field.data <= 0 or field.data > 24:
        raise ValidationError("Hours must be more than 0 and at most 24.")


class StatusForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason; it is kept in the audit log."),
                                                 Length(max=1000)],
                           description="Kept in the audit log, sent to the holder and shown on the verification "
                                       "page. No client or health details.")


class ContinuingEducationForm(FlaskForm):
    title = StringField("Course or event", validators=[DataRequired("Give the title of the course or event."),
                                                       Length(max=200)])
    provider = StringField("Provider (optional)", validators=[Length(max=200)])
    completed_on = DateField("Date completed", validators=[InputRequired("Enter the date you completed it.")])
    hours = FloatField("Hours", validators=[InputRequired("Enter the hours as a number, for example 1.5."),
                                            _finite_hours],
                       description="Up to 24 in a day, across everything you record for that day.")
    ethics = BooleanField("Counts toward ethics hours")


class CEReviewForm(FlaskForm):
    decision = StringField(validators=[AnyOf(("approve", "return"), message="Choose approve or return.")])
    comment = TextAreaField("Comment", validators=[Length(max=2000)],
                            description="Required when you return the hours, so they can be corrected.")
