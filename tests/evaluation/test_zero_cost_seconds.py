"""Zero-cost scores a study reads from NASLib files are charged the seconds the file
records for them (``{"score", "time"}`` records), as the packaged tables' and ``nasperf
proxies``' are: NAS-Bench-Suite-Zero's files had put the proxies at 0 s on the time axis."""

from __future__ import annotations

import importlib
import json
import math

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


# --- proxies a predictor computes: charged the seconds recorded with each architecture's
# scores, so that a study costs the same on an empty and on a filled proxy cache (a zen trial
# had cost 51.6 s on the first and 0.26 s on the second: predict's wall-clock).

SMALL = {"channels": 8, "cells_per_stage": 1}


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """A user table of 30 NB201 cells (no dataset: no packaged proxy table serves it)."""
    table = load_benchmark("nb201", "cifar10").iloc[200:230]
    path = tmp_path_factory.mktemp("cells") / "cells.csv"
    pd.DataFrame(
        {"arch": table.index, "acc": table["val_acc_200ep"], "secs": table["train_time_s"]}
    ).to_csv(path, index=False)
    return path, list(table.index)


def _config(path, predictor, n_train, test_size):
    return {
        "data": {"path": str(path), "space": "nb201", "target": "acc", "cost_column": "secs"},
        "predictors": [predictor],
        "train_sizes": [n_train],
        "test_size": test_size,
        "seeds": 1,
    }


def _cold_then_warm(raw, tmp_path, monkeypatch):
    """The trial's row on an empty proxy cache, then again (another folder) on the cache
    the first run filled."""
    from nasperf.zero_cost.cache import default_cache_path

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    assert not default_cache_path().exists()
    (cold,) = run_study(raw, tmp_path / "cold").table.to_dict("records")
    assert default_cache_path().exists()
    (warm,) = run_study(raw, tmp_path / "warm").table.to_dict("records")
    return cold, warm


def _recorded(archs, proxies, **kw):
    """The seconds the (filled) cache records with each architecture's scores, by text."""
    from nasperf.zero_cost.compute import compute

    table = compute("nb201", archs, proxies, **kw)
    return dict(zip(table.index, table.attrs["seconds"], strict=True))


def test_a_computed_proxy_costs_the_same_on_a_cold_and_a_warm_cache(cells, tmp_path, monkeypatch):
    path, archs = cells
    params = {"proxy": "synflow", "network_kwargs": SMALL, "batch_size": 4}
    raw = _config(path, {"name": "zc_proxy", "params": params}, 10, len(archs))
    cold, warm = _cold_then_warm(raw, tmp_path, monkeypatch)
    assert cold["zero_cost_source"] == warm["zero_cost_source"] == "computed"
    assert cold["kendall_tau"] == warm["kendall_tau"]
    # the test set is every cell: its charge is the cache's recorded seconds of each, exactly
    seconds = _recorded(archs, ["synflow"], batch_size=4, network_kwargs=SMALL)
    charge = math.fsum(seconds.values())
    assert charge > 0
    assert cold["zc_cost_per_arch_s"] == warm["zc_cost_per_arch_s"] == charge / len(archs)
    # computing them is not in predict's wall-clock as well (before, the cold predict took
    # at least the measured seconds, which are sub-intervals of it): what remains is
    # predict's own work (hashing 30 cells, looking for a packaged table: 3 ms, and 160 ms
    # the first time in a process, against a charge of 1.4 s), given half the charge as room
    assert cold["predict_time_s"] < charge / 2 and warm["predict_time_s"] < charge / 2
    # so the two costs differ by exactly the difference of those own times, which is at most
    # half the charge (before: the whole charge, 1.7 s against 9 ms per cell for zen)
    for row in (cold, warm):
        assert row["query_time_per_arch_s"] == pytest.approx(
            row["predict_time_s"] / len(archs) + charge / len(archs), rel=1e-12
        )
        assert row["total_time_s"] == pytest.approx(
            row["init_time_s"] + len(archs) * row["query_time_per_arch_s"], rel=1e-12
        )
    assert abs(cold["total_time_s"] - warm["total_time_s"]) < charge / 2
    # the summary's fit + query (compute_time_s) is the predictor's own cost: its wall-clock
    # and the scores at their recorded seconds, on either cache (a table without training
    # times shows nothing else, and its time plot draws this)
    from nasperf.evaluation.study import summarize

    for row in (cold, warm):
        # (n x (charge / n): one rounding each way, ~1e-16 relative)
        assert row["zc_time_s"] == pytest.approx(charge, rel=1e-12)
        (own,) = summarize(pd.DataFrame([row]))["compute_time_s"]
        assert own == pytest.approx(row["fit_time_s"] + row["predict_time_s"] + charge, rel=1e-12)


_XGB = {"n_estimators": 20}
_HYBRIDS = {
    # omni without a table computes synflow, params and flops
    "omni": ({"model": "xgb", "model_params": _XGB}, ["synflow", "params", "flops"]),
    # members computing synflow, then omni the two others beside it (the cache's record of
    # the three is both computations); each member predicts its own training set again
    "ensemble": (
        {
            "members": [
                ["xgb", {**_XGB, "zero_cost_proxies": ["synflow"]}],
                ["omni", {"model": "xgb", "model_params": _XGB}],
            ]
        },
        ["synflow", "params", "flops"],
    ),
    # every configuration and fold computes (or reads) the training set's synflow again
    "tuned": (
        {"model_params": {**_XGB, "zero_cost_proxies": ["synflow"]}, "n_iter": 2, "cv": 2},
        ["synflow"],
    ),
}


