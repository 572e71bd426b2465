"""Every shipped assessment file loads with the real curricula and meets the minimums of docs/assessments.md."""
from __future__ import annotations

import pytest

from lms.assessments import graph
from lms.assessments.loader import MIN_BANK_ITEMS, MIN_BANK_TYPES, load_assessments
from lms.paths import data_dir
from tests.assessments import real_catalog

COURSES = {"communication", "crisis-intervention", "ethics", "confidentiality", "scope-of-practice"}
SCENARIO_FILES = sorted(data_dir("assessments").glob("*/scenario-*.yaml"))

pytestmark = pytest.mark.skipif(len(SCENARIO_FILES) < 10, reason="content still being written")


@pytest.fixture(scope="module")
def assessments():
    catalog = real_catalog()
    return load_assessments(data_dir("assessments"), catalog.framework, catalog.courses)


def test_five_banks_with_final_checks(assessments):
    assert set(assessments.banks) == COURSES
    for course, bank in assessments.banks.items():
        assert len(bank.items) >= MIN_BANK_ITEMS, bank.path
        assert len(bank.types) >= MIN_BANK_TYPES, bank.path
        final = assessments.final_check_for(course)
        assert final is not None and final.draw <= len(bank.items), bank.path


def test_at_least_two_scenarios_per_course(assessments):
    assert len(assessments.scenarios) >= 10
    for course in COURSES:
        assert len(assessments.scenarios_for(course)) >= 2, course


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_is_four_decisions_deep_with_a_critical_option(assessments, path):
    scenario = next(s for s in assessments.scenarios.values() if s.path == str(path))
    best = graph.best_path(scenario)
    assert best is not None and best.decisions >= graph.MIN_DECISION_DEPTH, f"{path}: {best}"
    assert any(option.critical for decision in scenario.decisions for option in decision.options), path
    assert len(graph.branching_decisions(scenario)) >= graph.MIN_BRANCHING_DECISIONS, path
    assert graph.score_path(scenario, [option for _, option in best.choices]).passed, path


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_says_it_is_fictional(assessments, path):
    scenario = next(s for s in assessments.scenarios.values() if s.path == str(path))
    text = " ".join([scenario.summary, *(getattr(n, "text", None) or "" for n in scenario.nodes.values())])
    assert "fictional" in text.lower(), f"{path} does not say its people and situations are fictional"
