"""The mean-rank tables of a suite's report (:func:`nasperf.evaluation.report.mean_ranks`,
:func:`~nasperf.evaluation.report.proxy_ranks`) on small result tables whose ranks are
worked out by hand: ties that are exact, one method's failure that leaves the others'
comparison alone, a crash ranked last, pools of different sizes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pytest

from nasperf.evaluation.report import mean_ranks


def _hash(text: str) -> str:
    """A trial hash of the store's form (64 hex digits)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _rows(
    task: str, label: str, n_train: int, seeds: Mapping[int, float], kind: str = "predictor"
) -> list[dict[str, Any]]:
    return [
        {"task": task, "label": label, "kind": kind, "n_train": n_train, "seed": seed,
         "budget": None, "kendall_tau": tau, "hash": _hash(f"{task}-{label}-{n_train}-{seed}")}
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


def _failure(task: str, label: str, n_train: int, seed: int, kind: str = "predictor") -> dict:
    """A failure record as ``ResultsStore.errors()`` lists it."""
    key = _hash(f"{task}-{label}-{n_train}-{seed}-failed")
    trial = {"hash": key, "task": task, "label": label, "kind": kind, "n_train": n_train,
             "seed": seed, "budget": None}  # fmt: skip
    return {"hash": key, "error": "RuntimeError: broke", "trial": trial}


def _crash_table() -> tuple[pd.DataFrame, list[dict]]:
    """The probe's case: xgb best on the two CIFAR tasks and last on ImageNet16-120;
    xgb_copy is xgb whose three ImageNet16-120 trials raised."""
    taus = {"c10": {"gin": 0.5, "xgb": 0.6}, "c100": {"gin": 0.5, "xgb": 0.6},
            "in16": {"gin": 0.6, "xgb": 0.2}}  # fmt: skip
    parts = []
    for task, tau in taus.items():
        parts.append(_rows(task, "gin", 20, dict.fromkeys(range(3), tau["gin"])))
        parts.append(_rows(task, "xgb", 20, dict.fromkeys(range(3), tau["xgb"])))
        if task != "in16":
            parts.append(_rows(task, "xgb_copy", 20, dict.fromkeys(range(3), tau["xgb"])))
    return _table(parts), [_failure("in16", "xgb_copy", 20, s) for s in range(3)]


def test_a_method_that_crashed_on_a_whole_task_ranks_last_there():
    table, errors = _crash_table()
    # without the failures the crash looks like "not applicable": xgb_copy is ranked on
    # c10 and c100 only (1.5 each) and comes out best
    blind = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])
    assert blind.loc[("xgb_copy", 20), "mean_rank"] == 1.5
    assert blind.loc[("xgb_copy", 20), "tasks"] == 2
    ranks = mean_ranks(table, with_proxies=False, errors=errors).set_index(["method", "n_train"])
    # c10, c100: xgb = xgb_copy 0.6 > gin 0.5 -> 1.5, 1.5, 3; in16: gin 1, xgb 2,
    # xgb_copy crashed 3. Means: xgb 5/3, xgb_copy 6/3, gin 7/3
    got = ranks.loc[[("xgb", 20), ("xgb_copy", 20), ("gin", 20)], "mean_rank"].tolist()
    assert got == pytest.approx([5 / 3, 2.0, 7 / 3], rel=1e-15)
    assert ranks.loc[("xgb_copy", 20), "tasks"] == 3
    assert ranks.loc[("xgb_copy", 20), "crashed"] == 1
    assert ranks.loc[("xgb", 20), "crashed"] == 0
    # its score is averaged where it has one
    assert ranks.loc[("xgb_copy", 20), "mean_kendall_tau"] == pytest.approx(0.6, rel=1e-15)
    # a failure later retried (its hash now has a row) is no crash
    retried = [{**e, "hash": _hash("c10-xgb-20-0")} for e in errors]
    assert mean_ranks(table, errors=retried).equals(mean_ranks(table))


