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

What is stored is checked whenever the folder is opened or read (:class:`ResultsStore`,
:func:`read_results`, :func:`read_meta`), before anything is computed or written: every
row is a JSON object whose known fields have their types and ranges (a count is a whole
number >= 0, a correlation a number in [-1, 1] or NaN, a time a number >= 0, ...) and agree
with the trial stored beside it; :meth:`ResultsStore.check_rows` adds the fields a study's
or a search's readers need. ``meta.json``'s known keys are checked the same way. A folder
edited by hand, or written by something else, is refused with one
:class:`~nasperf.errors.DataIntegrityError` naming the file, the trial and the field.

A study resumes only with the nasperf version that wrote it (:func:`version_change`): its
rows may have been computed differently, and a resumed study would mix the two in one
table. Reading a folder of another version (``nasperf plot``) is allowed, with a note.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import sqlite3
import sys
from collections.abc import Callable, Mapping
from importlib import metadata as _md
from pathlib import Path
from typing import Any

import pandas as pd

from nasperf._atomic import atomic_write
from nasperf._claims import CLAIMS_SCHEMA, DatabaseAccessError, WorkClaims
from nasperf.errors import DataIntegrityError, as_path, short_repr

__all__ = [
    "DB_NAME",
    "META_NAME",
    "ResultsStore",
    "environment",
    "read_meta",
    "read_results",
    "version_change",
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


def _loads_object(text: Any) -> dict:
    """``text`` as a JSON object, or ``{}`` (a folder is not trusted to hold what it should)."""
    try:
        value = json.loads(text) if isinstance(text, str) and len(text) < 1_000_000 else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _dumps(obj: Any) -> str:
    """``obj`` as strict JSON (SQLite's ``json_extract``, jq and JavaScript read the rows;
    Python's NaN token is not JSON): NaN is written as null, which :func:`_rows` reads back
    as NaN where the row's schema holds a number, so metrics round-trip exactly (floats are
    written with repr precision). Folders written with NaN tokens read as before."""
    return json.dumps(_nan_as_null(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _nan_as_null(value: Any) -> Any:
    """``value`` with every float NaN (in its lists and objects too) as None."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _nan_as_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_as_null(v) for v in value]
    return value


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (:func:`nasperf._atomic.atomic_write`:
    temp file, fsync, os.replace, the permissions ``open`` would give); stale temp files of
    earlier writes that a kill interrupted are removed."""
    path = as_path(path, "path")
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(_nan_as_null(obj), fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")


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
    >>> import tempfile
    >>> from nasperf.evaluation import ResultsStore
    >>> store = ResultsStore(tempfile.mkdtemp())   # e.g. "studies/mine"
    >>> store.finished()                           # hashes of finished trials
    set()
    >>> trial = {"hash": "3f2a", "space": "nb201", "predictor": "xgb", "n_train": 100, "seed": 0}
    >>> row = {**trial, "label": "xgb", "kendall_tau": 0.71}
    >>> store.add(trial, row), store.add(trial, row)   # one committed transaction each
    (True, False)
    >>> store.finished(), len(store)
    ({'3f2a'}, 1)
    >>> store.table()[["hash", "label", "n_train", "kendall_tau"]]   # one row per trial
       hash label  n_train  kendall_tau
    0  3f2a   xgb      100         0.71
    >>> store.close()
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = as_path(folder, "folder").expanduser()  # as pandas' writers expand it
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
            _rows(self._conn, self.path)
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

    def check_rows(self, kind: str) -> list[dict]:
        """Refuse a stored row of ``kind``'s trials (``"search"``: a ``nasperf search``'s,
        else a predictor study's) that lacks a field its readers need (a study's rows:
        space, dataset, label, n_train, budget; a search's: label, optimizer, benchmark,
        dataset, seed, history): one ``DataIntegrityError`` naming the file, the trial and
        the field. The types of the fields a row has are checked when the folder opens.
        Returns the stored rows, as :meth:`rows` (read once for both)."""
        return _rows(self._conn, self.path, kind=kind)

    def trials(self) -> list[dict]:
        """Stored trial configurations, ordered by hash."""
        cur = self._conn.execute("SELECT hash, trial FROM trials ORDER BY hash")
        return [_record(r, self.path, h, "trial") for h, r in cur]

    def check_kind(self, kind: str) -> None:
        """Refuse a folder whose stored trials are of another kind (``"search"``: a
        ``nasperf search``'s, else a predictor study's): the two runners share the file
        format, and one folder holding both cannot be summarised or plotted."""
        for h, r in self._conn.execute("SELECT hash, trial FROM trials"):
            stored = _kind(_record(r, self.path, h, "trial"))
            if stored != kind:
                what = {"search": "a search's (nasperf search)", "study": "a study's"}
                raise ValueError(
                    f"{self.folder} holds {what[stored]} trials; give this {kind} its own --out"
                )

    def errors(self) -> list[dict]:
        """Recorded failures (hash, error, at, trial), oldest first; ``trial`` is the
        failed trial's dict (``{}`` where the stored text is not a JSON object)."""
        cur = self._conn.execute("SELECT hash, error, at, trial FROM errors ORDER BY id")
        return [{"hash": h, "error": e, "at": a, "trial": _loads_object(t)} for h, e, a, t in cur]

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
        """Close the database connection (what is stored stays: every write was committed);
        the store cannot be used afterwards. ``with ResultsStore(folder) as store:`` closes
        it on leaving the block."""
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
    """``meta.json`` of a results folder ({} if absent).

    Raises
    ------
    DataIntegrityError
        The file is not JSON, not an object, or one of the keys nasperf reads has another
        type (``runs`` not a list of run records, ``suite`` not an object, ...): the
        message names the file and the key.
    TypeError, ValueError
        ``folder`` is not a path, or is empty (:func:`~nasperf.errors.as_path`).
    """
    path = as_path(folder, "folder") / META_NAME
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise DataIntegrityError(f"{path} is not a study's meta.json ({err})") from None
    if not isinstance(meta, dict):
        raise DataIntegrityError(f"{path} is not a study's meta.json (not a JSON object)")
    _check_meta(meta, path)
    return meta


def version_change(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(stored, installed)`` nasperf versions where ``meta`` (a folder's ``meta.json``)
    was written by another nasperf version than the one installed; None where they agree
    or either is unknown."""
    stored = meta.get("environment", {}).get("versions", {}).get("nasperf")
    try:
        installed = _md.version("nasperf")
    except _md.PackageNotFoundError:
        return None
    if stored is None or stored == installed:
        return None
    return stored, installed


def read_results(folder: str | Path, *, kind: str | None = None) -> pd.DataFrame:
    """The finished trials of a results folder as a DataFrame (one row per trial).

    Parameters
    ----------
    folder : path
        A results folder.
    kind : {"study", "search"}, optional
        Also refuse a row of that kind of trial that lacks a field its readers need
        (:meth:`ResultsStore.check_rows`); rows of the other kind are read as they are.

    Raises
    ------
    FileNotFoundError
        ``folder`` holds no ``results.sqlite``.
    DataIntegrityError
        ``results.sqlite`` is not a nasperf results database (the message names it),
        a trial is stored twice, or a row is damaged (the message names the trial and
        the field).
    TypeError, ValueError
        ``folder`` is not a path, or is empty (:func:`~nasperf.errors.as_path`).
    """
    folder = as_path(folder, "folder")
    path = folder / DB_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a study results folder (no {DB_NAME})")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = _rows(conn, path, kind=kind)
    except DataIntegrityError:
        raise
    except (sqlite3.DatabaseError, ValueError) as err:
        raise DataIntegrityError(f"{path} is not a nasperf results database ({err})") from None
    finally:
        conn.close()
    return pd.DataFrame(rows)


def _rows(conn: sqlite3.Connection, path: Path, *, kind: str | None = None) -> list[dict]:
    """The ``trials`` rows ordered by hash, each checked (:func:`_check_row`; with
    ``kind``, the rows of that kind of trial also for the fields its readers need); a hash
    stored twice is an error naming it."""
    stored = conn.execute("SELECT hash, row, trial FROM trials ORDER BY hash").fetchall()
    for (a, *_), (b, *_) in zip(stored, stored[1:], strict=False):
        if a == b:
            n = sum(h == a for h, *_ in stored)
            raise DataIntegrityError(
                f"{path}: trial {a} is stored {n} times; a results table holds each trial "
                "once (was it merged from several files?)"
            )
    rows = []
    for h, r, t in stored:
        row = _null_as_nan(_record(r, path, h, "row"))
        trial = _record(t, path, h, "trial")
        _check_row(row, trial, path, h)
        if kind is not None and _kind(trial) == kind:
            _check_required(row, path, h, kind)
        rows.append(row)
    return rows


def _null_as_nan(row: dict) -> dict:
    """``row`` with a null read as NaN where its schema holds a number that may be NaN
    (:func:`_dumps` writes NaN as null); other nulls stay (a text field's null)."""
    for field, value in row.items():
        if value is None and getattr(_field_check(field), "nan", False):
            row[field] = math.nan
    history = row.get("history")
    if isinstance(history, dict):
        for column, values in history.items():
            if isinstance(values, list) and getattr(_HISTORY_FIELDS.get(column), "nan", False):
                history[column] = [math.nan if v is None else v for v in values]
    return row


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


# --------------------------------------------------------------------------- stored rows
#: The largest seed a trial can have (numpy's and the predictors' ``random_state`` bound).
_MAX_SEED = 2**32 - 1
#: How far a stored score may stray outside its range by floating-point rounding.
_SLACK = 1e-9
_FLOAT_MAX = sys.float_info.max

_HINT_ROW = "delete that trial's row (it runs again) or choose another results folder"
_HINT_META = (
    "restore the file, or delete it (the next run of the study writes a new one) or choose "
    "another results folder"
)


def _kind(trial: Mapping[str, Any]) -> str:
    """``"search"`` for a ``nasperf search``'s trial, else ``"study"``."""
    return "search" if trial.get("kind") == "search" else "study"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) else "text"


def _text_or_null(v: Any) -> str | None:
    return None if v is None or isinstance(v, str) else "text or null"


def _count(v: Any) -> str | None:
    # at most int64's largest: a table's integer column
    return None if _is_int(v) and 0 <= v < 2**63 else "a whole number >= 0"


def _seed(v: Any) -> str | None:
    return None if _is_int(v) and 0 <= v <= _MAX_SEED else f"a whole number in [0, {_MAX_SEED}]"


def _flag(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _number(lo: float, hi: float = math.inf, *, nan: bool = True) -> Callable[[Any], str | None]:
    """A checker of a finite number in [lo, hi] (NaN too where ``nan``: not known)."""
    if hi < math.inf:
        what = f"a number in [{lo:g}, {hi:g}]"
    elif lo > -math.inf:
        what = f"a finite number >= {lo:g}"
    else:
        what = "a finite number"
    if nan:
        what += " or NaN"

    def check(v: Any) -> str | None:
        if _is_int(v):  # compared exactly: a JSON integer may be beyond any float
            return None if max(lo, -_FLOAT_MAX) <= v <= min(hi, _FLOAT_MAX) else what
        if isinstance(v, float):
            if math.isnan(v):
                return None if nan else what
            if math.isfinite(v) and lo - _SLACK <= v <= hi + _SLACK:
                return None
        return what

    check.nan = nan  # type: ignore[attr-defined]  # a stored null reads as NaN
    return check


def _optional_number(v: Any) -> str | None:
    return (
        None
        if v is None or _number(-math.inf, nan=False)(v) is None
        else ("a finite number or null")
    )


def _list_of(check: Callable[[Any], str | None], *, null: bool = False):
    def checker(v: Any) -> str | None:
        if null and v is None:
            return None
        if isinstance(v, list) and all(check(x) is None for x in v):
            return None
        item = check(object())  # what one item should be
        return f"a list of {item}" + (" or null" if null else "")

    return checker


def _one_of(*values: str) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return None if v in values and isinstance(v, str) else f"one of {list(values)}"

    return check


_SECONDS = _number(0.0)  # a time or a cost: >= 0, NaN where the data has none
_MEASURED = _number(0.0, nan=False)  # a measured wall-clock time
_CORRELATION = _number(-1.0, 1.0)
_SHARE = _number(0.0, 1.0)
_ERROR = _number(0.0)  # an error in the target's units (mae, rmse): NaN without predictions

#: The fields of stored rows (a predictor study's and a search's) and what each holds.
_ROW_FIELDS: dict[str, Callable[[Any], str | None]] = {
    # both
    "hash": _text,
    "label": _text,
    "dataset": _text,
    "benchmark": _text_or_null,
    "seed": _seed,
    "trial_time_s": _MEASURED,
    # a predictor study's (nasperf.evaluation.engines.run_trial)
    "space": _text,
    "predictor": _text,
    "data_path": _text_or_null,
    "data_sha256": _text_or_null,
    "target": _text_or_null,
    "params": _text_or_null,
    "encoding": _text_or_null,
    "budget": _text_or_null,
    "worker": _text_or_null,
    "task": _text_or_null,
    "kind": _one_of("predictor", "proxy"),
    "proxy_source": _text_or_null,
    "split": _one_of("by_network"),
    "zero_cost": _flag,
    "zero_cost_source": _text_or_null,
    "n_train": _count,
    "test_size": _count,
    "n_unlabelled": _count,
    "n": _count,
    "n_nan_predictions": _count,
    "fit_time_s": _MEASURED,
    "predict_time_s": _MEASURED,
    "query_time_per_arch_s": _SECONDS,
    "init_time_s": _SECONDS,
    "total_time_s": _SECONDS,
    "label_cost_s": _SECONDS,
    "lc_cost_per_arch_s": _SECONDS,
    "zc_cost_per_arch_s": _SECONDS,
    "zc_time_s": _SECONDS,
    "pearson": _CORRELATION,
    "spearman": _CORRELATION,
    "kendall_tau": _CORRELATION,
    "ndcg": _SHARE,
    "mae": _ERROR,
    "rmse": _ERROR,
    # a search's (nasperf.search.study.run_search_trial)
    "optimizer": _text,
    "optimum_archs": _list_of(_text, null=True),
    "optimum_arch": _text_or_null,
    "optimum_value": _optional_number,
    "cost_unit": _one_of("s", "query"),
    "notes": _list_of(_text),
}

#: Metric families whose names carry a parameter (``precision@10``,
#: ``sparse_kendall_tau_0.1``), by the part before it.
_ROW_FAMILIES: dict[str, Callable[[Any], str | None]] = {
    "precision@": _SHARE,
    "ndcg@": _SHARE,
    "best_true_rank@": _number(1.0),
    "sparse_kendall_tau_": _CORRELATION,
}

#: The fields a row and its trial both hold, which must agree (a row edited by hand, or
#: copied from another trial, does not).
_SHARED = (
    "space",
    "benchmark",
    "dataset",
    "predictor",
    "label",
    "optimizer",
    "budget",
    "seed",
    "task",
    "kind",
    "proxy_source",
    "split",
)

#: The fields the readers of each kind of row need (plots, summaries, a resumed run).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "study": ("hash", "space", "dataset", "label", "n_train", "budget"),
    "search": ("hash", "label", "optimizer", "benchmark", "dataset", "seed", "history"),
}

#: A search's history: column -> what each entry holds; the first three are required.
_HISTORY_REQUIRED = ("value", "best_value", "sim_time_s")
_HISTORY_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "value": _number(-math.inf),
    "best_value": _number(-math.inf),
    "sim_time_s": _SECONDS,
    "query": lambda v: None if _is_int(v) and v >= 1 else "a whole number >= 1",
    "arch": _text,
    "fidelity": lambda v: (
        None if v is None or isinstance(v, str) or _is_int(v) else "text or a whole number"
    ),
    "repeat": _flag,
    "train_cost_s": _SECONDS,
    "overhead_s": _SECONDS,
}


def _shown(value: Any) -> str:
    """A stored value as its JSON reads (null, true, NaN, Infinity), else its repr."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    return short_repr(value)


def _row_error(path: Path, key: Any, field: str, value: Any, what: str) -> DataIntegrityError:
    return DataIntegrityError(
        f"{path}: trial {short_repr(key)}: its row's {field} is {_shown(value)}, not "
        f"{what}; {_HINT_ROW}"
    )


def _field_check(field: str) -> Callable[[Any], str | None] | None:
    check = _ROW_FIELDS.get(field)
    if check is None:
        for prefix, family in _ROW_FAMILIES.items():
            if field.startswith(prefix):
                return family
    return check


def _check_row(row: dict, trial: dict, path: Path, key: Any) -> None:
    """The fields ``row`` has are of their types and ranges (:data:`_ROW_FIELDS`), and
    agree with its ``trial``; a ``DataIntegrityError`` naming the file, trial and field."""
    if trial.get("hash", key) != key:
        raise DataIntegrityError(
            f"{path}: trial {short_repr(key)}: its trial's hash is "
            f"{short_repr(trial['hash'])}, not the key it is stored under; {_HINT_ROW}"
        )
    if "hash" in row and row["hash"] != key:
        raise _row_error(path, key, "hash", row["hash"], f"its trial's {short_repr(key)}")
    for field, value in row.items():
        check = _field_check(field)
        what = None if check is None else check(value)
        if what is not None:
            raise _row_error(path, key, field, value, what)
    for field in _SHARED:
        if field in row and field in trial and row[field] != trial[field]:
            raise _row_error(
                path, key, field, row[field], f"its trial's {short_repr(trial[field])}"
            )
    if "history" in row:
        _check_history(row["history"], path, key)


def _check_history(history: Any, path: Path, key: Any) -> None:
    """A search's stored history: columns of equal length, each entry of its type."""
    if not isinstance(history, dict):
        raise _row_error(path, key, "history", history, "an object of columns")
    lengths = {}
    for column, values in history.items():
        if not isinstance(values, list):
            raise _row_error(path, key, f"history.{column}", values, "a list")
        check = _HISTORY_FIELDS.get(column)
        if check is not None:
            for i, v in enumerate(values):
                what = check(v)
                if what is not None:
                    raise _row_error(path, key, f"history.{column}[{i}]", v, what)
        lengths[column] = len(values)
    for column in _HISTORY_REQUIRED:
        if column not in history:
            raise DataIntegrityError(
                f"{path}: trial {short_repr(key)}: its row's history has no {column!r} "
                f"column; {_HINT_ROW}"
            )
    first = _HISTORY_REQUIRED[0]
    if not lengths[first]:
        raise _row_error(path, key, f"history.{first}", history[first], "a list of one per query")
    for column, n in lengths.items():
        if n != lengths[first]:
            raise DataIntegrityError(
                f"{path}: trial {short_repr(key)}: its row's history.{first} holds "
                f"{lengths[first]} entries, history.{column} {n}: not one each per query; "
                f"{_HINT_ROW}"
            )


def _check_required(row: dict, path: Path, key: Any, kind: str) -> None:
    for field in _REQUIRED[kind]:
        if field not in row:
            what = "a search's" if kind == "search" else "a study's"
            raise DataIntegrityError(
                f"{path}: trial {short_repr(key)}: its row has no {field!r}, which {what} "
                f"rows have; {_HINT_ROW}"
            )


# --------------------------------------------------------------------------- meta.json
def _meta_error(path: Path, field: str, value: Any, what: str) -> DataIntegrityError:
    return DataIntegrityError(f"{path}: {field} is {_shown(value)}, not {what}; {_HINT_META}")


def _workers(v: Any) -> str | None:
    return None if v is None or (_is_int(v) and v >= 1) else "a whole number >= 1 or null"


#: Top-level keys of ``meta.json`` and what each holds (objects are checked further below).
_META_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "format": _count,
    "study": _text,
    "config": lambda v: None if isinstance(v, dict) else "an object",
    "config_digest": _text,
    "n_trials": _count,
    "status": _text,
    "timing_columns": _list_of(_text),
    "environment": lambda v: None if isinstance(v, dict) else "an object",
    "runs": lambda v: None if isinstance(v, list) else "a list of run records",
    "suite": lambda v: None if isinstance(v, dict) else "an object (a suite's plans)",
}
_RUN_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "id": _text_or_null,
    "seconds": lambda v: None if v is None or _MEASURED(v) is None else "a number >= 0 or null",
    "workers": _workers,
    "argv": _list_of(_text, null=True),
    "prog": _text_or_null,
}
_PLAN_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "task": _text,
    "n_labelled": _count,
    "test_size": _count,
    "train_sizes": _list_of(_count),
    "stored_proxies": _list_of(_text),
    "computable": _flag,
    "budgets": _list_of(_text),
}
_SKIPPED_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "task": _text,
    "label": _text,
    "reason": _text,
}


def _check_records(path: Path, name: str, records: Any, fields: Mapping, *, required: bool):
    """Each item of the list ``records`` an object whose ``fields`` hold their types (all
    present where ``required``)."""
    if not isinstance(records, list):
        raise _meta_error(path, name, records, "a list of objects")
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise _meta_error(path, f"{name}[{i}]", record, "an object")
        for field, check in fields.items():
            if field not in record:
                if required:
                    raise DataIntegrityError(f"{path}: {name}[{i}] has no {field!r}; {_HINT_META}")
                continue
            what = check(record[field])
            if what is not None:
                raise _meta_error(path, f"{name}[{i}].{field}", record[field], what)


def _check_meta(meta: dict, path: Path) -> None:
    """The keys of ``meta.json`` that nasperf reads have their types; a
    ``DataIntegrityError`` naming the file and the key."""
    for field, check in _META_FIELDS.items():
        if field in meta:
            what = check(meta[field])
            if what is not None:
                raise _meta_error(path, field, meta[field], what)
    env = meta.get("environment", {})
    versions = env.get("versions", {})
    if not isinstance(versions, dict):
        raise _meta_error(path, "environment.versions", versions, "an object")
    for name, version in versions.items():
        if not isinstance(version, str):
            raise _meta_error(path, f"environment.versions.{name}", version, "text")
    _check_records(path, "runs", meta.get("runs", []), _RUN_FIELDS, required=False)
    suite = meta.get("suite")
    if suite is not None:
        _check_records(path, "suite.plans", suite.get("plans", []), _PLAN_FIELDS, required=True)
        _check_records(
            path, "suite.skipped", suite.get("skipped", []), _SKIPPED_FIELDS, required=True
        )
        what = _list_of(_text)(suite.get("trials", []))
        if what is not None:
            raise _meta_error(path, "suite.trials", suite["trials"], what)
