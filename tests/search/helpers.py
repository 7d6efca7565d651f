"""Test helpers: a user-defined space (six layers, four operations each: 4,096
architectures) and a three-fidelity table over it, for optimizers that must work through
the base class alone; the search context of an objective, for driving an optimizer by hand."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nasperf.errors import InvalidArchitectureError
from nasperf.search import Context, Objective, TableObjective
from nasperf.spaces import CellGraph, SearchSpace

LAYER_OPS = ("conv3x3", "conv1x1", "pool", "skip")
N_LAYERS = 6
EPOCHS = {"3ep": 3, "9ep": 9, "27ep": 27}


@dataclass(frozen=True, slots=True)
class LayerArch:
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.ops) != N_LAYERS or any(op not in LAYER_OPS for op in self.ops):
            raise InvalidArchitectureError("ops", self.ops, "6 ops of LAYER_OPS", space="layers")


class LayerSpace(SearchSpace[LayerArch]):
    """A chain of six layers; text ``"conv3x3-skip-..."``."""

    name = "layers"
    ops = LAYER_OPS
    arch_type = LayerArch
    max_nodes = N_LAYERS + 2

    def parse(self, text: str) -> LayerArch:
        return LayerArch(tuple(text.split("-")))

    def to_string(self, arch: LayerArch) -> str:
        return "-".join(arch.ops)

    def cells(self, arch: LayerArch) -> tuple[CellGraph, ...]:
        n = N_LAYERS + 2
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> LayerArch:
        return LayerArch(tuple(LAYER_OPS[i] for i in rng.integers(len(LAYER_OPS), size=N_LAYERS)))

    def neighbors(self, arch: LayerArch) -> list[LayerArch]:
        return [
            LayerArch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(N_LAYERS)
            for op in LAYER_OPS
            if op != arch.ops[k]
        ]

    def build_network(self, arch: LayerArch, dataset="cifar10", **kwargs):
        raise NotImplementedError("search on a table never builds networks")


def layer_table(seed: int = 0) -> pd.DataFrame:
    """Additive accuracies (each layer's operation adds a fixed score) at 27 epochs
    (``acc27``); the 3- and 9-epoch values (``acc3``, ``acc9``) are lower and noisier but rank
    alike. Full training costs 100 s (``train_time_s``)."""
    rng = np.random.default_rng(seed)
    space = LayerSpace()
    archs = [LayerArch(ops) for ops in itertools.product(LAYER_OPS, repeat=N_LAYERS)]
    weight = rng.uniform(0, 5, size=(N_LAYERS, len(LAYER_OPS)))
    codes = np.array([[LAYER_OPS.index(op) for op in a.ops] for a in archs])
    full = 60 + weight[np.arange(N_LAYERS), codes].sum(axis=1)
    return pd.DataFrame(
        {
            "acc3": 0.6 * full + rng.normal(0, 2.0, len(archs)),
            "acc9": 0.8 * full + rng.normal(0, 1.0, len(archs)),
            "acc27": full,
            "train_time_s": 100.0,
        },
        index=[space.to_string(a) for a in archs],
    )


def layer_objective(seed: int = 0) -> TableObjective:
    """The objective of :func:`layer_table` (fidelities 3ep, 9ep, 27ep)."""
    return TableObjective(
        layer_table(seed),
        LayerSpace(),
        {"3ep": "acc3", "9ep": "acc9", "27ep": "acc27"},
        cost_column="train_time_s",
        epochs=EPOCHS,
        name="layers",
    )


def context_for(objective: Objective, **side) -> Context:
    """The context ``run`` would give an optimizer on ``objective`` (``side``: e.g. a
    zero-cost table; none by default)."""
    return Context(
        space=objective.space,
        fidelities=objective.fidelities,
        epochs={f: objective.epochs(f) for f in objective.fidelities},
        candidates=objective.candidates(),
        side=side,
    )
