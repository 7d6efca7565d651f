"""A user's own graph and GNN space: how a ``Data`` reaches the forward (edge fields, the
scored nodes, their labels), ``compute`` on a ``Data``, complexity and omni on such a space.

Scores compared here come from one process and the same operations in the same order, so
they agree to the last bit; the tolerances (1e-12 relative) only guard against a changed
reduction order, far below the gaps the tests tell apart (edge weights move snip by >10 %).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.data import Batch, Data
from torch_geometric.nn import GATConv, GCNConv, SAGEConv, global_mean_pool
from torch_geometric.nn.models import GAT

import nasperf
from nasperf.datasets.graphs import draw_nodes
from nasperf.errors import ArchitectureFailedError
from nasperf.spaces import SPACES, CellGraph, GraphTask, SearchSpace
from nasperf.zero_cost import compute, score, scored_weights
from nasperf.zero_cost.engine import ProxyInputs, as_proxy_inputs
from tests._registry_helpers import register_space

N, FEATURES, CLASSES, EDGES = 40, 6, 3, 120
PROXIES = ["grad_norm", "snip", "synflow", "jacov"]


def graph(seed: int = 0, **fields) -> Data:
    g = torch.Generator().manual_seed(seed)
    mask = torch.zeros(N, dtype=torch.bool)
    mask[:20] = True
    return Data(
        x=torch.randn(N, FEATURES, generator=g),
        edge_index=torch.randint(0, N, (2, EDGES), generator=g),
        y=torch.randint(0, CLASSES, (N,), generator=g),
        train_mask=mask,
        **fields,
    )


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], rel=1e-12) for k in a)


# ------------------------------------------------------------------ edge fields (02)
class WeightedGCN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = GCNConv(FEATURES, 16), GCNConv(16, CLASSES)

    def forward(self, x, edge_index, edge_weight=None):
        return self.c2(self.c1(x, edge_index, edge_weight).relu(), edge_index, edge_weight)


class Fixed(nn.Module):
    """``inner`` with some forward arguments fixed: the plain equivalent of passing them."""

    def __init__(self, inner: nn.Module, **fixed) -> None:
        super().__init__()
        self.inner, self.fixed = inner, fixed

    def forward(self, x, edge_index):
        # in the pass's dtype (synflow runs in float64), as a buffer of the network would be
        fixed = {k: v.to(x.dtype) for k, v in self.fixed.items()}
        return self.inner(x, edge_index, **fixed)


def test_edge_weights_reach_the_forward():
    torch.manual_seed(0)
    net = WeightedGCN()
    w = torch.rand(EDGES, generator=torch.Generator().manual_seed(1)) * 10
    with_w = score(net, graph(edge_weight=w), proxies=PROXIES)
    # the same network with the weights fixed in its forward, scored on the bare graph
    assert close(with_w, score(Fixed(net, edge_weight=w), graph(), proxies=PROXIES))
    # and as the forward's arguments given by hand
    d = graph()
    by_hand = ProxyInputs(d.x, (d.edge_index, w), d.train_mask.nonzero().flatten(), True)
    assert close(with_w, score(net, by_hand, d.y, proxies=PROXIES))
    bare = score(net, graph(), proxies=PROXIES)
    assert with_w["snip"] != pytest.approx(bare["snip"], rel=0.1)  # they had been equal


def test_edge_attr_reaches_a_torch_geometric_model_past_a_default():
    # GAT.forward(x, edge_index, edge_weight=None, edge_attr=None, batch=None, ...): the
    # graph has no edge_weight, so it gets its default and edge_attr goes third
    torch.manual_seed(0)
    net = GAT(FEATURES, 8, num_layers=2, out_channels=CLASSES, edge_dim=2)
    attr = torch.rand(EDGES, 2, generator=torch.Generator().manual_seed(2))
    got = score(net, graph(edge_attr=attr), proxies=PROXIES)
    assert close(got, score(Fixed(net, edge_attr=attr), graph(), proxies=PROXIES))
    assert got["snip"] != pytest.approx(score(net, graph(), proxies=PROXIES)["snip"], rel=1e-3)


class KeywordGCN(WeightedGCN):
    """``WeightedGCN`` taking the edge weights by keyword only."""

    def forward(self, x, edge_index, *, edge_weight=None):
        return super().forward(x, edge_index, edge_weight)


class KwargsGCN(WeightedGCN):
    """``WeightedGCN`` handing its ``**kwargs`` on to the layers (one a GCNConv, which takes
    ``edge_weight``); records the names it was given."""

    seen: tuple = ()

    def forward(self, x, edge_index, **kwargs):
        KwargsGCN.seen = tuple(sorted(kwargs))
        h = self.c1(x, edge_index, **kwargs).relu()
        return self.c2(h, edge_index, **kwargs)


def test_edge_fields_reach_a_keyword_only_or_kwargs_forward_by_name():
    # both had been refused ("has no positional parameter 'edge_weight'"), although the
    # field could be passed by name: the same scores as the positional forward's
    torch.manual_seed(0)
    ref = WeightedGCN()
    w = torch.rand(EDGES, generator=torch.Generator().manual_seed(1)) * 10
    want = score(ref, graph(edge_weight=w), proxies=[*PROXIES, "flops", "params"])
    for cls in (KeywordGCN, KwargsGCN):
        net = cls()
        net.load_state_dict(ref.state_dict())
        assert close(score(net, graph(edge_weight=w), proxies=[*PROXIES, "flops", "params"]), want)
    # **kwargs gets the per-edge fields only: a Data's other fields (pos here, batch, ...)
    # had not reached it and would break a forward handing them on to its layers
    d = graph(edge_weight=w, pos=torch.rand(N, 2))
    assert close(score(net, d, proxies=PROXIES), {k: want[k] for k in PROXIES})
    assert KwargsGCN.seen == ("edge_weight",)


def test_a_positional_default_before_an_edge_field_is_counted():
    # GAT.forward(x, edge_index, edge_weight=None, edge_attr=None, ...) gets (edge_index,
    # None, edge_attr): flops had failed on the None ("'NoneType' object has no attribute
    # 'to'", a raw AttributeError that failed the whole call)
    torch.manual_seed(0)
    net = GAT(FEATURES, 8, num_layers=2, out_channels=CLASSES, edge_dim=2)
    attr = torch.rand(EDGES, 2, generator=torch.Generator().manual_seed(2))
    got = score(net, graph(edge_attr=attr), proxies=["flops", "params"])
    assert got == score(Fixed(net, edge_attr=attr), graph(), proxies=["flops", "params"])


class Plain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c = GCNConv(FEATURES, CLASSES)

    def forward(self, x, edge_index):
        return self.c(x, edge_index)


class NeedsExtra(Plain):
    def forward(self, x, edge_index, extra, edge_attr=None):
        return self.c(x, edge_index)


def test_edge_fields_the_forward_cannot_take_are_refused():
    net = Plain()
    attr = torch.rand(EDGES, 2)
    with pytest.raises(ValueError, match=r"data.edge_attr is set but Plain.forward\(x, "):
        score(net, graph(edge_attr=attr), proxies=["snip"])
    with pytest.raises(ValueError, match="'extra'.*add data.extra"):
        score(NeedsExtra(), graph(edge_attr=attr), proxies=["snip"])

    class Marked(Plain):
        def forward(self, x, edge_index, /, scale=1.0, *args, edge_weight=None):
            return self.c(x, edge_index) * scale

    # the signature as written ('/', '*args'): it had read "forward(x, edge_index,
    # edge_weight) has no positional parameter 'edge_weight'" for a keyword-only one
    with pytest.raises(ValueError) as e:
        score(Marked(), graph(edge_attr=attr, edge_weight=torch.rand(EDGES)), proxies=["snip"])
    assert str(e.value).startswith(
        "data.edge_attr is set but Marked.forward(x, edge_index, /, scale, *args, edge_weight) "
        "has no parameter 'edge_attr' to take it, nor **kwargs"
    )
    with pytest.raises(ValueError, match=r"one row per edge \(120 in data.edge_index\)"):
        score(WeightedGCN(), graph(edge_weight=torch.rand(7)), proxies=["snip"])
    # deleting the field says "score the bare graph": the scores of a graph without it
    d = graph(edge_attr=attr)
    del d.edge_attr
    assert score(net, d, proxies=PROXIES) == score(net, graph(), proxies=PROXIES)


# ------------------------------------------------------------------ labels (07) and graph-level (06)
def test_unlabelled_nodes_outside_the_mask_are_not_read():
    torch.manual_seed(0)
    net, d = Plain(), graph()
    want = score(net, d, proxies=PROXIES)
    unlabelled = d.clone()
    unlabelled.y = torch.where(d.train_mask, d.y, -1)
    assert score(net, unlabelled, proxies=PROXIES) == want  # the same nodes are read
    bad = d.clone()
    bad.y = d.y.clone()
    bad.y[3] = -1  # a scored node
    with pytest.raises(ValueError, match=r"\[-1, 2\] among the 20 nodes data.train_mask selects"):
        score(net, bad, proxies=["snip"])


class GraphClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c, self.head = GCNConv(FEATURES, 8), nn.Linear(8, CLASSES)

    def forward(self, x, edge_index, batch=None):
        return self.head(global_mean_pool(self.c(x, edge_index).relu(), batch))


def test_graph_level_tasks_are_refused_naming_the_cause():
    graphs = [graph(seed=s) for s in range(4)]
    for s, g in enumerate(graphs):
        g.y, g.train_mask = torch.tensor([s % CLASSES]), None
    b = Batch.from_data_list(graphs)
    with pytest.raises(ValueError, match="4 targets for 160 nodes.*graph-level tasks"):
        score(GraphClassifier(), b, proxies=["grad_norm"])
    del b.y
    # data.batch reaches forward(..., batch=None): one row per graph, not per node
    with pytest.raises(ValueError, match=r"returned .* \(4, 3\).*graph-level tasks"):
        score(GraphClassifier(), b, proxies=["synflow"])


# ------------------------------------------------------------------ a user's graph space
KINDS = ("gcn", "sage", "lin")


@dataclass(frozen=True, slots=True)
class TinyArch:
    ops: tuple[str, ...]


class TinyGNN(nn.Module):
    def __init__(self, ops, task: GraphTask, width: int = 8) -> None:
        super().__init__()
        self.kinds = list(ops)
        make = {"gcn": GCNConv, "sage": SAGEConv, "lin": nn.Linear}
        self.layers = nn.ModuleList(
            make[k](task.num_features if i == 0 else width, width) for i, k in enumerate(ops)
        )
        self.head = nn.Linear(width, task.num_classes)

    def forward(self, x, edge_index):
        for kind, layer in zip(self.kinds, self.layers, strict=True):
            x = F.relu(layer(x) if kind == "lin" else layer(x, edge_index))
        return self.head(x)


class TinyGNNSpace(SearchSpace):
    name = "test_tinygnn"
    ops = KINDS
    arch_type = TinyArch
    max_nodes = 4
    task_kind = "graph"
    default_dataset = GraphTask("syn", FEATURES, CLASSES, N)

    def parse(self, text):
        return TinyArch(tuple(text.split("-")))

    def to_string(self, arch):
        return "-".join(arch.ops)

    def cells(self, arch):
        adj = tuple(tuple(int(j == i + 1) for j in range(4)) for i in range(4))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def random_architecture(self, rng):
        return TinyArch(tuple(KINDS[i] for i in rng.integers(len(KINDS), size=2)))

    def neighbors(self, arch):
        return [
            TinyArch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(2)
            for op in KINDS
            if op != arch.ops[k]
        ]

    @property
    def size(self):
        return len(KINDS) ** 2

    def enumerate(self):
        return (TinyArch(o) for o in itertools.product(KINDS, repeat=2))

    def build_network(self, arch, dataset=None, **kwargs):
        return TinyGNN(arch.ops, self.network_task(dataset))


@pytest.fixture
def space(monkeypatch, tmp_path):
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    register_space(monkeypatch, TinyGNNSpace)
    return nasperf.get_space(TinyGNNSpace.name)


ARCHS = ["lin-gcn", "gcn-sage", "sage-lin"]


def test_compute_on_a_data_draws_batch_size_training_nodes_with_the_seed(space):
    d = graph()
    task = space.default_dataset
    kwargs = dict(dataset=task, cache=None, seed=3)
    every = compute(space.name, ARCHS, ["grad_norm", "snip"], inputs=d, batch_size=None, **kwargs)
    five = compute(space.name, ARCHS, ["grad_norm", "snip"], inputs=d, batch_size=5, **kwargs)
    assert every.attrs["batch_size"] == 20 and five.attrs["batch_size"] == 5
    assert (five["snip"] != every["snip"]).all()  # had been equal: all 20 nodes scored
    # the packaged graph's draw (load_graph's), from the Data's training nodes
    drawn = draw_nodes(np.arange(20), 5, np.random.default_rng(3))
    chosen = d.clone()
    chosen.mask = torch.zeros(N, dtype=torch.bool)
    chosen.mask[torch.from_numpy(drawn)] = True
    same = compute(
        space.name, ARCHS, ["grad_norm", "snip"], inputs=chosen, batch_size=None, **kwargs
    )
    pd_equal = np.testing.assert_allclose
    pd_equal(five.to_numpy(), same.to_numpy(), rtol=1e-12)
    cora = nasperf.datasets.load_graph("cora", 32, seed=3)
    train = np.flatnonzero(cora.train_mask.numpy())
    assert (
        cora.mask.nonzero().flatten().numpy() == draw_nodes(train, 32, np.random.default_rng(3))
    ).all()
    with pytest.raises(
        ValueError,
        match=r"asked for 21 nodes but data.train_mask selects 20 .*\(batch_size=None: all",
    ):
        compute(space.name, ARCHS, ["snip"], inputs=d, batch_size=21, **kwargs)
    with pytest.raises(ValueError, match="no packaged graph for dataset 'syn'.*pass inputs="):
        compute(space.name, ARCHS, ["snip"], cache=None)


def test_compute_keys_the_cache_by_a_data_s_edge_fields(space):
    class Weighted(TinyGNNSpace):
        def build_network(self, arch, dataset=None, **kwargs):
            torch.manual_seed(0)
            return WeightedGCN()

    SPACES.register("test_tinygnn_w")(Weighted)
    w = torch.rand(EDGES, generator=torch.Generator().manual_seed(1))
    kwargs = dict(batch_size=None)
    a = compute("test_tinygnn_w", ARCHS[:1], ["snip"], inputs=graph(edge_weight=w), **kwargs)
    b = compute("test_tinygnn_w", ARCHS[:1], ["snip"], inputs=graph(edge_weight=2 * w), **kwargs)
    assert a["snip"].iloc[0] != b["snip"].iloc[0]  # not read back from the first's cache


def test_default_complexity_of_a_graph_space_counts_one_node(space):
    arch = space.parse("gcn-lin")
    net = space.build_network(arch)
    assert space.params(arch) * 1e6 == pytest.approx(sum(p.numel() for p in net.parameters()))
    # MACs of one node by hand: GCNConv's linear map, the Linear layer, the head
    macs = FEATURES * 8 + 8 * 8 + 8 * CLASSES
    assert space.flops(arch, convention="macs") * 1e6 == pytest.approx(macs, rel=1e-12)
    # the flops proxy counts the whole graph divided by its nodes: the same per-node count
    proxy = score(net, graph(), proxies=["flops", "params"])
    assert proxy["flops"] == pytest.approx(space.flops(arch), rel=1e-9)  # one division
    assert proxy["params"] == pytest.approx(space.params(arch), rel=1e-12)

    class NeedsAttr(TinyGNN):
        def forward(self, x, edge_index, edge_attr):
            return super().forward(x, edge_index)

    class AttrSpace(TinyGNNSpace):
        def build_network(self, arch, dataset=None, **kwargs):
            return NeedsAttr(arch.ops, self.network_task(dataset))

    with pytest.raises(ArchitectureFailedError, match="per node on a graph of one node.*overrides"):
        AttrSpace().params(arch)


def test_omni_goes_without_computed_proxies_on_a_graph_of_the_user_s(space):
    archs = [space.to_string(a) for a in space.enumerate()]
    y = np.random.default_rng(0).random(len(archs))
    omni = nasperf.predictors.get("omni", space=space.name, model="bayes_lin_reg")
    with pytest.warns(
        UserWarning, match="no zero-cost proxies: no packaged graph for .*'syn'"
    ) as w:
        omni.fit(archs, y)
    assert w[0].filename == __file__
    assert omni.uses_zero_cost_ == [] and omni.zero_cost_source_ == ""
    assert np.isfinite(omni.predict(archs)).all()


# ------------------------------------------------------------------ which weights (08)
def test_gat_attention_vectors_are_not_scored_weights():
    gat = GATConv(FEATURES, 4, heads=2)
    # documented in the README: only weight matrices (``*weight``) of a message-passing layer
    assert scored_weights(gat) == () and scored_weights(gat.lin) == ("weight",)
    assert {n for n, _ in gat.named_parameters(recurse=False)} >= {"att_src", "att_dst"}


def test_a_data_s_fields_are_kept_until_a_network_is_known():
    d = graph(edge_attr=torch.rand(EDGES, 2))
    d.val_mask = d.train_mask
    batch = as_proxy_inputs(d)
    assert [k for k, _ in batch.fields] == ["edge_attr"]  # not y, not the masks
    assert batch.scored == "data.train_mask" and math.isclose(batch.n, 20)


def test_an_integer_edge_weight_that_breaks_the_forward_is_named():
    # the failure had been reported as one of x, with advice about a space's dataset and
    # token ids, never naming data.edge_weight
    w = torch.ones(EDGES, dtype=torch.long)
    with pytest.raises(
        ValueError, match=r"^data\.edge_weight is int64 .*data\.edge_weight\.float\(\)"
    ) as e:
        score(WeightedGCN(), graph(edge_weight=w), proxies=["snip"])
    assert "default_dataset" not in str(e.value)
    assert f"data.edge_weight: torch.int64 ({EDGES},)" in str(e.value)
