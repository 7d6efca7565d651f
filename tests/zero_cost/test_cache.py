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
    path = re.escape(str(tmp_path / "zc.sqlite"))  # any characters: a space in the temp dir
    assert re.fullmatch(
        rf"{path}: the cached 'p' score of 'a' {message}(?: \(reason .*\))?: not what "
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
            rf"{re.escape(str(path))} is not a nasperf proxy cache: {message}; delete the file "
            r"or pass another cache path \(nasperf proxies --cache\)",
            str(err.value),
        ), str(err.value)


# ---------------------------------------------------------------- caches that cannot be written
def _filled(path, value=1.5):
    with ProxyCache(path) as cache:
        cache.put(SETTINGS, ("h", "a"), {"p": (value, None)}, seconds=0.5)


def _stored_rows(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT arch, value FROM scores ORDER BY arch").fetchall()
    finally:
        conn.close()


@pytest.fixture
def read_only(monkeypatch):
    """Files under the folders added to the returned set behave as on a read-only file
    system for the cache (``os.access`` says no write access; CI runs as any user)."""
    import os

    import nasperf.zero_cost.cache as cache_module

    folders: set = set()
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and any(str(path).startswith(str(f)) for f in folders):
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(cache_module.os, "access", access)
    return folders


def test_a_cache_file_that_cannot_be_written_is_read_and_not_added_to(tmp_path, read_only):
    path = tmp_path / "zc.sqlite"
    _filled(path)
    read_only.add(tmp_path)
    with pytest.warns(UserWarning) as caught, ProxyCache(path) as cache:
        got = cache.get(SETTINGS, [("h", "a"), ("h", "b")], ["p"])
        cache.put(SETTINGS, ("h", "b"), {"p": (2.0, None)})  # computed, not stored
        assert cache.read_only and len(cache) == 1
        assert cache.seconds(SETTINGS, [("h", "a")], ["p"]) == {("h", "a"): 0.5}
        with pytest.raises(
            ValueError, match=f"cannot clear the proxy cache {re.escape(str(path))}"
        ):
            cache.clear()
    assert got == {("h", "a"): {"p": (1.5, None)}}
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith(f"the proxy cache {path} cannot be written (")
    assert "new ones are computed but not stored" in message and "delete" not in message
    assert _stored_rows(path) == [("a", 1.5)]


def test_a_cache_in_a_wal_that_cannot_be_shared_is_read_as_immutable(tmp_path, monkeypatch):
    # On a read-only file system SQLite cannot create the WAL's -shm file: mode=ro fails
    # with "unable to open database file", immutable=1 reads the (checkpointed) file.
    path = tmp_path / "zc.sqlite"
    _filled(path)
    uris = []
    real = ProxyCache._connect_read_only

    def connect(self, uri):
        uris.append(uri.split("?")[1])
        if "immutable" not in uri:
            err = sqlite3.OperationalError("unable to open database file")
            err.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN
            raise err
        return real(self, uri)

    monkeypatch.setattr(ProxyCache, "_connect_read_only", connect)
    cache = ProxyCache(path)
    conn = cache._open_read_only()
    assert uris == ["mode=ro", "mode=ro&immutable=1"]
    assert conn.execute("SELECT arch, value FROM scores").fetchall() == [("a", 1.5)]
    conn.close()


def test_a_read_only_folder_is_read_for_real(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes through permission bits (the fixture above covers it)")
    path = tmp_path / "ro" / "zc.sqlite"
    _filled(path)
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        with pytest.warns(UserWarning, match="cannot be written"), ProxyCache(path) as cache:
            assert cache.get(SETTINGS, [("h", "a")], ["p"]) == {("h", "a"): {"p": (1.5, None)}}
            cache.put(SETTINGS, ("h", "b"), {"p": (2.0, None)})
    finally:
        path.parent.chmod(0o755)
    assert _stored_rows(path) == [("a", 1.5)]


def test_the_default_cache_that_cannot_be_created_warns_and_stores_nothing(tmp_path, monkeypatch):
    from nasperf.zero_cost.cache import default_cache_path, resolve_cache

    (tmp_path / "f").write_text("a file, not a folder")
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "f" / "cache"))
    cache = resolve_cache(True)
    assert cache.path == default_cache_path() == tmp_path / "f" / "cache" / "zero_cost.sqlite"
    with pytest.warns(UserWarning) as caught:
        assert cache.get(SETTINGS, [("h", "a")], ["p"]) == {}
        cache.put(SETTINGS, ("h", "a"), {"p": (1.0, None)})
        assert cache.get(SETTINGS, [("h", "a")], ["p"]) == {} and len(cache) == 0
    assert [str(w.message) for w in caught] == [
        f"cannot create the proxy cache {cache.path} (cannot create the folder "
        f"{cache.path.parent}: {tmp_path / 'f'} is a file, not a folder): proxies are "
        "computed without a cache; set NASPERF_CACHE to a writable folder, or pass "
        "cache=PATH (nasperf proxies --cache PATH) or cache=None"
    ]


