"""On-disk cache of zero-cost proxy scores: a small SQLite database.

One row per (settings, architecture, proxy). *Settings* are everything besides the
architecture and the proxy that the score depends on: the search space, the dataset, the
minibatch (size, seed and a sha256 of its images and labels), the weight-initialisation seed,
the network-builder keyword arguments, the device type and a format tag; they are stored once
as canonical JSON in the ``settings`` table and referred to by id.

An architecture is keyed by its isomorphism-invariant hash **and** its canonical text
(``space.to_string``). The hash alone is not enough: two architectures that hash equal
compute the same function once trained, but their untrained networks can differ (an NB201
edge that leads nowhere is pruned by the hash, yet it still holds parameters that the
``params`` proxy counts and that draw from the random stream, changing every later weight),
so their proxy scores differ in general. Scores are shared only between identical texts; the
hash is kept alongside for look-ups by equivalence class.

Writes are SQLite transactions (one per architecture in :func:`nasperf.zero_cost.compute`),
so a crash loses at most the architecture being written and never corrupts the file. The
database runs in WAL mode so that several processes can read while one writes.

Undefined scores (NaN) are stored as ``NULL`` together with the reason the proxy gave;
every other score is a finite number without a reason. What is read back is checked
against that: a cache holding anything else (an infinite or text value, an undefined score
without a reason), or whose tables have other columns, was changed by something other than
nasperf, so none of its scores can be trusted (an edit from one finite number to another
cannot be seen); it is refused with a :class:`~nasperf.errors.DataIntegrityError` naming
the file, rather than a bad entry being recomputed while the rest is served.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import numbers
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from nasperf._atomic import make_folder
from nasperf.errors import DataIntegrityError, as_path, short_repr, warn_caller

__all__ = ["CACHE_FILE", "ProxyCache", "cache_file", "default_cache_path", "resolve_cache"]

#: The file name of a proxy cache in a folder (the default one, or a folder passed as the
#: cache path).
CACHE_FILE = "zero_cost.sqlite"

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    id INTEGER PRIMARY KEY,
    space TEXT NOT NULL,
    dataset TEXT NOT NULL,
    spec TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS scores (
    settings_id INTEGER NOT NULL REFERENCES settings(id),
    arch_hash TEXT NOT NULL,
    arch TEXT NOT NULL,
    proxy TEXT NOT NULL,
    value REAL,
    reason TEXT,
    seconds REAL,
    created REAL,
    PRIMARY KEY (settings_id, arch_hash, arch, proxy)
) WITHOUT ROWID;
"""


_ADVICE = "delete the file or pass another cache path (nasperf proxies --cache)"


def _layout(conn: sqlite3.Connection, table: str) -> list[tuple[str, int]]:
    """``[(column, position in the primary key or 0)]`` of ``table`` (empty if missing)."""
    return [(row[1], int(row[5])) for row in conn.execute(f"PRAGMA table_info({table})")]


