"""NAS-Bench-301 / DARTS: a normal and a reduction cell, each 4 nodes of two operations.

An architecture is a DARTS genotype: for each cell, 8 ``(op, input)`` pairs, two per
intermediate node 2..5, ``input`` the index of an earlier node (0 is the cell input
``c_{k-2}``, 1 is ``c_{k-1}``, 2..5 the intermediate nodes). The two inputs of a node are
distinct (DARTS's discretisation and NAS-Bench-301 keep two different predecessors), the
operation one of the 7 of :data:`DARTS_OPS` (no ``none``), and the cell's output is the
concatenation of all 4 intermediate nodes (``concat = (2, 3, 4, 5)``, fixed).

Formats
-------
* Genotype text (DARTS's own): ``Genotype(normal=[('sep_conv_3x3', 0), ...],
  normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])``, read with the
  bounded grammar of :mod:`nasperf.spaces.literal` (never evaluated; length, nesting and
  integers bounded); ``range(2, 6)`` is accepted for a concat (as a lazy range).
* NASLib compact key: ``[[(input, op_index) x 8], [(input, op_index) x 8]]`` (normal,
  reduce), op index into :data:`DARTS_OPS`; nested lists / tuples or their text.
  ``str(space.to_naslib(arch))`` is exactly the key of NASLib's zero-cost JSON files.
* Config dict (NAS-Bench-301's ConfigSpace, used by its surrogates and YAHPO Gym):
  ``NetworkSelectorDatasetInfo:darts:edge_{cell}_{e}`` -> op for the active edges (edge ``e``
  of node ``k`` from input ``j`` is ``e = (k-2)(k+1)/2 + j``), and
  ``NetworkSelectorDatasetInfo:darts:inputs_node_{cell}_{k}`` -> ``"i_j"`` for nodes 3..5.
  YAHPO writes ``_COLON_`` for ``:``; both are read, ``to_config(yahpo=True)`` writes it.
  The config has no order within a node, so ``from_config`` lists each node's pairs by input.

Equivalence (``hash``)
----------------------
Two genotypes hash equal when their cells are isomorphic as computation graphs: the order
of the two ``(op, input)`` pairs of a node does not matter (the node is their sum), nor does
the numbering of intermediate nodes (any relabelling consistent with the data flow
computes the same cell up to the order of the concatenated channels, which the next
layer's 1x1 convolution absorbs). DARTS cells have no dead nodes (every intermediate node
is concatenated into the output), so nothing is pruned. The two cell inputs are distinct
(``c_{k-2}`` and ``c_{k-1}``), and the normal and reduction cells are hashed in that order.
Skip connections are not contracted.

References
----------
Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019.
Siems et al., "NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural Architecture
Search", 2020.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from nasperf.errors import InvalidArchitectureError

from .base import (
    SPACES,
    CellGraph,
    GraphBatch,
    ImageTask,
    SearchSpace,
    SupernetDecisions,
    _choose_sorted,
    check_positive_ints,
    resolve_task,
)
from .complexity import Complexity, check_convention, count_complexity
from .darts_network import DARTS_OPS, EDGE_OFFSET, DartsNetwork, make_op
from .literal import Call, check_text, parse_literal

__all__ = ["DARTS_OPS", "NB301Arch", "NB301Space"]

SPACE_NAME = "nb301"
CELLS: tuple[str, str] = ("normal", "reduce")
CONCAT: tuple[int, ...] = (2, 3, 4, 5)
N_PAIRS = 8
SUM_LABEL = "sum"
CONFIG_PREFIX = "NetworkSelectorDatasetInfo:darts:"
_YAHPO_COLON = "_COLON_"

Cell = tuple[tuple[str, int], ...]


def _node_of(k: int) -> int:
    """Intermediate node (2..5) that pair ``k`` (0..7) feeds."""
    return k // 2 + 2


def _check_cell(name: str, cell: Any) -> Cell:
    if isinstance(cell, np.ndarray):
        if cell.size != 2 * N_PAIRS:
            raise InvalidArchitectureError(
                name, cell, f"expected an array of {N_PAIRS} pairs", space=SPACE_NAME
            )
        cell = cell.tolist()
    if not isinstance(cell, tuple | list) or len(cell) != N_PAIRS:
        raise InvalidArchitectureError(
            name,
            cell,
            f"expected a sequence of {N_PAIRS} (op, input) pairs, two per node 2..5",
            space=SPACE_NAME,
        )
    out: list[tuple[str, int]] = []
    for k, pair in enumerate(cell):
        field = f"{name}[{k}]"
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidArchitectureError(
                field, pair, "expected an (op, input) pair", space=SPACE_NAME
            )
        op, inp = pair
        if not isinstance(op, str) or op not in DARTS_OPS:
            raise InvalidArchitectureError(
                f"{field}.op",
                op,
                f"unknown operation; expected one of {DARTS_OPS}",
                space=SPACE_NAME,
            )
        node = _node_of(k)
        if isinstance(inp, bool) or not isinstance(inp, int | np.integer) or not 0 <= inp < node:
            raise InvalidArchitectureError(
                f"{field}.input",
                inp,
                f"node {node} reads an int input in 0..{node - 1}",
                space=SPACE_NAME,
            )
        if k % 2 == 1 and int(inp) == out[-1][1]:
            raise InvalidArchitectureError(
                f"{field}.input",
                inp,
                f"node {node} already reads input {int(inp)}; its two inputs must differ",
                space=SPACE_NAME,
            )
        out.append((op, int(inp)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NB301Arch:
    """A DARTS genotype: the normal and the reduction cell, 8 ``(op, input)`` pairs each.

    Pairs ``2k`` and ``2k+1`` feed intermediate node ``k+2``; ``input`` 0 is ``c_{k-2}``,
    1 is ``c_{k-1}``, 2..5 earlier intermediate nodes. Both cells concatenate nodes 2..5.
    """

    normal: Cell
    reduce: Cell

    def __post_init__(self) -> None:
        object.__setattr__(self, "normal", _check_cell("normal", self.normal))
        object.__setattr__(self, "reduce", _check_cell("reduce", self.reduce))

    @property
    def normal_concat(self) -> tuple[int, ...]:
        """Nodes concatenated into the normal cell's output: (2, 3, 4, 5)."""
        return CONCAT

    @property
    def reduce_concat(self) -> tuple[int, ...]:
        """Nodes concatenated into the reduction cell's output: (2, 3, 4, 5)."""
        return CONCAT

    def __str__(self) -> str:
        return NB301Space.format(self)


