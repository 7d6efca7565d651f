"""Gaussian-process regression on standardised architecture features."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .. import PREDICTORS
from ..base import Predictor, fit_feature_scaler


@PREDICTORS.register("gp", "gaussian_process")
class GPPredictor(Predictor):
    """Exact GP regression (scikit-learn ``GaussianProcessRegressor``).

    Features are standardised with the training set's statistics: every column centred,
    continuous columns (zero-cost proxies, counts) divided by their standard deviation,
    and the 0/1 indicator columns (one-hot operations, adjacency entries) divided by one
    shared scale, the root mean square of their standard deviations
    (:func:`~nasperf.predictors.base.fit_feature_scaler`). Per-column z-scores would give
    a rare indicator (an operation at a position few architectures have, as in a space of
    elastic depth) as much weight in the isotropic kernel's distance as a common one.
    Targets are normalised (``normalize_y``). The kernel is
    ``C * Matern(nu, isotropic length scale) + White``; its hyperparameters maximise the
    log marginal likelihood (L-BFGS from one deterministic start, plus ``n_restarts``
    random ones drawn from ``random_state``).

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    kernel : {"matern", "rbf"}
        Stationary kernel on the standardised features.
    nu : float
        Matern smoothness (0.5, 1.5 or 2.5 are cheap).
    noise : float
        Initial noise level (variance, in normalised-target units) of the white kernel.
    n_restarts : int
        Extra random restarts of the hyperparameter optimiser.

    Attributes
    ----------
    model_ : sklearn.gaussian_process.GaussianProcessRegressor
    x_mean_, x_scale_ : ndarray (n_features,)
        Standardisation of the features, ``(X - x_mean_) / x_scale_``.

    References
    ----------
    Rasmussen & Williams, "Gaussian Processes for Machine Learning", MIT Press 2006;
    White et al., "How Powerful are Performance Predictors in Neural Architecture
    Search?", NeurIPS 2021.
    """

    skops_types = frozenset(
        {
            "sklearn.gaussian_process._gpr.GaussianProcessRegressor",
            "sklearn.gaussian_process.kernels.ConstantKernel",
            "sklearn.gaussian_process.kernels.Matern",
            "sklearn.gaussian_process.kernels.RBF",
            "sklearn.gaussian_process.kernels.Product",
            "sklearn.gaussian_process.kernels.Sum",
            "sklearn.gaussian_process.kernels.WhiteKernel",
            "numpy.random.mtrand.RandomState",
        }
    )
    has_uncertainty = True
    test_params: dict = {}
    #: 0/1 feature columns share one scale (:func:`~nasperf.predictors.base.fit_feature_scaler`);
    #: ``False`` gives per-column z-scores (``bench/feature_scale.py`` compares the two).
    _pool_indicators: ClassVar[bool] = True

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "kernel": [StrOptions({"matern", "rbf"})],
        "nu": [Interval(Real, 0, None, closed="neither")],
        # Inside the white kernel's optimisation bounds.
        "noise": [Interval(Real, 1e-6, 10, closed="both")],
        "n_restarts": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        kernel: str = "matern",
        nu: float = 2.5,
        noise: float = 0.1,
        n_restarts: int = 0,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.kernel = kernel
        self.nu = nu
        self.noise = noise
        self.n_restarts = n_restarts
        self.random_state = random_state

    def _kernel(self, n_features: int):
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

        # Initial length scale ~ typical distance between standardised feature vectors.
        ls = float(np.sqrt(max(n_features, 1)))
        bounds = (1e-2 * ls, 1e3 * ls)
        if self.kernel == "matern":
            base = Matern(length_scale=ls, length_scale_bounds=bounds, nu=self.nu)
        elif self.kernel == "rbf":
            base = RBF(length_scale=ls, length_scale_bounds=bounds)
        else:
            raise ValueError(f"kernel must be 'matern' or 'rbf', got {self.kernel!r}")
        return ConstantKernel(1.0, (1e-3, 1e3)) * base + WhiteKernel(
            self.noise, noise_level_bounds=(1e-6, 1e1)
        )

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor

        from ._exact import warn_if_cubic

        warn_if_cubic(type(self).name or "gp", len(X))
        self.x_mean_, self.x_scale_ = fit_feature_scaler(X, pool_indicators=self._pool_indicators)
        Z = (X - self.x_mean_) / self.x_scale_
        model = GaussianProcessRegressor(
            kernel=self._kernel(X.shape[1]),
            normalize_y=True,
            n_restarts_optimizer=self.n_restarts,
            random_state=self._seed(),
        )
        with warnings.catch_warnings():
            # Bounds reached on tiny or constant data are expected, not a user problem.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(Z, y)
        self.model_ = model

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict((X - self.x_mean_) / self.x_scale_)

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        _, std = self.model_.predict((X - self.x_mean_) / self.x_scale_, return_std=True)
        return std
