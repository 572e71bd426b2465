"""The supervisor dashboard (heatmap, flags), the per-trainee drill-down and the organization view."""
from __future__ import annotations

from flask import abort, current_app, g, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from lms.accounts.models import Organization, SupervisorAssignment, User
from lms.accounts.services import can_view_trainee, supervisors_of
from lms.db import session as db
from lms.db import utcnow
from lms.supervision import dashboard, drilldown
from lms.supervision.heatmap import heatmap_svg, level_letters, ratings_table_body
from lms.supervision.services import current_ratings, hour_totals
from lms.web.access import roles_required
from lms.web.blueprint import bp

supervisors_and_admins = roles_required("supervisor", "admin")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, f"'{name}' must be a whole number.")
    return int(raw)


def _choice_arg(name: str, allowed, default: str = "") -> str:
    value = request.args.get(name, default).strip() or default
    if value and value not in allowed:
        abort(400, f"Unknown {name} '{value}'; use one of: {', '.join(allowed)}.")
    return value


def existing_path(path: str) -> str | None:
    """`path` under the LMS prefix if a GET route answers it (pages other work adds may not exist yet)."""
    adapter = current_app.url_map.bind("localhost")
    full = current_app.extensions["lms"].url_prefix + path
    try:
        adapter.match(full, method="GET")
    except HTTPException:
        return None
    return full


def _trainee_rows(board: dashboard.Dashboard, trainee_path: str, show_org: bool) -> Markup:
    """The trainees table's rows, built in Python like the heatmap: a Jinja row with a dozen escaped
    expressions was, with 50 rows, the largest part of the page after the data."""
    rows, link = [], escape(trainee_path)
    for r in board.rows:
        org = f'<br><span class="meta">{escape(r.organization)}</span>' if r.organization and show_org else ""
        when = (f'<time datetime="{r.last_activity.isoformat()}">{r.last_activity.date().isoformat()}</time>'
                if r.last_activity else "Never")
        flags = ('<ul class="flag-list">' + "".join(f'<li class="flag flag-{escape(f.key)}">{escape(f.text)}</li>'
                                                    for f in r.flags) + "</ul>") if r.flags else "None"
        rows.append(f'<tr>\n<th scope="row"><a href="{link}{r.user_id}">{escape(r.name)}</a>{org}</th>\n'
                    f'<td>{escape(", ".join(r.supervisors) or "None assigned")}</td>\n'
                    f"<td>{r.lessons_done} of {board.lessons_total} lessons; {r.courses_completed} of "
                    f"{board.courses_total} courses completed</td>\n<td>{when}</td>\n<td>{flags}</td>\n"
                    f"<td>{escape('; '.join(r.certificates) or 'None')}</td>\n</tr>")
    return Markup("\n".join(rows))


def _scale() -> tuple[list, list[tuple[str, str]]]:
    framework = current_app.extensions["lms"].catalog.framework
    return list(framework.competencies.values()), [(lv.id, lv.label) for lv in framework.scale.levels]


@bp.route("/supervision")
@supervisors_and_admins
def supervision_dashboard():
    viewer = g.lms_user
    org_id = _int_arg("org") if viewer.role == "admin" else None
    raw_supervisor = request.args.get("supervisor", "").strip()
    supervisor = "none" if raw_supervisor == "none" else _int_arg("supervisor")
    flag = _choice_arg("flag", [*dashboard.FLAGS, "any"])
    sort = _choice_arg("sort", list(dashboard.SORTS), "name")
    page = _int_arg("page") or 1
    board = dashboard.build_dashboard(viewer, org_id=org_id, supervisor=supervisor, flag=flag, sort=sort, page=page)
    orgs, supervisors = dashboard.filter_choices(viewer, org_id)
    competencies, levels = _scale()
    grid = [(r.name, r.ratings) for r in board.rows]
    column_ids = [c.id for c in competencies]
    svg = heatmap_svg(grid, column_ids, levels, title=f"Competency ratings of {len(board.rows)} trainee(s)",
                      description="Rows are trainees, columns the competencies numbered as in the key; each cell's "
                                  "colour and letter give the current rating. The table below has the same data.")
    filters = {"org": org_id, "supervisor": raw_supervisor or None, "flag": flag or None, "sort": sort}
    # One url_for and the ids appended in the template: a url_for per row was a tenth of the page's cost.
    trainee_path = url_for("lms.supervision_trainee", user_id=0).removesuffix("0")
    return render_template("lms/supervision/dashboard.html", board=board, svg=svg, competencies=competencies,
                           ratings_body=ratings_table_body(grid, column_ids, levels),
                           trainee_rows=_trainee_rows(board, trainee_path, bool(orgs)),
                           levels=levels, level_names=dict(levels), letters=level_letters(levels), orgs=orgs,
                           supervisors=supervisors, filters=filters, flags=dashboard.FLAGS, sorts=dashboard.SORTS,
                           whole_org=dashboard.sees_whole_org(viewer), hours_path=existing_path("/supervision/hours"),
                           cohort_csv=existing_path("/supervision/cohort.csv"))


