"""What a predictor with its parameters reads from a zero-cost table: ``zero_cost_proxies``
make a table optional side information (read where it has the proxies, the others
computed), and an ensemble or a tuned wrapper reports (and charges) what its members read."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import load_benchmark
from nasperf.predictors import PREDICTORS, get
from nasperf.predictors.base import signed_log

#: Recorded seconds per architecture of the synthetic table's columns (powers of two: their
#: sums are exact in float64, so a column charged twice would show to the bit).
SECONDS = {"synflow": 0.5, "params": 0.25, "flops": 0.125}
XGB = {"n_estimators": 20}


@pytest.fixture(scope="module")
def data():
    """40 NB201 cells, their accuracies, and a table of made-up synflow / params / flops
    scores (far from any computed value) that records SECONDS."""
    bench = load_benchmark("nb201", "cifar10").iloc[300:340]
    rng = np.random.default_rng(3)
    zc = pd.DataFrame(
        {c: rng.uniform(1.0, 1e3, len(bench)) for c in SECONDS}, index=bench.index.copy()
    )
    zc.attrs["seconds_per_arch"] = dict(SECONDS)
    return list(bench.index), bench["val_acc_200ep"].to_numpy(), zc


def test_zero_cost_proxies_make_a_table_optional_side_information():
    assert get("xgb").effective_requirements().accepted == ()
    assert get("xgb", zero_cost_proxies=["synflow"]).effective_requirements().optional == (
        "zero_cost",
    )
    # omni takes a table already; a predictor that needs one keeps needing it
    assert get("omni", zero_cost_proxies=["synflow"]).effective_requirements().optional == (
        "zero_cost",
        "learning_curves",
    )
    # nothing to add where the class takes a table already
    assert get("zc_proxy").effective_requirements() == PREDICTORS.get("zc_proxy").requirements
    # columns named by the user are read from a table too (they cannot be computed)
    named = get("xgb", zero_cost_columns=["latency"]).effective_requirements()
    assert named.optional == ("zero_cost",) and not named.zero_cost


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ensemble", {"members": [["omni", {"model": "xgb"}]]}),
        ("ensemble", {"members": ["rf", ["xgb", {"zero_cost_proxies": ["synflow"]}]]}),
        ("tuned", {"model": "omni", "param_distributions": {}}),
        ("tuned", {"model_params": {"zero_cost_proxies": ["synflow"]}}),
        ("tuned", {"param_distributions": {"zero_cost_proxies": [["synflow"], ["flops"]]}}),
    ],
)
def test_wrappers_report_what_their_members_take(name, params):
    # the class (and the study, which had asked it) says nothing of a zero-cost table
    assert "zero_cost" not in PREDICTORS.get(name).requirements.accepted
    assert "zero_cost" in get(name, **params).effective_requirements().optional


def test_proxies_are_read_from_the_table_and_those_it_lacks_computed(data, tmp_path, monkeypatch):
    from nasperf.encodings import as_arch_list

    compute_module = importlib.import_module("nasperf.zero_cost.compute")

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    archs, y, zc = data
    asked = []
    real = compute_module.compute

    def spy(space, archs, proxies, *args, **kw):
        asked.append(list(proxies))
        return real(space, archs, proxies, *args, **kw)

    monkeypatch.setattr(compute_module, "compute", spy)
    side = {"zero_cost": zc[["synflow"]].copy()}
    side["zero_cost"].attrs["seconds_per_arch"] = dict(SECONDS)
    xgb = get("xgb", space="nb201", zero_cost_proxies=["synflow", "params"], random_state=0, **XGB)
    xgb.fit(archs, y, **side)
    assert xgb.uses_zero_cost_ == ["synflow", "params"]
    assert xgb.zero_cost_source_ == "table"
    # only synflow came from the table: its recorded seconds, not params' (computed, which
    # a study charges at the seconds compute records)
    assert xgb.zero_cost_seconds_per_arch_ == SECONDS["synflow"]
    assert asked and all(a == ["params"] for a in asked)
    X = xgb._features(xgb.space_, as_arch_list(xgb.space_, archs), side)
    # the feature columns after the encoding: the table's synflow, the computed params
    np.testing.assert_array_equal(X[:, -2], signed_log(zc["synflow"].to_numpy()))
    params = real("nb201", archs, ["params"])["params"].to_numpy()
    np.testing.assert_array_equal(X[:, -1], signed_log(params))
    # a table holding none of them: every proxy computed, and said so
    none = get("xgb", space="nb201", zero_cost_proxies=["params"], random_state=0, **XGB)
    none.fit(archs, y, zero_cost=zc[["flops"]])
    assert none.zero_cost_source_ == "computed" and none.zero_cost_seconds_per_arch_ == 0.0
    # a named column has nothing to compute it from: refused as before
    with pytest.raises(ValueError, match=r"zero_cost columns \['latency'\] are not in"):
        get("xgb", space="nb201", zero_cost_columns=["latency"], **XGB).fit(archs, y, zero_cost=zc)


@pytest.mark.parametrize(
    ("name", "params", "read"),
    [
        # omni reads the table's three proxies, the xgb member synflow again: charged once
        (
            "ensemble",
            {
                "members": [
                    ["omni", {"model": "xgb", "model_params": XGB}],
                    ["xgb", {**XGB, "zero_cost_proxies": ["synflow"]}],
                ]
            },
            ["synflow", "params", "flops"],
        ),
        ("ensemble", {"members": [["xgb", {**XGB, "zero_cost_proxies": ["flops"]}]]}, ["flops"]),
        (
            "tuned",
            {
                "model": "omni",
                "model_params": {"model": "xgb", "model_params": XGB},
                "param_distributions": {},
                "n_iter": 1,
                "cv": 2,
            },
            ["synflow", "params", "flops"],
        ),
        (
            "tuned",
            {
                "model_params": {**XGB, "zero_cost_proxies": ["params"]},
                "param_distributions": {"max_depth": [2, 3]},
                "n_iter": 2,
                "cv": 2,
            },
            ["params"],
        ),
    ],
)
def test_wrappers_charge_the_table_seconds_of_what_their_members_read(data, name, params, read):
    archs, y, zc = data
    wrapper = get(name, space="nb201", random_state=0, **params).fit(archs, y, zero_cost=zc)
    assert wrapper.zero_cost_source_ == "table"
    assert wrapper.uses_zero_cost_ == read
    # each column's recorded seconds once (powers of two: exact)
    assert wrapper.zero_cost_seconds_per_arch_ == sum(SECONDS[c] for c in read)


def test_an_ensemble_says_where_a_proxy_member_took_its_scores(data, tmp_path, monkeypatch):
    """A ``zc_proxy`` member reads no feature columns (``uses_zero_cost_``) but takes its
    scores from a table or computes them: the ensemble's ``zero_cost_source_`` (a study
    row's) had been empty and the table's recorded seconds uncharged; ``predict`` still
    needs no table, and a member reading columns decides what a caller must pass."""
    from nasperf.datasets import load_zero_cost
    from nasperf.encodings.zero_cost import recorded_seconds
    from nasperf.pretrained import Checkpoint

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    archs, y, zc = data
    tree = ["xgb", XGB]

    def ensemble(*members, **side):
        members = [list(m) for m in members]
        return get("ensemble", space="nb201", members=members, random_state=0).fit(archs, y, **side)

    # the packaged NB201 table (computed with zc_proxy's defaults): its recorded seconds
    packaged = get("zc_proxy", space="nb201", proxy="params").fit(archs)
    packaged.predict(archs)
    assert packaged.zero_cost_source_ == "table" and packaged.zero_cost_seconds_per_arch_ > 0
    ens = ensemble(["zc_proxy", {"proxy": "params"}], tree)
    assert ens.uses_zero_cost_ == []  # predict needs no table
    assert ens.zero_cost_source_ == "table"
    assert ens.zero_cost_seconds_per_arch_ == packaged.zero_cost_seconds_per_arch_
    np.testing.assert_array_equal(ens.predict(archs), ens.predict(archs, zero_cost=None))

    # another seed than the packaged table's: computed (charged by nasperf.zero_cost.charges)
    computed = ensemble(["zc_proxy", {"proxy": "params", "seed": 1}], tree)
    assert computed.zero_cost_source_ == "computed"
    assert computed.zero_cost_seconds_per_arch_ == 0.0

    # the study's table, read by the proxy member and by a tree reading params as a column:
    # one computation of params, charged once (SECONDS: powers of two, exact)
    both = ensemble(
        ["zc_proxy", {"proxy": "params"}],
        ["zc_proxy", {"proxy": "flops"}],
        ["xgb", {**XGB, "zero_cost_proxies": ["params"]}],
        zero_cost=zc,
    )
    assert both.uses_zero_cost_ == ["params"] and both.zero_cost_source_ == "table"
    assert both.zero_cost_seconds_per_arch_ == SECONDS["params"] + SECONDS["flops"]

    # a member reading columns that it computes (omni, no table) decides what predict needs:
    # the proxy member's packaged table had made the ensemble say "table", and a checkpoint
    # of it ask for one. l2_norm: read from the packaged table, a proxy omni does not compute
    mixed = ensemble(
        ["omni", {"model": "xgb", "model_params": XGB}], ["zc_proxy", {"proxy": "l2_norm"}]
    )
    assert "l2_norm" not in mixed.uses_zero_cost_ and mixed.zero_cost_source_ == "computed"
    l2_norm = recorded_seconds(load_zero_cost("nb201", "cifar10"), ["l2_norm"])
    assert l2_norm > 0 and mixed.zero_cost_seconds_per_arch_ == l2_norm
    screen = Checkpoint.from_predictor(mixed)
    # the same fitted members on the same cells: a float tolerance for the combination
    np.testing.assert_allclose(screen.predict(archs[:5]), mixed.predict(archs[:5]), rtol=1e-12)


def test_an_ensemble_of_training_free_members_is_fitted_on_labels_in_a_study(tmp_path):
    # the study plans it at its training sizes (the ensemble's fit takes targets); its
    # instance requirements had said "no labels", so the trial fitted it on the test set
    # without targets and every trial failed (found by a probe)
    from nasperf.evaluation.study import run_study
    from nasperf.predictors.base import requirements_of

    members = [["zc_proxy", {"proxy": "params"}], ["zc_proxy", {"proxy": "flops"}]]
    assert requirements_of(get("ensemble", space="nb201", members=members)).labels
    table = load_benchmark("nb201", "cifar10").iloc[:60]
    path = tmp_path / "cells.csv"
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(path, index=False)
    raw = {
        "data": {"path": str(path), "space": "nb201", "target": "acc", "dataset": "cifar10"},
        "predictors": [{"name": "ensemble", "params": {"members": members}}],
        "train_sizes": [10],
        "test_size": 20,
        "seeds": 1,
    }
    result = run_study(raw, tmp_path / "out")
    assert not result.errors
    (row,) = result.table.to_dict("records")
    # params and flops are exact counts: the value the trial gave before the regression
    # (4f1a829), to a tolerance for the combination's float arithmetic
    assert row["n_train"] == 10 and row["kendall_tau"] == pytest.approx(0.397879, abs=1e-4)
    # both members read the packaged table: said so, and its recorded seconds charged (the
    # row had said None and charged nothing); the same float additions as the row's
    from nasperf.datasets import load_zero_cost
    from nasperf.encodings.zero_cost import recorded_seconds

    packaged = load_zero_cost("nb201", "cifar10")
    assert row["zero_cost_source"] == "table"
    seconds = recorded_seconds(packaged, ["params"]) + recorded_seconds(packaged, ["flops"])
    assert seconds > 0 and row["zc_cost_per_arch_s"] == pytest.approx(seconds, rel=1e-12)


def test_an_ensemble_hands_a_table_only_to_members_that_read_zero_cost_scores(data):
    """A table given to an ensemble for its ``zc_proxy`` member had reached every
    feature-based member, which then trained on all the table's proxy columns (a study
    hands its table to the ensemble for the proxy member: ``xgb + synflow`` had been xgb on
    11 packaged proxies, charged 3.44 s per architecture instead of synflow's 0.096 s)."""
    archs, y, zc = data
    members = [["xgb", XGB], ["zc_proxy", {"proxy": "synflow"}]]
    ens = get("ensemble", space="nb201", members=members, random_state=0)
    ens.fit(archs, y, zero_cost=zc)
    tree = ens.members_[0]
    assert tree.uses_zero_cost_ == [] and ens.uses_zero_cost_ == []
    # the same member as a bare xgb with its seed and no table (bit for bit: one process)
    bare = get("xgb", space="nb201", random_state=tree.random_state, **XGB).fit(archs, y)
    np.testing.assert_array_equal(tree.predict(archs), bare.predict(archs))
    # the proxy member's scores came from the table: synflow's seconds alone are charged
    assert ens.zero_cost_source_ == "table"
    assert ens.zero_cost_seconds_per_arch_ == SECONDS["synflow"]
    np.testing.assert_array_equal(ens.members_[1].predict(archs, zero_cost=zc), zc["synflow"])

    # a member naming its proxies takes those columns, and only those
    named = [["xgb", {**XGB, "zero_cost_proxies": ["params"]}], ["zc_proxy", {"proxy": "flops"}]]
    ens = get("ensemble", space="nb201", members=named, random_state=0).fit(archs, y, zero_cost=zc)
    assert ens.members_[0].uses_zero_cost_ == ens.uses_zero_cost_ == ["params"]
    assert ens.zero_cost_seconds_per_arch_ == SECONDS["params"] + SECONDS["flops"]

    # a table that no member reads is said so, not silently dropped
    trees = get("ensemble", space="nb201", members=[["xgb", XGB], ["rf", {}]], random_state=0)
    with pytest.raises(ValueError, match=r"no member reads zero-cost scores.*zero_cost_proxies"):
        trees.fit(archs, y, zero_cost=zc)


