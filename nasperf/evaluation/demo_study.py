"""The default study until the full study runner lands: training-free baselines on NB201.

For each NAS-Bench-201 dataset, a seeded sample of cells is scored by three predictors that
need no training (FLOPs, parameter count, and the 12-epoch validation accuracy, a cheap
fidelity) and each is compared with the 200-epoch validation accuracy (mean over seeds) by
Kendall tau and Spearman rank correlation. Everything comes from the data shipped inside
the package; it runs in seconds on a laptop.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from nasperf.datasets import load_benchmark
from nasperf.spaces import get_space

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def run(n: int = 1000, seed: int = 0, datasets: tuple[str, ...] = DATASETS) -> list[dict]:
    """Score the baselines on ``n`` random cells per dataset; one dict per (dataset, predictor)."""
    space = get_space("nb201")
    rows = []
    for dataset in datasets:
        table = load_benchmark("nb201", dataset)
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(table), size=min(n, len(table)), replace=False)
        sample = table.iloc[np.sort(idx)]
        truth = sample["val_acc_200ep"].to_numpy()
        archs = [space.parse(a) for a in sample.index]
        predictions = {
            "flops": np.array([space.flops(a, dataset) for a in archs]),
            "params": np.array([space.params(a, dataset) for a in archs]),
            "val_acc_12ep": sample["val_acc_12ep"].to_numpy(),
        }
        for name, pred in predictions.items():
            rows.append(
                {
                    "dataset": dataset,
                    "predictor": name,
                    "n": len(truth),
                    "kendall_tau": stats.kendalltau(pred, truth).statistic,
                    "spearman": stats.spearmanr(pred, truth).statistic,
                }
            )
    return rows


def format_table(rows: list[dict]) -> str:
    """Markdown table of :func:`run`'s rows."""
    lines = [
        "| dataset | predictor | cells | Kendall tau | Spearman |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['predictor']} | {r['n']} | {r['kendall_tau']:.3f} "
            f"| {r['spearman']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line of the default study (``python run_study.py``)."""
    parser = argparse.ArgumentParser(
        prog="run_study.py",
        description="Training-free baselines (FLOPs, params, 12-epoch accuracy) vs 200-epoch "
        "validation accuracy on the packaged NAS-Bench-201 data.",
    )
    parser.add_argument("--n", type=int, default=1000, help="cells per dataset (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--quick", action="store_true", help="200 cells, CIFAR-10 only")
    parser.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), choices=DATASETS, metavar="DATASET"
    )
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error(f"--n must be at least 2, got {args.n}")
    n, datasets = (200, ("cifar10",)) if args.quick else (args.n, tuple(args.datasets))
    start = time.perf_counter()
    rows = run(n=n, seed=args.seed, datasets=datasets)
    for dataset in datasets:
        table = load_benchmark("nb201", dataset)
        best = table["val_acc_200ep"].idxmax()
        print(
            f"nb201/{dataset}: {len(table)} cells, 200-epoch val acc median "
            f"{table['val_acc_200ep'].median():.2f}, best {table.loc[best, 'val_acc_200ep']:.2f} "
            f"({best})"
        )
    print()
    print(format_table(rows))
    print(f"\n{len(rows)} rows in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
