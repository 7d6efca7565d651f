"""The trial function and the engines that run it: local processes, Dask, Ray.

:func:`run_trial` is pure: a trial dict (from :func:`nasperf.evaluation.config.expand_trials`)
in, one result row (a flat ``dict``) out; everything it needs is in the trial (data are
read from the packaged benchmark or the files the trial names, with their sha256), and its
randomness comes only from the trial's seed. Every engine runs this same function on one
thread (torch's, and every BLAS / OpenMP pool's), so the rows are identical whatever the
engine and the number of workers (the timing columns, :data:`TIMING_COLUMNS`, aside).

:func:`run_trials` runs many trials on an engine and yields ``(trial, row, error)`` as they
finish, in completion order; the caller stores them. A trial sent to a worker process
carries the caller's working directory, ``NASPERF_*`` variables, ``sys.path`` and warnings
filters (:mod:`nasperf._caller_context`), which the worker applies for that trial: workers
outlive a call, and had kept those of the call that started them.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nasperf._caller_context import CallerContext, applied, caller_context
from nasperf.errors import warn_caller

from ._user_table import numeric_column, read_user_table

if TYPE_CHECKING:
    from nasperf._claims import Claim

    from .store import ResultsStore

__all__ = [
    "ENGINES",
    "TIMING_COLUMNS",
    "MAX_WORKERS",
    "EngineUnavailableError",
    "TrialError",
    "check_engine",
    "load_source",
    "run_claimed",
    "run_trial",
    "run_trials",
]

#: Engines :func:`run_trials` knows.
ENGINES: tuple[str, ...] = ("local", "dask", "ray")
#: The most local worker processes (``workers``) an engine starts; more is refused (each is
#: a Python process with its own imports: past the cores of any one machine it only costs).
MAX_WORKERS = 1024

#: Row columns that measure wall-clock time (or where / when a trial ran); every other
#: column is a deterministic function of the trial.
TIMING_COLUMNS: tuple[str, ...] = (
    "fit_time_s",
    "predict_time_s",
    "query_time_per_arch_s",
    "init_time_s",
    "total_time_s",
    "trial_time_s",
    "worker",
)


#: Trial keys copied into the row when present (a suite's task name, trial kind, the
#: source of a proxy's scores, a split by network), so results can be grouped without
#: re-deriving them.
ROW_TAGS: tuple[str, ...] = ("task", "kind", "proxy_source", "split")


class TrialError(RuntimeError):
    """A trial cannot run (missing side information, too few architectures, ...)."""


class EngineUnavailableError(RuntimeError):
    """The requested engine's package is not installed or its cluster cannot be reached."""


# --------------------------------------------------------------------------- data
_SOURCES: dict[str, tuple[pd.DataFrame, dict]] = {}
_ZERO_COST: dict[str, pd.DataFrame] = {}


def load_source(trial: Mapping[str, Any]) -> tuple[pd.DataFrame, dict]:
    """The table a trial runs on and what it knows about it (cached per process).

    Returns
    -------
    table : DataFrame
        Indexed by architecture text.
    info : dict
        ``target`` (column), ``fidelities`` ({budget: [columns]}), ``target_epochs``,
        ``budget_epochs`` ({budget: epochs}), ``cost_column`` (the column of training
        seconds or None), ``target_seconds`` (each row's training seconds to the target
        fidelity, a Series, or None) and ``budget_seconds`` ({budget: seconds to it, or
        None}): a benchmark's by :meth:`~nasperf.datasets.Benchmark.fidelity_seconds`, the
        rule searches charge by; a user's table's ``cost_column`` is its target's training
        seconds, its budgets' unknown. ``space``.
    """
    data = trial.get("data")
    key = json.dumps(
        [trial.get("benchmark"), trial["dataset"], data, trial.get("target")], sort_keys=True
    )
    if key in _SOURCES:
        return _SOURCES[key]
    if data is None:
        from nasperf.datasets import get_benchmark, load_benchmark

        bench = get_benchmark(trial["benchmark"])
        table = load_benchmark(bench.name, trial["dataset"])
        tfid = bench.resolve_fidelity(trial.get("target"))
        cheaper = bench.fidelities[: bench.fidelities.index(tfid)]
        info = {
            "target": tfid.column,
            "fidelities": {
                f.name: [c for g in cheaper[: i + 1] for c in g.curve_columns]
                for i, f in enumerate(cheaper)
            },
            "target_epochs": tfid.epochs,
            "budget_epochs": {f.name: f.epochs for f in cheaper},
            "curve_spec": {
                f.name: [
                    [g.epochs, dict(zip(g.metrics, g.curve_columns, strict=True))]
                    for g in cheaper[: i + 1]
                ]
                for i, f in enumerate(cheaper)
                if all(g.metrics and g.epochs for g in cheaper[: i + 1])
            },
            "cost_column": bench.cost_column if bench.cost_column in table.columns else None,
            "target_seconds": bench.fidelity_seconds(table, tfid),
            "budget_seconds": {f.name: bench.fidelity_seconds(table, f) for f in cheaper},
            "space": bench.space,
        }
    else:
        from .config import _file_sha256

        sha = _file_sha256(Path(data["path"]))
        if sha != data["sha256"]:
            raise TrialError(
                f"{data['path']} changed since the study was configured (sha256 {sha[:12]}..., "
                f"expected {data['sha256'][:12]}...); start a new study for new data"
            )
        try:
            table = read_user_table(data)
        except ValueError as err:  # a trial's error: one line naming the file, not a traceback
            raise TrialError(str(err)) from None
        for col in [data["target"], data.get("cost_column")]:
            if col and col not in table.columns:
                raise TrialError(
                    f"{data['path']}: no column {col!r}; columns: {list(table.columns)}"
                )
        cost = data.get("cost_column")
        if cost:  # every row, when the study is configured: not only the rows a trial samples
            _, bad, cell = numeric_column(table, cost, lambda v: np.isfinite(v) & (v >= 0))
            if len(bad):
                raise TrialError(
                    f"{data['path']}: column {cost!r}, architecture {table.index[bad[0]]!r}: "
                    f"{cell!r} is not a training time in seconds >= 0 "
                    f"({len(bad)} such row(s))"
                )
        minimised = data.get("maximize") is False
        if minimised:  # a loss: minus it and minus its curves, so higher is better throughout
            from nasperf.datasets.direction import negate_columns

            curve_cols = [c for cols in data.get("fidelities", {}).values() for c in cols]
            table = negate_columns(table, [data["target"], *curve_cols])
        info = {
            "target": data["target"],
            "target_label": f"-{data['target']}" if minimised else data["target"],
            "fidelities": data.get("fidelities", {}),
            "target_epochs": None,
            "budget_epochs": {},
            "curve_spec": {},
            "cost_column": cost,
            "target_seconds": None
            if not cost
            else pd.to_numeric(table[cost], errors="coerce").astype(np.float64),
            "budget_seconds": {},
            "space": data["space"] or table.attrs.get("space"),
        }
    info["networks"] = network_keys(
        table,
        info["space"] or trial.get("space"),
        per_network=bool((data or {}).get("per_network")),
    )
    _SOURCES[key] = (table, info)
    return table, info


