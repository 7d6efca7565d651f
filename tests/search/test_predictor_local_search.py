"""Predictor-guided local search: zero-cost warm start, neighbourhood moves, charging."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nasperf.search as S
from nasperf.datasets import load_zero_cost

from .helpers import LayerSpace, layer_objective


@pytest.fixture(scope="module")
def zc():
    return load_zero_cost("nb201", "cifar10")


def _mean_rank(zc: pd.DataFrame, proxies) -> pd.Series:
    return zc[list(proxies)].rank(pct=True).mean(axis=1)


def _hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a.split("|"), b.split("|"), strict=True))


def test_warm_start_is_the_zero_cost_top_and_moves_stay_in_the_parents_neighbourhood(zc):
    h = S.run("pls", benchmark="nb201", budget=14, seed=3, params={"n_init": 4, "n_parents": 2})
    expected = _mean_rank(zc, ("synflow", "params")).sort_values(ascending=False, kind="stable")
    assert list(h.arch[:4]) == list(expected.index[:4])
    assert h.arch.is_unique
    for i in range(4, len(h)):
        past = h.iloc[:i].sort_values("value", ascending=False, kind="stable")
        parents = list(past.arch[:2])
        assert min(_hamming(h.arch.iloc[i], p) for p in parents) == 1


def test_finds_the_nb201_cifar10_optimum_quickly():
    # the target is a median <= 25 over 25 seeds (bench/search.py); one seed here
    h = S.run("pls", benchmark="nb201", budget=25, seed=0)
    assert h.arch.isin(h.attrs["optimum_archs"]).any()
    assert h.regret.iloc[-1] == 0.0


def test_zero_cost_lookups_are_charged_at_the_recorded_seconds(zc):
    table = zc.copy()
    table.attrs["settings"] = {"seconds_per_arch": {"synflow": 0.5, "params": 0.25}}
    h = S.run(
        "pls",
        benchmark="nb201",
        budget=3,
        seed=0,
        zero_cost=table,
        params={"n_init": 3, "use_zero_cost": False},
    )
    # the warm start ranks the whole table once: 15,625 x (0.5 + 0.25) s, charged before
    # the first query; nothing more while the warm-start queries run
    assert h.overhead_s.iloc[0] == pytest.approx(15625 * 0.75, abs=5.0)
    assert h.overhead_s.iloc[1:].max() < 5.0
    assert h.sim_time_s.iloc[0] == pytest.approx(h.train_cost_s.iloc[0] + h.overhead_s.iloc[0])


def test_zero_shot_filter_keeps_the_best_neighbour_by_proxy(zc):
    h = S.run(
        "pls",
        benchmark="nb201",
        budget=4,
        seed=0,
        params={"n_init": 3, "n_parents": 1, "zero_cost_filter": 1e-6},
    )
    best = h.iloc[:3].sort_values("value", ascending=False).arch.iloc[0]
    nb = [a for a in zc.index if _hamming(a, best) == 1 and a not in set(h.arch[:3])]
    score = _mean_rank(zc, ("synflow", "params"))[nb].sort_values(ascending=False, kind="stable")
    assert h.arch.iloc[3] == score.index[0]


def test_user_space_without_zero_cost_starts_randomly_and_climbs():
    obj = layer_objective()
    h = S.run("pls", benchmark=obj, budget=30, seed=1, params={"n_init": 5})
    assert h.attrs["optimum_value"] == pytest.approx(obj.optimum()[1])
    # the space has no network builder, so no proxies: the report says the start is random
    (note,) = h.attrs["notes"]
    assert "space 'layers' has no network builder" in note and "warm start is random" in note
    space = LayerSpace()
    # after the random start, every query is one edit from an already-queried architecture
    for i in range(5, len(h)):
        a = np.array(space.parse(h.arch.iloc[i]).ops)
        assert any((a != np.array(space.parse(b).ops)).sum() == 1 for b in h.arch[:i])
    # on an additive landscape a predictor-guided climb beats random sampling by far
    values = obj.table_values()
    assert (values >= h.best_value.iloc[-1]).mean() < 0.002


def test_errors_name_the_problem(zc):
    with pytest.raises(ValueError, match=r"proxies \['zen'\] are not in the run's zero-cost"):
        S.run("pls", benchmark="nb201", budget=2, params={"warm_start": ["zen"]})
    with pytest.raises(
        ValueError,
        match=r"The 'zero_cost_filter' parameter of PredictorLocalSearch must be a float in the range \(0.0, 1.0\]",
    ):
        S.run("pls", benchmark="nb201", budget=2, params={"zero_cost_filter": 2.0})
    with pytest.raises(
        ValueError,
        match=r"The 'n_parents' parameter of PredictorLocalSearch must be an int in the range \[1, inf\)",
    ):
        S.run("pls", benchmark="nb201", budget=2, params={"n_parents": 0})


def test_deterministic_given_seed():
    a = S.run("pls", benchmark="nb201", budget=8, seed=5)
    b = S.run("pls", benchmark="nb201", budget=8, seed=5)
    assert list(a.arch) == list(b.arch)
    np.testing.assert_array_equal(a.value, b.value)


def test_a_zero_cost_column_that_copies_the_label_stops_the_search(zc):
    """The ensemble's first model checks its zero-cost columns against the labels each round
    (the other four, fitted on resamples of the same rows, skip that check): a column that
    is the label under a proxy's name is still refused."""
    from nasperf.errors import LabelLeakError

    table = zc.copy()
    labels = S.get_objective("nb201", "cifar10").table_values()
    table["synflow"] = labels.reindex(table.index).to_numpy()
    with pytest.raises(LabelLeakError, match=r"'synflow' \(\|Pearson r\| = 1\.0+: a copy of y\)"):
        S.run("pls", benchmark="nb201", budget=12, seed=0, zero_cost=table)


