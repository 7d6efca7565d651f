"""Study configs validate predictor parameters at parse time, and keep labels out of features.

A bad value in a predictor entry's ``params`` is a ``ConfigError`` naming the entry, the
parameter and scikit-learn's message, raised when the config is parsed (so ``run_study.py
--config bad.yaml`` fails before any trial); a learning-curve column may not be the target;
a user's NASLib file hands its proxies, never its label column, to the predictor.
"""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from nasperf.datasets import load_benchmark
from nasperf.evaluation.config import ConfigError, expand_trials, load_config, parse_config
from nasperf.evaluation.engines import run_trial
from nasperf.predictors import Predictor, Requirements

from ._study_helpers import registered, tiny_config


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"name": "xgb", "params": {"n_estimators": -1}},
            "predictors[0].params: The 'n_estimators' parameter of XGBPredictor must be an int "
            "in the range [1, inf). Got -1 instead.",
        ),
        (
            {"name": "mlp", "label": "net", "params": {"device": "gpu"}},
            "predictors[0].params: The 'device' parameter of MLPPredictor must be a torch "
            "device ('cpu', 'cuda', 'cuda:N', 'mps' or a torch.device). Got 'gpu' instead.",
        ),
        (
            {"name": "ensemble", "params": {"members": ["rf", ["xgb", {"max_depth": -2}]]}},
            "predictors[0].params: The 'members[1]' parameter of EnsemblePredictor: The "
            "'max_depth' parameter of XGBPredictor must be an int in the range [0, inf). Got -2 "
            "instead.",
        ),
    ],
)
def test_bad_predictor_params_fail_at_parse_time(params, message):
    with pytest.raises(ConfigError) as info:
        parse_config(tiny_config(predictors=[params]))
    assert str(info.value) == message


def test_zero_cost_true_on_an_ensemble_no_member_of_which_reads_it_fails_at_parse_time():
    """An ensemble hands a zero-cost table only to members that read zero-cost scores; one
    with none refuses it at fit. ``zero_cost: true`` on it is refused when the config is
    parsed, not by every trial; with a zc_proxy member (or a bare xgb) it is accepted."""
    entry = {"name": "ensemble", "params": {"members": ["xgb", "rf"]}, "zero_cost": True}
    with pytest.raises(ConfigError) as info:
        parse_config(tiny_config(predictors=[entry]))
    assert str(info.value) == (
        "predictors[0].zero_cost: EnsemblePredictor: zero_cost was given, but no member reads "
        "zero-cost scores (members ['xgb', 'rf']); a feature-based member takes only the "
        "columns it names: set its zero_cost_proxies=[...] or zero_cost_columns=[...], or add "
        "a zc_proxy member"
    )
    # tuned of such an ensemble (model_params and every listed value refusing it) likewise
    tuned = {
        "name": "tuned",
        "params": {
            "model": "ensemble",
            "model_params": {"members": ["xgb", "rf"]},
            "param_distributions": {"combine": ["mean", "rank"]},
        },
        "zero_cost": True,
    }
    with pytest.raises(ConfigError, match=r"^predictors\[0\]\.zero_cost: TunedPredictor of "):
        parse_config(tiny_config(predictors=[tuned]))
    reader = [["xgb", {"zero_cost_proxies": ["synflow"]}]]
    tuned["params"]["param_distributions"] = {"members": [["xgb", "rf"], reader]}
    parse_config(tiny_config(predictors=[tuned]))  # a listed value reads proxies
    entry["params"]["members"] = ["xgb", {"name": "zc_proxy", "proxy": "synflow"}]
    ok = parse_config(tiny_config(predictors=[entry, {"name": "xgb", "zero_cost": True}]))
    assert [p["zero_cost"] for p in ok.predictors] == [True, True]


def test_a_bad_yaml_fails_when_loaded(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("predictors:\n  - {name: xgb, params: {learning_rate: 0}}\ntrain_sizes: [10]\n")
    with pytest.raises(
        ConfigError, match=r"bad.yaml: predictors\[0\]\.params: The 'learning_rate'"
    ):
        load_config(cfg)


def _user_table(tmp_path, n=200):
    table = load_benchmark("nb201", "cifar10").iloc[:n]
    csv = tmp_path / "mine.csv"
    table[["val_acc_200ep", "val_acc_12ep"]].rename_axis("arch").to_csv(csv)
    return csv


def test_the_target_cannot_be_a_learning_curve_column(tmp_path):
    csv = _user_table(tmp_path)
    raw = tiny_config()
    del raw["spaces"], raw["datasets"]
    raw["data"] = {
        "path": str(csv),
        "space": "nb201",
        "target": "val_acc_200ep",
        "fidelities": {"12ep": ["val_acc_12ep"], "200ep": ["val_acc_200ep"]},
    }
    with pytest.raises(ConfigError, match=r"data\[0\]\.fidelities\.200ep: the target column"):
        parse_config(raw)


class _RecordSide(Predictor):
    """Scores = the first zero-cost column; records the side table's columns it was given."""

    requirements: ClassVar[Requirements] = Requirements(zero_cost=True)
    seen: ClassVar[list] = []

    def fit(self, archs, y=None, **side):
        type(self).seen.append(list(side["zero_cost"].columns))
        return super().fit(archs, y, **side)

    def _fit(self, X, y):
        self.width_ = X.shape[1]

    def _predict(self, X):
        return X[:, -1]


def test_a_users_naslib_file_hands_the_proxies_not_the_label(tmp_path):
    table = load_benchmark("nb201", "cifar10").iloc[:300]
    data = {
        "nasbench201": {
            "cifar10": {
                key: {"params": float(p), "val_accuracy": float(acc)}
                for key, p, acc in zip(
                    table["naslib_key"], table["params_mb"], table["val_acc_200ep"], strict=True
                )
            }
        }
    }
    path = tmp_path / "zc.json"
    path.write_text(json.dumps(data))
    raw = tiny_config(predictors=["test_record_side"], seeds=1, train_sizes=[20])
    del raw["spaces"], raw["datasets"]
    raw["data"] = {"path": str(path)}
    _RecordSide.seen.clear()
    with registered(test_record_side=_RecordSide):
        (trial,) = expand_trials(parse_config(raw))
        row = run_trial(trial)
    assert row["target"] == "val_accuracy" and _RecordSide.seen
    assert all("val_accuracy" not in cols and "params" in cols for cols in _RecordSide.seen)
