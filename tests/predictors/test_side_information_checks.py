"""Side information and inputs a library user gets wrong: one clear error, or the right
alignment, never silent NaN predictions or a scrambled reshape."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf import predictors
from nasperf.datasets import load_zero_cost
from nasperf.errors import LabelLeakError

FAST_XGB = {"n_estimators": 20, "max_depth": 3}


@pytest.fixture(scope="module")
def data():
    table = nasperf.load_benchmark("nb201", dataset="cifar10").sample(160, random_state=0)
    return {
        "archs": list(table.index),
        "y": table["val_acc_200ep"].to_numpy(),
        "lc": table["val_acc_12ep"].to_numpy(),
        "zc": load_zero_cost("nb201", "cifar10"),
    }


def _xgb():
    return predictors.get("xgb", space="nb201", random_state=0, **FAST_XGB)


def _omni():
    """omni reads learning curves (xgb alone ignores them)."""
    return predictors.get("omni", space="nb201", random_state=0, model="xgb", model_params=FAST_XGB)


def test_an_infinite_proxy_score_is_one_error_naming_column_and_architecture(data):
    archs, y = data["archs"][:40], data["y"][:40]
    zc = data["zc"].copy()
    zc.loc[archs[7], "synflow"] = np.inf
    for name, params in [("xgb", FAST_XGB), ("mlp", {"epochs": 2})]:
        pred = predictors.get(name, space="nb201", random_state=0, **params)
        with pytest.raises(ValueError) as err:
            pred.fit(archs, y, zero_cost=zc)
        assert str(err.value).startswith(
            f"zero_cost: 1 score(s) are infinite, e.g. column 'synflow' for {archs[7]!r} (inf)"
        )
    block = zc.loc[archs, ["synflow"]].to_numpy()
    with pytest.raises(ValueError, match=r"column 'zc0' for 'row 7' \(inf\)"):
        _xgb().fit(archs, y, zero_cost=block)


def test_bad_zero_cost_tables_and_arrays_are_named(data):
    archs, y = data["archs"][:30], data["y"][:30]
    zc = data["zc"].loc[archs, ["synflow", "jacov"]]
    twice = pd.concat([zc, zc.iloc[[3]]])
    with pytest.raises(ValueError, match=re.escape(f"two rows for architecture {archs[3]!r}")):
        _xgb().fit(archs, y, zero_cost=twice)
    text = zc.astype(object)
    text.loc[archs[5], "synflow"] = "n/a"
    # a proxy-named column with one text cell was dropped from the features without a word
    with pytest.raises(ValueError) as err:
        _xgb().fit(archs, y, zero_cost=text)
    assert str(err.value).startswith(
        f"zero_cost column 'synflow' is named as a registered proxy but is not numeric (row "
        f"{archs[5]!r} holds 'n/a')"
    )
    with pytest.raises(ValueError, match=r"^zero_cost must be numbers in an \(n_archs, n_col"):
        _xgb().fit(archs, y, zero_cost=text.to_numpy())

    # a column held twice: which would be the feature? (a pandas TypeError before)
    doubled = pd.concat([zc[["synflow"]], zc], axis=1)
    for params in ({}, {"zero_cost_columns": ["synflow"]}):
        pred = predictors.get("xgb", space="nb201", random_state=0, **FAST_XGB, **params)
        with pytest.raises(ValueError, match=r"^the zero_cost table has two columns named "):
            pred.fit(archs, y, zero_cost=doubled)
    fitted = _xgb().fit(archs, y, zero_cost=zc)
    with pytest.raises(ValueError, match=r"two columns named 'synflow'; name each column once$"):
        fitted.predict(archs, zero_cost=doubled)
    # the features are the table's rows asked for, in the order asked
    rows = archs[::-1]
    np.testing.assert_array_equal(
        fitted._zero_cost_values(
            fitted.space_, [fitted.space_.coerce(a) for a in rows], {"zero_cost": zc}
        ),
        zc.loc[rows, fitted.uses_zero_cost_].to_numpy(np.float64),
    )


def test_learning_curves_need_one_row_per_architecture(data):
    archs, y, lc = data["archs"][:60], data["y"][:60], data["lc"][:60]
    two = np.column_stack([lc, lc + 1.0])
    omni = predictors.get("omni", space="nb201", random_state=0).fit(archs, y, learning_curves=two)
    # transposed (2, 60) was reshaped into (60, 2) and scrambled
    with pytest.raises(ValueError, match=r"learning_curves has shape \(2, 60\); expected \(60,\)"):
        omni.predict(archs, learning_curves=two.T)
    with pytest.raises(ValueError, match=r"learning_curves has shape \(59, 2\)"):
        omni.predict(archs, learning_curves=two[:59])
    with pytest.raises(ValueError, match=r"^learning_curves must be numbers"):
        omni.predict(archs[:2], learning_curves=[[1.0, 2.0], [3.0]])
    tuned = predictors.get("tuned", model="xgb", n_iter=1, cv=3, space="nb201", random_state=0)
    with pytest.raises(ValueError, match=r"learning_curves has shape \(50,\); expected \(60,\)"):
        tuned.fit(archs, y, learning_curves=lc[:50])
    with pytest.raises(ValueError, match=r"cv=3 folds, which needs at least 3 training"):
        tuned.fit(archs[:2], y[:2])


def test_curves_indexed_by_architecture_are_aligned_by_their_index(data):
    archs, y, lc = data["archs"][:60], data["y"][:60], data["lc"][:60]
    fit = predictors.get("omni", space="nb201", random_state=0).fit(archs, y, learning_curves=lc)
    in_order = fit.predict(archs[:20], learning_curves=lc[:20])
    shuffled = pd.Series(lc, index=archs).iloc[::-1]  # another order, same index
    np.testing.assert_array_equal(fit.predict(archs[:20], learning_curves=shuffled), in_order)
    with pytest.raises(
        ValueError,
        match=r"1 architecture\(s\) have no row in the learning_curves Series \(by its index\)",
    ):
        fit.predict(data["archs"][59:61], learning_curves=shuffled)
    again = predictors.get("omni", space="nb201", random_state=0).fit(
        archs, y, learning_curves=pd.DataFrame({"e12": lc}, index=archs).iloc[::-1]
    )
    np.testing.assert_array_equal(again.predict(archs[:20], learning_curves=lc[:20]), in_order)


def test_the_label_rounded_to_two_decimals_is_refused_as_a_lone_curve(data):
    archs, y = data["archs"], data["y"]
    with pytest.raises(LabelLeakError) as err:
        _omni().fit(archs, y, learning_curves=np.round(y, 2))
    assert "'epoch column 0' (a linear function of it reproduces y: R^2 = 0.99999" in str(err.value)
    # beside a real curve column, the copy is named alone
    with pytest.raises(LabelLeakError, match=r"column\(s\) 'epoch column 1' \(a linear"):
        _omni().fit(archs, y, learning_curves=np.column_stack([data["lc"], np.round(y, 2)]))
    # a real 12-epoch curve is a feature (Pearson r with the 200-epoch label is far from 1)
    assert _omni().fit(archs, y, learning_curves=data["lc"]).uses_learning_curves_ == 1


def test_a_series_or_index_of_architectures_is_not_a_feature_matrix(data):
    archs, y = data["archs"][:40], data["y"][:40]
    expected = _xgb().fit(archs, y).predict(archs[:5])
    index = pd.Index(archs)
    np.testing.assert_array_equal(_xgb().fit(index, y).predict(index[:5]), expected)
    series = pd.Series(archs, index=np.arange(100, 140))
    np.testing.assert_array_equal(_xgb().fit(series, y).predict(series.iloc[:5]), expected)


def test_seeds_at_the_edges(data):
    archs, y = data["archs"][:40], data["y"][:40]
    omni = predictors.get("omni", space="nb201", random_state=2**32 - 1)
    assert np.isfinite(
        omni.fit(archs, y, zero_cost=data["zc"]).predict(archs[:3], zero_cost=data["zc"])
    ).all()
    with pytest.raises(
        ValueError, match=r"random_state must be an int >= 0, a numpy Generator or None, got -1"
    ):
        nasperf.get_space("nb201").sample(3, seed=-1)


def test_a_diverging_sghmc_chain_is_rerun_with_a_smaller_step(data):
    archs, y = data["archs"][:40], data["y"][:40]
    short = {"num_steps": 300, "burn_in": 200, "keep_every": 20, "random_state": 0}
    bnn = predictors.get("bohamiann", space="nb201", step_size=0.5, **short).fit(archs, y)
    assert bnn.n_diverged_ >= 1 and bnn.step_size_ == 0.5 / 2**bnn.n_diverged_
    assert np.isfinite(bnn.predict(archs)).all() and np.isfinite(bnn.predict_std(archs)).all()
    calm = predictors.get("bohamiann", space="nb201", step_size=1e-3, **short).fit(archs, y)
    assert calm.n_diverged_ == 0 and calm.step_size_ == 1e-3
    with pytest.raises(ValueError, match=r"SGHMC chain diverged .* at step_size=1000000.0"):
        predictors.get("bohamiann", space="nb201", step_size=1e6, **short).fit(archs, y)


def test_named_proxies_with_an_array_of_zero_cost_scores_are_refused():
    # a probe: zero_cost_proxies=['synflow'] with an (n, 11) array had trained on all 11
    # columns without a word (uses_zero_cost_ zc0 ... zc10)
    import numpy as np
    import pytest

    import nasperf

    archs = nasperf.get_space("nb201").sample(20, seed=0)
    y = np.arange(20.0)
    zc = np.random.default_rng(0).normal(size=(20, 11))
    pred = nasperf.predictors.get("xgb", space="nb201", zero_cost_proxies=["synflow"])
    with pytest.raises(ValueError, match=r"zero_cost_proxies=\['synflow'\] names columns of a"):
        pred.fit(archs, y, zero_cost=zc)
    plain = nasperf.predictors.get("xgb", space="nb201", n_estimators=5).fit(archs, y, zero_cost=zc)
    assert plain.uses_zero_cost_ == [f"zc{i}" for i in range(11)]  # an array without names
