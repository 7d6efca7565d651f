"""Vectorised graph computations on :class:`~nasperf.spaces.GraphBatch` arrays.

Every cell graph is a DAG whose nodes are in topological order (its adjacency is strictly
upper triangular), so dynamic programmes over paths run node by node, vectorised over all
architectures (and over node subsets) at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from nasperf.spaces import GraphBatch

#: Architectures per chunk of the per-architecture computations that hold ``(subsets x
#: architectures x cells x nodes x nodes)`` temporaries (GRAF): a bounded working set of a few
#: tens of MB, however many architectures are encoded.
CHUNK_ARCHS = 1024


def row_chunks(batch: GraphBatch, size: int | None = None) -> Iterator[tuple[int, GraphBatch]]:
    """``(start, rows start:start + size of batch)`` for consecutive chunks of ``batch``
    (views, not copies); ``size`` defaults to :data:`CHUNK_ARCHS`."""
    size = CHUNK_ARCHS if size is None else size
    for start in range(0, len(batch), size):
        stop = start + size
        yield start, GraphBatch(batch.adjacency[start:stop], batch.ops[start:stop], batch.labels)


def input_mask(batch: GraphBatch) -> np.ndarray:
    """``(N, C, n)`` bool: nodes labelled ``input*``."""
    codes = [k for k, label in enumerate(batch.labels) if label.startswith("input")]
    return np.isin(batch.ops, codes)


def output_mask(batch: GraphBatch) -> np.ndarray:
    """``(N, C, n)`` bool: nodes labelled ``output``."""
    return batch.ops == batch.labels.index("output")


def live_mask(batch: GraphBatch) -> np.ndarray:
    """``(N, C, n)`` bool: nodes on some input -> output path (inputs and output included
    when the output is reachable)."""
    adj = batch.adjacency.astype(bool)
    n = batch.max_nodes
    fwd = input_mask(batch).copy()
    for v in range(n):
        fwd[..., v] |= (adj[..., :v, v] & fwd[..., :v]).any(-1)
    bwd = output_mask(batch).copy()
    for v in range(n - 1, -1, -1):
        bwd[..., v] |= (adj[..., v, v + 1 :] & bwd[..., v + 1 :]).any(-1)
    return fwd & bwd


def path_statistics(
    batch: GraphBatch, allowed: np.ndarray, weight: np.ndarray
) -> dict[str, np.ndarray]:
    """Input -> output path statistics of the subgraphs induced by ``allowed`` nodes.

    Parameters
    ----------
    batch : GraphBatch
    allowed : bool array ``(S, N, C, n)``
        For each of ``S`` node subsets, which nodes may be on a path (inputs and the output
        must be allowed for a path to exist).
    weight : int array ``(N, C, n)``
        Length each node adds to a path (1 for an operation, 0 for structural nodes).

    Returns
    -------
    dict of ``(S, N, C)`` arrays
        ``n_paths`` (float32), ``min_length`` and ``max_length`` (``-1`` where no path),
        ``input_degree`` (edges leaving inputs into allowed nodes), ``output_degree``
        (edges entering the output from allowed nodes on a path from an input).
    """
    adj = batch.adjacency.astype(bool)[None]  # (1, N, C, n, n)
    n = batch.max_nodes
    is_in = input_mask(batch)[None]
    is_out = output_mask(batch)[None]
    allowed = allowed & (batch.ops >= 0)[None]
    shape = allowed.shape
    count = np.zeros(shape, dtype=np.float32)
    big = 10_000  # longer than any path; leaves int16 room for "+ weight"
    lo = np.full(shape, big, dtype=np.int16)
    hi = np.full(shape, -1, dtype=np.int16)
    start = is_in & allowed
    count[start] = 1.0
    lo[start] = 0
    hi[start] = 0
    w = np.broadcast_to(weight.astype(np.int16)[None], shape)
    for v in range(n):
        e = adj[..., :v, v] & allowed[..., v : v + 1] & ~is_in[..., v : v + 1]  # (S,N,C,v)
        if v == 0 or not e.any():
            continue
        reach = e & (count[..., :v] > 0)
        count[..., v] += (count[..., :v] * reach).sum(-1)
        any_reach = reach.any(-1)
        lo_v = np.where(reach, lo[..., :v], big).min(-1) + w[..., v]
        hi_v = (np.where(reach, hi[..., :v], -1).max(-1) + w[..., v]).astype(np.int16)
        lo[..., v] = np.where(any_reach, np.minimum(lo[..., v], lo_v), lo[..., v])
        hi[..., v] = np.where(any_reach, np.maximum(hi[..., v], hi_v), hi[..., v])
    out = is_out & allowed
    n_paths = np.where(out, count, 0.0).sum(-1)
    has = n_paths > 0
    min_length = np.where(has, np.where(out, lo, big).min(-1), -1)
    max_length = np.where(has, np.where(out, hi, -1).max(-1), -1)
    reachable = count > 0
    input_degree = (adj & start[..., :, None] & allowed[..., None, :]).sum((-1, -2))
    output_degree = (adj & (reachable & allowed)[..., :, None] & out[..., None, :]).sum((-1, -2))
    return {
        "n_paths": n_paths,
        "min_length": min_length,
        "max_length": max_length,
        "input_degree": input_degree,
        "output_degree": output_degree,
    }


def node_paths(adjacency: np.ndarray, sources: np.ndarray, sinks: np.ndarray) -> list[tuple]:
    """All node-index paths from a source to a sink of one DAG (upper-triangular ``(n, n)``).

    Used on the union of a batch's cell graphs: every path of any architecture in the batch
    is one of these.
    """
    adj = np.asarray(adjacency, dtype=bool)
    n = adj.shape[0]
    succ = [np.flatnonzero(adj[v]).tolist() for v in range(n)]
    paths: list[tuple] = []
    stack = [(int(s),) for s in np.flatnonzero(sources)]
    sink_set = set(np.flatnonzero(sinks).tolist())
    while stack:
        path = stack.pop()
        v = path[-1]
        if v in sink_set and len(path) > 1:
            paths.append(path)
        for w in succ[v]:
            stack.append((*path, w))
    return sorted(paths)
