"""Predictor-guided neural architecture search, simulated on benchmarks.

>>> import nasperf
>>> history = nasperf.search.run("regularized_evolution", benchmark="nb201", budget=30, seed=0)
>>> len(history), history.attrs["cost_unit"]        # one row per query; time in seconds
(30, 's')
>>> print(*history.columns)
query arch fidelity value repeat train_cost_s overhead_s sim_time_s wall_time_s best_value regret

Optimizers are registered by name (``available()``, ``get(name, **params)``); each is one
module of this package. :func:`run` simulates a search (queries charged the benchmark's
training time and the optimizer's measured overhead) and returns its full history.
"""

from __future__ import annotations

from nasperf.registry import _import_family

from .base import OPTIMIZERS, Context, Optimizer, Query, available, get, register
from .objective import (
    CurveObjective,
    Objective,
    ObjectiveChoiceError,
    TableObjective,
    get_objective,
    objective_label,
)

_import_family(__name__, __path__)

from .run import HISTORY_COLUMNS, run  # noqa: E402  (after the optimizers registered)

__all__ = [
    "HISTORY_COLUMNS",
    "OPTIMIZERS",
    "Context",
    "CurveObjective",
    "Objective",
    "ObjectiveChoiceError",
    "Optimizer",
    "Query",
    "TableObjective",
    "available",
    "get",
    "get_objective",
    "objective_label",
    "register",
    "run",
]
