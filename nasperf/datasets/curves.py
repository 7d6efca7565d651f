"""Partial learning curves: the value learning-curve predictors read.

A :class:`LearningCurves` holds, for ``n`` architectures (or hyper-parameter configs), the
values of one or more metrics at the observed epochs, the epoch whose value is to be
predicted (``final_epoch``) and, where known, the training seconds spent to observe them.
Every curve source (:mod:`nasperf.datasets.curve_sources`) returns one, and every
learning-curve predictor takes one as its ``learning_curves`` side information; a plain
``(n, k)`` array is accepted too and read as validation accuracy at epochs ``1..k``.

Metric names are canonical across sources, so a predictor names what it needs once:

* accuracies, in percent (higher is better): ``val_accuracy``, ``train_accuracy``,
  ``test_accuracy``, ``val_balanced_accuracy``, ``test_balanced_accuracy``;
* losses (lower is better): ``train_loss``, ``val_loss``, ``test_loss`` (cross-entropy).

Sources record different metrics: NAS-Bench-301's surrogate and LCBench have validation
(and LCBench test) losses but no training losses, NAS-Bench-201's tables have accuracies
only. Asking for a metric a source lacks is an error that lists what it has.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nasperf.errors import check_flag, short_repr, warn_caller

__all__ = [
    "ACCURACY_METRICS",
    "LOSS_METRICS",
    "LearningCurves",
    "as_learning_curves",
    "higher_is_better",
]

ACCURACY_METRICS: tuple[str, ...] = (
    "val_accuracy",
    "train_accuracy",
    "test_accuracy",
    "val_balanced_accuracy",
    "test_balanced_accuracy",
)
LOSS_METRICS: tuple[str, ...] = ("train_loss", "val_loss", "test_loss")


def higher_is_better(metric: str) -> bool:
    """True for accuracies, False for losses; unknown names are an error."""
    if metric in ACCURACY_METRICS:
        return True
    if metric in LOSS_METRICS:
        return False
    raise ValueError(
        f"unknown learning-curve metric {metric!r}; known: "
        f"{', '.join(ACCURACY_METRICS + LOSS_METRICS)}"
    )


def _check_percent(metric: str, a: np.ndarray) -> None:
    """Accuracies are in percent: a value outside ``[0, 100]`` is an error; curves that all
    stay within ``[0, 1]`` get a warning (they look like fractions, which every
    learning-curve predictor would read as accuracies below 1 %)."""
    if not a.size:
        return
    lo, hi = float(a.min()), float(a.max())
    if lo < 0.0 or hi > 100.0:
        raise ValueError(
            f"values[{metric!r}] are accuracies in percent (0..100), got values in "
            f"[{lo:.4g}, {hi:.4g}] (a loss or an error rate goes under its own name, e.g. "
            "val_loss)"
        )
    if 0.0 < hi <= 1.0 and a.size > 1:
        warn_caller(
            f"values[{metric!r}] all lie in [0, 1]: accuracies are read in percent "
            "(0..100); if these are fractions, multiply them by 100",
            UserWarning,
        )


@dataclasses.dataclass(frozen=True, eq=False)
class LearningCurves:
    """Partial learning curves of ``n`` architectures.

    Parameters
    ----------
    epochs : sequence of int, shape (k,)
        The observed epochs, strictly increasing, >= 1 (not necessarily contiguous:
        NAS-Bench-201 observes epochs 12 and 200 only).
    values : mapping metric -> array (n, k)
        Finite values of each metric at those epochs (see the module docstring for names
        and units).
    final_epoch : int, optional
        The epoch whose value a predictor extrapolates to (e.g. 200 for NAS-Bench-201, 98
        for NAS-Bench-301, 52 for LCBench); at least ``epochs[-1]``.
    cost : array (n,), optional
        Training seconds spent to observe the curves (to ``epochs[-1]``), where known.
    percent : bool, default True
        Accuracies are in percent: a value outside ``[0, 100]`` is an error, curves all
        within ``(0, 1]`` warn, and predictors clip predicted accuracies to ``[0, 100]``.
        False for curves of unknown units (a study's own table: fractions, or a negated
        loss when the target is minimised), which are then taken as they are.
    """

    epochs: np.ndarray
    values: Mapping[str, np.ndarray]
    final_epoch: int | None = None
    cost: np.ndarray | None = None
    percent: bool = True

    def __post_init__(self) -> None:
        check_flag(self.percent, "percent")  # "no" had read as true
        epochs = np.asarray(self.epochs)
        if epochs.dtype == bool or not np.issubdtype(epochs.dtype, np.number):
            raise ValueError(
                f"epochs must be integers >= 1, got {short_repr(np.ravel(epochs)[:5].tolist())}"
            )
        if epochs.ndim != 1 or epochs.size == 0:
            raise ValueError(f"epochs must be a non-empty 1-d sequence, got shape {epochs.shape}")
        if not np.all(np.equal(np.mod(epochs, 1), 0)) or epochs.min() < 1:
            raise ValueError(f"epochs must be integers >= 1, got {epochs.tolist()[:5]}")
        epochs = epochs.astype(np.int64)
        if np.any(np.diff(epochs) <= 0):
            raise ValueError(f"epochs must be strictly increasing, got {epochs.tolist()[:8]}")
        if not self.values:
            raise ValueError("values must hold at least one metric")
        vals: dict[str, np.ndarray] = {}
        n = None
        for metric, arr in self.values.items():
            higher_is_better(metric)
            try:
                a = np.asarray(arr, dtype=np.float64)
            except (TypeError, ValueError) as err:  # ragged rows, text
                raise ValueError(
                    f"values[{metric!r}] must be an (n, k) array of numbers: "
                    f"{str(err).splitlines()[0]}"
                ) from None
            if a.ndim == 1 and epochs.size == 1:
                a = a.reshape(-1, 1)
            if a.ndim != 2 or a.shape[1] != epochs.size:
                raise ValueError(
                    f"values[{metric!r}] has shape {a.shape}, expected (n, {epochs.size}) "
                    f"for epochs {epochs.tolist()[:8]}"
                )
            if n is not None and a.shape[0] != n:
                raise ValueError(f"values[{metric!r}] has {a.shape[0]} rows, the other metrics {n}")
            n = a.shape[0]
            if not np.all(np.isfinite(a)):
                bad = np.argwhere(~np.isfinite(a))[0]
                raise ValueError(
                    f"values[{metric!r}] has NaN or inf values, first at row {bad[0]}, epoch "
                    f"{epochs[bad[1]]}"
                )
            if metric in ACCURACY_METRICS and self.percent:
                _check_percent(metric, a)
            a.setflags(write=False)
            vals[metric] = a
        final = self.final_epoch
        if final is not None:
            if (
                isinstance(final, bool)
                or not isinstance(final, int | float | np.integer | np.floating)
                or not float(final).is_integer()
                or final < epochs[-1]
            ):
                raise ValueError(
                    f"final_epoch must be an int >= the last observed epoch {epochs[-1]}, "
                    f"got {final!r}"
                )
            final = int(final)
        cost = self.cost
        if cost is not None:
            cost = np.asarray(cost, dtype=np.float64).reshape(-1)
            if cost.shape != (n,):
                raise ValueError(f"cost has shape {cost.shape}, expected ({n},)")
            if not (np.isfinite(cost) & (cost >= 0)).all():
                i = int(np.flatnonzero(~(np.isfinite(cost) & (cost >= 0)))[0])
                raise ValueError(
                    f"cost must be finite non-negative seconds, got {cost[i]} at row {i}"
                )
            cost.setflags(write=False)
        epochs.setflags(write=False)
        object.__setattr__(self, "epochs", epochs)
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "final_epoch", final)
        object.__setattr__(self, "cost", cost)

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return next(iter(self.values.values())).shape[0]

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics these curves hold, in order."""
        return tuple(self.values)

    @property
    def last_epoch(self) -> int:
        """The last observed epoch (the budget spent)."""
        return int(self.epochs[-1])

    def get(self, metric: str) -> np.ndarray:
        """The ``(n, k)`` values of ``metric``; a clear error if these curves lack it."""
        higher_is_better(metric)
        if metric not in self.values:
            hint = ""
            if metric == "train_loss" and "val_loss" in self.values:
                hint = (
                    "; this source records validation losses only (no training losses): use "
                    "a validation-loss predictor (sovl) instead"
                )
            raise ValueError(
                f"the learning curves have no {metric!r} (they have {', '.join(self.metrics)})"
                f"{hint}"
            )
        return self.values[metric]

    def require_final_epoch(self, override: int | None = None) -> int:
        """``override`` if given, else :attr:`final_epoch`; an error if neither is known."""
        final = override if override is not None else self.final_epoch
        if final is None:
            raise ValueError(
                "the epoch to extrapolate to is unknown: pass LearningCurves(..., "
                "final_epoch=E) or set the predictor's final_epoch"
            )
        if final < self.last_epoch:
            raise ValueError(
                f"final_epoch {final} is before the last observed epoch {self.last_epoch}"
            )
        return int(final)

    def upto(self, epoch: int) -> LearningCurves:
        """The curves truncated to the observed epochs ``<= epoch`` (a partial budget)."""
        keep = self.epochs <= epoch
        if not keep.any():
            raise ValueError(
                f"no observed epoch <= {epoch} (first observed epoch: {int(self.epochs[0])})"
            )
        return LearningCurves(
            self.epochs[keep],
            {m: v[:, keep] for m, v in self.values.items()},
            self.final_epoch,
            None,
            self.percent,
        )

    def take(self, index: Sequence[int] | np.ndarray) -> LearningCurves:
        """The rows ``index`` (positions), e.g. a train / test split."""
        idx = np.asarray(index)
        if idx.size == 0:  # [] is float64 to numpy, not an index
            idx = idx.astype(np.intp)
        return LearningCurves(
            self.epochs,
            {m: v[idx] for m, v in self.values.items()},
            self.final_epoch,
            None if self.cost is None else self.cost[idx],
            self.percent,
        )

    def as_features(self) -> np.ndarray:
        """All metrics side by side, ``(n, k * n_metrics)``, for feature-based hybrids."""
        return np.hstack([self.values[m] for m in self.metrics])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.as_features()
        return out if dtype is None else out.astype(dtype)

    @classmethod
    def from_array(
        cls,
        values: Any,
        *,
        epochs: Sequence[int] | None = None,
        metric: str = "val_accuracy",
        final_epoch: int | None = None,
        percent: bool = True,
    ) -> LearningCurves:
        """Curves of one metric from an ``(n, k)`` array (epochs ``1..k`` by default);
        ``percent`` as for the class."""
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2:
            raise ValueError(f"learning curves must be (n, n_epochs), got shape {arr.shape}")
        ep = np.arange(1, arr.shape[1] + 1) if epochs is None else np.asarray(epochs)
        return cls(ep, {metric: arr}, final_epoch, percent=percent)

    def __repr__(self) -> str:
        ep = self.epochs.tolist()
        shown = ep if len(ep) <= 4 else [*ep[:2], "...", ep[-1]]
        return (
            f"LearningCurves(n={len(self)}, epochs={shown}, metrics={list(self.metrics)}, "
            f"final_epoch={self.final_epoch})"
        )


def as_learning_curves(obj: Any, n: int | None = None) -> LearningCurves:
    """``obj`` as :class:`LearningCurves` (an ``(n, k)`` array is validation accuracy at
    epochs ``1..k``), checking it has ``n`` rows when ``n`` is given."""
    if obj is None:
        raise ValueError("learning curves are needed: pass learning_curves=LearningCurves(...)")
    curves = obj if isinstance(obj, LearningCurves) else LearningCurves.from_array(obj)
    if n is not None and len(curves) != n:
        hint = ""
        if not isinstance(obj, LearningCurves) and np.ndim(obj) == 1:
            hint = (
                " (a 1-D array is one epoch per architecture; one architecture's curve is "
                "an array of shape (1, n_epochs))"
            )
        raise ValueError(f"learning_curves has {len(curves)} rows for {n} architectures{hint}")
    return curves
