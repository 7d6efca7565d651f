"""The shared-pass engine behind :func:`nasperf.zero_cost.score`.

Proxies never run the network themselves. Each declares which *taps* it needs (a forward in
train mode on the data, the cross-entropy gradients, the input gradient, ReLU codes, ...);
the engine runs every distinct pass once for all requested proxies and hands each proxy a
:class:`Context` holding the results.

The caller's network is never changed: passes run through
:func:`torch.func.functional_call` on private tensors (detached aliases of the parameters for
gradient passes, fresh copies where values change, e.g. synflow's absolute weights or zen's
Gaussian ones), so weights, buffers (BatchNorm running statistics), ``requires_grad`` and
``.grad`` of the caller's parameters stay as they were. Forward hooks and train mode are set
for the duration of a pass only and are undone in ``finally`` blocks, each module's own
training flag restored.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn
from torch.func import functional_call

from nasperf.registry import Registry

__all__ = [
    "PROXIES",
    "Context",
    "Proxy",
    "ProxyResult",
    "UndefinedProxyError",
    "prunable_layers",
    "run_proxies",
]

#: The proxy registry (``nasperf.zero_cost.PROXIES``): ``@PROXIES.register("name")`` on a
#: :class:`Proxy` subclass in a module of this package.
PROXIES: Registry = Registry("zero-cost proxy")

#: Layers whose weights the pruning-at-init proxies (snip, grasp, synflow, ...) score, as in
#: NASLib / zero-cost-nas (``get_layer_metric_array``): convolutions and linear layers.
PRUNABLE = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


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
    """

    name: ClassVar[str] = ""
    taps: ClassVar[frozenset[str]] = frozenset()
    data: ClassVar[str] = "targets"
    #: True for proxies defined over a population of networks (rank votes); ``score`` on a
    #: single network computes their members only.
    population: ClassVar[bool] = False

    def compute(self, ctx: Context) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


def prunable_layers(network: nn.Module) -> list[tuple[str, nn.Module]]:
    """``(qualified name, module)`` of every conv / linear layer holding a ``weight``."""
    return [
        (name, m)
        for name, m in network.named_modules()
        if isinstance(m, PRUNABLE) and isinstance(getattr(m, "weight", None), torch.Tensor)
    ]


@contextlib.contextmanager
def _train_mode(network: nn.Module, mode: bool) -> Iterator[None]:
    """Set every module's training flag to ``mode``; restore each module's own flag after."""
    flags = [(m, m.training) for m in network.modules()]
    try:
        for m, _ in flags:
            m.training = mode
        yield
    finally:
        for m, flag in flags:
            m.training = flag


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
    _cache: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- shared parameters
    @property
    def params(self) -> dict[str, torch.Tensor]:
        """The caller's parameters by qualified name (shared storage, never written)."""
        if "params" not in self._cache:
            self._cache["params"] = dict(self.network.named_parameters())
        return self._cache["params"]

    @property
    def buffers(self) -> dict[str, torch.Tensor]:
        if "buffers" not in self._cache:
            self._cache["buffers"] = dict(self.network.named_buffers())
        return self._cache["buffers"]

    @property
    def prunable(self) -> list[tuple[str, nn.Module]]:
        """Conv / linear layers and the qualified name of their weight parameter."""
        if "prunable" not in self._cache:
            names = {id(p): n for n, p in self.params.items()}
            self._cache["prunable"] = [
                (names[id(m.weight)], m)
                for _, m in prunable_layers(self.network)
                if id(m.weight) in names
            ]
        return self._cache["prunable"]

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
    ) -> torch.Tensor:
        """Run the caller's module on ``x`` with private ``params`` / ``buffers``."""
        if buffers is None:
            buffers = self.private_buffers()
        return functional_call(self.network, {**params, **buffers}, (x,))

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
#:   "features"   the first sample's output of every module             (meco)
TRAIN_TAPS = frozenset(
    {"grad", "fisher", "hessian", "input_grad", "relu_codes", "swap", "features"}
)
RELUS = (nn.ReLU, nn.ReLU6)


@dataclass
class TrainPass:
    """Results of the shared train-mode pass (fields are None when no proxy asked for them)."""

    logits: torch.Tensor
    loss: torch.Tensor | None = None
    weights: dict[str, torch.Tensor] | None = None  # prunable weight name -> value
    grads: dict[str, torch.Tensor] | None = None
    hg: dict[str, torch.Tensor] | None = None  # H g: Hessian times the gradient
    fisher: list[torch.Tensor] | None = None  # per prunable layer, per output channel
    input_grad: torch.Tensor | None = None
    relu_kernel: torch.Tensor | None = None  # (N, N) float64
    n_relu: int = 0
    swap_codes: list[torch.Tensor] | None = None  # per ReLU, (units, words) int64
    features: list[torch.Tensor | None] | None = None


def _pack_bits(active: torch.Tensor, word: int = 31) -> torch.Tensor:
    """(N, M) bool -> (M, ceil(N / word)) int64: each unit's activation pattern over samples."""
    n = active.shape[0]
    words = []
    for start in range(0, n, word):
        chunk = active[start : start + word].to(torch.int64)
        shifts = torch.arange(chunk.shape[0], device=chunk.device, dtype=torch.int64)
        words.append((chunk << shifts[:, None]).sum(0))
    return torch.stack(words, 1)


def train_pass(ctx: Context) -> TrainPass:
    """One forward of the caller's network in train mode on the data, then the backward
    passes the requested taps need, all on private tensors."""
    return ctx.cached("train_pass", lambda: _train_pass(ctx))


