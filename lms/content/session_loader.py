"""Load curricula/sessions/NN-<slug>.md into SessionTemplates, naming file and line for every problem.

Checks (formats spec 4): the slug matches the file name; agenda minutes add up to `minutes` exactly; break
items add up to `breaks`; each role-play segment names a role play of the file and only role-play segments
do; prompts name discussion prompts of the file; every competency exists; prerequisites are courses;
domain shares add up to 1 (the schema); the body, the facilitator guide, is not empty.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lms.content.errors import ErrorSink
from lms.content.loader import check_competencies, digest, split_front_matter, validate
from lms.content.markdown import count_words, render_markdown
from lms.content.sessions import SessionMeta, SessionTemplate
from lms.content.yamlio import YamlSyntaxError, line_of, load_yaml

SESSION_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


def load_sessions(folder: Path, known: set[str], courses: Mapping[str, Any], sink: ErrorSink
                  ) -> Mapping[str, SessionTemplate]:
    sessions: dict[str, SessionTemplate] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.lower() == "readme.md":
            continue
        match = SESSION_FILE.match(path.name)
        if not match or not path.is_file():
            sink.add(path, 1, "session templates are named NN-slug.md (two digits, lower-case slug)")
            continue
        template = load_session(path, int(match.group(1)), match.group(2), known, courses, sink)
        if template is None:
            continue
        if template.slug in sessions:
            sink.add(path, 1, f"two session templates have the slug '{template.slug}'")
        sessions[template.slug] = template
    return MappingProxyType(sessions)


def load_session(path: Path, number: int, file_slug: str, known: set[str], courses: Mapping[str, Any],
                 sink: ErrorSink) -> SessionTemplate | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        sink.add(path, 1, "file is not UTF-8 text")
        return None
    parts = split_front_matter(text)
    if parts is None:
        sink.add(path, 1, "a session template starts with YAML front matter between two '---' lines")
        return None
    front, body, body_line = parts
    try:
        data = load_yaml(front, line_offset=1)
    except YamlSyntaxError as exc:
        sink.add(path, exc.line, exc.problem)
        return None
    meta = validate(SessionMeta, data, path, sink)
    if meta is None:
        return None
    before = len(sink.errors)
    _check(meta, data, file_slug, path, known, courses, sink)
    words = count_words(body)
    if not words:
        sink.add(path, body_line, "the body is the facilitator guide: it cannot be empty")
    if len(sink.errors) > before:
        return None
    return SessionTemplate(
        slug=meta.slug, number=number, title=meta.title, minutes=meta.minutes, breaks=meta.breaks,
        domains=MappingProxyType(dict(meta.domains)), objectives=tuple(meta.objectives),
        competencies=tuple(meta.competencies), sources=tuple(meta.sources), materials=tuple(meta.materials),
        prerequisites=tuple(meta.prerequisites), agenda=tuple(meta.agenda), role_plays=tuple(meta.role_plays),
        discussion_prompts=tuple(meta.discussion_prompts), guide_html=render_markdown(body),
        version=digest(raw), path=str(path), guide_words=words,
    )


def _check(meta: SessionMeta, data: Any, file_slug: str, path: Path, known: set[str], courses: Mapping[str, Any],
           sink: ErrorSink) -> None:
    def at(*loc: Any) -> int:
        return line_of(data, loc)

    if meta.slug != file_slug:
        sink.add(path, at("slug"), f"slug '{meta.slug}' must match the file name after the NN- prefix ('{file_slug}')")
    agenda_minutes = sum(item.minutes for item in meta.agenda)
    if agenda_minutes != meta.minutes:
        sink.add(path, at("agenda"), f"the agenda's minutes add up to {agenda_minutes} but the session is "
                                     f"{meta.minutes} minutes; they must be equal")
    break_minutes = sum(item.minutes for item in meta.agenda if item.kind == "break")
    if break_minutes != meta.breaks:
        sink.add(path, at("breaks") if "breaks" in data else at("agenda"),
                 f"breaks is {meta.breaks} but the agenda's break items add up to {break_minutes} minutes")
    if meta.breaks >= meta.minutes:
        sink.add(path, at("breaks"), f"breaks ({meta.breaks}) must be shorter than the session ({meta.minutes})")
    role_plays = _unique_ids(meta.role_plays, data, "role_plays", "role play", path, sink)
    prompts = _unique_ids(meta.discussion_prompts, data, "discussion_prompts", "discussion prompt", path, sink)
    for i, item in enumerate(meta.agenda):
        if item.kind == "role-play" and item.role_play is None:
            sink.add(path, at("agenda", i), f"agenda item '{item.title}': a role-play segment names its role_play")
        elif item.kind != "role-play" and item.role_play is not None:
            sink.add(path, at("agenda", i, "role_play"),
                     f"agenda item '{item.title}': only role-play segments have a role_play")
        elif item.role_play is not None and item.role_play not in role_plays:
            sink.add(path, at("agenda", i, "role_play"),
                     f"agenda item '{item.title}': no role play '{item.role_play}' in role_plays")
        if item.kind == "break" and item.prompts:
            sink.add(path, at("agenda", i, "prompts"), f"agenda item '{item.title}': a break has no prompts")
        for p, prompt in enumerate(item.prompts):
            if prompt not in prompts:
                sink.add(path, at("agenda", i, "prompts", p),
                         f"agenda item '{item.title}': no discussion prompt '{prompt}' in discussion_prompts")
    check_competencies(meta.competencies, known, path, data, ("competencies",), sink)
    for i, objective in enumerate(meta.objectives):
        check_competencies(objective.competencies, known, path, data, ("objectives", i, "competencies"), sink)
    for r, role_play in enumerate(meta.role_plays):
        for c, item in enumerate(role_play.observer_checklist):
            if item.competency not in known:
                sink.add(path, at("role_plays", r, "observer_checklist", c, "competency"),
                         f"role play '{role_play.id}': unknown competency '{item.competency}'")
    for i, slug in enumerate(meta.prerequisites):
        if slug not in courses:
            sink.add(path, at("prerequisites", i), f"unknown prerequisite course '{slug}'")


def _unique_ids(items: list, data: Any, key: str, what: str, path: Path, sink: ErrorSink) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            sink.add(path, line_of(data, (key, i, "id")), f"{what} id '{item.id}' appears twice")
        seen.add(item.id)
    return seen
