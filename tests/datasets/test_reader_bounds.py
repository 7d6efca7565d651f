"""Hostile files for the readers of users' data: compression bombs, JSON of millions of tiny
values, CSVs of millions of rows, devices, pickles of shared references, npz files that lie
about their size or are damaged. Each is one error naming the file (and line, where known),
refused before the memory or time it asks for is spent: the files here are small, and the
bounds are met with the modules' own constants or with smaller ones patched in."""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasperf import cli
from nasperf.datasets import images, load_benchmark, read_architecture_csv, read_naslib_zc, readers
from nasperf.datasets.images import (
    UnsafePickleError,
    read_cifar_python,
    read_image_npz,
    restricted_loads,
)
from nasperf.errors import DataIntegrityError
from nasperf.search.objective import TableObjective
from nasperf.spaces import get_space

A0, A1 = (get_space("nb201").to_string(a) for a in get_space("nb201").sample(2, seed=0))


# ----------------------------------------------------------------- NASLib zero-cost JSON
def test_naslib_json_of_millions_of_empty_lists_is_refused_before_parsing(
    tmp_path, never_parse_json
):
    # 25 MB of text in a 24 KB file: parsed, 8.4 M lists (~600 MB; the 122 KB file of the
    # report held 40 M and reached 5 GB before its layout error)
    n = readers.MAX_JSON_VALUES // 2 + 1
    path = tmp_path / "nz.json.gz"
    path.write_bytes(gzip.compress(b'{"cifar10": {"x": [' + b"[]," * n + b"[]]}}"))
    assert path.stat().st_size < 100_000
    never_parse_json('{"cifar10"')
    with pytest.raises(
        ValueError,
        match=rf"^{path}: JSON of more than 16,777,216 values \(objects, arrays, numbers, "
        r"strings\); JSON is parsed whole, each value taking memory$",
    ):
        read_naslib_zc(path, space="nb201")


def test_naslib_json_text_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_JSON_CHARS", 1000)
    path = tmp_path / "nz.json.gz"
    path.write_bytes(gzip.compress(b'{"nasbench201": {"cifar10": {"' + b"x" * 2000 + b'": {}}}}'))
    with pytest.raises(
        ValueError,
        match=rf"^{path}: decompresses to more than 1,000 bytes \(JSON is parsed whole\); refusing",
    ):
        read_naslib_zc(path)
    plain = tmp_path / "nz.json"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    with pytest.raises(ValueError, match=rf"^{plain}: larger than 1,000 bytes \(JSON is parsed"):
        read_naslib_zc(plain)


def test_naslib_json_out_of_memory_is_one_error(tmp_path, monkeypatch):
    path = tmp_path / "nz.json"
    path.write_text('{"nasbench201": {"cifar10": {}}}')

    def loads(text, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(json, "loads", loads)
    with pytest.raises(ValueError, match=rf"^{path}: JSON too large to parse in the memory"):
        read_naslib_zc(path)


def test_a_real_naslib_file_is_well_within_the_bounds():
    # NAS-Bench-Suite-Zero's layout ({"score", "time"} per proxy): ~10 characters a value
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tnb101"
    path = shared / "zc_transbench101_micro.json"
    if not path.is_file():
        pytest.skip("shared TransNAS-Bench-101 data absent")
    text = path.read_text()
    values = 1 + sum(text.count(c) for c in "[{,:")
    assert len(text) / values > 9  # 4.1 MB, 418,083 values
    assert values * 35 < readers.MAX_JSON_VALUES  # room for the full NB201 file (~4 M)
    table = read_naslib_zc(path, space="tnb101_micro", nan="keep")
    assert len(table) == 4977 and table["dataset"].nunique() == 7


# ----------------------------------------------------------------- regular files only
@pytest.fixture
def dev_zero(tmp_path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / "archs.csv"
    os.symlink("/dev/zero", link)
    return link


def test_read_architecture_csv_refuses_a_device(dev_zero):
    # path.read_bytes() had read /dev/zero until memory ran out
    with pytest.raises(
        ValueError, match=rf"^{dev_zero}: not a regular file \(a folder, device or pipe\)"
    ):
        read_architecture_csv(dev_zero, "nb201")
    folder = dev_zero.with_name("zc.json")
    folder.mkdir()
    with pytest.raises(ValueError, match=rf"^{folder}: not a regular file"):
        read_naslib_zc(folder)


def test_from_file_refuses_a_device(dev_zero):
    with pytest.raises(ValueError, match=rf"^{dev_zero}: not a regular file"):
        TableObjective.from_file(dev_zero, "nb201", "acc")
    with pytest.raises(FileNotFoundError, match=r"no such table file: .*nope\.csv"):
        TableObjective.from_file(dev_zero.with_name("nope.csv"), "nb201", "acc")


# ----------------------------------------------------------------- CSV tables
def _bomb(tmp_path: Path, rows: int) -> Path:
    """``arch,val_acc`` and ``rows`` rows ``a,1`` (the report's had 267 M in 1 MB)."""
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"arch,val_acc\n" + b"a,1\n" * rows))
    return path


