"""Where the search loop stops: a time budget and ``stop_at_optimum`` within a batch, and
what an exception raised by the optimizer keeps (the queries paid before it)."""

from __future__ import annotations

import numpy as np
import pytest

import nasperf
from nasperf import search
from nasperf.predictors import PREDICTORS

from .helpers import layer_objective


@pytest.fixture(scope="module")
def table():
    return nasperf.load_benchmark("nb201", dataset="cifar10").sample(300, random_state=0)


@pytest.fixture(scope="module")
def per_query(table):
    """No cost column: every query costs one unit and overhead is not added, so simulated
    time counts queries exactly."""
    return search.TableObjective(table, "nb201", "val_acc_200ep")


def test_a_time_budget_stops_within_a_batch(per_query):
    """random_search asks for 10 at a time: with time_budget=3 it had paid all 10 (7 of
    them started after the time ran out, and counted toward the best)."""
    h = search.run(
        "random_search",
        objective=per_query,
        budget=50,
        time_budget=3,
        seed=0,
        params={"batch_size": 10},
    )
    assert h["sim_time_s"].tolist() == [1.0, 2.0, 3.0]
    started = h["sim_time_s"] - h["train_cost_s"]
    assert started.iloc[-1] < 3
    # the same first three queries as without a time budget
    free = search.run(
        "random_search", objective=per_query, budget=10, seed=0, params={"batch_size": 10}
    )
    assert h["arch"].tolist() == free["arch"].tolist()[:3]


def test_a_partial_batch_tells_the_optimizer_only_what_was_paid(per_query):
    opt = search.get("npenas", n_init=2, warm_start=None, predictor_params={"n_estimators": 20})
    h = search.run(opt, objective=per_query, budget=40, time_budget=7, seed=0)
    # two random queries, then a generation of 10 of which 5 start before the time is up
    assert len(h) == 7 and h["sim_time_s"].iloc[-1] == 7.0
    assert [opt.key(a) for a in opt.archs_] == h["arch"].tolist()
    np.testing.assert_array_equal(opt.values_, h["value"].to_numpy())


def test_a_time_budget_in_seconds_lets_only_the_query_in_training_run_past_it():
    obj = layer_objective()  # 100 s per full query
    h = search.run("npenas", objective=obj, budget=60, time_budget=1_250, seed=0)
    started = h["sim_time_s"] - h["train_cost_s"]
    assert (started < 1_250).all() and h["sim_time_s"].iloc[-1] >= 1_250
    assert h["sim_time_s"].iloc[-2] < 1_250


def test_stop_at_optimum_stops_within_a_batch_and_names_the_query(per_query):
    """npenas (batches of 10) had found the optimum at query 21, paid to 30 and noted 30."""
    h = search.run(
        "random_search",
        objective=per_query,
        budget=300,
        seed=1,
        stop_at_optimum=True,
        params={"batch_size": 10},
    )
    first = int(h["query"].iloc[np.flatnonzero(h["regret"].to_numpy() == 0)[0]])
    assert first % 10 != 0  # found inside a batch
    assert len(h) == first and h["regret"].iloc[-1] == 0
    assert f"stopped: found the optimum at query {first}" in h.attrs["notes"]


def test_stop_at_optimum_on_nb201_with_npenas():
    h = search.run("npenas", benchmark="nb201", budget=60, seed=0, stop_at_optimum=True)
    first = int(h["query"].iloc[np.flatnonzero(h["regret"].to_numpy() == 0)[0]])
    assert len(h) == first == 21
    assert [n for n in h.attrs["notes"] if n.startswith("stopped")] == [
        "stopped: found the optimum at query 21"
    ]


class _Failing(PREDICTORS.get("xgb")):
    """xgb whose fit fails, as a user's predictor might."""

    def fit(self, archs, y, **side):
        raise RuntimeError("fit failed")


def test_an_error_in_ask_keeps_the_paid_queries():
    obj = layer_objective()
    opt = search.get("npenas", predictor=_Failing(), n_init=3, warm_start=None)
    with pytest.raises(RuntimeError, match="^fit failed\n") as info:
        search.run(opt, objective=obj, budget=20, seed=0)
    assert len(info.value.history) == 3
    assert info.value.history.attrs["optimizer"] == "npenas"
    assert (
        "while npenas chose its next queries (ask), after 3 queries paid of layers; the 3 "
        "queries so far are in this exception's .history"
    ) in info.value.__notes__


class _Interrupted(search.Optimizer):
    """Ctrl-C while it is told its third batch."""

    name = "interrupted"

    def setup(self, context, rng):
        super().setup(context, rng)
        self.told_ = 0

    def ask(self):
        return self.propose([self.random_new(), self.random_new()])

    def tell(self, queries, values):
        self.told_ += 1
        if self.told_ == 3:
            raise KeyboardInterrupt


def test_an_interrupt_in_tell_keeps_the_paid_queries():
    with pytest.raises(KeyboardInterrupt) as info:
        search.run(_Interrupted(), objective=layer_objective(), budget=20, seed=0)
    history = info.value.history
    assert len(history) == 6 and history["query"].tolist() == [1, 2, 3, 4, 5, 6]
    assert any("interrupted was told its queries' values (tell)" in n for n in info.value.__notes__)


class _Bare(search.Optimizer):
    """Returns architectures instead of queries."""

    name = "bare"

    def ask(self):
        return [self.random_new()]


def test_an_ask_that_returns_bare_architectures_is_named():
    with pytest.raises(
        TypeError,
        match=r"^optimizer 'bare': ask\(\) must return a list of nasperf\.search\.Query "
        r"\(e\.g\. self\.propose\(\[arch\]\) or \[Query\(arch\)\]\), got a LayerArch",
    ) as info:
        search.run(_Bare(), objective=layer_objective(), budget=5, seed=0)
    assert len(info.value.history) == 0
