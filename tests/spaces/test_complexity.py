"""The complexity counter's functional operations and activations: matrix products written
as functions (hand-written attention, einsum, F.scaled_dot_product_attention) count their
multiply-adds once, never again inside a module a rule counts; in NASLib's convention every
activation and softmax counts one FLOP per element, as ReLU does."""

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


ACTIVATIONS = [
    nn.ReLU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Mish, nn.Softplus,
    nn.Softsign, pytest.param(lambda: nn.Softmax(-1), id="Softmax"),
    pytest.param(lambda: nn.LogSoftmax(-1), id="LogSoftmax"),
]  # fmt: skip


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda act: getattr(act, "__name__", None))
def test_every_activation_counts_as_relu_in_naslib_s_convention(act):
    # GELU, SiLU and Softmax had counted 0 (ReLU one per element): swapping ReLU for GELU had
    # lowered a transformer MLP's FLOPs from 540,800 to 532,480
    def mlp() -> nn.Module:
        return nn.Sequential(nn.Linear(D, 16), act(), nn.Linear(16, D))

    weights = L * D * 16 * 2
    assert _macs(mlp, (1, L, D), "naslib") == weights + L * 16  # one per element, once
    assert _macs(mlp, (1, L, D), "macs") == weights  # activations are free there

    class Functional(nn.Module):
        def __init__(self, fn: object) -> None:
            super().__init__()
            self.fn = fn

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fn(x)

    for fn in (F.gelu, F.silu, torch.sigmoid, torch.tanh, F.relu, lambda x: x.softmax(-1)):
        assert _macs(lambda f=fn: Functional(f), (2, L, D), "naslib") == 2 * L * D
        assert _macs(lambda f=fn: Functional(f), (2, L, D), "macs") == 0


def test_attention_s_softmax_counts_once_however_it_is_written():
    # in NASLib's convention the softmax of every head's L x L weights, as an activation;
    # MultiheadAttention's runs inside its rule, SDPA's inside the fused kernel on the CPU
    softmax = H * L * L
    want = PROJECTIONS + PRODUCTS + softmax
    assert want == 1730
    assert _macs(Torch, (1, L, D), "naslib") == want
    for impl in ("matmul", "einsum", "bmm", "sdpa"):
        assert _macs(lambda i=impl: Attention(i), (1, L, D), "naslib") == want
        assert _macs(Attention(impl), (1, L, D), "naslib") == want


def test_a_transformer_layer_s_functional_activation_counts_as_its_module_would():
    # nn.TransformerEncoderLayer applies F.gelu between its Linear layers: counted as the
    # nn.GELU module of the same layer written by hand is
    def torch_layer() -> nn.Module:
        return nn.TransformerEncoderLayer(D, H, 16, 0.0, "gelu", batch_first=True)

    class ByHand(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn, self.norm1, self.norm2 = Torch(), nn.LayerNorm(D), nn.LayerNorm(D)
            self.ffn = nn.Sequential(nn.Linear(D, 16), nn.GELU(), nn.Linear(16, D))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.norm1(x + self.attn(x))
            return self.norm2(x + self.ffn(x))

    attention = PROJECTIONS + PRODUCTS + H * L * L
    ffn = L * D * 16 * 2 + L * 16  # two Linear layers and the GELU between them
    norms = 2 * (2 * L * D)  # two affine LayerNorms, two per element
    assert _macs(torch_layer, (1, L, D), "naslib") == attention + ffn + norms == 3250
    assert _macs(ByHand, (1, L, D), "naslib") == 3250
    macs = PROJECTIONS + PRODUCTS + L * D * 16 * 2
    assert _macs(torch_layer, (1, L, D), "macs") == _macs(ByHand, (1, L, D), "macs") == macs


def test_a_layer_whose_weights_only_scale_is_still_warned_about_with_an_activation():
    class Gate(nn.Module):
        """A leaf with weights and no rule: its activation counts, its weights do not."""

        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(D))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(x * self.scale)

    with pytest.warns(UserWarning, match=r"FLOPs have no rule for Gate \(layers with weights\)"):
        got = count_complexity(Gate, (1, L, D), convention="naslib")
    assert round(got.mflops * 1e6) == L * D  # the sigmoid, one per element


