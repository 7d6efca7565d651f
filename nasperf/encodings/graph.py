"""Graph encoding: one ``torch_geometric.data.Data`` per architecture, for GNN predictors.

Two views of the space's generic cell graphs (:meth:`~nasperf.spaces.SearchSpace.cells`,
operations on nodes), computed for the whole batch at once from
:meth:`~nasperf.spaces.SearchSpace.graph_batch` arrays; no space is special-cased.

``ops_on_nodes``
    The cell graphs as they are: one node per cell-graph node, ``x`` the one-hot of its
    label over ``space.node_labels``, one edge per adjacency entry.

``ops_on_edges``
    The dual view, operations on edges, derived generically. Every operation node ``v`` is
    split into an *input junction* ``in_v`` (the sum of what ``v`` reads) and an *output
    junction* ``out_v`` (what ``v`` computes), joined by an edge labelled with ``v``'s
    operation; every cell-graph edge ``u -> w`` becomes an ``identity`` edge
    ``out_u -> in_w`` (``u`` / ``w`` themselves when they are not operations: inputs, the
    output, structural nodes such as DARTS's ``sum``). Junctions that only copy a tensor are
    then merged away: ``in_w`` into its only predecessor when ``w`` has one input, and
    ``out_u`` into its only successor when ``u`` has one consumer (when both hold the pair
    becomes one node). Non-operation nodes are never merged with each other, and operation
    nodes with no edge at all (e.g. NAS-Bench-201's ``none`` edges) are dropped. The nodes
    are the non-operation nodes (labelled as in the cell graph) and the remaining junctions
    (labelled ``tensor``), in topological order; ``edge_attr`` is the one-hot of the edge's
    operation over ``space.operations`` plus a last ``identity`` column. This recovers the
    native form where there is one: NAS-Bench-201 (nodes 0..3, six op edges, ``none`` edges
    absent), DARTS (inputs, one ``sum`` per intermediate node, eight op edges, and the
    ``sum -> output`` identity edges); NAS-Bench-101 becomes a graph of tensors joined by
    its vertices' operations, a chain of layers a path.

Where the space declares numeric attributes of its labels
(:attr:`~nasperf.spaces.SearchSpace.op_values`, e.g. a layer's width), they follow the
one-hot columns, scaled to [0, 1] (0 where a node has none): in ``x`` for ``ops_on_nodes``,
in ``edge_attr`` (the operation edges) for ``ops_on_edges``.

Several cells (DARTS's normal and reduction cell) are disjoint components of one graph;
the per-node ``cell`` attribute says which cell a node belongs to.

Data attributes
---------------
``x`` float32 ``(num_nodes, n_node_labels [+ n_fields])``, ``edge_index`` int64
``(2, num_edges)`` (sorted by source then target), ``edge_attr`` float32
``(num_edges, n_ops + 1 [+ n_fields])`` (edge view only), ``cell`` int64 ``(num_nodes,)``, ``num_nodes``; ``y`` float32 ``(1,)`` (or
``(1, n_targets)``) from :meth:`GraphEncoder.to_dataset`. Each ``Data`` owns its tensors,
so saving one does not save the batch it was cut from. Batch them with
``torch_geometric.loader.DataLoader``.

Requires ``torch-geometric`` (``pip install nasperf[graph]``), imported on first use.

References
----------
Wen et al., "Neural Predictor for Neural Architecture Search", ECCV 2020 (GCN on
operations-on-nodes cells). Ning et al., "A Generic Graph-based Neural Architecture Encoding
Scheme for Predictor-based NAS" (GATES), ECCV 2020 (operations as transformations of
information flow). White et al., "How Powerful are Performance Predictors in Neural
Architecture Search?", NeurIPS 2021.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from nasperf.spaces import GraphBatch

from .base import ENCODINGS, Encoder, as_arch_list

__all__ = ["GraphEncoder", "VIEWS"]

VIEWS: tuple[str, ...] = ("ops_on_nodes", "ops_on_edges")
TENSOR_LABEL = "tensor"
IDENTITY_LABEL = "identity"


def _data_class():
    try:
        from torch_geometric.data import Data
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the 'graph' encoding needs torch-geometric: pip install 'nasperf[graph]'"
        ) from err
    return Data


@ENCODINGS.register("graph", "gnn")
class GraphEncoder(Encoder):
    """Architectures as PyTorch Geometric graphs (see the module docstring for the views).

    Parameters
    ----------
    space : str or SearchSpace
    view : {"ops_on_nodes", "ops_on_edges"}, default "ops_on_nodes"
    drop_isolated : bool, default False
        ``ops_on_nodes`` only: leave out operation nodes with no edge (NAS-Bench-201 keeps
        its ``none`` edges as such nodes so every cell has 8 nodes). The edge view always
        drops them.

    Fitted attributes
    -----------------
    node_labels_ : tuple of str
        Names of the one-hot ``x`` columns.
    edge_labels_ : tuple of str
        Names of the one-hot ``edge_attr`` columns (empty for ``ops_on_nodes``).
    value_fields_ : tuple of str
        The space's numeric label attributes (empty where it declares none), after the
        one-hot columns of ``x`` (``ops_on_nodes``) or ``edge_attr`` (``ops_on_edges``).
    n_features_out_ : int
        Width of ``x``.

    ``transform`` returns a list of ``torch_geometric.data.Data`` (``numeric = False``: not
    a feature matrix, so it cannot join a ``FeatureUnion``); :meth:`to_dataset` adds
    targets. Deterministic: equal architectures give equal graphs.
    """

    numeric = False
    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "view": [StrOptions(set(VIEWS))],
        "drop_isolated": ["boolean"],
    }

    def __init__(
        self, *, space=None, view: str = "ops_on_nodes", drop_isolated: bool = False
    ) -> None:
        super().__init__(space=space)
        self.view = view
        self.drop_isolated = drop_isolated

    # ------------------------------------------------------------ contract
    def _fit(self, batch: GraphBatch, archs: list) -> None:
        labels = self.space_.node_labels
        ops = self.space_.operations
        missing = [o for o in ops if o not in labels]
        if missing:
            raise ValueError(
                f"{self.space_.name}: operations {missing} are not in node_labels {labels}"
            )
        if self.view == "ops_on_nodes":
            self.node_labels_ = tuple(labels)
            self.edge_labels_ = ()
        else:
            self.node_labels_ = (*(lb for lb in labels if lb not in ops), TENSOR_LABEL)
            self.edge_labels_ = (*ops, IDENTITY_LABEL)
        self._fit_node_values()

    def _feature_names(self) -> list[str]:
        if self.view == "ops_on_nodes":
            return [*self.node_labels_, *getattr(self, "value_fields_", ())]
        return list(self.node_labels_)

    def _batch(self, archs: list) -> GraphBatch:
        # Graphs are not padded: any cell size the space produces is fine.
        return self.space_.graph_batch(archs)

    def transform(self, archs: Sequence[Any]) -> list:
        """Encode ``archs``: a list of ``torch_geometric.data.Data``, one per architecture."""
        check_is_fitted(self, "space_")
        archs = as_arch_list(self.space_, archs)
        return self._transform(self._batch(archs), archs)

    def to_dataset(self, archs: Sequence[Any], y: Any) -> list:
        """:meth:`transform` with targets: ``data.y`` is ``y[i]`` as float32 of shape ``(1,)``
        (``(1, k)`` for 2-D ``y``), so a batch's ``y`` is ``(batch,)`` (``(batch, k)``)."""
        y = np.asarray(y, dtype=np.float32)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-d or 2-d, got shape {y.shape}")
        graphs = self.transform(archs)
        if len(y) != len(graphs):
            raise ValueError(f"got {len(graphs)} architectures but {len(y)} targets")
        yt = torch.from_numpy(y)
        for i, data in enumerate(graphs):
            data["y"] = yt[i : i + 1].clone()
        return graphs

    def _transform(self, batch: GraphBatch, archs: list) -> list:
        if self.view == "ops_on_nodes":
            parts = _nodes_view(batch, self.drop_isolated, self._operation_codes())
        else:
            parts = _edges_view(batch, self._operation_codes(), self.node_labels_)
        values = getattr(self, "value_fields_", ())
        if values:
            # label codes of the space (-1 padding: the table's last row of zeros)
            key = "node_code" if self.view == "ops_on_nodes" else "edge_code"
            parts["values"] = self.value_table_[parts[key]]
        return _to_data(parts, len(self.node_labels_), len(self.edge_labels_), len(batch))


