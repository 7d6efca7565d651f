"""Plots of a study's results (PNG, matplotlib's Agg backend; no display needed).

* :func:`plot_train_size`: a correlation (Kendall tau by default) against the training-set
  size, one line per predictor (mean over seeds, band = +- the sample standard deviation
  over seeds, ``ddof=1``, as :func:`~nasperf.evaluation.study.summarize` reports it; no band
  with one seed; the y axis says so); training-free predictors as horizontal dashed lines.
* :func:`plot_time`: a correlation against the total time, initialisation (simulated
  training of the training set + fitting) plus query time of the test set, log scale, one
  line per predictor joined in the order of its training sizes (each point marked
  ``n=...``), in the style of White et al. (2021), Fig. 1; on data without training times,
  against the predictor's own fit + query time only, as the x axis says.
* :func:`plot_study`: both, for a results folder (``nasperf plot RESULTS``), without
  rerunning anything.

Every series keeps one (colour, marker) pair in every panel and plot, distinct from the
others' and assigned in the order of the series' names; the y axis says "lower is better"
for a metric that is (:func:`~nasperf.evaluation.metrics.lower_is_better`). A series with
fewer seeds than the panel's at some training size (a trial that failed stores no row)
says so in the legend, e.g. ``flaky (2 of 3 seeds at n=20)``: its comparison there is
unpaired.

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

from nasperf.errors import (
    StudyNote,
    as_names,
    as_optional_path,
    as_path,
    short_repr,
    warn_caller,
)

from ._matplotlib import pyplot as _pyplot
from ._rows import (
    GROUP_COLUMNS,
    as_frame,
    check_columns,
    check_metrics,
    check_one_trial_per_seed,
    differing_settings,
    one_row_per_trial,
    own_seconds,
    setting_text,
)
from ._rows import (
    SETTING_COLUMNS as SETTING_COLUMNS,  # documented as plots.SETTING_COLUMNS
)
from .metrics import lower_is_better
from .report import _series_styles

__all__ = ["plot_study", "plot_time", "plot_train_size"]


def _log_ticks(axis: Any) -> None:
    """Readable labels on the log-scaled ``axis`` (:func:`._log_ticks.log_ticks`: major ticks
    only, at 1, 2 and 5 times each power of ten over few decades); matplotlib is imported
    when a plot is drawn, not with this module."""
    from ._log_ticks import log_ticks

    log_ticks(axis)


def _title(space: str, dataset: str, sub: pd.DataFrame) -> str:
    """A panel's title, naming its source as the rows do (their ``dataset``: a benchmark's
    dataset, a user's table's ``data[i].name``) and its target.

    ``"nb201 cifar10: val_acc_200ep"`` for a benchmark; for a user's table its file, and
    its name where the file's name does not say it already: ``"my_archs.csv (space nb201):
    val_acc"`` (named by its file, :func:`~nasperf.datasets.readers.table_stem`), ``"C10
    (zc_nasbench201_sample.json, space nb201): val_accuracy"`` (named ``C10``; the same file's
    ``C100`` panel says ``C100``). Two sources of one study have two names
    (:func:`~nasperf.evaluation.config.parse_config` refuses one name twice), so their
    panels never share a title."""
    from nasperf.datasets.readers import table_stem

    target = sub["target"].dropna().unique() if "target" in sub.columns else []
    what = f": {', '.join(map(str, target))}" if len(target) else ""
    paths = sub["data_path"].dropna().unique() if "data_path" in sub.columns else []
    if len(paths):
        files = ", ".join(dict.fromkeys(Path(p).name for p in paths))  # (a moved folder's)
        if all(table_stem(p) == dataset for p in paths):
            return f"{files} (space {space}){what}"
        return f"{dataset} ({files}, space {space}){what}"
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


def _series_name(label: str, budget, variant: str = "") -> str:
    """A series' displayed name: the label, ``@budget`` for a learning-curve budget
    (``omni@12ep``, as the suite's tables and the README spell it), ``[variant]`` for the
    settings that keep several configs apart (``xgb [test_size=60]``)."""
    name = (
        label
        if budget is None or (isinstance(budget, float) and np.isnan(budget))
        else f"{label}@{budget}"
    )
    return f"{name} [{variant}]" if variant else name


def _seeds_label(
    name: str, g: pd.DataFrame, metric: str, seeds: int, sizes: Sequence[int] = ()
) -> str:
    """``name``, with the training sizes where fewer than ``seeds`` seeds (the panel's, all
    series together) gave the series a ``metric`` value: ``"flaky (2 of 3 seeds at n=20)"``
    (several: ``"(2 of 3 seeds at n=20, 50; 1 of 3 at n=100)"``; a training-free series:
    ``"(2 of 3 seeds)"``). Such a point is a mean over other seeds than its neighbours', so
    the comparison there is unpaired (a trial that failed for one seed stores no row)."""
    if "seed" not in g.columns or seeds < 2:
        return name
    own = set(g["n_train"].unique())
    # a trained series is expected at every training size of the panel: one whose every
    # seed failed at a size has no row there at all ("0 of 3 seeds at n=50")
    sizes = sorted(own | ({int(n) for n in sizes if n > 0} if own - {0} else set()))
    have = g[g[metric].notna()].groupby("n_train")["seed"].nunique()
    have = have.reindex(sizes, fill_value=0)
    short = have[have < seeds]
    if short.empty:
        return name
    parts = []
    for count in sorted(set(short), reverse=True):
        ns = [int(n) for n in short.index[short == count]]
        what = f"{count} of {seeds}" + (" seeds" if not parts else "")
        parts.append(what if ns == [0] else f"{what} at n={', '.join(map(str, ns))}")
    return f"{name} ({'; '.join(parts)})"


def _panel_sizes(sub: pd.DataFrame) -> list[int]:
    """The training sizes of a panel's trials (all series together)."""
    return sorted(int(n) for n in sub["n_train"].unique())


def _panel_seeds(sub: pd.DataFrame) -> int:
    """The number of seeds of a panel's trials, all series together (0: not recorded)."""
    return int(sub["seed"].nunique()) if "seed" in sub.columns else 0


def _with_variants(table: pd.DataFrame, where: Any = "the table") -> pd.DataFrame:
    """``table`` with ``_variant``: the settings that differ within a group
    (:func:`differing_settings`, e.g. ``test_size=60``; ``""`` where none do), which every
    series name carries; refused (:func:`check_one_trial_per_seed`) where a point would
    still count a seed twice; one trial read twice (:func:`one_row_per_trial`) is one
    point."""
    table = one_row_per_trial(table)
    differ = differing_settings(table)
    variant = pd.Series("", index=table.index, dtype=object)
    if differ:
        variant = table[differ].apply(
            lambda r: ", ".join(f"{c}={setting_text(c, r[c])}" for c in differ), axis=1
        )
    out = table.assign(_variant=variant)
    check_one_trial_per_seed(out, where, [*GROUP_COLUMNS, "task", "_variant"])
    return out


def _series_keys(table: pd.DataFrame) -> dict[Hashable, dict[str, Any]]:
    """The styles of every (label, budget, variant) series of ``table`` (with
    ``_variant``), by their displayed names."""
    budget = table["budget"].where(table["budget"].notna(), None)
    return _series_styles(
        _series_name(lab, b, v)
        for lab, b, v in zip(table["label"], budget, table["_variant"], strict=True)
    )


def _ylabel(metric: str) -> str:
    text = metric.replace("_", " ")
    return f"{text} (lower is better)" if lower_is_better(metric) else text


#: What a training-size plot's points and bands are, on the figure itself (its y axis).
BAND_TEXT = "mean over seeds; band: ±1 s.d. over seeds (ddof=1)"


def _grid(n: int, plt):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


#: The columns of trial rows that every plot reads (and ``benchmark`` where they have it:
#: rows of older studies lack it).
PLOT_COLUMNS = ("space", "dataset", "label", "budget", "n_train")
#: The columns the time plot reads besides :data:`PLOT_COLUMNS`.
TIME_COLUMNS = ("total_time_s", "fit_time_s", "predict_time_s")


def _checked(table: Any, metric: Any, reader: str, *, timed: bool) -> pd.DataFrame:
    """``table`` (the argument of :func:`plot_train_size` / :func:`plot_time`, ``reader``)
    with each series' variant (:func:`_with_variants`), after the checks
    :func:`plot_study` makes of a folder: a DataFrame with trials, the columns the plot
    reads, ``metric`` a numeric column with a value in every panel and, for the time plot
    (``timed``), a positive time; one ``ValueError`` naming the argument and the column."""
    table = as_frame(table, "table", "of trial rows (read_results, StudyResult.table)")
    if table.empty:
        raise ValueError("table: no trials to plot (it has no rows)")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be one column's name, got {short_repr(metric)}")
    check_metrics("table", table, [metric], "metric")
    check_columns(table, "table", (*PLOT_COLUMNS, *(TIME_COLUMNS if timed else ())), reader)
    _check_plottable("table", table, [metric], time=timed)
    return _with_variants(table)


def plot_train_size(table: pd.DataFrame, path: str | Path, *, metric: str = "kendall_tau") -> Path:
    """``metric`` vs training-set size per predictor, one panel per (space, dataset).

    Each point is the mean over seeds; the band is +- the sample standard deviation over
    seeds (``ddof=1``, the convention of :func:`~nasperf.evaluation.study.summarize`), left
    out where a size has a single seed (its spread is unknown, not zero); the y axis says so
    (:data:`BAND_TEXT`).

    Raises
    ------
    ValueError
        ``table`` has no rows, lacks a column the plot reads (:data:`PLOT_COLUMNS`), or
        ``metric`` is not one of its numeric columns or is NaN in every trial of a panel;
        a seed stored twice in one point (:func:`check_one_trial_per_seed`).
    """
    path = as_path(path, "path")
    table = _checked(table, metric, "plot_train_size", timed=False)
    plt = _pyplot()
    sources = _sources(table)
    styles = _series_keys(table)
    fig, axes = _grid(len(sources), plt)
    for ax, (title, sub) in zip(axes, sources, strict=True):
        sub = sub.assign(budget=sub["budget"].where(sub["budget"].notna(), None))
        seeds = _panel_seeds(sub)
        for (label, budget, variant), g in sub.groupby(
            ["label", "budget", "_variant"], dropna=False, sort=True
        ):
            name = _series_name(label, budget, variant)
            shown = _seeds_label(name, g, metric, seeds, _panel_sizes(sub))
            stats = g.groupby("n_train")[metric].agg(["mean", "std"])  # std: ddof=1
            stats = stats[stats["mean"].notna()]  # a size whose every seed has no value
            if stats.empty:  # said in the legend, not drawn as nothing
                ax.plot([], [], label=f"{name} (no {metric} value)", **styles[name])
                continue
            stats["std"] = stats["std"].fillna(0.0)  # one seed: no band
            if (stats.index == 0).all():  # training-free: one level for every size
                mean = float(stats["mean"].iloc[0])
                ax.axhline(mean, linestyle="--", linewidth=1.2, label=shown, **styles[name])
                continue
            x = stats.index.to_numpy()
            (line,) = ax.plot(x, stats["mean"], markersize=3, label=shown, **styles[name])
            ax.fill_between(
                x,
                stats["mean"] - stats["std"],
                stats["mean"] + stats["std"],
                alpha=0.15,
                color=line.get_color(),
            )
        ax.set_xscale("log")
        _log_ticks(ax.xaxis)
        ax.set_xlabel("training-set size")
        ax.set_ylabel(f"{_ylabel(metric)}\n{BAND_TEXT}")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


#: The time plot's x axis on data without training times: compute time only.
COMPUTE_ONLY_TEXT = (
    "predictor's own fit + query time only (s)\nno training time: the data has no training times"
)


def _time_axis(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """The time of each row and the axis label: White et al.'s ``total_time_s`` where every
    row has one, else the predictor's own fit + query time (compute time only:
    :func:`~nasperf.evaluation._rows.own_seconds`)."""
    total = rows["total_time_s"].astype(float)
    if np.isfinite(total).all():
        return total, "simulated training + fit + query time (s)"
    return own_seconds(rows), COMPUTE_ONLY_TEXT


def plot_time(table: pd.DataFrame, path: str | Path, *, metric: str = "kendall_tau") -> Path:
    """``metric`` vs time (s, log) per predictor, as White et al. Fig. 1.

    Each point is one (predictor, training size): mean over seeds of the metric and of the
    time, marked with its ``n``; a series' points are joined in the order of training size
    (a larger ``n`` that ran faster goes back left, it never reorders the line). The time is White et al.'s initialisation + query time (``total_time_s``:
    simulated training of the training set from the data's training times, fit, and
    prediction of the test set) where every trial of the panel has one; on data without
    training times (a user's table without a cost column) it is the predictor's own
    fit + prediction time (``fit_time_s + predict_time_s`` and its zero-cost scores at their
    recorded seconds, ``zc_time_s``), and the axis says so
    (:data:`COMPUTE_ONLY_TEXT`).

    Raises
    ------
    ValueError
        As :func:`plot_train_size`, and where ``table`` lacks a time column
        (:data:`TIME_COLUMNS`) or no trial of a panel has a positive time.
    """
    path = as_path(path, "path")
    table = _checked(table, metric, "plot_time", timed=True)
    plt = _pyplot()
    sources = _sources(table)
    styles = _series_keys(table)
    fig, axes = _grid(len(sources), plt)
    for ax, (title, sub) in zip(axes, sources, strict=True):
        t, xlabel = _time_axis(sub)
        sub = sub.assign(_t=t)
        sub = sub.assign(budget=sub["budget"].where(sub["budget"].notna(), None))
        seeds = _panel_seeds(sub)
        for (label, budget, variant), g in sub.groupby(
            ["label", "budget", "_variant"], dropna=False, sort=True
        ):
            # joined in the order of training size (groupby sorts n_train), never of time:
            # a larger n that happened to run faster must not read as "more time, worse"
            stats = g.groupby("n_train").agg(t=("_t", "mean"), m=(metric, "mean"))
            name = _series_name(label, budget, variant)
            shown = _seeds_label(name, g, metric, seeds, _panel_sizes(sub))
            (line,) = ax.plot(stats["t"], stats["m"], markersize=3, label=shown, **styles[name])
            for n, (t, m) in zip(stats.index, stats[["t", "m"]].to_numpy(), strict=True):
                if n > 0 and np.isfinite(t) and np.isfinite(m):  # n = 0: training-free
                    ax.annotate(
                        f"n={n}",
                        (t, m),
                        xytext=(3, 3),
                        textcoords="offset points",
                        fontsize=6,
                        color=line.get_color(),
                    )
        ax.set_xscale("log")
        _log_ticks(ax.xaxis)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(_ylabel(metric))
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _check_plottable(
    where: Any, table: pd.DataFrame, metrics: Sequence[str], *, time: bool = True
) -> None:
    """One ``ValueError`` naming ``where`` and the column for a panel that would be empty:
    a metric with no value (NaN in every trial of the panel), or, for the time plot (the
    first metric's; with ``time``), no trial with a positive time to place on its log
    axis."""
    plotted = [m for m in metrics if m in table.columns]
    timed = time and set(TIME_COLUMNS) <= set(table.columns)
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


def plot_study(
    folder: str | Path,
    *,
    table: pd.DataFrame | None = None,
    out: str | Path | None = None,
    metrics: Sequence[str] | str = ("kendall_tau", "spearman"),
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
    metrics : str or sequence of str
        One training-size plot per metric (a string is one metric); the time plot uses the
        first.

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
    TypeError
        ``folder`` or ``out`` is not a path (:func:`~nasperf.errors.as_path`; an empty one
        is a ``ValueError``).

    Notes
    -----
    A folder that holds trials of several configs (a second ``nasperf study`` run into the
    same ``--out`` with another ``--test-size``, say) is plotted with the configs apart:
    every series whose trials differ in a recorded setting (:data:`SETTING_COLUMNS`) names
    it, e.g. ``xgb [test_size=60]``, and a :class:`~nasperf.errors.StudyNote` says so; where they differ only in
    what the rows do not record (``ks``, ``nan_policy``), so that a point would count a
    seed twice, the folder is refused with a ``ValueError`` naming it.

    A folder written by another nasperf version is plotted as stored, with a
    :class:`~nasperf.errors.StudyNote` saying so (its rows may have been computed differently; plotting changes
    nothing, whereas resuming it is refused, see :func:`~nasperf.evaluation.run_study`).
    """
    from .store import DB_NAME, read_meta, read_results, version_change

    folder = as_path(folder, "folder")
    out = as_optional_path(out, "out")
    metrics = as_names(metrics, "metrics")
    # what the messages name: the folder's rows, or the table passed (which may come from
    # elsewhere: several folders' rows concatenated)
    given = table is not None
    if table is None:
        table = read_results(folder, kind="study")
        where: Any = Path(folder) / DB_NAME
    else:
        table = as_frame(table, "table", "of trial rows (read_results, StudyResult.table)")
        where = "table"
    meta = read_meta(folder)
    if table.empty:
        raise ValueError(
            "table: no trials to plot (it has no rows)"
            if given
            else f"{folder} holds no finished trials to plot"
        )
    check_metrics(where if given else folder, table, metrics, "metrics")
    check_columns(table, "table" if given else str(where), PLOT_COLUMNS, "plot_study")
    suite = "suite" in meta
    drawn = table[table["kind"] != "proxy"] if suite and "kind" in table.columns else table
    _check_plottable(where, drawn, metrics)
    _with_variants(drawn, where)  # a point that would count a seed twice: refused here
    differ = differing_settings(drawn)
    if differ:
        warn_caller(
            f"{'the table passed (table=)' if given else folder} holds trials of several "
            f"configs (they differ in "
            f"{', '.join(differ)}): each series names its {', '.join(differ)}, never "
            "averaging the configs together",
            StudyNote,
        )
    change = version_change(meta)
    if change is not None:
        warn_caller(
            f"{Path(folder) / 'meta.json'}: the study was run with nasperf {change[0]}, "
            f"this is nasperf {change[1]}; its rows are plotted as stored",
            StudyNote,
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
