"""The metric tolerances for float rounding (tests/pretrained/_near_ties.py) hold."""

from __future__ import annotations

import numpy as np

from nasperf.evaluation.metrics import evaluate

from ._near_ties import near_tie_tolerance


def test_bounds_hold_for_every_move_within_the_rounding_and_no_more():
    rng = np.random.default_rng(0)
    y = np.round(rng.normal(90, 3, 60), 1)  # measured accuracies: some tied
    pred = y + rng.normal(0, 0.5, 60)
    pred[[3, 7, 11]] = pred[5] + np.array([1e-7, -2e-7, 3e-7])  # near-ties with item 5
    rtol = 1e-5
    tol = near_tie_tolerance(y, pred, rtol, ks=(10,))
    base = evaluate(y, pred, ks=(10,))
    delta = rtol * np.abs(pred).max()
    for _ in range(300):
        moved = evaluate(y, pred + rng.uniform(-delta, delta, 60), ks=(10,))
        for key, bound in tol.items():
            assert abs(moved[key] - base[key]) <= bound
    # one swap of the near-tied cells fits, and is what the tolerance is made of
    assert tol["kendall_tau"] >= 2 / (60 * 59 / 2)
    # a change beyond rounding (two well-separated predictions swapped) does not fit
    i, j = np.argmax(pred), np.argmin(pred)
    swapped = pred.copy()
    swapped[[i, j]] = pred[[j, i]]
    assert abs(evaluate(y, swapped)["kendall_tau"] - base["kendall_tau"]) > tol["kendall_tau"]
