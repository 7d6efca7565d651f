"""Process identity and liveness, and a parent-death watchdog for worker processes.

Two things that the claims of :mod:`nasperf._claims` and the worker pools of the study
engine and ``nasperf proxies`` need:

* :func:`process_alive` tells whether the process that took a claim still runs. A pid alone
  is not enough (pids are reused, and a killed child stays a zombie until reaped), so on
  Linux it also compares the process's start time (``/proc/<pid>/stat``) and treats a
  zombie as dead.
* :func:`watch_parent` makes a worker exit within about a second of its parent's death
  (``kill -9`` included), even in the middle of a long task: a daemon thread polls the
  parent (``os.getppid()`` changes when the parent dies, because the orphan is re-parented;
  the parent's pid is also checked directly). Polling works everywhere, unlike
  ``prctl(PR_SET_PDEATHSIG)``, which is Linux-only and fires when the *thread* that started
  the worker ends, not the process (pools may start workers from helper threads).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

__all__ = ["CAN_TELL_LIVENESS", "HOST", "process_alive", "process_start", "watch_parent"]

#: This machine's name, as claims record it.
HOST = socket.gethostname()
#: Whether :func:`process_alive` can tell a dead process here (not on Windows, which has no
#: signal 0); where it cannot, claims expire by their heartbeat only.
CAN_TELL_LIVENESS = sys.platform != "win32"

_WATCHED: int | None = None
_WATCH_LOCK = threading.Lock()


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first); None if absent."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces or parentheses.
    return text[text.rfind(")") + 2 :].split()


def process_start(pid: int | None = None) -> str | None:
    """An identifier of when process ``pid`` (default: this one) started, or None where the
    platform does not tell (then a reused pid cannot be told from the original)."""
    pid = os.getpid() if pid is None else pid
    fields = _proc_stat(pid)
    if fields is None or len(fields) < 20:
        return None
    return fields[19]  # starttime: clock ticks after boot (field 22 of proc(5))


def process_alive(pid: int, start: str | None = None) -> bool:
    """Whether process ``pid`` runs on this machine (and, if ``start`` is given and the
    platform tells start times, is the process that started then).

    Zombies (exited, not yet reaped) count as dead. Where :data:`CAN_TELL_LIVENESS` is false
    (Windows: no signal 0) every pid counts as alive.
    """
    if pid <= 0:
        return False
    if not CAN_TELL_LIVENESS:  # pragma: no cover - no signal 0 on Windows
        return True
    fields = _proc_stat(pid)
    if fields is not None:
        if fields[0] in ("Z", "X"):
            return False
        return start is None or len(fields) < 20 or fields[19] == start
    try:  # no /proc, or a /proc that hides other users' processes
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def watch_parent(parent: int, *, interval: float = 0.5) -> None:
    """Exit this process (``os._exit``) soon after process ``parent`` dies.

    Called in a worker (by a pool initializer or the first task it runs); idempotent per
    process. ``parent`` is the pid of the process that owns the work; the watchdog also
    exits when this worker's own parent changes (it was orphaned).
    """
    global _WATCHED
    with _WATCH_LOCK:
        if _WATCHED == parent or parent == os.getpid():
            return
        _WATCHED = parent
    ppid = os.getppid()
    start = process_start(parent)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != ppid or not process_alive(parent, start):
                # The results have nowhere to go: stop now rather than finish the task. No
                # cleanup handlers: they could block on the dead parent's queues.
                os._exit(3)

    threading.Thread(target=watch, name="nasperf-parent-watchdog", daemon=True).start()
