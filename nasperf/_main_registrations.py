"""Refuse, before a study runs, trials whose registered names live only in ``__main__``.

A user registers a space, predictor, optimizer, proxy or encoding by defining it and calling
``REGISTRY.register(name)``. Defined in a module listed under ``imports`` (``--import``),
every worker process imports it too. Defined in ``__main__`` (a script, a notebook,
``python -c``), it exists only in the caller's process: joblib's loky workers and Ray's
never run the caller's ``__main__``, so every trial that names it failed there with
"unknown search space" (one stored error per trial, nothing printed, exit code 0), where
``workers=1`` (trials run in the caller's process) had worked.

:func:`check_main_registrations` names such a registration and the fix before anything is
written. It checks only where trials leave the caller's process (:func:`runs_elsewhere`)
and only the names the trials use: their space, predictor and optimizer, the registered
names among their parameters (a proxy, an encoding, a hybrid's member predictor: found by
the parameters' :class:`~nasperf._constraints.Registered` and
:class:`~nasperf._constraints.PredictorSpec` constraints), and the proxy columns of a
zero-cost CSV file they read (a column is read as a proxy because its name is registered).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["MAIN_MODULES", "check_main_registrations", "runs_elsewhere"]

#: Module names of the caller's top-level code: ``__main__``, and ``__mp_main__`` where the
#: caller is itself a process that multiprocessing's spawn started.
MAIN_MODULES: tuple[str, ...] = ("__main__", "__mp_main__")

#: ``(module, attribute)`` of nasperf's registries. A registry whose module is not imported
#: yet holds no user registration, so it is not imported here.
_REGISTRIES: tuple[tuple[str, str], ...] = (
    ("nasperf.spaces.base", "SPACES"),
    ("nasperf.predictors._registry", "PREDICTORS"),
    ("nasperf.search.base", "OPTIMIZERS"),
    ("nasperf.zero_cost.engine", "PROXIES"),
    ("nasperf.encodings.base", "ENCODINGS"),
)

#: How deep parameters are followed (a hybrid's member predictor's own parameters, ...).
_MAX_DEPTH = 4
#: Registrations a message lists by name.
_SHOWN = 5


def runs_elsewhere(
    engine: str,
    workers: int,
    n_trials: int,
    *,
    scheduler: str | None = None,
) -> bool:
    """Whether ``n_trials`` trials run in processes that do not run the caller's
    ``__main__``: the local engine's loky workers (more than one worker and trial: one
    runs in the caller's process), Ray's workers, a Dask scheduler's workers. A Dask
    ``LocalCluster`` starts its workers with multiprocessing's spawn (or forkserver),
    which runs the caller's script again as ``__mp_main__``: its registrations reach them,
    those of a notebook or ``python -c`` (no script file) do not; with ``fork`` they all
    do. Ray's workers, on this machine or a cluster, never run it."""
    if n_trials < 1:
        return False
    if engine == "local":
        return min(workers, n_trials) >= 2
    if engine == "dask" and not scheduler:
        if _main_file("__main__") is not None:
            return False
        try:
            import dask.config

            method = dask.config.get("distributed.worker.multiprocessing-method", "spawn")
        except ImportError:  # check_engine says that dask is missing
            return False
        return method != "fork"
    return engine in ("dask", "ray")


def check_main_registrations(
    trials: Sequence[Mapping[str, Any]],
    *,
    engine: str,
    workers: int,
    scheduler: str | None = None,
    error: type[Exception] = ValueError,
) -> None:
    """Raise ``error`` where ``trials`` would run in processes that do not import
    ``__main__`` (:func:`runs_elsewhere`) and use a name registered there that their
    ``imports`` do not cover (a listed module whose file is the ``__main__`` script covers
    it). The message names each such registration (registry, name, class) and the fix:
    move it into a module listed under ``imports`` / ``--import``, or run with
    ``workers=1`` on the local engine. Costs nothing where nothing is registered in
    ``__main__``."""
    if not runs_elsewhere(engine, workers, len(trials), scheduler=scheduler):
        return
    in_main = _main_entries()
    if not in_main:
        return
    found: dict[tuple[str, str], Any] = {}
    headers: dict[str, list[str]] = {}
    covered: dict[tuple[str, ...], set[str]] = {}
    for trial in trials:
        imports = tuple(str(m) for m in trial.get("imports") or ())
        if imports not in covered:
            covered[imports] = _files_of(imports)
        for registry, name in _used_names(trial, headers):
            obj = in_main.get((id(registry), name.lower()))
            if obj is None or _module_file(obj) in covered[imports]:
                continue
            found.setdefault((registry.kind, name), obj)
    if found:
        raise error(_message(found, engine))


def _message(found: Mapping[tuple[str, str], Any], engine: str) -> str:
    shown = [
        f"{kind} {name!r} (class {getattr(obj, '__qualname__', type(obj).__qualname__)})"
        for (kind, name), obj in list(found.items())[:_SHOWN]
    ]
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    one = len(found) == 1
    it = "it" if one else "them"
    where = "loky's" if engine == "local" else f"{engine}'s"
    return (
        f"{', '.join(shown)}{more} {'is' if one else 'are'} defined in __main__ (your script, "
        f"notebook or `python -c`), which the worker processes ({where}) do not import: every "
        f"trial that uses {it} would fail there as an unknown name. Put {it} in a module and "
        "list that module under imports (a study config's `imports: [mymodule]`, "
        "search_trials(imports=[...]), `--import mymodule` on the command line), or run "
        "with workers=1 on the local engine (trials in this process)"
    )


