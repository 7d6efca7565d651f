"""Adjacency one-hot encoding: the adjacency matrix plus one-hot node operations."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from nasperf.spaces import GraphBatch

from .base import ENCODINGS, Encoder


@ENCODINGS.register("adjacency_onehot", "adjacency", "adj_onehot")
class AdjacencyOneHotEncoder(Encoder):
    """The adjacency matrix and one-hot operations of every cell, flattened.

    Per cell of the space's :meth:`~nasperf.spaces.SearchSpace.cells` view (padded to
    ``max_nodes``): the strictly upper-triangular adjacency entries, row-major, then for
    every node a one-hot vector over the space's ``node_labels`` (all zeros for padding
    nodes). This is the encoding of NASLib and White et al. (2021) ("adjacency one-hot"):
    order-sensitive, so isomorphic cells may encode differently (see GIAug). Where the
    space declares numeric attributes of its labels (:attr:`SearchSpace.op_values`, e.g. a
    layer's width), every cell's block ends with them per node, scaled to [0, 1]
    (``cell{c}_node{v}_value_{field}``; 0 for inputs, the output and padding), so that
    ``c8`` and ``c16`` are near each other and not two unrelated categories.

    Parameters
    ----------
    space : str or SearchSpace
    include_io : bool, default False
        Also one-hot the input / output labels (constant columns when inputs and outputs
        sit at fixed positions; kept out by default).

    References
    ----------
    White et al., "How Powerful are Performance Predictors in Neural Architecture
    Search?", NeurIPS 2021. Ying et al., "NAS-Bench-101", ICML 2019.
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "include_io": ["boolean"],
    }

    def __init__(self, *, space=None, include_io: bool = False) -> None:
        super().__init__(space=space)
        self.include_io = include_io

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        labels = batch.labels
        keep = [
            k
            for k, label in enumerate(labels)
            if self.include_io or not (label.startswith("input") or label == "output")
        ]
        self.label_codes_ = np.array(keep, dtype=np.int64)
        self._fit_node_values()

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        n = batch.max_nodes
        iu = np.triu_indices(n, k=1)
        adj = batch.adjacency[:, :, iu[0], iu[1]]  # (N, C, n(n-1)/2)
        onehot = batch.ops[..., None] == self.label_codes_  # (N, C, n, L)
        blocks = [adj, onehot.reshape(*onehot.shape[:2], -1)]
        if getattr(self, "value_fields_", ()):
            blocks.append(self._node_values(batch).reshape(*onehot.shape[:2], -1))
        per_cell = np.concatenate(blocks, axis=-1)
        return per_cell.reshape(len(batch), -1).astype(np.float32)

    def _feature_names(self) -> list[str]:
        n = self.max_nodes_
        iu = np.triu_indices(n, k=1)
        labels = [self.space_.node_labels[k] for k in self.label_codes_]
        names = []
        for c in range(self.n_cells_):
            names += [f"cell{c}_adj_{i}_{j}" for i, j in zip(*iu, strict=True)]
            names += [f"cell{c}_node{v}_{label}" for v in range(n) for label in labels]
            fields = getattr(self, "value_fields_", ())
            names += [f"cell{c}_node{v}_value_{f}" for v in range(n) for f in fields]
        return names
