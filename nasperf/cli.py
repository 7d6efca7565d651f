"""The ``nasperf`` console command.

Sub-commands:

* ``nasperf info``: what is registered and packaged: search spaces, benchmarks, zero-cost
  tables, learning-curve sources, encodings, proxies, search methods, pre-trained
  checkpoints and predictors (each with its requirements and one line on what it is).
* ``nasperf study [...]``: the study runner (same as ``python run_study.py``).
* ``nasperf search [...]``: simulated searches over many seeds (same as ``python
  run_study.py search``): regret, queries / time to targets, speedups.
* ``nasperf plot RESULTS_DIR``: plots of a stored study, without rerunning it.
* ``nasperf proxies [...]``: zero-cost proxy scores of many architectures to a CSV / parquet
  file, resumable (see ``nasperf proxies --help``).
* ``nasperf screen --checkpoint NAME --archs FILE`` (or ``--predictor SAVED``, a predictor
  you fitted and saved): rank architectures from a file with a
  pre-trained predictor, streamed (see ``nasperf screen --help``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from nasperf._argparse import ArgumentParser, path_arg
from nasperf._argparse import fail as _fail


def _info(args: argparse.Namespace) -> int:
    from nasperf import _catalog

    packaged = _catalog.read()
    imports = getattr(args, "imports", [])
    if imports:
        # A user's modules register spaces, proxies, encodings or predictors: list them too,
        # from the live registries, and say which they added.
        from nasperf._imports import import_user_module

        try:
            for module in imports:
                import_user_module(module)
        except ImportError as err:
            return _fail("nasperf info", err)
        catalog = _catalog.collect()
        base = packaged if packaged is not None else {}
        for line in _catalog.lines(catalog):
            print(line)
        for key in _catalog.SECTIONS:
            known = set(base.get(key, ()))
            # a predictor's line carries its notes and summary: name it alone
            added = [n.split(" ")[0].rstrip(":") for n in catalog[key] if n not in known]
            if added:
                print(f"added by --import ({key}): {', '.join(added)}")
        return 0
    for line in _catalog.lines(packaged if packaged is not None else _catalog.collect()):
        print(line)
    return 0


_PROXIES_EPILOG = """\
The output is written one architecture at a time (append, flush, fsync), so an interrupted
run loses at most the architectures in flight; rerun the same command to resume: rows
already in FILE are skipped. Scores also go to the proxy cache (--cache). Columns: arch,
one per proxy (NaN where undefined), nan_reasons (JSON {proxy: reason}). Read the file back
with nasperf.zero_cost.read_proxy_table(FILE).

Time: every architecture's network is built and scored on a batch of images; on a CPU
'--proxies all' costs seconds per NB201 cell, so thousands of cells take hours (the
expected time is printed after the first few). grasp (a Hessian-vector product) dominates,
3 to 4 forward + backward passes; zico, snip, plain, fisher, zen, grad_norm, jacov and
epe_nas about one each (they share passes); nwot, swap and meco a forward only; synflow,
params, flops and l2_norm are data-free and cheap. Name the proxies you need, add --workers, or use --device cuda.

example: nasperf proxies --space nb201 --dataset cifar10 --proxies synflow,jacov \\
             --n 1000 --seed 0 --out nb201_c10.csv --workers 2
