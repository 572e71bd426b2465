"""Account forms. Every form is a FlaskForm, so every form carries a CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from lms.accounts.models import ROLES


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = options((role, role.capitalize()) for role in ROLES)


class ActionForm(FlaskForm):
    """A button that changes something: nothing but the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class NewPasswordMixin:
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description="At least 10 characters. A phrase of several words works well.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")])


class SignupForm(NewPasswordMixin, FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)],
                       description="As it should appear on your certificates.")
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])


class AcceptInviteForm(NewPasswordMixin, FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)],
                       description="As it should appear on your certificates.")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])


class ResetForm(NewPasswordMixin, FlaskForm):
    pass


# Admin ---------------------------------------------------------------------------------------

class UserCreateForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    organization = SelectField("Organization", coerce=int)
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)])


class UserEditForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    organization = SelectField("Organization", coerce=int)
    is_org_admin = BooleanField("Organization admin (sees everyone in the organization)")
    is_active = BooleanField("Active (can sign in)")


class AssignForm(FlaskForm):
    supervisor = SelectField("Supervisor", coerce=int)


class OrganizationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Short name", validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Lower-case letters, digits and hyphens only.")])


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    organization = SelectField("Organization", coerce=int, validators=[Optional()])
