"""The engine's per-call network walk (``NetworkState``) and the NASWOT kernel."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.func import functional_call

from nasperf.zero_cost import score
from nasperf.zero_cost.engine import NetworkState, _agreement_kernel, pool_as_conv


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
