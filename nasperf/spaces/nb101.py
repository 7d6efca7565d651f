"""NAS-Bench-101: cells as DAGs of at most 7 vertices and 9 edges (423,624 unique cells).

A cell is an upper-triangular 0/1 adjacency matrix over ``n <= 7`` vertices in topological
order plus one label per vertex: ``input`` (vertex 0), ``output`` (vertex ``n - 1``) and one
of ``conv3x3-bn-relu``, ``conv1x1-bn-relu``, ``maxpool3x3`` in between.

Validity (as the benchmark's ``api.is_valid``)
----------------------------------------------
The matrix is square and strictly upper triangular (so the graph is a DAG), the first label
is ``input`` and the last ``output``, and some path leads from input to output. The limits of
7 vertices and 9 edges apply to the *pruned* spec: vertices not on an input -> output path
are removed first (NAS-Bench-101's ``ModelSpec`` pruning). A 7x7 matrix may therefore carry
more than 9 entries when some of them hang off dangling vertices; NASLib samples and stores
such unpruned matrices, and its keys keep them.

Formats
-------
* Native text: compact JSON ``{"matrix":[[0,1,...],...],"ops":["input",...,"output"]}``
  (the matrix as given, not pruned). :meth:`NB101Space.parse` also accepts a NASLib key text.
* NASLib key: the 7x7 matrix flattened row-major (49 ints) then 7 op codes (0 input,
  1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu), as a tuple / list / 1-d
  array of ints or its text ``"(0, 1, 0, ...)"`` as in NASLib's JSON files. A cell with
  ``n < 7`` vertices is written as NASLib pads it (``convert_to_cell``): its output column
  moves to column 6 and the missing vertices become ``conv3x3-bn-relu`` with no edges, which
  pruning removes again. Keys of other lengths ``n * n + n`` (``n <= 7``) are read too.

Equivalence (``hash``)
----------------------
The pruned spec hashed with NAS-Bench-101's ``hash_module`` (labels -1 input, -2 output,
else the index in ``[conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3]``): exactly the
benchmark's own key, e.g. ``00005c142e6f48ac74fdcf73e3439874`` for its first record.

Sampling
--------
:meth:`NB101Space.random_architecture` draws as NAS-Bench-101 and NASLib do: every entry
above the diagonal of a 7x7 matrix is 0 or 1 with probability 1/2, every interior vertex one
of the three operations, redrawn until the spec is valid. This is uniform over valid *specs*,
not over the 423,624 unique cells; the spec is returned unpruned, like NASLib's keys.

References
----------
Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture Search", ICML 2019.
"""

from __future__ import annotations

import itertools
import json
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from nasperf.errors import InvalidArchitectureError

from .base import (
    SPACES,
    CellGraph,
    ImageTask,
    SearchSpace,
    check_positive_ints,
    dag_hash,
    resolve_task,
)
from .complexity import Complexity, check_convention, count_complexity
from .literal import check_text, parse_literal
from .nb101_network import NB101Network, leaf_blocks, make_block

__all__ = ["NB101Arch", "NB101Space", "NB101_OPS"]

NB101_OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
_LABELS: tuple[str, ...] = ("input", *NB101_OPS, "output")
# NASLib's op codes (index = code).
NASLIB_OPS: tuple[str, ...] = (
    "input",
    "output",
    "maxpool3x3",
    "conv1x1-bn-relu",
    "conv3x3-bn-relu",
)
MAX_VERTICES = 7
MAX_EDGES = 9
_KEY_LENGTHS = {n * n + n: n for n in range(2, MAX_VERTICES + 1)}
_SPACE = "nb101"


def _err(field: str, value: Any, reason: str) -> InvalidArchitectureError:
    return InvalidArchitectureError(field, value, reason, space=_SPACE)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, tuple | list) or (isinstance(value, np.ndarray) and value.ndim >= 1)


