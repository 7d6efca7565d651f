"""Graphs for zero-cost proxies of graph neural networks: Cora and CiteSeer.

:func:`load_graph` returns a ``torch_geometric.data.Data`` with node features ``x``
(float32, ``(N, F)``), labels ``y``, edges ``edge_index`` (int64 ``(2, E)``, both directions),
the standard public split (``train_mask`` / ``val_mask`` / ``test_mask``: 140 / 500 / 1,000
nodes for Cora, 120 / 500 / 1,000 for CiteSeer) and ``mask``: the nodes a zero-cost proxy
scores (all training nodes, or ``n`` of them drawn with ``seed``). The Planetoid graphs ship
with nasperf (``graphs/{cora,citeseer}.npz``, ~0.5 MB); a user's own ``.npz`` with the same
arrays works too. Files are read header first, never as pickles (:mod:`nasperf._npz`), and
checked against the schema before use.

References
----------
Yang, Cohen & Salakhutdinov, "Revisiting Semi-Supervised Learning with Graph Embeddings",
ICML 2016 (the Planetoid splits); Sen et al., "Collective Classification in Network Data",
AI Magazine 2008 (Cora, CiteSeer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nasperf._npz import read_npz
from nasperf.errors import DataIntegrityError, as_optional_path, as_path

from .package_data import data_path

__all__ = ["GRAPH_FILES", "draw_nodes", "has_packaged_graph", "load_graph", "read_graph_npz"]

#: Packaged graph of each dataset (relative to the data folder).
GRAPH_FILES: dict[str, str] = {"cora": "graphs/cora.npz", "citeseer": "graphs/citeseer.npz"}
_MASKS = ("train_mask", "val_mask", "test_mask")
#: Upper bounds on what a graph file may hold (ogbn-products-sized graphs stay below them).
_MAX_NODES = 3_000_000
_MAX_EDGES = 200_000_000
_MAX_CELLS = 2_000_000_000
#: Bytes of all arrays of a graph file together (ogbn-products, float32 features and int64
#: edges, is about 3 GiB).
_MAX_BYTES = 8 << 30


def read_graph_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a graph ``.npz`` (``x``, ``y``, ``edge_index``, the three masks), checked.

    Raises ``FileNotFoundError`` for a missing file and ``DataIntegrityError`` naming the file
    and the array for anything that does not match the schema (features must be finite in
    float32, the precision :func:`load_graph` gives them); ``TypeError`` / ``ValueError``
    naming ``path`` where it is not a path (``None``, a number, bytes) or is empty.
    """
    path = as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"graph file {path} does not exist")
    # headers first: a declared shape is checked before anything is allocated
    arrays = read_npz(
        path, ("x", "y", "edge_index", *_MASKS), max_bytes=_MAX_BYTES, what=".npz graph file"
    )
    x, y, edges = arrays["x"], arrays["y"], arrays["edge_index"]

    def bad(name: str, reason: str) -> DataIntegrityError:
        return DataIntegrityError(f"{path}: array {name!r} {reason}")

    if x.ndim != 2 or not np.issubdtype(x.dtype, np.floating):
        raise bad("x", f"must be a float matrix (nodes, features), got {x.dtype} {x.shape}")
    n = x.shape[0]
    if not 1 <= n <= _MAX_NODES or x.size > _MAX_CELLS:
        raise bad("x", f"has {n} nodes x {x.shape[1]} features, beyond the limits")
    if not np.isfinite(x).all():
        raise bad("x", "holds NaN or infinite values")
    # load_graph hands features on as float32: a finite float64 beyond its range would
    # become inf there (min / max, not abs: no copy of a large matrix)
    limit = float(np.finfo(np.float32).max)
    if x.size and (float(x.max()) > limit or float(x.min()) < -limit):
        worst = max(abs(float(x.max())), abs(float(x.min())))
        raise bad(
            "x",
            f"holds values beyond float32's range (largest magnitude {worst:.3g} > "
            f"{limit:.3g}); features are used as float32",
        )
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise bad("y", f"must hold {n} non-negative integer labels, got {y.dtype} {y.shape}")
    if edges.ndim != 2 or edges.shape[0] != 2 or not np.issubdtype(edges.dtype, np.integer):
        raise bad(
            "edge_index", f"must be integers of shape (2, E), got {edges.dtype} {edges.shape}"
        )
    if edges.shape[1] > _MAX_EDGES:
        raise bad("edge_index", f"has {edges.shape[1]} edges, more than {_MAX_EDGES}")
    if edges.size and (edges.min() < 0 or edges.max() >= n):
        raise bad("edge_index", f"refers to nodes outside 0..{n - 1}")
    for name in _MASKS:
        if arrays[name].shape != (n,) or arrays[name].dtype != np.bool_:
            raise bad(name, f"must be boolean of shape ({n},), got {arrays[name].dtype}")
    if not arrays["train_mask"].any():
        raise bad("train_mask", "selects no node")
    return arrays


