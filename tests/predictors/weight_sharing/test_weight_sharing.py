"""Weight-sharing predictors (rsws, oneshot, fewshot): exact scores, seeds, resuming, regions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nasperf
from nasperf.datasets.images import normalize_images
from nasperf.predictors import get, load
from nasperf.spaces import get_space
from nasperf.spaces.supernet import batch_statistics

SPACE = get_space("nb201")
TINY = {
    "space": "nb201",
    "epochs": 2,
    "n_eval": 64,
    "batch_size": 32,
    "eval_batch_size": 64,
    "network": {"channels": 4, "cells_per_stage": 1},
    "random_state": 0,
}
ARCHS = SPACE.sample(12, seed=5)


def _states_equal(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def rsws():
    return get("rsws", **TINY).fit()


def test_scores_are_inherited_weight_accuracy_of_the_standalone_network(rsws):
    scores = rsws.predict(ARCHS)
    x = normalize_images(rsws.eval_images_, "cifar10")
    y = torch.from_numpy(rsws.eval_labels_)
    losses = get("rsws", **{**TINY, "score": "loss"})
    losses.supernet_, losses.space_ = rsws.supernet_, rsws.space_
    losses.eval_images_, losses.eval_labels_, losses.fit_time_ = (
        rsws.eval_images_,
        rsws.eval_labels_,
        0.0,
    )
    neg_loss = losses.predict(ARCHS)
    for arch, score, nl in zip(ARCHS, scores, neg_loss, strict=True):
        alone = rsws.supernet_.extract(arch)
        with batch_statistics(alone), torch.no_grad():
            logits = alone(x)
        assert score == pytest.approx(100.0 * float((logits.argmax(1) == y).float().mean()))
        assert nl == pytest.approx(-float(F.cross_entropy(logits, y)), rel=1e-5)


def test_cells_with_no_path_to_the_output_all_score_the_same(rsws):
    dead = [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|",
        "|skip_connect~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ]
    scores = rsws.predict(dead)
    assert len(set(scores.tolist())) == 1
    # Zero features: the logits are the classifier's bias, one class for every image.
    counts = np.bincount(rsws.eval_labels_, minlength=10)
    assert 100.0 * counts.min() / 64 <= scores[0] <= 100.0 * counts.max() / 64


def test_training_is_deterministic_and_seeded(rsws):
    again = get("rsws", **TINY).fit()
    assert _states_equal(again.supernet_, rsws.supernet_)
    np.testing.assert_array_equal(again.predict(ARCHS), rsws.predict(ARCHS))
    other = get("rsws", **{**TINY, "random_state": 1}).fit()
    assert not _states_equal(other.supernet_, rsws.supernet_)
    losses = [h["train_loss"] for h in rsws.history_]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)


def test_defaults_train_on_the_packaged_images():
    pred = get(
        "oneshot", space="nb201", network={"channels": 4, "cells_per_stage": 1}, epochs=0
    ).fit()
    assert pred.eval_images_.shape == (64, 3, 32, 32)  # a quarter of the 256 packaged images
    # no ImageNet16-120 images are packaged: the advice names the predictor's images=
    # (it had said source=, load_image_set's own argument)
    imagenet = get(
        "rsws",
        space="nb201",
        dataset="ImageNet16-120",
        epochs=0,
        network={"channels": 4, "cells_per_stage": 1},
    )
    with pytest.raises(
        ValueError,
        match=r"no ImageNet16-120 images are packaged .*; pass "
        r"images=<an \.npz with 'data' \(N, 3, 16, 16\)",
    ):
        imagenet.fit()


def test_global_torch_rng_is_not_touched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    get("rsws", **{**TINY, "epochs": 1}).fit()
    torch.testing.assert_close(torch.rand(3), expected)


def _crash_after_first_epoch(monkeypatch) -> None:
    """Make the weight-sharing fit raise KeyboardInterrupt once its first epoch's checkpoint
    is written (an interrupted training run)."""
    from nasperf.predictors.weight_sharing import base as ws

    writes = []
    real_write = ws.WeightSharingPredictor._write_checkpoint

    def crash_after_first_epoch(self, state):
        real_write(self, state)
        writes.append(state.get("current", {}).get("epoch"))
        if writes == [1]:
            raise KeyboardInterrupt

    monkeypatch.setattr(ws.WeightSharingPredictor, "_write_checkpoint", crash_after_first_epoch)


def test_interrupted_training_resumes_to_the_same_weights(tmp_path, monkeypatch, rsws):

    ckpt = tmp_path / "supernet.pt"
    _crash_after_first_epoch(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    monkeypatch.undo()
    resumed = get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    assert [h["epoch"] for h in resumed.history_] == [1, 2]
    assert _states_equal(resumed.supernet_, rsws.supernet_)
    # A finished checkpoint is reused as it is: no epoch runs again.
    again = get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    assert _states_equal(again.supernet_, rsws.supernet_)
    with pytest.raises(ValueError, match="different predictor or different parameters"):
        get("rsws", **{**TINY, "lr": 0.05}, checkpoint=str(ckpt)).fit()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot be read as a nasperf supernet checkpoint"):
        get("rsws", **TINY, checkpoint=str(bad)).fit()


def _stored_seconds(path) -> float:
    return torch.load(path, map_location="cpu", weights_only=True)["train_time_s"]


def _epoch_seconds(history) -> float:
    return sum(h["seconds"] for h in history)


def test_a_resumed_or_reloaded_fit_reports_the_whole_training_time(tmp_path, monkeypatch):

    # The user's case: a second fit with the same checkpoint reloads the finished state and
    # had reported ~0.1 s as the supernet's training (a study's initialisation cost).
    ckpt = tmp_path / "rsws.pt"
    first = get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    stored = _stored_seconds(ckpt)
    assert first.resumed_time_s_ == 0.0
    # the checkpoint holds the seconds of the fit that wrote it, up to its last write
    assert _epoch_seconds(first.history_) <= stored <= first.train_time_s_
    again = get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    assert again.resumed_time_s_ == stored  # exactly what the file says
    assert again.train_time_s_ == again.fit_time_ and again.train_time_s_ > stored
    assert again.history_ == first.history_
    assert _stored_seconds(ckpt) == stored  # reloading adds nothing to the file
    # A fit interrupted after its first epoch and resumed charges both runs' seconds.
    _crash_after_first_epoch(monkeypatch)
    partial = tmp_path / "partial.pt"
    with pytest.raises(KeyboardInterrupt):
        get("rsws", **TINY, checkpoint=str(partial)).fit()
    monkeypatch.undo()
    after_one = _stored_seconds(partial)
    resumed = get("rsws", **TINY, checkpoint=str(partial)).fit()
    assert resumed.resumed_time_s_ == after_one
    assert _stored_seconds(partial) >= after_one + resumed.history_[1]["seconds"]
    assert resumed.train_time_s_ > _stored_seconds(partial)
    # A checkpoint written before the seconds were recorded: its epochs' seconds.
    old = torch.load(ckpt, map_location="cpu", weights_only=True)
    del old["train_time_s"]
    torch.save(old, ckpt)
    legacy = get("rsws", **TINY, checkpoint=str(ckpt)).fit()
    assert legacy.resumed_time_s_ == pytest.approx(_epoch_seconds(first.history_), rel=1e-12)
    assert _states_equal(legacy.supernet_, first.supernet_)
    old["train_time_s"] = float("nan")
    torch.save(old, ckpt)
    with pytest.raises(ValueError, match=r"train_time_s is nan, not a number of seconds"):
        get("rsws", **TINY, checkpoint=str(ckpt)).fit()


def test_few_shot_regions_partition_the_space():
    pred = get("fewshot", **{**TINY, "epochs": 1, "split_epochs": 1}).fit()
    assert pred.split_ == (0,) and len(pred.subnets_) == 5
    assert [tuple(r) for r in pred.regions_] == [(v,) for v in range(5)]
    # Every cell is scored by exactly the sub-supernet of its edge-1<-0 operation.
    seen = {}
    for arch in SPACE.enumerate():
        choice = pred.supernet_.encode(arch)
        seen[id(pred._network_for(choice))] = seen.get(id(pred._network_for(choice)), 0) + 1
    assert sorted(seen.values()) == [3125] * 5
    assert {id(n) for n in pred.subnets_} == set(seen)
    # Sub-supernets start from the shared one and drift apart only where trained.
    assert not _states_equal(pred.subnets_[0], pred.subnets_[1])
    stages = [h["stage"] for h in pred.history_]
    assert stages == ["supernet"] + [f"region 0={v}" for v in range(5)]
    # Scores come from the region's sub-supernet.
    arch = SPACE.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    )
    x = normalize_images(pred.eval_images_, "cifar10")
    sub = pred.subnets_[3]  # nor_conv_3x3 is operation 3 on edge 1<-0
    with batch_statistics(sub), torch.no_grad():
        acc = 100.0 * float(
            (sub(x, arch).argmax(1) == torch.from_numpy(pred.eval_labels_)).float().mean()
        )
    assert pred.predict([arch])[0] == pytest.approx(acc)


def test_oneshot_learns_alphas_and_scores_by_them(tmp_path):
    pred = get("oneshot", **TINY).fit()
    alphas = {k: torch.tensor(v) for k, v in pred.alphas_.items()}
    assert alphas["cell"].shape == (6, 5)
    assert float(alphas["cell"].abs().max()) > 1e-3  # moved from the 1e-3 N(0, 1) start
    by_alpha = pred.set_params(score="alpha").predict(ARCHS)
    expected = [pred.supernet_.arch_logprob(a, alphas) for a in ARCHS]
    np.testing.assert_allclose(by_alpha, expected)
    path = tmp_path / "oneshot.nasperf"
    pred.save(path)
    np.testing.assert_array_equal(load(path).predict(ARCHS), by_alpha)


def test_darts_space_runs_with_a_small_supernet():
    nb301 = get_space("nb301")
    pred = get(
        "rsws",
        **{**TINY, "space": "nb301", "epochs": 1, "network": {"channels": 4, "layers": 3}},
    ).fit()
    archs = nb301.sample(3, seed=0)
    scores = pred.predict(archs)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 100))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"space": "nb101"},
            r"'nb101' has no weight-sharing supernet \(build_supernet\); the spaces with one "
            r"are nb201, nb301",
        ),
        ({"n_eval": 200}, "too few of the 256 images packaged"),
        ({"score": "rank"}, "The 'score' parameter of RandomSamplingWeightSharing must be"),
        ({"epochs": -1}, r"The 'epochs' parameter of .* must be an int in the range \[0, inf\)"),
        ({"network": {"width": 3}}, "network="),
        ({"device": "cuda:7"}, "cuda"),
    ],
)
def test_bad_parameters_are_clear_errors(params, match):
    with pytest.raises(ValueError, match=match):
        get("rsws", **{**TINY, "epochs": 0, **params}).fit()


def test_fewshot_split_must_name_decisions():
    with pytest.raises(ValueError, match=r"split must be distinct decision indices in 0..5"):
        get("fewshot", **{**TINY, "epochs": 0, "split": (9,)}).fit()


def test_fewshot_refuses_a_split_of_too_many_regions_before_building_anything(monkeypatch):
    from nasperf.predictors.weight_sharing import base as ws
    from nasperf.predictors.weight_sharing import fewshot

    # the count is arithmetic: no region list is made, no image read (all 24 NB301
    # decisions had filled memory building a list of 2.8e20 regions)
    def refuse(*args, **kwargs):
        raise AssertionError("listed regions or read images before checking split")

    monkeypatch.setattr(fewshot, "region_product", refuse)
    monkeypatch.setattr(ws.WeightSharingPredictor, "_split_images", refuse)
    nb301 = {**TINY, "space": "nb301", "epochs": 0, "network": {"channels": 4, "layers": 3}}
    with pytest.raises(
        ValueError,
        match=r"^split=\[0, 1, 2, 3, 4, 5, 6, 7, \.\.\.\] divides the nb301 supernet into "
        r"2\.8e20 regions, more than the 64 of FewShot\.MAX_REGIONS \(each region is one more "
        r"supernet to train for split_epochs and to keep\); split on fewer decisions \(Zhao "
        r"et al\. split one edge: split=None gives 7 regions\)$",
    ):
        get("fewshot", **nb301, split=list(range(24)), split_epochs=0).fit()
    # NB201's six edges: 5**6 sub-supernets (about 107 GB at the benchmark's size); three
    # edges are 125, over the bound too
    for split, count in (([0, 1, 2, 3, 4, 5], "15,625"), ([0, 1, 2], "125")):
        with pytest.raises(
            ValueError, match=rf"^split=\[.*\] divides the nb201 supernet into {count} "
        ):
            get("fewshot", **{**TINY, "epochs": 0, "split": split}).fit()
    assert fewshot.FewShot.MAX_REGIONS == 64


def test_fewshot_trains_two_split_edges_within_the_bound():
    # 5 x 5 = 25 regions, under the bound: every pair of edge-0 / edge-1 operations
    pred = get("fewshot", **{**TINY, "epochs": 0, "split_epochs": 0, "split": [0, 1]}).fit()
    assert pred.split_ == (0, 1) and len(pred.subnets_) == 25
    assert [tuple(r) for r in pred.regions_] == [(a, b) for a in range(5) for b in range(5)]


def test_spaces_tell_their_supernets_decisions_without_building_one():
    # what a study checks a few-shot split against when it is planned: equal to the built
    # supernet's, at any network size
    for name, sizes in (
        ("nb201", [{"channels": 4, "cells_per_stage": 1}, {}]),
        ("nb301", [{"channels": 4, "layers": 3}]),
    ):
        space = get_space(name)
        told = space.supernet_decisions()
        for network in sizes:
            net = space.build_supernet("cifar10", **network)
            assert told == nasperf.spaces.SupernetDecisions(
                net.decisions, net.decision_names, net.default_split
            )
            assert space.supernet_decisions(**network) == told
    assert get_space("nb201").supernet_decisions().decisions == (5,) * 6
    nb301 = get_space("nb301").supernet_decisions()
    assert nb301.decisions[:6] == (2, 7, 7, 6, 7, 7) and len(nb301.decisions) == 24
    assert nb301.default_split == (1,) and nb301.decision_names[1] == "normal node 2 op a"
    assert get_space("nb101").supernet_decisions() is None  # no supernet: the default
    with pytest.raises(ValueError, match=r"invalid default_split = \(6,\): distinct decision"):
        nasperf.spaces.SupernetDecisions((5,) * 6, ("e",) * 6, (6,))


def test_a_fewshot_split_over_the_bound_is_refused_when_the_study_is_planned(
    tmp_path, capsys, monkeypatch
):
    from nasperf.evaluation import parse_config
    from nasperf.evaluation.config import ConfigError, expand_trials
    from nasperf.evaluation.study import main
    from nasperf.spaces import nb201_supernet

    # counted from the space's decisions: no supernet is built to plan the study
    def refuse(*args, **kwargs):
        raise AssertionError("built a supernet to plan a study")

    monkeypatch.setattr(nb201_supernet.NB201Supernet, "__init__", refuse)
    config = tmp_path / "fewshot.yaml"
    config.write_text(
        "spaces: [nb201]\npredictors:\n  - {name: fewshot, params: {split: [0, 1, 2]}}\n"
        "  - xgb\ntrain_sizes: [10]\nseeds: 1\n"
    )
    # it had listed the trial, failed it at fit and said "rerun to retry"
    assert main(["--config", str(config), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .splitlines()[-1]
        .endswith(
            "invalid study config: predictors[0].params: 'fewshot': split=[0, 1, 2] divides the "
            "nb201 supernet into 125 regions, more than the 64 of FewShot.MAX_REGIONS (each region "
            "is one more supernet to train for split_epochs and to keep); split on fewer decisions "
            "(Zhao et al. split one edge: split=None gives 5 regions)"
        )
    )
    assert not (tmp_path / "o").exists()

    def plan(split, spaces=("nb201",), label="fewshot", optional=False):
        pred = {"name": "fewshot", "label": label, "params": {"split": split}}
        if optional:
            pred["optional"] = True
        raw = {"spaces": list(spaces), "predictors": ["xgb", pred], "train_sizes": [10]}
        return expand_trials(parse_config({**raw, "seeds": 1}))

    # the label names the entry; the bound holds for an optional predictor too (the space
    # has a supernet: what is wrong is the split)
    with pytest.raises(
        ConfigError,
        match=r"^predictors\[1\]\.params: 'fs': split=\[0, 1, 2, 3, 4, 5\] divides the nb201 supernet into 15,625 regions, more than the 64 ",
    ):
        plan([0, 1, 2, 3, 4, 5], label="fs", optional=True)
    with pytest.raises(ConfigError, match=r"nb301 supernet into 2\.8e20 regions, more than the 64"):
        plan(list(range(24)), spaces=("nb301",))
    # an index the supernet lacks, as fit words it
    with pytest.raises(
        ConfigError,
        match=r"^predictors\[1\]\.params: 'fewshot': split must be distinct decision indices "
        r"in 0\.\.5 of the nb201 supernet \(edge 1<-0, edge 2<-0, ",
    ):
        plan(9)
    # within the bound (5 x 5 = 25; NB301's op a x op b = 49): planned as before
    assert [t["predictor"] for t in plan([0, 1])] == ["xgb", "fewshot"]
    nb301 = plan([1, 2], spaces=("nb301",))
    assert [(t["predictor"], t["params"].get("split")) for t in nb301] == [
        ("xgb", None),
        ("fewshot", [1, 2]),
    ]
    # optional on a space without a supernet: skipped there, its split is not asked about
    trials = plan([0, 1, 2], spaces=("nb101",), optional=True)
    assert [t["predictor"] for t in trials] == ["xgb"]


def test_fewshot_split_is_validated_at_construction_where_no_space_is_needed():
    from sklearn.utils._param_validation import InvalidParameterError

    # bools are no indices (True had been decision 1), an index is bounded like every count
    for split in ([True], [0, True], [np.bool_(False)], True, [100_001], 100_001, [], [1, 1]):
        with pytest.raises(InvalidParameterError, match=r"The 'split' parameter of FewShot"):
            get("fewshot", split=split)
    # numpy integers are indices, alone or in a list (np.int64(1) had failed at fit with
    # "split must be decision indices")
    for split in (np.int64(1), [np.int64(1)], (1,)):
        pred = get("fewshot", split=split)
        pred.check_for_space("nb201")
        assert pred._split_of(get_space("nb201").supernet_decisions(), "nb201") == (1,)
    pred = get("fewshot", **{**TINY, "epochs": 0, "split_epochs": 0, "split": np.int64(1)}).fit()
    assert pred.split_ == (1,) and len(pred.subnets_) == 5


def test_a_study_of_weight_sharing_on_a_space_without_a_supernet_is_refused_at_planning(
    tmp_path, capsys
):
    from nasperf.evaluation import parse_config
    from nasperf.evaluation.config import ConfigError, expand_trials, skipped_predictors
    from nasperf.evaluation.study import main

    # the user's command: one line naming what to drop, nothing runs (it had listed the
    # rsws trial, failed it at fit and said "rerun to retry them", which could never work)
    small = ["--train-sizes", "10", "--seeds", "1", "--test-size", "20", "--no-progress"]
    argv = ["--spaces", "nb101", "--predictors", "rsws,xgb", *small, "--no-plots"]
    assert main([*argv, "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith(
        "predictors: 'rsws' needs a weight-sharing supernet (the space nb101 has none; the "
        "spaces with one are nb201, nb301). Drop rsws from predictors (these can run: xgb)"
    )
    assert not (tmp_path / "o").exists()
    # optional, as the default predictors are: skipped with a note where there is no
    # supernet, run where there is one
    config = parse_config(
        {
            "spaces": ["nb101", "nb201"],
            "predictors": [{"name": "rsws", "optional": True}, "xgb"],
            "train_sizes": [10],
            "seeds": 1,
        }
    )
    assert skipped_predictors(config) == [
        "rsws skipped on nb101/cifar10: needs a weight-sharing supernet (the space nb101 has "
        "none; the spaces with one are nb201, nb301)"
    ]
    trials = expand_trials(config)
    assert sorted((t["space"], t["predictor"]) for t in trials) == [
        ("nb101", "xgb"),
        ("nb201", "rsws"),
        ("nb201", "xgb"),
    ]
    # a user's space without build_supernet (the worked example's NAS-Bench-Macro)
    from examples.macro_space import DATA_PATH

    raw = {
        "imports": ["examples.macro_space"],
        "data": {
            "path": str(DATA_PATH),
            "space": "macro",
            "target": "test_acc",
            "dataset": "cifar10",  # its images: the supernet is all it lacks
        },
        "predictors": ["fewshot", "xgb"],
        "train_sizes": [10],
        "seeds": 1,
    }
    with pytest.raises(ConfigError) as err:
        expand_trials(parse_config(raw))
    assert str(err.value) == (
        "predictors: 'fewshot' needs a weight-sharing supernet (the space macro has none; the "
        "spaces with one are nb201, nb301). Drop fewshot from predictors (these can run: xgb)"
    )


def _register_space(monkeypatch, name: str, build_supernet) -> None:
    """Register a NAS-Bench-Macro subclass ``name`` whose ``build_supernet`` is the given
    function, in a copy of the registry that the test's end restores."""
    from examples.macro_space import MacroSpace
    from nasperf.spaces import SPACES

    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))
    SPACES.register(name)(
        type(name, (MacroSpace,), {"name": name, "build_supernet": build_supernet})
    )


