"""Search studies: trials, resumable parallel runs, the report and the command line."""

from __future__ import annotations

import itertools
import math
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import nasperf.search as S
from nasperf.cli import main as cli_main
from nasperf.errors import StudyNote
from nasperf.registry import UnknownNameError
from nasperf.search.study import (
    FolderBusyError,
    compare_searches,
    found_ci,
    median_ci,
    queries_to_target,
    random_search_queries,
    read_search_study,
    run_search_study,
    search_trials,
    study_folder,
    summarize_search,
)


@pytest.mark.parametrize(("n", "m"), [(6, 1), (6, 2), (7, 3), (5, 5)])
def test_random_search_queries_matches_enumeration(n, m):
    # every order of n items (m of them targets) is equally likely: first-hit positions
    firsts = [1 + min(perm.index(t) for t in range(m)) for perm in itertools.permutations(range(n))]
    median, mean = random_search_queries(n, m)
    assert mean == pytest.approx(np.mean(firsts))
    cdf = np.array([np.mean(np.array(firsts) <= q) for q in range(1, n + 1)])
    assert median == 1 + int(np.argmax(cdf >= 0.5))


def test_median_ci_is_the_binomial_order_statistics_and_covers_the_median():
    """The median's interval is [x(2), x(9)] of 10 seeds (coverage 1 - 2 P(B <= 1), B ~
    Bin(10, 1/2): 0.979) and [x(10), x(21)] of 30; a search that never reached the target
    counts as above every one that did; 5 seeds cannot give 95 %."""
    x = np.array([12.0, 3, 40, 7, np.nan, 25, 9, 18, np.inf, 5])
    assert median_ci(x) == (5.0, np.inf)  # sorted: 3 5 7 9 12 18 25 40 inf inf
    assert median_ci(np.arange(30.0, 0, -1)) == (10.0, 21.0)
    assert all(np.isnan(median_ci(np.arange(5.0))))
    # coverage, Monte Carlo: exponential queries, true median ln 2; 2,000 sets of 10 give
    # a binomial sd of 0.0032 around the exact 0.9785 (the bound is 3.7 sd)
    rng = np.random.default_rng(0)
    cis = [median_ci(rng.exponential(size=10)) for _ in range(2000)]
    covered = np.mean([lo <= np.log(2) <= hi for lo, hi in cis])
    assert abs(covered - (1 - 2 * 11 / 1024)) < 0.012


def test_found_ci_is_the_wilson_interval():
    """Wilson's score interval, written out: centre (p + z^2/2n) / (1 + z^2/n)."""
    z = 1.959963984540054
    for k, n in [(4, 10), (12, 30), (0, 10), (10, 10)]:
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert found_ci(k, n) == pytest.approx((centre - half, centre + half), abs=1e-9)
    assert found_ci(4, 10) == pytest.approx((0.168, 0.687), abs=1e-3)


def test_random_search_on_nb201_needs_about_7800_queries():
    median, mean = random_search_queries(15625, 1)
    assert (median, mean) == (7813.0, 7813.0)


def test_trials_are_hashed_and_labelled_by_canonical_name():
    trials = search_trials(["rs", {"optimizer": "re", "params": {"sample_size": 5}}], seeds=2)
    assert [t["label"] for t in trials] == [
        "random_search",
        "random_search",
        'regularized_evolution {"sample_size":5}',
        'regularized_evolution {"sample_size":5}',
    ]
    assert len({t["hash"] for t in trials}) == 4
    with pytest.raises(UnknownNameError, match="unknown optimizer"):
        search_trials(["no_such_optimizer"], seeds=1)
    with pytest.raises(ValueError, match="share the label"):
        search_trials(["rs", "random_search"], seeds=1)


def test_study_rows_equal_direct_runs_and_a_rerun_repeats_nothing(tmp_path, monkeypatch):
    trials = search_trials(["rs", "ls"], seeds=[0, 1], budget=15)
    hist = run_search_study(trials, tmp_path, workers=2)
    for (label, seed), g in hist.groupby(["label", "seed"]):
        direct = S.run(label, benchmark="nb201", budget=15, seed=int(seed))
        assert list(g.arch) == list(direct.arch)
        np.testing.assert_allclose(g.best_value, direct.best_value)
        np.testing.assert_allclose(g.regret, direct.regret)
    import nasperf.search.study as study

    def boom(trial):  # pragma: no cover - must not be called
        raise AssertionError("a finished search ran again")

    monkeypatch.setattr(study, "run_search_trial", boom)
    again = run_search_study(trials, tmp_path)
    pd.testing.assert_frame_equal(again, hist)
    pd.testing.assert_frame_equal(read_search_study(tmp_path), hist)


def _history(label: str, seed: int, values: list[float]) -> pd.DataFrame:
    best = np.maximum.accumulate(values)
    return pd.DataFrame(
        {
            "label": label,
            "seed": seed,
            "query": np.arange(1, len(values) + 1),
            # each seed's own architectures (searches that repeat one another: test_repeated_searches)
            "arch": [f"{label}-{seed}-{i}" for i in range(len(values))],
            "fidelity": "200ep",
            "value": values,
            "sim_time_s": 10.0 * np.arange(1, len(values) + 1),
            "best_value": best,
            "regret": 9.0 - best,
        }
    )


def test_compare_searches_pairs_seeds_and_counts_them_for_the_sign_test():
    """Ten seeds: B needs fewer queries on 8, as many on 1 (both never reach 9), more on 1.
    The sign test's two-sided p over the 9 untied pairs is 2 (1 + 9) / 2^9; a label only
    one run has is left out; a search that never reached the target needs inf queries."""

    def run(first: list[int | None]) -> pd.DataFrame:
        frames = []
        for seed, q in enumerate(first):
            values = [1.0] * 12
            if q is not None:
                values[q - 1] = 9.0
            frames.append(_history("pls", seed, values))
        return pd.concat(frames)

    a = run([5, 6, 7, 8, 9, 10, 11, 12, None, 3])
    b = run([2, 3, 4, 5, 6, 7, 8, 9, None, 4])
    only_a = _history("evolution", 0, [9.0])
    q = queries_to_target(pd.concat([a, only_a]), 9.0)
    assert q.loc[q["label"] == "pls", "queries"].tolist() == [5, 6, 7, 8, 9, 10, 11, 12, np.inf, 3]
    (row,) = compare_searches(pd.concat([a, only_a]), b, 9.0).to_dict("records")
    assert row["label"] == "pls" and row["seeds"] == 10
    assert (row["b fewer"], row["same"], row["b more"]) == (8, 1, 1)
    assert row["p"] == pytest.approx(2 * 10 / 2**9)
    assert row["a median"] == 8.5 and row["b median"] == 5.5
    # identical runs: every pair ties, p = 1
    assert compare_searches(a, a, 9.0)["p"].tolist() == [1.0]
    assert set(compare_searches(a, b, 9.0)["by"]) == {"queries"}


def test_compare_searches_of_several_fidelities_pairs_simulated_time():
    """Two runs of a multi-fidelity method: B reaches the target in more queries but, most
    of them 12-epoch ones (a share of the cost), sooner in simulated time on every seed;
    the pairs had counted a 12-epoch query as a full one (B slower on every seed)."""

    def run(fidelities: list[str]) -> pd.DataFrame:
        frames = []
        for seed in range(4):
            h = _history("hb", seed, [1.0] * (len(fidelities) - 1) + [9.0])
            h["fidelity"] = fidelities
            cost = np.where(np.array(fidelities) == "12ep", 0.6, 10.0)
            h["sim_time_s"] = np.cumsum(cost) + seed
            frames.append(h)
        return pd.concat(frames)

    a = run(["200ep"] * 6)  # 6 full queries: 60 s
    b = run(["12ep"] * 8 + ["200ep"] * 2)  # 10 queries: 8 x 0.6 + 2 x 10 = 24.8 s
    (row,) = compare_searches(a, b, 9.0).to_dict("records")
    assert row["by"] == "sim_time_s" and (row["b fewer"], row["b more"]) == (4, 0)
    assert row["a median"] == pytest.approx(60.0 + 1.5)
    assert row["b median"] == pytest.approx(24.8 + 1.5)


def test_summary_counts_queries_to_targets_and_speedups():
    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9
    hist = pd.concat(
        [
            _history("fast", 0, [1, 9, 2]),  # optimum at query 2
            _history("fast", 1, [9, 1, 2]),  # query 1
            _history("fast", 2, [1, 2, 9]),  # query 3
            _history("regularized_evolution", 0, [1, 2, 3, 9]),  # 4
            _history("regularized_evolution", 1, [1, 2, 3, 4]),  # never
            _history("regularized_evolution", 2, [1, 2, 9, 3]),  # 3
        ]
    )
    s = summarize_search(
        hist, table_values=table, targets={"optimum": None}, checkpoints=(2,), mean_cost_s=10.0
    ).set_index("method")
    assert s.loc["fast", "optimum: found"] == "3/3"
    assert s.loc["fast", "optimum: queries median"] == 2
    assert s.loc["fast", "optimum: queries max"] == 3
    assert s.loc["fast", "optimum: time median (s)"] == 20.0
    assert s.loc["regularized_evolution", "optimum: found"] == "2/3"
    assert s.loc["regularized_evolution", "optimum: queries median"] == 4
    assert math.isinf(s.loc["regularized_evolution", "optimum: queries max"])
    rs_median, _ = random_search_queries(10, 1)
    assert s.loc["random_search (analytic)", "optimum: queries median"] == rs_median
    assert s.loc["fast", "optimum: speedup vs random_search"] == f"{rs_median / 2:.1f}"
    assert s.loc["fast", "optimum: speedup vs regularized_evolution"] == "2.0"
    assert s.loc["fast", "best@2"] == 9.0
    # intervals: 3 seeds give no 95 % interval of the median; the shares' are Wilson's
    assert np.isnan(s.loc["fast", "optimum: queries median ci low"])
    lo, hi = found_ci(2, 3)
    assert s.loc["regularized_evolution", "optimum: found ci low"] == lo
    assert s.loc["regularized_evolution", "optimum: found ci high"] == hi
    for bad in (1.0, 0, True, "0.9"):
        with pytest.raises(ValueError, match="confidence must be strictly between 0 and 1"):
            summarize_search(hist, table_values=table, confidence=bad)
    s50 = summarize_search(hist, table_values=table, confidence=np.float32(0.5)).set_index("method")
    assert s50.loc["regularized_evolution", "optimum: found ci high"] < hi  # 50 %: narrower


def _multi_fidelity(label: str, seed: int, queries: list[tuple[str, float]]) -> pd.DataFrame:
    """A search of (fidelity, value) queries: a 12ep query costs 1 s, a 200ep one 10 s, and
    only 200ep values count as found (best_value)."""
    fid = [f for f, _ in queries]
    cost = np.where(np.array(fid) == "12ep", 1.0, 10.0)
    full = np.where(np.array(fid) == "200ep", [v for _, v in queries], -np.inf)
    return pd.DataFrame(
        {
            "label": label,
            "seed": seed,
            "query": np.arange(1, len(queries) + 1),
            "arch": [f"{label}-{seed}-{i}" for i in range(len(queries))],
            "fidelity": fid,
            "value": [v for _, v in queries],
            "train_cost_s": cost,
            "sim_time_s": np.cumsum(cost),
            "best_value": pd.Series(np.maximum.accumulate(full)).replace(-np.inf, np.nan),
        }
    )


