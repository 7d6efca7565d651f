"""How far rank metrics can move when predictions move by float rounding.

A checkpoint reproduces its predictions on another CPU only up to rounding (float32
summation order differs with vector width and library kernels). Two test architectures
whose predictions are closer than that can swap order, and every such swap moves a rank
metric: Kendall tau on ``n`` items by ``2 / (n (n - 1) / 2)`` per swapped pair (0.019 on
NB101's 15 test cells, where three cells lie 8e-7 apart). :func:`near_tie_tolerance` bounds
the total movement, so a test can compare recorded metrics at a tolerance that these swaps
cannot break, yet that a changed model (which moves metrics by orders of magnitude more)
cannot meet.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _clusters(pred: np.ndarray, delta: float) -> list[np.ndarray]:
    """Indices (in predicted order, best first) of each maximal run of predictions whose
    neighbours lie within ``2 * delta``: moving every prediction by at most ``delta`` can
    only reorder items inside such a run. Runs of one item are left out."""
    order = np.argsort(-pred, kind="stable")
    gaps = -np.diff(pred[order])
    cuts = np.flatnonzero(gaps > 2 * delta) + 1
    return [run for run in np.split(order, cuts) if len(run) > 1]


def _rearrangement_range(values: np.ndarray, weights: np.ndarray) -> float:
    """max - min over permutations of ``sum(values[perm] * weights)`` (rearrangement
    inequality: both extremes pair the sorted sequences)."""
    v = np.sort(values)
    w = np.sort(weights)
    return float(np.dot(v, w) - np.dot(v[::-1], w))


def near_tie_tolerance(
    y_true: np.ndarray, y_pred: np.ndarray, rtol: float, ks: tuple[int, ...] = ()
) -> dict[str, float]:
    """Upper bounds on the change of ``kendall_tau``, ``spearman``, ``ndcg`` and ``ndcg@k``
    (as :func:`nasperf.evaluation.evaluate` computes them) when every prediction moves by at
    most ``rtol * max|y_pred|``, plus 1e-9 for the float64 evaluation itself: a bound can be
    exact (NDCG moves by exactly its rearrangement range when a near-tied run reverses), and
    the metric and the bound then round differently in the last bits (6e-17 apart on one
    machine, which failed a bound without the margin)."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    n = len(t)
    delta = rtol * float(np.max(np.abs(p)))
    runs = _clusters(p, delta)
    position = np.empty(n, dtype=np.int64)
    position[np.argsort(-p, kind="stable")] = np.arange(1, n + 1)

    # Kendall tau-b = S / sqrt((n0 - n1)(n0 - n2)); m pairs can change: S by <= 2 each,
    # the predicted ties n2 by <= 1 each.
    n0, n1, n2 = _pairs(np.arange(n)), _tied_pairs(t), _tied_pairs(p)
    m = sum(_pairs(run) - _tied_pairs(t[run]) for run in runs)  # pairs with distinct truths
    d = np.sqrt((n0 - n1) * (n0 - n2))
    d_low = np.sqrt((n0 - n1) * max(n0 - n2 - m, 1.0))
    d_high = np.sqrt((n0 - n1) * min(n0 - n2 + m, n0))
    tau = abs(_tau_b(t, p))
    out = {"kendall_tau": 2 * m / d_low + tau * d * (1 / d_low - 1 / d_high)}

    # Spearman = Pearson of ranks: only sum(r_true * r_pred) moves (inside each run, by at
    # most its rearrangement range); 10 % on top for ties changing the rank variance.
    rt, rp = rankdata(t), rankdata(-p)
    moved = sum(_rearrangement_range(rt[run], position[run].astype(float)) for run in runs)
    out["spearman"] = 1.1 * moved / (n * rt.std() * rp.std()) if runs else 0.0

    # NDCG@k (relevance = true items beaten, discount 1 / log2(1 + position) in the top k).
    rel = rankdata(t, method="min") - 1
    for k in (None, *ks):
        kk = n if k is None else min(k, n)
        disc = np.where(position <= kk, 1 / np.log2(position + 1.0), 0.0)
        ideal = float(np.dot(np.sort(rel)[::-1][:kk], 1 / np.log2(np.arange(2, kk + 2))))
        moved = sum(_rearrangement_range(rel[run].astype(float), disc[run]) for run in runs)
        out["ndcg" if k is None else f"ndcg@{k}"] = moved / ideal if ideal else 0.0
    return {key: float(v) + 1e-9 for key, v in out.items()}


def _pairs(items: np.ndarray) -> float:
    return len(items) * (len(items) - 1) / 2


def _tied_pairs(values: np.ndarray) -> float:
    counts = np.unique(values, return_counts=True)[1]
    return float((counts * (counts - 1) / 2).sum())


def _tau_b(t: np.ndarray, p: np.ndarray) -> float:
    from scipy.stats import kendalltau

    value = kendalltau(t, p).statistic
    return 0.0 if np.isnan(value) else float(value)
