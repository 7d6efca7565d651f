"""The study runner: trial function, resume after kill -9, engines agree, CLI, plots."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nasperf.datasets import load_benchmark
from nasperf.errors import StudyNote
from nasperf.evaluation import kendall_tau, make_split
from nasperf.evaluation.config import expand_trials, load_config, parse_config
from nasperf.evaluation.engines import TrialError, run_trial
from nasperf.evaluation.store import read_meta, read_results
from nasperf.evaluation.study import main, run_study

from ._study_helpers import (
    CountConvPredictor,
    FirstProxyPredictor,
    LastColumnPredictor,
    comparable,
    data_file_config,
    registered,
    tiny_config,
)

ROOT = Path(__file__).resolve().parents[2]


def test_trial_row_matches_a_direct_computation():
    with registered(test_last_column=LastColumnPredictor):
        config = parse_config(tiny_config(predictors=["test_last_column"], seeds=1))
        trial = expand_trials(config)[0]
        row = run_trial(trial)
    table = load_benchmark("nb201", "cifar10")
    split = make_split(table.index, 10, test_size=50, seed=0)
    test = list(split.test)
    # the last column the 12-epoch run observed (val_acc_12ep, test_acc_12ep)
    expected = kendall_tau(table.loc[test, "val_acc_200ep"], table.loc[test, "test_acc_12ep"])
    assert row["kendall_tau"] == expected
    assert (row["budget"], row["n_train"], row["test_size"], row["hash"]) == (
        "12ep",
        10,
        50,
        trial["hash"],
    )
    # costs: the training set at 200 epochs, and every query trained for 12 of 200 epochs
    train = list(split.train)
    assert row["label_cost_s"] == pytest.approx(table.loc[train, "train_time_s"].sum())
    lc = 12 / 200 * table.loc[test, "train_time_s"].mean()
    assert row["lc_cost_per_arch_s"] == pytest.approx(lc)
    assert row["query_time_per_arch_s"] >= lc


@pytest.mark.parametrize("target", ["12ep", "200ep"])
def test_label_cost_is_what_a_search_pays_for_the_training_set_at_the_target(target):
    """A probe: a study with target 12ep had charged each label NB201's 200-epoch run
    (label_cost_s 35,467 s for 20 cells, as for 200ep); a search charges a 12ep query
    12 / 200 of it. Both read Benchmark.fidelity_seconds."""
    from nasperf.search import TableObjective

    raw = tiny_config(
        predictors=[{"name": "xgb", "params": {"n_estimators": 5}}],
        train_sizes=[20],
        seeds=1,
        target=target,
    )
    (trial,) = expand_trials(parse_config(raw))
    # a 12ep trial's rows were charged the full schedule before: it does not resume them
    # (the trial says so, hence another hash); a 200ep trial keeps its hash
    assert trial.get("label_cost") == {"12ep": "at_target", "200ep": None}[target]
    row = run_trial(trial)
    table = load_benchmark("nb201", "cifar10")
    train = list(make_split(table.index, 20, test_size=50, seed=0).train)
    # what a search pays to train them at the target: the 200ep objective's 12ep queries,
    # and an objective whose target (full fidelity) is 12ep
    paid = TableObjective.from_benchmark("nb201", "cifar10", target=target)
    assert row["label_cost_s"] == pytest.approx(paid.evaluate(train)[1].sum(), rel=1e-12)
    full = TableObjective.from_benchmark("nb201", "cifar10")
    assert row["label_cost_s"] == pytest.approx(full.evaluate(train, target)[1].sum(), rel=1e-12)
    share = {"12ep": 12 / 200, "200ep": 1.0}[target]
    # float32 seconds summed in float64: 20 terms, ~1e-7 relative each
    expected = share * table.loc[train, "train_time_s"].astype(np.float64).sum()
    assert row["label_cost_s"] == pytest.approx(expected, rel=1e-9)
    assert row["init_time_s"] >= row["label_cost_s"]


def test_training_free_predictor_has_no_training_set():
    with registered(test_count_conv=CountConvPredictor):
        trial = expand_trials(parse_config(tiny_config(predictors=["test_count_conv"], seeds=1)))
        assert len(trial) == 1
        row = run_trial(trial[0])
    assert row["n_train"] == 0 and row["label_cost_s"] == 0.0 and np.isfinite(row["kendall_tau"])


def test_zero_cost_missing_is_a_clear_trial_error(monkeypatch):
    import nasperf.datasets as D

    def no_tables(space, dataset):
        raise LookupError(f"no packaged zero-cost table for {space}/{dataset}")

    monkeypatch.setattr(D, "load_zero_cost", no_tables, raising=False)
    with registered(test_first_proxy=FirstProxyPredictor):
        trial = expand_trials(parse_config(tiny_config(predictors=["test_first_proxy"], seeds=1)))
        with pytest.raises(TrialError, match=r"needs zero-cost scores.*zero_cost_table"):
            run_trial(trial[0])


def test_user_proxy_table_and_csv_data(tmp_path):
    table = load_benchmark("nb201", "cifar10").iloc[:400]
    csv = tmp_path / "mine.csv"
    pd.DataFrame(
        {"arch": table.index, "acc": table["val_acc_200ep"], "secs": table["train_time_s"]}
    ).to_csv(csv, index=False)
    zc = tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "proxy": table["val_acc_12ep"]}).to_csv(zc, index=False)
    # "proxy" is not a registered proxy's name: the predictor is told to read it.
    first_proxy = {"name": "test_first_proxy", "params": {"zero_cost_columns": ["proxy"]}}
    raw = tiny_config(predictors=[first_proxy], seeds=1, train_sizes=[10])
    del raw["spaces"], raw["datasets"]
    raw.update(
        data={"path": str(csv), "space": "nb201", "target": "acc", "cost_column": "secs"},
        zero_cost_table=str(zc),
    )
    with registered(test_first_proxy=FirstProxyPredictor):
        result = run_study(parse_config(raw), tmp_path / "out")
    (row,) = result.table.to_dict("records")
    split = make_split(table.index, 10, test_size=50, seed=0)
    test = list(split.test)
    assert row["kendall_tau"] == kendall_tau(
        table.loc[test, "val_acc_200ep"], table.loc[test, "val_acc_12ep"]
    )
    assert row["dataset"] == "mine" and row["target"] == "acc" and row["zero_cost"]


def test_zc_proxy_reads_a_table_of_data_that_names_no_dataset(tmp_path):
    """A user's table without ``dataset`` and its own zero_cost_table: zc_proxy was refused
    as "needs images" (its images only compute scores the table lacks), then failed on the
    table's name given as its dataset; it ranks by the table's scores."""
    from nasperf.datasets import load_zero_cost

    table = load_benchmark("nb201", "cifar10").iloc[:120]
    csv, zc = tmp_path / "mine.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(csv, index=False)
    nwot = load_zero_cost("nb201", "cifar10").loc[table.index, "nwot"]
    pd.DataFrame({"arch": table.index, "nwot": nwot}).to_csv(zc, index=False)
    raw = {
        "predictors": [{"name": "zc_proxy", "params": {"proxy": "nwot"}}],
        "data": {"path": str(csv), "space": "nb201", "target": "acc"},
        "zero_cost_table": str(zc),
        "train_sizes": [10],
        "test_size": 50,
        "seeds": 1,
    }
    (row,) = run_study(parse_config(raw), tmp_path / "out").table.to_dict("records")
    test = list(make_split(table.index, 10, test_size=50, seed=0).test)
    assert row["kendall_tau"] == kendall_tau(table.loc[test, "val_acc_200ep"], nwot.loc[test])
    assert row["zero_cost_source"] == "table" and row["dataset"] == "mine"


def test_one_proxy_csv_is_refused_for_several_datasets(tmp_path):
    """One CSV of CIFAR-10 proxy scores had served the CIFAR-100 trials too (their tau from
    the wrong dataset's scores, recorded as ``table``); a NASLib JSON file, which holds
    each dataset's scores, and one source per CSV are accepted."""
    from nasperf.evaluation.config import ConfigError

    zc = tmp_path / "zc.csv"
    zc.write_text("arch,nwot\n")
    raw = tiny_config(predictors=["zc_proxy"], datasets=["cifar10", "cifar100"])
    with pytest.raises(
        ConfigError,
        match=r"^zero_cost_table: zc.csv is one table of proxy scores, and this study has 2 "
        r"sources \(nb201/cifar10, nb201/cifar100\)",
    ):
        parse_config({**raw, "zero_cost_table": str(zc)})
    assert parse_config({**raw, "datasets": ["cifar10"], "zero_cost_table": str(zc)})
    naslib = Path(__file__).parents[2] / "../shared/reference/naslib-zc/zc_nasbench201_sample.json"
    if naslib.exists():
        assert parse_config({**raw, "zero_cost_table": str(naslib)}).zero_cost_table
        # compressed, as the readers take it (.json.gz had been taken for one CSV table)
        gz = tmp_path / "zc_nasbench201.json.gz"
        gz.write_bytes(gzip.compress(naslib.read_bytes()))
        config = parse_config({**raw, "zero_cost_table": str(gz)})
        assert config.zero_cost_table["path"] == str(gz)


def test_table_format_reads_compressed_names():
    """One rule for a table file's format by its name: a study's ``data:`` entry had read
    a compressed NASLib JSON (``.json.gz``) as a CSV."""
    from nasperf.datasets.readers import table_format

    assert [
        table_format(n)
        for n in ("a.json", "a.JSON.gz", "b.json.xz", "a.parquet", "a.csv.bz2", "a.csv", "x")
    ] == ["naslib_zc", "naslib_zc", "naslib_zc", "parquet", "csv", "csv", "csv"]


def test_zc_proxy_reads_the_study_s_zero_cost_table(tmp_path):
    """zc_proxy ignored a configured zero_cost_table and scored with the packaged table,
    without a word (a table of negated scores gave the packaged tau)."""
    from nasperf.datasets import load_zero_cost

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    csv, zc = tmp_path / "mine.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(csv, index=False)
    nwot = load_zero_cost("nb201", "cifar10").loc[table.index, "nwot"]
    pd.DataFrame({"arch": table.index, "nwot": -nwot}).to_csv(zc, index=False)
    raw = tiny_config(predictors=[{"name": "zc_proxy", "params": {"proxy": "nwot"}}], seeds=1)
    raw.update(train_sizes=[10])
    del raw["spaces"], raw["datasets"]
    data = {"path": str(csv), "space": "nb201", "target": "acc", "dataset": "cifar10"}
    raw.update(data=data, zero_cost_table=str(zc))
    (row,) = run_study(parse_config(raw), tmp_path / "out").table.to_dict("records")
    test = list(make_split(table.index, 10, test_size=50, seed=0).test)
    want = kendall_tau(table.loc[test, "val_acc_200ep"], -nwot.loc[test])
    assert want < 0 and row["kendall_tau"] == want
    assert row["zero_cost_source"] == "table"


def test_a_proxy_table_missing_rows_is_refused_when_the_study_is_configured(tmp_path):
    """A zero_cost_table without a row for some architecture of the data failed each trial
    whose sample held one; it is refused once, when the config is read, where a predictor
    reads it (and left alone where none does)."""
    from nasperf.evaluation.config import ConfigError

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    csv, zc = tmp_path / "mine.csv", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(csv, index=False)
    pd.DataFrame({"arch": table.index[:150], "synflow": np.arange(150.0)}).to_csv(zc, index=False)
    raw = tiny_config(predictors=["omni"], seeds=1, train_sizes=[10])
    del raw["spaces"], raw["datasets"]
    raw.update(data={"path": str(csv), "space": "nb201", "target": "acc"}, zero_cost_table=str(zc))
    with pytest.raises(ConfigError, match=r"zc.csv has no row for 50 of the 200 architectures"):
        run_study(parse_config(raw), tmp_path / "out")
    raw["predictors"] = ["mlp"]  # reads no proxies: the table is not in its way
    assert len(run_study(parse_config(raw), tmp_path / "out2").table) == 1


def test_a_negative_training_time_is_refused_when_the_study_is_configured(tmp_path):
    """Every row of the cost column is checked when the config is read (it failed only the
    trials whose sample held the row, and again on every rerun)."""
    from nasperf.evaluation.config import ConfigError

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    secs = table["train_time_s"].to_numpy().copy()
    secs[[37, 150]] = -1.0
    csv = tmp_path / "mine.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"], "secs": secs}).to_csv(
        csv, index=False
    )
    raw = tiny_config(predictors=["xgb"], seeds=1, train_sizes=[10])
    del raw["spaces"], raw["datasets"]
    raw["data"] = {"path": str(csv), "space": "nb201", "target": "acc", "cost_column": "secs"}
    with pytest.raises(
        ConfigError,
        match=rf"column 'secs', architecture '{re.escape(table.index[37])}': "
        r"-1.0 is not a training time in seconds >= 0 \(2 such row\(s\)\)",
    ):
        run_study(parse_config(raw), tmp_path / "out")


