"""Supervision reports: the cohort CSV and the per-trainee PDF transcript."""
from __future__ import annotations

import re

from flask import Response, abort, g, request
from sqlalchemy import select

from lms.accounts.models import Organization, User
from lms.accounts.services import can_view_trainee
from lms.db import session as db
from lms.db import utcnow
from lms.supervision.reports import cohort_table, render_transcript_pdf, to_csv, transcript_for
from lms.web.access import roles_required
from lms.web.blueprint import bp


def _file_part(text: str) -> str:
    # ASCII only, so the filename needs no RFC 5987 encoding and cannot break the header.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@bp.route("/supervision/cohort.csv")
@roles_required("supervisor", "admin")
def supervision_cohort_csv():
    viewer, org = g.lms_user, None
    slug = request.args.get("org", "").strip()
    if slug:
        if viewer.role != "admin":
            abort(400, "Only administrators can filter by organization; your report already holds "
                       "the trainees you can see.")
        org = db.scalar(select(Organization).where(Organization.slug == slug))
        if org is None:
            abort(400, f"There is no organization '{slug}'.")
    body = to_csv(*cohort_table(viewer, org))
    name = "-".join(filter(None, ["cohort", _file_part(org.slug) if org else "", utcnow().date().isoformat()]))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                             "Cache-Control": "no-store"})


@bp.route("/trainees/<int:user_id>/transcript.pdf")
@roles_required("trainee", "supervisor", "admin")
def supervision_transcript(user_id: int):
    trainee = db.get(User, user_id)
    # 404, not 403, for someone else's trainee: whether the account exists is not theirs to learn.
    if trainee is None or trainee.role != "trainee" or not can_view_trainee(g.lms_user, trainee):
        abort(404)
    transcript = transcript_for(trainee)
    name = _file_part(trainee.name) or str(trainee.id)
    filename = f"transcript-{name}-{transcript.generated_at.date().isoformat()}.pdf"
    return Response(render_transcript_pdf(transcript), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})
