"""The GNN predictors' dense fast path (arrays straight from ``space.graph_batch``) builds
exactly the tensors of the PyG route (``graph`` encoding, batching, ``to_dense_*``)."""

from __future__ import annotations

import pytest
import torch

import nasperf
from nasperf import encodings
from nasperf.predictors.graph.gnn import GraphInput, _Packed


@pytest.mark.parametrize("space_name", ["nb101", "nb201", "nb301"])
def test_dense_packing_equals_the_pyg_route(space_name):
    space = nasperf.get_space(space_name)
    archs = space.sample(60, seed=3)
    enc = encodings.get("graph", space=space_name).fit(archs)
    cpu = torch.device("cpu")
    via_pyg = _Packed(GraphInput(enc.transform(archs)), None, cpu)
    batch = space.graph_batch(archs)
    direct = _Packed(GraphInput(None, batch=batch, n_node_labels=len(enc.node_labels_)), None, cpu)
    for key in ("x", "adj", "mask", "depth", "cell"):
        a, b = getattr(via_pyg, key), getattr(direct, key)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert torch.equal(a, b), key
    assert direct.n_graphs == 60


def test_graph_predictors_use_the_dense_path_for_the_default_view():
    space = nasperf.get_space("nb201")
    archs = space.sample(30, seed=0)
    pred = nasperf.predictors.get("gin", space="nb201", epochs=1, random_state=0)
    pred.fit(archs, list(range(30)))
    X = pred._features(space, archs, {})
    assert X.graphs is None and X.batch is not None and len(X) == 30
    enc = encodings.get("graph", space="nb201", drop_isolated=True).fit(archs)
    pred.encoder_ = enc  # another view goes through PyG graphs
    assert pred._features(space, archs, {}).graphs is not None


@pytest.mark.parametrize("kind", ["gin", "gcn", "gates"])
def test_the_readout_tells_a_network_s_cells_apart(kind):
    """Pooled over all nodes, DARTS's normal and reduction cells are interchangeable: a
    genotype and the one with the two cells swapped embed identically. With one readout per
    cell (``n_cells=2``, what the predictors fit on NB301) they differ, and each cell's
    block is the one-cell readout of that cell alone. One-cell spaces are unchanged: the
    cell ids are all 0 and one readout is the pooled one."""
    import dataclasses

    from nasperf.predictors.graph.gnn import make_encoder

    space = nasperf.get_space("nb301")
    archs = [a for a in space.sample(20, seed=1) if a.normal != a.reduce][:4]
    swapped = [dataclasses.replace(a, normal=a.reduce, reduce=a.normal) for a in archs]
    n_labels = len(space.node_labels)
    cpu = torch.device("cpu")

    def packed(xs):
        batch = space.graph_batch(xs)
        return _Packed(GraphInput(None, batch=batch, n_node_labels=n_labels), None, cpu)

    a, b = packed(archs), packed(swapped)
    assert set(a.cell[a.mask].tolist()) == {0, 1} and int(a.cell[~a.mask].sum()) == 0
    torch.manual_seed(0)
    pooled = make_encoder(kind, n_labels, 16, 2, 0.0).eval()
    torch.manual_seed(0)
    per_cell = make_encoder(kind, n_labels, 16, 2, 0.0, n_cells=2).eval()
    with torch.no_grad():
        assert torch.allclose(pooled(a.select()), pooled(b.select()), atol=1e-5)
        za, zb = per_cell(a.select()), per_cell(b.select())
        assert za.shape == (4, 2 * pooled.out_dim) == (4, per_cell.out_dim)
        assert not torch.allclose(za, zb, atol=1e-3)
        # the cells' blocks trade places (GIN's layers each hold both cells' blocks)
        width = za.shape[1] // (2 if kind != "gin" else 4)
        blocks_a = za.reshape(4, -1, 2, width)
        blocks_b = zb.reshape(4, -1, 2, width)
        torch.testing.assert_close(blocks_a, blocks_b.flip(2), atol=1e-5, rtol=1e-5)
    nb201 = nasperf.get_space("nb201")
    one = _Packed(
        GraphInput(
            None,
            batch=nb201.graph_batch(nb201.sample(5, seed=0)),
            n_node_labels=len(nb201.node_labels),
        ),
        None,
        cpu,
    )
    assert int(one.cell.abs().sum()) == 0
