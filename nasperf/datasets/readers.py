"""Readers for users' own architecture data: NASLib zero-cost JSON files and plain CSVs.

Both parse every architecture once, at the boundary, with the search space's own parser,
and index the result by the space's canonical text (``SearchSpace.to_string``), the same
index :func:`nasperf.datasets.load_benchmark` uses, so tables join on it directly.
Nothing here evaluates code: NASLib keys are parsed by the space's bounded grammar
(:mod:`nasperf.spaces.literal`), files are read as JSON / CSV.

Every value is checked where it is read, and a bad one is an error naming the file and the
line (CSV) or the key (JSON): a value that is not a number, NaN / inf / null, a missing field
or NASLib's failure value ``-1e8`` (unless ``nan="keep"``), an architecture that appears
twice, under one spelling or two (unless ``duplicates=`` says which to keep), an empty or
non-UTF-8 file, a file without data rows, a JSON key given twice in one object.

Sizes are bounded before anything large is built, so a small hostile file (a compression
bomb, a JSON list of millions of empty lists, a symlink to ``/dev/zero``) is one error naming
it, never a machine out of memory: files are read up to :data:`MAX_DECOMPRESSED_BYTES`
(JSON up to :data:`MAX_JSON_CHARS` characters holding at most :data:`MAX_JSON_VALUES`
values), CSVs up to :data:`MAX_CSV_FIELDS` fields, and only regular files are read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import numbers
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf.errors import InvalidArchitectureError, WrongSpaceError, as_path, short_repr
from nasperf.spaces import SearchSpace, get_space
from nasperf.spaces.literal import strict_float

__all__ = [
    "DUPLICATES",
    "MISSING_CELLS",
    "NAN_POLICIES",
    "NASLIB_FAILED",
    "NASLIB_SPACE_NAMES",
    "read_architecture_csv",
    "read_csv_header",
    "read_naslib_zc",
    "read_parquet",
    "read_table_file",
    "read_table_file_lines",
    "read_zero_cost_table",
    "table_stem",
]

#: The compressions the readers decompress (:func:`_read_bytes`), by suffix, as pandas
#: infers them: ``nb201.csv.gz`` is a CSV table.
COMPRESSION_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz")
#: ``duplicates=``: what to do with an architecture that appears twice (under any spelling).
DUPLICATES: tuple[str, ...] = ("error", "first", "last")
#: ``nan=``: what to do with NaN / inf (or JSON null) scores and targets.
NAN_POLICIES: tuple[str, ...] = ("error", "keep")

#: NASLib's search-space keys (top level of its zero-cost JSON) -> nasperf space names.
NASLIB_SPACE_NAMES: dict[str, str] = {
    "nasbench101": "nb101",
    "nasbench201": "nb201",
    "nasbench301": "nb301",
    "transbench101_micro": "tnb101_micro",
    "transbench101_macro": "tnb101_macro",
}
#: The score NASLib stores when a proxy failed on an architecture (e.g. EPE-NAS on a task
#: without class labels); read like NaN, under ``nan=`` (the packaged tables read it as NaN).
NASLIB_FAILED: float = -1e8
#: Columns ``read_naslib_zc`` adds to every row; a record field of the same name is refused.
_BOOKKEEPING: tuple[str, ...] = ("dataset", "naslib_key")


def _as_space(space: str | SearchSpace) -> SearchSpace:
    if isinstance(space, SearchSpace):
        return space
    return get_space(space)


def _space_for_naslib_key(key: str) -> SearchSpace:
    name = NASLIB_SPACE_NAMES.get(key, key)
    try:
        return get_space(name)
    except ValueError as err:
        raise ValueError(
            f"NASLib search space {key!r} (nasperf name {name!r}) is not available in nasperf "
            f"({err}); pass space=<a registered space> to parse its keys with another space"
        ) from err


def _check_policy(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {short_repr(value)}")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {short_repr(key)} appears twice in one JSON object")
        out[key] = value
    return out


#: Largest size read from one file, after decompression (``.gz`` / ``.bz2`` / ``.xz``): a
#: compression bomb is refused, not expanded into memory.
MAX_DECOMPRESSED_BYTES = 1 << 30
#: Largest JSON text read (bytes of UTF-8, after decompression). JSON is parsed whole; the
#: largest published NASLib zero-cost file, NAS-Bench-Suite-Zero's NB201 (15,625 cells x 3
#: datasets), is about 40 MB (46,875 records of ~850 bytes, as in its TransNAS-Bench-101
#: files: 4.1 MB for 4,977 records).
MAX_JSON_CHARS = 256 * 2**20
#: Most values (objects, arrays, strings, numbers, object keys) one JSON text may hold. A value
#: takes up to ~65 bytes parsed, whatever its text (``[],`` is 3 characters, an empty list 64
#: bytes), so this bounds the memory parsing takes (~1 GiB) where the text's length does not.
#: NAS-Bench-Suite-Zero's NB201 file holds about 4 M (every key's commas counted).
MAX_JSON_VALUES = 16 * 2**20
#: Most fields (cells, the header's included) read from one CSV file: about 80 columns for
#: each of NAS-Bench-101's 423,624 architectures, the largest table of a NAS benchmark, or
#: 2,000 per-epoch columns for each of NB201's 15,625 (NAS-Bench-Graph has 26,206); a field
#: takes ~60 bytes once read (~2 GiB at the bound).
MAX_CSV_FIELDS = 32 * 2**20
#: Longest CSV row (characters, its physical lines together), refused before it is split into
#: fields: far above any table's rows, and above one 10 MB cell, which ``csv`` refuses with
#: its field limit.
MAX_CSV_ROW_CHARS = 16 * 2**20


#: Most bytes of text (string and binary cells, as read) one parquet file may hold. Its
#: footer bounds rows x columns (checked against :data:`MAX_CSV_FIELDS`), but not what a
#: dictionary-encoded column expands to: one long string referenced by every row is stored
#: once and read once per row.
MAX_PARQUET_TEXT_BYTES = 1 << 30


def read_parquet(path: str | Path, *, max_cells: int = MAX_CSV_FIELDS) -> pd.DataFrame:
    """A parquet file as ``pd.read_parquet`` reads it, after checking from its footer that it
    holds at most ``max_cells`` cells and from its text columns, read still
    dictionary-encoded, that they expand to at most :data:`MAX_PARQUET_TEXT_BYTES`; a file
    that is not a regular file or not readable parquet is a ``ValueError`` naming it."""
    path = as_path(path, "path")
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    if not path.is_file():  # a folder, or a device such as /dev/zero that never ends
        raise ValueError(f"{path}: not a regular file (a folder, device or pipe); give a file")
    errors = (pa.ArrowException, OSError, ValueError, TypeError, KeyError, NotImplementedError)
    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except errors as err:
        raise ValueError(f"{path}: not a readable parquet file ({err})") from None
    rows, columns = meta.num_rows, meta.num_columns
    if rows * max(columns, 1) > max_cells:
        raise ValueError(
            f"{path}: {rows:,} rows x {columns:,} columns, more than {max_cells:,} cells; "
            "tables are read whole, so this many are refused"
        )
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary)
    kinds += (pa.types.is_large_binary,)

    def textual(t: Any) -> bool:  # a dictionary of texts too (written from pandas categoricals)
        t = t.value_type if pa.types.is_dictionary(t) else t
        return any(is_kind(t) for is_kind in kinds)

    text = [f.name for f in schema if textual(f.type)]
    try:
        over = _parquet_text_over(path, text, MAX_PARQUET_TEXT_BYTES) if text else None
    except errors as err:
        raise ValueError(f"{path}: not a readable parquet file ({err})") from None
    if over is not None:
        raise ValueError(
            f"{path}: its text columns expand to more than {_size(MAX_PARQUET_TEXT_BYTES)} "
            f"when read (at column {over!r}); refusing"
        )
    try:
        return pd.read_parquet(path)
    except errors as err:
        raise ValueError(f"{path}: not a readable parquet file ({err})") from None


def table_format(path: str | Path) -> str:
    """The format a table file's name says: ``"naslib_zc"`` for NASLib's zero-cost JSON
    (``.json``, compressed as :data:`COMPRESSION_SUFFIXES`), ``"parquet"``, else ``"csv"``
    (``.csv`` and its compressed names: the readers say what else they refuse). One rule
    for a study's ``data:`` and ``zero_cost_table`` and :func:`read_zero_cost_table`."""
    name = Path(path).name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(".json"):
        return "naslib_zc"
    return "parquet" if name.endswith(".parquet") else "csv"


