"""Isomorphic variants of each space and graph-isomorphism augmentation (GIAug)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nasperf
from nasperf.encodings.augmentation import GraphIsomorphismAugmenter, giaug
from nasperf.spaces import SPACES, NB101Arch, NB301Arch, SearchSpace

from ..spaces.custom_space_example import ChainSpace

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"


def _parallel(ops):
    """NB101 spec: input -> each of ``ops`` in parallel -> output."""
    n = len(ops) + 2
    m = [[0] * n for _ in range(n)]
    for v in range(1, n - 1):
        m[0][v] = m[v][n - 1] = 1
    return NB101Arch(m, ("input", *ops, "output"))


def _check_variants(space, arch, variants):
    h = space.hash(arch)
    assert arch not in variants
    assert len(set(variants)) == len(variants)
    for v in variants:
        space.validate(v)
        assert space.hash(v) == h


@pytest.fixture(scope="module")
def nb101():
    return nasperf.get_space("nb101")


@pytest.fixture(scope="module")
def nb201():
    return nasperf.get_space("nb201")


@pytest.fixture(scope="module")
def nb301():
    return nasperf.get_space("nb301")


# ---------------------------------------------------------------- NAS-Bench-101
@pytest.mark.parametrize(
    ("ops", "count"),
    [
        ((C3, C1, MP), 3 * 2 * 1 - 1),  # three distinct parallel vertices: 3! orders
        ((C3, C3, C1, MP), 4 * 3 * 2 * 1 // 2 - 1),  # two equal ones: 4!/2! orders
        ((C3, C3, C3), 0),  # all equal: every order gives the same spec
        ((C1,), 0),
    ],
)
def test_nb101_parallel_vertices_give_the_multinomial_count(nb101, ops, count):
    arch = _parallel(ops)
    variants = nb101.isomorphic_variants(arch)
    assert len(variants) == count
    _check_variants(nb101, arch, variants)


def test_nb101_edges_restrict_the_orders(nb101):
    # input -> a -> b -> output and input -> c -> output: a must precede b, so the interior
    # orders are (a b c), (a c b), (c a b): two variants.
    m = [
        [0, 1, 0, 1, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
    ]
    arch = NB101Arch(m, ("input", C3, C1, MP, "output"))
    variants = nb101.isomorphic_variants(arch)
    assert variants == [
        NB101Arch(
            [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0] * 5],
            ("input", C3, MP, C1, "output"),
        ),
        NB101Arch(
            [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0] * 5],
            ("input", MP, C3, C1, "output"),
        ),
    ]
    _check_variants(nb101, arch, variants)


def test_nb101_variants_differ_in_encoding_but_hash_equal(nb101):
    compared = 0
    for sampled in nb101.sample(30, seed=11):
        variants = nb101.isomorphic_variants(sampled)
        _check_variants(nb101, sampled, variants)
        # a spec without dangling vertices: every variant is a different pruned cell
        # (variants that only move dangling vertices prune to the same cell)
        arch = NB101Arch(*nb101.pruned(sampled))
        variants = nb101.isomorphic_variants(arch)
        _check_variants(nb101, arch, variants)
        batch = nb101.graph_batch([arch, *variants])
        for k in range(1, len(batch)):
            same = np.array_equal(batch.adjacency[0], batch.adjacency[k]) and np.array_equal(
                batch.ops[0], batch.ops[k]
            )
            assert not same
            compared += 1
    assert compared >= 10


def test_nb101_fully_used_spec_variants_all_encode_differently(nb101):
    arch = _parallel((C3, C3, C1, MP))
    variants = nb101.isomorphic_variants(arch)
    batch = nb101.graph_batch([arch, *variants])
    rows = {(a.tobytes(), o.tobytes()) for a, o in zip(batch.adjacency, batch.ops, strict=True)}
    assert len(rows) == len(variants) + 1


# ---------------------------------------------------------------- NAS-Bench-201
def _swap_inner_nodes(ops):
    """Independent relabelling 1 <-> 2 on an explicit edge dict; None if it is invalid."""
    edges = {(1, 0): ops[0], (2, 0): ops[1], (2, 1): ops[2], (3, 0): ops[3], (3, 1): ops[4]}
    edges[(3, 2)] = ops[5]
    perm = {0: 0, 1: 2, 2: 1, 3: 3}
    new = {}
    for (dst, src), op in edges.items():
        d, s = perm[dst], perm[src]
        if s > d:  # the relabelled edge would point backwards
            if op != "none":
                return None
            d, s = s, d  # a none edge is no edge: either direction
        new[(d, s)] = op
    return tuple(new[k] for k in [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)])


def test_nb201_variant_count_over_the_whole_space(nb201):
    n_with, expected = 0, 0
    rng = np.random.default_rng(0)
    sampled = []
    for arch in nb201.enumerate():
        variants = nb201.isomorphic_variants(arch)
        swapped = _swap_inner_nodes(arch.ops)
        indep = [] if swapped is None or swapped == arch.ops else [swapped]
        assert [v.ops for v in variants] == indep
        n_with += bool(variants)
        expected += bool(indep)
        if variants and rng.random() < 0.05:
            sampled.append((arch, variants[0]))
    assert n_with == expected == 3000  # 5^5 cells with a none 2<-1, minus 125 symmetric
    for arch, variant in sampled:  # hashing all 3,000 pairs is the slow test below
        _check_variants(nb201, arch, [variant])
        a, b = nb201.graph_batch([arch, variant]).ops[:, 0]
        assert not np.array_equal(a, b)


@pytest.mark.slow
def test_nb201_every_variant_hashes_like_its_cell(nb201):
    for arch in nb201.enumerate():
        _check_variants(nb201, arch, nb201.isomorphic_variants(arch))


# ---------------------------------------------------------------- NAS-Bench-301 / DARTS
CHAIN_CELL = (("sep_conv_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("sep_conv_5x5", 0))
CHAIN_CELL += (("dil_conv_3x3", 3), ("avg_pool_3x3", 0), ("sep_conv_3x3", 4), ("skip_connect", 1))
FLAT_CELL = tuple((op, i) for op, i in zip(["sep_conv_3x3"] * 8, [0, 1] * 4, strict=True))


def test_nb301_counts(nb301):
    # node k reads node k - 1: only the given node order, 2^4 pair orders per cell
    chain = NB301Arch(CHAIN_CELL, CHAIN_CELL)
    variants = nb301.isomorphic_variants(chain)
    assert len(variants) == 16 * 16 - 1
    _check_variants(nb301, chain, variants[::17])
    # four identical nodes reading (0, 1): node orders coincide, pair orders do not
    flat = NB301Arch(FLAT_CELL, CHAIN_CELL)
    assert len(nb301.isomorphic_variants(flat)) == 16 * 16 - 1
    # four distinct nodes reading inputs only: 4! orders x 2^4 pair orders
    free = tuple(
        (op, i)
        for op, i in zip(
            ["sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"] * 2,
            [0, 0, 0, 0, 1, 1, 1, 1],
            strict=True,
        )
    )
    free = tuple(p for k in range(4) for p in (free[k], free[k + 4]))
    arch = NB301Arch(free, CHAIN_CELL)
    variants = nb301.isomorphic_variants(arch)
    assert len(variants) == 24 * 16 * 16 - 1
    _check_variants(nb301, arch, variants[::97])


def test_nb301_sampler_equals_the_generic_default(nb301):
    for arch in nb301.sample(3, seed=2):
        fast = nb301.sample_isomorphic_variants(arch, 12, random_state=5)
        generic = SearchSpace.sample_isomorphic_variants(nb301, arch, 12, random_state=5)
        assert fast == generic and len(fast) == 12
        _check_variants(nb301, arch, fast)
    chain = NB301Arch(CHAIN_CELL, CHAIN_CELL)
    assert nb301.sample_isomorphic_variants(chain, 1000, 0) == nb301.isomorphic_variants(chain)
    assert nb301.sample_isomorphic_variants(chain, 0, 0) == []


def test_space_without_variants_gets_none():
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    space = nasperf.get_space("chain")
    arch = space.parse("conv3x3-skip-conv1x1")
    assert space.isomorphic_variants(arch) == []
    assert space.sample_isomorphic_variants(arch, 5, 0) == []
    archs, y, origin = giaug(space, [arch], [0.5], max_variants=5, random_state=0)
    assert archs == [arch] and y.tolist() == [0.5] and origin.tolist() == [0]


# ---------------------------------------------------------------- the augmenter
def test_augmenter_rows_labels_and_origins(nb201):
    archs = [
        nb201.parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|avg_pool_3x3~1|none~2|"),
        nb201.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|none~2|"),
        nb201.parse("|none~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|none~2|"),
    ]
    y = np.array([0.7, 0.8, 0.9])
    out, y_aug, origin = GraphIsomorphismAugmenter(space="nb201", random_state=0).augment(
        [nb201.format(a) for a in archs], y
    )
    assert out[:3] == archs
    assert origin.tolist() == [0, 1, 2, 0, 2]
    assert out[3] == nb201.parse(
        "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"
    )
    assert out[4] == nb201.isomorphic_variants(archs[2])[0]
    np.testing.assert_array_equal(y_aug, y[origin])
    assert origin.dtype == np.int64


def test_augmenter_seeded_and_capped(nb301):
    archs = nb301.sample(4, seed=9)
    y = np.arange(8.0).reshape(4, 2)
    aug = GraphIsomorphismAugmenter(space=nb301, max_variants=7, random_state=3)
    a1, y1, o1 = aug.augment(archs, y)
    a2, y2, o2 = aug.augment(archs, y)
    assert a1 == a2 and np.array_equal(o1, o2)
    assert np.bincount(o1).tolist() == [8, 8, 8, 8]  # every genotype has >= 255 variants
    assert y1.shape == (32, 2) and np.array_equal(y1, y[o1])
    for k in range(4):
        rows = [a for a, o in zip(a1[4:], o1[4:], strict=True) if o == k]
        assert len(set(rows)) == 7 and archs[k] not in rows
        _check_variants(nb301, archs[k], rows)
    a3, _, _ = giaug(nb301, archs, y, max_variants=7, random_state=4)
    assert a3[:4] == a1[:4] and a3[4:] != a1[4:]
    assert giaug(nb301, archs, y, max_variants=7, random_state=3)[0] == a1
    # a Generator advances between calls
    rng = np.random.default_rng(3)
    g = GraphIsomorphismAugmenter(space=nb301, max_variants=7, random_state=rng)
    assert g.augment(archs, y)[0] == a1 and g.augment(archs, y)[0] != a1
    assert len(giaug(nb301, archs, y, max_variants=0)[0]) == 4


def test_augmenter_all_variants_and_errors(nb101):
    arch = _parallel((C3, C3, C1, MP))
    out, _, origin = giaug(nb101, [arch], [1.0], max_variants=None)
    assert out[1:] == nb101.isomorphic_variants(arch) and len(origin) == 12
    with pytest.raises(ValueError, match="max_variants"):
        giaug(nb101, [arch], [1.0], max_variants=-1)
    with pytest.raises(ValueError, match="one entry per architecture"):
        giaug(nb101, [arch], [1.0, 2.0])
    assert "max_variants=3" in repr(GraphIsomorphismAugmenter(space="nb101", max_variants=3))


def test_variants_of_all_spaces_keep_permutation_semantics(nb101):
    # every NB101 variant is the spec with its interior vertices permuted
    arch = _parallel((C3, C1, MP))
    seen = set()
    for order in itertools.permutations(range(1, 4)):
        old = (0, *order, 4)
        m = [[arch.matrix[old[a]][old[b]] for b in range(5)] for a in range(5)]
        seen.add(NB101Arch(m, tuple(arch.ops[v] for v in old)))
    assert set(nb101.isomorphic_variants(arch)) == seen - {arch}
