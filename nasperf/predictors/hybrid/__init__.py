"""Hybrid and meta predictors: ``omni`` (encoding + zero-cost + partial learning curve
into trees), ``ensemble`` (any members, combined), ``tuned`` (cross-validated random search
over a member's hyper-parameters within a time budget).

They combine other predictors or several kinds of side information; what they need is what
their members need.

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass that
builds its members through :func:`nasperf.predictors.get`, registered with
``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)
