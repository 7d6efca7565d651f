"""The study runner: config -> trials -> engine -> results folder -> summary table and plots.

``python run_study.py`` (or ``nasperf study``) with no arguments runs the default study
(packaged NAS-Bench-201 CIFAR-10, a few model-based predictors, 10 ... 1000 training
architectures, 3 seeds) in a few minutes on two cores; ``--quick`` a smaller one. Results
go to ``--out DIR`` (default ``studies/<name>-<config digest>``, so rerunning the same study
resumes it): one SQLite row per finished trial, committed as it finishes, and
``meta.json``. A rerun skips the trials already there, so an interrupted study (Ctrl-C,
``kill -9``, a lost node) is finished by running the same command again.

Python use::

    from nasperf.evaluation import load_config, run_study
    result = run_study(load_config("configs/default.yaml"), "studies/mine", workers=2)
    print(result.summary)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import (
    ConfigError,
    StudyConfig,
    default_config,
    expand_trials,
    load_config,
    parse_config,
)
from .engines import ENGINES, TIMING_COLUMNS, EngineUnavailableError, load_source, run_trials
from .store import ResultsStore, environment

__all__ = [
    "SUMMARY_METRICS",
    "StudyResult",
    "check_trials",
    "format_summary",
    "main",
    "run_study",
    "study_table",
    "summarize",
]

#: Metrics of the summary table (mean +- std over seeds), where the rows have them.
SUMMARY_METRICS: tuple[str, ...] = (
    "kendall_tau",
    "spearman",
    "pearson",
    "sparse_kendall_tau_0.1",
    "precision@10",
    "ndcg@10",
)
_GROUP = ("space", "benchmark", "dataset", "label", "budget", "n_train")


@dataclasses.dataclass
class StudyResult:
    """What :func:`run_study` returns.

    Attributes
    ----------
    folder : Path
        The results folder.
    table : DataFrame
        One row per finished trial of this study, in trial order.
    summary : DataFrame
        :func:`summarize` of ``table``.
    n_trials, n_skipped, n_run : int
        Trials of the study, already finished before this run, finished by this run.
    errors : list of (trial, message)
        Trials that failed in this run (stored in the ``errors`` table; retried next run).
    seconds : float
        Wall-clock time of this run.
    """

    folder: Path
    table: pd.DataFrame
    summary: pd.DataFrame
    n_trials: int
    n_skipped: int
    n_run: int
    errors: list
    seconds: float


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_trials(trials: Sequence[dict]) -> None:
    """Check, before anything runs, that every source has enough architectures.

    Loads each distinct table once (cheap for the packaged benchmarks) and compares
    ``max(n_train) + test_size`` with the architectures that have a finite target.

    Raises
    ------
    ConfigError
        With the source, the sizes and the number of candidates.
    """
    need: dict[str, tuple[dict, int]] = {}
    for t in trials:
        key = repr((t.get("benchmark"), t["dataset"], t.get("data"), t.get("target")))
        n = int(t["n_train"]) + int(t["test_size"])
        if key not in need or need[key][1] < n:
            need[key] = (t, n)
    for t, n in need.values():
        try:
            table, info = load_source(t)
        except (ValueError, OSError, RuntimeError) as err:
            raise ConfigError(f"{t['space']}/{t['dataset']}: cannot load the data: {err}") from None
        target = info["target"]
        if target not in table.columns:
            raise ConfigError(
                f"{t['dataset']}: no target column {target!r}; columns: {list(table.columns)}"
            )
        y = pd.to_numeric(table[target], errors="coerce").to_numpy(dtype=np.float64)
        have = int(np.isfinite(y).sum())
        if n > have:
            raise ConfigError(
                f"{t['space']}/{t['dataset']}: train size {n - int(t['test_size'])} + test_size "
                f"{t['test_size']} = {n} exceeds the {have} architectures with a finite "
                f"{target!r}; lower train_sizes or test_size"
            )


def study_table(rows: pd.DataFrame | list[dict], trials: Sequence[dict]) -> pd.DataFrame:
    """``rows`` restricted to ``trials`` and put in their order (missing trials left out)."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    if df.empty:
        return df
    order = {t["hash"]: i for i, t in enumerate(trials)}
    df = df[df["hash"].isin(order)].copy()
    df["_order"] = df["hash"].map(order)
    return df.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def summarize(table: pd.DataFrame, metrics: Sequence[str] = SUMMARY_METRICS) -> pd.DataFrame:
    """Mean and std over seeds per (space, dataset, predictor label, budget, n_train).

    Returns a DataFrame with the group columns, ``seeds`` (trials averaged), and
    ``<metric>_mean`` / ``<metric>_std`` for every metric present, plus the mean
    ``total_time_s``.
    """
    if table.empty:
        return pd.DataFrame()
    metrics = [m for m in metrics if m in table.columns]
    df = table.copy()
    df["budget"] = df["budget"].fillna("-")
    g = df.groupby([c for c in _GROUP if c in df.columns], sort=False, dropna=False)
    out = g.size().rename("seeds").to_frame()
    for m in metrics:
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=0)
    if "total_time_s" in df.columns:
        out["total_time_s"] = g["total_time_s"].mean()
    return out.reset_index()


