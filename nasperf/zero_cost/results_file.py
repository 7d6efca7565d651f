"""Crash-safe, resumable result files of ``nasperf proxies`` (CSV or parquet).

Rows are appended to a CSV *journal* one architecture at a time: one ``write`` of one
complete line, then ``flush`` and ``fsync``. A row counts only when its line ends with a
newline, so a process killed mid-write leaves at most one partial last line, which the next
open cuts off; every architecture before it is on disk. For a ``.csv`` output the journal
is the file itself; for ``.parquet`` it is ``<out>.partial.csv`` beside it, converted (temp
file, fsync, ``os.replace``) to the parquet file when the run completes, then removed.

Columns: ``arch``, one per proxy (floats written with ``repr``: exact round trip; ``nan``
where undefined), ``<proxy>_time`` for each (the seconds the architecture's proxies took,
shared equally between them as they share their passes; empty where unknown), and
``nan_reasons`` (JSON ``{proxy: reason}`` for the NaN ones, else empty). Read back, the time
columns are the table's recorded seconds per architecture (their means, in
``attrs["seconds_per_arch"]``: :func:`nasperf.encodings.zero_cost.recorded_seconds`), which
studies and searches charge for the scores. Outputs of earlier versions, without time columns, are
read and resumed as they are.
A sidecar ``<out>.settings.json`` records what the scores depend on; resuming with other
settings is an error rather than a silently mixed file.

Several processes may write one output at once (two ``nasperf proxies`` commands, or a
rerun while the first still runs). ``<out>.claims.sqlite`` beside it holds their claims
(:mod:`nasperf._claims`) and the set of architectures in the journal: a process claims an
architecture before computing it, so they share the work; every change to the journal
(appending a row, cutting a partial line, the parquet export) happens under that
database's write lock, and a row whose architecture is already in the journal is not
written again. A journal holds each architecture once, with one exception: a process
killed between writing a row and committing it to ``done`` leaves the row unrecorded, and
another process that has the same architecture's scores from the proxy cache (appended
without a claim) writes it again, identical. Versions before claims left such repeats too.
So :func:`read_table` keeps the first of exact repeats of a row (same scores, same reasons)
and refuses an architecture whose rows differ, naming the file, the lines and the
architecture.

Resuming checks every row already written as :func:`read_table` does (scores, reasons and,
where the space is known, that the architecture text is one the space writes) and refuses a
damaged output, naming the file and the line, without changing it.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import math
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf._atomic import atomic_write, make_folder, remove_stale_temps
from nasperf._claims import WorkClaims
from nasperf.errors import short_repr
from nasperf.spaces.base import SPACES, SearchSpace, resolve_space
from nasperf.spaces.literal import strict_float

REASONS_COLUMN = "nan_reasons"
_DONE_SCHEMA = "CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY)"
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"output {path} must end in .csv or .parquet (got {path.suffix!r})")
    return fmt


def _atomic_write(path: Path, data: bytes) -> None:
    """``data`` into ``path`` atomically (:func:`nasperf._atomic.atomic_write`)."""
    # temp files that killed writers of earlier nasperf versions left (``.NAME.tmpPID``)
    remove_stale_temps(path, f".{glob.escape(path.name)}.tmp*")
    with atomic_write(path) as fh:
        fh.write(data)


def _line(values: Sequence[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _read_journal(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    """Header and complete rows; a trailing line without newline is cut off the file."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        data = data[:end]
    rows = _parse_rows(data, path)
    if not rows:
        return None, []
    return rows[0], rows[1:]


