"""Study defaults fit the data they are given: optional predictors skipped by their
requirements, sizes shrunk to a small table, names from the data, time columns that say
what they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import load_benchmark
from nasperf.evaluation.config import (
    ConfigError,
    default_config,
    expand_trials,
    parse_config,
    skipped_predictors,
)
from nasperf.evaluation.plots import _time_axis, _title
from nasperf.evaluation.study import fit_sizes_to_data, format_summary, main, summarize


@pytest.fixture(scope="module")
def my_archs(tmp_path_factory):
    """150 NB201 cells with a target and training seconds, as a user's CSV."""
    table = load_benchmark("nb201", "cifar10").sample(150, random_state=0)
    path = tmp_path_factory.mktemp("data") / "my_archs.csv"
    pd.DataFrame(
        {"arch": table.index, "val_acc": table["val_acc_200ep"], "secs": table["train_time_s"]}
    ).to_csv(path, index=False)
    return path


def _on_data(path, **data) -> dict:
    raw = default_config()
    del raw["spaces"], raw["datasets"]
    raw["data"] = {"path": str(path), "space": "nb201", "target": "val_acc", **data}
    return raw


def test_default_predictors_a_table_cannot_serve_are_skipped_with_a_note(my_archs):
    config = parse_config(_on_data(my_archs))
    assert [p["label"] for p in config.predictors] == ["xgb", "lgb", "omni", "zc_proxy"]
    # omni uses learning curves and zero-cost scores when they exist and needs neither, so
    # it runs on the bare table; zc_proxy's synflow is data-free: it builds the space's
    # networks for its own task and reads no images (it had been skipped as "needs images")
    assert skipped_predictors(config) == []
    assert {t["label"] for t in expand_trials(config)} == {"xgb", "lgb", "omni", "zc_proxy"}
    # a proxy that reads images needs a dataset nasperf has images of
    nwot = {**_on_data(my_archs), "predictors": [{"name": "zc_proxy", "params": {"proxy": "nwot"}}]}
    with pytest.raises(
        ConfigError,
        match=r"^predictors: 'zc_proxy' needs images \(dataset 'my_archs' is not one nasperf has "
        r"images of; set images, or name your data's dataset",
    ):
        expand_trials(parse_config(nwot))
    # naming the data's dataset brings its images and packaged proxy table: nothing missing
    config = parse_config(_on_data(my_archs, dataset="cifar10"))
    assert skipped_predictors(config) == []
    trials = expand_trials(config)
    assert {t["label"] for t in trials} == {"xgb", "lgb", "omni", "zc_proxy"}
    assert {t["dataset"] for t in trials} == {"my_archs"}  # named for the file, not cifar10


def test_a_named_predictor_the_data_cannot_serve_is_one_error_naming_what_to_drop(my_archs):
    raw = _on_data(my_archs)
    raw["predictors"] = ["lce", "xgb"]
    with pytest.raises(ConfigError) as err:
        expand_trials(parse_config(raw))
    msg = str(err.value)
    assert msg.startswith("predictors: 'lce' needs learning curves (my_archs has no fidelity")
    assert msg.endswith("Drop lce from predictors (these can run: xgb)")
    raw["predictors"] = ["lce"]
    with pytest.raises(ConfigError, match=r"Drop lce from predictors$"):
        expand_trials(parse_config(raw))
    # on the packaged benchmark nothing is missing
    assert expand_trials(parse_config({"predictors": ["lce"], "seeds": 1, "train_sizes": [10]}))


def test_default_sizes_shrink_to_a_small_table_and_given_ones_are_refused(my_archs):
    config = parse_config(_on_data(my_archs))
    fitted, (note,) = fit_sizes_to_data(config)
    # 150 rows: a quarter for the test set, the training sizes that still fit
    assert (fitted.test_size, fitted.train_sizes) == (37, (10, 20, 50, 100))
    assert note.startswith("test_size 200 -> 37; train sizes 10, 20, 50, 100, 200, 500, 1000")
    assert "150 architectures with a finite 'val_acc'" in note
    # the user's sizes stay; the test size takes what the largest leaves
    given = parse_config({**_on_data(my_archs), "train_sizes": [10, 100]})
    fitted, _ = fit_sizes_to_data(given, train_sizes=False)
    assert (fitted.test_size, fitted.train_sizes) == (50, (10, 100))
    too_big = parse_config({**_on_data(my_archs), "train_sizes": [10, 200]})
    with pytest.raises(ConfigError, match=r"150 architectures with a finite 'val_acc' are too few"):
        fit_sizes_to_data(too_big, train_sizes=False)
    # nothing to adapt on the packaged benchmark: the config comes back as it was
    bench = parse_config(default_config())
    assert fit_sizes_to_data(bench) == (bench, [])


def test_a_missing_column_is_reported_before_any_size(my_archs):
    raw = _on_data(my_archs)
    raw["data"]["target"] = "valacc"
    with pytest.raises(
        ConfigError, match=r"no target column 'valacc' \(data.target, --data-target\)"
    ):
        fit_sizes_to_data(parse_config(raw))


