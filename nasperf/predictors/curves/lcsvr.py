"""LcSVR (Baker et al. 2017): an SVR on curve statistics and architecture features."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from scipy import stats
from sklearn.utils._param_validation import Interval

from nasperf.datasets.curves import LearningCurves

from .. import PREDICTORS
from ..base import ENCODING, SPACE, Requirements, is_feature_matrix, numpy_global_rng_kept
from .base import CurvePredictor


def curve_statistics(values: np.ndarray) -> np.ndarray:
    """Baker et al.'s curve features: the observed values and their first and second
    differences, plus the mean and last value of each, ``(n, 3k + 2)``-ish (differences
    of length 0 are skipped)."""
    values = np.asarray(values, dtype=np.float64)
    parts = [values]
    d1 = np.diff(values, axis=1)
    d2 = np.diff(values, n=2, axis=1)
    for d in (d1, d2):
        if d.shape[1]:
            parts += [d, d.mean(axis=1, keepdims=True), d[:, -1:]]
    return np.hstack(parts)


@PREDICTORS.register("lcsvr")
class LcSVRPredictor(CurvePredictor):
    """Nu-SVR on the partial curve (values, first and second differences) and architecture
    features, trained on fully trained architectures (Baker et al. 2017).

    ``fit(archs, y, learning_curves=...)`` needs the final values ``y`` of the training
    architectures and their partial curves at the same budget as at prediction time.
    Hyper-parameters (``C``, ``nu``, ``gamma``) are chosen by a seeded randomised search
    with ``cv``-fold cross-validation, as in Baker et al.'s implementation.

    Parameters
    ----------
    metric : str
        The curve metric used as features (default ``val_accuracy``).
    space, encoding
        How architectures are encoded (ignored for a feature matrix, e.g. LCBench
        hyper-parameters, or when ``use_architecture=False``).
    use_architecture : bool
        Append the architecture's encoding to the curve features.
    n_iter, cv : int
        Randomised search size and folds.
    final_epoch : int, optional
        Unused: the model predicts the target it was fitted on (the ``y`` of the training
        architectures, whatever epoch that is), not a value extrapolated to an epoch;
        accepted for a uniform interface.
    random_state : int, Generator or None
        Seeds the hyper-parameter search (its draws and its cross-validation folds).

    References
    ----------
    Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance
    Prediction", ICLR Workshop 2018 (arXiv:1705.10823).
    """

    skops_types = frozenset(
        {
            "sklearn.pipeline.Pipeline",
            "sklearn.preprocessing._data.StandardScaler",
            "sklearn.svm._classes.NuSVR",
        }
    )
    requirements = Requirements(labels=True, learning_curves=True)
    test_params = {"n_iter": 5, "cv": 3}
    _parameter_constraints: ClassVar[dict] = {
        **CurvePredictor._parameter_constraints,
        "space": SPACE,
        "encoding": ENCODING,
        "use_architecture": ["boolean"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        metric: str = "val_accuracy",
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        use_architecture: bool = True,
        n_iter: int = 20,
        cv: int = 3,
        final_epoch: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(metric=metric, final_epoch=final_epoch, random_state=random_state)
        self.space = space
        self.encoding = encoding
        self.use_architecture = use_architecture
        self.n_iter = n_iter
        self.cv = cv

    def _architecture_block(self, archs: Any, fitting: bool) -> np.ndarray | None:
        if not self.use_architecture or archs is None:
            if fitting:
                self.fit_archs_ = None
            return None
        if is_feature_matrix(archs):
            if fitting:
                self.fit_archs_ = None
            return np.asarray(archs, dtype=np.float64)
        from nasperf.encodings import as_arch_list

        if fitting:
            space = self._fit_space(archs)
            archs = as_arch_list(space, archs)
            self._fit_encoder(space, archs)
        else:
            if self.encoder_ is None:
                raise ValueError(
                    "LcSVR was fitted without architecture features; predict without them too"
                )
            archs = as_arch_list(self.space_, archs)
        return np.asarray(self.encoder_.transform(archs), dtype=np.float64)

    def _design(self, archs: Any, curves: LearningCurves, fitting: bool) -> np.ndarray:
        parts = [curve_statistics(self._values(curves))]
        block = self._architecture_block(archs, fitting)
        if not fitting and block is None and self.uses_architecture_:
            raise ValueError(
                "LcSVR was fitted with architecture features; pass the architectures to predict too"
            )
        if block is not None:
            if block.shape[0] != len(curves):
                raise ValueError(f"{block.shape[0]} architectures for {len(curves)} curves")
            parts.append(block)
        X = np.hstack(parts)
        if fitting:
            self.n_features_in_ = X.shape[1]
            self.uses_architecture_ = block is not None
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"LcSVR was fitted on {self.n_features_in_} features (curve of "
                f"{len(self.fit_epochs_)} epochs), got {X.shape[1]}: predict at the budget "
                "it was trained at"
            )
        return X

    def _fit_curves(self, archs: Any, curves: LearningCurves, y: np.ndarray) -> None:
        from sklearn.model_selection import KFold, RandomizedSearchCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import NuSVR

        if len(y) < 2:  # the hyper-parameter search cross-validates on two folds at least
            raise ValueError(f"LcSVR needs at least 2 training curves, got {len(y)}")
        X = self._design(archs, curves, fitting=True)
        # Scale the target so C's search range means the same on every benchmark.
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        z = (y - self.y_mean_) / self.y_scale_
        model = make_pipeline(StandardScaler(), NuSVR(kernel="rbf"))
        n_splits = max(2, min(int(self.cv), len(y)))
        search = RandomizedSearchCV(
            model,
            {
                "nusvr__C": stats.loguniform(1e-2, 1e2),
                "nusvr__nu": stats.uniform(0.05, 0.9),
                "nusvr__gamma": stats.loguniform(1e-4, 1e0),
            },
            n_iter=int(self.n_iter),
            cv=KFold(n_splits, shuffle=True, random_state=self._seed()),
            random_state=self._seed(),
            scoring="neg_mean_squared_error",
            n_jobs=1,
        )
        with numpy_global_rng_kept():  # each NuSVR's libsvm seed: numpy's global stream
            search.fit(X, z)
        self.model_ = search.best_estimator_
        self.best_params_ = {k: float(v) for k, v in search.best_params_.items()}

    def _predict_curves(self, archs: Any, curves: LearningCurves, need_std: bool):
        epochs = [int(e) for e in curves.epochs]
        if len(epochs) == len(self.fit_epochs_) and epochs != list(self.fit_epochs_):
            # same length, other epochs (e.g. 81..90 for 1..10): the statistics would mean
            # another stage of training than the model learnt
            raise ValueError(
                f"LcSVR was fitted on curves at epochs {_span(self.fit_epochs_)}, got epochs "
                f"{_span(epochs)}: predict at the budget it was trained at"
            )
        X = self._design(archs, curves, fitting=False)
        return self.model_.predict(X) * self.y_scale_ + self.y_mean_, None


def _span(epochs: list[int]) -> str:
    """``1..10`` for contiguous epochs, else the list (its first 8)."""
    if epochs == list(range(epochs[0], epochs[-1] + 1)):
        return f"{epochs[0]}..{epochs[-1]}"
    return str(epochs[:8]) + (" ..." if len(epochs) > 8 else "")
