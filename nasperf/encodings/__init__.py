"""Architecture encodings: scikit-learn transformers from architectures to features or graphs.

``get(name, space=...)`` builds a registered encoder (a list of names concatenates them with
scikit-learn's ``FeatureUnion``); ``available()`` lists the names. Register your own with
``@ENCODINGS.register("name")`` on an :class:`Encoder` subclass in a module of this package
(or anywhere, before calling ``get``); as for predictors, its ``_parameter_constraints``
(``{**Encoder._parameter_constraints, "param": [constraint, ...]}``) must name exactly its
``__init__`` parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nasperf.errors import short_repr
from nasperf.registry import UnknownNameError, _import_family

from .base import ENCODINGS, Encoder, as_arch_list, resolve_space

_import_family(__name__, __path__)

from .adjacency import AdjacencyOneHotEncoder  # noqa: E402
from .augmentation import GraphIsomorphismAugmenter, giaug  # noqa: E402
from .empty import EmptyEncoder  # noqa: E402
from .graf import GRAFEncoder  # noqa: E402
from .graph import GraphEncoder  # noqa: E402
from .op_distribution import OpDistributionEncoder  # noqa: E402
from .path import PathEncoder, path_statistics  # noqa: E402
from .path_auto import AutoPathEncoder  # noqa: E402
from .zero_cost import ZeroCostFeatures  # noqa: E402


def get(name: str | Sequence[str], *, space: Any = None, **params: Any):
    """An encoder by registered name, with ``space`` and the encoder's parameters.

    ``space`` is a registered name or a space instance; ``None`` (default) takes the space
    of the architecture values the encoder is fitted on (text cannot tell: pass ``space=``).

    A sequence of names gives a ``sklearn.pipeline.FeatureUnion`` of those encoders, whose
    output concatenates theirs column-wise; each parameter goes to the encoders that take
    it (``get(["graf", "zero_cost"], space="nb201", table=zc)``: ``table`` is the
    zero-cost encoder's), and one that none of them takes is an error.

    Every value is validated here against the encoder's ``_parameter_constraints``
    (scikit-learn's ``InvalidParameterError``, a ``ValueError``), and again by ``fit``.
    """
    if isinstance(name, str):
        return _validated(ENCODINGS.get(name)(space=space, **params))
    if not isinstance(name, Sequence) or not all(isinstance(n, str) for n in name):
        raise UnknownNameError(
            f"encoding name must be a string or a list of strings, got {short_repr(name)}; "
            f"available: {', '.join(available())}"
        )
    names = list(name)
    if not names:
        raise ValueError("expected at least one encoding name")
    from sklearn.pipeline import FeatureUnion

    encoders = [ENCODINGS.get(n)(space=space) for n in names]
    taken = [set(e.get_params(deep=False)) for e in encoders]
    unused = [k for k in params if not any(k in t for t in taken)]
    if unused:
        raise ValueError(
            "parameters cannot be passed with several encodings unless one of them takes "
            f"each: {unused} is taken by none of {names}; "
            + "; ".join(
                f"{n}: {', '.join(sorted(t - {'space'})) or 'none but space'}"
                for n, t in zip(names, taken, strict=True)
            )
        )
    encoders = [
        _validated(e.set_params(**{k: v for k, v in params.items() if k in t}))
        for e, t in zip(encoders, taken, strict=True)
    ]
    if not all(e.numeric for e in encoders):
        raise ValueError("only numeric encodings can be concatenated")
    return FeatureUnion([(n, e) for n, e in zip(names, encoders, strict=True)])


def _validated(encoder: Any) -> Any:
    """``encoder`` once its parameters satisfy its ``_parameter_constraints`` (checked
    again when ``fit`` starts, as scikit-learn does), so a bad value fails where it is
    given, naming the class and the parameter."""
    check = getattr(encoder, "_validate_params", None)
    if check is not None:
        check()
    return encoder


def available() -> list[str]:
    """Registered encoding names."""
    return ENCODINGS.names()


__all__ = [
    "ENCODINGS",
    "AdjacencyOneHotEncoder",
    "AutoPathEncoder",
    "EmptyEncoder",
    "Encoder",
    "GRAFEncoder",
    "GraphEncoder",
    "GraphIsomorphismAugmenter",
    "OpDistributionEncoder",
    "PathEncoder",
    "ZeroCostFeatures",
    "as_arch_list",
    "available",
    "get",
    "giaug",
    "path_statistics",
    "resolve_space",
]
