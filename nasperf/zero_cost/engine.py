"""The shared-pass engine behind :func:`nasperf.zero_cost.score`.

Proxies never run the network themselves. Each declares which *taps* it needs (a forward in
train mode on the data, the cross-entropy gradients, the input gradient, ReLU codes, ...);
the engine runs every distinct pass once for all requested proxies and hands each proxy a
:class:`Context` holding the results.

The caller's network is never changed: passes run through
:meth:`NetworkState.call` (``functional_call``'s tensor swap over one walk of the module
tree per scoring call) on private tensors (detached aliases of the parameters for
gradient passes, fresh copies where values change, e.g. synflow's absolute weights or zen's
Gaussian ones), so weights, buffers (BatchNorm running statistics), ``requires_grad`` and
``.grad`` of the caller's parameters stay as they were. Forward hooks and train mode are set
for the duration of a pass only and are undone in ``finally`` blocks, each module's own
training flag restored.

Inputs
------
The network's forward takes one tensor (images ``(N, C, H, W)``) or several (a graph
network's ``(x, edge_index)``): :class:`ProxyInputs` holds them, with the first tensor the
input that gradients and random inputs refer to, and the *scored rows*, the samples a proxy
sees. For images every sample is scored. For a graph every node is computed, but only the
scored nodes (e.g. the training nodes) count: logits, labels, the loss, input gradients,
ReLU codes and per-sample activations are restricted to them, so a proxy sees a batch of
``len(rows)`` samples whatever the input.

Randomness
----------
Dropout and other stochastic layers draw from torch's global stream. Each proxy's
``compute`` and the shared train-mode pass run with that stream reseeded from the call's
``seed`` (:func:`seeded_stream`, restored after), so a proxy draws the same masks whichever
other proxies run in the same call and in whichever order (zen and zico had moved with the
set of proxies on networks with dropout, and the cache had kept whichever value came first).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode, _get_current_function_mode
from torch.utils.weak import WeakIdKeyDictionary

from nasperf._module_forms import quantisation_markers
from nasperf._torch_state import torch_state
from nasperf.registry import Registry

from .second_order import SecondOrderKernels

__all__ = [
    "EDGE_FIELDS",
    "HALF_PRECISION",
    "PROXIES",
    "Context",
    "NetworkState",
    "Proxy",
    "ProxyInputs",
    "ProxyResult",
    "UndefinedProxyError",
    "as_proxy_inputs",
    "class_labels",
    "default_loss",
    "forward_fields",
    "prunable_layers",
    "regression_loss",
    "run_proxies",
    "scored_weights",
    "scoring_dtype",
    "seeded_stream",
    "widened",
]


def _math_attention():
    """Scaled dot-product attention by its math kernel, whose backward can be
    differentiated again (the fused kernels' cannot: GraSP on a network of two attention
    layers had failed with 'derivative for ..._flash_attention_for_cpu_backward is not
    implemented')."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError:  # torch < 2.3: no backend switch here (nor the CPU flash kernel)
        return contextlib.nullcontext()
    return sdpa_kernel(SDPBackend.MATH)


def _name_proxy(name: str, cls: Any) -> None:
    """A proxy class is called by the name it is registered under: one that leaves ``name``
    unset gets it (it had been registered, yet left out of ``available()`` and ``nasperf
    info``), one that says another name is refused."""
    own = getattr(cls, "name", "")
    if not own:
        cls.name = name
    elif own != name:
        raise ValueError(
            f"zero-cost proxy class {getattr(cls, '__name__', cls)!r} says name = {own!r} "
            f"but is registered as {name!r}; use one name"
        )


#: The proxy registry (``nasperf.zero_cost.PROXIES``): ``@PROXIES.register("name")`` on a
#: :class:`Proxy` subclass in a module of this package (or a user's module).
PROXIES: Registry = Registry("zero-cost proxy", check=_name_proxy)

#: Layers whose weights the pruning-at-init proxies (snip, grasp, synflow, ...) score, as in
#: NASLib / zero-cost-nas (``get_layer_metric_array``): convolutions and linear layers. Also
#: ``nn.MultiheadAttention``'s input projections (its ``out_proj`` is an ``nn.Linear``) and
#: recurrent layers' input, hidden and projection maps; for graph networks
#: torch_geometric's ``Linear`` (inside GCN, GAT, SAGE, Cheb, GraphConv layers) and the
#: weight matrices a message-passing layer holds itself (``ARMAConv``): see
#: :func:`scored_weights`; and a user's layer's own parameters passed to ``F.conv2d`` /
#: ``F.linear`` / ``@`` (:attr:`Context.functional_weights`). Transposed convolutions
#: (``nn.ConvTranspose1d/2d/3d``, not subclasses of these) are not scored, as in NASLib,
#: whose rule is ``isinstance(layer, nn.Conv2d)`` (NAS-Bench-Suite-Zero's
#: TransNAS-Bench-101 scores): its decoders' upsampling weights add nothing.
PRUNABLE = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)

#: nn.MultiheadAttention's input-projection weights: one ``(3E, E)`` matrix, or separate
#: query / key / value matrices when the key or value width differs from ``E``.
ATTENTION_WEIGHTS = ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight")

#: Recurrent layers: ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (``nn.RNNBase``) and their cells
#: (``nn.RNNCellBase``), which hold their gates' linear maps as weight matrices.
RECURRENT = (nn.RNNBase, nn.RNNCellBase)

#: Name prefixes of a recurrent layer's weight matrices: its input and hidden maps, all gates
#: stacked (``weight_ih_l{k}`` / ``weight_hh_l{k}``, ``_reverse`` for the second direction;
#: a cell's ``weight_ih`` / ``weight_hh``), and an LSTM's output projection with
#: ``proj_size`` (``weight_hr_l{k}``). Its biases (``bias_ih`` / ``bias_hh``) are not scored,
#: as no layer's bias is.
RECURRENT_WEIGHTS = ("weight_ih", "weight_hh", "weight_hr")


#: Functions whose weight operand (argument 1, ``weight``) is a convolution's or a linear
#: map's weight, and whose argument 2 (``bias``) its bias: a parameter a network passes
#: there itself, from a layer of its own (``F.conv2d(x, self.weight)``), is scored as the
#: weight of the built-in layer (:func:`weight_operands`). Transposed convolutions are not
#: among them, as ``nn.ConvTranspose*`` is not among :data:`PRUNABLE`.
_WEIGHT_OPS: dict[Callable[..., Any], str] = {
    torch.conv1d: "conv",
    torch.conv2d: "conv",
    torch.conv3d: "conv",
    F.linear: "linear",
}
_LAYER_KINDS = frozenset(_WEIGHT_OPS.values())
#: Matrix products: every parameter among their operands is a linear map's weight (``x @
#: self.weight``, ``torch.einsum("bi,oi->bo", x, self.weight)``).
_MATMUL_OPS: frozenset[Callable[..., Any]] = frozenset(
    {
        torch.matmul,
        torch.Tensor.matmul,
        torch.Tensor.__matmul__,
        torch.Tensor.__rmatmul__,
        torch.mm,
        torch.Tensor.mm,
        torch.bmm,
        torch.Tensor.bmm,
        torch.mv,
        torch.Tensor.mv,
        torch.addmm,
        torch.Tensor.addmm,
        torch.baddbmm,
        torch.Tensor.baddbmm,
        torch.einsum,
        # aliases and other products of the same kind
        torch.linalg.matmul,
        torch.tensordot,
        torch.inner,
        torch.Tensor.inner,
        torch.linalg.multi_dot,
        torch.chain_matmul,
        torch.addmv,
        torch.Tensor.addmv,
        torch.addbmm,
        torch.Tensor.addbmm,
    }
)
#: Products whose first operand (``input``) is added to the product, never multiplied:
#: a bias, not a weight (``torch.addmm(self.bias, x, self.weight.t())``, F.linear fused;
#: its bias had been scored as a weight: l2_norm 17.82 against 3.18 for F.linear).
_ADD_PRODUCTS: frozenset[Callable[..., Any]] = frozenset(
    {
        torch.addmm,
        torch.Tensor.addmm,
        torch.addmv,
        torch.Tensor.addmv,
        torch.baddbmm,
        torch.Tensor.baddbmm,
        torch.addbmm,
        torch.Tensor.addbmm,
    }
)
#: Bound on the autograd nodes :func:`_derived_from` visits for one operand: a weight
#: computed from its parameter is a few ops away from it; an activation meets a second
#: leaf (another layer's weight, the inputs) within a few nodes.
_TRACE_LIMIT = 256
#: The autograd nodes (their class names less the trailing version digits) that
#: :func:`_derived_from` follows back to a parameter: views and reshapes, slices, copies and
#: casts, and elementwise ops (whose other operand needs no gradient: a constant, a buffer
#: such as a pruning mask, ``w * mask``). Any other node ends the trace: a gather
#: (``nn.Embedding``'s lookup, ``index_select``, indexing by data) computes an activation
#: from a table, not a weight (``emb(ids) @ W`` had had the whole table scored as a weight:
#: l2_norm 32.12 against 2.32).
_WEIGHT_FORMS: frozenset[str] = frozenset(
    f"{name}Backward"
    for name in (
        # views, reshapes, slices
        "T", "View", "UnsafeView", "ReshapeAlias", "Transpose", "Permute", "Slice",
        "Select", "Expand", "Alias", "Squeeze", "Unsqueeze", "AsStrided", "Split",
        "SplitWithSizes", "Unbind", "Flip", "Unfold",
        # copies and casts
        "Clone", "ToCopy",
        # elementwise
        "Mul", "Div", "Add", "Sub", "Neg", "Relu", "Abs", "Exp", "Sigmoid", "Tanh",
        "Softplus", "Pow", "Sqrt", "Clamp", "ClampMin", "ClampMax", "Hardtanh",
        "MaskedFill", "Where", "Sign", "Sgn",
    )
)  # fmt: skip


def _operand(t: Any, names: Mapping[int, Any]) -> Any:
    """The name (in ``names``, by id) of the parameter that tensor ``t`` is, or is a view of."""
    if not isinstance(t, torch.Tensor):
        return None
    name = names.get(id(t))
    if name is None and t._base is not None:
        name = names.get(id(t._base))
    return name


def _derived_from(t: torch.Tensor, names: Mapping[int, str]) -> str | None:
    """The name (in ``names``, by id) of the one parameter that the autograd history of
    the non-leaf ``t`` leads to, where it leads to no other leaf (the inputs, another
    parameter), through the nodes of :data:`_WEIGHT_FORMS` only: a weight computed from
    one parameter alone (``w * mask`` with a mask that needs no gradient, ``w.clone()``,
    ``w.t().contiguous()``); ``None`` otherwise (a lookup ``emb(ids)`` is an activation)."""
    fn = t.grad_fn
    if fn is None:
        return None
    found: str | None = None
    stack, seen = [fn], {id(fn)}
    while stack:
        if len(seen) > _TRACE_LIMIT:
            return None
        node = stack.pop()
        variable = getattr(node, "variable", None)
        if variable is not None:  # AccumulateGrad: a leaf
            name = names.get(id(variable))
            if name is None or (found is not None and name != found):
                return None
            found = name
            continue
        if type(node).__name__.rstrip("0123456789") not in _WEIGHT_FORMS:
            return None
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return found


