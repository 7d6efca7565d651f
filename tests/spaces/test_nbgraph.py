"""NAS-Bench-Graph: the benchmark's equivalence classes, formats, moves, network, parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import nasperf
from nasperf import encodings
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import count_complexity
from nasperf.spaces.nbgraph import CANONICAL_LINKS, NBGRAPH_HPARAMS, NBGraphArch

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")


@pytest.fixture(scope="module")
def space():
    return nasperf.get_space("nbgraph")


def _sources(shared_data, datasets):
    """The benchmark's rows of ``datasets`` (59,040 each; 5,616 for proteins)."""
    return {ds: pd.read_csv(shared_data / "nas-bench-graph" / f"{ds}.csv.gz") for ds in datasets}


def _check_hash_classes(space, sources, expected):
    """Our hash against ``valid_hash`` on every given row: a bijection between the partitions."""
    texts = pd.unique(pd.concat([s["link"] + "|" + s["ops"] for s in sources.values()]))
    hashes = {t: space.hash(space.parse(t)) for t in texts}
    for ds, src in sources.items():
        mine = (src["link"] + "|" + src["ops"]).map(hashes)
        pairs = pd.DataFrame({"bench": src["valid_hash"], "mine": mine}).drop_duplicates()
        # no class split, none merged
        assert len(pairs) == pairs["bench"].nunique() == pairs["mine"].nunique() == expected(ds), ds


@pytest.mark.slow
def test_hash_reproduces_valid_hash_classes_on_every_row(space, shared_data):
    sources = _sources(shared_data, (*DATASETS, "proteins"))
    _check_hash_classes(space, sources, lambda ds: 2_021 if ds == "proteins" else 26_206)


def test_hash_reproduces_valid_hash_classes_on_a_sample(space, shared_data):
    # every row is the slow test above (~10 s); here every row of 2,000 seeded classes of Cora
    # and of 1,000 of proteins (its 5-operation rows): whole classes, so a split would show
    rng = np.random.default_rng(0)
    sources = {}
    for (ds, src), k in zip(
        _sources(shared_data, ("cora", "proteins")).items(), (2_000, 1_000), strict=True
    ):
        classes = rng.choice(src["valid_hash"].unique(), k, replace=False)
        sources[ds] = src[src["valid_hash"].isin(classes)]
    _check_hash_classes(space, sources, lambda ds: 2_000 if ds == "cora" else 1_000)


def test_readme_example_and_skip_semantics(space):
    # the benchmark README's example in two node orders (its own second form, "0 1 1 2|gcn
    # cheb gin fc", hangs fc under cheb: another architecture, by valid_hash too)
    a = space.parse("0 1 2 1|gcn gin fc cheb")
    b = space.parse("0 1 1 2|gcn gin cheb fc")
    assert space.hash(a) == space.hash(b) and space.canonical(a) == space.canonical(b)
    assert space.hash(space.parse("0 1 1 2|gcn cheb gin fc")) != space.hash(a)
    # a skip leaf on raw features is not output; a skip between two operations is contracted
    assert space.hash(space.parse("0 0 1 2|skip fc skip fc")) == space.hash(
        space.parse("0 1 2 3|skip skip fc fc")
    )
    # an operation output twice (two skip leaves) differs from output once
    assert space.tree(space.parse("0 1 2 2|skip gcn skip skip")) == "gcn2()"
    assert space.tree(space.parse("0 1 2 3|skip skip skip gcn")) == "gcn1()"
    assert space.tree(space.parse("0 1 2 1|gcn gin fc cheb")) == "gcn0(cheb1()gin0(fc1()))"