# ---------------------------------------------------------------- vectorised views
def _nodes_view(batch: GraphBatch, drop_isolated: bool, op_codes: np.ndarray) -> dict:
    """Node / edge arrays of the ops-on-nodes view, all architectures concatenated."""
    lab = batch.ops
    N, C, n = lab.shape
    adj = batch.adjacency.astype(bool)
    keep = lab >= 0
    if drop_isolated:
        isolated = ~adj.any(-1) & ~adj.any(-2)
        keep &= ~(np.isin(lab, op_codes) & isolated)
    gid = (np.cumsum(keep.reshape(-1)) - 1).reshape(N, C, n)
    rows = np.nonzero(keep.reshape(N * C, n))[0]
    i, c, s, d = np.nonzero(adj & keep[..., :, None] & keep[..., None, :])
    return {
        "node_label": lab[keep].astype(np.int64),
        "node_code": lab[keep].astype(np.int64),
        "node_row": rows,  # arch * C + cell
        "n_cells": C,
        "src": gid[i, c, s],
        "dst": gid[i, c, d],
        "edge_label": None,
    }


def _edges_view(batch: GraphBatch, op_codes: np.ndarray, node_labels: tuple[str, ...]) -> dict:
    """Node / edge arrays of the ops-on-edges view (module docstring), all cells at once.

    Slots per cell: ``k`` is node ``k`` (non-operation) or ``in_k`` (operation), ``n + k``
    is ``out_k``; ``rep`` maps each slot to the slot it is merged into (merges form stars,
    so one step suffices). A kept slot sits at position ``3k`` (``in_k``), ``3k + 1``
    (node ``k``) or ``3k + 2`` (``out_k``), which orders the nodes topologically.
    """
    N, C, n = batch.ops.shape
    M = N * C
    lab = batch.ops.reshape(M, n).astype(np.int64)
    A = batch.adjacency.reshape(M, n, n).astype(bool)
    rows = np.arange(M)[:, None]
    cols = np.arange(n)[None, :]
    is_op = np.isin(lab, op_codes)
    original = (lab >= 0) & ~is_op
    indeg, outdeg = A.sum(1), A.sum(2)
    live_op = is_op & (indeg + outdeg > 0)
    pred1, succ1 = A.argmax(1), A.argmax(2)  # the only neighbour where the degree is 1
    out_slot = np.where(is_op, n + cols, cols)

    rep = np.broadcast_to(np.arange(2 * n), (M, 2 * n)).copy()
    # in_w -> its only predecessor's output, unless that output merges into in_w itself.
    u = pred1
    pair = is_op[rows, u] & (outdeg[rows, u] == 1)
    rep[:, :n] = np.where(is_op & (indeg == 1) & ~pair, out_slot[rows, u], rep[:, :n])
    # out_u -> its only successor (a non-operation node or an input junction).
    rep[:, n:] = np.where(is_op & (outdeg == 1), succ1, rep[:, n:])

    exists = np.concatenate([original | live_op, live_op], axis=1)
    kept = exists & (rep == np.arange(2 * n))
    pos = np.concatenate(
        [np.where(original, 3 * cols + 1, 3 * cols), np.broadcast_to(3 * cols + 2, (M, n))], axis=1
    )

    present = np.zeros((M, 3 * n), dtype=bool)
    km, ks = np.nonzero(kept)
    present[km, pos[km, ks]] = True
    gid = (np.cumsum(present.reshape(-1)) - 1).reshape(M, 3 * n)
    node_of_slot = gid[rows, pos[rows, rep]]  # valid where the slot exists

    # Node labels: non-operation nodes keep theirs (re-indexed), junctions are "tensor".
    labels = batch.labels
    to_view = np.full(len(labels) + 1, len(node_labels) - 1, dtype=np.int64)
    for k, name in enumerate(labels):
        if name in node_labels:
            to_view[k] = node_labels.index(name)
    label_at = np.full((M, 3 * n), len(node_labels) - 1, dtype=np.int64)
    label_at[:, 1::3] = to_view[lab]  # lab == -1 hits the padding entry; masked below
    node_label = label_at[present]
    node_row = np.nonzero(present)[0]

    # Operation edges in_v -> out_v, then identity edges out_u -> in_w left unmerged.
    to_op = np.full(len(labels) + 1, -1, dtype=np.int64)
    to_op[op_codes] = np.arange(len(op_codes))
    om, ov = np.nonzero(live_op)
    em, eu, ew = np.nonzero(A)
    isrc = node_of_slot[em, out_slot[em, eu]]
    idst = node_of_slot[em, ew]
    wire = isrc != idst
    return {
        "node_label": node_label,
        "node_row": node_row,
        "n_cells": C,
        "src": np.concatenate([node_of_slot[om, ov], isrc[wire]]),
        "dst": np.concatenate([node_of_slot[om, n + ov], idst[wire]]),
        "edge_label": np.concatenate(
            [to_op[lab[om, ov]], np.full(int(wire.sum()), len(op_codes), dtype=np.int64)]
        ),
        # the space's label code of each edge's operation; -1 (no values) for identities
        "edge_code": np.concatenate([lab[om, ov], np.full(int(wire.sum()), -1, dtype=np.int64)]),
    }


