"""The time-on-task report for admins (docs/hours.md): an HTML page and a formula-safe CSV."""
from __future__ import annotations

from flask import Response, render_template

from lms.web.access import roles_required
from lms.web.blueprint import bp
from lms.web.spreadsheet import to_csv
from lms.xapi import time_on_task


@bp.route("/admin/time-on-task")
@roles_required("admin")
def admin_time_on_task():
    rows = time_on_task.report()
    return render_template("lms/xapi/time_on_task.html", rows=rows, under=time_on_task.UNDER,
                           over=time_on_task.OVER)


@bp.route("/admin/time-on-task.csv")
@roles_required("admin")
def admin_time_on_task_csv():
    body = to_csv(time_on_task.CSV_HEADER, time_on_task.csv_rows(time_on_task.report()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="time-on-task.csv"'})
