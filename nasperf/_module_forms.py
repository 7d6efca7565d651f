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
  covers. A module is quantised by what it is or holds (:func:`_quantised`), never by the
  package its class comes from: a float network written for eager-mode quantisation
  (skip-adds through ``torch.ao.nn.quantized.FloatFunctional``, ``QuantStub`` /
  ``DeQuantStub``, as torch's tutorial and torchvision's quantizable models are) holds
  float32 weights and runs float ops, and is read as the same network written with ``+``.

Lazy modules (``nn.LazyLinear``, ``nn.LazyConv2d``, ...) hold no weights until their first
forward: :func:`initialised_copy` returns a copy initialised by one forward (the caller's
network stays as it was), which then counts and scores as the same network written with
``nn.Linear`` / ``nn.Conv2d``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from nasperf._torch_state import torch_state
from nasperf.errors import UnsupportedNetworkError

__all__ = ["check_readable", "has_lazy", "initialised_copy", "quantisation_markers"]


@functools.cache
def _quantised_classes() -> tuple[type[nn.Module], ...]:
    """The classes torch's quantisation converts float modules to (its static, reference,
    dynamic and sparse conversion tables: quantised ``Linear`` / ``Conv2d``, ``Quantize``,
    ``QFunctional``, the quantised activations and norms, the reference modules, which
    quantise and dequantise their weight in every forward), less any class a float module
    of those tables is an instance of, so that ``isinstance`` never catches a float module.
    ``FloatFunctional``, ``QuantStub`` and ``DeQuantStub`` are sources there, not targets:
    float ops and identities."""
    from torch.ao.quantization import quantization_mappings as mappings

    tables = (
        "get_default_static_quant_module_mappings",
        "get_default_static_quant_reference_module_mappings",
        "get_default_dynamic_quant_module_mappings",
        "get_default_static_sparse_quant_module_mappings",
        "get_default_dynamic_sparse_quant_module_mappings",
    )
    sources: set[type] = set()
    targets: set[type] = set()
    for table in tables:
        get = getattr(mappings, table, None)  # (a later torch may drop one)
        for source, target in (get() if get is not None else {}).items():
            if isinstance(source, type):
                sources.add(source)
            if isinstance(target, type) and issubclass(target, nn.Module):
                targets.add(target)
    return tuple(t for t in targets if not any(issubclass(s, t) for s in sources))


def _where(name: str) -> str:
    return repr(name) if name else "the network itself"


def _class(module: nn.Module) -> str:
    """The public path of a module's class (``torch.ao.nn.quantized.dynamic.Linear``)."""
    package = type(module).__module__
    package = package.split(".modules.")[0].removesuffix(".modules")
    return f"{package}.{type(module).__qualname__}"


@functools.cache
def _quantised_type(cls: type) -> bool:
    """Whether modules of class ``cls`` are quantised ones (:func:`_quantised_classes`),
    once per class: a tuple ``isinstance`` per module had made the check 4x slower."""
    return issubclass(cls, _quantised_classes())


def _quantised(module: nn.Module) -> bool:
    """Whether ``module`` runs quantised kernels or holds quantised weights: an instance of
    a class torch's quantisation converts to (:func:`_quantised_classes`), or a module
    holding a quantised tensor or a packed weight (a ``torch.ScriptObject``:
    ``quantized.linear_prepack``'s, a custom layer's) of its own."""
    if _quantised_type(type(module)):
        return True
    own = (*module._parameters.values(), *module._buffers.values())
    if any(isinstance(t, torch.Tensor) and t.is_quantized for t in own):
        return True
    return torch.ScriptObject in map(type, vars(module).values())


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


def quantisation_markers(modules: Iterable[nn.Module]) -> set[int]:
    """``id``s of the modules among ``modules`` that only mark where torch's quantisation
    would quantise, dequantise or observe: ``QuantStub`` / ``DeQuantStub`` (identities in a
    float network), the modules a ``FloatFunctional`` holds (its ``activation_post_process``
    placeholder, called on each result of its float ops), observers and fake-quantisers
    (``prepare`` / ``prepare_qat``). They are no layers of the architecture: a proxy that
    reads every module's output (meco) leaves them out, so that a float network written for
    eager-mode quantisation reads as the same network written with ``+``."""
    from torch.ao.nn.quantized import FloatFunctional, FXFloatFunctional
    from torch.ao.quantization import DeQuantStub, FakeQuantizeBase, ObserverBase, QuantStub

    marks = (QuantStub, DeQuantStub, ObserverBase, FakeQuantizeBase)
    out: set[int] = set()
    for m in modules:
        if isinstance(m, FloatFunctional | FXFloatFunctional):
            out.update(id(sub) for sub in m.modules())
        elif isinstance(m, marks):
            out.add(id(m))
    return out


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
