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
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    if before is not None and before < "0004" <= (after or ""):
        # 0004 adds the dashboard's per-trainee summary: fill it from the existing events.
        from lms.db import session as db
        from lms.supervision.summary import rebuild_summaries

        count = rebuild_summaries()
        db.commit()
        click.echo(f"Dashboard summaries built for {count} trainee(s).")
    click.echo(f"Database at revision {after} ({engine.url.render_as_string()}).")


@lms_cli.command("check-content")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Check another curricula folder instead of the configured one.")
def check_content(path: Path | None) -> None:
    """Validate every content file; print problems as file:line: problem, and the computed hours."""
    root = path or Path(current_app.config["LMS_CURRICULA_DIR"])
    catalog = _or_exit(lambda: load_catalog(root), "")
    lessons = sum(len(c.lessons) for c in catalog.courses.values())
    checks = sum(len(lesson.checks) for c in catalog.courses.values() for lesson in c.lessons)
    activities = sum(len(lesson.activities) for c in catalog.courses.values() for lesson in c.lessons)
    click.echo(f"Content OK: {len(catalog.courses)} courses, {lessons} lessons, {checks} knowledge checks, "
               f"{activities} activities, {len(catalog.sessions)} live-session templates, "
               f"{len(catalog.framework.competencies)} competencies.")
    for course in catalog.courses.values():
        words = sum(lesson.word_count for lesson in course.lessons)
        click.echo(f"  {course.slug}: {len(course.lessons)} lessons, {words} words, "
                   f"{course.total_hours:g} h declared ({course.version})")
    from lms.assessments.loader import load_assessments

    assessments = _or_exit(lambda: load_assessments(Path(current_app.config["LMS_ASSESSMENTS_DIR"]),
                                                    catalog.framework, catalog.courses), " in the assessments")
    click.echo(f"Assessments OK: {len(assessments.scenarios)} scenarios, {len(assessments.banks)} banks, "
               f"{assessments.item_count} items.")
    from lms.content.hours import check_course_hours

    computed = _or_exit(lambda: check_course_hours(catalog, assessments), " in the declared hours")
    _print_hours(catalog, computed)
    from lms.certificates.programs import load_programs, program_hours

    programs = _or_exit(lambda: load_programs(Path(current_app.config["LMS_CERTIFICATES_DIR"]), catalog, assessments),
                        " in the certificate programs")
    click.echo(f"Programs OK: {len(programs)} certificate programs.")
    for program in programs.values():
        click.echo(f"  {program.slug}: {program.issuance}, {program_hours(program, catalog)['total']:g} h, "
                   f"{len(program.requirements.courses)} courses, {len(program.requirements.assessments)} assessments")


def _or_exit(load, where: str):
    """Run a loader; on ContentErrors print every problem as file:line: problem and exit 1."""
    try:
        return load()
    except ContentErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(exc.errors)} problem(s) found{where}.", err=True)
        sys.exit(1)


