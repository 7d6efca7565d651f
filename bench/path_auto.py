#!/usr/bin/env python
"""BANANAS's encoding on each space: what ``path_auto`` chooses, against the alternatives.

For each space with real labels (NB201 CIFAR-10, TransNAS-Bench-101 micro, the NB301
surrogate's 3,000 genotypes, NAS-Bench-Graph Cora and CiteSeer, and the NAS-Bench-Macro
chains of ``examples/macro_space.py``), BANANAS is fitted with its default ``path_auto``
encoding, with the path encoding truncated to 2,048 features as BANANAS truncates it (the
full one where it is narrower), and with ``adjacency_onehot``, on the same ``n`` random
training architectures per seed; Kendall tau on 200 other architectures of the table. The
table prints the mean over seeds, the per-seed values and what ``path_auto`` chose.

Usage: ``python bench/path_auto.py [--quick] [--sizes 100,500] [--seeds 3]
[--cases nb201,nb301,...]`` (one torch thread; about 15 min for the defaults on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf import predictors
from nasperf.encodings import ENCODINGS, PathEncoder


def _table(bench: str, dataset: str, column: str) -> Callable[[], tuple]:
    def load() -> tuple:
        space = {"nb301_surrogate": "nb301"}.get(bench, bench)
        return nasperf.get_space(space), nasperf.load_benchmark(bench, dataset)[column]

    return load


def _macro() -> tuple:
    from examples.macro_space import load_macro_benchmark

    return nasperf.get_space("macro"), load_macro_benchmark()["test_acc"]


CASES: dict[str, Callable[[], tuple]] = {
    "nb201": _table("nb201", "cifar10", "val_acc_200ep"),
    "tnb101_micro": _table("tnb101_micro", "class_scene", "val_metric"),
    "nb301": _table("nb301_surrogate", "cifar10", "val_accuracy_98ep"),
    "nbgraph_cora": _table("nbgraph", "cora", "valid_perf"),
    "nbgraph_citeseer": _table("nbgraph", "citeseer", "valid_perf"),
    "macro": _macro,
}
COMPARED = {
    "path_auto": "path_auto",
    "path (truncated to 2,048)": "path_2048_in_bench",
    "adjacency_onehot": "adjacency_onehot",
}


@ENCODINGS.register("path_2048_in_bench")
class TruncatedPath(PathEncoder):
    """The path encoding truncated to its first 2,048 features, as BANANAS truncates it."""

    def __init__(self, *, space=None, max_length=None, truncate=2048, counts=False) -> None:
        super().__init__(space=space, max_length=max_length, truncate=truncate, counts=counts)


def _fit_tau(space, y: pd.Series, train, test, encoding: str, seed: int) -> tuple[float, str]:
    model = predictors.get("bananas", space=space, encoding=encoding, random_state=seed)
    model.fit(train, y.loc[train].to_numpy())
    tau = kendalltau(model.predict(test), y.loc[test].to_numpy())[0]
    return float(tau), str(model.encoding_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n=100, one seed, two spaces")
    parser.add_argument("--sizes", default="100,500")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",")]
    seeds = range(1 if args.quick else args.seeds)
    cases = ["nb201", "nb301"] if args.quick else args.cases.split(",")
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown --cases {unknown}; known: {', '.join(CASES)}")
    print("| space | n | path_auto chose | " + " | ".join(COMPARED) + " |")
    print("|---|---:|---|" + "---:|" * len(COMPARED))
    for name in cases:
        space, y = CASES[name]()
        y = y.dropna()
        index = np.asarray(y.index)
        for n in sizes:
            taus: dict[str, list[float]] = {k: [] for k in COMPARED}
            chosen: set[str] = set()
            start = time.perf_counter()
            for seed in seeds:
                order = np.random.default_rng(seed).permutation(len(index))
                train, test = list(index[order[:n]]), list(index[order[n : n + 200]])
                for label, encoding in COMPARED.items():
                    tau, used = _fit_tau(space, y, train, test, encoding, seed)
                    taus[label].append(tau)
                    if label == "path_auto":
                        chosen.add(used)
            cells = [
                f"{np.mean(v):.3f} ({', '.join(f'{t:.2f}' for t in v)})" for v in taus.values()
            ]
            print(f"| {name} | {n} | {', '.join(sorted(chosen))} | " + " | ".join(cells) + " |")
            print(f"  ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
