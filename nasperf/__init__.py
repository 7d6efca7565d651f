"""nasperf: performance prediction for neural architecture search."""

from __future__ import annotations

from .datasets import (
    LearningCurves,
    available_benchmarks,
    available_tasks,
    benchmark_metadata,
    fidelities,
    get_curve_source,
    load_benchmark,
    load_image_batch,
    load_target,
    read_architecture_csv,
    read_naslib_zc,
    register_benchmark,
)
from .errors import DataIntegrityError, IncompatibleVersionError, InvalidArchitectureError
from .registry import Registry, UnknownNameError
from .spaces import get_space

__version__ = "0.1.0"

__all__ = [
    "DataIntegrityError",
    "IncompatibleVersionError",
    "LearningCurves",
    "get_curve_source",
    "InvalidArchitectureError",
    "Registry",
    "UnknownNameError",
    "__version__",
    "available_benchmarks",
    "available_tasks",
    "benchmark_metadata",
    "fidelities",
    "get_space",
    "load_benchmark",
    "load_image_batch",
    "load_target",
    "read_architecture_csv",
    "read_naslib_zc",
    "register_benchmark",
]

_SUBMODULES = (
    "datasets",
    "encodings",
    "evaluation",
    "predictors",
    "pretrained",
    "spaces",
    "zero_cost",
)


def __getattr__(name: str):
    # ``nasperf.zero_cost.score(...)`` etc. after a plain ``import nasperf``, without paying
    # for every sub-package at import time.
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
