"""The bad-input corpus: a case, how it is checked, and the guards every case runs under.

A case calls one public entry point with one malformed input and states which exception it
must raise and a pattern its message must contain (the argument, field, file or line that
is wrong). :func:`check` fails the case when

* nothing is raised (a silently accepted input),
* anything else is raised (a deep ``RuntimeError`` / ``KeyError`` / ``IndexError`` /
  ``RecursionError`` / ``MemoryError`` from inside a library: the type is checked first),
* the exception is not a ``ValueError`` / ``TypeError`` subclass or ``FileNotFoundError``,
* the message does not name the culprit (``match``) or spans a traceback.

Every case also runs under a watchdog (``SIGALRM`` after :data:`WATCHDOG_S` seconds: a
hang fails the case instead of stalling the suite) and a cap on the address space
(:data:`HEADROOM` above what the process holds: a regression that materialises
``range(0, 10**9)`` gets a ``MemoryError`` at once, which fails the case, instead of
exhausting a shared machine's memory). The hostile-size cases run under a tighter cap and a
bound on the Python memory allocated during the call (tracemalloc peak): the bound is
asserted on the work done, never on the clock.
"""

from __future__ import annotations

import contextlib
import re
import resource
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: What a bad input may raise.
ALLOWED = (ValueError, TypeError, FileNotFoundError)
#: A case that runs longer than this is hung (the whole corpus takes a few seconds).
WATCHDOG_S = 60
#: Address space a case may add (networks, tables and torch's threads fit easily).
HEADROOM = 4 << 30


@dataclass(frozen=True)
class Case:
    """One malformed input.

    Attributes
    ----------
    id : str
        ``area/entry-point/what`` (the test id).
    call : callable(tmp: Path) -> Any
        Calls the entry point; ``tmp`` is a fresh folder for files the case writes.
    exc : type
        The exception it must raise (a subclass of one of :data:`ALLOWED`).
    match : str
        Regular expression the message must contain (searched, case-sensitive).
    """

    id: str
    call: Callable[[Path], Any]
    exc: type[BaseException]
    match: str


def ids(cases: list[Case]) -> list[str]:
    out = [c.id for c in cases]
    dup = {i for i in out if out.count(i) > 1}
    assert not dup, f"case ids used twice: {sorted(dup)}"
    return out


@contextlib.contextmanager
def watchdog(seconds: int = WATCHDOG_S) -> Iterator[None]:
    """Fail with ``TimeoutError`` (not an allowed type) when the block runs too long."""

    def alarm(signum, frame):  # pragma: no cover - only on a hang
        raise TimeoutError(f"the case ran for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise OSError("no VmSize")  # pragma: no cover


@contextlib.contextmanager
def memory_cap(extra_bytes: int) -> Iterator[None]:
    """Limit the address space to its current size plus ``extra_bytes`` (Linux): any
    allocation beyond fails with ``MemoryError`` instead of swapping the machine. Nested
    caps keep the tighter one."""
    try:
        limit = _vm_size() + extra_bytes
    except OSError:  # pragma: no cover - not Linux: no cap
        yield
        return
    old = resource.getrlimit(resource.RLIMIT_AS)
    if old[0] != resource.RLIM_INFINITY:
        limit = min(limit, old[0])
    resource.setrlimit(resource.RLIMIT_AS, (limit, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


def check(case: Case, tmp: Path) -> BaseException:
    """Run ``case`` (see the module docstring); return the exception it raised."""
    assert issubclass(case.exc, ALLOWED), case.exc
    with watchdog(), memory_cap(HEADROOM), pytest.raises(BaseException) as info:
        case.call(tmp)
    err = info.value
    # The type first: a deep error of another type is the regression this corpus exists for.
    if not isinstance(err, case.exc):
        raise AssertionError(
            f"{case.id}: expected {case.exc.__name__}, got {type(err).__name__}: {err}"
        ) from err
    message = str(err)
    assert re.search(case.match, message), f"{case.id}: {message!r} does not match {case.match!r}"
    assert "Traceback" not in message
    return err


def check_bounded(case: Case, tmp: Path, *, peak_bytes: int = 2 << 20) -> BaseException:
    """:func:`check` with the address space capped tighter (+512 MiB) and the Python memory
    the call allocates bounded by ``peak_bytes`` (its input is allocated before)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with memory_cap(512 << 20):
            err = check(case, tmp)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_bytes, f"{case.id}: the call allocated {peak:,} bytes"
    return err
