#!/usr/bin/env python
"""Weight-sharing predictors on NAS-Bench-201 CIFAR-10: Kendall tau vs supernet training time.

Each mode trains an NB201 supernet (``rsws``: uniform single paths; ``oneshot``: DARTS's
first-order continuous relaxation; ``fewshot``: the ``rsws`` supernet then split on edge
1<-0 into 5 sub-supernets trained ``--split-epochs`` more each; ``untrained``: the
initial weights, as an anchor) and scores ``--cells`` random cells (seeded) by inherited-
weight accuracy and loss on ``--n-eval`` held-out images, plus, for ``oneshot``, by the
log-probability its architecture parameters give each cell. Scores are compared with the
cells' 200-epoch validation accuracy in the NB201 table (Kendall tau, Spearman rho).

The supernet's size (``--channels``, ``--cells-per-stage``), the epochs and the images are
parameters: the default is a small CPU setting on the CIFAR-10 images available here
(``../shared/data/images/cifar10_test_first1017.npz``: 1,017 images, 256 held out); the
full setting (C=16, N=5, the CIFAR-10 training set, ~100 epochs) needs a GPU
(``--device cuda``). White et al. (2021) report these predictors weak on NB201 (Kendall
tau roughly 0 to 0.4 with full-size supernets trained on the full data).

Results per mode are cached in ``--out`` (JSON) so an interrupted run resumes, and the
supernet training itself checkpoints there every epoch.

Usage: ``python bench/weight_sharing.py [--quick] [--epochs 30] [--modes rsws,oneshot]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.predictors import get

SHARED_IMAGES = (
    Path(__file__).resolve().parents[2] / "shared/data/images/cifar10_test_first1017.npz"
)
MODES = ("untrained", "rsws", "oneshot", "fewshot")


def run_mode(mode: str, args, archs: list, truth: np.ndarray, out: Path) -> dict:
    cache = out / f"{mode}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    name = "rsws" if mode == "untrained" else mode
    params = {
        "space": "nb201",
        "dataset": "cifar10",
        "images": args.images,
        "n_eval": args.n_eval,
        "epochs": 0 if mode == "untrained" else args.epochs,
        "batch_size": args.batch_size,
        "network": {"channels": args.channels, "cells_per_stage": args.cells_per_stage},
        "checkpoint": str(out / f"{mode}.pt"),
        "device": args.device,
        "progress": True,
        "random_state": args.seed,
    }
    if mode == "fewshot":
        params["split_epochs"] = args.split_epochs
    pred = get(name, **params)
    t0 = time.perf_counter()
    pred.fit()
    t1 = time.perf_counter()
    metrics = pred.inherited_metrics(archs)
    t2 = time.perf_counter()
    row = {
        "mode": mode,
        "epochs": sum(1 for _ in pred.history_),
        "train_s": sum(h["seconds"] for h in pred.history_),
        "fit_s": t1 - t0,
        "query_s_per_arch": (t2 - t1) / len(archs),
        "tau_accuracy": float(kendalltau(metrics["accuracy"], truth)[0]),
        "tau_loss": float(kendalltau(-metrics["loss"], truth)[0]),
        "rho_accuracy": float(spearmanr(metrics["accuracy"], truth)[0]),
        "final_train_accuracy": pred.history_[-1]["train_accuracy"] if pred.history_ else None,
    }
    if mode == "oneshot":
        alpha = pred.set_params(score="alpha").predict(archs)
        row["tau_alpha"] = float(kendalltau(alpha, truth)[0])
    cache.write_text(json.dumps(row, indent=1))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", default=str(SHARED_IMAGES) if SHARED_IMAGES.exists() else None)
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--split-epochs", type=int, default=6)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--cells-per-stage", type=int, default=2)
    ap.add_argument("--n-eval", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="bench/out/weight_sharing")
    ap.add_argument("--quick", action="store_true", help="2 epochs, 30 cells, a tiny supernet")
    args = ap.parse_args()
    if args.quick:
        args.epochs, args.split_epochs, args.cells = 2, 1, 30
        args.channels, args.cells_per_stage, args.n_eval = 4, 1, 64
        args.out = args.out.rstrip("/") + "_quick"
    setting = (
        f"C{args.channels}_N{args.cells_per_stage}_e{args.epochs}_s{args.split_epochs}_"
        f"n{args.n_eval}_c{args.cells}_seed{args.seed}_{args.device}"
    )
    out = Path(args.out) / setting
    out.mkdir(parents=True, exist_ok=True)

    table = nasperf.load_benchmark("nb201", "cifar10")
    sample = table.sample(args.cells, random_state=args.seed)
    archs = list(sample.index)
    truth = sample["val_acc_200ep"].to_numpy(np.float64)

    rows = [run_mode(m, args, archs, truth, out) for m in args.modes.split(",")]
    print(
        f"\nNB201 CIFAR-10, {args.cells} random cells, supernet C={args.channels} "
        f"N={args.cells_per_stage}, {args.n_eval} held-out images, images: "
        f"{Path(args.images).name if args.images else 'packaged 256'}, device {args.device}, "
        f"seed {args.seed}\n"
    )
    print(
        "| mode | epochs | training (s) | query (s/arch) | tau (accuracy) | tau (-loss) | "
        "rho (accuracy) | tau (alpha) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        alpha = f"{r['tau_alpha']:.3f}" if "tau_alpha" in r else ""
        print(
            f"| {r['mode']} | {r['epochs']} | {r['train_s']:.0f} | {r['query_s_per_arch']:.3f} | "
            f"{r['tau_accuracy']:.3f} | {r['tau_loss']:.3f} | {r['rho_accuracy']:.3f} | {alpha} |"
        )
    print(
        "\nAnchor: White et al. (2021), full-size supernets on full CIFAR-10: Kendall tau "
        "of OneShot and RS-WS on NB201 roughly 0 to 0.4."
    )


if __name__ == "__main__":
    main()
