"""Learning-curve sources: one interface over the multi-fidelity data nasperf has.

Every source answers the same three questions for a list of architectures (or, for LCBench,
hyper-parameter configurations):

* :meth:`CurveSource.curves` ``(items, upto=e)``: the partial curve up to epoch ``e``, as
  :class:`~nasperf.datasets.curves.LearningCurves` (all metrics the source records, the
  epoch to extrapolate to, and the training seconds spent to reach ``e`` where known);
* :meth:`CurveSource.final` ``(items)``: the value at the final epoch (the target);
* :meth:`CurveSource.cost` ``(items, e)``: training seconds to reach epoch ``e``.

Sources (``get_curve_source(name, ...)``, :func:`available_curve_sources`):

``nb301``
    YAHPO Gym's NAS-Bench-301 surrogate: any DARTS genotype, epochs 1..98, validation
    accuracy and validation loss (no training loss: SoTL is not available, SoVL is),
    cumulative runtime. Items: NB301 genotypes (anything the ``nb301`` space coerces).
``lcbench``
    YAHPO Gym's LCBench surrogate: MLP configurations on 34 OpenML tasks, epochs 1..52,
    validation accuracy / loss / balanced accuracy, test loss / balanced accuracy, runtime.
    Items: :class:`~nasperf.datasets.lcbench_surrogate.LCBenchConfig` or dicts.
``nb201``
    The two real NAS-Bench-201 fidelities of a dataset: validation and test accuracy after
    the 12-epoch schedule, validation accuracy after the 200-epoch schedule (mean over
    seeds). The 12-epoch values come from a separate, shorter training run (its own
    learning-rate schedule), not from epoch 12 of the 200-epoch run: a cheaper fidelity,
    read as the curve's only observed point. Items: NB201 cells. Cost to epoch 12 is the
    200-epoch train time scaled by 12 / 200 (NAS-Bench-201 records only the full run's).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from nasperf.registry import Registry

from .curves import LearningCurves

__all__ = [
    "CURVE_SOURCES",
    "CurveSource",
    "LCBenchCurves",
    "NB201Curves",
    "NB301Curves",
    "available_curve_sources",
    "get_curve_source",
]

#: Registry of curve source classes (name -> class; instantiate with the source's options).
CURVE_SOURCES: Registry = Registry("curve source")


class CurveSource(ABC):
    """Learning curves of a benchmark (see the module docstring).

    Attributes
    ----------
    name : str
        Registered name.
    space : str or None
        Search space of the items (None: items are not architectures of a space).
    epochs : tuple of int
        Epochs at which curves can be observed, increasing; the last is ``final_epoch``.
    metrics : tuple of str
        Canonical metrics the source records (see :mod:`nasperf.datasets.curves`).
    target : str
        The metric whose final value is the target (``val_accuracy``).
    continues : bool
        Whether the curve's epochs are points of one training run (True: reaching a later
        epoch continues the run, so it costs only the extra epochs), or separate, shorter
        runs of their own (False: NAS-Bench-201's 12-epoch results).
    """

    name: str = ""
    continues: bool = True
    space: str | None = None
    epochs: tuple[int, ...] = ()
    metrics: tuple[str, ...] = ()
    target: str = "val_accuracy"
    #: Metrics known at the final epoch (default: all of :attr:`metrics`).
    final_metrics: tuple[str, ...] | None = None

    @property
    def final_epoch(self) -> int:
        return int(self.epochs[-1])

    # ------------------------------------------------------------------ interface
    @abstractmethod
    def sample(self, n: int, seed: Any = 0) -> list:
        """``n`` items drawn from the source's space, reproducible by ``seed``."""

    @abstractmethod
    def _observe(
        self, items: Sequence[Any], epochs: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Values ``{metric: (n, len(epochs))}`` and cumulative seconds ``(n, len(epochs))``
        (or None) of ``items`` at ``epochs`` (a subset of :attr:`epochs`)."""

    def features(self, items: Sequence[Any]) -> np.ndarray | None:
        """Numeric features of the items for predictors that use them (LcSVR), or None when
        the items are architectures of :attr:`space` (encode them with the space instead)."""
        return None

    def curves(self, items: Sequence[Any], upto: int | None = None) -> LearningCurves:
        """The partial learning curves of ``items`` at the observable epochs ``<= upto``.

        ``upto=None`` gives the whole curve (final epoch included). ``cost`` of the result
        is the training seconds to reach the last returned epoch (NaN where unknown).
        """
        ep = self._epochs_upto(upto)
        values, seconds = self._observe(items, ep)
        cost = None if seconds is None else _cumulative(seconds)[:, -1]
        return LearningCurves(ep, values, self.final_epoch, cost)

    def final(self, items: Sequence[Any], metric: str | None = None) -> np.ndarray:
        """The value of ``metric`` (default :attr:`target`) at the final epoch, ``(n,)``."""
        metric = metric or self.target
        known = self.final_metrics or self.metrics
        if metric not in known:
            raise ValueError(
                f"{self.name}: no final {metric!r}; at the final epoch it records "
                f"{', '.join(known)}"
            )
        values, _ = self._observe(items, np.array([self.final_epoch]))
        return values[metric][:, 0]

    def cost(self, items: Sequence[Any], epoch: int) -> np.ndarray:
        """Training seconds to reach ``epoch`` (NaN where the source does not record time).

        Never less than at an earlier epoch: a surrogate predicts each epoch's cumulative
        runtime on its own and can dip (NB301's by up to 67 s), so the seconds are the
        running maximum over the epochs up to ``epoch``, as :meth:`curves` reports them.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer):
            raise ValueError(f"{self.name}: epoch must be an int, got {epoch!r}")
        ep = self._epochs_upto(epoch)
        if ep[-1] != epoch:
            raise ValueError(
                f"{self.name}: epoch {epoch} is not observable; epochs: {self._epochs_text()}"
            )
        _, seconds = self._observe(items, ep)
        if seconds is None:
            return np.full(len(items), np.nan)
        return _cumulative(seconds)[:, -1]

    # ------------------------------------------------------------------ helpers
    def _epochs_text(self) -> str:
        e = self.epochs
        return f"{e[0]}..{e[-1]}" if len(e) > 3 else ", ".join(map(str, e))

    def _epochs_upto(self, upto: int | None) -> np.ndarray:
        ep = np.asarray(self.epochs, dtype=np.int64)
        if upto is None:
            return ep
        if isinstance(upto, bool) or not isinstance(upto, int | np.integer):
            raise ValueError(f"{self.name}: upto must be an int epoch, got {upto!r}")
        if upto > ep[-1]:  # had given the whole curve without a word
            raise ValueError(
                f"{self.name}: upto={upto} is beyond the final epoch {int(ep[-1])} (upto=None: "
                "the whole curve)"
            )
        keep = ep[ep <= upto]
        if keep.size == 0:
            raise ValueError(
                f"{self.name}: no observable epoch <= {upto}; epochs: {self._epochs_text()}"
            )
        return keep

    def __repr__(self) -> str:
        return f"{type(self).__name__}(epochs={self._epochs_text()}, metrics={list(self.metrics)})"


def _cumulative(seconds: np.ndarray) -> np.ndarray:
    """Cumulative seconds over consecutive epochs made non-decreasing (their running
    maximum; NaN where unknown stays NaN)."""
    s = np.asarray(seconds, dtype=np.float64)
    if s.size == 0 or np.isnan(s).all():
        return s
    return np.where(np.isnan(s), np.nan, np.fmax.accumulate(s, axis=1))


def get_curve_source(name: str, **options: Any) -> CurveSource:
    """The curve source ``name`` (``nb301``, ``lcbench``, ``nb201``) built with ``options``
    (e.g. ``dataset="cifar100"`` for ``nb201``, ``n_threads=2`` for the surrogates)."""
    return CURVE_SOURCES.get(name)(**options)


def available_curve_sources() -> list[str]:
    """Names of the registered curve sources."""
    return sorted(CURVE_SOURCES.names())


@CURVE_SOURCES.register("nb301")
class NB301Curves(CurveSource):
    """NAS-Bench-301 curves from YAHPO Gym's surrogate (epochs 1..98, CIFAR-10).

    Parameters
    ----------
    n_threads : int, optional
        onnxruntime threads.
    model_dir : path, optional
        Surrogate files to use instead of the packaged ones.
    """

    name = "nb301"
    space = "nb301"
    epochs = tuple(range(1, 99))
    metrics = ("val_accuracy", "val_loss")

    def __init__(self, *, n_threads: int | None = None, model_dir: Any = None) -> None:
        self.n_threads = n_threads
        self.model_dir = model_dir

    @cached_property
    def surrogate(self):
        from .nb301_surrogate import NB301Surrogate

        return NB301Surrogate(self.model_dir, n_threads=self.n_threads)

    def sample(self, n: int, seed: Any = 0) -> list:
        from nasperf.spaces import get_space

        return get_space("nb301").sample(n, seed=seed)

    def _observe(self, items, epochs):
        sur = self.surrogate
        n, k = len(items), len(epochs)
        if n == 0:
            return {m: np.zeros((0, k)) for m in self.metrics}, np.zeros((0, k))
        x_cat = np.stack([sur.encode(a) for a in items])
        out = sur._run(
            np.repeat(x_cat, k, axis=0), np.tile(np.asarray(epochs, dtype=np.float32), n)
        ).reshape(n, k, -1)
        values = {"val_accuracy": out[:, :, 0], "val_loss": out[:, :, 1]}
        return values, out[:, :, 2]


@CURVE_SOURCES.register("lcbench")
class LCBenchCurves(CurveSource):
    """LCBench curves from YAHPO Gym's surrogate (MLPs on OpenML tasks, epochs 1..52).

    Parameters
    ----------
    task : str, optional
        OpenML task id that :meth:`sample` draws configurations on (default: tasks drawn
        uniformly per configuration). Curves are predicted on each config's own task.
    n_threads, model_dir
        As for :class:`NB301Curves`.
    """

    name = "lcbench"
    space = None
    epochs = tuple(range(1, 53))
    metrics = (
        "val_accuracy",
        "val_loss",
        "val_balanced_accuracy",
        "test_loss",
        "test_balanced_accuracy",
    )

    def __init__(
        self, *, task: str | None = None, n_threads: int | None = None, model_dir: Any = None
    ) -> None:
        self.task = task
        self.n_threads = n_threads
        self.model_dir = model_dir

    @cached_property
    def surrogate(self):
        from .lcbench_surrogate import LCBenchSurrogate

        return LCBenchSurrogate(self.model_dir, n_threads=self.n_threads)

    def sample(self, n: int, seed: Any = 0) -> list:
        return self.surrogate.sample(n, seed, task=self.task)

    def features(self, items):
        return np.stack([self.surrogate.config(c).features() for c in items])

    def _observe(self, items, epochs):
        out = self.surrogate.curves(items, np.asarray(epochs).tolist())
        names = ("val_accuracy", "val_loss", "val_balanced_accuracy", "test_loss")
        values = {m: out[:, :, i + 1] for i, m in enumerate(names)}
        values["test_balanced_accuracy"] = out[:, :, 5]
        return values, out[:, :, 0]


@CURVE_SOURCES.register("nb201")
class NB201Curves(CurveSource):
    """NAS-Bench-201's two real fidelities as a two-point curve (epochs 12 and 200).

    Parameters
    ----------
    dataset : str
        ``cifar10``, ``cifar100`` or ``ImageNet16-120``.
    """

    name = "nb201"
    space = "nb201"
    continues = False  # the 12-epoch results come from a 12-epoch schedule of their own
    epochs = (12, 200)
    metrics = ("val_accuracy", "test_accuracy")
    final_metrics = ("val_accuracy",)

    def __init__(self, *, dataset: str = "cifar10") -> None:
        from .benchmark import get_benchmark

        self.dataset = get_benchmark("nb201").resolve_dataset(dataset)

    @cached_property
    def table(self):
        from .benchmark import load_benchmark

        return load_benchmark("nb201", self.dataset)

    def sample(self, n: int, seed: Any = 0) -> list:
        from nasperf.spaces import get_space

        return get_space("nb201").sample(n, seed=seed)

    def _rows(self, items):
        from nasperf.encodings import as_arch_list
        from nasperf.spaces import get_space

        space = get_space("nb201")
        keys = [space.to_string(a) for a in as_arch_list(space, list(items))]
        return self.table.loc[keys]

    def curves(self, items, upto=None):
        ep = self._epochs_upto(upto)
        if ep[-1] == 200:
            # The 200-epoch run records validation accuracy only: test accuracy is dropped
            # from a curve that includes it (every metric must be known at every epoch).
            values, seconds = self._observe(items, ep)
            values = {"val_accuracy": values["val_accuracy"]}
            return LearningCurves(ep, values, self.final_epoch, seconds[:, -1])
        return super().curves(items, upto)

    def _observe(self, items, epochs):
        from .benchmark import get_benchmark

        rows = self._rows(items)
        bench = get_benchmark("nb201")
        cols = {12: ("val_acc_12ep", "test_acc_12ep"), 200: ("val_acc_200ep", None)}
        val = np.stack([rows[cols[int(e)][0]].to_numpy(np.float64) for e in epochs], axis=1)
        test = np.stack(
            [
                rows[cols[int(e)][1]].to_numpy(np.float64)
                if cols[int(e)][1]
                else np.full(len(rows), np.nan)
                for e in epochs
            ],
            axis=1,
        )
        # the benchmark's rule (Benchmark.fidelity_seconds), as studies and searches charge
        seconds = np.stack(
            [bench.fidelity_seconds(rows, int(e)).to_numpy(np.float64) for e in epochs], axis=1
        )
        return {"val_accuracy": val, "test_accuracy": test}, seconds
