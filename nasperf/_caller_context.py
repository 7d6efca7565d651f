"""The caller's process context, carried with each trial to the worker that runs it.

Worker processes outlive a call: joblib's loky keeps its workers for the next study of a
long-lived process (a notebook), Dask's and Ray's workers serve many. They had kept the
working directory, environment and ``sys.path`` they started with, so after ``os.chdir``
a study's ``imports`` that exist only in the new directory failed every trial
(``ModuleNotFoundError``), and after ``os.environ["NASPERF_CACHE"] = ...`` the workers
still wrote zero-cost scores to the old cache. Nor did the caller's ``warnings`` filters
reach them, so ``warnings.simplefilter("error")`` turned a warning into a failed trial with
``workers=1`` (in the caller's process) and let it pass with ``workers=2``.

:func:`caller_context` takes what a trial's outcome may depend on (cheap: a few strings and
the filter list); :func:`applied` sets it in the worker for one trial and restores the
worker's own afterwards. Every engine's trials go through it (``engines._safe_run``), so the
rows are the same whichever engine runs them.

What travels
    * ``warnings.filters``, each filter that pickles and whose category a worker can have:
      one whose category is a class of the caller's ``__main__`` or that does not pickle (a
      class defined in a function) is left out; such a warning cannot be raised in a
      worker, which does not have the class. The worker's own filters are replaced for the
      trial.
    * On the caller's machine only (a cluster's workers on other machines have their own
      folders): the working directory (where it exists), the environment variables nasperf
      reads (``NASPERF_*``, set and unset, and ``XDG_CACHE_HOME``, the cache's fallback
      folder), and the entries of ``sys.path`` the worker lacks (appended, and kept: a
      module imported from them stays imported).

A worker runs one trial at a time (the engines start one thread per worker process, as the
thread settings of ``engines._with_threads_one`` assume too).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import pickle
import sys
import warnings
from collections.abc import Iterator, Mapping

from nasperf._process import HOST

__all__ = ["ENV_NAMES", "ENV_PREFIX", "CallerContext", "applied", "caller_context"]

#: Environment variables that travel: every name with this prefix ...
ENV_PREFIX = "NASPERF_"
#: ... and these (the zero-cost cache's folder where ``NASPERF_CACHE`` is unset).
ENV_NAMES: tuple[str, ...] = ("XDG_CACHE_HOME",)


@dataclasses.dataclass(frozen=True)
class CallerContext:
    """What a worker applies before a trial (see the module's docstring).

    Attributes
    ----------
    host : str
        The caller's machine (:data:`nasperf._process.HOST`): ``cwd``, ``env`` and ``path``
        apply on that machine only.
    cwd : str or None
        The caller's working directory (None where it was deleted).
    env : dict
        The travelling environment variables the caller has set (one it lacks is unset in
        the worker for the trial).
    path : tuple of str
        The caller's ``sys.path``.
    filters : tuple
        The caller's ``warnings.filters`` that travel, in order.
    """

    host: str
    cwd: str | None
    env: Mapping[str, str]
    path: tuple[str, ...]
    filters: tuple


def _travels(name: str) -> bool:
    return name.startswith(ENV_PREFIX) or name in ENV_NAMES


def _portable_filters() -> tuple:
    """The caller's warnings filters that a worker can use (see the module's docstring)."""
    kept = []
    for item in warnings.filters:
        category = item[2] if len(item) > 2 else None
        if getattr(category, "__module__", None) in ("__main__", "__mp_main__"):
            continue
        try:
            pickle.dumps(item)
        except Exception:  # a category defined in a function, a pattern of another kind
            continue
        kept.append(item)
    return tuple(kept)


def caller_context() -> CallerContext:
    """This process's context, to send with each trial to its worker."""
    try:
        cwd: str | None = os.getcwd()
    except FileNotFoundError:  # the working directory was removed
        cwd = None
    return CallerContext(
        host=HOST,
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if _travels(k)},
        path=tuple(p for p in sys.path if isinstance(p, str)),
        filters=_portable_filters(),
    )


@contextlib.contextmanager
def applied(context: CallerContext | None) -> Iterator[None]:
    """Run the body in ``context`` (None: as the process is), then restore the working
    directory, the environment and the warnings filters as they were."""
    if context is None:
        yield
        return
    with warnings.catch_warnings():  # restores the filters on exit
        warnings.resetwarnings()  # also drops what the once / default registries cached
        warnings.filters.extend(context.filters)
        if context.host != HOST:
            yield
            return
        before = _enter(context)
        try:
            yield
        finally:
            _leave(*before)


def _enter(context: CallerContext) -> tuple[str | None, dict[str, str | None]]:
    """Set the working directory, the environment and ``sys.path`` of ``context``; return
    the working directory and the variables to restore."""
    try:
        cwd: str | None = os.getcwd()
    except FileNotFoundError:
        cwd = None
    names = {k for k in os.environ if _travels(k)} | set(context.env)
    saved = {k: os.environ.get(k) for k in names}
    for name in names:
        value = context.env.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    changed = False
    if context.cwd is not None and context.cwd != cwd:
        with contextlib.suppress(OSError):  # gone since, or not readable here
            os.chdir(context.cwd)
            changed = True
    missing = [p for p in context.path if p not in sys.path and (p == "" or os.path.exists(p))]
    if missing:
        sys.path.extend(missing)
        changed = True
    if changed:  # the import system's cached folder listings describe the old places
        importlib.invalidate_caches()
    return cwd, saved


def _leave(cwd: str | None, saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if cwd is not None:
        with contextlib.suppress(OSError):
            os.chdir(cwd)
