"""Study inputs a user gets wrong: refused before any work, by name."""

from __future__ import annotations

import pandas as pd
import pytest

from nasperf import cli
from nasperf.evaluation.config import ConfigError, parse_config
from nasperf.evaluation.plots import plot_study

from ._study_helpers import tiny_config


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        (100_000_000, r"^seeds: 100,000,000 seeds; a study takes at most 10,000"),
        ([0, 2**32], r"^seeds\[1\]: 4294967296 is above 4294967295 \(2\*\*32 - 1\)"),
    ],
)
def test_seeds_beyond_what_can_run_are_refused_at_once(seeds, message):
    # 1e8 seeds took 5 GB before a MemoryError; a seed of 2**32 failed every trial it had
    with pytest.raises(ConfigError, match=message):
        parse_config(tiny_config(seeds=seeds))
    assert parse_config(tiny_config(seeds=[0, 2**32 - 1])).seeds == (0, 2**32 - 1)


@pytest.mark.parametrize(
    "flags",
    [
        ["--space", "nb101"],
        ["--data-target", "acc"],
        ["--arch-column", "spec"],
        ["--cost-column", "secs"],
        ["--data-dataset", "cifar10"],
        ["--data-minimize"],
        ["--data-duplicates", "first"],
    ],
)
def test_table_flags_without_data_are_refused(flags, tmp_path, capsys):
    # they were ignored, and the packaged NB201 study ran instead
    argv = ["study", "--predictors", "xgb", "--out", str(tmp_path / "o"), "--dry-run", *flags]
    assert cli.main(argv) == 2
    assert "describes a table: give it with --data FILE" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_plot_names_a_metric_the_trials_do_not_have(tmp_path, capsys):
    table = pd.DataFrame(
        {"label": ["xgb"] * 2, "n_train": [10, 30], "kendall_tau": [0.1, 0.4], "hash": ["a", "b"]}
    )
    for metrics, said in [
        (["kendal_tau"], "'kendal_tau' is not a numeric metric of its trials; they have"),
        (["hash"], "'hash' is not a numeric metric"),
        ([], "no metrics given"),
    ]:
        with pytest.raises(ValueError, match=said):
            plot_study(tmp_path, table=table, out=tmp_path / "p", metrics=metrics)
    search = pd.DataFrame({"seed": [0, 1], "optimum_value": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"no kendall_tau: is it a predictor study's folder"):
        plot_study(tmp_path, table=search, out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_a_damaged_results_database_is_refused_when_opened(tmp_path):
    import sqlite3

    from nasperf.errors import DataIntegrityError
    from nasperf.evaluation.store import ResultsStore, read_results

    for name, damage, said in [
        ("text", "UPDATE trials SET row = '{bad'", r"trial 'h1': its row is not JSON"),
        ("list", "UPDATE trials SET row = '[1, 2]'", r"trial 'h1': its row is a JSON list"),
    ]:
        folder = tmp_path / name
        with ResultsStore(folder) as store:
            store.add({"hash": "h1"}, {"kendall_tau": 0.5})
        with sqlite3.connect(folder / "results.sqlite") as conn:
            conn.execute(damage)
        # before any trial runs (it ran the new trials first, then failed or crashed)
        with pytest.raises(DataIntegrityError, match=rf"results\.sqlite: {said}"):
            ResultsStore(folder)
        with pytest.raises(DataIntegrityError, match=said):
            read_results(folder)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / "results.sqlite") as conn:
        conn.execute("CREATE TABLE trials (x TEXT)")
    with pytest.raises(DataIntegrityError, match=r"its trials table has columns \['x'\]"):
        ResultsStore(foreign)


def test_a_parquet_table_is_checked_like_a_csv(tmp_path, capsys):
    import nasperf

    table = nasperf.load_benchmark("nb201", "cifar10").sample(60, random_state=0)
    # a column of text, one cell not a number: that row was silently dropped before
    frame = pd.DataFrame(
        {"arch": list(table.index), "val_acc": table["val_acc_200ep"].astype(str).to_numpy()}
    )
    frame.loc[5, "val_acc"] = "abc"
    path = tmp_path / "mine.parquet"
    frame.to_parquet(path)
    argv = ["study", "--data", str(path), "--space", "nb201", "--data-target", "val_acc"]
    argv += ["--predictors", "xgb", "--train-sizes", "20", "--test-size", "20", "--dry-run"]
    assert cli.main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert (
        f"mine.parquet row 6 ({table.index[5]!r}), column 'val_acc': 'abc' is not a finite" in err
    )
    frame.loc[5, "val_acc"] = "91.0"
    frame.astype({"val_acc": float}).to_parquet(path)
    assert cli.main([*argv, "--out", str(tmp_path / "o2")]) == 0


def test_datasets_given_with_a_config_and_data_are_refused(tmp_path, capsys):
    # they were dropped without a word; without --config it was already an error
    import nasperf

    table = nasperf.load_benchmark("nb201", "cifar10").sample(60, random_state=0)
    path = tmp_path / "mine.csv"
    pd.DataFrame({"arch": list(table.index), "val_acc": table["val_acc_200ep"].to_numpy()}).to_csv(
        path, index=False
    )
    config = tmp_path / "study.yaml"
    config.write_text("predictors: [xgb]\ntrain_sizes: [20]\ntest_size: 20\nseeds: 1\n")
    argv = ["study", "--config", str(config), "--data", str(path), "--space", "nb201"]
    argv += ["--data-target", "val_acc", "--dry-run", "--out", str(tmp_path / "o")]
    assert cli.main([*argv, "--datasets", "cifar10"]) == 2
    assert "data: give either data (your own tables) or spaces/datasets" in capsys.readouterr().err
    assert cli.main(argv) == 0


def test_a_study_and_a_search_do_not_share_a_folder(tmp_path):
    from nasperf.evaluation.store import ResultsStore

    search, study = tmp_path / "search", tmp_path / "study"
    with ResultsStore(search) as store:
        store.add({"hash": "s1", "kind": "search"}, {"seed": 0})
    with ResultsStore(study) as store:
        store.add({"hash": "p1", "kind": "proxy"}, {"kendall_tau": 0.3})  # a suite's proxy row
        store.add({"hash": "p2"}, {"kendall_tau": 0.5})
    with (
        ResultsStore(search) as store,
        pytest.raises(
            ValueError, match=r"holds a search's \(nasperf search\) trials; give this study its own"
        ),
    ):
        store.check_kind("study")
    with ResultsStore(study) as store:
        store.check_kind("study")
        with pytest.raises(ValueError, match=r"holds a study's trials; give this search its own"):
            store.check_kind("search")


def test_target_with_data_is_refused(tmp_path, capsys):
    # --target was ignored with --data, yet recorded in meta.json and the folder's digest
    import nasperf

    table = nasperf.load_benchmark("nb201", "cifar10").sample(60, random_state=0)
    path = tmp_path / "my_archs.csv"
    pd.DataFrame({"arch": list(table.index), "val_acc": table["val_acc_200ep"].to_numpy()}).to_csv(
        path, index=False
    )
    argv = ["study", "--data", str(path), "--space", "nb201", "--data-target", "val_acc"]
    argv += ["--predictors", "xgb", "--train-sizes", "20", "--seeds", "1", "--dry-run"]
    assert cli.main([*argv, "--target", "foo", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert (
        "error: --target foo is for a packaged benchmark, not --data; --data-target names the "
        "column of --data to predict" in err
    )
    assert not (tmp_path / "o").exists()
    # the same in a config file, and a config file's data with --target on the command line
    data = {"path": str(path), "space": "nb201", "target": "val_acc"}
    message = r"^target: 'foo' names a benchmark fidelity and does not apply to data"
    with pytest.raises(ConfigError, match=message):
        parse_config({"predictors": ["xgb"], "data": data, "target": "foo"})
    config = tmp_path / "study.yaml"
    config.write_text(
        f"predictors: [xgb]\ntrain_sizes: [20]\ntest_size: 20\nseeds: 1\n"
        f"data: {{path: {path}, space: nb201, target: val_acc}}\n"
    )
    argv = ["study", "--config", str(config), "--dry-run", "--out", str(tmp_path / "o")]
    assert cli.main([*argv, "--target", "foo"]) == 2
    assert "target: 'foo' names a benchmark fidelity" in capsys.readouterr().err
    assert cli.main(argv) == 0


def test_zero_cost_on_a_user_space_points_to_nasperf_proxies(tmp_path):
    """A predictor with zero-cost features on a user's space, no table given: no table can
    be packaged for it, so the message says how to compute one (it had said to name the
    data's dataset, which the user had done)."""
    from nasperf.evaluation.config import expand_trials
    from tests.search.user_spaces import chain8_table

    table = chain8_table().iloc[:60]
    csv = tmp_path / "chains.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc"]}).to_csv(csv, index=False)
    raw = tiny_config(predictors=[{"name": "xgb", "zero_cost": True}], seeds=1)
    del raw["spaces"], raw["datasets"]
    raw["data"] = {"path": str(csv), "space": "user_chain8", "target": "acc", "dataset": "cifar10"}
    with pytest.raises(ConfigError) as info:
        expand_trials(parse_config(raw))
    assert (
        "'xgb' needs zero-cost scores (none are packaged for the space user_chain8: compute "
        "them with `nasperf proxies --space user_chain8 --out FILE` (--import your space's "
        "module) and set zero_cost_table to FILE)"
    ) in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_holding_an_architecture_twice_keeps_the_row_a_study_says(suffix, tmp_path, capsys):
    """The refusal told a study's user to "pass duplicates='first' or 'last'", which a study
    had no key for: ``data.duplicates`` / ``--data-duplicates`` now take it, on CSV and
    parquet tables, and the folder's digest is unchanged where it is not set."""
    import nasperf
    from nasperf.evaluation.config import parse_config
    from nasperf.evaluation.engines import load_source

    table = nasperf.load_benchmark("nb201", "cifar10").sample(60, random_state=0)
    frame = pd.DataFrame({"arch": list(table.index), "acc": table["val_acc_200ep"].to_numpy()})
    key = nasperf.get_space("nb201").to_naslib(nasperf.get_space("nb201").parse(frame.arch[3]))
    frame = pd.concat([frame, pd.DataFrame({"arch": [str(key)], "acc": [1.0]})])  # a respelling
    path = tmp_path / f"t{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    argv = ["study", "--data", str(path), "--space", "nb201", "--data-target", "acc"]
    argv += ["--predictors", "xgb", "--train-sizes", "20", "--test-size", "20", "--dry-run"]
    assert cli.main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert "--data-duplicates" in capsys.readouterr().err
    for keep, value in (("first", frame.acc.iloc[3]), ("last", 1.0)):
        data = {"path": str(path), "space": "nb201", "target": "acc", "duplicates": keep}
        config = parse_config({"predictors": ["xgb"], "data": data})
        trial = {"benchmark": None, "dataset": "t", "data": config.data[0], "target": None}
        got, _ = load_source({**trial, "space": "nb201"})
        assert len(got) == 60 and got.at[frame.arch[3], "acc"] == value
        assert cli.main([*argv, "--data-duplicates", keep, "--out", str(tmp_path / keep)]) == 0
    with pytest.raises(ConfigError, match=r"data\[0\]\.duplicates: 'mean' is not one of"):
        parse_config({"predictors": ["xgb"], "data": {**data, "duplicates": "mean"}})
    plain = parse_config({"predictors": ["xgb"], "data": {**data, "duplicates": "error"}})
    assert "duplicates" not in plain.data[0]  # the default is not recorded: digests stay


