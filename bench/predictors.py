"""Quality of nasperf's predictors: Kendall tau / Spearman vs training-set size (White et al.).

NAS-Bench-201 (default): target = 200-epoch validation accuracy (mean over seeds) on
``--dataset``; for every seed a fixed test set of ``--test-size`` random cells and nested
training sets of the sizes asked for, drawn from the candidate cells (the same splits for
every predictor: paired comparisons). Predictors get the side information they declare:
zero-cost scores from ``--zero-cost FILE`` (a proxy table, e.g. written by ``nasperf
proxies``; default: nasperf's packaged table of ``--dataset`` for all cells, every proxy it
holds: ``--help`` closes with each table's proxies; ``--zero-cost-proxies`` picks some;
candidates are the cells it covers) and the 12-epoch run's validation and test accuracy as
the partial learning curve (``--budget``; also to predictors that only accept them, e.g.
omni, unless ``--no-curves``). ``--features`` adds the zero-cost table to every feature-based
predictor too (``plain`` / ``zc`` / ``both`` rows).

NAS-Bench-101 / -301 (``--space nb101|nb301``): the NASLib zero-cost samples in
``../shared/data`` (50 cells each, with NASLib's stored proxy scores as the zero-cost side
information); tiny, so sizes 10 / 20 / 30 and a 20-cell test set.

Prints a markdown table: mean +- std over seeds of Kendall tau and Spearman per predictor
and training size, with fit seconds and query milliseconds per architecture.

Usage:
  python bench/predictors.py --quick
  python bench/predictors.py --predictors xgb,omni,ensemble --sizes 10,100,1000 --seeds 20 \
      --zero-cost nb201_c10_zc.csv
  python bench/predictors.py --space nb101
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.evaluation import make_split
from nasperf.predictors import PREDICTORS, available, get

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def nb201_task(args) -> tuple[pd.Series, dict, dict]:
    table = nasperf.load_benchmark("nb201", args.dataset)
    table = table[np.isfinite(table["val_acc_200ep"])]
    zc = None
    if args.zero_cost == "packaged":
        zc = nasperf.datasets.load_zero_cost("nb201", args.dataset)
    elif args.zero_cost != "none":
        zc = nasperf.zero_cost.read_proxy_table(args.zero_cost)
        # a row per scored cell; a proxy undefined on a cell (NaN: jacov on a cell whose
        # output ignores the input) is the predictors' to handle, not a reason to drop it
        zc = zc[[c for c in zc.columns if c != "nan_reasons"]].dropna(how="all")
    if zc is not None and args.zero_cost_proxies:
        wanted = args.zero_cost_proxies.split(",")
        missing = [p for p in wanted if p not in zc.columns]
        if missing:
            raise SystemExit(
                f"--zero-cost-proxies {missing} are not in the table {list(zc.columns)}"
            )
        zc = zc[wanted]
    if zc is not None:
        table = table.loc[table.index.intersection(zc.index)]
    y = table["val_acc_200ep"]
    # The 12-epoch run's observations (validation and test accuracy) as the partial curve.
    fid = nasperf.datasets.get_benchmark("nb201").resolve_fidelity(args.budget)
    side = {"learning_curves": table[list(fid.curve_columns)]}
    if zc is not None:
        side["zero_cost"] = zc
    return y, side, {"space": "nb201"}


def naslib_task(args) -> tuple[pd.Series, dict, dict]:
    name = {
        "nb101": "nb101/naslib_zc_nb101_dev50.json",
        "nb301": "nb301/naslib_zc_nb301_dev50.json",
    }
    path = SHARED / name[args.space]
    if not path.is_file():  # the benchmark samples are not packaged: ../shared only
        raise SystemExit(
            f"bench/predictors.py: --space {args.space} reads NASLib's sample {path}, which "
            "is not there (the shared data folder beside this checkout)"
        )
    table = nasperf.read_naslib_zc(path, space=args.space)
    y = table["val_accuracy"].astype(float)
    zc = table.drop(columns=["val_accuracy"])
    return y, {"zero_cost": zc}, {"space": args.space}


def split(index: pd.Index, n_train: int, test_size: int, seed: int):
    """White et al.'s protocol: the test set depends on the seed only; training sets nest."""
    s = make_split(list(index), n_train, test_size=test_size, seed=seed)
    return list(s.train), list(s.test)


