"""Successive Halving, Hyperband and BOHB: rungs, bracket structure, promotions, BOHB's model."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from nasperf import search
from nasperf.datasets import load_benchmark
from nasperf.search import get_objective, run
from nasperf.search._brackets import fidelity_rungs

from .helpers import LayerSpace, context_for, layer_objective, layer_table

NB301_FIDS = tuple(f"{e}ep" for e in range(1, 99))
NB301_EPOCHS = {f: int(f[:-2]) for f in NB301_FIDS}
NB301_RUNGS = ("1ep", "4ep", "11ep", "33ep", "98ep")
LAYER_RUNGS = ("3ep", "9ep", "27ep")


@pytest.fixture(scope="module")
def nb201():
    return load_benchmark("nb201", "cifar10")


@pytest.fixture(scope="module")
def layers():
    return layer_objective()


def check_brackets(history: pd.DataFrame, plan: list[tuple[tuple[str, ...], tuple[int, ...]]]):
    """Walk ``history`` through the brackets of ``plan`` (rung fidelities, rung sizes):
    every rung is queried at its fidelity, its size, and holds exactly the best
    architectures of the rung below by their value there, in rank order."""
    i = 0
    firsts: list[str] = []
    for fids, sizes in plan:
        below = None
        for fid, size in zip(fids, sizes, strict=True):
            rung = history.iloc[i : i + size]
            i += size
            assert len(rung) == size and (rung["fidelity"] == fid).all(), (fid, size, i)
            if below is None:
                firsts += rung["arch"].tolist()
            else:
                promoted = below[below["arch"].isin(rung["arch"])]
                dropped = below[~below["arch"].isin(rung["arch"])]
                assert len(promoted) == size  # promoted archs come from the rung below
                assert promoted["value"].min() >= dropped["value"].max()  # its top 1/eta
                lower = below.set_index("arch").loc[rung["arch"], "value"].to_numpy()
                assert (np.diff(lower) <= 0).all()  # queried best first
            below = rung
    assert len(set(firsts)) == len(firsts)  # each bracket starts from unqueried archs
    return i


def test_rungs_are_the_fidelities_nearest_a_geometric_ladder():
    assert fidelity_rungs(NB301_FIDS, NB301_EPOCHS, 3) == NB301_RUNGS
    assert fidelity_rungs(NB301_FIDS, NB301_EPOCHS, 3, "3ep", "81ep") == (
        "3ep",
        "9ep",
        "27ep",
        "81ep",
    )
    # 98 / 2**k = 49, 24.5, 12.25, 6.1, 3.1, 1.5: nearest in log-epochs
    assert fidelity_rungs(NB301_FIDS, NB301_EPOCHS, 2) == (
        "2ep",
        "3ep",
        "6ep",
        "12ep",
        "25ep",
        "49ep",
        "98ep",
    )
    nb201 = ("12ep", "200ep")
    assert fidelity_rungs(nb201, {"12ep": 12, "200ep": 200}, 3) == nb201
    assert fidelity_rungs(nb201, {"12ep": 12, "200ep": 200}, 20) == ("200ep",)  # 200/12 < 20
    # without epochs: every fidelity in range
    assert fidelity_rungs(("a", "b", "c"), {"a": None, "b": None, "c": None}, 3) == ("a", "b", "c")
    assert fidelity_rungs(("a", "b", "c"), {}, 3, min_fidelity="b") == ("b", "c")
    with pytest.raises(ValueError, match="min_fidelity='5ep' is not a fidelity"):
        fidelity_rungs(nb201, {}, 3, min_fidelity="5ep")
    with pytest.raises(ValueError, match="is above max_fidelity"):
        fidelity_rungs(nb201, {}, 3, "200ep", "12ep")
    with pytest.raises(
        ValueError,
        match=r"The 'eta' parameter of SuccessiveHalving must be a float in the range \(1.0, inf\)",
    ):
        run("successive_halving", budget=2, params={"eta": 1})
    with pytest.raises(
        ValueError,
        match=r"The 'n_configs' parameter of SuccessiveHalving must be an int in the range \[1, inf\)",
    ):
        run("successive_halving", budget=2, params={"n_configs": 0})


def test_successive_halving_on_nb201_promotes_the_top_third_at_200_epochs(nb201):
    h = run("sh", budget=36, seed=0, params={"n_configs": 9})
    assert check_brackets(h, [(("12ep", "200ep"), (9, 3))] * 3) == 36
    # values and costs are the table's: 12 epochs charged 12/200 of the full run
    low = h[h["fidelity"] == "12ep"]
    np.testing.assert_allclose(low["value"], nb201.loc[low["arch"], "val_acc_12ep"])
    np.testing.assert_allclose(low["train_cost_s"], nb201.loc[low["arch"], "train_time_s"] * 0.06)
    full = h[h["fidelity"] == "200ep"]
    np.testing.assert_allclose(full["value"], nb201.loc[full["arch"], "val_acc_200ep"])
    assert h["best_value"].iloc[-1] == full["value"].max()  # only 200-epoch runs count


def test_successive_halving_on_nb301_curves_uses_five_rungs():
    opt = search.get("successive_halving")
    h = run(opt, benchmark="nb301", budget=121 + 81, seed=0)
    assert opt.rungs_ == NB301_RUNGS
    plan = [(NB301_RUNGS, (81, 27, 9, 3, 1)), (NB301_RUNGS[:1], (81,))]
    assert check_brackets(h, plan) == len(h)
    assert h["best_value"].isna().sum() == 120  # until the first 98-epoch query
    # promotions continue training: charged the surrogate's runtime between the two rungs
    from nasperf.search import CurveObjective

    obj = CurveObjective("nb301")
    first = h.iloc[:121]
    for prev, fid in zip(NB301_RUNGS[:-1], NB301_RUNGS[1:], strict=True):
        rows = first[first["fidelity"] == fid]
        archs = list(rows["arch"])
        extra = obj.evaluate(archs, fid)[1] - obj.evaluate(archs, prev)[1]
        np.testing.assert_allclose(rows["train_cost_s"], extra, rtol=1e-9)
        assert (extra > 0).all()
    low = first[first["fidelity"] == NB301_RUNGS[0]]
    np.testing.assert_allclose(low["train_cost_s"], obj.evaluate(list(low["arch"]), "1ep")[1])


def test_hyperband_bracket_structure_on_nb301():
    h = run("hyperband", benchmark="nb301", budget=206, seed=1)
    r = NB301_RUNGS
    plan = [
        (r, (81, 27, 9, 3, 1)),
        (r[1:], (34, 11, 3, 1)),  # ceil(5/4 * 27)
        (r[2:], (15, 5, 1)),  # ceil(5/3 * 9)
        (r[3:], (8, 2)),  # ceil(5/2 * 3)
        (r[4:], (5,)),
    ]
    assert check_brackets(h, plan) == 206


@pytest.mark.parametrize("name", ["hyperband", "bohb"])
def test_brackets_on_a_user_defined_space(name, layers):
    opt = search.get(name)
    h = run(opt, benchmark=layers, budget=3 * 22, seed=0)
    assert opt.rungs_ == LAYER_RUNGS
    r = LAYER_RUNGS
    one_cycle = [(r, (9, 3, 1)), (r[1:], (5, 1)), (r[2:], (3,))]
    assert check_brackets(h, one_cycle * 3) == 66
    # values are the table's, cheaper rungs charged epochs / 27 of the 100 s
    for fid, col in (("3ep", "acc3"), ("9ep", "acc9"), ("27ep", "acc27")):
        rows = h[h["fidelity"] == fid]
        np.testing.assert_allclose(rows["value"], layer_table().loc[rows["arch"], col])
        np.testing.assert_allclose(rows["train_cost_s"], 100 * layers.epochs(fid) / 27)
    if name == "bohb":  # d = 6 (the layers' operations): a model from 2 (6 + 1) results on
        first = h["arch"].tolist().index(opt.model_samples_[0])
        assert first >= 14 and set(opt.model_samples_) <= set(h["arch"])


def test_time_budget_stops_within_a_rung():
    h = run("sh", budget=10_000, time_budget=20_000, seed=2, params={"n_configs": 27})
    assert h["sim_time_s"].iloc[-1] >= 20_000 > h["sim_time_s"].iloc[-2]
    assert set(h["fidelity"]) == {"12ep", "200ep"}


@pytest.mark.parametrize("name", ["successive_halving", "hyperband", "bohb"])
def test_deterministic_given_seed(name, layers):
    a = run(name, benchmark=layers, budget=70, seed=4)
    b = run(name, benchmark=layers, budget=70, seed=4)
    c = run(name, benchmark=layers, budget=70, seed=5)
    assert (
        a["arch"].tolist() == b["arch"].tolist()
        and a["fidelity"].tolist() == b["fidelity"].tolist()
    )
    assert a["arch"].tolist() != c["arch"].tolist()


# ---------------------------------------------------------------------------- BOHB's model
def test_bohb_is_hyperband_until_a_rung_holds_enough_observations():
    hb = run("hyperband", budget=120, seed=3)
    # never enough observations: exactly Hyperband's random sampling
    never = search.get("bohb", min_points_in_model=10_000)
    h = run(never, budget=120, seed=3)
    assert h["arch"].tolist() == hb["arch"].tolist() and never.model_samples_ == []
    # by default a model needs 2 (d + 1) observations at a rung (d = 13 on NB-201)
    bohb = search.get("bohb")
    obj = get_objective("nb201")
    bohb.setup(context_for(obj), np.random.default_rng(3))
    archs, had_model = [], []
    while len(archs) < 120:
        (q,) = bohb.ask()
        archs.append(obj.space.to_string(q.arch))
        had_model.append(bohb.model_fidelity_ is not None)
        bohb.tell([q], obj.evaluate([q.arch], q.fidelity)[0])
    first = had_model.index(True)
    assert archs[:first] == hb["arch"].tolist()[:first] and archs != hb["arch"].tolist()
    counts = hb["fidelity"].iloc[:first].value_counts()
    assert counts.max() >= 28  # the rung the model was fitted on holds 2 (13 + 1)
    assert bohb.model_samples_ and bohb.model_fidelity_ == "200ep"  # the highest rung


def test_bohb_proposals_maximise_l_over_g_and_beat_random_archs(layers):
    bohb = search.get("bohb", random_fraction=0.2)
    bohb.setup(context_for(layers), np.random.default_rng(0))
    space, probe = LayerSpace(), np.random.default_rng(99)
    checked = 0
    while len(bohb.observations_["27ep"]) < 40:
        n_model = len(bohb.model_samples_)
        (q,) = bohb.ask()
        if len(bohb.model_samples_) > n_model:
            assert bohb.model_samples_[-1] == space.to_string(q.arch)
            others = [space.random_architecture(probe) for _ in range(300)]
            ratio = bohb.log_density_ratio([q.arch, *others])
            assert ratio[0] >= np.quantile(ratio[1:], 0.9)
            checked += 1
        bohb.tell([q], layers.evaluate([q.arch], q.fidelity)[0])
    assert checked >= 10
    # the model's picks are far better than the space's average at full training
    picked, _ = layers.evaluate(bohb.model_samples_, "27ep")
    everything, _ = layers.evaluate(layers.candidates(), "27ep")
    assert picked.mean() > everything.mean() + everything.std()


def test_bohb_on_nb301_curves_fits_its_model_on_the_cheapest_rung():
    bohb = search.get("bohb", n_samples=4)
    h = run(bohb, benchmark="nb301", budget=121 + 20, seed=0)
    # d = 32 (each operation and its input): a model once 2 (32 + 1) one-epoch results are in
    assert bohb.model_fidelity_ == "1ep" and bohb.model_samples_
    first = h["arch"].tolist().index(bohb.model_samples_[0])
    assert first >= 66 and set(bohb.model_samples_) <= set(h["arch"])
    assert (h["fidelity"].iloc[121:] == "4ep").all()  # the second bracket's first rung


# ------------------------------------------------------ epochs, charges and single rungs
@pytest.fixture(scope="module")
def user_nb201(nb201):
    """The user's table of the probe: NB201 CIFAR-10 with columns acc12, acc200, train_s."""
    return nb201[["val_acc_12ep", "val_acc_200ep", "train_time_s"]].rename(
        columns={"val_acc_12ep": "acc12", "val_acc_200ep": "acc200", "train_time_s": "train_s"}
    )


