"""Discover and load assessments/ into an AssessmentCatalog, collecting every problem as file:line: problem.

The machinery is the course loader's (lms.content): line-aware YAML, ErrorSink, pydantic errors placed with
line_of. Problems inside a scenario node or bank item name it: "node 'first-reply' option 'wait': ...",
"item 'ci-04': ...".
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel

from lms.assessments import graph, timing
from lms.assessments.definitions import (
    AssessmentCatalog,
    AssessmentSettings,
    Bank,
    Decision,
    End,
    FinalCheck,
    Media,
    Narrative,
    Node,
    Option,
    Scenario,
)
from lms.assessments.questions import QUESTION_TYPES, bank_model
from lms.assessments.schema import NODE_TYPES, BankFile, MediaSpec, ScenarioFile, SettingsSpec
from lms.content.errors import ErrorSink
from lms.content.loader import _describe, check_competencies, digest, read_yaml, validate
from lms.content.markdown import render_markdown
from lms.content.models import Course, Framework
from lms.content.yamlio import line_of

M = TypeVar("M", bound=BaseModel)
SCENARIO_FILE = re.compile(r"^scenario-([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
BANK_FILE = "bank.yaml"
MIN_BANK_ITEMS = 20
MIN_BANK_TYPES = 3
_SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"


class _Named:
    """An ErrorSink that prefixes every problem (a node or item name) and delegates to the real one."""

    def __init__(self, sink: ErrorSink, prefix: str):
        self.sink, self.prefix = sink, prefix

    def add(self, path: Path, line: int, problem: str) -> None:
        self.sink.add(path, line, f"{self.prefix}: {problem}")


# pydantic errors with node and item names ------------------------------------------------------

def _name(kind: str, index: int, element: Any) -> str:
    ident = element.get("id") if isinstance(element, dict) else None
    label = {"nodes": "node", "items": "item", "options": "option"}[kind]
    return f"{label} '{ident}'" if isinstance(ident, str) else f"{label} {index + 1}"


def _explain(data: Any, error: dict[str, Any]) -> tuple[tuple, str]:
    """(location of the line to show, problem naming the node/item/option) for one pydantic error."""
    loc, names, place, element, i = tuple(error["loc"]), [], [], data, 0
    while i + 1 < len(loc) and loc[i] in ("nodes", "items", "options") and isinstance(loc[i + 1], int):
        kind, index = loc[i], loc[i + 1]
        seq = element.get(kind) if isinstance(element, dict) else None
        element = seq[index] if isinstance(seq, list) and index < len(seq) else None
        names.append(_name(kind, index, element))
        place += [kind, index]
        i += 2
        # A discriminated union puts the tag (the `type` value) into the location: skip it.
        if i < len(loc) and isinstance(element, dict) and loc[i] == element.get("type"):
            i += 1
    rest = loc[i:]
    kind = error["type"]
    ctx = error.get("ctx") or {}
    node_type = element.get("type") if isinstance(element, dict) and names[:1] and "node" in names[0] else None
    tags = ", ".join(f"'{t}'" for t in (NODE_TYPES if place[:1] == ["nodes"] else QUESTION_TYPES))
    if kind == "union_tag_not_found":
        problem = f"missing required key 'type' (one of {tags})"
    elif kind == "union_tag_invalid":
        problem = f"unknown type '{ctx.get('tag')}' (one of {tags})"
        rest = ("type",)
    elif kind == "extra_forbidden" and node_type == "end" and rest in (("next",), ("options",)):
        problem = f"an end node has neither 'next' nor 'options' (found '{rest[0]}')"
    elif kind == "extra_forbidden" and node_type == "narrative" and rest == ("options",):
        problem = "a narrative node has 'next', not 'options'"
    elif kind == "extra_forbidden" and node_type == "decision" and rest == ("next",):
        problem = "a decision node has no 'next': each of its options has one"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == _SLUG_PATTERN:
        where = ".".join(str(p) for p in rest)
        problem = (f"{where}: '{error['input']}' is not a valid id "
                   "(lower-case letters, digits and single hyphens)")
    else:
        problem = _describe({**error, "loc": rest})
    line_loc = (*place, *rest)
    if kind == "missing":
        line_loc = line_loc[:-1]
    return line_loc, (f"{' '.join(names)}: {problem}" if names else problem)


def validate_named(model: type[M], data: Any, path: Path, sink: ErrorSink) -> M | None:
    """lms.content.loader.validate, naming the node, item and option of each problem."""
    return validate(model, data, path, sink, explain=_explain)


# the tree --------------------------------------------------------------------------------------

class _Context:
    def __init__(self, root: Path, framework: Framework, courses: Mapping[str, Course]):
        self.root, self.courses = root, courses
        self.known = set(framework.competencies)
        self.sink = ErrorSink(root)
        self.slugs: dict[str, Path] = {}

    def claim(self, slug: str, path: Path, data: Any, loc: tuple, what: str) -> None:
        """Slugs (scenarios, banks, final checks) are unique across assessments/."""
        owner = self.slugs.get(slug)
        if owner is not None:
            shown = owner.relative_to(self.root.parent) if owner.is_relative_to(self.root.parent) else owner
            self.sink.add(path, line_of(data, loc), f"{what} slug '{slug}' is already used in {shown}")
        else:
            self.slugs[slug] = path

    def check_course(self, course: str, folder: str, path: Path, data: Any) -> None:
        if course not in self.courses:
            self.sink.add(path, line_of(data, ("course",)), f"unknown course '{course}'")
        elif course != folder:
            self.sink.add(path, line_of(data, ("course",)), f"course '{course}' must equal the folder name '{folder}'")


def load_assessments(root: Path, framework: Framework, courses: Mapping[str, Course]) -> AssessmentCatalog:
    """Load assessments/<course>/scenario-*.yaml and bank.yaml; raise ContentErrors listing every problem."""
    root = Path(root)
    ctx = _Context(root, framework, courses)
    scenarios: dict[str, Scenario] = {}
    banks: dict[str, Bank] = {}
    finals: dict[str, FinalCheck] = {}
    if not root.is_dir():
        ctx.sink.add(root, 1, "the assessments folder does not exist")
        ctx.sink.raise_if_any()
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file():
            if entry.suffix in (".yaml", ".yml"):
                ctx.sink.add(entry, 1, "assessment files go in a course folder: assessments/<course>/")
            continue
        if entry.name not in courses:
            ctx.sink.add(entry, 1, f"'{entry.name}' is not a course; name assessment folders after a course slug")
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith(".") or path.name.lower() == "readme.md":
                continue
            if path.name == BANK_FILE:
                loaded = load_bank(path, ctx)
                if loaded:
                    bank, final = loaded
                    banks[bank.course] = bank
                    finals[final.slug] = final
            elif match := SCENARIO_FILE.match(path.name):
                scenario = load_scenario(path, match.group(1), ctx)
                if scenario:
                    scenarios[scenario.slug] = scenario
            else:
                ctx.sink.add(path, 1, "assessment files are named scenario-<slug>.yaml or bank.yaml")
    ctx.sink.raise_if_any()
    return AssessmentCatalog(scenarios=MappingProxyType(scenarios), banks=MappingProxyType(banks),
                             final_checks=MappingProxyType(finals))


def _read(path: Path, sink: ErrorSink) -> Any:
    """read_yaml, and an empty file is a problem rather than nothing to load."""
    before = len(sink.errors)
    data = read_yaml(path, sink)
    if data is None and len(sink.errors) == before:
        sink.add(path, 1, "the file is empty")
    return data


def _settings(spec: SettingsSpec) -> AssessmentSettings:
    return AssessmentSettings(**spec.model_dump())


def _media(spec: MediaSpec | None) -> Media | None:
    return Media(spec.src, spec.alt, spec.transcript) if spec else None


# scenarios -----------------------------------------------------------------------------------

def load_scenario(path: Path, file_slug: str, ctx: _Context) -> Scenario | None:
    data = _read(path, ctx.sink)
    spec = validate_named(ScenarioFile, data, path, ctx.sink) if data is not None else None
    if spec is None:
        return None
    sink = ctx.sink
    if spec.slug != file_slug:
        sink.add(path, line_of(data, ("slug",)),
                 f"slug '{spec.slug}' must match the file name scenario-{file_slug}.yaml")
    ctx.claim(spec.slug, path, data, ("slug",), "scenario")
    ctx.check_course(spec.course, path.parent.name, path, data)
    check_competencies(spec.competencies, ctx.known, path, data, ("competencies",), sink)
    for i, ref in enumerate(spec.review):
        course_slug, _, lesson_slug = ref.partition("/")
        course = ctx.courses.get(course_slug)
        if course is None:
            sink.add(path, line_of(data, ("review", i)), f"review: unknown course '{course_slug}' in '{ref}'")
        elif course.lesson(lesson_slug) is None:
            sink.add(path, line_of(data, ("review", i)),
                     f"review: course '{course_slug}' has no lesson '{lesson_slug}'")

    index: dict[str, int] = {}
    nodes: dict[str, Node] = {}
    for n, node in enumerate(spec.nodes):
        if node.id in index:
            sink.add(path, line_of(data, ("nodes", n, "id")), f"duplicate node id '{node.id}'")
            continue
        index[node.id] = n
        if node.type == "narrative":
            nodes[node.id] = Narrative(node.id, node.text, render_markdown(node.text), node.next, _media(node.media))
        elif node.type == "end":
            nodes[node.id] = End(node.id, node.outcome, render_markdown(node.outcome), _media(node.media))
        else:
            options = []
            for o, option in enumerate(node.options):
                for comp in option.scores:
                    if comp not in ctx.known:
                        sink.add(path, line_of(data, ("nodes", n, "options", o, "scores", comp)),
                                 f"node '{node.id}' option '{option.id}': scores: unknown competency '{comp}'")
                options.append(Option(option.id, option.text, option.feedback, option.source, option.next,
                                      MappingProxyType({k: float(v) for k, v in option.scores.items()}),
                                      option.critical, option.reason))
            nodes[node.id] = Decision(node.id, node.prompt, tuple(options), node.text,
                                      render_markdown(node.text) if node.text else "", _media(node.media))

    scenario = Scenario(
        slug=spec.slug, course=spec.course, title=spec.title, summary=spec.summary,
        competencies=tuple(spec.competencies), settings=_settings(spec.settings),
        domains=MappingProxyType(dict(spec.domains)),
        review=tuple(tuple(ref.split("/", 1)) for ref in spec.review),  # type: ignore[misc]
        start=spec.start, nodes=MappingProxyType(nodes), version=digest(path.read_bytes()), path=str(path),
    )
    problems = graph.check_scenario(scenario)
    for problem in problems:
        if problem.node is None:
            loc: tuple = problem.at
        else:
            loc = ("nodes", index[problem.node])
            if problem.option is not None:
                decision = nodes[problem.node]
                assert isinstance(decision, Decision)
                loc += ("options", next(i for i, o in enumerate(decision.options) if o.id == problem.option))
            loc += problem.at
        sink.add(path, line_of(data, loc), str(problem))
    if problems:
        return None
    return replace(scenario, max_points=MappingProxyType(graph.max_points(scenario)),
                   max_total=graph.max_total(scenario), minutes=timing.longest_path(scenario).minutes)


# banks ---------------------------------------------------------------------------------------

def load_bank(path: Path, ctx: _Context) -> tuple[Bank, FinalCheck] | None:
    data = _read(path, ctx.sink)
    spec: BankFile | None = validate_named(bank_model(), data, path, ctx.sink) if data is not None else None
    if spec is None:
        return None
    sink = ctx.sink
    ctx.claim(spec.slug, path, data, ("slug",), "bank")
    ctx.claim(spec.final_check.slug, path, data, ("final_check", "slug"), "final check")
    ctx.check_course(spec.course, path.parent.name, path, data)

    items, seen = [], set()
    for n, item in enumerate(spec.items):
        name = f"item '{item.id}'"
        if item.id in seen:
            sink.add(path, line_of(data, ("items", n, "id")), f"duplicate item id '{item.id}'")
        seen.add(item.id)
        check_competencies(item.competencies, ctx.known, path, data, ("items", n, "competencies"), _Named(sink, name))
        kind = QUESTION_TYPES[item.type]
        for at, problem in kind.problems(item):
            sink.add(path, line_of(data, ("items", n, *at)), f"{name}: {problem}")
        items.append(kind.build(item))

    if len(items) < MIN_BANK_ITEMS:
        sink.add(path, line_of(data, ("items",)), f"a bank needs at least {MIN_BANK_ITEMS} items, found {len(items)}")
    types = sorted({item.type for item in items})
    if len(types) < MIN_BANK_TYPES:
        sink.add(path, line_of(data, ("items",)),
                 f"a bank needs at least {MIN_BANK_TYPES} question types, found {len(types)} ({', '.join(types)})")
    final = spec.final_check
    if final.draw > len(items):
        sink.add(path, line_of(data, ("final_check", "draw")),
                 f"final_check.draw: draws {final.draw} items but the bank has {len(items)}")
    version = digest(path.read_bytes())
    bank = Bank(spec.slug, spec.course, spec.title, tuple(items), version, str(path))
    return bank, FinalCheck(final.slug, spec.course, final.title, final.draw, _settings(final.settings),
                            spec.slug, version, minutes=timing.final_check_minutes(final.draw, bank))
