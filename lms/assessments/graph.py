"""The scenario graph: structure checks for the loader, and the scoring data the runner needs.

Paths run from `start` through narrative `next`s and chosen options to an end node. The checks return
`GraphProblem`s naming the node (and option) so the loader can point at the file line. The scoring
functions (`max_points`, `max_total`, `best_path`, `score_path`) need a graph without loops or missing
targets, which the loader guarantees for every Scenario it returns.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lms.assessments.definitions import Decision, Narrative, Node, Option, Scenario

MIN_DECISION_DEPTH = 4  # decisions on the best path of a shipped scenario
MIN_BRANCHING_DECISIONS = 2  # decisions whose options lead to different nodes
_EPS = 1e-9


@dataclass(frozen=True)
class GraphProblem:
    """One problem; `at` is the key it concerns, relative to the option, the node, or (no node) the file."""

    problem: str
    node: str | None = None
    option: str | None = None
    at: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = " ".join(([f"node '{self.node}'"] if self.node else [])
                         + ([f"option '{self.option}'"] if self.option else []))
        return f"{where}: {self.problem}" if where else self.problem


@dataclass(frozen=True)
class ScenarioPath:
    nodes: tuple[str, ...]  # node ids from start to an end node
    choices: tuple[tuple[str, str], ...]  # (decision id, option id) in order
    points: float

    @property
    def decisions(self) -> int:
        return len(self.choices)

    def __str__(self) -> str:
        return " -> ".join(self.nodes)


@dataclass(frozen=True)
class PathScore:
    """The result of a (possibly unfinished) walk through a scenario."""

    points: float
    per_competency: dict[str, float]
    scaled: float  # points / scenario max_total
    scaled_per_competency: dict[str, float]  # only competencies some path can earn points in
    critical: tuple[str, ...]  # ids of the critical options chosen
    finished: bool  # reached an end node
    passed: bool  # finished, no critical option, scaled >= pass_mark
    nodes: tuple[str, ...] = field(default=())  # node ids visited
    end: str | None = None  # the end node reached


def edges(node: Node) -> list[tuple[Option | None, str]]:
    """(option or None for a narrative's next, target id) for every way out of `node`."""
    if isinstance(node, Narrative):
        return [(None, node.next)]
    if isinstance(node, Decision):
        return [(option, option.next) for option in node.options]
    return []


def successors(node: Node) -> tuple[str, ...]:
    return tuple(target for _, target in edges(node))


def reachable(scenario: Scenario) -> set[str]:
    """Ids of the nodes that can be reached from start (missing targets ignored)."""
    if scenario.start not in scenario.nodes:
        return set()
    seen, todo = {scenario.start}, [scenario.start]
    while todo:
        for target in successors(scenario.nodes[todo.pop()]):
            if target in scenario.nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def find_loops(scenario: Scenario) -> list[tuple[str, str | None, list[str]]]:
    """Every edge that closes a loop: (node id, option id or None, cycle as [a, b, ..., a])."""
    order = ([scenario.start] if scenario.start in scenario.nodes else []) + list(scenario.nodes)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    loops = []
    for root in order:
        if root in state:
            continue
        state[root] = 1
        path = [root]
        stack: list[Iterator[tuple[Option | None, str]]] = [iter(edges(scenario.nodes[root]))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            option, target = step
            if target not in scenario.nodes or state.get(target) == 2:
                continue
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                loops.append((path[-1], option.id if option else None, cycle))
                continue
            state[target] = 1
            path.append(target)
            stack.append(iter(edges(scenario.nodes[target])))
    return loops


def check_structure(scenario: Scenario) -> list[GraphProblem]:
    """Start and every `next` exist, every node is reachable from start, and there are no loops."""
    problems = []
    if scenario.start not in scenario.nodes:
        problems.append(GraphProblem(f"start node '{scenario.start}' does not exist", at=("start",)))
    for node in scenario.nodes.values():
        for option, target in edges(node):
            if target not in scenario.nodes:
                problems.append(GraphProblem(f"next '{target}' is not a node", node.id,
                                             option.id if option else None, ("next",)))
    if scenario.start in scenario.nodes:
        seen = reachable(scenario)
        problems.extend(GraphProblem(f"cannot be reached from start '{scenario.start}'", node_id)
                        for node_id in scenario.nodes if node_id not in seen)
    for node_id, option_id, cycle in find_loops(scenario):
        problems.append(GraphProblem(f"next '{cycle[-1]}' makes a loop: {' -> '.join(cycle)}; every path must end",
                                     node_id, option_id, ("next",)))
    return problems


def _topological(scenario: Scenario) -> list[str]:
    """Node ids reachable from start, every node after all of its successors (ends first).

    Raises ValueError if start or a reachable `next` is missing, or a loop can be reached."""
    if scenario.start not in scenario.nodes:
        raise ValueError(f"scenario '{scenario.slug}': start node '{scenario.start}' does not exist")
    done: list[str] = []
    state: dict[str, int] = {scenario.start: 1}  # 1 on the current path, 2 done
    path = [scenario.start]
    stack = [iter(successors(scenario.nodes[scenario.start]))]
    while stack:
        target = next(stack[-1], None)
        if target is None:
            node_id = path.pop()
            state[node_id] = 2
            done.append(node_id)
            stack.pop()
        elif target not in scenario.nodes:
            raise ValueError(f"scenario '{scenario.slug}': node '{path[-1]}' leads to missing node '{target}'")
        elif state.get(target) == 1:
            raise ValueError(f"scenario '{scenario.slug}' has a loop: {' -> '.join(path[path.index(target):])} -> "
                             f"{target}")
        elif target not in state:
            state[target] = 1
            path.append(target)
            stack.append(iter(successors(scenario.nodes[target])))
    return done


def topological_order(scenario: Scenario) -> list[str]:
    """Node ids reachable from start, each after all of its successors (for DP over the graph)."""
    return _topological(scenario)


def _best(scenario: Scenario, weight, *, safe_only: bool = False, fewest_decisions: bool = False):
    """DP over the DAG: for each node the best (value, -decisions) from it and the edge taken."""
    best: dict[str, tuple[float, int]] = {}
    taken: dict[str, tuple[Option | None, str] | None] = {}
    for node_id in _topological(scenario):
        node = scenario.nodes[node_id]
        if not edges(node):
            best[node_id], taken[node_id] = (0.0, 0), None
            continue
        top: tuple[float, int] | None = None
        for option, target in edges(node):
            if option is not None and safe_only and option.critical:
                continue
            value, neg_depth = best[target]
            if value == float("-inf"):
                continue
            candidate = (value + (weight(option) if option else 0.0), neg_depth - (1 if option else 0))
            if not fewest_decisions:
                candidate = (candidate[0], 0)
            if top is None or candidate[0] > top[0] + _EPS or (
                    abs(candidate[0] - top[0]) <= _EPS and candidate[1] > top[1]):
                top, taken[node_id] = candidate, (option, target)
        if top is None:
            best[node_id], taken[node_id] = (float("-inf"), 0), None
        else:
            best[node_id] = top
    return best, taken


def max_total(scenario: Scenario) -> float:
    """The most points any path can earn (all competencies together): the scaled score's divisor."""
    best, _ = _best(scenario, lambda option: option.points)
    return best[scenario.start][0]


def competencies_scored(scenario: Scenario) -> list[str]:
    """The scenario's competencies, then any other competency an option scores, in file order."""
    ids = list(scenario.competencies)
    for node in scenario.decisions:
        for option in node.options:
            ids.extend(c for c in option.scores if c not in ids)
    return ids


def max_points(scenario: Scenario) -> dict[str, float]:
    """The most points any path can earn in each competency (each maximized on its own)."""
    result = {}
    for comp in competencies_scored(scenario):
        best, _ = _best(scenario, lambda option, c=comp: float(option.scores.get(c, 0.0)))
        result[comp] = best[scenario.start][0]
    return result


def best_path(scenario: Scenario) -> ScenarioPath | None:
    """The highest-scoring path without a critical option (fewest decisions among equals), or None."""
    best, taken = _best(scenario, lambda option: option.points, safe_only=True, fewest_decisions=True)
    if best[scenario.start][0] == float("-inf"):
        return None
    nodes, choices, node_id = [scenario.start], [], scenario.start
    while (step := taken[node_id]) is not None:
        option, node_id = step
        if option is not None:
            choices.append((nodes[-1], option.id))
        nodes.append(node_id)
    return ScenarioPath(tuple(nodes), tuple(choices), best[scenario.start][0])


def branching_decisions(scenario: Scenario) -> tuple[str, ...]:
    """Reachable decisions whose options lead to at least two different nodes."""
    seen = reachable(scenario)
    return tuple(d.id for d in scenario.decisions if d.id in seen and len(set(successors(d))) >= 2)


def score_path(scenario: Scenario, choices: Iterable[str | tuple[str, str]]) -> PathScore:
    """Walk from start taking the given options (ids, or (decision id, option id)) and score the walk.

    Raises ValueError if a choice does not fit the decision reached (tampered or stale input)."""
    totals = max_points(scenario) if not scenario.max_points else dict(scenario.max_points)
    top = scenario.max_total or max_total(scenario)
    earned = dict.fromkeys(totals, 0.0)
    critical, nodes, node_id = [], [scenario.start], scenario.start
    pending = list(choices)
    while True:
        node = scenario.nodes[node_id]
        if isinstance(node, Narrative):
            node_id = node.next
        elif isinstance(node, Decision):
            if not pending:
                break
            choice = pending.pop(0)
            decision_id, option_id = choice if isinstance(choice, tuple) else (node.id, choice)
            option = node.option(option_id)
            if decision_id != node.id or option is None:
                raise ValueError(f"option '{option_id}' is not a choice at decision '{node.id}'")
            for comp, points in option.scores.items():
                earned[comp] = earned.get(comp, 0.0) + float(points)
            if option.critical:
                critical.append(option.id)
            node_id = option.next
        else:
            break
        nodes.append(node_id)
    if pending:
        raise ValueError(f"{len(pending)} choice(s) left over after the scenario ended")
    finished = not edges(scenario.nodes[node_id])
    points = sum(earned.values())
    scaled = points / top if top > 0 else 0.0
    scaled_each = {c: earned.get(c, 0.0) / m for c, m in totals.items() if m > 0}
    passed = finished and not critical and scaled + _EPS >= scenario.settings.pass_mark
    return PathScore(points, earned, scaled, scaled_each, tuple(critical), finished, passed, tuple(nodes),
                     node_id if finished else None)


def check_scoring(scenario: Scenario) -> list[GraphProblem]:
    """Some path earns points, and at least one path passes. Needs check_structure to pass first."""
    top = max_total(scenario)
    if top <= 0:
        return [GraphProblem("no option scores any points, so there is no scaled score", at=("nodes",))]
    best = best_path(scenario)
    if best is None:
        return [GraphProblem("every path has a critical option, so no path can pass", at=("start",))]
    scaled = best.points / top
    if scaled + _EPS < scenario.settings.pass_mark:
        return [GraphProblem(
            f"no path passes: the best path without a critical option ({best}) earns {best.points:g} of "
            f"{top:g} points ({scaled:.2f}), below pass_mark {scenario.settings.pass_mark:g}",
            at=("settings", "pass_mark"))]
    return []


def check_shipped(scenario: Scenario, min_depth: int = MIN_DECISION_DEPTH,
                  min_branching: int = MIN_BRANCHING_DECISIONS) -> list[GraphProblem]:
    """The shipped-content minimums: the best path is `min_depth` decisions deep, with real branches."""
    problems = []
    best = best_path(scenario)
    if best is not None and best.decisions < min_depth:
        problems.append(GraphProblem(
            f"the best path ({best}) has {best.decisions} decision(s); shipped scenarios need at least {min_depth}",
            at=("start",)))
    branching = branching_decisions(scenario)
    if len(branching) < min_branching:
        named = f" ({', '.join(branching)})" if branching else ""
        problems.append(GraphProblem(
            f"{len(branching)} decision(s){named} have options leading to different nodes; "
            f"shipped scenarios need at least {min_branching}", at=("nodes",)))
    return problems


def check_scenario(scenario: Scenario, *, shipped: bool = True) -> list[GraphProblem]:
    """Every graph rule of docs/assessments.md, in order: structure, scoring, then the shipped minimums
    (each stage only once the one before it is sound)."""
    problems = check_structure(scenario)
    if problems:
        return problems
    problems = check_scoring(scenario)
    if problems or not shipped:
        return problems
    return check_shipped(scenario)
