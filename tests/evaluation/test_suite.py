"""Suite studies: tasks from the benchmark registry, proxy trials, per-task sizes, skips, the
report (tasks x proxies matrix, mean ranks, summary.md), resume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau, spearmanr

from nasperf.datasets import available_benchmarks, get_benchmark, load_benchmark, load_zero_cost
from nasperf.evaluation.config import ConfigError, expand_trials, load_config, parse_config
from nasperf.evaluation.report import mean_ranks, proxy_matrix, proxy_ranks, write_report
from nasperf.evaluation.study import run_study
from nasperf.evaluation.suite import expand_suite, parse_proxies, parse_tasks

THREE = ["nb101/cifar10", "tnb101_micro/class_scene", "nb201/cifar10"]


def suite_config(**over) -> dict:
    raw = {
        "name": "suite-test",
        "tasks": THREE,
        "proxies": "stored",
        "predictors": [
            {"name": "xgb", "params": {"n_estimators": 20}},
            "omni",
            {"name": "xgb", "label": "xgb_zc", "params": {"n_estimators": 20}, "zero_cost": True},
        ],
        "train_sizes": [10, 20, 50, 500],
        "seeds": 2,
        "test_size": 100,
    }
    raw.update(over)
    return raw


def test_tasks_all_is_the_registry_and_names_resolve():
    every = parse_tasks("all")
    # available_tasks() lists the same (tested in tests/datasets/test_nbsuite_zero.py)
    assert [t["task"] for t in every] == [
        f"{b}/{d}" for b in available_benchmarks() for d in get_benchmark(b).datasets
    ]
    tnb = parse_tasks(["transbench101_micro"])  # an alias, all its datasets
    assert [t["dataset"] for t in tnb][:2] == ["class_scene", "class_object"] and len(tnb) == 7
    assert parse_tasks(["NB201/imagenet", {"benchmark": "nb101", "dataset": "CIFAR10"}]) == (
        {"task": "nb201/ImageNet16-120", "benchmark": "nb201", "dataset": "ImageNet16-120"},
        {"task": "nb101/cifar10", "benchmark": "nb101", "dataset": "cifar10"},
    )
    left = parse_tasks("all", ["tnb101_macro", "nb201/cifar100"])
    assert len(left) == len(every) - 8 and "nb201/cifar100" not in {t["task"] for t in left}


@pytest.mark.parametrize(
    ("over", "pattern"),
    [
        ({"tasks": ["nb999/cifar10"]}, r"tasks\[0\]: unknown benchmark 'nb999'"),
        ({"tasks": ["nb201/svhn"]}, r"tasks\[0\]: unknown dataset 'svhn'.*cifar100"),
        ({"tasks": ["nb101"], "exclude_tasks": ["nb101"]}, r"no task left"),
        ({"spaces": ["nb201"]}, r"either tasks .* or \['spaces'\]"),
        ({"proxies": {"stored": "all", "computd": "all"}}, r"unknown key\(s\) \['computd'\]"),
        ({"proxies": {"computed": ["synflw"]}}, r"proxies.computed: .*'synflw'.*synflow"),
        ({"proxies": {"computed_archs": 1}}, r"computed_archs: expected an integer in \[2"),
        ({"proxies": {"stored": "none"}}, r"neither stored nor computed"),
        ({"zero_cost_table": __file__}, r"a suite reads each task's packaged table"),
        ({"quick": {"seedz": 1}}, r"quick: unknown key\(s\) \['seedz'\]"),
    ],
)
def test_bad_suite_configs_name_the_key(over, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_config(suite_config(**over))


def test_proxies_without_tasks_are_refused():
    raw = {"spaces": ["nb201"], "predictors": ["xgb"], "proxies": "stored"}
    with pytest.raises(ConfigError, match=r"proxies: proxy trials belong to a suite"):
        parse_config(raw)
    assert parse_proxies({"computed": ["jacob_cov", "nwot"]})["computed"] == ["jacov", "nwot"]


def test_expansion_fits_sizes_to_each_task_and_skips_what_a_task_lacks():
    config = parse_config(suite_config())
    exp = expand_suite(config)
    plans = {p.task: p for p in exp.plans}
    # NB101's 50 rows are 41 networks (isomorphic specs), which a split keeps on one side:
    # half of 41 for testing, training sizes up to the 21 left; 711 and 15,625: 100 / all
    assert (plans["nb101/cifar10"].test_size, plans["nb101/cifar10"].train_sizes) == (20, (10, 20))
    assert plans["nb101/cifar10"].n_labelled == 50  # the proxies' trials score every row
    assert plans["tnb101_micro/class_scene"].train_sizes == (10, 20, 50, 500)
    assert plans["nb201/cifar10"].budgets == ("12ep",)
    # omni uses curves and / or proxies when given: every task here has a zero-cost table
    assert exp.skipped == []
    omni = {(t["task"], t["budget"]) for t in exp.trials if t["label"] == "omni"}
    assert omni == {("nb101/cifar10", None), ("tnb101_micro/class_scene", None)} | {
        ("nb201/cifar10", "12ep")
    }
    proxies = [t for t in exp.trials if t["kind"] == "proxy"]
    # every stored proxy once per task, on all labelled architectures, read from the table
    nb201_proxies = len(load_zero_cost("nb201", "cifar10").columns)  # 4 data-free (+ 5 images)
    assert [len([t for t in proxies if t["task"] == task]) for task in THREE] == [
        11,
        10,
        nb201_proxies,
    ]
    assert {t["test_size"] for t in proxies if t["task"] == "nb201/cifar10"} == {15_625}
    assert all(t["pass_zero_cost"] and t["n_train"] == 0 and t["seed"] == 0 for t in proxies)
    preds = [t for t in exp.trials if t["kind"] == "predictor"]
    # xgb, xgb_zc and omni: 2 + 4 + 4 sizes x 2 seeds
    assert len(preds) == 3 * (2 + 4 + 4) * 2
    with pytest.raises(ConfigError, match="expand_suite"):
        expand_trials(config)
    assert len({t["hash"] for t in exp.trials}) == len(exp.trials)
    # computed proxies only where networks and the inputs they read exist: zico reads images
    # (none of Taskonomy's are packaged), zen is data-free (a placeholder batch); neither is
    # in a task's table (a stored proxy is read, never recomputed)
    for computed, tasks in (
        (["zico"], {("nb101/cifar10", 50), ("nb201/cifar10", 200)}),
        (
            ["zen"],
            {("nb101/cifar10", 50), ("nb201/cifar10", 200), ("tnb101_micro/class_scene", 200)},
        ),
    ):
        comp = expand_suite(
            parse_config(suite_config(proxies={"stored": [], "computed": computed}))
        )
        got = {
            (t["task"], t["test_size"]) for t in comp.trials if t.get("proxy_source") == "computed"
        }
        assert got == tasks, computed


def test_a_fewshot_split_over_the_bound_is_refused_when_the_suite_is_planned():
    # as a study's (tests/predictors/weight_sharing): from the space's decisions, not at fit
    fewshot = {"name": "fewshot", "params": {"split": [0, 1, 2]}}
    raw = suite_config(tasks=["nb201/cifar10"], proxies=None, predictors=["xgb", fewshot])
    with pytest.raises(ConfigError) as err:
        expand_suite(parse_config(raw))
    assert str(err.value).startswith(
        "predictors[1].params: 'fewshot': split=[0, 1, 2] divides the nb201 supernet into 125 "
        "regions, more than the 64 of FewShot.MAX_REGIONS"
    )
    fewshot["params"]["split"] = [0, 1]  # 25 regions
    trials = expand_suite(parse_config(raw)).trials
    assert [t["params"] for t in trials if t["predictor"] == "fewshot"] == [
        {"split": [0, 1]}
    ] * 2  # training-free: one trial per seed


@pytest.mark.slow  # builds the NB301 surrogate's 3,000-architecture table (~25 s on one core)
def test_hybrids_skip_a_task_whose_zero_cost_table_is_partial():
    # the 50-genotype NB301 table scores 50 of the surrogate's 3,000: omni and xgb_zc skip it
    sur = expand_suite(parse_config(suite_config(tasks=["nb301_surrogate"], proxies=None)))
    assert {s["label"]: s["reason"] for s in sur.skipped} == {
        "omni": "the packaged zero-cost table scores only part of the task",
        "xgb_zc": "needs zero-cost scores; no packaged table covers the task",
    }


def test_quick_section_replaces_the_files_keys(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "tasks: [nb101]\nproxies: stored\npredictors: [xgb, rf]\nseeds: 3\n"
        "quick: {name: s-quick, predictors: [xgb], train_sizes: [10], seeds: 1}\n"
    )
    full, quick = load_config(path), load_config(path, quick=True)
    assert (full.name, len(full.predictors), full.seeds) == ("s", 2, (0, 1, 2))
    assert (quick.name, [p["label"] for p in quick.predictors]) == ("s-quick", ["xgb"])
    assert (quick.train_sizes, quick.seeds, quick.tasks) == ((10,), (0,), full.tasks)


def _naslib_order(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    # nan_policy "worst": a NaN score ranks below every finite one
    s = np.where(np.isnan(s), np.nanmin(s) - 1.0, s)
    return spearmanr(y, s)[0], kendalltau(y, s)[0]


def test_suite_runs_resumes_and_reports(tmp_path):
    config = parse_config(
        suite_config(
            tasks=THREE[:2],
            predictors=[{"name": "xgb", "params": {"n_estimators": 20}}],
            train_sizes=[10, 20],
            seeds=1,
        )
    )
    out = tmp_path / "suite"
    first = run_study(config, out)
    assert first.errors == [] and first.n_run == first.n_trials == 11 + 10 + 2 * 2
    again = run_study(config, out)
    assert again.n_run == 0 and again.n_skipped == first.n_trials
    table = first.table
    # stored proxies: the correlation of the packaged column with the target, all rows
    for task, bench, ds, target in (
        ("nb101/cifar10", "nb101", "cifar10", "val_accuracy"),
        ("tnb101_micro/class_scene", "tnb101_micro", "class_scene", "val_metric"),
    ):
        y = load_benchmark(bench, ds)[target]
        zc = load_zero_cost(bench, ds).reindex(y.index)
        rows = table[(table["task"] == task) & (table["kind"] == "proxy")].set_index("label")
        assert set(rows.index) == set(zc.columns)
        for proxy in zc.columns:
            rho, tau = _naslib_order(y.to_numpy(float), zc[proxy].to_numpy(float))
            # same numbers computed two ways (scipy here, the study's metrics there)
            assert rows.at[proxy, "spearman"] == pytest.approx(rho, abs=1e-9), proxy
            assert rows.at[proxy, "kendall_tau"] == pytest.approx(tau, abs=1e-9), proxy
    m = proxy_matrix(table, tasks=THREE[:2])
    assert list(m.index) == THREE[:2] and m.shape == (2, 12)
    assert np.isnan(m.at["nb101/cifar10", "nwot"]) and np.isnan(m.at[THREE[1], "synflow"])
    paths = write_report(out)
    names = {p.name for p in paths}
    assert {"suite_proxies_heatmap.png", "suite_predictor_ranks.png", "summary.md"} <= names
    text = (out / "summary.md").read_text()
    assert "| tnb101_micro/class_scene | 711 | 100 | 10, 20 | 10 | no | none |" in text
    jacov = m.at[THREE[1], "jacov"]
    assert f"{jacov:.2f}" in text and "## (c) Mean rank across tasks" in text


def test_mean_ranks_by_hand():
    rows = []
    # task A: p beats q at n=10, q beats p at n=20; proxy z scores between them
    for task, n, p, q in (("A", 10, 0.5, 0.3), ("A", 20, 0.5, 0.7), ("B", 10, 0.2, 0.1)):
        for label, tau in (("p", p), ("q", q)):
            for seed, noise in ((0, -0.01), (1, 0.01)):
                rows.append(
                    {
                        "task": task,
                        "label": label,
                        "n_train": n,
                        "seed": seed,
                        "kendall_tau": tau + noise,
                        "budget": None,
                        "kind": "predictor",
                    }
                )
    for task, tau in (("A", 0.4), ("B", np.nan)):
        rows.append(
            {
                "task": task,
                "label": "z",
                "n_train": 0,
                "seed": 0,
                "kendall_tau": tau,
                "budget": None,
                "kind": "proxy",
            }
        )
    table = pd.DataFrame(rows)
    only = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])["mean_rank"]
    assert only[("p", 10)] == 1.0 and only[("q", 10)] == 2.0  # A and B
    assert only[("p", 20)] == 2.0 and only[("q", 20)] == 1.0
    assert only[("p", "all")] == pytest.approx(4 / 3) and only[("q", "all")] == pytest.approx(5 / 3)
    both = mean_ranks(table).set_index(["method", "n_train"])
    # A, n=10: p 0.5 > z 0.4 > q 0.3; B: z is NaN, ranked last
    assert both.at[("z", 10), "mean_rank"] == pytest.approx((2 + 3) / 2)
    # A, n=20: q 0.7 > p 0.5 > z 0.4
    assert both.at[("z", 20), "mean_rank"] == 3.0 and both.at[("z", "all"), "tasks"] == 2
    m = proxy_matrix(table, "kendall_tau")
    assert proxy_ranks(m).to_dict("records") == [
        {
            "proxy": "z",
            "mean_rank": 1.0,
            "tasks": 1,
            "proxies": 1.0,
            "crashed": 0,
            "mean": pytest.approx(0.4),
        }
    ]


def _two_task_table() -> pd.DataFrame:
    """Two tasks, a good and a bad predictor by every metric (the user's probe)."""
    return pd.DataFrame(
        [
            {
                "task": t,
                "kind": "predictor",
                "label": label,
                "n_train": 20,
                "seed": 0,
                "budget": None,
                "kendall_tau": tau,
                "mae": err,
                "best_true_rank@10": best,
                "precision@10": prec,
                "sparse_kendall_tau_0.1": tau,
            }
            for t in "AB"
            for label, tau, err, best, prec in (
                ("good", 0.9, 1.0, 1.0, 0.8),
                ("bad", 0.1, 9.0, 7.0, 0.1),
            )
        ]
    )


@pytest.mark.parametrize(
    "metric", ["precision@10", "sparse_kendall_tau_0.1", "mae", "best_true_rank@10", "kendall_tau"]
)
def test_mean_ranks_any_metric_name_and_direction(metric):
    # names with @ or . raised AttributeError (itertuples renames them); mae and
    # best_true_rank@k ranked the worst predictor first
    from nasperf.evaluation.report import _rank_pivot

    ranks = mean_ranks(_two_task_table(), metric, with_proxies=False)
    got = ranks.set_index(["method", "n_train"])["mean_rank"]
    assert got[("good", 20)] == 1.0 and got[("bad", 20)] == 2.0
    assert got[("good", "all")] == 1.0 and f"mean_{metric}" in ranks.columns
    assert list(_rank_pivot(ranks).index) == ["good", "bad"]


def test_mean_ranks_lower_is_better_puts_missing_scores_last():
    table = _two_task_table()
    table.loc[(table["task"] == "A") & (table["label"] == "good"), "mae"] = np.nan
    got = mean_ranks(table, "mae").set_index(["method", "n_train"])["mean_rank"]
    assert got[("good", 20)] == pytest.approx((2 + 1) / 2)  # A: NaN last; B: best
    assert got[("bad", 20)] == pytest.approx((1 + 2) / 2)
    with pytest.raises(ValueError, match=r"^metric 'maee' is not a column of the table"):
        mean_ranks(table, "maee")
    proxies = pd.DataFrame({"x": [1.0, 3.0], "y": [2.0, 1.0]}, index=["A", "B"])
    assert proxy_ranks(proxies, "mae")["mean_rank"].tolist() == [1.5, 1.5]
    assert proxy_ranks(proxies.assign(y=[0.5, 1.0]), "mae")["proxy"].tolist() == ["y", "x"]
    assert proxy_ranks(proxies.assign(y=[0.5, 1.0]), "spearman")["proxy"].tolist() == ["x", "y"]


def test_rank_plot_gives_every_series_its_own_colour_and_marker(tmp_path, monkeypatch):
    # with 11 predictors the 1st and the 11th shared colour and marker
    from matplotlib.figure import Figure

    from nasperf.evaluation.report import plot_ranks

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    rows = []
    for task in "AB":
        for n in (10, 20):
            for i in range(11):
                rows.append(
                    {"task": task, "kind": "predictor", "label": f"p{i:02d}", "n_train": n,
                     "seed": 0, "budget": None, "kendall_tau": i / 20}
                )  # fmt: skip
            for i in range(3):
                rows.append(
                    {"task": task, "kind": "proxy", "label": f"z{i}", "n_train": 0,
                     "seed": 0, "budget": None, "kendall_tau": 0.1 + i / 10}
                )  # fmt: skip
    table = pd.DataFrame(rows)
    plot_ranks(mean_ranks(table, with_proxies=False), mean_ranks(table), tmp_path / "r.png")
    (fig,) = figures
    left, right = fig.axes[:2]

    def styles(ax):
        return {
            line.get_label(): (line.get_color(), line.get_marker(), line.get_fillstyle())
            for line in ax.get_lines()
        }

    a, b = styles(left), styles(right)
    assert len(a) == 11 and len(b) == 11 + 3
    assert len(set(a.values())) == 11 and len(set(b.values())) == 14
    assert all(b[m] == s for m, s in a.items())  # one look per method in both panels
    # deterministic by label order: p00 and p10 differ by marker, same first colour
    assert a["p00"][0] == a["p10"][0] and a["p00"][1] != a["p10"][1]


def _fake_suite_folder(folder):
    from nasperf.evaluation.store import ResultsStore

    with ResultsStore(folder) as store:
        for i, (task, kind, label, n, tau) in enumerate(
            [
                ("nb201/cifar10", "proxy", "synflow", 0, 0.6),
                ("nb201/cifar10", "predictor", "xgb", 10, 0.5),
                ("nb201/cifar10", "predictor", "xgb", 20, 0.7),
                ("nb201/cifar10", "predictor", "gin", 10, 0.4),
                ("nb201/cifar10", "predictor", "gin", 20, 0.8),
            ]
        ):
            row = {
                "hash": f"h{i}", "task": task, "kind": kind, "label": label, "n_train": n,
                "seed": 0, "budget": None, "kendall_tau": tau, "spearman": tau,
                "space": "nb201", "benchmark": "nb201", "dataset": "cifar10",
            }  # fmt: skip
            store.add({"hash": f"h{i}"}, row)
        store.update_meta(lambda meta: {**meta, "suite": {"plans": []}})


def test_plot_out_elsewhere_writes_nothing_in_the_results_folder(tmp_path):
    # `nasperf plot DIR --out OTHER` rewrote DIR/summary.md without its image links
    from nasperf.evaluation.plots import plot_study

    folder, other = tmp_path / "suite", tmp_path / "other"
    _fake_suite_folder(folder)
    before = sorted(p.name for p in folder.iterdir())
    paths = plot_study(folder, out=other)
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing new in DIR
    assert all(p.parent == other for p in paths)
    text = (other / "summary.md").read_text()
    for name in ("suite_proxies_heatmap.png", "suite_predictor_ranks.png"):
        assert f"]({name})" in text and (other / name).is_file()  # links resolve beside it
    # the default layout: DIR/summary.md linking DIR/plots/<image>
    paths = plot_study(folder)
    text = (folder / "summary.md").read_text()
    assert "](plots/suite_predictor_ranks.png)" in text
    assert (folder / "plots" / "suite_predictor_ranks.png").is_file()
    assert paths[2] == folder / "summary.md"


def _flaky_table() -> pd.DataFrame:
    """xgb and a copy of it that failed its seed-1 trial (whose xgb score is the lowest)."""
    taus = {0: 0.35, 1: 0.20, 2: 0.27}
    rows = [
        {"task": "nb201/cifar10", "kind": "predictor", "label": label, "n_train": 20,
         "seed": seed, "budget": None, "kendall_tau": tau}
        for label in ("xgb", "flaky")
        for seed, tau in taus.items()
        if not (label == "flaky" and seed == 1)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_a_failed_seed_is_marked_and_ranks_are_over_the_seeds_all_predictors_have():
    # a probe: flaky (xgb failing one seed) had read 0.309 against xgb's 0.302 and ranked
    # first, with nothing in summary.md naming the failed trial but its hash
    from nasperf.evaluation.report import summary_markdown

    table = _flaky_table()
    ranks = mean_ranks(table, with_proxies=False).set_index(["method", "n_train"])
    assert ranks.loc[("xgb", 20), "mean_rank"] == ranks.loc[("flaky", 20), "mean_rank"] == 1.5
    assert ranks.loc[("flaky", 20), "mean_kendall_tau"] == pytest.approx(0.31)
    error = {
        "hash": "ab" * 32,
        "error": "RuntimeError: seed 1 broke\nTraceback ...",
        "trial": {"label": "flaky", "task": "nb201/cifar10", "n_train": 20, "seed": 1},
    }
    text = summary_markdown(table, suite={}, meta={}, errors=[error], plots=[])
    assert "| flaky | 0.310 † (1) |" in text and "| xgb | 0.273 (1) |" in text
    assert "† over fewer seeds than the others" in text
    assert "| nb201/cifar10 | 0.31 † | 0.27 |" in text  # per task, at n = 20
    assert (
        "* `flaky` on nb201/cifar10, n = 20, seed 1 (`abababababab`): RuntimeError: seed 1 broke"
        in text
    )
    # no mark where every predictor has every seed
    full = summary_markdown(table[table["seed"] != 1], suite={}, meta={}, errors=[], plots=[])
    assert "†" not in full


def test_the_summary_says_how_many_scores_of_a_proxy_were_nan():
    from nasperf.evaluation.report import summary_markdown

    table = pd.DataFrame(
        [
            {"task": "nb201/cifar10", "kind": "proxy", "label": p, "n_train": 0, "seed": 0,
             "budget": None, "spearman": rho, "kendall_tau": rho / 2, "n": 15625,
             "n_nan_predictions": nan}
            for p, rho, nan in (("jacov", 0.76, 341), ("synflow", 0.74, 0))
        ]
    )  # fmt: skip
    text = summary_markdown(table, suite={}, meta={}, errors=[], plots=[])
    assert "(by default 'worst': ranked last): jacov 341 of 15,625 on nb201/cifar10." in text
    assert "synflow 0" not in text


def test_summary_markdown_tables_and_command_survive_odd_labels_and_paths():
    """A probe's strict reader: a label holding ``|`` split its Markdown rows into more
    cells than the header's, and the quoted command (always ``python run_study.py``) was
    not shell-quoted (a path with a space or a backtick did not paste back)."""
    import shlex

    from nasperf.evaluation.report import summary_markdown

    rows = [
        {"task": t, "label": lab, "n_train": 10, "seed": s, "kendall_tau": tau + s / 100}
        for t in ("A", "B")
        for lab, tau in (("x|g", 0.5), ("q", 0.3))
        for s in (0, 1)
    ]
    table = pd.DataFrame(rows).assign(budget=None, kind="predictor")
    argv = ["--config", "my suite.yaml", "--out", "/tmp/su `3` x"]
    meta = {"study": "s", "n_trials": 8, "runs": [{"argv": argv, "prog": "nasperf study"}]}
    text = summary_markdown(table, meta=meta)
    header = None  # each table's first line; every row has as many cells
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = line.replace("\\|", "").count("|")
        header = cells if header is None else header
        assert cells == header, line
    assert "x\\|g" in text
    command = text.split("```bash\n")[1].split("\n```")[0]
    assert shlex.split(command) == ["nasperf", "study", *argv]
    old = summary_markdown(table, meta={**meta, "runs": [{"argv": ["--quick"]}]})
    assert "```bash\npython run_study.py --quick\n```" in old  # a run recorded before prog


def test_a_label_with_a_line_break_is_refused():
    with pytest.raises(ConfigError, match=r"predictors\[0\]\.label: use printable characters"):
        parse_config({"predictors": [{"name": "xgb", "label": "two\nlines"}]})


def test_the_run_and_nasperf_plot_write_one_summary_of_the_latest_config(tmp_path, capsys):
    """A probe: `nasperf plot` rewrote a suite's summary.md with the NaN-scores line in
    another task order than the run's; the Tasks table's "stored proxies" counted the
    task's table's proxies (11), not the two proxies.stored asked for; and after a --quick
    run into the folder, the run's summary and plot's disagreed on what they described."""
    from nasperf import cli
    from nasperf.errors import StudyNote

    (tmp_path / "s.yaml").write_text(
        "tasks: [nb201/cifar10, tnb101_micro/class_scene]\nproxies: {stored: [flops, jacov]}\n"
        "predictors: [{name: xgb, params: {n_estimators: 20}}]\ntrain_sizes: [10]\nseeds: 1\n"
        "test_size: 20\nquick: {tasks: [nb201/cifar10], proxies: {stored: [jacov]}}\n"
    )
    out = tmp_path / "o"
    args = ["study", "--config", str(tmp_path / "s.yaml"), "--out", str(out), "--no-progress"]
    args += ["--workers", "1"]
    assert cli.main(args) == 0
    ran = (out / "summary.md").read_text()
    assert cli.main(["plot", str(out)]) == 0
    assert (out / "summary.md").read_text() == ran
    assert "| nb201/cifar10 | 15625 | 20 | 10 | 2 | no | 12ep |" in ran
    assert "| tnb101_micro/class_scene | 711 | 20 | 10 | 2 | no | none |" in ran
    assert (
        "ranked last): jacov 341 of 15,625 on nb201/cifar10; jacov 20 of 711 on "
        "tnb101_micro/class_scene.\n" in ran
    )
    assert "6 of 6 trials finished (4 proxy, 2 predictor)" in ran
    assert "other configs" not in ran
    # --quick into the same folder: its summary describes its 2 trials (both finished by
    # the first run) and says what else the folder holds; `nasperf plot` writes the same
    with pytest.warns(StudyNote, match="also holds 4 finished trial"):
        assert cli.main([*args, "--quick"]) == 0
    quick = (out / "summary.md").read_text()
    assert "2 of 2 trials finished (1 proxy, 1 predictor)" in quick
    assert "| nb201/cifar10 | 15625 | 20 | 10 | 1 | no | 12ep |" in quick
    assert "tnb101" not in quick.split("## Tasks")[1]
    assert (
        "This summary describes the latest run's config; the folder also holds 4 finished "
        "trial(s) of other configs (meta.json's configs), which read_results and `nasperf "
        "plot`'s per-task plots read too.\n" in quick
    )
    assert cli.main(["plot", str(out)]) == 0
    assert (out / "summary.md").read_text() == quick
