"""The LC-PFN network: a set transformer from a partial curve to a predictive distribution.

Tokens are the observed points ``(t_i, y_i)`` of a curve (``t = epoch / final_epoch``) and
query times ``t_q``. Observed tokens attend to each other, query tokens attend to the
observed tokens only (never to other queries or to padding), and there is no positional
encoding: the prediction does not depend on the order of the observed points, and each
query's prediction does not depend on the other queries. Curves of different lengths share
one forward pass through zero padding and a key mask.

The output at each query is a discretised ("bar", Riemann) distribution over the change
``z = y_q - y_ref`` from the curve's last observed value ``y_ref`` (the value at the largest
observed ``t``, a permutation-invariant choice): ``n_bins`` bins with fixed borders fitted to
quantiles of ``z`` under the prior, uniform density within each bin. Predicting the change
rather than ``y`` itself spends the bins where the prior puts its mass (small changes late
in training) and makes "the curve stays where it is" the easy default.

References
----------
Müller, Hollmann, Pineda Arango, Grabocka & Hutter, "Transformers Can Do Bayesian
Inference", ICLR 2022 (PFNs, the bar distribution). Adriaensen et al., "Efficient Bayesian
Learning Curve Extrapolation using Prior-Data Fitted Networks", NeurIPS 2023.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LCPFN", "bar_nll", "bar_mean_var", "bar_quantile"]

#: Smallest time fed to the log feature (padding has t = 0).
_T_MIN = 1e-3


class _Block(nn.Module):
    """Pre-norm transformer block: masked multi-head self-attention, then a GELU MLP."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)

    def forward(self, h: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        B, S, D = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(B, S, 3, self.n_heads, D // self.n_heads).unbind(2)
        a = F.scaled_dot_product_attention(
            q.transpose(1, 2),
            k.transpose(1, 2),
            v.transpose(1, 2),
            attn_mask=key_mask[:, None, None, :],
        )
        h = h + self.proj(a.transpose(1, 2).reshape(B, S, D))
        return h + self.ff2(F.gelu(self.ff1(self.norm2(h))))


class LCPFN(nn.Module):
    """Transformer over observed points and query times (see the module docstring).

    Parameters
    ----------
    borders : tensor (n_bins + 1,)
        Increasing bin borders of the change ``z = y_q - y_ref``.
    d_model, n_layers, n_heads, d_ff : int
        Width, depth, attention heads and MLP width.
    """

    def __init__(
        self,
        borders: torch.Tensor,
        *,
        d_model: int = 96,
        n_layers: int = 4,
        n_heads: int = 4,
        d_ff: int = 192,
    ) -> None:
        super().__init__()
        borders = torch.as_tensor(borders, dtype=torch.float32)
        if borders.ndim != 1 or borders.numel() < 3 or not bool((borders.diff() > 0).all()):
            raise ValueError("borders must be an increasing 1-d tensor of >= 3 values")
        self.register_buffer("borders", borders)
        self.obs_embed = nn.Sequential(
            nn.Linear(5, d_model), nn.GELU(), nn.Linear(d_model, d_model)
        )
        self.query_embed = nn.Sequential(
            nn.Linear(3, d_model), nn.GELU(), nn.Linear(d_model, d_model)
        )
        self.blocks = nn.ModuleList(_Block(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, borders.numel() - 1)

    @property
    def n_bins(self) -> int:
        return self.borders.numel() - 1

    @staticmethod
    def reference(x_obs: torch.Tensor, y_obs: torch.Tensor, obs_mask: torch.Tensor):
        """``y_ref``: each curve's value at its largest observed time, shape ``(B,)``."""
        last = torch.where(obs_mask, x_obs, torch.full_like(x_obs, -1.0)).argmax(1)
        return y_obs.gather(1, last[:, None])[:, 0]

    def forward(
        self,
        x_obs: torch.Tensor,
        y_obs: torch.Tensor,
        obs_mask: torch.Tensor,
        x_query: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits over the bins of ``z`` at each query, and ``y_ref``.

        Parameters
        ----------
        x_obs, y_obs : (B, K) float
            Times (``epoch / final_epoch``) and values in ``[0, 1]`` of the observed points
            (anything where ``obs_mask`` is False).
        obs_mask : (B, K) bool
            True for real points; every curve needs at least one.
        x_query : (B, Q) float
            Query times.

        Returns
        -------
        logits : (B, Q, n_bins)
        y_ref : (B,)
        """
        y_ref = self.reference(x_obs, y_obs, obs_mask)
        yr = y_ref[:, None]
        to = x_obs.clamp_min(_T_MIN)
        dy = y_obs - yr
        # asinh(50 dy) resolves the changes of 0.1 % that separate late, smooth curves
        obs = torch.stack(
            [to, torch.log(to) / 4.0, y_obs, dy * 4.0, torch.asinh(dy * 50.0) / 2.0], -1
        )
        tq = x_query.clamp_min(_T_MIN)
        qry = torch.stack([tq, torch.log(tq) / 4.0, yr.expand_as(tq)], -1)
        h = torch.cat([self.obs_embed(obs), self.query_embed(qry)], 1)
        key_mask = torch.cat([obs_mask, torch.zeros_like(x_query, dtype=torch.bool)], 1)
        for block in self.blocks:
            h = block(h, key_mask)
        K = x_obs.shape[1]
        return self.head(self.norm(h[:, K:])), y_ref


def _bin_index(borders: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    idx = torch.searchsorted(borders, z.contiguous(), right=True) - 1
    return idx.clamp(0, borders.numel() - 2)


def bar_nll(logits: torch.Tensor, borders: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Negative log density of ``z`` under the bar distribution, same shape as ``z``.

    Values outside the borders count in the outermost bins.
    """
    idx = _bin_index(borders, z)
    widths = borders.diff()
    logp = torch.log_softmax(logits, -1).gather(-1, idx[..., None])[..., 0]
    return -(logp - torch.log(widths[idx]))


def bar_mean_var(logits: torch.Tensor, borders: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of the bar distribution (uniform density within each bin)."""
    p = torch.softmax(logits.double(), -1)
    b = borders.double()
    mid, w = (b[1:] + b[:-1]) / 2, b.diff()
    mean = (p * mid).sum(-1)
    second = (p * (mid**2 + w**2 / 12)).sum(-1)
    return mean, (second - mean**2).clamp_min(0.0)


def bar_quantile(logits: torch.Tensor, borders: torch.Tensor, q: float) -> torch.Tensor:
    """The ``q`` quantile of the bar distribution (linear within a bin)."""
    if not 0.0 <= q <= 1.0 or math.isnan(q):
        raise ValueError(f"q must be in [0, 1], got {q}")
    p = torch.softmax(logits.double(), -1)
    b = borders.double()
    cdf = torch.cumsum(p, -1)
    idx = (cdf < q).sum(-1, keepdim=True).clamp_max(p.shape[-1] - 1)
    before = torch.where(idx > 0, cdf.gather(-1, (idx - 1).clamp_min(0)), cdf.new_zeros(idx.shape))
    frac = ((q - before) / p.gather(-1, idx).clamp_min(1e-300)).clamp(0.0, 1.0)
    lo = b[idx]
    return (lo + frac * (b[idx + 1] - lo))[..., 0]
