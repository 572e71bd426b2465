"""Certificate programs: certificates/<slug>.yaml loaded strictly into frozen Program objects.

The machinery is the content loader's (line-aware YAML, ErrorSink, pydantic errors placed with
line_of), so a bad program file is reported as file:line: problem. Course, assessment and
competency ids are checked against the loaded catalogs, and the hours a program claims are checked
against what its courses really provide.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from lms.assessments.definitions import AssessmentCatalog
from lms.content.errors import ErrorSink
from lms.content.loader import read_yaml, split_front_matter, validate
from lms.content.models import Catalog
from lms.content.schema import Slug, SourceSpec, Strict, Text
from lms.content.yamlio import YamlSyntaxError, line_of, load_yaml

ETHICS_DOMAIN = "ethical-responsibility"
CODE_OF_ETHICS_FILE = "code-of-ethics.md"
HOURS_TOLERANCE = 0.01
Score = Annotated[float, Field(ge=0, le=1)]
Hours = Annotated[float, Field(ge=0, le=10_000)]


class AssessmentRequirement(Strict):
    id: Slug
    min_score: Score


class Requirements(Strict):
    courses: list[Slug] = []
    assessments: list[AssessmentRequirement] = []
    # rated proficient or better, or covered by an active sign-off for this program
    competencies: list[Slug] = []
    sign_off: bool = False
    practice_hours: Hours = 0.0
    supervision_hours: Hours = 0.0
    ethics_attestation: bool = False


class Renewal(Strict):
    ce_hours: Hours
    ethics_hours: Hours

    @model_validator(mode="after")
    def _ethics_within_total(self) -> Renewal:
        if self.ethics_hours > self.ce_hours:
            raise ValueError(f"ethics_hours ({self.ethics_hours:g}) cannot exceed ce_hours ({self.ce_hours:g})")
        return self


class Achievement(Strict):
    name: Text
    description: Text
    criteria_narrative: Text
    achievement_type: Literal["Certificate", "CertificateOfCompletion", "Certification", "Course", "License",
                              "Award", "Badge"]
    alignments: list[Slug] = []
    credits_available: Hours


class Signatory(Strict):
    name: Text
    title: Text


class Program(Strict):
    slug: Slug
    name: Text
    description: Text
    issuance: Literal["automatic", "approval"]
    validity_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    requirements: Requirements
    renewal: Renewal
    achievement: Achievement
    signatory: Signatory
    template: Slug | None = None

    @model_validator(mode="after")
    def _has_requirements(self) -> Program:
        r = self.requirements
        if not (r.courses or r.assessments or r.competencies or r.sign_off or r.practice_hours
                or r.supervision_hours or r.ethics_attestation):
            raise ValueError("a program needs at least one requirement")
        return self

    @property
    def template_dir(self) -> str:
        return self.template or self.slug

    @property
    def number_prefix(self) -> str:
        """PRCT for peer-recovery-core-training: the initials of the slug's words."""
        return "".join(word[0] for word in self.slug.split("-")).upper()


@dataclass(frozen=True)
class CodeOfEthics:
    """The code-of-ethics wording a trainee attests to (certificates/code-of-ethics.md)."""

    title: str
    version: str
    principles: tuple[str, ...]
    statement: str
    sources: tuple[SourceSpec, ...]

    @property
    def text(self) -> str:
        """The exact wording attested, stored with each attestation."""
        lines = [f"{self.title} (version {self.version})", *(f"- {p}" for p in self.principles), self.statement]
        return "\n".join(lines)


class CodeOfEthicsMeta(Strict):
    title: Text
    version: Text
    statement: Text
    sources: list[SourceSpec] = Field(min_length=1)


class Programs(dict):
    """Programs by slug (a plain dict to callers), plus the code of ethics they may ask to attest."""

    code_of_ethics: CodeOfEthics | None = None


def program_hours(program: Program, catalog: Catalog) -> dict[str, Any]:
    """Hours the program's courses provide, by IC&RC domain (from each course.yaml), and ethics hours."""
    by_domain = dict.fromkeys(catalog.framework.domain_names, 0.0)
    for slug in program.requirements.courses:
        course = catalog.course(slug)
        for domain, hours in (course.hours.items() if course else ()):
            by_domain[domain] = round(by_domain.get(domain, 0.0) + hours, 2)
    return {"total": round(sum(by_domain.values()), 2), "by_domain": by_domain,
            "ethics": by_domain.get(ETHICS_DOMAIN, 0.0)}


