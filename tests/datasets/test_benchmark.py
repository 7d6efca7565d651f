"""NAS-Bench-201 tables: sizes, dtypes, values against the source CSVs, manifest, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import (
    Fidelity,
    PackagedBenchmark,
    available_benchmarks,
    benchmark_datasets,
    data_root,
    fidelities,
    get_benchmark,
    load_benchmark,
    load_target,
)
from nasperf.errors import DataIntegrityError
from nasperf.spaces import get_space

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
HW = (
    "edgegpu_latency",
    "edgegpu_energy",
    "raspi4_latency",
    "edgetpu_latency",
    "pixel3_latency",
    "eyeriss_latency",
    "eyeriss_energy",
    "eyeriss_arithmetic_intensity",
    "fpga_latency",
    "fpga_energy",
)
FLOAT_COLUMNS = (
    "val_acc_200ep",
    "val_acc_200ep_seed0",
    "val_acc_200ep_seed1",
    "val_acc_200ep_seed2",
    "val_acc_12ep",
    "test_acc_12ep",
    "train_time_s",
    "latency_s",
    "params_mb",
    *HW,
)
needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data absent")


@pytest.mark.parametrize("dataset", DATASETS)
def test_table_shape_columns_dtypes(dataset):
    df = load_benchmark("nb201", dataset)
    assert df.shape[0] == 15_625
    assert df.index.name == "arch" and df.index.is_unique
    assert list(df["nb201_index"]) == list(range(15_625))  # row i is NB201 cell i
    for col in FLOAT_COLUMNS:
        assert df[col].dtype == np.float32, col
    assert df["nb201_index"].dtype == np.int32
    assert df["n_seeds"].dtype == np.int8
    assert set(df["n_seeds"].unique()) == {2, 3}
    # Seed 2 is missing exactly where only two seeds were trained, nothing else is.
    assert (df["val_acc_200ep_seed2"].isna() == (df["n_seeds"] == 2)).all()
    assert df.drop(columns="val_acc_200ep_seed2").notna().all().all()
    assert df.attrs == {
        "benchmark": "nb201",
        "dataset": dataset,
        "space": "nb201",
        "fidelity": None,
        "metric": "validation accuracy (%)",
        "higher_is_better": True,
    }


def test_index_is_the_whole_space_and_keys_round_trip():
    df = load_benchmark("nb201", "cifar10")
    space = get_space("nb201")
    assert set(df.index) == {space.to_string(a) for a in space.enumerate()}
    for arch, key in df["naslib_key"].iloc[::997].items():
        assert str(space.to_naslib(space.parse(arch))) == key
        assert space.to_string(space.from_naslib(key)) == arch


@needs_shared
@pytest.mark.parametrize("dataset", DATASETS)
def test_values_match_source_csvs(dataset):
    full = pd.read_csv(SHARED_DATA / "nb201" / "nb201_200ep_val_acc.csv.gz")
    full = full[full["dataset"] == dataset].set_index("arch_str")
    hw = pd.read_csv(SHARED_DATA / "nb201" / "nb201_hw_metrics.csv.gz")
    hw = hw[hw["dataset"] == dataset].set_index("arch_str")
    cheap = pd.read_csv(SHARED_DATA / "nb201" / "nb201_12ep_acc.csv.gz").set_index("arch_str")
    prefix = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}[dataset]

    df = load_benchmark("nb201", dataset)
    rng = np.random.default_rng(0)
    for arch in rng.choice(df.index.to_numpy(), size=50, replace=False):
        row = df.loc[arch]
        np.testing.assert_allclose(row["val_acc_200ep"], full.at[arch, "val_acc_mean"], rtol=1e-6)
        for k in range(3):
            np.testing.assert_allclose(
                row[f"val_acc_200ep_seed{k}"], full.at[arch, f"val_acc_seed{k}"], rtol=1e-6
            )
        assert row["n_seeds"] == full.at[arch, "n_seeds"]
        for col in ("train_time_s", "latency_s", "params_mb"):
            np.testing.assert_allclose(row[col], full.at[arch, col], rtol=1e-6)
        np.testing.assert_allclose(row["val_acc_12ep"], cheap.at[arch, f"{prefix}_val_12ep"])
        np.testing.assert_allclose(row["test_acc_12ep"], cheap.at[arch, f"{prefix}_test_12ep"])
        assert row["nb201_index"] == cheap.at[arch, "nb201_index"]
        for col in HW:
            np.testing.assert_allclose(row[col], hw.at[arch, col], rtol=1e-6)


def test_known_cell_values():
    # NB201 cell 0 on CIFAR-10 (values from the source CSVs' first rows).
    arch = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    row = load_benchmark("nb201", "cifar10").loc[arch]
    assert row["nb201_index"] == 0
    assert row["naslib_key"] == "(4, 3, 3, 0, 0, 0)"
    assert row["val_acc_200ep"] == pytest.approx(81.9827, abs=1e-4)
    assert row["val_acc_12ep"] == pytest.approx(63.364, abs=1e-4)
    assert row["test_acc_12ep"] == pytest.approx(69.55, abs=1e-4)
    assert row["edgegpu_latency"] == pytest.approx(5.80742, rel=1e-6)
    imnet = load_benchmark("nb201", "imagenet").loc[arch]
    assert imnet["test_acc_12ep"] == pytest.approx(17.0)


def test_best_cell_cifar10():
    df = load_benchmark("nb201", "cifar10-valid")
    best = df["val_acc_200ep"].idxmax()
    assert df.loc[best, "val_acc_200ep"] == pytest.approx(91.6067, abs=1e-3)
    assert "none" not in best


def test_fidelity_view_and_target():
    assert fidelities("nb201") == ["12ep", "200ep"]
    cheap = load_benchmark("nb201", "cifar100", fidelity="12ep")
    assert cheap.attrs["fidelity"] == "12ep"
    assert (cheap["val_acc"] == cheap["val_acc_12ep"]).all()
    full = load_benchmark("nb201", "cifar100", fidelity=200)
    assert (full["val_acc"] == full["val_acc_200ep"]).all()
    assert load_benchmark("nb201", "cifar100", fidelity="VAL_ACC_12EP").attrs["fidelity"] == "12ep"

    target = load_target("nb201", "cifar100")  # default: the full budget
    assert target.name == "val_acc_200ep" and len(target) == 15_625
    pd.testing.assert_series_equal(target, full["val_acc_200ep"])
    t12 = load_target("nb201", "cifar100", "12ep")
    assert t12.attrs["fidelity"] == "12ep"
    # The cheap fidelity ranks cells much like the full one (but not identically).
    rho = target.rank().corr(t12.rank())
    assert 0.8 < rho < 0.999


def test_returned_frames_are_copies():
    a = load_benchmark("nb201", "cifar10")
    a.iloc[0, a.columns.get_loc("val_acc_200ep")] = -1.0
    a["extra"] = 1
    b = load_benchmark("nb201", "cifar10")
    assert b["val_acc_200ep"].iloc[0] > 0 and "extra" not in b
    t = load_target("nb201", "cifar10")
    t.iloc[0] = -1.0
    assert load_target("nb201", "cifar10").iloc[0] > 0


@pytest.mark.parametrize("alias", ["CIFAR10", "cifar10-valid", "Cifar10-Valid"])
def test_dataset_aliases_cifar10(alias):
    assert load_benchmark("nb201", alias).attrs["dataset"] == "cifar10"


@pytest.mark.parametrize("alias", ["ImageNet16-120", "imagenet16-120", "imagenet16", "imagenet"])
def test_dataset_aliases_imagenet(alias):
    assert load_benchmark("nasbench201", alias).attrs["dataset"] == "ImageNet16-120"


def test_registry_listing():
    assert "nb201" in available_benchmarks()
    assert benchmark_datasets("nb201") == list(DATASETS)
    bench = get_benchmark("NAS-Bench-201")
    assert bench.resolve_fidelity(None).column == "val_acc_200ep"
    # epochs as a numpy integer (e.g. read from an array) name the fidelity as an int does
    assert bench.resolve_fidelity(np.int64(12)) is bench.resolve_fidelity(12)
    with pytest.raises(ValueError, match="unknown fidelity True"):
        bench.resolve_fidelity(True)


def test_a_fidelity_is_named_by_its_name_column_or_epochs():
    from nasperf.datasets import match_fidelity

    fids = get_benchmark("nb201").fidelities
    # digits as text are epochs too (a command line's --target 200, --budgets 12)
    for spelling in ("12ep", " 12EP ", "val_acc_12ep", 12, np.int64(12), "12", " 012 "):
        assert match_fidelity(fids, spelling) is fids[0], spelling
    for nothing in ("13", 13, "12 ep", "\u00b2", True, "1" * 20):
        assert match_fidelity(fids, nothing) is None, nothing
    with pytest.raises(ValueError, match=r"unknown fidelity '13' for benchmark 'nb201'"):
        get_benchmark("nb201").resolve_fidelity("13")


def test_a_fidelity_name_gives_its_epochs_by_one_rule():
    """The one reading of a fidelity name's epochs, used by a study's table fidelities and a
    search's TableObjective alike."""
    from nasperf.datasets import epochs_in_name
    from nasperf.evaluation.config import _table_fidelities

    for name, epochs in [
        ("12ep", 12),
        ("200", 200),
        ("25_epochs", 25),
        (" 12 Epochs ", 12),
        ("1-epoch", 1),
        ("0ep", 0),
    ]:
        assert epochs_in_name(name) == epochs, name
    for name in ("val_acc_12ep", "low", "full", "ep12", "12 eps", "", "1" * 10, 12, None):
        assert epochs_in_name(name) is None, name
    fids = _table_fidelities({"fidelities": {"200ep": ["a"], "12_epochs": ["b"]}})
    assert [(f.name, f.epochs) for f in fids] == [("12_epochs", 12), ("200ep", 200)]


