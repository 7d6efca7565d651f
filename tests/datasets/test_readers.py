"""Readers for users' data: NASLib zero-cost JSON and architecture CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import (
    load_benchmark,
    load_zero_cost,
    read_architecture_csv,
    read_naslib_zc,
)
from nasperf.errors import InvalidArchitectureError, WrongSpaceError
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
    # NASLib stored its failure value -1e8 where jacov / epe_nas failed: never a score
    with pytest.raises(
        ValueError,
        match=r"nasbench201/cifar100/'\(2, 1, 1, 1, 1, 4\)': jacov: -100000000.0 is NASLib's "
        r"failure value \(the proxy failed on this architecture; pass nan='keep'",
    ):
        read_naslib_zc(ZC_SAMPLE)
    df = read_naslib_zc(ZC_SAMPLE, nan="keep")
    assert df.attrs["naslib_failed"] == {"jacov": 21, "epe_nas": 31}
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
        for proxy in ("jacov", "epe_nas"):
            value = raw[row["dataset"]][key][proxy]
            assert np.isnan(row[proxy]) if value == -1e8 else row[proxy] == value


@needs_sample
def test_naslib_zc_one_dataset_joins_the_benchmark():
    zc = read_naslib_zc(ZC_SAMPLE, space="nb201", dataset="CIFAR10", nan="keep")
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


NB201_A = "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def test_naslib_zc_missing_field_is_an_error_unless_nan_keep():
    """A field other records have is not a silent NaN (pandas would fill the gap)."""
    data = {
        "nasbench201": {
            "cifar10": {
                "(4, 3, 3, 3, 2, 3)": {"synflow": 1.0, "val_accuracy": 90.1},
                "(0, 0, 0, 0, 0, 0)": {"synflow": 2.0},
            }
        }
    }
    with pytest.raises(ValueError) as ei:
        read_naslib_zc(data)
    assert str(ei.value) == (
        "data: nasbench201/cifar10/'(0, 0, 0, 0, 0, 0)': no field 'val_accuracy' (as "
        "data: nasbench201/cifar10/'(4, 3, 3, 3, 2, 3)' has; missing here: ['val_accuracy']); "
        "pass nan='keep' to read missing fields as NaN"
    )
    kept = read_naslib_zc(data, nan="keep")
    assert kept["val_accuracy"].iloc[0] == 90.1 and np.isnan(kept["val_accuracy"].iloc[1])
    assert kept["synflow"].tolist() == [1.0, 2.0]
    # a missing time of a {"score", "time"} proxy is named as the file spells it
    timed = {
        "nasbench201": {
            "cifar10": {
                "(4, 3, 3, 3, 2, 3)": {"synflow": {"score": 1.0, "time": 0.5}},
                "(0, 0, 0, 0, 0, 0)": {"synflow": {"score": 2.0}},
            }
        }
    }
    with pytest.raises(ValueError, match=r"'\(0, 0, 0, 0, 0, 0\)': no field 'synflow.time'"):
        read_naslib_zc(timed)


def test_naslib_zc_refuses_another_naslib_space():
    """A file whose single space is NASLib's TNB101 micro is not parsed as NB201 (the keys
    share their format, so they would all parse)."""
    data = {"transbench101_micro": {"class_scene": {"(1, 0, 0, 2, 1, 0)": {"nwot": 1.0}}}}
    with pytest.raises(WrongSpaceError) as ei:
        read_naslib_zc(data, space="nb201", dataset="class_scene")
    assert str(ei.value) == (
        "data: NASLib JSON of transbench101_micro architectures (nasperf space "
        "'tnb101_micro'), but space='nb201' was given; pass space='tnb101_micro' (or leave "
        "space= out)"
    )
    with pytest.raises(WrongSpaceError, match="but a nb201 space was given"):
        read_naslib_zc(data, space=get_space("nb201"))
    assert read_naslib_zc(data, space="tnb101_micro").attrs["space"] == "tnb101_micro"


def test_naslib_zc_refuses_the_shared_tnb101_file_as_nb201(shared_data):
    """The user's case: NASLib's micro file under its space key, read with space='nb201'."""
    d = json.loads((shared_data / "tnb101" / "zc_transbench101_micro.json").read_text())
    with pytest.raises(WrongSpaceError, match="transbench101_micro architectures"):
        read_naslib_zc({"transbench101_micro": d}, space="nb201", dataset="class_scene")


TNB_MICRO = "64-41414-1_00_210"  # NASLib key (1, 0, 0, 2, 1, 0)


def test_naslib_zc_reads_files_without_the_space_level(tmp_path):
    """NASLib writes TransNAS-Bench-101 files as {task: {key: record}}: read with space=, or
    by NASLib's file name; -1e8 (NASLib's failure value) is never a score."""
    data = {
        "class_scene": {
            "(1, 0, 0, 2, 1, 0)": {"nwot": 4.5, "epe_nas": {"score": -1e8, "time": 1.0}}
        },
        "jigsaw": {"(1, 0, 0, 2, 1, 0)": {"nwot": 5.5, "epe_nas": {"score": 3.0, "time": 1.0}}},
    }
    with pytest.raises(ValueError) as ei:
        read_naslib_zc(data, space="tnb101_micro")
    assert str(ei.value) == (
        "data: class_scene/'(1, 0, 0, 2, 1, 0)': epe_nas.score: -100000000.0 is NASLib's "
        "failure value (the proxy failed on this architecture; pass nan='keep' to read it "
        "as NaN)"
    )
    df = read_naslib_zc(data, space="tnb101_micro", nan="keep")
    assert list(df.index) == [TNB_MICRO, TNB_MICRO]
    assert df["dataset"].tolist() == ["class_scene", "jigsaw"]
    assert df["nwot"].tolist() == [4.5, 5.5]
    assert np.isnan(df["epe_nas"].iloc[0]) and df["epe_nas"].iloc[1] == 3.0
    assert df.attrs == {
        "space": "tnb101_micro",
        "naslib_space": "transbench101_micro",
        "naslib_failed": {"epe_nas": 1},
    }
    one = read_naslib_zc(data, space="transbench101_micro", dataset="jigsaw")
    assert one["nwot"].tolist() == [5.5] and one["epe_nas"].tolist() == [3.0]
    # no space= and no NASLib file name: which space is not guessed
    with pytest.raises(ValueError) as ei:
        read_naslib_zc(data)
    assert str(ei.value) == (
        "data: the top level holds datasets ['class_scene', 'jigsaw'], not search spaces "
        "(NASLib's layout for TransNAS-Bench-101); choose the space with space=... (one of "
        "['tnb101_macro', 'tnb101_micro'])"
    )
    # NASLib's own file name says the space
    path = tmp_path / "zc_transbench101_micro.json"
    path.write_text(json.dumps(data))
    pd.testing.assert_frame_equal(read_naslib_zc(path, nan="keep"), df)
    # tasks of TNB101 are no datasets of NB201
    with pytest.raises(ValueError, match=r"no search space matching 'nb201'.*datasets of"):
        read_naslib_zc(data, space="nb201")


def test_naslib_zc_reads_naslibs_tnb101_files_as_the_packaged_tables(shared_data):
    """NASLib's own files, as downloaded: the same scores as the packaged tables (which read
    -1e8 as NaN), with and without space=."""
    path = shared_data / "tnb101" / "zc_transbench101_micro.json"
    with pytest.raises(ValueError, match=r"epe_nas.score: -100000000.0 is NASLib's failure"):
        read_naslib_zc(path)
    df = read_naslib_zc(path, nan="keep")
    assert df.shape == (7 * 711, 26) and df.attrs["space"] == "tnb101_micro"
    assert df.attrs["naslib_failed"] == {"epe_nas": 6 * 711 + 325, "jacov": 7 * 20}
    jigsaw = read_naslib_zc(path, space="tnb101_micro", dataset="jigsaw", nan="keep")
    pd.testing.assert_frame_equal(jigsaw, df[df["dataset"] == "jigsaw"], check_like=True)
    for task in ("class_scene", "jigsaw"):
        packaged = load_zero_cost("tnb101_micro", task)
        ours = df[df["dataset"] == task].loc[packaged.index, list(packaged.columns)]
        pd.testing.assert_frame_equal(ours, packaged, check_dtype=False)


@pytest.mark.parametrize("field", ["dataset", "naslib_key"])
def test_naslib_zc_refuses_fields_named_like_its_own_columns(field):
    data = {"nasbench201": {"cifar10": {"(4, 3, 3, 3, 2, 3)": {"synflow": 1.0, field: 2.0}}}}
    with pytest.raises(ValueError) as ei:
        read_naslib_zc(data)
    assert str(ei.value) == (
        f"data: nasbench201/cifar10/'(4, 3, 3, 3, 2, 3)': field {field!r} would overwrite "
        f"read_naslib_zc's own {field!r} column (the dataset / the key as written); rename "
        "the field in the file"
    )
    both = {"synflow_time": 3.0, "synflow": {"score": 1.0, "time": 0.5}}
    with pytest.raises(ValueError, match="field 'synflow.time' gives column 'synflow_time' a"):
        read_naslib_zc({"nasbench201": {"cifar10": {"(4, 3, 3, 3, 2, 3)": both}}})


def test_naslib_zc_without_architectures_is_an_error():
    with pytest.raises(ValueError) as ei:
        read_naslib_zc({"nasbench201": {"cifar10": {}}})
    assert str(ei.value) == "data: nasbench201/cifar10 holds no architectures"
    with pytest.raises(ValueError, match="^data: 'nasbench201' holds no datasets$"):
        read_naslib_zc({"nasbench201": {}})
    # an empty dataset beside full ones is not dropped silently either
    full = {"(4, 3, 3, 3, 2, 3)": {"synflow": 1.0}}
    with pytest.raises(ValueError, match="nasbench201/cifar100 holds no architectures"):
        read_naslib_zc({"nasbench201": {"cifar10": full, "cifar100": {}}})
    assert read_naslib_zc(
        {"nasbench201": {"cifar10": full, "cifar100": {}}}, dataset="cifar10"
    ).index.tolist() == [NB201_A]


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


def test_architecture_csv_reads_a_utf8_bom(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark; it is not part of the header."""
    path = tmp_path / "excel.csv"
    path.write_bytes(f"\ufeffarch,val_acc\n{A0},81.5\n{A1},90\n".encode())
    df = read_architecture_csv(path, "nb201")
    assert list(df.columns) == ["val_acc"] and df["val_acc"].tolist() == [81.5, 90.0]
    assert list(df.index) == [A0, A1]
    # offsets of undecodable bytes still count the mark
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xef\xbb\xbfarch,acc\n\xff\n")
    with pytest.raises(
        ValueError, match=r"bad.csv: line 2: not UTF-8 text \(byte 0xff at offset 12\)"
    ):
        read_architecture_csv(bad, "nb201")