def test_counting_does_not_import_torch_dynamo():
    """torch wraps a dispatch mode's handler to keep torch.compile out, importing
    torch._dynamo on the first operation: 1.1 s in every process that counted FLOPs."""
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "from torch import nn\n"
        "from nasperf.spaces.complexity import count_complexity\n"
        "net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())\n"
        "c = count_complexity(net, (1, 3, 8, 8))\n"
        "print(c.mflops > 0, 'torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


class _Pooled(nn.Module):
    """A 3x3 4 -> 4 convolution, then ``pool`` as a module or as its function."""

    def __init__(self, pool: nn.Module | None, fn=None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.pool, self.fn = pool, fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return self.pool(x) if self.pool is not None else self.fn(x)


# on a (1, 4, 8, 8) map, naslib's count of the pool alone, by hand
POOLS = {
    # 4 * 4 * 4 outputs, a 2x2 window each
    "avg": (nn.AvgPool2d(2), lambda x: F.avg_pool2d(x, 2), 64 * 4),
    "max": (nn.MaxPool2d(2), lambda x: F.max_pool2d(x, (2, 2), return_indices=True)[0], 64 * 4),
    # torchstat's window sum, per dimension of 8 -> 2: (4 - 0 + 1) + (8 - 4 + 1) = 10
    "adaptive_max": (nn.AdaptiveMaxPool2d(2), lambda x: F.adaptive_max_pool2d(x, 2), 4 * 10 * 10),
    # a global pool (output 1) runs as x.mean in aten: told apart as the function it is
    "adaptive_avg": (nn.AdaptiveAvgPool2d(1), lambda x: F.adaptive_avg_pool2d(x, 1), 4 * 9 * 9),
}


@pytest.mark.parametrize("kind", sorted(POOLS))
def test_a_functional_pool_counts_as_its_module_in_naslib_s_convention(kind):
    module, fn, pool = POOLS[kind]
    conv = 64 * 4 * 4 * 9
    by_module = count_complexity(lambda: _Pooled(module), (1, 4, 8, 8)).mflops * 1e6
    by_function = count_complexity(lambda: _Pooled(None, fn), (1, 4, 8, 8)).mflops * 1e6
    assert round(by_module) == round(by_function) == conv + pool  # the function had been 0
    for make in (lambda: _Pooled(module), lambda: _Pooled(None, fn)):  # MACs: pools are free
        assert round(count_complexity(make, (1, 4, 8, 8), convention="macs").mflops * 1e6) == conv


def test_a_functional_3d_global_pool_counts_its_window_sum():
    class Net(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.adaptive_avg_pool3d(x, 1)

    # per (sample, channel) of a (4, 8, 8) volume: (4 + 1) * (8 + 1) * (8 + 1)
    assert round(count_complexity(Net, (1, 3, 4, 8, 8)).mflops * 1e6) == 3 * 5 * 9 * 9
    # a mean written as a reduction stays free, as NB101's head is in NASLib

    class Mean(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean((2, 3, 4))

    assert count_complexity(Mean, (1, 3, 4, 8, 8)).mflops == 0


class _Upsample(nn.Module):
    """A 2x2 stride-2 transposed convolution, 4 -> 4 channels, as a module or a function."""

    def __init__(self, functional: bool) -> None:
        super().__init__()
        self.functional = functional
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose2d(x, self.up.weight, stride=2) if self.functional else self.up(x)


@pytest.mark.parametrize("functional", [False, True])
def test_a_transposed_convolution_counts_the_same_as_a_module_or_a_function(functional):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it ran a product: no "no rule" warning
        naslib = count_complexity(lambda: _Upsample(functional), (1, 4, 8, 8))
        macs = count_complexity(lambda: _Upsample(functional), (1, 4, 8, 8), convention="macs")
    assert naslib.mflops == 0  # torchstat had no rule for them (the function had counted 4,096)
    # per input position (64) k * C_in * C_out = 4 * 4 * 4
    assert round(macs.mflops * 1e6) == 64 * 64
    assert round(naslib.mparams * 1e6) == 64
