"""Early stopping, SoTL / SoTL-E / SoVL and LcSVR: what they compute and how they rank."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from nasperf.datasets import LearningCurves, get_curve_source
from nasperf.predictors import get, load
from nasperf.predictors.curves.lcsvr import curve_statistics


@pytest.fixture(scope="module")
def toy():
    acc = np.array([[50.0, 60.0, 70.0], [40.0, 45.0, 80.0]])
    return LearningCurves(
        [1, 2, 3],
        {
            "val_accuracy": acc,
            "train_loss": np.array([[2.0, 1.0, 0.5], [3.0, 1.0, 0.25]]),
            "val_loss": np.array([[1.0, 0.8, 0.5], [2.0, 1.0, 0.4]]),
        },
        final_epoch=10,
    )


@pytest.fixture(scope="module")
def nb301():
    """600 NB301-surrogate genotypes observed for 10 of 98 epochs, and their finals."""
    src = get_curve_source("nb301", n_threads=1)
    archs = src.sample(600, seed=11)
    full = src.curves(archs)
    return archs, full.upto(10), full.get("val_accuracy")[:, -1]


def test_early_stopping_reads_the_last_value(toy):
    acc = get("early_stop_acc").fit(None, learning_curves=toy)
    np.testing.assert_array_equal(acc.predict(None, learning_curves=toy), [70.0, 80.0])
    loss = get("early_stop_loss").fit(None, learning_curves=toy)
    np.testing.assert_array_equal(loss.predict([0, 1], learning_curves=toy), [-0.5, -0.4])
    with pytest.raises(ValueError, match="The 'metric' parameter of EarlyStopAccuracy must be"):
        get("early_stop_acc", metric="val_loss").fit(None, learning_curves=toy)
    with pytest.raises(ValueError, match="pass learning_curves="):
        get("early_stop_acc").fit([1, 2])
    with pytest.raises(ValueError, match="2 rows for 3 architectures"):
        acc.predict([0, 1, 2], learning_curves=toy)


def test_sum_of_losses_members(toy):
    sotl = get("sotl").fit(None, learning_curves=toy)
    np.testing.assert_allclose(sotl.predict(None, learning_curves=toy), [-3.5, -4.25])
    sotle = get("sotle").fit(None, learning_curves=toy)  # last epoch only
    np.testing.assert_allclose(sotle.predict(None, learning_curves=toy), [-0.5, -0.25])
    sovl = get("sovl").fit(None, learning_curves=toy)
    np.testing.assert_allclose(sovl.predict(None, learning_curves=toy), [-2.3, -3.4])
    two = get("sotl", window=2).fit(None, learning_curves=toy)
    np.testing.assert_allclose(two.predict(None, learning_curves=toy), [-1.5, -1.25])
    with pytest.raises(ValueError, match="The 'metric' parameter of SumOfLosses must be"):
        get("sotl", metric="val_accuracy").fit(None, learning_curves=toy)
    with pytest.raises(ValueError, match=r"The 'window' parameter of SumOfLosses .* \[1, inf\)"):
        get("sotl", window=0).fit(None, learning_curves=toy)


def test_sotl_says_when_only_validation_losses_exist(nb301):
    _, part, y = nb301
    with pytest.raises(ValueError, match="records validation losses only"):
        get("sotl").fit(None, learning_curves=part)
    sovl = get("sovl").fit(None, learning_curves=part).predict(None, learning_curves=part)
    assert kendalltau(sovl, y)[0] > 0.2  # measured 0.26-0.30 at 10 of 98 epochs


def test_curve_statistics_are_values_and_differences():
    f = curve_statistics(np.array([[1.0, 3.0, 6.0]]))
    # values, 1st differences (2, 3) + mean + last, 2nd difference (1) + mean + last
    np.testing.assert_allclose(f, [[1, 3, 6, 2, 3, 2.5, 3, 1, 1, 1]])
    assert curve_statistics(np.array([[5.0]])).shape == (1, 1)


def test_lcsvr_learns_from_trained_architectures_and_beats_early_stopping(nb301, tmp_path):
    archs, part, y = nb301
    tr, te = np.arange(300), np.arange(300, 600)
    pred = get("lcsvr", space="nb301", random_state=0).fit(
        [archs[i] for i in tr], y[tr], learning_curves=part.take(tr)
    )
    out = pred.predict([archs[i] for i in te], learning_curves=part.take(te))
    tau = kendalltau(out, y[te])[0]
    tau_es = kendalltau(part.get("val_accuracy")[te, -1], y[te])[0]
    # Measured: LcSVR ~0.48 vs early stopping ~0.37 at 10 of 98 epochs.
    assert tau > tau_es + 0.05, (tau, tau_es)
    assert np.mean(np.abs(out - y[te])) < 0.5  # pp; early stopping is ~20 pp off
    path = tmp_path / "lcsvr.nasperf"
    pred.save(path)
    again = load(path)
    np.testing.assert_array_equal(
        again.predict([archs[i] for i in te], learning_curves=part.take(te)), out
    )
    with pytest.raises(ValueError, match="predict at the budget it was trained at"):
        pred.predict([archs[i] for i in te], learning_curves=part.take(te).upto(5))
    # as many epochs, but later ones (11..20 for 1..10): refused too (they had been used)
    later = part.take(te)
    later = LearningCurves(
        later.epochs + 10, dict(later.values), final_epoch=later.final_epoch, cost=later.cost
    )
    with pytest.raises(
        ValueError, match=r"fitted on curves at epochs 1\.\.10, got epochs 11\.\.20: predict at"
    ):
        pred.predict([archs[i] for i in te], learning_curves=later)
    # A feature matrix (e.g. LCBench hyper-parameters) works the same way.
    X = np.random.default_rng(0).normal(size=(600, 3))
    m = get("lcsvr", random_state=0, n_iter=3).fit(X[tr], y[tr], learning_curves=part.take(tr))
    assert m.predict(X[te], learning_curves=part.take(te)).shape == (300,)


def test_lcsvr_names_one_curve_and_missing_architectures(nb301):
    archs, part, y = nb301
    # one curve: scikit-learn's "n_splits=2 greater than the number of samples" before
    with pytest.raises(ValueError, match=r"^LcSVR needs at least 2 training curves, got 1$"):
        get("lcsvr", space="nb301", n_iter=2).fit(archs[:1], y[:1], learning_curves=part.take([0]))
    pred = get("lcsvr", space="nb301", n_iter=2, random_state=0).fit(
        archs[:20], y[:20], learning_curves=part.take(range(20))
    )
    # fitted with architectures, asked without: it had blamed the budget
    with pytest.raises(ValueError, match="fitted with architecture features; pass the arch"):
        pred.predict(None, learning_curves=part.take(range(20, 25)))


def test_a_loss_predictor_given_an_array_names_itself_and_how_to_pass_losses():
    # "the learning curves have no 'val_loss' (they have val_accuracy)" did not say which
    # predictor asked, nor that an array is read as validation accuracy
    curves = np.full((4, 3), 50.0)
    pred = get("early_stop_loss").fit(None, learning_curves=curves)
    with pytest.raises(ValueError, match=r"EarlyStopLoss \(metric='val_loss'\): the learning "):
        pred.predict(None, learning_curves=curves)
    with pytest.raises(ValueError, match=r"read as val_accuracy; pass LearningCurves\(epochs, "):
        pred.predict(None, learning_curves=curves)


def test_curves_in_a_table_indexed_by_architecture_are_aligned_to_archs():
    """A probe's case: lcsvr given a DataFrame of curves indexed by architecture (as feature
    predictors align such a table) read it in its own order: "15625 rows for 40
    architectures", or another architecture's curve where the lengths agreed."""
    import pandas as pd

    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10")
    curves = table[["val_acc_12ep"]]  # every architecture, one epoch
    archs = list(table.index[[40, 7, 300, 12, 5000, 9, 61, 2, 800, 33, 1, 77]])
    y = table.loc[archs, "val_acc_200ep"].to_numpy()
    est = get("early_stop_acc")
    direct = est.fit(archs, learning_curves=curves.loc[archs].to_numpy()).predict(
        archs, learning_curves=curves.loc[archs].to_numpy()
    )
    assert np.array_equal(est.predict(archs, learning_curves=curves), direct)
    shuffled = curves.loc[archs[::-1]]  # same length, another order: aligned, not paired
    assert np.array_equal(est.predict(archs, learning_curves=shuffled), direct)
    svr = get("lcsvr", space="nb201", random_state=0).fit(archs, y, learning_curves=curves)
    assert svr.predict(archs, learning_curves=curves).shape == (12,)
    with pytest.raises(ValueError, match="indexed by architecture, without a row for 'x'"):
        est.predict(["x"], learning_curves=curves)
    with pytest.raises(ValueError, match="two rows for architecture"):
        est.predict(archs[:1], learning_curves=pd.concat([curves.iloc[:2], curves.iloc[:1]]))
