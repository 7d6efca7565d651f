"""Proxies of the input Jacobian: jacov and epe_nas.

Both read ``J = d sum(logits) / d inputs`` from the shared train-mode pass, one row per
sample (flattened), and measure how differently the network treats different samples:

* ``jacov`` (Mellor et al. 2021, v1): with ``C`` the correlation matrix of the rows of ``J``
  and ``v`` its eigenvalues, ``-sum(log(v + k) + 1 / (v + k))``, ``k = 1e-5``.
* ``epe_nas`` (Lopes et al. 2021): per class ``c`` present in the batch, ``s_c = sum log(|C_c| +
  k)`` over the correlation matrix ``C_c`` of that class's rows; the score is ``sum_c |s_c|``
  for up to 100 classes, and ``sum_{c, c'} |s_c - s_c'| / #classes`` (``s_c`` divided by the
  class's sample count, singleton classes skipped) above 100, as in the authors' code.

On a graph the rows are the scored nodes' rows of ``d sum(scored logits) / d x`` (a node's
row also holds how much the scored nodes near it depend on its features).

Data needed: inputs (jacov), inputs and class labels (epe_nas; NaN for a regression's real
targets, which would make every value a class of its own, and for a dense output's
per-element labels, which give a sample no class). Sign: higher is better. Undefined
(NaN) when the output does not depend on the input (a zero row of ``J`` has no correlation).

References
----------
Mellor et al., "Neural Architecture Search without Training", ICML 2021 (arXiv v1);
Lopes et al., "EPE-NAS: Efficient Performance Estimation Without Training for Neural
Architecture Search", ICANN 2021.
"""

from __future__ import annotations

import torch

from .engine import PROXIES, Context, Proxy, UndefinedProxyError, train_pass

_K = 1e-5


def _jacobian(ctx: Context) -> torch.Tensor:
    j = train_pass(ctx).input_grad.reshape(ctx.n_samples, -1).to(torch.float64)
    if len(j) < 2:
        raise UndefinedProxyError("needs at least two samples")
    std = j.std(1)
    if not torch.isfinite(j).all():
        raise UndefinedProxyError("input gradient is not finite")
    if bool((std == 0).any()):
        raise UndefinedProxyError(
            "input gradient is constant for some sample (output does not depend on the input)"
        )
    return j


@PROXIES.register("jacov", "jacob_cov")
class JacobianCovariance(Proxy):
    """Eigenvalue score of the correlation of per-sample input Jacobians."""

    name = "jacov"
    taps = frozenset({"input_grad"})
    data = "inputs"

    def compute(self, ctx: Context) -> float:
        corr = torch.corrcoef(_jacobian(ctx))
        v = torch.linalg.eigvalsh(corr)
        return float(-(torch.log(v + _K) + 1.0 / (v + _K)).sum())


@PROXIES.register("epe_nas")
class EpeNas(Proxy):
    """Per-class Jacobian correlation score of EPE-NAS."""

    name = "epe_nas"
    taps = frozenset({"input_grad"})

    def compute(self, ctx: Context) -> float:
        if ctx.targets.is_floating_point() or ctx.targets.is_complex():
            # real targets (a regression): every distinct value would be a class of its own,
            # and the score the same for every network
            raise UndefinedProxyError(
                "needs class labels; the targets are real numbers (a regression task)"
            )
        if ctx.targets.dim() != 1:
            # per-element labels of a dense output (segmentation): no class per sample
            raise UndefinedProxyError(
                "needs one class label per sample; the targets are per element (a dense output)"
            )
        j = _jacobian(ctx)
        n_classes = int(train_pass(ctx).logits.shape[-1])
        labels = ctx.targets.reshape(-1).cpu()
        scores = []
        for c in torch.unique(labels):
            rows = j[(labels == c).to(j.device)]
            if len(rows) == 1:
                if n_classes > 100:
                    continue  # the authors' code skips singleton classes here
                s = torch.log(torch.tensor(1.0 + _K, dtype=torch.float64))
            else:
                corr = torch.corrcoef(rows)
                s = torch.log(corr.abs() + _K).sum()
                if n_classes > 100:
                    s = s / len(rows)
            scores.append(s)
        if not scores:
            raise UndefinedProxyError("no class has two samples in the batch")
        s = torch.stack(scores)
        if n_classes <= 100:
            return float(s.abs().sum())
        return float((s[:, None] - s[None, :]).abs().sum() / len(s))
