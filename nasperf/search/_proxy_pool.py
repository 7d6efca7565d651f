"""Zero-cost proxies for a search on a space without a packaged table: computed on a pool.

Warm starts (Abdelfattah et al.) rank architectures by zero-cost proxies. NAS-Bench-201 ships
a table of them; a user's space does not. :func:`compute_pool` then builds the networks of a
candidate pool with the space's own builder and scores them with
:func:`nasperf.zero_cost.compute` (cached on disk, so a second search on the same space
builds no network). The pool is ``proxy_pool`` (default: the space's ``proxy_pool_size``
where it sets one, e.g. 100 for NAS-Bench-Graph's GNNs, else 1,000) architectures: drawn
without replacement from the objective's candidates (all of them in a smaller table), else
distinct random ones, from a fixed seed: every search on the space scores the same pool, so
the second one reads it from the cache. The bound keeps the first search on a space with
large networks (about a second each on one CPU core) within minutes; a larger pool ranks
more architectures (on NB201 the top 5 of all 15,625 cells by synflow and params hold a cell
in the top 0.01 %, the top 5 of 1,000 random cells one in the top 2 %). So where the
networks are cheap (:func:`cheap`, the bound of the on-demand features below) and the pool
was not set, it grows to every candidate, up to :data:`CHEAP_POOL`: the warm start ranks a
user's table whole, as it ranks NB201's packaged one. The computed proxies stay a guess
about a user's space: the predictor's features from them are kept only while they rank like
the values seen, whether or not the pool holds every candidate.

The search is charged the proxies' recorded computation time: measured when computed now,
as recorded in the cache when read from it (so a search costs the same simulated time
whether or not an earlier one filled the cache). Where the pool does not cover the
candidates and its networks are cheap (``ON_DEMAND_MAX_SECONDS``, or the space's own
``on_demand_proxies``), :func:`extend_pool`
computes the same proxies for every architecture the predictor then sees, so it gets them
as features as it would from a packaged table (what that is worth on user spaces:
``bench/any_space.py --sections search``). A space whose ``build_network`` raises
``NotImplementedError``, or a dataset with no task to build for, gives no table and a note
saying why.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CHEAP_POOL",
    "ON_DEMAND_MAX_SECONDS",
    "cheap",
    "compute_pool",
    "extend_pool",
    "pool_lock",
]


#: Architectures scored with ``proxy_pool=None`` (unless the space sets ``proxy_pool_size``).
DEFAULT_POOL = 1_000
#: With ``proxy_pool=None`` on a space whose networks are cheap (:func:`cheap`: the same
#: decision as computing the predictor's features on demand), the pool grows from
#: ``DEFAULT_POOL`` to every candidate, up to this many: the warm start then ranks the whole
#: table, as it does on NB201 with its packaged table. Measured (``bench/any_space.py
#: --sections search``, 10 seeds, queries to the optimum of predictor_local_search): NB201's
#: cells without avg_pool on ImageNet16-120 (4,096, a space no default was tuned on) 62
#: [19-96] with 2 of 10 seeds failing -> 20 [18-26], 10/10; NAS-Bench-Macro 42 -> 38.
CHEAP_POOL = 10_000
#: Extend a computed pool to every architecture a predictor sees (its zero-cost features)
#: only when one architecture's proxies took at most this many seconds in the pool, unless
#: the space decides (``on_demand_proxies = True / False`` on its class; NB301 and
#: NAS-Bench-Graph: False). Measured on one loaded core: NB201-size cells ~0.05 s,
#: NAS-Bench-Macro's chains 0.1-0.2 s (where the features take pls from 90 to 58 queries to
#: the optimum), DARTS networks ~1 s, GNNs ~1.3 s. The bound sits well clear of both groups,
#: so that a slower or busier machine makes the same choice.
ON_DEMAND_MAX_SECONDS = 0.5
#: The bound is checked against the least of up to this many fresh computations (no cache)
#: of the pool's first architectures, timed when the pool is made, whenever the recorded
#: seconds exceed it: a pool read from the cache carries the seconds of whenever it was
#: computed, and a pool computed while the machine was busy records many times the cost (an
#: NB201 pool computed beside a two-worker table run recorded a median 2.8 s per cell; one
#: cell takes 0.05 s).
ON_DEMAND_PROBES = 3
#: Seed of the pool's draws: the same pool in every search on the space, so that its scores
#: are computed once and then read from the cache.
POOL_SEED = 0


def _pool(space: Any, candidates: list | None, size: int) -> list:
    """Architectures of the pool (values), see the module docstring."""
    rng = np.random.default_rng(POOL_SEED)
    if candidates is not None:
        idx = np.arange(len(candidates))
        if len(candidates) > size:
            idx = np.sort(rng.choice(len(candidates), size=size, replace=False))
        return [space.parse(candidates[i]) for i in idx]
    out: dict[str, Any] = {}
    for _ in range(10 * size):
        arch = space.random_architecture(rng)
        out.setdefault(space.to_string(arch), arch)
        if len(out) >= size:
            break
    return list(out.values())


def _inputs(task: Any, kind: str) -> Any:
    """None (the packaged images or graph of ``task``) where they exist; else for images a
    zero minibatch (the data-free proxies read no pixel; a proxy that does would see zeros)
    and for graphs a ``ValueError`` (a graph's edges cannot be made up)."""
    import torch

    from nasperf.datasets import load_image_batch

    if kind == "graph":
        from nasperf.datasets.graphs import GRAPH_FILES

        if task.name.strip().lower() not in GRAPH_FILES:
            raise ValueError(
                f"no packaged graph for dataset {task.name!r} (packaged: {', '.join(GRAPH_FILES)})"
            )
        return None

    try:
        load_image_batch(task.name, n=1, seed=0)
        return None
    except (ValueError, LookupError, FileNotFoundError):
        x = torch.zeros(task.input_shape(8), dtype=torch.float32)
        return x, torch.zeros(8, dtype=torch.int64)


def compute_pool(
    optimizer: Any, proxies: Sequence[str], proxy_pool: int | None = None
) -> tuple[pd.DataFrame | None, str]:
    """Proxy scores of a candidate pool for ``optimizer``'s search, and a note for the report.

    Returns ``(table, note)``: the table (index: architecture text, one column per proxy;
    ``attrs["settings"]["seconds_per_arch"]`` gives each proxy an equal share of the mean
    recorded seconds per architecture, so that ranking the whole pool charges their total),
    or None when no network can be built (the note says why).
    """
    from nasperf.spaces import resolve_task

    space = optimizer.context_.space
    dataset = optimizer.context_.dataset
    kind = getattr(space, "task_kind", "image")
    try:
        task = resolve_task(dataset, kind)
        inputs = _inputs(task, kind)
    except ValueError as err:
        return None, f"no zero-cost proxies: {err}"
    start = time.perf_counter()
    cands = optimizer.context_.candidates
    grow = proxy_pool is None and getattr(space, "proxy_pool_size", None) is None
    if proxy_pool is None:
        proxy_pool = getattr(space, "proxy_pool_size", None) or DEFAULT_POOL
    archs = _pool(space, cands, int(proxy_pool))
    try:
        space.build_network(archs[0], task)
    except NotImplementedError as err:
        return None, (
            f"no zero-cost proxies: space {space.name!r} has no network builder "
            f"(build_network: {str(err) or type(err).__name__})"
        )
    progress = bool(getattr(optimizer.context_, "progress", False))
    table = _scores(space, archs, proxies, task, inputs, start, progress)
    grown = ""
    if grow and cheap(space, table.attrs["settings"]) and len(table) < CHEAP_POOL:
        # cheap networks: rank every candidate (up to CHEAP_POOL), as a packaged table would
        more = _pool(space, cands, CHEAP_POOL)
        have = set(table.index)
        extra = [a for a in more if space.to_string(a) not in have][: CHEAP_POOL - len(archs)]
        if extra:
            table = _scores(space, [*archs, *extra], proxies, task, inputs, start, progress)
            grown = " (cheap networks: " + (
                "every candidate)"
                if cands is not None and len(table) == len(cands)
                else f"up to {CHEAP_POOL:,})"
            )
    optimizer.pool_source_ = (task, inputs)  # for extend_pool
    wall = time.perf_counter() - start
    # The computation is charged at its recorded cost when the pool is ranked
    # (Optimizer.zero_cost_rank), the same whether it ran now or came from the cache; the
    # wall time it took here is taken back out of the measured overhead.
    optimizer.charge(-wall)
    per_arch = sum(table.attrs["settings"]["seconds_per_arch"].values())
    note = (
        f"zero-cost warm start: {', '.join(proxies)} computed on a pool of {len(table)} "
        f"architectures{grown} ({per_arch * len(table):.1f} s charged)"
    )
    return table, note


def _scores(
    space: Any,
    archs: list,
    proxies: Sequence[str],
    task: Any,
    inputs: Any,
    start: float,
    progress: bool = False,
) -> pd.DataFrame:
    """The proxies of ``archs`` (computed once for workers that start together, cached),
    with ``attrs["settings"]``: the recorded seconds per architecture, split equally between
    the proxies, and where they exceed ``ON_DEMAND_MAX_SECONDS`` a fresh probe's."""
    from nasperf.zero_cost import compute

    with pool_lock(space, task, proxies, archs):
        table = compute(
            space,
            archs,
            list(proxies),
            task,
            inputs=inputs,
            progress=progress,
        )
    seconds = np.asarray(table.attrs.get("seconds", []), dtype=np.float64)
    per_arch = (
        float(np.nanmean(seconds))
        if np.isfinite(seconds).any()
        else (time.perf_counter() - start) / len(table)
    )
    settings: dict[str, Any] = {"seconds_per_arch": {p: per_arch / len(proxies) for p in proxies}}
    if per_arch > ON_DEMAND_MAX_SECONDS and getattr(space, "on_demand_proxies", None) is None:
        settings["probe_seconds_per_arch"] = probe_seconds(space, archs, proxies, task, inputs)
    table.attrs["settings"] = settings
    return table


def cheap(space: Any, settings: dict) -> bool:
    """Whether a pool's proxies are cheap enough to compute for every candidate: the space's
    ``on_demand_proxies`` where it sets one (True / False), else at most
    :data:`ON_DEMAND_MAX_SECONDS` per architecture, recorded in the pool or, where the record
    exceeds it, in the pool's fresh probe (``probe_seconds_per_arch``: the record may come
    from the cache, taken under another load)."""
    declared = getattr(space, "on_demand_proxies", None)
    if declared is not None:
        return bool(declared)
    recorded = sum((settings.get("seconds_per_arch") or {}).values())
    probe = settings.get("probe_seconds_per_arch")
    cost = min(recorded, probe) if probe is not None else recorded
    return 0 < cost <= ON_DEMAND_MAX_SECONDS


def pool_lock(
    space: Any, task: Any, proxies: Sequence[str], archs: Sequence[Any]
) -> contextlib.AbstractContextManager:
    """A lock per pool (space, task, proxies and the pool's architectures), in the proxy
    cache's folder: searches that start together on one space (a study's workers) compute
    its pool once. The first takes the lock and computes; the others wait, then read every
    score from the cache. An OS file lock (``filelock``), released if its holder dies; no
    lock where the folder cannot be written (the cache then warns that it stores nothing)."""
    from filelock import FileLock

    from nasperf.zero_cost.cache import canonical_json, default_cache_path

    name = getattr(task, "name", str(task))
    key = canonical_json([space.name, name, sorted(proxies), [space.to_string(a) for a in archs]])
    folder = default_cache_path().parent / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return contextlib.nullcontext()
    if not os.access(folder, os.W_OK | os.X_OK):  # e.g. an existing folder, read-only now
        return contextlib.nullcontext()
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return FileLock(folder / f"pool-{digest}.lock")


def probe_seconds(
    space: Any, archs: Sequence[Any], proxies: Sequence[str], task: Any, inputs: Any
) -> float:
    """The least wall seconds of computing ``proxies`` afresh (no cache) for one of the
    first :data:`ON_DEMAND_PROBES` of ``archs``. It stops early once one is within
    :data:`ON_DEMAND_MAX_SECONDS` (cheap: decided) or the first takes over four times it
    (expensive: only a machine four times busier than usual would explain it)."""
    from nasperf.zero_cost import compute

    best = math.inf
    for arch in list(archs)[:ON_DEMAND_PROBES]:
        start = time.perf_counter()
        compute(space, [arch], list(proxies), task, inputs=inputs, cache=False, progress=False)
        best = min(best, time.perf_counter() - start)
        if best <= ON_DEMAND_MAX_SECONDS or best > 4 * ON_DEMAND_MAX_SECONDS:
            break
    return best


def extend_pool(optimizer: Any, table: pd.DataFrame, archs: Sequence[Any]) -> pd.DataFrame:
    """``table`` (from :func:`compute_pool`) with rows for those of ``archs`` it lacks,
    computed the same way (cached on disk). The search is charged for them at the pool's
    recorded seconds per architecture when the predictor reads them
    (``PredictorGuided._charge_zero_cost_features``), so the wall time taken here is taken
    back out of the measured overhead. Rows keep the table's settings and columns."""
    from nasperf.zero_cost import compute

    space = optimizer.context_.space
    have = set(table.index)
    missing: dict[str, Any] = {}
    for a in archs:
        key = space.to_string(a)
        if key not in have:
            missing.setdefault(key, a)
    if not missing:
        return table
    task, inputs = optimizer.pool_source_
    start = time.perf_counter()
    extra = compute(
        space, list(missing.values()), list(table.columns), task, inputs=inputs, progress=False
    )
    optimizer.charge(-(time.perf_counter() - start))
    extra = extra[list(table.columns)]
    extra.attrs = {}
    out = pd.concat([table, extra])
    out.attrs = dict(table.attrs)
    return out
