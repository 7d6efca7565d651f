"""Evaluation of performance predictors: metrics and the train/test protocol.

:mod:`~nasperf.evaluation.metrics` compares predicted scores with true performance
(correlations, sparse Kendall tau, NDCG@k, precision@k, best true rank@k, errors, cost);
:mod:`~nasperf.evaluation.protocol` draws White et al.'s paired train/test splits. Both
import only numpy and scipy.

The study runner (``run_study.py``, ``nasperf study``): :mod:`~nasperf.evaluation.config`
(YAML schema, trials and their hashes), :mod:`~nasperf.evaluation.engines` (the trial
function; local, Dask and Ray engines), :mod:`~nasperf.evaluation.store` (SQLite results
folder), :mod:`~nasperf.evaluation.study` (orchestration, resume, summary) and
:mod:`~nasperf.evaluation.plots`; their names below are imported on first use.
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

# Study-runner names, imported on first use (they pull in pandas, joblib, matplotlib).
_LAZY = {
    "ConfigError": "config",
    "StudyConfig": "config",
    "default_config": "config",
    "expand_trials": "config",
    "load_config": "config",
    "parse_config": "config",
    "skipped_predictors": "config",
    "trial_hash": "config",
    "TIMING_COLUMNS": "engines",
    "TrialError": "engines",
    "run_claimed": "engines",
    "run_trial": "engines",
    "run_trials": "engines",
    "ResultsStore": "store",
    "read_results": "store",
    "StudyResult": "study",
    "fit_sizes_to_data": "study",
    "run_study": "study",
    "summarize": "study",
    "plot_study": "plots",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TIMING_COLUMNS",
    "ConfigError",
    "ResultsStore",
    "Split",
    "StudyConfig",
    "StudyResult",
    "TrialError",
    "default_config",
    "expand_trials",
    "fit_sizes_to_data",
    "load_config",
    "parse_config",
    "plot_study",
    "read_results",
    "run_claimed",
    "run_study",
    "run_trial",
    "run_trials",
    "skipped_predictors",
    "summarize",
    "trial_hash",
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