def _no_supernet_yet(self, dataset="cifar10", **kwargs):
    raise NotImplementedError("macro's supernet is future work")


def _boom(self, dataset="cifar10", **kwargs):
    raise RuntimeError("boom")


def _returns_none(self, dataset="cifar10", **kwargs):
    return None


@pytest.mark.parametrize(
    ("build", "said"),
    [
        (
            _no_supernet_yet,
            "search space 'mine' defines build_supernet, but build_supernet('cifar10', "
            "channels=4) raised NotImplementedError (macro's supernet is future work): a space "
            "without a supernet leaves build_supernet undefined, so that a study skips {name} "
            "there when it is planned; the spaces with one are nb201, nb301",
        ),
        (
            _boom,
            "search space 'mine': build_supernet('cifar10', channels=4) raised RuntimeError: boom",
        ),
        (
            _returns_none,
            "search space 'mine': build_supernet returned None (NoneType), not a "
            "nasperf.spaces.supernet.Supernet",
        ),
    ],
)
def test_a_build_supernet_that_gives_no_supernet_is_one_error_naming_space_and_predictor(
    monkeypatch, build, said
):
    # the rule: a space that defines build_supernet has a supernet (asked of the class, so
    # nothing is built to plan a study); what its method then does is found at fit. It had
    # been "RuntimeError: boom" / "'NoneType' object has no attribute 'to'", and a
    # NotImplementedError had listed the space itself among "the spaces with one"
    _register_space(monkeypatch, "mine", build)
    assert get_space("mine").has_supernet
    for name, cls in (("rsws", "RandomSamplingWeightSharing"), ("fewshot", "FewShot")):
        pred = get(name, space="mine", epochs=0, n_eval=64, network={"channels": 4})
        with pytest.raises(ValueError) as err:
            pred.fit()
        assert str(err.value) == f"{cls}: " + said.format(name=name)
        # the space's own exception (and traceback) stays the cause
        cause = {_no_supernet_yet: NotImplementedError, _boom: RuntimeError}.get(build)
        assert type(err.value.__cause__) is (cause or type(None))


