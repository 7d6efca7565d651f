"""The proxy cache (an SQLite file) shared by processes: a locked file is waited for, not
reported as a broken cache."""

from __future__ import annotations

import math
import re
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


def _stored(tmp_path, value, reason, seconds=0.5):
    """A cache holding one score, then set to ``(value, reason, seconds)`` behind its back."""
    path = tmp_path / "zc.sqlite"
    with ProxyCache(path) as cache:
        cache.put(SETTINGS, ("h", "a"), {"p": (1.0, None)}, seconds=0.25)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE scores SET value = ?, reason = ?, seconds = ?", (value, reason, seconds)
        )
    conn.close()
    return ProxyCache(path)


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        (float("inf"), None, r"is the value inf, not a finite number"),
        (float("-inf"), None, r"is the value -inf, not a finite number"),
        ("abc", None, r"is the value 'abc', not a number"),
        (b"\x00", None, r"is the value b'\\x00', not a number"),
        (None, None, r"is an undefined \(NULL\) score without a reason"),
        (None, "", r"is an undefined \(NULL\) score without a reason"),
        (None, b"why", r"is an undefined \(NULL\) score without a reason \(reason b'why'\)"),
        (2.0, "why", r"is the score 2\.0 with a reason \('why'\); only NULL has one"),
    ],
)
def test_a_stored_value_nasperf_never_writes_is_refused_naming_the_file(
    tmp_path, value, reason, message
):
    with _stored(tmp_path, value, reason) as cache:
        with pytest.raises(DataIntegrityError) as err:
            cache.get(SETTINGS, [("h", "a")], ["p"])
    assert re.fullmatch(
        rf"\S*zc\.sqlite: the cached 'p' score of 'a' {message}(?: \(reason .*\))?: not what "
        r"nasperf writes, so "
        r"this proxy cache was changed by something else and none of its scores can be "
        r"trusted; delete the file or pass another cache path \(nasperf proxies --cache\)",
        str(err.value),
    ), str(err.value)


def test_stored_scores_that_follow_the_format_are_served(tmp_path):
    with _stored(tmp_path, None, "no forward pass") as cache:
        (got,) = cache.get(SETTINGS, [("h", "a")], ["p"]).values()
        assert math.isnan(got["p"][0]) and got["p"][1] == "no forward pass"
        assert cache.seconds(SETTINGS, [("h", "a")], ["p"]) == {("h", "a"): 0.5}
    with _stored(tmp_path, 3, None) as cache:  # an integer is a number
        assert cache.get(SETTINGS, [("h", "a")], ["p"]) == {("h", "a"): {"p": (3.0, None)}}


@pytest.mark.parametrize("seconds", ["x", -1.0, b"1"])
def test_recorded_seconds_that_are_no_duration_are_refused(tmp_path, seconds):
    with _stored(tmp_path, 1.0, None, seconds) as cache:
        with pytest.raises(DataIntegrityError, match=r"zc\.sqlite: the seconds recorded with"):
            cache.seconds(SETTINGS, [("h", "a")], ["p"])


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ((math.inf, None), "infinite"),
        ((math.nan, None), "NaN without a reason"),
        ((math.nan, ""), "NaN without a reason"),
        ((1.0, "why"), "a number with a reason"),
        (("1.0", None), "not a number"),
    ],
)
def test_put_stores_only_what_get_serves(tmp_path, score, message):
    with ProxyCache(tmp_path / "zc.sqlite") as cache:
        with pytest.raises(ValueError, match=rf"cannot cache the 'p' score .*: {message}"):
            cache.put(SETTINGS, ("h", "a"), {"p": score, "q": (1.0, None)})
        assert len(cache) == 0  # nothing of the call is stored
        cache.put(SETTINGS, ("h", "a"), {"p": (math.nan, "why"), "q": (1.0, None)})
        assert len(cache) == 2


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            "CREATE TABLE scores (arch TEXT, value REAL)",
            r"its table 'scores' has columns \['arch', 'value'\], not \['settings_id', "
            r"'arch_hash', 'arch', 'proxy', 'value', 'reason', 'seconds', 'created'\]",
        ),
        (
            "CREATE TABLE scores (settings_id INTEGER, arch_hash TEXT, arch TEXT, proxy TEXT, "
            "value REAL, reason TEXT, seconds REAL, created REAL)",
            r"its table 'scores' is keyed by \[\], not \['settings_id', 'arch_hash', 'arch', "
            r"'proxy'\]",
        ),
        (
            "CREATE TABLE settings (id INTEGER PRIMARY KEY, spec TEXT)",
            r"its table 'settings' has columns \['id', 'spec'\], not \['id', 'space', "
            r"'dataset', 'spec'\]",
        ),
    ],
)
def test_a_file_with_other_tables_is_not_a_cache(tmp_path, schema, message):
    path = tmp_path / "zc.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(schema)
    conn.commit()
    conn.close()
    for use in (
        lambda c: c.get(SETTINGS, [("h", "a")], ["p"]),
        lambda c: c.put(SETTINGS, ("h", "a"), {"p": (1.0, None)}),
    ):
        with pytest.raises(DataIntegrityError) as err:
            use(ProxyCache(path, timeout=1))
        assert re.fullmatch(
            rf"\S*zc\.sqlite is not a nasperf proxy cache: {message}; delete the file or pass "
            r"another cache path \(nasperf proxies --cache\)",
            str(err.value),
        ), str(err.value)