COLS = {"12ep": "acc12", "200ep": "acc200"}


@pytest.mark.parametrize(
    ("epochs", "message"),
    [
        (
            {"12ep": -12, "200ep": 200},
            "table: epochs['12ep'] must be a positive int of training epochs, got -12",
        ),
        (
            {"12ep": 0, "200ep": 200},
            "table: epochs['12ep'] must be a positive int of training epochs, got 0",
        ),
        (
            {"12": 12, "200": 200},
            "table: epochs must have exactly the fidelities ('12ep', '200ep') as keys; "
            "unknown key(s) ['12', '200'] and missing ['12ep', '200ep']",
        ),
        (
            {"12ep": 12},
            "table: epochs must have exactly the fidelities ('12ep', '200ep') as keys; "
            "missing ['200ep']",
        ),
        (
            {"12ep": 400, "200ep": 200},
            "table: epochs must increase with the fidelities (cheapest first: '12ep', "
            "'200ep'); epochs['12ep'] = 400 is not below epochs['200ep'] = 200",
        ),
        (
            {"12ep": "12", "200ep": 200},
            "table: epochs['12ep'] must be a positive int of training epochs, got '12'",
        ),
        (
            {"12ep": 12.5, "200ep": 200},
            "table: epochs['12ep'] must be a positive int of training epochs, got 12.5",
        ),
        (
            {"12ep": True, "200ep": 200},
            "table: epochs['12ep'] must be a positive int of training epochs, got True",
        ),
        (
            [12, 200],
            "table: epochs must map each fidelity ('12ep', '200ep') to its training epochs, "
            "got [12, 200]",
        ),
    ],
)
def test_table_objective_refuses_bad_epochs_naming_them(user_nb201, epochs, message):
    import re

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        search.TableObjective(user_nb201, "nb201", COLS, cost_column="train_s", epochs=epochs)


