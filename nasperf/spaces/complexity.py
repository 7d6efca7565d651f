"""FLOPs and parameter counts of a PyTorch network, in NASLib's or the MACs convention.

Two conventions (``convention=`` of :func:`count_complexity` and of every space's
``flops`` / ``complexity``):

``"naslib"`` (default)
    What NASLib (and NAS-Bench-Suite-Zero) report as ``flops``: tensorwatch's
    ``ModelStats`` (a fork of torchstat) run on one image; BN, ReLU and pooling count (below).
``"macs"``
    Multiply-accumulates of the convolutions (1-D, 2-D, 3-D) and ``Linear`` layers only
    (``k_h * k_w * C_in / groups * C_out`` per output position, ``in * out`` per linear
    row; biases, BN,
    activations and pooling are free), what macro-space benchmarks and ``thop``-style
    counters report (NAS-Bench-Macro's ``flops``, MobileNet-style "MACs"). On the same
    network it is a few per cent below ``"naslib"``.

Parameters are the same in both. NASLib's convention in detail:

* Only leaf modules are counted, and only those that are called in the forward pass.
* ``Conv2d`` (and ``Conv1d`` / ``Conv3d`` alike): ``k_h * k_w * C_in * (C_out / groups)`` per
  output position, plus ``C_out`` per position for a bias (one multiply-add counts as one
  FLOP). Transposed convolutions count 0, as in torchstat, which has no rule for them (so
  TransNAS-Bench-101's published FLOPs of its decoders leave them out); the ``"macs"``
  convention counts them, per input position.
* ``BatchNorm2d``: one per input element, two when affine.
* ``ReLU`` (and ReLU6, PReLU, ELU, LeakyReLU): one per input element.
* ``AvgPool2d`` / ``MaxPool2d``: ``k * k`` per output element (1-D and 3-D pools: the
  kernel's size).
* ``AdaptiveAvgPool2d`` / ``AdaptiveMaxPool2d``: torchstat's window sum (``(h+1) * (w+1)``
  inputs per output position of the adaptive window; per dimension alike in 1-D and 3-D).
* ``Linear``: ``in * out`` per row (bias not counted); on a sequence ``(N, L, in)`` every
  position is a row.
* Parameters: the parameters held directly by every called module.

Graph networks (forward ``(x, edge_index)``, one row per node; pass ``inputs=``) follow the
same convention, one FLOP per multiply-add of their dense transforms, per input row:

* torch_geometric's ``Linear`` (inside ``GCNConv``, ``GATConv``, ``SAGEConv``, ``ChebConv``,
  ``GraphConv``) as ``nn.Linear``; ``ARMAConv``'s weight matrices ``rows * in * out`` each
  (``init`` and ``root`` per stack, plus ``num_layers - 1`` hidden-to-hidden ones).
* ``BatchNorm1d`` (any ``_BatchNorm``) as ``BatchNorm2d``: one per input element, two when
  affine.
* Message passing itself (gathering, normalising and summing neighbours' features, GAT's
  attention coefficients) is functional and costs nothing here, as tensor additions do.

Functional operations (tensor additions, concatenation, ``x * 0``) cost nothing. A module
called twice counts twice (torchstat kept only the last call; builders in nasperf never call
a module twice, so the two agree on them).

The network is built and run on PyTorch's ``meta`` device, so counting costs no arithmetic
and no memory for weights.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
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


def _rows(inp: torch.Tensor) -> int:
    """Rows a linear layer transforms: every position before the feature dimension
    (``(N, in)``: N; a sequence's ``(N, L, in)``: N * L)."""
    return inp.numel() // inp.shape[-1] if inp.dim() and inp.shape[-1] else 0


def _adaptive_pool_flops(inp: torch.Tensor, out: torch.Tensor) -> int:
    """torchstat's window sum, ``(h+1) * (w+1)`` inputs per output position of the adaptive
    window; it factorises over the spatial dimensions, so 1-D and 3-D pools take the
    same rule one dimension each."""
    spatial = out.dim() - 2
    total = inp.shape[0] * inp.shape[1]
    for size, o in zip(inp.shape[-spatial:], out.shape[-spatial:], strict=True):
        total *= sum(math.ceil((i + 1) * size / o) - math.floor(i * size / o) + 1 for i in range(o))
    return int(total)


def _loaded_type(module_name: str, cls: str) -> type | None:
    """``module_name.cls`` if that module is already imported, else ``None``: a network can
    hold an instance only if its class was imported, so torch_geometric is never imported
    here just to find out that a network does not use it."""
    mod = sys.modules.get(module_name)
    return getattr(mod, cls, None) if mod is not None else None


def _arma_flops(module: nn.Module, inp: torch.Tensor) -> int:
    rows = int(inp.shape[0]) if inp.dim() > 1 else 1
    k, layers = int(module.num_stacks), int(module.num_layers)
    f_in, f_out = int(module.in_channels), int(module.out_channels)
    # first layer: init and root weights; later layers: hidden-to-hidden and root weights
    first = 2 * f_in * f_out
    later = (layers - 1) * (f_out * f_out + f_in * f_out)
    return rows * k * (first + later)


def module_flops(
    module: nn.Module, inp: torch.Tensor, out: torch.Tensor, convention: str = "naslib"
) -> int:
    """FLOPs of one call of a leaf ``module`` mapping ``inp`` to ``out`` (see module doc).

    Of non-leaf modules only those whose own weights do arithmetic (torch_geometric's
    ``ARMAConv``) have a rule; every other container counts 0 (its children are counted).
    """
    if isinstance(module, nn.modules.conv._ConvNd):  # Conv1d / 2d / 3d and transposed
        if module.transposed and convention == "naslib":
            return 0  # torchstat has no rule for them (TransNAS-Bench-101's FLOPs omit them)
        kernel = math.prod(module.kernel_size)
        c_in, c_out = module.in_channels, module.out_channels
        # each input position (transposed) or output position (direct) of every sample
        positions = math.prod((inp if module.transposed else out).shape[2:]) * out.shape[0]
        flops = kernel * c_in * (c_out // module.groups) * positions
        if module.bias is not None and convention == "naslib":
            flops += c_out * math.prod(out.shape[2:]) * out.shape[0]
        return int(flops)
    if isinstance(module, nn.Linear):
        return int(_rows(inp) * module.in_features * module.out_features)
    pyg_linear = _loaded_type("torch_geometric.nn.dense.linear", "Linear")
    if pyg_linear is not None and isinstance(module, pyg_linear):
        return int(_rows(inp) * module.in_channels * module.out_channels)
    arma = _loaded_type("torch_geometric.nn.conv.arma_conv", "ARMAConv")
    if arma is not None and isinstance(module, arma):
        return _arma_flops(module, inp)
    if convention == "macs":
        return 0
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return int(inp.numel() * (2 if module.affine else 1))
    if isinstance(module, nn.ReLU | nn.ReLU6 | nn.PReLU | nn.ELU | nn.LeakyReLU):
        return int(inp.numel())
    pools = nn.modules.pooling
    if isinstance(module, pools._AvgPoolNd | pools._MaxPoolNd):  # 1-D, 2-D, 3-D
        spatial = out.dim() - 2
        kernel = module.kernel_size
        size = kernel**spatial if isinstance(kernel, int) else math.prod(kernel)
        return int(out.numel() * size)
    if isinstance(module, pools._AdaptiveAvgPoolNd | pools._AdaptiveMaxPoolNd):
        return _adaptive_pool_flops(inp, out)
    return 0


def count_complexity(
    build: Callable[[], nn.Module] | nn.Module,
    input_shape: tuple[int, ...] | None = None,
    *,
    inputs: Sequence[torch.Tensor] | None = None,
    convention: str = "naslib",
    what: str = "the network factory",
) -> Complexity:
    """Count FLOPs and parameters of a network for one input of ``input_shape``.

    Parameters
    ----------
    build : callable returning nn.Module, or nn.Module
        Preferably a zero-argument factory: it is called under ``torch.device("meta")`` so that
        no weights are allocated. A ready module is run where its weights are, in eval mode
        and without gradients; its parameters and training flag are left as they were.
    input_shape : tuple of int
        Shape of one input batch, e.g. ``(1, 3, 32, 32)``; the network is called on zeros.
    inputs : sequence of Tensor, optional
        The forward arguments instead (e.g. ``(x, edge_index)`` of a graph network; moved to
        the network's device). Graph layers need real tensors (their self-loop handling has
        data-dependent shapes): pass a ready module, not a factory, with ``inputs``.
    convention : {"naslib", "macs"}
        How FLOPs are counted (see the module docstring); parameters are the same.
    what : str
        What ``build`` is, for the error when it returns no ``nn.Module`` (e.g.
        ``"chain.build_network"``).

    Returns
    -------
    Complexity
        ``mflops`` (FLOPs / 1e6) and ``mparams`` (parameters / 1e6).
    """
    if (input_shape is None) == (inputs is None):
        raise ValueError("pass exactly one of input_shape and inputs")
    check_convention(convention)
    if isinstance(build, nn.Module):
        net = build
    else:
        with torch.device("meta"):
            net = build()
        if not isinstance(net, nn.Module):
            raise TypeError(f"{what} returned {type(net).__name__}, expected a torch.nn.Module")
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
        called[id(module)] = module
        if (
            not args
            or not isinstance(args[0], torch.Tensor)
            or not isinstance(output, torch.Tensor)
        ):
            return
        flops += module_flops(module, args[0], output, convention)

    # Every module is hooked so that parameters a container holds itself (a graph layer's
    # bias or weight matrices) are counted; FLOPs rules exist for leaves (and ARMAConv).
    handles = [m.register_forward_hook(hook) for m in net.modules()]
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            if inputs is None:
                net(torch.zeros(input_shape, device=device))
            else:
                net(*(t.to(device) for t in inputs))
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    n_params = sum(p.numel() for m in called.values() for p in m.parameters(recurse=False))
    return Complexity(mflops=flops / 1e6, mparams=n_params / 1e6)
