"""FLOPs and parameter counts of a PyTorch network, in NASLib's or the MACs convention.

Two conventions (``convention=`` of :func:`count_complexity` and of every space's
``flops`` / ``complexity``):

``"naslib"`` (default)
    What NASLib (and NAS-Bench-Suite-Zero) report as ``flops``: tensorwatch's
    ``ModelStats`` (a fork of torchstat) run on one image; BN, activations and pooling count
    (below).
``"macs"``
    Multiply-accumulates: of the convolutions (1-D, 2-D, 3-D) and ``Linear`` layers
    (``k_h * k_w * C_in / groups * C_out`` per output position, ``in * out`` per linear
    row), of attention and recurrent layers and of matrix products written as functions
    (below); biases, BN, activations and pooling are free. This is what macro-space
    benchmarks and ``thop``-style counters report (NAS-Bench-Macro's ``flops``,
    MobileNet-style "MACs"). On the same network it is a few per cent below ``"naslib"``.

Parameters are the same in both. NASLib's convention in detail:

* Only leaf modules are counted, and only those that are called in the forward pass.
* ``Conv2d`` (and ``Conv1d`` / ``Conv3d`` alike): ``k_h * k_w * C_in * (C_out / groups)`` per
  output position, plus ``C_out`` per position for a bias (one multiply-add counts as one
  FLOP). Transposed convolutions count 0, as in torchstat, which has no rule for them (so
  TransNAS-Bench-101's published FLOPs of its decoders leave them out), as modules or as
  ``F.conv_transpose*d``; the ``"macs"`` convention counts them, per input position.
* ``BatchNorm2d``: one per input element, two when affine.
* ``ReLU`` (and ReLU6, PReLU, ELU, LeakyReLU): one per input element. Every other
  activation (``GELU``, ``SiLU``, ``Sigmoid``, ``Tanh``, ``Hardswish``, ``Mish``,
  ``Softplus``, ...) and ``Softmax`` / ``LogSoftmax`` alike, one per output element, as a
  module or as a function (``F.gelu``, ``x.softmax(-1)``, the softmax inside
  ``F.scaled_dot_product_attention`` and ``MultiheadAttention``): torchstat had rules for
  the ReLU family only, so swapping ReLU for GELU had lowered the count. The networks of
  NASLib's benchmarks use the ReLU family, whose counts this leaves as they were;
  TransNAS-Bench-101's generative decoders end in a ``Tanh``, which its space's
  ``complexity`` leaves out as NASLib's numbers do.
* ``AvgPool2d`` / ``MaxPool2d``: ``k * k`` per output element (1-D and 3-D pools: the
  kernel's size).
* ``AdaptiveAvgPool2d`` / ``AdaptiveMaxPool2d``: torchstat's window sum (``(h+1) * (w+1)``
  inputs per output position of the adaptive window; per dimension alike in 1-D and 3-D).
* Pools written as functions (``F.avg_pool2d``, ``F.max_pool3d``, ``F.adaptive_avg_pool3d``,
  ...) as their modules: they are seen as the functions they are (a ``TorchFunctionMode``),
  since ``F.adaptive_avg_pool2d(x, 1)`` runs as ``x.mean`` in aten. A mean written as a
  reduction (``x.mean((2, 3))``, NB101's head as in NASLib) stays free.
* ``Linear``: ``in * out`` per row (bias not counted); on a sequence ``(N, L, in)`` every
  position is a row.
* ``LayerNorm``, ``GroupNorm`` and instance norms as ``BatchNorm2d``.
* Layers torchstat had no rule for, counted by their multiply-adds in both conventions:
  ``MultiheadAttention`` (the four projections and the two products with the attention
  matrix; in this convention also its softmax, one per attention weight) and ``LSTM`` /
  ``GRU`` / ``RNN`` (per step, layer and direction, ``gates * (in * h + h * h)``; in this
  convention also their gates' activations, one per hidden unit each: an LSTM's three
  sigmoids and two tanh, ``5 * h``, a GRU's ``3 * h``, an RNN's tanh or ReLU ``h``, as the
  same layer written as an ``LSTMCell`` / ``GRUCell`` / ``RNNCell`` loop or by hand with
  ``torch.sigmoid`` / ``torch.tanh`` counts; their elementwise products and sums are free,
  as every tensor arithmetic is, and so are biases). A
  recurrent layer fed a ``PackedSequence`` (``pack_padded_sequence``, variable lengths)
  runs ``batch_sizes.sum()`` steps per layer and direction, each sequence its own length,
  not the padded one. ``Embedding`` is a lookup (0).
* Parameters: those the forward pass reads, each once (a weight tied between layers is one
  parameter): the parameters held by every module it calls (whole: a module's forward is
  taken to use its own weights), and of any other parameter the elements that the
  operations it runs read (seen at the aten level, outside the modules counted by a rule):
  weights in an ``nn.ParameterList`` / ``nn.ParameterDict`` (modules never called), or a
  submodule's weight used without calling the submodule. A slice counts the elements it
  covers: a once-for-all / slimmable layer running ``F.conv2d(x, self.conv.weight[:o,
  :i])`` counts the ``o * i * k * k`` of its sub-network, as OFA reports an active
  sub-network's size, and overlapping slices count each element once; an index by a tensor
  (``w[idx]``) copies, and counts the whole parameter. A parameter of a module never called
  and never read (an unused candidate operation of a supernet-like network) is left out, as
  is one whose shape only is read (``torch.zeros_like(w)``). A subclass of a layer counted
  by a rule (a ``nn.Linear`` subclass slicing its weight in ``forward``) is that layer: its
  weights count whole. Parametrized weights (``weight_norm``) count what the network holds,
  ``g`` and ``v``, as ``sum(p.numel() for p in net.parameters())`` does; a pruned weight
  (``torch.nn.utils.prune``) its ``weight_orig``, pruned zeros included, as the layer after
  ``prune.remove`` counts.

Graph networks (forward ``(x, edge_index)``, one row per node; pass ``inputs=``) follow the
same convention, one FLOP per multiply-add of their dense transforms, per input row:

* torch_geometric's ``Linear`` (inside ``GCNConv``, ``GATConv``, ``SAGEConv``, ``ChebConv``,
  ``GraphConv``) as ``nn.Linear``; ``ARMAConv``'s weight matrices ``rows * in * out`` each
  (``init`` and ``root`` per stack, plus ``num_layers - 1`` hidden-to-hidden ones).
* ``BatchNorm1d`` (any ``_BatchNorm``) as ``BatchNorm2d``: one per input element, two when
  affine.
* Message passing itself (gathering, normalising and summing neighbours' features, GAT's
  attention coefficients) is functional and costs nothing here, as tensor additions do.

Matrix products written as functions count their multiply-adds, in both conventions:
``torch.matmul`` / ``@``, ``torch.mm`` / ``bmm`` / ``addmm`` / ``baddbmm``, ``torch.einsum``
(which runs as ``bmm``), ``F.linear``, ``F.conv*`` and ``F.scaled_dot_product_attention``
(``Q K^T`` and the product with ``V``: ``B * H * L * S * (E + E_v)``), by the per-operation
formulas of ``torch.utils.flop_counter`` halved (torch counts a multiply-add as two FLOPs),
seen by a ``TorchDispatchMode`` during the forward pass (on the meta device too). This is how most ViT, AutoFormer and HAT code writes attention; a hand-written attention
counts what ``nn.MultiheadAttention`` does. They are counted where they run outside a module
that a rule above counts (``Linear``, convolutions, ``MultiheadAttention``, recurrent layers,
norms, pools, torch_geometric's layers, whose message passing stays free): what such a
module runs inside is its rule's and is not counted again. A bias added by ``addmm`` or a
functional convolution is not counted (as ``Linear``'s).

Other functional operations (tensor additions, concatenation, ``x * 0``, reductions) cost
nothing. A module called twice counts twice (torchstat kept only the last call; builders in
nasperf never call a module twice, so the two agree on them).

The network is built and run on PyTorch's ``meta`` device, so counting costs no arithmetic
and no memory for weights.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence
from torch.overrides import TorchFunctionMode, _get_current_function_mode
from torch.overrides import _pop_mode as _pop_function_mode
from torch.overrides import _push_mode as _push_function_mode
from torch.utils._python_dispatch import (
    TorchDispatchMode,
    _get_current_dispatch_mode,
    _pop_mode,
    _push_mode,
)
from torch.utils.flop_counter import flop_registry, sdpa_flop_count

from nasperf._module_forms import check_readable, has_lazy, initialised_copy
from nasperf.errors import NetworkRunError, failure_text, short_repr, warn_caller

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


#: Keyword arguments a module's input tensors may be passed by (after the positional ones),
#: in the order the FLOPs rules read them: the input first, then attention's key.
_TENSOR_KEYWORDS = ("input", "x", "query", "key", "value", "hx")


def _attention_flops(
    module: nn.MultiheadAttention, query: torch.Tensor, extra: Sequence[object], convention: str
) -> int:
    """Multiply-adds of ``nn.MultiheadAttention``: the query, key, value and output
    projections and the two products with the attention matrix (``L * S * E`` each), per
    sample (``extra``: the key and value, where passed positionally; else self-attention);
    in NASLib's convention also its softmax (``heads * L * S``)."""
    e = module.embed_dim
    batched = query.dim() == 3
    if batched:
        n, length = (query.shape[0], query.shape[1]) if module.batch_first else query.shape[1::-1]
    else:
        n, length = 1, query.shape[0]
    key = extra[0] if extra and isinstance(extra[0], torch.Tensor) else None
    s = length
    if key is not None and key.dim() == query.dim():
        s = key.shape[1] if batched and module.batch_first else key.shape[0]
    per = length * e * e + s * module.kdim * e + s * module.vdim * e  # q, k, v projections
    per += 2 * length * s * e + length * e * e  # scores, weighted values, output projection
    if convention == "naslib":
        per += module.num_heads * length * s  # the softmax, as every activation
    return int(n * per)


