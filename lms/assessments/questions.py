"""Pluggable question types for banks: each knows its file schema, how to build the runtime Item, present it,
parse and score a response, and describe it in xAPI (Data 2.4.4.1 interaction activities).

A new type is a subclass of `QuestionType` decorated with `@register("name")`, with a `schema` (an ItemSpec
subclass whose `type` is `Literal["name"]`); banks accept it from then on (see `bank_file_model`).

Responses are plain JSON-friendly values: an option id (single), a list of option ids (multiple), a bool
(true_false), a list of step ids in the trainee's order (ordering), a {left id: right id} dict (matching)
and the text as typed (short_text). Form fields: `answer` (repeated for multiple and ordering, in order);
for matching one `answer.<left id>` per left-hand entry.
"""
from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, get_args

from lms.assessments.definitions import Choice, Item, Pair, Step
from lms.assessments.schema import (
    BankFile,
    ItemSpec,
    MatchingSpec,
    MultipleSpec,
    OrderingSpec,
    ShortTextSpec,
    SingleSpec,
    TrueFalseSpec,
    bank_file_model,
)

LANGUAGE = "en-US"  # as lms.xapi.recorder
FIELD = "answer"
MAX_TEXT_ANSWER = 500
CHOICE_IDS = "abcdefghij"

QUESTION_TYPES: dict[str, type[QuestionType]] = {}
Q = TypeVar("Q", bound="type[QuestionType]")


def register(name: str):
    """Class decorator adding a question type under `name`; a second type with the same name is an error."""

    def add(cls: Q) -> Q:
        if name in QUESTION_TYPES:
            raise ValueError(f"question type '{name}' is already registered by {QUESTION_TYPES[name].__qualname__}")
        tag = get_args(cls.schema.model_fields["type"].annotation)
        if tag != (name,):
            raise TypeError(f"{cls.__qualname__}.schema must declare type: Literal['{name}']")
        cls.name = name
        QUESTION_TYPES[name] = cls
        return cls

    return add


def question_type(item: Item | str) -> type[QuestionType]:
    name = item if isinstance(item, str) else item.type
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        raise KeyError(f"no question type '{name}'") from None


def bank_model() -> type[BankFile]:
    """The bank file schema for the question types registered now."""
    return bank_file_model(tuple(cls.schema for cls in QUESTION_TYPES.values()))


@dataclass(frozen=True)
class Presented:
    """What a template needs to show an item: ids and texts in display order, never what is correct."""

    item_id: str
    type: str
    prompt: str
    widget: Literal["radio", "checkbox", "order", "match", "text"]
    choices: tuple[tuple[str, str], ...] = ()  # (id, text): options, steps, or matching's left column
    targets: tuple[tuple[str, str], ...] = ()  # (id, text): matching's right column, shuffled


