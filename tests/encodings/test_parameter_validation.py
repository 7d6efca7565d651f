"""Every encoder's parameters are validated by scikit-learn's own mechanism, as predictors'
and optimizers' are.

Each registered encoder declares ``_parameter_constraints`` covering exactly its
``__init__`` parameters (the registry refuses a class that does not); its defaults satisfy
them; a value of the wrong type or range fails in ``encodings.get`` and again before
``fit`` runs (scikit-learn's ``check_param_validation``), with scikit-learn's message naming
the class and the parameter. The encoders had checked some parameters by hand, at fit, each
with its own wording, and others not at all (``include_io="no"`` was taken as true).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

import nasperf
from nasperf._constraints import MAX_COUNT
from nasperf.encodings import ENCODINGS, Encoder, available, get
from nasperf.registry import UnknownNameError

NAMES = available()
#: Constructor arguments an encoder needs to fit on NB201 in the checks below.
NEEDS: dict[str, dict] = {"arch2vec": {"epochs": 1, "latent_dim": 2, "hidden_dim": 4}}


class _BadType:
    """A value no constraint accepts."""


@pytest.fixture(scope="module")
def archs():
    return nasperf.get_space("nb201").sample(8, seed=0)


@pytest.mark.parametrize("name", NAMES)
def test_constraints_cover_exactly_the_init_parameters(name):
    cls = ENCODINGS.get(name)
    assert set(cls._parameter_constraints) == set(cls._get_param_names())


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_valid(name):
    cls = ENCODINGS.get(name)
    cls()._validate_params()
    get(name, space="nb201")


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_refused_through_get_when_of_a_bad_type(name):
    cls = ENCODINGS.get(name)
    for param in cls._get_param_names():
        if param == "space":  # resolve_space's own error, as before (see below)
            with pytest.raises(ValueError, match=r"^space must be a registered name, a Sea"):
                get(name, space=_BadType())
            continue
        pattern = rf"^The '{param}' parameter of {cls.__name__} must be .* Got .* instead"
        with pytest.raises(InvalidParameterError, match=pattern):
            get(name, **{param: _BadType()})


@pytest.mark.parametrize("name", NAMES)
def test_fit_validates_every_parameter_first(name, archs):
    # scikit-learn's own check: for every parameter, a bad type and a value just outside
    # each constraint must make fit raise InvalidParameterError before anything else runs.
    # ``space`` is checked first by resolve_space, whose errors (UnknownNameError with a
    # "did you mean" for a misspelt name) encoders have always raised, so it is left out.
    cls = ENCODINGS.get(name)
    enc = cls(space="nb201", **NEEDS.get(name, {}))
    enc._parameter_constraints = {**cls._parameter_constraints, "space": "no_validation"}
    check_param_validation(cls.__name__, enc)


def test_an_unknown_space_is_the_registry_error_with_a_suggestion(archs):
    with pytest.raises(UnknownNameError, match=r"^unknown search space 'nb202'; did you mean"):
        get("path_auto", space="nb202")
    enc = get("path").set_params(space="nb202")
    with pytest.raises(UnknownNameError, match=r"did you mean 'nb201'"):
        enc.fit(archs)


@pytest.mark.parametrize("name", NAMES)
def test_a_bool_for_a_number_and_an_endless_count_are_refused(name):
    from numbers import Integral, Real

    from sklearn.utils._param_validation import Interval

    cls = ENCODINGS.get(name)
    for param, constraints in cls._parameter_constraints.items():
        if "boolean" in constraints:
            continue
        intervals = [c for c in constraints if isinstance(c, Interval)]
        if not intervals:
            continue
        with pytest.raises(
            InvalidParameterError, match=rf"'{param}' parameter .* Got True instead"
        ):
            cls(**{param: True})._validate_params()
        if any(c.type is Integral and c.right is None for c in intervals):
            with pytest.raises(InvalidParameterError, match=rf"'{param}' .* at most"):
                cls(**{param: MAX_COUNT + 1})._validate_params()
        assert all(c.type in (Integral, Real) for c in intervals)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        # a text flag had been taken as true (any non-empty string is)
        (
            "adjacency_onehot",
            {"include_io": "no"},
            "The 'include_io' parameter of AdjacencyOneHotEncoder must be an instance of "
            "'bool' or an instance of 'numpy.bool'. Got 'no' instead.",
        ),
        (
            "op_distribution",
            {"normalize": "false"},
            "The 'normalize' parameter of OpDistributionEncoder must be an instance of "
            "'bool' or an instance of 'numpy.bool'. Got 'false' instead.",
        ),
        (
            "path",
            {"max_length": -1},
            "The 'max_length' parameter of PathEncoder must be an int in the range [0, inf) "
            "or None. Got -1 instead.",
        ),
        (
            "arch2vec",
            {"dropout": 1.0},
            "The 'dropout' parameter of Arch2VecEncoder must be a float in the range "
            "[0.0, 1.0). Got 1.0 instead.",
        ),
    ],
)
def test_the_message_names_the_class_the_parameter_and_the_value(name, params, message):
    with pytest.raises(InvalidParameterError) as info:
        get(name, **params)
    assert str(info.value) == message
    # (a set's options are listed in no fixed order)
    with pytest.raises(InvalidParameterError, match=r"'scale' parameter of ZeroCostFeatures"):
        get("zero_cost", scale="log")


def test_what_was_valid_stays_valid(archs):
    get("path", space=nasperf.get_space("nb201"), max_length=np.int64(3), truncate=100)
    get("path_auto", space="nb201", min_shared=1, max_width=np.int32(50))
    get("graf", max_subset_size=None, op_counts=np.bool_(False))
    text = nasperf.get_space("nb201").to_string(archs[0])
    frame = pd.DataFrame({"synflow": [1.0], "params": [2.0]}, index=[text])
    for proxies, width in ((None, 2), (["synflow"], 1), (("synflow", "params"), 2)):
        enc = get("zero_cost", space="nb201", table=frame, proxies=proxies).fit([text])
        assert enc.transform([text]).shape == (1, width)
    enc = get("zero_cost", space="nb201", table=frame, proxies=frame.columns[1:]).fit([text])
    assert list(enc.proxies_) == ["params"]  # a pandas Index of column names


def test_a_union_validates_each_member():
    with pytest.raises(InvalidParameterError, match=r"'truncate' parameter of PathEncoder"):
        get(["path", "graf"], space="nb201", truncate=0)


def test_set_params_is_validated_before_fit(archs):
    enc = get("path", space="nb201").set_params(truncate=0)
    with pytest.raises(InvalidParameterError, match=r"'truncate' parameter of PathEncoder"):
        enc.fit(archs)
    assert not hasattr(enc, "space_")  # nothing ran


def test_a_user_encoder_must_declare_its_parameters(monkeypatch):
    for attr in ("_items", "_primary"):
        monkeypatch.setattr(ENCODINGS, attr, dict(getattr(ENCODINGS, attr)))

    class Scaled(Encoder):
        def __init__(self, *, space=None, factor: float = 1.0) -> None:
            super().__init__(space=space)
            self.factor = factor

    with pytest.raises(
        ValueError,
        match=r"encoding 'test_scaled' \(Scaled\): _parameter_constraints must name exactly "
        r"its __init__ parameters; missing \['factor'\]",
    ):
        ENCODINGS.register("test_scaled")(Scaled)

    class Declared(Scaled):
        _parameter_constraints: ClassVar[dict] = {
            **Encoder._parameter_constraints,
            "factor": [float],
        }

    ENCODINGS.register("test_scaled")(Declared)
    with pytest.raises(InvalidParameterError, match=r"'factor' parameter of Declared"):
        get("test_scaled", factor="2")


@pytest.mark.parametrize("name", NAMES)
def test_architectures_are_not_routed_as_metadata(name):
    # ``archs`` is scikit-learn's X: metadata routing had generated set_fit_request(archs=...)
    # and set_transform_request(archs=...)
    enc = get(name)
    assert not [m for m in dir(enc) if m.startswith("set_") and m.endswith("_request")]
    assert "archs" not in str(enc._get_metadata_request())
