"""What a search queries: a benchmark that returns an architecture's value and its cost.

An :class:`Objective` simulates training: ``evaluate(archs, fidelity)`` returns the value the
benchmark recorded (or its surrogate predicts) and the training seconds it would have cost.
Fidelities are named (cheapest first; the last one is the full training run, the one whose
value is the search objective).

* :class:`TableObjective`: a table indexed by architecture text, one value column per
  fidelity and a full-training cost column (``train_time_s``), cheaper fidelities charged
  ``epochs / full epochs`` of it. :meth:`TableObjective.from_benchmark` builds one from a
  registered benchmark (NAS-Bench-201: ``12ep`` and ``200ep``); a user's table works the same.
* :class:`CurveObjective`: a learning-curve source (NAS-Bench-301's surrogate), any epoch
  being a fidelity, charged the surrogate's predicted runtime to that epoch.

:func:`get_objective` resolves a benchmark name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nasperf.spaces import SearchSpace

__all__ = ["CurveObjective", "Objective", "TableObjective", "get_objective"]


class Objective(ABC):
    """A simulated training run (see the module docstring).

    Attributes
    ----------
    space : SearchSpace
    fidelities : tuple of str
        Cheapest first; the last is the full run (the search objective).
    name : str
    """

    space: SearchSpace
    fidelities: tuple[str, ...]
    name: str = ""
    #: Whether the fidelities are points of one training run, so that training to a higher
    #: fidelity can continue from a lower one (charged the difference of their costs).
    continues: bool = False

    @property
    def full(self) -> str:
        """The full-training fidelity (the search objective)."""
        return self.fidelities[-1]

    def resolve(self, fidelity: str | None) -> str:
        """``fidelity`` checked against :attr:`fidelities` (None: the full run)."""
        if fidelity is None:
            return self.full
        if fidelity not in self.fidelities:
            raise ValueError(
                f"{self.name}: unknown fidelity {fidelity!r}; available: "
                f"{', '.join(self.fidelities)}"
            )
        return fidelity

    @abstractmethod
    def evaluate(
        self, archs: Sequence[Any], fidelity: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values (higher is better) and training seconds of ``archs`` at ``fidelity``."""

    def epochs(self, fidelity: str | None = None) -> int | None:
        """Training epochs of ``fidelity``, where known."""
        return None

    def candidates(self) -> list | None:
        """Every architecture the objective knows (a tabular benchmark), else None."""
        return None

    def optimum(self) -> tuple[str, float] | None:
        """The best architecture text and value at the full fidelity, if known."""
        return None

    def table_values(self, fidelity: str | None = None) -> pd.Series | None:
        """Every architecture's value at ``fidelity`` (a tabular benchmark), else None."""
        return None


