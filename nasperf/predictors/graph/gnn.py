"""Shared machinery of the graph predictors: batching, GNN encoders, training loops.

The graph predictors (``gcn``, ``bonas``, ``gin``, ``gates``, ``pairwise``) learn from the
``graph`` encoding (one ``torch_geometric.data.Data`` per architecture). Instead of a
``DataLoader`` collating ``Data`` objects at every step, the graphs are packed once into
concatenated tensors (:class:`_Packed`) and a minibatch is cut from them with index
arithmetic; shuffling draws from a seeded ``torch.Generator``. Message passing uses
torch-geometric's layers and pooling.

Zero-cost side information enters as graph-level inputs: :meth:`GraphPredictor._features`
returns the graphs together with the signed-log zero-cost block, which is standardised and
concatenated to the pooled graph embedding before the head.

A node's input is its label's one-hot, the space's numeric attributes of its label where
it declares them (:attr:`~nasperf.spaces.SearchSpace.op_values`), and, where the node count of a cell varies between
the training architectures, one more column: its cell's node count over the largest count
seen in fitting (see :class:`GraphPredictor`).

With the ``graph`` encoding's default view (operations on nodes, isolated nodes kept), the
dense tensors are built straight from the space's vectorised
:meth:`~nasperf.spaces.SearchSpace.graph_batch` arrays (:func:`dense_from_graph_batch`),
without one ``Data`` object per architecture: the same tensors, bit for bit, 3 (NB101,
NB301: the space's arrays dominate) to 50 (NB201) times faster to build, which is what makes
screening many architectures with a GNN fast.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from sklearn.base import _fit_context
from torch import nn

from nasperf._denormals import without_denormals
from nasperf._device import resolve_device
from nasperf._torch_state import torch_state, with_autograd

from .._torch_utils import torch_threads
from ..base import Predictor


# ---------------------------------------------------------------- inputs and batching
@dataclasses.dataclass
class GraphInput:
    """What :meth:`GraphPredictor._features` returns: graphs and optional graph features.

    Either ``graphs`` (PyG ``Data`` objects) or ``batch`` (the space's
    :class:`~nasperf.spaces.GraphBatch` of the operations-on-nodes view, with
    ``n_node_labels`` one-hot columns) holds the architectures.
    """

    graphs: list | None
    extra: np.ndarray | None = None
    batch: Any = None
    n_node_labels: int = 0
    #: float32 ``(n_node_labels + 1, F)``: each label's numeric attributes (last row: the
    #: padding's zeros), appended to the one-hot ``x``; None where the space has none.
    node_values: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.batch) if self.batch is not None else len(self.graphs)


@dataclasses.dataclass
class GraphBatch:
    """A minibatch in dense form: node features, adjacency, node mask, graph features."""

    x: torch.Tensor  # (B, n_max, F)
    adj: torch.Tensor  # (B, n_max, n_max), adj[b, u, v] = 1 for an edge u -> v
    mask: torch.Tensor  # (B, n_max) bool, real nodes
    depth: torch.Tensor  # (B, n_max) long, longest-path depth from the sources
    extra: torch.Tensor | None  # (B, n_extra)
    #: (B, n_max) long: the cell of each node (0 for padding); None: one cell
    cell: torch.Tensor | None = None


class _Packed:
    """Graphs padded into dense tensors once (cells are small, so dense message passing
    beats scatter on CPU); :meth:`select` cuts minibatches by indexing."""

    def __init__(self, X: GraphInput, extra: np.ndarray | None, device: torch.device) -> None:
        if X.batch is not None:
            self.x, self.adj, self.mask, self.cell = dense_from_graph_batch(
                X.batch, X.n_node_labels, X.node_values
            )
        else:
            from torch_geometric.data import Batch
            from torch_geometric.utils import to_dense_adj, to_dense_batch

            graphs = X.graphs
            big = Batch.from_data_list(
                [type(g)(x=g.x, edge_index=g.edge_index, num_nodes=g.num_nodes) for g in graphs]
            )
            self.x, self.mask = to_dense_batch(big.x, big.batch, batch_size=len(graphs))
            cells = [
                g.cell if getattr(g, "cell", None) is not None else torch.zeros(g.num_nodes)
                for g in graphs
            ]
            self.cell, _ = to_dense_batch(
                torch.cat(cells).long(), big.batch, batch_size=len(graphs)
            )
            n_max = self.x.shape[1]
            self.adj = to_dense_adj(big.edge_index, big.batch, max_num_nodes=n_max)
            self.adj = (self.adj > 0).float()
        self.depth = topological_depth(self.adj)
        self.x, self.adj, self.mask, self.depth, self.cell = (
            t.to(device) for t in (self.x, self.adj, self.mask, self.depth, self.cell)
        )
        self.n_graphs = len(X)
        self.extra = None if extra is None else torch.as_tensor(extra, dtype=torch.float32)
        if self.extra is not None:
            self.extra = self.extra.to(device)
        self.device = device

    def select(self, idx: torch.Tensor | None = None) -> GraphBatch:
        if idx is None:
            return GraphBatch(self.x, self.adj, self.mask, self.depth, self.extra, self.cell)
        idx = idx.to(self.device)
        extra = None if self.extra is None else self.extra[idx]
        return GraphBatch(
            self.x[idx], self.adj[idx], self.mask[idx], self.depth[idx], extra, self.cell[idx]
        )


def dense_from_graph_batch(
    batch: Any, n_node_labels: int, node_values: np.ndarray | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Dense ``(x, adj, mask)`` of the operations-on-nodes graphs of a ``GraphBatch``.

    The tensors the ``graph`` encoding (view ``ops_on_nodes``, ``drop_isolated=False``)
    followed by PyG batching and ``to_dense_batch`` / ``to_dense_adj`` give, built with array
    operations: every architecture's real nodes (label >= 0), cell after cell, first; its
    cells as diagonal blocks of ``adj``; one-hot labels in ``x``.

    Parameters
    ----------
    batch : GraphBatch
        ``adjacency (N, C, n, n)``, ``ops (N, C, n)`` (-1: padding).
    n_node_labels : int
        Width of the one-hot ``x``.
    node_values : float32 ``(n_node_labels + 1, F)``, optional
        Numeric attributes of each label (see :class:`GraphInput`), appended to ``x`` as the
        ``graph`` encoding appends them.

    Returns
    -------
    x : float32 ``(N, m, n_node_labels)``, adj : float32 ``(N, m, m)``, mask : bool ``(N, m)``
        ``m`` is the largest node count in the batch.
    cell : int64 ``(N, m)``
        The cell of each node (0 for padding).
    """
    ops = np.asarray(batch.ops)
    N, C, n = ops.shape
    keep = (ops >= 0).reshape(N, C * n)
    block = np.zeros((N, C * n, C * n), dtype=bool)
    for c in range(C):
        block[:, c * n : (c + 1) * n, c * n : (c + 1) * n] = batch.adjacency[:, c] > 0
    counts = keep.sum(axis=1)
    m = int(counts.max()) if N else 0
    # Real nodes first, in their order: a stable sort of "is padding".
    order = np.argsort(~keep, axis=1, kind="stable")[:, :m]
    rows = np.arange(N)[:, None]
    mask = np.arange(m)[None, :] < counts[:, None]
    labels = ops.reshape(N, C * n)[rows, order]
    x = np.eye(n_node_labels, dtype=np.float32)[np.where(mask, labels, 0)]
    if node_values is not None and node_values.shape[1]:
        x = np.concatenate([x, node_values[np.where(mask, labels, -1)]], axis=-1)
    x *= mask[..., None]
    adj = block[rows[:, :, None], order[:, :, None], order[:, None, :]]
    adj &= mask[:, :, None] & mask[:, None, :]
    cell = np.where(mask, order // n, 0).astype(np.int64)
    return (
        torch.from_numpy(x),
        torch.from_numpy(adj.astype(np.float32)),
        torch.from_numpy(mask),
        torch.from_numpy(cell),
    )


def _cell_node_counts(packed: _Packed, n_cells: int) -> torch.Tensor:
    """Real nodes of each cell of each packed graph, int64 ``(n_graphs, n_cells)``.

    A graph with more cells than ``n_cells`` (one the predictor was not fitted on) widens
    the result to its cell count."""
    width = max(n_cells, int(packed.cell.max()) + 1 if packed.cell.numel() else 0)
    onehot = nn.functional.one_hot(packed.cell, width) * packed.mask[..., None]
    return onehot.sum(1)


def _cell_size_column(packed: _Packed, n_cells: int, scale: float) -> torch.Tensor:
    """Each node's cell size, ``(n_graphs, n_max, 1)`` in ``x``'s dtype: the node count of
    the node's cell over ``scale`` (the largest count seen in fitting); 0 for padding."""
    counts = _cell_node_counts(packed, n_cells)
    size = torch.gather(counts, 1, packed.cell).to(packed.x.dtype) / scale
    return (size * packed.mask)[..., None]


def topological_depth(adj: torch.Tensor) -> torch.Tensor:
    """Longest-path depth of every node of batched DAGs ``(B, n, n)``; sources have 0."""
    B, n, _ = adj.shape
    depth = torch.zeros(B, n, dtype=torch.long)
    a = adj > 0
    for _ in range(n):
        cand = torch.where(a, depth[:, :, None] + 1, torch.zeros_like(depth)[:, :, None])
        new = torch.maximum(depth, cand.amax(1))
        if torch.equal(new, depth):
            break
        depth = new
    return depth


def _mean_pool(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.to(h.dtype)[..., None]
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)


def _sum_pool(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (h * mask.to(h.dtype)[..., None]).sum(1)


def _cell_pool(
    pool, h: torch.Tensor, mask: torch.Tensor, cell: torch.Tensor | None, n_cells: int
) -> torch.Tensor:
    """``pool`` of each cell's nodes of ``mask``, concatenated cell after cell: a network's
    cells (DARTS's normal and reduction cell, a macro space's stages) are told apart, as
    GATES concatenates its two DARTS cell embeddings. One cell: ``pool(h, mask)``."""
    if n_cells == 1 or cell is None:
        return pool(h, mask)
    return torch.cat([pool(h, mask & (cell == c)) for c in range(n_cells)], dim=1)


# ---------------------------------------------------------------- encoders
class GCNEncoder(nn.Module):
    """GCN layers (Kipf & Welling) over both edge directions, then global mean pooling
    (per cell, concatenated, where a network has several)."""

    def __init__(
        self, in_dim: int, hidden: int, n_layers: int, dropout: float, n_cells: int = 1
    ) -> None:
        super().__init__()
        from torch_geometric.nn import DenseGCNConv

        dims = [in_dim] + [hidden] * n_layers
        self.convs = nn.ModuleList(
            DenseGCNConv(a, b) for a, b in zip(dims[:-1], dims[1:], strict=True)
        )
        self.dropout = dropout
        self.n_cells = n_cells
        self.out_dim = hidden * n_cells

    def forward(self, b: GraphBatch) -> torch.Tensor:
        adj = b.adj + b.adj.transpose(1, 2)
        h = b.x
        for conv in self.convs:
            h = torch.relu(conv(h, adj, b.mask))
            h = nn.functional.dropout(h, self.dropout, self.training)
        return _cell_pool(_mean_pool, h, b.mask, b.cell, self.n_cells)


class GINEncoder(nn.Module):
    """GIN layers (Xu et al.) over both edge directions; readout: the sum-pooled node
    states of every layer, concatenated (as in the GIN paper), per cell where a network
    has several."""

    def __init__(
        self, in_dim: int, hidden: int, n_layers: int, dropout: float, n_cells: int = 1
    ) -> None:
        super().__init__()
        from torch_geometric.nn import DenseGINConv

        dims = [in_dim] + [hidden] * n_layers
        self.convs = nn.ModuleList(
            DenseGINConv(
                nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, b)),
                train_eps=True,
            )
            for a, b in zip(dims[:-1], dims[1:], strict=True)
        )
        self.dropout = dropout
        self.n_cells = n_cells
        self.out_dim = hidden * n_layers * n_cells

    def forward(self, b: GraphBatch) -> torch.Tensor:
        adj = b.adj + b.adj.transpose(1, 2)
        h = b.x
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(h, adj, b.mask))
            h = nn.functional.dropout(h, self.dropout, self.training)
            pooled.append(_cell_pool(_sum_pool, h, b.mask, b.cell, self.n_cells))
        return torch.cat(pooled, dim=1)


