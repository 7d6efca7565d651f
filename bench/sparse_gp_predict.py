"""sparse_gp's predict: GPyTorch's posterior one row at a time (the predictor's way until the
blockwise closed form) against the blockwise closed form (``SparseGPPredictor._moments``),
on the same fitted model and the same test rows, alternated; and how far apart their values
are. Prints a markdown table.

    python bench/sparse_gp_predict.py [--quick] [--n-train 1000 2000] [--n-test 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasperf.datasets import load_benchmark  # noqa: E402
from nasperf.predictors import get  # noqa: E402


def per_row(pred, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The former ``_moments``: GPyTorch's posterior of each row on its own."""
    mean, var = np.empty(len(X)), np.empty(len(X))
    for i in range(len(X)):
        post = pred._posterior(X[i : i + 1])
        mean[i] = float(post.mean[0])
        var[i] = max(float(post.variance[0]), 0.0)
    return mean, var


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n_train 500, 300 test rows")
    ap.add_argument("--n-train", type=int, nargs="+", default=[1000, 2000])
    ap.add_argument("--n-test", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2, help="alternated runs of each")
    args = ap.parse_args(argv)
    sizes, n_test = ([500], 300) if args.quick else (args.n_train, args.n_test)
    bench = load_benchmark("nb201", "cifar10")
    archs, y = list(bench.index), bench["val_acc_200ep"].to_numpy()
    order = np.random.default_rng(0).permutation(len(archs))
    print(f"NB201 CIFAR-10, adjacency_onehot, n_inducing 64, {n_test} test rows, one thread")
    print()
    print(
        "| n_train | per row (s) | blockwise (s) | ratio | max abs diff, mean / std (target std units) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        train, test = order[:n], order[n : n + n_test]
        pred = get("sparse_gp", space="nb201", random_state=0, n_jobs=1)
        pred.fit([archs[i] for i in train], y[train])
        X = pred._prepare_predict([archs[i] for i in test], {})
        pred._moments(X[:1])  # the training terms, once per fitted model (as GPyTorch's)
        per_row(pred, X[:1])  # GPyTorch's prediction caches
        times: dict[str, list[float]] = {"row": [], "block": []}
        for _ in range(args.repeats):
            for name, fn in (("row", per_row), ("block", lambda p, x: p._moments(x))):
                start = time.perf_counter()
                out = fn(pred, X)
                times[name].append(time.perf_counter() - start)
                if name == "row":
                    old = out
                else:
                    new = out
        diff = np.max(np.abs(np.concatenate([old[0] - new[0], np.sqrt(old[1]) - np.sqrt(new[1])])))
        row, block = statistics.median(times["row"]), statistics.median(times["block"])
        print(f"| {n:,} | {row:.2f} | {block:.3f} | {row / block:.0f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