def _train_pass(ctx: Context) -> TrainPass:
    taps = ctx.taps
    net = ctx.network
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
    res_acts: list[torch.Tensor] = []
    res_mods: list[nn.Module] = []  # the layer of each captured activation (call order)
    kernel: list[torch.Tensor] = []
    n_relu = 0
    swap_codes: list[torch.Tensor] = []
    feats: list[torch.Tensor | None] = []

    def prunable_hook(module: nn.Module, args: tuple, out: Any) -> Any:
        if isinstance(out, torch.Tensor):
            res_acts.append(out)
            res_mods.append(module)
            # Downstream in-place ops (ReLU(inplace=True)) must not alter the tensor whose
            # gradient we ask for: hand the network a copy.
            return out.clone()
        return None

    def relu_hook(module: nn.Module, args: tuple, out: Any) -> None:
        nonlocal n_relu
        if not isinstance(out, torch.Tensor) or out.dim() < 2:
            return
        with torch.no_grad():
            active = out.detach().reshape(out.shape[0], -1) > 0
            if "relu_codes" in taps:
                a = active.to(torch.float32)
                d = a.shape[1]
                ones = a.sum(1, dtype=torch.float64)
                # agreements of codes i and j: matches of ones plus matches of zeros
                k = 2.0 * (a @ a.T).to(torch.float64) + d - ones[:, None] - ones[None, :]
                kernel.append(k)
            if "swap" in taps:
                swap_codes.append(_pack_bits(active))
            n_relu += 1

    def feature_hook(module: nn.Module, args: tuple, out: Any) -> None:
        t = out[0] if isinstance(out, (tuple, list)) and out else out
        if isinstance(t, torch.Tensor) and t.dim() >= 3:
            feats.append(t[0].detach())
        else:
            feats.append(None)

    modules = dict(net.named_modules())
    prunable_modules = [m for _, m in ctx.prunable] if "fisher" in taps else []
    relu_modules = (
        [m for m in modules.values() if isinstance(m, RELUS)]
        if taps & {"relu_codes", "swap"}
        else []
    )
    feature_modules = list(modules.values()) if "features" in taps else []
    grad_ctx = torch.enable_grad() if (want_grad or want_input) else torch.no_grad()
    with (
        _train_mode(net, True),
        _hooks(prunable_modules, prunable_hook),
        _hooks(relu_modules, relu_hook),
        _hooks(feature_modules, feature_hook),
        grad_ctx,
    ):
        logits = ctx.call(x, params)
    out = TrainPass(logits=logits.detach())
    if kernel:
        out.relu_kernel = torch.stack(kernel).sum(0)
    out.n_relu = n_relu
    if "swap" in taps:
        out.swap_codes = swap_codes
    if "features" in taps:
        out.features = feats
    if want_input:
        (gx,) = torch.autograd.grad(logits.sum(), x, retain_graph=want_grad, allow_unused=True)
        out.input_grad = torch.zeros_like(x) if gx is None else gx.detach()
    if want_grad:
        loss = ctx.loss_fn(logits, ctx.targets)
        out.loss = loss.detach()
        weights = [params[n] for n in weight_names]
        create = "hessian" in taps
        grads = torch.autograd.grad(
            loss, weights + res_acts, create_graph=create, allow_unused=True
        )
        wg = [torch.zeros_like(w) if g is None else g for w, g in zip(weights, grads, strict=False)]
        out.weights = {n: w.detach() for n, w in zip(weight_names, weights, strict=False)}
        out.grads = {n: g.detach() for n, g in zip(weight_names, wg, strict=False)}
        if "fisher" in taps:
            # Per prunable layer in ctx.prunable order (activations arrive in call order,
            # which differs, e.g. a residual block's shortcut runs first); a layer called
            # several times accumulates, as in NASLib.
            per_layer: dict[int, torch.Tensor] = {}
            for mod, act, g in zip(res_mods, res_acts, grads[len(weights) :], strict=True):
                if g is None:
                    continue
                prod = act.detach() * g.detach()
                g_nk = prod.sum(tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
                value = 0.5 * g_nk.pow(2).mean(0)
                per_layer[id(mod)] = per_layer[id(mod)] + value if id(mod) in per_layer else value
            out.fisher = [
                per_layer.get(id(m), torch.zeros(m.weight.shape[0], device=x.device))
                for m in prunable_modules
            ]
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


def run_proxies(
    network: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor | None,
    proxies: Mapping[str, Proxy],
    loss_fn: Callable | None,
    seed: int,
) -> dict[str, ProxyResult]:
    """Compute ``proxies`` (name -> instance) on one network, sharing passes between them."""
    import time

    taps = frozenset().union(*(p.taps for p in proxies.values())) if proxies else frozenset()
    ctx = Context(
        network=network,
        inputs=inputs,
        targets=targets,
        loss_fn=loss_fn if loss_fn is not None else nn.functional.cross_entropy,
        seed=seed,
        taps=taps,
    )
    out: dict[str, ProxyResult] = {}
    for name, proxy in proxies.items():
        t0 = time.perf_counter()
        try:
            value = float(proxy.compute(ctx))
        except UndefinedProxyError as exc:
            out[name] = ProxyResult(math.nan, str(exc), time.perf_counter() - t0)
            continue
        dt = time.perf_counter() - t0
        if not math.isfinite(value):
            out[name] = ProxyResult(math.nan, f"non-finite value ({value})", dt)
        else:
            out[name] = ProxyResult(value, None, dt)
    return out
