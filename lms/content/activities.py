"""The rules for lesson activities that depend on their kind (formats spec 1), each reported at its line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.content.errors import ErrorSink
from lms.content.schema import ActivitySpec
from lms.content.yamlio import line_of


@dataclass(frozen=True)
class KindRule:
    minutes: tuple[int, int]
    needs: str  # the key this kind must have
    label: str  # "a reflection"


KINDS = {
    "reflection": KindRule((5, 30), "min_words", "a reflection"),
    "worksheet": KindRule((10, 60), "fields", "a worksheet"),
    "practice": KindRule((5, 45), "checklist", "a practice"),
}
OWNER = {"min_words": "reflections", "fields": "worksheets", "checklist": "practices"}
REFLECTION_WORDS = (20, 400)
FIELDS = (2, 8)
CHECKLIST = (2, 8)
# The instructions must ask for no names or identifying details of people served (formats spec 1).
_NAMES = re.compile(r"\bnames?\b", re.IGNORECASE)
_IDENTIFYING = re.compile(r"\bidentif(?:y|ying|iable|ies)\b", re.IGNORECASE)
PRIVACY_HINT = ("the instructions must ask learners never to write names or identifying details of people "
                "they serve (for example: 'Use no names or identifying details.')")


def asks_for_no_identifying_details(instructions: str) -> bool:
    return bool(_NAMES.search(instructions) and _IDENTIFYING.search(instructions))


def check_activities(activities: list[ActivitySpec], known: set[str], data: Any, path: Path, sink: ErrorSink) -> None:
    """Unique ids, known competencies, and each kind's keys, bounds and privacy sentence."""
    seen: set[str] = set()
    for i, activity in enumerate(activities):
        at = ("activities", i)

        def report(key: tuple, problem: str, activity: ActivitySpec = activity, at: tuple = at) -> None:
            sink.add(path, line_of(data, (*at, *key)), f"activity '{activity.id}': {problem}")

        if activity.id in seen:
            report(("id",), "the id is used by another activity of this lesson")
        seen.add(activity.id)
        for c, comp in enumerate(activity.competencies):
            if comp not in known:
                report(("competencies", c), f"unknown competency '{comp}'")
        rule = KINDS[activity.kind]
        low, high = rule.minutes
        if not low <= activity.minutes <= high:
            report(("minutes",), f"{rule.label} takes {low} to {high} minutes, found {activity.minutes}")
        if getattr(activity, rule.needs) is None:
            report((), f"{rule.label} needs '{rule.needs}'")
        for key, owner in OWNER.items():
            if key != rule.needs and getattr(activity, key) is not None:
                report((key,), f"'{key}' is only for {owner}, not {rule.label}")
        _check_parts(activity, report)
        if not asks_for_no_identifying_details(activity.instructions):
            report(("instructions",), PRIVACY_HINT)


def _check_parts(activity: ActivitySpec, report) -> None:
    if activity.kind == "reflection" and activity.min_words is not None:
        low, high = REFLECTION_WORDS
        if not low <= activity.min_words <= high:
            report(("min_words",), f"min_words is {low} to {high} for a reflection, found {activity.min_words}")
    if activity.kind == "worksheet" and activity.fields is not None:
        low, high = FIELDS
        if not low <= len(activity.fields) <= high:
            report(("fields",), f"a worksheet has {low} to {high} fields, found {len(activity.fields)}")
        ids: set[str] = set()
        for f, spec in enumerate(activity.fields):
            if spec.id in ids:
                report(("fields", f, "id"), f"field id '{spec.id}' appears twice")
            ids.add(spec.id)
    if activity.kind == "practice" and activity.checklist is not None:
        low, high = CHECKLIST
        if not low <= len(activity.checklist) <= high:
            report(("checklist",), f"a practice checklist has {low} to {high} items, found {len(activity.checklist)}")
