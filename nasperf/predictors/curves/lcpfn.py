"""LC-PFN: Bayesian learning-curve extrapolation with a prior-data fitted network.

A small transformer trained offline (``scripts/train_lcpfn.py``) on curves drawn from a
parametric prior (:mod:`nasperf.predictors.curves.prior`) maps a partial curve to the posterior
predictive distribution of its final value in one forward pass: no fitting per curve, no
MCMC. The weights ship with the package (``data/lcpfn/lcpfn_v2.npz``, verified against the
data manifest) and are read without pickle.
"""

from __future__ import annotations

import json
from functools import lru_cache
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf._constraints import PATH, Device
from nasperf._npz import read_npz
from nasperf._torch_state import torch_state
from nasperf.datasets.curves import LearningCurves
from nasperf.errors import DataIntegrityError, as_optional_path, warn_caller

from .. import PREDICTORS
from .base import ACCURACY_METRIC, CurvePredictor

__all__ = ["LCPFNPredictor", "load_checkpoint"]

#: The packaged checkpoint, relative to ``nasperf/datasets/data``.
PACKAGED = "lcpfn/lcpfn_v2"
#: Largest weights file read (the packaged one holds 0.6 MB).
MAX_CHECKPOINT_BYTES = 1 << 30
#: Largest description (``.json``) read.
MAX_META_BYTES = 1 << 20
FORMAT = "nasperf-lcpfn"


def _checkpoint_files(checkpoint: Any) -> tuple[Path, Path]:
    """The ``(npz, json)`` pair of ``checkpoint`` (None: the packaged one, verified)."""
    if checkpoint is None:
        from nasperf.datasets.package_data import data_path

        return data_path(f"{PACKAGED}.npz"), data_path(f"{PACKAGED}.json")
    path = Path(checkpoint)
    if path.suffix in (".npz", ".json"):
        return path.with_suffix(".npz"), path.with_suffix(".json")
    return Path(f"{path}.npz"), Path(f"{path}.json")


def load_checkpoint(checkpoint: Any = None, device: Any = "cpu"):
    """The network and settings of an LC-PFN checkpoint, cached per process.

    Parameters
    ----------
    checkpoint : path-like or None
        An ``.npz`` file (or its path without suffix) with a ``.json`` of the same name
        beside it, as ``scripts/train_lcpfn.py`` writes; None for the packaged one.
    device : str or torch.device

    Returns
    -------
    (model, meta) : the ``LCPFN`` module in eval mode (shared: do not modify) and the JSON
    settings.

    Raises
    ------
    DataIntegrityError
        If a file is missing, unreadable, truncated, or does not match the architecture.
    TypeError
        ``checkpoint`` is not a path (an empty one is a ``ValueError``).
    """
    from .._torch_utils import device_of

    npz, meta_path = _checkpoint_files(as_optional_path(checkpoint, "checkpoint"))
    dev = device_of(device)
    stamps = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None for p in (npz, meta_path)
    )
    return _load(str(npz), str(meta_path), str(dev), stamps)


