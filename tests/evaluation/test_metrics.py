"""Metrics against scipy / scikit-learn and hand-computed cases; edge-case policies."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import mean_absolute_error, mean_squared_error, ndcg_score

from nasperf.evaluation import (
    best_true_rank_at_k,
    evaluate,
    initialisation_time,
    kendall_tau,
    mae,
    ndcg_at_k,
    pearson,
    precision_at_k,
    query_time_per_arch,
    rmse,
    sparse_kendall_tau,
    spearman,
)


def _data(seed: int = 0, n: int = 200, ties: bool = False):
    rng = np.random.default_rng(seed)
    y = rng.normal(85.0, 5.0, n)
    p = y + rng.normal(0.0, 4.0, n)
    if ties:
        y = np.round(y)  # many ties in the truth
        p = np.round(p / 3.0) * 3.0  # and in the predictions
    return y, p


def _relevance(y):
    return stats.rankdata(y, method="min") - 1


# ---------------------------------------------------------------- against references
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correlations_match_scipy(seed, ties):
    y, p = _data(seed, ties=ties)
    assert pearson(y, p) == pytest.approx(stats.pearsonr(y, p).statistic, abs=1e-12)
    assert spearman(y, p) == pytest.approx(stats.spearmanr(y, p).statistic, abs=1e-12)
    assert kendall_tau(y, p) == pytest.approx(stats.kendalltau(y, p).statistic, abs=1e-12)
    for d in (1, 2):
        ref = stats.kendalltau(y, np.round(p, d)).statistic
        assert sparse_kendall_tau(y, p, d) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("k", [None, 1, 5, 10, 50, 200])
def test_ndcg_matches_sklearn(k, ties):
    y, p = _data(3, ties=ties)
    ref = ndcg_score([_relevance(y)], [p], k=k)
    assert ndcg_at_k(y, p, k) == pytest.approx(ref, abs=1e-12)


def test_ndcg_perfect_and_reversed():
    y = np.arange(20.0)  # relevance = 0..19
    assert ndcg_at_k(y, y) == pytest.approx(1.0)
    assert ndcg_at_k(y, 2 * y + 7, 5) == pytest.approx(1.0)  # any increasing transform
    # Reversed: positions 1..5 hold relevance 0..4, the ideal holds 19..15.
    disc = 1 / np.log2(np.arange(5) + 2)
    expected = (np.arange(5) @ disc) / ((19 - np.arange(5)) @ disc)
    assert ndcg_at_k(y, -y, 5) == pytest.approx(expected)


def test_errors_match_sklearn():
    y, p = _data(4)
    assert mae(y, p) == pytest.approx(mean_absolute_error(y, p), abs=1e-12)
    assert rmse(y, p) == pytest.approx(math.sqrt(mean_squared_error(y, p)), abs=1e-12)
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(math.sqrt(5 / 3))


def test_results_are_python_floats():
    y, p = _data(5)
    for f in (pearson, spearman, kendall_tau, sparse_kendall_tau, ndcg_at_k, mae, rmse):
        assert type(f(y, p)) is float
    assert type(precision_at_k(y, p, 10)) is float
    assert type(best_true_rank_at_k(y, p, 10)) is float


# ---------------------------------------------------------------- hand-computed
def test_precision_at_k_hand():
    y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # true top-2: idx 5, 4; top-3: 5, 4, 3
    p = [6.0, 5.0, 4.0, 1.0, 2.0, 3.0]  # pred top-2: idx 0, 1; top-3: 0, 1, 2
    assert precision_at_k(y, p, 2) == 0.0
    assert precision_at_k(y, p, 4) == pytest.approx(2 / 4)  # {5,4,3,2} & {0,1,2,5} = {2,5}
    assert precision_at_k(y, y, 3) == 1.0
    assert precision_at_k(y, p, 6) == 1.0
    assert precision_at_k(y, p, 100) == 1.0  # k clipped to n


def test_precision_at_k_ties_expected():
    # Predictions tie at the boundary: top-1 predicted is one of {0, 1} with prob 1/2 each.
    y = [3.0, 1.0, 2.0]
    p = [5.0, 5.0, 0.0]
    assert precision_at_k(y, p, 1) == pytest.approx(0.5)
    # Averaging over all tie-break orders by brute force agrees.
    y, p = _data(6, n=12, ties=True)
    for k in (1, 3, 5):
        assert precision_at_k(y, p, k) == pytest.approx(_brute_precision(y, p, k))
    # Constant predictions: the value of a random ranking, k / n.
    assert precision_at_k(np.arange(10.0), np.zeros(10), 3) == pytest.approx(3 / 10)


def _orders(v):
    """Every ordering of indices by descending v, over all tie-breaks (small inputs)."""
    idx = np.arange(len(v))
    groups = [list(idx[v == u]) for u in sorted(set(v), reverse=True)]
    for perms in itertools.product(*(itertools.permutations(g) for g in groups)):
        yield [i for g in perms for i in g]


def _brute_precision(y, p, k):
    vals = [
        len(set(a[:k]) & set(b[:k])) / k
        for a in _orders(np.asarray(y))
        for b in _orders(np.asarray(p))
    ]
    return np.mean(vals)


def test_best_true_rank_hand():
    y = [10.0, 50.0, 40.0, 30.0, 20.0]  # true ranks: 5, 1, 2, 3, 4
    p = [5.0, 1.0, 2.0, 3.0, 4.0]  # predicted order: idx 0, 4, 3, 2, 1
    assert best_true_rank_at_k(y, p, 1) == 5.0
    assert best_true_rank_at_k(y, p, 2) == 4.0
    assert best_true_rank_at_k(y, p, 4) == 2.0
    assert best_true_rank_at_k(y, p, 5) == 1.0
    assert best_true_rank_at_k(y, p, 50) == 1.0  # clipped
    assert best_true_rank_at_k(y, y, 1) == 1.0
    # Ties in the truth share the best rank.
    assert best_true_rank_at_k([5.0, 5.0, 1.0], [0.0, 1.0, 2.0], 2) == 1.0


def test_best_true_rank_ties_expected():
    # Top-1 is a uniform pick among the 4 tied predictions with true ranks 1..4: mean 2.5.
    y = [4.0, 3.0, 2.0, 1.0, 0.0]
    p = [1.0, 1.0, 1.0, 1.0, 0.0]
    assert best_true_rank_at_k(y, p, 1) == pytest.approx(2.5)
    # Top-2 from 4 tied: E[min of 2 of {1,2,3,4}] = (1*3 + 2*2 + 3*1) / 6 = 10/6.
    assert best_true_rank_at_k(y, p, 2) == pytest.approx(10 / 6)
    y, p = _data(7, n=9, ties=True)
    ranks = stats.rankdata(-y, method="min")
    for k in (1, 2, 4):
        ref = np.mean([ranks[o[:k]].min() for o in _orders(p)])
        assert best_true_rank_at_k(y, p, k) == pytest.approx(ref)


def test_sparse_kendall_tau_hand():
    y = [1.0, 2.0, 3.0, 4.0]
    p = [90.01, 90.04, 90.03, 91.0]  # one swap (idx 1, 2) hidden below 0.1 %
    assert kendall_tau(y, p) == pytest.approx(4 / 6)
    # Rounded to 0.1: [90.0, 90.0, 90.0, 91.0]; tau-b = 3 / sqrt(6 * 3).
    assert sparse_kendall_tau(y, p, 1) == pytest.approx(3 / math.sqrt(18))
    assert sparse_kendall_tau(y, p, 2) == pytest.approx(kendall_tau(y, p))
    # Only the predictions are rounded: close true values still count.
    assert sparse_kendall_tau([1.0, 1.01, 1.02], [1.0, 2.0, 3.0], 1) == pytest.approx(1.0)


# ---------------------------------------------------------------- edge cases
def test_nan_in_truth_raises_with_index():
    with pytest.raises(ValueError, match=r"y_true\[2\]"):
        kendall_tau([1.0, 2.0, np.nan, 4.0], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"y_true\[0\]"):
        evaluate([np.inf, 2.0, 3.0], [1.0, 2.0, 3.0])


def test_nan_policy_raise():
    with pytest.raises(ValueError, match=r"y_pred\[1\] is NaN"):
        evaluate([1.0, 2.0, 3.0], [1.0, np.nan, 3.0], nan_policy="raise")
    with pytest.raises(ValueError, match="nan_policy"):
        spearman([1.0, 2.0], [1.0, 2.0], nan_policy="ignore")


def test_nan_policy_worst_ranks_nan_last():
    y, p = _data(8, n=50)
    p = p.copy()
    nan_idx = [3, 17, 40]
    p[nan_idx] = np.nan
    below = p.copy()
    below[nan_idx] = np.nanmin(p) - 100.0  # tied, below every finite prediction
    for f in (spearman, kendall_tau, sparse_kendall_tau, ndcg_at_k):
        assert f(y, p) == pytest.approx(f(y, below), abs=1e-12)
    for k in (1, 10, 49):
        assert precision_at_k(y, p, k) == pytest.approx(precision_at_k(y, below, k))
        assert best_true_rank_at_k(y, p, k) == pytest.approx(best_true_rank_at_k(y, below, k))
    # Value metrics use the finite pairs only.
    ok = ~np.isnan(p)
    assert pearson(y, p) == pytest.approx(stats.pearsonr(y[ok], p[ok]).statistic)
    assert mae(y, p) == pytest.approx(mean_absolute_error(y[ok], p[ok]))
    res = evaluate(y, p)
    assert res["n"] == 50 and res["n_nan_predictions"] == 3
    assert all(not math.isnan(v) for v in res.values())


def test_nan_policy_worst_below_minus_inf():
    # NaN ranks below even -inf (a proxy such as Zen score may return -inf).
    y = [1.0, 2.0, 3.0]
    assert kendall_tau(y, [np.nan, -np.inf, 0.0]) == pytest.approx(1.0)
    assert pearson(y, [np.nan, -np.inf, 0.0]) == 0.0  # < 2 finite pairs


def test_nan_policy_omit():
    y, p = _data(9, n=40)
    p = p.copy()
    p[[0, 5]] = np.nan
    ok = ~np.isnan(p)
    res = evaluate(y, p, nan_policy="omit")
    ref = evaluate(y[ok], p[ok])
    assert res["n"] == 38 and res["n_nan_predictions"] == 2
    assert {k: v for k, v in res.items() if k != "n_nan_predictions"} == {
        k: v for k, v in ref.items() if k != "n_nan_predictions"
    }
    with pytest.raises(ValueError, match="at least 2"):
        kendall_tau([1.0, 2.0, 3.0], [np.nan, np.nan, 1.0], nan_policy="omit")


def test_all_nan_predictions_worst():
    res = evaluate(np.arange(5.0), [np.nan] * 5, ks=(2,))
    assert res["kendall_tau"] == 0.0 and res["spearman"] == 0.0 and res["pearson"] == 0.0
    assert res["precision@2"] == pytest.approx(2 / 5)
    assert math.isnan(res["mae"]) and math.isnan(res["rmse"])
    assert res["n_nan_predictions"] == 5


def test_constant_predictions_give_zero_correlation():
    y = np.arange(10.0)
    c = np.full(10, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(stats.kendalltau(y, c).statistic)  # what we deliberately avoid
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and without scipy's ConstantInputWarning
        for f in (pearson, spearman, kendall_tau, sparse_kendall_tau):
            assert f(y, c) == 0.0
            assert f(c, y) == 0.0  # constant truth: same rule
        # Rounding makes these predictions constant.
        assert sparse_kendall_tau(y, 90.0 + y * 1e-3, 1) == 0.0
        assert ndcg_at_k(c, y) == 0.0  # no relevance at all


def test_size_and_shape_errors():
    with pytest.raises(ValueError, match="at least 2"):
        kendall_tau([1.0], [1.0])
    with pytest.raises(ValueError, match="length"):
        spearman([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        pearson([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="k must be >= 1"):
        precision_at_k([1.0, 2.0], [1.0, 2.0], 0)
    with pytest.raises(ValueError, match="integer"):
        ndcg_at_k([1.0, 2.0], [1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match="k must be >= 1"):
        evaluate([1.0, 2.0], [1.0, 2.0], ks=(0,))


def test_k_larger_than_n_is_clipped():
    y, p = _data(10, n=30)
    assert ndcg_at_k(y, p, 500) == pytest.approx(ndcg_at_k(y, p))
    res = evaluate(y, p, ks=(10, 50))
    assert res["ndcg@50"] == pytest.approx(res["ndcg"])
    assert res["precision@50"] == 1.0 and res["best_true_rank@50"] == 1.0


# ---------------------------------------------------------------- evaluate
def test_evaluate_keys_and_values():
    y, p = _data(11)
    res = evaluate(y, p, ks=(10, 20))
    assert list(res) == [
        "pearson", "spearman", "kendall_tau", "sparse_kendall_tau_0.1",
        "sparse_kendall_tau_0.01", "ndcg", "ndcg@10", "precision@10", "best_true_rank@10",
        "ndcg@20", "precision@20", "best_true_rank@20", "mae", "rmse", "n",
        "n_nan_predictions",
    ]  # fmt: skip
    assert res["kendall_tau"] == pytest.approx(stats.kendalltau(y, p).statistic)
    assert res["ndcg@10"] == pytest.approx(ndcg_score([_relevance(y)], [p], k=10))
    assert res["mae"] == pytest.approx(mean_absolute_error(y, p))
    assert res["n"] == 200 and res["n_nan_predictions"] == 0
    assert set(evaluate(y, p)) >= {"ndcg@50", "precision@50", "best_true_rank@50"}


def test_order_of_test_architectures_does_not_matter():
    y, p = _data(12, n=60, ties=True)
    perm = np.random.default_rng(0).permutation(60)
    a, b = evaluate(y, p), evaluate(y[perm], p[perm])
    for key in a:
        assert a[key] == pytest.approx(b[key], abs=1e-12), key


def test_accepts_lists_and_pandas():
    pd = pytest.importorskip("pandas")
    y, p = _data(13, n=20)
    assert evaluate(list(y), list(p)) == evaluate(pd.Series(y), pd.Series(p))


# ---------------------------------------------------------------- cost
def test_query_time_per_arch():
    assert query_time_per_arch(10.0, 4) == 2.5
    assert query_time_per_arch(0, 3) == 0.0
    with pytest.raises(ValueError):
        query_time_per_arch(1.0, 0)
    with pytest.raises(ValueError):
        query_time_per_arch(-1.0, 3)


def test_initialisation_time():
    train = [100.0, 200.0, 300.0]
    assert initialisation_time(train) == 600.0
    assert initialisation_time([]) == 0.0
    assert initialisation_time(np.array(train), 0.5) == 300.0
    # Learning-curve predictor: full training set + 12 of 200 epochs of every test arch.
    test = [1000.0, 1000.0]
    got = initialisation_time(train, test_train_time_s=test, test_epochs_fraction=12 / 200)
    assert got == pytest.approx(600.0 + 2000.0 * 12 / 200)
    with pytest.raises(ValueError, match=r"train_time_s\[1\]"):
        initialisation_time([1.0, -2.0])
    with pytest.raises(ValueError, match="epochs_fraction"):
        initialisation_time(train, 1.5)


# ---------------------------------------------------------------- user-probe regressions
def test_initialisation_time_refuses_what_is_not_a_sequence_of_seconds():
    # "123" summed its characters (6.0), [[1, 2], [3, 4]] was flattened (10.0), 5.0 was a
    # bare TypeError, "0.5" and True passed as fractions
    cases = [
        (("123",), r"^train_time_s must be an array of real numbers, got a string '123'$"),
        (([[1, 2], [3, 4]],), r"^train_time_s must be a 1-D sequence of seconds .* shape \(2, 2\)"),
        ((5.0,), r"^train_time_s must be a 1-D sequence of seconds .* got a scalar 5.0$"),
        ((["1", "2"],), r"^train_time_s must hold real numbers, got strings \(e\.g\. '1'\)"),
        (([True, False],), r"^train_time_s must hold seconds, got booleans$"),
        (([1.0], "0.5"), r"^epochs_fraction must be a number in \[0, 1\], got '0\.5'$"),
        (([1.0], True), r"^epochs_fraction must be a number in \[0, 1\], got True$"),
        (([1.0], math.nan), r"^epochs_fraction must be in \[0, 1\], got nan$"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            initialisation_time(*args)
    assert initialisation_time(iter([1.0, 2.0]), np.float32(0.5)) == 1.5  # any iterable, real


def test_initialisation_time_test_times_need_their_fraction():
    # test_train_time_s=[1000] without test_epochs_fraction was dropped (fraction 0): 1.0
    with pytest.raises(ValueError, match=r"^test_train_time_s is given without test_epochs_frac"):
        initialisation_time([1.0], test_train_time_s=[1000.0])
    with pytest.raises(ValueError, match=r"^test_epochs_fraction=0\.06 is given without test_t"):
        initialisation_time([1.0], test_epochs_fraction=0.06)
    with pytest.raises(ValueError, match=r"^test_epochs_fraction must be a number"):
        initialisation_time([1.0], test_train_time_s=[10.0], test_epochs_fraction="0.1")
    # an explicit 0 leaves them out on purpose
    assert initialisation_time([1.0], test_train_time_s=[1000.0], test_epochs_fraction=0) == 1.0
    assert initialisation_time([1.0], test_epochs_fraction=0.0) == 1.0
    got = initialisation_time([1.0], test_train_time_s=[1000.0], test_epochs_fraction=0.5)
    assert got == 501.0


def test_sparse_kendall_tau_never_overflows_into_ties_or_nan(keep_denormals):
    y, p = np.arange(5.0), -np.arange(5.0)
    # decimals=400: numpy.round gave NaN everywhere (ranked worst, tied): 0.0
    assert sparse_kendall_tau(y, p, 400) == pytest.approx(-1.0, abs=1e-12)
    # |p| * 10**20 overflowed to -inf for the four non-zero scores (tied): -0.63
    assert sparse_kendall_tau(y, p * 1e300, 20) == pytest.approx(-1.0, abs=1e-12)
    # rounding still applies where it can: to hundreds, and below float resolution
    assert sparse_kendall_tau(y, [140.0, 160.0, 150.0, 210.0, 260.0], -2) == pytest.approx(
        kendall_tau(y, [100.0, 200.0, 200.0, 200.0, 300.0])
    )
    # 10**310 overflows: values of 1e-310 keep their digit at 310 decimals, lose it at 309
    # (a denormal, parsed now: a literal is compiled to 0.0 where the suite flushes them)
    tiny = float("1e-310")
    assert sparse_kendall_tau(y, p * tiny, 310) == pytest.approx(-1.0, abs=1e-12)
    assert sparse_kendall_tau(y, p * tiny, 309) == 0.0
    assert sparse_kendall_tau(y, p, -400) == 0.0  # everything rounds to 0: constant
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning escapes either
        assert sparse_kendall_tau(y, p * 1e300, 20) == pytest.approx(-1.0, abs=1e-12)


def test_sparse_kendall_tau_takes_any_integer_decimals(keep_denormals):
    """decimals=10**20 raised numpy's "OverflowError: Python int too large to convert to C
    long" though any integer is promised. Above 323 or below -308 decimals nothing changes:
    the scores are kept (plain Kendall tau) or all round to 0 (constant: 0.0)."""
    y, p = np.arange(1.0, 4.0), [1.05, 2.0, 3.0]
    tiny = float("1e-320")  # a denormal: the finest digits a float64 has
    for big in (10**20, -(10**20), 2**64, 10**400):
        expect = 1.0 if big > 0 else 0.0
        assert sparse_kendall_tau(y, p, decimals=big) == expect
        assert sparse_kendall_tau(y, [3 * tiny, 2 * tiny, tiny], decimals=big) == -expect
        # the largest floats too: 1 concordant pair of 3 (-1/3), or all 0
        assert sparse_kendall_tau(y, [1e308, -1e308, 0.0], decimals=big) == pytest.approx(
            -1 / 3 if big > 0 else 0.0, abs=1e-12
        )
    # small decimals still round: 1.04 and 1.0 tie at 1 decimal
    assert sparse_kendall_tau(y, [1.04, 1.0, 3.0], decimals=1) == pytest.approx(
        kendall_tau(y, [1.0, 1.0, 3.0])
    )


def test_metrics_refuse_booleans_by_name():
    """Booleans passed as scores or targets were read as 0 / 1 (kendall_tau of [True,
    False, True] was a number), while the time helpers, the predictors' targets and the
    readers refuse them: the metrics now refuse them too, naming the argument."""
    y = np.arange(3.0)
    cases = [
        (y, np.array([True, False, True]), r"^y_pred must hold real numbers, got booleans$"),
        ([True, False, True], y, r"^y_true must hold real numbers, got booleans$"),
        # mixed into numbers (numpy makes a float array) or with None (an object array)
        (y, [1.0, True, 3.0], r"^y_pred must hold real numbers, got a boolean True at index 1$"),
        (
            y,
            [1.0, None, np.False_],
            r"^y_pred must hold real numbers, got a boolean np\.False_ at index 2$",
        ),
    ]
    for t, p, message in cases:
        for metric in (kendall_tau, spearman, mae, sparse_kendall_tau, ndcg_at_k):
            with pytest.raises(ValueError, match=message):
                metric(t, p)
        with pytest.raises(ValueError, match=message):
            evaluate(t, p)
    with pytest.raises(ValueError, match=r"^train_time_s must hold seconds, got a boolean Tr"):
        initialisation_time([1.0, True])
    assert kendall_tau(y, [0, 1, 2]) == 1.0  # integers are numbers


def test_inputs_that_are_not_real_numbers_are_refused_by_name():
    y = np.arange(5.0)
    cases = [
        # numeric strings were parsed: kendall_tau(["1", "2", "3"], [3, 2, 1]) == -1.0
        (["1", "2", "3"], [3, 2, 1], r"^y_true must hold real numbers, got strings \(e\.g\. '1'\)"),
        # "could not convert string to float: 'a'", naming neither argument
        (y, ["a"] * 5, r"^y_pred must hold real numbers, got strings \(e\.g\. 'a'\)"),
        # the imaginary part was dropped with a warning, or a bare TypeError
        (y, np.array([1j, 2, 3, 4, 5]), r"^y_pred must hold real numbers, got complex numbers"),
        (y, [1j, 2, 3, 4, 5], r"^y_pred must hold real numbers, got complex numbers"),
        (y, [1.0, 2.0, object(), 4.0, 5.0], r"^y_pred must hold real numbers, got object .* 2$"),
        ("12345", y, r"^y_true must be an array of real numbers, got a string '12345'$"),
        ([[1.0, 2.0], [3.0]], [1.0, 2.0], r"^y_true must be a 1-D array of real numbers"),
    ]
    for t, p, message in cases:
        with pytest.raises(ValueError, match=message):
            kendall_tau(t, p)
    # None in an object array is a missing prediction (NaN), as before
    assert kendall_tau(y, [0.0, 1.0, None, 3.0, 4.0], nan_policy="omit") == pytest.approx(1.0)


def test_evaluate_ks_must_be_a_sequence_of_integers():
    y, p = _data(3, n=30)
    with pytest.raises(ValueError, match=r"^ks must be a sequence of integers, e\.g\. .*got 10$"):
        evaluate(y, p, ks=10)  # was: TypeError 'int' object is not iterable
    with pytest.raises(ValueError, match=r"^ks must be a sequence of integers.*got '10'$"):
        evaluate(y, p, ks="10")
    with pytest.raises(ValueError, match=r"^ks\[1\]: k must be an integer, got 2\.5$"):
        evaluate(y, p, ks=[10, 2.5])
    assert set(evaluate(y, p, ks=[5])) >= {"ndcg@5", "precision@5", "best_true_rank@5"}


def test_best_true_rank_large_tie_group_is_exact():
    # 10**6 tied predictions (an all-NaN proxy) took 11 s in a Python loop over the tie
    # group; now one vectorised product (timed side by side, not here: no timed tests)
    y = np.random.default_rng(0).permutation(10**6).astype(float)  # true ranks 1..n
    got = best_true_rank_at_k(y, np.zeros(10**6), 10)
    # E[min of 10 draws without replacement from 1..n] = (n + 1) / 11
    assert got == pytest.approx((10**6 + 1) / 11, rel=1e-9)
    # ties straddling k among ties in the truth, against exact enumeration
    for seed in range(5):
        y, p = _data(seed, n=8, ties=True)
        ranks = stats.rankdata(-y, method="min")
        for k in (1, 3, 5):
            ref = np.mean([ranks[o[:k]].min() for o in _orders(p)])
            assert best_true_rank_at_k(y, p, k) == pytest.approx(ref, rel=1e-12)


def test_lower_is_better_names_the_error_metrics():
    from nasperf.evaluation.metrics import lower_is_better

    lower = ["mae", "rmse", "best_true_rank@10", "best_true_rank@50", "fit_time_s"]
    higher = ["kendall_tau", "precision@10", "ndcg@10", "ndcg", "sparse_kendall_tau_0.1"]
    assert [lower_is_better(m) for m in lower] == [True] * len(lower)
    assert [lower_is_better(m) for m in higher] == [False] * len(higher)
    y, p = _data(4, n=40)
    res = evaluate(y, p, ks=(10,))
    perfect = evaluate(y, y, ks=(10,))
    for m in res:
        if m in ("n", "n_nan_predictions"):
            continue
        # the perfect predictor is at least as good in the metric's own direction
        better = perfect[m] <= res[m] if lower_is_better(m) else perfect[m] >= res[m]
        assert better, m


def test_maximize_false_ranks_the_lowest_first():
    # a latency (lower is better): the top-k metrics had scored the slowest architectures
    lat = np.arange(1.0, 101.0)
    rng = np.random.default_rng(0)
    # exact on the 10 fastest (ranked first, in order), random elsewhere; and the reverse
    fastest = np.where(lat <= 10, lat - 100, rng.permutation(lat) + 100)
    slowest = np.where(lat > 90, lat + 100, rng.permutation(lat) - 100)
    assert precision_at_k(lat, fastest, 10, maximize=False) == 1.0
    assert precision_at_k(lat, slowest, 10, maximize=False) <= 0.2  # random there
    assert precision_at_k(lat, slowest, 10) == 1.0  # the default reads higher as better
    assert best_true_rank_at_k(lat, fastest, 10, maximize=False) == 1.0
    assert ndcg_at_k(lat, fastest, 10, maximize=False) == 1.0
    # the same as the negated arrays, and the symmetric metrics do not change
    for k in (5, 10, 50):
        assert precision_at_k(lat, slowest, k, maximize=False) == precision_at_k(-lat, -slowest, k)
    low, high = evaluate(lat, fastest, maximize=False), evaluate(lat, fastest)
    for key in ("pearson", "spearman", "kendall_tau", "mae", "rmse", "n"):
        assert low[key] == high[key]
    assert low["precision@10"] == 1.0 and high["precision@10"] <= 0.2
    with pytest.raises(TypeError, match=r"maximize must be True or False, got 'no'"):
        precision_at_k(lat, fastest, 10, maximize="no")


def test_pearson_and_rmse_of_values_near_the_float_range():
    # a probe: squares overflowed (rmse 1e200 read inf, pearson of values near 1.7e308 read
    # 0.0) or underflowed (rmse of 1e-200 errors read 0.0)
    from nasperf.evaluation.metrics import pearson, rmse

    assert pearson([1.7e308, -1.7e308, 0.0], [-1.7e308, 1.7e308, 1.0]) == pytest.approx(-1.0)
    assert rmse([0.0, 0.0], [1e200, 1e200]) == pytest.approx(1e200, rel=1e-15)
    assert rmse([0.0, 0.0], [1e-200, 3e-200]) == pytest.approx(np.sqrt(5) * 1e-200, rel=1e-15)
    # ordinary values: scipy's and numpy's own results, to the bit (nothing is rescaled)
    rng = np.random.default_rng(0)
    t, p = rng.normal(70, 5, 200), rng.normal(70, 5, 200)
    assert pearson(t, p) == stats.pearsonr(t, p).statistic
    assert rmse(t, p) == float(np.sqrt(np.mean((p - t) ** 2)))


def test_pandas_objects_with_different_indexes_are_refused_not_paired_by_position():
    # a probe: kendall_tau(y, p[::-1]) of two Series, and fit(Series of archs, reordered
    # Series of labels), paired each value with another row's without a word
    import pandas as pd

    import nasperf

    t = pd.Series(np.arange(10.0), index=range(100, 110))
    assert kendall_tau(t, t * 2) == pytest.approx(1.0)  # any labels, the same order
    with pytest.raises(ValueError, match=r"y_true and y_pred are pandas objects with different"):
        kendall_tau(t, t[::-1])
    assert kendall_tau(t, t[::-1].to_numpy()) == pytest.approx(-1.0)  # by position, as asked
    archs = nasperf.get_space("nb201").sample(20, seed=0)
    a = pd.Series(archs, index=[f"k{i}" for i in range(20)])
    y = pd.Series(np.arange(20.0), index=a.index)
    pred = nasperf.predictors.get("xgb", space="nb201", n_estimators=3)
    with pytest.raises(ValueError, match=r"archs and y are pandas objects with different index"):
        pred.fit(a, y.sample(frac=1, random_state=0))
    assert pred.fit(a, y).n_features_in_ > 0


def test_a_series_beside_a_list_or_tuple_pairs_by_position():
    """A probe: ``evaluate(y_series, preds_list)`` (and fit(Series, list)) raised
    "'builtin_function_or_method' object is not iterable": a list's ``index`` is a
    method, which the index check took for a pandas index."""
    import pandas as pd

    import nasperf
    from nasperf.evaluation import evaluate

    t = pd.Series(np.arange(10.0), index=range(100, 110))
    for other in (list(t * 2), tuple(t * 2), list(t[::-1])):
        want = kendall_tau(t.to_numpy(), np.asarray(other))
        assert kendall_tau(t, other) == kendall_tau(other, t) == want
    assert evaluate(t, list(t))["kendall_tau"] == pytest.approx(1.0)
    archs = nasperf.get_space("nb201").sample(20, seed=0)
    pred = nasperf.predictors.get("xgb", space="nb201", n_estimators=3)
    assert pred.fit(pd.Series(archs), list(np.arange(20.0))).n_features_in_ > 0
