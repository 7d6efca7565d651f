"""Search on NAS-Bench-Graph (every dataset's table labels all of its architectures): the
optimizers query only tabulated GNNs and read the benchmark's values; the warm start of
the predictor-guided methods is random, with a note, where no packaged graph exists."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.datasets import load_benchmark
from nasperf.search import run
from nasperf.search.objective import get_objective


@pytest.fixture(scope="module")
def cora():
    return get_objective("nbgraph", "cora")


def test_the_objective_is_the_whole_table_with_its_tied_optimum(cora) -> None:
    table = load_benchmark("nbgraph", "cora")
    values = cora.table_values()
    assert len(values) == len(table) == 26_206
    archs, best = cora.optimum()
    assert best == pytest.approx(float(values.max()), abs=0.0)
    # two GNNs share Cora's best validation accuracy; both count as the optimum
    assert len(archs) == int((values >= best - 1e-9).sum()) == 2


@pytest.mark.parametrize("method", ["regularized_evolution", "local_search"])
def test_every_query_is_a_tabulated_gnn_with_its_value(cora, method) -> None:
    h = run(method, benchmark="nbgraph", dataset="cora", budget=60, seed=0)
    values = cora.table_values()
    paid = h[~h["repeat"]]
    assert len(paid) == 60
    assert set(h["arch"]) <= set(values.index)
    # the history's values are the table's, exactly (read, not recomputed)
    np.testing.assert_array_equal(h["value"].to_numpy(), values.loc[h["arch"]].to_numpy())
    assert h["best_value"].iloc[-1] == h["value"].max()
    assert h["regret"].iloc[-1] == pytest.approx(cora.optimum()[1] - h["value"].max())


def test_proteins_searches_its_own_space_with_a_random_warm_start() -> None:
    # ogbn-proteins has no packaged graph: no proxies, a note, and a random warm start
    h = run("bananas", benchmark="nbgraph-proteins", dataset="proteins", budget=12, seed=0)
    obj = get_objective("nbgraph-proteins", "proteins")
    assert len(obj.candidates()) == 2021
    assert set(h["arch"]) <= set(obj.candidates())
    notes = h.attrs["notes"]
    assert any("no packaged graph for dataset 'proteins'" in n for n in notes), notes
    assert any("the warm start is random" in n for n in notes), notes


@pytest.mark.slow
def test_the_warm_start_scores_gnns_on_the_packaged_graph(tmp_path, monkeypatch) -> None:
    # ~1-5 s per GNN for synflow + params on Cora on one core: slow-marked
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    from nasperf.spaces.nbgraph import NBGraphSpace
    from nasperf.zero_cost import compute

    params = {"n_init": 3, "proxy_pool": 3}
    h = run(
        "predictor_local_search",
        benchmark="nbgraph",
        dataset="cora",
        budget=4,
        seed=0,
        params=params,
    )
    assert any("computed on a pool of 3 architectures" in n for n in h.attrs["notes"])
    # the warm start queries the pool in the order of its mean proxy rank
    from nasperf.search._proxy_pool import POOL_SEED

    cands = get_objective("nbgraph", "cora").candidates()
    rng = np.random.default_rng(POOL_SEED)
    pool = [cands[i] for i in np.sort(rng.choice(len(cands), size=3, replace=False))]
    zc = compute(NBGraphSpace(), pool, ["synflow", "params"], "cora")
    rank = zc.rank(pct=True).mean(axis=1).sort_values(ascending=False, kind="stable")
    assert h.arch.iloc[:3].tolist() == rank.index.tolist()
    assert NBGraphSpace.proxy_pool_size == 100  # the default pool (not 1,000) for GNNs
