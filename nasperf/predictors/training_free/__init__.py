"""Training-free predictors: ``zc_proxy`` (:class:`.zc_proxy.ZeroCostPredictor`), one
zero-cost proxy as a predictor.

No labels and no training: ``fit`` only resolves the space and the proxy; ``predict`` reads
the proxy from a table (given or packaged) or computes it on the space's networks with
:func:`nasperf.zero_cost.compute` (images needed for data-dependent proxies). The proxies
themselves live in :mod:`nasperf.zero_cost`.

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass whose
``requirements`` say ``labels=False``, registered with ``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

from .zc_proxy import ZeroCostPredictor

_import_family(__name__, __path__)

__all__ = ["ZeroCostPredictor"]
