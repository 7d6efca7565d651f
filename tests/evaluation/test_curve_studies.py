"""Studies over epoch budgets: learning-curve predictors get LearningCurves of the budget."""

from __future__ import annotations

import pytest

from nasperf.datasets import load_benchmark
from nasperf.evaluation import make_split
from nasperf.evaluation.config import ConfigError, expand_trials, parse_config
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


# --------------------------------------------------------------------------- budget spellings
def test_an_epoch_count_budget_runs_as_the_benchmarks_fidelity(tmp_path):
    # budgets: [12] passed the config as "12" and every trial failed "cifar10 has no budget
    # '12'; available: ['12ep']" (0 rows); the config holds the fidelity's name instead
    from nasperf.evaluation.study import run_study

    raw = {
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "predictors": ["early_stop_acc"],
        "train_sizes": [10],
        "seeds": 1,
        "test_size": 20,
    }
    named = expand_trials(parse_config({**raw, "budgets": ["12ep"]}))
    for spelling in ([12], ["12"], ["val_acc_12ep"], [" 12EP "], [12, "12ep"]):
        trials = expand_trials(parse_config({**raw, "budgets": spelling}))
        assert [(t["budget"], t["hash"]) for t in trials] == [("12ep", named[0]["hash"])]
    result = run_study({**raw, "budgets": [12]}, tmp_path / "out", progress=False)
    assert (result.n_trials, result.n_run, result.errors) == (1, 1, [])
    row = result.table.iloc[0]
    table = load_benchmark("nb201", "cifar10")
    test = list(make_split(table.index, 0, test_size=20, seed=0).test)
    # early stopping ranks by the 12-epoch accuracy itself
    assert row["budget"] == "12ep"
    assert row["kendall_tau"] == kendall_tau(
        table.loc[test, "val_acc_200ep"], table.loc[test, "val_acc_12ep"]
    )
    # nb301_surrogate: 10 is its 10ep, the trials of budgets: [10ep] (same hashes)
    assert [t["hash"] for t in expand_trials(_config(budgets=[10]))] == [
        t["hash"] for t in expand_trials(_config(budgets=["10ep"]))
    ]
    assert {t["budget"] for t in expand_trials(_config(budgets=[10, "10ep"]))} == {"10ep"}


def test_a_budget_naming_no_cheaper_fidelity_is_refused_with_the_available_ones():
    with pytest.raises(ConfigError) as err:
        _config(spaces=["nb201"], budgets=[13])
    assert str(err.value) == (
        "budgets: benchmark 'nb201' has no budget 13 below the target '200ep'; available: ['12ep']"
    )
    with pytest.raises(ConfigError, match=r"^budgets: budget 200 is not cheaper than the target"):
        _config(spaces=["nb201"], budgets=[200])


def _curve_table(tmp_path, fidelities: dict, **over) -> dict:
    """A user's table of 100 NB201 cells (target: 200-epoch accuracy; acc12: 12-epoch
    accuracy, acc_half: the mean of the two) studied with early_stop_acc."""
    import pandas as pd

    table = load_benchmark("nb201", "cifar10").head(100)
    csv = tmp_path / "curves.csv"
    pd.DataFrame(
        {
            "arch": table.index,
            "acc": table["val_acc_200ep"],
            "acc12": table["val_acc_12ep"],
            "acc_half": (table["val_acc_12ep"] + table["val_acc_200ep"]) / 2,
        }
    ).to_csv(csv, index=False)
    data = {"path": str(csv), "space": "nb201", "target": "acc", "fidelities": fidelities}
    raw = {"data": data, "predictors": ["early_stop_acc"], "train_sizes": [10], "seeds": 1}
    return {**raw, "test_size": 20, **over}


def test_a_user_tables_default_budget_is_its_cheapest_fidelity(tmp_path):
    # it was the alphabetically first name: 100ep before 25ep, the most expensive one
    fids = {"25ep": ["acc12"], "100ep": ["acc12", "acc_half"]}
    trials = expand_trials(parse_config(_curve_table(tmp_path, fids)))
    assert [t["budget"] for t in trials] == ["25ep"]
    # names that read as epochs: by the number, whatever their order or spelling
    fids = {"100_epochs": ["acc12", "acc_half"], "25": ["acc12"]}
    assert [t["budget"] for t in expand_trials(parse_config(_curve_table(tmp_path, fids)))] == [
        "25"
    ]
    # names without epochs: the order written (alphabetical would pick "long")
    fids = {"short": ["acc12"], "long": ["acc12", "acc_half"]}
    row = run_trial(expand_trials(parse_config(_curve_table(tmp_path, fids)))[0])
    table = load_benchmark("nb201", "cifar10").head(100)
    test = list(make_split(table.index, 0, test_size=20, seed=0).test)
    assert row["budget"] == "short"
    assert row["kendall_tau"] == kendall_tau(
        table.loc[test, "val_acc_200ep"], table.loc[test, "val_acc_12ep"]
    )


def test_a_user_tables_budget_is_named_by_its_epochs(tmp_path):
    fids = {"25ep": ["acc12"], "100ep": ["acc12", "acc_half"]}
    config = parse_config(_curve_table(tmp_path, fids, budgets=[100, "25EP", "100ep"]))
    assert config.budgets == ("100ep", "25ep")
    assert [t["budget"] for t in expand_trials(config)] == ["100ep", "25ep"]
    with pytest.raises(ConfigError) as err:
        parse_config(_curve_table(tmp_path, fids, budgets=[50]))
    assert str(err.value) == (
        "budgets: data[0] (curves) has no budget 50; available: ['25ep', '100ep']"
    )
