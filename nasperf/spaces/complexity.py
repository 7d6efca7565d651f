"""FLOPs and parameter counts of a PyTorch network, in NASLib's or the MACs convention.

Two conventions (``convention=`` of :func:`count_complexity` and of every space's
``flops`` / ``complexity``):

``"naslib"`` (default)
    What NASLib (and NAS-Bench-Suite-Zero) report as ``flops``: tensorwatch's
    ``ModelStats`` (a fork of torchstat) run on one image; BN, ReLU and pooling count (below).
``"macs"``
    Multiply-accumulates of the ``Conv2d`` and ``Linear`` layers only (``k_h * k_w *
    C_in / groups * C_out`` per output position, ``in * out`` per linear row; biases, BN,
    activations and pooling are free), what macro-space benchmarks and ``thop``-style
    counters report (NAS-Bench-Macro's ``flops``, MobileNet-style "MACs"). On the same
    network it is a few per cent below ``"naslib"``.

Parameters are the same in both. NASLib's convention in detail:

* Only leaf modules are counted, and only those that are called in the forward pass.
* ``Conv2d``: ``k_h * k_w * C_in * (C_out / groups)`` per output position, plus ``C_out`` per
  position for a bias (one multiply-add counts as one FLOP).
* ``BatchNorm2d``: one per input element, two when affine.
* ``ReLU`` (and ReLU6, PReLU, ELU, LeakyReLU): one per input element.
* ``AvgPool2d`` / ``MaxPool2d``: ``k * k`` per output element.
* ``AdaptiveAvgPool2d`` / ``AdaptiveMaxPool2d``: torchstat's window sum (``(h+1) * (w+1)``
  inputs per output position of the adaptive window).
* ``Linear``: ``in * out`` (bias not counted).
* Parameters: the parameters held directly by every called leaf module.

Functional operations (tensor additions, concatenation, ``x * 0``) cost nothing. A module
called twice counts twice (torchstat kept only the last call; builders in nasperf never call
a module twice, so the two agree on them).

The network is built and run on PyTorch's ``meta`` device, so counting costs no arithmetic
and no memory for weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["CONVENTIONS", "Complexity", "count_complexity", "module_flops"]

#: FLOP-counting conventions (see the module docstring).
CONVENTIONS: tuple[str, ...] = ("naslib", "macs")


def check_convention(convention: str) -> str:
    """``convention`` if it is one of :data:`CONVENTIONS`, else a ``ValueError`` naming them."""
    if convention not in CONVENTIONS:
        raise ValueError(
            f"convention must be one of {', '.join(map(repr, CONVENTIONS))}, got {convention!r}"
        )
    return convention


@dataclass(frozen=True, slots=True)
class Complexity:
    """FLOPs (in MFLOPs) and parameters (in millions) of one network on one input."""

    mflops: float
    mparams: float


def _pair(v: int | tuple[int, ...]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[-1]))


def _adaptive_pool_flops(inp: torch.Tensor, out: torch.Tensor) -> int:
    n, c, h, w = inp.shape
    oh, ow = out.shape[2], out.shape[3]
    total = 0
    for i in range(oh):
        y0, y1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
        for j in range(ow):
            x0, x1 = math.floor(j * w / ow), math.ceil((j + 1) * w / ow)
            total += (y1 - y0 + 1) * (x1 - x0 + 1)
    return n * c * total


def module_flops(
    module: nn.Module, inp: torch.Tensor, out: torch.Tensor, convention: str = "naslib"
) -> int:
    """FLOPs of one call of a leaf ``module`` mapping ``inp`` to ``out`` (see module doc)."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        n, c_out, oh, ow = out.shape
        positions = n * oh * ow
        flops = kh * kw * inp.shape[1] * (c_out // module.groups) * positions
        if module.bias is not None and convention == "naslib":
            flops += c_out * positions
        return int(flops)
    if isinstance(module, nn.Linear):
        return int(inp.shape[0] * module.in_features * module.out_features)
    if convention == "macs":
        return 0
    if isinstance(module, nn.BatchNorm2d):
        return int(inp.numel() * (2 if module.affine else 1))
    if isinstance(module, nn.ReLU | nn.ReLU6 | nn.PReLU | nn.ELU | nn.LeakyReLU):
        return int(inp.numel())
    if isinstance(module, nn.AvgPool2d | nn.MaxPool2d):
        kh, kw = _pair(module.kernel_size)
        return int(out.numel() * kh * kw)
    if isinstance(module, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
        return _adaptive_pool_flops(inp, out)
    return 0


def count_complexity(
    build: Callable[[], nn.Module] | nn.Module,
    input_shape: tuple[int, ...],
    *,
    convention: str = "naslib",
) -> Complexity:
    """Count FLOPs and parameters of a network for one input of ``input_shape``.

    Parameters
    ----------
    build : callable returning nn.Module, or nn.Module
        Preferably a zero-argument factory: it is called under ``torch.device("meta")`` so that
        no weights are allocated. A ready module is run where its weights are, in eval mode
        and without gradients; its parameters and training flag are left as they were.
    input_shape : tuple of int
        Shape of one input batch, e.g. ``(1, 3, 32, 32)``.
    convention : {"naslib", "macs"}
        How FLOPs are counted (see the module docstring); parameters are the same.

    Returns
    -------
    Complexity
        ``mflops`` (FLOPs / 1e6) and ``mparams`` (parameters / 1e6).
    """
    check_convention(convention)
    if isinstance(build, nn.Module):
        net = build
    else:
        with torch.device("meta"):
            net = build()
    # A factory may hand back an existing module; run on wherever its weights live.
    first = next(net.parameters(), None)
    if first is not None:
        device = first.device
    else:
        device = torch.device("cpu" if isinstance(build, nn.Module) else "meta")
    flops = 0
    called: dict[int, nn.Module] = {}

    def hook(module: nn.Module, args: tuple, output: object) -> None:
        nonlocal flops
        if (
            not args
            or not isinstance(args[0], torch.Tensor)
            or not isinstance(output, torch.Tensor)
        ):
            return
        flops += module_flops(module, args[0], output, convention)
        called[id(module)] = module

    handles = [
        m.register_forward_hook(hook) for m in net.modules() if next(m.children(), None) is None
    ]
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(torch.zeros(input_shape, device=device))
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    n_params = sum(p.numel() for m in called.values() for p in m.parameters(recurse=False))
    return Complexity(mflops=flops / 1e6, mparams=n_params / 1e6)
