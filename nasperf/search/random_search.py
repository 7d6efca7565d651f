"""Random search: the baseline every optimizer is measured against."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

from sklearn.utils._param_validation import Interval

from .base import Optimizer, Query, register


@register("random_search", "rs")
class RandomSearch(Optimizer):
    """Query architectures drawn uniformly from the space, without repeats.

    Parameters
    ----------
    batch_size : int
        Architectures per ask (order of queries is unaffected).

    References
    ----------
    Li & Talwalkar, "Random Search and Reproducibility for Neural Architecture Search",
    UAI 2019.
    """

    moves_locally = False  # draws uniformly

    _parameter_constraints: ClassVar[dict] = {
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, batch_size: int = 1) -> None:
        self.batch_size = batch_size

    def ask(self) -> list[Query]:
        queries = []
        for _ in range(max(1, int(self.batch_size))):
            queries += self.propose([self.random_new()])  # marked at once: no repeats
        return queries
