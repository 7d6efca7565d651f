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


def test_a_curve_metric_the_source_does_not_record_is_refused_when_the_study_is_configured(
    tmp_path,
):
    # the trials had failed one by one ("the learning curves have no 'val_loss' (they have
    # val_accuracy)"); a user's minimised table had read as val_accuracy without a word
    import pandas as pd

    from nasperf.evaluation.config import ConfigError, skipped_predictors

    with pytest.raises(ConfigError, match=r"'sovl' needs val_loss curves \(nb201/cifar10 "):
        expand_trials(_config(spaces=["nb201"], predictors=["sovl"]))
    with pytest.raises(ConfigError, match=r"train_loss curves .*49ep: val_accuracy, val_loss\) "):
        expand_trials(_config(predictors=["sotl"]))
    # sovl and early_stop_loss read the surrogate's validation losses
    assert len(expand_trials(_config(predictors=["sovl", "early_stop_loss"]))) == 6

    table = load_benchmark("nb201", "cifar10").head(100)
    csv = tmp_path / "losses.csv"
    pd.DataFrame(
        {
            "arch": table.index,
            "val_loss": 100 - table["val_acc_200ep"],
            "l12": table["val_acc_12ep"],
        }
    ).to_csv(csv, index=False)
    data = {"path": str(csv), "space": "nb201", "target": "val_loss", "maximize": False}
    data["fidelities"] = {"12ep": ["l12"]}
    raw = {"predictors": ["early_stop_acc", "early_stop_loss"], "train_sizes": [20], "seeds": 1}
    with pytest.raises(ConfigError, match=r"one curve, read as val_accuracy.*minus the columns"):
        expand_trials(parse_config({**raw, "data": data}))
    raw["predictors"] = ["early_stop_acc", {"name": "early_stop_loss", "optional": True}]
    config = parse_config({**raw, "data": data})
    assert {t["predictor"] for t in expand_trials(config)} == {"early_stop_acc"}
    assert skipped_predictors(config) == [
        "early_stop_loss skipped on losses: needs val_loss curves (the fidelity columns of "
        "losses reach learning-curve predictors as one curve, read as val_accuracy: higher is "
        "better, in the table's own units, minus the columns since maximize is false; "
        "early_stop_acc reads it as it is)"
    ]
