"""``nasperf.zero_cost.score`` / ``compute`` on networks handed over in other forms than an
eager float ``nn.Module`` (``nasperf._module_forms``).

A ``torch.jit.trace``-d network had been scored as one without layers (synflow, snip,
l2_norm NaN with the false reason "no convolution or linear layer", zen -7.42 for 4.73), a
scripted one had ended in torch's "register_forward_hook is not supported on ScriptModules",
a dynamic-quantised Linear had given 0.0 without a reason for every gradient proxy (and
synflow torch's "expected scalar type Float but found Double"): each is now refused in one
line naming ``network``. Lazy modules had failed with torch's "Attempted to use an
uninitialized parameter": they are initialised on a copy and score as the eager network.
"""

from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch import nn
from torch.nn.parameter import is_lazy

import nasperf.zero_cost as zc
from nasperf.errors import ArchitectureFailedError, UnsupportedNetworkError
from nasperf.spaces import resolve_task
from tests.spaces.custom_space_example import ChainSpace

PROXIES = zc.available(population=False)


def _eager(num_classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, num_classes),
    )


def _lazy(num_classes: int = 10) -> nn.Sequential:
    """:func:`_eager` with lazy layers: built in the same order, the same draws."""
    return nn.Sequential(
        nn.LazyConv2d(8, 3, padding=1),
        nn.LazyBatchNorm2d(),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.LazyLinear(num_classes),
    )


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 3, 16, 16, generator=g), torch.arange(8) % 10


def _quantised(net: nn.Module) -> nn.Module:
    with warnings.catch_warnings():  # torch's deprecation of torch.ao.quantization
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)


@pytest.mark.parametrize("how", ["trace", "script"])
def test_a_torchscript_network_is_refused_naming_the_argument(how):
    x, y = _data()
    net = _eager().eval()
    wrapped = torch.jit.trace(net, x[:2]) if how == "trace" else torch.jit.script(net)
    with pytest.raises(UnsupportedNetworkError, match=r"^network is a TorchScript module") as e:
        zc.score(wrapped, x, y, proxies=["synflow", "params"])
    assert "pass the eager nn.Module" in str(e.value) and "\n" not in str(e.value)


def test_a_torchscript_submodule_is_refused_naming_where_it_is():
    x, y = _data()
    net = nn.Sequential(torch.jit.trace(_eager().eval(), x[:2]), nn.ReLU())
    with pytest.raises(UnsupportedNetworkError, match=r"network holds at '0' a TorchScript"):
        zc.score(net, x, y, proxies=["l2_norm"])


@pytest.mark.parametrize("proxy", ["snip", "synflow", "params"])
def test_a_quantised_network_is_refused_naming_the_layer(proxy):
    x, y = _data()
    with pytest.raises(UnsupportedNetworkError, match=r"^network holds quantised layers") as e:
        zc.score(_quantised(_eager()), x, y, proxies=[proxy])
    assert "'5' (torch.ao.nn.quantized.dynamic.Linear)" in str(e.value)
    assert "quantize_dynamic" in str(e.value)


class _Skip(nn.Module):
    """A residual block; ``eager_quant``: written for torch's eager-mode quantisation (a
    ``QuantStub`` / ``DeQuantStub`` pair and the skip-add through ``FloatFunctional``, as in
    torch's tutorial and torchvision's quantizable ResNet), in plain float32."""

    def __init__(self, eager_quant: bool) -> None:
        super().__init__()
        self.eager_quant = eager_quant
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 10)
        if eager_quant:
            self.quant = torch.ao.quantization.QuantStub()
            self.dequant = torch.ao.quantization.DeQuantStub()
            self.skip = torch.ao.nn.quantized.FloatFunctional()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.eager_quant:
            x = self.quant(x)
        x = self.stem(x)
        y = torch.relu(self.bn(self.conv(x)))
        x = self.skip.add(x, y) if self.eager_quant else x + y
        x = self.fc(x.mean((2, 3)))
        return self.dequant(x) if self.eager_quant else x


