"""Zero-cost scores a study reads from NASLib files are charged the seconds the file
records for them (``{"score", "time"}`` records), as the packaged tables' and ``nasperf
proxies``' are: NAS-Bench-Suite-Zero's files had put the proxies at 0 s on the time axis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import load_benchmark
from nasperf.evaluation.study import run_study


@pytest.fixture(scope="module")
def naslib_file(tmp_path_factory):
    """A NASLib JSON of 80 NB201 cells: synflow as {score, time}, and the validation
    accuracy; with the mean of its synflow times."""
    table = load_benchmark("nb201", "cifar10").iloc[:80]
    rng = np.random.default_rng(0)
    times = rng.uniform(0.05, 0.15, len(table))
    records = {
        str(key): {"synflow": {"score": float(i), "time": float(t)}, "val_accuracy": float(y)}
        for i, (key, y, t) in enumerate(
            zip(table["naslib_key"], table["val_acc_200ep"], times, strict=True)
        )
    }
    folder = tmp_path_factory.mktemp("zc")
    path = folder / "zc_nasbench201.json"
    path.write_text(json.dumps({"nasbench201": {"cifar10": records}}))
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(
        folder / "cells.csv", index=False
    )
    return path, float(times.mean())


@pytest.mark.parametrize("how", ["data", "zero_cost_table"])
def test_naslib_proxy_times_are_charged(naslib_file, tmp_path, how):
    path, seconds = naslib_file
    raw = {
        "predictors": [{"name": "zc_proxy", "params": {"proxy": "synflow"}}],
        "train_sizes": [10],
        "test_size": 40,
        "seeds": 1,
    }
    if how == "data":
        raw["data"] = {"path": str(path), "dataset": "cifar10"}
    else:  # the same cells as a table, the scores beside it
        raw["data"] = {
            "path": str(path.parent / "cells.csv"),
            "space": "nb201",
            "target": "acc",
            "dataset": "cifar10",
        }
        raw["zero_cost_table"] = str(path)
    (row,) = run_study(raw, tmp_path / "o").table.to_dict("records")
    assert row["zero_cost_source"] == "table"
    # the file's mean seconds per architecture, as recorded
    assert row["zc_cost_per_arch_s"] == pytest.approx(seconds, rel=1e-12)