def _ends_with_newline(path: Path) -> bool:
    """Whether ``path`` is empty or its last byte ends a line (read without the rest)."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return True
        fh.seek(size - 1)
        return fh.read(1) == b"\n"


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"{path}: line {line}: not UTF-8 text") from None


def _parse_rows(data: bytes, path: Path) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(_decode(data, path), newline="")))
    except csv.Error as err:
        raise ValueError(f"{path}: not a readable CSV file ({err})") from None


def _score(text: str, where: str) -> float:
    """A score cell: a float written by ``repr`` (``nan`` where undefined, never inf)."""
    value = strict_float(text)
    if value is None or math.isinf(value):
        raise ValueError(f"{where}: {short_repr(text)} is not a score (a finite number or nan)")
    return value


def _reasons(text: str, where: str, scores: Mapping[str, float]) -> dict[str, str]:
    """A ``nan_reasons`` cell: ``{proxy: reason}`` for proxies of the row whose score is NaN
    (the only ones the writer gives a reason)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(
            f"{where}: {REASONS_COLUMN} must be a JSON object {{proxy: reason}}, got "
            f"{short_repr(text)}"
        )
    for proxy in value:
        if proxy not in scores:
            raise ValueError(
                f"{where}: a reason for {short_repr(proxy)}, which is not a proxy column of "
                "the table"
            )
        if not math.isnan(scores[proxy]):
            raise ValueError(
                f"{where}: a reason for {proxy!r}, whose score {scores[proxy]!r} is not NaN "
                "(only NaN scores have reasons)"
            )
    return value


def _check_arch(text: str, space: SearchSpace, where: str) -> None:
    """An ``arch`` cell: a text of ``space`` as the space writes it (``to_string``), so that
    a rerun finds the architecture by its text."""
    try:
        canonical = space.to_string(space.parse(text))
    except Exception as err:  # a space's parser (a user's too) refusing the text
        cause = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        raise ValueError(
            f"{where}: {short_repr(text)} is not an architecture of {space.name} ({cause})"
        ) from None
    if canonical != text:
        raise ValueError(
            f"{where}: {short_repr(text)} is not written as {space.name} writes it "
            f"({short_repr(canonical)})"
        )


def _rows_to_frame(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    path: Path | str = "proxies table",
    space: SearchSpace | None = None,
) -> pd.DataFrame:
    """The table of ``rows``; a ``ValueError`` naming the file, the line and the column of
    the first bad cell (see :func:`read_table`). ``space``: the space the architectures must
    be texts of (unchecked where None)."""
    if not header or header[0] != "arch":
        raise ValueError(
            f"{path}: not a nasperf proxies table: first column is not 'arch' "
            f"({short_repr(list(header))})"
        )
    from nasperf.encodings.zero_cost import time_columns

    times = time_columns(header[1:])
    proxies = [c for c in header[1:] if c != REASONS_COLUMN and c not in times.values()]
    pos = {c: k for k, c in enumerate(header)}
    if len(pos) != len(header):
        raise ValueError(f"{path}: line 1: a column name appears twice ({short_repr(header)})")
    index, values, reasons, seconds = [], [], {}, []
    seen: dict[str, tuple[int, list[float], dict[str, str]]] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{path} line {line}"
        if len(row) != len(header):
            raise ValueError(
                f"{where}: malformed row with {len(row)} fields, expected {len(header)}"
            )
        arch = row[0]
        if space is not None and arch not in seen:
            _check_arch(arch, space, f"{where}, column 'arch'")
        scores = [_score(row[pos[p]], f"{where}, column {p!r}") for p in proxies]
        took = [_seconds(row[pos[c]], f"{where}, column {c!r}") for c in times.values()]
        why: dict[str, str] = {}
        if REASONS_COLUMN in pos and row[pos[REASONS_COLUMN]]:
            why = _reasons(
                row[pos[REASONS_COLUMN]],
                f"{where}, column {REASONS_COLUMN!r}",
                dict(zip(proxies, scores, strict=True)),
            )
        if arch in seen:
            first, old, old_why = seen[arch]
            if old_why != why or not np.array_equal(
                np.array(old), np.array(scores), equal_nan=True
            ):
                raise ValueError(
                    f"{path}: architecture {short_repr(arch)} has two different rows (lines "
                    f"{first} and {line}); a proxies table holds each architecture once"
                )
            # An exact repeat: written again after a process died between writing the row
            # and recording it (see the module notes), or by versions before claims.
            continue
        seen[arch] = (line, scores, why)
        index.append(arch)
        values.append(scores)
        seconds.append(took)
        if why:
            reasons[arch] = why
    df = pd.DataFrame(
        np.array(values, dtype=np.float64).reshape(len(index), len(proxies)),
        index=pd.Index(index, name="arch"),
        columns=proxies,
    )
    df.attrs["reasons"] = reasons
    if times:
        took = np.array(seconds, dtype=np.float64).reshape(len(index), len(times))
        known = np.isfinite(took).any(axis=0)
        # as compute() gives them: each row's seconds (NaN where not recorded), and the
        # table's seconds per architecture
        df.attrs["seconds"] = [
            float(np.nansum(r)) if np.isfinite(r).any() else math.nan for r in took
        ]
        df.attrs["seconds_per_arch"] = {
            p: float(np.nanmean(took[:, j])) for j, p in enumerate(times) if known[j]
        }
    return df


