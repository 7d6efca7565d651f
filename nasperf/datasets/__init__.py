"""Benchmark tables, fidelities, readers for users' data, image batches and surrogates.

* :func:`load_benchmark` / :func:`load_target`: tabular benchmarks (NAS-Bench-201 on
  CIFAR-10, CIFAR-100, ImageNet16-120; TransNAS-Bench-101 micro and macro on 7 Taskonomy
  tasks; NAS-Bench-Suite-Zero's 50 trained NB101 and NB301 cells) indexed by architecture
  text, with fidelities; :func:`benchmark_metadata`: each
  table's target metric, direction, size and side information.
* :func:`read_naslib_zc`, :func:`read_architecture_csv`: users' own architecture data.
* :func:`load_zero_cost`: precomputed zero-cost proxy tables (side information).
* :func:`load_image_batch`: CIFAR minibatches for data-dependent zero-cost proxies.
* ``nasperf.datasets.nb301_surrogate``: the NAS-Bench-301 learning-curve surrogate.
* :func:`get_curve_source`: learning curves of NB301 (surrogate), LCBench (surrogate) and
  NB201 (two real fidelities) behind one interface, as :class:`LearningCurves`; the
  ``nb301_surrogate`` benchmark tabulates NB301 curves for studies over epoch budgets.

Packaged files are verified against ``data/MANIFEST.json`` (sha256) on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .benchmark import (
    BENCHMARKS,
    Benchmark,
    Fidelity,
    PackagedBenchmark,
    available_benchmarks,
    available_tasks,
    benchmark_datasets,
    benchmark_metadata,
    clear_cache,
    fidelities,
    get_benchmark,
    load_benchmark,
    load_target,
    register_benchmark,
)
from .curve_benchmark import CurveBenchmark
from .curve_sources import (
    CURVE_SOURCES,
    CurveSource,
    available_curve_sources,
    get_curve_source,
)
from .curves import LearningCurves, as_learning_curves
from .images import (
    IMAGE_STATS,
    ImageSet,
    RestrictedUnpickler,
    UnsafePickleError,
    load_image_batch,
    load_image_set,
    normalize_images,
    read_cifar_binary,
    read_cifar_python,
    read_image_npz,
    read_images,
)
from .nbsuite_zero import NBSUITE_ZERO_SPACES
from .package_data import data_path, data_root, packaged_files
from .readers import NASLIB_SPACE_NAMES, read_architecture_csv, read_naslib_zc
from .tnb101 import TNB101_TASK_INFO
from .zero_cost_tables import available_zero_cost, load_zero_cost, zero_cost_settings

_LAZY = {
    "NB301Surrogate": "nb301_surrogate",
    "LCBenchSurrogate": "lcbench_surrogate",
    "LCBenchConfig": "lcbench_surrogate",
}


def __getattr__(name: str) -> Any:
    # The NB301 surrogate (onnxruntime) is imported on first use, not with the package.
    if name in ("nb301_surrogate", "lcbench_surrogate"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BENCHMARKS",
    "CURVE_SOURCES",
    "CurveBenchmark",
    "CurveSource",
    "LCBenchConfig",
    "LCBenchSurrogate",
    "LearningCurves",
    "IMAGE_STATS",
    "NASLIB_SPACE_NAMES",
    "Benchmark",
    "Fidelity",
    "ImageSet",
    "NB301Surrogate",
    "NBSUITE_ZERO_SPACES",
    "TNB101_TASK_INFO",
    "PackagedBenchmark",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "as_learning_curves",
    "available_benchmarks",
    "available_tasks",
    "available_curve_sources",
    "available_zero_cost",
    "benchmark_datasets",
    "benchmark_metadata",
    "clear_cache",
    "data_path",
    "data_root",
    "fidelities",
    "get_benchmark",
    "get_curve_source",
    "load_benchmark",
    "load_image_batch",
    "load_image_set",
    "load_target",
    "load_zero_cost",
    "normalize_images",
    "packaged_files",
    "read_architecture_csv",
    "read_cifar_binary",
    "read_cifar_python",
    "read_image_npz",
    "read_images",
    "read_naslib_zc",
    "register_benchmark",
    "zero_cost_settings",
]
