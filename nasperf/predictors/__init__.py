"""Performance predictors: model-based, graph, ranking and hybrid, under one contract.

``get(name, space=..., encoding=..., **params)`` builds a registered predictor,
``available()`` lists them, ``load(path)`` reads one saved with ``save``. Every predictor
follows :class:`Predictor` (scikit-learn's regressor contract over architectures; see
:mod:`nasperf.predictors.base`). A new predictor is one new module in this package whose
class carries ``@PREDICTORS.register("name")``; nothing else is edited.

Zero-cost proxies live in :mod:`nasperf.predictors.zero_cost`.
"""

from __future__ import annotations

from typing import Any

from nasperf.registry import Registry, _import_family


class _PredictorRegistry(Registry):
    """A registry that also records the registered name on the class (``cls.name``)."""

    def register(self, name: str, *aliases: str):
        inner = super().register(name, *aliases)

        def decorator(cls):
            cls.name = name
            return inner(cls)

        return decorator


PREDICTORS: Registry = _PredictorRegistry("predictor")

from .base import Predictor, Requirements  # noqa: E402

_import_family(__name__, __path__)


def get(name: str, **params: Any) -> Predictor:
    """A predictor by registered name, e.g. ``get("xgb", space="nb201", encoding="path")``.

    Keyword arguments are the predictor's parameters (see its class docstring); unknown ones
    are an error naming the valid ones.
    """
    cls = PREDICTORS.get(name)
    valid = set(cls._get_param_names())
    unknown = sorted(set(params) - valid)
    if unknown:
        raise ValueError(
            f"predictor {name!r} has no parameter(s) {unknown}; its parameters are {sorted(valid)}"
        )
    return cls(**params)


def available() -> list[str]:
    """Registered predictor names (one per predictor, aliases left out)."""
    return PREDICTORS.names(aliases=False)


def load(path: Any, *, space: Any = None) -> Predictor:
    """Read a predictor written by ``Predictor.save`` (no pickle involved)."""
    from ._persistence import load_predictor

    return load_predictor(path, space=space)


__all__ = ["PREDICTORS", "Predictor", "Requirements", "available", "get", "load"]
