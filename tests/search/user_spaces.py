"""User-defined spaces for the search tests and ``bench/any_space.py``, written as a user would
(``docs/custom_space.md``): nothing here is known to nasperf's search code.

* ``user_nb201_sub`` (:class:`NB201SubSpace`): NAS-Bench-201 cells without the ``none``
  operation (4 operations on 6 edges: 4,096 cells), networks from NB201's builder; labels
  from the NB201 table (:func:`nb201_sub_table`).
* ``user_nb201_nopool`` (:class:`NB201NoPoolSpace`): NAS-Bench-201 cells without
  ``avg_pool_3x3`` (``none`` allowed; 4,096 cells), labels from the NB201 table
  (:func:`nb201_nopool_table`; ``bench/any_space.py`` searches it on ImageNet16-120).
* ``user_chain8`` (:class:`Chain8Space`): a chain of 8 layers, each ``conv3x3``,
  ``conv1x1`` or ``skip`` (6,561 architectures), with a small PyTorch builder; labels from a
  synthetic surrogate (:func:`chain8_table`, an NK landscape: not measured accuracies).
* ``user_vardepth`` / ``user_vardepth_stages`` (:class:`VarDepthSpace`,
  :class:`VarDepthStagesSpace`): three stages of 1-3 separable convolutions (2,744
  networks), the whole network as one cell or one cell per stage; synthetic labels with
  three seeds (:func:`vardepth_table`).

Importing the module registers the five spaces (``nasperf search --import tests.search.user_spaces``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from torch import nn

from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import SPACES, CellGraph, ImageTask, SearchSpace, get_space, resolve_task

SUB_OPS = ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NOPOOL_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
CHAIN8_OPS = ("conv3x3", "conv1x1", "skip")
N_CHAIN = 8


# --------------------------------------------------------------------------- NB201 sub-spaces
@dataclass(frozen=True, slots=True)
class SubCell:
    """The operations of the 6 NB201 edges (string order), none of them ``none``."""

    ops: tuple[str, ...]
    allowed: ClassVar[tuple[str, ...]] = SUB_OPS
    space: ClassVar[str] = "user_nb201_sub"

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != 6:
            raise InvalidArchitectureError(
                "ops", self.ops, "expected 6 operations", space=self.space
            )
        for k, op in enumerate(self.ops):
            if op not in self.allowed:
                raise InvalidArchitectureError(
                    f"ops[{k}]", op, f"not in {self.allowed}", space=self.space
                )


@dataclass(frozen=True, slots=True)
class NoPoolCell(SubCell):
    """The operations of the 6 NB201 edges, none of them ``avg_pool_3x3``."""

    allowed: ClassVar[tuple[str, ...]] = NOPOOL_OPS
    space: ClassVar[str] = "user_nb201_nopool"


class NB201SubSpace(SearchSpace[SubCell]):
    """NB201 cells without ``none``; text: the NB201 architecture string."""

    name = "user_nb201_sub"
    ops = SUB_OPS
    arch_type: type[SubCell] = SubCell
    max_nodes = 8

    def __init__(self) -> None:
        self._nb201 = get_space("nb201")

    def _full(self, arch: SubCell):
        return self._nb201.arch_type(arch.ops)

    def parse(self, text: str) -> SubCell:
        if not isinstance(text, str):
            raise InvalidArchitectureError("text", text, "expected a string", space=self.name)
        return self.arch_type(self._nb201.parse(text).ops)

    def to_string(self, arch: SubCell) -> str:
        return self._nb201.to_string(self._full(arch))

    def cells(self, arch: SubCell) -> tuple[CellGraph, ...]:
        return self._nb201.cells(self._full(arch))

    def random_architecture(self, rng: np.random.Generator) -> SubCell:
        return self.arch_type(tuple(self.ops[i] for i in rng.integers(len(self.ops), size=6)))

    def neighbors(self, arch: SubCell) -> list[SubCell]:
        return [
            self.arch_type(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(6)
            for op in self.ops
            if op != arch.ops[k]
        ]

    @property
    def size(self) -> int:
        return len(self.ops) ** 6

    def enumerate(self):
        return (self.arch_type(ops) for ops in itertools.product(self.ops, repeat=6))

    def build_network(self, arch: SubCell, dataset: str | ImageTask = "cifar10", **kwargs):
        return self._nb201.build_network(self._full(arch), dataset, **kwargs)


class NB201NoPoolSpace(NB201SubSpace):
    """NB201 cells without ``avg_pool_3x3`` (``none`` allowed: 4,096 cells, many of them
    disconnected); text: the NB201 architecture string."""

    name = "user_nb201_nopool"
    ops = NOPOOL_OPS
    arch_type = NoPoolCell


def nb201_sub_table(dataset: str = "cifar10") -> pd.DataFrame:
    """The NB201 table's rows of the sub-space (4,096), indexed by architecture text."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", dataset)
    keep = ~table.index.str.contains("none")
    return table.loc[keep]


