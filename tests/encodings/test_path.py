"""Path encoding: statistics and memory on wide vocabularies (NB301: 11,204 columns)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

import nasperf
from nasperf.encodings import Encoder, base, path, path_statistics

from . import traced_peak


def _unique_rows_statistics(X: np.ndarray) -> dict:
    """The statistics as they had been computed: np.unique(X, axis=0) on the whole matrix."""
    X = np.asarray(X) > 0
    n, width = X.shape
    rows = np.unique(X, axis=0) if n else X
    present = int(rows.sum())
    in_rows = rows.sum(axis=0)
    mean_active = float(X.sum(axis=1).mean()) if n else 0.0
    return {
        "width": width,
        "n_archs": n,
        "distinct": len(rows),
        "mean_active": mean_active,
        "active_fraction": mean_active / width if width else 0.0,
        "columns_used": int((in_rows > 0).sum()),
        "shared_fraction": int(rows[:, in_rows >= 2].sum()) / present if present else 0.0,
    }


@pytest.mark.parametrize("block", [None, 1, 3 * 37])
def test_path_statistics_equal_those_of_the_unique_rows(monkeypatch, block):
    if block is not None:  # blocks of 1 and 3 rows: repeats across blocks count once
        monkeypatch.setattr(path, "_STATS_BLOCK", block)
    rng = np.random.default_rng(0)
    base_rows = rng.random((25, 37)) < 0.15
    base_rows[3] = False  # an architecture without paths
    X = base_rows[rng.integers(0, 25, size=200)].astype(np.float32) * 2.0
    want = _unique_rows_statistics(X)
    assert 1 < want["distinct"] < 200  # repeats, and more than one distinct row
    assert path_statistics(X) == want
    assert path_statistics(X[:0]) == _unique_rows_statistics(X[:0])
    assert path_statistics(np.zeros((4, 5))) == _unique_rows_statistics(np.zeros((4, 5)))


def test_path_fit_never_holds_an_n_by_width_matrix():
    space = nasperf.get_space("nb301")
    archs = space.sample(4096, seed=0, unique=False)
    nasperf.encodings.get("path", space="nb301").fit(archs[:8])  # imports done
    enc, peak = traced_peak(lambda: nasperf.encodings.get("path", space="nb301").fit(archs))
    width = enc.n_features_out_
    assert width == 11_204
    # fit had built a 4096 x 11,204 bool matrix (44 MB) and np.unique'd it (190 MB peak
    # here; at 130,000 architectures it failed). Now: one 256-architecture chunk of the
    # encoding (11 MB float32) and the distinct rows' non-zero columns.
    assert peak < len(archs) * width
    assert enc.stats_["n_archs"] == 4096 and enc.stats_["distinct"] == 4096
    assert enc.stats_["width"] == width


def test_path_transform_allocates_little_beyond_its_output():
    space = nasperf.get_space("nb301")
    archs = space.sample(1024, seed=0, unique=False)
    enc = nasperf.encodings.get("path", space="nb301").fit(archs[:8])
    enc.transform(archs[:8])
    X, peak = traced_peak(lambda: enc.transform(archs))
    assert X.shape == (1024, 11_204) and X.dtype == np.float32
    # the infinity check had made an n x width bool array (a quarter of the output)
    assert peak < X.nbytes + X.nbytes // 8


def test_a_transform_beyond_the_memory_bound_is_refused_before_allocating(monkeypatch):
    """A dense n x width matrix beyond MAX_TRANSFORM_BYTES is refused in one line naming
    its size and what to use instead (a wide vocabulary had been allocated whatever it
    cost: a 9-layer chain of 5 operations, 9.8 GB per 1,000 architectures). Under the
    bound the output is the same."""
    archs = nasperf.get_space("nb201").sample(10, seed=0)
    enc = nasperf.encodings.get("path", space="nb201").fit(archs)
    width = enc.n_features_out_
    expected = enc.transform(archs)
    monkeypatch.setattr(path, "MAX_TRANSFORM_BYTES", 9 * width * 4)
    with pytest.raises(ValueError, match=r"^the path encoding of 10 architectures is a dense 10 x"):
        enc.transform(archs)
    np.testing.assert_array_equal(enc.transform(archs[:9]), expected[:9])


def test_an_infinity_is_found_in_any_block_with_its_row(monkeypatch):
    monkeypatch.setattr(base, "_CHECK_BLOCK", 2)  # one row of 2 values per block
    archs = nasperf.get_space("nb201").sample(4, seed=0)

    class Wide(Encoder):
        out: ClassVar[np.ndarray] = np.zeros((4, 2))

        def _transform(self, batch, archs):
            return type(self).out

        def _feature_names(self):
            return ["a", "b"]

    enc = Wide(space="nb201").fit(archs)
    Wide.out = np.array([[1.0, 2.0], [np.nan, 0.0], [0.0, 1.0], [1.0, -np.inf]])
    with pytest.raises(ValueError, match=r"an infinite value \(row 3, column 1\)"):
        enc.transform(archs)
    Wide.out = np.array([[1.0, 2.0], [np.nan, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert enc.transform(archs)[3].tolist() == [1.0, 0.0]
