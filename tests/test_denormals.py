"""Denormal floats are kept out of torch weights and optimizer state (nasperf._denormals)."""

from __future__ import annotations

import numpy as np
import torch

from nasperf import pretrained
from nasperf._denormals import flush_denormals_, without_denormals

TINY = torch.finfo(torch.float32).tiny


def _denormals(tensors) -> int:
    return sum(int(((t != 0) & (t.abs() < torch.finfo(t.dtype).tiny)).sum()) for t in tensors)


def test_flush_sets_exactly_the_denormals_to_zero(keep_denormals):
    t = torch.tensor([0.0, TINY / 4, -TINY / 2, TINY, -1e-30, 3.0])
    assert flush_denormals_([t]) == 2
    expected = torch.tensor([0.0, 0.0, 0.0, TINY, -1e-30, 3.0])  # -1e-30 in float32
    assert torch.equal(t, expected)
    # float64's own threshold; parsed now, not compiled: where the suite flushes denormals a
    # literal in this module is 0.0 before any fixture runs
    d = torch.tensor([float("5e-320"), 1.0], dtype=torch.float64)
    assert flush_denormals_([d]) == 1 and d[0] == 0


def test_the_step_hook_flushes_weights_and_adam_state(keep_denormals):
    w = torch.nn.Parameter(torch.tensor([1.0, 1e-20, 0.5]))
    opt = without_denormals(torch.optim.Adam([w], lr=1e-3))
    # A gradient of 1e-20 squares to 1e-40 in Adam's second moment: denormal without the hook.
    w.grad = torch.tensor([1e-20, 1e-20, 0.0])
    opt.step()
    assert _denormals([w, *opt.state[w].values()]) == 0
    plain = torch.optim.Adam([torch.nn.Parameter(w.detach().clone())], lr=1e-3)
    p = plain.param_groups[0]["params"][0]
    p.grad = torch.tensor([1e-20, 1e-20, 0.0])
    plain.step()
    assert _denormals(plain.state[p].values()) > 0  # what the hook prevents


def test_a_packaged_gnn_checkpoint_loads_without_denormal_weights():
    """The packaged GIN was trained before the hook existed (about 19 % of its weights are
    denormal in the file); loading flushes them, and its reference predictions (checked on
    load, to 1e-3) are unchanged."""
    ckpt = pretrained.load("nb201-cifar10-gnn")
    assert _denormals(ckpt.predictor.network_.parameters()) == 0


def test_training_a_gnn_leaves_no_denormal_weights():
    import nasperf
    from nasperf.predictors import get

    table = nasperf.load_benchmark("nb201", "cifar10").sample(120, random_state=0)
    pred = get("gin", space="nb201", epochs=30, random_state=0)
    pred.fit(list(table.index), table["val_acc_200ep"].to_numpy())
    assert _denormals(pred.network_.parameters()) == 0
    assert np.isfinite(pred.predict(list(table.index))).all()