def test_crashed_methods_tie_last_and_a_failed_seed_is_no_crash():
    # task A: p ran (0.5); predictors q and r and the proxy z crashed on A. B: all ran.
    table = _table(
        [
            _rows("A", "p", 10, {0: 0.5, 1: 0.5}),
            _rows("B", "p", 10, {0: 0.1, 1: 0.1}),
            _rows("B", "q", 10, {0: 0.3}),  # its seed 1 failed: compared on seed 0
            _rows("B", "r", 10, {0: 0.2, 1: 0.2}),
            _rows("B", "z", 0, {0: 0.9}, kind="proxy"),
        ]
    )
    errors = [
        _failure("A", "q", 10, 0),
        _failure("A", "q", 10, 1),
        _failure("A", "r", 10, 0),
        _failure("A", "r", 10, 1),
        _failure("A", "z", 0, 0, kind="proxy"),
        _failure("B", "q", 10, 1),
    ]
    only = mean_ranks(table, with_proxies=False, errors=errors).set_index(["method", "n_train"])
    # A: p 1, q and r tied last (2 + 3) / 2; B: q 0.3 > r 0.2 > p 0.1
    assert only.loc[[("p", 10), ("q", 10), ("r", 10)], "mean_rank"].tolist() == [
        (1 + 3) / 2,
        (2.5 + 1) / 2,
        (2.5 + 2) / 2,
    ]
    assert only.loc[[("p", 10), ("q", 10), ("r", 10)], "crashed"].tolist() == [0, 1, 1]
    assert only.loc[[("p", 10), ("q", 10), ("r", 10)], "fewer_seeds"].tolist() == [0, 1, 0]
    both = mean_ranks(table, errors=errors).set_index(["method", "n_train"])
    # A: p 1, q, r, z tied last (2 + 3 + 4) / 3; B: z 0.9 first, then q, r, p
    assert both.loc[[("p", 10), ("q", 10), ("r", 10), ("z", 10)], "mean_rank"].tolist() == [
        (1 + 4) / 2,
        (3 + 2) / 2,
        (3 + 3) / 2,
        (3 + 1) / 2,
    ]
    assert both.loc[("z", 10), "crashed"] == 1 and both.loc[("z", 10), "tasks"] == 2
    # a task where every method crashed compares nothing and is not ranked
    alone = mean_ranks(table[table["task"] == "B"], with_proxies=False, errors=errors[:4])
    assert set(alone["tasks"]) == {1}


def test_the_summary_marks_a_crash_in_the_mean_rank_tables():
    from nasperf.evaluation.report import summary_markdown

    table, errors = _crash_table()
    text = summary_markdown(table, errors=errors)
    ranks = text.split("## (c) Mean rank across tasks")[1]
    assert "| xgb | 1.67 | 1.67 | 3 |\n| xgb_copy | 2.00 † | 2.00 † | 3 |\n| gin | 2.33 |" in ranks
    assert "† a trial of the method failed at this size (see Failed trials): on a task" in ranks
    # a failure of another config run into the folder (meta.json's suite.trials lists
    # this config's trials by hash prefix) is not this config's crash
    meta = {"suite": {"trials": sorted(h[:16] for h in table["hash"])}}
    other = summary_markdown(table, meta=meta, errors=errors)
    assert "| xgb_copy | 1.50 | 1.50 | 2 |" in other.split("## (c) Mean rank")[1]


