"""A user's space that breaks the SearchSpace contract gets one error naming the space, the
attribute or method (``ops``, ``cells()``, ``name``) and the offending field, where it is
cheapest: a CellGraph when it is made, the operation names once per space, the cell count in
``graph_batch``, the name at registration; ``sample`` never lists a huge space."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

import nasperf
from nasperf import encodings
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import SPACES, CellGraph, SearchSpace, SpaceDefinitionError


def _chain_adjacency(n: int) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))


def make_chain(name: str, ops: tuple[str, ...], layers: int = 3) -> type[SearchSpace]:
    """A chain of ``layers`` operations (text ``"a|b|c"``), not registered."""

    @dataclass(frozen=True, slots=True)
    class Arch:
        ops: tuple[str, ...]

    class Chain(SearchSpace):
        arch_type = Arch
        max_nodes = layers + 2

        def parse(self, text):
            return Arch(tuple(text.split("|")))

        def to_string(self, arch):
            return "|".join(arch.ops)

        def cells(self, arch):
            adj = _chain_adjacency(layers + 2)
            return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

        def random_architecture(self, rng):
            return Arch(tuple(self.ops[i] for i in rng.integers(len(self.ops), size=layers)))

        def neighbors(self, arch):
            return []

        @property
        def size(self):
            return len(self.ops) ** layers

        def enumerate(self):
            return (Arch(o) for o in itertools.product(self.ops, repeat=layers))

        def build_network(self, arch, dataset="cifar10", **kwargs):
            raise NotImplementedError("no networks")

    Chain.name = name
    Chain.ops = ops
    Chain.__qualname__ = Chain.__name__ = f"Chain_{name}"
    return Chain


@pytest.fixture
def registry(monkeypatch):
    """SPACES as it is, restored after the test: spaces registered here do not outlive it
    (tests elsewhere build every registered space)."""
    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))
    return SPACES


# ----------------------------------------------------------------------- CellGraph itself
GOOD_OPS = ("input", "a", "b", "output")


@pytest.mark.parametrize(
    ("adjacency", "ops", "field", "reason"),
    [
        (_chain_adjacency(4)[:-1], GOOD_OPS, "CellGraph.adjacency", "has 3 rows for 4 ops"),
        (
            ((0, 1, 0, 0), (0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)),
            GOOD_OPS,
            "CellGraph.adjacency[1]",
            "has 3 entries for 4 ops",
        ),
        (
            ((0, 2, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0)),
            GOOD_OPS,
            "CellGraph.adjacency[0][1]",
            "must be 0 or 1",
        ),
        (
            ((0, 1, 0, 0), (0, 0, 1, 0), (0, 1, 0, 1), (0, 0, 0, 0)),
            GOOD_OPS,
            "CellGraph.adjacency[2][1]",
            "edge 2 -> 1 points backwards.*strictly upper triangular",
        ),
        (
            ((0, 1, 0, 0), (0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0)),
            GOOD_OPS,
            "CellGraph.adjacency[1][1]",
            "edge 1 -> 1 is a self-loop",
        ),
        (_chain_adjacency(4), ("a", "input", "b", "output"), "CellGraph.ops[0]", "an input"),
        (_chain_adjacency(4), ("input", "a", "b", "c"), "CellGraph.ops[3]", "'output'"),
        (
            _chain_adjacency(4),
            ("input", "a", "input_norm", "output"),
            "CellGraph.ops[2]",
            "mark a cell's inputs, which come first",
        ),
        (
            _chain_adjacency(4),
            ("input", "output", "a", "output"),
            "CellGraph.ops[1]",
            "only the last node may be labelled 'output'",
        ),
        (_chain_adjacency(4), ("input", 3, "a", "output"), "CellGraph.ops[1]", "strings"),
    ],
)
def test_a_cell_graph_that_breaks_its_contract_is_refused_naming_the_field(
    adjacency, ops, field, reason
):
    with pytest.raises(SpaceDefinitionError, match=reason) as err:
        CellGraph(adjacency=adjacency, ops=ops)
    assert err.value.field == field and err.value.space is None
    assert str(err.value).startswith(f"invalid {field} = ")
    # not an InvalidArchitectureError: code that skips bad architectures must not skip it
    assert isinstance(err.value, ValueError)
    assert not isinstance(err.value, InvalidArchitectureError)


def test_valid_cell_graphs_pass_and_pruning_keeps_them_valid():
    # several inputs first (DARTS-style), a node no input reaches
    adj = ((0, 0, 1, 0, 0), (0, 0, 0, 0, 1), (0, 0, 0, 0, 1), (0, 0, 0, 0, 1), (0, 0, 0, 0, 0))
    g = CellGraph(adj, ("input0", "input1", "a", "b", "output"))
    p = g.pruned()
    assert p.ops == ("input0", "input1", "a", "output")
    assert p.edges() == [(0, 2), (1, 3), (2, 3)]
    assert CellGraph(p.adjacency, p.ops) == p  # what pruning returns passes the checks
    # numpy ints and bools are 0 / 1
    CellGraph(tuple(tuple(np.int8(v) for v in row) for row in adj), g.ops)
    CellGraph(tuple(tuple(bool(v) for v in row) for row in adj), g.ops)


# ----------------------------------------------------------------------- cells() of a space
def _cyclic_cells(self, arch):
    # input -> 1 -> 2 -> 3 -> output, and a back edge 3 -> 1 (a cycle)
    adj = [list(row) for row in _chain_adjacency(5)]
    adj[3][1] = 1
    return (CellGraph(tuple(map(tuple, adj)), ("input", *arch.ops, "output")),)


@pytest.mark.parametrize("use", ["path", "graf", "adjacency_onehot", "hash"])
def test_a_cycle_in_cells_is_refused_not_encoded(use):
    # bug: the path encoding of a cyclic "DAG" exhausted memory; graf, adjacency_onehot and
    # the hash accepted it silently
    cls = make_chain("contract_cycle", ("c3", "c1", "sk"))
    cls.cells = _cyclic_cells
    space = cls()
    archs = space.sample(3, seed=0)
    with pytest.raises(SpaceDefinitionError) as err:
        if use == "hash":
            space.hash(archs[0])
        else:
            encodings.get(use, space=space).fit(archs).transform(archs)
    text = space.to_string(archs[0])
    assert err.value.space == "contract_cycle"
    assert err.value.field == f"cells({text!r}): CellGraph.adjacency[3][1]"
    assert str(err.value).startswith(
        f"contract_cycle: invalid cells({text!r}): CellGraph.adjacency[3][1] = 1: "
        "edge 3 -> 1 points backwards"
    )


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        # adjacency with a row fewer than ops (was numpy's broadcast error)
        (
            lambda self, a: (CellGraph(_chain_adjacency(5)[:-1], ("input", *a.ops, "output")),),
            "CellGraph.adjacency",
            "has 4 rows for 5 ops",
        ),
        # last node not 'output' (was a silent all-zero path encoding of width 1)
        (
            lambda self, a: (CellGraph(_chain_adjacency(5), ("input", *a.ops, "c3")),),
            "CellGraph.ops[4]",
            "the last node must be labelled 'output'",
        ),
    ],
)
def test_bad_cells_name_the_space_the_architecture_and_the_field(cells, field, reason):
    cls = make_chain("contract_badcells", ("c3", "c1", "sk"))
    cls.cells = cells
    space = cls()
    archs = space.sample(5, seed=0)
    for enc in ("adjacency_onehot", "path"):
        with pytest.raises(SpaceDefinitionError, match=reason) as err:
            encodings.get(enc, space=space).fit(archs)
        assert err.value.field == f"cells({space.to_string(archs[0])!r}): {field}"
        assert str(err.value).startswith("contract_badcells: invalid cells(")


def test_a_different_number_of_cells_per_architecture_is_refused():
    # bug: an IndexError from numpy in graph_batch
    cls = make_chain("contract_ncells", ("c3", "c1", "sk"))
    base_cells = cls.cells
    cls.cells = lambda self, a: base_cells(self, a) * (1 + (a.ops[0] == "c3"))
    space = cls()
    archs = [space.parse("sk|c1|c1"), space.parse("c3|c3|c3")]
    for call in (
        lambda: space.graph_batch(archs),
        lambda: encodings.get("adjacency_onehot", space=space).fit(archs),
    ):
        with pytest.raises(SpaceDefinitionError) as err:
            call()
        assert err.value.field == "len(cells('c3|c3|c3'))" and err.value.value == 2
        assert "cells('sk|c1|c1') returned 1: every architecture must have the same" in str(
            err.value
        )


def test_cells_must_return_a_tuple_of_cell_graphs():
    cls = make_chain("contract_onecell", ("c3", "c1", "sk"))
    base_cells = cls.cells
    cls.cells = lambda self, a: base_cells(self, a)[0]  # a CellGraph, not a tuple
    space = cls()
    arch = space.parse("c3|c1|sk")
    with pytest.raises(SpaceDefinitionError, match="must return a tuple of CellGraph") as err:
        space.hash(arch)
    assert err.value.field == "cells('c3|c1|sk')" and err.value.space == "contract_onecell"


# ----------------------------------------------------------------------- operation names
@pytest.mark.parametrize(
    ("ops", "field", "reason"),
    [
        # bug: 'input_norm' was taken for a cell input by encodings, pruning and hashing
        (("conv", "input_norm", "skip"), "ops[1]", "labels starting with 'input' mark"),
        (("conv", "skip", "output"), "ops[2]", "'output' labels a cell's output node"),
        # bug: sample(9) failed with numpy's "a must be a positive integer ..."
        (("conv", "conv", "skip"), "ops[1]", r"listed twice \(ops\[0\] and ops\[1\]\)"),
        (("conv", ""), "ops[1]", "non-empty strings"),
    ],
)
def test_operation_names_are_checked_once_per_space(registry, ops, field, reason):
    name = "contract_vocab"
    registry.register(name)(make_chain(name, ops))
    with pytest.raises(SpaceDefinitionError, match=reason) as err:
        nasperf.get_space(name)
    assert err.value.field == field and err.value.value == ops[int(field[4])]
    assert str(err.value).startswith(f"{name}: invalid {field} = {ops[int(field[4])]!r}: ")
    # an instance made directly is refused where the names are first used
    space = registry.get(name)()
    for call in (lambda: space.sample(9, seed=0), lambda: space.graph_batch([])):
        with pytest.raises(SpaceDefinitionError, match=reason):
            call()


def test_operations_attribute_is_checked_too():
    cls = make_chain("contract_operations", ("conv", "skip"))
    cls.operations = ("conv", "inputs_mix")
    with pytest.raises(SpaceDefinitionError, match="operations\\[1\\] = 'inputs_mix'"):
        cls().hash(cls().parse("conv|conv|conv"))


def test_packaged_spaces_pass_the_vocabulary_checks():
    for name in SPACES.names(aliases=False):
        space = nasperf.get_space(name)
        index = space._label_index()
        assert list(index) == list(space.node_labels)
        assert space.name == name  # registered under their own name first


# ----------------------------------------------------------------------- sampling
def test_sample_of_a_huge_space_with_a_skewed_sampler_raises_instead_of_enumerating():
    # bug: sample(200) on a 5**20 space fell back to listing it (MemoryError after 18 s)
    cls = make_chain("contract_skew", ("c3", "c1", "sk", "a", "b"), layers=20)

    def skewed(self, rng):  # a legitimate prior: almost always c3
        return self.arch_type(tuple("c3" if rng.random() < 0.998 else "c1" for _ in range(20)))

    def never(self):
        raise AssertionError("enumerate() must not be called on a space of 5**20")

    cls.random_architecture = skewed
    cls.enumerate = never
    with pytest.raises(ValueError, match="found only") as err:
        cls().sample(200, seed=0)
    message = str(err.value)
    assert message.startswith("contract_skew: found only ")
    assert "fewer than n=200 (its 95,367,431,640,625 architectures are too many" in message
    assert message.endswith("pass unique=False to allow repeats")
    assert len(cls().sample(200, seed=0, unique=False)) == 200


def test_sample_of_a_small_space_with_a_skewed_sampler_still_uses_the_enumeration():
    cls = make_chain("contract_skew_small", ("c3", "c1", "sk"))
    cls.random_architecture = lambda self, rng: self.arch_type(("c3", "c3", "c3"))
    space = cls()
    archs = space.sample(27, seed=0)
    assert len(set(archs)) == 27 and set(archs) == set(space.enumerate())


def test_sample_names_a_size_that_enumerate_does_not_reach():
    # bug: size larger than the distinct architectures enumerate() yields -> numpy's
    # "a must be a positive integer unless no samples are taken"
    cls = make_chain("contract_size", ("c3", "c1", "sk"))
    arch = cls.arch_type
    cls.random_architecture = lambda self, rng: arch(tuple(rng.choice(["c3", "c1"], size=3)))
    cls.enumerate = lambda self: (arch(o) for o in itertools.product(("c3", "c1"), repeat=3))
    space = cls()
    assert len(space.sample(8, seed=0)) == 8
    with pytest.raises(SpaceDefinitionError, match="enumerate\\(\\) yields only 8 distinct") as err:
        space.sample(9, seed=0)
    assert err.value.field == "size" and err.value.value == 27
    assert err.value.space == "contract_size"


# ----------------------------------------------------------------------- registration
def test_registering_a_space_under_another_name_than_its_own_is_refused(registry):
    # bug: predictors recorded inferred_space_ = "chain_v2" and could not be loaded
    cls = make_chain("chain_v2", ("c3", "c1", "sk"))
    with pytest.raises(SpaceDefinitionError) as err:
        registry.register("my_chain")(cls)
    assert err.value.field == "name" and err.value.value == "chain_v2"
    assert str(err.value).startswith(
        "my_chain: invalid name = 'chain_v2': Chain_chain_v2 is registered as 'my_chain' "
        "but its name attribute differs"
    )
    assert "set name = 'my_chain' in the class" in str(err.value)
    assert "my_chain" not in registry and "chain_v2" not in registry
    # aliases follow the primary name, which is the class's (case does not matter: names
    # are looked up case-insensitively)
    registry.register("Chain_V2", "my_chain")(cls)
    assert registry.get("my_chain") is cls
    assert nasperf.get_space(cls().name).name == "chain_v2"
    other = make_chain("contract_alias", ("c3", "c1", "sk"))
    with pytest.raises(SpaceDefinitionError, match="registered as 'contract_primary'"):
        registry.register("contract_primary", "contract_alias")(other)
    # a space class that leaves name at the base class's default is refused too
    unnamed = make_chain("space", ("c3", "c1", "sk"))
    with pytest.raises(SpaceDefinitionError, match="invalid name = 'space'"):
        registry.register("contract_unnamed")(unnamed)


def test_a_predictor_on_a_registered_user_space_finds_it_again(registry, tmp_path):
    name = "contract_reload"
    cls = registry.register(name)(make_chain(name, ("c3", "c1", "sk")))
    space = nasperf.get_space(name)
    archs = space.sample(20, seed=0)
    model = nasperf.predictors.get("xgb", n_estimators=20).fit(archs, np.arange(20.0))
    assert model.inferred_space_ == name
    model.save(tmp_path / "m")
    again = nasperf.predictors.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict(archs), model.predict(archs))
    assert registry.get(name) is cls


def test_a_subclass_without_a_name_of_its_own_takes_the_registered_one(registry):
    # A sub-space of NB201 that inherits "nb201" is a new space: it is named as registered
    # (refusing it would break a user's working registration; keeping "nb201" would make
    # its predictors and caches look like NB201's).
    from nasperf.spaces import NB201Space

    class MySub(NB201Space):
        pass

    registry.register("contract_sub201")(MySub)
    assert MySub.name == "contract_sub201" and NB201Space.name == "nb201"
    assert nasperf.get_space("contract_sub201").name == "contract_sub201"


def test_a_seed_that_is_a_bool_a_float_or_negative_is_refused_by_name():
    # a probe: True had been seed 1 (sample, mutate, search.run, curve sources, image and
    # graph batches), and the loaders' 2.5 or -3 had failed in numpy's SeedSequence
    from nasperf.datasets import load_graph, load_image_batch

    space = nasperf.get_space("nb201")
    calls = {
        "seed": [
            lambda s: load_image_batch("cifar10", 4, seed=s),
            lambda s: load_graph("cora", seed=s),
            lambda s: load_graph("cora", n=5, seed=s),
        ],
        "random_state": [  # as the corpus pins sample's wording
            lambda s: space.sample(3, seed=s),
            lambda s: space.mutate(space.sample(1, seed=0)[0], rng=s),
        ],
    }
    for name, fns in calls.items():
        for fn in fns:
            for bad in (True, 2.5, -3):
                with pytest.raises(ValueError, match=rf"^{name} must be an int"):
                    fn(bad)
    assert space.sample(3, seed=np.int64(4)) == space.sample(3, seed=4)


def test_dag_hash_and_the_csv_reader_refuse_what_they_had_misread(tmp_path):
    # a probe: dag_hash truncated a float adjacency (1.5 -> 1, 0.4 -> 0) and failed with an
    # IndexError on too few labels; read_architecture_csv's targets as a set took its order
    from nasperf.datasets import read_architecture_csv
    from nasperf.spaces import dag_hash

    adj = [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    assert dag_hash(np.array(adj, dtype=float), [-1, 0, -2]) == dag_hash(adj, [-1, 0, -2])
    with pytest.raises(ValueError, match=r"adjacency must hold 0 / 1 only"):
        dag_hash([[0, 1.5, 1], [0, 0, 1], [0, 0, 0]], [-1, 0, -2])
    with pytest.raises(ValueError, match=r"adjacency must be a square matrix"):
        dag_hash([[0, 1], [0, 0], [0, 0]], [-1, 0, -2])
    with pytest.raises(ValueError, match=r"labels must name the adjacency's 3 nodes, got 2"):
        dag_hash(adj, [-1, 0])
    arch = nasperf.get_space("nb201").to_string(nasperf.get_space("nb201").sample(1, seed=0)[0])
    (tmp_path / "t.csv").write_text(f"arch,a,b\n{arch},1,2\n")
    with pytest.raises(ValueError, match=r"targets must be a column name or a list of them"):
        read_architecture_csv(tmp_path / "t.csv", "nb201", targets={"a", "b"})
    assert list(read_architecture_csv(tmp_path / "t.csv", "nb201", targets=("b", "a"))) == [
        "b",
        "a",
    ]
