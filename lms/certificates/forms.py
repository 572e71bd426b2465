"""Certificate forms: manual issue, re-issue, and the code-of-ethics attestation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length


class IssueForm(FlaskForm):
    email = EmailField("Holder's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    program = SelectField("Program", validators=[InputRequired()])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)],
                           description="Why this certificate is issued by hand. It is kept in its history.")


class ReissueForm(FlaskForm):
    reason = TextAreaField("Reason for re-issuing", validators=[DataRequired(), Length(max=2000)],
                           description="For example a corrected name. The new certificate keeps the award date "
                                       "and expiry; the old one is marked superseded.")


class AttestForm(FlaskForm):
    agree = BooleanField("I have read the code of ethics above and I will follow it.",
                         validators=[DataRequired("Tick the box to attest.")])
