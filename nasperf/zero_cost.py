"""Public entry point for zero-cost proxies: ``nasperf.zero_cost.score(network, x, y)``.

A thin alias of :mod:`nasperf.predictors.zero_cost`: scoring one network (``score``,
``score_details``), scoring many architectures of a space with a disk cache (``compute``),
and a proxy as a predictor (``ZeroCostPredictor``).
"""

from __future__ import annotations

from nasperf.predictors.zero_cost import (
    PROXIES,
    Proxy,
    ProxyResult,
    available,
    rank_vote,
    score,
    score_details,
)
from nasperf.predictors.zero_cost.compute import compute, nan_reasons, read_proxy_table
from nasperf.predictors.zero_cost.predictor import ZeroCostPredictor

__all__ = [
    "PROXIES",
    "Proxy",
    "ProxyResult",
    "ZeroCostPredictor",
    "available",
    "compute",
    "nan_reasons",
    "rank_vote",
    "read_proxy_table",
    "score",
    "score_details",
]
