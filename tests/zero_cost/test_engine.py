"""The engine's per-call network walk (``NetworkState``) and the NASWOT kernel."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

import nasperf
from nasperf.zero_cost import score
from nasperf.zero_cost.engine import (
    NetworkState,
    _agreement_kernel,
    _SecondOrderKernels,
    batch_norm_twice,
    conv2d_twice,
    pool_as_conv,
)


class Tied(nn.Module):
    """A shared submodule (registered twice) and a weight tied between two layers."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.again = self.body  # the same module under a second name
        self.head = nn.Linear(4, 4)
        self.out = nn.Linear(4, 4)
        self.out.weight = self.head.weight  # tied
        self.register_buffer("scale", torch.tensor(2.0), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.again(x).mean((2, 3))
        return self.out(torch.relu(self.head(h))) * self.scale


def test_state_lists_what_named_parameters_and_buffers_list() -> None:
    net = Tied()
    state = NetworkState(net)
    assert list(state.params) == [n for n, _ in net.named_parameters()]
    assert all(state.params[n] is p for n, p in net.named_parameters())
    assert list(state.buffers) == [n for n, _ in net.named_buffers()]
    assert [m for _, m in state.modules] == list(net.modules())


def test_state_call_matches_functional_call_with_tied_weights() -> None:
    torch.manual_seed(0)
    net = Tied().eval()
    state = NetworkState(net)
    private = {n: torch.randn_like(p) for n, p in state.params.items()}
    private.update({n: b.clone() + 1 for n, b in state.buffers.items()})
    x = torch.randn(5, 3, 6, 6)
    with torch.no_grad():
        ours = state.call(private, (x,))
        ref = functional_call(net, private, (x,))
    # the tied weight is replaced in both layers, as functional_call's tie_weights does
    assert torch.equal(ours, ref)
    with torch.no_grad():
        assert not torch.equal(ours, net(x))


def test_state_swap_restores_every_slot_after_an_error() -> None:
    net = Tied()
    before = {n: p for n, p in net.named_parameters(remove_duplicate=False)}
    before_buffers = {n: b for n, b in net.named_buffers(remove_duplicate=False)}
    state = NetworkState(net)
    private = {n: torch.zeros_like(p) for n, p in state.params.items()}
    with pytest.raises(RuntimeError, match="channels"), state.swapped(private):
        assert net.out.weight is private["head.weight"]
        net(torch.randn(2, 5, 6, 6))  # wrong channel count
    after = dict(net.named_parameters(remove_duplicate=False))
    assert after.keys() == before.keys() and all(after[n] is before[n] for n in before)
    assert all(isinstance(p, nn.Parameter) for p in after.values())
    buffers = dict(net.named_buffers(remove_duplicate=False))
    assert all(buffers[n] is b for n, b in before_buffers.items())


def test_score_on_tied_weights_matches_a_direct_computation() -> None:
    # snip = sum |w * dL/dw| over conv / linear weights; the tied matrix is scored once
    # (one parameter) with the gradient summed over both of its uses.
    torch.manual_seed(1)
    net = Tied()
    x, y = torch.randn(8, 3, 6, 6), torch.randint(0, 4, (8,))
    got = score(net, x, y, ["snip"])["snip"]
    ref = Tied()
    ref.load_state_dict(net.state_dict())
    ref.train()
    nn.functional.cross_entropy(ref(x), y).backward()
    weights = [ref.body[0].weight, ref.head.weight]
    want = sum(float((w.detach() * w.grad).abs().sum()) for w in weights)
    assert got == pytest.approx(want, rel=1e-4)


def test_agreement_kernel_counts_matching_codes() -> None:
    gen = torch.Generator().manual_seed(0)
    out = torch.randn(6, 1000, generator=gen).relu()
    out[:, :100] = 0.0  # units inactive everywhere
    k = _agreement_kernel(out)
    c = (out > 0).to(torch.float64)
    want = c @ c.T + (1 - c) @ (1 - c).T
    assert k.dtype == torch.float64
    assert torch.equal(k, want)
    assert torch.equal(k.diagonal(), torch.full((6,), 1000.0, dtype=torch.float64))


@pytest.mark.parametrize(
    ("kernel", "padding", "include_pad", "size"),
    [
        (3, 1, False, (32, 32)),
        (3, 1, True, (32, 32)),
        (5, 2, False, (20, 24)),
        (3, 0, False, (17, 16)),
    ],
)
def test_pool_as_conv_is_the_average_pool(kernel, padding, include_pad, size) -> None:
    # same values (float32 sums in another order: a few ulps) and the same input gradient
    pool = nn.AvgPool2d(kernel, stride=1, padding=padding, count_include_pad=include_pad)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, *size, generator=gen).contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)
    want = pool(x)
    got = pool_as_conv(pool, x)
    assert got is not None and got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    cot = torch.randn(want.shape, generator=gen)
    (gw,) = torch.autograd.grad(want, x, cot)
    (gg,) = torch.autograd.grad(got, x, cot)
    torch.testing.assert_close(gg, gw, rtol=1e-6, atol=1e-6)


