"""The study plots: what the PNGs say (legend, axes, the order points are joined in)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pytest
from matplotlib.figure import Figure

from nasperf.evaluation.config import parse_config
from nasperf.evaluation.plots import plot_study, plot_time, plot_train_size
from nasperf.evaluation.report import predictor_scores
from nasperf.evaluation.study import run_study
from nasperf.predictors import Requirements

from ._study_helpers import CountConvPredictor, registered, tiny_config


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


def test_the_training_size_plot_says_what_its_band_is(monkeypatch, tmp_path):
    # the band is +-1 sample s.d. over seeds, which the PNG did not say
    table = pd.DataFrame([_row("xgb", n, s, 0.1 * s) for n in (10, 20) for s in (0, 1, 2)])
    fig = _drawn(monkeypatch, plot_train_size, table, tmp_path)
    assert fig.axes[0].get_ylabel() == (
        "kendall tau\nmean over seeds; band: ±1 s.d. over seeds (ddof=1)"
    )


def test_the_time_plot_joins_a_series_by_training_size_and_marks_each_n(monkeypatch, tmp_path):
    # n=20 ran faster than n=10: joined by time, the line went from n=20 to n=10 and read
    # "more time, worse tau"; joined by size it goes 10 -> 20 -> 50
    times = {10: 5.0, 20: 2.0, 50: 9.0}
    taus = {10: 0.3, 20: 0.5, 50: 0.7}
    table = pd.DataFrame(
        [_row("xgb", n, s, taus[n], total_time_s=times[n]) for n in times for s in (0, 1)]
    )
    fig = _drawn(monkeypatch, plot_time, table, tmp_path)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [5.0, 2.0, 9.0]
    assert line.get_ydata().tolist() == [0.3, 0.5, 0.7]
    marks = {t.get_text(): t.xy for t in ax.texts}
    assert marks == {"n=10": (5.0, 0.3), "n=20": (2.0, 0.5), "n=50": (9.0, 0.7)}
    assert ax.get_xlabel() == "simulated training + fit + query time (s)"


def test_the_time_plot_without_training_times_says_it_is_compute_time_only(monkeypatch, tmp_path):
    table = pd.DataFrame(
        [_row("xgb", n, s, 0.5, total_time_s=float("nan")) for n in (10, 20) for s in (0, 1)]
        + [_row("synflow", 0, s, 0.4, total_time_s=float("nan")) for s in (0, 1)]
    )
    fig = _drawn(monkeypatch, plot_time, table, tmp_path)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("predictor's own fit + query time only (s)\n")
    # fit 0.1 s + predict 0.1 s; the training-free series has no n to mark
    assert sorted(t.get_text() for t in ax.texts) == ["n=10", "n=20"]
    xs = [x for line in ax.get_lines() for x in line.get_xdata()]
    assert len(xs) == 3 and xs == pytest.approx([0.2] * 3, rel=1e-12)  # 0.1 + 0.1, one sum


class _FlakyPredictor(CountConvPredictor):
    """Scores = the number of 3x3 convolutions, fitted on labels; its fit fails for seed 1
    at n = 20."""

    requirements: ClassVar[Requirements] = Requirements()

    def fit(self, archs, y):
        if self.random_state == 1 and len(archs) == 20:
            raise RuntimeError("a flaky trial")
        return super().fit(archs, y)


def test_a_series_missing_a_seed_says_so_in_the_legend(monkeypatch, tmp_path):
    # one seed's trial failed at n=20, so its rows are missing: the point averaged 2 seeds
    # where xgb's averaged 3, and the legend did not say the comparison there is unpaired
    raw = tiny_config(
        predictors=["test_flaky", {"name": "xgb", "params": {"n_estimators": 20}}],
        train_sizes=[10, 20],
        seeds=3,
    )
    with registered(test_flaky=_FlakyPredictor):
        result = run_study(parse_config(raw), tmp_path / "out")
    assert [(t["label"], t["n_train"], t["seed"]) for t, _ in result.errors] == [
        ("test_flaky", 20, 1)
    ]
    figures: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    paths = plot_study(tmp_path / "out", metrics=("kendall_tau",))
    assert [p.name for p in paths] == ["kendall_tau_vs_train_size.png", "kendall_tau_vs_time.png"]
    for fig in figures:
        _, labels = fig.axes[0].get_legend_handles_labels()
        assert labels == ["test_flaky (2 of 3 seeds at n=20)", "xgb"]


def test_the_seeds_note_groups_sizes_by_their_count(monkeypatch, tmp_path):
    seeds = {10: (0, 1, 2), 20: (0, 1), 50: (0, 1), 100: (0,)}
    table = pd.DataFrame(
        [_row("flaky", n, s, 0.1 * s) for n, ss in seeds.items() for s in ss]
        + [_row("xgb", n, s, 0.2) for n in seeds for s in (0, 1, 2)]
        + [_row("synflow", 0, s, 0.3) for s in (0, 1)]
        + [
            _row("nan_seed", n, s, float("nan") if s == 2 else 0.2)
            for n in seeds
            for s in (0, 1, 2)
        ]
        # every seed failed at n = 20 and 50: no row there at all
        + [_row("gone", n, s, 0.2) for n in (10, 100) for s in (0, 1, 2)]
    )
    fig = _drawn(monkeypatch, plot_train_size, table, tmp_path)
    _, labels = fig.axes[0].get_legend_handles_labels()
    assert labels == [
        "flaky (2 of 3 seeds at n=20, 50; 1 of 3 at n=100)",
        "gone (0 of 3 seeds at n=20, 50)",
        "nan_seed (2 of 3 seeds at n=10, 20, 50, 100)",  # a seed without a value: not averaged
        "synflow (2 of 3 seeds)",  # training-free: no n to name
        "xgb",
    ]


def test_plotting_leaves_the_callers_backend_and_figures_alone(tmp_path):
    """A probe embedding nasperf: its plots had called matplotlib.use("Agg", force=True),
    switching a notebook's backend for the rest of the session. Figures are now standalone
    Agg figures: the backend, pyplot's open figures and the PNG bytes are as before."""
    import matplotlib
    import matplotlib.pyplot as plt

    from nasperf.evaluation.report import plot_proxy_heatmap
    from nasperf.search.study import plot_regret

    before = matplotlib.get_backend()
    try:
        matplotlib.use("svg", force=True)
        mine = plt.figure()
        rows = [
            {"space": "nb201", "dataset": "cifar10", "label": lab, "predictor": lab}
            | {"n_train": n, "seed": s, "kendall_tau": n / 100 + s / 50, "budget": None}
            | {"total_time_s": n + s, "fit_time_s": 1.0, "predict_time_s": 1.0}
            for lab in ("a", "b")
            for n in (10, 20)
            for s in (0, 1)
        ]
        plot_train_size(pd.DataFrame(rows), tmp_path / "a.png")
        plot_time(pd.DataFrame(rows), tmp_path / "b.png")
        plot_proxy_heatmap(
            pd.DataFrame([[0.5, -0.2]], index=["t"], columns=["p", "q"]), tmp_path / "c.png"
        )
        history = pd.DataFrame(
            {"label": "rs", "seed": 0, "query": [1, 2], "sim_time_s": [1.0, 2.0]}
            | {"best_value": [1.0, 2.0], "regret": [1.0, 0.0]}
        )
        plot_regret(history, tmp_path / "d.png")
        assert matplotlib.get_backend() == "svg" and plt.get_fignums() == [mine.number]
        for name in ("a", "b", "c", "d"):
            assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        plt.close("all")
        matplotlib.use(before, force=True)


