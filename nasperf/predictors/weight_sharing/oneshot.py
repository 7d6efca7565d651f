"""One-shot predictor: a supernet trained through DARTS's continuous relaxation."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import StrOptions

from .. import PREDICTORS
from .base import Stage, WeightSharingPredictor


@PREDICTORS.register("oneshot")
class OneShot(WeightSharingPredictor):
    """Score architectures with the weights of a DARTS-trained supernet.

    The supernet is trained as DARTS searches (first-order): every edge outputs the
    softmax(alpha)-weighted sum of all its operations; each step updates the architecture
    parameters (Adam, lr 3e-4, weight decay 1e-3) on a minibatch of the second half of the
    training images, then the weights (SGD) on a minibatch of the first half. An
    architecture is then scored along its own single path with the inherited weights
    (``score="accuracy"`` or ``"loss"``), or, with ``score="alpha"``, by the log-probability
    the learnt architecture parameters give its operations (what DARTS's discretisation
    maximises).

    Parameters and fitted attributes: see
    :class:`~nasperf.predictors.weight_sharing.base.WeightSharingPredictor`; in addition
    ``alphas_`` (the learnt architecture parameters: per table, ``(edges, ops)`` nested lists).

    References
    ----------
    Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019; Bender et
    al., "Understanding and Simplifying One-Shot Architecture Search", ICML 2018; White et
    al., "How Powerful are Performance Predictors in Neural Architecture Search?", NeurIPS
    2021 (the OneShot predictor).
    """

    SCORES = ("accuracy", "loss", "alpha")
    _parameter_constraints: ClassVar[dict] = {
        **WeightSharingPredictor._parameter_constraints,
        "score": [StrOptions(set(SCORES))],
    }

    def _stages(self) -> list[Stage]:
        return [Stage("supernet", int(self.epochs), relaxation=True)]

    def _keep(self, results: dict[str, dict]) -> None:
        final = results["supernet"]
        self.supernet_ = self._load_net(final["model"])
        self.alphas_ = {k: v.detach().cpu().tolist() for k, v in final["alphas"].items()}

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        if self.score != "alpha":
            return super().predict(archs, **side)
        import torch
        from sklearn.utils.validation import check_is_fitted

        from nasperf.encodings import as_arch_list

        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        if self._empty_query(archs, side):
            return np.zeros(0, dtype=np.float64)
        alphas = {k: torch.tensor(v, dtype=torch.float32) for k, v in self.alphas_.items()}
        archs = as_arch_list(self.space_, archs)
        return np.array([self.supernet_.arch_logprob(a, alphas) for a in archs], dtype=np.float64)
