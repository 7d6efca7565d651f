"""Plots of a study's results (PNG, matplotlib's Agg backend; no display needed).

* :func:`plot_train_size`: a correlation (Kendall tau by default) against the training-set
  size, one line per predictor (mean over seeds, band = +- the sample standard deviation
  over seeds, ``ddof=1``, as :func:`~nasperf.evaluation.study.summarize` reports it; no band
  with one seed); training-free predictors as horizontal dashed lines.
* :func:`plot_time`: a correlation against the total time, initialisation (simulated
  training of the training set + fitting) plus query time of the test set, log scale, one
  line per predictor through its training sizes, in the style of White et al. (2021), Fig. 1;
  on data without training times, against the predictor's fit + query time.
* :func:`plot_study`: both, for a results folder (``nasperf plot RESULTS``), without
  rerunning anything.

Every series keeps one (colour, marker) pair in every panel and plot, distinct from the
others' and assigned in the order of the series' names; the y axis says "lower is better"
for a metric that is (:func:`~nasperf.evaluation.metrics.lower_is_better`).

References
----------
White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
Architecture Search?", NeurIPS 2021, Fig. 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._matplotlib import pyplot as _pyplot
from .metrics import lower_is_better
from .report import _series_styles

__all__ = ["plot_study", "plot_time", "plot_train_size"]


def _title(space: str, dataset: str, sub: pd.DataFrame) -> str:
    """``"nb201 cifar10: val_acc_200ep"`` for a benchmark; ``"my_archs.csv (space nb201):
    val_acc"`` for a user's table (its file name, not the space / table name pair)."""
    target = sub["target"].dropna().unique() if "target" in sub.columns else []
    what = f": {', '.join(map(str, target))}" if len(target) else ""
    paths = sub["data_path"].dropna().unique() if "data_path" in sub.columns else []
    if len(paths):
        return f"{', '.join(Path(p).name for p in paths)} (space {space}){what}"
    return f"{space} {dataset}{what}"