def _seconds(text: str, where: str) -> float:
    """A time cell: seconds >= 0, or NaN where empty (not recorded)."""
    if text in ("", "nan"):
        return math.nan
    value = _score(text, where)
    if math.isnan(value) or value < 0:
        raise ValueError(f"{where}: {short_repr(text)} is not a time in seconds >= 0")
    return value


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or parquet proxies table as :func:`compute` returns it (reasons in ``attrs``).

    Raises ``FileNotFoundError`` for a missing file and a ``ValueError`` naming the file
    (and line and column for CSV) for anything else: not UTF-8, not CSV / parquet, a score
    that is not a number or is infinite, malformed reasons (not a JSON object of texts, or
    a reason for a proxy whose score is not NaN), one architecture with two different rows,
    and, where the output's ``.settings.json`` names a registered search space, an
    architecture text that space does not write.
    """
    path = Path(path)
    return _read_table(path, _sidecar_space(path))


def _sidecar_space(path: Path) -> SearchSpace | None:
    """The space that ``<path>.settings.json`` (written by ``nasperf proxies``) names, if it
    is readable and the space registered (a user's space only after its module is imported);
    else None: the architecture texts cannot be checked."""
    sidecar = path.with_name(path.name + ".settings.json")
    try:
        settings = json.loads(sidecar.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return _space_named(settings.get("space") if isinstance(settings, dict) else None)


def _space_named(name: object) -> SearchSpace | None:
    if not isinstance(name, str) or name not in SPACES:
        return None
    try:
        return resolve_space(name)
    except Exception:  # a registered space that cannot be made: its rows stay unchecked
        return None


def _read_table(path: Path, space: SearchSpace | None) -> pd.DataFrame:
    if _format(path) == "csv":
        header, rows = _read_journal_readonly(path)
        if header is None:
            raise ValueError(f"{path} is empty")
        return _rows_to_frame(header, rows, path, space)
    import pyarrow as pa

    if not path.is_file():
        raise FileNotFoundError(f"proxies table {path} does not exist")
    from nasperf.datasets.readers import read_parquet

    try:
        raw = read_parquet(path)
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{path}: not a readable parquet file ({err})") from None
    if "arch" not in raw.columns:
        raise ValueError(f"{path}: not a nasperf proxies table: no 'arch' column")
    header = ["arch", *(str(c) for c in raw.columns if c != "arch")]
    rows = []
    for record in raw[header].astype(object).itertuples(index=False):
        rows.append([_cell(v) for v in record])
    return _rows_to_frame(header, rows, path, space)


def _cell(value: object) -> str:
    """A parquet value as the CSV journal writes it (floats with ``repr``: exact)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float | np.floating) or (
        isinstance(value, int | np.integer) and not isinstance(value, bool)
    ):
        return repr(float(value))
    return short_repr(value)  # refused by the reader with the value shown


