"""Question types: present (stable shuffles), parse (rejects tampering), score, xAPI definitions, registry."""
from __future__ import annotations

import random
from typing import Literal

import pytest
from werkzeug.datastructures import MultiDict

from lms.assessments import questions
from lms.assessments.definitions import Item
from lms.assessments.questions import QUESTION_TYPES, QuestionType, normalize_answer, register
from lms.assessments.schema import ItemSpec
from lms.xapi.validation import validate_statement
from tests.assessments import KINDS, item


def build(kind: str, **changes) -> Item:
    qtype = QUESTION_TYPES[kind]
    return qtype.build(qtype.schema.model_validate({**item(kind, 1), **changes}))


def statement(definition: dict, response: str) -> dict:
    return {"actor": {"mbox": "mailto:trainee@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {"id": "https://lms.example.org/items/ci-01",
                       "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                                      "name": {"en-US": "Question"}, **definition}},
            "result": {"response": response, "success": True}}


# the registry ----------------------------------------------------------------------------------

def test_the_six_types_are_registered():
    assert tuple(QUESTION_TYPES) == KINDS
    assert all(cls.name == name and issubclass(cls, QuestionType) for name, cls in QUESTION_TYPES.items())


def test_registering_a_name_twice_is_an_error():
    class Another(QuestionType):
        schema = QUESTION_TYPES["single"].schema

    with pytest.raises(ValueError, match="question type 'single' is already registered by Single"):
        register("single")(Another)
    assert QUESTION_TYPES["single"].__name__ == "Single"


def test_the_schema_must_declare_the_name():
    class Mislabelled(QuestionType):
        schema = QUESTION_TYPES["single"].schema

    with pytest.raises(TypeError, match=r"Mislabelled.schema must declare type: Literal\['likert'\]"):
        register("likert")(Mislabelled)
    assert "likert" not in QUESTION_TYPES


def test_a_new_type_plugs_into_banks():
    class NumericSpec(ItemSpec):
        type: Literal["numeric"]
        value: float

    try:
        @register("numeric")
        class Numeric(QuestionType):
            schema = NumericSpec
            interaction_type = "numeric"

        data = {**item("single", 1), "type": "numeric", "value": 988}
        del data["options"]
        model = questions.bank_model()
        parsed = model.model_validate({"kind": "bank", "slug": "b", "course": "ethics", "title": "B",
                                       "items": [data, item("true_false", 2)],
                                       "final_check": {"slug": "f", "title": "F", "draw": 1, "settings": {
                                           "pass_mark": 0.8, "max_attempts": 0, "cooldown_minutes": 0,
                                           "time_limit_minutes": 0, "feedback": "after",
                                           "attempt_counts": "last"}}})
        assert parsed.items[0].value == 988.0
        assert Numeric.build(parsed.items[0]).type == "numeric"
        assert questions.question_type("numeric") is Numeric
    finally:
        QUESTION_TYPES.pop("numeric", None)
    with pytest.raises(KeyError, match="no question type 'numeric'"):
        questions.question_type("numeric")


# single ----------------------------------------------------------------------------------------

def test_single():
    single = QUESTION_TYPES["single"]
    it = build("single")
    shown = single.present(it, random.Random(7))
    assert shown.widget == "radio" and sorted(shown.choices) == [("a", "Choice 0"), ("b", "Choice 1"),
                                                                ("c", "Choice 2"), ("d", "Choice 3")]
    assert single.present(it, random.Random(7)) == shown  # stable within an attempt
    assert {single.present(it, random.Random(s)).choices for s in range(20)} != {shown.choices}  # but shuffled

    assert single.parse_response(it, {"answer": "a"}) == "a"
    assert single.parse_response(it, MultiDict([("answer", "b")])) == "b"
    with pytest.raises(ValueError, match="unknown option id 'z'"):
        single.parse_response(it, {"answer": "z"})
    with pytest.raises(ValueError, match="expected one answer, got 2"):
        single.parse_response(it, MultiDict([("answer", "a"), ("answer", "b")]))
    with pytest.raises(ValueError, match="no answer was given"):
        single.parse_response(it, {})

    assert single.score(it, "a") == (True, 1.0)
    assert single.score(it, "b") == (False, 0.0)
    assert single.score(it, "zz") == (False, 0.0)

    definition = single.xapi_interaction(it)
    assert definition == {
        "description": {"en-US": "Question 1?"}, "interactionType": "choice", "correctResponsesPattern": ["a"],
        "choices": [{"id": i, "description": {"en-US": f"Choice {n}"}} for n, i in enumerate("abcd")]}
    assert single.response_string("b") == "b"
    validate_statement(statement(definition, single.response_string("b")))


# multiple --------------------------------------------------------------------------------------

def test_multiple():
    multiple = QUESTION_TYPES["multiple"]
    it = build("multiple")  # a and c are correct
    assert multiple.present(it, random.Random(1)).widget == "checkbox"
    assert multiple.parse_response(it, MultiDict([("answer", "c"), ("answer", "a")])) == ["a", "c"]
    with pytest.raises(ValueError, match="unknown option id 'e'"):
        multiple.parse_response(it, {"answer": ["a", "e"]})
    with pytest.raises(ValueError, match="an option was given twice"):
        multiple.parse_response(it, {"answer": ["a", "a"]})
    with pytest.raises(ValueError, match="choose at least one option"):
        multiple.parse_response(it, {"answer": []})

    assert multiple.score(it, ["a", "c"]) == (True, 1.0)
    assert multiple.score(it, ["a"]) == (False, 0.5)
    assert multiple.score(it, ["a", "b"]) == (False, 0.0)  # a wrong choice cancels a right one
    assert multiple.score(it, ["b", "d"]) == (False, 0.0)  # never below zero

    definition = multiple.xapi_interaction(it)
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["a[,]c"]
    assert multiple.response_string(["a", "c"]) == "a[,]c"
    validate_statement(statement(definition, "a[,]c"))


# true_false ------------------------------------------------------------------------------------

def test_true_false():
    tf = QUESTION_TYPES["true_false"]
    it = build("true_false")  # the answer is false
    assert tf.present(it, random.Random(3)).choices == (("true", "True"), ("false", "False"))
    assert tf.parse_response(it, {"answer": "false"}) is False
    assert tf.parse_response(it, {"answer": "true"}) is True
    with pytest.raises(ValueError, match="must be 'true' or 'false', got 'yes'"):
        tf.parse_response(it, {"answer": "yes"})
    assert tf.score(it, False) == (True, 1.0)
    assert tf.score(it, True) == (False, 0.0)
    definition = tf.xapi_interaction(it)
    assert definition == {"description": {"en-US": "Question 1?"}, "interactionType": "true-false",
                          "correctResponsesPattern": ["false"]}
    assert tf.response_string(True) == "true"
    validate_statement(statement(definition, "true"))


# ordering --------------------------------------------------------------------------------------

def test_ordering():
    ordering = QUESTION_TYPES["ordering"]
    it = build("ordering")
    right = [s.id for s in it.steps]
    assert all(ident.startswith("s") and len(ident) == 7 for ident in right)
    assert right == [questions.text_id("s", s.text) for s in it.steps]  # from the text, not the position
    assert [s.text for s in it.steps] == ["Warning signs", "Coping strategies", "People to ask for help",
                                          "Professionals"]
    for seed in range(50):  # shuffled, and never shown in the correct order
        shown = ordering.present(it, random.Random(seed))
        assert shown.widget == "order" and [i for i, _ in shown.choices] != right
        assert sorted(shown.choices) == sorted((s.id, s.text) for s in it.steps)
    assert ordering.present(it, random.Random(5)) == ordering.present(it, random.Random(5))

    assert ordering.parse_response(it, {"answer": right}) == right
    with pytest.raises(ValueError, match="expected all 4 steps in order, got 3"):
        ordering.parse_response(it, {"answer": right[:3]})
    with pytest.raises(ValueError, match="a step was given twice"):
        ordering.parse_response(it, {"answer": [right[0], *right[:3]]})
    with pytest.raises(ValueError, match="unknown step id 'sxxxxxx'"):
        ordering.parse_response(it, {"answer": [*right[:3], "sxxxxxx"]})

    assert ordering.score(it, right) == (True, 1.0)
    swapped = [right[1], right[0], *right[2:]]
    assert ordering.score(it, swapped) == (False, 0.5)

    definition = ordering.xapi_interaction(it)
    assert definition["interactionType"] == "sequencing"
    assert definition["correctResponsesPattern"] == ["[,]".join(right)]
    assert [c["id"] for c in definition["choices"]] == right
    assert ordering.response_string(swapped) == "[,]".join(swapped)
    validate_statement(statement(definition, ordering.response_string(swapped)))


# matching --------------------------------------------------------------------------------------

def test_matching():
    matching = QUESTION_TYPES["matching"]
    it = build("matching")
    lefts = [p.left_id for p in it.pairs]
    rights = [p.right_id for p in it.pairs]
    assert lefts == ["1", "2", "3"] and all(r.startswith("r") for r in rights)
    for seed in range(30):
        shown = matching.present(it, random.Random(seed))
        assert shown.widget == "match" and shown.choices == tuple((p.left_id, p.left) for p in it.pairs)
        assert [i for i, _ in shown.targets] != rights and sorted(shown.targets) == sorted(
            (p.right_id, p.right) for p in it.pairs)

    form = {f"answer.{left}": right for left, right in zip(lefts, rights, strict=True)}
    assert matching.parse_response(it, form) == dict(zip(lefts, rights, strict=True))
    with pytest.raises(ValueError, match="'Situation 3' needs exactly one answer"):
        matching.parse_response(it, {k: v for k, v in form.items() if k != "answer.3"})
    with pytest.raises(ValueError, match="unknown right-hand id 'r000000'"):
        matching.parse_response(it, {**form, "answer.2": "r000000"})
    with pytest.raises(ValueError, match="unknown left-hand id '9'"):
        matching.parse_response(it, {**form, "answer.9": rights[0]})

    assert matching.score(it, dict(zip(lefts, rights, strict=True))) == (True, 1.0)
    crossed = {"1": rights[1], "2": rights[0], "3": rights[2]}
    assert matching.score(it, crossed) == (False, pytest.approx(1 / 3))

    definition = matching.xapi_interaction(it)
    assert definition["interactionType"] == "matching"
    assert definition["correctResponsesPattern"] == ["[,]".join(f"{a}[.]{b}" for a, b in zip(lefts, rights,
                                                                                             strict=True))]
    assert [c["id"] for c in definition["source"]] == lefts and [c["id"] for c in definition["target"]] == rights
    assert matching.response_string(crossed) == f"1[.]{rights[1]}[,]2[.]{rights[0]}[,]3[.]{rights[2]}"
    validate_statement(statement(definition, matching.response_string(crossed)))


# short_text ------------------------------------------------------------------------------------

def test_normalization():
    assert normalize_answer("  The  Suicide & Crisis Lifeline! ") == "the suicide crisis lifeline"
    assert normalize_answer("９８８") == "988"  # NFKC: full-width digits
    assert normalize_answer("STRASSE") == normalize_answer("straße")  # casefold
    assert normalize_answer("Dr. Smith's\tplan") == "dr smiths plan"
    assert normalize_answer("?!") == ""


def test_short_text():
    short = QUESTION_TYPES["short_text"]
    it = build("short_text", accepted=["988", "Nine-eight-eight"])
    assert short.present(it, random.Random(1)).widget == "text"
    assert short.parse_response(it, {"answer": "  988 "}) == "988"
    with pytest.raises(ValueError, match="no answer was given"):
        short.parse_response(it, {"answer": "   "})
    with pytest.raises(ValueError, match="longer than 500 characters"):
        short.parse_response(it, {"answer": "9" * 501})
    assert short.score(it, "９８８.") == (True, 1.0)
    assert short.score(it, "nine eight-eight") == (False, 0.0)  # punctuation is removed, not made a space
    assert short.score(it, "NINE-EIGHT-EIGHT") == (True, 1.0)
    assert short.score(it, "911") == (False, 0.0)
    assert short.score(it, "") == (False, 0.0)

    definition = short.xapi_interaction(it)
    assert definition == {"description": {"en-US": "Question 1?"}, "interactionType": "fill-in",
                          "correctResponsesPattern": ["988", "Nine-eight-eight"]}
    assert short.response_string("988") == "988"
    validate_statement(statement(definition, "988"))


@pytest.mark.parametrize("kind", KINDS)
def test_the_correct_response_scores_full_marks_and_round_trips_the_form(kind):
    qtype = QUESTION_TYPES[kind]
    it = build(kind)
    correct = qtype.correct_response(it)
    assert qtype.score(it, correct) == (True, 1.0)
    assert qtype.response_string(correct) in qtype.xapi_interaction(it)["correctResponsesPattern"]
    if kind == "matching":
        form = {f"answer.{k}": v for k, v in correct.items()}
    elif kind == "true_false":
        form = {"answer": "true" if correct else "false"}
    else:
        form = {"answer": correct}
    assert qtype.parse_response(it, form) == correct


@pytest.mark.parametrize("kind", KINDS)
def test_presentation_never_reveals_the_answer(kind):
    shown = QUESTION_TYPES[kind].present(build(kind), random.Random(0))
    assert "correct" not in repr(shown).lower()
    assert not any(hasattr(choice, "correct") for choice in shown.choices)
