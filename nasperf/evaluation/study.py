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
import socket
import sqlite3
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf._argparse import ArgumentParser, add_direction_flags, add_duplicates_flag, path_arg
from nasperf._claims import wait_note
from nasperf._main_registrations import check_main_registrations
from nasperf._markdown import md_row
from nasperf.errors import StudyNote, as_names, as_path, check_flag, short_repr, warn_caller

from ._rows import (
    SETTING_COLUMNS,
    as_frame,
    check_columns,
    check_metrics,
    check_one_trial_per_seed,
    differing_settings,
    one_row_per_trial,
    own_seconds,
    setting_text,
    sort_groups,
)
from .config import (
    ConfigError,
    StudyConfig,
    as_study_config,
    default_config,
    expand_trials,
    load_config,
    parse_config,
    skipped_predictors,
)
from .engines import (
    ENGINES,
    MAX_WORKERS,
    TIMING_COLUMNS,
    EngineUnavailableError,
    check_engine,
    describe_engine,
    load_source,
    run_claimed,
)
from .store import DB_NAME, ResultsStore, environment

__all__ = [
    "SUMMARY_METRICS",
    "StudyResult",
    "check_trials",
    "fit_sizes_to_data",
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
#: The columns :func:`summarize` groups by that every table must have (``benchmark``: rows
#: of older studies lack it).
_SUMMARY_COLUMNS = ("space", "dataset", "label", "budget", "n_train")
#: The deepest of the default ``metrics.ks`` (10, 20, 50): always accepted, whatever the
#: data's size (see :func:`check_trials`).
_DEFAULT_DEPTH = 50


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
    ``max(n_train) + test_size`` with the architectures that have a finite target, and
    each depth ``k`` of ``metrics.ks`` with them too: a test set holds at most that many
    architectures, so a deeper ``precision@k`` could never be measured (it would be
    ``precision@n`` under another name). Depths up to the default ones (50) are always
    accepted, so that the default ``ks`` run on a small table too (clipped to the test set,
    as :func:`~nasperf.evaluation.metrics.evaluate` documents).

    Raises
    ------
    ConfigError
        With the source, the sizes and the number of candidates.
    """
    # per source, and per whether a trial's split counts networks or rows (its ``split``,
    # make_trial's: a suite's proxy trials score every labelled row)
    need: dict[tuple[str, bool], tuple[dict, int]] = {}
    deepest: dict[str, int] = {}
    for t in trials:
        key = repr((t.get("benchmark"), t["dataset"], t.get("data"), t.get("target")))
        n = int(t["n_train"]) + int(t["test_size"])
        by_rows = t.get("split") != "by_network"
        if (key, by_rows) not in need or need[key, by_rows][1] < n:
            need[key, by_rows] = (t, n)
        deepest[key] = max(deepest.get(key, 0), *(t.get("ks") or [0]))
    counts = _finite_counts(trials)
    for key, k in deepest.items():
        where, have, target, _ = counts[key]
        if k > max(have, _DEFAULT_DEPTH):
            raise ConfigError(
                f"metrics.ks: {k:,d} is deeper than the {have:,d} architectures with a finite "
                f"{target!r} in {where} (a test set holds at most that many); give ks of at "
                f"most {max(have, _DEFAULT_DEPTH):,d}"
            )
    for (key, by_rows), (t, n) in need.items():
        _, rows, target, networks = counts[key]
        have = rows if by_rows else networks
        if n > have:
            raise ConfigError(
                f"{t['space']}/{t['dataset']}: train size {n - int(t['test_size'])} + test_size "
                f"{t['test_size']} = {n} exceeds the {have} architectures with a finite "
                f"{target!r}{_networks_note(rows, networks)}; lower train_sizes or test_size"
            )


def _networks_note(rows: int, networks: int) -> str:
    """Where a table's rows are fewer networks (NB101's isomorphic specs), say so."""
    if rows == networks:
        return ""
    return f" (networks: among its {rows} rows are several specs of one network, kept on one side of a split)"


def _finite_counts(trials: Sequence[dict]) -> dict[str, tuple[str, int, str, int]]:
    """Per distinct source of ``trials``: (name, architectures with a finite target, target
    column, the networks they are: fewer where rows are isomorphic specs of one network,
    :func:`~nasperf.evaluation.engines.network_keys`). Loading errors and a missing target
    column are raised first, as ConfigError."""
    from nasperf.encodings.zero_cost import uncovered
    from nasperf.predictors import PREDICTORS
    from nasperf.predictors.base import requirements_of

    from .engines import TrialError, _zero_cost_table, count_networks

    def source(t: dict) -> str:
        return repr((t.get("benchmark"), t["dataset"], t.get("data"), t.get("target")))

    def reads_zero_cost(t: dict) -> bool:
        # the predictor with its parameters: xgb with zero_cost_proxies, an ensemble of omni
        try:
            req = requirements_of(PREDICTORS.get(t["predictor"])(**(t.get("params") or {})))
        except (TypeError, ValueError):  # its trial says what is wrong with the parameters
            req = PREDICTORS.get(t["predictor"]).requirements
        return bool(req.zero_cost or "zero_cost" in req.optional or t.get("pass_zero_cost"))

    # the sources whose configured proxy table a trial reads
    zc_sources = {
        source(t) for t in trials if t.get("zero_cost_table") is not None and reads_zero_cost(t)
    }
    out: dict[str, tuple[str, int, str, int]] = {}
    for t in trials:
        key = source(t)
        if key in out:
            continue
        try:
            table, info = load_source(t)
        except (ValueError, OSError, RuntimeError) as err:
            raise ConfigError(f"{t['space']}/{t['dataset']}: cannot load the data: {err}") from None
        target = info["target"]
        if target not in table.columns:
            raise ConfigError(
                f"{t['dataset']}: no target column {target!r}; columns: {list(table.columns)}"
            )
        if key in zc_sources:
            # every architecture a trial may sample needs its proxies: checked once here,
            # not in each trial whose sample happens to hold one without
            try:
                zc = _zero_cost_table(t, table)
            except (ValueError, OSError, TrialError) as err:
                # TrialError: an architecture given twice, or one the space cannot read
                raise ConfigError(f"zero_cost_table: {err}") from None
            n, first = uncovered(table.index, zc)
            if n:
                raise ConfigError(
                    f"zero_cost_table: {t['zero_cost_table']['path']} has no row for {n} of "
                    f"the {len(table)} architectures of the data, e.g. {first!r}"
                )
        y = pd.to_numeric(table[target], errors="coerce").to_numpy(dtype=np.float64)
        where = t["dataset"] if t.get("data") is None else t["data"]["path"]
        finite = list(table.index[np.isfinite(y)])
        values = np.unique(y[np.isfinite(y)])
        if len(values) == 1:
            # every metric would read 0 (a constant side carries no ranking): a wrong column
            raise ConfigError(
                f"{where}: the target {target!r} is {values[0]:g} for all {len(finite):,d} "
                "architectures with a value: there is no ranking to predict (is it the "
                "right column?)"
            )
        out[key] = (where, len(finite), target, count_networks(finite, info["networks"]))
    return out


def _check_resume(store: ResultsStore) -> None:
    """Refuse to add to a folder whose ``meta.json`` is damaged (:func:`read_meta` names
    the key) or was written by another nasperf version; called before anything is written."""
    from nasperf.errors import IncompatibleVersionError

    from .store import version_change

    change = version_change(store.read_meta())
    if change is not None:
        stored, installed = change
        raise IncompatibleVersionError(
            f"{store.meta_path}: the study in {store.folder} was run with nasperf {stored}, "
            f"this is nasperf {installed}; its rows may have been computed differently, and "
            f"resuming it would mix the two in one table: finish it with nasperf {stored}, "
            "or give this run its own --out (nasperf plot still reads the folder)"
        )


def _expand(config: StudyConfig) -> list[dict]:
    """The trials of any study: :func:`expand_trials`, or a suite's
    :func:`~nasperf.evaluation.suite.expand_suite`."""
    if config.tasks:
        from .suite import expand_suite

        return expand_suite(config).trials
    return expand_trials(config)


def fit_sizes_to_data(
    config: StudyConfig | Mapping[str, Any], *, train_sizes: bool = True, test_size: bool = True
) -> tuple[StudyConfig, list[str]]:
    """Shrink default sizes to a source with fewer architectures than they need.

    When the largest training size plus ``test_size`` exceeds the architectures with a
    finite target (``n``, the smallest over the sources), ``test_size`` (if ``test_size``
    is true: it may change) becomes ``min(test_size, n // 4)`` (or what the largest given
    training size leaves), and the training sizes (if ``train_sizes``) that no longer fit
    are dropped. Sizes the user set are left alone (pass False): :func:`check_trials` then
    reports the shortfall with the numbers.

    Returns
    -------
    config : StudyConfig
        ``config`` itself when everything fits, else the adapted copy.
    notes : list of str
        One line saying what changed and why.

    Raises
    ------
    ConfigError
        The data cannot be loaded, lacks its target column, or is too small even for the
        adapted sizes (at least 2 test and 1 training architecture).
    TypeError
        ``config`` is neither a StudyConfig nor a config mapping (a mapping goes through
        :func:`parse_config`), or a flag is not a bool.
    """
    config = as_study_config(config)
    train_sizes = check_flag(train_sizes, "train_sizes")
    test_size = check_flag(test_size, "test_size")
    if config.tasks:  # a suite fits its sizes to each task itself
        return config, []
    counts = _finite_counts(expand_trials(config))
    # the networks: a split keeps the rows of one network on one side
    where, rows, target, n = min(counts.values(), key=lambda c: c[3])
    sizes, test = list(config.train_sizes), config.test_size
    if max(sizes) + test <= n or not (train_sizes or test_size):
        return config, []
    if test_size:
        test = min(test, n // 4) if train_sizes else min(test, n - max(sizes))
    if train_sizes:
        sizes = [s for s in sizes if s + test <= n]
    if test < 2 or not sizes or max(sizes) + test > n:
        raise ConfigError(
            f"{where}: {n} architectures with a finite {target!r}"
            f"{_networks_note(rows, n)} are too few for training "
            f"sizes {', '.join(map(str, config.train_sizes))} plus a test set "
            f"(test_size {config.test_size}); set smaller train_sizes / test_size"
        )
    changed = []
    if test != config.test_size:
        changed.append(f"test_size {config.test_size} -> {test}")
    if sizes != list(config.train_sizes):
        changed.append(
            f"train sizes {', '.join(map(str, config.train_sizes))} -> {', '.join(map(str, sizes))}"
        )
    note = (
        f"{'; '.join(changed)} to fit the {n} architectures with a finite {target!r}"
        f"{_networks_note(rows, n)} in {where} (set --test-size / --train-sizes to choose)"
    )
    return dataclasses.replace(config, train_sizes=tuple(sizes), test_size=test), [note]


def study_table(rows: pd.DataFrame | list[dict], trials: Sequence[dict]) -> pd.DataFrame:
    """``rows`` restricted to ``trials`` and put in their order (missing trials left out)."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    if df.empty:
        return df
    order = {t["hash"]: i for i, t in enumerate(trials)}
    df = df[df["hash"].isin(order)].copy()
    df["_order"] = df["hash"].map(order)
    return df.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def summarize(table: pd.DataFrame, metrics: Sequence[str] | str = SUMMARY_METRICS) -> pd.DataFrame:
    """Mean and std over seeds per (space, dataset, predictor label, budget, n_train).

    ``metrics`` is one metric name or a list of them; a metric the table lacks is left out
    of the default list (:data:`SUMMARY_METRICS`, which names metrics a study may not have
    computed), whereas one passed explicitly is a ``ValueError`` naming it.

    A table of several configs (``read_results`` of a folder that two runs with other
    settings wrote into, e.g. ``--test-size 50`` then ``60``) is never averaged across
    them: the setting columns whose values differ within one of those groups
    (:data:`~nasperf.evaluation.plots.SETTING_COLUMNS`: ``test_size``, ``target``,
    ``data_sha256`` (a data file by its content, not its folder), ``params``, ...) join
    the groups, so each config gets its own rows (and a suite's ``task`` where two tasks
    share a data source). Where a group would still hold one seed twice (the configs differ
    only in what the rows do not record: ``ks``, ``nan_policy``), a ``ValueError`` says so
    rather than count it twice.

    Returns a DataFrame with the group columns, ``seeds`` (trials averaged), and
    ``<metric>_mean`` / ``<metric>_std`` for every metric present (the *sample* standard
    deviation over seeds, ``ddof=1``, as papers report a spread over seeds and as the
    bands of :func:`~nasperf.evaluation.plots.plot_train_size` draw it; NaN for a group
    of one seed, whose spread is unknown; both NaN where a seed's value is NaN, e.g. the
    MAE of a predictor whose predictions were NaN, never a mean over the other seeds
    beside a count of all of them), plus the means of
    ``compute_time_s`` (the predictor's own cost: its wall-clock fit + prediction of the
    test set, and the zero-cost scores it used at their recorded seconds, ``zc_time_s``:
    :func:`~nasperf.evaluation._rows.own_seconds`) and
    ``total_time_s`` (White et al.'s initialisation + query time: compute time plus the
    simulated training of the labelled architectures and, for learning-curve budgets, the
    partial training of the test architectures, and the zero-cost scores at their recorded
    seconds, read from a table or computed: :func:`~nasperf.evaluation.engines.run_trial`;
    NaN where the data has no training cost).

    The rows are in the order of their groups (space, benchmark, dataset, suite task,
    predictor label, budget, the settings that keep configs apart, then training size
    ascending: :func:`~nasperf.evaluation._rows.sort_groups`), whatever order ``table``'s
    rows are in: a run's summary and ``summarize(read_results(OUT))`` list them alike. A
    row that repeats another in every column, its ``hash`` included (one trial read twice:
    a folder's rows concatenated with themselves), is counted once; one trial's rows that
    differ (two folders' copies of a trial) are refused, naming ``drop_duplicates("hash")``.

    Raises
    ------
    TypeError
        ``table`` is not a DataFrame.
    ValueError
        ``table`` lacks a column the summary groups by (space, dataset, label, budget,
        n_train), a metric named in ``metrics`` is not one of its numeric columns, or a
        seed would be counted twice (see above); each names the argument and the column.
    """
    explicit, metrics = _frame_and_metrics(
        table, "table", "of trial rows (read_results, StudyResult.table)", metrics, SUMMARY_METRICS
    )
    if table.empty:
        return pd.DataFrame()
    check_columns(table, "table", _SUMMARY_COLUMNS, "summarize")
    metrics = _present_metrics(
        metrics,
        explicit,
        set(table.columns),
        [c for c in table.columns if c not in _GROUP],
        "the table",
    )
    # a column of text is no metric (one with no value at all is: its mean is NaN)
    valued = [m for m in metrics if table[m].notna().any()]
    if explicit and valued:
        check_metrics("table", table, valued, "metrics")
    metrics = [m for m in metrics if m not in valued or pd.api.types.is_numeric_dtype(table[m])]
    df = one_row_per_trial(table).copy()
    df["budget"] = df["budget"].fillna("-")
    keys = [c for c in _GROUP if c in df.columns]  # rows of older studies lack benchmark
    if (
        "task" in df.columns
        and (df.groupby(keys, sort=False, dropna=False)["task"].nunique(dropna=False) > 1).any()
    ):
        keys.append("task")  # a suite's tasks on one data source: one row each
    keys += differing_settings(df)  # trials of several configs: kept apart
    check_one_trial_per_seed(df, "the table", keys)
    g = df.groupby(keys, sort=False, dropna=False)
    out = g.size().rename("seeds").to_frame()
    for m in metrics:
        # NaN where a seed's value is NaN (MAE of NaN predictions): a mean over the other
        # seeds beside "seeds 3" had read as the mean of all three (pandas' own mean and
        # std where none is: the same arithmetic, to the bit, as before)
        some_nan = g[m].count() < out["seeds"]
        out[f"{m}_mean"] = g[m].mean().mask(some_nan)
        out[f"{m}_std"] = g[m].std(ddof=1).mask(some_nan)
    if {"fit_time_s", "predict_time_s"} <= set(df.columns):
        out["compute_time_s"] = (
            own_seconds(df).groupby([df[c] for c in keys], sort=False, dropna=False).mean()
        )
    if "total_time_s" in df.columns:
        out["total_time_s"] = g["total_time_s"].mean()
    source = [c for c in ("space", "benchmark", "dataset", "task") if c in keys]
    series = [c for c in keys if c not in (*source, "n_train")]
    return sort_groups(out.reset_index(), [*source, *series, "n_train"])


