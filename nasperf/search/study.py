"""Search studies: many optimizers x seeds, run in parallel, resumable, summarised.

:func:`search_trials` expands methods x seeds into trial dicts (hashed like the predictor
studies' trials); :func:`run_search_study` runs them with the same engines (local process
pool, Dask, Ray; :func:`nasperf.evaluation.engines.run_trials`) into a results folder with
the same store (one SQLite row per finished search, so an interrupted study resumes
without repeating or losing finished seeds) and returns every history in one long table.
:func:`summarize_search` turns histories into the report: queries and simulated time to
reach targets (the global best; the top 0.1 %), the best value after given numbers of
queries, and the speedup against baselines, with confidence intervals of each median and
of each share of seeds that reached a target (:func:`median_ci`, :func:`found_ci`: ten
seeds rarely tell two methods apart); :func:`compare_searches` pairs two runs of the same
seeds (a default and a variant) seed by seed, with a sign test; :func:`plot_regret` draws
best-so-far regret against queries and simulated time (median and interquartile range over
seeds).

Random search is also given analytically on a tabular benchmark: sampling without
replacement from ``N`` architectures of which ``m`` reach the target, the number of queries
to the first hit has ``P(Q > q) = C(N - m, q) / C(N, q)``; its median and mean are exact and
need no simulation of the ~7,800 queries it takes on NAS-Bench-201.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf.errors import StudyNote, as_optional_path, as_path, warn_caller

__all__ = [
    "TARGETS",
    "FolderBusyError",
    "compare_searches",
    "distinct_searches",
    "format_summary",
    "found_ci",
    "median_ci",
    "plot_regret",
    "queries_to_target",
    "random_search_queries",
    "read_search_study",
    "regret_curves",
    "run_search_study",
    "run_search_trial",
    "search_trials",
    "shared_queries",
    "study_folder",
    "summarize_search",
    "target_threshold",
    "write_report",
    "write_summary_csv",
]

#: Targets of :func:`summarize_search`: name -> fraction of the table at or above it.
TARGETS: dict[str, float | None] = {"optimum": None, "top 0.1%": 0.001}

#: History columns a stored search does not keep: wall time differs from run to run and the
#: regret follows from the values and the stored optimum.
_NOT_KEPT = frozenset({"wall_time_s", "regret"})


def _kept_columns() -> tuple[str, ...]:
    """History columns kept per query in a stored search: those of
    :data:`~nasperf.search.run.HISTORY_COLUMNS` but ``_NOT_KEPT`` (``run`` is imported here,
    not with this module: it loads the spaces, and torch with them)."""
    from .run import HISTORY_COLUMNS

    return tuple(c for c in HISTORY_COLUMNS if c not in _NOT_KEPT)


def _method(spec: Any) -> dict:
    from .base import OPTIMIZERS

    if isinstance(spec, str):
        return {"optimizer": spec, "params": {}, "label": OPTIMIZERS.get(spec).name}
    if not isinstance(spec, Mapping) or "optimizer" not in spec:
        raise ValueError(f"a method is an optimizer name or a dict with 'optimizer', got {spec!r}")
    unknown = set(spec) - {"optimizer", "params", "label"}
    if unknown:
        raise ValueError(f"method {spec!r}: unknown keys {sorted(unknown)}")
    params = dict(spec.get("params") or {})
    label = spec.get("label") or (
        OPTIMIZERS.get(spec["optimizer"]).name
        + ("" if not params else " " + json.dumps(params, sort_keys=True, separators=(",", ":")))
    )
    return {"optimizer": spec["optimizer"], "params": params, "label": label}


def search_trials(
    methods: Sequence[Any],
    *,
    benchmark: str = "nb201",
    dataset: str | None = None,
    seeds: int | Sequence[int] = 25,
    budget: int = 100,
    time_budget: float | None = None,
    space: str | None = None,
    data: str | Path | None = None,
    target: str | None = None,
    cost: str | None = None,
    arch_column: str = "arch",
    imports: Sequence[str] = (),
    stop_at_optimum: bool = False,
    maximize: bool | None = None,
    spelling: tuple[str, str] = ("maximize=False", "maximize=True"),
    zero_cost: str | Path | None = None,
    fidelity_columns: Sequence[tuple[int, str]] | Mapping[int, str] | None = None,
    duplicates: str = "error",
) -> list[dict]:
    """Trials (dicts with a ``hash``) of every method x seed.

    Parameters
    ----------
    methods : sequence of str or dict
        Optimizer names, or ``{"optimizer": name, "params": {...}, "label": "..."}``.
    benchmark, dataset : str
        A registered benchmark and its dataset (default cifar10; ignored for the objective
        when ``data`` is given: ``dataset`` then names the task zero-cost proxies build
        networks for, by default the space's ``default_dataset``).
    seeds : int or sequence of int
        A count (seeds ``0 .. n-1``) or the seeds themselves.
    space : str, optional
        The registered space searched (required with ``data``; else it must be the
        benchmark's).
    data, target, cost, arch_column : optional
        A user's table (CSV / parquet, :meth:`TableObjective.from_file`): its path, value
        column, optional training-seconds column and architecture column. The file's
        sha256 is part of each trial, so a changed file is searched anew.
    imports : sequence of str
        Modules imported first (where user spaces register), in every worker.
    stop_at_optimum : bool
        End each search once it finds the optimum (see :func:`~nasperf.search.run`).
    maximize : bool or None
        With ``data``: False when ``target`` is a loss, an error or a latency (the searches
        maximise minus it; :class:`TableObjective`'s ``maximize``). None: maximised, unless
        the column's name reads like a quantity to minimise, which is a ``ValueError``.
    spelling : (str, str)
        How that error writes the two choices (the command line passes its flags).
    zero_cost : path, optional
        With ``data``: a CSV of zero-cost proxy scores of the table's architectures (the
        architecture column, then one numeric column per proxy, read by
        :func:`nasperf.datasets.read_zero_cost_table`; every architecture of the table
        needs a row). The warm starts and the predictors' features read it instead of
        computing proxies (``run(zero_cost=...)``). Its sha256 is part of each trial.
    fidelity_columns : sequence of (epochs, column), optional
        With ``data``: the table's value column at each fidelity, cheapest first, the last
        being ``target`` (:meth:`TableObjective.from_file`): multi-fidelity methods
        (successive halving, Hyperband, BOHB) then query the cheaper columns, charged
        ``epochs / full epochs`` of ``cost``.
    duplicates : {"error", "first", "last"}
        With ``data``: an architecture the table lists twice (under one spelling or two):
        an error (default), or keep its first / last row (:class:`TableObjective`).
    """
    from nasperf.evaluation.config import MAX_SEEDS, _file_sha256, trial_hash

    data = as_optional_path(data, "data")
    zero_cost = as_optional_path(zero_cost, "zero_cost")
    from .base import OPTIMIZERS
    from .base import get as get_optimizer
    from .run import check_budgets

    check_budgets(budget, time_budget)
    if isinstance(seeds, int | np.integer) and seeds > MAX_SEEDS:  # before a list is made
        raise ValueError(f"seeds: {seeds:,d} seeds; a search study takes at most {MAX_SEEDS:,d}")
    seeds = list(range(seeds)) if isinstance(seeds, int | np.integer) else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: at least one seed is needed")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(
            f"seeds: {len(seeds):,d} seeds; a search study takes at most {MAX_SEEDS:,d}"
        )
    source: dict[str, Any] = {
        "benchmark": benchmark,
        "dataset": dataset or (_benchmark_dataset(benchmark) if data is None else "cifar10"),
    }
    from nasperf._imports import import_user_module, is_module_path

    imported = []
    for module in imports:
        import_user_module(module)
        if is_module_path(module):  # the workers import the same file
            module = str(Path(module).expanduser().resolve())
        imported.append(module)
    imports = imported
    if data is not None:
        if space is None or target is None:
            raise ValueError("a search over a table (data) needs its space and target column")
        if not isinstance(space, str):
            raise TypeError(
                f"space: a search study stores its trials by the space's name, got "
                f"{type(space).__name__}; register the space (nasperf.spaces.SPACES.register) "
                "and give its name (search.run takes an instance)"
            )
        from nasperf.encodings import resolve_space

        from .run import _check_image_task, _proxy_dataset

        # the space's own task where none is named, stored by its name (a trial is JSON;
        # run() reads the name of the space's own task object back as that object)
        space_obj = resolve_space(space)
        own = getattr(space_obj, "default_dataset", "cifar10")
        if dataset is None:
            dataset = own if isinstance(own, str) else str(own.name)
        _check_image_task(_proxy_dataset(space_obj, dataset))
        from nasperf.datasets.direction import target_sign

        # the command line passes its flags as the spelling: the error then names --target
        where = "--target" if spelling[0].startswith("--") else "maximize"
        sign = target_sign(target, maximize, where=where, spelling=spelling)
        path = data.expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no such table file: {path}")
        source = {
            "benchmark": f"table:{path.name}",
            "dataset": dataset,
            "space": space,
            "data": str(path),
            "data_sha256": _file_sha256(path),
            "target": target,
            "cost": cost,
            "arch_column": arch_column,
        }
        if sign < 0:  # only where set: the hashes of earlier trials stay the same
            source["maximize"] = False
        if fidelity_columns is not None:  # only where set, as maximize
            from .objective import _fidelity_columns

            columns, epochs = _fidelity_columns(fidelity_columns, target)
            source["fidelity_columns"] = [[epochs[f], c] for f, c in columns.items()]
        if duplicates != "error":  # only where set, as maximize
            source["duplicates"] = duplicates
        if zero_cost is not None:
            zpath = zero_cost.expanduser().resolve()
            if not zpath.is_file():
                raise FileNotFoundError(f"no such zero-cost file: {zpath}")
            source["zero_cost"] = str(zpath)
            source["zero_cost_sha256"] = _file_sha256(zpath)
            warn_unread_proxy_columns(zpath, arch_column)
        objective = _trial_objective(source)  # a bad table fails here, once, naming the problem
        if zero_cost is not None:
            from .run import check_zero_cost

            check_zero_cost(_trial_zero_cost(source), objective)
    elif target is not None or cost is not None or maximize is not None:
        raise ValueError("target / cost / maximize describe a table: give data as well")
    elif fidelity_columns is not None:
        raise ValueError("fidelity_columns name columns of a table: give data as well")
    elif duplicates != "error":
        raise ValueError("duplicates says how to read a table: give data as well")
    elif zero_cost is not None:
        raise ValueError("zero_cost holds proxy scores of a table's architectures: give data too")
    elif space is not None:
        source["space"] = space
        _trial_objective(source)
    if imports:
        source["imports"] = list(imports)
    if stop_at_optimum:  # only when set: the hashes of earlier trials stay the same
        source["stop_at_optimum"] = True
    out, labels = [], set()
    for i, spec in enumerate(methods):
        m = _method(spec)
        OPTIMIZERS.get(m["optimizer"])  # unknown names fail here, naming the available ones
        try:  # bad parameters fail here, before any trial runs
            get_optimizer(m["optimizer"], **m["params"])
        except ValueError as err:
            raise ValueError(f"methods[{i}] ({m['label']}): {err}") from None
        if m["label"] in labels:
            raise ValueError(f"two methods share the label {m['label']!r}")
        labels.add(m["label"])
        for seed in seeds:
            trial = {
                "kind": "search",
                **m,
                **source,
                "seed": seed,
                "budget": int(budget),
                "time_budget": time_budget,
            }
            trial["hash"] = trial_hash(trial)
            out.append(trial)
    return out


_OBJECTIVES: dict[tuple, Any] = {}


def _unchanged(path: str, sha256: str | None, what: str) -> Path:
    """A trial's file, which must exist and (where the trial recorded it) still have the
    sha256 the trial was made with."""
    from nasperf.evaluation.config import _file_sha256

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such {what}: {path}")
    if sha256 and _file_sha256(path) != sha256:
        raise ValueError(f"{path} changed since the study's trials were made")
    return path


def _trial_objective(trial: Mapping[str, Any]):
    """The objective of a trial (kept per process: a study runs many seeds on one)."""
    from nasperf._imports import import_user_module

    from .objective import TableObjective, get_objective
    from .run import _resolve_objective

    for module in trial.get("imports", []):
        import_user_module(module)
    key = tuple(
        str(trial.get(k))
        for k in (
            "benchmark",
            "dataset",
            "space",
            "data",
            "data_sha256",
            "target",
            "cost",
            "maximize",
            "fidelity_columns",
            "duplicates",
        )
    )
    if key not in _OBJECTIVES:
        if trial.get("data"):
            path = _unchanged(trial["data"], trial.get("data_sha256"), "table file")
            obj = TableObjective.from_file(
                path,
                trial["space"],
                trial["target"],
                cost=trial.get("cost"),
                arch_column=trial.get("arch_column") or "arch",
                maximize=_trial_maximize(trial),
                fidelity_columns=[tuple(p) for p in trial.get("fidelity_columns") or []] or None,
                duplicates=trial.get("duplicates", "error"),
            )
        else:
            obj = get_objective(trial["benchmark"], trial["dataset"])
        _OBJECTIVES.clear()  # one at a time: tables can be large
        _OBJECTIVES[key] = _resolve_objective(trial.get("space"), obj, None, trial["dataset"])
    return _OBJECTIVES[key]


def _optimizer_name(name: Any) -> str:
    """The registered name of an optimizer given by an alias (``sh``), as its notes say it."""
    from .base import OPTIMIZERS

    try:
        return str(OPTIMIZERS.get(name).name)
    except (KeyError, ValueError, TypeError, AttributeError):
        return str(name)


def _benchmark_dataset(benchmark: str) -> str:
    """A benchmark's dataset where none is named: cifar10 where it has one (NB201, NB301),
    else its first (NAS-Bench-Graph's proteins had been refused as "unknown dataset
    'cifar10'"); cifar10 for a name that is no benchmark (the objective names the error)."""
    from nasperf.datasets import get_benchmark

    try:
        datasets = list(get_benchmark(benchmark).datasets)
    except (KeyError, ValueError, TypeError):
        return "cifar10"
    return "cifar10" if "cifar10" in datasets or not datasets else datasets[0]


def _trial_maximize(trial: Mapping[str, Any]) -> bool | None:
    """The ``maximize`` of a table trial's objective. Trials record only ``False`` (the
    hashes of earlier ones stay the same), so a maximised target is either one whose name
    (or a cheaper fidelity's column name) reads like a quantity to minimise, which
    :func:`search_trials` let through because the user said to maximise it (True), or one
    the direction of which nasperf may have assumed
    (None: the objective resolves it and the run's notes say so for a name such as
    ``score``; they had not, from the command line or a study)."""
    from nasperf.datasets.direction import looks_minimised

    if trial.get("maximize") is False:
        return False
    # the target and its cheaper fidelities' columns, which the objective checks alike
    columns = [trial["target"], *(c for _, c in trial.get("fidelity_columns") or [])]
    return True if any(looks_minimised(c) for c in columns) else None


_ZERO_COST: dict[tuple, pd.DataFrame] = {}


def _trial_zero_cost(trial: Mapping[str, Any]) -> pd.DataFrame | None:
    """The zero-cost table of a trial's ``zero_cost`` file, if it names one (kept per
    process); the file must be the one the trial was made with."""
    if not trial.get("zero_cost"):
        return None
    key = (trial["zero_cost"], trial.get("zero_cost_sha256"), trial["space"])
    if key not in _ZERO_COST:
        from nasperf.datasets import read_zero_cost_table

        path = _unchanged(trial["zero_cost"], trial.get("zero_cost_sha256"), "zero-cost file")
        proxies = _proxy_header(path)
        table = read_zero_cost_table(
            path,
            trial["space"],
            arch_column=trial.get("arch_column") or "arch",
            # each a finite number, or NaN where the proxy failed on a network (nasperf
            # proxies' files)
            columns=proxies,
            # the proxies' recorded seconds (`nasperf proxies`' <proxy>_time): what they cost
            seconds=True,
        )
        table = table[proxies]  # (its nan_reasons, a label: no proxies the search reads)
        _ZERO_COST.clear()  # one at a time, like the objectives
        _ZERO_COST[key] = table
    return _ZERO_COST[key]


def warn_unread_proxy_columns(path: Path, arch_column: str) -> None:
    """A ``UserWarning`` naming the columns of the proxy CSV ``path`` that nothing reads: not
    the architecture column, not a registered proxy (:func:`_proxy_header`), not ``nasperf
    proxies``' ``nan_reasons`` (a misspelt ``synflw`` had been dropped without a word)."""
    from nasperf.datasets.readers import read_csv_header
    from nasperf.encodings.zero_cost import proxy_names
    from nasperf.zero_cost.results_file import REASONS_COLUMN

    header = read_csv_header(path)  # read once (_proxy_header would read it again)
    proxies = proxy_names(header)
    if not proxies:  # _proxy_header's error names the columns when the file is read
        return
    from nasperf.encodings.zero_cost import time_columns

    times = time_columns(header)
    known = {arch_column, REASONS_COLUMN, *proxies, *(times[p] for p in proxies if p in times)}
    unread = [c for c in header if c not in known]
    if unread:
        warn_caller(
            f"{path.name}: columns {unread} are not registered zero-cost proxies, so nothing "
            "reads them (nasperf.zero_cost.available() lists the names)",
            UserWarning,
        )


def _proxy_header(path: Path) -> list[str]:
    """The columns of a proxy CSV named as registered zero-cost proxies (the only ones a
    search reads: ``nasperf proxies``' ``nan_reasons`` and any label are left out); a
    ``ValueError`` when there is none."""
    from nasperf.datasets.readers import read_csv_header
    from nasperf.encodings.zero_cost import proxy_names

    # as read_architecture_csv reads it: a byte-order mark (Excel's "CSV UTF-8") had become
    # part of the first name, so a proxy in the first column was silently left out
    header = read_csv_header(path)
    proxies = proxy_names(header)
    if not proxies:
        raise ValueError(
            f"{path.name}: no column is named as a registered zero-cost proxy (its columns: "
            f"{header[:8]}; nasperf.zero_cost.available())"
        )
    return proxies


def run_search_trial(
    trial: Mapping[str, Any], *, progress: bool = False, query_bar: bool = True
) -> dict:
    """Run one search trial; the row holds the trial and its history (column lists).
    ``progress``: a bar where the search computes its warm-start proxies and, with
    ``query_bar``, one over its queries (``run(..., progress=True)``); a search study
    leaves the latter to searches it runs in its own process."""
    from nasperf.evaluation.engines import _with_threads_one

    from .run import QUERY_BAR, run

    start = time.perf_counter()
    objective = _trial_objective(trial)
    token = QUERY_BAR.set(query_bar)
    try:
        hist = _with_threads_one(
            lambda: run(
                trial["optimizer"],
                objective=objective,
                dataset=trial["dataset"],
                budget=int(trial["budget"]),
                time_budget=trial.get("time_budget"),
                seed=int(trial["seed"]),
                params=trial.get("params") or None,
                stop_at_optimum=bool(trial.get("stop_at_optimum", False)),
                zero_cost=_trial_zero_cost(trial),
                progress=progress,
            )
        )
    finally:
        QUERY_BAR.reset(token)
    row = {k: trial[k] for k in ("hash", "label", "optimizer", "benchmark", "dataset", "seed")}
    row["history"] = {c: hist[c].tolist() for c in _kept_columns()}
    row["optimum_archs"] = hist.attrs.get("optimum_archs")
    row["optimum_value"] = hist.attrs.get("optimum_value")
    row["cost_unit"] = hist.attrs.get("cost_unit", "s")
    row["notes"] = list(hist.attrs.get("notes", []))
    row["trial_time_s"] = time.perf_counter() - start
    return row


def run_search_study(
    trials: Sequence[Mapping[str, Any]],
    out: str | Path,
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    address: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run (or resume) ``trials`` into the results folder ``out``; return every history.

    Finished searches (by trial hash) are skipped; each finished one is committed at once.
    Failed searches are reported on stderr and retried by the next run; a folder that also
    holds other runs' searches is said by a :class:`~nasperf.errors.StudyNote`. Several processes
    may run into the same folder at once: they share the searches without running any twice
    (see :func:`nasperf.evaluation.engines.run_claimed`) and each returns every history.

    Raises
    ------
    DataIntegrityError
        A stored search is damaged (a row edited by hand, or written by something else: no
        history, a seed that is not a whole number, ...): the message names the file, the
        trial and the field; checked when the folder is opened, before anything runs.
    TypeError
        ``out`` is not a path (an empty one is a ``ValueError``).
    ValueError
        The searches would run in worker processes (``workers`` >= 2, Ray, a Dask cluster)
        and use a space, optimizer, predictor or proxy registered in ``__main__``, which
        the workers do not import (the message says to list its module under
        ``imports``); checked before anything is written.
    """
    from nasperf._claims import wait_note
    from nasperf._main_registrations import check_main_registrations
    from nasperf.evaluation.engines import check_workers, run_claimed
    from nasperf.evaluation.store import ResultsStore

    out = as_path(out, "out")
    workers = check_workers(workers)
    # before anything is written: a name registered in __main__ fails every search on workers
    check_main_registrations(trials, engine=engine, workers=workers, scheduler=scheduler)
    store = ResultsStore(out)  # the rows already stored are checked here, before any runs
    try:
        store.check_kind("search")
        store.check_rows("search")
        done = store.finished()
        wanted = {t["hash"] for t in trials}
        others = [t for t in store.trials() if t["hash"] not in wanted]
        if others:
            warn_caller(_others_note(out, others, trials), StudyNote)
        todo = [dict(t) for t in trials if t["hash"] not in done]
        bar = None
        if progress and todo:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), unit="search", dynamic_ncols=True)
        say = bar.write if bar is not None else print
        on_wait = wait_note("search(es)", out, say=say) if progress else None
        # a search run in this process shows its queries under the bar of searches (tqdm
        # puts it on the next line and clears it when the search ends); run_claimed runs
        # them here where one process does. Worker processes show no bar of queries:
        # several processes' bars would overwrite one line.
        here = engine == "local" and min(workers, len(todo)) == 1
        try:
            for trial, _, err in run_claimed(
                store,
                todo,
                engine=engine,
                workers=workers,
                scheduler=scheduler,
                address=address,
                fn=functools.partial(run_search_trial, progress=progress, query_bar=here),
                on_wait=on_wait,
            ):
                if err is not None:
                    say(
                        f"search failed: {trial['label']} seed={trial['seed']}: "
                        f"{err.splitlines()[0]}",
                        file=sys.stderr,
                    )
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        rows = [r for r in store.rows() if r["hash"] in wanted]
    finally:
        store.close()
    return _histories(rows, {t["hash"]: t for t in trials})


class FolderBusyError(RuntimeError):
    """Another run holds the results folder (see :func:`study_folder`)."""


@contextlib.contextmanager
def study_folder(out: str | Path, *, resume: bool = False) -> Iterator[Path]:
    """Hold the results folder ``out`` for one run of a script: without ``resume``, delete
    the study found there first (a study resumes by trial hash, which names the settings,
    not the code, so rows left by a run of other code would be reported as this run's).

    Deleting a study another process is writing would lose its records, so the run holds
    ``out`` (an OS file lock, ``.run.lock``, freed if its holder dies) and a second run on
    it raises :class:`FolderBusyError` at once, resumed or not. Processes that share one
    study on purpose call :func:`run_search_study` on the same folder without this."""
    from filelock import FileLock, Timeout

    out = as_path(out, "out")
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / ".run.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise FolderBusyError(
            f"{out} is in use by another run; wait for it, or give this run its own folder"
        ) from None
    try:
        if not resume:
            for stale in out.glob("results.sqlite*"):
                stale.unlink()
        yield out
    finally:
        lock.release()


def read_search_study(out: str | Path) -> pd.DataFrame:
    """Every history stored in the results folder ``out`` (see :func:`run_search_study`):
    one history per stored search (trial hash, in the ``hash`` column).

    A folder may hold searches of several settings (two ``nasperf search`` runs into one
    ``--out`` with another ``--budget`` or ``--dataset``, a changed table file, ...). They
    are never spliced into one history per method and seed: where the folder's searches
    differ in anything but method and seed, every label is suffixed with the settings that
    differ, e.g. ``random_search [budget=20, dataset=cifar10]`` and ``random_search
    [budget=30, dataset=cifar100]``, so each label holds the searches of one setting (and
    :func:`summarize_search`, :func:`plot_regret` report them apart); ``attrs["notes"]``
    then says so, naming the folder and what differs. A folder of one setting reads with
    its labels unchanged. (:func:`run_search_study`, and so ``nasperf search``'s report,
    reads only the searches of the trials it is given.)
    """
    from nasperf.evaluation.store import ResultsStore

    out = as_path(out, "out")
    with ResultsStore(out) as store:
        # a damaged search is named, not half-read
        rows = [r for r in store.check_rows("search") if "history" in r]
        trials = {t["hash"]: t for t in store.trials()}
    return _histories(rows, trials, folder=out)


#: Trial keys that tell a search's method apart (a label names them) or its seed.
_METHOD_KEYS = ("label", "optimizer", "params")


def _settings(trial: Mapping[str, Any]) -> dict[str, Any]:
    """A search trial's settings other than its hash, seed and kind."""
    return {k: v for k, v in trial.items() if k not in ("hash", "seed", "kind")}


def _differing(trials: Sequence[Mapping[str, Any]]) -> list[str]:
    """The setting keys on which ``trials`` (one folder's searches) disagree, beyond their
    methods and seeds: keys other than the method's whose values are not all the same, and
    the method's keys (optimizer, params) where one label holds trials that differ in them."""
    settings = [_settings(t) for t in trials]
    keys = sorted({k for s in settings for k in s})
    missing = object()

    def distinct(group: list[dict], key: str) -> int:
        return len({_setting_text(key, s.get(key, missing)) for s in group})

    out = [k for k in keys if k not in _METHOD_KEYS and distinct(settings, k) > 1]
    by_label: dict[str, list[dict]] = {}
    for s in settings:
        by_label.setdefault(str(s.get("label")), []).append(s)
    for k in ("optimizer", "params"):
        if any(distinct(g, k) > 1 for g in by_label.values()):
            out.append(k)
    return out


def _setting_text(key: str, value: Any) -> str:
    """A setting's value as a label shows it (a file's sha256 shortened)."""
    if value is None or not isinstance(value, str | int | float | bool | list | dict):
        return "none"
    if isinstance(value, str):
        return value[:12] if key.endswith("sha256") else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return str(value)


def _labels_apart(trials: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, str], list[str]]:
    """Each trial's label (by hash), suffixed with the settings that differ between the
    trials (:func:`_differing`) where there are any; and those settings."""
    differ = _differing(list(trials.values()))
    labels = {}
    for h, t in trials.items():
        label = str(t.get("label"))
        if differ:
            label += " [" + ", ".join(f"{k}={_setting_text(k, t.get(k))}" for k in differ) + "]"
        labels[h] = label
    return labels, differ


def _others_note(out: str | Path, others: list[dict], trials: Sequence[Mapping[str, Any]]) -> str:
    """The note of a run into a folder that also holds searches not among its ``trials``:
    how many, and what they differ in."""
    ours = [_settings(t) for t in trials]
    theirs = [_settings(t) for t in others]
    keys = sorted({k for s in ours + theirs for k in s} - set(_METHOD_KEYS))

    def values(group: list[dict], key: str) -> set[str]:
        return {_setting_text(key, s.get(key)) for s in group}

    differ = [k for k in keys if values(ours, k) != values(theirs, k)]
    what = (
        f"other settings: {', '.join(differ)}"
        if differ
        else "the same settings, other methods or seeds"
    )
    return (
        f"{out} also holds {len(others)} finished search(es) that are not part of this "
        f"run ({what}); this run's report reads only its {len(trials)}, "
        f"nasperf.search.study.read_search_study({str(out)!r}) reads every search in the "
        "folder, each method "
        "labelled by the settings that differ: give a changed search its own --out"
    )


def _histories(
    rows: list[dict],
    trials: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    folder: str | Path | None = None,
) -> pd.DataFrame:
    """Every row's history in one long table, one history per trial (``hash``); where the
    ``trials`` (by hash) differ in more than method and seed, each label is suffixed with
    the settings that differ (:func:`_labels_apart`); ``time_budget`` holds each search's
    simulated time limit (NaN: none), as its trial gives it. ``attrs``: ``notes`` (each distinct
    note of the searches, prefixed by the method; and one naming ``folder`` and what differs
    where labels were suffixed) and ``cost_unit``."""
    frames = []
    notes: dict[str, None] = {}
    units = set()
    trials = {r["hash"]: trials[r["hash"]] for r in rows if r["hash"] in (trials or {})}
    labels, differ = _labels_apart(trials) if trials else ({}, [])
    if differ:
        n = len({tuple(_setting_text(k, t.get(k)) for k in differ) for t in trials.values()})
        notes.setdefault(
            f"{folder if folder is not None else 'these searches'}: searches of {n} settings "
            f"(they differ in {', '.join(differ)}); each label names its settings",
            None,
        )
    for r in rows:
        r = {**r, "label": labels.get(r["hash"], r["label"])}
        h = pd.DataFrame(r["history"])
        if "query" not in h:  # stored before repeats were recorded: one query per row
            h.insert(0, "query", np.arange(1, len(h) + 1))
        if "repeat" not in h:
            h["repeat"] = False
        h.insert(0, "step", np.arange(1, len(h) + 1))
        for k in ("label", "optimizer", "benchmark", "dataset", "seed"):
            h.insert(0, k, r[k])
        opt = r.get("optimum_value")
        archs = r.get("optimum_archs") or ([r["optimum_arch"]] if r.get("optimum_arch") else [])
        h["optimum_archs"] = ", ".join(archs) if archs else None
        h["regret"] = np.nan if opt is None else opt - h["best_value"]
        h["hash"] = r["hash"]  # the trial: one history each
        # the search's simulated time limit (NaN: none), which the report reads best@time at
        limit = (trials.get(r["hash"]) or {}).get("time_budget")
        h["time_budget"] = np.nan if limit is None else float(limit)
        frames.append(h)
        units.add(r.get("cost_unit", "s"))
        for note in r.get("notes") or []:
            # an optimizer's own notes start with its name: said once, as the label
            note = str(note).removeprefix(f"{_optimizer_name(r.get('optimizer'))}: ")
            notes.setdefault(f"{r['label']}: {note}", None)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True).sort_values(
        ["label", "seed", "step"], kind="stable", ignore_index=True
    )
    out.attrs = {"notes": list(notes), "cost_unit": "query" if "query" in units else "s"}
    return out


# --------------------------------------------------------------------------- report
def random_search_queries(n: int, m: int) -> tuple[float, float]:
    """Median and mean number of uniform queries without replacement, among ``n``
    architectures of which ``m`` are targets, until the first target is drawn."""
    if not 1 <= m <= n:
        raise ValueError(f"need 1 <= m <= n, got m={m}, n={n}")
    q = np.arange(n - m + 2)
    # log P(Q > q) = sum_{i<q} log((n - m - i) / (n - i))
    steps = np.log(np.maximum(n - m - q[:-1], 1e-300)) - np.log(n - q[:-1])
    log_surv = np.concatenate([[0.0], np.cumsum(steps)])
    surv = np.exp(log_surv)
    surv[n - m + 1 :] = 0.0
    median = float(np.argmax(surv <= 0.5 + 1e-12))
    return median, (n + 1) / (m + 1)


def distinct_searches(histories: Sequence[pd.DataFrame]) -> int:
    """How many of ``histories`` (one method's searches, one DataFrame per seed) made
    different queries: the number of distinct sequences of queried architectures (with
    their fidelities; the values where a history has no ``arch`` column), each read in its
    search's own order (``step``, else ``query`` then ``sim_time_s``, as every report
    function reads a history), whatever order its rows are in.

    Seeds only vary what a method draws at random: a method whose every choice is
    deterministic (a deterministic predictor with a greedy or UCB acquisition after a
    zero-cost warm start, e.g. ``predictor_local_search`` with ``gp_wl``) repeats one search
    whatever the seed, and so does any method that reaches the target within its fixed
    first queries. The figures over seeds (and their intervals) still describe what the
    seed changes, but they come from fewer searches than seeds: one, for a deterministic
    method, which says nothing of how its result would vary with anything else.

    Raises
    ------
    TypeError
        ``histories`` is not a sequence of DataFrames (one DataFrame is refused: split it
        by seed, ``[h for _, h in df.groupby("seed")]``).
    ValueError
        A history has neither an ``arch`` nor a ``value`` column.
    """
    if isinstance(histories, pd.DataFrame | pd.Series | str | bytes | Mapping) or not (
        isinstance(histories, Sequence | np.ndarray) or hasattr(histories, "__iter__")
    ):
        hint = (
            ' (one method\'s searches, one per seed: [h for _, h in df.groupby("seed")])'
            if isinstance(histories, pd.DataFrame)
            else ""
        )
        raise TypeError(
            f"histories must be a sequence of DataFrames{hint}, got {type(histories).__name__}"
        )
    keys = set()
    for i, h in enumerate(histories):
        if not isinstance(h, pd.DataFrame):
            raise TypeError(
                f"histories[{i}] must be a DataFrame (one search's history), got {type(h).__name__}"
            )
        cols = ["arch" if "arch" in h.columns else "value"]
        if cols[0] not in h.columns:
            raise ValueError(
                f"histories[{i}] has neither an 'arch' nor a 'value' column: nothing tells "
                "its queries apart"
            )
        cols += ["fidelity"] if "fidelity" in h.columns else []
        h = _search_order(h)
        keys.add(tuple(tuple(map(str, h[c].tolist())) for c in cols))
    return len(keys)


def shared_queries(histories: Sequence[pd.DataFrame]) -> int:
    """How many paid queries every one of ``histories`` (one method's searches, one per
    seed) made alike at its start: the ``query`` count at the end of the longest prefix of
    queried architectures (with their fidelities; values where there is no ``arch``
    column, as :func:`distinct_searches` reads them) common to all, each read in its
    search's own order; 0 for fewer than two histories or none in common.

    A zero-cost warm start ranks the candidates the same way in every seed (a packaged
    proxy table, or a pool that holds the whole table or is drawn from a fixed seed), so
    its first ``n_init`` queries are those of every seed; a target reached within them is
    reached at the same query by every seed: one event, not one per seed.
    :func:`summarize_search` counts it once.

    Raises what :func:`distinct_searches` raises for the same input."""
    distinct_searches(histories)  # the same checks and errors
    if len(histories) < 2:
        return 0
    seqs = []
    for h in histories:
        cols = ["arch" if "arch" in h.columns else "value"]
        cols += ["fidelity"] if "fidelity" in h.columns else []
        h = _search_order(h)
        seqs.append((list(zip(*(h[c].astype(str).tolist() for c in cols), strict=True)), h))
    n = min(len(seq) for seq, _ in seqs)
    common = 0
    while common < n and len({seq[common] for seq, _ in seqs}) == 1:
        common += 1
    if common == 0:
        return 0
    return int(seqs[0][1]["query"].iloc[common - 1])


#: Columns every report function reads from a history.
_REPORT_COLUMNS = ("label", "seed", "query", "best_value", "sim_time_s")


def _report_histories(
    histories: Any, name: str = "histories", *, scored: str | None = None
) -> pd.DataFrame:
    """``histories`` as every report function reads them, checked once at its entry.

    The rows of each search in its own order (:func:`_search_order`: by ``step`` where the
    histories have it, else by ``query``, then ``sim_time_s``, a paid query before its free
    repeats, ties in the order given), labels in the order they first appear and seeds
    ascending: "the query at which a search first reached a target" is then read from the
    search, never from the order a caller's sort or shuffle left its rows in.

    Refused, with a ``ValueError`` naming ``name`` and what to do: no rows; a missing
    column of :data:`_REPORT_COLUMNS` (or a missing value in ``label``, ``seed``,
    ``query``); one label whose searches are of several benchmarks or datasets, or, where
    ``scored`` says what scores them against one table (``"table_values"``, ``"threshold"``),
    histories of several at all; one label and seed that hold more than one search
    (:func:`_one_search_each`, :func:`_check_one_search`). A ``TypeError`` where
    ``histories`` is no DataFrame."""
    if not isinstance(histories, pd.DataFrame):
        raise TypeError(
            f"{name} must be a DataFrame of search histories (run_search_study, "
            f"read_search_study), got {type(histories).__name__}"
        )
    if histories.empty:
        raise ValueError(f"{name} has no rows: there is no search to report")
    missing = [c for c in _REPORT_COLUMNS if c not in histories.columns]
    if missing:
        raise ValueError(
            f"{name} has no column {', '.join(repr(c) for c in missing)}: a search history "
            f"needs {', '.join(_REPORT_COLUMNS)} (as run_search_study and read_search_study "
            "return them)"
        )
    for col in ("label", "seed", "query"):
        if histories[col].isna().any():
            raise ValueError(
                f"{name}: column {col!r} has missing values in "
                f"{int(histories[col].isna().sum())} row(s); every row names its search "
                "(label, seed) and its query"
            )
    _one_task(histories, name, scored)
    _one_search_each(histories, name)
    ordered = _search_order(histories)
    _check_one_search(ordered, name)
    return ordered


def _search_order(histories: pd.DataFrame) -> pd.DataFrame:
    """``histories`` with each search's rows in the order the search made them: by
    ``step`` where there is that column, else by ``query`` then ``sim_time_s`` (both
    non-decreasing in a search) and a paid query before its free repeats (``repeat``);
    ties keep the order given. Searches are grouped by label (in the order labels first
    appear) and seed (ascending); the index is reset."""
    cols = histories.columns
    keys: dict[str, Any] = {}
    if "label" in cols:
        keys["_label"] = pd.factorize(histories["label"])[0]
    if "seed" in cols:
        keys["_seed"] = histories["seed"].to_numpy()
    if "step" in cols:
        keys["_step"] = pd.to_numeric(histories["step"], errors="coerce").to_numpy()
    else:
        for c in ("query", "sim_time_s"):
            if c in cols:
                keys[f"_{c}"] = pd.to_numeric(histories[c], errors="coerce").to_numpy()
        if "repeat" in cols:
            keys["_repeat"] = histories["repeat"].eq(True).to_numpy()
    keys["_position"] = np.arange(len(histories))  # ties: the order given
    order = pd.DataFrame(keys).sort_values(list(keys), kind="stable").index.to_numpy()
    return histories.iloc[order].reset_index(drop=True)


def _one_task(histories: pd.DataFrame, name: str, scored: str | None) -> None:
    """Refuse ``histories`` whose searches are of several benchmarks or datasets within
    one label (a median over seeds of two tasks), or at all where ``scored`` names what
    scores every search against one table."""
    for col in ("benchmark", "dataset"):
        if col not in histories.columns:
            continue
        values = histories[col].dropna().astype(str)
        every = sorted(values.unique())
        if len(every) <= 1:
            continue
        if scored is not None:
            raise ValueError(
                f"{name} hold searches of {len(every)} {col}s ({', '.join(every)}), scored "
                f"against one {scored}: report one {col} at a time, e.g. "
                f"{name}[{name}[{col!r}] == {every[0]!r}], with its own {scored}"
            )
        per_label = values.groupby(histories.loc[values.index, "label"], sort=False).unique()
        for label, seen in per_label.items():
            if len(seen) > 1:
                raise ValueError(
                    f"{name}: the searches of {label!r} are of {len(seen)} {col}s "
                    f"({', '.join(sorted(seen))}): a statistic over its seeds would mix them; "
                    f"label them apart (read_search_study does) or report each {col} on its own"
                )


def _one_search_each(histories: pd.DataFrame, name: str = "histories") -> None:
    """Refuse ``histories`` in which one method label and seed hold more than one search
    (two trials' ``hash``, or, without that column, a ``step`` given twice), or one search
    twice (a ``step`` given twice under one ``hash``): searches of different settings, which
    no statistic over seeds may splice into one history."""
    if "hash" in histories.columns:
        n = histories.groupby(["label", "seed"], sort=True)["hash"].nunique()
    elif "step" in histories.columns:
        n = histories.groupby(["label", "seed", "step"], sort=True).size()
        n = n.groupby(level=["label", "seed"]).max()
    else:
        return
    twice = n[n > 1]
    if len(twice):
        label, seed = twice.index[0]
        raise ValueError(
            f"the histories hold {int(twice.iloc[0])} searches of {label!r} seed {seed} "
            f"({len(twice)} label-seed pair(s) so): searches of different settings cannot "
            "be summarised as one; label them apart (read_search_study does, naming what "
            "differs) or summarise each on its own"
        )
    if "hash" in histories.columns and "step" in histories.columns:
        again = histories.duplicated(["label", "seed", "hash", "step"])
        if again.any():
            row = histories[again].iloc[0]
            raise ValueError(
                f"{name} hold the search of {row['label']!r} seed {row['seed']} (hash "
                f"{str(row['hash'])[:12]}) more than once (step {row['step']} twice: one "
                "folder's histories concatenated twice?): keep one copy, e.g. "
                f"{name}.drop_duplicates(['hash', 'step'])"
            )


def _check_one_search(ordered: pd.DataFrame, name: str) -> None:
    """Refuse ``ordered`` (:func:`_search_order`) where one label and seed's rows cannot be
    one search: a search's ``query`` (distinct paid queries so far), ``sim_time_s`` and
    ``best_value`` never fall, and each query is paid for once: a free repeat keeps the
    query count and is marked ``repeat``. Without ``repeat`` and ``step`` columns a query
    given twice is refused too: two searches of one seed and another budget make the same
    queries, values and (but for the optimizer's measured overhead) times, so nothing but
    the mark tells a repeat from a splice. Two searches spliced under one label and seed (a
    user's export of two runs without the ``hash`` and ``step`` columns) are so refused."""
    at = None  # (row, what) of the first row that no one search makes

    def first(mask: pd.Series, what: Any) -> None:
        nonlocal at
        hits = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(hits) and (at is None or hits[0] < at[0]):
            at = (int(hits[0]), what)

    same = (ordered["label"] == ordered["label"].shift()) & (
        ordered["seed"] == ordered["seed"].shift()
    )
    query = pd.to_numeric(ordered["query"], errors="coerce")

    def falls(column: str, values: pd.Series, fmt: str) -> None:
        first(
            same & (values < values.shift()),
            lambda i: (
                f"{column} falls from {values[i - 1]:{fmt}} to {values[i]:{fmt}} at query "
                f"{_amount(query[i])}"
            ),
        )

    if "step" in ordered.columns:  # ordered by step: the query count must not fall
        falls("query", query, ",g")
    falls("sim_time_s", pd.to_numeric(ordered["sim_time_s"], errors="coerce"), ",g")
    falls("best_value", pd.to_numeric(ordered["best_value"], errors="coerce").fillna(-np.inf), "g")
    if "repeat" in ordered.columns:
        paid = ~ordered["repeat"].eq(True)
        twice = ordered[paid].duplicated(["label", "seed", "query"])
        first(
            paid & twice.reindex(ordered.index, fill_value=False),
            lambda i: f"query {_amount(query[i])} is paid for twice (neither row marked repeat)",
        )
    elif "step" not in ordered.columns:
        # a query given twice is a paid query and its free repeat, or the same query of two
        # searches: two runs of one seed and another budget make the same queries with the
        # same values and nearly the same times, so only the mark tells them apart
        first(
            same & (query == query.shift()),
            lambda i: (
                f"query {_amount(query[i])} is given twice, and without a 'repeat' column "
                "nothing tells a free repeat from a second search's query"
            ),
        )
    if at is not None:
        i, what = at
        label, seed = ordered["label"][i], ordered["seed"][i]
        raise ValueError(
            f"{name}: the rows of {label!r} seed {seed} are not one search: {what(i)}. Two "
            "searches spliced under one label and seed? Keep each search's 'hash' and 'step' "
            "columns (read_search_study's histories have them) and the 'repeat' column that "
            "marks free repeats, or label the searches apart, or report each on its own"
        )


def _check_threshold(threshold: Any) -> float:
    """``threshold`` (a value a search must reach) as a float; a ``TypeError`` for a
    non-number, a ``ValueError`` for NaN or an infinity (no search reaches NaN: every
    search would read as never reaching it)."""
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise TypeError(
            f"threshold must be a number (a value of the objective, e.g. "
            f"table_values.quantile(0.95)), got {type(threshold).__name__} {threshold!r:.40}"
        )
    if not np.isfinite(float(threshold)):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    return float(threshold)


def _check_confidence(confidence: Any) -> float:
    """``confidence`` strictly between 0 and 1, as a float; else a ``ValueError``."""
    if isinstance(confidence, bool) or not (
        isinstance(confidence, Real) and 0.0 < float(confidence) < 1.0
    ):
        raise ValueError(f"confidence must be strictly between 0 and 1; got {confidence!r:.40}")
    return float(confidence)


def _first_reach(h: pd.DataFrame, threshold: float) -> tuple[float, float]:
    """The query and simulated time at which one search ``h`` (in its own order,
    :func:`_report_histories`) first had a best value of at least ``threshold``; NaN, NaN
    where it never did."""
    hit = np.flatnonzero(h["best_value"].to_numpy(np.float64) >= threshold - 1e-9)
    if not len(hit):
        return np.nan, np.nan
    i = hit[0]
    return float(h["query"].iloc[i]), float(h["sim_time_s"].iloc[i])


def target_threshold(values: np.ndarray, fraction: float | None) -> float:
    """The value a search must reach for a target of :data:`TARGETS`: the best of
    ``values`` (a table's finite values) for ``fraction`` None, else the value of its
    top ``fraction`` (at least one architecture)."""
    v = np.asarray(values, dtype=np.float64)
    if fraction is None:
        return float(v.max())
    k = max(1, int(np.ceil(fraction * len(v))))
    return float(np.sort(v)[::-1][k - 1])


def queries_to_target(histories: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The query at which each search of ``histories`` (from :func:`run_search_study` or
    :func:`read_search_study`; one benchmark and dataset) first reached a value of at least
    ``threshold``: one row per ``label`` and ``seed``, ``queries`` inf where the search never
    did within its budget. Each search is read in its own order (its ``step`` column, else
    ``query`` then ``sim_time_s``), whatever order its rows are in.

    Raises
    ------
    TypeError
        ``threshold`` is not a number, or ``histories`` not a DataFrame.
    ValueError
        ``threshold`` is NaN or infinite; the histories are of several benchmarks or
        datasets; one label and seed hold two searches (:func:`summarize_search`).
    """
    threshold = _check_threshold(threshold)
    histories = _report_histories(histories, scored="threshold")
    return _queries_to_target(histories, threshold)


def _queries_to_target(
    histories: pd.DataFrame, threshold: float, *, by_time: bool = False
) -> pd.DataFrame:
    """:func:`queries_to_target` of checked, ordered histories (:func:`_report_histories`);
    with ``by_time`` its ``queries`` column holds the simulated time to the target."""
    rows = [
        {"label": label, "seed": seed, "queries": _first_reach(h, threshold)[int(by_time)]}
        for (label, seed), h in histories.groupby(["label", "seed"], sort=True)
    ]
    out = pd.DataFrame(rows, columns=["label", "seed", "queries"])
    out["queries"] = _unreached_as_inf(out["queries"].to_numpy())
    return out


def compare_searches(
    histories_a: pd.DataFrame, histories_b: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    """Two runs of the same methods on the same seeds (a default and a variant) compared
    seed by seed: the queries each needed to reach ``threshold`` (:func:`queries_to_target`;
    a search that never reached it needs more than any that did, and two that never did
    tie), paired by method label and seed. Where either run queried several fidelities
    (multi-fidelity methods, whose cheap queries cost a share of a full one) the seeds are
    compared by the simulated time each needed instead, as the search report's speedups
    are (:func:`summarize_search`): a query of 12 epochs had counted as one of 200.

    Pairing removes what the seeds share (the same warm start, the same first random
    draws), so it tells two settings apart where their medians' intervals
    (:func:`median_ci`) overlap. The sign test counts the seeds on which each needed fewer
    queries and ignores ties (``scipy.stats.binomtest``, two-sided).

    Returns
    -------
    DataFrame
        One row per label found in both: ``label``, ``seeds`` (paired), ``a median`` and
        ``b median`` (inf: half or more never reached it), ``b fewer``, ``same``, ``b more``
        (seeds), ``p`` (the sign test's p-value; 1.0 where every pair ties), ``by`` (what
        the medians and the pairs count: ``"queries"``, or ``"sim_time_s"`` where the runs
        queried several fidelities).

    Raises
    ------
    TypeError
        ``threshold`` is not a number, or a history not a DataFrame.
    ValueError
        ``threshold`` is NaN or infinite; ``histories_a`` and ``histories_b`` (or either on
        its own) are of several benchmarks or datasets (one threshold scores them all); one
        label and seed hold two searches (:func:`summarize_search`).
    """
    from scipy.stats import binomtest

    threshold = _check_threshold(threshold)
    ha = _report_histories(histories_a, "histories_a", scored="threshold")
    hb = _report_histories(histories_b, "histories_b", scored="threshold")
    for col in ("benchmark", "dataset"):
        if col in ha.columns and col in hb.columns:
            va, vb = (sorted(h[col].dropna().astype(str).unique()) for h in (ha, hb))
            if va != vb:
                raise ValueError(
                    f"histories_a are of {col} {', '.join(va)}, histories_b of "
                    f"{', '.join(vb)}: compare_searches pairs two runs of the same searches, "
                    "scored against one threshold; compare runs of one benchmark and dataset"
                )
    # several fidelities: a cheap query costs its share, so the pairs compare simulated time
    by_time = len(_fidelities(ha)) > 1 or len(_fidelities(hb)) > 1
    a = _queries_to_target(ha, threshold, by_time=by_time)
    b = _queries_to_target(hb, threshold, by_time=by_time)
    both = a.merge(b, on=["label", "seed"], suffixes=(" a", " b"))
    rows = []
    for label, g in both.groupby("label", sort=False):
        qa, qb = g["queries a"].to_numpy(), g["queries b"].to_numpy()
        fewer, more = int(np.sum(qb < qa)), int(np.sum(qb > qa))
        p = binomtest(fewer, fewer + more).pvalue if fewer + more else 1.0
        rows.append(
            {
                "label": label,
                "seeds": len(g),
                "a median": _median(qa),
                "b median": _median(qb),
                "b fewer": fewer,
                "same": len(g) - fewer - more,
                "b more": more,
                "p": float(p),
                "by": "sim_time_s" if by_time else "queries",
            }
        )
    return pd.DataFrame(
        rows,
        columns=["label", "seeds", "a median", "b median", "b fewer", "same", "b more", "p", "by"],
    )


def _unreached_as_inf(values: np.ndarray) -> np.ndarray:
    """Queries to a target per search, NaN (or inf) where it was not reached, as float64
    with +inf there: above every search that reached it."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v), v, np.inf)


def _median(values: np.ndarray) -> float:
    """Median with NaN as "not reached" (+inf): inf when half or more never reached."""
    v = _unreached_as_inf(values)
    return float(np.median(v)) if len(v) else np.nan


def median_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median of ``values`` (queries to a
    target per seed; NaN or inf: not reached within the budget, counted as above every
    reached value): the order statistics the binomial distribution gives
    (``scipy.stats.quantile_test``), so it holds whatever the distribution of the queries.
    The upper bound is inf where it is a search that did not reach the target; both are
    NaN where there are too few seeds for that confidence (5 or fewer at 95 %)."""
    from scipy.stats import quantile_test

    confidence = _check_confidence(confidence)
    v = _unreached_as_inf(values)
    if not len(v):
        return np.nan, np.nan
    ci = quantile_test(v, q=0.0, p=0.5).confidence_interval(confidence_level=confidence)
    return float(ci.low), float(ci.high)


def found_ci(found: int, seeds: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the share of seeds that reached a target
    (``scipy.stats.binomtest``): with 10 seeds a success rate near 40 % is known only to
    about 17-69 %. ``found`` and ``seeds`` are counts (whole numbers, ``0 <= found <=
    seeds``; a ``TypeError`` / ``ValueError`` naming the argument otherwise); NaN, NaN for no
    seeds."""
    from scipy.stats import binomtest

    counts = {"found": found, "seeds": seeds}
    for arg, v in counts.items():
        if isinstance(v, bool) or not isinstance(v, Real):
            raise TypeError(
                f"{arg} must be a count (a whole number), got {type(v).__name__} {v!r:.40}"
            )
        if not np.isfinite(float(v)) or not float(v).is_integer() or v < 0:
            raise ValueError(f"{arg} must be a count (a whole number >= 0), got {v!r}")
    found, seeds = int(found), int(seeds)
    if found > seeds:
        raise ValueError(f"found must be at most seeds ({seeds}), got {found}")
    confidence = _check_confidence(confidence)
    if seeds == 0:
        return np.nan, np.nan
    ci = binomtest(found, seeds).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summarize_search(
    histories: pd.DataFrame,
    *,
    table_values: pd.Series | None = None,
    targets: Mapping[str, float | None] | None = None,
    checkpoints: Sequence[int] = (100, 300),
    baselines: Sequence[str] = ("random_search", "regularized_evolution"),
    mean_cost_s: float | None = None,
    confidence: float = 0.95,
    time_budget: float | None = None,
) -> pd.DataFrame:
    """One row per method: queries and simulated time to each target, best values.

    Parameters
    ----------
    histories : DataFrame
        From :func:`run_search_study` or :func:`read_search_study`: one benchmark and
        dataset where ``table_values`` is given (its targets score every search), else one
        per label. Each search is read in its own order (its ``step`` column, else ``query``
        then ``sim_time_s``), whatever order the rows are in: sorting or shuffling them
        changes no figure.
    table_values : Series, optional
        Every architecture's full-fidelity value (a tabular benchmark): defines the
        targets and gives the analytic random-search row. Without it only the best values
        after ``checkpoints`` queries are reported.
    targets : mapping name -> top fraction (None: the optimum)
    baselines : labels
        Methods to compute the speedup against (``speedup vs X`` = X's median cost to the
        target / the method's; ``random_search`` uses the analytic row when the table is
        given). A median that was not reached within the budget is reported as inf (and a
        speedup against it as a lower bound, ">" its budget / the method's median). Where
        no method is labelled ``X`` but searches of ``X`` are labelled with the settings
        that set them apart (``X [budget=300]``: a baseline given a larger budget than the
        other methods), the one with the most queries is the baseline; ``attrs["notes"]``
        names it, and says where a baseline has no search at all (no column then).
    mean_cost_s : float, optional
        Mean full-training cost of the table's architectures: the analytic random-search
        row's time is its median queries times this (the speedups in simulated time of
        histories of several fidelities divide it).
    confidence : float
        Level of the confidence intervals (:func:`median_ci`, :func:`found_ci`), in (0, 1).
    time_budget : float, optional
        The searches' simulated time limit (seconds; queries for an objective without
        recorded costs), at which ``best@time`` is read. Default: the histories'
        ``time_budget`` column (each label's own; :func:`run_search_study` and
        :func:`read_search_study` record it), else none.

    Returns
    -------
    DataFrame
        ``method``, ``seeds``, ``distinct searches`` (:func:`distinct_searches`: fewer
        than ``seeds`` where seeds repeated a search), ``queries`` (the longest search's
        distinct paid queries) and ``queries min`` (the shortest's: seeds stopped by a time
        budget made different numbers of queries), then columns per target ``T``: ``T: found`` (seeds that reached it / seeds), ``T:
        found ci low`` and ``T: found ci high`` (the share's Wilson interval), ``T: queries
        median``, ``T: queries median ci low`` and ``... ci high`` (the median's
        distribution-free interval: two methods whose intervals overlap widely are not told
        apart by these seeds), ``T: queries q25``, ``T: queries q75``, ``T: queries max``,
        ``T: time median (s)``, and ``T: speedup vs B`` (queries) for each baseline, or,
        where the histories query several fidelities (multi-fidelity methods, whose cheap
        queries cost a share of a full one), ``T: speedup vs B (sim. time)``: the ratio of
        median simulated times, the comparison at equal cost that Hyperband and BOHB are
        judged by (the analytic random-search row's time: ``mean_cost_s`` x its median
        queries; without ``mean_cost_s``, against ``B``'s own searches), and a note says
        the query counts count a cheap query as one; then
        ``best@N`` (median best value after N distinct paid queries: repeats, free, do not
        count; NaN where a seed stopped before N queries, and a note says which seeds and
        why). Where a method's searches had a time budget: ``time budget``, ``best@time``
        (the median over seeds of the best value among the queries finished by the time
        budget: the anytime performance at the limit that regret-vs-time curves read; the
        query still training at the limit, charged past it, does not count; -inf where
        half the seeds had no result by then) and ``queries@time median``, ``... min``,
        ``... max`` (the distinct paid queries each seed finished by then); NaN for a method
        without one, and no such columns where none had one. ``attrs["notes"]``: lines for
        the report on the baselines (above), on blank ``best@N`` and on ``best@time``.

    Raises
    ------
    ValueError
        If ``confidence`` is not strictly between 0 and 1, ``time_budget`` is not a
        positive number of seconds (a ``TypeError`` for a non-number), one method's seeds
        had different time budgets, ``histories`` has no rows or lacks a column of
        ``label``, ``seed``, ``query``, ``best_value``, ``sim_time_s``; if the histories are
        of several benchmarks or datasets (the ``benchmark`` and ``dataset`` columns) and
        ``table_values`` is given, or one label's are; or if one method label and seed hold
        more than one search: two trial hashes (searches of different settings, as a
        folder written by runs with another ``--budget`` holds; :func:`read_search_study`
        labels those apart), one search twice (a ``step`` twice under one ``hash``), or,
        without those columns, rows no one search makes (a query paid for twice, a best
        value or simulated time that falls): a statistic over seeds never splices two
        searches into one.
    """
    confidence = _check_confidence(confidence)
    from .run import check_time_budget

    check_time_budget(time_budget)
    histories = _report_histories(
        histories, scored="table_values" if table_values is not None else None
    )
    targets = dict(TARGETS if targets is None else targets)
    thresholds: dict[str, float] = {}
    counts: dict[str, int] = {}
    if table_values is not None:
        v = table_values.dropna().to_numpy(np.float64)
        for name, frac in targets.items():
            thr = target_threshold(v, frac)
            thresholds[name] = thr
            counts[name] = int((v >= thr - 1e-9).sum())
    rows = []
    stopped: dict[int, list[str]] = {n: [] for n in checkpoints}  # blank best@n: who, why
    in_shared: dict[str, list[str]] = {name: [] for name in targets}  # one event: who
    limits: dict[str, float] = {}  # each method's time budget
    spent: dict[str, float] = {}  # each method's shortest search, in simulated time
    for label, g in histories.groupby("label", sort=False):
        seeds = [h for _, h in g.groupby("seed", sort=True)]
        made = [int(h["query"].max()) for h in seeds]
        spent[str(label)] = min(float(h["sim_time_s"].max()) for h in seeds)
        shared = shared_queries(seeds)
        row: dict[str, Any] = {
            "method": label,
            "seeds": len(seeds),
            "distinct searches": distinct_searches(seeds),
            "shared queries": shared,
            "queries": max(made),
            "queries min": min(made),
        }
        for name, thr in thresholds.items():
            q, t = np.array([_first_reach(h, thr) for h in seeds]).T
            found = np.isfinite(q)
            row[f"{name}: found"] = f"{int(found.sum())}/{len(seeds)}"
            # reached within the queries every seed shares: every seed at that query, one
            # event; its intervals are those of one search
            one = bool(shared and found.all() and np.max(q) <= shared)
            row[f"{name}: in shared queries"] = one
            if one:
                in_shared[str(name)].append(f"{label} ({int(np.max(q))} of {shared})")
            lo, hi = (
                found_ci(1, 1, confidence)
                if one
                else found_ci(int(found.sum()), len(seeds), confidence)
            )
            row[f"{name}: found ci low"], row[f"{name}: found ci high"] = lo, hi
            row[f"{name}: queries median"] = _median(q)
            lo, hi = median_ci(q[:1] if one else q, confidence)
            row[f"{name}: queries median ci low"] = lo
            row[f"{name}: queries median ci high"] = hi
            qi = _unreached_as_inf(q)
            row[f"{name}: queries q25"] = float(np.quantile(qi, 0.25, method="nearest"))
            row[f"{name}: queries q75"] = float(np.quantile(qi, 0.75, method="nearest"))
            row[f"{name}: queries max"] = float(np.max(qi))
            row[f"{name}: time median (s)"] = _median(t)
        limit = _time_budget(g, label, time_budget)
        for n in checkpoints:
            # after n distinct paid queries (repeats are free and do not count); only
            # searches that paid for n queries (a shorter budget is no result at n)
            best = [
                h.loc[h["query"] <= n, "best_value"].max() for h in seeds if h["query"].max() >= n
            ]
            row[f"best@{n}"] = float(np.median(best)) if len(best) == len(seeds) else np.nan
            short = [(q, h) for q, h in zip(made, seeds, strict=True) if q < n]
            if short:
                stopped[n].append(_stopped_text(label, short, len(seeds), limit))
        if limit is not None:
            limits[str(label)] = limit
            at = [_at_time(h, limit) for h in seeds]
            done = np.array([q for _, q in at], dtype=np.float64)
            row["time budget"] = limit
            row["best@time"] = float(np.median([b for b, _ in at]))
            row["queries@time median"] = float(np.median(done))
            row["queries@time min"] = float(done.min())
            row["queries@time max"] = float(done.max())
        rows.append(row)
    out = pd.DataFrame(rows)
    if limits:  # after the best@N columns, where the report reads them
        tail = [
            "time budget",
            "best@time",
            *(f"queries@time {k}" for k in ("median", "min", "max")),
        ]
        out = out[[c for c in out.columns if c not in tail] + tail]
    if thresholds and "random_search" in baselines:
        n = len(table_values.dropna())
        rs: dict[str, Any] = {"method": "random_search (analytic)", "seeds": None, "queries": n}
        mean_cost = np.nan if mean_cost_s is None else float(mean_cost_s)
        for name in thresholds:
            med, mean = random_search_queries(n, counts[name])
            rs[f"{name}: found"] = "expected"
            rs[f"{name}: queries median"] = med
            rs[f"{name}: queries mean"] = mean
            rs[f"{name}: time median (s)"] = med * mean_cost
        out = pd.concat([out, pd.DataFrame([rs])], ignore_index=True)
    # counts stay integers (the analytic row has no seeds: <NA>)
    for col in ("seeds", "distinct searches", "shared queries", "queries", "queries min"):
        if col in out.columns:
            out[col] = out[col].astype("Int64")
    notes: list[str] = []
    for name, who in in_shared.items():
        if who:
            notes.append(
                f"{name}: every seed of {'; '.join(who)} reached it within the first queries, "
                "which all its seeds made alike (e.g. a zero-cost warm start, which ranks the "
                "candidates the same way in every seed): one event, not one per seed; its "
                "found interval is that of one search (1/1) and its median's has too few"
            )
    unit = "queries" if histories.attrs.get("cost_unit") == "query" else "s"
    for n, why in stopped.items():
        if why:
            notes.append(
                f"best@{n} is blank for {'; '.join(why)}: a median over seeds needs every "
                f"seed's best after {n} queries"
                + ("; best@time is the best at the time budget" if limits else "")
            )
    if limits:
        each = {f"{_amount(t)} {unit}" for t in limits.values()}
        budget = (
            each.pop()
            if len(each) == 1
            else "; ".join(f"{m}: {_amount(t)} {unit}" for m, t in limits.items())
        )
        notes.append(
            f"best@time: the median over seeds of the best value found within the time budget "
            f"({budget} of simulated time), the anytime performance a regret-vs-time curve "
            "reads there (a query still training at the limit does not count); "
            "queries@time: the queries each seed finished by then"
        )
    fids = _fidelities(histories)
    if thresholds and len(fids) > 1:
        notes.append(_by_time_note(fids, unit, checkpoints))
    # several fidelities: a cheaper query costs less, so speedups divide simulated times
    # (the analytic row's, where it has one: its median queries x the mean cost)
    by_time = len(fids) > 1
    timed = mean_cost_s is not None and bool(np.isfinite(float(mean_cost_s)))
    if thresholds:
        for base in baselines:
            at, note = _baseline_row(out, base, analytic=not by_time or timed)
            if note:
                notes.append(note)
            if at is None:
                continue
            for name in thresholds:
                if by_time:
                    col = f"{name}: time median (s)"
                    budget = spent.get(str(out.loc[at, "method"]), np.nan)
                    head = f"{name}: speedup vs {base} (sim. time)"
                else:
                    col = f"{name}: queries median"
                    budget = float(out.loc[at, "queries"])
                    head = f"{name}: speedup vs {base}"
                b = float(out.loc[at, col])
                out[head] = [_speedup(b, m, budget) for m in out[col]]
    out.attrs["notes"] = notes
    return out


def _fidelities(histories: pd.DataFrame) -> list[str]:
    """The fidelities ``histories`` paid queries at ([] where they have no ``fidelity``
    column): by epochs where every name gives them (``12ep``, ``200ep``), else in the order
    first queried."""
    from nasperf.datasets import epochs_in_name

    if "fidelity" not in histories.columns:
        return []
    fids = [str(f) for f in histories["fidelity"].dropna().unique()]
    epochs = [epochs_in_name(f) for f in fids]
    if all(e is not None for e in epochs):
        fids = [f for _, f in sorted(zip(epochs, fids, strict=True), key=lambda p: p[0])]
    return fids


def _by_time_note(fids: Sequence[str], unit: str, checkpoints: Sequence[int]) -> str:
    """The report's note on histories of several fidelities ``fids``: speedups compare
    simulated time, and the query counts count a cheap query as one."""
    named = ", ".join(fids[:4]) + (f" and {len(fids) - 4} more" if len(fids) > 4 else "")
    what = "seconds" if unit == "s" else "full-fidelity queries, a cheaper query its share"
    best = ", ".join(f"best@{n}" for n in checkpoints)
    return (
        f"these searches query several fidelities ({named}): the speedups divide median "
        f"simulated times to each target ({what}), so a cheap query counts at its cost "
        "(random search's analytic time: its median queries x the table's mean "
        "full-fidelity cost); the queries to a target"
        + (f" and {best}" if best else "")
        + " count every paid query as one, whatever its fidelity"
    )


def _time_budget(g: pd.DataFrame, label: Any, given: float | None) -> float | None:
    """The simulated time limit of one method's searches ``g``: ``given``, else their
    ``time_budget`` column's one value (None where they had none)."""
    if given is not None:
        return float(given)
    if "time_budget" not in g.columns:
        return None
    limits = pd.to_numeric(g["time_budget"], errors="coerce").dropna().unique()
    if len(limits) > 1:
        raise ValueError(
            f"the searches of {label!r} had different time budgets "
            f"({', '.join(f'{t:g}' for t in sorted(limits))}): summarise each on its own"
        )
    return float(limits[0]) if len(limits) else None


def _at_time(h: pd.DataFrame, limit: float) -> tuple[float, int]:
    """One search's best value among its queries finished by simulated time ``limit``
    (-inf where none had a result) and how many distinct paid queries had finished."""
    done = h[h["sim_time_s"].to_numpy(np.float64) <= limit]
    best = done["best_value"].max() if len(done) else np.nan
    return (float(best) if pd.notna(best) else -np.inf), int(
        done["query"].max() if len(done) else 0
    )


def _amount(x: float) -> str:
    """``50,000`` for 50000.0, ``2.5`` for 2.5: a count or an amount as a report writes it."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def _queries_range(low: Any, high: Any) -> str:
    """``26–27`` where searches made between ``low`` and ``high`` queries, ``27`` where all
    made as many."""
    if low is None or pd.isna(low) or int(low) == int(high):
        return f"{int(high):,d}"
    return f"{int(low):,d}–{int(high):,d}"


def _stopped_text(
    label: Any, short: list[tuple[int, pd.DataFrame]], seeds: int, limit: float | None
) -> str:
    """Why one method has no ``best@N``: its ``short`` (queries, history) seeds stopped
    before N queries; by the time budget ``limit`` where each reached it."""
    made = [q for q, _ in short]
    by_time = limit is not None and all(h["sim_time_s"].max() >= limit for _, h in short)
    return (
        f"{label} ({len(short)} of {seeds} seeds stopped after "
        f"{_queries_range(min(made), max(made))} queries"
        + (", at the time budget)" if by_time else ")")
    )


def _baseline_row(
    summary: pd.DataFrame, base: str, *, analytic: bool = True
) -> tuple[Any, str | None]:
    """The index of ``summary``'s row that the speedups against baseline ``base`` divide by,
    and a note for the report (None where there is nothing to say).

    The analytic random-search row comes first (unless ``analytic`` is False: speedups in
    simulated time where it has none, ``mean_cost_s`` not given), then the row labelled
    ``base``; else the rows of ``base`` whose label only adds the settings that differ
    between searches (``regularized_evolution [budget=300]``, :func:`_labels_apart`): of
    several, the one with the most queries (a baseline's median is least censored by its
    budget; ties: the first label in sorted order), named in the note with the others.
    None, and a note saying so, where no row is ``base``'s: a baseline asked for is never
    dropped unsaid."""
    methods = summary["method"].astype(str)
    skipped = not analytic and (methods == f"{base} (analytic)").any()
    why = (
        " (its analytic row has no simulated time without mean_cost_s, the table's mean "
        "full-fidelity cost)"
        if skipped
        else ""
    )
    for exact in [*([f"{base} (analytic)"] if analytic else []), base]:
        hit = summary.index[methods == exact]
        if len(hit):
            note = f"speedup vs {base}: against its simulated searches{why}" if skipped else None
            return hit[-1], note
    configs = summary[methods.str.startswith(f"{base} [") & methods.str.endswith("]")]
    if configs.empty:
        return None, (
            f"no speedup vs {base}: no search of it among these histories (add it to the "
            f"methods to compare against it){why}"
        )
    order = configs.assign(_q=configs["queries"].astype("float64"))
    order = order.sort_values(["_q", "method"], ascending=[False, True], kind="stable")
    at = order.index[0]
    chosen = str(summary.loc[at, "method"])
    others = [str(m) for m in order["method"].iloc[1:]]
    also = (
        f" (the one with the most queries; not {', '.join(repr(m) for m in others)})"
        if others
        else ""
    )
    return at, f"speedup vs {base}: against {chosen!r}{also}{why}"


def _ratio(x: float) -> str:
    return f"{x:.1f}" if x >= 0.1 else f"{x:.2g}"


def _speedup(base: float, method: float, base_budget: float) -> str:
    if not np.isfinite(method) or method <= 0:
        return "-"
    if not np.isfinite(base):
        # the baseline's median search did not get there within its budget (queries, or
        # the simulated time of its shortest search)
        return f">{_ratio(base_budget / method)}" if np.isfinite(base_budget) else "-"
    return _ratio(base / method)


def write_report(
    histories: pd.DataFrame,
    out: str | Path,
    *,
    benchmark: str,
    dataset: str,
    checkpoints: Sequence[int] = (100, 300),
    objective: Any = None,
) -> tuple[pd.DataFrame, Path]:
    """Summarise ``histories`` of one benchmark into ``out/summary.csv`` (targets and the
    analytic random-search row from the benchmark's table, where it has one) and draw
    ``out/regret.png``; return the summary and the plot's path. ``objective``: the searched
    :class:`~nasperf.search.objective.Objective` (default: the benchmark's)."""
    from .objective import get_objective

    out = as_path(out, "out")
    for col, given in (("benchmark", benchmark), ("dataset", dataset)):
        seen = (
            sorted(histories[col].dropna().astype(str).unique())
            if isinstance(histories, pd.DataFrame) and col in histories.columns
            else []
        )
        if seen and seen != [str(given)]:
            raise ValueError(
                f"histories are of {col} {', '.join(seen)}, the report is of {col}={given!r}: "
                f"write one report per {col}, each with its own histories"
            )
    if objective is None:
        objective = get_objective(benchmark, dataset)
    values = objective.table_values()
    mean_cost = None
    if values is not None:
        mean_cost = float(np.nanmean(objective.evaluate(list(values.index))[1]))
    summary = summarize_search(
        histories, table_values=values, checkpoints=checkpoints, mean_cost_s=mean_cost
    )
    # what the values are (``-latency_ms`` where minimised), in the file and the figure
    named = getattr(objective, "value_name", "") or ""
    write_summary_csv(summary.assign(values=named) if named else summary, out / "summary.csv")
    png = plot_regret(
        histories,
        out / "regret.png",
        title=_report_title(benchmark, dataset, objective) + (f": {named}" if named else ""),
        time_unit="queries" if objective.cost_unit == "query" else "s",
    )
    return summary, png


def _report_title(benchmark: str, dataset: str, objective: Any) -> str:
    """What a search report searched, as its trials name it: ``nb201 cifar10`` for a
    benchmark; for a user's table (benchmark ``table:FILE``, :func:`search_trials`) its file
    and space, ``my_archs.csv (space nb201)``, as a study's plots title a table (its
    ``dataset`` only names the task the warm start's proxies build networks for)."""
    if benchmark.startswith("table:"):
        space = getattr(getattr(objective, "space", None), "name", None)
        file = benchmark.removeprefix("table:")
        return f"{file} (space {space})" if space else file
    return f"{benchmark} {dataset}"


def write_summary_csv(summary: pd.DataFrame, path: str | Path) -> Path:
    """``summary`` as CSV: counts as integers, and a target not reached within the budget
    (``inf`` in the DataFrame) as an empty cell; the ``T: found`` column (``k/n``) says how
    many seeds reached it."""
    path = as_path(path, "path")
    df = summary.replace([np.inf, -np.inf], np.nan)
    df.to_csv(path, index=False)
    return path


def _repeated(row: pd.Series, target: str | None = None) -> str:
    """`` (k distinct searches)`` where the seeds of a summary row repeated searches
    (:func:`distinct_searches`), else :func:`_shared_hit` of ``target``."""
    k, n = row.get("distinct searches"), row.get("seeds")
    if k is None or n is None or pd.isna(k) or pd.isna(n) or int(k) >= int(n):
        return "" if target is None else _shared_hit(row, target)
    return f" ({int(k)} distinct search{'es' if int(k) != 1 else ''})"


def _shared_hit(row: pd.Series, target: str) -> str:
    """`` (1 search: in the k queries all seeds share)`` where the seeds of a summary row
    reached ``target`` within the queries they all made alike at their start
    (:func:`shared_queries`), else ``""``."""
    one = row.get(f"{target}: in shared queries")
    if one is None or pd.isna(one) or not bool(one):
        return ""
    return f" (1 search: in the {int(row['shared queries'])} queries all seeds share)"


def _format_queries(v: Any, budget: Any = None) -> str:
    """A count of queries as the search report prints it: ``14`` for 14.0, ``14.5`` for a
    median of an even number of seeds (said, never rounded to even), ``-`` for a missing
    value, and for +inf (not reached) ``>B`` given the budget ``B``, else ``-``."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if v == np.inf:
        return f">{int(budget):,d}" if budget is not None and not pd.isna(budget) else "-"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def format_summary(summary: pd.DataFrame, *, cost_unit: str = "s") -> str:
    """``summary`` (from :func:`summarize_search`) as a compact markdown table; with
    ``cost_unit="query"`` (an objective without recorded costs) the simulated time is in
    queries, not hours.

    Queries to a target read ``median [q25–q75], max`` (a median of an even number of seeds
    with its half, ``18.5``, never rounded to a whole query), then the median's confidence
    interval (``-`` with too few seeds; the analytic random-search row is exact); where
    seeds repeated one another's searches, the share found says how many searches were
    distinct (``10/10 (1 distinct search)``: :func:`distinct_searches`); a
    statistic not reached within the budget of B queries reads ``>B``, the maximum ``not
    found in k`` (k seeds), and a target no seed reached ``not found in Q queries`` (Q the
    queries the seeds made: ``26–27`` where a time budget stopped them at different
    counts). A time-limited search's ``best@time`` follows the ``best@N`` columns, then
    ``queries@time``: the queries its seeds finished by the time budget, ``median
    [min–max]``."""
    per_query = cost_unit == "query"

    q = _format_queries

    targets = [c[: -len(": found")] for c in summary.columns if c.endswith(": found")]
    best = [c for c in summary.columns if c.startswith("best@")]
    head = ["method"]
    for t in targets:
        time_head = "sim. time median (queries)" if per_query else "sim. time median (h)"
        head += [f"{t}: found", f"{t}: queries median [IQR], max", f"{t}: median's CI"]
        head += [f"{t}: {time_head}"]
        head += [c for c in summary.columns if c.startswith(f"{t}: speedup")]
    head += best
    timed = "queries@time median" in summary.columns
    if timed:
        head.append("queries@time: median [min–max]")
    from nasperf._markdown import md_row

    lines = [md_row(head), "|" + "---|" * len(head)]
    for _, r in summary.iterrows():
        cells = [str(r["method"])]
        for t in targets:
            found = str(r[f"{t}: found"])
            cells.append(found + _repeated(r, t))
            if found == "expected":
                cells.append(f"{q(r[f'{t}: queries median'])} (mean {q(r[f'{t}: queries mean'])})")
                cells.append("exact")
            elif found.startswith("0/"):
                made = _queries_range(r.get("queries min"), r["queries"])
                cells.append(f"not found in {made} queries")
                cells.append("-")
            else:
                b = r["queries"]
                hit, n = (int(x) for x in found.split("/"))
                worst = q(r[f"{t}: queries max"]) if hit == n else f"not found in {n - hit}"
                cells.append(
                    f"{q(r[f'{t}: queries median'], b)} [{q(r[f'{t}: queries q25'], b)}–"
                    f"{q(r[f'{t}: queries q75'], b)}], {worst}"
                )
                lo, hi = r[f"{t}: queries median ci low"], r[f"{t}: queries median ci high"]
                if pd.isna(lo):
                    cells.append("-")  # too few seeds for the level
                else:  # both ends above the budget where most seeds never reached it
                    cells.append(q(lo, b) if lo == np.inf else f"{q(lo, b)}–{q(hi, b)}")
            tm = r[f"{t}: time median (s)"]
            cells.append(
                "-" if not np.isfinite(tm) else (f"{tm:,.0f}" if per_query else f"{tm / 3600:,.1f}")
            )
            cells += [str(r[c]) for c in summary.columns if c.startswith(f"{t}: speedup")]
        # NaN: no value at N; -inf: no result by the time budget
        cells += ["-" if not np.isfinite(float(r[c])) else f"{r[c]:.2f}" for c in best]
        if timed:
            med = r["queries@time median"]
            cells.append(
                "-"
                if pd.isna(med)
                else _amount(med)
                if r["queries@time min"] == r["queries@time max"]
                else f"{_amount(med)} [{_queries_range(r['queries@time min'], r['queries@time max'])}]"
            )
        lines.append(md_row(cells))
    return "\n".join(lines)


def _aggregate(per_seed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 25th and 75th percentiles over seeds (axis 0) of step functions that may be
    +inf ("nothing yet"); inf where the order statistics are."""
    with np.errstate(invalid="ignore"):
        qs = np.quantile(per_seed, [0.5, 0.25, 0.75], axis=0)
    # interpolating between two +inf order statistics gives NaN; the value there is +inf
    qs = np.where(np.isnan(qs), np.inf, qs)
    return qs[0], qs[1], qs[2]


def regret_curves(histories: pd.DataFrame, *, n_grid: int = 200) -> dict[str, dict[str, Any]]:
    """Each method's best-so-far regret as step functions on grids shared by its seeds.

    Every seed's regret (``optimum - best value so far``; where the optimum is unknown, a
    surrogate benchmark, minus the best value so far) is a non-increasing step function of
    the number of queries and of the simulated time; it is read on a common grid, queries
    ``1 .. max budget`` and ``n_grid`` log-spaced simulated times from the earliest first
    query to the latest last one, and only then aggregated. Before a seed's first query (on
    the time grid) and before its first full-fidelity result its regret is ``+inf`` (nothing
    found yet); after its last query it keeps its final value. Every order statistic over
    seeds, and so the median and the quartiles, is then non-increasing as well.

    Returns
    -------
    dict
        ``{label: {"metric": "regret" | "best_value", "queries": (Q,), "by_query": (S, Q),
        "time": (T,), "by_time": (S, T), "median_query", "q25_query", "q75_query",
        "median_time", "q25_time", "q75_time"}}``, per-seed arrays in seed order. For
        ``"best_value"`` the arrays hold the best value itself (non-decreasing; ``-inf``
        before the first result).

    Raises
    ------
    ValueError
        No rows, a missing column, one label's searches of several benchmarks or datasets,
        or one label and seed holding more than one search (:func:`summarize_search`).
    """
    histories = _report_histories(histories)  # each search in its order; one per label, seed
    has_regret = "regret" in histories.columns and histories["regret"].notna().any()
    metric = "regret" if has_regret else "best_value"
    sign = 1.0 if metric == "regret" else -1.0  # aggregate a loss: lower is better
    out: dict[str, dict[str, Any]] = {}
    for label, g in histories.groupby("label", sort=False):
        seeds = [h for _, h in g.groupby("seed", sort=True)]  # each in its search's order
        n_q = int(max(h["query"].max() for h in seeds))
        queries = np.arange(1, n_q + 1)
        times = g["sim_time_s"].to_numpy(np.float64)
        first = min(float(h["sim_time_s"].iloc[0]) for h in seeds)
        lo = max(first, 1e-3)
        hi = max(float(np.nanmax(times)), lo * (1 + 1e-9))
        grid = np.geomspace(lo, hi, n_grid)
        by_q, by_t = [], []
        for h in seeds:
            loss = sign * h[metric].to_numpy(np.float64)
            loss = np.where(np.isnan(loss), np.inf, loss)
            loss = np.minimum.accumulate(loss)  # best so far, whatever the history holds
            iq = np.searchsorted(h["query"].to_numpy(), queries, side="right") - 1
            by_q.append(loss[np.maximum(iq, 0)])
            it = np.searchsorted(h["sim_time_s"].to_numpy(np.float64), grid, side="right") - 1
            by_t.append(np.where(it >= 0, loss[np.maximum(it, 0)], np.inf))
        curves: dict[str, Any] = {"metric": metric, "queries": queries, "time": grid}
        for axis, arr in (("query", np.array(by_q)), ("time", np.array(by_t))):
            med, q25, q75 = _aggregate(arr)
            curves[f"by_{axis}"] = sign * arr
            # for best values the quartiles swap sides when the sign flips back
            lo_q, hi_q = (q25, q75) if sign > 0 else (q75, q25)
            curves.update(
                {
                    f"median_{axis}": sign * med,
                    f"q25_{axis}": sign * lo_q,
                    f"q75_{axis}": sign * hi_q,
                }
            )
        out[str(label)] = curves
    return out


def plot_regret(
    histories: pd.DataFrame, path: str | Path, *, title: str = "", time_unit: str = "s"
) -> Path:
    """Best-so-far regret vs queries and vs simulated time: median line and interquartile
    band over seeds (:func:`regret_curves`: each seed a step function on a grid common to
    all seeds, then aggregated, so the median never rises), one colour per method;
    log-scaled axes. Where the optimum is unknown (a surrogate benchmark) the best value so
    far is drawn instead. ``time_unit``: what simulated time counts (``"s"``, or
    ``"queries"`` for an objective without recorded costs). Where the searches queried
    several fidelities the query axis says it counts queries of any fidelity (the time axis
    is the comparison at equal cost). The x axes label major ticks
    only, at 1, 2 and 5 times each power of ten where they span few decades
    (:func:`nasperf.evaluation.plots._log_ticks`). Writes a PNG."""
    from nasperf.evaluation.plots import _log_ticks, _pyplot

    path = as_path(path, "path")
    plt = _pyplot()
    curves = regret_curves(histories)
    metric = next(iter(curves.values()))["metric"] if curves else "regret"
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, c in curves.items():
        (line,) = axes[0].plot(c["queries"], c["median_query"], label=label, drawstyle="steps-post")
        axes[0].fill_between(
            c["queries"],
            c["q25_query"],
            c["q75_query"],
            alpha=0.2,
            color=line.get_color(),
            step="post",
        )
        axes[1].plot(
            c["time"],
            c["median_time"],
            color=line.get_color(),
            label=label,
            drawstyle="steps-post",
        )
        axes[1].fill_between(
            c["time"],
            c["q25_time"],
            c["q75_time"],
            alpha=0.2,
            color=line.get_color(),
            step="post",
        )
    # several fidelities: a query of a cheap one counts one, as in the report's columns
    queries = "queries (any fidelity)" if len(_fidelities(histories)) > 1 else "queries"
    for ax, xl in zip(axes, (queries, f"simulated time ({time_unit})"), strict=True):
        ax.set_xscale("log")
        _log_ticks(ax.xaxis)  # labels on a span of one or two decades never overlap
        if metric == "regret":
            ax.set_yscale("symlog", linthresh=1e-2)
            ax.set_ylim(bottom=0)
        ax.set_xlabel(xl)
        ax.set_ylabel(
            "regret of the best so far (median, IQR)"
            if metric == "regret"
            else "best value so far (median, IQR)"
        )
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- command line
_EPILOG = """\
Each method runs once per seed (simulated: queries are charged the benchmark's training
time, optimizer overhead is measured). Results go to OUT/results.sqlite, one row per
finished search: rerun the same command to resume. OUT/summary.csv and OUT/regret.png hold
the report (queries and simulated time to the global best and the top 0.1 %, speedup vs
random search and regularized evolution, in simulated time where methods query cheaper
fidelities, best value after 100 / 300 queries; with
--time-budget also best@time, the best value within the time budget, and the queries each
seed finished by then).

Your own space: register it in a module (SPACES.register, see docs/custom_space.md), give
its table (one row per architecture: its text in column "arch", the value to maximise, and
optionally the training seconds; without --cost every query costs one unit) and import the
module with --import (imported in every worker). A loss, an error or a latency as --target
needs --minimize (the report's values are then minus the column).

Without --out the folder is searches/<benchmark>-<dataset>-<digest of the searches>, so
the same command resumes. In summary.csv an empty cell is a target not reached within the
budget (summary.csv's "optimum: found" column says by how many seeds).

examples:
  {prog} --benchmark nb201 --dataset cifar10 --methods rs,re,pls \\
      --seeds 25 --budget 100 --workers 2 --out searches/nb201_c10
  {prog} --methods bananas --params bananas='{{"acquisition": "ucb"}}' --seeds 5
  {prog} --import my_spaces --space chain8 --data chain8.csv \\
      --target val_acc [--cost train_s] --methods rs,ls,pls --out searches/chain8
"""


def _parse_methods(names: str, params: Sequence[str]) -> list[dict]:
    given: dict[str, dict] = {}
    for item in params:
        name, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--params takes NAME=JSON, got {item!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"--params {name}: not JSON ({err})") from None
        except RecursionError:
            raise ValueError(f"--params {name}: JSON nested too deeply") from None
        if not isinstance(value, dict):
            raise ValueError(f"--params {name}: expected a JSON object, got {text!r}")
        key = _canonical(name.strip())
        if key in given:
            raise ValueError(f"--params {name.strip()}: given twice for {key}; give it once")
        given[key] = value
    methods = []
    for name in (n.strip() for n in names.split(",")):
        if name:
            # matched by canonical name, as --methods resolves it (aliases, any case); the
            # method keeps its name as written (part of the trial hash)
            methods.append({"optimizer": name, "params": given.pop(_canonical(name), {})})
    if not methods:
        raise ValueError("--methods: no method given")
    if given:
        raise ValueError(f"--params for methods not in --methods: {sorted(given)}")
    return methods


def _canonical(name: str) -> str:
    """The registered name of an optimizer (``name`` itself where none is registered: the
    trials then refuse it, naming the available ones)."""
    from .base import OPTIMIZERS

    try:
        return OPTIMIZERS.get(name).name
    except (ValueError, LookupError):
        return name


#: Bounds of ``--fidelity-columns``: entries, and digits of an epoch count.
_MAX_FIDELITIES, _MAX_EPOCH_DIGITS = 1000, 9


def _parse_fidelity_columns(text: str | None) -> list[tuple[int, str]] | None:
    """``--fidelity-columns EPOCHS=COLUMN,...`` as ``(epochs, column)`` pairs (None: not
    given); a ``ValueError`` naming the flag and the entry otherwise."""
    from nasperf.errors import short_repr

    if text is None:
        return None
    items = [t.strip() for t in text.split(",")]
    if len(items) > _MAX_FIDELITIES:
        raise ValueError(f"--fidelity-columns: at most {_MAX_FIDELITIES} fidelities")
    out = []
    for item in items:
        epochs, sep, column = item.partition("=")
        epochs, column = epochs.strip(), column.strip()
        if (
            not sep
            or not column
            or not epochs.isdigit()
            or not epochs.isascii()
            or len(epochs) > _MAX_EPOCH_DIGITS
        ):
            raise ValueError(
                f"--fidelity-columns takes EPOCHS=COLUMN,... (e.g. 12=acc12,200=acc200), got "
                f"{short_repr(item)}"
            )
        out.append((int(epochs), column))
    return out


#: Flags that describe --data's table, refused without it (as ``nasperf study`` does).
_DATA_FLAGS = (
    ("--target", "target"),
    ("--minimize / --maximize", "maximize"),
    ("--cost", "cost"),
    ("--fidelity-columns", "fidelity_columns"),
    ("--arch-column", "arch_column"),
    ("--zero-cost", "zero_cost"),
    ("--data-duplicates", "data_duplicates"),
)


def _check_flags(p: Any, args: Any, *, max_seeds: int, max_workers: int, max_budget: int) -> None:
    """The checks of ``nasperf search``'s flags that need no data: each failure is
    ``p.error`` (one line, exit 2), before anything is read or written."""
    for flag, value in (
        ("--out", args.out),
        ("--data", args.data),
        ("--zero-cost", args.zero_cost),
        ("--import", next((m for m in args.imports if not m.strip()), None)),
    ):
        if value is not None and not value.strip():
            p.error(f"{flag}: empty path")
    if args.workers < 1:
        p.error(f"--workers must be at least 1, got {args.workers}")
    if args.workers > max_workers:
        p.error(f"--workers must be at most {max_workers:,d}, got {args.workers:,d}")
    if args.seeds > max_seeds:
        p.error(f"--seeds: {args.seeds:,d} seeds; a search study takes at most {max_seeds:,d}")
    if args.budget > max_budget:
        p.error(f"--budget must be at most {max_budget:,d} queries, got {args.budget:,d}")
    if args.scheduler and args.engine != "dask":
        p.error("--scheduler is for --engine dask")
    if args.address and args.engine != "ray":
        p.error("--address is for --engine ray")
    if args.data is None:
        for flag, key in _DATA_FLAGS:
            if getattr(args, key) is not None:
                p.error(f"{flag} describes a table: give it with --data FILE")
    elif args.benchmark is not None:
        p.error(
            f"--benchmark {args.benchmark} is for a packaged benchmark, not --data; give one "
            "of them (--space names the space of --data)"
        )


def main(argv: Sequence[str] | None = None, prog: str = "nasperf search") -> int:
    """``nasperf search`` (also ``python run_study.py search``); a warning is one line,
    ``prog: warning: ...``."""
    from nasperf._argparse import one_line_warnings

    with one_line_warnings(prog):
        return _command(argv, prog)


def _command(argv: Sequence[str] | None, prog: str) -> int:
    import argparse

    from nasperf._argparse import (
        ArgumentParser,
        add_direction_flags,
        add_duplicates_flag,
        fail,
        path_arg,
    )
    from nasperf._imports import add_import_option
    from nasperf.evaluation.config import MAX_SEEDS
    from nasperf.evaluation.engines import (
        MAX_WORKERS,
        EngineUnavailableError,
        check_engine,
        describe_engine,
    )

    from .base import OPTIMIZERS, available
    from .objective import ObjectiveChoiceError
    from .run import MAX_BUDGET

    p = ArgumentParser(
        prog=prog,
        description="Run simulated architecture searches (many seeds, in parallel) and "
        "report regret, queries / time to targets and speedups.",
        epilog=_EPILOG.format(prog=f"python {prog}" if prog.startswith("run_study") else prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--benchmark",
        help="a packaged benchmark (default nb201; nb301, tnb101_micro, nbgraph, ...: `nasperf "
        "info`); not with --data",
    )
    p.add_argument(
        "--dataset",
        help="the benchmark's dataset (default cifar10, or the benchmark's first where it has "
        "no cifar10); with --data: the task the proxies build networks for (default: the "
        "space's default_dataset)",
    )
    p.add_argument("--space", help="registered search space (required with --data)")
    p.add_argument(
        "--data", type=path_arg, metavar="FILE", help="your table (.csv, .csv.gz, .parquet)"
    )
    p.add_argument(
        "--target", metavar="COLUMN", help="value column of --data (maximised; see --minimize)"
    )
    flags = add_direction_flags(p, "--target")
    p.add_argument("--cost", metavar="COLUMN", help="training-seconds column of --data")
    p.add_argument(
        "--fidelity-columns",
        metavar="EPOCHS=COLUMN,...",
        help="value column of --data at each fidelity, cheapest first, the last being --target "
        "(e.g. 12=acc12,200=acc200): for successive halving, Hyperband and BOHB",
    )
    p.add_argument(
        "--arch-column", metavar="COLUMN", help='architecture column of --data (default "arch")'
    )
    add_duplicates_flag(p)
    p.add_argument(
        "--zero-cost",
        type=path_arg,
        metavar="FILE",
        help="CSV of zero-cost proxy scores of --data's architectures (--arch-column, then one "
        "column per proxy): read by the warm starts and predictors instead of computed",
    )
    add_import_option(p, "spaces")
    names = [
        name + (f" ({', '.join(OPTIMIZERS.aliases(name))})" if OPTIMIZERS.aliases(name) else "")
        for name in available()
    ]
    p.add_argument(
        "--methods",
        default="random_search,regularized_evolution,local_search,predictor_local_search",
        metavar="A,B",
        help="comma-separated optimizers, by name or alias in parentheses: "
        f"{', '.join(names)} (default: rs,re,ls,pls)",
    )
    p.add_argument(
        "--params",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="parameters of one method as a JSON object, e.g. "
        'bananas=\'{"predictor": "gp"}\' (repeatable; NAME as written in --methods)',
    )
    p.add_argument(
        "--seeds", type=int, default=25, help=f"seeds 0..N-1 (default 25, at most {MAX_SEEDS:,d})"
    )
    p.add_argument(
        "--budget",
        type=int,
        default=100,
        help=f"distinct queries per search (default 100, at most {MAX_BUDGET:,d}; repeats are "
        "free, and a search of a table ends once it has paid for every architecture)",
    )
    p.add_argument(
        "--time-budget",
        type=float,
        help="simulated seconds per search (the report adds best@time: the best value within it)",
    )
    p.add_argument(
        "--out",
        type=path_arg,
        metavar="DIR",
        help="results folder, resumable (default searches/<benchmark>-<dataset>-<digest>)",
    )
    p.add_argument("--engine", default="local", choices=("local", "dask", "ray"))
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help=f"parallel searches (default 1; at most {MAX_WORKERS}, and never more processes "
        "than searches)",
    )
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address (--engine dask)")
    p.add_argument("--address", metavar="ADDR", help="Ray cluster address (--engine ray)")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars (by default one of searches and, with --workers 1, one of "
        "the running search's queries under it)",
    )
    args = p.parse_args(argv)
    _check_flags(p, args, max_seeds=MAX_SEEDS, max_workers=MAX_WORKERS, max_budget=MAX_BUDGET)
    benchmark = args.benchmark or "nb201"
    try:
        methods = _parse_methods(args.methods, args.params)
        trials = search_trials(
            methods,
            benchmark=benchmark,
            dataset=args.dataset,
            seeds=args.seeds,
            budget=args.budget,
            time_budget=args.time_budget,
            space=args.space,
            data=args.data,
            target=args.target,
            cost=args.cost,
            arch_column=args.arch_column or "arch",
            imports=args.imports,
            maximize=args.maximize,
            spelling=flags,
            zero_cost=args.zero_cost,
            fidelity_columns=_parse_fidelity_columns(args.fidelity_columns),
            duplicates=args.data_duplicates or "error",
        )
        objective = _trial_objective(trials[0])
    except ObjectiveChoiceError as err:
        p.error(err.cli)
    except (ValueError, TypeError, LookupError, ImportError, OSError) as err:
        p.error(str(err))
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return 130
    if args.out is None:
        import hashlib

        digest = hashlib.sha256("".join(sorted(t["hash"] for t in trials)).encode())
        args.out = str(
            Path("searches")
            / f"{args.space or benchmark}-{trials[0]['dataset']}-{digest.hexdigest()[:10]}"
        )
    try:  # a missing package, an unreachable scheduler: said before --out is made
        check_engine(args.engine, scheduler=args.scheduler, address=args.address)
    except EngineUnavailableError as err:
        return fail(prog, err)
    n_workers = min(args.workers, len(trials))
    print(
        f"{prog}: {len(trials)} searches ({', '.join(dict.fromkeys(t['label'] for t in trials))}"
        f"; {args.seeds} seed(s), {args.budget} queries) -> {args.out}"
        + (
            f" [{describe_engine(args.engine, n_workers, scheduler=args.scheduler, address=args.address)}]"
            if n_workers > 1 or args.scheduler or args.address
            else ""
        ),
        file=sys.stderr,
    )
    try:
        hist = run_search_study(
            trials,
            args.out,
            engine=args.engine,
            workers=n_workers,
            scheduler=args.scheduler,
            address=args.address,
            progress=not args.no_progress,
        )
    except EngineUnavailableError as err:
        return fail(prog, err)
    except sqlite3.Error as err:  # e.g. results.sqlite is a folder, or --out is read-only
        return fail(
            prog, f"{Path(args.out) / 'results.sqlite'}: cannot use the results database ({err})"
        )
    except (ValueError, OSError) as err:
        return fail(prog, err)
    except KeyboardInterrupt:
        print(
            f"\n{prog}: interrupted; rerun the same command to resume {args.out}", file=sys.stderr
        )
        return 130
    if hist.empty:
        print(f"{prog}: no search finished", file=sys.stderr)
        return 1
    out = Path(args.out)
    summary, _ = write_report(
        hist,
        out,
        # what was searched: "table:FILE" for --data (titled by the file and space)
        benchmark=str(trials[0]["benchmark"]),
        dataset=str(trials[0]["dataset"]),
        checkpoints=sorted({min(100, args.budget), args.budget}),
        objective=objective,
    )
    print(format_summary(summary, cost_unit=objective.cost_unit))
    notes = [*summary.attrs.get("notes", []), *hist.attrs.get("notes", [])]
    for note in notes[:10]:
        print(f"note: {note}")
    if len(notes) > 10:
        print(
            f"note: ... and {len(notes) - 10} more (all of them: nasperf.search.study."
            f"read_search_study({str(out)!r}).attrs['notes'])"
        )
    print(f"wrote {out / 'summary.csv'} and {out / 'regret.png'}")
    n_failed = len(trials) - hist.groupby(["label", "seed"]).ngroups
    return 0 if n_failed == 0 else 1