def test_a_study_on_a_space_whose_build_supernet_only_raises_names_it_at_fit(
    tmp_path, capsys, monkeypatch
):
    from examples.macro_space import DATA_PATH
    from nasperf.evaluation import parse_config
    from nasperf.evaluation.config import expand_trials
    from nasperf.evaluation.study import main

    calls = []

    def build(self, dataset="cifar10", **kwargs):
        calls.append(dataset)
        _no_supernet_yet(self, dataset, **kwargs)

    _register_space(monkeypatch, "macro_ws", build)
    raw = {
        "data": {
            "path": str(DATA_PATH),
            "space": "macro_ws",
            "target": "test_acc",
            "dataset": "cifar10",
        },
        "predictors": ["rsws"],
        "train_sizes": [10],
        "seeds": 1,
    }
    # planned as a space with a supernet, without calling build_supernet
    assert [t["predictor"] for t in expand_trials(parse_config(raw))] == ["rsws"]
    assert calls == []
    config = tmp_path / "study.yaml"
    config.write_text(json.dumps(raw))  # (YAML reads JSON)
    argv = ["--config", str(config), "--out", str(tmp_path / "o"), "--workers", "1"]
    main([*argv, "--no-progress", "--no-plots"])
    assert calls == ["cifar10"]
    err = capsys.readouterr().err
    assert (
        "1 trial(s) failed (first: ValueError: RandomSamplingWeightSharing: search space "
        "'macro_ws' defines build_supernet, but build_supernet('cifar10') raised "
        "NotImplementedError (macro's supernet is future work): a space without a supernet "
        "leaves build_supernet undefined, so that a study skips rsws there when it is "
        "planned; the spaces with one are nb201, nb301); details in"
    ) in err
    assert "Traceback" not in err


