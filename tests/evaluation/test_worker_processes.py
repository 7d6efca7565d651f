"""Trials on worker processes see what the caller sees: names registered in ``__main__``
are refused before anything runs (workers do not import it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nasperf._main_registrations import check_main_registrations, runs_elsewhere
from nasperf.evaluation import run_study
from nasperf.evaluation.config import ConfigError
from nasperf.predictors import PREDICTORS, Predictor
from nasperf.spaces import SPACES
from nasperf.zero_cost import PROXIES
from tests.evaluation._study_helpers import register_in_main
from tests.search.user_spaces import Chain8Space, chain8_table

#: Two tiny predictors, one training size, one seed: two trials of well under a second.
PREDICTORS_2 = [
    {"name": "xgb", "params": {"n_estimators": 10}},
    {"name": "lgb", "params": {"n_estimators": 10}},
]


def chain_study(folder: Path, space: str, *, predictors=None, imports=()) -> dict:
    """A study of 200 architectures of the 8-layer chain space (synthetic labels) read
    from ``folder / "chain.csv"``: train 10, test 20, one seed."""
    csv = folder / "chain.csv"
    if not csv.exists():
        chain8_table().iloc[:200].reset_index().to_csv(csv, index=False)
    return {
        "name": "workers",
        "data": {"path": str(csv), "space": space, "target": "val_acc"},
        "predictors": predictors or PREDICTORS_2,
        "train_sizes": [10],
        "seeds": 1,
        "test_size": 20,
        "imports": list(imports),
    }


# --------------------------------------------------------------------------- A: __main__
def test_a_space_registered_in_main_is_refused_before_a_study_on_workers_writes(
    tmp_path, monkeypatch
):
    class MainChain(Chain8Space):
        name = "test_main_chain"

    register_in_main(monkeypatch, SPACES, "test_main_chain", MainChain)
    raw = chain_study(tmp_path, "test_main_chain")
    with pytest.raises(ConfigError) as info:
        run_study(raw, tmp_path / "out", workers=2)
    message = str(info.value)
    assert message.startswith(
        "search space 'test_main_chain' (class test_a_space_registered_in_main_is_refused_"
        "before_a_study_on_workers_writes.<locals>.MainChain) is defined in __main__ (your "
        "script, notebook or `python -c`), which the worker processes (loky's) do not import"
    )
    assert "list that module under imports" in message and "--import mymodule" in message
    assert message.endswith("or run with workers=1 on the local engine (trials in this process)")
    assert not (tmp_path / "out").exists()  # nothing written
    # in this process the same study runs: one row per predictor
    serial = run_study(raw, tmp_path / "serial", workers=1)
    assert serial.errors == [] and sorted(serial.table.predictor) == ["lgb", "xgb"]


def test_a_predictor_registered_in_main_is_refused_and_its_class_named(tmp_path, monkeypatch):
    class MainFirstColumn(Predictor):
        def _fit(self, X, y):
            self.width_ = X.shape[1]

        def _predict(self, X):
            return X[:, 0]

    register_in_main(monkeypatch, PREDICTORS, "test_main_first", MainFirstColumn)
    raw = chain_study(
        tmp_path,
        "user_chain8",
        predictors=["xgb", "test_main_first"],
        imports=["tests.search.user_spaces"],  # the space is a module's: not refused
    )
    with pytest.raises(ConfigError, match=r"^predictor 'test_main_first' \(class [\w.<>]+\.Main"):
        run_study(raw, tmp_path / "out", workers=2)
    assert not (tmp_path / "out").exists()
    # one trial: the local engine runs it in this process, where the class is registered
    raw["predictors"] = ["test_main_first"]
    single = run_study(raw, tmp_path / "single", workers=2)
    assert single.errors == [] and len(single.table) == 1


def test_names_read_by_a_parameter_or_a_zero_cost_column_are_checked(tmp_path, monkeypatch):
    class MainProxy:
        pass

    register_in_main(monkeypatch, PROXIES, "test_main_proxy", MainProxy)
    by_param = [{"predictor": "zc_proxy", "params": {"proxy": "test_main_proxy"}, "imports": []}]
    with pytest.raises(ValueError, match=r"^zero-cost proxy 'test_main_proxy' \(class "):
        check_main_registrations(by_param * 2, engine="local", workers=2)
    check_main_registrations(by_param * 2, engine="local", workers=1)  # in this process
    check_main_registrations(  # another proxy: nothing of __main__ is used
        [{"predictor": "zc_proxy", "params": {"proxy": "synflow"}}] * 2, engine="local", workers=2
    )
    # a search's zero-cost file: a column is read as a proxy because its name is registered
    named, other = tmp_path / "named.csv", tmp_path / "other.csv"
    named.write_text("arch,synflow,TEST_MAIN_PROXY\na,1,2\n")
    other.write_text("arch,synflow\na,1\n")
    search = {"optimizer": "random_search", "zero_cost": str(named)}
    with pytest.raises(ValueError, match="zero-cost proxy 'TEST_MAIN_PROXY'"):
        check_main_registrations([search] * 2, engine="ray", workers=1)
    check_main_registrations([{**search, "zero_cost": str(other)}] * 2, engine="ray", workers=1)


def test_main_script_listed_under_imports_is_not_refused(tmp_path, monkeypatch):
    class MainChain(Chain8Space):
        name = "test_main_chain"

    register_in_main(monkeypatch, SPACES, "test_main_chain", MainChain)
    script = tmp_path / "myscript.py"
    script.write_text("")
    monkeypatch.setattr(sys.modules["__main__"], "__file__", str(script))
    trial = {"space": "test_main_chain", "imports": [str(script)]}
    check_main_registrations([trial] * 2, engine="local", workers=2)  # workers import it
    with pytest.raises(ValueError, match="search space 'test_main_chain'"):
        check_main_registrations([{**trial, "imports": []}] * 2, engine="local", workers=2)


def test_which_engines_run_trials_outside_the_callers_main(monkeypatch):
    assert not runs_elsewhere("local", 1, 10)
    assert not runs_elsewhere("local", 4, 1)  # one trial runs in this process
    assert runs_elsewhere("local", 2, 2)
    assert runs_elsewhere("ray", 1, 1)  # Ray's workers never run __main__
    assert runs_elsewhere("dask", 1, 1, scheduler="tcp://10.0.0.1:8786")
    assert not runs_elsewhere("local", 2, 0)
    pytest.importorskip("dask.distributed")
    # a LocalCluster's spawned workers run the caller's script again, not a notebook's code
    assert not runs_elsewhere("dask", 2, 2)
    monkeypatch.delattr(sys.modules["__main__"], "__file__")
    assert runs_elsewhere("dask", 2, 2)
