"""The agreement coefficients of analysis/kappa.py (numpy only, in place of statsmodels) on published
worked examples, against the ``krippendorff`` package on random data, and weighted (collapsed) units
against the same units written out one column each."""
from __future__ import annotations

from unittest import mock

import krippendorff
import numpy as np
import pytest

from casecoder.analysis import kappa
from casecoder.analysis.agreement import nominal_coefficients
from casecoder.analysis.kappa import category_counts, cohen_kappa, collapse, fleiss_kappa, krippendorff_alpha

NAN = float("nan")


def test_fleiss_kappa_wikipedia_worked_example():
    """Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories;
    P = 0.378, P_e = 0.213, kappa = 0.210 (statsmodels' test of the same table: 0.20993)."""
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=5e-6)
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_fleiss_1971_count_table():
    """Fleiss (1971), table 1 as counts per patient (30 patients x 5 diagnoses, 6 raters); kappa = 0.430."""
    from tests.analysis.test_agreement import FLEISS_1971_DIAGNOSES
    ratings = np.asarray(FLEISS_1971_DIAGNOSES, dtype=float).T
    counts = category_counts(ratings, np.arange(1.0, 6.0))
    assert counts.shape == (30, 5) and (counts.sum(axis=1) == 6).all()
    assert counts[:3].tolist() == [[0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1]]
    assert fleiss_kappa(counts) == pytest.approx(0.430, abs=5e-4)


@pytest.mark.parametrize(("table", "kappa"), [
    ([[20, 5], [10, 15]], 0.40),                 # Wikipedia "Cohen's kappa": p_o 0.70, p_e 0.50
    ([[45, 15], [25, 15]], 0.1304),              # Wikipedia: same 60 % agreement, p_e 0.54
    ([[25, 35], [5, 35]], 0.2593),               # Wikipedia: same 60 % agreement, p_e 0.46
    ([[0, 4, 1], [0, 8, 0], [0, 1, 5]], 0.4842),  # SAS PROC FREQ example (statsmodels' test): 0.4842
])
def test_cohens_kappa_worked_examples(table, kappa):
    assert cohen_kappa(np.asarray(table)) == pytest.approx(kappa, abs=5e-5)


def test_undefined_coefficients_are_none():
    assert cohen_kappa(np.zeros((2, 2))) is None
    assert cohen_kappa(np.asarray([[7, 0], [0, 0]])) is None       # one category: p_e = 1
    assert fleiss_kappa(np.zeros((0, 2))) is None
    assert fleiss_kappa([[3, 0], [3, 0]]) is None
    assert krippendorff_alpha([[2, 0], [3, 0]]) is None
    assert krippendorff_alpha([[1, 0], [0, 1]]) is None            # no pairable unit


def _random_matrix(rng: np.random.Generator, coders: int, units: int, categories: int, missing: float) -> np.ndarray:
    m = rng.integers(0, categories, size=(coders, units)).astype(float)
    m[rng.random(m.shape) < missing] = np.nan
    return m


@pytest.mark.parametrize("seed", range(25))
def test_alpha_matches_the_krippendorff_package_on_random_data(seed):
    rng = np.random.default_rng(seed)
    m = _random_matrix(rng, int(rng.integers(2, 6)), int(rng.integers(5, 80)), int(rng.integers(2, 5)),
                       float(rng.choice([0.0, 0.2, 0.5])))
    c = nominal_coefficients(m, binary=False)
    pairable = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
    if np.unique(pairable[~np.isnan(pairable)]).size < 2:
        assert c.krippendorff_alpha is None
        return
    expected = krippendorff.alpha(reliability_data=pairable, level_of_measurement="nominal")
    assert c.krippendorff_alpha == pytest.approx(expected, abs=1e-10)


def _brute_cohen(a: list[float], b: list[float]) -> float | None:
    pairs = [(x, y) for x, y in zip(a, b) if not (np.isnan(x) or np.isnan(y))]
    cats = sorted({v for p in pairs for v in p})
    if not pairs or len(cats) < 2:
        return None
    n = len(pairs)
    p_o = sum(x == y for x, y in pairs) / n
    p_e = sum(sum(x == c for x, _ in pairs) * sum(y == c for _, y in pairs) for c in cats) / n / n
    return (p_o - p_e) / (1 - p_e)