def test_architecture_csv_without_rows_or_with_repeated_targets(tmp_path):
    header_only = _write(tmp_path, "arch,val_acc\n")
    with pytest.raises(ValueError) as ei:
        read_architecture_csv(header_only, "nb201")
    assert str(ei.value) == (
        f"{header_only}: no data rows after the header line (columns: ['arch', 'val_acc'])"
    )
    path = _write(tmp_path, f"arch,val_acc\n{A0},81.5\n")
    with pytest.raises(ValueError) as ei:
        read_architecture_csv(path, "nb201", targets=["val_acc", "val_acc"])
    assert str(ei.value) == (
        "targets name the columns ['val_acc'] more than once: ['val_acc', 'val_acc']"
    )


def test_read_zero_cost_table_reads_csv_parquet_and_naslib_json_alike(tmp_path):
    """``read_zero_cost_table`` gives one table indexed by canonical text from each format
    (NASLib keys and native texts alike; a failed proxy's empty cell is NaN), and names the
    file with the row / column of a bad one."""
    from nasperf.datasets import read_zero_cost_table

    space = get_space("nb201")
    zc = load_zero_cost("nb201", "cifar10").iloc[:5][["synflow", "params"]].copy()
    zc.iloc[1, 0] = np.nan
    csv_path = tmp_path / "zc.csv"
    keyed = zc.reset_index()
    keyed.loc[0, "arch"] = str(space.to_naslib(space.parse(keyed.loc[0, "arch"])))
    keyed.assign(nan_reasons="no gradient").to_csv(csv_path, index=False)
    zc.to_parquet(tmp_path / "zc.parquet")
    for path in (csv_path, tmp_path / "zc.parquet"):
        got = read_zero_cost_table(path, "nb201", columns=["synflow", "params"])
        assert list(got.index) == list(zc.index) and got.attrs["source"] == str(path)
        np.testing.assert_array_equal(got[["synflow", "params"]].to_numpy(), zc.to_numpy())
    with pytest.raises(ValueError, match=r"zc\.csv: no column 'snip'"):
        read_zero_cost_table(csv_path, "nb201", columns=["snip"])
    with pytest.raises(
        ValueError, match=r"zc\.csv line 2, column 'nan_reasons' \(architecture .*\): 'no gradient'"
    ):
        read_zero_cost_table(csv_path, "nb201", columns=["nan_reasons"])


