"""Agreement coefficients for nominal data, from weighted units (numpy only).

The data are a coders x units matrix of category codes (nan = missing) and a **weight** per unit: how
many identical units the column stands for (1 for a plain matrix). Identical columns can therefore be
collapsed into one (``collapse``): the coefficients below are sums over units, so a column of weight w
counts exactly as w copies of it. That is what lets segment-level agreement treat a run of characters
with the same coding pattern as one unit.

Notation: w_u the weight of unit u, n_uc the number of coders who gave unit u category c, m_u = sum_c n_uc.

- **Cohen's kappa** (Cohen 1960, "A coefficient of agreement for nominal scales", Educational and
  Psychological Measurement 20(1): 37-46): two coders, the units both coded, in a contingency table
  t_ck (weighted count of units coder 1 put in c and coder 2 in k), n = sum t_ck:
  p_o = sum_c t_cc / n, p_e = sum_c (t_c. / n) (t_.c / n), kappa = (p_o - p_e) / (1 - p_e).
- **Fleiss' kappa** (Fleiss 1971, "Measuring nominal scale agreement among many raters", Psychological
  Bulletin 76(5): 378-382): the units every one of the m coders coded (N = sum w_u):
  P_u = (sum_c n_uc^2 - m) / (m (m - 1)), P = sum_u w_u P_u / N, p_c = sum_u w_u n_uc / (N m),
  P_e = sum_c p_c^2, kappa = (P - P_e) / (1 - P_e).
- **Krippendorff's alpha**, nominal (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
  the pairable units (m_u >= 2), coincidences o_cc = sum_u w_u n_uc (n_uc - 1) / (m_u - 1),
  n_c = sum_u w_u n_uc, n = sum_c n_c: alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2).

Each returns None where it is undefined (no units, or a single category: expected disagreement 0).
"""
from __future__ import annotations

import numpy as np


def collapse(m: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of ``m`` (nan = missing allowed) and the summed weight of each (int64).

    Each column is numbered by its values' ranks (nan one more value) in mixed radix, so one sort of
    integers finds the distinct columns; too many coders or values for 62 bits fall back to sorting rows."""
    w = np.ones(m.shape[1], dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
    if m.shape[1] == 0:
        return m, w
    if 3 ** m.shape[0] <= 4 * m.shape[1] + 64:  # few coders: 0/1 data need no sort
        found = _collapse_binary(m, w)
        if found is not None:
            return found
    values, ranks = np.unique(m, return_inverse=True)  # the nans are one value, the last
    ranks = ranks.reshape(m.shape).astype(np.int64)
    if values.size ** m.shape[0] < 2 ** 62:
        keys = (ranks * (values.size ** np.arange(m.shape[0], dtype=np.int64))[:, None]).sum(axis=0)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(ranks.T, axis=0, return_index=True, return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=w, minlength=first.size).round().astype(np.int64)
    return m[:, first], summed


def _collapse_binary(m: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``collapse`` for values 0, 1 and nan only (None otherwise): each column's key in base 3 (0, 1, nan
    as 0, 1, 2: the order of the sorted values, so the distinct columns come in the same order as by the
    sort), the weights summed per key by one bincount."""
    missing = np.isnan(m)
    ones = m == 1
    if not (missing | ones | (m == 0)).all():
        return None
    digits = np.where(missing, 2, ones).astype(np.int64)
    keys = (digits * (3 ** np.arange(m.shape[0], dtype=np.int64))[:, None]).sum(axis=0)
    summed = np.bincount(keys, weights=w, minlength=3 ** m.shape[0]).round().astype(np.int64)
    counted = np.bincount(keys, minlength=3 ** m.shape[0])
    present = np.flatnonzero(counted)
    columns = (present[None, :] // (3 ** np.arange(m.shape[0], dtype=np.int64))[:, None]) % 3
    return np.where(columns == 2, np.nan, columns.astype(float)), summed[present]


def collapse_each(stack: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``collapse`` of every coders x units matrix of a stack of 0/1/nan matrices (weights 1) in one
    bincount over (matrix, base-3 key) — what ``_collapse_binary`` gives for each alone; None for other
    values or too many coders."""
    n, coders, units = stack.shape
    if 3 ** coders > 4 * units + 64:
        return None
    missing = np.isnan(stack)
    ones = stack == 1
    if not (missing | ones | (stack == 0)).all():
        return None
    radix = 3 ** np.arange(coders, dtype=np.int64)
    keys = np.einsum("k,nku->nu", radix, np.where(missing, 2, ones).astype(np.int64))
    counted = np.bincount((keys + (np.arange(n, dtype=np.int64) * 3 ** coders)[:, None]).ravel(),
                          minlength=n * 3 ** coders).reshape(n, 3 ** coders)
    out = []
    for row in counted:
        present = np.flatnonzero(row)
        columns = (present[None, :] // radix[:, None]) % 3
        out.append((np.where(columns == 2, np.nan, columns.astype(float)), row[present].astype(np.int64)))
    return out


def category_counts(m: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Units x categories: how many coders gave each unit each category (n_uc)."""
    return np.stack([(m == c).sum(axis=0) for c in categories], axis=1).astype(float) if categories.size \
        else np.zeros((m.shape[1], 0))


def cohen_kappa(table: np.ndarray) -> float | None:
    """Cohen's kappa of a square contingency table (rows coder 1, columns coder 2; weighted counts)."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    if n == 0:
        return None
    p_o = np.trace(t) / n
    p_e = float((t.sum(axis=1) / n) @ (t.sum(axis=0) / n))
    return None if p_e >= 1.0 else float((p_o - p_e) / (1.0 - p_e))


def cohen_from_units(m: np.ndarray, weights: np.ndarray) -> float | None:
    """Cohen's kappa of a 2 x units matrix (units both coders coded; weights per unit)."""
    both = ~np.isnan(m).any(axis=0)
    a, b, w = m[0, both], m[1, both], weights[both]
    categories = np.unique(np.concatenate([a, b]))
    if categories.size < 2:
        return None
    table = np.zeros((categories.size, categories.size))
    np.add.at(table, (np.searchsorted(categories, a), np.searchsorted(categories, b)), w)
    return cohen_kappa(table)


def fleiss_kappa(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Fleiss' kappa of a units x categories count table whose rows all sum to the same m >= 2."""
    n_uc = np.asarray(counts, dtype=float)
    if n_uc.shape[0] == 0:
        return None
    w = np.ones(n_uc.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    m = n_uc[0].sum()
    total = w.sum()
    p_u = ((n_uc ** 2).sum(axis=1) - m) / (m * (m - 1))
    p_bar = float(w @ p_u) / total
    p_c = (w @ n_uc) / (total * m)
    p_e = float(p_c @ p_c)
    return None if p_e >= 1.0 else float((p_bar - p_e) / (1.0 - p_e))


def krippendorff_alpha(counts: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Krippendorff's alpha (nominal) of a units x categories count table (units with m_u < 2 are ignored)."""
    n_uc = np.asarray(counts, dtype=float)
    w = np.ones(n_uc.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    m_u = n_uc.sum(axis=1)
    keep = m_u >= 2
    n_uc, w, m_u = n_uc[keep], w[keep], m_u[keep]
    if n_uc.shape[0] == 0:
        return None
    o_cc = (w / (m_u - 1)) @ (n_uc * (n_uc - 1))
    n_c = w @ n_uc
    n = n_c.sum()
    expected = n * n - float(n_c @ n_c)
    if expected <= 0:
        return None
    return float(1.0 - (n - 1) * (n - float(o_cc.sum())) / expected)
