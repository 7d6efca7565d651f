"""A user-defined space works through the base class: registry, hashing, moves, FLOPs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import nasperf
from nasperf.registry import Registry
from nasperf.spaces import SPACES

from .custom_space_example import ChainArch, ChainSpace

DOC = Path(__file__).resolve().parents[2] / "docs" / "custom_space.md"


@pytest.fixture(scope="module")
def space():
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    return nasperf.get_space("chain")


def test_doc_example_is_this_code():
    code = (Path(__file__).parent / "custom_space_example.py").read_text()
    body = code.split("CHAIN_OPS = ", 1)[1]
    assert body in DOC.read_text()


def test_register_twice_under_one_name_is_an_error(space):
    with pytest.raises(ValueError, match="already registered"):
        SPACES.register("chain")(type("Other", (ChainSpace,), {}))
    reg: Registry = Registry("thing")
    reg.register("a", "alpha")(int)
    reg.add("zed", float)
    with pytest.raises(ValueError, match="unknown thing 'b'.*available: a, alpha, zed"):
        reg.get("b")
    assert reg.names(aliases=False) == ["a", "zed"]
    assert reg.get("ALPHA") is int and "Alpha" in reg


def test_base_class_services(space):
    arch = space.parse("conv3x3-skip-conv1x1")
    assert space.to_string(arch) == "conv3x3-skip-conv1x1"
    assert space.sample(5, seed=1) == space.sample(5, seed=1)
    assert space.coerce("skip-skip-skip") == ChainArch(("skip",) * 3)
    assert space.mutate(arch, 0) in space.neighbors(arch)
    assert len(space.neighbors(arch)) == 6
    # hash: chains with the same ops in the same order are the same; order matters
    assert space.hash(arch) == space.hash(space.parse("conv3x3-skip-conv1x1"))
    assert space.hash(arch) != space.hash(space.parse("conv1x1-skip-conv3x3"))
    assert len({space.hash(a) for a in space.enumerate()}) == 27
    with pytest.raises(ValueError, match=r"ops\[1\]"):
        space.parse("conv3x3-pool-skip")


def test_flops_and_params_counted_from_the_users_builder(space):
    arch = space.parse("conv3x3-skip-conv1x1")
    w, hw = 8, 32 * 32
    flops = (27 * w + w + 9 * w * w + w + w * w) * hw + 33 * 33 * w + w * 10
    # stem conv, relu, conv3x3, relu, conv1x1, torchstat's adaptive-pool window sum, linear
    assert space.flops(arch) == pytest.approx(flops / 1e6, rel=1e-12)
    params = 27 * w + 9 * w * w + w * w + w * 10 + 10
    assert space.params(arch) == pytest.approx(params / 1e6, rel=1e-12)
    out = space.build_network(arch, "cifar100")(torch.zeros(2, 3, 32, 32))
    assert out.shape == (2, 100)


def test_macs_convention_counts_convolutions_and_the_classifier_only(space):
    arch = space.parse("conv3x3-skip-conv1x1")
    w, hw = 8, 32 * 32
    macs = (27 * w + 9 * w * w + w * w) * hw + w * 10  # stem, conv3x3, conv1x1, linear
    assert space.flops(arch, convention="macs") == pytest.approx(macs / 1e6, rel=1e-12)
    assert space.complexity(arch, convention="macs").mparams == space.params(arch)
    with pytest.raises(ValueError, match="convention must be one of 'naslib', 'macs'"):
        space.flops(arch, convention="thop")


def test_sample_is_distinct_on_a_finite_space(space):
    everything = space.sample(27, seed=0)
    assert sorted(map(space.to_string, everything)) == sorted(
        map(space.to_string, space.enumerate())
    )
    with pytest.raises(ValueError, match="only 27"):
        space.sample(28)
    assert len(space.sample(100, seed=0, unique=False)) == 100


def test_values_know_their_space_text_does_not(space):
    from nasperf.errors import InvalidArchitectureError
    from nasperf.spaces import SearchSpace, resolve_space

    arch = space.parse("skip-skip-conv3x3")
    assert SearchSpace.of(arch).name == "chain"
    assert resolve_space(None, [arch]).name == "chain"
    with pytest.raises(ValueError, match="pass space="):
        resolve_space(None, ["skip-skip-conv3x3"])
    with pytest.raises(ValueError, match="pass space="):
        SearchSpace.of(3.5)
    # a space without NASLib keys refuses other values as invalid architectures
    with pytest.raises(InvalidArchitectureError, match="no NASLib key format"):
        space.coerce(8)


def test_a_space_that_leaves_a_method_undefined_is_named_not_a_type_error(monkeypatch):
    # every way to name a space (get_space, resolve_space, a table's space) gives one
    # ValueError naming the missing methods, which the commands show as one line
    import pandas as pd

    from nasperf.search import TableObjective
    from nasperf.spaces import resolve_space

    half = type("Half", (ChainSpace,), {"name": "test_half_chain"})
    half.__abstractmethods__ = frozenset({"build_network", "neighbors"})
    monkeypatch.setattr(SPACES, "_items", {**SPACES._items, "test_half_chain": half})
    message = (
        r"search space 'test_half_chain' \(Half\) cannot be used: it does not define "
        r"build_network, neighbors \(see docs/custom_space.md"
    )
    with pytest.raises(ValueError, match=message):
        nasperf.get_space("test_half_chain")
    with pytest.raises(ValueError, match=message):
        resolve_space("test_half_chain")
    table = pd.DataFrame({"acc": [1.0]}, index=["conv3x3-conv3x3-conv3x3"])
    with pytest.raises(ValueError, match=message):
        TableObjective(table, "test_half_chain", "acc")
