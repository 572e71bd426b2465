"""Bad assessment files give `file:line: problem` naming the node or item, for every problem at once."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lms.assessments.definitions import AssessmentCatalog, Decision, End, Narrative
from lms.assessments.loader import load_assessments
from lms.content import ContentErrors
from tests.assessments import COURSE, bank, item, line_number, make_assessments, option, real_catalog, scenario, write
from tests.conftest import REPO

SCENARIO = f"assessments/{COURSE}/scenario-late-night-text.yaml"
BANK = f"assessments/{COURSE}/bank.yaml"


@pytest.fixture
def root(tmp_path) -> Path:
    return make_assessments(tmp_path / "assessments")


def load(root: Path) -> AssessmentCatalog:
    catalog = real_catalog()
    return load_assessments(root, catalog.framework, catalog.courses)


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load(root)
    return [str(e) for e in info.value.errors]


def node(data: dict, node_id: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def opt(data: dict, node_id: str, option_id: str) -> dict:
    return next(o for o in node(data, node_id)["options"] if o["id"] == option_id)


def with_scenario(root: Path, change: Callable[[dict], object]) -> Path:
    data = scenario()
    change(data)
    return write(root / COURSE / "scenario-late-night-text.yaml", data)


def with_bank(root: Path, change: Callable[[dict], object]) -> Path:
    data = bank()
    change(data)
    return write(root / COURSE / "bank.yaml", data)


# the valid tree --------------------------------------------------------------------------------

def test_valid_tree_loads_into_frozen_runtime_objects(root):
    catalog = load(root)
    s = catalog.scenarios["late-night-text"]
    assert catalog.scenarios_for(COURSE) == (s,) and catalog.scenarios_for("ethics") == ()
    assert list(s.nodes)[:3] == ["intro", "d1", "d2"]
    assert isinstance(s.start_node, Narrative) and isinstance(s.node("d1"), Decision)
    assert isinstance(s.node("end-good"), End)
    assert "<em>This scenario is fictional.</em>" in s.start_node.html
    wait = s.node("d1").option("wait")
    assert wait.critical and wait.reason and wait.points == 0
    assert s.review == ((COURSE, "asking-directly"),)
    assert s.max_total == 8 and dict(s.max_points) == {"helps-manage-crises": 8, "values-communication": 1}
    assert s.settings.pass_mark == 0.75 and not s.settings.unlimited_attempts
    assert re.fullmatch(r"[0-9a-f]{16}", s.version)

    b = catalog.bank_for(COURSE)
    assert len(b.items) == 20 and len(b.types) == 6 and catalog.item_count == 20
    assert [c.id for c in b.item("ci-01").choices] == ["a", "b", "c", "d"]
    final = catalog.final_check(f"{COURSE}-final")
    assert final is catalog.final_check_for(COURSE)
    assert (final.draw, final.bank, final.settings.feedback) == (10, f"{COURSE}-bank", "after")
    assert final.version == b.version
    assert set(catalog.versions) == {"late-night-text", f"{COURSE}-final"}
    with pytest.raises(AttributeError):
        s.title = "changed"  # frozen


def test_an_empty_folder_is_an_empty_catalog(tmp_path):
    (tmp_path / "assessments").mkdir()
    catalog = load(tmp_path / "assessments")
    assert not catalog.scenarios and not catalog.banks and not catalog.final_checks


def test_a_missing_folder_is_reported(tmp_path):
    assert errors_of(tmp_path / "assessments") == ["assessments:1: the assessments folder does not exist"]


# file-level shape ------------------------------------------------------------------------------

def test_unknown_key_and_missing_key(root):
    path = with_scenario(root, lambda d: d.update(sumary=d.pop("summary")))
    assert errors_of(root) == [
        f"{SCENARIO}:1: missing required key 'summary'",
        f"{SCENARIO}:{line_number(path, 'sumary:')}: unknown key 'sumary'",
    ]


def test_yaml_syntax_error_names_the_line(root):
    path = root / COURSE / "scenario-late-night-text.yaml"
    path.write_text(path.read_text().replace("title: A text at 11 pm", "title: [unclosed"))
    errors = errors_of(root)
    assert len(errors) == 1 and errors[0].startswith(f"{SCENARIO}:") and "YAML syntax" in errors[0]


def test_a_file_that_is_not_a_mapping(root):
    (root / COURSE / "scenario-late-night-text.yaml").write_text("- just\n- a list\n")
    assert errors_of(root) == [f"{SCENARIO}:1: expected a mapping of keys to values"]


def test_an_empty_file_is_reported(root):
    (root / COURSE / "bank.yaml").write_text("# nothing yet\n")
    assert errors_of(root) == [f"{BANK}:1: the file is empty"]


def test_settings_are_checked(root):
    def change(d):
        d["settings"].update(pass_mark=1.5, feedback="sometimes")
        del d["settings"]["max_attempts"]

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'settings:')}: missing required key 'max_attempts'",
        f"{SCENARIO}:{line_number(path, 'pass_mark:')}: settings.pass_mark: Input should be less than or equal to 1",
        f"{SCENARIO}:{line_number(path, 'feedback: sometimes')}: settings.feedback: "
        "Input should be 'immediate' or 'after'",
    ]


def test_kind_must_match(root):
    path = with_scenario(root, lambda d: d.update(kind="bank"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'kind:')}: kind: Input should be 'scenario'"]


def test_bad_ids_are_explained(root):
    path = with_scenario(root, lambda d: opt(d, "d1", "ask").update(id="Ask_Directly"))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'id: Ask_Directly')}: node 'd1' option 'Ask_Directly': id: 'Ask_Directly' "
        "is not a valid id (lower-case letters, digits and single hyphens)"]


# nodes -----------------------------------------------------------------------------------------

def test_duplicate_node_id(root):
    path = with_scenario(root, lambda d: node(d, "end-poor").update(id="end-good"))
    line = line_number(path, "- id: end-good", after="outcome: Dani is connected")
    assert f"{SCENARIO}:{line}: duplicate node id 'end-good'" in errors_of(root)


def test_start_must_exist(root):
    path = with_scenario(root, lambda d: d.update(start="beginning"))
    assert f"{SCENARIO}:{line_number(path, 'start:')}: start node 'beginning' does not exist" in errors_of(root)


def test_next_target_must_exist(root):
    path = with_scenario(root, lambda d: opt(d, "d2", "stay").update(next="nowhere"))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'next: nowhere')}: node 'd2' option 'stay': next 'nowhere' is not a node"]


def test_narrative_next_must_exist(root):
    path = with_scenario(root, lambda d: node(d, "detour").update(next="d9"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'next: d9')}: node 'detour': next 'd9' is not a node"]


def test_every_node_reachable_from_start(root):
    def change(d):
        d["nodes"].append({"id": "orphan", "type": "end", "outcome": "Nobody gets here."})

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, '- id: orphan')}: node 'orphan': cannot be reached from start 'intro'"]


def test_a_loop_is_reported_as_a_cycle(root):
    path = with_scenario(root, lambda d: opt(d, "d4", "forget").update(next="d3"))
    line = line_number(path, "next: d3", after="- id: forget")
    assert errors_of(root) == [
        f"{SCENARIO}:{line}: node 'd4' option 'forget': next 'd3' makes a loop: d3 -> d4 -> d3; every path must end"]


def test_a_node_that_points_at_itself(root):
    path = with_scenario(root, lambda d: node(d, "detour").update(next="detour"))
    line = line_number(path, "next: detour", after="- id: detour")
    assert errors_of(root) == [
        f"{SCENARIO}:{line}: node 'detour': next 'detour' makes a loop: detour -> detour; every path must end"]


def test_end_node_has_no_next(root):
    path = with_scenario(root, lambda d: node(d, "end-good").update(next="intro"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'next: intro')}: node 'end-good': "
                               "an end node has neither 'next' nor 'options' (found 'next')"]


def test_narrative_needs_next_and_decision_has_no_next(root):
    def change(d):
        del node(d, "intro")["next"]
        node(d, "d4")["next"] = "end-good"

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, '- id: intro')}: node 'intro': missing required key 'next'",
        f"{SCENARIO}:{line_number(path, 'next: end-good', after='- id: forget') + 1}: node 'd4': "
        "a decision node has no 'next': each of its options has one",
    ]


def test_narrative_with_options(root):
    path = with_scenario(root, lambda d: node(d, "detour").update(options=[]))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'options: []')}: node 'detour': a narrative node has 'next', not 'options'"]


def test_node_type_missing_or_unknown(root):
    def change(d):
        node(d, "detour")["type"] = "narative"
        del node(d, "end-poor")["type"]

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'type: narative')}: node 'detour': unknown type 'narative' "
        "(one of 'narrative', 'decision', 'end')",
        f"{SCENARIO}:{line_number(path, '- id: end-poor')}: node 'end-poor': missing required key 'type' "
        "(one of 'narrative', 'decision', 'end')",
    ]


def test_decision_needs_two_to_five_options(root):
    def change(d):
        node(d, "d4")["options"] = node(d, "d4")["options"][:1]
        node(d, "d2")["options"] += [option(f"extra-{i}", "d3") for i in range(4)]

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'options:', after='- id: d2')}: node 'd2': options: "
        "a decision node needs 2 to 5 options, found 6",
        f"{SCENARIO}:{line_number(path, 'options:', after='- id: d4')}: node 'd4': options: "
        "a decision node needs 2 to 5 options, found 1",
    ]


def test_option_ids_unique_within_a_decision(root):
    path = with_scenario(root, lambda d: opt(d, "d2", "leave").update(id="stay"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'options:', after='- id: d2')}: node 'd2': "
                               "options: option id 'stay' appears twice"]


def test_option_needs_next_text_feedback_and_source(root):
    def change(d):
        for key in ("next", "feedback", "source"):
            del opt(d, "d2", "stay")[key]

    path = with_scenario(root, change)
    line = line_number(path, "- id: stay")
    assert errors_of(root) == [f"{SCENARIO}:{line}: node 'd2' option 'stay': missing required key '{key}'"
                               for key in ("feedback", "next", "source")]


def test_critical_option_needs_a_reason_and_a_reason_needs_critical(root):
    def change(d):
        del opt(d, "d1", "wait")["reason"]
        opt(d, "d3", "guess")["reason"] = "It guesses."

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, '- id: wait')}: node 'd1' option 'wait': a critical option needs a 'reason'",
        f"{SCENARIO}:{line_number(path, '- id: guess')}: node 'd3' option 'guess': "
        "'reason' is only for critical options: add 'critical: true' or remove it",
    ]


def test_scores_are_known_competencies_with_non_negative_numbers(root):
    def change(d):
        opt(d, "d2", "stay")["scores"] = {"helps-manage-crises": 2, "made-up-skill": 1}
        opt(d, "d3", "call")["scores"] = {"helps-manage-crises": -1}

    path = with_scenario(root, change)
    errors = errors_of(root)
    assert errors == [
        f"{SCENARIO}:{line_number(path, 'helps-manage-crises: -1')}: node 'd3' option 'call': "
        "scores.helps-manage-crises: Input should be greater than or equal to 0"]
    # schema problems first; once fixed, the unknown competency is found
    with_scenario(root, lambda d: opt(d, "d2", "stay").update(scores={"helps-manage-crises": 2, "made-up-skill": 1}))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'made-up-skill: 1')}: node 'd2' option 'stay': "
                               "scores: unknown competency 'made-up-skill'"]


def test_scores_must_be_numbers(root):
    path = with_scenario(root, lambda d: opt(d, "d2", "stay").update(scores={"helps-manage-crises": "two"}))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'helps-manage-crises: two')}: node 'd2' option "
                               "'stay': scores.helps-manage-crises: Input should be a valid number"]


def test_media_needs_alt_and_a_url_or_relative_path(root):
    path = with_scenario(root, lambda d: node(d, "intro").update(media={"src": "not a url"}))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'media:')}: node 'intro': missing required key 'alt'",
        f"{SCENARIO}:{line_number(path, 'src:')}: node 'intro': media.src: "
        "'not a url' is not an http(s) URL or a relative path",
    ]


def test_media_with_transcript_loads(root):
    with_scenario(root, lambda d: node(d, "intro").update(
        media={"src": "https://example.org/clip.mp4", "alt": "A phone screen", "transcript": "The text."}))
    media = load(root).scenarios["late-night-text"].start_node.media
    assert (media.src, media.alt, media.transcript) == ("https://example.org/clip.mp4", "A phone screen", "The text.")


# cross-file references -------------------------------------------------------------------------

def test_unknown_competency_in_the_scenario_list(root):
    path = with_scenario(root, lambda d: d["competencies"].append("made-up-skill"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, '- made-up-skill')}: unknown competency 'made-up-skill'"]


def test_review_references_are_course_slash_lesson(root):
    path = with_scenario(root, lambda d: d.update(review=[
        f"{COURSE}/asking-directly", f"{COURSE}/no-such-lesson", "no-course/x", "asking-directly"]))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, '- asking-directly')}: review.3: 'asking-directly' is not a course/lesson "
        "reference",
    ]
    with_scenario(root, lambda d: d.update(review=[f"{COURSE}/no-such-lesson", "no-course/x"]))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'no-such-lesson')}: review: course '{COURSE}' has no lesson 'no-such-lesson'",
        f"{SCENARIO}:{line_number(path, 'no-course/x')}: review: unknown course 'no-course' in 'no-course/x'",
    ]


def test_course_must_be_known_and_match_the_folder(root):
    path = with_scenario(root, lambda d: d.update(course="ethics"))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'course:')}: course 'ethics' must equal the folder name '{COURSE}'"]
    with_scenario(root, lambda d: d.update(course="basket-weaving"))
    assert errors_of(root) == [f"{SCENARIO}:{line_number(path, 'course:')}: unknown course 'basket-weaving'"]


def test_folders_are_courses_and_files_are_named_by_the_format(root):
    write(root / "basket-weaving" / "bank.yaml", bank())
    (root / "stray.yaml").write_text("kind: bank\n")
    (root / "README.md").write_text("notes\n")  # ignored
    write(root / COURSE / "scenario_typo.yaml", scenario())
    assert errors_of(root) == [
        "assessments/basket-weaving:1: 'basket-weaving' is not a course; name assessment folders after a course slug",
        f"assessments/{COURSE}/scenario_typo.yaml:1: assessment files are named scenario-<slug>.yaml or bank.yaml",
        "assessments/stray.yaml:1: assessment files go in a course folder: assessments/<course>/",
    ]


def test_slug_matches_the_file_name(root):
    path = with_scenario(root, lambda d: d.update(slug="late-text"))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'slug:')}: slug 'late-text' must match the file name "
        "scenario-late-night-text.yaml"]


def test_slugs_are_unique_across_files(root):
    other = scenario()
    other["course"] = "communication"
    write(root / "communication" / "scenario-late-night-text.yaml", other)
    second = scenario("crisis-intervention-final")  # the same slug as the bank's final check
    path = write(root / COURSE / "scenario-crisis-intervention-final.yaml", second)
    assert errors_of(root) == [
        f"assessments/{COURSE}/scenario-crisis-intervention-final.yaml:{line_number(path, 'slug:')}: "
        f"scenario slug 'crisis-intervention-final' is already used in {BANK}",
        f"{SCENARIO}:{line_number(path, 'slug:')}: scenario slug 'late-night-text' is already used in "
        "assessments/communication/scenario-late-night-text.yaml",
    ]


# scoring and the shipped minimums --------------------------------------------------------------

def test_at_least_one_path_passes(root):
    path = with_scenario(root, lambda d: opt(d, "d1", "wait").update(scores={"helps-manage-crises": 20}))
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'pass_mark:')}: no path passes: the best path without a critical option "
        "(intro -> d1 -> d2 -> d3 -> d4 -> end-good) earns 8 of 20 points (0.40), below pass_mark 0.75"]


def test_a_path_without_critical_options_exists(root):
    def change(d):
        for o in node(d, "d1")["options"]:
            o.update(critical=True, reason="Unsafe.")

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'start:')}: every path has a critical option, so no path can pass"]


def test_some_option_scores_points(root):
    def change(d):
        for n in d["nodes"]:
            for o in n.get("options", []):
                o["scores"] = {}

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'nodes:')}: no option scores any points, so there is no scaled score"]


def test_shipped_scenarios_are_four_decisions_deep_on_the_best_path(root):
    def change(d):
        opt(d, "d2", "stay")["next"] = "end-good"
        for o in node(d, "d3")["options"] + node(d, "d4")["options"]:
            o["scores"] = {}

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'start:')}: the best path (intro -> d1 -> d2 -> end-good) has 2 decision(s); "
        "shipped scenarios need at least 4"]


def test_shipped_scenarios_have_real_branches(root):
    def change(d):
        for n, target in (("d1", "d2"), ("d2", "d3"), ("d3", "d4")):
            for o in node(d, n)["options"]:
                o["next"] = target
        d["nodes"] = [n for n in d["nodes"] if n["id"] not in ("detour", "end-poor", "end-unsafe")]

    path = with_scenario(root, change)
    assert errors_of(root) == [
        f"{SCENARIO}:{line_number(path, 'nodes:')}: 0 decision(s) have options leading to different nodes; "
        "shipped scenarios need at least 2"]


# banks -----------------------------------------------------------------------------------------

def test_bank_needs_twenty_items_of_three_types(root):
    def change(d):
        d["items"] = [item("single", i) for i in range(1, 6)] + [item("true_false", 6)]
        d["final_check"]["draw"] = 5

    path = with_bank(root, change)
    line = line_number(path, "items:")
    assert errors_of(root) == [
        f"{BANK}:{line}: a bank needs at least 20 items, found 6",
        f"{BANK}:{line}: a bank needs at least 3 question types, found 2 (single, true_false)",
    ]


def test_draw_no_larger_than_the_bank(root):
    path = with_bank(root, lambda d: d["final_check"].update(draw=21))
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'draw:')}: final_check.draw: draws 21 items but the bank has 20"]


def test_final_check_is_required(root):
    with_bank(root, lambda d: d.pop("final_check"))
    assert errors_of(root) == [f"{BANK}:1: missing required key 'final_check'"]


def test_duplicate_item_id_and_unknown_item_competency(root):
    def change(d):
        d["items"][4]["id"] = "ci-01"
        d["items"][2]["competencies"] = ["made-up-skill"]

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, '- made-up-skill')}: item 'ci-03': unknown competency 'made-up-skill'",
        f"{BANK}:{line_number(path, '- id: ci-01', after='- id: ci-04')}: duplicate item id 'ci-01'",
    ]


def test_every_item_has_competencies_source_and_both_feedbacks(root):
    def change(d):
        for key in ("competencies", "source", "feedback_correct", "feedback_incorrect"):
            del d["items"][1][key]

    path = with_bank(root, change)
    line = line_number(path, "- id: ci-02")
    assert errors_of(root) == [f"{BANK}:{line}: item 'ci-02': missing required key '{key}'"
                               for key in ("competencies", "feedback_correct", "feedback_incorrect", "source")]


def test_item_type_missing_or_unknown(root):
    def change(d):
        d["items"][0]["type"] = "essay"
        del d["items"][1]["type"]

    path = with_bank(root, change)
    tags = "'single', 'multiple', 'true_false', 'ordering', 'matching', 'short_text'"
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'type: essay')}: item 'ci-01': unknown type 'essay' (one of {tags})",
        f"{BANK}:{line_number(path, '- id: ci-02')}: item 'ci-02': missing required key 'type' (one of {tags})",
    ]


def test_single_needs_exactly_one_correct_and_multiple_at_least_one(root):
    def change(d):
        d["items"][0]["options"][1]["correct"] = True  # ci-01 single
        for o in d["items"][1]["options"]:  # ci-02 multiple
            o.pop("correct", None)

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'options:', after='- id: ci-01')}: item 'ci-01': options: "
        "a single-choice item needs exactly one correct option, found 2",
        f"{BANK}:{line_number(path, 'options:', after='- id: ci-02')}: item 'ci-02': options: "
        "a multiple-choice item needs at least one correct option",
    ]


def test_choice_options_need_feedback_and_three_to_five_options(root):
    def change(d):
        del d["items"][0]["options"][2]["feedback"]
        d["items"][1]["options"] = d["items"][1]["options"][:2]

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, '- text: Choice 2', after='- id: ci-01')}: item 'ci-01' option 3: "
        "missing required key 'feedback'",
        f"{BANK}:{line_number(path, 'options:', after='- id: ci-02')}: item 'ci-02': options: "
        "a multiple-choice item needs 3 to 5 options, found 2",
    ]


def test_ordering_matching_and_short_text_rules(root):
    def change(d):
        d["items"][3]["sequence"] = ["Only", "Two"]  # ci-04 ordering
        d["items"][4]["pairs"][2]["right"] = "Action 1"  # ci-05 matching
        d["items"][5]["accepted"] = []  # ci-06 short_text

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'sequence:', after='- id: ci-04')}: item 'ci-04': sequence: "
        "an ordering item needs 3 to 7 steps, found 2",
        f"{BANK}:{line_number(path, 'pairs:', after='- id: ci-05')}: item 'ci-05': pairs: "
        "right-hand text 'Action 1' appears twice",
        f"{BANK}:{line_number(path, 'accepted:', after='- id: ci-06')}: item 'ci-06': accepted: "
        "a short-text item needs at least one accepted answer",
    ]


def test_too_many_pairs_and_steps(root):
    def change(d):
        d["items"][3]["sequence"] = [f"Step {i}" for i in range(8)]
        d["items"][4]["pairs"] = [{"left": f"L{i}", "right": f"R{i}"} for i in range(7)]

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'sequence:', after='- id: ci-04')}: item 'ci-04': sequence: "
        "an ordering item needs 3 to 7 steps, found 8",
        f"{BANK}:{line_number(path, 'pairs:', after='- id: ci-05')}: item 'ci-05': pairs: "
        "a matching item needs 3 to 6 pairs, found 7",
    ]


def test_short_text_answers_that_normalize_to_nothing_and_numbers(root):
    def change(d):
        d["items"][5]["accepted"] = [988, "?!"]

    path = with_bank(root, change)
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, '- ?!')}: item 'ci-06': accepted answer '?!' is empty once case, spaces and "
        "punctuation are ignored"]
    with_bank(root, lambda d: d["items"][5].update(accepted=[988]))
    assert load(root).bank_for(COURSE).item("ci-06").accepted == ("988",)


def test_true_false_answer_is_a_boolean(root):
    path = with_bank(root, lambda d: d["items"][2].update(answer="maybe"))
    assert errors_of(root) == [
        f"{BANK}:{line_number(path, 'answer: maybe')}: item 'ci-03': answer: Input should be a valid boolean, "
        "unable to interpret input"]


# all at once, and the app ----------------------------------------------------------------------

def test_every_problem_in_every_file_is_reported_at_once_with_a_line(root):
    with_scenario(root, lambda d: opt(d, "d2", "stay").update(next="nowhere"))
    with_bank(root, lambda d: d["final_check"].update(draw=99))
    write(root / "ethics" / "scenario-other.yaml", {**scenario("other"), "course": "ethics", "colour": "blue"})
    errors = errors_of(root)
    assert len(errors) == 3
    assert all(re.match(r"assessments/[a-z-]+/[a-z.-]+\.yaml:\d+: ", e) for e in errors), errors


def test_the_app_keeps_the_catalog(app):
    assert isinstance(app.extensions["lms"].assessments, AssessmentCatalog)
    assert app.config["LMS_ASSESSMENTS_DIR"].endswith("assessments")


def flask_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {"SECRET_KEY": "x" * 40, "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", *args], cwd=REPO,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_check_content_summarizes_assessments_and_bad_files_stop_the_app(tmp_path):
    # A copy of the shipped assessments: course hours count every scenario and final check, so a tree with
    # fewer would (rightly) disagree with the courses' declared hours. No certificate programs either.
    root = tmp_path / "assessments"
    shutil.copytree(REPO / "assessments", root)
    (tmp_path / "no-programs").mkdir()
    env = {"LMS_ASSESSMENTS_DIR": str(root), "LMS_CERTIFICATES_DIR": str(tmp_path / "no-programs")}
    ok = flask_cli("check-content", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert ok.returncode == 0, ok.stderr
    assert "Assessments OK: 10 scenarios, 5 banks, " in ok.stdout

    path = with_scenario(root, lambda d: opt(d, "d2", "stay").update(next="nowhere"))
    bad = flask_cli("check-content", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert bad.returncode == 1
    assert (f"{SCENARIO}:{line_number(path, 'next: nowhere')}: node 'd2' option 'stay': next 'nowhere' is not a node"
            in bad.stderr)
    assert "Traceback" not in bad.stderr
