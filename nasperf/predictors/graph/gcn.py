"""GCN predictor (Wen et al., "Neural Predictor for Neural Architecture Search")."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf._constraints import Device

from .. import PREDICTORS
from ..base import GRAPH_ENCODING, Predictor
from .gnn import GraphPredictor, GraphRegressor, mse_loss


@PREDICTORS.register("gcn")
class GCNPredictor(GraphPredictor):
    """Graph convolutional network regressing performance from the cell DAG.

    GCN layers over the operations-on-nodes cell graphs (messages pass along both edge
    directions, as in the paper), global mean pooling, an MLP head, mean squared error on
    standardised targets. A node's input is its operation's one-hot, plus its cell's node
    count (over the largest seen) where cells vary in size between the training
    architectures (``size_features_``).

    Parameters
    ----------
    space, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`. Zero-cost scores enter as
        graph-level features concatenated to the pooled embedding.
    encoding : str
        ``"graph"`` (the operations-on-nodes view).
    hidden : int
        Width of the GCN layers.
    n_layers : int
        Number of GCN layers.
    mlp_hidden : int
        Width of the head's two hidden layers.
    dropout : float
        Dropout after each GCN layer and in the head.
    epochs, batch_size, lr, weight_decay
        Adam with a cosine learning-rate schedule.
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
    n_jobs : int or None
        CPU threads torch may use during ``fit`` / ``predict`` (restored afterwards); cells
        are small, so one thread is fastest. None: leave torch's setting alone.

    Attributes
    ----------
    network_ : torch.nn.Module
    y_mean_, y_scale_ : float
        Target standardisation.
    size_features_ : bool
        Whether each node also reads its cell's node count (True where a cell's size varied
        between the training architectures; see
        :class:`~nasperf.predictors.graph.gnn.GraphPredictor`).
    size_scale_ : float
        The largest cell node count seen in fitting, by which that count is divided.

    References
    ----------
    Wen et al., "Neural Predictor for Neural Architecture Search", ECCV 2020; Kipf &
    Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017.
    """

    test_params: ClassVar[dict] = {"epochs": 60}
    _encoder_kind = "gcn"

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
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make_network(self):
        enc = self._graph_encoder(self._encoder_kind, self.dropout)
        return GraphRegressor(enc, self.n_extra_, self.mlp_hidden, self.dropout)

    def _fit(self, X: Any, y: np.ndarray) -> None:
        packed, yt = self._start_fit(X, y)
        self._train(packed, yt, lambda net, b, yb: mse_loss(net(b), yb))

    def _predict(self, X: Any) -> np.ndarray:
        return self._scores(X) * self.y_scale_ + self.y_mean_