def normalize_answer(text: str) -> str:
    """For short_text: NFKC, casefold, punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))
    return " ".join(text.split())


def text_id(prefix: str, text: str) -> str:
    """A stable id derived from the text, so ids do not reveal the correct order or pairing."""
    return prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def _values(form_values: Any, key: str) -> list[str]:
    if hasattr(form_values, "getlist"):  # werkzeug MultiDict (request.form)
        values = form_values.getlist(key)
    else:
        value = form_values.get(key) if isinstance(form_values, Mapping) else None
        values = [] if value is None else [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in values):
        raise ValueError("answers must be text")
    return values


def _one(form_values: Any, key: str = FIELD) -> str:
    values = _values(form_values, key)
    if not values or not values[0].strip():
        raise ValueError("no answer was given")
    if len(values) > 1:
        raise ValueError(f"expected one answer, got {len(values)}")
    return values[0]


def _shuffled(pairs: Sequence[tuple[str, str]], rng: random.Random, *, avoid_original: bool) -> tuple:
    shown = list(pairs)
    rng.shuffle(shown)
    if avoid_original and len(set(pairs)) > 1:
        while shown == list(pairs):  # never show the answer itself
            rng.shuffle(shown)
    return tuple(shown)


class QuestionType:
    """Base class; subclasses set `schema` and `interaction_type` and implement the response methods."""

    name: ClassVar[str]
    schema: ClassVar[type[ItemSpec]]
    interaction_type: ClassVar[str]  # xAPI interactionType

    @classmethod
    def build(cls, spec: ItemSpec) -> Item:
        """The runtime Item for a validated spec."""
        return Item(**cls.common(spec))

    @staticmethod
    def common(spec: ItemSpec) -> dict[str, Any]:
        return {"id": spec.id, "type": spec.type, "prompt": spec.prompt, "competencies": tuple(spec.competencies),
                "source": spec.source, "feedback_correct": spec.feedback_correct,
                "feedback_incorrect": spec.feedback_incorrect}

    @classmethod
    def problems(cls, spec: ItemSpec) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems the schema cannot see: (location inside the item, problem)."""
        return []

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        raise NotImplementedError

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> Any:
        """The response from submitted form values; ValueError (with a message to show) on bad input."""
        raise NotImplementedError

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        """(fully correct, credit from 0 to 1)."""
        raise NotImplementedError

    @classmethod
    def correct_response(cls, item: Item) -> Any:
        """The correct response, in the shape parse_response returns."""
        raise NotImplementedError

    @classmethod
    def components(cls, item: Item) -> dict[str, list[dict]]:
        return {}

    @classmethod
    def xapi_interaction(cls, item: Item) -> dict:
        """Activity definition fields for an interaction activity: pass to
        lms.xapi.recorder.activity(iri, ActivityType.INTERACTION, name, **definition)."""
        return {"description": {LANGUAGE: item.prompt}, "interactionType": cls.interaction_type,
                "correctResponsesPattern": cls.correct_patterns(item), **cls.components(item)}

    @classmethod
    def correct_patterns(cls, item: Item) -> list[str]:
        return [cls.response_string(cls.correct_response(item))]

    @classmethod
    def response_string(cls, response: Any) -> str:
        """The response in xAPI result.response format (Data 2.4.4.1.1/2.4.4.1.2)."""
        raise NotImplementedError


def _component(ident: str, text: str) -> dict:
    return {"id": ident, "description": {LANGUAGE: text}}


class _ChoiceType(QuestionType):
    interaction_type = "choice"
    widget: ClassVar[Literal["radio", "checkbox"]]

    @classmethod
    def build(cls, spec: SingleSpec | MultipleSpec) -> Item:  # type: ignore[override]
        choices = tuple(Choice(CHOICE_IDS[i], o.text, o.correct, o.feedback) for i, o in enumerate(spec.options))
        return Item(**cls.common(spec), choices=choices)

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        shown = _shuffled([(c.id, c.text) for c in item.choices], rng, avoid_original=False)
        return Presented(item.id, item.type, item.prompt, cls.widget, shown)

    @classmethod
    def components(cls, item: Item) -> dict[str, list[dict]]:
        return {"choices": [_component(c.id, c.text) for c in item.choices]}

    @staticmethod
    def _known(item: Item, ids: Sequence[str]) -> None:
        known = {c.id for c in item.choices}
        for ident in ids:
            if ident not in known:
                raise ValueError(f"unknown option id '{ident}'")


@register("single")
class Single(_ChoiceType):
    schema = SingleSpec
    widget = "radio"

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> str:
        answer = _one(form_values)
        cls._known(item, [answer])
        return answer

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        choice = item.choice(response) if isinstance(response, str) else None
        correct = bool(choice and choice.correct)
        return correct, float(correct)

    @classmethod
    def correct_response(cls, item: Item) -> str:
        return next(c.id for c in item.choices if c.correct)

    @classmethod
    def response_string(cls, response: Any) -> str:
        return str(response)