def _print_hours(catalog, computed) -> None:
    """The computed figures (docs/hours.md): per course its parts and domains, then the sum; then sessions."""
    domains = catalog.framework.domains
    click.echo("Hours computed by the method in docs/hours.md (course.yaml agrees within 10% or 0.1 h), "
               "by IC&RC domain:")
    head = f"  {'course':<22}{'lessons':>9}{'scenarios':>11}{'final':>7}{'total h':>9}"
    click.echo(head + "".join(f"{d.id:>24}" for d in domains))
    totals = {d.id: 0.0 for d in domains}
    parts = [0.0, 0.0, 0.0]
    for slug, hours in computed.items():
        by_domain = hours.hours_by_domain()
        for d in domains:
            totals[d.id] += by_domain.get(d.id, 0.0)
        parts = [parts[0] + hours.lessons, parts[1] + hours.scenarios, parts[2] + hours.final_check]
        click.echo(f"  {slug:<22}{hours.lessons:>7.1f} m{hours.scenarios:>9.1f} m{hours.final_check:>5.1f} m"
                   f"{hours.hours:>9.2f}" + "".join(f"{by_domain.get(d.id, 0.0):>24.2f}" for d in domains))
    click.echo(f"  {'all courses':<22}{parts[0]:>7.1f} m{parts[1]:>9.1f} m{parts[2]:>5.1f} m"
               f"{sum(totals.values()):>9.2f}" + "".join(f"{totals[d.id]:>24.2f}" for d in domains))
    if catalog.sessions:
        click.echo("Live-session templates (education hours = minutes less breaks, by domain):")
    names = catalog.framework.domain_names
    for session in catalog.sessions.values():
        split = ", ".join(f"{names.get(d, d)} {h:.2f}" for d, h in session.hours_by_domain().items())
        click.echo(f"  {session.slug}: {session.minutes} min with {session.breaks} min of breaks, "
                   f"{session.education_minutes / 60:.2f} education hours ({split})")


@lms_cli.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's settings table.")
def settings_command(markdown: bool) -> None:
    """List every setting with its current value (secrets hidden), or the README table."""
    from lms import settings

    if markdown:
        click.echo(settings.markdown_table(), nl=False)
        return
    for setting in settings.SETTINGS:
        value = current_app.config.get(setting.name, "")
        if setting.name in ("SECRET_KEY", "LMS_SMTP_PASSWORD", "LMS_XAPI_FORWARD_PASSWORD") and value:
            value = "(set)"
        click.echo(f"{setting.name} = {value!r}")


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
    """Load a demo organization (admin, board, two supervisors, six trainees) and certificate holders in
    every status; print the logins and the certificate codes. Running it again changes nothing."""
    from lms.demo import DEMO_PASSWORD, demo_certificates, load_demo

    users = load_demo()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.role:<10} {user.email:<34} {user.name}")
    click.echo("Demo certificates, one per status (verify them at the address shown):")
    for cert in demo_certificates():
        renews = f" (renews {cert['renews']})" if cert["renews"] else ""
        click.echo(f"  {cert['label']:<10} {cert['code']}  {cert['holder']}, {cert['program']}{renews}: {cert['url']}")


@lms_cli.command("rebuild-summaries")
def rebuild_summaries() -> None:
    """Recompute every trainee's dashboard summary row from the events (after a migration or a restore)."""
    from lms.db import session as db
    from lms.supervision.summary import rebuild_summaries as rebuild

    count = rebuild()
    db.commit()
    click.echo(f"Rebuilt the summaries of {count} trainee(s).")


# LRS clients and forwarding ------------------------------------------------------------------

@lms_cli.group("lrs-client")
def lrs_client() -> None:
    """Credentials for the built-in LRS (HTTP Basic: key and secret)."""


def _scopes():
    from lms.xapi.clients import SCOPES

    return SCOPES


@lrs_client.command("create")
@click.argument("name")
@click.option("--key", default=None, help="Generated when omitted.")
@click.option("--secret", default=None, help="Generated when omitted; a long random value.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(_scopes()),
              help="Repeat for several; default: statements/write and statements/read/mine.")
def lrs_client_create(name: str, key: str | None, secret: str | None, scopes: tuple[str, ...]) -> None:
    """Create LRS credentials and print the key and secret (the secret is not shown again)."""
    from lms.db import session as db
    from lms.xapi.clients import DEFAULT_SCOPES, ClientError, create_client

    try:
        client, secret = create_client(name, list(scopes) or list(DEFAULT_SCOPES), key=key, secret=secret)
    except ClientError as exc:
        raise click.ClickException(str(exc)) from None
    db.commit()
    click.echo(f"Created LRS client '{client.name}' with scopes {', '.join(client.scopes)}.")
    click.echo(f"key:    {client.key}")
    click.echo(f"secret: {secret}")
    click.echo("Store the secret now: it is kept only as a hash.", err=True)


