"""A user's own objective (a live training run, no table): what the search loop checks of
it, what a failure keeps, and that continuing a run never trains the cheaper one again."""

from __future__ import annotations

import numpy as np
import pytest

import nasperf.search as S

from .helpers import LAYER_OPS, LayerSpace

WEIGHTS = np.arange(len(LAYER_OPS), dtype=float)


class Live(S.Objective):
    """Stands in for training: the value grows with each layer's operation index and with
    the epochs; each call is counted, and costs its epochs in seconds."""

    name = "live"
    fidelities = ("1ep", "3ep", "9ep")

    def __init__(self, *, continues: bool = False, fail_at: int | None = None, answer=None):
        self.space = LayerSpace()
        self.continues = continues
        self.fail_at = fail_at
        self.answer = answer
        self.calls: list[tuple[str, str]] = []

    def epochs(self, fidelity=None):
        return int(self.resolve(fidelity)[:-2])

    def evaluate(self, archs, fidelity=None):
        fid = self.resolve(fidelity)
        self.calls.append((self.space.to_string(archs[0]), fid))
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            raise RuntimeError("CUDA out of memory")
        if self.answer is not None:
            return self.answer
        epochs = self.epochs(fid)
        value = sum(WEIGHTS[LAYER_OPS.index(op)] for op in archs[0].ops) * epochs / 9
        return np.array([value]), np.array([float(epochs)])


def test_a_live_objective_is_searched_and_charged_what_it_reports():
    objective = Live()
    h = S.run("regularized_evolution", objective=objective, budget=12, seed=0)
    assert len(h) == 12 and not h["repeat"].any()
    assert len(objective.calls) == 12  # one training per paid query
    assert (h["train_cost_s"] == 9.0).all()  # full-fidelity queries, 9 "seconds" each
    assert h.attrs["optimum_value"] is None and h["regret"].isna().all()  # unknown optimum
    # ... and the history says why its regret column is empty (it had not)
    assert (
        "live does not know its optimum (Objective.optimum() is None): regret is NaN; "
        "compare best_value across methods and seeds instead"
    ) in h.attrs["notes"]
    again = S.run("regularized_evolution", objective=Live(), budget=12, seed=0)
    assert list(again["arch"]) == list(h["arch"])  # a seed gives the same queries


def test_continuing_a_run_charges_the_extra_epochs_and_never_retrains_the_cheaper_one():
    """Where fidelities continue one run, a query is charged its cost less the cost recorded
    for the cheaper fidelity: the loop had called evaluate at the cheaper fidelity again to
    learn it (a second training, for a live objective)."""
    objective = Live(continues=True)
    h = S.run("successive_halving", objective=objective, budget=30, seed=0)
    assert len(objective.calls) == len(h) - int(h["repeat"].sum())  # no training twice
    assert len(set(objective.calls)) == len(objective.calls)
    charged = h.set_index(["arch", "fidelity"])["train_cost_s"]
    promoted = [(a, f) for a, f in charged.index if f == "3ep" and (a, "1ep") in charged.index]
    assert promoted, "successive halving promotes some architectures"
    for arch, fid in promoted:
        assert charged[(arch, fid)] == 3.0 - 1.0


