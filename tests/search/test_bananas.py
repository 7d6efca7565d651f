"""BANANAS: warm start, candidate generation, acquisition and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.datasets import load_benchmark, load_zero_cost
from nasperf.search import run

FAST = {"predictor_params": {"n_estimators": 30}, "n_models": 3, "n_candidates": 50}


def test_warm_start_queries_the_top_proxy_cells_first():
    zc = load_zero_cost("nb201", "cifar10")
    h = run("bananas", budget=12, seed=0, params={**FAST, "warm_start": "params", "n_init": 8})
    top = np.sort(zc["params"].to_numpy())[::-1][:8]  # ties: any cells of the top values
    np.testing.assert_array_equal(zc.loc[h["arch"].iloc[:8], "params"].to_numpy(), top)
    assert h["arch"].is_unique
    # Ranking the whole table is charged once, as if the proxy had been computed.
    per_arch = zc.attrs["settings"]["seconds_per_arch"]["params"]
    assert h["overhead_s"].iloc[:8].sum() >= len(zc) * per_arch


@pytest.mark.parametrize("acq", ["its", "ucb", "ei", "mean"])
def test_model_rounds_query_unseen_cells_deterministically(acq):
    params = {**FAST, "acquisition": acq, "n_init": 5, "batch_size": 3}
    a = run("bananas", budget=14, seed=1, params=params)
    b = run("bananas", budget=14, seed=1, params=params)
    assert a["arch"].tolist() == b["arch"].tolist() and a["arch"].is_unique
    assert a["overhead_s"].iloc[5:].sum() > 0  # model fits are charged


def test_model_rounds_beat_random_on_average():
    table = load_benchmark("nb201", "cifar10")
    h = run("bananas", budget=40, seed=2, params={**FAST, "n_init": 10, "acquisition": "mean"})
    guided = h["value"].iloc[10:].mean()
    # random cells average ~83 % (many degenerate cells); guided picks must be far better
    assert guided > table["val_acc_200ep"].mean() + 5


def test_bad_options_are_clear():
    with pytest.raises(
        ValueError, match="The 'acquisition' parameter of Bananas must be a str among"
    ):
        run("bananas", budget=2, params={"acquisition": "pi"})
    with pytest.raises(ValueError, match=r"proxies \['zen'\] are not in the run's zero-cost"):
        run("bananas", budget=2, params={"warm_start": "zen"})
    with pytest.raises(ValueError, match="does not use a predictor"):
        run("random_search", budget=2, predictor="xgb")


def test_any_registered_predictor_with_uncertainty():
    h = run("bananas", budget=12, seed=0, predictor="gp", params={"n_init": 6, "batch_size": 3})
    assert np.isfinite(h["value"]).all() and len(h) == 12


@pytest.mark.parametrize("max_mutations", [1, 3])
def test_candidates_are_mutations_of_the_best(monkeypatch, max_mutations):
    """Every candidate is 1 to ``max_mutations`` edits from one of the ``n_parents`` best
    architectures queried so far, and none was queried before."""
    from nasperf.search.bananas import Bananas

    seen: list[tuple[list, list, set]] = []
    score = Bananas._score

    def record(self, cands):
        order = np.argsort(self.values_)[::-1][: self.n_parents]
        parents = [self.archs_[i].ops for i in order]
        seen.append((cands, parents, {a.ops for a in self.archs_}))
        return score(self, cands)

    monkeypatch.setattr(Bananas, "_score", record)
    params = {**FAST, "n_init": 5, "n_parents": 2, "max_mutations": max_mutations}
    run("bananas", budget=15, seed=0, params=params)
    assert len(seen) == 2
    distances = set()
    for cands, parents, queried in seen:
        assert cands and not {a.ops for a in cands} & queried
        for a in cands:
            d = min(sum(x != y for x, y in zip(a.ops, p, strict=True)) for p in parents)
            distances.add(d)
    # a second edit may undo the first (distance 0: such a child is a parent, already queried)
    assert distances <= set(range(1, max_mutations + 1))
    assert max(distances) == max_mutations


def test_parents_grow_where_their_mutations_are_used_up(monkeypatch):
    """On a partial table (TransNAS-Bench-101 micro: 711 of 4,096 cells labelled, a few
    labelled neighbours each) the 2 best cells' unqueried mutations soon cannot fill a batch:
    more parents are taken, so every round scores at least a batch of mutations and no
    round falls back to a random cell."""
    from nasperf.search.bananas import Bananas

    sizes: list[int] = []
    randoms = {"n": 0}
    candidates, random_new = Bananas._candidates, Bananas.random_new

    def record(self):
        out = candidates(self)
        sizes.append(len(out))
        return out

    def count(self, *args, **kwargs):
        randoms["n"] += len(self.values_) >= self.n_init
        return random_new(self, *args, **kwargs)

    monkeypatch.setattr(Bananas, "_candidates", record)
    monkeypatch.setattr(Bananas, "random_new", count)
    params = {**FAST, "n_candidates": 100, "n_parents": 2}
    h = run(
        "bananas", benchmark="tnb101_micro", dataset="class_scene", budget=40, seed=0, params=params
    )
    assert len(h) == 40 and h["arch"].is_unique
    assert sizes and min(sizes) >= 5 and randoms["n"] == 0


def test_parents_do_not_grow_past_what_a_round_scores(monkeypatch):
    """With fewer candidates than a batch (``n_candidates < batch_size``) a round that holds
    ``n_candidates`` mutations is full: the parents do not grow."""
    from nasperf.search.bananas import Bananas

    passes: list[int] = []
    candidates, mutations = Bananas._candidates, Bananas._mutations

    def count_passes(self):
        passes.append(0)
        out = candidates(self)
        assert len(out) == self.n_candidates
        return out

    def count(self, *args):
        passes[-1] += 1
        return mutations(self, *args)

    monkeypatch.setattr(Bananas, "_candidates", count_passes)
    monkeypatch.setattr(Bananas, "_mutations", count)
    run("bananas", budget=9, seed=0, params={**FAST, "n_init": 5, "n_candidates": 2})
    assert passes and set(passes) == {1}


def test_no_initial_queries_start_from_one_random_cell_then_mutate():
    """n_init=0 (valid) had crashed on the first ask with numpy's "high <= 0": no parent to
    mutate with the default warm start."""
    zc = load_zero_cost("nb201", "cifar10")
    h = run("bananas", budget=6, seed=0, params={**FAST, "n_init": 0, "batch_size": 5})
    assert len(h) == 6 and h["arch"].is_unique
    notes = h.attrs["notes"]
    assert (
        "n_init=0: no warm-start queries; the first query is random (the predictor has "
        "nothing to be fitted on before it)"
    ) in notes
    # the first cell is the same random draw with or without a warm start, and ranking the
    # table for a warm start of no queries is not charged
    rand = run("bananas", budget=1, seed=0, params={**FAST, "n_init": 0, "warm_start": None})
    assert h["arch"].iloc[0] == rand["arch"].iloc[0]
    per_arch = sum(zc.attrs["settings"]["seconds_per_arch"][p] for p in ("synflow", "params"))
    assert h["overhead_s"].iloc[0] < len(zc) * per_arch
    # then every query is a mutation (one or two edits) of a cell queried before
    space_edits = [
        min(
            sum(x != y for x, y in zip(a.split("|"), b.split("|"), strict=True))
            for b in h["arch"].iloc[:i]
        )
        for i, a in enumerate(h["arch"].iloc[1:], start=1)
    ]
    assert all(1 <= e <= 2 for e in space_edits)
