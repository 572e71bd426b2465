"""Scenario graph checks and the scoring data: loops, reachability, best path, max points by DP."""
from __future__ import annotations

import itertools
import random
from types import MappingProxyType

import pytest

from lms.assessments import graph
from lms.assessments.definitions import AssessmentSettings, Decision, End, Narrative, Option, Scenario
from lms.assessments.loader import load_assessments
from tests.assessments import make_assessments, real_catalog

SETTINGS = AssessmentSettings(0.5, 0, 0, 0, "immediate", "highest")


def opt(oid: str, nxt: str, critical: bool = False, **scores: float) -> Option:
    return Option(oid, oid, "why", "source", nxt, MappingProxyType({k.replace("_", "-"): v for k, v in scores.items()}),
                  critical, "unsafe" if critical else None)


def dec(nid: str, *options: Option) -> Decision:
    return Decision(nid, f"{nid}?", tuple(options))


def nar(nid: str, nxt: str) -> Narrative:
    return Narrative(nid, "text", "<p>text</p>", nxt)


def end(nid: str) -> End:
    return End(nid, "outcome", "<p>outcome</p>")


def make(*nodes, start: str = "a", pass_mark: float = 0.5, competencies=("c1",)) -> Scenario:
    settings = AssessmentSettings(pass_mark, 0, 0, 0, "immediate", "highest")
    return Scenario("demo", "ethics", "Demo", "Demo.", tuple(competencies), settings, (), start,
                    MappingProxyType({n.id: n for n in nodes}), "v", "demo.yaml")


# c1 is maximized by x (3), c2 by y then z (2 + 2); the total by y then z (5).
SPLIT = make(
    nar("a", "d1"),
    dec("d1", opt("x", "end1", c1=3), opt("y", "d2", c1=1, c2=2)),
    dec("d2", opt("z", "end2", c2=2), opt("w", "end2")),
    end("end1"), end("end2"),
    competencies=("c1", "c2"),
)


def test_max_points_per_competency_are_maximized_separately():
    assert graph.max_points(SPLIT) == {"c1": 3.0, "c2": 4.0}
    assert graph.max_total(SPLIT) == 5.0


def test_competencies_scored_but_not_listed_are_included():
    scenario = make(dec("a", opt("x", "e", c1=1, c9=2), opt("y", "e")), end("e"))
    assert graph.max_points(scenario) == {"c1": 1.0, "c9": 2.0}


def test_best_path_avoids_critical_options_and_prefers_fewer_decisions_among_equals():
    scenario = make(
        dec("a", opt("grab", "e", critical=True, c1=9), opt("short", "b", c1=2), opt("long", "c", c1=1)),
        dec("b", opt("b1", "e", c1=1), opt("b2", "e")),
        dec("c", opt("c1", "d", c1=1), opt("c2", "e")),
        dec("d", opt("d1", "e", c1=1), opt("d2", "e")),
        end("e"),
    )
    best = graph.best_path(scenario)
    assert best.points == 3 and best.decisions == 2
    assert best.choices == (("a", "short"), ("b", "b1"))
    assert best.nodes == ("a", "b", "e") and str(best) == "a -> b -> e"
    assert graph.max_total(scenario) == 9  # the critical option still counts towards the most points


def test_best_path_is_none_when_every_path_is_critical():
    scenario = make(dec("a", opt("x", "e", critical=True, c1=1), opt("y", "e", critical=True)), end("e"))
    assert graph.best_path(scenario) is None
    assert [str(p) for p in graph.check_scoring(scenario)] == ["every path has a critical option, so no path can pass"]


def test_structure_problems_name_node_option_and_key():
    scenario = make(
        nar("a", "b"),
        dec("b", opt("back", "a"), opt("lost", "nowhere")),
        nar("c", "c"),
        end("e"),
    )
    problems = graph.check_structure(scenario)
    assert [(p.node, p.option, p.at, str(p)) for p in problems] == [
        ("b", "lost", ("next",), "node 'b' option 'lost': next 'nowhere' is not a node"),
        ("c", None, (), "node 'c': cannot be reached from start 'a'"),
        ("e", None, (), "node 'e': cannot be reached from start 'a'"),
        ("b", "back", ("next",), "node 'b' option 'back': next 'a' makes a loop: a -> b -> a; every path must end"),
        ("c", None, ("next",), "node 'c': next 'c' makes a loop: c -> c; every path must end"),
    ]


def test_missing_start_is_a_file_level_problem():
    problems = graph.check_structure(make(end("e"), start="s"))
    assert [(p.node, p.at, str(p)) for p in problems] == [(None, ("start",), "start node 's' does not exist")]


def test_scoring_functions_refuse_a_broken_graph():
    looped = make(nar("a", "b"), nar("b", "a"))
    assert graph.find_loops(looped) == [("b", None, ["a", "b", "a"])]
    with pytest.raises(ValueError, match="has a loop: a -> b -> a"):
        graph.max_total(looped)
    with pytest.raises(ValueError, match="missing node 'x'"):
        graph.best_path(make(nar("a", "x")))
    # nodes that cannot be reached do not matter to scoring
    assert graph.max_total(make(dec("a", opt("y", "e", c1=1), opt("z", "e")), end("e"), nar("u", "u"))) == 1