class _WeightOperands(TorchFunctionMode):
    """Records which of ``names``' tensors (id -> name) a forward passes as the weight of a
    convolution or linear map (:data:`_WEIGHT_OPS`, :data:`_MATMUL_OPS`): ``weights`` name
    -> ``"conv"`` / ``"linear"`` / ``"matmul"`` (the first use), ``biases`` the names
    passed as the bias beside such a weight; ``read`` the names passed to any function (the
    tensor or a view of it, alone or in a list: an LSTM's flat weights).

    A weight operand is the parameter, a view of it (a transpose, a reshape of a flat
    parameter, a slice) or, where the forward runs with gradients, a tensor computed from
    it alone (:func:`_derived_from`). ``parts`` holds, per parameter, which of its elements
    (a bool mask of its storage) the views passed as weights cover: a slice
    ``w[:k]`` covers its ``k`` rows; ``whole`` the names read whole as a weight."""

    def __init__(self, names: Mapping[int, str], tensors: Mapping[str, torch.Tensor]) -> None:
        super().__init__()
        self.names = names
        self.tensors = tensors
        self.weights: dict[str, str] = {}
        self.biases: dict[str, None] = {}
        self.read: set[str] = set()
        self.whole: set[str] = set()
        self.parts: dict[str, torch.Tensor] = {}

    def _weight(self, t: Any) -> str | None:
        if not isinstance(t, torch.Tensor):
            return None
        name = _operand(t, self.names)
        if name is None:
            name = _derived_from(t, self.names) if t.requires_grad else None
            if name is not None:
                self.whole.add(name)
            return name
        p = self.tensors[name]
        if t.numel() == p.numel():
            self.whole.add(name)  # the parameter itself, transposed or reshaped
        else:
            part = self.parts.get(name)
            if part is None:
                size = p.untyped_storage().nbytes() // p.element_size()
                part = self.parts[name] = torch.zeros(size, dtype=torch.bool, device=p.device)
            part.as_strided(t.shape, t.stride(), t.storage_offset()).fill_(True)
        return name

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        for u in _tensors((*args, *kwargs.values())):
            name = _operand(u, self.names)
            if name is not None:
                self.read.add(name)
        kind = _WEIGHT_OPS.get(func)
        if kind is not None:
            w = args[1] if len(args) > 1 else kwargs.get("weight")
            b = args[2] if len(args) > 2 else kwargs.get("bias")
            name = self._weight(w)
            if name is not None:
                self.weights.setdefault(name, kind)
                bias = _operand(b, self.names)
                if bias is not None:
                    self.biases[bias] = None
        elif func in _MATMUL_OPS:
            added = None
            operands: Iterable[Any] = (*args, *kwargs.values())
            if func in _ADD_PRODUCTS:
                # the added ``input`` (argument 0, the tensor itself for the method) is a bias
                added = args[0] if args else kwargs.get("input")
                operands = (*args[1:], *(v for k, v in kwargs.items() if k != "input"))
            found = False
            for u in _tensors(operands):
                name = self._weight(u)
                if name is not None:
                    self.weights.setdefault(name, "matmul")
                    found = True
            bias = _operand(added, self.names) if found else None
            if bias is not None:
                self.biases[bias] = None
        return func(*args, **kwargs)

    def part(self, name: str) -> torch.Tensor | None:
        """The elements of parameter ``name`` read as a weight (a bool mask of its shape),
        ``None`` where it was read whole."""
        part = self.parts.get(name)
        if part is None or name in self.whole:
            return None
        p = self.tensors[name]
        mask = part.as_strided(p.shape, p.stride(), p.storage_offset()).clone()
        return None if bool(mask.all()) else mask


class UndefinedProxyError(Exception):
    """Raised inside a proxy when its value is undefined for this network; the message is the
    reason reported beside the NaN (never seen by the caller of ``score``)."""


@dataclass(frozen=True, slots=True)
class ProxyResult:
    """One proxy's value for one network, and why it is NaN when it is.

    Attributes
    ----------
    value : float
        The score, higher is better; ``nan`` when undefined.
    reason : str or None
        Why ``value`` is NaN (e.g. "output does not depend on the input"); None otherwise.
    seconds : float
        Wall time spent in this proxy's own computation (shared passes are not included).
    """

    value: float
    reason: str | None = None
    seconds: float = 0.0

    @property
    def is_defined(self) -> bool:
        return self.reason is None and math.isfinite(self.value)


class Proxy:
    """Base class of a zero-cost proxy.

    Subclasses set ``name``, ``taps`` (the shared passes they read, see :class:`Context`) and
    ``data`` (what they need from the caller: ``"none"`` only weights/input shape,
    ``"inputs"`` the images, ``"targets"`` images and labels), and implement
    :meth:`compute`, returning a float (higher is better). Raise
    :class:`UndefinedProxyError` with a reason where the proxy is undefined.

    A proxy that needs a pass of its own runs the network through ``ctx.call(x, params,
    buffers)`` (private tensors, never the caller's) inside ``ctx.train_mode(...)``, and
    lists modules with ``ctx.modules``: the call's single walk of the module tree
    (:class:`NetworkState`), so the network is left exactly as it was.
    """

    name: ClassVar[str] = ""
    taps: ClassVar[frozenset[str]] = frozenset()
    data: ClassVar[str] = "targets"
    #: True for proxies defined over a population of networks (rank votes); ``score`` on a
    #: single network computes their members only.
    population: ClassVar[bool] = False

    def compute(self, ctx: Context) -> float:  # pragma: no cover - abstract
        """The proxy's score of the network in ``ctx`` (its shared passes, inputs and
        targets), higher is better; raises :class:`UndefinedProxyError` with the reason
        where the proxy is undefined for this network."""
        raise NotImplementedError


def _loaded(module_name: str, cls: str) -> type | None:
    # A network can hold an instance only if its class was imported: look it up without
    # importing torch_geometric for networks that do not use it.
    mod = sys.modules.get(module_name)
    return getattr(mod, cls, None) if mod is not None else None


def scored_weights(module: nn.Module) -> tuple[str, ...]:
    """Names of the parameters of ``module`` (itself, not its children) that the
    pruning-at-init proxies score: ``weight`` of a convolution or linear layer (torch's or
    torch_geometric's); an ``nn.MultiheadAttention``'s input projections
    (:data:`ATTENTION_WEIGHTS` it holds: ``in_proj_weight``, the query, key and value maps
    stacked, is scored as one matrix, as a transformer's fused ``nn.Linear`` qkv layer is);
    a recurrent layer's weight matrices (:data:`RECURRENT_WEIGHTS`: an ``nn.LSTM``'s
    ``weight_ih_l0``, its gates' input maps stacked, is scored as one matrix, as the
    ``nn.Linear(input_size, 4 * hidden_size)`` of an LSTM written by hand is); and the weight
    matrices (parameters named ``*weight``, 2-D or more) held directly by a torch_geometric
    message-passing layer (e.g. ``ARMAConv``'s ``init_weight``, ``weight``,
    ``root_weight``). Empty for any other module (a user's module holding its own weight
    is found by what its forward does: :attr:`Context.functional_weights`).

    The attention's projections are linear maps applied inside
    ``F.multi_head_attention_forward``, a recurrent layer's inside torch's fused recurrent
    kernel: they had been left out, so a network written with ``nn.MultiheadAttention``
    scored lower than the same function written with ``nn.Linear`` layers (synflow 866
    against 1077), and one with an ``nn.LSTM`` was scored by its other layers only (l2_norm
    1.35 against 12.37 for the LSTM written as a loop of ``nn.Linear`` gates)."""
    pyg_linear = _loaded("torch_geometric.nn.dense.linear", "Linear")
    linear = PRUNABLE if pyg_linear is None else (*PRUNABLE, pyg_linear)
    if isinstance(module, linear):
        w = getattr(module, "weight", None)
        return ("weight",) if isinstance(w, torch.Tensor) else ()
    if isinstance(module, nn.MultiheadAttention):
        return tuple(n for n in ATTENTION_WEIGHTS if isinstance(getattr(module, n), torch.Tensor))
    if isinstance(module, RECURRENT):
        return tuple(
            n for n, _ in module.named_parameters(recurse=False) if n.startswith(RECURRENT_WEIGHTS)
        )
    passing = _loaded("torch_geometric.nn.conv.message_passing", "MessagePassing")
    if passing is not None and isinstance(module, passing):
        return tuple(
            n
            for n, p in module.named_parameters(recurse=False)
            if n.endswith("weight") and p.dim() >= 2
        )
    return ()


def prunable_layers(network: nn.Module) -> list[tuple[str, nn.Module]]:
    """``(qualified name, module)`` of every layer with weights to score (conv / linear
    layers, graph layers' own weight matrices: :func:`scored_weights`)."""
    return [(name, m) for name, m in network.named_modules() if scored_weights(m)]


