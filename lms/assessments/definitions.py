"""Runtime assessment objects: frozen, typed, built by loader.py from validated files.

A Scenario is a graph of nodes (Narrative, Decision, End) keyed by id; a Bank holds Items whose
type-specific parts (choices, steps, pairs, accepted answers) carry the stable ids that forms and xAPI
statements use. `AssessmentCatalog` is what the app keeps: scenarios by slug, banks by course and final
checks by slug.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class AssessmentSettings:
    pass_mark: float  # scaled score 0..1 needed to pass
    max_attempts: int  # 0 = unlimited
    cooldown_minutes: int
    time_limit_minutes: int  # 0 = none
    feedback: Literal["immediate", "after"]
    attempt_counts: Literal["highest", "last"]

    @property
    def unlimited_attempts(self) -> bool:
        return self.max_attempts == 0

    @property
    def timed(self) -> bool:
        return self.time_limit_minutes > 0


@dataclass(frozen=True)
class Media:
    src: str
    alt: str
    transcript: str | None = None


# scenarios -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    id: str
    text: str
    feedback: str
    source: str
    next: str
    scores: Mapping[str, float] = field(default_factory=_empty)  # competency id -> points
    critical: bool = False
    reason: str | None = None  # why a critical option is unsafe

    @property
    def points(self) -> float:
        return float(sum(self.scores.values()))


@dataclass(frozen=True)
class Narrative:
    id: str
    text: str
    html: str
    next: str
    media: Media | None = None
    type: Literal["narrative"] = "narrative"


@dataclass(frozen=True)
class Decision:
    id: str
    prompt: str
    options: tuple[Option, ...]
    text: str | None = None
    html: str = ""
    media: Media | None = None
    type: Literal["decision"] = "decision"

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class End:
    id: str
    outcome: str
    html: str
    media: Media | None = None
    type: Literal["end"] = "end"


Node = Narrative | Decision | End


@dataclass(frozen=True)
class Scenario:
    slug: str
    course: str
    title: str
    summary: str
    competencies: tuple[str, ...]
    settings: AssessmentSettings
    review: tuple[tuple[str, str], ...]  # (course slug, lesson slug)
    start: str
    nodes: Mapping[str, Node]  # by id, in file order
    version: str
    path: str
    # the most points any path earns, per competency (graph.max_points)
    max_points: Mapping[str, float] = field(default_factory=_empty)
    max_total: float = 0.0  # the most points any path earns (graph.max_total); the scaled score's divisor
    domains: Mapping[str, float] = field(default_factory=_empty)  # IC&RC domain -> share of its time
    minutes: float = 0.0  # by the hours method: its longest path (timing.longest_path)

    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    @property
    def start_node(self) -> Node:
        return self.nodes[self.start]

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(n for n in self.nodes.values() if isinstance(n, Decision))


# banks ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """An option of a single/multiple item: id 'a', 'b', ... by position in the file."""

    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Step:
    """A step of an ordering item; the id is derived from the text, so it does not give away the order."""

    id: str
    text: str


@dataclass(frozen=True)
class Pair:
    """A matching pair: left ids are '1', '2', ... (shown in file order); right ids derive from the text."""

    left_id: str
    left: str
    right_id: str
    right: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str  # a key of questions.QUESTION_TYPES
    prompt: str
    competencies: tuple[str, ...]
    source: str
    feedback_correct: str
    feedback_incorrect: str
    choices: tuple[Choice, ...] = ()  # single, multiple
    answer: bool | None = None  # true_false
    steps: tuple[Step, ...] = ()  # ordering, in the correct order
    pairs: tuple[Pair, ...] = ()  # matching
    accepted: tuple[str, ...] = ()  # short_text, as written
    extra: Mapping[str, Any] = field(default_factory=_empty)  # for question types added later

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Bank:
    slug: str
    course: str
    title: str
    items: tuple[Item, ...]
    version: str
    path: str

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def types(self) -> frozenset[str]:
        return frozenset(i.type for i in self.items)


@dataclass(frozen=True)
class FinalCheck:
    slug: str
    course: str
    title: str
    draw: int  # items drawn at random for each attempt (prefer unseen)
    settings: AssessmentSettings
    bank: str  # the bank's slug; AssessmentCatalog.banks is keyed by course
    version: str  # the bank's version
    minutes: float = 0.0  # by the hours method: `draw` items of the bank's average length (timing.py)


@dataclass(frozen=True)
class AssessmentCatalog:
    scenarios: Mapping[str, Scenario] = field(default_factory=_empty)  # by slug
    banks: Mapping[str, Bank] = field(default_factory=_empty)  # by course slug
    final_checks: Mapping[str, FinalCheck] = field(default_factory=_empty)  # by slug

    def scenario(self, slug: str) -> Scenario | None:
        return self.scenarios.get(slug)

    def scenarios_for(self, course: str) -> tuple[Scenario, ...]:
        return tuple(s for s in self.scenarios.values() if s.course == course)

    def bank_for(self, course: str) -> Bank | None:
        return self.banks.get(course)

    def final_check(self, slug: str) -> FinalCheck | None:
        return self.final_checks.get(slug)

    def final_check_for(self, course: str) -> FinalCheck | None:
        return next((f for f in self.final_checks.values() if f.course == course), None)

    @property
    def item_count(self) -> int:
        return sum(len(b.items) for b in self.banks.values())

    @property
    def versions(self) -> dict[str, str]:
        """Version of every scenario and final check by slug (a content digest of its file)."""
        return {**{s: v.version for s, v in self.scenarios.items()},
                **{s: f.version for s, f in self.final_checks.items()}}
