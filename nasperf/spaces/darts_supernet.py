"""The DARTS / NAS-Bench-301 weight-sharing supernet (the search network of Liu et al., 2019).

The macro skeleton of :class:`~nasperf.spaces.darts_network.DartsNetwork` (stem, ``layers``
cells with reductions at ``layers // 3`` and ``2 * layers // 3``, each cell preprocessing
its two inputs exactly as :class:`~nasperf.spaces.darts_network.DartsCell` does, global
pooling, classifier; no auxiliary head), but every cell is a *mixed* cell: each
intermediate node ``j`` (2..5) has one edge from every earlier node ``i < j`` (14 edges per
cell, edge ``e = offset[j] + i`` with offsets ``{2: 0, 3: 2, 4: 5, 5: 9}``, NAS-Bench-301's
ConfigSpace numbering), and each edge carries all 7 operations of
:data:`~nasperf.spaces.darts_network.DARTS_OPS`, built with the standalone network's own
:func:`~nasperf.spaces.darts_network.make_op` (stride 2 on the edges from the cell inputs of
a reduction cell). Every normal cell shares the genotype's normal cell, every reduction cell
its reduction cell, as in DARTS.

Decisions
---------
24 categorical decisions, a bijection with genotypes in their written (ordered) form: for
the normal cell, then the reduction cell, for each node ``j = 2..5`` in turn,

1. ``"{cell} node {j} inputs"``: the ordered input pair ``(a, b)`` of the node's two
   ``(op, input)`` pairs ``2(j-2)`` and ``2(j-2)+1``, ``a != b``, both ``< j``, as its index
   among the ``j (j - 1)`` ordered pairs listed in lexicographic order
   (``itertools.permutations(range(j), 2)``: ``(0, 1), (0, 2), ..., (1, 0), (1, 2), ...``);
2. ``"{cell} node {j} op a"``: the operation of pair ``2(j-2)`` (index into ``DARTS_OPS``);
3. ``"{cell} node {j} op b"``: the operation of pair ``2(j-2)+1``.

Cardinalities ``(2, 7, 7, 6, 7, 7, 12, 7, 7, 20, 7, 7)`` per cell. Uniform decision values
give NAS-Bench-301's own sampler's distribution
(:meth:`~nasperf.spaces.nb301.NB301Space.random_architecture`: a uniform ordered pair of
distinct inputs and uniform operations per node).

Forward passes
--------------
* Single path (``net(x, arch)``): only the 8 active edges of each cell run, each node the
  sum of its two operations in genotype order, the cell output the concatenation of nodes
  2..5 -- exactly what the standalone network of :meth:`extract` computes.
* Continuous relaxation (``net(x, alphas=...)``, DARTS): every node sums all its incoming
  edges, each edge ``sum_o softmax(alpha[e])[o] * op_o(input)``, with one ``(14, 7)`` table
  per cell type, named ``"normal"`` and ``"reduce"``.

References
----------
Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019.
Siems et al., "NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural Architecture
Search", 2020.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from .base import SupernetDecisions
from .darts_network import DARTS_OPS, EDGE_OFFSET, cell_preprocess, make_op
from .supernet import Supernet, mixed_edge

__all__ = ["DartsSupernet"]

NODES: tuple[int, ...] = (2, 3, 4, 5)
CELL_NAMES: tuple[str, str] = ("normal", "reduce")
N_EDGES = 14
#: Ordered pairs of distinct inputs of each node, in decision-value order.
INPUT_PAIRS: dict[int, tuple[tuple[int, int], ...]] = {
    j: tuple(itertools.permutations(range(j), 2)) for j in NODES
}
_PAIR_INDEX: dict[int, dict[tuple[int, int], int]] = {
    j: {p: k for k, p in enumerate(pairs)} for j, pairs in INPUT_PAIRS.items()
}
_DECISIONS_PER_CELL = 3 * len(NODES)

#: The supernet's decisions, the same at every network size: per cell and node, its ordered
#: input pair and its two operations. Few-shot default: the operation of the normal cell's
#: first pair (7 regions); the first decision, node 2's input order, only splits isomorphic
#: genotypes apart.
DECISIONS = SupernetDecisions(
    decisions=tuple(n for _ in CELL_NAMES for j in NODES for n in (len(INPUT_PAIRS[j]), 7, 7)),
    decision_names=tuple(
        f"{cell} node {j} {what}"
        for cell in CELL_NAMES
        for j in NODES
        for what in ("inputs", "op a", "op b")
    ),
    default_split=(1,),
)

_CELL_KEY = re.compile(r"^cells\.(\d+)\.ops\.(\d+)\.(.+)$")


class MixedDartsCell(nn.Module):
    """A DARTS cell with every operation on every edge: ``edges[e][o]`` is op ``o`` on edge
    ``e``; ``preprocess0`` / ``preprocess1`` as in :class:`~.darts_network.DartsCell`."""

    def __init__(
        self,
        c_prev_prev: int,
        c_prev: int,
        channels: int,
        *,
        reduction: bool,
        reduction_prev: bool,
        affine: bool = False,
    ) -> None:
        super().__init__()
        self.preprocess0, self.preprocess1 = cell_preprocess(
            c_prev_prev, c_prev, channels, reduction_prev=reduction_prev
        )
        self.reduction = reduction
        self.edges = nn.ModuleList(
            nn.ModuleList(
                make_op(op, channels, 2 if reduction and i < 2 else 1, affine=affine)
                for op in DARTS_OPS
            )
            for j in NODES
            for i in range(j)
        )

    def forward(
        self,
        s0: torch.Tensor,
        s1: torch.Tensor,
        active: Sequence[tuple[int, int]] | None = None,
        weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``active``: the ``(edge, op)`` of the 8 pairs in genotype order (single path);
        ``weights``: a ``(14, 7)`` table of operation weights per edge (relaxation)."""
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for j in NODES:
            if active is not None:
                k = 2 * (j - 2)
                (ea, oa), (eb, ob) = active[k], active[k + 1]
                node = self.edges[ea][oa](states[ea - EDGE_OFFSET[j]]) + self.edges[eb][ob](
                    states[eb - EDGE_OFFSET[j]]
                )
            else:
                node = None
                for i in range(j):
                    e = EDGE_OFFSET[j] + i
                    y = mixed_edge(self.edges[e], weights[e], states[i])
                    node = y if node is None else node + y
            states.append(node)
        return torch.cat(states[2:], dim=1)