def test_reachable_successors_and_branching():
    assert graph.reachable(SPLIT) == {"a", "d1", "d2", "end1", "end2"}
    assert graph.successors(SPLIT.node("d1")) == ("end1", "d2")
    assert graph.branching_decisions(SPLIT) == ("d1",)  # d2's options both lead to end2


def test_check_scenario_applies_the_shipped_minimums_only_when_asked():
    assert graph.check_scenario(SPLIT, shipped=False) == []
    assert [str(p) for p in graph.check_scenario(SPLIT)] == [
        "the best path (a -> d1 -> d2 -> end2) has 2 decision(s); shipped scenarios need at least 4",
        "1 decision(s) (d1) have options leading to different nodes; shipped scenarios need at least 2",
    ]


def test_no_passing_path():
    scenario = make(dec("a", opt("x", "e", critical=True, c1=4), opt("y", "e", c1=1)), end("e"), pass_mark=0.5)
    assert [(p.at, str(p)) for p in graph.check_scoring(scenario)] == [
        (("settings", "pass_mark"), "no path passes: the best path without a critical option (a -> e) earns 1 of 4 "
                                    "points (0.25), below pass_mark 0.5")]


def test_score_path_for_the_runner():
    full = graph.score_path(SPLIT, ["y", "z"])
    assert (full.points, full.scaled, full.finished, full.passed, full.end) == (5.0, 1.0, True, True, "end2")
    assert full.per_competency == {"c1": 1.0, "c2": 4.0}
    assert full.scaled_per_competency == {"c1": pytest.approx(1 / 3), "c2": 1.0}
    assert full.nodes == ("a", "d1", "d2", "end2")

    short = graph.score_path(SPLIT, [("d1", "x")])
    assert (short.points, short.scaled, short.passed) == (3.0, 0.6, True)

    unfinished = graph.score_path(SPLIT, ["y"])
    assert (unfinished.finished, unfinished.passed, unfinished.end, unfinished.nodes[-1]) == (False, False, None, "d2")

    with pytest.raises(ValueError, match="option 'z' is not a choice at decision 'd1'"):
        graph.score_path(SPLIT, ["z"])
    with pytest.raises(ValueError, match="is not a choice at decision 'd1'"):
        graph.score_path(SPLIT, [("d2", "x")])
    with pytest.raises(ValueError, match="left over"):
        graph.score_path(SPLIT, ["x", "z"])


def test_a_critical_choice_fails_whatever_the_points():
    scenario = make(dec("a", opt("x", "e", critical=True, c1=4), opt("y", "e", c1=1)), end("e"), pass_mark=0.1)
    result = graph.score_path(scenario, ["x"])
    assert result.scaled == 1.0 and result.critical == ("x",) and not result.passed


def _all_paths(scenario: Scenario, node_id: str):
    node = scenario.nodes[node_id]
    out = graph.edges(node)
    if not out:
        yield [], ()
    for option, target in out:
        for options, nodes in _all_paths(scenario, target):
            yield ([option] if option else []) + options, (node_id, *nodes)


def _random_dag(rng: random.Random) -> Scenario:
    size = rng.randint(3, 9)
    ids = [f"n{i}" for i in range(size)]
    nodes = []
    for i, nid in enumerate(ids[:-1]):
        later = ids[i + 1:]
        if rng.random() < 0.3:
            nodes.append(nar(nid, rng.choice(later)))
        else:
            count = rng.randint(2, 4)
            options = [opt(f"{nid}o{k}", rng.choice(later), rng.random() < 0.2,
                           c1=rng.randint(0, 3), c2=rng.randint(0, 2)) for k in range(count)]
            nodes.append(dec(nid, *options))
    nodes.append(end(ids[-1]))
    return make(*nodes, start="n0", competencies=("c1", "c2"))


@pytest.mark.parametrize("seed", range(40))
def test_dp_agrees_with_enumerating_every_path(seed):
    scenario = _random_dag(random.Random(seed))
    paths = list(_all_paths(scenario, "n0"))
    totals = [sum(o.points for o in options) for options, _ in paths]
    assert graph.max_total(scenario) == max(totals)
    for comp in ("c1", "c2"):
        assert graph.max_points(scenario)[comp] == max(sum(o.scores.get(comp, 0) for o in p) for p, _ in paths)
    safe = [(sum(o.points for o in p), len(p)) for p, _ in paths if not any(o.critical for o in p)]
    best = graph.best_path(scenario)
    if not safe:
        assert best is None
    else:
        top = max(points for points, _ in safe)
        assert best.points == top
        assert best.decisions == min(n for points, n in safe if points == top)
        assert graph.score_path(scenario, [o for _, o in best.choices]).points == top


def test_loaded_scenarios_carry_their_maximums(tmp_path):
    catalog = real_catalog()
    scenario = load_assessments(make_assessments(tmp_path / "assessments"), catalog.framework,
                                catalog.courses).scenarios["late-night-text"]
    assert dict(scenario.max_points) == graph.max_points(scenario)
    assert scenario.max_total == graph.max_total(scenario) == 8
    best = graph.best_path(scenario)
    assert best.decisions == 4 and best.points == 8
    every = list(itertools.product(*[[o.id for o in d.options] for d in scenario.decisions]))
    assert every  # the builder's scenario has choices at every decision
