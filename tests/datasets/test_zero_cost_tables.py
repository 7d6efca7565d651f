"""Packaged zero-cost tables in parts: joined column-wise, checked for consistency."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import zero_cost_tables as zt
from nasperf.errors import DataIntegrityError

SETTINGS = {
    "space": "nb201",
    "dataset": ["cifar10", 3, 32, 10],
    "batch_size": 64,
    "seed": 0,
    "data_sha256": "ab" * 32,
    "network_kwargs": {},
    "device": "cpu",
}
ARCHS = [f"|arch{i}~0|" for i in range(5)]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data folder of our own that zero_cost_tables reads instead of the packaged one."""
    root = tmp_path / "zero_cost"
    root.mkdir()

    def files():
        return sorted(f"zero_cost/{p.name}" for p in root.iterdir())

    monkeypatch.setattr(zt, "packaged_files", files)
    monkeypatch.setattr(zt, "data_path", lambda name: tmp_path / name)
    zt._load.cache_clear()
    yield root
    zt._load.cache_clear()


def write(root, stem, columns: dict, archs=ARCHS, **settings):
    frame = pd.DataFrame({"arch": archs, **columns})
    frame.to_parquet(root / f"{stem}.parquet", index=False)
    meta = {**SETTINGS, "proxies": list(columns), **settings}
    (root / f"{stem}.json").write_text(json.dumps(meta))


def test_parts_are_joined_and_their_settings_merged(folder):
    rng = np.random.default_rng(0)
    free = {"synflow": rng.random(5), "params": rng.random(5)}
    images = {"jacov": rng.random(5), "snip": rng.random(5)}
    write(folder, "nb201_cifar10", free, seconds_per_arch={"synflow": 0.1, "params": 0.01})
    # the part's rows in another order: joined by architecture, not by position
    write(
        folder,
        "nb201_cifar10.images",
        {k: v[::-1] for k, v in images.items()},
        archs=ARCHS[::-1],
        seconds_per_arch={"jacov": 0.2, "snip": 0.3},
        produced_by="a test",
    )
    assert zt.available_zero_cost() == [("nb201", "cifar10")]
    table = zt.load_zero_cost("nb201", "cifar10")
    assert list(table.columns) == ["synflow", "params", "jacov", "snip"]
    for name, values in {**free, **images}.items():
        np.testing.assert_array_equal(table.loc[ARCHS, name].to_numpy(), values)
    settings = table.attrs["settings"]
    assert settings["proxies"] == ["synflow", "params", "jacov", "snip"]
    assert settings["seconds_per_arch"] == {
        "synflow": 0.1,
        "params": 0.01,
        "jacov": 0.2,
        "snip": 0.3,
    }
    files = [p["file"] for p in settings["parts"]]
    assert files == ["zero_cost/nb201_cifar10.parquet", "zero_cost/nb201_cifar10.images.parquet"]
    assert settings["parts"][1]["produced_by"] == "a test"


def test_a_table_without_parts_reads_as_before(folder):
    write(folder, "nb201_cifar100", {"synflow": np.arange(5.0)})
    settings = zt.zero_cost_settings("nb201", "cifar100")
    assert "parts" not in settings and settings["proxies"] == ["synflow"]
    assert list(zt.load_zero_cost("nb201", "cifar100").columns) == ["synflow"]


@pytest.mark.parametrize(
    ("part", "settings", "match"),
    [
        ({"jacov": np.zeros(4)}, {}, "covers other architectures"),
        ({"synflow": np.zeros(5)}, {}, r"repeats the proxies \['synflow'\]"),
        ({"jacov": np.zeros(5)}, {"seed": 1}, r"other settings \(\['seed'\]\)"),
        ({"jacov": np.zeros(5)}, {"data_sha256": "cd" * 32}, "data_sha256"),
    ],
)
def test_inconsistent_parts_are_refused(folder, part, settings, match):
    write(folder, "nb201_cifar10", {"synflow": np.arange(5.0)})
    archs = ARCHS[: len(next(iter(part.values())))]
    write(folder, "nb201_cifar10.images", part, archs=archs, **settings)
    with pytest.raises(DataIntegrityError, match=match):
        zt.load_zero_cost("nb201", "cifar10")
