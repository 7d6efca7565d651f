"""Benchmark tables, fidelities, readers for users' data, image batches and surrogates.

* :func:`load_benchmark` / :func:`load_target`: tabular benchmarks (NAS-Bench-201 on
  CIFAR-10, CIFAR-100, ImageNet16-120; TransNAS-Bench-101 micro and macro on 7 Taskonomy
  tasks) indexed by architecture text, with fidelities; :func:`benchmark_metadata`: each
  table's target metric, direction, size and side information.
* :func:`read_naslib_zc`, :func:`read_architecture_csv`, :func:`read_zero_cost_table`:
  users' own architecture data and proxy scores;
  :func:`target_sign`: whether their target is maximised or (a loss) minimised.
* :func:`load_zero_cost`: precomputed zero-cost proxy tables (side information).
* :func:`load_image_batch`: CIFAR minibatches for data-dependent zero-cost proxies.
* :func:`load_graph`: the Cora and CiteSeer graphs for zero-cost proxies of graph networks.
* ``nasperf.datasets.nb301_surrogate``: the NAS-Bench-301 learning-curve surrogate.
* :func:`get_curve_source`: learning curves of NB301 (surrogate), LCBench (surrogate) and
  NB201 (two real fidelities) behind one interface, as :class:`LearningCurves`; the
  ``nb301_surrogate`` benchmark tabulates NB301 curves for studies over epoch budgets.

Packaged files are verified against ``data/MANIFEST.json`` (sha256) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
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
        epoch_fraction,
        epochs_in_name,
        fidelities,
        get_benchmark,
        load_benchmark,
        load_target,
        match_fidelity,
        register_benchmark,
    )
    from .curve_benchmark import (
        CurveBenchmark,
    )
    from .curve_sources import (
        CURVE_SOURCES,
        CurveSource,
        available_curve_sources,
        get_curve_source,
    )
    from .curves import (
        LearningCurves,
        as_learning_curves,
    )
    from .direction import looks_minimised, negate_columns, target_sign
    from .graphs import GRAPH_FILES, load_graph, read_graph_npz
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
    from .lcbench_surrogate import (
        LCBenchConfig,
        LCBenchSurrogate,
    )
    from .nb301_surrogate import (
        NB301Surrogate,
    )
    from .nbsuite_zero import (
        NBSUITE_ZERO_SPACES,
    )
    from .package_data import (
        data_path,
        data_root,
        packaged_files,
    )
    from .readers import (
        NASLIB_SPACE_NAMES,
        read_architecture_csv,
        read_naslib_zc,
        read_zero_cost_table,
    )
    from .tnb101 import (
        TNB101_TASK_INFO,
    )
    from .zero_cost_tables import (
        available_zero_cost,
        load_zero_cost,
        zero_cost_settings,
    )

# Every name is imported from its module on first use (PEP 562):
# `nasperf.datasets.package_data` (checkpoints, manifests) needs neither pandas nor torch,
# and the NB301 surrogate (onnxruntime) loads only when asked for.
_LAZY: dict[str, str] = {
    "BENCHMARKS": "benchmark",
    "Benchmark": "benchmark",
    "CURVE_SOURCES": "curve_sources",
    "CurveBenchmark": "curve_benchmark",
    "CurveSource": "curve_sources",
    "Fidelity": "benchmark",
    "GRAPH_FILES": "graphs",
    "IMAGE_STATS": "images",
    "ImageSet": "images",
    "LCBenchConfig": "lcbench_surrogate",
    "LCBenchSurrogate": "lcbench_surrogate",
    "LearningCurves": "curves",
    "NASLIB_SPACE_NAMES": "readers",
    "NB301Surrogate": "nb301_surrogate",
    "NBSUITE_ZERO_SPACES": "nbsuite_zero",
    "PackagedBenchmark": "benchmark",
    "RestrictedUnpickler": "images",
    "TNB101_TASK_INFO": "tnb101",
    "UnsafePickleError": "images",
    "as_learning_curves": "curves",
    "available_benchmarks": "benchmark",
    "available_tasks": "benchmark",
    "available_curve_sources": "curve_sources",
    "available_zero_cost": "zero_cost_tables",
    "benchmark_datasets": "benchmark",
    "benchmark_metadata": "benchmark",
    "clear_cache": "benchmark",
    "epoch_fraction": "benchmark",
    "epochs_in_name": "benchmark",
    "data_path": "package_data",
    "data_root": "package_data",
    "fidelities": "benchmark",
    "get_benchmark": "benchmark",
    "get_curve_source": "curve_sources",
    "load_benchmark": "benchmark",
    "load_graph": "graphs",
    "load_image_batch": "images",
    "load_image_set": "images",
    "load_target": "benchmark",
    "match_fidelity": "benchmark",
    "load_zero_cost": "zero_cost_tables",
    "looks_minimised": "direction",
    "negate_columns": "direction",
    "normalize_images": "images",
    "packaged_files": "package_data",
    "read_architecture_csv": "readers",
    "read_cifar_binary": "images",
    "read_cifar_python": "images",
    "read_graph_npz": "graphs",
    "read_image_npz": "images",
    "read_images": "images",
    "read_naslib_zc": "readers",
    "read_zero_cost_table": "readers",
    "register_benchmark": "benchmark",
    "target_sign": "direction",
    "zero_cost_settings": "zero_cost_tables",
}
_SUBMODULES = ("nb301_surrogate", "lcbench_surrogate")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})


__all__ = [
    "BENCHMARKS",
    "CURVE_SOURCES",
    "CurveBenchmark",
    "CurveSource",
    "GRAPH_FILES",
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
    "epoch_fraction",
    "epochs_in_name",
    "benchmark_metadata",
    "clear_cache",
    "data_path",
    "data_root",
    "fidelities",
    "get_benchmark",
    "get_curve_source",
    "load_benchmark",
    "load_graph",
    "load_image_batch",
    "load_image_set",
    "load_target",
    "load_zero_cost",
    "match_fidelity",
    "looks_minimised",
    "negate_columns",
    "normalize_images",
    "packaged_files",
    "read_architecture_csv",
    "read_cifar_binary",
    "read_cifar_python",
    "read_graph_npz",
    "read_image_npz",
    "read_images",
    "read_naslib_zc",
    "read_zero_cost_table",
    "register_benchmark",
    "target_sign",
    "zero_cost_settings",
]
