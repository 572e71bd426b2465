"""Admin pages: users, organizations, invitations and supervisor assignment."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from lms.accounts import services
from lms.accounts.forms import (
    ActionForm,
    AssignForm,
    InviteForm,
    OrganizationForm,
    UserCreateForm,
    UserEditForm,
    options,
)
from lms.accounts.models import ROLES, Invitation, Organization, User
from lms.db import session as db
from lms.db import utcnow
from lms.web.access import roles_required
from lms.web.blueprint import bp
from lms.web.pagination import paginate
from lms.web.util import external_url

admin_only = roles_required("admin")


def _org_choices(blank: str = "No organization") -> list[tuple[int, str]]:
    orgs = db.scalars(select(Organization).order_by(Organization.name))
    return options([(0, blank)] + [(org.id, org.name) for org in orgs])


def _org_or_none(org_id: int | None) -> Organization | None:
    return db.get(Organization, org_id) if org_id else None


@bp.route("/admin/users")
@admin_only
def admin_users():
    query = select(User).order_by(User.name)
    role = request.args.get("role", "")
    if role in ROLES:
        query = query.where(User.role == role)
    org_id = request.args.get("org", type=int)
    if org_id:
        query = query.where(User.organization_id == org_id)
    q = request.args.get("q", "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template("lms/admin/users.html", page=page, roles=ROLES, role=role, q=q,
                           org_id=org_id, orgs=_org_choices("All organizations"))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_only
def admin_user_create():
    form = UserCreateForm()
    form.organization.choices = _org_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        role=form.role.data, organization=_org_or_none(form.organization.data))
        except services.AccountError as exc:
            (form.email if "e-mail" in str(exc) else form.password).errors.append(str(exc))
        else:
            db.commit()
            flash(f"Account created for {user.name}.", "success")
            return redirect(url_for("lms.admin_user_edit", user_id=user.id))
    return render_template("lms/admin/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def admin_user_edit(user_id: int):
    user = db.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user, organization=user.organization_id or 0)
    form.organization.choices = _org_choices()
    if form.validate_on_submit():
        if user.id == g.lms_user.id and (form.role.data != "admin" or not form.is_active.data):
            form.role.errors.append("You cannot remove your own admin role or deactivate yourself.")
        else:
            user.name, user.role = form.name.data.strip(), form.role.data
            user.organization_id = form.organization.data or None
            user.is_org_admin, user.is_active = form.is_org_admin.data, form.is_active.data
            if not user.is_active:
                user.session_version += 1  # sign the user out everywhere
            db.commit()
            flash("Saved.", "success")
            return redirect(url_for("lms.admin_user_edit", user_id=user.id))
    assign_form = AssignForm()
    supervisors = db.scalars(select(User).where(User.role == "supervisor").order_by(User.name))
    assign_form.supervisor.choices = options((s.id, f"{s.name} ({s.email})") for s in supervisors)
    return render_template("lms/admin/user_edit.html", user=user, form=form, assign_form=assign_form,
                           assigned=services.supervisors_of(user) if user.role == "trainee" else [],
                           supervising=services.trainees_of(user) if user.role == "supervisor" else [],
                           action_form=ActionForm())


@bp.route("/admin/users/<int:user_id>/supervisors", methods=["POST"])
@admin_only
def admin_assign_supervisor(user_id: int):
    trainee = db.get(User, user_id) or abort(404)
    form = AssignForm()
    form.supervisor.choices = options((u.id, u.name) for u in db.scalars(select(User).where(User.role == "supervisor")))
    if form.validate_on_submit():
        supervisor = db.get(User, form.supervisor.data)
        try:
            services.assign_supervisor(supervisor, trainee)
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.commit()
            flash(f"{supervisor.name} now supervises {trainee.name}.", "success")
    else:
        flash("Choose a supervisor from the list.", "error")
    return redirect(url_for("lms.admin_user_edit", user_id=trainee.id))


@bp.route("/admin/users/<int:user_id>/supervisors/<int:supervisor_id>/remove", methods=["POST"])
@admin_only
def admin_unassign_supervisor(user_id: int, supervisor_id: int):
    if ActionForm().validate_on_submit() and services.unassign_supervisor(supervisor_id, user_id):
        db.commit()
        flash("Supervisor removed.", "success")
    return redirect(url_for("lms.admin_user_edit", user_id=user_id))


@bp.route("/admin/organizations", methods=["GET", "POST"])
@admin_only
def admin_organizations():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            services.create_organization(form.slug.data, form.name.data)
        except services.AccountError as exc:
            form.slug.errors.append(str(exc))
        else:
            db.commit()
            flash(f"Organization {form.name.data} created.", "success")
            return redirect(url_for("lms.admin_organizations"))
    counts = dict(db.execute(select(User.organization_id, func.count()).group_by(User.organization_id)).all())
    orgs = db.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("lms/admin/organizations.html", orgs=orgs, counts=counts, form=form)


@bp.route("/admin/organizations/<int:org_id>", methods=["GET", "POST"])
@admin_only
def admin_organization_edit(org_id: int):
    org = db.get(Organization, org_id) or abort(404)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        clash = db.scalar(select(Organization).where(Organization.slug == form.slug.data, Organization.id != org.id))
        if clash:
            form.slug.errors.append(f"An organization with the short name '{form.slug.data}' already exists.")
        else:
            org.name, org.slug = form.name.data.strip(), form.slug.data
            db.commit()
            flash("Saved.", "success")
            return redirect(url_for("lms.admin_organizations"))
    members = db.scalars(select(User).where(User.organization_id == org.id).order_by(User.role, User.name)).all()
    return render_template("lms/admin/organization_edit.html", org=org, form=form, members=members)


@bp.route("/admin/invitations", methods=["GET", "POST"])
@admin_only
def admin_invitations():
    form = InviteForm()
    form.organization.choices = _org_choices()
    link = None
    if form.validate_on_submit():
        try:
            invitation, token = services.create_invitation(
                form.email.data, form.role.data, _org_or_none(form.organization.data), g.lms_user)
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.commit()
            link = external_url("lms.accounts_accept_invite", token=token)
            from lms.mail import send_mail

            send_mail(invitation.email, "You are invited to peer recovery training",
                      f"You have been invited to join as a {invitation.role}.\n\nCreate your account here:"
                      f"\n{link}\n\nThe link works until {invitation.expires_at:%d %B %Y}.")
            flash("Invitation created and sent. You can also copy the link below.", "success")
    pending = db.scalars(select(Invitation).where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                                  Invitation.expires_at > utcnow())
                         .order_by(Invitation.created_at.desc())).all()
    return render_template("lms/admin/invitations.html", form=form, link=link, pending=pending,
                           action_form=ActionForm())


@bp.route("/admin/invitations/<int:invitation_id>/revoke", methods=["POST"])
@admin_only
def admin_invitation_revoke(invitation_id: int):
    invitation = db.get(Invitation, invitation_id) or abort(404)
    if ActionForm().validate_on_submit():
        services.revoke_invitation(invitation)
        db.commit()
        flash(f"Invitation for {invitation.email} revoked.", "success")
    return redirect(url_for("lms.admin_invitations"))
