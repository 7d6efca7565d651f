"""``nwot``: NASWOT, the log-determinant of the ReLU-code kernel (Mellor et al., ICML 2021).

Every ReLU binarises its input per sample into a code ``c_i`` (unit active or not). With
``K_ij = sum over ReLUs of (number of units where c_i and c_j agree)`` (``N_A - d_H`` in the
paper), the score is ``log |det K|``. Networks that separate the samples of a minibatch well
have codes far apart and a large determinant.

Data needed: inputs. Computed in train mode (BatchNorm batch statistics), as in the authors'
and NASLib's code. Sign: higher is better. NaN (with the reason) when ``K`` is singular, e.g.
when the output does not depend on the input and every sample gets the same code, or when the
network has no ReLU. ReLUs are read however they are written: ``nn.ReLU`` / ``nn.ReLU6``
modules and the functions ``F.relu``, ``torch.relu``, ``x.relu()`` (and their in-place
forms), ``F.relu6`` (``engine.FUNCTIONAL_RELUS``; a network mixing them had been scored from
its modules only: nwot -171 against 104 for the same function written with modules).

References
----------
Mellor et al., "Neural Architecture Search without Training", ICML 2021.
"""

from __future__ import annotations

import torch

from .engine import PROXIES, Context, Proxy, UndefinedProxyError, no_relu_reason, train_pass


@PROXIES.register("nwot", "naswot")
class NASWOT(Proxy):
    """log |det K| of the Hamming-agreement kernel of binary ReLU codes."""

    name = "nwot"
    taps = frozenset({"relu_codes"})
    data = "inputs"

    def compute(self, ctx: Context) -> float:
        tp = train_pass(ctx)
        if tp.relu_kernel is None:
            raise UndefinedProxyError(no_relu_reason(tp, "codes"))
        _, logabsdet = torch.linalg.slogdet(tp.relu_kernel)
        if not torch.isfinite(logabsdet):
            raise UndefinedProxyError(
                "ReLU-code kernel is singular (samples share activation codes)"
            )
        return float(logabsdet)
