"""The empty encoding: no architecture features (for hybrids that learn from side information)."""

from __future__ import annotations

import numpy as np

from nasperf.spaces import GraphBatch

from .base import ENCODINGS, Encoder


@ENCODINGS.register("none", "empty")
class EmptyEncoder(Encoder):
    """Zero columns per architecture.

    A predictor built with ``encoding=None`` uses it, so that its features are only the
    side information it is given (zero-cost scores, partial learning curves), as an OMNI
    hybrid without an architecture encoding.
    """

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        return np.zeros((len(batch), 0), dtype=np.float32)

    def _feature_names(self) -> list[str]:
        return []