def side_for(pred, side: dict, archs: list, use_zc: bool, fit: bool, curves: bool = True) -> dict:
    """The side information ``pred`` gets: what it needs; the zero-cost table also for the
    ``+zc`` rows of predictors that take it as features (or optionally, e.g. omni); the
    learning curves also where they are optional (omni), unless ``curves`` is False."""
    need = set(pred.requirements.side_information)
    accepted = set(pred.requirements.accepted)
    out = {}
    if "zero_cost" in side and ("zero_cost" in need or (use_zc and pred.numeric)):
        out["zero_cost"] = side["zero_cost"]
    if "zero_cost" in side and use_zc and type(pred).__name__ == "EnsemblePredictor":
        out["zero_cost"] = side["zero_cost"]
    if "learning_curves" in side and (
        "learning_curves" in need or ("learning_curves" in accepted and curves)
    ):
        out["learning_curves"] = side["learning_curves"].loc[archs].to_numpy()
    if "unlabelled" in need and fit:
        out["unlabelled"] = side.get("unlabelled_pool", [])
    return out


def feature_runs(name: str, side: dict, variants: list[bool]) -> list[bool]:
    """The ``use_zc`` values predictor ``name`` runs with: ``[]`` where it needs a zero-cost
    table and there is none; a predictor that needs the table runs once (its plain row
    holds it); ``+zc`` only for predictors that take the table as features."""
    cls = PREDICTORS.get(name)
    if cls.requirements.zero_cost:
        return [False] if "zero_cost" in side and False in variants else []
    return [v for v in variants if not v or cls.numeric or name == "ensemble"]


