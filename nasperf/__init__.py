"""nasperf: performance prediction for neural architecture search.

``import nasperf`` is cheap: the names below are resolved on first use (PEP 562), so torch,
pandas and scikit-learn load only when something needs them (``nasperf --help`` needs none).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    DataFileNotFoundError,
    DataIntegrityError,
    IncompatibleVersionError,
    InvalidArchitectureError,
    StudyNote,
)
from .registry import Registry, UnknownNameError

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
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
    from .spaces import get_space

__version__ = "0.1.0"

#: public name -> sub-package that defines it (imported on first access)
_LAZY: dict[str, str] = {
    "LearningCurves": "datasets",
    "available_benchmarks": "datasets",
    "available_tasks": "datasets",
    "benchmark_metadata": "datasets",
    "fidelities": "datasets",
    "get_curve_source": "datasets",
    "load_benchmark": "datasets",
    "load_image_batch": "datasets",
    "load_target": "datasets",
    "read_architecture_csv": "datasets",
    "read_naslib_zc": "datasets",
    "register_benchmark": "datasets",
    "get_space": "spaces",
}

_SUBMODULES = (
    "datasets",
    "encodings",
    "evaluation",
    "predictors",
    "pretrained",
    "search",
    "spaces",
    "zero_cost",
)

__all__ = [
    "DataFileNotFoundError",
    "DataIntegrityError",
    "IncompatibleVersionError",
    "InvalidArchitectureError",
    "Registry",
    "StudyNote",
    "UnknownNameError",
    "LearningCurves",
    "__version__",
    "available_benchmarks",
    "available_tasks",
    "benchmark_metadata",
    "fidelities",
    "get_curve_source",
    "get_space",
    "load_benchmark",
    "load_image_batch",
    "load_target",
    "read_architecture_csv",
    "read_naslib_zc",
    "register_benchmark",
]


def __getattr__(name: str) -> Any:
    # ``nasperf.load_benchmark(...)`` or ``nasperf.zero_cost.score(...)`` after a plain
    # ``import nasperf``, without paying for every sub-package at import time.
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
