"""OMNI and the ensemble: what they feed their models, and how they combine members."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

import nasperf
from nasperf.predictors import PREDICTORS, get, load
from tests.spaces.custom_space_example import ChainSpace

#: The stand-in zero-cost table's columns (cost measurements, not registered proxies: named).
ZC = ["params_mb", "edgegpu_latency"]


@pytest.fixture(scope="module")
def data():
    table = nasperf.load_benchmark("nb201", "cifar10")
    s = table.sample(300, random_state=1)
    zc = s[["params_mb", "edgegpu_latency"]]
    return {
        "archs": list(s.index),
        "y": s["val_acc_200ep"].to_numpy(),
        "lc": s[["val_acc_12ep"]].to_numpy(),
        "zc": zc,
    }


def test_omni_requires_curves_and_scores_and_concatenates_them(data):
    omni = get(
        "omni", model="xgb", model_params={"n_estimators": 20}, zero_cost_columns=ZC, random_state=0
    )
    with pytest.raises(ValueError, match="needs zero-cost scores"):
        omni.fit(data["archs"][:100], data["y"][:100], learning_curves=data["lc"][:100])
    with pytest.raises(ValueError, match="needs partial learning curves"):
        omni.fit(data["archs"][:100], data["y"][:100], zero_cost=data["zc"])
    omni.fit(
        data["archs"][:100], data["y"][:100], zero_cost=data["zc"], learning_curves=data["lc"][:100]
    )
    width = omni.encoder_.transform(data["archs"][:1]).shape[1]
    assert omni.model_.n_features_in_ == width + 2 + 1
    assert omni.uses_zero_cost_ == ["params_mb", "edgegpu_latency"]
    with pytest.raises(ValueError, match="learning_curves has 2 epochs"):
        omni.predict(
            data["archs"][100:],
            zero_cost=data["zc"],
            learning_curves=np.hstack([data["lc"][100:]] * 2),
        )


def test_omni_learning_curve_feature_carries_the_signal(data):
    """With the 12-epoch accuracy the model ranks better than the encoding alone."""
    tr, te = slice(0, 100), slice(100, None)
    side = {"zero_cost": data["zc"]}
    omni = get("omni", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][tr], data["y"][tr], learning_curves=data["lc"][tr], **side
    )
    xgb = get("xgb", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][tr], data["y"][tr], **side
    )
    t_omni = kendalltau(
        omni.predict(data["archs"][te], learning_curves=data["lc"][te], **side), data["y"][te]
    )[0]
    t_xgb = kendalltau(xgb.predict(data["archs"][te], **side), data["y"][te])[0]
    assert t_omni > t_xgb + 0.05


def test_ensemble_requirements_are_the_union_of_its_members():
    ens = get("ensemble", members=["xgb", ["omni", {"model": "xgb"}]])
    assert set(ens.requirements.side_information) == {"zero_cost", "learning_curves"}
    assert get("ensemble", members=["xgb"]).requirements.side_information == ()
    with pytest.raises(ValueError, match="The 'members' parameter of EnsemblePredictor must be"):
        get("ensemble", members=[3])


def test_ensemble_of_identical_members_reproduces_the_member(data):
    member = ["xgb", {"n_estimators": 30, "random_state": 5}]
    single = get("xgb", n_estimators=30, random_state=5).fit(data["archs"][:100], data["y"][:100])
    expected = single.predict(data["archs"][100:])
    for combine in ("mean", "zscore"):
        ens = get("ensemble", members=[member, member], combine=combine, random_state=0)
        ens.fit(data["archs"][:100], data["y"][:100])
        got = ens.predict(data["archs"][100:])
        if combine == "mean":
            np.testing.assert_allclose(got, expected, rtol=1e-6)
        else:  # an affine map of the member's predictions: same ranking
            assert kendalltau(got, expected)[0] == pytest.approx(1.0)
        np.testing.assert_allclose(ens.predict_std(data["archs"][100:]), 0.0, atol=1e-6)


def test_ensemble_rank_combination_is_the_mean_rank(data):
    members = [
        ["xgb", {"n_estimators": 20, "random_state": 1}],
        ["xgb", {"n_estimators": 20, "max_depth": 2, "random_state": 2}],
    ]
    ens = get("ensemble", members=members, combine="rank").fit(data["archs"][:100], data["y"][:100])
    from scipy.stats import rankdata

    test = data["archs"][100:]
    ranks = [rankdata(m.predict(test)) / len(test) for m in ens.members_]
    np.testing.assert_allclose(ens.predict(test), np.mean(ranks, axis=0))


class _UnregisteredChain(ChainSpace):
    """The chain space under a name no other test registers."""

    name = "chain_unregistered_in_test_hybrids"


def test_tree_and_ensemble_predictors_on_a_user_defined_space(tmp_path):
    space = _UnregisteredChain()
    archs = space.enumerate() if hasattr(space, "enumerate") else space.sample(27, seed=0)
    archs = list(dict.fromkeys(archs))
    # A synthetic target: convolutions help, 3x3 more than 1x1.
    score = {"conv3x3": 2.0, "conv1x1": 1.0, "skip": 0.0}
    y = np.array([sum(score[o] * (k + 1) for k, o in enumerate(a.ops)) for a in archs])
    pred = get("xgb", space=space, n_estimators=50, random_state=0).fit(archs, y)
    assert kendalltau(pred.predict(archs), y)[0] > 0.8
    pred.save(tmp_path / "chain.nasperf")
    with pytest.raises(ValueError, match="pass space= to load"):
        load(tmp_path / "chain.nasperf")
    again = load(tmp_path / "chain.nasperf", space=space)
    np.testing.assert_array_equal(again.predict(archs), pred.predict(archs))
    assert "xgb" in PREDICTORS


def test_tuned_search_keeps_the_best_configuration(data):
    tuned = get(
        "tuned",
        model="xgb",
        model_params={"n_estimators": 30},
        param_distributions={"max_depth": [1, 2, 4], "learning_rate": [0.05, 0.3]},
        n_iter=4,
        cv=3,
        random_state=0,
    ).fit(data["archs"][:120], data["y"][:120])
    assert tuned.n_tried_ == 4 and tuned.cv_results_[0]["params"] == {}
    best = max(r["kendall_tau"] for r in tuned.cv_results_)
    assert [r["kendall_tau"] for r in tuned.cv_results_ if r["params"] == tuned.best_params_][
        0
    ] == best
    assert tuned.model_.get_params()["max_depth"] == tuned.best_params_.get("max_depth", 6)
    quick = get(
        "tuned", model="xgb", model_params={"n_estimators": 10}, time_budget=0.0, random_state=0
    ).fit(data["archs"][:60], data["y"][:60])
    assert quick.n_tried_ == 1 and quick.best_params_ == {}


def test_omni_auto_picks_the_model_with_the_best_out_of_fold_ranking(data):
    side = {"zero_cost": data["zc"]}
    omni = get("omni", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][:60], data["y"][:60], learning_curves=data["lc"][:60], **side
    )
    assert set(omni.cv_scores_) == {"xgb", "bayes_lin_reg"}
    assert omni.model_name_ == max(omni.cv_scores_, key=omni.cv_scores_.get)
    assert type(omni.model_).name == omni.model_name_
    tiny = get("omni", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][:5], data["y"][:5], learning_curves=data["lc"][:5], **side
    )
    assert tiny.model_name_ == "bayes_lin_reg" and tiny.cv_scores_ == {}
