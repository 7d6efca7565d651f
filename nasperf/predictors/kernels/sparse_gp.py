"""Sparse Gaussian-process regression with inducing points (SGPR, GPyTorch)."""

from __future__ import annotations

import warnings
import weakref
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import scipy.linalg
from sklearn.utils._param_validation import Interval, Options

from nasperf._denormals import without_denormals
from nasperf._torch_state import torch_state

from .. import PREDICTORS
from .._torch_utils import torch_threads
from ..base import Predictor, fit_feature_scaler

#: Most rows per block of :meth:`SparseGPPredictor._moments` (and of the training rows'
#: kernel), fewer where a row's temporaries (n_inducing x max(n_inducing, n_features)
#: float64) would take more than :data:`BLOCK_BYTES` together. A row's value does not
#: depend on the block it is in.
PREDICT_BLOCK = 256
BLOCK_BYTES = 32 * 2**20


def _block_rows(n_inducing: int, n_features: int) -> int:
    """Rows per block: :data:`PREDICT_BLOCK`, fewer for wide features (at least one)."""
    per_row = 8 * n_inducing * max(n_inducing, n_features)
    return max(1, min(PREDICT_BLOCK, BLOCK_BYTES // per_row))


def _rowwise_product(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``rows @ matrix.T`` with each output row computed from its own input row alone:
    products summed along the last (contiguous) axis, which numpy does by the same pairwise
    sum for every row, whatever the number of rows (a BLAS product's blocking is not)."""
    return (rows[:, None, :] * matrix[None, :, :]).sum(axis=-1)


def _kernel_rows(z: np.ndarray, t: dict, nu: float) -> np.ndarray:
    """``k(z, U)``, ``(len(z), m)``: the scaled Matern kernel (smoothness ``nu``) between
    standardised feature rows ``z`` and the inducing points, each row from its own."""
    diff = z[:, None, :] / t["lengthscale"] - t["inducing"][None, :, :]
    r = np.sqrt(2.0 * nu) * np.sqrt(np.square(diff).sum(axis=-1))
    if nu == 0.5:
        poly = 1.0
    elif nu == 1.5:
        poly = 1.0 + r
    else:
        poly = 1.0 + r + np.square(r) / 3.0
    return t["outputscale"] * poly * np.exp(-r)


#: The training set's part of each fitted GPyTorch model's prediction
#: (:func:`_training_terms`), kept while the model lives: nothing is added to the predictor
#: (its saved attributes stay those of the fit).
_TERMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _training_terms(pred: SparseGPPredictor) -> dict:
    """What :meth:`SparseGPPredictor._moments` needs of the fitted model and its training
    set, float64, computed on the model's first prediction: the hyperparameters, the
    inducing points over the length scale, ``R^T``, ``alpha = M^-1 V^T D^-1 (y - c)`` and
    ``M``'s inverse lower Cholesky factor."""
    model = pred.model_
    terms = _TERMS.get(model)
    if terms is not None:
        return terms
    import torch
    from linear_operator.utils.cholesky import psd_safe_cholesky

    kernel = model.base_covar_module
    with torch.no_grad():
        lengthscale = float(kernel.base_kernel.lengthscale.reshape(-1)[0])
        points = model.covar_module.inducing_points.detach().double().numpy()
        t: dict = {
            "lengthscale": lengthscale,
            "inducing": points / lengthscale,
            "outputscale": float(kernel.outputscale),
            "noise": float(pred.likelihood_.noise.reshape(-1)[0]),
            "constant": float(model.mean_module.constant.reshape(-1)[0]),
            # the fitted kernel's smoothness, not the predictor's nu (set_params after fit)
            "nu": float(kernel.base_kernel.nu),
        }
    with torch_threads(pred.n_jobs):
        # factored as GPyTorch factors K_UU (a jitter only where the plain one fails)
        upper = psd_safe_cholesky(torch.from_numpy(_kernel_rows(points, t, t["nu"])), upper=True)
        eye = torch.eye(len(points), dtype=torch.float64)
        r = torch.linalg.solve_triangular(upper, eye, upper=True).numpy()
        x = pred.X_train_
        block = _block_rows(len(points), x.shape[1])
        v = np.concatenate(
            [_kernel_rows(x[i : i + block], t, t["nu"]) @ r for i in range(0, len(x), block)]
        )
        d = np.maximum(t["outputscale"] - np.square(v).sum(axis=1), 0.0) + t["noise"]
        chol = np.linalg.cholesky(np.eye(len(r)) + v.T @ (v / d[:, None]))
        t["alpha"] = scipy.linalg.cho_solve(
            (chol, True), v.T @ ((pred.y_train_ - t["constant"]) / d)
        )
        t["m_chol_inv"] = scipy.linalg.solve_triangular(chol, np.eye(len(r)), lower=True)
    t["r_t"] = np.ascontiguousarray(r.T)
    _TERMS[model] = t
    return t


def _initial_inducing(Z: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` distinct training rows (all of them when there are fewer), chosen at random."""
    unique = np.unique(Z, axis=0)
    m = min(m, len(unique))
    return unique[np.sort(rng.choice(len(unique), size=m, replace=False))]


def _make_sgpr_class():
    import gpytorch

    class _SGPR(gpytorch.models.ExactGP):
        def __init__(self, train_x, train_y, inducing, likelihood, nu):
            super().__init__(train_x, train_y, likelihood)
            self.mean_module = gpytorch.means.ConstantMean()
            base = gpytorch.kernels.ScaleKernel(gpytorch.kernels.MaternKernel(nu=nu))
            self.base_covar_module = base
            self.covar_module = gpytorch.kernels.InducingPointKernel(
                base, inducing_points=inducing.clone(), likelihood=likelihood
            )

        def forward(self, x):
            return gpytorch.distributions.MultivariateNormal(
                self.mean_module(x), self.covar_module(x)
            )

    _SGPR.__qualname__ = "_SGPR"
    _SGPR.__module__ = __name__
    return _SGPR


def __getattr__(name: str):
    # The GPyTorch model class is built on first use (GPyTorch is imported lazily) and
    # found here by name, so fitted predictors can be pickled and unpickled.
    if name == "_SGPR":
        cls = _make_sgpr_class()
        globals()["_SGPR"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _sgpr_model(train_x, train_y, inducing, likelihood, nu: float):
    from . import sparse_gp

    return sparse_gp._SGPR(train_x, train_y, inducing, likelihood, nu)


@PREDICTORS.register("sparse_gp", "sgpr")
class SparseGPPredictor(Predictor):
    """Sparse GP regression with learnt inducing points (Titsias's SGPR, GPyTorch).

    The exact marginal likelihood of a GP is replaced by Titsias's collapsed variational
    bound through ``n_inducing`` inducing inputs (initialised at random training points,
    then optimised with the kernel hyperparameters and the noise by Adam); the cost is
    ``O(n m^2)`` instead of ``O(n^3)``. Features are standardised (continuous columns
    z-scored, the 0/1 indicator columns divided by one shared scale:
    :func:`~nasperf.predictors.base.fit_feature_scaler`) and targets scaled to zero mean
    and unit variance; the kernel is a scaled Matern with one length scale.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_inducing : int
        Inducing points ``m`` (at most the number of distinct training points).
    n_iter : int
        Adam steps on the bound.
    learning_rate : float
    nu : float
        Matern smoothness (0.5, 1.5 or 2.5).
    n_jobs : int or None
        Torch threads while fitting and predicting (restored after); None: torch's
        current setting.

    Attributes
    ----------
    model_ : gpytorch.models.ExactGP
        Holds the training data (``X_train_``, ``y_train_``) it conditions on.
    likelihood_ : gpytorch.likelihoods.GaussianLikelihood
    X_train_ : ndarray (n, n_features)
        Standardised training features.
    y_train_ : ndarray (n,)
        Scaled training targets.
    x_mean_, x_scale_ : ndarray (n_features,)
    y_mean_, y_scale_ : float
    n_inducing_ : int
        Inducing points used.

    References
    ----------
    Titsias, "Variational Learning of Inducing Variables in Sparse Gaussian Processes",
    AISTATS 2009; Gardner et al., "GPyTorch", NeurIPS 2018; White et al., "How Powerful are
    Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
    """

    has_uncertainty = True
    test_params = {"n_iter": 100}

    #: 0/1 feature columns share one scale (:func:`~nasperf.predictors.base.fit_feature_scaler`),
    #: not per-column z-scores: rare indicators stretched the kernel's distance, Kendall tau at 100
    #: training architectures, 1,000 test, 5 seeds, z-scores -> shared
    #: (``bench/feature_scale.py``): once-for-all style space of 5 stages of 2-4 blocks 0.459 ->
    #: 0.493, NB201 CIFAR-10 0.471 -> 0.475.
    _pool_indicators: ClassVar[bool] = True

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_inducing": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        # GPyTorch's Matern kernel has these three smoothnesses only.
        "nu": [Options(Real, {0.5, 1.5, 2.5})],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_inducing: int = 64,
        n_iter: int = 200,
        learning_rate: float = 0.05,
        nu: float = 2.5,
        n_jobs: int | None = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_inducing = n_inducing
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.nu = nu
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _build_modules(self) -> None:
        import gpytorch
        import torch

        train_x = torch.as_tensor(self.X_train_, dtype=torch.float64)
        train_y = torch.as_tensor(self.y_train_, dtype=torch.float64)
        inducing = torch.zeros(int(self.n_inducing_), train_x.shape[1], dtype=torch.float64)
        self.likelihood_ = gpytorch.likelihoods.GaussianLikelihood().double()
        self.model_ = _sgpr_model(train_x, train_y, inducing, self.likelihood_, self.nu).double()

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        with torch_threads(self.n_jobs):
            self._fit_gp(X, y)

    def _fit_gp(self, X: np.ndarray, y: np.ndarray) -> None:
        import gpytorch
        import torch

        if self.n_inducing < 1:
            raise ValueError(f"n_inducing must be >= 1, got {self.n_inducing}")
        self.x_mean_, self.x_scale_ = fit_feature_scaler(X, pool_indicators=self._pool_indicators)
        self.y_mean_ = float(y.mean())
        self.y_scale_ = float(y.std()) or 1.0
        self.X_train_ = (X - self.x_mean_) / self.x_scale_
        self.y_train_ = (y - self.y_mean_) / self.y_scale_
        inducing = _initial_inducing(self.X_train_, self.n_inducing, self._rng())
        self.n_inducing_ = len(inducing)
        self._build_modules()
        with torch_threads(self.n_jobs), torch.no_grad():
            self.model_.covar_module.inducing_points.copy_(torch.from_numpy(inducing))
            # A lengthscale of the order of the distance between standardised rows.
            self.model_.base_covar_module.base_kernel.lengthscale = float(np.sqrt(X.shape[1]))
        model, likelihood = self.model_, self.likelihood_
        with torch_state(self._seed()), gpytorch.settings.max_cholesky_size(10**9):
            model.train()
            likelihood.train()
            opt = without_denormals(torch.optim.Adam(model.parameters(), lr=self.learning_rate))
            mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
            x, t = model.train_inputs[0], model.train_targets
            for _ in range(self.n_iter):
                opt.zero_grad()
                loss = -mll(model(x), t)
                loss.backward()
                opt.step()
        model.eval()
        likelihood.eval()

    def _posterior(self, X: np.ndarray):
        """GPyTorch's own posterior at the feature rows ``X`` (standardised here): what
        :meth:`_moments` computes in closed form, and is checked against."""
        import gpytorch
        import torch

        z = torch.as_tensor((X - self.x_mean_) / self.x_scale_, dtype=torch.float64)
        self.model_.eval()
        self.likelihood_.eval()
        with (
            torch_threads(self.n_jobs),
            torch.no_grad(),
            gpytorch.settings.max_cholesky_size(10**9),
            warnings.catch_warnings(),
        ):
            # Predicting at the training inputs is legitimate (in-sample fit, std there).
            warnings.simplefilter("ignore", gpytorch.utils.warnings.GPInputWarning)
            return self.likelihood_(self.model_(z))

    def _moments(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance (noise included) of the scaled target at the
        feature rows ``X``, a block of rows at a time (:func:`_block_rows`).

        The closed form of GPyTorch's SGPR prediction (``InducingPointKernel``, with its
        diagonal correction in eval mode, and ``SGPRPredictionStrategy``): with
        ``l = k(x, U) R`` (``R`` the inverse of ``K_UU``'s upper Cholesky factor, so that
        ``l l^T = Q(x, x)``), ``V`` the training rows' ``l``, ``D = diag(k(x_i, x_i) -
        Q_ii)^+ + noise`` and ``M = I + V^T D^-1 V``: mean ``c + l M^-1 V^T D^-1 (y - c)``,
        variance ``k(x, x) - l l^T + l M^-1 l^T + noise``. The training set's part is
        computed once per fitted model (:func:`_training_terms`); a row's own part from that
        row alone (:func:`_rowwise_product`), so its value does not depend on the other rows
        predicted with it.

        GPyTorch's prediction mixes the batch's rows in its matrix products (last digits)
        and recomputes the kernel between every training row and the inducing points at
        each call: predicted one row at a time, as it had been here for that reason, it
        took ~5 ms a row at 2,000 training architectures and ~16 ms at 8,000.
        """
        t = _training_terms(self)
        mean, var = np.empty(len(X)), np.empty(len(X))
        block = _block_rows(len(t["r_t"]), X.shape[1])
        for start in range(0, len(X), block):
            rows = slice(start, start + block)
            z = (np.asarray(X[rows], dtype=np.float64) - self.x_mean_) / self.x_scale_
            lhs = _rowwise_product(_kernel_rows(z, t, t["nu"]), t["r_t"])
            mean[rows] = t["constant"] + _rowwise_product(lhs, t["alpha"][None, :])[:, 0]
            solved = _rowwise_product(lhs, t["m_chol_inv"])
            var[rows] = (
                t["outputscale"]
                - np.square(lhs).sum(axis=-1)
                + np.square(solved).sum(axis=-1)
                + t["noise"]
            )
        return mean, np.maximum(var, 0.0)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self._moments(X)[0] * self.y_scale_ + self.y_mean_

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        return np.sqrt(self._moments(X)[1]) * self.y_scale_
