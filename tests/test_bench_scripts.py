"""The bench scripts measure the checkout they are in.

A side-by-side timing of two checkouts (``git worktree add OLD <commit>``, then each tree's
``bench/...py``) must import each tree's ``nasperf``: with an editable install, a plain
``import nasperf`` in a script under ``bench/`` finds the installed tree instead, and the
"before" column would time the current code twice.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _imports_nasperf(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(a.name.split(".")[0] == "nasperf" for a in stmt.names)
    return isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] == "nasperf"


def _puts_the_checkout_first(stmt: ast.stmt, roots: set[str]) -> bool:
    """``sys.path.insert(0, <this checkout's root>)``, possibly under an ``if``: the root is
    ``Path(__file__).resolve().parents[1]``, written out or a name bound to it (``roots``)."""
    for node in ast.walk(stmt):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "sys.path.insert"
            and ast.unparse(node.args[0]) == "0"
        ):
            where = ast.unparse(node.args[1])
            if "__file__" in where and "parents[1]" in where:
                return True
            if any(n.id in roots for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)):
                return True
    return False


def _roots(body: list[ast.stmt]) -> set[str]:
    """Names bound to ``Path(__file__).resolve().parents[1]`` at module level."""
    out = set()
    for stmt in body:
        if isinstance(stmt, ast.Assign) and "parents[1]" in ast.unparse(stmt.value):
            out |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return out


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_a_bench_script_imports_the_nasperf_beside_it(script: Path) -> None:
    body = ast.parse(script.read_text(encoding="utf-8")).body
    first = next((i for i, s in enumerate(body) if _imports_nasperf(s)), None)
    if first is None:  # imports nasperf only inside functions or child processes
        return
    roots = _roots(body[:first])
    assert any(_puts_the_checkout_first(s, roots) for s in body[:first]), (
        f"{script.name} imports nasperf at module level before putting its checkout first on "
        "sys.path"
    )


def _import_bench(name: str):
    """``bench/<name>.py`` as a module (cached in ``sys.modules``: it registers spaces)."""
    import importlib.util
    import sys

    key = f"bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # its dataclasses look it up
        spec.loader.exec_module(module)
    return sys.modules[key]


@pytest.fixture
def any_space(monkeypatch):
    """``bench/any_space.py`` as a module (a fresh copy: ``--user-space`` adds cases)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_any_space", BENCH / "any_space.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_any_space_refuses_search_params_for_an_unknown_method(capsys, any_space) -> None:
    module = any_space
    with pytest.raises(SystemExit):
        module.main(["--sections", "", "--search-params", '{"pls": {"n_parents": 1}}'])
    assert "unknown method(s) ['pls']" in capsys.readouterr().err


# --------------------------------------------------------------------------- --user-space
def _chain8_files(folder: Path, table: pd.DataFrame | None = None, **spec) -> Path:
    """A user space file for the chain8 space of ``tests.search.user_spaces`` (labels:
    ``table``, default its synthetic table, written as a user's CSV)."""
    import json

    from tests.search.user_spaces import chain8_table

    (chain8_table() if table is None else table).to_csv(folder / "chain.csv")
    body = {
        "name": "my_chain",
        "imports": ["tests.search.user_spaces"],
        "space": "user_chain8",
        "data": "chain.csv",
        "target": "val_acc",
        **spec,
    }
    path = folder / "chain.yaml"
    path.write_text(json.dumps(body), encoding="utf-8")  # JSON is YAML
    return path


def test_any_space_measures_a_user_space_from_a_file(tmp_path, any_space, capsys) -> None:
    """The predictor section on a space given by ``--user-space``: the tau printed is the one
    of the same predictor fitted directly on the same split."""
    import re

    from scipy.stats import kendalltau

    import nasperf
    from nasperf.evaluation import make_split
    from tests.search.user_spaces import chain8_table

    path = _chain8_files(tmp_path)
    argv = ["--user-space", str(path), "--cases", "my_chain", "--sections", "predictors"]
    argv += ["--predictors", "xgb", "--sizes", "40", "--seeds", "1", "--test-size", "60"]
    assert any_space.main(argv) == 0
    out = capsys.readouterr().out
    printed = float(re.search(r"\| xgb \| ([0-9.-]+) ", out).group(1))

    table = chain8_table()
    split = make_split(list(table.index), 40, test_size=60, seed=0)
    pred = nasperf.predictors.get("xgb", space="user_chain8", random_state=0)
    pred.fit(list(split.train), table.loc[list(split.train), "val_acc"].to_numpy())
    tau = kendalltau(pred.predict(list(split.test)), table.loc[list(split.test), "val_acc"])[0]
    assert printed == pytest.approx(tau, abs=5e-4)  # printed to 3 decimals
    # and the search section gets the same space, table and target
    case = any_space.SEARCH_CASES["my_chain"]
    trials = any_space._search_trials(case, tmp_path, 1, True, ["random_search"])
    assert [(t["space"], t["target"], t["optimizer"]) for t in trials] == [
        ("user_chain8", "val_acc", "random_search")
    ]
    searched = pd.read_csv(trials[0]["data"], index_col="arch")
    pd.testing.assert_frame_equal(searched, table, check_exact=False, rtol=1e-12)


def test_any_space_one_predictor_failing_is_a_failed_cell(
    tmp_path, any_space, capsys, monkeypatch
) -> None:
    """A predictor that cannot run on a space (a user's DARTS with the path encoding forced:
    a 76,695,844-wide vocabulary) is a failed cell named below the table; the predictors
    after it are still measured (the run had ended in a traceback)."""
    path = _chain8_files(tmp_path)
    make = any_space._make

    def refuse_path(label, case, seed):
        if label == "bananas (path)":
            raise ValueError("my_chain: the path encoding would have 76,695,844 features")
        return make(label, case, seed)

    monkeypatch.setattr(any_space, "_make", refuse_path)
    argv = ["--user-space", str(path), "--cases", "my_chain", "--sections", "predictors"]
    argv += ["--predictors", "bananas (path),xgb", "--sizes", "40", "--seeds", "1"]
    argv += ["--test-size", "60"]
    assert any_space.main(argv) == 0
    out = capsys.readouterr().out
    assert "| bananas (path) | failed |" in out
    assert re.search(r"\| xgb \| 0\.[0-9]{3} \(", out)
    assert (
        "Failed: bananas (path) on my_chain: ValueError: my_chain: the path encoding would "
        "have 76,695,844 features"
    ) in out


def test_any_space_quick_search_includes_the_user_spaces(any_space) -> None:
    """``--quick`` searches its two quick cases and every ``--user-space`` (it had skipped
    the user's own space)."""
    import argparse

    any_space.USER_CASES.append("tnb101_macro_object")
    args = argparse.Namespace(quick=True, search_cases=None)
    names = [c.name for c in any_space._search_cases(args)]
    assert names == [*any_space.QUICK_CASES, "tnb101_macro_object"]


def test_any_space_optimum_rank_tells_a_learnable_optimum_from_a_lucky_one(any_space) -> None:
    """The optimum section's measure, on the 729 chains of chain8 that start with two 3x3
    convolutions (a partial table): its labels, an NK landscape, are learnt (out-of-fold
    Kendall tau ~0.9) and the out-of-fold prediction puts the optimum near the top (2nd on
    this machine); the best value planted on the median chain, which nothing else in the
    table predicts, ranks where that chain's own prediction does (348th here)."""
    from nasperf.search.objective import TableObjective
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    table = table[table.index.str.startswith("conv3x3-conv3x3-")]
    learnt = any_space.optimum_rank(TableObjective(table, "user_chain8", "val_acc"), repeats=1)
    assert learnt["networks"] == 3**6 and learnt["tau"] > 0.8
    assert learnt["ranks"][0] <= 5  # near ties may reorder on another CPU
    planted = table.copy()
    median_chain = planted["val_acc"].sort_values().index[len(planted) // 2]
    planted.loc[median_chain, "val_acc"] = planted["val_acc"].max() + 5.0
    lucky = any_space.optimum_rank(TableObjective(planted, "user_chain8", "val_acc"), repeats=1)
    assert lucky["ranks"][0] > len(planted) // 4


def _replicated_chains() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 729 chains of chain8 that start with two 3x3 convolutions, with three seeds each
    (the label repeated) and a target that is their mean; the best chain's seeds are
    (13, 11, missing) and the runner-up's (11.9, 11.9, 11.9), above all the others."""
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    table = table[table.index.str.startswith("conv3x3-conv3x3-")] - 100.0  # all below 0
    order = table["val_acc"].sort_values(ascending=False).index
    seeds = pd.DataFrame({f"s{k}": table["val_acc"] for k in range(3)})
    seeds.loc[order[0]] = [13.0, 11.0, np.nan]
    seeds.loc[order[1]] = [11.9, 11.9, 11.9]
    table["val_acc"] = seeds.mean(axis=1)
    return table, seeds


def test_any_space_seed_resampling_counts_how_often_the_optimum_stays_best(any_space) -> None:
    """The optimum section's seed resampling: the best chain's two seeds (13, 11; a third
    missing) drawn with replacement average 13, 12 or 11 with probabilities 1/4, 1/2, 1/4,
    and only 11 falls below the runner-up's 11.9 (three equal seeds): the optimum stays the
    best in 3/4 of the draws (2,000 draws: binomial sd 0.01; 0.04 is 4 sd), and two networks
    are ever the best. Seeds that do not average to the target are refused."""
    from nasperf.search.objective import TableObjective

    table, seeds = _replicated_chains()
    objective = TableObjective(table, "user_chain8", "val_acc")
    r = any_space.seed_resampled_optimum(objective, seeds, draws=2000)
    assert abs(r["p_best"] - 0.75) < 0.04
    two = table["val_acc"].nlargest(2).index
    assert r["contenders"] == 2 and r["contender_keys"] == set(two)
    steady = seeds.copy()
    steady.iloc[:, :] = table[["val_acc"]].to_numpy()  # every seed the mean: no noise
    assert any_space.seed_resampled_optimum(objective, steady, draws=200) == {
        "p_best": 1.0,
        "contenders": 1,
        "contender_keys": {two[0]},
    }
    with pytest.raises(ValueError, match="not the target's seeds"):
        any_space.seed_resampled_optimum(objective, seeds + 1.0)
    with pytest.raises(ValueError, match="networks have no row"):
        any_space.seed_resampled_optimum(objective, seeds.iloc[1:])


def test_any_space_optimum_section_resamples_a_user_space_s_seeds(
    tmp_path, any_space, capsys
) -> None:
    """``replicates:`` in a ``--user-space`` file: the per-seed columns (empty where a chain
    has fewer seeds) reach the optimum section, whose row gives the share of draws the
    optimum stays best (~75 %, as above) and the two contenders; the predictor section
    never sees them as features."""
    import re

    table, seeds = _replicated_chains()
    path = _chain8_files(tmp_path, table.join(seeds), replicates=["s0", "s1", "s2"])
    assert ",13.0,11.0,\n" in (tmp_path / "chain.csv").read_text()  # an empty cell
    argv = ["--user-space", str(path), "--sections", "optimum"]
    argv += ["--search-cases", "my_chain", "--quick", "--out", str(tmp_path / "out")]
    assert any_space.main(argv) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "| my_chain |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "729"
    assert abs(int(re.fullmatch(r"(\d+)%", cells[5])[1]) - 75) <= 6  # 500 draws: sd 2 %
    assert cells[6] == "2"
    assert list(any_space.CASES["my_chain"]().table.columns) == ["val_acc"]  # main's case

    # the search section's "tied with the optimum" target is those two chains: each search
    # reaches it at its first query of either, counted here from the stored histories
    from nasperf.search.study import found_ci, read_search_study

    for cases in (any_space.CASES, any_space.SEARCH_CASES):  # main registers it again
        del cases["my_chain"]
    argv[argv.index("optimum")] = "search"
    argv.remove("--quick")  # budget 300: most of 10 random searches meet one of the two
    assert any_space.main([*argv, "--search-methods", "random_search"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "| my_chain |" in line)
    hist = read_search_study(tmp_path / "out" / "search" / "my_chain")
    two = set(table["val_acc"].nlargest(2).index)
    first = [
        next((q for q, a in zip(h["query"], h["arch"], strict=True) if a in two), None)
        for _, h in hist.groupby("seed")
    ]
    hit = sorted(q for q in first if q is not None)
    median = f"{np.median([*hit, *[np.inf] * (len(first) - len(hit))]):,.0f}"
    expect = f"{len(hit)}/{len(first)}, " + (median if len(hit) * 2 > len(first) else "-")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[7] == expect
    # the optimum's columns: the share found with its Wilson interval, and the median's
    # distribution-free interval, [x(2), x(9)] of the 10 sorted first hits
    best = table["val_acc"].idxmax()
    hits = sorted(
        next((q for q, a in zip(h["query"], h["arch"], strict=True) if a == best), np.inf)
        for _, h in hist.groupby("seed")
    )
    k = int(np.isfinite(hits).sum())
    lo, hi = found_ci(k, 10)
    assert cells[3] == f"{k}/10 ({100 * lo:.0f}–{100 * hi:.0f} %)"
    assert cells[5] == f"{hits[1]:.0f}–" + (f"{hits[8]:.0f}" if np.isfinite(hits[8]) else "-")


def test_any_space_user_space_with_a_loss_target(tmp_path, any_space, capsys) -> None:
    """``maximize: false``: a table of errors (100 - accuracy, per seed too) gives the
    optimum section the same row as the accuracies, the predictors read minus the error and
    the search minimises the column it reads; without the key an error column is refused."""
    table, seeds = _replicated_chains()
    errs = (100.0 - table).rename(columns={"val_acc": "val_err"})
    errs = errs.join(100.0 - seeds)
    acc_dir, err_dir = tmp_path / "acc", tmp_path / "err"
    acc_dir.mkdir(), err_dir.mkdir()
    with pytest.raises(SystemExit, match=r"chain.yaml: maximize: the target 'val_err' looks"):
        any_space.load_user_space(_chain8_files(err_dir, errs, target="val_err"))
    path = _chain8_files(
        err_dir, errs, target="val_err", maximize=False, replicates=["s0", "s1", "s2"]
    )
    case, search = any_space.load_user_space(path)
    np.testing.assert_array_equal(case().table["val_err"], -errs["val_err"])
    assert search.maximize is False and search.table()["val_err"].equals(errs["val_err"])
    np.testing.assert_array_equal(search.replicates(), -errs[["s0", "s1", "s2"]])

    rows = []
    for folder, body in ((acc_dir, table.join(seeds)), (err_dir, errs)):
        spec = {"target": "val_err", "maximize": False} if folder is err_dir else {}
        path = _chain8_files(folder, body, replicates=["s0", "s1", "s2"], **spec)
        argv = ["--user-space", str(path), "--sections", "optimum", "--quick"]
        argv += ["--search-cases", "my_chain", "--out", str(folder / "out")]
        assert any_space.main(argv) == 0
        out = capsys.readouterr().out
        rows.append(next(line for line in out.splitlines() if "| my_chain |" in line))
        for cases in (any_space.CASES, any_space.SEARCH_CASES):
            del cases["my_chain"]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    assert cells[1][1] == "val_err of chain.yaml (minimised)"
    # the networks and the seed resampling (a seeded draw of the negated values) are the
    # same; the out-of-fold fits see y and -y, which XGBoost's tie-breaking need not treat
    # alike on every CPU, so their Kendall tau is compared within 0.02
    assert [cells[0][i] for i in (2, 5, 6)] == [cells[1][i] for i in (2, 5, 6)]
    assert abs(float(cells[0][4]) - float(cells[1][4])) <= 0.02

    argv[argv.index("optimum")] = "search"
    argv += ["--search-methods", "local_search"]
    assert any_space.main(argv) == 0
    from nasperf.search.study import read_search_study

    hist = read_search_study(err_dir / "out" / "search" / "my_chain")
    np.testing.assert_allclose(hist["value"], -errs.loc[hist["arch"], "val_err"])
    best = errs["val_err"].idxmin()
    # each search stops at the lowest error (60 queries of 729 chains suffice here)
    assert (hist.groupby("seed")["arch"].last() == best).all() and hist["seed"].nunique() == 3
    assert "table.csv minimises val_err: the values searched and reported are -val_err" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("replicates", "message"),
    [(["val_acc"], "none of them target"), (["s0", "s0"], "distinct"), ([1], "list of strings")],
)
def test_any_space_refuses_bad_replicates(tmp_path, any_space, replicates, message) -> None:
    """``replicates`` must name distinct columns other than the target (one error naming
    the file)."""
    path = _chain8_files(tmp_path, replicates=replicates)
    with pytest.raises(SystemExit, match=rf"--user-space .*chain.yaml: .*{message}"):
        any_space.load_user_space(path)


def test_any_space_refuses_replicates_that_are_not_the_target_s_seeds(tmp_path, any_space) -> None:
    """Checked when the file is read: a replicates list leaving out a seed had passed the
    loader and failed the search section after every search had run."""
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    rng = np.random.default_rng(0)
    table["s0"] = table["val_acc"] + rng.normal(0, 0.5, len(table))
    table["s1"] = 2 * table["val_acc"] - table["s0"]  # the mean of s0, s1 is the target
    table["s2"] = table["val_acc"]
    ok = _chain8_files(tmp_path, table, replicates=["s0", "s1"])
    assert any_space.load_user_space(ok)[1].replicates() is not None
    bad = _chain8_files(tmp_path, table, replicates=["s0", "s2"])
    with pytest.raises(SystemExit, match=r"chain.yaml: replicates: their row means differ"):
        any_space.load_user_space(bad)


def test_any_space_names_proxy_columns_nothing_reads(tmp_path, any_space) -> None:
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    zc = pd.DataFrame({"synflw": 1.0, "params": 2.0, "my_proxy": 3.0}, index=table.index)
    zc.to_csv(tmp_path / "zc.csv")
    path = _chain8_files(tmp_path, table, zero_cost="zc.csv")
    # synflw (a typo) and my_proxy had been dropped without a word
    with pytest.warns(UserWarning, match=r"zc.csv: columns \['synflw', 'my_proxy'\] are not reg"):
        any_space.load_user_space(path)


def test_any_space_search_counts_the_searches_that_failed(tmp_path, any_space, capsys) -> None:
    """A search that failed (here a LabelLeakError: the user's proxy file holds the label)
    had been left out of the share found, which was then over the seeds that finished."""
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    # the label, negated (the warm start begins at the worst, so the predictor is fitted)
    zc = pd.DataFrame({"synflow": -table["val_acc"].to_numpy()}, index=table.index)
    zc.to_csv(tmp_path / "zc.csv")
    path = _chain8_files(tmp_path, table, zero_cost="zc.csv")
    argv = ["--user-space", str(path), "--sections", "search", "--search-cases", "my_chain"]
    argv += ["--search-methods", "random_search,predictor_local_search", "--search-seeds", "2"]
    assert any_space.main(argv + ["--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\| my_chain \| .* \| predictor_local_search \S* \| 0/2 \(2 failed\) \|", out)
    assert re.search(r"Failed: my_chain predictor_local_search .*seed 0: .*LabelLeakError", out)
    assert re.search(r"\| my_chain \| .* \| random_search .*\| \d/2 \(", out)


def test_any_space_search_refuses_a_folder_another_run_holds(tmp_path, any_space) -> None:
    """A fresh search run deletes the study it finds in its case folder: a second run on the
    same folder (``--out``) stops at once instead of deleting the first one's records, and
    runs once the folder is free, writing its study there."""
    from filelock import FileLock

    path = _chain8_files(tmp_path)
    out = tmp_path / "out"
    argv = ["--user-space", str(path), "--sections", "search", "--search-cases", "my_chain"]
    argv += ["--search-methods", "random_search", "--quick", "--out", str(out)]
    folder = out / "search" / "my_chain"
    folder.mkdir(parents=True)
    (folder / "results.sqlite").write_bytes(b"the other run's records")
    with FileLock(str(folder / ".run.lock")):
        with pytest.raises(SystemExit, match="in use by another run.*--out DIR"):
            any_space.main(argv)
        assert (folder / "results.sqlite").read_bytes() == b"the other run's records"
    for cases in (any_space.CASES, any_space.SEARCH_CASES):  # main registers it again
        del cases["my_chain"]
    assert any_space.main(argv) == 0
    assert (folder / "results.sqlite").read_bytes() != b"the other run's records"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"colour": "red"}, "unknown key(s) ['colour']"),
        ({"target": None}, "target: expected the column predicted"),
        ({"zero_cost": 3}, "zero_cost: expected a CSV file"),
        ({"name": "macro"}, "name 'macro' is already a case"),
        ({"name": "../up"}, "name '../up': use letters"),
        ({"space": "no_such_space"}, "space: unknown search space 'no_such_space'"),
        ({"target": "acc"}, "target: chain.csv has no column 'acc'; its columns: ["),
        # named by their key: they had read "target columns [...] not found"
        ({"curves": ["acc12"]}, "curves: chain.csv has no column 'acc12'"),
        ({"replicates": ["seed0", "seed1"]}, "replicates: chain.csv has no column 'seed0'"),
        ({"imports": ["no_such_module_here"]}, "imports: cannot import 'no_such_module_here'"),
        ({"curves": "val_acc"}, "curves: expected early-training columns"),
        ({"curves": ["val_acc", 12]}, "curves must be a list of strings"),
        # the label among omni's curves would be a feature
        ({"curves": ["val_acc"]}, "curves must be distinct columns other than the target"),
        ({"dataset": "cifar11"}, "dataset: unknown dataset 'cifar11'"),
    ],
)
def test_any_space_user_space_errors_name_the_file_and_key(
    tmp_path, any_space, spec, message
) -> None:
    path = _chain8_files(tmp_path, **spec)
    with pytest.raises(SystemExit) as err:
        any_space.load_user_space(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_any_space_user_space_refuses_what_would_fail_later(tmp_path, any_space) -> None:
    """A constant target and a proxy file without a row for some architecture are refused
    when the file is read (before, the first gave NaN taus and a search "found" at query 1,
    the second a traceback from inside omni's fit)."""
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    path = _chain8_files(tmp_path, table.assign(val_acc=71.0))
    with pytest.raises(SystemExit, match="target: 'val_acc' has one value for every"):
        any_space.load_user_space(path)
    path = _chain8_files(tmp_path, table.assign(val_acc=table["val_acc"] * 1e290))
    with pytest.raises(SystemExit, match=r"'val_acc' has 6561 value\(s\) above 1e\+150"):
        any_space.load_user_space(path)
    zc = pd.DataFrame({"synflow": np.arange(100.0)}, index=table.index[:100])
    zc.to_csv(tmp_path / "zc.csv")
    path = _chain8_files(tmp_path, zero_cost="zc.csv")
    with pytest.raises(
        SystemExit, match=r"zero_cost: 6,?461 of the 6,?561 architectures .* no row"
    ):
        any_space.load_user_space(path)


def test_any_space_searches_read_the_user_s_proxy_file(tmp_path, any_space, capsys) -> None:
    """``zero_cost:`` reaches the searches (warm start and features), not only the
    predictors; ``maximize: true`` on a column named like a loss is kept (it was dropped to
    None and refused again by the search)."""
    from nasperf.search.study import read_search_study
    from tests.search.user_spaces import chain8_table

    table = chain8_table()
    # a proxy that ranks the chains as their labels do: its best is the warm start's first
    zc = pd.DataFrame({"synflow": table["val_acc"].rank().to_numpy()}, index=table.index)
    zc.to_csv(tmp_path / "zc.csv")
    path = _chain8_files(
        tmp_path,
        table.rename(columns={"val_acc": "val_loss"}),
        target="val_loss",
        maximize=True,
        zero_cost="zc.csv",
    )
    case, search = any_space.load_user_space(path)
    assert search.maximize is True and search.zero_cost().equals(zc.rename_axis("arch"))
    argv = ["--user-space", str(path), "--sections", "search", "--search-cases", "my_chain"]
    argv += ["--search-methods", "predictor_local_search", "--search-seeds", "1"]
    assert any_space.main(argv + ["--out", str(tmp_path / "out")]) == 0
    hist = read_search_study(tmp_path / "out" / "search" / "my_chain")
    assert hist["arch"].iloc[0] == table["val_acc"].idxmax() and len(hist) == 1
    assert "zero-cost warm start: synflow from the run's table" in capsys.readouterr().out


def test_any_space_user_space_errors_name_the_bad_line(tmp_path, any_space) -> None:
    path = _chain8_files(tmp_path)
    lines = (tmp_path / "chain.csv").read_text().splitlines()
    lines[3] = "conv3x3-conv9x9-skip-skip-skip-skip-skip-skip,71.0"
    (tmp_path / "chain.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit) as err:
        any_space.load_user_space(path)
    assert "chain.csv" in str(err.value) and "line 4" in str(err.value)
    (tmp_path / "chain.yaml").write_text("name: a\nname: b\n")
    with pytest.raises(SystemExit, match="appears twice"):
        any_space.load_user_space(path)
    # nested YAML aliases ("billion laughs"): refused before any value is printed
    nested = ["curves: [&a [" + ",".join(['"x"'] * 9) + "],"]
    for prev, alias in zip("abcdefgh", "bcdefghi", strict=True):
        nested.append(f"  &{alias} [" + ",".join([f"*{prev}"] * 9) + "],")
    (tmp_path / "chain.yaml").write_text("name: a\n" + "\n".join(nested) + "\n  *i]\n")
    with pytest.raises(SystemExit, match="cannot read it: .*expands to more than"):
        any_space.load_user_space(path)
    path.unlink()
    with pytest.raises(SystemExit, match="cannot read it"):
        any_space.load_user_space(path)


def test_any_space_user_space_that_cannot_be_built_names_the_file(
    tmp_path, any_space, monkeypatch
) -> None:
    # a space class that leaves an abstract method out (here build_network) cannot be
    # instantiated: one line naming the file and the space key, not a traceback
    from nasperf.spaces import SPACES

    SPACES.names()  # the packaged family loaded, then the registry restored after the test:
    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))  # tests that build every
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))  # space run after it
    (tmp_path / "half_space.py").write_text(
        "from nasperf.spaces import SPACES\n"
        "from tests.search.user_spaces import Chain8Space\n"
        "class Half(Chain8Space):\n"
        "    name = 'bench_test_half_space'\n"
        "Half.__abstractmethods__ = frozenset({'build_network'})\n"
        "if Half.name not in SPACES:\n"
        "    SPACES.register(Half.name)(Half)\n"
    )
    path = _chain8_files(tmp_path, imports=["half_space.py"], space="bench_test_half_space")
    with pytest.raises(SystemExit) as err:
        any_space.load_user_space(path)
    message = str(err.value)
    assert str(path) in message
    assert "space: search space 'bench_test_half_space' (Half) cannot be used" in message
    assert "does not define build_network" in message


