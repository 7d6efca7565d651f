"""A space seen through a partial table: only the architectures the objective can answer.

A benchmark that labels a fraction of its space (TransNAS-Bench-101's tasks label ~700 of
4,096 micro cells; a user's table of the networks they trained) cannot answer a query for
any other architecture. Rather than teach every optimizer about it, the optimizer's view of
the space (``Optimizer.space_``) is restricted when the objective's candidates are fewer
than the space's architectures: random draws are uniform over the labelled ones,
neighbourhoods keep their labelled members, and a mutation is drawn again (then taken
among the labelled neighbours, then at random) until it is labelled. Everything else
(parsing, texts, networks) is the space's own. Where the objective returns one result per
network (a table of one row per network on a space whose values include inactive choices,
NB101's isomorphic specs), an architecture is labelled when its network is: the table
answers it with that network's row.

Mutating is fast however sparse the table: where the space keeps the default
``SearchSpace.mutate`` (a uniform draw among ``neighbors``), each architecture's neighbourhood
is enumerated once and remembered (its size and its labelled members, by position), and the
draws are made on that record with the same random numbers ``space.mutate`` would use: the
same results as drawing ``space.mutate`` again and again, without enumerating the
neighbourhood on every draw (NB301: 120 neighbours, ~9 ms, 21 times per mutation of an
unlabelled neighbourhood).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from nasperf.spaces import as_rng

__all__ = ["LabelledSpace", "restrict"]

#: Draws of the space's own ``mutate`` before a mutation falls back to a labelled neighbour.
MUTATE_TRIES = 20


#: Neighbourhoods remembered per LabelledSpace (oldest forgotten first). Each record holds
#: the labelled neighbours only, so a sparse table's records are a few integers.
NEIGHBOURHOOD_CACHE = 4096


class LabelledSpace:
    """``space`` restricted to ``keys`` (texts in ``space.to_string`` form); with
    ``networks`` (architecture -> its network, ``Context.query_key``), to every architecture
    of their networks (``known``: those networks, where already computed)."""

    def __init__(
        self,
        space: Any,
        keys: Sequence[str],
        networks: Callable[[Any], Hashable] | None = None,
        known: frozenset | None = None,
    ) -> None:
        from nasperf.spaces import SearchSpace

        self.space = space
        self.keys = list(keys)
        self._allowed = frozenset(self.keys)
        self._network = networks
        if networks is not None and known is None:
            known = frozenset(networks(space.parse(k)) for k in self.keys)
        self._networks = known if networks is not None else None
        self._parsed: dict[int, Any] = {}
        #: arch -> (neighbourhood size, {position: labelled neighbour}, labelled neighbours)
        self._hoods: dict[Any, tuple[int, dict[int, Any], list]] = {}
        # the default mutate is a uniform draw among neighbors(): emulated on the records
        self._plain_mutate = getattr(type(space), "mutate", None) is SearchSpace.mutate

    def __getattr__(self, name: str) -> Any:
        return getattr(self.space, name)

    def __repr__(self) -> str:
        return f"LabelledSpace({self.space.name!r}, {len(self.keys)} architectures)"

    @property
    def size(self) -> int:
        return len(self.keys)

    def labelled(self, arch: Any) -> bool:
        if self.space.to_string(arch) in self._allowed:
            return True
        return self._networks is not None and self._network(arch) in self._networks

    def random_architecture(self, rng: np.random.Generator) -> Any:
        i = int(rng.integers(len(self.keys)))
        arch = self._parsed.get(i)
        if arch is None:
            arch = self._parsed[i] = self.space.parse(self.keys[i])
        return arch

    def _hood(self, arch: Any) -> tuple[int, dict[int, Any], list]:
        """``arch``'s neighbourhood record: its size, its labelled members by position in
        ``space.neighbors(arch)``, and those members in order (enumerated once)."""
        try:
            return self._hoods[arch]
        except (KeyError, TypeError):  # TypeError: an unhashable user architecture
            pass
        nbrs = self.space.neighbors(arch)
        hits = {i: a for i, a in enumerate(nbrs) if self.labelled(a)}
        record = (len(nbrs), hits, list(hits.values()))
        try:
            if len(self._hoods) >= NEIGHBOURHOOD_CACHE:
                del self._hoods[next(iter(self._hoods))]
            self._hoods[arch] = record
        except TypeError:
            pass
        return record

    def neighbors(self, arch: Any) -> list:
        return list(self._hood(arch)[2])

    def mutate(self, arch: Any, rng: Any = None) -> Any:
        rng = as_rng(rng)
        if self._plain_mutate:
            n, hits, labelled = self._hood(arch)
            if n:
                # space.mutate's draws (neighbors()[rng.integers(n)]), on the record
                for _ in range(MUTATE_TRIES):
                    child = hits.get(int(rng.integers(n)))
                    if child is not None:
                        return child
        else:
            for _ in range(MUTATE_TRIES):
                child = self.space.mutate(arch, rng)
                if self.labelled(child):
                    return child
            labelled = self._hood(arch)[2]
        if labelled:
            return labelled[int(rng.integers(len(labelled)))]
        return self.random_architecture(rng)


def restrict(
    space: Any,
    candidates: Sequence[str] | None,
    *,
    networks: Callable[[Any], Hashable] | None = None,
    known: frozenset | None = None,
) -> Any:
    """``space`` itself when ``candidates`` is None or covers it (as many as the space's
    known size), else its :class:`LabelledSpace` over ``candidates`` (always for a table
    over a space of unknown size); ``networks`` and ``known``: see :class:`LabelledSpace`."""
    if candidates is None:
        return space
    size = space.size
    if size is not None and len(candidates) >= size:
        return space
    return LabelledSpace(space, candidates, networks, known)