def test_speedups_of_searches_of_several_fidelities_divide_simulated_times():
    """Successive halving's 12-epoch queries had counted as full ones: on NB201 it reached
    the top 0.1 % in 2.4x less simulated time than random search, and the report printed
    a speedup of 0.5. With several fidelities the speedups divide median simulated times
    (a column that says so), and a note says the query counts count a cheap query as one;
    a report of one fidelity is unchanged."""
    from nasperf.search.study import format_summary

    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9
    lo, hi = "12ep", "200ep"
    hist = pd.concat(
        [
            # six 12ep queries (6 s), then the optimum at 200ep: query 7 at 16 s
            _multi_fidelity("sh", 0, [(lo, 1)] * 6 + [(hi, 9)]),
            _multi_fidelity("sh", 1, [(lo, 1)] * 4 + [(hi, 2), (hi, 9)]),  # query 6, 24 s
            _multi_fidelity("sh", 2, [(lo, 1)] * 8 + [(hi, 9)]),  # query 9, 18 s
            _history("regularized_evolution", 0, [1, 2, 3, 9]),  # query 4, 40 s
            _history("regularized_evolution", 1, [1, 9]),  # 2, 20 s
            _history("regularized_evolution", 2, [1, 2, 9]),  # 3, 30 s
        ]
    )
    s = summarize_search(
        hist, table_values=table, targets={"optimum": None}, checkpoints=(2,), mean_cost_s=10.0
    )
    by = s.set_index("method")
    assert by.loc["sh", "optimum: queries median"] == 7  # every paid query counts one
    assert by.loc["sh", "optimum: time median (s)"] == 18.0
    assert by.loc["regularized_evolution", "optimum: time median (s)"] == 30.0
    rs_median, _ = random_search_queries(10, 1)
    assert by.loc["random_search (analytic)", "optimum: time median (s)"] == rs_median * 10.0
    assert [c for c in s.columns if "speedup" in c] == [
        "optimum: speedup vs random_search (sim. time)",
        "optimum: speedup vs regularized_evolution (sim. time)",
    ]
    assert by.loc["sh", "optimum: speedup vs regularized_evolution (sim. time)"] == "1.7"  # 30/18
    assert by.loc["sh", "optimum: speedup vs random_search (sim. time)"] == (
        f"{rs_median * 10 / 18:.1f}"
    )
    assert s.attrs["notes"] == [
        "these searches query several fidelities (12ep, 200ep): the speedups divide median "
        "simulated times to each target (seconds), so a cheap query counts at its cost "
        "(random search's analytic time: its median queries x the table's mean full-fidelity "
        "cost); the queries to a target and best@2 count every paid query as one, whatever "
        "its fidelity"
    ]
    head = format_summary(s).splitlines()[0]
    assert "optimum: speedup vs random_search (sim. time)" in head
    # without mean_cost_s the analytic row has no time: against random search's searches
    rs = [_history("random_search", k, [1, 2, 3, 4, 9][k:]) for k in range(3)]  # 50, 40, 30 s
    s = summarize_search(
        pd.concat([hist, *rs]), table_values=table, targets={"optimum": None}, checkpoints=()
    )
    assert s.set_index("method").loc["sh", "optimum: speedup vs random_search (sim. time)"] == (
        f"{40 / 18:.1f}"
    )
    assert s.attrs["notes"][1] == (
        "speedup vs random_search: against its simulated searches (its analytic row has no "
        "simulated time without mean_cost_s, the table's mean full-fidelity cost)"
    )
    # one fidelity: queries, as before, and no note
    one = summarize_search(
        hist[hist["label"] != "sh"],
        table_values=table,
        targets={"optimum": None},
        checkpoints=(2,),
        mean_cost_s=10.0,
    )
    assert one.attrs["notes"] == []
    col = "optimum: speedup vs random_search"
    assert one.set_index("method").loc["regularized_evolution", col] == f"{rs_median / 3:.1f}"


def test_successive_halving_on_nb201_is_faster_than_random_search_in_simulated_time(tmp_path):
    """The probe's case (NB201 CIFAR-10, 6 seeds, 1,500 queries): three quarters of
    successive halving's queries are 12-epoch runs at ~6 % of a full one's cost. Its median
    time to the top 0.1 % is 190 simulated hours against 337 for random search's analytic
    median (663 queries x the mean 200-epoch cost): a speedup of 1.8 (a count of queries
    had printed 0.5). summary.csv holds the same columns as the summary."""
    from nasperf.search.study import write_report

    hist = []
    for method in ("random_search", "successive_halving"):
        for seed in range(6):
            h = S.run(method, benchmark="nb201", dataset="cifar10", budget=1500, seed=seed)
            hist.append(h.assign(label=method, seed=seed, benchmark="nb201", dataset="cifar10"))
    hist = pd.concat(hist, ignore_index=True)
    s, _ = write_report(hist, tmp_path, benchmark="nb201", dataset="cifar10", checkpoints=(100,))
    by = s.set_index("method")
    t_sh = by.loc["successive_halving", "top 0.1%: time median (s)"]
    t_rs = by.loc["random_search (analytic)", "top 0.1%: time median (s)"]
    assert by.loc["random_search (analytic)", "top 0.1%: queries median"] == 663
    assert (t_sh / 3600, t_rs / 3600) == pytest.approx((190.4, 336.7), abs=0.05)
    col = "top 0.1%: speedup vs random_search (sim. time)"
    assert by.loc["successive_halving", col] == "1.8" == f"{t_rs / t_sh:.1f}"
    # its own 1,210 queries to the target against 663: what the report had divided
    assert by.loc["successive_halving", "top 0.1%: queries median"] == 1210
    assert "top 0.1%: speedup vs random_search" not in s.columns
    csv = pd.read_csv(tmp_path / "summary.csv").set_index("method")
    assert csv.loc["successive_halving", col] == 1.8
    assert list(csv.columns) == [*s.columns[1:], "values"]  # values: val_acc_200ep
    assert s.attrs["notes"][0].startswith("these searches query several fidelities (12ep, 200ep)")


def test_search_command_reports_multi_fidelity_speedups_in_simulated_time(
    tmp_path, capsys, monkeypatch
):
    """The printout, summary.csv and regret.png come from one summary: the speedup columns
    say their unit, the note says the query counts count a 12-epoch query as one, and the
    plot's query axis says it counts queries of any fidelity."""
    import matplotlib.axes

    labels = []
    set_xlabel = matplotlib.axes.Axes.set_xlabel
    monkeypatch.setattr(
        matplotlib.axes.Axes,
        "set_xlabel",
        lambda ax, text, *a, **k: labels.append(text) or set_xlabel(ax, text, *a, **k),
    )
    out = tmp_path / "o"
    argv = ["search", "--methods", "rs,sh", "--seeds", "2", "--budget", "60", "--no-progress"]
    assert cli_main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    head = next(line for line in printed.splitlines() if line.startswith("| method"))
    assert "| top 0.1%: speedup vs random_search (sim. time) |" in head
    assert "note: these searches query several fidelities (12ep, 200ep)" in printed
    csv = pd.read_csv(out / "summary.csv")
    assert [c for c in csv.columns if "speedup" in c] == [
        "optimum: speedup vs random_search (sim. time)",
        "top 0.1%: speedup vs random_search (sim. time)",
    ]
    assert labels == ["queries (any fidelity)", "simulated time (s)"]


def test_speedup_vs_a_baseline_labelled_with_its_own_budget():
    """bench/search.py gives the baselines a larger budget than the guided methods, so their
    labels name it (``regularized_evolution [budget=6]``): the speedup is still against
    them, the search with the most queries where the baseline ran with several budgets, and
    the notes say which; a baseline with no search at all is said, not dropped."""
    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9
    small, large = "regularized_evolution [budget=4]", "regularized_evolution [budget=6]"
    hist = pd.concat(
        [
            _history("fast [budget=3]", 0, [1, 9, 2]),  # optimum at query 2
            _history("fast [budget=3]", 1, [9, 1, 2]),  # 1
            _history("fast [budget=3]", 2, [1, 2, 9]),  # 3
            _history(small, 0, [1, 2, 9, 3]),  # 3
            _history(small, 1, [1, 2, 3, 4]),  # never
            _history(small, 2, [9, 2, 3, 4]),  # 1
            _history(large, 0, [1, 2, 3, 4, 5, 9]),  # 6
            _history(large, 1, [1, 2, 3, 9, 5, 6]),  # 4
            _history(large, 2, [1, 2, 3, 4, 9, 6]),  # 5
        ]
    )
    s = summarize_search(hist, table_values=table, targets={"optimum": None}, checkpoints=())
    by = s.set_index("method")
    assert by.loc[large, "optimum: queries median"] == 5
    assert by.loc["fast [budget=3]", "optimum: speedup vs regularized_evolution"] == "2.5"
    assert by.loc[large, "optimum: speedup vs regularized_evolution"] == "1.0"
    assert "optimum: speedup vs random_search" in s.columns
    assert s.attrs["notes"] == [
        f"speedup vs regularized_evolution: against {large!r} (the one with the most "
        f"queries; not {small!r})"
    ]
    from nasperf.search.study import format_summary

    assert "optimum: speedup vs regularized_evolution" in format_summary(s).splitlines()[0]
    # the exact label is the baseline whatever the budgets of labelled ones
    exact = hist.replace({"label": {small: "regularized_evolution"}})
    s = summarize_search(exact, table_values=table, targets={"optimum": None}, checkpoints=())
    assert s.set_index("method").loc[large, "optimum: speedup vs regularized_evolution"] == "0.6"
    assert s.attrs["notes"] == []
    # a label that only begins like the baseline's is not the baseline
    others = hist[hist["label"] == "fast [budget=3]"]
    renamed = hist.replace({"label": {large: "regularized_evolution_v2 [budget=6]"}})
    for h in (others, renamed[renamed["label"] != small]):
        s = summarize_search(h, table_values=table, targets={"optimum": None}, checkpoints=())
        assert not any("vs regularized_evolution" in c for c in s.columns)
        assert s.attrs["notes"] == [
            "no speedup vs regularized_evolution: no search of it among these histories (add "
            "it to the methods to compare against it)"
        ]


def test_bench_search_budgets_keep_the_speedup_vs_regularized_evolution(tmp_path):
    """The settings of bench/search.py --quick in small: baselines with a larger budget."""
    trials = search_trials(["rs", "re"], seeds=[0, 1], budget=8)
    trials += search_trials(["ls"], seeds=[0, 1], budget=5)
    hist = run_search_study(trials, tmp_path / "s")
    assert sorted(hist["label"].unique()) == [
        "local_search [budget=5]",
        "random_search [budget=8]",
        "regularized_evolution [budget=8]",
    ]
    from nasperf.search.study import _trial_objective

    table = _trial_objective(trials[0]).table_values()
    s = summarize_search(hist, table_values=table, checkpoints=())
    for target in ("optimum", "top 0.1%"):
        assert f"{target}: speedup vs regularized_evolution" in s.columns
    assert s.attrs["notes"] == [
        "speedup vs regularized_evolution: against 'regularized_evolution [budget=8]'"
    ]


