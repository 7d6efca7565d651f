"""A results folder edited by hand (or written by something else): ``nasperf plot`` and a
resumed study refuse it with one error naming the file and the field, and a refused resume
leaves ``meta.json`` and ``results.sqlite`` as they were."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from nasperf import cli
from nasperf.errors import DataIntegrityError, StudyNote
from nasperf.evaluation.config import ConfigError, expand_trials, parse_config
from nasperf.evaluation.store import ResultsStore, read_meta, read_results
from nasperf.evaluation.study import check_trials

from ._study_helpers import tiny_config

_CONFIG = """\
name: tiny
spaces: [nb201]
datasets: [cifar10]
predictors: [{name: xgb, params: {n_estimators: 5}}]
train_sizes: [10, 20]
seeds: 2
test_size: 30
"""


def _study(config: Path, out: Path) -> list[str]:
    return ["study", "--config", str(config), "--out", str(out), "--no-progress", "--workers", "1"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """(config file, results folder) of a finished tiny study (4 trials), run once."""
    root = tmp_path_factory.mktemp("finished")
    config = root / "tiny.yaml"
    config.write_text(_CONFIG)
    out = root / "study"
    assert cli.main([*_study(config, out), "--no-plots"]) == 0
    return config, out


def _copy(finished: tuple[Path, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(finished[1], folder)
    return folder


def _first_hash(folder: Path) -> str:
    with sqlite3.connect(folder / "results.sqlite") as conn:
        return conn.execute("SELECT hash FROM trials ORDER BY hash").fetchone()[0]


def _edit_rows(folder: Path, change, *, every: bool = False) -> None:
    conn = sqlite3.connect(folder / "results.sqlite")
    stored = conn.execute("SELECT hash, row FROM trials ORDER BY hash").fetchall()
    for h, text in stored if every else stored[:1]:
        row = json.loads(text)
        change(row)
        conn.execute("UPDATE trials SET row = ? WHERE hash = ?", (json.dumps(row), h))
    conn.commit()
    conn.close()


def _edit_meta(folder: Path, change) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    change(meta)
    (folder / "meta.json").write_text(json.dumps(meta))


def _digests(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("meta.json", "results.sqlite")
    }


def _one_error(err: str, prog: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1 and errors[0] == lines[-1], err
    assert errors[0].startswith(f"{prog}: error: "), err
    return errors[0]


_ROW = r"results\.sqlite: trial '{h}': its row's "
_HINT = r"; delete that trial's row \(it runs again\) or choose another results folder$"

#: (name, change to the first row, what the error says after "its row's ")
_BAD_ROWS = [
    ("predictor null", lambda r: r.update(predictor=None), r"predictor is null, not text"),
    ("label null", lambda r: r.update(label=None), r"label is null, not text"),
    ("label 5", lambda r: r.update(label=5), r"label is 5, not text"),
    ("n_train null", lambda r: r.update(n_train=None), r"n_train is null, not a whole number"),
    ("n_train text", lambda r: r.update(n_train="ten"), r"n_train is 'ten', not a whole number"),
    ("n_train < 0", lambda r: r.update(n_train=-5), r"n_train is -5, not a whole number >= 0"),
    (
        "total time < 0",
        lambda r: r.update(total_time_s=-1),
        r"total_time_s is -1, not a finite number >= 0 or NaN",
    ),
    ("tau true", lambda r: r.update(kendall_tau=True), r"kendall_tau is true, not a number in"),
    (
        "tau infinite",
        lambda r: r.update(kendall_tau=math.inf),
        r"kendall_tau is Infinity, not a number in \[-1, 1\] or NaN",
    ),
    ("tau text", lambda r: r.update(kendall_tau="abc"), r"kendall_tau is 'abc', not a number"),
    ("tau > 1", lambda r: r.update(kendall_tau=1.5), r"kendall_tau is 1.5, not a number in"),
    (
        "precision > 1",
        lambda r: r.update({"precision@10": 2.0}),
        r"precision@10 is 2.0, not a number in \[0, 1\]",
    ),
    (
        "seed of another trial",
        lambda r: r.update(seed=1 - r["seed"]),
        r"seed is \d, not its trial's",
    ),
    ("kind unknown", lambda r: r.update(kind="nope"), r"kind is 'nope', not one of"),
]


@pytest.mark.parametrize(
    ("change", "said"), [c[1:] for c in _BAD_ROWS], ids=[c[0] for c in _BAD_ROWS]
)
def test_plot_refuses_a_tampered_row_naming_the_trial_and_field(
    change, said, finished, tmp_path, capsys
):
    folder = _copy(finished, tmp_path)
    _edit_rows(folder, change)
    h = _first_hash(folder)
    assert cli.main(["plot", str(folder)]) == 2
    line = _one_error(capsys.readouterr().err, "nasperf plot")
    assert line.startswith(f"nasperf plot: error: {folder / 'results.sqlite'}: ")
    assert re.search(_ROW.format(h=h) + said, line), line
    assert re.search(_HINT, line), line
    assert not (folder / "plots").exists()  # refused before anything is written
    with pytest.raises(DataIntegrityError, match=said):
        read_results(folder)


def test_plot_refuses_a_row_without_the_fields_a_study_has(finished, tmp_path, capsys):
    folder = _copy(finished, tmp_path)
    _edit_rows(folder, lambda r: r.clear())
    assert cli.main(["plot", str(folder)]) == 2
    line = _one_error(capsys.readouterr().err, "nasperf plot")
    assert (
        f"trial '{_first_hash(folder)}': its row has no 'hash', which a study's rows have" in line
    )
    _edit_rows(folder, lambda r: r.update(hash=_first_hash(folder)))
    with pytest.raises(DataIntegrityError, match=r"its row has no 'space'"):
        read_results(folder, kind="study")
    # without a kind (a reader of any folder) a row of fewer fields is read as it is
    assert len(read_results(folder)) == 4


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda m: m.update(suite="x"), r"suite is 'x', not an object"),
        (lambda m: m.update(suite={"plans": 5}), r"suite\.plans is 5, not a list of objects"),
        (
            lambda m: m.update(suite={"plans": [{"task": "t"}]}),
            r"suite\.plans\[0\] has no 'n_labelled'",
        ),
        (
            lambda m: m.update(suite={"plans": [], "trials": ["ab", 5]}),
            r"suite\.trials is \['ab', 5\], not a list of text",
        ),
        (lambda m: m.update(runs="notalist"), r"runs is 'notalist', not a list of run records"),
        (lambda m: m.update(runs=[1]), r"runs\[0\] is 1, not an object"),
        (lambda m: m["runs"][0].update(seconds="x"), r"runs\[0\]\.seconds is 'x', not a number"),
        (
            lambda m: m["environment"]["versions"].update(nasperf=5),
            r"environment\.versions\.nasperf is 5, not text",
        ),
    ],
    ids=[
        "suite text",
        "plans number",
        "plan field",
        "trials number",
        "runs text",
        "run number",
        "seconds",
        "version",
    ],
)
def test_plot_refuses_a_tampered_meta_json_naming_the_key(change, said, finished, tmp_path, capsys):
    folder = _copy(finished, tmp_path)
    _edit_meta(folder, change)
    assert cli.main(["plot", str(folder)]) == 2
    line = _one_error(capsys.readouterr().err, "nasperf plot")
    assert line.startswith(f"nasperf plot: error: {folder / 'meta.json'}: "), line
    assert re.search(said, line), line
    assert not (folder / "plots").exists()
    with pytest.raises(DataIntegrityError, match=said):
        read_meta(folder)


def test_plot_names_a_metric_without_any_value(finished, tmp_path, capsys):
    # it failed with matplotlib's "Data cannot be log-scaled because all values are <= 0."
    folder = _copy(finished, tmp_path)
    _edit_rows(folder, lambda r: r.update(kendall_tau=math.nan), every=True)
    assert cli.main(["plot", str(folder)]) == 2
    line = _one_error(capsys.readouterr().err, "nasperf plot")
    assert line == (
        f"nasperf plot: error: {folder / 'results.sqlite'}: kendall_tau is NaN in every trial "
        "of nb201 cifar10: val_acc_200ep: nothing to plot; choose other metrics (nasperf plot "
        "--metrics)"
    )
    assert not (folder / "plots").exists()
    # the other metrics still plot
    assert cli.main(["plot", str(folder), "--metrics", "spearman"]) == 0
    assert (folder / "plots" / "spearman_vs_train_size.png").is_file()


def test_a_series_without_values_is_said_in_the_legend(finished, tmp_path, monkeypatch):
    # a series whose every value is NaN beside one that has values: matplotlib's "Data
    # cannot be log-scaled" before; now drawn as nothing and said in the legend
    from matplotlib.figure import Figure

    from nasperf.evaluation.plots import plot_train_size

    saved = []
    savefig = Figure.savefig
    monkeypatch.setattr(
        Figure, "savefig", lambda fig, *a, **k: (saved.append(fig), savefig(fig, *a, **k))
    )
    table = read_results(finished[1])
    other = table.assign(label="rf", kendall_tau=math.nan)
    plot_train_size(pd.concat([table, other]), tmp_path / "p.png")
    (fig,) = saved
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["rf (no kendall_tau value)", "xgb"]
    assert (tmp_path / "p.png").is_file()


def test_plot_of_a_folder_of_another_version_says_so(finished, tmp_path, capsys):
    folder = _copy(finished, tmp_path)
    _edit_meta(folder, lambda m: m["environment"]["versions"].update(nasperf="0.0.1"))
    note = f"{folder / 'meta.json'}: the study was run with nasperf 0.0.1, this is nasperf "
    with pytest.warns(StudyNote, match=re.escape(note) + ".*its rows are plotted as stored"):
        assert cli.main(["plot", str(folder)]) == 0
    assert (folder / "plots" / "kendall_tau_vs_train_size.png").is_file()


_REFUSED_RESUMES = [
    (
        "runs text",
        lambda f: _edit_meta(f, lambda m: m.update(runs="notalist")),
        r"meta\.json: runs is 'notalist', not a list of run records; restore the file",
    ),
    (
        "another version",
        lambda f: _edit_meta(f, lambda m: m["environment"]["versions"].update(nasperf="0.0.1")),
        r"meta\.json: the study in .* was run with nasperf 0\.0\.1, this is nasperf .*; its "
        r"rows may have been computed differently, and resuming it would mix the two in one "
        r"table: finish it with nasperf 0\.0\.1, or give this run its own --out",
    ),
    (
        "tau text",
        lambda f: _edit_rows(f, lambda r: r.update(kendall_tau="abc")),
        r"results\.sqlite: trial '[0-9a-f]{64}': its row's kendall_tau is 'abc', not a number",
    ),
    (
        "seed of another trial",
        lambda f: _edit_rows(f, lambda r: r.update(seed=1 - r["seed"])),
        r"results\.sqlite: trial '[0-9a-f]{64}': its row's seed is \d, not its trial's \d",
    ),
    (
        "no label",
        lambda f: _edit_rows(f, lambda r: r.pop("label")),
        r"results\.sqlite: trial '[0-9a-f]{64}': its row has no 'label', which a study's",
    ),
]


@pytest.mark.parametrize(
    ("damage", "said"), [c[1:] for c in _REFUSED_RESUMES], ids=[c[0] for c in _REFUSED_RESUMES]
)
def test_a_refused_resume_changes_nothing(damage, said, finished, tmp_path, capsys):
    # "runs": "notalist" was an AttributeError, and meta.json was then rewritten with
    # runs = ['n', 'o', 't', ...]; kendall_tau "abc" a TypeError once the trials had run
    config, _ = finished
    folder = _copy(finished, tmp_path)
    with sqlite3.connect(folder / "results.sqlite") as conn:  # one trial left to run
        conn.execute("DELETE FROM trials WHERE hash = (SELECT MAX(hash) FROM trials)")
    conn.close()
    damage(folder)
    before = _digests(folder)
    assert cli.main([*_study(config, folder), "--no-plots"]) == 2
    line = _one_error(capsys.readouterr().err, "nasperf study")
    assert re.search(said, line), line
    assert _digests(folder) == before
    assert not (folder / "plots").exists()


def test_an_untouched_folder_resumes(finished, tmp_path, capsys):
    config, _ = finished
    folder = _copy(finished, tmp_path)
    with sqlite3.connect(folder / "results.sqlite") as conn:
        conn.execute("DELETE FROM trials WHERE hash = (SELECT MAX(hash) FROM trials)")
    conn.close()
    assert cli.main([*_study(config, folder), "--no-plots"]) == 0
    assert len(read_results(folder)) == 4
    assert len(read_meta(folder)["runs"]) == 2


def test_the_store_checks_rows_when_it_opens(tmp_path):
    with ResultsStore(tmp_path) as store:
        store.add({"hash": "h1", "label": "xgb"}, {"hash": "h1", "label": "xgb", "n_train": 10})
        store.add({"hash": "h2"}, {"hash": "h2", "kendall_tau": math.nan, "mae": math.nan})
        store.add({"hash": "h3"}, {"hash": "h3", "my_metric": "anything"})  # not nasperf's
        store.add({"hash": "h4"}, {"hash": "hX"})
    with pytest.raises(DataIntegrityError, match=r"trial 'h4': its row's hash is 'hX', not its"):
        ResultsStore(tmp_path)
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        conn.execute("""UPDATE trials SET row = '{"hash": "h4"}' WHERE hash = 'h4'""")
        conn.execute("""UPDATE trials SET row = '{"label": "rf"}' WHERE hash = 'h1'""")
    conn.close()
    with pytest.raises(DataIntegrityError, match=r"trial 'h1': its row's label is 'rf', not its"):
        ResultsStore(tmp_path)
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        conn.execute("""UPDATE trials SET trial = '{"hash": "h9"}' WHERE hash = 'h1'""")
    conn.close()
    with pytest.raises(DataIntegrityError, match=r"trial 'h1': its trial's hash is 'h9', not the"):
        read_results(tmp_path)


# --------------------------------------------------------------------------- the config
def test_a_zero_cost_table_with_an_architecture_twice_is_one_line(tmp_path, capsys):
    # a TrialError from the table's reader escaped: a 31-line traceback, exit status 1
    from nasperf.datasets import load_zero_cost

    zc = load_zero_cost("nb201", "cifar10").head(3).rename_axis("arch").reset_index()
    for name, table, said in [
        (
            "twice.csv",
            pd.concat([zc, zc.head(1)]),
            rf"twice\.csv line 5: architecture '{re.escape(zc['arch'][0])}' already appears "
            r"at line 2 \(under one spelling or two\)$",
        ),
        (
            "garbage.csv",
            zc.assign(arch=["garbage", *zc["arch"][1:]]),
            rf"nb201: invalid {re.escape(str(tmp_path / 'garbage.csv'))} line 2, column "
            r"'arch' = 'garbage': must start and end with",
        ),
    ]:
        table.to_csv(tmp_path / name, index=False)
        config = tmp_path / "zc.yaml"
        config.write_text(
            _CONFIG.replace(
                "{name: xgb, params: {n_estimators: 5}}", "{name: xgb, zero_cost: true}"
            )
            + f"zero_cost_table: {name}\n"
        )
        out = tmp_path / "out"
        assert cli.main(_study(config, out)) == 2
        err = capsys.readouterr().err
        line = _one_error(err, "nasperf study")
        assert len(err.strip().splitlines()) == 1, err  # not even the header
        assert line.startswith("nasperf study: error: invalid study config: zero_cost_table: ")
        assert re.search(said, line), line
        assert not out.exists()


def test_ks_deeper_than_the_data_are_refused_naming_the_key(tmp_path, capsys):
    # precision@100000000000 was a column of every row
    with pytest.raises(ConfigError, match=r"^metrics\.ks: 100,000,000,000 is deeper than the "
                       r"15,625 architectures with a finite 'val_acc_200ep' in cifar10 \(a test "
                       r"set holds at most that many\); give ks of at most 15,625$"):  # fmt: skip
        check_trials(expand_trials(parse_config(tiny_config(metrics={"ks": [10, 10**11]}))))
    with pytest.raises(ConfigError, match=r"^metrics\.ks: 15,626 is deeper"):
        check_trials(expand_trials(parse_config(tiny_config(metrics={"ks": [15_626]}))))
    check_trials(expand_trials(parse_config(tiny_config(metrics={"ks": [15_625]}))))
    config = tmp_path / "ks.yaml"
    config.write_text(_CONFIG + "metrics: {ks: [100000000000]}\n")
    assert cli.main(_study(config, tmp_path / "out")) == 2
    line = _one_error(capsys.readouterr().err, "nasperf study")
    assert line.startswith(
        "nasperf study: error: invalid study config: metrics.ks: 100,000,000,000"
    )
    assert not (tmp_path / "out").exists()


def test_the_default_ks_run_on_a_small_table(tmp_path):
    import nasperf

    table = nasperf.load_benchmark("nb201", "cifar10").sample(40, random_state=0)
    path = tmp_path / "mine.csv"
    pd.DataFrame({"arch": list(table.index), "acc": table["val_acc_200ep"].to_numpy()}).to_csv(
        path, index=False
    )
    raw = {
        "name": "small",
        "data": {"path": str(path), "space": "nb201", "target": "acc"},
        "predictors": ["xgb"],
        "train_sizes": [10],
        "seeds": 1,
        "test_size": 20,
    }
    check_trials(expand_trials(parse_config(raw)))  # ks 10, 20, 50 on 40 architectures
    with pytest.raises(ConfigError, match=r"metrics\.ks: 51 is deeper than the 40 .*at most 50$"):
        check_trials(expand_trials(parse_config({**raw, "metrics": {"ks": [51]}})))
