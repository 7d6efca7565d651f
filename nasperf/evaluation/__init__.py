"""Evaluation of performance predictors: metrics and the train/test protocol.

:mod:`~nasperf.evaluation.metrics` compares predicted scores with true performance
(correlations, sparse Kendall tau, NDCG@k, precision@k, best true rank@k, errors, cost);
:mod:`~nasperf.evaluation.protocol` draws White et al.'s paired train/test splits. Both
import only numpy and scipy.
"""

from __future__ import annotations

from .metrics import (
    best_true_rank_at_k,
    evaluate,
    initialisation_time,
    kendall_tau,
    mae,
    ndcg_at_k,
    pearson,
    precision_at_k,
    query_time_per_arch,
    rmse,
    sparse_kendall_tau,
    spearman,
)
from .protocol import Split, make_split, train_sizes

__all__ = [
    "Split",
    "best_true_rank_at_k",
    "evaluate",
    "initialisation_time",
    "kendall_tau",
    "mae",
    "make_split",
    "ndcg_at_k",
    "pearson",
    "precision_at_k",
    "query_time_per_arch",
    "rmse",
    "sparse_kendall_tau",
    "spearman",
    "train_sizes",
]