@dataclass(frozen=True)
class ProxyInputs:
    """What a network is scored on: its forward arguments and the scored samples.

    Attributes
    ----------
    x : Tensor, shape (N, ...)
        The first forward argument: images, or a graph's node features ``(N, F)``. Input
        gradients (jacov) and random inputs (zen, synflow) refer to it.
    args : tuple
        The other forward arguments (a graph's ``edge_index``, then the fields of
        ``fields`` its forward names: :meth:`bound`), passed as they are.
    rows : LongTensor or None
        Indices (among the ``N`` rows of ``x`` and of the outputs) of the scored samples; None:
        all ``N``.
    coupled : bool
        Whether samples interact in the forward (graph nodes through edges): then a subset
        of samples is scored by running the whole input and selecting rows, never by slicing
        the input.
    fields : tuple of (str, Tensor)
        A graph's further tensors (a ``Data``'s ``edge_attr``, ``edge_weight``, ``batch``,
        ...) not yet among ``args``: :meth:`bound` passes those a network's forward names.
    scored : str
        What chose ``rows`` (``"data.train_mask"``), named in messages about them.
    names : tuple of str
        What each of :attr:`args` is (``"data.edge_index"``, ``"data.edge_weight"``),
        named in messages where the forward fails on them; empty where unnamed.
    kwargs : tuple of (str, Tensor)
        Forward arguments passed by name after :attr:`args`: the fields of ``fields`` that
        the forward takes by keyword only (:meth:`bound`), ``data.<name>`` in messages.
    """

    x: torch.Tensor
    args: tuple[Any, ...] = ()
    rows: torch.Tensor | None = None
    coupled: bool = False
    fields: tuple[tuple[str, torch.Tensor], ...] = ()
    scored: str = ""
    names: tuple[str, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def n(self) -> int:
        """Number of scored samples."""
        return int(self.x.shape[0] if self.rows is None else self.rows.numel())

    def select(self, t: torch.Tensor) -> torch.Tensor:
        """The scored rows of ``t``, a tensor with one row per input row (else ``t``)."""
        if self.rows is None or t.dim() == 0 or t.shape[0] != self.x.shape[0]:
            return t
        return t.index_select(0, self.rows.to(t.device))

    def per_sample(self, t: torch.Tensor) -> torch.Tensor | None:
        """The scored rows of an intermediate tensor, or None when its rows are not samples
        (a graph layer's internal ``(stacks, nodes, channels)`` tensor, say)."""
        if self.coupled and (t.dim() == 0 or t.shape[0] != self.x.shape[0]):
            return None
        return self.select(t)

    def part(self, start: int, stop: int) -> ProxyInputs:
        """The scored samples ``start:stop`` as inputs of their own: a slice of ``x`` for
        independent samples, the same input with fewer scored rows for coupled ones."""
        if not self.coupled:
            x = self.select(self.x)[start:stop]
            return ProxyInputs(
                x,
                tuple(self.select(a)[start:stop] for a in self.args),
                kwargs=tuple((k, self.select(v)[start:stop]) for k, v in self.kwargs),
            )
        rows = self.rows if self.rows is not None else torch.arange(self.x.shape[0])
        return replace(self, rows=rows[start:stop])

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> ProxyInputs:
        """The inputs with ``fn`` applied to each forward tensor (``x``, the tensors of
        ``args`` and ``fields``; the scored rows as they are)."""
        return replace(
            self,
            x=fn(self.x),
            args=tuple(fn(a) if isinstance(a, torch.Tensor) else a for a in self.args),
            fields=tuple((k, fn(t)) for k, t in self.fields),
            kwargs=tuple((k, fn(v) if isinstance(v, torch.Tensor) else v) for k, v in self.kwargs),
        )

    def to(self, device: torch.device | str) -> ProxyInputs:
        """The same inputs on ``device``."""
        return replace(
            self,
            x=self.x.to(device),
            args=tuple(a.to(device) if isinstance(a, torch.Tensor) else a for a in self.args),
            rows=None if self.rows is None else self.rows.to(device),
            fields=tuple((k, t.to(device)) for k, t in self.fields),
            kwargs=tuple(
                (k, v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in self.kwargs
            ),
        )

    def args_for(self, x: torch.Tensor) -> tuple[Any, ...]:
        """:attr:`args` for the input ``x`` in place of :attr:`x`: their floating tensors (a
        graph's ``edge_attr``, ``edge_weight``) in ``x``'s floating dtype, as a pass that
        runs the network in another one (synflow's float64) needs; the others as they are."""
        return _in_dtype_of(x, self.args)

    def kwargs_for(self, x: torch.Tensor) -> dict[str, Any]:
        """:attr:`kwargs` (a dict) for the input ``x``, as :meth:`args_for`."""
        values = _in_dtype_of(x, tuple(v for _, v in self.kwargs))
        return dict(zip((k for k, _ in self.kwargs), values, strict=True))

    def bound(self, network: nn.Module) -> ProxyInputs:
        """These inputs for ``network``: each of :attr:`fields` that its forward names
        passed in that parameter's position, or by name where it takes it by keyword only
        (:func:`forward_fields`), ``fields`` emptied."""
        if not self.fields:
            return self
        extra, named = forward_fields(network, dict(self.fields), self.args)
        field_names = {id(t): f"data.{k}" for k, t in self.fields}
        names = self.names + tuple(field_names.get(id(a), "a default") for a in extra)
        return replace(
            self,
            args=(*self.args, *extra),
            fields=(),
            names=names,
            kwargs=self.kwargs + tuple(named.items()),
        )


def _in_dtype_of(x: torch.Tensor, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` with their floating tensors in ``x``'s floating dtype (the same tuple
    where none differs: the same tensors)."""
    if not x.is_floating_point() or not any(
        isinstance(a, torch.Tensor) and a.is_floating_point() and a.dtype != x.dtype for a in values
    ):
        return values
    return tuple(
        a.to(x.dtype) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
        for a in values
    )


#: Per-edge fields of a graph (torch_geometric's names) that change what a GNN computes: a
#: ``Data`` holding one is refused for a network whose forward cannot take it, rather than
#: scored as if the graph had none (the scores had been those of the bare graph, silently).
EDGE_FIELDS: tuple[str, ...] = ("edge_attr", "edge_weight")

#: ``Data`` fields never passed to a forward: the labels and the masks choose and score the
#: nodes (a forward with a parameter ``y`` would otherwise read the labels it is scored on).
_NOT_INPUTS = ("x", "edge_index", "y")


def forward_fields(
    network: nn.Module, fields: Mapping[str, torch.Tensor], given: tuple = ()
) -> tuple[tuple[Any, ...], dict[str, torch.Tensor]]:
    """The forward arguments after ``(x, *given)`` that pass a graph's ``fields`` (name ->
    tensor: a ``Data``'s ``edge_attr``, ``edge_weight``, ``batch``, ...) to ``network``:
    torch_geometric's convention, each field to the forward parameter of its name.
    Returns ``(positional, by_name)``:

    * a field named by a positional parameter goes by position
      (``forward(x, edge_index, edge_attr=None)``), so a parameter before the last field
      passed that the graph has no field for gets its default (``GCN.forward(x,
      edge_index, edge_weight=None, edge_attr=None)`` with ``edge_attr`` only:
      ``(edge_index, None, edge_attr)``);
    * one named by a keyword-only parameter (``forward(x, edge_index, *,
      edge_weight=None)``) goes by name;
    * a per-edge field (:data:`EDGE_FIELDS`) that no parameter names goes by name to a
      forward that takes ``**kwargs`` (torch_geometric's layers name them so: a forward
      handing its ``**kwargs`` to a ``GCNConv`` gives it ``edge_weight``); the other fields
      reach ``**kwargs`` only where a parameter names them (``batch``, ``pos``, a field of
      one's own: scored without them before, a forward handing them on to a layer that
      does not take them would fail).

    The forward's signature is read once. Raises ``ValueError`` naming the field where a
    per-edge field has not one row per edge, or cannot reach the forward (no parameter of
    its name and no ``**kwargs``, or a positional one after a parameter without a default
    that the graph has no field for): the scores would otherwise be those of a graph
    without it."""
    try:
        params = list(inspect.signature(network.forward).parameters.values())
    except (TypeError, ValueError):  # a forward without a signature: nothing is named
        params = []
    by_position = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    everything = [p for p in params if p.kind in by_position]
    positional = everything[1 + len(given) :]
    passed = [i for i, p in enumerate(positional) if p.name in fields]
    out: list[Any] = []
    for i, p in enumerate(positional[: passed[-1] + 1 if passed else 0]):
        if p.name in fields:
            out.append(fields[p.name])
        elif p.default is not inspect.Parameter.empty:
            out.append(p.default)
        else:
            later = next(q.name for q in positional[i + 1 :] if q.name in fields)
            raise ValueError(
                f"data.{later} cannot reach {type(network).__name__}.forward"
                f"{_signature(params)}: its fields go by position, and the graph has no field "
                f"for {p.name!r} before it; add data.{p.name} or give {p.name!r} a default"
            )
    # by name: keyword-only parameters, and **kwargs for the per-edge fields no positional
    # parameter names (a name the positional ones hold would be given twice)
    keyword_only = {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    any_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    held = {p.name for p in everything}
    named = {
        k: t
        for k, t in fields.items()
        if k in keyword_only or (any_keyword and k in EDGE_FIELDS and k not in held)
    }
    edges = _edge_count(given)
    taken = {positional[i].name for i in passed} | set(named)
    for name in EDGE_FIELDS:
        t = fields.get(name)
        if t is None:
            continue
        if edges is not None and (t.dim() == 0 or t.shape[0] != edges):
            raise ValueError(
                f"data.{name} must have one row per edge ({edges} in data.edge_index), got "
                f"shape {tuple(t.shape)}"
            )
        if name not in taken:
            raise ValueError(
                f"data.{name} is set but {type(network).__name__}.forward"
                f"{_signature(params)} has no parameter {name!r} to take it, nor **kwargs: "
                f"the scores would be those of the graph without it. Name a parameter "
                f"{name!r} (torch_geometric's convention), or delete the field "
                f"(del data.{name}) to score the network on the bare graph"
            )
    return tuple(out), named


def _signature(params: list[inspect.Parameter]) -> str:
    """``(x, edge_index, /, w, *, edge_weight, **kwargs)``: the forward's parameters as
    written, without annotations and defaults, ``/`` and ``*`` where they are."""
    kind = inspect.Parameter
    parts: list[str] = []
    for i, p in enumerate(params):
        if p.kind is kind.KEYWORD_ONLY and not any(
            q.kind in (kind.KEYWORD_ONLY, kind.VAR_POSITIONAL) for q in params[:i]
        ):
            parts.append("*")
        prefix = {kind.VAR_POSITIONAL: "*", kind.VAR_KEYWORD: "**"}.get(p.kind, "")
        parts.append(prefix + p.name)
        if p.kind is kind.POSITIONAL_ONLY and (
            i + 1 == len(params) or params[i + 1].kind is not kind.POSITIONAL_ONLY
        ):
            parts.append("/")
    text = f"({', '.join(parts)})"
    return text if len(text) <= 120 else text[:117] + "...)"


def _edge_count(given: tuple) -> int | None:
    """Edges of a graph whose forward arguments after ``x`` start with ``given``: the
    columns of its ``edge_index`` (None where it has none: a sparse adjacency)."""
    first = given[0] if given else None
    if isinstance(first, torch.Tensor) and first.dim() == 2 and first.shape[0] == 2:
        return int(first.shape[1])
    return None


def _graph_data_type() -> type | None:
    return _loaded("torch_geometric.data.data", "Data")


def as_proxy_inputs(inputs: Any) -> ProxyInputs:
    """:class:`ProxyInputs` from what :func:`~nasperf.zero_cost.score` accepts.

    * a tensor ``(N, ...)``: one minibatch of independent samples (images), all scored;
    * a ``torch_geometric.data.Data``: forward ``(data.x, data.edge_index)``, then its other
      tensors that the forward names (``edge_attr``, ``edge_weight``, ``batch``, ...:
      :meth:`ProxyInputs.bound`; labels and masks never); the scored nodes are
      ``data.mask`` if it exists, else ``data.train_mask``, else every node;
    * a tuple / list of tensors: the forward arguments, the first the input; every row of it
      scored, samples treated as coupled;
    * a :class:`ProxyInputs`: as it is.

    Raises ``TypeError`` / ``ValueError`` naming what is wrong.
    """
    if isinstance(inputs, ProxyInputs):
        return inputs
    if isinstance(inputs, torch.Tensor):
        if inputs.dim() < 2:
            raise ValueError(
                f"inputs must be a tensor with a batch dimension, got shape {tuple(inputs.shape)}"
            )
        return ProxyInputs(inputs)
    data = _graph_data_type()
    if data is not None and isinstance(inputs, data):
        x, edge_index = getattr(inputs, "x", None), getattr(inputs, "edge_index", None)
        if not isinstance(x, torch.Tensor) or x.dim() != 2:
            raise ValueError("graph inputs need node features data.x of shape (N, F)")
        if not isinstance(edge_index, torch.Tensor) or edge_index.dim() != 2:
            raise ValueError("graph inputs need data.edge_index of shape (2, E)")
        if edge_index.shape[0] != 2 or edge_index.dtype != torch.long:
            raise ValueError(
                f"data.edge_index must be int64 of shape (2, E), got {edge_index.dtype} "
                f"{tuple(edge_index.shape)}"
            )
        if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= x.shape[0]):
            raise ValueError(f"data.edge_index refers to nodes outside 0..{x.shape[0] - 1}")
        mask = getattr(inputs, "mask", None)
        name = "mask"
        if mask is None:
            mask, name = getattr(inputs, "train_mask", None), "train_mask"
        rows = None
        if mask is not None:
            if not isinstance(mask, torch.Tensor) or mask.shape != (x.shape[0],):
                raise ValueError(f"data.{name} must be a tensor of shape ({x.shape[0]},)")
            if mask.dtype != torch.bool:
                raise ValueError(f"data.{name} must be boolean, got {mask.dtype}")
            rows = torch.nonzero(mask).flatten()
            if not rows.numel():
                raise ValueError(f"data.{name} selects no node")
        fields = tuple(
            (k, v)
            for k, v in inputs.items()
            if isinstance(v, torch.Tensor) and k not in _NOT_INPUTS and not k.endswith("mask")
        )
        scored = f"data.{name}" if rows is not None else ""
        return ProxyInputs(
            x,
            (edge_index,),
            rows,
            coupled=True,
            fields=fields,
            scored=scored,
            names=("data.edge_index",),
        )
    if isinstance(inputs, Sequence) and not isinstance(inputs, str):
        parts = list(inputs)
        if not parts or not all(isinstance(t, torch.Tensor) for t in parts):
            raise TypeError("inputs as a sequence must hold tensors (the forward's arguments)")
        if parts[0].dim() < 2:
            raise ValueError(
                f"the first input must have a batch dimension, got shape {tuple(parts[0].shape)}"
            )
        return ProxyInputs(parts[0], tuple(parts[1:]), coupled=True)
    raise TypeError(
        "inputs must be a tensor, a torch_geometric Data, or a sequence of tensors, got "
        f"{type(inputs).__name__}"
    )


class NetworkState:
    """A network's modules, parameters and buffers from one walk, for one scoring call.

    Every pass of a call runs the same network: walking its module tree once (instead of
    once per ``named_parameters`` / ``named_buffers`` / ``modules`` call and per
    ``functional_call``) and swapping private tensors straight into the modules' parameter
    and buffer slots keeps the per-pass Python overhead small (on an NB201 network,
    ~270 modules, the walks and swaps cost as much as synflow's own float64 pass). Built
    afresh for every call, so a network changed between calls is read as it is now.

    Attributes
    ----------
    modules : list of (str, Module)
        ``network.named_modules()`` (each module once).
    module_list : list of Module
        The same modules without their names (``network.modules()``).
    params, buffers : dict of str -> Tensor
        ``dict(network.named_parameters())`` / ``dict(network.named_buffers())``: qualified
        names, a tensor shared by several modules (tied weights) under its first name.
    """

    def __init__(self, network: nn.Module) -> None:
        self.network = network
        self.modules: list[tuple[str, nn.Module]] = list(network.named_modules())
        self.module_list: list[nn.Module] = [m for _, m in self.modules]
        # average pools :meth:`fast_pools` may run as convolutions: torch's own class, no
        # forward of their own set on the instance
        self._pools = [
            m for m in self.module_list if type(m) is nn.AvgPool2d and "forward" not in m.__dict__
        ]
        self.params: dict[str, torch.Tensor] = {}
        self.buffers: dict[str, torch.Tensor] = {}
        # (the module's _parameters or _buffers dict, local name, qualified name of the
        # tensor held there): every slot, tied ones included, as functional_call's
        # tie_weights=True fills them
        self._slots: list[tuple[dict, str, str]] = []
        first: dict[int, str] = {}
        for prefix, m in self.modules:
            for kind, out in ((m._parameters, self.params), (m._buffers, self.buffers)):
                for local, t in kind.items():
                    if t is None:
                        continue
                    full = f"{prefix}.{local}" if prefix else local
                    name = first.setdefault(id(t), full)
                    if name == full:
                        out[full] = t
                    self._slots.append((kind, local, name))

    @contextlib.contextmanager
    def swapped(self, tensors: Mapping[str, torch.Tensor]) -> Iterator[None]:
        """Hold ``tensors`` (qualified name -> tensor, names of :attr:`params` /
        :attr:`buffers`) in the network's slots for the block (every slot of a tied tensor),
        the network's own tensors back after it, whatever happens."""
        swapped: list[tuple[dict, str, torch.Tensor]] = []
        try:
            for slot, local, name in self._slots:
                t = tensors.get(name)
                if t is not None:
                    swapped.append((slot, local, slot[local]))
                    slot[local] = t
            yield
        finally:
            for slot, local, orig in reversed(swapped):
                slot[local] = orig

    def train_mode(self, mode: bool) -> contextlib.AbstractContextManager[None]:
        """Every module's training flag set to ``mode`` for the block, restored after."""
        return _train_mode(self.module_list, mode)

    def fast_pools(self) -> contextlib.AbstractContextManager[None]:
        """Every ``nn.AvgPool2d`` of the network (torch's class, without a ``forward`` of
        its own on the instance) computed by :func:`pool_as_conv` for the block, through
        :func:`instance_forwards` (falling back to the class's ``forward`` where that does not
        apply)."""
        return instance_forwards((m, _fast_pool_forward(m)) for m in self._pools)

    def call(
        self,
        tensors: Mapping[str, torch.Tensor],
        args: tuple,
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        """``network(*args, **kwargs)`` with ``tensors`` in place of its own (a leaner
        :func:`torch.func.functional_call` over the walk already made), average pools
        computed as depthwise convolutions where that is faster (:meth:`fast_pools`)."""
        with self.swapped(tensors), self.fast_pools():
            return self.network(*args, **(kwargs or {}))


#: Stride-1 average pools over at least this many pixels per channel run as depthwise
#: convolutions in the passes (:func:`pool_as_conv`). torch's channels-last CPU kernel for
#: overlapping windows is slow for few channels: on NB201's 3x3 pools (AVX2, 2 threads, 64
#: images) forward + backward takes 5.0 ms at 16 channels x 32x32 against 1.5 ms as a
#: convolution, 1.1 vs 0.9 ms at 32 x 16x16, but 0.4 vs 0.6 ms at 64 x 8x8, hence the
#: bound; strided pools (the 2x2 / stride-2 shortcut pool) gain nothing and keep torch's.
FAST_POOL_MIN_PIXELS = 256


def _pair(v: Any) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


@functools.lru_cache(maxsize=64)
def _pool_divisor(
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    include_pad: bool,
) -> torch.Tensor | float:
    """What ``avg_pool2d`` divides each window's sum by: the kernel's area, or (without
    padded pixels counted) the number of input pixels under each window, ``(Ho, Wo, 1)``."""
    if include_pad:
        return float(kernel[0] * kernel[1])
    ones = torch.ones((1, 1, *size), dtype=torch.float32)
    window = torch.ones((1, 1, *kernel), dtype=torch.float32)
    # (Ho, Wo, 1): broadcast over the channels of a channels-last output seen as NHWC
    return nn.functional.conv2d(ones, window, stride=stride, padding=padding)[0, 0, :, :, None]


def pool_as_conv(module: nn.AvgPool2d, x: torch.Tensor) -> torch.Tensor | None:
    """``module(x)`` for an ``nn.AvgPool2d`` as a depthwise convolution with a ones kernel
    divided by the window's pixel count (same values up to float32 summation order, ~1e-7
    relative), or None where that is not the faster or not the same computation: other
    than a stride-1 pool of a float32 4-D CPU input of at least
    :data:`FAST_POOL_MIN_PIXELS` pixels per channel, ``ceil_mode`` or ``divisor_override``
    set."""
    if (
        x.dim() != 4
        or x.dtype != torch.float32
        or x.device.type != "cpu"
        or module.ceil_mode
        or module.divisor_override is not None
        or x.shape[2] * x.shape[3] < FAST_POOL_MIN_PIXELS
    ):
        return None
    kernel = _pair(module.kernel_size)
    stride = _pair(module.stride if module.stride else module.kernel_size)
    if stride != (1, 1):
        return None
    padding = _pair(module.padding)
    channels = x.shape[1]
    weight = fast_layout(torch.ones((channels, 1, *kernel), dtype=x.dtype))
    y = nn.functional.conv2d(x, weight, stride=stride, padding=padding, groups=channels)
    divisor = _pool_divisor(
        (int(x.shape[2]), int(x.shape[3])), kernel, stride, padding, bool(module.count_include_pad)
    )
    if isinstance(divisor, float):
        return y / divisor
    # divide in the channels-last order (a view): broadcasting an (Ho, Wo) map over a
    # channels-last tensor in NCHW order takes torch's slow non-contiguous path (4x here)
    return (y.permute(0, 2, 3, 1) / divisor).permute(0, 3, 1, 2)


def _fast_pool_forward(module: nn.AvgPool2d) -> Callable[[torch.Tensor], torch.Tensor]:
    native = type(module).forward

    def forward(x: torch.Tensor) -> torch.Tensor:
        y = pool_as_conv(module, x)
        return native(module, x) if y is None else y

    return forward


@contextlib.contextmanager
def _train_mode(modules: Iterable[nn.Module], mode: bool) -> Iterator[None]:
    """Set the training flag of every one of ``modules`` (a network's, e.g.
    :attr:`NetworkState.module_list`) to ``mode``; restore each module's own flag after.

    The flag is a plain attribute: it is written with ``object.__setattr__``, as
    ``nn.Module.__setattr__`` would end up doing after its checks for parameters, buffers
    and submodules, which cannot apply to ``training``.
    """
    flags = [(m, m.training) for m in modules]
    try:
        for m, flag in flags:
            if flag is not mode:
                object.__setattr__(m, "training", mode)
        yield
    finally:
        for m, flag in flags:
            if m.training is not flag:
                object.__setattr__(m, "training", flag)


@contextlib.contextmanager
def instance_forwards(
    forwards: Iterable[tuple[nn.Module, Callable[..., Any]]],
) -> Iterator[None]:
    """Each module runs the given ``forward`` for the block (set on the instance, so hooks
    still run around it), removed after the block whatever happens. For modules without a
    ``forward`` of their own on the instance (which the removal would delete)."""
    changed: list[nn.Module] = []
    try:
        for m, forward in forwards:
            object.__setattr__(m, "forward", forward)
            changed.append(m)
        yield
    finally:
        for m in changed:
            m.__dict__.pop("forward", None)


@contextlib.contextmanager
def _hooks(
    modules: Iterable[nn.Module], hook: Callable[[nn.Module, tuple, Any], Any]
) -> Iterator[None]:
    """Forward hooks on ``modules`` for the duration of the block, always removed."""
    handles = []
    try:
        for m in modules:
            handles.append(m.register_forward_hook(hook))
        yield
    finally:
        for h in handles:
            h.remove()


def _tensors(values: Iterable[Any]) -> Iterator[torch.Tensor]:
    """The tensors among ``values``, and among the lists / tuples among them (one level)."""
    for v in values:
        if isinstance(v, torch.Tensor):
            yield v
        elif isinstance(v, list | tuple):
            yield from (u for u in v if isinstance(u, torch.Tensor))


class _FunctionCalls(TorchFunctionMode):
    """Calls ``record(func, args, kwargs, out, derived)`` after each call of one of
    ``funcs`` (by the function object: ``F.relu``, ``torch.relu``, ``Tensor.relu`` are
    three) that a forward makes itself, outside the forward of the modules
    :func:`function_calls` is given (their own calls, ``nn.ReLU``'s ``F.relu``, are their
    hooks' to see).

    ``derived`` says whether an operand of the call was computed from one of ``sources``
    (the forward's inputs): every torch function's outputs are marked where one of its
    operands is (by identity, weakly held), so a ReLU of an activation is told from one
    of a parameter (``F.linear(x, F.relu(self.weight))``) or of a constant."""

    def __init__(
        self,
        funcs: Mapping[Callable[..., Any], Any],
        record: Callable[..., None],
        sources: Iterable[torch.Tensor] = (),
    ):
        super().__init__()
        self.funcs = funcs
        self.record = record
        self.depth = 0
        # None: not tracked (no sources given; ``derived`` is then always False)
        self.derived: WeakIdKeyDictionary | None = None
        for t in sources:
            if self.derived is None:
                self.derived = WeakIdKeyDictionary()
            self.derived[t] = True

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        derived = self.derived
        hit = False
        if derived is not None and any(t in derived for t in _tensors((*args, *kwargs.values()))):
            for t in _tensors((out,)):
                derived[t] = True
            hit = True
        if self.depth == 0 and func in self.funcs:
            self.record(func, args, kwargs, out, hit)
        return out


def _global_module_hooks() -> bool:
    """Whether a global module hook is registered (``nn.modules.module.
    register_module_forward_hook`` and the like): it runs inside every module's call."""
    from torch.nn.modules import module as torch_module

    names = (
        "_global_forward_pre_hooks",
        "_global_forward_hooks",
        "_global_backward_pre_hooks",
        "_global_backward_hooks",
    )
    # a torch without one of these dicts: assume hooks (the modules are then watched)
    return any(getattr(torch_module, n, True) for n in names)


def closed_modules(modules: Iterable[nn.Module]) -> list[nn.Module]:
    """The modules among ``modules`` (every module of a network, in ``network.modules()``
    order) whose calls :func:`function_calls` need not watch: torch's own leaf layers (a
    class of ``torch.nn.modules``, no submodules), and ``nn.Sequential`` containers of such
    (only the outermost of them returned), none with a ``forward`` set on the instance or
    hooks of its own; none at all where a global module hook is registered. Their forward
    computes its outputs from its arguments and its own tensors and calls no function that
    the callers of :func:`function_calls` read, except in the module forms they give
    (``nn.ReLU``'s ``F.relu``, ``nn.AdaptiveAvgPool2d``'s pool: a test reads torch's
    sources for it). Called before a pass registers hooks of its own, so that the hooks
    seen are the caller's."""
    if _global_module_hooks():
        return []
    modules = list(modules)
    closed: dict[int, bool] = {}
    # children before their parents (reversed pre-order): a Sequential is closed where all
    # its children are
    for m in reversed(modules):
        own = (
            type(m).__module__.startswith("torch.nn.modules.")
            and "forward" not in m.__dict__
            and not (
                m._forward_pre_hooks
                or m._forward_hooks
                or m._backward_pre_hooks
                or m._backward_hooks
            )
        )
        if own and m._modules:
            own = type(m) is nn.Sequential and all(
                c is not None and closed.get(id(c), False) for c in m._modules.values()
            )
        closed[id(m)] = own
    inner = {id(c) for m in modules if closed[id(m)] for c in m._modules.values() if c is not None}
    return [m for m in modules if closed[id(m)] and id(m) not in inner]


@contextlib.contextmanager
def function_calls(
    funcs: Mapping[Callable[..., Any], Any],
    modules: Iterable[nn.Module],
    record: Callable[..., None],
    opaque: Iterable[nn.Module] = (),
    sources: Iterable[torch.Tensor] = (),
    closed: Iterable[nn.Module] = (),
) -> Iterator[None]:
    """:class:`_FunctionCalls` active for the block: ``record`` sees the calls of ``funcs``
    made outside the forwards of ``modules`` (the module forms of the same functions), and
    whether their operands were computed from ``sources``.

    Inside the forwards of ``opaque`` modules the mode is off (taken off torch's stack where
    it is on top): a transformer layer's eval-mode fast path is refused while any torch
    function mode is on, and its slow path rounds otherwise (zen of a tiny ViT moved by
    2.6e-6 relative).

    Inside the calls of ``closed`` modules (:func:`closed_modules`: torch's leaf layers and
    Sequentials of them, whose forwards call none of ``funcs`` but in ``modules``) the mode
    is off too, from their first forward pre-hook to their last forward hook (so the pass's
    own hooks on them, the ReLU codes' arithmetic, run outside it), and their outputs are
    marked as computed from ``sources`` where an argument is: what the mode would have
    found op by op. A torch function mode costs every op a Python call (~25 us: a
    BatchNorm's ``F.batch_norm`` goes through ``handle_torch_function``); on NB201, whose
    ReLUs are all modules, watching every op had slowed nwot and ``compute(nwot)`` by
    1.2-1.4x (bench/function_calls.py)."""
    mode = _FunctionCalls(funcs, record, sources)
    popped: list[bool] = []

    def enter(module: nn.Module, args: tuple) -> None:
        mode.depth += 1

    def leave(module: nn.Module, args: tuple, out: Any) -> None:
        mode.depth -= 1

    def pause(module: nn.Module, args: tuple) -> None:
        top = _get_current_function_mode() is mode
        if top:
            torch._C._pop_torch_function_stack()
        popped.append(top)

    def resume(module: nn.Module, args: tuple, out: Any) -> None:
        if popped.pop():
            torch._C._push_on_torch_function_stack(mode)

    def close(module: nn.Module, args: tuple, kwargs: dict) -> None:
        pause(module, args)

    def reopen(module: nn.Module, args: tuple, kwargs: dict, out: Any) -> None:
        if not popped.pop():
            return  # the mode was not on top (off in an opaque module, or another above)
        torch._C._push_on_torch_function_stack(mode)
        derived = mode.derived
        if derived is not None and any(t in derived for t in _tensors((*args, *kwargs.values()))):
            for t in _tensors((out,)):
                derived[t] = True

    handles = []
    try:
        for m in modules:
            handles.append(m.register_forward_pre_hook(enter))
            handles.append(m.register_forward_hook(leave, always_call=True))
        for m in opaque:
            handles.append(m.register_forward_pre_hook(pause))
            handles.append(m.register_forward_hook(resume, always_call=True))
        for m in closed:
            # first of the pre-hooks, last of the hooks (so far: the pass's own are set)
            handles.append(m.register_forward_pre_hook(close, prepend=True, with_kwargs=True))
            handles.append(m.register_forward_hook(reopen, with_kwargs=True, always_call=True))
        with mode:
            yield
    finally:
        for h in handles:
            h.remove()


#: ReLUs written as functions, read by nwot and swap as the module they stand for.
FUNCTIONAL_RELUS: dict[Callable[..., Any], type[nn.Module]] = {
    F.relu: nn.ReLU,
    F.relu_: nn.ReLU,
    torch.relu: nn.ReLU,
    torch.relu_: nn.ReLU,
    torch.Tensor.relu: nn.ReLU,
    torch.Tensor.relu_: nn.ReLU,
    F.relu6: nn.ReLU6,
}


@contextlib.contextmanager
def native_recurrent_kernels(modules: Iterable[nn.Module], device: torch.device) -> Iterator[None]:
    """On a CUDA ``device``, the ``nn.RNNBase`` layers among ``modules`` (``nn.LSTM``,
    ``nn.GRU``, ``nn.RNN``) run torch's own recurrent kernels for the block instead of
    cuDNN's (cuDNN off while each of them runs, by a pre-hook and a hook; the flag as it was
    after the block, whatever happens); elsewhere nothing changes.

    For the passes that differentiate recurrent weights where cuDNN cannot: synflow's, in
    eval mode ("cudnn RNN backward can only be called in training mode"), and GraSP's double
    backward, which cuDNN's recurrent kernels lack (torch's fused cells have one). The
    function is the same; float32 rounding differs from cuDNN's."""
    rnns = [m for m in modules if isinstance(m, nn.RNNBase)]
    if device.type != "cuda" or not rnns:
        yield
        return
    enabled = torch.backends.cudnn.enabled

    def off(module: nn.Module, args: tuple) -> None:
        torch.backends.cudnn.enabled = False

    def back(module: nn.Module, args: tuple, out: Any) -> None:
        torch.backends.cudnn.enabled = enabled

    handles = []
    try:
        for m in rnns:
            handles.append(m.register_forward_pre_hook(off))
            handles.append(m.register_forward_hook(back))
        yield
    finally:
        for h in handles:
            h.remove()
        torch.backends.cudnn.enabled = enabled


def fast_layout(t: torch.Tensor) -> torch.Tensor:
    """``t`` in channels-last layout when it is 4-D (a copy only where the layout changes).

    oneDNN's CPU kernels for convolution, BatchNorm and pooling (and their backward passes)
    are many times faster in channels-last than in the default contiguous layout; values are
    identical. Applied to the private inputs and 4-D weights of every pass.
    """
    if t.dim() == 4:
        return t.contiguous(memory_format=torch.channels_last)
    return t


@dataclass
class Context:
    """Everything a proxy may read: the caller's data and the lazily run shared passes.

    A pass runs the first time a proxy asks for it and is cached for the other proxies. Which
    taps a shared pass records is fixed up front from the union of the requested proxies'
    ``taps``, so one forward serves all of them.
    """

    network: nn.Module
    inputs: torch.Tensor
    targets: torch.Tensor | None
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    seed: int
    taps: frozenset[str]
    #: The forward arguments and the scored rows (``inputs`` is ``batch.x``; ``targets`` are
    #: the scored rows' labels).
    batch: ProxyInputs | None = None
    #: The network's walk for this call (built here when not given).
    state: NetworkState | None = None
    #: The network as the caller gave it, where ``network`` is a copy of it with its
    #: computed weights made plain (``weight_norm``, ...): ``flops`` and ``params`` count
    #: it, as ``space.params`` does (a weight_norm layer's ``g`` and ``v``); ``None``: the
    #: network itself.
    counted: nn.Module | None = None
    #: Whether a requested proxy reads the data: the contract check's forward then runs in
    #: train mode on two samples, else in eval mode on one; the detecting forward of
    #: :attr:`functional_weights` runs in the same mode.
    reads_data: bool = True
    _cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.batch is None:
            self.batch = ProxyInputs(self.inputs)
        if self.state is None:
            self.state = NetworkState(self.network)

    @property
    def modules(self) -> list[nn.Module]:
        """Every module of the network (each once), in ``network.modules()`` order."""
        return self.state.module_list

    def train_mode(self, mode: bool) -> contextlib.AbstractContextManager[None]:
        """Every module's training flag set to ``mode`` for the block, restored after."""
        return self.state.train_mode(mode)

    @property
    def n_samples(self) -> int:
        """Scored samples: the batch size of every per-sample quantity."""
        return self.batch.n

    # ---------------------------------------------------------------- shared parameters
    @property
    def params(self) -> dict[str, torch.Tensor]:
        """The caller's parameters by qualified name (shared storage, never written)."""
        return self.state.params

    @property
    def buffers(self) -> dict[str, torch.Tensor]:
        """The caller's buffers by qualified name (shared storage, never written)."""
        return self.state.buffers

    @property
    def prunable_layers(self) -> list[tuple[str, nn.Module]]:
        """``(qualified parameter name, layer)`` of every layer's scored weight
        (:func:`scored_weights`, then the :attr:`functional_weights` the module holds
        itself): a layer with several weight matrices appears several times, and a weight
        tied between layers once per layer (with one name)."""
        if "prunable_layers" not in self._cache:
            names = self.param_names
            functional = self.functional_weights
            unread = self._cache["unread_weights"]
            layers: list[tuple[str, nn.Module]] = []
            for _, m in self.state.modules:
                own = scored_weights(m)
                weights = (getattr(m, local) for local in own)
                layers += [
                    (names[id(w)], m) for w in weights if id(w) in names and id(w) not in unread
                ]
                if functional:
                    layers += [
                        (names[id(w)], m)
                        for local, w in m._parameters.items()
                        if w is not None and local not in own and names.get(id(w)) in functional
                    ]
            self._cache["prunable_layers"] = layers
        return self._cache["prunable_layers"]

    @property
    def functional_weights(self) -> dict[str, str]:
        """Parameters that the forward passes itself as the weight of a convolution or a
        linear map (``F.conv1d/2d/3d`` / ``F.linear``'s ``weight``, an operand of one of
        :data:`_MATMUL_OPS`: ``@``, ``torch.matmul``, ``torch.linalg.matmul``,
        ``torch.einsum``, ``torch.tensordot``, ``torch.inner``, ``torch.linalg.multi_dot``,
        ...) and that no module's :func:`scored_weights` names: a user's layer holding its
        own ``nn.Parameter``. The operand is the parameter, a view of it (a transpose, a
        flat parameter's ``.view(o, i)``, a slice: :meth:`weight_part`) or a tensor
        computed from it alone (:func:`_derived_from`: ``w * mask``, ``w.clone()``; a
        product of two parameters is not a weight). Name -> ``"conv"``, ``"linear"`` or
        ``"matmul"``. Scored as the weight of the equivalent built-in layer (they had been
        left out of every weight-based proxy without a word: l2_norm 1.56 against 4.86 for
        the same network written with ``nn.Conv2d``; torch.linalg.matmul, w * mask and a
        flat parameter's view had still been, l2_norm 0.957 against 3.308).

        Found by one forward that records the weight operands (:class:`_WeightOperands`;
        :meth:`_detecting_forward`: in the contract check's mode, with gradients); run only
        where a parameter of two or more dims (or a vector of a user's module) is not
        already scored (a transposed convolution's weight, never scored, does not count),
        so a network of built-in layers is not run.

        That forward also finds the layers that ran without reading their own weight: a
        skeleton module run by ``torch.func.functional_call`` on weights held elsewhere (an
        ``nn.ParameterList``, a hypernetwork's output), whose own weights the forward never
        uses. Those weights are not scored (:attr:`prunable_layers`): they had been added to
        the weights the forward does use (l2_norm 13.35 against 3.34 for the same network
        written plainly, fisher doubled)."""
        if "functional_weights" not in self._cache:
            (
                self._cache["functional_weights"],
                self._cache["functional_biases"],
                self._cache["unread_weights"],
            ) = self._weight_operands()
        return self._cache["functional_weights"]

    @property
    def functional_biases(self) -> list[str]:
        """Parameters passed as the bias beside a :attr:`functional_weights` weight."""
        self.functional_weights  # noqa: B018 - fills the cache
        return self._cache["functional_biases"]

    def _weight_operands(self) -> tuple[dict[str, str], list[str], set[int]]:
        """``(functional weights, their biases, ids of the scored weights of layers that
        ran without reading them)`` (:attr:`functional_weights`); the parts of the weights
        read in part go to :meth:`weight_part`."""
        layers = [m for m in self.state.module_list if scored_weights(m)]
        scored = {id(getattr(m, local)) for m in layers for local in scored_weights(m)}
        transposed = {
            id(m.weight)
            for m in self.state.module_list
            if isinstance(m, nn.modules.conv._ConvTransposeNd)
        }
        # a user's module's own vector may be a flat weight viewed as a matrix (the
        # parameters of torch's and torch_geometric's layers are never)
        own_vectors = {
            id(p)
            for m in self.state.module_list
            if not type(m).__module__.startswith(("torch.", "torch_geometric."))
            for p in m._parameters.values()
            if p is not None and p.dim() == 1
        }
        candidates = {
            id(p): n
            for n, p in self.params.items()
            if (p.dim() >= 2 or id(p) in own_vectors)
            and id(p) not in scored
            and id(p) not in transposed
        }
        if not candidates:
            return {}, [], set()
        called: dict[int, nn.Module] = {}

        def ran(module: nn.Module, args: tuple, out: Any) -> None:
            called[id(module)] = module

        mode = self._detecting_forward(layers, ran)
        weights = {n: k for n, k in mode.weights.items() if n in candidates.values()}
        self._cache["weight_parts"] = {n: mode.part(n) for n in weights}
        # a layer that ran on other weights than its own (functional_call's skeleton); one
        # never called (a supernet's unused candidate) is scored as where this forward
        # does not run
        unread = {
            id(w)
            for m in called.values()
            for w in (getattr(m, local) for local in scored_weights(m))
            if self.param_names.get(id(w)) not in mode.read
        }
        return weights, [b for b in mode.biases if b not in weights], unread

    def _detecting_forward(
        self, layers: list[nn.Module], ran: Callable[..., None]
    ) -> _WeightOperands:
        """Run the forward that :attr:`functional_weights` reads: in the mode of the call's
        contract check (train mode where a proxy reads the data, as the shared pass runs;
        eval mode for data-free proxies, so a BatchNorm network scored on one input runs),
        with gradients on private leaves of the parameters and of the inputs (so a weight
        computed from one parameter is traced back to it, an activation to the inputs), on
        the whole batch; where that fails, on the samples the contract check ran without
        gradients (it succeeded there)."""
        batch = self.batch
        probe = batch if batch.coupled else batch.part(0, min(batch.n, 2 if self.reads_data else 1))
        x = batch.x.detach()
        if x.is_floating_point():
            # a non-leaf (the network may write its input in place), traced to the leaf
            x = x.requires_grad_(True) * 1
        for grad, inputs, named in (
            (True, (x, *batch.args), dict(batch.kwargs)),
            (False, (fast_layout(probe.x), *probe.args), dict(probe.kwargs)),
        ):
            # private tensors, one per distinct parameter (a tied weight stays one tensor)
            own: dict[int, torch.Tensor] = {}
            for p in self.params.values():
                if id(p) not in own:
                    t = p.detach()
                    own[id(p)] = t.requires_grad_(grad and t.is_floating_point())
            tensors = {n: own[id(p)] for n, p in self.params.items()}
            mode = _WeightOperands({id(own[i]): n for i, n in self.param_names.items()}, tensors)
            try:
                with (
                    seeded_stream(self),
                    self.train_mode(self.reads_data),
                    torch.enable_grad() if grad else torch.no_grad(),
                    _hooks(layers, ran),
                ):
                    with mode:
                        self.state.call({**tensors, **self.private_buffers()}, inputs, named)
                return mode
            except (RuntimeError, ValueError, TypeError, IndexError):
                if not grad:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def weight_part(self, name: str) -> torch.Tensor | None:
        """The elements of the scored weight ``name`` that the forward reads as a layer's
        weight, a bool mask of its shape: a user's layer slicing its own parameter
        (``F.conv2d(x, self.weight[:k])``, a slimmable layer) is scored as the built-in
        layer of that width. ``None``: the whole weight (every layer of torch's)."""
        self.functional_weights  # noqa: B018 - fills the cache
        return self._cache.get("weight_parts", {}).get(name)

    def weight_numel(self, name: str) -> int:
        """The number of elements of the scored weight ``name`` (:meth:`weight_part`)."""
        part = self.weight_part(name)
        return self.params[name].numel() if part is None else int(part.sum())

    @property
    def prunable(self) -> list[tuple[str, nn.Module]]:
        """:attr:`prunable_layers` with each weight once (its first layer): a weight tied
        between two layers is one parameter, scored once (it had been summed twice by
        synflow, l2_norm, zico and GraSP, and its gradient taken twice)."""
        if "prunable" not in self._cache:
            first: dict[str, nn.Module] = {}
            for name, m in self.prunable_layers:
                first.setdefault(name, m)
            self._cache["prunable"] = list(first.items())
        return self._cache["prunable"]

    def prunable_modules(self) -> list[nn.Module]:
        """The distinct layers of :attr:`prunable_layers` that :func:`scored_weights`
        names (torch's and torch_geometric's layers, not a user's module holding
        :attr:`functional_weights`), in its order."""
        seen: dict[int, nn.Module] = {}
        for _, m in self.prunable_layers:
            if scored_weights(m):
                seen.setdefault(id(m), m)
        return list(seen.values())

    @property
    def param_names(self) -> dict[int, str]:
        """The qualified name of each of :attr:`params`' tensors, by ``id``."""
        return self.cached("param_names", lambda: {id(p): n for n, p in self.params.items()})

    def cached(self, key: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` once per scoring call and remember its result under ``key``."""
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def call(
        self,
        x: torch.Tensor,
        params: Mapping[str, torch.Tensor],
        buffers: Mapping[str, torch.Tensor] | None = None,
        *,
        batch: ProxyInputs | None = None,
    ) -> torch.Tensor:
        """Run the caller's module on ``x`` (in place of ``batch.x``, with ``batch``'s other
        arguments; default :attr:`batch`) with private ``params`` / ``buffers``; returns the
        output's scored rows."""
        if buffers is None:
            buffers = self.private_buffers()
        batch = self.batch if batch is None else batch
        out = self.state.call({**params, **buffers}, (x, *batch.args_for(x)), batch.kwargs_for(x))
        return batch.select(out)

    def fast_params(self) -> dict[str, torch.Tensor]:
        """Detached parameters, 4-D ones in channels-last layout (see :func:`fast_layout`)."""
        return {n: fast_layout(p.detach()) for n, p in self.params.items()}

    def private_buffers(self) -> dict[str, torch.Tensor]:
        """Fresh copies of the buffers, so train-mode BatchNorm updates never reach the caller."""
        return {n: b.clone() for n, b in self.buffers.items()}


# --------------------------------------------------------------------------- shared passes
#: Taps of the shared train-mode pass (one forward on the data, then the backward passes
#: that the requested taps need):
#:   "grad"       d loss / d weight of every conv / linear layer        (snip, grad_norm, ...)
#:   "fisher"     per-channel activation x gradient of those layers     (fisher)
#:   "hessian"    Hessian-gradient product H g of those weights         (grasp)
#:   "input_grad" d sum(logits) / d inputs                              (jacov, epe_nas)
#:   "relu_codes" Hamming kernel of binary ReLU codes                   (nwot)
#:   "swap"       distinct sample-wise ReLU activation patterns         (swap)
#:   "features"   the first sample's output of every module, with its   (meco)
#:                channel axis where known (:class:`Feature`)
TRAIN_TAPS = frozenset(
    {"grad", "fisher", "hessian", "input_grad", "relu_codes", "swap", "features"}
)
RELUS = (nn.ReLU, nn.ReLU6)


@dataclass(frozen=True)
class Feature:
    """One module's output for the first sample, read by the "features" tap.

    Attributes
    ----------
    values : Tensor, shape (C, ...)
        Channels first where ``layout`` is known; where it is None the sample's tensor as
        it is (``output[0]``), whose first dim is its channels in a convolutional network.
    layout : {"first", "last"} or None
        Where the module's output keeps its channels: "first" (dim 1: convolutions,
        BatchNorm, pooling), "last" (a linear layer, LayerNorm, an attention or transformer
        layer: ``(N, tokens, C)``), None where the module's type does not say (containers,
        a user's modules) and the tensor is none of those layers' outputs.
    """

    values: torch.Tensor
    layout: str | None


#: Outputs with channels in dim 1.
_CHANNELS_FIRST = (
    nn.modules.conv._ConvNd,
    nn.modules.batchnorm._NormBase,
    nn.GroupNorm,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
)
#: Element-wise modules: their output keeps the layout of their input.
_ELEMENTWISE = (
    nn.ReLU,
    nn.ReLU6,
    nn.GELU,
    nn.SiLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.LeakyReLU,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Hardtanh,
    nn.Mish,
    nn.Softplus,
    nn.Identity,
    nn.modules.dropout._DropoutNd,
)


def _own_layout(module: nn.Module) -> tuple[str, int] | None:
    """``(layout, batch dim)`` of ``module``'s output as its type defines it, or None."""
    if _linear_like(module) or isinstance(module, nn.Embedding):
        return "last", 0
    if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
        return "last", 0
    if isinstance(module, nn.MultiheadAttention):
        return "last", 0 if module.batch_first else 1
    if isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer):
        return "last", 0 if module.self_attn.batch_first else 1
    if isinstance(module, _CHANNELS_FIRST):
        return "first", 0
    return None


class _FeatureLayouts:
    """The channel axis of the tensors a forward produces, as far as modules' types say:
    a module's own (:func:`_own_layout`), else that of the tensor it returns if another
    module produced it (a container returning its last child's output), else for an
    element-wise module that of its input (weak references: ids of freed tensors are
    reused)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[weakref.ref, str, int]] = {}

    def _get(self, t: Any) -> tuple[str, int] | None:
        if not isinstance(t, torch.Tensor):
            return None
        entry = self._known.get(id(t))
        if entry is None or entry[0]() is not t:
            return None
        return entry[1], entry[2]

    def feature(self, module: nn.Module, args: tuple, t: torch.Tensor) -> Feature:
        found = _own_layout(module) or self._get(t)
        if found is None and isinstance(module, _ELEMENTWISE) and args:
            inp = self._get(args[0])
            if inp is not None and args[0].shape == t.shape:
                found = inp
        if found is None:
            return Feature(t[0].detach(), None)
        layout, batch = found
        self._known[id(t)] = (weakref.ref(t), layout, batch)
        sample = t.detach().select(batch, 0)
        return Feature(sample.movedim(-1, 0) if layout == "last" else sample, layout)


@dataclass
class TrainPass:
    """Results of the shared train-mode pass (fields are None when no proxy asked for them)."""

    logits: torch.Tensor
    loss: torch.Tensor | None = None
    weights: dict[str, torch.Tensor] | None = None  # prunable weight name -> value
    grads: dict[str, torch.Tensor] | None = None
    hg: dict[str, torch.Tensor] | None = None  # H g: Hessian times the gradient
    # per prunable layer (Context.prunable_modules; an attention layer's input projections
    # one entry per weight and call of F.linear): per output channel, and the layer's scored
    # weights per output channel (its fan-in)
    fisher: list[tuple[torch.Tensor, float]] | None = None
    input_grad: torch.Tensor | None = None
    relu_kernel: torch.Tensor | None = None  # (N, N) float64
    n_relu: int = 0
    # ReLUs whose output is not one row per sample (a (T, N, C) tensor, say): not read
    relu_skipped: int = 0
    swap_codes: list[torch.Tensor] | None = None  # per ReLU, (units, words) int64
    features: list[Feature | None] | None = None


def no_relu_reason(tp: TrainPass, what: str) -> str:
    """Why nwot / swap (reading ``what``) have nothing to read in the pass ``tp``."""
    reason = (
        f"the network has no ReLU (nn.ReLU / nn.ReLU6, F.relu, x.relu(), ...) to read {what} from"
    )
    if tp.relu_skipped:
        reason += (
            f" ({tp.relu_skipped} ReLU output(s) not read: their leading dim is not the"
            " batch's samples, e.g. a sequence-first (T, N, C) tensor)"
        )
    return reason


def _pack_bits(active: torch.Tensor, word: int = 31) -> torch.Tensor:
    """(N, M) bool -> (M, ceil(N / word)) int64: each unit's activation pattern over samples."""
    n = active.shape[0]
    words = []
    for start in range(0, n, word):
        chunk = active[start : start + word].to(torch.int64)
        shifts = torch.arange(chunk.shape[0], device=chunk.device, dtype=torch.int64)
        words.append((chunk << shifts[:, None]).sum(0))
    return torch.stack(words, 1)


def _agreement_kernel(units: torch.Tensor) -> torch.Tensor:
    """(N, M) ReLU outputs (non-negative) per sample -> the (N, N) float64 kernel of
    agreements of their binary codes ``c = output > 0`` (= input > 0): for samples ``i`` and
    ``j``, the units where both are active plus those where both are inactive,
    ``2 G_ij + M - G_ii - G_jj`` with ``G = c c^T`` (one matrix product instead of two).

    ``G`` holds integer counts up to ``M``: exact in float32 below 2**24 units, so float64
    is used only beyond that.
    """
    # On non-negative values sign() is the 0/1 code in one pass (a comparison then a cast
    # costs two passes over the activations).
    codes = torch.sign(units)
    dtype = torch.float32 if units.shape[1] < 2**24 else torch.float64
    if codes.dtype != dtype:
        codes = codes.to(dtype)
    gram = (codes @ codes.T).to(torch.float64)
    ones = gram.diagonal()
    return 2.0 * gram + units.shape[1] - ones[:, None] - ones[None, :]


def _linear_like(module: nn.Module) -> bool:
    """Whether ``module`` maps the last dim of its input (its output channels are last:
    ``(N, C)``, a transformer's ``(N, tokens, C)``), as ``nn.Linear`` and torch_geometric's
    ``Linear`` do; a convolution's channels are dim 1."""
    pyg_linear = _loaded("torch_geometric.nn.dense.linear", "Linear")
    return isinstance(module, nn.Linear) or (
        pyg_linear is not None and isinstance(module, pyg_linear)
    )


#: One activation the fisher tap differentiates: (key of its layer, the tensor, its batch
#: dim, its channel dim, the fan-in of its channels or None: the layer's scored weights per
#: output channel).
_Activation = tuple[tuple, torch.Tensor, int, int, float | None]


class _AttentionTaps(TorchFunctionMode):
    """Active inside one ``nn.MultiheadAttention``'s forward during the fisher tap: its
    ``F.multi_head_attention_forward`` call gets its input projections computed here, by the
    same ``F.linear`` calls torch makes, and then identity projection weights (exact in
    float), so that the projections' outputs are tensors the pass can differentiate (inside
    torch's function they are not reachable); the call's output, ``out_proj``'s output, is
    recorded for ``out_proj``. Batched inputs only: an unbatched call has no sample rows."""

    def __init__(self, module: nn.MultiheadAttention, record: Callable[..., None]) -> None:
        super().__init__()
        self.module = module
        self.record = record

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        if func is not F.multi_head_attention_forward:
            return func(*args, **kwargs)
        a = inspect.signature(func).bind(*args, **kwargs).arguments
        query, key, value = a["query"], a["key"], a["value"]
        if query.dim() != 3:
            return func(*args, **kwargs)
        e = query.shape[-1]
        m = id(self.module)
        bias = a.get("in_proj_bias")
        b3 = bias.chunk(3) if bias is not None else (None, None, None)
        # inside torch's function the rows are (tokens, batch, channels): batch dim 1
        if not a.get("use_separate_proj_weight", False):
            w = a["in_proj_weight"]
            fan_in = float(w.shape[1])
            # the F.linear calls of torch's _in_projection_packed, on the same slices
            if key is value and query is key:  # self-attention: one packed projection
                proj = F.linear(query, w, bias)
                self.record((m, "in_proj_weight", 0), proj, 1, -1, fan_in)
                q, k, v = proj.split(e, -1)
            elif key is value:
                bq, bkv = (None, None) if bias is None else bias.split([e, 2 * e])
                q = F.linear(query, w[:e], bq)
                kv = F.linear(key, w[e:], bkv)
                self.record((m, "in_proj_weight", 0), q, 1, -1, fan_in)
                self.record((m, "in_proj_weight", 1), kv, 1, -1, fan_in)
                k, v = kv.split(e, -1)
            else:
                w3 = w.chunk(3)
                q, k, v = (F.linear(t, w3[i], b3[i]) for i, t in enumerate((query, key, value)))
                for i, t in enumerate((q, k, v)):
                    self.record((m, "in_proj_weight", i), t, 1, -1, fan_in)
        else:
            ws = (a["q_proj_weight"], a["k_proj_weight"], a["v_proj_weight"])
            q, k, v = (F.linear(t, ws[i], b3[i]) for i, t in enumerate((query, key, value)))
            for name, w, t in zip(ATTENTION_WEIGHTS[1:], ws, (q, k, v), strict=True):
                self.record((m, name, 0), t, 1, -1, float(w.shape[1]))
        eye = torch.eye(e, dtype=q.dtype, device=q.device)
        a.update(
            query=q,
            key=k,
            value=v,
            in_proj_weight=None,
            in_proj_bias=None,
            use_separate_proj_weight=True,
            q_proj_weight=eye,
            k_proj_weight=eye,
            v_proj_weight=eye,
        )
        out, weights = func(**a)
        self.record((id(self.module.out_proj),), out, 1, -1, None)
        # a copy downstream, as for a hooked layer: in-place ops must not alter the record
        return out.clone(), weights


class _FunctionalTaps(TorchFunctionMode):
    """Active during the fisher tap's forward on a network with
    :attr:`Context.functional_weights`: the output of a convolution or ``F.linear`` whose
    weight operand is one of ``weights`` (id of the pass's private tensor -> the key it is
    recorded under: ``("functional", name)``, or a layer's ``(id(module),)`` for a layer
    that also holds functional weights, below) is recorded, channels in dim 1 for a
    convolution and last for a linear map (as :func:`_linear_like` layers), and a copy goes
    downstream, as for a hooked layer."""

    def __init__(self, weights: Mapping[int, tuple], record: Callable[..., None]) -> None:
        super().__init__()
        self.weights = weights
        self.record = record

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        kind = _WEIGHT_OPS.get(func)
        if kind is None or not isinstance(out, torch.Tensor) or not out.requires_grad:
            return out
        key = _operand(args[1] if len(args) > 1 else kwargs.get("weight"), self.weights)
        if key is None:
            return out
        self.record(key, out, 0, 1 if kind == "conv" else -1, None)
        return out.clone()


def _attention_forward(
    module: nn.MultiheadAttention, record: Callable[..., None]
) -> Callable[..., Any]:
    native = type(module).forward

    def forward(*args: Any, **kwargs: Any) -> Any:
        with _AttentionTaps(module, record):
            return native(module, *args, **kwargs)

    return forward


def seeded_stream(ctx: Context) -> contextlib.AbstractContextManager[None]:
    """torch's random stream (the CPU generator, and the CUDA generator of the inputs'
    device) reseeded from ``ctx.seed`` for the block and restored after: what a pass draws
    (dropout masks) depends on the seed only, not on the passes run before it in the call."""
    return torch_state(ctx.seed, devices=[ctx.inputs.device])


def train_pass(ctx: Context) -> TrainPass:
    """One forward of the caller's network in train mode on the data, then the backward
    passes the requested taps need, all on private tensors. Its dropout masks come from
    :func:`seeded_stream`, whichever proxy asks for the pass first."""

    def run() -> TrainPass:
        with seeded_stream(ctx):
            return _train_pass(ctx)

    return ctx.cached("train_pass", run)


def _seq_first_transformer(module: nn.Module) -> bool:
    """Whether ``module`` is a torch transformer layer in the sequence-first layout
    (``batch_first=False``, torch's default): its activations are ``(T, N, C)``."""
    return (
        isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer)
        and not module.self_attn.batch_first
    )