class GatesEncoder(nn.Module):
    """GATES-style encoder: information flows from the sources through the DAG in
    topological order; a node with predecessors computes
    ``sigmoid(emb(op_v) W_g) * (sum_u h_u) W_x + h_v W_r`` (its operation is a soft gate on
    the information it receives, plus a residual of its previous state), nodes of equal
    depth together; layers repeat the pass. Readout: the mean state of the sink nodes (the
    cell outputs), per cell and concatenated where a network has several (GATES embeds
    DARTS's normal and reduction cells separately)."""

    def __init__(
        self, in_dim: int, hidden: int, n_layers: int, op_dim: int, n_cells: int = 1
    ) -> None:
        super().__init__()
        self.op_embedding = nn.Linear(in_dim, op_dim, bias=False)
        self.info = nn.Linear(in_dim, hidden, bias=False)
        self.gates = nn.ModuleList(nn.Linear(op_dim, hidden, bias=False) for _ in range(n_layers))
        self.transforms = nn.ModuleList(
            nn.Linear(hidden, hidden, bias=False) for _ in range(n_layers)
        )
        self.residuals = nn.ModuleList(
            nn.Linear(hidden, hidden, bias=False) for _ in range(n_layers)
        )
        self.n_cells = n_cells
        self.out_dim = hidden * n_cells

    def forward(self, b: GraphBatch) -> torch.Tensor:
        max_depth = int(b.depth.max()) if b.depth.numel() else 0
        adj_t = b.adj.transpose(1, 2)  # adj_t[b, v, u]: u -> v
        op = self.op_embedding(b.x)
        h = self.info(b.x)
        for gate_l, transform, residual in zip(
            self.gates, self.transforms, self.residuals, strict=True
        ):
            gate = torch.sigmoid(gate_l(op))
            base = residual(h)
            out = h
            for level in range(1, max_depth + 1):
                flow = gate * transform(adj_t @ out) + base
                out = torch.where((b.depth == level)[..., None], flow, out)
            h = torch.tanh(out)
        sink = (b.adj.sum(2) == 0) & (b.adj.sum(1) > 0) & b.mask
        return _cell_pool(_mean_pool, h, sink, b.cell, self.n_cells)


