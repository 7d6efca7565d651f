"""The study plots: what the PNGs say (legend, axes, the order points are joined in)."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from nasperf.evaluation.plots import plot_time, plot_train_size
from nasperf.evaluation.report import predictor_scores


def _drawn(monkeypatch, plot, table, tmp_path, **kw) -> Figure:
    """The figure ``plot`` makes of ``table`` (captured at ``savefig``)."""
    figures: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    plot(table, tmp_path / "p.png", **kw)
    (fig,) = figures
    return fig


def _row(label, n, seed, tau, budget=None, **over) -> dict:
    return {"space": "nb201", "benchmark": "nb201", "dataset": "cifar10", "label": label,
            "budget": budget, "n_train": n, "seed": seed, "kendall_tau": tau,
            "total_time_s": 10.0 * n + seed, "fit_time_s": 0.1, "predict_time_s": 0.1,
            **over}  # fmt: skip


@pytest.mark.parametrize("plot", [plot_train_size, plot_time])
def test_a_budget_is_spelled_as_in_the_suite_tables(monkeypatch, tmp_path, plot):
    # the plots said "omni (12ep)" where the suite's tables say "omni@12ep"
    table = pd.DataFrame(
        [_row("omni", n, s, 0.1 * s + n / 100, budget="12ep") for n in (10, 20) for s in (0, 1)]
        + [_row("xgb", n, s, 0.2) for n in (10, 20) for s in (0, 1)]
    ).assign(task="t")
    fig = _drawn(monkeypatch, plot, table.drop(columns="task"), tmp_path)
    _, labels = fig.axes[0].get_legend_handles_labels()
    assert labels == ["omni@12ep", "xgb"]
    assert set(predictor_scores(table.assign(kind="predictor"))["label"]) == set(labels)
