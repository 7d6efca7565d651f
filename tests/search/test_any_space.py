"""Search on any space: user spaces by name, user tables, repeats, ties, restarts and the
zero-cost warm start computed where no table exists."""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from nasperf.errors import InvalidArchitectureError
from nasperf.predictors import PREDICTORS
from nasperf.search import Optimizer, Query, TableObjective, run
from nasperf.search.local_search import LocalSearch
from nasperf.search.predictor_local_search import PredictorLocalSearch
from nasperf.search.run import MAX_REPEATS_IN_A_ROW
from nasperf.search.study import main as search_main
from nasperf.search.study import summarize_search
from nasperf.spaces import SPACES, get_space
from nasperf.zero_cost import compute
from tests._registry_helpers import register_space
from tests.spaces.custom_space_example import CHAIN_OPS, ChainSpace

from .user_spaces import Chain8Space, chain8_table

CHAIN_ARCHS = ["-".join(ops) for ops in itertools.product(CHAIN_OPS, repeat=3)]


@pytest.fixture(scope="module")
def chain8():
    return TableObjective(chain8_table(), "user_chain8", "val_acc", name="chain8")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty proxy cache for this test only."""
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "zero_cost.sqlite"


def _chain_objective(values, **kwargs) -> TableObjective:
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    table = pd.DataFrame({"acc": values}, index=CHAIN_ARCHS)
    return TableObjective(table, "chain", "acc", name="chain", **kwargs)


def test_a_registered_user_space_by_name_with_a_user_table(chain8):
    h = run("random_search", space="user_chain8", objective=chain8, budget=20, seed=0)
    assert h.attrs["space"] == "user_chain8" and h.attrs["benchmark"] == "chain8"
    np.testing.assert_allclose(h.value, chain8_table().loc[h.arch, "val_acc"])
    # the same with the space as an instance, and the older benchmark= keyword
    h2 = run("random_search", space=Chain8Space(), benchmark=chain8, budget=20, seed=0)
    assert h2.arch.tolist() == h.arch.tolist()
    # no cost column: one unit per query, said in the notes
    assert h.train_cost_s.eq(1.0).all() and h.sim_time_s.iloc[-1] == 20
    assert "no recorded training cost" in h.attrs["notes"][0]
    with pytest.raises(ValueError, match="'user_chain8' is a search space without a registered"):
        run("random_search", space="user_chain8", budget=3)
    with pytest.raises(ValueError, match="space 'nb201' does not match the objective's space"):
        run("random_search", space="nb201", objective=chain8, budget=3)


def test_table_objective_checks_its_table_once():
    table = chain8_table()
    obj = TableObjective(table, "user_chain8", "val_acc", cost_column=None)
    assert obj.fidelities == ("val_acc",) and obj.cost_unit == "query"
    bad = table.rename(index={table.index[7]: "conv3x3-pool"})
    with pytest.raises(InvalidArchitectureError, match="invalid table row 7: ops"):
        TableObjective(bad, "user_chain8", "val_acc")
    with pytest.raises(ValueError, match="has no finite value"):
        TableObjective(table.assign(val_acc=np.nan), "user_chain8", "val_acc")
    with pytest.raises(ValueError, match=r"row numbers, not architectures.*set_index\('arch'\)"):
        TableObjective(table.reset_index(), "user_chain8", "val_acc")
    with pytest.raises(ValueError, match=r"no column\(s\) \['train_s'\]; it has \['val_acc'\]"):
        TableObjective(table, "user_chain8", "val_acc", cost_column="train_s")
    dup = pd.concat([table.iloc[:3], table.iloc[:1].assign(val_acc=-1.0)])
    with pytest.raises(
        ValueError, match=r"lists architecture .* more than once .*nasperf search --data-duplicates"
    ):
        TableObjective(dup, "user_chain8", "val_acc")
    # first / last keep one row of it, as the readers do
    first, last = (
        TableObjective(dup, "user_chain8", "val_acc", duplicates=k) for k in ("first", "last")
    )
    arch = table.index[0]
    assert first.evaluate([arch])[0][0] == table.loc[arch, "val_acc"]
    assert last.evaluate([arch])[0][0] == -1.0
    assert len(first.table_values()) == len(last.table_values()) == 3
    with pytest.raises(
        ValueError, match="duplicates must be one of error, first, last, got 'drop'"
    ):
        TableObjective(dup, "user_chain8", "val_acc", duplicates="drop")


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("val_acc", "93.6%", "'93.6%' is not a finite number"),
        ("val_acc", np.nan, r"no value .*table.dropna\(subset=\['val_acc'\]\)"),
        ("val_acc", np.inf, "inf is not a finite number"),
        ("val_acc", True, "True is not a finite number"),
        ("train_s", "n/a", "'n/a' is not a finite number"),
        ("train_s", -5.0, r"-5.0 is negative \(a training cost"),
        ("val_acc", 1e300, r"1e\+300 is above 1e\+150 in magnitude"),
    ],
)
def test_table_objective_refuses_cells_that_are_not_numbers(column, cell, reason):
    # never coerced to NaN: a NaN at the optimum would crown the runner-up, a NaN cost
    # would end a timed search after one query, an unlabelled row would be paid for
    table = chain8_table().iloc[:20].astype(object)
    table["train_s"] = 10.0
    table = table.astype({"train_s": object})
    table.loc[table.index[6], column] = cell
    table.loc[table.index[9], column] = cell
    with pytest.raises(
        ValueError, match=f"column '{column}', row 6 \\('.*'\\): {reason}.*; 2 rows like it"
    ):
        TableObjective(table, "user_chain8", "val_acc", cost_column="train_s")


def _nb201_csv(path, *, blank_cell_at: int | None = None) -> list[str]:
    """The probe's CSV of 60 NB201 cells (arch, acc_12, acc_200, cost): the ``blank_cell_at``-th
    data row (0-based) without its acc_12. Returns the architectures."""
    import nasperf

    space = nasperf.get_space("nb201")
    rng = np.random.default_rng(0)
    archs = list(dict.fromkeys(space.to_string(space.random_architecture(rng)) for _ in range(60)))
    with open(path, "w") as f:
        f.write("arch,acc_12,acc_200,cost\n")
        for i, a in enumerate(archs):
            f.write(f"{a},{'' if i == blank_cell_at else 60 + i % 7},{80 + i % 9},{1000 + i}\n")
    return archs


def test_search_command_names_a_bad_cell_by_its_file_line(tmp_path, capsys):
    """The probe's case: an empty acc_12 cell on line 7 of the CSV had been "row 5" (the
    0-based data row) with Python advice, table.dropna(subset=['acc_12'])."""
    path = tmp_path / "mine.csv"
    archs = _nb201_csv(path, blank_cell_at=5)
    assert path.read_text().splitlines()[6].startswith(f"{archs[5]},,")  # line 7
    argv = ["--space", "nb201", "--data", str(path), "--target", "acc_200", "--cost", "cost"]
    argv += ["--fidelity-columns", "12=acc_12,200=acc_200", "--methods", "hb", "--seeds", "1"]
    argv += ["--budget", "5", "--no-progress", "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit):
        search_main(argv)
    err = capsys.readouterr().err
    assert (
        f"error: mine.csv line 7, column 'acc_12' ('{archs[5]}'): no value (every row is an "
        "architecture a search may query: fill the cell or remove the row)"
    ) in err
    assert "dropna" not in err and "row 5" not in err


def test_a_table_file_names_its_lines_and_a_dataframe_its_rows(tmp_path):
    """From a file, errors name the 1-based file line (blank lines and the header counted,
    as read_architecture_csv counts them); a parquet file, having no lines, its 1-based data
    row; a DataFrame keeps its 0-based row position and advice in pandas."""
    path = tmp_path / "mine.csv"
    archs = _nb201_csv(path)
    lines = path.read_text().splitlines()
    # a blank line after the header, and the 4th data row's cost negative (now on line 6)
    lines[4] = lines[4].rsplit(",", 1)[0] + ",-5"
    path.write_text("\n".join([lines[0], "", *lines[1:]]) + "\n")
    cols = [(12, "acc_12"), (200, "acc_200")]
    with pytest.raises(
        ValueError,
        match=r"^mine\.csv line 6, column 'cost' \('.*'\): -5.0 is negative \(a training cost",
    ):
        TableObjective.from_file(path, "nb201", "acc_200", cost="cost", fidelity_columns=cols)
    # an architecture that does not parse, on line 4
    lines[4] = lines[4].rsplit(",", 1)[0] + ",1"
    lines[2] = "not-a-cell" + lines[2][len(archs[1]) :]
    path.write_text("\n".join([lines[0], "", *lines[1:]]) + "\n")
    with pytest.raises(InvalidArchitectureError, match=r"mine\.csv line 4: "):
        TableObjective.from_file(path, "nb201", "acc_200", cost="cost")
    # an architecture on two lines: both named
    lines[2] = f"{archs[0]}" + lines[2][len("not-a-cell") :]
    path.write_text("\n".join([lines[0], "", *lines[1:]]) + "\n")
    with pytest.raises(
        ValueError, match=r"more than once \(mine\.csv line 3 and mine\.csv line 4\)"
    ):
        TableObjective.from_file(path, "nb201", "acc_200")
    # parquet: the data row, 1-based
    table = pd.read_csv(path)
    table.loc[3, "acc_200"] = np.nan
    table.iloc[1:].to_parquet(tmp_path / "mine.parquet")
    with pytest.raises(
        ValueError,
        match=r"^mine\.parquet row 3, column 'acc_200' \('.*'\): no value \(every row is an "
        r"architecture a search may query: fill the cell or remove the row\)$",
    ):
        TableObjective.from_file(tmp_path / "mine.parquet", "nb201", "acc_200")
    # a DataFrame: its position, and pandas' advice
    with pytest.raises(
        ValueError,
        match=r"^table: column 'acc_200', row 2 \('.*'\): no value .*"
        r"table\.dropna\(subset=\['acc_200'\]\)\)$",
    ):
        TableObjective(table.iloc[1:].set_index("arch"), "nb201", "acc_200")
    with pytest.raises(ValueError, match=r"^table: row_names must name each of the table's 59 "):
        TableObjective(table.iloc[1:].set_index("arch"), "nb201", "acc_12", row_names=["x"])


def test_table_objective_looks_up_any_spelling_of_an_architecture():
    table = chain8_table()
    obj = TableObjective(table, "user_chain8", "val_acc")
    arch = table.index[11]
    value, _ = obj.evaluate([f"  {arch}\n", obj.space.parse(arch)])
    assert value.tolist() == [table["val_acc"].iloc[11]] * 2
    with pytest.raises(KeyError, match="not in the table"):
        obj.evaluate(["not-an-arch"])


def test_a_proxy_table_must_cover_every_architecture_a_search_may_query(chain8, tmp_path):
    from nasperf.search.study import search_trials

    table = chain8_table()
    zc = pd.DataFrame({"synflow": np.arange(50.0)}, index=table.index[:50])
    # refused before the search starts (it was a traceback from the predictor's fit)
    with pytest.raises(ValueError, match=r"zero_cost: 6511 of the objective's 6561 .* no row"):
        run("predictor_local_search", objective=chain8, zero_cost=zc, budget=10)
    table.to_csv(tmp_path / "t.csv")
    zc.to_csv(tmp_path / "zc.csv")
    common = {"space": "user_chain8", "target": "val_acc", "seeds": 1, "budget": 5}
    with pytest.raises(ValueError, match="6511 of the objective's 6561"):
        search_trials(["pls"], data=tmp_path / "t.csv", zero_cost=tmp_path / "zc.csv", **common)
    with pytest.raises(
        ValueError, match="zero_cost holds proxy scores of a table's architectures: give data too"
    ):
        search_trials(["pls"], zero_cost=tmp_path / "zc.csv", seeds=1)
    full = pd.DataFrame({"synflow": table["val_acc"].rank().to_numpy()}, index=table.index)
    full.rename(columns={"synflow": "score"}).to_csv(tmp_path / "zc.csv")
    with pytest.raises(ValueError, match=r"zc.csv: no column is named as a registered zero-cost"):
        search_trials(["pls"], data=tmp_path / "t.csv", zero_cost=tmp_path / "zc.csv", **common)
    # nasperf proxies' format: NaN where a proxy failed, its reasons beside
    full["nan_reasons"] = ""
    full.loc[full.index[3], ["synflow", "nan_reasons"]] = [np.nan, "synflow: overflow"]
    full.to_csv(tmp_path / "zc.csv")
    (trial,) = search_trials(
        ["pls"], data=tmp_path / "t.csv", zero_cost=tmp_path / "zc.csv", **common
    )
    assert trial["zero_cost"] == str((tmp_path / "zc.csv").resolve())
    (plain,) = search_trials(["pls"], data=tmp_path / "t.csv", **common)
    assert "zero_cost" not in plain and plain["hash"] != trial["hash"]


@pytest.mark.parametrize("name", ["predictor_local_search", "bananas", "npenas"])
def test_a_user_proxy_table_without_synflow_or_params_is_read_by_name(chain8, cache, name):
    """The "auto" warm start reads the registered proxies a user's table has when it has
    neither synflow nor params (it computed its own in the table's place without a word);
    a column nasperf does not know by name (here the label) is never read, and a table with
    only such columns is said to be unused."""
    values = chain8.table_values()
    zc = pd.DataFrame({"jacov": values.rank().to_numpy(), "val_acc": -values}, index=values.index)
    h = run(name, objective=chain8, zero_cost=zc, budget=3, seed=0)
    assert h["arch"].iloc[0] == values.idxmax()  # jacov's best, not the label's worst
    assert (
        "zero-cost warm start: jacov from the run's table (it has neither synflow nor params)"
        in h.attrs["notes"]
    )
    h = run(
        name,
        objective=chain8,
        zero_cost=zc[["val_acc"]],
        budget=3,
        seed=0,
        params={"proxy_pool": 50},
    )
    assert h.attrs["notes"][0].startswith(
        "the run's zero-cost table was not used: none of its columns (val_acc) is named"
    )


def test_an_unused_user_proxy_table_is_not_the_predictor_s_features(chain8, cache, monkeypatch):
    """Where the computed proxies stay the warm start's only (expensive networks), the
    user's table that was not used must not reach the predictor either (its fit refused a
    table without a registered proxy column)."""
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", 0.0)
    values = chain8.table_values()
    zc = pd.DataFrame({"val_acc": values}, index=values.index)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=chain8, zero_cost=zc, budget=6, seed=0)
    assert len(h) == 6 and "zero_cost" not in opt.side_ and len(opt.zero_cost_) == 12


def test_optimum_lists_every_tied_architecture_and_any_of_them_counts():
    values = np.arange(27, dtype=float)
    values[[5, 20]] = 100.0  # two architectures share the best value
    obj = _chain_objective(values)
    archs, best = obj.optimum()
    assert best == 100.0 and archs == (CHAIN_ARCHS[5], CHAIN_ARCHS[20])
    h = run("random_search", objective=obj, budget=27, seed=0)
    assert h.attrs["optimum_archs"] == list(archs)
    first = int(np.flatnonzero(h.arch.isin(archs))[0]) + 1  # whichever comes first
    hist = h.assign(label="rs", seed=0)
    summary = summarize_search(hist, table_values=obj.table_values(), checkpoints=())
    row = summary.iloc[0]
    assert row["optimum: found"] == "1/1" and row["optimum: queries median"] == first
    # the analytic random-search row counts both targets: median of the first of 2 in 27
    assert summary.iloc[1]["optimum: queries mean"] == pytest.approx(28 / 3)
    # a benchmark of queries to the optimum can stop there
    short = run("random_search", objective=obj, budget=27, seed=0, stop_at_optimum=True)
    assert short.arch.tolist() == h.arch.iloc[:first].tolist()
    assert f"found the optimum at query {first}" in short.attrs["notes"][-1]


class _Stubborn(Optimizer):
    """Asks for a fixed list of architectures, then the first one forever."""

    name = "stubborn"

    def __init__(self, *, plan=()) -> None:
        self.plan = plan

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.todo_ = list(self.plan)
        self.told_: list[float] = []

    def ask(self):
        texts = self.todo_.pop(0) if self.todo_ else [self.plan[0][0]]
        return [Query(self.space_.parse(t)) for t in texts]

    def tell(self, queries, values) -> None:
        self.told_ += list(values)


def test_repeats_return_the_stored_value_free_and_do_not_count_against_the_budget():
    a, b, c = CHAIN_ARCHS[:3]
    obj = _chain_objective(np.arange(27.0) + 1, cost_column=None)
    opt = _Stubborn(plan=[[a, a], [b], [a, c]])
    h = run(opt, objective=obj, budget=3, seed=0)
    assert h.arch.tolist() == [a, a, b, a, c]
    assert h.repeat.tolist() == [False, True, False, True, False]
    assert h["query"].tolist() == [1, 1, 2, 2, 3]  # distinct paid queries
    assert h.train_cost_s.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert opt.told_ == [1.0, 1.0, 2.0, 1.0, 3.0]  # a repeat is told the stored value
    assert h.attrs["repeats"] == 2
    # an optimizer that finds nothing new is stopped, and the report says why
    h = run(_Stubborn(plan=[[a]]), objective=obj, budget=5, seed=0)
    assert len(h) == 1 + MAX_REPEATS_IN_A_ROW and h["query"].max() == 1
    assert "already queried" in h.attrs["notes"][-1]


def test_a_search_stops_when_every_architecture_is_queried():
    obj = _chain_objective(np.arange(27.0))
    h = run("random_search", objective=obj, budget=40, seed=1)
    assert len(h) == 27 and h.arch.is_unique
    assert "every one of the 27 architectures" in h.attrs["notes"][-1]


@pytest.mark.parametrize("name", ["regularized_evolution", "local_search"])
def test_evolution_and_local_search_do_not_pay_twice(name, chain8):
    params = {"population_size": 20, "sample_size": 5} if name == "regularized_evolution" else {}
    h = run(name, objective=chain8, budget=150, seed=0, params=params)
    assert h["query"].max() == 150
    assert h.repeat.sum() == 0 and h.arch.is_unique


def test_local_search_restarts_from_a_local_optimum():
    # a trap: values rise towards T = conv3x3 x 3; the optimum G = skip x 3 sits among the
    # worst architectures, so a climb from almost anywhere ends at T
    trap = np.array([sum(op == "conv3x3" for op in a.split("-")) for a in CHAIN_ARCHS], float)
    goal = CHAIN_ARCHS.index("skip-skip-skip")
    trap[goal] = 10.0
    obj = _chain_objective(trap)
    for restart, seed in itertools.product(("random", "perturb"), range(4)):
        opt = LocalSearch(n_init=1, restart=restart)
        h = run(opt, objective=obj, budget=27, seed=seed)
        # 27 distinct queries: the whole space, so restarts never stalled on a repeat
        assert h.arch.is_unique and len(h) == 27 and h.regret.iloc[-1] == 0.0
        assert opt.n_restarts_ >= 1


def test_local_search_escapes_the_local_optima_of_a_rugged_space(chain8):
    # chain8's NK landscape has 16 local optima; restarting at each, local search finds the
    # optimum of 6,561 within 300 queries in 18 of 20 seeds (a climb that stops at the first
    # local optimum and then samples at random: 11 of 20)
    found = [
        run("local_search", objective=chain8, budget=300, seed=s).regret.iloc[-1] == 0.0
        for s in range(5)
    ]
    assert sum(found) >= 4


def test_warm_start_computes_data_free_proxies_where_no_table_exists(cache):
    rng = np.random.default_rng(0)
    obj = _chain_objective(rng.uniform(50, 90, 27))
    h = run("pls", objective=obj, budget=6, seed=0, params={"n_init": 3})
    zc = compute(ChainSpace(), CHAIN_ARCHS, ["synflow", "params"])
    rank = zc.rank(pct=True).mean(axis=1).sort_values(ascending=False, kind="stable")
    assert h.arch.iloc[:3].tolist() == rank.index[:3].tolist()
    assert any("computed on a pool of 27 architectures" in n for n in h.attrs["notes"])
    # charged at the recorded seconds, the same when the scores come from the cache
    recorded = float(np.sum(zc.attrs["seconds"]))
    again = run("pls", objective=obj, budget=6, seed=0, params={"n_init": 3})
    assert again.arch.tolist() == h.arch.tolist()
    for hist in (h, again):
        # recorded seconds plus the optimizer's own setup (parsing, ranking: milliseconds)
        assert recorded <= hist.overhead_s.iloc[0] < recorded + 1.0
    b = run("bananas", objective=obj, budget=4, seed=0, params={"n_init": 3})
    assert b.arch.iloc[:3].tolist() == rank.index[:3].tolist()


def test_warm_start_pool_is_sampled_from_a_large_table(cache, chain8):
    h = run("pls", objective=chain8, budget=3, seed=0, params={"n_init": 3, "proxy_pool": 12})
    assert any("pool of 12 architectures" in n for n in h.attrs["notes"])
    assert cache.exists()


def test_predictor_features_are_computed_for_every_architecture_it_sees(cache, chain8, monkeypatch):
    # a pool of 12 of 6,561 warm-starts the search; the predictor's zero-cost features are
    # then computed (cached) for each architecture it is fitted on or scores. (The bound
    # on the seconds per network is lifted: chain8's small CNNs take milliseconds, but a
    # loaded machine must not decide what is tested.)
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", float("inf"))
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=chain8, budget=8, seed=0)
    assert any("computed for every architecture the predictor sees" in n for n in h.attrs["notes"])
    table = opt.side_["zero_cost"]
    queried = [Chain8Space().to_string(a) for a in opt.archs_]
    assert set(queried) <= set(table.index) and len(table) > 12 and table.index.is_unique
    # every model of the ensemble reads them but the hedge, fitted without them
    import nasperf.search._predictor_guided as guided

    hedge = guided.ZC_FEATURES_HEDGE
    used = [m.uses_zero_cost_ for m in opt.models_]
    assert used == [["synflow", "params"]] * (opt.n_models - hedge) + [[]] * hedge
    assert any("(1 of the 5 ensemble models fitted without them)" in n for n in h.attrs["notes"])
    # the same scores as computing them directly (read back from the cache: exact)
    direct = compute(Chain8Space(), queried, ["synflow", "params"])
    pd.testing.assert_frame_equal(table.loc[queried], direct, check_names=False)


@pytest.mark.parametrize("sign", [1.0, -1.0, 0.0], ids=["informative", "misleading", "noise"])
def test_computed_features_stay_only_while_they_rank_like_the_values(cache, monkeypatch, sign):
    import nasperf.search._predictor_guided as guided
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", float("inf"))
    zc = compute(ChainSpace(), CHAIN_ARCHS, ["synflow", "params"])
    rank = zc.rank(pct=True).mean(axis=1)
    # values that rank exactly like the proxies, exactly against them (misleading for a
    # maximised accuracy), or that nothing ranks (all equal: no correlation at all)
    values = 50 + sign * rank.loc[CHAIN_ARCHS].to_numpy()
    obj = _chain_objective(values)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=obj, budget=guided.ZC_FEATURES_MIN_QUERIES + 4, seed=0)
    dropped = [n for n in h.attrs["notes"] if "zero-cost features dropped" in n]
    if sign > 0:
        assert not dropped and "zero_cost" in opt.side_
    else:
        assert len(dropped) == 1 and ("Spearman -1.00" if sign else "Spearman 0.00") in dropped[0]
        assert "zero_cost" not in opt.side_ and opt.models_[0].uses_zero_cost_ == []


def test_a_minimised_cost_keeps_the_features_that_rank_it_inversely(cache, monkeypatch):
    # a latency rises with the proxies (larger networks): its values (-latency) rank against
    # them, as the warm start assumed for a cost; dropped as "Spearman -0.95" before
    import nasperf.search._predictor_guided as guided
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", float("inf"))
    zc = compute(ChainSpace(), CHAIN_ARCHS, ["synflow", "params"])
    latency = 1 + zc.rank(pct=True).mean(axis=1).loc[CHAIN_ARCHS].to_numpy()
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    table = pd.DataFrame({"latency_ms": latency}, index=CHAIN_ARCHS)
    objective = TableObjective(table, "chain", "latency_ms", name="chain", maximize=False)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=objective, budget=guided.ZC_FEATURES_MIN_QUERIES + 4, seed=0)
    assert not [n for n in h.attrs["notes"] if "zero-cost features dropped" in n]
    assert opt.proxy_sign_ == -1.0 and "zero_cost" in opt.side_
    # the warm start's first: the cheapest of its pool of 12, below the median latency
    assert -h["value"].iloc[0] < np.median(latency)


def test_expensive_networks_keep_the_warm_start_only(cache, chain8, monkeypatch):
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", 0.0)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=chain8, budget=6, seed=0)
    assert "zero_cost" not in opt.side_ and len(opt.zero_cost_) == 12
    assert not any("predictor sees" in n for n in h.attrs["notes"])


def test_a_pool_recorded_under_load_is_timed_afresh(cache, chain8, monkeypatch):
    # The pool comes from the cache with the seconds recorded whenever it was computed (here
    # as if on a machine 10,000x busier): a few fresh computations decide instead, and the
    # search is still charged the recorded seconds.
    import nasperf.search._proxy_pool as pool
    from nasperf.zero_cost.cache import ProxyCache

    recorded = ProxyCache.seconds

    def busy(self, *args, **kwargs):
        return {k: 10_000 * v for k, v in recorded(self, *args, **kwargs).items()}

    monkeypatch.setattr(ProxyCache, "seconds", busy)
    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", 5.0)  # chain8's CNNs: milliseconds
    run(PredictorLocalSearch(n_init=3, proxy_pool=12), objective=chain8, budget=3, seed=0)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)  # the pool is now in the cache
    h = run(opt, objective=chain8, budget=6, seed=0)
    settings = opt.zero_cost_.attrs["settings"]
    assert sum(settings["seconds_per_arch"].values()) > 5.0  # the cache's record
    assert 0 < settings["probe_seconds_per_arch"] < 5.0  # measured now
    assert any("predictor sees" in n for n in h.attrs["notes"]) and "zero_cost" in opt.side_


@pytest.mark.parametrize(("bound", "calls"), [(1e9, 1), (0.03, 3), (0.001, 1)])
def test_the_fresh_probe_stops_once_decided(monkeypatch, bound, calls):
    # each fresh computation takes ~0.05 s here: within the bound one decides (cheap), over
    # four times the bound one decides (expensive), in between all three are timed
    import time

    import nasperf.search._proxy_pool as pool
    import nasperf.zero_cost

    seen = []

    def fake_compute(space, archs, proxies, *args, **kwargs):
        seen.append((list(archs), kwargs.get("cache")))
        time.sleep(0.05)

    monkeypatch.setattr(nasperf.zero_cost, "compute", fake_compute)
    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", bound)
    best = pool.probe_seconds(None, ["a", "b", "c", "d"], ["synflow"], None, None)
    assert len(seen) == calls and best >= 0.05
    assert [a for a, _ in seen] == [["a"], ["b"], ["c"]][:calls]
    assert all(cache is False for _, cache in seen)  # measured now, never read back


def test_search_command_on_a_user_table(tmp_path, capsys):
    path = tmp_path / "chain8.csv"
    chain8_table().to_csv(path)
    code = search_main(
        [
            "--import",
            "tests.search.user_spaces",
            "--space",
            "user_chain8",
            "--data",
            str(path),
            "--target",
            "val_acc",
            "--methods",
            "rs,ls",
            "--seeds",
            "2",
            "--budget",
            "15",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "sim. time median (queries)" in out and "every query costs 1 unit" in out
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert set(summary["method"]) == {"random_search", "local_search", "random_search (analytic)"}
    with pytest.raises(SystemExit):
        search_main(["--data", str(path), "--target", "val_acc", "--out", str(tmp_path / "x")])
    assert "needs its space and target column" in capsys.readouterr().err


def test_proxy_tables_carry_the_recorded_seconds(cache):
    first = compute(ChainSpace(), CHAIN_ARCHS[:3], ["synflow", "params"])
    assert all(s > 0 for s in first.attrs["seconds"])
    # from the cache: the seconds recorded when they were computed, for any subset of them
    assert (
        compute(ChainSpace(), CHAIN_ARCHS[:3], "synflow,params").attrs["seconds"]
        == (first.attrs["seconds"])
    )
    assert (
        compute(ChainSpace(), CHAIN_ARCHS[:3], "params").attrs["seconds"]
        == (first.attrs["seconds"])
    )
    (uncached,) = compute(ChainSpace(), CHAIN_ARCHS[:1], "params", cache=None).attrs["seconds"]
    assert uncached > 0  # measured now


@pytest.mark.parametrize("declared", [True, False])
def test_a_space_can_decide_on_demand_proxies_whatever_the_machine(
    cache, chain8, monkeypatch, declared
):
    # a space's own on_demand_proxies wins over the measured seconds per network (which
    # depend on the machine): on a space that says False nothing is computed beyond the
    # pool even with no bound, and one that says True gets the features with a zero bound
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", 0.0 if declared else float("inf"))
    monkeypatch.setattr(Chain8Space, "on_demand_proxies", declared, raising=False)
    opt = PredictorLocalSearch(n_init=3, proxy_pool=12)
    h = run(opt, objective=chain8, budget=6, seed=0)
    extended = any("predictor sees" in n for n in h.attrs["notes"])
    assert extended == declared
    assert ("zero_cost" in opt.side_) == declared
    assert (len(opt.zero_cost_) > 12) == declared


def test_slow_benchmark_spaces_keep_the_warm_start_only():
    from nasperf.spaces.nb301 import NB301Space
    from nasperf.spaces.nbgraph import NBGraphSpace

    assert NB301Space.on_demand_proxies is False and NBGraphSpace.on_demand_proxies is False


@pytest.fixture(scope="module")
def macro_objective():
    from examples.macro_space import load_macro_benchmark

    return TableObjective(load_macro_benchmark()[["test_acc"]], "macro", "test_acc")


def test_a_table_with_one_result_per_network_is_recognised(macro_objective):
    from nasperf.spaces import get_space

    # NAS-Bench-Macro trained each network once: architectures that differ only in where a
    # stage's identities sit (equal space.hash) share their results
    assert macro_objective.one_result_per_network and macro_objective.n_networks == 3969
    table = macro_objective.table_values()
    # one differing group: every architecture is its own result again
    changed = table.copy()
    changed["00000010"] += 0.01
    assert not TableObjective(changed.to_frame("acc"), "macro", "acc").one_result_per_network
    # no two rows of one network: nothing to share
    space = get_space("macro")
    single = table[[space.canonical(space.parse(a)) == space.parse(a) for a in table.index]]
    assert not TableObjective(single.to_frame("acc"), "macro", "acc").one_result_per_network
    # NB201 trained isomorphic cells separately, and a chain has no equivalent rows
    nb201 = TableObjective.from_benchmark("nb201", "cifar10")
    assert not nb201.one_result_per_network
    assert not _chain_objective(np.arange(27.0)).one_result_per_network
    # read once per table and process: an equal table is not hashed again
    import nasperf.search.objective as objective_module

    again = TableObjective(changed.to_frame("acc"), "macro", "acc")
    again._read_per_network = None  # would fail if called
    assert not again.one_result_per_network and len(objective_module._PER_NETWORK) >= 4
    # or as the user says
    said = _chain_objective(np.arange(27.0), one_result_per_network=True)
    assert said.one_result_per_network
    with pytest.raises(TypeError, match="one_result_per_network must be True, False or None"):
        _chain_objective(np.arange(27.0), one_result_per_network="yes")


def test_a_second_architecture_of_a_paid_network_is_a_free_repeat(macro_objective):
    a, b, c = "00000001", "00000010", "00000002"  # a and b build the same network
    opt = _Stubborn(plan=[[a], [b], [c]])
    h = run(opt, objective=macro_objective, budget=2, seed=0)
    assert h.arch.tolist() == [a, b, c] and h.repeat.tolist() == [False, True, False]
    assert h["query"].tolist() == [1, 1, 2] and h.train_cost_s.tolist() == [1.0, 0.0, 1.0]
    assert h.value.iloc[1] == h.value.iloc[0]
    assert any("one result per network" in n for n in h.attrs["notes"])


@pytest.mark.parametrize(
    "name, params",
    [
        ("random_search", {}),
        ("regularized_evolution", {"population_size": 20, "sample_size": 5}),
        ("local_search", {}),
        ("npenas", {"warm_start": None, "use_zero_cost": False}),
        ("predictor_local_search", {"warm_start": None, "use_zero_cost": False}),
    ],
)
def test_optimizers_do_not_ask_for_a_network_they_have_queried(macro_objective, name, params):
    from nasperf.spaces import get_space

    space = get_space("macro")
    h = run(name, objective=macro_objective, budget=40, seed=0, params=params)
    assert h["query"].max() == 40 and not h.repeat.any()
    assert len({space.hash(space.parse(a)) for a in h.arch}) == 40


@pytest.mark.parametrize("name", ["predictor_local_search", "bananas", "npenas"])
def test_the_warm_start_asks_for_each_network_once(macro_objective, name):
    """Architectures that build one network share their proxies, so they tie in the warm
    start's ranking: it takes one of each (before: 9 rows for the 7 networks, 2 repeats)."""
    table = macro_objective.table_values()
    part = table[table.index.str.startswith("222222")].to_frame("acc")  # 9 archs, 7 networks
    obj = TableObjective(part, "macro", "acc")
    h = run(name, objective=obj, budget=20, seed=0, params={"n_init": 10})
    assert len(h) == 7 and h["query"].max() == 7 and not h.repeat.any()