def test_text_round_trip_and_pairs(space):
    for arch in space.sample(50, seed=1) + space.isomorphic_variants(space.sample(1, seed=2)[0]):
        text = space.to_string(arch)
        assert space.parse(text) == arch and space.coerce(text) == arch
        assert space.coerce((list(arch.link), list(arch.ops))) == arch
        assert str(arch) == text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("0 1 2|gcn gcn gcn gcn", "link"),
        ("0 1 3 1|gcn gcn gcn gcn", "link[2]"),
        ("0 x 0 0|gcn gcn gcn gcn", "link[1]"),
        ("0 0 0 0|gcn gcn gcn", "ops"),
        ("0 0 0 0|gcn gcn gcn conv", "ops[3]"),
        ("0 0 0 0|skip skip skip skip", "ops"),
        ("0 0 0 0 gcn gcn gcn gcn", "text"),
        ("0 " * 150 + "|gcn", "text"),
    ],
)
def test_bad_text_names_the_field(space, text, field):
    with pytest.raises(InvalidArchitectureError) as err:
        space.parse(text)
    assert err.value.field == field


def test_proteins_space_has_five_operations():
    sp = nasperf.get_space("nbgraph-proteins")
    with pytest.raises(InvalidArchitectureError, match="ops\\[0\\]"):
        sp.parse("0 0 0 0|gat gcn gcn gcn")
    assert sp.size == len(list(sp.enumerate())) == 2_021
    assert {op for a in sp.sample(100, seed=0) for op in a.ops} <= set(sp.ops)


def test_enumeration_representatives_and_size(space):
    reps = list(space.enumerate())
    assert len(reps) == space.size == 26_206
    assert len({space.hash(a) for a in reps}) == len(reps)
    assert all(a.link in CANONICAL_LINKS and space.canonical(a) == a for a in reps[::37])


def test_isomorphic_variants_are_relabellings(space):
    arch = space.parse("0 0 1 1|gat sage gcn arma")
    variants = space.isomorphic_variants(arch)
    # numberings of the tree input -> {1 -> {3, 4}, 2} with inputs first: 4! / 3 = 8
    assert len(variants) == 7 and len(set(variants)) == 7 and arch not in variants
    assert all(space.hash(v) == space.hash(arch) for v in variants)
    assert space.isomorphic_variants(space.parse("0 1 2 3|gcn gcn gcn gcn")) == []


def test_neighbors_sampling_and_mutation(space):
    arch = space.parse("0 1 2 1|gcn gin fc cheb")
    nbrs = space.neighbors(arch)
    hashes = [space.hash(n) for n in nbrs]
    assert len(set(hashes)) == len(nbrs) > 20 and space.hash(arch) not in hashes
    assert all(space.canonical(n) == n for n in nbrs)
    assert space.sample(20, seed=3) == space.sample(20, seed=3) != space.sample(20, seed=4)
    assert space.mutate(arch, rng=0) in nbrs


def test_cells_leave_raw_skip_leaves_unconnected_and_encodings_work(space):
    cell = space.cells(space.parse("0 0 1 2|skip fc skip fc"))[0]
    assert cell.ops == ("input", "skip", "fc", "skip", "fc", "output")
    assert [j for i, j in cell.edges() if j == 5] == [5]  # only node 4 (fc) feeds the output
    archs = space.sample(20, seed=0)
    for name in ("adjacency_onehot", "path", "op_distribution", "graf"):
        X = encodings.get(name, space="nbgraph").fit(archs).transform(archs)
        assert X.shape[0] == 20 and np.isfinite(X).all()
    graphs = encodings.get("graph", space="nbgraph").fit(archs).transform(archs)
    assert len(graphs) == 20 and all(g.num_nodes == 6 for g in graphs)


