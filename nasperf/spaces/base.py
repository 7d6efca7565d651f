"""The search-space abstraction every space (built-in or user-defined) implements.

An architecture is an immutable value owned by its space; the space holds the rules:
parsing and formatting, validation, hashing, sampling, mutation, network building.
Everything downstream (encodings, predictors, search) sees an architecture through the
space's generic views, above all :meth:`SearchSpace.cells`: each cell as a
:class:`CellGraph`, a labelled DAG with operations on nodes. No code outside ``spaces/``
needs to know which concrete space it works on.

See ``docs/custom_space.md`` for a worked example of a user-defined space.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from numbers import Number, Real
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from nasperf.errors import (
    InvalidArchitectureError,
    NetworkRunError,
    UnsupportedNetworkError,
    architecture_failed,
    short_repr,
)
from nasperf.registry import Registry

from .complexity import Complexity, count_complexity

__all__ = [
    "SPACES",
    "CellGraph",
    "GRAPH_TASKS",
    "GraphBatch",
    "GraphTask",
    "ImageTask",
    "SearchSpace",
    "SpaceDefinitionError",
    "SupernetDecisions",
    "TASKS",
    "arch_column",
    "as_rng",
    "check_positive_ints",
    "dag_hash",
    "resolve_space",
    "resolve_task",
    "space_of",
]

A = TypeVar("A", bound=Hashable)

RandomState = int | np.random.Generator | None

#: Largest ``size`` of a space whose :meth:`SearchSpace.sample` falls back to listing
#: :meth:`SearchSpace.enumerate` when rejecting repeats is too slow (a list of a million
#: small architecture values takes a few hundred MB and seconds; NAS-Bench-101 has 423,624).
SAMPLE_ENUMERATE_MAX_SIZE = 1_000_000

#: Most architectures one :meth:`SearchSpace.sample` call returns: ten times the above, a
#: few GB as a list; a larger ``n`` would exhaust memory before it returned.
SAMPLE_MAX_N = 10_000_000


class SpaceDefinitionError(ValueError):
    """A search space's definition breaks the :class:`SearchSpace` contract: its operation
    vocabulary (``ops``, ``operations``, ``node_labels``), a :class:`CellGraph` its
    :meth:`~SearchSpace.cells` returns, or the name it is registered under.

    Not an :class:`~nasperf.errors.InvalidArchitectureError`: the architecture is fine, the
    space's code is not, and callers that skip invalid architectures must not skip this.

    Attributes
    ----------
    field : str
        What is wrong (``"ops[1]"``, ``"cells('a|b|c'): CellGraph.adjacency[3][1]"``, ...).
    value : Any
        The offending value.
    reason : str
    space : str or None
        The space's name (``None`` for a :class:`CellGraph` built outside a space).
    """

    def __init__(self, field: str, value: Any, reason: str, *, space: str | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.space = space
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.space}: " if self.space else ""
        return f"{where}invalid {self.field} = {short_repr(self.value)}: {self.reason}"

    def _place(self, space: str, prefix: str) -> None:
        """Name the space and the call that produced the value (the error is re-raised as
        is, so its traceback still shows the line of the space's code that built it)."""
        self.space = space
        self.field = f"{prefix}{self.field}"
        self.args = (self._message(),)


def _check_space_registration(name: str, obj: Any) -> None:
    """A space class is registered first under its own ``name`` (a class that sets none,
    e.g. a subclass inheriting its parent's, takes the registered one): predictors record
    ``space.name`` and find the space again by it (``SPACES.register("my_chain")`` on a
    class named ``"chain_v2"`` would save predictors that cannot be loaded)."""
    if not isinstance(obj, type) or not issubclass(obj, SearchSpace):
        return
    if "name" not in vars(obj):
        # No name of its own (a subclass of NB201Space, say, inherits "nb201"): the name
        # it is registered under is its name.
        obj.name = name
        return
    own = obj.name
    if not isinstance(own, str) or own.lower() != name.lower():
        raise SpaceDefinitionError(
            "name",
            own,
            f"{obj.__qualname__} is registered as {name!r} but its name attribute differs "
            "(predictors record a space's name and look the space up by it); set "
            f"name = {name!r} in the class, or register it under its name",
            space=name,
        )


#: The search-space registry (``nasperf.spaces.SPACES``): ``@SPACES.register("name")``;
#: a space class is registered first under its own ``name`` (aliases may follow).
SPACES: Registry = Registry("search space", check=_check_space_registration)


#: :meth:`SearchSpace.sample` may show a progress bar from this many distinct architectures.
_SAMPLE_BAR_FROM = 1000


def as_rng(random_state: RandomState, name: str = "random_state") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (an int >= 0, not a bool), a generator
    (returned as is) or ``None``; ``name`` is the argument an error names."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is not None and (
        isinstance(random_state, bool | np.bool_) or not isinstance(random_state, int | np.integer)
    ):  # True had been seed 1
        raise ValueError(f"{name} must be an int, a numpy Generator or None, got {random_state!r}")
    if random_state is not None and random_state < 0:
        raise ValueError(
            f"{name} must be an int >= 0, a numpy Generator or None, got {random_state!r}"
        )
    return np.random.default_rng(random_state)


def check_positive_ints(**sizes: Any) -> None:
    """Raise ``ValueError`` naming the first of ``sizes`` (network builder options such as
    ``channels=16``) that is not a positive int (bools refused)."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def _choose_sorted(n: int, k: int, random_state: RandomState) -> list[int]:
    """``k`` of ``range(n)`` drawn uniformly without replacement, in increasing order."""
    return sorted(int(i) for i in as_rng(random_state).choice(n, size=k, replace=False))


#: Most values one input sample of a task may hold (64 Mi floats: 256 MiB), and most
#: classes a task may have: a task is a user's input to network builders and placeholder
#: batches, which allocate in proportion.
MAX_SAMPLE_VALUES = 2**26
MAX_CLASSES = 2**20


def _check_task_sizes(task: Any, sizes: dict[str, Any], shape: Sequence[int]) -> None:
    """Refuse a task whose ``sizes`` (and ``num_classes``) are not positive ints, or whose
    classes or one sample of ``shape`` exceed the bounds above."""
    kind = type(task).__name__
    if not isinstance(task.name, str) or not task.name.strip():
        raise ValueError(f"{kind}.name must be a non-empty str, got {task.name!r}")
    for field, v in {**sizes, "num_classes": task.num_classes}.items():
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{kind}.{field} must be a positive int, got {v!r}")
        object.__setattr__(task, field, int(v))  # numpy ints read from files: plain ints
    if task.num_classes > MAX_CLASSES:
        raise ValueError(
            f"{kind}.num_classes is {task.num_classes:,d}; at most {MAX_CLASSES:,d} are allowed"
        )
    values = math.prod(shape)
    if values > MAX_SAMPLE_VALUES:
        raise ValueError(
            f"{kind} {task.name!r}: one sample holds {values:,d} values; at most "
            f"{MAX_SAMPLE_VALUES:,d} are allowed (networks and placeholder batches are built "
            "for this size)"
        )


@dataclass(frozen=True, slots=True)
class ImageTask:
    """Input and output sizes of an image dataset a network is built for: a classifier's
    ``num_classes``; 1 for a regression (age estimation, counting), whose real targets the
    loss-reading zero-cost proxies read through the mean squared error, as a
    :class:`TensorTask`'s."""

    name: str
    channels: int
    resolution: int
    num_classes: int

    def __post_init__(self) -> None:
        sizes = {"channels": self.channels, "resolution": self.resolution}
        _check_task_sizes(self, sizes, (1,))
        _check_task_sizes(self, {}, (self.channels, self.resolution, self.resolution))

    def input_shape(self, batch: int = 1) -> tuple[int, int, int, int]:
        """``(batch, channels, resolution, resolution)``."""
        return (batch, self.channels, self.resolution, self.resolution)