def test_held_out_spaces_are_nb201_without_one_operation(tmp_path, any_space, capsys) -> None:
    """``bench/held_out_spaces.py`` writes six ``--user-space`` files that ``any_space``
    accepts: each table holds the 4,096 NB201 cells without the dropped operation, with the
    NB201 values, and its seeds (two or three per cell) average to the target. It prints
    the search command and the predictors command, each naming every file and case."""
    import nasperf
    from nasperf.datasets import load_benchmark
    from nasperf.search.objective import TableObjective

    held = _import_bench("held_out_spaces")
    assert held.main([str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("*.yaml"))
    cases = sorted(f"nb201_{s}_{d}" for s in ("noskip", "noconv3") for d in ("c10", "c100", "in16"))
    assert sorted(f.stem for f in files) == cases
    search, predictors = capsys.readouterr().out.splitlines()
    for command in (search, predictors):
        assert command.startswith("python bench/any_space.py ")
        assert all(f"--user-space {f}" in command for f in files)
    assert "--sections search,optimum" in search
    assert sorted(search.split("--search-cases ")[1].split()[0].split(",")) == cases
    assert "--sections predictors" in predictors
    listed = predictors.split("--cases ")[1].split()[0].split(",")
    assert listed[0] == "nb201" and sorted(listed[1:]) == cases
    nb201 = load_benchmark("nb201", "cifar100")
    for short, dropped in held.WITHOUT.items():
        space = nasperf.get_space(f"user_nb201_{short}")
        assert space.size == 4**6 and dropped not in space.ops and len(space.ops) == 4
        case, search = any_space.load_user_space(tmp_path / f"nb201_{short}_c100.yaml")
        table = case().table
        assert len(table) == 4096 and not table.index.str.contains(dropped).any()
        # the table stores float32: the CSV keeps its shortest repr, read back as float64
        expected = nb201.loc[table.index, "val_acc_200ep"].to_numpy(np.float64)
        np.testing.assert_allclose(table["val_acc_200ep"].to_numpy(), expected, rtol=1e-6)
        seeds = search.replicates()
        assert seeds.notna().sum(axis=1).between(2, 3).all()
        # omni's curve is NB201's 12-epoch accuracy; the searches read the target alone
        curve = case()
        assert curve.curves == ["val_acc_12ep"]
        np.testing.assert_allclose(
            curve.table["val_acc_12ep"].to_numpy(),
            nb201.loc[table.index, "val_acc_12ep"].to_numpy(np.float64),
            rtol=1e-6,
        )
        assert list(search.table().columns) == ["val_acc_200ep"]
        objective = TableObjective(search.table(), space, "val_acc_200ep")
        r = any_space.seed_resampled_optimum(objective, seeds, draws=50)  # checks the means
        assert 0.0 < r["p_best"] <= 1.0
        arch = space.parse(table.index[0])
        assert all(dropped not in space.to_string(nb) for nb in space.neighbors(arch))


def test_compare_searches_pairs_two_runs_of_the_search_section(tmp_path, any_space, capsys) -> None:
    """Two runs of the same searches (the same seeds) into two ``--out`` folders: every
    seed ties on both targets, so the sign test's p is 1; the medians are the search
    table's. A folder without search studies gets one error naming it."""
    from tests.search.user_spaces import chain8_table

    compare = _import_bench("compare_searches")
    path = _chain8_files(tmp_path, chain8_table().iloc[:60])  # found within the budget
    for out in ("a", "b"):
        argv = ["--user-space", str(path), "--sections", "search", "--search-cases", "my_chain"]
        argv += ["--search-methods", "random_search", "--search-seeds", "3"]
        assert any_space.main([*argv, "--out", str(tmp_path / out)]) == 0
        for cases in (any_space.CASES, any_space.SEARCH_CASES):  # main registers it again
            del cases["my_chain"]
    table_row = next(
        line for line in capsys.readouterr().out.splitlines() if "| random_search |" in line
    )
    median = [c.strip() for c in table_row.strip("|").split("|")][4].split(" ")[0]
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "| my_chain |" in line]
    assert [r.split("|")[3].strip() for r in rows] == ["optimum", "top 0.1 %"]
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert median.isdigit() and cells[3:] == ["3", median, median, "0 / 3 / 0", "1.000"]
    with pytest.raises(SystemExit, match="holds no search studies"):
        compare.main([str(tmp_path), str(tmp_path / "b")])