def test_cli_runs_resumes_and_reports(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["search", "--methods", "rs,pls", "--seeds", "2", "--budget", "6", "--out", str(out)]
    assert cli_main([*args, "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "| predictor_local_search | 0/2 |" in printed or "predictor_local_search" in printed
    assert "random_search (analytic)" in printed
    assert (out / "summary.csv").exists() and (out / "regret.png").stat().st_size > 10_000
    assert len(read_search_study(out).groupby(["label", "seed"])) == 4
    with pytest.raises(SystemExit) as err:
        cli_main(["search", "--methods", "rs", "--params", "rs={bad", "--out", str(out)])
    assert err.value.code == 2
    assert "--params rs: not JSON" in capsys.readouterr().err


def _timed(label: str, seed: int, times: list[float], values: list[float]) -> pd.DataFrame:
    h = _history(label, seed, values)
    h["sim_time_s"] = times
    return h


def test_regret_aggregates_on_a_common_grid_and_never_rises():
    from nasperf.search.study import regret_curves

    # seed 0 finds a good cell at once; seeds 1 and 2 start later and stay worse. The median
    # over the seeds that had started at each time (the old plot) rose from regret 1 (seed 0
    # alone) to 10 once the others started.
    hist = pd.concat(
        [
            _timed("rs", 0, [1.0, 100.0], [8.0, 8.5]),  # regret 1.0, then 0.5
            _timed("rs", 1, [50.0, 200.0], [-1.0, 0.0]),  # regret 10, then 9
            _timed("rs", 2, [60.0, 300.0], [-1.0, 1.0]),  # regret 10, then 8
        ]
    )
    (c,) = regret_curves(hist, n_grid=50).values()
    assert c["metric"] == "regret"
    assert c["queries"].tolist() == [1, 2]
    assert c["median_query"].tolist() == [10.0, 8.0]
    assert c["by_query"].tolist() == [[1.0, 0.5], [10.0, 9.0], [10.0, 8.0]]
    med, lo, hi = c["median_time"], c["q25_time"], c["q75_time"]
    assert c["time"][0] == 1.0 and c["time"][-1] == pytest.approx(300.0)
    # before two seeds have a result the median is +inf ("nothing found yet"), not seed 0's
    assert np.isinf(med[c["time"] < 50]).all() and med[-1] == 8.0
    for curve in (med, lo, hi):
        finite = np.where(np.isinf(curve), 1e300, curve)
        assert (np.diff(finite) <= 0).all()
    assert lo[-1] == pytest.approx(4.25) and hi[-1] == pytest.approx(8.5)  # 0.5, 8, 9


def test_best_value_curves_never_fall_where_the_optimum_is_unknown():
    from nasperf.search.study import regret_curves

    hist = pd.concat([_timed("m", s, [1.0 + s, 5.0, 9.0], [1.0, 3.0, 2.0]) for s in range(3)])
    hist["regret"] = np.nan
    (c,) = regret_curves(hist, n_grid=20).values()
    assert c["metric"] == "best_value" and c["median_query"].tolist() == [1.0, 3.0, 3.0]
    finite = np.where(np.isinf(c["median_time"]), -1e300, c["median_time"])
    assert (np.diff(finite) >= 0).all() and c["median_time"][-1] == 3.0


def test_summary_text_and_csv_say_not_found_instead_of_never(tmp_path):
    from nasperf.search.study import format_summary, write_summary_csv

    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9
    hist = pd.concat(
        [
            _history("fast", 0, [1, 9, 2, 3]),
            _history("fast", 1, [1, 2, 3, 4]),
            _history("fast", 2, [9, 2, 3, 4]),
            _history("slow", 0, [1, 2, 3, 4]),
            _history("slow", 1, [1, 2, 3, 4]),
        ]
    )
    s = summarize_search(hist, table_values=table, targets={"optimum": None}, checkpoints=(4,))
    text = format_summary(s)
    assert "never" not in text
    assert "| fast | 2/3 | 2 [1–>4], not found in 1 | - |" in text  # no interval of 3
    # the mean (10 + 1) / (1 + 1) = 5.5 is said, not rounded to even (it had read "6")
    assert "| random_search (analytic) | expected | 5 (mean 5.5) | exact |" in text
    # ten seeds reaching the optimum at queries 1..10: the median's interval is [x(2), x(9)]
    ten = pd.concat([_history("ten", i, [1.0] * i + [9.0] + [1.0] * (9 - i)) for i in range(10)])
    one = pd.concat(  # one seed of ten finds it: the whole interval lies above the budget
        [_history("one", i, [9.0 if i == 0 else 1.0] + [1.0] * 9) for i in range(10)]
    )
    s10 = summarize_search(
        pd.concat([ten, one]), table_values=table, targets={"optimum": None}, checkpoints=()
    )
    text10 = format_summary(s10)
    # a median of ten seeds is 5.5: said with its half, not rounded (it had read "6")
    assert "| ten | 10/10 | 5.5 [3–8], 10 | 2–9 |" in text10
    assert "| one | 1/10 | >10 [>10–>10], not found in 9 | >10 |" in text10
    assert "| slow | 0/2 | not found in 4 queries |" in text
    path = write_summary_csv(s, tmp_path / "summary.csv")
    lines = path.read_text().splitlines()
    head = lines[0].split(",")
    rows = {r.split(",")[0]: dict(zip(head, r.split(","), strict=True)) for r in lines[1:]}
    assert rows["fast"]["seeds"] == "3" and rows["fast"]["queries"] == "4"
    assert rows["fast"]["optimum: queries q75"] == ""  # not reached: empty, not inf
    assert rows["slow"]["optimum: queries median"] == ""
    assert rows["random_search (analytic)"]["seeds"] == ""
    assert "inf" not in path.read_text()


def test_repeated_searches_are_counted_and_said(tmp_path):
    """Seeds that repeat one search (a deterministic method, or the optimum reached within
    the fixed warm start) are one search: the summary counts the distinct ones and the text
    says so, instead of reading as ten independent draws."""
    from nasperf.search.study import distinct_searches, format_summary

    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9

    def same(label: str, seed: int, values: list[float], archs: list[str]) -> pd.DataFrame:
        h = _history(label, seed, values)
        h["arch"] = archs
        return h

    det = pd.concat([same("det", s, [1, 2, 9], ["x", "y", "z"]) for s in range(10)])
    # two seeds agree, one differs in its second query, one in the value only (same archs):
    # the archs decide; and the fidelity of a query counts as part of it
    mixed = [
        same("mixed", 0, [1, 9], ["x", "z"]),
        same("mixed", 1, [1, 9], ["x", "z"]),
        same("mixed", 2, [1, 9], ["x", "w"]),
        same("mixed", 3, [2, 9], ["x", "z"]),
    ]
    low = same("mixed", 4, [1, 9], ["x", "z"])
    low["fidelity"] = ["12ep", "200ep"]
    assert distinct_searches([h for _, h in det.groupby("seed")]) == 1
    assert distinct_searches(mixed) == 2
    assert distinct_searches([*mixed, low]) == 3
    # without an arch column the values stand in
    bare = [_history("v", k, [1, 2]).drop(columns="arch") for k in range(2)]
    assert distinct_searches(bare) == 1
    assert (
        distinct_searches(
            [
                _history("v", 0, [1, 2]).drop(columns="arch"),
                _history("v", 1, [1, 3]).drop(columns="arch"),
            ]
        )
        == 2
    )
    rest = pd.concat([_history("rs", s, [1, 9 if s else 2, 3]) for s in range(3)])
    s = summarize_search(
        pd.concat([det, rest]), table_values=table, targets={"optimum": None}, checkpoints=()
    ).set_index("method")
    assert s.loc["det", "seeds"] == 10 and s.loc["det", "distinct searches"] == 1
    assert s.loc["rs", "distinct searches"] == 3
    assert pd.isna(s.loc["random_search (analytic)", "distinct searches"])
    text = format_summary(s.reset_index())
    assert "| det | 10/10 (1 distinct search) | 3 [3–3], 3 |" in text
    assert "| rs | 2/3 | 2 [2–>3], not found in 1 |" in text  # all distinct: nothing added


def test_a_target_reached_within_the_queries_all_seeds_share_counts_once():
    """A zero-cost warm start makes the same first queries in every seed: a target reached
    there is one event, whose found interval is that of one search (1/1), not of five."""
    from nasperf.search.study import format_summary, found_ci, shared_queries

    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9

    def seed(label: str, k: int, values: list[float], archs: list[str]) -> pd.DataFrame:
        h = _history(label, k, values)
        h["arch"] = archs
        return h

    # "warm": every seed queries x, z (the optimum, 9) first, then its own architectures
    warm = [seed("warm", k, [1, 9, 2], ["x", "z", f"w{k}"]) for k in range(5)]
    # "late": the same first query, then each finds 9 on its own (seed 4 never)
    late = [seed("late", k, [1, 9 if k < 4 else 2], ["x", f"z{k}"]) for k in range(5)]
    assert shared_queries(warm) == 2 and shared_queries(late) == 1
    assert shared_queries(warm[:1]) == 0 and shared_queries([late[0], warm[0]]) == 1
    # in the search's own order, whatever the order of the rows; a fidelity sets apart
    assert shared_queries([warm[0].iloc[::-1], warm[1]]) == 2
    low = warm[1].assign(fidelity=["12ep", "200ep", "200ep"])
    assert shared_queries([warm[0], low]) == 0
    s = summarize_search(
        pd.concat([*warm, *late]), table_values=table, targets={"optimum": None}, checkpoints=()
    ).set_index("method")
    assert s.loc["warm", "shared queries"] == 2 and s.loc["warm", "distinct searches"] == 5
    assert s.loc["warm", "optimum: found"] == "5/5" and s.loc["warm", "optimum: in shared queries"]
    ci = (s.loc["warm", "optimum: found ci low"], s.loc["warm", "optimum: found ci high"])
    assert ci == found_ci(1, 1) and ci != found_ci(5, 5)
    assert pd.isna(s.loc["warm", "optimum: queries median ci low"])  # one search
    # found after the shared query: seeds count as before
    assert not s.loc["late", "optimum: in shared queries"]
    late_ci = (s.loc["late", "optimum: found ci low"], s.loc["late", "optimum: found ci high"])
    assert late_ci == found_ci(4, 5)
    text = format_summary(s.reset_index())
    assert "| warm | 5/5 (1 search: in the 2 queries all seeds share) | 2 [2–2], 2 |" in text
    assert "| late | 4/5 | 2 [2–2], not found in 1 |" in text
    assert any("warm (2 of 2)" in n and "one event" in n for n in s.attrs["notes"])


def test_cli_default_out_and_help_lists_aliases(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["search", "--methods", "rs", "--seeds", "1", "--budget", "3", "--no-progress"]
    assert cli_main(args) == 0
    (out,) = (tmp_path / "searches").iterdir()
    assert out.name.startswith("nb201-cifar10-") and (out / "summary.csv").exists()
    assert f"-> {out.relative_to(tmp_path)}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["search", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for alias in ("random_search (rs)", "regularized_evolution (re)", "local_search (ls)"):
        assert alias in text
    assert "predictor_local_search (pls)" in text and "--params NAME=JSON" in text
    assert "nasperf search --methods bananas --params" in text


def test_study_folder_starts_afresh_or_resumes_and_refuses_a_held_folder(tmp_path):
    """A script's run holds its results folder: afresh it deletes the study it finds, with
    ``resume`` it keeps it, and while one run holds the folder another stops at once
    without touching the first one's records (deleting them is what went wrong when two
    bench runs shared a folder)."""
    from filelock import FileLock

    out = tmp_path / "study"
    out.mkdir()
    (out / "results.sqlite").write_bytes(b"records")
    (out / "results.sqlite-wal").write_bytes(b"log")
    with study_folder(out, resume=True) as held:
        assert held == out and (out / "results.sqlite").read_bytes() == b"records"
    with FileLock(str(out / ".run.lock")):  # another run holds it
        for resume in (False, True):
            with pytest.raises(FolderBusyError, match=f"{out.name} is in use by another run"):
                with study_folder(out, resume=resume):
                    pass
        assert (out / "results.sqlite").read_bytes() == b"records"
    with study_folder(out):
        assert not list(out.glob("results.sqlite*"))
        (out / "results.sqlite").write_bytes(b"this run's")
    with study_folder(out, resume=True):  # released: the next run gets it
        assert (out / "results.sqlite").read_bytes() == b"this run's"


def test_best_at_n_counts_distinct_paid_queries_not_rows():
    """Repeats are free and marked: best@N is the best after N paid queries, and a search
    that paid for N queries has a result at N however many repeats it asked."""
    h = _history("rs", 0, [1.0, 3.0, 1.0, 3.0, 5.0, 7.0])
    h["query"] = [1, 2, 2, 2, 3, 4]  # rows 3 and 4 repeat queries 1 and 2 (free)
    h["repeat"] = [False, False, True, True, False, False]
    short = _history("rs", 1, [1.0, 3.0, 4.0, 6.0])  # no repeats: 4 queries
    s = summarize_search(pd.concat([h, short]), checkpoints=(3, 4, 5)).set_index("method")
    # seed 0 after 3 paid queries is 5 (its first 3 rows would say 3), seed 1 4
    assert s.loc["rs", "best@3"] == np.median([5.0, 4.0])
    assert s.loc["rs", "best@4"] == np.median([7.0, 6.0])
    assert np.isnan(s.loc["rs", "best@5"])  # neither paid for 5 (seed 0 has 6 rows)


# --------------------------------------------------------------------------- CLI probes
_REFUSED = [
    (["--workers", "1000000000000"], r"--workers must be at most 1,024, got 1,000,000,000,000"),
    (
        ["--seeds", "1000000000000"],
        r"--seeds: 1,000,000,000,000 seeds; a search study takes at most 10,000",
    ),
    (["--budget", "1000000000000"], r"--budget must be at most 1,000,000 queries, got 1,000,"),
    (["--methods", ""], r"--methods: no method given"),
    (["--methods", ","], r"--methods: no method given"),
    (["--methods", " "], r"--methods: no method given"),
    (["--scheduler", "tcp://x:1"], r"--scheduler is for --engine dask"),
    (["--address", "auto"], r"--address is for --engine ray"),
    (
        ["--benchmark", "nb301", "--dataset", "cifar100"],
        r"unknown dataset 'cifar100' for benchmark 'nb301'; available: cifar10",
    ),
    (
        ["--benchmark", "nb301", "--data", "{tmp}/t.csv", "--space", "nb201", "--target", "a"],
        r"--benchmark nb301 is for a packaged benchmark, not --data; give one of them",
    ),
    (["--arch-column", "foo"], r"--arch-column describes a table: give it with --data FILE"),
    (["--target", "acc"], r"--target describes a table: give it with --data FILE"),
    (["--cost", "s"], r"--cost describes a table: give it with --data FILE"),
    (["--minimize"], r"--minimize / --maximize describes a table: give it with --data FILE"),
    (["--fidelity-columns", "12=a"], r"--fidelity-columns describes a table: give it with"),
    (["--zero-cost", "{tmp}/z.csv"], r"--zero-cost describes a table: give it with --data"),
    (
        ["--methods", "rs", "--params", "rs={}", "--params", "RS={}"],
        r"--params RS: given twice for random_search; give it once",
    ),
    (
        ["--data", "{tmp}/t.csv", "--space", "nb201", "--target", "a", "--dataset", "nope"],
        r"unknown --dataset 'nope': with --data it names the task the zero-cost proxies build "
        r"networks for; known: cifar10, cifar100, ImageNet16-120, .*cora",
    ),
    (["--out", ""], r"--out: empty path"),
    (["--data", " "], r"--data: empty path"),
    (["--zero-cost", ""], r"--zero-cost: empty path"),
    (
        ["--benchmark", "NB201"],
        r"--benchmark NB201: a search space without a registered benchmark \(did you mean "
        r"'nb201'\?\); search your table with --space NB201 --data FILE --target COLUMN",
    ),
    (
        ["--benchmark", "nope"],
        r"unknown search benchmark 'nope'; available: nb301, nb101, nb201, nb301_surrogate, "
        r".*\(or your own table: --space SPACE --data FILE --target COLUMN\)",
    ),
    (
        ["--space", "nb101"],
        r"--space nb101 does not match the space of --benchmark \('nb201', nb201/cifar10\); "
        r"search your own table with --space nb101 --data FILE --target COLUMN",
    ),
]


def _search_cli(argv, capsys) -> tuple[int, str]:
    """``nasperf search argv``: (exit status, stderr)."""
    try:
        code = cli_main(["search", *argv])
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def _one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) >= 1, err
    assert lines[-1].startswith("nasperf search: error: "), err
    assert sum(": error: " in line for line in lines) == 1, err
    return lines[-1]


@pytest.mark.parametrize(("argv", "match"), _REFUSED, ids=[" ".join(a) for a, _ in _REFUSED])
def test_cli_refuses_bad_flags_in_one_line_before_writing(argv, match, tmp_path, capsys):
    (tmp_path / "t.csv").write_text("arch,a\n")
    (tmp_path / "z.csv").write_text("arch,synflow\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    out = tmp_path / "out"
    if "--out" not in argv:
        argv += ["--out", str(out)]
    if "--seeds" not in argv:
        argv += ["--seeds", "1"]
    code, err = _search_cli([*argv, "--no-progress"], capsys)
    assert code == 2, err
    line = _one_error(err)
    assert re.search(match, line), (line, match)
    assert line.count("nb301,") <= 1  # the benchmark list names each once
    assert not out.exists()


def test_cli_refuses_an_engine_it_cannot_start_before_writing(tmp_path, capsys):
    import importlib.util

    out = tmp_path / "out"
    code, err = _search_cli(["--engine", "ray", "--out", str(out)], capsys)
    if importlib.util.find_spec("ray") is None:
        assert code == 2
        assert re.search(
            r"error: the ray engine needs ray \(No module named 'ray'\)", _one_error(err)
        )
    dask = ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)]
    code, err = _search_cli(dask, capsys)
    assert code == 2
    line = _one_error(err)
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:1" in line or (
        "the dask engine needs dask.distributed" in line
    )
    assert not out.exists()


def test_cli_params_match_methods_by_alias_and_case(tmp_path, capsys, monkeypatch):
    import nasperf.search.study as study

    seen = []
    monkeypatch.setattr(
        study,
        "run_search_study",
        lambda trials, out, **kw: seen.append((trials, kw)) or pd.DataFrame(),
    )
    p = '{"population_size": 20, "sample_size": 5}'
    for methods, name in (("RE", "re"), ("re", "RE"), ("regularized_evolution", "Re")):
        argv = ["--methods", methods, "--params", f"{name}={p}", "--out", str(tmp_path / "o")]
        code, err = _search_cli([*argv, "--seeds", "1", "--workers", "1000"], capsys)
        assert code == 1 and "no search finished" in err  # the stub finished nothing
        trials, kw = seen.pop()
        assert trials[0]["params"] == {"population_size": 20, "sample_size": 5}
        assert trials[0]["optimizer"] == methods  # as written: the hashes of earlier runs
        assert kw["workers"] == 1  # never more processes than searches


def test_cli_database_errors_and_ctrl_c_are_one_line(tmp_path, capsys, monkeypatch):
    import sqlite3

    import nasperf.search.study as study
    from nasperf.evaluation import store

    argv = ["--methods", "rs", "--seeds", "1", "--budget", "3", "--no-progress"]
    (tmp_path / "g3" / "results.sqlite").mkdir(parents=True)
    code, err = _search_cli([*argv, "--out", str(tmp_path / "g3")], capsys)
    assert code == 2 and "results.sqlite" in _one_error(err)

    def readonly(self, folder):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store.ResultsStore, "__init__", readonly)
    code, err = _search_cli([*argv, "--out", str(tmp_path / "ro")], capsys)
    assert code == 2
    assert _one_error(err) == (
        f"nasperf search: error: {tmp_path / 'ro' / 'results.sqlite'}: cannot use the results "
        "database (attempt to write a readonly database)"
    )

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_search_study", interrupted)
    code, err = _search_cli([*argv, "--out", str(tmp_path / "i")], capsys)
    assert code == 130 and "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"nasperf search: interrupted; rerun the same command to resume {tmp_path / 'i'}"
    )