def test_a_study_is_named_for_its_data(tmp_path, my_archs):
    assert parse_config(default_config()).name == "nb201-cifar10"
    assert parse_config({**default_config(), "datasets": ["cifar10", "cifar100"]}).name == (
        "nb201-cifar10-nb201-cifar100"
    )
    assert parse_config(_on_data(my_archs)).name == "my_archs"
    odd = tmp_path / "my archs (v2).csv"
    odd.write_bytes(my_archs.read_bytes())
    assert parse_config(_on_data(odd)).name == "my_archs_v2"
    assert parse_config({**_on_data(my_archs), "name": "mine"}).name == "mine"


def test_the_readme_own_data_command_runs_as_written(tmp_path, my_archs, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["--data", str(my_archs), "--space", "nb201", "--data-target", "val_acc"]
    assert main([*argv, "--seeds", "1", "--workers", "1", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err.count("run_study.py: note: ") == 1  # the sizes (zc_proxy's synflow runs)
    assert "| predictor | n_train | seeds | kendall_tau" in out and "fit + query (s) |" in out
    assert "+ training (s)" not in out  # the table has no training times
    (folder,) = (tmp_path / "studies").iterdir()
    assert folder.name.startswith("my_archs-")
    assert sorted(p.name for p in (folder / "plots").iterdir()) == [
        "kendall_tau_vs_time.png",
        "kendall_tau_vs_train_size.png",
        "spearman_vs_train_size.png",
    ]


def test_a_config_file_s_data_fits_the_sizes_it_does_not_set(tmp_path, my_archs, capsys):
    """A config file with ``data:`` on a small table and no sizes had been refused ("train
    size 1000 + test_size 200 = 1200 exceeds the 150 architectures") where --data fitted
    them; sizes the file sets are its own, kept or refused with the numbers."""
    config = tmp_path / "study.yaml"
    config.write_text(f"data: {{path: '{my_archs}', space: nb201, target: val_acc}}\n")
    argv = ["--config", str(config), "--predictors", "xgb", "--seeds", "1", "--dry-run"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "note: test_size 200 -> 37; train sizes 10, 20, 50, 100, 200, 500, 1000 -> " in err
    assert out.splitlines()[-1].startswith("4 trials -> ")
    config.write_text(config.read_text() + "train_sizes: [10, 100]\n")
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "note: test_size 200 -> 50 to fit the 150 architectures" in err
    assert out.splitlines()[-1].startswith("2 trials -> ")
    config.write_text(config.read_text() + "test_size: 100\n")  # both its own: refused
    assert main(argv) == 2
    assert "train size 100 + test_size 100 = 200 exceeds the 150" in capsys.readouterr().err


def _rows(total: list[float]) -> pd.DataFrame:
    n = len(total)
    return pd.DataFrame(
        {
            "space": "nb201",
            "dataset": "mine",
            "label": "xgb",
            "budget": None,
            "n_train": [10 * (i + 1) for i in range(n)],
            "seed": 0,
            "kendall_tau": np.linspace(0.1, 0.5, n),
            "fit_time_s": [0.5] * n,
            "predict_time_s": [0.25] * n,
            "total_time_s": total,
            "target": "val_acc",
            "data_path": "/somewhere/my_archs.csv",
        }
    )


def test_time_columns_and_the_time_axis_say_what_they_are():
    unknown = _rows([np.nan, np.nan])
    summary = summarize(unknown)
    assert summary["compute_time_s"].tolist() == [0.75, 0.75]
    text = format_summary(summary)
    assert "| fit + query (s) |" in text and "+ training" not in text
    assert "fit + query: seconds to fit the predictor and predict the test set (wall-clock" in text
    t, label = _time_axis(unknown)
    assert t.tolist() == [0.75, 0.75]
    assert label == (
        "predictor's own fit + query time only (s)\n"
        "no training time: the data has no training times"
    )
    known = _rows([1000.75, 2000.75])
    text = format_summary(summarize(known))
    assert "| fit + query (s) | + training (s) |" in text and "| 0.75 | 1e+03 |" in text
    t, label = _time_axis(known)
    assert t.tolist() == [1000.75, 2000.75] and label.startswith("simulated training + fit")
    # named otherwise than its file: the name, then the file
    assert _title("nb201", "mine", known) == "mine (my_archs.csv, space nb201): val_acc"
    assert _title("nb201", "my_archs", known) == "my_archs.csv (space nb201): val_acc"
    bench = known.assign(data_path=None, dataset="cifar10", target="val_acc_200ep")
    assert _title("nb201", "cifar10", bench) == "nb201 cifar10: val_acc_200ep"


def test_a_row_says_where_the_zero_cost_features_came_from(my_archs, tmp_path):
    """OMNI on a table without proxies computes synflow, params and flops itself: its row
    says so (every row had read zero_cost False, as if it used none); xgb's says none."""
    from nasperf.evaluation import run_study

    raw = _on_data(my_archs)
    raw.update(predictors=["omni", "xgb"], train_sizes=[10], seeds=[0], test_size=20)
    rows = run_study(parse_config(raw), tmp_path / "out").table.set_index("label")
    assert rows.loc["omni", "zero_cost_source"] == "computed"
    assert not bool(rows.loc["omni", "zero_cost"])  # no table was passed to it
    assert rows.loc["xgb", "zero_cost_source"] is None