def test_a_member_fitted_on_proxy_columns_reads_them_at_predict(data):
    """An ensemble saved before tables went only to zero-cost readers holds tree members
    fitted on the table's columns: at predict they still get the table (the rule is decided
    at fit; a loaded member says what it was fitted on), where they had been refused it
    ("pass zero_cost= to predict too", with zero_cost= passed)."""
    archs, y, zc = data
    members = [["xgb", XGB], ["zc_proxy", {"proxy": "synflow"}]]
    ens = get("ensemble", space="nb201", members=members, random_state=0)
    ens.fit(archs, y, zero_cost=zc)
    # the member as such an ensemble had fitted it: given the table, on all its columns
    seed = ens.members_[0].random_state
    old = get("xgb", space="nb201", random_state=seed, **XGB)
    old.fit(archs, y, zero_cost=zc)
    assert old.uses_zero_cost_ == list(SECONDS)
    ens.members_[0] = old
    ens.uses_zero_cost_ = list(old.uses_zero_cost_)
    got = ens.members_[0].predict(archs, **ens._side_for(old, {"zero_cost": zc}, fit=False))
    np.testing.assert_array_equal(got, old.predict(archs, zero_cost=zc))
    assert np.isfinite(ens.predict(archs, zero_cost=zc)).all()