def _unequal_pools() -> pd.DataFrame:
    """The probe's case: tasks A and B rank 6 methods, task C only gin and xgb (the proxies
    have no score there). snip (0.40) beats xgb (0.30) on both tasks they share."""
    parts = []
    for task in ("A", "B"):
        parts.append(_rows(task, "gin", 20, dict.fromkeys(range(3), 0.80)))
        parts.append(_rows(task, "xgb", 20, dict.fromkeys(range(3), 0.30)))
        for i, proxy in enumerate(["p1", "p2", "p3", "snip"]):
            parts.append(_rows(task, proxy, 0, {0: 0.70 - 0.1 * i}, kind="proxy"))
    parts.append(_rows("C", "gin", 20, dict.fromkeys(range(3), 0.20)))
    parts.append(_rows("C", "xgb", 20, dict.fromkeys(range(3), 0.50)))
    return _table(parts)


def test_ranks_from_pools_of_different_sizes_are_comparable():
    ranks = mean_ranks(_unequal_pools()).set_index(["method", "n_train"])
    # N = 6 methods; rank = 1 + 5 x (mean over the others it met of the share of shared
    # tasks they beat it on). gin: xgb beat it on 1 of 3 tasks, the proxies on none of 2:
    # 1 + 5 (1/3) / 5 = 4/3. xgb: gin beat it on 2 of 3, each proxy on 2 of 2:
    # 1 + 5 (2/3 + 4) / 5 = 17/3. snip: beaten by gin, p1, p2, p3 (2 of 2), never by
    # xgb: 1 + 5 (4/5) = 5. p1, p2, p3: beaten by 1, 2, 3 of the 5 others: 2, 3, 4.
    # (Averaging raw ranks had given xgb (6 + 6 + 1) / 3 = 4.33, ahead of snip's 5.00,
    # because its 1 on C was taken among 2; rescaling C's ranks to 6 methods keeps it.)
    order = ["gin", "p1", "p2", "p3", "snip", "xgb"]
    got = ranks.loc[[(m, 20) for m in order], "mean_rank"].tolist()
    assert got == pytest.approx([4 / 3, 2.0, 3.0, 4.0, 5.0, 17 / 3], rel=1e-15)
    assert ranks.loc[("xgb", 20), "methods"] == pytest.approx((6 + 6 + 2) / 3, rel=1e-15)
    assert ranks.loc[("xgb", 20), "met"] == 5 and ranks.loc[("xgb", 20), "tasks"] == 3
    # among the predictors alone every task ranks both: the plain mean rank
    only = mean_ranks(_unequal_pools(), with_proxies=False).set_index(["method", "n_train"])
    assert only.loc[[("gin", 20), ("xgb", 20)], "mean_rank"].tolist() == pytest.approx(
        [(1 + 1 + 2) / 3, (2 + 2 + 1) / 3], rel=1e-15
    )


def test_with_every_method_on_every_task_the_mean_rank_is_the_plain_one():
    # 4 methods, 3 tasks, ties on A; the reference: pandas' tie-averaged ranks per task,
    # averaged (both exact to the last bit: the ranks are halves, one division)
    taus = {"A": [0.5, 0.5, 0.2, 0.1], "B": [0.1, 0.3, 0.3, 0.9], "C": [0.7, 0.2, 0.6, 0.4]}
    labels = ["a", "b", "c", "d"]
    table = _table(
        _rows(task, label, 10, {0: tau, 1: tau})
        for task, values in taus.items()
        for label, tau in zip(labels, values, strict=True)
    )
    per_task = pd.DataFrame(taus, index=labels).rank(ascending=False)
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])
    got = ranks.loc[[(m, 10) for m in labels], "mean_rank"].tolist()
    assert got == per_task.mean(axis=1).tolist()
    assert set(ranks["methods"]) == {4.0} and set(ranks["met"]) == {3}


