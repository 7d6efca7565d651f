"""``flops`` and ``params``: the network's cost, NASLib's convention.

Both count only what runs in a forward pass of one input (see
:func:`nasperf.spaces.count_complexity`): ``flops`` in MFLOPs (one multiply-add = one FLOP;
matrix products written as functions, such as a hand-written attention's, included),
``params`` in millions of parameters the forward pass reads (those of the called modules,
the elements it reads of others; a ``weight_norm`` layer's ``g`` and ``v``, as
``space.params`` counts them). On a graph (coupled samples) the
whole graph is run and the FLOPs divided by its number of nodes: the cost of one node's dense
transforms, message passing not counted. Data needed: the input shape
only. Sign: higher is better (bigger networks train to higher accuracy in NAS benchmarks,
Spearman ~0.66-0.69 with NB201 CIFAR-10 accuracy).

References
----------
Krishnakumar et al., "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies",
NeurIPS Datasets and Benchmarks 2022.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from nasperf.spaces.complexity import Complexity, count_complexity

from .engine import PROXIES, Context, Proxy, ProxyInputs


class _ByName(nn.Module):
    """``network`` called with ``kwargs`` after the arguments it is given: a forward taking
    a graph's field by keyword only, counted by :func:`count_complexity` (which passes its
    ``inputs`` by position). Holds no tensor of its own: it counts as ``network``."""

    def __init__(self, network: nn.Module, kwargs: dict[str, Any]) -> None:
        super().__init__()
        self.network = network
        self.kwargs = kwargs

    def forward(self, *args: Any) -> Any:
        return self.network(*args, **self.kwargs)


def _complexity(ctx: Context) -> Complexity:
    """FLOPs and parameters of the network as the caller gave it (:attr:`Context.counted`:
    a weight_norm layer's ``g`` and ``v``, not the plain weight the other proxies score), so
    that ``params`` equals ``space.params``."""
    batch = ctx.batch
    net = ctx.counted if ctx.counted is not None else ctx.network

    def counted(inputs: ProxyInputs) -> nn.Module:
        return _ByName(net, dict(inputs.kwargs)) if inputs.kwargs else net

    def count() -> Complexity:
        if not batch.coupled and not batch.args and not batch.kwargs:
            return count_complexity(net, (1, *ctx.inputs.shape[1:]))
        if not batch.coupled:
            one = batch.part(0, 1)
            return count_complexity(counted(one), inputs=(one.x, *one.args))
        whole = count_complexity(counted(batch), inputs=(batch.x, *batch.args))
        return Complexity(whole.mflops / batch.x.shape[0], whole.mparams)

    def restoring() -> Complexity:
        # count_complexity restores only the top-level flag; keep every module's own flag.
        if net is ctx.network:
            with ctx.train_mode(False):
                return count()
        flags = [(m, m.training) for m in net.modules()]
        try:
            return count()
        finally:
            for m, training in flags:
                m.training = training

    return ctx.cached("complexity", restoring)


@PROXIES.register("flops")
class Flops(Proxy):
    """MFLOPs of one forward pass of one input."""

    name = "flops"
    data = "none"

    def compute(self, ctx: Context) -> float:
        return _complexity(ctx).mflops


@PROXIES.register("params")
class Params(Proxy):
    """Millions of parameters a forward pass reads (:func:`~nasperf.spaces.count_complexity`)."""

    name = "params"
    data = "none"

    def compute(self, ctx: Context) -> float:
        return _complexity(ctx).mparams
