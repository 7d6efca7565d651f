"""A predictor and a zero-cost proxy that take a long time, for the orphaned-worker tests.

Imported by name (a study config's ``imports``, ``nasperf proxies --import``), in the
command's process and in its workers. Each call writes ``$NASPERF_TEST_MARKS/worker-<pid>``
first (so the test knows the workers' pids), then sleeps ``$NASPERF_TEST_SLEEP`` seconds
(default 120): longer than the test waits, so a worker still running at the end is one that
outlived its parent.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from nasperf.predictors import PREDICTORS, Predictor
from nasperf.zero_cost.engine import PROXIES, Context, Proxy


def _mark_and_sleep() -> None:
    marks = Path(os.environ["NASPERF_TEST_MARKS"])
    (marks / f"worker-{os.getpid()}").touch()
    time.sleep(float(os.environ.get("NASPERF_TEST_SLEEP", "120")))


@PREDICTORS.register("test_sleepy")
class SleepyPredictor(Predictor):
    """Fits for ``$NASPERF_TEST_SLEEP`` seconds; predicts the first feature."""

    def _fit(self, X, y):
        _mark_and_sleep()

    def _predict(self, X):
        return np.asarray(X, dtype=np.float64)[:, 0]


@PROXIES.register("test_sleepy")
class SleepyProxy(Proxy):
    """Scores 0 after ``$NASPERF_TEST_SLEEP`` seconds."""

    name = "test_sleepy"
    data = "none"

    def compute(self, ctx: Context) -> float:
        _mark_and_sleep()
        return 0.0