def _brute_fleiss(m: np.ndarray) -> float | None:
    complete = [col for col in m.T if not np.isnan(col).any()]
    cats = sorted({v for col in complete for v in col})
    if not complete or len(cats) < 2:
        return None
    k, big_n = m.shape[0], len(complete)
    p_i = [(sum(list(col).count(c) ** 2 for c in cats) - k) / (k * (k - 1)) for col in complete]
    p_j = [sum(list(col).count(c) for col in complete) / (big_n * k) for c in cats]
    p_e = sum(p * p for p in p_j)
    return (sum(p_i) / big_n - p_e) / (1 - p_e)


@pytest.mark.parametrize("seed", range(25))
def test_kappas_match_the_textbook_formulas_on_random_data(seed):
    rng = np.random.default_rng(100 + seed)
    coders = int(rng.integers(2, 5))
    m = _random_matrix(rng, coders, int(rng.integers(3, 60)), int(rng.integers(2, 4)),
                       float(rng.choice([0.0, 0.1, 0.3])))
    c = nominal_coefficients(m, binary=False)
    expected_fleiss = _brute_fleiss(m)
    assert (c.fleiss_kappa is None) == (expected_fleiss is None)
    if expected_fleiss is not None:
        assert c.fleiss_kappa == pytest.approx(expected_fleiss, abs=1e-12)
    if coders == 2:
        expected = _brute_cohen(list(m[0]), list(m[1]))
        assert (c.cohen_kappa is None) == (expected is None)
        if expected is not None:
            assert c.cohen_kappa == pytest.approx(expected, abs=1e-12)
    else:
        assert c.cohen_kappa is None


@pytest.mark.parametrize("seed", range(10))
def test_weighted_patterns_equal_the_written_out_units(seed):
    """A column of weight w counts as w identical columns: collapsing changes no coefficient."""
    rng = np.random.default_rng(200 + seed)
    m = _random_matrix(rng, int(rng.integers(2, 4)), 40, 2, 0.2)
    weights = rng.integers(1, 6, size=m.shape[1])
    written_out = np.repeat(m, weights, axis=1)
    patterns, summed = collapse(m, weights)
    assert summed.sum() == weights.sum() and patterns.shape[1] <= m.shape[1]
    a, b = nominal_coefficients(written_out), nominal_coefficients(patterns, weights=summed)
    assert (a.units, a.positive, a.warnings) == (b.units, b.positive, b.warnings)
    for name in ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12), name


@pytest.mark.parametrize("seed", range(6))
def test_binary_collapse_equals_the_sorting_one(seed):
    """0/1 data with missing values, few coders: the base-3 bincount gives the sort's distinct columns, in
    its order, with the same summed weights (data with other values still go through the sort)."""
    rng = np.random.default_rng(300 + seed)
    m = _random_matrix(rng, int(rng.integers(2, 5)), int(rng.integers(1, 60)), 2, 0.3)
    m[:, :2] = rng.choice([0.0, np.nan], size=(m.shape[0], 1))  # columns without a 1, some fully missing
    if seed % 3 == 0:
        m[m == 0] = np.nan  # only 1 and nan
    weights = rng.integers(0, 6, size=m.shape[1])
    fast = collapse(m, weights)
    with mock.patch.object(kappa, "_collapse_binary", lambda *_: None):
        slow = collapse(m, weights)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    assert kappa._collapse_binary(np.array([[0.0, 2.0], [1.0, 1.0]]), np.ones(2, dtype=np.int64)) is None


@pytest.mark.parametrize("seed", range(4))
def test_collapse_each_equals_collapse_of_each(seed):
    """A stack of 0/1/nan matrices (the case level's codes) collapsed at once: each matrix's columns and
    weights as ``collapse`` gives them alone; other values, or too many coders, decline."""
    rng = np.random.default_rng(400 + seed)
    coders, units = int(rng.integers(2, 4)), int(rng.integers(1, 40))
    stack = np.stack([_random_matrix(rng, coders, units, 2, 0.3) for _ in range(int(rng.integers(1, 6)))])
    stack[0] = np.nan  # a code nobody could code
    for (columns, weights), m in zip(kappa.collapse_each(stack), stack):
        expected = collapse(m)
        np.testing.assert_array_equal(columns, expected[0])
        np.testing.assert_array_equal(weights, expected[1])
    assert kappa.collapse_each(np.full((1, 2, 3), 2.0)) is None and kappa.collapse_each(np.zeros((1, 9, 2))) is None
