"""The user-defined search space of ``docs/custom_space.md`` (kept in sync by a test)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from torch import nn

from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import CellGraph, ImageTask, SearchSpace, check_text, resolve_task

CHAIN_OPS = ("conv3x3", "conv1x1", "skip")


@dataclass(frozen=True, slots=True)
class ChainArch:
    """Three layers, each one operation of ``CHAIN_OPS``."""

    ops: tuple[str, str, str]

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != 3:
            raise InvalidArchitectureError("ops", self.ops, "expected 3 operations", space="chain")
        for k, op in enumerate(self.ops):
            if op not in CHAIN_OPS:
                raise InvalidArchitectureError(
                    f"ops[{k}]", op, f"not in {CHAIN_OPS}", space="chain"
                )


class ChainSpace(SearchSpace[ChainArch]):
    """A chain of three layers; text format ``"conv3x3-skip-conv1x1"``."""

    name = "chain"
    ops = CHAIN_OPS
    arch_type = ChainArch
    max_nodes = 5

    def parse(self, text: str) -> ChainArch:
        # check_text refuses non-strings and over-long text before anything reads it
        text = check_text(text, "text", space=self.name)
        return ChainArch(tuple(text.split("-")))

    def to_string(self, arch: ChainArch) -> str:
        return "-".join(arch.ops)

    def cells(self, arch: ChainArch) -> tuple[CellGraph, ...]:
        n = len(arch.ops) + 2  # input, the layers, output
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> ChainArch:
        return ChainArch(tuple(CHAIN_OPS[i] for i in rng.integers(len(CHAIN_OPS), size=3)))

    def neighbors(self, arch: ChainArch) -> list[ChainArch]:
        return [
            ChainArch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(3)
            for op in CHAIN_OPS
            if op != arch.ops[k]
        ]

    @property
    def size(self) -> int:
        return len(CHAIN_OPS) ** 3

    def enumerate(self):
        return (ChainArch(ops) for ops in itertools.product(CHAIN_OPS, repeat=3))

    def build_network(
        self, arch: ChainArch, dataset: str | ImageTask = "cifar10", *, width: int = 8
    ):
        task = resolve_task(dataset)
        layers: list[nn.Module] = [nn.Conv2d(task.channels, width, 3, padding=1, bias=False)]
        for op in arch.ops:
            if op == "conv3x3":
                layers += [nn.ReLU(), nn.Conv2d(width, width, 3, padding=1, bias=False)]
            elif op == "conv1x1":
                layers += [nn.ReLU(), nn.Conv2d(width, width, 1, bias=False)]
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, task.num_classes)]
        return nn.Sequential(*layers)
