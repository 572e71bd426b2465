"""Admin forms for LRS clients. Every form is a FlaskForm, so every form carries a CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from lms.accounts.forms import options
from lms.xapi.clients import DEFAULT_SCOPES, SCOPES

SCOPE_HINTS = {
    "statements/write": "send statements",
    "statements/read/mine": "read the statements this client sent",
    "statements/read": "read every statement",
    "state": "read and write state documents",
    "define": "define activities and agents",
    "profile": "read and write profile documents",
    "all/read": "read everything",
    "all": "everything",
}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LRSClientForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)],
                       description="Who uses these credentials, for example \"Reporting dashboard\".")
    scopes = MultiCheckboxField("Scopes", choices=options((s, f"{s} ({SCOPE_HINTS[s]})") for s in SCOPES),
                                default=list(DEFAULT_SCOPES))

    def validate_scopes(self, field: MultiCheckboxField) -> None:
        # Not DataRequired: that would mark every checkbox `required`, and browsers would demand all of them.
        if not field.data:
            raise ValidationError("Choose at least one scope.")
