#!/usr/bin/env python
"""Searches for the lowest latency (or energy) of NB201 cells: the zero-cost warm start in
the target's direction against a random start, side by side on the same seeds.

synflow and params rank larger networks higher, as accuracy does; for a cost of the
network (latency, energy) those networks are the worst. ``predictor_local_search``,
``bananas`` and ``npenas`` take the networks the proxies rank lowest where the minimised
target's name says it is a cost (``nasperf.datasets.direction.looks_costly``). This script
searches the packaged HW-NAS-Bench costs of all 15,625 NB201 cells (``TableObjective(...,
maximize=False)``) with each method's default warm start and with ``warm_start=None``,
alternating the two per seed, and prints the queries to the optimum and to the top 0.1 %,
and the percentile of the first five queries.

    python bench/minimised_targets.py                       # edgegpu_latency, 10 seeds
    python bench/minimised_targets.py --target edgegpu_energy --seeds 5 --budget 60

Run it on an older commit (``PYTHONPATH=<worktree>``) to see the warm start before it knew
the direction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

METHODS = ("predictor_local_search", "bananas", "npenas")


def _one(target: str, method: str, variant: str, seed: int, budget: int) -> dict:
    import torch

    torch.set_num_threads(1)
    from nasperf import search
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10")[[target]]
    objective = search.TableObjective(table, "nb201", target, maximize=False)
    params = {"warm_start": None} if variant == "random start" else None
    h = search.run(method, objective=objective, budget=budget, seed=seed, params=params)
    values = table[target]
    best = values.min()
    top = values.nsmallest(max(1, int(np.ceil(len(values) * 0.001)))).index
    first = [values.rank(pct=True)[a] for a in h["arch"][:5]]

    def at(mask: pd.Series) -> float:
        hits = np.flatnonzero(mask.to_numpy())
        return float(h["query"].iloc[hits[0]]) if len(hits) else np.inf

    return {
        "method": method,
        "variant": variant,
        "seed": seed,
        "optimum": at(-h["value"] <= best),
        "top 0.1 %": at(h["arch"].isin(top)),
        "first five (percentile)": float(np.mean(first)),
    }


def _median(x: pd.Series) -> str:
    found = np.isfinite(x)
    med = np.median(x)
    text = "-" if not np.isfinite(med) else f"{med:.0f}"
    return f"{found.sum()}/{len(x)}: {text}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", default="edgegpu_latency")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    import nasperf

    print(f"nasperf from {Path(nasperf.__file__).parent}", file=sys.stderr)
    jobs = [
        (args.target, m, v, s, args.budget)
        for s in range(args.seeds)
        for m in args.methods.split(",")
        for v in ("default warm start", "random start")  # alternated per seed
    ]
    rows = Parallel(n_jobs=args.workers)(delayed(_one)(*j) for j in jobs)
    df = pd.DataFrame(rows)
    out = df.groupby(["method", "variant"], sort=False).agg(
        optimum=("optimum", _median),
        top=("top 0.1 %", _median),
        first=("first five (percentile)", "mean"),
    )
    print(
        f"NB201 {args.target} minimised, {args.seeds} seeds, budget {args.budget}: found / "
        "seeds and median queries to the optimum and to the top 0.1 %; mean percentile of "
        "the first five queries (0 = cheapest)\n"
    )
    print("| method | start | optimum | top 0.1 % | first five |")
    print("|---|---|---|---|---|")
    for (method, variant), r in out.iterrows():
        print(f"| {method} | {variant} | {r['optimum']} | {r['top']} | {r['first']:.2f} |")


if __name__ == "__main__":
    main()
