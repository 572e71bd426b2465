"""Admin pages: users, organizations, invitations, supervisor assignment; admins only."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.db import session as db
from tests.conftest import post_form

ADMIN_PAGES = ("/admin/users", "/admin/users/new", "/admin/organizations", "/admin/invitations")


def test_admin_pages_refuse_everyone_but_admins(client, login_as, auth):
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 302  # anonymous: to login
    for role in ("trainee", "supervisor", "board"):
        login_as(role)
        for url in ADMIN_PAGES:
            assert client.get(url).status_code == 403, (role, url)
        auth.logout()
    login_as("admin")
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200


def test_admin_creates_organization_user_and_assigns_supervisor(client, app, login_as):
    login_as("admin")
    assert (
        post_form(
            client,
            "/admin/organizations",
            {"name": "Harbor Peer Center", "slug": "harbor"},
            token_from="/admin/organizations",
        ).status_code
        == 302
    )
    dup = post_form(
        client, "/admin/organizations", {"name": "Other", "slug": "harbor"}, token_from="/admin/organizations"
    )
    assert "already exists" in dup.get_data(as_text=True)
    with app.app_context():
        org_id = db.scalar(select(Organization.id).where(Organization.slug == "harbor"))
    for email, role in (("t@example.org", "trainee"), ("s@example.org", "supervisor")):
        response = post_form(
            client,
            "/admin/users/new",
            {"name": email, "email": email, "role": role, "organization": str(org_id), "password": "long enough pw"},
            token_from="/admin/users/new",
        )
        assert response.status_code == 302
    with app.app_context():
        trainee = db.scalar(select(User).where(User.email == "t@example.org"))
        supervisor = db.scalar(select(User).where(User.email == "s@example.org"))
        assert trainee.organization_id == org_id
    url = f"/admin/users/{trainee.id}/supervisors"
    assert post_form(client, url, {"supervisor": str(supervisor.id)}, token_from="/admin/users").status_code == 302
    post_form(client, url, {"supervisor": str(supervisor.id)}, token_from="/admin/users")  # twice: no duplicate
    with app.app_context():
        assert len(db.scalars(select(SupervisorAssignment)).all()) == 1
    page = client.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert supervisor.name in page
    listing = client.get("/admin/users?role=supervisor&q=s@").get_data(as_text=True)
    assert "s@example.org" in listing and "t@example.org" not in listing


def test_assigning_a_non_supervisor_is_refused(client, app, login_as, make_user):
    login_as("admin")
    trainee, other = make_user("trainee"), make_user("trainee")
    post_form(
        client, f"/admin/users/{trainee.id}/supervisors", {"supervisor": str(other.id)}, token_from="/admin/users"
    )
    with app.app_context():
        assert db.scalars(select(SupervisorAssignment)).all() == []


def test_admin_edits_and_deactivates_a_user_who_is_then_signed_out(app, login_as, make_user, client):
    trainee = make_user()
    trainee_client = app.test_client()
    post_form(trainee_client, "/login", {"email": trainee.email, "password": "correct horse battery"})
    assert trainee_client.get("/my-learning").status_code == 200
    login_as("admin")
    response = post_form(
        client,
        f"/admin/users/{trainee.id}",
        {"name": "Renamed", "role": "trainee", "organization": "0"},
        token_from="/admin/users",
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.get(User, trainee.id)
        assert user.name == "Renamed" and not user.is_active
    assert trainee_client.get("/my-learning").status_code == 302


def test_admin_cannot_demote_themself(client, app, login_as):
    admin = login_as("admin")
    response = post_form(
        client,
        f"/admin/users/{admin.id}",
        {"name": "Me", "role": "trainee", "organization": "0", "is_active": "y"},
        token_from="/admin/users",
    )
    assert "cannot remove your own admin role" in response.get_data(as_text=True)
    with app.app_context():
        assert db.get(User, admin.id).role == "admin"


def test_unknown_user_page_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404