def _train_pass(ctx: Context) -> TrainPass:
    taps = ctx.taps
    want_grad = bool(taps & {"grad", "fisher", "hessian"})
    want_input = "input_grad" in taps
    weight_names = [n for n, _ in ctx.prunable]
    params = ctx.fast_params()
    if want_grad:
        for n in weight_names:
            params[n] = fast_layout(ctx.params[n].detach()).requires_grad_(True)
    x = fast_layout(ctx.inputs.detach())
    if want_input:
        x = x.clone().requires_grad_(True)
    res: list[_Activation] = []  # the fisher tap's activations, in call order
    kernel: list[torch.Tensor] = []
    n_relu = relu_skipped = 0
    swap_codes: list[torch.Tensor] = []
    feats: list[Feature | None] = []
    layouts = _FeatureLayouts()

    def record(key: tuple, act: torch.Tensor, batch: int, channel: int, fan_in: Any) -> None:
        res.append((key, act, batch, channel, fan_in))

    def prunable_hook(module: nn.Module, args: tuple, out: Any) -> Any:
        if isinstance(out, torch.Tensor):
            # a linear layer's output channels are its last dim (a transformer's (N, tokens,
            # C), which NASLib's dim-1 rule had read as token channels), a convolution's dim 1
            record((id(module),), out, 0, -1 if _linear_like(module) else 1, None)
            # Downstream in-place ops (ReLU(inplace=True)) must not alter the tensor whose
            # gradient we ask for: hand the network a copy.
            return out.clone()
        return None

    # ReLU modules applied to the same input tensor (in an NB201 cell, the ReLUs of the
    # ReLU-conv-BN edges leaving one node) produce the same codes: compute their kernel and
    # packed codes once and count them once per module, as the per-module definition does.
    # The inputs are held until the pass ends so that their ids cannot be reused.
    seen_inputs: dict[tuple[int, int, type], tuple[torch.Tensor | None, torch.Tensor | None]] = {}
    held: list[torch.Tensor] = []

    def relu_hook(module: nn.Module, args: tuple, out: Any) -> None:
        tap_relu(type(module), args, out)

    def relu_call(
        func: Callable[..., Any], args: tuple, kwargs: dict, out: Any, derived: bool
    ) -> None:
        # a ReLU written as a function (F.relu, x.relu(), torch.relu_): as its module, where
        # it acts on an activation, computed from the inputs; one of a parameter (a layer's
        # non-negative weight, F.linear(x, F.relu(self.weight))) or of a constant is not a
        # layer of units (its rows had been read as samples: nwot 16.6 -> 23.3, or the call
        # failed in torch.stack)
        if derived:
            tap_relu(FUNCTIONAL_RELUS[func], args or (kwargs.get("input"),), out)

    def tap_relu(kind: type, args: tuple, out: Any) -> None:
        nonlocal n_relu, relu_skipped
        if not isinstance(out, torch.Tensor) or out.dim() < 2:
            return
        if out.shape[0] != ctx.batch.x.shape[0]:
            # rows that are not the samples (a sequence-first (T, N, C) tensor): never read
            # as samples (a T x T kernel; kernels of unequal sizes had failed the whole call)
            relu_skipped += 1
            return
        inp = args[0] if args and isinstance(args[0], torch.Tensor) else None
        key = None
        if inp is not None and inp is not out and inp.shape == out.shape:
            key = (id(inp), inp._version, kind)
            if key in seen_inputs:
                k, codes = seen_inputs[key]
                if k is not None:
                    kernel.append(k)
                if codes is not None:
                    swap_codes.append(codes)
                n_relu += 1
                return
        rows = ctx.batch.per_sample(out.detach())
        if rows is None:
            return
        k = codes = None
        with torch.no_grad():
            if rows.dim() == 4 and rows.is_contiguous(memory_format=torch.channels_last):
                # units in (H, W, C) order: a view, not a copy; the kernel sums over units
                # and swap counts distinct unit patterns, so the order does not matter
                rows = rows.permute(0, 2, 3, 1)
            flat = rows.reshape(rows.shape[0], -1)
            if "relu_codes" in taps:
                kernel.append(k := _agreement_kernel(flat))
            if "swap" in taps:
                codes = _pack_bits(flat > 0)
                swap_codes.append(codes)
            n_relu += 1
        if key is not None:
            seen_inputs[key] = (k, codes)
            held.append(inp)

    def feature_hook(module: nn.Module, args: tuple, out: Any) -> None:
        t = out[0] if isinstance(out, (tuple, list)) and out else out
        if isinstance(t, torch.Tensor) and t.dim() >= 3:
            feats.append(layouts.feature(module, args, t))
        else:
            feats.append(None)

    modules = dict(ctx.state.modules)
    # before the pass sets hooks of its own (closed_modules reads the caller's)
    closed = closed_modules(modules.values()) if taps & {"relu_codes", "swap"} else []
    prunable_modules = ctx.prunable_modules() if "fisher" in taps else []
    # attention layers compute their projections functionally: recorded from inside
    # (_AttentionTaps); one with a forward of its own on the instance is not reached
    attentions = [
        m
        for m in prunable_modules
        if isinstance(m, nn.MultiheadAttention) and "forward" not in m.__dict__
    ]
    # a recurrent layer's gates run inside torch's fused kernel: not read (the fisher proxy
    # is undefined on such a network)
    # a layer of torch's that also holds functional weights (a LoRA-style nn.Linear
    # subclass adding F.linear(F.linear(x, self.A), self.B)): its own weight's output is
    # read at its F.linear call, as the adapter's are; its module output (the sum) had
    # been read as its own layer's, fisher 0.0242 against 0.0274 for three nn.Linear
    mixed = (
        {id(m): m for n, m in ctx.prunable_layers if n in ctx.functional_weights}
        if "fisher" in taps and ctx.functional_weights
        else {}
    )
    hooked = [
        m
        for m in prunable_modules
        if not isinstance(m, (nn.MultiheadAttention, *RECURRENT)) and id(m) not in mixed
    ]
    relu_modules = (
        [m for m in modules.values() if isinstance(m, RELUS)]
        if taps & {"relu_codes", "swap"}
        else []
    )
    # (not the modules that only mark where a quantised network would quantise or observe)
    feature_modules = []
    if "features" in taps:
        marks = quantisation_markers(modules.values())
        feature_modules = [m for m in modules.values() if id(m) not in marks]
    # a user's layers' weights (F.conv2d on its own parameter): their outputs recorded
    # from the function call (no module's hook sees them)
    functional = (
        {id(params[n]): n for n in weight_names if ctx.functional_weights.get(n) in _LAYER_KINDS}
        if "fisher" in taps and ctx.functional_weights
        else {}
    )
    tapped: dict[int, tuple] = {i: ("functional", n) for i, n in functional.items()}
    for m in mixed.values():
        for local in scored_weights(m):
            name = ctx.param_names.get(id(getattr(m, local)))
            if name in params and name not in ctx.functional_weights:
                tapped[id(params[name])] = (id(m),)
    grad_ctx = torch.enable_grad() if (want_grad or want_input) else torch.no_grad()
    # (copied here, not inside the ReLU-call mode: ~200 clones on NB201, each a mode call)
    buffers = ctx.private_buffers()
    with (
        ctx.train_mode(True),
        _hooks(hooked, prunable_hook),
        instance_forwards((m, _attention_forward(m, record)) for m in attentions),
        _hooks(relu_modules, relu_hook),
        # and the ReLUs the forward applies as functions (PyG's F.relu between layers)
        # (not inside a sequence-first transformer layer: its feed-forward F.relu runs on
        # (T, N, C) rows, time steps, which had been read as samples; with T == N too)
        function_calls(
            FUNCTIONAL_RELUS,
            relu_modules + [m for m in modules.values() if _seq_first_transformer(m)],
            relu_call,
            sources=[x, *_tensors((*ctx.batch.args_for(x), *ctx.batch.kwargs_for(x).values()))],
            closed=closed,
        )
        if taps & {"relu_codes", "swap"}
        else contextlib.nullcontext(),
        _hooks(feature_modules, feature_hook),
        grad_ctx,
        # "hessian" differentiates twice: convolutions and BatchNorm with faster double
        # backward passes (second_order.py)
        SecondOrderKernels() if "hessian" in taps else contextlib.nullcontext(),
        # and attention by the math kernel: the fused (flash) kernels have no double backward
        _math_attention() if "hessian" in taps else contextlib.nullcontext(),
        # nor have cuDNN's recurrent kernels
        native_recurrent_kernels(modules.values(), x.device)
        if "hessian" in taps
        else contextlib.nullcontext(),
        # last: the user's own call reaches it first (SecondOrderKernels' convolution calls
        # torch's inside an autograd Function, without gradients)
        _FunctionalTaps(tapped, record) if tapped else contextlib.nullcontext(),
    ):
        logits = ctx.call(x, params, buffers)
    out = TrainPass(logits=logits.detach())
    if kernel:
        out.relu_kernel = torch.stack(kernel).sum(0)
    out.n_relu = n_relu
    out.relu_skipped = relu_skipped
    if "swap" in taps:
        out.swap_codes = swap_codes
    if "features" in taps:
        out.features = feats
    if want_input:
        (gx,) = torch.autograd.grad(logits.sum(), x, retain_graph=want_grad, allow_unused=True)
        out.input_grad = ctx.batch.select(torch.zeros_like(x) if gx is None else gx.detach())
    if want_grad:
        loss = ctx.loss_fn(logits, ctx.targets)
        out.loss = loss.detach()
        weights = [params[n] for n in weight_names]
        create = "hessian" in taps
        wrt = weights + [r[1] for r in res]
        # no weight to score (a network of functional layers on its parameters' views, say):
        # nothing to differentiate (torch refuses an empty list), the proxies say why
        grads = (
            torch.autograd.grad(loss, wrt, create_graph=create, allow_unused=True) if wrt else ()
        )
        wg = [torch.zeros_like(w) if g is None else g for w, g in zip(weights, grads, strict=False)]
        out.weights = {n: w.detach() for n, w in zip(weight_names, weights, strict=False)}
        out.grads = {n: g.detach() for n, g in zip(weight_names, wg, strict=False)}
        if "fisher" in taps:
            # Per prunable layer in ctx.prunable order (activations arrive in call order,
            # which differs, e.g. a residual block's shortcut runs first); a layer called
            # several times accumulates, as in NASLib.
            per_layer: dict[tuple, torch.Tensor] = {}
            fan_ins: dict[tuple, float] = {}
            for (key, act, batch, channel, fan_in), g in zip(
                res, grads[len(weights) :], strict=True
            ):
                if g is None:
                    continue
                prod = act.detach() * g.detach()
                if prod.dim() < 2:
                    continue
                # (N, C, ...): samples first, then channels
                prod = prod.movedim((batch, channel), (0, 1))
                prod = ctx.batch.per_sample(prod)
                if prod is None:
                    continue
                g_nk = prod.sum(tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
                value = 0.5 * g_nk.pow(2).mean(0)
                per_layer[key] = per_layer[key] + value if key in per_layer else value
                if fan_in is not None:
                    fan_ins[key] = fan_in
            # NASLib broadcasts a channel's value to every weight feeding that channel: a
            # layer's scored weights per output channel (a conv's weight[0].numel()).
            # (the module's own scored weights: the functional weights a module holds
            # beside them have entries of their own, below; a LoRA-style nn.Linear's adapter
            # matrices had been added to its fan-in too, fisher 0.0342 against 0.0274)
            n_weights: dict[int, int] = {}
            for name, m in ctx.prunable_layers:
                if name not in ctx.functional_weights:
                    n_weights[id(m)] = n_weights.get(id(m), 0) + ctx.params[name].numel()
            out.fisher = []
            for m in prunable_modules:
                if isinstance(m, nn.MultiheadAttention):
                    # its projections, one entry per weight (and part of the packed one)
                    parts = [k for k in per_layer if len(k) == 3 and k[0] == id(m)]
                    out.fisher += [(per_layer[k], fan_ins[k]) for k in parts]
                    if not parts:
                        out.fisher.append((torch.zeros((), device=x.device), 0.0))
                    continue
                value = per_layer.get((id(m),))
                if value is None:
                    out.fisher.append((torch.zeros((), device=x.device), 0.0))
                else:
                    out.fisher.append((value, n_weights[id(m)] / value.numel()))
            for n in functional.values():
                value = per_layer.get(("functional", n))
                if value is None:
                    out.fisher.append((torch.zeros((), device=x.device), 0.0))
                else:
                    out.fisher.append((value, ctx.weight_numel(n) / value.numel()))
        if create:
            # GraSP's H g: gradient of z = sum(stop_grad(g) * g). (A finite difference of two
            # gradients would be cheaper but is biased on ReLU networks: units that flip sign
            # under the step add O(1) terms however small the step.)
            z = sum((g.detach() * g).sum() for g in wg if g.requires_grad)
            hg = (
                torch.autograd.grad(z, weights, allow_unused=True)
                if isinstance(z, torch.Tensor) and z.requires_grad
                else [None] * len(weights)
            )
            out.hg = {
                n: torch.zeros_like(w) if h is None else h.detach()
                for n, w, h in zip(weight_names, weights, hg, strict=False)
            }
    return out


def regression_loss(output: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The mean squared error of ``output`` against real ``targets``: the loss the
    loss-reading proxies (snip, grasp, fisher, grad_norm, ...) differentiate for a
    regression, as cross-entropy for a classifier. A one-output network's output, ``(N, 1)``
    or ``(N,)``, is read in the targets' shape, ``(N,)`` or ``(N, 1)``: the same ``N``
    pairs in the same order, one loss value for the four pairs (``F.mse_loss`` of ``(N, 1)``
    and ``(N,)`` as they are would broadcast them to ``(N, N)`` and average every output
    against every target); a dense output ``(N, C, ...)`` (pixels, depth) against targets
    of its own shape."""
    return F.mse_loss(output.reshape(targets.shape), targets)


#: Half-precision floating dtypes. The proxies compute in float32 where a network or its
#: inputs hold them (:func:`scoring_dtype`, :func:`widened`): in float16 GraSP's Hessian
#: product had overflowed to NaN on an NB201 cell, and zico had moved by 8-9 % (bfloat16
#: too) against the same network in float32.
HALF_PRECISION = (torch.float16, torch.bfloat16)


def widened(t: torch.Tensor) -> torch.Tensor:
    """``t`` in float32 where it is float16 / bfloat16 (exact: float32 holds every such
    value), else ``t`` itself."""
    return t.to(torch.float32) if t.dtype in HALF_PRECISION else t


def scoring_dtype(network: nn.Module) -> torch.dtype:
    """The floating dtype the proxies run ``network`` in, and that nasperf's own inputs for
    it take (``compute``'s images and placeholder zeros): the dtype of its first floating
    parameter, float16 / bfloat16 widened to float32 (:data:`HALF_PRECISION`), float32 for a
    network without floating parameters."""
    first = next((p for p in network.parameters() if p.is_floating_point()), None)
    return torch.float32 if first is None or first.dtype in HALF_PRECISION else first.dtype


def class_labels(targets: torch.Tensor) -> torch.Tensor:
    """Integer class labels of any integer dtype (``int8`` ... ``int64``, ``uint8``; numpy's
    ``int32`` arrays are common) as int64, as cross-entropy reads them (int32 labels had
    failed inside torch: "expected target dtype to be Long or Byte"); other targets (real
    ones, bool, complex: refused by the contract) as they are. The one rule for
    :func:`~nasperf.zero_cost.score` and :func:`~nasperf.zero_cost.compute`."""
    if targets.is_floating_point() or targets.is_complex() or targets.dtype == torch.bool:
        return targets
    return targets if targets.dtype == torch.int64 else targets.to(torch.int64)


def default_loss(targets: torch.Tensor | None) -> Callable[..., torch.Tensor]:
    """The loss the proxies read where the caller gives none: :func:`regression_loss` for
    real (floating) targets, a regression's; cross-entropy for integer class labels, ``(N,)``
    against logits ``(N, C)`` or per element, ``(N, *spatial)`` against a dense output
    ``(N, C, *spatial)`` (segmentation), as ``F.cross_entropy`` reads them."""
    if isinstance(targets, torch.Tensor) and targets.is_floating_point():
        return regression_loss
    return F.cross_entropy


def run_proxies(
    network: nn.Module,
    inputs: torch.Tensor | ProxyInputs | Any,
    targets: torch.Tensor | None,
    proxies: Mapping[str, Proxy],
    loss_fn: Callable | None,
    seed: int,
    state: NetworkState | None = None,
    counted: nn.Module | None = None,
) -> dict[str, ProxyResult]:
    """Compute ``proxies`` (name -> instance) on one network, sharing passes between them.

    ``inputs``: anything :func:`as_proxy_inputs` takes; ``targets`` one label per input row
    (per node of a graph; ``(N, *spatial)`` labels or real targets of the output's shape for
    a dense output), restricted here to the scored rows; ``loss_fn`` None: the
    :func:`default_loss` of the targets; ``state`` the network's walk when the caller
    already made it (:class:`NetworkState`); ``counted`` the caller's network where
    ``network`` is a plain copy of it (:attr:`Context.counted`).
    """
    import time

    batch = as_proxy_inputs(inputs).bound(network)
    if targets is not None and batch.rows is not None:
        targets = targets.index_select(0, batch.rows.to(targets.device))
    taps = frozenset().union(*(p.taps for p in proxies.values())) if proxies else frozenset()
    ctx = Context(
        network=network,
        inputs=batch.x,
        targets=targets,
        loss_fn=loss_fn if loss_fn is not None else default_loss(targets),
        seed=seed,
        taps=taps,
        batch=batch,
        state=state,
        counted=counted,
        reads_data=any(p.data != "none" for p in proxies.values()),
    )
    out: dict[str, ProxyResult] = {}
    for name, proxy in proxies.items():
        t0 = time.perf_counter()
        try:
            # every proxy draws from the same seeded stream: its value does not depend on
            # the proxies computed before it (module docstring, "Randomness")
            with seeded_stream(ctx):
                raw = proxy.compute(ctx)
            if isinstance(raw, str | bytes | bool):  # float("1.5") would have read it
                raise TypeError(
                    f"proxy {name!r} returned {type(raw).__name__} {raw!r:.40}, not a number"
                )
            value = float(raw)
        except UndefinedProxyError as exc:
            out[name] = ProxyResult(math.nan, str(exc), time.perf_counter() - t0)
            continue
        except RuntimeError as exc:
            # torch's words for a loss (or output) no weight's gradient reaches, e.g. an
            # argmax on the way out: the proxy is undefined there, not a crash of the call
            if "does not require grad and does not have a grad_fn" not in str(exc):
                raise
            out[name] = ProxyResult(
                math.nan,
                "the network's output does not depend on its weights (no gradient reaches "
                "them, e.g. an argmax on the way out)",
                time.perf_counter() - t0,
            )
            continue
        dt = time.perf_counter() - t0
        if not math.isfinite(value):
            out[name] = ProxyResult(math.nan, f"non-finite value ({value})", dt)
        else:
            out[name] = ProxyResult(value, None, dt)
    return out
