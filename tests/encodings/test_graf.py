"""GRAF encoding: bounded memory on many architectures, cells without operations."""

from __future__ import annotations

import numpy as np
import pytest

import nasperf
from nasperf import encodings
from nasperf.encodings import _graph_ops, graf

from . import traced_peak

ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def _recording(monkeypatch) -> list[int]:
    """Architectures per call of GRAF's path_statistics, recorded as it runs."""
    sizes: list[int] = []
    inner = graf.path_statistics

    def spy(batch, allowed, weight):
        sizes.append(len(batch))
        return inner(batch, allowed, weight)

    monkeypatch.setattr(graf, "path_statistics", spy)
    return sizes


def test_graf_works_in_chunks_with_the_same_values(monkeypatch):
    archs = nasperf.get_space("nb301").sample(30, seed=1, unique=False)
    enc = encodings.get("graf", space="nb301").fit(archs)
    sizes = _recording(monkeypatch)
    whole = enc.transform(archs)
    assert sizes == [30]
    monkeypatch.setattr(_graph_ops, "CHUNK_ARCHS", 7)
    sizes.clear()
    chunked = enc.transform(archs)
    # path_statistics had been given every architecture at once: (subsets x N x cells x
    # nodes x nodes) temporaries, 1.76 GiB in one array at N = 150,000 on NB301
    assert sizes == [7, 7, 7, 7, 2]
    assert chunked.dtype == np.float32 and chunked.tobytes() == whole.tobytes()


def test_graf_transform_memory_does_not_grow_per_architecture_beyond_its_output():
    sp = nasperf.get_space("nb301")
    archs = sp.sample(3 * _graph_ops.CHUNK_ARCHS, seed=0, unique=False)
    enc = encodings.get("graf", space="nb301").fit(archs[:50])
    X, peak = traced_peak(lambda: enc.transform(archs))
    # Before: ~40 KB per architecture (~120 MB here) for 1.2 KB of output. Now: the output,
    # the padded cell graphs (~0.5 KB/arch, ~1.3 KB while built) and one chunk's working
    # set (~40 MB for 1,024 NB301 architectures x 28 operation subsets).
    assert X.shape == (len(archs), 294)
    assert peak < 4 * X.nbytes + 48 * 2**20


def test_graf_fitted_on_cells_without_operations_gives_the_operation_counts():
    enc = encodings.get("graf", space="nb201").fit([ALL_NONE])
    # no operation touches an edge (none's edges are removed): no subset, counts only;
    # numpy's "need at least one array to stack" had come out of transform
    assert enc.subsets_ == []
    names = list(enc.get_feature_names_out())
    assert names == [
        "cell0_count_none",
        "cell0_count_skip_connect",
        "cell0_count_nor_conv_1x1",
        "cell0_count_nor_conv_3x3",
        "cell0_count_avg_pool_3x3",
    ]
    X = enc.transform([ALL_NONE, "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|none~2|"])
    assert X.dtype == np.float32
    assert X.tolist() == [[6, 0, 0, 0, 0], [4, 1, 0, 1, 0]]


def test_graf_on_an_nb101_cell_of_input_and_output_only():
    arch = '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'
    enc = encodings.get("graf", space="nb101").fit([arch])
    X = enc.transform([arch])
    assert enc.subsets_ == []
    assert X.shape == (1, 3) and X.tolist() == [[0, 0, 0]]  # 3 operations, none present


@pytest.mark.parametrize("space", ["nb201", "nb101"])
def test_graf_without_counts_or_subsets_is_zero_wide(space):
    arch = ALL_NONE if space == "nb201" else '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'
    enc = encodings.get("graf", space=space, op_counts=False).fit([arch])
    X = enc.transform([arch, arch])
    assert X.shape == (2, 0) and X.dtype == np.float32
    assert enc.n_features_out_ == 0
