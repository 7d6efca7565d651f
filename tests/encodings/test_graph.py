"""Graph encoding: PyG graphs per architecture in the ops-on-nodes and ops-on-edges views."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import nasperf
from nasperf.encodings import ENCODINGS, get
from nasperf.encodings.graph import GraphEncoder
from nasperf.spaces import SPACES

from ..spaces.custom_space_example import ChainSpace

DataLoader = pytest.importorskip("torch_geometric.loader").DataLoader

NB101_SPEC = (
    '{"matrix":[[0,1,1,0,0],[0,0,0,1,1],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]],'
    '"ops":["input","conv3x3-bn-relu","conv1x1-bn-relu","maxpool3x3","output"]}'
)


@pytest.fixture(scope="module")
def chain_space():
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    return nasperf.get_space("chain")


def _space(name, chain_space):
    return chain_space if name == "chain" else nasperf.get_space(name)


def _edges(data, labels=None):
    ei = data.edge_index.tolist()
    if labels is None:
        return list(zip(ei[0], ei[1], strict=True))
    ops = data.edge_attr.argmax(1).tolist()
    return [(s, d, labels[k]) for s, d, k in zip(ei[0], ei[1], ops, strict=True)]


def test_registered_and_not_numeric():
    assert ENCODINGS.get("graph") is GraphEncoder
    enc = get("graph", space="nb201", view="ops_on_edges")
    assert enc.numeric is False and enc.get_params()["view"] == "ops_on_edges"
    with pytest.raises(ValueError, match="only numeric"):
        get(["graph", "adjacency_onehot"], space="nb201")
    with pytest.raises(
        ValueError, match=r"The 'view' parameter of GraphEncoder must be a str among"
    ):
        get("graph", space="nb201", view="sideways").fit(
            ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
        )


@pytest.mark.parametrize("name", ["nb101", "nb201", "nb301", "chain"])
def test_nodes_view_is_the_cell_graphs(name, chain_space):
    space = _space(name, chain_space)
    archs = space.sample(12, seed=3)
    enc = get("graph", space=space).fit(archs)
    graphs = enc.transform(archs)
    assert enc.n_features_out_ == len(space.node_labels)
    assert list(enc.get_feature_names_out()) == list(space.node_labels)
    assert len(graphs) == len(archs)
    for arch, data in zip(archs, graphs, strict=True):
        cells = space.cells(arch)
        n = sum(c.n_nodes for c in cells)
        assert data.x.dtype == torch.float32 and data.x.shape == (n, len(space.node_labels))
        assert data.edge_index.dtype == torch.int64 and data.cell.dtype == torch.int64
        assert data.num_nodes == n
        assert torch.all(data.x.sum(1) == 1)
        labels = [space.node_labels[k] for k in data.x.argmax(1).tolist()]
        assert labels == [op for c in cells for op in c.ops]
        assert data.cell.tolist() == [k for k, c in enumerate(cells) for _ in range(c.n_nodes)]
        # edge_index is exactly the block-diagonal adjacency of the cells
        adj = np.zeros((n, n), dtype=np.int64)
        adj[tuple(data.edge_index.numpy())] = 1
        start = 0
        expected = np.zeros((n, n), dtype=np.int64)
        for c in cells:
            expected[start : start + c.n_nodes, start : start + c.n_nodes] = c.matrix()
            start += c.n_nodes
        np.testing.assert_array_equal(adj, expected)
        assert data.edge_index.shape[1] == int(expected.sum())


def test_drop_isolated_removes_none_nodes_of_nb201():
    space = nasperf.get_space("nb201")
    arch = space.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")
    full = get("graph", space=space).fit([arch]).transform([arch])[0]
    dropped = get("graph", space=space, drop_isolated=True).fit([arch]).transform([arch])[0]
    assert full.num_nodes == 8 and dropped.num_nodes == 5
    labels = [space.node_labels[k] for k in dropped.x.argmax(1).tolist()]
    assert labels == ["input", "nor_conv_3x3", "skip_connect", "avg_pool_3x3", "output"]
    assert _edges(dropped) == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_edges_view_recovers_nb201_native_cells():
    space = nasperf.get_space("nb201")
    live = [op for op in space.ops if op != "none"]
    archs = [space.arch_type(ops) for ops in itertools.product(live, repeat=6)]
    enc = get("graph", space=space, view="ops_on_edges").fit(archs[:1])
    assert enc.node_labels_ == ("input", "output", "tensor")
    assert enc.edge_labels_ == (*space.operations, "identity")
    graphs = enc.transform(archs)
    native = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (dst, src) in string order
    for arch, data in zip(archs, graphs, strict=True):
        assert data.num_nodes == 4
        assert [enc.node_labels_[k] for k in data.x.argmax(1).tolist()] == [
            "input",
            "tensor",
            "tensor",
            "output",
        ]
        expected = sorted((s, d, op) for (d, s), op in zip(native, arch.ops, strict=True))
        assert _edges(data, enc.edge_labels_) == expected
        assert data.edge_attr.dtype == torch.float32 and data.edge_attr.shape == (6, 6)


def test_edges_view_drops_none_edges_of_nb201():
    space = nasperf.get_space("nb201")
    arch = space.parse(
        "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"
    )
    enc = get("graph", space=space, view="ops_on_edges").fit([arch])
    data = enc.transform([arch])[0]
    assert _edges(data, enc.edge_labels_) == [
        (0, 1, "nor_conv_3x3"),
        (0, 2, "skip_connect"),
        (0, 3, "nor_conv_1x1"),
        (1, 3, "nor_conv_3x3"),
        (2, 3, "skip_connect"),
    ]
    empty = enc.transform(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])[0]
    assert empty.num_nodes == 2 and empty.edge_index.shape == (2, 0)


def test_edges_view_of_darts_is_the_genotype():
    space = nasperf.get_space("nb301")
    archs = space.sample(5, seed=7)
    enc = get("graph", space=space, view="ops_on_edges").fit(archs)
    assert enc.node_labels_ == ("input0", "input1", "sum", "output", "tensor")
    for arch, data in zip(archs, enc.transform(archs), strict=True):
        assert data.num_nodes == 14
        assert data.cell.tolist() == [0] * 7 + [1] * 7
        labels = [enc.node_labels_[k] for k in data.x.argmax(1).tolist()]
        assert labels == ["input0", "input1", "sum", "sum", "sum", "sum", "output"] * 2
        expected = []
        for c, cell in enumerate((arch.normal, arch.reduce)):
            base = 7 * c
            for k, (op, inp) in enumerate(cell):
                expected.append((base + inp, base + k // 2 + 2, op))  # node j is at j
            expected += [(base + j, base + 6, "identity") for j in range(2, 6)]
        assert _edges(data, enc.edge_labels_) == sorted(expected)


def test_edges_view_of_nb101_and_chain(chain_space):
    space = nasperf.get_space("nb101")
    enc = get("graph", space=space, view="ops_on_edges").fit([NB101_SPEC])
    data = enc.transform([NB101_SPEC])[0]
    # vertex 1's output feeds vertex 3 and the output: a tensor node with identity edges;
    # vertex 3 sums vertices 1 and 2: a tensor node; the rest merges into input / output.
    assert [enc.node_labels_[k] for k in data.x.argmax(1).tolist()] == [
        "input",
        "tensor",
        "tensor",
        "output",
    ]
    assert _edges(data, enc.edge_labels_) == [
        (0, 1, "conv3x3-bn-relu"),
        (0, 2, "conv1x1-bn-relu"),
        (1, 2, "identity"),
        (1, 3, "identity"),
        (2, 3, "maxpool3x3"),
    ]
    enc = get("graph", space=chain_space, view="ops_on_edges").fit(["conv3x3-skip-conv1x1"])
    data = enc.transform(["conv3x3-skip-conv1x1"])[0]
    assert data.num_nodes == 4
    assert _edges(data, enc.edge_labels_) == [
        (0, 1, "conv3x3"),
        (1, 2, "skip"),
        (2, 3, "conv1x1"),
    ]


@pytest.mark.parametrize("view", ["ops_on_nodes", "ops_on_edges"])
def test_dataloader_batches_and_targets(view):
    space = nasperf.get_space("nb301")
    archs = space.sample(6, seed=1)
    y = np.linspace(0.5, 0.9, 6)
    enc = get("graph", space=space, view=view).fit(archs)
    dataset = enc.to_dataset(archs, y)
    batch = next(iter(DataLoader(dataset, batch_size=4, shuffle=False)))
    assert batch.num_graphs == 4
    sizes = [d.num_nodes for d in dataset[:4]]
    assert batch.x.shape[0] == sum(sizes)
    assert batch.batch.tolist() == [g for g, s in enumerate(sizes) for _ in range(s)]
    # the second graph's edges are shifted by the first graph's node count
    e0 = dataset[0].edge_index.shape[1]
    assert torch.equal(
        batch.edge_index[:, e0 : e0 + dataset[1].edge_index.shape[1]],
        dataset[1].edge_index + sizes[0],
    )
    np.testing.assert_allclose(batch.y.numpy(), y[:4].astype(np.float32))
    assert batch.y.shape == (4,)
    multi = enc.to_dataset(archs, np.stack([y, 1 - y], axis=1))
    assert next(iter(DataLoader(multi, batch_size=3))).y.shape == (3, 2)
    with pytest.raises(ValueError, match="6 architectures but 5 targets"):
        enc.to_dataset(archs, y[:5])


@pytest.mark.parametrize("view", ["ops_on_nodes", "ops_on_edges"])
def test_deterministic_and_independent_of_batch(view):
    space = nasperf.get_space("nb101")
    archs = space.sample(20, seed=5)
    enc = get("graph", space=space, view=view).fit(archs)
    first, second = enc.transform(archs), enc.transform(archs)
    alone = [enc.transform([a])[0] for a in archs[:5]]
    for a, b in [*zip(first, second, strict=True), *zip(first, alone, strict=False)]:
        assert sorted(a.keys()) == sorted(b.keys())
        for key in a.keys():
            assert torch.equal(a[key], b[key]) if torch.is_tensor(a[key]) else a[key] == b[key]
    # each graph owns its tensors (no view into a shared batch buffer)
    assert first[1].x.untyped_storage().nbytes() == first[1].x.numel() * 4
