"""The shapes of assessment files (docs/assessments.md), validated strictly: unknown keys and wrong types
are errors. Checks that need more than one file (competency ids, courses, lessons, slugs) or the scenario
graph live in loader.py and graph.py."""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Field, create_model, field_validator, model_validator

from lms.content.schema import DomainShares, Slug, Strict, Text

REVIEW_REF = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*")
MEDIA_SRC = re.compile(r"https?://\S+|[A-Za-z0-9_][A-Za-z0-9_./-]*")
Count = Annotated[int, Field(strict=True, ge=0)]
Points = Annotated[float, Field(strict=True, ge=0)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1)]


def _review_ref(value: str) -> str:
    if not REVIEW_REF.fullmatch(value):
        raise ValueError(f"'{value}' is not a course/lesson reference")
    return value


def _media_src(value: str) -> str:
    if not MEDIA_SRC.fullmatch(value) or ".." in value.split("/"):
        raise ValueError(f"'{value}' is not an http(s) URL or a relative path")
    return value


def _number_as_text(value: Any) -> Any:
    """`accepted: [988]` means the text "988"; YAML reads it as a number."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ReviewRef = Annotated[str, AfterValidator(_review_ref)]
MediaSrc = Annotated[str, AfterValidator(_media_src)]
AnswerText = Annotated[Text, BeforeValidator(_number_as_text)]


def _count(items: list, low: int, high: int, what: str, noun: str) -> list:
    if not low <= len(items) <= high:
        raise ValueError(f"{what} needs {low} to {high} {noun}, found {len(items)}")
    return items


def _distinct(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} '{value}' appears twice")
        seen.add(value)


# shared --------------------------------------------------------------------------------------

class SettingsSpec(Strict):
    pass_mark: Fraction
    max_attempts: Count  # 0 = unlimited
    cooldown_minutes: Count
    time_limit_minutes: Count  # 0 = none
    feedback: Literal["immediate", "after"]
    attempt_counts: Literal["highest", "last"]


class MediaSpec(Strict):
    src: MediaSrc
    alt: Text
    transcript: Text | None = None


# scenario files ------------------------------------------------------------------------------

class OptionSpec(Strict):
    id: Slug
    text: Text
    feedback: Text
    source: Text
    critical: bool = False
    reason: Text | None = None
    scores: dict[Slug, Points] = {}
    next: Slug

    @model_validator(mode="after")
    def _critical_has_reason(self) -> OptionSpec:
        if self.critical and not self.reason:
            raise ValueError("a critical option needs a 'reason'")
        if self.reason and not self.critical:
            raise ValueError("'reason' is only for critical options: add 'critical: true' or remove it")
        return self


class NarrativeSpec(Strict):
    id: Slug
    type: Literal["narrative"]
    text: Text
    media: MediaSpec | None = None
    next: Slug


class DecisionSpec(Strict):
    id: Slug
    type: Literal["decision"]
    prompt: Text
    text: Text | None = None
    media: MediaSpec | None = None
    options: list[OptionSpec]

    @field_validator("options")
    @classmethod
    def _two_to_five(cls, options: list[OptionSpec]) -> list[OptionSpec]:
        _count(options, 2, 5, "a decision node", "options")
        _distinct((o.id for o in options), "option id")
        return options


class EndSpec(Strict):
    id: Slug
    type: Literal["end"]
    outcome: Text
    media: MediaSpec | None = None


NodeSpec = Annotated[Union[NarrativeSpec, DecisionSpec, EndSpec], Field(discriminator="type")]  # noqa: UP007
NODE_TYPES = ("narrative", "decision", "end")


class ScenarioFile(Strict):
    kind: Literal["scenario"]
    slug: Slug
    course: Slug
    title: Text
    summary: Text
    domains: DomainShares  # how its time splits across the IC&RC domains (formats spec 3)
    competencies: list[Slug] = Field(min_length=1)
    settings: SettingsSpec
    review: list[ReviewRef] = []
    start: Slug
    nodes: list[NodeSpec] = Field(min_length=1)


# bank files ----------------------------------------------------------------------------------

class ItemSpec(Strict):
    """What every item has; each question type (questions.py) subclasses it with a Literal `type`."""

    id: Slug
    type: str
    prompt: Text
    competencies: list[Slug] = Field(min_length=1)
    source: Text
    feedback_correct: Text
    feedback_incorrect: Text


class ChoiceSpec(Strict):
    text: Text
    correct: bool = False
    feedback: Text


class SingleSpec(ItemSpec):
    type: Literal["single"]
    options: list[ChoiceSpec]

    @field_validator("options")
    @classmethod
    def _one_correct(cls, options: list[ChoiceSpec]) -> list[ChoiceSpec]:
        _count(options, 3, 5, "a single-choice item", "options")
        _distinct((o.text for o in options), "option text")
        correct = sum(o.correct for o in options)
        if correct != 1:
            raise ValueError(f"a single-choice item needs exactly one correct option, found {correct}")
        return options


class MultipleSpec(ItemSpec):
    type: Literal["multiple"]
    options: list[ChoiceSpec]

    @field_validator("options")
    @classmethod
    def _some_correct(cls, options: list[ChoiceSpec]) -> list[ChoiceSpec]:
        _count(options, 3, 5, "a multiple-choice item", "options")
        _distinct((o.text for o in options), "option text")
        if not any(o.correct for o in options):
            raise ValueError("a multiple-choice item needs at least one correct option")
        return options


class TrueFalseSpec(ItemSpec):
    type: Literal["true_false"]
    answer: bool


class OrderingSpec(ItemSpec):
    type: Literal["ordering"]
    sequence: list[Text]  # the correct order

    @field_validator("sequence")
    @classmethod
    def _three_to_seven(cls, steps: list[str]) -> list[str]:
        _count(steps, 3, 7, "an ordering item", "steps")
        _distinct(steps, "step")
        return steps


class PairSpec(Strict):
    left: Text
    right: Text


class MatchingSpec(ItemSpec):
    type: Literal["matching"]
    pairs: list[PairSpec]

    @field_validator("pairs")
    @classmethod
    def _three_to_six(cls, pairs: list[PairSpec]) -> list[PairSpec]:
        _count(pairs, 3, 6, "a matching item", "pairs")
        _distinct((p.left for p in pairs), "left-hand text")
        _distinct((p.right for p in pairs), "right-hand text")
        return pairs


class ShortTextSpec(ItemSpec):
    type: Literal["short_text"]
    accepted: list[AnswerText]

    @field_validator("accepted")
    @classmethod
    def _at_least_one(cls, accepted: list[str]) -> list[str]:
        if not accepted:
            raise ValueError("a short-text item needs at least one accepted answer")
        return accepted


BUILTIN_ITEM_SPECS: tuple[type[ItemSpec], ...] = (
    SingleSpec, MultipleSpec, TrueFalseSpec, OrderingSpec, MatchingSpec, ShortTextSpec)


class FinalCheckSpec(Strict):
    slug: Slug
    title: Text
    draw: int = Field(strict=True, ge=1)  # items drawn for each attempt; no more than the bank holds
    settings: SettingsSpec


ItemUnion = Annotated[Union[BUILTIN_ITEM_SPECS], Field(discriminator="type")]  # noqa: UP007


class BankFile(Strict):
    """A bank with the built-in item types; `bank_file_model` gives one for the registered types."""

    kind: Literal["bank"]
    slug: Slug
    course: Slug
    title: Text
    items: list[ItemUnion] = Field(min_length=1)
    final_check: FinalCheckSpec


@lru_cache(maxsize=8)
def bank_file_model(item_specs: tuple[type[ItemSpec], ...]) -> type[BankFile]:
    """BankFile whose items are a discriminated union of `item_specs` (the registered question types)."""
    if set(item_specs) == set(BUILTIN_ITEM_SPECS):
        return BankFile
    union = item_specs[0] if len(item_specs) == 1 else Union[item_specs]  # noqa: UP007
    items = Annotated[union, Field(discriminator="type")]
    return create_model("BankFile", __base__=BankFile,
                        items=(list[items], Field(min_length=1)))  # type: ignore[valid-type]
