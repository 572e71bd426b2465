"""Item analysis against a small dataset computed by hand, and the reference implementation."""
from __future__ import annotations

import math
import random
import statistics as st

import numpy as np
import pytest

from lms.assessments.analysis import assessment_statistics, choice_counts, common_paths, item_statistics

# Five attempts, three one-mark items.
#            q1  q2  q3   total
MARKS = [[1, 1, 1],   # 3
         [1, 1, 0],   # 2
         [1, 0, 0],   # 1
         [0, 1, 0],   # 1
         [0, 0, 0]]   # 0


def test_item_statistics_match_hand_computation():
    stats = item_statistics(["q1", "q2", "q3"], np.array(MARKS, dtype=float), np.ones(3))
    q1 = stats[0]
    # q1 marks 1,1,1,0,0: facility 3/5. Sample variance: mean .6, squares .16*3 + .36*2 = 1.2; /4 = 0.3.
    assert q1.facility == pytest.approx(0.6)
    assert q1.sd == pytest.approx(100 * math.sqrt(0.3))
    # Rest of test for q1 = q2 + q3: 2,1,0,1,0 (mean .8). cov = sum((x-.6)(o-.8))/4
    # = (.4*1.2 + .4*.2 + .4*-.8 + -.6*.2 + -.6*-.8)/4 = (.48+.08-.32-.12+.48)/4 = .15
    # var(rest) = (1.44+.04+.64+.04+.64)/4 = .7 ; DI = 100 * .15 / sqrt(.3 * .7)
    assert q1.discrimination == pytest.approx(100 * 0.15 / math.sqrt(0.3 * 0.7))
    # cov max pairs sorted x (0,0,1,1,1) with sorted rest (0,0,1,1,2):
    # (-.6*-.8)*2 + (.4*.2)*2 + .4*1.2 = .96 + .16 + .48 = 1.6 ; /4 = .4 ; DE = 100 * .15/.4 = 37.5
    assert q1.efficiency == pytest.approx(37.5)
    assert stats[2].facility == pytest.approx(0.2)


def test_test_statistics_cic_is_cronbach_alpha_and_error_ratio():
    data = np.array(MARKS, dtype=float)
    stats = assessment_statistics(data)
    # totals 3,2,1,1,0: mean 1.4, var = (2.56+.36+.16+.16+1.96)/4 = 1.3
    # item variances .3, .3, .2 -> alpha = 3/2 * (1 - .8/1.3) = 0.576923...
    alpha = 1.5 * (1 - 0.8 / 1.3)
    assert stats.mean == pytest.approx(1.4)
    assert stats.sd == pytest.approx(math.sqrt(1.3))
    assert stats.cic == pytest.approx(100 * alpha)
    assert stats.error_ratio == pytest.approx(100 * math.sqrt(1 - alpha))
    assert stats.standard_error == pytest.approx(math.sqrt(1 - alpha) * math.sqrt(1.3))


def _reference(marks):
    """The reference notes' plain-Python formulas (item_statistics_example.py), for comparison."""
    n, p = len(marks), len(marks[0])
    totals = [sum(r) for r in marks]
    out = []
    for j in range(p):
        x = [r[j] for r in marks]
        o = [t - xj for t, xj in zip(totals, x, strict=True)]
        mx, mo = st.mean(x), st.mean(o)
        var_x = sum((a - mx) ** 2 for a in x) / (n - 1)
        var_o = sum((b - mo) ** 2 for b in o) / (n - 1)
        cov = sum((a - mx) * (b - mo) for a, b in zip(x, o, strict=True)) / (n - 1)
        covmax = sum((a - mx) * (b - mo) for a, b in zip(sorted(x), sorted(o), strict=True)) / (n - 1)
        out.append((mx, 100 * cov / math.sqrt(var_x * var_o), 100 * cov / covmax))
    return out


def test_matches_reference_formulas_on_simulated_attempts():
    rng = random.Random(1)
    difficulty = [-1.0, -0.3, 0.0, 0.5, 1.2, 0.2]
    marks = []
    for _ in range(200):
        ability = rng.gauss(0, 1)
        marks.append([1.0 if rng.random() < 1 / (1 + math.exp(-(ability - d) * 1.7)) else 0.0 for d in difficulty])
    ours = item_statistics([f"q{i}" for i in range(6)], np.array(marks), np.ones(6))
    for mine, (facility, di, de) in zip(ours, _reference(marks), strict=True):
        assert mine.facility == pytest.approx(facility)
        assert mine.discrimination == pytest.approx(di)
        assert mine.efficiency == pytest.approx(de)
    cols = list(zip(*marks, strict=True))
    alpha = 6 / 5 * (1 - sum(st.variance(c) for c in cols) / st.variance([sum(r) for r in marks]))
    assert assessment_statistics(np.array(marks)).cic == pytest.approx(100 * alpha)


def test_items_not_seen_by_an_attempt_are_left_out_of_that_items_statistics():
    marks = np.array([[1, np.nan, 1], [0, 1, np.nan], [1, 0, 0], [np.nan, 1, 1]], dtype=float)
    stats = item_statistics(["a", "b", "c"], marks, np.ones(3))
    assert [s.attempts for s in stats] == [3, 3, 3]
    assert stats[0].facility == pytest.approx(2 / 3)


def test_dubious_items_are_flagged():
    # q3: everyone right (too easy); q4 answered right by the weakest only (negative discrimination)
    marks = np.array([[1, 1, 1, 0], [1, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1], [0, 0, 1, 1]], dtype=float)
    stats = {s.item: s for s in item_statistics(["q1", "q2", "q3", "q4"], marks, np.ones(4))}
    assert "too easy" in stats["q3"].flags
    assert "low discrimination" in stats["q4"].flags
    assert stats["q4"].discrimination < 0


def test_small_samples_give_none_not_errors():
    assert assessment_statistics(np.zeros((0, 3))).cic is None
    assert assessment_statistics(np.ones((2, 3))).cic is None
    assert item_statistics(["q"], np.array([[1.0]]), np.ones(1))[0].discrimination is None


def test_choice_counts_and_common_paths():
    counts = choice_counts([("d1", "a"), ("d1", "b"), ("d1", "a"), ("d2", "c")])
    assert counts["d1"]["a"] == 2 and counts["d2"]["c"] == 1
    paths = [("s", "d1", "e1"), ("s", "d1", "e1"), ("s", "d2", "e2")]
    assert common_paths(paths, top=1) == [(("s", "d1", "e1"), 2)]
