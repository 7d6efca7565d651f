"""zen reads the features entering the global average pool that runs last in the forward (call
order), each forward's own last call: the same squeeze-and-excitation network had scored 1.86
or 2.85 with its head pool defined after or before its blocks, raised a shape error with one
pool instance shared by blocks and head, and a pool shared by two branches had subtracted one
branch's features from the other's (8.93 against 4.18)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc

#: The networks compared run the same kernels on the same tensors in the same order: zen is
#: equal bit for bit (the tolerance only absorbs a float64 log of equal sums).
REL = 1e-12


class _SE(nn.Module):
    """Squeeze-and-excitation; the squeeze by a pool module or by ``mean`` (no module)."""

    def __init__(self, c: int, pool: nn.Module | None) -> None:
        super().__init__()
        self.pool = pool
        self.f1, self.f2 = nn.Conv2d(c, c // 2, 1), nn.Conv2d(c // 2, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.pool(x) if self.pool is not None else x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.f2(F.relu(self.f1(s))))


class _Net(nn.Module):
    """stem, SE, conv, SE, global pool, linear head. ``variant``: where the head's pool is
    defined ("last", "first"), one pool instance for blocks and head ("shared"), or the
    blocks squeezing by ``mean`` ("functional", the head pool the only pool module)."""

    def __init__(self, variant: str) -> None:
        super().__init__()
        if variant == "first":
            self.gap = nn.AdaptiveAvgPool2d(1)
        shared = nn.AdaptiveAvgPool2d(1) if variant == "shared" else None
        own = variant in ("last", "first")
        self.stem, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.se1 = _SE(8, shared or (nn.AdaptiveAvgPool2d(1) if own else None))
        self.conv, self.bn2 = nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16)
        self.se2 = _SE(16, shared or (nn.AdaptiveAvgPool2d(1) if own else None))
        if variant != "first":
            self.gap = shared or nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.se1(F.relu(self.bn(self.stem(x))))
        x = self.se2(F.relu(self.bn2(self.conv(x))))
        return self.head(self.gap(x).flatten(1))


def _same(variant: str, ref: nn.Module) -> nn.Module:
    net = _Net(variant)
    net.load_state_dict(ref.state_dict())  # pools hold nothing: the same state
    return net


def _x() -> torch.Tensor:
    return torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(0))


def test_zen_reads_the_pool_that_runs_last_whatever_the_module_order():
    torch.manual_seed(0)
    ref = _Net("functional")  # one pool module: the head's; no choice to make
    x = _x()
    expected = zc.score(ref, x, proxies="zen")["zen"]
    assert math.isfinite(expected)
    for variant in ("last", "first", "shared"):
        net = _same(variant, ref)
        assert zc.score(net, x, proxies="zen")["zen"] == pytest.approx(expected, rel=REL), variant


class _Branches(nn.Module):
    """Two conv branches of equal shape, each pooled, concatenated, a linear head; the pools
    one instance (``shared``) or two."""

    def __init__(self, shared: bool) -> None:
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(3, 8, 5, padding=2)
        self.pa = nn.AdaptiveAvgPool2d(1)
        self.pb = self.pa if shared else nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pa, pb = self.pa(F.relu(self.a(x))), self.pb(F.relu(self.b(x)))
        return self.head(torch.cat([pa, pb], 1).flatten(1))


def test_a_pool_shared_by_two_branches_pairs_its_calls_forward_by_forward():
    torch.manual_seed(1)
    own = _Branches(False)
    shared = _Branches(True)
    shared.load_state_dict(own.state_dict())
    x = _x()
    a = zc.score(own, x, proxies="zen")["zen"]
    b = zc.score(shared, x, proxies="zen")["zen"]
    assert math.isfinite(a) and b == pytest.approx(a, rel=REL)


class _Alternating(nn.Module):
    """A forward that ends with another pool on every call (state kept between calls)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.p1, self.p2 = nn.AdaptiveAvgPool2d(1), nn.AdaptiveAvgPool2d(2)
        self.head = nn.LazyLinear(10)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        pool = self.p1 if self.calls % 2 else self.p2
        return self.head(pool(F.relu(self.conv(x))).flatten(1)[:, :8])


def test_zen_is_nan_with_a_reason_when_the_two_forwards_end_with_different_pools():
    torch.manual_seed(0)
    net = _Alternating()
    net(_x())  # materialise the lazy head
    r = zc.score_details(net, _x(), proxies=["zen"])["zen"]
    assert math.isnan(r.value)
    assert "different pool calls" in r.reason and "p1" in r.reason and "p2" in r.reason


class _FunctionalHead(_Net):
    """:class:`_Net` ("last": SE blocks squeezing with pool modules) whose head pools with
    the function ``F.adaptive_avg_pool2d``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.se1(F.relu(self.bn(self.stem(x))))
        x = self.se2(F.relu(self.bn2(self.conv(x))))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


def test_zen_reads_a_functional_head_pool_after_module_pools():
    # the last pool module call had been the last SE block's: zen 5.52 against 7.33
    torch.manual_seed(0)
    ref = _Net("last")
    net = _FunctionalHead("last")
    net.load_state_dict(ref.state_dict())
    x = _x()
    expected = zc.score(ref, x, proxies="zen")["zen"]
    assert zc.score(net, x, proxies="zen")["zen"] == pytest.approx(expected, rel=REL)
