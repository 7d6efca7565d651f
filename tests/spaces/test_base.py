"""Base abstractions: CellGraph pruning, dag_hash invariance, the complexity counter, tasks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nasperf.spaces import CellGraph, ImageTask, as_rng, count_complexity, dag_hash, resolve_task


def _graph(edges, ops):
    n = len(ops)
    adj = [[0] * n for _ in range(n)]
    for i, j in edges:
        adj[i][j] = 1
    return CellGraph(tuple(map(tuple, adj)), tuple(ops))


def test_dag_hash_is_invariant_to_node_permutation_and_sensitive_to_labels():
    ops = ["input", "a", "b", "c", "output"]
    g = _graph([(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (1, 4)], ops)
    perm = [0, 2, 1, 3, 4]  # swap nodes 1 and 2 (still topological)
    m = g.matrix()[np.ix_(perm, perm)]
    relabelled = [ops[p] for p in perm]
    assert dag_hash(m, relabelled) == dag_hash(g.matrix(), ops)
    assert dag_hash(g.matrix(), ["input", "a", "a", "c", "output"]) != dag_hash(g.matrix(), ops)
    h = _graph([(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (2, 4)], ops)
    assert dag_hash(h.matrix(), ops) != dag_hash(g.matrix(), ops)


def test_pruning_drops_nodes_off_input_output_paths():
    # node 2 is not reached from the input; node 3 does not reach the output
    g = _graph([(0, 1), (2, 4), (1, 3), (1, 4)], ["input", "a", "b", "c", "output"])
    p = g.pruned()
    assert p.ops == ("input", "a", "output")
    assert p.edges() == [(0, 1), (1, 2)]
    assert g.is_connected()
    cut = _graph([(0, 1), (2, 3)], ["input", "a", "b", "output"])
    assert cut.pruned().ops == ("input", "output") and not cut.is_connected()


def test_complexity_counter_formulas():
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=True),  # 27*8*HW + 8*HW
        nn.BatchNorm2d(8),  # 2 * 8 * HW
        nn.ReLU(),  # 8 * HW
        nn.MaxPool2d(2),  # 4 * 8 * HW/4
        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),  # depthwise 9 * 8 * HW/4
        nn.AdaptiveAvgPool2d(1),  # torchstat: (h+1)*(w+1) per channel
        nn.Flatten(),
        nn.Linear(8, 5),  # 8 * 5, bias not counted
    )
    hw = 16 * 16
    expected = (27 * 8 + 8 + 16 + 8) * hw + 4 * 8 * hw // 4 + 9 * 8 * hw // 4 + 9 * 9 * 8 + 40
    c = count_complexity(lambda: net, (1, 3, 16, 16))
    assert c.mflops * 1e6 == pytest.approx(expected, abs=1e-6)
    n_params = sum(p.numel() for p in net.parameters())
    assert c.mparams * 1e6 == pytest.approx(n_params)
    # a ready module on CPU is counted without changing it
    before = [p.clone() for p in net.parameters()]
    net.train()
    assert count_complexity(net, (1, 3, 16, 16)) == c
    assert net.training
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_modules_never_called_are_not_counted():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Conv2d(3, 4, 1, bias=False)
            self.unused = nn.Conv2d(3, 4, 1, bias=False)

        def forward(self, x):
            return self.used(x)

    c = count_complexity(Net, (1, 3, 4, 4))
    assert c.mparams * 1e6 == pytest.approx(12)
    assert c.mflops * 1e6 == pytest.approx(12 * 16)


def test_tasks_and_rng():
    assert resolve_task("cifar100").num_classes == 100
    assert resolve_task("imagenet16-120").resolution == 16
    custom = ImageTask("mine", 1, 28, 7)
    assert resolve_task(custom) is custom and custom.input_shape(4) == (4, 1, 28, 28)
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        resolve_task("svhn")
    g = np.random.default_rng(1)
    assert as_rng(g) is g
    assert as_rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
    with pytest.raises(ValueError, match="random_state"):
        as_rng("seed")


@pytest.mark.parametrize("name", ["nb101", "nb201", "nb301"])
def test_graph_batch_matches_the_cells_view(name):
    import nasperf
    from nasperf.spaces import SearchSpace

    space = nasperf.get_space(name)
    archs = space.sample(40, seed=11)
    batch = space.graph_batch(archs)
    generic = SearchSpace.graph_batch(space, archs)
    assert np.array_equal(batch.adjacency, generic.adjacency)
    assert np.array_equal(batch.ops, generic.ops)
    assert batch.max_nodes == space.max_nodes and len(batch) == 40
    for i in (0, 17):
        for c, cell in enumerate(space.cells(archs[i])):
            n = cell.n_nodes
            assert np.array_equal(batch.adjacency[i, c, :n, :n], cell.matrix())
            assert [batch.labels[k] for k in batch.ops[i, c, :n]] == list(cell.ops)
            assert (batch.ops[i, c, n:] == -1).all() and not batch.adjacency[i, c, n:].any()
    with pytest.raises(ValueError, match="max_nodes"):
        space.graph_batch(archs, max_nodes=2)


@pytest.mark.parametrize(
    "name", ["nb101", "nb201", "nb301", "nbgraph", "tnb101_micro", "tnb101_macro"]
)
def test_every_space_s_hash_takes_what_coerce_takes(name):
    # a type-fuzzing probe: NB101's hash(text) had said "expected a NB101Arch", where the
    # base class documents (and every other space accepts) anything coerce takes
    import nasperf

    space = nasperf.get_space(name)
    arch = space.sample(1, 0)[0]
    assert space.hash(space.to_string(arch)) == space.hash(arch)


def test_has_supernet_is_asked_of_the_class_and_lists_the_spaces_with_one(monkeypatch):
    from nasperf.spaces import NB201Space, get_space, supernet_spaces
    from tests.spaces.custom_space_example import ChainSpace

    # asking builds nothing: only whether the class defines build_supernet
    def refuse(self, *args, **kwargs):
        raise AssertionError("built a supernet to ask whether there is one")

    monkeypatch.setattr(NB201Space, "build_supernet", refuse)
    have = {name: get_space(name).has_supernet for name in ("nb101", "nb201", "nb301", "darts")}
    assert have == {"nb101": False, "nb201": True, "nb301": True, "darts": True}
    assert not get_space("tnb101_micro").has_supernet and not get_space("nbgraph").has_supernet
    # a user's space: none unless it defines build_supernet (a subclass inherits one)
    assert not ChainSpace().has_supernet

    class ChainWithSupernet(ChainSpace):
        def build_supernet(self, dataset="cifar10", **kwargs):
            raise AssertionError("not built")

    class NB201Variant(NB201Space):
        pass

    assert ChainWithSupernet().has_supernet and NB201Variant().has_supernet
    # one (primary) name per registered space with one, what the errors name
    assert supernet_spaces() == ["nb201", "nb301"]