def test_a_chosen_cache_path_that_cannot_be_created_is_one_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError) as err:
        ProxyCache(tmp_path / "f" / "zc.sqlite").get(SETTINGS, [("h", "a")], ["p"])
    assert str(err.value) == (
        f"cannot create the proxy cache {tmp_path / 'f' / 'zc.sqlite'} ({tmp_path / 'f'} is "
        "a file, not a folder); pass another cache path, or cache=None "
        "(nasperf proxies --cache none)"
    )


def test_a_folder_names_the_cache_file_inside_it(tmp_path, monkeypatch):
    from nasperf.zero_cost.cache import cache_file, default_cache_path

    assert ProxyCache(tmp_path).path == tmp_path / "zero_cost.sqlite"
    assert cache_file(f"{tmp_path / 'new'}/") == tmp_path / "new" / "zero_cost.sqlite"
    assert cache_file(tmp_path / "new") == tmp_path / "new"  # a file to be created
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_file("~") == tmp_path / "zero_cost.sqlite"
    _filled(tmp_path / "mine.sqlite")
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "mine.sqlite"))  # an existing file
    assert default_cache_path() == tmp_path / "mine.sqlite"
    with ProxyCache(tmp_path) as cache:
        cache.put(SETTINGS, ("h", "a"), {"p": (3.0, None)})
    assert _stored_rows(tmp_path / "zero_cost.sqlite") == [("a", 3.0)]


def test_the_pool_lock_is_skipped_where_its_folder_cannot_be_written(tmp_path, monkeypatch):
    import contextlib
    import os

    from nasperf.search import _proxy_pool
    from nasperf.spaces import NB201Space

    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path))
    space = NB201Space()
    archs = space.sample(2, seed=0)
    lock = _proxy_pool.pool_lock(space, "cifar10", ["params"], archs)
    assert not isinstance(lock, contextlib.nullcontext)
    real = os.access
    monkeypatch.setattr(_proxy_pool.os, "access", lambda p, m: False if m & os.W_OK else real(p, m))
    lock = _proxy_pool.pool_lock(space, "cifar10", ["params"], archs)
    assert isinstance(lock, contextlib.nullcontext)


@pytest.mark.parametrize("word", ["no", "None", "false", "off", "yes", "True", "on"])
def test_a_flag_spelt_as_a_word_is_no_cache_file_name(tmp_path, monkeypatch, word):
    """``compute(cache="no")`` had created a database file named ``no`` in the working
    directory; the API refuses such words (False / None / True are the flags), and the
    command line reads them as its ``--cache none`` / the default."""
    from nasperf.zero_cost.cache import resolve_cache

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=rf"cache={word!r} would be a file of that name: pass"):
        resolve_cache(word)
    assert list(tmp_path.iterdir()) == []
    assert resolve_cache(f"./{word}").path.resolve() == tmp_path / word  # a file so named


def test_the_command_line_reads_cache_words_as_none_or_the_default(tmp_path, monkeypatch):
    from nasperf import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "home"))
    base = ["proxies", "--space", "nb201", "--proxies", "params", "--n", "2", "--quiet"]
    assert cli.main([*base, "--cache", "no", "--out", "a.csv"]) == 0
    assert not (tmp_path / "no").exists() and not (tmp_path / "home").exists()
    assert cli.main([*base, "--cache", "yes", "--out", "b.csv"]) == 0
    assert (tmp_path / "home" / "zero_cost.sqlite").is_file() and not (tmp_path / "yes").exists()
