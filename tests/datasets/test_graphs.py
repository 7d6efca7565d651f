"""Packaged graphs for graph zero-cost proxies, and the NAS-Bench-Graph benchmark tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf.datasets import load_benchmark, load_graph, read_graph_npz
from nasperf.errors import DataIntegrityError

NBGRAPH = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
COLUMNS = ["valid_hash", "valid_perf", "test_perf", "latency_s", "params_m"]


@pytest.mark.parametrize(
    ("name", "nodes", "features", "edges", "train"),
    [("cora", 2708, 1433, 10556, 140), ("citeseer", 3327, 3703, 9104, 120)],
)
def test_packaged_graphs(name, nodes, features, edges, train):
    data = load_graph(name)
    assert tuple(data.x.shape) == (nodes, features) and tuple(data.edge_index.shape) == (2, edges)
    assert int(data.train_mask.sum()) == train and bool((data.mask == data.train_mask).all())
    assert [int(m.sum()) for m in (data.val_mask, data.test_mask)] == [500, 1000]
    assert int(data.y.max()) + 1 == nasperf.spaces.GRAPH_TASKS[name].num_classes
    assert not (data.train_mask & data.test_mask).any()


def test_drawn_batches_are_seeded_training_nodes():
    a, b, c = load_graph("cora", 32, 0), load_graph("cora", 32, 0), load_graph("cora", 32, 1)
    assert int(a.mask.sum()) == 32 and bool((a.mask <= a.train_mask).all())
    assert bool((a.mask == b.mask).all()) and not bool((a.mask == c.mask).all())
    with pytest.raises(ValueError, match="140 training nodes"):
        load_graph("cora", 141)
    with pytest.raises(ValueError, match="no packaged graph"):
        load_graph("pubmed")


def _write(path, **arrays):
    base = dict(np.load(nasperf.datasets.data_path("graphs/cora.npz")))
    base.update(arrays)
    np.savez(path, **base)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": np.zeros((5, 3), np.float32)}, "array 'y'"),
        ({"edge_index": np.array([[0, 1], [2, 9999]])}, "refers to nodes outside"),
        ({"train_mask": np.zeros(2708, bool)}, "selects no node"),
        ({"test_mask": np.zeros(2708, np.int8)}, "array 'test_mask'"),
        ({"x": np.full((2708, 4), np.nan, np.float32)}, "NaN"),
    ],
)
def test_graph_files_are_checked_against_the_schema(tmp_path, change, message):
    path = _write(tmp_path / "g.npz", **change)
    with pytest.raises(DataIntegrityError, match=message):
        read_graph_npz(path)


def test_features_beyond_float32_are_refused(tmp_path):
    """Finite float64 features that float32 cannot hold would turn inf in load_graph."""
    x = np.zeros((2708, 4))
    x[5, 2] = -1e300
    path = _write(tmp_path / "big.npz", x=x)
    with pytest.raises(DataIntegrityError) as ei:
        load_graph("mine", source=path)
    assert str(ei.value) == (
        f"{path}: array 'x' holds values beyond float32's range (largest magnitude 1e+300 > "
        "3.4e+38); features are used as float32"
    )
    x[5, 2] = 3e38  # within float32: read, and finite after the cast
    data = load_graph("mine", source=_write(tmp_path / "ok.npz", x=x))
    assert bool(data.x.isfinite().all()) and float(data.x[5, 2]) == pytest.approx(3e38, rel=1e-7)


def test_user_graph_and_missing_file(tmp_path):
    path = _write(tmp_path / "mine.npz")
    assert tuple(load_graph("mine", source=path).x.shape) == (2708, 1433)
    with pytest.raises(FileNotFoundError):
        load_graph("cora", source=tmp_path / "absent.npz")


@pytest.mark.parametrize("ds", [*NBGRAPH, "proteins"])
def test_benchmark_tables(ds):
    df = load_benchmark("nbgraph", ds)
    assert list(df.columns) == COLUMNS and df.index.name == "arch"
    assert len(df) == (2_021 if ds == "proteins" else 26_206) and df.index.is_unique
    assert df["valid_hash"].is_unique and df.notna().all().all()
    assert df["valid_perf"].between(0, 1).all() and (df["params_m"] > 0).all()


def test_tables_are_indexed_by_the_spaces_representatives():
    space = nasperf.get_space("nbgraph")
    df = load_benchmark("nbgraph", "cora")
    assert set(df.index) == {space.to_string(a) for a in space.enumerate()}
    proteins = load_benchmark("nbgraph-proteins", "ogbn-proteins")
    sp = nasperf.get_space("nbgraph-proteins")
    assert set(proteins.index) == {sp.to_string(a) for a in sp.enumerate()}
    assert proteins.equals(load_benchmark("nbgraph", "proteins"))
    assert load_benchmark("nas-bench-graph", "ogbn-arxiv").attrs["dataset"] == "arxiv"


@pytest.mark.parametrize("ds", ["cora", "proteins"])
def test_tables_give_back_every_source_row(shared_data, ds):
    """One row per class is lossless: every source row's values come back via the hash."""
    space = nasperf.get_space("nbgraph-proteins" if ds == "proteins" else "nbgraph")
    src = pd.read_csv(shared_data / "nas-bench-graph" / f"{ds}.csv.gz")
    table = load_benchmark("nbgraph", ds)
    by_hash = table.set_axis([space.hash(space.parse(t)) for t in table.index])
    rows = by_hash.loc[[space.hash(space.parse(t)) for t in src["link"] + "|" + src["ops"]]]
    assert (rows["valid_hash"].to_numpy() == src["valid_hash"].to_numpy()).all()
    for col in COLUMNS[1:]:
        # stored as float32: 2**-24 relative
        np.testing.assert_allclose(rows[col].to_numpy(), src[col].to_numpy(), rtol=1e-7)
