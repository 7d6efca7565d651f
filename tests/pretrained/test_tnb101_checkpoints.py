"""The TransNAS-Bench-101 checkpoints: one compact tree per task and space, whose recorded
held-out metrics are reproduced from the packaged tables, and which screen any cell."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf import get_space, pretrained
from nasperf.datasets.tnb101 import TNB101_TASKS
from tests.pretrained._reproduce import assert_recorded_test_metrics

NAMES = [f"tnb101_{s}-{t}-tree" for s in ("micro", "macro") for t in TNB101_TASKS]


def test_every_task_has_a_small_checkpoint():
    table = pretrained.available()
    assert set(NAMES) <= set(table.index)
    sub = table.loc[NAMES]
    assert (sub["bytes"] < 80_000).all() and (sub["zero_cost"] == "").all()
    assert set(sub["predictor"]) <= {"xgb", "lgb"}
    # macro architectures are chains: only the adjacency encoding generalises there
    assert (sub.loc[[n for n in NAMES if "macro" in n], "encoding"] == "adjacency_onehot").all()


@pytest.mark.parametrize("name", NAMES)
def test_recorded_test_metrics_are_reproduced(name, build_script):
    ckpt = pretrained.load(name)
    meta = ckpt.metadata
    space, task = meta["space"].split("_")[1], meta["dataset"]
    assert_recorded_test_metrics(ckpt, build_script.tnb101_data(space, task), build_script, 0.5)


def test_screens_cells_outside_the_labelled_set():
    ckpt = pretrained.load("tnb101_micro-segmentsemantic-tree")
    space = get_space("tnb101_micro")
    cells = [space.to_string(a) for a in space.enumerate()]
    scores = ckpt.predict(cells)  # all 4,096 cells, not just the 711 labelled
    assert scores.shape == (4096,) and np.isfinite(scores).all() and np.unique(scores).size > 100