def has_packaged_graph(dataset: Any) -> bool:
    """Whether nasperf ships the graph of ``dataset`` (a name: ``"cora"``, ``"citeseer"``)."""
    return isinstance(dataset, str) and dataset.strip().lower() in GRAPH_FILES


def draw_nodes(
    nodes: np.ndarray,
    n: int | None,
    rng: np.random.Generator | None,
    where: str = "the graph has",
    name: str = "n",
) -> np.ndarray:
    """The nodes a zero-cost proxy scores: ``n`` of the training ``nodes`` (indices, sorted)
    drawn without replacement from ``rng`` (None: the first ``n``), sorted; ``n=None``: all.
    ``where`` says in the message where ``nodes`` come from (``"data.train_mask selects"``),
    ``name`` which argument ``n`` is.
    Used by :func:`load_graph` and by :func:`nasperf.zero_cost.compute` on a user's ``Data``,
    so one ``(n, seed)`` scores the same draw of either."""
    if n is None:
        return nodes
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} must be a positive int or None, got {n!r}")
    if n > len(nodes):
        raise ValueError(
            f"asked for {n} nodes but {where} {len(nodes)} training nodes ({name}=None: "
            "all of them)"
        )
    if rng is None:
        return nodes[:n]
    return np.sort(rng.choice(nodes, size=int(n), replace=False))


def load_graph(
    dataset: str = "cora",
    n: int | None = None,
    seed: int | np.random.Generator | None = 0,
    *,
    source: str | Path | None = None,
) -> Any:
    """A graph for zero-cost proxies of graph networks, as a ``torch_geometric.data.Data``.

    Parameters
    ----------
    dataset : str
        ``"cora"`` or ``"citeseer"`` (packaged); any name with ``source``.
    n : int or None
        Training nodes to score (``data.mask``): ``None`` every one, else ``n`` of them drawn
        without replacement from ``seed`` (``seed=None``: the first ``n``).
    seed : int, numpy Generator or None
        See ``n``.
    source : path, optional
        An ``.npz`` with the same arrays (see :func:`read_graph_npz`) instead of the
        packaged graph.

    Returns
    -------
    torch_geometric.data.Data
        ``x`` float32 ``(N, F)``, ``y`` int64 ``(N,)``, ``edge_index`` int64 ``(2, E)``,
        ``train_mask`` / ``val_mask`` / ``test_mask`` and ``mask`` (bool ``(N,)``).
    """
    import torch
    from torch_geometric.data import Data

    from nasperf.spaces.base import as_rng

    # checked whether or not n draws with it: True, 2.5 or -3 named, not numpy's SeedSequence
    rng = None if seed is None else as_rng(seed, "seed")
    source = as_optional_path(source, "source")
    if source is None:
        key = dataset.strip().lower() if isinstance(dataset, str) else dataset
        if key not in GRAPH_FILES:
            raise ValueError(
                f"no packaged graph for dataset {dataset!r}; available: "
                f"{', '.join(GRAPH_FILES)} (or pass source=<.npz with x, y, edge_index, masks>)"
            )
        path = data_path(GRAPH_FILES[key])
    else:
        path = source
    arrays = read_graph_npz(path)
    chosen = draw_nodes(np.flatnonzero(arrays["train_mask"]), n, rng)
    mask = np.zeros(len(arrays["y"]), dtype=bool)
    mask[chosen] = True
    return Data(
        x=torch.from_numpy(arrays["x"].astype(np.float32)),
        y=torch.from_numpy(arrays["y"].astype(np.int64)),
        edge_index=torch.from_numpy(arrays["edge_index"].astype(np.int64)),
        mask=torch.from_numpy(mask),
        **{k: torch.from_numpy(arrays[k]) for k in _MASKS},
    )
