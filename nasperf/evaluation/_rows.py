"""The rules every table of a predictor study's trial rows follows, one place for all its
readers: :func:`~nasperf.evaluation.study.summarize` and
:func:`~nasperf.evaluation.study.format_summary`, the plots
(:mod:`~nasperf.evaluation.plots`) and a suite's report
(:func:`~nasperf.evaluation.report.predictor_scores`,
:func:`~nasperf.evaluation.report.mean_ranks`).

* the groups a point or a summary row averages over seeds (:data:`GROUP_COLUMNS`), kept
  apart by the settings in which several configs of one folder differ
  (:func:`differing_settings`), a seed never counted twice
  (:func:`check_one_trial_per_seed`), one trial read twice counted once
  (:func:`one_row_per_trial`);
* the checks of a table passed in: a DataFrame (:func:`as_frame`), the columns a function
  reads (:func:`check_columns`), numeric metrics (:func:`check_metrics`): one
  ``ValueError`` naming the argument and the column, never a pandas traceback;
* a readable order of summary rows (:func:`sort_groups`);
* a predictor's own seconds in a trial (:func:`own_seconds`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from nasperf.errors import short_repr

#: The groups of a study's summary and plots: one point per group, averaged over seeds.
GROUP_COLUMNS = ("space", "benchmark", "dataset", "label", "budget", "n_train")
#: Columns of a predictor study's rows that record a trial's settings beyond
#: :data:`GROUP_COLUMNS` and a suite's ``task`` (the test set's size, the unlabelled pool's,
#: the target, the data file by its content (``data_sha256``: not its path, which a folder
#: moved or cloned elsewhere changes), the predictor and its parameters, the side
#: information).
SETTING_COLUMNS = (
    "test_size",
    "n_unlabelled",
    "target",
    "data_sha256",
    "predictor",
    "params",
    "zero_cost",
    "kind",
    "proxy_source",
    "split",
)


def setting_text(column: str, value: Any) -> str:
    """A setting's value as the summary and the series' names show it (a data file's
    sha256 by its first 12 hex digits)."""
    if column == "data_sha256" and isinstance(value, str):
        return value[:12]
    return str(value)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as hashable objects that compare as values: NaN / None as ``"<none>"``, an
    unhashable value (a dict of parameters) by its ``repr``."""
    df = frame.astype(object).where(frame.notna(), "<none>")
    return df.map(lambda v: v if isinstance(v, Hashable) else repr(v))


def differing_settings(table: pd.DataFrame) -> list[str]:
    """The :data:`SETTING_COLUMNS` of ``table`` whose values differ within one group of
    :data:`GROUP_COLUMNS`: trials of several configs run into one results folder (e.g.
    ``--test-size 50``, then ``60``). The summary, the plots and a suite's predictor scores
    keep them apart by these columns, so a point never averages two configs (nor counts a
    seed twice)."""
    keys = [c for c in (*GROUP_COLUMNS, "task") if c in table.columns]
    cols = [c for c in SETTING_COLUMNS if c in table.columns]
    if table.empty or not keys or not cols:
        return []
    df = _comparable(table[keys + cols])
    n = df.groupby(keys, sort=False, dropna=False)[cols].nunique()
    return [c for c in cols if (n[c] > 1).any()]