@dataclass(frozen=True, slots=True)
class TensorTask:
    """Input and output sizes of a task whose networks take one dense tensor per sample that
    is not an image: tabular features ``shape=(20,)``, sequences ``(channels, length)``, ...

    A space whose networks take such inputs declares it as its ``default_dataset``; its
    networks are then built for it, and counted (``params``, ``flops``) and scored by
    data-free zero-cost proxies on inputs of this shape. nasperf packages no data for a
    task of yours: data-dependent proxies take ``inputs=(x, y)`` (``x`` float ``(N,
    *shape)``; ``y`` class labels ``(N,)`` in ``[0, num_classes)``, or for a task of one
    output, a regression, real targets ``(N,)``).

    Inputs are floats (zeros in the network's floating dtype, where nasperf chooses them):
    a network of token ids (``shape=(length,)``) casts them in ``forward``
    (``self.embed(ids.long())``), as ``docs/custom_space.md`` shows.

    Attributes
    ----------
    name : str
    shape : tuple of int
        One sample's shape (without the batch dimension).
    num_classes : int
        Output width (classes; 1 for a regression network, whose real targets the
        loss-reading proxies read through the mean squared error, in
        :func:`nasperf.zero_cost.compute` and :func:`nasperf.zero_cost.score` alike).
    """

    name: str
    shape: tuple[int, ...]
    num_classes: int

    def __post_init__(self) -> None:
        shape = self.shape
        if (
            not isinstance(shape, tuple | list)
            or not shape
            or not all(
                isinstance(d, int | np.integer) and not isinstance(d, bool) and d > 0 for d in shape
            )
        ):
            raise ValueError(
                f"TensorTask.shape must be a non-empty tuple of positive ints (one sample's "
                f"shape), got {shape!r}"
            )
        object.__setattr__(self, "shape", tuple(int(d) for d in shape))
        _check_task_sizes(self, {}, self.shape)

    def input_shape(self, batch: int = 1) -> tuple[int, ...]:
        """``(batch, *shape)``."""
        return (batch, *self.shape)


TASKS: dict[str, ImageTask] = {
    t.name: t
    for t in (
        ImageTask("cifar10", 3, 32, 10),
        ImageTask("cifar100", 3, 32, 100),
        ImageTask("ImageNet16-120", 3, 16, 120),
    )
}


@dataclass(frozen=True, slots=True)
class GraphTask:
    """Input and output sizes of a node-classification dataset a GNN is built for.

    A graph network's forward takes ``(x, edge_index)``: node features ``(num_nodes,
    num_features)`` and edges ``(2, num_edges)``; it returns logits ``(num_nodes,
    num_classes)``. One sample is one node.

    Attributes
    ----------
    name : str
    num_features : int
        Width of the node features.
    num_classes : int
        Output width (classes; tasks of a multi-label dataset such as ogbn-proteins).
    num_nodes : int or None
        Nodes of the dataset's graph, where known.
    """

    name: str
    num_features: int
    num_classes: int
    num_nodes: int | None = None

    def input_shape(self, nodes: int = 1) -> tuple[int, int]:
        """``(nodes, num_features)``: the node-feature matrix of ``nodes`` nodes."""
        return (nodes, self.num_features)

    def one_node_graph(self, dtype: Any = None) -> tuple[Any, Any]:
        """``(x, edge_index)`` of a graph of one node and no edge: zeros ``(1,
        num_features)`` (``dtype``, default torch's) and an empty int64 ``(2, 0)``. A graph
        network's FLOPs are counted per node, on such a graph (message passing is free, so
        the count does not depend on the edges: ``SearchSpace.complexity``, ``nbgraph``'s
        and the ``flops`` proxy agree)."""
        import torch

        return torch.zeros(1, self.num_features, dtype=dtype), torch.zeros(2, 0, dtype=torch.int64)


#: The node-classification datasets of NAS-Bench-Graph (Qin et al., 2022): features,
#: classes (ogbn-proteins: 112 binary tasks on 8 features aggregated from its edges) and nodes.
GRAPH_TASKS: dict[str, GraphTask] = {
    t.name: t
    for t in (
        GraphTask("cora", 1433, 7, 2708),
        GraphTask("citeseer", 3703, 6, 3327),
        GraphTask("pubmed", 500, 3, 19717),
        GraphTask("cs", 6805, 15, 18333),
        GraphTask("physics", 8415, 5, 34493),
        GraphTask("photo", 745, 8, 7650),
        GraphTask("computers", 767, 10, 13752),
        GraphTask("arxiv", 128, 40, 169343),
        GraphTask("proteins", 8, 112, 132534),
    )
}


def resolve_task(
    dataset: str | ImageTask | TensorTask | GraphTask, kind: str = "image"
) -> ImageTask | TensorTask | GraphTask:
    """Look up a dataset's :class:`ImageTask` (``kind="image"``, the default) or
    :class:`GraphTask` (``kind="graph"``); pass a task object for your own data (a
    :class:`TensorTask` where ``kind="image"``: networks of dense, non-image inputs).

    Raises ``ValueError`` for an unknown name or a task of the other kind (an image network
    cannot be built for a graph dataset), naming the datasets of the requested kind.
    """
    if kind not in ("image", "graph"):
        raise ValueError(f"kind must be 'image' or 'graph', got {kind!r}")
    tasks: dict[str, ImageTask | GraphTask] = dict(TASKS if kind == "image" else GRAPH_TASKS)
    wanted = ImageTask if kind == "image" else GraphTask
    if isinstance(dataset, wanted) or (kind == "image" and isinstance(dataset, TensorTask)):
        return dataset
    if isinstance(dataset, str):
        for name, task in tasks.items():
            if name.lower() == dataset.lower():
                return task
    other = GRAPH_TASKS if kind == "image" else TASKS
    is_other = isinstance(dataset, GraphTask if kind == "image" else ImageTask) or (
        isinstance(dataset, str) and dataset.lower() in {n.lower() for n in other}
    )
    if is_other:
        this, that = ("a graph", "an image") if kind == "image" else ("an image", "a graph")
        raise ValueError(
            f"dataset {getattr(dataset, 'name', dataset)!r} is {this} dataset, not {that} "
            f"dataset ({kind} datasets: {', '.join(tasks)})"
        )
    make = (
        "nasperf.spaces.ImageTask(name, channels, resolution, num_classes), or "
        "TensorTask(name, shape, num_classes) for inputs that are not images"
        if kind == "image"
        else "nasperf.spaces.GraphTask(name, num_features, num_classes)"
    )
    raise ValueError(f"unknown dataset {dataset!r}; available: {', '.join(tasks)} (or pass {make})")


_BINARY = frozenset((0, 1))


def _refuse_row(i: int, row: Sequence[Any], n: int) -> None:
    """Raise for row ``i`` of a :class:`CellGraph` adjacency: the first bad entry named."""
    if len(row) != n:
        raise SpaceDefinitionError(
            f"CellGraph.adjacency[{i}]",
            row,
            f"has {len(row)} entries for {n} ops; it must be n x n with n = len(ops)",
        )
    for j, v in enumerate(row):
        if v not in _BINARY:
            raise SpaceDefinitionError(
                f"CellGraph.adjacency[{i}][{j}]", v, "adjacency entries must be 0 or 1"
            )
        if v and j <= i:
            edge = "is a self-loop" if j == i else "points backwards"
            raise SpaceDefinitionError(
                f"CellGraph.adjacency[{i}][{j}]",
                v,
                f"edge {i} -> {j} {edge}: the adjacency must be strictly upper triangular "
                "(nodes in topological order, no cycles)",
            )


def _check_labels(ops: Sequence[Any]) -> None:
    """Raise for the first label of ``ops`` (first and last node checked already) that is not
    a string, is an input after a non-input node, or is ``"output"`` before the last."""
    n = len(ops)
    k = 1
    while k < n - 1 and isinstance(ops[k], str) and ops[k].startswith("input"):
        k += 1
    for j in range(k, n - 1):
        label = ops[j]
        if not isinstance(label, str):
            reason = "node labels must be strings"
        elif label == "output":
            reason = "only the last node may be labelled 'output'"
        elif label.startswith("input"):
            reason = (
                "labels starting with 'input' mark a cell's inputs, which come first; "
                "an operation must have another name"
            )
        else:
            continue
        raise SpaceDefinitionError(f"CellGraph.ops[{j}]", label, reason)


