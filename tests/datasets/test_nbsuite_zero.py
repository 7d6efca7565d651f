"""NAS-Bench-Suite-Zero's 50 trained NB101 / NB301 cells as benchmarks ``nb101`` / ``nb301``,
their zero-cost tables, and the task listing (``available_tasks``) with coverage-checked side
information."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf.datasets import (
    Benchmark,
    Fidelity,
    available_benchmarks,
    available_tasks,
    benchmark_metadata,
    get_benchmark,
    load_benchmark,
    load_zero_cost,
)
from nasperf.datasets.benchmark import TASK_COLUMNS

FILES = {"nb101": "nb101/naslib_zc_nb101_dev50.json", "nb301": "nb301/naslib_zc_nb301_dev50.json"}
PROXIES = {
    "flops",
    "params",
    "snip",
    "jacov",
    "grad_norm",
    "plain",
    "epe_nas",
    "fisher",
    "grasp",
    "l2_norm",
    "synflow",
}


@pytest.mark.parametrize("space", ["nb101", "nb301"])
def test_tables_and_proxies_hold_the_naslib_values(space, shared_data):
    records = json.loads((shared_data / FILES[space]).read_text())
    (records,) = (v["cifar10"] for v in records.values())
    sp = nasperf.get_space(space)
    table = load_benchmark(space, "cifar10")
    zc = load_zero_cost(space, "cifar10")
    assert len(table) == len(zc) == len(records) == 50
    assert set(zc.columns) == PROXIES and "val_accuracy" not in zc.columns
    for key, rec in records.items():
        arch = sp.to_string(sp.from_naslib(key))
        # values are copied, not recomputed: exact equality
        assert table.at[arch, "val_accuracy"] == rec["val_accuracy"]
        assert table.at[arch, "mflops"] == rec["flops"]
        assert table.at[arch, "mparams"] == rec["params"]
        for proxy in PROXIES:
            assert zc.at[arch, proxy] == rec[proxy], (key, proxy)


@pytest.mark.parametrize("space", ["nb101", "nb301"])
def test_metadata(space):
    meta = benchmark_metadata(space, "cifar10")
    assert meta["size"] == 50 and meta["higher_is_better"] is True
    assert meta["target"] == "val_accuracy" and meta["space"] == space
    assert meta["zero_cost_table"] is True and set(meta["zero_cost_proxies"]) == PROXIES
    assert meta["learning_curves"] == []
    assert get_benchmark(f"{space}_suite_zero").name == space


class _Subset(Benchmark):
    """The first ``n`` NB101 cells of the packaged table, plus ``extra`` other cells."""

    name = "nb101_subset"
    space = "nb101"
    datasets = ("cifar10",)
    dataset_aliases: dict = {}
    fidelities = (Fidelity("108ep", "val_accuracy", 108),)

    def __init__(self, n: int, extra: list[str]) -> None:
        self.n, self.extra = n, extra

    def read_table(self, dataset, *, root=None):
        table = load_benchmark("nb101", "cifar10").iloc[: self.n]
        more = pd.DataFrame({"val_accuracy": [90.0] * len(self.extra)}, index=self.extra)
        return pd.concat([table, more])


def test_zero_cost_side_information_requires_coverage():
    """A table keyed by the same space and dataset counts only if it scores every row: the
    50-cell NB301 table is no side information for nb301_surrogate's 3,000 genotypes."""
    nasperf.datasets.clear_cache()
    covered = _Subset(10, []).metadata("cifar10")
    assert covered["zero_cost_table"] is True and len(covered["zero_cost_proxies"]) == 11
    other = nasperf.get_space("nb101").random_architecture(np.random.default_rng(0))
    extra = [nasperf.get_space("nb101").to_string(other)]
    assert extra[0] not in load_zero_cost("nb101", "cifar10").index
    nasperf.datasets.clear_cache()
    partial = _Subset(10, extra).metadata("cifar10")
    assert partial["zero_cost_table"] is False and partial["zero_cost_proxies"] == []
    nasperf.datasets.clear_cache()


#: The packaged NB201 proxies: data-free for every dataset, the image ones for CIFAR-10/100.
NB201_DATA_FREE = {"synflow", "l2_norm", "params", "flops"}
NB201_WITH_IMAGES = {"nwot", "jacov", "snip", "grad_norm", "fisher", "meco", "swap"}


def test_task_metadata_names_target_direction_size_and_side_information():
    # the rows available_tasks() is made of, on tables that load in well under a second
    row = benchmark_metadata("tnb101_micro", "room_layout")
    assert row["metric"] == "negated L2 (MSE) loss" and row["higher_is_better"]
    assert row["size"] == 711 and "jacov" in row["zero_cost_proxies"]
    nb201 = benchmark_metadata("nb201", "cifar100")
    assert nb201["learning_curves"] == ["12ep"] and nb201["size"] == 15_625
    assert set(nb201["zero_cost_proxies"]) == NB201_DATA_FREE | NB201_WITH_IMAGES
    # ImageNet16-120 has no images here: data-free proxies only
    inet = benchmark_metadata("nb201", "ImageNet16-120")
    assert set(inet["zero_cost_proxies"]) == NB201_DATA_FREE


@pytest.mark.slow  # builds the NB301 surrogate's 3,000-architecture table (~25 s on one core)
def test_available_tasks_lists_every_dataset_of_every_benchmark():
    tasks = available_tasks()
    assert list(tasks.columns) == list(TASK_COLUMNS)
    expected = [f"{b}/{d}" for b in available_benchmarks() for d in get_benchmark(b).datasets]
    assert list(tasks["task"]) == expected
    assert available_benchmarks(tasks=True)["task"].tolist() == expected
    # 3 NB201 + 2 x 7 TNB101 + NB101 + NB301 + the NB301 surrogate today
    assert len(tasks) >= 20 and tasks["task"].is_unique
    for name in ("nb101/cifar10", "nb201/ImageNet16-120", "tnb101_macro/room_layout"):
        assert name in set(tasks["task"])
    row = tasks.set_index("task").loc["tnb101_micro/room_layout"]
    assert row["metric"] == "negated L2 (MSE) loss" and bool(row["higher_is_better"])
    assert row["size"] == 711 and "jacov" in row["zero_cost_proxies"]
    nb201 = tasks.set_index("task").loc["nb201/cifar100"]
    assert nb201["learning_curves"] == ["12ep"] and nb201["size"] == 15_625
    assert set(nb201["zero_cost_proxies"]) == NB201_DATA_FREE | NB201_WITH_IMAGES
    assert tasks["higher_is_better"].all()


def test_searches_take_a_zero_cost_table_only_where_it_covers_the_candidates():
    from nasperf.search.objective import CurveObjective, TableObjective
    from nasperf.search.run import _side_information

    # NB301's surrogate space: the 50-genotype table would score almost no candidate
    assert _side_information(CurveObjective("nb301"), "cifar10", None) == {}
    side = _side_information(TableObjective.from_benchmark("nb301"), "cifar10", None)
    assert list(side["zero_cost"].index) == sorted(load_benchmark("nb301").index)