def _sources(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    # One panel per benchmark table (two benchmarks of one space, e.g. nb301 and
    # nb301_surrogate, hold different architectures); user data by space.
    name = df["space"]
    if "benchmark" in df.columns:
        name = df["benchmark"].where(df["benchmark"].notna(), df["space"])
    out = []
    for (source, dataset), sub in df.assign(_source=name).groupby(
        ["_source", "dataset"], sort=True
    ):
        sub = sub.drop(columns="_source")
        out.append((_title(source, dataset, sub), sub))
    return out


def _series_name(label: str, budget) -> str:
    return (
        label
        if budget is None or (isinstance(budget, float) and np.isnan(budget))
        else f"{label} ({budget})"
    )


def _series_keys(table: pd.DataFrame) -> dict[Hashable, dict[str, Any]]:
    """The styles of every (label, budget) series of ``table``, by their displayed names."""
    budget = table["budget"].where(table["budget"].notna(), None)
    return _series_styles(
        _series_name(lab, b) for lab, b in zip(table["label"], budget, strict=True)
    )


def _ylabel(metric: str) -> str:
    text = metric.replace("_", " ")
    return f"{text} (lower is better)" if lower_is_better(metric) else text


def _grid(n: int, plt):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def plot_train_size(table: pd.DataFrame, path: str | Path, *, metric: str = "kendall_tau") -> Path:
    """``metric`` vs training-set size per predictor, one panel per (space, dataset).

    Each point is the mean over seeds; the band is +- the sample standard deviation over
    seeds (``ddof=1``, the convention of :func:`~nasperf.evaluation.study.summarize`), left
    out where a size has a single seed (its spread is unknown, not zero).
    """
    plt = _pyplot()
    sources = _sources(table)
    styles = _series_keys(table)
    fig, axes = _grid(len(sources), plt)
    for ax, (title, sub) in zip(axes, sources, strict=True):
        sub = sub.assign(budget=sub["budget"].where(sub["budget"].notna(), None))
        for (label, budget), g in sub.groupby(["label", "budget"], dropna=False, sort=True):
            name = _series_name(label, budget)
            stats = g.groupby("n_train")[metric].agg(["mean", "std"])  # std: ddof=1
            stats = stats[stats["mean"].notna()]  # a size whose every seed has no value
            if stats.empty:  # said in the legend, not drawn as nothing
                ax.plot([], [], label=f"{name} (no {metric} value)", **styles[name])
                continue
            stats["std"] = stats["std"].fillna(0.0)  # one seed: no band
            if (stats.index == 0).all():  # training-free: one level for every size
                mean = float(stats["mean"].iloc[0])
                ax.axhline(mean, linestyle="--", linewidth=1.2, label=name, **styles[name])
                continue
            x = stats.index.to_numpy()
            (line,) = ax.plot(x, stats["mean"], markersize=3, label=name, **styles[name])
            ax.fill_between(
                x,
                stats["mean"] - stats["std"],
                stats["mean"] + stats["std"],
                alpha=0.15,
                color=line.get_color(),
            )
        ax.set_xscale("log")
        ax.set_xlabel("training-set size")
        ax.set_ylabel(_ylabel(metric))
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _time_axis(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """The time of each row and the axis label: White et al.'s ``total_time_s`` where every
    row has one, else the predictor's fit + query time."""
    total = rows["total_time_s"].astype(float)
    if np.isfinite(total).all():
        return total, "simulated training + fit + query time (s)"
    compute = rows["fit_time_s"].astype(float) + rows["predict_time_s"].astype(float)
    return compute, "fit + query time (s); the data has no training times"


def plot_time(table: pd.DataFrame, path: str | Path, *, metric: str = "kendall_tau") -> Path:
    """``metric`` vs time (s, log) per predictor, as White et al. Fig. 1.

    Each point is one (predictor, training size): mean over seeds of the metric and of the
    time. The time is White et al.'s initialisation + query time (``total_time_s``:
    simulated training of the training set from the data's training times, fit, and
    prediction of the test set) where every trial of the panel has one; on data without
    training times (a user's table without a cost column) it is the predictor's own
    wall-clock fit + prediction time (``fit_time_s + predict_time_s``), and the axis says so.
    """
    plt = _pyplot()
    sources = _sources(table)
    styles = _series_keys(table)
    fig, axes = _grid(len(sources), plt)
    for ax, (title, sub) in zip(axes, sources, strict=True):
        t, xlabel = _time_axis(sub)
        sub = sub.assign(_t=t)
        sub = sub.assign(budget=sub["budget"].where(sub["budget"].notna(), None))
        for (label, budget), g in sub.groupby(["label", "budget"], dropna=False, sort=True):
            stats = g.groupby("n_train").agg(t=("_t", "mean"), m=(metric, "mean"))
            stats = stats.sort_values("t")
            name = _series_name(label, budget)
            ax.plot(stats["t"], stats["m"], markersize=3, label=name, **styles[name])
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(_ylabel(metric))
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _check_plottable(where: Any, table: pd.DataFrame, metrics: Sequence[str]) -> None:
    """One ``ValueError`` naming ``where`` and the column for a panel that would be empty:
    a metric with no value (NaN in every trial of the panel), or, for the time plot (the
    first metric's), no trial with a positive time to place on its log axis."""
    plotted = [m for m in metrics if m in table.columns]
    timed = {"total_time_s", "fit_time_s", "predict_time_s"} <= set(table.columns)
    for title, sub in _sources(table):
        for m in plotted:
            if not np.isfinite(sub[m].to_numpy(np.float64)).any():
                raise ValueError(
                    f"{where}: {m} is NaN in every trial of {title}: nothing to plot; choose "
                    "other metrics (nasperf plot --metrics)"
                )
        if plotted and timed:
            t, _ = _time_axis(sub)
            t = t.to_numpy(np.float64)
            if not (np.isfinite(t) & (t > 0)).any():
                field = (
                    "total_time_s"
                    if np.isfinite(sub["total_time_s"]).all()
                    else ("fit_time_s + predict_time_s")
                )
                raise ValueError(
                    f"{where}: no trial of {title} has a positive {field}: nothing to place "
                    "on the time plot's log axis"
                )


def _check_metrics(folder: Any, table: pd.DataFrame, metrics: Sequence[str]) -> None:
    """One ``ValueError`` for a metric the trials do not have as numbers (a typo, a text
    column), naming what they have; a folder without predictor-study metrics says so."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    bad = [m for m in metrics if m not in numeric]
    if not metrics or bad:
        what = f"{bad[0]!r} is not a numeric metric of its trials" if bad else "no metrics given"
        hint = (
            ""
            if "kendall_tau" in numeric
            else " (no kendall_tau: is it a predictor study's folder?)"
        )
        raise ValueError(f"{folder}: {what}; they have {', '.join(numeric) or 'none'}{hint}")


def plot_study(
    folder: str | Path,
    *,
    table: pd.DataFrame | None = None,
    out: str | Path | None = None,
    metrics: Sequence[str] = ("kendall_tau", "spearman"),
) -> list[Path]:
    """Write the study plots of a results folder to ``out`` (default ``folder/plots``).

    For a suite study (:mod:`nasperf.evaluation.suite`) also its report
    (:func:`nasperf.evaluation.report.write_report`: proxy heat map, rank plot and
    ``summary.md``; the summary is ``folder/summary.md`` by default, ``out/summary.md``
    given another ``out``). Nothing is written outside ``out`` except that default summary.

    Parameters
    ----------
    folder : path
        A results folder (``results.sqlite``).
    table : DataFrame, optional
        The rows to plot (default: all rows stored in ``folder``).
    out : path, optional
        Where to write (default ``folder/plots``).
    metrics : sequence of str
        One training-size plot per metric; the time plot uses the first.

    Returns
    -------
    list of Path
        The files written (PNGs, and a suite's ``summary.md``).

    Raises
    ------
    ValueError
        Nothing to plot, a metric the trials do not have (or have as NaN in every trial of a
        panel), or a damaged folder (:class:`~nasperf.errors.DataIntegrityError`: a row or
        ``meta.json`` edited by hand; the message names the file and the field). Checked
        before anything is written.

    Notes
    -----
    A folder written by another nasperf version is plotted as stored, with a note on
    stderr saying so (its rows may have been computed differently; plotting changes
    nothing, whereas resuming it is refused, see :func:`~nasperf.evaluation.run_study`).
    """
    import sys

    from .store import DB_NAME, read_meta, read_results, version_change

    where: Any = folder
    if table is None:
        table = read_results(folder, kind="study")
        where = Path(folder) / DB_NAME
    meta = read_meta(folder)
    if table.empty:
        raise ValueError(f"{folder} holds no finished trials to plot")
    _check_metrics(folder, table, metrics)
    suite = "suite" in meta
    drawn = table[table["kind"] != "proxy"] if suite and "kind" in table.columns else table
    _check_plottable(where, drawn, metrics)
    change = version_change(meta)
    if change is not None:
        print(
            f"note: {Path(folder) / 'meta.json'}: the study was run with nasperf {change[0]}, "
            f"this is nasperf {change[1]}; its rows are plotted as stored",
            file=sys.stderr,
        )
    out = Path(out) if out is not None else Path(folder) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if suite:
        # A suite: its report (heat map, ranks, summary.md), then the per-task plots of
        # the predictors (the proxies are in the heat map).
        from .report import write_report

        paths += write_report(folder, table=table, out=out)
        if "kind" in table.columns:
            table = table[table["kind"] != "proxy"]
        if table.empty:
            return paths
    for m in metrics:
        if m in table.columns:
            paths.append(plot_train_size(table, out / f"{m}_vs_train_size.png", metric=m))
    first = next((m for m in metrics if m in table.columns), None)
    if first is not None and {"total_time_s", "fit_time_s", "predict_time_s"} <= set(table.columns):
        paths.append(plot_time(table, out / f"{first}_vs_time.png", metric=first))
    return paths
