"""Live-session templates (formats spec 4): a valid one loads frozen with its education hours; every rule the
loader enforces is reported with the file and the line."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lms.content import ContentErrors, load_catalog
from tests.content.builders import make_tree, session_meta, write_session

SESSION = "curricula/sessions/01-role-play-lab.md"


@pytest.fixture
def tree(tmp_path) -> Path:
    return make_tree(tmp_path / "curricula")


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load_catalog(root)
    return [str(e) for e in info.value.errors]


def at(path: Path, needle: str, after: str | None = None) -> str:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    line = next(i for i, text in enumerate(lines[start:], start + 1) if needle in text)
    return f"curricula/sessions/{path.name}:{line}"


def test_a_valid_template_loads_frozen_with_its_education_hours(tree):
    write_session(tree, session_meta())
    catalog = load_catalog(tree)
    assert set(catalog.courses) == {"demo-course"}  # the sessions folder is not a course
    template = catalog.sessions["role-play-lab"]
    assert (template.number, template.minutes, template.breaks, template.education_minutes) == (1, 180, 15, 165)
    assert template.hours_by_domain() == pytest.approx({"ethical-responsibility": 2.0625,
                                                        "mentoring-education": 0.6875})
    assert [item.kind for item in template.agenda][:3] == ["opening", "presentation", "role-play"]
    assert template.role_play("loan-request").roles["person"] == "You are a fictional person."
    assert "<h2>Preparation</h2>" in template.guide_html and template.guide_words > 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.minutes = 60  # type: ignore[misc]


def test_agenda_minutes_must_add_up_to_the_session(tree):
    path = write_session(tree, session_meta(minutes=200))
    assert (f"{at(path, 'agenda:')}: the agenda's minutes add up to 180 but the session is 200 minutes; they must be "
            "equal") in errors_of(tree)


def test_breaks_must_match_the_break_items(tree):
    path = write_session(tree, session_meta(breaks=20))
    errors = errors_of(tree)
    assert f"{at(path, 'breaks: 20')}: breaks is 20 but the agenda's break items add up to 15 minutes" in errors


def test_role_play_segments_name_a_role_play_of_the_file(tree):
    meta = session_meta()
    meta["agenda"][2]["role_play"] = "no-such-play"
    meta["agenda"][1]["role_play"] = "loan-request"
    path = write_session(tree, meta)
    errors = errors_of(tree)
    assert (f"{at(path, 'role_play: no-such-play')}: agenda item 'Round 1': no role play 'no-such-play' in "
            "role_plays") in errors
    assert (f"{at(path, 'role_play: loan-request')}: agenda item 'Mini-lecture': only role-play segments have a "
            "role_play") in errors


def test_a_role_play_segment_without_its_role_play_is_reported(tree):
    meta = session_meta()
    del meta["agenda"][2]["role_play"]
    path = write_session(tree, meta)
    errors = errors_of(tree)
    assert f"{at(path, 'minutes: 45')}: agenda item 'Round 1': a role-play segment names its role_play" in errors


def test_prompts_name_discussion_prompts_and_breaks_have_none(tree):
    meta = session_meta()
    meta["agenda"][4]["prompts"] = ["what-made-it-hard", "not-a-prompt"]
    meta["agenda"][3]["prompts"] = ["what-made-it-hard"]
    path = write_session(tree, meta)
    errors = errors_of(tree)
    assert (f"{at(path, '- not-a-prompt')}: agenda item 'Debrief': no discussion prompt 'not-a-prompt' in "
            "discussion_prompts") in errors
    assert f"{at(path, 'prompts:', after='title: Break')}: agenda item 'Break': a break has no prompts" in errors


def test_competencies_must_exist_everywhere_they_are_named(tree):
    meta = session_meta(competencies=["icrc-ethical-responsibility", "made-up"])
    meta["objectives"][0]["competencies"] = ["also-made-up"]
    meta["role_plays"][0]["observer_checklist"][0]["competency"] = "invented"
    path = write_session(tree, meta)
    errors = errors_of(tree)
    assert f"{at(path, '- made-up')}: unknown competency 'made-up'" in errors
    assert f"{at(path, '- also-made-up')}: unknown competency 'also-made-up'" in errors
    assert f"{at(path, 'competency: invented')}: role play 'loan-request': unknown competency 'invented'" in errors


def test_domain_shares_must_add_up_to_one(tree):
    path = write_session(tree, session_meta(domains={"ethical-responsibility": 0.5, "advocacy": 0.25}))
    assert any(e.startswith(at(path, "domains:")) and "domain shares add up to 0.75; they must add up to 1" in e
               for e in errors_of(tree))


def test_slug_file_name_prerequisites_duplicates_and_body(tree):
    meta = session_meta(slug="other-slug", prerequisites=["no-such-course"])
    meta["discussion_prompts"].append({"id": "what-made-it-hard", "text": "Again?"})
    path = write_session(tree, meta, name="01-role-play-lab.md", body="")
    (tree / "sessions" / "Notes.md").write_text("notes")
    errors = errors_of(tree)
    assert (f"{at(path, 'slug: other-slug')}: slug 'other-slug' must match the file name after the NN- prefix "
            "('role-play-lab')") in errors
    assert f"{at(path, '- no-such-course')}: unknown prerequisite course 'no-such-course'" in errors
    second = at(path, "id: what-made-it-hard", after="text: What made it hard")
    assert f"{second}: discussion prompt id 'what-made-it-hard' appears twice" in errors
    assert any(e.startswith(SESSION) and "the body is the facilitator guide: it cannot be empty" in e for e in errors)
    assert ("curricula/sessions/Notes.md:1: session templates are named NN-slug.md (two digits, lower-case slug)"
            in errors)


def test_unknown_keys_and_agenda_kinds_are_named(tree):
    meta = session_meta(colour="blue")
    meta["agenda"][0]["kind"] = "icebreaker"
    path = write_session(tree, meta)
    errors = errors_of(tree)
    assert f"{at(path, 'colour: blue')}: unknown key 'colour'" in errors
    assert any(e.startswith(at(path, "kind: icebreaker")) and "agenda.0.kind" in e for e in errors), errors