def test_read_zero_cost_table_reads_scores_and_recorded_seconds(tmp_path):
    """The columns a caller reads as scores (``columns=``) are finite numbers or missing
    cells (NaN, as a CSV of architecture targets reads them), else one error naming the
    file, the row, the architecture and the cell; ``seconds=True`` reads ``<proxy>_time``
    as the seconds the scores took (what a study's ``zero_cost_table`` and a search's
    ``zero_cost`` charge), any compressed CSV as a plain one."""
    import bz2

    from nasperf.datasets import read_zero_cost_table
    from nasperf.encodings.zero_cost import recorded_seconds

    archs = list(load_zero_cost("nb201", "cifar10").index[:3])
    text = (
        "arch,synflow,synflow_time,nan_reasons\n"
        f"{archs[0]},1.5,0.25,\n{archs[1]},none,,no gradient\n{archs[2]},-2,0.75,\n"
    )
    path = tmp_path / "zc.csv.bz2"
    path.write_bytes(bz2.compress(text.encode()))
    got = read_zero_cost_table(path, "nb201", columns=["synflow"], seconds=True)
    assert list(got.columns) == ["synflow", "nan_reasons"] and list(got.index) == archs
    np.testing.assert_array_equal(got["synflow"].to_numpy(), [1.5, np.nan, -2.0])
    assert got.attrs["seconds_per_arch"] == {"synflow": 0.5}
    assert recorded_seconds(got, ["synflow"]) == 0.5
    kept = read_zero_cost_table(path, "nb201")  # times stay columns; cells as pandas reads
    assert list(kept.columns) == ["synflow", "synflow_time", "nan_reasons"]
    assert "seconds_per_arch" not in kept.attrs
    # (with 'none' in it pandas reads the column as text; with an empty cell, as numbers)
    for missing, cell, shown in [
        ("none", "inf", "'inf'"),
        ("", "-inf", "-inf"),
        ("none", "93.6%", "'93.6%'"),
        ("none", "1_000", "'1_000'"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text.replace(",none,", f",{missing},").replace("-2,", f"{cell},"))
        with pytest.raises(ValueError) as ei:
            read_zero_cost_table(bad, "nb201", columns=["synflow"])
        assert str(ei.value) == (
            f"{bad} line 4, column 'synflow' (architecture {archs[2]!r}): {shown} is not a "
            "finite number"
        )
    slow = tmp_path / "slow.csv"
    slow.write_text(text.replace(",0.75,", ",-1,"))
    with pytest.raises(ValueError) as ei:
        read_zero_cost_table(slow, "nb201", seconds=True)
    assert str(ei.value) == (
        f"{slow} line 4, column 'synflow_time' (architecture {archs[2]!r}): -1.0 is not a time "
        "in seconds >= 0"
    )


def test_read_zero_cost_table_names_the_line_an_editor_shows(tmp_path):
    """Every error in a cell of ``read_zero_cost_table`` names the file and where the cell
    is: a CSV's 1-based line as an editor counts it (header, blank lines and a quoted field
    over two lines included; it had said "data row N", which skips them), a parquet file's
    1-based data row (no lines), a NASLib JSON's key and dataset (such files are often one
    line)."""
    from nasperf.datasets import read_zero_cost_table

    space = get_space("nb201")
    a = list(load_zero_cost("nb201", "cifar10").index[:3])
    # line 1 the header, line 2 blank, a quoted note over lines 4-5: the third row ends on 6
    head = "arch,synflow,synflow_time,note\n\n"
    rows = [f"{a[0]},1.5,0.25,ok\n", f'{a[1]},2.5,0.5,"two\nlines"\n', f"{a[2]},{{s}},{{t}},ok\n"]
    path = tmp_path / "zc.csv"

    def write(score="3.5", time="0.75", arch=a[2]) -> Path:
        third = rows[2].replace(a[2], arch).format(s=score, t=time)
        path.write_text(head + rows[0] + rows[1] + third)
        return path

    def error(score="3.5", time="0.75", arch=a[2], *, kind=ValueError, **read) -> str:
        with pytest.raises(kind) as ei:
            read_zero_cost_table(write(score, time, arch), "nb201", **read)
        return str(ei.value)

    good = read_zero_cost_table(write(), "nb201", columns=["synflow"], seconds=True)
    assert list(good.index) == a and good["note"].tolist() == ["ok", "two\nlines", "ok"]
    np.testing.assert_array_equal(good["synflow"].to_numpy(), [1.5, 2.5, 3.5])
    third = f"{path} line 6"
    assert error("abc", columns=["synflow"]) == (
        f"{third}, column 'synflow' (architecture {a[2]!r}): 'abc' is not a finite number"
    )
    assert error("inf", columns=["synflow"]) == (  # a numeric column: pandas read inf
        f"{third}, column 'synflow' (architecture {a[2]!r}): inf is not a finite number"
    )
    assert error("-inf", columns=["synflow"]) == (
        f"{third}, column 'synflow' (architecture {a[2]!r}): -inf is not a finite number"
    )
    assert error(time="soon", seconds=True) == (
        f"{third}, column 'synflow_time' (architecture {a[2]!r}): 'soon' is not a time in "
        "seconds >= 0"
    )
    assert error(time="-2", seconds=True) == (
        f"{third}, column 'synflow_time' (architecture {a[2]!r}): -2.0 is not a time in "
        "seconds >= 0"
    )
    assert error(arch=a[0]) == (
        f"{third}: architecture {a[0]!r} already appears at line 3 (under one spelling or two)"
    )
    # a NASLib key and the text of one architecture are one architecture
    key = str(space.to_naslib(space.parse(a[0])))
    assert error(arch=f'"{key}"').startswith(f"{third}: architecture {a[0]!r} already appears")
    assert error(arch="|oops|", kind=InvalidArchitectureError).startswith(
        f"nb201: invalid {third}, column 'arch' = '|oops|': "
    )
    # parquet: the data row, 1-based
    frame = pd.DataFrame(
        {"arch": a, "synflow": [1.0, np.inf, 2.0], "synflow_time": [0.1, 0.2, -3.0]}
    )
    parquet = tmp_path / "zc.parquet"
    frame.to_parquet(parquet, index=False)
    with pytest.raises(ValueError) as ei:
        read_zero_cost_table(parquet, "nb201", columns=["synflow"])
    assert str(ei.value) == (
        f"{parquet} row 2, column 'synflow' (architecture {a[1]!r}): inf is not a finite number"
    )
    with pytest.raises(ValueError) as ei:
        read_zero_cost_table(parquet, "nb201", seconds=True)
    assert str(ei.value) == (
        f"{parquet} row 3, column 'synflow_time' (architecture {a[2]!r}): -3.0 is not a time "
        "in seconds >= 0"
    )
    frame.assign(arch=[a[0], a[1], a[0]]).to_parquet(parquet, index=False)
    with pytest.raises(ValueError) as ei:
        read_zero_cost_table(parquet, "nb201")
    assert str(ei.value) == (
        f"{parquet} row 3: architecture {a[0]!r} already appears at row 1 (under one spelling "
        "or two)"
    )
    # NASLib JSON: the key as written and its dataset
    keys = [str(space.to_naslib(space.parse(x))) for x in a[:2]]
    records = {keys[0]: {"synflow": {"score": 1.0, "time": 0.1}}}
    records[keys[1]] = {"synflow": {"score": 2.0, "time": -1}}
    naslib = tmp_path / "zc.json"
    naslib.write_text(json.dumps({"nasbench201": {"cifar10": records}}))
    with pytest.raises(ValueError) as ei:
        read_zero_cost_table(naslib, "nb201", seconds=True)
    assert str(ei.value) == (
        f"{naslib} key {keys[1]!r} of dataset 'cifar10', column 'synflow_time' (architecture "
        f"{a[1]!r}): -1.0 is not a time in seconds >= 0"
    )


def test_a_table_files_rows_know_their_lines(tmp_path):
    """The line each row ends on, as csv counts them (header, blank and whitespace-only
    lines, which pandas skips, counted; a row of empty cells kept; a quoted field over two
    lines ends on the second); a parquet file has no lines."""
    from nasperf.datasets.readers import read_table_file, read_table_file_lines

    path = tmp_path / "t.csv"
    path.write_text('\n\narch,b\n1,2\n\n   \n,\n3,4\n"x\ny",5\n6,7\n')
    table, lines = read_table_file_lines(path)
    assert table["arch"].tolist()[2:] == ["3", "x\ny", "6"] and len(table) == 5
    assert lines == [4, 7, 8, 10, 11]
    pd.testing.assert_frame_equal(read_table_file(path), table)
    table.to_parquet(tmp_path / "t.parquet")
    assert read_table_file_lines(tmp_path / "t.parquet")[1] is None