def table_stem(path: str | Path) -> str:
    """A table file's name without its folder, its compression suffix
    (:data:`COMPRESSION_SUFFIXES`) and its format suffix: ``nb201`` for ``a/nb201.csv``,
    ``nb201.csv.gz`` and ``nb201.parquet`` alike (``Path.stem`` had kept ``nb201.csv`` of
    ``nb201.csv.gz``). A study's default source name (``data[i].name``)."""
    name = Path(path).name
    for suffix in COMPRESSION_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return Path(name).stem or name


def read_table_file(path: str | Path, arch_column: str = "arch") -> pd.DataFrame:
    """A table file (of :meth:`~nasperf.search.objective.TableObjective.from_file`, a
    zero-cost table: :func:`read_zero_cost_table`): a CSV (``.csv``, compressed as
    ``.csv.gz``, ``.csv.bz2``, ``.csv.xz``) or parquet file, read within this module's
    bounds (sizes are checked before pandas builds the frame), ``arch_column`` kept as text;
    every error names the file."""
    return read_table_file_lines(path, arch_column)[0]


def read_table_file_lines(
    path: str | Path, arch_column: str = "arch"
) -> tuple[pd.DataFrame, list[int] | None]:
    """:func:`read_table_file`'s table and the file line of each of its rows (1-based, as
    :func:`read_architecture_csv` names them: the line a row ends on, counting the header
    and blank lines, which pandas skips), so that an error in a cell can name the line a
    user opens; None for a parquet file, which has no lines."""
    path = as_path(path, "path")
    if not path.exists():
        raise FileNotFoundError(f"no such table file: {path}")
    if not path.is_file():  # a folder, or a device such as /dev/zero that never ends
        raise ValueError(f"{path}: not a regular file (a folder, device or pipe); give a file")
    suffixes = "".join(path.suffixes[-2:]).lower()
    if suffixes.endswith(".parquet"):
        table = read_parquet(path, max_cells=MAX_CSV_FIELDS)
        if arch_column not in table.columns and table.index.name == arch_column:
            table = table.reset_index()  # written from pandas with the architectures as index
        return table, None
    if not suffixes.endswith(tuple(".csv" + s for s in ("", *COMPRESSION_SUFFIXES))):
        raise ValueError(f"{path}: expected a .csv (.csv.gz, .csv.bz2, .csv.xz) or .parquet file")
    data = _read_bytes(path)  # decompressed up to its bound
    text = _decode(path, data)  # not UTF-8: the line
    if not text or text.isspace():  # (strip() would copy the text)
        raise ValueError(f"{path}: the file is empty (expected a header line)")
    # row length, field count, and every row as wide as the header: before pandas, which
    # shifts a row with a trailing comma into the next column (its first into the index)
    raw, lines = _csv_header_and_widths(text, str(path))
    del text
    names = [h.strip() for h in raw]
    try:
        # texts as written: a key of digits ("00120210") must not become the number 120210;
        # numbers as Python reads them (pandas' fast parser is off in the last bit)
        table = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8-sig",
            index_col=False,
            float_precision="round_trip",
            dtype={h: str for h, n in zip(raw, names, strict=True) if n == arch_column},
        )
    except ValueError as err:  # pandas' ParserError, EmptyDataError
        raise ValueError(f"{path}: not readable CSV ({err})") from None
    # names as the other readers take them (spaces around dropped; pandas' for empty ones)
    table.columns = [n or c for n, c in zip(names, table.columns, strict=True)]
    # (a row pandas reads otherwise than csv, which no test has found: no lines, not wrong ones)
    return table, lines if len(lines) == len(table) else None


def _parquet_text_over(path: Path, text: list[str], limit: int) -> str | None:
    """The text column of ``path`` at which the bytes its text columns take once read pass
    ``limit`` (None if they do not): read dictionary-encoded, each row counted at its
    dictionary entry's length, so the check costs the encoded size, not the expanded one."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    encoded = pq.read_table(path, columns=text, read_dictionary=text)
    total = 0
    for name in text:
        for chunk in encoded.column(name).chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)
                total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
            else:
                total += chunk.nbytes
        if total > limit:
            return name
    return None


def _read_at_most(fh: Any, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of ``fh``, in chunks: memory grows with what the file
    holds, not with ``limit`` (``fh.read(limit + 1)`` would reserve ``limit`` at once)."""
    buf = io.BytesIO()
    while (size := buf.tell()) <= limit:
        chunk = fh.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        buf.write(chunk)
    return buf.getvalue()


