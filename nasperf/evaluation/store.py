"""A study's results folder: an SQLite table of finished trials and a metadata file.

``results.sqlite`` holds one row per finished trial, keyed by the trial's hash
(:func:`nasperf.evaluation.config.trial_hash`) and written in its own transaction, so a
process killed at any instant (``kill -9`` included) leaves every committed row intact and
no partial one; a rerun skips the hashes already there and ``INSERT OR IGNORE`` makes a
duplicate impossible. Failed trials go to a separate ``errors`` table and are retried on
the next run. ``meta.json`` (package and dependency versions, the config, start / end of
every run) is replaced atomically: temporary file in the same folder, fsync, ``os.replace``.

Several processes may run on one folder at once (two ``run_study.py`` or ``nasperf
search`` commands, a rerun while the first is still going): each claims a trial in the
``claims`` table of ``results.sqlite`` before running it (:meth:`ResultsStore.claims`,
:mod:`nasperf._claims`), so they share the trials and none runs twice, and ``meta.json`` is
read, changed and replaced under the database's write lock (:meth:`ResultsStore.update_meta`),
so every run's record is kept. Readers refuse a table that holds a trial twice.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Mapping
from importlib import metadata as _md
from pathlib import Path
from typing import Any

import pandas as pd

from nasperf._claims import CLAIMS_SCHEMA, DatabaseAccessError, WorkClaims
from nasperf.errors import DataIntegrityError, short_repr

__all__ = [
    "DB_NAME",
    "META_NAME",
    "ResultsStore",
    "environment",
    "read_meta",
    "read_results",
    "write_json_atomic",
]

DB_NAME = "results.sqlite"
META_NAME = "meta.json"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    hash TEXT PRIMARY KEY,
    row TEXT NOT NULL,
    trial TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL,
    trial TEXT NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

_DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "torch",
    "torch-geometric",
    "xgboost",
    "xgboost-cpu",
    "lightgbm",
    "gpytorch",
    "ngboost",
    "joblib",
    "pyyaml",
    "pyarrow",
    "dask",
    "distributed",
    "ray",
)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _dumps(obj: Any) -> str:
    # NaN is kept (as JSON's NaN extension) so metrics round-trip exactly; floats are
    # written with repr precision, so rows read back equal the rows stored.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (temp file, flush, fsync, os.replace)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def environment() -> dict:
    """Python, platform, nasperf and dependency versions (installed ones only)."""
    versions = {}
    for dist in ("nasperf", *_DEPENDENCIES):
        try:
            versions[dist] = _md.version(dist)
        except _md.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": versions,
    }


class ResultsStore:
    """The results folder of one study (``results.sqlite`` + ``meta.json``).

    Parameters
    ----------
    folder : path
        Created if missing.

    Examples
    --------
    >>> store = ResultsStore("studies/mine")
    >>> done = store.finished()            # hashes of finished trials
    >>> store.add(trial, row)              # one committed transaction
    >>> df = store.table()                 # one row per finished trial
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / DB_NAME
        if self.path.is_dir():
            raise DatabaseAccessError(
                f"{self.path} is a directory, not a results database; choose another results "
                "folder or remove it"
            )
        try:
            self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as err:  # e.g. "unable to open database file": an unwritable folder
            raise DatabaseAccessError(
                f"{self.path}: cannot open the results database ({err}); check that "
                f"{self.folder} is a writable folder"
            ) from None
        try:
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA + CLAIMS_SCHEMA)
            # What is stored already is read before any trial runs: a damaged row is
            # refused here, not after the new trials have run.
            _check_tables(self._conn, self.path)
            for h, r in self._conn.execute("SELECT hash, row FROM trials"):
                _record(r, self.path, h, "row")
            # a read-only file opens and reads: refuse it now, before anything runs
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM claims WHERE 0")
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as err:  # read-only, locked, I/O: not damage
            self._conn.close()
            raise DatabaseAccessError(
                f"{self.path}: cannot write the results database ({err})"
            ) from None
        except sqlite3.DatabaseError as err:
            self._conn.close()
            raise DataIntegrityError(
                f"{self.path} is not a nasperf results database ({err}); choose another "
                "results folder or delete the file"
            ) from None
        except DataIntegrityError:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ rows
    def finished(self) -> set[str]:
        """Hashes of the trials already stored."""
        return {h for (h,) in self._conn.execute("SELECT hash FROM trials")}

    def claims(self) -> WorkClaims:
        """This process's claims on the folder's trials (keyed by trial hash; a stored trial
        is finished and cannot be claimed). Close it when done: that drops its claims."""
        return WorkClaims(self.path, done=("trials", "hash"))

    def add(self, trial: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
        """Store one finished trial in its own transaction (which also drops any claim on
        it); False if it was already there."""
        with self._transaction():
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO trials (hash, row, trial, finished_at) VALUES (?, ?, ?, ?)",
                (trial["hash"], _dumps(dict(row)), _dumps(dict(trial)), _now()),
            )
            self._conn.execute("DELETE FROM claims WHERE key = ?", (trial["hash"],))
        return cur.rowcount == 1

    def add_error(self, trial: Mapping[str, Any], error: str) -> None:
        """Record a failed trial (it is not finished: the next run tries it again)."""
        with self._transaction():
            self._conn.execute(
                "INSERT INTO errors (hash, trial, error, at) VALUES (?, ?, ?, ?)",
                (trial["hash"], _dumps(dict(trial)), error, _now()),
            )

    def rows(self) -> list[dict]:
        """Stored rows, ordered by hash (the order does not depend on how they ran).

        Raises
        ------
        DataIntegrityError
            A trial is stored twice (a table not written by this store).
        """
        return _rows(self._conn, self.path)

    def trials(self) -> list[dict]:
        """Stored trial configurations, ordered by hash."""
        cur = self._conn.execute("SELECT hash, trial FROM trials ORDER BY hash")
        return [_record(r, self.path, h, "trial") for h, r in cur]

    def check_kind(self, kind: str) -> None:
        """Refuse a folder whose stored trials are of another kind (``"search"``: a
        ``nasperf search``'s, else a predictor study's): the two runners share the file
        format, and one folder holding both cannot be summarised or plotted."""
        for h, r in self._conn.execute("SELECT hash, trial FROM trials"):
            stored = _record(r, self.path, h, "trial").get("kind")
            stored = "search" if stored == "search" else "study"
            if stored != kind:
                what = {"search": "a search's (nasperf search)", "study": "a study's"}
                raise ValueError(
                    f"{self.folder} holds {what[stored]} trials; give this {kind} its own --out"
                )

    def errors(self) -> list[dict]:
        """Recorded failures (hash, error, at), oldest first."""
        cur = self._conn.execute("SELECT hash, error, at FROM errors ORDER BY id")
        return [{"hash": h, "error": e, "at": a} for h, e, a in cur]

    def table(self) -> pd.DataFrame:
        """Finished trials as a DataFrame, one row each, sorted by hash."""
        return pd.DataFrame(self.rows())

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]

    # ------------------------------------------------------------------ metadata
    @property
    def meta_path(self) -> Path:
        return self.folder / META_NAME

    def read_meta(self) -> dict:
        """``meta.json`` content ({} if there is none yet)."""
        return read_meta(self.folder)

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Replace ``meta.json`` atomically (see :meth:`update_meta` when other processes
        may write it too)."""
        write_json_atomic(self.meta_path, dict(meta))

    def update_meta(self, change: Callable[[dict], Mapping[str, Any]]) -> dict:
        """Read ``meta.json``, apply ``change(meta) -> new meta`` and replace the file, all
        under the database's write lock, so concurrent runs on the folder never lose each
        other's changes. Returns the new content."""
        with self._transaction():
            meta = dict(change(self.read_meta()))
            write_json_atomic(self.meta_path, meta)
        return meta

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self):
        conn = self._conn

        class _Tx:
            def __enter__(self_inner):
                conn.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, *_):
                conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()


