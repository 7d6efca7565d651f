"""Crash-safe, resumable result files of ``nasperf proxies`` (CSV or parquet).

Rows are appended to a CSV *journal* one architecture at a time: one ``write`` of one
complete line, then ``flush`` and ``fsync``. A row counts only when its line ends with a
newline, so a process killed mid-write leaves at most one partial last line, which the next
open cuts off; every architecture before it is on disk. For a ``.csv`` output the journal
is the file itself; for ``.parquet`` it is ``<out>.partial.csv`` beside it, converted (temp
file, fsync, ``os.replace``) to the parquet file when the run completes, then removed.

Columns: ``arch``, one per proxy (floats written with ``repr``: exact round trip; ``nan``
where undefined), ``nan_reasons`` (JSON ``{proxy: reason}`` for the NaN ones, else empty).
A sidecar ``<out>.settings.json`` records what the scores depend on; resuming with other
settings is an error rather than a silently mixed file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REASONS_COLUMN = "nan_reasons"
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"output {path} must end in .csv or .parquet (got {path.suffix!r})")
    return fmt


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


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
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if not rows:
        return None, []
    return rows[0], rows[1:]


def _rows_to_frame(header: Sequence[str], rows: Sequence[Sequence[str]]) -> pd.DataFrame:
    if not header or header[0] != "arch":
        raise ValueError(f"not a nasperf proxies table: first column is not 'arch' ({header})")
    proxies = [c for c in header[1:] if c != REASONS_COLUMN]
    pos = {c: k for k, c in enumerate(header)}
    index, values, reasons = [], [], {}
    seen = set()
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"malformed row with {len(row)} fields, expected {len(header)}")
        arch = row[0]
        if arch in seen:
            continue
        seen.add(arch)
        index.append(arch)
        values.append([float(row[pos[p]]) for p in proxies])
        if REASONS_COLUMN in pos and row[pos[REASONS_COLUMN]]:
            reasons[arch] = json.loads(row[pos[REASONS_COLUMN]])
    df = pd.DataFrame(
        np.array(values, dtype=np.float64).reshape(len(index), len(proxies)),
        index=pd.Index(index, name="arch"),
        columns=proxies,
    )
    df.attrs["reasons"] = reasons
    return df


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or parquet proxies table as :func:`compute` returns it (reasons in ``attrs``)."""
    path = Path(path)
    if _format(path) == "csv":
        header, rows = _read_journal_readonly(path)
        if header is None:
            raise ValueError(f"{path} is empty")
        return _rows_to_frame(header, rows)
    raw = pd.read_parquet(path)
    if "arch" in raw.columns:
        raw = raw.set_index("arch")
    reasons = {}
    if REASONS_COLUMN in raw.columns:
        reasons = {a: json.loads(t) for a, t in raw[REASONS_COLUMN].items() if t}
        raw = raw.drop(columns=[REASONS_COLUMN])
    df = raw.astype(np.float64)
    df.index = pd.Index(list(df.index), name="arch")
    df.attrs["reasons"] = reasons
    return df


def _read_journal_readonly(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    data = path.read_bytes()
    data = data[: data.rfind(b"\n") + 1]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return (rows[0], rows[1:]) if rows else (None, [])


def _frame_to_lines(df: pd.DataFrame, proxies: Sequence[str]) -> list[str]:
    reasons = df.attrs.get("reasons", {})
    return [
        _row_line(
            arch,
            {p: (float(df.at[arch, p]), (reasons.get(arch) or {}).get(p)) for p in proxies},
            proxies,
        )
        for arch in df.index
    ]


def _row_line(
    arch: str, scores: Mapping[str, tuple[float, str | None]], proxies: Sequence[str]
) -> str:
    if "\n" in arch or "\r" in arch:
        raise ValueError(f"architecture text {arch!r} contains a line break")
    why = {p: scores[p][1] for p in proxies if math.isnan(scores[p][0]) and scores[p][1]}
    return _line(
        [
            arch,
            *(repr(float(scores[p][0])) for p in proxies),
            json.dumps(why, sort_keys=True) if why else "",
        ]
    )


class ResultsFile:
    """Append-only, resumable output of proxy scores.

    Parameters
    ----------
    path : Path
        ``.csv`` or ``.parquet`` output.
    proxies : sequence of str
        Score columns, in order.
    settings : mapping
        What the scores depend on (JSON); must match the sidecar of an existing output.
    """

    def __init__(self, path: Path, proxies: Sequence[str], settings: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.format = _format(self.path)
        self.proxies = list(proxies)
        self.settings = dict(settings)
        self.header = ["arch", *self.proxies, REASONS_COLUMN]
        self.journal = (
            self.path
            if self.format == "csv"
            else self.path.with_name(self.path.name + ".partial.csv")
        )
        self.sidecar = self.path.with_name(self.path.name + ".settings.json")
        self._fh = None

    def open(self) -> set[str]:
        """Prepare the journal; return the architecture texts it already holds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._check_settings()
        if self.format == "parquet" and not self.journal.exists() and self.path.exists():
            # Extending a finished parquet output: its rows seed a new journal.
            done = read_table(self.path)
            self._check_columns(["arch", *done.columns, REASONS_COLUMN])
            _atomic_write(
                self.journal,
                "".join([_line(self.header), *_frame_to_lines(done, self.proxies)]).encode(),
            )
        header, rows = (None, [])
        if self.journal.exists():
            header, rows = _read_journal(self.journal)
        if header is None:
            _atomic_write(self.journal, _line(self.header).encode())
            rows = []
        else:
            self._check_columns(header)
        self._fh = open(self.journal, "a", encoding="utf-8", newline="")
        return {row[0] for row in rows}

    def _check_columns(self, header: Sequence[str]) -> None:
        if list(header) != self.header:
            raise ValueError(
                f"{self.path} has columns {list(header)}, not {self.header}: it was written "
                "for other proxies; choose another --out or delete it"
            )

    def _check_settings(self) -> None:
        text = json.dumps(self.settings, sort_keys=True, indent=1)
        has_output = self.journal.exists() or self.path.exists()
        if self.sidecar.exists() and has_output:
            old = json.loads(self.sidecar.read_text())
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
        elif not self.sidecar.exists() or not has_output:
            _atomic_write(self.sidecar, (text + "\n").encode())

    def append(self, arch: str, scores: Mapping[str, tuple[float, str | None]]) -> None:
        """Write one architecture's row durably (one write, flush, fsync)."""
        assert self._fh is not None, "open() first"
        self._fh.write(_row_line(arch, scores, self.proxies))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self, *, complete: bool) -> None:
        """Close the journal; when ``complete``, export a parquet output and drop the journal."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if complete and self.format == "parquet":
            df = read_table(self.journal)
            out = df.copy()
            out[REASONS_COLUMN] = [
                json.dumps(df.attrs["reasons"][a], sort_keys=True)
                if a in df.attrs["reasons"]
                else ""
                for a in df.index
            ]
            buf = io.BytesIO()
            out.reset_index().to_parquet(buf, index=False)
            _atomic_write(self.path, buf.getvalue())
            self.journal.unlink()
