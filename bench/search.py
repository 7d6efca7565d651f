#!/usr/bin/env python
"""Predictor-guided search vs baselines: queries / time to the optimum, speedups, regret.

Runs simulated searches (``nasperf.search.study``, resumable: results go to
``bench/out/search/<benchmark>_<dataset>/``; a rerun only runs the searches not yet
finished) and prints, per benchmark, a markdown table: seeds that found the global best and
the top 0.1 %, median [IQR] and worst queries to them, simulated time, speedup against
random search (analytic, exact for sampling without replacement) and regularized
evolution, and the median best value after 100 and 300 queries. Regret plots (median and
IQR over seeds, vs queries and vs simulated time) are written next to the results.

Issue-9 target: on NB201 CIFAR-10 (200-epoch validation accuracy) the best predictor-guided
method finds the global best in a median of <= 25 queries over 25 seeds and within 100
queries in every seed.

    python bench/search.py                      # NB201 cifar10, 25 seeds
    python bench/search.py --benchmarks nb201:cifar100,nb201:ImageNet16-120,nb301 \\
        --budget 300
    python bench/search.py --quick              # 3 seeds, small budgets (smoke run)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasperf.search.study import (  # noqa: E402
    FolderBusyError,
    format_summary,
    run_search_study,
    search_trials,
    study_folder,
    write_report,
)

#: Methods and their query budgets (None: --budget). Predictor-guided methods refit a model
#: every query, so they get the budget the target is about; the cheap baselines get more so
#: that their medians are observed rather than censored.
METHODS = {
    "random_search": None,
    "regularized_evolution": None,
    "local_search": None,
    "bananas": 100,
    "npenas": 100,
    "predictor_local_search": 100,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--benchmarks",
        default="nb201:cifar10",
        help="comma-separated BENCHMARK[:DATASET] (nb201:cifar10, nb201:cifar100, "
        "nb201:ImageNet16-120, nb301)",
    )
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated optimizers")
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--budget", type=int, default=300, help="queries of the cheap baselines")
    ap.add_argument("--predictor-budget", type=int, help="queries of predictor-guided methods")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "search")
    ap.add_argument("--quick", action="store_true", help="3 seeds, budget 50")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="keep the searches an earlier (interrupted) run of this code finished; default: "
        "start afresh",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.budget = 3, 50
        args.predictor_budget = args.predictor_budget or 30
    for spec in args.benchmarks.split(","):
        bench, _, dataset = spec.strip().partition(":")
        dataset = dataset or "cifar10"
        trials = []
        for name in (m.strip() for m in args.methods.split(",") if m.strip()):
            budget = METHODS.get(name)
            budget = args.budget if budget is None else (args.predictor_budget or budget)
            if bench == "nb301":
                budget = args.predictor_budget or args.budget
            trials += search_trials(
                [name], benchmark=bench, dataset=dataset, seeds=args.seeds, budget=budget
            )
        out = args.out / f"{bench}_{dataset}"
        try:
            with study_folder(out, resume=args.resume):
                hist = run_search_study(trials, out, workers=args.workers, progress=True)
        except FolderBusyError as err:
            raise SystemExit(f"{err} (bench/search.py: --out DIR)") from None
        summary, png = write_report(
            hist, out, benchmark=bench, dataset=dataset, checkpoints=(25, 100, 300)
        )
        print(f"\n### {bench} {dataset} ({args.seeds} seeds)\n")
        print(format_summary(summary))
        notes = summary.attrs.get("notes", [])  # which search each speedup is against
        if notes:
            print("\n" + "\n".join(f"note: {note}" for note in notes))
        print(f"\n(plot: {png.relative_to(REPO) if png.is_relative_to(REPO) else png})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