def test_a_user_tables_dataset_must_name_a_task_or_a_benchmark_dataset():
    # with a table of one's own the dataset only names the proxies' images: a typo had
    # silently cost the warm start (a note), now it is refused; aliases and tasks pass
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10").iloc[:40]
    obj = S.TableObjective(table, "nb201", "val_acc_200ep", cost_column=None)
    with pytest.raises(S.ObjectiveChoiceError, match=r"unknown dataset 'nope': with a table"):
        S.run("rs", objective=obj, dataset="nope", budget=2)
    for ok in ("CIFAR100", "imagenet", "class_scene", "cora"):
        assert len(S.run("rs", objective=obj, dataset=ok, budget=2, seed=0)) == 2


def test_seeds_and_budget_are_bounded_in_the_python_api_too():
    from nasperf.search.run import check_budgets

    with pytest.raises(
        ValueError,
        match=r"^seeds: 1,000,000,000,000 seeds; a search study "
        r"takes at most 10,000$",
    ):
        search_trials(["rs"], seeds=10**12)
    with pytest.raises(ValueError, match=r"^budget must be at most 1,000,000 queries, got "):
        check_budgets(10**12, None)
    with pytest.raises(ValueError, match=r"; available: nb301, nb101, nb201, nb301_surrogate"):
        S.get_objective("nope")


