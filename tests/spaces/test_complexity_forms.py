"""``count_complexity`` and a space's ``complexity`` / ``params`` on networks handed over in
other forms than an eager float ``nn.Module`` (``nasperf._module_forms``).

A traced network had been counted without its BatchNorm, ReLU and pooling FLOPs (0.206928
for 0.217432 MFLOPs) and no warning; a builder returning one had raised torch's "cond must
be a bool"; a scripted one torch's hook error; a quantised Linear had been counted as 0 / 0
without the warning documented for a layer with weights no rule covers. Lazy modules had
failed with torch's "Attempted to use an uninitialized parameter".
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn
from torch.nn.parameter import is_lazy

from nasperf.errors import ArchitectureFailedError, UnsupportedNetworkError
from nasperf.spaces import Complexity, count_complexity, resolve_task
from tests.spaces.custom_space_example import ChainSpace

SHAPE = (1, 3, 32, 32)
#: By hand on 32x32: the convolution's 3*3*3*8 = 216 multiply-adds per position and its
#: bias (8), ReLU 8, each over 1,024 positions; torchstat's adaptive-pool window 33 * 33
#: per channel (8); the linear layer 8 * 10. Parameters 216 + 8 + 80 + 10.
HAND = Complexity(
    mflops=(216 * 1024 + 8 * 1024 + 8 * 1024 + 33 * 33 * 8 + 80) / 1e6, mparams=314 / 1e6
)


def _eager(num_classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, num_classes),
    )


def _lazy(num_classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.LazyConv2d(8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.LazyLinear(num_classes),
    )


def _traced(num_classes: int = 10) -> nn.Module:
    return torch.jit.trace(_eager(num_classes).eval(), torch.zeros(SHAPE))


class _Chain(ChainSpace):
    """The chain space, its network built by ``build`` (for the task's classes)."""

    name = "chain_forms"

    def __init__(self, build) -> None:
        super().__init__()
        self.build = build

    def build_network(self, arch, dataset="cifar10", **kwargs):
        return self.build(resolve_task(dataset).num_classes)


def test_the_eager_network_is_the_hand_count():
    assert count_complexity(_eager, SHAPE) == count_complexity(_eager(), SHAPE)
    got = count_complexity(_eager, SHAPE)
    assert got.mflops == pytest.approx(HAND.mflops, abs=1e-12)
    assert got.mparams == pytest.approx(HAND.mparams, abs=1e-12)


def test_lazy_modules_count_as_the_eager_network():
    want = count_complexity(_eager, SHAPE)
    assert count_complexity(_lazy, SHAPE) == want  # built and initialised on meta
    net = _lazy()
    before = torch.get_rng_state()
    assert count_complexity(net, SHAPE) == want  # a copy initialised on the CPU
    assert torch.equal(torch.get_rng_state(), before)  # its draws leave the caller's stream
    assert all(is_lazy(p) for p in net.parameters())  # the caller's module as it was
    assert count_complexity(_lazy, SHAPE, convention="macs") == count_complexity(
        _eager, SHAPE, convention="macs"
    )


def test_a_space_of_lazy_networks_counts_as_the_eager_one():
    arch = ChainSpace().parse("conv3x3-skip-conv1x1")
    assert _Chain(_lazy).complexity(arch) == _Chain(_eager).complexity(arch)
    assert _Chain(_lazy).params(arch) == pytest.approx(HAND.mparams, abs=1e-12)


@pytest.mark.parametrize("build", [_traced, lambda: torch.jit.script(_eager())])
def test_a_torchscript_network_is_refused_naming_the_argument(build):
    with pytest.raises(UnsupportedNetworkError, match=r"^build is a TorchScript module") as e:
        count_complexity(build(), SHAPE)
    assert "pass the eager nn.Module" in str(e.value)
    # a factory returning one (a traced one cannot even be built on the meta device)
    with pytest.raises(UnsupportedNetworkError, match="^the network from the network factory"):
        count_complexity(build, SHAPE)


def test_a_space_whose_builder_traces_names_the_space_and_the_architecture():
    space = _Chain(_traced)
    arch = space.parse("conv3x3-skip-conv1x1")
    with pytest.raises(ArchitectureFailedError, match=r"^chain_forms architecture conv3x3") as e:
        space.params(arch)
    assert "TorchScript" in str(e.value) and "eager nn.Module" in str(e.value)
    assert isinstance(e.value.__cause__, UnsupportedNetworkError)


def test_a_quantised_network_is_refused_naming_the_layer():
    with warnings.catch_warnings():  # torch's deprecation of torch.ao.quantization
        warnings.simplefilter("ignore")
        net = torch.ao.quantization.quantize_dynamic(
            nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)), {nn.Linear}
        )
    with pytest.raises(UnsupportedNetworkError, match="^build holds quantised layers") as e:
        count_complexity(net, SHAPE)
    assert "'1' (torch.ao.nn.quantized.dynamic.Linear)" in str(e.value)


def test_a_float_network_written_for_eager_quantisation_counts_as_the_plain_one():
    # QuantStub / DeQuantStub (identities in a float network) and a skip-add through
    # FloatFunctional, which had been refused as "quantised" (its package's name)
    class Written(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.quant = torch.ao.quantization.QuantStub()
            self.body = _eager()
            self.skip = torch.ao.nn.quantized.FloatFunctional()
            self.dequant = torch.ao.quantization.DeQuantStub()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.body(self.quant(x))
            return self.dequant(self.skip.add(y, y))

    assert count_complexity(Written(), SHAPE) == count_complexity(_eager(), SHAPE)
    assert count_complexity(Written, SHAPE) == count_complexity(_eager, SHAPE)  # on meta
    assert count_complexity(Written(), SHAPE, convention="macs") == count_complexity(
        _eager(), SHAPE, convention="macs"
    )


def test_a_pruned_network_counts_as_its_prune_removed_equivalent():
    # torch.nn.utils.prune: weight_orig (a parameter) and weight_mask (a buffer); the pruned
    # zeros count, as numel and the network after prune.remove count them
    from torch.nn.utils import prune

    net = _eager()
    prune.l1_unstructured(net[0], "weight", amount=0.5)
    prune.random_unstructured(net[4], "bias", amount=0.5)
    got = count_complexity(net, SHAPE)
    assert got.mparams == pytest.approx(HAND.mparams, abs=1e-12)
    assert got.mflops == pytest.approx(HAND.mflops, abs=1e-12)
    prune.remove(net[0], "weight")
    prune.remove(net[4], "bias")
    assert count_complexity(net, SHAPE) == got


def test_counting_a_network_prepared_for_qat_leaves_its_observers_as_they_were():
    # its fake-quantisers observe in eval mode too (their min_val / max_val, scale and
    # zero_point had been changed by the count, resized from empty and written); the same
    # count as the plain network (fake-quantisers: no FLOPs, no parameters)
    torch.manual_seed(0)
    net = _eager()
    plain = count_complexity(net, SHAPE)
    with warnings.catch_warnings():  # torch's deprecation of torch.ao.quantization
        warnings.simplefilter("ignore")
        net.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
        torch.ao.quantization.prepare_qat(net.train(), inplace=True)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert count_complexity(net, SHAPE) == plain
    after = net.state_dict()
    assert after.keys() == before.keys()
    assert all(after[k].shape == v.shape and torch.equal(after[k], v) for k, v in before.items())
    assert net.training  # and its flag