@bp.route("/supervision/trainees/<int:user_id>")
@supervisors_and_admins
def supervision_trainee(user_id: int):
    trainee = db.get(User, user_id)
    # One answer for "no such trainee" and "not yours", so the page does not reveal who exists.
    if trainee is None or trainee.role != "trainee" or not can_view_trainee(g.lms_user, trainee):
        abort(404)
    page, entries = drilldown.timeline(trainee, _int_arg("page") or 1)
    competencies, levels = _scale()
    links = {label: existing_path(path.format(id=trainee.id)) for label, path in (
        ("Competencies and ratings", "/trainees/{id}/competencies"), ("Sign-off", "/trainees/{id}/sign-off"),
        ("Transcript (PDF)", "/trainees/{id}/transcript.pdf"), ("Review hours", "/supervision/hours"))}
    return render_template("lms/supervision/trainee_detail.html", trainee=trainee, page=page, entries=entries,
                           attempts=drilldown.attempts(trainee), evidence=drilldown.evidence_log(trainee),
                           responses=drilldown.activity_responses(trainee),
                           logs=drilldown.practice_logs(trainee), totals=hour_totals(trainee),
                           sign_offs=drilldown.sign_offs(trainee), ratings=current_ratings(trainee),
                           certificates=dashboard.certificate_statuses([trainee.id], utcnow()).get(trainee.id, []),
                           supervisors=supervisors_of(trainee), competencies=competencies,
                           competencies_by_id={c.id: c for c in competencies},
                           level_names=dict(levels), links={k: v for k, v in links.items() if v},
                           domains=current_app.extensions["lms"].catalog.framework.domain_names)


@bp.route("/supervision/organization")
@supervisors_and_admins
def supervision_organization():
    viewer = g.lms_user
    org_id = _int_arg("org")
    if viewer.role == "admin":
        if org_id is None:
            orgs = list(db.scalars(select(Organization).order_by(Organization.name)))
            return render_template("lms/supervision/org.html", org=None, orgs=orgs)
        org = db.get(Organization, org_id) or abort(404)
    elif viewer.is_org_admin and viewer.organization_id and org_id in (None, viewer.organization_id):
        org = db.get(Organization, viewer.organization_id)
    elif viewer.is_org_admin and viewer.organization_id:
        abort(404)  # another organization: not revealed
    else:
        abort(403)
    counts = (select(SupervisorAssignment.supervisor_id, func.count().label("n"))
              .join(User, User.id == SupervisorAssignment.trainee_id)
              .where(User.role == "trainee", User.is_active.is_(True))
              .group_by(SupervisorAssignment.supervisor_id).subquery())
    supervisors = db.execute(select(User, func.coalesce(counts.c.n, 0))
                             .outerjoin(counts, counts.c.supervisor_id == User.id)
                             .where(User.role == "supervisor", User.organization_id == org.id)
                             .order_by(User.name, User.id)).all()
    unassigned = dashboard.visible_trainees(viewer, org.id, "none")
    unassigned = [u for u in unassigned if u.organization_id == org.id]
    return render_template("lms/supervision/org.html", org=org, supervisors=supervisors, unassigned=unassigned,
                           org_param=org.id if viewer.role == "admin" else None)
