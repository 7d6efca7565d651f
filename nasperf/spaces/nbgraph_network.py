"""The graph neural network of a NAS-Bench-Graph architecture, on torch_geometric layers.

A network is: ``num_pre`` pre-processing layers (``Linear -> ReLU -> Dropout``, the first
from the node features to ``hidden``), the architecture's operations, the concatenation of
its outputs, ``num_post`` post-processing layers (``Linear -> ReLU -> Dropout``, the first
from the concatenation to ``hidden``) and a linear classifier. Every operation maps its input
to ``hidden`` channels and is followed by ``BatchNorm1d -> ReLU -> Dropout``:

===========  ==============================================================================
``gat``      ``GATConv(in, hidden // 2, heads=2)`` (the two heads concatenated)
``gcn``      ``GCNConv(in, hidden)``
``gin``      ``GINConv(Linear(in, hidden))``
``cheb``     ``ChebConv(in, hidden, K=2)``
``sage``     ``SAGEConv(in, hidden)``
``arma``     ``ARMAConv(in, hidden)`` (one stack, one layer)
``graph``    ``GraphConv(in, hidden)`` (the k-GNN layer)
``fc``       ``Linear(in, hidden)`` (ignores the edges)
===========  ==============================================================================

``skip`` operations hold no layer: the builder receives the skip-free operation tree of
:meth:`nasperf.spaces.nbgraph.NBGraphSpace.network_plan`. The forward takes ``(x,
edge_index)`` and returns logits ``(num_nodes, num_classes)``.

References
----------
Qin, Zhang, Wang, Zhang & Zhu, "NAS-Bench-Graph: Benchmarking Graph Neural Architecture
Search", NeurIPS 2022 Datasets and Benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["GRAPH_OPS", "NBGraphNetwork", "OperationLayer", "make_graph_op", "mlp_layer"]

#: The operations that hold a layer (``skip`` excepted), in the benchmark's order.
GRAPH_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc")


def make_graph_op(op: str, in_channels: int, out_channels: int) -> nn.Module:
    """The layer of operation ``op`` (see the module docstring), ``in -> out`` channels."""
    import torch_geometric.nn as gnn

    if op == "gat":
        if out_channels % 2:
            raise ValueError(f"gat needs an even width (2 heads), got {out_channels}")
        return gnn.GATConv(in_channels, out_channels // 2, heads=2)
    if op == "gcn":
        return gnn.GCNConv(in_channels, out_channels)
    if op == "gin":
        return gnn.GINConv(nn.Linear(in_channels, out_channels))
    if op == "cheb":
        return gnn.ChebConv(in_channels, out_channels, K=2)
    if op == "sage":
        return gnn.SAGEConv(in_channels, out_channels)
    if op == "arma":
        return gnn.ARMAConv(in_channels, out_channels)
    if op == "graph":
        return gnn.GraphConv(in_channels, out_channels)
    if op == "fc":
        return nn.Linear(in_channels, out_channels)
    raise ValueError(f"unknown graph operation {op!r}; expected one of {GRAPH_OPS}")


class OperationLayer(nn.Module):
    """One operation: ``layer -> BatchNorm1d -> ReLU -> Dropout``."""

    def __init__(self, op: str, in_channels: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.uses_edges = op != "fc"
        self.layer = make_graph_op(op, in_channels, hidden)
        self.norm = nn.BatchNorm1d(hidden)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        h = self.layer(x, edge_index) if self.uses_edges else self.layer(x)
        return self.drop(self.act(self.norm(h)))


def mlp_layer(in_features: int, out_features: int, dropout: float) -> nn.Sequential:
    """A pre- / post-processing layer: ``Linear -> ReLU -> Dropout``."""
    return nn.Sequential(nn.Linear(in_features, out_features), nn.ReLU(), nn.Dropout(dropout))


class NBGraphNetwork(nn.Module):
    """A node classifier built from an operation tree (see the module docstring).

    Parameters
    ----------
    ops : sequence of str
        The operations (no ``skip``) in topological order.
    parents : sequence of int
        ``parents[i]``: index of the operation feeding operation ``i`` (``-1``: the
        pre-processed input); always ``< i``.
    outputs : sequence of int
        Operations whose values are concatenated (repeats allowed), in order.
    num_features, num_classes : int
        Input feature width and output width.
    hidden : int
        Width of every operation and processing layer.
    num_pre, num_post : int
        Pre- and post-processing layers.
    dropout : float
        Dropout probability after every layer but the classifier.
    """

    def __init__(
        self,
        ops: Sequence[str],
        parents: Sequence[int],
        outputs: Sequence[int],
        num_features: int,
        num_classes: int,
        *,
        hidden: int = 256,
        num_pre: int = 0,
        num_post: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if len(ops) != len(parents) or not ops or not outputs:
            raise ValueError("ops and parents must have one entry per operation, outputs >= 1")
        if any(not -1 <= p < i for i, p in enumerate(parents)):
            raise ValueError(f"parents must precede their children, got {tuple(parents)}")
        if any(not 0 <= o < len(ops) for o in outputs):
            raise ValueError(f"outputs must index operations, got {tuple(outputs)}")
        self.parents = tuple(int(p) for p in parents)
        self.outputs = tuple(int(o) for o in outputs)
        self.pre = nn.ModuleList(
            mlp_layer(num_features if k == 0 else hidden, hidden, dropout) for k in range(num_pre)
        )
        width = hidden if num_pre else num_features
        self.nodes = nn.ModuleList(
            OperationLayer(op, width if p < 0 else hidden, hidden, dropout)
            for op, p in zip(ops, self.parents, strict=True)
        )
        concat = hidden * len(self.outputs)
        self.post = nn.ModuleList(
            mlp_layer(concat if k == 0 else hidden, hidden, dropout) for k in range(num_post)
        )
        self.classifier = nn.Linear(hidden if num_post else concat, num_classes)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        for layer in self.pre:
            x = layer(x)
        values: list[torch.Tensor] = []
        for node, parent in zip(self.nodes, self.parents, strict=True):
            values.append(node(x if parent < 0 else values[parent], edge_index))
        h = torch.cat([values[o] for o in self.outputs], dim=1)
        for layer in self.post:
            h = layer(h)
        return self.classifier(h)