def _config_key(kind: str, cell: str, index: int, colon: str = ":") -> str:
    return f"{CONFIG_PREFIX}{kind}_{cell}_{index}".replace(":", colon)


@SPACES.register("nb301", "darts", "nasbench301", "nas-bench-301")
class NB301Space(SearchSpace[NB301Arch]):
    """The DARTS / NAS-Bench-301 cell search space (see module docstring).

    ``cells(arch)`` gives two 15-node graphs (normal, reduction) in ops-on-nodes form, in
    topological order: ``input0``, ``input1``, then for each intermediate node 2..5 its two
    operation nodes (genotype order) followed by its ``sum`` node, then ``output``. An
    operation node reads ``input0`` / ``input1`` or the ``sum`` node of its input and feeds
    the ``sum`` node of its own node; every ``sum`` node feeds ``output`` (the
    concatenation). ``ops`` lists the node labels (the 7 DARTS operations and ``sum``);
    :data:`DARTS_OPS` (also ``operations``) the operation choices.

    Parameters of :meth:`build_network`: ``channels`` (C, default 32), ``layers`` (cells,
    default 8), ``stem_multiplier`` (3), ``auxiliary`` (False), ``affine`` (False) build
    NASLib's NB301 network by default, smaller ones for fast tests.
    """

    name = SPACE_NAME
    #: Warm starts without a packaged table compute data-free proxies on this many genotypes
    #: (a DARTS network takes about a second on one CPU core; see nasperf.search._proxy_pool).
    proxy_pool_size = 100
    #: Its networks are too slow (~1 s each on one core) to score every candidate of a
    #: search: predictor-guided searches keep the warm start only (see
    #: ``nasperf.search._proxy_pool.ON_DEMAND_MAX_SECONDS``), on any machine.
    on_demand_proxies = False
    ops = (*DARTS_OPS, SUM_LABEL)
    operations = DARTS_OPS
    arch_type = NB301Arch
    max_nodes = 15
    max_path_length = 4

    @property
    def node_labels(self) -> tuple[str, ...]:
        """``input0`` (c_{k-2}), ``input1`` (c_{k-1}), the operations, ``sum``, ``output``."""
        return ("input0", "input1", *self.ops, "output")

    # ------------------------------------------------------------ genotype text
    @staticmethod
    def format(arch: NB301Arch) -> str:
        """The DARTS genotype text ``Genotype(normal=[(op, input), ...], normal_concat=[2, 3,
        4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])`` of ``arch``, not validated
        (:meth:`to_string` validates first, then formats)."""

        def cell(c: Cell) -> str:
            return "[" + ", ".join(f"({op!r}, {i})" for op, i in c) + "]"

        concat = list(CONCAT)
        return (
            f"Genotype(normal={cell(arch.normal)}, normal_concat={concat}, "
            f"reduce={cell(arch.reduce)}, reduce_concat={concat})"
        )

    def to_string(self, arch: NB301Arch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> NB301Arch:
        """Parse DARTS genotype text (bounded grammar, see :mod:`nasperf.spaces.literal`)."""
        check_text(text, "text", space=self.name, expected="a Genotype(...) string")
        call = parse_literal(
            text, field="text", space=self.name, calls=True, ranges=True, max_depth=4
        )
        if not isinstance(call, Call) or call.short_name != "Genotype":
            raise InvalidArchitectureError(
                "text", text, "expected Genotype(normal=..., reduce=...)", space=self.name
            )
        fields = ("normal", "normal_concat", "reduce", "reduce_concat")
        if len(call.args) > len(fields):
            raise InvalidArchitectureError(
                "text", text, "Genotype takes at most 4 arguments", space=self.name
            )
        values: dict[str, Any] = dict(zip(fields, call.args, strict=False))
        for key, value in call.kwargs:
            if key not in fields or key in values:
                raise InvalidArchitectureError(
                    key, value, "unexpected or repeated Genotype field", space=self.name
                )
            values[key] = value
        for cell in CELLS:
            if cell not in values:
                raise InvalidArchitectureError(cell, text, "missing", space=self.name)
            concat = values.get(f"{cell}_concat", CONCAT)
            # len() first: a range is compared without being listed.
            if (
                not isinstance(concat, list | tuple | range)
                or len(concat) != len(CONCAT)
                or tuple(concat) != CONCAT
            ):
                raise InvalidArchitectureError(
                    f"{cell}_concat",
                    concat,
                    "NAS-Bench-301 concatenates nodes [2, 3, 4, 5]",
                    space=self.name,
                )
        return NB301Arch(values["normal"], values["reduce"])

    # ------------------------------------------------------------ NASLib compact key
    def from_naslib(self, key: Any) -> NB301Arch:
        """Architecture from NASLib's compact key ``[[(input, op_index) x 8] x 2]``."""
        if isinstance(key, str):
            key = parse_literal(key, field="naslib_key", space=self.name, max_depth=3)
        if isinstance(key, np.ndarray):
            if key.size != 2 * N_PAIRS * 2:
                raise InvalidArchitectureError(
                    "naslib_key", key, "expected an array of shape (2, 8, 2)", space=self.name
                )
            key = key.tolist()
        if not isinstance(key, tuple | list) or len(key) != 2:
            raise InvalidArchitectureError(
                "naslib_key", key, "expected two cells (normal, reduce)", space=self.name
            )
        cells = []
        for c, cell_key in enumerate(key):
            name = f"naslib_key[{c}]"
            if isinstance(cell_key, np.ndarray):
                cell_key = cell_key.tolist()
            if not isinstance(cell_key, tuple | list) or len(cell_key) != N_PAIRS:
                raise InvalidArchitectureError(
                    name, cell_key, "expected 8 (input, op_index) pairs", space=self.name
                )
            pairs = []
            for k, pair in enumerate(cell_key):
                if not isinstance(pair, tuple | list | np.ndarray) or len(pair) != 2:
                    raise InvalidArchitectureError(
                        f"{name}[{k}]", pair, "expected an (input, op_index) pair", space=self.name
                    )
                inp, op = pair
                if isinstance(op, bool) or not isinstance(op, int | np.integer) or not 0 <= op < 7:
                    raise InvalidArchitectureError(
                        f"{name}[{k}].op", op, "op index must be an int in 0..6", space=self.name
                    )
                pairs.append((DARTS_OPS[int(op)], inp))
            cells.append(pairs)
        return NB301Arch(*cells)

    def to_naslib(self, arch: NB301Arch) -> list[list[tuple[int, int]]]:
        """NASLib's compact key; its ``str`` is the key used in NASLib's JSON files."""
        self.validate(arch)
        return [[(i, DARTS_OPS.index(op)) for op, i in cell] for cell in (arch.normal, arch.reduce)]

    # ------------------------------------------------------------ ConfigSpace dict
    def to_config(self, arch: NB301Arch, *, yahpo: bool = False) -> dict[str, str]:
        """NAS-Bench-301 ConfigSpace values (active hyperparameters only).

        ``yahpo=True`` spells ``:`` as ``_COLON_``, as YAHPO Gym's ``nb301`` scenario does.
        """
        self.validate(arch)
        colon = _YAHPO_COLON if yahpo else ":"
        config: dict[str, str] = {}
        for cname, cell in zip(CELLS, (arch.normal, arch.reduce), strict=True):
            for node in range(2, 6):
                pairs = cell[2 * (node - 2) : 2 * (node - 2) + 2]
                for op, i in pairs:
                    config[_config_key("edge", cname, EDGE_OFFSET[node] + i, colon)] = op
                if node > 2:
                    a, b = sorted(i for _, i in pairs)
                    config[_config_key("inputs_node", cname, node, colon)] = f"{a}_{b}"
        return config

    def from_config(self, config: dict[str, Any]) -> NB301Arch:
        """Architecture from a NAS-Bench-301 / YAHPO config dict (inactive keys absent).

        Extra keys (``epoch``, other benchmark settings) are ignored unless they look like
        DARTS hyperparameters; a ``#na#`` / ``None`` value means inactive.
        """
        if not isinstance(config, dict):
            raise InvalidArchitectureError(
                "config", config, "expected a dict of ConfigSpace values", space=self.name
            )
        values: dict[str, Any] = {}
        for key, value in config.items():
            if not isinstance(key, str):
                continue
            norm = key.replace(_YAHPO_COLON, ":")
            if not norm.startswith(CONFIG_PREFIX):
                continue
            if value is None or value == "#na#":
                continue
            values[norm[len(CONFIG_PREFIX) :]] = value
        known: set[str] = set()
        cells = []
        for cname in CELLS:
            pairs: list[tuple[str, int]] = []
            for node in range(2, 6):
                active = []
                for j in range(node):
                    name = f"edge_{cname}_{EDGE_OFFSET[node] + j}"
                    known.add(name)
                    if name in values:
                        active.append((values[name], j))
                field = f"config[{CONFIG_PREFIX}edge_{cname}_{EDGE_OFFSET[node]}..]"
                if len(active) != 2:
                    raise InvalidArchitectureError(
                        field,
                        [op for op, _ in active],
                        f"node {node} of the {cname} cell needs exactly 2 active edges, "
                        f"found {len(active)}",
                        space=self.name,
                    )
                if node > 2:
                    iname = f"inputs_node_{cname}_{node}"
                    known.add(iname)
                    expected = f"{active[0][1]}_{active[1][1]}"
                    if iname in values and values[iname] != expected:
                        raise InvalidArchitectureError(
                            f"config[{CONFIG_PREFIX}{iname}]",
                            values[iname],
                            f"the active edges of node {node} read inputs {expected}",
                            space=self.name,
                        )
                for op, j in active:
                    if op not in DARTS_OPS:
                        raise InvalidArchitectureError(
                            f"config[{CONFIG_PREFIX}edge_{cname}_{EDGE_OFFSET[node] + j}]",
                            op,
                            f"unknown operation; expected one of {DARTS_OPS}",
                            space=self.name,
                        )
                pairs.extend(active)
            cells.append(pairs)
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidArchitectureError(
                f"config[{CONFIG_PREFIX}{unknown[0]}]",
                values[unknown[0]],
                "not a NAS-Bench-301 DARTS hyperparameter",
                space=self.name,
            )
        return NB301Arch(*cells)

    def coerce(self, value: Any) -> NB301Arch:
        """Accept an :class:`NB301Arch`, genotype text, a NASLib key or a config dict."""
        if isinstance(value, dict):
            return self.from_config(value)
        return super().coerce(value)

    # ------------------------------------------------------------ graph view
    def graph_batch(self, archs, max_nodes: int | None = None) -> GraphBatch:
        """Vectorised :meth:`SearchSpace.graph_batch` for the 15-node layout of :meth:`cells`."""
        n = 15
        width = max_nodes or n
        if width < n:
            raise ValueError(f"nb301: cells have {n} nodes, more than max_nodes={width}")
        archs = [a if type(a) is NB301Arch else self.coerce(a) for a in archs]
        labels = self.node_labels
        code = {op: labels.index(op) for op in DARTS_OPS}
        # (N, 2 cells, 8 pairs): operation label codes and inputs
        op_codes = np.array(
            [[[code[op] for op, _ in cell] for cell in (a.normal, a.reduce)] for a in archs],
            dtype=np.int16,
        ).reshape(len(archs), 2, N_PAIRS)
        inputs = np.array(
            [[[inp for _, inp in cell] for cell in (a.normal, a.reduce)] for a in archs],
            dtype=np.int64,
        ).reshape(len(archs), 2, N_PAIRS)
        pairs = np.arange(N_PAIRS)
        op_nodes = np.array([_op_index(k) for k in pairs])
        sum_of_pair = np.array([_sum_index(_node_of(k)) for k in pairs])
        sum_nodes = np.array([_sum_index(node) for node in CONCAT])
        src_of_input = np.array([0, 1, *sum_nodes])  # cell input j -> its graph node
        ops = np.full((len(archs), 2, width), -1, dtype=np.int16)
        ops[:, :, :n] = labels.index(SUM_LABEL)
        ops[:, :, 0] = labels.index("input0")
        ops[:, :, 1] = labels.index("input1")
        ops[:, :, n - 1] = labels.index("output")
        ops[:, :, op_nodes] = op_codes
        adj = np.zeros((len(archs), 2, width, width), dtype=np.uint8)
        i, c, k = np.indices(inputs.shape)
        adj[i, c, src_of_input[inputs], op_nodes[k]] = 1
        adj[:, :, op_nodes, sum_of_pair] = 1
        adj[:, :, sum_nodes, n - 1] = 1
        return GraphBatch(adjacency=adj, ops=ops, labels=labels)

    def cells(self, arch: NB301Arch) -> tuple[CellGraph, ...]:
        """Normal and reduction cell as 15-node graphs (layout in the class docstring)."""
        return (_cell_graph(arch.normal), _cell_graph(arch.reduce))

    # ------------------------------------------------------------ sampling and moves
    def random_architecture(self, rng: np.random.Generator) -> NB301Arch:
        """NASLib's / NAS-Bench-301's sampler: per node 2 distinct inputs, ops uniform."""
        normal: list[tuple[str, int]] = []
        reduce: list[tuple[str, int]] = []
        for node in range(2, 6):
            ops = rng.integers(len(DARTS_OPS), size=4)
            in_n = rng.choice(node, size=2, replace=False)
            in_r = rng.choice(node, size=2, replace=False)
            normal += [(DARTS_OPS[ops[0]], int(in_n[0])), (DARTS_OPS[ops[1]], int(in_n[1]))]
            reduce += [(DARTS_OPS[ops[2]], int(in_r[0])), (DARTS_OPS[ops[3]], int(in_r[1]))]
        return NB301Arch(tuple(normal), tuple(reduce))

    def neighbors(self, arch: NB301Arch) -> list[NB301Arch]:
        """All genotypes one edit away: one pair's op or one pair's input changed.

        An input change keeps the node's two inputs distinct. 120 neighbours per genotype
        (2 cells x (8 pairs x 6 ops + 12 input changes)).
        """
        self.validate(arch)
        out: list[NB301Arch] = []
        for c, cell in enumerate((arch.normal, arch.reduce)):
            for k, (op, inp) in enumerate(cell):
                partner = cell[k ^ 1][1]
                edits = [(o, inp) for o in DARTS_OPS if o != op]
                edits += [(op, j) for j in range(_node_of(k)) if j not in (inp, partner)]
                for pair in edits:
                    new = list(cell)
                    new[k] = pair
                    cells = [arch.normal, arch.reduce]
                    cells[c] = tuple(new)
                    out.append(NB301Arch(*cells))
        return out

    def isomorphic_variants(self, arch: NB301Arch) -> list[NB301Arch]:
        """Every distinct genotype that renumbers ``arch``'s cells consistently.

        Within each cell independently: the intermediate nodes 2..5 are permuted (inputs
        renumbered with them) wherever every node still reads only lower-numbered nodes, and
        the two ``(op, input)`` pairs of each node are listed in either order (a node is
        their sum). Each cell has between 16 and 24 x 16 = 384 distinct forms, so a genotype
        has between 255 and 147,455 variants: listed in the order normal-form-major,
        reduction-form-minor (form 0 being the cell as given), ``arch`` itself removed. Use
        :meth:`sample_isomorphic_variants` to draw a few without building them all.
        """
        normal, reduce = self._cell_forms(arch)
        return [
            NB301Arch(n, r) for i, n in enumerate(normal) for j, r in enumerate(reduce) if i or j
        ]

    def sample_isomorphic_variants(
        self, arch: NB301Arch, k: int, random_state: Any = None
    ) -> list[NB301Arch]:
        """As :meth:`SearchSpace.sample_isomorphic_variants`, drawn by index: only the ``k``
        chosen genotypes are built."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"k must be a non-negative int, got {k!r}")
        normal, reduce = self._cell_forms(arch)
        total = len(normal) * len(reduce) - 1
        if total <= k:
            return self.isomorphic_variants(arch)
        out = []
        for t in _choose_sorted(total, int(k), random_state):
            i, j = divmod(t + 1, len(reduce))  # + 1 skips (0, 0): arch itself
            out.append(NB301Arch(normal[i], reduce[j]))
        return out

    def _cell_forms(self, arch: NB301Arch) -> tuple[list[Cell], list[Cell]]:
        self.validate(arch)
        return _cell_forms(arch.normal), _cell_forms(arch.reduce)

    # ------------------------------------------------------------ networks
    def build_network(
        self,
        arch: NB301Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        auxiliary: bool = False,
        affine: bool = False,
    ) -> DartsNetwork:
        """NASLib's NB301 network (C=32, 8 cells, stem 96 channels) for ``dataset``."""
        check_positive_ints(channels=channels, layers=layers, stem_multiplier=stem_multiplier)
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        return DartsNetwork(
            arch.normal,
            arch.reduce,
            task.num_classes,
            channels=channels,
            layers=layers,
            stem_multiplier=stem_multiplier,
            auxiliary=auxiliary,
            affine=affine,
            in_channels=task.channels,
        )

    def supernet_decisions(self, **kwargs: Any) -> SupernetDecisions:
        """The decisions of :meth:`build_supernet`'s supernet (``darts_supernet.DECISIONS``):
        the same for every network size, so ``kwargs`` are not read."""
        from .darts_supernet import DECISIONS

        return DECISIONS

    def build_supernet(
        self,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        affine: bool = False,
    ):
        """The weight-sharing supernet (:class:`~nasperf.spaces.darts_supernet.DartsSupernet`)
        of the network :meth:`build_network` builds with the same ``channels``, ``layers``,
        ``stem_multiplier`` and ``affine`` (no auxiliary head)."""
        check_positive_ints(channels=channels, layers=layers, stem_multiplier=stem_multiplier)
        from .darts_supernet import DartsSupernet

        resolve_task(dataset)
        return DartsSupernet(
            self,
            dataset,
            channels=channels,
            layers=layers,
            stem_multiplier=stem_multiplier,
            affine=affine,
        )

    def complexity(
        self,
        arch: NB301Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        channels: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        auxiliary: bool = False,
        affine: bool = False,
        convention: str = "naslib",
    ) -> Complexity:
        """FLOPs / parameters, summed from cached per-operation costs (exact, no network built).

        The network's cost is its skeleton (stem, cell preprocessing, classifier: independent
        of the genotype) plus the cost of every cell operation at its width, stride and input
        resolution; each part is counted once by :func:`count_complexity` and cached. The
        auxiliary head only runs in training mode and is never counted.
        """
        check_positive_ints(channels=channels, layers=layers, stem_multiplier=stem_multiplier)
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        check_convention(convention)
        key = (task, channels, layers, stem_multiplier, affine, convention)
        flops, params = _skeleton_cost(*key)
        for op_flops, op_params in _ops_costs(
            arch, task.resolution, channels, layers, affine, convention
        ):
            flops += op_flops
            params += op_params
        return Complexity(mflops=flops / 1e6, mparams=params / 1e6)


def _op_index(k: int) -> int:
    """Node index of operation ``k`` (0..7) in the cell graph."""
    return 2 + 3 * (k // 2) + k % 2


def _sum_index(node: int) -> int:
    """Node index of the ``sum`` node of intermediate node ``node`` (2..5)."""
    return 2 + 3 * (node - 2) + 2


def _cell_graph(cell: Cell) -> CellGraph:
    n = 2 + 3 * 4 + 1
    adj = np.zeros((n, n), dtype=np.int8)
    labels = ["input0", "input1"] + [SUM_LABEL] * 12 + ["output"]
    for k, (op, inp) in enumerate(cell):
        labels[_op_index(k)] = op
        adj[inp if inp < 2 else _sum_index(inp), _op_index(k)] = 1
        adj[_op_index(k), _sum_index(_node_of(k))] = 1
    for node in range(2, 6):
        adj[_sum_index(node), n - 1] = 1
    return CellGraph(adjacency=tuple(tuple(int(v) for v in row) for row in adj), ops=tuple(labels))


@lru_cache(maxsize=4096)
def _cell_forms(cell: Cell) -> list[Cell]:
    """Distinct renumberings of a valid cell (see ``isomorphic_variants``); ``cell`` first."""
    forms: dict[Cell, None] = {}
    for order in itertools.permutations(CONCAT):  # order[j - 2] = old node at new index j
        new = {0: 0, 1: 1, **{old: j for j, old in enumerate(order, start=2)}}
        nodes = []
        for old in order:
            pairs = cell[2 * (old - 2) : 2 * (old - 2) + 2]
            if any(new[i] >= new[old] for _, i in pairs):
                break
            nodes.append(tuple((op, new[i]) for op, i in pairs))
        else:
            for swap in itertools.product((False, True), repeat=len(nodes)):
                form = tuple(
                    pair
                    for s, node in zip(swap, nodes, strict=True)
                    for pair in node[:: -1 if s else 1]
                )
                forms.setdefault(form, None)
    return list(forms)


def _cell_layout(resolution: int, layers: int) -> list[tuple[bool, int]]:
    """``(reduction, input resolution)`` of each cell."""
    out = []
    res = resolution
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        out.append((reduction, res))
        if reduction:
            res = -(-res // 2)
    return out


def _ops_costs(
    arch: NB301Arch,
    resolution: int,
    channels: int,
    layers: int,
    affine: bool,
    convention: str = "naslib",
) -> list[tuple[int, int]]:
    costs = []
    width = channels
    for reduction, res in _cell_layout(resolution, layers):
        if reduction:
            width *= 2
        for op, inp in arch.reduce if reduction else arch.normal:
            stride = 2 if reduction and inp < 2 else 1
            in_res = res if stride == 2 or not reduction else -(-res // 2)
            costs.append(_op_cost(op, width, stride, in_res, affine, convention))
    return costs


@lru_cache(maxsize=512)
def _op_cost(
    op: str, channels: int, stride: int, resolution: int, affine: bool, convention: str
) -> tuple[int, int]:
    c = count_complexity(
        lambda: make_op(op, channels, stride, affine=affine),
        (1, channels, resolution, resolution),
        convention=convention,
    )
    return round(c.mflops * 1e6), round(c.mparams * 1e6)


@lru_cache(maxsize=64)
def _skeleton_cost(
    task: ImageTask,
    channels: int,
    layers: int,
    stem_multiplier: int,
    affine: bool,
    convention: str = "naslib",
) -> tuple[int, int]:
    # Any genotype works: count its whole network, then take its operations away.
    cell = tuple(("skip_connect", i) for i in (0, 1, 0, 1, 0, 1, 0, 1))
    arch = NB301Arch(cell, cell)
    total = count_complexity(
        lambda: DartsNetwork(
            arch.normal,
            arch.reduce,
            task.num_classes,
            channels=channels,
            layers=layers,
            stem_multiplier=stem_multiplier,
            affine=affine,
            in_channels=task.channels,
        ),
        task.input_shape(1),
        convention=convention,
    )
    flops, params = round(total.mflops * 1e6), round(total.mparams * 1e6)
    for f, p in _ops_costs(arch, task.resolution, channels, layers, affine, convention):
        flops -= f
        params -= p
    return flops, params