class DartsSupernet(Supernet):
    """Weight-sharing supernet of DARTS / NAS-Bench-301 (see the module docstring).

    Parameters
    ----------
    space : NB301Space
    dataset : str or ImageTask
        Sets the classifier's outputs and the image channels.
    channels, layers, stem_multiplier : int
        ``C``, number of cells and stem multiplier of the network (32, 8, 3 in NASLib's
        NB301 network; smaller is faster).
    affine : bool
        Affine BatchNorm inside cell operations (NASLib: ``False``).
    """

    def __init__(
        self,
        space: Any,
        dataset: Any,
        *,
        channels: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        affine: bool = False,
    ) -> None:
        from .base import resolve_task

        super().__init__(
            space,
            dataset,
            {
                "channels": channels,
                "layers": layers,
                "stem_multiplier": stem_multiplier,
                "affine": affine,
            },
        )
        if layers < 3:
            raise ValueError(f"layers must be at least 3 (two reduction cells), got {layers}")
        task = resolve_task(dataset)
        self.ops = DARTS_OPS
        self.decisions = DECISIONS.decisions
        self.decision_names = DECISIONS.decision_names
        self.default_split = DECISIONS.default_split
        self.layers = layers
        c_curr = stem_multiplier * channels
        self.stem = nn.Sequential(
            nn.Conv2d(task.channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            self.cells.append(
                MixedDartsCell(
                    c_prev_prev,
                    c_prev,
                    c_curr,
                    reduction=reduction,
                    reduction_prev=reduction_prev,
                    affine=affine,
                )
            )
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, 4 * c_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, task.num_classes)

    # ---------------------------------------------------------------- decisions
    def encode(self, arch: Any) -> tuple[int, ...]:
        arch = self.space.coerce(arch)
        out: list[int] = []
        for cell in (arch.normal, arch.reduce):
            for j in NODES:
                (op_a, a), (op_b, b) = cell[2 * (j - 2) : 2 * (j - 2) + 2]
                out += [_PAIR_INDEX[j][(a, b)], self.ops.index(op_a), self.ops.index(op_b)]
        return tuple(out)

    def decode(self, choice: Sequence[int]) -> Any:
        choice = self.check_choice(choice)
        cells = []
        for c in range(len(CELL_NAMES)):
            pairs: list[tuple[str, int]] = []
            for n, j in enumerate(NODES):
                base = c * _DECISIONS_PER_CELL + 3 * n
                a, b = INPUT_PAIRS[j][choice[base]]
                pairs += [(self.ops[choice[base + 1]], a), (self.ops[choice[base + 2]], b)]
            cells.append(tuple(pairs))
        return self.space.arch_type(*cells)

    @staticmethod
    def _active(choice: tuple[int, ...]) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per cell type (normal, reduce): ``(edge, op)`` of its 8 pairs in genotype order."""
        out = []
        for c in range(len(CELL_NAMES)):
            pairs: list[tuple[int, int]] = []
            for n, j in enumerate(NODES):
                base = c * _DECISIONS_PER_CELL + 3 * n
                a, b = INPUT_PAIRS[j][choice[base]]
                pairs += [
                    (EDGE_OFFSET[j] + a, choice[base + 1]),
                    (EDGE_OFFSET[j] + b, choice[base + 2]),
                ]
            out.append(tuple(pairs))
        return tuple(out)

    # ---------------------------------------------------------------- forward
    def forward(
        self,
        x: torch.Tensor,
        arch: Any = None,
        *,
        alphas: Mapping[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Logits of ``arch`` (single path) or of the relaxation ``softmax(alphas)``."""
        if (arch is None) == (alphas is None):
            raise ValueError("pass exactly one of arch (single path) or alphas (relaxation)")
        active = weights = None
        if arch is not None:
            active = self._active(self.as_choice(arch))
        else:
            weights = tuple(torch.softmax(alphas[name], dim=-1) for name in CELL_NAMES)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            t = int(cell.reduction)
            if active is not None:
                s0, s1 = s1, cell(s0, s1, active=active[t])
            else:
                s0, s1 = s1, cell(s0, s1, weights=weights[t])
        return self.classifier(self.global_pooling(s1).flatten(1))

    # ---------------------------------------------------------------- relaxation
    def alpha_shapes(self) -> dict[str, tuple[int, ...]]:
        return {name: (N_EDGES, len(self.ops)) for name in CELL_NAMES}

    def _choice_logprob_terms(self, choice: tuple[int, ...]) -> Iterator[tuple[str, int, int]]:
        for name, pairs in zip(CELL_NAMES, self._active(choice), strict=True):
            for edge, op in pairs:
                yield name, edge, op

    # ---------------------------------------------------------------- standalone network
    def _standalone_key(self, key: str, choice: tuple[int, ...]) -> str:
        m = _CELL_KEY.match(key)
        if m is None:
            return key
        cell, pair, rest = m.groups()
        t = int(self.cells[int(cell)].reduction)
        edge, op = self._active(choice)[t][int(pair)]
        return f"cells.{cell}.edges.{edge}.{op}.{rest}"
