"""Second derivatives on the CPU kernels: the double backward of convolutions and BatchNorm.

GraSP (``nasperf.zero_cost.gradient``) needs a Hessian-gradient product ``H g``: the engine's
train pass runs its forward under :class:`SecondOrderKernels`, so that its backward with
``create_graph=True`` records differentiable backward functions whose own backward (the
double backward) is written out here instead of torch's generic one, which is slow on the
CPU:

* a convolution's computes its weight term as a convolution whose kernel is the output
  gradient (the size of the image), and a grouped (depthwise) convolution one group at a
  time: :func:`conv2d_twice` uses oneDNN's convolution kernels instead;
* BatchNorm's is a chain of reductions over dims ``(0, 2, 3)``, which torch's CPU kernels run
  slowly in channels-last layout: :func:`batch_norm_twice` computes it in closed form over
  the ``(N*H*W, C)`` view, where every reduction is a contiguous column sum.

Both keep torch's own forward and first backward kernels, so every other proxy sharing the
pass reads the values it reads alone; the second derivatives are torch's up to float32
rounding (equal in float64 to ~1e-11, ``tests/zero_cost/test_second_order.py``).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

__all__ = ["SecondOrderKernels", "batch_norm_twice", "conv2d_twice"]


def _two(v: Any) -> list[int]:
    """A convolution's int-or-pair argument as the list of two ints aten's ops take."""
    return [int(v[0]), int(v[1])] if isinstance(v, tuple | list) else [int(v), int(v)]


def _rows(t: torch.Tensor) -> torch.Tensor:
    """A 2-D tensor, or a 4-D one as its ``(N*H*W, C)`` rows (a view in channels-last)."""
    return t if t.dim() == 2 else t.permute(0, 2, 3, 1).reshape(-1, t.shape[1])


def _unrows(rows: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    if like.dim() == 2:
        return rows
    n, c, h, w = like.shape
    return rows.view(n, h, w, c).permute(0, 3, 1, 2)


class _BatchNormBackward(torch.autograd.Function):
    """Train-mode BatchNorm's input / weight / bias gradients (torch's fused kernel), with
    an explicit backward of their own: the double backward in closed form over the
    ``(rows, channels)`` view, where every reduction is a contiguous column sum.

    Per channel, with ``M`` rows, ``h = (x - mean) * r`` (``r`` the inverse standard
    deviation), the gradients ``gb = sum g``, ``gw = sum g h = P`` and
    ``gx = w r (g - mean(g) - h P / M)``. For cotangents ``(ggx, ggw, ggb)`` of these, with
    ``Q = sum ggx h`` and ``K = sum ggx (g - mean(g))``:

    * d/dg = ``w r (ggx - mean(ggx)) + h (ggw - w r Q / M) + ggb``;
    * d/dw = ``r (K - P Q / M)``;
    * d/dx = ``(g - mean(g)) (ggw r - w r^2 Q / M) - (w r^2 P / M) (ggx - mean(ggx))
      + h (3 w r^2 P Q / M^2 - ggw r P / M - w r^2 K / M)``

    (from ``d(sum a h)/dx = r (a - mean(a) - h sum(a h) / M)`` and
    ``dr/dx = -r^2 h / M``; checked against torch's double backward in float64).
    """

    @staticmethod
    def forward(ctx, grad_out, x, weight, mean, invstd, eps, affine):  # type: ignore[override]
        gx, gw, gb = torch.ops.aten.native_batch_norm_backward(
            grad_out, x, weight, None, None, mean, invstd, True, eps, [True, True, True]
        )
        ctx.save_for_backward(grad_out, x, weight, mean, invstd, gw, gb)
        ctx.set_materialize_grads(False)
        return (gx, gw, gb) if affine else (gx, None, None)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, ggx, ggw, ggb):  # type: ignore[override]
        grad_out, x, weight, mean, invstd, p, gb = ctx.saved_tensors
        g, r = _rows(grad_out), invstd
        m = g.shape[0]
        h = (_rows(x) - mean) * r
        g_c = g - gb / m  # g - mean(g)
        w = weight if weight is not None else torch.ones_like(r)
        zero = torch.zeros_like(r)
        ggw = zero if ggw is None else ggw
        if ggx is not None:
            a = _rows(ggx)
            a_c = a - a.mean(0)
            q, k = (a * h).sum(0), (a * g_c).sum(0)
        else:
            a_c, q, k = None, zero, zero
        wr = w * r
        need = ctx.needs_input_grad
        d_g = d_x = d_w = None
        if need[0]:
            rows = h * (ggw - wr * q / m)
            if a_c is not None:
                rows = rows + wr * a_c
            if ggb is not None:
                rows = rows + ggb
            d_g = _unrows(rows, grad_out)
        if need[1]:
            wr2 = wr * r
            rows = g_c * (ggw * r - wr2 * q / m) + h * (
                3 * wr2 * p * q / (m * m) - ggw * r * p / m - wr2 * k / m
            )
            if a_c is not None:
                rows = rows - (wr2 * p / m) * a_c
            d_x = _unrows(rows, x)
        if need[2] and weight is not None:
            d_w = r * (k - p * q / m)
        return d_g, d_x, d_w, None, None, None, None


class _BatchNormTwice(torch.autograd.Function):
    """Train-mode ``F.batch_norm`` (torch's fused kernel) whose backward is a
    :class:`_BatchNormBackward`, differentiable once more."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):  # type: ignore[override]
        y, mean, invstd = torch.ops.aten.native_batch_norm(
            x, weight, bias, None, None, True, 0.0, eps
        )
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.eps = eps
        return y

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        x, weight, mean, invstd = ctx.saved_tensors
        gx, gw, gb = _BatchNormBackward.apply(
            grad_out, x, weight, mean, invstd, ctx.eps, weight is not None
        )
        return gx, gw, gb, None


def batch_norm_twice(
    x: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None, eps: float
) -> torch.Tensor | None:
    """Train-mode ``F.batch_norm`` (batch statistics; same values) whose double backward is
    computed in closed form over the ``(rows, channels)`` view (:class:`_BatchNormBackward`),
    or None for an input other than 2-D or 4-D channels-last float32 / float64, or a bias
    without a weight.
    Running statistics are not updated: the engine's passes run on private buffers that
    are discarded after the pass.
    """
    if not (x.dim() == 2 or (x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last))):
        return None
    if weight is None and bias is not None:
        return None
    if x.dtype not in (torch.float32, torch.float64):
        return None  # half / bfloat16: torch keeps the statistics in float32
    return _BatchNormTwice.apply(x, weight, bias, eps)


def _conv_grads(
    grad_out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, conf: tuple, mask: list
) -> tuple:
    """aten's ``convolution_backward`` of a (non-transposed) 2-D convolution with settings
    ``conf`` = (stride, padding, dilation, groups): the input, weight and bias gradients
    ``mask`` asks for (None for the others)."""
    stride, padding, dilation, groups = conf
    bias_sizes = [weight.shape[0]] if mask[2] else None
    return torch.ops.aten.convolution_backward(
        grad_out, x, weight, bias_sizes, stride, padding, dilation, False, [0, 0], groups, mask
    )


class _ConvBackward(torch.autograd.Function):
    """A 2-D convolution's input / weight / bias gradients from its output gradient, with
    its own backward (the double backward): three oneDNN convolution kernels where torch's
    generic double backward runs the weight gradient as a convolution with the output
    gradient as a kernel the size of the image, and a grouped (depthwise) convolution one
    group at a time."""

    @staticmethod
    def forward(ctx, grad_out, x, weight, mask, stride, padding, dilation, groups):  # type: ignore[override]
        ctx.save_for_backward(grad_out, x, weight)
        ctx.conf = (stride, padding, dilation, groups)
        ctx.set_materialize_grads(False)
        return _conv_grads(grad_out, x, weight, ctx.conf, mask)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, ggx, ggw, ggb):  # type: ignore[override]
        grad_out, x, weight = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.conf
        d_out = d_x = d_w = None
        if ctx.needs_input_grad[0]:
            # the gradients are linear in grad_out: apply the convolution to their cotangents
            terms = []
            if ggx is not None:
                terms.append(F.conv2d(ggx, weight, None, stride, padding, dilation, groups))
            if ggw is not None:
                terms.append(F.conv2d(x, ggw, None, stride, padding, dilation, groups))
            if ggb is not None:
                terms.append(ggb.view(1, -1, 1, 1).expand_as(grad_out))
            for t in terms:
                d_out = t if d_out is None else d_out + t
        if ggw is not None and ctx.needs_input_grad[1]:
            # the weight gradient is bilinear in (grad_out, x): its x-derivative is an input
            # gradient with ggw as the kernel
            d_x = _conv_grads(grad_out, x, ggw, ctx.conf, [True, False, False])[0]
        if ggx is not None and ctx.needs_input_grad[2]:
            # the input gradient is bilinear in (grad_out, weight): a weight gradient of ggx
            d_w = _conv_grads(grad_out, ggx, weight, ctx.conf, [False, True, False])[1]
        return d_out, d_x, d_w, None, None, None, None, None


