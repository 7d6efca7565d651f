"""The report of a suite study: proxy heat map, predictor ranks, markdown summary.

From the rows of a suite (:mod:`nasperf.evaluation.suite`):

* :func:`proxy_matrix`: tasks x proxies, one correlation each (NAS-Bench-Suite-Zero's
  Figure 2), and :func:`plot_proxy_heatmap` of it;
* :func:`predictor_scores`: mean over seeds per (task, predictor, training size);
* :func:`mean_ranks`: per task and training size, the methods ranked by a metric
  (1 = best: the highest correlation, or the lowest error for a lower-is-better metric
  such as ``mae``; ties averaged), then averaged over tasks (where the tasks rank different
  sets of methods, as the expected rank among all of them: :func:`_pairwise_ranks`), a
  crash ranked last: among the predictors, and among predictors and proxies together (a
  proxy, needing no training, enters every training size with its one score);
  :func:`plot_ranks` draws them against the training size;
* :func:`write_report`: ``OUT/summary.md`` and the two PNGs under ``OUT/plots/`` (or, given
  another folder for the plots, everything in that folder).

Proxy rows hold the correlation over all labelled architectures of a task (stored
proxies) or a sample (computed ones); predictor rows over the task's test set, averaged
over seeds. Both estimate the same rank correlation with the target, with different
sample sizes (the summary gives them).

References
----------
Krishnakumar et al., "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies",
NeurIPS 2022 (Fig. 2: tasks x proxies; mean ranks across tasks). White et al., "How Powerful
are Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf._markdown import md_row
from nasperf.errors import as_optional_path, as_path

from ._rows import (
    GROUP_COLUMNS,
    check_one_trial_per_seed,
    differing_settings,
    one_row_per_trial,
)
from .metrics import lower_is_better

__all__ = [
    "HEATMAP_NAME",
    "RANKS_NAME",
    "SUMMARY_NAME",
    "mean_ranks",
    "plot_proxy_heatmap",
    "plot_ranks",
    "predictor_scores",
    "proxy_matrix",
    "report_rows",
    "summary_markdown",
    "write_report",
]

HEATMAP_NAME = "suite_proxies_heatmap.png"
RANKS_NAME = "suite_predictor_ranks.png"
SUMMARY_NAME = "summary.md"


def _task_column(table: pd.DataFrame) -> pd.Series:
    if "task" in table.columns:
        return table["task"].astype(str)
    source = table["benchmark"].where(table["benchmark"].notna(), table["space"])
    return source.astype(str) + "/" + table["dataset"].astype(str)


def _split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(proxy rows, predictor rows), each with a ``task`` column."""
    df = table.assign(task=_task_column(table))
    is_proxy = df["kind"].eq("proxy") if "kind" in df.columns else pd.Series(False, index=df.index)
    return df[is_proxy], df[~is_proxy]


def _order(values: Sequence[str], order: Sequence[str] | None) -> list[str]:
    seen = list(dict.fromkeys(values))
    if not order:
        return sorted(seen)
    rank = {t: i for i, t in enumerate(order)}
    return sorted(seen, key=lambda t: (rank.get(t, len(rank)), t))


def proxy_matrix(
    table: pd.DataFrame, metric: str = "spearman", *, tasks: Sequence[str] | None = None
) -> pd.DataFrame:
    """Tasks x proxies of ``metric`` (mean over a proxy's trials on a task; NaN where a task
    has no score of the proxy). Columns sorted by their mean over tasks, best first (lowest
    first for a lower-is-better metric, :func:`~nasperf.evaluation.metrics.lower_is_better`)."""
    proxies, _ = _split(table)
    if proxies.empty:
        return pd.DataFrame()
    m = proxies.pivot_table(index="task", columns="label", values=metric, aggfunc="mean")
    m = m.reindex(_order(m.index, tasks))
    means = m.mean(axis=0, skipna=True)
    cols = means.sort_values(ascending=lower_is_better(metric), kind="stable").index
    m = m[list(cols)]
    m.columns.name = "proxy"
    return m


def _labelled(preds: pd.DataFrame) -> pd.DataFrame:
    """Predictor rows whose ``label`` carries the budget of a learning-curve predictor
    (``omni@12ep``) where it has one."""
    budget = preds["budget"] if "budget" in preds.columns else pd.Series(None, index=preds.index)
    return preds.assign(
        label=preds["label"].where(budget.isna(), preds["label"] + "@" + budget.astype(str))
    )


def _configs_apart(preds: pd.DataFrame, where: str = "the table") -> list[str]:
    """The settings that keep the configs of ``preds`` (predictor rows with ``task``)
    apart, as :func:`~nasperf.evaluation.study.summarize` and the plots keep them
    (:func:`~nasperf.evaluation._rows.differing_settings`, e.g. ``test_size`` after a rerun
    with another ``--test-size`` into one folder); a ``ValueError`` naming ``where`` where
    a group would still count a seed twice."""
    differ = differing_settings(preds)
    check_one_trial_per_seed(preds, where, [*GROUP_COLUMNS, "task", *differ])
    return differ


def _one_config(table: pd.DataFrame, what: str) -> None:
    """A ``ValueError`` where ``table`` holds trials of several configs
    (:func:`~nasperf.evaluation._rows.differing_settings`): ``what`` (ranks, a report)
    compares methods on one config's test sets, and averaging configs would count each seed
    once per config."""
    differ = differing_settings(table.assign(task=_task_column(table)))
    if differ:
        raise ValueError(
            f"table holds trials of several configs (they differ in {', '.join(differ)}): "
            f"{what} compares the methods of one config: pass one config's rows "
            f"(report_rows(table, meta) keeps the latest run's, or select by {differ[0]}); "
            "predictor_scores and summarize keep the configs apart"
        )