"""


def _add_proxies_parser(sub) -> None:
    from nasperf._imports import add_import_option

    p = sub.add_parser(
        "proxies",
        help="compute zero-cost proxy scores of many architectures (resumable)",
        description="Compute zero-cost proxy scores of many architectures into a CSV or "
        "parquet file.",
        epilog=_PROXIES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--space",
        required=True,
        help="search space of the architectures (nb101, nb201, nb301 or one --import registers)",
    )
    p.add_argument(
        "--dataset",
        help="cifar10, cifar100 or ImageNet16-120; for a graph space a graph (cora, citeseer, "
        "...). Default: the space's own (cifar10; nbgraph: cora)",
    )
    p.add_argument(
        "--proxies",
        default="all",
        help="'all' (default) or comma-separated proxy names",
    )
    p.add_argument(
        "--out", required=True, type=path_arg, metavar="FILE", help="output .csv or .parquet"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--n", type=int, metavar="N", help="sample N architectures (with --seed)")
    which.add_argument(
        "--archs",
        type=path_arg,
        metavar="FILE",
        help="architectures, one native text per line ('#' comments)",
    )
    which.add_argument("--all", action="store_true", help="every architecture of the space")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the sample (--n), the images and the weight initialisation (default 0)",
    )
    p.add_argument("--batch-size", type=int, default=64, help="images per minibatch (default 64)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes, one torch thread each (default 1); the scores do not depend on it",
    )
    p.add_argument(
        "--network-kwargs",
        default=None,
        metavar="JSON",
        help='builder options as JSON, e.g. \'{"channels": 8, "cells_per_stage": 1}\'',
    )
    p.add_argument(
        "--images",
        default=None,
        type=path_arg,
        metavar="PATH",
        help="image source (.npz / CIFAR format) instead of the packaged images; needed for "
        "ImageNet16-120; for a space of non-image inputs (a TensorTask), an .npz of 'data' "
        "(N, *shape) and 'labels' (N,)",
    )
    p.add_argument(
        "--cache",
        default="default",
        type=path_arg,
        metavar="PATH|none",
        help="proxy cache: an SQLite file, a folder holding zero_cost.sqlite (an existing "
        "one, or a path ending in '/': any other new path is the file), 'none' (or "
        "no / off / false), or the default (also yes / true / on: zero_cost.sqlite in "
        "$NASPERF_CACHE or ~/.cache/nasperf; skipped with a warning where it cannot be "
        "created). A cache that cannot be written is read, and new scores are not stored",
    )
    add_import_option(p, "spaces or proxies")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _read_arch_lines(path: str, space) -> list:
    """The architectures of ``path`` (one per line, ``#`` comments), parsed; a ``ValueError``
    names the file and line of the first bad one (or of an overlong / non-UTF-8 line)."""
    from nasperf.pretrained.screening import BadEntry, read_architectures

    archs = []
    for entry in read_architectures(path, format="lines"):
        if isinstance(entry, BadEntry):
            raise ValueError(f"{path}: {entry.where}: {entry.error}")
        number, text = entry
        if "\ufffd" in text:
            raise ValueError(f"{path}: line {number}: not UTF-8 text")
        try:
            archs.append(space.coerce(text))
        except ValueError as err:
            raise ValueError(f"{path}: line {number}: {err}") from None
    return archs


def _proxies(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from nasperf._imports import import_user_module, is_module_path
    from nasperf.registry import UnknownNameError
    from nasperf.spaces.base import SAMPLE_MAX_N
    from nasperf.zero_cost.cache import OFF_WORDS, ON_WORDS
    from nasperf.zero_cost.compute import Computation
    from nasperf.zero_cost.results_file import ResultsFile

    def fail(msg: object) -> int:
        return _fail("nasperf proxies", msg)

    if args.workers < 1:
        return fail(f"--workers must be at least 1, got {args.workers}")
    from nasperf.evaluation.engines import MAX_WORKERS

    if args.workers > MAX_WORKERS:
        return fail(f"--workers must be at most {MAX_WORKERS}, got {args.workers:,d}")
    if args.n is not None and args.n < 1:
        return fail(f"--n must be at least 1, got {args.n}")
    if args.n is not None and args.n > SAMPLE_MAX_N:
        return fail(f"--n must be at most {SAMPLE_MAX_N:,d} (a seeded sample), got {args.n:,d}")
    try:
        imports = []
        for module in args.imports:
            import_user_module(module)
            imports.append(str(Path(module).resolve()) if is_module_path(module) else module)
        try:
            kwargs = json.loads(args.network_kwargs) if args.network_kwargs else None
        except (ValueError, RecursionError) as err:
            return fail(f"--network-kwargs is not JSON ({err}): {args.network_kwargs[:200]}")
        if kwargs is not None and not isinstance(kwargs, dict):
            return fail(f"--network-kwargs must be a JSON object, got {args.network_kwargs}")
        word = args.cache.strip().lower()
        cache = None if word in OFF_WORDS | {""} else "default" if word in ON_WORDS else args.cache
        comp = Computation(
            args.space,
            args.proxies,
            args.dataset,
            batch_size=args.batch_size,
            seed=args.seed,
            device=args.device,
            cache=cache,
            network_kwargs=kwargs,
            inputs=args.images,
        )
        space = comp.space
        if args.archs is not None:
            archs = _read_arch_lines(args.archs, space)
            if not archs:  # an empty table would look like a finished run
                return fail(
                    f"--archs {args.archs}: the file holds no architectures (only blank "
                    "lines or '#' comments); give one native text per line"
                )
        elif args.all:
            size = space.size
            if size is not None and size > _MAX_ALL:
                return fail(
                    f"--all: {space.name} has {size:,d} architectures, more than --all "
                    f"computes ({_MAX_ALL:,d}); give --n N (a seeded sample) or --archs FILE"
                )
            # a space without a size (enumerate() but no size: both optional members) is
            # read at most one past the bound: it had been listed whole, memory growing
            # without limit before anything was printed (a 3^40 chain)
            import itertools

            archs = list(itertools.islice(space.enumerate(), _MAX_ALL + 1))
            if len(archs) > _MAX_ALL:
                return fail(
                    f"--all: {space.name} enumerates more than {_MAX_ALL:,d} architectures, "
                    f"more than --all computes; give --n N (a seeded sample) or --archs FILE"
                )
        else:
            archs = space.sample(args.n, seed=args.seed)
        keys = comp.keys(archs, progress=not args.quiet)
        settings = {
            k: v for k, v in comp.settings.items() if k not in ("nasperf", "torch", "format")
        }
        settings["proxies"] = comp.proxies
        out = ResultsFile(Path(args.out), comp.proxies, settings)
        done = out.open()
    except (
        ValueError,
        TypeError,
        RuntimeError,
        OSError,
        ImportError,
        UnknownNameError,
        NotImplementedError,
    ) as err:
        return fail(err)
    todo = [(text, arch) for text, (_, arch) in keys.items() if text not in done]
    print(
        f"nasperf proxies: {len(keys)} architectures, {len(keys) - len(todo)} already in "
        f"{args.out}, {len(todo)} to go ({', '.join(comp.proxies)}; {comp.device}, "
        f"{args.workers} worker(s))",
        file=sys.stderr,
    )
    import torch

    # Every worker runs one intra-op thread, and so does a single-process run: float sums
    # then reduce in the same order whatever --workers is, and the scores agree to the bit.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    complete = False
    from nasperf._claims import wait_note

    on_wait = wait_note("architecture(s)", args.out, prefix="nasperf proxies: ")
    # The expected time, once. It is measured from the moment every worker has returned its
    # first architecture, so that process start-up (spawning, importing torch, loading the
    # images) does not count as per-architecture time, and only after a few architectures
    # per worker and a few seconds; otherwise a 45-minute run was announced as 8.8 hours.
    first = max(3, 2 * args.workers)
    started: tuple[int, float] | None = None  # (architectures done, time) after start-up
    done = 0
    try:
        # Shared with any other process writing the same --out: each architecture is
        # claimed before it is computed; at the end, wait for the ones others compute.
        for batch in out.claims.rounds(todo, key=lambda item: item[0], on_wait=on_wait):
            for text, _, scores in comp.run(
                [arch for _, arch in batch],
                workers=args.workers,
                progress=not args.quiet,
                imports=imports,
                claim=out.claim,
            ):
                out.append(text, scores, comp.seconds.get(text))
                done += 1
                if first is None or done >= len(todo):
                    continue
                now = time.perf_counter()
                if started is None:
                    if done >= args.workers:
                        started = (done, now)
                elif done - started[0] >= first and now - started[1] >= _ETA_AFTER_S:
                    per_arch = (now - started[1]) / (done - started[0])
                    _print_eta(done, now - start, len(todo), args.workers, per_arch, comp.proxies)
                    first = None
        complete = True
    except KeyboardInterrupt:
        # interrupted before its first row (no other live writer): nothing to resume, and
        # a rerun with corrected settings must not be refused as "other settings"
        if out.discard_if_unused():
            print(f"\nnasperf proxies: interrupted; {args.out} held no row", file=sys.stderr)
        else:
            print(
                f"\nnasperf proxies: interrupted; rerun the same command to resume {args.out}",
                file=sys.stderr,
            )
        return 130
    except (ValueError, OSError) as err:  # e.g. a proxy cache that is not a database
        # Settings that cannot score a network (--network-kwargs the builder refuses, a
        # batch too small for a proxy) fail before any row: an output holding none (and
        # no other live writer) is removed, so the corrected rerun is not refused as
        # "computed with other settings".
        out.discard_if_unused()
        return fail(err)
    finally:
        torch.set_num_threads(threads)
        out.close(complete=complete)
        if comp.cache is not None:
            comp.cache.close()
    print(
        f"nasperf proxies: wrote {args.out} ({len(keys)} architectures) in "
        f"{time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


#: The most architectures ``nasperf proxies --all`` lists (a million NB201-size cells
#: already take days of proxies on a CPU); beyond it --n or --archs says which.
_MAX_ALL = 1_000_000

#: The expected time is printed once this many seconds have passed (and a few architectures
#: per worker are done), so that it rests on computed, not cached, architectures.
_ETA_AFTER_S = 2.0


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _print_eta(
    done: int,
    elapsed: float,
    todo: int,
    workers: int,
    per_arch: float,
    proxies: Sequence[str] = (),
) -> None:
    """One line: the time so far, the time per architecture after start-up (``per_arch``, all
    workers together) and the expected time for the rest."""
    from tqdm.auto import tqdm

    rest = per_arch * (todo - done)
    if rest <= 600:
        hint = ""
    elif "grasp" in proxies:
        hint = " (grasp dominates on a CPU; see 'nasperf proxies --help' for the others)"
    else:
        hint = " (see 'nasperf proxies --help' for what each proxy costs)"
    tqdm.write(
        f"nasperf proxies: {done} architectures in {elapsed:.0f} s, then {per_arch:.2g} s each "
        f"after start-up ({workers} worker(s)); the other {todo - done:,d} need about "
        f"{_duration(rest)} more{hint}",
        file=sys.stderr,
    )


def _plot(args: argparse.Namespace) -> int:
    from nasperf.evaluation.plots import plot_study

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    for flag, value in (("RESULTS_DIR", args.results), ("--out", args.out)):
        if value is not None and not value.strip():  # "" would mean the working directory
            return _fail("nasperf plot", f"{flag} is empty: give a folder")
    import sqlite3

    try:
        paths = plot_study(args.results, out=args.out, metrics=metrics)
    except (OSError, ValueError) as err:  # a damaged folder: DataIntegrityError, a ValueError
        return _fail("nasperf plot", err)
    except sqlite3.Error as err:  # one the store did not name (a lock held past its timeout)
        return _fail("nasperf plot", f"{args.results}: {str(err).strip() or type(err).__name__}")
    for path in paths:
        print(path)
    return 0


#: Most predictor threads ``nasperf screen --n-jobs`` takes.
_MAX_THREADS = 1024

_SCREEN_EPILOG = """\
FILE holds one architecture per line (the space's text format or a NASLib key; blank lines
and lines starting with # are skipped), or is a CSV with a header (--column, default the
first of arch, architecture, arch_str, genotype, spec, naslib_key, key) or NASLib JSON;
.gz files are read compressed. Lines that are not valid architectures are reported on
stderr with their line numbers and skipped. The ranking (best first: the highest
prediction, or the lowest with --minimize, for a predictor you fitted on a latency, an
energy or a loss) has columns rank, line, arch, prediction and, for predictors with
uncertainty, std. A --predictor fitted with zero-cost scores from a table reads the
scores of FILE's architectures from --zero-cost (every architecture and fitted column must
be there); one fitted with proxies it computed computes them again (cached). Exit status 0
when at least one architecture was screened, 1 when none was, 2 on a usage error.