@functools.cache
def _expected_layout() -> dict[str, list[tuple[str, int]]]:
    """The columns and keys that :data:`_SCHEMA` creates."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(_SCHEMA)
        return {table: _layout(conn, table) for table in ("settings", "scores")}
    finally:
        conn.close()


def _check_score(value: Any, reason: Any) -> str | None:
    """What is wrong with a stored ``(value, reason)`` (None if nothing): a finite number
    without a reason, or ``NULL`` (NaN) with a non-empty reason."""
    if value is None:
        if isinstance(reason, str) and reason:
            return None
        return f"an undefined (NULL) score without a reason (reason {short_repr(reason)})"
    if isinstance(value, bool) or not isinstance(value, float | int):
        return f"the value {short_repr(value)}, not a number"
    if not math.isfinite(value):
        return f"the value {value!r}, not a finite number"
    if reason is not None:
        return f"the score {value!r} with a reason ({short_repr(reason)}); only NULL has one"
    return None


def cache_file(path: str | os.PathLike, *, folder: bool = False) -> Path:
    """The database file that the cache path ``path`` names (``~`` expanded): ``path`` itself,
    or ``path/zero_cost.sqlite`` where ``path`` is an existing folder, ends in a path
    separator, or (``folder=True``, as ``$NASPERF_CACHE``) is anything but an existing
    file. ``path`` that is not a path is a ``TypeError`` naming it, an empty one a
    ``ValueError`` (pathlib reads ``""`` as the working folder)."""
    as_path(path, "path")
    text = os.fspath(path)  # as given: Path() drops a trailing separator
    expanded = Path(text).expanduser()
    ends_in_sep = text.endswith(os.sep) or (os.altsep is not None and text.endswith(os.altsep))
    if expanded.is_dir() or ends_in_sep or (folder and not expanded.is_file()):
        return expanded / CACHE_FILE
    return expanded


def default_cache_path() -> Path:
    """``$NASPERF_CACHE/zero_cost.sqlite`` (or ``$NASPERF_CACHE`` itself where it names an
    existing file), else ``$XDG_CACHE_HOME/nasperf/zero_cost.sqlite``, else
    ``~/.cache/nasperf/zero_cost.sqlite``."""
    root = os.environ.get("NASPERF_CACHE")
    if root:
        return cache_file(root, folder=True)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "nasperf" / CACHE_FILE


def _os_reason(err: OSError) -> str:
    """``strerror: filename`` of an ``OSError`` (its text where it has no ``strerror``)."""
    if err.strerror and err.filename:
        return f"{err.strerror}: {err.filename}"
    return err.strerror or str(err)


def _why_read_only(path: Path) -> str:
    """Why the existing file ``path`` cannot be written, in words."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (AttributeError, OSError):  # no statvfs (Windows)
        pass
    return "no write permission"


#: SQLite's primary result codes of a file that cannot be opened for writing (a read-only
#: file system or file, a folder without write permission, a path that cannot be created).
_NOT_WRITABLE = frozenset(
    getattr(sqlite3, name)
    for name in ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")
    if hasattr(sqlite3, name)
)


