"""``meco``: MeCo, minimum eigenvalues of feature-map correlations (Jiang et al., NeurIPS 2023).

For every module whose output has at least three dimensions (batch, channels, ...), take the
first sample's feature map, reshape it to ``(channels, positions)``, form the Pearson
correlation matrix between channels (undefined entries, e.g. of constant channels, set to 0)
and take its smallest eigenvalue; the score is the sum over modules (every module, containers
included, as in the authors' code; not the modules that only mark where torch's quantisation
would quantise or observe: ``QuantStub`` / ``DeQuantStub``, ``FloatFunctional``'s placeholder,
observers and fake-quantisers, which are no layers of the architecture). Read from the shared
train-mode forward: the first sample is propagated with the rest of the minibatch (BatchNorm
batch statistics), which leaves the correlations of BatchNorm outputs unchanged (they are
invariant to per-channel affine maps).

Channel axis: the authors' networks are convolutional, ``(batch, channels, H, W)``. A
transformer's layers output ``(batch, tokens, channels)``, which read the same way would
correlate tokens over the embedding dims (with more tokens than dims every matrix is singular
and every architecture scored ~1e-4). Where a network has such layers (``nn.Linear``,
``nn.LayerNorm``, ``nn.Embedding``, ``nn.MultiheadAttention``, transformer layers, on 3-D or
larger outputs), each output is read with the channel axis its module's type gives
(convolutions, BatchNorm and pooling: dim 1; those layers: the last dim; element-wise
modules and containers returning a known tensor: that tensor's), and the outputs whose axis
no type gives (a residual block's sum, a user's module) are left out, as their layout cannot
be known. Networks without them are read as the authors do, every output with channels in
dim 1. The score is NaN where no feature map has more positions than channels: every
correlation matrix is then singular, its smallest eigenvalue 0 up to rounding.

Data needed: inputs (one sample is scored). Sign: higher is better. Undefined (NaN) on graphs
(coupled samples): a node has no channels-by-positions feature map, and a graph layer's
internal 3-D tensors (GAT's heads, ARMA's stacks) are not one.

References
----------
Jiang et al., "MeCo: Zero-Shot NAS with One Data and Single Forward Pass via Minimum
Eigenvalue of Correlation", NeurIPS 2023.
"""

from __future__ import annotations

from collections import defaultdict

import torch

from .engine import PROXIES, Context, Proxy, UndefinedProxyError, train_pass


@PROXIES.register("meco")
class MeCo(Proxy):
    """Sum over modules of the minimum eigenvalue of the channel correlation matrix."""

    name = "meco"
    taps = frozenset({"features"})
    data = "inputs"

    def compute(self, ctx: Context) -> float:
        if ctx.batch.coupled:
            raise UndefinedProxyError(
                "meco correlates the channels of one sample's feature map over its positions; "
                "a graph's nodes have no feature maps"
            )
        feats = [f for f in train_pass(ctx).features if f is not None]
        if not feats:
            raise UndefinedProxyError("no module produces (batch, channels, ...) features")
        if any(f.layout == "last" for f in feats):
            # token layouts: only the outputs whose channel axis is known (module docstring)
            feats = [f for f in feats if f.layout is not None]
        groups: dict[tuple[int, int], list[torch.Tensor]] = defaultdict(list)
        for f in feats:
            m = f.values.reshape(f.values.shape[0], -1).to(torch.float64)
            groups[tuple(m.shape)].append(m)
        if not any(p > c >= 2 for c, p in groups):
            shapes = ", ".join(f"{c}x{p}" for c, p in list(groups)[:4])
            raise UndefinedProxyError(
                "no feature map has more positions than channels (channels x positions: "
                f"{shapes}{', ...' if len(groups) > 4 else ''}): every channel correlation "
                "matrix is singular and its smallest eigenvalue 0"
            )
        total = torch.zeros((), dtype=torch.float64)
        for (c, p), mats in groups.items():
            if c < 2 or p < 2:
                continue  # a 1x1 correlation matrix (eigenvalue 1) or an undefined one
            x = torch.stack(mats)
            x = x - x.mean(-1, keepdim=True)
            cov = x @ x.transpose(1, 2)
            d = torch.sqrt(torch.diagonal(cov, dim1=1, dim2=2))
            corr = cov / (d[:, :, None] * d[:, None, :])
            corr = torch.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
            corr = corr.clamp(-1.0, 1.0)
            total = total + torch.linalg.eigvalsh(corr)[:, 0].sum().cpu()
        return float(total)
