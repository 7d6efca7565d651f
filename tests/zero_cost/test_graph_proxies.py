"""Zero-cost proxies on graph neural networks (NAS-Bench-Graph networks on Cora)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.utils import subgraph

import nasperf
from nasperf.zero_cost import available, compute, score, score_details
from nasperf.zero_cost.engine import as_proxy_inputs

ARCH = "0 1 2 1|gcn gin fc arma"
UNDEFINED_ON_GRAPHS = {"meco"}  # channel correlations over a feature map's positions


@pytest.fixture(scope="module")
def space():
    return nasperf.get_space("nbgraph")


@pytest.fixture(scope="module")
def cora():
    return nasperf.datasets.load_graph("cora")


def small_net(space, arch: str = ARCH, seed: int = 0):
    torch.manual_seed(seed)
    return space.build_network(space.parse(arch), "cora", hidden=16)


@pytest.fixture(scope="module")
def details(space, cora):
    return score_details(small_net(space), cora, proxies=available(population=False))


@pytest.mark.parametrize("name", available(population=False))
def test_every_proxy_is_defined_or_says_why(details, name):
    r = details[name]
    if name in UNDEFINED_ON_GRAPHS:
        assert math.isnan(r.value) and "graph" in r.reason
    else:
        assert math.isfinite(r.value) and r.reason is None, (name, r)


def test_params_and_flops_are_the_networks_and_the_spaces(space, details):
    net = small_net(space)
    assert details["params"].value * 1e6 == pytest.approx(sum(p.numel() for p in net.parameters()))
    c = space.complexity(space.parse(ARCH), "cora", hidden=16)
    assert details["params"].value == pytest.approx(c.mparams, rel=1e-12)
    # FLOPs of the whole graph divided by its nodes: one node's dense transforms
    assert details["flops"].value == pytest.approx(c.mflops, rel=1e-9)


def test_scoring_leaves_the_network_unchanged(space, cora):
    net = small_net(space)
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    score(net, cora, proxies=["snip", "synflow", "zen", "nwot", "jacov", "fisher"])
    assert not net.training
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_only_the_scored_nodes_count(space, cora):
    net = small_net(space)
    proxies = ["snip", "grad_norm", "nwot", "jacov", "epe_nas"]
    base = score(net, cora, proxies=proxies)
    other = cora.clone()
    other.y = torch.where(cora.mask, cora.y, (cora.y + 1) % 7)  # labels outside the batch
    assert score(net, other, proxies=proxies) == base
    # train_mask is the default batch when there is no `mask`
    plain = Data(x=cora.x, edge_index=cora.edge_index, y=cora.y, train_mask=cora.train_mask)
    assert score(net, plain, proxies=proxies) == base
    # a smaller batch is another batch
    half = cora.clone()
    half.mask = cora.mask & (torch.cumsum(cora.mask.long(), 0) <= 70)
    assert score(net, half, proxies=["snip"])["snip"] != base["snip"]
    assert as_proxy_inputs(half).n == 70


def test_forward_argument_tuples_score_every_node(space, cora):
    net = small_net(space)
    keep = torch.arange(300)  # a 300-node subgraph: nwot's kernel is nodes x nodes
    edges, _ = subgraph(keep, cora.edge_index, relabel_nodes=True)
    x, y = cora.x[keep], cora.y[keep]
    a = score(net, (x, edges), y, proxies=["snip", "nwot", "synflow"])
    b = score(net, Data(x=x, edge_index=edges, y=y), proxies=["snip", "nwot", "synflow"])
    assert a == b and all(math.isfinite(v) for v in a.values())
    assert as_proxy_inputs((x, edges)).n == 300


def test_bad_graph_inputs_give_clear_errors(space, cora):
    net = small_net(space)
    with pytest.raises(ValueError, match="2707 targets for 2708 nodes"):
        score(net, cora, cora.y[:-1], proxies=["snip"])
    bad = cora.clone()
    bad.mask = cora.mask.long()
    with pytest.raises(ValueError, match="data.mask must be boolean"):
        score(net, bad, proxies=["snip"])
    bad = cora.clone()
    bad.edge_index = cora.edge_index.clone()
    bad.edge_index[0, 0] = 5000
    with pytest.raises(ValueError, match="edge_index refers to nodes outside"):
        score(net, bad, proxies=["snip"])
    bad = cora.clone()
    bad.mask = torch.zeros_like(cora.mask)
    with pytest.raises(ValueError, match="selects no node"):
        score(net, bad, proxies=["snip"])


def test_compute_on_the_packaged_graph(space, tmp_path):
    archs = [ARCH, "0 0 0 0|gat sage graph cheb", "0 1 2 2|skip gcn skip skip"]
    kwargs = dict(dataset="cora", cache=tmp_path / "zc.sqlite", network_kwargs={"hidden": 16})
    table = compute("nbgraph", archs, ["snip", "nwot", "params"], batch_size=None, **kwargs)
    assert list(table.index) == archs and table.attrs["batch_size"] == 140
    assert table.notna().all().all()
    # cached: the same values without building a network
    again = compute("nbgraph", archs, ["snip", "nwot", "params"], batch_size=None, **kwargs)
    assert again.equals(table)
    # 32 training nodes drawn with the seed: another batch, another cache key
    small = compute("nbgraph", archs[:1], ["snip"], batch_size=32, **kwargs)
    assert small.attrs["batch_size"] == 32 and small["snip"].iloc[0] != table["snip"].iloc[0]
    with pytest.raises(ValueError, match="graph dataset"):
        compute("nbgraph", archs, ["snip"], dataset="cifar10", cache=False)
    # no dataset: the space's own graph (compute had built every GNN for cifar10 and failed,
    # so a predictor computing its zero-cost features, omni's default, failed on nbgraph)
    default = compute(
        "nbgraph",
        archs,
        ["snip", "nwot", "params"],
        batch_size=None,
        cache=tmp_path / "zc.sqlite",
        network_kwargs={"hidden": 16},
    )
    assert default.equals(table) and default.attrs["dataset"] == "cora"
    with pytest.raises(ValueError, match="no packaged graph"):
        compute("nbgraph", archs, ["snip"], dataset="pubmed", cache=False)


def test_omni_computes_its_data_free_proxies_on_a_graph_space(tmp_path, monkeypatch):

    from nasperf.predictors import get

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path))
    table = nasperf.load_benchmark("nbgraph", "cora").sample(10, random_state=0)
    archs, y = list(table.index), table["valid_perf"].to_numpy()
    omni = get(
        "omni",
        space="nbgraph",
        data_free_proxies=["params"],
        model="xgb",
        model_params={"n_estimators": 20},
        random_state=0,
    ).fit(archs[:8], y[:8])
    assert omni.uses_zero_cost_ == ["params"] and omni.zero_cost_source_ == "computed"
    want = nasperf.zero_cost.compute("nbgraph", archs[:8], ["params"], dataset="cora")
    np.testing.assert_array_equal(
        omni._zero_cost_values(omni.space_, [omni.space_.coerce(a) for a in archs[:8]], {}),
        want.to_numpy(),
    )
    assert np.isfinite(omni.predict(archs[8:])).all()
