"""GRAF: interpretable graph features (operation counts, path lengths per operation subset)."""

from __future__ import annotations

import itertools
from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf.spaces import GraphBatch

from ._graph_ops import path_statistics, row_chunks
from .base import ENCODINGS, Encoder

_STATS = ("min_length", "max_length", "n_paths", "input_degree", "output_degree")


@ENCODINGS.register("graf", "graph_features")
class GRAFEncoder(Encoder):
    """Neural graph features: cheap, interpretable and strong with tree models.

    Per cell: the count of each operation, then for every subset ``S`` of the operations
    (of size <= ``max_subset_size``), on the subgraph that keeps only operations in ``S``
    (plus inputs, output and structural nodes):

    * ``min_length`` / ``max_length``: fewest / most operations on an input -> output path
      (``-1`` when no path remains);
    * ``n_paths``: number of input -> output paths;
    * ``input_degree``: edges from the inputs into the subgraph;
    * ``output_degree``: edges into the output from nodes an input reaches.

    Operations that never touch an edge in the fitting architectures (NAS-Bench-201's
    ``none``, whose edges are removed) are left out of the subsets; fitted only on cells
    without such operations (every edge ``none``, or an input wired to the output), there
    are no subsets and the features are the operation counts.

    Where the space declares numeric attributes of its labels
    (:attr:`SearchSpace.op_values`), each cell's block ends with their sums over the cell's
    nodes, per field (``cell{c}_sum_{field}``, values scaled to [0, 1] as
    :meth:`~nasperf.spaces.SearchSpace.node_value_table` gives them): e.g. a chain's total
    width, next to how many layers have each width.

    Parameters
    ----------
    space : str or SearchSpace
    max_subset_size : int, optional
        Largest operation subset; default all subsets when at most 5 operations are used,
        else pairs (DARTS's 7 operations would give 127 subsets per cell).
    op_counts : bool, default True
        Include the per-cell operation counts.

    References
    ----------
    Kadlecová, Lukasik, Pilát, Vidnerová, Safari, Neruda & Hutter, "Surprisingly Strong
    Performance Prediction with Neural Graph Features", ICML 2024.
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "max_subset_size": [Interval(Integral, 1, None, closed="left"), None],
        "op_counts": ["boolean"],
    }

    def __init__(
        self, *, space=None, max_subset_size: int | None = None, op_counts: bool = True
    ) -> None:
        super().__init__(space=space)
        self.max_subset_size = max_subset_size
        self.op_counts = op_counts

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        codes = self._operation_codes()
        touched = batch.adjacency.any(-1) | batch.adjacency.any(-2)  # (N, C, n)
        used = [int(k) for k in codes if ((batch.ops == k) & touched).any()]
        self.op_codes_ = np.array([int(k) for k in codes], dtype=np.int64)
        size = self.max_subset_size
        if size is None:
            size = len(used) if len(used) <= 5 else 2
        self.subsets_ = [
            s for r in range(1, min(size, len(used)) + 1) for s in itertools.combinations(used, r)
        ]
        self._fit_node_values()

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        # A chunk of architectures at a time: path_statistics holds (subsets x archs x cells
        # x nodes x nodes) temporaries (GRAF on 150,000 NB301 architectures had asked numpy
        # for 1.76 GiB in one array); rows do not interact, so the values are the same.
        out = np.empty((len(batch), self.n_features_out_), dtype=np.float32)
        for start, part in row_chunks(batch):
            out[start : start + len(part)] = self._transform_rows(part)
        return out

    def _transform_rows(self, batch: GraphBatch) -> np.ndarray:
        """The features of (a chunk of) the batch: ``(len(batch), n_features_out_)``."""
        labels = np.asarray(batch.ops)
        is_op_label = np.isin(labels, self.op_codes_)
        blocks = []
        if self.op_counts:
            blocks.append((labels[..., None] == self.op_codes_).sum(2))  # (N, C, K)
        if self.subsets_:
            # Fitted on cells without operations on edges, no subset is left: the features
            # are the operation counts alone.
            structural = (labels >= 0) & ~is_op_label
            allowed = np.stack([structural | np.isin(labels, s) for s in self.subsets_])
            stats = path_statistics(batch, allowed, is_op_label.astype(np.int64))
            # (S, N, C) per statistic -> (N, C, S * 5)
            per = np.stack([stats[k] for k in _STATS], axis=-1)  # (S, N, C, 5)
            blocks.append(per.transpose(1, 2, 0, 3).reshape(len(batch), batch.n_cells, -1))
        if getattr(self, "value_fields_", ()):
            blocks.append(self._node_values(batch).sum(2))  # (N, C, F)
        if not blocks:
            return np.zeros((len(batch), 0), dtype=np.float32)
        return np.concatenate(blocks, axis=-1).reshape(len(batch), -1).astype(np.float32)

    def _feature_names(self) -> list[str]:
        labels = self.space_.node_labels
        names = []
        for c in range(self.n_cells_):
            if self.op_counts:
                names += [f"cell{c}_count_{labels[k]}" for k in self.op_codes_]
            for s in self.subsets_:
                tag = "+".join(labels[k] for k in s)
                names += [f"cell{c}_{tag}_{stat}" for stat in _STATS]
            names += [f"cell{c}_sum_{f}" for f in getattr(self, "value_fields_", ())]
        return names
