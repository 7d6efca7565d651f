"""TransNAS-Bench-101: a micro (cell) and a macro (module sequence) space over 7 vision tasks.

Both spaces build one encoder (see :mod:`~nasperf.spaces.tnb101_network`) followed by a
head for one of seven Taskonomy tasks, registered in :data:`~nasperf.spaces.TASKS` as
:class:`TNB101Task` values: ``class_scene``, ``class_object``, ``room_layout``,
``jigsaw``, ``autoencoder``, ``normal`` and ``segmentsemantic``.

Micro space (``tnb101_micro``, 4,096 cells)
-------------------------------------------
An NB201-form cell (4 nodes, one operation on each of its 6 edges) over
``none, skip_connect, nor_conv_1x1, nor_conv_3x3``, stacked in the fixed module sequence
``41414`` (ten cells, three of which reduce).

* Architecture string (the benchmark's own): ``64-41414-a_bc_def``, one digit per edge in
  NB201 string order (``a``: 1 <- 0; ``bc``: 2 <- 0, 1; ``def``: 3 <- 0, 1, 2), digit =
  index into ``none, skip_connect, nor_conv_1x1, nor_conv_3x3``. :meth:`parse` also reads
  the NB201 form ``|nor_conv_3x3~0|+|...|``.
* NASLib key: the six digits as a tuple, ``(1, 0, 2, 3, 3, 3)`` or its text.
* Equivalence (``hash``): as for NAS-Bench-201 (``none`` edges removed, operations on no
  input -> output path dropped, inner nodes renamed): 1,948 classes.

Macro space (``tnb101_macro``, 3,256 architectures)
--------------------------------------------------
4 to 6 modules of two residual basic blocks each; each module keeps its input (code 1,
``keep``), doubles the channels (2, ``widen``), halves the resolution (3, ``down``) or both
(4, ``down_widen``). The resolution is halved 1 to 4 times and the channels doubled 1 to 3
times in total.

* Architecture string: ``64-4141-basic`` (the module codes between the base width and the
  block type).
* NASLib key: the codes padded with zeros to 6, ``(4, 1, 4, 1, 0, 0)``.
* Every architecture is its own class (a module sequence is a chain; different sequences
  compute different functions).

FLOPs and parameters
--------------------
:meth:`~TNB101MicroSpace.complexity` reproduces NAS-Bench-Suite-Zero's numbers (NASLib's
tensorwatch counting, :mod:`~nasperf.spaces.complexity`) exactly on every cell of its
files and every task: 256 x 256 input images (64 x 64 tiles for jigsaw), the heads above.
For jigsaw, NASLib counts the shared encoder once (tensorwatch keeps the last call of a
module), not once per tile; so does :meth:`complexity`. A forward pass of the network costs
8 more encoder passes (``count_complexity`` on the built network counts all 9). The
generative decoders (autoencoder, normal) end in a ``Tanh``, which tensorwatch had no rule
for: :meth:`complexity` leaves out its one FLOP per output element, as NASLib's numbers do,
which ``count_complexity`` on the built network counts (``3 * 256 * 256``).

References
----------
Duan et al., "TransNAS-Bench-101: Improving Transferability and Generalizability of
Cross-Task Neural Architecture Search", CVPR 2021. Krishnakumar et al.,
"NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies", NeurIPS 2022.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from torch import nn

from nasperf.errors import InvalidArchitectureError

from ._nb201_cell import (
    EDGES,
    cell_graph,
    cell_graph_batch,
    check_cell_ops,
    parse_cell,
    swapped_inner_nodes,
)
from .base import SPACES, TASKS, CellGraph, GraphBatch, ImageTask, SearchSpace, resolve_task
from .complexity import Complexity, count_complexity
from .literal import check_text, parse_literal
from .tnb101_network import (
    MICRO_MODULES,
    MICRO_OPS,
    BasicBlock,
    TNB101Encoder,
    TNB101Network,
    encoder_layout,
    encoder_output,
    make_head,
    make_micro_op,
)

__all__ = [
    "MACRO_OPS",
    "MICRO_OPS",
    "TNB101MacroArch",
    "TNB101MacroSpace",
    "TNB101MicroArch",
    "TNB101MicroSpace",
    "TNB101Task",
    "TNB101_TASKS",
]

#: Node labels of the macro space's modules, indexed by module code - 1.
MACRO_OPS: tuple[str, ...] = ("keep", "widen", "down", "down_widen")
BASE_CHANNELS = 64
MAX_TEXT = 256  # longest architecture text worth reading (the real ones have < 80 chars)
MACRO_LENGTHS = range(4, 7)
MACRO_REDUCTIONS = range(1, 5)
MACRO_WIDENINGS = range(1, 4)


# ------------------------------------------------------------------------------- tasks
@dataclass(frozen=True, slots=True)
class TNB101Task(ImageTask):
    """A Taskonomy task of TransNAS-Bench-101: input images and the head on the encoder.

    ``num_classes`` is the head's output size: classes (``class_scene`` 63,
    ``class_object`` 100, the benchmark's selections of Places365 and ImageNet classes),
    regression targets (``room_layout`` 9), permutations (``jigsaw`` 1,000), output
    channels (``autoencoder`` / ``normal`` 3) or segmentation classes
    (``segmentsemantic`` 17).

    Attributes
    ----------
    head : str
        ``"classifier"``, ``"jigsaw"``, ``"pixels"`` or ``"segmentation"``
        (:class:`~nasperf.spaces.tnb101_network.TNB101Network`).
    tiles : int
        Jigsaw tiles per input (the input is ``(N, tiles, C, H, W)``), else 1.
    """

    head: str = "classifier"
    tiles: int = 1

    def input_shape(self, batch: int = 1) -> tuple[int, ...]:  # type: ignore[override]
        """``(batch, C, H, W)``, or ``(batch, tiles, C, H, W)`` for jigsaw."""
        if self.tiles > 1:
            return (batch, self.tiles, self.channels, self.resolution, self.resolution)
        return (batch, self.channels, self.resolution, self.resolution)


#: The seven tasks, at the resolution of NASLib's TransNAS-Bench-101 data (256 x 256 images,
#: jigsaw puzzles of 9 tiles of 64 x 64).
TNB101_TASKS: dict[str, TNB101Task] = {
    t.name: t
    for t in (
        TNB101Task("class_scene", 3, 256, 63),
        TNB101Task("class_object", 3, 256, 100),
        TNB101Task("room_layout", 3, 256, 9),
        TNB101Task("jigsaw", 3, 64, 1000, head="jigsaw", tiles=9),
        TNB101Task("autoencoder", 3, 256, 3, head="pixels"),
        TNB101Task("normal", 3, 256, 3, head="pixels"),
        TNB101Task("segmentsemantic", 3, 256, 17, head="segmentation"),
    )
}
for _task in TNB101_TASKS.values():
    TASKS.setdefault(_task.name, _task)


def _head_of(task: ImageTask) -> tuple[str, int]:
    """``(head kind, tiles)`` of ``task``; plain image tasks get a classifier."""
    if isinstance(task, TNB101Task):
        return task.head, task.tiles
    return "classifier", 1


def _check_base_channels(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2 or value % 2:
        raise ValueError(f"base_channels must be an even int >= 2, got {value!r}")
    return int(value)


def _int_key(key: Any, n: int, space: str) -> list[Any]:
    """A NASLib key (tuple / list / ndarray of ``n`` ints, or its text) as a list."""
    if isinstance(key, str):
        # The shared bounded grammar: length first, one level of nesting, no expressions.
        key = parse_literal(key, field="naslib_key", space=space, max_length=MAX_TEXT, max_depth=1)
    if isinstance(key, np.ndarray):
        key = key.tolist()
    if not isinstance(key, tuple | list) or len(key) != n:
        raise InvalidArchitectureError("naslib_key", key, f"expected {n} ints", space=space)
    for k, v in enumerate(key):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise InvalidArchitectureError(f"naslib_key[{k}]", v, "expected an int", space=space)
    return [int(v) for v in key]


def _text(text: Any, space: str) -> str:
    check_text(text, "text", space=space, expected="an architecture string", max_length=MAX_TEXT)
    return text.strip()


def _split_code(text: str, space: str, example: str) -> tuple[str, str, str]:
    parts = text.split("-")
    if len(parts) != 3:
        raise InvalidArchitectureError(
            "text", text, f"expected 'base-modules-cell' like {example!r}", space=space
        )
    if parts[0] != str(BASE_CHANNELS):
        raise InvalidArchitectureError(
            "text.base_channels",
            parts[0],
            f"TransNAS-Bench-101 networks start with {BASE_CHANNELS} channels",
            space=space,
        )
    return parts[0], parts[1], parts[2]


# ------------------------------------------------------------------------------- shared
class _TNB101Space(SearchSpace):
    """Networks and FLOPs / parameters shared by the micro and macro spaces."""

    #: 1: the benchmark's encoder initialisation (PyTorch's defaults before).
    network_revision = 1

    def _encoder_spec(self, arch: Any) -> tuple[tuple[int, ...], tuple[str, ...] | None]:
        """``(module codes, cell operations or None)`` of ``arch``'s encoder."""
        raise NotImplementedError

    def build_network(
        self,
        arch: Any,
        dataset: str | ImageTask = "class_scene",
        *,
        base_channels: int = BASE_CHANNELS,
    ) -> TNB101Network:
        """The TransNAS-Bench-101 network for task ``dataset`` (encoder of width 64 plus the
        task's head); any other :class:`ImageTask` gets a classifier head."""
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        modules, cell = self._encoder_spec(arch)
        head, tiles = _head_of(task)
        return TNB101Network(
            modules,
            cell,
            head=head,
            outputs=task.num_classes,
            resolution=task.resolution,
            tiles=tiles,
            base_channels=_check_base_channels(base_channels),
            in_channels=task.channels,
        )

    def complexity(
        self,
        arch: Any,
        dataset: str | ImageTask | None = "class_scene",
        *,
        base_channels: int = BASE_CHANNELS,
        convention: str = "naslib",
    ) -> Complexity:
        """FLOPs / parameters in NASLib's convention, summed from cached per-block costs
        (``dataset=None``: ``class_scene``).

        The stem, every encoder block (every edge operation of a micro cell) and the head
        are counted once by :func:`count_complexity` and cached, so this equals counting
        the built network at a fraction of the time, except for jigsaw (the shared encoder
        is counted once, as NASLib did, not once per tile) and the generative decoders
        (their final ``Tanh`` is left out, as NASLib did; see the module docstring).
        ``convention="macs"`` counts the built network's multiply-adds instead
        (:mod:`nasperf.spaces.complexity`), as every space's ``complexity`` does.
        """
        from .complexity import check_convention

        arch = self.coerce(arch)
        task = resolve_task("class_scene" if dataset is None else dataset)
        if check_convention(convention) != "naslib":
            return count_complexity(
                lambda: self.build_network(arch, task, base_channels=base_channels),
                task.input_shape(1),
                convention=convention,
                what=f"{self.name}.build_network",
            )
        c0 = _check_base_channels(base_channels)
        modules, cell = self._encoder_spec(arch)
        head, tiles = _head_of(task)
        flops, params = _stem_cost(task.channels, task.resolution, c0)
        for c_in, c_out, stride, res in encoder_layout(modules, task.resolution, c0):
            if cell is None:
                f, p = _basic_block_cost(c_in, c_out, stride, res)
                flops, params = flops + f, params + p
                continue
            for op, (_dst, src) in zip(cell, EDGES, strict=True):
                if src == 0:
                    f, p = _micro_op_cost(op, c_in, c_out, stride, res)
                else:
                    f, p = _micro_op_cost(op, c_out, c_out, 1, -(-res // stride))
                flops, params = flops + f, params + p
        c, r = encoder_output(modules, task.resolution, c0)
        f, p = _head_cost(head, c, r, task.num_classes, task.resolution, tiles)
        return Complexity(mflops=(flops + f) / 1e6, mparams=(params + p) / 1e6)

    def flops(
        self, arch: Any, dataset: str | ImageTask | None = "class_scene", **kwargs: Any
    ) -> float:
        """MFLOPs of one forward pass on one input, as NASLib reports them (:meth:`complexity`;
        ``convention="macs"``: multiply-adds of convolutions and linear layers)."""
        return self.complexity(arch, dataset, **kwargs).mflops

    def params(
        self, arch: Any, dataset: str | ImageTask | None = "class_scene", **kwargs: Any
    ) -> float:
        """Parameters of the network, in millions."""
        return self.complexity(arch, dataset, **kwargs).mparams


@lru_cache(maxsize=64)
def _stem_cost(in_channels: int, resolution: int, base_channels: int) -> tuple[int, int]:
    def stem() -> nn.Module:
        return TNB101Encoder((), None, base_channels=base_channels, in_channels=in_channels)

    c = count_complexity(stem, (1, in_channels, resolution, resolution))
    return round(c.mflops * 1e6), round(c.mparams * 1e6)


@lru_cache(maxsize=1024)
def _micro_op_cost(op: str, c_in: int, c_out: int, stride: int, res: int) -> tuple[int, int]:
    c = count_complexity(lambda: make_micro_op(op, c_in, c_out, stride), (1, c_in, res, res))
    return round(c.mflops * 1e6), round(c.mparams * 1e6)


@lru_cache(maxsize=1024)
def _basic_block_cost(c_in: int, c_out: int, stride: int, res: int) -> tuple[int, int]:
    c = count_complexity(lambda: BasicBlock(c_in, c_out, stride), (1, c_in, res, res))
    return round(c.mflops * 1e6), round(c.mparams * 1e6)


@lru_cache(maxsize=256)
def _head_cost(
    head: str, channels: int, res: int, outputs: int, out_res: int, tiles: int
) -> tuple[int, int]:
    c = count_complexity(
        lambda: make_head(head, channels, res, outputs, out_res, tiles),
        (1, channels * tiles, res, res),
    )
    flops = round(c.mflops * 1e6)
    if head == "pixels":
        # the generative decoder ends in a Tanh, which tensorwatch had no rule for: NASLib's
        # FLOPs leave out the one per output element that nasperf's convention counts
        flops -= outputs * out_res * out_res
    return flops, round(c.mparams * 1e6)


# ------------------------------------------------------------------------------- micro
@dataclass(frozen=True, slots=True)
class TNB101MicroArch:
    """A TransNAS-Bench-101 micro cell: the operations of its 6 edges in string order.

    Edges are (node 1 <- 0), (2 <- 0), (2 <- 1), (3 <- 0), (3 <- 1), (3 <- 2); operations
    from ``none, skip_connect, nor_conv_1x1, nor_conv_3x3``.
    """

    ops: tuple[str, str, str, str, str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", check_cell_ops(self.ops, MICRO_OPS, "tnb101_micro"))

    def __str__(self) -> str:
        return TNB101MicroSpace.format(self)


@SPACES.register("tnb101_micro", "transbench101_micro", "transnas-bench-101-micro")
class TNB101MicroSpace(_TNB101Space):
    """The TransNAS-Bench-101 micro (cell) space (see module docstring).

    :meth:`build_network` / :meth:`complexity` take the task (``dataset``, default
    ``class_scene``) and ``base_channels`` (64).
    """

    name = "tnb101_micro"
    ops = MICRO_OPS
    arch_type = TNB101MicroArch
    max_nodes = 8
    max_path_length = 3
    edges = EDGES

    # ------------------------------------------------------------ formats
    @staticmethod
    def format(arch: TNB101MicroArch) -> str:
        """The code ``64-41414-a_bc_def`` of ``arch`` (the index in :data:`MICRO_OPS` of
        each edge's operation, grouped by the node the edge enters), not validated
        (:meth:`to_string` validates first, then formats)."""
        d = "".join(str(MICRO_OPS.index(op)) for op in arch.ops)
        return f"{BASE_CHANNELS}-41414-{d[0]}_{d[1:3]}_{d[3:]}"

    def to_string(self, arch: TNB101MicroArch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> TNB101MicroArch:
        """Read ``64-41414-a_bc_def`` (or the NB201 form ``|op~0|+|...|``)."""
        s = _text(text, self.name)
        if s.startswith("|"):
            return TNB101MicroArch(parse_cell(s, MICRO_OPS, self.name))
        _, modules, cell = _split_code(s, self.name, "64-41414-1_02_333")
        if modules != "41414":
            raise InvalidArchitectureError(
                "text.modules",
                modules,
                "the micro space's module sequence is fixed to 41414",
                space=self.name,
            )
        groups = cell.split("_")
        if [len(g) for g in groups] != [1, 2, 3]:
            raise InvalidArchitectureError(
                "text.cell",
                cell,
                "expected three groups of 1, 2 and 3 digits like '1_02_333'",
                space=self.name,
            )
        ops = []
        for k, digit in enumerate("".join(groups)):
            if digit not in "0123":
                raise InvalidArchitectureError(
                    f"text.cell[{k}]",
                    digit,
                    "an operation code must be 0 (none), 1 (skip_connect), 2 (nor_conv_1x1) "
                    "or 3 (nor_conv_3x3)",
                    space=self.name,
                )
            ops.append(MICRO_OPS[int(digit)])
        return TNB101MicroArch(tuple(ops))

    def from_naslib(self, key: Any) -> TNB101MicroArch:
        """Six operation codes in string order (NASLib's ``op_indices``), e.g.
        ``(1, 0, 2, 3, 3, 3)``: code = index into ``MICRO_OPS``."""
        codes = _int_key(key, 6, self.name)
        for k, v in enumerate(codes):
            if not 0 <= v < len(MICRO_OPS):
                raise InvalidArchitectureError(
                    f"naslib_key[{k}]", v, "op index must be an int in 0..3", space=self.name
                )
        return TNB101MicroArch(tuple(MICRO_OPS[v] for v in codes))

    def to_naslib(self, arch: TNB101MicroArch) -> tuple[int, ...]:
        self.validate(arch)
        return tuple(MICRO_OPS.index(op) for op in arch.ops)

    # ------------------------------------------------------------ graph view
    def cells(self, arch: TNB101MicroArch) -> tuple[CellGraph, ...]:
        """One 8-node graph (NB201's layout): input, one node per edge, output."""
        return (cell_graph(arch.ops),)

    def graph_batch(self, archs, max_nodes: int | None = None) -> GraphBatch:
        """Vectorised :meth:`SearchSpace.graph_batch`: the 8-node layout of :meth:`cells`."""
        archs = [a if type(a) is TNB101MicroArch else self.coerce(a) for a in archs]
        return cell_graph_batch(
            [a.ops for a in archs], MICRO_OPS, self.node_labels, max_nodes, self.name
        )

    # ------------------------------------------------------------ sampling and moves
    @property
    def size(self) -> int:
        return len(MICRO_OPS) ** 6

    def enumerate(self) -> Iterator[TNB101MicroArch]:
        """All 4,096 cells, in lexicographic order of their NASLib keys."""
        for ops in itertools.product(MICRO_OPS, repeat=6):
            yield TNB101MicroArch(ops)

    def random_architecture(self, rng: np.random.Generator) -> TNB101MicroArch:
        idx = rng.integers(len(MICRO_OPS), size=6)
        return TNB101MicroArch(tuple(MICRO_OPS[i] for i in idx))

    def neighbors(self, arch: TNB101MicroArch) -> list[TNB101MicroArch]:
        """The 18 cells that differ from ``arch`` in exactly one edge's operation."""
        self.validate(arch)
        out = []
        for e in range(6):
            for op in MICRO_OPS:
                if op != arch.ops[e]:
                    out.append(TNB101MicroArch((*arch.ops[:e], op, *arch.ops[e + 1 :])))
        return out

    def isomorphic_variants(self, arch: TNB101MicroArch) -> list[TNB101MicroArch]:
        """The cell with inner nodes 1 and 2 swapped, when that is a different valid cell
        (edge (2 <- 1) is ``none`` and the swap changes the operations); see
        :meth:`NB201Space.isomorphic_variants <nasperf.spaces.NB201Space.isomorphic_variants>`.
        """
        self.validate(arch)
        swapped = swapped_inner_nodes(arch.ops)
        return [] if swapped is None else [TNB101MicroArch(swapped)]

    # ------------------------------------------------------------ networks
    def _encoder_spec(self, arch: TNB101MicroArch) -> tuple[tuple[int, ...], tuple[str, ...]]:
        return MICRO_MODULES, arch.ops


# ------------------------------------------------------------------------------- macro
def _macro_problem(modules: Any) -> tuple[str, Any, str] | None:
    """``(field, value, reason)`` of the first rule ``modules`` breaks, or ``None``."""
    if not isinstance(modules, tuple):
        return "modules", modules, "expected a tuple of module codes"
    if len(modules) not in MACRO_LENGTHS:
        return "modules", modules, "a network has 4 to 6 modules"
    for k, code in enumerate(modules):
        if isinstance(code, bool) or not isinstance(code, int) or code not in (1, 2, 3, 4):
            return (
                f"modules[{k}]",
                code,
                "a module code is 1 (keep), 2 (double the channels), 3 (halve the "
                "resolution) or 4 (both)",
            )
    reductions = sum(code > 2 for code in modules)
    if reductions not in MACRO_REDUCTIONS:
        return (
            "modules",
            modules,
            f"{reductions} modules halve the resolution (codes 3, 4); the space allows 1 to 4",
        )
    widenings = sum(code % 2 == 0 for code in modules)
    if widenings not in MACRO_WIDENINGS:
        return (
            "modules",
            modules,
            f"{widenings} modules double the channels (codes 2, 4); the space allows 1 to 3",
        )
    return None


@dataclass(frozen=True, slots=True)
class TNB101MacroArch:
    """A TransNAS-Bench-101 macro architecture: its module codes (4 to 6 ints in 1..4)."""

    modules: tuple[int, ...]

    def __post_init__(self) -> None:
        modules = self.modules
        if isinstance(modules, list | np.ndarray):
            modules = tuple(modules.tolist() if isinstance(modules, np.ndarray) else modules)
        if isinstance(modules, tuple):
            modules = tuple(int(c) if isinstance(c, np.integer) else c for c in modules)
        problem = _macro_problem(modules)
        if problem is not None:
            raise InvalidArchitectureError(*problem, space="tnb101_macro")
        object.__setattr__(self, "modules", modules)

    def __str__(self) -> str:
        return TNB101MacroSpace.format(self)


@lru_cache(maxsize=1)
def _all_macro() -> tuple[TNB101MacroArch, ...]:
    out = []
    for n in MACRO_LENGTHS:
        for codes in itertools.product((1, 2, 3, 4), repeat=n):
            if _macro_problem(codes) is None:
                out.append(TNB101MacroArch(codes))
    return tuple(out)


@SPACES.register("tnb101_macro", "transbench101_macro", "transnas-bench-101-macro")
class TNB101MacroSpace(_TNB101Space):
    """The TransNAS-Bench-101 macro (module sequence) space (see module docstring).

    :meth:`build_network` / :meth:`complexity` take the task (``dataset``, default
    ``class_scene``) and ``base_channels`` (64).
    """

    name = "tnb101_macro"
    ops = MACRO_OPS
    arch_type = TNB101MacroArch
    max_nodes = 8
    max_path_length = 6

    # ------------------------------------------------------------ formats
    @staticmethod
    def format(arch: TNB101MacroArch) -> str:
        """The code ``64-<module codes>-basic`` of ``arch`` (e.g. ``64-41414-basic``: base
        width 64, one digit per module, basic blocks), not validated (:meth:`to_string`
        validates first, then formats)."""
        return f"{BASE_CHANNELS}-{''.join(map(str, arch.modules))}-basic"

    def to_string(self, arch: TNB101MacroArch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> TNB101MacroArch:
        """Read ``64-41414-basic``: base width 64, 4 to 6 module codes, basic blocks."""
        s = _text(text, self.name)
        _, modules, cell = _split_code(s, self.name, "64-4141-basic")
        if cell != "basic":
            raise InvalidArchitectureError(
                "text.cell",
                cell,
                "the macro space's blocks are 'basic' (micro cells belong to tnb101_micro)",
                space=self.name,
            )
        if not modules or any(ch not in "1234" for ch in modules):
            raise InvalidArchitectureError(
                "text.modules", modules, "expected 4 to 6 digits in 1..4", space=self.name
            )
        return TNB101MacroArch(tuple(int(ch) for ch in modules))

    def from_naslib(self, key: Any) -> TNB101MacroArch:
        """Six module codes, the unused trailing ones 0 (NASLib's ``op_indices``)."""
        codes = _int_key(key, 6, self.name)
        n = len(codes)
        while n and codes[n - 1] == 0:
            n -= 1
        for k, v in enumerate(codes):
            if not 0 <= v <= 4 or (v == 0 and k < n):
                raise InvalidArchitectureError(
                    f"naslib_key[{k}]",
                    v,
                    "module codes are ints in 1..4, padded at the end with 0",
                    space=self.name,
                )
        try:
            return TNB101MacroArch(tuple(codes[:n]))
        except InvalidArchitectureError as err:
            raise err.within("naslib_key.") from None

    def to_naslib(self, arch: TNB101MacroArch) -> tuple[int, ...]:
        self.validate(arch)
        return arch.modules + (0,) * (6 - len(arch.modules))

    # ------------------------------------------------------------ graph view
    def cells(self, arch: TNB101MacroArch) -> tuple[CellGraph, ...]:
        """One chain: input, one node per module (labelled by its kind), output."""
        n = len(arch.modules) + 2
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        ops = ("input", *(MACRO_OPS[c - 1] for c in arch.modules), "output")
        return (CellGraph(adjacency=adj, ops=ops),)

    # ------------------------------------------------------------ sampling and moves
    @property
    def size(self) -> int:
        return len(_all_macro())

    def enumerate(self) -> Iterator[TNB101MacroArch]:
        """All 3,256 architectures: by number of modules, then lexicographically."""
        return iter(_all_macro())

    def random_architecture(self, rng: np.random.Generator) -> TNB101MacroArch:
        """One of the 3,256 architectures, uniformly (NASLib instead draws the number of
        modules, reductions and widenings uniformly, then their order)."""
        archs = _all_macro()
        return archs[int(rng.integers(len(archs)))]

    def neighbors(self, arch: TNB101MacroArch) -> list[TNB101MacroArch]:
        """Valid architectures one module edit away: one module's code changed, one module
        inserted (any code, any position) or one module removed. Listed in that order,
        each once."""
        self.validate(arch)
        m = arch.modules
        cands: list[tuple[int, ...]] = []
        for k in range(len(m)):
            cands += [(*m[:k], c, *m[k + 1 :]) for c in (1, 2, 3, 4) if c != m[k]]
        for k in range(len(m) + 1):
            cands += [(*m[:k], c, *m[k:]) for c in (1, 2, 3, 4)]
        cands += [m[:k] + m[k + 1 :] for k in range(len(m))]
        seen = {m}
        out = []
        for codes in cands:
            if codes not in seen and _macro_problem(codes) is None:
                seen.add(codes)
                out.append(TNB101MacroArch(codes))
        return out

    # ------------------------------------------------------------ networks
    def _encoder_spec(self, arch: TNB101MacroArch) -> tuple[tuple[int, ...], None]:
        return arch.modules, None