def _recurrent_flops(
    module: nn.RNNBase, inp: torch.Tensor | PackedSequence, convention: str
) -> int:
    """Multiply-adds of an LSTM / GRU / RNN over the sequence: per step, layer and
    direction, ``gates * (in * h + h * h)`` (LSTM 4 gates, GRU 3, RNN 1; with a projection
    the recurrent input is the projection, plus ``h * proj``); in NASLib's convention also
    one FLOP per gate activation (LSTM ``5 * h``: three sigmoids and two tanh; GRU
    ``3 * h``: two sigmoids and a tanh; RNN ``h``), what the cells' functional forms count.

    The steps: ``N * L`` of a padded ``(N, L, in)`` (or ``(L, N, in)``) input, ``L`` of an
    unbatched ``(L, in)``; of a ``PackedSequence``, its rows (``batch_sizes.sum()``: each
    sequence's own length, which every layer and direction runs)."""
    gates = {"LSTM": 4, "GRU": 3}.get(module.mode, 1)
    # activations per hidden unit and step (RNN_TANH / RNN_RELU: 1)
    activations = {"LSTM": 5, "GRU": 3}.get(module.mode, 1) if convention == "naslib" else 0
    h, proj = module.hidden_size, getattr(module, "proj_size", 0) or 0
    recurrent = proj or h
    dirs = 2 if module.bidirectional else 1
    if isinstance(inp, PackedSequence):
        # its data holds one row per step of every sequence: batch_sizes.sum() rows
        steps = int(inp.data.shape[0])
    elif inp.dim() == 3:
        steps = int(inp.shape[0]) * int(inp.shape[1])
    else:
        steps = int(inp.shape[0])
    per_step = 0
    for layer in range(module.num_layers):
        width = module.input_size if layer == 0 else recurrent * dirs
        per_step += dirs * (gates * (width * h + recurrent * h) + (h * proj if proj else 0))
        per_step += dirs * activations * h
    return steps * per_step


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


