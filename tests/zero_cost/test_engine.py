"""The engine's per-call network walk (``NetworkState``) and the NASWOT kernel."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.func import functional_call

from nasperf.zero_cost import score
from nasperf.zero_cost.engine import NetworkState, _agreement_kernel


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
