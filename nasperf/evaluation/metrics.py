"""Metrics comparing a predictor's scores with the true performance of test architectures.

Every metric takes ``y_true`` (measured performance, e.g. ``val_acc_200ep`` in %, higher is
better) and ``y_pred`` (the predictor's scores, higher = predicted better), two 1-D
array-likes of equal length, and returns a Python ``float``. For a quantity to minimise
(latency, energy, a loss) the top-k metrics and :func:`evaluate` take ``maximize=False``
(the correlations and errors are the same either way). :func:`evaluate` computes them
all at once, as the predictor-evaluation protocol of White et al. (2021) reports them.

Edge cases (explicit, never a blanket ``try``/``except``)
---------------------------------------------------------
* Fewer than 2 samples, arrays of different lengths or not 1-D: ``ValueError``.
* NaN or infinity in ``y_true``: ``ValueError`` naming the first offending index.
* NaN in ``y_pred`` (e.g. a zero-cost proxy undefined on a degenerate cell) follows
  ``nan_policy``:

  ``"worst"`` (default)
      Rank-based metrics (Spearman, Kendall tau, sparse Kendall tau, NDCG, precision@k,
      best true rank@k) rank every NaN prediction below every non-NaN prediction, tied
      among themselves. Value-based metrics (Pearson, MAE, RMSE), for which no number is
      "the worst", use only the pairs whose prediction is finite; if there is none, MAE and
      RMSE are NaN and Pearson is 0.0. :func:`evaluate` reports the count in
      ``n_nan_predictions``.
  ``"omit"``
      Pairs with a NaN prediction are dropped before anything is computed (at least 2
      must remain).
  ``"raise"``
      ``ValueError`` naming the first NaN index.

* ``±inf`` predictions are valid scores: rank-based metrics order them as numbers;
  value-based metrics skip them like NaN under ``"worst"``.
* Constant predictions (or constant ``y_true``) carry no rank information: Pearson,
  Spearman, Kendall tau and sparse Kendall tau return ``0.0``, where ``scipy.stats`` would
  return NaN with a ``ConstantInputWarning``. Rounding in sparse Kendall tau can make
  predictions constant; the same rule applies.
* Ties otherwise are handled as scipy handles them (Kendall tau-b, Spearman on average
  ranks). Top-k metrics average over every way of breaking ties (a uniformly random
  tie-break, in expectation), as scikit-learn's ``ndcg_score`` does, so the order in which
  the test architectures are listed never matters.
* ``k`` larger than the number of samples is clipped to it; ``k < 1`` is a ``ValueError``.
* Inputs must hold real numbers: strings (even numeric ones such as ``"1"``), complex
  numbers, dates and other objects are a ``ValueError`` naming ``y_true`` or ``y_pred``;
  ``None`` in an object array counts as NaN.

Direction
---------
Correlations, NDCG and precision@k are higher-is-better; MAE, RMSE, best true rank@k and
times in seconds are lower-is-better. :func:`lower_is_better` says which, by name, for
every module that ranks or plots methods by a metric.

References
----------
White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
Architecture Search?", NeurIPS 2021. Järvelin & Kekäläinen, "Cumulated gain-based
evaluation of IR techniques", ACM TOIS 2002. McSherry & Najork, "Computing information
retrieval performance measures efficiently in the presence of tied scores", ECIR 2008.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

import numpy as np
from scipy import stats

__all__ = [
    "best_true_rank_at_k",
    "evaluate",
    "initialisation_time",
    "kendall_tau",
    "lower_is_better",
    "mae",
    "ndcg_at_k",
    "pearson",
    "precision_at_k",
    "query_time_per_arch",
    "rmse",
    "sparse_kendall_tau",
    "spearman",
]

NanPolicy = Literal["worst", "omit", "raise"]
_NAN_POLICIES = ("worst", "omit", "raise")

#: Metrics of :func:`evaluate` for which a lower value is better (``best_true_rank@k`` for
#: every ``k`` too; see :func:`lower_is_better`).
LOWER_IS_BETTER: frozenset[str] = frozenset({"mae", "rmse", "best_true_rank"})


def lower_is_better(metric: str) -> bool:
    """Whether a lower value of ``metric`` is better.

    True for ``mae``, ``rmse``, ``best_true_rank`` and ``best_true_rank@k`` (any ``k``), and
    for times in seconds (names ending in ``_time_s``, e.g. ``fit_time_s``); False for every
    other name (the correlations, ``ndcg@k``, ``precision@k``, and columns nasperf does not
    know, which are taken as scores).

    Parameters
    ----------
    metric : str
        A key of :func:`evaluate`'s result or a study table's column.

    Returns
    -------
    bool
    """
    if not isinstance(metric, str):
        raise ValueError(f"metric must be a string, got {metric!r}")
    return metric.split("@", 1)[0] in LOWER_IS_BETTER or metric.endswith("_time_s")


# ---------------------------------------------------------------- input handling
def _as_numbers(values, name: str, unit: str = "real numbers") -> np.ndarray:
    """``values`` as a float array; anything that is not a real number refused by ``name``.

    ``np.asarray(values, dtype=float)`` alone would parse numeric strings (``"1"``), fail on
    other strings without naming the argument, drop the imaginary part of complex numbers,
    and read booleans as 0 / 1 (as the predictors' targets, the readers and the search
    objectives refuse them); none of these is a score. ``unit`` names what a boolean is
    not (``"seconds"`` for the time helpers).
    """
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be an array of real numbers, got a string {values[:40]!r}")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as err:  # ragged nesting
        raise ValueError(f"{name} must be a 1-D array of real numbers: {err}") from None
    kind = arr.dtype.kind
    if kind == "b":
        raise ValueError(f"{name} must hold {unit}, got booleans")
    if isinstance(values, list | tuple) or kind == "O":
        # [True, 2.0] becomes a float array, [True, None] an object one: look at the elements
        elems = arr.reshape(-1) if kind == "O" else values
        flags = [i for i, v in enumerate(elems) if isinstance(v, bool | np.bool_)]
        if flags:
            raise ValueError(
                f"{name} must hold {unit}, got a boolean {elems[flags[0]]!r} at index {flags[0]}"
            )
    if kind == "O":
        for i, v in enumerate(arr.reshape(-1)):
            real = isinstance(v, numbers.Real) or (
                isinstance(v, numbers.Number) and not isinstance(v, numbers.Complex)
            )  # Decimal is a Number but not Complex
            if v is not None and not real:
                raise ValueError(
                    f"{name} must hold real numbers, got {type(v).__name__} "
                    f"{repr(v)[:40]} at index {i}"
                )
        with np.errstate(invalid="ignore"):
            return np.array([math.nan if v is None else float(v) for v in arr.reshape(-1)]).reshape(
                arr.shape
            )
    if kind not in "biuf":
        what = {
            "U": "strings",
            "S": "bytes",
            "c": "complex numbers",
            "M": "dates",
            "m": "time deltas",
        }.get(kind, f"values of dtype {arr.dtype}")
        first = f" (e.g. {repr(arr.reshape(-1)[0].item())[:40]})" if arr.size else ""
        raise ValueError(
            f"{name} must hold real numbers, got {what}{first}; convert them to numbers first"
        )
    return arr.astype(float, copy=False)


def _prepare(
    y_true, y_pred, nan_policy: str, maximize: bool = True
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated float arrays ``(y_true, y_pred, n_nan_predictions)`` after ``nan_policy``,
    both negated where ``maximize`` is False (a latency or a loss: the best is the lowest).

    Under ``"worst"`` the returned predictions may still hold NaN; under ``"omit"`` the NaN
    pairs are gone (their count is still returned).
    """
    from nasperf.errors import check_aligned, check_flag

    maximize = check_flag(maximize, "maximize")
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {_NAN_POLICIES}, got {nan_policy!r}")
    check_aligned(y_true, y_pred, "y_true", "y_pred")
    t = _as_numbers(y_true, "y_true")
    p = _as_numbers(y_pred, "y_pred")
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D, got shapes {t.shape} and {p.shape}")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred differ in length: {len(t)} != {len(p)}")
    bad = np.flatnonzero(~np.isfinite(t))
    if len(bad):
        raise ValueError(
            f"y_true[{bad[0]}] = {t[bad[0]]} is not finite ({len(bad)} non-finite values); "
            "the true performance of every test architecture must be known"
        )
    nan = np.isnan(p)
    n_nan = int(nan.sum())
    if n_nan and nan_policy == "raise":
        raise ValueError(
            f"y_pred[{np.flatnonzero(nan)[0]}] is NaN ({n_nan} NaN predictions); "
            "pass nan_policy='worst' or 'omit' to accept them"
        )
    if n_nan and nan_policy == "omit":
        t, p = t[~nan], p[~nan]
    if len(t) < 2:
        raise ValueError(f"need at least 2 samples, got {len(t)}")
    if not maximize:
        t, p = -t, -p  # NaN predictions stay NaN: still ranked worst
    return t, p, n_nan