def nb201_nopool_table(dataset: str = "ImageNet16-120") -> pd.DataFrame:
    """The NB201 table's rows of the cells without ``avg_pool_3x3`` (4,096)."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", dataset)
    return table.loc[~table.index.str.contains("avg_pool_3x3")]


# --------------------------------------------------------------------------- 8-layer chain
@dataclass(frozen=True, slots=True)
class Chain8Arch:
    """Eight layers, each one operation of ``CHAIN8_OPS``."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != N_CHAIN:
            raise InvalidArchitectureError(
                "ops", self.ops, f"expected {N_CHAIN} operations", space="chain8"
            )
        for k, op in enumerate(self.ops):
            if op not in CHAIN8_OPS:
                raise InvalidArchitectureError(
                    f"ops[{k}]", op, f"not in {CHAIN8_OPS}", space="chain8"
                )


class Chain8Space(SearchSpace[Chain8Arch]):
    """A chain of 8 layers; text ``"conv3x3-skip-..."``; a small CNN per architecture."""

    name = "user_chain8"
    ops = CHAIN8_OPS
    arch_type = Chain8Arch
    max_nodes = N_CHAIN + 2

    def parse(self, text: str) -> Chain8Arch:
        if not isinstance(text, str):
            raise InvalidArchitectureError("text", text, "expected a string", space=self.name)
        return Chain8Arch(tuple(text.split("-")))

    def to_string(self, arch: Chain8Arch) -> str:
        return "-".join(arch.ops)

    def cells(self, arch: Chain8Arch) -> tuple[CellGraph, ...]:
        n = N_CHAIN + 2
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> Chain8Arch:
        return Chain8Arch(tuple(CHAIN8_OPS[i] for i in rng.integers(3, size=N_CHAIN)))

    def neighbors(self, arch: Chain8Arch) -> list[Chain8Arch]:
        return [
            Chain8Arch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(N_CHAIN)
            for op in CHAIN8_OPS
            if op != arch.ops[k]
        ]

    @property
    def size(self) -> int:
        return 3**N_CHAIN

    def enumerate(self):
        return (Chain8Arch(ops) for ops in itertools.product(CHAIN8_OPS, repeat=N_CHAIN))

    def build_network(
        self, arch: Chain8Arch, dataset: str | ImageTask = "cifar10", *, width: int = 16
    ):
        task = resolve_task(dataset)
        layers: list[nn.Module] = [nn.Conv2d(task.channels, width, 3, padding=1, bias=False)]
        for k, op in enumerate(arch.ops):
            if op == "conv3x3":
                layers += [nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1)]
            elif op == "conv1x1":
                layers += [nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, width, 1)]
            if k in (2, 5):
                layers.append(nn.MaxPool2d(2))
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, task.num_classes)]
        return nn.Sequential(*layers)


