"""Weight-sharing supernets: one network whose sub-networks are a space's architectures.

A :class:`Supernet` holds, on every edge of its cells, one module per candidate operation
(built with the same op implementations as the space's network builder), so that any
architecture of the space runs with *inherited* weights:

>>> import torch
>>> import nasperf
>>> space = nasperf.get_space("nb201")
>>> arch = space.parse(
...     "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|"
...     "+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"
... )
>>> gen = torch.Generator().manual_seed(0)
>>> images = torch.randn(4, 3, 32, 32, generator=gen)
>>> net = space.build_supernet("cifar10", channels=8, cells_per_stage=1)
>>> net(images, arch).shape                             # single path (RS-WS, few-shot)
torch.Size([4, 10])
>>> alphas = net.init_alphas(gen)
>>> {name: tuple(a.shape) for name, a in alphas.items()}
{'cell': (6, 5)}
>>> net(images, alphas=alphas).shape                   # continuous relaxation (DARTS)
torch.Size([4, 10])
>>> standalone = net.extract(arch)                     # space.build_network + weights
>>> torch.allclose(standalone(images), net(images, arch), atol=1e-6)
True
>>> net.decisions, net.encode(arch)                    # NB201: one operation per edge
((5, 5, 5, 5, 5, 5), (3, 3, 4, 1, 2, 1))

An architecture is also a tuple of categorical *decisions* (:attr:`Supernet.decisions`
holds their cardinalities, :meth:`encode` / :meth:`decode` convert), a bijection with the
space's architectures in their written form: sampling the decisions uniformly samples the
space as its own sampler does, and fixing some of them selects a region of the space, which
is how few-shot supernets split the space (each architecture falls in exactly one region).

Architecture parameters of the relaxation (``alphas``) are a dict of tensors named by the
supernet (NB201: one ``(6, 5)`` table shared by every cell; DARTS: ``normal`` and
``reduce``, ``(14, 7)`` each), created by :meth:`init_alphas`.

References
----------
Bender et al., "Understanding and Simplifying One-Shot Architecture Search", ICML 2018;
Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019; Li &
Talwalkar, "Random Search and Reproducibility for Neural Architecture Search", UAI 2019;
Zhao et al., "Few-shot Neural Architecture Search", ICML 2021.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["Supernet", "batch_statistics", "mixed_edge", "region_of"]


class Supernet(nn.Module):
    """Base class of weight-sharing supernets (a ``torch.nn.Module``).

    Subclasses set :attr:`decisions` and :attr:`decision_names`, implement
    :meth:`encode`, :meth:`decode`, :meth:`forward`, :meth:`alpha_shapes`,
    :meth:`_choice_logprob_terms` and :meth:`_standalone_key`, and keep ``space``,
    ``dataset`` and ``network_kwargs`` (what :meth:`extract` passes to
    ``space.build_network``).
    """

    #: Cardinality of each categorical decision that, together, spell an architecture.
    decisions: tuple[int, ...] = ()
    #: A readable name per decision (e.g. ``"edge 1<-0"``), for messages and reports.
    decision_names: tuple[str, ...] = ()
    #: Decisions a few-shot supernet splits on by default.
    default_split: tuple[int, ...] = (0,)

    def __init__(self, space: Any, dataset: Any, network_kwargs: Mapping[str, Any]) -> None:
        super().__init__()
        self.space = space
        self.dataset = dataset
        self.network_kwargs = dict(network_kwargs)

    # ---------------------------------------------------------------- decisions
    def encode(self, arch: Any) -> tuple[int, ...]:
        """The decision values of ``arch`` (anything ``space.coerce`` takes)."""
        raise NotImplementedError

    def decode(self, choice: Sequence[int]) -> Any:
        """The architecture spelt by decision values ``choice``."""
        raise NotImplementedError

    def check_choice(self, choice: Sequence[int]) -> tuple[int, ...]:
        """``choice`` as a tuple of ints, validated against :attr:`decisions`."""
        out = tuple(int(c) for c in choice)
        if len(out) != len(self.decisions):
            raise ValueError(
                f"{type(self).__name__}: expected {len(self.decisions)} decision values, "
                f"got {len(out)}"
            )
        for i, (c, n) in enumerate(zip(out, self.decisions, strict=True)):
            if not 0 <= c < n:
                raise ValueError(
                    f"{type(self).__name__}: decision {i} ({self.decision_names[i]}) takes "
                    f"0..{n - 1}, got {c}"
                )
        return out

    def as_choice(self, arch: Any) -> tuple[int, ...]:
        """Decision values of an architecture value / text, or a validated choice tuple."""
        if isinstance(arch, tuple | list | np.ndarray) and all(
            isinstance(v, int | np.integer) and not isinstance(v, bool) for v in arch
        ):
            if len(arch) == len(self.decisions):
                return self.check_choice(arch)
        return self.encode(arch)

    def sample_choice(
        self, rng: np.random.Generator, fixed: Mapping[int, int] | None = None
    ) -> tuple[int, ...]:
        """Uniform decision values, with the decisions in ``fixed`` set to their values."""
        out = [int(rng.integers(n)) for n in self.decisions]
        for i, v in (fixed or {}).items():
            out[int(i)] = int(v)
        return tuple(out)

    def sample(self, rng: np.random.Generator, fixed: Mapping[int, int] | None = None) -> Any:
        """A uniformly random architecture (of the region ``fixed``, if given)."""
        return self.decode(self.sample_choice(rng, fixed))

    # ---------------------------------------------------------------- relaxation
    def alpha_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name and shape of each table of architecture parameters (``(edges, ops)``)."""
        raise NotImplementedError

    def init_alphas(self, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Architecture parameters as DARTS initialises them: ``1e-3 * N(0, 1)``, in the
        dtype of the network's weights (not torch's default, which a caller may have set to
        float64)."""
        first = next(self.parameters())
        return {
            k: (1e-3 * torch.randn(shape, generator=generator, dtype=first.dtype))
            .to(first.device)
            .requires_grad_(True)
            for k, shape in self.alpha_shapes().items()
        }

    def arch_logprob(self, arch: Any, alphas: Mapping[str, torch.Tensor]) -> float:
        """Log-probability of ``arch``'s operations under ``softmax(alphas)`` per edge.

        The sum over the architecture's active edges of the log-softmax weight of the
        operation it puts there: how strongly the relaxed supernet prefers this
        architecture (the score DARTS's discretisation maximises greedily).
        """
        choice = self.as_choice(arch)
        total = 0.0
        with torch.no_grad():
            for name, edge, op in self._choice_logprob_terms(choice):
                total += float(torch.log_softmax(alphas[name][edge], dim=-1)[op])
        return total

    def _choice_logprob_terms(self, choice: tuple[int, ...]) -> Iterator[tuple[str, int, int]]:
        """``(alpha table, edge row, op column)`` of each active edge of ``choice``."""
        raise NotImplementedError

    # ---------------------------------------------------------------- standalone network
    def extract(self, arch: Any) -> nn.Module:
        """The space's standalone network for ``arch`` with the supernet's weights copied in.

        ``space.build_network(arch, dataset, **network_kwargs)`` is built and every entry of
        its ``state_dict`` is copied from the supernet entry it corresponds to (the module
        of the chosen operation on each edge), so the standalone network computes exactly
        what ``self(x, arch)`` computes; it can then be fine-tuned on its own.
        """
        choice = self.as_choice(arch)
        net = self.space.build_network(self.decode(choice), self.dataset, **self.network_kwargs)
        mine = self.state_dict()
        theirs = net.state_dict()
        copied = {}
        for key, value in theirs.items():
            src = self._standalone_key(key, choice)
            if src not in mine or mine[src].shape != value.shape:
                raise RuntimeError(
                    f"{type(self).__name__}.extract: no supernet weight {src!r} of shape "
                    f"{tuple(value.shape)} for the standalone network's {key!r}"
                )
            copied[key] = mine[src].detach().clone()
        net.load_state_dict(copied)
        return net.to(next(self.parameters()).device)

    def _standalone_key(self, key: str, choice: tuple[int, ...]) -> str:
        """The supernet ``state_dict`` key that holds the standalone network's ``key``."""
        raise NotImplementedError


def mixed_edge(ops: nn.ModuleList, weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """DARTS's mixed operation: ``sum_o weights[o] * ops[o](x)`` (weights of one edge)."""
    return sum(w * op(x) for w, op in zip(weights, ops, strict=True))


def region_of(choice: Sequence[int], split: Sequence[int]) -> tuple[int, ...]:
    """The few-shot region of decision values ``choice``: its values of decisions ``split``."""
    return tuple(int(choice[i]) for i in split)


@contextlib.contextmanager
def batch_statistics(module: nn.Module) -> Iterator[nn.Module]:
    """Run ``module`` with BatchNorm on batch statistics and without touching running stats.

    A supernet's running statistics mix every sub-network it trained, so evaluating one
    architecture with them is meaningless (Bender et al.; NAS-Bench-201's supernets keep no
    running statistics). Inside this context every BatchNorm layer normalises with the
    statistics of the batch it sees and leaves its buffers unchanged, and dropout is off.
    """
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    was_training = {m: m.training for m in module.modules()}
    tracked = {m: m.track_running_stats for m in norms}
    try:
        module.eval()
        for m in norms:
            m.train()
            m.track_running_stats = False
        yield module
    finally:
        for m in norms:
            m.track_running_stats = tracked[m]
        for m, t in was_training.items():
            m.training = t
