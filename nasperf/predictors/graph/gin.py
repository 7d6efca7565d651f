"""GIN predictor: graph isomorphism network layers, sum pooling, MLP head."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import PREDICTORS
from .gcn import GCNPredictor


@PREDICTORS.register("gin")
class GINPredictor(GCNPredictor):
    """Graph isomorphism network regressing performance from the cell DAG.

    GIN layers (``h_v <- MLP((1 + eps) h_v + sum_u h_u)``, learnable ``eps``) over the
    operations-on-nodes cell graphs with messages along both edge directions; the readout
    concatenates the sum-pooled node states of every layer (as Xu et al. do), then an MLP
    head regresses standardised targets with mean squared error.

    A node's input is the one-hot of its operation and, where the node count of a cell
    varies between the training architectures (a stage of elastic depth written as one
    chain, NB101's cells of 2-7 vertices), its cell's node count over the largest seen
    (``size_features_``): sum pooling over one-hot labels leaves that count to be inferred,
    and on a once-for-all style space of 5 stages of 2-4 blocks gin did not at 100
    training networks (Kendall tau 0.33 without the column, 0.53 with it). Spaces of
    fixed-size cells (NB201, DARTS) fit as without the rule.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state, hidden, n_layers,
    mlp_hidden, dropout, epochs, batch_size, lr, weight_decay, device, n_jobs
        As for :class:`~nasperf.predictors.graph.gcn.GCNPredictor`; ``hidden`` is the width of
        the GIN layers' MLPs.

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
    Xu et al., "How Powerful are Graph Neural Networks?", ICLR 2019.
    """

    test_params: ClassVar[dict] = {"epochs": 60}
    _encoder_kind = "gin"

    _parameter_constraints: ClassVar[dict] = {
        **GCNPredictor._parameter_constraints,
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
