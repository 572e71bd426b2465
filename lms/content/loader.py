"""Discover and load curricula/ into a Catalog, collecting every problem as file:line: problem."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lms.content import hours
from lms.content.activities import check_activities
from lms.content.errors import ErrorSink
from lms.content.markdown import count_words, loose_placeholders, render_markdown, split_placeholders
from lms.content.models import Catalog, Course, Framework, Lesson, Module, Segment
from lms.content.schema import CompetenciesFile, CourseFile, LessonMeta
from lms.content.yamlio import LineDict, YamlSyntaxError, line_of, load_yaml

M = TypeVar("M", bound=BaseModel)
LESSON_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
MIN_LESSON_WORDS = 500
MIN_LESSONS = 5
SESSIONS_DIR = "sessions"  # curricula/sessions/ holds live-session templates, not a course (formats spec 4)


def digest(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()[:16]


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}'"
    if kind == "missing":
        return f"missing required key '{error['loc'][-1]}'"
    message = error["msg"].removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def explain_error(data: Any, error: dict[str, Any]) -> tuple[tuple, str]:
    """Where a pydantic error points (for its line) and what to say about it."""
    loc = error["loc"][:-1] if error["type"] == "missing" else error["loc"]
    return loc, _describe(error)


def validate(model: type[M], data: Any, path: Path, sink: ErrorSink,
             explain: Callable[[Any, dict[str, Any]], tuple[tuple, str]] = explain_error) -> M | None:
    if not isinstance(data, dict):
        sink.add(path, getattr(data, "line", 1), "expected a mapping of keys to values")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc, problem = explain(data, error)
            sink.add(path, line_of(data, loc), problem)
        return None


def read_yaml(path: Path, sink: ErrorSink) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        sink.add(path, exc.line, exc.problem)
    except (OSError, UnicodeDecodeError) as exc:
        sink.add(path, 1, f"cannot read file: {exc}")
    return None


def load_framework(root: Path, sink: ErrorSink) -> Framework | None:
    path = root / "competencies.yaml"
    if not path.exists():
        sink.add(path, 1, "missing competencies.yaml")
        return None
    data = read_yaml(path, sink)
    spec = validate(CompetenciesFile, data, path, sink) if data is not None else None
    if spec is None:
        return None
    comps, seen = [], set()
    for fw in spec.frameworks:
        for comp in fw.competencies:
            if comp.id in seen:
                sink.add(path, 1, f"duplicate competency id '{comp.id}'")
            seen.add(comp.id)
            comps.append((fw.id, comp))
    return Framework.from_specs(spec.scale, spec.domains, comps, digest(path.read_bytes()), spec.practice,
                                {fw.id: fw.name for fw in spec.frameworks})


def load_catalog(root: Path) -> Catalog:
    """Load everything under `root`; raise ContentErrors listing every problem found."""
    root = Path(root)
    sink = ErrorSink(root)
    framework = load_framework(root, sink)
    known = set(framework.competencies) if framework else set()
    courses: dict[str, Course] = {}
    for course_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if course_dir.name == SESSIONS_DIR:
            continue
        course = load_course(course_dir, known, sink)
        if course:
            courses[course.slug] = course
    check_prerequisites(root, courses, sink)
    sessions: Any = {}
    if (root / SESSIONS_DIR).is_dir():
        from lms.content.session_loader import load_sessions  # it builds on this module's helpers

        sessions = load_sessions(root / SESSIONS_DIR, known, courses, sink)
    sink.raise_if_any()
    assert framework is not None
    return Catalog(framework=framework, courses=MappingProxyType(courses), sessions=MappingProxyType(dict(sessions)))


def check_competencies(ids: Any, known: set[str], path: Path, data: Any, loc: tuple, sink: ErrorSink) -> None:
    for i, comp in enumerate(ids):
        if comp not in known:
            sink.add(path, line_of(data, (*loc, i)), f"unknown competency '{comp}'")


def load_course(course_dir: Path, known: set[str], sink: ErrorSink) -> Course | None:
    path = course_dir / "course.yaml"
    if not path.exists():
        sink.add(path, 1, "course folder has no course.yaml")
        return None
    data = read_yaml(path, sink)
    spec = validate(CourseFile, data, path, sink) if data is not None else None
    if spec is None:
        return None
    if spec.slug != course_dir.name:
        sink.add(path, line_of(data, ("slug",)), f"slug '{spec.slug}' must equal the folder name '{course_dir.name}'")
    check_competencies(spec.competencies, known, path, data, ("competencies",), sink)
    for i, objective in enumerate(spec.objectives):
        check_competencies(objective.competencies, known, path, data, ("objectives", i, "competencies"), sink)

    lessons = load_lessons(course_dir, spec.slug, known, sink)
    modules, placed = [], set()
    for m_index, module in enumerate(spec.modules):
        items = []
        for l_index, lesson_slug in enumerate(module.lessons):
            line = line_of(data, ("modules", m_index, "lessons", l_index))
            if lesson_slug in placed:
                sink.add(path, line, f"lesson '{lesson_slug}' is listed in more than one module")
            elif lesson_slug not in lessons:
                sink.add(path, line, f"no lesson file lessons/NN-{lesson_slug}.md")
            else:
                items.append(lessons[lesson_slug])
            placed.add(lesson_slug)
        modules.append((module, items))
    for slug, lesson in lessons.items():
        if slug not in placed:
            sink.add(Path(lesson.path), 1, f"lesson '{slug}' is not listed in any module of course.yaml")
    if len(lessons) < MIN_LESSONS:
        sink.add(path, 1, f"a course needs at least {MIN_LESSONS} lessons, found {len(lessons)}")
    # course.yaml `hours:` is checked against lessons, scenarios and the final check once the assessments
    # are loaded too (lms/content/hours.py::check_course_hours).

    built = []
    position = 0
    for module, items in modules:
        placed_lessons = []
        for lesson in items:
            position += 1
            placed_lessons.append(_place(lesson, module.slug, position))
        built.append(Module(module.slug, module.title, tuple(placed_lessons)))
    version = digest(path.read_bytes(), *(lesson.version.encode() for lesson in lessons.values()))
    return Course(
        slug=spec.slug, title=spec.title, summary=spec.summary,
        description_html=render_markdown(spec.description), objectives=tuple(spec.objectives),
        hours=MappingProxyType(dict(spec.hours)), competencies=tuple(spec.competencies),
        prerequisites=tuple(spec.prerequisites), modules=tuple(built), version=version, path=str(path),
        hours_lines=MappingProxyType({"": line_of(data, ("hours",)),
                                      **{d: line_of(data, ("hours", d)) for d in spec.hours}}),
    )


def _place(lesson: Lesson, module_slug: str, position: int) -> Lesson:
    from dataclasses import replace

    return replace(lesson, module_slug=module_slug, position=position)


def load_lessons(course_dir: Path, course_slug: str, known: set[str], sink: ErrorSink) -> dict[str, Lesson]:
    lessons: dict[str, Lesson] = {}
    lesson_dir = course_dir / "lessons"
    if not lesson_dir.is_dir():
        sink.add(course_dir / "course.yaml", 1, "course folder has no lessons/ folder")
        return lessons
    for path in sorted(lesson_dir.iterdir()):
        if path.name.startswith("."):
            continue
        match = LESSON_FILE.match(path.name)
        if not match:
            sink.add(path, 1, "lesson files are named NN-slug.md (two digits, lower-case slug)")
            continue
        lesson = load_lesson(path, course_slug, match.group(2), known, sink)
        if lesson is None:
            continue
        if lesson.slug in lessons:
            sink.add(path, 1, f"two lesson files have the slug '{lesson.slug}'")
        lessons[lesson.slug] = lesson
    return lessons


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, line number where the body starts) or None."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return None


def load_lesson(path: Path, course_slug: str, slug: str, known: set[str], sink: ErrorSink) -> Lesson | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        sink.add(path, 1, "file is not UTF-8 text")
        return None
    parts = split_front_matter(text)
    if parts is None:
        sink.add(path, 1, "a lesson starts with YAML front matter between two '---' lines")
        return None
    front, body, body_line = parts
    try:
        data = load_yaml(front, line_offset=1)
    except YamlSyntaxError as exc:
        sink.add(path, exc.line, exc.problem)
        return None
    meta = validate(LessonMeta, data, path, sink)
    if meta is None:
        return None
    check_lesson_meta(meta, data, path, known, sink)
    words = count_words(body)
    if words < MIN_LESSON_WORDS:
        sink.add(path, body_line, f"the lesson body has {words} words; at least {MIN_LESSON_WORDS} are needed")
    segments = build_segments(body, meta, data, path, body_line, sink)
    computed = hours.lesson_minutes(words, meta.checks, meta.activities)
    if not hours.agrees(meta.minutes, computed.total, hours.LESSON_TOLERANCE):
        sink.add(path, line_of(data, ("minutes",)),
                 f"minutes is {meta.minutes} but the method computes {computed.total:.1f} ({computed.describe()}); "
                 f"make them agree within {hours.allowance(computed.total, hours.LESSON_TOLERANCE):.1f} minutes: "
                 f"write minutes: {round(computed.total)} (docs/hours.md)")
    return Lesson(
        slug=slug, course_slug=course_slug, module_slug="", position=0, title=meta.title,
        minutes=meta.minutes, objectives=tuple(meta.objectives), competencies=tuple(meta.competencies),
        sources=tuple(meta.sources), checks=tuple(meta.checks), segments=tuple(segments),
        word_count=words, version=digest(raw), path=str(path), activities=tuple(meta.activities),
        domains=MappingProxyType(dict(meta.domains)), computed=computed,
    )


def check_lesson_meta(meta: LessonMeta, data: LineDict, path: Path, known: set[str], sink: ErrorSink) -> None:
    check_competencies(meta.competencies, known, path, data, ("competencies",), sink)
    for i, objective in enumerate(meta.objectives):
        check_competencies(objective.competencies, known, path, data, ("objectives", i, "competencies"), sink)
    seen: set[str] = set()
    for i, check in enumerate(meta.checks):
        if check.id in seen:
            sink.add(path, line_of(data, ("checks", i, "id")), f"duplicate check id '{check.id}'")
        seen.add(check.id)
        check_competencies(check.competencies, known, path, data, ("checks", i, "competencies"), sink)
    check_activities(meta.activities, known, data, path, sink)


def build_segments(body: str, meta: LessonMeta, data: LineDict, path: Path, body_line: int,
                   sink: ErrorSink) -> list[Segment]:
    """Markdown between placeholders becomes HTML; [[check:id]] and [[activity:id]] become the item itself.
    Checks not placed go at the end; activities must each be placed exactly once (formats spec 1)."""
    items = {"check": {check.id: check for check in meta.checks},
             "activity": {activity.id: activity for activity in meta.activities}}
    segments: list[Segment] = []
    placed: set[tuple[str, str]] = set()
    for markdown, kind, item_id, line in split_placeholders(body):
        if kind is None or item_id is None:
            segments.append(Segment(html=render_markdown(markdown)))
            continue
        item = items[kind].get(item_id)
        where = body_line + line
        if item is None:
            sink.add(path, where, f"[[{kind}:{item_id}]] names no {kind} in the front matter")
        elif (kind, item_id) in placed:
            sink.add(path, where, f"{kind} '{item_id}' is placed twice")
        else:
            placed.add((kind, item_id))
            # An activity's segment carries its instructions, rendered once here.
            segments.append(Segment(check=item) if kind == "check"
                            else Segment(html=render_markdown(item.instructions), activity=item))
    for line, text in loose_placeholders(body):
        sink.add(path, body_line + line, f"'{text}' is not a placeholder: write [[check:id]] or [[activity:id]] "
                                         "on a line of its own (ids are lower-case letters, digits and hyphens)")
    for i, activity in enumerate(meta.activities):
        if ("activity", activity.id) not in placed:
            sink.add(path, line_of(data, ("activities", i)),
                     f"activity '{activity.id}' is not placed: put [[activity:{activity.id}]] on a line of its "
                     "own in the body")
    segments.extend(Segment(check=check) for check in meta.checks if ("check", check.id) not in placed)
    return segments


def check_prerequisites(root: Path, courses: dict[str, Course], sink: ErrorSink) -> None:
    for course in courses.values():
        for prereq in course.prerequisites:
            if prereq not in courses:
                sink.add(root / course.slug / "course.yaml", 1, f"unknown prerequisite course '{prereq}'")
    # A cycle would lock every course in it forever.
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(slug: str, trail: list[str]) -> None:
        if slug in done or slug not in courses:
            return
        if slug in visiting:
            cycle = " -> ".join([*trail[trail.index(slug):], slug])
            sink.add(root / slug / "course.yaml", 1, f"prerequisite cycle: {cycle}")
            return
        visiting.add(slug)
        for prereq in courses[slug].prerequisites:
            visit(prereq, [*trail, slug])
        visiting.discard(slug)
        done.add(slug)

    for slug in courses:
        visit(slug, [])
