"""A worked user-defined search space: NAS-Bench-Macro's 8-layer chain (6,561 networks).

A macro (chain) space as a library user brings one: 8 searchable layers, each one of three
blocks, on a MobileNetV2-style network for CIFAR-10 (Su et al., CVPR 2021):

* ``id``: identity (a strided 1x1 convolution + BN where the layer changes the shape);
* ``mb3_k3``: inverted residual block, expansion 3, 3x3 depthwise convolution;
* ``mb6_k5``: inverted residual block, expansion 6, 5x5 depthwise convolution.

The text format is NAS-Bench-Macro's key: one digit per layer (``0`` id, ``1`` mb3_k3,
``2`` mb6_k5), e.g. ``"02012100"``. Layers form three stages of 2, 3 and 3; the first layer
of each stage halves the resolution and doubles the width (32 -> 64 -> 128 -> 256). An
identity inside a stage computes nothing, so where it sits in its stage does not matter:
:meth:`MacroSpace.hash` moves those layers to the end of their stage (the benchmark's own
``get_real_arch``), and architectures that hash equal are the same network.

Labels: :func:`load_macro_benchmark` reads the real, measured CIFAR-10 *test* accuracies of
every architecture (three training runs each, 50 epochs; the benchmark has no validation
split) with the benchmark's parameter and MAC counts, shipped in
``examples/data/nas_bench_macro_cifar10.csv.gz`` (Apache-2.0, see NOTICE). The network
built here reproduces those counts exactly (``space.params`` and ``space.flops(...,
convention="macs")``; tested).

Importing this module registers the space as ``"macro"``::

    import examples.macro_space
    space = nasperf.get_space("macro")

References
----------
Su et al., "Prioritized Architecture Sampling with Monto-Carlo Tree Search", CVPR 2021
(NAS-Bench-Macro). Sandler et al., "MobileNetV2: Inverted Residuals and Linear
Bottlenecks", CVPR 2018.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from torch import nn

from nasperf.errors import DataIntegrityError, InvalidArchitectureError
from nasperf.spaces import SPACES, CellGraph, ImageTask, SearchSpace, resolve_task

__all__ = [
    "DATA_PATH",
    "MACRO_OPS",
    "MacroArch",
    "MacroSpace",
    "load_macro_benchmark",
    "macro_objective",
]

#: The blocks, in the order of the text format's digits.
MACRO_OPS: tuple[str, ...] = ("id", "mb3_k3", "mb6_k5")
#: Layers per stage; the first layer of a stage has stride 2 and doubles the width.
STAGES: tuple[int, ...] = (2, 3, 3)
N_LAYERS = sum(STAGES)
#: The shipped benchmark table and its sha256 (checked on load).
DATA_PATH = Path(__file__).resolve().parent / "data" / "nas_bench_macro_cifar10.csv.gz"
DATA_SHA256 = "992713abdb82f1f1f3cb1d46e98a332306cc9f4faf9f7481282d9c59e5e4bd57"
_FIRST_OF_STAGE = frozenset(itertools.accumulate((0, *STAGES[:-1])))


@dataclass(frozen=True, slots=True)
class MacroArch:
    """Eight layers, each a block of :data:`MACRO_OPS`."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != N_LAYERS:
            raise InvalidArchitectureError(
                "ops", self.ops, f"expected a tuple of {N_LAYERS} blocks", space="macro"
            )
        for k, op in enumerate(self.ops):
            if op not in MACRO_OPS:
                raise InvalidArchitectureError(
                    f"ops[{k}]", op, f"not in {MACRO_OPS}", space="macro"
                )