def _rank_scores(p: np.ndarray) -> np.ndarray:
    """Scores with the same order and ties as ``p``, NaN mapped below everything.

    Non-NaN predictions become their dense rank (1, 2, ...; ``-inf`` included), NaN becomes
    0, so NaN predictions tie among themselves below every other prediction. Every
    rank-based metric here is invariant under this strictly increasing map.
    """
    out = np.zeros(len(p))
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = stats.rankdata(p[ok], method="dense")
    return out


def _is_constant(x: np.ndarray) -> bool:
    return bool(np.all(x == x[0]))


#: Magnitudes beyond which squares and products leave the float range (or vanish).
_HUGE, _TINY = 2.0**500, 2.0**-500


def _pow2_scaled(x: np.ndarray) -> tuple[np.ndarray, int]:
    """``(x / 2**e, e)`` bringing the largest |x| near 1 where it is huge (or tiny but not
    0), else ``(x, 0)``: a power of two scales exactly, so a correlation of the scaled
    values is the same, and a root mean square is ``2**e`` times theirs; squares of 1e200
    had overflowed (rmse inf, pearson 0.0 for values near 1.7e308)."""
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m > _HUGE or 0.0 < m < _TINY:
        e = math.frexp(m)[1]
        return np.ldexp(x, -e), e
    return x, 0