def _naslib_file(path, n: int = 40) -> None:
    """A NASLib zero-cost file of ``n`` NB201 cells with a CIFAR-10 and a CIFAR-100 entry
    (the layout of NASLib's ``zc_nasbench201.json``)."""
    import json

    import numpy as np

    rng = np.random.default_rng(0)
    keys = list(
        dict.fromkeys(str(tuple(int(o) for o in rng.integers(0, 5, 6))) for _ in range(3 * n))
    )
    entry = {ds: {k: {"val_accuracy": float(rng.uniform(10, 90)), "synflow": float(rng.normal())}
                  for k in keys[:n]} for ds in ("cifar10", "cifar100")}  # fmt: skip
    path.write_text(json.dumps({"nasbench201": entry}))


def test_a_panel_s_title_names_its_source_as_the_rows_do(tmp_path, monkeypatch):
    """Two sources of one NASLib file (``dataset: cifar10, name: C10`` and ``cifar100``,
    ``C100``) were both titled "zc.json (space nb201): val_accuracy": the title took the
    file's name only, never data[i].name, which names the source in the rows."""
    from nasperf.evaluation.plots import _sources

    _naslib_file(tmp_path / "zc.json")
    raw = {"predictors": ["xgb"], "train_sizes": [10], "seeds": 1, "test_size": 20}
    named = [{"path": str(tmp_path / "zc.json"), "dataset": d, "name": n}
             for d, n in (("cifar10", "C10"), ("cifar100", "C100"))]  # fmt: skip
    result = run_study(parse_config({**raw, "data": named}), tmp_path / "named")
    assert sorted(result.table["dataset"]) == ["C10", "C100"]
    titles = [
        "C10 (zc.json, space nb201): val_accuracy",
        "C100 (zc.json, space nb201): val_accuracy",
    ]
    assert [title for title, _ in _sources(result.table)] == titles
    figures: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    plot_study(tmp_path / "named", metrics="kendall_tau")
    assert [ax.get_title() for ax in figures[0].axes if ax.get_visible()] == titles
    # by default a NASLib file's source is named by its dataset, a table by its file
    default = [{k: v for k, v in d.items() if k != "name"} for d in named]
    result = run_study(parse_config({**raw, "data": default}), tmp_path / "default")
    assert [title for title, _ in _sources(result.table)] == [
        "cifar10 (zc.json, space nb201): val_accuracy",
        "cifar100 (zc.json, space nb201): val_accuracy",
    ]
    table = result.table.assign(dataset="zc", data_path=str(tmp_path / "zc.json"))
    assert [title for title, _ in _sources(table.iloc[:1])] == [
        "zc.json (space nb201): val_accuracy"
    ]


