"""The feature scaler of gp and mlp: indicator columns share one scale, others are z-scored."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.predictors import get
from nasperf.predictors.base import fit_feature_scaler, fit_scaler

# Columns: an indicator in 1 row of 4 (p = 1/4), one in 2 rows (p = 1/2), a continuous
# column, a constant 1, an all-zero indicator (constant), a column of 0, 0.5 and 1 (not an
# indicator), an indicator in 3 rows of 4 (p = 3/4).
X = np.array(
    [
        [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 2.0, 1.0, 0.0, 0.5, 1.0],
        [0.0, 0.0, 4.0, 1.0, 0.0, 1.0, 1.0],
        [0.0, 0.0, 6.0, 1.0, 0.0, 1.0, 0.0],
    ]
)
MEAN = np.array([0.25, 0.5, 3.0, 1.0, 0.0, 0.625, 0.75])
# Indicator variances p (1 - p): 3/16, 4/16, 3/16; their root mean square std is
# sqrt(10/48) = sqrt(5/24). The continuous columns' stds: sqrt(20/4) and sqrt(0.6875/4).
POOLED = np.sqrt(5 / 24)
SCALE = np.array([POOLED, POOLED, np.sqrt(5.0), 1.0, 1.0, np.sqrt(0.171875), POOLED])
Y = np.array([1.0, 3.0, 2.0, 5.0])


def test_indicators_share_the_rms_of_their_stds_and_other_columns_are_z_scored():
    mean, scale = fit_feature_scaler(X)
    np.testing.assert_array_equal(mean, MEAN)
    # float64 sums of 4 values and one sqrt: a few ulp.
    np.testing.assert_allclose(scale, SCALE, rtol=1e-14, atol=0)
    # The indicators' total variance is their number, as after z-scores.
    z = (X - mean) / scale
    assert z[:, [0, 1, 6]].var(axis=0).sum() == pytest.approx(3.0, rel=1e-14)
    # Rarer indicators now vary less than common ones (3/16 : 4/16 of the pooled variance).
    np.testing.assert_allclose(z[:, [0, 1, 6]].var(axis=0), [0.9, 1.2, 0.9], rtol=1e-14)
    # Constant columns are centred, not scaled: they stay exactly 0.
    assert not z[:, [3, 4]].any()


def test_without_pooling_it_is_fit_scaler():
    mean, scale = fit_feature_scaler(X, pool_indicators=False)
    want_mean, want_scale = fit_scaler(X)
    np.testing.assert_array_equal(mean, want_mean)
    np.testing.assert_array_equal(scale, want_scale)
    np.testing.assert_allclose(scale[[0, 1, 6]], [np.sqrt(3) / 4, 0.5, np.sqrt(3) / 4], rtol=1e-15)


def test_equally_frequent_indicators_keep_their_z_scores():
    # Every indicator in half the rows: the shared scale is each one's own std, 1/2.
    Xe = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 0]], dtype=np.float64)
    _, scale = fit_feature_scaler(Xe)
    np.testing.assert_array_equal(scale, [0.5, 0.5, 0.5])


@pytest.mark.parametrize("name", ["gp", "mlp"])
def test_gp_and_mlp_fit_the_shared_scale(name):
    pred = get(name, random_state=0, **({"epochs": 2} if name == "mlp" else {})).fit(X, Y)
    np.testing.assert_array_equal(pred.x_mean_, MEAN)
    np.testing.assert_allclose(pred.x_scale_, SCALE, rtol=1e-14, atol=0)


def test_bananas_keeps_per_column_z_scores():
    pred = get("bananas", random_state=0, epochs=2, n_ensemble=1).fit(X, Y)
    want_mean, want_scale = fit_scaler(X)
    np.testing.assert_array_equal(pred.x_mean_, want_mean)
    np.testing.assert_array_equal(pred.x_scale_, want_scale)


# The other predictors that standardise their features, each with a fit that takes well
# under a second here; ``_pool_indicators`` chooses the scaling (bench/feature_scale.py).
QUICK = {
    "sparse_gp": {"n_iter": 5},
    "var_sparse_gp": {"n_epochs": 5},
    "svr": {},
    "dngo": {"epochs": 2, "layer_width": 8},
    "bohamiann": {"num_steps": 100, "burn_in": 50, "keep_every": 10, "layer_width": 8},
    "nao": {"n_steps": 5, "hidden_size": 8},
}


@pytest.mark.parametrize("pooled", [False, True])
@pytest.mark.parametrize("name", sorted(QUICK))
def test_the_flag_chooses_the_scale_each_predictor_fits(name, pooled):
    pred = get(name, random_state=0, **QUICK[name])
    pred._pool_indicators = pooled
    pred.fit(X, Y)
    np.testing.assert_array_equal(pred.x_mean_, MEAN)
    want = SCALE if pooled else fit_scaler(X)[1]
    np.testing.assert_allclose(pred.x_scale_, want, rtol=1e-14, atol=0)
