"""Admin pages for the LRS: client credentials, and forwarding to an external LRS (queue status)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, flash, redirect, render_template, url_for

from lms.accounts.forms import ActionForm
from lms.db import session as db
from lms.web.access import roles_required
from lms.web.blueprint import bp
from lms.web.util import external_url
from lms.xapi import relay
from lms.xapi.clients import ClientError, create_client, list_clients, revoke_client
from lms.xapi.forms import LRSClientForm
from lms.xapi.models import LRSClient, OutboxItem

admin_only = roles_required("admin")


@bp.route("/admin/lrs", methods=["GET", "POST"])
@admin_only
def admin_lrs_clients():
    form = LRSClientForm()
    created = None
    if form.validate_on_submit():
        try:
            client, secret = create_client(form.name.data, form.scopes.data)
        except ClientError as exc:
            form.name.errors.append(str(exc))
        else:
            db.commit()
            created = {"name": client.name, "key": client.key, "secret": secret}
            flash(f"Credentials created for {client.name}. Copy the secret now: it is not shown again.", "success")
            form = LRSClientForm(formdata=None)
    return render_template("lms/xapi/clients.html", form=form, clients=list_clients(), created=created,
                           endpoint=_lrs_endpoint(), action_form=ActionForm())


@bp.route("/admin/lrs/<int:client_id>/revoke", methods=["POST"])
@admin_only
def admin_lrs_client_revoke(client_id: int):
    client = db.get(LRSClient, client_id) or abort(404)
    if ActionForm().validate_on_submit() and client.revoked_at is None:
        revoke_client(client)
        db.commit()
        flash(f"Credentials {client.key} ({client.name}) revoked.", "success")
    return redirect(url_for("lms.admin_lrs_clients"))


@bp.route("/admin/lrs/forwarding")
@admin_only
def admin_lrs_forwarding():
    return render_template("lms/xapi/forwarding.html", status=relay.queue_status(), parked=relay.parked_items(),
                           target=_without_credentials(current_app.config.get("LMS_XAPI_FORWARD_URL", "")),
                           inprocess=current_app.config.get("LMS_XAPI_RELAY_INPROCESS"), age=age,
                           action_form=ActionForm())


@bp.route("/admin/lrs/forwarding/<int:item_id>/retry", methods=["POST"])
@admin_only
def admin_lrs_retry(item_id: int):
    item = db.get(OutboxItem, item_id) or abort(404)
    if ActionForm().validate_on_submit() and relay.retry_parked([item.id]):
        db.commit()
        flash(f"Statement {item.statement_id} is back in the queue.", "success")
    return redirect(url_for("lms.admin_lrs_forwarding"))


@bp.route("/admin/lrs/forwarding/retry-all", methods=["POST"])
@admin_only
def admin_lrs_retry_all():
    if ActionForm().validate_on_submit():
        count = relay.retry_parked()
        db.commit()
        flash(f"{count} parked statement(s) are back in the queue.", "success")
    return redirect(url_for("lms.admin_lrs_forwarding"))


def _lrs_endpoint() -> str:
    """The built-in LRS's address, for the note telling admins where clients connect."""
    return external_url("lms_xapi.about").rsplit("/", 1)[0] + "/"


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


def age(delta: timedelta | None) -> str:
    """A short human duration: "40 s", "12 min", "3 h 5 min", "2 days 4 h"."""
    if delta is None:
        return "—"
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{days} days {hours % 24} h"
