"""Every predictor's hyper-parameters are validated by scikit-learn's own mechanism.

Each registered predictor declares ``_parameter_constraints`` covering exactly its
``__init__`` parameters; its defaults and its ``test_params`` satisfy them; a value of the
wrong type or range fails in ``predictors.get`` and again before ``fit`` runs (scikit-learn's
``check_param_validation`` drives every parameter through ``fit``), with scikit-learn's
message naming the class and the parameter.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

from nasperf.predictors import PREDICTORS, available, get

NAMES = available()


class _BadType:
    """A value no constraint accepts."""


@pytest.mark.parametrize("name", NAMES)
def test_constraints_cover_exactly_the_init_parameters(name):
    cls = PREDICTORS.get(name)
    assert set(cls._parameter_constraints) == set(cls._get_param_names())


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_test_params_are_valid(name):
    cls = PREDICTORS.get(name)
    cls()._validate_params()
    cls(**cls.test_params)._validate_params()
    get(name, **cls.test_params)  # the same through the registry


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_refused_through_get_when_of_a_bad_type(name):
    cls = PREDICTORS.get(name)
    for param in cls._get_param_names():
        pattern = rf"The '{param}' parameter of {cls.__name__} must be .* Got .* instead"
        with pytest.raises(InvalidParameterError, match=pattern):
            get(name, **{param: _BadType()})


@pytest.mark.parametrize("name", NAMES)
def test_fit_validates_every_parameter_first(name):
    # scikit-learn's own check: for every parameter, a bad type and a value just outside
    # each constraint (interval bounds, unknown options) must make fit raise
    # InvalidParameterError with the standard message, before anything else runs.
    cls = PREDICTORS.get(name)
    check_param_validation(cls.__name__, cls(**cls.test_params))


# ---------------------------------------------------------------- the issue's examples
@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        (
            "xgb",
            {"n_estimators": -1},
            "The 'n_estimators' parameter of XGBPredictor must be an int in the range "
            "[1, inf). Got -1 instead.",
        ),
        (
            "xgb",
            {"n_estimators": "ten"},
            "The 'n_estimators' parameter of XGBPredictor must be an int in the range "
            "[1, inf). Got 'ten' instead.",
        ),
        (
            "mlp",
            {"epochs": -5},
            "The 'epochs' parameter of MLPPredictor must be an int in the range [1, inf). "
            "Got -5 instead.",
        ),
    ],
)
def test_issue_examples_fail_at_construction_with_sklearns_message(name, params, message):
    with pytest.raises(InvalidParameterError) as info:
        get(name, **params)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        # a space, an encoding, a proxy must be registered (and fit the predictor)
        ("xgb", {"space": "nb202"}, r"'space' parameter .* registered search space name \("),
        ("xgb", {"encoding": "graph"}, r"'encoding' .* registered numeric encoding"),
        ("xgb", {"encoding": ["path", "pathh"]}, r"'encoding' parameter of XGBPredictor"),
        ("gcn", {"encoding": "path"}, r"'encoding' .* registered graph encoding"),
        ("xgb", {"zero_cost_proxies": ["synflow", "synflo"]}, r"zero-cost proxy name"),
        # a string is not a list of proxies (it used to be read letter by letter)
        ("xgb", {"zero_cost_proxies": "synflow"}, r"'zero_cost_proxies' parameter"),
        ("zc_proxy", {"proxy": "val_accuracy"}, r"'proxy' parameter .* zero-cost proxy name"),
        ("xgb", {"zero_cost_columns": ["a", "a"]}, r"non-empty list of distinct items"),
        ("mlp", {"device": "gpu"}, r"'device' parameter .* torch device"),
        ("xgb", {"random_state": -1}, r"'random_state' parameter"),
        ("sparse_gp", {"nu": 2.0}, r"'nu' parameter .* among \{"),
        ("lgb", {"max_depth": 0}, r"'max_depth' parameter of LGBPredictor"),
        ("gcn", {"batch_size": 1}, r"'batch_size' parameter of GCNPredictor .* \[2, inf\)"),
        ("early_stop_acc", {"metric": "val_loss"}, r"'metric' parameter of EarlyStopAccuracy"),
        ("sotl", {"metric": "val_accuracy"}, r"'metric' parameter of SumOfLosses"),
        ("lce", {"families": ["pow3", "pow3"]}, r"'families' parameter of LCE"),
        ("lce", {"n_samples": 10, "burn_in": 10}, r"'burn_in' parameter of LCE .* smaller"),
        ("oneshot", {"score": "alpha "}, r"'score' parameter of OneShot"),
        ("rsws", {"score": "alpha"}, r"'score' parameter of RandomSamplingWeightSharing"),
        ("rsws", {"dataset": "svhn"}, r"'dataset' parameter .* dataset name \(cifar10"),
        ("lambdarank", {"gain": "exp"}, r"'gain' parameter of LambdaRankPredictor"),
        ("tuned", {"model": "tuned"}, r"'model' parameter of TunedPredictor"),
        ("tuned", {"model": "rf"}, r"'param_distributions' .* required: .* no search_space"),
        (
            "tuned",
            {"param_distributions": {"n_trees": [1, 2]}},
            r"names \['n_trees'\], not parameters of predictor 'xgb'",
        ),
        ("omni", {"model": "gcn"}, r"'model' parameter .* feature-matrix predictor"),
        (
            "omni",
            {"model_params": {"n_estimators": 5}},
            r"'model_params' .* None with model='auto'",
        ),
    ],
)
def test_bad_values_fail_in_get(name, params, pattern):
    with pytest.raises(InvalidParameterError, match=pattern):
        get(name, **params)


def test_nested_parameters_are_validated_by_the_nested_class():
    with pytest.raises(InvalidParameterError) as info:
        get("ensemble", members=["rf", ["xgb", {"n_estimators": 0}]])
    msg = str(info.value)
    assert msg.startswith("The 'members[1]' parameter of EnsemblePredictor: ")
    assert "The 'n_estimators' parameter of XGBPredictor must be an int in the range" in msg
    with pytest.raises(InvalidParameterError, match=r"predictor 'xgb' has no parameter\(s\)"):
        get("omni", model="xgb", model_params={"n_trees": 5})
    with pytest.raises(InvalidParameterError, match=r"'weights' parameter .*\(one per member\)"):
        get("ensemble", members=["xgb", "rf"], weights=[1.0])
    with pytest.raises(InvalidParameterError, match=r"'members' parameter of EnsemblePredictor"):
        get("ensemble", members=[3])


def test_set_params_is_validated_before_fit():
    pred = get("xgb", n_estimators=5)
    pred.set_params(learning_rate=0.0)
    archs = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"] * 3
    with pytest.raises(InvalidParameterError, match="'learning_rate' parameter of XGBPredictor"):
        pred.fit(archs, np.arange(3.0))
    assert not hasattr(pred, "model_")  # nothing ran


def test_numpy_scalars_and_a_space_instance_are_valid():
    from nasperf.spaces import get_space

    pred = get("xgb", n_estimators=np.int64(5), learning_rate=np.float32(0.1))
    assert pred.n_estimators == 5
    get("xgb", space=get_space("nb201"), random_state=np.random.default_rng(0))
    get("xgb", space=None)  # a space inferred from the architectures, where supported


def test_the_message_lists_the_registered_names():
    with pytest.raises(InvalidParameterError) as info:
        get("xgb", space="nb202")
    names = re.search(r"registered search space name \(([^)]*)\)", str(info.value)).group(1)
    assert {"nb101", "nb201", "nb301"} <= set(names.split(", "))


def _numeric_params(cls, *, open_ended_ints: bool):
    from numbers import Integral, Real

    from sklearn.utils._param_validation import Interval

    out = []
    for param, constraints in cls._parameter_constraints.items():
        if "boolean" in constraints or "verbose" in constraints:
            continue
        ints = [c for c in constraints if isinstance(c, Interval) and c.type is Integral]
        reals = [c for c in constraints if isinstance(c, Interval) and c.type is Real]
        if open_ended_ints and any(c.right is None for c in ints):
            out.append(param)
        elif not open_ended_ints and (ints or reals):
            out.append(param)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_a_bool_for_a_number_and_an_endless_count_are_refused_first(name):
    """scikit-learn's Interval(Integral / Real) takes True as 1; torch, LightGBM and XGBoost
    then failed deep down (weight_decay=True, learning_rate=True), and counts without an
    upper bound (epochs, n_estimators, widths, n_jobs = 10**12) trained for ever or asked for
    terabytes: each is one InvalidParameterError naming the parameter, at fit."""
    from nasperf._constraints import MAX_COUNT

    cls = PREDICTORS.get(name)
    for param in _numeric_params(cls, open_ended_ints=False):
        pred = cls(**{**cls.test_params, param: True})
        with pytest.raises(InvalidParameterError, match=rf"The '{param}' parameter .* Got True"):
            pred._validate_params()
    for param in _numeric_params(cls, open_ended_ints=True):
        pred = cls(**{**cls.test_params, param: MAX_COUNT + 1})
        with pytest.raises(InvalidParameterError, match=rf"The '{param}' parameter .* at most"):
            pred._validate_params()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverged_model_is_an_error_not_a_nan_prediction():
    """gp with nu=1e6 (only bounded below) overflowed its kernel and predicted NaN for every
    architecture, without a word; so did the neural predictors with a learning rate of 1e3."""
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201").sample(40, random_state=0)
    archs, y = list(table.index), table["val_acc_200ep"].to_numpy()
    pred = get("gp", space="nb201", nu=1e6, random_state=0).fit(archs, y)
    with pytest.raises(ValueError, match=r"GPPredictor: 40 of 40 predictions are not finite"):
        pred.predict(archs)
