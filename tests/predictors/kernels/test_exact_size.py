"""Exact GPs warn before a fit whose time grows as n³ (a probe: gp took 48 s at 2,000
training architectures and over 120 s at 4,000, gp_wl 66 s and 1.5 GB, without a word)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nasperf
from nasperf.predictors.kernels import _exact


@pytest.mark.parametrize("name", ["gp", "gp_wl"])
def test_an_exact_gp_warns_above_its_size(monkeypatch, name):
    archs = nasperf.get_space("nb201").sample(12, seed=0)
    y = np.arange(12, dtype=np.float64)
    monkeypatch.setattr(_exact, "EXACT_WARN_N", 11)
    with pytest.warns(UserWarning, match=rf"^{name}: an exact Gaussian process on 12 training"):
        nasperf.predictors.get(name, space="nb201", random_state=0).fit(archs, y)
    monkeypatch.setattr(_exact, "EXACT_WARN_N", 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        nasperf.predictors.get(name, space="nb201", random_state=0).fit(archs, y)