@lru_cache(maxsize=8)
def _load(npz: str, meta_path: str, device: str, _stamps: tuple):
    import torch

    from .pfn_model import LCPFN

    for p in (npz, meta_path):
        if not Path(p).is_file():
            raise DataIntegrityError(f"LC-PFN checkpoint file {p} is missing")
    with open(meta_path, "rb") as fh:
        raw = fh.read(MAX_META_BYTES + 1)
    if len(raw) > MAX_META_BYTES:
        raise DataIntegrityError(
            f"LC-PFN checkpoint description {meta_path} is larger than {MAX_META_BYTES:,d} "
            "bytes (the packaged one holds 1.5 kB)"
        )
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise DataIntegrityError(f"LC-PFN checkpoint {meta_path} is not valid JSON: {err}") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != 1:
        raise DataIntegrityError(
            f"{meta_path} is not an LC-PFN checkpoint description (format {FORMAT!r}, version 1)"
        )
    try:  # headers first, never a pickle, at most MAX_CHECKPOINT_BYTES
        arrays = read_npz(npz, None, max_bytes=MAX_CHECKPOINT_BYTES, kinds="biuf")
    except DataIntegrityError as err:
        raise DataIntegrityError(
            f"LC-PFN checkpoint {npz} is truncated or corrupt ({err}); "
            "retrain it with scripts/train_lcpfn.py or reinstall nasperf"
        ) from None
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in arrays.items()}
    if "borders" not in state:
        raise DataIntegrityError(f"LC-PFN checkpoint {npz} has no bin borders")
    try:
        # float32 layers whatever the caller's default dtype, and their initial weights
        # (replaced by the file's at once) drawn without moving the caller's torch RNG: the
        # first load of a process had advanced it and later ones (cached) had not
        with torch_state():
            model = LCPFN(state["borders"], **meta["architecture"])
        model.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError, KeyError, TypeError) as err:
        raise DataIntegrityError(
            f"LC-PFN checkpoint {npz} does not match the architecture in {meta_path}: {err}"
        ) from err
    if not all(bool(torch.isfinite(t).all()) for t in state.values()):
        raise DataIntegrityError(f"LC-PFN checkpoint {npz} has non-finite weights")
    model.requires_grad_(False)
    return model.eval().to(device), meta