def _main_entries() -> dict[tuple[int, str], Any]:
    """``(id(registry), lower-case name) -> object`` of every registered name whose object
    is defined in ``__main__`` (or ``__mp_main__``)."""
    out: dict[tuple[int, str], Any] = {}
    for module, attr in _REGISTRIES:
        registry = getattr(sys.modules.get(module), attr, None)
        if registry is None:
            continue
        for name, obj in registry.entries(load=False):
            if getattr(obj, "__module__", None) in MAIN_MODULES:
                out[(id(registry), name.lower())] = obj
    return out


def _registry(module: str, attr: str) -> Any:
    """The registry ``attr`` of ``module`` where that module is imported, else None."""
    return getattr(sys.modules.get(module), attr, None)


def _used_names(trial: Mapping[str, Any], headers: dict[str, list[str]]) -> Iterator[tuple]:
    """``(registry, name)`` of the registered names ``trial`` uses (``headers``: the
    zero-cost CSV headers read so far, by path)."""
    spaces = _registry("nasperf.spaces.base", "SPACES")
    data = trial.get("data")
    for name in (trial.get("space"), data.get("space") if isinstance(data, Mapping) else None):
        if spaces is not None and isinstance(name, str):
            yield spaces, name
    params = trial.get("params") or {}
    for key, module in (
        ("predictor", "nasperf.predictors._registry"),
        ("optimizer", "nasperf.search.base"),
    ):
        registry = _registry(module, key.upper() + "S")
        name = trial.get(key)
        if registry is None or not isinstance(name, str) or name not in registry:
            continue
        yield registry, name
        if isinstance(params, Mapping):
            yield from _named_in_params(registry.get(name), params, 0)
    proxies = _registry("nasperf.zero_cost.engine", "PROXIES")
    zc = trial.get("zero_cost_table")
    for path in (trial.get("zero_cost"), zc.get("path") if isinstance(zc, Mapping) else None):
        if (
            proxies is None
            or not isinstance(path, str)
            or not path.lower().endswith((".csv", ".csv.gz"))
        ):
            continue
        if path not in headers:
            from nasperf.datasets.readers import read_csv_header

            try:
                headers[path] = read_csv_header(path)
            except (OSError, ValueError):  # the run itself names what is wrong with it
                headers[path] = []
        yield from ((proxies, c) for c in headers[path] if c in proxies)


def _named_in_params(cls: Any, params: Mapping[str, Any], depth: int) -> Iterator[tuple]:
    """``(registry, name)`` of the parameters of ``cls`` whose constraint is a registered
    name (a list of them, a predictor spec), following a named member's ``<key>_params``."""
    if depth > _MAX_DEPTH:
        return
    constraints = getattr(cls, "_parameter_constraints", None) or {}
    for key, value in params.items():
        for constraint in constraints.get(key, ()):
            for registry, name, nested in _names_by(constraint, value):
                yield registry, name
                own = params.get(f"{key}_params")
                for more in (nested, own if isinstance(own, Mapping) else None):
                    if more:
                        yield from _named_in_params(registry.get(name), more, depth + 1)


def _names_by(constraint: Any, value: Any) -> Iterator[tuple[Any, str, dict | None]]:
    """``(registry, name, member params)`` of the registered names that ``constraint``
    reads in ``value``."""
    from nasperf._constraints import ListOf, PredictorSpec, Registered, spec_of

    if isinstance(constraint, ListOf) and isinstance(value, list | tuple):
        for item in value:
            yield from _names_by(constraint.item, item)
    elif isinstance(constraint, Registered) and isinstance(value, str):
        registry = constraint.registry()
        if value in registry:
            yield registry, value, None
    elif isinstance(constraint, PredictorSpec):
        spec = spec_of(value, constraint.registry)
        if spec is not None:
            yield constraint.registry(), spec[0], spec[1]


def _main_file(module: str) -> Path | None:
    """The resolved file of the module ``module`` where it has one."""
    file = getattr(sys.modules.get(module), "__file__", None)
    return Path(file).resolve() if isinstance(file, str) else None


def _module_file(obj: Any) -> str | None:
    """The file of the module that defines ``obj`` (the script, for ``__main__``)."""
    path = _main_file(getattr(obj, "__module__", ""))
    return str(path) if path is not None else None


def _files_of(imports: Sequence[str]) -> set[str]:
    """The files of the modules ``imports`` names (paths, or module names as found)."""
    from nasperf._imports import is_module_path

    files = set()
    for spec in imports:
        if is_module_path(spec):
            files.add(str(Path(spec).expanduser().resolve()))
            continue
        file = getattr(sys.modules.get(spec), "__file__", None)
        if file is None:
            try:
                found = importlib.util.find_spec(spec)
            except (ImportError, ValueError):
                found = None
            file = getattr(found, "origin", None)
        if isinstance(file, str):
            files.add(str(Path(file).resolve()))
    return files
