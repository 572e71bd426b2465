"""Lesson activities and domain shares (formats spec 1, 2): every rule the loader enforces gives file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.content import ContentErrors, load_catalog
from lms.content.hours import words
from tests.content.builders import BODY, lesson_meta, make_tree, practice, reflection, worksheet, write_lesson

LESSON = "curricula/demo-course/lessons/01-lesson-1.md"


@pytest.fixture
def tree(tmp_path) -> Path:
    return make_tree(tmp_path / "curricula")


def write(tree: Path, activities: list[dict], body: str | None = None, **meta_changes) -> Path:
    """Lesson 1 with `activities` placed at the end of the body (unless `body` is given); its declared
    minutes follow the method, so the only problems are the ones a test makes."""
    meta = lesson_meta()
    meta["activities"] = activities
    meta.update(meta_changes)
    extra = sum(a.get("minutes", 0) + words(a.get("instructions", "")) / 200 for a in activities
                if isinstance(a.get("minutes"), int))
    meta.setdefault("minutes", 4)
    meta["minutes"] = round(3.75 + extra)
    if body is None:
        body = BODY + "".join(f"\n[[activity:{a['id']}]]\n" for a in activities)
    path = tree / "demo-course" / "lessons" / "01-lesson-1.md"
    write_lesson(path, meta, body)
    return path


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load_catalog(root)
    return [str(e) for e in info.value.errors]


def at(path: Path, needle: str, after: str | None = None) -> str:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    line = next(i for i, text in enumerate(lines[start:], start + 1) if needle in text)
    return f"{LESSON}:{line}"


def test_activities_of_each_kind_load_and_are_placed_in_order(tree):
    write(tree, [reflection(), worksheet(), practice()])
    lesson = load_catalog(tree).courses["demo-course"].lessons[0]
    assert [a.kind for a in lesson.activities] == ["reflection", "worksheet", "practice"]
    placed = [s.activity.id for s in lesson.segments if s.activity]
    assert placed == ["my-reflection", "my-worksheet", "my-practice"]
    assert lesson.activity("my-worksheet").fields[0].min_words == 5
    assert lesson.domains == {"advocacy": 0.5, "ethical-responsibility": 0.5}


@pytest.mark.parametrize(("activity", "key", "problem"), [
    (reflection(minutes=45), "minutes: 45", "a reflection takes 5 to 30 minutes, found 45"),
    (reflection(minutes=4), "minutes: 4", "a reflection takes 5 to 30 minutes, found 4"),
    (worksheet(minutes=90), "minutes: 90", "a worksheet takes 10 to 60 minutes, found 90"),
    (practice(minutes=50), "minutes: 50", "a practice takes 5 to 45 minutes, found 50"),
    (reflection(min_words=10), "min_words: 10", "min_words is 20 to 400 for a reflection, found 10"),
    (reflection(min_words=500), "min_words: 500", "min_words is 20 to 400 for a reflection, found 500"),
    (reflection(checklist=["One", "Two"]), "checklist:", "'checklist' is only for practices, not a reflection"),
    (reflection(fields=[{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]), "fields:",
     "'fields' is only for worksheets, not a reflection"),
    (worksheet(min_words=30), "min_words: 30", "'min_words' is only for reflections, not a worksheet"),
    (practice(min_words=30), "min_words: 30", "'min_words' is only for reflections, not a practice"),
    (worksheet(fields=[{"id": "only", "label": "Only one"}]), "fields:", "a worksheet has 2 to 8 fields, found 1"),
    (worksheet(fields=[{"id": "same", "label": "A"}, {"id": "same", "label": "B"}]), ("- id: same", "label: A"),
     "field id 'same' appears twice"),
    (practice(checklist=["Just one"]), "checklist:", "a practice checklist has 2 to 8 items, found 1"),
    (practice(checklist=[f"Step {i}" for i in range(9)]), "checklist:",
     "a practice checklist has 2 to 8 items, found 9"),
    (reflection(competencies=["made-up-skill"]), "- made-up-skill", "unknown competency 'made-up-skill'"),
    (reflection(instructions="Write about your week in detail."), "instructions:",
     "the instructions must ask learners never to write names or identifying details of people they serve"),
])
def test_each_kind_rule_is_reported_at_its_line(tree, activity, key, problem):
    path = write(tree, [activity])
    errors = errors_of(tree)
    needle, after = key if isinstance(key, tuple) else (key, "activities:")  # a repeated id: the second one
    assert any(e.startswith(f"{at(path, needle, after=after)}: activity '{activity['id']}': {problem}")
               for e in errors), errors


@pytest.mark.parametrize(("missing", "kind"), [("min_words", "reflection"), ("fields", "worksheet"),
                                                ("checklist", "practice")])
def test_each_kind_needs_its_own_key(tree, missing, kind):
    activity = {"reflection": reflection, "worksheet": worksheet, "practice": practice}[kind]()
    del activity[missing]
    path = write(tree, [activity])
    errors = errors_of(tree)
    assert f"{at(path, '- id: ' + activity['id'])}: activity '{activity['id']}': a {kind} needs '{missing}'" in errors


def test_unknown_kind_and_unknown_key_are_named(tree):
    path = write(tree, [reflection(kind="essay"), reflection("other", colour="blue")])
    errors = errors_of(tree)
    assert any(e.startswith(f"{at(path, 'kind: essay')}: activities.0.kind") for e in errors), errors
    assert f"{at(path, 'colour: blue')}: unknown key 'colour'" in errors


def test_duplicate_activity_ids_are_reported(tree):
    path = write(tree, [reflection("same"), practice("same")],
                 body=BODY + "\n[[activity:same]]\n")
    errors = errors_of(tree)
    assert (f"{at(path, 'id: same', after='kind: reflection')}: activity 'same': the id is used by another activity "
            "of this lesson") in errors


def test_every_activity_is_placed_exactly_once_and_placeholders_name_one(tree):
    body = BODY + "\n[[activity:my-reflection]]\n\nMore.\n\n[[activity:my-reflection]]\n\n[[activity:nope]]\n"
    path = write(tree, [reflection(), practice()], body=body)
    errors = errors_of(tree)
    lines = path.read_text().splitlines()
    placed = [i for i, line in enumerate(lines, 1) if line == "[[activity:my-reflection]]"]
    nope = lines.index("[[activity:nope]]") + 1
    assert f"{LESSON}:{placed[1]}: activity 'my-reflection' is placed twice" in errors
    assert f"{LESSON}:{nope}: [[activity:nope]] names no activity in the front matter" in errors
    assert (f"{at(path, '- id: my-practice')}: activity 'my-practice' is not placed: put [[activity:my-practice]] on "
            "a line of its own in the body") in errors


def test_a_mistyped_placeholder_is_an_error_not_text(tree):
    body = BODY + "\n[[activty:my-reflection]]\n\n[[activity:my-reflection]]\n"
    path = write(tree, [reflection()], body=body)
    line = path.read_text().splitlines().index("[[activty:my-reflection]]") + 1
    errors = errors_of(tree)
    assert any(e.startswith(f"{LESSON}:{line}: '[[activty:my-reflection]]' is not a placeholder") for e in errors)


@pytest.mark.parametrize(("domains", "problem"), [
    ({"advocacy": 0.5, "ethical-responsibility": 0.4}, "domain shares add up to 0.9; they must add up to 1"),
    ({"advocacy": 1.5, "ethical-responsibility": -0.5}, "the share of 'advocacy' is 1.5"),
    ({}, "give at least one domain share"),
])
def test_lesson_domain_shares_must_add_up_to_one(tree, domains, problem):
    path = write(tree, [], domains=domains)
    errors = errors_of(tree)
    assert any(e.startswith(at(path, "domains:")) and problem in e for e in errors), errors


def test_unknown_domain_and_missing_domains_are_named(tree):
    path = write(tree, [], domains={"harm-reduction": 1})
    assert any(e.startswith(at(path, "harm-reduction")) and "domains.harm-reduction" in e for e in errors_of(tree))
    meta = lesson_meta()
    del meta["domains"]
    write_lesson(tree / "demo-course" / "lessons" / "01-lesson-1.md", meta)
    assert f"{LESSON}:2: missing required key 'domains'" in errors_of(tree)


def test_thirds_written_to_three_places_add_up(tree):
    write(tree, [], domains={"advocacy": 0.333, "ethical-responsibility": 0.333, "recovery-wellness": 0.334})
    assert load_catalog(tree).courses["demo-course"].lessons[0].domains["recovery-wellness"] == 0.334