#: Activation modules: NASLib's convention counts one FLOP per output element of each, as
#: torchstat did for the ReLU family (the first five).
_ACTIVATIONS: tuple[type[nn.Module], ...] = (
    nn.ReLU,
    nn.ReLU6,
    nn.PReLU,
    nn.ELU,
    nn.LeakyReLU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Sigmoid,
    nn.LogSigmoid,
    nn.Tanh,
    nn.Hardtanh,
    nn.Softplus,
    nn.SELU,
    nn.CELU,
    nn.RReLU,
    nn.GLU,
    nn.Threshold,
    nn.Softsign,
    nn.Tanhshrink,
    nn.Hardshrink,
    nn.Softshrink,
    nn.Softmax,
    nn.Softmin,
    nn.Softmax2d,
    nn.LogSoftmax,
)

#: The aten operations these modules and their functional forms (``F.gelu``,
#: ``torch.sigmoid``, ``x.softmax(-1)``) run; in NASLib's convention one FLOP per output
#: element where they run outside a module counted by a rule.
_ACTIVATION_OPS = frozenset(
    getattr(torch.ops.aten, name)
    for name in (
        "relu relu_ hardtanh hardtanh_ leaky_relu leaky_relu_ rrelu_with_noise "
        "rrelu_with_noise_ _prelu_kernel elu elu_ celu celu_ selu selu_ gelu gelu_ silu silu_ "
        "mish mish_ hardswish hardswish_ hardsigmoid hardsigmoid_ sigmoid sigmoid_ "
        "log_sigmoid_forward tanh tanh_ softplus threshold threshold_ glu hardshrink "
        "softshrink _softmax _safe_softmax _log_softmax"
    ).split()
    if hasattr(torch.ops.aten, name)
)

#: The fused attention kernels that ``F.scaled_dot_product_attention`` runs (on the meta
#: device it runs ``bmm``s instead). torch's flop registry has formulas for the CUDA ones;
#: the CPU kernel is counted by the same ``sdpa_flop_count``.
_FUSED_ATTENTION = frozenset(
    getattr(torch.ops.aten, name)
    for name in (
        "_scaled_dot_product_flash_attention_for_cpu",
        "_scaled_dot_product_flash_attention",
        "_scaled_dot_product_efficient_attention",
        "_scaled_dot_product_cudnn_attention",
        "_flash_attention_forward",
        "_efficient_attention_forward",
    )
    if hasattr(torch.ops.aten, name)
)


#: The aten convolution operations (``F.conv*`` and ``F.conv_transpose*`` run them), whose
#: ``transposed`` argument is their seventh.
_CONVOLUTIONS = frozenset(
    getattr(torch.ops.aten, name)
    for name in ("convolution", "_convolution")
    if hasattr(torch.ops.aten, name)
)


def _op_flops(
    func: torch._ops.OpOverload, args: tuple, kwargs: dict, out: object, convention: str
) -> tuple[int, int]:
    """FLOPs of one aten operation: its multiply-adds (torch's flop formula halved) and, in
    NASLib's convention, one per output element of an activation or softmax (a fused
    attention's softmax: one per attention weight). Other operations (elementwise
    arithmetic, views, reductions) cost 0. A transposed convolution (``F.conv_transpose2d``)
    counts 0 in NASLib's convention, as ``nn.ConvTranspose2d`` does.

    Returns
    -------
    tuple of int
        ``(FLOPs the convention counts, multiply-adds the operation ran)``; they differ by
        the activations and by a transposed convolution in NASLib's convention.
    """
    packet = func.overloadpacket
    if packet in _FUSED_ATTENTION:  # (query, key, value, ...): (..., L, E), (..., S, E_v)
        formula = flop_registry.get(packet)
        if formula is not None:
            macs = int(formula(*args, **kwargs, out_val=out)) // 2
        else:  # the CPU kernel, which torch's registry has no entry for
            macs = int(sdpa_flop_count(*(t.shape for t in args[:3]))) // 2
        # B * H * L * S * (E + E_v) multiply-adds: B * H * L * S attention weights
        weights = macs // (args[0].shape[-1] + args[2].shape[-1])
        return macs + (weights if convention == "naslib" else 0), macs
    formula = flop_registry.get(packet)
    if formula is not None:
        macs = int(formula(*args, **kwargs, out_val=out)) // 2
        if convention == "naslib" and packet in _CONVOLUTIONS:
            transposed = args[6] if len(args) > 6 else kwargs.get("transposed", False)
            if transposed:  # as nn.ConvTranspose*d: torchstat had no rule for them
                return 0, macs
        return macs, macs
    if convention == "naslib" and packet in _ACTIVATION_OPS:
        first = out[0] if isinstance(out, tuple | list) else out
        return (int(first.numel()) if isinstance(first, torch.Tensor) else 0), 0
    return 0, 0


