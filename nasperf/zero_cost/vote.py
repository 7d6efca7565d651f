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

from nasperf.errors import as_names, short_repr

from .engine import PROXIES, Context, Proxy

MEMBERS: tuple[str, ...] = ("synflow", "jacov", "snip")


def rank_vote(
    scores: Mapping[str, Sequence[float]], members: Sequence[str] | str = MEMBERS
) -> np.ndarray:
    """Borda-count vote of ``members`` over a population.

    Parameters
    ----------
    scores : mapping proxy name -> sequence of float (length P), e.g. a pandas DataFrame
        One value per network of the population for every member.
    members : str or sequence of str
        The proxies that vote (a string is one proxy).

    Returns
    -------
    ndarray, shape (P,)
        Sum of the members' ranks (1..P, ties averaged, NaN lowest); higher is better.

    Raises
    ------
    TypeError
        ``scores`` is not a mapping (or DataFrame), or ``members`` not names.
    ValueError
        No member, a member missing from ``scores``, a member's scores that are not one
        number per network (not 1-D, not numbers), or members of different lengths (numpy
        broadcasting had turned a member of length 1 into a constant vote).
    """
    if not (isinstance(scores, Mapping) or hasattr(scores, "columns")):
        raise TypeError(
            "scores must be a mapping proxy name -> scores (or a DataFrame), got "
            f"{type(scores).__name__} {short_repr(scores)}"
        )
    members = as_names(members, "members")
    missing = [m for m in members if m not in scores]
    if missing:
        have = list(scores.columns if hasattr(scores, "columns") else scores.keys())
        raise ValueError(
            f"members: {', '.join(map(repr, missing))} not in scores, which has {short_repr(have)}"
        )
    cols = {}
    for name in members:
        try:
            col = np.asarray(scores[name], dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"scores[{name!r}] must be numbers, one per network, got {short_repr(scores[name])}"
            ) from None
        if col.ndim != 1:
            raise ValueError(
                f"scores[{name!r}] must be one score per network (1-D), got shape {col.shape}"
            )
        cols[name] = col
    lengths = {name: len(col) for name, col in cols.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            "scores: every member needs one score per network of the population, got "
            + ", ".join(f"{n} {k}" for n, k in lengths.items())
        )
    total = None
    for col in cols.values():
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