def chain8_table(seed: int = 0) -> pd.DataFrame:
    """Synthetic labels for the 6,561 chains (``val_acc``, in %): an NK landscape (each
    layer's contribution depends on its own and its next layer's operation, drawn at random)
    over a capacity trend (more and larger convolutions help, with diminishing returns) and
    a depth penalty for long runs without a skip. Deterministic given ``seed``; a stand-in
    for measured accuracies, rugged enough for local optima."""
    rng = np.random.default_rng(seed)
    space = Chain8Space()
    codes = np.array(list(itertools.product(range(3), repeat=N_CHAIN)))
    # capacity: conv3x3 = 1, conv1x1 = 0.45, skip = 0 per layer; saturating
    cap = np.array([1.0, 0.45, 0.0])[codes].sum(axis=1)
    trend = 12.0 * (1 - np.exp(-cap / 3.0))
    # epistasis: layer k's contribution depends on (op_k, op_{k+1}) (K = 1, cyclic)
    table = rng.normal(0.0, 1.0, size=(N_CHAIN, 3, 3))
    pair = table[np.arange(N_CHAIN), codes, np.roll(codes, -1, axis=1)].sum(axis=1)
    # long stacks of convolutions without a skip train worse in a short schedule
    run = np.zeros(len(codes))
    longest = np.zeros(len(codes))
    for k in range(N_CHAIN):
        run = np.where(codes[:, k] != 2, run + 1, 0)
        longest = np.maximum(longest, run)
    acc = 70.0 + trend + 1.2 * pair - 1.5 * np.maximum(longest - 4, 0)
    index = ["-".join(CHAIN8_OPS[c] for c in row) for row in codes]
    assert space.to_string(space.parse(index[0])) == index[0]
    return pd.DataFrame({"val_acc": np.round(acc, 3)}, index=pd.Index(index, name="arch"))


# --------------------------------------------------------------------------- variable depth
VARDEPTH_KERNELS = (3, 5)


@dataclass(frozen=True, slots=True)
class VarDepthArch:
    """Three stages of 1-3 layers, each layer a depthwise-separable convolution with a 3x3
    or 5x5 kernel: the kernels of each stage, in order."""

    stages: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.stages, tuple) or len(self.stages) != 3:
            raise InvalidArchitectureError(
                "stages", self.stages, "expected 3 stages", space="vardepth"
            )
        for i, stage in enumerate(self.stages):
            if (
                not isinstance(stage, tuple)
                or not 1 <= len(stage) <= 3
                or any(k not in VARDEPTH_KERNELS for k in stage)
            ):
                raise InvalidArchitectureError(
                    f"stages[{i}]", stage, "expected 1-3 kernels, each 3 or 5", space="vardepth"
                )


def _vardepth_stages() -> list[tuple[int, ...]]:
    """Every stage: 2 + 4 + 8 = 14 kernel sequences."""
    return [s for d in (1, 2, 3) for s in itertools.product(VARDEPTH_KERNELS, repeat=d)]