def _frame_and_metrics(
    frame: Any, name: str, kind: str, metrics: Any, default: Sequence[str]
) -> tuple[bool, list[str]]:
    """``(explicit, names)`` of the ``metrics`` asked for (``explicit``: not the ``default``
    list), after a ``TypeError`` unless ``frame`` (the argument ``name``) is a DataFrame
    (``kind`` says which)."""
    as_frame(frame, name, kind)
    return metrics is not default, as_names(metrics, "metrics")


def _present_metrics(
    metrics: list[str], explicit: bool, present: set[str], shown: list[str], what: str
) -> list[str]:
    """``metrics`` that are ``present``; where the caller named them (``explicit``, not a
    default list of metrics a study may not have computed), a missing one is a
    ``ValueError`` naming it and what ``what`` has (``shown``)."""
    missing = [m for m in metrics if m not in present]
    if explicit and missing:
        raise ValueError(
            f"metrics: {', '.join(map(repr, missing))} not in {what}; it has "
            f"{', '.join(shown) or 'none'}"
        )
    return [m for m in metrics if m in present]


_FORMAT_METRICS: tuple[str, ...] = (
    "kendall_tau",
    "spearman",
    "sparse_kendall_tau_0.1",
    "precision@10",
)


def format_summary(summary: pd.DataFrame, metrics: Sequence[str] | str = _FORMAT_METRICS) -> str:
    """A markdown table of :func:`summarize` (mean +- sample std over seeds; the mean alone
    for a single seed); constant group columns left out.

    ``metrics`` is one metric name or a list of them; those the summary lacks are left out
    (a ``ValueError`` names one passed explicitly).

    Time columns: ``fit + query (s)``, the predictor's own seconds (its wall-clock, and the
    zero-cost scores it used at their recorded seconds), and, where
    the data records training times, ``+ training (s)``, that plus the simulated training
    of its training set (White et al.'s initialisation + query time); a line under the
    table says so.

    A metric without a mean (:func:`summarize` leaves it NaN where a seed's value is NaN)
    reads ``-``, and a line under the table says why; the plots draw the mean of the seeds
    that have a value there, their legend saying how many (``rf (1 of 2 seeds at n=20)``).

    Raises
    ------
    TypeError
        ``summary`` is not a DataFrame.
    ValueError
        ``summary`` lacks ``label``, ``n_train`` or ``seeds`` (a column renamed), its
        ``seeds`` are not whole numbers (a CSV edited by hand), or a metric named in
        ``metrics`` is not in it; each names the argument and the column.
    """
    explicit, metrics = _frame_and_metrics(
        summary, "summary", "(what summarize returns)", metrics, _FORMAT_METRICS
    )
    if summary.empty:
        return "(no finished trials)"
    check_columns(summary, "summary", ("label", "n_train", "seeds"), "format_summary")
    seeds = pd.to_numeric(summary["seeds"], errors="coerce").to_numpy(np.float64)
    whole = np.isfinite(seeds) & (seeds >= 0) & (seeds == np.round(seeds))
    if not whole.all():
        i = int(np.flatnonzero(~whole)[0])
        bad = summary["seeds"].iloc[i]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ValueError(
            f"summary: 'seeds' holds {short_repr(bad)} in row {i}; "
            "it counts each row's seeds (a whole number, as summarize writes it)"
        )

    have = [c[: -len("_mean")] for c in summary.columns if c.endswith("_mean")]
    metrics = _present_metrics(metrics, explicit, set(have), have, "the summary")
    groups = [
        c
        for c in (*_GROUP, "task", *SETTING_COLUMNS)
        if c in ("label", "n_train") or (c in summary.columns and summary[c].nunique() > 1)
    ]
    head = [("predictor" if c == "label" else c) for c in groups] + ["seeds"] + list(metrics)
    times = []
    if "compute_time_s" in summary.columns:
        times.append(("compute_time_s", "fit + query (s)"))
    if "total_time_s" in summary.columns:
        # where the data records training times: a training-free row's total (nothing to
        # train) is its fit + query, which says nothing of the data
        labelled = pd.to_numeric(summary["n_train"], errors="coerce").to_numpy(np.float64) > 0
        if np.isfinite(summary["total_time_s"].to_numpy(np.float64)[labelled]).any():
            times.append(("total_time_s", "+ training (s)"))
    head += [name for _, name in times]
    lines = [
        md_row(head),
        "|" + "|".join("---" if i < len(groups) else "---:" for i in range(len(head))) + "|",
    ]
    no_mean = False  # a metric without a mean: a seed's value is NaN
    for i, (_, r) in enumerate(summary.iterrows()):
        cells = [setting_text(c, r[c]) for c in groups] + [str(int(seeds[i]))]
        for m in metrics:
            mean, std = r[f"{m}_mean"], r.get(f"{m}_std", np.nan)
            no_mean |= bool(pd.isna(mean))
            cells.append(
                "-" if pd.isna(mean) else f"{mean:.3f}" + ("" if pd.isna(std) else f" ± {std:.3f}")
            )
        cells += ["-" if not np.isfinite(r[c]) else f"{r[c]:.3g}" for c, _ in times]
        lines.append(md_row(cells))
    if metrics or times:
        lines.append("")
    if metrics:
        lines.append(
            "Metrics: mean ± sample standard deviation over seeds (ddof=1; the mean alone "
            "where a row has one seed)."
        )
    if no_mean:
        lines.append(
            "-: no mean, as a seed's value of the metric is NaN (e.g. a predictor's NaN "
            "predictions): a mean over the other seeds beside the row's count of seeds would "
            "misread; the plots draw the mean of the seeds that have a value, their legend "
            "saying how many (e.g. '1 of 2 seeds at n=20')."
        )
    if times:
        lines.append(
            "fit + query: seconds to fit the predictor and predict the test set (wall-clock, "
            "and the zero-cost scores it used at their recorded seconds)."
        )
        if len(times) > 1:
            lines.append(
                "+ training: that plus the simulated training of the labelled architectures "
                "(and partial training for learning-curve budgets), from the data's training "
                "times; '-' where unknown."
            )
    return "\n".join(lines)


