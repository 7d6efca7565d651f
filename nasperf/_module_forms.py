"""Networks handed over in forms other than an eager float ``nn.Module``.

Where a network is handed to nasperf (``zero_cost.score`` / ``compute``,
``spaces.count_complexity`` and the spaces' ``complexity`` / ``params`` / ``flops``), it is
read through its modules: forward hooks on its layers, its parameters and what its forward
passes to torch's functions. Two forms hide them and are refused in one line by
:func:`check_readable`:

* TorchScript (``torch.jit.trace`` / ``torch.jit.script``): the compiled graph runs no
  submodule's hooks, so a traced network had been scored as one without layers (synflow,
  snip, l2_norm NaN with the false reason "no convolution or linear layer") and counted
  without its BatchNorm, ReLU and pooling FLOPs, with no warning; a scripted one had ended
  in torch's "register_forward_hook is not supported on ScriptModules".
* Quantised layers (``torch.ao.quantization.quantize_dynamic`` / ``convert``): their int8
  weights are packed, not parameters, and no gradient reaches them: the gradient proxies had
  returned 0.0 without a reason, and the layers had been left out of ``params``, ``flops``
  and ``l2_norm`` without the warning documented for a layer with weights that no rule
  covers.

Lazy modules (``nn.LazyLinear``, ``nn.LazyConv2d``, ...) hold no weights until their first
forward: :func:`initialised_copy` returns a copy initialised by one forward (the caller's
network stays as it was), which then counts and scores as the same network written with
``nn.Linear`` / ``nn.Conv2d``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from nasperf._torch_state import torch_state
from nasperf.errors import UnsupportedNetworkError

__all__ = ["check_readable", "has_lazy", "initialised_copy"]

#: Packages of torch's quantised modules (static, dynamic, fused and reference ones): their
#: weights are packed int8 tensors, or quantised and dequantised in every forward, which no
#: gradient crosses.
_QUANTISED = (
    "torch.ao.nn.quantized.",
    "torch.ao.nn.intrinsic.quantized.",
    "torch.ao.nn.sparse.quantized.",
    "torch.nn.quantized.",
    "torch.nn.intrinsic.quantized.",
)


def _where(name: str) -> str:
    return repr(name) if name else "the network itself"


def _class(module: nn.Module) -> str:
    """The public path of a module's class (``torch.ao.nn.quantized.dynamic.Linear``)."""
    package = type(module).__module__.split(".modules.")[0]
    return f"{package}.{type(module).__qualname__}"


def _quantised(module: nn.Module) -> bool:
    """Whether ``module`` is one of torch's quantised modules, or holds a quantised tensor
    of its own (a custom layer's packed weight)."""
    if type(module).__module__.startswith(_QUANTISED):
        return True
    own = (*module._parameters.values(), *module._buffers.values())
    return any(isinstance(t, torch.Tensor) and t.is_quantized for t in own)


def check_readable(network: nn.Module, subject: str) -> None:
    """Raise :class:`~nasperf.errors.UnsupportedNetworkError` where ``network`` is, or
    holds, a TorchScript module or quantised layers (module docstring); ``subject`` names
    it in the message (``"network"``, ``"build"``, ``"the network from
    chain.build_network"``). One unnamed walk of the modules (~0.2 ms on an NB201
    network, called once per scoring and per count); names only where one is found."""
    if not any(isinstance(m, torch.jit.ScriptModule) or _quantised(m) for m in network.modules()):
        return
    script = [
        (name, m) for name, m in network.named_modules() if isinstance(m, torch.jit.ScriptModule)
    ]
    if script:
        name, m = script[0]
        what = "is" if not name else f"holds at {name!r}"
        raise UnsupportedNetworkError(
            f"{subject} {what} a TorchScript module ({type(m).__name__}: torch.jit.trace / "
            "script), whose layers nasperf cannot see (its compiled graph runs no hooks: "
            "scores and FLOPs would be wrong); pass the eager nn.Module instead"
        )
    layers: list[str] = []
    for name, m in network.named_modules():
        if _quantised(m) and not any(name.startswith(f"{o}.") for o in layers if o):
            layers.append(name)
    if layers:
        shown = ", ".join(f"{_where(n)} ({_class(network.get_submodule(n))})" for n in layers[:2])
        more = f" and {len(layers) - 2} more" if len(layers) > 2 else ""
        raise UnsupportedNetworkError(
            f"{subject} holds quantised layers, whose packed int8 weights are not parameters "
            "and pass no gradient (nasperf can neither count nor score them): pass the float "
            f"network, before torch.ao.quantization.quantize_dynamic / convert; quantised: "
            f"{shown}{more}"
        )