#: Operations that read a tensor's shape, dtype and device, never its values: a parameter
#: they are given is not read (``torch.zeros_like(self.weight)``).
_SHAPE_ONLY_OPS = frozenset(
    getattr(torch.ops.aten, name)
    for name in (
        "empty_like zeros_like ones_like full_like rand_like randn_like randint_like "
        "new_empty new_empty_strided new_zeros new_ones new_full"
    ).split()
    if hasattr(torch.ops.aten, name)
)


def _storage_key(t: torch.Tensor) -> int | None:
    """An identifier of the memory ``t`` views (shared by all views of one parameter, also
    on the meta device); ``None`` for a tensor without one (sparse, nested)."""
    if t.layout is not torch.strided or t.is_nested:
        return None
    try:
        return t.untyped_storage()._cdata
    except (RuntimeError, NotImplementedError):  # a tensor subclass without storage
        return None


class _ParameterReads:
    """Which elements of a network's parameters the operations of a forward pass read.

    An operation given a parameter, or a view of one (a slice ``weight[:, :c]``, its
    transpose, a reshape), reads the elements that view covers; views themselves read
    nothing (``weight[:, :c]`` reads only where its result is used), nor do operations that
    take a tensor's shape only (:data:`_SHAPE_ONLY_OPS`). An index by a tensor
    (``weight[idx]``) copies, reading the whole parameter. Parameters are matched by the
    memory they view, so a parameter sharing memory with another is read by element.
    """

    def __init__(self, net: nn.Module) -> None:
        #: storage -> the parameters viewing it
        self.by_storage: dict[int, list[torch.Tensor]] = {}
        for p in net.parameters():
            key = _storage_key(p)
            if key is not None:
                self.by_storage.setdefault(key, []).append(p)
        self.whole: set[int] = set()  # ids of the parameters read whole
        # storage -> which of its elements were read (only where a part of one was)
        self.masks: dict[int, torch.Tensor] = {}

    def record(self, args: tuple, kwargs: dict) -> None:
        """Record the parameters an operation given ``args`` and ``kwargs`` reads."""
        if not self.by_storage:
            return
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, torch.Tensor):
                self._read(arg)
            elif isinstance(arg, list | tuple):  # torch.cat's tensors, an index's
                for t in arg:
                    if isinstance(t, torch.Tensor):
                        self._read(t)

    def _read(self, t: torch.Tensor) -> None:
        key = _storage_key(t)
        params = self.by_storage.get(key) if key is not None else None
        if not params:
            return
        if len(params) == 1 and t.numel() == params[0].numel():
            p = params[0]
            if t.storage_offset() == p.storage_offset() and (
                t.stride() == p.stride() or _dense(t) and _dense(p)
            ):
                self.whole.add(id(p))  # the parameter itself, transposed or reshaped
                return
        if t.element_size() != params[0].element_size():  # reinterpreted (.view(dtype))
            self.whole.update(id(p) for p in params)
            return
        mask = self.masks.get(key)
        if mask is None:
            size = params[0].untyped_storage().nbytes() // params[0].element_size()
            mask = self.masks[key] = torch.zeros(size, dtype=torch.bool)
        mask.as_strided(t.shape, t.stride(), t.storage_offset()).fill_(True)

    def count(self, p: torch.Tensor) -> int | None:
        """Elements of ``p`` the forward pass read; ``None`` where no operation seen read
        any (its module's own forward may, where it ran unseen)."""
        if id(p) in self.whole:
            return p.numel()
        key = _storage_key(p)
        mask = self.masks.get(key) if key is not None else None
        if mask is None:
            return None
        read = int(mask.as_strided(p.shape, p.stride(), p.storage_offset()).sum())
        return read if read else None


def _dense(t: torch.Tensor) -> bool:
    """Whether ``t`` covers a contiguous block of memory, in any order of dimensions."""
    expected = 1
    for stride, size in sorted(
        (st, n) for st, n in zip(t.stride(), t.shape, strict=True) if n != 1
    ):
        if stride != expected:
            return False
        expected *= size
    return True


def _pool_window_flops(kernel: int | Sequence[int], out: torch.Tensor) -> int:
    """NASLib's (torchstat's) count of an average or max pool: the kernel's size per output
    element (an ``int`` kernel in every spatial dimension)."""
    spatial = out.dim() - 2
    size = kernel**spatial if isinstance(kernel, int) else math.prod(kernel)
    return int(out.numel() * size)


def _first(out: object) -> torch.Tensor:
    """A pool's output (of ``return_indices=True``: the values, not the indices)."""
    return out[0] if isinstance(out, tuple | list) else out


