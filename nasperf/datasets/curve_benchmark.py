"""A learning-curve source as a benchmark table, so studies can vary the epoch budget.

:class:`CurveBenchmark` samples a fixed, seeded set of architectures from a
:class:`~nasperf.datasets.curve_sources.CurveSource` and tabulates every metric at every
epoch (columns ``{metric}_{e}ep``), with one :class:`~nasperf.datasets.benchmark.Fidelity`
per epoch. A study's budget ``"10ep"`` then hands learning-curve predictors the partial
curve of epochs 1..10 (every metric), and the target is the final epoch's validation
accuracy, as in White et al. (2021)'s query-time axis.

Registered: ``nb301_surrogate`` (3,000 DARTS genotypes drawn with seed 0 from the
``nb301`` space, curves from YAHPO Gym's NAS-Bench-301 surrogate; dataset ``cifar10``).
The table is computed on first use in a process (a few seconds) and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .benchmark import Benchmark, Fidelity, register_benchmark

__all__ = ["CurveBenchmark"]


@dataclass(repr=False)
class CurveBenchmark(Benchmark):
    """A benchmark tabulated from a curve source (see the module docstring).

    Parameters
    ----------
    name : str
        Registry name.
    source : str
        Registered curve source (``nasperf.datasets.curve_sources``).
    dataset : str
        The one dataset name the source's curves belong to.
    n_archs : int
        Architectures sampled (with ``seed``) into the table.
    seed : int
    source_options : dict
        Keyword arguments of the source.
    dataset_aliases : dict str -> str
        Other names accepted for ``dataset``, lower case (lookups lower-case the name
        given), each mapped to ``dataset``; e.g. ``{"cifar-10": "cifar10"}``. Default: none.

    The search space, the fidelities (one per epoch of the source) and the required columns
    are read from the source when the benchmark is created.
    """

    name: str
    source: str
    dataset: str
    n_archs: int = 3000
    seed: int = 0
    source_options: dict[str, Any] = field(default_factory=dict)
    dataset_aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .curve_sources import CURVE_SOURCES

        cls = CURVE_SOURCES.get(self.source)
        if cls.space is None:
            raise ValueError(
                f"curve source {self.source!r} has no search space; a benchmark table is "
                "indexed by architecture text"
            )
        self.space = cls.space
        self.fidelities = tuple(
            Fidelity(
                f"{e}ep",
                f"{cls.target}_{e}ep",
                e,
                f"{cls.target} after epoch {e} of {cls.epochs[-1]}",
                observed=tuple(f"{m}_{e}ep" for m in cls.metrics),
                metrics=tuple(cls.metrics),
            )
            for e in cls.epochs
        )
        self.columns = (*(c for f in self.fidelities for c in f.observed), "train_time_s")

    @property
    def datasets(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.dataset,)

    def read_table(self, dataset: str, *, root: str | Path | None = None) -> pd.DataFrame:
        from nasperf.spaces import get_space

        from .curve_sources import get_curve_source

        src = get_curve_source(self.source, **self.source_options)
        space = get_space(self.space)
        archs, seen = [], set()
        for a in src.sample(self.n_archs, seed=self.seed):
            key = space.to_string(a)
            if key not in seen:
                seen.add(key)
                archs.append(a)
        curves = src.curves(archs)
        cols: dict[str, np.ndarray] = {}
        for j, e in enumerate(curves.epochs):
            for m in curves.metrics:
                cols[f"{m}_{e}ep"] = curves.values[m][:, j].astype(np.float32)
        cols["train_time_s"] = (
            np.full(len(archs), np.nan) if curves.cost is None else curves.cost
        ).astype(np.float32)
        table = pd.DataFrame(cols, index=pd.Index([space.to_string(a) for a in archs], name="arch"))
        table.attrs["source"] = f"{self.source} (n={len(archs)}, seed={self.seed})"
        return table


NB301_SURROGATE = register_benchmark(
    CurveBenchmark(name="nb301_surrogate", source="nb301", dataset="cifar10"), "nb301_curves"
)
