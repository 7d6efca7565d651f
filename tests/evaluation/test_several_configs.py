"""A results folder that two study runs with different settings wrote into: the summary,
the plots and meta.json keep the configs apart and never count a seed twice."""

from __future__ import annotations

import re
import shutil
import warnings

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
def _first_config(tmp_path_factory):
    """A folder that a --test-size 50 run wrote, built once; tests change only copies."""
    out = tmp_path_factory.mktemp("m") / "M"
    assert cli.main([*_ARGS, "--test-size", "50", "--out", str(out)]) == 0
    return out


@pytest.fixture
def one_config(_first_config, tmp_path):
    """This test's own copy of the --test-size 50 folder: each test adds the --test-size 60
    run itself, so no test sees another's runs whatever the order (meta.json's run history
    had been [0, 4, 4] when the plot test ran before the summary test)."""
    out = tmp_path / "M"
    shutil.copytree(_first_config, out)
    return out


def _add_the_second_config(out):
    """--test-size 60 into the folder of the --test-size 50 run, which it says it holds."""
    note = f"{out} also holds 4 finished trial(s) that are not part of this config"
    with pytest.warns(StudyNote, match=re.escape(note)):
        assert cli.main([*_ARGS, "--test-size", "60", "--out", str(out)]) == 0


def test_the_summary_keeps_each_config_s_seeds_apart(one_config, capsys):
    out = one_config
    _add_the_second_config(out)
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


def test_the_plot_names_each_config_s_series_and_says_so(one_config, capsys, tmp_path, monkeypatch):
    _add_the_second_config(one_config)
    capsys.readouterr()
    labels = []
    real = Axes.plot
    monkeypatch.setattr(
        Axes, "plot", lambda self, *a, **k: labels.append(k.get("label")) or real(self, *a, **k)
    )
    note = (
        f"{one_config} holds trials of several configs (they differ in test_size): "
        "each series names its test_size, never averaging the configs together"
    )
    with pytest.warns(StudyNote, match=re.escape(note)):
        assert cli.main(["plot", str(one_config), "--out", str(tmp_path / "p")]) == 0
    # kendall_tau and spearman vs train size, then the time plot: two series each
    assert labels == ["xgb [test_size=50]", "xgb [test_size=60]"] * 3


def test_meta_json_lists_every_config_in_the_folder(one_config):
    _add_the_second_config(one_config)
    meta = read_meta(one_config)
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
    assert cli.main([*_ARGS, "--test-size", "60", "--out", str(one_config)]) == 0
    assert len(read_meta(one_config)["configs"]) == 2


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


def test_a_folder_whose_data_file_changed_is_plotted_as_two_configs(tmp_path):
    """The data file's content is in the rows (``data_sha256``): two configs of one file,
    changed in place between runs, are two series named by the content's digest (the plot
    had been refused: the rows did not say what differed)."""
    from nasperf.evaluation.plots import _with_variants

    raw, frame, csv = data_file_config(tmp_path)
    first = run_study(parse_config(raw), tmp_path / "out")
    frame.assign(acc=frame["acc"][::-1].to_numpy()).to_csv(csv, index=False)
    second = run_study(parse_config(raw), tmp_path / "out")
    assert first.summary["seeds"].tolist() == second.summary["seeds"].tolist() == [2]
    table = read_results(tmp_path / "out")
    digests = sorted(table["data_sha256"].unique())
    assert len(digests) == 2 and all(len(d) == 64 for d in digests)
    assert sorted(set(_with_variants(table)["_variant"])) == [
        f"data_sha256={d[:12]}" for d in digests
    ]
    with pytest.warns(StudyNote, match="they differ in data_sha256"):
        plot_study(tmp_path / "out")
    assert (tmp_path / "out" / "plots" / "kendall_tau_vs_train_size.png").is_file()