def _check_k(k: int, n: int, where: str = "") -> int:
    prefix = f"{where}: " if where else ""  # evaluate names the entry of ks
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"{prefix}k must be an integer, got {k!r}")
    if k < 1:
        raise ValueError(f"{prefix}k must be >= 1, got {k}")
    return min(int(k), n)


def _check_ks(ks, n: int) -> tuple[int, ...]:
    """``evaluate``'s ``ks`` as a tuple, each entry checked (the error names ``ks[i]``)."""
    if isinstance(ks, str | bytes) or not isinstance(ks, Iterable):
        raise ValueError(f"ks must be a sequence of integers, e.g. (10, 20, 50), got {ks!r}")
    ks = tuple(ks)
    for i, k in enumerate(ks):
        _check_k(k, n, f"ks[{i}]")
    return ks


# ---------------------------------------------------------------- correlations
def pearson(y_true, y_pred, *, nan_policy: NanPolicy = "worst") -> float:
    """Pearson's linear correlation coefficient between truth and predictions.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; under ``"worst"`` the pairs with a non-finite prediction are left
        out (no value is "the worst" for a linear correlation). See the module notes.

    Returns
    -------
    float
        In [-1, 1]; 0.0 when either side is constant or fewer than 2 finite pairs remain.

    References
    ----------
    White et al., "How Powerful are Performance Predictors in NAS?", NeurIPS 2021.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    finite = np.isfinite(p)
    t, p = t[finite], p[finite]
    if len(t) < 2 or _is_constant(t) or _is_constant(p):
        return 0.0
    return float(stats.pearsonr(_pow2_scaled(t)[0], _pow2_scaled(p)[0]).statistic)


def spearman(y_true, y_pred, *, nan_policy: NanPolicy = "worst") -> float:
    """Spearman's rank correlation (Pearson correlation of average ranks), as scipy's.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.

    Returns
    -------
    float
        In [-1, 1]; 0.0 when either side is constant (scipy: NaN).

    References
    ----------
    Spearman, "The proof and measurement of association between two things", 1904.
    White et al., NeurIPS 2021.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    return _spearman(t, _rank_scores(p))


