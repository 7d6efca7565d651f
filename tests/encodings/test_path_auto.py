"""Path-encoding statistics and the path_auto rule, on built-in and user-defined spaces."""

from __future__ import annotations

import numpy as np
import pytest

import nasperf
from nasperf.encodings import get, path_statistics
from nasperf.encodings.path_auto import MAX_BUILT_WIDTH
from tests.spaces.custom_space_example import ChainSpace


class _Chain(ChainSpace):
    name = "chain_in_test_path_auto"


class _LongChain(ChainSpace):
    """Claims paths of 20 operations: a 3^20-wide path vocabulary."""

    name = "long_chain_in_test_path_auto"
    max_path_length = 20


def test_path_statistics_by_hand():
    X = np.array(
        [
            [1, 1, 0, 0],  # path 0 shared with row 1, path 1 its own
            [1, 0, 1, 0],
            [1, 0, 1, 0],  # a repeat of row 1: counted once
            [0, 0, 0, 1],
        ]
    )
    s = path_statistics(X)
    assert s["distinct"] == 3 and s["columns_used"] == 4 and s["mean_active"] == 1.75
    # present in the 3 distinct rows: 5 (row 0: 2, row 1: 2, row 3: 1); shared: path 0 twice
    assert s["shared_fraction"] == pytest.approx(2 / 5)


def test_chains_and_wide_vocabularies_get_adjacency_cells_keep_paths():
    chain = _Chain()
    archs = list(chain.enumerate())
    path = get("path", space=chain).fit(archs)
    # one path per chain, labelled by its three operations: an identifier
    assert path.stats_["mean_active"] == 1.0 and path.stats_["shared_fraction"] == 0.0
    assert path.stats_["width"] == 1 + 3 + 9 + 27
    assert get("path_auto", space=chain).fit(archs).chosen_ == "adjacency_onehot"
    for name in ("nb101", "nb201", "tnb101_micro"):
        space = nasperf.get_space(name)
        enc = get("path_auto", space=name).fit(space.sample(60, seed=0))
        assert enc.chosen_ == "path", name
        assert enc.stats_["shared_fraction"] > 0.75, (name, enc.stats_)
        assert enc.stats_["width"] <= 2048
        X = enc.transform(space.sample(5, seed=1))
        assert X.shape == (5, enc.stats_["width"])
    # DARTS's two cells (2 cells x 2 inputs x (1 + 7 + 7^2 + 7^3 + 7^4) = 11,204 paths) and
    # NAS-Bench-Graph's 9 operations on paths of up to 4 (one input: 1 + 9 + ... + 9^4 =
    # 7,381): wider than max_width, so adjacency, without building the path encoding
    for name, width in (("nb301", 11_204), ("nbgraph", 7_381)):
        space = nasperf.get_space(name)
        archs = space.sample(60, seed=0)
        enc = get("path_auto", space=name).fit(archs)
        assert enc.chosen_ == "adjacency_onehot", name
        assert enc.stats_["built"] is False and enc.stats_["width"] == width, enc.stats_
        wide = get("path_auto", space=name, max_width=20_000).fit(archs)
        assert wide.chosen_ == "path" and wide.stats_["width"] == width, name
        X = enc.transform(space.sample(5, seed=1))
        assert X.shape == (5, get("adjacency_onehot", space=name).fit(archs).n_features_out_)


def test_vocabularies_too_wide_to_build_are_refused_or_skipped():
    space = _LongChain()
    archs = list(space.enumerate())
    with pytest.raises(ValueError, match="max_length="):
        get("path", space=space).fit(archs)
    enc = get("path_auto", space=space).fit(archs)
    assert enc.chosen_ == "adjacency_onehot" and enc.stats_["built"] is False
    assert enc.stats_["width"] == sum(3**k for k in range(21)) > MAX_BUILT_WIDTH


class _Dense(ChainSpace):
    """Three-layer chains drawn as dense cells: every forward edge, so a cell of n nodes
    has 2^(n-2) input -> output paths; ``extra`` more "skip" layers make it denser."""

    name = "dense_in_test_path_auto"
    extra = 0
    max_nodes = None

    def cells(self, arch):
        from nasperf.spaces import CellGraph

        labels = ("input", *arch.ops, *("skip",) * self.extra, "output")
        n = len(labels)
        adj = tuple(tuple(int(j > i) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=labels),)


def test_path_counts_and_lengths_are_computed_without_listing_paths():
    from nasperf.encodings._graph_ops import input_mask as in_mask
    from nasperf.encodings._graph_ops import node_paths, output_mask
    from nasperf.encodings.path import longest_path, union_path_count

    for name in ("nb101", "nb201", "nb301"):
        space = nasperf.get_space(name)
        batch = space.graph_batch(space.sample(40, seed=2))
        listed, longest = 0, 0
        codes = {batch.labels.index(o) for o in space.operations}
        for c in range(batch.n_cells):
            union = batch.adjacency[:, c].any(0)
            paths = node_paths(union, in_mask(batch)[:, c].any(0), output_mask(batch)[:, c].any(0))
            listed += len(paths)
            for path in paths:  # the longest path any architecture has, by listing
                edges = np.ones(len(batch), dtype=bool)
                for a, b in zip(path[:-1], path[1:], strict=True):
                    edges &= batch.adjacency[:, c, a, b].astype(bool)
                for r in np.flatnonzero(edges):
                    n_ops = sum(int(batch.ops[r, c, v]) in codes for v in path[1:-1])
                    longest = max(longest, n_ops)
        assert union_path_count(batch) == listed, name
        assert longest_path(batch, space.operations) == longest, name
    dense = _Dense()
    dense.extra = 5  # 10 nodes: 2^8 paths, at most 8 operations on one
    batch = dense.graph_batch(dense.sample(5, seed=0))
    assert union_path_count(batch) == 2**8 and longest_path(batch, dense.operations) == 8


