"""OMNI and the ensemble: what they feed their models, and how they combine members."""

from __future__ import annotations

from pathlib import Path

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


def test_omni_uses_whatever_side_information_exists(data):
    """Any subset of {encoding, zero-cost scores, learning curves}: each one given adds its
    columns; none at all is an error naming what could be given."""
    tr, te = slice(0, 100), slice(100, None)
    kw = {"space": "nb201", "model": "xgb", "model_params": {"n_estimators": 20}}
    kw |= {"data_free_proxies": None, "zero_cost_columns": ZC, "random_state": 0}
    omni = get("omni", **kw)
    omni.fit(data["archs"][tr], data["y"][tr], zero_cost=data["zc"], learning_curves=data["lc"][tr])
    width = omni.encoder_.transform(data["archs"][:1]).shape[1]
    assert omni.model_.n_features_in_ == width + 2 + 1
    assert omni.uses_zero_cost_ == ["params_mb", "edgegpu_latency"]
    with pytest.raises(ValueError, match="learning_curves has 2 epochs"):
        omni.predict(
            data["archs"][te],
            zero_cost=data["zc"],
            learning_curves=np.hstack([data["lc"][te]] * 2),
        )
    curves_only = get("omni", **kw).fit(
        data["archs"][tr], data["y"][tr], learning_curves=data["lc"][tr]
    )
    assert curves_only.model_.n_features_in_ == width + 1
    assert curves_only.uses_zero_cost_ == [] and curves_only.uses_learning_curves_ == 1
    scores_only = get("omni", **kw).fit(data["archs"][tr], data["y"][tr], zero_cost=data["zc"])
    assert scores_only.model_.n_features_in_ == width + 2
    assert scores_only.uses_learning_curves_ == 0
    # the curve alone (no encoding): a linear model of one column, the 12-epoch accuracy
    lin = {**kw, "encoding": None, "model": "bayes_lin_reg", "model_params": None}
    lc_alone = get("omni", **lin).fit(
        data["archs"][tr], data["y"][tr], learning_curves=data["lc"][tr]
    )
    assert lc_alone.model_.n_features_in_ == 1 and lc_alone.encoding_ == "none"
    pred = lc_alone.predict(data["archs"][te], learning_curves=data["lc"][te])
    assert kendalltau(pred, data["lc"][te, 0])[0] == pytest.approx(1.0)  # increasing map
    with pytest.raises(ValueError, match="omni has no features"):
        get("omni", **{**kw, "encoding": None}).fit(data["archs"][tr], data["y"][tr])


class _NoNetworkChain(ChainSpace):
    """A chain space without a network builder (as a user's table-only space)."""

    name = "chain_without_networks_in_test_hybrids"

    def build_network(self, arch, dataset="cifar10", **kwargs):
        raise NotImplementedError("no networks")


def test_omni_computes_data_free_proxies_where_the_space_builds_networks(tmp_path, monkeypatch):
    from nasperf.predictors.base import signed_log
    from nasperf.zero_cost import compute

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path))
    space = ChainSpace()
    archs = list(space.enumerate())
    # The target is the parameter count: the computed "params" column carries all of it,
    # linearly (signed_log(x) = log1p(x) ~ x for millions of parameters this small).
    y = np.array([space.params(a) for a in archs])
    omni = get("omni", space=space, encoding=None, model="bayes_lin_reg", random_state=0)
    omni.fit(archs[:20], y[:20])
    assert omni.uses_zero_cost_ == ["synflow", "params", "flops"]
    assert omni.zero_cost_source_ == "computed"
    table = compute(space, archs[:20], ["synflow", "params", "flops"])
    features = omni._features(space, archs[:20], {})
    np.testing.assert_allclose(features, signed_log(table.to_numpy()), rtol=1e-12)
    assert kendalltau(omni.predict(archs[20:]), y[20:])[0] > 0.9
    # a space that builds no networks: the encoding alone, no error
    bare = _NoNetworkChain()
    plain = get("omni", space=bare, model="xgb", random_state=0).fit(archs[:20], y[:20])
    assert plain.uses_zero_cost_ == [] and plain.zero_cost_source_ == ""