def test_a_failing_objective_names_the_query_and_keeps_the_history_before_it():
    objective = Live(fail_at=5)
    with pytest.raises(RuntimeError, match="^CUDA out of memory") as info:
        S.run("random_search", objective=objective, budget=12, seed=0)
    notes = getattr(info.value, "__notes__", [])
    assert any(
        n.startswith(
            f"while live evaluated {objective.calls[-1][0]!r} at fidelity '9ep' "
            "(query 5 of random_search); the 4 queries before it are in this "
            "exception's .history"
        )
        for n in notes
    ), notes
    history = info.value.history
    assert len(history) == 4 and list(history["arch"]) == [a for a, _ in objective.calls[:4]]
    assert history.attrs["optimizer"] == "random_search"


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        ((np.array([np.nan]), np.array([1.0])), ValueError, r"gave the value nan for "),
        ((np.array([np.inf]), np.array([1.0])), ValueError, r"gave the value inf for "),
        ((np.array([0.5]), np.array([-1.0])), ValueError, r"gave the cost -1\.0 for .* at least 0"),
        ((np.array([0.5]), np.array([np.nan])), ValueError, r"gave the cost nan for "),
        ((np.array(["0.5"]), np.array([1.0])), TypeError, r"must return \(values, costs\)"),
        (0.5, TypeError, r"must return \(values, costs\), two arrays of one real number"),
        ((np.array([]), np.array([])), TypeError, r"must return \(values, costs\)"),
        # a boolean is no value (it had been read as 1.0; TableObjective refuses it too)
        ((np.array([True]), np.array([1.0])), TypeError, r"\(booleans are not numbers\)"),
        ((np.array([0.5]), np.array([False])), TypeError, r"\(booleans are not numbers\)"),
        # TableObjective's bound: 2e200 had passed, then overflowed inside a predictor's fit
        (
            (np.array([2e200]), np.array([1.0])),
            ValueError,
            r"gave the value 2e\+200 for .* at fidelity '9ep': values must be at most 1e\+150",
        ),
        (
            (np.array([-3e150]), np.array([1.0])),
            ValueError,
            r"gave the value -3e\+150 for .* at most 1e\+150 in magnitude",
        ),
        ((np.array([0.5]), np.array([1e151])), ValueError, r"gave the cost 1e\+151 for "),
    ],
)
def test_what_an_objective_returns_is_checked(answer, error, message):
    """NaN values had been searched on silently (best value NaN throughout), a negative
    cost had made simulated time run backwards, a bare float failed as "'float' object is
    not subscriptable"."""
    with pytest.raises(error, match=rf"^objective live.*{message}"):
        S.run("random_search", objective=Live(answer=answer), budget=3, seed=0)


def test_a_value_out_of_bounds_names_the_query_and_keeps_the_history_before_it():
    class Big(Live):
        def evaluate(self, archs, fidelity=None):
            values, costs = super().evaluate(archs, fidelity)
            return (values + 1e200, costs) if len(self.calls) == 4 else (values, costs)

    objective = Big()
    with pytest.raises(ValueError, match=r"^objective live gave the value 1e\+200 for") as info:
        S.run("npenas", objective=objective, budget=20, seed=0, params={"warm_start": None})
    notes = info.value.__notes__
    assert any("(query 4 of npenas); the 3 queries before it" in n for n in notes), notes
    assert len(info.value.history) == 3 and len(objective.calls) == 4


class Unnamed(S.Objective):
    """The docs' minimal objective: space, fidelities and evaluate; no name."""

    fidelities = ("full",)
    cost_unit = "query"
    maximize = False
    value_name = "-loss"

    def __init__(self):
        self.space = LayerSpace()

    def evaluate(self, archs, fidelity=None):
        return np.array([-archs[0].ops.count("skip") / 10]), np.array([1.0])


def test_an_objective_without_a_name_is_named_by_its_class_everywhere():
    """Notes had begun with an empty name (" has no recorded training cost") and
    attrs["benchmark"] was ""."""
    h = S.run("random_search", objective=Unnamed(), budget=3, seed=0)
    assert h.attrs["benchmark"] == "Unnamed"
    assert h.attrs["notes"] == [
        "Unnamed minimises loss: the values searched and reported are -loss",
        "Unnamed has no recorded training cost: every query costs 1 unit and simulated time "
        "counts queries (seconds the notes say were charged, e.g. for zero-cost proxies, are "
        "not in it)",
        "Unnamed does not know its optimum (Objective.optimum() is None): regret is NaN; "
        "compare best_value across methods and seeds instead",
    ]
    with pytest.raises(ValueError, match=r"^Unnamed: unknown fidelity '3ep'; available: full$"):
        Unnamed().resolve("3ep")
    assert S.objective_label(Live()) == "live"


def test_what_the_loop_reads_of_an_objective_is_checked_first():
    class NoSpace(Live):
        def __init__(self):
            super().__init__()
            del self.space

    with pytest.raises(TypeError, match=r"^objective NoSpace: \.space must be a SearchSpace"):
        S.run("random_search", objective=NoSpace(), budget=3, seed=0)

    class NoFidelities(Live):
        fidelities = ()

    with pytest.raises(TypeError, match=r"^objective NoFidelities: \.fidelities must be a tuple"):
        S.run("random_search", objective=NoFidelities(), budget=3, seed=0)

    class Minutes(Live):
        cost_unit = "min"

    with pytest.raises(ValueError, match=r"^objective Minutes: \.cost_unit must be 's'"):
        S.run("random_search", objective=Minutes(), budget=3, seed=0)
