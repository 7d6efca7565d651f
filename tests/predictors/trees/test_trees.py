"""Member-specific checks of the tree predictors (values, not smoke)."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.predictors import get


def test_small_data_trees_split(smooth):
    X, y = smooth
    # LightGBM's default of 20 rows per leaf would give a constant model on 20 rows.
    pred = get("lgb", n_estimators=50, random_state=0).fit(X[:20], y[:20])
    assert np.unique(pred.predict(X[:20])).size > 10
    rf = get("rf", n_estimators=30, random_state=0).fit(X, y)
    assert len(rf.model_.estimators_) == 30
    assert np.corrcoef(rf.predict(X), y)[0, 1] > 0.95


@pytest.mark.parametrize(
    ("label", "transform"),
    [("small units", lambda y: y * 1e-5), ("a large offset", lambda y: y + 1e7)],
)
def test_xgb_learns_targets_in_small_units_or_far_from_zero(label, transform, tmp_path):
    """XGBoost works in float32 and drops splits of gain below 1e-6: a latency in seconds
    (std ~3e-5 here) or 1e7 + accuracy was fitted as one constant (Kendall tau NaN). Such
    labels are standardised inside: the ranking matches the plain fit's (float rounding
    may move a split: within 0.02), and survives save / load."""
    from scipy.stats import kendalltau

    from nasperf.predictors import load
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    train, test = table.iloc[::20], table.iloc[7::13]
    y = train["val_acc"].to_numpy()

    def fit(values):
        pred = get("xgb", space="user_chain8", random_state=0)
        return pred.fit(list(train.index), values)

    plain = kendalltau(fit(y).predict(list(test.index)), test["val_acc"])[0]
    pred = fit(transform(y))
    scores = pred.predict(list(test.index))
    assert len(np.unique(scores)) > 100
    assert abs(kendalltau(scores, test["val_acc"])[0] - plain) <= 0.02
    # the predictions are on the target's own scale
    assert abs(np.mean(scores) - np.mean(transform(y))) < 2 * np.std(transform(y))
    pred.save(tmp_path / "x.nasperf")
    np.testing.assert_array_equal(load(tmp_path / "x.nasperf").predict(list(test.index)), scores)


def test_a_pipeline_from_the_zero_cost_encoding_into_gradient_boosting_takes_its_nan():
    """The zero_cost encoding keeps a proxy's NaN (jacov and epe_nas failed on some NB201
    cells); XGBoost and LightGBM take NaN as missing, so the README's union of encodings
    piped into them fits (it had failed: "Input X contains NaN"). Models that cannot take
    NaN still refuse it, and infinities are refused by all."""
    import numpy as np
    from sklearn.pipeline import make_pipeline

    import nasperf
    from nasperf import encodings, predictors

    table = nasperf.load_benchmark("nb201", "cifar10").sample(100, random_state=0)
    zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
    union = encodings.get(["adjacency_onehot", "zero_cost"], space="nb201", table=zc)
    archs, y = list(table.index), table["val_acc_200ep"].to_numpy()
    X = union.fit(archs).transform(archs)
    assert np.isnan(X).sum() == 6  # the packaged table's NaN in these 100 cells
    for name in ("xgb", "lgb"):
        model = predictors.get(name, random_state=0, n_estimators=20)
        pred = make_pipeline(union, model).fit(archs, y).predict(archs)
        assert np.isfinite(pred).all()
        # a NaN is a missing value, as XGBoost / LightGBM take it themselves
        np.testing.assert_allclose(
            pred, predictors.get(name, random_state=0, n_estimators=20).fit(X, y).predict(X)
        )
        with pytest.raises(ValueError, match="infinity"):
            predictors.get(name).fit(np.where(np.isnan(X), np.inf, X), y)
    with pytest.raises(ValueError, match="NaN"):
        predictors.get("gp").fit(X, y)


def test_ngb_fits_constant_labels_as_that_constant(tmp_path):
    """All-equal labels gave NGBoost an initial Normal of scale 0 (log-scale -inf): fit
    failed 17 frames deep in scikit-learn with "Input y contains NaN". NGB now returns
    the constant, as every other predictor does, with standard deviation 0, through
    save / load too."""
    import warnings

    import nasperf
    from nasperf.predictors import load

    archs = nasperf.get_space("nb201").sample(20, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero warnings either
        pred = get("ngb", space="nb201", n_estimators=20, random_state=0)
        pred.fit(archs, np.full(20, 80.0))
    new = nasperf.get_space("nb201").sample(5, seed=1)
    np.testing.assert_array_equal(pred.predict(new), np.full(5, 80.0))
    np.testing.assert_array_equal(pred.predict_std(new), np.zeros(5))
    assert pred.model_ is None
    # a spread within fit_scaler's constant bound (1e-12) is a constant too
    tiny = get("ngb", n_estimators=20, random_state=0).fit(
        np.eye(4), 0.5 + np.array([0, 1e-13, 0, -1e-13])
    )
    np.testing.assert_allclose(tiny.predict(np.eye(4)), 0.5, rtol=0, atol=1e-15)
    pred.save(tmp_path / "c.nasperf")
    back = load(tmp_path / "c.nasperf")
    np.testing.assert_array_equal(back.predict(new), np.full(5, 80.0))
    np.testing.assert_array_equal(back.predict_std(new), np.zeros(5))
