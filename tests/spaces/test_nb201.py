"""NAS-Bench-201 space: formats, validation, hashing, moves, networks, exact FLOPs/params."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nasperf
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import NB201Arch, count_complexity

SPACE = nasperf.get_space("nb201")
RESNET_LIKE = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"


@pytest.fixture(scope="module")
def reference(shared_reference):
    path = shared_reference / "naslib-zc" / "zc_nasbench201_sample.json"
    return json.loads(path.read_text())["nasbench201"]


def test_registry_aliases_and_unknown_name():
    assert type(nasperf.get_space("NASBench201")) is type(SPACE)
    with pytest.raises(ValueError, match="did you mean 'nb201'"):
        nasperf.get_space("nb210")


def test_string_round_trip_and_edge_order():
    arch = SPACE.parse(RESNET_LIKE)
    assert arch.ops == (
        "nor_conv_3x3",
        "none",
        "nor_conv_3x3",
        "skip_connect",
        "none",
        "none",
    )
    assert SPACE.to_string(arch) == RESNET_LIKE
    assert str(arch) == RESNET_LIKE


def test_naslib_key_maps_edges_to_string_order():
    # NASLib edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4); ops 0 skip,1 none,2 conv3,3 conv1,4 pool.
    arch = SPACE.from_naslib("(4, 3, 3, 3, 2, 3)")
    assert SPACE.to_string(arch) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    assert SPACE.to_naslib(arch) == (4, 3, 3, 3, 2, 3)
    assert SPACE.from_naslib([4, 3, 3, 3, 2, 3]) == arch
    assert SPACE.from_naslib(np.array([4, 3, 3, 3, 2, 3])) == arch
    assert SPACE.coerce("(4, 3, 3, 3, 2, 3)") == arch


def test_every_reference_key_round_trips_and_matches_the_benchmark_table(reference, shared_data):
    import pandas as pd

    table = pd.read_csv(shared_data / "nb201" / "nb201_200ep_val_acc.csv.gz")
    table = table[table.dataset == "cifar10"].set_index("arch_str")
    errors = []
    for key, rec in reference["cifar10"].items():
        arch = SPACE.from_naslib(key)
        assert str(SPACE.to_naslib(arch)) == key
        assert SPACE.parse(SPACE.to_string(arch)) == arch
        errors.append(abs(table.loc[SPACE.to_string(arch), "val_acc_mean"] - rec["val_accuracy"]))
    # The key mapping is right: NASLib's val_accuracy is the benchmark's for the same cell.
    assert np.median(errors) < 0.5


def test_exact_flops_and_params_on_all_reference_cells(reference):
    worst = 0.0
    count = 0
    for dataset, cells in reference.items():
        for key, rec in cells.items():
            arch = SPACE.from_naslib(key)
            c = SPACE.complexity(arch, dataset)
            worst = max(
                worst,
                abs(c.mflops - rec["flops"]) / rec["flops"],
                abs(c.mparams - rec["params"]) / rec["params"],
            )
            count += 1
    assert count == 491 * 3
    assert worst < 1e-6


def test_cached_complexity_equals_counting_the_built_network():
    for arch in SPACE.sample(4, seed=3):
        for dataset, res in (("cifar100", 32), ("ImageNet16-120", 16)):
            fast = SPACE.complexity(arch, dataset)
            full = count_complexity(
                lambda a=arch, d=dataset: SPACE.build_network(a, d), (1, 3, res, res)
            )
            assert fast.mflops == pytest.approx(full.mflops, rel=1e-12)
            assert fast.mparams == pytest.approx(full.mparams, rel=1e-12)


def test_known_cell_params_match_the_benchmark_table():
    # All-3x3 cell: the NAS-Bench-201 table lists 1.53155 / 1.5374 M parameters.
    arch = NB201Arch(("nor_conv_3x3",) * 6)
    assert SPACE.params(arch) == pytest.approx(1.53155, abs=5e-6)
    assert SPACE.params(arch, "cifar100") == pytest.approx(1.5374, abs=5e-5)
    # Per cell of stage 1 (C=16, 32x32): 6 x (9*16*16 + 3*16) * 1024 FLOPs (conv + affine BN
    # + ReLU), so 5 cells of stage 1 cost 5 * 6 * 2408448 / 1e6 MFLOPs more than 'none' cells.
    none = NB201Arch(("none",) * 6)
    stage_cost = sum(5 * 6 * (9 * c * c + 3 * c) * r * r for c, r in ((16, 32), (32, 16), (64, 8)))
    assert SPACE.flops(arch) - SPACE.flops(none) == pytest.approx(stage_cost / 1e6, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "text"),
        ("|nor_conv_3x3~0|", "text"),
        ("|nor_conv_3x3~0|+|none~0|+|skip_connect~0|none~1|none~2|", "node2"),
        ("|conv_5x5~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|", "node1.input0"),
        ("|nor_conv_3x3~1|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|", "node1.input0"),
        ("|nor_conv_3x3|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|", "node1.input0"),
        ("nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|", "text"),
    ],
)
def test_malformed_strings_raise_value_error_naming_the_field(text, field):
    with pytest.raises(ValueError, match=field) as info:
        SPACE.parse(text)
    assert isinstance(info.value, InvalidArchitectureError)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ((4, 3, 3, 3, 2), "naslib_key"),
        ((4, 3, 3, 3, 2, 5), "naslib_key[5]"),
        ((4, 3, -1, 3, 2, 3), "naslib_key[2]"),
        ((4, 3, 3.0, 3, 2, 3), "naslib_key[2]"),
        ("(4, 3, 3, 3, 2", "naslib_key"),
        ("__import__('os')", "naslib_key"),
        (None, "naslib_key"),
        ({"a": 1}, "naslib_key"),
    ],
)
def test_bad_naslib_keys(key, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[")):
        SPACE.from_naslib(key)


def test_bad_values():
    with pytest.raises(ValueError, match=r"ops\[2\]"):
        NB201Arch(("none", "none", "conv", "none", "none", "none"))
    with pytest.raises(ValueError, match="ops"):
        NB201Arch(("none",) * 5)
    with pytest.raises(ValueError, match="text"):
        SPACE.parse(12345)


def test_hash_equivalences():
    # Swapping the two inner nodes (edge 1->2 is none) gives an isomorphic cell.
    a = SPACE.parse(
        "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    )
    b = SPACE.parse(
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    assert a != b and SPACE.hash(a) == SPACE.hash(b)
    # An operation whose result never reaches the output does not matter.
    c = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    d = SPACE.parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    assert SPACE.hash(c) == SPACE.hash(d)
    # A different operation on a live edge changes the function.
    e = SPACE.parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|none~2|")
    assert SPACE.hash(d) != SPACE.hash(e)


@pytest.mark.slow  # a whole-space sweep (8 s); the hash's invariants are tested above
def test_hash_classes_over_the_whole_space():
    archs = list(SPACE.enumerate())
    assert len(archs) == SPACE.size == 15625 == len(set(archs))
    disconnected = [a for a in archs if not SPACE.cells(a)[0].is_connected()]
    assert len(disconnected) == 341
    assert len({SPACE.hash(a) for a in disconnected}) == 1
    assert len({SPACE.hash(a) for a in archs}) == 8765


def test_sampling_is_seeded_and_valid():
    a = SPACE.sample(50, seed=7)
    assert a == SPACE.sample(50, seed=7)
    assert a != SPACE.sample(50, seed=8)
    assert all(isinstance(x, NB201Arch) for x in a)
    # uniform over ops: every op appears in a large sample at each edge
    big = np.array([[SPACE.ops.index(o) for o in x.ops] for x in SPACE.sample(2000, seed=0)])
    counts = np.stack([np.bincount(big[:, e], minlength=5) for e in range(6)])
    assert counts.min() > 300


def test_neighbors_and_mutation():
    arch = SPACE.parse(RESNET_LIKE)
    nbrs = SPACE.neighbors(arch)
    assert len(nbrs) == 24 == len(set(nbrs))
    assert all(sum(x != y for x, y in zip(n.ops, arch.ops, strict=True)) == 1 for n in nbrs)
    rng = np.random.default_rng(0)
    muts = {SPACE.mutate(arch, rng) for _ in range(200)}
    assert muts <= set(nbrs) and len(muts) > 15
    assert SPACE.mutate(arch, 5) == SPACE.mutate(arch, 5)


def test_network_forward_shapes_and_reduced_builder():
    arch = SPACE.parse(RESNET_LIKE)
    net = SPACE.build_network(arch, "ImageNet16-120", channels=4, cells_per_stage=1)
    out = net(torch.randn(2, 3, 16, 16))
    assert out.shape == (2, 120)
    full = SPACE.build_network(arch, "cifar100")
    assert full.classifier.out_features == 100
    assert sum(isinstance(m, torch.nn.Conv2d) for m in full.modules()) == 1 + 3 * 5 * 2 + 2 * 3
    with pytest.raises(ValueError, match="unknown dataset"):
        SPACE.build_network(arch, "mnist")