def _size(n: int) -> str:
    """A byte count for messages: ``"1024 MiB"``, or ``"1,000 bytes"`` under 1 MiB."""
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n:,} bytes"


def _read_bytes(path: Path, limit: int | None = None, why: str = "") -> bytes:
    """The bytes of ``path``, a regular file, decompressed by suffix (``.gz``, ``.bz2``,
    ``.xz``, as pandas infers them), at most ``limit`` of them (default
    :data:`MAX_DECOMPRESSED_BYTES`; ``why``: the reason for the limit, for the message);
    errors name the file."""
    import bz2
    import gzip
    import lzma

    if limit is None:
        limit = MAX_DECOMPRESSED_BYTES
    openers = dict(zip(COMPRESSION_SUFFIXES, (gzip.open, bz2.open, lzma.open), strict=True))
    opener = openers.get(path.suffix.lower())
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    if not path.is_file():  # a folder, or a device such as /dev/zero that never ends
        raise ValueError(f"{path}: not a regular file (a folder, device or pipe); give a file")
    if opener is None:
        with open(path, "rb") as fh:
            data = _read_at_most(fh, limit)
        if len(data) > limit:
            raise ValueError(f"{path}: larger than {_size(limit)}{why}; refusing")
        return data
    try:
        with opener(path, "rb") as fh:
            data = _read_at_most(fh, limit)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise ValueError(f"{path}: not a readable {path.suffix} file ({err})") from None
    if len(data) > limit:
        raise ValueError(f"{path}: decompresses to more than {_size(limit)}{why}; refusing")
    return data


def _read_text(path: Path, limit: int | None = None, why: str = "") -> str:
    """A UTF-8 text file (decompressed by suffix, at most ``limit`` bytes; a leading
    byte-order mark, as Excel's "CSV UTF-8" writes, dropped), with a ``ValueError`` naming the
    file for undecodable bytes."""
    return _decode(path, _read_bytes(path, limit, why))