_SEARCH = ["--methods", "rs", "--seeds", "2", "--budget", "5", "--no-progress"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """The results folder of a finished tiny search (random search, 2 seeds), run once."""
    out = tmp_path_factory.mktemp("searched") / "g"
    assert cli_main(["search", *_SEARCH, "--out", str(out)]) == 0
    return out


def _tamper_search(searched, tmp_path, change):
    """A copy of ``searched`` whose first stored row (by hash) is ``change``d: (folder,
    that row's hash, sha256 of its results.sqlite)."""
    import hashlib
    import json
    import shutil
    import sqlite3

    folder = tmp_path / "g"
    shutil.copytree(searched, folder)
    with sqlite3.connect(folder / "results.sqlite") as conn:
        h, text = conn.execute("SELECT hash, row FROM trials ORDER BY hash").fetchone()
        row = json.loads(text)
        change(row)
        conn.execute("UPDATE trials SET row = ? WHERE hash = ?", (json.dumps(row), h))
    conn.close()
    return folder, h, hashlib.sha256((folder / "results.sqlite").read_bytes()).hexdigest()


_BAD_SEARCHES = [
    ("empty row", lambda r: r.clear(), r"its row has no 'hash', which a search's rows have"),
    (
        "empty history",
        lambda r: r.update(history={}),
        r"its row's history has no 'value' column",
    ),
    (
        "seed text",
        lambda r: r.update(seed="x"),
        r"its row's seed is 'x', not a whole number in \[0, 4294967295\]",
    ),
    (
        "seed of another trial",
        lambda r: r.update(seed=1 - r["seed"]),
        r"its row's seed is \d, not its trial's \d",
    ),
    (
        "history value text",
        lambda r: r["history"]["best_value"].__setitem__(2, "x"),
        r"its row's history\.best_value\[2\] is 'x', not a finite number or NaN",
    ),
    (
        "history column short",
        lambda r: r["history"]["value"].pop(),
        r"its row's history\.value holds 4 entries, history\.arch 5: not one each per query",
    ),
    ("no label", lambda r: r.pop("label"), r"its row has no 'label', which a search's rows have"),
    ("notes", lambda r: r.update(notes="x"), r"its row's notes is 'x', not a list of text"),
]


@pytest.mark.parametrize(
    ("change", "said"), [c[1:] for c in _BAD_SEARCHES], ids=[c[0] for c in _BAD_SEARCHES]
)
def test_a_damaged_stored_search_is_refused_when_the_folder_opens(
    change, said, searched, tmp_path, capsys
):
    # a row {} was KeyError: 'hash', a history {} KeyError: 'best_value'; a seed "x" exited 1
    # without a word and the summary showed one seed
    import hashlib

    from nasperf.errors import DataIntegrityError

    folder, h, before = _tamper_search(searched, tmp_path, change)
    code, err = _search_cli([*_SEARCH, "--out", str(folder)], capsys)
    assert code == 2
    line = _one_error(err)
    assert line.startswith(f"nasperf search: error: {folder / 'results.sqlite'}: trial '{h}': "), (
        line
    )
    assert re.search(said, line), line
    assert line.endswith(
        "; delete that trial's row (it runs again) or choose another results folder"
    )
    after = hashlib.sha256((folder / "results.sqlite").read_bytes()).hexdigest()
    assert after == before  # nothing ran, nothing was written
    with pytest.raises(DataIntegrityError, match=said):
        read_search_study(folder)


def test_an_untouched_search_folder_resumes(searched, tmp_path, capsys):
    folder, _, _ = _tamper_search(searched, tmp_path, lambda r: None)
    code, err = _search_cli([*_SEARCH, "--out", str(folder)], capsys)
    assert code == 0, err
    hist = read_search_study(folder)
    assert sorted(hist["seed"].unique()) == [0, 1]


# --------------------------------------------------------------- one folder, several settings
def test_a_folder_of_two_settings_is_said_and_read_as_two_searches_per_seed(tmp_path, capsys):
    """Two runs into one --out with another --budget and --dataset: the second says so;
    read_search_study keeps one history per stored search (never 20 + 30 queries spliced
    into one), labelled by what differs, and the summary counts each setting's 2 seeds."""
    out = tmp_path / "q"
    first = ["--methods", "rs", "--seeds", "2", "--no-progress", "--out", str(out)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyNote)  # a first run into the folder: no note
        code, err = _search_cli([*first, "--budget", "5"], capsys)
    assert code == 0, err
    note = (
        f"{out} also holds 2 finished search(es) that are not part of this run (other "
        f"settings: budget, dataset); this run's report reads only its 2, "
        f"nasperf.search.study.read_search_study({str(out)!r}) reads every search in the "
        "folder"
    )
    with pytest.warns(StudyNote, match=re.escape(note)):
        code, err = _search_cli([*first, "--budget", "8", "--dataset", "cifar100"], capsys)
    assert code == 0, err
    # the run's own report: its 2 searches of 8 queries on cifar100
    report = pd.read_csv(out / "summary.csv").set_index("method")
    assert report.loc["random_search", "seeds"] == 2
    assert report.loc["random_search", "queries"] == 8

    hist = read_search_study(out)
    small = "random_search [budget=5, dataset=cifar10]"
    large = "random_search [budget=8, dataset=cifar100]"
    per_search = hist.groupby(["label", "seed"]).agg(
        steps=("step", "size"),
        datasets=("dataset", "unique"),
        hashes=("hash", "nunique"),
        last=("step", "max"),
    )
    assert per_search.index.tolist() == [(small, 0), (small, 1), (large, 0), (large, 1)]
    assert per_search["hashes"].tolist() == [1, 1, 1, 1]
    assert [list(d) for d in per_search["datasets"]] == [["cifar10"]] * 2 + [["cifar100"]] * 2
    assert per_search["last"].tolist() == per_search["steps"].tolist()  # steps 1..n, once each
    assert hist.groupby("label")["query"].max().to_dict() == {small: 5, large: 8}
    assert hist.attrs["notes"][0] == (
        f"{out}: searches of 2 settings (they differ in budget, dataset); each label names "
        "its settings"
    )
    summary = summarize_search(hist, checkpoints=(5,)).set_index("method")
    assert summary["seeds"].to_dict() == {small: 2, large: 2}
    assert summary["queries"].to_dict() == {small: 5, large: 8}


def test_only_the_budget_differs_and_other_methods_keep_their_labels(tmp_path, capsys):
    out = tmp_path / "b"
    base = ["--seeds", "1", "--no-progress", "--out", str(out)]
    assert _search_cli(["--methods", "rs", "--budget", "5", *base], capsys)[0] == 0
    # another method with the same settings: nothing to tell apart, labels as they were
    note = (
        f"{out} also holds 1 finished search(es) that are not part of this run (the "
        "same settings, other methods or seeds)"
    )
    with pytest.warns(StudyNote, match=re.escape(note)):
        code, err = _search_cli(["--methods", "re", "--budget", "5", *base], capsys)
    assert code == 0, err
    hist = read_search_study(out)
    assert sorted(hist["label"].unique()) == ["random_search", "regularized_evolution"]
    # budget 5 of a population of 50: evolution never starts (said once, under its label)
    assert hist.attrs["notes"] == [
        "regularized_evolution: budget 5 <= population_size 50: every query is of its random "
        "initial population (random search); a comparison with it is one with random sampling"
    ]
    # then only --budget changes: every label names its budget
    note = "also holds 2 finished search(es) that are not part of this run (other settings: budget)"
    with pytest.warns(StudyNote, match=re.escape(note)):
        code, err = _search_cli(["--methods", "rs", "--budget", "7", *base], capsys)
    assert code == 0, err
    hist = read_search_study(out)
    assert hist.groupby("label")["query"].max().to_dict() == {
        "random_search [budget=5]": 5,
        "random_search [budget=7]": 7,
        "regularized_evolution [budget=5]": 5,
    }


def test_the_summary_refuses_two_searches_of_one_label_and_seed(tmp_path):
    """Histories concatenated by hand (two runs' tables, same labels): never spliced."""
    from nasperf.search.study import plot_regret, regret_curves

    a = run_search_study(search_trials(["rs"], seeds=[0], budget=5), tmp_path / "a")
    b = run_search_study(search_trials(["rs"], seeds=[0], budget=7), tmp_path / "b")
    both = pd.concat([a, b], ignore_index=True)
    said = (
        r"the histories hold 2 searches of 'random_search' seed 0 \(1 label-seed pair\(s\) "
        r"so\): searches of different settings cannot be summarised as one"
    )
    for fn in (summarize_search, regret_curves, lambda h: queries_to_target(h, 90.0)):
        with pytest.raises(ValueError, match=said):
            fn(both)
    with pytest.raises(ValueError, match=said):
        plot_regret(both, tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()
    # without the hash column a step given twice says the same
    with pytest.raises(ValueError, match=said):
        summarize_search(both.drop(columns="hash"))
    # each on its own is fine
    assert summarize_search(a, checkpoints=(5,))["seeds"].tolist() == [1]


def test_search_trials_do_not_depend_on_the_folder_of_their_files(tmp_path):
    # trials were keyed by the table's absolute path: a project moved elsewhere ran every
    # search again (the same table, byte for byte)
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10").iloc[:300]
    hashes = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        data, zc = tmp_path / folder / "t.csv", tmp_path / folder / "zc.csv"
        pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(data, index=False)
        pd.DataFrame({"arch": table.index, "synflow": np.arange(300.0)}).to_csv(zc, index=False)
        trials = search_trials(
            ["rs"], seeds=1, space="nb201", data=data, target="acc", zero_cost=zc
        )
        assert trials[0]["data"] == str(data.resolve())  # each reads its own file
        hashes.append(trials[0]["hash"])
    assert hashes[0] == hashes[1]


def test_out_with_a_tilde_after_the_equals_sign_is_the_home_folder(tmp_path, monkeypatch):
    # the shell leaves ``--out=~/srch`` as it is: the store went to ./~/srch while the
    # summary (pandas expands ~) failed to find the folder
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cli_main(["search", *_SEARCH, "--out=~/srch"]) == 0
    out = tmp_path / "home" / "srch"
    assert (out / "results.sqlite").is_file() and not (tmp_path / "~").exists()
    assert pd.read_csv(out / "summary.csv")["method"].tolist()[0] == "random_search"


def test_a_nasperf_proxies_output_is_charged_the_seconds_it_records(tmp_path):
    # a probe: `nasperf proxies` recorded no seconds, so a search given its output as
    # --zero-cost charged its scores 0 s; its <proxy>_time columns are no proxies either
    import warnings

    from nasperf.datasets import load_benchmark
    from nasperf.encodings.zero_cost import recorded_seconds
    from nasperf.search.study import _trial_zero_cost

    table = load_benchmark("nb201", "cifar10").iloc[:100]
    data, zc = tmp_path / "t.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(data, index=False)
    took = np.linspace(0.01, 0.2, 100)
    frame = pd.DataFrame(
        {"arch": table.index, "synflow": 1.0, "synflow_time": took, "nan_reasons": ""}
    )
    frame.to_csv(zc, index=False)  # as `nasperf proxies` writes it
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the time column is read: no "nothing reads" warning
        (trial,) = search_trials(
            ["rs"], seeds=1, space="nb201", data=data, target="acc", zero_cost=zc
        )
    read = _trial_zero_cost(trial)
    assert list(read.columns) == ["synflow"]
    assert recorded_seconds(read, ["synflow"]) == pytest.approx(took.mean(), rel=1e-12)


def test_a_search_s_zero_cost_file_is_read_as_a_study_s_proxy_table(tmp_path):
    # one reader (read_zero_cost_table) for a search's --zero-cost, a study's
    # zero_cost_table and screening: a failed proxy's cell (empty, 'none') is NaN, any other
    # cell that is no finite number one error naming the file, the row and the column
    from nasperf.datasets import load_benchmark
    from nasperf.search.study import _trial_zero_cost

    table = load_benchmark("nb201", "cifar10").iloc[:20]
    data, zc = tmp_path / "t.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(data, index=False)
    scores = [str(float(i)) for i in range(20)]
    scores[3], scores[7] = "none", ""
    frame = pd.DataFrame({"arch": table.index, "synflow": scores, "nan_reasons": ""})
    frame.to_csv(zc, index=False)
    (trial,) = search_trials(["rs"], seeds=1, space="nb201", data=data, target="acc", zero_cost=zc)
    read = _trial_zero_cost(trial)
    assert list(read.columns) == ["synflow"] and list(read.index) == list(table.index)
    expected = np.arange(20.0)
    expected[[3, 7]] = np.nan
    np.testing.assert_array_equal(read["synflow"].to_numpy(), expected)
    scores[5] = "inf"
    frame.assign(synflow=scores).to_csv(zc, index=False)
    with pytest.raises(ValueError) as ei:
        search_trials(["rs"], seeds=1, space="nb201", data=data, target="acc", zero_cost=zc)
    assert str(ei.value) == (
        f"{zc} line 7, column 'synflow' (architecture {table.index[5]!r}): 'inf' is not a "
        "finite number"
    )


def test_proxy_columns_nothing_reads_are_named(tmp_path):
    # a misspelt proxy (synflw) in --zero-cost had been dropped without a word
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10").iloc[:100]
    data, zc = tmp_path / "t.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(data, index=False)
    frame = pd.DataFrame({"arch": table.index, "synflw": 1.0, "params": 2.0, "nan_reasons": ""})
    frame.to_csv(zc, index=False)
    with pytest.warns(UserWarning, match=r"zc.csv: columns \['synflw'\] are not registered zero"):
        search_trials(["rs"], seeds=1, space="nb201", data=data, target="acc", zero_cost=zc)


def test_cli_notes_say_an_assumed_direction_once_and_a_benchmark_s_own_dataset(tmp_path, capsys):
    # from a probe: `--target score` had printed no note that 'score' was assumed maximised
    # (the trial had resolved the direction to True), `--methods sh` had said
    # "successive_halving: successive_halving: ...", and `--benchmark nbgraph-proteins`
    # without --dataset had been refused as "unknown dataset 'cifar10'"
    from nasperf.datasets import load_benchmark

    t = load_benchmark("nb201", "cifar10").head(60)
    csv = tmp_path / "m.csv"
    pd.DataFrame({"arch": t.index, "score": t["val_acc_200ep"]}).to_csv(csv, index=False)
    argv = ["--space", "nb201", "--data", str(csv), "--target", "score", "--methods", "rs,sh"]
    argv += ["--seeds", "1", "--budget", "5", "--no-progress", "--out", str(tmp_path / "s")]
    assert cli_main(["search", *argv]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert "note: random_search: m.csv maximises 'score', as nasperf assumes where a name" in (
        "\n".join(notes)
    )
    assert any(
        n.startswith("note: successive_halving: the objective has one fidelity") for n in notes
    )
    assert not any("successive_halving: successive_halving" in n for n in notes)
    # said to maximise a table whose cheaper fidelity's column reads like a cost: kept
    csv2 = tmp_path / "f.csv"
    frame = pd.DataFrame({"arch": t.index, "acc": t["val_acc_200ep"].to_numpy()})
    frame.assign(acc_time12=t["val_acc_12ep"].to_numpy()).to_csv(csv2, index=False)
    fid = search_trials(
        ["hyperband"], seeds=1, budget=20, space="nb201", data=csv2, target="acc",
        maximize=True, fidelity_columns=[(12, "acc_time12"), (200, "acc")],
    )  # fmt: skip
    assert len(fid) == 1 and "maximize" not in fid[0]
    # trials record only maximize=False: the hashes of earlier ones stay the same
    trials = search_trials(["rs"], seeds=1, budget=5, space="nb201", data=csv, target="score")
    assert "maximize" not in trials[0]
    assert search_trials(["rs"], seeds=1, benchmark="nbgraph-proteins")[0]["dataset"] == "proteins"
    assert search_trials(["rs"], seeds=1, benchmark="nb201")[0]["dataset"] == "cifar10"


def test_cli_warnings_are_one_line_naming_the_command(tmp_path):
    # a Python warning had printed nasperf's file and line, then that line's source
    import warnings

    from nasperf.datasets import load_benchmark

    t = load_benchmark("nb201", "cifar10").head(40)
    frame = pd.DataFrame({"arch": t.index, "val_acc": t["val_acc_200ep"].to_numpy()})
    frame.to_csv(tmp_path / "m.csv", index=False)
    pd.DataFrame({"synflw": range(40), "synflow": range(40)}, index=t.index).rename_axis(
        "arch"
    ).to_csv(tmp_path / "z.csv")
    argv = ["--space", "nb201", "--data", str(tmp_path / "m.csv"), "--target", "val_acc"]
    argv += ["--zero-cost", str(tmp_path / "z.csv"), "--methods", "rs", "--seeds", "1"]
    argv += ["--budget", "3", "--no-progress", "--out", str(tmp_path / "s")]
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "nasperf", "search", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    assert run.returncode == 0, run.stderr
    assert "nasperf search: warning: z.csv: columns ['synflw'] are not registered" in run.stderr
    assert "UserWarning" not in run.stderr and "study.py:" not in run.stderr
    before = warnings.formatwarning
    with pytest.warns(UserWarning, match="synflw"):  # recorded as ever where one records
        assert cli_main(["search", *argv[:-1], str(tmp_path / "s2")]) == 0
    assert warnings.formatwarning is before  # restored: library use keeps Python's format


def test_cli_data_duplicates_keeps_one_row_of_an_architecture(tmp_path, capsys):
    """A table listing one architecture under its text and its NASLib key: `nasperf search`
    said "(see nasperf search --help)", whose help had no such option; --data-duplicates
    keeps one row, enters the trials only where set, and is refused without --data."""
    from nasperf.datasets import load_benchmark

    t = load_benchmark("nb201", "cifar10").head(40)
    frame = pd.DataFrame({"arch": t.index, "val_acc": t["val_acc_200ep"].to_numpy()})
    twin = pd.DataFrame({"arch": [str(t["naslib_key"].iloc[0])], "val_acc": [0.5]})
    pd.concat([frame, twin]).to_csv(tmp_path / "m.csv", index=False)
    argv = ["--space", "nb201", "--data", str(tmp_path / "m.csv"), "--target", "val_acc"]
    argv += ["--methods", "rs", "--seeds", "1", "--budget", "3", "--no-progress"]
    code, err = _search_cli([*argv, "--out", str(tmp_path / "a")], capsys)
    assert code == 2 and "(nasperf search --data-duplicates)" in err
    for keep, value in (("first", t["val_acc_200ep"].iloc[0]), ("last", 0.5)):
        code, err = _search_cli(
            [*argv, "--data-duplicates", keep, "--out", str(tmp_path / keep)], capsys
        )
        assert code == 0, err
        obj = S.TableObjective.from_file(tmp_path / "m.csv", "nb201", "val_acc", duplicates=keep)
        assert obj.evaluate([t.index[0]])[0][0] == value
    assert (
        search_trials(
            ["rs"],
            space="nb201",
            data=tmp_path / "m.csv",
            target="val_acc",
            seeds=1,
            duplicates="last",
        )[0]["duplicates"]
        == "last"
    )
    frame.to_csv(tmp_path / "clean.csv", index=False)  # the default: no key, hashes kept
    plain = search_trials(
        ["rs"], space="nb201", data=tmp_path / "clean.csv", target="val_acc", seeds=1
    )[0]
    assert "duplicates" not in plain
    code, err = _search_cli(["--methods", "rs", "--data-duplicates", "last"], capsys)
    assert code == 2 and "--data-duplicates" in err


# --------------------------------------------------------------------------- time budgets
def _limited(label: str, seed: int, times: list[float], values: list[float]) -> pd.DataFrame:
    h = _timed(label, seed, times, values)
    h["time_budget"] = 30.0  # as run_search_study records a search's time budget
    return h


def _time_limited_histories() -> pd.DataFrame:
    """Three seeds stopped by a time budget of 30 s after 4, 2 and 3 queries; each ran one
    query past the limit (the run stops once the simulated time has reached it)."""
    return pd.concat(
        [
            _limited("rs", 0, [10.0, 20.0, 30.0, 45.0], [1.0, 5.0, 3.0, 8.0]),
            _limited("rs", 1, [15.0, 35.0], [4.0, 9.0]),
            _limited("rs", 2, [5.0, 25.0, 31.0], [2.0, 6.0, 7.0]),
        ]
    )


def test_best_at_time_is_each_seeds_best_within_the_time_budget():
    """A search stopped by its time budget has no best@N past its queries (blank, and a note
    says which seeds stopped and why); best@time is the median over seeds of each one's best
    among the queries finished by the budget (30 s: 5, 4 and 6; the query still training at
    the limit, 8 at 45 s, 9 at 35 s, 7 at 31 s, does not count), and queries@time how many
    each finished (3, 1, 2)."""
    from nasperf.search.study import format_summary

    hist = _time_limited_histories()
    table = pd.Series(np.arange(11.0), index=[f"a{i}" for i in range(11)])  # optimum 10
    s = summarize_search(
        hist,
        table_values=table,
        targets={"optimum": None},
        checkpoints=(2, 4),
        baselines=("random_search",),
    )
    row = s.set_index("method").loc["rs"]
    per_seed = [h.loc[h["sim_time_s"] <= 30.0, "best_value"].max() for _, h in hist.groupby("seed")]
    assert per_seed == [5.0, 4.0, 6.0]
    assert row["time budget"] == 30.0 and row["best@time"] == np.median(per_seed) == 5.0
    assert (row["queries@time median"], row["queries@time min"], row["queries@time max"]) == (
        2.0,
        1.0,
        3.0,
    )
    assert (row["queries"], row["queries min"]) == (4, 2)
    assert row["best@2"] == np.median([5.0, 9.0, 6.0])  # every seed paid for 2 queries
    assert np.isnan(row["best@4"])  # seeds 1 and 2 stopped before 4
    assert s.attrs["notes"] == [
        "best@4 is blank for rs (2 of 3 seeds stopped after 2–3 queries, at the time budget): "
        "a median over seeds needs every seed's best after 4 queries; best@time is the best "
        "at the time budget",
        "best@time: the median over seeds of the best value found within the time budget "
        "(30 s of simulated time), the anytime performance a regret-vs-time curve reads there "
        "(a query still training at the limit does not count); queries@time: the queries "
        "each seed finished by then",
    ]
    text = format_summary(s)
    assert text.splitlines()[0].endswith(
        "| best@2 | best@4 | best@time | queries@time: median [min–max] |"
    )
    # no seed found the optimum: the seeds made 2 to 4 queries (the longest's 4 had read as all)
    assert "| rs | 0/3 | not found in 2–4 queries | - |" in text
    assert text.splitlines()[2].endswith("| 6.00 | - | 5.00 | 2 [1–3] |")
    # the time budget given, or the column's, is the same figure; a method without one has none
    given = summarize_search(hist.drop(columns="time_budget"), checkpoints=(), time_budget=30)
    assert given.loc[0, "best@time"] == 5.0
    assert "best@time" not in summarize_search(hist.drop(columns="time_budget")).columns
    with pytest.raises(ValueError, match="time_budget must be positive seconds, got -1"):
        summarize_search(hist, time_budget=-1)
    with pytest.raises(TypeError, match="time_budget must be seconds"):
        summarize_search(hist, time_budget="30")
    mixed = hist.copy()
    mixed.loc[mixed["seed"] == 2, "time_budget"] = 60.0
    with pytest.raises(
        ValueError, match=r"the searches of 'rs' had different time budgets \(30, 60\)"
    ):
        summarize_search(mixed)


def test_best_at_time_without_a_result_by_the_budget_is_no_value():
    """Seeds whose first query finished after the time budget had no result then: the median
    over them is -inf, printed '-' and written as an empty cell."""
    from nasperf.search.study import format_summary

    late = pd.concat([_limited("late", s, [40.0 + s], [3.0]) for s in range(2)])
    s = summarize_search(late, checkpoints=())
    assert s.loc[0, "best@time"] == -np.inf and s.loc[0, "queries@time max"] == 0
    assert format_summary(s).splitlines()[2] == "| late | - | 0 |"


def test_cli_time_budget_reports_best_at_time_per_seed(tmp_path, capsys):
    """`nasperf search --time-budget`: best@BUDGET had been blank for every search the time
    budget stopped; best@time is the median of each seed's best within the budget, as the
    stored histories hold it, in the printed table and in summary.csv."""
    out = tmp_path / "s"
    argv = ["search", "--methods", "rs", "--seeds", "3", "--budget", "50"]
    argv += ["--time-budget", "20000", "--out", str(out), "--no-progress"]
    assert cli_main(argv) == 0
    printed = capsys.readouterr().out
    h = read_search_study(out)
    assert h["time_budget"].unique().tolist() == [20000.0]
    per_seed = [g.loc[g["sim_time_s"] <= 20000, "best_value"].max() for _, g in h.groupby("seed")]
    made = [int(g.loc[g["sim_time_s"] <= 20000, "query"].max()) for _, g in h.groupby("seed")]
    assert max(h.groupby("seed")["query"].max()) < 50  # the time budget stopped every seed
    csv = pd.read_csv(out / "summary.csv").set_index("method")
    assert csv.loc["random_search", "best@time"] == pytest.approx(np.median(per_seed), abs=1e-9)
    assert np.isnan(csv.loc["random_search", "best@50"])
    assert csv.loc["random_search", "queries@time min"] == min(made)
    (line,) = [r for r in printed.splitlines() if r.startswith("| random_search |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[-3:-1] == ["-", f"{np.median(per_seed):.2f}"]
    assert "note: best@50 is blank for random_search (3 of 3 seeds stopped after" in printed


@pytest.mark.parametrize(
    "first, last", [(1900.0, 57000.0), (2000.0, 9000.0), (10.0, 2000.0), (30.0, 9e4), (1.0, 1e7)]
)
def test_regret_plot_axes_label_major_ticks_only_and_never_overlap(first, last, monkeypatch):
    """regret.png's time axis over 1.5 decades had labelled its minor ticks, 3×10³4×10³...
    running into each other: whatever the span, only major ticks are labelled, at least two
    per axis, and no two labels overlap."""
    import matplotlib.figure

    from nasperf.search.study import plot_regret

    figures = []
    monkeypatch.setattr(
        matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: figures.append(fig)
    )
    times = np.geomspace(first, last, 27).tolist()
    hist = pd.concat([_timed("rs", s, times, list(range(27))) for s in range(2)])
    plot_regret(hist, "unused.png")
    (fig,) = figures
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        lo, hi = sorted(ax.get_xlim())
        shown = [
            t.label1
            for t in ax.xaxis.get_major_ticks()
            if lo <= t.get_loc() <= hi and t.label1.get_text()
        ]
        assert len(shown) >= 2, [t.get_text() for t in shown]
        boxes = sorted((t.get_window_extent(renderer) for t in shown), key=lambda b: b.x0)
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False)), [
            t.get_text() for t in shown
        ]
        minor = ax.xaxis.get_minorticklocs()
        assert len(minor) and set(ax.xaxis.get_minor_formatter().format_ticks(minor)) == {""}


# --------------------------------------------------------------------------- report input
def _ordered_histories() -> pd.DataFrame:
    """Three seeds of two methods, in each search's own order, with free repeats (marked)
    and the ``step`` column :func:`read_search_study` gives: "fast" first reaches 9 at
    queries 2, 4 and 3 (times 20, 40, 30 s), "slow" at 5 and never."""
    frames = []
    for label, seed, values in [
        ("fast", 0, [1, 9, 2, 3, 4]),
        ("fast", 1, [1, 2, 3, 9, 4]),
        ("fast", 2, [1, 2, 9, 3, 4]),
        ("slow", 0, [1, 2, 3, 4, 9]),
        ("slow", 1, [1, 2, 3, 4, 5]),
    ]:
        h = _history(label, seed, values)
        # a free repeat of query 1 after query 1 (its value, no time): query stays 1
        h = pd.concat([h.iloc[[0]], h.iloc[[0]], h.iloc[1:]], ignore_index=True)
        h["repeat"] = [False, True] + [False] * (len(h) - 2)
        h["step"] = np.arange(1, len(h) + 1)
        h["dataset"] = "cifar10"
        frames.append(h)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("keep", ["step", "no step"])
@pytest.mark.parametrize(
    "reorder",
    [
        lambda h: h.sort_values("seed"),  # not stable: it had moved seed 0's query 15 to 25
        lambda h: h.sample(frac=1.0, random_state=3),
        lambda h: h.iloc[::-1],
    ],
    ids=["sort_values(seed)", "shuffled", "reversed"],
)
def test_report_reads_each_search_in_its_own_order_whatever_the_rows_order(reorder, keep):
    """Queries to a target are read from each search's ``step`` (else ``query`` then
    ``sim_time_s``), never from the row order: re-ordered rows had given seed 0 of a real
    study 25 queries to the top 5 % instead of 15, and the regret plot disagreed."""
    from nasperf.search.study import distinct_searches, regret_curves

    hist = _ordered_histories()
    if keep == "no step":
        hist = hist.drop(columns="step")
    moved = reorder(hist)
    assert not moved["query"].is_monotonic_increasing  # the rows are out of order
    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])  # optimum 9
    q = queries_to_target(moved, 9.0)
    assert q["label"].tolist() == ["fast"] * 3 + ["slow"] * 2
    assert q["queries"].tolist() == [2.0, 4.0, 3.0, 5.0, np.inf]
    s = summarize_search(
        moved, table_values=table, targets={"optimum": None}, checkpoints=(3,)
    ).set_index("method")
    assert s.loc["fast", "optimum: queries median"] == 3.0
    assert s.loc["fast", "optimum: time median (s)"] == 30.0
    assert s.loc["slow", "optimum: queries median"] == np.inf  # 1 of 2 seeds: no median
    assert s.loc["slow", "optimum: found"] == "1/2"
    assert s.loc["fast", "optimum: speedup vs random_search"] == f"{5.0 / 3.0:.1f}"
    assert s.loc["fast", "best@3"] == 9.0 and s.loc["slow", "best@3"] == 3.0
    # the same figures as the rows in order (the methods in the order they first appear)
    pd.testing.assert_frame_equal(
        s,
        summarize_search(hist, table_values=table, targets={"optimum": None}, checkpoints=(3,))
        .set_index("method")
        .loc[s.index],
    )
    (row,) = compare_searches(moved[moved["label"] == "fast"], hist, 9.0).to_dict("records")
    assert (row["a median"], row["same"], row["p"]) == (3.0, 3, 1.0)
    # each seed's queried architectures in the search's order: three distinct searches
    seeds = [h for _, h in moved[moved["label"] == "fast"].groupby("seed")]
    assert distinct_searches(seeds) == 3
    assert distinct_searches([h.iloc[::-1] for h in seeds[:1]] * 2) == 1
    assert regret_curves(moved)["fast"]["by_query"].tolist() == [
        [8.0, 0.0, 0.0, 0.0, 0.0],
        [8.0, 7.0, 6.0, 0.0, 0.0],
        [8.0, 7.0, 0.0, 0.0, 0.0],
    ]


def test_a_real_studys_queries_to_target_do_not_move_when_its_rows_are_sorted(tmp_path):
    """A study's histories, sorted by seed (an unstable sort) or shuffled: the same queries
    to the table's top 5 % as its ``query`` column says, seed by seed."""
    from nasperf.search.objective import get_objective

    hist = run_search_study(search_trials(["rs", "re"], seeds=[0, 1], budget=20), tmp_path)
    thr = float(get_objective("nb201", "cifar10").table_values().quantile(0.95))
    truth = [
        float(h.loc[h["best_value"] >= thr - 1e-9, "query"].min())
        for _, h in hist.groupby(["label", "seed"], sort=True)
    ]
    for moved in (hist.sort_values("seed"), hist.sample(frac=1.0, random_state=0)):
        got = queries_to_target(moved, thr)["queries"].tolist()
        assert got == [np.inf if np.isnan(t) else t for t in truth]


def test_report_refuses_searches_of_two_datasets_scored_against_one_table(tmp_path):
    """Histories of cifar10 and cifar100 (pd.concat of two folders, or compare_searches of
    two runs) had been scored against one table's thresholds without a word (0/2 found
    instead of 2/2; seeds paired across datasets)."""
    from nasperf.search.study import regret_curves, write_report

    c10 = _ordered_histories()
    c100 = c10.assign(dataset="cifar100", label=c10["label"] + " [dataset=cifar100]")
    both = pd.concat([c10, c100], ignore_index=True)
    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])
    said = (
        r"^histories hold searches of 2 datasets \(cifar10, cifar100\), scored against one "
        r"table_values: report one dataset at a time, e.g. "
        r"histories\[histories\['dataset'\] == 'cifar10'\]"
    )
    with pytest.raises(ValueError, match=said):
        summarize_search(both, table_values=table, targets={"optimum": None})
    with pytest.raises(ValueError, match=r"^histories hold searches of 2 datasets .* threshold"):
        queries_to_target(both, 9.0)
    with pytest.raises(ValueError, match=r"^histories_b hold searches of 2 datasets"):
        compare_searches(c10, both, 9.0)
    with pytest.raises(
        ValueError,
        match=r"^histories_a are of dataset cifar10, histories_b of cifar100: compare_searches "
        r"pairs two runs of the same searches",
    ):
        compare_searches(c10, c100, 9.0)
    with pytest.raises(ValueError, match=r"^histories are of dataset cifar10, the report is"):
        write_report(c10, tmp_path, benchmark="nb201", dataset="cifar100")
    assert not (tmp_path / "summary.csv").exists()
    # one label's seeds of two datasets: refused even without a table
    mixed = pd.concat([c10[c10["seed"] == 0], c100[c100["seed"] == 1].assign(label="fast")])
    with pytest.raises(
        ValueError, match=r"^histories: the searches of 'fast' are of 2 datasets \(cifar10, "
    ):
        regret_curves(mixed)
    # labelled apart, without a table: each label its own dataset, best@N per label
    s = summarize_search(both, checkpoints=(3,)).set_index("method")
    assert s["best@3"].to_dict() == {
        "fast": 9.0,
        "slow": 3.0,
        "fast [dataset=cifar100]": 9.0,
        "slow [dataset=cifar100]": 3.0,
    }


