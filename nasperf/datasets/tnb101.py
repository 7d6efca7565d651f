"""TransNAS-Bench-101 as tabular benchmarks: ``tnb101_micro`` and ``tnb101_macro``.

Each covers seven Taskonomy tasks (the datasets ``class_scene``, ``class_object``,
``room_layout``, ``jigsaw``, ``segmentsemantic``, ``normal``, ``autoencoder``) on the
architectures of NAS-Bench-Suite-Zero (NASLib's zero-cost release): 711 micro cells on every
task; 662 macro architectures on the two classification tasks and 725 on the others.

Columns (per task)
------------------
index ``arch``
    TransNAS-Bench-101 architecture string (``64-41414-1_02_333``, ``64-4141-basic``).
``naslib_key`` (str)
    NASLib's op-index tuple, e.g. ``"(1, 0, 2, 3, 3, 3)"``.
``val_metric`` (float32)
    The task's validation metric after the benchmark's full training schedule, oriented so
    that higher is better (see :data:`TNB101_TASK_INFO`: top-1 accuracy, pixel accuracy,
    SSIM, or the negated L2 loss of ``room_layout``).
``mflops``, ``mparams`` (float64)
    FLOPs (millions, NASLib's counting; the jigsaw encoder counted once) and parameters
    (millions) of the network, as stored by NASLib and reproduced exactly by
    ``nasperf.get_space("tnb101_micro").complexity(arch, task)``.

The 11 zero-cost proxy scores NASLib stored with them are the packaged zero-cost tables
``load_zero_cost("tnb101_micro", "class_scene")`` etc. (NASLib's failure value ``-1e8`` read
as NaN; a proxy that failed on every architecture of a task is left out, see their
``attrs["settings"]``).

References
----------
Duan et al., "TransNAS-Bench-101: Improving Transferability and Generalizability of
Cross-Task Neural Architecture Search", CVPR 2021. Krishnakumar et al.,
"NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies", NeurIPS 2022.
"""

from __future__ import annotations

from typing import Any

from .benchmark import Fidelity, PackagedBenchmark, register_benchmark

__all__ = ["TNB101_COLUMNS", "TNB101_TASKS", "TNB101_TASK_INFO"]

#: The tasks, in TransNAS-Bench-101's order.
TNB101_TASKS: tuple[str, ...] = (
    "class_scene",
    "class_object",
    "room_layout",
    "jigsaw",
    "segmentsemantic",
    "normal",
    "autoencoder",
)
TNB101_COLUMNS: tuple[str, ...] = ("naslib_key", "val_metric", "mflops", "mparams")

_ACCURACY = "top-1 accuracy (%)"
#: What ``val_metric`` measures on each task (``source``: the TransNAS-Bench-101 metric
#: NASLib reads as its validation accuracy). Every target is oriented higher-is-better.
TNB101_TASK_INFO: dict[str, dict[str, Any]] = {
    "class_scene": {
        "metric": _ACCURACY,
        "higher_is_better": True,
        "source": "valid_top1",
        "task": "scene classification over 63 Places365 classes (soft labels)",
    },
    "class_object": {
        "metric": _ACCURACY,
        "higher_is_better": True,
        "source": "valid_top1",
        "task": "object classification over 100 ImageNet classes (soft labels)",
    },
    "room_layout": {
        "metric": "negated L2 (MSE) loss",
        "higher_is_better": True,
        "source": "valid_neg_loss",
        "task": "room layout regression (9 parameters)",
        "note": "stored negated: the validation loss is -val_metric",
    },
    "jigsaw": {
        "metric": _ACCURACY,
        "higher_is_better": True,
        "source": "valid_top1",
        "task": "jigsaw puzzle: which of 1,000 permutations of 9 tiles",
    },
    "segmentsemantic": {
        "metric": "pixel accuracy (%)",
        "higher_is_better": True,
        "source": "valid_acc",
        "task": "semantic segmentation (17 classes)",
    },
    "normal": {
        "metric": "SSIM",
        "higher_is_better": True,
        "source": "valid_ssim",
        "task": "surface normal estimation (image to image)",
    },
    "autoencoder": {
        "metric": "SSIM",
        "higher_is_better": True,
        "source": "valid_ssim",
        "task": "autoencoding (image reconstruction)",
    },
}

_FINAL = Fidelity(
    "final",
    "val_metric",
    None,
    "the task's validation metric after the full schedule, higher is better",
)


def _files(space: str) -> dict[str, str]:
    return {task: f"tnb101/{space}_{task}.parquet" for task in TNB101_TASKS}


for _space in ("micro", "macro"):
    register_benchmark(
        PackagedBenchmark(
            name=f"tnb101_{_space}",
            space=f"tnb101_{_space}",
            files=_files(_space),
            fidelities=(_FINAL,),
            dataset_aliases={"surface_normal": "normal", "segment_semantic": "segmentsemantic"},
            columns=TNB101_COLUMNS,
            n_rows=711 if _space == "micro" else None,
            dataset_info=TNB101_TASK_INFO,
        ),
        f"transbench101_{_space}",
        f"transnas-bench-101-{_space}",
    )
