"""Readers for users' data: NASLib zero-cost JSON and architecture CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import load_benchmark, read_architecture_csv, read_naslib_zc
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import get_space

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ZC_SAMPLE = SHARED / "reference" / "naslib-zc" / "zc_nasbench201_sample.json"
needs_sample = pytest.mark.skipif(not ZC_SAMPLE.is_file(), reason="NASLib sample absent")
PROXIES = (
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
    "val_accuracy",
)


@needs_sample
def test_naslib_zc_sample_round_trip():
    raw = json.loads(ZC_SAMPLE.read_text())["nasbench201"]
    df = read_naslib_zc(ZC_SAMPLE)
    assert df.shape == (491 * 3, 2 + len(PROXIES))
    assert df.attrs["space"] == "nb201" and df.attrs["naslib_space"] == "nasbench201"
    assert df.index.name == "arch"
    assert set(df.columns) == {"dataset", "naslib_key", *PROXIES}
    assert df["dataset"].value_counts().to_dict() == {
        "cifar10": 491,
        "cifar100": 491,
        "ImageNet16-120": 491,
    }
    space = get_space("nb201")
    for arch, row in df.iterrows():
        key = row["naslib_key"]
        assert str(space.to_naslib(space.parse(arch))) == key
        assert row["synflow"] == raw[row["dataset"]][key]["synflow"]
        assert row["val_accuracy"] == raw[row["dataset"]][key]["val_accuracy"]


@needs_sample
def test_naslib_zc_one_dataset_joins_the_benchmark():
    zc = read_naslib_zc(ZC_SAMPLE, space="nb201", dataset="CIFAR10")
    assert zc.shape[0] == 491 and zc.index.is_unique
    assert set(zc["dataset"]) == {"cifar10"}
    bench = load_benchmark("nb201", "cifar10")
    joined = zc.join(bench.rename(columns={"naslib_key": "naslib_key_bench"}), how="inner")
    assert (joined["naslib_key"] == joined["naslib_key_bench"]).all()
    assert len(joined) == 491  # every NASLib key names a benchmark cell
    # NASLib's val_accuracy is NAS-Bench-201's cifar10-valid 200-epoch accuracy (one seed
    # or the mean): it correlates almost perfectly with ours.
    r = np.corrcoef(joined["val_accuracy"], joined["val_acc_200ep"])[0, 1]
    assert r > 0.98


def test_naslib_zc_from_dict_with_score_objects():
    data = {
        "nasbench201": {
            "cifar10": {
                "(4, 3, 3, 3, 2, 3)": {
                    "synflow": {"score": 1.5, "time": 0.25},
                    "val_accuracy": 90.0,
                }
            }
        }
    }
    df = read_naslib_zc(data)
    arch = "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    assert list(df.index) == [arch]
    assert df.loc[arch, "synflow"] == 1.5 and df.loc[arch, "synflow_time"] == 0.25


def test_naslib_zc_bad_key_names_the_row():
    data = {
        "nasbench201": {
            "cifar10": {"(0, 0, 0, 0, 0, 0)": {"a": 1.0}, "(4, 3, 3, 3, 2, 9)": {"a": 2.0}}
        }
    }
    with pytest.raises(InvalidArchitectureError, match=r"\(4, 3, 3, 3, 2, 9\).*cifar10") as ei:
        read_naslib_zc(data)
    assert ei.value.value == "(4, 3, 3, 3, 2, 9)"
    with pytest.raises(InvalidArchitectureError, match="not-a-key"):
        read_naslib_zc({"nasbench201": {"cifar10": {"not-a-key": {"a": 1.0}}}})


def test_naslib_zc_layout_and_space_errors():
    with pytest.raises(ValueError, match="nasbenchasr.*not available"):
        read_naslib_zc({"nasbenchasr": {"timit": {"(0, 1, 2, 3, 0, 1)": {"a": 1}}}})
    with pytest.raises(ValueError, match="several search spaces"):
        read_naslib_zc({"nasbench201": {}, "nasbench101": {}})
    with pytest.raises(ValueError, match="dataset 'svhn' not in the file"):
        read_naslib_zc({"nasbench201": {"cifar10": {}}}, dataset="svhn")
    with pytest.raises(ValueError, match="does not map dataset names"):
        read_naslib_zc({"nasbench201": {"cifar10": [1, 2]}})


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archs.csv"
    path.write_text(text)
    return path


A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
A1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_architecture_csv(tmp_path):
    # Native strings and (quoted) NASLib keys are both accepted; the index is canonical.
    path = _write(
        tmp_path, f'arch,acc,note\n{A0},81.5,x\n"(4, 3, 3, 0, 0, 0)",80.0,y\n{A1},90.25,z\n'
    )
    # Lines 2 and 3 spell one architecture two ways: an error unless duplicates= says which.
    with pytest.raises(ValueError, match=r"archs.csv line 3: architecture .* at archs.csv line 2"):
        read_architecture_csv(path, "nb201", targets="acc")
    df = read_architecture_csv(path, "nb201", targets="acc", duplicates="first")
    assert list(df.index) == [A0, A1]
    assert list(df.columns) == ["acc"] and df["acc"].dtype == np.float64
    assert df["acc"].tolist() == [81.5, 90.25]
    assert df.attrs["space"] == "nb201"
    last = read_architecture_csv(path, "nb201", targets="acc", duplicates="last")
    assert list(last.index) == [A0, A1] and last["acc"].tolist() == [80.0, 90.25]


def test_architecture_csv_default_targets_and_column(tmp_path):
    path = _write(tmp_path, f"cell,a,b\n{A0},1,2\n{A1},3,4\n")
    df = read_architecture_csv(path, get_space("nb201"), arch_column="cell")
    pd.testing.assert_frame_equal(
        df,
        pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 4.0]}, index=pd.Index([A0, A1], name="arch")),
        check_index_type=False,
    )


def test_architecture_csv_optional_columns_read_empty_cells_as_nan(tmp_path):
    """Per-seed columns named ``optional`` may be empty (or NaN) where an architecture has
    fewer seeds; anything else in them is still refused, and so is an empty target."""
    path = _write(tmp_path, f"arch,acc,s0,s1\n{A0},81.5,81,82\n{A1},90,90,\n")
    df = read_architecture_csv(path, "nb201", targets=["acc", "s0", "s1"], optional=["s1"])
    assert df["s1"].iloc[0] == 82.0 and np.isnan(df["s1"].iloc[1])
    assert df["acc"].tolist() == [81.5, 90.0]
    with pytest.raises(ValueError, match=r"line 3, column 's1': missing target"):
        read_architecture_csv(path, "nb201", targets=["acc", "s0", "s1"])
    nan = _write(tmp_path, f"arch,acc,s0\n{A0},81.5,nan\n{A1},90,inf\n")
    with pytest.raises(ValueError, match=r"line 3, column 's0': 'inf' is not a finite number"):
        read_architecture_csv(nan, "nb201", targets=["acc", "s0"], optional=["s0"])
    with pytest.raises(ValueError, match=r"optional columns \['s9'\] are not among the targets"):
        read_architecture_csv(path, "nb201", targets=["acc"], optional=["s9"])


def test_architecture_csv_errors(tmp_path):
    path = _write(tmp_path, f"arch,acc\n{A0},81.5\n{A1},90\n")
    with pytest.raises(ValueError, match=r"no architecture column 'cell'.*\['arch', 'acc'\]"):
        read_architecture_csv(path, "nb201", arch_column="cell")
    with pytest.raises(ValueError, match=r"target columns \['loss'\] not found"):
        read_architecture_csv(path, "nb201", targets=["acc", "loss"])

    bad = _write(tmp_path, f"arch,acc\n{A0},81.5\n|conv~0|+|x~0|y~1|,90\n")
    with pytest.raises(InvalidArchitectureError, match="line 3") as ei:
        read_architecture_csv(bad, "nb201")
    assert ei.value.value == "|conv~0|+|x~0|y~1|"

    nan = _write(tmp_path, f"arch,acc,loss\n{A0},81.5,0.1\n{A1},,0.2\n")
    with pytest.raises(ValueError, match=r"line 3, column 'acc': missing target"):
        read_architecture_csv(nan, "nb201")
    nan2 = _write(tmp_path, f"arch,acc\n{A0},NaN\n")
    with pytest.raises(ValueError, match=r"line 2, column 'acc': missing target"):
        read_architecture_csv(nan2, "nb201")
    text = _write(tmp_path, f"arch,acc\n{A0},81.5\n{A1},high\n")
    with pytest.raises(ValueError, match=r"line 3, column 'acc': 'high' is not a number"):
        read_architecture_csv(text, "nb201")