def test_two_searches_spliced_without_hash_and_step_are_refused(tmp_path):
    """A researcher's export of the core columns (no ``hash``, ``step``, ``repeat``) of two
    runs of one seed with budgets 5 and 7: the same queries, values and nearly the same
    times, spliced into one search per seed (query 1 twice; 2 seeds of 12 rows) without a
    word. Only the ``repeat`` mark tells a free repeat from a second search's query."""
    core = ["label", "seed", "query", "value", "best_value", "sim_time_s", "regret"]
    a = run_search_study(search_trials(["rs"], seeds=[0], budget=5), tmp_path / "a")
    b = run_search_study(search_trials(["rs"], seeds=[0], budget=7), tmp_path / "b")
    assert a["value"].tolist() == b["value"].iloc[:5].tolist()  # one seed, the same draws
    spliced = pd.concat([a[core], b[core]], ignore_index=True)
    said = (
        r"^histories: the rows of 'random_search' seed 0 are not one search: query 1 is given "
        r"twice, and without a 'repeat' column nothing tells a free repeat from a second "
        r"search's query\. Two searches spliced under one label and seed\? Keep each search's "
        r"'hash' and 'step' columns"
    )
    from nasperf.search.study import plot_regret

    for fn in (summarize_search, lambda h: queries_to_target(h, 90.0)):
        with pytest.raises(ValueError, match=said):
            fn(spliced)
    with pytest.raises(ValueError, match=said):
        plot_regret(spliced, tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()
    with pytest.raises(ValueError, match=r"^histories_a: the rows of 'random_search' seed 0"):
        compare_searches(spliced, b[core], 90.0)
    # with the repeat mark: paid for twice
    marked = pd.concat([a[[*core, "repeat"]], b[[*core, "repeat"]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"query 1 is paid for twice \(neither row marked"):
        summarize_search(marked)
    # one folder read twice: the same search twice (same hash, each step twice)
    with pytest.raises(
        ValueError,
        match=r"^histories hold the search of 'random_search' seed 0 \(hash \w{12}\) more than "
        r"once \(step 1 twice.*drop_duplicates\(\['hash', 'step'\]\)",
    ):
        summarize_search(pd.concat([a, a]))
    # a best value that falls: no one search
    fallen = a[core].copy()
    fallen.loc[fallen.index[2], "best_value"] = 50.0  # below query 2's best
    with pytest.raises(
        ValueError,
        match=rf"^histories: the rows of 'random_search' seed 0 are not one search: best_value "
        rf"falls from {a['best_value'].iloc[1]:g} to 50 at query 3\. Two searches spliced",
    ):
        summarize_search(fallen)
    # each on its own, and one search with its repeats marked, reads as before
    assert summarize_search(a[core], checkpoints=(5,))["queries"].tolist() == [5]
    one = a[[*core, "repeat"]]
    again = pd.concat([one, one.iloc[[2]].assign(repeat=True)], ignore_index=True)
    again.loc[again.index[-1], "sim_time_s"] = one["sim_time_s"].iloc[2]  # free: no time
    assert summarize_search(again, checkpoints=(5,))["best@5"].tolist() == [
        float(a["best_value"].iloc[-1])
    ]


def test_report_arguments_are_checked_naming_the_argument():
    """A threshold of "70" (a str) had raised deep in numpy, NaN had been taken (every search
    "never reached" it, p = 1), a DataFrame as distinct_searches' list had raised
    AttributeError on a column name, found_ci(2.7, 10) had truncated to 2."""
    from nasperf.search.study import distinct_searches

    h = _ordered_histories()
    with pytest.raises(TypeError, match=r"^threshold must be a number .*got str '70'"):
        compare_searches(h, h, "70")
    for bad in (float("nan"), np.inf):
        with pytest.raises(ValueError, match=r"^threshold must be a finite number, got"):
            compare_searches(h, h, bad)
        with pytest.raises(ValueError, match=r"^threshold must be a finite number"):
            queries_to_target(h, bad)
    with pytest.raises(TypeError, match=r"^threshold must be a number .*got bool"):
        queries_to_target(h, True)
    assert queries_to_target(h, np.float32(9.0))["queries"].tolist()[:3] == [2.0, 4.0, 3.0]
    with pytest.raises(
        TypeError,
        match=r"^histories must be a sequence of DataFrames \(one method's searches, one per "
        r"seed: \[h for _, h in df.groupby\(\"seed\"\)\]\), got DataFrame$",
    ):
        distinct_searches(h)
    with pytest.raises(TypeError, match=r"^histories\[1\] must be a DataFrame .*got str"):
        distinct_searches([h, "h"])
    with pytest.raises(ValueError, match=r"^histories\[0\] has neither an 'arch' nor a 'value'"):
        distinct_searches([h.drop(columns=["arch", "value"])])
    with pytest.raises(
        ValueError, match=r"^found must be a count \(a whole number >= 0\), got 2.7"
    ):
        found_ci(2.7, 10)
    with pytest.raises(TypeError, match=r"^seeds must be a count \(a whole number\), got str"):
        found_ci(2, "10")
    with pytest.raises(ValueError, match=r"^found must be at most seeds \(10\), got 11"):
        found_ci(11, 10)
    with pytest.raises(ValueError, match=r"^seeds must be a count .*got -1"):
        found_ci(0, -1)
    with pytest.raises(ValueError, match=r"^confidence must be strictly between 0 and 1"):
        found_ci(2, 10, confidence=95)
    assert found_ci(2.0, np.int64(10)) == found_ci(2, 10)  # whole floats and numpy counts
    assert all(np.isnan(found_ci(0, 0)))
    with pytest.raises(TypeError, match=r"^histories must be a DataFrame of search histories"):
        summarize_search(h.to_dict("records"))
    with pytest.raises(ValueError, match=r"^histories has no column 'best_value': a search"):
        summarize_search(h.drop(columns="best_value"))
    with pytest.raises(ValueError, match=r"^histories has no rows: there is no search"):
        queries_to_target(h.iloc[:0], 9.0)
    with pytest.raises(ValueError, match=r"^histories: column 'seed' has missing values in 1"):
        summarize_search(h.assign(seed=[np.nan, *h["seed"].iloc[1:]]))


def test_search_summary_text_keeps_the_half_of_a_median_of_even_seeds():
    """Medians of two seeds are x.5: 18.5 had printed as "18" and 15.5 as "16" (rounded
    to even); whole medians keep no decimal."""
    from nasperf.search.study import format_summary

    s = pd.DataFrame(
        {
            "method": ["local_search", "random_search"],
            "seeds": [2, 2],
            "distinct searches": [2, 2],
            "queries": [25, 25],
            "queries min": [25, 25],
            "T: found": ["2/2", "2/2"],
            "T: queries median": [18.5, 15.0],
            "T: queries median ci low": [np.nan, np.nan],
            "T: queries median ci high": [np.nan, np.nan],
            "T: queries q25": [14.0, 15.0],
            "T: queries q75": [23.0, 15.0],
            "T: queries max": [23.0, 15.0],
            "T: time median (s)": [76000.0, 3600.0],
        }
    )
    lines = format_summary(s).splitlines()
    assert lines[-2] == "| local_search | 2/2 | 18.5 [14–23], 23 | - | 21.1 |"
    assert lines[-1] == "| random_search | 2/2 | 15 [15–15], 15 | - | 1.0 |"
    table = pd.Series(np.arange(10.0), index=[f"a{i}" for i in range(10)])
    two = pd.concat([_history("m", 0, [1, 9] + [1] * 13), _history("m", 1, [1] * 14 + [9])])
    summary = summarize_search(two, table_values=table, targets={"T": None}, checkpoints=())
    assert summary.loc[0, "T: queries median"] == 8.5
    assert "| m | 2/2 | 8.5 [2–15], 15 | - |" in format_summary(summary)


def test_a_study_shows_the_queries_of_the_search_it_runs_itself(tmp_path, capsys, monkeypatch):
    # one bar of searches, and under it each search's bar of queries where the search runs
    # in this process (nasperf search --seeds 1 had shown 0/1 for a whole long search)
    import tqdm.auto

    closed = []
    real = tqdm.auto.tqdm

    class Spy(real):
        def close(self):
            if not self.disable:
                closed.append((self.unit, self.n, self.total, self.pos))
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    trials = search_trials(["rs"], seeds=[0, 1], budget=6)
    quiet = run_search_study(trials, tmp_path / "quiet")
    assert closed == [] and capsys.readouterr().err == ""
    shown = run_search_study(trials, tmp_path / "shown", progress=True)
    clocked = ["overhead_s", "sim_time_s", "wall_time_s", "trial_time_s"]
    pd.testing.assert_frame_equal(
        shown.drop(columns=clocked, errors="ignore"), quiet.drop(columns=clocked, errors="ignore")
    )
    # each search's bar full, on the line under the study's (tqdm's position 1, cleared
    # when it closes: leave=None), then the study's bar of searches
    assert closed == [("query", 6, 6, 1), ("query", 6, 6, 1), ("search", 2, 2, 0)]
    assert "random_search: " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("workers", "n_trials", "here"), [(1, 2, True), (2, 1, True), (2, 2, False)]
)
def test_worker_processes_show_no_bar_of_queries(tmp_path, monkeypatch, workers, n_trials, here):
    # bars of several processes overwrite one line: only a search run in this process
    # (run_claimed runs them here where one process does) gets its bar of queries
    import nasperf.evaluation.engines as engines

    seen = []

    def spy(store, todo, **kwargs):
        seen.append((kwargs["workers"], dict(kwargs["fn"].keywords)))
        return iter(())

    monkeypatch.setattr(engines, "run_claimed", spy)
    trials = search_trials(["rs"], seeds=list(range(n_trials)), budget=3)
    run_search_study(trials, tmp_path, workers=workers, progress=True)
    assert seen == [(workers, {"progress": True, "query_bar": here})]
