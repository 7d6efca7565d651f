"""Shared pieces of the study-runner tests: tiny configs and stand-in predictors."""

from __future__ import annotations

import contextlib
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from nasperf.evaluation.engines import TIMING_COLUMNS
from nasperf.predictors import PREDICTORS, Predictor, Requirements


def tiny_config(**over) -> dict:
    """A study of a few seconds: xgb with 20 trees on NB201 CIFAR-10."""
    raw = {
        "name": "tiny",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "predictors": [{"name": "xgb", "params": {"n_estimators": 20}}],
        "train_sizes": [10, 30],
        "seeds": 2,
        "test_size": 50,
    }
    raw.update(over)
    return raw


def data_file_config(folder) -> tuple[dict, pd.DataFrame, object]:
    """A tiny study (xgb, 2 seeds, n = 10) of a user's CSV of 200 NB201 cells: the raw
    config, the table written and its path (``folder / "mine.csv"``), for tests that
    change the file between runs."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10").iloc[:200]
    csv = folder / "mine.csv"
    frame = pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]})
    frame.to_csv(csv, index=False)
    raw = tiny_config(predictors=["xgb"], seeds=2, train_sizes=[10])
    del raw["spaces"], raw["datasets"]
    raw["data"] = {"path": str(csv), "space": "nb201", "target": "acc"}
    return raw, frame, csv


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """Rows without the timing columns, sorted by hash, for exact comparison."""
    cols = [c for c in table.columns if c not in TIMING_COLUMNS]
    return table[sorted(cols)].sort_values("hash").reset_index(drop=True)


class LastColumnPredictor(Predictor):
    """Scores = the last feature column (the partial learning curve's last value)."""

    requirements: ClassVar[Requirements] = Requirements(
        learning_curves=True, learning_curve_epochs=(12,)
    )

    def _fit(self, X, y):
        self.width_ = X.shape[1]

    def _predict(self, X):
        return X[:, -1]


class FirstProxyPredictor(Predictor):
    """Scores = the first zero-cost column (needs zero-cost scores)."""

    requirements: ClassVar[Requirements] = Requirements(zero_cost=True)

    def _fit(self, X, y):
        self.width_ = X.shape[1]

    def _predict(self, X):
        return X[:, -1]


class CountConvPredictor(BaseEstimator):
    """Training-free: the number of 3x3 convolutions in an NB201 cell."""

    requirements: ClassVar[Requirements] = Requirements(labels=False)
    name = "test_count_conv"
    # registries check that every __init__ parameter has its constraint
    _parameter_constraints: ClassVar[dict] = {
        "space": [str],
        "random_state": ["random_state"],
    }

    def __init__(self, *, space="nb201", random_state=None):
        self.space = space
        self.random_state = random_state

    def fit(self, archs, y=None):
        self.fitted_ = True
        return self

    def predict(self, archs):
        return np.array([str(a).count("nor_conv_3x3") for a in archs], dtype=np.float64)


@contextlib.contextmanager
def registered(**classes):
    """Register stand-in predictors for the duration of a test (in-process runs only)."""
    for name, cls in classes.items():
        cls.name = name
        PREDICTORS.add(name, cls)
        PREDICTORS._primary[name] = cls
    try:
        yield
    finally:
        for name in classes:
            PREDICTORS._items.pop(name, None)
            PREDICTORS._primary.pop(name, None)


def register_in_main(monkeypatch, registry, name: str, cls: type) -> type:
    """Register ``cls`` under ``name`` as a script, a notebook or ``python -c`` would: its
    ``__module__`` is ``"__main__"``. The registry and the class are restored after the
    test (``monkeypatch``); the built-in members are loaded first, so that loading them
    later does not fill the copy that is thrown away."""
    registry.names()
    monkeypatch.setattr(registry, "_items", dict(registry._items))
    monkeypatch.setattr(registry, "_primary", dict(registry._primary))
    monkeypatch.setattr(cls, "__module__", "__main__")
    registry.register(name)(cls)
    return cls