#: The keys of ``meta.json`` that describe one config (one entry of its ``configs``).
_CONFIG_KEYS = ("study", "config_digest", "config", "n_trials", "status")


def _configs(meta: dict, now: dict) -> list[dict]:
    """``meta``'s ``configs`` (every config run into the folder) with ``now``'s entry added
    or replaced (by ``config_digest``). A ``meta.json`` written before the list was kept
    contributes its one config."""
    configs = [dict(c) for c in meta.get("configs") or [] if isinstance(c, dict)]
    if not configs and meta.get("config_digest") is not None:
        configs.append({k: meta.get(k) for k in _CONFIG_KEYS})
    entry = {k: now.get(k) for k in _CONFIG_KEYS}
    same = [i for i, c in enumerate(configs) if c.get("config_digest") == entry["config_digest"]]
    if same:
        configs[same[0]] = entry
    else:
        configs.append(entry)
    return configs


def run_study(
    config: StudyConfig | Mapping[str, Any],
    out: str | Path,
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    address: str | None = None,
    progress: bool = False,
    argv: Sequence[str] | None = None,
    prog: str | None = None,
) -> StudyResult:
    """Run (or resume) ``config`` into the results folder ``out``.

    ``argv`` and ``prog`` (the command line's arguments and its command, ``run_study.py`` or
    ``nasperf study``) are recorded in ``meta.json``'s run record, from which a suite's
    ``summary.md`` quotes the command.

    Finished trials (by hash) are skipped; every other trial runs on ``engine`` and its row
    is committed as soon as it arrives. Failed trials are recorded and reported, not
    stored as results (the next run retries them).

    Several processes may run the same study into the same folder at once: each trial is
    claimed before it runs (see :mod:`nasperf.evaluation.store`), so they share the trials
    without running any twice; a process that runs out of trials waits for those the others
    are running (and runs any that a dead process left), so each returns the whole table.
    ``meta.json`` keeps a record of every run.

    A folder holds the trials of every config run into it (a rerun with another
    ``test_size`` keeps the first config's trials: their hashes differ). This run reads and
    summarises only its own, with a :class:`~nasperf.errors.StudyNote` naming the folder; ``meta.json``'s
    ``config``, ``config_digest``, ``n_trials`` and ``status`` describe the latest run's
    config, ``configs`` lists every config run into the folder (each with its digest,
    config, ``n_trials`` and ``status``), and ``trials_in_folder`` counts every finished
    trial there. ``read_results`` and ``nasperf plot`` read them all and keep the configs
    apart (:func:`summarize`).

    A folder written by another nasperf version (its ``meta.json`` says which) is not
    resumed: its rows may have been computed differently, and this run would add rows of
    its own version to the same table, which no reader could tell apart. Finish it with the
    version that started it, or give this run its own folder (``nasperf plot`` still reads
    it, with a note).

    Raises
    ------
    ConfigError
        The data cannot hold the requested sizes, or the trials would run in worker
        processes (``workers`` >= 2, Ray, a Dask cluster) and use a space, predictor, proxy
        or encoding registered in ``__main__``, which the workers do not import (the
        message says to list its module under ``imports``); checked before anything runs.
    EngineUnavailableError
        The engine's package or cluster is not available.
    DataIntegrityError
        What ``out`` holds is damaged (a row, or ``meta.json``, edited by hand or written by
        something else), or was written by another nasperf version
        (:class:`~nasperf.errors.IncompatibleVersionError`); the message names the file and
        the field, and nothing in ``out`` is changed.
    TypeError
        ``config`` is neither a StudyConfig nor a config mapping (a mapping goes through
        :func:`~nasperf.evaluation.config.parse_config`, as a YAML file's content does), or
        ``progress`` is not a bool, or ``out`` is not a path (``None``, a number, bytes).
    ValueError
        ``out`` is empty (``""`` would have meant the working directory).
    """
    config = as_study_config(config)
    out = as_path(out, "out")
    progress = check_flag(progress, "progress")
    suite = None
    if config.tasks:
        from .suite import expand_suite

        expansion = expand_suite(config)
        trials, suite = expansion.trials, expansion.as_meta()
    else:
        trials = expand_trials(config)
    check_trials(trials)
    from .engines import check_workers

    workers = check_workers(workers)  # before anything is written (meta.json records it)
    check_engine(engine, scheduler=scheduler, address=address)
    check_main_registrations(
        trials, engine=engine, workers=workers, scheduler=scheduler, error=ConfigError
    )
    store = ResultsStore(out)
    start = time.perf_counter()
    try:
        store.check_kind("study")
        store.check_rows("study")
        _check_resume(store)
        done = store.finished()
        todo = [t for t in trials if t["hash"] not in done]
        others = len(set(done) - {t["hash"] for t in trials})
        if others:
            # results of another config (a changed data file, other settings) in this folder:
            # this run reports only its own, but read_results / nasperf plot read them all
            warn_caller(
                f"{out} also holds {others} finished trial(s) that are not part of this "
                f"config (another data file or other settings); this run's summary reads only "
                f"its {len(trials)}, read_results({str(out)!r}) and `nasperf plot` read every "
                "trial in the folder: give a changed study its own --out",
                StudyNote,
            )
        run_info = {
            "id": uuid.uuid4().hex,
            "started_at": _now(),
            "ended_at": None,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "engine": engine,
            "workers": workers,
            "scheduler": scheduler,
            "address": address,
            "argv": list(argv) if argv is not None else None,
            "prog": prog,
            "trials_finished_before": len(trials) - len(todo),
            "trials_of_other_configs": others,
        }
        meta_now = {
            "format": 1,
            "study": config.name,
            "config": config.as_dict(),
            "config_digest": config.digest(),
            "n_trials": len(trials),
            "environment": environment(),
            "status": "running",
            "timing_columns": list(TIMING_COLUMNS),
        }
        if suite is not None:
            meta_now["suite"] = suite
        store.update_meta(
            lambda meta: {
                **meta_now,
                "configs": _configs(meta, meta_now),
                "trials_in_folder": len(done),
                "runs": [*meta.get("runs", []), run_info],
            }
        )
        errors: list = []
        n_run = 0
        interrupted = True
        bar = None
        try:
            if progress and todo:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(todo), unit="trial", desc=config.name, dynamic_ncols=True)
            say = bar.write if bar is not None else print
            on_wait = wait_note("trial(s)", out, say=say) if progress else None
            for trial, _, err in run_claimed(
                store,
                todo,
                engine=engine,
                workers=workers,
                scheduler=scheduler,
                address=address,
                on_wait=on_wait,
            ):
                if err is None:
                    n_run += 1
                else:
                    errors.append((trial, err))
                    if progress:
                        say(
                            f"trial failed: {trial['label']} n_train={trial['n_train']} "
                            f"seed={trial['seed']}: {err.splitlines()[0]}",
                            file=sys.stderr,
                        )
                if bar is not None:
                    bar.update(1)
            interrupted = False
        finally:
            if bar is not None:
                bar.close()
            finished = store.finished()
            missing = sum(t["hash"] not in finished for t in trials)
            by_others = sum(t["hash"] in finished for t in todo) - n_run
            status = "complete" if not missing else ("interrupted" if interrupted else "incomplete")
            run_info.update(
                ended_at=_now(),
                trials_run=n_run,
                trials_run_by_others=by_others,
                trials_failed=len(errors),
                seconds=round(time.perf_counter() - start, 3),
            )

            def end(meta: dict) -> dict:
                runs = list(meta.get("runs", []))
                ours = [i for i, r in enumerate(runs) if r.get("id") == run_info["id"]]
                if ours:
                    runs[ours[0]] = run_info
                else:  # meta.json was replaced meanwhile: record this run anyway
                    runs.append(run_info)
                configs = _configs(meta, {**meta_now, "status": status})
                n_folder = len(finished)
                return {
                    **meta,
                    "runs": runs,
                    "status": status,
                    "configs": configs,
                    "trials_in_folder": n_folder,
                }

            store.update_meta(end)
            if progress and by_others > 0 and not interrupted:
                print(
                    f"{by_others} trial(s) were run by another nasperf process on {out}",
                    file=sys.stderr,
                )
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
  {prog}                                # default study (NB201 CIFAR-10)
  {prog} --quick --workers 2
  {prog} --config configs/default.yaml --out studies/mine
  {prog} --predictors xgb,rf --train-sizes 10,100,1000 --seeds 5
  {prog} --engine dask --scheduler tcp://10.0.0.1:8786
  {prog} --data my_archs.csv --space nb201 --data-target val_acc
  nasperf plot studies/mine

