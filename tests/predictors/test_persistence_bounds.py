"""A predictor file costs bounded memory and time to load, and one whose parts disagree is
refused on load, before predict: each case is one :class:`DataIntegrityError` naming the file
and the member or key.

The hostile files are real: their deflated members inflate to what their zip directories
declare (gigabytes of zeros, :func:`_deflated_zeros`, checked on a small one by
``test_the_crafted_deflate_streams_are_real``), and they were accepted before, costing
gigabytes or numpy's ``MemoryError``. Here each is refused from its zip directory or its
``.npy`` header, and a spy on ``zipfile`` shows that nothing large was inflated.
"""

from __future__ import annotations

import functools
import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest

import nasperf
from nasperf.errors import DataIntegrityError
from nasperf.predictors import _persistence, get, load

NAME = "crafted.nasperf"
MIB = 1 << 20
GIB = 1 << 30


# ------------------------------------------------------------------ crafting files
def _zip_bytes(members: list[tuple]) -> bytes:
    """A zip archive written field by field from ``(name, data, method, crc, size)`` (``data``
    as stored: compressed for method 8) or ``(name, data)`` (stored as is), so that a member
    can declare any size and compression method."""
    out = io.BytesIO()
    central = []
    for member in members:
        if len(member) == 2:
            name, data = member
            member = (name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data))
        name, data, method, crc, size = member
        raw_name = name.encode()
        offset = out.tell()
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(raw_name))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw_name + data)
        central.append(
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0, offset)
            + raw_name
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    n = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(directory), start, 0))
    return out.getvalue()