def _two_nb201_tables(tmp_path) -> tuple[str, str]:
    """Two user tables of 100 NB201 cells each, both called ``nb201.csv`` (in ``a/`` and
    ``b/``): their paths."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    frame = pd.DataFrame({"arch": table.index, "val_acc": table["val_acc_200ep"]})
    paths = []
    for folder, part in (("a", frame.iloc[:100]), ("b", frame.iloc[100:])):
        (tmp_path / folder).mkdir()
        part.to_csv(tmp_path / folder / "nb201.csv", index=False)
        paths.append(str(tmp_path / folder / "nb201.csv"))
    return paths[0], paths[1]


def test_two_sources_of_one_name_are_refused_and_named_ones_are_one_config(tmp_path):
    """Two tables called nb201.csv in one study shared the name 'nb201': their rows had one
    dataset, and `nasperf plot` said the folder "holds trials of several configs (they
    differ in data_path)" although it held one study. One name twice is refused (as a
    predictor label twice is); named, the two are two sources of one config."""
    from nasperf.evaluation.config import ConfigError
    from nasperf.evaluation.plots import _sources

    a, b = _two_nb201_tables(tmp_path)
    raw = {"predictors": ["xgb"], "train_sizes": [10], "seeds": 1, "test_size": 20}
    same = [{"path": p, "space": "nb201", "target": "val_acc"} for p in (a, b)]
    message = (
        f"data[1].name: 'nb201' (named by its file) names data[0] too ({a}, {b}); results and "
        "plots tell the sources apart by their names: give each its own (data[i].name)"
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        parse_config({**raw, "data": same})
    given = [{**same[0], "name": "mine"}, {**same[1], "name": "mine"}]
    with pytest.raises(ConfigError, match=r"^data\[1\]\.name: 'mine' names data\[0\] too"):
        parse_config({**raw, "data": given})
    named = [{**same[0], "name": "nb201_a"}, {**same[1], "name": "nb201_b"}]
    config = parse_config({**raw, "data": named})
    assert config.name == "nb201_a-nb201_b"
    result = run_study(config, tmp_path / "o")
    assert sorted(result.table["dataset"]) == ["nb201_a", "nb201_b"]
    # two lines of the summary, one per source
    assert summarize(result.table)["dataset"].tolist() == ["nb201_a", "nb201_b"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyNote)  # no "holds trials of several configs"
        plot_study(tmp_path / "o", out=tmp_path / "p")
    assert [title for title, _ in _sources(read_results(tmp_path / "o"))] == [
        "nb201_a (nb201.csv, space nb201): val_acc",
        "nb201_b (nb201.csv, space nb201): val_acc",
    ]


def test_a_moved_folder_extended_with_a_seed_is_one_config(tmp_path):
    """A project moved or cloned elsewhere resumes its study (trials keyed by the data's
    sha256); a seed added after the move had been another config ("they differ in
    data_path": seeds 2 and 1 on two lines, two series). The rows name the data by its
    content, so the three seeds are one line; a changed data file in the same place is
    still another config, named by its content's digest."""
    import shutil

    from nasperf.evaluation.plots import _sources, _with_variants

    a, _ = _two_nb201_tables(tmp_path)
    raw = {"predictors": ["xgb"], "train_sizes": [10], "test_size": 20, "seeds": 2}
    run_study(
        {**raw, "data": {"path": a, "space": "nb201", "target": "val_acc"}}, tmp_path / "a" / "o"
    )
    shutil.copytree(tmp_path / "a", tmp_path / "moved")
    data = {"path": str(tmp_path / "moved" / "nb201.csv"), "space": "nb201", "target": "val_acc"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyNote)  # nothing of another config in the folder
        result = run_study({**raw, "seeds": 3, "data": data}, tmp_path / "moved" / "o")
    assert result.n_run == 1 and result.n_skipped == 2
    table = read_results(tmp_path / "moved" / "o")
    assert summarize(table)["seeds"].tolist() == [3]
    assert set(_with_variants(table)["_variant"]) == {""}
    assert [title for title, _ in _sources(table)] == ["nb201.csv (space nb201): val_acc"]
    # the file edited in place: its rows are another config, told apart by the digest
    frame = pd.read_csv(data["path"])
    frame.assign(val_acc=frame["val_acc"][::-1].to_numpy()).to_csv(data["path"], index=False)
    with pytest.warns(StudyNote, match="also holds 3 finished trial"):
        run_study({**raw, "data": data}, tmp_path / "moved" / "o")
    summary = summarize(read_results(tmp_path / "moved" / "o"))
    assert sorted(summary["seeds"]) == [2, 3] and summary["data_sha256"].nunique() == 2
    assert "| data_sha256 |" in format_summary(summary)


def _suite_rows(test_size: int, taus: dict[str, list[float]], **over) -> list[dict]:
    """A suite's predictor rows of one config on task ``A``: two seeds per label."""
    return [
        {"task": "A", "space": "nb201", "benchmark": "nb201", "dataset": "cifar10",
         "kind": "predictor", "label": label, "budget": None, "n_train": 10, "seed": s,
         "test_size": test_size, "kendall_tau": tau, **over}
        for label, values in taus.items()
        for s, tau in enumerate(values)
    ]  # fmt: skip


def test_suite_scores_keep_configs_apart_and_ranks_refuse_them():
    """A suite rerun with another test_size into one folder: predictor_scores had merged
    the configs (xgb's two seeds counted twice, ``seeds`` 4, the mean of both configs) and
    mean_ranks had ranked the merged means, without a word; summarize kept them apart."""
    from nasperf.evaluation.report import mean_ranks, predictor_scores, summary_markdown

    table = pd.DataFrame(
        _suite_rows(30, {"xgb": [0.1, 0.2], "rf": [0.3, 0.5]})
        + _suite_rows(40, {"xgb": [0.6, 0.8], "rf": [0.0, 0.2]})
    )
    scores = predictor_scores(table).sort_values(["label", "test_size"])
    assert scores.columns.tolist() == [
        "task",
        "label",
        "n_train",
        "test_size",
        "kendall_tau",
        "seeds",
    ]
    assert scores[["label", "test_size", "seeds"]].values.tolist() == [
        ["rf", 30, 2], ["rf", 40, 2], ["xgb", 30, 2], ["xgb", 40, 2]
    ]  # fmt: skip
    # the mean of each config's own two seeds (0.15, not 0.425 over "four seeds")
    assert scores["kendall_tau"].tolist() == pytest.approx([0.4, 0.1, 0.15, 0.7], rel=1e-12)
    # the same groups and means as summarize's
    summary = summarize(table).sort_values(["label", "test_size"])
    assert summary["kendall_tau_mean"].tolist() == pytest.approx(scores["kendall_tau"].tolist())
    said = (
        "table holds trials of several configs (they differ in test_size): a mean rank "
        "compares the methods of one config: pass one config's rows (report_rows(table, "
        "meta) keeps the latest run's, or select by test_size)"
    )
    with pytest.raises(ValueError, match=re.escape(said)):
        mean_ranks(table)
    with pytest.raises(ValueError, match="several configs .*a suite's report compares"):
        summary_markdown(table)
    one = mean_ranks(table[table["test_size"] == 40], with_proxies=False)
    assert one.set_index(["method", "n_train"]).loc[("xgb", 10), "mean_rank"] == 1.0
    # configs whose rows do not say what differs: refused, as summarize refuses them
    same = pd.DataFrame(_suite_rows(30, {"xgb": [0.1, 0.2]}) * 2)
    with pytest.raises(
        ValueError, match="^the table: seed 0 of label xgb, n_train 10, budget - is stored 2 times"
    ):
        predictor_scores(same)


def test_one_trial_read_twice_is_one_trial_and_differing_copies_name_drop_duplicates():
    """Two folders' rows that share a trial (same hash) had been refused as "trials of
    several configs ... give each config its own --out"; they are one trial."""
    from nasperf.evaluation.report import predictor_scores

    rows = pd.DataFrame(_rows() + _rows(n_train=20, kendall_tau=0.5)).assign(
        hash=["h0", "h1", "h2", "h3"], fit_time_s=[1.0, 2.0, 3.0, 4.0]
    )
    expected = summarize(rows)
    twice = pd.concat([rows, rows.iloc[::-1]])  # one folder's rows read twice
    pd.testing.assert_frame_equal(summarize(twice), expected)
    assert expected[["n_train", "seeds"]].values.tolist() == [[10, 2], [20, 2]]
    assert predictor_scores(twice.assign(kind="predictor"))["seeds"].tolist() == [2, 2]
    # another folder's copy of trial h0 that ran slower: which row to keep is the caller's
    copy = rows.iloc[:1].assign(fit_time_s=9.0)
    said = (
        "the table: trial h0 (seed 0 of label xgb, n_train 10, budget -) appears 2 times, "
        "its rows differing in fit_time_s: one trial read twice (two folders' rows "
        "concatenated?), which a mean over seeds would count twice; keep one row per trial: "
        "table.drop_duplicates('hash')"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        summarize(pd.concat([rows, copy]))
    kept = summarize(pd.concat([rows, copy]).drop_duplicates("hash"))
    pd.testing.assert_frame_equal(kept, expected)


def test_plot_study_names_the_table_passed_not_the_folder(tmp_path):
    """plot_study(folder, table=...) said "{folder} holds trials of several configs" of
    rows that came from elsewhere."""
    table = pd.DataFrame(_rows() + _rows(test_size=60, kendall_tau=0.9))
    note = (
        "the table passed (table=) holds trials of several configs (they differ in "
        "test_size): each series names its test_size"
    )
    with pytest.warns(StudyNote, match=f"^{re.escape(note)}"):
        paths = plot_study(tmp_path, table=table, out=tmp_path / "p", metrics="kendall_tau")
    assert [p.name for p in paths] == ["kendall_tau_vs_train_size.png"]
    with pytest.raises(ValueError, match=r"^table: no trials to plot \(it has no rows\)$"):
        plot_study(tmp_path, table=table.iloc[:0])
    with pytest.raises(ValueError, match=r"^table: no 'dataset' column, which plot_study reads"):
        plot_study(tmp_path, table=table.drop(columns="dataset"), metrics="kendall_tau")
