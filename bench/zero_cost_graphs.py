"""Zero-cost proxies on graph neural networks: NAS-Bench-Graph on Cora and CiteSeer.

For ``--n`` distinct architectures drawn uniformly from the ``nbgraph`` space (seed
``--seed``), every proxy is computed on the network the space builds for the dataset
(weights seeded, dropout 0) on the packaged Planetoid graph, the batch being all of its
training nodes (140 for Cora, 120 for CiteSeer), and its Spearman rank correlation with the
benchmark's validation accuracy is printed as a markdown table (with Kendall's tau and the
number of architectures where the proxy is defined), followed by the seconds per
architecture. Scores go to nasperf's zero-cost cache (``--cache``, default the user cache),
so a rerun, or a run interrupted and started again, computes only what is missing. The
``params`` column is the space's exact count (``space.params``), which equals the ``params``
proxy on the same network (tests/zero_cost/test_graph_proxies.py) without running the graph
once more.

The architectures are a prefix of one seeded permutation, scored in chunks (``--chunk``) that
the datasets take in turn; with ``--minutes`` the run stops before a round that would exceed
the budget and reports on the architectures done, the same ones on every dataset. A later
run with a larger budget goes on from the cache.

Usage: python bench/zero_cost_graphs.py [--quick] [--n 500] [--minutes 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.zero_cost import compute

PROXIES = ("synflow", "nwot", "jacov", "snip", "grad_norm", "params")
DATASETS = ("cora", "citeseer")


def correlations(a, b) -> tuple[float, float, int]:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return math.nan, math.nan, int(ok.sum())
    return float(spearmanr(a[ok], b[ok])[0]), float(kendalltau(a[ok], b[ok])[0]), int(ok.sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 architectures")
    parser.add_argument("--n", type=int, default=500, help="architectures (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--proxies", default=",".join(PROXIES))
    parser.add_argument("--minutes", type=float, default=None, help="stop after this budget")
    parser.add_argument("--chunk", type=int, default=10, help="architectures per turn")
    parser.add_argument("--cache", default=None, help="SQLite cache file (default: user cache)")
    args = parser.parse_args(argv)
    n = 60 if args.quick else args.n
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    proxies = [p.strip() for p in args.proxies.split(",") if p.strip()]

    space = nasperf.get_space("nbgraph")
    every = list(space.enumerate())
    rng = np.random.default_rng(args.seed)
    # a prefix of one permutation, scored in that order: the --quick architectures are among
    # the full run's (cached), and a run stopped early leaves a uniform sample in the cache
    archs = [every[i] for i in rng.permutation(len(every))[:n]]

    # the datasets take turns on chunks of the permutation, so a --minutes budget stops them
    # all on one prefix (the same architectures); cached chunks cost ~0
    scored = [p for p in proxies if p != "params"]
    parts: dict[str, list[pd.DataFrame]] = {ds: [] for ds in datasets}
    seconds = dict.fromkeys(datasets, 0.0)
    began, done, last_round = time.perf_counter(), 0, 0.0
    while done < n:
        left = None if args.minutes is None else 60 * args.minutes - (time.perf_counter() - began)
        if left is not None and left < last_round:
            break
        chunk, round_start = archs[done : done + args.chunk], time.perf_counter()
        for ds in datasets:
            start = time.perf_counter()
            parts[ds].append(
                compute(
                    space,
                    chunk,
                    scored,
                    dataset=ds,
                    batch_size=None,
                    seed=args.seed,
                    cache=True if args.cache is None else args.cache,
                    workers=args.workers,
                )
            )
            seconds[ds] += time.perf_counter() - start
        done += len(chunk)
        last_round = time.perf_counter() - round_start
        print(f"{done}/{n} architectures on {', '.join(datasets)}: {last_round:.0f} s", flush=True)
    n = done

    rows: dict[str, dict[str, tuple[float, float, int]]] = {}
    for ds in datasets:
        bench = nasperf.load_benchmark("nbgraph", ds)
        y = bench["valid_perf"]
        table = pd.concat(parts[ds])
        if "params" in proxies:
            table["params"] = [space.params(space.parse(t), ds) for t in table.index]
        rows[ds] = {p: correlations(table[p], y.loc[table.index]) for p in proxies}
        # for scale: how well the benchmark's own test accuracy ranks the validation accuracy
        rows[ds]["(test accuracy)"] = correlations(
            bench["test_perf"].loc[table.index], y.loc[table.index]
        )

    print(f"\nSpearman (Kendall) of each proxy with validation accuracy, {n} NAS-Bench-Graph")
    print(f"architectures (seed {args.seed}), all training nodes scored, weights seeded:\n")
    print("| proxy | " + " | ".join(datasets) + " |")
    print("|---|" + "---|" * len(datasets))
    for p in [*proxies, "(test accuracy)"]:
        cells = []
        for ds in datasets:
            rho, tau, m = rows[ds][p]
            cells.append(f"{rho:.3f} ({tau:.3f}){'' if m == n else f', n={m}'}")
        print(f"| {p} | " + " | ".join(cells) + " |")
    print("\n| dataset | architectures | seconds | seconds / architecture |")
    print("|---|---|---|---|")
    for ds in datasets:
        print(
            f"| {ds} | {n} | {seconds[ds]:.1f} | {seconds[ds] / max(n, 1):.2f} (cached ones ~0) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