def test_a_folder_holding_another_config_s_trials_is_said(tmp_path, capsys):
    """Re-running into one folder after the data changed keeps the old trials (their hashes
    differ): the run says so and counts them in meta.json, since read_results reads all."""
    from nasperf.evaluation.store import read_meta

    raw, frame, csv = data_file_config(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyNote)  # a first run into the folder: no note
        run_study(parse_config(raw), tmp_path / "out")
    frame.assign(acc=frame["acc"][::-1].to_numpy()).to_csv(csv, index=False)
    with pytest.warns(StudyNote, match="also holds 2 finished trial.s. that are not part of"):
        run_study(parse_config(raw), tmp_path / "out")
    assert read_meta(tmp_path / "out")["runs"][-1]["trials_of_other_configs"] == 2
    assert len(read_results(tmp_path / "out")) == 4


def test_a_loss_target_with_maximize_false_is_its_negation(tmp_path, capsys):
    """``data: {target: err, maximize: false}`` scores exactly as the same table holding
    minus the error as a higher-is-better column (precision@k and NDCG included), its curve
    columns negated alike; a loss-named target without ``maximize`` is refused, naming it."""
    from nasperf.evaluation.config import ConfigError

    table = load_benchmark("nb201", "cifar10").iloc[:300]
    csv = tmp_path / "errs.csv"
    pd.DataFrame(
        {
            "arch": table.index,
            "err": 100.0 - table["val_acc_200ep"],
            "err_12ep": 100.0 - table["val_acc_12ep"],
            "score": table["val_acc_200ep"] - 100.0,
            "score_12ep": table["val_acc_12ep"] - 100.0,
        }
    ).to_csv(csv, index=False)
    # early_stop_acc: a real curve predictor reads the table's curves in its own units
    # (here minus an error, all negative), neither refused nor clipped as percent
    predictors = ["xgb", "test_last_column", "early_stop_acc"]

    def config(**data):
        raw = tiny_config(predictors=predictors, seeds=1, train_sizes=[30], budgets=["12ep"])
        del raw["spaces"], raw["datasets"]
        raw["data"] = {"path": str(csv), "space": "nb201", "name": "errs", **data}
        return parse_config(raw)

    with registered(test_last_column=LastColumnPredictor):
        with pytest.raises(ConfigError, match=r"data\[0\]\.maximize: the target 'err' looks"):
            config(target="err", fidelities={"12ep": ["err_12ep"]})
        low = run_study(
            config(target="err", maximize=False, fidelities={"12ep": ["err_12ep"]}),
            tmp_path / "low",
        ).table
        high = run_study(
            config(target="score", fidelities={"12ep": ["score_12ep"]}), tmp_path / "high"
        ).table
    assert sorted(low["target"]) == ["-err"] * 3 and set(high["target"]) == {"score"}
    metrics = ["kendall_tau", "spearman", "pearson", "ndcg@10", "precision@10"]
    metrics = [m for m in metrics if m in low.columns]
    assert len(metrics) >= 4
    for frame in (low, high):
        frame.sort_values("predictor", inplace=True)
    np.testing.assert_allclose(
        low[metrics].to_numpy(float), high[metrics].to_numpy(float), rtol=0, atol=1e-12
    )
    # the curve predictor ranks by the negated 12-epoch error: its tau is the two
    # fidelities' own
    split = make_split(table.index, 0, test_size=50, seed=0)
    test = list(split.test)
    curve_row = low[low["predictor"] == "test_last_column"].iloc[0]
    assert curve_row["kendall_tau"] == pytest.approx(
        kendall_tau(table.loc[test, "val_acc_200ep"], table.loc[test, "val_acc_12ep"]), abs=1e-12
    )
    # the command line names its own flags; --data-minimize gives the same rows as the YAML
    argv = ["--data", str(csv), "--space", "nb201", "--data-target", "err", "--predictors"]
    argv += ["xgb", "--seeds", "1", "--train-sizes", "30", "--test-size", "50", "--no-plots"]
    assert main([*argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--data-target: the target 'err' looks like a quantity to minimise" in err
    assert "--data-minimize ranks and searches by -err, --data-maximize keeps" in err
    assert main([*argv, "--data-minimize", "--no-progress", "--out", str(tmp_path / "c")]) == 0
    cli_row = read_results(tmp_path / "c").iloc[0]
    xgb_row = low[low["predictor"] == "xgb"].iloc[0]
    assert cli_row["target"] == "-err" and cli_row["kendall_tau"] == xgb_row["kendall_tau"]


def test_a_project_moved_to_another_folder_resumes_its_study(tmp_path):
    """Trials were keyed by their files' absolute paths: a project moved or cloned elsewhere
    ran every trial again and called the folder's finished ones "not part of this config"."""
    import shutil

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    first = tmp_path / "projA"
    first.mkdir()
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(
        first / "mine.csv", index=False
    )
    pd.DataFrame({"arch": table.index, "synflow": np.arange(200.0)}).to_csv(
        first / "zc.csv", index=False
    )
    (first / "study.yaml").write_text(
        "name: moved\npredictors: [xgb, omni]\ntrain_sizes: [10]\nseeds: 1\ntest_size: 50\n"
        "data: {path: mine.csv, space: nb201, target: acc}\nzero_cost_table: zc.csv\n"
    )
    done = run_study(load_config(first / "study.yaml"), first / "out")
    assert (done.n_run, done.n_skipped) == (2, 0)
    moved = shutil.move(first, tmp_path / "projB")
    config = load_config(Path(moved) / "study.yaml")
    assert config.data[0]["path"] == str(Path(moved) / "mine.csv")  # the file as it is now
    again = run_study(config, Path(moved) / "out")
    assert (again.n_run, again.n_skipped) == (0, 2)
    assert config.digest() == load_config(Path(moved) / "study.yaml").digest()
    # a file of other contents is another trial, wherever it is
    (Path(moved) / "mine.csv").write_text((Path(moved) / "mine.csv").read_text() + "\n")
    changed = load_config(Path(moved) / "study.yaml")
    assert changed.data[0]["sha256"] != config.data[0]["sha256"]
    assert {t["hash"] for t in expand_trials(changed)}.isdisjoint(
        t["hash"] for t in expand_trials(config)
    )


def test_study_resumes_and_is_deterministic(tmp_path):
    config = parse_config(tiny_config())
    first = run_study(config, tmp_path / "a")
    assert (first.n_trials, first.n_run, first.n_skipped) == (4, 4, 0)
    again = run_study(config, tmp_path / "a")
    assert (again.n_run, again.n_skipped) == (0, 4)
    other = run_study(config, tmp_path / "b")
    pd.testing.assert_frame_equal(comparable(first.table), comparable(other.table))
    meta = read_meta(tmp_path / "a")
    assert meta["status"] == "complete" and len(meta["runs"]) == 2
    assert meta["config"]["predictors"][0]["params"] == {"n_estimators": 20}
    assert "numpy" in meta["environment"]["versions"]
    assert meta["runs"][0]["started_at"] <= meta["runs"][0]["ended_at"]


def _count_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _script_after_three_trials(tmp_path: Path, name: str) -> tuple[dict, Path, subprocess.Popen]:
    """A 20-trial study started as ``python run_study.py`` in a subprocess, returned (its
    raw config, its results folder, the process) once 3 trials are stored (or it ended)."""
    raw = tiny_config(
        predictors=[{"name": "xgb", "params": {"n_estimators": 150}}],
        train_sizes=[10, 50, 100, 200, 400],
        seeds=4,
    )
    cfg = tmp_path / "study.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    out = tmp_path / name
    cmd = [sys.executable, str(ROOT / "run_study.py"), "--config", str(cfg), "--out", str(out)]
    cmd += ["--workers", "1", "--no-plots", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    db = out / "results.sqlite"
    deadline = time.monotonic() + 120
    while _count_rows(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return raw, out, proc


def test_kill_9_mid_run_then_rerun_gives_the_uninterrupted_rows(tmp_path):
    raw, out, proc = _script_after_three_trials(tmp_path, "killed")
    db = out / "results.sqlite"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_killed = _count_rows(db)
    assert proc.returncode == -signal.SIGKILL
    assert 3 <= n_killed < 20, f"the kill landed after {n_killed} of 20 trials"
    json.loads((out / "meta.json").read_text())  # still a whole file

    config = parse_config(raw)
    resumed = run_study(config, out)
    assert (resumed.n_skipped, resumed.n_run) == (n_killed, 20 - n_killed)
    reference = run_study(config, tmp_path / "reference")
    stored = read_results(out)
    assert len(stored) == 20 and stored["hash"].is_unique
    pd.testing.assert_frame_equal(comparable(stored), comparable(reference.table))


def test_sigterm_mid_run_ends_the_script_with_143_and_the_rerun_resumes(tmp_path):
    """``python run_study.py`` (not only ``nasperf study``) takes SIGTERM, a batch scheduler's
    time limit, as Ctrl-C: the trial in flight is dropped, one line says how to resume, and
    the exit status is 143 (128 + SIGTERM); the rerun runs only the trials not stored."""
    raw, out, proc = _script_after_three_trials(tmp_path, "terminated")
    db = out / "results.sqlite"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    n_stored = _count_rows(db)
    assert proc.returncode == 143, err.decode()
    assert 3 <= n_stored < 20, f"the signal landed after {n_stored} of 20 trials"
    lines = err.decode().strip().splitlines()
    assert lines[-1] == f"run_study.py: interrupted; rerun the same command to resume {out}"
    assert b"Traceback" not in err

    resumed = run_study(parse_config(raw), out)
    assert (resumed.n_skipped, resumed.n_run) == (n_stored, 20 - n_stored)


def test_a_reader_that_goes_away_ends_the_script_quietly(tmp_path):
    """``python run_study.py --dry-run | head``: the reader closes the pipe before the output
    is written; the script ends with 141, as a shell tool killed by SIGPIPE, with no
    BrokenPipeError report (PYTHONUNBUFFERED, which hides this, removed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_study.py"), "--dry-run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    proc.stdout.close()  # the reader is gone before the first write
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141, err.decode()
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


def test_dask_local_cluster_and_local_engine_give_identical_tables(tmp_path):
    pytest.importorskip("dask.distributed")
    config = parse_config(tiny_config(seeds=3))
    serial = run_study(config, tmp_path / "serial")
    dask = run_study(config, tmp_path / "dask", engine="dask", workers=2)
    assert len(serial.table) == 6
    pd.testing.assert_frame_equal(comparable(serial.table), comparable(dask.table))
    assert read_meta(tmp_path / "dask")["runs"][0]["engine"] == "dask"


def test_ray_and_local_engine_give_identical_tables(tmp_path):
    # skipped where Ray is not installed (not a test dependency); run by hand with ray 2.60
    ray = pytest.importorskip("ray")
    config = parse_config(tiny_config(seeds=3))
    serial = run_study(config, tmp_path / "serial")
    try:
        on_ray = run_study(config, tmp_path / "ray", engine="ray", workers=2)
    finally:
        if ray.is_initialized():
            ray.shutdown()
    pd.testing.assert_frame_equal(comparable(serial.table), comparable(on_ray.table))
    assert read_meta(tmp_path / "ray")["runs"][0]["engine"] == "ray"


@pytest.mark.slow
def test_local_process_pool_gives_identical_tables(tmp_path):
    config = parse_config(tiny_config(seeds=3))
    serial = run_study(config, tmp_path / "serial")
    pooled = run_study(config, tmp_path / "pool", workers=2)
    pd.testing.assert_frame_equal(comparable(serial.table), comparable(pooled.table))
    assert pooled.table["worker"].nunique() >= 1


@pytest.mark.slow
def test_ray_gives_the_same_table(tmp_path):
    pytest.importorskip("ray")
    config = parse_config(tiny_config(seeds=1))
    serial = run_study(config, tmp_path / "serial")
    ray = run_study(config, tmp_path / "ray", engine="ray", workers=2)
    pd.testing.assert_frame_equal(comparable(serial.table), comparable(ray.table))


def test_cli_config_error_is_clear(tmp_path, capsys):
    code = main(["--predictors", "xgb,nope", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2
    assert "invalid study config: predictors[1].name: unknown predictor 'nope'" in err
    assert "available:" in err and "xgb" in err
    assert not (tmp_path / "x").exists()
    cfg = tmp_path / "c.yaml"
    cfg.write_text("predictors: [xgb]\nseeds: -1\n")
    assert main(["--config", str(cfg)]) == 2
    assert "seeds: the number of seeds must be at least 1" in capsys.readouterr().err


def test_default_study_end_to_end_shrunk(tmp_path, capsys, monkeypatch):
    from nasperf import cli

    monkeypatch.chdir(tmp_path)
    argv = ["--quick", "--train-sizes", "10,20", "--seeds", "1", "--test-size", "30"]
    assert main([*argv, "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    # a budget column because the default study has a learning-curve predictor (omni)
    assert "| predictor | budget | n_train | seeds | kendall_tau | spearman" in printed
    (folder,) = (tmp_path / "studies").iterdir()  # default: studies/<name>-<digest>
    assert folder.name.startswith("nb201-cifar10-quick-")  # named for its source
    table = read_results(folder)
    # the training-free proxy runs once per seed, with no training set
    assert set(table["n_train"]) == {0, 10, 20}
    assert set(table.loc[table["n_train"] == 0, "label"]) == {"zc_proxy"}
    assert {"xgb", "lgb", "omni", "zc_proxy"} <= set(table["label"])
    pngs = sorted(p.name for p in (folder / "plots").glob("*.png"))
    assert pngs == [
        "kendall_tau_vs_time.png",
        "kendall_tau_vs_train_size.png",
        "spearman_vs_train_size.png",
    ]
    # plots again from the stored folder, without rerunning
    assert cli.main(["plot", str(folder), "--out", str(tmp_path / "p")]) == 0
    assert (tmp_path / "p" / "kendall_tau_vs_time.png").stat().st_size > 1000
    # the same command resumes: nothing runs again
    assert cli.main(["study", *argv, "--workers", "1", "--no-plots"]) == 0
    assert "0 trial(s) run" in capsys.readouterr().out


def test_summary_and_plot_bands_share_the_sample_std(tmp_path, monkeypatch):
    # summarize used ddof=0 while the training-size plot's band used ddof=1
    from matplotlib.axes import Axes

    from nasperf.evaluation.plots import plot_train_size
    from nasperf.evaluation.study import format_summary, summarize

    taus = {10: [0.2, 0.4, 0.9], 30: [0.5]}  # three seeds at 10, one at 30
    table = pd.DataFrame(
        [
            {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": "xgb",
             "budget": None, "n_train": n, "seed": s, "kendall_tau": tau}
            for n, values in taus.items()
            for s, tau in enumerate(values)
        ]
    )  # fmt: skip
    summary = summarize(table, ["kendall_tau"]).set_index("n_train")
    sample_std = float(np.std(taus[10], ddof=1))  # 0.3606, population std 0.2944
    assert summary.at[10, "kendall_tau_std"] == pytest.approx(sample_std, rel=1e-12)
    assert np.isnan(summary.at[30, "kendall_tau_std"])  # one seed: unknown, not 0
    text = format_summary(summarize(table), ["kendall_tau"])
    assert f"| 0.500 ± {sample_std:.3f} |" in text and "| 0.500 |" in text
    assert "mean ± sample standard deviation over seeds (ddof=1" in text
    bands = []
    real = Axes.fill_between
    monkeypatch.setattr(
        Axes,
        "fill_between",
        lambda self, x, lo, hi, **k: bands.append((lo, hi)) or real(self, x, lo, hi, **k),
    )
    plot_train_size(table, tmp_path / "t.png")
    ((lo, hi),) = bands
    np.testing.assert_allclose((np.asarray(hi) - np.asarray(lo)) / 2, [sample_std, 0.0], rtol=1e-12)


def test_a_trial_runs_on_one_blas_thread_whatever_the_caller_s_pools():
    # from a determinism probe: bonas' and bayes_lin_reg's rows had followed the BLAS
    # thread count each engine left (--workers 1 in this process on every core, joblib's
    # workers on cores / workers, Dask's on one): rmse 6.899036797548588 against ...598
    from threadpoolctl import threadpool_info, threadpool_limits

    from nasperf.evaluation.engines import _with_threads_one

    seen = _with_threads_one(lambda: [p["num_threads"] for p in threadpool_info()])
    assert seen and set(seen) == {1}
    raw = tiny_config(predictors=["bayes_lin_reg"], train_sizes=[20], seeds=1)
    trial = expand_trials(parse_config(raw))[0]
    rows = []
    for threads in (1, 2, 4):
        with threadpool_limits(limits=threads):
            rows.append(run_trial(trial))
    metrics = ["mae", "rmse", "pearson", "kendall_tau", "spearman"]
    assert all([r[m] for m in metrics] == [rows[0][m] for m in metrics] for r in rows)


def test_a_seed_whose_metric_is_nan_makes_the_mean_nan_not_a_mean_of_the_others():
    # a probe: "seeds 3, mae 4.604 ± 1.841" had been the mean of two seeds (the third's
    # predictions were NaN)
    from nasperf.evaluation.study import summarize

    table = pd.DataFrame(
        [
            {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": "p",
             "budget": None, "n_train": 20, "seed": s, "mae": mae, "kendall_tau": 0.1 * s}
            for s, mae in enumerate([3.3, 5.9, np.nan])
        ]
    )  # fmt: skip
    row = summarize(table, ["mae", "kendall_tau"]).iloc[0]
    assert row["seeds"] == 3 and np.isnan(row["mae_mean"]) and np.isnan(row["mae_std"])
    assert row["kendall_tau_mean"] == pytest.approx(0.1)
    # without NaN, pandas' grouped mean and std to the bit (a first version's skipna=False
    # lambdas had moved them by an ulp, which can flip an exact tie)
    taus = pd.Series([0.607, 0.729, 0.544, 0.935])
    four = table.iloc[[0, 0, 0, 0]].assign(seed=range(4), kendall_tau=taus.to_numpy())
    row = summarize(four, ["kendall_tau"]).iloc[0]
    grouped = four.groupby("label")["kendall_tau"]  # what summarize had computed
    assert row["kendall_tau_std"] == grouped.std(ddof=1).iloc[0]
    assert row["kendall_tau_mean"] == grouped.mean().iloc[0]


def test_zero_cost_scores_read_from_a_table_are_charged_their_recorded_seconds(tmp_path):
    # a probe: zc_proxy had sat at the table lookup's 0.006 s on White et al.'s time axis,
    # where the packaged table records synflow at 0.096 s per architecture
    from nasperf.datasets import load_zero_cost

    seconds = load_zero_cost("nb201", "cifar10").attrs["settings"]["seconds_per_arch"]
    raw = tiny_config(
        predictors=[
            {"name": "zc_proxy", "params": {"proxy": "synflow"}},
            {"name": "xgb", "params": {"n_estimators": 5, "zero_cost_proxies": ["synflow",
             "params"]}, "zero_cost": True},
        ],
        train_sizes=[20],
        seeds=1,
    )  # fmt: skip
    rows = run_study(parse_config(raw), tmp_path / "zc").table.set_index("predictor")
    zc, xgb = rows.loc["zc_proxy"], rows.loc["xgb"]
    assert zc["zc_cost_per_arch_s"] == seconds["synflow"]
    assert zc["query_time_per_arch_s"] >= seconds["synflow"]
    assert zc["total_time_s"] >= 50 * seconds["synflow"]  # the test set's scores
    both = seconds["synflow"] + seconds["params"]
    assert xgb["zc_cost_per_arch_s"] == pytest.approx(both, rel=1e-12)
    # the training set's scores are part of the initialisation
    assert xgb["init_time_s"] >= xgb["label_cost_s"] + 20 * both


def test_a_nasperf_proxies_output_is_charged_the_seconds_it_records(tmp_path):
    # a probe: `nasperf proxies` recorded no seconds, so its scores given back as a
    # zero_cost_table cost 0 s on the time axis (zc_cost_per_arch_s = 0)
    from nasperf.cli import main as cli_main

    table = load_benchmark("nb201", "cifar10").iloc[:60]
    csv, archs, zc = tmp_path / "mine.csv", tmp_path / "archs.txt", tmp_path / "zc.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(csv, index=False)
    archs.write_text("\n".join(table.index) + "\n")
    small = json.dumps({"channels": 8, "cells_per_stage": 1})
    argv = ["proxies", "--space", "nb201", "--archs", str(archs), "--proxies", "synflow"]
    argv += ["--out", str(zc), "--batch-size", "4", "--network-kwargs", small]
    assert cli_main([*argv, "--cache", "none", "--quiet"]) == 0
    recorded = pd.read_csv(zc)["synflow_time"]
    raw = tiny_config(predictors=[{"name": "zc_proxy", "params": {"proxy": "synflow"}}], seeds=1)
    raw.update(train_sizes=[10], test_size=30)
    del raw["spaces"], raw["datasets"]
    data = {"path": str(csv), "space": "nb201", "target": "acc", "dataset": "cifar10"}
    raw.update(data=data, zero_cost_table=str(zc))
    (row,) = run_study(parse_config(raw), tmp_path / "out").table.to_dict("records")
    assert row["zero_cost_source"] == "table"
    # the file's mean over its 60 rows (numpy's and pandas' sums may differ in the last bit)
    assert recorded.min() > 0
    assert row["zc_cost_per_arch_s"] == pytest.approx(recorded.mean(), rel=1e-12)
    assert row["total_time_s"] >= 30 * recorded.mean()


def test_workers_is_checked_before_meta_json_is_written(tmp_path):
    # a probe: workers=np.int64(1) was written to meta.json as the text '1', which the
    # folder then refused as damaged on every rerun; 1.5 and True were taken as they were
    config = parse_config(tiny_config(train_sizes=[10], seeds=1))
    run_study(config, tmp_path / "np", workers=np.int64(1))
    assert read_meta(tmp_path / "np")["runs"][0]["workers"] == 1
    assert run_study(config, tmp_path / "np", workers=1).table.shape[0] == 1  # resumes
    for bad, kind in ((1.5, TypeError), (True, TypeError), (0, ValueError)):
        with pytest.raises(kind, match="workers must be"):
            run_study(config, tmp_path / "bad", workers=bad)
        assert not (tmp_path / "bad" / "meta.json").exists()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_missing_curve_column_is_named_with_its_key(tmp_path, suffix):
    """A learning-curve column the table lacks: one ConfigError naming the column and
    ``data.fidelities.<budget>`` before any trial runs (a parquet table's trials had each
    failed with a pandas KeyError; a CSV's error had called it a target column)."""
    from nasperf.evaluation.config import ConfigError

    table = load_benchmark("nb201", "cifar10").iloc[:60]
    frame = pd.DataFrame(
        {"arch": table.index, "acc": table["val_acc_200ep"], "acc12": table["val_acc_12ep"]}
    )
    path = tmp_path / f"t.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    data = {"path": str(path), "space": "nb201", "target": "acc"}
    raw = {"predictors": ["early_stop_acc"], "train_sizes": [10], "test_size": 20, "seeds": 1}
    with pytest.raises(
        ConfigError,
        match=rf"^nb201/t: cannot load the data: {re.escape(str(path))}: no learning-curve "
        r"column 'acc_12' \(data.fidelities.12ep\); columns: \[.*'acc12'\]$",
    ):
        run_study({**raw, "data": {**data, "fidelities": {"12ep": ["acc_12"]}}}, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    result = run_study({**raw, "data": {**data, "fidelities": {"12ep": ["acc12"]}}}, tmp_path / "o")
    assert len(result.table) == 1 and not result.errors


def test_nan_policy_raise_names_the_study_s_key(tmp_path):
    """A study's NaN predictions under ``metrics.nan_policy: raise``: the trial's error names
    the config key (it had said "pass nan_policy='worst'", evaluate()'s argument)."""
    raw = tiny_config(
        predictors=[{"name": "zc_proxy", "params": {"proxy": "jacov"}}],
        train_sizes=[10],
        seeds=1,
        test_size=500,
        metrics={"nan_policy": "raise"},
    )
    result = run_study(parse_config(raw), tmp_path / "out")
    ((_, err),) = result.errors
    assert re.search(
        r"y_pred\[\d+\] is NaN \(\d+ NaN predictions\); metrics.nan_policy: raise refuses them "
        r"\(worst ranks them last, omit leaves them out\)",
        err,
    ), err


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_missing_target_skip_leaves_untrained_architectures_out(tmp_path, suffix):
    """A table whose target has empty / NA cells (architectures not trained) was unusable in
    a study ("missing target value"); ``missing_target: skip`` leaves those rows out of the
    candidates, the default names the line, and other columns stay complete."""
    from nasperf.evaluation.config import ConfigError

    table = load_benchmark("nb201", "cifar10").iloc[:80]
    acc = table["val_acc_200ep"].to_numpy().copy()
    acc[[3, 40]] = np.nan
    frame = pd.DataFrame({"arch": table.index, "acc": acc})
    path = tmp_path / f"t.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False, na_rep="NA")
    else:
        frame.to_parquet(path)
    data = {"path": str(path), "space": "nb201", "target": "acc"}
    raw = {"predictors": ["xgb"], "train_sizes": [10], "test_size": 68, "seeds": 1}
    with pytest.raises(ConfigError, match="cannot load the data: .*acc"):
        run_study({**raw, "data": data}, tmp_path / "a")
    skip = {**raw, "data": {**data, "missing_target": "skip"}}
    (row,) = run_study(skip, tmp_path / "b").table.to_dict("records")
    assert row["test_size"] == 68  # of the 78 trained ones: 10 + 68
    with pytest.raises(ConfigError, match=r"exceeds the 78 architectures with a finite 'acc'"):
        run_study({**skip, "test_size": 69}, tmp_path / "c")
    with pytest.raises(ConfigError, match=r"missing_target: 'drop' is not one of error, skip"):
        parse_config({**raw, "data": {**data, "missing_target": "drop"}})


def _trial_rows() -> pd.DataFrame:
    """Trial rows in the order a folder stores them (by hash): not by label or size."""
    rows = [
        {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": lab,
         "budget": None, "n_train": n, "seed": s, "kendall_tau": tau + s / 10,
         "encoding": "adj", "hash": f"{lab}{n}{s}"}
        for lab, n, tau in (("rf", 20, 0.4), ("xgb", 100, 0.6), ("rf", 100, 0.5),
                            ("zc_proxy", 0, 0.3), ("xgb", 20, 0.2))
        for s in (0, 1)
    ]  # fmt: skip
    return pd.DataFrame(rows).sort_values("hash").reset_index(drop=True)


def test_the_summary_lists_groups_by_predictor_and_size_whatever_the_rows_order():
    """summarize(read_results(OUT)) had listed its groups in hash order (rf 20, xgb 20, rf
    10, ...), where the run's own printout followed the trials' order."""
    from nasperf.evaluation.study import format_summary, summarize

    table = _trial_rows()
    summary = summarize(table)
    assert summary[["label", "n_train"]].values.tolist() == [
        ["rf", 20], ["rf", 100], ["xgb", 20], ["xgb", 100], ["zc_proxy", 0]
    ]  # fmt: skip
    assert summary["kendall_tau_mean"].tolist() == pytest.approx([0.45, 0.55, 0.25, 0.65, 0.35])
    shuffled = table.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(summarize(shuffled), summary)
    rows = [line.split(" | ")[0] for line in format_summary(summary).splitlines()[2:7]]
    assert rows == ["| rf", "| rf", "| xgb", "| xgb", "| zc_proxy"]


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (  # KeyError 'budget'
            lambda S, t: S.summarize(t.drop(columns="budget")),
            "table: no 'budget' column, which summarize reads (space, dataset, label, budget, "
            "n_train); it has space, benchmark, dataset, label, n_train, seed, kendall_tau, "
            "encoding, hash",
        ),
        (  # pandas' "agg function failed"
            lambda S, t: S.summarize(t, metrics="encoding"),
            "table: metrics 'encoding' is not a numeric metric of its trials; they have "
            "n_train, seed, kendall_tau",
        ),
        (  # KeyError 'label'
            lambda S, t: S.format_summary(S.summarize(t).rename(columns={"label": "method"})),
            "summary: no 'label' column, which format_summary reads (label, n_train, seeds); "
            "it has space, benchmark, dataset, method, budget, n_train, seeds, "
            "kendall_tau_mean, kendall_tau_std",
        ),
        (  # "cannot convert float NaN to integer" (an edited CSV)
            lambda S, t: S.format_summary(S.summarize(t).assign(seeds=np.nan)),
            "summary: 'seeds' holds nan in row 0; it counts each row's seeds (a whole number, "
            "as summarize writes it)",
        ),
        (
            lambda S, t: S.format_summary(S.summarize(t).assign(seeds=1.5)),
            "summary: 'seeds' holds 1.5 in row 0",
        ),
    ],
)
def test_summary_functions_name_the_bad_argument_and_column(call, said):
    import nasperf.evaluation.study as S

    with pytest.raises(ValueError) as err:
        call(S, _trial_rows())
    assert str(err.value).startswith(said)


def test_a_mean_masked_for_a_nan_seed_reads_dash_with_the_reason(monkeypatch, tmp_path):
    """format_summary printed a literal 'nan' (no std, no word) where summarize masked a
    mean because one seed's value is NaN, while the plot draws the other seed's mean with
    "(1 of 2 seeds)"."""
    from matplotlib.figure import Figure

    from nasperf.evaluation.plots import plot_train_size
    from nasperf.evaluation.study import format_summary, summarize

    table = pd.DataFrame(
        {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "budget": None,
         "label": ["rf", "rf", "xgb", "xgb"], "n_train": 20, "seed": [0, 1, 0, 1],
         "kendall_tau": [np.nan, 0.15, 0.2, 0.4]}
    )  # fmt: skip
    text = format_summary(summarize(table, metrics="kendall_tau"), metrics="kendall_tau")
    lines = text.splitlines()
    assert lines[2:4] == ["| rf | 20 | 2 | - |", "| xgb | 20 | 2 | 0.300 ± 0.141 |"]
    assert "nan" not in text
    assert lines[-1].startswith("-: no mean, as a seed's value of the metric is NaN")
    assert "their legend saying how many (e.g. '1 of 2 seeds at n=20')" in lines[-1]
    # the figure's legend says it the same way for the same row
    figures: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    plot_train_size(table, tmp_path / "p.png")
    assert figures[0].axes[0].get_legend_handles_labels()[1] == ["rf (1 of 2 seeds at n=20)", "xgb"]
    # no note where every mean is there
    whole = format_summary(summarize(table[table["kendall_tau"].notna()]), "kendall_tau")
    assert "-: no mean" not in whole and "| rf | 20 | 1 | 0.150 |" in whole


def _nb201_table_and_images(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    """200 NB201 CIFAR-10 rows written as a user's table (``mine.csv``: arch, acc) and 16
    random CIFAR-sized images of a user's (``imgs.npz``); the rows and the file's path."""
    table = load_benchmark("nb201", "cifar10").iloc[:200]
    csv, npz = tmp_path / "mine.csv", tmp_path / "imgs.npz"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(csv, index=False)
    rng = np.random.default_rng(0)
    np.savez(
        npz,
        data=rng.integers(0, 256, size=(16, 3, 32, 32), dtype=np.uint8),
        labels=rng.integers(0, 10, size=16),
    )
    return table, npz


def _on_the_table_with_images(raw: dict, tmp_path: Path, npz: Path) -> None:
    """``raw`` (a tiny config) set to study ``mine.csv`` with the images ``npz``: one size
    of 10, a test set of 10."""
    raw.update(train_sizes=[10], test_size=10, images=str(npz))
    del raw["spaces"], raw["datasets"]
    csv = tmp_path / "mine.csv"
    raw["data"] = {"path": str(csv), "space": "nb201", "target": "acc", "dataset": "cifar10"}


def test_the_study_s_images_reach_zc_proxy(tmp_path):
    """A study's ``images:`` was passed to predictors as ``images``, which zc_proxy has not
    (its parameter is ``inputs``): on NB201 the packaged table's scores, computed on
    nasperf's images, were reported for a study that had named its own, and on a user's
    tensor task every trial asked for the file it had been given. The trial now computes the
    proxy on the study's images, as the predictor given ``inputs=`` does."""
    from nasperf.predictors import get

    table, npz = _nb201_table_and_images(tmp_path)
    raw = tiny_config(
        predictors=[{"name": "zc_proxy", "params": {"proxy": "nwot", "batch_size": 16}}], seeds=1
    )
    _on_the_table_with_images(raw, tmp_path, npz)
    (row,) = run_study(parse_config(raw), tmp_path / "out").table.to_dict("records")
    assert row["zero_cost_source"] == "computed"
    test = list(make_split(table.index, 0, test_size=10, seed=0).test)
    direct = get(
        "zc_proxy", space="nb201", proxy="nwot", batch_size=16, inputs=str(npz), cache=False
    )
    scores = direct.fit().predict(test)
    assert direct.zero_cost_source_ == "computed"
    want = kendall_tau(table.loc[test, "val_acc_200ep"], scores)
    # the same networks on the same images (scores equal up to the summation order)
    assert row["kendall_tau"] == pytest.approx(want, abs=1e-12)
    packaged = get("zc_proxy", space="nb201", proxy="nwot").fit().predict(test)
    assert not np.allclose(scores, packaged, rtol=1e-3)


def test_the_study_s_images_reach_an_ensemble_s_members(tmp_path):
    """An ensemble's members were built with its space and a seed only: its ``zc_proxy``
    member read the packaged table (scored on nasperf's images, tau 0.689 on this split)
    while the same zc_proxy alone scored the study's images (tau 0.511). The members now get
    what a study gives a bare predictor (images, dataset, training epochs), so a one-member
    ensemble (``combine: mean`` returns the member's scores) reports the bare row's tau."""
    from nasperf.predictors import get

    table, npz = _nb201_table_and_images(tmp_path)
    member = {"proxy": "nwot", "batch_size": 16}
    raw = tiny_config(
        predictors=[
            {"name": "zc_proxy", "params": member},
            {"name": "ensemble", "params": {"members": [["zc_proxy", member]], "combine": "mean"}},
            # no member reads images: its trial stays as it was (no images, same hash)
            {"name": "ensemble", "label": "trees", "params": {"members": ["xgb"]}},
        ],
        seeds=1,
    )
    _on_the_table_with_images(raw, tmp_path, npz)
    config = parse_config(raw)
    trials = {t["label"]: t for t in expand_trials(config)}
    assert trials["ensemble"]["images"]["path"] == str(npz)
    assert "images" not in trials["trees"]
    rows = run_study(config, tmp_path / "out").table.set_index("label")
    test = list(make_split(table.index, 0, test_size=10, seed=0).test)
    y = table.loc[test, "val_acc_200ep"]
    packaged = kendall_tau(y, get("zc_proxy", space="nb201", proxy="nwot").fit().predict(test))
    bare = rows.loc["zc_proxy", "kendall_tau"]
    # the same networks on the same images: the same scores, so the same tau (a ratio of
    # pair counts over 10 architectures: exact unless two scores swap, which they cannot)
    assert rows.loc["ensemble", "kendall_tau"] == pytest.approx(bare, abs=1e-12)
    assert abs(bare - packaged) > 0.1  # 0.511 on the study's images, 0.689 packaged