@register("multiple")
class Multiple(_ChoiceType):
    schema = MultipleSpec
    widget = "checkbox"

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> list[str]:
        answer = _values(form_values, FIELD)
        if not answer:
            raise ValueError("choose at least one option")
        cls._known(item, answer)
        if len(set(answer)) != len(answer):
            raise ValueError("an option was given twice")
        order = [c.id for c in item.choices]
        return sorted(answer, key=order.index)

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        chosen = set(response or ())
        right = {c.id for c in item.choices if c.correct}
        hits, misses = len(chosen & right), len(chosen - right)
        return chosen == right, max(0.0, (hits - misses) / len(right))

    @classmethod
    def correct_response(cls, item: Item) -> list[str]:
        return [c.id for c in item.choices if c.correct]

    @classmethod
    def response_string(cls, response: Any) -> str:
        return "[,]".join(response)


@register("true_false")
class TrueFalse(QuestionType):
    schema = TrueFalseSpec
    interaction_type = "true-false"

    @classmethod
    def build(cls, spec: TrueFalseSpec) -> Item:  # type: ignore[override]
        return Item(**cls.common(spec), answer=spec.answer)

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        return Presented(item.id, item.type, item.prompt, "radio", (("true", "True"), ("false", "False")))

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> bool:
        answer = _one(form_values)
        if answer not in ("true", "false"):
            raise ValueError(f"the answer must be 'true' or 'false', got '{answer}'")
        return answer == "true"

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        correct = isinstance(response, bool) and response == item.answer
        return correct, float(correct)

    @classmethod
    def correct_response(cls, item: Item) -> bool:
        return bool(item.answer)

    @classmethod
    def response_string(cls, response: Any) -> str:
        return "true" if response else "false"


@register("ordering")
class Ordering(QuestionType):
    schema = OrderingSpec
    interaction_type = "sequencing"

    @classmethod
    def build(cls, spec: OrderingSpec) -> Item:  # type: ignore[override]
        return Item(**cls.common(spec), steps=tuple(Step(text_id("s", text), text) for text in spec.sequence))

    @classmethod
    def problems(cls, spec: ItemSpec) -> list[tuple[tuple[str | int, ...], str]]:
        ids = [text_id("s", text) for text in spec.sequence]  # type: ignore[attr-defined]
        return [(("sequence",), "two steps get the same id; reword one")] if len(set(ids)) < len(ids) else []

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        shown = _shuffled([(s.id, s.text) for s in item.steps], rng, avoid_original=True)
        return Presented(item.id, item.type, item.prompt, "order", shown)

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> list[str]:
        answer = _values(form_values, FIELD)
        known = {s.id for s in item.steps}
        for ident in answer:
            if ident not in known:
                raise ValueError(f"unknown step id '{ident}'")
        if len(set(answer)) != len(answer):
            raise ValueError("a step was given twice")
        if len(answer) != len(item.steps):
            raise ValueError(f"expected all {len(item.steps)} steps in order, got {len(answer)}")
        return answer

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        right = [s.id for s in item.steps]
        given = list(response or ())
        placed = sum(1 for i, ident in enumerate(right) if i < len(given) and given[i] == ident)
        return given == right, placed / len(right)

    @classmethod
    def correct_response(cls, item: Item) -> list[str]:
        return [s.id for s in item.steps]

    @classmethod
    def components(cls, item: Item) -> dict[str, list[dict]]:
        return {"choices": [_component(s.id, s.text) for s in item.steps]}

    @classmethod
    def response_string(cls, response: Any) -> str:
        return "[,]".join(response)


