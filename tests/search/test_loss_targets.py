"""Searching a table whose target is a loss: ``maximize=False`` / ``--minimize``."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from nasperf.search import TableObjective, run
from nasperf.search.study import main as search_main
from nasperf.search.study import read_search_study, search_trials
from tests.spaces.custom_space_example import CHAIN_OPS, ChainSpace

from .user_spaces import chain8_table

ARCHS = ["-".join(ops) for ops in itertools.product(CHAIN_OPS, repeat=3)]


@pytest.fixture(scope="module")
def losses() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"val_loss": rng.uniform(0.2, 2.0, len(ARCHS))}, index=ARCHS)


def test_a_minimised_table_is_the_negated_one(losses) -> None:
    """``maximize=False`` on a loss column is exactly the table holding minus the loss: the
    same optimum (the lowest loss), the same values, the same searches query for query."""
    space = ChainSpace()
    obj = TableObjective(losses, space, "val_loss", maximize=False, name="chain")
    neg = TableObjective(-losses.rename(columns={"val_loss": "score"}), space, "score")
    assert not obj.maximize and obj.value_name == "-val_loss"
    assert neg.maximize and neg.value_name == "score"
    (best,), value = obj.optimum()
    assert best == losses["val_loss"].idxmin() and value == -losses["val_loss"].min()
    pd.testing.assert_series_equal(obj.table_values(), neg.table_values())
    for name in ("local_search", "regularized_evolution"):
        params = (
            {"n_init": 3} if name == "local_search" else {"population_size": 5, "sample_size": 3}
        )
        a = run(name, objective=obj, budget=20, seed=4, params=params)
        b = run(name, objective=neg, budget=20, seed=4, params=params)
        assert a["arch"].tolist() == b["arch"].tolist()
        np.testing.assert_array_equal(a["value"], -losses.loc[a["arch"], "val_loss"])
        np.testing.assert_array_equal(a["regret"], b["regret"])
        assert (
            "chain minimises val_loss: the values searched and reported are -val_loss"
            in (a.attrs["notes"])
        )
        assert not any("minimises" in n for n in b.attrs["notes"])


def test_a_loss_named_target_must_say_which_way(losses) -> None:
    space = ChainSpace()
    with pytest.raises(ValueError, match=r"chain: maximize: the target 'val_loss' looks like"):
        TableObjective(losses, space, "val_loss", name="chain")
    with pytest.raises(ValueError, match=r"maximize=False ranks and searches by -val_loss"):
        TableObjective(losses, space, {"full": "val_loss"})
    with pytest.raises(TypeError, match="expected true, false or null, got 'min'"):
        TableObjective(losses, space, "val_loss", maximize="min")
    # said explicitly, a column named like a loss is used as it is
    kept = TableObjective(losses, space, "val_loss", maximize=True)
    assert kept.optimum()[0] == (losses["val_loss"].idxmax(),)


def test_search_command_minimises_a_loss_column(tmp_path, capsys) -> None:
    """``nasperf search --minimize``: the searches find the lowest loss, the report says the
    values are minus the column, and without the flag a loss column is refused, naming the
    flags."""
    table = chain8_table()
    table["val_err"] = 100.0 - table.pop("val_acc")
    path = tmp_path / "chain8.csv"
    table.to_csv(path)
    argv = ["--import", "tests.search.user_spaces", "--space", "user_chain8"]
    argv += ["--data", str(path), "--target", "val_err", "--methods", "ls", "--seeds", "2"]
    argv += ["--budget", "30", "--no-progress"]
    with pytest.raises(SystemExit):
        search_main([*argv, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert "the target 'val_err' looks like a quantity to minimise" in err
    assert "nasperf search: error: --target: the target 'val_err' looks like" in err  # the flag
    assert "--minimize ranks and searches by -val_err, --maximize keeps" in err
    with pytest.raises(SystemExit):
        search_main([*argv, "--minimize", "--maximize"])
    assert "not allowed with argument" in capsys.readouterr().err

    assert search_main([*argv, "--minimize", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "minimises val_err: the values searched and reported are -val_err" in out
    hist = read_search_study(tmp_path / "out")
    np.testing.assert_allclose(hist["value"], -table.loc[hist["arch"], "val_err"])
    assert hist["best_value"].max() <= -table["val_err"].min()
    # the trials remember the direction: the same command resumes, a maximised one is new
    assert search_main([*argv, "--minimize", "--out", str(tmp_path / "out")]) == 0
    pd.testing.assert_frame_equal(read_search_study(tmp_path / "out"), hist)
    kw = {"space": "user_chain8", "data": path, "target": "val_err", "seeds": 1}
    (low,) = search_trials(["ls"], maximize=False, **kw)
    (high,) = search_trials(["ls"], maximize=True, **kw)
    assert low["maximize"] is False and "maximize" not in high and low["hash"] != high["hash"]
    with pytest.raises(ValueError, match="maximize describe a table: give data as well"):
        search_trials(["ls"], maximize=False)


def test_the_warm_start_of_a_cost_target_takes_the_cheapest_networks() -> None:
    """synflow and params rank larger networks higher: the warm start of a latency search had
    queried the slowest cells first (98th and 97th percentile of latency), without a note."""
    from nasperf.datasets import load_benchmark

    bench = load_benchmark("nb201", "cifar10").iloc[:800]
    lat = bench[["edgegpu_latency"]].rename(columns={"edgegpu_latency": "latency_ms"})
    pct = lat["latency_ms"].rank(pct=True)
    objective = TableObjective(lat, "nb201", "latency_ms", maximize=False)
    for method in ("predictor_local_search", "bananas", "npenas"):
        h = run(method, space="nb201", objective=objective, budget=8, seed=1)
        assert pct[list(h["arch"][:5])].max() <= 0.05, method
        assert any("rank lowest, as 'latency_ms' is a cost" in n for n in h.attrs["notes"])
    # a loss keeps the proxies' direction (a low loss is what they rank high), and says so
    err = (100 - bench[["val_acc_200ep"]]).rename(columns={"val_acc_200ep": "top1_err"})
    h = run(
        "pls",
        space="nb201",
        objective=TableObjective(err, "nb201", "top1_err", maximize=False),
        budget=6,
        seed=1,
    )
    assert err["top1_err"].rank(pct=True)[list(h["arch"][:5])].max() <= 0.2
    assert any("rank highest (proxies rank networks as accuracy" in n for n in h.attrs["notes"])


def test_an_assumed_direction_is_said_where_the_name_does_not_tell() -> None:
    from nasperf.datasets import load_benchmark

    bench = load_benchmark("nb201", "cifar10").iloc[:100]
    score = bench[["val_acc_200ep"]].rename(columns={"val_acc_200ep": "score"})
    notes = run(
        "rs", space="nb201", objective=TableObjective(score, "nb201", "score"), budget=3, seed=0
    ).attrs["notes"]
    assert notes[0] == (
        "table maximises 'score', as nasperf assumes where a name does not say "
        "(maximize=False, or --minimize, if lower is better)"
    )
    for said in (
        TableObjective(score, "nb201", "score", maximize=True),
        TableObjective(bench, "nb201", "val_acc_200ep"),
    ):
        notes = run("rs", space="nb201", objective=said, budget=3, seed=0).attrs["notes"]
        assert not any("as nasperf assumes" in n for n in notes)
    # names that read like costs must now say their direction (energy had been maximised)
    with pytest.raises(ValueError, match=r"'edgegpu_energy' looks like a quantity to minimise"):
        TableObjective(bench, "nb201", "edgegpu_energy")


def test_the_search_figure_names_the_table_the_values_and_the_time_unit(tmp_path, monkeypatch):
    """regret.png had read "nb201 cifar10" for any --data table, hid the negation, and
    labelled a query count "simulated time (s)"."""
    import matplotlib.figure

    figures = []
    monkeypatch.setattr(
        matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: figures.append(fig)
    )
    table = chain8_table()
    table["val_err"] = 100.0 - table.pop("val_acc")
    path = tmp_path / "chain8.csv"
    table.to_csv(path)
    argv = ["--import", "tests.search.user_spaces", "--space", "user_chain8", "--data", str(path)]
    argv += ["--target", "val_err", "--minimize", "--methods", "rs", "--seeds", "1"]
    assert search_main([*argv, "--budget", "5", "--no-progress", "--out", str(tmp_path / "o")]) == 0
    (fig,) = figures
    assert fig._suptitle.get_text() == "chain8.csv (space user_chain8): -val_err"
    assert [ax.get_xlabel() for ax in fig.axes] == ["queries", "simulated time (queries)"]
    # and summary.csv says what its best values are
    assert set(pd.read_csv(tmp_path / "o" / "summary.csv")["values"]) == {"-val_err"}