def test_omni_learning_curve_feature_carries_the_signal(data):
    """With the 12-epoch accuracy the model ranks better than the encoding alone."""
    tr, te = slice(0, 100), slice(100, None)
    side = {"zero_cost": data["zc"]}
    omni = get("omni", space="nb201", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][tr], data["y"][tr], learning_curves=data["lc"][tr], **side
    )
    xgb = get("xgb", space="nb201", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][tr], data["y"][tr], **side
    )
    t_omni = kendalltau(
        omni.predict(data["archs"][te], learning_curves=data["lc"][te], **side), data["y"][te]
    )[0]
    t_xgb = kendalltau(xgb.predict(data["archs"][te], **side), data["y"][te])[0]
    assert t_omni > t_xgb + 0.05


def test_ensemble_requirements_are_the_union_of_its_members():
    ens = get("ensemble", members=["xgb", ["omni", {"model": "xgb"}]])
    # omni uses scores and curves when given (and needs neither): so does the ensemble
    assert ens.requirements.side_information == ()
    assert set(ens.requirements.accepted) == {"zero_cost", "learning_curves"}
    with_es = get("ensemble", members=["xgb", "early_stop_acc"])
    assert set(with_es.requirements.side_information) == {"learning_curves"}
    assert get("ensemble", members=["xgb"]).requirements.accepted == ()
    # a weight-sharing member trains networks: so does the ensemble (a zero-cost table given
    # to an omni member must not let a study skip the images that member trains on)
    ws = get("ensemble", members=["xgb", "oneshot"])
    for req in (ws.requirements, ws.effective_requirements()):
        assert req.network_training and req.images and req.supernet and req.labels
    assert not get("ensemble", members=["xgb"]).effective_requirements().network_training
    with pytest.raises(ValueError, match="The 'members' parameter of EnsemblePredictor must be"):
        get("ensemble", members=[3])


def test_ensemble_names_the_member_that_cannot_fit():
    archs = nasperf.spaces.get_space("nb201").sample(1, 0)
    with pytest.raises(
        ValueError,
        match=r"^EnsemblePredictor member 'lgb': LGBPredictor needs at least 2 architectures",
    ):
        get("ensemble", space="nb201").fit(archs, [90.0])


def test_ensemble_of_identical_members_reproduces_the_member(data):
    member = ["xgb", {"n_estimators": 30, "random_state": 5}]
    single = get("xgb", space="nb201", n_estimators=30, random_state=5).fit(
        data["archs"][:100], data["y"][:100]
    )
    expected = single.predict(data["archs"][100:])
    for combine in ("mean", "zscore"):
        ens = get(
            "ensemble", space="nb201", members=[member, member], combine=combine, random_state=0
        )
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
    ens = get("ensemble", space="nb201", members=members, combine="rank").fit(
        data["archs"][:100], data["y"][:100]
    )
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
        space="nb201",
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
        "tuned",
        space="nb201",
        model="xgb",
        model_params={"n_estimators": 10},
        time_budget=0.0,
        random_state=0,
    ).fit(data["archs"][:60], data["y"][:60])
    assert quick.n_tried_ == 1 and quick.best_params_ == {}


def test_omni_auto_picks_the_model_with_the_best_out_of_fold_ranking(data):
    side = {"zero_cost": data["zc"]}
    omni = get("omni", space="nb201", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][:60], data["y"][:60], learning_curves=data["lc"][:60], **side
    )
    assert set(omni.cv_scores_) == {"xgb", "bayes_lin_reg"}
    assert omni.model_name_ == max(omni.cv_scores_, key=omni.cv_scores_.get)
    assert type(omni.model_).name == omni.model_name_
    # fewer than AUTO_CV_REPEAT_BELOW architectures: the mean over AUTO_CV_REPEATS shuffles
    from sklearn.model_selection import KFold, cross_val_predict

    from nasperf.predictors.hybrid.omni import AUTO_CV_REPEAT_BELOW, AUTO_CV_REPEATS

    assert 60 < AUTO_CV_REPEAT_BELOW and AUTO_CV_REPEATS == 3
    X = omni._prepare_predict(data["archs"][:60], {"learning_curves": data["lc"][:60], **side})
    y = np.asarray(data["y"][:60], dtype=float)
    for name, score in omni.cv_scores_.items():
        taus = [
            kendalltau(
                cross_val_predict(
                    get(name, random_state=0),
                    X,
                    y,
                    cv=KFold(5, shuffle=True, random_state=1000 * r),
                ),
                y,
            )[0]
            for r in range(AUTO_CV_REPEATS)
        ]
        assert score == pytest.approx(np.mean(taus), abs=1e-12)
    tiny = get("omni", space="nb201", zero_cost_columns=ZC, random_state=0).fit(
        data["archs"][:5], data["y"][:5], learning_curves=data["lc"][:5], **side
    )
    assert tiny.model_name_ == "bayes_lin_reg" and tiny.cv_scores_ == {}


