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
