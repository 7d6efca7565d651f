"""Predictor-guided neural architecture search, simulated on benchmarks.

>>> history = nasperf.search.run("regularized_evolution", benchmark="nb201", budget=100, seed=0)

Optimizers are registered by name (``available()``, ``get(name, **params)``); each is one
module of this package. :func:`run` simulates a search (queries charged the benchmark's
training time and the optimizer's measured overhead) and returns its full history.
"""

from __future__ import annotations

from typing import Any

from nasperf.registry import Registry, _import_family

from .base import Context, Optimizer, Query
from .objective import CurveObjective, Objective, TableObjective, get_objective

OPTIMIZERS: Registry = Registry("optimizer")


def register(name: str, *aliases: str):
    """Class decorator: register an :class:`Optimizer` under ``name`` (sets ``cls.name``)."""

    def decorator(cls):
        cls.name = name
        OPTIMIZERS.register(name, *aliases)(cls)
        return cls

    return decorator


def get(name: str, **params: Any) -> Optimizer:
    """A new optimizer ``name`` with ``params`` (unknown names / parameters are errors)."""
    cls = OPTIMIZERS.get(name)
    try:
        return cls(**params)
    except TypeError as err:
        raise ValueError(f"optimizer {name!r}: {err}") from None


def available() -> list[str]:
    """Names of the registered optimizers."""
    return sorted(OPTIMIZERS.names(aliases=False))


_import_family(__name__, __path__)

from .run import HISTORY_COLUMNS, run  # noqa: E402

__all__ = [
    "HISTORY_COLUMNS",
    "OPTIMIZERS",
    "Context",
    "CurveObjective",
    "Objective",
    "Optimizer",
    "Query",
    "TableObjective",
    "available",
    "get",
    "get_objective",
    "register",
    "run",
]
