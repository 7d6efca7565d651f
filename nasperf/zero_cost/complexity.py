"""``flops`` and ``params``: the network's cost, NASLib's convention.

Both count only what runs in a forward pass of one input (see
:func:`nasperf.spaces.count_complexity`): ``flops`` in MFLOPs (one multiply-add = one FLOP;
matrix products written as functions, such as a hand-written attention's, included),
``params`` in millions of parameters of the called modules. On a graph (coupled samples) the
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

from nasperf.spaces.complexity import Complexity, count_complexity

from .engine import PROXIES, Context, Proxy


def _complexity(ctx: Context) -> Complexity:
    batch = ctx.batch

    def count() -> Complexity:
        # count_complexity restores only the top-level flag; keep every module's own flag.
        with ctx.train_mode(False):
            if not batch.coupled and not batch.args:
                return count_complexity(ctx.network, (1, *ctx.inputs.shape[1:]))
            if not batch.coupled:
                one = batch.part(0, 1)
                return count_complexity(ctx.network, inputs=(one.x, *one.args))
            whole = count_complexity(ctx.network, inputs=(batch.x, *batch.args))
            return Complexity(whole.mflops / batch.x.shape[0], whole.mparams)

    return ctx.cached("complexity", count)


@PROXIES.register("flops")
class Flops(Proxy):
    """MFLOPs of one forward pass of one input."""

    name = "flops"
    data = "none"

    def compute(self, ctx: Context) -> float:
        return _complexity(ctx).mflops


@PROXIES.register("params")
class Params(Proxy):
    """Millions of parameters of the modules called in a forward pass."""

    name = "params"
    data = "none"

    def compute(self, ctx: Context) -> float:
        return _complexity(ctx).mparams