def format_summary(
    summary: pd.DataFrame,
    metrics: Sequence[str] = ("kendall_tau", "spearman", "sparse_kendall_tau_0.1", "precision@10"),
) -> str:
    """A markdown table of :func:`summarize` (mean +- std); constant group columns left out."""
    if summary.empty:
        return "(no finished trials)"
    metrics = [m for m in metrics if f"{m}_mean" in summary.columns]
    groups = [
        c
        for c in _GROUP
        if c in ("label", "n_train") or (c in summary.columns and summary[c].nunique() > 1)
    ]
    head = [("predictor" if c == "label" else c) for c in groups] + ["seeds"] + list(metrics)
    if "total_time_s" in summary.columns:
        head.append("total time (s)")
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i < len(groups) else "---:" for i in range(len(head))) + "|",
    ]
    for _, r in summary.iterrows():
        cells = [str(r[c]) for c in groups] + [str(int(r["seeds"]))]
        cells += [f"{r[f'{m}_mean']:.3f} ± {r[f'{m}_std']:.3f}" for m in metrics]
        if "total_time_s" in summary.columns:
            cells.append(f"{r['total_time_s']:.3g}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_study(
    config: StudyConfig,
    out: str | Path,
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    address: str | None = None,
    progress: bool = False,
    argv: Sequence[str] | None = None,
) -> StudyResult:
    """Run (or resume) ``config`` into the results folder ``out``.

    Finished trials (by hash) are skipped; every other trial runs on ``engine`` and its row
    is committed as soon as it arrives. Failed trials are recorded and reported, not
    stored as results (the next run retries them).

    Raises
    ------
    ConfigError
        The data cannot hold the requested sizes (checked before anything runs).
    EngineUnavailableError
        The engine's package or cluster is not available.
    """
    suite = None
    if config.tasks:
        from .suite import expand_suite

        expansion = expand_suite(config)
        trials, suite = expansion.trials, expansion.as_meta()
    else:
        trials = expand_trials(config)
    check_trials(trials)
    store = ResultsStore(out)
    start = time.perf_counter()
    try:
        done = store.finished()
        todo = [t for t in trials if t["hash"] not in done]
        meta = store.read_meta()
        runs = list(meta.get("runs", []))
        run_info = {
            "started_at": _now(),
            "ended_at": None,
            "engine": engine,
            "workers": workers,
            "scheduler": scheduler,
            "address": address,
            "argv": list(argv) if argv is not None else None,
            "trials_finished_before": len(trials) - len(todo),
        }
        runs.append(run_info)
        meta = {
            "format": 1,
            "study": config.name,
            "config": config.as_dict(),
            "config_digest": config.digest(),
            "n_trials": len(trials),
            "environment": environment(),
            "runs": runs,
            "status": "running",
            "timing_columns": list(TIMING_COLUMNS),
        }
        if suite is not None:
            meta["suite"] = suite
        store.write_meta(meta)
        errors: list = []
        n_run = 0
        status = "interrupted"
        bar = None
        try:
            if progress and todo:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(todo), unit="trial", desc=config.name, dynamic_ncols=True)
            for trial, row, err in run_trials(
                todo, engine=engine, workers=workers, scheduler=scheduler, address=address
            ):
                if err is None:
                    store.add(trial, row)
                    n_run += 1
                else:
                    store.add_error(trial, err)
                    errors.append((trial, err))
                    msg = (
                        f"trial failed: {trial['label']} n_train={trial['n_train']} "
                        f"seed={trial['seed']}: {err.splitlines()[0]}"
                    )
                    if bar is not None:
                        bar.write(msg, file=sys.stderr)
                    elif progress:
                        print(msg, file=sys.stderr)
                if bar is not None:
                    bar.update(1)
            status = "complete" if not errors else "incomplete"
        finally:
            if bar is not None:
                bar.close()
            run_info.update(
                ended_at=_now(),
                trials_run=n_run,
                trials_failed=len(errors),
                seconds=round(time.perf_counter() - start, 3),
            )
            meta["status"] = status
            store.write_meta(meta)
        table = study_table(store.rows(), trials)
    finally:
        store.close()
    return StudyResult(
        folder=Path(out),
        table=table,
        summary=summarize(table),
        n_trials=len(trials),
        n_skipped=len(trials) - len(todo),
        n_run=n_run,
        errors=errors,
        seconds=time.perf_counter() - start,
    )


