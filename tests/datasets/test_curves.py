"""LearningCurves (the value learning-curve predictors read) and the curve sources."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.datasets import (
    LearningCurves,
    as_learning_curves,
    available_curve_sources,
    get_benchmark,
    get_curve_source,
    load_benchmark,
)
from nasperf.datasets.curves import higher_is_better


def _lc(n=3, epochs=(1, 2, 5)):
    rng = np.random.default_rng(0)
    acc = np.sort(rng.uniform(40, 90, (n, len(epochs))), axis=1)
    return LearningCurves(epochs, {"val_accuracy": acc, "val_loss": 1 - acc / 100}, 10, np.ones(n))


def test_learning_curves_validate_shapes_epochs_and_values():
    lc = _lc()
    assert len(lc) == 3 and lc.metrics == ("val_accuracy", "val_loss") and lc.last_epoch == 5
    assert np.asarray(lc).shape == (3, 6)  # metrics side by side, for feature-based hybrids
    with pytest.raises(ValueError, match="strictly increasing"):
        LearningCurves([2, 1], {"val_accuracy": np.zeros((1, 2))})
    with pytest.raises(ValueError, match=r"shape \(1, 3\), expected \(n, 2\)"):
        LearningCurves([1, 2], {"val_accuracy": np.zeros((1, 3))})
    with pytest.raises(ValueError, match="NaN or inf values, first at row 1, epoch 2"):
        LearningCurves([1, 2], {"val_accuracy": np.array([[1.0, 2.0], [3.0, np.nan]])})
    with pytest.raises(ValueError, match="unknown learning-curve metric 'acc'"):
        LearningCurves([1], {"acc": np.zeros((1, 1))})
    with pytest.raises(ValueError, match="final_epoch must be an int >= the last observed"):
        LearningCurves([1, 5], {"val_accuracy": np.zeros((1, 2))}, final_epoch=3)
    with pytest.raises(ValueError, match="2 rows, the other metrics 1"):
        LearningCurves([1], {"val_accuracy": np.zeros((1, 1)), "val_loss": np.zeros((2, 1))})


def test_learning_curves_refuse_what_they_cannot_mean():
    acc = np.full((1, 2), 50.0)
    cases = [  # each had been a numpy / ufunc error, or accepted
        (
            ([1, 2], {"val_accuracy": [[1.0, 2.0], [1.0, 2.0, 3.0]]}),
            r"values\['val_accuracy'\] must be an \(n, k\) array of numbers",
        ),
        ((["1", "2"], {"val_accuracy": acc}), r"epochs must be integers >= 1, got \['1', '2'\]"),
        (
            ([1, 2], {"val_accuracy": acc}, "200"),
            r"final_epoch must be an int >= the last observed epoch 2, got '200'",
        ),
        (
            ([1, 2], {"val_accuracy": acc}, None, [np.nan]),
            r"cost must be finite non-negative seconds, got nan at row 0",
        ),
        (
            ([1, 2], {"val_accuracy": acc}, None, [-5.0]),
            r"cost must be finite non-negative seconds, got -5.0 at row 0",
        ),
        # accuracies are in percent: a curve at 110..200 % or below 0 is not one
        (
            ([1, 2], {"val_accuracy": [[110.0, 200.0]]}),
            r"values\['val_accuracy'\] are accuracies in percent \(0\.\.100\), got values in \[110, 200\]",
        ),
        (
            ([1, 2], {"test_accuracy": [[-47.0, -20.0]]}),
            r"\['test_accuracy'\] are accuracies in percent .* in \[-47, -20\]",
        ),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            LearningCurves(*args)
    with pytest.warns(UserWarning, match=r"all lie in \[0, 1\]: .*multiply them by 100"):
        LearningCurves([1, 2], {"val_accuracy": [[0.62, 0.64]]})
    LearningCurves([1, 2], {"val_loss": [[0.62, 0.64]]})  # losses: any finite value, no word
    # a study's own table (units unknown: minus a minimised error here) is taken as it is,
    # and its extrapolations are not clipped to [0, 100]
    neg = LearningCurves.from_array([[-40.0, -30.0, -25.0]], final_epoch=9, percent=False)
    assert neg.take([0]).percent is False and neg.upto(2).percent is False
    from nasperf.predictors import get

    last = get("early_stop_acc").fit(None, learning_curves=neg)
    assert last.predict(None, learning_curves=neg).tolist() == [-25.0]


def test_learning_curves_views_and_missing_metric_message():
    lc = _lc()
    part = lc.upto(2)
    assert part.epochs.tolist() == [1, 2] and part.final_epoch == 10
    np.testing.assert_array_equal(part.get("val_accuracy"), lc.get("val_accuracy")[:, :2])
    sub = lc.take([2, 0])
    np.testing.assert_array_equal(sub.get("val_loss"), lc.get("val_loss")[[2, 0]])
    assert sub.cost.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="validation losses only .* use a validation-loss"):
        lc.get("train_loss")
    with pytest.raises(ValueError, match="no observed epoch <= 0"):
        lc.upto(0)
    assert higher_is_better("val_accuracy") and not higher_is_better("train_loss")
    arr = as_learning_curves(np.full((4, 3), 50.0), n=4)
    assert arr.epochs.tolist() == [1, 2, 3] and arr.metrics == ("val_accuracy",)
    assert arr.final_epoch is None
    with pytest.raises(ValueError, match="extrapolate to is unknown"):
        arr.require_final_epoch()
    with pytest.raises(ValueError, match="4 rows for 5 architectures$"):
        as_learning_curves(arr, n=5)
    # One architecture's curve given flat reads as 20 one-epoch curves: the error says so.
    with pytest.raises(ValueError, match=r"20 rows for 1 architectures \(a 1-D array is one"):
        as_learning_curves(np.linspace(10.0, 90.0, 20), n=1)
    assert len(as_learning_curves(np.array([50.0, 60.0]), n=2)) == 2  # one epoch each


def test_sources_are_registered():
    assert available_curve_sources() == ["lcbench", "nb201", "nb301"]
    with pytest.raises(ValueError, match="did you mean 'nb301'"):
        get_curve_source("nb310")


def test_nb301_source_matches_the_surrogate_and_costs_grow():
    src = get_curve_source("nb301", n_threads=1)
    archs = src.sample(4, seed=3)
    part = src.curves(archs, upto=10)
    assert part.epochs.tolist() == list(range(1, 11)) and part.final_epoch == 98
    assert part.metrics == ("val_accuracy", "val_loss")
    ref = src.surrogate.predict_curve(archs[1], range(1, 11))
    np.testing.assert_allclose(part.get("val_accuracy")[1], ref["val_accuracy"], rtol=1e-6)
    np.testing.assert_allclose(part.get("val_loss")[1], ref["val_cross_entropy"], rtol=1e-6)
    assert part.cost[1] == pytest.approx(ref["runtime"].iloc[-1])
    full = src.curves(archs)
    np.testing.assert_allclose(full.get("val_accuracy")[:, :10], part.get("val_accuracy"))
    np.testing.assert_allclose(src.final(archs), full.get("val_accuracy")[:, -1])
    assert np.all(src.cost(archs, 98) > part.cost)
    np.testing.assert_allclose(src.cost(archs, 10), part.cost)
    with pytest.raises(ValueError, match="no observable epoch <= 0"):
        src.curves(archs, upto=0)
    with pytest.raises(ValueError, match=r"upto=99 is beyond the final epoch 98"):
        src.curves(archs, upto=99)  # had given the whole curve without a word


def test_nb201_source_is_the_two_real_fidelities():
    src = get_curve_source("nb201", dataset="cifar100")
    table = load_benchmark("nb201", "cifar100")
    archs = list(table.index[:5])
    c12 = src.curves(archs, upto=12)
    assert c12.epochs.tolist() == [12] and c12.final_epoch == 200
    np.testing.assert_allclose(c12.get("val_accuracy")[:, 0], table["val_acc_12ep"].iloc[:5])
    np.testing.assert_allclose(c12.get("test_accuracy")[:, 0], table["test_acc_12ep"].iloc[:5])
    np.testing.assert_allclose(c12.cost, table["train_time_s"].iloc[:5] * 12 / 200, rtol=1e-6)
    np.testing.assert_allclose(src.final(archs), table["val_acc_200ep"].iloc[:5])
    full = src.curves(archs)
    assert full.epochs.tolist() == [12, 200] and full.metrics == ("val_accuracy",)
    with pytest.raises(ValueError, match="no final 'test_accuracy'"):
        src.final(archs, "test_accuracy")
    with pytest.raises(ValueError, match="no observable epoch <= 11"):
        src.curves(archs, upto=11)


def test_nb301_surrogate_benchmark_tabulates_the_curves():
    bench = get_benchmark("nb301_surrogate")
    assert [f.name for f in bench.fidelities[:2]] == ["1ep", "2ep"]
    f10 = bench.resolve_fidelity(10)
    assert f10.observed == ("val_accuracy_10ep", "val_loss_10ep")
    assert f10.metrics == ("val_accuracy", "val_loss")
    assert bench.resolve_fidelity(None).column == "val_accuracy_98ep"


def test_costs_never_fall_as_epochs_grow_and_bad_arguments_are_named():
    # the surrogate predicts each epoch's cumulative runtime on its own: 117 of 200 NB301
    # curves dipped somewhere (up to 67 s); costs are the running maximum
    src = get_curve_source("nb301", n_threads=1)
    archs = src.sample(40, seed=0)
    full = src.curves(archs)
    raw = src._observe(archs, np.asarray(src.epochs))[1]
    assert (np.diff(raw, axis=1) < 0).any()  # the surrogate's own seconds do dip
    costs = np.stack([src.cost(archs, e) for e in (10, 50, 97, 98)], axis=1)
    assert (np.diff(costs, axis=1) >= 0).all()
    np.testing.assert_array_equal(costs[:, -1], full.cost)
    np.testing.assert_array_equal(costs[:, -1], raw.max(axis=1))
    with pytest.raises(ValueError, match=r"nb301: epoch must be an int, got 10.0"):
        src.cost(archs, 10.0)
    assert len(full.take([])) == 0
    lcbench = get_curve_source("lcbench", n_threads=1)
    for n in (-1, 2.7, float("nan")):
        with pytest.raises(ValueError, match="n must be a non-negative int"):
            lcbench.sample(n)
    with pytest.raises(ValueError, match="LCBench config: expected an LCBenchConfig or a dict"):
        lcbench.curves(["foo"], upto=3)
