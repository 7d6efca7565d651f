"""Trials on worker processes see what the caller sees: names registered in ``__main__``
are refused before anything runs (workers do not import it), and the caller's working
directory, ``NASPERF_*`` variables, ``sys.path`` and warnings filters travel with each
trial, so a long-lived process (a notebook) gets the same outcomes from ``workers=1`` and
``workers=2`` after a ``chdir`` or a changed variable."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

from nasperf._caller_context import CallerContext, applied, caller_context
from nasperf._main_registrations import check_main_registrations, runs_elsewhere
from nasperf._process import HOST
from nasperf.evaluation import run_study
from nasperf.evaluation.config import ConfigError
from nasperf.evaluation.engines import run_trials
from nasperf.predictors import PREDICTORS, Predictor
from nasperf.spaces import SPACES
from nasperf.zero_cost import PROXIES
from tests.evaluation._study_helpers import comparable, register_in_main
from tests.evaluation._worker_probe import probe
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


@pytest.fixture
def scratch_registries(monkeypatch):
    """Registrations and modules a test's imports add are dropped after it."""
    for registry in (SPACES, PREDICTORS):
        registry.names()  # the built-ins first, into the copy kept after the test
        monkeypatch.setattr(registry, "_items", dict(registry._items))
        monkeypatch.setattr(registry, "_primary", dict(registry._primary))
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("wk_"):
            del sys.modules[name]


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
    monkeypatch.setattr(sys.modules["__main__"], "__file__", str(script), raising=False)
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
    # (pytest-xdist's workers have no script: the test gives __main__ one)
    monkeypatch.setattr(sys.modules["__main__"], "__file__", __file__, raising=False)
    assert not runs_elsewhere("dask", 2, 2)
    monkeypatch.delattr(sys.modules["__main__"], "__file__")
    assert runs_elsewhere("dask", 2, 2)


# --------------------------------------------------------------------------- B: context
def test_a_second_study_after_chdir_imports_its_module_from_the_new_directory(
    tmp_path, monkeypatch, scratch_registries
):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "wk_chain_b.py").write_text(
        "from nasperf.spaces import SPACES\n"
        "from tests.search.user_spaces import Chain8Space\n\n\n"
        "class ChainB(Chain8Space):\n"
        "    name = 'test_wk_chain_b'\n\n\n"
        "if 'test_wk_chain_b' not in SPACES:\n"
        "    SPACES.register('test_wk_chain_b')(ChainB)\n"
    )
    monkeypatch.chdir(first)
    one = run_study(
        chain_study(tmp_path, "user_chain8", imports=["tests.search.user_spaces"]),
        tmp_path / "one",
        workers=2,
    )
    assert one.errors == [] and len(one.table) == 2
    monkeypatch.chdir(second)  # the workers started (or last ran) in `first`
    raw = chain_study(tmp_path, "test_wk_chain_b", imports=["wk_chain_b"])
    two = run_study(raw, tmp_path / "two", workers=2)
    assert two.errors == [] and len(two.table) == 2
    assert not two.table.worker.str.endswith(f":{os.getpid()}").any()  # ran on workers
    serial = run_study(raw, tmp_path / "serial", workers=1)
    assert comparable(two.table).equals(comparable(serial.table))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_reused_workers_see_the_callers_current_directory_environment_path_and_filters(
    tmp_path, monkeypatch, engine
):
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    trials = [{"hash": str(i), "path": str(tmp_path / "extra")} for i in range(4)]
    (tmp_path / "extra").mkdir()
    for name in ("c1", "c2", "d1", "d2"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "c1"))
    monkeypatch.setenv("NASPERF_TEST_PROBE", "first")
    monkeypatch.chdir(tmp_path / "d1")
    first = [row for _, row, _ in run_trials(trials, engine=engine, workers=2, fn=probe)]
    assert {r["cache"] for r in first} == {str(tmp_path / "c1")}
    assert {r["probe"] for r in first} == {"first"}
    assert {r["cwd"] for r in first} == {str(tmp_path / "d1")}

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "c2"))
    monkeypatch.delenv("NASPERF_TEST_PROBE")
    monkeypatch.chdir(tmp_path / "d2")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path / "extra")])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="probe-warning", category=UserWarning)
        second = [row for _, row, _ in run_trials(trials, engine=engine, workers=2, fn=probe)]
    assert len(second) == 4 and os.getpid() not in {r["pid"] for r in second}
    assert {r["cache"] for r in second} == {str(tmp_path / "c2")}
    assert {r["probe"] for r in second} == {None}  # unset here: unset there
    assert {r["cwd"] for r in second} == {str(tmp_path / "d2")}
    assert {r["on_path"] for r in second} == {True}
    assert {r["filter"] for r in second} == {("error", "probe-warning", "UserWarning")}