def predictor_scores(table: pd.DataFrame, metric: str = "kendall_tau") -> pd.DataFrame:
    """Predictor rows averaged over seeds: columns ``task``, ``label``, ``n_train``,
    ``<metric>`` (mean), ``seeds``. A learning-curve predictor's label carries its budget
    (``omni@12ep``) where it has one.

    A table of several configs (a folder that two runs with other settings wrote into,
    e.g. ``test_size`` 30 then 40) is never averaged across them: the settings that differ
    (:func:`~nasperf.evaluation._rows.differing_settings`) join the groups and the columns,
    after ``n_train``, as in :func:`~nasperf.evaluation.study.summarize`; a seed that would
    still be counted twice is a ``ValueError``. One trial read twice (equal rows, one
    ``hash``) counts once."""
    _, preds = _split(table)
    if preds.empty:
        return pd.DataFrame(columns=["task", "label", "n_train", metric, "seeds"])
    preds = one_row_per_trial(preds)
    keys = ["task", "label", "n_train", *_configs_apart(preds)]
    g = _labelled(preds).groupby(keys, sort=False, dropna=False)[metric]
    out = g.agg(["mean", "size"]).reset_index()
    return out.rename(columns={"mean": metric, "size": "seeds"})


def _mean(values: Iterable[float]) -> float:
    """The mean of the non-NaN ``values`` (NaN if there are none), the same float in any
    order: :func:`math.fsum` rounds the exact sum once, where a running sum rounds at every
    step, so two methods with bit-identical per-seed scores stored in another row order
    had differed in the last bit and been ranked 1 and 2 instead of tied."""
    kept = [float(v) for v in values if not math.isnan(v)]
    return math.fsum(kept) / len(kept) if kept else math.nan


def _seed_mean(values: Iterable[float]) -> float:
    """A predictor's mean over seeds, as :func:`_mean`, but NaN where a seed's value is NaN
    (NaN predictions), as :func:`~nasperf.evaluation.study.summarize` leaves it: the
    method then ranks below any number there, where dropping the seed had compared its
    mean over the others with a rival's over all of them."""
    values = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in values) else _mean(values)


@dataclass(frozen=True, slots=True)
class _Score:
    """One method's score on one task at one training size.

    ``mean``: its mean over its own seeds (a proxy's one score); NaN where it has none.
    ``seeds``: a predictor's score per seed, which pairs it with another predictor on the
    seeds both ran; None for a proxy (one score, no seeds) and for a crash. ``crashed``:
    every trial of the method there failed (``mean`` NaN: ranked last)."""

    method: str
    kind: str
    mean: float
    seeds: Mapping[Any, float] | None = None
    crashed: bool = False


def _mean_on(score: _Score, seeds: Set[Any]) -> float:
    """``score``'s mean over ``seeds`` (a subset of its own)."""
    own = score.seeds or {}
    if len(seeds) == len(own):
        return score.mean
    return _seed_mean(own[s] for s in seeds)


def _loss(a: _Score, b: _Score, lower: bool) -> Fraction | None:
    """How much ``a`` loses to ``b`` head to head: 1 where ``b`` scores better, 1/2 on a
    tie, 0 where ``a`` does; a NaN score is worse than any number and ties with NaN. Two
    predictors are compared on the seeds both ran (None where they share none), a
    predictor and a proxy by the predictor's mean over its seeds."""
    if a.seeds is not None and b.seeds is not None:
        shared = a.seeds.keys() & b.seeds.keys()
        if not shared:
            return None
        x, y = _mean_on(a, shared), _mean_on(b, shared)
    else:
        x, y = a.mean, b.mean
    if math.isnan(x) or math.isnan(y):
        return Fraction(int(math.isnan(x)) - int(math.isnan(y)) + 1, 2)
    if x == y:
        return Fraction(1, 2)
    return Fraction(int(y < x if lower else y > x))


_Key = tuple[str, str]  # a ranked method: (name, kind)


def _cell_losses(scores: Sequence[_Score], lower: bool) -> dict[tuple[_Key, _Key], Fraction]:
    """``(a, b)`` -> how much ``a`` lost to ``b`` (:func:`_loss`) for every ordered pair of
    ``scores`` (one task at one training size); a pair of predictors that shares no seed
    is left out (no evidence either way)."""
    out = {}
    for a in scores:
        for b in scores:
            if a is not b:
                loss = _loss(a, b, lower)
                if loss is not None:
                    out[((a.method, a.kind), (b.method, b.kind))] = loss
    return out


def _pairwise_ranks(
    cells: Iterable[Mapping[tuple[_Key, _Key], Fraction]], keys: Iterable[_Key], n_methods: int
) -> dict[_Key, tuple[float, int]]:
    """Each of ``keys``' mean rank over ``cells`` (:func:`_cell_losses` of the tasks and
    sizes averaged over) among ``n_methods`` methods, and how many others it was compared
    with.

    For a method ``i`` and each other method ``j`` it met, ``w_ji`` is the share of the
    cells both were ranked in where ``j`` beat ``i`` (a tie 1/2); the mean rank is
    ``1 + (n_methods - 1) * mean_j w_ji``: the expected rank ``1 + sum_j P(j beats i)``
    of the method among all ``n_methods``, each ``P`` estimated on the tasks the pair
    shares, and a pair that never met taking ``i``'s mean over those it met. Where every
    method is ranked in every cell this is exactly the mean over the cells of its
    tie-averaged rank (``sum_j w_ji`` is the mean number of methods that beat it); where
    they are not, a rank taken among 2 methods no longer counts like one among 15, and a
    method that loses to another on every task they share never comes out above it. A
    method that met no other gets the middle rank, ``(n_methods + 1) / 2``. Exact
    fractions until the result, so equal records give equal floats."""
    total: dict[_Key, dict[_Key, list[Any]]] = {}
    for losses in cells:
        for (a, b), loss in losses.items():
            acc = total.setdefault(a, {}).setdefault(b, [Fraction(0), 0])
            acc[0] += loss
            acc[1] += 1
    out = {}
    for key in keys:
        shares = [lost / count for lost, count in total.get(key, {}).values()]
        rank = (
            1 + (n_methods - 1) * sum(shares, Fraction(0)) / len(shares)
            if shares
            else Fraction(n_methods + 1, 2)
        )
        out[key] = (float(rank), len(shares))
    return out


