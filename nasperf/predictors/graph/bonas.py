"""BONAS: a GCN embedding with Bayesian linear regression on top (Shi et al.)."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from .. import PREDICTORS
from .gcn import GCNPredictor


@PREDICTORS.register("bonas")
class BONASPredictor(GCNPredictor):
    """GCN embedding plus Bayesian linear regression: mean and predictive uncertainty.

    A :class:`~nasperf.predictors.graph.gcn.GCNPredictor` network is trained with mean squared
    error; its head's last hidden layer then serves as the embedding ``phi(a)`` of a
    Bayesian linear regression ``y = w . [phi(a), 1] + noise`` with prior
    ``w ~ N(0, I / alpha)`` and noise precision ``beta``, both set by maximising the
    evidence (MacKay's fixed-point updates). ``predict`` is the posterior mean,
    ``predict_std`` the predictive standard deviation ``sqrt(1 / beta + phi S phi^T)``,
    in the units of ``y``.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state, hidden, n_layers,
    mlp_hidden, dropout, epochs, batch_size, lr, weight_decay, device, n_jobs
        As for :class:`~nasperf.predictors.graph.gcn.GCNPredictor`.
    blr_iterations : int
        Evidence-maximisation iterations for ``alpha`` and ``beta``.

    Attributes
    ----------
    network_ : torch.nn.Module
    blr_mean_ : ndarray (mlp_hidden + 1,)
        Posterior mean of the regression weights (standardised targets).
    blr_cov_ : ndarray (mlp_hidden + 1, mlp_hidden + 1)
        Posterior covariance ``S``.
    blr_alpha_, blr_beta_ : float
        Prior and noise precision.

    References
    ----------
    Shi et al., "Bridging the Gap between Sample-based and One-shot Neural Architecture
    Search with BONAS", NeurIPS 2020; Snoek et al., "Scalable Bayesian Optimization Using
    Deep Neural Networks", ICML 2015.
    """

    has_uncertainty: ClassVar[bool] = True
    test_params: ClassVar[dict] = {"epochs": 60}

    _parameter_constraints: ClassVar[dict] = {
        **GCNPredictor._parameter_constraints,
        "blr_iterations": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "graph",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        hidden: int = 144,
        n_layers: int = 3,
        mlp_hidden: int = 128,
        dropout: float = 0.0,
        epochs: int = 150,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        blr_iterations: int = 100,
        device: str = "cpu",
        n_jobs: int | None = 1,
        random_state: Any = None,
    ) -> None:
        super().__init__(
            space=space,
            encoding=encoding,
            zero_cost_proxies=zero_cost_proxies,
            zero_cost_columns=zero_cost_columns,
            hidden=hidden,
            n_layers=n_layers,
            mlp_hidden=mlp_hidden,
            dropout=dropout,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        self.blr_iterations = blr_iterations

    @torch.no_grad()
    def _design(self, X: Any) -> np.ndarray:
        packed = self._pack(self._check_input(X))
        self.network_.eval()
        phi = self.network_.embed(packed.select()).double().cpu().numpy()
        return np.hstack([phi, np.ones((len(phi), 1))])

    def _fit(self, X: Any, y: np.ndarray) -> None:
        super()._fit(X, y)
        Phi = self._design(X)
        t = (y - self.y_mean_) / self.y_scale_
        n, d = Phi.shape
        eig = np.linalg.eigvalsh(Phi.T @ Phi)
        eig = np.clip(eig, 0.0, None)
        alpha, beta = 1.0, 1.0
        for _ in range(self.blr_iterations):
            A = alpha * np.eye(d) + beta * Phi.T @ Phi
            m = beta * np.linalg.solve(A, Phi.T @ t)
            lam = beta * eig
            gamma = float(np.sum(lam / (alpha + lam)))
            alpha_new = gamma / max(float(m @ m), 1e-12)
            resid = float(np.sum((t - Phi @ m) ** 2))
            beta_new = max(n - gamma, 1e-6) / max(resid, 1e-12)
            converged = abs(alpha_new - alpha) < 1e-6 * alpha and abs(beta_new - beta) < 1e-6 * beta
            alpha, beta = alpha_new, min(beta_new, 1e6)
            if converged:
                break
        A = alpha * np.eye(d) + beta * Phi.T @ Phi
        self.blr_cov_ = np.linalg.inv(A)
        self.blr_cov_ = (self.blr_cov_ + self.blr_cov_.T) / 2
        self.blr_mean_ = beta * self.blr_cov_ @ Phi.T @ t
        self.blr_alpha_ = float(alpha)
        self.blr_beta_ = float(beta)

    def _predict(self, X: Any) -> np.ndarray:
        return (self._design(X) @ self.blr_mean_) * self.y_scale_ + self.y_mean_

    def _predict_std(self, X: Any) -> np.ndarray:
        Phi = self._design(X)
        var = 1.0 / self.blr_beta_ + np.einsum("ij,jk,ik->i", Phi, self.blr_cov_, Phi)
        return np.sqrt(np.clip(var, 0.0, None)) * self.y_scale_
