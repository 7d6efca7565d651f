"""Search on a partial table: TransNAS-Bench-101 labels ~700 of its 4,096 micro cells, and
the optimizers must stay among the labelled ones (``Optimizer.space_`` is restricted)."""

from __future__ import annotations

import numpy as np
import pytest

import nasperf
from nasperf.search import run
from nasperf.search._labelled import LabelledSpace, restrict
from nasperf.search.objective import get_objective

TASK = "class_scene"


@pytest.fixture(scope="module")
def tnb():
    return get_objective("tnb101_micro", TASK)


def test_the_view_is_restricted_only_where_the_table_is_partial(tnb) -> None:
    nb201 = get_objective("nb201", "cifar10")
    assert restrict(nb201.space, nb201.candidates()) is nb201.space  # the full table
    assert restrict(nb201.space, None) is nb201.space
    view = restrict(tnb.space, tnb.candidates())
    assert isinstance(view, LabelledSpace)
    assert view.size == len(tnb.candidates()) == 711 < tnb.space.size == 4096


def test_draws_neighbours_and_mutations_are_labelled(tnb) -> None:
    keys = set(tnb.candidates())
    view = LabelledSpace(tnb.space, tnb.candidates())
    rng = np.random.default_rng(0)
    draws = [view.random_architecture(rng) for _ in range(300)]
    assert {tnb.space.to_string(a) for a in draws} <= keys
    # uniform over the labelled cells: 300 draws from 711 hit ~245 distinct ones
    # (711 * (1 - (1 - 1/711)**300) = 245.3; sd ~ 8)
    assert 215 < len({tnb.space.to_string(a) for a in draws}) < 275
    for arch in draws[:30]:
        full = tnb.space.neighbors(arch)
        mine = view.neighbors(arch)
        assert [tnb.space.to_string(a) for a in mine] == [
            tnb.space.to_string(a) for a in full if tnb.space.to_string(a) in keys
        ]
        assert tnb.space.to_string(view.mutate(arch, rng)) in keys
    # texts, parsing and networks are the space's own
    a = draws[0]
    assert view.to_string(a) == tnb.space.to_string(a)
    assert view.parse(view.to_string(a)) == a


@pytest.mark.parametrize("method", ["random_search", "local_search"])
def test_every_method_queries_only_labelled_cells_and_exhausts_the_table(tnb, method) -> None:
    h = run(method, benchmark="tnb101_micro", dataset=TASK, budget=2000, seed=0)
    paid = h[~h["repeat"]]
    assert set(paid["arch"]) == set(tnb.candidates())  # every labelled cell, once each
    assert len(paid) == 711
    assert any("every one of the 711 architectures" in n for n in h.attrs["notes"])
    best, value = tnb.optimum()
    assert np.isclose(h.attrs["optimum_value"], value)
    assert set(best) <= set(paid["arch"])


def test_evolution_stays_on_the_labelled_cells_without_repeats(tnb) -> None:
    h = run("regularized_evolution", benchmark="tnb101_micro", dataset=TASK, budget=150, seed=0)
    assert len(h) == 150 and not h["repeat"].any()  # re-mutated (or drawn) instead of repeats
    assert set(h["arch"]) <= set(tnb.candidates()) and h["arch"].is_unique


def test_predictor_local_search_on_a_partial_table(tnb) -> None:
    h = run(
        "predictor_local_search",
        benchmark="tnb101_micro",
        dataset=TASK,
        budget=25,
        seed=0,
        params={"warm_start": None, "n_models": 1},
    )
    assert len(h) >= 25 and set(h["arch"]) <= set(tnb.candidates())
    # the climb beats a random draw of 25 (median of the table's best-of-25 is its ~96th pct)
    values = tnb.table_values()
    assert h.loc[~h["repeat"], "value"].max() >= np.quantile(values, 0.95)


def test_the_public_loader_agrees(tnb) -> None:
    table = nasperf.load_benchmark("tnb101_micro", TASK)
    assert len(table) == len(tnb.candidates())


def test_auto_warm_start_reads_the_proxies_the_table_has(tnb) -> None:
    # NASLib's TNB101 table has params but no synflow: "auto" ranks by params from the table
    # (no network is built) and the predictor gets every proxy of the table as features
    h = run(
        "predictor_local_search",
        benchmark="tnb101_micro",
        dataset=TASK,
        budget=7,
        seed=0,
        params={"n_init": 5, "n_models": 1},
    )
    assert any("params from the run's table (it has no synflow)" in n for n in h.attrs["notes"])
    zc = nasperf.datasets.load_zero_cost("tnb101_micro", TASK)
    top = zc["params"].rank(pct=True).sort_values(ascending=False, kind="stable").index[:5]
    assert h["arch"].iloc[:5].tolist() == top.tolist()


def _mutate_by_redrawing(space, keys, arch, rng):
    """The reference: ``space.mutate`` drawn up to 20 times until labelled, then a labelled
    neighbour, then a labelled architecture at random (what LabelledSpace.mutate means)."""
    allowed = set(keys)
    for _ in range(20):
        child = space.mutate(arch, rng)
        if space.to_string(child) in allowed:
            return child
    nbrs = [a for a in space.neighbors(arch) if space.to_string(a) in allowed]
    if nbrs:
        return nbrs[int(rng.integers(len(nbrs)))]
    return space.parse(keys[int(rng.integers(len(keys)))])


@pytest.mark.parametrize("share", [0.02, 0.3])
def test_mutations_on_a_sparse_table_equal_redrawing_and_enumerate_each_hood_once(
    share, monkeypatch
) -> None:
    """A labelled neighbourhood is enumerated once per architecture (NB301's 120 neighbours
    took ~9 ms, 21 times per mutation on a sparse table: BOHB's 64 mutations per sample made
    a 400-row table search take minutes), and the mutations are exactly those of drawing
    ``space.mutate`` again, with the same random numbers."""
    from tests.search.helpers import LayerSpace, layer_table

    space = LayerSpace()
    every = list(layer_table().index)
    pick = np.random.default_rng(1).random(len(every)) < share
    keys = [k for k, p in zip(every, pick, strict=True) if p]
    view = LabelledSpace(space, keys)
    calls = []
    real = LayerSpace.neighbors
    monkeypatch.setattr(LayerSpace, "neighbors", lambda s, a: calls.append(a) or real(s, a))
    parents = [space.parse(k) for k in keys[:5]]
    ours, ref = np.random.default_rng(7), np.random.default_rng(7)
    fallbacks = 0
    for i in range(300):
        parent = parents[i % 5]
        got = view.mutate(parent, ours)
        n_calls = len(calls)
        want = _mutate_by_redrawing(space, keys, parent, ref)
        del calls[n_calls:]  # the reference's own enumerations
        assert got == want and space.to_string(got) in set(keys)
        fallbacks += space.to_string(got) not in {space.to_string(a) for a in real(space, parent)}
    assert ours.integers(10**9) == ref.integers(10**9)  # the same random numbers used
    assert len(calls) == 5  # one enumeration per parent
    assert (fallbacks > 0) == (share < 0.1)  # the sparse table exercises the random fallback