def _check_matrix(matrix: Any) -> tuple[tuple[int, ...], ...]:
    if isinstance(matrix, np.ndarray) and matrix.ndim != 2:
        raise _err("matrix", matrix, f"expected a square 2-d matrix, got {matrix.ndim} dims")
    if not _is_sequence(matrix):
        raise _err("matrix", matrix, "expected a square matrix (sequence of rows) of 0/1")
    n = len(matrix)
    if not 2 <= n <= MAX_VERTICES:
        raise _err("matrix", matrix, f"expected 2..{MAX_VERTICES} vertices, got {n}")
    rows = []
    for i, row in enumerate(matrix):
        if not _is_sequence(row) or len(row) != n:
            raise _err(f"matrix[{i}]", row, f"expected a row of {n} entries (square matrix)")
        vals = []
        for j, v in enumerate(row):
            # bool is an int; numpy scalars and exact floats (NASLib uses np.triu(ones)) pass.
            if not isinstance(v, numbers.Real | np.bool_) or v not in (0, 1):
                raise _err(f"matrix[{i}][{j}]", v, "entries must be 0 or 1")
            vals.append(int(v))
        rows.append(tuple(vals))
    return tuple(rows)


def _check_ops(ops: Any, n: int) -> tuple[str, ...]:
    if not (isinstance(ops, tuple | list) or (isinstance(ops, np.ndarray) and ops.ndim == 1)):
        raise _err("ops", ops, "expected a sequence of vertex labels")
    if len(ops) != n:
        raise _err("ops", ops, f"expected {n} labels, one per matrix row, got {len(ops)}")
    out = []
    for k, op in enumerate(ops):
        if not isinstance(op, str) or op not in _LABELS:
            raise _err(f"ops[{k}]", op, f"unknown label; expected one of {_LABELS}")
        out.append(str(op))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NB101Arch:
    """A NAS-Bench-101 cell spec: adjacency matrix and vertex labels, as given (unpruned).

    The constructor normalises to tuples and checks shape (square, 2..7 vertices), 0/1
    entries and label names; graph validity (DAG, input/output, connectivity, <= 9 edges
    after pruning) is :meth:`NB101Space.validate`'s job.
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        matrix = _check_matrix(self.matrix)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "ops", _check_ops(self.ops, len(matrix)))

    @property
    def n_vertices(self) -> int:
        """Vertices of the spec as given (before pruning)."""
        return len(self.ops)

    def __str__(self) -> str:
        return NB101Space.format(self)


@lru_cache(maxsize=1 << 16)
def _prune(
    matrix: tuple[tuple[int, ...], ...], ops: tuple[str, ...]
) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """NAS-Bench-101's ``ModelSpec._prune``: keep vertices on an input -> output path.

    Returns ``None`` when no path leads from input to output. ``matrix`` must be upper
    triangular. Cached (validation, hashing and encodings all prune); the returned matrix is
    read-only.
    """
    m = np.asarray(matrix, dtype=np.int64)
    n = m.shape[0]
    fwd = np.zeros(n, dtype=bool)
    fwd[0] = True
    for j in range(1, n):
        fwd[j] = bool((m[:j, j].astype(bool) & fwd[:j]).any())
    bwd = np.zeros(n, dtype=bool)
    bwd[n - 1] = True
    for i in range(n - 2, -1, -1):
        bwd[i] = bool((m[i, i + 1 :].astype(bool) & bwd[i + 1 :]).any())
    keep = fwd & bwd
    if not keep[0]:  # the input does not reach the output
        return None
    idx = np.flatnonzero(keep)
    pruned = m[np.ix_(idx, idx)]
    pruned.setflags(write=False)
    return pruned, tuple(ops[i] for i in idx)


@SPACES.register("nb101", "nasbench101", "nas-bench-101")
class NB101Space(SearchSpace[NB101Arch]):
    """The NAS-Bench-101 cell search space (see module docstring).

    Parameters of :meth:`build_network`: ``stem_channels`` (128), ``num_stacks`` (3) and
    ``cells_per_stack`` (3) build smaller networks for fast tests.
    """

    name = "nb101"
    ops = NB101_OPS
    arch_type = NB101Arch
    max_nodes = 7
    max_path_length = 5
    max_vertices = MAX_VERTICES
    max_edges = MAX_EDGES
    #: 1: the benchmark's weight initialisation (PyTorch's defaults before).
    network_revision = 1

    # ------------------------------------------------------------ validity
    def _problem(self, arch: NB101Arch) -> InvalidArchitectureError | None:
        """The first reason ``arch`` is invalid, or ``None`` (no exception raised)."""
        m, ops = arch.matrix, arch.ops
        n = len(ops)
        for i in range(n):
            for j in range(i + 1):
                if m[i][j]:
                    return _err(
                        f"matrix[{i}][{j}]",
                        m[i][j],
                        "entries on or below the diagonal are not allowed: vertices must be "
                        "in topological order, so the graph is a DAG",
                    )
        if ops[0] != "input":
            return _err("ops[0]", ops[0], "the first vertex must be 'input'")
        if ops[-1] != "output":
            return _err(f"ops[{n - 1}]", ops[-1], "the last vertex must be 'output'")
        for k in range(1, n - 1):
            if ops[k] not in NB101_OPS:
                return _err(f"ops[{k}]", ops[k], f"interior vertices take one of {NB101_OPS}")
        pruned = _prune(m, ops)
        if pruned is None:
            return _err("matrix", m, "no path leads from the input to the output")
        edges = int(pruned[0].sum())
        if edges > MAX_EDGES:
            return _err(
                "matrix",
                m,
                f"{edges} edges on input -> output paths; NAS-Bench-101 allows {MAX_EDGES}",
            )
        return None

    def validate(self, arch: NB101Arch) -> None:
        super().validate(arch)
        problem = self._problem(arch)
        if problem is not None:
            raise problem

    def is_valid(self, arch: Any) -> bool:
        """Whether ``arch`` is an ``NB101Arch`` that :meth:`validate` accepts."""
        return isinstance(arch, NB101Arch) and self._problem(arch) is None

    def _make(self, matrix: Any, ops: Any) -> NB101Arch:
        arch = NB101Arch(matrix, ops)
        self.validate(arch)
        return arch

    # ------------------------------------------------------------ formats
    @staticmethod
    def format(arch: NB101Arch) -> str:
        """The compact JSON text ``{"matrix":[[...],...],"ops":[...]}`` of ``arch``, not
        validated (:meth:`to_string` validates first, then formats)."""
        return json.dumps(
            {"matrix": [list(row) for row in arch.matrix], "ops": list(arch.ops)},
            separators=(",", ":"),
        )

    def to_string(self, arch: NB101Arch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> NB101Arch:
        """Read the JSON text of :meth:`to_string`, or a NASLib key text ``"(0, 1, ...)"``."""
        check_text(text, "text", space=_SPACE, expected="a JSON spec string or a NASLib key text")
        s = text.strip()
        if s[:1] in ("(", "["):
            return self.from_naslib(s)
        if s[:1] != "{":
            raise _err(
                "text", text, 'expected JSON like {"matrix": [[0, 1], [0, 0]], "ops": [...]}'
            )
        obj = parse_literal(s, field="text", space=_SPACE, max_depth=3)
        if not isinstance(obj, dict):
            raise _err("text", text, "expected a JSON object with keys 'matrix' and 'ops'")
        for key in ("matrix", "ops"):
            if key not in obj:
                raise _err(key, None, f"missing key {key!r} in the JSON object")
        extra = sorted(set(obj) - {"matrix", "ops"})
        if extra:
            raise _err(extra[0], obj[extra[0]], "unexpected key; expected 'matrix' and 'ops'")
        return self._make(obj["matrix"], obj["ops"])

    def from_naslib(self, key: Any) -> NB101Arch:
        if isinstance(key, str):
            key = self._parse_key_text(key)
        elif isinstance(key, np.ndarray):
            if key.ndim != 1 or len(key) not in _KEY_LENGTHS:
                raise _err("naslib_key", key, "expected a 1-d array of n*n + n ints (n <= 7)")
            key = key.tolist()
        if not isinstance(key, tuple | list):
            raise _err("naslib_key", key, "expected a tuple of 49 + 7 ints or its text")
        n = _KEY_LENGTHS.get(len(key))
        if n is None:
            raise _err(
                "naslib_key",
                key,
                f"expected n*n + n ints for n <= 7 vertices (56 for NASLib), got {len(key)}",
            )
        for k, v in enumerate(key):
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise _err(f"naslib_key[{k}]", v, "expected an int")
            hi = 1 if k < n * n else len(NASLIB_OPS) - 1
            if not 0 <= v <= hi:
                what = "adjacency entries are 0/1" if k < n * n else "op codes are 0..4"
                raise _err(f"naslib_key[{k}]", v, what)
        matrix = [[int(v) for v in key[i * n : (i + 1) * n]] for i in range(n)]
        ops = [NASLIB_OPS[int(c)] for c in key[n * n :]]
        return self._make(matrix, ops)

    @staticmethod
    def _parse_key_text(text: str) -> list:
        s = check_text(text, "naslib_key", space=_SPACE).strip()
        if s[:1] not in ("(", "["):
            raise _err("naslib_key", text, "expected ints in parentheses like '(0, 1, ...)'")
        key = parse_literal(s, field="naslib_key", space=_SPACE, max_depth=1)
        if not isinstance(key, tuple | list):
            raise _err("naslib_key", text, "expected ints in parentheses like '(0, 1, ...)'")
        return list(key)

    def to_naslib(self, arch: NB101Arch) -> tuple[int, ...]:
        """The 56-int NASLib key; cells with fewer than 7 vertices are padded as NASLib does."""
        self.validate(arch)
        n = arch.n_vertices
        N = MAX_VERTICES
        matrix = [[0] * N for _ in range(N)]
        for i in range(n):
            for j in range(n):
                # NASLib's convert_to_cell: the output column goes to the last column.
                matrix[i][j if j < n - 1 else N - 1] = arch.matrix[i][j]
        ops = [*arch.ops[:-1], *(["conv3x3-bn-relu"] * (N - n)), "output"]
        return tuple(v for row in matrix for v in row) + tuple(NASLIB_OPS.index(o) for o in ops)

    # ------------------------------------------------------------ graph view
    def pruned(self, arch: NB101Arch) -> tuple[np.ndarray, tuple[str, ...]]:
        """The pruned spec ``(matrix, ops)``: vertices on an input -> output path only."""
        self.validate(arch)
        pruned = _prune(arch.matrix, arch.ops)
        assert pruned is not None  # validate rejects disconnected specs
        return pruned

    def cells(self, arch: NB101Arch) -> tuple[CellGraph, ...]:
        """One graph: the pruned spec, operations on vertices."""
        m, ops = self.pruned(arch)
        return (CellGraph(adjacency=tuple(tuple(int(v) for v in r) for r in m), ops=ops),)

    def hash(self, arch: NB101Arch) -> str:
        """NAS-Bench-101's own module hash of the pruned spec (32 hex digits). ``arch`` may
        be anything :meth:`coerce` takes (text, a NASLib key, a ``{"matrix", "ops"}``
        mapping), as for every space's ``hash``."""
        if type(arch) is not self.arch_type:
            arch = self.coerce(arch)
        m, ops = self.pruned(arch)
        labels = [-1] + [NB101_OPS.index(op) for op in ops[1:-1]] + [-2]
        return dag_hash(m, labels)

    # ------------------------------------------------------------ sampling and moves
    @property
    def size(self) -> int:
        """Unique cells (isomorphism classes of valid specs) in NAS-Bench-101."""
        return 423_624

    def distinct_key(self, arch: NB101Arch) -> str:
        """The network's :meth:`hash`: ``size`` counts networks, and specs that prune to one
        network are one row of the benchmark (a unique sample of 1,000 specs had held 503
        networks, a train / test split the same network on both sides)."""
        return self.hash(arch)

    def random_architecture(self, rng: np.random.Generator) -> NB101Arch:
        n = MAX_VERTICES
        while True:
            matrix = np.triu(rng.integers(0, 2, size=(n, n)), 1)
            codes = rng.integers(0, len(NB101_OPS), size=n - 2)
            arch = NB101Arch(
                tuple(tuple(int(v) for v in row) for row in matrix),
                ("input", *(NB101_OPS[c] for c in codes), "output"),
            )
            if self._problem(arch) is None:
                return arch

    def neighbors(self, arch: NB101Arch) -> list[NB101Arch]:
        """Valid specs one edit away: one interior op changed or one upper-triangle entry flipped.

        Edits are made on the spec as given (unpruned). Specs that hash like ``arch`` or
        like an earlier neighbour are dropped, so each returned cell is distinct. Ops edits
        come first (vertex order), then edge flips (row-major).
        """
        self.validate(arch)
        seen = {self.hash(arch)}
        n = arch.n_vertices
        out: list[NB101Arch] = []

        def consider(matrix: tuple[tuple[int, ...], ...], ops: tuple[str, ...]) -> None:
            cand = NB101Arch(matrix, ops)
            if self._problem(cand) is None:
                h = self.hash(cand)
                if h not in seen:
                    seen.add(h)
                    out.append(cand)

        for v in range(1, n - 1):
            for op in NB101_OPS:
                if op != arch.ops[v]:
                    consider(arch.matrix, (*arch.ops[:v], op, *arch.ops[v + 1 :]))
        for i in range(n - 1):
            for j in range(i + 1, n):
                rows = [list(r) for r in arch.matrix]
                rows[i][j] = 1 - rows[i][j]
                consider(tuple(tuple(r) for r in rows), arch.ops)
        return out

    def isomorphic_variants(self, arch: NB101Arch) -> list[NB101Arch]:
        """Every distinct spec that renumbers ``arch``'s interior vertices in topological order.

        Vertex 0 stays the input and vertex ``n - 1`` the output; the interior vertices are
        permuted (all ``(n - 2)! <= 120`` orders, ``n <= 7``) and an order is kept when every
        edge still goes from a lower to a higher index (the matrix stays upper triangular).
        The spec is relabelled as given, dangling vertices included, so two variants may
        differ only there and prune to the same cell. Listed in the lexicographic order of
        the permutations, duplicates (automorphisms) and ``arch`` itself removed; all are
        valid and hash like ``arch``.
        """
        self.validate(arch)
        n = arch.n_vertices
        edges = [(i, j) for i in range(n) for j in range(i + 1, n) if arch.matrix[i][j]]
        seen = {arch}
        out: list[NB101Arch] = []
        for order in itertools.permutations(range(1, n - 1)):
            old = (0, *order, n - 1)  # old[new_index] = old vertex
            new = [0] * n
            for a, v in enumerate(old):
                new[v] = a
            if any(new[i] >= new[j] for i, j in edges):
                continue
            cand = NB101Arch(
                tuple(tuple(arch.matrix[old[a]][old[b]] for b in range(n)) for a in range(n)),
                tuple(arch.ops[v] for v in old),
            )
            if cand not in seen:
                seen.add(cand)
                out.append(cand)
        return out

    # ------------------------------------------------------------ networks
    @staticmethod
    def _check_sizes(stem_channels: Any, num_stacks: Any, cells_per_stack: Any) -> None:
        check_positive_ints(
            stem_channels=stem_channels, num_stacks=num_stacks, cells_per_stack=cells_per_stack
        )

    def build_network(
        self,
        arch: NB101Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
    ) -> NB101Network:
        """The NAS-Bench-101 network (stem 128, 3 stacks of 3 cells by default) for ``dataset``."""
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        self._check_sizes(stem_channels, num_stacks, cells_per_stack)
        m, ops = self.pruned(arch)
        return NB101Network(
            m,
            ops,
            task.num_classes,
            stem_channels=int(stem_channels),
            num_stacks=int(num_stacks),
            cells_per_stack=int(cells_per_stack),
            in_channels=task.channels,
        )

    def complexity(
        self,
        arch: NB101Arch,
        dataset: str | ImageTask = "cifar10",
        *,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
        convention: str = "naslib",
    ) -> Complexity:
        """FLOPs / parameters summed from cached per-block costs (exact, no network built).

        The network's cost is the sum of its conv-BN-ReLU, max-pool and linear blocks
        (:func:`~nasperf.spaces.nb101_network.leaf_blocks`); each distinct block is counted
        once by :func:`count_complexity` and cached, so this equals counting the built
        network (NASLib's convention) at a fraction of the time.
        """
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        self._check_sizes(stem_channels, num_stacks, cells_per_stack)
        check_convention(convention)
        m, ops = self.pruned(arch)
        flops = params = 0.0
        for block in leaf_blocks(
            m,
            ops,
            task.num_classes,
            stem_channels=int(stem_channels),
            num_stacks=int(num_stacks),
            cells_per_stack=int(cells_per_stack),
            in_channels=task.channels,
            resolution=task.resolution,
        ):
            c = _block_cost(*block, convention)
            flops += c.mflops
            params += c.mparams
        return Complexity(mflops=flops, mparams=params)


@lru_cache(maxsize=4096)
def _block_cost(kind: str, args: tuple[int, ...], convention: str = "naslib") -> Complexity:
    with torch.device("meta"):
        module, shape = make_block(kind, args)
    return count_complexity(module, shape, convention=convention)