@dataclass(frozen=True, slots=True)
class CellGraph:
    """A cell as a labelled DAG with operations on nodes.

    Parameters
    ----------
    adjacency : tuple of tuple of int
        ``n x n`` 0/1 matrix, ``adjacency[i][j] == 1`` for an edge i -> j. Nodes are in
        topological order, so the matrix is strictly upper triangular.
    ops : tuple of str
        Node labels. Input nodes are labelled ``"input"`` (or ``"input0"``, ``"input1"``, ...
        for cells with several inputs), the last node ``"output"``; the others carry an
        operation name from the space's ``ops``.

    Spaces with operations on edges (NAS-Bench-201, DARTS) give the standard conversion:
    one node per operation-carrying edge, as in NASLib and White et al.

    Raises
    ------
    SpaceDefinitionError
        The graph breaks this contract: ``adjacency`` not ``n x n`` for ``n = len(ops)``,
        an entry other than 0 / 1, an edge on or below the diagonal (a cycle or a node
        out of topological order), labels that are not strings, the first node not an
        input, an input after a non-input node, or ``"output"`` anywhere but last. The
        encodings, pruning and hashing read these graphs node by node and trust them.
    """

    adjacency: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        # About 2 us per 8-node cell: the graphs a space's code makes are checked here,
        # once, and trusted everywhere downstream (encodings, pruning, hashing).
        ops, adj = self.ops, self.adjacency
        n = len(ops)
        if len(adj) != n:
            raise SpaceDefinitionError(
                "CellGraph.adjacency",
                adj,
                f"has {len(adj)} rows for {n} ops; it must be n x n with n = len(ops)",
            )
        i = 0
        for row in adj:
            i += 1
            if len(row) != n or any(row[:i]) or not _BINARY.issuperset(row):
                _refuse_row(i - 1, row, n)
        if not n or not isinstance(ops[0], str) or not ops[0].startswith("input"):
            raise SpaceDefinitionError(
                "CellGraph.ops[0]",
                ops[0] if n else ops,
                "the first node must be an input (labelled 'input', or 'input0', 'input1', ...)",
            )
        if ops[-1] != "output":
            raise SpaceDefinitionError(
                f"CellGraph.ops[{n - 1}]", ops[-1], "the last node must be labelled 'output'"
            )
        for label in ops[1:-1]:
            if type(label) is not str or label.startswith("input") or label == "output":
                _check_labels(ops)  # also passes the further inputs of multi-input cells
                break

    @classmethod
    def _trusted(cls, adjacency: tuple[tuple[int, ...], ...], ops: tuple[str, ...]) -> CellGraph:
        """A graph derived from a checked one (e.g. :meth:`pruned`), not checked again."""
        graph = object.__new__(cls)
        object.__setattr__(graph, "adjacency", adjacency)
        object.__setattr__(graph, "ops", ops)
        return graph

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.ops)

    def matrix(self) -> np.ndarray:
        """Adjacency as an ``(n, n)`` int8 array."""
        return np.asarray(self.adjacency, dtype=np.int8).reshape(self.n_nodes, self.n_nodes)

    def edges(self) -> list[tuple[int, int]]:
        """All edges ``(src, dst)`` in row-major order."""
        return [(i, j) for i, row in enumerate(self.adjacency) for j, v in enumerate(row) if v]

    def pruned(self) -> CellGraph:
        """The cell restricted to nodes on some input -> output path.

        Nodes that no input reaches, or that do not reach the output, do not change what
        the cell computes; dropping them is NAS-Bench-101's pruning. A cell whose output no
        input reaches prunes to its inputs and output with no edges.
        """
        m = self.matrix().astype(bool)
        n = self.n_nodes
        inputs = [i for i, op in enumerate(self.ops) if op.startswith("input")]
        fwd = np.zeros(n, dtype=bool)
        fwd[inputs] = True
        for j in range(n):
            if not fwd[j]:
                fwd[j] = bool((m[:, j] & fwd).any())
        bwd = np.zeros(n, dtype=bool)
        bwd[n - 1] = True
        for i in range(n - 1, -1, -1):
            if not bwd[i]:
                bwd[i] = bool((m[i, :] & bwd).any())
        keep = fwd & bwd
        keep[inputs] = True
        keep[n - 1] = True
        idx = np.flatnonzero(keep)
        sub = m[np.ix_(idx, idx)]
        if not fwd[n - 1]:
            sub[:] = False
        return CellGraph._trusted(
            tuple(tuple(int(v) for v in row) for row in sub.astype(np.int8)),
            tuple(self.ops[i] for i in idx),
        )

    def is_connected(self) -> bool:
        """Whether some input reaches the output."""
        p = self.pruned()
        return bool(np.asarray(p.adjacency).any()) if p.n_nodes > 1 else False


@dataclass(frozen=True, slots=True)
class GraphBatch:
    """The cells of many architectures as padded arrays (operations on nodes).

    Attributes
    ----------
    adjacency : ndarray of uint8, shape (N, C, n, n)
        Adjacency of cell ``c`` of architecture ``i``; padding nodes have no edges.
    ops : ndarray of int16, shape (N, C, n)
        Node labels as indices into ``labels``; ``-1`` marks padding nodes.
    labels : tuple of str
        The node-label vocabulary (the space's ``node_labels``).
    """

    adjacency: np.ndarray
    ops: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def n_cells(self) -> int:
        """Cells per architecture ``C``."""
        return int(self.adjacency.shape[1])

    @property
    def max_nodes(self) -> int:
        """Padded node count ``n``."""
        return int(self.adjacency.shape[2])


def dag_hash(adjacency: Sequence[Sequence[int]] | np.ndarray, labels: Sequence[Any]) -> str:
    """Isomorphism-invariant hash of a labelled DAG (NAS-Bench-101's ``hash_module``).

    Each node starts from the md5 of ``str((out_degree, in_degree, label))``; for ``n``
    rounds each node's hash becomes the md5 of its sorted in-neighbour hashes, ``|``, its
    sorted out-neighbour hashes, ``|``, its own hash (Weisfeiler-Lehman refinement). The
    graph's hash is the md5 of ``str(sorted(node_hashes))``. With NAS-Bench-101's labels
    (-1 input, -2 output, else the index of the op in
    ``[conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3]``) on a pruned spec this is exactly the
    benchmark's module hash. Isomorphic graphs always hash equal; the converse holds for every
    pair of cells in NAS-Bench-101 (Ying et al., 2019).

    Parameters
    ----------
    adjacency : (n, n) array-like of 0/1
    labels : sequence of n labels (str or int), formatted with ``str`` / ``repr``.

    Returns
    -------
    str
        32 hex digits (md5).

    References
    ----------
    Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture Search", ICML 2019.
    """
    raw = np.asarray(adjacency)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.dtype.kind not in "biuf":
        raise ValueError(f"adjacency must be a square matrix of 0 / 1, got {short_repr(adjacency)}")
    m = raw.astype(np.int64)
    if not np.array_equal(m, raw) or ((m != 0) & (m != 1)).any():  # 1.5 had read as 1
        raise ValueError(f"adjacency must hold 0 / 1 only, got {short_repr(adjacency)}")
    n = m.shape[0]
    if len(labels) != n:
        raise ValueError(f"labels must name the adjacency's {n} nodes, got {len(labels)}")
    in_deg = m.sum(axis=0).tolist()
    out_deg = m.sum(axis=1).tolist()
    hashes = [
        hashlib.md5(str((out_deg[v], in_deg[v], labels[v])).encode("utf-8")).hexdigest()
        for v in range(n)
    ]
    preds = [np.flatnonzero(m[:, v]).tolist() for v in range(n)]
    succs = [np.flatnonzero(m[v, :]).tolist() for v in range(n)]
    for _ in range(n):
        hashes = [
            hashlib.md5(
                (
                    "".join(sorted(hashes[u] for u in preds[v]))
                    + "|"
                    + "".join(sorted(hashes[w] for w in succs[v]))
                    + "|"
                    + hashes[v]
                ).encode("utf-8")
            ).hexdigest()
            for v in range(n)
        ]
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


def _space_names() -> str:
    return ", ".join(SPACES.names(aliases=False))


def _arch_owners(kind: type) -> list[type]:
    """The registered space classes whose ``arch_type`` is exactly ``kind`` (each once)."""
    owners: dict[int, type] = {}
    for name in SPACES.names(aliases=False):
        cls = SPACES.get(name)
        if getattr(cls, "arch_type", None) is kind:
            owners.setdefault(id(cls), cls)
    return list(owners.values())


