"""Path arguments (``nasperf.errors.as_path``): a value that is not a path is one error
naming the argument, before anything is read or written.

pathlib had refused ``None``, numbers and bytes with its own words ("expected str, bytes or
os.PathLike object, not NoneType", raised in pathlib.py), naming no argument, and read
``""`` as the working folder: ``run_study(config, "")`` wrote a study into it. Each public
entry point that takes a file or folder now says which argument is wrong; a ``str`` and
an ``os.PathLike`` still work.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nasperf.errors import as_optional_path, as_path

A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"

#: Values that are no path: a TypeError each. None is left out where it means a default.
NOT_PATHS: list[Any] = [None, 5, 2.5, b"x"]


def _evaluation() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf.evaluation import config, plots, report, store, study

    empty = pd.DataFrame()
    return {
        "run_study out": ("out", lambda v: study.run_study({"predictors": ["xgb"]}, v), False),
        "load_config": ("path", lambda v: config.load_config(v), False),
        "read_yaml_file": ("path", lambda v: config.read_yaml_file(v), False),
        "parse_config base_dir": ("base_dir", lambda v: config.parse_config({}, base_dir=v), True),
        "ResultsStore": ("folder", lambda v: store.ResultsStore(v), False),
        "read_meta": ("folder", lambda v: store.read_meta(v), False),
        "read_results": ("folder", lambda v: store.read_results(v), False),
        "write_json_atomic": ("path", lambda v: store.write_json_atomic(v, {}), False),
        "plot_train_size": ("path", lambda v: plots.plot_train_size(empty, v), False),
        "plot_time": ("path", lambda v: plots.plot_time(empty, v), False),
        "plot_study folder": ("folder", lambda v: plots.plot_study(v), False),
        "plot_study out": ("out", lambda v: plots.plot_study("results", out=v), True),
        "plot_proxy_heatmap": ("path", lambda v: report.plot_proxy_heatmap(empty, v), False),
        "plot_ranks": ("path", lambda v: report.plot_ranks(empty, empty, v), False),
        "summary_markdown links_from": (
            "links_from",
            lambda v: report.summary_markdown(empty, links_from=v),
            True,
        ),
        "write_report folder": ("folder", lambda v: report.write_report(v), False),
        "write_report out": ("out", lambda v: report.write_report("results", out=v), True),
    }


def _datasets() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf.datasets import (
        get_benchmark,
        graphs,
        images,
        load_benchmark,
        load_target,
        package_data,
        readers,
    )
    from nasperf.datasets.lcbench_surrogate import LCBenchSurrogate
    from nasperf.datasets.nb301_surrogate import NB301Surrogate

    return {
        "read_parquet": ("path", lambda v: readers.read_parquet(v), False),
        "read_table_file": ("path", lambda v: readers.read_table_file(v), False),
        "read_csv_header": ("path", lambda v: readers.read_csv_header(v), False),
        "read_architecture_csv": (
            "path",
            lambda v: readers.read_architecture_csv(v, "nb201"),
            False,
        ),
        "read_naslib_zc": ("path_or_dict", lambda v: readers.read_naslib_zc(v), False),
        "read_image_npz": ("path", lambda v: images.read_image_npz(v), False),
        "read_tensor_npz": ("path", lambda v: images.read_tensor_npz(v), False),
        "read_images": ("source", lambda v: images.read_images(v), False),
        "read_cifar_binary": ("source", lambda v: images.read_cifar_binary(v), False),
        "read_cifar_python": ("source", lambda v: images.read_cifar_python(v), False),
        "load_image_set": ("source", lambda v: images.load_image_set(source=v), True),
        "load_image_batch": ("source", lambda v: images.load_image_batch(source=v), True),
        "read_graph_npz": ("path", lambda v: graphs.read_graph_npz(v), False),
        "load_graph": ("source", lambda v: graphs.load_graph(source=v), True),
        "load_benchmark root": ("root", lambda v: load_benchmark(root=v), True),
        "load_target root": ("root", lambda v: load_target(root=v), True),
        "Benchmark.metadata root": (
            "root",
            lambda v: get_benchmark("nb201").metadata("cifar10", root=v),
            True,
        ),
        "data_path root": ("root", lambda v: package_data.data_path("x", root=v), True),
        "read_verified root": ("root", lambda v: package_data.read_verified("x", root=v), True),
        "packaged_files root": ("root", lambda v: package_data.packaged_files(root=v), True),
        "sha256_file": ("path", lambda v: package_data.sha256_file(v), False),
        "NB301Surrogate": ("model_dir", lambda v: NB301Surrogate(v), True),
        "LCBenchSurrogate": ("model_dir", lambda v: LCBenchSurrogate(v), True),
    }


def _search() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf.search import study
    from nasperf.search.objective import TableObjective

    empty = pd.DataFrame()

    def hold(v: Any) -> None:
        with study.study_folder(v):
            pass

    return {
        "search_trials data": ("data", lambda v: study.search_trials(["rs"], data=v), True),
        "search_trials zero_cost": (
            "zero_cost",
            lambda v: study.search_trials(["rs"], zero_cost=v),
            True,
        ),
        "run_search_study": ("out", lambda v: study.run_search_study([], v), False),
        "study_folder": ("out", hold, False),
        "read_search_study": ("out", lambda v: study.read_search_study(v), False),
        "write_report": (
            "out",
            lambda v: study.write_report(empty, v, benchmark="nb201", dataset="cifar10"),
            False,
        ),
        "write_summary_csv": ("path", lambda v: study.write_summary_csv(empty, v), False),
        "plot_regret": ("path", lambda v: study.plot_regret(empty, v), False),
        "TableObjective.from_file": (
            "path",
            lambda v: TableObjective.from_file(v, "nb201", "val_acc"),
            False,
        ),
    }


def _zero_cost() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf.zero_cost import cache, read_proxy_table

    return {
        "read_proxy_table": ("path", lambda v: read_proxy_table(v), False),
        "cache_file": ("path", lambda v: cache.cache_file(v), False),
        "ProxyCache": ("path", lambda v: cache.ProxyCache(v), False),
    }


def _pretrained() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf import pretrained
    from nasperf.pretrained import checkpoint, screening

    name = "nb201-cifar10-tree"
    return {
        "info root": ("root", lambda v: pretrained.info(name, root=v), True),
        "available root": ("root", lambda v: pretrained.available(root=v), True),
        "available_rows root": ("root", lambda v: checkpoint.available_rows(root=v), True),
        "load root": ("root", lambda v: pretrained.load(name, root=v), True),
        "read_architectures": ("path", lambda v: screening.read_architectures(v), False),
        "screen archs": ("archs", lambda v: screening.screen(name, v), False),
        "screen out": ("out", lambda v: screening.screen(name, [A0], out=v), True),
    }


def _models() -> dict[str, tuple[str, Callable[[Any], Any], bool]]:
    from nasperf import predictors
    from nasperf.encodings.arch2vec import Arch2VecEncoder
    from nasperf.predictors.curves.lcpfn import load_checkpoint

    return {
        "predictors.load": ("path", lambda v: predictors.load(v), False),
        "Predictor.load": ("path", lambda v: predictors.Predictor.load(v), False),
        "Predictor.save": ("path", lambda v: predictors.get("xgb").save(v), False),
        "lcpfn load_checkpoint": ("checkpoint", lambda v: load_checkpoint(v), True),
        "Arch2VecEncoder.save": ("path", lambda v: Arch2VecEncoder().save(v), False),
        "Arch2VecEncoder.load": ("path", lambda v: Arch2VecEncoder.load(v), False),
    }


CALLS: dict[str, tuple[str, Callable[[Any], Any], bool]] = {
    **{f"evaluation {k}": v for k, v in _evaluation().items()},
    **{f"datasets {k}": v for k, v in _datasets().items()},
    **{f"search {k}": v for k, v in _search().items()},
    **{f"zero_cost {k}": v for k, v in _zero_cost().items()},
    **{f"pretrained {k}": v for k, v in _pretrained().items()},
    **{f"models {k}": v for k, v in _models().items()},
}

TYPE_CASES = [
    pytest.param(call, value, id=f"{call}-{type(value).__name__}")
    for call, (_, _, none_ok) in CALLS.items()
    for value in NOT_PATHS
    if not (value is None and none_ok)
]


@pytest.fixture
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder: ``""`` would have meant it, so nothing may appear in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("call", "value"), TYPE_CASES)
def test_a_value_that_is_not_a_path_is_a_type_error_naming_the_argument(call, value, empty_cwd):
    name, fn, _ = CALLS[call]
    # as_path's wording, or the entry point's where it takes more than paths (a mapping,
    # an iterable of architectures, a text stream, a file object, bytes)
    with pytest.raises(TypeError, match=rf"^{name} must be (a path|an architecture file's path)"):
        fn(value)
    assert list(empty_cwd.iterdir()) == []


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "spaces"])
@pytest.mark.parametrize("call", list(CALLS))
def test_an_empty_path_is_a_value_error_naming_the_argument(call, value, empty_cwd):
    name, fn, _ = CALLS[call]
    with pytest.raises(ValueError, match=rf"^{name} must not be empty, got {value!r}$"):
        fn(value)
    assert list(empty_cwd.iterdir()) == []


def test_other_kinds_of_argument_keep_their_own_messages(empty_cwd):
    from nasperf.datasets import read_naslib_zc
    from nasperf.pretrained.checkpoint import check_safe_kinds
    from nasperf.zero_cost.cache import resolve_cache

    with pytest.raises(TypeError, match=r"^path_or_dict must be a path or a mapping, got int$"):
        read_naslib_zc(42)
    with pytest.raises(ValueError, match=r"^cache must be True, False, None, a path or a"):
        resolve_cache(5)
    with pytest.raises(ValueError, match=r"^cache must not be empty"):
        resolve_cache("")
    with pytest.raises(TypeError, match=r"^source must be a path \(str or os.PathLike\) or bytes"):
        check_safe_kinds(None)
    with pytest.raises(ValueError, match=r"^source must not be empty"):
        check_safe_kinds("")
    assert list(empty_cwd.iterdir()) == []


def test_zero_cost_compute_names_its_inputs(empty_cwd):
    from nasperf import zero_cost

    with pytest.raises(ValueError, match=r"^inputs must not be empty"):
        zero_cost.compute("nb201", [A0], "synflow", "cifar10", inputs="", cache=False)
    assert list(empty_cwd.iterdir()) == []


def test_weight_sharing_checkpoint_must_not_be_empty(empty_cwd):
    from nasperf import predictors

    with pytest.raises(ValueError, match=r"^checkpoint must not be empty"):
        predictors.get("oneshot", space="nb201", checkpoint="", epochs=1).fit()
    assert list(empty_cwd.iterdir()) == []


# ---------------------------------------------------------------- paths still work
class _PathLike:
    """An ``os.PathLike`` that is not a ``pathlib.Path``."""

    def __init__(self, text: Any) -> None:
        self.text = text

    def __fspath__(self) -> Any:
        return self.text


def test_as_path_accepts_str_and_pathlike_and_refuses_the_rest():
    assert as_path("a/b.csv", "p") == Path("a/b.csv")
    given = Path("x")
    assert as_path(given, "p") is given
    assert as_path(_PathLike("y/z"), "p") == Path("y/z")
    assert as_optional_path(None, "p") is None
    assert as_optional_path("q", "p") == Path("q")
    with pytest.raises(TypeError, match=r"^p must be a path \(str or os.PathLike\), got _PathLike"):
        as_path(_PathLike(b"y"), "p")  # its __fspath__ gives bytes
    with pytest.raises(
        TypeError, match=r"^p must be a path \(str or os.PathLike\), got bool True$"
    ):
        as_path(True, "p")
    with pytest.raises(ValueError, match=r"^p must not be empty, got ''$"):
        as_optional_path("", "p")
    with pytest.raises(ValueError, match=r"^p must not contain a NUL character"):
        as_path("a\0b", "p")
    long = "x" * 5000
    with pytest.raises(TypeError) as err:
        as_path(long.encode(), "p")
    assert len(str(err.value)) < 600  # the value is shown cut (short_repr)


@pytest.mark.parametrize("kind", [str, Path, _PathLike])
def test_readers_take_a_str_a_path_and_any_pathlike(kind, tmp_path):
    from nasperf.datasets import read_architecture_csv
    from nasperf.datasets.readers import read_csv_header

    csv = tmp_path / "archs.csv"
    csv.write_text(f'arch,val_acc\n"{A0}",91.5\n', encoding="utf-8")
    given = kind(str(csv)) if kind is not Path else csv
    assert read_csv_header(given) == ["arch", "val_acc"]
    table = read_architecture_csv(given, "nb201")
    assert list(table.index) == [A0] and table["val_acc"].tolist() == [91.5]


@pytest.mark.parametrize("kind", [str, Path])
def test_a_results_folder_is_written_and_read_by_str_or_path(kind, tmp_path):
    from nasperf.evaluation.store import ResultsStore, read_results

    folder = kind(tmp_path / "study")
    trial = {"hash": "3f2a", "space": "nb201", "predictor": "xgb", "n_train": 10, "seed": 0}
    with ResultsStore(folder) as store:
        assert store.add(trial, {**trial, "label": "xgb", "kendall_tau": 0.5})
    table = read_results(folder)
    assert table[["hash", "kendall_tau"]].to_dict("records") == [
        {"hash": "3f2a", "kendall_tau": 0.5}
    ]


def test_a_cache_path_ending_in_a_separator_still_names_a_folder(tmp_path):
    from nasperf.zero_cost.cache import CACHE_FILE, cache_file

    assert cache_file(f"{tmp_path}/new{os.sep}") == tmp_path / "new" / CACHE_FILE
    assert cache_file(tmp_path / "db.sqlite") == tmp_path / "db.sqlite"


def test_predictor_save_and_load_take_a_bytes_buffer_still():
    import numpy as np

    from nasperf import predictors

    X = np.arange(40, dtype=float).reshape(20, 2)
    y = X.sum(axis=1)
    pred = predictors.get("xgb", n_estimators=5, random_state=0).fit(X, y)
    buf = io.BytesIO()
    pred.save(buf)
    buf.seek(0)
    back = predictors.load(buf)
    np.testing.assert_array_equal(back.predict(X), pred.predict(X))


def test_the_messages_name_the_value_given():
    from nasperf.evaluation.store import read_results

    with pytest.raises(
        TypeError, match=re.escape("folder must be a path (str or os.PathLike), got NoneType None")
    ):
        read_results(None)