class VarDepthSpace(SearchSpace[VarDepthArch]):
    """Three stages of variable depth (14**3 = 2,744 networks), text ``"3,5|5|3,3,5"``.

    Its :meth:`cells` is the natural first try: the whole network as one chain of its 3-9
    layers, so a layer's position in the padded encodings depends on the depths of the
    stages before it. :class:`VarDepthStagesSpace` is the same space with one cell per
    stage. Neighbours: change one kernel, add a layer to a stage or drop its last."""

    name = "user_vardepth"
    ops = ("k3", "k5")
    arch_type = VarDepthArch
    max_nodes = 11

    def parse(self, text: str) -> VarDepthArch:
        if not isinstance(text, str) or len(text) > 64:
            raise InvalidArchitectureError("text", text, "expected '3,5|5|3,3,5'", space=self.name)
        try:
            stages = tuple(tuple(int(k) for k in part.split(",")) for part in text.split("|"))
        except ValueError:
            raise InvalidArchitectureError(
                "text", text, "expected '3,5|5|3,3,5'", space=self.name
            ) from None
        return VarDepthArch(stages)

    def to_string(self, arch: VarDepthArch) -> str:
        return "|".join(",".join(str(k) for k in stage) for stage in arch.stages)

    @staticmethod
    def _chain(kernels: list[int]) -> CellGraph:
        n = len(kernels) + 2
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return CellGraph(adjacency=adj, ops=("input", *(f"k{k}" for k in kernels), "output"))

    def cells(self, arch: VarDepthArch) -> tuple[CellGraph, ...]:
        return (self._chain([k for stage in arch.stages for k in stage]),)

    def random_architecture(self, rng: np.random.Generator) -> VarDepthArch:
        stages = _vardepth_stages()
        return VarDepthArch(tuple(stages[i] for i in rng.integers(len(stages), size=3)))

    def neighbors(self, arch: VarDepthArch) -> list[VarDepthArch]:
        out = []
        for i, stage in enumerate(arch.stages):
            edits = [stage[:j] + (8 - stage[j],) + stage[j + 1 :] for j in range(len(stage))]
            if len(stage) < 3:
                edits += [stage + (k,) for k in VARDEPTH_KERNELS]
            if len(stage) > 1:
                edits.append(stage[:-1])
            out += [VarDepthArch(arch.stages[:i] + (e,) + arch.stages[i + 1 :]) for e in edits]
        return out

    @property
    def size(self) -> int:
        return len(_vardepth_stages()) ** 3

    def enumerate(self):
        return (VarDepthArch(s) for s in itertools.product(_vardepth_stages(), repeat=3))

    def build_network(
        self, arch: VarDepthArch, dataset: str | ImageTask = "cifar10", *, width: int = 8
    ):
        task = resolve_task(dataset)
        layers: list[nn.Module] = [
            nn.Conv2d(task.channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        ]
        c = width
        for s, stage in enumerate(arch.stages):
            out = width * 2**s
            for j, k in enumerate(stage):
                stride = 2 if j == 0 and s > 0 else 1
                layers += [
                    nn.Conv2d(c, c, k, stride=stride, padding=k // 2, groups=c, bias=False),
                    nn.Conv2d(c, out, 1, bias=False),
                    nn.BatchNorm2d(out),
                    nn.ReLU(),
                ]
                c = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, task.num_classes)]
        return nn.Sequential(*layers)


class VarDepthStagesSpace(VarDepthSpace):
    """:class:`VarDepthSpace` with one cell per stage: a layer's position in the encodings
    always means the same stage and slot."""

    name = "user_vardepth_stages"
    max_nodes = 5

    def cells(self, arch: VarDepthArch) -> tuple[CellGraph, ...]:
        return tuple(self._chain(list(stage)) for stage in arch.stages)


def vardepth_table(seed: int = 0) -> pd.DataFrame:
    """Synthetic labels for the 2,744 variable-depth networks: ``val_acc`` (in %), the mean
    of three "training seeds" ``s0``-``s2`` (noise sd 0.25). Depth helps with diminishing
    returns, more in later stages; 5x5 kernels help a little and then hurt; the deepest
    first and last stages together cost 0.8 points; a random interaction of each stage's
    depth with its 5x5 count. Deterministic given ``seed``; a stand-in for measured
    accuracies whose biggest networks are not the best (ranked by synflow and params, the
    optimum is 976th of the 2,744 and the ten first are 543rd to 1,518th by label)."""
    rng = np.random.default_rng(seed)
    space = VarDepthSpace()
    w = rng.normal(0.0, 0.3, size=(3, 3))
    rows, index = [], []
    for arch in space.enumerate():
        depth = [len(st) for st in arch.stages]
        n5 = [sum(k == 5 for k in st) for st in arch.stages]
        acc = 80.0 + sum(2.2 * np.log1p(d) * (1 + 0.3 * s) for s, d in enumerate(depth))
        acc += sum(0.6 * n * (1 + 0.2 * s) - 0.25 * n * n for s, n in enumerate(n5))
        acc += sum(w[s, d - 1] * n5[s] for s, d in enumerate(depth))
        acc -= 0.8 * (depth[0] == 3 and depth[2] == 3)
        rows.append(acc + rng.normal(0.0, 0.25, size=3))
        index.append(space.to_string(arch))
    seeds = pd.DataFrame(
        np.round(rows, 4), columns=["s0", "s1", "s2"], index=pd.Index(index, name="arch")
    )
    return seeds.assign(val_acc=seeds.mean(axis=1))[["val_acc", "s0", "s1", "s2"]]


for _cls in (NB201SubSpace, NB201NoPoolSpace, Chain8Space, VarDepthSpace, VarDepthStagesSpace):
    if _cls.name not in SPACES:
        SPACES.register(_cls.name)(_cls)