Defaults fit the data: default predictors whose requirements a table cannot meet (e.g.
learning curves, zero-cost scores) are skipped with a note, and the default train sizes /
test size shrink to a small table (sizes you give, by flags or in the config file, are
kept, or refused with the numbers).
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


def build_parser(prog: str = "run_study.py") -> ArgumentParser:
    """The study runner's argument parser (shared by run_study.py and ``nasperf study``)."""
    from nasperf._imports import add_import_option

    p = ArgumentParser(
        prog=prog,
        description="Run a predictor study (spaces x datasets x predictors x train sizes x "
        "budgets x seeds) and store one row per trial; resumable.",
        epilog=_EPILOG.format(prog=f"python {prog}" if prog.startswith("run_study") else prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        type=path_arg,
        metavar="FILE",
        help="YAML study config (see configs/default.yaml)",
    )
    p.add_argument(
        "--out",
        type=path_arg,
        metavar="DIR",
        help="results folder (default studies/<name>-<digest>)",
    )
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
    p.add_argument("--budgets", type=_name_list, metavar="A,B", help="epoch budgets: 12ep or 12")
    p.add_argument("--test-size", type=int, metavar="N", help="test architectures (default 200)")
    p.add_argument("--target", help="benchmark fidelity to predict (with --data: --data-target)")
    p.add_argument(
        "--data",
        type=path_arg,
        metavar="FILE",
        help="your table: CSV, parquet or NASLib zero-cost JSON",
    )
    p.add_argument("--space", help="search space of --data")
    p.add_argument("--data-target", metavar="COLUMN", help="target column of --data")
    add_direction_flags(p, "--data-target", prefix="data-", dest="data_maximize")
    p.add_argument(
        "--data-dataset",
        metavar="NAME",
        help="dataset of --data's architectures (e.g. cifar10): its images and packaged "
        "zero-cost table serve the predictors that need them",
    )
    p.add_argument("--arch-column", metavar="COLUMN", help="architecture column of --data")
    p.add_argument(
        "--cost-column",
        metavar="COLUMN",
        help="training seconds per architecture in --data (the time plot's training cost)",
    )
    add_duplicates_flag(p)
    p.add_argument(
        "--data-missing-target",
        choices=("error", "skip"),
        help="a row of --data whose target cell is empty or NA (an architecture not "
        "trained, or whose training failed): an error naming its line (the default), or "
        "leave the architecture out",
    )
    p.add_argument(
        "--zero-cost-table",
        type=path_arg,
        metavar="FILE",
        help="proxy table for zero-cost predictors",
    )
    add_import_option(p, "spaces / predictors")
    p.add_argument("--no-plots", action="store_true", help="do not write plots")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the config against the data, list the trials and exit",
    )
    return p


