"""Graph-isomorphism augmentation (GIAug): more training rows from relabelled architectures.

An architecture can be written down in many ways that differ only in how the nodes of its
cells are numbered. Order-sensitive encodings (adjacency one-hot, ...) see each as a new
point with the same measured accuracy, so adding them to the training set teaches a
predictor the invariance and enlarges small training sets for free. The relabellings come
from the space (:meth:`~nasperf.spaces.SearchSpace.isomorphic_variants`); a space that
cannot list them (the default) gets no extra rows.

>>> import numpy as np
>>> import nasperf
>>> from nasperf.encodings import GraphIsomorphismAugmenter
>>> archs = nasperf.get_space("nb101").sample(20, seed=0)
>>> y = np.linspace(0.90, 0.95, 20)                         # your labels
>>> aug = GraphIsomorphismAugmenter(space="nb101", max_variants=10, random_state=0)
>>> archs_aug, y_aug, origin = aug.augment(archs, y)
>>> len(archs_aug), bool((y_aug == y[origin]).all())        # the 20, then their variants
(124, True)
>>> predictor = nasperf.predictors.get("xgb", n_estimators=20, random_state=0)
>>> predictor.fit(archs_aug, y_aug).predict(archs).shape
(20,)

References
----------
Xie, Liu, Sun, Zhang & Tan, "Architecture Augmentation for Performance Predictor Based on
Graph Isomorphism", arXiv:2207.00987, 2022 (IEEE Transactions on Cybernetics, 2023).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasperf.spaces import SearchSpace, as_rng

from .base import as_arch_list, resolve_space

__all__ = ["GraphIsomorphismAugmenter", "giaug"]


class GraphIsomorphismAugmenter:
    """Add up to ``max_variants`` isomorphic relabellings of every architecture, same label.

    Parameters
    ----------
    space : str or SearchSpace
    max_variants : int or None, default 10
        Variants added per architecture at most (``None``: all of them; for DARTS that can
        be over 10^5 per genotype). Where an architecture has more, ``max_variants`` are
        drawn uniformly without replacement.
    random_state : int, numpy Generator or None
        The only source of randomness. An int gives the same rows on every call; a
        Generator advances from call to call.
    """

    def __init__(
        self,
        *,
        space: str | SearchSpace | None = None,
        max_variants: int | None = 10,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.space = space
        self.max_variants = max_variants
        self.random_state = random_state

    def augment(self, archs: Sequence[Any], y: Any) -> tuple[list, np.ndarray, np.ndarray]:
        """The original rows followed by their variants.

        Parameters
        ----------
        archs : sequence of architectures (values, text or NASLib keys), length ``N``
        y : array-like, first dimension ``N``
            Labels (any trailing shape); variants get their source's label.

        Returns
        -------
        archs_aug : list
            The ``N`` architectures (as values), then for each architecture in turn its
            chosen variants (distinct, in the space's order, none equal to the source).
        y_aug : ndarray
            ``y[origin_index]``.
        origin_index : ndarray of int64
            Row of ``archs`` each output row comes from (``0..N-1`` for the first ``N``);
            use it to keep an architecture's variants in the same cross-validation fold.
        """
        m = self.max_variants
        if m is not None and (isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 0):
            raise ValueError(f"max_variants must be a non-negative int or None, got {m!r}")
        space = resolve_space(self.space, archs)
        archs = as_arch_list(space, archs)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(archs):
            raise ValueError(
                f"y must have one entry per architecture ({len(archs)}), got shape {y.shape}"
            )
        rng = as_rng(self.random_state)
        out = list(archs)
        origin = list(range(len(archs)))
        for i, arch in enumerate(archs):
            if m is None:
                variants = space.isomorphic_variants(arch)
            else:
                variants = space.sample_isomorphic_variants(arch, int(m), rng)
            out.extend(variants)
            origin.extend([i] * len(variants))
        origin_index = np.asarray(origin, dtype=np.int64)
        return out, y[origin_index], origin_index

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn convention)."""
        return {
            "space": self.space,
            "max_variants": self.max_variants,
            "random_state": self.random_state,
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def giaug(
    space: str | SearchSpace,
    archs: Sequence[Any],
    y: Any,
    *,
    max_variants: int | None = 10,
    random_state: int | np.random.Generator | None = None,
) -> tuple[list, np.ndarray, np.ndarray]:
    """Function form of :meth:`GraphIsomorphismAugmenter.augment`."""
    return GraphIsomorphismAugmenter(
        space=space, max_variants=max_variants, random_state=random_state
    ).augment(archs, y)