def read_meta(folder: str | Path) -> dict:
    """``meta.json`` of a results folder ({} if absent)."""
    path = Path(folder) / META_NAME
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise DataIntegrityError(f"{path} is not a study's meta.json ({err})") from None
    if not isinstance(meta, dict):
        raise DataIntegrityError(f"{path} is not a study's meta.json (not a JSON object)")
    return meta


def read_results(folder: str | Path) -> pd.DataFrame:
    """The finished trials of a results folder as a DataFrame (one row per trial).

    Raises
    ------
    FileNotFoundError
        ``folder`` holds no ``results.sqlite``.
    DataIntegrityError
        ``results.sqlite`` is not a nasperf results database (the message names it),
        or a trial is stored twice.
    """
    path = Path(folder) / DB_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a study results folder (no {DB_NAME})")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = _rows(conn, path)
    except DataIntegrityError:
        raise
    except (sqlite3.DatabaseError, ValueError) as err:
        raise DataIntegrityError(f"{path} is not a nasperf results database ({err})") from None
    finally:
        conn.close()
    return pd.DataFrame(rows)


def _rows(conn: sqlite3.Connection, path: Path) -> list[dict]:
    """The ``trials`` rows ordered by hash; a hash stored twice is an error naming it."""
    pairs = conn.execute("SELECT hash, row FROM trials ORDER BY hash").fetchall()
    for (a, _), (b, _) in zip(pairs, pairs[1:], strict=False):
        if a == b:
            n = sum(h == a for h, _ in pairs)
            raise DataIntegrityError(
                f"{path}: trial {a} is stored {n} times; a results table holds each trial "
                "once (was it merged from several files?)"
            )
    return [_record(r, path, h, "row") for h, r in pairs]


def _record(text: Any, path: Path, key: Any, column: str) -> dict:
    """One stored JSON object, or a ``DataIntegrityError`` naming the file, the trial and
    the column (a row edited by hand, or written by something else)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError) as err:
        raise DataIntegrityError(
            f"{path}: trial {short_repr(key)}: its {column} is not JSON ({err}); delete that trial's "
            "row (it runs again) or choose another results folder"
        ) from None
    if not isinstance(value, dict):
        raise DataIntegrityError(
            f"{path}: trial {short_repr(key)}: its {column} is a JSON {type(value).__name__}, not an "
            "object; delete that trial's row (it runs again) or choose another results folder"
        )
    return value


def _check_tables(conn: sqlite3.Connection, path: Path) -> None:
    """The ``trials`` and ``errors`` tables have nasperf's columns (a same-named table of
    another program is refused by name, before anything is written)."""
    for table, wanted in (
        ("trials", {"hash", "row", "trial", "finished_at"}),
        ("errors", {"id", "hash", "trial", "error", "at"}),
    ):
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not wanted <= have:
            raise DataIntegrityError(
                f"{path}: its {table} table has columns {sorted(have)}, not nasperf's "
                f"{sorted(wanted)}: not a nasperf results database; choose another results "
                "folder or delete the file"
            )
