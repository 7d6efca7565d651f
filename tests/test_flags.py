"""True / False parameters take only bools (``nasperf.errors.check_flag``).

A type-fuzzing probe: they had been read by truthiness, so ``"no"`` meant yes and, worst,
``pretrained.load(name, check=0)`` turned the integrity check of a checkpoint off. Each is
now one ``TypeError`` naming the parameter; numpy bools (what a comparison of arrays gives)
still work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf import pretrained, zero_cost
from nasperf.datasets import LearningCurves
from nasperf.errors import check_flag
from nasperf.search.objective import TableObjective


def _table() -> pd.DataFrame:
    space = nasperf.get_space("nb201")
    archs = [space.to_string(a) for a in space.sample(4, 0)]
    return pd.DataFrame({"val_acc": [90.0, 91.0, 92.0, 93.0]}, index=archs)


CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "pretrained.load check": (
        "check",
        lambda v: pretrained.load("nb201-cifar10-tree", check=v),
    ),
    "TableObjective validate": (
        "validate",
        lambda v: TableObjective(_table(), "nb201", "val_acc", validate=v),
    ),
    "TableObjective continues": (
        "continues",
        lambda v: TableObjective(_table(), "nb201", "val_acc", continues=v),
    ),
    "LearningCurves percent": (
        "percent",
        lambda v: LearningCurves([1, 2], {"val_accuracy": [[50.0, 60.0]]}, percent=v),
    ),
    "available_benchmarks tasks": ("tasks", lambda v: nasperf.available_benchmarks(tasks=v)),
    "zero_cost.available population": ("population", lambda v: zero_cost.available(population=v)),
    "zero_cost.compute progress": (
        "progress",
        lambda v: zero_cost.compute("nb201", [], "synflow", "cifar10", progress=v),
    ),
}


@pytest.mark.parametrize("value", ["no", "yes", 0, 1, None, 0.0])
@pytest.mark.parametrize("call", list(CALLS))
def test_a_flag_that_is_not_a_bool_is_one_type_error_naming_it(call, value):
    name, fn = CALLS[call]
    with pytest.raises(TypeError, match=rf"{name} must be True or False, got {value!r}"):
        fn(value)


@pytest.mark.parametrize("call", [c for c in CALLS if c != "pretrained.load check"])
def test_numpy_bools_are_flags(call):
    _, fn = CALLS[call]
    fn(np.bool_(False))
    fn(np.True_)


def test_check_flag_returns_a_python_bool():
    assert check_flag(np.bool_(True), "x") is True and check_flag(False, "x") is False
    with pytest.raises(TypeError, match=r"^x must be True or False, got 'no'$"):
        check_flag("no", "x")
    with pytest.raises(TypeError, match=r"got array\(\[True\]\)"):
        check_flag(np.array([True]), "x")


def test_tasks_true_still_lists_the_tasks():
    assert isinstance(nasperf.available_benchmarks(tasks=np.bool_(True)), pd.DataFrame)
    assert zero_cost.available(population=np.bool_(False)) == zero_cost.available(population=False)