def _functional_pool(args: tuple, kwargs: dict, out: object) -> int:
    kernel = args[1] if len(args) > 1 else kwargs["kernel_size"]
    return _pool_window_flops(kernel, _first(out))


def _functional_adaptive_pool(args: tuple, kwargs: dict, out: object) -> int:
    return _adaptive_pool_flops(args[0] if args else kwargs["input"], _first(out))


#: Pooling written as a function, counted in NASLib's convention as its module is. They are
#: told apart before they reach aten: ``F.adaptive_avg_pool2d(x, 1)`` runs as ``x.mean``,
#: which costs 0 as every reduction does.
_POOL_FUNCTIONS: dict[Callable[..., object], Callable[[tuple, dict, object], int]] = {
    **{
        getattr(owner, name): _functional_pool
        for owner, names in (
            (
                F,
                "avg_pool1d avg_pool2d avg_pool3d max_pool1d max_pool2d max_pool3d "
                "max_pool1d_with_indices max_pool2d_with_indices max_pool3d_with_indices",
            ),
            (torch, "max_pool1d max_pool2d max_pool3d"),
        )
        for name in names.split()
        if hasattr(owner, name)
    },
    **{
        getattr(owner, name): _functional_adaptive_pool
        for owner, names in (
            (
                F,
                "adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d "
                "adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d "
                "adaptive_max_pool1d_with_indices adaptive_max_pool2d_with_indices "
                "adaptive_max_pool3d_with_indices",
            ),
            (torch, "adaptive_avg_pool1d adaptive_max_pool1d"),
        )
        for name in names.split()
        if hasattr(owner, name)
    },
}


class _FunctionalPools(TorchFunctionMode):
    """NASLib's convention: counts a pool written as a function (:data:`_POOL_FUNCTIONS`)
    where it runs outside the modules counted by a rule (a pooling module runs its function
    inside itself), into ``counter``'s FLOPs."""

    def __init__(self, counter: _FunctionalFlops) -> None:
        super().__init__()
        self.counter = counter

    def __torch_function__(
        self,
        func: Callable[..., object],
        types: Sequence[type],
        args: tuple = (),
        kwargs: dict | None = None,
    ) -> object:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        try:
            rule = _POOL_FUNCTIONS.get(func)
        except TypeError:  # an unhashable callable
            rule = None
        if rule is not None and not self.counter.ruled_depth:
            self.counter.flops += rule(args, kwargs, out)
        return out


