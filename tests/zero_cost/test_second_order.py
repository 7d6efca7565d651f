"""The double-backward kernels grasp's pass runs on (``nasperf.zero_cost.second_order``).

Every comparison is in float64, so that it is of the formulas, not of float32 rounding.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf
from nasperf.zero_cost import score
from nasperf.zero_cost.second_order import SecondOrderKernels, batch_norm_twice, conv2d_twice


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
    with SecondOrderKernels():
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
