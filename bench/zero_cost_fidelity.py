"""Fidelity of nasperf's zero-cost proxies against NASLib's published scores (NB201).

Three parts, each printing a markdown table (and appending raw scores to a CSV):

A. data-free proxies (synflow, params, flops) on the 491 reference cells x 3 datasets, full
   networks (C=16, N=5): Spearman / Kendall against NASLib's stored scores.
B. every proxy on the 491 cells with a 64-image batch: Spearman / Kendall with the stored
   ``val_accuracy`` (compare with the reference README's figures) and with NASLib's score.
   CIFAR-10 and CIFAR-100 use their own images; ImageNet16-120 (no images shipped) uses
   CIFAR-100 images resized to 16x16 with labels taken modulo 120 -- a stand-in, reported as
   such.
C. NASWOT on ``--naswot-cells`` random NB201 cells (CIFAR-10 images) against the
   benchmark's 200-epoch validation accuracy.

Usage: python bench/zero_cost_fidelity.py [--quick] [--parts ABC] [--datasets cifar10,...]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.zero_cost import available, rank_vote, score_details

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "naslib-zc" / "zc_nasbench201_sample.json"
README_C10 = {
    "flops": 0.66, "params": 0.69, "snip": 0.60, "jacov": 0.75, "grad_norm": 0.59,
    "plain": -0.17, "epe_nas": 0.68, "fisher": 0.49, "grasp": 0.53, "l2_norm": 0.68,
    "synflow": 0.74,
}  # fmt: skip
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def corr(a, b) -> tuple[float, float, int]:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return math.nan, math.nan, int(ok.sum())
    return (
        float(spearmanr(a[ok], b[ok])[0]),
        float(kendalltau(a[ok], b[ok])[0]),
        int(ok.sum()),
    )


def images(dataset: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    if dataset == "ImageNet16-120":
        x, y = nasperf.load_image_batch("cifar100", n, seed)
        x = torch.nn.functional.interpolate(x, size=16, mode="bilinear", antialias=True)
        return x, y % 120
    return nasperf.load_image_batch(dataset, n, seed)


def reference(dataset: str) -> pd.DataFrame:
    """NASLib's scores for ``dataset``; its failure value -1e8 (jacov and epe_nas on a few
    cells) read as NaN, which ``corr`` leaves out."""
    if not REF.is_file():  # NASLib's reference scores are not packaged: ../shared only
        raise SystemExit(
            f"bench/zero_cost_fidelity.py: needs NASLib's reference scores {REF}, which are "
            "not there (the shared reference folder beside this checkout)"
        )
    return nasperf.read_naslib_zc(REF, dataset=dataset, nan="keep")


def part_a(limit: int | None, out_csv: Path) -> None:
    space = nasperf.get_space("nb201")
    print("\n## A. data-free proxies vs NASLib's stored scores (full networks)\n")
    print("| dataset | proxy | cells | Spearman | Kendall |")
    print("|---|---|---|---|---|")
    rows = []
    for ds in DATASETS:
        ref = reference(ds).iloc[:limit]
        for i, arch in enumerate(ref.index):
            torch.manual_seed(i)
            net = space.build_network(arch, ds)
            x = torch.zeros(space_shape(ds))
            d = score_details(net, x, None, ["synflow", "params", "flops"])
            rows.append({"dataset": ds, "arch": arch, **{k: v.value for k, v in d.items()}})
        df = pd.DataFrame([r for r in rows if r["dataset"] == ds]).set_index("arch")
        for p in ("synflow", "params", "flops"):
            s, k, n = corr(df[p], ref.loc[df.index, p])
            print(f"| {ds} | {p} | {n} | {s:.4f} | {k:.4f} |")
            sys.stdout.flush()
    pd.DataFrame(rows).to_csv(out_csv, index=False)


def space_shape(ds: str) -> tuple[int, ...]:
    from nasperf.spaces import resolve_task

    return resolve_task(ds).input_shape(1)


def part_b(datasets, proxies, limit, batch, out_csv: Path) -> None:
    space = nasperf.get_space("nb201")
    print(f"\n## B. proxies on {batch} images vs val_accuracy (and vs NASLib's score)\n")
    print("| dataset | proxy | cells | NaN | Spearman (val_acc) | Kendall (val_acc) | "
          "README | Spearman vs NASLib | s/arch |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for ds in datasets:
        ref = reference(ds).iloc[:limit]
        x, y = images(ds, batch, 0)
        rows, secs = [], {}
        t0 = time.perf_counter()
        for i, arch in enumerate(ref.index):
            torch.manual_seed(i)
            net = space.build_network(arch, ds)
            d = score_details(net, x, y, proxies)
            rows.append({"arch": arch, **{k: v.value for k, v in d.items()}})
            for k, v in d.items():
                secs[k] = secs.get(k, 0.0) + v.seconds
            if (i + 1) % 50 == 0:
                print(f"<!-- {ds}: {i + 1} cells, {time.perf_counter() - t0:.0f} s -->")
                sys.stdout.flush()
                pd.DataFrame(rows).to_csv(out_csv.with_suffix(f".{ds}.csv"), index=False)
        df = pd.DataFrame(rows).set_index("arch")
        df.to_csv(out_csv.with_suffix(f".{ds}.csv"))
        if {"synflow", "jacov", "snip"} <= set(df.columns):
            df["vote"] = rank_vote(df)
        acc = ref.loc[df.index, "val_accuracy"]
        for p in df.columns:
            s, k, n = corr(df[p], acc)
            nan = int(df[p].isna().sum())
            ref_s = README_C10.get(p) if ds == "cifar10" else None
            vs = corr(df[p], ref.loc[df.index, p])[0] if p in ref.columns else math.nan
            readme = f"{ref_s:.2f}" if ref_s is not None else "-"
            per = secs.get(p, math.nan) / len(df)
            print(f"| {ds} | {p} | {n} | {nan} | {s:.3f} | {k:.3f} | {readme} | {vs:.3f} | "
                  f"{per:.3f} |")  # fmt: skip
        sys.stdout.flush()


def part_c(n_cells: int, batch: int, out_csv: Path) -> None:
    space = nasperf.get_space("nb201")
    bench = nasperf.load_benchmark("nb201", "cifar10")
    archs = space.sample(n_cells, seed=0)
    x, y = images("cifar10", batch, 0)
    vals, accs = [], []
    t0 = time.perf_counter()
    for i, arch in enumerate(archs):
        torch.manual_seed(i)
        net = space.build_network(arch, "cifar10")
        vals.append(score_details(net, x, y, ["nwot"])["nwot"].value)
        accs.append(float(bench.loc[str(arch), "val_acc_200ep"]))
    pd.DataFrame({"arch": [str(a) for a in archs], "nwot": vals, "val_acc_200ep": accs}).to_csv(
        out_csv, index=False
    )
    s, k, n = corr(vals, accs)
    dt = (time.perf_counter() - t0) / len(archs)
    print("\n## C. NASWOT vs NB201 CIFAR-10 200-epoch validation accuracy\n")
    print("| cells | scored | batch | Spearman | Kendall | s/arch |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(archs)} | {n} | {batch} | {s:.4f} | {k:.4f} | {dt:.3f} |")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="40 cells, 100 NASWOT cells")
    ap.add_argument("--parts", default="ACB")
    ap.add_argument("--datasets", default="cifar10")
    ap.add_argument("--proxies", default=None, help="comma list; default all")
    ap.add_argument("--cells", type=int, default=None, help="first N reference cells")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--naswot-cells", type=int, default=1000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "zero_cost_fidelity"))
    args = ap.parse_args()
    limit = 40 if args.quick else args.cells
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    proxies = args.proxies.split(",") if args.proxies else available(population=False)
    print(f"# zero-cost fidelity ({json.dumps(vars(args))})")
    for part in args.parts:
        t = time.perf_counter()
        if part == "A":
            part_a(limit, out.with_suffix(".A.csv"))
        elif part == "B":
            part_b(args.datasets.split(","), proxies, limit, args.batch, out.with_suffix(".B"))
        elif part == "C":
            part_c(100 if args.quick else args.naswot_cells, args.batch, out.with_suffix(".C.csv"))
        print(f"<!-- part {part}: {time.perf_counter() - t:.0f} s -->")


if __name__ == "__main__":
    main()
