"""NAS-Bench-Graph: graph neural architectures of 4 computing nodes (26,206 distinct ones).

An architecture is a DAG of 4 computing nodes in which every node has exactly one input:
``link[k]`` is the input of node ``k + 1`` (``0``: the node features, ``j``: node ``j``,
``link[k] <= k``), ``ops[k]`` its operation from ``gat, gcn, gin, cheb, sage, arma, graph``
(k-GNN), ``fc`` (a linear layer) and ``skip`` (identity). Nodes without successors (leaves)
feed the output, where their values are concatenated. The 24 link tuples and 9 operations
give 157,440 architectures (all-``skip`` ones excluded); 26,206 of them are distinct.
ogbn-proteins used five operations (``gcn, sage, arma, fc, skip``): 2,021 distinct ones,
space ``nbgraph-proteins``.

Text format
-----------
``"0 1 2 1|gcn gin fc cheb"``: the four links, ``|``, the four operations (the benchmark's
``Arch([0, 1, 2, 1], ['gcn', 'gin', 'fc', 'cheb'])``). ``coerce`` also takes the pair
``(link, ops)``.

Equivalence (``hash``)
----------------------
Two architectures are equal when they compute the same network:

* a ``skip`` node is contracted: its successors take its input instead, and a ``skip`` leaf
  outputs its input (an operation with two ``skip`` leaves is output twice);
* a value that equals the raw node features (reached from the input through ``skip`` nodes
  only) is not output, as in the benchmark's network (its width differs from the others');
* what remains is a tree of operations rooted at the input, each operation carrying how often
  its value is output; siblings are unordered.

The hash is the md5 of that rooted tree in canonical (sorted) form. On all 59,040 rows of
every dataset of the benchmark (its 9 link shapes x 9^4 operations) it gives exactly the
benchmark's ``valid_hash`` classes: 26,206 (2,021 of 5,616 rows for proteins).

Each class has one *representative* (:meth:`NBGraphSpace.canonical`): the tree in BFS order
with larger subtrees first (one of the benchmark's 9 link tuples), extra ``skip`` nodes
placed as a chain right after the input. ``enumerate``, ``sample``, ``neighbors`` and
``mutate`` return representatives, which index the benchmark tables
(``nasperf.load_benchmark("nbgraph", dataset)``).

Network
-------
:mod:`nasperf.spaces.nbgraph_network`: torch_geometric layers for the operations of the
skip-free tree, each followed by ``BatchNorm1d -> ReLU -> Dropout``, pre- / post-processing
linear layers and a classifier. Hidden width and processing layers per dataset
(:data:`NBGRAPH_HPARAMS`) were read off the benchmark's parameter counts: with them the
network's parameter count plus ``2 * hidden`` for each ``skip`` node of the benchmark's
4-node network (the benchmark counts a normalisation layer of every computing node, its
unused ones included) equals ``params_m`` on every row of every dataset but physics.

References
----------
Qin, Zhang, Wang, Zhang & Zhu, "NAS-Bench-Graph: Benchmarking Graph Neural Architecture
Search", NeurIPS 2022 Datasets and Benchmarks.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from nasperf.errors import InvalidArchitectureError

from .base import SPACES, CellGraph, GraphTask, SearchSpace, resolve_task
from .complexity import Complexity, check_convention, count_complexity
from .nbgraph_network import NBGraphNetwork, OperationLayer, mlp_layer

__all__ = [
    "CANONICAL_LINKS",
    "NBGRAPH_HPARAMS",
    "NBGRAPH_OPS",
    "PROTEINS_OPS",
    "NBGraphArch",
    "NBGraphProteinsSpace",
    "NBGraphSpace",
]

#: The operations, in the benchmark's order.
NBGRAPH_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: The operations of the ogbn-proteins part of the benchmark.
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
#: The 9 rooted-tree shapes of 4 nodes as link tuples: nodes numbered breadth-first, larger
#: subtrees first (the benchmark's own list; its tables hold these links only).
CANONICAL_LINKS: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
#: ``(hidden, num_pre, num_post)`` of each dataset's network, read off the benchmark's
#: parameter counts (``params_m``).
NBGRAPH_HPARAMS: dict[str, tuple[int, int, int]] = {
    "cora": (256, 0, 1),
    "citeseer": (256, 0, 1),
    "pubmed": (128, 0, 0),
    "cs": (128, 1, 0),
    "physics": (256, 1, 0),
    "photo": (128, 0, 0),
    "computers": (64, 1, 1),
    "arxiv": (128, 0, 1),
    "proteins": (256, 1, 1),
}
#: Defaults for graph datasets of the user's (:class:`~nasperf.spaces.GraphTask`).
DEFAULT_HPARAMS: tuple[int, int, int] = (128, 0, 1)

_N = 4  # computing nodes
_MAX_TEXT = 200
_LINK_RE = re.compile(r"^\d{1,2}$")


def _err(field: str, value: Any, reason: str, space: str = "nbgraph") -> InvalidArchitectureError:
    return InvalidArchitectureError(field, value, reason, space=space)


def _check_link(link: Any) -> tuple[int, ...]:
    if not isinstance(link, tuple | list) or len(link) != _N:
        raise _err("link", link, f"expected {_N} node inputs")
    out = []
    for k, v in enumerate(link):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v <= k:
            raise _err(f"link[{k}]", v, f"node {k + 1}'s input must be an int in 0..{k}")
        out.append(int(v))
    return tuple(out)


def _check_ops(ops: Any) -> tuple[str, ...]:
    if not isinstance(ops, tuple | list) or len(ops) != _N:
        raise _err("ops", ops, f"expected {_N} operation names")
    for k, op in enumerate(ops):
        if op not in NBGRAPH_OPS:
            raise _err(f"ops[{k}]", op, f"unknown operation; expected one of {NBGRAPH_OPS}")
    if all(op == "skip" for op in ops):
        raise _err("ops", tuple(ops), "at least one operation must not be 'skip'")
    return tuple(ops)


@dataclass(frozen=True, slots=True)
class NBGraphArch:
    """A NAS-Bench-Graph architecture: each node's input and operation.

    ``link[k]`` is the input of node ``k + 1`` (0: the node features), ``ops[k]`` its operation.
    """

    link: tuple[int, int, int, int]
    ops: tuple[str, str, str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "link", _check_link(self.link))
        object.__setattr__(self, "ops", _check_ops(self.ops))

    def __str__(self) -> str:
        return NBGraphSpace.format(self)


# ------------------------------------------------------------------ canonical form
# A tree is written as a string: an operation node is ``op`` + how often it is output (one
# digit) + ``(`` + its children's strings, sorted, concatenated + ``)``, e.g.
# ``gcn0(gat1()sage2())``; a tree is its root's children, sorted and concatenated. Sorting
# strings is what makes the form canonical (AHU's tree encoding); it is also fast.


@lru_cache(maxsize=32)
def _children(link: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    kids: list[list[int]] = [[] for _ in range(_N + 1)]
    for k, parent in enumerate(link):
        kids[parent].append(k + 1)
    return tuple(tuple(c) for c in kids)


@lru_cache(maxsize=1 << 18)
def _tree(link: tuple[int, ...], ops: tuple[str, ...]) -> str:
    """The canonical operation tree of ``(link, ops)`` (see the module docstring)."""
    children = _children(link)
    # handed[v]: what node v hands to its nearest operation ancestor: operation strings, and
    # how many outputs of the ancestor's value (skip leaves) it carries.
    handed: list[tuple[list[str], int]] = [([], 0)] * (_N + 1)
    for v in range(_N, 0, -1):  # inputs precede their nodes: children before parents
        kids: list[str] = []
        outs = 0
        for c in children[v]:
            kids.extend(handed[c][0])
            outs += handed[c][1]
        if ops[v - 1] == "skip":
            handed[v] = (kids, outs) if children[v] else ([], 1)
        else:
            kids.sort()
            times = outs if children[v] else 1
            handed[v] = ([f"{ops[v - 1]}{times}({''.join(kids)})"], 0)
    # outputs handed to the input are raw features: not output (see the module docstring)
    return "".join(sorted(s for c in children[0] for s in handed[c][0]))


@lru_cache(maxsize=1 << 14)
def _split(text: str) -> tuple[str, ...]:
    """The top-level node strings of a concatenation of node strings."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                parts.append(text[start : i + 1])
                start = i + 1
    return tuple(parts)


