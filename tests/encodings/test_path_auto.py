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


def test_chains_get_adjacency_cells_keep_paths_darts_is_truncated():
    chain = _Chain()
    archs = list(chain.enumerate())
    path = get("path", space=chain).fit(archs)
    # one path per chain, labelled by its three operations: an identifier
    assert path.stats_["mean_active"] == 1.0 and path.stats_["shared_fraction"] == 0.0
    assert path.stats_["width"] == 1 + 3 + 9 + 27
    assert get("path_auto", space=chain).fit(archs).chosen_ == "adjacency_onehot"
    for name, chosen in [("nb101", "path"), ("nb201", "path"), ("nb301", "path(truncate=2048)")]:
        space = nasperf.get_space(name)
        enc = get("path_auto", space=name).fit(space.sample(60, seed=0))
        assert enc.chosen_ == chosen, name
        assert enc.stats_["shared_fraction"] > 0.75, (name, enc.stats_)
        X = enc.transform(space.sample(5, seed=1))
        assert X.shape == (5, min(enc.stats_["width"], 2048))


def test_vocabularies_too_wide_to_build_are_refused_or_skipped():
    space = _LongChain()
    archs = list(space.enumerate())
    with pytest.raises(ValueError, match="max_length="):
        get("path", space=space).fit(archs)
    enc = get("path_auto", space=space).fit(archs)
    assert enc.chosen_ == "adjacency_onehot" and enc.stats_["built"] is False
    assert enc.stats_["width"] == sum(3**k for k in range(21)) > MAX_BUILT_WIDTH


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