def _crashes(
    errors: Iterable[Mapping[str, Any]], table: pd.DataFrame
) -> dict[tuple[str, str, int], str]:
    """``(task, label, n_train)`` -> kind (``predictor`` / ``proxy``) of every method of
    ``errors`` (failure records, :meth:`~nasperf.evaluation.store.ResultsStore.errors`:
    mappings with the failed ``trial``) that has no row in ``table`` there: every trial of
    it on that task and size failed. A failure whose trial later finished (its ``hash`` is
    in ``table``) is left out; a learning-curve predictor's label carries its budget, as
    :func:`_labelled` writes it."""
    done = set(table["hash"].astype(str)) if "hash" in table.columns else set()
    ran = set()
    if not table.empty:
        rows = _labelled(table.assign(task=_task_column(table)))
        ran = set(
            zip(rows["task"], rows["label"].astype(str), rows["n_train"].astype(int), strict=True)
        )
    out = {}
    for record in errors:
        trial = record.get("trial")
        if not isinstance(trial, Mapping) or str(record.get("hash", trial.get("hash"))) in done:
            continue
        label = trial.get("label") or trial.get("predictor") or trial.get("proxy")
        task = trial.get("task") or (
            f"{trial.get('benchmark') or trial.get('space')}/{trial.get('dataset')}"
        )
        if not label or not task:
            continue
        budget = trial.get("budget")
        label = f"{label}@{budget}" if budget is not None and not pd.isna(budget) else str(label)
        kind = "proxy" if trial.get("kind") == "proxy" else "predictor"
        key = (str(task), label, 0 if kind == "proxy" else int(trial.get("n_train") or 0))
        if key not in ran:
            out[key] = kind
    return out


def mean_ranks(
    table: pd.DataFrame,
    metric: str = "kendall_tau",
    *,
    with_proxies: bool = True,
    errors: Iterable[Mapping[str, Any]] = (),
) -> pd.DataFrame:
    """Mean rank of every method across tasks, per training size.

    For each task and training size ``n`` the predictors evaluated there and, with
    ``with_proxies``, every proxy of the task (its one score) are compared, and the
    comparisons are averaged over the tasks into a rank among the ``N`` methods of the
    result, 1 = best, ties averaged. Best is the highest value, or the lowest for a
    lower-is-better metric (``mae``, ``rmse``, ``best_true_rank@k``:
    :func:`~nasperf.evaluation.metrics.lower_is_better`); a missing (NaN) score ranks last.

    Where every method is ranked on every task, a method's mean rank is the plain mean of
    its tie-averaged ranks over the tasks. In general it is ``1 + (N - 1) * mean_j w_j``:
    for each other method ``j`` it met, ``w_j`` is the share of the tasks (and sizes, for
    ``"all"``) both were ranked on where ``j`` beat it, ties counting 1/2 (details:
    :func:`_pairwise_ranks`). It is the expected rank among all ``N`` methods, each
    head-to-head estimated where the two meet, which makes tasks whose pools differ
    comparable: averaging raw ranks had counted a rank 1 of 2 methods (a task where most
    were missing) like a rank 1 of 15, and listed a method that lost every head-to-head
    it had above the winner. Rescaling each task's ranks to the largest pool would still
    do the latter: the method ranked alone with one other keeps its 1. ``methods`` says how
    many methods were ranked together, ``met`` how many others a method was compared with.

    Two methods are compared on their own: two predictors on the seeds both ran (a pair
    that shares none is not compared there), a predictor and a proxy by the predictor's
    mean over its seeds. Where a trial failed, only the comparisons of the method that lost
    it use fewer seeds: the order of two methods that ran every seed never depends on a
    third one's failure (had every predictor been averaged over the seeds all of them
    share, one crashed seed of one predictor dropped that seed for all, and a predictor
    trained on 20 architectures overtook a proxy it trails over all three seeds), and a
    method is never compared by its mean over fewer seeds against another's over more (a
    copy of xgb that failed a seed would rank above xgb).

    A method whose every trial on a task and size failed (``errors``) ranks last there,
    tied with the others that failed there: a crash is a result, and leaving the task out
    of its mean had let a predictor that crashed where it would have ranked last come out
    best. A method skipped for lack of side information (a suite's ``skipped``: no trial,
    no failure) is not ranked on that task. A task and size where every method failed is
    not ranked.

    Parameters
    ----------
    table : DataFrame
        A suite's rows (:func:`~nasperf.evaluation.store.read_results`).
    metric : str
        The column ranked, any name (``precision@10``, ``sparse_kendall_tau_0.1``).
    with_proxies : bool
        Rank the proxies together with the predictors.
    errors : iterable of mapping
        The failed trials of ``table``'s config, as
        :meth:`~nasperf.evaluation.store.ResultsStore.errors` lists them (each with its
        ``trial``); a failure whose trial later finished (its ``hash`` in ``table``) is
        left out. Without them a crashed method is not ranked where it crashed.

    Returns
    -------
    DataFrame
        Columns ``method``, ``kind`` (``predictor`` / ``proxy``), ``n_train``,
        ``mean_rank``, ``tasks`` (how many tasks the mean is over, those it crashed on
        included), ``methods`` (mean number of methods ranked together on its tasks),
        ``met`` (how many of the other ``N - 1`` it was compared with),
        ``mean_<metric>`` (a predictor's mean over its own seeds, averaged over the tasks
        where it has a score), ``crashed`` (on how many tasks every trial failed: ranked
        last there), ``fewer_seeds`` (on how many it has a score over fewer seeds than the
        most any predictor of ``table`` has: a trial failed); plus one row per method with
        ``n_train`` = ``"all"``: the mean over every (task, size) it was ranked in, its
        ``crashed`` and ``fewer_seeds`` counting (task, size) pairs.

    Raises
    ------
    ValueError
        ``metric`` is not a column of ``table``; ``table`` holds trials of several configs
        (:func:`~nasperf.evaluation._rows.differing_settings`: a folder that a rerun with
        another ``test_size`` wrote into), whose means would count each seed once per config
        and rank a predictor against itself: rank one config's rows
        (:func:`report_rows`), or a seed twice in one group.
    """
    if metric not in table.columns:
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        raise ValueError(f"metric {metric!r} is not a column of the table; it has {numeric}")
    table = one_row_per_trial(table)
    _one_config(table, "a mean rank")
    proxies, preds = _split(table)
    lower = lower_is_better(metric)
    per_seed: dict[tuple[str, int], dict[str, dict[Any, float]]] = {}
    if not preds.empty:
        _configs_apart(preds)  # a seed stored twice: refused
        for (task, label, n), part in _labelled(preds).groupby(
            ["task", "label", "n_train"], sort=False
        ):
            seeds = dict(zip(part["seed"], part[metric].astype(float), strict=True))
            per_seed.setdefault((str(task), int(n)), {})[str(label)] = seeds
    crashes = _crashes(errors, table)
    proxy_scores: dict[str, list[_Score]] = {}
    if with_proxies:
        for (task, label), part in proxies.groupby(["task", "label"], sort=False):
            proxy_scores.setdefault(str(task), []).append(
                _Score(str(label), "proxy", _mean(part[metric].astype(float)))
            )
        for (task, label, _), kind in crashes.items():
            if kind == "proxy":
                crash = _Score(label, "proxy", math.nan, crashed=True)
                proxy_scores.setdefault(task, []).append(crash)
    crashed: dict[tuple[str, int], list[_Score]] = {}
    for (task, label, n), kind in crashes.items():
        if kind == "predictor":
            crash = _Score(label, "predictor", math.nan, crashed=True)
            crashed.setdefault((task, n), []).append(crash)
    full = max((len(seeds) for cell in per_seed.values() for seeds in cell.values()), default=0)
    columns = ["method", "kind", "n_train", "mean_rank", "tasks", "methods", "met"]
    columns += [f"mean_{metric}", "crashed", "fewer_seeds"]
    cells = []
    for task, n in dict.fromkeys([*per_seed, *crashed]):
        if n == 0:
            continue  # training-free predictors enter every training size, like proxies
        entries = [
            _Score(label, "predictor", _seed_mean(seeds.values()), seeds)
            for part in (per_seed.get((task, n), {}), per_seed.get((task, 0), {}))
            for label, seeds in part.items()
        ]
        entries += crashed.get((task, n), []) + crashed.get((task, 0), [])
        entries += proxy_scores.get(task, [])
        if not all(e.crashed for e in entries):  # where nothing ran, nothing is compared
            cells.append((task, n, entries, _cell_losses(entries, lower)))
    n_methods = len({(e.method, e.kind) for *_, entries, _ in cells for e in entries})

    def summarise(group: list[tuple[str, int, list[_Score], Any]], n_train: Any) -> list[dict]:
        mine: dict[_Key, list[tuple[str, int, _Score]]] = {}
        for task, _, entries, _ in group:
            for e in entries:
                mine.setdefault((e.method, e.kind), []).append((task, len(entries), e))
        ranks = _pairwise_ranks([losses for *_, losses in group], mine, n_methods)
        return [
            {
                "method": method,
                "kind": kind,
                "n_train": n_train,
                "mean_rank": ranks[(method, kind)][0],
                "tasks": len({task for task, _, _ in ranked}),
                "methods": sum(size for _, size, _ in ranked) / len(ranked),
                "met": ranks[(method, kind)][1],
                f"mean_{metric}": _mean(e.mean for *_, e in ranked if not e.crashed),
                "crashed": sum(e.crashed for *_, e in ranked),
                "fewer_seeds": sum(e.seeds is not None and len(e.seeds) < full for *_, e in ranked),
            }
            for (method, kind), ranked in mine.items()
        ]

    rows = [
        row
        for n in sorted({c[1] for c in cells})
        for row in summarise([c for c in cells if c[1] == n], n)
    ]
    overall = summarise(cells, "all")
    if not rows:
        return pd.DataFrame(columns=columns)
    per_n = pd.DataFrame(rows).sort_values(["method", "kind", "n_train"], kind="stable")
    overall = pd.DataFrame(overall).sort_values(["method", "kind"], kind="stable")
    out = pd.concat([per_n.astype({"n_train": object}), overall], ignore_index=True)
    return out[columns]


