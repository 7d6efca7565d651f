"""OMNI: one tree model over every kind of cheap information about an architecture."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import PREDICTORS
from .base import Predictor, Requirements


@PREDICTORS.register("omni", "omni_xgb")
class OmniPredictor(Predictor):
    """OMNI-style hybrid: encoding + zero-cost scores + partial learning curves -> trees.

    White et al. found that no single family wins everywhere, and that a model-based
    predictor fed the *other* families' outputs as features (zero-cost proxies, the
    accuracy after a few training epochs) beats every one of them. This predictor builds
    that feature matrix (the base class appends the ``zero_cost`` and ``learning_curves``
    side information to the encoding; both are required) and fits a registered
    feature-matrix predictor on it (``model``, gradient-boosted trees by default).

    Parameters
    ----------
    space, zero_cost_proxies, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    encoding : str or sequence of str
        Default: the adjacency one-hot encoding plus GRAF's graph features (operation
        counts on input-output paths, path lengths, degrees): the trees then see both the
        exact cell and the structure that decides trainability.
    model : str
        A registered predictor that accepts feature matrices (``"xgb"``, ``"lgb"``,
        ``"ngb"``, ``"rf"``, ...).
    model_params : dict, optional
        Its parameters.

    Attributes
    ----------
    model_ : Predictor
        The fitted inner predictor (fitted on the feature matrix).

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021 (Section 6, OMNI).
    """

    requirements = Requirements(zero_cost=True, learning_curves=True, learning_curve_epochs=(12,))
    test_params = {"model_params": {"n_estimators": 100}}

    def __init__(
        self,
        *,
        space: Any = "nb201",
        encoding: Any = ("adjacency_onehot", "graf"),
        zero_cost_proxies: Any = None,
        model: str = "xgb",
        model_params: dict | None = None,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.model = model
        self.model_params = model_params
        self.random_state = random_state

    def _inner(self) -> Predictor:
        from . import get

        if self.model == self.name:
            raise ValueError("omni cannot use itself as its model")
        inner = get(self.model, **dict(self.model_params or {}))
        if not inner.numeric:
            raise ValueError(
                f"omni's model must learn from feature matrices; {self.model!r} does not"
            )
        if "random_state" in inner.get_params():
            inner.set_params(random_state=self._seed())
        return inner

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self.model_ = self._inner().fit(X, y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)
