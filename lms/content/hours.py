"""The hours method (docs/hours.md): how content becomes minutes, and minutes become hours by domain.

Words are read at 200 a minute; a knowledge check or final-check item adds half a minute to answer, a
scenario decision a minute, an activity its declared minutes. A course is its lessons, its scenarios
and its final check; a live session is its scheduled minutes less breaks. The loaders call these
functions and check-content prints what they compute, so there is one method and one place for it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from lms.content.errors import ErrorSink

WORDS_PER_MINUTE = 200  # Brysbaert (2019): adults read non-fiction silently at about 238 wpm; see docs/hours.md
ANSWER_MINUTES = 0.5  # to answer a knowledge check or a final-check item (formats spec 2, 3)
DECISION_MINUTES = 1.0  # to weigh a scenario decision (formats spec 3)
# Declared figures must agree with the computed ones (formats spec 2, 3): the larger of a share and a floor.
LESSON_TOLERANCE = (0.10, 2.0)  # 10% or 2 minutes
COURSE_TOLERANCE = (0.10, 0.1)  # 10% or 0.1 hour, per domain and in total
DOMAIN_IDS = ("advocacy", "mentoring-education", "recovery-wellness", "ethical-responsibility")

_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F'’-]+")


def words(*texts: str | None) -> int:
    """Words in `texts` (None and empty strings count nothing)."""
    return sum(len(_WORD.findall(text)) for text in texts if text)


def reading_minutes(word_count: float) -> float:
    return word_count / WORDS_PER_MINUTE


def allowance(computed: float, rule: tuple[float, float]) -> float:
    """How far a declared figure may be from `computed`: the share of it or the floor, whichever is larger."""
    share, floor = rule
    return max(share * computed, floor)


def agrees(declared: float, computed: float, rule: tuple[float, float]) -> bool:
    return abs(declared - computed) <= allowance(computed, rule) + 1e-9


def split(minutes: float, shares: Mapping[str, float]) -> dict[str, float]:
    """Minutes by domain from domain shares (which the loaders hold to a sum of 1)."""
    return {domain: minutes * share for domain, share in shares.items()}


def add(total: dict[str, float], part: Mapping[str, float]) -> None:
    for domain, minutes in part.items():
        total[domain] = total.get(domain, 0.0) + minutes


# Lessons ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LessonMinutes:
    """A lesson's computed minutes and where they come from (formats spec 2)."""

    reading_words: int
    reading: float  # the body at 200 wpm
    checks: float  # each check's words at 200 wpm + 0.5 min
    activities: float  # each activity's minutes + its instructions at 200 wpm

    @property
    def total(self) -> float:
        return self.reading + self.checks + self.activities

    def describe(self) -> str:
        return (f"reading {self.reading_words} words {self.reading:.1f} min, checks {self.checks:.1f} min, "
                f"activities {self.activities:.1f} min")


def check_minutes(check: Any) -> float:
    """Prompt, every option and the longest option feedback (a learner reads one), plus time to answer."""
    longest = max((words(option.feedback) for option in check.options), default=0)
    count = words(check.prompt, *(option.text for option in check.options)) + longest
    return reading_minutes(count) + ANSWER_MINUTES


def activity_minutes(activity: Any) -> float:
    return activity.minutes + reading_minutes(words(activity.instructions))


def lesson_minutes(body_words: int, checks: Iterable[Any], activities: Iterable[Any]) -> LessonMinutes:
    return LessonMinutes(body_words, reading_minutes(body_words), sum(check_minutes(c) for c in checks),
                         sum(activity_minutes(a) for a in activities))


# Courses ---------------------------------------------------------------------------------------

class Timed(Protocol):
    minutes: float
    domains: Mapping[str, float]


@dataclass(frozen=True)
class CourseHours:
    """A course's computed time: its parts in minutes and the whole by IC&RC domain (formats spec 3)."""

    slug: str
    lessons: float
    scenarios: float
    final_check: float
    by_domain: Mapping[str, float] = field(default_factory=dict)  # minutes

    @property
    def minutes(self) -> float:
        return self.lessons + self.scenarios + self.final_check

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def hours_by_domain(self) -> dict[str, float]:
        return {domain: minutes / 60 for domain, minutes in self.by_domain.items()}


def course_hours(course: Any, scenarios: Iterable[Timed], final_check: Any | None) -> CourseHours:
    """Lessons and scenarios split by their own domain shares; the final check, which samples the whole
    course, in proportion to the lessons' minutes by domain (docs/hours.md)."""
    by_domain: dict[str, float] = {}
    lessons = 0.0
    for lesson in course.lessons:
        lessons += lesson.computed.total
        add(by_domain, split(lesson.computed.total, lesson.domains))
    lesson_split = dict(by_domain)
    scenario_total = 0.0
    for scenario in scenarios:
        scenario_total += scenario.minutes
        add(by_domain, split(scenario.minutes, scenario.domains))
    final = final_check.minutes if final_check is not None else 0.0
    if final and lessons:
        add(by_domain, {domain: final * minutes / lessons for domain, minutes in lesson_split.items()})
    ordered = {domain: by_domain[domain] for domain in DOMAIN_IDS if by_domain.get(domain)}
    return CourseHours(course.slug, lessons, scenario_total, final, MappingProxyType(ordered))


def check_course_hours(catalog: Any, assessments: Any) -> Mapping[str, CourseHours]:
    """Every course's computed hours; ContentErrors naming course.yaml when its `hours:` disagree."""
    # Paths are shown from the curricula folder's parent, as the loader shows them.
    sink = ErrorSink(Path(next(iter(catalog.courses.values())).path).parent.parent if catalog.courses else Path("."))
    result = {}
    for slug, course in catalog.courses.items():
        computed = course_hours(course, assessments.scenarios_for(slug), assessments.final_check_for(slug))
        result[slug] = computed
        _compare(course, computed, sink)
    sink.raise_if_any()
    return MappingProxyType(result)


def _compare(course: Any, computed: CourseHours, sink: ErrorSink) -> None:
    path = Path(course.path)
    lines = course.hours_lines
    by_domain = computed.hours_by_domain()
    for domain in DOMAIN_IDS:
        declared, hours = course.hours.get(domain, 0.0), by_domain.get(domain, 0.0)
        if not agrees(declared, hours, COURSE_TOLERANCE):
            sink.add(path, lines.get(domain, lines.get("", 1)),
                     f"hours: {domain} is {declared:g} h but the method computes {hours:.2f} h; make them agree "
                     f"within {allowance(hours, COURSE_TOLERANCE):.2f} h (docs/hours.md)")
    declared_total = sum(course.hours.values())
    if not agrees(declared_total, computed.hours, COURSE_TOLERANCE):
        sink.add(path, lines.get("", 1),
                 f"hours add up to {declared_total:g} h but the method computes {computed.hours:.2f} h "
                 f"(lessons {computed.lessons:.1f} min, scenarios {computed.scenarios:.1f} min, final check "
                 f"{computed.final_check:.1f} min); make them agree within "
                 f"{allowance(computed.hours, COURSE_TOLERANCE):.2f} h (docs/hours.md)")
