"""Item analysis: Moodle's quiz statistics (facility, SD, discrimination index and efficiency,
Cronbach's alpha as CIC, error ratio, standard error), plus scenario choice and path analysis.

Formulas: docs.moodle.org/dev/Quiz_statistics_calculations, as summarized in the project's
reference notes (section 1.3). Variances and covariances use n - 1.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

DUBIOUS_EFFICIENCY = 15.0  # Moodle highlights items with discriminative efficiency under 15 %
FACILITY_RANGE = (0.1, 0.9)


@dataclass(frozen=True)
class ItemStats:
    item: str
    attempts: int
    facility: float | None        # mean mark / max mark, 0..1
    sd: float | None              # 100 * sd(mark) / max mark
    discrimination: float | None  # 100 * r(item, rest of test)
    efficiency: float | None      # 100 * cov(item, rest) / max achievable cov
    flags: tuple[str, ...]


@dataclass(frozen=True)
class TestStats:
    attempts: int
    mean: float | None
    sd: float | None
    cic: float | None             # coefficient of internal consistency = Cronbach's alpha x 100
    error_ratio: float | None
    standard_error: float | None


def _cov(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a - a.mean()) * (b - b.mean())).sum() / (len(a) - 1))


def item_statistics(items: list[str], marks: np.ndarray, max_marks: np.ndarray) -> list[ItemStats]:
    """marks: attempts x items, NaN where an attempt did not include the item (random draws)."""
    seen = ~np.isnan(marks)
    totals = np.nansum(marks, axis=1)
    result = []
    for j, item in enumerate(items):
        rows = seen[:, j]
        n = int(rows.sum())
        x = marks[rows, j]
        rest = totals[rows] - x
        facility = float(x.mean() / max_marks[j]) if n else None
        if n < 2:
            result.append(ItemStats(item, n, facility, None, None, None, _flags(facility, None)))
            continue
        var_x, var_rest = float(x.var(ddof=1)), float(rest.var(ddof=1))
        cov = _cov(x, rest)
        # The largest covariance these two marginal distributions allow: pair them sorted.
        cov_max = float(((np.sort(x) - x.mean()) * (np.sort(rest) - rest.mean())).sum() / (n - 1))
        discrimination = 100 * cov / math.sqrt(var_x * var_rest) if var_x * var_rest > 0 else None
        efficiency = 100 * cov / cov_max if cov_max > 0 else None
        sd = float(100 * math.sqrt(var_x) / max_marks[j])
        result.append(ItemStats(item, n, facility, sd, discrimination, efficiency, _flags(facility, efficiency)))
    return result


def _flags(facility: float | None, efficiency: float | None) -> tuple[str, ...]:
    flags = []
    if facility is not None and not FACILITY_RANGE[0] <= facility <= FACILITY_RANGE[1]:
        flags.append("too easy" if facility > FACILITY_RANGE[1] else "too hard")
    if efficiency is not None and efficiency < DUBIOUS_EFFICIENCY:
        flags.append("low discrimination")
    return tuple(flags)


def assessment_statistics(slot_marks: np.ndarray) -> TestStats:
    """slot_marks: attempts x slots (the k-th question of each attempt), no gaps."""
    n, p = slot_marks.shape if slot_marks.ndim == 2 else (0, 0)
    if n == 0:
        return TestStats(0, None, None, None, None, None)
    totals = slot_marks.sum(axis=1)
    mean = float(totals.mean())
    if n < 2:
        return TestStats(n, mean, None, None, None, None)
    k2 = float(totals.var(ddof=1))
    sd = math.sqrt(k2)
    if n < 3 or p < 2 or k2 == 0:
        return TestStats(n, mean, sd, None, None, None)
    cic = (100 * p / (p - 1)) * (1 - float(slot_marks.var(axis=0, ddof=1).sum()) / k2)
    error_ratio = 100 * math.sqrt(1 - cic / 100) if cic <= 100 else 0.0
    return TestStats(n, mean, sd, cic, error_ratio, error_ratio * sd / 100)


def choice_counts(responses: list[tuple[str, str]]) -> dict[str, Counter]:
    """(item or decision id, option id) pairs -> per item, how often each option was chosen."""
    counts: dict[str, Counter] = {}
    for item, option in responses:
        counts.setdefault(item, Counter())[option] += 1
    return counts


def common_paths(paths: list[tuple[str, ...]], top: int = 5) -> list[tuple[tuple[str, ...], int]]:
    """The most frequent paths through a scenario (each a tuple of node ids)."""
    return Counter(paths).most_common(top)


def failure_points(failed: list[tuple[str, str | None]]) -> list[tuple[str, int]]:
    """Where failing attempts went wrong: the decision with the critical choice, else the end node."""
    return Counter(node for node, _option in failed).most_common()