@lrs_client.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked credentials.")
def lrs_client_list(show_all: bool) -> None:
    """List LRS credentials (never their secrets)."""
    from lms.xapi.clients import list_clients

    clients = [c for c in list_clients() if show_all or c.revoked_at is None]
    if not clients:
        click.echo("No LRS clients.")
    for c in clients:
        state = f"revoked {c.revoked_at:%Y-%m-%d}" if c.revoked_at else "active"
        used = f"last used {c.last_used_at:%Y-%m-%d %H:%M}" if c.last_used_at else "never used"
        click.echo(f"{c.key}  {c.name}  [{', '.join(c.scopes)}]  {state}, {used}")


@lrs_client.command("revoke")
@click.argument("key")
def lrs_client_revoke(key: str) -> None:
    """Revoke the credentials with this key; requests made with them fail from now on."""
    from sqlalchemy import select

    from lms.db import session as db
    from lms.xapi.clients import revoke_client
    from lms.xapi.models import LRSClient

    client = db.scalar(select(LRSClient).where(LRSClient.key == key))
    if client is None:
        raise click.ClickException(f"No LRS client with the key '{key}'.")
    if client.revoked_at is not None:
        click.echo(f"LRS client {key} was already revoked.")
        return
    revoke_client(client)
    db.commit()
    click.echo(f"Revoked LRS client {key} ({client.name}).")


@lms_cli.command("xapi-relay")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between rounds when running continuously.")
@click.option("--batch", type=click.IntRange(min=1, max=1000), default=None,
              help="Statements per request (default: LMS_XAPI_FORWARD_BATCH).")
def xapi_relay(once: bool, interval: float, batch: int | None) -> None:
    """Forward queued statements to the external LRS (LMS_XAPI_FORWARD_URL); Ctrl-C stops."""
    from lms.xapi.relay import RelayNotConfigured, run_relay

    app = current_app._get_current_object()
    if not app.config.get("LMS_XAPI_FORWARD_URL"):
        raise click.ClickException("Forwarding is off: set LMS_XAPI_FORWARD_URL (and _USERNAME, _PASSWORD).")
    if not once:
        click.echo(f"Forwarding to {app.config['LMS_XAPI_FORWARD_URL']} every {interval:g} s (Ctrl-C stops).")
    try:
        total = run_relay(app, once=once, interval=interval, batch_size=batch,
                          report=None if once else (lambda stats: click.echo(str(stats))))
    except RelayNotConfigured as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        return
    click.echo(str(total))
    if once and total.stopped:
        sys.exit(1)


# Certificate reminders and the notification outbox -------------------------------------------

@lms_cli.group("certificates")
def certificates_cli() -> None:
    """Certificate lifecycle tasks."""


@certificates_cli.command("remind")
def certificates_remind() -> None:
    """Queue the expiry reminders that are due (60 and 30 days before, and at expiry); run daily."""
    from lms.certificates.notifications import queue_due_reminders
    from lms.db import session as db

    count = queue_due_reminders()
    db.commit()
    click.echo(f"{count} reminder(s) queued.")


@lms_cli.group("notifications")
def notifications_cli() -> None:
    """The notification outbox (reminders and notices to certificate holders)."""


@notifications_cli.command("send")
@click.option("--batch", type=click.IntRange(min=1, max=1000), default=50, show_default=True,
              help="Messages per transaction.")
def notifications_send(batch: int) -> None:
    """Send the notifications that are due through the mail sender (LMS_MAIL_SENDER)."""
    from lms.certificates.notifications import SendResult, send_pending
    from lms.db import session as db
    from lms.db import utcnow

    now, total = utcnow(), SendResult()
    while True:
        result = send_pending(now, limit=batch)
        db.commit()  # per batch: a crash later never re-sends what this batch delivered
        total.sent, total.failed = total.sent + result.sent, total.failed + result.failed
        if result.sent + result.failed < batch or result.sent == 0:
            break
    click.echo(str(total))
    if total.failed:
        sys.exit(1)