def _meta(name, **params):
    small = {
        "ensemble": {
            "members": [
                ["xgb", {"n_estimators": 20}],
                ["xgb", {"n_estimators": 20, "max_depth": 2}],
            ]
        },
        "tuned": {"model_params": {"n_estimators": 20}, "n_iter": 2, "cv": 2},
    }[name]
    return get(name, random_state=0, **small, **params)


@pytest.mark.parametrize("name", ["ensemble", "tuned"])
def test_meta_predictors_record_the_space_they_were_fitted_on(name, data, tmp_path):
    """An ensemble or a tuned wrapper fitted on architectures records their space as its
    members do (``space_``; ``inferred_space_`` where the values told it), so that a saved
    one is screened (``Checkpoint.from_predictor`` had read its missing ``space_`` as "fitted
    on a feature matrix"); after a feature matrix it has none, and screening says why."""
    from nasperf.pretrained import Checkpoint

    texts, y = data["archs"][:60], data["y"][:60]
    named = _meta(name, space="nb201").fit(texts, y)
    assert named.space_.name == "nb201" and named.inferred_space_ is None
    space = nasperf.get_space("nb201")
    values = [space.parse(t) for t in texts]
    inferred = _meta(name).fit(values, y)  # space=None: the values' space
    assert inferred.space_.name == "nb201" and inferred.inferred_space_ == "nb201"
    for pred in (named, inferred):
        pred.save(tmp_path / "meta.nasperf")
        again = load(tmp_path / "meta.nasperf")
        assert again.space_.name == "nb201"
        assert again.inferred_space_ == pred.inferred_space_
        test = data["archs"][100:140]
        np.testing.assert_array_equal(again.predict(test), pred.predict(test))
        assert Checkpoint.from_predictor(again).space.name == "nb201"
    X = np.random.default_rng(0).normal(size=(40, 3))
    on_matrix = _meta(name).fit(X, X[:, 0])
    assert on_matrix.space_ is None and on_matrix.inferred_space_ is None
    with pytest.raises(ValueError, match=r"fitted without architectures \(on a feature matrix"):
        Checkpoint.from_predictor(on_matrix)


def test_meta_predictors_record_the_zero_cost_columns_their_members_read(data):
    """``uses_zero_cost_`` / ``zero_cost_source_`` of an ensemble are its members' (the union
    of their columns, "table" where one read a table); given those columns as an array (the
    rows a checkpoint gathers from the table), each member gets its own columns of it."""
    members = [
        ["xgb", {"n_estimators": 20, "zero_cost_columns": ["params_mb"]}],
        ["xgb", {"n_estimators": 20, "zero_cost_columns": ["edgegpu_latency"]}],
        ["xgb", {"n_estimators": 20}],  # a table without registered proxies: none
    ]
    zc = data["zc"]
    ens = get("ensemble", space="nb201", members=members[:2], random_state=0)
    ens.fit(data["archs"][:100], data["y"][:100], zero_cost=zc)
    assert ens.uses_zero_cost_ == ["params_mb", "edgegpu_latency"]
    assert ens.zero_cost_source_ == "table"
    test = data["archs"][100:150]
    by_table = ens.predict(test, zero_cost=zc)
    as_array = zc.loc[test, ens.uses_zero_cost_].to_numpy()
    np.testing.assert_array_equal(ens.predict(test, zero_cost=as_array), by_table)
    tuned = get(
        "tuned",
        space="nb201",
        model_params={"n_estimators": 20, "zero_cost_columns": ["params_mb"]},
        n_iter=1,
        cv=2,
        random_state=0,
    ).fit(data["archs"][:100], data["y"][:100], zero_cost=zc)
    assert tuned.uses_zero_cost_ == ["params_mb"] and tuned.zero_cost_source_ == "table"
    plain = get("ensemble", space="nb201", members=members[2:], random_state=0)
    plain.fit(data["archs"][:60], data["y"][:60])
    assert plain.uses_zero_cost_ == [] and plain.zero_cost_source_ == ""