def _packaged_tables_text() -> str:
    """The packaged NB201 zero-cost tables' proxies, read from their settings files (what
    ``--zero-cost packaged`` gives each ``--dataset``), for ``--help``."""
    lines = ["packaged NB201 zero-cost tables (--zero-cost packaged):"]
    for space, dataset in nasperf.datasets.available_zero_cost():
        if space == "nb201":
            proxies = nasperf.datasets.zero_cost_settings(space, dataset).get("proxies", [])
            lines.append(f"  {dataset}: {len(proxies)} proxies ({', '.join(proxies)})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__,
        epilog=_packaged_tables_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--space", default="nb201", choices=["nb201", "nb101", "nb301"])
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--predictors", default=None, help="comma list (default: all registered)")
    ap.add_argument("--params", default="{}", help="JSON {predictor: {param: value}}")
    ap.add_argument("--sizes", default=None, help="comma list of training sizes")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--test-size", type=int, default=None)
    ap.add_argument(
        "--zero-cost",
        default="packaged",
        help="nb201 proxy table: 'packaged' (default), 'none' or a file from nasperf proxies",
    )
    ap.add_argument(
        "--zero-cost-proxies",
        default=None,
        help="comma list: use only these columns of the zero-cost table (default: all)",
    )
    ap.add_argument(
        "--features",
        default="both",
        choices=["plain", "zc", "both"],
        help="feature-based predictors without / with the zero-cost table",
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget", default="12ep", help="fidelity giving the learning curves")
    ap.add_argument(
        "--no-curves",
        action="store_true",
        help="withhold the learning curves from predictors that only accept them (omni)",
    )
    ap.add_argument("--quick", action="store_true", help="3 seeds, sizes 10,100, 3 predictors")
    ap.add_argument("--json", default=None, help="also write the raw rows here")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.space == "nb201":
        y, side, base = nb201_task(args)
        sizes = [10, 20, 50, 100, 200, 500, 1000]
        test_size = args.test_size or 200
    else:
        y, side, base = naslib_task(args)
        sizes = [10, 20, 30]
        test_size = args.test_size or 20
    if args.quick:
        args.seeds = min(args.seeds, 3)
        sizes = sizes[:1] + [s for s in sizes if s == 100] if args.space == "nb201" else sizes[:2]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    names = args.predictors.split(",") if args.predictors else available()
    if args.quick and not args.predictors:
        names = [n for n in ("xgb", "omni", "ensemble") if n in available()]
    if "zero_cost" not in side:
        args.features = "plain"
    params = json.loads(args.params)
    variants = {"plain": [False], "zc": [True], "both": [False, True]}[args.features]
    rows = []
    # fits to run: per predictor its feature variants (plain, +zc) x the sizes that leave
    # a test set x seeds
    runnable = [n for n in sizes if n + test_size <= len(y)]
    total = args.seeds * len(runnable) * sum(len(feature_runs(p, side, variants)) for p in names)
    done = 0
    start = time.perf_counter()
    for name in names:
        cls = PREDICTORS.get(name)
        if cls.requirements.zero_cost and "zero_cost" not in side:
            print(
                f"  skipping {name}: it needs zero-cost scores (--zero-cost FILE)", file=sys.stderr
            )
            continue
        for use_zc in feature_runs(name, side, variants):
            for n in sizes:
                for seed in range(args.seeds):
                    if n + test_size > len(y):
                        continue
                    train, test = split(y.index, n, test_size, seed)
                    kw = {"space": base["space"], "random_state": seed, **params.get(name, {})}
                    kw = {k: v for k, v in kw.items() if k in cls._get_param_names()}
                    pred = get(name, **kw)
                    local_side = dict(side)
                    if "unlabelled" in pred.requirements.side_information:
                        rest = [a for a in y.index if a not in set(test)]
                        local_side["unlabelled_pool"] = rest[: min(len(rest), 1000)]
                    t0 = time.perf_counter()
                    pred.fit(
                        train,
                        y.loc[train].to_numpy(),
                        **side_for(pred, local_side, train, use_zc, True, not args.no_curves),
                    )
                    t1 = time.perf_counter()
                    scores = pred.predict(
                        test, **side_for(pred, local_side, test, use_zc, False, not args.no_curves)
                    )
                    t2 = time.perf_counter()
                    truth = y.loc[test].to_numpy()
                    rows.append(
                        {
                            "predictor": name
                            + ("+zc" if use_zc and not cls.requirements.zero_cost else ""),
                            "n": n,
                            "seed": seed,
                            "kendall_tau": float(kendalltau(scores, truth)[0]),
                            "spearman": float(spearmanr(scores, truth)[0]),
                            "fit_s": t1 - t0,
                            "query_ms": 1000 * (t2 - t1) / len(test),
                        }
                    )
                    done += 1
                print(
                    f"  {rows[-1]['predictor']} n={n}: tau "
                    f"{np.mean([r['kendall_tau'] for r in rows[-args.seeds :]]):.3f} "
                    f"[{done}/{total}, {time.perf_counter() - start:.0f}s]",
                    file=sys.stderr,
                    flush=True,
                )
    df = pd.DataFrame(rows)
    if args.json:
        df.to_json(args.json, orient="records")
    zc_note = (
        f", zero-cost table {args.zero_cost} ("
        + (f"{side['zero_cost'].shape[1]} proxies, " if "zero_cost" in side else "")
        + f"{len(y)} candidate cells"
        + (f"; proxies {args.zero_cost_proxies}" if args.zero_cost_proxies else "")
        + ")"
        if args.zero_cost
        else ""
    )
    print(
        f"\n# predictors on {base['space']} {args.dataset if args.space == 'nb201' else ''}: "
        f"{args.seeds} seeds, test {test_size} cells{zc_note}\n"
    )
    print("| predictor | n | Kendall tau | Spearman | fit s | query ms/arch |")
    print("|---|---|---|---|---|---|")
    for (p, n), g in df.groupby(["predictor", "n"], sort=False):
        print(
            f"| {p} | {n} | {g.kendall_tau.mean():.3f} +- {g.kendall_tau.std():.3f} | "
            f"{g.spearman.mean():.3f} | {g.fit_s.mean():.2f} | {g.query_ms.mean():.3f} |"
        )
    best = df.groupby(["predictor", "n"]).kendall_tau.mean().unstack()
    print("\nBest predictor per training size (Kendall tau):")
    for n in best.columns:
        col = best[n].dropna()
        print(f"  n={n}: {col.idxmax()} {col.max():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