@pytest.mark.parametrize(
    ("columns", "bad"),
    [({12: "acc12", 200: "acc200"}, "12"), ({"": "acc12", "200ep": "acc200"}, "''"), ("", "''")],
)
def test_table_objective_refuses_fidelity_names_that_are_not_names(user_nb201, columns, bad):
    """Integer or empty fidelity names had been accepted and refused only by the run loop
    (``.fidelities must be a tuple of distinct names``), after the table was read."""
    with pytest.raises(
        ValueError,
        match=rf"^table: columns: every fidelity \(a key\) must be a non-empty name, .*got {bad} ",
    ):
        search.TableObjective(user_nb201, "nb201", columns, cost_column="train_s")


def test_valid_epochs_charge_cheap_queries_their_share(user_nb201, nb201):
    obj = search.TableObjective(
        user_nb201,
        "nb201",
        COLS,
        cost_column="train_s",
        epochs={"12ep": 12, "200ep": np.int64(200)},
    )
    assert obj.epochs("12ep") == 12 and obj.epochs("200ep") == 200
    h = run("sh", objective=obj, budget=30, seed=0)
    low = h[h["fidelity"] == "12ep"]
    np.testing.assert_allclose(low["train_cost_s"], nb201.loc[low["arch"], "train_time_s"] * 0.06)
    assert (h["train_cost_s"] > 0).all()
    # epochs=None reads them from the names (12ep, 200ep); {}: none, every fidelity is
    # charged the full cost, as documented
    named = search.TableObjective(user_nb201, "nb201", COLS, cost_column="train_s")
    assert named.epochs("12ep") == 12 and named.epochs("200ep") == 200
    o = search.TableObjective(user_nb201, "nb201", COLS, cost_column="train_s", epochs={})
    assert o.epochs("12ep") is None


