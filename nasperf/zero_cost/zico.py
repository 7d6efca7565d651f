"""``zico``: ZiCo, the inverse coefficient of variation of gradients (Li et al., ICLR 2023).

The minibatch is split into ``splits`` (default 2) equal parts; each part gets its own
train-mode forward and cross-entropy backward, giving per-part gradients ``g_b`` of every
convolution / linear weight (and attention and recurrent layers' linear maps:
``engine.scored_weights``, and a user's layer's own parameter passed to ``F.conv2d`` /
``F.linear`` / ``@``: ``engine.Context.functional_weights``; on a graph: the scored nodes are split, each part's loss taken
over the whole graph's forward). For each layer ``l``, a weight matrix (an ``nn.LSTM``'s
``weight_ih_l0`` and ``weight_hh_l0`` are two, as the two ``nn.Linear`` layers of an LSTM
written by hand):

    zico = sum_l log( sum_{theta in l, std_b > 0} mean_b |g_b(theta)| / std_b g_b(theta) )

(population standard deviation; layers whose sum is 0 are skipped, as in the authors' code).
The parts' gradients are independent, as in the paper (the authors' script accumulates them).

Data needed: inputs and targets (at least two samples). Sign: higher is better. 0 where no
gradient reaches any layer.

References
----------
Li et al., "ZiCo: Zero-shot NAS via Inverse Coefficient of Variation on Gradients", ICLR 2023.
"""

from __future__ import annotations

import torch
from torch import nn

from .engine import PROXIES, Context, Proxy, UndefinedProxyError, fast_layout


@PROXIES.register("zico")
class ZiCo(Proxy):
    """Sum over layers of the log of summed gradient mean / standard deviation."""

    name = "zico"
    splits = 2

    def compute(self, ctx: Context) -> float:
        if not ctx.prunable:
            raise UndefinedProxyError("the network has no convolution or linear layer to score")
        n = ctx.n_samples
        if n < self.splits:
            raise UndefinedProxyError(f"needs at least {self.splits} samples")
        if n < 2 * self.splits and any(
            isinstance(m, nn.modules.batchnorm._BatchNorm) for m in ctx.modules
        ):  # torch refuses batch norm in train mode on one sample (the whole call had failed)
            raise UndefinedProxyError(
                f"needs at least {2 * self.splits} samples: each of its {self.splits} splits "
                "passes batch norm in train mode, which needs 2"
            )
        names = [name for name, _ in ctx.prunable]
        params = ctx.fast_params()
        for k in names:
            params[k] = params[k].requires_grad_(True)
        weights = [params[k] for k in names]
        per_split: list[list[torch.Tensor]] = []
        with ctx.train_mode(True), torch.enable_grad():
            for sp in range(self.splits):
                st, en = sp * n // self.splits, (sp + 1) * n // self.splits
                part = ctx.batch.part(st, en)
                logits = ctx.call(fast_layout(part.x.detach()), params, batch=part)
                loss = ctx.loss_fn(logits, ctx.targets[st:en])
                grads = torch.autograd.grad(loss, weights, allow_unused=True)
                per_split.append(
                    [
                        torch.zeros_like(w) if g is None else g
                        for w, g in zip(weights, grads, strict=False)
                    ]
                )
        total = 0.0
        for i in range(len(weights)):
            g = torch.stack([s[i].reshape(-1) for s in per_split]).to(torch.float64)
            std = g.std(0, unbiased=False)
            mask = std > 0
            ratio = (g.abs().mean(0)[mask] / std[mask]).sum()
            if float(ratio) > 0:
                total += float(torch.log(ratio))
        return total