def proxy_ranks(
    matrix: pd.DataFrame,
    metric: str = "spearman",
    *,
    crashed: Iterable[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Proxies ranked among themselves on each task (1 = best: highest ``metric``, lowest
    for a lower-is-better one), averaged over the tasks as :func:`mean_ranks` averages
    (:func:`_pairwise_ranks`): with every proxy on every task the plain mean of its ranks,
    otherwise the expected rank among all the proxies, each head-to-head taken on the
    tasks the two share (a proxy stored on a task with 4 others no longer takes its rank
    1 there as if it had beaten 10). A NaN cell (the task has no score of the proxy) is
    not ranked; a ``(task, proxy)`` of ``crashed`` (every trial of a computed proxy on the
    task failed) ranks last there, tied with the others that failed.

    Returns
    -------
    DataFrame
        Columns ``proxy``, ``mean_rank``, ``tasks`` (ranked on, crashes included),
        ``proxies`` (mean number ranked together on its tasks), ``crashed`` (tasks where
        it failed), ``mean`` (of the matrix's metric), sorted by mean rank."""
    columns = ["proxy", "mean_rank", "tasks", "proxies", "crashed", "mean"]
    failed = set(crashed)
    tasks = list(dict.fromkeys([*matrix.index, *(task for task, _ in failed)]))
    lower = lower_is_better(metric)
    cells = []
    for task in tasks:
        row = matrix.loc[task] if task in matrix.index else pd.Series(dtype=float)
        entries = [_Score(str(p), "proxy", float(v)) for p, v in row.items() if pd.notna(v)]
        have = {e.method for e in entries}
        entries += [
            _Score(str(p), "proxy", math.nan, crashed=True)
            for t, p in sorted(failed)
            if t == task and str(p) not in have
        ]
        if not all(e.crashed for e in entries):  # empty too: nothing to compare
            cells.append((entries, _cell_losses(entries, lower)))
    mine: dict[_Key, list[tuple[int, _Score]]] = {}
    for entries, _ in cells:
        for e in entries:
            mine.setdefault((e.method, e.kind), []).append((len(entries), e))
    if not mine:
        return pd.DataFrame(columns=columns)
    ranks = _pairwise_ranks([losses for _, losses in cells], mine, len(mine))
    out = pd.DataFrame(
        [
            {
                "proxy": key[0],
                "mean_rank": ranks[key][0],
                "tasks": len(ranked),
                "proxies": sum(size for size, _ in ranked) / len(ranked),
                "crashed": sum(e.crashed for _, e in ranked),
                "mean": _mean(e.mean for _, e in ranked if not e.crashed),
            }
            for key, ranked in mine.items()
        ],
        columns=columns,
    )
    return out.sort_values(["mean_rank", "proxy"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- plots
#: Markers combined with the colour cycle: 10 colours x 10 markers x 2 fills = 200 series
#: before a (colour, marker, fill) combination repeats.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _series_styles(keys: Iterable[Hashable]) -> dict[Hashable, dict[str, Any]]:
    """A distinct ``{color, marker, fillstyle}`` for each key, by the keys' sorted order.

    Key ``i`` (0-based, sorted) takes colour ``i % C`` of the colour cycle (``C`` colours,
    10 by default), marker ``(i // C) % 10`` and fill ``(i // (10 C)) % 2``: the first ``C``
    series take the cycle's colours with a filled circle, and no two of the first ``20 C``
    share colour, marker and fill. Keys are sorted by their ``str`` so that a mix of types
    sorts too.
    """
    import matplotlib

    colors = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color") or [
        f"C{i}" for i in range(10)
    ]
    out = {}
    for i, key in enumerate(sorted(set(keys), key=str)):
        c = len(colors)
        out[key] = {
            "color": colors[i % c],
            "marker": _MARKERS[(i // c) % len(_MARKERS)],
            "fillstyle": ("full", "none")[(i // (c * len(_MARKERS))) % 2],
        }
    return out


def plot_proxy_heatmap(matrix: pd.DataFrame, path: str | Path, *, metric: str = "spearman") -> Path:
    """Tasks x proxies heat map of ``matrix`` (values annotated; grey: not available)."""
    from ._matplotlib import pyplot as _pyplot

    path = as_path(path, "path")
    plt = _pyplot()
    n_rows, n_cols = matrix.shape
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * max(n_cols, 4), 1.2 + 0.32 * max(n_rows, 4)))
    values = np.ma.masked_invalid(matrix.to_numpy(dtype=np.float64))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#dddddd")
    image = ax.imshow(values, cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = matrix.iat[i, j]
            text = "–" if pd.isna(v) else f"{v:.2f}"
            dark = not pd.isna(v) and abs(v) > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="w" if dark else "k")
    ax.set_xticks(range(n_cols), [str(c) for c in matrix.columns], rotation=60, ha="right")
    ax.set_yticks(range(n_rows), [str(t) for t in matrix.index])
    ax.set_xlabel("zero-cost proxy (sorted by mean over tasks)")
    ax.set_title(f"{metric.replace('_', ' ').title()} with the target, per task")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_ranks(
    ranks_predictors: pd.DataFrame,
    ranks_all: pd.DataFrame,
    path: str | Path,
    *,
    n_proxies: int = 4,
) -> Path:
    """Mean rank across tasks vs training size: left among the predictors, right among
    predictors and proxies (the ``n_proxies`` best proxies by overall rank drawn, dashed).

    Every method drawn gets its own (colour, marker) pair, the same in both panels,
    assigned in the order of its name (``_series_styles``, which
    :mod:`~nasperf.evaluation.plots` shares), so no two lines look alike however many there
    are (the colour cycle alone repeats after ten). A method with a failed trial
    (``crashed`` or ``fewer_seeds``, as the summary's tables mark it) has ``†`` after its
    name in the legend."""
    from ._matplotlib import pyplot as _pyplot

    path = as_path(path, "path")
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), squeeze=False)
    panels = []
    for ax, ranks, title in (
        (axes[0][0], ranks_predictors, "among predictors"),
        (axes[0][1], ranks_all, f"among predictors and proxies (best {n_proxies} proxies shown)"),
    ):
        per_n = ranks[ranks["n_train"] != "all"].copy()
        if per_n.empty:
            ax.text(0.5, 0.5, "no trained predictor", ha="center", va="center")
            continue
        per_n["n_train"] = per_n["n_train"].astype(int)
        overall = ranks[ranks["n_train"] == "all"].set_index("method")["mean_rank"]
        best_proxies = [
            m
            for m in overall.sort_values().index
            if (ranks["method"].eq(m) & ranks["kind"].eq("proxy")).any()
        ][:n_proxies]
        keep = per_n["kind"].ne("proxy") | per_n["method"].isin(best_proxies)
        n_methods = int(ranks["n_train"].eq("all").sum())
        panels.append((ax, per_n[keep], f"{title}\n(ranks among all {n_methods})"))
    styles = _series_styles(
        {
            (m, k)
            for _, per_n, _ in panels
            for m, k in zip(per_n["method"], per_n["kind"], strict=True)
        }
    )
    for ax, per_n, title in panels:
        for (method, kind), g in per_n.groupby(["method", "kind"], sort=True):
            g = g.sort_values("n_train")
            counts = [c for c in ("crashed", "fewer_seeds") if c in g.columns]
            failed = bool(g[counts].gt(0).to_numpy().any()) if counts else False
            ax.plot(
                g["n_train"],
                g["mean_rank"],
                markersize=4,
                linestyle="-" if kind == "predictor" else "--",
                label=f"{method} †" if failed else method,
                **styles[(method, kind)],
            )
        ax.set_xscale("log")
        sizes = sorted(per_n["n_train"].unique())
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        ax.invert_yaxis()
        ax.set_xlabel("training-set size")
        ax.set_ylabel("mean rank across tasks (1 = best)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- markdown
def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if v is pd.NA:
        return "–"
    if isinstance(v, float | np.floating):
        return f"{v:.{digits}f}"
    return str(v)


def _md_table(frame: pd.DataFrame, *, index: str | None = None, digits: int = 2) -> str:
    cols = list(frame.columns)
    head = ([index] if index is not None else []) + [str(c) for c in cols]
    lines = [md_row(head), "|" + "|".join(["---"] * len(head)) + "|"]
    for i, key in enumerate(frame.index):
        # column by column: iterrows would upcast an integer column to float
        cells = [str(key)] if index is not None else []
        cells += [_fmt(frame[c].iloc[i], digits) for c in cols]
        lines.append(md_row(cells))
    return "\n".join(lines)


def _rank_pivot(ranks: pd.DataFrame) -> pd.DataFrame:
    """:func:`mean_ranks`' rows as a table: a method per row, best first by its rank over
    all sizes, a column per training size, then ``tasks``; a cell where a trial of the
    method failed (``crashed`` or ``fewer_seeds``) marked ``†`` (:data:`_RANK_NOTE`)."""
    if ranks.empty:
        return pd.DataFrame()
    sizes = sorted({n for n in ranks["n_train"] if n != "all"})
    piv = ranks.pivot_table(index="method", columns="n_train", values="mean_rank", aggfunc="first")
    piv = piv[[*sizes, "all"]] if "all" in piv.columns else piv[sizes]
    failed = ranks.assign(failed=ranks["crashed"].gt(0) | ranks["fewer_seeds"].gt(0))
    marks = failed.pivot_table(index="method", columns="n_train", values="failed", aggfunc="any")
    marks = marks.reindex_like(piv).fillna(False).astype(bool)
    by = "all" if "all" in piv.columns else piv.columns[0]
    order = piv.sort_values(by, kind="stable").index
    text = piv.map(_fmt)
    text = text.where(~marks, text + " †").reindex(order)
    overall = ranks[ranks["n_train"] == "all"].set_index("method")
    text.columns = [f"n={c}" if c != "all" else "all sizes" for c in text.columns]
    text["tasks"] = overall["tasks"].reindex(text.index).astype("Int64")
    if ranks.loc[ranks["n_train"] != "all", "methods"].ne(len(overall)).any():
        text["methods"] = overall["methods"].reindex(text.index).astype(float)
    return text


def _pool_lines(table: pd.DataFrame, plural: str = "methods") -> list[str]:
    """The line under a mean-rank table (:func:`_rank_pivot`, or the proxies' own) whose
    pools differ (it has a ``plural`` column, the mean number ranked together): how its
    ranks were made comparable (:func:`_pairwise_ranks`)."""
    if plural not in table.columns:
        return []
    n = len(table)
    return [
        f"Not all {n} {plural} were ranked on every task ({plural}: how many were ranked "
        f"together, on average), so a mean rank here is 1 + ({n} - 1) x the mean, over the "
        "others it met, of the share of their shared tasks where the other scored better "
        f"(ties 1/2): its expected rank among all {n}, which with every one on every task is "
        "the plain mean rank.",
        "",
    ]


def _rank_notes(*pivots: pd.DataFrame) -> list[str]:
    """The lines under mean-rank tables (:func:`_rank_pivot`) that say what their marks
    mean, where a table has one."""
    marked = any(
        p[c].astype(str).str.endswith(" †").any() for p in pivots for c in p.columns if c != "tasks"
    )
    return [_RANK_NOTE, ""] if marked else []


_RANK_NOTE = (
    "† a trial of the method failed at this size (see Failed trials): on a task where every "
    "one failed it ranks last (tied with the others that failed there; `tasks` counts it), "
    "where some seeds failed it is compared with each predictor on the seeds both ran."
)


def _proxy_rank_table(ranks: pd.DataFrame) -> pd.DataFrame:
    """:func:`proxy_ranks`' rows as the summary prints them: by proxy, ``mean_rank`` (``†``
    where it crashed on a task), ``tasks``, ``proxies`` where the pools differ, ``mean``."""
    out = ranks.set_index("proxy")
    text = out["mean_rank"].map(_fmt)
    table = pd.DataFrame({"mean_rank": text.where(out["crashed"].eq(0), text + " †")})
    table["tasks"] = out["tasks"].astype("Int64")
    if out["proxies"].ne(len(out)).any():
        table["proxies"] = out["proxies"].astype(float)
    table["mean"] = out["mean"].astype(float)
    return table


_PROXY_CRASH_NOTE = (
    "† every trial of the proxy on a task failed (see Failed trials): it ranks last there, "
    "tied with the others that failed."
)


def _errors_of(
    errors: Iterable[Mapping[str, Any]], meta: Mapping[str, Any] | None
) -> list[Mapping[str, Any]]:
    """The failure records of ``errors`` whose trial belongs to the config ``meta`` records
    (its ``suite.trials``, as :func:`report_rows` keeps its rows); every one where ``meta``
    lists no trials. A failed trial of another config run into the folder is not a crash
    of the methods this report ranks."""
    keys = ((meta or {}).get("suite") or {}).get("trials")
    if keys is None:
        return list(errors)
    width = len(keys[0]) if keys else 0
    wanted = set(keys)
    return [e for e in errors if str(e.get("hash", ""))[:width] in wanted]


def report_rows(table: pd.DataFrame, meta: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of ``table`` (a suite folder's, or some of them) that its report describes:
    the trials of the config ``meta`` (``meta.json``) records, the latest run's
    (``suite.trials``, :meth:`~nasperf.evaluation.suite.SuiteExpansion.as_meta`), in their
    order. A folder that also holds other configs' trials (a ``--quick`` run into a full
    suite's folder) is reported as its latest run, as that run's own summary is, with a
    line saying how many more trials the folder holds; a ``meta.json`` written before
    ``suite.trials`` was kept: every row, by hash. The run and ``nasperf plot`` so write
    one ``summary.md`` of one folder."""
    keys = (meta.get("suite") or {}).get("trials")
    if table.empty or "hash" not in table.columns:
        return table
    if keys is None:
        return table.sort_values("hash", kind="stable").reset_index(drop=True)
    width = len(keys[0]) if keys else 0
    order = {k: i for i, k in enumerate(keys)}
    at = table["hash"].astype(str).str[:width].map(order)
    return (
        table.assign(_order=at)[at.notna()]
        .sort_values("_order", kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def summary_markdown(
    table: pd.DataFrame,
    *,
    suite: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    plots: Sequence[Path] = (),
    links_from: str | Path | None = None,
    other_trials: int = 0,
) -> str:
    """The markdown summary of a suite's rows (see the module docstring).

    ``plots`` are linked as ``plots/<name>`` (the layout of a results folder), or, with
    ``links_from`` (the folder the summary is written to), by their path relative to it.
    ``other_trials``: the finished trials of other configs the folder holds beside
    ``table``'s (:func:`report_rows`), said in a line under the first. The Tasks table's
    "stored proxies" counts those the config's ``proxies.stored`` asked for that the
    task's table has (``meta``'s config; without ``meta``, the table's).
    """
    from .suite import stored_proxy_names

    links_from = as_optional_path(links_from, "links_from")
    table = one_row_per_trial(table)
    _one_config(table, "a suite's report")
    suite = dict(suite or {})
    plans = suite.get("plans", [])
    order = [p["task"] for p in plans] or None
    proxies, preds = _split(table)
    lines = [f"# Suite study {meta.get('study', '') if meta else ''}".rstrip(), ""]
    if meta:
        runs = meta.get("runs", [])
        seconds = sum(float(r.get("seconds") or 0) for r in runs)
        workers = sorted({r.get("workers") for r in runs if r.get("workers")})
        lines += [
            f"{len(table)} of {meta.get('n_trials', '?')} trials finished "
            f"({len(proxies)} proxy, {len(preds)} predictor); {len(runs)} run(s), "
            f"{seconds:.0f} s wall-clock in all ({', '.join(map(str, workers)) or '?'} "
            "worker(s)); nasperf "
            f"{meta.get('environment', {}).get('versions', {}).get('nasperf', '?')}.",
            "",
        ]
        argv = runs[-1].get("argv") if runs else None
        if argv is not None:
            prog = runs[-1].get("prog") or "run_study.py"
            head = f"python {prog}" if prog.endswith(".py") else prog
            # a block, shell-quoted: a path with spaces or backticks pastes back as it ran
            lines += ["Command:", "", "```bash", f"{head} {shlex.join(argv)}".strip(), "```", ""]
    if other_trials:
        lines += [
            f"This summary describes the latest run's config; the folder also holds "
            f"{other_trials} finished trial(s) of other configs (meta.json's configs), which "
            "read_results and `nasperf plot`'s per-task plots read too.",
            "",
        ]
    asked = meta["config"].get("proxies") if meta and "config" in meta else {"stored": "all"}
    for p in plots:
        link = (
            f"plots/{p.name}"
            if links_from is None
            else Path(os.path.relpath(Path(p).resolve(), Path(links_from).resolve())).as_posix()
        )
        lines += [f"![{Path(p).stem}]({link})", ""]
    if plans:
        lines += ["## Tasks", ""]
        t = pd.DataFrame(
            [
                {
                    "task": p["task"],
                    "labelled": p["n_labelled"],
                    "test set": p["test_size"],
                    "train sizes": ", ".join(map(str, p["train_sizes"])) or "none",
                    "stored proxies": len(stored_proxy_names(asked, p["stored_proxies"])),
                    "computed proxies": "yes" if p["computable"] else "no",
                    "curve budgets": ", ".join(p["budgets"]) or "none",
                }
                for p in plans
            ]
        ).set_index("task")
        lines += [_md_table(t, index="task"), ""]
    for metric in ("spearman", "kendall_tau"):
        m = proxy_matrix(table, metric, tasks=order)
        if m.empty:
            continue
        name = metric.replace("_", " ").title()
        lines += [
            f"## (a) Zero-cost proxies: {name} with the target (tasks x proxies)",
            "",
            "Stored proxies over all labelled architectures of the task, computed ones over "
            "a seeded sample; – : the task has no score of the proxy.",
            "",
            _md_table(m, index="task"),
            "",
        ]
    m = proxy_matrix(table, "spearman", tasks=order)
    nans = _nan_scores(table, order)
    if not m.empty and nans:
        lines += [
            "NaN scores (a proxy undefined for a network), taken as the study's "
            "metrics.nan_policy says (by default 'worst': ranked last): " + "; ".join(nans) + ".",
            "",
        ]
    failed = _errors_of(errors, meta)
    if not m.empty:
        crashed = [
            (t, label) for (t, label, _), k in _crashes(failed, table).items() if k == "proxy"
        ]
        pr = _proxy_rank_table(proxy_ranks(m, crashed=crashed))
        lines += [
            "### Proxies ranked among themselves on each task (by Spearman), mean over tasks",
            "",
            _md_table(pr, index="proxy"),
            "",
            *_pool_lines(pr, "proxies"),
            *([_PROXY_CRASH_NOTE, ""] if pr["mean_rank"].str.endswith(" †").any() else []),
        ]
    if not preds.empty:
        scores = predictor_scores(table)
        full = int(scores["seeds"].max())  # the seeds a trial set asks for, where none failed
        piv = scores.pivot_table(index="label", columns="n_train", values="kendall_tau")
        cnt = scores.pivot_table(index="label", columns="n_train", values="task", aggfunc="nunique")
        fewest = scores.pivot_table(index="label", columns="n_train", values="seeds", aggfunc="min")
        marked = _with_seed_marks(piv, fewest, full, 3)
        cells = marked + " (" + cnt.fillna(0).astype(int).astype(str) + ")"
        cells.columns = [f"n={c}" for c in cells.columns]
        short = bool(scores["seeds"].lt(full).any())
        lines += [
            "## (b) Predictors: Kendall tau, mean over tasks (number of tasks)",
            "",
            _md_table(cells, index="predictor"),
            "",
            *([_SEED_NOTE, ""] if short else []),
        ]
        sizes = sorted(set(scores["n_train"]) - {0})
        ref = 100 if 100 in sizes else (sizes[-1] if sizes else None)
        if ref is not None:
            at_ref = scores[scores["n_train"] == ref]
            at = at_ref.pivot_table(index="task", columns="label", values="kendall_tau")
            at = at.reindex(_order(at.index, order))
            seeds = at_ref.pivot_table(index="task", columns="label", values="seeds")
            lines += [
                f"### Kendall tau per task at n = {ref} (mean over {full} seeds)",
                "",
                _md_table(_with_seed_marks(at, seeds, full, 2), index="task"),
                "",
            ]
        rp = _rank_pivot(mean_ranks(table, with_proxies=False, errors=failed))
        ra = _rank_pivot(mean_ranks(table, with_proxies=True, errors=failed))
        lines += [
            "## (c) Mean rank across tasks (Kendall tau; 1 = best, ties averaged)",
            "",
            "Among the predictors, per training size and over all sizes:",
            "",
            _md_table(rp, index="method"),
            "",
            *_pool_lines(rp),
        ]
        if not ra.empty and len(ra) > len(rp):
            lines += [
                "Among predictors and proxies together (a proxy enters every training size "
                "with its one score):",
                "",
                _md_table(ra, index="method"),
                "",
                *_pool_lines(ra),
            ]
        lines += _rank_notes(rp, ra)
    skipped = suite.get("skipped", [])
    if skipped:
        lines += ["## Skipped", ""]
        by = pd.DataFrame(skipped).groupby(["label", "reason"])["task"].apply(list)
        for (label, reason), tasks in by.items():
            lines.append(f"* `{label}` on {len(tasks)} task(s) ({', '.join(tasks)}): {reason}")
        lines.append("")
    if errors:
        lines += [f"## Failed trials ({len(errors)}; rerun to retry)", ""]
        for e in list(errors)[:20]:
            what = _trial_words(e.get("trial") or {})
            lines.append(
                f"* {what + ' ' if what else ''}(`{e['hash'][:12]}`): "
                f"{str(e['error']).splitlines()[0]}"
            )
        if len(errors) > 20:
            lines.append(f"* ... and {len(errors) - 20} more")
        lines.append("")
    return "\n".join(lines)


def _nan_scores(table: pd.DataFrame, order: Sequence[str] | None = None) -> list[str]:
    """``"jacov 341 of 15,625 on nb201/cifar10"`` for every proxy row with NaN scores (the
    rows record them; the tables had not said that they were ranked last), by task in
    ``order`` (the plans'), then by proxy: not in the rows' order, which differs between
    a run's table and the folder's."""
    proxies, _ = _split(table)
    if proxies.empty or "n_nan_predictions" not in proxies.columns:
        return []
    nan = proxies[pd.to_numeric(proxies["n_nan_predictions"], errors="coerce").fillna(0) > 0]
    rank = {t: i for i, t in enumerate(_order(nan["task"], order))}
    nan = nan.assign(_rank=nan["task"].map(rank)).sort_values(["_rank", "label"], kind="stable")
    out = []
    for _, r in nan.iterrows():
        of = f" of {int(r['n']):,}" if "n" in r.index and pd.notna(r["n"]) else ""
        out.append(f"{r['label']} {int(r['n_nan_predictions']):,}{of} on {r['task']}")
    return out


def _trial_words(trial: Mapping[str, Any]) -> str:
    """A failed trial as a reader finds it in the tables: ``xgb on nb201/cifar10, n = 20,
    seed 1`` (the hash alone had named it)."""
    label = trial.get("label") or trial.get("predictor") or trial.get("proxy")
    if not label:
        return ""
    budget = trial.get("budget")
    words = [f"`{label}@{budget}`" if budget else f"`{label}`"]
    task = trial.get("task") or (
        f"{trial.get('benchmark') or trial.get('space')}/{trial.get('dataset')}"
        if trial.get("dataset")
        else None
    )
    if task:
        words[0] += f" on {task}"
    if trial.get("n_train"):
        words.append(f"n = {trial['n_train']}")
    if trial.get("seed") is not None:
        words.append(f"seed {trial['seed']}")
    return ", ".join(words)


def _with_seed_marks(values: pd.DataFrame, seeds: pd.DataFrame, full: int, digits: int) -> Any:
    """``values`` as text, a cell over fewer than ``full`` seeds marked ``†`` (a trial of it
    failed: its mean is over the seeds that ran, the others' over all of them)."""
    text = values.map(lambda v: _fmt(v, digits))
    short = seeds.reindex_like(values).lt(full).fillna(False)
    return text.where(~short, text + " †")


_SEED_NOTE = (
    "† over fewer seeds than the others: a trial failed (see Failed trials); the mean is over "
    "the seeds that ran, and the mean ranks compare it with each other predictor on the seeds "
    "both ran."
)


def write_report(
    folder: str | Path, *, table: pd.DataFrame | None = None, out: str | Path | None = None
) -> list[Path]:
    """Write a suite's report: ``suite_proxies_heatmap.png``, ``suite_predictor_ranks.png``
    and ``summary.md``.

    By default (``out`` None, or ``folder/plots``) the images go to ``folder/plots`` and
    the summary to ``folder/summary.md``, linking ``plots/<image>``. Given another ``out``,
    all three go to ``out`` (the summary linking the images beside it) and nothing is
    written in ``folder``: ``nasperf plot RESULTS --out DIR`` writes only under ``DIR``.

    The report describes the trials of the config ``meta.json`` records, the latest run's
    (:func:`report_rows`; of ``table``, default every row of ``folder``), and says how many
    other configs' trials the folder holds: the run's own report and ``nasperf plot``'s
    are one ``summary.md``, byte for byte.

    Returns
    -------
    list of Path
        The files written, the summary last.
    """
    from .store import ResultsStore, read_meta, read_results

    folder = as_path(folder, "folder")
    out = as_optional_path(out, "out")
    if table is None:
        table = read_results(folder, kind="study")
    meta = read_meta(folder)
    table = report_rows(table, meta)
    with ResultsStore(folder) as store:
        done = set(table["hash"]) if "hash" in table.columns else set()
        others = len(store.finished() - done)
        errors = [e for e in store.errors() if e["hash"] not in done]
    errors = list({e["hash"]: e for e in errors}.values())
    default = folder / "plots"
    out = Path(out) if out is not None else default
    out.mkdir(parents=True, exist_ok=True)
    summary = folder / SUMMARY_NAME if out.resolve() == default.resolve() else out / SUMMARY_NAME
    suite = meta.get("suite") or {}
    order = [p["task"] for p in suite.get("plans", [])] or None
    plots: list[Path] = []
    m = proxy_matrix(table, "spearman", tasks=order)
    if not m.empty:
        plots.append(plot_proxy_heatmap(m, out / HEATMAP_NAME))
    _, preds = _split(table)
    if not preds.empty:
        plots.append(
            plot_ranks(
                mean_ranks(table, with_proxies=False, errors=_errors_of(errors, meta)),
                mean_ranks(table, with_proxies=True, errors=_errors_of(errors, meta)),
                out / RANKS_NAME,
            )
        )
    text = summary_markdown(
        table,
        suite=suite,
        meta=meta,
        errors=errors,
        plots=plots,
        links_from=summary.parent,
        other_trials=others,
    )
    summary.write_text(text + "\n", encoding="utf-8")
    return [*plots, summary]