def test_study_inputs_reach_the_members_a_meta_predictor_builds(tmp_path):
    """What a study gives a predictor (:func:`~nasperf.predictors.base.study_params`: its
    space, dataset, images and training epochs) reaches an ensemble's members and a tuned
    model as it reaches each alone: images to the parameter a member reads them through
    (``zc_proxy``: ``inputs``), epochs only to a member that trains networks (an ``mlp``'s
    ``epochs`` are its own), nothing a member's own parameters set, and not the space (each
    member is built with the ensemble's). The ensemble had dropped them all."""
    from nasperf.predictors.base import study_params

    inputs = {"space": "nb201", "dataset": "cifar100", "images": "imgs.npz", "epochs": 3}
    members = [["zc_proxy", {"proxy": "nwot"}], "oneshot", "mlp", ["zc_proxy", {"inputs": "x"}]]
    got = study_params(PREDICTORS.get("ensemble"), {"members": members}, inputs)
    assert got == {
        "space": "nb201",
        "members": [
            ["zc_proxy", {"proxy": "nwot", "dataset": "cifar100", "inputs": "imgs.npz"}],
            ["oneshot", {"dataset": "cifar100", "images": "imgs.npz", "epochs": 3}],
            ["mlp", {}],
            ["zc_proxy", {"inputs": "x", "dataset": "cifar100"}],
        ],
    }
    # bare, as a study has always built them
    assert study_params(PREDICTORS.get("zc_proxy"), {}, inputs) == {
        "space": "nb201",
        "dataset": "cifar100",
        "inputs": "imgs.npz",
    }
    assert study_params(PREDICTORS.get("mlp"), {"epochs": 9}, inputs) == {
        "space": "nb201",
        "epochs": 9,
    }
    # members that take none of it are left as written
    assert study_params(PREDICTORS.get("ensemble"), {"members": ["xgb"]}, inputs) == {
        "space": "nb201",
        "members": ["xgb"],
    }
    # a tuned model, and an ensemble inside it
    tuned = study_params(PREDICTORS.get("tuned"), {"model": "oneshot"}, inputs)
    assert tuned["model_params"] == {"dataset": "cifar100", "images": "imgs.npz", "epochs": 3}
    nested = study_params(
        PREDICTORS.get("tuned"), {"model": "ensemble", "model_params": {"members": members}}, inputs
    )
    assert nested["model_params"]["members"] == got["members"]
    with pytest.raises(ValueError, match=r"^inputs: unknown role\(s\) \['imgs'\]"):
        study_params(PREDICTORS.get("xgb"), {}, {"imgs": "x"})
    # what reads images: the members with their parameters (a data-free proxy reads none)
    assert get("ensemble", members=[["zc_proxy", {"proxy": "nwot"}], "xgb"]).reads_images()
    assert not get("ensemble", members=[["zc_proxy", {"proxy": "synflow"}], "xgb"]).reads_images()
    assert not get("tuned", model="xgb").reads_images()


def _random_images(folder: Path) -> Path:
    """16 random CIFAR-sized images with labels in an ``.npz`` a study's ``images:`` reads."""
    npz = folder / "imgs.npz"
    rng = np.random.default_rng(0)
    np.savez(
        npz,
        data=rng.integers(0, 256, size=(16, 3, 32, 32), dtype=np.uint8),
        labels=rng.integers(0, 10, size=16),
    )
    return npz


