"""LambdaRank: gradient-boosted trees that optimise NDCG directly (LightGBM)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from scipy.stats import rankdata
from sklearn.utils._param_validation import Interval, StrOptions

from .. import PREDICTORS
from ..base import Predictor


def relevance_grades(y: np.ndarray, n_grades: int) -> np.ndarray:
    """Integer relevance grades ``0 .. n_grades - 1`` from targets, by rank quantile.

    Architecture ``i`` with (0-based, ties get the lowest) rank ``r_i`` among the ``n``
    targets, ascending, gets grade ``floor(n_grades * r_i / n)``: the best ``1 / n_grades``
    of the training set grade ``n_grades - 1``, the worst grade 0, and equal targets equal
    grades. Grades depend only on the order of ``y``, not its scale.
    """
    y = np.asarray(y, dtype=np.float64)
    if n_grades < 2:
        raise ValueError(f"n_grades must be >= 2, got {n_grades}")
    ranks = rankdata(y, method="min") - 1
    return np.floor(n_grades * ranks / len(y)).astype(np.int64)


@PREDICTORS.register("lambdarank", "ltr")
class LambdaRankPredictor(Predictor):
    """Learning to rank architectures with LambdaRank (LightGBM's ``lambdarank``).

    Targets become integer relevance grades (:func:`relevance_grades`: rank quantiles,
    ``n_grades`` levels, the best architectures the highest grade) and gradient-boosted
    trees are trained on the LambdaRank gradients of NDCG, so the model spends its
    capacity on ordering the best architectures rather than on regressing accuracy.
    Training architectures form one query (``group_size=None``) or, to get more varied
    pairwise comparisons, ``n_repeats`` random partitions into queries of
    ``group_size``. ``predict`` returns ranking scores: higher is better, only their order
    is meaningful (not on the scale of the targets).

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_grades : int
        Relevance levels (at most 31 with ``gain="exponential"``).
    gain : {"exponential", "linear"}
        NDCG gain of grade ``g``: ``2**g - 1`` (emphasises the top, LightGBM's default) or
        ``g``.
    group_size : int or None
        Query size; None: all training architectures in one query.
    n_repeats : int
        Random partitions into queries (with ``group_size``).
    n_estimators, num_leaves, learning_rate, min_child_samples, subsample,
    colsample_bytree, reg_lambda
        LightGBM's parameters.
    n_jobs : int
        Threads.

    Attributes
    ----------
    model_ : lightgbm.Booster

    References
    ----------
    Burges, "From RankNet to LambdaRank to LambdaMART: An Overview", Microsoft Research
    MSR-TR-2010-82; Zhang et al., "AceNAS: Learning to Rank Ace Neural Architectures with
    Weak Supervision of Weight Sharing", ECML-PKDD 2021; Ke et al., "LightGBM", NeurIPS 2017.
    """

    test_params = {"n_estimators": 100}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        # At most 31 with gain="exponential" (checked in _validate_params).
        "n_grades": [Interval(Integral, 2, None, closed="left")],
        "gain": [StrOptions({"exponential", "linear"})],
        "group_size": [Interval(Integral, 2, None, closed="left"), None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "num_leaves": [Interval(Integral, 2, 131072, closed="both")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "min_child_samples": [Interval(Integral, 0, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_grades: int = 10,
        gain: str = "linear",
        group_size: int | None = 32,
        n_repeats: int = 4,
        n_estimators: int = 300,
        num_leaves: int = 15,
        learning_rate: float = 0.05,
        min_child_samples: int = 5,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        n_jobs: int = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_grades = n_grades
        self.gain = gain
        self.group_size = group_size
        self.n_repeats = n_repeats
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _queries(self, n: int) -> tuple[np.ndarray, list[int]]:
        """Row order (indices into the training set) and query sizes."""
        if self.group_size is None or self.group_size >= n:
            return np.arange(n), [n]
        if self.group_size < 2:
            raise ValueError(f"group_size must be >= 2 or None, got {self.group_size}")
        if self.n_repeats < 1:
            raise ValueError(f"n_repeats must be >= 1, got {self.n_repeats}")
        rng = self._rng()
        rows, sizes = [], []
        for _ in range(self.n_repeats):
            perm = rng.permutation(n)
            rows.append(perm)
            full, rest = divmod(n, self.group_size)
            sizes += [self.group_size] * full
            if rest:
                if rest >= 2:
                    sizes.append(rest)
                else:  # a query of one has no pairs: join it to the previous one
                    sizes[-1] += rest
        return np.concatenate(rows), sizes

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        import lightgbm as lgb

        if len(y) < 2:
            # Row subsampling of a single row leaves LightGBM an empty data set.
            raise ValueError(f"{type(self).__name__} needs at least 2 architectures, got 1 sample")
        if self.gain not in ("exponential", "linear"):
            raise ValueError(f"gain must be 'exponential' or 'linear', got {self.gain!r}")
        if self.gain == "exponential" and self.n_grades > 31:
            raise ValueError(f"n_grades must be <= 31 with exponential gain, got {self.n_grades}")
        grades = relevance_grades(y, self.n_grades)
        rows, sizes = self._queries(len(y))
        gains = (
            [float(2**g - 1) for g in range(self.n_grades)]
            if self.gain == "exponential"
            else [float(g) for g in range(self.n_grades)]
        )
        params = {
            "objective": "lambdarank",
            "label_gain": gains,
            # Every pair of a query counts, not only those reaching the top positions.
            "lambdarank_truncation_level": max(sizes),
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            # Capped at a fifth of the rows so that ten training architectures still split.
            "min_data_in_leaf": max(1, min(self.min_child_samples, len(y) // 5)),
            # Not 0: LightGBM aborts on leaves whose lambdas have zero hessian (all pairs of
            # a leaf tied), a known failure of lambdarank with min_sum_hessian_in_leaf=0.
            "min_sum_hessian_in_leaf": 1e-3,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "min_data_in_bin": 1,
            "num_threads": self.n_jobs,
            "seed": self._seed(),
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        data = lgb.Dataset(
            X[rows],
            label=grades[rows],
            group=sizes,
            params={"verbosity": -1, "min_data_in_bin": 1},
        )
        self.model_ = lgb.train(params, data, num_boost_round=self.n_estimators)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X, num_threads=self.n_jobs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Ranking scores are not on the targets' scale: R^2 is not what it optimises.
        tags.regressor_tags.poor_score = True
        return tags
