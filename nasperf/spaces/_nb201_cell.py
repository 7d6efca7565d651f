"""The NB201-form cell shared by NAS-Bench-201 and TransNAS-Bench-101 micro.

A cell of this form is a DAG over 4 nodes (node 0 the input, node 3 the output) with one
operation on each of its 6 edges, listed in architecture-string order (1 <- 0), (2 <- 0),
(2 <- 1), (3 <- 0), (3 <- 1), (3 <- 2). The spaces differ only in their operation vocabulary;
the string format, the operations-on-nodes graph view (and its vectorised batch form) and the
isomorphic relabelling live here once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from nasperf.errors import InvalidArchitectureError

from .base import CellGraph, GraphBatch

__all__ = [
    "EDGES",
    "cell_graph",
    "cell_graph_batch",
    "check_cell_ops",
    "code_table",
    "format_cell",
    "parse_cell",
    "swapped_inner_nodes",
]

#: (dst, src) of each edge, in the order of the architecture string.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_NODES = 8  # cell graph: input, one node per edge, output
_GROUP_RE = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")


def check_cell_ops(ops: object, vocab: Sequence[str], space: str) -> tuple[str, ...]:
    """``ops`` as a tuple of 6 names from ``vocab``; raises ``InvalidArchitectureError``."""
    if not isinstance(ops, tuple | list) or len(ops) != 6:
        raise InvalidArchitectureError(
            "ops", ops, "expected a sequence of 6 operation names", space=space
        )
    for k, op in enumerate(ops):
        if op not in vocab:
            raise InvalidArchitectureError(
                f"ops[{k}]", op, f"unknown operation; expected one of {tuple(vocab)}", space=space
            )
    return tuple(ops)


def format_cell(ops: Sequence[str]) -> str:
    """``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` for the 6 edge operations ``ops``."""
    o = ops
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


def parse_cell(text: object, vocab: Sequence[str], space: str) -> tuple[str, ...]:
    """The 6 edge operations of an NB201-form architecture string (inverse of
    :func:`format_cell`); every operation must be in ``vocab``."""
    if not isinstance(text, str):
        raise InvalidArchitectureError("text", text, "expected an architecture string", space=space)
    s = text.strip()
    if not (s.startswith("|") and s.endswith("|")):
        raise InvalidArchitectureError(
            "text",
            text,
            "must start and end with '|' (e.g. |nor_conv_3x3~0|+|...|)",
            space=space,
        )
    groups = s.split("+")
    if len(groups) != 3:
        raise InvalidArchitectureError(
            "text",
            text,
            f"expected 3 node groups separated by '+', found {len(groups)}",
            space=space,
        )
    ops: list[str] = []
    for node, group in enumerate(groups, start=1):
        g = group.strip()
        if not (g.startswith("|") and g.endswith("|")):
            raise InvalidArchitectureError(
                f"node{node}", group, "a node group must be wrapped in '|'", space=space
            )
        items = g[1:-1].split("|")
        if len(items) != node:
            raise InvalidArchitectureError(
                f"node{node}", group, f"node {node} needs exactly {node} inputs", space=space
            )
        for src, item in enumerate(items):
            m = _GROUP_RE.match(item.strip())
            if m is None:
                raise InvalidArchitectureError(
                    f"node{node}.input{src}", item, "expected 'op~index'", space=space
                )
            op, idx = m.group(1), int(m.group(2))
            if idx != src:
                raise InvalidArchitectureError(
                    f"node{node}.input{src}",
                    item,
                    f"input index must be {src} at this position",
                    space=space,
                )
            if op not in vocab:
                raise InvalidArchitectureError(
                    f"node{node}.input{src}",
                    op,
                    f"unknown operation; expected one of {tuple(vocab)}",
                    space=space,
                )
            ops.append(op)
    return tuple(ops)


def cell_graph(ops: Sequence[str]) -> CellGraph:
    """One 8-node graph: input, one node per edge (string order), output.

    ``none`` edge-nodes are kept (so every cell has the same node layout) but get no edges.
    Edge-node ``(j <- i)`` feeds every edge-node leaving node ``j``, or the output when ``j``
    is the cell output.
    """
    n = N_NODES
    adj = np.zeros((n, n), dtype=np.int8)
    live = [op != "none" for op in ops]
    for e, (dst, src) in enumerate(EDGES):
        if not live[e]:
            continue
        if src == 0:
            adj[0, e + 1] = 1
        if dst == 3:
            adj[e + 1, n - 1] = 1
        for f, (_dst2, src2) in enumerate(EDGES):
            if live[f] and src2 == dst:
                adj[e + 1, f + 1] = 1
    return CellGraph(
        adjacency=tuple(tuple(int(v) for v in row) for row in adj),
        ops=("input", *ops, "output"),
    )


# Adjacency of cell_graph() when every edge is live; a none edge removes its node's edges.
_FULL_LAYOUT = np.array(cell_graph(("skip_connect",) * 6).adjacency, dtype=np.uint8)


@lru_cache(maxsize=4)
def code_table(vocab: tuple[str, ...]) -> tuple[dict[tuple[str, ...], int], np.ndarray]:
    """Operations tuple of every cell over ``vocab`` -> its row of a ``(len(vocab)**6, 6)``
    int16 array of operation codes (indices into ``vocab``): one dictionary lookup per cell in
    :func:`cell_graph_batch` instead of six (screening encodes hundreds of thousands of cells).
    """
    combos = list(itertools.product(range(len(vocab)), repeat=6))
    index = {tuple(vocab[c] for c in combo): i for i, combo in enumerate(combos)}
    return index, np.array(combos, dtype=np.int16)


def cell_graph_batch(
    ops: Sequence[tuple[str, ...]],
    vocab: tuple[str, ...],
    labels: tuple[str, ...],
    max_nodes: int | None,
    space: str,
) -> GraphBatch:
    """Vectorised :func:`cell_graph` for many cells (``labels``: ``("input", *vocab,
    "output")``), padded to ``max_nodes`` (default 8)."""
    width = max_nodes or N_NODES
    if width < N_NODES:
        raise ValueError(f"{space}: cells have {N_NODES} nodes, more than max_nodes={width}")
    row_of, all_codes = code_table(vocab)
    rows = np.fromiter(map(row_of.__getitem__, ops), dtype=np.int64, count=len(ops))
    op_idx = all_codes[rows]
    live = np.ones((len(ops), N_NODES), dtype=np.uint8)
    live[:, 1:7] = op_idx != vocab.index("none")
    adj = np.zeros((len(ops), 1, width, width), dtype=np.uint8)
    adj[:, 0, :N_NODES, :N_NODES] = _FULL_LAYOUT[None] * live[:, :, None] * live[:, None, :]
    codes = np.full((len(ops), 1, width), -1, dtype=np.int16)
    codes[:, 0, 0] = 0
    codes[:, 0, 1:7] = op_idx + 1
    codes[:, 0, 7] = len(vocab) + 1
    return GraphBatch(adjacency=adj, ops=codes, labels=labels)


def swapped_inner_nodes(ops: Sequence[str]) -> tuple[str, ...] | None:
    """The cell with inner nodes 1 and 2 renumbered, or ``None`` when that is not a
    different valid cell.

    Renumbering 1 <-> 2 turns edge (2 <- 1) into (1 <- 2), which the fixed topological order
    forbids unless it is ``none``; then the swap exchanges the edges (1 <- 0) / (2 <- 0) and
    (3 <- 1) / (3 <- 2).
    """
    o = tuple(ops)
    if o[2] != "none":
        return None
    swapped = (o[1], o[0], "none", o[3], o[5], o[4])
    return None if swapped == o else swapped