example: nasperf screen --checkpoint nb201-cifar10-tree --archs cells.txt --top 100 \\
             --out ranked.csv
"""


def _add_screen_parser(sub) -> None:
    p = sub.add_parser(
        "screen",
        help="rank architectures from a file with a pre-trained predictor",
        description="Rank the architectures of a file by a pre-trained checkpoint's "
        "predictions (a text or CSV file is streamed: memory does not grow with it when "
        "--top is given; JSON is read whole, up to 256 Mi characters).",
        epilog=_SCREEN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--checkpoint", metavar="NAME", help="packaged checkpoint (see --list)")
    p.add_argument(
        "--predictor",
        type=path_arg,
        metavar="FILE",
        help="a predictor you fitted and saved (Predictor.save) instead of a checkpoint; "
        "on your own space, --import the module that registers it",
    )
    p.add_argument(
        "--archs", type=path_arg, metavar="FILE", help="architecture file (lines, CSV or JSON)"
    )
    p.add_argument(
        "--zero-cost",
        type=path_arg,
        metavar="FILE",
        help="for a --predictor fitted with zero-cost scores (fit(..., zero_cost=TABLE)): the "
        "scores of --archs' architectures in the columns it was fitted on (NASLib JSON, or "
        "CSV / parquet with an arch column)",
    )
    p.add_argument(
        "--zero-cost-dataset",
        metavar="NAME",
        help="which dataset's scores to read from a --zero-cost NASLib JSON of several",
    )
    p.add_argument("--top", type=int, metavar="K", help="keep only the K best")
    p.add_argument(
        "--minimize",
        action="store_true",
        help="rank the lowest predictions first (a --predictor fitted on a latency, an "
        "energy or a loss; the packaged checkpoints predict accuracy)",
    )
    p.add_argument(
        "--out", type=path_arg, metavar="FILE", help="write the ranking there (CSV; default stdout)"
    )
    p.add_argument(
        "--format", choices=("auto", "lines", "csv", "json"), default="auto", help="input format"
    )
    p.add_argument("--column", help="CSV column holding the architectures")
    p.add_argument("--batch-size", type=int, default=8192, help="architectures scored at once")
    p.add_argument("--n-jobs", type=int, default=1, help="predictor threads (default 1)")
    p.add_argument("--list", action="store_true", help="list the packaged checkpoints and exit")
    from nasperf._imports import add_import_option

    add_import_option(p, "search space, for --predictor")


def _text_table(rows: list[dict], cols: list[str]) -> str:
    """``rows`` as an aligned text table (floats to 3 decimals, numbers right-aligned)."""

    def cell(v: object) -> str:
        if v is None:
            return "-"
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    width = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(cols)]
    numeric = [all(isinstance(r.get(c), int | float) for r in rows) for c in cols]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, width, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(cols), *(line(v) for v in cells)])


def _quiet_stdout() -> None:
    """Point stdout at the null device after its reader went away, so that the
    interpreter's final flush does not raise BrokenPipeError again (Python's docs on
    SIGPIPE)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _screen(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nasperf import pretrained
    from nasperf.errors import DataIntegrityError

    if args.list:
        cols = ["name", "space", "dataset", "predictor", "encoding", "zero_cost", "n_train"]
        cols += ["kendall_tau", "spearman", "ndcg"]
        print(_text_table(pretrained.available_rows(), cols))
        return 0
    if args.checkpoint and args.predictor:
        return _fail("nasperf screen", "give --checkpoint or --predictor, not both")
    if not (args.checkpoint or args.predictor) or not args.archs:
        return _fail(
            "nasperf screen",
            "--checkpoint and --archs are required (or --predictor FILE for --checkpoint; or "
            "--list)",
        )
    if args.top is not None and args.top < 1:
        return _fail("nasperf screen", f"--top must be at least 1, got {args.top}")
    if args.n_jobs == 0 or args.n_jobs < -1:
        return _fail("nasperf screen", f"--n-jobs must be at least 1 (or -1), got {args.n_jobs}")
    if args.n_jobs > _MAX_THREADS:
        return _fail(
            "nasperf screen",
            f"--n-jobs must be at most {_MAX_THREADS} threads, got {args.n_jobs:,d}",
        )
    if args.out is not None and not args.out.strip():  # "" had meant stdout
        return _fail("nasperf screen", "--out is empty: give a file (or leave it out: stdout)")
    if args.batch_size < 1:
        return _fail("nasperf screen", f"--batch-size must be at least 1, got {args.batch_size}")
    if args.zero_cost is not None and not args.predictor:
        return _fail(
            "nasperf screen",
            "--zero-cost is for a --predictor fitted with zero-cost scores; a packaged "
            "--checkpoint reads its own table",
        )
    if args.zero_cost_dataset is not None and args.zero_cost is None:
        return _fail("nasperf screen", "--zero-cost-dataset names a dataset of --zero-cost FILE")
    try:
        if args.checkpoint:
            pretrained.info(args.checkpoint)  # an unknown name first, cheaply
        elif not Path(args.predictor).is_file():
            raise FileNotFoundError(f"predictor file {args.predictor} does not exist")
        if Path(args.archs).is_dir():
            raise ValueError(f"architecture file {args.archs} is a directory")
        if not Path(args.archs).is_file():  # then the file, before the checkpoint is loaded
            raise FileNotFoundError(f"architecture file {args.archs} does not exist")
        if args.checkpoint:
            ckpt = pretrained.load(args.checkpoint, n_jobs=args.n_jobs)
        else:
            from nasperf._imports import import_user_module
            from nasperf.predictors import load as load_predictor

            for module in args.imports:
                import_user_module(module)
            fitted = load_predictor(args.predictor)
            if "n_jobs" in fitted.get_params():
                fitted.set_params(n_jobs=args.n_jobs)
            ckpt = pretrained.Checkpoint.from_predictor(
                fitted,
                name=Path(args.predictor).name,
                zero_cost=args.zero_cost,
                zero_cost_dataset=args.zero_cost_dataset,
            )
    except (ValueError, OSError, DataIntegrityError, ImportError) as err:
        return _fail("nasperf screen", err)
    shown = 0

    def report(bad: pretrained.BadEntry) -> None:
        nonlocal shown
        shown += 1
        if shown <= 50:
            print(f"{args.archs}: {bad.where}: {bad.error}", file=sys.stderr)

    try:
        result = pretrained.screen(
            ckpt,
            args.archs,
            top=args.top,
            out=args.out if args.out else sys.stdout,
            format=args.format,
            column=args.column,
            batch_size=args.batch_size,
            on_bad=report,
            maximize=not args.minimize,
        )
    except BrokenPipeError:  # `nasperf screen ... | head`: the reader has what it wanted
        _quiet_stdout()
        return 141
    except (OSError, ValueError) as err:
        return _fail("nasperf screen", err)
    if result.n_bad > 50:
        print(f"... and {result.n_bad - 50} more malformed entries", file=sys.stderr)
    rate = result.n_screened / result.seconds if result.seconds > 0 else float("nan")
    where = f"; ranking in {args.out}" if args.out else ""
    print(
        f"screened {result.n_screened:,d} architectures with {ckpt.name} in "
        f"{result.seconds:.2f} s ({rate:,.0f} / s); {result.n_bad:,d} malformed entries "
        f"skipped{where}",
        file=sys.stderr,
    )
    return 0 if result.n_screened else 1


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's time limit), raised in the main thread so that
    every command stops as on Ctrl-C: claims dropped, the run's record closed, one line."""


_TERMINATED: list[bool] = []  # set by the handler: a command's own Ctrl-C branch returns 130


def _on_sigterm(signum, frame) -> None:
    _TERMINATED.append(True)
    raise _Terminated


def run_command(body: Callable[[], int], prog: str = "nasperf") -> int:
    """Run a command's ``body`` as the process's entry point (``nasperf``, ``python
    run_study.py``). Output piped to a reader that stops early (``nasperf info | head``) ends
    quietly with 141, as a shell tool killed by SIGPIPE; Ctrl-C ends with 130 and one line (a
    command that can resume says how); SIGTERM is handled the same way and ends with 143
    (128 + SIGTERM), as a process killed by it."""
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    _TERMINATED.clear()
    try:
        from nasperf._argparse import one_line_warnings

        with one_line_warnings(prog):
            code = body()
        # Output that fits stdout's buffer meets a closed pipe only when flushed: here, not
        # at exit, where Python reports "Exception ignored ... BrokenPipeError" and exits 120
        sys.stdout.flush()
        return 143 if _TERMINATED and code == 130 else code
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except _Terminated:
        print(f"\n{prog}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:  # before a command's own handler (imports, reading settings)
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nasperf`` command (see :func:`run_command` for how it ends on a
    closed pipe, Ctrl-C and SIGTERM)."""
    return run_command(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = ArgumentParser(
        prog="nasperf",
        description="Performance prediction for neural architecture search: studies, "
        "searches, zero-cost proxies and screening from the shell.",
        epilog="Run 'nasperf COMMAND --help' for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    from nasperf._imports import add_import_option

    info = sub.add_parser(
        "info",
        help="list spaces, benchmarks, encodings, proxies, search methods, checkpoints and "
        "predictors",
        description="List the registered search spaces, benchmarks, zero-cost tables, "
        "curve sources, encodings, proxies, search methods, pre-trained checkpoints and "
        "predictors, each predictor with what it needs and one line on what it is (with "
        "--import: your own too).",
    )
    add_import_option(info, "spaces, proxies, encodings or predictors")
    sub.add_parser("study", help="run a study (see `nasperf study --help`)", add_help=False)
    sub.add_parser(
        "search",
        help="simulated architecture searches over seeds (see `nasperf search --help`)",
        add_help=False,
    )
    plot = sub.add_parser(
        "plot",
        help="plot a study's stored results (no rerun)",
        description="Write the study plots (PNG) of a results folder.",
    )
    plot.add_argument(
        "results", type=path_arg, metavar="RESULTS_DIR", help="a study's results folder"
    )
    plot.add_argument(
        "--out", type=path_arg, metavar="DIR", help="where to write (default RESULTS_DIR/plots)"
    )
    plot.add_argument(
        "--metrics",
        default="kendall_tau,spearman",
        help="comma-separated metrics (default kendall_tau,spearman)",
    )
    _add_proxies_parser(sub)
    _add_screen_parser(sub)
    if argv and argv[0] == "study":
        from nasperf.evaluation.study import main as study_main

        return study_main(argv[1:], prog="nasperf study")
    if argv and argv[0] == "search":
        from nasperf.search.study import main as search_main

        return search_main(argv[1:], prog="nasperf search")
    args = parser.parse_args(argv)
    if args.command == "proxies":
        return _proxies(args)
    if args.command == "screen":
        return _screen(args)
    if args.command == "plot":
        return _plot(args)
    return _info(args)


if __name__ == "__main__":
    raise SystemExit(main())