def test_a_constant_target_is_refused_before_any_trial(tmp_path):
    """A target column holding one value (a wrong column, or a placeholder) gave rows of
    Kendall tau 0.0 for every predictor, the convention for a constant side; the study
    now says there is nothing to rank."""
    import pandas as pd

    from nasperf.datasets import load_benchmark
    from nasperf.evaluation.config import ConfigError
    from nasperf.evaluation.study import run_study

    t = load_benchmark("nb201", "cifar10").head(80)
    pd.DataFrame({"arch": t.index, "acc": 50.0}).to_csv(tmp_path / "c.csv", index=False)
    raw = {
        "predictors": ["xgb"],
        "data": {"path": str(tmp_path / "c.csv"), "space": "nb201", "target": "acc"},
        "train_sizes": [10],
        "test_size": 40,
    }
    with pytest.raises(
        ConfigError, match=r"the target 'acc' is 50 for all 80 architectures with a value"
    ):
        run_study(raw, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_data_free_proxy_runs_on_a_user_space_s_own_task(tmp_path):
    """zc_proxy of a data-free proxy (flops, synflow) on a user's table had been refused as
    "needs images": the table's name taken for a dataset, and data.dataset naming the
    space's own task (its default_dataset) refused likewise. Such a proxy reads no images:
    it builds the space's networks for its own task, as zero_cost.compute does."""
    import numpy as np

    import nasperf
    from nasperf.evaluation import kendall_tau, make_split
    from nasperf.evaluation.study import run_study
    from nasperf.spaces import SPACES, ImageTask
    from nasperf.zero_cost import compute
    from tests.search.user_spaces import Chain8Space, chain8_table

    class GrayChain8(Chain8Space):
        name = "user_gray_chain8_study"
        default_dataset = ImageTask("gray16", 1, 16, 10)

    if GrayChain8.name not in SPACES:
        SPACES.register(GrayChain8.name)(GrayChain8)
    table = chain8_table().iloc[:60]
    csv = tmp_path / "chains.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc"]}).to_csv(csv, index=False)
    raw = tiny_config(predictors=[{"name": "zc_proxy", "params": {"proxy": "flops"}}], seeds=1)
    del raw["spaces"], raw["datasets"]
    raw.update(train_sizes=[10], test_size=30)
    space = nasperf.get_space(GrayChain8.name)
    test = list(make_split(table.index, 10, test_size=30, seed=0).test)
    flops = compute(space, test, ["flops"], None)["flops"].reindex(test).to_numpy(np.float64)
    want = kendall_tau(table.loc[test, "val_acc"], flops)
    for extra in ({}, {"dataset": "gray16"}):
        data = {"path": str(csv), "space": GrayChain8.name, "target": "acc", **extra}
        config = parse_config({**raw, "data": data})
        (row,) = run_study(config, tmp_path / f"out{len(extra)}").table.to_dict("records")
        assert row["zero_cost_source"] == "computed" and row["kendall_tau"] == want
    # a proxy that reads images still needs a dataset nasperf has images of
    raw["predictors"] = [{"name": "zc_proxy", "params": {"proxy": "nwot"}}]
    data = {"path": str(csv), "space": GrayChain8.name, "target": "acc"}
    with pytest.raises(ConfigError, match=r"'zc_proxy' needs images \(dataset 'chains' is not"):
        from nasperf.evaluation.config import expand_trials

        expand_trials(parse_config({**raw, "data": data}))