class MacroSpace(SearchSpace[MacroArch]):
    """NAS-Bench-Macro's space; text format ``"02012100"`` (one digit per layer)."""

    name = "macro"
    ops = MACRO_OPS
    arch_type = MacroArch
    max_nodes = N_LAYERS + 2
    max_path_length = N_LAYERS

    def parse(self, text: str) -> MacroArch:
        if not isinstance(text, str):
            raise InvalidArchitectureError("text", text, "expected a string", space=self.name)
        text = text.strip()
        if len(text) != N_LAYERS or any(c not in "012" for c in text):
            raise InvalidArchitectureError(
                "text", text, f"expected {N_LAYERS} digits in 0, 1, 2", space=self.name
            )
        return MacroArch(tuple(MACRO_OPS[int(c)] for c in text))

    def to_string(self, arch: MacroArch) -> str:
        return "".join(str(MACRO_OPS.index(op)) for op in arch.ops)

    def cells(self, arch: MacroArch) -> tuple[CellGraph, ...]:
        n = N_LAYERS + 2  # input, the layers, output
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def canonical(self, arch: MacroArch) -> MacroArch:
        """The same network with each stage's inner identities moved to the stage's end."""
        out: list[str] = []
        start = 0
        for size in STAGES:
            first, rest = arch.ops[start], arch.ops[start + 1 : start + size]
            blocks = [op for op in rest if op != "id"]
            out += [first, *blocks, *["id"] * (len(rest) - len(blocks))]
            start += size
        return MacroArch(tuple(out))

    def hash(self, arch: MacroArch) -> str:
        """Equal for architectures that build the same network: the md5 of the text of
        :meth:`canonical` (a chain needs no graph isomorphism test)."""
        return hashlib.md5(self.to_string(self.canonical(arch)).encode()).hexdigest()

    def random_architecture(self, rng: np.random.Generator) -> MacroArch:
        return MacroArch(tuple(MACRO_OPS[i] for i in rng.integers(len(MACRO_OPS), size=N_LAYERS)))

    def neighbors(self, arch: MacroArch) -> list[MacroArch]:
        return [
            MacroArch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(N_LAYERS)
            for op in MACRO_OPS
            if op != arch.ops[k]
        ]

    @property
    def size(self) -> int:
        return len(MACRO_OPS) ** N_LAYERS

    def enumerate(self) -> Iterator[MacroArch]:
        return (MacroArch(ops) for ops in itertools.product(MACRO_OPS, repeat=N_LAYERS))

    def build_network(
        self,
        arch: MacroArch,
        dataset: str | ImageTask = "cifar10",
        *,
        width: int = 32,
        head: int = 1280,
    ) -> nn.Module:
        """The benchmark's network: stem, the 8 blocks, a 1x1 head, pooling, classifier.

        ``width``: channels after the stem (doubled at each stage); ``head``: channels of
        the last 1x1 convolution.
        """
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        layers: list[nn.Module] = [
            nn.Conv2d(task.channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        ]
        channels = width
        for k, op in enumerate(arch.ops):
            stride = 2 if k in _FIRST_OF_STAGE else 1
            out = channels * stride
            layers.append(_block(op, channels, out, stride))
            channels = out
        layers += [
            nn.Conv2d(channels, head, 1, bias=False),
            nn.BatchNorm2d(head),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(head, task.num_classes),
        ]
        return nn.Sequential(*layers)


class _InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expansion, kxk depthwise, 1x1 projection (+ input)."""

    def __init__(self, inp: int, out: int, stride: int, expansion: int, kernel: int) -> None:
        super().__init__()
        hidden = inp * expansion
        self.body = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(
                hidden, hidden, kernel, stride, padding=kernel // 2, groups=hidden, bias=False
            ),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out, 1, bias=False),
            nn.BatchNorm2d(out),
        )
        self.residual = stride == 1 and inp == out

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def _block(op: str, inp: int, out: int, stride: int) -> nn.Module:
    if op == "mb3_k3":
        return _InvertedResidual(inp, out, stride, expansion=3, kernel=3)
    if op == "mb6_k5":
        return _InvertedResidual(inp, out, stride, expansion=6, kernel=5)
    if stride == 1 and inp == out:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), nn.BatchNorm2d(out))


if "macro" not in SPACES:  # importing the module twice (as a script, say) registers once
    SPACES.register("macro", "nas_bench_macro")(MacroSpace)


def load_macro_benchmark(path: str | Path = DATA_PATH) -> pd.DataFrame:
    """NAS-Bench-Macro's CIFAR-10 results for all 6,561 architectures.

    Returns
    -------
    pandas.DataFrame
        Indexed by the architecture text (``"02012100"``, index name ``arch``); columns
        ``test_acc_0``, ``test_acc_1``, ``test_acc_2`` (test accuracy in %, three training
        runs), ``test_acc`` (their mean), ``params`` (parameters) and ``flops``
        (multiply-accumulates of the convolutions and the classifier for one 32x32 image).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    DataIntegrityError
        The shipped file's sha256 differs from the expected one (``path`` left default), or
        a file lacks rows or columns.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NAS-Bench-Macro table not found: {path}")
    raw = path.read_bytes()
    if path == DATA_PATH and hashlib.sha256(raw).hexdigest() != DATA_SHA256:
        raise DataIntegrityError(f"{path}: sha256 does not match the shipped file")
    table = pd.read_csv(path, dtype={"arch": str}).set_index("arch")
    columns = ["test_acc_0", "test_acc_1", "test_acc_2", "test_acc", "params", "flops"]
    missing = [c for c in columns if c not in table.columns]
    if missing or len(table) != MacroSpace().size or not table.index.is_unique:
        raise DataIntegrityError(
            f"{path}: expected {MacroSpace().size} distinct architectures and columns "
            f"{columns}; got {len(table)} rows, missing columns {missing}"
        )
    return table[columns]


def macro_objective(table: pd.DataFrame | None = None):
    """The benchmark as a :class:`~nasperf.search.objective.TableObjective` (one fidelity,
    ``"50ep"``: the mean test accuracy; no training times are recorded, so searches are
    charged per query)."""
    from nasperf.search.objective import TableObjective

    table = load_macro_benchmark() if table is None else table
    return TableObjective(
        table,
        "macro",
        {"50ep": "test_acc"},
        cost_column=None,
        epochs={"50ep": 50},
        name="nas-bench-macro/cifar10",
    )