@pytest.fixture(scope="module")
def sampled():
    """A user's 300-row NB201 table (one unit per query) and its rows of the CIFAR-10
    zero-cost table."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", dataset="cifar10").sample(300, random_state=0)
    obj = S.TableObjective(table, "nb201", "val_acc_200ep")
    return obj, load_zero_cost("nb201", "cifar10").loc[table.index]


def test_a_warm_start_proxy_without_any_score_is_dropped_with_a_note(sampled):
    obj, zc = sampled
    opt = S.get("pls", n_init=3)
    h = S.run(opt, objective=obj, budget=3, seed=0, zero_cost=zc.assign(synflow=np.nan))
    assert opt.proxies_ == ("params",)
    assert (
        "zero-cost warm start: synflow has no score in the run's table (every value NaN); "
        "ranked by params alone"
    ) in h.attrs["notes"]
    top = zc["params"].sort_values(ascending=False, kind="stable").index[:3]
    assert h["arch"].tolist() == list(top)


def test_a_warm_start_without_any_score_is_random_with_a_note(sampled):
    """An all-NaN table had given a random start silently, still called a warm start."""
    obj, zc = sampled
    opt = S.get("pls", n_init=3)
    nan = zc.assign(synflow=np.nan, params=np.nan)
    h = S.run(opt, objective=obj, budget=3, seed=0, zero_cost=nan)
    assert opt.proxies_ == ()
    assert (
        "zero-cost warm start: synflow, params have no score in the run's table (every value "
        "NaN); the warm start is random"
    ) in h.attrs["notes"]
    random = S.run("pls", objective=obj, budget=3, seed=0, params={"warm_start": None})
    assert h["arch"].tolist() == random["arch"].tolist()


def test_a_warm_start_narrowed_by_missing_scores_says_so(sampled):
    obj, zc = sampled
    rank = _mean_rank(zc, ("synflow", "params")).sort_values(ascending=False, kind="stable")
    holes = zc.copy()
    holes.loc[rank.index[:5], "synflow"] = np.nan  # the five best by the proxies
    opt = S.get("pls", n_init=3)
    h = S.run(opt, objective=obj, budget=3, seed=0, zero_cost=holes)
    assert (
        "zero-cost warm start: 5 of the 300 architectures ranked lack a score of synflow or "
        "params (NaN) and are not among its picks; it chose among the other 295"
    ) in h.attrs["notes"]
    assert not set(h["arch"]) & set(rank.index[:5])
    # the others ranked as before: each proxy's percentile among the scores it has
    ranked = holes[["synflow", "params"]].rank(pct=True).mean(axis=1, skipna=False)
    expected = ranked.dropna().sort_values(ascending=False, kind="stable").index[:3]
    assert h["arch"].tolist() == list(expected)


def test_a_builder_that_raises_without_a_message_is_named_by_its_type():
    class Silent(LayerSpace):
        def build_network(self, arch, dataset="cifar10", **kwargs):
            raise NotImplementedError

    obj = S.TableObjective(
        layer_objective().table_values().to_frame("acc"), Silent(), "acc", validate=False
    )
    h = S.run("pls", objective=obj, budget=3, seed=0)
    (note,) = [n for n in h.attrs["notes"] if n.startswith("no zero-cost proxies")]
    assert note == (
        "no zero-cost proxies: space 'layers' has no network builder "
        "(build_network: NotImplementedError); the warm start is random"
    )
