"""The parameters a forward pass reads: those of the modules it calls, and the elements it
reads of any other (an ``nn.ParameterList`` / ``nn.ParameterDict``, a submodule's weight
sliced without calling the submodule, as once-for-all and slimmable layers do), never a
candidate that is not used. Every number below is counted by hand."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc
from nasperf.spaces import count_complexity

SHAPE = (1, 4, 8, 8)  # one 4-channel 8x8 input: 64 positions
HEAD = 4 * 3 + 3  # nn.Linear(4, 3)


def _params(cls: type[nn.Module]) -> int:
    counted = round(count_complexity(cls, SHAPE, convention="macs").mparams * 1e6)
    # the params proxy counts the same network the same way
    x, y = torch.randn(2, *SHAPE[1:]), torch.arange(2) % 3
    proxy = round(zc.score(cls(), x, y, proxies=["params"])["params"] * 1e6)
    assert proxy == counted
    return counted


class ListConvs(nn.Module):
    """Two 3x3 4->4 convolutions held in an ``nn.ParameterList`` (never called)."""

    def __init__(self) -> None:
        super().__init__()
        self.ws = nn.ParameterList([nn.Parameter(torch.randn(4, 4, 3, 3)) for _ in range(2)])
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for w in self.ws:
            x = F.relu(F.conv2d(x, w, padding=1))
        return self.head(x.mean((2, 3)))


def test_weights_in_a_parameter_list_are_counted():
    # 2 * (4 * 4 * 9) + 15 (they had been left out: 15)
    assert _params(ListConvs) == 2 * 144 + HEAD == 303
    macs = count_complexity(ListConvs, SHAPE, convention="macs").mflops * 1e6
    assert round(macs) == 2 * 64 * 144 + 12


class DictConvs(nn.Module):
    """An ``nn.ParameterDict`` of two candidate weights, of which the forward uses one."""

    def __init__(self) -> None:
        super().__init__()
        self.ws = nn.ParameterDict(
            {
                "k3": nn.Parameter(torch.randn(4, 4, 3, 3)),
                "k5": nn.Parameter(torch.randn(4, 4, 5, 5)),
            }
        )
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.conv2d(x, self.ws["k3"], padding=1).mean((2, 3)))


def test_a_parameter_dict_counts_the_entries_read_not_the_candidates_left_unused():
    assert _params(DictConvs) == 144 + HEAD == 159  # k5's 400 are not used


class Slimmable(nn.Module):
    """A once-for-all style layer: the largest convolution (8 -> 6, 3x3, bias) is held, and
    the forward runs its first 5 output and 4 input channels without calling it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 6, 3, padding=1)
        self.head = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w, b = self.conv.weight[:5, : x.shape[1]], self.conv.bias[:5]
        return self.head(F.conv2d(x, w, b, padding=1).mean((2, 3)))


def test_a_sliced_weight_counts_the_slice_the_sub_network_uses():
    # 5 * 4 * 9 weights and 5 biases of the 6 * 8 * 9 + 6 held; the head 5 * 3 + 3
    assert _params(Slimmable) == 5 * 4 * 9 + 5 + 5 * 3 + 3 == 203
    macs = count_complexity(Slimmable, SHAPE, convention="macs").mflops * 1e6
    assert round(macs) == 64 * 5 * 4 * 9 + 5 * 3


class OverlappingSlices(nn.Module):
    """Two slices of one weight, output channels 0-1 and 1-2 (channel 1 in both), the
    second through a transpose (``F.linear`` of a ``(3, 4)`` slice of a ``(6, 4)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 4, 3, 3))
        self.fc = nn.Linear(4, 6)  # not called
        self.head = nn.Linear(3, 3)
        self.spare = nn.Linear(7, 1)  # not called

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.conv2d(x, self.w[:2], padding=1)
        b = F.conv2d(x, self.w[1:3], padding=1)
        z = torch.zeros_like(self.spare.weight)  # its shape only: not a read
        h = F.linear(torch.cat([a, b], 1).mean((2, 3)) + z.sum(), self.fc.weight[:3])
        return self.head(h)


def test_overlapping_slices_count_each_element_once():
    # w: output channels 0, 1, 2 of 4 (3 * 36); fc: 3 rows of 4 (its bias is not read);
    # head 3 * 3 + 3; spare: 0
    assert _params(OverlappingSlices) == 3 * 36 + 3 * 4 + 12 == 132


class Candidates(nn.Module):
    """A supernet-like network: an ``nn.ModuleDict`` of candidate operations, one called."""

    def __init__(self) -> None:
        super().__init__()
        self.ops = nn.ModuleDict(
            {"conv": nn.Conv2d(4, 4, 3, padding=1), "wide": nn.Conv2d(4, 4, 5, padding=2)}
        )
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.ops["conv"](x).mean((2, 3)))


def test_a_candidate_operation_never_called_is_still_left_out():
    assert _params(Candidates) == 144 + 4 + HEAD == 163  # "wide"'s 404 are not


class Scaled(nn.Module):
    """A called module holding a parameter it reads whole, in a product."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x.mean((2, 3)) * self.scale)


def test_a_called_module_s_own_parameter_counts_whole():
    assert _params(Scaled) == 4 + HEAD == 19


@pytest.mark.parametrize("convention", ["naslib", "macs"])
def test_weight_norm_counts_g_and_v_in_every_door(convention):
    from torch.nn.utils import parametrizations

    def build() -> nn.Module:  # Conv3d 3 -> 4, 3x3x3, weight-normed; Linear 4 -> 5
        return nn.Sequential(
            parametrizations.weight_norm(nn.Conv3d(3, 4, 3, padding=1, bias=False)),
            nn.ReLU(),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
            nn.Linear(4, 5),
        )

    counted = count_complexity(build, (1, 3, 4, 8, 8), convention=convention)
    # v 4 * 3 * 27, g one per output channel, the head 4 * 5 + 5: sum(p.numel())
    assert round(counted.mparams * 1e6) == 324 + 4 + 25 == 353
    x, y = torch.randn(2, 3, 4, 8, 8), torch.arange(2) % 5
    proxy = zc.score(build(), x, y, proxies=["params", "flops"])  # (it had counted 349)
    assert round(proxy["params"] * 1e6) == 353
    # flops: naslib's convention, as space.flops by default
    assert proxy["flops"] == count_complexity(build, (1, 3, 4, 8, 8)).mflops