def _probe_table() -> pd.DataFrame:
    """The probe's user table: 400 random NB201 cells, acc_12, acc_200 and a cost column."""
    import nasperf

    space = nasperf.get_space("nb201")
    rng = np.random.default_rng(0)
    archs = list(dict.fromkeys(space.to_string(space.random_architecture(rng)) for _ in range(400)))
    t = pd.DataFrame(
        {"acc_12": rng.uniform(40, 80, len(archs)), "cost": rng.uniform(1000, 3000, len(archs))},
        index=archs,
    )
    t["acc_200"] = t["acc_12"] + rng.uniform(5, 15, len(archs))
    return t


def test_fidelity_names_that_give_epochs_charge_cheap_queries_their_share():
    """The README's form without epochs= (fidelities named 12ep / 200ep, a cost column) had
    charged every 12-epoch query the full 200-epoch cost, with no note: Hyperband's
    simulated time doubled (42,718 s against 21,452 s). The names give the epochs, read as a
    study reads a table's fidelities (nasperf.datasets.epochs_in_name)."""
    t = _probe_table()
    fids = {"12ep": "acc_12", "200ep": "acc_200"}
    named = search.TableObjective(t, "nb201", fids, cost_column="cost")
    given = search.TableObjective(
        t, "nb201", fids, cost_column="cost", epochs={"12ep": 12, "200ep": 200}
    )
    a = run("hyperband", space="nb201", objective=named, budget=20, seed=0)
    b = run("hyperband", space="nb201", objective=given, budget=20, seed=0)
    pd.testing.assert_frame_equal(
        a.drop(columns=["overhead_s", "sim_time_s", "wall_time_s"]),
        b.drop(columns=["overhead_s", "sim_time_s", "wall_time_s"]),
    )
    low = a[a["fidelity"] == "12ep"]
    assert len(low) == 11  # of 20 queries
    np.testing.assert_allclose(low["train_cost_s"], t.loc[low["arch"], "cost"] * 12 / 200)
    # about half the time it had been charged (the overheads differ by microseconds)
    assert a["sim_time_s"].iloc[-1] == pytest.approx(b["sim_time_s"].iloc[-1], rel=1e-6)
    assert a["sim_time_s"].iloc[-1] == pytest.approx(21452, abs=1)
    assert a.attrs["notes"] == []
    # names that give epochs out of order: the full run is the last fidelity
    with pytest.raises(
        ValueError,
        match=r"^table: columns: the fidelity names give their epochs \('200ep' 200, '12ep' "
        r"12\), which must be positive and increase, cheapest first",
    ):
        search.TableObjective(t, "nb201", {"200ep": "acc_200", "12ep": "acc_12"})


