"""A small generic registry: name -> class (or factory), filled by decorators on import.

Spaces, encodings, predictors, zero-cost proxies and optimizers each own one instance.
Nobody edits a list by hand: a new member is one new module whose class carries
``@REGISTRY.register("name")``; the family's package ``__init__`` imports its modules.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(ValueError):
    """Raised when a name is not registered; the message lists what is available."""


class Registry(Generic[T]):
    """Map names to registered objects.

    Parameters
    ----------
    kind : str
        What the registry holds, used in error messages ("predictor", "search space", ...).
    load : callable, optional
        Imports the modules that register the built-in members, before the first lookup.
    check : callable, optional
        ``check(name, obj)`` raises when ``obj`` may not be registered under ``name``; called
        for the first name an object is registered under (the primary name of
        :meth:`register`), not for its aliases.

    Examples
    --------
    >>> PREDICTORS = Registry("predictor")
    >>> @PREDICTORS.register("xgb")
    ... class XGB: ...
    >>> PREDICTORS.get("xgb") is XGB
    True
    """

    def __init__(
        self,
        kind: str,
        *,
        load: Callable[[], object] | None = None,
        check: Callable[[str, T], None] | None = None,
    ) -> None:
        self.kind = kind
        self._check = check
        self._items: dict[str, T] = {}
        self._primary: dict[str, T] = {}
        # imports the modules that register the built-in members, at the first lookup
        # rather than when the package is imported (see :meth:`_loaded`)
        self._load = load

    def _loaded(self) -> Registry[T]:
        """Run the ``load`` hook once, before the first lookup; registering (``add``) never
        triggers it, so a user may register before or after the built-ins load."""
        if self._load is not None:
            load, self._load = self._load, None
            load()
        return self

    def register(self, name: str, *aliases: str) -> Callable[[T], T]:
        """Class decorator registering ``obj`` under ``name`` (and optional aliases)."""

        def decorator(obj: T) -> T:
            self._refuse_second_name(name, obj)
            for key in (name, *aliases):
                self.add(key, obj)
            self._primary[name.lower()] = obj
            return obj

        return decorator

    def _refuse_second_name(self, name: str, obj: object) -> None:
        """Raise when ``obj`` is already registered under other names than ``name``: a
        class registered twice would change what it is called (a predictor's saved name,
        so its files would no longer load without the module that renamed it). Registering
        it again under its own name (a module imported twice) is allowed."""
        old = [k for k, v in self._items.items() if v is obj]
        if old and isinstance(name, str) and name.lower() not in old:
            label = getattr(obj, "__name__", type(obj).__name__)
            raise ValueError(
                f"{self.kind} {label} is already registered as {old[0]!r}; to add "
                f"{name!r}, register a subclass under it (or give {name!r} as an alias "
                "where it is first registered)"
            )

    def add(self, name: str, obj: T) -> None:
        """Register ``obj`` under ``name``; registering a name twice is an error."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} name must be a non-empty string, got {name!r}")
        key = name.lower()
        if key in self._items and self._items[key] is not obj:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        if self._check is not None and all(v is not obj for v in self._items.values()):
            self._check(name, obj)
        self._items[key] = obj

    def get(self, name: str) -> T:
        """Return the object registered as ``name`` (case-insensitive).

        Raises
        ------
        UnknownNameError
            If ``name`` is unknown; the message suggests close matches and lists all names.
        """
        self._loaded()
        if not isinstance(name, str):
            raise UnknownNameError(
                f"{self.kind} name must be a string, got {type(name).__name__} {name!r}; "
                f"available: {', '.join(self.names())}"
            )
        key = name.lower()
        if key not in self._items:
            close = difflib.get_close_matches(key, list(self._items), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}{hint} available: {', '.join(self.names())}"
            )
        return self._items[key]

    def names(self, *, aliases: bool = True) -> list[str]:
        """Sorted registered names; ``aliases=False`` gives one (the primary) name per member."""
        self._loaded()
        if aliases:
            return sorted(self._items)
        primary = set(self._primary)
        # members added with add() alone count under their first name
        seen = {id(v) for k, v in self._items.items() if k in primary}
        for k, v in self._items.items():
            if id(v) not in seen:
                primary.add(k)
                seen.add(id(v))
        return sorted(primary)

    def entries(self, *, load: bool = True) -> list[tuple[str, T]]:
        """``(name, object)`` of every registered name (aliases included), sorted by name;
        ``load=False`` lists what is registered so far without importing the built-in
        members first (a user's own registrations are there either way)."""
        items = self._loaded()._items if load else self._items
        return sorted(items.items(), key=lambda item: item[0])

    def aliases(self, name: str) -> list[str]:
        """The other names of the member registered as ``name`` (sorted; its primary name
        first when ``name`` is an alias)."""
        obj = self.get(name)
        primary = [k for k, v in self._primary.items() if v is obj]
        others = sorted(k for k, v in self._items.items() if v is obj and k not in primary)
        return [k for k in primary + others if k != name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._loaded()._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._loaded()._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


def import_family(package: str, path: list[str] | None = None) -> None:
    """Import every public module of ``package`` (a dotted name; ``path`` its ``__path__``,
    looked up when omitted) so that their decorators register members."""
    if path is None:
        path = list(importlib.import_module(package).__path__)
    _import_family(package, path)


def _import_family(package: str, path: list[str]) -> None:
    """Import every public module of ``package`` so that their decorators register members."""
    for info in pkgutil.iter_modules(path):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")


def check_constraints_cover(kind: str) -> Callable[[str, Any], None]:
    """A ``check`` for registries of scikit-learn-style classes (predictors, optimizers):
    ``_parameter_constraints`` must name exactly the ``__init__`` parameters, so that every
    value is validated when an instance is made. A parameter left out (or a misspelt key)
    had gone unchecked: ``alpha=-5`` was accepted and failed deep in ``fit``."""
    import inspect

    def check(name: str, cls: Any) -> None:
        if not isinstance(cls, type):
            return
        params = {
            p
            for p, v in inspect.signature(cls.__init__).parameters.items()
            if p != "self" and v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)
        }
        declared = set(getattr(cls, "_parameter_constraints", None) or {})
        missing, unknown = sorted(params - declared), sorted(declared - params)
        if missing or unknown:
            raise ValueError(
                f"{kind} {name!r} ({cls.__name__}): _parameter_constraints must name exactly "
                f"its __init__ parameters; missing {missing}, not parameters {unknown} "
                "(scikit-learn's constraints for each: Interval, StrOptions, a type, ...)"
            )

    return check