def _spearman(t: np.ndarray, s: np.ndarray) -> float:
    if _is_constant(t) or _is_constant(s):
        return 0.0
    return float(stats.spearmanr(t, s).statistic)


def kendall_tau(y_true, y_pred, *, nan_policy: NanPolicy = "worst") -> float:
    """Kendall's tau-b rank correlation, as ``scipy.stats.kendalltau`` computes it.

    Tau-b counts concordant minus discordant pairs, normalised by
    ``sqrt((n0 - n1) * (n0 - n2))`` where ``n1``, ``n2`` are pairs tied in one variable; a
    pair tied in either variable is neither concordant nor discordant.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.

    Returns
    -------
    float
        In [-1, 1]; 0.0 when either side is constant (scipy: NaN).

    References
    ----------
    Kendall, "The treatment of ties in ranking problems", Biometrika 1945.
    White et al., NeurIPS 2021.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    return _kendall(t, _rank_scores(p))


def _kendall(t: np.ndarray, s: np.ndarray) -> float:
    if _is_constant(t) or _is_constant(s):
        return 0.0
    return float(stats.kendalltau(t, s).statistic)


def sparse_kendall_tau(
    y_true, y_pred, decimals: int = 1, *, nan_policy: NanPolicy = "worst"
) -> float:
    """Sparse Kendall tau: Kendall tau-b after rounding the *predictions* to ``decimals``.

    White et al. (2021) introduce it so that rank swaps between architectures whose
    predicted accuracies differ by less than the rounding step (0.1 % for ``decimals=1``,
    0.01 % for ``decimals=2``, with accuracies in percent) are not counted. We implement
    exactly what NASLib's evaluator computes for ``kt_1dec`` / ``kt_2dec``::

        scipy.stats.kendalltau(y_true, numpy.round(y_pred, decimals))

    Only the predictions are rounded; ``y_true`` is used as given. The result therefore
    depends on the scale of the predictions: it is meaningful for predictors that output
    accuracies in percent, and equals :func:`kendall_tau` for scores whose distinct values
    are all further apart than the rounding step. ``numpy.round`` rounds halves to even.
    Where ``numpy.round`` would overflow (``|y_pred| * 10**decimals`` beyond the float
    range, or ``10**decimals`` itself: ``decimals`` above 308 or below -308), that value is
    rounded by Python's correctly rounded :func:`round` instead, which gives the value
    itself when it has no digits beyond ``decimals`` (never an infinity or a NaN). Any
    integer ``decimals`` works: above about 323 the predictions are kept as they are (the
    plain Kendall tau), below about -308 they all round to 0 (0.0).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores (in percent for the intended use).
    decimals : int
        Decimal places kept in the predictions (1: 0.1, 2: 0.01).
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions (which stay NaN after rounding); see the module notes.

    Returns
    -------
    float
        In [-1, 1]; 0.0 when the rounded predictions (or ``y_true``) are constant.

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021 (and NASLib's ``PredictorEvaluator.compare``).
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer):
        raise ValueError(f"decimals must be an integer, got {decimals!r}")
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    return _kendall(t, _rank_scores(_round(p, int(decimals))))


#: ``decimals`` beyond +-this round a float64 as this bound does: to 324 or more decimals the
#: value moves by at most 0.5e-324, under half the smallest float spacing (4.9e-324), so the
#: correctly rounded result is the value itself; to -309 or fewer it is 0 (|x| < 1.8e308).
_ROUND_DECIMALS_BOUND = 400


