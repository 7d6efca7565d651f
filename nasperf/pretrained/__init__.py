"""Pre-trained predictors shipped with the package, and fast screening with them.

>>> import nasperf
>>> nasperf.pretrained.available()              # name, space, dataset, encoding, data, metrics
>>> ckpt = nasperf.pretrained.load("nb201-cifar10-tree")
>>> ckpt.predict(["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|..."])
>>> nasperf.pretrained.screen(ckpt, "candidates.txt", top=100, out="ranked.csv")

From the shell: ``nasperf screen --checkpoint NAME --archs FILE [--top K] [--out FILE]``.

Checkpoints are built by ``scripts/build_pretrained.py`` from packaged data with fixed seeds,
stored in safe formats and verified against the package's sha256 manifest on load; see
:mod:`nasperf.pretrained.checkpoint` for what each one records and the checks made on load,
and :mod:`nasperf.pretrained.screening` for the input formats.
"""

from __future__ import annotations

from .checkpoint import (
    AVAILABLE_COLUMNS,
    CHECKPOINT_FORMAT,
    Checkpoint,
    available,
    available_rows,
    info,
    load,
)
from .screening import BadEntry, ScreenResult, WrongSpaceError, read_architectures, screen

__all__ = [
    "AVAILABLE_COLUMNS",
    "CHECKPOINT_FORMAT",
    "BadEntry",
    "Checkpoint",
    "ScreenResult",
    "WrongSpaceError",
    "available",
    "available_rows",
    "info",
    "load",
    "read_architectures",
    "screen",
]