def one_result_per_network(
    space: SearchSpace, texts: Sequence[str], rows: np.ndarray
) -> tuple[bool, int | None]:
    """Whether a table stores one result per network: ``(shared, networks)``, ``shared``
    True when at least two of ``texts`` build the same network (equal ``space.hash``) and
    every such group has identical ``rows`` (NaN equal to NaN: the benchmark trained each
    network once and copied its results, as NAS-Bench-Macro did); False at the first group
    whose rows differ (NB201 trained isomorphic cells separately), or when no two texts
    share a network or the space cannot hash them (``networks`` is then None, else the
    distinct networks of ``texts``). ``rows``: one row of the values read per text. A
    table without shared networks hashes every text (~0.5 ms each with the default
    :meth:`SearchSpace.hash`); one with differing groups stops at the first."""
    from nasperf.errors import InvalidArchitectureError

    first: dict[str, int] = {}
    shared = False
    for i, text in enumerate(texts):
        try:
            key = space.hash(space.parse(text))
        except (NotImplementedError, InvalidArchitectureError):
            return False, None
        j = first.setdefault(key, i)
        if j != i:
            if not np.array_equal(rows[i], rows[j], equal_nan=True):
                return False, None
            shared = True
    return shared, len(first)


def space_of(value: Any) -> SearchSpace:
    """The registered search space whose architecture type ``value`` is (an instance).

    Architecture values know their space: the space registered (``SPACES``) with
    ``arch_type`` equal to ``type(value)``. Text and NASLib keys do not.

    Raises
    ------
    ValueError
        ``value`` is not an architecture value of exactly one registered space; the
        message says to pass ``space=``.
    """
    kind = type(value)
    owners = _arch_owners(kind)
    if len(owners) == 1:
        return _instance(owners[0])
    if owners:
        names = ", ".join(sorted(c.name for c in owners))
        raise ValueError(
            f"a {kind.__name__} belongs to several registered search spaces ({names}); "
            "pass space= to say which"
        )
    if isinstance(value, str | bytes):
        what = "architectures given as text do not say which space they belong to"
    else:
        what = f"no registered search space has architectures of type {kind.__name__}"
    raise ValueError(
        f"the search space is not known: pass space= (a registered name: {_space_names()}; or "
        f"a SearchSpace instance); {what}"
    )


_INSTANCES: dict[type, SearchSpace] = {}


@dataclass(frozen=True, slots=True)
class SupernetDecisions:
    """The categorical decisions of a space's weight-sharing supernet, known without
    building it (:meth:`SearchSpace.supernet_decisions`): the attributes of the same names
    that the built :class:`~nasperf.spaces.supernet.Supernet` has.

    Attributes
    ----------
    decisions : tuple of int
        Cardinality (>= 1) of each decision.
    decision_names : tuple of str
        A readable name per decision (``"edge 1<-0"``).
    default_split : tuple of int
        The decisions a few-shot supernet splits on by default (indices into
        ``decisions``).

    Raises
    ------
    SpaceDefinitionError
        A cardinality below 1, names and cardinalities of different lengths, or a default
        split that is not distinct indices of ``decisions`` (a space's code is wrong).
    """

    decisions: tuple[int, ...]
    decision_names: tuple[str, ...]
    default_split: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.decisions)
        if not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in self.decisions
        ):
            raise SpaceDefinitionError("decisions", self.decisions, "cardinalities are ints >= 1")
        if len(self.decision_names) != n:
            raise SpaceDefinitionError(
                "decision_names", self.decision_names, f"one name per decision ({n})"
            )
        split = self.default_split
        if len(set(split)) != len(split) or not all(
            isinstance(i, int) and 0 <= i < n for i in split
        ):
            raise SpaceDefinitionError(
                "default_split", split, f"distinct decision indices in 0..{n - 1}"
            )


def defines_supernet(cls: Any) -> bool:
    """Whether ``cls`` is a :class:`SearchSpace` subclass that defines its own
    :meth:`~SearchSpace.build_supernet` (the rule of :attr:`SearchSpace.has_supernet`, on
    the class: no instance is made)."""
    return (
        isinstance(cls, type)
        and issubclass(cls, SearchSpace)
        and cls.build_supernet is not SearchSpace.build_supernet
    )


def new_space(cls: type, **kwargs: Any) -> SearchSpace:
    """``cls(**kwargs)``, where a registered space class that leaves methods of
    :class:`SearchSpace` undefined gets a ``ValueError`` naming them (not Python's
    ``TypeError`` about abstract classes, which commands would show as a traceback)."""
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:
        name = getattr(cls, "name", cls.__qualname__)
        raise ValueError(
            f"search space {name!r} ({cls.__qualname__}) cannot be used: it does not define "
            f"{', '.join(missing)} (see docs/custom_space.md; a space without networks "
            "defines build_network to raise NotImplementedError)"
        )
    space = cls(**kwargs)
    if isinstance(space, SearchSpace):
        space._label_index()
    return space


def _instance(cls: type) -> SearchSpace:
    # Spaces hold rules, not per-call state, so one default instance per class is shared.
    if cls not in _INSTANCES:
        _INSTANCES[cls] = new_space(cls)
    return _INSTANCES[cls]


def _holds_architectures(values: Any) -> bool:
    """Whether a column (a pandas Series or a 1-D array) holds architectures rather than a
    feature: texts, or objects that are not numbers (architecture values); a column of
    numbers of object dtype stays a feature."""
    import pandas as pd

    dtype = values.dtype
    if getattr(dtype, "kind", "") in "US" or isinstance(dtype, pd.StringDtype):
        return True
    if not pd.api.types.is_object_dtype(dtype) or len(values) == 0:
        return False
    first = values.iloc[0] if isinstance(values, pd.Series) else values[0]
    return not isinstance(first, Number | np.bool_ | bool) and first is not None


def arch_column(archs: Any) -> Any:
    """``archs`` as a one-dimensional sequence where it is a table of one column of
    architectures: a one-column ``DataFrame`` of texts or values (what scikit-learn's
    ``ColumnTransformer`` passes for ``["arch"]``) gives that column, an ``(n, 1)`` array of
    texts its values. Anything else is returned as it is; a ``DataFrame`` of several
    columns of texts is an error naming them (which column holds the architectures is not
    knowable; ``list(df)`` would have read the column names as architectures)."""
    import pandas as pd

    if isinstance(archs, pd.DataFrame):
        texts = [c for c in archs.columns if _holds_architectures(archs[c])]
        if archs.shape[1] == 1 and texts:
            return archs.iloc[:, 0]
        if texts:
            raise ValueError(
                f"got a DataFrame of {archs.shape[1]} columns ({list(archs.columns)[:10]}) "
                "where architectures were expected; pass the column that holds them, e.g. "
                f"df[{texts[0]!r}]"
            )
    elif isinstance(archs, np.ndarray) and archs.ndim == 2 and archs.shape[1] == 1:
        if _holds_architectures(archs[:, 0]):
            return archs[:, 0]
    return archs


def resolve_space(space: Any, archs: Any = None) -> SearchSpace:
    """A space instance from a registered name, an instance, or (``space=None``) the
    architecture values in ``archs``.

    Parameters
    ----------
    space : str, SearchSpace or None
        ``None``: inferred from the first of ``archs`` with :func:`space_of`.
    archs : sequence, optional
        The architectures the space is for (only read when ``space`` is None).

    Raises
    ------
    ValueError
        ``space`` is None and cannot be inferred ("pass space="), or is neither a name nor
        a space.
    """
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, str):
        return new_space(SPACES.get(space))
    if space is None:
        first = None
        archs = arch_column(archs)
        if archs is not None and not isinstance(archs, str | bytes):
            try:
                first = archs[0] if len(archs) else None
            except (TypeError, KeyError, IndexError):
                first = None
        if first is None:
            raise ValueError(
                "the search space is not known: pass space= (a registered name: "
                f"{_space_names()}; or a SearchSpace instance)"
            )
        return space_of(first)
    raise ValueError(
        "space must be a registered name, a SearchSpace instance or None (inferred from "
        f"architecture values), got {type(space).__name__}"
    )


