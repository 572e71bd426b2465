"""Runtime content objects: frozen, typed, with derived data (versions, rendered HTML) attached."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lms.content.hours import LessonMinutes
from lms.content.schema import (
    ActivitySpec,
    CheckSpec,
    CompetencySpec,
    DomainSpec,
    ObjectiveSpec,
    PracticeSpec,
    ScaleSpec,
    SourceSpec,
)
from lms.content.sessions import SessionTemplate


@dataclass(frozen=True)
class Competency:
    id: str
    name: str
    description: str
    framework: str
    domain: str | None


@dataclass(frozen=True)
class Framework:
    """The competency framework, proficiency scale and IC&RC domains from competencies.yaml."""

    scale: ScaleSpec
    domains: tuple[DomainSpec, ...]
    competencies: Mapping[str, Competency]
    version: str
    practice: PracticeSpec | None = None  # required practice and supervision hours, when the file gives them
    framework_names: Mapping[str, str] = field(default_factory=dict)  # framework id -> name, for headings

    @property
    def domain_names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.domains}

    def is_proficient(self, level: str) -> bool:
        order = [lv.id for lv in self.scale.levels]
        return level in order and order.index(level) >= order.index(self.scale.proficient)

    @staticmethod
    def from_specs(scale: ScaleSpec, domains: list[DomainSpec], comps: list[tuple[str, CompetencySpec]],
                   version: str, practice: PracticeSpec | None = None,
                   framework_names: Mapping[str, str] | None = None) -> Framework:
        items = {c.id: Competency(c.id, c.name, c.description, fw, c.domain) for fw, c in comps}
        return Framework(scale, tuple(domains), MappingProxyType(items), version, practice,
                         MappingProxyType(dict(framework_names or {})))


@dataclass(frozen=True)
class Segment:
    """A piece of a lesson body: rendered HTML, or a knowledge check or an activity (with its instructions as
    `html`) placed at this point."""

    html: str = ""
    check: CheckSpec | None = None
    activity: ActivitySpec | None = None


@dataclass(frozen=True)
class Lesson:
    slug: str
    course_slug: str
    module_slug: str
    position: int
    title: str
    minutes: int
    objectives: tuple[ObjectiveSpec, ...]
    competencies: tuple[str, ...]
    sources: tuple[SourceSpec, ...]
    checks: tuple[CheckSpec, ...]
    segments: tuple[Segment, ...]
    word_count: int
    version: str
    path: str
    activities: tuple[ActivitySpec, ...] = ()
    domains: Mapping[str, float] = field(default_factory=dict)  # IC&RC domain -> share of the time
    computed: LessonMinutes = LessonMinutes(0, 0.0, 0.0, 0.0)  # by the hours method (lms/content/hours.py)

    def check(self, check_id: str) -> CheckSpec | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def activity(self, activity_id: str) -> ActivitySpec | None:
        return next((a for a in self.activities if a.id == activity_id), None)


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    summary: str
    description_html: str
    objectives: tuple[ObjectiveSpec, ...]
    hours: Mapping[str, float]
    competencies: tuple[str, ...]
    prerequisites: tuple[str, ...]
    modules: tuple[Module, ...]
    version: str
    path: str = ""  # course.yaml, for errors found after loading (lms/content/hours.py)
    hours_lines: Mapping[str, int] = field(default_factory=dict)  # domain -> line in course.yaml; "" the key

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    @property
    def total_hours(self) -> float:
        return round(sum(self.hours.values()), 2)

    @property
    def total_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def neighbours(self, slug: str) -> tuple[Lesson | None, Lesson | None]:
        lessons = self.lessons
        index = next(i for i, lesson in enumerate(lessons) if lesson.slug == slug)
        prev_lesson = lessons[index - 1] if index > 0 else None
        next_lesson = lessons[index + 1] if index + 1 < len(lessons) else None
        return prev_lesson, next_lesson


@dataclass(frozen=True)
class Catalog:
    """Everything loaded from curricula/: the framework and the courses, in catalog order."""

    framework: Framework
    courses: Mapping[str, Course] = field(default_factory=dict)
    sessions: Mapping[str, SessionTemplate] = field(default_factory=dict)  # live-session templates by slug

    def course(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    @property
    def versions(self) -> dict[str, str]:
        return {slug: course.version for slug, course in self.courses.items()}
