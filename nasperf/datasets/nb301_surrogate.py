"""Learning curves of DARTS / NAS-Bench-301 genotypes from YAHPO Gym's ``nb301`` surrogate.

YAHPO Gym (Pfisterer et al., 2022) fitted a neural network surrogate to NAS-Bench-301's
training data (CIFAR-10, DARTS space): for a genotype and an epoch 1..98 it predicts the
validation accuracy, validation cross-entropy, cumulative training runtime and YAHPO's
``runtime_increase`` target. The model is an ONNX file run here with ``onnxruntime`` directly (no yahpo-gym,
no ConfigSpace).

Input encoding (YAHPO's ``BenchmarkSet._config_to_xs`` for scenario ``nb301``):

* ``x_cat`` (int32, 34 columns): the NAS-Bench-301 ConfigSpace hyperparameters in the
  order ``edge_normal_0..13``, ``edge_reduce_0..13``, ``inputs_node_normal_3..5``,
  ``inputs_node_reduce_3..5`` (names prefixed ``NetworkSelectorDatasetInfo_COLON_darts_COLON_``),
  each integer-coded by ``encoding.json``; inactive hyperparameters (edges a node does not
  read) are ``"#na#"`` (code 0).
* ``x_cont`` (float32, 1 column): the epoch, unscaled (the model normalises internally).
* Output (4 columns): ``val_accuracy`` (a fraction; reported here in percent),
  ``val_cross_entropy``, ``runtime`` (seconds, cumulative), ``runtime_increase`` (YAHPO's
  name; upstream does not document it further, its values stay near 55-60 s, about the
  per-epoch training time). Outside epochs 1..98 the model extrapolates badly, so such
  epochs are refused.

References
----------
Pfisterer, Schneider, Moosbauer, Binder & Bischl, "YAHPO Gym - An Efficient Multi-Objective
Multi-Fidelity Benchmark for Hyperparameter Optimization", AutoML Conf 2022.
Siems et al., "NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural Architecture
Search", 2020. Surrogate files: slds-lmu/yahpo_data (Apache-2.0).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf.errors import DataIntegrityError, as_optional_path

from ._onnx_surrogate import check_epochs, onnx_session
from .package_data import data_path

__all__ = ["NB301Surrogate"]

PACKAGED_DIR = "nb301_surrogate"
# Packaged names first, then the upstream ``_v2`` names of yahpo_data.
_FILES = {
    "model": ("model.onnx", "model_v2.onnx"),
    "config_space": ("config_space.json", "config_space_v2.json"),
    "encoding": ("encoding.json", "encoding_v2.json"),
}
_PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
CAT_NAMES: tuple[str, ...] = (
    *(f"{_PREFIX}edge_{cell}_{i}" for cell in ("normal", "reduce") for i in range(14)),
    *(f"{_PREFIX}inputs_node_{cell}_{k}" for cell in ("normal", "reduce") for k in (3, 4, 5)),
)
OUTPUTS: tuple[str, ...] = ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase")
NA = "#na#"


def _resolve(model_dir: str | Path | None, kind: str) -> Path:
    if model_dir is None:
        return data_path(f"{PACKAGED_DIR}/{_FILES[kind][0]}")
    for name in _FILES[kind]:
        path = Path(model_dir) / name
        if path.is_file():
            return path
    raise DataIntegrityError(
        f"NB301 surrogate: none of {', '.join(_FILES[kind])} found in {model_dir}"
    )


class NB301Surrogate:
    """YAHPO Gym's NAS-Bench-301 learning-curve surrogate (CIFAR-10).

    Parameters
    ----------
    model_dir : str or Path, optional
        Folder with ``model.onnx``, ``config_space.json`` and ``encoding.json`` (or their
        upstream names ``model_v2.onnx``, ...). Default: the copies packaged with nasperf,
        verified against the data manifest.
    n_threads : int, optional
        ``onnxruntime`` intra-op threads (default: onnxruntime's choice).

    Examples
    --------
    >>> sur = NB301Surrogate()
    >>> sur.predict_curve(arch).tail(1)          # doctest: +SKIP
        epoch  val_accuracy  val_cross_entropy  runtime  runtime_increase
    97     98         92.41               0.31   4911.2              58.1
    """

    def __init__(self, model_dir: str | Path | None = None, *, n_threads: int | None = None):
        from nasperf.spaces import get_space

        self.model_dir = as_optional_path(model_dir, "model_dir")
        self.space = get_space("nb301")
        self.encoding: dict[str, dict[str, int]] = json.loads(
            _resolve(self.model_dir, "encoding").read_text()
        )
        config_space = json.loads(_resolve(self.model_dir, "config_space").read_text())
        self.min_epoch, self.max_epoch = self._check_schema(config_space)
        self._session = onnx_session(str(_resolve(self.model_dir, "model")), n_threads)
        inputs = {i.name: i.shape for i in self._session.get_inputs()}
        if set(inputs) != {"x_cat", "x_cont"} or inputs["x_cat"][1] != len(CAT_NAMES):
            raise DataIntegrityError(
                f"NB301 surrogate: unexpected ONNX inputs {inputs}; expected x_cat (n, 34), "
                "x_cont (n, 1)"
            )

    def _check_schema(self, config_space: dict[str, Any]) -> tuple[int, int]:
        hps = {h["name"]: h for h in config_space.get("hyperparameters", [])}
        wrong = sorted(set(hps) ^ {*CAT_NAMES, "epoch"}) + [
            n for n in CAT_NAMES if NA not in self.encoding.get(n, {})
        ]
        if wrong:
            raise DataIntegrityError(
                "NB301 surrogate: config space / encoding do not describe YAHPO's nb301 "
                f"scenario (unexpected or missing: {wrong[:3]})"
            )
        return int(hps["epoch"]["lower"]), int(hps["epoch"]["upper"])

    # ------------------------------------------------------------ encoding
    def _check_epochs(self, epochs: Iterable[int] | int) -> np.ndarray:
        return check_epochs(
            epochs, self.min_epoch, self.max_epoch, "NAS-Bench-301 trained 98 epochs"
        )

    def encode(self, arch: Any) -> np.ndarray:
        """The 34 integer codes (``x_cat`` row) of a genotype (anything the space coerces)."""
        config = self.space.to_config(self.space.coerce(arch), yahpo=True)
        return np.array([self.encoding[n][config.get(n, NA)] for n in CAT_NAMES], np.int32)

    def _run(self, x_cat: np.ndarray, x_cont: np.ndarray) -> np.ndarray:
        out = self._session.run(None, {"x_cat": x_cat, "x_cont": x_cont.reshape(-1, 1)})[0]
        out = np.asarray(out, dtype=np.float64)
        out[:, 0] *= 100.0  # fraction -> percent, as NAS-Bench-301 and NASLib report it
        return out

    # ------------------------------------------------------------ predictions
    def predict_curve(self, arch: Any, epochs: Iterable[int] = range(1, 99)) -> pd.DataFrame:
        """Predicted learning curve of one genotype.

        Parameters
        ----------
        arch : NB301Arch, genotype text, NASLib key or config dict
        epochs : iterable of int
            Epochs in 1..98 (default: all).

        Returns
        -------
        pandas.DataFrame
            One row per epoch: ``epoch``, ``val_accuracy`` (percent), ``val_cross_entropy``,
            ``runtime`` (cumulative seconds), ``runtime_increase``.
        """
        x_cont = self._check_epochs(epochs)
        row = self.encode(arch)
        out = self._run(np.tile(row, (len(x_cont), 1)), x_cont)
        frame = pd.DataFrame(out, columns=list(OUTPUTS))
        frame.insert(0, "epoch", x_cont.astype(np.int64))
        return frame

    def predict(self, archs: Sequence[Any], epoch: int = 98) -> pd.DataFrame:
        """Predictions for many genotypes at one epoch (one batched model call).

        Returns a DataFrame with one row per genotype, in order, and the columns of
        :meth:`predict_curve`.
        """
        x_cont = self._check_epochs([epoch])
        if len(archs) == 0:
            return pd.DataFrame(columns=["epoch", *OUTPUTS])
        x_cat = np.stack([self.encode(a) for a in archs])
        out = self._run(x_cat, np.repeat(x_cont, len(archs)))
        frame = pd.DataFrame(out, columns=list(OUTPUTS))
        frame.insert(0, "epoch", int(x_cont[0]))
        return frame

    def __repr__(self) -> str:
        where = "packaged" if self.model_dir is None else str(self.model_dir)
        return f"NB301Surrogate({where})"