def make_encoder(
    kind: str, in_dim: int, hidden: int, n_layers: int, dropout: float, n_cells: int = 1
) -> nn.Module:
    """The graph encoder ``kind``; ``n_cells`` (the space's cells per network) sets how
    many per-cell readouts its output concatenates."""
    if kind == "gcn":
        return GCNEncoder(in_dim, hidden, n_layers, dropout, n_cells)
    if kind == "gin":
        return GINEncoder(in_dim, hidden, n_layers, dropout, n_cells)
    if kind == "gates":
        return GatesEncoder(in_dim, hidden, n_layers, op_dim=hidden, n_cells=n_cells)
    raise ValueError(f"unknown graph encoder {kind!r}")


class GraphRegressor(nn.Module):
    """Encoder, optional graph-level features, MLP head to one score.

    ``forward`` returns the score ``(batch,)``; :meth:`embed` the head's last hidden layer.
    """

    def __init__(self, encoder: nn.Module, n_extra: int, mlp_hidden: int, dropout: float):
        super().__init__()
        self.encoder = encoder
        self.body = nn.Sequential(
            nn.Linear(encoder.out_dim + n_extra, mlp_hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(mlp_hidden, mlp_hidden),
            nn.ReLU(),
        )
        self.out = nn.Linear(mlp_hidden, 1)

    def embed(self, b: GraphBatch) -> torch.Tensor:
        z = self.encoder(b)
        if b.extra is not None:
            z = torch.cat([z, b.extra], dim=1)
        return self.body(z)

    def forward(self, b: GraphBatch) -> torch.Tensor:
        return self.out(self.embed(b)).squeeze(-1)


# ---------------------------------------------------------------- losses
def mse_loss(scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(scores, y)


def pairwise_hinge_loss(scores: torch.Tensor, y: torch.Tensor, margin: float) -> torch.Tensor:
    """Mean of ``max(0, margin - (s_i - s_j))`` over the batch's pairs with ``y_i > y_j``."""
    better = (y[:, None] > y[None, :]).float()
    diff = scores[:, None] - scores[None, :]
    loss = torch.relu(margin - diff) * better
    return loss.sum() / better.sum().clamp(min=1.0)


# ---------------------------------------------------------------- the shared base
class GraphPredictor(Predictor):
    """Base of the graph predictors: features, packing, seeded training, rebuilding.

    Subclasses set ``_encoder_kind`` and implement :meth:`_make_network` (from the fitted
    widths ``n_node_features_`` / ``n_extra_``, and ``size_features_``) and their ``_fit`` /
    ``_predict``.

    **Node inputs.** Each node reads the one-hot of its label, then the space's numeric
    attributes of that label where it declares them (``n_node_features_`` columns in
    all). Where the node count of some cell differs between the training architectures
    (stages of elastic depth written as one chain per stage, NB101's cells of 2-7 vertices,
    TransNAS-Bench-101's macro chains), each node also reads its cell's node count divided
    by the largest count seen in fitting (``size_features_`` True, ``size_scale_`` that
    count): message passing and pooling over one-hot labels otherwise leave a cell's size,
    often the strongest signal of such a space, to be inferred from node counts, which gin
    at 100 training networks did not do (it memorised). Spaces whose cells always have the
    same size (NB201, DARTS, NAS-Bench-Graph, chains of fixed length) get no such column
    and fit exactly as before. A file saved before this rule has no ``size_features_`` and
    loads as it was fitted, without the column.

    Fitted attributes shared by the graph predictors: ``n_node_features_`` (one-hot
    width), ``n_extra_`` (zero-cost columns, with ``extra_mean_`` / ``extra_scale_``),
    ``n_cells_`` (cells per network, one readout each), ``size_features_`` (bool),
    ``size_scale_`` (float, the largest cell node count seen in fitting), ``y_mean_`` /
    ``y_scale_``.
    """

    numeric = False

    # ------------------------------------------------------------ features
    def _features(self, space, archs: list, side: dict) -> GraphInput:
        extra = self._zero_cost_block(space, archs, side) if self.uses_zero_cost_ else None
        from nasperf.encodings.graph import GraphEncoder

        enc = self.encoder_
        if isinstance(enc, GraphEncoder) and enc.view == "ops_on_nodes" and not enc.drop_isolated:
            # The plain ops-on-nodes view: dense tensors straight from the space's arrays.
            values = enc.value_table_ if getattr(enc, "value_fields_", ()) else None
            return GraphInput(
                None,
                extra,
                batch=space.graph_batch(archs),
                n_node_labels=len(enc.node_labels_),
                node_values=values,
            )
        return GraphInput(enc.transform(archs), extra)

    def _check_input(self, X: Any) -> GraphInput:
        if isinstance(X, GraphInput) and X.batch is not None:
            return X
        if not isinstance(X, GraphInput) or not all(hasattr(g, "edge_index") for g in X.graphs):
            raise ValueError(
                f"{type(self).__name__} learns from graphs: use encoding='graph' (got "
                f"{self.encoding!r})"
            )
        return X

    def _start_fit(self, X: Any, y: np.ndarray) -> tuple[_Packed, torch.Tensor]:
        """Record the fitted widths and scalings; the packed graphs and standardised y."""
        X = self._check_input(X)
        self.n_node_features_ = (
            X.n_node_labels + (0 if X.node_values is None else int(X.node_values.shape[1]))
            if X.batch is not None
            else int(X.graphs[0].x.shape[1])
        )
        self.n_extra_ = 0 if X.extra is None else int(X.extra.shape[1])
        if X.batch is not None:
            self.n_cells_ = int(np.asarray(X.batch.ops).shape[1])
        else:
            self.n_cells_ = 1 + max(
                (int(g.cell.max()) for g in X.graphs if getattr(g, "cell", None) is not None),
                default=0,
            )
        if X.extra is not None:
            self.extra_mean_ = X.extra.mean(axis=0)
            scale = X.extra.std(axis=0)
            self.extra_scale_ = np.where(scale > 0, scale, 1.0)
        self.y_mean_ = float(np.mean(y))
        self.y_scale_ = float(np.std(y)) or 1.0
        yt = torch.tensor((y - self.y_mean_) / self.y_scale_, dtype=torch.float32)
        packed = self._pack_graphs(X)
        counts = _cell_node_counts(packed, self.n_cells_)
        # The size column only where a cell's size varies (see the class docstring): cells of
        # one fixed size would get a constant column, and a different fit than before.
        self.size_features_ = bool((counts.amax(0) != counts.amin(0)).any())
        self.size_scale_ = float(max(int(counts.max()), 1))
        if self.size_features_:
            self._add_size_column(packed)
        return packed, yt.to(self._device())

    def _pack_graphs(self, X: GraphInput) -> _Packed:
        """``X`` packed, its zero-cost block standardised; node inputs: the one-hot labels."""
        extra = X.extra
        if self.n_extra_:
            extra = (extra - self.extra_mean_) / self.extra_scale_
        return _Packed(X, extra, self._device())

    def _add_size_column(self, packed: _Packed) -> None:
        """Append each node's cell size (node count / ``size_scale_``) to ``packed.x``."""
        column = _cell_size_column(packed, self.n_cells_, self.size_scale_)
        packed.x = torch.cat([packed.x, column], dim=-1)

    def _pack(self, X: GraphInput) -> _Packed:
        """``X`` packed as the network reads it (the size column where fitted with one)."""
        packed = self._pack_graphs(X)
        # A file saved before the size column has no size_features_: fitted without it.
        if getattr(self, "size_features_", False):
            self._add_size_column(packed)
        return packed

    def _threads(self):
        return torch_threads(getattr(self, "n_jobs", None))

    # Validated before torch's thread count is set from n_jobs.
    @with_autograd
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any, y: Any = None, **side: Any):
        with self._threads():
            return super().fit(archs, y, **side)

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        with self._threads():
            return super().predict(archs, **side)

    def predict_std(self, archs: Any, **side: Any) -> np.ndarray:
        with self._threads():
            return super().predict_std(archs, **side)

    def _device(self) -> torch.device:
        return resolve_device(getattr(self, "device", "cpu"))

    # ------------------------------------------------------------ networks
    def _make_network(self) -> nn.Module:
        raise NotImplementedError

    def _graph_encoder(self, kind: str, dropout: float) -> nn.Module:
        """The encoder ``kind`` (:func:`make_encoder`) at this predictor's ``hidden`` /
        ``n_layers``, with one readout per cell of the fitted networks (a file saved before
        per-cell readouts has no ``n_cells_``: one cell, as it was fitted) and one input
        column more than the one-hot where nodes read their cell's size."""
        return make_encoder(
            kind,
            self.n_node_features_ + int(getattr(self, "size_features_", False)),
            self.hidden,
            self.n_layers,
            dropout,
            getattr(self, "n_cells_", 1),
        )

    def _build_modules(self) -> None:
        # Fresh weights are drawn without touching the caller's global RNG state, in float32.
        with torch_state(0):
            self.network_ = self._make_network().to(self._device())
        self.network_.eval()

    def _train(self, packed: _Packed, y: torch.Tensor, loss_fn) -> None:
        """Seeded Adam on minibatches; builds ``network_`` and leaves it in eval mode."""
        gen = torch.Generator()
        gen.manual_seed(self._seed())
        # The device's CUDA generator is seeded and restored too: dropout draws from it there.
        with torch_state(
            int(torch.randint(0, 2**31 - 1, (1,), generator=gen)), devices=[self._device()]
        ):
            self.network_ = net = self._make_network().to(self._device())
            opt = without_denormals(
                torch.optim.Adam(
                    net.parameters(), lr=self.lr, weight_decay=self.weight_decay, foreach=True
                )
            )
            steps_per_epoch = max(1, -(-packed.n_graphs // self.batch_size))
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(
                opt, T_max=self.epochs * steps_per_epoch
            )
            net.train()
            for _ in range(self.epochs):
                perm = torch.randperm(packed.n_graphs, generator=gen)
                for k in range(steps_per_epoch):
                    idx = perm[k * self.batch_size : (k + 1) * self.batch_size]
                    if len(idx) < 2:
                        continue
                    opt.zero_grad()
                    loss = loss_fn(net, packed.select(idx), y[idx.to(y.device)])
                    loss.backward()
                    opt.step()
                    sched.step()
        net.eval()

    @torch.no_grad()
    def _scores(self, X: Any) -> np.ndarray:
        """The network's output on ``X`` (standardised units), float64.

        Inference runs in float64 and is rounded to float32, the precision of the weights:
        float32 matrix products round differently with the number of graphs in a batch, so
        one architecture got predictions differing by ~1e-6 with the others predicted beside
        it (screening then broke its tie rule, earlier line first). float64's differences
        (~1e-16) vanish in the rounding."""
        import copy

        packed = self._pack(self._check_input(X))
        self.network_.eval()
        net = copy.deepcopy(self.network_).double()
        batch = packed.select()
        wide = GraphBatch(
            *(
                t.double() if t is not None and t.is_floating_point() else t
                for t in (batch.x, batch.adj, batch.mask, batch.depth, batch.extra, batch.cell)
            )
        )
        return net(wide).float().double().cpu().numpy()