def test_study_runner_supplies_images_and_budget_and_charges_training(tmp_path):
    from nasperf.evaluation import parse_config, run_study

    images = tmp_path / "images.npz"
    imgs = nasperf.datasets.load_image_set("cifar10")
    np.savez(images, data=imgs.images[:160], labels=imgs.labels[:160])
    params = {k: v for k, v in TINY.items() if k not in ("space", "random_state", "epochs")}
    raw = {
        "name": "ws",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "predictors": [{"name": "rsws", "params": params}, {"name": "xgb"}],
        "train_sizes": [10],
        "images": str(images),
        "training_epochs": 1,
        "seeds": 1,
        "test_size": 20,
    }
    config = parse_config(raw)
    result = run_study(config, tmp_path / "study")
    row = result.table.set_index("predictor").loc["rsws"]
    assert row["n_train"] == 0 and row["label_cost_s"] == 0
    assert row["init_time_s"] == pytest.approx(row["fit_time_s"]) and row["fit_time_s"] > 0
    # The trial got the study's images (160 images: n_eval=64 leaves 96 to train on) and
    # its one-epoch budget; the xgb trial's hash does not depend on either key.
    from nasperf.evaluation.config import expand_trials

    trials = expand_trials(config)
    ws, xgb = trials
    assert ws["images"]["path"] == str(images) and ws["training_epochs"] == 1
    assert "images" not in xgb and "training_epochs" not in xgb
    no_images = parse_config(
        {k: v for k, v in raw.items() if k not in ("images", "training_epochs")}
    )
    assert expand_trials(no_images)[1]["hash"] == xgb["hash"]


