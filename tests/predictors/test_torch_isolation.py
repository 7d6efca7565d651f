"""Torch predictors in a caller's process: whatever its default dtype (BoTorch / GP code sets
float64), and fitted from several Python threads at once, they give the predictions of a
plain single-threaded float32 run and leave the caller's torch settings as they were.

Predictions are compared bit for bit: nasperf's networks and tensors are float32 (or
explicitly float64) either way, so the same operations run in the same order on the same
thread count, and a section held under nasperf's torch lock draws exactly its own seeded
stream (:mod:`nasperf._torch_state`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

import nasperf
import nasperf.predictors
from nasperf.datasets.curves import LearningCurves
from nasperf.predictors.curves import lcpfn as lcpfn_module

# Every torch predictor that fits in about a second with its test_params.
TORCH_PREDICTORS = [
    "mlp",
    "bananas",
    "dngo",
    "bohamiann",
    "nao",
    "seminas",
    "gcn",
    "gin",
    "gates",
    "bonas",
    "pairwise",
    "sparse_gp",
    "var_sparse_gp",
]


@pytest.fixture(scope="module")
def data():
    archs = nasperf.get_space("nb201").sample(24, seed=0)
    y = np.random.default_rng(0).random(24)
    return archs, y


def _new(name: str, **params):
    pred = nasperf.predictors.get(name, random_state=0)
    return pred.set_params(**{**(getattr(type(pred), "test_params", None) or {}), **params})


def _fit_predict(name: str, archs, y) -> tuple[np.ndarray, np.ndarray | None]:
    pred = _new(name).fit(archs, y)
    std = pred.predict_std(archs) if pred.has_uncertainty else None
    return pred.predict(archs), std


@pytest.mark.parametrize("name", TORCH_PREDICTORS)
def test_float64_default_dtype_gives_the_float32_predictions(name, data, request):
    archs, y = data
    assert torch.get_default_dtype() is torch.float32
    mean32, std32 = _fit_predict(name, archs, y)
    request.getfixturevalue("float64_default")
    torch.manual_seed(11)
    state = torch.get_rng_state()
    # mlp, bananas, dngo, gcn, gin, ... raised "mat1 and mat2 must have the same dtype";
    # sparse_gp's predictions moved by 8e-4
    mean64, std64 = _fit_predict(name, archs, y)
    np.testing.assert_array_equal(mean64, mean32)
    if std32 is not None:
        np.testing.assert_array_equal(std64, std32)
    assert torch.get_default_dtype() is torch.float64
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("name", ["mlp", "gin", "sparse_gp"])
def test_loaded_under_float64_default_predicts_as_saved(name, data, float64_default, tmp_path):
    archs, y = data
    pred = _new(name).fit(archs, y)
    expected = pred.predict(archs)
    pred.save(tmp_path / "p.nasperf")
    torch.manual_seed(3)
    state = torch.get_rng_state()
    again = nasperf.predictors.load(tmp_path / "p.nasperf")
    # the rebuilt networks' throwaway initial weights no longer move the caller's stream
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(again.predict(archs), expected)
    assert torch.get_default_dtype() is torch.float64


@pytest.mark.parametrize("name", ["gin", "gcn", "bonas", "pairwise", "mlp", "sparse_gp"])
def test_concurrent_fits_in_threads_match_sequential_and_keep_callers_rng(name, data):
    archs, y = data
    expected = _new(name).fit(archs, y).predict(archs)
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    threads = torch.get_num_threads()
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: _new(name).fit(archs, y).predict(archs), range(4)))
    for g in got:
        np.testing.assert_array_equal(g, expected)
    # each thread's fork had restored another's seeded state: the caller's stream moved
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads
    assert torch.get_default_dtype() is torch.float32


# ------------------------------------------------------------------------------ lcpfn
def _curves() -> LearningCurves:
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 13)
    final = rng.uniform(60, 95, size=(20, 1))
    acc = final * (1 - np.exp(-epochs / rng.uniform(2, 6, size=(20, 1))))
    return LearningCurves(epochs, {"val_accuracy": acc}, final_epoch=100)


def test_lcpfn_first_checkpoint_load_leaves_the_callers_rng_alone():
    lcpfn_module._load.cache_clear()  # the construction runs again: a first load
    torch.manual_seed(21)
    state = torch.get_rng_state()
    model, _ = lcpfn_module.load_checkpoint()
    assert torch.equal(torch.get_rng_state(), state)
    assert all(p.dtype is torch.float32 for p in model.parameters())


def test_lcpfn_under_float64_default_predicts_as_under_float32(request):
    lc = _curves()
    lcpfn_module._load.cache_clear()
    pred = nasperf.predictors.get("lcpfn", batch_size=8).fit(None, learning_curves=lc)
    mean32 = pred.predict(None, learning_curves=lc)
    std32 = pred.predict_std(None, learning_curves=lc)
    request.getfixturevalue("float64_default")
    lcpfn_module._load.cache_clear()  # the network is rebuilt under the float64 default
    pred = nasperf.predictors.get("lcpfn", batch_size=8).fit(None, learning_curves=lc)
    np.testing.assert_array_equal(pred.predict(None, learning_curves=lc), mean32)
    np.testing.assert_array_equal(pred.predict_std(None, learning_curves=lc), std32)
    assert torch.get_default_dtype() is torch.float64


# ---------------------------------------------------------------------- weight sharing
ONESHOT = {
    "space": "nb201",
    "epochs": 1,
    "n_eval": 64,
    "batch_size": 32,
    "eval_batch_size": 64,
    "network": {"channels": 4, "cells_per_stage": 1},
    "random_state": 0,
}


def test_oneshot_under_float64_default_scores_as_under_float32(request):
    archs = nasperf.get_space("nb201").sample(6, seed=5)
    pred = nasperf.predictors.get("oneshot", **ONESHOT).fit()
    acc32 = pred.predict(archs)
    alpha32 = pred.set_params(score="alpha").predict(archs)
    request.getfixturevalue("float64_default")
    # the supernet and its architecture parameters (alphas) are float32 here too
    pred = nasperf.predictors.get("oneshot", **ONESHOT).fit()
    np.testing.assert_array_equal(pred.predict(archs), acc32)
    np.testing.assert_array_equal(pred.set_params(score="alpha").predict(archs), alpha32)
    assert torch.get_default_dtype() is torch.float64
