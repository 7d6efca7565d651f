"""Fixtures of the bad-input corpus: tiny fitted objects, built once per session."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf import predictors
from nasperf.pretrained.checkpoint import Checkpoint
from nasperf.spaces import get_space


@pytest.fixture(scope="session")
def fitted_xgb():
    """An XGBoost predictor fitted on 20 NB201 cells (5 trees): fast to fit and to save."""
    space = get_space("nb201")
    archs = space.sample(20, seed=0)
    y = np.linspace(70.0, 90.0, 20)
    return predictors.get("xgb", space="nb201", n_estimators=5, random_state=0).fit(archs, y)


@pytest.fixture(scope="session")
def tiny_checkpoint(fitted_xgb) -> Checkpoint:
    """A checkpoint around :func:`fitted_xgb` (no packaged file to load: milliseconds)."""
    meta = {"name": "tiny-nb201", "space": "nb201", "predictor": "xgb", "metrics": {}}
    return Checkpoint(meta, fitted_xgb, {})