def test_a_search_stops_when_every_network_is_queried(macro_objective):
    # the 9 architectures "222222xy": the last stage's two inner layers, where "01" and
    # "10" (and "02" and "20") are one network: 7 networks
    table = macro_objective.table_values()
    part = table[table.index.str.startswith("222222")].to_frame("acc")
    obj = TableObjective(part, "macro", "acc")
    assert obj.one_result_per_network and obj.n_networks == 7
    h = run("random_search", objective=obj, budget=20, seed=0)
    assert h["query"].max() == 7 and not h.repeat.any()
    assert "every one of the 7 networks was queried" in h.attrs["notes"][-1]


_POOL_CHILD = """
import os, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
from nasperf.search import TableObjective, run
from tests.search.user_spaces import Chain8Space, chain8_table

build = Chain8Space.build_network

def logged(self, arch, *args, **kwargs):
    with open(folder / "builds.log", "a") as f:
        f.write(self.to_string(arch) + "\\n")
    time.sleep(0.02)  # a network that takes a moment: the two searches overlap
    return build(self, arch, *args, **kwargs)

Chain8Space.build_network = logged
obj = TableObjective(chain8_table(), "user_chain8", "val_acc", name="chain8")
(folder / f"ready-{sys.argv[2]}").touch()
while len(list(folder.glob("ready-*"))) < 2:  # start together
    time.sleep(0.01)
h = run("pls", objective=obj, budget=3, seed=0, params={"n_init": 3, "proxy_pool": 40})
print(",".join(h.arch))
"""