class _FunctionalFlops(TorchDispatchMode):
    """Counts, during a forward pass, the FLOPs (:func:`_op_flops`) of the aten operations
    that run outside the modules counted by a rule (``ruled_depth`` is raised by hooks while
    one runs), so that functional matrix products and activations are counted once and a
    rule's module not twice; and which parameters those operations read
    (:class:`_ParameterReads`). In NASLib's convention it enters :class:`_FunctionalPools`
    beside itself, off and on with it."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # torch wraps a mode's __torch_dispatch__ to keep torch.compile out of it, which
        # imports torch._dynamo on the first operation (1.1 s in every process that counts
        # FLOPs); a count is never compiled
        return False

    def __init__(self, convention: str, reads: _ParameterReads) -> None:
        super().__init__()
        self.convention = convention
        self.reads = reads
        self.flops = 0
        self.products = 0  # the multiply-adds the operations ran (counted or not)
        self.ruled_depth = 0
        # off the dispatch stack while a rule's module runs (nothing there is counted, and
        # intercepting every operation of a convolution network had doubled its count time)
        self.on_stack = False
        self.pools = _FunctionalPools(self) if convention == "naslib" else None
        self.pools_on = False

    def __enter__(self) -> _FunctionalFlops:
        if self.pools is not None:
            _push_function_mode(self.pools)
            self.pools_on = True
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if self.pools_on and _get_current_function_mode() is self.pools:
            _pop_function_mode()
            self.pools_on = False

    def suspend(self) -> None:
        """Leave the dispatch stack (a rule's module starts)."""
        if self.on_stack and _get_current_dispatch_mode() is self:
            _pop_mode()
            self.on_stack = False
        if self.pools_on and _get_current_function_mode() is self.pools:
            _pop_function_mode()
            self.pools_on = False

    def resume(self) -> None:
        """Back on the dispatch stack (the outermost rule's module ended)."""
        if self.pools is not None and not self.pools_on:
            _push_function_mode(self.pools)
            self.pools_on = True
        if not self.on_stack:
            _push_mode(self)
            self.on_stack = True

    def __torch_dispatch__(
        self,
        func: torch._ops.OpOverload,
        types: Sequence[type],
        args: tuple = (),
        kwargs: dict | None = None,
    ) -> object:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if not self.ruled_depth:
            flops, macs = _op_flops(func, args, kwargs, out, self.convention)
            self.products += macs
            self.flops += flops
            if not func.is_view and func.overloadpacket not in _SHAPE_ONLY_OPS:
                self.reads.record(args, kwargs)
        return out


def _counted_by_rule(module: nn.Module) -> bool:
    """Whether a rule of :func:`module_flops` counts this module's forward (whatever it runs
    inside is then the rule's; torch_geometric's message passing is free by rule)."""
    ruled = (
        nn.modules.conv._ConvNd,
        nn.Linear,
        nn.MultiheadAttention,
        nn.RNNBase,
        nn.modules.batchnorm._BatchNorm,
        nn.LayerNorm,
        nn.GroupNorm,
        nn.modules.instancenorm._InstanceNorm,
        *_ACTIVATIONS,
        nn.modules.pooling._AvgPoolNd,
        nn.modules.pooling._MaxPoolNd,
        nn.modules.pooling._AdaptiveAvgPoolNd,
        nn.modules.pooling._AdaptiveMaxPoolNd,
    )
    if isinstance(module, ruled):
        return True
    for module_name, cls in (
        ("torch_geometric.nn.dense.linear", "Linear"),
        ("torch_geometric.nn.conv.message_passing", "MessagePassing"),
    ):
        loaded = _loaded_type(module_name, cls)
        if loaded is not None and isinstance(module, loaded):
            return True
    return False


def module_flops(
    module: nn.Module,
    inp: torch.Tensor | PackedSequence,
    out: torch.Tensor | PackedSequence,
    convention: str = "naslib",
    extra: Sequence[object] = (),
) -> int:
    """FLOPs of one call of a leaf ``module`` mapping ``inp`` to ``out`` (see module doc).

    ``inp`` and ``out`` are tensors, or a recurrent layer's ``PackedSequence``. Of non-leaf
    modules only those whose own weights do arithmetic (torch_geometric's ``ARMAConv``)
    have a rule; every other container counts 0 (its children are counted).
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
    if isinstance(module, nn.MultiheadAttention):
        return _attention_flops(module, inp, extra, convention)
    if isinstance(module, nn.RNNBase):  # LSTM, GRU, RNN
        return _recurrent_flops(module, inp, convention)
    if convention == "macs":
        return 0
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return int(inp.numel() * (2 if module.affine else 1))
    if isinstance(module, nn.LayerNorm | nn.GroupNorm):  # as a BatchNorm: per element
        affine = getattr(module, "elementwise_affine", getattr(module, "affine", False))
        return int(inp.numel() * (2 if affine else 1))
    if isinstance(module, nn.modules.instancenorm._InstanceNorm):
        return int(inp.numel() * (2 if module.affine else 1))
    if isinstance(module, _ACTIVATIONS):  # elementwise (GLU halves): one per output element
        return int(out.numel())
    pools = nn.modules.pooling
    if isinstance(module, pools._AvgPoolNd | pools._MaxPoolNd):  # 1-D, 2-D, 3-D
        return _pool_window_flops(module.kernel_size, out)
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
        no weights are allocated (a network whose forward reads its tensors' values, which
        meta tensors do not hold, e.g. ``pad_packed_sequence`` of unsorted sequences, is
        built again and run on the CPU, as is one whose builder fails there: a builder
        that traces its network). A ready module is run where its weights are, in
        eval mode and without gradients; its parameters, buffers (a prepared network's
        observers and fake-quantisers) and training flag are left as they were. Lazy layers (``nn.LazyLinear``, ...) are initialised by one forward on the
        same input, of a copy (torch's random stream restored after).
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

    Raises
    ------
    nasperf.errors.NetworkRunError
        The network's forward raised (a ``RuntimeError``, ``ValueError``, ``TypeError`` or
        ``IndexError``): the message names ``what`` and the inputs it was fed (``"float32
        zeros of shape (1, 12)"``); the original error is its ``__cause__``. A
        ``RuntimeError`` and a ``ValueError``.
    nasperf.errors.UnsupportedNetworkError
        The network is or holds a TorchScript module (``torch.jit.trace`` / ``script``: its
        compiled graph runs no layer's hooks) or quantised layers (``quantize_dynamic`` /
        ``convert``: packed int8 weights, no parameters): a ``TypeError`` naming ``build``
        (or the network ``what`` returned) and the layer.
    """
    if (input_shape is None) == (inputs is None):
        raise ValueError("pass exactly one of input_shape and inputs")
    check_convention(convention)
    if isinstance(build, nn.Module):
        return _count_network(
            build, torch.device("cpu"), input_shape, inputs, convention, what, "build"
        )
    subject = f"the network from {what}"
    try:
        with torch.device("meta"):
            net = build()
    except Exception:
        # a builder that runs its network while building fails on the meta device
        # (torch.jit.trace: "cond must be a bool"): built again on the CPU below, where
        # an error of its own is raised as it is
        net = None
    if net is not None:
        try:
            return _count_network(
                net, torch.device("meta"), input_shape, inputs, convention, what, subject
            )
        except _NoMetaRun:
            pass  # (outside the handler: an error on the CPU is not shown chained to this one)
    # meta tensors hold shapes, not values: a forward that reads values (.item(),
    # pad_packed_sequence of unsorted sequences) runs on the CPU's zeros instead
    return _count_network(
        build(), torch.device("cpu"), input_shape, inputs, convention, what, subject
    )


_SavedBuffer = tuple[dict, str, torch.Tensor, torch.Tensor]


def _saved_buffers(net: nn.Module) -> list[_SavedBuffer]:
    """Every buffer of ``net`` that holds values (its module's slot, name, tensor, a copy),
    for :func:`_restore_buffers`: a forward in eval mode without gradients still changes
    some (observers' ``min_val`` / ``max_val``, fake-quantisers' ``scale`` / ``zero_point``,
    a custom module's state), which counting a caller's module had changed. ~0.14 ms on an
    NB201 network (108 buffers), against ~44 ms for the count; none on the meta device."""
    return [
        (m._buffers, name, b, b.clone())
        for m in net.modules()
        for name, b in m._buffers.items()
        if b is not None and not b.is_meta
    ]


def _restore_buffers(saved: list[_SavedBuffer]) -> None:
    """Put back the buffers :func:`_saved_buffers` saved: the same tensors in their slots,
    holding their values again where a forward wrote them (in place, a ``resize_`` first).
    Compared by value: torch's fused fake-quantisation resizes and writes its buffers
    without moving their version counters; an unchanged buffer is not written (its version
    stays, so an autograd graph of the caller's that saved it can still run backward)."""
    with torch.no_grad():
        for slot, name, b, values in saved:
            slot[name] = b
            if b.shape != values.shape:
                b.resize_(values.shape)
            elif torch.equal(b, values):
                continue
            b.copy_(values)


class _NoMetaRun(Exception):
    """The network's forward failed on the meta device (its cause says why)."""


def _count_network(
    net: object,
    default: torch.device,
    input_shape: tuple[int, ...] | None,
    inputs: Sequence[torch.Tensor] | None,
    convention: str,
    what: str,
    subject: str,
) -> Complexity:
    """:func:`count_complexity` of a network built: run where its weights are (``default``
    where it holds none); :class:`_NoMetaRun` where it ran on the meta device and failed.
    ``subject`` names the network in a refusal (:func:`check_readable`)."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"{what} returned {type(net).__name__}, expected a torch.nn.Module")
    check_readable(net, subject)
    # A factory may hand back an existing module; run on wherever its weights live.
    first = next(net.parameters(), None)
    device = first.device if first is not None else default

    def run(module: nn.Module) -> None:
        """One forward on the counted input, its error one that names the inputs."""
        try:
            if inputs is None:
                module(torch.zeros(input_shape, device=device, dtype=_zeros_dtype(module)))
            else:
                # (a graph's forward arguments may hold a parameter's default, None)
                module(*(t.to(device) if isinstance(t, torch.Tensor) else t for t in inputs))
        except Exception as err:
            if device.type == "meta":
                raise _NoMetaRun from err
            if not isinstance(err, RuntimeError | ValueError | TypeError | IndexError):
                raise
            raise _run_error(what, err, input_shape, inputs, module) from err

    if has_lazy(net):
        # its parameters' shapes (read below, before the forward) are set by a first
        # forward: that of a copy, so a module of the caller's stays as it was
        net = initialised_copy(net, run, device)
    flops = 0
    called: dict[int, nn.Module] = {}
    reads = _ParameterReads(net)
    functional = _FunctionalFlops(convention, reads)
    # modules whose forward ran unseen (that of a rule's module, or inside one): the
    # parameters they hold count whole, as that forward reads them
    unseen: set[int] = set()
    # functional multiply-adds counted so far, at each call of a module (a stack per module)
    entered: dict[int, list[int]] = {}
    did_products: set[int] = set()  # modules whose forward ran counted functional products
    unread: dict[str, str] = {}  # ruled modules called on no tensor: type -> what they got

    def enter(module: nn.Module, args: tuple) -> None:
        entered.setdefault(id(module), []).append(functional.products)
        if _counted_by_rule(module):
            functional.ruled_depth += 1
            if functional.ruled_depth == 1:
                functional.suspend()

    def hook(module: nn.Module, args: tuple, kwargs: dict, output: object) -> None:
        nonlocal flops
        called[id(module)] = module
        if functional.ruled_depth:
            unseen.add(id(module))
        if functional.products > entered[id(module)].pop():
            did_products.add(id(module))
        if _counted_by_rule(module):
            functional.ruled_depth -= 1
            if functional.ruled_depth == 0:
                functional.resume()
        first = args[0] if args else kwargs.get("input")
        if isinstance(module, nn.RNNBase) and isinstance(first, PackedSequence):
            # a tuple of tensors, which the lists below pass over (it had counted 0)
            flops += module_flops(module, first, output[0], convention)
            return
        if isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor):
            output = output[0]  # attention's (output, weights), an LSTM's (output, state)
        # the tensors a module was called with, by position or by keyword (attention(query=
        # x, key=x, value=x), lstm(input=x)), in the module's own order
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        tensors += [kwargs[k] for k in _TENSOR_KEYWORDS if isinstance(kwargs.get(k), torch.Tensor)]
        if not tensors or not isinstance(output, torch.Tensor):
            if _rule_counts_itself(module):
                # its rule cannot read the call, and the functional count was suspended
                # while it ran: 0, which the warning below says
                got = ", ".join(type(a).__name__ for a in (*args, *kwargs.values()))
                unread.setdefault(type(module).__name__, f"({got}) -> {type(output).__name__}")
            return
        flops += module_flops(module, tensors[0], output, convention, tensors[1:])

    # Every module is hooked so that parameters a container holds itself (a graph layer's
    # bias or weight matrices) are counted; FLOPs rules exist for leaves (and ARMAConv).
    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in net.modules()]
    handles += [m.register_forward_pre_hook(enter) for m in net.modules()]
    was_training = net.training
    buffers = _saved_buffers(net)
    try:
        net.eval()
        with torch.no_grad(), functional:
            functional.on_stack = True
            try:
                run(net)
            finally:  # (a forward that raised inside a rule's module left it off the stack)
                functional.resume()
                functional.on_stack = False
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
        _restore_buffers(buffers)
    # attention runs its output projection functionally (out_proj is never called)
    for m in list(called.values()):
        if isinstance(m, nn.MultiheadAttention):
            for sub in m.modules():
                called.setdefault(id(sub), sub)
                unseen.add(id(sub))
    n_params = _count_parameters(net, called, unseen, reads)
    unknown = sorted(
        {
            type(m).__name__
            for m in called.values()
            if next(m.children(), None) is None
            and next(m.parameters(recurse=False), None) is not None
            and not _has_rule(m)
            and id(m) not in did_products
        }
    )
    flops += functional.flops
    if unknown:
        warn_caller(
            f"{what}: FLOPs have no rule for {', '.join(unknown)} (layers with weights), "
            "counted as 0 (they ran no matrix product); parameters are counted",
        )
    if unread:
        calls = "; ".join(f"{name}{got}" for name, got in sorted(unread.items()))
        warn_caller(
            f"{what}: FLOPs not counted (counted as 0) of {calls}: called on no tensor or "
            "returning none, where its FLOPs rule reads tensors (a recurrent layer also a "
            "PackedSequence); parameters are counted",
        )
    return Complexity(mflops=flops / 1e6, mparams=n_params / 1e6)


def _count_parameters(
    net: nn.Module, called: dict[int, nn.Module], unseen: set[int], reads: _ParameterReads
) -> int:
    """Parameters (elements) of ``net`` that a forward pass read, each parameter once (a
    weight tied between two layers is one).

    A parameter counts where the forward read it: whole where it is held by a module whose
    forward ran unseen (``unseen``: a module counted by a rule and what it calls, which
    read their weights); else by the elements that the operations seen read of it (a
    parameter in an ``nn.ParameterList``, or a submodule's weight sliced without calling
    the submodule: the slice); else whole where held by a module that was called (its
    forward is taken to use it); else not at all (a candidate operation never called).
    """
    held = {id(p) for m in called.values() for p in m.parameters(recurse=False)}
    whole = {id(p) for i in unseen for p in called[i].parameters(recurse=False)}
    total = 0
    for p in net.parameters():  # each once
        if id(p) in whole:
            total += p.numel()
            continue
        read = reads.count(p)
        if read is not None:
            total += read
        elif id(p) in held:
            total += p.numel()
    return total


def _zeros_dtype(net: nn.Module) -> torch.dtype:
    """The dtype of the zeros a network is counted on: its own floating dtype (a float64 or
    half network had failed: "Input type (float) and bias type (double) should be the
    same"), else torch's default."""
    first = next((p for p in net.parameters() if p.is_floating_point()), None)
    return first.dtype if first is not None else torch.get_default_dtype()


#: What to do where nasperf chose the inputs (zeros of the task's shape) and they failed.
_ZEROS_NOTE = (
    "nasperf counts a network on zeros of its task's shape, in the network's floating "
    "dtype (as zero-cost proxies score it on floating inputs): a network of integer inputs "
    "(token ids for nn.Embedding) takes them as floats and casts them in forward, "
    "e.g. self.embed(x.long()) (docs/custom_space.md)"
)


def _run_error(
    what: str,
    err: BaseException,
    input_shape: tuple[int, ...] | None,
    inputs: Sequence[torch.Tensor] | None,
    net: nn.Module,
) -> NetworkRunError:
    """The :class:`~nasperf.errors.NetworkRunError` of a forward that raised ``err``, naming
    ``what`` built the network and the inputs it was fed."""

    def shown(t: Any) -> str:
        if not isinstance(t, torch.Tensor):
            return short_repr(t)
        return f"{str(t.dtype).removeprefix('torch.')} tensor of shape {tuple(t.shape)}"

    if inputs is None:
        dtype = str(_zeros_dtype(net)).removeprefix("torch.")
        fed = f"{dtype} zeros of shape {tuple(input_shape or ())}"
        note = _ZEROS_NOTE
    else:
        fed = f"inputs ({', '.join(shown(t) for t in inputs)})"
        note = ""
    error = NetworkRunError(
        f"{what}: its network failed on {fed}: {failure_text(err)}" + (f"; {note}" if note else "")
    )
    error.inputs, error.note = fed, note
    return error


def _rule_counts_itself(module: nn.Module) -> bool:
    """Whether a rule of :func:`module_flops` counts this module's own forward, which it
    reads from its tensor input and output: every module counted by rule but
    torch_geometric's message passing, which is free (its transforms are counted as their
    own modules) and may take a pair of node feature matrices or a sparse adjacency."""
    if not _counted_by_rule(module):
        return False
    passing = _loaded_type("torch_geometric.nn.conv.message_passing", "MessagePassing")
    return passing is None or not isinstance(module, passing)


def _has_rule(module: nn.Module) -> bool:
    """Whether :func:`module_flops` has a rule for this leaf with weights (a lookup such as
    ``Embedding`` rightly costs nothing)."""
    ruled = (
        nn.modules.conv._ConvNd,
        nn.Linear,
        nn.modules.batchnorm._BatchNorm,
        nn.LayerNorm,
        nn.GroupNorm,
        nn.modules.instancenorm._InstanceNorm,
        nn.PReLU,
        nn.MultiheadAttention,
        nn.RNNBase,
        nn.Embedding,
        nn.EmbeddingBag,
    )
    if isinstance(module, ruled):
        return True
    pyg = _loaded_type("torch_geometric.nn.dense.linear", "Linear")
    return pyg is not None and isinstance(module, pyg)