def _data_flags(args: argparse.Namespace) -> list[tuple[str, str, Any]]:
    """The flags that describe ``--data``'s table: (flag, ``data:`` key, value given or
    None). One list, so that every flag read into ``data:`` is also refused without it."""
    return [
        ("--space", "space", args.space),
        ("--data-target", "target", args.data_target),
        ("--arch-column", "arch_column", args.arch_column),
        ("--cost-column", "cost_column", args.cost_column),
        ("--data-dataset", "dataset", args.data_dataset),
        ("--data-minimize / --data-maximize", "maximize", args.data_maximize),
        ("--data-duplicates", "duplicates", args.data_duplicates),
        ("--data-missing-target", "missing_target", args.data_missing_target),
    ]


def _benchmark_flags(args: argparse.Namespace) -> list[tuple[str, Any, str]]:
    """The flags that describe a packaged benchmark and mean nothing for ``--data``'s table:
    (flag, value given or None, what to use instead). The converse of :func:`_data_flags`;
    ``--spaces`` / ``--datasets`` are refused by the config (``data:`` or ``spaces:``)."""
    return [
        ("--target", args.target, "--data-target names the column of --data to predict"),
    ]


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
        for _flag, key, value in _data_flags(args):
            if value is not None and value != "":
                data[key] = value
        if args.data_maximize is None and args.data_target:
            # a loss-named target without either flag: the error names the flags, not the
            # config key
            from nasperf.datasets.direction import target_sign

            try:
                target_sign(
                    args.data_target,
                    None,
                    where="--data-target",
                    spelling=("--data-minimize", "--data-maximize"),
                )
            except ValueError as err:
                raise ConfigError(str(err)) from None
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
    if args.quick and not args.config and args.name is None:
        config = dataclasses.replace(config, name=f"{config.name}-quick")
    return config