# --------------------------------------------------------------------------- command line
_EPILOG = """\
Results: OUT/results.sqlite (one row per finished trial; read it with
nasperf.evaluation.read_results(OUT)), OUT/meta.json, OUT/plots/*.png. Rerun the same
command to resume an interrupted study: finished trials are skipped.

examples:
  python run_study.py                                # default study (NB201 CIFAR-10)
  python run_study.py --quick --workers 2
  python run_study.py --config configs/default.yaml --out studies/mine
  python run_study.py --predictors xgb,rf --train-sizes 10,100,1000 --seeds 5
  python run_study.py --engine dask --scheduler tcp://10.0.0.1:8786
  python run_study.py --data my_archs.csv --space nb201 --data-target val_acc
  nasperf plot studies/mine
"""


def _int_list(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", ",").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def _name_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def build_parser(prog: str = "run_study.py") -> argparse.ArgumentParser:
    """The study runner's argument parser (shared by run_study.py and ``nasperf study``)."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Run a predictor study (spaces x datasets x predictors x train sizes x "
        "budgets x seeds) and store one row per trial; resumable.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE", help="YAML study config (see configs/default.yaml)")
    p.add_argument("--out", metavar="DIR", help="results folder (default studies/<name>-<digest>)")
    p.add_argument("--engine", choices=ENGINES, default="local", help="default local (joblib)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"processes for local / LocalCluster engines (default: CPUs, here {_default_workers()})",
    )
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address (--engine dask)")
    p.add_argument("--address", metavar="ADDR", help="Ray cluster address (--engine ray)")
    p.add_argument(
        "--quick", action="store_true", help="a smaller study (train sizes <= 200, 2 seeds)"
    )
    p.add_argument("--name", help="study name")
    p.add_argument("--predictors", type=_name_list, metavar="A,B", help="predictor names")
    p.add_argument("--train-sizes", type=_int_list, metavar="N,N", help="e.g. 10,20,50,100")
    p.add_argument("--seeds", type=int, metavar="N", help="number of seeds (0 ... N-1)")
    p.add_argument("--spaces", type=_name_list, metavar="A,B", help="benchmarks, e.g. nb201")
    p.add_argument("--datasets", type=_name_list, metavar="A,B", help="e.g. cifar10,cifar100")
    p.add_argument("--budgets", type=_name_list, metavar="A,B", help="epoch budgets, e.g. 12ep")
    p.add_argument("--test-size", type=int, metavar="N", help="test architectures (default 200)")
    p.add_argument("--target", help="fidelity / column to predict")
    p.add_argument(
        "--data", metavar="FILE", help="your table: CSV, parquet or NASLib zero-cost JSON"
    )
    p.add_argument("--space", help="search space of --data")
    p.add_argument("--data-target", metavar="COLUMN", help="target column of --data")
    p.add_argument("--arch-column", metavar="COLUMN", help="architecture column of --data")
    p.add_argument("--zero-cost-table", metavar="FILE", help="proxy table for zero-cost predictors")
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        metavar="MODULE",
        help="import first; repeatable",
    )
    p.add_argument("--no-plots", action="store_true", help="do not write plots")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dry-run", action="store_true", help="list the trials and exit")
    return p


def config_from_args(args: argparse.Namespace) -> StudyConfig:
    """The study of the command line: ``--config`` (or the default) plus the overrides."""
    over: dict[str, Any] = {}
    for key in ("name", "predictors", "train_sizes", "spaces", "datasets", "budgets", "target"):
        value = getattr(args, key)
        if value is not None:
            over[key] = value
    if args.seeds is not None:
        over["seeds"] = args.seeds
    if args.test_size is not None:
        over["test_size"] = args.test_size
    if args.zero_cost_table:
        over["zero_cost_table"] = args.zero_cost_table
    if args.imports:
        over["imports"] = args.imports
    if args.data:
        data = {"path": str(Path(args.data).resolve())}
        for key, value in (
            ("space", args.space),
            ("target", args.data_target),
            ("arch_column", args.arch_column),
        ):
            if value:
                data[key] = value
        over["data"] = data
    if args.config:
        config = load_config(args.config, dict(over), quick=args.quick)
    else:
        raw = default_config(quick=args.quick)
        if "data" in over:
            raw.pop("spaces", None)
            raw.pop("datasets", None)
        raw.update(over)
        config = parse_config(raw)
    return config


def main(argv: Sequence[str] | None = None, prog: str = "run_study.py") -> int:
    """Command line of the study runner (``python run_study.py``, ``nasperf study``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog)
    args = parser.parse_args(argv)

    def fail(msg: str, code: int = 2) -> int:
        print(f"{prog}: error: {msg}", file=sys.stderr)
        return code

    workers = args.workers if args.workers is not None else _default_workers()
    if workers < 1:
        return fail(f"--workers must be at least 1, got {workers}")
    if args.scheduler and args.engine != "dask":
        return fail("--scheduler is for --engine dask")
    if args.address and args.engine != "ray":
        return fail("--address is for --engine ray")
    try:
        config = config_from_args(args)
        trials = expand_trials(config)
    except ConfigError as err:
        return fail(f"invalid study config: {err}")
    out = Path(args.out) if args.out else Path("studies") / f"{config.name}-{config.digest()}"
    if args.dry_run:
        for t in trials:
            print(
                f"{t['hash'][:12]}  {t['space']}/{t['dataset']}  {t['label']}  n_train={t['n_train']}  budget={t['budget']}  seed={t['seed']}"
            )
        print(f"{len(trials)} trials -> {out}")
        return 0
    print(
        f"{prog}: study {config.name!r}: {len(trials)} trials "
        f"({', '.join(p['label'] for p in config.predictors)}; train sizes "
        f"{', '.join(map(str, config.train_sizes))}; {len(config.seeds)} seed(s)) -> {out} "
        f"[{args.engine}, {workers} worker(s)]",
        file=sys.stderr,
    )
    try:
        result = run_study(
            config,
            out,
            engine=args.engine,
            workers=workers,
            scheduler=args.scheduler,
            address=args.address,
            progress=not args.no_progress,
            argv=argv,
        )
    except ConfigError as err:
        return fail(f"invalid study config: {err}")
    except EngineUnavailableError as err:
        return fail(str(err))
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted; rerun the same command to resume {out}", file=sys.stderr)
        return 130
    print()
    if config.tasks:
        from .report import _md_table, _rank_pivot, mean_ranks

        if not result.table.empty:
            ranks = _rank_pivot(mean_ranks(result.table, with_proxies=True))
            print("Mean rank across tasks (Kendall tau; 1 = best):\n")
            print(_md_table(ranks, index="method"))
    else:
        print(format_summary(result.summary))
    print(
        f"\n{result.n_run} trial(s) run, {result.n_skipped} already finished, "
        f"{len(result.errors)} failed; {result.seconds:.1f} s; results in {out}"
    )
    if not args.no_plots and not result.table.empty:
        from .plots import plot_study

        for path in plot_study(out, table=result.table):
            print(f"plot: {path}")
    if result.errors:
        first = result.errors[0][1].splitlines()[0]
        print(
            f"{prog}: {len(result.errors)} trial(s) failed (first: {first}); details in "
            f"{out}/results.sqlite (table errors); rerun to retry them",
            file=sys.stderr,
        )
        return 1
    return 0