def _round(p: np.ndarray, decimals: int) -> np.ndarray:
    """``numpy.round(p, decimals)``, with the values it cannot scale rounded exactly.

    ``numpy.round`` computes ``rint(p * 10**decimals) / 10**decimals``; the product
    overflows for large ``|p|`` (to an infinity: distinct scores would tie) and the scale
    itself for ``|decimals| > 308`` (to NaN: ranked as the worst prediction). Those values
    go through Python's :func:`round`, exact for any ``decimals``.
    """
    # numpy's round takes a C long only (10**20 overflowed): clamp where nothing changes
    decimals = min(max(decimals, -_ROUND_DECIMALS_BOUND), _ROUND_DECIMALS_BOUND)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.round(p, decimals)
    redo = np.flatnonzero(np.isfinite(p) & ~np.isfinite(out))
    for i in redo:
        out[i] = round(float(p[i]), decimals)
    return out


# ---------------------------------------------------------------- top-k metrics
def _relevance(t: np.ndarray) -> np.ndarray:
    """Graded relevance: how many test architectures each one strictly beats in ``y_true``."""
    return stats.rankdata(t, method="min") - 1.0


def _tie_averaged_dcg(rel: np.ndarray, score: np.ndarray, k: int) -> float:
    """DCG@k of ``rel`` ordered by ``score`` (descending), averaged over tie orders."""
    discount = 1.0 / np.log2(np.arange(len(rel)) + 2.0)
    discount[k:] = 0.0
    cum = np.cumsum(discount)
    _, inv, counts = np.unique(-score, return_inverse=True, return_counts=True)
    group_mean = np.bincount(inv, weights=rel, minlength=len(counts)) / counts
    ends = np.cumsum(counts) - 1
    group_discount = np.diff(cum[ends], prepend=0.0)
    return float(group_mean @ group_discount)


def ndcg_at_k(
    y_true, y_pred, k: int | None = None, *, nan_policy: NanPolicy = "worst", maximize: bool = True
) -> float:
    """Normalised discounted cumulative gain of the predicted ranking, over its top ``k``.

    ``DCG@k = sum_{i<=k} rel(arch at predicted position i) / log2(i + 1)``, divided by the
    DCG@k of the ideal (true) order. Tied predictions share the average discount of the
    positions they occupy (McSherry & Najork 2008), as in ``sklearn.metrics.ndcg_score``;
    the value equals ``ndcg_score([rel], [y_pred], k=k)`` with the relevance below.

    Relevance is rank-based: ``rel_i`` = the number of test architectures that architecture
    ``i`` strictly beats in ``y_true`` (0 for the worst, ``n - 1`` for the best; ties share
    the lower value). We use ranks rather than (scaled) accuracy because NAS accuracies are
    bunched: on NAS-Bench-201 most cells lie within a few percent of each other above a tail
    of cells that do not train, so accuracy as gain would give near-equal credit to the top
    half and mostly reward pushing broken cells down, whereas the metric is meant to judge
    the order among the best. Ranks spread the gain evenly, do not depend on the dataset's
    accuracy scale (CIFAR-10 ~ 90 %, ImageNet16-120 ~ 45 %), and are invariant to any
    increasing transform of the target.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    k : int or None
        Depth of the ranking scored; None scores the whole ranking (full NDCG). Values above
        ``n`` are clipped to ``n``.
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.
    maximize : bool
        Whether higher ``y_true`` is better (accuracy; the default). False for a latency,
        an energy or a loss: the top of both rankings is their lowest values (``y_pred``
        predicts the same quantity).

    Returns
    -------
    float
        In [0, 1]; 1 for a perfect order. 0.0 if all of ``y_true`` is tied (no relevance).

    References
    ----------
    Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR techniques", ACM TOIS
    2002. McSherry & Najork, ECIR 2008.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy, maximize)
    kk = len(t) if k is None else _check_k(k, len(t))
    rel = _relevance(t)
    ideal = _tie_averaged_dcg(rel, rel, kk)
    if ideal == 0.0:
        return 0.0
    return _tie_averaged_dcg(rel, _rank_scores(p), kk) / ideal


def _top_k_probability(s: np.ndarray, k: int) -> np.ndarray:
    """P(item is among the top ``k`` by ``s``) when ties are broken uniformly at random."""
    order = np.sort(s)[::-1]
    threshold = order[k - 1]
    above = s > threshold
    at = s == threshold
    prob = above.astype(float)
    prob[at] = (k - above.sum()) / at.sum()
    return prob


def precision_at_k(
    y_true, y_pred, k: int, *, nan_policy: NanPolicy = "worst", maximize: bool = True
) -> float:
    """Fraction of the true top-``k`` architectures found in the predicted top-``k``.

    ``|true top-k ∩ predicted top-k| / k``. Where ties straddle the k-th place (in either
    ranking) the value is the expectation over a uniformly random tie-break, computed
    exactly: ``sum_i P(i in true top-k) * P(i in predicted top-k) / k``. Constant
    predictions thus score ``k / n``, the value of a random ranking.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    k : int
        Size of the top sets; clipped to ``n`` (where the value is 1.0).
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.
    maximize : bool
        Whether higher ``y_true`` is better (accuracy; the default). False for a latency,
        an energy or a loss: the top of both rankings is their lowest values (``y_pred``
        predicts the same quantity).

    Returns
    -------
    float
        In [0, 1].

    References
    ----------
    White et al., NeurIPS 2021 (``precision_10``, ``precision_20`` in NASLib).
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy, maximize)
    kk = _check_k(k, len(t))
    both = _top_k_probability(t, kk) @ _top_k_probability(_rank_scores(p), kk)
    return float(both / kk)