def _file_keys(path: str | Path, *, quick: bool) -> set[str]:
    """The keys a study config file sets (with ``quick``, its ``quick:`` keys too)."""
    from .config import read_yaml_file

    raw = read_yaml_file(path, what="a study config")  # (load_config has read it whole)
    if not isinstance(raw, dict):
        return set()
    keys = set(raw)
    if quick and isinstance(raw.get("quick"), dict):
        keys |= set(raw["quick"])
    return keys


def main(argv: Sequence[str] | None = None, prog: str = "run_study.py") -> int:
    """Command line of the study runner (``python run_study.py``, ``nasperf study``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    where: list[Path] = []  # the results folder, once known
    from nasperf._argparse import one_line_warnings

    try:
        with one_line_warnings(prog):
            return _main(args, argv, prog, where)
    except KeyboardInterrupt:
        # at any moment: while the modules import, the config is built, or trials run
        if where:
            print(
                f"\n{prog}: interrupted; rerun the same command to resume {where[0]}",
                file=sys.stderr,
            )
        else:
            print(f"\n{prog}: interrupted", file=sys.stderr)
        return 130


#: The options that take a file, a folder, a name or an address: an empty one is refused
#: (it would otherwise read as "not given").
_NON_EMPTY = (
    ("--config", "config"),
    ("--out", "out"),
    ("--name", "name"),
    ("--target", "target"),
    ("--scheduler", "scheduler"),
    ("--address", "address"),
    ("--data", "data"),
    ("--space", "space"),
    ("--data-target", "data_target"),
    ("--data-dataset", "data_dataset"),
    ("--arch-column", "arch_column"),
    ("--cost-column", "cost_column"),
    ("--zero-cost-table", "zero_cost_table"),
)


def _main(args: argparse.Namespace, argv: list[str], prog: str, where: list[Path]) -> int:
    def fail(msg: str, code: int = 2) -> int:
        print(f"{prog}: error: {msg}", file=sys.stderr)
        return code

    for flag, dest in _NON_EMPTY:
        value = getattr(args, dest)
        if value is not None and not value.strip():
            return fail(f"{flag} is empty: give a value or leave the option out")
    for module in args.imports:
        if not module.strip():
            return fail("--import is empty: give a module name or a .py file")
    workers = args.workers if args.workers is not None else _default_workers()
    if workers < 1:
        return fail(f"--workers must be at least 1, got {workers}")
    if workers > MAX_WORKERS:
        return fail(f"--workers must be at most {MAX_WORKERS}, got {workers}")
    if args.scheduler and args.engine != "dask":
        return fail("--scheduler is for --engine dask")
    if args.address and args.engine != "ray":
        return fail("--address is for --engine ray")
    if not args.data:
        for flag, _key, value in _data_flags(args):
            if value is not None:
                return fail(f"{flag} describes a table: give it with --data FILE")
    else:
        for flag, value, instead in _benchmark_flags(args):
            if value is not None:
                return fail(f"{flag} {value} is for a packaged benchmark, not --data; {instead}")
    try:
        config = config_from_args(args)
        notes = skipped_predictors(config)
        # the sizes neither a flag nor the config file sets adapt to the data (a file's
        # data: on a small table had been refused where --data fitted them)
        own = _file_keys(args.config, quick=args.quick) if args.config else set()
        config, fitted = fit_sizes_to_data(
            config,
            train_sizes=args.train_sizes is None and "train_sizes" not in own,
            test_size=args.test_size is None and "test_size" not in own,
        )
        notes += fitted
        trials = _expand(config)
    except ConfigError as err:
        return fail(f"invalid study config: {err}")
    for note in notes:
        print(f"{prog}: note: {note}", file=sys.stderr)
    out = Path(args.out) if args.out else Path("studies") / f"{config.name}-{config.digest()}"
    where.append(out)
    try:  # before the header (and a dry run's list): a config the data cannot hold says why
        check_trials(trials)
    except ConfigError as err:
        return fail(f"invalid study config: {err}")
    if args.dry_run:
        for t in trials:
            print(
                f"{t['hash'][:12]}  {t['space']}/{t['dataset']}  {t['label']}  n_train={t['n_train']}  budget={t['budget']}  seed={t['seed']}"
            )
        print(f"{len(trials)} trials -> {out}")
        return 0
    try:  # before the header: a refused engine says only why
        check_engine(args.engine, scheduler=args.scheduler, address=args.address)
    except EngineUnavailableError as err:
        return fail(str(err))
    labels = dict.fromkeys(t["label"] for t in trials)
    workers = max(1, min(workers, len(trials)))  # never more processes than trials
    print(
        f"{prog}: study {config.name!r}: {len(trials)} trials "
        f"({', '.join(labels)}; train sizes "
        f"{', '.join(map(str, config.train_sizes))}; {len(config.seeds)} seed(s)) -> {out} "
        f"[{describe_engine(args.engine, workers, scheduler=args.scheduler, address=args.address)}]",
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
            prog=prog,
        )
    except ConfigError as err:
        return fail(f"invalid study config: {err}")
    except EngineUnavailableError as err:
        return fail(str(err))
    except (ValueError, OSError) as err:  # e.g. --out is a file, a garbage results.sqlite
        return fail(str(err).strip().splitlines()[0] if str(err).strip() else repr(err))
    except sqlite3.Error as err:  # one the store did not name (a write refused mid-run)
        return fail(f"{out / DB_NAME}: {str(err).strip() or type(err).__name__}")
    print()
    if config.tasks:
        from .report import _md_table, _pool_lines, _rank_notes, _rank_pivot, mean_ranks

        if not result.table.empty:
            failed = [{"hash": t.get("hash"), "trial": t} for t, _ in result.errors]
            ranks = _rank_pivot(mean_ranks(result.table, with_proxies=True, errors=failed))
            print("Mean rank across tasks (Kendall tau; 1 = best):\n")
            print(_md_table(ranks, index="method"))
            notes = [*_pool_lines(ranks), *_rank_notes(ranks)]
            if notes:
                print("\n" + "\n".join(notes).rstrip())
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