def test_a_float_network_written_for_eager_quantisation_scores_as_the_plain_one():
    # FloatFunctional's add is torch.add and the stubs are identities in a float network:
    # the same kernels on the same values in one process, so every score is the same float.
    # It had been refused as "quantised" (a check on the package name, torch.ao.nn.quantized)
    x, y = _data()
    torch.manual_seed(0)
    plain = _Skip(eager_quant=False)
    torch.manual_seed(0)
    written = _Skip(eager_quant=True)
    got = zc.score_details(written, x, y, proxies=PROXIES, seed=0)
    want = zc.score_details(plain, x, y, proxies=PROXIES, seed=0)
    for name in PROXIES:
        assert got[name].reason == want[name].reason, name
        if not math.isnan(want[name].value):
            assert got[name].value == want[name].value, name
    # 3*3*3*8 + 8, 3*3*8*8 + 8, BatchNorm's 16, 8*10 + 10: 224 + 584 + 16 + 90
    assert got["params"].value == pytest.approx(914e-6, abs=1e-12)


def test_a_statically_quantised_network_is_refused_naming_its_quantised_modules():
    # torch.ao.quantization.convert of the network above: its QuantStub became Quantize (a
    # module that only quantises), the convolutions and the Linear packed int8 layers
    torch.manual_seed(0)
    net = _Skip(eager_quant=True).eval()
    x, y = _data()
    with warnings.catch_warnings():  # torch's deprecation of torch.ao.quantization
        warnings.simplefilter("ignore")
        net.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
        prepared = torch.ao.quantization.prepare(net)
        prepared(x)
        converted = torch.ao.quantization.convert(prepared)
    with pytest.raises(UnsupportedNetworkError, match=r"^network holds quantised layers") as e:
        zc.score(converted, x, y, proxies=["params"])
    assert "'stem' (torch.ao.nn.quantized.Conv2d)" in str(e.value)


class _PackedLinear(nn.Module):
    """A custom layer holding a packed int8 weight of its own (no torch class of its)."""

    def __init__(self) -> None:
        super().__init__()
        weight = torch.quantize_per_tensor(torch.randn(10, 8), 0.1, 0, torch.qint8)
        self.packed = torch.ops.quantized.linear_prepack(weight, None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic(x.flatten(1), self.packed)


def test_a_custom_layer_holding_a_packed_weight_is_refused():
    x, y = _data()
    net = nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Conv2d(3, 2, 1), _PackedLinear())
    with pytest.raises(UnsupportedNetworkError, match=r"network holds quantised layers") as e:
        zc.score(net, x, y, proxies=["snip"])
    assert "'2' (tests.zero_cost.test_network_forms._PackedLinear)" in str(e.value)


def _prepared(how: str) -> nn.Module:
    """:func:`_eager` (seeded) prepared by torch's eager-mode quantisation: ``"qat"``
    (``prepare_qat``: fake-quantisers on the weights and outputs), ``"qat_off"`` (the same
    with fake quantisation and observers off), ``"ptq"`` (``prepare``: observers)."""
    torch.manual_seed(0)
    net = _eager()
    with warnings.catch_warnings():  # torch's deprecation of torch.ao.quantization
        warnings.simplefilter("ignore")
        if how == "ptq":
            net.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
            return torch.ao.quantization.prepare(net)
        net.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
        torch.ao.quantization.prepare_qat(net, inplace=True)
    if how == "qat_off":
        net.apply(torch.ao.quantization.disable_fake_quant)
        net.apply(torch.ao.quantization.disable_observer)
    return net


def _state(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in net.state_dict().items()}


def _same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].shape == b[k].shape and torch.equal(a[k], b[k]) for k in a
    )


@pytest.mark.parametrize("how", ["ptq", "qat_off"])
def test_a_network_prepared_for_quantisation_scores_as_the_plain_one(how):
    # observers (and fake-quantisers switched off) return their input: the same kernels on
    # the same values in one process, every score the same float (synflow had ended in
    # torch's "expected scalar type Float but found Double" on the QAT network)
    x, y = _data()
    net = _prepared(how)
    got = zc.score(net, x, y, proxies=PROXIES)
    torch.manual_seed(0)
    assert got == zc.score(_eager(), x, y, proxies=PROXIES)


