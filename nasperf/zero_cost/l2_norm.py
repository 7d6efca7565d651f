"""``l2_norm``: sum over convolution and linear layers of the Euclidean norm of the weight.

The layers are those every weight-based proxy scores (``engine.scored_weights``): attention
layers' input projections and recurrent layers' input, hidden and projection maps count as
linear layers (an ``nn.LSTM``'s ``weight_ih_l0`` and ``weight_hh_l0``, one norm each), and
a user's layer's own parameter passed to ``F.conv2d`` / ``F.linear`` / ``@`` counts as the
built-in layer's weight (``engine.Context.functional_weights``; found by one forward, in
the mode the input check runs it in, only where such a
parameter may exist), a slice of it ``w[:k]`` as the layer of that width. Transposed
convolutions are not scored (NASLib's rule).

Reads the caller's weights only (no forward pass but that one); at a standard initialisation
it grows with
the layers' widths and depth. Data needed: none. Sign: higher is better.

References
----------
Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS Datasets and Benchmarks 2022.
"""

from __future__ import annotations

import torch

from .engine import PROXIES, Context, Proxy, UndefinedProxyError


@PROXIES.register("l2_norm")
class L2Norm(Proxy):
    """sum_l ||W_l||_2 over conv / linear weights."""

    name = "l2_norm"
    data = "none"

    def compute(self, ctx: Context) -> float:
        if not ctx.prunable:
            raise UndefinedProxyError("the network has no convolution or linear layer to score")
        with torch.no_grad():
            return float(
                sum(_read(ctx, n).detach().to(torch.float64).norm().cpu() for n, _ in ctx.prunable)
            )


def _read(ctx: Context, name: str) -> torch.Tensor:
    """The elements of weight ``name`` the forward reads as a layer's weight (a slimmable
    layer's slice ``w[:k]``: ``Context.weight_part``)."""
    part = ctx.weight_part(name)
    return ctx.params[name] if part is None else ctx.params[name][part]
