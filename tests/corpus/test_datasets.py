"""Corpus: users' data files and the packaged data. The readers (``read_naslib_zc``,
``read_architecture_csv``), ``load_benchmark`` / ``load_target`` and the image readers
(``load_image_batch``) name the file, line or key of a bad value."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from nasperf import (
    DataIntegrityError,
    load_benchmark,
    load_image_batch,
    load_target,
    read_architecture_csv,
    read_naslib_zc,
)
from nasperf import InvalidArchitectureError as IAE
from nasperf.datasets.images import read_cifar_binary, read_cifar_python, read_image_npz
from nasperf.registry import UnknownNameError

from ._corpus import Case, check, ids

A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
A1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
K0 = "(4, 3, 3, 0, 0, 0)"


def zc(tmp, content, name="zc.json", **kw):
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return read_naslib_zc(path, **kw)


def rec(values: dict, key: str = K0) -> dict:
    return {"nasbench201": {"cifar10": {key: values}}}


GOOD = {"synflow": 1.5, "val_accuracy": 90.0}
A0_UNICODE = A0.replace("~0|+", "~\uff10|+", 1)


def raw(*records: str) -> str:
    """NASLib JSON text with the records ``"key": {...}`` written as given (NaN, repeats)."""
    return '{"nasbench201": {"cifar10": {' + ", ".join(records) + "}}}"


def z(id_, content, exc, match, **kw):
    return Case(f"read_naslib_zc/{id_}", lambda tmp: zc(tmp, content, **kw), exc, match)


NASLIB = [
    Case(
        "read_naslib_zc/missing",
        lambda tmp: read_naslib_zc(tmp / "nope.json"),
        FileNotFoundError,
        r"nope\.json",
    ),
    Case(
        "read_naslib_zc/int",
        lambda tmp: read_naslib_zc(42),
        TypeError,
        r"path_or_dict must be a path or a mapping, got int",
    ),
    z("empty-file", "", ValueError, r"zc\.json: the file is empty"),
    z("whitespace-file", " \n\n", ValueError, r"zc\.json: the file is empty"),
    z("not-utf8", b'{"a": "\xff"}', ValueError, r"zc\.json: line 1: not UTF-8"),
    z("not-json", "{nasbench201: 1}", ValueError, r"zc\.json: line 1: not valid JSON"),
    z("truncated", '{"nasbench201": {', ValueError, r"zc\.json: line 1: not valid JSON"),
    z("top-list", "[1, 2]", ValueError, r"zc\.json: expected a JSON object"),
    z("empty-object", "{}", ValueError, r"zc\.json: NASLib zero-cost data is empty"),
    z("deep", "[" * 100_000 + "]" * 100_000, ValueError, r"zc\.json: JSON nested too deeply"),
    z(
        "repeated-key",
        raw(f'"{K0}": {{"synflow": 1}}', f'"{K0}": {{"synflow": 2}}'),
        ValueError,
        r"zc\.json: key '\(4, 3, 3, 0, 0, 0\)' appears twice",
    ),
    z(
        "two-spellings",
        {"nasbench201": {"cifar10": {K0: GOOD, K0.replace(" ", ""): GOOD}}},
        ValueError,
        r"architecture .* already appears at .*\(4, 3, 3, 0, 0, 0\).*duplicates=",
    ),
    z(
        "space-several",
        {"nasbench201": {}, "nasbench101": {}},
        ValueError,
        r"zc\.json: holds several search spaces",
    ),
    z(
        "space-unknown",
        {"nasbench999": {"c": {}}},
        ValueError,
        r"NASLib search space 'nasbench999'",
    ),
    z(
        "dataset-not-object",
        {"nasbench201": {"cifar10": [1]}},
        ValueError,
        r"zc\.json: expected .*'nasbench201'",
    ),
    z(
        "dataset-missing",
        rec(GOOD),
        ValueError,
        r"dataset 'cifar100' not in the file",
        dataset="cifar100",
    ),
    z("dataset-int", rec(GOOD), TypeError, r"dataset must be a string", dataset=10),
    z(
        "record-list",
        rec([1, 2]),
        ValueError,
        r"nasbench201/cifar10/'\(4, 3, 3, 0, 0, 0\)': expected an object",
    ),
    z(
        "score-text",
        rec({"synflow": "high"}),
        ValueError,
        r"zc\.json: .*cifar10.*: synflow: expected a number, got 'high'",
    ),
    z("score-bool", rec({"synflow": True}), ValueError, r"synflow: expected a number, got True"),
    z(
        "score-list",
        rec({"synflow": [1, 2]}),
        ValueError,
        r"synflow: expected a number, got \[1, 2\]",
    ),
    z(
        "score-nan",
        raw(f'"{K0}": {{"synflow": NaN}}'),
        ValueError,
        r"synflow: nan is not a finite number \(pass nan='keep'",
    ),
    z(
        "score-inf",
        raw(f'"{K0}": {{"synflow": -Infinity}}'),
        ValueError,
        r"synflow: -inf is not a finite number",
    ),
    z("score-null", rec({"val_accuracy": None}), ValueError, r"val_accuracy: None is not a finite"),
    z(
        "score-huge",
        raw(f'"{K0}": {{"synflow": 1e999}}'),
        ValueError,
        r"synflow: inf is not a finite number",
    ),
    z(
        "score-huge-int",
        raw(f'"{K0}": {{"synflow": 1{"0" * 400}}}'),
        ValueError,
        r"synflow: <int of 1,329 bits> is not a finite number",
    ),
    z(
        "idx-huge-int",
        raw(f'"{K0}": {{"idx": 1{"0" * 400}, "synflow": 1.0}}'),
        ValueError,
        r"idx must be a non-negative int, got <int of",
    ),
    z(
        "score-object-no-score",
        rec({"synflow": {"time": 1.0}}),
        ValueError,
        r"field 'synflow' must be a number or \{'score': s, 'time': t\}",
    ),
    z(
        "score-object-junk",
        rec({"synflow": {"score": 1.0, "x": {"y": [1]}}}),
        ValueError,
        r"field 'synflow' must be a number",
    ),
    z(
        "score-object-text",
        rec({"synflow": {"score": "1.0"}}),
        ValueError,
        r"synflow\.score: expected a number, got '1.0'",
    ),
    z(
        "time-text",
        rec({"synflow": {"score": 1.0, "time": "fast"}}),
        ValueError,
        r"synflow\.time: expected a number, got 'fast'",
    ),
    z(
        "idx-junk",
        rec({"idx": "12a", "synflow": 1.0}),
        ValueError,
        r"idx must be a non-negative int",
    ),
    z(
        "key-bad",
        rec(GOOD, key="(4, 3, 3, 0, 0, 9)"),
        IAE,
        r"key '\(4, 3, 3, 0, 0, 9\)' \(dataset 'cifar10' of .*zc\.json\).*naslib_key\[5\] = 9",
    ),
    z("key-unicode", rec(GOOD, key="(\uff14, 3, 3, 0, 0, 0)"), IAE, r"naslib_key\[0\]"),
    z("key-hostile", rec(GOOD, key="-" * 100_000 + "1"), IAE, r"100,001 characters"),
    z("duplicates-policy", rec(GOOD), ValueError, r"duplicates must be one of", duplicates="mean"),
    z("nan-policy", rec(GOOD), ValueError, r"nan must be one of", nan="drop"),
    Case(
        "read_naslib_zc/mapping-field-int",
        lambda tmp: read_naslib_zc(rec({1: 2.0})),
        ValueError,
        r"data: .*field names must be strings",
    ),
]


def csv(tmp, text, **kw):
    path = tmp / "archs.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_architecture_csv(path, "nb201", **kw)


def v(id_, text, exc, match, **kw):
    return Case(f"read_architecture_csv/{id_}", lambda tmp: csv(tmp, text, **kw), exc, match)


def gz_csv(tmp, data: bytes):
    path = tmp / "archs.csv.gz"
    path.write_bytes(data)
    return read_architecture_csv(path, "nb201")


CSV = [
    Case(
        "read_architecture_csv/gz-garbage",
        lambda tmp: gz_csv(tmp, b"\x1f\x8b\x08\x00garbage"),
        ValueError,
        r"archs\.csv\.gz: not a readable \.gz file",
    ),
    Case(
        "read_architecture_csv/gz-not-utf8",
        lambda tmp: gz_csv(tmp, __import__("gzip").compress(b"arch,acc\n\xff,1\n")),
        ValueError,
        r"archs\.csv\.gz: line 2: not UTF-8",
    ),
    Case(
        "read_architecture_csv/missing",
        lambda tmp: read_architecture_csv(tmp / "x.csv", "nb201"),
        FileNotFoundError,
        r"x\.csv",
    ),
    v("empty", "", ValueError, r"archs\.csv: the file is empty"),
    v("not-utf8", b"arch,acc\n\xff\xfe,1\n", ValueError, r"archs\.csv: line 2: not UTF-8"),
    v(
        "ragged",
        f"arch,acc\n{A0},1,2,3\n{A1},2\n",
        ValueError,
        r"archs\.csv line 2: 4 fields, the header has 2",
    ),
    v("short-row", f"arch,acc\n{A0},1\n{A1}\n", ValueError, r"archs\.csv line 3: 1 fields"),
    v("bad-quote", f'arch,acc\n{A0},1\n"{A1},2\n', ValueError, r"archs\.csv line \d+"),
    v(
        "header-twice",
        f"arch,acc,acc\n{A0},1,2\n",
        ValueError,
        r"archs\.csv line 1: a column name appears twice",
    ),
    v(
        "no-arch-column",
        f"cell,acc\n{A0},1\n",
        ValueError,
        r"archs\.csv: no architecture column 'arch'",
    ),
    v(
        "target-missing-column",
        f"arch,acc\n{A0},1\n",
        ValueError,
        r"target columns \['loss'\] not found",
        targets="loss",
    ),
    v(
        "target-text",
        f"arch,acc\n{A0},high\n",
        ValueError,
        r"archs\.csv line 2, column 'acc': 'high' is not a number",
    ),
    v(
        "target-empty",
        f"arch,acc\n{A0},\n",
        ValueError,
        r"archs\.csv line 2, column 'acc': missing target",
    ),
    v("target-nan", f"arch,acc\n{A0},nan\n", ValueError, r"line 2, column 'acc': missing target"),
    v(
        "target-inf",
        f"arch,acc\n{A0},inf\n",
        ValueError,
        r"line 2, column 'acc': 'inf' is not a finite number",
    ),
    v(
        "target-1e400",
        f"arch,acc\n{A0},1e400\n",
        ValueError,
        r"line 2, column 'acc': '1e400' is not a finite",
    ),
    v("target-unicode", f"arch,acc\n{A0},\uff19\n", ValueError, r"line 2, column 'acc'"),
    v(
        "target-underscore",
        f"arch,acc\n{A0},1_000\n",
        ValueError,
        r"line 2, column 'acc': '1_000' is not",
    ),
    v("arch-bad", f"arch,acc\n{A0},1\nnope,2\n", IAE, r"archs\.csv line 3, column 'arch'"),
    v(
        "arch-unicode-digit",
        f"arch,acc\n{A0_UNICODE},1\n",
        IAE,
        r"archs\.csv line 2, column 'arch'.*node1\.input0",
    ),
    v(
        "arch-twice",
        f"arch,acc\n{A0},1\n{A1},2\n{A0},1\n",
        ValueError,
        r"archs\.csv line 4: architecture .* already appears at archs\.csv line 2",
    ),
    v(
        "arch-two-spellings",
        f'arch,acc\n{A0},1\n"{K0}",3\n',
        ValueError,
        r"archs\.csv line 3: architecture .* already appears at archs\.csv line 2",
    ),
    v(
        "duplicates-policy",
        f"arch,acc\n{A0},1\n",
        ValueError,
        r"duplicates must be one of",
        duplicates="mean",
    ),
    Case(
        "read_architecture_csv/space-unknown",
        lambda tmp: read_architecture_csv(tmp / "x.csv", "nb999"),
        UnknownNameError,
        r"'nb999'",
    ),
]


BENCH = [
    Case("load_benchmark/name", lambda tmp: load_benchmark("nb999"), UnknownNameError, r"'nb999'"),
    Case(
        "load_benchmark/dataset",
        lambda tmp: load_benchmark("nb201", "mnist"),
        ValueError,
        r"'mnist'",
    ),
    Case(
        "load_benchmark/fidelity",
        lambda tmp: load_benchmark("nb201", fidelity="13ep"),
        ValueError,
        r"'13ep'",
    ),
    Case(
        "load_benchmark/root-missing",
        lambda tmp: load_benchmark("nb201", root=tmp / "nowhere"),
        FileNotFoundError,
        r"nowhere/MANIFEST\.json is missing",
    ),
    Case(
        "load_benchmark/root-empty-manifest",
        lambda tmp: (
            tmp.joinpath("MANIFEST.json").write_text("{}"),
            load_benchmark("nb201", root=tmp),
        ),
        DataIntegrityError,
        r"is not a packaged data file",
    ),
    Case("load_target/fidelity", lambda tmp: load_target("nb201", "cifar10", 7), ValueError, r"7"),
    Case("load_target/dataset-int", lambda tmp: load_target("nb201", 10), ValueError, r"10"),
]


def npz(tmp, **arrays):
    path = tmp / "imgs.npz"
    np.savez(path, **arrays)
    return path


IMG = np.zeros((4, 3, 32, 32), np.uint8)


def cifar_python(tmp, labels, key="labels"):
    path = tmp / "test_batch"
    path.write_bytes(
        pickle.dumps({"data": np.zeros((len(labels), 3072), np.uint8), key: labels}, 2)
    )
    return path


def cifar_binary(tmp, first_byte):
    path = tmp / "test_batch.bin"
    records = np.full((2, 3073), 7, np.uint8)  # (all-zero bytes would read as an empty tar)
    records[:, 0] = (3, first_byte)
    path.write_bytes(records.tobytes())
    return path


IMAGES = [
    Case(
        "load_image_batch/dataset",
        lambda tmp: load_image_batch("mnist"),
        ValueError,
        r"unknown image dataset 'mnist'",
    ),
    Case(
        "load_image_batch/n-0",
        lambda tmp: load_image_batch("cifar10", 0),
        ValueError,
        r"n must be a positive int, got 0",
    ),
    Case(
        "load_image_batch/n-float",
        lambda tmp: load_image_batch("cifar10", 2.5),
        ValueError,
        r"n must be",
    ),
    Case(
        "load_image_batch/n-too-many",
        lambda tmp: load_image_batch("cifar10", 10_000),
        ValueError,
        r"asked for 10000 images but only 256",
    ),
    Case(
        "load_image_batch/imagenet",
        lambda tmp: load_image_batch("ImageNet16-120"),
        ValueError,
        r"no ImageNet16-120 images are packaged",
    ),
    Case(
        "load_image_batch/source-missing",
        lambda tmp: load_image_batch(source=tmp / "x.npz"),
        FileNotFoundError,
        r"x\.npz",
    ),
    Case(
        "load_image_batch/source-dir-missing",
        lambda tmp: load_image_batch(source=tmp / "cifar"),
        FileNotFoundError,
        r"cifar does not exist",
    ),
    Case(
        "load_image_batch/split",
        lambda tmp: load_image_batch(source=cifar_binary(tmp, 1), split="val"),
        ValueError,
        r"split must be one of",
    ),
    Case(
        "read_image_npz/no-labels",
        lambda tmp: read_image_npz(npz(tmp, data=IMG)),
        DataIntegrityError,
        r"imgs\.npz: needs arrays 'data'",
    ),
    Case(
        "read_image_npz/float-labels",
        lambda tmp: read_image_npz(npz(tmp, data=IMG, labels=np.zeros(4))),
        DataIntegrityError,
        r"imgs\.npz: labels must be integers",
    ),
    Case(
        "read_image_npz/label-range",
        lambda tmp: read_image_npz(
            npz(tmp, data=IMG, labels=np.array([0, 1, 10, 2])), dataset="cifar10"
        ),
        DataIntegrityError,
        r"imgs\.npz: label 10 at index 2 is out of range \(cifar10 has classes 0\.\.9\)",
    ),
    Case(
        "read_image_npz/label-negative",
        lambda tmp: read_image_npz(npz(tmp, data=IMG, labels=np.array([0, -1, 0, 0]))),
        DataIntegrityError,
        r"imgs\.npz: label -1 at index 1",
    ),
    Case(
        "read_image_npz/label-count",
        lambda tmp: read_image_npz(npz(tmp, data=IMG, labels=np.zeros(3, int))),
        DataIntegrityError,
        r"imgs\.npz: 4 images but labels of shape \(3,\)",
    ),
    Case(
        "read_image_npz/float-images",
        lambda tmp: read_image_npz(npz(tmp, data=IMG.astype(float), labels=np.zeros(4, int))),
        DataIntegrityError,
        r"imgs\.npz: expected uint8 images",
    ),
    Case(
        "read_image_npz/pickled-object",
        lambda tmp: read_image_npz(npz(tmp, data=np.array([object()]), labels=np.zeros(1, int))),
        DataIntegrityError,
        r"imgs\.npz: cannot read as a pickle-free npz",
    ),
    Case(
        "read_image_npz/garbage",
        lambda tmp: (
            tmp.joinpath("g.npz").write_bytes(b"PK garbage"),
            read_image_npz(tmp / "g.npz"),
        )[1],
        DataIntegrityError,
        r"g\.npz",
    ),
    Case(
        "read_cifar_python/label-500",
        lambda tmp: read_cifar_python(cifar_python(tmp, [0, 500])),
        DataIntegrityError,
        r"test_batch: label 500 at index 1 is out of range \(cifar10",
    ),
    Case(
        "read_cifar_python/fine-label-100",
        lambda tmp: read_cifar_python(
            cifar_python(tmp, [100], key="fine_labels"), dataset="cifar100"
        ),
        DataIntegrityError,
        r"label 100 at index 0 is out of range \(cifar100",
    ),
    Case(
        "read_cifar_python/label-float",
        lambda tmp: read_cifar_python(cifar_python(tmp, [0.5, 1.0])),
        DataIntegrityError,
        r"test_batch: 'labels' must be 2 integers",
    ),
    Case(
        "read_cifar_python/label-count",
        lambda tmp: read_cifar_python(
            (
                tmp.joinpath("test_batch").write_bytes(
                    pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [1]}, 2)
                ),
                tmp / "test_batch",
            )[1]
        ),
        DataIntegrityError,
        r"test_batch: 'labels' must be 2 integers",
    ),
    Case(
        "read_cifar_python/unsafe",
        lambda tmp: read_cifar_python(
            (tmp.joinpath("test_batch").write_bytes(pickle.dumps(print, 2)), tmp / "test_batch")[1]
        ),
        DataIntegrityError,
        r"refusing to unpickle global .*\.print",
    ),
    Case(
        "read_cifar_binary/label-200",
        lambda tmp: read_cifar_binary(cifar_binary(tmp, 200)),
        DataIntegrityError,
        r"test_batch\.bin: label 200 at index 1 is out of range \(cifar10",
    ),
    Case(
        "read_cifar_binary/truncated",
        lambda tmp: read_cifar_binary(
            (tmp.joinpath("test_batch.bin").write_bytes(b"\x00" * 100), tmp / "test_batch.bin")[1]
        ),
        DataIntegrityError,
        r"test_batch\.bin: 100 bytes is not a whole number",
    ),
    Case(
        "load_image_batch/binary-label-200",
        lambda tmp: load_image_batch("cifar10", 1, source=cifar_binary(tmp, 200)),
        DataIntegrityError,
        r"test_batch\.bin: label 200",
    ),
]

CASES = NASLIB + CSV + BENCH + IMAGES


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_data_input(case: Case, tmp_path) -> None:
    check(case, tmp_path)


def test_documented_policies_keep_one_row(tmp_path) -> None:
    """``duplicates=`` and ``nan=`` are explicit: the table is then unique and float."""
    data = {
        "nasbench201": {"cifar10": {K0: {"synflow": 1.0}, K0.replace(" ", ""): {"synflow": 2.0}}}
    }
    first = read_naslib_zc(data, duplicates="first")
    last = read_naslib_zc(data, duplicates="last")
    assert first.index.is_unique and first["synflow"].tolist() == [1.0]
    assert last["synflow"].tolist() == [2.0]
    path = tmp_path / "zc.json"
    path.write_text(raw(f'"{K0}": {{"synflow": NaN, "x": Infinity}}'))
    kept = read_naslib_zc(path, nan="keep")
    assert kept["synflow"].isna().all() and kept["x"].isna().all()
    assert kept["synflow"].dtype == np.float64
