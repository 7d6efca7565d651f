"""The feature scaler of gp and mlp: indicator columns share one scale, others are z-scored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nasperf.predictors import get, load
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


# Files saved by nasperf c67f6c2, when these predictors z-scored every column: fitted on
# 40 NB201 CIFAR-10 cells (``load_benchmark("nb201", "cifar10").sample(60, random_state=0)``,
# the first 40; ``random_state=0``, sparse_gp n_iter=50, var_sparse_gp n_epochs=50, dngo
# epochs=50 and layer_width=16), their predictions for the other 20 in expected.json.
ZSCORE_FILES = Path(__file__).parent / "data" / "zscore"


@pytest.mark.parametrize("name", ["dngo", "sparse_gp", "svr", "var_sparse_gp"])
def test_files_saved_with_per_column_z_scores_keep_them(name):
    saved = json.loads((ZSCORE_FILES / "expected.json").read_text())
    pred = load(ZSCORE_FILES / f"{name}.nasperf")
    X = pred._prepare_predict(saved["train_archs"], {})
    # The file's own scaler, the z-scores of its training cells, not refitted: on these
    # cells the shared scale differs from it by up to 0.11.
    _, zscale = fit_scaler(X)
    np.testing.assert_array_equal(pred.x_scale_, zscale)
    assert np.abs(fit_feature_scaler(X)[1] - zscale).max() > 0.1
    # Same model, other process and possibly another CPU: dngo's float32 network
    # re-associates sums (~1e-6 relative), the GPs and SVR are float64; accuracies are in
    # percent, so 1e-3 points is far below what a changed scaling makes (see below).
    np.testing.assert_allclose(pred.predict(saved["archs"]), saved["predictions"][name], atol=1e-3)
    # Refitted today on the same cells, the shared scale moves the predictions.
    params = {k: v for k, v in pred.get_params().items() if k != "space"}
    refit = get(name, **params, space="nb201").fit(saved["train_archs"], saved["train_y"])
    assert refit._pool_indicators is True
    assert np.abs(refit.predict(saved["archs"]) - saved["predictions"][name]).max() > 1e-2


def test_which_predictors_share_the_indicator_scale():
    """The measured choice (bench/feature_scale.py): bohamiann and nao gained nothing that
    their NB201 seed noise did not cover, bananas's path encoding lost on NB201."""
    from nasperf.predictors import PREDICTORS

    pooled = {
        name: PREDICTORS.get(name)._pool_indicators for name in [*QUICK, "gp", "mlp", "bananas"]
    }
    assert pooled == {
        "sparse_gp": True,
        "var_sparse_gp": True,
        "svr": True,
        "dngo": True,
        "gp": True,
        "mlp": True,
        "bohamiann": False,
        "nao": False,
        "bananas": False,
    }
