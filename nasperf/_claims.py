"""Several processes writing one output: claims on work items in SQLite.

Every writer of a resumable output (a study's or a search's ``results.sqlite``, the
journal of ``nasperf proxies``) keeps a ``claims`` table in an SQLite file beside its
data. Before a process runs an item (a trial, a search, an architecture) it claims the
item's key in one ``BEGIN IMMEDIATE`` transaction, which SQLite serialises across
processes: the claim succeeds only if the item is not finished and nobody else holds it.
Its result is then stored, and the claim dropped, in one transaction too. So two
processes started on the same output share the work and never run an item twice; the one
that runs out of items first waits for the other's claims (``rounds``) and both end with
the whole output.

A claim records its owner: pid, host, the process's start time (a reused pid is not the
owner) and a token of the claiming object. Claims of a dead owner are *stale* and are
released by the next process that meets them: on the same host when the owner process is
gone (``kill -9`` included; see :func:`nasperf._process.process_alive`), on another host (or
where liveness cannot be told, Windows) when the owner's heartbeat (refreshed every
:data:`HEARTBEAT_S` seconds while it holds claims) is older than :data:`STALE_AFTER_S`.

The same ``BEGIN IMMEDIATE`` transaction is the writers' lock for anything else they
share (``meta.json``'s read-modify-write, the proxies journal's appends): one mechanism,
no lock files.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ._process import CAN_TELL_LIVENESS, HOST, process_alive, process_start

__all__ = [
    "CLAIMS_SCHEMA",
    "DatabaseAccessError",
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "Claim",
    "WorkClaims",
    "describe",
    "wait_note",
]

#: Seconds between heartbeats of a process that holds claims.
HEARTBEAT_S = 30.0
#: A claim from another host is stale when its heartbeat is older than this.
STALE_AFTER_S = 600.0

CLAIMS_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started TEXT,
    state TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    heartbeat REAL NOT NULL
);
"""

_COLUMNS = "key, token, pid, host, started, state, claimed_at, heartbeat"
_COLUMN_NAMES = _COLUMNS.split(", ")
_CHUNK = 500  # keys per IN (...) query, below SQLite's parameter limit

T = TypeVar("T")


class DatabaseAccessError(OSError):
    """An SQLite file of an output cannot be opened or written (an unwritable folder, a
    read-only file, a directory in its place, a lock held past the timeout): an ``OSError``
    whose one-line message names the file, as the commands report any other file error."""


class Claim(NamedTuple):
    """One row of the ``claims`` table."""

    key: str
    token: str
    pid: int
    host: str
    started: str | None
    state: str  # "running" or "failed" (failed items are not retried by the same run)
    claimed_at: float
    heartbeat: float


def describe(claims: Sequence[Claim]) -> str:
    """``"pid 123 on host"`` (or ``"pids 1, 2 on host"``) of the processes holding ``claims``."""
    owners = sorted({(c.host, c.pid) for c in claims})
    hosts = sorted({h for h, _ in owners})
    parts = []
    for host in hosts:
        pids = [str(p) for h, p in owners if h == host]
        parts.append(f"pid{'s' if len(pids) > 1 else ''} {', '.join(pids)} on {host}")
    return "; ".join(parts)


def wait_note(
    what: str, out: Any, *, say: Callable[..., Any] = print, prefix: str = ""
) -> Callable[[list[Claim]], None]:
    """An ``on_wait`` for :meth:`WorkClaims.rounds` that says once, on stderr, what it
    waits for: ``"waiting for 3 trial(s) that another nasperf process (pid 123 on host) is
    running in OUT"``."""
    said = False

    def note(holders: list[Claim]) -> None:
        nonlocal said
        if holders and not said:
            said = True
            say(
                f"{prefix}waiting for {len(holders)} {what} that another nasperf process "
                f"({describe(holders)}) is running in {out}",
                file=sys.stderr,
            )

    return note


