"""Trees and boosting: ``xgb``, ``lgb``, ``rf``, ``ngb``.

Model-based predictors on a feature matrix (an architecture encoding, optionally with
zero-cost scores or partial learning curves appended). They need labelled architectures
(``fit(archs, y)``) and nothing else; ``ngb`` also gives a predictive standard deviation.
They are the strongest predictors at 100+ training architectures in White et al. (2021).

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass that
implements ``_fit(X, y)`` / ``_predict(X)`` and carries ``@PREDICTORS.register("name")``;
the contract test runs it automatically.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)
