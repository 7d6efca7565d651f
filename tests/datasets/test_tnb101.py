"""TransNAS-Bench-101 packaged tables: benchmark rows and metadata, zero-cost tables, values
against NASLib's NAS-Bench-Suite-Zero files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf.datasets import (
    available_zero_cost,
    benchmark_metadata,
    data_root,
    get_benchmark,
    load_benchmark,
    load_zero_cost,
)

TASKS = (
    "class_scene",
    "class_object",
    "room_layout",
    "jigsaw",
    "segmentsemantic",
    "normal",
    "autoencoder",
)
PROXIES = (
    "flops",
    "params",
    "grasp",
    "fisher",
    "grad_norm",
    "l2_norm",
    "plain",
    "nwot",
    "epe_nas",
    "jacov",
    "snip",
)
ROWS = {
    "micro": dict.fromkeys(TASKS, 711),
    "macro": {t: 662 if t.startswith("class_") else 725 for t in TASKS},
}


@pytest.fixture(scope="module", params=["micro", "macro"])
def source(request, shared_data):
    path = shared_data / "tnb101" / f"zc_transbench101_{request.param}.json"
    return request.param, json.loads(path.read_text())


@pytest.mark.parametrize("space", ["micro", "macro"])
def test_tables_load_for_every_task(space):
    name = f"tnb101_{space}"
    assert name in nasperf.available_benchmarks()
    assert set(get_benchmark(name).datasets) == set(TASKS)
    for task in TASKS:
        df = nasperf.load_benchmark(name, dataset=task)
        assert len(df) == ROWS[space][task] and df.index.is_unique and df.index.name == "arch"
        assert list(df.columns) == ["naslib_key", "val_metric", "mflops", "mparams"]
        assert df["val_metric"].dtype == np.float32 and df["mflops"].dtype == np.float64
        assert df.attrs["space"] == name and df.attrs["higher_is_better"] is True
        sp = nasperf.get_space(name)
        assert all(sp.to_string(sp.parse(a)) == a for a in df.index[:50])
    assert load_benchmark(name, "Surface_Normal").attrs["dataset"] == "normal"


def test_metadata_orients_every_target():
    for space in ("micro", "macro"):
        for task in TASKS:
            meta = benchmark_metadata(f"tnb101_{space}", task)
            assert meta["higher_is_better"] is True and meta["target"] == "val_metric"
            assert meta["size"] == ROWS[space][task] and meta["zero_cost_table"] is True
            assert meta["fidelities"] == ["final"]
    room = benchmark_metadata("tnb101_micro", "room_layout")
    assert room["metric"] == "negated L2 (MSE) loss" and "negated" in room["note"]
    assert benchmark_metadata("tnb101_macro", "normal")["metric"] == "SSIM"
    assert benchmark_metadata("tnb101_macro", "segmentsemantic")["metric"] == "pixel accuracy (%)"
    # the loss of room_layout is stored negated: every value is negative
    assert (load_benchmark("tnb101_micro", "room_layout")["val_metric"] < 0).all()
    nb201 = benchmark_metadata("nb201", "cifar10")
    assert nb201["size"] == 15_625 and nb201["higher_is_better"] is True


def test_tables_hold_the_source_values(source):
    space_name, data = source
    space = nasperf.get_space(f"tnb101_{space_name}")
    for task, records in data.items():
        df = load_benchmark(f"tnb101_{space_name}", task)
        expected = pd.DataFrame(
            {
                "naslib_key": list(records),
                "val_metric": [r["val_accuracy"] for r in records.values()],
                "mflops": [r["flops"]["score"] for r in records.values()],
                "mparams": [r["params"]["score"] for r in records.values()],
            },
            index=[space.to_string(space.from_naslib(k)) for k in records],
        )
        got = df.loc[expected.index]
        assert list(got["naslib_key"]) == list(expected["naslib_key"])
        # float32 holds NASLib's values exactly (they were float32 written as doubles)
        assert (got["val_metric"].astype(np.float64) == expected["val_metric"]).all()
        assert (got["mflops"] == expected["mflops"]).all()
        assert (got["mparams"] == expected["mparams"]).all()


def test_zero_cost_tables_hold_the_source_scores(source):
    space_name, data = source
    space = nasperf.get_space(f"tnb101_{space_name}")
    for task, records in data.items():
        zc = load_zero_cost(f"tnb101_{space_name}", task)
        settings = zc.attrs["settings"]
        assert (f"tnb101_{space_name}", task) in available_zero_cost()
        # no target column can leak into the features
        assert "val_metric" not in zc.columns and "val_accuracy" not in zc.columns
        assert list(zc.columns) == settings["proxies"]
        assert set(zc.columns) | set(settings["dropped"]) == set(PROXIES)
        # EPE-NAS needs class labels: NASLib failed on every architecture but jigsaw's
        assert ("epe_nas" in zc.columns) == (task == "jigsaw")
        assert set(settings["seconds_per_arch"]) == set(zc.columns)
        for key, rec in list(records.items())[::7]:
            row = zc.loc[space.to_string(space.from_naslib(key))]
            for proxy in zc.columns:
                value = rec[proxy]["score"]
                if value == -1e8:
                    assert np.isnan(row[proxy]), (task, key, proxy)
                else:
                    assert row[proxy] == value, (task, key, proxy)


def test_naslib_files_of_both_spaces_read_with_their_space():
    from nasperf.datasets import read_naslib_zc

    micro = read_naslib_zc(
        {"transbench101_micro": {"jigsaw": {"(0, 1, 2, 3, 0, 1)": {"nwot": 1.5}}}}
    )
    assert list(micro.index) == ["64-41414-0_12_301"] and micro.attrs["space"] == "tnb101_micro"
    macro = read_naslib_zc({"transbench101_macro": {"normal": {"(4, 1, 4, 1, 0, 0)": {"a": 1}}}})
    assert list(macro.index) == ["64-4141-basic"]


def test_zero_cost_tables_feed_the_zero_cost_encoding():
    from nasperf import encodings

    zc = load_zero_cost("tnb101_macro", "class_scene")
    archs = list(zc.index[:20])
    enc = encodings.get("zero_cost", space="tnb101_macro", table=zc).fit(archs)
    X = enc.transform(archs)
    assert X.shape == (20, zc.shape[1])


def test_packaged_files_are_small_and_listed():
    manifest = json.loads((data_root() / "MANIFEST.json").read_text())
    # the pre-trained checkpoints (pretrained/tnb101_*) are counted by their own tests
    ours = {k: v for k, v in manifest.items() if "tnb101" in k and not k.startswith("pretrained/")}
    assert len(ours) == 2 * 7 * 3  # benchmark table, zero-cost table and settings per task
    assert sum(v["bytes"] for v in ours.values()) < 1_000_000
    assert "licenses/NASLib-Apache-2.0.txt" in manifest
    assert "licenses/TransNAS-Bench-101-MIT.txt" in manifest
