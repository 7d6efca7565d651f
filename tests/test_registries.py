"""What the registries refuse when a user adds a component: a class registered under a
second name (it would be renamed), a predictor or optimizer whose ``_parameter_constraints``
do not cover its parameters, a proxy that names itself otherwise; and a proxy without a
name gets the one it is registered under."""

from __future__ import annotations

from numbers import Real
from typing import ClassVar

import pytest
from sklearn.utils._param_validation import Interval

import nasperf.search as S
from nasperf.predictors import PREDICTORS, get
from nasperf.search.base import OPTIMIZERS
from nasperf.zero_cost import PROXIES, Proxy, available


@pytest.fixture
def restore(monkeypatch):
    """The registries as they are, restored after the test."""
    for reg in (PREDICTORS, OPTIMIZERS, PROXIES):
        reg.names()  # the built-ins loaded first
        monkeypatch.setattr(reg, "_items", dict(reg._items))
        monkeypatch.setattr(reg, "_primary", dict(reg._primary))


def test_a_registered_class_is_not_registered_again_under_another_name(restore):
    xgb = PREDICTORS.get("xgb")
    # it had renamed XGBPredictor for the process: its saved files named 'my_xgb' and did
    # not load without the module that registered it
    with pytest.raises(
        ValueError,
        match=r"predictor XGBPredictor is already registered as "
        r"'xgb'; to add 'my_xgb', register a subclass under it",
    ):
        PREDICTORS.register("my_xgb")(xgb)
    assert xgb.name == "xgb" and "my_xgb" not in PREDICTORS
    rs = OPTIMIZERS.get("random_search")
    with pytest.raises(ValueError, match=r"already registered as 'random_search'"):
        S.register("my_rs")(rs)
    assert rs.name == "random_search"
    PREDICTORS.register("xgb")(xgb)  # its own name again (a module imported twice): fine

    class MyXGB(xgb):
        pass

    PREDICTORS.register("my_xgb")(MyXGB)  # a subclass under a new name: fine
    assert get("my_xgb", space="nb201").name == "my_xgb" and xgb.name == "xgb"


def test_constraints_must_cover_exactly_the_init_parameters(restore):
    # a parameter left out (or a misspelt key) had gone unchecked: alpha=-5 was accepted
    positive = [Interval(Real, 0, None, closed="left")]
    for constraints, message in (
        ({"space": [str, None]}, r"missing \['alpha'\], not parameters \[\]"),
        (
            {"space": [str, None], "alhpa": positive},
            r"missing \['alpha'\], not parameters \['alhpa'\]",
        ),
    ):

        class Ridge:
            _parameter_constraints: ClassVar[dict] = constraints

            def __init__(self, *, space=None, alpha=1.0):
                self.space, self.alpha = space, alpha

        for register, kind in ((PREDICTORS.register, "predictor"), (S.register, "optimizer")):
            with pytest.raises(
                ValueError,
                match=rf"{kind} 'my_ridge' \(Ridge\): "
                r"_parameter_constraints must name exactly its __init__ "
                r"parameters; " + message,
            ):
                register("my_ridge")(Ridge)
    assert "my_ridge" not in PREDICTORS and "my_ridge" not in OPTIMIZERS


def test_a_proxy_is_called_by_its_registered_name(restore):
    @PROXIES.register("test_unnamed_proxy")
    class Unnamed(Proxy):
        data = "none"

        def compute(self, ctx):
            return 1.0

    # it had been registered yet missing from available() (and nasperf info)
    assert Unnamed.name == "test_unnamed_proxy" and "test_unnamed_proxy" in available()
    with pytest.raises(ValueError, match=r"says name = 'a' but is registered as 'b'"):

        @PROXIES.register("b")
        class Named(Proxy):
            name = "a"
            data = "none"

            def compute(self, ctx):
                return 1.0


def test_a_users_encoding_and_proxy_return_what_the_contract_says(restore):
    import numpy as np

    import nasperf
    from nasperf.encodings import Encoder
    from nasperf.zero_cost.compute import compute

    space = nasperf.get_space("nb201")
    archs = space.sample(4, seed=0)

    class Bad(Encoder):
        out: ClassVar[object] = None

        def _transform(self, batch, archs):
            return type(self).out

        def _feature_names(self):
            return ["a", "b"]

    enc = Bad(space="nb201").fit(archs)
    for out, message in (
        ([[1.0, 2.0]] * 4, r"returned list, not a numpy array"),
        (np.ones((5, 2)), r"returned shape \(5, 2\), not \(4, 2\)"),
        (np.ones((4, 3)), r"returned shape \(4, 3\), not \(4, 2\)"),
        (np.ones(4), r"returned shape \(4,\), not \(4, 2\)"),
        (np.array([["x", "y"]] * 4), r"returned <U1 values, not real numbers"),
        (np.array([[1.0, np.inf]] * 4), r"returned an infinite value \(row 0, column 1\)"),
    ):
        Bad.out = out
        with pytest.raises(
            (TypeError, ValueError), match=r"encoding 'Bad' \(Bad\)\.transform " + message
        ):
            enc.transform(archs)
    Bad.out = np.array([[1.0, np.nan]] * 4)  # NaN marks an undefined value (zero_cost does)
    assert np.isnan(enc.transform(archs)[:, 1]).all()

    @PROXIES.register("test_text_proxy")
    class Text(Proxy):
        data = "none"

        def compute(self, ctx):
            return "1.5"

    with pytest.raises(
        ValueError, match=r"proxy 'test_text_proxy' returned str '1.5', not a number"
    ):
        compute(
            space,
            archs[:1],
            ["test_text_proxy"],
            cache=False,
            network_kwargs={"channels": 4, "cells_per_stage": 1},
        )
