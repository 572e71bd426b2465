"""Learning forms: a knowledge-check answer form built for each check."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.forms import options
from lms.content.schema import CheckSpec


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