class WorkClaims:
    """Claims of one process on the work items of an output (see the module notes).

    Parameters
    ----------
    path : path
        The SQLite file (created if missing) that holds the ``claims`` table.
    done : (table, column), optional
        A table of that same file whose ``column`` lists the finished keys; a finished item
        cannot be claimed.
    on_stale : callable, optional
        ``on_stale(connection)``, called inside the transaction that released stale claims
        (before the finished keys are read), e.g. to re-read a journal that a dead process
        may have written to after its last commit.

    Use as a context manager, or call :meth:`close` (which drops every claim this object
    still holds).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        done: tuple[str, str] | None = None,
        on_stale: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.token = uuid.uuid4().hex
        self.pid = os.getpid()
        self.host = HOST
        self.started = process_start()
        self._done = done
        self._on_stale = on_stale
        self._lock = threading.RLock()
        if self.path.is_dir():
            raise DatabaseAccessError(f"{self.path} is a directory, not an SQLite database")
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as err:  # e.g. "unable to open database file"
            raise DatabaseAccessError(
                f"{self.path}: cannot open ({err}); check that its folder is writable"
            ) from None
        try:
            self._conn.executescript(CLAIMS_SCHEMA)
            have = [row[1] for row in self._conn.execute("PRAGMA table_info(claims)")]
        except sqlite3.OperationalError as err:  # read-only, locked, I/O
            self._conn.close()
            raise DatabaseAccessError(f"{self.path}: cannot write ({err})") from None
        except sqlite3.DatabaseError as err:  # e.g. "file is not a database"
            self._conn.close()
            raise ValueError(f"{self.path}: not a usable SQLite database ({err})") from None
        if have != _COLUMN_NAMES:  # a same-named table of another program (or version)
            self._conn.close()
            raise ValueError(
                f"{self.path}: its table 'claims' has columns {have}, not nasperf's "
                f"{_COLUMN_NAMES}: not a nasperf claims table"
            )
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # ------------------------------------------------------------------ the write lock
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an exception) on this file:
        while it is open no other process (or thread) writes the file."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:  # read-only, locked past the timeout
                raise DatabaseAccessError(f"{self.path}: cannot write ({err})") from None
            try:
                yield self._conn
            except sqlite3.OperationalError as err:  # e.g. "attempt to write a readonly database"
                self._rollback()
                raise DatabaseAccessError(f"{self.path}: cannot write ({err})") from None
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as err:
                self._rollback()
                raise DatabaseAccessError(f"{self.path}: cannot write ({err})") from None

    def _rollback(self) -> None:
        try:  # SQLite may have rolled the transaction back itself
            self._conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass

    # ------------------------------------------------------------------ claims
    def claim(self, key: str) -> bool:
        """Claim ``key``; False if it is finished or held by a live process (or failed
        in this run). Stale claims on it are released first."""
        with self.transaction() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM claims WHERE key = ?", (key,)).fetchone()
            if row is not None:
                held = Claim(*row)
                if held.token == self.token:
                    return held.state == "running"
                if not self._stale(held):
                    return False
                self._release_stale(conn, [held])
            if self._finished(conn, [key]):
                return False
            now = time.time()
            conn.execute(
                f"INSERT INTO claims ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
                (key, self.token, self.pid, self.host, self.started, now, now),
            )
        self._start_heartbeat()
        return True

    def fail(self, key: str) -> None:
        """Keep the claim on ``key`` but mark it failed: no process retries it while this
        one runs (the next run does)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE claims SET state = 'failed' WHERE key = ? AND token = ?", (key, self.token)
            )

    def release(self, key: str) -> None:
        """Drop this object's claim on ``key`` (if any)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM claims WHERE key = ? AND token = ?", (key, self.token))

    def release_all(self) -> None:
        """Drop every claim of this object."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM claims WHERE token = ?", (self.token,))

    def status(self, keys: Sequence[str]) -> dict[str, str]:
        """``{key: state}``: ``"done"`` (finished), ``"mine"`` (claimed by this object),
        ``"failed"`` (failed in a live run, this one or another), ``"other"`` (running in
        another live process) or ``"free"``. Stale claims met here are released."""
        out = {}
        with self.transaction() as conn:
            held = self._claims(conn, keys)
            stale = [c for c in held.values() if self._stale(c)]
            if stale:
                self._release_stale(conn, stale)
                for c in stale:
                    del held[c.key]
            done = self._finished(conn, keys)
        for key in keys:
            c = held.get(key)
            if key in done:
                out[key] = "done"
            elif c is None:
                out[key] = "free"
            elif c.state == "failed":
                out[key] = "failed"
            else:
                out[key] = "mine" if c.token == self.token else "other"
        return out

    def others_active(self, conn: sqlite3.Connection) -> bool:
        """Whether a live process other than this one holds a claim (stale ones do not
        count); call inside :meth:`transaction`."""
        rows = conn.execute(f"SELECT {_COLUMNS} FROM claims WHERE token != ?", (self.token,))
        return any(not self._stale(Claim(*row)) for row in rows)

    def holders(self, keys: Sequence[str]) -> list[Claim]:
        """Live claims of other processes on ``keys`` (stale ones are released)."""
        self.status(keys)
        with self._lock:
            held = self._claims(self._conn, keys)
        return [c for c in held.values() if c.token != self.token and c.state == "running"]

    def rounds(
        self,
        items: Iterable[T],
        key: Callable[[T], str],
        *,
        poll: float = 0.5,
        on_wait: Callable[[list[Claim]], Any] | None = None,
    ) -> Iterator[list[T]]:
        """Rounds of work over ``items``: each round is the list of items that are neither
        finished, failed nor held by another live process; the caller claims (:meth:`claim`)
        and runs what it can of it, then asks for the next round. When every unfinished item
        is held by other processes, this waits for them (polling every ``poll`` seconds,
        calling ``on_wait(claims)``) and hands back any item they release unfinished (their
        process died). Ends when every item is finished or failed.

        Waiting happens here, between rounds, in the caller's thread: never while the caller
        still has work of its own in flight.
        """
        todo = list(items)
        offered: dict[str, int] = {}
        while todo:
            state = self.status([key(i) for i in todo])
            todo = [i for i in todo if state[key(i)] in ("free", "mine", "other")]
            # An item offered three times and still not finished or failed is one the
            # caller cannot run (it lost every race for it): stop offering it.
            free = [
                i for i in todo if state[key(i)] in ("free", "mine") and offered.get(key(i), 0) < 3
            ]
            if free:
                for i in free:
                    offered[key(i)] = offered.get(key(i), 0) + 1
                yield free
                continue
            waiting = [i for i in todo if state[key(i)] == "other"]
            if not waiting:
                return
            if on_wait is not None:
                on_wait(self.holders([key(i) for i in waiting]))
            time.sleep(poll)

    # ------------------------------------------------------------------ internals
    def _claims(self, conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, Claim]:
        out = {}
        for i in range(0, len(keys), _CHUNK):
            part = list(keys[i : i + _CHUNK])
            marks = ",".join("?" * len(part))
            for row in conn.execute(f"SELECT {_COLUMNS} FROM claims WHERE key IN ({marks})", part):
                out[row[0]] = Claim(*row)
        return out

    def _finished(self, conn: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
        if self._done is None:
            return set()
        table, column = self._done
        out: set[str] = set()
        for i in range(0, len(keys), _CHUNK):
            part = list(keys[i : i + _CHUNK])
            marks = ",".join("?" * len(part))
            out.update(
                k
                for (k,) in conn.execute(
                    f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", part
                )
            )
        return out

    def _stale(self, claim: Claim) -> bool:
        if claim.token == self.token:
            return False
        if claim.host == self.host and CAN_TELL_LIVENESS:
            return not process_alive(claim.pid, claim.started)
        return time.time() - claim.heartbeat > STALE_AFTER_S

    def _release_stale(self, conn: sqlite3.Connection, stale: Sequence[Claim]) -> None:
        for c in stale:
            conn.execute("DELETE FROM claims WHERE key = ? AND token = ?", (c.key, c.token))
        if self._on_stale is not None:
            self._on_stale(conn)

    def _start_heartbeat(self) -> None:
        if self._beat is not None:
            return

        def beat() -> None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            try:
                while not self._stop.wait(HEARTBEAT_S):
                    try:
                        conn.execute(
                            "UPDATE claims SET heartbeat = ? WHERE token = ?",
                            (time.time(), self.token),
                        )
                    except sqlite3.OperationalError:  # busy for a minute: beat next time
                        continue
            finally:
                conn.close()

        self._beat = threading.Thread(target=beat, name="nasperf-claims-heartbeat", daemon=True)
        self._beat.start()

    def close(self) -> None:
        """Drop this object's claims and close its connection."""
        self._stop.set()
        try:
            self.release_all()
        finally:
            self._conn.close()

    def __enter__(self) -> WorkClaims:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