def network_keys(
    table: pd.DataFrame, space_name: str | None, *, per_network: bool = False
) -> dict | None:
    """Row -> the network it is (:meth:`~nasperf.spaces.SearchSpace.distinct_key`) where
    the space counts networks rather than specs, or (``per_network``: a user's table that
    stores one result per network, ``data.per_network``) its ``hash``, and the table holds
    two rows of one network (NB101's isomorphic specs, NAS-Bench-Macro's codings: a split
    keeps them on one side, :func:`make_split`); None where every row is its own
    architecture."""
    from nasperf.spaces import get_space

    if space_name is None:
        return None
    space = get_space(space_name)
    if space.counts_networks:
        keys = {text: space.distinct_key(space.parse(text)) for text in table.index}
    elif per_network:
        keys = {text: space.hash(space.parse(text)) for text in table.index}
    else:
        return None
    return keys if len(set(keys.values())) < len(keys) else None


def count_networks(candidates: Sequence[Any], networks: Mapping[Any, Any] | None) -> int:
    """How many networks ``candidates`` are (``networks`` from :func:`network_keys`)."""
    if networks is None:
        return len(candidates)
    return len({networks[c] for c in candidates})


def _zero_cost_table(trial: Mapping[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    from .config import _file_sha256, source_dataset

    spec = trial.get("zero_cost_table")
    data = trial.get("data")
    space, dataset = trial["space"], source_dataset(trial)
    if spec is None and data is not None and data["format"] == "naslib_zc":
        # NASLib zero-cost files carry the proxies (and their <proxy>_time) beside the target
        return _recorded(table, data["path"])
    if spec is None:
        import nasperf.datasets as D

        loader = getattr(D, "load_zero_cost", None)
        if loader is None:
            raise TrialError(
                f"predictor {trial['predictor']!r} needs zero-cost scores, and this nasperf has "
                "no packaged zero-cost tables (nasperf.datasets.load_zero_cost); set "
                "zero_cost_table: FILE in the study config"
            )
        try:
            return loader(space, dataset)
        except LookupError as err:
            raise TrialError(
                f"predictor {trial['predictor']!r} needs zero-cost scores, and none are packaged "
                f"for {space}/{dataset} ({err}); set zero_cost_table: FILE in the study config"
            ) from None
    key = spec["sha256"] + dataset
    if key not in _ZERO_COST:
        path = Path(spec["path"])
        if _file_sha256(path) != spec["sha256"]:
            raise TrialError(f"{path} changed since the study was configured; start a new study")
        from nasperf.datasets import read_zero_cost_table

        try:  # NASLib JSON (-1e8: NaN), CSV or parquet; <proxy>_time columns: its seconds
            zc = read_zero_cost_table(path, space, dataset=dataset, seconds=True)
        except ValueError as err:  # a trial's error: one line naming the file
            raise TrialError(str(err)) from None
        _ZERO_COST[key] = zc
    return _ZERO_COST[key]


def _recorded(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """A proxy table with its ``<proxy>_time`` columns (``nasperf proxies``' files, NASLib's
    ``{"score", "time"}`` records) read as the seconds its scores are charged
    (:func:`~nasperf.encodings.zero_cost.with_recorded_seconds`)."""
    from nasperf.encodings.zero_cost import with_recorded_seconds

    try:
        return with_recorded_seconds(table, where)
    except ValueError as err:
        raise TrialError(str(err)) from None


# --------------------------------------------------------------------------- the trial
def _with_threads_one(fn, *args):
    """``fn(*args)`` on one thread of torch and of every BLAS / OpenMP pool (threadpoolctl):
    a matrix product's sums run in another order on another number of threads, so the rows
    had followed the thread count each engine happened to leave (``--workers 1`` in this
    process on every core, joblib's workers on cores / workers, Dask's on one): bonas'
    predictions differed in their last bits between ``--workers 1`` and ``2``."""
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        with threadpool_limits(limits=1):
            return fn(*args)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            return fn(*args)
    finally:
        torch.set_num_threads(threads)


def _known_task(name: str) -> bool:
    """Whether ``name`` is a dataset nasperf builds networks for (image or graph:
    :func:`~nasperf.spaces.resolve_task` knows it)."""
    from nasperf.spaces import resolve_task

    for kind in ("image", "graph"):
        try:
            resolve_task(name, kind)
            return True
        except ValueError:
            pass
    return False


def run_trial(trial: Mapping[str, Any]) -> dict:
    """Run one trial and return its result row (a flat dict of JSON-serialisable values).

    Steps: load the table of ``(space, dataset)`` (or the user's file); candidates are the
    architectures with a finite target; ``make_split(candidates, n_train, test_size,
    seed)``; build ``nasperf.predictors.get(predictor, space=..., random_state=seed,
    **params)``; hand it the side information its ``requirements`` name (learning curves of
    the trial's budget, zero-cost scores, unlabelled architectures); fit on the training
    set, predict the test set, score with :func:`nasperf.evaluation.metrics.evaluate`.

    The row holds the trial's configuration (``hash``, ``space``, ``dataset``, ``label``,
    ``n_train``, ``budget``, ``seed``, ...), every metric, and costs: ``fit_time_s`` (the
    wall-clock fit, plus the seconds of the earlier runs whose checkpoint the predictor
    resumed, its ``resumed_time_s_``), ``predict_time_s``, ``query_time_per_arch_s``
    (wall-clock prediction time per test architecture plus, for learning-curve predictors,
    the simulated partial training of one architecture, and ``zc_cost_per_arch_s``),
    ``zc_cost_per_arch_s`` (the zero-cost scores of one test architecture at their recorded
    computation seconds: read from a table, the table's seconds; computed by the
    predictor, the seconds recorded with each architecture's scores, measured now or read
    from the disk cache with them, so that a trial costs the same on an empty or a filled
    cache), ``label_cost_s`` (simulated training of the training set, from the benchmark's
    training times; NaN if unknown), ``init_time_s`` (= label cost + fit time + the
    training set's zero-cost scores, at the same recorded seconds), ``total_time_s`` (=
    init + test_size x query time), as White et al. (2021) plot them, and ``zc_time_s``
    (every zero-cost second charged: the training set's and the test set's). Each (architecture,
    proxy) is charged once per trial, and the seconds spent inside
    :func:`nasperf.zero_cost.compute` are left out of ``fit_time_s`` and ``predict_time_s``
    (:func:`nasperf.zero_cost.charges.proxy_charges`): the charge stands for them.

    Raises
    ------
    TrialError
        The trial cannot run: too few architectures for ``n_train + test_size``, zero-cost
        scores or learning curves that are not available.
    """
    return _with_threads_one(_run_trial, trial)


def _run_trial(trial: Mapping[str, Any]) -> dict:
    import nasperf.predictors as P
    from nasperf.evaluation.config import source_dataset
    from nasperf.evaluation.metrics import evaluate, initialisation_time
    from nasperf.evaluation.protocol import make_split
    from nasperf.predictors.base import requirements_of, study_params
    from nasperf.zero_cost.charges import proxy_charges

    start = time.perf_counter()
    from nasperf._imports import import_user_module

    for module in trial.get("imports", []):
        import_user_module(module)
    table, info = load_source(trial)
    target = info["target"]
    if target not in table.columns:
        raise TrialError(
            f"target column {target!r} not in the table; columns: {list(table.columns)}"
        )
    y_all = pd.to_numeric(table[target], errors="coerce").astype(np.float64)
    finite = np.isfinite(y_all.to_numpy())
    candidates = list(table.index[finite])

    cls = P.PREDICTORS.get(trial["predictor"])
    names = set(cls._get_param_names())
    inputs: dict[str, Any] = {"space": info["space"] or trial["space"]}
    if _known_task(source_dataset(trial)):
        # (a user's table without data.dataset is named, not a dataset: the predictor
        # builds for its space's own task, e.g. zc_proxy computing a proxy its table lacks)
        inputs["dataset"] = source_dataset(trial)
    if trial.get("images") is not None:
        inputs["images"] = trial["images"]["path"]
    if trial.get("training_epochs") is not None:
        inputs["epochs"] = int(trial["training_epochs"])
    # each to the parameter that takes it, where the config's params do not set it, and on
    # to an ensemble's members and a tuned model (their images had been dropped)
    params = study_params(cls, trial.get("params") or {}, inputs)
    if "random_state" in names:
        params["random_state"] = int(trial["seed"])
    elif "seed" in names and "seed" not in params:
        params["seed"] = int(trial["seed"])
    predictor = P.get(trial["predictor"], **params)
    # what this predictor, with its parameters, needs and uses: one with zero_cost_proxies,
    # or an ensemble / tuned wrapper of omni, takes the study's zero-cost table (its class's
    # requirements had said nothing of it: the proxies were computed though the table held
    # them)
    req = requirements_of(predictor)
    n_train = int(trial["n_train"]) if req.labels else 0
    try:
        split = make_split(
            candidates,
            n_train,
            test_size=int(trial["test_size"]),
            seed=int(trial["seed"]),
            # as make_trial marks it (a suite's proxy trial scores every labelled row: it
            # has no training set to leak into)
            networks=info["networks"] if trial.get("split") == "by_network" else None,
        )
    except ValueError as err:
        raise TrialError(f"{trial['space']}/{trial['dataset']}: {err}") from None
    train, test = list(split.train), list(split.test)

    side_names = set(req.side_information)
    if trial.get("pass_zero_cost"):
        side_names.add("zero_cost")
    fit_side: dict[str, Any] = {}
    pred_side: dict[str, Any] = {}
    budget = trial.get("budget")
    # Side information a hybrid uses when it exists: curves where the trial has a budget,
    # a zero-cost table where one is configured or packaged (else it computes its own).
    optional_zc = None
    if "learning_curves" in req.optional and budget is not None:
        side_names.add("learning_curves")
    if "zero_cost" in req.optional and "zero_cost" not in side_names:
        from nasperf.datasets.zero_cost_tables import scores_every

        configured = trial.get("zero_cost_table") is not None or (
            trial.get("data") is not None and trial["data"]["format"] == "naslib_zc"
        )
        try:
            optional_zc = _zero_cost_table(trial, table)
        except TrialError:
            if configured:  # a table the study names must load; only a missing one is fine
                raise
            optional_zc = None
        if (
            optional_zc is not None
            and not configured
            and not scores_every(optional_zc, [*train, *test])
        ):
            # a packaged table that does not score every architecture of the trial (the
            # 50-genotype NB301 table beside the 3,000-genotype surrogate) is no side
            # information for it: the hybrid runs without (or computes its own)
            optional_zc = None
        if optional_zc is not None:
            side_names.add("zero_cost")
    if "learning_curves" in side_names:
        cols = info["fidelities"].get(budget)
        if not cols:
            raise TrialError(
                f"predictor {trial['predictor']!r} needs learning curves, and "
                f"{trial['dataset']} has no budget {budget!r}; available: "
                f"{sorted(info['fidelities']) or 'none'}"
            )
        spec = info.get("curve_spec", {}).get(budget)
        if spec:
            fit_side["learning_curves"] = _learning_curves(table, train, spec, info)
            pred_side["learning_curves"] = _learning_curves(table, test, spec, info)
        else:  # a user's table: its budget's columns, read as validation accuracy per epoch
            # in the table's own units (a fraction, or minus a minimised loss: not checked
            # or clipped as percent)
            from nasperf.datasets.curves import LearningCurves

            curves = table[cols].astype(np.float64)
            fit_side["learning_curves"] = LearningCurves.from_array(
                curves.loc[train].to_numpy(), percent=False
            )
            pred_side["learning_curves"] = LearningCurves.from_array(
                curves.loc[test].to_numpy(), percent=False
            )
    if "zero_cost" in side_names:
        zc = optional_zc if optional_zc is not None else _zero_cost_table(trial, table)
        if target in zc.columns:
            # A user's NASLib file carries the label beside the proxies: it never reaches the
            # predictor (which takes registered proxies or named columns only anyway).
            zc = zc.drop(columns=[target])
        fit_side["zero_cost"] = pred_side["zero_cost"] = zc
    n_unlabelled = 0
    if "unlabelled" in side_names:
        used = set(train) | set(test)
        pool = sorted(a for a in candidates if a not in used)
        size = min(int(trial.get("unlabelled_size", 1000)), len(pool))
        rng = np.random.default_rng([int(trial["seed"]), 1])
        picked = sorted(rng.choice(len(pool), size=size, replace=False).tolist())
        fit_side["unlabelled"] = [pool[i] for i in picked]
        n_unlabelled = size

    y_train = y_all.loc[train].to_numpy()
    y_test = y_all.loc[test].to_numpy()
    # Zero-cost scores the predictor computes (zc_proxy without a table, omni's data-free
    # proxies, zero_cost_proxies=[...] of any member) are charged at the seconds recorded
    # with them, not at the wall-clock of computing them: that is the computation on an
    # empty cache and a lookup of milliseconds on a filled one (a zen trial had cost 51.6 s
    # and then 0.26 s). The seconds spent inside compute leave the wall-clock times.
    with proxy_charges() as fit_zc:
        t0 = time.perf_counter()
        if req.labels:
            predictor.fit(train, y_train, **fit_side)
        else:
            predictor.fit(test, **pred_side)  # training-free: no labels are read
        t1 = time.perf_counter()
    with proxy_charges(after=fit_zc) as predict_zc:
        y_pred = np.asarray(predictor.predict(test, **pred_side), dtype=np.float64).reshape(-1)
        t2 = time.perf_counter()
    if y_pred.shape != y_test.shape:
        raise TrialError(
            f"predictor {trial['predictor']!r} returned {y_pred.shape[0]} scores for "
            f"{y_test.shape[0]} test architectures"
        )
    try:
        metrics = evaluate(y_test, y_pred, ks=tuple(trial["ks"]), nan_policy=trial["nan_policy"])
    except ValueError as err:
        if trial["nan_policy"] != "raise" or not np.isnan(y_pred).any():
            raise
        # the study's words: its config key, not evaluate()'s argument
        first = str(err).split(";")[0]
        raise TrialError(
            f"{first}; metrics.nan_policy: raise refuses them (worst ranks them last, omit "
            "leaves them out)"
        ) from None

    # Costs as White et al. (2021) count them: training data at the target's schedule, and
    # for learning-curve predictors every queried architecture trained for the budget; both
    # by the benchmark's rule (Benchmark.fidelity_seconds), as a search charges a query at
    # that fidelity (a 12ep target had been charged the 200-epoch run per label).
    seconds = info["target_seconds"]
    if seconds is not None:
        label_cost = initialisation_time(seconds.loc[train].to_numpy())
    else:
        label_cost = float("nan") if req.labels else 0.0
    lc_cost = 0.0
    if "learning_curves" in side_names:
        b_seconds = info["budget_seconds"].get(budget)
        lc_cost = float("nan") if b_seconds is None else float(b_seconds.loc[test].mean())
    # a predictor that resumed a checkpoint (a weight-sharing supernet's) did not spend its
    # earlier runs' seconds again, but the training they did is its initialisation too
    fit_time = t1 - t0 - fit_zc.wall_s + float(getattr(predictor, "resumed_time_s_", 0.0) or 0.0)
    predict_time = t2 - t1 - predict_zc.wall_s
    # zero-cost scores read from a table stand for their computation (the table's recorded
    # seconds): zc_proxy had been placed at the table lookup's milliseconds on the time
    # axis, 1,600x too early (searches charge it); computed ones at the seconds recorded
    # with them, each (architecture, proxy) once: those of the training set (fit) are part
    # of the initialisation, those of the test set (predict, or a training-free fit) of the
    # query
    table_zc = float(getattr(predictor, "zero_cost_seconds_per_arch_", 0.0) or 0.0)
    # what the training set was scored with, where a predictor read more there than it
    # reads for a query (tuned: every configuration its folds tried)
    train_zc = float(getattr(predictor, "zero_cost_train_seconds_per_arch_", table_zc) or 0.0)
    if req.labels:
        zc_cost = table_zc + predict_zc.seconds_s / len(test)
        zc_train = train_zc * len(train) + fit_zc.seconds_s
    else:
        zc_cost = table_zc + (fit_zc.seconds_s + predict_zc.seconds_s) / len(test)
        zc_train = 0.0
    init = label_cost + fit_time + zc_train
    query = predict_time / len(test) + lc_cost + zc_cost

    row: dict[str, Any] = {
        "hash": trial["hash"],
        "space": trial["space"],
        "benchmark": trial.get("benchmark"),
        "dataset": trial["dataset"],
        "data_path": None if trial.get("data") is None else trial["data"]["path"],
        # the data by its content: a folder moved or cloned elsewhere keeps one config
        "data_sha256": None if trial.get("data") is None else trial["data"]["sha256"],
        "target": info.get("target_label", target),
        "predictor": trial["predictor"],
        "label": trial["label"],
        "params": json.dumps(trial.get("params") or {}, sort_keys=True),
        # What the predictor actually encoded with (adaptive defaults such as BANANAS's
        # path_auto say which encoding they chose on this space); None where not known.
        "encoding": _str_or_none(getattr(predictor, "encoding_", None)),
        "zero_cost": "zero_cost" in side_names,
        # where the zero-cost features came from: "table" (given), "computed" (a hybrid
        # computing data-free proxies itself, as OMNI does without a table) or None
        "zero_cost_source": _str_or_none(getattr(predictor, "zero_cost_source_", None) or None),
        "n_train": n_train,
        "budget": budget,
        "seed": int(trial["seed"]),
        "test_size": len(test),
        "n_unlabelled": n_unlabelled,
    }
    row.update({k: trial[k] for k in ROW_TAGS if k in trial})
    for k, v in metrics.items():
        row[k] = int(v) if isinstance(v, int | np.integer) else float(v)
    row.update(
        {
            "label_cost_s": float(label_cost),
            "lc_cost_per_arch_s": float(lc_cost),
            "zc_cost_per_arch_s": zc_cost,
            # every zero-cost second the trial charged (training and test sets): with
            # fit + predict, the predictor's own cost (summarize's compute_time_s)
            "zc_time_s": zc_train + len(test) * zc_cost,
            "fit_time_s": fit_time,
            "predict_time_s": predict_time,
            "query_time_per_arch_s": query,
            "init_time_s": init,
            "total_time_s": init + len(test) * query,
            "trial_time_s": time.perf_counter() - start,
            "worker": f"{socket.gethostname()}:{os.getpid()}",
        }
    )
    return row


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _learning_curves(table: pd.DataFrame, rows: list, spec: list, info: dict):
    """:class:`LearningCurves` of ``rows`` from a budget's ``[[epoch, {metric: column}],
    ...]``; metrics not measured at every epoch of the budget are left out."""
    from nasperf.datasets.curves import LearningCurves

    epochs = [int(e) for e, _ in spec]
    common = [m for m in spec[0][1] if all(m in cols for _, cols in spec)]
    sub = table.loc[rows]
    values = {
        m: np.stack([sub[cols[m]].to_numpy(np.float64) for _, cols in spec], axis=1) for m in common
    }
    return LearningCurves(epochs, values, final_epoch=info.get("target_epochs"))


def _safe_run(
    trial: Mapping[str, Any],
    fn=None,
    parent: int | None = None,
    context: CallerContext | None = None,
) -> tuple[dict, dict | None, str | None]:
    """``fn(trial)`` (default :func:`run_trial`) that returns its error as text instead of
    raising (one failing trial does not stop a study); KeyboardInterrupt and SystemExit
    still propagate. In a worker process, ``parent`` (the pid of the process that runs the
    study) starts a watchdog that ends the worker when that process dies, and ``context``
    (:func:`nasperf._caller_context.caller_context` of that process) is applied for the
    trial: its working directory, ``NASPERF_*`` variables, ``sys.path`` and warnings
    filters, which a reused worker had kept from an earlier call."""
    if parent is not None:
        from nasperf._process import watch_parent

        watch_parent(parent)
    with applied(context):
        try:
            return dict(trial), (fn or run_trial)(trial), None
        except TrialError as err:
            return dict(trial), None, str(err)
        except Exception as err:
            tb = traceback.format_exc(limit=6)
            return dict(trial), None, f"{type(err).__name__}: {err}\n{tb}"


# --------------------------------------------------------------------------- engines
def check_workers(workers: Any) -> int:
    """``workers`` as an int in ``[1, MAX_WORKERS]`` (a numpy int too); a bool, a float or
    any other value is a ``TypeError`` / ``ValueError`` naming it. A study had written
    ``np.int64(1)`` into ``meta.json`` as the text ``'1'``, which it then refused as its own
    damaged file on every rerun."""
    if isinstance(workers, bool | np.bool_) or not isinstance(workers, int | np.integer):
        from nasperf.errors import short_repr

        raise TypeError(f"workers must be an int, got {short_repr(workers)}")
    workers = int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers > MAX_WORKERS:
        raise ValueError(f"workers must be at most {MAX_WORKERS}, got {workers}")
    return workers


def run_trials(
    trials: Iterable[Mapping[str, Any]],
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    address: str | None = None,
    fn: Any = None,
) -> Iterator[tuple[dict, dict | None, str | None]]:
    """Run ``trials`` on ``engine``; yield ``(trial, row, error)`` as each finishes.

    Parameters
    ----------
    trials : iterable of dict
        Consumed lazily by the local engine (one at a time with ``workers=1``, at most
        ``2 * workers`` ahead of the finished ones otherwise), so a caller can claim each
        trial as it is dispatched; Dask and Ray take them all at the start.
    engine : {"local", "dask", "ray"}
        ``local``: this process (``workers=1``) or joblib's process pool; ``dask``: a Dask
        distributed cluster (``scheduler`` address, or a LocalCluster of ``workers``
        processes, one thread each); ``ray``: a Ray cluster (``address``, or a local one
        with ``workers`` CPUs).
    workers : int
        Processes for the local engines (ignored when connecting to a cluster).
    scheduler : str, optional
        ``engine="dask"`` only: the address of a running Dask scheduler to connect to
        (e.g. ``"tcp://10.0.0.5:8786"``; 30 s to connect). None (default): a LocalCluster
        of ``workers`` processes is started and closed when the trials are done.
    address : str, optional
        ``engine="ray"`` only: the address of a running Ray cluster, passed to
        ``ray.init(address=...)`` (e.g. ``"auto"`` or ``"ray://head:10001"``). None
        (default): a local Ray with ``workers`` CPUs is started and shut down when the
        trials are done. Ignored when Ray is already initialised in this process (that
        session is used and left running).
    fn : callable, optional
        The trial function, a module-level function ``trial -> row`` (default
        :func:`run_trial`; the search studies pass
        :func:`nasperf.search.study.run_search_trial`).

    Raises
    ------
    EngineUnavailableError
        Dask / Ray are not installed (``pip install 'nasperf[distributed]'``), or the
        scheduler / cluster cannot be reached or started.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
    workers = check_workers(workers)
    if isinstance(trials, Sized):  # never more processes than trials
        workers = max(1, min(workers, len(trials)))
    if engine == "local":
        return _run_local(trials, workers, fn)
    trials = list(trials)
    if not trials:
        return iter(())
    if engine == "dask":
        return _run_dask(trials, workers, scheduler, fn)
    return _run_ray(trials, workers, address, fn)


def check_engine(engine: str, *, scheduler: str | None = None, address: str | None = None) -> None:
    """Check, before a study writes anything, that ``engine`` can run: its package is
    installed, a given Dask ``scheduler`` answers as a Dask scheduler (handshake and
    identity, :data:`DASK_ANSWER_S` seconds at most) and a given Ray ``address`` accepts
    connections (a socket opened and closed, 10 s at most; ``"auto"`` is left to Ray).

    Raises
    ------
    ValueError
        An unknown engine.
    EngineUnavailableError
        The package is missing, or the scheduler's address is malformed or unreachable.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
    if engine == "dask":
        try:
            from distributed.comm.addressing import parse_address, parse_host_port
        except ImportError as err:
            raise EngineUnavailableError(
                f"the dask engine needs dask.distributed ({err}); pip install "
                "'nasperf[distributed]'"
            ) from None
        if scheduler:
            where = f"--scheduler {scheduler[:200]!r}"
            try:
                protocol, location = parse_address(scheduler)
                if protocol not in ("tcp", "tls"):
                    return  # inproc://, ucx://: the client itself says whether it connects
                host, port = parse_host_port(location)
            except ValueError as err:
                raise EngineUnavailableError(
                    f"{where} is not a Dask scheduler address ({err}); give host:port, e.g. "
                    "tcp://10.0.0.1:8786"
                ) from None
            try:
                socket.create_connection((host, port), timeout=10).close()
            except (OSError, ValueError, OverflowError) as err:
                raise EngineUnavailableError(
                    f"cannot reach the Dask scheduler {scheduler[:200]}: {err}"
                ) from None
            _check_dask_scheduler(scheduler)
    elif engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError as err:
            raise EngineUnavailableError(
                f"the ray engine needs ray ({err}); pip install 'nasperf[distributed]'"
            ) from None
        if address and address != "auto":
            _check_ray_address(address)


def describe_engine(
    engine: str, workers: int, *, scheduler: str | None = None, address: str | None = None
) -> str:
    """What a run's header says of where it runs: the worker processes this machine starts,
    or the cluster it joins (whose workers ``--workers`` does not set)."""
    if engine == "dask" and scheduler:
        return f"dask, scheduler {scheduler[:200]}"
    if engine == "ray" and address:
        return f"ray, cluster {address[:200]}"
    return f"{engine}, {workers} worker(s)"


#: seconds a Dask scheduler has to answer its handshake and an identity request
DASK_ANSWER_S = 15.0
#: Seconds without a finished trial on a scheduler with no worker before a warning says so;
#: repeated every ``DASK_IDLE_REPEAT`` times as long.
DASK_IDLE_NOTE_S = 60.0
DASK_IDLE_REPEAT = 5


def _check_dask_scheduler(scheduler: str, timeout: float = DASK_ANSWER_S) -> None:
    """Exchange Dask's handshake with ``scheduler`` and ask who it is, within ``timeout``
    seconds: a port that accepts connections but is not a Dask scheduler (a web server, a
    Dask worker, a silent service) is named here, not by a traceback from deep in the
    client's protocol (an HTTP reply had been read as a 3 EiB frame) or an endless wait
    (distributed's connect timeout does not cover the handshake)."""
    import asyncio
    import threading

    async def identity() -> Any:
        from distributed.comm import connect

        comm = await connect(scheduler, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    box: dict[str, Any] = {}

    def ask() -> None:  # its own event loop: the caller may be running one (Jupyter)
        try:
            box["info"] = asyncio.run(asyncio.wait_for(identity(), timeout))
        except Exception as err:  # whatever the other end made the protocol raise
            box["error"] = err

    thread = threading.Thread(target=ask, name="nasperf-dask-check", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    where = f"--scheduler {scheduler[:200]}"
    if thread.is_alive() or isinstance(box.get("error"), TimeoutError):
        raise EngineUnavailableError(
            f"{where} accepted a connection but did not answer as a Dask scheduler within "
            f"{timeout:.0f} s; is it the scheduler's address (default port 8786)?"
        )
    if "error" in box:
        err = box["error"]
        raise EngineUnavailableError(
            f"{where} did not answer as a Dask scheduler ({type(err).__name__}: "
            f"{str(err)[:300]}); is it the scheduler's address (default port 8786)?"
        )
    info = box.get("info")
    kind = info.get("type") if isinstance(info, dict) else None
    if kind != "Scheduler":
        raise EngineUnavailableError(
            f"{where} answered as {kind or 'something else'}, not a Dask scheduler; give the "
            "scheduler's address (default port 8786)"
        )


def _check_ray_address(address: str) -> None:
    """A socket opened to a given Ray ``address`` (``host:port`` or ``ray://host:port``,
    10 s at most): ``ray.init`` waits for an unreachable cluster for minutes, in native
    code that Ctrl-C does not stop."""
    where = f"--address {address[:200]!r}"
    location = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = location.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise EngineUnavailableError(
            f"{where} is not a Ray cluster address; give host:port (e.g. 10.0.0.1:6379), "
            "ray://host:10001 or auto"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except (OSError, ValueError, OverflowError) as err:
        raise EngineUnavailableError(
            f"cannot reach the Ray cluster {address[:200]}: {err}"
        ) from None


def _run_local(trials: Iterable, workers: int, fn=None) -> Iterator:
    if workers == 1:
        for trial in trials:
            yield _safe_run(trial, fn)
        return
    from joblib import Parallel, delayed

    # Workers watch this process: if it dies (kill -9 included), they exit within a second
    # instead of finishing their trials for nobody (loky keeps idle workers for minutes).
    parent = os.getpid()
    context = caller_context()
    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")
    yield from parallel(delayed(_safe_run)(t, fn, parent, context) for t in trials)


def _run_dask(trials: list, workers: int, scheduler: str | None, fn=None) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise EngineUnavailableError(
            f"the dask engine needs dask.distributed ({err}); pip install 'nasperf[distributed]'"
        ) from None
    cluster = None
    if scheduler:
        _check_dask_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout="30s")
        except Exception as err:  # the check passed, so a scheduler that went away
            raise EngineUnavailableError(
                f"cannot reach the Dask scheduler {scheduler}: {err}"
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futures = client.map(
            _safe_run,
            trials,
            fn=fn,
            context=caller_context(),
            key=[f"nasperf-trial-{t['hash']}" for t in trials],
            pure=False,
        )
        yield from _dask_results(client, futures, scheduler or cluster.scheduler_address)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _duration(seconds: float) -> str:
    """``seconds`` as "45 s" or "12 min"."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _dask_results(client: Any, futures: list, scheduler: str) -> Iterator:
    """The results of ``futures`` as they finish. While the scheduler has no worker (on one
    nasperf did not start, every worker may have gone), trials wait there, so a
    :class:`RuntimeWarning` says so after :data:`DASK_IDLE_NOTE_S` seconds without a result,
    and again every ``DASK_IDLE_REPEAT`` notes' time (a study had waited in silence)."""
    from distributed import wait

    pending = list(futures)
    quiet_since = time.monotonic()
    next_note = DASK_IDLE_NOTE_S
    while pending:
        try:
            done, not_done = wait(
                pending, timeout=DASK_IDLE_NOTE_S / 4, return_when="FIRST_COMPLETED"
            )
        except TimeoutError:
            waited = time.monotonic() - quiet_since
            if waited >= next_note:
                workers = len(client.scheduler_info().get("workers", {}))
                if workers == 0:
                    warn_caller(
                        f"the Dask scheduler {scheduler} has no worker: {len(pending)} "
                        f"trial(s) waiting for {_duration(waited)} (start workers with "
                        f"`dask worker {scheduler}`, or stop with Ctrl-C and resume later)",
                        RuntimeWarning,
                    )
                next_note = waited + DASK_IDLE_NOTE_S * DASK_IDLE_REPEAT
            continue
        for fut in done:
            yield fut.result()
            fut.release()
        pending = list(not_done)
        quiet_since = time.monotonic()
        next_note = DASK_IDLE_NOTE_S


def _run_ray(trials: list, workers: int, address: str | None, fn=None) -> Iterator:
    try:
        import ray
    except ImportError as err:
        raise EngineUnavailableError(
            f"the ray engine needs ray ({err}); pip install 'nasperf[distributed]'"
        ) from None
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            if address != "auto":
                _check_ray_address(address)
            kwargs["address"] = address
        else:
            # "local": a Ray of our own, even where a cluster runs on this machine (Ray
            # would otherwise join it and refuse num_cpus)
            kwargs.update(address="local", num_cpus=workers)
        # ray.init installs a SIGTERM handler that exits at once (its children abort with
        # a native stack dump): keep the caller's, so SIGTERM stops the trials as Ctrl-C
        # does (nasperf's commands drop their claims and exit 143)
        sigterm = _sigterm_handler()
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise EngineUnavailableError(
                f"cannot start or reach Ray ({address or 'local'}): {err}"
            ) from None
        finally:
            _restore_sigterm(sigterm)
        started = True
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_safe_run)
        context = caller_context()
        pending = [remote.remote(t, fn, None, context) for t in trials]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started:
            ray.shutdown()


def _sigterm_handler() -> Any:
    """This process's SIGTERM handler, where one can be restored (main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.getsignal(signal.SIGTERM)


def _restore_sigterm(handler: Any) -> None:
    import signal

    if handler is not None:
        signal.signal(signal.SIGTERM, handler)


def run_claimed(
    store: ResultsStore,
    trials: Iterable[Mapping[str, Any]],
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    address: str | None = None,
    fn: Any = None,
    on_wait: Callable[[list[Claim]], Any] | None = None,
) -> Iterator[tuple[dict, dict | None, str | None]]:
    """Run the unfinished ``trials`` into ``store``, sharing them with any other process
    that runs into the same folder; yield ``(trial, row, error)`` of the trials run here,
    each after it is stored (rows in ``trials``, errors in ``errors``).

    Each trial is claimed just before it is dispatched (:meth:`ResultsStore.claims`), so a
    trial another process has finished or is running is skipped. When the trials left are
    all running elsewhere, this waits for them (``on_wait(claims)`` is called while it
    does) and runs any that a dead process leaves behind; it returns when every trial is
    finished or has failed (failed ones are retried by the next run, not by this one).
    """
    claims = store.claims()
    try:
        for batch in claims.rounds(trials, key=lambda t: t["hash"], on_wait=on_wait):
            mine = (t for t in batch if claims.claim(t["hash"]))
            # never more processes than the trials of this round (``mine`` is lazy)
            n = max(1, min(workers, len(batch)))
            for trial, row, err in run_trials(
                mine, engine=engine, workers=n, scheduler=scheduler, address=address, fn=fn
            ):
                if err is None:
                    store.add(trial, row)
                else:
                    store.add_error(trial, err)
                    claims.fail(trial["hash"])
                yield trial, row, err
    finally:
        claims.close()
