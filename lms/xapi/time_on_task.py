"""Time on task (docs/hours.md, "How a pilot confirms the figures"): for each course, lesson, activity,
scenario and final check, the minutes the hours method computes beside what learners took, measured from the
durations in the statements the LMS recorded, and a flag where the two disagree by more than a factor of two.

One query reads the LMS's own `completed` statements (not those LRS clients sent): a lesson's carries its
time on task from page timings, an activity's the time from serving its page to the first submission, an
assessment's the attempt's length. Each learner counts once per item, with their first completion.
"""
from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from lms.content.hours import activity_minutes
from lms.db import session as db
from lms.xapi.authority import lms_authority_key
from lms.xapi.models import Statement
from lms.xapi.vocabulary import Verb

UNDER, OVER = 0.5, 2.0  # flag a measured median under half or over double the computed minutes
_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(rf"^P(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_ITEM = re.compile(r"/xapi/activities/(?:course/([^/]+)/lesson/([^/]+)(?:/activity/([^/]+))?|assessment/([^/]+))$")


@dataclass(frozen=True)
class Row:
    kind: str  # course, lesson, activity, scenario, final check
    course: str  # course slug
    key: str  # the item's slug or path (lesson, lesson/activity, assessment)
    title: str
    computed: float  # minutes, by the hours method
    learners: int
    median: float | None  # minutes measured
    q1: float | None
    q3: float | None

    @property
    def flag(self) -> str:
        if self.median is None or not self.computed:
            return ""
        if self.median < UNDER * self.computed:
            return "under half"
        if self.median > OVER * self.computed:
            return "over double"
        return ""


def duration_minutes(value: object) -> float | None:
    """Minutes in an ISO 8601 duration of days, hours, minutes and seconds (what the LMS writes: PT123.45S);
    None for anything else (years, months and weeks have no fixed length)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return days * 1440 + hours * 60 + minutes + seconds / 60


def measured() -> dict[tuple[str, ...], dict[str, float]]:
    """Item key -> learner -> minutes of their first completion. Keys: ("lesson", course, lesson),
    ("activity", course, lesson, activity), ("assessment", slug). One query."""
    lms = lms_authority_key()
    rows = db.execute(select(Statement.data).where(Statement.verb_id == Verb.COMPLETED[0],
                                                   Statement.authority_key == lms,
                                                   Statement.voided.is_(False))
                      .order_by(Statement.seq))
    found: dict[tuple[str, ...], dict[str, float]] = defaultdict(dict)
    for (data,) in rows:
        minutes = duration_minutes((data.get("result") or {}).get("duration"))
        match = _ITEM.search(str((data.get("object") or {}).get("id", "")))
        learner = ((data.get("actor") or {}).get("account") or {}).get("name")
        if minutes is None or match is None or not learner:
            continue
        course, lesson, activity, assessment = match.groups()
        key = (("assessment", assessment) if assessment else
               ("activity", course, lesson, activity) if activity else ("lesson", course, lesson))
        found[key].setdefault(learner, minutes)  # in arrival order: the first completion counts
    return found


def _row(kind: str, course: str, key: str, title: str, computed: float, values: Iterable[float]) -> Row:
    data = sorted(values)
    if not data:
        return Row(kind, course, key, title, computed, 0, None, None, None)
    if len(data) == 1:
        return Row(kind, course, key, title, computed, 1, data[0], data[0], data[0])
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Row(kind, course, key, title, computed, len(data), median, q1, q3)


def report() -> list[Row]:
    """Every course, then its lessons (each followed by its activities), scenarios and final check."""
    state = current_app.extensions["lms"]
    times = measured()
    rows: list[Row] = []
    for slug, course in state.catalog.courses.items():
        items: list[tuple[tuple[str, ...], Row]] = []
        for lesson in course.lessons:
            key = ("lesson", slug, lesson.slug)
            items.append((key, _row("lesson", slug, lesson.slug, lesson.title, lesson.computed.total,
                                    times.get(key, {}).values())))
            for activity in lesson.activities:
                akey = ("activity", slug, lesson.slug, activity.id)
                rows_for = _row("activity", slug, f"{lesson.slug}/{activity.id}", activity.title,
                                activity_minutes(activity), times.get(akey, {}).values())
                items.append((akey, rows_for))
        assessments = [*state.assessments.scenarios_for(slug)]
        final = state.assessments.final_check_for(slug)
        for assessment in [*assessments, *([final] if final else [])]:
            key = ("assessment", assessment.slug)
            kind = "final check" if assessment is final else "scenario"
            items.append((key, _row(kind, slug, assessment.slug, assessment.title, assessment.minutes,
                                    times.get(key, {}).values())))
        # A learner counts toward the course once measured on every lesson, scenario and final check
        # (activities are inside their lesson's time already).
        parts = [key for key, _ in items if key[0] != "activity"]
        learners = set.intersection(*(set(times.get(key, {})) for key in parts)) if parts else set()
        totals = [sum(times[key][learner] for key in parts) for learner in learners]
        computed = state.hours[slug].minutes if slug in state.hours else sum(r.computed for k, r in items
                                                                                if k[0] != "activity")
        rows.append(_row("course", slug, slug, course.title, computed, totals))
        rows.extend(row for _, row in items)
    return rows


CSV_HEADER = ["course", "kind", "item", "title", "computed_minutes", "learners", "median_minutes",
              "q1_minutes", "q3_minutes", "flag"]


def csv_rows(rows: list[Row]) -> list[list]:
    def number(value: float | None) -> object:
        return "" if value is None else round(value, 1)

    return [[r.course, r.kind, r.key, r.title, round(r.computed, 1), r.learners, number(r.median), number(r.q1),
             number(r.q3), r.flag] for r in rows]
