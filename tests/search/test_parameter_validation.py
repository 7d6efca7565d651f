"""Every optimizer's parameters are validated with scikit-learn's constraints.

Optimizers are not estimators, so ``Optimizer._validate_params`` calls scikit-learn's
``validate_parameter_constraints`` itself, from ``search.get`` and at ``setup``; each
registered optimizer declares one ``_parameter_constraints`` dict covering its parameters.
"""

from __future__ import annotations

import pytest
from sklearn.utils._param_validation import InvalidParameterError, generate_invalid_param_val
from sklearn.utils._param_validation import make_constraint as sk_make_constraint

from nasperf import search
from nasperf.search.base import OPTIMIZERS
from nasperf.search.study import search_trials

NAMES = search.available()


class _BadType:
    """A value no constraint accepts."""


@pytest.mark.parametrize("name", NAMES)
def test_constraints_cover_exactly_the_parameters_and_defaults_are_valid(name):
    cls = OPTIMIZERS.get(name)
    opt = cls()
    assert set(cls._parameter_constraints) == set(opt.get_params())
    opt._validate_params()


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_refused_when_of_a_bad_type_or_out_of_range(name):
    cls = OPTIMIZERS.get(name)
    for param, constraints in cls._parameter_constraints.items():
        pattern = rf"The '{param}' parameter of {cls.__name__} must be .* Got .* instead"
        with pytest.raises(InvalidParameterError, match=pattern):
            search.get(name, **{param: _BadType()})
        for constraint in map(sk_make_constraint, constraints):
            try:  # a value just outside an interval / option set, as sklearn's own check
                bad = generate_invalid_param_val(constraint)
            except NotImplementedError:
                continue
            with pytest.raises(InvalidParameterError, match=pattern):
                search.get(name, **{param: bad})


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        ("bananas", {"predictor": "xbg"}, r"'predictor' parameter .* registered predictor name"),
        # a training-free predictor cannot guide a search (it learns nothing from the queries)
        ("bananas", {"predictor": "zc_proxy"}, r"'predictor' parameter of Bananas"),
        ("bananas", {"warm_start": "val_accuracy"}, r"'warm_start' .* zero-cost proxy name"),
        ("pls", {"max_radius": 1, "radius": 2}, r"'max_radius' .* at least radius=2"),
        ("regularized_evolution", {"sample_size": 60}, r"at most population_size=50"),
        ("npenas", {"predictor_params": {"n_estimators": 0}}, r"XGBPredictor must be an int"),
        ("npenas", {"predictor_params": {"n_trees": 3}}, r"has no parameter\(s\) \['n_trees'\]"),
        ("bohb", {"random_fraction": 1.5}, r"'random_fraction' parameter of BOHB"),
        # the filter ranks by the warm start's proxies: run() had refused the pair later,
        # with a message that read like advice to set warm_start=None
        (
            "pls",
            {"zero_cost_filter": 0.5, "warm_start": None},
            r"^The 'zero_cost_filter' parameter of PredictorLocalSearch must be None when "
            r"'warm_start' is None",
        ),
    ],
)
def test_bad_values_fail_in_get(name, params, pattern):
    with pytest.raises(InvalidParameterError, match=pattern):
        search.get(name, **params)


def test_an_instance_predictor_takes_no_predictor_params():
    from nasperf.predictors import get

    with pytest.raises(InvalidParameterError, match="'predictor_params' parameter of NPENAS"):
        search.get("npenas", predictor=get("xgb"), predictor_params={"n_estimators": 5})
    search.get("npenas", predictor=get("xgb", n_estimators=5))


def test_setup_validates_parameters_set_after_construction():
    opt = search.get("random_search")
    opt.batch_size = 0
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter of RandomSearch"):
        search.run(opt, budget=2)


def test_a_search_study_with_bad_method_params_fails_before_any_trial():
    with pytest.raises(ValueError, match=r"methods\[1\] \(npenas .*\): The 'n_init' parameter"):
        search_trials(["random_search", {"optimizer": "npenas", "params": {"n_init": -1}}])


def test_optimizers_refuse_a_bool_for_a_number_and_an_endless_count():
    """The predictors' shared check (``check_counts_and_flags``) runs for optimizers too:
    ``n_parents=True`` had been one parent, ``n_candidates=10**12`` a search that never
    finished its first batch; a proxy pool may still be a whole table (NB101: 423,624)."""
    with pytest.raises(InvalidParameterError, match=r"'n_parents' parameter of NPENAS .* bool"):
        search.get("npenas", n_parents=True)
    with pytest.raises(InvalidParameterError, match=r"'n_candidates' .* at most 100,000"):
        search.get("bananas", n_candidates=10**12)
    assert search.get("bananas", proxy_pool=423_624).proxy_pool == 423_624


def _unsearchable_predictors() -> list[str]:
    from nasperf.predictors import PREDICTORS

    return [
        n
        for n in PREDICTORS.names(aliases=False)
        if PREDICTORS.get(n).requirements.labels and PREDICTORS.get(n).requirements.learning_curves
    ]


@pytest.mark.parametrize("name", ["bananas", "npenas", "pls"])
def test_a_predictor_that_needs_what_a_search_never_passes_is_refused_in_get(name):
    """``lcsvr`` reads labels but needs learning curves: it had passed get(), and the first
    fit failed after the warm start's paid queries, naming neither search nor parameter."""
    from nasperf.predictors import get as get_predictor

    unsearchable = _unsearchable_predictors()
    assert "lcsvr" in unsearchable
    for predictor in unsearchable:
        with pytest.raises(
            InvalidParameterError,
            match=rf"^The 'predictor' parameter of \w+ must be a predictor a search can fit "
            rf"on .*'{predictor}' \(\w+\) cannot: it needs learning curves",
        ):
            search.get(name, predictor=predictor)
    with pytest.raises(InvalidParameterError, match=r"LcSVRPredictor\) cannot: it needs learning"):
        search.get(name, predictor=get_predictor("lcsvr"))
    # the valid names the constraint lists leave it out
    with pytest.raises(InvalidParameterError, match=r"registered predictor name") as info:
        search.get(name, predictor="xbg")
    assert "lcsvr" not in str(info.value) and "xgb" in str(info.value)


def test_run_refuses_such_a_predictor_before_any_query():
    import numpy as np

    import nasperf

    class Live(search.Objective):
        name, fidelities = "live", ("full",)

        def __init__(self):
            self.space, self.trained = nasperf.get_space("nb201"), 0

        def evaluate(self, archs, fidelity=None):
            self.trained += 1
            return np.array([60.0]), np.array([100.0])

    obj = Live()
    with pytest.raises(InvalidParameterError, match=r"'predictor' parameter of Bananas"):
        search.run("bananas", objective=obj, budget=20, predictor="lcsvr")
    opt = search.get("bananas", warm_start=None)
    opt.predictor = "lcsvr"  # set after get(): setup validates it again
    with pytest.raises(InvalidParameterError, match=r"'lcsvr' \(LcSVRPredictor\) cannot"):
        search.run(opt, objective=obj, budget=20)
    assert obj.trained == 0
