"""BANANAS: an ensemble of MLPs on the path encoding, with the ensemble spread as uncertainty."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import PREDICTORS
from .._torch_utils import device_of, predict_batched
from .mlp import MLPPredictor, _new_mlp, _train_mlp

__all__ = ["BANANASPredictor"]


@PREDICTORS.register("bananas")
class BANANASPredictor(MLPPredictor):
    """Ensemble of ``n_ensemble`` MLPs that differ in initialisation and data order.

    Each member is :class:`~nasperf.predictors.neural.mlp.MLPPredictor`'s network trained on the
    same standardised data from its own seed. Unlike the single MLP, every input column is
    z-scored (its own mean and standard deviation, indicators included). ``predict`` is the ensemble mean and
    ``predict_std`` the ensemble standard deviation (``ddof=0``) of the members'
    predictions, BANANAS's independent-Gaussian approximation of the posterior.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`. The encoding defaults to
        ``"path_auto"``: BANANAS's path encoding where paths are shared between
        architectures, its truncation where it is wider than 2,048 features, and the
        adjacency one-hot encoding where paths identify architectures one-to-one (a chain
        space); see :class:`~nasperf.encodings.path_auto.AutoPathEncoder`. The fitted
        ``encoding_`` says which was used; ``encoding="path"`` forces the path encoding.
    n_ensemble : int
        Members of the ensemble.
    n_layers, layer_width, epochs, batch_size, learning_rate, weight_decay, device
        Per member; see :class:`~nasperf.predictors.neural.mlp.MLPPredictor` (larger batches and
        fewer epochs than the single MLP keep five members' training time in bounds).

    Attributes
    ----------
    models_ : list of torch.nn.Sequential
    x_mean_, x_scale_ : ndarray (n_features_in_,)
    y_mean_, y_scale_ : float

    References
    ----------
    White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures
    for Neural Architecture Search", AAAI 2021.
    """

    has_uncertainty = True
    test_params = {"epochs": 60, "layer_width": 32, "n_layers": 2, "n_ensemble": 3}
    #: Per-column z-scores, not the MLP's shared indicator scale: BANANAS's path encoding
    #: (many paths of very different frequencies) ranked NB201 lower with the shared scale
    #: (Kendall tau 0.502 against 0.521, 100 training cells, 500 test, 3 seeds), so it keeps
    #: the z-scores.
    _pool_indicators: ClassVar[bool] = False

    _parameter_constraints: ClassVar[dict] = {
        **MLPPredictor._parameter_constraints,
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "path_auto",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_ensemble: int = 5,
        n_layers: int = 3,
        layer_width: int = 128,
        epochs: int = 100,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-4,
        device: str = "cpu",
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_ensemble = n_ensemble
        self.n_layers = n_layers
        self.layer_width = layer_width
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        if int(self.n_ensemble) < 1:
            raise ValueError(f"n_ensemble must be >= 1, got {self.n_ensemble!r}")
        Xs, ys = self._scale_fit(X, y)
        seeds = np.random.default_rng(self._seed()).integers(0, 2**31 - 1, int(self.n_ensemble))
        device = device_of(self.device)
        self.models_ = [_train_mlp(self, Xs, ys, int(s), device) for s in seeds]

    def _member_predictions(self, X: np.ndarray) -> np.ndarray:
        """Predictions of every member, ``(n_ensemble, n)``, in the targets' units."""
        Xt = self._scale_x(X)
        out = np.stack([predict_batched(m, Xt)[:, 0] for m in self.models_])
        return out * self.y_scale_ + self.y_mean_

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self._member_predictions(X).mean(axis=0)

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        return self._member_predictions(X).std(axis=0)

    def _build_modules(self) -> None:
        device = device_of(self.device)
        self.models_ = [
            _new_mlp(self, len(self.x_mean_)).to(device) for _ in range(int(self.n_ensemble))
        ]
