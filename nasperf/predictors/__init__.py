"""Performance predictors: model-based, graph, ranking and hybrid, under one contract.

``get(name, space=..., encoding=..., **params)`` builds a registered predictor,
``available()`` lists them, ``load(path)`` reads one saved with ``save``. Every predictor
follows :class:`Predictor` (scikit-learn's regressor contract over architectures; see
:mod:`nasperf.predictors.base`). A new predictor is one new module in this package whose
class carries ``@PREDICTORS.register("name")``; nothing else is edited.

Predictors are grouped in families, one sub-package each (its docstring says what the family
needs and how to add a member):

=================== ==========================================================================
``trees``           ``xgb``, ``lgb``, ``rf``, ``ngb``
``kernels``         ``gp``, ``sparse_gp``, ``var_sparse_gp``, ``gp_wl``, ``svr``, ``bayes_lin_reg``
``neural``          ``mlp``, ``bananas``, ``dngo``, ``bohamiann``, ``nao``, ``seminas``
``graph``           ``gcn``, ``bonas``, ``gin``, ``gates`` (and the shared GNN machinery)
``ranking``         ``pairwise``, ``lambdarank``
``hybrid``          ``omni``, ``ensemble``, ``tuned``
``training_free``   ``zc_proxy`` (the proxies themselves: :mod:`nasperf.zero_cost`)
``curves``          ``early_stop_acc``, ``early_stop_loss``, ``sotl``, ``sotle``, ``sovl``,
                    ``lce``, ``lce_m``, ``lcsvr``, ``lcpfn``
``weight_sharing``  ``rsws``, ``oneshot``, ``fewshot``
=================== ==========================================================================

:mod:`.base` is the contract, ``_persistence`` saving and loading, ``_torch_utils`` the
helpers shared by the torch members.
"""

from __future__ import annotations

from typing import Any

from nasperf.encodings.zero_cost import allow_target_like_columns
from nasperf.registry import _import_family

from ._registry import PREDICTORS
from .base import Predictor, Requirements

_import_family(__name__, __path__)


def get(name: str, **params: Any) -> Predictor:
    """A predictor by registered name, e.g. ``get("xgb", space="nb201", encoding="path")``.

    Keyword arguments are the predictor's parameters (see its class docstring); unknown ones
    are an error naming the valid ones, and every value is validated here against the
    class's ``_parameter_constraints`` (scikit-learn's ``InvalidParameterError``, a
    ``ValueError``: "The 'n_estimators' parameter of XGBPredictor must be an int in the
    range [1, inf). Got -1 instead."), so a bad value fails now, not in ``fit``.
    """
    cls = PREDICTORS.get(name)
    valid = set(cls._get_param_names())
    unknown = sorted(set(params) - valid)
    if unknown:
        raise ValueError(
            f"predictor {name!r} has no parameter(s) {unknown}; its parameters are {sorted(valid)}"
        )
    pred = cls(**params)
    if getattr(cls, "_parameter_constraints", None) is not None:  # every Predictor has them
        pred._validate_params()
    return pred


def available() -> list[str]:
    """Registered predictor names (one per predictor, aliases left out)."""
    return PREDICTORS.names(aliases=False)


def load(path: Any, *, space: Any = None, expected: Any = None) -> Predictor:
    """Read a predictor written by ``Predictor.save``; nothing in the file is executed.

    ``expected`` (a registered name or a predictor class) makes a file holding any other
    predictor an error before anything is restored. See
    :func:`nasperf.predictors._persistence.load_predictor` for what is checked.
    """
    from ._persistence import load_predictor

    return load_predictor(path, space=space, expected=expected)


__all__ = [
    "PREDICTORS",
    "Predictor",
    "Requirements",
    "allow_target_like_columns",
    "available",
    "get",
    "load",
]