def test_pool_as_conv_leaves_other_pools_to_torch() -> None:
    x = torch.randn(2, 3, 32, 32)
    assert pool_as_conv(nn.AvgPool2d(2, stride=2), x) is None  # strided: no gain
    assert pool_as_conv(nn.AvgPool2d(3, 1, 1), x[:, :, :8, :8]) is None  # small: slower
    assert pool_as_conv(nn.AvgPool2d(3, 1, 1), x.double()) is None  # no oneDNN float64
    assert pool_as_conv(nn.AvgPool2d(3, 1, 1, ceil_mode=True), x) is None
    assert pool_as_conv(nn.AvgPool2d(3, 1, 1, divisor_override=2), x) is None


def test_fast_pools_are_undone_and_keep_hooks() -> None:
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.AvgPool2d(3, 1, 1), nn.Flatten())
    seen = []
    net[1].register_forward_hook(lambda m, a, out: seen.append(out.shape))
    state = NetworkState(net)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        want = net(x)
        got = state.call(state.params, (x,))
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    assert len(seen) == 2 and "forward" not in net[1].__dict__
    with pytest.raises(RuntimeError, match="channels"), state.fast_pools():
        assert "forward" in net[1].__dict__
        net(torch.randn(2, 5, 16, 16))
    assert "forward" not in net[1].__dict__


def _derivatives(fn, leaves, cot, vec):
    """``fn()``, the gradient of a loss of it (``sum(cot * y^2)``: the output gradient
    depends on the leaves, as in a network) and the product of that with ``vec``
    differentiated again (a Hessian-vector product, what grasp computes)."""
    y = fn()
    g = torch.autograd.grad((y * y * cot).sum(), leaves, create_graph=True)
    z = sum((gi * v).sum() for gi, v in zip(g, vec, strict=True))
    hv = torch.autograd.grad(z, leaves, allow_unused=True)  # e.g. a bias's g is constant
    return [
        y,
        *g,
        *(torch.zeros_like(t) if h is None else h for t, h in zip(leaves, hv, strict=True)),
    ]


def _randn(shape, gen, channels_last=False):
    t = torch.randn(shape, generator=gen, dtype=torch.float64)
    return t.contiguous(memory_format=torch.channels_last) if channels_last else t


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(6, 3, 5, 4), (7, 5)])
def test_batch_norm_twice_has_native_values_and_derivatives(shape, affine) -> None:
    # float64, so that the comparison is of the formulas, not of float32 rounding: values,
    # gradients and a Hessian-vector product all agree
    gen = torch.Generator().manual_seed(1)
    c = shape[1]
    x = _randn(shape, gen, channels_last=len(shape) == 4).requires_grad_(True)
    w = (torch.rand(c, generator=gen, dtype=torch.float64) + 0.5).requires_grad_(True)
    b = _randn((c,), gen).requires_grad_(True)
    leaves = [x, w, b] if affine else [x]
    wb = (w, b) if affine else (None, None)
    cot = _randn(shape, gen)
    vec = [_randn(t.shape, gen) for t in leaves]
    want = _derivatives(
        lambda: F.batch_norm(x, None, None, *wb, training=True, eps=1e-3), leaves, cot, vec
    )
    got = _derivatives(lambda: batch_norm_twice(x, *wb, eps=1e-3), leaves, cot, vec)
    for a, b_ in zip(got, want, strict=True):
        torch.testing.assert_close(a, b_, rtol=1e-9, atol=1e-9)


