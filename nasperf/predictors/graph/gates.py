"""GATES: a flow-based architecture encoder trained to rank (Ning et al.)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf._constraints import Device

from .. import PREDICTORS
from ..base import GRAPH_ENCODING, Predictor
from .gnn import GraphPredictor, GraphRegressor, pairwise_hinge_loss


@PREDICTORS.register("gates")
class GATESPredictor(GraphPredictor):
    """GATES-style encoder with a pairwise ranking loss; ``predict`` returns scores.

    Information flows from the cell inputs along the DAG in topological order; at every
    node the operation's embedding gates (``sigmoid``) the sum of the information its
    predecessors send, so operations act as transformations of the flow rather than as
    node features. The mean state of the sink nodes, an MLP head, and a hinge ranking
    loss ``max(0, margin - (s_i - s_j))`` over the minibatch's pairs with ``y_i > y_j``
    give scores whose order, not scale, is learnt. Nodes read their cell's node count too
    where cells vary in size (``size_features_``, as for
    :class:`~nasperf.predictors.graph.gcn.GCNPredictor`).

    Parameters
    ----------
    space, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`. Zero-cost scores enter as
        graph-level features concatenated to the pooled embedding.
    encoding : str
        ``"graph"`` (the operations-on-nodes view).
    hidden : int
        Width of the information states and operation embeddings.
    n_layers : int
        Passes of information through the DAG.
    mlp_hidden : int
        Width of the head's hidden layers.
    margin : float
        Hinge margin (in score units).
    dropout, epochs, batch_size, lr, weight_decay, device, n_jobs
        As for :class:`~nasperf.predictors.graph.gcn.GCNPredictor`.

    Attributes
    ----------
    network_ : torch.nn.Module
    size_features_ : bool
        Whether each node also reads its cell's node count (True where a cell's size varied
        between the training architectures; see
        :class:`~nasperf.predictors.graph.gnn.GraphPredictor`).
    size_scale_ : float
        The largest cell node count seen in fitting, by which that count is divided.

    References
    ----------
    Ning et al., "A Generic Graph-based Neural Architecture Encoding Scheme for
    Predictor-based NAS", ECCV 2020.
    """

    test_params: ClassVar[dict] = {"epochs": 60}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "encoding": GRAPH_ENCODING,
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "mlp_hidden": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        # Minibatches of one graph are skipped (a pairwise or batch statistic needs two).
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [Device()],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "margin": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "graph",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        hidden: int = 64,
        n_layers: int = 2,
        mlp_hidden: int = 128,
        margin: float = 0.1,
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
        self.mlp_hidden = mlp_hidden
        self.margin = margin
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make_network(self):
        enc = self._graph_encoder("gates", 0.0)
        return GraphRegressor(enc, self.n_extra_, self.mlp_hidden, self.dropout)

    def _fit(self, X: Any, y: np.ndarray) -> None:
        packed, yt = self._start_fit(X, y)
        margin = self.margin
        self._train(packed, yt, lambda net, b, yb: pairwise_hinge_loss(net(b), yb, margin))

    def _predict(self, X: Any) -> np.ndarray:
        return self._scores(X)
