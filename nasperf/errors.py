"""Exceptions raised at nasperf's input boundaries."""

from __future__ import annotations

import os
import reprlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "ArchitectureFailedError",
    "DataFileNotFoundError",
    "DataIntegrityError",
    "IncompatibleVersionError",
    "InvalidArchitectureError",
    "NetworkRunError",
    "StudyNote",
    "UnsupportedNetworkError",
    "WrongSpaceError",
    "as_names",
    "as_optional_path",
    "architecture_failed",
    "as_path",
    "check_aligned",
    "check_flag",
    "failure_text",
    "first_line",
    "short_repr",
    "warn_caller",
]

#: Characters of a value shown in an error message.
MAX_SHOWN = 200


class _ShortRepr(reprlib.Repr):
    """``reprlib`` limits, with strings and ints cut *before* they are formatted."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = MAX_SHOWN
        self.maxother = MAX_SHOWN
        self.maxlong = 60
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 8
        self.maxdict = 8

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(x)
        return f"{x[: self.maxstring]!r}... ({len(x):,} characters)"

    def repr_bytes(self, x: bytes, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(x)
        return f"{x[: self.maxstring]!r}... ({len(x):,} bytes)"

    def repr_ndarray(self, x: Any, level: int) -> str:
        # numpy's own repr spans lines; one line, and the values only when there are few.
        if x.size <= 16 and x.dtype.kind in "biuf":
            return f"array({x.tolist()!r})"
        return f"<{x.dtype} array of shape {tuple(x.shape)}>"

    def repr_Tensor(self, x: Any, level: int) -> str:
        if x.numel() <= 16 and not x.is_floating_point() or x.numel() <= 8:
            return f"tensor({x.tolist()!r})"
        return f"<{x.dtype} tensor of shape {tuple(x.shape)}>"

    def repr_int(self, x: int, level: int) -> str:
        # repr of a huge int is quadratic (and refused beyond 4,300 digits): size it instead.
        if x.bit_length() > 190:
            return f"<int of {x.bit_length():,} bits>"
        return repr(x)


_SHORT = _ShortRepr()


def short_repr(value: Any) -> str:
    """``repr(value)`` for an error message, bounded: long strings, bytes, containers and
    huge ints are cut *before* they are formatted, so showing a 10 MB input costs nothing."""
    try:
        shown = _SHORT.repr(value)
    except Exception:  # a user object whose __repr__ fails
        shown = f"<{type(value).__name__} object>"
    if "\n" in shown:  # a multi-line object repr: one line in a message
        shown = " ".join(shown.split())
    if len(shown) > 2 * MAX_SHOWN:
        shown = shown[: 2 * MAX_SHOWN] + "..."
    return shown


def check_flag(value: Any, name: str) -> bool:
    """``value`` as a ``bool`` where it is ``True`` / ``False`` (a ``numpy.bool_`` too).

    Truthiness would read ``"no"`` as true and ``0`` as false (``check=0`` had turned an
    integrity check off), so anything else is refused.

    Raises
    ------
    TypeError
        Naming ``name`` and the value given.
    """
    if isinstance(value, bool):
        return value
    cls = type(value)
    if cls.__module__ == "numpy" and cls.__name__ in ("bool_", "bool"):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {short_repr(value)}")


def check_aligned(a: Any, b: Any, a_name: str, b_name: str) -> None:
    """A ``ValueError`` where ``a`` and ``b`` are both pandas objects (Series, DataFrame)
    whose indexes differ: nasperf pairs their values by position, as scikit-learn does, so
    a reordered Series (``y.sample(frac=1)``) had paired each value with another row's
    without a word. Equal indexes (any labels, the same order) pass."""
    # (a list's or tuple's ``index`` is a method: only pandas indexes have ``equals``)
    ia, ib = getattr(a, "index", None), getattr(b, "index", None)
    if not (hasattr(ia, "equals") and hasattr(ib, "equals")) or ia.equals(ib):
        return
    differ = next(
        (
            f"row {i}: {short_repr(x)} against {short_repr(y)}"
            for i, (x, y) in enumerate(zip(ia, ib, strict=False))
            if x != y
        ),
        f"{len(ia)} against {len(ib)} rows",
    )
    raise ValueError(
        f"{a_name} and {b_name} are pandas objects with different indexes ({differ}); their "
        f"values are paired by position: align them ({b_name}.reindex({a_name}.index)) or "
        "pass .to_numpy() to pair them as they stand"
    )


def as_names(value: Any, name: str) -> list[str]:
    """``value`` as a list of names: one string is one name (never its letters), else an
    iterable of strings (list, tuple, ...).

    Raises
    ------
    TypeError
        Naming ``name``: ``value`` is neither a string nor an iterable of strings.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes | bytearray | dict) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a name or a list of names, got {short_repr(value)}")
    out = list(value)
    bad = [v for v in out if not isinstance(v, str)]
    if bad:
        raise TypeError(
            f"{name} must be a name or a list of names; {short_repr(bad[0])} is not a string"
        )
    return out


