"""A table of one row per network on a space whose values include inactive choices
(``distinct_key`` = ``hash``, ``size`` counting networks, as docs/custom_space.md says):
the table answers every value of a network it holds, searches see those values as labelled
and never pay twice for one network."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from nasperf.errors import InvalidArchitectureError
from nasperf.search import Optimizer, Query, TableObjective, run
from nasperf.search.run import labelled_neighbour_share
from nasperf.spaces import CellGraph, SearchSpace

OPS = ("x", "y", "z")


@dataclass(frozen=True, slots=True)
class Slots:
    """A depth (1-3) and 3 operation slots; slots past the depth are inactive."""

    depth: int
    ops: tuple[str, str, str]


class InactiveSlots(SearchSpace[Slots]):
    """81 values, 3 + 9 + 27 = 39 networks: two values that differ only in inactive slots
    are one network (``hash`` = the active part), as a hierarchical user space is."""

    name = "inactive_slots"
    ops = OPS
    arch_type = Slots

    def parse(self, text: str) -> Slots:
        d, _, ops = text.partition(":")
        if d not in ("1", "2", "3") or len(ops) != 3 or set(ops) - set(OPS):
            raise InvalidArchitectureError("text", text, "expected 'd:xyz'", space=self.name)
        return Slots(int(d), tuple(ops))

    def to_string(self, arch: Slots) -> str:
        return f"{arch.depth}:{''.join(arch.ops)}"

    def hash(self, arch: Slots) -> str:
        arch = self.coerce(arch)
        return f"{arch.depth}:{''.join(arch.ops[: arch.depth])}"

    def distinct_key(self, arch: Slots) -> str:
        return self.hash(arch)

    def cells(self, arch: Slots) -> tuple[CellGraph, ...]:
        ops = ("input", *arch.ops[: arch.depth], "output")
        n = len(ops)
        adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
        return (CellGraph(adjacency=adj, ops=ops),)

    def build_network(self, arch: Slots, dataset: str = "cifar10", **kwargs):
        raise NotImplementedError("no networks: the searches here are warm-started at random")

    def random_architecture(self, rng: np.random.Generator) -> Slots:
        return Slots(int(rng.integers(1, 4)), tuple(OPS[i] for i in rng.integers(3, size=3)))

    def neighbors(self, arch: Slots) -> list[Slots]:
        out = [Slots(d, arch.ops) for d in (1, 2, 3) if d != arch.depth]
        for k in range(arch.depth):  # active slots only
            for op in OPS:
                if op != arch.ops[k]:
                    out.append(Slots(arch.depth, arch.ops[:k] + (op,) + arch.ops[k + 1 :]))
        return out

    @property
    def size(self) -> int:
        return 39

    def enumerate(self):
        for d in (1, 2, 3):
            for act in itertools.product(OPS, repeat=d):
                yield Slots(d, tuple(act) + ("x",) * (3 - d))


SPACE = InactiveSlots()
#: One text per network (the first 30 of the enumeration), its inactive slots set as a
#: user's sampler left them: "z" at depth 1, "y" at depth 2.
TEXTS = [
    SPACE.to_string(
        Slots(a.depth, a.ops[: a.depth] + ("z" if a.depth == 1 else "y",) * (3 - a.depth))
    )
    for a in itertools.islice(SPACE.enumerate(), 30)
]


def _value(text: str) -> float:
    """A label of the network: distinct for every network (a base-4 number of its slots)."""
    a = SPACE.parse(text)
    return float(
        a.depth * 100 + sum((OPS.index(o) + 1) * 4**k for k, o in enumerate(a.ops[: a.depth]))
    )


def _objective(texts=TEXTS, **kwargs) -> TableObjective:
    table = pd.DataFrame({"acc": [_value(t) for t in texts]}, index=texts)
    return TableObjective(table, SPACE, "acc", **kwargs)


def test_a_table_of_one_row_per_network_answers_every_value_of_it():
    obj = _objective()
    assert SPACE.counts_networks and obj.one_result_per_network and obj.n_networks == 30
    # "1:xyx" is the table's "1:xzz" (slots 2 and 3 inactive); "2:yzz" its "2:yzy"
    values, costs = obj.evaluate(["1:xyx", SPACE.parse("2:yzz"), "1:xzz"])
    assert values.tolist() == [_value("1:xzz"), _value("2:yzy"), _value("1:xzz")]
    assert costs.tolist() == [1.0, 1.0, 1.0]
    assert obj.network_rows()[SPACE.hash("2:yzx")] == TEXTS.index("2:yzy")
    # a network the table does not hold is not in it, under any text
    missing = SPACE.to_string(list(SPACE.enumerate())[35])
    with pytest.raises(KeyError, match=f"architecture not in the table: {missing}"):
        obj.evaluate([missing])


def test_rows_of_one_network_that_differ_are_each_their_own_run():
    """The documented rule kept: replicates or conflicting results of one network stored as
    rows of their own make every row its own run, looked up by its text only."""
    texts = [*TEXTS, "1:xyy"]  # a second row of the network "1:x", with another value
    table = pd.DataFrame({"acc": [_value(t) for t in TEXTS] + [-1.0]}, index=texts)
    obj = TableObjective(table, SPACE, "acc")
    assert not obj.one_result_per_network
    assert obj.evaluate(["1:xzz", "1:xyy"])[0].tolist() == [_value("1:xzz"), -1.0]
    with pytest.raises(KeyError, match="not in the table: 1:xxx"):
        obj.evaluate(["1:xxx"])  # which of the two runs? neither is said to be it
    # equal rows of one network are one result, as before
    same = pd.DataFrame({"acc": [_value(t) for t in TEXTS] + [_value("1:xzz")]}, index=texts)
    shared = TableObjective(same, SPACE, "acc")
    assert shared.one_result_per_network and shared.n_networks == 30
    assert shared.evaluate(["1:xxx"])[0].tolist() == [_value("1:xzz")]
    # or as the user says
    assert not _objective(one_result_per_network=False).one_result_per_network
    with pytest.raises(KeyError, match="not in the table: 1:xyz"):
        _objective(one_result_per_network=False).evaluate(["1:xyz"])


class _Plan(Optimizer):
    """Asks for a fixed list of architecture texts, one a step."""

    name = "plan"

    def __init__(self, *, plan=()) -> None:
        self.plan = plan

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.todo_ = list(self.plan)
        self.labelled_ = [self.space_.labelled(self.space_.parse(t)) for t in self.plan]

    def ask(self):
        return [Query(self.space_.parse(self.todo_.pop(0)))]


def test_a_search_pays_once_per_network_whatever_text_it_asks():
    obj = _objective()
    opt = _Plan(plan=["2:yzy", "2:yzz", "1:xyz", "3:zzz"])
    h = run(opt, objective=obj, budget=2, seed=0)
    # "2:yzz" is the network just paid for: a free repeat with its value
    assert h.arch.tolist() == ["2:yzy", "2:yzz", "1:xyz"]
    assert h.repeat.tolist() == [False, True, False]
    assert h["query"].tolist() == [1, 1, 2] and h.train_cost_s.tolist() == [1.0, 0.0, 1.0]
    assert h.value.tolist() == [_value("2:yzy"), _value("2:yzy"), _value("1:xzz")]
    # the optimizer's view of the partial table: labelled under any text of a network held
    assert opt.labelled_ == [True, True, True, False]
    assert any("answered with its row" in n for n in h.attrs["notes"])


def test_neighbours_are_labelled_by_network():
    texts = TEXTS[::5]  # a sparse table: 6 networks
    obj = _objective(texts)
    # by hand: the share of the table's architectures with a neighbour whose network the
    # table holds (4 of 6), against the share with one whose text it holds (2 of 6: depth
    # moves keep the inactive slots, "1:xzz" -> "2:xzz", which the table holds as "2:xzy")
    nets = {SPACE.hash(t) for t in texts}
    hoods = [SPACE.neighbors(SPACE.parse(t)) for t in texts]
    by_hand = np.mean([any(SPACE.hash(b) in nets for b in hood) for hood in hoods])
    by_text = np.mean([any(SPACE.to_string(b) in texts for b in hood) for hood in hoods])
    assert (by_hand, by_text) == (4 / 6, 2 / 6)
    assert labelled_neighbour_share(obj) == by_hand
    assert labelled_neighbour_share(_objective(texts, one_result_per_network=False)) == by_text


@pytest.mark.parametrize("name", ["local_search", "regularized_evolution", "random_search"])
def test_searches_query_each_network_once_and_find_tied_optima(name):
    # two networks tied at the best value, one of them reached only under other texts
    top = ["3:zzz", "3:zzy"]
    texts = [*TEXTS, *top]
    values = [_value(t) for t in TEXTS] + [1e3, 1e3]
    obj = TableObjective(pd.DataFrame({"acc": values}, index=texts), SPACE, "acc")
    assert obj.optimum() == (tuple(top), 1e3)
    params = {"population_size": 5, "sample_size": 2} if name == "regularized_evolution" else None
    h = run(name, objective=obj, budget=32, seed=1, params=params, stop_at_optimum=True)
    paid = h[~h.repeat]
    networks = [SPACE.hash(a) for a in paid.arch]
    assert len(set(networks)) == len(networks)  # never paid twice for one network
    rows = obj.network_rows()
    np.testing.assert_array_equal(h.value, [values[rows[SPACE.hash(a)]] for a in h.arch])
    assert h.best_value.iloc[-1] == 1e3 and h.regret.iloc[-1] == 0.0
    assert "stopped: found the optimum" in h.attrs["notes"][-1]