@pytest.mark.parametrize("name", list(_HYBRIDS))
def test_hybrids_charge_computed_proxies_once_in_fit_and_in_predict(
    name, cells, tmp_path, monkeypatch
):
    # the training set's scores, computed in fit, are part of the initialisation; the test
    # set's, computed in predict, of the queries: each architecture's once, at the seconds
    # the cache records with them, on an empty and on a filled cache alike
    from nasperf.evaluation import make_split

    path, archs = cells
    params, proxies = _HYBRIDS[name]
    cold, warm = _cold_then_warm(
        _config(path, {"name": name, "params": params}, 6, 10), tmp_path, monkeypatch
    )
    assert cold["zero_cost_source"] == warm["zero_cost_source"] == "computed"
    split = make_split(archs, 6, test_size=10, seed=0)
    seconds = _recorded([*split.train, *split.test], proxies)
    train = math.fsum(seconds[a] for a in split.train)
    test = math.fsum(seconds[a] for a in split.test)
    assert train > 0 and test > 0
    # the two caches give the same charges, to the bit
    assert cold["zc_cost_per_arch_s"] == warm["zc_cost_per_arch_s"]
    labels = pd.read_csv(path).set_index("arch").loc[list(split.train), "secs"].sum()
    for row in (cold, warm):
        assert row["label_cost_s"] == pytest.approx(labels, rel=1e-12)
        # each (architecture, proxy) once: a member or a fold asking again adds nothing
        # (sums and differences of a few floats of seconds: ~1e-16 relative each)
        assert row["zc_cost_per_arch_s"] == pytest.approx(test / 10, rel=1e-12)
        own = row["init_time_s"] - row["label_cost_s"] - row["fit_time_s"]
        assert own == pytest.approx(train, rel=1e-9)
        # every zero-cost second of the trial, which the summary's fit + query adds to the
        # wall-clock (a proxy computed on an empty cache had only been there)
        assert row["zc_time_s"] == pytest.approx(train + test, rel=1e-12)


# --- a study's zero-cost table reaches the predictors that read proxies through a wrapper
# (ensemble, tuned) or name them (zero_cost_proxies=[...]): they had computed them instead


@pytest.fixture(scope="module")
def cells_table(cells, tmp_path_factory):
    """A proxy table of the 30 cells (made-up scores, far from computed ones) with a
    ``<proxy>_time`` column each; with the mean seconds of each proxy."""
    path, archs = cells
    rng = np.random.default_rng(5)
    cols = {c: rng.uniform(1.0, 1e3, len(archs)) for c in ("synflow", "params", "flops")}
    times = {f"{c}_time": rng.uniform(0.1, 0.9, len(archs)) for c in cols}
    out = tmp_path_factory.mktemp("zc") / "proxies.csv"
    pd.DataFrame({"arch": archs, **cols, **times}).to_csv(out, index=False)
    return out, {c: float(np.mean(t)) for c, t in zip(cols, times.values(), strict=True)}


_READERS = {
    "xgb": ({**_XGB, "zero_cost_proxies": ["synflow"]}, ["synflow"]),
    "ensemble": ({"members": [["omni", {"model": "xgb", "model_params": _XGB}]]}, None),
    "tuned": (
        {
            "model": "omni",
            "model_params": {"model": "xgb", "model_params": _XGB},
            "param_distributions": {},
            "n_iter": 1,
            "cv": 2,
        },
        None,
    ),
}


@pytest.mark.parametrize("name", list(_READERS))
def test_wrappers_and_named_proxies_read_the_study_table(
    name, cells, cells_table, tmp_path, monkeypatch
):
    from nasperf.datasets import read_zero_cost_table
    from nasperf.evaluation import make_split
    from nasperf.evaluation.metrics import evaluate
    from nasperf.predictors import get

    path, archs = cells
    zc_path, seconds = cells_table
    params, read = _READERS[name]
    read = read or ["synflow", "params", "flops"]  # omni: the table's registered proxies
    raw = _config(path, {"name": name, "params": params}, 10, 20)
    raw["zero_cost_table"] = str(zc_path)

    def refuse(*args, **kw):
        raise AssertionError("a proxy the study's table holds was computed")

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(importlib.import_module("nasperf.zero_cost.compute"), "compute", refuse)
    (row,) = run_study(raw, tmp_path / "o").table.to_dict("records")
    assert row["zero_cost"] is True or row["zero_cost"] == 1
    assert row["zero_cost_source"] == "table"
    # the table's recorded seconds of the columns read, each once per architecture (the
    # mean of each <proxy>_time column; a sum of 1-3 floats: 1e-15 relative)
    per_arch = math.fsum(seconds[c] for c in read)
    assert row["zc_cost_per_arch_s"] == pytest.approx(per_arch, rel=1e-12)
    assert row["zc_time_s"] == pytest.approx(30 * per_arch, rel=1e-12)
    # the scores used are the table's: the same predictor fitted on the table by hand ranks
    # the test set as the study did (identical inputs and seeds: equal to the bit)
    zc = read_zero_cost_table(zc_path, "nb201", seconds=True)
    split = make_split(archs, 10, test_size=20, seed=0)
    y = pd.read_csv(path).set_index("arch")["acc"]
    model = get(name, space="nb201", random_state=0, **params)
    model.fit(list(split.train), y.loc[list(split.train)].to_numpy(), zero_cost=zc)
    assert model.uses_zero_cost_ == read
    pred = model.predict(list(split.test), zero_cost=zc)
    by_hand = evaluate(y.loc[list(split.test)].to_numpy(), pred, ks=(10,))
    assert row["kendall_tau"] == by_hand["kendall_tau"]
