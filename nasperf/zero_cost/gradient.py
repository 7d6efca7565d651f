"""Pruning-at-initialisation proxies from one cross-entropy gradient: snip, grad_norm, plain,
fisher and grasp.

All five read the same train-mode forward / backward pass on the caller's minibatch
(BatchNorm uses batch statistics, as in NASLib and zero-cost-nas) and sum a per-weight
saliency over the weights of every convolution and linear layer, ``nn.MultiheadAttention``'s
input projections and recurrent layers' input, hidden and projection maps included (an
``nn.LSTM``'s ``weight_ih_l0`` is scored as the ``nn.Linear`` of an LSTM written by hand;
biases, BatchNorm and other parameters are not scored; see ``engine.scored_weights``; a
user's layer passing its own parameter to ``F.conv2d`` / ``F.linear`` / ``@`` is scored as
the built-in layer, ``engine.Context.functional_weights``; transposed convolutions are not
scored, as in NASLib). With
``L`` the loss (cross-entropy by default), ``w`` a layer's weight and ``g = dL/dw``:

* ``snip``      sum |w * g|                       (Lee et al., ICLR 2019)
* ``grad_norm`` sum over layers of ||g||_2        (Abdelfattah et al., ICLR 2021)
* ``plain``     sum w * g                         (Mozer & Smolensky, 1989)
* ``fisher``    sum over layers and output channels of 0.5 * mean_n (sum_hw a * dL/da)^2
                times the channel's fan-in (its number of weights, as NASLib broadcasts
                the channel value to them), ``a`` the layer's output (Turner et al., 2020):
                a convolution's channels are dim 1, a linear layer's its last dim (a
                transformer's ``(N, tokens, C)``; NASLib's rule, dim 1 for every layer,
                gives the same on its 2-D linear outputs). ``nn.MultiheadAttention``
                applies its projections inside ``F.multi_head_attention_forward``, where
                no hook sees them: the pass computes its input projections itself (the
                same ``F.linear`` calls, then identity weights for torch's) and reads
                ``out_proj``'s output from the call, so an attention layer scores as the
                same projections written as ``nn.Linear`` layers (an unbatched call,
                without sample rows, is not read). Undefined (NaN, with the layers named)
                on a network with ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` layers or their
                cells: their gates' activations exist only inside torch's fused recurrent
                kernel, where no pass reads them, and a value without them would score the
                network by its other layers (as it had); written as ``nn.Linear`` gates, an
                LSTM is read per call of each gate layer. A user's layer's ``F.conv*`` /
                ``F.linear`` output on its own weight is read from the function call;
                undefined (NaN, naming the parameters) where a weight is used through a
                matrix product (``@``, ``einsum``), whose output channels are not known
* ``grasp``     sum -w * (H g), ``H`` the Hessian of ``L`` over those weights
                (Wang et al., ICLR 2020), by a double backward of the shared pass (own
                double-backward kernels for convolutions and BatchNorm, see
                ``second_order.py``)

Data needed: inputs and targets. Sign: higher is better, as stored by NASLib (grasp keeps
NASLib's negated sign). The values are 0 where no gradient reaches a layer (e.g. a
NAS-Bench-201 cell whose output does not depend on its input).

References
----------
Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021;
Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS Datasets and Benchmarks 2022.
"""

from __future__ import annotations

import torch

from .engine import PROXIES, RECURRENT, Context, Proxy, UndefinedProxyError, train_pass


def _check_layers(ctx: Context) -> None:
    if not ctx.prunable:
        raise UndefinedProxyError("the network has no convolution or linear layer to score")


def _sum(values) -> float:
    total = torch.zeros((), dtype=torch.float64)
    for v in values:
        total = total + v.to(torch.float64).sum().cpu()
    return float(total)


@PROXIES.register("snip")
class Snip(Proxy):
    """Connection sensitivity: sum |w * dL/dw| over conv / linear weights."""

    name = "snip"
    taps = frozenset({"grad"})

    def compute(self, ctx: Context) -> float:
        _check_layers(ctx)
        tp = train_pass(ctx)
        return _sum((w * tp.grads[n]).abs() for n, w in tp.weights.items())


@PROXIES.register("grad_norm")
class GradNorm(Proxy):
    """Sum over conv / linear layers of the Euclidean norm of dL/dw."""

    name = "grad_norm"
    taps = frozenset({"grad"})

    def compute(self, ctx: Context) -> float:
        _check_layers(ctx)
        tp = train_pass(ctx)
        return _sum(g.norm() for g in tp.grads.values())


@PROXIES.register("plain")
class Plain(Proxy):
    """First-order Taylor term: sum w * dL/dw over conv / linear weights."""

    name = "plain"
    taps = frozenset({"grad"})

    def compute(self, ctx: Context) -> float:
        _check_layers(ctx)
        tp = train_pass(ctx)
        return _sum(w * tp.grads[n] for n, w in tp.weights.items())


@PROXIES.register("fisher")
class Fisher(Proxy):
    """Fisher information of the output channels of every conv / linear layer (and of an
    attention layer's projections)."""

    name = "fisher"
    taps = frozenset({"grad", "fisher"})

    def compute(self, ctx: Context) -> float:
        _check_layers(ctx)
        fused = [name for name, m in ctx.state.modules if isinstance(m, RECURRENT)]
        if fused:
            raise UndefinedProxyError(
                f"fisher reads every scored layer's output channels; the gates of recurrent "
                f"layer(s) {', '.join(repr(n) for n in fused[:3])}"
                f"{f' and {len(fused) - 3} more' if len(fused) > 3 else ''} run inside "
                "torch's fused recurrent kernel, where they cannot be read (written as "
                "nn.Linear gate layers they would be)"
            )
        products = [n for n, kind in ctx.functional_weights.items() if kind == "matmul"]
        if products:
            raise UndefinedProxyError(
                f"fisher reads every scored layer's output channels; parameter(s) "
                f"{', '.join(repr(n) for n in products[:3])}"
                f"{f' and {len(products) - 3} more' if len(products) > 3 else ''} are used "
                "through a matrix product (@, matmul, einsum), whose output channels are not "
                "known (through F.linear or an nn.Linear they would be)"
            )
        # NASLib / zero-cost-nas broadcast each channel's value to every weight of that
        # channel before summing, so a channel counts once per weight of its fan-in.
        return _sum(f.abs() * fan_in for f, fan_in in train_pass(ctx).fisher)


@PROXIES.register("grasp")
class Grasp(Proxy):
    """Gradient-signal preservation: sum -w * (H g) over conv / linear weights."""

    name = "grasp"
    taps = frozenset({"grad", "hessian"})

    def compute(self, ctx: Context) -> float:
        _check_layers(ctx)
        tp = train_pass(ctx)
        return _sum(-w * tp.hg[n] for n, w in tp.weights.items())