def test_a_study_charges_the_training_a_resumed_checkpoint_holds(tmp_path):
    from nasperf.evaluation import parse_config, run_study

    ckpt = tmp_path / "rsws.pt"
    params = {k: v for k, v in TINY.items() if k not in ("space", "random_state")}
    raw = {
        "spaces": ["nb201"],
        "predictors": [{"name": "rsws", "params": {**params, "checkpoint": str(ckpt)}}],
        "training_epochs": 1,
        "train_sizes": [10],
        "seeds": 1,
        "test_size": 20,
    }
    first = run_study(parse_config(raw), tmp_path / "first").table.iloc[0]
    stored = _stored_seconds(ckpt)
    assert first["fit_time_s"] >= stored
    # a second study (another folder) reloads the finished supernet: its row still charges
    # the training, not the reload's fraction of a second
    second = run_study(parse_config(raw), tmp_path / "second").table.iloc[0]
    assert second["kendall_tau"] == first["kendall_tau"]
    assert second["fit_time_s"] > stored and second["init_time_s"] == second["fit_time_s"]


def test_no_progress_bar_without_progress(monkeypatch):
    # a disabled tqdm still starts tqdm's monitor thread, which outlived fit
    import tqdm.auto

    made = []
    real = tqdm.auto.tqdm

    class Spy(real):
        def __init__(self, *args, **kwargs):
            made.append(kwargs.get("unit"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    get("rsws", **{**TINY, "epochs": 1}).fit()
    assert made == []
    get("rsws", **{**TINY, "epochs": 1, "progress": True}).fit()
    assert made == ["epoch"]  # the spy sees the bar where one is asked for