def _not_writable(err: sqlite3.OperationalError) -> bool:
    """Whether SQLite failed for want of writing the file (not for its contents)."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _NOT_WRITABLE
    text = str(err)
    return "unable to open database file" in text or "readonly database" in text


def _busy(err: sqlite3.OperationalError) -> bool:
    """SQLite's SQLITE_BUSY / SQLITE_LOCKED (any extended code of them: the primary code is
    the low byte): another connection's turn."""
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class ProxyCache:
    """Proxy scores in an SQLite file (created on first use, with its folder).

    A cache that cannot be written (a read-only file system, a folder without write
    permission) is still read where its file exists: scores it holds are served, new ones
    are computed but not stored, and one ``UserWarning`` says so. Where the file does not
    exist and cannot be created, the default cache (``default=True``) warns once and
    stores nothing; a path the user chose is a ``ValueError`` naming it.

    Parameters
    ----------
    path : str or Path
        Database file, or a folder (existing, or written with a trailing separator) that
        holds it as ``zero_cost.sqlite``; ``~`` is expanded.
    timeout : float
        Seconds to wait for another process's write lock before failing.
    default : bool
        The user's default cache (:func:`default_cache_path`) rather than a path the user
        passed: one that cannot be created is skipped with a warning instead of an error.
    """

    def __init__(
        self, path: str | os.PathLike, *, timeout: float = 60.0, default: bool = False
    ) -> None:
        self.path = cache_file(path)
        self.timeout = timeout
        self.default = bool(default)
        #: Opened read-only (scores are read, none are stored).
        self.read_only = False
        self._conn: sqlite3.Connection | None = None
        self._absent = False  # cannot be created: nothing is read or stored
        self._settings_ids: dict[str, int] = {}

    # ------------------------------------------------------------------ connection
    def _connection(self) -> sqlite3.Connection | None:
        """The open connection; None where the cache cannot be created (see the class
        notes), after warning once."""
        if self._conn is None and not self._absent:
            try:
                make_folder(self.path.parent)
            except NotADirectoryError as err:  # a file in the way: make_folder names it
                return self._cannot_create(err.strerror or str(err))
            except OSError as err:
                return self._cannot_create(_os_reason(err))
            if self.path.is_file() and not os.access(self.path, os.W_OK):
                # SQLite would open it read-only without a word, and fail at the first write
                return self._fall_back(_why_read_only(self.path))
            # Processes that open a new cache together (a study's workers) can get "database
            # is locked" from the journal-mode and schema statements before SQLite's busy
            # timeout applies: retry those, with backoff, for up to ``timeout`` seconds.
            deadline = time.monotonic() + self.timeout
            delay = 0.005
            while True:
                try:
                    self._conn = self._open()
                    break
                except sqlite3.OperationalError as err:
                    if _not_writable(err):
                        return self._fall_back(str(err))
                    if not _busy(err):
                        raise self._unusable(err) from err
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"the proxy cache {self.path} stayed locked by another process "
                            f"for {self.timeout:g} s ({err})"
                        ) from err
                    time.sleep(delay)
                    delay = min(2 * delay, 0.25)
                except sqlite3.DatabaseError as err:
                    raise self._unusable(err) from err
        return self._conn

    def _choose_another(self) -> str:
        if self.default:
            return (
                "set NASPERF_CACHE to a writable folder, or pass cache=PATH "
                "(nasperf proxies --cache PATH) or cache=None"
            )
        return "pass another cache path, or cache=None (nasperf proxies --cache none)"

    def _cannot_create(self, reason: str) -> None:
        """The cache file does not exist and cannot be created: the default cache warns and
        stores nothing; a path the user chose is a ``ValueError``."""
        if not self.default:
            raise ValueError(
                f"cannot create the proxy cache {self.path} ({reason}); " + self._choose_another()
            )
        warn_caller(
            f"cannot create the proxy cache {self.path} ({reason}): proxies are computed "
            f"without a cache; {self._choose_another()}",
            UserWarning,
        )
        self._absent = True
        return None

    def _fall_back(self, err: str) -> sqlite3.Connection | None:
        """The file cannot be opened for writing: read it where it exists (one warning),
        else as :meth:`_cannot_create`."""
        if not self.path.is_file():
            parent = self.path.parent
            if not os.access(parent, os.W_OK | os.X_OK):
                err = f"{_why_read_only(parent)}: {parent}"
            return self._cannot_create(err)
        try:
            conn = self._open_read_only()
        except sqlite3.OperationalError as err2:
            if _not_writable(err2):  # not even readable
                return self._cannot_create(f"{err}; reading it: {err2}")
            raise self._unusable(err2) from err2
        except sqlite3.DatabaseError as err2:
            raise self._unusable(err2) from err2
        if conn is None:  # an empty file: nothing to read
            self._absent = True
        else:
            self._conn = conn
            self.read_only = True
        warn_caller(
            f"the proxy cache {self.path} cannot be written ({err}): its scores are read, "
            f"new ones are computed but not stored; to store them, {self._choose_another()}",
            UserWarning,
        )
        return self._conn

    def _open_read_only(self) -> sqlite3.Connection | None:
        """A read-only connection, checked as :meth:`_open` checks the file; None for a
        file without nasperf's tables and schema version (an empty database). Without
        write access the WAL's shared-memory file may not be creatable: the file is then
        read as immutable (no one can change it where no one can write)."""
        uri = self.path.resolve().as_uri()
        try:
            conn = self._connect_read_only(f"{uri}?mode=ro")
        except sqlite3.OperationalError as err:
            if not _not_writable(err):
                raise
            conn = self._connect_read_only(f"{uri}?mode=ro&immutable=1")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and not any(_layout(conn, t) for t in _expected_layout()):
                conn.close()
                return None
            self._check_version(version)
            self._check_tables(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_read_only(self, uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        try:  # the first read opens the file's pages (and the WAL)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _unusable(self, err: Exception) -> DataIntegrityError:
        return DataIntegrityError(
            f"cannot use {self.path} as a proxy cache ({err}); delete it or pass another cache path"
        )

    @contextlib.contextmanager
    def _sql(self) -> Iterator[None]:
        """SQLite's errors after the file is open, as the opening reports them: a lock held
        past ``timeout`` as ``TimeoutError``, anything else as a ``DataIntegrityError``
        naming the file."""
        try:
            yield
        except sqlite3.OperationalError as err:
            if _busy(err):
                raise TimeoutError(
                    f"the proxy cache {self.path} stayed locked by another process "
                    f"for {self.timeout:g} s ({err})"
                ) from err
            raise self._unusable(err) from err
        except sqlite3.DatabaseError as err:
            raise self._unusable(err) from err

    def _damaged(self, what: str) -> DataIntegrityError:
        return DataIntegrityError(
            f"{self.path}: {what}: not what nasperf writes, so this proxy cache was changed by "
            f"something else and none of its scores can be trusted; {_ADVICE}"
        )

    def _check_tables(self, conn: sqlite3.Connection) -> None:
        """Same-named tables of another program (or of a changed file) are refused by name
        before any query runs on them."""
        for table, want in _expected_layout().items():
            have = _layout(conn, table)
            if have == want:
                continue
            names = [c for c, _ in have]
            wanted = [c for c, _ in want]
            if names == wanted:
                key = [c for c, k in sorted(have, key=lambda ck: ck[1]) if k]
                what = f"is keyed by {key}, not {[c for c, k in want if k]}"
            else:
                what = f"has columns {names}, not {wanted}"
            raise DataIntegrityError(
                f"{self.path} is not a nasperf proxy cache: its table {table!r} {what}; {_ADVICE}"
            )

    def _check_version(self, version: int) -> None:
        if version not in (0, _SCHEMA_VERSION):
            raise DataIntegrityError(
                f"{self.path} is a nasperf proxy cache of schema version {version}; "
                f"this nasperf reads version {_SCHEMA_VERSION}. Delete the file or "
                "pass another cache path."
            )

    def _open(self) -> sqlite3.Connection:
        """A connection with the schema in place (closed again if setting it up fails)."""
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(version)
            # CREATE ... IF NOT EXISTS is idempotent; concurrent first uses serialise
            # on SQLite's lock (busy timeout above, retries in _connection).
            conn.executescript(_SCHEMA)
            self._check_tables(conn)
            if version == 0:
                conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        """Close the connection (it reopens on the next use)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._settings_ids.clear()
        self.read_only = False

    def __enter__(self) -> ProxyCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # Connections do not cross process boundaries; a copy reconnects on first use.
        return {"path": self.path, "timeout": self.timeout, "default": self.default}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], timeout=state["timeout"], default=state.get("default", False))

    def __repr__(self) -> str:
        return f"ProxyCache({str(self.path)!r})"

    # ------------------------------------------------------------------ settings
    def _settings_id(self, settings: Mapping[str, Any], *, create: bool) -> int | None:
        spec = canonical_json(settings)
        if spec in self._settings_ids:
            return self._settings_ids[spec]
        conn = self._connection()
        if conn is None:  # no cache file (see the class notes)
            return None
        row = conn.execute("SELECT id FROM settings WHERE spec = ?", (spec,)).fetchone()
        if row is None:
            if not create:
                return None
            conn.execute(
                "INSERT OR IGNORE INTO settings (space, dataset, spec) VALUES (?, ?, ?)",
                (str(settings.get("space")), str(settings.get("dataset")), spec),
            )
            row = conn.execute("SELECT id FROM settings WHERE spec = ?", (spec,)).fetchone()
        self._settings_ids[spec] = int(row[0])
        return int(row[0])

    # ------------------------------------------------------------------ reads and writes
    def get(
        self,
        settings: Mapping[str, Any],
        keys: Iterable[tuple[str, str]],
        proxies: Iterable[str],
    ) -> dict[tuple[str, str], dict[str, tuple[float, str | None]]]:
        """Cached scores.

        Parameters
        ----------
        settings : mapping
            The settings (JSON-serialisable), see the module docstring.
        keys : iterable of (arch_hash, arch_text)
        proxies : iterable of str

        Returns
        -------
        dict
            ``{(arch_hash, arch_text): {proxy: (value, reason)}}`` for what is cached; NaN
            values come back as ``nan``.

        Raises
        ------
        DataIntegrityError
            A stored score is not one :meth:`put` writes (see the module notes), or the file
            is not a proxy cache; the message names the file.
        """
        out: dict[tuple[str, str], dict[str, tuple[float, str | None]]] = {}
        for key, proxy, value, reason in self._select(settings, keys, proxies, "value, reason"):
            problem = _check_score(value, reason)
            if problem is not None:
                raise self._damaged(
                    f"the cached {proxy!r} score of {short_repr(key[1])} is {problem}"
                )
            out.setdefault(key, {})[proxy] = (math.nan if value is None else float(value), reason)
        return out

    def seconds(
        self,
        settings: Mapping[str, Any],
        keys: Iterable[tuple[str, str]],
        proxies: Iterable[str],
    ) -> dict[tuple[str, str], float]:
        """Recorded computation seconds of cached architectures, for ``proxies``.

        Each :meth:`put` records the seconds of the proxies it stores together; an
        architecture whose ``proxies`` were stored by several puts sums them (a put that also
        stored other proxies counts in full).

        Returns
        -------
        dict
            ``{(arch_hash, arch_text): seconds}`` for the keys with recorded seconds.
        """
        puts: dict[tuple[str, str], dict[float, float]] = {}
        rows = self._select(settings, keys, proxies, "created, seconds", "seconds IS NOT NULL")
        for key, proxy, created, seconds in rows:
            for name, value in (("seconds", seconds), ("created", created)):
                if (
                    isinstance(value, bool)
                    or not isinstance(value, float | int)
                    or not math.isfinite(value)
                    or value < 0
                ):
                    raise self._damaged(
                        f"the {name} recorded with the {proxy!r} score of "
                        f"{short_repr(key[1])} is {short_repr(value)}, not a number >= 0"
                    )
            puts.setdefault(key, {})[created] = float(seconds)
        return {key: sum(per.values()) for key, per in puts.items()}

    def _select(
        self,
        settings: Mapping[str, Any],
        keys: Iterable[tuple[str, str]],
        proxies: Iterable[str],
        columns: str,
        where: str = "",
    ) -> list[tuple]:
        """``(key, proxy, *columns)`` of the stored rows of ``settings`` for ``keys``
        (``(arch_hash, arch_text)``) and ``proxies`` (and the SQL condition ``where``), read
        as :meth:`_sql` reports SQLite's errors; [] where nothing can match."""
        wanted = set(keys)
        proxies = list(proxies)
        if not wanted or not proxies:
            return []
        with self._sql():
            sid = self._settings_id(settings, create=False)
            if sid is None:
                return []
            marks = ",".join("?" * len(proxies))
            sql = f"SELECT arch_hash, arch, proxy, {columns} FROM scores " + (
                f"WHERE settings_id = ? AND proxy IN ({marks})" + (f" AND {where}" if where else "")
            )
            cursor = self._connection().execute(sql, (sid, *proxies))
            # filtered while read: only the wanted keys' rows are held
            return [((h, a), p, *rest) for h, a, p, *rest in cursor if (h, a) in wanted]

    def put(
        self,
        settings: Mapping[str, Any],
        key: tuple[str, str],
        scores: Mapping[str, tuple[float, str | None]],
        *,
        seconds: float | None = None,
    ) -> None:
        """Store the scores of one architecture in one transaction.

        ``scores`` maps proxy name to ``(value, reason)``: a finite number with reason
        ``None``, or NaN with the (non-empty) reason it is undefined; anything else is a
        ``ValueError`` (:meth:`get` would refuse it). ``seconds`` is the time the
        architecture took (bookkeeping only).
        """
        if not scores:
            return
        for proxy, (value, reason) in scores.items():
            # What get() would refuse is not stored: the file holds only what it can serve.
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                problem: str | None = "not a number"
            elif math.isnan(value):
                problem = None if isinstance(reason, str) and reason else "NaN without a reason"
            elif math.isinf(value):
                problem = "infinite"
            else:
                problem = None if reason is None else "a number with a reason"
            if problem is not None:
                raise ValueError(
                    f"cannot cache the {proxy!r} score {short_repr((value, reason))} in "
                    f"{self.path}: {problem} (a score is a finite number without a reason, "
                    "or NaN with the reason it is undefined)"
                )
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, numbers.Real)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise ValueError(f"seconds must be a number >= 0 or None, got {short_repr(seconds)}")
        with self._sql():
            self._put(settings, key, scores, seconds)

    def _put(
        self,
        settings: Mapping[str, Any],
        key: tuple[str, str],
        scores: Mapping[str, tuple[float, str | None]],
        seconds: float | None,
    ) -> None:
        conn = self._connection()
        if conn is None or self.read_only:  # computed, not stored (the opening warned)
            return
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            sid = self._settings_id(settings, create=True)
            conn.executemany(
                "INSERT OR REPLACE INTO scores "
                "(settings_id, arch_hash, arch, proxy, value, reason, seconds, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        sid,
                        key[0],
                        key[1],
                        proxy,
                        None if math.isnan(value) else float(value),
                        reason,
                        seconds,
                        now,
                    )
                    for proxy, (value, reason) in scores.items()
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # A rolled-back insert of a new settings row must not stay in the id memo.
            self._settings_ids.clear()
            raise

    def __len__(self) -> int:
        with self._sql():
            conn = self._connection()
            if conn is None:
                return 0
            return int(conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0])

    def clear(self) -> None:
        """Delete every cached score (a ``ValueError`` where the file cannot be written)."""
        with self._sql():
            conn = self._connection()
            if conn is None:  # nothing cached
                return
            if self.read_only:
                raise ValueError(f"cannot clear the proxy cache {self.path}: it cannot be written")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM scores")
                conn.execute("DELETE FROM settings")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        self._settings_ids.clear()