def test_fidelity_seconds_are_a_fidelity_s_column_else_its_epochs_share():
    table = load_benchmark("nb201", "cifar10")
    full = table["train_time_s"].to_numpy(np.float64)
    bench = get_benchmark("nb201")
    np.testing.assert_array_equal(bench.fidelity_seconds(table, "12ep"), full * (12 / 200))
    np.testing.assert_array_equal(bench.fidelity_seconds(table, 200), full)
    np.testing.assert_array_equal(bench.fidelity_seconds(table), full)
    # a fidelity recording its own seconds is charged them; one without, its epochs' share
    mine = PackagedBenchmark(
        name="mine",
        space="nb201",
        files={},
        fidelities=(
            Fidelity("5ep", "acc5", 5, cost_column="seconds5"),
            Fidelity("10ep", "acc10", 10),
            Fidelity("50ep", "acc50", 50),
        ),
        cost_column="seconds50",
    )
    rows = pd.DataFrame({"seconds5": [7.0, 9.0], "seconds50": [100.0, 300.0]})
    assert mine.fidelity_seconds(rows, "5ep").tolist() == [7.0, 9.0]
    assert mine.fidelity_seconds(rows, "10ep").tolist() == [20.0, 60.0]
    assert mine.fidelity_seconds(rows, "50ep").tolist() == [100.0, 300.0]
    # no seconds recorded (NAS-Bench-Graph has no training time)
    assert get_benchmark("nbgraph").fidelity_seconds(load_benchmark("nbgraph", "cora")) is None