def test_dense_cells_are_not_walked_path_by_path():
    """A cell of 18 intermediate nodes with every forward edge has 2^18 paths: listing them
    to size the vocabulary took 43 s and 1 GB for 20 architectures (206 s, 3.6 GB for 100)."""
    dense = _Dense()
    dense.extra = 15
    archs = list(dense.enumerate())
    enc = get("path_auto", space=dense).fit(archs)
    assert enc.chosen_ == "adjacency_onehot" and enc.stats_["built"] is False
    assert enc.stats_["paths"] == 2**18
    with pytest.raises(ValueError, match=r"the cells have 262,144 input -> output paths"):
        get("path", space=dense).fit(archs)


def test_bananas_reports_the_encoding_it_used():
    chain = _Chain()
    archs = list(chain.enumerate())
    y = np.arange(len(archs), dtype=float)
    pred = nasperf.predictors.get(
        "bananas", space=chain, epochs=5, n_ensemble=1, random_state=0
    ).fit(archs, y)
    assert pred.get_params()["encoding"] == "path_auto"
    assert pred.encoding_ == "adjacency_onehot"
    forced = nasperf.predictors.get(
        "bananas", space=chain, encoding="path", epochs=5, n_ensemble=1, random_state=0
    ).fit(archs, y)
    assert forced.encoding_ == "path"


@pytest.mark.parametrize(
    "name, params, message",
    [
        (
            "graf",
            {"max_subset_size": 0},
            r"The 'max_subset_size' parameter of GRAFEncoder must be an int in the range "
            r"\[1, inf\) or None\. Got 0 instead\.",
        ),
        (
            "graf",
            {"max_subset_size": True},
            r"The 'max_subset_size' parameter of GRAFEncoder must be a number, not a bool\. "
            r"Got True instead\.",
        ),
        (
            "path",
            {"truncate": True},
            r"The 'truncate' parameter of PathEncoder must be a number, not a bool\. Got True "
            r"instead\.",
        ),
        (
            "path_auto",
            {"min_shared": "0.9"},
            r"The 'min_shared' parameter of AutoPathEncoder must be a float in the range "
            r"\[0\.0, 1\.0\]\. Got '0\.9' instead\.",
        ),
        (
            "path_auto",
            {"min_shared": float("nan")},
            r"The 'min_shared' parameter of AutoPathEncoder must be a float in the range "
            r"\[0\.0, 1\.0\]\. Got nan instead\.",
        ),
    ],
)
def test_bad_encoder_arguments_are_named(name, params, message):
    # 0 had meant "all subsets", True one feature, and a text min_shared a bare TypeError;
    # each is refused by scikit-learn's parameter validation, where it is given and by fit
    archs = nasperf.get_space("nb201").sample(5, seed=0)
    with pytest.raises(ValueError, match=f"^{message}$"):
        get(name, space="nb201", **params)
    enc = get(name, space="nb201").set_params(**params)  # set_params does not check
    with pytest.raises(ValueError, match=f"^{message}$"):
        enc.fit(archs)


def test_a_path_longer_than_any_fitted_one_is_left_out_not_an_error():
    # A user space without max_path_length sizes the vocabulary from the fitting cells; a
    # valid architecture with a longer path had made predict fail ("a path has 3
    # operations, more than max_length=2"), in bananas' default encoding too.
    from tests.search.user_spaces import NB201NoPoolSpace, NoPoolCell

    space = NB201NoPoolSpace()
    assert space.max_path_length is None
    rng = np.random.default_rng(0)
    ops = ("skip_connect", "nor_conv_1x1", "nor_conv_3x3")
    # edge 2 <- 1 is none: no path through nodes 1 and 2, so at most 2 operations a path
    train = [
        NoPoolCell(tuple("none" if e == 2 else ops[rng.integers(3)] for e in range(6)))
        for _ in range(40)
    ]
    long_ = NoPoolCell(("nor_conv_3x3",) * 6)  # 0 -> 1 -> 2 -> 3: three operations
    enc = get("path", space=space).fit(train)
    assert enc.max_length_ == 2
    x = enc.transform([long_])
    # every path of at most 2 operations is there, as for the same cell without 2 <- 1
    cut = NoPoolCell(("nor_conv_3x3", "nor_conv_3x3", "none") + ("nor_conv_3x3",) * 3)
    np.testing.assert_array_equal(x, enc.transform([cut]))
    y = rng.normal(size=40)
    for name in ("bananas", "xgb"):
        params = {"n_estimators": 10} if name == "xgb" else {"epochs": 5}
        pred = nasperf.predictors.get(name, space=space, encoding="path", random_state=0, **params)
        assert np.isfinite(pred.fit(train, y).predict([long_])).all()