def test_read_architecture_csv_stops_at_the_field_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CSV_FIELDS", 1000)
    path = _bomb(tmp_path, 600)
    with pytest.raises(
        ValueError,
        match=r"^bomb\.csv\.gz line 501: more than 1,000 fields in the file; tables are read "
        r"whole, so this many are refused$",
    ):
        read_architecture_csv(path, "nb201")
    # one row under the bound reads (and then fails on its cells, as any bad table)
    with pytest.raises(ValueError, match=r"bomb\.csv\.gz line 2, column 'arch'"):
        read_architecture_csv(_bomb(tmp_path, 498), "nb201")


def test_the_field_bound_comes_before_any_row_is_kept(tmp_path, monkeypatch):
    # the bound is met by a pass that keeps no row: the first row's bad cell is not reached
    monkeypatch.setattr(readers, "MAX_CSV_FIELDS", 1000)
    path = tmp_path / "t.csv"
    path.write_text("arch,acc\nnot a cell,1\n" + f"{A0},1\n" * 600)
    with pytest.raises(ValueError, match=r"^t\.csv line 501: more than 1,000 fields"):
        read_architecture_csv(path, "nb201")


def test_a_long_row_is_refused_before_it_is_split(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CSV_ROW_CHARS", 1000)
    path = tmp_path / "t.csv"
    path.write_text(f"arch,acc\n{A0},1\n" + "," * 5000 + "\n")
    with pytest.raises(
        ValueError, match=r"^t\.csv line 3: a row of more than 1,000 characters; refusing"
    ):
        read_architecture_csv(path, "nb201")
    # a quoted row over many short lines counts all of them, from its first line
    path.write_text(f"arch,acc\n{A0},1\n" + '"\n",' * 400 + "1\n")
    with pytest.raises(ValueError, match=r"^t\.csv line 3: a row of more than 1,000"):
        read_architecture_csv(path, "nb201")


@pytest.mark.parametrize(
    "text",
    [
        "arch,acc\n|a|,1\n|b|,2\n",
        "arch,acc\r\n|a|,1\r\n\r\n|b|,2",  # CRLF, a blank line, no final newline
        "arch,acc\r|a|,1\r|b|,2\r",  # old Mac line ends
        'arch,acc\n"|a\r\nb|",1\n"x\ny",2\n',  # quoted line breaks
    ],
)
def test_bounded_rows_are_csvs_rows(text):
    import csv

    reader = csv.reader(io.StringIO(text, newline=""))
    expected = [(reader.line_num, row) for row in reader]
    assert list(readers._csv_rows(text, "t.csv")) == expected


def test_the_decompressed_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_DECOMPRESSED_BYTES", 1000)
    path = _bomb(tmp_path, 300)
    with pytest.raises(ValueError, match=r"bomb\.csv\.gz: decompresses to more than 1,000 bytes"):
        read_architecture_csv(path, "nb201")
    with pytest.raises(ValueError, match=r"bomb\.csv\.gz: decompresses to more than 1,000 bytes"):
        TableObjective.from_file(path, "nb201", "val_acc")
    plain = tmp_path / "big.csv"
    plain.write_bytes(b"arch,val_acc\n" + b"a,1\n" * 300)
    with pytest.raises(ValueError, match=r"big\.csv: larger than 1,000 bytes; refusing"):
        read_architecture_csv(plain, "nb201")


def test_from_file_stops_at_the_field_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CSV_FIELDS", 1000)
    path = _bomb(tmp_path, 600)
    with pytest.raises(ValueError, match=rf"^{path} line 501: more than 1,000 fields in the file"):
        TableObjective.from_file(path, "nb201", "val_acc")


def test_from_file_names_the_file(tmp_path, capsys):
    bad = tmp_path / "nonutf8.csv"
    bad.write_bytes(b"arch,val_acc\n\xff\xfe,1\n")
    # pandas had said "'utf-8' codec can't decode byte 0xff in position 13"
    with pytest.raises(
        ValueError, match=rf"^{bad}: line 2: not UTF-8 text \(byte 0xff at offset 13\)$"
    ):
        TableObjective.from_file(bad, "nb201", "val_acc")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"^{empty}: the file is empty \(expected a header"):
        TableObjective.from_file(empty, "nb201", "val_acc")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(f"arch,val_acc\n{A0},1\n{A1},2,3\n")
    with pytest.raises(
        ValueError, match=rf"^{ragged}: not readable CSV \(.*Expected 2 fields in line 3, saw 3"
    ):
        TableObjective.from_file(ragged, "nb201", "val_acc")
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match=rf"^{fake}: not a readable parquet file \("):
        TableObjective.from_file(fake, "nb201", "val_acc")
    # the command line: one line, naming the file
    argv = ["search", "--space", "nb201", "--data", str(bad), "--target", "val_acc"]
    try:
        rc = cli.main([*argv, "--methods", "rs", "--out", str(tmp_path / "out")])
    except SystemExit as exc:
        rc = exc.code
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 2 and len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(
        f"nasperf search: error: {bad}: line 2: not UTF-8 text (byte 0xff at offset 13)"
    )