def test_a_study_charges_an_ensemble_of_xgb_and_synflow_for_synflow_alone(tmp_path):
    # repro 02 of a probe: the xgb member had read all 11 packaged proxies (tau 0.698 against
    # bare xgb's 0.329 on this split) and the row had been charged 3.437 s per architecture
    from nasperf.evaluation import run_study
    from nasperf.evaluation.config import parse_config

    raw = {
        "name": "xgb_synflow",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "train_sizes": [20],
        "seeds": 1,
        "test_size": 60,
        "predictors": [
            {
                "name": "ensemble",
                "params": {"members": [["xgb", XGB], ["zc_proxy", {"proxy": "synflow"}]]},
            },
            {"name": "zc_proxy", "params": {"proxy": "synflow"}},
        ],
    }
    rows = run_study(parse_config(raw), tmp_path).table.set_index("predictor")
    ens, proxy = rows.loc["ensemble"], rows.loc["zc_proxy"]
    assert ens["zero_cost_source"] == proxy["zero_cost_source"] == "table"
    # one column's recorded seconds, read from the same packaged table: the same float
    assert ens["zc_cost_per_arch_s"] == proxy["zc_cost_per_arch_s"] > 0
    assert ens["zc_cost_per_arch_s"] < 0.2


def test_tuning_a_zc_proxy_picks_the_proxy_by_validation_on_labels(data):
    """``tuned(model="zc_proxy")`` chooses the proxy that ranks held-out labelled folds
    best: it takes labels whatever the model (a study had planned it without, and every
    trial had failed with "needs targets y")."""
    from scipy.stats import kendalltau
    from sklearn.model_selection import KFold

    from nasperf.predictors.base import requirements_of

    archs, y, zc = data
    params = {"model": "zc_proxy", "param_distributions": {"proxy": ["synflow", "params"]}}
    tuned = get("tuned", space="nb201", n_iter=3, cv=2, random_state=0, **params)
    assert requirements_of(tuned).labels and tuned.requirements.labels
    assert "zero_cost" in requirements_of(tuned).optional  # its proxy reads a table
    tuned.fit(archs, y, zero_cost=zc)
    # by hand: each proxy's mean Kendall tau over the same folds
    folds = KFold(2, shuffle=True, random_state=tuned._seed()).split(np.arange(len(archs)))
    folds = list(folds)
    tau = {
        p: np.mean([kendalltau(zc[p].to_numpy()[va], y[va])[0] for _, va in folds])
        for p in ("synflow", "params")
    }
    tried = {r["params"].get("proxy", "synflow"): r["kendall_tau"] for r in tuned.cv_results_}
    assert tried == pytest.approx(tau, abs=1e-12)  # the same taus in another order of sums
    best = max(tau, key=tau.get)
    assert tuned.model_.proxy_ == best
    np.testing.assert_array_equal(tuned.predict(archs, zero_cost=zc), zc[best].to_numpy())
    # where the scores came from is known once the proxy has predicted; the training set
    # was scored with both proxies (the folds), a query with the chosen one
    assert tuned.zero_cost_source_ == "table"
    assert tuned.zero_cost_seconds_per_arch_ == SECONDS[best]
    assert tuned.zero_cost_train_seconds_per_arch_ == SECONDS["synflow"] + SECONDS["params"]


