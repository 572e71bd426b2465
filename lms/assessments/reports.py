"""Item analysis reports for one assessment, built from finished attempts with two queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from lms.assessments.analysis import (
    ItemStats,
    TestStats,
    assessment_statistics,
    choice_counts,
    common_paths,
    failure_points,
    item_statistics,
)
from lms.assessments.definitions import Decision, FinalCheck, Scenario
from lms.assessments.models import Attempt, AttemptStep
from lms.assessments.services import catalog
from lms.db import session as db


@dataclass
class Report:
    attempts: int
    passed: int
    items: list[ItemStats] = field(default_factory=list)
    test: TestStats | None = None
    choices: dict[str, Counter] = field(default_factory=dict)
    paths: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    failures: list[tuple[str, int]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # item / node id -> prompt


def _finished(slug: str) -> tuple[list[Attempt], dict[int, list[AttemptStep]]]:
    attempts = list(
        db.scalars(
            select(Attempt)
            .where(Attempt.assessment_slug == slug, Attempt.finished_at.is_not(None))
            .order_by(Attempt.id)
        )
    )
    steps: dict[int, list[AttemptStep]] = {a.id: [] for a in attempts}
    if attempts:
        for step in db.scalars(
            select(AttemptStep)
            .join(Attempt)
            .where(Attempt.assessment_slug == slug, Attempt.finished_at.is_not(None))
            .order_by(AttemptStep.position)
        ):
            steps[step.attempt_id].append(step)
    return attempts, steps


def build_report(assessment: Scenario | FinalCheck) -> Report:
    attempts, steps = _finished(assessment.slug)
    report = Report(attempts=len(attempts), passed=sum(1 for a in attempts if a.passed))
    if isinstance(assessment, Scenario):
        return _scenario_report(assessment, attempts, steps, report)
    return _final_report(assessment, attempts, steps, report)


def _final_report(check: FinalCheck, attempts, steps, report: Report) -> Report:
    bank = catalog().bank_for(check.course)
    ids = [item.id for item in bank.items]
    column = {item_id: j for j, item_id in enumerate(ids)}
    marks = np.full((len(attempts), len(ids)), np.nan)
    slots = []
    responses = []
    for i, attempt in enumerate(attempts):
        row = steps[attempt.id]
        for step in row:
            if step.node_id in column:
                marks[i, column[step.node_id]] = step.points
                if step.response:
                    responses += [(step.node_id, part) for part in step.response.split("[,]")]
        if len(row) == check.draw:
            slots.append([step.points for step in row])
    report.items = item_statistics(ids, marks, np.ones(len(ids)))
    report.test = (
        assessment_statistics(np.array(slots, dtype=float)) if slots else assessment_statistics(np.zeros((0, 0)))
    )
    report.choices = choice_counts(responses)
    report.labels = {item.id: item.prompt for item in bank.items}
    return report


def _scenario_report(scenario: Scenario, attempts, steps, report: Report) -> Report:
    responses, paths, failed = [], [], []
    for attempt in attempts:
        row = steps[attempt.id]
        responses += [(step.node_id, step.response) for step in row]
        paths.append(tuple(f"{step.node_id}:{step.response}" for step in row) + (attempt.current_node or "",))
        if not attempt.passed:
            critical = next((step for step in row if step.critical), None)
            failed.append((critical.node_id, critical.response) if critical else (attempt.current_node or "", None))
    report.choices = choice_counts(responses)
    report.paths = common_paths(paths)
    report.failures = failure_points(failed)
    report.labels = {node.id: node.prompt for node in scenario.nodes.values() if isinstance(node, Decision)}
    return report


def report_csv_rows(assessment: Scenario | FinalCheck, report: Report) -> list[list]:
    if isinstance(assessment, Scenario):
        rows = [["decision", "prompt", "option", "critical", "times chosen"]]
        for node in assessment.decisions:
            for option in node.options:
                rows.append(
                    [
                        node.id,
                        node.prompt,
                        option.id,
                        option.critical,
                        report.choices.get(node.id, {}).get(option.id, 0),
                    ]
                )
        return rows
    rows = [
        [
            "item",
            "prompt",
            "attempts",
            "facility",
            "sd_percent",
            "discrimination_index",
            "discriminative_efficiency",
            "flags",
            "choices",
        ]
    ]
    for stats in report.items:
        choices = "; ".join(f"{k}={v}" for k, v in sorted(report.choices.get(stats.item, {}).items()))
        rows.append(
            [
                stats.item,
                report.labels.get(stats.item, ""),
                stats.attempts,
                _fmt(stats.facility),
                _fmt(stats.sd),
                _fmt(stats.discrimination),
                _fmt(stats.efficiency),
                "; ".join(stats.flags),
                choices,
            ]
        )
    return rows


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
