"""`flask lms ...` commands, each a thin wrapper over a service."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.content import ContentErrors, load_catalog

lms_cli = AppGroup("lms", help="Peer-recovery LMS commands.")


def _state():
    return current_app.extensions["lms"]


@lms_cli.command("db-upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the LMS's schema migrations."""
    from lms.migrations import current_revision, upgrade

    engine = _state().db.engine
    upgrade(engine, revision)
    click.echo(f"Database at revision {current_revision(engine)} ({engine.url.render_as_string()}).")


@lms_cli.command("check-content")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Check another curricula folder instead of the configured one.")
def check_content(path: Path | None) -> None:
    """Validate every content file; print problems as file:line: problem."""
    root = path or Path(current_app.config["LMS_CURRICULA_DIR"])
    try:
        catalog = load_catalog(root)
    except ContentErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(exc.errors)} problem(s) found.", err=True)
        sys.exit(1)
    lessons = sum(len(c.lessons) for c in catalog.courses.values())
    checks = sum(len(lesson.checks) for c in catalog.courses.values() for lesson in c.lessons)
    click.echo(f"Content OK: {len(catalog.courses)} courses, {lessons} lessons, {checks} knowledge checks, "
               f"{len(catalog.framework.competencies)} competencies.")
    for course in catalog.courses.values():
        words = sum(lesson.word_count for lesson in course.lessons)
        click.echo(f"  {course.slug}: {len(course.lessons)} lessons, {words} words, "
                   f"{course.total_hours:g} h ({course.version})")


@lms_cli.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Migrate the database and check the content."""
    ctx.invoke(db_upgrade)
    ctx.invoke(check_content)


@lms_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["trainee", "supervisor", "board", "admin"]), required=True)
@click.option("--password", default=None, help="Prompted for when omitted.")
@click.option("--name", default=None, help="Full name (defaults to the part of the e-mail before @).")
@click.option("--org", "org_slug", default=None, help="Organization short name.")
def create_user(email: str, role: str, password: str | None, name: str | None, org_slug: str | None) -> None:
    """Create an account."""
    from sqlalchemy import select

    from lms.accounts import services
    from lms.accounts.models import Organization
    from lms.db import session as db

    org = None
    if org_slug:
        org = db.scalar(select(Organization).where(Organization.slug == org_slug))
        if org is None:
            raise click.UsageError(f"No organization with the short name '{org_slug}'.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, name or email.split("@")[0], password, role=role,
                                    organization=org, via="cli")
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@lms_cli.command("demo")
def demo() -> None:
    """Load a demo organization, an admin, two supervisors and six trainees; print the logins."""
    from lms.demo import DEMO_PASSWORD, load_demo

    users = load_demo()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.role:<10} {user.email:<34} {user.name}")
