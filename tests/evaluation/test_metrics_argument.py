"""``metrics=`` of the study summaries and plots: one string is one metric (a type-fuzzing
probe: ``summarize(table, metrics="kendall_tau")`` had looped over its letters, the letter
``n`` matching the column ``n`` and giving ``n_mean`` / ``n_std``), an explicitly requested
metric the table lacks is named, and a table that is not a DataFrame is one TypeError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nasperf.evaluation.plots import plot_study
from nasperf.evaluation.study import format_summary, summarize


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": "xgb",
             "budget": None, "n_train": 10, "seed": s, "kendall_tau": 0.1 * (s + 1), "n": 7,
             "total_time_s": 10.0 + s, "fit_time_s": 0.1, "predict_time_s": 0.1}
            for s in range(3)
        ]
    )  # fmt: skip


def test_a_string_is_one_metric_in_summarize_and_format_summary():
    one = summarize(_table(), metrics="kendall_tau")
    assert [c for c in one.columns if c.endswith("_mean")] == ["kendall_tau_mean"]
    assert one["kendall_tau_mean"].iloc[0] == pytest.approx(0.2)
    assert one.equals(summarize(_table(), metrics=("kendall_tau",)))
    text = format_summary(one, metrics="kendall_tau")
    assert text == format_summary(one, metrics=["kendall_tau"])
    assert "| kendall_tau |" in text


def test_an_explicit_metric_the_table_lacks_is_named_the_default_list_stays_silent():
    with pytest.raises(ValueError, match=r"metrics: 'bogus' not in the table; it has .*kendall"):
        summarize(_table(), metrics=["kendall_tau", "bogus"])
    summary = summarize(_table())  # SUMMARY_METRICS names metrics this table lacks
    assert "kendall_tau_mean" in summary.columns and "spearman_mean" not in summary.columns
    with pytest.raises(ValueError, match=r"metrics: 'spearman' not in the summary"):
        format_summary(summary, metrics="spearman")
    assert "kendall_tau" in format_summary(summary)


@pytest.mark.parametrize("table", [None, np.zeros((3, 2)), [{"kendall_tau": 1.0}]])
def test_summarize_of_something_else_than_a_dataframe_is_one_type_error(table):
    with pytest.raises(TypeError, match="table must be a pandas DataFrame"):
        summarize(table)


@pytest.mark.parametrize("metrics", [5, [1, 2], {"kendall_tau": 1}, b"kendall_tau"])
def test_metrics_that_are_not_names_are_one_type_error(metrics):
    with pytest.raises(TypeError, match="metrics must be a name or a list of names"):
        summarize(_table(), metrics=metrics)


def test_plot_study_takes_one_metric_as_a_string(tmp_path, monkeypatch):
    # it had failed with "'k' is not a numeric metric"
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: None)
    paths = plot_study(tmp_path, table=_table(), out=tmp_path / "p", metrics="kendall_tau")
    assert [p.name for p in paths] == ["kendall_tau_vs_train_size.png", "kendall_tau_vs_time.png"]
