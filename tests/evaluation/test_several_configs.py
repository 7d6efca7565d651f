"""A results folder that two study runs with different settings wrote into: the summary,
the plots and meta.json keep the configs apart and never count a seed twice."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.axes import Axes

from nasperf import cli
from nasperf.errors import StudyNote
from nasperf.evaluation.config import parse_config
from nasperf.evaluation.plots import plot_study, plot_train_size
from nasperf.evaluation.store import read_meta, read_results
from nasperf.evaluation.study import _configs, format_summary, run_study, summarize

from ._study_helpers import data_file_config

_ARGS = ["study", "--predictors", "xgb", "--train-sizes", "10,20", "--seeds", "2"]
_ARGS += ["--workers", "1", "--no-plots", "--no-progress"]


@pytest.fixture(scope="module")
def two_configs(tmp_path_factory):
    """--test-size 50, then 60, into one --out: (folder, stderr of the second run)."""
    out = tmp_path_factory.mktemp("m") / "M"
    assert cli.main([*_ARGS, "--test-size", "50", "--out", str(out)]) == 0
    return out


def test_the_summary_keeps_each_config_s_seeds_apart(two_configs, capsys):
    out = two_configs
    note = f"{out} also holds 4 finished trial(s) that are not part of this config"
    with pytest.warns(StudyNote, match=re.escape(note)):
        assert cli.main([*_ARGS, "--test-size", "60", "--out", str(out)]) == 0
    table = read_results(out)
    assert len(table) == 8
    summary = summarize(table).sort_values(["test_size", "n_train"]).reset_index(drop=True)
    # four points of two seeds each, not two points of "four seeds" (0 and 1 twice)
    assert summary[["test_size", "n_train", "seeds"]].values.tolist() == [
        [50, 10, 2],
        [50, 20, 2],
        [60, 10, 2],
        [60, 20, 2],
    ]
    for _, r in summary.iterrows():
        rows = table[(table["test_size"] == r["test_size"]) & (table["n_train"] == r["n_train"])]
        assert sorted(rows["seed"]) == [0, 1]
        assert r["kendall_tau_mean"] == pytest.approx(rows["kendall_tau"].mean(), rel=1e-12)
    assert "| predictor | n_train | test_size | seeds | kendall_tau |" in format_summary(summary)


def test_the_plot_names_each_config_s_series_and_says_so(
    two_configs, capsys, tmp_path, monkeypatch
):
    if len(read_results(two_configs)) < 8:  # run on its own: make the second config
        assert cli.main([*_ARGS, "--test-size", "60", "--out", str(two_configs)]) == 0
    capsys.readouterr()
    labels = []
    real = Axes.plot
    monkeypatch.setattr(
        Axes, "plot", lambda self, *a, **k: labels.append(k.get("label")) or real(self, *a, **k)
    )
    note = (
        f"{two_configs} holds trials of several configs (they differ in test_size): "
        "each series names its test_size, never averaging the configs together"
    )
    with pytest.warns(StudyNote, match=re.escape(note)):
        assert cli.main(["plot", str(two_configs), "--out", str(tmp_path / "p")]) == 0
    # kendall_tau and spearman vs train size, then the time plot: two series each
    assert labels == ["xgb [test_size=50]", "xgb [test_size=60]"] * 3


def test_meta_json_lists_every_config_in_the_folder(two_configs):
    if len(read_results(two_configs)) < 8:
        assert cli.main([*_ARGS, "--test-size", "60", "--out", str(two_configs)]) == 0
    meta = read_meta(two_configs)
    # the latest run's config on top, as before; every config in "configs"
    assert (meta["config"]["test_size"], meta["n_trials"], meta["status"]) == (60, 4, "complete")
    assert meta["trials_in_folder"] == 8
    assert [(c["config"]["test_size"], c["n_trials"], c["status"]) for c in meta["configs"]] == [
        (50, 4, "complete"),
        (60, 4, "complete"),
    ]
    assert len({c["config_digest"] for c in meta["configs"]}) == 2
    assert [r["trials_of_other_configs"] for r in meta["runs"]] == [0, 4]
    # the same command again: the same two configs, not a third entry
    assert cli.main([*_ARGS, "--test-size", "60", "--out", str(two_configs)]) == 0
    assert len(read_meta(two_configs)["configs"]) == 2


def test_a_meta_json_without_configs_keeps_its_config():
    old = {"study": "a", "config_digest": "d1", "config": {"test_size": 50}, "n_trials": 4,
           "status": "complete"}  # fmt: skip
    now = {**old, "config_digest": "d2", "config": {"test_size": 60}, "status": "running"}
    assert _configs(old, now) == [old, now]
    assert _configs({"configs": [old, now]}, {**now, "status": "complete"})[1]["status"] == (
        "complete"
    )


def _rows(**over) -> list[dict]:
    base = {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": "xgb",
            "budget": None, "n_train": 10, "test_size": 50}  # fmt: skip
    return [{**base, "seed": s, "kendall_tau": 0.1 * (s + 1), **over} for s in (0, 1)]


def test_summary_and_plot_refuse_a_seed_that_unrecorded_settings_would_count_twice(tmp_path):
    table = pd.DataFrame(_rows() + _rows(kendall_tau=0.9))  # same settings the rows show
    said = (
        "seed 0 of label xgb, n_train 10, budget - is stored 2 times: trials of several "
        "configs whose rows do not say what differs"
    )
    with pytest.raises(ValueError, match=re.escape(f"the table: {said}")):
        summarize(table)
    with pytest.raises(ValueError, match=re.escape(said)):
        plot_train_size(table, tmp_path / "t.png")
    assert not (tmp_path / "t.png").exists()
    # a setting the rows record keeps them apart
    apart = summarize(pd.DataFrame(_rows() + _rows(test_size=60, kendall_tau=0.9)))
    assert apart[["test_size", "seeds", "kendall_tau_mean"]].values.tolist() == [
        [50, 2, pytest.approx(0.15)],
        [60, 2, pytest.approx(0.9)],
    ]


def test_plot_refuses_a_folder_whose_data_file_changed_naming_it(tmp_path):
    """The data file's content is not in the rows: two configs of one file look alike."""
    raw, frame, csv = data_file_config(tmp_path)
    first = run_study(parse_config(raw), tmp_path / "out")
    frame.assign(acc=frame["acc"][::-1].to_numpy()).to_csv(csv, index=False)
    second = run_study(parse_config(raw), tmp_path / "out")
    assert first.summary["seeds"].tolist() == second.summary["seeds"].tolist() == [2]
    with pytest.raises(
        ValueError,
        match=re.escape(f"{tmp_path / 'out' / 'results.sqlite'}: seed 0 of label xgb, n_train 10"),
    ):
        plot_study(tmp_path / "out")
    assert not (tmp_path / "out" / "plots").exists()
