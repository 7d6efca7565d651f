"""Proxies on a user's own space: the cache follows the builder, a text names one
architecture, a builder returns a network, and --all stays bounded."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nasperf._torch_state import torch_state
from nasperf.cli import main
from nasperf.datasets import load_image_batch
from nasperf.zero_cost import score
from nasperf.zero_cost.compute import builder_digest, compute
from tests._registry_helpers import register_space
from tests.spaces.custom_space_example import ChainArch, ChainSpace


class WideChain(ChainSpace):
    """The same space after the user widened its builder (same name, same texts)."""

    def build_network(self, arch, dataset="cifar10", *, width: int = 8):
        return super().build_network(arch, dataset, width=32)


def test_the_cache_key_follows_what_the_builder_builds(tmp_path):
    cache = tmp_path / "zc.sqlite"
    arch = ChainArch(("conv3x3", "skip", "conv1x1"))
    narrow = compute(ChainSpace(), [arch], ["params"], batch_size=4, cache=cache)
    wide = compute(WideChain(), [arch], ["params"], batch_size=4, cache=cache)
    assert narrow["params"].iloc[0] == pytest.approx(ChainSpace().params(arch))
    assert wide["params"].iloc[0] == pytest.approx(WideChain().params(arch))
    assert wide["params"].iloc[0] > 10 * narrow["params"].iloc[0]
    assert builder_digest(ChainSpace()) != builder_digest(WideChain())
    assert builder_digest(ChainSpace()) == builder_digest(ChainSpace())
    from nasperf.spaces import NB201Space

    assert builder_digest(NB201Space()) is None  # keyed by nasperf's version


class Colliding(ChainSpace):
    """to_string drops the middle layer: two architectures, one text."""

    def to_string(self, arch):
        return f"{arch.ops[0]}-{arch.ops[2]}"


def test_two_architectures_with_one_text_are_refused():
    a, b = ChainArch(("conv3x3", "skip", "conv1x1")), ChainArch(("conv3x3", "conv3x3", "conv1x1"))
    with pytest.raises(ValueError, match=r"chain\.to_string gives two different architectures "):
        compute(Colliding(), [a, b], ["params"], batch_size=4, cache=None)


class NoNetwork(ChainSpace):
    def build_network(self, arch, dataset="cifar10", **kwargs):
        return None


def test_a_builder_that_returns_no_module_is_named():
    arch = ChainArch(("conv3x3", "skip", "conv1x1"))
    with pytest.raises(
        TypeError, match=r"^chain\.build_network returned NoneType, expected a torch\.nn\.Module"
    ):
        NoNetwork().params(arch)
    with pytest.raises(
        ValueError,
        match=r"building its network failed: TypeError: chain\.build_network returned NoneType",
    ):
        compute(NoNetwork(), [arch], ["params"], batch_size=4, cache=None)
    assert isinstance(ChainSpace().build_network(arch), nn.Module)


def test_all_refuses_a_space_too_large_to_list(tmp_path, capsys, monkeypatch):
    from nasperf import cli

    monkeypatch.setattr(cli, "_MAX_ALL", 10)
    out = tmp_path / "zc.csv"
    args = ["proxies", "--space", "nb201", "--all", "--proxies", "params", "--out", str(out)]
    args += ["--cache", "none", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--all: nb201 has 15,625 architectures, more than --all computes (10)" in err
    assert not out.exists()


def test_all_reads_a_space_without_a_size_one_past_the_bound(tmp_path, capsys, monkeypatch):
    """A space that enumerates but has no ``size`` (both optional members) had been listed
    whole by ``--all``: an endless (or 3^40) enumeration grew memory without limit before
    anything was printed. It is read one past the bound, then refused in one line."""
    import itertools

    from nasperf import cli

    drawn: list[int] = []

    class Endless(ChainSpace):
        name = "test_endless_chain"

        @property
        def size(self):
            return None

        def enumerate(self):
            for i in itertools.count():
                drawn.append(i)
                yield ChainArch(("conv3x3", "skip", "conv1x1"))

    register_space(monkeypatch, Endless)
    monkeypatch.setattr(cli, "_MAX_ALL", 10)
    out = tmp_path / "zc.csv"
    args = ["proxies", "--space", Endless.name, "--all", "--proxies", "params"]
    args += ["--out", str(out), "--cache", "none", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"--all: {Endless.name} enumerates more than 10 architectures" in err
    assert len(drawn) == 11 and not out.exists()


class TypedChain(ChainSpace):
    """ChainSpace's networks converted to another floating dtype by the builder."""

    dtype = torch.float64

    def build_network(self, arch, dataset="cifar10", *, width: int = 8):
        return super().build_network(arch, dataset, width=width).to(self.dtype)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("dataset", ["cifar10", "ImageNet16-120"])
def test_compute_scores_a_builder_s_networks_in_their_own_dtype(dtype, dataset):
    # compute's float32 images (and the placeholder zeros where no images are packaged,
    # ImageNet16-120) had met float64 / half layers: "Input type (float) and bias type
    # (double)", for the data-free proxies too. The batch now takes the network's floating
    # dtype, float32 for a half-precision network (scored as a float32 copy)
    space = type("Typed", (TypedChain,), {"dtype": dtype})()
    arch = ChainArch(("conv3x3", "skip", "conv1x1"))
    proxies = ["params", "flops", "synflow", "zen"] + (["snip"] if dataset == "cifar10" else [])
    got = compute(space, [arch], proxies, dataset, batch_size=4, cache=None)
    # the same scores as score() on the built network and the batch in that dtype
    task = space.network_task(dataset)
    if dataset == "cifar10":
        x, y = load_image_batch("cifar10", 4, seed=0)
    else:
        x, y = torch.zeros(task.input_shape(4)), torch.zeros(4, dtype=torch.int64)
    with torch_state(0):
        net = space.build_network(arch, task)
    want = score(net, x.to(torch.float32 if dtype != torch.float64 else dtype), y, proxies)
    # the same operations, but compute runs each network on one torch thread and score on
    # the caller's count (another test of the same worker may have left it at 2): float32
    # convolution sums in another order differ by ~1e-8 relative (seen: snip 2e-8, zen 7e-9)
    assert got.iloc[0].to_dict() == pytest.approx(want, rel=1e-6, abs=0)
    assert want["params"] == sum(p.numel() for p in net.parameters()) / 1e6
    assert np.isfinite(got.to_numpy()).all()
