"""Pairwise comparator ranker (ReNAS / CTNAS / BRP-NAS style)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from torch import nn

from nasperf._constraints import Device

from .. import PREDICTORS
from ..base import GRAPH_ENCODING, Predictor
from ..graph.gnn import GraphBatch, GraphPredictor


class _Comparator(nn.Module):
    """A GIN embedding and an antisymmetric comparator of two embeddings.

    ``logit(a, b) = g([e_a, e_b]) - g([e_b, e_a])``, so ``P(a > b) = sigmoid(logit(a, b))``
    and ``P(a > b) + P(b > a) = 1`` exactly.
    """

    def __init__(self, encoder: nn.Module, n_extra: int, hidden: int, dropout: float):
        super().__init__()
        self.encoder = encoder
        self.project = nn.Sequential(
            nn.Linear(encoder.out_dim + n_extra, hidden), nn.ReLU(), nn.Dropout(dropout)
        )
        self.g = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def embed(self, b: GraphBatch) -> torch.Tensor:
        z = self.encoder(b)
        if b.extra is not None:
            z = torch.cat([z, b.extra], dim=1)
        return self.project(z)

    def logit(self, ea: torch.Tensor, eb: torch.Tensor) -> torch.Tensor:
        """Logits of ``P(a_i > b_j)``, shape ``(len(ea), len(eb))``."""
        na, nb = len(ea), len(eb)
        A = ea[:, None, :].expand(na, nb, -1)
        B = eb[None, :, :].expand(na, nb, -1)
        fwd = self.g(torch.cat([A, B], dim=-1)).squeeze(-1)
        bwd = self.g(torch.cat([B, A], dim=-1)).squeeze(-1)
        return fwd - bwd


def _pair_bce(net: _Comparator, b: GraphBatch, y: torch.Tensor) -> torch.Tensor:
    e = net.embed(b)
    logits = net.logit(e, e)
    target = (y[:, None] > y[None, :]).float()
    # Each unordered pair once (i < j), ties left out.
    use = torch.triu(torch.ones_like(logits, dtype=torch.bool), diagonal=1) & (
        y[:, None] != y[None, :]
    )
    if not use.any():
        return logits.sum() * 0.0
    return nn.functional.binary_cross_entropy_with_logits(logits[use], target[use])


@PREDICTORS.register("pairwise", "comparator")
class PairwisePredictor(GraphPredictor):
    """A comparator network learning ``P(a better than b)``; ranks by mean win probability.

    Architectures are embedded by GIN layers (sum pooling); an antisymmetric comparator
    turns two embeddings into the logit of ``P(a > b)``. Training draws minibatches of
    architectures and uses every pair in them with unequal targets, binary cross-entropy
    against ``y_a > y_b``. ``predict(archs)`` is each architecture's mean win probability
    against a reference set (the training architectures), in ``[0, 1]``, higher = better.
    :meth:`compare` gives the pairwise probabilities themselves.

    Parameters
    ----------
    space, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`. Zero-cost scores enter as
        graph-level features concatenated to the pooled embedding.
    encoding : str
        ``"graph"`` (the operations-on-nodes view).
    hidden : int
        Width of the GIN layers and of the comparator.
    n_layers : int
        GIN layers.
    n_reference : int or None
        Reference architectures kept for ``predict`` (the first ones of the training set;
        None: all of them). ``predict`` compares each architecture with every reference:
        its time grows with ``n_train x n_test`` (memory does not); set it to bound that.
    dropout, epochs, batch_size, lr, weight_decay, device, n_jobs
        As for :class:`~nasperf.predictors.graph.gcn.GCNPredictor`.

    Attributes
    ----------
    network_ : torch.nn.Module
    reference_embedding_ : torch.Tensor (n_reference, hidden)
        Embeddings of the reference architectures.
    size_features_ : bool
        Whether each node also reads its cell's node count (True where a cell's size varied
        between the training architectures; see
        :class:`~nasperf.predictors.graph.gnn.GraphPredictor`).
    size_scale_ : float
        The largest cell node count seen in fitting, by which that count is divided.

    References
    ----------
    Xu et al., "ReNAS: Relativistic Evaluation of Neural Architecture Search", CVPR 2021;
    Chen et al., "Contrastive Neural Architecture Search with Neural Architecture
    Comparators" (CTNAS), CVPR 2021; Dudziak et al., "BRP-NAS: Prediction-based NAS using
    GCNs", NeurIPS 2020.
    """

    test_params: ClassVar[dict] = {"epochs": 60}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "encoding": GRAPH_ENCODING,
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        # Minibatches of one graph are skipped (a pairwise or batch statistic needs two).
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [Device()],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "n_reference": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "graph",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        hidden: int = 64,
        n_layers: int = 3,
        n_reference: int | None = None,
        dropout: float = 0.0,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        device: str = "cpu",
        n_jobs: int | None = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.hidden = hidden
        self.n_layers = n_layers
        self.n_reference = n_reference
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make_network(self):
        enc = self._graph_encoder("gin", 0.0)
        return _Comparator(enc, self.n_extra_, self.hidden, self.dropout)

    @torch.no_grad()
    def _embed(self, X: Any) -> torch.Tensor:
        packed = self._pack(self._check_input(X))
        self.network_.eval()
        return self.network_.embed(packed.select())

    def _fit(self, X: Any, y: np.ndarray) -> None:
        packed, yt = self._start_fit(X, y)
        self._train(packed, yt, _pair_bce)
        ref = self._embed(X)
        if self.n_reference is not None:
            ref = ref[: self.n_reference]
        self.reference_embedding_ = ref.cpu()

    @torch.no_grad()
    def _win_blocks(self, ea: torch.Tensor, eb: torch.Tensor) -> Iterator[np.ndarray]:
        """``P(a_i better than b_j)`` as float64 blocks of rows of ``ea`` (about 2**18
        pairs each), in order."""
        chunk = max(1, 2**18 // max(1, len(eb)))
        for i in range(0, len(ea), chunk):
            yield torch.sigmoid(self.network_.logit(ea[i : i + chunk], eb)).double().cpu().numpy()

    def _win_probability(self, ea: torch.Tensor, eb: torch.Tensor) -> np.ndarray:
        return np.concatenate(list(self._win_blocks(ea, eb)))

    def _predict(self, X: Any) -> np.ndarray:
        # each row's mean is taken in its block: predicting the whole NB201 space against
        # 10,000 references had held the 15,625 x 10,000 float64 matrix (1.25 GB, twice
        # at the concatenation); the same row means (numpy sums each row alone)
        ref = self.reference_embedding_.to(self._device())
        return np.concatenate([b.mean(axis=1) for b in self._win_blocks(self._embed(X), ref)])

    def compare(self, archs_a: Any, archs_b: Any, **side: Any) -> np.ndarray:
        """``P(a_i better than b_j)``, float64 ``(len(archs_a), len(archs_b))``.

        ``compare(a, b) + compare(b, a).T == 1`` (the comparator is antisymmetric).
        """
        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        Xa = self._prepare_predict(archs_a, side)
        Xb = self._prepare_predict(archs_b, side)
        return self._win_probability(self._embed(Xa), self._embed(Xb))