def best_true_rank_at_k(
    y_true, y_pred, k: int, *, nan_policy: NanPolicy = "worst", maximize: bool = True
) -> float:
    """Best true rank among the ``k`` architectures the predictor ranks highest.

    The true rank of an architecture is 1 + the number of test architectures strictly
    better in ``y_true`` (1 = the best; tied architectures share the best of their ranks).
    It answers "if I trained the predictor's top ``k``, how good is the best one I find?".
    Where tied predictions straddle the k-th place the value is the expectation over a
    uniformly random choice among them, so it can be fractional.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    k : int
        How many top-predicted architectures are inspected; clipped to ``n`` (value 1.0).
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.
    maximize : bool
        Whether higher ``y_true`` is better (accuracy; the default). False for a latency,
        an energy or a loss: the top of both rankings is their lowest values (``y_pred``
        predicts the same quantity).

    Returns
    -------
    float
        In [1, n - k + 1]; lower is better.

    References
    ----------
    White et al., NeurIPS 2021 (top-k evaluation of performance predictors).
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy, maximize)
    kk = _check_k(k, len(t))
    true_rank = stats.rankdata(-t, method="min")
    s = _rank_scores(p)
    threshold = np.sort(s)[::-1][kk - 1]
    above = s > threshold
    best_above = true_rank[above].min() if above.any() else math.inf
    group = np.sort(true_rank[s == threshold])  # ascending true ranks of the tie group
    g, r = len(group), kk - int(above.sum())  # draw r of the g tied architectures
    # P(all of the j best in the group are left out) = C(g - j, r) / C(g, r), built as a
    # running product to stay in floating point for large groups; the probability that the
    # best drawn one is the j-th best of the group is the drop of that product at j.
    j = np.arange(g)
    factor = np.where(g - r - j > 0, (g - r - j) / np.maximum(g - j, 1), 0.0)
    p_excluded = np.concatenate(([1.0], np.cumprod(factor)))
    expected = (p_excluded[:-1] - p_excluded[1:]) @ np.minimum(best_above, group)
    return float(expected)


# ---------------------------------------------------------------- errors
def mae(y_true, y_pred, *, nan_policy: NanPolicy = "worst") -> float:
    """Mean absolute error ``mean(|y_pred - y_true|)``, in the units of ``y_true``.

    Under ``nan_policy="worst"`` only pairs with a finite prediction count; NaN if none.

    References
    ----------
    White et al., NeurIPS 2021.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    finite = np.isfinite(p)
    if not finite.any():
        return math.nan
    return float(np.mean(np.abs(p[finite] - t[finite])))