def canonical_json(value: Any) -> str:
    """Sorted-key, compact JSON; raises ``TypeError`` for values JSON cannot hold."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


#: Words that mean "no cache" / "the default cache" (YAML 1.1's booleans, ``none``), not a
#: cache file's name: the command line reads them so, the API refuses them as strings.
OFF_WORDS = frozenset({"none", "null", "no", "false", "off"})
ON_WORDS = frozenset({"yes", "true", "on"})


def resolve_cache(cache: Any) -> ProxyCache | None:
    """``True`` / ``"default"`` -> the default cache (skipped with a warning where it cannot
    be created); ``None`` / ``False`` -> no cache; a path (a file, or a folder holding
    ``zero_cost.sqlite``) -> a cache there; a :class:`ProxyCache` as is."""
    if cache is None or cache is False:
        return None
    if cache is True or (isinstance(cache, str) and cache == "default"):
        return ProxyCache(default_cache_path(), default=True)
    if isinstance(cache, ProxyCache):
        return cache
    if isinstance(cache, str) and cache.strip().lower() in OFF_WORDS | ON_WORDS:
        # a flag spelt as a word would have become a database file of that name
        raise ValueError(
            f"cache={cache!r} would be a file of that name: pass False or None for no cache, "
            f"True for the default one, or './{cache}' for a file named so"
        )
    if isinstance(cache, str | os.PathLike):
        as_path(cache, "cache")  # "" is no cache path (pathlib: the working folder)
        return ProxyCache(cache)
    raise ValueError(
        f"cache must be True, False, None, a path or a ProxyCache, got {type(cache).__name__}"
    )