def test_applied_sets_the_context_for_the_body_and_restores_the_process_after(
    tmp_path, monkeypatch
):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("NASPERF_CACHE", "mine")
    monkeypatch.setenv("NASPERF_TEST_PROBE", "mine")
    monkeypatch.setattr(sys, "path", list(sys.path))
    filters = list(warnings.filters)
    context = CallerContext(
        host=HOST,
        cwd=str(there),
        env={"NASPERF_CACHE": "theirs"},
        path=(str(there),),
        filters=(("error", None, UserWarning, None, 0),),
    )
    with applied(context):
        assert os.getcwd() == str(there) and os.environ["NASPERF_CACHE"] == "theirs"
        assert "NASPERF_TEST_PROBE" not in os.environ and sys.path[-1] == str(there)
        with pytest.raises(UserWarning, match="now an error"):
            warnings.warn("now an error", UserWarning, stacklevel=1)
    assert os.getcwd() == str(here) and os.environ["NASPERF_CACHE"] == "mine"
    assert os.environ["NASPERF_TEST_PROBE"] == "mine" and warnings.filters == filters
    # a cluster's worker on another machine takes the filters only
    with applied(CallerContext("elsewhere", str(there), {}, (), context.filters)):
        assert os.getcwd() == str(here) and os.environ["NASPERF_CACHE"] == "mine"
        with pytest.raises(UserWarning):
            warnings.warn("now an error", UserWarning, stacklevel=1)


def test_filters_of_classes_workers_cannot_have_stay_behind():
    class MainWarning(UserWarning):
        pass

    MainWarning.__module__ = "__main__"

    class LocalWarning(UserWarning):  # defined in a function: does not pickle
        pass

    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("error", category=MainWarning)
        warnings.filterwarnings("error", category=LocalWarning)
        warnings.filterwarnings("error", message="kept", category=RuntimeWarning)
        kept = caller_context().filters
    assert [(f[0], f[1] and f[1].pattern, f[2]) for f in kept] == [
        ("error", "kept", RuntimeWarning),
        ("ignore", None, DeprecationWarning),
    ]


# --------------------------------------------------------------------------- C: warnings
def test_the_callers_warnings_filters_decide_alike_in_process_and_on_workers(
    tmp_path, scratch_registries
):
    module = tmp_path / "wk_warning_predictor.py"
    module.write_text(
        "import warnings\n\n"
        "from nasperf.predictors import PREDICTORS, Predictor\n\n\n"
        "class WarnsInFit(Predictor):\n"
        "    def _fit(self, X, y):\n"
        "        warnings.warn('wk-test: fit warns', UserWarning, stacklevel=1)\n"
        "        self.width_ = X.shape[1]\n\n"
        "    def _predict(self, X):\n"
        "        return X[:, 0]\n\n\n"
        "if 'test_wk_warns' not in PREDICTORS:\n"
        "    PREDICTORS.register('test_wk_warns')(WarnsInFit)\n"
    )
    raw = chain_study(
        tmp_path,
        "user_chain8",
        predictors=["test_wk_warns", {"name": "xgb", "params": {"n_estimators": 10}}],
        imports=["tests.search.user_spaces", str(module)],
    )
    raw["seeds"] = 2
    outcomes = {}
    for workers in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = run_study(raw, tmp_path / f"w{workers}", workers=workers)
        errors = sorted((t["seed"], e.splitlines()[0]) for t, e in result.errors)
        outcomes[workers] = (errors, comparable(result.table))
    errors, rows = outcomes[2]
    assert errors == [
        (0, "UserWarning: wk-test: fit warns"),
        (1, "UserWarning: wk-test: fit warns"),
    ]
    assert errors == outcomes[1][0]
    assert list(rows.predictor) == ["xgb", "xgb"] and rows.equals(outcomes[1][1])