def as_path(value: Any, name: str) -> Path:
    """``value`` as a :class:`~pathlib.Path`: a ``str``, or an ``os.PathLike`` whose
    ``__fspath__`` gives a ``str`` (a ``Path`` is returned as it is).

    pathlib's own refusal of ``None`` / ``5`` / ``b"x"`` ("expected str, bytes or
    os.PathLike object, not NoneType") names no argument, and ``Path("")`` silently means
    the current folder; both are refused here, naming ``name``.

    Raises
    ------
    TypeError
        ``value`` is not a path (``None``, a number, ``bytes``, a PathLike giving bytes, ...).
    ValueError
        ``value`` is empty (or only whitespace), or holds a NUL character.
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, os.PathLike):
        try:
            text = os.fspath(value)
        except TypeError:  # __fspath__ gave neither str nor bytes
            text = None
    else:
        text = None
    if not isinstance(text, str):
        raise TypeError(
            f"{name} must be a path (str or os.PathLike), "
            f"got {type(value).__name__} {short_repr(value)}"
        )
    if not text.strip():
        raise ValueError(f"{name} must not be empty, got {short_repr(value)}")
    if "\0" in text:  # open() would refuse it with "embedded null byte", naming no argument
        raise ValueError(f"{name} must not contain a NUL character, got {short_repr(value)}")
    return value if isinstance(value, Path) else Path(text)


def as_optional_path(value: Any, name: str) -> Path | None:
    """:func:`as_path` for a parameter whose ``None`` means its default (``root=None``):
    ``None`` is returned as it is, anything else goes through :func:`as_path`."""
    return None if value is None else as_path(value, name)


#: Modules whose frames a warning skips to reach the caller's line: nasperf's own, and
#: scikit-learn's wrappers around an estimator's ``fit`` (``_fit_context``).
_INTERNAL_MODULES = ("nasperf", "sklearn")


class StudyNote(UserWarning):
    """A note about a results folder that changes nothing but is worth knowing: it holds
    the trials of other configs (a run reports only its own; reading the folder reads
    all), or was written by another nasperf version. A warning, so that a program can
    filter it (``warnings.filterwarnings("ignore", category=StudyNote)``) or make it an
    error; the command lines print it as one ``<prog>: note: ...`` line."""


def warn_caller(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the first frame outside nasperf
    (and scikit-learn's wrappers), whatever the depth of the call inside nasperf: the
    printed location and module-based filters name the caller's line (fixed stacklevels had
    pointed five warnings at nasperf's or scikit-learn's files). Where every frame is
    nasperf's (its command line), the outermost one."""
    import sys
    import warnings

    frame, level = sys._getframe(1), 2  # stacklevel 2: the function calling warn_caller
    while frame.f_back is not None and _is_internal(frame.f_globals.get("__name__", "")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _is_internal(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _INTERNAL_MODULES)


class InvalidArchitectureError(ValueError):
    """An architecture (or its text / key) is malformed.

    Attributes
    ----------
    field : str
        The part of the input that is wrong ("ops[3]", "adjacency", "normal[2].input", ...).
    value : Any
        The offending value.
    """

    def __init__(self, field: str, value: Any, reason: str, *, space: str | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.space = space
        where = f"{space}: " if space else ""
        super().__init__(f"{where}invalid {field} = {short_repr(value)}: {reason}")

    def within(self, prefix: str) -> InvalidArchitectureError:
        """The same error for a field inside a larger input (e.g. ``archs[3].``)."""
        return InvalidArchitectureError(
            f"{prefix}{self.field}", self.value, self.reason, space=self.space
        )


class ArchitectureFailedError(RuntimeError, ValueError):
    """Building one architecture's network, running it (to count its FLOPs) or scoring it
    raised: the message names the space, the architecture, the step and the cause (the
    original exception is its ``__cause__`` where it was raised in this process). A
    ``RuntimeError`` and a ``ValueError``, so that callers catching either of what was
    raised before still do."""


def first_line(err: BaseException) -> str:
    """The first line of ``err``'s message, stripped and cut to 300 characters ("" where
    it has none): what a one-line error quotes of its cause."""
    return (str(err).strip().splitlines() or [""])[0][:300]


def failure_text(err: BaseException) -> str:
    """``"<type>: <first line>"`` of ``err`` (its type alone where the message is empty),
    as a one-line error names its cause."""
    cause = first_line(err)
    return type(err).__name__ + (f": {cause}" if cause else "")


def architecture_failed(
    space: str, arch: str, step: str, err: BaseException, note: str = ""
) -> ArchitectureFailedError:
    """The :class:`ArchitectureFailedError` of ``space``'s architecture ``arch`` (its text)
    whose ``step`` (``"building its network"``) raised ``err``: ``"<space> architecture
    <arch>: <step> failed: <type>: <the cause's first line>"``, then ``note`` (what to do)
    after a semicolon. Raise it ``from err``."""
    return ArchitectureFailedError(
        f"{space} architecture {arch}: {step} failed: {failure_text(err)}"
        + (f"; {note}" if note else "")
    )


class NetworkRunError(RuntimeError, ValueError):
    """A network raised on the inputs nasperf ran it on to count its FLOPs and parameters
    (:func:`nasperf.spaces.count_complexity`); the message names them and the cause (the
    original exception is its ``__cause__``). A ``RuntimeError`` and a ``ValueError``, as
    :class:`ArchitectureFailedError`.

    Attributes
    ----------
    inputs : str
        What the network was fed (``"float32 zeros of shape (1, 12)"``).
    note : str
        What to do, where nasperf chose the inputs (else empty).
    """

    inputs: str = ""
    note: str = ""


class UnsupportedNetworkError(TypeError):
    """A network in a form whose layers nasperf cannot read (a TorchScript module, quantised
    layers), refused before it runs: the message names the argument (or the builder) and
    the layer, and says what to pass instead (the eager, float ``nn.Module``)."""


class DataIntegrityError(ValueError):
    """A packaged or user data file is missing, corrupt, or does not match its manifest."""


class DataFileNotFoundError(DataIntegrityError, FileNotFoundError):
    """A data file (or a data folder's manifest) does not exist: a ``FileNotFoundError``
    naming the path, and a :class:`DataIntegrityError` for code that checks data files."""


class IncompatibleVersionError(DataIntegrityError):
    """A saved file (predictor, pre-trained checkpoint) needs another nasperf version to load."""


class WrongSpaceError(ValueError):
    """Architectures (or a file of them) belong to another search space than the one they
    are read with (e.g. TransNAS-Bench-101 micro keys given as NAS-Bench-201's, whose keys
    share their format); the message names both spaces."""


class LabelLeakError(ValueError):
    """A feature column is, or looks like, the label (its name says accuracy / loss / ...,
    or it is a near-copy of ``y``): a label can never become a feature. The message names
    the column and the override (:func:`nasperf.predictors.allow_target_like_columns`)."""
