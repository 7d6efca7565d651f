#!/usr/bin/env python
"""arch2vec benchmark: training time and reconstruction of held-out cells per space.

For each space, train :class:`~nasperf.encodings.arch2vec.Arch2VecEncoder` with default
parameters on 2,000 sampled architectures (``--quick``: 500), then report fit seconds,
seconds to encode 1,000 held-out architectures, and the reconstruction of those held-out
cells from their latent means (node labels, upper-triangular adjacency entries at 0.5,
whole cells), beside the baselines a model ignoring the latent reaches (the majority
adjacency entry; the most frequent label at each node position). Target (2 cores): fitting
on 2,000 NB201 cells < 30 s.

Usage: ``python bench/arch2vec.py [--quick] [--epochs 10] [--n-threads 1]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.encodings.arch2vec import Arch2VecEncoder


def baselines(space, archs) -> tuple[float, float]:
    """Majority-class rate of real upper-triangular entries; per-position label majority."""
    b = space.graph_batch(archs)
    n = b.max_nodes
    adj, ops = b.adjacency.reshape(-1, n, n), b.ops.reshape(-1, n)
    real = ops >= 0
    iu = np.triu_indices(n, 1)
    pairs = adj[:, iu[0], iu[1]][real[:, iu[0]] & real[:, iu[1]]]
    rate = float(pairs.mean())
    hits = sum(int(np.bincount(ops[real[:, k], k]).max()) for k in range(n) if real[:, k].any())
    return max(rate, 1 - rate), hits / int(real.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 training architectures")
    parser.add_argument("--epochs", type=int, default=None, help="default: the encoder's")
    parser.add_argument("--n-threads", type=int, default=1)
    args = parser.parse_args()
    n_train = 500 if args.quick else 2000
    extra = {} if args.epochs is None else {"epochs": args.epochs}
    print(
        "| space | train archs | cells | fit s | encode 1k s | node acc | (label majority) "
        "| adj acc | (adj majority) | cell acc |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("nb201", "nb101", "nb301"):
        space = nasperf.get_space(name)
        train = space.sample(n_train, seed=1)
        test = space.sample(1000, seed=2)
        enc = Arch2VecEncoder(space=name, random_state=0, n_threads=args.n_threads, **extra)
        start = time.perf_counter()
        enc.fit(train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        enc.transform(test)
        enc_s = time.perf_counter() - start
        acc = enc.reconstruction_accuracy(test)
        adj_major, label_major = baselines(space, test)
        print(
            f"| {name} | {n_train} | {enc.n_train_cells_} | {fit_s:.1f} | {enc_s:.2f} "
            f"| {acc['node_label_accuracy']:.3f} | ({label_major:.3f}) "
            f"| {acc['adjacency_accuracy']:.3f} | ({adj_major:.3f}) | {acc['cell_accuracy']:.3f} |"
        )


if __name__ == "__main__":
    main()