def test_proxies_ranked_among_themselves_on_pools_of_different_sizes():
    from nasperf.evaluation.report import proxy_ranks

    # x and y are stored on A only; on B, w beats z. Averaged raw ranks: z and w 2.5,
    # w's rank 1 on B counted as if it had beaten the three others.
    matrix = pd.DataFrame(
        {"x": [0.9, None], "y": [0.8, None], "z": [0.7, 0.4], "w": [0.6, 0.5]}, index=["A", "B"]
    )
    got = proxy_ranks(matrix).set_index("proxy")
    # N = 4. z: beaten by x and y (A), by w on 1 of 2: 1 + 3 (1 + 1 + 1/2) / 3 = 3.5; w too
    assert got["mean_rank"].to_dict() == {"x": 1.0, "y": 2.0, "w": 3.5, "z": 3.5}
    assert got["proxies"].to_dict() == {"x": 4.0, "y": 4.0, "w": 3.0, "z": 3.0}
    # a computed proxy whose trials failed on B ranks last there: y meets z and w on B
    crashed = proxy_ranks(matrix, crashed=[("B", "y")]).set_index("proxy")
    # y: x beat it on A (1), z and w on 1 of 2 tasks each: 1 + 3 (1 + 1/2 + 1/2) / 3 = 3;
    # z: x 1, y 1/2, w 1/2: 3; w likewise 3; x: 1
    assert crashed["mean_rank"].to_dict() == {"x": 1.0, "y": 3.0, "w": 3.0, "z": 3.0}
    assert crashed["crashed"].to_dict() == {"x": 0, "y": 1, "w": 0, "z": 0}


def test_the_summary_shows_the_pools_where_they_differ():
    from nasperf.evaluation.report import summary_markdown

    table = _unequal_pools()
    text = summary_markdown(table.assign(spearman=table["kendall_tau"]))
    ranks = text.split("## (c) Mean rank across tasks")[1]
    predictors, together = ranks.split("Among predictors and proxies together")
    # every predictor on every task: no pools column, no note
    assert "| method | n=20 | all sizes | tasks |\n|---|---|---|---|\n| gin | 1.33 |" in predictors
    assert "Not all" not in predictors
    assert "| method | n=20 | all sizes | tasks | methods |" in together
    assert "| snip | 5.00 | 5.00 | 2 | 6.00 |\n| xgb | 5.67 | 5.67 | 3 | 4.67 |" in together
    assert (
        "Not all 6 methods were ranked on every task (methods: how many were ranked together, "
        "on average), so a mean rank here is 1 + (6 - 1) x the mean"
    ) in together
    # the proxies' own table: p1..snip on A and B, each pool of 4: plain mean ranks
    proxies = text.split("### Proxies ranked among themselves")[1].split("##")[0]
    assert "| proxy | mean_rank | tasks | mean |" in proxies and "Not all" not in proxies


def test_the_rank_plot_marks_a_failed_method_and_names_the_pool(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from nasperf.evaluation.report import plot_ranks

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    table, errors = _crash_table()
    ranks = mean_ranks(table, with_proxies=False, errors=errors)
    plot_ranks(ranks, mean_ranks(table, errors=errors), tmp_path / "r.png")
    (fig,) = figures
    left = fig.axes[0]
    assert sorted(line.get_label() for line in left.get_lines()) == ["gin", "xgb", "xgb_copy †"]
    assert left.get_title() == "among predictors\n(ranks among all 3)"
    # the crash is drawn at its rank: 2.0 at n = 20
    (copy,) = [line for line in left.get_lines() if line.get_label() == "xgb_copy †"]
    assert copy.get_ydata().tolist() == [2.0]


def test_a_nan_score_on_one_seed_ranks_the_method_below_a_number():
    # NaN predictions on seed 0: the seed had been dropped, so a's 0.9 over seed 1 alone
    # beat b's 0.5 over both seeds (a review probe); as summarize leaves the mean NaN, the
    # method now ranks below any number on that task
    table = _table(
        [_rows("A", "a", 10, {0: float("nan"), 1: 0.9}), _rows("A", "b", 10, {0: 0.5, 1: 0.5})]
    )
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])
    assert ranks.loc[("b", 10), "mean_rank"] == 1.0 and ranks.loc[("a", 10), "mean_rank"] == 2.0