def _read_journal_readonly(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    data = path.read_bytes()
    data = data[: data.rfind(b"\n") + 1]
    rows = _parse_rows(data, path)
    return (rows[0], rows[1:]) if rows else (None, [])


def _first_line(path: Path) -> tuple[list[str] | None, bool]:
    """A journal's header (None until its first line is complete) and whether anything is
    written in it, read without the rest of the file (opening a run checks it twice)."""
    with open(path, "rb") as fh:
        line = fh.readline(1 << 20)
    if not line.endswith(b"\n"):
        return None, bool(line)
    rows = _parse_rows(line, path)
    return (rows[0] if rows else None), True


def _frame_to_lines(df: pd.DataFrame, proxies: Sequence[str], *, timed: bool) -> list[str]:
    reasons = df.attrs.get("reasons", {})
    seconds = df.attrs.get("seconds") or [math.nan] * len(df)
    return [
        _row_line(
            arch,
            {p: (float(df.at[arch, p]), (reasons.get(arch) or {}).get(p)) for p in proxies},
            proxies,
            seconds=took if timed else None,
        )
        for arch, took in zip(df.index, seconds, strict=True)
    ]


def _row_line(
    arch: str,
    scores: Mapping[str, tuple[float, str | None]],
    proxies: Sequence[str],
    *,
    seconds: float | None = None,
) -> str:
    """One journal line; ``seconds`` (the row's proxies' time, NaN where unknown) shared
    equally between the proxies' time columns, None for an output without them."""
    if "\n" in arch or "\r" in arch:
        raise ValueError(f"architecture text {arch!r} contains a line break")
    why = {p: scores[p][1] for p in proxies if math.isnan(scores[p][0]) and scores[p][1]}
    times: list[str] = []
    if seconds is not None:
        share = float(seconds) / len(proxies) if proxies else math.nan
        times = [repr(share) if math.isfinite(share) else ""] * len(proxies)
    return _line(
        [
            arch,
            *(repr(float(scores[p][0])) for p in proxies),
            *times,
            json.dumps(why, sort_keys=True) if why else "",
        ]
    )


class ResultsFile:
    """Append-only, resumable output of proxy scores, shared by concurrent writers.

    Parameters
    ----------
    path : Path
        ``.csv`` or ``.parquet`` output.
    proxies : sequence of str
        Score columns, in order.
    settings : mapping
        What the scores depend on (JSON); must match the sidecar of an existing output.
    space : SearchSpace, optional
        The space whose texts the ``arch`` column holds, checked when an existing output is
        opened; default the registered space that ``settings["space"]`` names (unchecked if
        none is).

    Use: :meth:`open` (returns the architectures already written), then :meth:`claim` an
    architecture before computing it and :meth:`append` its row, finally :meth:`close`.
    """

    def __init__(
        self,
        path: Path,
        proxies: Sequence[str],
        settings: Mapping[str, Any],
        *,
        space: SearchSpace | None = None,
    ) -> None:
        self.path = Path(path)
        self.format = _format(self.path)
        self.proxies = list(proxies)
        self.settings = dict(settings)
        from nasperf.encodings.zero_cost import TIME_SUFFIX

        self.header = [
            "arch",
            *self.proxies,
            *(p + TIME_SUFFIX for p in self.proxies),
            REASONS_COLUMN,
        ]
        #: Whether the output records seconds (False: one of an earlier version, resumed in
        #: its own columns)
        self.timed = True
        self.journal = (
            self.path
            if self.format == "csv"
            else self.path.with_name(self.path.name + ".partial.csv")
        )
        self.sidecar = self.path.with_name(self.path.name + ".settings.json")
        self.claims_path = self.path.with_name(self.path.name + ".claims.sqlite")
        self.claims: WorkClaims | None = None
        self.space = space if space is not None else _space_named(self.settings.get("space"))

    def open(self) -> set[str]:
        """Prepare the journal; return the architecture texts it already holds.

        An existing output is checked before anything is written beside it: a file that is
        not this run's journal (other columns, or no ``.settings.json`` to say how it was
        computed), or one with a damaged row (what :func:`read_table` refuses, or an
        architecture text the space does not write), is refused and left as it is.
        """
        self._check_existing()
        make_folder(self.path.parent)
        try:
            self.claims = WorkClaims(self.claims_path, done=("done", "key"), on_stale=self._sync)
        except ValueError as err:
            raise ValueError(f"{err}; {self._claims_advice}") from None
        try:
            with self.claims.transaction() as conn:
                conn.execute(_DONE_SCHEMA)
                self._check_done_table(conn)
                self._check_settings()
                self._check_rows()
                self._prepare_journal()
                return self._sync(conn)
        except BaseException:
            self.claims.close()
            self.claims = None
            raise

    @property
    def _claims_advice(self) -> str:
        return (
            "it holds only the claims of running processes: delete it when no nasperf "
            f"proxies process is writing {self.path}"
        )

    def _check_done_table(self, conn: sqlite3.Connection) -> None:
        have = [r[1] for r in conn.execute("PRAGMA table_info(done)")]
        if have != ["key"]:
            raise ValueError(
                f"{self.claims_path}: its table 'done' has columns {have}, not nasperf's "
                f"['key']: not a claims file of nasperf proxies; {self._claims_advice}"
            )

    def _check_rows(self) -> None:
        """Every row already written, checked as :func:`read_table` checks a table (and the
        architecture texts against the space): a damaged output is refused, unchanged,
        naming the file and the line, rather than resumed (a resume would keep the bad row
        and add to it)."""
        try:
            if self.journal.exists():
                header, rows = _read_journal_readonly(self.journal)
                if header is not None:
                    _rows_to_frame(header, rows, self.journal, self.space)
            elif self.path.exists():  # a finished parquet output
                _read_table(self.path, self.space)
        except ValueError as err:
            raise ValueError(
                f"{err}; nasperf proxies does not resume a damaged output: correct or delete "
                "the row(s) named (or the whole output), or choose another --out"
            ) from None

    def claim(self, arch: str) -> bool:
        """Claim ``arch`` for this process; False if it is written or another live process
        is computing it."""
        assert self.claims is not None, "open() first"
        return self.claims.claim(arch)

    def _prepare_journal(self) -> None:
        """Under the write lock: a journal with our header and only complete lines."""
        if self.format == "parquet" and not self.journal.exists() and self.path.exists():
            # Extending a finished parquet output: its rows seed a new journal.
            done = _read_table(self.path, None)  # checked by open() (_check_rows)
            self._check_columns(["arch", *done.columns, REASONS_COLUMN])
            self.timed = True  # its rows are written again, in this version's columns
            _atomic_write(
                self.journal,
                "".join(
                    [_line(self.header), *_frame_to_lines(done, self.proxies, timed=True)]
                ).encode(),
            )
        header = None
        if self.journal.exists():
            header, _ = _read_journal(self.journal)
        if header is None:
            _atomic_write(self.journal, _line(self.header).encode())
        else:
            self._check_columns(header)

    def _sync(self, conn: sqlite3.Connection) -> set[str]:
        """Make the ``done`` table list exactly the journal's architectures; return them.
        (A process killed between writing a row and committing it leaves the row in the
        journal only.)"""
        texts: set[str] = set()
        if self.journal.exists():
            texts = {row[0] for row in _read_journal_readonly(self.journal)[1] if row}
        elif self.path.exists():
            texts = set(_read_table(self.path, None).index)
        conn.execute("DELETE FROM done")
        conn.executemany("INSERT INTO done (key) VALUES (?)", ((t,) for t in texts))
        return texts

    def _check_existing(self) -> None:
        """Refuse, without touching it, an existing output this run must not extend: one
        computed with other settings (its ``.settings.json``), a CSV whose header is not
        this run's, or rows whose settings are unknown (no sidecar: e.g. a journal copied
        without its ``.settings.json``, or a file that is no proxies table at all). A
        parquet output's columns are checked when it seeds a journal."""
        has_output = self.journal.exists() or self.path.exists()
        if self.sidecar.exists() and has_output:
            old = self._read_sidecar()
            diff = {
                k: (old.get(k), self.settings.get(k))
                for k in sorted(set(old) | set(self.settings))
                if old.get(k) != self.settings.get(k)
            }
            if diff:
                raise ValueError(
                    f"{self.path} was computed with other settings "
                    + ", ".join(f"{k}: {a!r} (file) != {b!r} (now)" for k, (a, b) in diff.items())
                    + "; choose another --out or delete it and its .settings.json"
                )
        if self.journal.exists():
            header, written = _first_line(self.journal)
            if header is not None:
                self._check_columns(header)
            if written and not self.sidecar.exists():
                self._unknown_settings(self.journal)
        elif self.path.exists() and not self.sidecar.exists():
            self._unknown_settings(self.path)

    def _unknown_settings(self, path: Path) -> None:
        raise ValueError(
            f"{path} exists but {self.sidecar.name} beside it does not, so the settings its "
            "rows were computed with (dataset, batch size, seed, images) are unknown and "
            "resuming could mix scores of different settings; choose another --out, or "
            "delete it if it is a nasperf proxies output"
        )

    def _read_sidecar(self) -> dict[str, Any]:
        try:
            old = json.loads(self.sidecar.read_bytes().decode("utf-8"))
        except (ValueError, RecursionError) as err:
            old, why = None, f"not JSON ({err})"
        else:
            why = f"not a JSON object of settings (got {type(old).__name__})"
        if not isinstance(old, dict):
            raise ValueError(
                f"{self.sidecar}: {why}; it records the settings of {self.path.name}: "
                "delete both, or choose another --out"
            )
        return old

    def _check_columns(self, header: Sequence[str]) -> None:
        """``header`` must be this output's (with time columns, or without them: an output
        of an earlier version, then resumed without them)."""
        legacy = ["arch", *self.proxies, REASONS_COLUMN]
        if list(header) == legacy:
            self.timed = False
            return
        if list(header) != self.header:
            raise ValueError(
                f"{self.path} has columns {list(header)}, not {self.header}: it was written "
                "for other proxies (or is not a proxies output); choose another --out or "
                "delete it"
            )

    def _check_settings(self) -> None:
        # Again under the lock (another writer may have started since open's first check),
        # then record a new output's settings.
        self._check_existing()
        if not (self.sidecar.exists() and (self.journal.exists() or self.path.exists())):
            text = json.dumps(self.settings, sort_keys=True, indent=1)
            _atomic_write(self.sidecar, (text + "\n").encode())

    def append(
        self,
        arch: str,
        scores: Mapping[str, tuple[float, str | None]],
        seconds: float | None = None,
    ) -> bool:
        """Write one architecture's row durably (one write, flush, fsync) unless the journal
        already holds it; drop any claim on it. ``seconds``: what its proxies took (None or
        NaN: unknown, an empty time cell). Returns whether the row was written."""
        assert self.claims is not None, "open() first"
        took = (math.nan if seconds is None else float(seconds)) if self.timed else None
        line = _row_line(arch, scores, self.proxies, seconds=took)
        with self.claims.transaction() as conn:
            if conn.execute("SELECT 1 FROM done WHERE key = ?", (arch,)).fetchone():
                conn.execute("DELETE FROM claims WHERE key = ?", (arch,))
                return False
            if not self.journal.exists():  # another process exported it to parquet
                self._prepare_journal()
            elif not _ends_with_newline(self.journal):
                # a writer died mid-line (a full disk, a kill during the write): cut its
                # partial line first, or this row would be glued to it
                _read_journal(self.journal)
            with open(self.journal, "a", encoding="utf-8", newline="") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            conn.execute("INSERT INTO done (key) VALUES (?)", (arch,))
            conn.execute("DELETE FROM claims WHERE key = ?", (arch,))
        return True

    def discard_if_unused(self) -> bool:
        """Remove this output (journal, settings, claims) if it holds no row and no other
        live process claims work on it: what a run that failed before its first row leaves
        would otherwise refuse the corrected rerun. Returns whether it was removed."""
        if self.claims is None:
            return False
        with self.claims.transaction() as conn:
            if self.claims.others_active(conn) or not self.journal.exists():
                return False
            if self.format == "parquet" and self.path.exists():
                return False
            if _read_journal_readonly(self.journal)[1]:
                return False
            self.journal.unlink()
            self.sidecar.unlink(missing_ok=True)
        self.claims.close()
        self.claims = None
        self.claims_path.unlink(missing_ok=True)
        return True

    def close(self, *, complete: bool) -> None:
        """Drop this process's claims; when ``complete``, export a parquet output (from the
        journal, which then goes) under the write lock."""
        if self.claims is None:
            return
        try:
            if complete and self.format == "parquet":
                with self.claims.transaction():
                    if self.journal.exists():
                        self._export()
        finally:
            self.claims.close()
            self.claims = None

    def _export(self) -> None:
        df = _read_table(self.journal, None)
        out = df.copy()
        if "seconds" in df.attrs:  # the journal's time columns, as it wrote them
            from nasperf.encodings.zero_cost import TIME_SUFFIX

            for p in self.proxies:
                share = np.asarray(df.attrs["seconds"], dtype=np.float64) / len(self.proxies)
                out[p + TIME_SUFFIX] = share
        out[REASONS_COLUMN] = [
            json.dumps(df.attrs["reasons"][a], sort_keys=True) if a in df.attrs["reasons"] else ""
            for a in df.index
        ]
        buf = io.BytesIO()
        out.reset_index().to_parquet(buf, index=False)
        _atomic_write(self.path, buf.getvalue())
        self.journal.unlink()
