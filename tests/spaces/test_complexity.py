"""The complexity counter's functional operations: matrix products written as functions
(hand-written attention, einsum, F.scaled_dot_product_attention) count their multiply-adds
once, never again inside a module a rule counts."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nasperf.spaces import count_complexity

# a tiny attention block: L tokens of width D, H heads of width D / H
L, D, H = 5, 8, 2
PROJECTIONS = L * D * 3 * D + L * D * D  # qkv (D -> 3D) and output projection, per row
# Q K^T: H heads of (L x D/H) @ (D/H x L) = L * L * D; the product with V: the same
PRODUCTS = 2 * L * L * D


class Attention(nn.Module):
    """Self-attention as ViT / AutoFormer / HAT code writes it: an ``nn.Linear`` qkv, then
    the two products with the attention matrix written as functions (``impl``)."""

    def __init__(self, impl: str) -> None:
        super().__init__()
        self.impl = impl
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, H, d // H).permute(2, 0, 3, 1, 4)
        if self.impl == "sdpa":
            out = F.scaled_dot_product_attention(q, k, v)
        elif self.impl == "einsum":
            att = torch.einsum("bhld,bhsd->bhls", q, k).softmax(-1)
            out = torch.einsum("bhls,bhsd->bhld", att, v)
        elif self.impl == "bmm":
            q, k, v = (t.reshape(b * H, n, d // H) for t in (q, k, v))
            out = torch.bmm(torch.bmm(q, k.transpose(1, 2)).softmax(-1), v).reshape(b, H, n, -1)
        else:
            out = (q @ k.transpose(-2, -1) / (d // H) ** 0.5).softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class Torch(nn.Module):
    """The same block on ``nn.MultiheadAttention``, which a rule counts."""

    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(D, H, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x, x, x, need_weights=False)[0]


def _macs(build: object, shape: tuple[int, ...], convention: str = "macs") -> int:
    return round(count_complexity(build, shape, convention=convention).mflops * 1e6)


@pytest.mark.parametrize("impl", ["matmul", "einsum", "bmm", "sdpa"])
def test_functional_attention_products_count_as_multi_head_attention_does(impl):
    # QK^T and AV had counted 0 (21.6 % of a 3-layer 65-token ViT's MACs left out)
    assert _macs(lambda: Attention(impl), (1, L, D)) == PROJECTIONS + PRODUCTS == 1680
    assert _macs(Torch, (1, L, D)) == PROJECTIONS + PRODUCTS  # no product counted twice
    assert _macs(lambda: Attention(impl), (3, L, D)) == 3 * (PROJECTIONS + PRODUCTS)
    # a built network on the CPU, as the flops proxy counts it: F.scaled_dot_product_attention
    # runs a fused CPU kernel there (on the meta device, two bmm)
    torch.manual_seed(0)
    assert _macs(Attention(impl), (1, L, D)) == PROJECTIONS + PRODUCTS


def test_cross_attention_products_read_the_key_length_and_value_width():
    class Cross(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # query (1, 2 heads, 5, 4), key (1, 2, 3, 4), value (1, 2, 3, 6)
            q = x[..., :20].reshape(1, 2, 5, 2).repeat(1, 1, 1, 2)
            k, v = q[:, :, :3], q[:, :, :3].repeat(1, 1, 1, 3)[..., :6]
            return F.scaled_dot_product_attention(q, k, v)

    # B * H * L * S * (E + E_v)
    assert _macs(Cross, (1, 40)) == 1 * 2 * 5 * 3 * (4 + 6) == 300
    assert _macs(Cross(), (1, 40)) == 300


def test_products_inside_a_counted_module_are_not_counted_again():
    class MatmulLinear(nn.Linear):
        """A Linear subclass whose forward is a matmul: its rule counts it, once."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ self.weight.T + self.bias

    for linear in (nn.Linear, MatmulLinear):
        assert _macs(lambda lin=linear: lin(D, 4), (2, L, D)) == 2 * L * D * 4
        assert _macs(lambda lin=linear: lin(D, 4), (2, L, D), "naslib") == 2 * L * D * 4
    # convolutions run aten.convolution inside their module: counted once by the rule
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
    assert _macs(lambda: conv, (1, 3, 6, 6)) == 9 * 3 * 4 * 36


def test_a_layer_with_weights_that_runs_a_product_is_counted_without_a_warning():
    class Bilinear(nn.Module):
        """A leaf with weights and no rule of its own: its products count."""

        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(D, 4))
            self.b = nn.Parameter(torch.zeros(L, L))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # (L x D) @ (D x 4), F.linear's (L x 4) @ (4 x 4)^T, (L x L) @ (L x 4)
            y = x @ self.w
            y = F.linear(y, torch.ones(4, 4, device=y.device), torch.ones(4, device=y.device))
            return torch.matmul(self.b, y)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "FLOPs have no rule for Bilinear" had been given
        got = count_complexity(Bilinear, (1, L, D), convention="macs")
    assert round(got.mflops * 1e6) == L * D * 4 + L * 4 * 4 + L * L * 4 == 340
    assert round(got.mparams * 1e6) == D * 4 + L * L


def test_functional_convolutions_count_their_multiply_adds_without_bias():
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(4, 3, 3, 3))
            self.bias = nn.Parameter(torch.zeros(4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.conv2d(x, self.weight, self.bias, padding=1)

    for convention in ("macs", "naslib"):
        assert _macs(Functional, (1, 3, 6, 6), convention) == 9 * 3 * 4 * 36


def test_elementwise_functional_operations_stay_free():
    class Elementwise(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x + 1) * 2 - x.mean(-1, keepdim=True) + torch.cat([x, x], -1)[..., :D]

    for convention in ("macs", "naslib"):
        assert _macs(Elementwise, (1, L, D), convention) == 0
