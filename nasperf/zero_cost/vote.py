"""``vote``: rank-vote ensemble of synflow, jacov and snip (Abdelfattah et al., ICLR 2021).

A population-level proxy: each network's vote is the sum over the members of its rank
(Borda count; rank 1 = lowest score, ties averaged) within the population, so higher is
better. A network whose member score is NaN ranks below every scored network for that member.
``score`` on a single network returns the members and NaN for ``vote`` (with the reason);
:func:`rank_vote` combines a population's scores.

References
----------
Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.stats import rankdata

from .engine import PROXIES, Context, Proxy

MEMBERS: tuple[str, ...] = ("synflow", "jacov", "snip")


def rank_vote(
    scores: Mapping[str, Sequence[float]], members: Sequence[str] = MEMBERS
) -> np.ndarray:
    """Borda-count vote of ``members`` over a population.

    Parameters
    ----------
    scores : mapping proxy name -> sequence of float (length P), e.g. a pandas DataFrame
        One value per network of the population for every member.
    members : sequence of str
        The proxies that vote.

    Returns
    -------
    ndarray, shape (P,)
        Sum of the members' ranks (1..P, ties averaged, NaN lowest); higher is better.
    """
    total = None
    for name in members:
        col = np.asarray(scores[name], dtype=float)
        filled = np.where(np.isnan(col), -np.inf, col)
        r = rankdata(filled, method="average")
        total = r if total is None else total + r
    if total is None:
        raise ValueError("rank_vote needs at least one member")
    return total


@PROXIES.register("vote")
class Vote(Proxy):
    """Rank vote of synflow, jacov and snip over a population (see :func:`rank_vote`)."""

    name = "vote"
    population = True
    members = MEMBERS

    def compute(self, ctx: Context) -> float:  # pragma: no cover - population-level
        raise NotImplementedError("population-level proxy: use rank_vote")

    @staticmethod
    def combine(scores: Mapping[str, Sequence[float]]) -> np.ndarray:
        return rank_vote(scores, MEMBERS)
