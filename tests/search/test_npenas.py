"""NPENAS: parents, their mutations, the refitted predictor's choice, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf import search
from nasperf.datasets import load_benchmark, load_zero_cost
from nasperf.search import get_objective, run

from .helpers import context_for, layer_objective

FAST = {"predictor_params": {"n_estimators": 30}}


def test_generations_mutate_the_best_parents_and_query_the_predictors_top_children():
    obj = get_objective("nb201")
    space = obj.space
    # the paper's random start (this context has no zero-cost table to warm-start from)
    opt = search.get(
        "npenas", n_init=10, batch_size=5, n_parents=3, n_children=8, warm_start=None, **FAST
    )
    opt.setup(context_for(obj), np.random.default_rng(0))
    archs, values, models = [], [], []
    while len(archs) < 40:
        queries = opt.ask()
        if len(archs) >= 10:
            keys = [space.to_string(a) for a in archs]
            # parents: the 3 best queried so far
            parents = {space.to_string(p) for p in opt.parents_}
            vals = dict(zip(keys, values, strict=True))
            assert len(parents) == 3
            assert min(vals[k] for k in parents) >= max(
                v for k, v in vals.items() if k not in parents
            )
            # children: distinct, unqueried, one edit from a parent, at most 8 per parent (24)
            kids = [space.to_string(c) for c in opt.candidates_]
            assert len(set(kids)) == len(kids) and not set(kids) & set(keys)
            nbrs = {
                p: {space.to_string(n) for n in space.neighbors(space.parse(p))} for p in parents
            }
            assert all(any(k in nbrs[p] for p in parents) for k in kids)
            assert len(kids) <= 3 * 8
            if len(archs) == 10:  # no child queried yet: each parent has 8 of its 24
                assert len(kids) == 3 * 8
            # the predictor was refitted on everything queried, and its means pick the batch
            (model,) = opt.models_
            assert all(model is not m for m in models)
            models.append(model)
            assert model.fit_archs_ == keys
            np.testing.assert_allclose(opt.scores_, model.predict(opt.candidates_))
            top = np.argsort(-opt.scores_, kind="stable")[:5]
            assert [space.to_string(q.arch) for q in queries] == [kids[i] for i in top]
        else:
            assert len(queries) == 1  # random initial queries, one at a time
        v, _ = obj.evaluate([q.arch for q in queries])
        opt.tell(queries, v)
        archs += [q.arch for q in queries]
        values += list(v)
    assert len(models) == 6  # one refit per generation


def test_warm_start_queries_the_top_proxy_cells_first():
    """The first n_init queries are the best cells by the warm-start proxies (read from the
    packaged table, its ranking charged as if computed); warm_start=None is the paper's
    random start."""
    zc = load_zero_cost("nb201", "cifar10")
    h = run("npenas", budget=14, seed=0, params={**FAST, "warm_start": "params", "n_init": 8})
    top = np.sort(zc["params"].to_numpy())[::-1][:8]  # ties: any cells of the top values
    np.testing.assert_array_equal(zc.loc[h["arch"].iloc[:8], "params"].to_numpy(), top)
    assert h["arch"].is_unique and len(h) == 14
    per_arch = zc.attrs["settings"]["seconds_per_arch"]["params"]
    assert h["overhead_s"].iloc[:8].sum() >= len(zc) * per_arch
    # auto: synflow + params from the table, by their mean percentile rank
    auto = run("npenas", budget=10, seed=0, params=FAST)
    score = zc[["synflow", "params"]].rank(pct=True).mean(axis=1)
    assert score.loc[auto["arch"]].min() >= np.sort(score.to_numpy())[::-1][9] - 1e-12
    rand = run("npenas", budget=10, seed=0, params={**FAST, "warm_start": None})
    assert score.loc[rand["arch"]].mean() < score.loc[auto["arch"]].mean() - 0.2


def test_children_are_n_mutations_away_on_a_user_defined_space():
    obj = layer_objective()
    opt = search.get("npenas", n_init=6, batch_size=4, n_parents=2, n_mutations=2, **FAST)
    h = run(opt, benchmark=obj, budget=30, seed=1)
    assert h["arch"].is_unique and (h["fidelity"] == "27ep").all()
    parents = [p.ops for p in opt.parents_]
    for child in opt.candidates_:
        assert min(sum(a != b for a, b in zip(child.ops, p, strict=True)) for p in parents) <= 2
    # guided generations find better layers than the random start
    assert h["value"].iloc[6:].mean() > h["value"].iloc[:6].mean() + 3


def test_guided_picks_beat_random_on_nb201():
    table = load_benchmark("nb201", "cifar10")
    h = run("npenas", budget=50, seed=2, params=FAST)
    assert h["value"].iloc[10:].mean() > table["val_acc_200ep"].mean() + 5
    assert h["overhead_s"].iloc[10:].sum() > 0  # predictor fits are charged


@pytest.mark.parametrize(
    "params",
    [
        FAST,
        {**FAST, "acquisition": "its", "n_models": 3},
        {"predictor": "gp", "acquisition": "ucb"},
    ],
    ids=["np", "its-ensemble", "gp-ucb"],
)
def test_deterministic_given_seed(params):
    a = run("npenas", budget=25, seed=3, params=params)
    b = run("npenas", budget=25, seed=3, params=params)
    assert a["arch"].tolist() == b["arch"].tolist() and a["arch"].is_unique
    # the seed matters: with the random start always (with the warm start, whose queries
    # are the table's best cells, only where the predictor or acquisition draws)
    rand = {**params, "warm_start": None}
    a = run("npenas", budget=25, seed=3, params=rand)
    c = run("npenas", budget=25, seed=4, params=rand)
    assert a["arch"].tolist() != c["arch"].tolist()


def test_parents_grow_where_their_children_are_used_up(monkeypatch):
    """On a partial table (TransNAS-Bench-101 micro: 711 of 4,096 cells labelled, a few
    labelled neighbours each) the 5 best cells' unqueried children soon cannot fill a
    generation's batch: more parents are taken, so no generation falls back to a random
    cell (before: 8-22 of 60 queries, 5 seeds). Where the parents' children cannot fill a
    batch by design (n_parents * n_children < batch_size) they do not grow."""
    from nasperf.search.npenas import NPENAS

    sizes: list[int] = []
    randoms = {"n": 0}
    score, random_new = NPENAS._score, NPENAS.random_new

    def record(self, cands):
        sizes.append(len(cands))
        return score(self, cands)

    def count(self, *args, **kwargs):
        randoms["n"] += len(self.values_) >= self.n_init
        return random_new(self, *args, **kwargs)

    monkeypatch.setattr(NPENAS, "_score", record)
    monkeypatch.setattr(NPENAS, "random_new", count)
    h = run(
        "npenas", benchmark="tnb101_micro", dataset="class_scene", budget=60, seed=0, params=FAST
    )
    assert len(h) == 60 and h["arch"].is_unique
    assert len(sizes) == 5 and min(sizes) >= 10 and randoms["n"] == 0
    opt = search.get("npenas", n_parents=2, n_children=2, batch_size=10, **FAST)
    run(opt, budget=30, seed=0)
    assert len(opt.parents_) == 2 and len(opt.candidates_) == 4


def test_nb301_surrogate_objective():
    obj = get_objective("nb301")
    # a random start: a warm start would build 100 NB301 networks for its proxies (~30 s)
    params = {**FAST, "n_init": 6, "batch_size": 4, "n_parents": 2, "n_children": 5}
    params["warm_start"] = None
    h = run("npenas", benchmark=obj, budget=14, seed=0, params=params)
    assert h["arch"].is_unique and (h["fidelity"] == "98ep").all()
    space = obj.space
    earlier = set(h["arch"].iloc[:6])
    for text in h["arch"].iloc[6:10]:  # the first generation: neighbours of initial cells
        assert {space.to_string(n) for n in space.neighbors(space.parse(text))} & earlier


def test_bad_options_are_clear():
    with pytest.raises(
        ValueError,
        match=r"The 'n_children' parameter of NPENAS must be an int in the range \[1, inf\)",
    ):
        run("npenas", budget=2, params={"n_children": 0})
    with pytest.raises(
        ValueError, match="The 'acquisition' parameter of NPENAS must be a str among"
    ):
        run("npenas", budget=2, params={"acquisition": "pi"})


def test_zero_cost_features_are_charged_once_per_architecture():
    from nasperf.datasets import load_zero_cost

    zc = load_zero_cost("nb201", "cifar10").copy()
    zc.attrs["settings"] = {"seconds_per_arch": {p: 10.0 for p in zc.columns}}
    per_arch = 10.0 * len(zc.columns)
    # the random start: only the features are charged
    opt = search.get("npenas", n_init=10, batch_size=5, n_children=10, warm_start=None, **FAST)
    h = run(opt, budget=25, seed=0, zero_cost=zc)
    charged = opt.zero_cost_seen_[zc.columns[0]]
    # every queried architecture and every scored child, each once
    assert set(h["arch"]) <= charged and {opt.key(c) for c in opt.candidates_} <= charged
    assert len(charged) >= 10 + 5 * 10  # the random start and the first generation's children
    assert 0 <= h["overhead_s"].sum() - len(charged) * per_arch < 60  # the rest: wall time
    paper = {**FAST, "use_zero_cost": False, "warm_start": None}
    off = run("npenas", budget=25, seed=0, zero_cost=zc, params=paper)
    assert off["overhead_s"].sum() < 60