def rmse(y_true, y_pred, *, nan_policy: NanPolicy = "worst") -> float:
    """Root mean squared error ``sqrt(mean((y_pred - y_true)^2))``, in the units of ``y_true``.

    Under ``nan_policy="worst"`` only pairs with a finite prediction count; NaN if none.

    References
    ----------
    White et al., NeurIPS 2021.
    """
    t, p, _ = _prepare(y_true, y_pred, nan_policy)
    finite = np.isfinite(p)
    if not finite.any():
        return math.nan
    d, e = _pow2_scaled(p[finite] - t[finite])
    return float(math.ldexp(float(np.sqrt(np.mean(d**2))), e))


# ---------------------------------------------------------------- all at once
def evaluate(
    y_true,
    y_pred,
    *,
    ks: Sequence[int] = (10, 20, 50),
    nan_policy: NanPolicy = "worst",
    maximize: bool = True,
) -> dict[str, float]:
    """Every metric of this module for one predictor on one test set.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True performance and predicted scores.
    ks : sequence of int
        Depths for ``ndcg@k``, ``precision@k`` and ``best_true_rank@k``; each is clipped to
        ``n`` in the computation but keeps its requested name in the keys.
    nan_policy : {"worst", "omit", "raise"}
        NaN predictions; see the module notes.
    maximize : bool
        Whether higher ``y_true`` is better (accuracy; the default). False for a latency,
        an energy or a loss: the top of both rankings is their lowest values (correlations and errors do not change).

    Returns
    -------
    dict
        ``pearson``, ``spearman``, ``kendall_tau``, ``sparse_kendall_tau_0.1``,
        ``sparse_kendall_tau_0.01``, ``ndcg``, then ``ndcg@k``, ``precision@k``,
        ``best_true_rank@k`` for each ``k``, then ``mae``, ``rmse``, ``n`` (pairs scored;
        under ``"omit"`` the NaN pairs are not counted) and ``n_nan_predictions`` (NaN
        predictions received). ``n`` and ``n_nan_predictions`` are ints; the rest floats.

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021.
    """
    t, p, n_nan = _prepare(y_true, y_pred, nan_policy, maximize)  # negated: higher is better
    ks = _check_ks(ks, len(t))
    # Everything below sees NaN-free pairs (omit) or handles NaN as "worst"; "raise" has
    # already raised, so the per-metric calls can use "worst" without changing anything.
    out: dict[str, float] = {
        "pearson": pearson(t, p),
        "spearman": spearman(t, p),
        "kendall_tau": kendall_tau(t, p),
        "sparse_kendall_tau_0.1": sparse_kendall_tau(t, p, 1),
        "sparse_kendall_tau_0.01": sparse_kendall_tau(t, p, 2),
        "ndcg": ndcg_at_k(t, p),
    }
    for k in ks:
        out[f"ndcg@{k}"] = ndcg_at_k(t, p, k)
        out[f"precision@{k}"] = precision_at_k(t, p, k)
        out[f"best_true_rank@{k}"] = best_true_rank_at_k(t, p, k)
    out["mae"] = mae(t, p)
    out["rmse"] = rmse(t, p)
    out["n"] = len(t)
    out["n_nan_predictions"] = n_nan
    return out


