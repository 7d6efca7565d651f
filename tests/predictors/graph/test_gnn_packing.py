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
    for key in ("x", "adj", "mask", "depth"):
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