@lru_cache(maxsize=1 << 14)
def _node(text: str) -> tuple[str, int, tuple[str, ...]]:
    """``(op, times output, children)`` of one node string."""
    cut = text.index("(")
    return text[: cut - 1], int(text[cut - 1]), _split(text[cut + 1 : -1])


# Laying out a representative: every operation node gets its skip leaves (one per output
# when it has successors or is output more than once), siblings are ordered by decreasing
# subtree size, then by text; nodes are numbered breadth-first.
_SKIP = "skip"


def _size(text: str) -> int:
    return 1 if text == _SKIP else _layout(text)[0]


def _rank(text: str) -> tuple[int, str]:
    return (-_size(text), text)


@lru_cache(maxsize=1 << 14)
def _layout(text: str) -> tuple[int, tuple[str, ...]]:
    """Nodes in the subtree of operation node ``text`` and its children in layout order."""
    _, times, kids = _node(text)
    every = kids + (_SKIP,) * (times if (kids or times > 1) else 0)
    return 1 + sum(map(_size, every)), tuple(sorted(every, key=_rank))


@lru_cache(maxsize=1 << 15)
def _representative(tree: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``(link, ops)`` of the class representative of ``tree``."""
    roots = _split(tree)
    pad = _N - sum(map(_size, roots))
    # padding skips: a chain from the input, the operations hang off its last node
    link: list[int] = list(range(pad))
    ops: list[str] = [_SKIP] * pad
    queue = deque((pad, t) for t in sorted(roots, key=_rank))
    while queue:
        parent, text = queue.popleft()
        link.append(parent)
        if text == _SKIP:
            ops.append(_SKIP)
            continue
        ops.append(_node(text)[0])
        number = len(link)
        queue.extend((number, k) for k in _layout(text)[1])
    return tuple(link), tuple(ops)


def _trusted(link: tuple[int, ...], ops: tuple[str, ...]) -> NBGraphArch:
    # An architecture built here from a valid one: skip re-validating it.
    arch = object.__new__(NBGraphArch)
    object.__setattr__(arch, "link", link)
    object.__setattr__(arch, "ops", ops)
    return arch


@lru_cache(maxsize=4)
def _classes(ops: tuple[str, ...]) -> tuple[NBGraphArch, ...]:
    """The representative of every distinct architecture over operations ``ops``."""
    seen: dict[str, NBGraphArch] = {}
    for link in CANONICAL_LINKS:
        for combo in itertools.product(ops, repeat=_N):
            if "skip" == combo[0] == combo[1] == combo[2] == combo[3]:
                continue
            tree = _tree.__wrapped__(link, combo)  # each combination once: skip the cache
            if tree not in seen:
                seen[tree] = _trusted(*_representative(tree))
    return tuple(seen.values())


def _plan(tree: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    ops: list[str] = []
    parents: list[int] = []
    outputs: list[int] = []

    def visit(text: str, parent: int) -> None:
        op, times, kids = _node(text)
        index = len(ops)
        ops.append(op)
        parents.append(parent)
        outputs.extend([index] * times)
        for k in kids:
            visit(k, index)

    for n in _split(tree):
        visit(n, -1)
    return tuple(ops), tuple(parents), tuple(outputs)


# ------------------------------------------------------------------ the space
@SPACES.register("nbgraph", "nas-bench-graph", "nasbenchgraph")
class NBGraphSpace(SearchSpace[NBGraphArch]):
    """The NAS-Bench-Graph space (see the module docstring)."""

    name = "nbgraph"
    ops = NBGRAPH_OPS
    arch_type = NBGraphArch
    max_nodes = _N + 2
    max_path_length = _N
    task_kind = "graph"
    #: Architectures a search's zero-cost warm start scores when no table of proxies exists
    #: (``proxy_pool=None``; spaces without this attribute score 1,000): synflow + params
    #: take ~1.3 s per GNN on the packaged Cora graph on one core (~5 s on CiteSeer's 3,703
    #: features), so 1,000 would hold the first search for ~20 min or more.
    proxy_pool_size = 100
    #: Its networks are too slow (~1 s each on one core) to score every candidate of a
    #: search: predictor-guided searches keep the warm start only (see
    #: ``nasperf.search._proxy_pool.ON_DEMAND_MAX_SECONDS``), on any machine.
    on_demand_proxies = False
    #: Dataset whose network :meth:`build_network` builds when none is named.
    default_dataset = "cora"

    # ------------------------------------------------------------ formats
    @staticmethod
    def format(arch: NBGraphArch) -> str:
        """The text ``"links|ops"`` of ``arch`` (space-separated), not validated
        (:meth:`to_string` validates first, then formats)."""
        return " ".join(map(str, arch.link)) + "|" + " ".join(arch.ops)

    def to_string(self, arch: NBGraphArch) -> str:
        self.validate(arch)
        return self.format(arch)

    def parse(self, text: str) -> NBGraphArch:
        if not isinstance(text, str):
            raise _err("text", text, "expected a string like '0 1 2 1|gcn gin fc cheb'", self.name)
        if len(text) > _MAX_TEXT:
            raise _err("text", text[:40], f"longer than {_MAX_TEXT} characters", self.name)
        parts = text.strip().split("|")
        if len(parts) != 2:
            raise _err(
                "text",
                text,
                "expected 'links|operations', e.g. '0 1 2 1|gcn gin fc cheb'",
                self.name,
            )
        links = parts[0].split()
        for k, tok in enumerate(links):
            if not _LINK_RE.match(tok):
                raise _err(f"link[{k}]", tok, "expected a node index", self.name)
        try:
            arch = NBGraphArch(tuple(int(t) for t in links), tuple(parts[1].split()))
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(
                err.field, err.value, err.reason, space=self.name
            ) from None
        self.validate(arch)
        return arch

    def coerce(self, value: Any) -> NBGraphArch:
        """An architecture value, its text, or the pair ``(link, ops)``."""
        if isinstance(value, tuple | list) and len(value) == 2 and not isinstance(value[0], str):
            arch = NBGraphArch(*value)
            self.validate(arch)
            return arch
        if isinstance(value, NBGraphArch | str):
            return super().coerce(value)
        raise _err(
            "arch", value, "expected an NBGraphArch, its text or a (link, ops) pair", self.name
        )

    def validate(self, arch: NBGraphArch) -> None:
        super().validate(arch)
        for k, op in enumerate(arch.ops):
            if op not in self.ops:
                raise _err(
                    f"ops[{k}]", op, f"not an operation of {self.name}: {self.ops}", self.name
                )

    # ------------------------------------------------------------ equivalence
    def tree(self, arch: NBGraphArch) -> str:
        """The canonical operation tree as text: per operation ``op``, how often its value is
        output, and its successors in parentheses, siblings sorted; ``skip`` nodes contracted
        (e.g. ``"gcn0(gat1()sage2())"``: gcn feeds gat and sage, sage output twice)."""
        arch = self.coerce(arch)
        return _tree(arch.link, arch.ops)

    def hash(self, arch: NBGraphArch) -> str:
        """md5 of :meth:`tree`: equal exactly when the networks are equal (see the module
        docstring); reproduces the benchmark's ``valid_hash`` classes."""
        return hashlib.md5(self.tree(arch).encode("utf-8")).hexdigest()

    def canonical(self, arch: NBGraphArch) -> NBGraphArch:
        """The representative of ``arch``'s class: the architecture the benchmark tables list."""
        return _trusted(*_representative(self.tree(arch)))

    def network_plan(
        self, arch: NBGraphArch
    ) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
        """``(ops, parents, outputs)`` of the skip-free network (see
        :class:`~nasperf.spaces.nbgraph_network.NBGraphNetwork`), in canonical order."""
        return _plan(self.tree(arch))

    # ------------------------------------------------------------ graph view
    def cells(self, arch: NBGraphArch) -> tuple[CellGraph, ...]:
        """One 6-node graph: input, the 4 computing nodes as given (``skip`` included), output.

        Node ``link[k]`` feeds node ``k + 1``; leaves feed the output, except ``skip`` leaves
        that carry the raw features (only ``skip`` nodes between them and the input), which
        the network does not output.
        """
        self.validate(arch)
        n = _N + 2
        adj = np.zeros((n, n), dtype=np.int8)
        raw = [False] * (_N + 1)
        raw[0] = True
        has_child = [False] * (_N + 1)
        for k, parent in enumerate(arch.link):
            adj[parent, k + 1] = 1
            has_child[parent] = True
            raw[k + 1] = raw[parent] and arch.ops[k] == "skip"
        for v in range(1, _N + 1):
            if not has_child[v] and not raw[v]:
                adj[v, n - 1] = 1
        return (
            CellGraph(
                adjacency=tuple(tuple(int(x) for x in row) for row in adj),
                ops=("input", *arch.ops, "output"),
            ),
        )

    # ------------------------------------------------------------ sampling and moves
    @property
    def size(self) -> int:
        """Distinct architectures: 26,206 (2,021 for ``nbgraph-proteins``)."""
        known = {NBGRAPH_OPS: 26_206, PROTEINS_OPS: 2_021}  # tests check them against enumerate
        return known[self.ops] if self.ops in known else len(_classes(self.ops))

    def enumerate(self) -> Iterator[NBGraphArch]:
        """The representative of every distinct architecture (fixed order)."""
        return iter(_classes(self.ops))

    def random_architecture(self, rng: np.random.Generator) -> NBGraphArch:
        """A distinct architecture drawn uniformly (as a table row of the benchmark)."""
        classes = _classes(self.ops)
        return classes[int(rng.integers(len(classes)))]

    def neighbors(self, arch: NBGraphArch) -> list[NBGraphArch]:
        """Distinct architectures one edit of ``arch`` away, as representatives.

        Edits: one node's operation changed, or one node's input moved to another earlier
        node. Edits giving ``arch``'s own class or an earlier neighbour's are dropped.
        Operation edits come first (node order), then input edits.
        """
        arch = self.coerce(arch)
        seen = {self.tree(arch)}
        out: list[NBGraphArch] = []

        def consider(link: tuple[int, ...], ops: tuple[str, ...]) -> None:
            if all(op == "skip" for op in ops):
                return
            tree = _tree(link, ops)
            if tree not in seen:
                seen.add(tree)
                out.append(_trusted(*_representative(tree)))

        for k in range(_N):
            for op in self.ops:
                if op != arch.ops[k]:
                    consider(arch.link, (*arch.ops[:k], op, *arch.ops[k + 1 :]))
        for k in range(_N):
            for parent in range(k + 1):
                if parent != arch.link[k]:
                    consider((*arch.link[:k], parent, *arch.link[k + 1 :]), arch.ops)
        return out

    def isomorphic_variants(self, arch: NBGraphArch) -> list[NBGraphArch]:
        """``arch`` with its computing nodes renumbered: every order in which each node's
        input comes before it, as a distinct value (``arch`` excluded; order of the
        permutations, lexicographic)."""
        arch = self.coerce(arch)
        seen = {arch}
        out: list[NBGraphArch] = []
        for order in itertools.permutations(range(1, _N + 1)):
            new = {0: 0, **{old: i + 1 for i, old in enumerate(order)}}
            link = tuple(new[arch.link[old - 1]] for old in order)
            if any(p > k for k, p in enumerate(link)):
                continue
            cand = NBGraphArch(link, tuple(arch.ops[old - 1] for old in order))
            if cand not in seen:
                seen.add(cand)
                out.append(cand)
        return out

    # ------------------------------------------------------------ networks
    def _settings(
        self,
        dataset: str | GraphTask | None,
        hidden: int | None,
        num_pre: int | None,
        num_post: int | None,
    ) -> tuple[GraphTask, int, int, int]:
        task = resolve_task(self.default_dataset if dataset is None else dataset, "graph")
        h, pre, post = NBGRAPH_HPARAMS.get(task.name, DEFAULT_HPARAMS)
        h = h if hidden is None else hidden
        pre = pre if num_pre is None else num_pre
        post = post if num_post is None else num_post
        for field, v, low in (("hidden", h, 2), ("num_pre", pre, 0), ("num_post", post, 0)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < low:
                raise ValueError(f"{field} must be an int >= {low}, got {v!r}")
        if h % 2:
            raise ValueError(f"hidden must be even (gat has 2 heads of hidden / 2), got {h}")
        return task, int(h), int(pre), int(post)

    def build_network(
        self,
        arch: NBGraphArch,
        dataset: str | GraphTask | None = None,
        *,
        hidden: int | None = None,
        num_pre: int | None = None,
        num_post: int | None = None,
        dropout: float = 0.0,
    ) -> NBGraphNetwork:
        """The GNN of ``arch`` for ``dataset`` (default :attr:`default_dataset`).

        ``hidden``, ``num_pre`` and ``num_post`` default to the dataset's
        :data:`NBGRAPH_HPARAMS` (:data:`DEFAULT_HPARAMS` for other graphs). ``dropout``
        defaults to 0: the benchmark's training dropout is not recorded with its data, and
        zero-cost proxies run in train mode, where dropout would make them noisy.
        """
        arch = self.coerce(arch)
        task, h, pre, post = self._settings(dataset, hidden, num_pre, num_post)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        ops, parents, outputs = self.network_plan(arch)
        return NBGraphNetwork(
            ops,
            parents,
            outputs,
            task.num_features,
            task.num_classes,
            hidden=h,
            num_pre=pre,
            num_post=post,
            dropout=float(dropout),
        )

    def complexity(
        self,
        arch: NBGraphArch,
        dataset: str | GraphTask | None = None,
        *,
        hidden: int | None = None,
        num_pre: int | None = None,
        num_post: int | None = None,
        dropout: float = 0.0,
        convention: str = "naslib",
    ) -> Complexity:
        """Parameters and per-node FLOPs of :meth:`build_network`'s network, exact.

        FLOPs count the dense transforms of one node (one sample), as
        :func:`~nasperf.spaces.count_complexity` counts the network on a one-node graph;
        message passing is not counted (see :mod:`nasperf.spaces.complexity`). Summed from
        per-layer costs counted once and cached, so no network is built.
        """
        arch = self.coerce(arch)
        cv = check_convention(convention)
        task, h, pre, post = self._settings(dataset, hidden, num_pre, num_post)
        ops, parents, outputs = self.network_plan(arch)
        parts = [_mlp_cost(task.num_features if k == 0 else h, h, cv) for k in range(pre)]
        width = h if pre else task.num_features
        parts += [
            _node_cost(op, width if p < 0 else h, h, cv) for op, p in zip(ops, parents, strict=True)
        ]
        concat = h * len(outputs)
        parts += [_mlp_cost(concat if k == 0 else h, h, cv) for k in range(post)]
        parts.append(_linear_cost(h if post else concat, task.num_classes, cv))
        return Complexity(
            mflops=sum(c.mflops for c in parts), mparams=sum(c.mparams for c in parts)
        )


@SPACES.register("nbgraph-proteins", "nas-bench-graph-proteins")
class NBGraphProteinsSpace(NBGraphSpace):
    """The ogbn-proteins part of NAS-Bench-Graph: operations ``gcn, sage, arma, fc, skip``."""

    name = "nbgraph-proteins"
    ops = PROTEINS_OPS
    default_dataset = "proteins"


# ------------------------------------------------------------------ cached layer costs
def _one_node(width: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.zeros(1, width), torch.zeros(2, 0, dtype=torch.long)


@lru_cache(maxsize=256)
def _node_cost(op: str, in_channels: int, hidden: int, convention: str) -> Complexity:
    return count_complexity(
        OperationLayer(op, in_channels, hidden, 0.0),
        inputs=_one_node(in_channels),
        convention=convention,
    )


@lru_cache(maxsize=64)
def _mlp_cost(in_features: int, out_features: int, convention: str) -> Complexity:
    return count_complexity(
        mlp_layer(in_features, out_features, 0.0),
        inputs=_one_node(in_features)[:1],
        convention=convention,
    )


@lru_cache(maxsize=64)
def _linear_cost(in_features: int, out_features: int, convention: str) -> Complexity:
    return count_complexity(
        nn.Linear(in_features, out_features),
        inputs=_one_node(in_features)[:1],
        convention=convention,
    )