# ---------------------------------------------------------------- cost
def query_time_per_arch(total_seconds: float, n: int) -> float:
    """Mean wall-clock seconds a predictor took to score one architecture.

    Parameters
    ----------
    total_seconds : float
        Wall-clock time of scoring all ``n`` test architectures (>= 0).
    n : int
        Number of architectures scored (>= 1).

    Returns
    -------
    float
        ``total_seconds / n``.

    References
    ----------
    White et al., NeurIPS 2021 ("query time").
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    total = float(total_seconds)
    if not math.isfinite(total) or total < 0:
        raise ValueError(f"total_seconds must be finite and >= 0, got {total_seconds!r}")
    return total / int(n)


def _total_time(times: Iterable[float] | None, name: str) -> float:
    """Sum of a 1-D sequence of seconds; a string, a scalar, nesting, booleans or a negative
    or non-finite time is a ``ValueError`` naming ``name``."""
    if times is None:
        return 0.0
    if isinstance(times, Iterator):
        times = list(times)
    arr = _as_numbers(times, name, "seconds")
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of seconds (one per architecture), got "
            f"{'a scalar ' + repr(times) if arr.ndim == 0 else f'shape {arr.shape}'}"
        )
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if len(bad):
        raise ValueError(f"{name}[{bad[0]}] = {arr[bad[0]]} is not a finite time >= 0")
    return float(arr.sum())


def _check_fraction(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return v


def initialisation_time(
    train_time_s: Iterable[float],
    epochs_fraction: float = 1.0,
    *,
    test_train_time_s: Iterable[float] | None = None,
    test_epochs_fraction: float | None = None,
) -> float:
    """Simulated compute (seconds) a predictor needs before it can score test architectures.

    ::

        init = epochs_fraction      * sum(train_time_s)
             + test_epochs_fraction * sum(test_train_time_s)

    ``train_time_s`` are the benchmark's full-schedule training times of the training
    architectures (NAS-Bench-201 ``train_time_s``: 200 epochs), so with the default
    ``epochs_fraction=1`` the first term is the cost of generating the training set, which
    model-based predictors need. Training times are assumed linear in epochs, so training
    for ``budget`` of ``full`` epochs costs ``train_time_s * budget / full``: pass
    ``epochs_fraction = budget / full`` for training data gathered at a lower fidelity, and,
    for learning-curve predictors that also train every test architecture partially,
    ``test_train_time_s`` with ``test_epochs_fraction = budget / full`` (e.g. ``12 / 200``).
    Zero-cost proxies pass an empty ``train_time_s`` (init = 0). The predictor's own fitting
    time is wall-clock and is added by the caller.

    White et al. book the partial training of test architectures under query time; the
    second term lets a study account it either way (pass it here, or divide it by the
    number of test architectures and add it to :func:`query_time_per_arch`).

    Parameters
    ----------
    train_time_s : iterable of float
        Full-schedule training seconds of each training architecture (>= 0).
    epochs_fraction : float
        Fraction of the full schedule the training architectures are trained for, in [0, 1].
    test_train_time_s : iterable of float or None
        Full-schedule training seconds of each test architecture, if they are trained
        partially.
    test_epochs_fraction : float or None
        Fraction of the full schedule each test architecture is trained for, in [0, 1].
        Required with ``test_train_time_s`` (pass ``0`` to leave their training out on
        purpose), and only with it: one given without the other is a ``ValueError``, not a
        term silently dropped.

    Returns
    -------
    float
        Seconds.

    References
    ----------
    White et al., NeurIPS 2021 (initialisation time vs. query time trade-off).
    Dong & Yang, "NAS-Bench-201", ICLR 2020 (training times).
    """
    frac = _check_fraction(epochs_fraction, "epochs_fraction")
    if test_train_time_s is not None and test_epochs_fraction is None:
        raise ValueError(
            "test_train_time_s is given without test_epochs_fraction: pass the fraction of the "
            "full schedule each test architecture is trained for (e.g. 12 / 200), or 0 to "
            "leave their training out"
        )
    test_frac = (
        0.0
        if test_epochs_fraction is None
        else _check_fraction(test_epochs_fraction, "test_epochs_fraction")
    )
    if test_train_time_s is None and test_frac > 0:
        raise ValueError(
            f"test_epochs_fraction={test_epochs_fraction!r} is given without "
            "test_train_time_s, the full-schedule training seconds of the test architectures"
        )
    return frac * _total_time(train_time_s, "train_time_s") + test_frac * _total_time(
        test_train_time_s, "test_train_time_s"
    )
