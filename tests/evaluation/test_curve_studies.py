"""Studies over epoch budgets: learning-curve predictors get LearningCurves of the budget."""

from __future__ import annotations

import pytest

from nasperf.datasets import load_benchmark
from nasperf.evaluation import make_split
from nasperf.evaluation.config import expand_trials, parse_config
from nasperf.evaluation.engines import run_trial
from nasperf.evaluation.metrics import kendall_tau


def _config(**over):
    raw = {
        "name": "lc",
        "spaces": ["nb301_surrogate"],
        "datasets": ["cifar10"],
        "predictors": ["early_stop_acc", {"name": "lcsvr", "params": {"n_iter": 3}}],
        "train_sizes": [20],
        "seeds": 1,
        "test_size": 50,
    }
    raw.update(over)
    return parse_config(raw)


def test_default_budgets_are_10_25_50_percent_of_the_target():
    trials = expand_trials(_config())
    assert [t["budget"] for t in trials if t["predictor"] == "early_stop_acc"] == [
        "10ep",
        "24ep",
        "49ep",
    ]
    assert {t["n_train"] for t in trials if t["predictor"] == "early_stop_acc"} == {0}
    nb201 = expand_trials(_config(spaces=["nb201"]))
    assert {t["budget"] for t in nb201} == {"12ep"}


def test_early_stopping_trial_equals_a_direct_computation():
    trial = next(
        t for t in expand_trials(_config(budgets=["10ep"])) if t["predictor"] == "early_stop_acc"
    )
    row = run_trial(trial)
    table = load_benchmark("nb301_surrogate", "cifar10")
    test = list(make_split(table.index, 0, test_size=50, seed=0).test)
    expected = kendall_tau(
        table.loc[test, "val_accuracy_98ep"], table.loc[test, "val_accuracy_10ep"]
    )
    assert row["kendall_tau"] == expected and row["budget"] == "10ep"
    # every test architecture trained for 10 of 98 epochs
    lc = 10 / 98 * table.loc[test, "train_time_s"].mean()
    assert row["lc_cost_per_arch_s"] == pytest.approx(lc)


def test_trained_curve_predictor_runs_in_a_study():
    trial = next(t for t in expand_trials(_config(budgets=["49ep"])) if t["predictor"] == "lcsvr")
    row = run_trial(trial)
    assert row["n_train"] == 20 and row["kendall_tau"] > 0.3


def test_packaged_learning_curve_config_varies_the_budget():
    from pathlib import Path

    from nasperf.evaluation.config import load_config

    path = Path(__file__).resolve().parents[2] / "configs" / "learning_curves.yaml"
    config = load_config(path)
    assert config.spaces == ("nb301_surrogate",) and config.target == "98ep"
    trials = expand_trials(config)
    budgets = {(t["predictor"], t["budget"]) for t in trials}
    assert budgets == {
        (p, b) for p in [q["label"] for q in config.predictors] for b in ("10ep", "24ep", "49ep")
    }
    # curve-only members run once per budget and seed; LcSVR at every train size
    assert {t["n_train"] for t in trials if t["predictor"] == "lcpfn"} == {0}
    assert {t["n_train"] for t in trials if t["predictor"] == "lcsvr"} == {20, 100}
