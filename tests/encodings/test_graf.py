"""GRAF encoding: bounded memory on many architectures."""

from __future__ import annotations

import tracemalloc

import numpy as np

import nasperf
from nasperf import encodings
from nasperf.encodings import _graph_ops, graf


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
    tracemalloc.start()
    try:
        X = enc.transform(archs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Before: ~40 KB per architecture (~120 MB here) for 1.2 KB of output. Now: the output,
    # the padded cell graphs (~0.5 KB/arch, ~1.3 KB while built) and one chunk's working
    # set (~40 MB for 1,024 NB301 architectures x 28 operation subsets).
    assert X.shape == (len(archs), 294)
    assert peak < 4 * X.nbytes + 48 * 2**20
