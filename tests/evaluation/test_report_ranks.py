"""The mean-rank tables of a suite's report (:func:`nasperf.evaluation.report.mean_ranks`,
:func:`~nasperf.evaluation.report.proxy_ranks`) on small result tables whose ranks are
worked out by hand: ties that are exact, one method's failure that leaves the others'
comparison alone, a crash ranked last, pools of different sizes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pytest

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


def test_one_methods_failed_seed_leaves_the_order_of_the_others_alone():
    # the probe's real suite (nb201/cifar10, n = 20): xgb_zc's three seeds average 0.7105,
    # below the proxy meco's 0.7155; flaky (an unrelated predictor) failing seed 1 had
    # dropped that seed for every predictor, scored xgb_zc 0.7395 on seeds 0 and 2, and
    # ranked it above meco
    xgb_zc = {0: 0.734545, 1: 0.652376, 2: 0.744520}

    def table(flaky_seeds: Iterable[int]) -> pd.DataFrame:
        return _table(
            [
                _rows("A", "meco", 0, {0: 0.7155234}, kind="proxy"),
                _rows("A", "xgb_zc", 20, xgb_zc),
                _rows("A", "flaky", 20, dict.fromkeys(flaky_seeds, 0.30)),
            ]
        )

    for seeds in ((0, 1, 2), (0, 2)):
        ranks = mean_ranks(table(seeds)).set_index(["method", "n_train"])
        # meco 0.7155 > xgb_zc 0.7105 > flaky 0.30, whether flaky lost a seed or not
        assert ranks.loc[[("meco", 20), ("xgb_zc", 20), ("flaky", 20)], "mean_rank"].tolist() == [
            1.0,
            2.0,
            3.0,
        ]
        assert ranks.loc[("xgb_zc", 20), "mean_kendall_tau"] == pytest.approx(
            (0.734545 + 0.652376 + 0.744520) / 3, rel=1e-12
        )


def test_predictors_are_paired_on_the_seeds_each_pair_shares():
    # b lost seed 1. a vs b on seeds {0, 2}: 0.5 > 0.4, a wins (over its own three seeds
    # a's mean, 0.367, would lose to b's 0.4); a vs c on all three: 0.367 < 0.45, c wins;
    # b vs c on {0, 2}: 0.4 < 0.45, c wins. Ranks c 1, a 2, b 3.
    table = _table(
        [
            _rows("A", "a", 10, {0: 0.5, 1: 0.1, 2: 0.5}),
            _rows("A", "b", 10, {0: 0.4, 2: 0.4}),
            _rows("A", "c", 10, {0: 0.45, 1: 0.45, 2: 0.45}),
        ]
    )
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])["mean_rank"]
    assert ranks[[("c", 10), ("a", 10), ("b", 10)]].tolist() == [1.0, 2.0, 3.0]
    # with c's seed 1 gone too, a and c meet on {0, 2}: 0.5 > 0.45, and a is first
    table = table[~((table["label"] == "c") & (table["seed"] == 1))]
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])["mean_rank"]
    assert ranks[[("a", 10), ("c", 10), ("b", 10)]].tolist() == [1.0, 2.0, 3.0]