def _decode(path: Path, data: bytes) -> str:
    """``data`` (of ``path``) as UTF-8 text, a leading byte-order mark dropped; undecodable
    bytes are a ``ValueError`` naming the file, line and offset."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as err:
        start = err.start + skip
        line = data[:start].count(b"\n") + 1
        raise ValueError(
            f"{path}: line {line}: not UTF-8 text (byte {data[start]:#04x} at offset {start})"
        ) from None


def _check_json_values(text: str, where: Any, advice: str = "") -> None:
    """A ``ValueError`` naming ``where`` when ``text`` may hold more than
    :data:`MAX_JSON_VALUES` values, before it is parsed. Every value or key but the first
    follows a ``[``, ``{``, ``,`` or ``:`` (whitespace aside), so their count (those inside
    strings too) bounds the values from above; ``advice`` ends the message."""
    count = 1
    for mark in "[{,:":
        count += text.count(mark)
        if count > MAX_JSON_VALUES:
            raise ValueError(
                f"{where}: JSON of more than {MAX_JSON_VALUES:,} values (objects, arrays, "
                "numbers, strings); JSON is parsed whole, each value taking memory"
                + (f"; {advice}" if advice else "")
            )


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, row)`` for each row of CSV ``text`` (``line``: where the row ends, as
    ``csv`` counts physical lines), read within bounds: a row longer than
    :data:`MAX_CSV_ROW_CHARS` is refused before ``csv`` splits it, a file past
    :data:`MAX_CSV_FIELDS` fields at the row that passes them; unreadable CSV too. Each is a
    ``ValueError`` naming ``name`` and the line."""
    used = 0  # characters of the row being read
    start = 1  # its first line

    def feed() -> Iterator[str]:
        # The lines as io.StringIO(text, newline="") gives them (ends kept: \r\n, \r, \n),
        # each cut at the row's budget, and without StringIO's copy of the text (4 bytes a
        # character).
        nonlocal used
        pos, size = 0, len(text)
        while pos < size:
            line = _LINE.match(text, pos, min(size, pos + MAX_CSV_ROW_CHARS + 1 - used))[0]
            pos += len(line)
            used += len(line)
            if used > MAX_CSV_ROW_CHARS:
                raise ValueError(
                    f"{name} line {start}: a row of more than {MAX_CSV_ROW_CHARS:,} "
                    "characters; refusing (is this a table?)"
                )
            yield line

    reader = csv.reader(feed())
    fields = 0
    while True:
        used, start = 0, reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise ValueError(f"{name} line {reader.line_num}: not readable CSV ({err})") from None
        fields += len(row)
        if fields > MAX_CSV_FIELDS:
            raise ValueError(
                f"{name} line {reader.line_num}: more than {MAX_CSV_FIELDS:,} fields in the "
                "file; tables are read whole, so this many are refused"
            )
        yield reader.line_num, row


def _header(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The first row of ``rows`` (:func:`_csv_rows`) that is not blank, as pandas takes the
    header after blank lines; [] where there is none."""
    for _, row in rows:
        if any(v.strip() for v in row):
            return row
    return []


def _csv_header_and_widths(text: str, name: str) -> tuple[list[str], list[int]]:
    """The header of CSV ``text`` as written and the line of each data row that pandas
    keeps (not a blank or whitespace-only line), after a :func:`_csv_rows` pass over every row
    (cells of any length within a row's bound, for pandas, which has no cell limit:
    ``csv``'s own, 128 KiB, is raised for the pass and restored) that refuses a column name given
    twice (once stripped of surrounding spaces; empty names aside) and a row of another
    width than the header (rows of empty cells aside), as :func:`read_architecture_csv`
    does: pandas had shifted a row with a trailing comma one column left, its first field
    into the index, and filled a short row with NaN."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_CSV_ROW_CHARS))
    try:
        rows = _csv_rows(text, name)
        header = _header(rows)
        named = [h.strip() for h in header if h.strip()]
        if len(set(named)) != len(named):
            raise ValueError(
                f"{name} line 1: a column name appears twice in {[h.strip() for h in header]}"
            )
        lines = []
        for line, row in rows:
            if len(row) != len(header) and any(v.strip() for v in row):
                # in pandas' words, which this reader's errors have always used
                raise ValueError(
                    f"{name}: not readable CSV (Expected {len(header)} fields in line {line}, "
                    f"saw {len(row)}; quote fields that hold commas)"
                )
            if len(row) > 1 or (row and row[0].strip()):  # pandas skips blank lines
                lines.append(line)
    finally:
        csv.field_size_limit(limit)
    return header, lines


def _check_csv_size(text: str, name: str) -> None:
    """:func:`_csv_rows` over ``text``, keeping no row: a file past its bounds (or not
    readable as CSV) fails here, before a reader stores its rows, so a small compressed
    file of millions of rows costs its text's memory, not its rows'. (The pandas reader's
    pass, with cells of any length, is :func:`_csv_header_and_widths`.)"""
    for _ in _csv_rows(text, name):
        pass


def _load_json(path_or_dict: str | Path | Mapping) -> tuple[Mapping, str]:
    """The JSON object and how to name it in errors (the file, or "data" for a mapping)."""
    if isinstance(path_or_dict, Mapping):
        return path_or_dict, "data"
    if not isinstance(path_or_dict, str | os.PathLike):
        raise TypeError(
            f"path_or_dict must be a path or a mapping, got {type(path_or_dict).__name__}"
        )
    path = as_path(path_or_dict, "path_or_dict")  # "" is refused (pathlib: the folder ".")
    text = _read_text(path, MAX_JSON_CHARS, " (JSON is parsed whole)")
    if not text or text.isspace():  # (strip() would copy the text)
        raise ValueError(f"{path}: the file is empty (expected a NASLib zero-cost JSON object)")
    _check_json_values(text, path)
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: line {err.lineno}: not valid JSON ({err.msg})") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply") from None
    except MemoryError:
        raise ValueError(f"{path}: JSON too large to parse in the memory available") from None
    except ValueError as err:  # a repeated key
        raise ValueError(f"{path}: {err}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    return data, str(path)


def _number(value: Any, where: str, nan: str) -> float:
    """A score / target as float: a number (not a bool); NaN, inf, null and NASLib's failure
    value (:data:`NASLIB_FAILED`) per ``nan``."""
    if value is None:
        v = math.nan
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: expected a number, got {short_repr(value)}")
    else:
        try:
            v = float(value)
        except OverflowError:  # an int beyond float range
            v = math.inf if value > 0 else -math.inf
    if v == NASLIB_FAILED:
        if nan == "error":
            raise ValueError(
                f"{where}: {short_repr(value)} is NASLib's failure value (the proxy failed on "
                "this architecture; pass nan='keep' to read it as NaN)"
            )
        return math.nan
    if not math.isfinite(v):
        if nan == "error":
            raise ValueError(
                f"{where}: {short_repr(value)} is not a finite number (pass nan='keep' to "
                "read NaN / inf / null as NaN)"
            )
        v = math.nan
    return v


def _is_failed(value: Any) -> bool:
    """Whether a raw score is NASLib's failure value."""
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and value == NASLIB_FAILED
    )


def _flatten_scores(
    values: Mapping[str, Any],
    where: str,
    nan: str,
    failed: dict[str, int] | None = None,
    origin: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One record's proxies; NAS-Bench-Suite-Zero's ``{"score": s, "time": t}`` -> s, ``<p>_time``.

    NAS-Bench-Suite-Zero's bookkeeping fields are not scores: ``arch`` (the key again) is
    dropped, ``idx`` (the benchmark index, an int or its text) becomes an int column. A field
    named like a bookkeeping column of :func:`read_naslib_zc` (``dataset``, ``naslib_key``),
    or like another field's ``<p>_time``, is refused. ``failed`` counts, per column, the
    scores that were NASLib's failure value; ``origin`` learns how a ``<p>_time`` column is
    spelled in the file (``p.time``), for messages.
    """
    row: dict[str, Any] = {}

    def put(column: str, value: float, spelled: str) -> None:
        if column in row:
            raise ValueError(
                f"{where}: field {spelled!r} gives column {column!r} a second time; rename one"
            )
        row[column] = value

    for name, value in values.items():
        if not isinstance(name, str):  # from a mapping given in memory
            raise ValueError(f"{where}: field names must be strings, got {short_repr(name)}")
        if name in _BOOKKEEPING:
            raise ValueError(
                f"{where}: field {name!r} would overwrite read_naslib_zc's own {name!r} column "
                "(the dataset / the key as written); rename the field in the file"
            )
        if name == "arch":
            continue
        if name == "idx":
            text = (
                str(value)
                if isinstance(value, int)
                and not isinstance(value, bool)
                and value.bit_length() < 60
                else value
            )
            if (
                not isinstance(text, str)
                or not text.isascii()
                or not text.isdigit()
                or len(text) > 18
            ):
                raise ValueError(
                    f"{where}: idx must be a non-negative int, got {short_repr(value)}"
                )
            put(name, int(text), name)
            continue
        if isinstance(value, Mapping):
            extra = sorted(set(value) - {"score", "time"})
            if "score" not in value or extra:
                raise ValueError(
                    f"{where}: field {name!r} must be a number or {{'score': s, 'time': t}}, "
                    f"got {short_repr(dict(value))}"
                )
            score = value["score"]
            put(name, _number(score, f"{where}: {name}.score", nan), name)
            if "time" in value:
                column = f"{name}_time"
                put(column, _number(value["time"], f"{where}: {name}.time", nan), f"{name}.time")
                if origin is not None:
                    origin[column] = f"{name}.time"
        else:
            score = value
            put(name, _number(value, f"{where}: {name}", nan), name)
        if failed is not None and _is_failed(score):
            failed[name] = failed.get(name, 0) + 1
    return row


def _resolve_duplicates(
    index: list[str], where: list[str], duplicates: str, groups: list[Any] | None = None
) -> list[int]:
    """Positions of the rows to keep: one per (group, architecture)."""
    first: dict[tuple[Any, str], int] = {}
    keep: dict[tuple[Any, str], int] = {}
    for i, arch in enumerate(index):
        k = (None if groups is None else groups[i], arch)
        if k in first:
            if duplicates == "error":
                raise ValueError(
                    f"{where[i]}: architecture {short_repr(arch)} already appears at "
                    f"{where[first[k]]} (duplicates='first' or 'last' keeps one; a study's "
                    "data.duplicates, --data-duplicates)"
                )
            if duplicates == "last":
                keep[k] = i
            continue
        first[k] = keep[k] = i
    return sorted(keep.values())


def _space_names(key: str) -> bool:
    """Whether a top-level key names a search space (NASLib's key or a registered name)."""
    from nasperf.spaces import SPACES

    return key in NASLIB_SPACE_NAMES or key in SPACES


def _dataset_spaces(keys: Sequence[str]) -> list[str]:
    """The spaces with a registered benchmark of which every one of ``keys`` names a dataset
    (case-insensitive, aliases accepted, as :func:`~nasperf.datasets.load_benchmark` reads
    them): candidates for a NASLib file written without the space level."""
    from .benchmark import available_benchmarks, get_benchmark

    out: set[str] = set()
    for name in available_benchmarks():
        bench = get_benchmark(name)
        try:
            for key in keys:
                bench.resolve_dataset(key)
        except ValueError:
            continue
        out.add(bench.space)
    return sorted(out)


def _naslib_name(space_name: str) -> str:
    """NASLib's key for a nasperf space (the space's own name if NASLib has none)."""
    for key, name in NASLIB_SPACE_NAMES.items():
        if name == space_name:
            return key
    return space_name


def _space_from_file_name(source: str) -> str | None:
    """The nasperf space named by a NASLib file name ``zc_<naslib space>.json[.gz]``."""
    stem = Path(source).name.split(".", 1)[0]
    if stem.startswith("zc_"):
        return NASLIB_SPACE_NAMES.get(stem[3:])
    return None


def _check_declared_space(top: str, space_obj: SearchSpace, space: Any, source: str) -> None:
    """Refuse to parse a file whose only top-level key is one of NASLib's spaces with another
    of NASLib's spaces (NB201 and TransNAS-Bench-101 micro keys share their format, so
    parsing cannot tell them apart); a user's own space may read any file."""
    declared = NASLIB_SPACE_NAMES.get(top)
    ours = space_obj.name
    if declared is None or declared == ours or ours not in NASLIB_SPACE_NAMES.values():
        return
    given = f"space={short_repr(space)}" if isinstance(space, str) else f"a {ours} space"
    raise WrongSpaceError(
        f"{source}: NASLib JSON of {top} architectures (nasperf space {declared!r}), but "
        f"{given} was given; pass space={declared!r} (or leave space= out)"
    )


def _naslib_top(
    top_keys: Sequence[str], space: str | SearchSpace | None, source: str
) -> tuple[str | None, SearchSpace]:
    """The space-level key of a NASLib file to read (None for a file without the space
    level, whose top-level keys are the datasets: NASLib's TransNAS-Bench-101 files) and the
    space that parses its keys, as :func:`read_naslib_zc` documents ``space=``."""
    top: str | None
    space_obj: SearchSpace | None = None
    if space is None:
        if not any(_space_names(k) for k in top_keys) and (spaces := _dataset_spaces(top_keys)):
            named = _space_from_file_name(source)
            if named is None or named not in spaces:
                raise ValueError(
                    f"{source}: the top level holds datasets {top_keys}, not search spaces "
                    "(NASLib's layout for TransNAS-Bench-101); choose the space with "
                    f"space=... (one of {spaces})"
                )
            space_obj = get_space(named)
            top = None
        elif len(top_keys) != 1:
            raise ValueError(
                f"{source}: holds several search spaces {top_keys}; choose one with space=..."
            )
        else:
            top = top_keys[0]
    else:
        space_obj = _as_space(space)
        wanted = {space_obj.name.lower()}
        if isinstance(space, str):
            wanted.add(space.lower())
        matches = [
            k for k in top_keys if k.lower() in wanted or NASLIB_SPACE_NAMES.get(k) in wanted
        ]
        if len(matches) == 1:
            top = matches[0]
        elif not matches and space_obj.name in _dataset_spaces(top_keys):
            top = None
        elif len(top_keys) == 1:
            _check_declared_space(top_keys[0], space_obj, space, source)
            top = top_keys[0]  # the file's single space, parsed with the space given
        else:
            others = [] if matches else _dataset_spaces(top_keys)
            hint = f" (they are datasets of {others})" if others else ""
            raise ValueError(
                f"{source}: no search space matching {space!r}; it holds {top_keys}{hint}"
            )
    if space_obj is None:
        assert top is not None
        space_obj = _space_for_naslib_key(top)
    return top, space_obj


def naslib_space(path_or_dict: str | Path | Mapping, space: str | SearchSpace | None = None) -> str:
    """The nasperf space whose architectures :func:`read_naslib_zc` reads from a NASLib
    zero-cost file (with the same ``space=``), without reading its records: e.g. to know
    before reading that a file holds NB101 specs, of which several may be one network.

    Raises
    ------
    ValueError
        As :func:`read_naslib_zc` for the file and its top level (unreadable, not JSON,
        empty, several spaces and no ``space=``, ...).
    """
    data, source = _load_json(path_or_dict)
    if not data:
        raise ValueError(f"{source}: NASLib zero-cost data is empty")
    return _naslib_top(list(data), space, source)[1].name


def read_naslib_zc(
    path_or_dict: str | Path | Mapping,
    space: str | SearchSpace | None = None,
    dataset: str | None = None,
    *,
    duplicates: str = "error",
    nan: str = "error",
) -> pd.DataFrame:
    """Read NASLib's zero-cost proxy JSON (NAS-Bench-Suite-Zero format).

    The file maps ``{naslib_space: {dataset: {arch_key: {proxy: value, ..., "val_accuracy":
    ...}}}}``, e.g. ``{"nasbench201": {"cifar10": {"(4, 3, 3, 3, 2, 3)": {"synflow": ...}}}}``.
    NASLib writes its TransNAS-Bench-101 files (``zc_transbench101_micro.json``,
    ``zc_transbench101_macro.json``) without the space level, ``{task: {arch_key: {...}}}``;
    they are read when ``space=`` names the space, or the file keeps NASLib's name
    ``zc_<naslib_space>.json``.

    Parameters
    ----------
    path_or_dict : path or mapping
        The JSON file, or its already-loaded content.
    space : str or SearchSpace, optional
        Which top-level entry to read (by NASLib key, e.g. ``"nasbench201"``, or nasperf
        name, e.g. ``"nb201"``) and the space that parses its keys. Needed only when the
        file holds several spaces or a space nasperf does not map by itself, or has no space
        level (then the top-level keys must be datasets of the space's benchmark). A file
        whose single space is one of NASLib's is not parsed with another of NASLib's spaces.
    dataset : str, optional
        Read only this dataset (case-insensitive); default all.
    duplicates : {"error", "first", "last"}
        An architecture that appears twice in one dataset (the same key twice, or two
        spellings of one architecture such as ``"(1, 2)"`` and ``"(1,2)"``): an error
        naming both keys (default), or keep the first / last of them.
    nan : {"error", "keep"}
        A score that is NaN, inf, null, NASLib's failure value ``-1e8`` (the proxy failed on
        the architecture), or a field that other records have and this one lacks: an error
        naming the key and field (default), or read it as NaN (columns are kept even where
        every value is NaN; ``attrs["naslib_failed"]`` counts the ``-1e8`` per column).

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, architecture), indexed by the space's architecture text
        (index name ``arch``; repeated across datasets); columns ``dataset``, ``naslib_key``
        (the key as written in the file) and one per field (proxies, ``val_accuracy``).
        Proxies stored as ``{"score", "time"}`` give ``<proxy>`` and ``<proxy>_time``.
        ``attrs["space"]`` is the nasperf space name, ``attrs["naslib_space"]`` NASLib's.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InvalidArchitectureError
        A key does not parse; its field names the file, space, dataset and key.
    ValueError
        The file's single space is one of NASLib's and ``space=`` another of them; the
        layout is not the one above, the space / dataset is unknown, a dataset holds no
        architectures, a value is not a number (or not finite, NASLib's failure value or
        missing, with ``nan="error"``), a field is named ``dataset`` or ``naslib_key``, an
        architecture appears twice (with ``duplicates="error"``), the file is empty, not
        UTF-8 or not JSON, not a regular file, or larger than the bounds of the module
        docstring; the message names the file and the key.
    """
    _check_policy("duplicates", duplicates, DUPLICATES)
    _check_policy("nan", nan, NAN_POLICIES)
    data, source = _load_json(path_or_dict)
    if not data:
        raise ValueError(f"{source}: NASLib zero-cost data is empty")
    top_keys = list(data)

    top, space_obj = _naslib_top(top_keys, space, source)

    per_dataset = data if top is None else data[top]
    level = "the file" if top is None else repr(top)
    if not isinstance(per_dataset, Mapping) or not all(
        isinstance(v, Mapping) for v in per_dataset.values()
    ):
        layout = (
            "{dataset: {arch_key: {field: value}}}"
            if top is None
            else f"{{{top!r}: {{dataset: {{arch_key: {{field: value}}}}}}}}"
        )
        raise ValueError(
            f"{source}: expected {layout}; {level} does not map dataset names to objects"
        )
    names = list(per_dataset)
    if not names:
        raise ValueError(f"{source}: {level} holds no datasets")
    if dataset is not None:
        if not isinstance(dataset, str):
            raise TypeError(f"dataset must be a string, got {short_repr(dataset)}")
        chosen = [d for d in names if d.lower() == dataset.lower()]
        if not chosen:
            raise ValueError(f"{source}: dataset {dataset!r} not in the file; available: {names}")
        names = chosen

    prefix = "" if top is None else f"{top}/"
    index: list[str] = []
    rows: list[dict[str, Any]] = []
    wheres: list[str] = []
    failed: dict[str, int] = {}
    origin: dict[str, str] = {}
    for ds in names:
        if not per_dataset[ds]:
            raise ValueError(f"{source}: {prefix}{ds} holds no architectures")
        for key, values in per_dataset[ds].items():
            where = f"{source}: {prefix}{ds}/{short_repr(key)}"
            if not isinstance(values, Mapping):
                raise ValueError(
                    f"{where}: expected an object of proxy values, got {short_repr(values)}"
                )
            try:
                arch = space_obj.from_naslib(key)
            except InvalidArchitectureError as err:
                raise InvalidArchitectureError(
                    f"key {short_repr(key)} (dataset {ds!r} of {source})",
                    key,
                    str(err),
                    space=space_obj.name,
                ) from err
            except NotImplementedError as err:
                raise ValueError(
                    f"search space {space_obj.name!r} cannot read NASLib keys: {err}"
                ) from err
            index.append(space_obj.to_string(arch))
            wheres.append(where)
            scores = _flatten_scores(values, where, nan, failed, origin)
            rows.append({"dataset": ds, "naslib_key": str(key), **scores})

    # A field some records lack would be a silent NaN in the frame: the nan policy decides.
    columns = list(dict.fromkeys(c for row in rows for c in row))
    if nan == "error":
        first = {c: next(i for i, r in enumerate(rows) if c in r) for c in columns}
        for i, row in enumerate(rows):
            missing = [c for c in columns if c not in row]
            if missing:
                c = missing[0]
                raise ValueError(
                    f"{wheres[i]}: no field {origin.get(c, c)!r} (as {wheres[first[c]]} has; "
                    f"missing here: {[origin.get(m, m) for m in missing]}); pass nan='keep' "
                    "to read missing fields as NaN"
                )

    keep = _resolve_duplicates(index, wheres, duplicates, [r["dataset"] for r in rows])
    if len(keep) < len(index):
        index = [index[i] for i in keep]
        rows = [rows[i] for i in keep]
    df = pd.DataFrame(rows, index=pd.Index(index, name="arch"), columns=columns)
    df.attrs = {
        "space": space_obj.name,
        "naslib_space": _naslib_name(space_obj.name) if top is None else top,
    }
    if failed:
        df.attrs["naslib_failed"] = failed
    return df


#: Cells of an ``optional`` column of :func:`read_architecture_csv` that mark a missing value
#: (compared in lower case): empty, and what pandas, R, Excel and Python write for one.
MISSING_CELLS = frozenset({"", "nan", "na", "n/a", "<na>", "#n/a", "null", "none"})


def read_csv_header(path: str | Path) -> list[str]:
    """The column names of a CSV file (``.csv``, ``.csv.gz``; a byte-order mark dropped,
    names stripped of surrounding spaces), read as :func:`read_architecture_csv` reads the
    file; every error names it."""
    path = as_path(path, "path")
    text = _read_text(path)
    if not text or text.isspace():
        raise ValueError(f"{path}: the file is empty (expected a header line)")
    return [h.strip() for h in _header(_csv_rows(text, path.name))]


def read_architecture_csv(
    path: str | Path,
    space: str | SearchSpace,
    arch_column: str = "arch",
    targets: Sequence[str] | str | None = None,
    *,
    duplicates: str = "error",
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV of architectures and measured targets.

    Parameters
    ----------
    path : path
        CSV file (UTF-8, with or without a byte-order mark) with a header line and at least
        one data row. Quote fields that contain commas (NASLib keys).
    space : str or SearchSpace
        The space whose ``coerce`` parses the architecture column (its native text or a
        NASLib key).
    arch_column : str
        Column holding the architectures.
    targets : str or sequence of str, optional
        Target columns to keep, each named once; default every other column. They must be
        numeric, finite and complete.
    duplicates : {"error", "first", "last"}
        An architecture on two lines (under one spelling or two): an error naming both lines
        (default), or keep the first / last of them.
    optional : sequence of str
        Target columns whose missing cells (empty, ``nan``, ``NA``, ``N/A``, ``null``, ...:
        :data:`MISSING_CELLS`) read as NaN, e.g. per-seed results where some architectures
        were trained with fewer seeds; their other cells must still be finite numbers.

    Returns
    -------
    pandas.DataFrame
        Indexed by the space's canonical architecture text (index name ``arch``, unique),
        the target columns as float64; ``attrs["space"]`` is the space name.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    InvalidArchitectureError
        An architecture does not parse; the field names the file line.
    ValueError
        The file is empty, not UTF-8 or not CSV, or has no data rows; a column is missing;
        ``targets`` names a column twice; a target cell is empty, not a number, NaN or inf
        (empty or NaN allowed in ``optional`` columns); an architecture appears twice; the
        file is not a regular file, or larger than :data:`MAX_DECOMPRESSED_BYTES`, or holds
        more than :data:`MAX_CSV_FIELDS` fields (the message names the file, line and
        column).
    TypeError
        ``path`` is not a path (an empty one is a ``ValueError``).
    """
    path = as_path(path, "path")
    _check_policy("duplicates", duplicates, DUPLICATES)
    space_obj = _as_space(space)
    text = _read_text(path)
    if not text or text.isspace():  # (strip() would copy the text)
        raise ValueError(f"{path}: the file is empty (expected a header line)")
    _check_csv_size(text, path.name)
    # csv (not pandas): a row with too many or too few fields is an error naming its line,
    # never a silently shifted column, and line numbers count physical lines.
    reader = _csv_rows(text, path.name)
    header = [h.strip() for h in _header(reader)]
    rows = []
    lines = []
    for line, row in reader:
        if not any(v.strip() for v in row):
            continue
        if len(row) != len(header):
            raise ValueError(
                f"{path.name} line {line}: {len(row)} fields, the header has "
                f"{len(header)} (quote fields that hold commas)"
            )
        rows.append(row)
        lines.append(line)
    if len(set(header)) != len(header):
        raise ValueError(f"{path.name} line 1: a column name appears twice in {header}")
    if arch_column not in header:
        raise ValueError(f"{path}: no architecture column {arch_column!r}; columns: {header}")
    if not rows:
        raise ValueError(f"{path}: no data rows after the header line (columns: {header})")
    if targets is None:
        targets = [c for c in header if c != arch_column]
    elif isinstance(targets, str):
        targets = [targets]
    elif isinstance(targets, set | frozenset):  # its order would set the columns' order
        raise ValueError(f"targets must be a column name or a list of them, got a set {targets!r}")
    else:
        targets = list(targets)
        twice = sorted({c for c in targets if targets.count(c) > 1})
        if twice:
            raise ValueError(f"targets name the columns {twice} more than once: {targets}")
    missing = [c for c in targets if c not in header]
    if missing:
        raise ValueError(f"{path}: target columns {missing} not found; columns: {header}")
    optional = {optional} if isinstance(optional, str) else set(optional)
    stray = sorted(c for c in optional if c not in targets)
    if stray:
        raise ValueError(f"optional columns {stray} are not among the targets {list(targets)}")

    col = header.index(arch_column)
    index: list[str] = []
    for row, line in zip(rows, lines, strict=True):
        cell = row[col]
        try:
            arch = space_obj.coerce(cell.strip())
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(
                f"{path.name} line {line}, column {arch_column!r}",
                cell,
                str(err),
                space=space_obj.name,
            ) from err
        index.append(space_obj.to_string(arch))

    out = {}
    for name in targets:
        k = header.index(name)
        values = []
        for row, line in zip(rows, lines, strict=True):
            cell = row[k]
            where = f"{path.name} line {line}, column {name!r}"
            if name in optional and cell.strip().lower() in MISSING_CELLS:
                values.append(math.nan)
                continue
            v = strict_float(cell)
            if v is None:
                if cell.strip() == "":
                    raise ValueError(f"{where}: missing target value ({cell!r})")
                raise ValueError(f"{where}: {short_repr(cell)} is not a number")
            if math.isnan(v):
                raise ValueError(f"{where}: missing target value ({cell!r})")
            if not math.isfinite(v):
                raise ValueError(f"{where}: {short_repr(cell)} is not a finite number")
            values.append(v)
        out[name] = values
    wheres = [f"{path.name} line {line}" for line in lines]
    keep = _resolve_duplicates(index, wheres, duplicates)
    df = pd.DataFrame(out, index=pd.Index(index, name="arch"), columns=list(targets))
    df = df.astype("float64").iloc[keep]
    df.attrs = {"space": space_obj.name}
    return df


def read_zero_cost_table(
    path: str | Path,
    space: str | SearchSpace,
    *,
    dataset: str | None = None,
    columns: Sequence[str] | None = None,
    arch_column: str = "arch",
    seconds: bool = False,
) -> pd.DataFrame:
    """A user's table of zero-cost proxy scores, as the predictors' ``zero_cost=`` side
    information takes it: indexed by ``space``'s canonical architecture text.

    The formats a study's ``zero_cost_table`` reads: NASLib's zero-cost JSON (``.json``,
    :func:`read_naslib_zc`; a failed proxy, ``-1e8``, reads as NaN), a CSV (``.csv``,
    ``.csv.gz``) or parquet file (:func:`read_table_file`) with the architectures in
    ``arch_column`` (texts or NASLib keys; a parquet file written from pandas with them as
    its index too) and one column per proxy, as ``nasperf proxies`` writes it (an empty
    cell is NaN: a proxy undefined on that network, which predictors rank last).

    Parameters
    ----------
    path : path
    space : str or SearchSpace
        The space whose ``coerce`` parses the architectures.
    dataset : str, optional
        The dataset whose scores to read from a NASLib JSON holding several
        (case-insensitive); a file of one dataset needs none. Not used for CSV / parquet
        (one table is one dataset's scores).
    columns : sequence of str, optional
        Columns that must be there and hold scores (e.g. a fitted predictor's
        ``uses_zero_cost_``): each cell a finite number, or missing (empty, ``nan``, ``NA``,
        ...: :data:`MISSING_CELLS`; read as NaN, a proxy undefined on that network); default:
        none checked.
    arch_column : str
        The architecture column of a CSV / parquet file.
    seconds : bool
        Read each proxy's ``<proxy>_time`` column (``nasperf proxies``' files, NASLib's
        ``{"score", "time"}`` records) as the seconds its scores took, moved into
        ``attrs["seconds_per_arch"]``
        (:func:`~nasperf.encodings.zero_cost.with_recorded_seconds`), what a study or a
        search charges for a score read from the table; default: they stay columns.

    Returns
    -------
    pandas.DataFrame
        One row per architecture (index name ``arch``, unique); ``attrs["source"]`` is the
        file's path, ``attrs["space"]`` the space name (and ``attrs["seconds_per_arch"]``
        where ``seconds`` reads time columns).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    InvalidArchitectureError
        An architecture does not parse (the field names the file and the line, row or
        key).
    ValueError
        A NASLib JSON of several datasets without ``dataset``; no ``arch_column``; an
        architecture on two rows; a column of ``columns`` missing, or a cell of one that is
        not a finite number (inf included); a time cell that is not a time in seconds
        (``seconds``); anything :func:`read_naslib_zc` / :func:`read_table_file` refuse.
        Every message names the file and, for a cell, where it is: the 1-based line of a
        CSV file as an editor counts it (header and blank lines included), the 1-based
        data row of a parquet file, the key (and dataset) of a NASLib JSON.
    """
    path = as_path(path, "path")
    space_obj = _as_space(space)
    if columns is not None and (
        isinstance(columns, str) or not all(isinstance(c, str) for c in columns)
    ):
        raise TypeError(f"columns must be a list of column names, got {short_repr(columns)}")
    json_file = table_format(path) == "naslib_zc"
    # where each row is in the file, for messages: the line a CSV row ends on (1-based, as
    # an editor counts them), a parquet file's data row (1-based), a NASLib key (a JSON file
    # is often one line: the key is what a user searches for)
    places: list[str]
    if json_file:
        table = read_naslib_zc(path, space=space_obj, dataset=dataset, nan="keep")
        datasets = list(dict.fromkeys(table["dataset"]))
        if len(datasets) > 1:
            raise ValueError(
                f"{path}: NASLib JSON of the datasets {datasets}, whose networks score "
                "differently on their images: say which one (dataset=, or --zero-cost-dataset)"
            )
        places = [
            f"key {short_repr(key)} of dataset {ds!r}"
            for key, ds in zip(table["naslib_key"], table["dataset"], strict=True)
        ]
        table = table.drop(columns=["dataset", "naslib_key"])
    else:
        raw, lines = read_table_file_lines(path, arch_column)
        if arch_column not in raw.columns:
            raise ValueError(
                f"{path}: no architecture column {arch_column!r} (its columns: "
                f"{[str(c) for c in raw.columns[:8]]})"
            )
        places = (
            [f"line {n}" for n in lines]
            if lines is not None
            else [f"row {i + 1}" for i in range(len(raw))]
        )
        keys = []
        for place, text in zip(places, raw[arch_column], strict=True):
            try:
                keys.append(space_obj.to_string(space_obj.coerce(str(text).strip())))
            except ValueError as err:
                reason = err.reason if isinstance(err, InvalidArchitectureError) else str(err)
                raise InvalidArchitectureError(
                    f"{path} {place}, column {arch_column!r}", text, reason, space=space_obj.name
                ) from None
        table = raw.drop(columns=[arch_column])
        table.index = pd.Index(keys, name="arch")
        if not table.index.is_unique:
            dup = table.index[table.index.duplicated()][0]
            first, second = (table.index == dup).nonzero()[0][:2]
            raise ValueError(
                f"{path} {places[second]}: architecture {dup!r} already appears at "
                f"{places[first]} (under one spelling or two)"
            )
    missing = [c for c in columns or () if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path}: no column {missing[0]!r}"
            + (f" (nor {missing[1:]})" if len(missing) > 1 else "")
            + f"; its columns: {[str(c) for c in table.columns[:12]]}"
        )
    for c in dict.fromkeys(columns or ()):
        values, bad = _scores(table[c])
        if bad is not None:
            cell = table[c].iloc[bad]
            cell = cell.item() if hasattr(cell, "item") else cell  # -inf, not np.float64(-inf)
            raise ValueError(
                f"{path} {places[bad]}, column {c!r} (architecture {table.index[bad]!r}): "
                f"{short_repr(cell)} is not a finite number"
            )
        table[c] = values
    table.attrs = {"space": space_obj.name, "source": str(path)}
    if seconds:
        from nasperf.encodings.zero_cost import with_recorded_seconds

        table = with_recorded_seconds(table, str(path), [f"{path} {p}" for p in places])
    return table


def _scores(column: pd.Series) -> tuple[np.ndarray | None, int | None]:
    """A column of proxy scores as float64 (missing cells, :data:`MISSING_CELLS`, NaN) and
    the position of its first cell that is neither a finite number nor missing (None if
    every one is; the values are then None)."""
    if pd.api.types.is_bool_dtype(column) and len(column):
        return None, 0  # True / False: no scores
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(np.float64)
        inf = np.flatnonzero(np.isinf(values))
        return values, int(inf[0]) if len(inf) else None
    values = np.empty(len(column), np.float64)
    for i, cell in enumerate(column):
        if isinstance(cell, str):
            v = math.nan if cell.strip().lower() in MISSING_CELLS else strict_float(cell)
        elif isinstance(cell, numbers.Real) and not isinstance(cell, bool):
            v = float(cell)
        else:
            v = math.nan if cell is None or cell is pd.NA else None
        if v is None or math.isinf(v):
            return None, i
        values[i] = v
    return values, None
