"""Operation distribution: how many of each operation an architecture uses."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from nasperf.spaces import GraphBatch

from ._graph_ops import live_mask
from .base import ENCODINGS, Encoder


@ENCODINGS.register("op_distribution", "op_counts")
class OpDistributionEncoder(Encoder):
    """Counts or ratios of each operation, per cell or over the whole architecture.

    Performance in cell spaces depends strongly on the mix of operations alone (e.g. the
    fraction of convolutions); this is that view, ignoring the topology.

    Parameters
    ----------
    space : str or SearchSpace
    normalize : bool, default True
        Ratios (each cell's counts divided by its number of operation nodes) instead of
        counts.
    per_cell : bool, default True
        One block per cell type (e.g. DARTS normal / reduce); else summed over cells.
    live_only : bool, default False
        Count only operations on some input -> output path (dead operations do not change
        what the network computes).

    References
    ----------
    Kadlecová et al., "Surprisingly Strong Performance Prediction with Neural Graph
    Features", ICML 2024 (operation counts as features).
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "normalize": ["boolean"],
        "per_cell": ["boolean"],
        "live_only": ["boolean"],
    }

    def __init__(
        self,
        *,
        space=None,
        normalize: bool = True,
        per_cell: bool = True,
        live_only: bool = False,
    ) -> None:
        super().__init__(space=space)
        self.normalize = normalize
        self.per_cell = per_cell
        self.live_only = live_only

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        self.op_codes_ = self._operation_codes()

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        is_op = batch.ops[..., None] == self.op_codes_  # (N, C, n, K)
        if self.live_only:
            is_op &= live_mask(batch)[..., None]
        counts = is_op.sum(axis=2).astype(np.float32)  # (N, C, K)
        if not self.per_cell:
            counts = counts.sum(axis=1, keepdims=True)
        if self.normalize:
            total = counts.sum(axis=-1, keepdims=True)
            counts = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
        return counts.reshape(len(batch), -1)

    def _feature_names(self) -> list[str]:
        ops = self.space_.operations
        cells = range(self.n_cells_) if self.per_cell else ["all"]
        kind = "ratio" if self.normalize else "count"
        return [f"cell{c}_{kind}_{op}" for c in cells for op in ops]