# Credential signing keys ---------------------------------------------------------------------

@lms_cli.group("keys")
def keys_cli() -> None:
    """Keys that sign Open Badges credentials (published at /.well-known/jwks.json)."""


def _key_line(key) -> str:
    state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "current"
    return f"{key.kid}  {key.alg:<6} created {key.created_at:%Y-%m-%d %H:%M}  {state}"


@keys_cli.command("generate")
@click.option("--alg", type=click.Choice(["RS256", "EdDSA"]), default=None,
              help="Default: LMS_SIGNING_ALG (RS256, the Open Badges 3.0 baseline).")
def keys_generate(alg: str | None) -> None:
    """Create the first signing key (does nothing if a current key exists; use `rotate` to replace it)."""
    from sqlalchemy import select

    from lms.certificates.keys import SigningKey, SigningKeyError, create_key
    from lms.db import session as db

    current = db.scalar(select(SigningKey).where(SigningKey.retired_at.is_(None)).limit(1))
    if current is not None:
        click.echo(f"A current signing key exists already: {_key_line(current)}")
        click.echo("Run `flask lms keys rotate` to replace it.")
        return
    try:
        key = create_key(alg)
    except SigningKeyError as exc:
        raise click.ClickException(str(exc)) from None
    db.commit()
    click.echo(f"Created signing key {_key_line(key)}")


@keys_cli.command("rotate")
@click.option("--alg", type=click.Choice(["RS256", "EdDSA"]), default=None,
              help="Default: LMS_SIGNING_ALG (RS256, the Open Badges 3.0 baseline).")
def keys_rotate(alg: str | None) -> None:
    """Retire the current key and sign from now on with a new one; retired keys still verify."""
    from lms.certificates.keys import SigningKeyError, rotate
    from lms.db import session as db

    try:
        key = rotate(alg)
    except SigningKeyError as exc:
        raise click.ClickException(str(exc)) from None
    db.commit()
    click.echo(f"New signing key {_key_line(key)}")
    click.echo("Earlier keys stay published in the JWKS, so credentials they signed still verify.")


@keys_cli.command("list")
def keys_list() -> None:
    """List signing keys, oldest first (never their private halves)."""
    from lms.certificates.keys import all_keys

    found = all_keys()
    if not found:
        click.echo("No signing keys yet: one is created on first use, or run `flask lms keys generate`.")
    for key in found:
        click.echo(_key_line(key))


@certificates_cli.command("issue")
@click.option("--email", required=True, help="The holder's e-mail address.")
@click.option("--program", "slug", required=True, help="The program slug (certificates/<slug>.yaml).")
@click.option("--reason", required=True, help="Why it is issued by hand; kept in the certificate's history.")
@click.option("--admin", "admin_email", default=None, help="The administrator issuing it (default: the first admin).")
def certificates_issue(email: str, slug: str, reason: str, admin_email: str | None) -> None:
    """Issue a certificate by hand (training recorded elsewhere), with a reason."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.services import find_user_by_email
    from lms.certificates.issuance import CertificateError, issue_manually, render_pdf_after_commit
    from lms.db import session as db

    program = _state().programs.get(slug)
    if program is None:
        raise click.ClickException(f"No program '{slug}'; programs: {', '.join(_state().programs)}.")
    holder = find_user_by_email(email)
    if holder is None:
        raise click.ClickException(f"No account has the e-mail address {email}.")
    admin = (find_user_by_email(admin_email) if admin_email else
             db.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1)))
    if admin is None or admin.role != "admin":
        raise click.ClickException("An administrator account is needed to issue (see --admin).")
    try:
        cert = issue_manually(admin, holder, program, reason)
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    db.commit()
    render_pdf_after_commit(cert)
    click.echo(f"Issued {cert.number} ({program.name}) to {holder.name}.")
