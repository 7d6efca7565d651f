"""The NAS-Bench-201 weight-sharing supernet (the search network of Dong & Yang, 2020).

The macro skeleton of :class:`~nasperf.spaces.nb201_network.NB201Network` (stem, three
stages of ``N`` cells, residual reduction blocks, classifier) with, on each of a cell's 6
edges, all 5 operations of the space (:func:`~nasperf.spaces.nb201_network.make_op`, the
standalone network's own modules). Every cell of the network shares one architecture, as in
the benchmark, so an architecture is 6 decisions of 5 values (the operation index of each
edge in :data:`~nasperf.spaces.nb201_network.NB201_OPS` order) and the relaxation has one ``(6, 5)``
table of architecture parameters, named ``"cell"``.

References
----------
Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture
Search", ICLR 2020.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from .base import SupernetDecisions
from .nb201_network import EDGES, NB201_OPS, ResNetBasicBlock, make_op
from .supernet import Supernet, mixed_edge

__all__ = ["NB201Supernet"]

_CELL_KEY = re.compile(r"^cells\.(\d+)\.edges\.(\d+)\.(.+)$")


class MixedNB201Cell(nn.Module):
    """A cell with every operation on every edge: ``edges[k][o]`` is op ``o`` on edge ``k``."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleList(make_op(op, channels) for op in ops) for _ in EDGES
        )

    def forward(
        self,
        x: torch.Tensor,
        choice: Sequence[int] | None = None,
        weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        nodes = [x]
        k = 0
        for dst in (1, 2, 3):
            acc = None
            for src in range(dst):
                if choice is not None:
                    y = self.edges[k][choice[k]](nodes[src])
                else:
                    y = mixed_edge(self.edges[k], weights[k], nodes[src])
                acc = y if acc is None else acc + y
                k += 1
            nodes.append(acc)
        return nodes[3]


#: The supernet's decisions, the same at every ``channels`` and ``cells_per_stage``: the
#: operation of each edge. Few-shot splits edge 1<-0 by default (5 regions).
DECISIONS = SupernetDecisions(
    decisions=(len(NB201_OPS),) * len(EDGES),
    decision_names=tuple(f"edge {dst}<-{src}" for dst, src in EDGES),
    default_split=(0,),
)


class NB201Supernet(Supernet):
    """Weight-sharing supernet of NAS-Bench-201 (see the module docstring).

    Parameters
    ----------
    space : NB201Space
    dataset : str or ImageTask
        Sets the classifier's outputs and the image channels.
    channels, cells_per_stage : int
        ``C`` and ``N`` of the network (16 and 5 in the benchmark; smaller is faster).
    """

    def __init__(
        self, space: Any, dataset: Any, *, channels: int = 16, cells_per_stage: int = 5
    ) -> None:
        from .base import resolve_task

        super().__init__(space, dataset, {"channels": channels, "cells_per_stage": cells_per_stage})
        task = resolve_task(dataset)
        self.ops = NB201_OPS
        self.decisions = DECISIONS.decisions
        self.decision_names = DECISIONS.decision_names
        self.default_split = DECISIONS.default_split
        c = channels
        self.stem = nn.Sequential(
            nn.Conv2d(task.channels, c, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(c)
        )
        layers: list[nn.Module] = []
        for stage in range(3):
            width = c * 2**stage
            if stage > 0:
                layers.append(ResNetBasicBlock(width // 2, width))
            layers.extend(MixedNB201Cell(NB201_OPS, width) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * c), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * c, task.num_classes)

    # ---------------------------------------------------------------- decisions
    def encode(self, arch: Any) -> tuple[int, ...]:
        arch = self.space.coerce(arch)
        return tuple(self.ops.index(op) for op in arch.ops)

    def decode(self, choice: Sequence[int]) -> Any:
        choice = self.check_choice(choice)
        return self.space.arch_type(tuple(self.ops[c] for c in choice))

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
        choice = weights = None
        if arch is not None:
            choice = self.as_choice(arch)
        else:
            weights = torch.softmax(alphas["cell"], dim=-1)
        x = self.stem(x)
        for layer in self.cells:
            x = layer(x, choice, weights) if isinstance(layer, MixedNB201Cell) else layer(x)
        x = self.lastact(x)
        return self.classifier(self.global_pooling(x).flatten(1))

    # ---------------------------------------------------------------- relaxation
    def alpha_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"cell": (len(EDGES), len(self.ops))}

    def _choice_logprob_terms(self, choice: tuple[int, ...]) -> Iterator[tuple[str, int, int]]:
        for k, op in enumerate(choice):
            yield "cell", k, op

    # ---------------------------------------------------------------- standalone network
    def _standalone_key(self, key: str, choice: tuple[int, ...]) -> str:
        m = _CELL_KEY.match(key)
        if m is None:
            return key
        layer, edge, rest = m.groups()
        return f"cells.{layer}.edges.{edge}.{choice[int(edge)]}.{rest}"
