"""Parameter constraints that scikit-learn's validation does not have, for nasperf's classes.

Every predictor and optimizer declares its hyper-parameters' valid values in one class
dict, ``_parameter_constraints = {param: [constraint, ...]}``, checked by scikit-learn's
:func:`~sklearn.utils._param_validation.validate_parameter_constraints` (a value is valid
when it satisfies one constraint of its list; the error names the class, the parameter, the
valid values and the value given). scikit-learn's own constraints (``Interval``,
``StrOptions``, ``Options``, ``HasMethods``, types, ``None``, ``"boolean"``) cover numbers,
fixed choices and types; this module adds what only nasperf knows:

:class:`Registered`
    A name registered in one of nasperf's registries (spaces, encodings, proxies,
    predictors, optimizers), looked up when checked, so members registered later (a user's
    own space or proxy) are valid too.
:class:`ListOf`
    A non-empty list (or tuple) whose items all satisfy a constraint, optionally distinct.
:class:`Device`
    A torch device: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a ``torch.device``
    (whether it is *available* is checked where it is used, so a config can be validated on
    a machine without the GPU its trials will run on).
:class:`ImageDataset`
    An image dataset nasperf knows (``cifar10``, ...), optionally an ``ImageTask``.
:class:`PredictorSpec`
    A registered predictor name, a ``[name, params]`` pair or a ``{"name": ..., **params}``
    mapping (members of hybrid predictors).

:data:`RANDOM_STATE` is the constraint list of every ``random_state`` parameter (a seed in
``[0, 2**32 - 1]``, a ``numpy.random.Generator`` or ``None``, what
:func:`nasperf.spaces.as_rng` takes) and :data:`PATH` that of file or folder arguments.

scikit-learn's ``make_constraint`` accepts only instances of its own constraint classes, so
the constraints here subclass :class:`~sklearn.utils._param_validation.Options` (with no
fixed options) and override the test and the description.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    make_constraint,
    validate_parameter_constraints,
)

__all__ = [
    "PATH",
    "RANDOM_STATE",
    "Device",
    "ImageDataset",
    "InvalidParameterError",
    "ListOf",
    "MAX_COUNT",
    "PredictorSpec",
    "Registered",
    "check_counts_and_flags",
    "validate_parameter_constraints",
]


class _Constraint(Options):
    """Base of nasperf's constraints (an ``Options`` only so that sklearn accepts it)."""

    def __init__(self) -> None:
        super().__init__(object, set())

    def is_satisfied_by(self, val: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __str__(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class Registered(_Constraint):
    """A name registered in a nasperf registry (case-insensitive, aliases included).

    Parameters
    ----------
    registry : callable returning a :class:`~nasperf.registry.Registry`
        Called when a value is checked (registries fill as their packages are imported).
    what : str
        How the error message calls the registered things ("search space", ...).
    accept : callable, optional
        ``accept(member) -> bool``: only members it accepts are valid (e.g. encoders that
        give graphs).
    """

    def __init__(
        self, registry: Callable[[], Any], what: str, *, accept: Callable[[Any], bool] | None = None
    ) -> None:
        super().__init__()
        self.registry = registry
        self.what = what
        self.accept = accept

    def is_satisfied_by(self, val: Any) -> bool:
        if not isinstance(val, str):
            return False
        reg = self.registry()
        return val in reg and (self.accept is None or bool(self.accept(reg.get(val))))

    def __str__(self) -> str:
        reg = self.registry()
        names = [
            n for n in reg.names(aliases=False) if self.accept is None or self.accept(reg.get(n))
        ]
        shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
        return f"a registered {self.what} name ({shown})"


class ListOf(_Constraint):
    """A list or tuple of at least ``min_len`` items that all satisfy ``item`` (a bool is
    not a number of an ``Interval`` item).

    Parameters
    ----------
    item : constraint
        Anything ``sklearn``'s ``make_constraint`` takes (a type, an ``Interval``,
        :class:`Registered`, ...).
    min_len : int
        Fewest items (1: not empty).
    unique : bool
        Items must be distinct.
    """

    def __init__(self, item: Any, *, min_len: int = 1, unique: bool = False) -> None:
        super().__init__()
        self.item = make_constraint(item)
        self.min_len = min_len
        self.unique = unique

    def is_satisfied_by(self, val: Any) -> bool:
        if not isinstance(val, list | tuple) or len(val) < self.min_len:
            return False
        if not all(self.item.is_satisfied_by(v) for v in val):
            return False
        # True / False are no numbers here either (check_counts_and_flags refuses them for
        # one number; an Interval accepts them, and [True, 0] had been a split [1, 0])
        if isinstance(self.item, Interval) and any(isinstance(v, bool | np.bool_) for v in val):
            return False
        if self.unique:
            try:
                return len(set(val)) == len(val)
            except TypeError:
                return False
        return True

    def __str__(self) -> str:
        size = "a non-empty list" if self.min_len == 1 else f"a list of >= {self.min_len}"
        if self.min_len == 0:
            size = "a list"
        distinct = " distinct" if self.unique else ""
        return f"{size} of{distinct} items, each {self.item}"


_DEVICE_TEXT = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


class Device(_Constraint):
    """A torch device: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a ``torch.device``."""

    def is_satisfied_by(self, val: Any) -> bool:
        if isinstance(val, str):
            return bool(_DEVICE_TEXT.match(val))
        cls = type(val)
        return cls.__module__ == "torch" and cls.__name__ == "device"

    def __str__(self) -> str:
        return "a torch device ('cpu', 'cuda', 'cuda:N', 'mps' or a torch.device)"


class PredictorSpec(_Constraint):
    """A predictor by registered name, ``[name, params]`` or ``{"name": name, **params}``.

    Only the form and the name are checked here; the parameters are validated by the
    named predictor's own constraints (see ``EnsemblePredictor._validate_params``).
    """

    def __init__(self, registry: Callable[[], Any]) -> None:
        super().__init__()
        self.registry = registry

    def is_satisfied_by(self, val: Any) -> bool:
        return spec_of(val, self.registry) is not None

    def __str__(self) -> str:
        return (
            "a registered predictor name, a [name, params] pair or a mapping {name: ..., **params}"
        )


def spec_of(val: Any, registry: Callable[[], Any]) -> tuple[str, dict] | None:
    """``(name, params)`` of a predictor spec (see :class:`PredictorSpec`), or None."""
    reg = registry()
    if isinstance(val, str):
        return (val, {}) if val in reg else None
    if (
        isinstance(val, list | tuple)
        and len(val) == 2
        and isinstance(val[0], str)
        and val[0] in reg
        and (val[1] is None or isinstance(val[1], Mapping))
    ):
        return val[0], dict(val[1] or {})
    if isinstance(val, Mapping) and isinstance(val.get("name"), str) and val["name"] in reg:
        return val["name"], {k: v for k, v in val.items() if k != "name"}
    return None


#: ``random_state``: a seed, a ``numpy.random.Generator`` or None (what ``as_rng`` takes;
#: seeds are bounded like scikit-learn's because the libraries behind the predictors take
#: 32-bit seeds).
RANDOM_STATE: list = [Interval(Integral, 0, 2**32 - 1, closed="both"), np.random.Generator, None]

#: File or folder arguments.
PATH: list = [str, os.PathLike]


class ImageDataset(_Constraint):
    """An image-classification dataset nasperf knows (``nasperf.spaces.TASKS``, any case),
    or, with ``task_ok``, a :class:`nasperf.spaces.ImageTask` for one of your own; with
    ``graph_ok`` also a node-classification dataset (``nasperf.spaces.GRAPH_TASKS`` or, with
    ``task_ok``, a :class:`nasperf.spaces.GraphTask`)."""

    def __init__(self, *, task_ok: bool = False, graph_ok: bool = False) -> None:
        super().__init__()
        self.task_ok = task_ok
        self.graph_ok = graph_ok

    def _names(self) -> list[str]:
        from nasperf.spaces.base import GRAPH_TASKS, TASKS

        return [*TASKS, *(GRAPH_TASKS if self.graph_ok else ())]

    def is_satisfied_by(self, val: Any) -> bool:
        from nasperf.spaces.base import GraphTask, ImageTask, TensorTask

        if isinstance(val, ImageTask | TensorTask):
            return self.task_ok
        if isinstance(val, GraphTask):
            return self.task_ok and self.graph_ok
        return isinstance(val, str) and val.lower() in {k.lower() for k in self._names()}

    def __str__(self) -> str:
        out = f"a dataset name ({', '.join(self._names())})"
        if not self.task_ok:
            return out
        kinds = "ImageTask, TensorTask or GraphTask" if self.graph_ok else "ImageTask or TensorTask"
        return out + f" or a nasperf.spaces.{kinds}"


#: Largest value of an integer parameter whose constraint has no upper bound (epochs,
#: estimators, widths, layers, samples, threads): 16x the largest default (bohamiann's
#: 6,000 steps). Larger values had trained for ever or asked torch for terabytes.
MAX_COUNT = 100_000


def _allows_bool(constraints: list) -> bool:
    for c in constraints:
        if c in ("boolean", "verbose", "no_validation") or c is bool or c is object:
            return True
        if isinstance(c, Options) and not isinstance(c, _Constraint) and True in c.options:
            return True
        if isinstance(c, _Constraint) and c.is_satisfied_by(True):
            return True
    return False


def check_counts_and_flags(owner: Any) -> None:
    """What scikit-learn's validation lets through, refused with its wording: ``True`` /
    ``False`` for a number (``Interval(Integral)`` / ``Interval(Real)`` accept bools, which
    torch, LightGBM and XGBoost then refuse deep down), and an integer above
    :data:`MAX_COUNT` where the constraint has no upper bound.

    Raises
    ------
    InvalidParameterError
        Naming the class, the parameter and the value.
    """
    cls = type(owner).__name__
    for name, constraints in getattr(type(owner), "_parameter_constraints", {}).items():
        value = getattr(owner, name, None)
        if isinstance(value, bool | np.bool_) and not _allows_bool(constraints):
            raise InvalidParameterError(
                f"The {name!r} parameter of {cls} must be a number, not a bool. Got "
                f"{value!r} instead."
            )
        if isinstance(value, Integral) and not isinstance(value, bool | np.bool_):
            open_ended = [
                c
                for c in constraints
                if isinstance(c, Interval) and c.type is Integral and c.right is None
            ]
            if (
                open_ended
                and value > MAX_COUNT
                and not any(
                    make_constraint(c).is_satisfied_by(value)
                    for c in constraints
                    if not (isinstance(c, Interval) and c.right is None)
                )
            ):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {cls} must be at most {MAX_COUNT:,d}. Got "
                    f"{value!r} instead."
                )
