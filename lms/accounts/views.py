"""Sign-up, login, logout, invitations, password change and reset."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests

from lms.accounts import services
from lms.accounts.auth import end_session, start_session
from lms.accounts.forms import (
    AcceptInviteForm,
    ActionForm,
    ChangePasswordForm,
    LoginForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
)
from lms.db import session as db
from lms.mail import send_mail
from lms.web.access import login_required, public
from lms.web.blueprint import bp
from lms.web.util import client_ip, external_url, safe_next

RESET_SENT = ("If an account exists for that address, we have sent it a link to reset the password. "
              "The link works for one hour.")


def _throttle(limit_key: str, *checks: tuple[str, str]) -> None:
    """Count this request against each (scope, key); 429 with Retry-After once one is used up."""
    limiter = current_app.extensions["lms"].limiter
    limit = current_app.config[limit_key]
    for scope, key in checks:
        if not limiter.hit(scope, key, limit):
            raise TooManyRequests(retry_after=limiter.retry_after(scope, key, limit))


@bp.route("/login", methods=["GET", "POST"])
@public
def accounts_login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = services.normalize_email(form.email.data)
        _throttle("LMS_RATELIMIT_LOGIN", ("login-ip", client_ip()), ("login-email", email))
        user = services.authenticate(email, form.password.data)
        if user is None:
            # One message for unknown e-mail and wrong password: no account enumeration.
            form.password.errors.append("The e-mail address or password is not correct.")
        else:
            db.commit()
            start_session(session, user)
            return redirect(safe_next(form.next.data) or url_for("lms.learning_home"))
    return render_template("lms/accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def accounts_logout():
    if ActionForm().validate_on_submit():
        end_session(session)
        flash("You are signed out.", "info")
    return redirect(url_for("lms.accounts_login"))


@bp.route("/signup", methods=["GET", "POST"])
@public
def accounts_signup():
    if current_app.config["LMS_SIGNUP"] != "open":
        return render_template("lms/accounts/signup_closed.html"), 403
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data, via="signup")
        except services.AccountError as exc:
            _attach_error(form, exc)
        else:
            db.commit()
            start_session(session, user)
            flash("Welcome! Your account is ready. Choose a course to begin.", "success")
            return redirect(url_for("lms.learning_catalog"))
    return render_template("lms/accounts/signup.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accounts_accept_invite(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("lms/accounts/invite_invalid.html"), 404
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(invitation, form.name.data, form.password.data)
        except services.AccountError as exc:
            _attach_error(form, exc)
        else:
            db.commit()
            start_session(session, user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("lms.learning_home"))
    return render_template("lms/accounts/accept_invite.html", form=form, invitation=invitation)


@bp.route("/account")
@login_required
def accounts_profile():
    supervisors = services.supervisors_of(g.lms_user) if g.lms_user.role == "trainee" else []
    return render_template("lms/accounts/profile.html", supervisors=supervisors, logout_form=ActionForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def accounts_change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(g.lms_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            target = form.current if "current" in str(exc) else form.password
            target.errors.append(str(exc))
        else:
            db.commit()
            start_session(session, g.lms_user)  # keep this session; others end
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("lms.accounts_profile"))
    return render_template("lms/accounts/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@public
def accounts_reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        # Per account too: many addresses cannot be used to flood one person's mailbox.
        _throttle("LMS_RATELIMIT_RESET", ("reset-ip", client_ip()),
                  ("reset-email", services.normalize_email(form.email.data)))
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            link = external_url("lms.accounts_reset", token=services.make_reset_token(user))
            send_mail(user.email, "Reset your password",
                      f"Someone asked to reset the password for this account.\n\nTo choose a new "
                      f"password, open:\n{link}\n\nThe link works for one hour. If it wasn't you, "
                      f"ignore this message; your password stays the same.")
        flash(RESET_SENT, "info")
        return redirect(url_for("lms.accounts_login"))
    return render_template("lms/accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def accounts_reset(token: str):
    user = services.user_from_reset_token(token)
    if user is None:
        return render_template("lms/accounts/reset_invalid.html"), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.commit()
            end_session(session)
            flash("Your password is changed. Sign in with the new password.", "success")
            return redirect(url_for("lms.accounts_login"))
    return render_template("lms/accounts/reset.html", form=form)


def _attach_error(form, exc: services.AccountError) -> None:
    message = str(exc)
    field = form.email if "e-mail" in message and hasattr(form, "email") else form.password
    field.errors.append(message)