@functools.cache
def _deflated_zeros(prefix: bytes, zeros: int) -> tuple[bytes, int, int]:
    """``(raw deflate stream, CRC-32, size)`` of ``prefix`` and then ``zeros`` zero bytes (a
    whole number of MiB): one compressed MiB of zeros (flushed, so it stands alone) repeated,
    about 1 KiB per MiB on disk; the zeros themselves are never in memory."""
    assert zeros % MIB == 0
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = body.compress(bytes(MIB)) + body.flush(zlib.Z_FULL_FLUSH)
    stream += block * (zeros // MIB) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = zlib.crc32(prefix)
    chunk = bytes(MIB)
    for _ in range(zeros // MIB):
        crc = zlib.crc32(chunk, crc)
    return stream, crc, len(prefix) + zeros


def _npy_header(shape: tuple, descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def _zero_npy_member(name: str, n_float64: int) -> tuple:
    """A deflated ``.npy`` member of ``n_float64`` zeros (float64) that really inflates so."""
    stream, crc, size = _deflated_zeros(_npy_header((n_float64,)), 8 * n_float64)
    return (name, stream, zipfile.ZIP_DEFLATED, crc, size)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _arrays(members: dict) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        return {k: npz[k] for k in npz.files}


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _npz_members(members: dict) -> list[tuple]:
    """The members of the file's ``arrays.npz``, as ``(name, data)`` for :func:`_zip_bytes`."""
    with zipfile.ZipFile(io.BytesIO(members["arrays.npz"])) as zf:
        return [(n, zf.read(n)) for n in zf.namelist()]


def _meta(members: dict) -> dict:
    return json.loads(members["meta.json"])


def _crafted(members: dict | list) -> io.BytesIO:
    items = list(members.items()) if isinstance(members, dict) else members
    buf = io.BytesIO(_zip_bytes(items))
    buf.name = NAME
    return buf


def _refused(buf, match: str) -> str:
    with pytest.raises(DataIntegrityError, match=match) as excinfo:
        load(buf)
    msg = str(excinfo.value)
    assert msg.startswith(NAME) and "\n" not in msg and len(msg) < 600, msg
    return msg


@pytest.fixture
def inflated(monkeypatch) -> list[int]:
    """Bytes inflated by each read of a zip member during the test (a spy on ``zipfile``)."""
    reads: list[int] = []
    original = zipfile.ZipExtFile.read

    def spy(self, n=-1):
        data = original(self, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    return reads


# ------------------------------------------------------------------ fitted predictors
@pytest.fixture(scope="module")
def data():
    archs = nasperf.get_space("nb201").sample(30, seed=0)
    return archs, np.linspace(60.0, 90.0, 30)


def _saved(pred, data) -> bytes:
    buf = io.BytesIO()
    pred.fit(*data).save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def gp_file(data) -> bytes:
    return _saved(get("gp", space="nb201"), data)


@pytest.fixture(scope="module")
def xgb_file(data) -> bytes:
    return _saved(get("xgb", space="nb201", n_estimators=5, random_state=0), data)


@pytest.fixture(scope="module")
def ensemble_file(data) -> bytes:
    pred = get("ensemble", space="nb201", members=["gp", "xgb"], random_state=0)
    return _saved(pred, data)


def test_the_crafted_deflate_streams_are_real():
    stream, crc, size = _deflated_zeros(b"head", 4 * MIB)
    out = zlib.decompress(stream, -15)
    assert out == b"head" + bytes(4 * MIB) and size == len(out) and crc == zlib.crc32(out)
    buf = _zip_bytes([("z", stream, zipfile.ZIP_DEFLATED, crc, size)])
    with zipfile.ZipFile(io.BytesIO(buf)) as zf:
        assert zf.read("z") == out  # CRC and sizes as zipfile checks them


def test_the_files_round_trip(gp_file, xgb_file, ensemble_file, data):
    for raw in (gp_file, xgb_file, ensemble_file):
        buf = io.BytesIO(raw)
        pred = load(buf)
        assert pred.predict(data[0][:3]).shape == (3,)


# ------------------------------------------------------------------ bug 1: arrays.npz
def test_npz_members_not_named_by_meta_json_are_refused_unread(gp_file, inflated):
    """Three junk members of 512 MiB of zeros each (deflated: ~1.5 MB in all) beside the
    real arrays: refused by name, before any is inflated (they were read whole, at 3.5 GB)."""
    members = _members(gp_file)
    junk = [_zero_npy_member(f"junk{i}.npy", 1 << 26) for i in range(3)]
    npz = _zip_bytes(_npz_members(members) + junk)
    assert len(npz) < 2 * MIB
    msg = _refused(
        _crafted({**members, "arrays.npz": npz}),
        r"^crafted\.nasperf: arrays\.npz member\(s\) \['junk0\.npy', 'junk1\.npy', "
        r"'junk2\.npy'\] not named by meta\.json$",
    )
    assert "x_mean_" not in msg
    assert sum(inflated) < 4 * MIB, inflated


def test_an_npz_member_over_the_member_limit_is_refused_unread(gp_file, inflated):
    """``x_mean_`` as 2**27 float64 zeros (1 GiB, and its header): over MAX_MEMBER_BYTES by
    the header's 128 bytes, refused from the directory."""
    members = _members(gp_file)
    arrays = [m for m in _npz_members(members) if m[0] != "x_mean_.npy"]
    npz = _zip_bytes([*arrays, _zero_npy_member("x_mean_.npy", 1 << 27)])
    _refused(
        _crafted({**members, "arrays.npz": npz}),
        r"^crafted\.nasperf: arrays\.npz member 'x_mean_\.npy' is 1,073,741,952 bytes "
        r"\(at most 1,073,741,824\)$",
    )
    assert sum(inflated) < 4 * MIB, inflated


def test_the_arrays_together_are_bounded(gp_file, inflated, monkeypatch):
    """Named arrays within the member limit but over what is left of MAX_TOTAL_BYTES (here
    lowered to 64 MiB, the rule is the same at 2 GiB): refused before any is read."""
    monkeypatch.setattr(_persistence, "MAX_TOTAL_BYTES", 64 * MIB)
    members = _members(gp_file)
    npz = _zip_bytes(
        [_zero_npy_member("x_mean_.npy", 5 * MIB), _zero_npy_member("x_scale_.npy", 5 * MIB)]
    )
    _refused(
        _crafted({**members, "arrays.npz": npz}),
        r"^crafted\.nasperf: the arrays in arrays\.npz unpack to 83,886,336 bytes \(member "
        r"'x_mean_\.npy' alone 41,943,168\), more than the [\d,]+ left of the 67,108,864 "
        r"bytes a predictor file may unpack to in all$",
    )
    assert sum(inflated) < 4 * MIB, inflated


def test_an_npz_header_declaring_more_than_its_bytes_is_refused_before_allocating(gp_file):
    """A header of shape (10**12,) float64 (8 TB) over 64 bytes of data: numpy allocated the
    declared shape first (MemoryError); refused here from the header and the member's size."""
    members = _members(gp_file)
    arrays = [m for m in _npz_members(members) if m[0] != "x_mean_.npy"]
    bomb = _npy_header((10**12,)) + bytes(64)
    npz = _zip_bytes([*arrays, ("x_mean_.npy", bomb)])
    _refused(
        _crafted({**members, "arrays.npz": npz}),
        r"^crafted\.nasperf: corrupt arrays: arrays\.npz member 'x_mean_' has a header "
        r"declaring shape \(1000000000000,\) of float64 \(8,000,000,000,000 bytes\), but the "
        r"member holds 64 bytes of data$",
    )


def test_an_npz_member_with_trailing_bytes_is_refused(gp_file):
    members = _members(gp_file)
    arrays = _arrays(members)
    extra = io.BytesIO()
    np.save(extra, arrays["x_scale_"])
    entries = [m for m in _npz_members(members) if m[0] != "x_scale_.npy"]
    npz = _zip_bytes([*entries, ("x_scale_.npy", extra.getvalue() + b"junk")])
    _refused(
        _crafted({**members, "arrays.npz": npz}),
        r"arrays\.npz member 'x_scale_' has a header declaring shape \(68,\) of float64 "
        r"\(544 bytes\), but the member holds 548 bytes of data$",
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_only_stored_or_deflated_members_are_read(gp_file, method):
    """zipfile inflates a bzip2 or LZMA member whole, whatever size it declares: refused
    from the directory entry, in arrays.npz as in the file itself."""
    members = _members(gp_file)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, payload in _npz_members(members):
            zf.writestr(member, payload, compress_type=method)
    _refused(
        _crafted({**members, "arrays.npz": buf.getvalue()}),
        rf"^crafted\.nasperf: arrays\.npz member 'x_mean_\.npy' is compressed with method "
        rf"{method} \(only stored or deflated members are read\)$",
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, payload in members.items():
            zf.writestr(member, payload, compress_type=method if member == "meta.json" else 0)
    buf.seek(0)
    buf.name = NAME
    _refused(
        buf,
        rf"^crafted\.nasperf: member 'meta\.json' is compressed with method {method} \(only "
        r"stored or deflated members are read\)$",
    )


def test_a_member_named_twice_is_refused(gp_file):
    members = _members(gp_file)
    npz = _npz_members(members)
    _refused(
        _crafted({**members, "arrays.npz": _zip_bytes(npz + npz[:1])}),
        r"^crafted\.nasperf: arrays\.npz member 'x_mean_\.npy' appears more than once$",
    )
    _refused(
        _crafted([*members.items(), ("meta.json", members["meta.json"])]),
        r"^crafted\.nasperf: member 'meta\.json' appears more than once$",
    )


# ------------------------------------------------------------------ bug 2: blobs
def _with_blobs(members: dict, blobs: list[tuple]) -> list[tuple]:
    """``members`` plus ``blobs`` (zip entries named ``blobs/<attr>``), each declared in
    meta.json as a LightGBM model."""
    meta = _meta(members)
    for entry in blobs:
        meta["attributes"][entry[0][len("blobs/") :]] = {"kind": "lightgbm"}
    return [*{**members, "meta.json": json.dumps(meta).encode()}.items(), *blobs]


def test_blobs_are_bounded_together_before_any_is_read(gp_file, inflated):
    """Three blobs just under MAX_MEMBER_BYTES each (1 GiB of zeros less 1 MiB, ~1 MB
    deflated): every blob was read before any was parsed (5.5 GB, MemoryError); refused from
    the zip directory, naming the largest member."""
    members = _members(gp_file)
    stream, crc, size = _deflated_zeros(b"", GIB - MIB)
    blobs = [(f"blobs/zz{i}_", stream, zipfile.ZIP_DEFLATED, crc, size) for i in range(3)]
    assert 3 * size > _persistence.MAX_TOTAL_BYTES
    msg = _refused(
        _crafted(_with_blobs(members, blobs)),
        r"^crafted\.nasperf: its members unpack to [\d,]+ bytes \(member 'blobs/zz0_' alone "
        r"1,072,693,248\), more than the 2,147,483,648 left of the 2,147,483,648 bytes a "
        r"predictor file may unpack to in all$",
    )
    unpacked = int(msg.split("unpack to ")[1].split(" bytes")[0].replace(",", ""))
    assert unpacked > 3 * size
    assert sum(inflated) < 4 * MIB, inflated


def test_blobs_are_read_one_at_a_time(gp_file, monkeypatch):
    """A blob is read when it is restored: after a corrupt one, the next is never read."""
    members = _members(gp_file)
    read: list[str] = []
    original = _persistence._read_member

    def spy(zf, info, where):
        read.append(info.filename)
        return original(zf, info, where)

    monkeypatch.setattr(_persistence, "_read_member", spy)
    blobs = [("blobs/zz0_", b"not a model"), ("blobs/zz1_", b"never read")]
    _refused(
        _crafted(_with_blobs(members, blobs)),
        r"^crafted\.nasperf: corrupt LightGBM model zz0_ \(",
    )
    assert read[:2] == ["meta.json", "arrays.npz"]
    assert "blobs/zz0_" in read and "blobs/zz1_" not in read


def test_nested_files_share_the_bound(ensemble_file, monkeypatch):
    """A nested predictor file's members count against what its container left: the bound
    is on the whole load, not per file."""
    with zipfile.ZipFile(io.BytesIO(ensemble_file)) as zf:
        outer = sum(i.file_size for i in zf.infolist())
        arrays = _persistence._check_directory(
            zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz"))), NAME, "arrays.npz "
        )
    inner_arrays = sum(i.file_size for i in arrays.values())
    monkeypatch.setattr(_persistence, "MAX_TOTAL_BYTES", outer + inner_arrays + 100)
    buf = io.BytesIO(ensemble_file)
    buf.name = NAME
    _refused(
        buf,
        r"^crafted\.nasperf: members_\[0\]: its members unpack to [\d,]+ bytes .*, more "
        r"than the 100 left of the [\d,]+ bytes",
    )


def test_a_skops_array_header_declaring_more_than_its_bytes_is_refused(data):
    """The same header check for the ``.npy`` members of a skops model (skops reads them with
    numpy, which allocates the declared shape first)."""
    rf = _members(_saved(get("rf", space="nb201", n_estimators=2, random_state=0), data))
    inner = _members(rf["blobs/model_"])
    target = sorted(n for n in inner if n.endswith(".npy"))[0]
    inner[target] = _npy_header((10**12,)) + bytes(64)
    blob = _zip_bytes(list(inner.items()))
    _refused(
        _crafted({**rf, "blobs/model_": blob}),
        rf"^crafted\.nasperf: attributes\.model_: skops model member '{target}' has a header "
        r"declaring shape \(1000000000000,\) of float64 \(8,000,000,000,000 bytes\), but the "
        r"member holds 64 bytes of data$",
    )


def test_a_deflated_skops_member_is_refused(data):
    """skops reads its members whole (``zipfile.read``): only stored members, what
    ``skops.io.dumps`` writes, so that a declared size bounds what is inflated."""
    rf = _members(_saved(get("rf", space="nb201", n_estimators=2, random_state=0), data))
    stream, crc, size = _deflated_zeros(b"", MIB)
    inner = [*_members(rf["blobs/model_"]).items(), ("zz.npy", stream, 8, crc, size)]
    _refused(
        _crafted({**rf, "blobs/model_": _zip_bytes(inner)}),
        r"^crafted\.nasperf: attributes\.model_: skops model member 'zz\.npy' is compressed "
        r"with method 8 \(only stored members are read\)$",
    )


# ------------------------------------------------------------------ bug 3: meta.json
def test_deeply_nested_meta_json_is_one_error(gp_file):
    members = _members(gp_file)
    bomb = {**members, "meta.json": b"[" * 100_000}
    _refused(_crafted(bomb), r"^crafted\.nasperf: meta\.json: nested deeper than 64 levels$")
    meta = _meta(members)
    deep: list = []
    for _ in range(200):
        deep = [deep]
    meta["params"]["noise"] = deep  # parses, but is nested deeper than any file nasperf writes
    _refused(
        _crafted({**members, "meta.json": json.dumps(meta).encode()}),
        r"^crafted\.nasperf: meta\.json: nested deeper than 64 levels$",
    )


# ------------------------------------------------------------------ bug 4: consistency
def _edit(raw: bytes, meta_edit=None, array_edit=None) -> io.BytesIO:
    members = _members(raw)
    if meta_edit is not None:
        meta = _meta(members)
        meta_edit(meta)
        members["meta.json"] = json.dumps(meta).encode()
    if array_edit is not None:
        arrays = _arrays(members)
        array_edit(arrays)
        members["arrays.npz"] = _npz(arrays)
    return _crafted(members)


def test_the_files_have_68_features(gp_file, xgb_file):
    for raw in (gp_file, xgb_file):
        assert _meta(_members(raw))["attributes"]["n_features_in_"]["value"] == 68
    assert _arrays(_members(gp_file))["x_mean_"].shape == (68,)


def test_scalers_of_another_shape_are_refused(gp_file):
    """x_mean_ / x_scale_ as (68, 1): predict on one architecture returned 68 values."""

    def column(arrays):
        arrays["x_mean_"] = arrays["x_mean_"][:, None]
        arrays["x_scale_"] = arrays["x_scale_"][:, None]

    _refused(
        _edit(gp_file, array_edit=column),
        r"^crafted\.nasperf: arrays\.npz: attributes\.x_mean_ has shape \(68, 1\), expected "
        r"\(68,\): one value per feature \(attributes\.n_features_in_\)$",
    )


def test_scalers_of_another_length_are_refused(gp_file):
    def short(arrays):
        arrays["x_mean_"] = arrays["x_mean_"][:3]
        arrays["x_scale_"] = arrays["x_scale_"][:3]

    _refused(
        _edit(gp_file, array_edit=short),
        r"^crafted\.nasperf: arrays\.npz: attributes\.x_mean_ has shape \(3,\), expected "
        r"\(68,\)",
    )


def test_an_edited_encoding_is_refused(gp_file):
    """params.encoding = "path": the encoder refitted from it is not the one fitted."""

    def path(meta):
        meta["params"]["encoding"] = "path"

    _refused(
        _edit(gp_file, meta_edit=path),
        r"^crafted\.nasperf: meta\.json: params\.encoding = 'path' refits an encoder of "
        r"'path', but the model was fitted on attributes\.encoding_ = 'adjacency_onehot'$",
    )

    def both(meta):
        meta["params"]["encoding"] = "path"
        meta["attributes"]["encoding_"]["value"] = "path"

    msg = _refused(
        _edit(gp_file, meta_edit=both),
        r"^crafted\.nasperf: meta\.json: attributes\.n_features_in_ = 68 does not fit "
        r"params\.encoding = 'path': its encoder, refitted on attributes\.fit_archs_, gives "
        r"\d+ columns$",
    )
    assert "gives 68 columns" not in msg


@pytest.mark.parametrize("fixture", ["gp_file", "xgb_file"])
def test_an_edited_feature_count_is_refused(fixture, request):
    def five(meta):
        meta["attributes"]["n_features_in_"]["value"] = 5

    _refused(
        _edit(request.getfixturevalue(fixture), meta_edit=five),
        r"^crafted\.nasperf: meta\.json: attributes\.n_features_in_ = 5 does not fit "
        r"params\.encoding = 'adjacency_onehot': its encoder, refitted on "
        r"attributes\.fit_archs_, gives 68 columns$",
    )


@pytest.mark.parametrize(
    ("attr", "kind", "match"),
    [
        ("encoder_", "space", r"encoder_: kind 'space', but encoder_ is of kind 'encoder'"),
        ("space_", "encoder", r"space_: kind 'encoder', but space_ is of kind 'space'"),
    ],
)
def test_the_encoder_and_the_space_are_of_their_kind(xgb_file, attr, kind, match):
    """In an xgb file, encoder_ stored as a space loaded, and failed at predict with an
    AttributeError."""

    def swap(meta):
        meta["attributes"][attr] = {"kind": kind}

    _refused(
        _edit(xgb_file, meta_edit=swap),
        rf"^crafted\.nasperf: meta\.json: attributes\.{match} \(or a JSON null\)$",
    )


@pytest.mark.parametrize(
    ("attr", "kind", "holds"),
    [
        ("n_features_in_", "space", "a non-negative integer"),
        ("fit_archs_", "encoder", "a list of strings or null"),
        ("x_scale_", "lightgbm", r"finite and > 0 \(a number or an array of them\)"),
    ],
)
def test_an_attribute_with_a_value_rule_is_a_value(gp_file, attr, kind, holds):
    """Attributes that :data:`ATTRIBUTE_RULES` checks are JSON values or arrays: stored as
    another kind (restored without the check) they are refused."""

    def swap(meta):
        meta["attributes"][attr] = {"kind": kind}

    _refused(
        _edit(gp_file, meta_edit=swap),
        rf"^crafted\.nasperf: meta\.json: attributes\.{attr}: kind '{kind}', but {attr} "
        rf"holds {holds} \(a JSON value or an array\)$",
    )


def test_side_information_columns_count_in_the_width(monkeypatch):
    """omni on two zero-cost columns and a one-epoch learning curve: n_features_in_ is the
    encoders' 148 columns + 2 + 1, and the file round trips; an n_features_in_ that leaves
    them out is refused, with the sum spelled out."""
    from nasperf.datasets.curves import LearningCurves

    table = nasperf.load_benchmark("nb201", "cifar10").sample(40, random_state=0)
    archs = list(table.index)
    zc = table[["params_mb", "edgegpu_latency"]]
    acc = table["val_acc_12ep"].to_numpy(np.float64)[:, None]
    side = {
        "zero_cost": zc,
        "learning_curves": LearningCurves([12], {"val_accuracy": acc}, final_epoch=200),
    }
    pred = get(
        "omni", space="nb201", model="xgb", zero_cost_columns=list(zc.columns), random_state=0
    ).fit(archs, table["val_acc_200ep"].to_numpy(), **side)
    raw = io.BytesIO()
    pred.save(raw)
    assert pred.n_features_in_ == 151
    np.testing.assert_array_equal(
        load(io.BytesIO(raw.getvalue())).predict(archs, **side), pred.predict(archs, **side)
    )

    def encoders_only(meta):
        meta["attributes"]["n_features_in_"]["value"] = 148

    _refused(
        _edit(raw.getvalue(), meta_edit=encoders_only),
        r"^crafted\.nasperf: meta\.json: attributes\.n_features_in_ = 148 does not fit "
        r"params\.encoding = \['adjacency_onehot', 'graf'\]: its encoder, refitted on "
        r"attributes\.fit_archs_, gives 148 columns \+ 2 zero-cost "
        r"\(attributes\.uses_zero_cost_\) \+ 1 learning-curve "
        r"\(attributes\.uses_learning_curves_\) = 151$",
    )


def test_scalers_of_a_predictor_fitted_on_a_feature_matrix(tmp_path):
    """No encoder: the scalers are still one value per column of the matrix it saw."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    pred = get("gp", random_state=0).fit(X, X[:, 0])
    raw = io.BytesIO()
    pred.save(raw)
    np.testing.assert_array_equal(load(io.BytesIO(raw.getvalue())).predict(X), pred.predict(X))

    def short(arrays):
        arrays["x_mean_"] = arrays["x_mean_"][:3]
        arrays["x_scale_"] = arrays["x_scale_"][:3]

    _refused(
        _edit(raw.getvalue(), array_edit=short),
        r"^crafted\.nasperf: arrays\.npz: attributes\.x_mean_ has shape \(3,\), expected "
        r"\(4,\): one value per feature \(attributes\.n_features_in_\)$",
    )