def test_search_tables_print_a_median_of_an_even_number_of_seeds_with_its_half(
    tmp_path, any_space, capsys
) -> None:
    """any_space's search table and compare_searches print a median of queries as the
    search report does (``nasperf.search.study._format_queries``): 39.5, not 40. They had
    formatted it with ``:.0f``, which rounds halves to even (12.5 -> 12, 13.5 -> 14)."""
    from nasperf.search.study import queries_to_target, read_search_study
    from tests.search.user_spaces import chain8_table

    compare = _import_bench("compare_searches")
    path = _chain8_files(tmp_path, chain8_table().iloc[:60])  # found within the budget
    argv = ["--user-space", str(path), "--sections", "search", "--search-cases", "my_chain"]
    argv += ["--search-methods", "random_search", "--search-seeds", "4"]
    assert any_space.main([*argv, "--out", str(tmp_path / "a")]) == 0
    for cases in (any_space.CASES, any_space.SEARCH_CASES):  # main registers it again
        del cases["my_chain"]
    row = next(line for line in capsys.readouterr().out.splitlines() if "| random_search |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    hist = read_search_study(tmp_path / "a" / "search" / "my_chain")
    optimum = float(chain8_table().iloc[:60]["val_acc"].max())
    queries = queries_to_target(hist, optimum)["queries"].to_numpy(np.float64)
    median = float(np.median(queries))
    # these 4 seeds' searches reach the optimum at an odd sum of queries: the case at issue
    assert len(queries) == 4 and median % 1 == 0.5, queries
    assert cells[4].startswith(f"{median:,.1f} ["), (cells[4], queries)
    # on 60 rows the top 0.1 % is the optimum alone: the same median, formatted alike
    assert cells[6] == f"4/4, {median:,.1f}", cells[6]
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "a")]) == 0
    (opt_row,) = [r for r in capsys.readouterr().out.splitlines() if "| optimum |" in r]
    assert [c.strip() for c in opt_row.strip("|").split("|")][4:6] == [f"{median:,.1f}"] * 2