@pytest.mark.parametrize("cost", ["cost", None])
def test_fidelities_without_epochs_are_charged_the_full_cost_and_said(cost):
    t = _probe_table()
    obj = search.TableObjective(t, "nb201", {"low": "acc_12", "high": "acc_200"}, cost_column=cost)
    h = run("hyperband", space="nb201", objective=obj, budget=10, seed=0)
    low = h[h["fidelity"] == "low"]
    full = t.loc[low["arch"], "cost"].to_numpy() if cost else 1.0
    np.testing.assert_allclose(low["train_cost_s"], full)
    unit = "the cost column's seconds" if cost else "1 unit"
    assert h.attrs["notes"][-1] == (
        "table: fidelities without epochs (low, high): every fidelity charged the full cost "
        f"({unit}), so a multi-fidelity search's simulated time is an upper bound; give "
        "epochs= (or name the fidelities by their epochs, '12ep') to charge a cheaper "
        "fidelity its share"
    )
    # per-fidelity cost columns are charged as recorded: nothing to say
    per = search.TableObjective(
        t.assign(c12=1.0),
        "nb201",
        {"low": "acc_12", "high": "acc_200"},
        cost_column={"low": "c12", "high": "cost"},
    )
    assert run("hyperband", space="nb201", objective=per, budget=5, seed=0).attrs["notes"] == []


def test_without_a_cost_column_the_note_gives_a_cheaper_fidelitys_share():
    """The note had said "every query costs 1 unit" while 12-epoch queries were charged
    0.06 units."""
    t = _probe_table()
    obj = search.TableObjective(t, "nb201", {"12ep": "acc_12", "200ep": "acc_200"})
    h = run("hyperband", space="nb201", objective=obj, budget=6, seed=0)
    charged = h.groupby("fidelity")["train_cost_s"].unique().map(list).to_dict()
    assert charged == {"12ep": [0.06], "200ep": [1.0]}
    assert h.attrs["notes"][0] == (
        "table has no recorded training cost: a full-fidelity query ('200ep') costs 1 unit "
        "and a cheaper one its share, epochs / 200 ('12ep': 0.06 units), so simulated time "
        "counts full-fidelity queries (seconds the notes say were charged, e.g. for "
        "zero-cost proxies, are not in it)"
    )


def test_a_cheaper_target_is_charged_its_share_of_the_full_run(nb201):
    # a probe: from_benchmark(target="12ep") had charged each 12-epoch query NB201's
    # 200-epoch train_time_s (its full fidelity was the 12ep it searched)
    archs = list(nb201.index[:5])
    cheap = search.TableObjective.from_benchmark("nb201", "cifar10", target="12ep")
    full = search.TableObjective.from_benchmark("nb201", "cifar10")
    seconds = nb201.loc[archs, "train_time_s"].to_numpy(np.float64)
    np.testing.assert_array_equal(cheap.evaluate(archs)[1], seconds * (12 / 200))
    np.testing.assert_array_equal(full.evaluate(archs, "12ep")[1], seconds * (12 / 200))
    np.testing.assert_array_equal(full.evaluate(archs)[1], seconds)


