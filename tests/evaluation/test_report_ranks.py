"""The mean-rank tables of a suite's report (:func:`nasperf.evaluation.report.mean_ranks`,
:func:`~nasperf.evaluation.report.proxy_ranks`) on small result tables whose ranks are
worked out by hand: ties that are exact, one method's failure that leaves the others'
comparison alone, a crash ranked last, pools of different sizes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from nasperf.evaluation.report import mean_ranks


def _rows(
    task: str, label: str, n_train: int, seeds: Mapping[int, float], kind: str = "predictor"
) -> list[dict[str, Any]]:
    return [
        {"task": task, "label": label, "kind": kind, "n_train": n_train, "seed": seed,
         "budget": None, "kendall_tau": tau, "hash": f"{task}-{label}-{n_train}-{seed}"}
        for seed, tau in seeds.items()
    ]  # fmt: skip


def _table(parts: Iterable[list[dict[str, Any]]]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part])


def test_bit_identical_seed_scores_tie_whatever_the_row_order():
    # one real study's three seeds (xgb on CIFAR-100, n = 20); summed in the rows' order
    # they give two means one ulp apart, which had ranked a copy of xgb 1 and xgb 2
    taus = {0: 0.3364656110927834, 1: 0.36909720478346963, 2: 0.26447116005237686}
    forward, backward = sum(taus[s] for s in (0, 1, 2)), sum(taus[s] for s in (2, 1, 0))
    assert forward != backward  # the premise: a running sum depends on the order
    table = _table(
        [
            _rows("A", "xgb", 20, taus),
            _rows("A", "xgb_copy", 20, {s: taus[s] for s in (2, 1, 0)}),  # stored reversed
        ]
    )
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])
    assert ranks.loc[("xgb", 20), "mean_rank"] == ranks.loc[("xgb_copy", 20), "mean_rank"] == 1.5
    assert (
        ranks.loc[("xgb", 20), "mean_kendall_tau"]
        == ranks.loc[("xgb_copy", 20), "mean_kendall_tau"]
    )