def _run_bench(script: str, *args: str) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_label_leak_bench_runs_on_naslib_s_file_with_its_failure_values(shared_reference):
    # NASLib's file holds -1e8 for failed proxies, which the reader refuses unless told to
    # keep them as NaN: the script had crashed at its first line of work
    out = _run_bench("label_leak.py", "--quick")
    (row,) = [line for line in out.splitlines() if line.startswith("| 100 | 2 |")]
    enc, proxies, leaked = (float(x) for x in row.strip("|").split("|")[2:5])
    # the figures the README quotes at 100 cells (0.77 -> 0.95) up to seeds and CPUs
    assert 0.4 < enc < proxies < leaked and leaked > 0.9, row


def test_label_leak_bench_names_the_shared_file_it_lacks(tmp_path):
    # run from a clone without ../shared it had stopped with a FileNotFoundError traceback
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(BENCH / "label_leak.py"), "--quick", "--shared", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    missing = tmp_path / "reference" / "naslib-zc" / "zc_nasbench201_sample.json"
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"bench/label_leak.py: {missing} not found: this bench needs NASLib's NB201 zero-cost "
        "sample from the shared folder (../shared beside this checkout; --shared PATH)"
    )


def test_predictors_bench_help_lists_the_packaged_tables_proxies(capsys):
    # its docstring had called the default table synflow, l2_norm, params and flops when
    # the CIFAR tables held 11 proxies: --help now reads each table's settings
    import nasperf

    bench = _import_bench("predictors")
    with pytest.raises(SystemExit):
        bench.main(["--help"])
    out = capsys.readouterr().out
    for dataset in ("cifar10", "cifar100", "imagenet16-120"):
        proxies = nasperf.datasets.zero_cost_settings("nb201", dataset)["proxies"]
        assert f"  {dataset}: {len(proxies)} proxies ({', '.join(proxies)})" in out
    assert "synflow, l2_norm, params and flops for all cells" not in out