def test_unknown_names_list_the_options():
    with pytest.raises(ValueError, match=r"unknown benchmark 'nb999'.*available: .*nb201"):
        load_benchmark("nb999")
    with pytest.raises(
        ValueError, match=r"unknown dataset 'svhn'.*cifar10, cifar100, ImageNet16-120"
    ):
        load_benchmark("nb201", "svhn")
    with pytest.raises(ValueError, match=r"unknown fidelity '50ep'.*12ep.*200ep"):
        load_benchmark("nb201", "cifar10", fidelity="50ep")
    with pytest.raises(ValueError, match=r"unknown fidelity 7"):
        load_target("nb201", "cifar10", 7)


def _copy_data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root)
    return root


def test_manifest_covers_every_file_with_sizes():
    root = data_root()
    manifest = json.loads((root / "MANIFEST.json").read_text())
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "MANIFEST.json"
    }
    assert set(manifest) == on_disk
    for name, entry in manifest.items():
        assert (root / name).stat().st_size == entry["bytes"]
        assert len(entry["sha256"]) == 64
    # Stays small: the NB201 tables, image batches, two learning-curve surrogates (NB301 2.8 MB,
    # LCBench 2.2 MB of ONNX) and the learned-prior extrapolator's weights; 17.5 MB: 16 MB plus
    # the nine NAS-Bench-Graph checkpoints (841,588 bytes measured), the NB201 CIFAR-10 and
    # CIFAR-100 data-dependent proxy parts (365,339 and 369,070 bytes), their meco + swap parts
    # (127,163 and 126,798 bytes) and a margin.
    assert sum(e["bytes"] for e in manifest.values()) < 17_500_000


def test_intact_copy_loads_via_root(tmp_path):
    root = _copy_data(tmp_path)
    df = load_benchmark("nb201", "cifar100", root=root)
    pd.testing.assert_frame_equal(df, load_benchmark("nb201", "cifar100"))


def test_corrupted_copy_is_detected(tmp_path):
    root = _copy_data(tmp_path)
    path = root / "nb201" / "cifar10.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="sha256"):
        load_benchmark("nb201", "cifar10", root=root)


def test_missing_file_is_detected(tmp_path):
    root = _copy_data(tmp_path)
    (root / "nb201" / "cifar100.parquet").unlink()
    with pytest.raises(DataIntegrityError, match="missing"):
        load_benchmark("nb201", "cifar100", root=root)


def test_nas_bench_graph_metadata_names_its_metric_and_scale():
    from nasperf.datasets import benchmark_metadata, load_benchmark

    assert benchmark_metadata("nbgraph", "cora")["metric"] == "validation accuracy (fraction)"
    for name in ("nbgraph", "nbgraph-proteins"):
        assert benchmark_metadata(name, "proteins")["metric"] == "validation ROC-AUC (fraction)"
    values = load_benchmark("nbgraph", "cora")["valid_perf"]
    assert 0.0 < values.min() and values.max() < 1.0  # fractions, not percentages
