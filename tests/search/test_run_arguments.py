"""``search.run``'s optimizer and flags (a type-fuzzing probe: ``run(None)`` had failed deep
inside with "'NoneType' object has no attribute 'moves_locally'", and ``stop_at_optimum="no"``
had been read as true)."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf import search


@pytest.mark.parametrize("optimizer", [None, 5, ["rs"], search.OPTIMIZERS.get("rs")])
def test_an_optimizer_that_is_neither_a_name_nor_an_optimizer_is_one_type_error(optimizer):
    with pytest.raises(TypeError, match="optimizer must be a registered optimizer's name"):
        search.run(optimizer, benchmark="nb201", budget=3)


@pytest.mark.parametrize("flag", ["stop_at_optimum", "progress"])
@pytest.mark.parametrize("value", ["no", 1, 0, None])
def test_flags_that_are_not_bools_are_refused_naming_them(flag, value):
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        search.run("rs", benchmark="nb201", budget=3, **{flag: value})


def test_numpy_bools_and_an_optimizer_instance_are_taken():
    history = search.run(
        search.get("rs"),
        benchmark="nb201",
        budget=3,
        stop_at_optimum=np.bool_(True),
        progress=np.bool_(False),
    )
    assert len(history) == 3