@pytest.mark.slow
def test_zero_cost_fidelity_bench_runs_on_naslib_s_file(shared_reference, tmp_path):
    out = _run_bench("zero_cost_fidelity.py", "--quick", "--out", str(tmp_path / "zcf.csv"))
    # part A's table holds synflow's Spearman against NASLib's stored scores
    assert "synflow" in out and (tmp_path / "zcf.A.csv").exists(), sorted(tmp_path.iterdir())


def test_any_space_user_space_warm_starts_on_the_space_s_own_task(tmp_path, any_space) -> None:
    # the --user-space default had been cifar10 whatever the space declared: a space of
    # 20 tabular features (a TensorTask) had its warm start build CIFAR-10 networks
    from tests.spaces.test_tensor_task import TabularSpace

    space = TabularSpace()
    archs = [space.to_string(a) for a in space.enumerate()]
    pd.DataFrame({"arch": archs, "acc": np.arange(len(archs), dtype=float)}).to_csv(
        tmp_path / "tab.csv", index=False
    )
    (tmp_path / "bench_tab_space.py").write_text(
        "from nasperf.spaces import SPACES\n"
        "from tests.spaces.test_tensor_task import TabularSpace\n"
        "if 'test_tabular' not in SPACES:\n"
        "    SPACES.register('test_tabular')(TabularSpace)\n"
    )
    (tmp_path / "tab.yaml").write_text(
        "name: tab\nimports: [bench_tab_space.py]\nspace: test_tabular\ndata: tab.csv\ntarget: acc\n"
    )
    _, case = any_space.load_user_space(tmp_path / "tab.yaml")
    assert case.dataset == "tab20"  # the space's own task, by name
    (trial,) = any_space._search_trials(case, tmp_path, 1, True, ["predictor_local_search"])
    from nasperf.search.study import run_search_trial

    row = run_search_trial(trial)
    assert any("zero-cost warm start: synflow, params computed" in n for n in row["notes"])
