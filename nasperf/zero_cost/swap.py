"""``swap``: SWAP, the number of distinct sample-wise activation patterns (Peng et al., ICLR
2024).

Every ReLU output unit (channel x position) of the network gets the vector of its on/off
states over the ``N`` samples of the minibatch; the score is the number of distinct such
vectors over all units of all ReLU modules (a network with more distinct patterns separates
the inputs in more ways). The patterns are bit-packed and deduplicated with a sort, which is
exact. Read from the shared train-mode forward. The paper's optional parameter-count
regularisation is not applied (it needs space-specific constants).

Data needed: inputs. Sign: higher is better. NaN when the network has no ReLU. ReLUs
are read as nwot reads them: modules and functions (``F.relu``, ``x.relu()``, ...).

References
----------
Peng et al., "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast NAS", ICLR 2024.
"""

from __future__ import annotations

import torch

from .engine import PROXIES, Context, Proxy, UndefinedProxyError, no_relu_reason, train_pass


def count_unique_rows(codes: torch.Tensor) -> int:
    """Number of distinct rows of an ``(M, W)`` int64 matrix of 31-bit words."""
    _, inv = torch.unique(codes[:, 0], return_inverse=True)
    for j in range(1, codes.shape[1]):
        # (group id, next word) fits in int64 since ids < 2**32 and words < 2**31
        _, inv = torch.unique(inv.to(torch.int64) * (1 << 31) + codes[:, j], return_inverse=True)
    return int(inv.max()) + 1 if inv.numel() else 0


@PROXIES.register("swap")
class SWAP(Proxy):
    """Count of distinct per-unit ReLU on/off patterns over the minibatch."""

    name = "swap"
    taps = frozenset({"swap"})
    data = "inputs"

    def compute(self, ctx: Context) -> float:
        tp = train_pass(ctx)
        codes = tp.swap_codes
        if not codes:
            raise UndefinedProxyError(no_relu_reason(tp, "patterns"))
        return float(count_unique_rows(torch.cat(codes)))