def test_searches_started_together_compute_the_proxy_pool_once(tmp_path):
    """Two processes (a study's workers) start a search on one space without a proxy table:
    one computes the pool, the other waits and reads it from the cache."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NASPERF_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(root)}
    env["OMP_NUM_THREADS"] = "1"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _POOL_CHILD, str(tmp_path), str(i)],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert outs[0][0] == outs[1][0]  # the same warm start
    builds = (tmp_path / "builds.log").read_text().split()
    # 40 pool networks once, plus each process's one build that checks the space can build
    # (and, on a machine so loaded that a network took over 0.5 s, up to 3 timing probes
    # each); computed twice, the pool alone would be 80
    assert len(set(builds)) == 40 and 42 <= len(builds) <= 48


@pytest.mark.parametrize(
    ("max_seconds", "params", "size", "said"),
    [
        (float("inf"), {}, 27, "(cheap networks: every candidate)"),
        (0.0, {}, 10, None),  # expensive networks: the default pool only
        (float("inf"), {"proxy_pool": 12}, 12, None),  # a pool the user set is kept
    ],
    ids=["cheap", "expensive", "explicit"],
)
def test_the_default_pool_ranks_every_candidate_where_networks_are_cheap(
    cache, monkeypatch, max_seconds, params, size, said
):
    import nasperf.search._proxy_pool as pool

    monkeypatch.setattr(pool, "DEFAULT_POOL", 10)
    monkeypatch.setattr(pool, "ON_DEMAND_MAX_SECONDS", max_seconds)
    values = np.random.default_rng(1).uniform(50, 90, 27)
    opt = PredictorLocalSearch(n_init=3, **params)
    h = run(opt, objective=_chain_objective(values), budget=3, seed=0)
    note = next(n for n in h.attrs["notes"] if "computed on a pool of" in n)
    assert len(opt.zero_cost_) == size and f"pool of {size} architectures" in note
    assert (said in note) if said else "cheap networks" not in note
    # the warm start is the best of that pool by the proxies
    zc = compute(ChainSpace(), list(opt.zero_cost_.index), ["synflow", "params"])
    best = zc.rank(pct=True).mean(axis=1).sort_values(ascending=False, kind="stable")
    assert h.arch.tolist() == best.index[:3].tolist()
    # up to CHEAP_POOL architectures
    monkeypatch.setattr(pool, "CHEAP_POOL", 20)
    if not params and max_seconds > 0:
        opt = PredictorLocalSearch(n_init=3)
        h = run(opt, objective=_chain_objective(values), budget=3, seed=0)
        assert len(opt.zero_cost_) == 20
        assert any(
            "pool of 20 architectures (cheap networks: up to 20)" in n for n in h.attrs["notes"]
        )


def test_the_nopool_user_space_holds_exactly_its_table():
    # bench/any_space.py's nb201_nopool_in16 case: NB201 cells without avg_pool_3x3
    from .user_spaces import NB201NoPoolSpace, nb201_nopool_table

    space = NB201NoPoolSpace()
    table = nb201_nopool_table("ImageNet16-120")
    texts = {space.to_string(a) for a in space.enumerate()}
    assert len(texts) == space.size == len(table) == 4**6 and texts == set(table.index)
    arch = space.parse(table.index[0])
    assert all(
        sum(a != b for a, b in zip(n.ops, arch.ops, strict=True)) == 1
        for n in space.neighbors(arch)
    )
    assert len(space.neighbors(arch)) == 6 * 3
    with pytest.raises(InvalidArchitectureError, match="avg_pool_3x3"):
        space.parse("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def test_the_variable_depth_spaces_views_and_table() -> None:
    """``user_vardepth`` and ``user_vardepth_stages``: one space, two cell views. Both
    enumerate the 2,744 networks; parse / to_string round-trip; neighbours are one kernel
    change, one layer added or the last one dropped, and symmetric. In the one-cell view
    the first layer of the last stage moves with the depths before it; in the per-stage
    view it is always node 1 of cell 2. The synthetic table's target is its seeds' mean."""
    from .user_spaces import VarDepthSpace, VarDepthStagesSpace, vardepth_table

    one, per_stage = VarDepthSpace(), VarDepthStagesSpace()
    archs = list(one.enumerate())
    texts = [one.to_string(a) for a in archs]
    assert len(set(texts)) == one.size == 2744
    assert all(one.parse(t) == a for t, a in zip(texts[::97], archs[::97], strict=True))
    arch = one.parse("3,5|5|3,3,5")
    nbs = {one.to_string(n) for n in one.neighbors(arch)}
    assert nbs == {
        "5,5|5|3,3,5", "3,3|5|3,3,5", "3,5,3|5|3,3,5", "3,5,5|5|3,3,5", "3|5|3,3,5",
        "3,5|3|3,3,5", "3,5|5,3|3,3,5", "3,5|5,5|3,3,5",
        "3,5|5|5,3,5", "3,5|5|3,5,5", "3,5|5|3,3,3", "3,5|5|3,3",
    }  # fmt: skip
    assert all(arch in one.neighbors(n) for n in one.neighbors(arch))
    for text in ("3,5|5", "3,7|5|3", "3|5|3,3,3,3", "a|b|c", 35):
        with pytest.raises(InvalidArchitectureError):
            one.parse(text)
    shallow, deep = one.parse("3|3|5"), one.parse("3,3,3|3,3,3|5")
    assert one.cells(shallow)[0].ops[3] == "k5" and one.cells(deep)[0].ops[7] == "k5"
    assert [c.ops[1] for c in per_stage.cells(shallow)] == ["k3", "k3", "k5"]
    assert [c.ops[1] for c in per_stage.cells(deep)] == ["k3", "k3", "k5"]
    net = one.build_network(deep, "cifar10")
    import torch

    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    table = vardepth_table()
    assert list(table.columns) == ["val_acc", "s0", "s1", "s2"] and len(table) == 2744
    np.testing.assert_allclose(table["val_acc"], table[["s0", "s1", "s2"]].mean(axis=1))
    assert set(table.index) == set(texts)


def test_search_command_takes_a_user_tables_fidelity_columns(tmp_path, capsys):
    """``--fidelity-columns EPOCHS=COLUMN,...`` gives SH / Hyperband / BOHB a user table's
    cheaper fidelities, charged epochs / full epochs of --cost."""
    from nasperf.search.study import read_search_study, search_trials

    table = chain8_table()
    table["acc3"] = table["val_acc"] - 5.0 + np.random.default_rng(0).normal(0, 1, len(table))
    table["train_s"] = 270.0
    path = tmp_path / "chain8.csv"
    table.to_csv(path)
    base = ["--import", "tests.search.user_spaces", "--space", "user_chain8", "--data", str(path)]
    base += ["--target", "val_acc", "--cost", "train_s", "--no-progress"]
    code = search_main(
        [*base, "--fidelity-columns", "3=acc3, 27=val_acc", "--methods", "sh", "--seeds", "1"]
        + ["--budget", "12", "--out", str(tmp_path / "out")]
    )
    assert code == 0
    h = read_search_study(tmp_path / "out")
    # eta 3 over 3 and 27 epochs: brackets of 3 at 3 epochs, then the best one at 27
    assert h["fidelity"].tolist() == (["3ep"] * 3 + ["27ep"]) * 3
    np.testing.assert_allclose(h["train_cost_s"], ([30.0] * 3 + [270.0]) * 3)
    low = h[h["fidelity"] == "3ep"]
    np.testing.assert_allclose(low["value"], table.loc[low["arch"], "acc3"])
    for bad, message in (
        (
            "3:acc3,27=val_acc",
            "--fidelity-columns takes EPOCHS=COLUMN,... (e.g. 12=acc12,200=acc200), got '3:acc3'",
        ),
        ("-3=acc3,27=val_acc", "got '-3=acc3'"),
        ("0=acc3,27=val_acc", "fidelity_columns: epochs must be a positive int, got 0"),
        (
            "27=acc3,3=val_acc",
            "fidelity_columns: epochs must increase, cheapest first; 3 follows 27",
        ),
        (
            "3=acc3,27=acc3",
            "the last (full-training) fidelity's column must be the target 'val_acc', got 'acc3'",
        ),
        ("3=nope,27=val_acc", "the table has no column(s) ['nope']"),
    ):
        with pytest.raises(SystemExit):
            search_main([*base, f"--fidelity-columns={bad}", "--out", str(tmp_path / "x")])
        assert message in capsys.readouterr().err, bad
    with pytest.raises(ValueError, match="fidelity_columns name columns of a table: give data"):
        search_trials(["sh"], fidelity_columns=[(3, "acc3"), (27, "val_acc")])
    # without the flag the trials (and their hashes) are those of before
    (plain,) = search_trials(
        ["sh"], space="user_chain8", data=path, target="val_acc", cost="train_s", seeds=1
    )
    assert "fidelity_columns" not in plain


def test_bench_any_space_quick_limits_every_warm_start_pool(tmp_path, monkeypatch):
    """``bench/any_space.py --quick`` on a user table scores a pool of 500 for the warm start
    of every method that has one (npenas too), not the table's 6,561 networks; on
    NAS-Bench-Graph npenas keeps the space's pool of 100 (its README row's setting)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "any_space.py"
    spec = importlib.util.spec_from_file_location("bench_any_space_pool", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    warm = ["bananas", "npenas", "predictor_local_search"]
    trials = module._search_trials(
        module.SEARCH_CASES["chain8"], tmp_path, 1, True, [*warm, "random_search"]
    )
    pools = {t["optimizer"]: (t.get("params") or {}).get("proxy_pool") for t in trials}
    assert pools == {**dict.fromkeys(warm, 500), "random_search": None}
    assert module._NBGRAPH_POOL == {m: {"proxy_pool": 30} for m in warm if m != "npenas"}


def test_a_space_s_own_task_is_what_its_networks_are_measured_and_warm_started_on(
    cache, monkeypatch, tmp_path
):
    # A space whose networks take one-channel 16 x 16 inputs declares its task once
    # (default_dataset): params / flops, compute() and the searches' warm start all build
    # for it. The warm start had built every network for CIFAR-10 (3 x 32 x 32) instead,
    # silently, and nasperf search refused the task's name for --dataset.
    import nasperf.zero_cost as zc
    from nasperf.search.study import search_trials
    from nasperf.spaces import ImageTask

    gray = ImageTask("gray16", 1, 16, 10)

    class GrayChain8(Chain8Space):
        name = "user_gray_chain8"
        default_dataset = gray

    register_space(monkeypatch, GrayChain8, "user_gray_chain8")
    space = GrayChain8()
    arch = space.sample(1, seed=0)[0]
    assert space.params(arch) == space.params(arch, gray) != space.params(arch, "cifar10")
    assert space.flops(arch) == space.flops(arch, gray)
    assert zc.compute(space, [arch], ["params"], cache=None).iloc[0, 0] == pytest.approx(
        space.params(arch), rel=1e-6
    )

    seen = []
    real = zc.compute

    def recording(space_, archs, proxies, dataset=None, **kw):
        seen.append(dataset)
        return real(space_, archs, proxies, dataset, **kw)

    monkeypatch.setattr(zc, "compute", recording)
    table = chain8_table().iloc[:300]
    obj = TableObjective(table, "user_gray_chain8", "val_acc", cost_column=None)
    hist = run("predictor_local_search", objective=obj, budget=8, params={"proxy_pool": 20})
    assert seen and all(d is gray for d in seen), seen
    assert any("zero-cost warm start" in n for n in hist.attrs["notes"])

    path = tmp_path / "t.csv"
    table.rename_axis("arch").to_csv(path)
    common = {"space": "user_gray_chain8", "data": path, "target": "val_acc", "seeds": 1}
    (trial,) = search_trials(["random_search"], **common)
    assert trial["dataset"] == "gray16"  # the space's own task, by its name (JSON)
    (named,) = search_trials(["random_search"], dataset="gray16", **common)
    assert named["dataset"] == "gray16"
    with pytest.raises(ValueError, match=r"unknown dataset 'gray61'"):
        search_trials(["random_search"], dataset="gray61", **common)
    # the command end to end: it had stored the task as null, which its own results
    # folder then refused ("its row's dataset is null, not text") after every search ran
    mod = tmp_path / "gray_space.py"
    mod.write_text(
        "from nasperf.spaces import SPACES, ImageTask\n"
        "from tests.search.user_spaces import Chain8Space\n"
        "class GrayChain8(Chain8Space):\n"
        "    name = 'user_gray_chain8'\n"
        "    default_dataset = ImageTask('gray16', 1, 16, 10)\n"
        "if 'user_gray_chain8' not in SPACES:\n"
        "    SPACES.register('user_gray_chain8')(GrayChain8)\n"
    )
    out = tmp_path / "out"
    argv = ["--import", str(mod), "--space", "user_gray_chain8", "--data", str(path)]
    argv += ["--target", "val_acc", "--methods", "rs", "--seeds", "1", "--budget", "5"]
    assert search_main([*argv, "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert (out / "summary.csv").exists()


def test_a_sparse_table_says_that_local_moves_become_random_draws():
    # a user who labels a few hundred random architectures of a large space: hardly any
    # has a labelled neighbour, so local search and evolution move at random; the notes
    # had been silent, and the comparison read as if they were real local searches
    import nasperf
    from nasperf.search.run import labelled_neighbour_share

    bench = nasperf.load_benchmark("nb201", "cifar10")[["val_acc_200ep"]]
    sparse = TableObjective(bench.sample(150, random_state=0), "nb201", "val_acc_200ep")
    share = labelled_neighbour_share(sparse)
    assert share is not None and share < 0.5
    hist = run("local_search", objective=sparse, budget=5, seed=0)
    (note,) = [n for n in hist.attrs["notes"] if "have a neighbour in the table" in n]
    assert note.startswith(f"only {share:.0%} of the table's architectures have a neighbour")
    hist = run("random_search", objective=sparse, budget=5, seed=0)
    assert not any("neighbour in the table" in n for n in hist.attrs["notes"])
    dense = TableObjective(bench.sample(8000, random_state=0), "nb201", "val_acc_200ep")
    assert labelled_neighbour_share(dense) > 0.9
    hist = run("local_search", objective=dense, budget=5, seed=0)
    assert not any("neighbour in the table" in n for n in hist.attrs["notes"])


def _spread_table(n: int) -> pd.DataFrame:
    """``n`` NB201 cells of which none is a neighbour of another (one edit apart)."""
    import nasperf

    bench = nasperf.load_benchmark("nb201", "cifar10")[["val_acc_200ep"]]
    space = nasperf.get_space("nb201")
    kept: set[str] = set()
    for text in bench.sample(frac=1.0, random_state=0).index:
        if not any(space.to_string(nb) in kept for nb in space.neighbors(space.parse(text))):
            kept.add(text)
            if len(kept) == n:
                break
    return bench.loc[sorted(kept)]


class _Oracle(PREDICTORS.get("xgb")):
    """xgb that predicts the table's own values (what the search ranks by, exactly)."""

    truth: ClassVar[dict[str, float]] = {}

    def fit(self, archs, y, **side):
        return self

    def predict(self, archs, **side):
        space = get_space("nb201")
        return np.array(
            [self.truth[a if isinstance(a, str) else space.to_string(a)] for a in archs]
        )


def test_pls_ranks_random_candidates_where_no_neighbour_is_labelled():
    # a partial table of a large space: no architecture has a labelled neighbour, so pls's
    # neighbourhoods are empty after its warm start; it had then queried one random
    # architecture a round without asking its predictor (random search, row for row,
    # while bananas and npenas ranked their random fallbacks). It ranks a pool now.
    table = _spread_table(150)
    rank = table["val_acc_200ep"].rank(ascending=False)
    _Oracle.truth = table["val_acc_200ep"].to_dict()
    obj = TableObjective(table, "nb201", "val_acc_200ep")
    params = {"warm_start": None, "use_zero_cost": False, "radius": 1, "max_radius": 1}
    hist = run("pls", objective=obj, budget=15, seed=0, params=params, predictor=_Oracle())
    # each round's best of 100 random cells of the ~140 left: within the table's top 20
    assert rank[hist["arch"].iloc[5:]].max() <= 20
    (note,) = [n for n in hist.attrs["notes"] if "neighbour in the table" in n]
    assert "which its model ranks: it screens the table more than it climbs" in note
    unranked = {**params, "fallback_pool": 1}  # one random query a round, as before
    hist = run("pls", objective=obj, budget=15, seed=0, params=unranked, predictor=_Oracle())
    assert rank[hist["arch"].iloc[5:]].median() > 30
    hist = run("local_search", objective=obj, budget=5, seed=0)
    (note,) = [n for n in hist.attrs["notes"] if "neighbour in the table" in n]
    assert "so it searches much like random search" in note