def test_batch_norm_twice_leaves_other_cases_to_torch() -> None:
    x = torch.randn(4, 3, 5, 5)
    assert batch_norm_twice(x, None, None, 1e-5) is None  # NCHW: no cheap row view
    assert batch_norm_twice(torch.randn(4, 3, 6), None, None, 1e-5) is None
    xc = x.contiguous(memory_format=torch.channels_last)
    assert batch_norm_twice(xc, None, torch.zeros(3), 1e-5) is None  # a bias alone
    assert batch_norm_twice(xc.bfloat16(), None, None, 1e-5) is None  # float32 statistics
    # the kernels apply to train-mode BatchNorm only: an eval-mode one is torch's
    bn = nn.BatchNorm2d(3).eval()
    with _SecondOrderKernels():
        torch.testing.assert_close(
            bn(xc), F.batch_norm(xc, bn.running_mean, bn.running_var, bn.weight, bn.bias)
        )


@pytest.mark.parametrize(
    ("stride", "padding", "dilation", "groups", "bias"),
    [
        (1, 1, 1, 1, False),
        (2, 1, 1, 1, True),
        (1, 2, 2, 1, True),
        (1, 1, 1, 4, False),
        (2, 0, 1, 2, True),
    ],
)
def test_conv2d_twice_has_native_values_and_derivatives(
    stride, padding, dilation, groups, bias
) -> None:
    gen = torch.Generator().manual_seed(2)
    x = _randn((3, 4, 9, 8), gen, channels_last=True).requires_grad_(True)
    w = _randn((8, 4 // groups, 3, 3), gen, channels_last=True).requires_grad_(True)
    b = _randn((8,), gen).requires_grad_(True) if bias else None
    leaves = [x, w] + ([b] if bias else [])
    conf = (stride, padding, dilation, groups)
    shape = F.conv2d(x, w, b, *conf).shape
    cot = _randn(shape, gen)
    vec = [_randn(t.shape, gen) for t in leaves]
    want = _derivatives(lambda: F.conv2d(x, w, b, *conf), leaves, cot, vec)
    got = _derivatives(lambda: conv2d_twice(x, w, b, *conf), leaves, cot, vec)
    for a, b_ in zip(got, want, strict=True):
        torch.testing.assert_close(a, b_, rtol=1e-9, atol=1e-9)
    # an input that needs no gradient (a network's images) gets none
    x0 = x.detach()
    got = _derivatives(lambda: conv2d_twice(x0, w, b, *conf), leaves[1:], cot, vec[1:])
    want = _derivatives(lambda: F.conv2d(x0, w, b, *conf), leaves[1:], cot, vec[1:])
    for a, b_ in zip(got, want, strict=True):
        torch.testing.assert_close(a, b_, rtol=1e-9, atol=1e-9)
    assert conv2d_twice(x, w, b, 1, "same") is None  # string padding: torch's own


def test_grasp_matches_torch_double_backward_in_float64() -> None:
    # the second-order kernels change how grasp's H g is computed, not what: on a float64
    # NB201 network the score equals torch's own double backward to float64 rounding
    space = nasperf.get_space("nb201")
    torch.manual_seed(0)
    net = space.build_network(
        "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|",
        "cifar10",
        channels=4,
        cells_per_stage=1,
    ).double()
    x, y = nasperf.load_image_batch("cifar10", 8, seed=0)
    x = x.double()
    got = score(net, x, y, ["grasp"])["grasp"]
    ws = [m.weight for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    g = torch.autograd.grad(nn.functional.cross_entropy(net(x), y), ws, create_graph=True)
    hg = torch.autograd.grad(sum((gi.detach() * gi).sum() for gi in g), ws)
    with torch.no_grad():
        want = float(sum((-w * h).sum() for w, h in zip(ws, hg, strict=True)))
    assert got == pytest.approx(want, rel=1e-9)


def test_a_pool_with_its_own_forward_is_left_alone() -> None:
    net = nn.Sequential(nn.AvgPool2d(3, 1, 1))
    own = lambda x: x * 2  # noqa: E731 - an instance forward set by the user
    net[0].forward = own
    state = NetworkState(net)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        got = state.call({}, (x,))
    torch.testing.assert_close(got, x * 2)
    assert net[0].__dict__["forward"] is own