def test_network_forward_on_cora_and_exact_complexity(space):
    data = nasperf.datasets.load_graph("cora")
    arch = space.parse("0 1 2 1|gcn gin fc arma")
    torch.manual_seed(0)
    net = space.build_network(arch, "cora")
    out = net(data.x, data.edge_index)
    assert out.shape == (2708, 7) and torch.isfinite(out).all()
    one = (data.x[:1], torch.zeros(2, 0, dtype=torch.long))
    counted = count_complexity(net, inputs=one)
    c = space.complexity(arch, "cora")
    n_params = sum(p.numel() for p in net.parameters())
    assert round(c.mparams * 1e6) == round(counted.mparams * 1e6) == n_params
    # summed per-layer costs equal the whole network's count (float sums: 1e-9 relative)
    assert c.mflops == pytest.approx(counted.mflops, rel=1e-9)
    # dense FLOPs of one node, by hand: fc 1433 -> 256 and 256 -> 256, each followed by
    # BatchNorm (2 per element) and ReLU (1); post Linear 256 -> 256 and ReLU; classifier
    chain = space.parse("0 1 2 3|skip skip fc fc")
    by_hand = 1433 * 256 + 3 * 256 + 256 * 256 + 3 * 256 + 256 * 256 + 256 + 256 * 7
    assert round(space.flops(chain, "cora") * 1e6) == by_hand == 501_504


def _check_parameters(ds: str, rows: int | None) -> None:
    """Our count + 2 * hidden per skip node of the benchmark's 4-node network is params_m."""
    sp = nasperf.get_space("nbgraph-proteins" if ds == "proteins" else "nbgraph")
    table = nasperf.load_benchmark("nbgraph", ds)
    if rows is not None and rows < len(table):
        table = table.sample(rows, random_state=0)
    hidden = NBGRAPH_HPARAMS[ds][0]
    ours = np.array(
        [
            sp.params(a, ds) * 1e6 + 2 * hidden * (4 - len(sp.network_plan(a)[0]))
            for a in map(sp.parse, table.index)
        ]
    )
    # params_m keeps 6 significant digits: half a unit of the 6th digit
    tol = 0.5 * 10.0 ** (np.floor(np.log10(table["params_m"].to_numpy(np.float64))) - 5) * 1e6
    exact = np.abs(ours - table["params_m"].to_numpy(np.float64) * 1e6) <= tol + 1
    if ds == "physics":
        # the benchmark's physics counts disagree with one network for ~6 % of classes
        # (e.g. gin and gcn of equal size reported differently): the rest match
        assert exact.mean() > 0.9
    else:
        assert exact.all(), table.index[~exact][:5].tolist()


@pytest.mark.parametrize("ds", [*DATASETS, "proteins"])
def test_parameters_match_the_benchmark(ds):
    _check_parameters(ds, 500)


@pytest.mark.slow
@pytest.mark.parametrize("ds", [*DATASETS, "proteins"])
def test_parameters_match_the_benchmark_on_every_class(ds):
    _check_parameters(ds, None)


def test_dataset_settings_and_errors(space):
    arch = space.parse("0 0 0 0|gat gcn gcn gcn")
    assert space.build_network(arch, "pubmed").classifier.in_features == 4 * 128  # no post
    assert len(space.build_network(arch, "computers").pre) == 1
    with pytest.raises(ValueError, match="graph dataset"):
        space.build_network(arch, "cifar10")
    with pytest.raises(ValueError, match="hidden must be even"):
        space.build_network(arch, "cora", hidden=15)
    with pytest.raises(ValueError, match="image dataset"):
        nasperf.get_space("nb201").build_network(nasperf.get_space("nb201").sample(1)[0], "cora")
    task = nasperf.spaces.GraphTask("mine", 12, 3)
    assert space.build_network(arch, task)(
        torch.ones(5, 12), torch.zeros(2, 0, dtype=torch.long)
    ).shape == (5, 3)


def test_coerce_refuses_other_values(space):
    for value in (42, None, ("0 0 0 0", "gcn"), [(0, 0, 0, 0)]):
        with pytest.raises(InvalidArchitectureError):
            space.coerce(value)


def test_arch_value_validates_itself():
    with pytest.raises(InvalidArchitectureError, match="link\\[3\\]"):
        NBGraphArch((0, 0, 0, 4), ("gcn",) * 4)
    with pytest.raises(InvalidArchitectureError, match="link\\[1\\]"):
        NBGraphArch((0, True, 0, 0), ("gcn",) * 4)
