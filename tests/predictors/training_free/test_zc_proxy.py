"""ZeroCostPredictor: scikit-learn's estimator contract around compute()."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nasperf.datasets import load_target
from nasperf.spaces import NB201Space
from nasperf.zero_cost import ZeroCostPredictor
from tests._registry_helpers import register_space

SMALL = {"channels": 8, "cells_per_stage": 1}
DEAD = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


pytestmark = pytest.mark.usefixtures("one_thread")


def test_estimator_contract(tmp_path):
    est = ZeroCostPredictor(
        space="nb201", proxy="synflow", batch_size=4, network_kwargs=SMALL, cache=None
    )
    params = est.get_params()
    assert params["proxy"] == "synflow" and params["network_kwargs"] == SMALL
    assert params["cache"] is None and params["space"] == "nb201"
    twin = clone(est)
    assert twin.get_params() == params and twin is not est
    assert twin.set_params(proxy="params") is twin and twin.proxy == "params"
    with pytest.raises(NotFittedError):
        est.predict(["|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
    archs = NB201Space().sample(5, seed=0)
    assert est.fit(archs) is est and est.fit(archs, np.zeros(5)) is est
    assert est.proxy_ == "synflow" and isinstance(est.space_, NB201Space)
    pred = est.predict(archs + archs[:1])
    assert pred.shape == (6,) and pred.dtype == np.float64
    assert pred[5] == pred[0] and np.isfinite(pred).all()
    assert est.predict([]).shape == (0,)


def test_unknown_proxy_fails_at_fit():
    with pytest.raises(ValueError, match=r"'proxy' parameter .* registered zero-cost proxy name"):
        ZeroCostPredictor(proxy="synflw").fit()


def test_nan_where_undefined_with_reason():
    est = ZeroCostPredictor(
        space="nb201", proxy="jacov", batch_size=4, network_kwargs=SMALL, cache=None
    ).fit()
    live = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|"
    pred = est.predict([DEAD, live])
    assert np.isnan(pred[0]) and np.isfinite(pred[1])
    assert "input" in est.reasons_[DEAD] and live not in est.reasons_


def test_params_ranks_like_space_params(tmp_path, monkeypatch):
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path))  # cache=True: the user cache, here
    space = NB201Space()
    target = load_target("nb201", "cifar10", "200ep")
    archs = space.sample(100, seed=7)
    y = target.loc[[space.to_string(a) for a in archs]].to_numpy()
    pred = ZeroCostPredictor(proxy="params", batch_size=1).fit(archs).predict(archs)
    direct = np.array([space.params(a) for a in archs])
    np.testing.assert_allclose(pred, direct, rtol=1e-12)
    # Parameter counts tie often; summation order differs in the last bits: compare counts.
    pred, direct = np.round(pred * 1e6), np.round(direct * 1e6)
    np.testing.assert_array_equal(pred, direct)
    tau_pred = kendalltau(pred, y).statistic
    assert tau_pred == pytest.approx(kendalltau(direct, y).statistic, abs=1e-12)
    assert 0.4 < tau_pred < 0.8
    assert (tmp_path / "zero_cost.sqlite").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_fails_at_fit():
    # every cell is in the packaged table, so predict would never have built a network
    est = ZeroCostPredictor(space="nb201", proxy="params", device="cuda")
    with pytest.raises(ValueError, match=r"^device 'cuda' was asked for but CUDA is not"):
        est.fit()


def test_the_default_dataset_is_the_space_s_own_task(monkeypatch):
    # it had been cifar10 whatever the space: a space of other inputs (here 20 tabular
    # features, a TensorTask) had failed to build its networks
    from tests.spaces.test_tensor_task import TabularSpace

    register_space(monkeypatch, TabularSpace, "test_tabular")
    space = TabularSpace()
    archs = list(space.enumerate())[:4]
    est = ZeroCostPredictor(space="test_tabular", proxy="params", cache=False).fit(archs)
    assert est.predict(archs).tolist() == pytest.approx([space.params(a) for a in archs])
    # NB201's default is cifar10: its packaged table, as before
    nb = ZeroCostPredictor(space="nb201", proxy="synflow").fit()
    cells = NB201Space().sample(3, seed=0)
    assert (
        nb.predict(cells).tolist()
        == ZeroCostPredictor(space="nb201", proxy="synflow", dataset="cifar10")
        .fit()
        .predict(cells)
        .tolist()
    )


def test_a_table_is_read_only_where_it_was_computed_with_these_settings():
    """A packaged table stands for the default settings (batch 64, seed 0, the default
    network, the packaged images) whether or not it records them (NASLib's NB101 / NB301 /
    TNB101 tables record none); other settings compute. A table without recorded settings
    (a user's, a study's zero_cost_table) is read as given."""
    import pandas as pd

    from nasperf.datasets import load_zero_cost

    table = load_zero_cost("nb101", "cifar10")
    archs = list(table.index[:2])
    packaged = ZeroCostPredictor(space="nb101", proxy="params").fit(archs)
    np.testing.assert_array_equal(packaged.predict(archs), table.loc[archs, "params"])
    assert packaged.zero_cost_source_ == "table"
    for settings in ({"seed": 1}, {"batch_size": 32}, {"network_kwargs": {"stem_channels": 64}}):
        other = ZeroCostPredictor(space="nb101", proxy="params", cache=None, **settings)
        other.fit(archs)
        for side in ({}, {"zero_cost": table}):  # the packaged table as side information too
            scores = other.predict(archs, **side)
            assert other.zero_cost_source_ == "computed", settings
            if "network_kwargs" in settings:  # a wider stem: more parameters than NASLib's
                assert (scores != table.loc[archs, "params"].to_numpy()).all()
    mine = pd.DataFrame({"params": [7.0, 8.0]}, index=archs)  # records nothing: as given
    seeded = ZeroCostPredictor(space="nb101", proxy="params", seed=3).fit(archs)
    np.testing.assert_array_equal(seeded.predict(archs, zero_cost=mine), [7.0, 8.0])
