"""Learning-curve extrapolators: error and ranking of the predicted final value, and speed.

For each curve source (NAS-Bench-301 surrogate, LCBench surrogate), sample architectures
(configurations), observe their curves for 10 %, 25 % and 50 % of the epochs, and predict
the final validation accuracy. Reported per (source, budget, predictor):

* MAE of the predicted final value (percent points; only for members that predict the
  accuracy itself, not a loss-based score),
* Kendall tau between predicted and true final values (LCBench: ``--tasks`` OpenML tasks
  drawn with the seed, configurations interleaved by task; tau within each task, averaged
  over tasks, since tasks differ in attainable accuracy),
* seconds per curve (prediction wall time / curves; LcSVR's fit on its training curves is
  reported separately).

MCMC members (``lce``, ``lce_m``) take seconds per curve, so they run on the first
``--mcmc-n`` curves; every member is also scored on that same subset, and the speed ratio
LCE / LC-PFN is measured there, side by side.

Usage::

    python bench/learning_curves.py                 # NB301 1000 genotypes, LCBench 1000 configs
    python bench/learning_curves.py --quick
    python bench/learning_curves.py --sources nb301 --predictors early_stop_acc,lcpfn
    python bench/learning_curves.py --sources nb301 --predictors lce,lcpfn --mcmc-n 1000 \
        --fractions 0.25 --jobs 2        # LCE on all 1000 curves, over two processes
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nasperf.predictors as P
from nasperf.datasets import get_curve_source

FRACTIONS = (0.10, 0.25, 0.50)
DEFAULT_PREDICTORS = (
    "early_stop_acc",
    "early_stop_loss",
    "sovl",
    "lcsvr",
    "lcpfn",
    "lce_m",
    "lce",
)
MCMC = {"lce", "lce_m"}
LOSS_BASED = {"early_stop_loss", "sovl", "sotl", "sotle"}


def _kendall(pred: np.ndarray, true: np.ndarray, groups: np.ndarray | None) -> float:
    if groups is None:
        return float(kendalltau(pred, true)[0])
    taus, weights = [], []
    for g in np.unique(groups):
        m = groups == g
        if m.sum() >= 5:
            taus.append(kendalltau(pred[m], true[m])[0])
            weights.append(m.sum())
    if not taus:
        return float(kendalltau(pred, true)[0])
    return float(np.average(taus, weights=weights))


def _data(source: str, n: int, n_train: int, seed: int, threads: int, n_tasks: int):
    src = get_curve_source(source, n_threads=threads)
    if source == "lcbench":
        # ``n_tasks`` OpenML tasks, configurations interleaved task by task so that any
        # prefix (the MCMC subset) holds every task equally.
        sur = src.surrogate
        rng = np.random.default_rng(seed)
        tasks = [sur.tasks[i] for i in rng.choice(len(sur.tasks), n_tasks, replace=False)]
        per = -(-(n + n_train) // n_tasks)
        blocks = [
            sur.sample(per, seed=np.random.default_rng([seed, i]), task=t)
            for i, t in enumerate(tasks)
        ]
        items = [blocks[j % n_tasks][j // n_tasks] for j in range(n + n_train)]
    else:
        items = src.sample(n + n_train, seed=seed)
    full = src.curves(items)
    y = full.get("val_accuracy")[:, -1]
    groups = np.array([c.task for c in items]) if source == "lcbench" else None
    feats = src.features(items)
    return src, items, full, y, groups, feats


def _fit(pred, cls, part, items, feats, y, train, subset):
    """Fit ``pred`` (trained members on the training curves); returns (seconds, test archs)."""
    if not cls.requirements.labels:
        pred.fit(None, learning_curves=part.take(subset[:1]))
        return 0.0, None
    if feats is not None:
        archs_tr, archs_te = feats[train], feats[subset]
    else:
        archs_tr, archs_te = [items[i] for i in train], [items[i] for i in subset]
    t0 = time.perf_counter()
    pred.fit(archs_tr, y[train], learning_curves=part.take(train))
    return time.perf_counter() - t0, archs_te


def _timed_predict(pred, archs, curves) -> tuple[np.ndarray, float]:
    """Predictions for ``curves`` (and ``archs``) and the seconds they took."""
    t0 = time.perf_counter()
    out = pred.predict(archs, learning_curves=curves)
    return out, time.perf_counter() - t0


def _predict_parallel(pred, curves, jobs: int) -> tuple[np.ndarray, float]:
    """Predictions of a curve-only member over ``jobs`` worker processes, and its compute
    seconds per curve (summed over the workers, so comparable with one process).

    LCE seeds each curve's chain from the curve itself, so the predictions do not depend on
    how the curves are split.
    """
    from joblib import Parallel, delayed

    chunks = [c for c in np.array_split(np.arange(len(curves)), jobs) if len(c)]
    res = Parallel(n_jobs=len(chunks))(
        delayed(_timed_predict)(pred, None, curves.take(c)) for c in chunks
    )
    return np.concatenate([r[0] for r in res]), sum(r[1] for r in res) / len(curves)


def run(args) -> list[dict]:
    rows = []
    for source in args.sources:
        src, items, full, y, groups, feats = _data(
            source, args.n, args.n_train, args.seed, args.threads, args.tasks
        )
        n, T = args.n, src.final_epoch
        test, train = np.arange(n), np.arange(n, n + args.n_train)
        print(
            f"# {source}: {n} test + {args.n_train} LcSVR-training curves, final epoch {T}",
            file=sys.stderr,
        )
        for frac in args.fractions:
            e = max(1, round(frac * T))
            part = full.upto(e)
            for name in args.predictors:
                cls = P.PREDICTORS.get(name)
                subset = test[: args.mcmc_n] if name in MCMC else test
                kwargs = {}
                if "space" in cls._get_param_names():
                    kwargs["space"] = src.space or "nb201"
                if "random_state" in cls._get_param_names():
                    kwargs["random_state"] = args.seed
                pred = P.get(name, **kwargs)
                try:
                    fit_s, archs_te = _fit(pred, cls, part, items, feats, y, train, subset)
                    if name in MCMC and args.jobs > 1:
                        out, secs = _predict_parallel(pred, part.take(subset), args.jobs)
                    else:
                        out, secs = _timed_predict(pred, archs_te, part.take(subset))
                        secs /= len(subset)
                except ValueError as err:  # e.g. SoTL on a source without training losses
                    print(f"  {source} {e}ep {name}: {err}", file=sys.stderr)
                    continue
                g = None if groups is None else groups[subset]
                row = {
                    "source": source,
                    "budget": f"{e}/{T} ep ({frac:.0%})",
                    "predictor": name,
                    "n": len(subset),
                    "mae": float("nan")
                    if name in LOSS_BASED
                    else float(np.mean(np.abs(out - y[subset]))),
                    "kendall": _kendall(out, y[subset], g),
                    "s_per_curve": secs,
                    "fit_s": fit_s,
                }
                if args.mcmc_n < n and name not in MCMC:
                    sub = slice(0, args.mcmc_n)
                    gs = None if g is None else g[sub]
                    row["kendall_mcmc_subset"] = _kendall(out[sub], y[subset][sub], gs)
                rows.append(row)
                print(
                    f"  {source} {e}ep {name}: tau {row['kendall']:.3f} mae {row['mae']:.3f} "
                    f"{secs:.2e} s/curve",
                    file=sys.stderr,
                )
    return rows


def print_table(rows: list[dict], mcmc_n: int) -> None:
    print(
        "| source | observed | predictor | curves | MAE final (pp) | Kendall tau | "
        f"tau on first {mcmc_n} | s / curve |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        mae = "-" if np.isnan(r["mae"]) else f"{r['mae']:.3f}"
        sub = r.get("kendall_mcmc_subset", r["kendall"] if r["n"] <= mcmc_n else float("nan"))
        print(
            f"| {r['source']} | {r['budget']} | {r['predictor']} | {r['n']} | {mae} | "
            f"{r['kendall']:.3f} | {sub:.3f} | {r['s_per_curve']:.2e} |"
        )
    by = {(r["source"], r["budget"], r["predictor"]): r for r in rows}
    pairs = [
        (k[0], k[1], by[(k[0], k[1], "lce")], by[(k[0], k[1], "lcpfn")])
        for k in by
        if k[2] == "lce" and (k[0], k[1], "lcpfn") in by
    ]
    if pairs:
        print(
            "\n| source | observed | LCE s/curve | LC-PFN s/curve | speed-up | "
            "LCE tau | LC-PFN tau (same curves) |"
        )
        print("|---|---|---:|---:|---:|---:|---:|")
        for src, budget, lce, pfn in pairs:
            tau_pfn = pfn.get("kendall_mcmc_subset", pfn["kendall"])
            print(
                f"| {src} | {budget} | {lce['s_per_curve']:.3f} | {pfn['s_per_curve']:.2e} | "
                f"{lce['s_per_curve'] / pfn['s_per_curve']:,.0f}x | {lce['kendall']:.3f} | "
                f"{tau_pfn:.3f} |"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", default="nb301,lcbench")
    ap.add_argument("--predictors", default=",".join(DEFAULT_PREDICTORS))
    ap.add_argument("--n", type=int, default=1000, help="test curves per source")
    ap.add_argument("--n-train", type=int, default=200, help="LcSVR training curves")
    ap.add_argument("--mcmc-n", type=int, default=50, help="curves for lce / lce_m")
    ap.add_argument("--tasks", type=int, default=10, help="LCBench OpenML tasks sampled")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime / torch threads")
    ap.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes for the MCMC members' curves (seconds per curve stay "
        "single-process compute time)",
    )
    ap.add_argument("--quick", action="store_true", help="200 curves, 10 for MCMC")
    ap.add_argument(
        "--fractions",
        type=lambda t: tuple(float(v) for v in t.split(",")),
        default=FRACTIONS,
        help="observed fractions of the epochs, comma-separated (default 0.1,0.25,0.5)",
    )
    args = ap.parse_args(argv)
    args.sources = [s for s in args.sources.split(",") if s]
    args.predictors = [p for p in args.predictors.split(",") if p]
    if args.quick:
        args.n, args.n_train, args.mcmc_n = 200, 100, 10
    import torch

    torch.set_num_threads(args.threads)
    rows = run(args)
    print_table(rows, args.mcmc_n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
