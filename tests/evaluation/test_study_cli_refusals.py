"""`nasperf study` inputs found by a CLI probe: each refused in one line naming the flag or
file, exit 2 (130 for Ctrl-C), no traceback and nothing written."""

from __future__ import annotations

import importlib.util
import sqlite3

import pandas as pd
import pytest

from nasperf import cli
from nasperf._claims import DatabaseAccessError, WorkClaims
from nasperf.datasets import load_benchmark
from nasperf.evaluation import engines, study
from nasperf.evaluation.config import (
    MAX_YAML_BYTES,
    ConfigError,
    load_config,
    parse_config,
    read_yaml_file,
)
from nasperf.evaluation.store import ResultsStore

from ._study_helpers import tiny_config

SMALL = ["--predictors", "xgb", "--train-sizes", "10", "--seeds", "1", "--test-size", "20"]
SMALL += ["--no-progress", "--no-plots"]


def _study(argv, capsys):
    code = cli.main(["study", *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# --------------------------------------------------------------------------- 1. --workers
@pytest.mark.parametrize("workers", ["1000000000000", "1025"])
def test_absurd_workers_are_refused_before_anything_is_written(workers, tmp_path, capsys):
    # 10**12 was an OverflowError from loky; 1000 spawned processes for one trial
    code, err = _study(["--workers", workers, "--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 2
    assert err.strip().endswith(f"error: --workers must be at most 1024, got {workers}")
    assert not (tmp_path / "o").exists()


def test_never_more_worker_processes_than_trials(monkeypatch):
    seen = []
    monkeypatch.setattr(engines, "_run_local", lambda trials, workers, fn: seen.append(workers))
    engines.run_trials([{"hash": "a"}], workers=1000)
    assert seen == [1]
    with pytest.raises(ValueError, match=r"^workers must be at most 1024, got 1025$"):
        engines.run_trials([{"hash": "a"}], workers=1025)


def test_run_claimed_starts_no_more_processes_than_its_round(tmp_path, monkeypatch):
    seen = []

    def fake(trials, *, workers, **_):
        seen.append(workers)
        return iter(())

    monkeypatch.setattr(engines, "run_trials", fake)
    with ResultsStore(tmp_path) as store:
        list(engines.run_claimed(store, [{"hash": "a"}, {"hash": "b"}], workers=1000))
    assert seen and set(seen) == {2}  # each round: its 2 trials, not 1000


# --------------------------------------------------------------------------- 2. SQLite files
def test_a_directory_in_place_of_results_sqlite_is_named(tmp_path, capsys):
    (tmp_path / "o" / "results.sqlite").mkdir(parents=True)
    code, err = _study(["--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 2
    path = tmp_path / "o" / "results.sqlite"
    assert err.splitlines()[-1] == (
        f"nasperf study: error: {path} is a directory, not a results database; choose "
        "another results folder or remove it"
    )


def test_an_unopenable_results_database_is_one_line(tmp_path, monkeypatch, capsys):
    # an unwritable folder ("unable to open database file"); the tests run as root, so
    # sqlite3.connect is made to fail as it does there
    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    code, err = _study(["--out", str(tmp_path / "ro"), *SMALL], capsys)
    path = tmp_path / "ro" / "results.sqlite"
    assert code == 2
    assert err.splitlines()[-1] == (
        f"nasperf study: error: {path}: cannot open the results database (unable to open "
        f"database file); check that {tmp_path / 'ro'} is a writable folder"
    )


def test_a_read_only_results_database_is_refused_when_opened(tmp_path, monkeypatch):
    ResultsStore(tmp_path).close()
    connect = sqlite3.connect

    def read_only(path, **kwargs):
        return connect(f"file:{path}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with pytest.raises(DatabaseAccessError) as info:
        ResultsStore(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'results.sqlite'}: cannot write the results database (attempt to write "
        "a readonly database)"
    )
    assert isinstance(info.value, OSError)


def test_claims_on_a_read_only_file_raise_an_oserror_naming_it(tmp_path):
    path = tmp_path / "x.claims.sqlite"
    claims = WorkClaims(path)
    claims._conn.close()
    claims._conn = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    with pytest.raises(DatabaseAccessError, match=r"x\.claims\.sqlite: cannot write \(attempt"):
        claims.claim("a")
    claims._conn.close()
    (tmp_path / "d.sqlite").mkdir()
    with pytest.raises(DatabaseAccessError, match=r"d\.sqlite is a directory, not an SQLite"):
        WorkClaims(tmp_path / "d.sqlite")
    with pytest.raises(DatabaseAccessError, match=r"nope/x\.sqlite: cannot open \(unable to open"):
        WorkClaims(tmp_path / "nope" / "x.sqlite")


# --------------------------------------------------------------------------- 3. engines
@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
def test_a_missing_engine_is_refused_before_anything_is_written(tmp_path, capsys):
    code, err = _study(["--engine", "ray", "--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 2
    assert "trials (" not in err  # refused before the study's header line, too
    assert err.splitlines()[-1] == (
        "nasperf study: error: the ray engine needs ray (No module named 'ray'); pip install "
        "'nasperf[distributed]'"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="no dask")
def test_a_malformed_scheduler_is_refused_before_anything_is_written(tmp_path, capsys):
    argv = ["--engine", "dask", "--scheduler", "nonsense", "--out", str(tmp_path / "o"), *SMALL]
    code, err = _study(argv, capsys)
    assert code == 2
    assert err.splitlines()[-1] == (
        "nasperf study: error: --scheduler 'nonsense' is not a Dask scheduler address "
        "(missing port number in address 'nonsense'); give host:port, e.g. tcp://10.0.0.1:8786"
    )
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 4. Ctrl-C
def test_ctrl_c_while_the_config_is_built_exits_130(tmp_path, monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "config_from_args", interrupted)
    code, err = _study(["--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 130
    assert err.strip() == "nasperf study: interrupted"
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 5. huge files
def test_a_config_file_is_read_within_a_size_bound(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_YAML_BYTES + "\n")
    with pytest.raises(ConfigError, match=r"big\.yaml: larger than 1024 KiB, too large for a"):
        read_yaml_file(big, what="a study config")
    with pytest.raises(ConfigError, match=r"big\.yaml: larger than 1024 KiB"):
        load_config(big)
    code, err = _study(["--dry-run", "--config", "/dev/zero"], capsys)
    assert code == 2
    assert err.strip() == (
        "nasperf study: error: invalid study config: /dev/zero: larger than 1024 KiB, too "
        "large for a study config (real ones are a few kB)"
    )


# --------------------------------------------------------------------------- 6. duplicates
def test_one_space_dataset_or_budget_given_twice_is_kept_once():
    once = parse_config(tiny_config(budgets=["12ep"]))
    for over in [
        {"budgets": ["12ep", "12ep"]},
        {"budgets": ["12ep", "12"]},
        {"budgets": [12]},  # held as the fidelity's name: the first spelling had been kept
        {"budgets": ["12", "12ep"]},
        {"budgets": [12, "val_acc_12ep", "12EP"]},
        {"budgets": ["12ep"], "spaces": ["nb201", "nasbench201"]},
        {"budgets": ["12ep"], "datasets": ["cifar10", "CIFAR10"]},
        {"budgets": ["12ep"], "datasets": ["cifar10", "cifar10-valid"]},
    ]:
        config = parse_config(tiny_config(**over))
        assert (config.spaces, config.datasets, config.budgets) == (
            ("nb201",),
            ("cifar10",),
            ("12ep",),
        ), over
        assert config.digest() == once.digest(), over


def test_duplicate_list_flags_give_the_trials_once(capsys):
    argv = ["--dry-run", "--predictors", "xgb", "--train-sizes", "10", "--seeds", "1"]
    code = cli.main(
        ["study", *argv, "--spaces", "nb201,nasbench201", "--datasets", "cifar10,CIFAR10"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1].startswith("1 trials -> studies/nb201-cifar10-")


def test_an_epoch_count_budget_flag_lists_the_fidelitys_trials(capsys):
    # --budgets 12 listed budget=12 in --dry-run, and every such trial then failed
    argv = ["--dry-run", "--predictors", "early_stop_acc", "--train-sizes", "10", "--seeds", "1"]
    outs = []
    for budgets in ("12", "12ep"):
        assert cli.main(["study", *argv, "--budgets", budgets]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert "  nb201/cifar10  early_stop_acc  n_train=0  budget=12ep  seed=0" in outs[0]


# --------------------------------------------------------------------------- 7. empty values
@pytest.mark.parametrize(
    "flag",
    ["--config", "--out", "--zero-cost-table", "--data", "--name", "--target", "--scheduler"],
)
def test_an_empty_value_is_refused_naming_the_flag(flag, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, err = _study([flag, "", *SMALL], capsys)
    assert code == 2
    assert err.strip() == (
        f"nasperf study: error: {flag} is empty: give a value or leave the option out"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["--arch-column", "--cost-column", "--data-dataset", "--space"])
def test_an_empty_table_flag_is_refused_naming_it(flag, tmp_path, capsys):
    csv = tmp_path / "t.csv"
    csv.write_text("arch,acc\n")
    argv = ["--data", str(csv), "--data-target", "acc", "--out", str(tmp_path / "o"), flag, ""]
    code, err = _study([*argv, *SMALL], capsys)
    assert code == 2
    assert err.strip() == (
        f"nasperf study: error: {flag} is empty: give a value or leave the option out"
    )
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 9. messages
@pytest.fixture(scope="module")
def my_csv(tmp_path_factory):
    table = load_benchmark("nb201", "cifar10").iloc[:100]
    path = tmp_path_factory.mktemp("data") / "mine.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(path, index=False)
    return path


def test_a_missing_cost_column_is_called_the_cost_column(my_csv, tmp_path, capsys):
    argv = ["--data", str(my_csv), "--space", "nb201", "--data-target", "acc"]
    argv += ["--cost-column", "nope", "--dry-run", *SMALL]
    code, err = _study(argv, capsys)
    assert code == 2
    assert (
        f"{my_csv}: no cost column 'nope' (data.cost_column, --cost-column); columns: "
        "['arch', 'acc']"
    ) in err.splitlines()[-1]


def test_a_directory_given_as_a_file_is_called_a_directory(tmp_path, capsys):
    folder = tmp_path / "dir1"
    folder.mkdir()
    code, err = _study(
        ["--data", str(folder), "--space", "nb201", "--data-target", "acc", "--dry-run", *SMALL],
        capsys,
    )
    assert code == 2
    assert err.strip() == (
        f"nasperf study: error: invalid study config: data[0].path: '{folder}' is a "
        "directory, not a file"
    )
    code, err = _study(["--zero-cost-table", str(folder), "--dry-run", *SMALL], capsys)
    assert code == 2
    assert err.strip() == (
        f"nasperf study: error: invalid study config: zero_cost_table: '{folder}' is a "
        "directory, not a file"
    )


def test_ctrl_c_while_trials_run_says_how_to_resume(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_study", interrupted)
    code, err = _study(["--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 130
    assert err.splitlines()[-1] == (
        f"nasperf study: interrupted; rerun the same command to resume {tmp_path / 'o'}"
    )
