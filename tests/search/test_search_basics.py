"""The simulated search loop, the objectives and the baseline optimizers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from nasperf import search
from nasperf.datasets import load_benchmark
from nasperf.search import HISTORY_COLUMNS, TableObjective, get_objective, run
from tests.spaces.custom_space_example import CHAIN_OPS, ChainSpace


@pytest.fixture(scope="module")
def nb201():
    return load_benchmark("nb201", "cifar10")


def test_nb201_objective_reads_the_table_and_charges_train_time(nb201):
    obj = get_objective("nb201", "cifar10")
    assert obj.fidelities == ("12ep", "200ep") and obj.epochs("12ep") == 12
    archs = list(nb201.index[:3])
    v, c = obj.evaluate(archs)
    np.testing.assert_allclose(v, nb201["val_acc_200ep"].iloc[:3])
    np.testing.assert_allclose(c, nb201["train_time_s"].iloc[:3])
    v12, c12 = obj.evaluate(archs, "12ep")
    np.testing.assert_allclose(v12, nb201["val_acc_12ep"].iloc[:3])
    np.testing.assert_allclose(c12, nb201["train_time_s"].iloc[:3] * 12 / 200)
    (best,), value = obj.optimum()  # one architecture at the best value
    assert value == nb201["val_acc_200ep"].max() and nb201.loc[best, "val_acc_200ep"] == value
    with pytest.raises(ValueError, match="unknown fidelity '5ep'"):
        obj.evaluate(archs, "5ep")


def test_history_is_consistent(nb201):
    h = run("random_search", budget=50, seed=3)
    assert list(h.columns) == list(HISTORY_COLUMNS) and len(h) == 50
    assert h["query"].tolist() == list(range(1, 51))
    np.testing.assert_allclose(h["value"], nb201.loc[h["arch"], "val_acc_200ep"])
    assert (np.diff(h["best_value"]) >= 0).all() and (h["regret"] >= 0).all()
    assert (np.diff(h["sim_time_s"]) > 0).all()
    # simulated time = training costs + measured optimizer overhead
    total = h["train_cost_s"].sum() + h["overhead_s"].sum()
    assert h["sim_time_s"].iloc[-1] == pytest.approx(total)
    assert h["best_value"].iloc[-1] == h["value"].max()
    assert h.attrs["optimum_value"] - h["best_value"].iloc[-1] == pytest.approx(
        h["regret"].iloc[-1]
    )


@pytest.mark.parametrize("name", ["random_search", "regularized_evolution", "local_search"])
def test_deterministic_given_seed(name):
    a, b = run(name, budget=80, seed=5), run(name, budget=80, seed=5)
    assert a["arch"].tolist() == b["arch"].tolist()
    assert run(name, budget=80, seed=6)["arch"].tolist() != a["arch"].tolist()


def test_random_search_does_not_repeat():
    h = run("random_search", budget=400, seed=0)
    assert h["arch"].is_unique


def test_regularized_evolution_mutates_population_members():
    from nasperf.spaces import get_space

    space = get_space("nb201")
    h = run("regularized_evolution", params={"population_size": 20, "sample_size": 5}, budget=60)
    earlier = set(h["arch"].iloc[:20])
    for arch in h["arch"].iloc[20:]:
        parents = {space.to_string(n) for n in space.neighbors(space.parse(arch))}
        assert parents & earlier, arch  # one edit away from an earlier (population) member
        earlier.add(arch)


def test_regularized_evolution_within_its_population_says_it_is_random_search():
    # at budget 30 (population 50) it queried exactly random search's architectures, so its
    # regret line hid random search's and a "speedup vs regularized_evolution" was one
    # against random sampling, without a word
    re_, rs = (
        run("regularized_evolution", budget=30, seed=2),
        run("random_search", budget=30, seed=2),
    )
    assert re_["arch"].tolist() == rs["arch"].tolist()
    assert re_.attrs["notes"] == [
        "regularized_evolution: budget 30 <= population_size 50: every query is of its random "
        "initial population (random search); a comparison with it is one with random sampling"
    ]
    small = run("re", params={"population_size": 20, "sample_size": 5}, budget=20, seed=2)
    assert small.attrs["notes"][0].startswith(
        "regularized_evolution: budget 20 <= population_size 20:"
    )
    # one query past the population is a mutation: no note
    evolved = run("re", params={"population_size": 20, "sample_size": 5}, budget=21, seed=2)
    assert evolved.attrs["notes"] == []


def test_user_space_and_table_and_local_search_reaches_the_optimum():
    space = ChainSpace()
    archs = ["-".join(ops) for ops in itertools.product(CHAIN_OPS, repeat=3)]
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"acc": rng.uniform(50, 90, len(archs))}, index=archs)
    obj = TableObjective(table, space, {"full": "acc"}, cost_column=None, name="chain")
    h = run("local_search", benchmark=obj, budget=27, seed=0, params={"n_init": 3})
    assert h["arch"].is_unique
    assert h["regret"].iloc[-1] == 0.0  # 27 queries cover the 27 architectures
    # no cost column: every query costs one unit, simulated time counts queries
    assert (h["train_cost_s"] == 1.0).all() and h["sim_time_s"].tolist() == list(range(1, 28))
    assert h.attrs["cost_unit"] == "query" and "every query costs 1 unit" in h.attrs["notes"][0]
    # seconds another note says were charged (proxies) are not in a time that counts queries
    assert "seconds the notes say were charged" in h.attrs["notes"][0]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="did you mean 'random_search'"):
        search.get("random_serch")
    with pytest.raises(ValueError, match="unexpected keyword"):
        search.get("random_search", population=3)
    with pytest.raises(ValueError, match="budget must be a positive"):
        run("random_search", budget=0)
    with pytest.raises(ValueError, match="does not match the objective's space"):
        run("random_search", space="nb101", objective="nb201", budget=3)
    # nb101 has a registered benchmark (NAS-Bench-Suite-Zero's 50 cells): a space alone finds it
    assert len(run("random_search", space="nb101", budget=3, seed=0)) == 3
    with pytest.raises(ValueError, match="objective= or benchmark="):
        run("random_search", objective="nb201", benchmark="nb201", budget=3)
    with pytest.raises(ValueError, match="unknown search benchmark"):
        run("random_search", benchmark="nb999", budget=3)


def test_nb301_surrogate_objective():
    obj = get_objective("nb301")
    assert obj.fidelities[0] == "1ep" and obj.full == "98ep"
    h = run(
        "regularized_evolution",
        benchmark=obj,
        budget=12,
        seed=0,
        params={"population_size": 5, "sample_size": 2},
    )
    arch = obj.space.parse(h["arch"].iloc[0])
    expect = obj.source.surrogate.predict_curve(arch, [98])
    assert h["value"].iloc[0] == pytest.approx(expect["val_accuracy"].iloc[0])
    assert h["train_cost_s"].iloc[0] == pytest.approx(expect["runtime"].iloc[0])
    assert h["regret"].isna().all()  # the surrogate's optimum is unknown


def test_run_predictor_is_the_optimizers_own_setting():
    # run(predictor=...) had gone only to the search's context: predictor_params were
    # checked against the optimizer's default xgb (gp's nu refused, xgb's max_depth passed
    # and failed mid-search), ignored for an instance, and the history named xgb
    from sklearn.utils._param_validation import InvalidParameterError

    from nasperf.predictors import get

    table = load_benchmark("nb201", "cifar10").iloc[:60]
    obj = TableObjective(table, "nb201", "val_acc_200ep", cost_column=None)
    kw = {"objective": obj, "budget": 8, "seed": 0}
    for method in ("bananas", "pls"):
        h = run(method, predictor="gp", params={"predictor_params": {"nu": 1.5}, "n_init": 5}, **kw)
        assert h.attrs["params"]["predictor"] == "gp" and len(h) == 8
    with pytest.raises(
        InvalidParameterError, match=r"predictor 'gp' has no parameter\(s\) \['max_depth'\]"
    ):
        run("bananas", predictor="gp", params={"predictor_params": {"max_depth": 3}}, **kw)
    with pytest.raises(
        InvalidParameterError, match=r"must be None when 'predictor' is an instance"
    ):
        run("bananas", predictor=get("gp"), params={"predictor_params": {"nu": 1.5}}, **kw)
    with pytest.raises(ValueError, match=r"give the predictor once"):
        run("bananas", predictor="gp", params={"predictor": "xgb"}, **kw)
    # an optimizer instance is copied, not changed
    opt = search.get("bananas", n_init=5)
    h = run(opt, predictor="gp", **kw)
    assert h.attrs["params"]["predictor"] == "gp" and opt.predictor == "xgb"


def test_a_users_predictor_without_its_std_and_an_unregistered_space_in_a_study(tmp_path):
    from nasperf.predictors import PREDICTORS
    from nasperf.search.study import search_trials

    class ClaimsStd(PREDICTORS.get("xgb")):
        has_uncertainty = True  # but no _predict_std: the error had been empty

    with pytest.raises(
        NotImplementedError,
        match=r"ClaimsStd has has_uncertainty = True but "
        r"does not implement _predict_std",
    ):
        ClaimsStd()._predict_std(np.zeros((1, 2)))
    table = tmp_path / "t.csv"
    table.write_text("arch,val_acc\n")
    with pytest.raises(
        TypeError,
        match=r"space: a search study stores its trials by the "
        r"space's name, got ChainSpace; register the space",
    ):
        search_trials(["rs"], seeds=1, budget=5, data=table, target="val_acc", space=ChainSpace())


def test_the_warm_starts_proxy_bar_shows_only_when_asked(tmp_path, monkeypatch, capsys):
    # nasperf search --no-progress had still drawn the proxy pool's bar (minutes of redraws
    # on a large user space): the bar follows run(progress=...)
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path))
    archs = ["-".join(ops) for ops in itertools.product(CHAIN_OPS, repeat=3)]
    table = pd.DataFrame({"acc": np.linspace(50, 90, len(archs))}, index=archs)
    obj = TableObjective(table, ChainSpace(), "acc", cost_column=None)
    for progress in (False, True):
        monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / str(progress)))  # computed anew
        capsys.readouterr()
        h = run("pls", objective=obj, budget=6, seed=0, progress=progress)
        err = capsys.readouterr().err
        assert any("computed on a pool" in n for n in h.attrs["notes"])
        assert ("proxies:" in err) is progress, err[-300:]


#: Columns of a history that read the clock (measured overhead, wall time) and differ
#: between any two runs; every other column is computed from the queries alone.
_CLOCKED = ["overhead_s", "sim_time_s", "wall_time_s"]


@pytest.mark.parametrize("name", search.available())
def test_progress_shows_every_optimizer_s_queries_and_changes_no_history(name, capsys):
    # a single search showed no sign of life between its first and last query: every
    # optimizer's queries pass the run loop, whose bar counts the paid ones of the budget
    budget = 12
    quiet = run(name, budget=budget, seed=2)
    assert capsys.readouterr().err == ""
    shown = run(name, budget=budget, seed=2, progress=True)
    err = capsys.readouterr().err
    pd.testing.assert_frame_equal(shown.drop(columns=_CLOCKED), quiet.drop(columns=_CLOCKED))
    assert shown.attrs["notes"] == quiet.attrs["notes"]
    paid = int(shown["query"].iloc[-1])  # distinct paid queries: repeats are not counted
    last = err.rstrip("\n").split("\r")[-1]  # the bar as it was left
    assert last.startswith(f"{name}: ") and f" {paid}/{budget} [" in last, last
    best = shown["best_value"].iloc[-1]  # NaN: no full-fidelity query yet, no postfix
    assert (f", best val_acc_200ep={best:.4g}]" in last) is bool(np.isfinite(best)), last


def test_the_bar_of_queries_ends_with_a_search_that_fails(capsys):
    # closed however the search ends: an error after 3 paid queries leaves 3/10 on screen
    class Fails(TableObjective):
        def evaluate(self, archs, fidelity=None):
            self.calls = getattr(self, "calls", 0) + 1
            if self.calls > 3:
                raise RuntimeError("the cluster went down")
            return super().evaluate(archs, fidelity)

    obj = Fails(load_benchmark("nb201", "cifar10"), "nb201", "val_acc_200ep")
    with pytest.raises(RuntimeError, match="cluster went down") as info:
        run("rs", objective=obj, budget=10, seed=0, progress=True)
    assert len(info.value.history) == 3
    last = capsys.readouterr().err.rstrip("\n").split("\r")[-1]
    assert " 3/10 [" in last, last


def test_a_time_budget_ending_within_the_population_is_said():
    """A time budget may end regularized evolution before its population is full, which
    setup cannot know: the notes said nothing (a budget of queries had been said)."""
    h = run("regularized_evolution", budget=100, time_budget=20_000, seed=0)
    assert len(h) <= 50 and h["sim_time_s"].iloc[-2] < 20_000 <= h["sim_time_s"].iloc[-1]
    assert h.attrs["notes"] == [
        f"regularized_evolution: the run ended after {len(h)} queries, no more than "
        "population_size 50: every query was of its random initial population (random "
        "search); a comparison with it is one with random sampling"
    ]
    # a time budget that lets evolution start: nothing to say
    assert run("re", budget=60, time_budget=10**7, seed=0).attrs["notes"] == []
