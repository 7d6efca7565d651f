"""``synflow``: synaptic flow (Tanaka et al., NeurIPS 2020), data-free.

All parameters and buffers are replaced by their absolute values in float64, every BatchNorm
is bypassed (its output replaced by its input, NASLib's ``bn=False`` copy; so are
quantisation stubs, observers and fake-quantisers, which are no layers), and an all-ones
input of one sample is propagated; with ``R = sum(output)`` the score is
``sum |w * dR/dw|`` over the weights of every convolution and linear layer (and the linear
maps of attention and recurrent layers: ``engine.scored_weights``; a user's layer's own
parameter passed to ``F.conv2d`` / ``F.linear`` / ``@``: ``engine.Context.functional_weights``;
not transposed convolutions, as in NASLib). On a graph
(coupled samples) the all-ones features of every node are propagated over the graph's edges
and ``R`` sums the scored nodes' outputs.

Data needed: the input shape only. Sign: higher is better. 0 where no path connects input and
output. Runs in eval mode (dropout off; BatchNorm is bypassed either way).

References
----------
Tanaka et al., "Pruning neural networks without any data by iteratively conserving synaptic
flow", NeurIPS 2020; Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021.
"""

from __future__ import annotations

import torch
from torch import nn

from nasperf._module_forms import quantisation_markers

from .engine import (
    PROXIES,
    Context,
    Proxy,
    ProxyInputs,
    UndefinedProxyError,
    _hooks,
    fast_layout,
    instance_forwards,
    native_recurrent_kernels,
)


def _one(ctx: Context) -> ProxyInputs:
    # one independent sample: the other forward arguments sliced to it as well
    return ctx.batch.part(0, 1)


def _identity_forward(x: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    # Identity instead of BatchNorm; a copy, so that in-place ops after it stay local.
    return x.clone()


def _bypass(module: nn.Module, args: tuple, out: object) -> object:
    # The same, as a forward hook, for a norm layer whose instance has a forward of its own.
    return args[0].clone() if args and isinstance(args[0], torch.Tensor) else out


@PROXIES.register("synflow")
class Synflow(Proxy):
    """sum |w * dR/dw| of the linearised (absolute-valued, float64) network."""

    name = "synflow"
    data = "none"

    def compute(self, ctx: Context) -> float:
        if not ctx.prunable:
            raise UndefinedProxyError("the network has no convolution or linear layer to score")
        names = [n for n, _ in ctx.prunable]
        # BatchNorm (and every other _NormBase) is the identity here (NASLib's bn=False copy
        # leaves them out): an instance forward, so its tensors are never read and need no
        # float64 copy (~80 % of an NB201 network's tensors; the copies and the discarded
        # BatchNorm arithmetic were ~6 % of the pass), unless a module that computes shares
        # one (tied). A norm layer with a forward of its own on the instance is left to
        # compute, then bypassed by a hook.
        # So are the modules that only mark where a quantised network would quantise or
        # observe (QuantStub, observers, a QAT network's fake-quantisers: no layers, and
        # torch's fake-quantisation runs in float32 only, where it had ended in "expected
        # scalar type Float but found Double").
        marks = quantisation_markers(ctx.modules)
        norms = [
            m
            for m in ctx.modules
            if isinstance(m, nn.modules.batchnorm._NormBase) or id(m) in marks
        ]
        bypass = [m for m in norms if "forward" not in m.__dict__]
        hooked = [m for m in norms if "forward" in m.__dict__]
        unread = {id(t) for m in bypass for t in (*m._parameters.values(), *m._buffers.values())}
        skipped = {id(m) for m in bypass}
        unread -= {
            id(t)
            for m in ctx.modules
            if id(m) not in skipped
            for t in (*m._parameters.values(), *m._buffers.values())
        }
        params = {
            n: fast_layout(p.detach().to(torch.float64).abs())
            for n, p in ctx.params.items()
            if id(p) not in unread
        }
        for n in names:
            params[n].requires_grad_(True)
        buffers = {
            n: (b.detach().to(torch.float64).abs() if b.is_floating_point() else b.clone())
            for n, b in ctx.buffers.items()
            if id(b) not in unread
        }
        shape = ctx.inputs.shape if ctx.batch.coupled else (1, *ctx.inputs.shape[1:])
        x = fast_layout(torch.ones(shape, dtype=torch.float64, device=ctx.inputs.device))
        with (
            ctx.train_mode(False),
            instance_forwards((m, _identity_forward) for m in bypass),
            _hooks(hooked, _bypass),
            # cuDNN's recurrent kernels have no backward in eval mode
            native_recurrent_kernels(ctx.modules, x.device),
            torch.enable_grad(),
        ):
            out = ctx.call(x, params, buffers, batch=None if ctx.batch.coupled else _one(ctx))
            weights = [params[n] for n in names]
            grads = torch.autograd.grad(out.sum(), weights, allow_unused=True)
        total = torch.zeros((), dtype=torch.float64)
        for w, g in zip(weights, grads, strict=False):
            if g is not None:
                total = total + (w.detach() * g).abs().sum().cpu()
        return float(total)
