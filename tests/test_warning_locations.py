"""Warnings name the caller's line (a probe embedding nasperf: five of its ten warnings
pointed at nasperf's or scikit-learn's files, so ``warnings.filterwarnings(module=...)`` and
the printed location named the library, not the call to look at)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nasperf import predictors, search
from nasperf.datasets import LearningCurves, load_benchmark
from nasperf.errors import warn_caller


def _caught(call) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "no warning"
    return caught


def test_exact_gp_beyond_its_size_points_at_the_fit(monkeypatch):
    from nasperf.predictors.kernels import _exact

    monkeypatch.setattr(_exact, "EXACT_WARN_N", 10)  # the size rule, at a test's size
    table = load_benchmark("nb201", "cifar10").iloc[:20]
    est = predictors.get("gp", space="nb201")
    (w,) = _caught(lambda: est.fit(list(table.index), table["val_acc_200ep"].to_numpy()))
    assert w.filename == __file__ and "n³" in str(w.message)


def test_a_minimised_accuracy_points_at_the_objective():
    table = load_benchmark("nb201", "cifar10").iloc[:30][["val_acc_200ep"]]
    table = table.rename(columns={"val_acc_200ep": "val_acc"})
    (w,) = _caught(lambda: search.TableObjective(table, "nb201", "val_acc", maximize=False))
    assert w.filename == __file__ and "reads like a quantity to maximise" in str(w.message)


def test_an_unwritable_default_cache_points_at_the_computation(tmp_path, monkeypatch):
    from nasperf import zero_cost
    from nasperf.spaces import get_space

    (tmp_path / "f").write_text("a file, not a folder")
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "f" / "cache"))
    archs = get_space("nb201").sample(1, seed=0)
    caught = _caught(lambda: zero_cost.compute("nb201", archs, ["params"], progress=False))
    assert [w.filename for w in caught] == [__file__]


def test_fractions_as_accuracies_point_at_the_curves():
    (w,) = _caught(lambda: LearningCurves.from_array(np.full((2, 3), 0.5)))
    assert w.filename == __file__ and "accuracies are read in percent" in str(w.message)


def test_every_frame_inside_nasperf_is_the_outermost_one():
    """The command line: no caller outside nasperf; the warning is still attributed."""

    def outer() -> None:
        warn_caller("x")

    (w,) = _caught(outer)
    assert w.filename == __file__  # this module is not nasperf's
    with pytest.warns(UserWarning, match="^x$"):
        warn_caller("x")