class TableObjective(Objective):
    """A tabular benchmark as an objective.

    Parameters
    ----------
    table : DataFrame
        Indexed by architecture text (``space.to_string``).
    space : str or SearchSpace
    columns : mapping fidelity -> column
        Value column of each fidelity, cheapest first (insertion order); the last is the full
        run.
    cost_column : str, optional
        Seconds of the full training run; None charges no time (queries only).
    epochs : mapping fidelity -> int, optional
        Epochs per fidelity; a cheaper fidelity is charged ``epochs / full epochs`` of the
        cost column.
    name : str
    continues : bool
        The fidelities are epochs of one training run (a query resuming from a cheaper
        fidelity is charged the difference); False for NAS-Bench-201, whose 12-epoch
        results come from a separate, shorter schedule.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        space: Any,
        columns: Mapping[str, str],
        *,
        cost_column: str | None = "train_time_s",
        epochs: Mapping[str, int] | None = None,
        name: str = "table",
        continues: bool = False,
    ) -> None:
        from nasperf.encodings import resolve_space

        self.space = resolve_space(space)
        self.name = name
        self.continues = bool(continues)
        if not columns:
            raise ValueError("columns: at least one fidelity -> column is needed")
        missing = [c for c in columns.values() if c not in table.columns]
        if cost_column is not None and cost_column not in table.columns:
            missing.append(cost_column)
        if missing:
            raise ValueError(f"{name}: the table has no column(s) {missing}")
        self.fidelities = tuple(columns)
        self._columns = dict(columns)
        self._epochs = dict(epochs or {})
        self._values = {
            f: pd.to_numeric(table[c], errors="coerce").to_numpy(np.float64)
            for f, c in columns.items()
        }
        self._cost = (
            None
            if cost_column is None
            else pd.to_numeric(table[cost_column], errors="coerce").to_numpy(np.float64)
        )
        self._index = pd.Index(table.index)
        if not self._index.is_unique:
            raise ValueError(f"{name}: the table has duplicate architectures")

    @classmethod
    def from_benchmark(
        cls, benchmark: str = "nb201", dataset: str = "cifar10", *, target: str | None = None
    ) -> TableObjective:
        """The objective of a registered benchmark: its fidelities up to ``target``."""
        from nasperf.datasets import get_benchmark, load_benchmark

        bench = get_benchmark(benchmark)
        table = load_benchmark(bench.name, dataset)
        tfid = bench.resolve_fidelity(target)
        fids = bench.fidelities[: bench.fidelities.index(tfid) + 1]
        return cls(
            table,
            bench.space,
            {f.name: f.column for f in fids},
            cost_column="train_time_s" if "train_time_s" in table.columns else None,
            epochs={f.name: f.epochs for f in fids if f.epochs},
            name=f"{bench.name}/{bench.resolve_dataset(dataset)}",
        )

    def epochs(self, fidelity: str | None = None) -> int | None:
        return self._epochs.get(self.resolve(fidelity))

    def _rows(self, archs: Sequence[Any]) -> np.ndarray:
        keys = [a if isinstance(a, str) else self.space.to_string(a) for a in archs]
        rows = self._index.get_indexer(keys)
        if (rows < 0).any():
            bad = keys[int(np.flatnonzero(rows < 0)[0])]
            raise KeyError(f"{self.name}: architecture not in the table: {bad}")
        return rows

    def evaluate(self, archs, fidelity=None):
        fid = self.resolve(fidelity)
        rows = self._rows(archs)
        values = self._values[fid][rows]
        if self._cost is None:
            return values, np.zeros(len(rows))
        frac = 1.0
        full_ep, ep = self._epochs.get(self.full), self._epochs.get(fid)
        if fid != self.full and full_ep and ep:
            frac = ep / full_ep
        return values, self._cost[rows] * frac

    def candidates(self) -> list:
        return list(self._index)

    def table_values(self, fidelity: str | None = None) -> pd.Series:
        return pd.Series(self._values[self.resolve(fidelity)], index=self._index)

    def optimum(self) -> tuple[str, float]:
        v = self._values[self.full]
        i = int(np.nanargmax(v))
        return str(self._index[i]), float(v[i])


class CurveObjective(Objective):
    """A learning-curve source (e.g. NAS-Bench-301's surrogate) as an objective.

    Fidelities are epoch counts (``"1ep"`` .. ``"98ep"``); values are validation accuracy at
    that epoch, costs the source's runtime to reach it. They are points of one training run
    (``continues``): a query resuming from a lower epoch is charged the difference.
    """

    continues = True

    def __init__(self, source: str = "nb301", **options: Any) -> None:
        from nasperf.datasets import get_curve_source
        from nasperf.spaces import get_space

        self.source = get_curve_source(source, **options)
        if self.source.space is None:
            raise ValueError(f"curve source {source!r} has no search space to search")
        self.space = get_space(self.source.space)
        self.name = f"{source} (learning curves)"
        self.fidelities = tuple(f"{e}ep" for e in self.source.epochs)

    def epochs(self, fidelity=None) -> int:
        return int(self.resolve(fidelity)[:-2])

    def evaluate(self, archs, fidelity=None):
        e = self.epochs(fidelity)
        curves = self.source.curves(list(archs), upto=e)
        values = curves.get(self.source.target)[:, -1]
        cost = np.full(len(archs), np.nan) if curves.cost is None else curves.cost
        return values, cost


def get_objective(benchmark: str = "nb201", dataset: str = "cifar10", **options: Any) -> Objective:
    """An objective by name: a registered tabular benchmark (``nb201``) or ``nb301`` (the
    NAS-Bench-301 surrogate's learning curves)."""
    from nasperf.datasets import available_benchmarks

    if benchmark in ("nb301", "nb301_curves"):
        return CurveObjective("nb301", **options)
    if benchmark in available_benchmarks():
        return TableObjective.from_benchmark(benchmark, dataset, **options)
    raise ValueError(
        f"unknown search benchmark {benchmark!r}; available: nb301, "
        f"{', '.join(available_benchmarks())}"
    )
