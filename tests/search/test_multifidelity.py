"""Successive Halving, Hyperband and BOHB: rungs, bracket structure, promotions, BOHB's model."""

from __future__ import annotations

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
