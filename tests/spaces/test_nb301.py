"""NAS-Bench-301 / DARTS space: formats, validation, hashing, moves, networks, exact FLOPs/params."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nasperf
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import count_complexity
from nasperf.spaces.darts_network import DARTS_OPS
from nasperf.spaces.nb301 import NB301Arch

SPACE = nasperf.get_space("nb301")

# DARTS (second order) from the DARTS paper's genotypes.py.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.fixture(scope="module")
def reference(shared_data):
    path = shared_data / "nb301" / "naslib_zc_nb301_dev50.json"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return json.loads(path.read_text())["nasbench301"]["cifar10"]


def test_registry_aliases():
    for name in ("nb301", "darts", "nasbench301", "NAS-Bench-301"):
        assert type(nasperf.get_space(name)) is type(SPACE)


def test_genotype_text_round_trip_and_layout():
    arch = SPACE.parse(DARTS_V2)
    assert arch.normal[:2] == (("sep_conv_3x3", 0), ("sep_conv_3x3", 1))
    assert arch.reduce[-1] == ("max_pool_3x3", 1)
    assert arch.normal_concat == arch.reduce_concat == (2, 3, 4, 5)
    assert SPACE.to_string(arch) == DARTS_V2 == str(arch)
    # Positional fields, range() concat, a module-qualified name and whitespace all parse.
    positional = DARTS_V2.replace("normal=", "").replace("normal_concat=", "")
    assert SPACE.parse(positional) == arch
    assert SPACE.parse("  genotypes." + DARTS_V2.replace("[2, 3, 4, 5]", "range(2, 6)")) == arch


def test_every_reference_key_round_trips_in_every_format(reference):
    for key in reference:
        arch = SPACE.from_naslib(key)
        assert str(SPACE.to_naslib(arch)) == key
        assert SPACE.from_naslib(json.loads(key.replace("(", "[").replace(")", "]"))) == arch
        assert SPACE.coerce(key) == arch
        assert SPACE.parse(SPACE.to_string(arch)) == arch
        assert SPACE.coerce(SPACE.to_string(arch)) == arch
        # The config has no order inside a node: it round-trips up to that order (and hash).
        for yahpo in (False, True):
            back = SPACE.from_config(SPACE.to_config(arch, yahpo=yahpo))
            assert SPACE.hash(back) == SPACE.hash(arch)
            for cell, cell_back in ((arch.normal, back.normal), (arch.reduce, back.reduce)):
                for i in (0, 2, 4, 6):
                    assert sorted(cell[i : i + 2], key=lambda p: p[1]) == list(cell_back[i : i + 2])
            assert SPACE.coerce(SPACE.to_config(arch, yahpo=yahpo)) == back


def test_config_form_matches_nasbench301_conventions():
    arch = SPACE.parse(DARTS_V2)
    cfg = SPACE.to_config(arch)
    p = "NetworkSelectorDatasetInfo:darts:"
    # Node 2 reads edges 0, 1; node 3 edges 2..4; node 4 edges 5..8; node 5 edges 9..13.
    assert cfg[p + "edge_normal_0"] == "sep_conv_3x3"
    assert cfg[p + "edge_normal_3"] == "sep_conv_3x3"  # node 3 <- input 1
    assert cfg[p + "inputs_node_normal_4"] == "0_1"
    assert cfg[p + "edge_normal_5"] == "skip_connect"  # node 4 <- input 0
    assert cfg[p + "edge_normal_11"] == "dil_conv_3x3"  # node 5 <- node 2
    assert cfg[p + "inputs_node_normal_5"] == "0_2"
    assert cfg[p + "inputs_node_reduce_3"] == "1_2"
    assert len(cfg) == 2 * (8 + 3)
    yahpo = SPACE.to_config(arch, yahpo=True)
    assert set(yahpo) == {k.replace(":", "_COLON_") for k in cfg}
    # Inactive entries as YAHPO / ConfigSpace spell them are ignored, other settings too.
    extra = dict(cfg, epoch=98, **{p + "edge_normal_4": "#na#"})
    assert SPACE.from_config(extra) == SPACE.from_config(cfg)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"NetworkSelectorDatasetInfo:darts:edge_normal_4": "sep_conv_3x3"}, "edge_normal_2.."),
        ({"NetworkSelectorDatasetInfo:darts:inputs_node_normal_4": "1_2"}, "inputs_node_normal_4"),
        ({"NetworkSelectorDatasetInfo:darts:edge_reduce_0": "conv_9x9"}, "edge_reduce_0"),
        ({"NetworkSelectorDatasetInfo:darts:edge_reduce_14": "skip_connect"}, "edge_reduce_14"),
    ],
)
def test_bad_configs(edit, field):
    cfg = dict(SPACE.to_config(SPACE.parse(DARTS_V2)), **edit)
    with pytest.raises(InvalidArchitectureError) as info:
        SPACE.from_config(cfg)
    assert field in info.value.field


def test_exact_flops_and_params_on_all_reference_cells(reference):
    worst = 0.0
    for key, rec in reference.items():
        c = SPACE.complexity(SPACE.from_naslib(key))
        worst = max(
            worst,
            abs(c.mflops - rec["flops"]) / rec["flops"],
            abs(c.mparams - rec["params"]) / rec["params"],
        )
    assert len(reference) == 50
    assert worst < 1e-6


def test_cached_complexity_equals_counting_the_built_network(reference):
    archs = [SPACE.from_naslib(k) for k in list(reference)[:2]] + SPACE.sample(2, seed=5)
    settings = [
        ("cifar10", 32, {}),
        ("cifar100", 32, {"channels": 16, "layers": 5}),
        ("ImageNet16-120", 16, {"channels": 8, "layers": 6, "affine": True}),
    ]
    for arch in archs[:2]:
        for dataset, res, kw in settings:
            fast = SPACE.complexity(arch, dataset, **kw)
            full = count_complexity(
                lambda a=arch, d=dataset, k=kw: SPACE.build_network(a, d, **k), (1, 3, res, res)
            )
            assert fast.mflops == pytest.approx(full.mflops, rel=1e-12)
            assert fast.mparams == pytest.approx(full.mparams, rel=1e-12)
    for arch in archs[2:]:
        fast = SPACE.complexity(arch)
        full = count_complexity(lambda a=arch: SPACE.build_network(a), (1, 3, 32, 32))
        assert (fast.mflops, fast.mparams) == pytest.approx((full.mflops, full.mparams), rel=1e-12)


def test_known_operation_costs():
    # One sep_conv_3x3 -> sep_conv_5x5 swap in the first normal cell pair (C=32, 32x32) of all
    # 6 normal cells: the depthwise convs grow from 9 to 25 taps (x2 convs), nothing else.
    base = SPACE.parse(DARTS_V2)
    normal = list(base.normal)
    normal[0] = ("sep_conv_5x5", 0)
    bigger = NB301Arch(tuple(normal), base.reduce)
    extra_params = 2 * 16 * (32 + 32 + 64 + 64 + 128 + 128)
    extra_flops = 2 * 16 * (32 * 1024 * 2 + 64 * 256 * 2 + 128 * 64 * 2)
    assert (SPACE.params(bigger) - SPACE.params(base)) * 1e6 == pytest.approx(extra_params)
    assert (SPACE.flops(bigger) - SPACE.flops(base)) * 1e6 == pytest.approx(extra_flops)


def test_hash_invariances():
    arch = SPACE.parse(DARTS_V2)
    h = SPACE.hash(arch)
    # Swapping the two pairs of a node: same node, same hash.
    for cell in ("normal", "reduce"):
        for node in range(4):
            pairs = list(getattr(arch, cell))
            pairs[2 * node], pairs[2 * node + 1] = pairs[2 * node + 1], pairs[2 * node]
            swapped = NB301Arch(
                **{"normal": arch.normal, "reduce": arch.reduce, cell: tuple(pairs)}
            )
            assert swapped != arch and SPACE.hash(swapped) == h
    # Renumbering independent intermediate nodes (2 and 3 both read only the cell inputs).
    cell = (
        ("sep_conv_3x3", 0), ("max_pool_3x3", 1), ("avg_pool_3x3", 0), ("skip_connect", 1),
        ("sep_conv_5x5", 2), ("dil_conv_3x3", 3), ("dil_conv_5x5", 2), ("sep_conv_3x3", 4),
    )  # fmt: skip
    renumbered = (
        ("avg_pool_3x3", 0), ("skip_connect", 1), ("sep_conv_3x3", 0), ("max_pool_3x3", 1),
        ("sep_conv_5x5", 3), ("dil_conv_3x3", 2), ("dil_conv_5x5", 3), ("sep_conv_3x3", 4),
    )  # fmt: skip
    base = NB301Arch(cell, arch.reduce)
    assert SPACE.hash(NB301Arch(renumbered, arch.reduce)) == SPACE.hash(base)
    # A different operation, or reading a different node, changes the function.
    changed = NB301Arch((("sep_conv_5x5", 0), *cell[1:]), arch.reduce)
    assert SPACE.hash(changed) != SPACE.hash(base)
    rewired = NB301Arch((*cell[:6], ("dil_conv_5x5", 3), cell[7]), arch.reduce)
    assert SPACE.hash(rewired) != SPACE.hash(base)
    # Normal and reduction cells are not interchangeable.
    assert SPACE.hash(NB301Arch(arch.reduce, arch.normal)) != h
    # Regrouping operations between two unused nodes changes the sums, so the hash.
    g1 = (("sep_conv_3x3", 0), ("max_pool_3x3", 1), ("avg_pool_3x3", 0), ("skip_connect", 1))
    g2 = (("sep_conv_3x3", 0), ("skip_connect", 1), ("avg_pool_3x3", 0), ("max_pool_3x3", 1))
    tail = (("dil_conv_3x3", 0), ("dil_conv_5x5", 1), ("sep_conv_5x5", 0), ("sep_conv_5x5", 1))
    assert SPACE.hash(NB301Arch(g1 + tail, arch.reduce)) != SPACE.hash(
        NB301Arch(g2 + tail, arch.reduce)
    )


def test_cells_view_layout():
    arch = SPACE.parse(DARTS_V2)
    normal, reduce = SPACE.cells(arch)
    assert normal.n_nodes == reduce.n_nodes == 15
    # input0, input1, (op, op, sum) for nodes 2..5, output
    assert normal.ops[:2] == ("input0", "input1") and normal.ops[-1] == "output"
    ops = [op for op, _ in arch.normal]
    assert normal.ops[2:14] == tuple(
        x for k in range(4) for x in (ops[2 * k], ops[2 * k + 1], "sum")
    )
    m = normal.matrix()
    assert np.array_equal(m, np.triu(m, 1))  # topological order
    assert m[0, 2] == 1 and m[1, 3] == 1  # pair 0 reads input0, pair 1 reads input1
    assert m[4, 12] == 1  # the last pair reads node 2 (sum node 4), feeds node 5 (sum node 13)
    assert m[13, 14] == m[10, 14] == m[7, 14] == m[4, 14] == 1
    assert m[:, 14].sum() == 4
    assert normal.pruned() == normal  # no dead nodes in DARTS cells
    assert set(normal.ops) <= {*SPACE.ops, "input0", "input1", "output"}


@pytest.mark.parametrize(
    ("normal", "field"),
    [
        ((("sep_conv_3x3", 0),) * 7, "normal"),
        ("sep_conv_3x3", "normal"),
        (None, "normal"),
        ([("sep_conv_3x3", 0), ("none", 1)] * 4, "normal[1].op"),
        ([("sep_conv_3x3", 0), ("conv_3x3", 1)] * 4, "normal[1].op"),
        ([("sep_conv_3x3", 0), ("skip_connect", 2)] * 4, "normal[1].input"),
        ([("sep_conv_3x3", 0), ("skip_connect", -1)] * 4, "normal[1].input"),
        ([("sep_conv_3x3", 0), ("skip_connect", 1.0)] * 4, "normal[1].input"),
        ([("sep_conv_3x3", 0), ("skip_connect", True)] * 4, "normal[1].input"),
        (
            [("sep_conv_3x3", 0), ("skip_connect", 1), ("sep_conv_3x3", 2), ("skip_connect", 2)]
            * 2,
            "normal[3].input",
        ),
        ([("sep_conv_3x3", 0), "skip_connect"] * 4, "normal[1]"),
    ],
)
def test_invalid_genotypes_raise_naming_the_field(normal, field):
    ok = SPACE.parse(DARTS_V2).reduce
    with pytest.raises(ValueError) as info:
        NB301Arch(normal, ok)
    assert isinstance(info.value, InvalidArchitectureError)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "text"),
        (12345, "text"),
        # a syntax error names the part being read when the text breaks off
        ("Genotype(normal=[", "normal[0]"),
        ("Network(normal=[], reduce=[])", "text"),
        ("__import__('os').system('echo hi')", "text"),
        (DARTS_V2.replace("normal=", "normal=__import__('os') or "), "normal"),
        (
            DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 3, 4]"),
            "normal_concat",
        ),
        (DARTS_V2.replace(", reduce_concat=[2, 3, 4, 5]", ", normal=[]"), "normal"),
        (DARTS_V2.replace("reduce=", "reduced="), "reduced"),
        (DARTS_V2.replace("('max_pool_3x3', 0)", "('max_pool_3x3', 5)", 1), "reduce[0].input"),
    ],
)
def test_malformed_text_raises_naming_the_field(text, field):
    with pytest.raises(InvalidArchitectureError) as info:
        SPACE.parse(text)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ([[(0, 1)] * 8], "naslib_key"),
        ("[[(0, 1), (1, 2)", "naslib_key[0][1]"),
        ("__import__('os')", "naslib_key"),
        ([[(0, 1), (1, 2)] * 4, [(0, 1)] * 7], "naslib_key[1]"),
        ([[(0, 1), (1, 7)] * 4, [(0, 1), (1, 2)] * 4], "naslib_key[0][1].op"),
        ([[(0, 1), (1, 2.0)] * 4, [(0, 1), (1, 2)] * 4], "naslib_key[0][1].op"),
        ([[(0, 1), (1,)] * 4, [(0, 1), (1, 2)] * 4], "naslib_key[0][1]"),
        ([[(0, 1), (0, 2)] * 4, [(0, 1), (1, 2)] * 4], "normal[1].input"),
        (42, "naslib_key"),
    ],
)
def test_bad_naslib_keys(key, field):
    with pytest.raises(InvalidArchitectureError) as info:
        SPACE.from_naslib(key)
    assert info.value.field == field


def test_sampling_is_seeded_valid_and_uniform():
    a = SPACE.sample(30, seed=7)
    assert a == SPACE.sample(30, seed=7)
    assert a != SPACE.sample(30, seed=8)
    big = SPACE.sample(3000, seed=0)
    assert all(isinstance(x, NB301Arch) for x in big)
    ops = np.array([[DARTS_OPS.index(op) for op, _ in x.normal + x.reduce] for x in big])
    counts = np.bincount(ops.ravel(), minlength=7) / ops.size
    assert np.abs(counts - 1 / 7).max() < 0.01
    # Node 5 reads each of its 10 unordered input pairs about equally often.
    pairs = [tuple(sorted((x.normal[6][1], x.normal[7][1]))) for x in big]
    freq = np.array([pairs.count(p) for p in set(pairs)]) / len(big)
    assert len(set(pairs)) == 10 and np.abs(freq - 0.1).max() < 0.025


def test_neighbors_and_mutation():
    arch = SPACE.parse(DARTS_V2)
    nbrs = SPACE.neighbors(arch)
    assert len(nbrs) == 120 == len(set(nbrs))
    for n in nbrs:
        diff = [
            (x, y)
            for cx, cy in ((n.normal, arch.normal), (n.reduce, arch.reduce))
            for x, y in zip(cx, cy, strict=True)
            if x != y
        ]
        assert len(diff) == 1
        (new_op, new_in), (old_op, old_in) = diff[0]
        assert (new_op != old_op) != (new_in != old_in)
    m = SPACE.mutate(arch, rng=1)
    assert m in nbrs and m == SPACE.mutate(arch, rng=1)


def test_reduced_network_forward_shapes():
    arch = SPACE.parse(DARTS_V2)
    net = SPACE.build_network(arch, "cifar100", channels=8, layers=5, auxiliary=True)
    x = torch.randn(2, 3, 32, 32)
    net.eval()
    with torch.no_grad():
        assert net(x).shape == (2, 100)
    assert net.aux_logits is None
    net.train()
    out = net(x)
    assert out.shape == (2, 100) and net.aux_logits.shape == (2, 100)
    out.sum().backward()
    assert net.cells[0].ops[0].op[1].weight.grad is not None
    small = SPACE.build_network(arch, "ImageNet16-120", channels=4, layers=3)
    assert small(torch.randn(1, 3, 16, 16)).shape == (1, 120)
    with pytest.raises(ValueError, match="layers"):
        SPACE.build_network(arch, layers=2)


def test_default_network_is_nasLibs_nb301_network():
    net = SPACE.build_network(SPACE.parse(DARTS_V2))
    assert net.stem[0].out_channels == 96
    assert len(net.cells) == 8
    assert [c.reduction for c in net.cells] == [
        False,
        False,
        True,
        False,
        False,
        True,
        False,
        False,
    ]
    assert net.classifier.in_features == 4 * 128
    assert net.auxiliary_head is None
