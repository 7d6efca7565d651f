"""The proxy cache (an SQLite file) shared by processes: a locked file is waited for, not
reported as a broken cache."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from nasperf.errors import DataIntegrityError
from nasperf.zero_cost.cache import ProxyCache

SETTINGS = {"space": "nb201", "dataset": "cifar10"}


def _hold_exclusive(path):
    """Another process's connection holding the new file's exclusive lock (rollback journal:
    switching to WAL needs it)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_a_cache_opened_while_another_connection_locks_it_waits(tmp_path):
    path = tmp_path / "zc.sqlite"
    other = _hold_exclusive(path)
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    cache = ProxyCache(path, timeout=20)
    start = time.monotonic()  # before the timer starts: on a loaded machine too, >= 0.5 s
    release.start()
    cache.put(SETTINGS, ("h", "a"), {"synflow": (1.5, None)}, seconds=0.1)
    waited = time.monotonic() - start
    release.join()
    other.close()
    assert waited >= 0.4  # it waited for the lock instead of failing
    assert cache.get(SETTINGS, [("h", "a")], ["synflow"]) == {("h", "a"): {"synflow": (1.5, None)}}
    cache.close()


def test_a_busy_answer_while_the_cache_is_set_up_is_retried(tmp_path, monkeypatch):
    # Workers that open a new cache together can get "database is locked" at once from its
    # journal-mode / schema statements, before SQLite's busy timeout applies (seen with 4
    # processes: 1 failure in 40 before the retry, 0 in 100 after). Those are retried.
    real = ProxyCache._open
    calls = []

    def flaky(self):
        calls.append(time.monotonic())
        if len(calls) <= 2:
            err = sqlite3.OperationalError("database is locked")
            err.sqlite_errorcode = sqlite3.SQLITE_BUSY  # as SQLite sets it
            raise err
        return real(self)

    monkeypatch.setattr(ProxyCache, "_open", flaky)
    cache = ProxyCache(tmp_path / "zc.sqlite", timeout=20)
    cache.put(SETTINGS, ("h", "a"), {"p": (2.0, None)})
    assert len(calls) == 3 and len(cache) == 1
    cache.close()
    # any other operational error is not waited for
    calls.clear()
    monkeypatch.setattr(
        ProxyCache,
        "_open",
        lambda self: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")),
    )
    with pytest.raises(DataIntegrityError, match="disk I/O error"):
        ProxyCache(tmp_path / "zc2.sqlite", timeout=20).put(
            SETTINGS, ("h", "a"), {"p": (1.0, None)}
        )


def test_a_cache_locked_past_its_timeout_says_so(tmp_path):
    path = tmp_path / "zc.sqlite"
    other = _hold_exclusive(path)
    try:
        with pytest.raises(TimeoutError, match="stayed locked by another process for 0.3 s"):
            ProxyCache(path, timeout=0.3).put(SETTINGS, ("h", "a"), {"p": (1.0, None)})
    finally:
        other.execute("COMMIT")
        other.close()


def test_a_file_that_is_not_a_cache_is_reported_as_such(tmp_path):
    path = tmp_path / "zc.sqlite"
    path.write_bytes(b"not a database, but long enough to be read as one" * 100)
    with pytest.raises(DataIntegrityError, match="cannot use .* as a proxy cache"):
        ProxyCache(path, timeout=1).put(SETTINGS, ("h", "a"), {"p": (1.0, None)})
