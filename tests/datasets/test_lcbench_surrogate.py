"""YAHPO Gym's LCBench surrogate run through onnxruntime: inputs, outputs, validation."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.datasets import get_curve_source
from nasperf.datasets.lcbench_surrogate import HYPERPARAMETERS, LCBenchConfig, LCBenchSurrogate

#: Computed with yahpo-gym 1.0.2 (BenchmarkSet("lcbench", instance="7593")
#: .objective_function) on the same model files: the column order and units must match.
REFERENCE_CONFIG = {
    "task": "7593",
    "batch_size": 300,
    "learning_rate": 0.05,
    "momentum": 0.5,
    "weight_decay": 0.01,
    "num_layers": 1,
    "max_units": 1000,
    "max_dropout": 0.9,
}
REFERENCE_EPOCH_30 = {
    "time": 430.2752,
    "val_accuracy": 57.22852,
    "val_cross_entropy": 1.0639181,
    "val_balanced_accuracy": 65.463376,  # yahpo reports 0.65463376 (a fraction)
    "test_cross_entropy": 1.7044929,
    "test_balanced_accuracy": 66.655284,
}


@pytest.fixture(scope="module")
def surrogate():
    return LCBenchSurrogate(n_threads=1)


def test_matches_yahpo_gym_on_a_reference_config(surrogate):
    frame = surrogate.predict_curve(REFERENCE_CONFIG, [30])
    for name, value in REFERENCE_EPOCH_30.items():
        assert frame[name].iloc[0] == pytest.approx(value, rel=1e-5), name


def test_configs_are_validated_and_sampled_within_the_space(surrogate):
    configs = surrogate.sample(200, seed=0)
    assert configs == surrogate.sample(200, seed=0)
    assert len({c.task for c in configs}) > 20 and len(surrogate.tasks) == 34
    for name in HYPERPARAMETERS:
        hp = surrogate.ranges[name]
        values = np.array([getattr(c, name) for c in configs])
        assert values.min() >= hp["lower"] and values.max() <= hp["upper"]
    assert all(isinstance(c.batch_size, int) for c in configs)
    assert surrogate.config({**REFERENCE_CONFIG}) == LCBenchConfig(**REFERENCE_CONFIG)
    with pytest.raises(ValueError, match="unknown OpenML task '167083'"):
        surrogate.config({**REFERENCE_CONFIG, "task": "167083"})
    with pytest.raises(ValueError, match=r"learning_rate=1.0 is outside \[0.0001, 0.1\]"):
        surrogate.config({**REFERENCE_CONFIG, "learning_rate": 1.0})
    with pytest.raises(ValueError, match="num_layers must be an integer"):
        surrogate.config({**REFERENCE_CONFIG, "num_layers": 2.5})
    with pytest.raises(ValueError, match="missing keys \\['momentum'\\]"):
        surrogate.config({k: v for k, v in REFERENCE_CONFIG.items() if k != "momentum"})
    with pytest.raises(ValueError, match="epochs are ints in 1..52"):
        surrogate.curves(configs[:1], [53])


def test_curves_time_grows_and_source_interface(surrogate):
    src = get_curve_source("lcbench", n_threads=1)
    configs = src.sample(50, seed=1)
    full = src.curves(configs)
    assert full.final_epoch == 52 and len(full) == 50
    assert np.all(np.diff(full.cost) != 0)  # per-config runtimes differ
    seconds = np.stack([src.cost(configs, e) for e in (1, 26, 52)], axis=1)
    assert np.all(np.diff(seconds, axis=1) > 0)
    acc = full.get("val_accuracy")
    assert acc.min() >= 0 and acc.max() <= 100
    assert np.median(acc[:, -1] - acc[:, 0]) > 0  # curves improve over training
    np.testing.assert_allclose(src.final(configs), acc[:, -1])
    feats = src.features(configs)
    assert feats.shape == (50, 7) and np.isfinite(feats).all()