@register("matching")
class Matching(QuestionType):
    schema = MatchingSpec
    interaction_type = "matching"

    @classmethod
    def build(cls, spec: MatchingSpec) -> Item:  # type: ignore[override]
        pairs = tuple(Pair(str(i), p.left, text_id("r", p.right), p.right) for i, p in enumerate(spec.pairs, 1))
        return Item(**cls.common(spec), pairs=pairs)

    @classmethod
    def problems(cls, spec: ItemSpec) -> list[tuple[tuple[str | int, ...], str]]:
        ids = [text_id("r", p.right) for p in spec.pairs]  # type: ignore[attr-defined]
        return [(("pairs",), "two right-hand texts get the same id; reword one")] if len(set(ids)) < len(ids) else []

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        targets = _shuffled([(p.right_id, p.right) for p in item.pairs], rng, avoid_original=True)
        return Presented(item.id, item.type, item.prompt, "match", tuple((p.left_id, p.left) for p in item.pairs),
                         targets)

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> dict[str, str]:
        lefts = {p.left_id for p in item.pairs}
        rights = {p.right_id for p in item.pairs}
        keys = form_values.keys() if hasattr(form_values, "keys") else ()
        for key in keys:
            if key.startswith(f"{FIELD}.") and key[len(FIELD) + 1:] not in lefts:
                raise ValueError(f"unknown left-hand id '{key[len(FIELD) + 1:]}'")
        answer = {}
        for pair in item.pairs:
            values = _values(form_values, f"{FIELD}.{pair.left_id}")
            if len(values) != 1 or not values[0]:
                raise ValueError(f"match every entry: '{pair.left}' needs exactly one answer")
            if values[0] not in rights:
                raise ValueError(f"unknown right-hand id '{values[0]}'")
            answer[pair.left_id] = values[0]
        return answer

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        given = response if isinstance(response, Mapping) else {}
        right = sum(1 for p in item.pairs if given.get(p.left_id) == p.right_id)
        return right == len(item.pairs), right / len(item.pairs)

    @classmethod
    def correct_response(cls, item: Item) -> dict[str, str]:
        return {p.left_id: p.right_id for p in item.pairs}

    @classmethod
    def components(cls, item: Item) -> dict[str, list[dict]]:
        return {"source": [_component(p.left_id, p.left) for p in item.pairs],
                "target": [_component(p.right_id, p.right) for p in item.pairs]}

    @classmethod
    def response_string(cls, response: Any) -> str:
        return "[,]".join(f"{left}[.]{right}" for left, right in response.items())


@register("short_text")
class ShortText(QuestionType):
    schema = ShortTextSpec
    interaction_type = "fill-in"

    @classmethod
    def build(cls, spec: ShortTextSpec) -> Item:  # type: ignore[override]
        return Item(**cls.common(spec), accepted=tuple(spec.accepted))

    @classmethod
    def problems(cls, spec: ItemSpec) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("accepted", i), f"accepted answer '{text}' is empty once case, spaces and punctuation are ignored")
                for i, text in enumerate(spec.accepted) if not normalize_answer(text)]  # type: ignore[attr-defined]

    @classmethod
    def present(cls, item: Item, rng: random.Random) -> Presented:
        return Presented(item.id, item.type, item.prompt, "text")

    @classmethod
    def parse_response(cls, item: Item, form_values: Any) -> str:
        answer = _one(form_values).strip()
        if len(answer) > MAX_TEXT_ANSWER:
            raise ValueError(f"the answer is longer than {MAX_TEXT_ANSWER} characters")
        return answer

    @classmethod
    def score(cls, item: Item, response: Any) -> tuple[bool, float]:
        given = normalize_answer(response) if isinstance(response, str) else None
        correct = bool(given) and given in {normalize_answer(a) for a in item.accepted}
        return correct, float(correct)

    @classmethod
    def correct_response(cls, item: Item) -> str:
        return item.accepted[0]

    @classmethod
    def correct_patterns(cls, item: Item) -> list[str]:
        return list(item.accepted)  # each accepted answer is one correct response

    @classmethod
    def response_string(cls, response: Any) -> str:
        return str(response)