def test_from_file_reads_good_tables(tmp_path):
    table = pd.DataFrame({"arch": [A0, A1], "val_acc": [1.0, 2.0]})
    for name in ("t.csv", "t.csv.gz", "t.parquet"):
        path = tmp_path / name
        if name.endswith(".parquet"):
            table.to_parquet(path, index=False)
        else:
            table.to_csv(path, index=False)
        obj = TableObjective.from_file(path, "nb201", "val_acc")
        assert obj.optimum() == ((A1,), 2.0)


def test_from_file_checks_a_parquet_files_declared_size(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CSV_FIELDS", 10)
    path = tmp_path / "t.parquet"
    pd.DataFrame({"arch": [A0, A1] * 3, "val_acc": [1.0] * 6}).to_parquet(path, index=False)
    with pytest.raises(
        ValueError, match=rf"^{path}: 6 rows x 2 columns, more than 10 cells; tables are read"
    ):
        TableObjective.from_file(path, "nb201", "val_acc")


def _dictionary_bomb(path, rows: int = 100, width: int = 1000) -> None:
    """A parquet file storing one ``width``-character text once, referenced by ``rows``
    rows: a few kB on disk, ``rows * width`` bytes once read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arch = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array(["x" * width])
    )
    table = pa.table({"arch": arch, "val_acc": pa.array(np.arange(rows, dtype=np.float64))})
    pq.write_table(table, path, use_dictionary=True)


def test_a_parquet_file_s_text_is_bounded_as_read_not_as_stored(tmp_path, monkeypatch):
    # the footer's rows x columns passed, and the reader expanded the dictionary: a 100 kB
    # file had read as 2 GB
    from nasperf.zero_cost import read_proxy_table

    monkeypatch.setattr(readers, "MAX_PARQUET_TEXT_BYTES", 50_000)
    path = tmp_path / "t.parquet"
    _dictionary_bomb(path)
    assert path.stat().st_size < 10_000
    message = rf"^{path}: its text columns expand to more than .* when read \(at column 'arch'\)"
    with pytest.raises(ValueError, match=message):
        readers.read_parquet(path)
    with pytest.raises(ValueError, match=message):
        TableObjective.from_file(path, "nb201", "val_acc")
    with pytest.raises(ValueError, match=message):
        read_proxy_table(path)
    _dictionary_bomb(path, rows=40)  # 40,000 bytes: within the bound, read as pandas reads it
    pd.testing.assert_frame_equal(readers.read_parquet(path), pd.read_parquet(path))


def test_parquet_tables_read_as_pandas_reads_them(tmp_path):
    table = pd.DataFrame(
        {
            "arch": [A0, A1, A0],
            "kind": pd.Categorical(["a", "b", "a"]),
            "blob": [b"x", b"yy", b""],
            "val_acc": [1.0, 2.0, np.nan],
        },
        index=pd.Index([10, 20, 30], name="row"),
    )
    path = tmp_path / "t.parquet"
    table.to_parquet(path)
    pd.testing.assert_frame_equal(readers.read_parquet(path), pd.read_parquet(path))
    pd.testing.assert_frame_equal(readers.read_parquet(path), table)


# ----------------------------------------------------------------- CIFAR python pickles
def _shared_lists() -> list:
    """Ten levels of ten references to one list: 10**10 paths, ten lists (a 270-byte pickle
    whose walk without memo took about an hour)."""
    a = [0] * 10
    for _ in range(9):
        a = [a] * 10
    return a


def test_a_pickle_of_shared_references_is_walked_once(tmp_path):
    payload = pickle.dumps({"data": _shared_lists(), "labels": [0]}, protocol=2)
    assert len(payload) < 300
    assert restricted_loads(payload)["labels"] == [0]  # each list visited once
    path = tmp_path / "test_batch"
    path.write_bytes(payload)
    # numpy would build 'data' whole: an array of 10**10 items
    with pytest.raises(
        DataIntegrityError,
        match=r"^test_batch: 'data' must be uint8 of shape \(N, 3072\), got "
        r"a list$",
    ):
        read_cifar_python(path)
    path.write_bytes(
        pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": _shared_lists()}, 2)
    )
    with pytest.raises(
        DataIntegrityError,
        match=r"^test_batch: 'labels' must be 1 integers, got a list holding "
        r"list$",
    ):
        read_cifar_python(path)


def test_a_pickle_nested_too_deeply_names_the_file(tmp_path):
    deep: list = []
    for _ in range(30):
        deep = [deep]
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({"data": deep, "labels": [0]}, protocol=2))
    with pytest.raises(UnsafePickleError, match=r"^test_batch: unpickled data is nested too deep"):
        read_cifar_python(path)


def test_a_pickle_of_millions_of_operations_is_cut_short(monkeypatch):
    monkeypatch.setattr(images, "MAX_PICKLE_OPS", 1000)
    with pytest.raises(DataIntegrityError, match=r"^a pickle of more than 1,000 operations; CIFAR"):
        restricted_loads(pickle.dumps([[] for _ in range(1000)], protocol=2))
    assert len(restricted_loads(pickle.dumps([[] for _ in range(100)], protocol=2))) == 100


def test_only_latin1_encode_is_called():
    # _codecs.encode(text, "hex") doubles its input: thirty nested calls make a gigabyte
    hexed = b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x03\x00\x00\x00hex\x86R."
    with pytest.raises(UnsafePickleError, match=r"refusing _codecs\.encode\(str, 'hex'\)"):
        restricted_loads(hexed)
    assert restricted_loads(pickle.dumps(b"\x00\xff", protocol=2)) == b"\x00\xff"


def test_unpickled_arrays_are_bounded(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 3000)
    batch = {"data": np.zeros((1, 3072), np.uint8), "labels": [0]}
    with pytest.raises(DataIntegrityError, match=r"unpickled arrays of more than 3,000 bytes"):
        restricted_loads(pickle.dumps(batch, protocol=2))
    # a view of a few bytes claiming more counts as its shape says
    view = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), (10_000,), (0,))
    with pytest.raises(DataIntegrityError, match=r"more than 3,000 bytes"):
        images._check_no_objects({"data": view})


def test_a_tar_member_is_checked_before_it_is_inflated(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_FILE_BYTES", 10_000)
    member = tmp_path / "test_batch"
    member.write_bytes(b"\x80" * 20_000)  # (all-zero bytes would read as an empty tar)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(member, arcname="cifar-10-batches-py/test_batch")
    with pytest.raises(
        DataIntegrityError,
        match=r"cifar-10-python\.tar\.gz: cifar-10-batches-py/test_batch: 20,000 bytes; CIFAR "
        r"files are read up to 10,000 bytes",
    ):
        read_cifar_python(archive)
    with pytest.raises(DataIntegrityError, match=r"test_batch: 20,000 bytes"):
        read_cifar_python(member)


# ----------------------------------------------------------------- npz images
def _good_npz(path: Path, n: int = 8, *, compressed: bool = False) -> Path:
    save = np.savez_compressed if compressed else np.savez
    save(path, data=np.full((n, 3, 32, 32), 7, np.uint8), labels=np.arange(n) % 10)
    return path


def _npy_header(shape: tuple, descr: str = "|u1") -> bytes:
    out = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue()


def test_npz_good_files_read(tmp_path):
    for compressed in (False, True):
        imgs = read_image_npz(_good_npz(tmp_path / f"g{compressed}.npz", compressed=compressed))
        assert imgs.images.shape == (8, 3, 32, 32) and imgs.labels.tolist() == [
            0,
            1,
            2,
            3,
            4,
            5,
            6,
            7,
        ]


@pytest.mark.parametrize(
    ("kind", "match"),
    [
        ("truncated", r"not a readable \.npz file \(BadZipFile: File is not a zip file\)"),
        ("flipped", r"not a readable \.npz file \(BadZipFile: Bad CRC-32 for file 'data\.npy'\)"),
        ("empty", r"not a readable \.npz file \(BadZipFile: File is not a zip file\)"),
        ("npy", r"not a readable \.npz file \(BadZipFile: File is not a zip file\)"),
        ("pickle", r"not a readable \.npz file \(BadZipFile: File is not a zip file\)"),
        (
            "short",
            r"array 'data' has a header declaring shape \(8, 3, 32, 32\) of uint8 \(24,576 "
            r"bytes\), but the member holds 100 bytes of data$",
        ),
    ],
)
def test_npz_damaged_files_are_one_error(tmp_path, kind, match):
    good = _good_npz(tmp_path / "good.npz").read_bytes()
    path = tmp_path / "x.npz"
    if kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "flipped":  # a byte of the stored image data
        data = bytearray(good)
        data[good.index(b"\x07\x07\x07") + 100] ^= 0xFF
        path.write_bytes(bytes(data))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "npy":  # one array, not an archive
        np.save(tmp_path / "a.npy", np.zeros(3))
        path.write_bytes((tmp_path / "a.npy").read_bytes())
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"data": 1}))
    else:  # the header promises more data than the member holds
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("data.npy", _npy_header((8, 3, 32, 32)) + b"\x00" * 100)
            z.writestr("labels.npy", _npy_header((8,), "<i8") + b"\x00" * 64)
    with pytest.raises(DataIntegrityError, match=rf"^{path}: {match}") as info:
        read_image_npz(path)
    assert "allow_pickle" not in str(info.value)


def test_npz_declared_shapes_are_checked_before_reading(tmp_path):
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as z:  # 2.79 TiB declared in a 300-byte file
        z.writestr("data.npy", _npy_header((10**9, 32, 32, 3)) + b"\x00" * 100)
        z.writestr("labels.npy", _npy_header((10**9,), "<i8"))
    with pytest.raises(
        DataIntegrityError,
        match=rf"^{path}: array 'data' declares the shape \(1000000000, 32, 32, 3\) of uint8 "
        r"\(3,072,000,000,000 bytes\); arrays are read up to 268,435,456 bytes",
    ):
        read_image_npz(path)
    # a deflated file of zeros that would inflate past the bound: refused, not inflated
    n = images.MAX_IMAGE_BYTES // 3072 + 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.npy", _npy_header((n, 3, 32, 32)) + b"\x00" * 1000)
        z.writestr("labels.npy", _npy_header((n,), "<i8"))
    with pytest.raises(DataIntegrityError, match=rf"'data' declares the shape \({n}, 3, 32, 32\)"):
        read_image_npz(path)


def test_npz_object_arrays_are_refused_without_pickle_advice(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, data=np.array([object()]), labels=np.zeros(1, int))
    with pytest.raises(
        DataIntegrityError,
        match=rf"^{path}: cannot read as a pickle-free npz: array 'data' holds Python objects "
        r"\(dtype object\); only arrays of numbers are read$",
    ):
        read_image_npz(path)


def test_npz_that_is_not_a_file(tmp_path):
    folder = tmp_path / "d.npz"
    folder.mkdir()
    with pytest.raises(DataIntegrityError, match=rf"^{folder}: not a regular file"):
        read_image_npz(folder)
    with pytest.raises(FileNotFoundError, match=r"image source .*none\.npz does not exist"):
        read_image_npz(tmp_path / "none.npz")


def test_a_search_table_may_hold_a_cell_longer_than_csvs_own_limit(tmp_path):
    # pandas reads cells of any length; the size pre-check had used csv's default 128 KiB
    # field limit and refused a legitimate table with a long note (the old reader read it)
    import csv

    from nasperf.search import TableObjective

    table = load_benchmark("nb201", "cifar10").iloc[:20][["val_acc_200ep"]].copy()
    table["note"] = ""
    table.iloc[3, 1] = "z" * 200_000
    path = tmp_path / "t.csv"
    table.to_csv(path, index_label="arch")
    limit = csv.field_size_limit()
    obj = TableObjective.from_file(path, "nb201", "val_acc_200ep", cost=None)
    assert len(obj.candidates()) == 20
    assert csv.field_size_limit() == limit  # restored