def _bad_input_table() -> pd.DataFrame:
    return pd.DataFrame([_row("xgb", n, s, 0.1 * s + n / 100) for n in (10, 20) for s in (0, 1)])


@pytest.mark.parametrize("plot", [plot_train_size, plot_time])
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda t: t.iloc[:0], "table: no trials to plot (it has no rows)"),  # ZeroDivisionError
        (lambda t: t.assign(encoding="adj"), None),  # an extra text column: drawn
        (
            lambda t: t.drop(columns="space"),  # KeyError 'space'
            "table: no 'space' column, which {name} reads (space, dataset, label, budget, "
            "n_train{time}); it has benchmark, dataset, label, budget, n_train, seed, "
            "kendall_tau, total_time_s, fit_time_s, predict_time_s",
        ),
        (
            lambda t: t.assign(kendall_tau=float("nan")),
            "table: kendall_tau is NaN in every trial of nb201 cifar10: nothing to plot",
        ),
    ],
)
def test_the_plots_refuse_a_bad_table_with_one_line(plot, change, said, tmp_path):
    """plot_train_size / plot_time (public) had raised ZeroDivisionError, a bare KeyError or
    pandas' "agg function failed" where plot_study checks: the same checks, naming the
    argument and the column."""
    time = ", total_time_s, fit_time_s, predict_time_s" if plot is plot_time else ""
    table = change(_bad_input_table())
    if said is None:
        assert plot(table, tmp_path / "p.png") == tmp_path / "p.png"
        return
    with pytest.raises(ValueError) as err:
        plot(table, tmp_path / "p.png")
    assert str(err.value).startswith(said.format(name=plot.__name__, time=time))
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("plot", [plot_train_size, plot_time])
def test_the_plots_name_a_metric_they_cannot_draw(plot, tmp_path):
    table = _bad_input_table().assign(encoding="adj")
    have = "they have n_train, seed, kendall_tau, total_time_s, fit_time_s, predict_time_s"
    for metric in ("kendal_tau", "encoding"):  # KeyError; "agg function failed"
        with pytest.raises(ValueError, match=f"^table: metric '{metric}' is not a numeric metric"):
            plot(table, tmp_path / "p.png", metric=metric)
    with pytest.raises(ValueError) as err:
        plot(table, tmp_path / "p.png", metric="encoding")
    assert str(err.value).endswith(have)
    with pytest.raises(
        TypeError, match=r"^metric must be one column's name, got \['kendall_tau'\]"
    ):
        plot(table, tmp_path / "p.png", metric=["kendall_tau"])
    with pytest.raises(TypeError, match="^table must be a pandas DataFrame of trial rows"):
        plot(table.to_dict("records"), tmp_path / "p.png")


def test_the_time_plot_names_a_missing_time_column(tmp_path):
    with pytest.raises(ValueError, match=r"^table: no 'total_time_s' column, which plot_time"):
        plot_time(_bad_input_table().drop(columns="total_time_s"), tmp_path / "p.png")
    # the training-size plot reads no time
    table = _bad_input_table().drop(columns=["total_time_s", "fit_time_s", "predict_time_s"])
    assert plot_train_size(table, tmp_path / "p.png").is_file()
