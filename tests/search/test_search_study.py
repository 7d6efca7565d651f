"""Search studies: trials, resumable parallel runs, the report and the command line."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import nasperf.search as S
from nasperf.cli import main as cli_main
from nasperf.registry import UnknownNameError
from nasperf.search.study import (
    random_search_queries,
    read_search_study,
    run_search_study,
    search_trials,
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
            "fidelity": "200ep",
            "value": values,
            "sim_time_s": 10.0 * np.arange(1, len(values) + 1),
            "best_value": best,
            "regret": 9.0 - best,
        }
    )


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