def load_programs(root: Path, catalog: Catalog, assessments: AssessmentCatalog) -> Programs:
    """Load root/*.yaml; raise ContentErrors listing every problem as file:line: problem."""
    root = Path(root)
    sink = ErrorSink(root)
    programs = Programs()
    if not root.is_dir():
        sink.add(root, 1, "the certificates folder does not exist")
        sink.raise_if_any()
    for path in sorted(root.glob("*.y*ml")):
        program = load_program(path, catalog, assessments, sink)
        if program is not None:
            programs[program.slug] = program
    ethics_path = root / CODE_OF_ETHICS_FILE
    if ethics_path.exists():
        programs.code_of_ethics = load_code_of_ethics(ethics_path, sink)
    prefixes: dict[str, str] = {}
    for slug, program in programs.items():
        other = prefixes.setdefault(program.number_prefix, slug)
        if other != slug:
            sink.add(root / f"{slug}.yaml", 1, f"its certificate numbers would start {program.number_prefix}, like "
                     f"those of '{other}': choose slugs with different initials")
        if program.requirements.ethics_attestation and not ethics_path.exists():
            sink.add(root / f"{slug}.yaml", 1, f"ethics_attestation needs {CODE_OF_ETHICS_FILE} beside the programs")
    sink.raise_if_any()
    return programs


def load_program(path: Path, catalog: Catalog, assessments: AssessmentCatalog, sink: ErrorSink) -> Program | None:
    before = len(sink.errors)
    data = read_yaml(path, sink)
    if data is None:
        if len(sink.errors) == before:
            sink.add(path, 1, "the file is empty")
        return None
    program = validate(Program, data, path, sink)
    if program is None:
        return None
    errors = len(sink.errors)
    _check_references(program, data, path, catalog, assessments, sink)
    return program if len(sink.errors) == errors else None


def _check_references(program: Program, data: Any, path: Path, catalog: Catalog, assessments: AssessmentCatalog,
                      sink: ErrorSink) -> None:
    req = ("requirements",)
    if program.slug != path.stem:
        sink.add(path, line_of(data, ("slug",)), f"slug '{program.slug}' must equal the file name '{path.stem}'")
    _unique(program.requirements.courses, data, path, (*req, "courses"), "course", sink)
    for i, slug in enumerate(program.requirements.courses):
        if catalog.course(slug) is None:
            sink.add(path, line_of(data, (*req, "courses", i)), f"unknown course '{slug}'")
    _unique([a.id for a in program.requirements.assessments], data, path, (*req, "assessments"), "assessment", sink)
    for i, wanted in enumerate(program.requirements.assessments):
        found = assessments.scenario(wanted.id) or assessments.final_check(wanted.id)
        line = line_of(data, (*req, "assessments", i, "id"))
        if found is None:
            sink.add(path, line, f"unknown assessment '{wanted.id}'")
        elif wanted.min_score < found.settings.pass_mark:
            sink.add(path, line_of(data, (*req, "assessments", i, "min_score")),
                     f"min_score {wanted.min_score:g} for '{wanted.id}' is below its pass mark "
                     f"{found.settings.pass_mark:g}")
    known = catalog.framework.competencies
    _unique(program.requirements.competencies, data, path, (*req, "competencies"), "competency", sink)
    for i, comp in enumerate(program.requirements.competencies):
        if comp not in known:
            sink.add(path, line_of(data, (*req, "competencies", i)), f"unknown competency '{comp}'")
    covered = set(program.requirements.competencies)
    for slug in program.requirements.courses:
        course = catalog.course(slug)
        covered.update(course.competencies if course else ())
    for i, comp in enumerate(program.achievement.alignments):
        line = line_of(data, ("achievement", "alignments", i))
        if comp not in known:
            sink.add(path, line, f"unknown competency '{comp}'")
        elif comp not in covered:
            sink.add(path, line, f"alignment '{comp}' is not covered by the program's courses or competencies")
    hours = program_hours(program, catalog)["total"]
    if abs(program.achievement.credits_available - hours) > HOURS_TOLERANCE:
        sink.add(path, line_of(data, ("achievement", "credits_available")),
                 f"credits_available is {program.achievement.credits_available:g} but the program's courses "
                 f"provide {hours:g} hours")


def _unique(values: list[str], data: Any, path: Path, loc: tuple, what: str, sink: ErrorSink) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            sink.add(path, line_of(data, (*loc, i)), f"{what} '{value}' is listed twice")
        seen.add(value)


def load_code_of_ethics(path: Path, sink: ErrorSink) -> CodeOfEthics | None:
    """Front matter (title, version, statement, sources) and one principle per '- ' line of the body."""
    text = path.read_text(encoding="utf-8")
    parts = split_front_matter(text)
    if parts is None:
        sink.add(path, 1, "the code of ethics starts with YAML front matter between two '---' lines")
        return None
    front, body, body_line = parts
    try:
        data = load_yaml(front, line_offset=1)
    except YamlSyntaxError as exc:
        sink.add(path, exc.line, exc.problem)
        return None
    meta = validate(CodeOfEthicsMeta, data, path, sink)
    principles = tuple(line[2:].strip() for line in body.splitlines() if line.startswith("- ") and line[2:].strip())
    if len(principles) < 3:
        sink.add(path, body_line, "list the principles as '- ' lines (at least three)")
    if meta is None or len(principles) < 3:
        return None
    return CodeOfEthics(meta.title, meta.version, principles, meta.statement, tuple(meta.sources))


def programs() -> Mapping[str, Program]:
    """The app's programs (current_app.extensions["lms"].programs)."""
    from flask import current_app

    return current_app.extensions["lms"].programs


def get_program(slug: str) -> Program | None:
    return programs().get(slug)