def test_a_qat_network_is_scored_as_it_computes_and_left_as_it_was():
    # prepare_qat's fake-quantisers run in the passes (each from the caller's observer
    # state, on private buffers): the gradient and activation proxies read the
    # fake-quantised network. synflow bypasses them, as it bypasses BatchNorm (a linearised
    # network; torch's fake quantisation runs in float32 only, synflow in float64: it had
    # ended in "expected scalar type Float but found Double"); l2_norm reads the float
    # weights, params and flops count the layers, as for the plain network. params / flops
    # had changed the caller's observers (scale, zero_point, min_val, max_val).
    x, y = _data()
    net = _prepared("qat")
    before = _state(net)
    got = zc.score(net, x, y, proxies=PROXIES)
    assert _same_state(_state(net), before)
    torch.manual_seed(0)
    plain = zc.score(_eager(), x, y, proxies=PROXIES)
    for name in ("synflow", "l2_norm", "params", "flops"):
        assert got[name] == plain[name], name
    assert all(math.isfinite(v) for v in got.values()), got
    # one score per network: alone as beside the others, the caller's state as it was
    for name in ("snip", "synflow", "fisher", "params"):
        assert zc.score(net, x, y, proxies=[name]) == {name: got[name]}
    assert _same_state(_state(net), before)
    # the vote's members too (vote itself ranks a population)
    assert zc.score(net, x, y, proxies=["synflow", "vote"])["synflow"] == got["synflow"]


def test_lazy_modules_score_as_the_eager_network_and_stay_lazy():
    # the copy is initialised first thing under the call's seed: its weights are those of
    # the eager network built after torch.manual_seed(seed) (checked below), so the same
    # kernels run on the same values in this process and every score is equal
    x, y = _data()
    lazy = _lazy()
    before = torch.get_rng_state()
    got = zc.score_details(lazy, x, y, proxies=PROXIES, seed=3)
    assert torch.equal(torch.get_rng_state(), before)
    assert all(is_lazy(p) for p in lazy.parameters())  # the caller's network as it was
    torch.manual_seed(3)
    eager = _eager()
    want = zc.score_details(eager, x, y, proxies=PROXIES, seed=3)
    for name in PROXIES:
        assert got[name].reason == want[name].reason, name
        if not math.isnan(want[name].value):
            assert got[name].value == want[name].value, name
    assert got["params"].value == pytest.approx(330e-6, abs=1e-12)  # 224 + 16 + 90


def test_a_lazy_network_that_fails_its_first_forward_says_so():
    # a 3x3 convolution on 2x2 images: the initialising forward fails, in one line
    bad = nn.Sequential(nn.LazyConv2d(8, 3), nn.Flatten(), nn.LazyLinear(10))
    with pytest.raises(
        ValueError, match=r"^network holds lazy modules .* failed .*shape \(1, 3, 2, 2\)"
    ):
        zc.score(bad, torch.zeros(4, 3, 2, 2), torch.arange(4), proxies=["params"])


class _Chain(ChainSpace):
    """The chain space, its network built by ``build`` (for the task's classes)."""

    def __init__(self, build) -> None:
        super().__init__()
        self.build = build

    def build_network(self, arch, dataset="cifar10", **kwargs):
        return self.build(resolve_task(dataset).num_classes)


def test_compute_scores_a_lazy_builder_as_the_eager_one():
    # compute seeds torch before scoring each network: the lazy copy draws the weights the
    # eager builder drew under the same seed
    space = _Chain(_eager)
    archs = [space.parse("conv3x3-skip-conv1x1")]
    proxies = ["params", "flops", "synflow", "snip", "l2_norm"]
    want = zc.compute(space, archs, proxies, cache=False)
    got = zc.compute(_Chain(_lazy), archs, proxies, cache=False)
    assert got.to_dict("records") == want.to_dict("records")


def test_compute_names_the_architecture_of_a_traced_builder():
    def traced(num_classes: int) -> nn.Module:
        return torch.jit.trace(_eager(num_classes).eval(), torch.zeros(1, 3, 32, 32))

    space = _Chain(traced)
    with pytest.raises(ArchitectureFailedError, match="conv3x3-skip-conv1x1.*TorchScript"):
        zc.compute(space, [space.parse("conv3x3-skip-conv1x1")], ["synflow"], cache=False)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_lazy_half_network_scores_as_the_eager_half_network(dtype):
    # its lazy layers had been initialised on the float32 batch before the network was
    # widened: "Input type (float) and bias type (c10::Half)", for every architecture of a
    # space of such networks in compute (which hands a half network a float32 batch)
    x, y = _data()
    proxies = ["l2_norm", "snip", "synflow", "nwot"]
    torch.manual_seed(0)
    eager = _eager().to(dtype)
    torch.manual_seed(0)
    lazy = _lazy().to(dtype)
    a = zc.score(eager, x, y, proxies, seed=0)
    b = zc.score(lazy, x, y, proxies, seed=0)
    # drawn in float32 in the same order and rounded alike: the same float32 copy
    assert b == pytest.approx(a, rel=1e-12), (a, b)
    assert any(is_lazy(p) for p in lazy.parameters())  # the caller's network as it was