@lru_cache(maxsize=256)
def _checked_vocabulary(
    name: str, ops: Sequence[str], operations: Sequence[str], labels: Sequence[str]
) -> dict[str, int]:
    """See :meth:`SearchSpace._label_index` (cached: spaces check their names once)."""
    for attr, names in (("ops", ops), ("operations", operations), ("node_labels", labels)):
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise SpaceDefinitionError(
                attr, names, "expected a tuple of operation names (strings)", space=name
            )
        seen: dict[str, int] = {}
        for k, op in enumerate(names):
            if not isinstance(op, str) or not op:
                raise SpaceDefinitionError(
                    f"{attr}[{k}]", op, "names must be non-empty strings", space=name
                )
            if op in seen:
                raise SpaceDefinitionError(
                    f"{attr}[{k}]",
                    op,
                    f"listed twice ({attr}[{seen[op]}] and {attr}[{k}]); each name must "
                    "appear once",
                    space=name,
                )
            seen[op] = k
            if attr != "node_labels" and (op.startswith("input") or op == "output"):
                what = (
                    "labels starting with 'input' mark a cell's inputs"
                    if op.startswith("input")
                    else "'output' labels a cell's output node"
                )
                raise SpaceDefinitionError(
                    f"{attr}[{k}]",
                    op,
                    f"{what} (the encodings, pruning and hashing recognise them by name), so "
                    "an operation cannot be named so; give it another name",
                    space=name,
                )
    return {label: k for k, label in enumerate(labels)}


def _frozen_op_values(op_values: Any) -> Any:
    """``op_values`` as nested tuples in declared order (hashable, so its check is cached
    per declaration); anything that is not a mapping of mappings is returned as is, for
    :func:`_checked_op_values` to refuse."""
    if not isinstance(op_values, Mapping) or not all(
        isinstance(v, Mapping) for v in op_values.values()
    ):
        return op_values
    return tuple((label, tuple(fields.items())) for label, fields in op_values.items())


@lru_cache(maxsize=256)
def _checked_op_values(
    name: str, labels: Sequence[str], frozen: Any
) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """See :meth:`SearchSpace.node_value_table`: the field names and, per node label, the
    raw values (0.0 for a label left out), after checking the declaration (cached)."""
    if frozen is None or frozen == ():
        return (), tuple(() for _ in labels)
    if not isinstance(frozen, tuple):
        raise SpaceDefinitionError(
            "op_values",
            frozen,
            "expected a mapping from node label to a mapping of numeric fields, e.g. "
            "{'c8': {'width': 8}, 'c16': {'width': 16}}",
            space=name,
        )
    fields: tuple[str, ...] = ()
    rows: dict[str, dict[str, float]] = {}
    for k, (label, items) in enumerate(frozen):
        where = f"op_values[{label!r}]"
        if not isinstance(label, str) or label not in labels:
            raise SpaceDefinitionError(
                where, label, f"not a node label of the space ({', '.join(labels)})", space=name
            )
        if label.startswith("input") or label == "output":
            raise SpaceDefinitionError(
                where, label, "inputs and the output carry no operation values", space=name
            )
        got = tuple(f for f, _ in items)
        if k == 0:
            fields = got
            if not fields:
                raise SpaceDefinitionError(where, {}, "expected at least one field", space=name)
        elif set(got) != set(fields):
            missing = [f for f in fields if f not in got]
            extra = [f for f in got if f not in fields]
            first = frozen[0][0]
            raise SpaceDefinitionError(
                where,
                dict(items),
                f"every label must give the same fields as {first!r} ({', '.join(fields)})"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; not in {first!r}: {', '.join(map(str, extra))}" if extra else ""),
                space=name,
            )
        row = {}
        for field, value in items:
            if not isinstance(field, str) or not field.isidentifier():
                raise SpaceDefinitionError(
                    f"{where}[{field!r}]", field, "field names are identifiers", space=name
                )
            if (
                isinstance(value, bool)
                or not isinstance(value, Real)
                or not math.isfinite(float(value))
            ):
                raise SpaceDefinitionError(
                    f"{where}[{field!r}]", value, "expected a finite real number", space=name
                )
            row[field] = float(value)
        rows[label] = row
    table = tuple(
        tuple(rows[label][f] for f in fields) if label in rows else (0.0,) * len(fields)
        for label in labels
    )
    return fields, table