def one_row_per_trial(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a row that repeats another in every column, its ``hash`` included,
    left out: one trial read twice (one folder concatenated with itself, two folders that
    share trials), which a mean over seeds counts once. Rows of one hash that differ in a
    value stay, for :func:`check_one_trial_per_seed` to name; a table without ``hash``
    is returned as it is (equal rows there may be two trials)."""
    if table.empty or "hash" not in table.columns:
        return table
    repeated = _comparable(table).duplicated(keep="first")
    return table[~repeated.to_numpy()] if repeated.any() else table


def check_one_trial_per_seed(table: pd.DataFrame, where: Any, keys: Sequence[str]) -> None:
    """A ``ValueError`` naming ``where`` where one group of ``keys`` (the summary's or a
    plot's points) holds a seed more than once, which no mean over seeds may count twice:
    one trial (one ``hash``) whose rows differ (two folders' rows of a trial concatenated:
    keep one with ``drop_duplicates("hash")``), or trials of several configs whose rows do
    not record what differs (``ks``, ``nan_policy``, ...: each config its own ``--out``)."""
    keys = [c for c in keys if c in table.columns]
    if table.empty or "seed" not in table.columns or not keys:
        return
    df = table[[*keys, "seed"]].astype(object).where(table[[*keys, "seed"]].notna(), "-")
    counts = df.groupby([*keys, "seed"], sort=False, dropna=False).size()
    twice = counts[counts > 1]
    if not len(twice):
        return
    # the first in a fixed order (the rows' order depends on how they were stored)
    first = min(range(len(twice)), key=lambda i: tuple(map(str, twice.index[i])))
    at = dict(zip([*keys, "seed"], twice.index[first], strict=True))
    what = ", ".join(f"{k} {at[k]}" for k in ("label", "n_train", "budget") if k in at)
    times = int(twice.iloc[first])
    rows = table[(df[[*keys, "seed"]] == pd.Series(at)).all(axis=1).to_numpy()]
    hashes = rows["hash"].dropna().unique() if "hash" in rows.columns else []
    if len(hashes) == 1 and rows["hash"].notna().all():
        values = _comparable(rows)
        differ = [c for c in values.columns if values[c].nunique() > 1]
        how = f"its rows differing in {', '.join(differ[:4])}" if differ else "identical rows"
        raise ValueError(
            f"{where}: trial {str(hashes[0])[:12]} (seed {at['seed']} of {what}) appears "
            f"{times} times, {how}: one trial read twice (two folders' rows concatenated?), "
            "which a mean over seeds would count twice; keep one row per trial: "
            "table.drop_duplicates('hash')"
        )
    raise ValueError(
        f"{where}: seed {at['seed']} of {what} is stored {times} times: "
        "trials of several configs whose rows do not say what differs (another data "
        "file, ks, nan_policy, ...); a mean over seeds would count it twice: give each "
        "config its own --out"
    )


def as_frame(frame: Any, name: str, kind: str) -> pd.DataFrame:
    """``frame``, after a ``TypeError`` naming the argument ``name`` unless it is a
    DataFrame (``kind`` says which: ``"of trial rows (read_results)"``)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame {kind}, got {type(frame).__name__} "
            f"{short_repr(frame)}"
        )
    return frame


def _listed(names: Sequence[Any], at_most: int = 12) -> str:
    names = [str(n) for n in names]
    more = f", ... ({len(names) - at_most} more)" if len(names) > at_most else ""
    return ", ".join(names[:at_most]) + more or "none"


def check_columns(table: pd.DataFrame, name: str, columns: Sequence[str], reader: str) -> None:
    """A ``ValueError`` naming the argument ``name`` and the first of ``columns`` (those
    ``reader``, a function's name, reads) that ``table`` lacks, and what it has."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{name}: no {missing[0]!r} column, which {reader} reads ({', '.join(columns)}); "
            f"it has {_listed(table.columns)}"
        )


def check_metrics(where: Any, table: pd.DataFrame, metrics: Sequence[str], name: str) -> None:
    """One ``ValueError`` naming ``where`` and the argument ``name`` for a metric the trials
    do not have as numbers (a typo, a text column), and what they have; a table without
    predictor-study metrics says so."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    bad = [m for m in metrics if m not in numeric]
    if not metrics or bad:
        what = (
            f"{name} {bad[0]!r} is not a numeric metric of its trials"
            if bad
            else f"no metrics given ({name})"
        )
        hint = (
            ""
            if "kendall_tau" in numeric
            else " (no kendall_tau: is it a predictor study's folder?)"
        )
        raise ValueError(f"{where}: {what}; they have {_listed(numeric)}{hint}")


def sort_groups(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``frame`` in a readable, stable order of its ``keys`` (space, dataset, predictor
    label, budget, training size, ...): a number column by value, any other by its text
    with the numbers in it by value (``12ep`` before ``108ep``), a missing value first; not
    the order the rows happened to be stored in (a folder's by trial hash)."""
    keys = [k for k in keys if k in frame.columns]
    if frame.empty or not keys:
        return frame

    def text(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return re.sub(r"\d+", lambda m: m.group().zfill(20), str(v))

    def key(col: pd.Series) -> pd.Series:
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            return col
        return col.map(text)

    return frame.sort_values(list(keys), key=key, kind="stable", na_position="last").reset_index(
        drop=True
    )


def own_seconds(table: pd.DataFrame) -> pd.Series:
    """Each row's own cost of the predictor, in seconds: its wall-clock fit and prediction
    of the test set (``fit_time_s + predict_time_s``) plus the zero-cost scores it used,
    at their recorded seconds (``zc_time_s``, training and test sets: read from a table or
    computed, never the wall-clock of a cache lookup). A row stored before ``zc_time_s``
    was recorded adds nothing for it (its computed scores were in its wall-clock)."""
    seconds = table["fit_time_s"].astype(float) + table["predict_time_s"].astype(float)
    if "zc_time_s" in table.columns:
        seconds = seconds + pd.to_numeric(table["zc_time_s"], errors="coerce").fillna(0.0)
    return seconds