def _to_data(parts: dict, n_node_labels: int, n_edge_labels: int, n_archs: int) -> list:
    """Cut the concatenated arrays into one ``Data`` per architecture."""
    Data = _data_class()
    C = parts["n_cells"]
    node_arch = parts["node_row"] // C
    src, dst, elab = parts["src"], parts["dst"], parts["edge_label"]
    order = np.lexsort((dst, src) if elab is None else (elab, dst, src))
    src, dst = src[order], dst[order]
    nodes_per = np.bincount(node_arch, minlength=n_archs)
    offset = np.concatenate([[0], np.cumsum(nodes_per)[:-1]])
    edge_arch = node_arch[src]
    edges_per = np.bincount(edge_arch, minlength=n_archs)
    local = np.stack([src - offset[edge_arch], dst - offset[edge_arch]]).astype(np.int64)

    values = parts.get("values")
    x_np = np.eye(n_node_labels, dtype=np.float32)[parts["node_label"]]
    if values is not None and elab is None:
        x_np = np.concatenate([x_np, values], axis=1)
    x = torch.from_numpy(x_np)
    cell = torch.from_numpy((parts["node_row"] % C).astype(np.int64))
    ei = torch.from_numpy(np.ascontiguousarray(local.T))  # (E, 2): rows split contiguously
    node_splits = nodes_per.tolist()
    edge_splits = edges_per.tolist()
    xs = torch.split(x, node_splits)
    cells = torch.split(cell, node_splits)
    eis = torch.split(ei, edge_splits)
    if elab is not None:
        attr_np = np.eye(n_edge_labels, dtype=np.float32)[elab[order]]
        if values is not None:
            attr_np = np.concatenate([attr_np, values[order]], axis=1)
        attr = torch.from_numpy(attr_np)
        attrs = torch.split(attr, edge_splits)
    out = []
    for k in range(n_archs):
        data = Data()
        data["x"] = xs[k].clone()
        data["edge_index"] = eis[k].t().contiguous()
        if elab is not None:
            data["edge_attr"] = attrs[k].clone()
        data["cell"] = cells[k].clone()
        data["num_nodes"] = node_splits[k]
        out.append(data)
    return out