def test_an_ensemble_member_scores_the_study_s_images(tmp_path):
    """The member built from the study's inputs scores what the bare predictor given the
    same images scores, not the packaged table (computed on nasperf's own images)."""
    from nasperf.predictors.base import study_params

    npz = _random_images(tmp_path)
    table = nasperf.load_benchmark("nb201", "cifar10")
    archs = list(table.index[:8])
    member = {"proxy": "nwot", "batch_size": 16, "cache": False}
    inputs = {"space": "nb201", "dataset": "cifar10", "images": str(npz)}
    params = study_params(
        PREDICTORS.get("ensemble"), {"members": [["zc_proxy", member]], "combine": "mean"}, inputs
    )
    ens = get("ensemble", **params).fit(archs[:4], table["val_acc_200ep"].to_numpy()[:4])
    got = ens.members_[0].predict(archs[4:])
    bare = get("zc_proxy", **study_params(PREDICTORS.get("zc_proxy"), member, inputs))
    want = bare.fit().predict(archs[4:])
    assert ens.members_[0].zero_cost_source_ == bare.zero_cost_source_ == "computed"
    # one process, the same networks and images: the same floats
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ens.predict(archs[4:]), want)  # one member, "mean"
    packaged = get("zc_proxy", space="nb201", proxy="nwot").fit().predict(archs[4:])
    assert not np.allclose(want, packaged, rtol=1e-3)


def test_study_inputs_reach_ensemble_members_tuned_through_param_distributions(tmp_path):
    """``tuned(model="ensemble", param_distributions={"members": [...]})``: the members
    drawn replace ``model_params``' at fit, and had never had the study's images (nor did the
    trial carry them), so each candidate's ``zc_proxy`` read the packaged table, computed on
    nasperf's own images, without a word. Each listed value is now routed as the model
    takes it, the trial records the images, and the member scores them."""
    from nasperf.evaluation.config import expand_trials, parse_config
    from nasperf.predictors.base import requirements_of, study_params

    npz = _random_images(tmp_path)
    member = {"proxy": "nwot", "batch_size": 16, "cache": False}
    drawn = [[["zc_proxy", member]], [["xgb", {"n_estimators": 5}]]]
    config_params = {"model": "ensemble", "param_distributions": {"members": drawn}}
    inputs = {"space": "nb201", "dataset": "cifar10", "images": str(npz)}
    params = study_params(PREDICTORS.get("tuned"), config_params, inputs)
    routed = {**member, "dataset": "cifar10", "inputs": str(npz)}
    assert params["param_distributions"] == {
        "members": [[["zc_proxy", routed]], [["xgb", {"n_estimators": 5}]]]
    }
    assert config_params["param_distributions"]["members"] is drawn  # the config's untouched
    # the trial carries the images (the default members, trees, read none)
    tuned = get("tuned", **config_params)
    assert requirements_of(tuned).images and tuned.reads_images()
    tree_params = {"model": "ensemble", "param_distributions": {"members": [["xgb"], ["rf"]]}}
    trees = get("tuned", **tree_params)
    assert not requirements_of(trees).images and not trees.reads_images()
    raw = {
        "name": "drawn",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "train_sizes": [10],
        "seeds": 1,
        "test_size": 20,
        "images": str(npz),
        "predictors": [
            {"name": "tuned", "params": config_params},
            {"name": "tuned", "label": "trees", "params": tree_params},
        ],
    }
    trials = {t["label"]: t for t in expand_trials(parse_config(raw))}
    assert trials["tuned"]["images"]["path"] == str(npz)
    assert "images" not in trials["trees"]

    # the candidate as tuned builds it at fit scores the study's images, as the bare
    # zc_proxy given them does (one process, the same networks and images: the same floats)
    table = nasperf.load_benchmark("nb201", "cifar10")
    archs = list(table.index[:8])
    built = get("tuned", **{**params, "space": "nb201", "random_state": 0})
    ens = built._make({"members": params["param_distributions"]["members"][0]})
    ens.fit(archs[:4], table["val_acc_200ep"].to_numpy()[:4])
    bare = get("zc_proxy", **study_params(PREDICTORS.get("zc_proxy"), member, inputs))
    want = bare.fit().predict(archs[4:])
    np.testing.assert_array_equal(ens.members_[0].predict(archs[4:]), want)
    assert ens.members_[0].zero_cost_source_ == "computed"
