"""The one reader of ``.npy`` members (``nasperf._npz``) and the files read through it."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import numpy as np
import pytest

from nasperf._npz import read_npz
from nasperf.datasets import read_graph_npz
from nasperf.errors import DataIntegrityError


def _header(shape: tuple, descr: str = "<f4") -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return out.getvalue()


@pytest.mark.parametrize("compressed", [False, True])
def test_arrays_read_as_numpy_reads_them(tmp_path, compressed):
    rng = np.random.default_rng(0)
    arrays = {
        "f4": rng.normal(size=(3, 5)).astype(np.float32),
        "fortran": np.asfortranarray(rng.normal(size=(4, 6))),
        "i8": np.arange(-5, 5, dtype=np.int64),
        "big_endian": np.arange(7, dtype=">i4"),
        "bool": np.array([True, False, True]),
        "text": np.array(["a", "bcd"]),
        "empty": np.zeros((0, 3)),
        "scalar": np.array(2.5),
        "c16": np.array([1 + 2j]),
    }
    path = tmp_path / "a.npz"
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    got = read_npz(path, None, max_bytes=1 << 20)
    with np.load(path, allow_pickle=False) as ref:
        assert sorted(got) == sorted(ref.files)
        for key in ref.files:
            np.testing.assert_array_equal(got[key], ref[key])
            assert got[key].dtype == ref[key].dtype and got[key].shape == ref[key].shape
    assert got["fortran"].flags.f_contiguous
    # only the named keys are read, in the order asked
    assert list(read_npz(path, ["i8", "f4"], max_bytes=1 << 20)) == ["i8", "f4"]


def test_bounds_and_schema(tmp_path):
    path = tmp_path / "b.npz"
    np.savez(path, a=np.zeros(100), b=np.zeros(100))
    # 800 bytes each: the bound is over all arrays together
    with pytest.raises(
        DataIntegrityError,
        match=rf"^{re.escape(str(path))}: array 'b' declares the shape \(100,\) of float64 "
        r"\(800 bytes\); arrays are read up to 200 bytes \(what is left of 1,000 for all the "
        r"arrays\), see\.$",
    ):
        read_npz(path, ["a", "b"], max_bytes=1000, limit_note=", see.")
    with pytest.raises(DataIntegrityError, match=r"missing arrays \['c'\]; found \['a', 'b'\]"):
        read_npz(path, ["a", "c"], max_bytes=1 << 20)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("notes.txt", b"hello")
    with pytest.raises(DataIntegrityError, match=r"member 'notes\.txt' is not a \.npy array$"):
        read_npz(path, None, max_bytes=1 << 20)
    records = tmp_path / "r.npz"
    np.savez(records, r=np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
    with pytest.raises(DataIntegrityError, match=r"array 'r' has dtype"):
        read_npz(records, None, max_bytes=1 << 20)
    nothing = tmp_path / "nothing.npz"
    with pytest.raises(
        DataIntegrityError, match=f"^{re.escape(str(nothing))}: not a readable thing "
    ):
        read_npz(nothing, None, max_bytes=1, what="thing")


def _graph_npz(path, x_header: bytes, x_data: bytes, compression=zipfile.ZIP_STORED):
    small = {
        "y": np.zeros(3, np.int64),
        "edge_index": np.zeros((2, 1), np.int64),
        "train_mask": np.ones(3, bool),
        "val_mask": np.zeros(3, bool),
        "test_mask": np.zeros(3, bool),
    }
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("x.npy", x_header + x_data)
        for key, value in small.items():
            out = io.BytesIO()
            np.save(out, value)
            z.writestr(f"{key}.npy", out.getvalue())
    return path


def test_graph_files_are_bounded_before_reading(tmp_path):
    # 36 TiB declared in a few hundred bytes: numpy.load had tried to allocate it
    # (a MemoryError traceback) before any of nasperf's checks
    huge = _graph_npz(tmp_path / "huge.npz", _header((10**7, 10**6)), b"\0" * 16)
    with pytest.raises(
        DataIntegrityError,
        match=rf"^{re.escape(str(huge))}: array 'x' declares the shape \(10000000, 1000000\) "
        r"of float32 \(40,000,000,000,000 bytes\); arrays are read up to 8,589,934,592 bytes$",
    ):
        read_graph_npz(huge)
    # a header promising more than its member holds
    short = _graph_npz(tmp_path / "short.npz", _header((3, 4)), b"\0" * 16)
    with pytest.raises(DataIntegrityError, match=r"but the member holds 16 bytes of data$"):
        read_graph_npz(short)
    # a valid file still reads, as before
    ok = _graph_npz(tmp_path / "ok.npz", _header((3, 4)), np.ones((3, 4), "<f4").tobytes())
    arrays = read_graph_npz(ok)
    np.testing.assert_array_equal(arrays["x"], np.ones((3, 4), np.float32))


def test_lcpfn_checkpoint_read_header_first(tmp_path):
    from nasperf.predictors.curves.lcpfn import MAX_META_BYTES, _checkpoint_files, load_checkpoint

    npz, meta = _checkpoint_files(None)
    shutil.copyfile(meta, tmp_path / "huge.json")
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.writestr("borders.npy", _header((10**12,)))
    huge = re.escape(str(tmp_path / "huge.npz"))
    with pytest.raises(
        DataIntegrityError,
        match=rf"LC-PFN checkpoint {huge} is truncated or corrupt \({huge}: array 'borders' "
        r"declares the shape \(1000000000000,\) of float32",
    ):
        load_checkpoint(tmp_path / "huge")
    shutil.copyfile(npz, tmp_path / "big.npz")
    (tmp_path / "big.json").write_text(json.dumps({"pad": "x" * MAX_META_BYTES}))
    with pytest.raises(DataIntegrityError, match=r"big\.json is larger than 1,048,576 bytes"):
        load_checkpoint(tmp_path / "big")
    # the packaged weights still load through the same reader
    model, settings = load_checkpoint(None)
    assert settings["format"] and sum(p.numel() for p in model.parameters()) > 0
