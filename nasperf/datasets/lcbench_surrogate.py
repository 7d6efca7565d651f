"""Learning curves of MLP configurations on OpenML tasks from YAHPO Gym's LCBench surrogate.

LCBench (Zimmer, Lindauer & Hutter, 2021) trained 2,000 funnel-shaped MLP configurations
for 52 epochs on each of 35 OpenML tasks; YAHPO Gym (Pfisterer et al., 2022) fitted a
neural-network surrogate to those curves. For a configuration, a task and an epoch 1..52
it predicts six values: cumulative training ``time`` (s), ``val_accuracy`` (percent),
``val_cross_entropy``, ``val_balanced_accuracy`` (a fraction; reported here in percent),
``test_cross_entropy`` and ``test_balanced_accuracy`` (likewise). The model is an ONNX file
run with ``onnxruntime`` (no yahpo-gym, no ConfigSpace).

Input encoding (YAHPO's ``BenchmarkSet._config_to_xs`` for scenario ``lcbench``):

* ``x_cat`` (int32, 1 column): ``OpenML_task_id`` integer-coded by ``encoding.json``.
* ``x_cont`` (float32, 8 columns), unscaled (the model transforms internally): ``epoch``,
  ``batch_size``, ``learning_rate``, ``momentum``, ``weight_decay``, ``num_layers``,
  ``max_units``, ``max_dropout``.

The configuration space (``config_space.json``) lists 34 task ids; YAHPO's encoding knows
one more (167083), which the surrogate was not meant to be queried on and is refused.

References
----------
Zimmer, Lindauer & Hutter, "Auto-PyTorch Tabular: Multi-Fidelity MetaLearning for
Efficient and Robust AutoDL", TPAMI 2021. Pfisterer et al., "YAHPO Gym", AutoML Conf 2022.
Surrogate files: slds-lmu/yahpo_data (Apache-2.0).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf.errors import DataIntegrityError, as_optional_path

from ._onnx_surrogate import check_epochs, onnx_session
from .package_data import data_path

__all__ = ["HYPERPARAMETERS", "LCBenchConfig", "LCBenchSurrogate"]

PACKAGED_DIR = "lcbench_surrogate"
_FILES = ("model.onnx", "config_space.json", "encoding.json")
#: Continuous inputs in the surrogate's column order (after ``epoch``).
HYPERPARAMETERS: tuple[str, ...] = (
    "batch_size",
    "learning_rate",
    "momentum",
    "weight_decay",
    "num_layers",
    "max_units",
    "max_dropout",
)
_INTEGER = {"batch_size", "num_layers", "max_units"}
OUTPUTS: tuple[str, ...] = (
    "time",
    "val_accuracy",
    "val_cross_entropy",
    "val_balanced_accuracy",
    "test_cross_entropy",
    "test_balanced_accuracy",
)


@dataclasses.dataclass(frozen=True, slots=True)
class LCBenchConfig:
    """One LCBench configuration: an MLP's training hyper-parameters on one OpenML task.

    Validated against the configuration space by :meth:`LCBenchSurrogate.config`.
    """

    task: str
    batch_size: int
    learning_rate: float
    momentum: float
    weight_decay: float
    num_layers: int
    max_units: int
    max_dropout: float

    def as_dict(self) -> dict[str, Any]:
        """The fields as a new dict, ``task`` first, then the seven hyper-parameters in
        :data:`HYPERPARAMETERS` order, on their natural scale (``features`` logs some)."""
        return dataclasses.asdict(self)

    def features(self) -> np.ndarray:
        """Numeric features for predictors (log scale where the space samples on a log
        scale): the seven hyper-parameters; the task is not included."""
        return np.array(
            [
                math.log(self.batch_size),
                math.log(self.learning_rate),
                self.momentum,
                self.weight_decay,
                self.num_layers,
                math.log(self.max_units),
                self.max_dropout,
            ]
        )


class LCBenchSurrogate:
    """YAHPO Gym's LCBench learning-curve surrogate (35 OpenML tasks, epochs 1..52).

    Parameters
    ----------
    model_dir : str or Path, optional
        Folder with ``model.onnx``, ``config_space.json`` and ``encoding.json``. Default:
        the copies packaged with nasperf, verified against the data manifest.
    n_threads : int, optional
        ``onnxruntime`` intra-op threads.
    """

    def __init__(self, model_dir: str | Path | None = None, *, n_threads: int | None = None):
        self.model_dir = model_dir = as_optional_path(model_dir, "model_dir")
        paths = {}
        for name in _FILES:
            path = (
                data_path(f"{PACKAGED_DIR}/{name}") if model_dir is None else Path(model_dir) / name
            )
            if not path.is_file():
                raise DataIntegrityError(f"LCBench surrogate: {name} not found in {model_dir}")
            paths[name] = path
        self.encoding: dict[str, int] = json.loads(paths["encoding.json"].read_text())[
            "OpenML_task_id"
        ]
        space = json.loads(paths["config_space.json"].read_text())
        self.ranges: dict[str, dict[str, Any]] = {}
        for hp in space.get("hyperparameters", []):
            self.ranges[hp["name"]] = hp
        missing = [n for n in ("OpenML_task_id", "epoch", *HYPERPARAMETERS) if n not in self.ranges]
        if missing:
            raise DataIntegrityError(
                f"LCBench surrogate: config space lacks {missing}; is this YAHPO's lcbench?"
            )
        self.tasks: tuple[str, ...] = tuple(self.ranges["OpenML_task_id"]["choices"])
        self.min_epoch = int(self.ranges["epoch"]["lower"])
        self.max_epoch = int(self.ranges["epoch"]["upper"])
        self._session = onnx_session(paths["model.onnx"], n_threads)
        shapes = {i.name: i.shape for i in self._session.get_inputs()}
        if shapes.get("x_cat", [None, None])[1] != 1 or shapes.get("x_cont", [0, 0])[1] != 8:
            raise DataIntegrityError(
                f"LCBench surrogate: unexpected ONNX inputs {shapes}; expected x_cat (n, 1), "
                "x_cont (n, 8)"
            )

    # ------------------------------------------------------------ configurations
    def config(self, value: LCBenchConfig | Mapping[str, Any]) -> LCBenchConfig:
        """Validate a configuration (a :class:`LCBenchConfig` or a dict with its fields;
        ``OpenML_task_id`` is accepted for ``task``)."""
        if not isinstance(value, LCBenchConfig | Mapping):
            raise ValueError(
                f"LCBench config: expected an LCBenchConfig or a dict of task and "
                f"{', '.join(HYPERPARAMETERS)}, got {type(value).__name__} {value!r:.80}"
            )
        d = value.as_dict() if isinstance(value, LCBenchConfig) else dict(value)
        if "OpenML_task_id" in d and "task" not in d:
            d["task"] = d.pop("OpenML_task_id")
        unknown = sorted(set(d) - {"task", *HYPERPARAMETERS})
        missing = [k for k in ("task", *HYPERPARAMETERS) if k not in d]
        if unknown or missing:
            raise ValueError(
                f"LCBench config: unknown keys {unknown}, missing keys {missing}; a config has "
                f"task and {', '.join(HYPERPARAMETERS)}"
            )
        task = str(d["task"])
        if task not in self.tasks:
            raise ValueError(
                f"LCBench config: unknown OpenML task {task!r}; tasks: {', '.join(self.tasks)}"
            )
        out: dict[str, Any] = {"task": task}
        for name in HYPERPARAMETERS:
            v, hp = d[name], self.ranges[name]
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                raise ValueError(f"LCBench config: {name} must be a number, got {v!r}")
            if name in _INTEGER and not float(v).is_integer():
                raise ValueError(f"LCBench config: {name} must be an integer, got {v!r}")
            lo, hi = float(hp["lower"]), float(hp["upper"])
            if not (lo - 1e-9 <= float(v) <= hi + 1e-9) or not math.isfinite(float(v)):
                raise ValueError(f"LCBench config: {name}={v!r} is outside [{lo:g}, {hi:g}]")
            out[name] = int(v) if name in _INTEGER else float(v)
        return LCBenchConfig(**out)

    def sample(self, n: int, seed: Any = 0, task: str | None = None) -> list[LCBenchConfig]:
        """``n`` configurations drawn from the configuration space (log-uniform where the
        space says ``log``), on ``task`` or on tasks drawn uniformly."""
        from nasperf.spaces import as_rng

        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        rng = as_rng(seed)
        if task is not None and str(task) not in self.tasks:
            raise ValueError(f"unknown OpenML task {task!r}; tasks: {', '.join(self.tasks)}")
        out = []
        for _ in range(int(n)):
            d: dict[str, Any] = {
                "task": str(task) if task is not None else self.tasks[rng.integers(len(self.tasks))]
            }
            for name in HYPERPARAMETERS:
                hp = self.ranges[name]
                lo, hi = float(hp["lower"]), float(hp["upper"])
                if hp.get("log"):
                    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
                else:
                    v = rng.uniform(lo, hi)
                if name in _INTEGER:
                    v = int(min(max(round(v), math.ceil(lo)), math.floor(hi)))
                d[name] = v
            out.append(LCBenchConfig(**d))
        return out

    # ------------------------------------------------------------ predictions
    def _check_epochs(self, epochs: Iterable[int] | int) -> np.ndarray:
        return check_epochs(epochs, self.min_epoch, self.max_epoch, "LCBench trained 52 epochs")

    def _rows(self, configs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        cfgs = [self.config(c) for c in configs]
        cat = np.array([[self.encoding[c.task]] for c in cfgs], dtype=np.int32)
        cont = np.array([[getattr(c, n) for n in HYPERPARAMETERS] for c in cfgs], np.float32)
        return cat, cont

    def _run(self, cat: np.ndarray, cont: np.ndarray, epochs: np.ndarray) -> np.ndarray:
        x_cont = np.concatenate([epochs.reshape(-1, 1), cont], axis=1).astype(np.float32)
        out = np.asarray(
            self._session.run(None, {"x_cat": cat, "x_cont": x_cont})[0], dtype=np.float64
        )
        out[:, 3] *= 100.0  # balanced accuracies: fraction -> percent, like val_accuracy
        out[:, 5] *= 100.0
        return out

    def curves(self, configs: Sequence[Any], epochs: Iterable[int] = range(1, 53)) -> np.ndarray:
        """Predicted curves, ``(n_configs, n_epochs, 6)`` in the order of ``OUTPUTS``
        (one batched model call)."""
        ep = self._check_epochs(epochs)
        if len(configs) == 0:
            return np.zeros((0, len(ep), len(OUTPUTS)))
        cat, cont = self._rows(configs)
        n, k = len(cat), len(ep)
        out = self._run(np.repeat(cat, k, 0), np.repeat(cont, k, 0), np.tile(ep, n))
        return out.reshape(n, k, len(OUTPUTS))

    def predict_curve(self, config: Any, epochs: Iterable[int] = range(1, 53)) -> pd.DataFrame:
        """One configuration's curve: one row per epoch, columns ``epoch`` and ``OUTPUTS``."""
        ep = self._check_epochs(epochs)
        frame = pd.DataFrame(self.curves([config], ep.astype(int).tolist())[0], columns=OUTPUTS)
        frame.insert(0, "epoch", ep.astype(np.int64))
        return frame

    def __repr__(self) -> str:
        where = "packaged" if self.model_dir is None else str(self.model_dir)
        return f"LCBenchSurrogate({where})"