def has_lazy(network: nn.Module) -> bool:
    """Whether ``network`` holds an uninitialised lazy parameter or buffer (``nn.LazyLinear``
    before its first forward, ...)."""
    return any(
        is_lazy(t)
        for m in network.modules()
        for t in (*m._parameters.values(), *m._buffers.values())
        if t is not None
    )


def initialised_copy(
    network: nn.Module,
    run: Callable[[nn.Module], Any],
    device: torch.device,
    *,
    widen: tuple[torch.dtype, ...] = (),
) -> nn.Module:
    """A copy of ``network`` (which :func:`has_lazy`) whose lazy modules are initialised by
    ``run(copy)``, one forward, called in eval mode (a batch of one sample is enough) and
    without gradients; the copy's training flags are then the network's. Its weights are
    drawn from torch's stream as it is (``zero_cost.score`` seeds it from ``seed``: the
    draws of an eager network built after ``torch.manual_seed(seed)`` in the same order),
    which is restored after (``device``: whose generator, besides the CPU's). The
    caller's network is left uninitialised.

    ``deepcopy`` refuses uninitialised tensors: the copy starts from fresh uninitialised
    ones of the same class, dtype, device and ``requires_grad``.

    Tensors of the dtypes in ``widen`` (float16 / bfloat16, for a caller that runs the
    network in float32 on float32 inputs) are float32 during ``run`` (the lazy ones drawn
    in float32) and cast back after: the copy's values are those of the eager network built
    in float32 and converted (``.half()``), and ``run`` passes float32 inputs (a lazy half
    network had failed on them: "Input type (float) and bias type (c10::Half)")."""
    memo: dict[int, Any] = {}
    for t in (*network.parameters(), *network.buffers()):
        if is_lazy(t):
            dtype = torch.float32 if t.dtype in widen else t.dtype
            fresh = type(t)(requires_grad=t.requires_grad, device=t.device, dtype=dtype)
            if hasattr(t, "persistent"):
                fresh.persistent = t.persistent
            memo[id(t)] = fresh
    lazy_dtypes = {id(memo[id(t)]): t.dtype for t in network.parameters() if id(t) in memo}
    lazy_dtypes.update({id(memo[id(t)]): t.dtype for t in network.buffers() if id(t) in memo})
    net = copy.deepcopy(network, memo)
    # the copy's tensors to cast back after ``run`` (the same objects: a lazy one is
    # materialised in place), with their dtypes
    narrowed: list[tuple[torch.Tensor, torch.dtype]] = []
    for t in {id(t): t for t in (*net.parameters(), *net.buffers())}.values():
        dtype = lazy_dtypes.get(id(t), t.dtype)
        if dtype in widen:
            if not is_lazy(t):
                t.data = t.data.to(torch.float32)
            narrowed.append((t, dtype))
    flags = [(m, m.training) for m in net.modules()]
    try:
        net.eval()
        with torch_state(None, devices=[device]), torch.no_grad():
            run(net)
    finally:
        for m, flag in flags:
            m.training = flag
        for t, dtype in narrowed:
            if not is_lazy(t):
                t.data = t.data.to(dtype)
    return net
