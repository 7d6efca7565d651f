"""A space seen through a partial table: only the architectures the objective can answer.

A benchmark that labels a fraction of its space (TransNAS-Bench-101's tasks label ~700 of
4,096 micro cells; a user's table of the networks they trained) cannot answer a query for
any other architecture. Rather than teach every optimizer about it, the optimizer's view of
the space (``Optimizer.space_``) is restricted when the objective's candidates are fewer
than the space's architectures: random draws are uniform over the labelled ones,
neighbourhoods keep their labelled members, and a mutation is drawn again (then taken
among the labelled neighbours, then at random) until it is labelled. Everything else
(parsing, texts, networks) is the space's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasperf.spaces import as_rng

__all__ = ["LabelledSpace", "restrict"]

#: Draws of the space's own ``mutate`` before a mutation falls back to a labelled neighbour.
MUTATE_TRIES = 20


class LabelledSpace:
    """``space`` restricted to ``keys`` (texts in ``space.to_string`` form)."""

    def __init__(self, space: Any, keys: Sequence[str]) -> None:
        self.space = space
        self.keys = list(keys)
        self._allowed = frozenset(self.keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.space, name)

    def __repr__(self) -> str:
        return f"LabelledSpace({self.space.name!r}, {len(self.keys)} architectures)"

    @property
    def size(self) -> int:
        return len(self.keys)

    def labelled(self, arch: Any) -> bool:
        return self.space.to_string(arch) in self._allowed

    def random_architecture(self, rng: np.random.Generator) -> Any:
        return self.space.parse(self.keys[int(rng.integers(len(self.keys)))])

    def neighbors(self, arch: Any) -> list:
        return [a for a in self.space.neighbors(arch) if self.labelled(a)]

    def mutate(self, arch: Any, rng: Any = None) -> Any:
        rng = as_rng(rng)
        for _ in range(MUTATE_TRIES):
            child = self.space.mutate(arch, rng)
            if self.labelled(child):
                return child
        nbrs = self.neighbors(arch)
        if nbrs:
            return nbrs[int(rng.integers(len(nbrs)))]
        return self.random_architecture(rng)


def restrict(space: Any, candidates: Sequence[str] | None) -> Any:
    """``space`` itself when ``candidates`` is None or covers it (as many as the space's
    known size), else its :class:`LabelledSpace` over ``candidates`` (always for a table
    over a space of unknown size)."""
    if candidates is None:
        return space
    size = space.size
    if size is not None and len(candidates) >= size:
        return space
    return LabelledSpace(space, candidates)