@PREDICTORS.register("lcpfn", "lc_pfn")
class LCPFNPredictor(CurvePredictor):
    """Learned-prior Bayesian extrapolation of accuracy curves (LC-PFN).

    Each partial curve (accuracies in percent at the observed epochs) becomes a set of
    points ``(epoch / final_epoch, accuracy / 100)``; one forward pass of the pretrained
    network gives the predictive distribution of the value at ``final_epoch``, whose mean
    is the prediction and whose standard deviation is :meth:`predict_std` (both in
    percent). Curves with more points than the network was trained on (``max_obs``, 24 for
    the packaged network) are thinned to that many, evenly over the observed epochs,
    keeping the first and the last. :meth:`predict_interval` gives central intervals.

    The prior (see :mod:`nasperf.predictors.curves.prior`) holds rising, saturating curves
    in ``[0, 1]`` with smooth deviations and noise, budgets of 20 to 250 epochs and
    cut-offs at 1 % to 90 % of the budget, so accuracies only: losses are refused. Curves
    observed up to ``final_epoch`` itself are returned as they are (standard deviation 0).

    Parameters
    ----------
    metric : str
        An accuracy metric of the curves (default ``val_accuracy``).
    final_epoch : int, optional
        Epoch to extrapolate to; default the curves' own ``final_epoch``.
    checkpoint : path-like, optional
        An ``.npz`` + ``.json`` pair written by ``scripts/train_lcpfn.py``; None for the
        packaged network.
    device : str
        Torch device of the forward pass.
    batch_size : int
        Curves per forward pass.
    random_state : None
        Unused (prediction is deterministic); accepted for a uniform interface.

    References
    ----------
    Adriaensen, Rakotoarison, Müller & Hutter, "Efficient Bayesian Learning Curve
    Extrapolation using Prior-Data Fitted Networks", NeurIPS 2023.
    """

    has_uncertainty = True
    #: The shared contract tests pass NB201's 12-epoch accuracy as a one-column array
    #: (epochs unknown to the array): extrapolate it to NB201's 200 epochs.
    test_params: ClassVar[dict] = {"final_epoch": 200}
    # Accuracies only: the prior holds rising curves in [0, 1].
    _parameter_constraints: ClassVar[dict] = {
        **CurvePredictor._parameter_constraints,
        "metric": [ACCURACY_METRIC],
        "checkpoint": [*PATH, None],
        "device": [Device()],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        metric: str = "val_accuracy",
        final_epoch: int | None = None,
        checkpoint: Any = None,
        device: str = "cpu",
        batch_size: int = 1024,
        random_state: Any = None,
    ) -> None:
        super().__init__(metric=metric, final_epoch=final_epoch, random_state=random_state)
        self.checkpoint = checkpoint
        self.device = device
        self.batch_size = batch_size

    def _fit_curves(self, archs: Any, curves: LearningCurves, y: Any) -> None:
        load_checkpoint(self.checkpoint, self.device)  # fail early on a bad checkpoint

    def predict_interval(
        self, archs: Any = None, *, level: float = 0.9, **side: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central ``level`` predictive interval of each final value, ``(lower, upper)`` in
        percent (quantiles ``(1 - level) / 2`` and ``(1 + level) / 2``), within [0, 100]."""
        from sklearn.utils.validation import check_is_fitted

        from .pfn_model import bar_quantile

        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        curves = self._curves(archs, side)
        values = self._checked_values(curves)
        if curves.last_epoch >= self._final_epoch(curves):
            return values[:, -1].copy(), values[:, -1].copy()
        out = []
        for q in ((1.0 - level) / 2, (1.0 + level) / 2):
            out.append(
                self._per_batch(
                    curves, values, lambda lg, yr, b, q=q: (yr.double() + bar_quantile(lg, b, q),)
                )[0]
            )
        # the bar distribution's tails reach past 100 % near a plateau at 100
        return np.clip(out[0] * 100.0, 0.0, 100.0), np.clip(out[1] * 100.0, 0.0, 100.0)

    def _predict_curves(self, archs: Any, curves: LearningCurves, need_std: bool):
        from .pfn_model import bar_mean_var

        values = self._checked_values(curves)
        if curves.last_epoch >= self._final_epoch(curves):
            return values[:, -1].copy(), np.zeros(len(values))

        def stats(logits, y_ref, borders):
            m, v = bar_mean_var(logits, borders)
            return y_ref.double() + m, v.sqrt()

        mean, std = self._per_batch(curves, values, stats)
        return mean * 100.0, std * 100.0

    # ------------------------------------------------------------------ helpers
    def _checked_values(self, curves: LearningCurves) -> np.ndarray:
        values = self._values(curves)
        if values.size and (values.min() < 0.0 or values.max() > 100.0):
            raise ValueError(
                f"lcpfn reads accuracies in percent (0..100), got values in "
                f"[{values.min():.4g}, {values.max():.4g}]"
            )
        return values

    def _per_batch(self, curves: LearningCurves, values: np.ndarray, fn) -> list[np.ndarray]:
        """``fn(logits, y_ref, borders)`` (tensors of the final-epoch distribution) over
        batches of curves, each of its outputs concatenated as a float64 array."""
        import torch

        from .prior import thin_epochs

        model, meta = load_checkpoint(self.checkpoint, self.device)
        low, high = meta.get("prior", {}).get("final_epoch_range", (20, 250))
        final = self._final_epoch(curves)
        if not low <= final <= high:
            warn_caller(
                f"lcpfn extrapolates to epoch {final}, outside the {low}..{high} epochs of the "
                "schedules its prior was trained on: the prediction leaves what it has learned "
                "(measured: 89.2 at 98 epochs, 90.4 at 1,000, 82.6 at 10,000 for one curve)",
            )
        keep = thin_epochs(len(curves.epochs), int(meta["tasks"]["max_obs"]))
        t = curves.epochs[keep].astype(np.float64) / self._final_epoch(curves)
        y = np.clip(values[:, keep] / 100.0, 0.0, 1.0)
        dev = model.borders.device
        x_all = torch.as_tensor(t, dtype=torch.float32, device=dev)
        outs: list[list[np.ndarray]] = []
        bs = int(self.batch_size)
        with torch_state(), torch.no_grad():
            for i in range(0, len(y), bs):
                yb = torch.as_tensor(y[i : i + bs], dtype=torch.float32, device=dev)
                b = yb.shape[0]
                mask = torch.ones_like(yb, dtype=torch.bool)
                logits, y_ref = model(
                    x_all.expand(b, -1), yb, mask, torch.ones(b, 1, device=dev, dtype=torch.float32)
                )
                res = fn(logits[:, 0], y_ref, model.borders)
                outs.append([r.double().cpu().numpy() for r in res])
        if not outs:
            return [np.zeros(0) for _ in range(2)]
        return [np.concatenate(parts) for parts in zip(*outs, strict=True)]
