"""Fixtures shared by the predictor families' tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def smooth():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 3))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]
    return X, y


@pytest.fixture(scope="module")
def nb201_small():
    import nasperf

    table = nasperf.load_benchmark("nb201", "cifar10")
    s = table.sample(60, random_state=1)
    return list(s.index), s["val_acc_200ep"].to_numpy()