def test_a_study_plans_a_tuned_zc_proxy_with_labels_and_charges_what_it_read(tmp_path):
    from nasperf.datasets import load_zero_cost
    from nasperf.encodings.zero_cost import recorded_seconds
    from nasperf.evaluation import run_study
    from nasperf.evaluation.config import expand_trials, parse_config

    params = {"model": "zc_proxy", "n_iter": 3, "cv": 2}
    params["param_distributions"] = {"proxy": ["synflow", "params"]}
    raw = {
        "name": "tuned_proxy",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "train_sizes": [20],
        "seeds": 1,
        "test_size": 30,
        "predictors": [{"name": "tuned", "params": params}],
    }
    config = parse_config(raw)
    assert [t["n_train"] for t in expand_trials(config)] == [20]  # had been 0
    result = run_study(config, tmp_path)
    assert not result.errors
    (row,) = result.table.to_dict("records")
    assert row["n_train"] == 20 and row["label_cost_s"] > 0
    assert row["zero_cost_source"] == "table"
    table = load_zero_cost("nb201", "cifar10")
    s = {p: recorded_seconds(table, [p]) for p in ("synflow", "params")}
    # a query: the chosen proxy's seconds; the training set: both proxies' (the folds)
    assert row["zc_cost_per_arch_s"] in (s["synflow"], s["params"])
    expected = 20 * (s["synflow"] + s["params"]) + 30 * row["zc_cost_per_arch_s"]
    assert row["zc_time_s"] == pytest.approx(expected, rel=1e-12)