class SearchSpace(ABC, Generic[A]):
    """Base class of search spaces.

    Subclasses set the class attributes and implement the abstract methods; everything else
    (hashing, mutation, FLOPs / parameter counting, sampling of many architectures) comes
    from here and can be overridden where a space knows better.

    Class attributes
    ----------------
    name : str
        Registry name ("nb201", ...).
    ops : tuple of str
        Operation vocabulary used as node labels in :meth:`cells`.
    arch_type : type
        The architecture value class (frozen, hashable).
    op_values : mapping or None
        Optional numeric attributes of node labels, e.g. ``{"c8": {"width": 8}, ...}``
        (see :meth:`node_value_table`).
    """

    name: ClassVar[str] = "space"
    ops: ClassVar[tuple[str, ...]] = ()
    arch_type: ClassVar[type] = object
    #: Nodes of the largest cell graph :meth:`cells` returns (the padding width of
    #: :meth:`graph_batch`); ``None`` pads to the largest cell of each batch.
    max_nodes: ClassVar[int | None] = None
    #: Most operations on one input -> output path of a cell (sizes path encodings);
    #: ``None``: learnt from the architectures an encoder is fitted on.
    max_path_length: ClassVar[int | None] = None
    #: What the space's networks take: ``"image"`` batches (the default) or ``"graph"``
    #: node features and edges (:class:`GraphTask`); see :func:`resolve_task`.
    task_kind: ClassVar[str] = "image"
    #: The task the space's networks are built for where none is named: by
    #: :meth:`complexity` (``params``, ``flops``), :func:`nasperf.zero_cost.compute`, the
    #: on-demand proxies of hybrids and the zero-cost warm start of searches on a table. A
    #: name in :data:`TASKS` / :data:`GRAPH_TASKS` or a task object of your own (e.g.
    #: ``ImageTask("mydata", 1, 28, 10)``).
    default_dataset: ClassVar[Any] = "cifar10"
    #: Revision of what nasperf's own :meth:`build_network` builds, raised when a change
    #: alters a network's weights or outputs at the same seed. Where it is not 0 it keys
    #: the zero-cost cache and a ``nasperf proxies`` output, so scores of the networks built
    #: before are never read back. (A user's space is keyed by its source files instead:
    #: :func:`nasperf.zero_cost.compute.builder_digest`.)
    network_revision: ClassVar[int] = 0
    #: Numeric attributes of operation labels, for numeric choices (a layer's width, a
    #: kernel size, an expansion ratio): ``{label: {field: number}}``, every listed label
    #: giving the same fields, e.g. ``{"c8": {"width": 8}, "c16": {"width": 16}}`` or
    #: ``{"k3_e4": {"kernel": 3, "expand": 4}, ...}``. Labels left out (and inputs, the
    #: output) take 0. ``None`` (default): labels are categories only. The default
    #: encodings read these numbers (:meth:`node_value_table`), so that ``c8`` and ``c16``
    #: are neighbours rather than unrelated one-hot columns; checked with the vocabulary,
    #: once (:class:`SpaceDefinitionError` naming the label and the field).
    op_values: ClassVar[Mapping[str, Mapping[str, float]] | None] = None

    @property
    def node_labels(self) -> tuple[str, ...]:
        """Vocabulary of :class:`CellGraph` node labels: inputs, operations, output."""
        return ("input", *self.ops, "output")

    @property
    def operations(self) -> tuple[str, ...]:
        """The operation choices: node labels that are operations (default ``ops``).

        Spaces whose cell graphs carry structural labels (e.g. DARTS's ``sum`` nodes) list
        only the real operations here; path encodings and graph features use them.
        """
        return self.ops

    # ----------------------------------------------------------------- text formats
    @abstractmethod
    def parse(self, text: str) -> A:
        """Parse the space's native text format; raises ``InvalidArchitectureError``."""

    @abstractmethod
    def to_string(self, arch: A) -> str:
        """Format ``arch`` in the native text format (inverse of :meth:`parse`)."""

    def from_naslib(self, key: Any) -> A:
        """Architecture from a NASLib key (as in its zero-cost JSON files)."""
        raise NotImplementedError(f"{self.name} has no NASLib key format")

    def to_naslib(self, arch: A) -> Any:
        """NASLib key of ``arch`` (inverse of :meth:`from_naslib`)."""
        raise NotImplementedError(f"{self.name} has no NASLib key format")

    def coerce(self, value: Any) -> A:
        """Accept an architecture value, its native string, or a NASLib key.

        Raises ``InvalidArchitectureError`` for anything else, including keys of a space
        that has no NASLib format (``from_naslib`` not implemented).
        """
        if isinstance(value, self.arch_type):
            self.validate(value)
            return value
        if isinstance(value, str):
            try:
                return self.parse(value)
            except InvalidArchitectureError as text_error:
                try:
                    return self.from_naslib(value)
                except NotImplementedError:
                    pass
                except InvalidArchitectureError as key_error:
                    # A text written as a NASLib key ("(3, 2, 2, 1, 2, 5)") gets the key's
                    # error, not the text format's "must start with '|'".
                    if value.lstrip()[:1] in ("(", "["):
                        raise key_error from None
                raise text_error from None
        try:
            return self.from_naslib(value)
        except NotImplementedError:
            self._refuse_another_spaces(value)
            raise InvalidArchitectureError(
                "arch",
                value,
                f"expected a {self.arch_type.__name__} or its text ({self.name} has no NASLib "
                "key format)",
                space=self.name,
            ) from None
        except InvalidArchitectureError:
            self._refuse_another_spaces(value)
            raise

    def _refuse_another_spaces(self, value: Any) -> None:
        """An architecture value of another registered space is named as such, not read as
        a NASLib key ("expected six op indices"); asked only once ``value`` failed as one, so
        valid keys cost no registry scan."""
        owners = sorted(c.name for c in _arch_owners(type(value)))
        if owners:
            raise InvalidArchitectureError(
                "arch",
                value,
                f"a {type(value).__name__} is an architecture of {', '.join(owners)}, not of "
                f"{self.name}",
                space=self.name,
            ) from None

    @staticmethod
    def of(value: Any) -> SearchSpace:
        """The registered space of an architecture value (see :func:`space_of`)."""
        return space_of(value)

    def validate(self, arch: A) -> None:
        """Raise ``InvalidArchitectureError`` if ``arch`` is not a valid member of the space."""
        if not isinstance(arch, self.arch_type):
            raise InvalidArchitectureError(
                "arch", arch, f"expected a {self.arch_type.__name__}", space=self.name
            )

    # ----------------------------------------------------------------- graph views
    @abstractmethod
    def cells(self, arch: A) -> tuple[CellGraph, ...]:
        """The cells of ``arch`` as labelled DAGs with operations on nodes."""

    def _cells_of(self, arch: A) -> tuple[CellGraph, ...]:
        """:meth:`cells`, with a :class:`CellGraph` contract error naming this space and
        the architecture, and a result that is not a tuple of cells refused."""
        try:
            cells = self.cells(arch)
        except SpaceDefinitionError as err:
            if err.space is None:
                err._place(self.name, f"cells({self._text(arch)}): ")
            raise
        if not isinstance(cells, tuple | list) or not all(isinstance(c, CellGraph) for c in cells):
            raise SpaceDefinitionError(
                f"cells({self._text(arch)})",
                cells,
                "cells() must return a tuple of CellGraph (one per cell)",
                space=self.name,
            )
        return cells

    def _text(self, arch: A) -> str:
        """``arch`` in the space's text format, for error messages (bounded)."""
        try:
            return short_repr(self.to_string(arch))
        except Exception:  # the message is about another fault; never hide it
            return "arch"

    def _label_index(self) -> dict[str, int]:
        """``node_labels`` -> index, after checking the vocabulary (once per vocabulary).

        Raises
        ------
        SpaceDefinitionError
            An operation listed twice, an operation named ``input*`` or ``output`` (the
            labels of a cell's inputs and output, which the encodings, pruning and hashing
            recognise by name), a label that is not a non-empty string, or a repeated
            node label.
        """
        ops, operations, labels = self.ops, self.operations, self.node_labels
        try:
            index = _checked_vocabulary(self.name, ops, operations, labels)
        except TypeError:  # unhashable (lists): checked on every call
            index = _checked_vocabulary.__wrapped__(self.name, ops, operations, labels)
        if self.op_values is not None:
            self._op_value_rows()
        return index

    def _op_value_rows(self) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
        """``op_values`` checked against ``node_labels`` (cached per declaration)."""
        labels = tuple(self.node_labels)
        frozen = _frozen_op_values(self.op_values)
        try:
            return _checked_op_values(self.name, labels, frozen)
        except TypeError:  # an unhashable value inside: checked on every call
            return _checked_op_values.__wrapped__(self.name, labels, frozen)

    def node_value_table(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The numeric attributes of the node labels (:attr:`op_values`), as encoders read
        them: ``(fields, table)``, ``table`` float64 of shape ``(len(node_labels),
        len(fields))``, each field scaled to [0, 1] by the range of its declared values
        (``(v - min) / (max - min)``; a field with one value gives 0), 0 for labels left out,
        inputs and the output. ``((), (len(node_labels), 0) array)`` where the space declares
        none: the encodings then are what they were without this attribute.

        Raises
        ------
        SpaceDefinitionError
            ``op_values`` names a label that is not a node label (or an input / the
            output), gives labels different fields, or a value that is not a finite real
            number.
        """
        self._label_index()
        fields, rows = self._op_value_rows()
        if not fields:
            return fields, np.zeros((len(rows), 0), dtype=np.float64)
        table = np.array(rows, dtype=np.float64)
        declared = set(self.op_values or ())
        mask = np.array([label in declared for label in self.node_labels])
        lo, hi = table[mask].min(0), table[mask].max(0)
        # values beyond half of float64's range (-1e308, 1e308) overflow max - min: such
        # fields are scaled from halves, exact where it matters (no NaN feature)
        huge = np.abs(lo) > np.finfo(np.float64).max - np.abs(hi)
        table[:, huge], lo[huge], hi[huge] = table[:, huge] / 2, lo[huge] / 2, hi[huge] / 2
        span = hi - lo
        scaled = (table - lo) / np.where(span > 0, span, 1.0)
        scaled[~mask] = 0.0
        scaled[:, span == 0] = 0.0
        return fields, scaled

    def graph_batch(self, archs: Sequence[A], max_nodes: int | None = None) -> GraphBatch:
        """The cells of ``archs`` as padded arrays (see :class:`GraphBatch`).

        Parameters
        ----------
        archs : sequence of architectures (values or anything :meth:`coerce` accepts)
        max_nodes : int, optional
            Padding width; defaults to the space's ``max_nodes`` (or the largest cell).

        Spaces may override this with a vectorised version; the result must equal this one.
        """
        index = self._label_index()
        archs = [self.coerce(a) for a in archs]
        cells = [self._cells_of(a) for a in archs]
        n_cells = len(cells[0]) if cells else 1
        for i, cs in enumerate(cells):
            if len(cs) != n_cells:
                raise SpaceDefinitionError(
                    f"len(cells({self._text(archs[i])}))",
                    len(cs),
                    f"cells({self._text(archs[0])}) returned {n_cells}: every architecture "
                    "must have the same number of cells (give an optional cell as one "
                    "without edges: its inputs and output only)",
                    space=self.name,
                )
        width = (
            max_nodes or self.max_nodes or max((c.n_nodes for cs in cells for c in cs), default=1)
        )
        adj = np.zeros((len(archs), n_cells, width, width), dtype=np.uint8)
        ops = np.full((len(archs), n_cells, width), -1, dtype=np.int16)
        for i, cs in enumerate(cells):
            for c, cell in enumerate(cs):
                n = cell.n_nodes
                if n > width:
                    raise ValueError(
                        f"{self.name}: a cell has {n} nodes, more than max_nodes={width}"
                    )
                adj[i, c, :n, :n] = cell.adjacency
                try:
                    ops[i, c, :n] = [index[label] for label in cell.ops]
                except KeyError as err:
                    raise ValueError(
                        f"{self.name}: cell label {err.args[0]!r} is not in node_labels "
                        f"{self.node_labels}"
                    ) from None
        return GraphBatch(adjacency=adj, ops=ops, labels=self.node_labels)

    def hash(self, arch: A) -> str:
        """Isomorphism-invariant hash: equal for architectures that compute the same function.

        Default: each cell is pruned to its input -> output paths and hashed with
        :func:`dag_hash`; the cells' hashes are combined in order. ``arch`` may be anything
        :meth:`coerce` takes.
        """
        self._label_index()
        if type(arch) is not self.arch_type:
            arch = self.coerce(arch)
        parts = []
        for cell in self._cells_of(arch):
            p = cell.pruned()
            parts.append(dag_hash(p.adjacency, p.ops))
        if len(parts) == 1:
            return parts[0]
        return hashlib.md5("/".join(parts).encode()).hexdigest()

    def distinct_key(self, arch: A) -> Hashable:
        """What :attr:`size` counts as one architecture, so what ``sample(unique=True)`` keeps
        apart: the value itself by default (NB201's 15,625 cells, each trained separately);
        a space whose ``size`` counts networks returns :meth:`hash` (NB101: two specs that
        prune to one network are one of its 423,624 architectures and one row of its table).
        """
        return arch

    @property
    def has_supernet(self) -> bool:
        """Whether :meth:`build_supernet` is overridden: the space has a weight-sharing
        supernet, which weight-sharing predictors (``rsws``, ``oneshot``, ``fewshot``)
        train. Asked of the class, so nothing is built; a study skips those predictors on
        a space without one (:func:`nasperf.spaces.supernet_spaces` lists the spaces with
        one).

        The rule is the override alone: a space without a supernet leaves
        :meth:`build_supernet` undefined. One that overrides it only to raise (or to return
        something other than a :class:`~nasperf.spaces.supernet.Supernet`) counts as having
        one; a study plans its weight-sharing trials, and each fails at ``fit`` with one
        ``ValueError`` naming the predictor, the space and what ``build_supernet`` did
        (``RandomSamplingWeightSharing: search space 'mine' defines build_supernet, but
        build_supernet('cifar10') raised NotImplementedError (...)``). Nothing calls
        ``build_supernet`` to find out sooner: it builds a network."""
        return defines_supernet(type(self))

    @property
    def counts_networks(self) -> bool:
        """Whether :meth:`distinct_key` is overridden: several values of this space may be
        one architecture (NB101's isomorphic specs), so a study's splits keep the rows of
        one network on one side (:func:`nasperf.evaluation.make_split`)."""
        return type(self).distinct_key is not SearchSpace.distinct_key

    # ----------------------------------------------------------------- sampling and moves
    @abstractmethod
    def random_architecture(self, rng: np.random.Generator) -> A:
        """One architecture drawn uniformly (as the space defines uniform) from ``rng``."""

    def sample(self, n: int, seed: RandomState = 0, *, unique: bool | None = None) -> list[A]:
        """``n`` architectures drawn with :meth:`random_architecture`, reproducible by seed.

        Parameters
        ----------
        n : int
            How many architectures.
        seed : int, numpy Generator or None
        unique : bool, optional
            Distinct architectures only (repeats are redrawn; distinct as :attr:`size`
            counts them, :meth:`distinct_key`: NB101's specs by network), so that a sample
            split into train and test sets never holds one architecture on both sides.
            Default: True for
            finite spaces (``size`` known), False otherwise (where repeats are vanishingly
            rare). The draws are the same as without ``unique`` up to the first repeat.

        Where rejection of repeats needs more than ``20 n + 1000`` draws (``n`` near
        ``size``, or a ``random_architecture`` that favours few architectures), the rest
        is drawn from :meth:`enumerate`, on spaces of at most ``SAMPLE_ENUMERATE_MAX_SIZE``
        (1,000,000) architectures only: listing a larger space costs more memory than any
        sample is worth.

        Raises
        ------
        ValueError
            ``n`` above :data:`SAMPLE_MAX_N` (10,000,000); ``unique`` and ``n`` larger than
            the space's ``size``; or fewer than ``n``
            distinct architectures drawn and the space too large (or not enumerable) to
            draw the rest from its enumeration ("found only K distinct architectures in
            D draws").
        SpaceDefinitionError
            ``enumerate()`` yields fewer distinct architectures than ``size`` says, and
            than ``n``.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        if n > SAMPLE_MAX_N:
            raise ValueError(
                f"n={int(n):,d}: sample() returns at most {SAMPLE_MAX_N:,d} architectures "
                "(a list that long already takes gigabytes)"
            )
        if unique is not None and not isinstance(unique, bool | np.bool_):
            raise TypeError(f"unique must be True, False or None, got {short_repr(unique)}")
        n = int(n)
        rng = as_rng(seed)  # its error says random_state, as the corpus pins it
        self._label_index()
        size = self.size
        if unique is None:
            unique = size is not None
        if not unique:
            return [self.random_architecture(rng) for _ in range(n)]
        if size is not None and n > size:
            raise ValueError(
                f"cannot draw {n} distinct architectures from {self.name}, which has only "
                f"{size}; ask for at most {size}, or pass unique=False for repeats"
            )
        key = self.distinct_key
        seen: dict[Hashable, A] = {}  # distinct_key -> the first architecture drawn with it
        # Rejection is fast until the space is nearly exhausted (a coupon collector needs
        # size * ln(size) draws for all of it); past this many draws the rest comes from the
        # enumeration of a space of at most SAMPLE_ENUMERATE_MAX_SIZE architectures, so no
        # request costs unbounded time or memory.
        limit = 20 * n + 1000
        draws = 0
        # a bar shown only where the draws take more than 10 s (NB101: 20,000 took 40 s;
        # near its size, the 20 n + 1000 draws allowed would take half an hour), made only
        # for large n: a search's many small samples would pay for it (8 of sample(1)'s 23 us)
        bar = None
        if n >= _SAMPLE_BAR_FROM:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc=f"{self.name}: distinct architectures", delay=10, disable=None)
        while len(seen) < n and draws < limit:
            arch = self.random_architecture(rng)
            k = key(arch)
            if k not in seen:
                seen[k] = arch
                if bar is not None:
                    bar.update(1)
            draws += 1
        if bar is not None:
            bar.close()
        if len(seen) < n:
            found = (
                f"{self.name}: found only {len(seen)} distinct architectures in {draws} "
                f"draws, fewer than n={n}"
            )
            if size is None or size > SAMPLE_ENUMERATE_MAX_SIZE:
                why = (
                    ""
                    if size is None
                    else f" (its {size:,} architectures are too many to enumerate instead: "
                    f"random_architecture repeats itself too often)"
                )
                raise ValueError(f"{found}{why}; pass unique=False to allow repeats")
            try:
                rest_by_key = {key(a): a for a in self.enumerate()}
            except NotImplementedError:
                raise ValueError(f"{found}; pass unique=False to allow repeats") from None
            rest = [a for k, a in rest_by_key.items() if k not in seen]
            if len(rest) < n - len(seen):
                raise SpaceDefinitionError(
                    "size",
                    size,
                    f"enumerate() yields only {len(seen) + len(rest)} distinct architectures, "
                    f"fewer than size and than n={n}: size must count distinct "
                    "architectures (is an operation listed twice?)",
                    space=self.name,
                )
            for i in rng.choice(len(rest), size=n - len(seen), replace=False):
                seen[key(rest[int(i)])] = rest[int(i)]
        return list(seen.values())

    @abstractmethod
    def neighbors(self, arch: A) -> list[A]:
        """All valid architectures one elementary edit away (for local search)."""

    def mutate(self, arch: A, rng: RandomState = None) -> A:
        """A uniformly chosen neighbour of ``arch`` (a single elementary edit)."""
        nbrs = self.neighbors(arch)
        if not nbrs:
            raise ValueError(f"{self.name}: architecture has no neighbours to mutate to")
        return nbrs[int(as_rng(rng).integers(len(nbrs)))]

    # ----------------------------------------------------------------- isomorphic variants
    def isomorphic_variants(self, arch: A) -> list[A]:
        """Other encodings of the same architecture: its distinct isomorphic relabellings.

        Every architecture (``arch`` itself excluded) obtained by renumbering the nodes of
        ``arch``'s native cell structure so that it stays a valid member of the space (input
        first, output last, nodes in topological order). Each variant is a different value
        with ``hash(variant) == hash(arch)``: the same network written down differently,
        which order-sensitive encodings (adjacency matrices, one-hot ops) see as a new point.
        Graph-isomorphism augmentation (GIAug) trains predictors on them.

        Default: ``[]``: a space that cannot enumerate its relabellings gets no augmentation.
        The order is fixed (deterministic) and space-specific.

        References
        ----------
        Xie, Liu, Sun, Zhang & Tan, "Architecture Augmentation for Performance Predictor
        Based on Graph Isomorphism", arXiv:2207.00987, 2022.
        """
        return []

    def sample_isomorphic_variants(
        self, arch: A, k: int, random_state: RandomState = None
    ) -> list[A]:
        """At most ``k`` distinct :meth:`isomorphic_variants` of ``arch``, chosen at random.

        All of them (no random draw) when there are at most ``k``; otherwise ``k`` drawn
        uniformly without replacement from ``random_state``, returned in the order of
        :meth:`isomorphic_variants`. Spaces with very many variants override this to draw
        without listing them all; the result must equal this default's for the same state.
        """
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"k must be a non-negative int, got {k!r}")
        variants = self.isomorphic_variants(arch)
        if len(variants) <= k:
            return variants
        picked = _choose_sorted(len(variants), int(k), random_state)
        return [variants[i] for i in picked]

    @property
    def size(self) -> int | None:
        """Number of architectures if the space is enumerable, else ``None``."""
        return None

    def enumerate(self) -> Iterator[A]:
        """Every architecture of a finite space, in a fixed order."""
        raise NotImplementedError(f"{self.name} is too large to enumerate")

    # ----------------------------------------------------------------- networks
    @abstractmethod
    def build_network(self, arch: A, dataset: str | ImageTask = "cifar10", **kwargs: Any):
        """A ``torch.nn.Module`` classifier for ``arch`` as the benchmark trained it."""

    def supernet_decisions(self, **kwargs: Any) -> SupernetDecisions | None:
        """The decisions of the supernet that ``build_supernet(dataset, **kwargs)`` builds,
        without building it, or None where the space cannot tell before it builds one (the
        default: a space of your own may override this to have a study check a few-shot
        ``split`` when it is planned, rather than when the trial is fitted).

        Must equal the built supernet's ``decisions``, ``decision_names`` and
        ``default_split`` (NB201 and NB301 say so for any network size).
        """
        return None

    def build_supernet(self, dataset: str | ImageTask = "cifar10", **kwargs: Any):
        """A weight-sharing :class:`~nasperf.spaces.supernet.Supernet` over this space.

        This base method raises ``NotImplementedError`` (weight-sharing predictors then
        say which spaces they support: :func:`nasperf.spaces.supernet_spaces`). A space
        that defines this method has a supernet (:attr:`has_supernet`), so a space without
        one does not override it, not even to raise.
        """
        raise NotImplementedError(
            f"search space {self.name!r} has no weight-sharing supernet (build_supernet)"
        )

    def network_task(self, dataset: Any = None) -> ImageTask | TensorTask | GraphTask:
        """The task object of ``dataset`` for this space's networks: ``None`` or the name
        of the space's own task object (:attr:`default_dataset`) give that task; any other
        name or task goes through :func:`resolve_task` (of this space's ``task_kind``)."""
        own = self.default_dataset
        if dataset is None:
            dataset = own
        elif (
            isinstance(dataset, str)
            and not isinstance(own, str)
            and str(getattr(own, "name", "")).lower() == dataset.lower()
        ):
            dataset = own
        try:
            task = resolve_task(dataset, self.task_kind)
        except ValueError as err:
            if isinstance(dataset, str) and not isinstance(own, str):
                # the space's own task is a name the caller may give too
                raise ValueError(
                    f"{err}; space {self.name!r} also takes the name of its own task, "
                    f"{getattr(own, 'name', own)!r}"
                ) from None
            raise
        if dataset is not own:
            default = resolve_task(own, self.task_kind)
            kinds = {ImageTask: "an image task", TensorTask: "a TensorTask"}
            if type(default) in kinds and type(task) in kinds and type(task) is not type(default):
                # the space declared what its networks take; another kind of input would
                # fail in its builder (e.g. "'ImageTask' object has no attribute 'shape'")
                raise ValueError(
                    f"space {self.name!r} builds networks for {kinds[type(default)]} "
                    f"({default.name!r}, its default_dataset); {task.name!r} is "
                    f"{kinds[type(task)]}: name {default.name!r} or leave the dataset out"
                )
        return task

    def complexity(
        self,
        arch: A,
        dataset: str | ImageTask | None = None,
        *,
        convention: str = "naslib",
        **kwargs: Any,
    ) -> Complexity:
        """FLOPs and parameters of the network on one input of ``dataset`` (default: the
        space's :attr:`default_dataset`, the task ``zero_cost.compute`` builds for, so the
        ``params`` proxy and this agree).

        ``convention``: ``"naslib"`` (NASLib's FLOPs: BN, activations and pooling included)
        or ``"macs"`` (multiply-accumulates only: convolutions, linear layers, attention and
        matrix products, as macro benchmarks report them); see
        :mod:`nasperf.spaces.complexity`. ``kwargs`` go to
        :meth:`build_network`.

        The network runs on zeros of the task's shape (``task.input_shape(1)``), in its
        floating dtype; where its forward raises, an
        :class:`~nasperf.errors.ArchitectureFailedError` names the space, the architecture
        and those inputs (a network of token ids casts them in ``forward``:
        ``docs/custom_space.md``); where the builder returns a network nasperf cannot read
        (TorchScript, quantised layers), one naming the space, the architecture and the
        layer. Lazy modules (``nn.LazyLinear``) are initialised by a first forward. A graph
        network (a :class:`GraphTask`) is built on the CPU and counted per node, on a graph
        of one node and no edge (:meth:`GraphTask.one_node_graph`): message passing is free,
        so this is what the ``flops`` proxy counts on a whole graph, divided by its nodes; a
        forward that needs more than ``(x, edge_index)`` (``edge_attr``) needs its space to
        override this.
        """
        task = self.network_task(dataset)
        arch = self.coerce(arch)
        what = f"{self.name}.build_network"
        try:
            if isinstance(task, GraphTask):
                from torch import nn

                # graph layers cannot run on the meta device (their self loops have
                # data-dependent shapes): a module built on the CPU, as nbgraph counts
                net = self.build_network(arch, task, **kwargs)
                if not isinstance(net, nn.Module):
                    raise TypeError(
                        f"{what} returned {type(net).__name__}, expected a torch.nn.Module"
                    )
                dtype = next((p.dtype for p in net.parameters() if p.is_floating_point()), None)
                return count_complexity(
                    net, inputs=task.one_node_graph(dtype), convention=convention, what=what
                )
            return count_complexity(
                lambda: self.build_network(arch, task, **kwargs),
                task.input_shape(1),
                convention=convention,
                what=what,
            )
        except NetworkRunError as err:
            cause = err.__cause__ if err.__cause__ is not None else err
            step = f"counting FLOPs and parameters on {err.inputs} (task {task.name!r})"
            note = err.note
            if isinstance(task, GraphTask):
                inputs = "a graph of one node and no edge, (x, edge_index)"
                step = f"counting FLOPs and parameters per node on {inputs} (task {task.name!r})"
                note = (
                    "a graph space's networks are counted per node on such a graph (message "
                    "passing is free); one whose forward needs more (edge_attr, ...) overrides "
                    "complexity() (docs/custom_space.md)"
                )
            failed = architecture_failed(self.name, self.to_string(arch), step, cause, note)
        except UnsupportedNetworkError as err:  # a TorchScript or quantised network
            cause = err
            step = "counting FLOPs and parameters"
            failed = architecture_failed(self.name, self.to_string(arch), step, err)
        raise failed from cause

    def flops(
        self,
        arch: A,
        dataset: str | ImageTask | None = None,
        *,
        convention: str = "naslib",
        **kwargs: Any,
    ) -> float:
        """MFLOPs of one forward pass on one image: NASLib's count (``convention="naslib"``,
        default) or MACs of convolutions and linear layers (``convention="macs"``)."""
        return self.complexity(
            arch, self.network_task(dataset), convention=convention, **kwargs
        ).mflops

    def params(self, arch: A, dataset: str | ImageTask | None = None, **kwargs: Any) -> float:
        """Parameters of the network, in millions (``dataset``: as :meth:`complexity`)."""
        return self.complexity(arch, self.network_task(dataset), **kwargs).mparams

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
