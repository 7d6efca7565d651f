"""NAS-Bench-201: a 4-node cell with one of 5 operations on each of its 6 edges (15,625 cells).

Formats
-------
* Architecture string (the benchmark's own): ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; the
  ``k``-th group lists the inputs of node ``k`` (``op~j``: node k <- node j).
* NASLib key: six operation indices, edges in the order (1,2), (1,3), (1,4), (2,3), (2,4),
  (3,4) with nodes numbered from 1, indices 0 skip_connect, 1 none, 2 nor_conv_3x3,
  3 nor_conv_1x1, 4 avg_pool_3x3; as a tuple / list of ints or its text ``"(4, 3, 3, 3, 2, 3)"``.

Equivalence (``hash``)
----------------------
Two cells hash equal when they compute the same function up to renaming of the two inner
nodes: ``none`` edges are removed, operations still leading nowhere (not on an input ->
output path) are dropped, and the rest is hashed as an operations-on-nodes DAG. All 341 cells
whose output is unreachable from the input hash equal (they output zeros). Skip connections
are kept as nodes: a ``skip_connect`` edge is not merged with what it connects.

References
----------
Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture
Search", ICLR 2020.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from nasperf.errors import InvalidArchitectureError

from ._nb201_cell import (
    cell_graph,
    cell_graph_batch,
    check_cell_ops,
    format_cell,
    parse_cell,
    swapped_inner_nodes,
)
from .base import (
    SPACES,
    CellGraph,
    GraphBatch,
    ImageTask,
    SearchSpace,
    SupernetDecisions,
    check_positive_ints,
    resolve_task,
)
from .complexity import Complexity, check_convention, count_complexity
from .literal import parse_literal
from .nb201_network import EDGES, NB201_OPS, NB201Network, make_op

__all__ = ["NB201Arch", "NB201Space", "NB201_OPS"]

# NASLib's operation indices.
NASLIB_OPS: tuple[str, ...] = (
    "skip_connect",
    "none",
    "nor_conv_3x3",
    "nor_conv_1x1",
    "avg_pool_3x3",
)
# Position in the architecture string of each NASLib edge (1,2), (1,3), (1,4), (2,3), (2,4), (3,4).
_NASLIB_TO_STRING = (0, 1, 3, 2, 4, 5)


def _check_ops(ops: Any) -> tuple[str, ...]:
    return check_cell_ops(ops, NB201_OPS, "nb201")


@dataclass(frozen=True, slots=True)
class NB201Arch:
    """A NAS-Bench-201 cell: the operations of its 6 edges in architecture-string order.

    Edges are (node 1 <- 0), (2 <- 0), (2 <- 1), (3 <- 0), (3 <- 1), (3 <- 2).
    """

    ops: tuple[str, str, str, str, str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", _check_ops(self.ops))

    def __str__(self) -> str:
        return NB201Space.format(self)


@SPACES.register("nb201", "nasbench201", "nas-bench-201")
class NB201Space(SearchSpace[NB201Arch]):
    """The NAS-Bench-201 cell search space (see module docstring).

    Parameters of :meth:`build_network`: ``channels`` (C, default 16) and
    ``cells_per_stage`` (N, default 5) build smaller networks for fast tests.
    """

    name = "nb201"
    ops = NB201_OPS
    arch_type = NB201Arch
    max_nodes = 8
    max_path_length = 3
    edges = EDGES

    # ------------------------------------------------------------ formats
    @staticmethod
    def format(arch: NB201Arch) -> str:
        """The cell text ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` of ``arch``, not validated
        (:meth:`to_string` validates first, then formats)."""
        return format_cell(arch.ops)

    def to_string(self, arch: NB201Arch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> NB201Arch:
        return NB201Arch(parse_cell(text, NB201_OPS, self.name))

    def from_naslib(self, key: Any) -> NB201Arch:
        if isinstance(key, str):
            key = parse_literal(key, field="naslib_key", space=self.name, max_depth=1)
        if isinstance(key, np.ndarray):
            if key.shape != (6,):
                raise InvalidArchitectureError(
                    "naslib_key", key, "expected an array of six op indices", space=self.name
                )
            key = key.tolist()
        if not isinstance(key, tuple | list) or len(key) != 6:
            raise InvalidArchitectureError(
                "naslib_key", key, "expected six op indices", space=self.name
            )
        ops = [""] * 6
        for k, v in enumerate(key):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v < 5:
                raise InvalidArchitectureError(
                    f"naslib_key[{k}]", v, "op index must be an int in 0..4", space=self.name
                )
            ops[_NASLIB_TO_STRING[k]] = NASLIB_OPS[int(v)]
        return NB201Arch(tuple(ops))

    def to_naslib(self, arch: NB201Arch) -> tuple[int, ...]:
        self.validate(arch)
        return tuple(NASLIB_OPS.index(arch.ops[_NASLIB_TO_STRING[k]]) for k in range(6))

    # ------------------------------------------------------------ graph view
    def cells(self, arch: NB201Arch) -> tuple[CellGraph, ...]:
        """One 8-node graph: input, one node per edge (string order), output.

        ``none`` edge-nodes are kept (so every cell has the same node layout) but get no
        edges. Edge-node ``(j <- i)`` feeds every edge-node leaving node ``j``, or the output
        when ``j`` is the cell output.
        """
        return (cell_graph(arch.ops),)

    def graph_batch(self, archs, max_nodes: int | None = None) -> GraphBatch:
        """Vectorised :meth:`SearchSpace.graph_batch`: the 8-node layout of :meth:`cells`."""
        archs = [a if type(a) is NB201Arch else self.coerce(a) for a in archs]
        return cell_graph_batch(
            [a.ops for a in archs], NB201_OPS, self.node_labels, max_nodes, self.name
        )

    # ------------------------------------------------------------ sampling and moves
    @property
    def size(self) -> int:
        return 5**6

    def enumerate(self) -> Iterator[NB201Arch]:
        """All 15,625 cells, in lexicographic order of ``NB201_OPS`` indices."""
        for ops in itertools.product(NB201_OPS, repeat=6):
            yield NB201Arch(ops)

    def random_architecture(self, rng: np.random.Generator) -> NB201Arch:
        idx = rng.integers(len(NB201_OPS), size=6)
        return NB201Arch(tuple(NB201_OPS[i] for i in idx))

    def neighbors(self, arch: NB201Arch) -> list[NB201Arch]:
        """The 24 cells that differ from ``arch`` in exactly one edge's operation."""
        self.validate(arch)
        out = []
        for e in range(6):
            for op in NB201_OPS:
                if op != arch.ops[e]:
                    ops = list(arch.ops)
                    ops[e] = op
                    out.append(NB201Arch(tuple(ops)))
        return out

    def isomorphic_variants(self, arch: NB201Arch) -> list[NB201Arch]:
        """The cell with inner nodes 1 and 2 swapped, when that is a different valid cell.

        Renumbering 1 <-> 2 turns edge (2 <- 1) into (1 <- 2), which the fixed topological
        order forbids unless it is ``none``; then the swap exchanges the edges (1 <- 0) /
        (2 <- 0) and (3 <- 1) / (3 <- 2). Returns ``[]`` when edge (2 <- 1) is not ``none``
        or the swap gives ``arch`` back (equal operations on both pairs). 3,000 of the
        15,625 cells have a variant.
        """
        self.validate(arch)
        swapped = swapped_inner_nodes(arch.ops)
        return [] if swapped is None else [NB201Arch(swapped)]

    # ------------------------------------------------------------ networks
    def build_network(
        self,
        arch: NB201Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 16,
        cells_per_stage: int = 5,
    ) -> NB201Network:
        """The NAS-Bench-201 network (C=16, N=5 by default) for ``dataset``."""
        check_positive_ints(channels=channels, cells_per_stage=cells_per_stage)
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        return NB201Network(
            arch.ops,
            task.num_classes,
            channels=channels,
            cells_per_stage=cells_per_stage,
            in_channels=task.channels,
        )

    def supernet_decisions(self, **kwargs: Any) -> SupernetDecisions:
        """The decisions of :meth:`build_supernet`'s supernet (``nb201_supernet.DECISIONS``):
        the same for every network size, so ``kwargs`` are not read."""
        from .nb201_supernet import DECISIONS

        return DECISIONS

    def build_supernet(
        self,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 16,
        cells_per_stage: int = 5,
    ):
        """The weight-sharing supernet (:class:`~nasperf.spaces.nb201_supernet.NB201Supernet`)
        of the network :meth:`build_network` builds with the same ``channels`` and
        ``cells_per_stage``."""
        check_positive_ints(channels=channels, cells_per_stage=cells_per_stage)
        from .nb201_supernet import NB201Supernet

        resolve_task(dataset)
        return NB201Supernet(self, dataset, channels=channels, cells_per_stage=cells_per_stage)

    def complexity(
        self,
        arch: NB201Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 16,
        cells_per_stage: int = 5,
        convention: str = "naslib",
    ) -> Complexity:
        """FLOPs / parameters, summed from cached per-operation costs (exact, no network built).

        The network's cost is its skeleton (every edge ``none``) plus, for each stage, ``N``
        times the cost of each edge operation at that stage's width and resolution; each
        part is counted once by :func:`count_complexity` and cached.
        """
        check_positive_ints(channels=channels, cells_per_stage=cells_per_stage)
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        check_convention(convention)
        base = _skeleton_cost(task, channels, cells_per_stage, convention)
        flops, params = base.mflops, base.mparams
        for stage in range(3):
            width = channels * 2**stage
            res = -(-task.resolution // 2**stage)
            for op in arch.ops:
                c = _op_cost(op, width, res, convention)
                flops += cells_per_stage * c.mflops
                params += cells_per_stage * c.mparams
        return Complexity(mflops=flops, mparams=params)


@lru_cache(maxsize=64)
def _skeleton_cost(
    task: ImageTask, channels: int, cells_per_stage: int, convention: str = "naslib"
) -> Complexity:
    return count_complexity(
        lambda: NB201Network(
            ("none",) * 6,
            task.num_classes,
            channels=channels,
            cells_per_stage=cells_per_stage,
            in_channels=task.channels,
        ),
        task.input_shape(1),
        convention=convention,
    )


@lru_cache(maxsize=256)
def _op_cost(op: str, channels: int, resolution: int, convention: str = "naslib") -> Complexity:
    return count_complexity(
        lambda: make_op(op, channels),
        (1, channels, resolution, resolution),
        convention=convention,
    )
