"""The shapes of content files, validated strictly: unknown keys and wrong types are errors."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
DomainId = Literal["advocacy", "mentoring-education", "recovery-wellness", "ethical-responsibility"]
SHARE_SUM_TOLERANCE = 0.001  # thirds written as 0.333 still add up


def _shares_sum_to_one(shares: dict[str, float]) -> dict[str, float]:
    if not shares:
        raise ValueError("give at least one domain share, e.g. {advocacy: 1}")
    for domain, share in shares.items():
        if not 0 < share <= 1:
            raise ValueError(f"the share of '{domain}' is {share:g}; each share is more than 0 and at most 1")
    total = sum(shares.values())
    if abs(total - 1) > SHARE_SUM_TOLERANCE:
        raise ValueError(f"domain shares add up to {total:g}; they must add up to 1")
    return shares


# How a lesson's, scenario's or live session's time splits across the IC&RC domains (formats spec 2).
DomainShares = Annotated[dict[DomainId, float], AfterValidator(_shares_sum_to_one)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


# competencies.yaml ---------------------------------------------------------------------------

class ScaleLevelSpec(Strict):
    id: Slug
    label: Text
    description: Text


class ScaleSpec(Strict):
    levels: list[ScaleLevelSpec] = Field(min_length=2)
    proficient: Slug

    @model_validator(mode="after")
    def _proficient_is_a_level(self) -> ScaleSpec:
        if self.proficient not in {level.id for level in self.levels}:
            raise ValueError(f"proficient level {self.proficient!r} is not one of the levels")
        return self


class DomainSpec(Strict):
    id: DomainId
    name: Text
    required_hours: float = Field(ge=0)


class CompetencySpec(Strict):
    id: Slug
    name: Text
    description: Text
    domain: DomainId | None = None


class FrameworkSpec(Strict):
    id: Slug
    name: Text
    source: Text
    competencies: list[CompetencySpec] = Field(min_length=1)


class PracticeSpec(Strict):
    """Supervised practice a credential asks for, e.g. IC&RC Peer Recovery: 500 h practice, 25 h supervision."""

    practice_hours: float = Field(ge=0)
    supervision_hours: float = Field(ge=0)


class CompetenciesFile(Strict):
    scale: ScaleSpec
    domains: list[DomainSpec] = Field(min_length=1)
    frameworks: list[FrameworkSpec] = Field(min_length=1)
    practice: PracticeSpec | None = None


# course.yaml ---------------------------------------------------------------------------------

class ObjectiveSpec(Strict):
    text: Text
    competencies: list[Slug] = Field(min_length=1)


class ModuleSpec(Strict):
    slug: Slug
    title: Text
    lessons: list[Slug] = Field(min_length=1)


class CourseFile(Strict):
    slug: Slug
    title: Text
    summary: Text
    description: Text
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    hours: dict[DomainId, float]
    competencies: list[Slug] = Field(min_length=1)
    prerequisites: list[Slug] = []
    modules: list[ModuleSpec] = Field(min_length=1)


# lesson front matter -------------------------------------------------------------------------

class SourceSpec(Strict):
    title: Text
    publisher: Text | None = None
    author: Text | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None

    @model_validator(mode="after")
    def _citable(self) -> SourceSpec:
        if not self.url and not (self.publisher or self.author):
            raise ValueError("a source needs a url or a publisher/author")
        return self


class OptionSpec(Strict):
    text: Text
    correct: bool = False
    feedback: Text


class CheckSpec(Strict):
    id: Slug
    type: Literal["single", "multiple"]
    prompt: Text
    competencies: list[Slug] = []
    options: list[OptionSpec] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _right_number_correct(self) -> CheckSpec:
        correct = sum(option.correct for option in self.options)
        if self.type == "single" and correct != 1:
            raise ValueError(f"a single-choice check needs exactly one correct option, found {correct}")
        if self.type == "multiple" and correct < 1:
            raise ValueError("a multiple-choice check needs at least one correct option")
        return self


class FieldSpec(Strict):
    """One text box of a worksheet."""

    id: Slug
    label: Text
    min_words: int | None = Field(default=None, ge=1, le=400)


class ActivitySpec(Strict):
    """A reflection, practice or worksheet placed in a lesson with [[activity:id]] (formats spec 1).
    The rules that depend on the kind are checked by lms/content/activities.py, which names the line."""

    id: Slug
    kind: Literal["reflection", "practice", "worksheet"]
    title: Text
    minutes: int = Field(ge=1, le=600)
    competencies: list[Slug] = []
    instructions: Text
    min_words: int | None = None  # reflection only
    fields: list[FieldSpec] | None = None  # worksheet only
    checklist: list[Text] | None = None  # practice only


class LessonMeta(Strict):
    title: Text
    minutes: int = Field(ge=1, le=600)
    domains: DomainShares
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    competencies: list[Slug] = Field(min_length=1)
    sources: list[SourceSpec] = Field(min_length=1)
    checks: list[CheckSpec] = Field(min_length=2)
    activities: list[ActivitySpec] = []