class _Conv2dTwice(torch.autograd.Function):
    """``F.conv2d`` whose backward is a :class:`_ConvBackward`, differentiable once more."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):  # type: ignore[override]
        ctx.save_for_backward(x, weight)
        ctx.conf = (stride, padding, dilation, groups)
        ctx.has_bias = bias is not None
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        x, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        mask = [need[0], need[1], ctx.has_bias and need[2]]
        gx, gw, gb = _ConvBackward.apply(grad_out, x, weight, mask, *ctx.conf)
        return gx, gw, gb, None, None, None, None


def conv2d_twice(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> torch.Tensor | None:
    """``F.conv2d(...)`` (same values) whose double backward runs on oneDNN's convolution
    kernels (:class:`_ConvBackward`), or None for a string ``padding`` or a non-4-D input."""
    if isinstance(padding, str) or x.dim() != 4:
        return None
    return _Conv2dTwice.apply(x, weight, bias, _two(stride), _two(padding), _two(dilation), groups)


_ARGS = {
    F.conv2d: ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    F.batch_norm: (
        "input",
        "running_mean",
        "running_var",
        "weight",
        "bias",
        "training",
        "momentum",
        "eps",
    ),
}


class SecondOrderKernels(TorchFunctionMode):
    """For a pass that differentiates twice (GraSP's Hessian-gradient product): 2-D
    convolutions through :func:`conv2d_twice` and train-mode BatchNorm through
    :func:`batch_norm_twice`, every other call, or a case they leave, to torch (why: the
    module docstring). On NB201 (8 cells, AVX2, 2 threads) GraSP takes 0.82 s instead of
    1.68 s with it, about half a plain-torch forward + backward + Hessian-vector product.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        names = _ARGS.get(func)
        if names is not None:
            a = dict(zip(names, args, strict=False))
            a.update(kwargs or {})
            if func is F.conv2d:
                out = conv2d_twice(a.pop("input"), **a)
            elif a.get("training", False):
                out = batch_norm_twice(
                    a["input"], a.get("weight"), a.get("bias"), a.get("eps", 1e-5)
                )
            else:
                out = None
            if out is not None:
                return out
        return func(*args, **(kwargs or {}))
