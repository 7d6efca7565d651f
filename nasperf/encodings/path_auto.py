"""The path encoding where it generalises, the adjacency encoding where it cannot."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from nasperf.spaces import GraphBatch

from .adjacency import AdjacencyOneHotEncoder
from .base import ENCODINGS, Encoder, as_arch_list
from .path import MAX_UNION_PATHS, PathEncoder, union_path_count

__all__ = ["AutoPathEncoder", "MAX_BUILT_WIDTH"]

#: Widest full path encoding ``path_auto`` builds, whatever ``max_width`` says (a boolean
#: matrix of architectures x features); wider vocabularies go to the adjacency encoding
#: unbuilt.
MAX_BUILT_WIDTH = 1 << 16


@ENCODINGS.register("path_auto", "auto_path")
class AutoPathEncoder(Encoder):
    """BANANAS's path encoding, adapted to the space it is fitted on.

    The path encoding generalises when architectures share paths: a predictor learns what
    each labelled path is worth. On some spaces it cannot: in a chain every architecture is
    one path labelled by all its operations, so the encoding is a one-hot identifier of the
    architecture (3^8 = 6,561 chains give 9,841 features, and a predictor learns nothing
    about unseen ones). This encoder fits the full path encoding on the training
    architectures, reads its :attr:`~nasperf.encodings.path.PathEncoder.stats_`, and uses

    1. ``adjacency_onehot`` when the full path vocabulary is wider than ``max_width``
       (long paths over many operations: DARTS's two cells give 11,204 features,
       NAS-Bench-Graph's 9-operation DAGs 7,381), or the cells' union graph has more than
       :data:`~nasperf.encodings.path.MAX_UNION_PATHS` input -> output paths (dense cells:
       2^(n-2) for n nodes). Both are counted without listing paths and the path encoding
       is not built, so no space costs unbounded time or memory here. On the two such spaces
       with real labels BANANAS ranks better on adjacency than on the path encoding,
       truncated as BANANAS truncates it or whole (NB301 surrogate, 500 training genotypes:
       Kendall tau 0.36-0.53 against 0.25-0.34; NAS-Bench-Graph Cora and CiteSeer: 0.45-0.61
       against 0.33-0.52; ``bench/encodings.py --section auto``);
    2. ``adjacency_onehot`` when the paths present are mostly unique to one architecture:
       ``shared_fraction < min_shared`` (the share of present paths that occur in at least
       two distinct training encodings; NB101, NB201 and TransNAS-Bench-101 micro cells give
       0.93-0.97 on 100 random architectures, a chain 0);
    3. else the path encoding itself.

    The rule reads only the training architectures (no labels), so it is deterministic and
    the same on refit. ``chosen_`` says which encoding was used; predictors whose default
    encoding is ``"path_auto"`` (BANANAS) report it as their fitted ``encoding_``.

    Parameters
    ----------
    space : str, SearchSpace or None
    max_width : int, default 2048
        Widest path vocabulary used (never more than :data:`MAX_BUILT_WIDTH`); a wider one
        gets the adjacency encoding. The truncated path encoding remains
        ``encoding="path"`` with ``truncate=k``.
    min_shared : float, default 0.5
        Smallest ``shared_fraction`` for which paths are used at all.

    Attributes
    ----------
    chosen_ : str
        ``"path"`` or ``"adjacency_onehot"``.
    stats_ : dict
        The full path encoding's statistics on the fitting architectures.
    inner_ : Encoder
        The fitted encoder used.

    References
    ----------
    White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures
    for Neural Architecture Search", AAAI 2021 (path encoding and its truncation).
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "max_width": [Interval(Integral, 1, None, closed="left")],
        "min_shared": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, space=None, max_width: int = 2048, min_shared: float = 0.5) -> None:
        super().__init__(space=space)
        self.max_width = max_width
        self.min_shared = min_shared

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        full = PathEncoder(space=self.space_)
        full.space_ = self.space_
        paths = union_path_count(batch)  # both counted without listing paths
        width = full.vocabulary_width(batch)
        if paths > MAX_UNION_PATHS or width > min(self.max_width, MAX_BUILT_WIDTH):
            self.stats_ = {"width": width, "n_archs": len(archs), "built": False, "paths": paths}
            self.inner_ = AdjacencyOneHotEncoder(space=self.space_).fit(archs)
            self.chosen_ = "adjacency_onehot"
            return
        full = full.fit(archs)
        self.stats_ = dict(full.stats_)
        if self.stats_["distinct"] > 1 and self.stats_["shared_fraction"] < self.min_shared:
            self.inner_ = AdjacencyOneHotEncoder(space=self.space_).fit(archs)
            self.chosen_ = "adjacency_onehot"
        else:
            self.inner_ = full
            self.chosen_ = "path"

    def transform(self, archs: Sequence[Any]) -> np.ndarray:
        """Encode ``archs`` with the chosen encoding."""
        check_is_fitted(self, "inner_")
        return self.inner_.transform(as_arch_list(self.space_, archs))

    def _feature_names(self) -> list[str]:
        return list(self.inner_.get_feature_names_out())
