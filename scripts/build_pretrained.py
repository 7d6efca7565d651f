#!/usr/bin/env python
"""Build the pre-trained predictor checkpoints shipped in ``nasperf/datasets/data/pretrained/``.

For every checkpoint below whose data exists, with fixed seeds:

1. Load the labelled architectures and split them once (seed 0): 20 % test, 10 %
   validation, 70 % training (NB101's 50 cells: 30 % test, and 5-fold cross-validation on
   the rest instead of a validation set).
2. Fit every candidate (predictor x encoding, with the packaged zero-cost table as extra
   features where the space has one) on the training set and score it on the validation set
   (or by cross-validation); the best Kendall tau wins.
3. Evaluate the winner, as fitted on the training set, on the test set, which no choice
   saw (Kendall tau, Spearman, NDCG, ... from ``nasperf.evaluation.evaluate``); for
   NAS-Bench-201 also against the labels of the other datasets on the same test cells
   (transfer).
4. Write ``<name>.nasperf`` (``Predictor.save``: JSON, npz, native XGBoost / LightGBM; no
   pickle) and ``<name>.json`` (metadata: training-set and test-set sha256, nasperf and
   library versions, encoding, zero-cost table and its sha256, candidates and their scores,
   test metrics, reference predictions), then refresh the ``pretrained/`` entries of the
   package manifest.

Checkpoints:

``nb201-<dataset>-tree`` / ``nb201-<dataset>-gnn``
    NAS-Bench-201, 200-epoch validation accuracy, for every dataset whose zero-cost table is
    packaged (``nasperf.datasets.available_zero_cost()``); the best tree model (XGBoost or
    LightGBM on adjacency one-hot or path encoding, plus the zero-cost proxies) and the best
    GNN (GIN or GCN, proxies as graph-level inputs).
``nb101-cifar10``
    The 50 NAS-Bench-101 cells with a measured validation accuracy that the project has
    (NASLib's zero-cost reference file, read from ``--source``, by default
    ``../shared/data``; skipped with a message where it is absent). No zero-cost features:
    screening arbitrary NB101 cells could not supply them. The 50 cells are 41 networks:
    the split and the cross-validation folds keep a network's cells together.
``nb301-cifar10-surrogate``
    3,000 DARTS genotypes labelled by the NAS-Bench-301 surrogate (the packaged
    ``nb301_surrogate`` benchmark, validation accuracy at epoch 98): surrogate predictions,
    not trained networks, and marked so.
``tnb101_micro-<task>-tree`` / ``tnb101_macro-<task>-tree``
    TransNAS-Bench-101 on each of its 7 tasks (the packaged ``tnb101_micro`` /
    ``tnb101_macro`` tables, ~700 architectures each, the task's validation metric oriented
    higher-is-better): the best compact tree model (XGBoost or LightGBM, 150 trees, on
    adjacency one-hot or, micro only, path encoding). No zero-cost features: NASLib's stored proxies
    cover only the ~700 labelled architectures, not the cells a user screens.
``nbgraph-<dataset>-tree``
    NAS-Bench-Graph on each of its 9 datasets (the packaged ``nbgraph`` tables, 26,206
    architectures; ogbn-proteins: the ``nbgraph-proteins`` space, 2,021), validation
    accuracy (proteins: ROC-AUC): the SMALLEST tree model (XGBoost or LightGBM on adjacency
    one-hot, 30-150 trees, the learning rate scaled to the number of trees) whose validation
    tau is within :data:`SIZE_TOLERANCE` of the best 150-tree one. A file holds its training
    architectures (the encoder is refitted from them on load): ~80 KB of the ~100 KB of a
    checkpoint trained on 18,344 architectures, whatever the trees.

Rebuilding gives the same splits, choices, predictions and metrics (the files differ only
in zip timestamps and recorded fit times). GNNs train for a few minutes on one CPU core.

Usage::

    python scripts/build_pretrained.py                    # every checkpoint with data
    python scripts/build_pretrained.py --only nb201-cifar10-tree --only nb101-cifar10
    python scripts/build_pretrained.py --list
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nasperf  # noqa: E402
from nasperf import predictors  # noqa: E402
from nasperf.datasets import (  # noqa: E402
    available_zero_cost,
    load_benchmark,
    load_target,
    load_zero_cost,
    read_naslib_zc,
)
from nasperf.datasets.package_data import (  # noqa: E402
    MANIFEST,
    data_root,
    packaged_files,
    sha256_file,
)
from nasperf.evaluation.metrics import evaluate  # noqa: E402
from nasperf.pretrained.checkpoint import (  # noqa: E402
    CHECKPOINT_FORMAT,
    FOLDER,
    SUFFIX,
    check_safe_kinds,
)

SEED = 0
NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NB101_SOURCE = Path("nb101") / "naslib_zc_nb101_dev50.json"
#: Metrics kept for validation scores (all of ``evaluate`` are kept for the test set).
SHORT_METRICS = ("kendall_tau", "spearman", "ndcg")
#: Reference architectures whose predictions are recorded and checked on load.
N_REFERENCE = 8

# Compact model sizes: every checkpoint together stays a few MB (the package data budget).
XGB = {"n_estimators": 400, "max_depth": 5, "learning_rate": 0.05, "n_jobs": 1}
LGB = {"n_estimators": 400, "num_leaves": 15, "learning_rate": 0.05, "n_jobs": 1}
#: Compact trees for the ~500 training architectures of a TransNAS-Bench-101 task (~50 KB).
XGB_SMALL = {"n_estimators": 150, "max_depth": 4, "learning_rate": 0.05, "n_jobs": 1}
LGB_SMALL = {"n_estimators": 150, "num_leaves": 15, "learning_rate": 0.05, "n_jobs": 1}
#: NAS-Bench-Graph: the 150-tree reference models and smaller ones with a learning rate
#: scaled to their number of trees (fewer trees, same total shrinkage).
NBG_TREES = (
    ("lgb", {"n_estimators": 150, "num_leaves": 15, "learning_rate": 0.05, "n_jobs": 1}),
    ("xgb", {"n_estimators": 150, "max_depth": 4, "learning_rate": 0.05, "n_jobs": 1}),
    ("lgb", {"n_estimators": 60, "num_leaves": 15, "learning_rate": 0.125, "n_jobs": 1}),
    ("lgb", {"n_estimators": 40, "num_leaves": 15, "learning_rate": 0.19, "n_jobs": 1}),
    ("lgb", {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.25, "n_jobs": 1}),
    ("xgb", {"n_estimators": 40, "max_depth": 4, "learning_rate": 0.19, "n_jobs": 1}),
)
#: Validation Kendall tau a smaller NAS-Bench-Graph model may give up for a smaller file.
SIZE_TOLERANCE = 0.02
GNN = {"epochs": 40, "batch_size": 128, "lr": 2e-3, "device": "cpu", "n_jobs": 1}
GIN = {**GNN, "hidden": 64, "n_layers": 3, "mlp_hidden": 128}
GCN = {**GNN, "hidden": 128, "n_layers": 3, "mlp_hidden": 128}


# ---------------------------------------------------------------- data
@dataclass
class Data:
    """Labelled architectures of one space / dataset, and their provenance."""

    space: str
    dataset: str
    target: str
    archs: list[str]
    y: np.ndarray
    description: str
    source: str
    surrogate_labelled: bool = False
    zero_cost: pd.DataFrame | None = None
    zero_cost_dataset: str | None = None
    #: Labels of the same architectures on other datasets (transfer metrics).
    other_labels: dict[str, np.ndarray] = field(default_factory=dict)
    source_sha256: str | None = None


def nb201_data(dataset: str) -> Data:
    table = load_benchmark("nb201", dataset)
    archs = list(table.index)
    others = {}
    for other in NB201_DATASETS:
        if other != dataset:
            others[other] = load_benchmark("nb201", other)["val_acc_200ep"].reindex(archs)
            others[other] = others[other].to_numpy(dtype=np.float64)
    return Data(
        space="nb201",
        dataset=dataset,
        target="val_acc_200ep",
        archs=archs,
        y=table["val_acc_200ep"].to_numpy(dtype=np.float64),
        description=f"all 15,625 NAS-Bench-201 cells, measured 200-epoch validation accuracy "
        f"on {dataset} (mean over seeds)",
        source=f"nasperf.datasets.load_benchmark('nb201', '{dataset}')",
        zero_cost=load_zero_cost("nb201", dataset),
        zero_cost_dataset=dataset,
        other_labels=others,
    )


def nb101_data(source: Path) -> Data:
    path = source / NB101_SOURCE
    table = read_naslib_zc(path, space="nb101", dataset="cifar10")
    return Data(
        space="nb101",
        dataset="cifar10",
        target="val_accuracy",
        archs=list(table.index),
        y=table["val_accuracy"].to_numpy(dtype=np.float64),
        description="50 NAS-Bench-101 cells with measured validation accuracy (108 epochs), "
        "from NASLib's zero-cost reference file",
        source=f"NASLib zero-cost reference data: {NB101_SOURCE.as_posix()} (Apache-2.0)",
        source_sha256=sha256_file(path),
    )


def tnb101_data(space: str, task: str) -> Data:
    """TransNAS-Bench-101 ``space`` (``micro`` / ``macro``) on ``task``: every labelled
    architecture of the packaged table."""
    from nasperf.datasets import benchmark_metadata

    bench = f"tnb101_{space}"
    table = load_benchmark(bench, task)
    meta = benchmark_metadata(bench, task)
    return Data(
        space=bench,
        dataset=task,
        target="val_metric",
        archs=list(table.index),
        y=table["val_metric"].to_numpy(dtype=np.float64),
        description=f"all {len(table)} TransNAS-Bench-101 {space} architectures of "
        f"NAS-Bench-Suite-Zero on {task} ({meta['task']}): {meta['metric']}, higher is "
        "better",
        source=f"nasperf.datasets.load_benchmark('{bench}', '{task}')",
    )


def nbgraph_data(dataset: str) -> Data:
    """NAS-Bench-Graph on ``dataset``: every architecture of the packaged table (space
    ``nbgraph-proteins`` for ogbn-proteins, ``nbgraph`` otherwise)."""
    bench = "nbgraph-proteins" if dataset == "proteins" else "nbgraph"
    table = load_benchmark(bench, dataset)
    metric = "validation ROC-AUC" if dataset == "proteins" else "validation accuracy"
    return Data(
        space=bench,
        dataset=dataset,
        target="valid_perf",
        archs=list(table.index),
        y=table["valid_perf"].to_numpy(dtype=np.float64),
        description=f"all {len(table):,d} NAS-Bench-Graph architectures on {dataset}"
        f", {metric} (a fraction) after the full schedule, mean over 3 seeds",
        source=f"nasperf.datasets.load_benchmark('{bench}', '{dataset}')",
    )


def nb301_data() -> Data:
    table = load_benchmark("nb301_surrogate", "cifar10")
    y = load_target("nb301_surrogate", "cifar10")
    return Data(
        space="nb301",
        dataset="cifar10",
        target=str(y.name),
        archs=list(table.index),
        y=y.reindex(table.index).to_numpy(dtype=np.float64),
        description="3,000 DARTS genotypes (sampled with seed 0) LABELLED BY THE "
        "NAS-Bench-301 SURROGATE (YAHPO Gym), validation accuracy at epoch 98: surrogate "
        "predictions, not trained networks",
        source="nasperf.datasets.load_benchmark('nb301_surrogate', 'cifar10')",
        surrogate_labelled=True,
    )


# ---------------------------------------------------------------- specs
@dataclass(frozen=True)
class Candidate:
    predictor: str
    encoding: str | tuple[str, ...]
    params: dict
    zero_cost: bool

    def label(self) -> str:
        enc = self.encoding if isinstance(self.encoding, str) else "+".join(self.encoding)
        return f"{self.predictor}/{enc}" + ("+zc" if self.zero_cost else "")


@dataclass
class Spec:
    name: str
    kind: str
    data: Callable[[], Data]
    candidates: list[Candidate]
    test_fraction: float = 0.2
    #: 0: select by 5-fold cross-validation on the training set instead.
    val_fraction: float = 0.1
    #: If set: the winner is the smallest file whose validation tau is within this of the
    #: best 150-tree candidate's (instead of the best validation tau).
    size_tolerance: float | None = None


def _trees(zero_cost: bool, xgb: dict = XGB, lgb: dict = LGB) -> list[Candidate]:
    return [
        Candidate(name, enc, params, zero_cost)
        for name, params in (("xgb", xgb), ("lgb", lgb))
        for enc in ("adjacency_onehot", "path")
    ]


def specs(source: Path) -> list[Spec]:
    """Every checkpoint this script knows, whether or not its data exists now."""
    out = []
    for ds in NB201_DATASETS:
        out.append(
            Spec(f"nb201-{ds.lower()}-tree", "tree", lambda ds=ds: nb201_data(ds), _trees(True))
        )
        out.append(
            Spec(
                f"nb201-{ds.lower()}-gnn",
                "gnn",
                lambda ds=ds: nb201_data(ds),
                [Candidate("gin", "graph", GIN, True), Candidate("gcn", "graph", GCN, True)],
            )
        )
    small = [
        *_trees(False),
        *(
            Candidate(name, enc, {}, False)
            for name in ("sparse_gp", "dngo")
            for enc in ("adjacency_onehot", "path")
        ),
        Candidate("gin", "graph", {**GIN, "epochs": 100, "batch_size": 16}, False),
    ]
    out.append(
        Spec(
            "nb101-cifar10",
            "best",
            lambda: nb101_data(source),
            small,
            test_fraction=0.3,
            val_fraction=0.0,
        )
    )
    out.append(
        Spec(
            "nb301-cifar10-surrogate",
            "best",
            nb301_data,
            [*_trees(False), Candidate("gin", "graph", GIN, False)],
        )
    )
    from nasperf.datasets.tnb101 import TNB101_TASKS

    for space in ("micro", "macro"):
        candidates = _trees(False, XGB_SMALL, LGB_SMALL)
        if space == "macro":
            # a macro architecture is one chain of modules: its path encoding is a one-hot of
            # the whole architecture, which no tree can generalise from
            candidates = [c for c in candidates if c.encoding == "adjacency_onehot"]
        for task in TNB101_TASKS:
            out.append(
                Spec(
                    f"tnb101_{space}-{task}-tree",
                    "tree",
                    lambda space=space, task=task: tnb101_data(space, task),
                    candidates,
                )
            )
    from nasperf.datasets.benchmark import NBGRAPH_DATASETS

    for ds in NBGRAPH_DATASETS:  # proteins included (its own space)
        out.append(
            Spec(
                f"nbgraph-{ds}-tree",
                "tree",
                lambda ds=ds: nbgraph_data(ds),
                [Candidate(n, "adjacency_onehot", p, False) for n, p in NBG_TREES],
                size_tolerance=SIZE_TOLERANCE,
            )
        )
    return out


def zero_cost_meta(space: str, dataset: str, proxies: list[str]) -> dict:
    """The checkpoint metadata's ``zero_cost``: the proxies and the packaged files that hold
    them, each pinned by its sha256 (``parts`` only where some proxy comes from a part)."""
    from nasperf.datasets.zero_cost_tables import zero_cost_files

    key = zero_cost_file(space, dataset)
    zc = {
        "space": space,
        "dataset": dataset,
        "proxies": proxies,
        "table": key,
        "table_sha256": sha256_file(data_root() / key),
    }
    parts = zero_cost_files(space, dataset, proxies)[1:]
    if parts:
        zc["parts"] = [{"table": f, "table_sha256": sha256_file(data_root() / f)} for f in parts]
    return zc


def zero_cost_file(space: str, dataset: str) -> str:
    """The packaged zero-cost table of ``space`` / ``dataset`` (the manifest's spelling)."""
    want = f"zero_cost/{space}_{dataset}.parquet".lower()
    for name in packaged_files():
        if name.lower() == want:
            return name
    raise LookupError(f"no packaged zero-cost table {want}")


def has_data(spec: Spec, source: Path) -> tuple[bool, str]:
    """Whether ``spec`` can be built now, and why not."""
    if spec.name.startswith("nb201-"):
        ds = next(d for d in NB201_DATASETS if spec.name == f"nb201-{d.lower()}-{spec.kind}")
        if not any(s == "nb201" and d.lower() == ds.lower() for s, d in available_zero_cost()):
            return False, f"no packaged zero-cost table for nb201/{ds} yet"
    if spec.name.startswith("nb101-") and not (source / NB101_SOURCE).is_file():
        return False, f"{source / NB101_SOURCE} is absent"
    return True, ""


# ---------------------------------------------------------------- protocol
def split_indices(
    n: int,
    test_fraction: float,
    val_fraction: float,
    seed: int = SEED,
    networks: list | None = None,
):
    """``(train, val, test)`` index arrays of one seeded permutation of ``range(n)``.

    With ``networks`` (row -> the network it is, :func:`data_networks`), one network is on
    one side only: the test set takes the permutation's rows of distinct networks, the
    validation set the next rows of networks not in it, the training set every row of the
    other networks (NB101's 50 cells are 41 networks: a split by rows had put the twins of 5
    of its 15 test cells in the training set). Without, or where every row is its own
    network, the plain split."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    if networks is None or len(set(networks)) == n:
        return perm[n_test + n_val :], perm[n_test : n_test + n_val], perm[:n_test]
    from nasperf.evaluation.protocol import take_networks

    taken: set = set()
    test = np.array(take_networks(perm, networks, n_test, taken), dtype=perm.dtype)
    val = np.array(take_networks(perm, networks, n_val, taken), dtype=perm.dtype)
    train = np.array([i for i in perm if networks[i] not in taken], dtype=perm.dtype)
    return train, val, test


def data_networks(data: Data) -> list | None:
    """Row -> the network it is, where the space counts networks (``distinct_key``, NB101's
    hash); None where every row is its own architecture."""
    from nasperf.spaces import get_space

    space = get_space(data.space)
    if not space.counts_networks:
        return None
    return [space.distinct_key(space.parse(a)) for a in data.archs]


def labelled_sha256(archs: list[str], y: np.ndarray) -> str:
    """sha256 of ``arch<TAB>float.hex(label)`` lines in the given order."""
    h = hashlib.sha256()
    for a, v in zip(archs, y, strict=True):
        h.update(f"{a}\t{float(v).hex()}\n".encode())
    return h.hexdigest()


def make(candidate: Candidate, space: str, seed: int = SEED):
    return predictors.get(
        candidate.predictor,
        space=space,
        encoding=candidate.encoding
        if isinstance(candidate.encoding, str)
        else list(candidate.encoding),
        random_state=seed,
        **candidate.params,
    )


def side(candidate: Candidate, data: Data) -> dict:
    return {"zero_cost": data.zero_cost} if candidate.zero_cost else {}


def fit_predict(candidate, data, train, test) -> tuple[Any, np.ndarray, float]:
    pred = make(candidate, data.space)
    archs = [data.archs[i] for i in train]
    t0 = time.perf_counter()
    pred.fit(archs, data.y[train], **side(candidate, data))
    seconds = time.perf_counter() - t0
    return pred, pred.predict([data.archs[i] for i in test], **side(candidate, data)), seconds


def short(metrics: dict) -> dict:
    return {k: float(metrics[k]) for k in SHORT_METRICS}


def cv_folds(train: np.ndarray, networks: list | None, k: int = 5) -> list[np.ndarray]:
    """``k`` cross-validation folds of ``train`` (in its order); with ``networks``, the rows
    of one network in one fold (folds of about equal numbers of networks)."""
    if networks is None or len({networks[i] for i in train}) == len(train):
        return np.array_split(train, k)
    order = list(dict.fromkeys(networks[i] for i in train))
    fold_of = {
        order[g]: f for f, part in enumerate(np.array_split(np.arange(len(order)), k)) for g in part
    }
    return [
        np.array([i for i in train if fold_of[networks[i]] == f], dtype=train.dtype)
        for f in range(k)
    ]


def select(
    spec: Spec, data: Data, train, val, log, networks: list | None = None
) -> tuple[int, list[dict], list]:
    """Index of the winning candidate, every candidate's validation record, and the
    candidates fitted on the training set (None where selection used cross-validation)."""
    records, fitted = [], []
    for cand in spec.candidates:
        if len(val):
            model, p, secs = fit_predict(cand, data, train, val)
            fitted.append(model)
            scores = short(evaluate(data.y[val], p, ks=()))
            how = f"validation set ({len(val)})"
        else:
            # k-fold cross-validation on the training set: pooled out-of-fold predictions.
            folds = cv_folds(train, networks)
            oof = np.empty(len(train))
            secs = 0.0
            for k, fold in enumerate(folds):
                rest = np.concatenate([f for j, f in enumerate(folds) if j != k])
                _, p, s = fit_predict(cand, data, rest, fold)
                oof[sum(len(f) for f in folds[:k]) : sum(len(f) for f in folds[: k + 1])] = p
                secs += s
            scores = short(evaluate(data.y[np.concatenate(folds)], oof, ks=()))
            fitted.append(None)
            how = f"5-fold cross-validation on the training set ({len(train)})" + (
                "" if networks is None else ", one network's rows in one fold"
            )
        nbytes = saved_bytes(fitted[-1]) if spec.size_tolerance is not None else None
        records.append(
            {
                "candidate": cand.label(),
                "predictor": cand.predictor,
                "encoding": cand.encoding
                if isinstance(cand.encoding, str)
                else list(cand.encoding),
                "zero_cost": cand.zero_cost,
                "params": cand.params,
                "selection_on": how,
                "scores": scores,
                "fit_seconds": round(secs, 2),
                **({} if nbytes is None else {"bytes": nbytes}),
            }
        )
        log(
            f"  {cand.label():32s} {cand.params.get('n_estimators', '')!s:>4s} "
            f"tau {scores['kendall_tau']:.4f}  ({secs:.1f} s"
            + ("" if nbytes is None else f", {nbytes:,d} bytes")
            + ")"
        )
    tau = [r["scores"]["kendall_tau"] for r in records]
    if spec.size_tolerance is None:
        return max(range(len(records)), key=tau.__getitem__), records, fitted
    ref = max(
        t for t, c in zip(tau, spec.candidates, strict=True) if c.params["n_estimators"] == 150
    )
    ok = [i for i in range(len(records)) if tau[i] >= ref - spec.size_tolerance]
    return min(ok, key=lambda i: (records[i]["bytes"], -tau[i])), records, fitted


def saved_bytes(pred: Any) -> int:
    """Size of ``pred``'s checkpoint file (written to a temporary folder)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"size{SUFFIX}"
        pred.save(path)
        return path.stat().st_size


# ---------------------------------------------------------------- writing
def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for dist in ("numpy", "scikit-learn", "xgboost", "xgboost-cpu", "lightgbm", "torch"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    try:
        out["torch-geometric"] = md.version("torch-geometric")
    except md.PackageNotFoundError:
        pass
    return out


def write_checkpoint(root: Path, name: str, pred: Any, meta: dict) -> tuple[Path, Path]:
    """Write ``pretrained/<name>.nasperf`` and ``.json`` under ``root``; returns both paths.

    ``meta`` is completed with the file's name, size and sha256 and the format version.
    The predictor must store only :data:`SAFE_KINDS` (checked after writing).
    """
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    zpath = folder / f"{name}{SUFFIX}"
    pred.save(zpath)
    zpath.chmod(0o644)  # saved through a private temporary file; packaged data is readable
    check_safe_kinds(zpath)
    meta = {
        "checkpoint_format": CHECKPOINT_FORMAT,
        "name": name,
        "file": f"{FOLDER}/{name}{SUFFIX}",
        "file_sha256": sha256_file(zpath),
        "bytes": zpath.stat().st_size,
        **meta,
    }
    jpath = folder / f"{name}.json"
    jpath.write_text(json.dumps(meta, indent=1, sort_keys=False, allow_nan=False) + "\n")
    return zpath, jpath


def refresh_manifest(root: Path) -> Path:
    """Replace the ``pretrained/`` entries of ``root/MANIFEST.json`` by the files there now
    (the layout ``scripts/build_package_data.py`` writes, where ``pretrained`` is a folder
    of computed files kept as they are)."""
    path = root / MANIFEST
    entries = json.loads(path.read_text())
    entries = {k: v for k, v in entries.items() if not k.startswith(FOLDER + "/")}
    folder = root / FOLDER
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.suffix in (SUFFIX, ".json"):
                entries[f"{FOLDER}/{f.name}"] = {
                    "sha256": sha256_file(f),
                    "bytes": f.stat().st_size,
                }
    path.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    from nasperf.datasets.package_data import clear_caches

    clear_caches()
    return path


def build(spec: Spec, root: Path, log=print) -> dict:
    """Select, fit, evaluate and write one checkpoint; returns its metadata."""
    t_start = time.perf_counter()
    data = spec.data()
    n = len(data.archs)
    networks = data_networks(data)
    train, val, test = split_indices(n, spec.test_fraction, spec.val_fraction, networks=networks)
    log(f"{spec.name}: {n} architectures, train {len(train)} / val {len(val)} / test {len(test)}")
    best, records, fitted = select(spec, data, train, val, log, networks)
    cand = spec.candidates[best]
    log(f"  -> {cand.label()}")
    pred = fitted[best]
    if pred is None:
        pred, p_test, _ = fit_predict(cand, data, train, test)
    else:
        p_test = pred.predict([data.archs[i] for i in test], **side(cand, data))
    fit_s = float(pred.fit_time_)
    test_metrics = {
        k: (int(v) if k in ("n", "n_nan_predictions") else float(v))
        for k, v in evaluate(data.y[test], p_test, ks=(10, 50)).items()
    }
    transfer = {}
    for other, labels in data.other_labels.items():
        transfer[other] = {
            k: float(v)
            for k, v in evaluate(labels[test], p_test, ks=(10,)).items()
            if k in ("kendall_tau", "spearman", "ndcg", "ndcg@10", "precision@10")
        }
    ref_archs = [data.archs[i] for i in test[:N_REFERENCE]]
    ref_pred = pred.predict(ref_archs, **side(cand, data))
    zc = None
    if cand.zero_cost:
        ds = data.zero_cost_dataset
        zc = zero_cost_meta(data.space, ds, list(pred.uses_zero_cost_))
    from nasperf.predictors._persistence import _params_for_json

    meta = {
        "space": data.space,
        "dataset": data.dataset,
        "target": data.target,
        "kind": spec.kind,
        "predictor": cand.predictor,
        "params": _params_for_json(pred),
        "encoding": cand.encoding if isinstance(cand.encoding, str) else list(cand.encoding),
        "zero_cost": zc,
        "uncertainty": bool(pred.has_uncertainty),
        "training_data": {
            "description": data.description,
            "source": data.source,
            "source_sha256": data.source_sha256,
            "surrogate_labelled": data.surrogate_labelled,
            "n_total": n,
            "n_train": len(train),
            "n_validation": len(val),
            "n_test": len(test),
            "split": f"numpy.random.default_rng({SEED}).permutation(n): the first "
            f"{len(test)} are the test set, the next {len(val)} the validation set, the rest "
            "the training set (in that order); rows in the source's order"
            + (
                ""
                if networks is None
                else "; rows of one network (the space's distinct_key) on one side only: "
                "each set takes the next rows of networks the sets before it lack, and the "
                "training set every row of the remaining networks"
            ),
            "split_seed": SEED,
            "train_sha256": labelled_sha256([data.archs[i] for i in train], data.y[train]),
            "test_sha256": labelled_sha256([data.archs[i] for i in test], data.y[test]),
        },
        "selection": {
            "criterion": (
                "Kendall tau on "
                if spec.size_tolerance is None
                else f"the smallest file within {spec.size_tolerance} of the best 150-tree "
                "candidate's Kendall tau on "
            )
            + records[best]["selection_on"]
            + "; the winner is the model shipped (fitted on the training set only)",
            "winner": cand.label(),
            "candidates": records,
        },
        "metrics": {"test": test_metrics, "transfer": transfer},
        "reference": {"archs": ref_archs, "predictions": [float(v) for v in ref_pred]},
        "fit_seconds": round(fit_s, 2),
        "seed": SEED,
        "nasperf_version": nasperf.__version__,
        "library_versions": _versions(),
        "built_by": "scripts/build_pretrained.py",
    }
    zpath, _ = write_checkpoint(root, spec.name, pred, meta)
    log(
        f"  test tau {test_metrics['kendall_tau']:.4f} spearman {test_metrics['spearman']:.4f} "
        f"ndcg {test_metrics['ndcg']:.4f}; {zpath.stat().st_size:,d} bytes; "
        f"{time.perf_counter() - t_start:.0f} s"
    )
    return json.loads((root / FOLDER / f"{spec.name}.json").read_text())


def summary(metas: list[dict]) -> str:
    lines = [
        "| checkpoint | model | training data | n train | test tau | Spearman | NDCG | bytes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in metas:
        t = m["metrics"]["test"]
        lab = " (surrogate labels)" if m["training_data"]["surrogate_labelled"] else ""
        lines.append(
            f"| `{m['name']}` | {m['selection']['winner']} | {m['space']} {m['dataset']}{lab} "
            f"| {m['training_data']['n_train']:,d} | {t['kendall_tau']:.3f} | "
            f"{t['spearman']:.3f} | {t['ndcg']:.3f} | {m['bytes']:,d} |"
        )
    transfer = [m for m in metas if m["metrics"].get("transfer")]
    if transfer:
        lines += ["", "| checkpoint | ranks labels of | Kendall tau | Spearman | NDCG@10 |"]
        lines.append("|---|---|---|---|---|")
        for m in transfer:
            lines.append(
                f"| `{m['name']}` | {m['dataset']} (own) | "
                f"{m['metrics']['test']['kendall_tau']:.3f} | "
                f"{m['metrics']['test']['spearman']:.3f} | {m['metrics']['test']['ndcg@10']:.3f} |"
            )
            for ds, t in m["metrics"]["transfer"].items():
                lines.append(
                    f"| `{m['name']}` | {ds} | {t['kendall_tau']:.3f} | {t['spearman']:.3f} | "
                    f"{t['ndcg@10']:.3f} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", action="append", help="build only this checkpoint (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the checkpoints and exit")
    ap.add_argument(
        "--source",
        type=Path,
        default=REPO.parent / "shared" / "data",
        help="the project's source data (NB101 labels); default ../shared/data",
    )
    ap.add_argument(
        "--root",
        type=Path,
        default=None,
        help="packaged data folder to write into (default: nasperf's)",
    )
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    root = (args.root or data_root()).resolve()
    all_specs = specs(args.source)
    if args.list:
        for s in all_specs:
            ok, why = has_data(s, args.source)
            print(f"{s.name:28s} {'ready' if ok else 'skipped: ' + why}")
        return 0
    names = {s.name for s in all_specs}
    unknown = sorted(set(args.only or []) - names)
    if unknown:
        ap.error(f"unknown checkpoint(s) {unknown}; known: {sorted(names)}")
    metas = []
    for spec in all_specs:
        if args.only and spec.name not in args.only:
            continue
        ok, why = has_data(spec, args.source)
        if not ok:
            print(f"{spec.name}: skipped ({why})")
            continue
        metas.append(build(spec, root))
        refresh_manifest(root)
    print()
    print(summary(metas))
    total = sum(p.stat().st_size for p in (root / FOLDER).glob("*") if p.is_file())
    print(f"\npretrained/ holds {total:,d} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
