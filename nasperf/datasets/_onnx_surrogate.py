"""Pieces shared by the ONNX learning-curve surrogates (NAS-Bench-301, LCBench)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np


def onnx_session(path: str | Path, n_threads: int | None = None):
    """A CPU ``onnxruntime`` session for ``path``, with ``n_threads`` intra-op threads
    (default: onnxruntime's choice). onnxruntime is imported here, on first use."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if n_threads is not None:
        options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def check_epochs(epochs: Iterable[int] | int, lo: int, hi: int, note: str) -> np.ndarray:
    """``epochs`` (one int or several) as float32 after checking each is an int in
    ``lo..hi``; ``note`` ends the error message (e.g. how many epochs the benchmark
    trained)."""
    values = [epochs] if isinstance(epochs, int | np.integer) else list(epochs)
    if not values:
        raise ValueError("invalid epochs = []: at least one epoch is needed")
    for i, e in enumerate(values):
        if isinstance(e, bool) or not isinstance(e, int | np.integer) or not lo <= e <= hi:
            raise ValueError(f"invalid epochs[{i}] = {e!r}: epochs are ints in {lo}..{hi} ({note})")
    return np.asarray(values, dtype=np.float32)
