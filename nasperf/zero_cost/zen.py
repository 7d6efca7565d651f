"""``zen``: Zen-score (Lin et al., ICCV 2021), the expressivity of the pre-pooling features.

With Gaussian weights (conv / linear weights, ``nn.MultiheadAttention``'s input
projections, recurrent layers' weight matrices and a user's layer's own parameter passed to
``F.conv2d`` / ``F.linear`` / ``@`` (``engine.Context.functional_weights``) ``N(0, 1)``, each
drawn once however many layers hold it, their biases 0; BatchNorm
scale 1, shift 0; other parameters as the caller's), a Gaussian input ``x`` and a
perturbation ``e`` (both drawn from ``seed``), and ``f`` the features entering the global
average pooling (``nn.AdaptiveAvgPool1d/2d/3d`` or the function ``F.adaptive_avg_pool1d/2d/3d``;
a mean ``x.mean((2, 3))`` is not a pool) that runs last in the forward, in call
order, each forward's own last call (the logits when no such pool runs; a pool instance
shared by squeeze-and-excitation blocks and the head is read at its last call, the head's):

    zen = log E_n ||f(x) - f(x + 0.01 e)||_1  +  sum over BatchNorm layers of log sqrt(mean sigma^2)

where ``sigma^2`` is the layer's ``running_var`` after the two train-mode forwards (updated
with the layer's momentum from the caller's statistics, on private copies), as in the
authors' code.

Dropout: the Zen-NAS networks have none, and the score is meant to see the perturbation
``0.01 e`` as the only difference between the two forwards. Dropout layers (``nn.Dropout``
and its variants, ``nn.MultiheadAttention``'s attention dropout) therefore run in eval mode,
the identity, while BatchNorm stays in train mode; and both forwards start from the same
seeded random state, so that any other random op (a functional ``F.dropout``, drop-path)
draws the same masks in both. A network with dropout gets the zen of the same network without
it (independent masks had made zen measure the dropout noise: a network ignoring its input
scored 4.85 instead of NaN, and 20 tiny ViTs ranked with Spearman 0.10 against their
dropout-free selves).

Data needed: the input shape only (random inputs). Sign: higher is better. NaN when the
features do not depend on the input.

References
----------
Lin et al., "Zen-NAS: A Zero-Shot NAS for High-Performance Image Recognition", ICCV 2021.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nasperf.errors import first_line

from .engine import (
    PROXIES,
    RECURRENT,
    Context,
    Proxy,
    UndefinedProxyError,
    _hooks,
    _train_mode,
    closed_modules,
    fast_layout,
    function_calls,
    seeded_stream,
)

_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)
#: The same pools written as functions (as count_complexity recognises them; a mean,
#: ``x.mean((2, 3))``, is a reduction, not a pool, there and here).
_POOL_FUNCTIONS = {
    f: None
    for f in (
        F.adaptive_avg_pool1d,
        torch.adaptive_avg_pool1d,
        F.adaptive_avg_pool2d,
        F.adaptive_avg_pool3d,
    )
}
#: Modules whose training flag only switches dropout on (nn.MultiheadAttention: its
#: attention dropout; its eval mode may take torch's fused path, the same function): off in
#: zen's forwards.
_DROPOUT = (nn.modules.dropout._DropoutNd, nn.MultiheadAttention)
#: Layers with an eval-mode fast path that any torch function mode turns off: the
#: functional pools' mode is off inside them (engine.function_calls), so zen of a
#: transformer runs the kernels it ran before functional pools were read.
_FAST_PATH = (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder)


def _gaussian(
    shape: tuple[int, ...] | torch.Size,
    gen: torch.Generator,
    dtype: torch.dtype,
    device: torch.device,
) -> torch.Tensor:
    """``N(0, 1)`` draws of ``shape`` from ``gen`` (a CPU generator), drawn in float32 and
    cast to ``dtype`` on ``device``: one seed gives one zen whatever the network's dtype
    (torch's randn gives other numbers in float64 than in float32, and a network's
    ``.double()`` copy had scored 4.52 against 4.73 at seed 0). float32 draws are the
    tensors themselves, as before."""
    return torch.randn(shape, generator=gen, dtype=torch.float32).to(device=device, dtype=dtype)


def _gaussian_params(ctx: Context, gen: torch.Generator) -> dict[str, torch.Tensor]:
    params = ctx.fast_params()
    names = ctx.param_names
    scored: dict[int, list[str]] = {}
    for name, m in ctx.prunable_layers:
        scored.setdefault(id(m), []).append(name)
    drawn: set[str] = set()
    for m in ctx.modules:
        w, b = getattr(m, "weight", None), getattr(m, "bias", None)
        if id(m) in scored:
            for name in scored[id(m)]:
                # a weight tied between layers is one parameter, drawn once (it had been
                # drawn again for each layer holding it, moving every later draw)
                if name in drawn:
                    continue
                drawn.add(name)
                p = ctx.params[name]
                part = ctx.weight_part(name)
                if part is None:
                    params[name] = fast_layout(_gaussian(p.shape, gen, p.dtype, p.device))
                else:
                    # a slice w[:k] read as the weight: drawn as that layer's weight (its
                    # elements in order), the rest never read
                    n = int(part.sum())
                    drawn_part = _gaussian((n,), gen, p.dtype, p.device)
                    params[name] = torch.zeros_like(p).masked_scatter_(part, drawn_part)
            # a layer's bias; an attention's is its input projections' in_proj_bias, a
            # recurrent layer's its gates' (bias_ih_l0, bias_hh_l0, ...; its ``bias`` is a flag)
            biases = [b, getattr(m, "in_proj_bias", None)]
            if isinstance(m, RECURRENT):
                biases += [p for n, p in m.named_parameters(recurse=False) if n.startswith("bias_")]
            for bias in biases:
                if isinstance(bias, torch.Tensor) and id(bias) in names:
                    params[names[id(bias)]] = torch.zeros_like(bias)
        elif isinstance(m, nn.modules.batchnorm._NormBase | nn.GroupNorm) and id(w) in names:
            params[names[id(w)]] = torch.ones_like(w)
            if b is not None and id(b) in names:
                params[names[id(b)]] = torch.zeros_like(b)
    # the bias a user's layer passes beside its own weight (F.conv2d(x, self.w, self.b))
    for name in ctx.functional_biases:
        params[name] = torch.zeros_like(ctx.params[name])
    return params


def _pooled_features(
    calls: list[list[tuple[object, torch.Tensor]]], ctx: Context
) -> tuple[torch.Tensor, torch.Tensor]:
    """The inputs of the last global-pool call of each of zen's two forwards; raises
    :class:`UndefinedProxyError` where the two forwards do not end with the same pool on
    the same shape (the features of one could not be paired with the other's)."""
    (m1, f1), (m2, f2) = (c[-1] if c else (None, None) for c in calls)
    if m1 is None or m1 is not m2 or f1.shape != f2.shape or len(calls[0]) != len(calls[1]):
        names = {id(m): n for n, m in ctx.state.modules}
        names.update({id(f): f"F.{f.__name__}" for f in _POOL_FUNCTIONS})
        seen = [
            f"{names.get(id(c[-1][0]), '?')} on {tuple(c[-1][1].shape)}" if c else "no pool"
            for c in calls
        ]
        raise UndefinedProxyError(
            "zen reads the input of the global average pool that runs last; the two "
            f"forwards end with different pool calls ({seen[0]} against {seen[1]})"
        )
    return f1, f2


@PROXIES.register("zen")
class Zen(Proxy):
    """Log feature-perturbation norm of a Gaussian-initialised network plus BN scaling."""

    name = "zen"
    data = "none"
    mixup_gamma = 1e-2

    def compute(self, ctx: Context) -> float:
        gen = torch.Generator().manual_seed(ctx.seed)
        params = _gaussian_params(ctx, gen)
        shape = tuple(ctx.inputs.shape)
        dtype = ctx.inputs.dtype if ctx.inputs.is_floating_point() else torch.float32
        x = fast_layout(_gaussian(shape, gen, dtype, ctx.inputs.device))
        e = fast_layout(_gaussian(shape, gen, dtype, ctx.inputs.device))
        pools = [m for m in ctx.modules if isinstance(m, _POOLS)]
        # every pool's calls, forward by forward: the features are the input of the pool
        # call that runs last in each forward (call order: a head pool defined before the
        # squeeze-and-excitation blocks, or one pool instance shared by them, had had zen
        # read an SE block's input or subtract one block's features from another's)
        calls: list[list[tuple[object, torch.Tensor]]] = []

        def pool_hook(module: nn.Module, args: tuple, out: object) -> None:
            if args and isinstance(args[0], torch.Tensor):
                calls[-1].append((module, args[0].detach()))

        # a pool written as a function (F.adaptive_avg_pool2d(h, 1) in the head) is a pool
        # call too: a head pooling so after module-pooling squeeze-and-excitation blocks had
        # had zen read the last block's input (5.52 against 7.33 with the module)
        def pool_call(func: object, args: tuple, kwargs: dict, out: object, derived: bool) -> None:
            x = args[0] if args else kwargs.get("input")
            if isinstance(x, torch.Tensor):
                calls[-1].append((func, x.detach()))

        # Private buffers: the two train-mode forwards update these running statistics (with
        # each layer's own momentum), exactly as the authors' code reads them afterwards.
        buffers = ctx.private_buffers()
        dropout = [m for m in ctx.modules if isinstance(m, _DROPOUT)]
        closed = closed_modules(ctx.modules)  # before the pool hooks are set
        with (
            ctx.train_mode(True),
            _train_mode(dropout, False),
            _hooks(pools, pool_hook),
            function_calls(
                _POOL_FUNCTIONS,
                pools,
                pool_call,
                opaque=[m for m in ctx.modules if isinstance(m, _FAST_PATH)],
                closed=closed,
            ),
            torch.no_grad(),
        ):
            try:
                calls.append([])
                with seeded_stream(ctx):  # the same masks for any random op left (see above)
                    out1 = ctx.call(x, params, buffers)
                calls.append([])
                with seeded_stream(ctx):
                    out2 = ctx.call(x + self.mixup_gamma * e, params, buffers)
            except ValueError as err:
                # BatchNorm in train mode on one input: torch's raw ValueError had escaped
                if "Expected more than 1 value per channel" not in str(err):
                    raise
                raise UndefinedProxyError(
                    "zen runs BatchNorm in train mode, which needs more than one value per "
                    f"channel: score at least 2 inputs ({first_line(err)})"
                ) from err
        log_bn = [
            torch.log(torch.sqrt(buffers[f"{name}.running_var"].to(torch.float64).mean()))
            for name, m in ctx.state.modules
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and f"{name}.running_var" in buffers
        ]
        f1, f2 = _pooled_features(calls, ctx) if any(calls) else (out1, out2)
        diff = (f1 - f2).abs().reshape(f1.shape[0], -1).sum(1).mean().to(torch.float64)
        if not torch.isfinite(diff) or float(diff) == 0.0:
            raise UndefinedProxyError("features do not depend on the input")
        value = float(torch.log(diff) + (torch.stack(log_bn).sum() if log_bn else 0.0))
        if not math.isfinite(value):
            raise UndefinedProxyError("BatchNorm running variance is zero")
        return value