def test_per_fidelity_cost_columns_are_charged_as_recorded(user_nb201):
    costs = {"12ep": "t12", "200ep": "train_s"}
    table = user_nb201.assign(t12=np.arange(len(user_nb201), dtype=np.float64))
    obj = search.TableObjective(table, "nb201", COLS, cost_column=costs, epochs=None)
    archs = list(obj.candidates()[:3])
    np.testing.assert_array_equal(obj.evaluate(archs, "12ep")[1], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(
        obj.evaluate(archs)[1], user_nb201["train_s"].to_numpy(np.float64)[:3]
    )
    with pytest.raises(ValueError, match=r"^table: cost_column must be a column name or map"):
        search.TableObjective(table, "nb201", COLS, cost_column={"12ep": "t12"})


def test_fidelity_rungs_refuse_epochs_that_do_not_increase():
    with pytest.raises(
        ValueError,
        match=r"epochs must increase with the fidelities \(cheapest first\); "
        r"epochs\['12ep'\] = 400 is not below epochs\['200ep'\] = 200",
    ):
        fidelity_rungs(("12ep", "200ep"), {"12ep": 400, "200ep": 200}, 3)


def test_nb201_curves_charge_the_full_run_on_promotion_and_know_the_optimum(nb201):
    """NB201's 12-epoch results are a separate schedule: the 200-epoch run of a promoted cell
    costs its full 2,927.8 s, not 2,752.2 s (the difference); the regret is known."""
    obj = search.CurveObjective("nb201")
    assert obj.continues is False and search.CurveObjective("nb301").continues is True
    h = run("sh", objective=obj, budget=12, seed=0)
    full = h[h["fidelity"] == "200ep"]
    arch = "|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    assert full["arch"].iloc[0] == arch
    assert full["train_cost_s"].iloc[0] == pytest.approx(2927.830078125)
    np.testing.assert_allclose(full["train_cost_s"], nb201.loc[full["arch"], "train_time_s"])
    table = search.TableObjective.from_benchmark("nb201")
    assert obj.optimum() == table.optimum()
    assert h.attrs["optimum_value"] == pytest.approx(91.60669708251953)
    np.testing.assert_allclose(
        h["regret"].dropna(), h.attrs["optimum_value"] - h["best_value"].dropna()
    )
    assert h["regret"].notna().sum() == len(h) - h["best_value"].isna().sum() > 0
    # NB301's surrogate knows no whole table: no optimum, regret NaN (documented)
    assert search.CurveObjective("nb301").optimum() is None


class _Scripted(search.Optimizer):
    """Asks the queries it is given, in order (a test double)."""

    name = "scripted"

    def __init__(self, *, queries=()) -> None:
        self.queries = queries

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.next_ = 0

    def ask(self):
        q = self.queries[self.next_ % len(self.queries)]
        self.next_ += 1
        return [q]


def test_a_continuing_objective_charges_only_epochs_beyond_those_paid():
    """Training continues from the highest cheaper fidelity already paid for that
    architecture, with or without ``resume_from``; the same (arch, fidelity) is never paid
    twice (marked repeat)."""
    obj = layer_objective()
    obj.continues = True
    space = LayerSpace()
    a = space.parse("conv3x3-conv3x3-conv3x3-pool-skip-skip")
    b = space.parse("skip-conv3x3-conv3x3-pool-skip-skip")
    Q = search.Query
    script = [
        Q(a, "3ep"),
        Q(a, "27ep"),  # fresh query, no resume_from: 27 - 3 epochs
        Q(a, "9ep"),  # below 27ep, above 3ep: 9 - 3 epochs
        Q(a, "27ep"),  # paid: a repeat, free
        Q(b, "9ep", resume_from="3ep"),  # b never trained: the full 9 epochs
        Q(b, "27ep"),
    ]
    h = run(_Scripted(queries=script), objective=obj, budget=5, seed=0)
    np.testing.assert_allclose(
        h["train_cost_s"], [100 * e / 27 for e in (3, 24, 6, 0, 9, 18)], rtol=1e-12
    )
    assert h["repeat"].tolist() == [False, False, False, True, False, False]
    assert h["query"].tolist() == [1, 2, 3, 3, 4, 5]
    # the same objective without continues charges every query its own run
    obj.continues = False
    h = run(_Scripted(queries=script), objective=obj, budget=5, seed=0)
    np.testing.assert_allclose(
        h["train_cost_s"], [100 * e / 27 for e in (3, 27, 9, 0, 9, 27)], rtol=1e-12
    )


def test_hyperband_on_a_continuing_objective_never_pays_epochs_twice():
    obj = layer_objective()
    obj.continues = True
    h = run("hyperband", objective=obj, budget=3 * 22, seed=0)
    paid: dict[str, int] = {}
    expected = []
    for arch, fid, rep in zip(h["arch"], h["fidelity"], h["repeat"], strict=True):
        e = obj.epochs(fid)
        before = max((x for x in (paid.get(arch, ()) or ()) if x < e), default=0)
        expected.append(0.0 if rep else 100 * (e - before) / 27)
        paid.setdefault(arch, set()).add(e)
    np.testing.assert_allclose(h["train_cost_s"], expected, rtol=1e-12)
    fresh = [i for i, r in h.iterrows() if r["fidelity"] == "27ep" and r["train_cost_s"] < 100]
    assert fresh  # some 27-epoch queries continued an earlier, cheaper run


def test_one_fidelity_makes_multi_fidelity_methods_say_they_are_random_search(user_nb201):
    obj = search.TableObjective(user_nb201, "nb201", "acc200", cost_column="train_s")
    rs = run("rs", objective=obj, budget=30, seed=0)
    for name, label, does in (
        ("sh", "successive_halving", "random search"),
        ("hb", "hyperband", "random search"),
        (
            "bohb",
            "bohb",
            "sampling from its density-ratio model (random until the rung holds enough results)",
        ),
    ):
        h = run(name, objective=obj, budget=30, seed=0)
        assert h.attrs["notes"] == [
            f"{label}: the objective has one fidelity ('acc200'), so it reduces to {does} at "
            "'acc200'"
        ]
    assert run("sh", objective=obj, budget=30, seed=0)["arch"].tolist() == rs["arch"].tolist()


def test_a_min_fidelity_eta_cannot_honour_is_an_error_and_a_single_rung_a_note(user_nb201):
    obj = search.TableObjective(
        user_nb201, "nb201", COLS, cost_column="train_s", epochs={"12ep": 12, "200ep": 200}
    )
    with pytest.raises(
        ValueError,
        match=r"^successive_halving: min_fidelity='12ep' cannot be honoured with eta=17: "
        r"'12ep' \(12 epochs\) and '200ep' \(200 epochs\) are less than eta apart, so the "
        r"only rung would be '200ep' \(fidelities: 12ep, 200ep\); use an eta of at most "
        r"16.6, or no min_fidelity$",
    ):
        run("sh", objective=obj, budget=10, params={"eta": 17, "min_fidelity": "12ep"})
    h = run("sh", objective=obj, budget=10, params={"eta": 17})
    assert set(h["fidelity"]) == {"200ep"}
    assert h.attrs["notes"] == [
        "successive_halving: with eta=17 the fidelities 12ep, 200ep give one rung ('200ep'), "
        "so it reduces to random search at '200ep'"
    ]
    assert run("sh", objective=obj, budget=10, params={"eta": 3}).attrs["notes"] == []


@pytest.mark.parametrize("eta", [50, 16.7])
def test_the_eta_a_min_fidelity_error_advises_works(eta):
    """NB201's 12 and 200 epochs are 200 / 12 = 16.67 apart: the advice had rounded that up
    to 16.7, which failed the same way; it is rounded down, and following it runs both
    rungs."""
    params = {"eta": eta, "min_fidelity": "12ep"}
    with pytest.raises(ValueError, match=r"use an eta of at most 16\.6, or no min_fidelity$") as e:
        run("successive_halving", benchmark="nb201", budget=10, seed=0, params=params)
    advised = float(re.search(r"at most ([0-9.]+),", str(e.value)).group(1))
    h = run(
        "successive_halving",
        benchmark="nb201",
        budget=20,
        seed=0,
        params={"eta": advised, "min_fidelity": "12ep"},
    )
    # 17 at 12 epochs, their best at 200, then the next bracket begins
    assert h["fidelity"].tolist()[:19] == ["12ep"] * 17 + ["200ep", "12ep"]


@pytest.mark.parametrize(
    ("ratio", "advice"),
    [
        (200 / 12, "16.6"),
        (2.0, "2"),
        (98.0, "98"),
        (100 / 3, "33.3"),
        (1234.5, "1230"),
        (1.0005, "1.0005"),
    ],
)
def test_the_advised_eta_is_rounded_down_and_above_1(ratio, advice):
    from nasperf.search._brackets import _largest_eta

    assert _largest_eta(ratio) == advice
    # the advice leaves both rungs of fidelities ``ratio`` apart in epochs
    assert fidelity_rungs(["lo", "hi"], {"lo": 1.0, "hi": ratio}, float(advice)) == ("lo", "hi")


def test_a_min_fidelity_off_the_ladder_is_said():
    from nasperf.search import Context
    from nasperf.spaces import get_space

    ctx = Context(space=get_space("nb301"), fidelities=NB301_FIDS, epochs=NB301_EPOCHS)
    opt = search.get("sh", min_fidelity="2ep")
    opt.setup(ctx, np.random.default_rng(0))
    assert opt.rungs_ == NB301_RUNGS[1:]
    assert opt.notes_ == [
        "successive_halving: min_fidelity='2ep' (2 epochs) is not on the ladder of eta=3; the "
        "cheapest rung is '4ep' (4 epochs) (rungs: 4ep, 11ep, 33ep, 98ep)"
    ]


def test_a_max_fidelity_leaving_one_rung_is_said(user_nb201):
    obj = search.TableObjective(
        user_nb201, "nb201", COLS, cost_column="train_s", epochs={"12ep": 12, "200ep": 200}
    )
    h = run("hb", objective=obj, budget=4, params={"max_fidelity": "12ep"})
    assert set(h["fidelity"]) == {"12ep"}
    assert h.attrs["notes"] == [
        "hyperband: min_fidelity / max_fidelity leave one fidelity ('12ep'), so it reduces to "
        "random search at '12ep'",
        "hyperband: its top rung '12ep' (max_fidelity) is below the full fidelity '200ep': no "
        "query reaches '200ep', so best_value and regret are NaN",
    ]
    assert h["best_value"].isna().all() and h["regret"].isna().all()


@pytest.mark.parametrize("name", ["successive_halving", "hyperband", "bohb"])
def test_a_budget_ending_before_the_full_fidelity_is_said(name):
    """On NB201 (rungs 12 and 200 epochs) a bracket queries 3 architectures at 12 epochs
    before its first at 200: a budget of 3 ended with best_value / regret NaN throughout and
    no word why. The notes now say it, and how many queries reach the full fidelity."""
    h = run(name, space="nb201", budget=3, seed=0)
    assert h["fidelity"].tolist() == ["12ep"] * 3
    assert h["best_value"].isna().all() and h["regret"].isna().all()
    assert h.attrs["notes"] == [
        f"{name}: no query reached the full fidelity '200ep' within the budget of 3 queries, "
        "so best_value and regret are NaN: its first bracket is 4 queries (3 at '12ep', 1 at "
        "'200ep') and reaches '200ep' at query 4; use a budget of at least 4"
    ]
    # one query more reaches it (the best of the three, promoted), and nothing is noted
    h = run(name, space="nb201", budget=4, seed=0)
    assert h["fidelity"].tolist() == ["12ep"] * 3 + ["200ep"]
    assert h["best_value"].iloc[-1] == h["value"].iloc[-1] and h.attrs["notes"] == []


@pytest.mark.parametrize("name", ["successive_halving", "hyperband"])
def test_a_time_budget_ending_before_the_full_fidelity_is_said(name):
    """A time budget that ends before the first full-fidelity query left best_value and
    regret NaN without a word (a budget of queries had been said, from setup)."""
    h = run(name, space="nb201", budget=100, time_budget=50, seed=0)
    assert h["fidelity"].tolist() == ["12ep"] and h["best_value"].isna().all()
    assert h.attrs["notes"] == [
        "the time budget of 50 s ended the run after 1 query, before any finite value at "
        "the full fidelity '200ep': best_value and regret are NaN throughout"
    ]
    reached = run(name, space="nb201", budget=100, time_budget=500, seed=0)
    assert reached["best_value"].notna().any() and reached.attrs["notes"] == []
