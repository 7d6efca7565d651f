"""The predictor registry (``PREDICTORS``), in a module of its own so that the lower layers
(persistence) can look predictors up without importing the contract or the families."""

from __future__ import annotations

from nasperf.registry import Registry, check_constraints_cover


class _PredictorRegistry(Registry):
    """A registry that also records the registered name on the class (``cls.name``)."""

    def register(self, name: str, *aliases: str):
        inner = super().register(name, *aliases)

        def decorator(cls):
            inner(cls)  # refuses a class registered under another name before it is renamed
            cls.name = name
            return cls

        return decorator


PREDICTORS: Registry = _PredictorRegistry("predictor", check=check_constraints_cover("predictor"))
