r"""Pre-trained predictors shipped with the package, and fast screening with them.

>>> import pathlib, tempfile
>>> import nasperf
>>> table = nasperf.pretrained.available()       # one row per checkpoint, indexed by name
>>> "nb201-cifar10-tree" in table.index
True
>>> print(*table.columns[:9])                    # what it predicts, how, from what
space dataset target predictor encoding zero_cost uncertainty training_data surrogate_labelled
>>> print(*table.columns[9:])                    # training size, held-out metrics, file
n_train kendall_tau spearman ndcg ndcg@10 n_test nasperf_version bytes
>>> ckpt = nasperf.pretrained.load("nb201-cifar10-tree")
>>> cell = (
...     "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
...     "+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
... )
>>> ckpt.predict([cell]).round(1)                # its target: val_acc_200ep (%)
array([91.5])
>>> space = nasperf.get_space("nb201")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> cells = [space.to_string(a) for a in space.sample(50, seed=0)]
>>> _ = (folder / "candidates.txt").write_text("\n".join(cells) + "\n")
>>> result = nasperf.pretrained.screen(
...     ckpt, folder / "candidates.txt", top=10, out=folder / "ranked.csv"
... )
>>> result.n_screened, result.n_bad
(50, 0)

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
