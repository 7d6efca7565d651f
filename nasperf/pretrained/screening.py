r"""Screening: rank many architectures from a file with a pre-trained checkpoint, streamed.

>>> import pathlib, tempfile
>>> import pandas as pd
>>> import nasperf
>>> from nasperf.pretrained import screen
>>> space = nasperf.get_space("nb201")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> lines = ["# my candidates", *(space.to_string(a) for a in space.sample(50, seed=0)), "oops"]
>>> _ = (folder / "candidates.txt").write_text("\n".join(lines) + "\n")
>>> ckpt = nasperf.pretrained.load("nb201-cifar10-tree")
>>> result = screen(ckpt, folder / "candidates.txt", top=10, out=folder / "ranked.csv")
>>> result.n_screened, [(b.where, b.error) for b in result.bad]  # doctest: +ELLIPSIS
(50, [('line 52', "nb201: invalid text = 'oops': must start and end with '|' ...")])
>>> ranked = pd.read_csv(folder / "ranked.csv")
>>> len(ranked), list(ranked.columns)
(10, ['rank', 'line', 'arch', 'prediction'])

Input formats (``format="auto"`` picks by the file name; ``.gz`` files are read compressed):

``lines`` (default)
    One architecture per line, in the space's text format or as a NASLib key text; blank
    lines and lines starting with ``#`` are skipped.
``csv`` (``*.csv``)
    A header row, then one architecture per row in column ``column`` (default: the first of
    ``arch``, ``architecture``, ``arch_str``, ``genotype``, ``spec``, ``naslib_key``,
    ``key`` present, else the first column).
``json`` (``*.json``)
    NASLib's zero-cost JSON (``{space: {dataset: {key: {...}}}}``; the architecture keys of
    every dataset, once each; a checkpoint of another NASLib space refuses it), a JSON
    object keyed by architectures, or a JSON list of architectures. Read whole (JSON cannot
    be streamed line by line), so at most ``MAX_JSON_CHARS`` (256 Mi) characters holding at
    most :data:`nasperf.datasets.readers.MAX_JSON_VALUES` (16 Mi) values, checked before
    parsing: its memory grows with the file, unlike the line-based formats.

Files are read as UTF-8 (a byte-order mark is skipped); a truncated or corrupt ``.gz`` file
is a ``ValueError`` naming it.

Entries that are not valid architectures are reported (:class:`BadEntry`: line number, text,
the parser's message) and skipped; screening goes on with the rest. Line-based files are read
and scored ``batch_size`` entries at a time, so their memory does not grow with the file: with
``top=K`` only the best ``K`` rows are kept; without it, every scored row goes to a
temporary file (8 bytes per number in memory: score, line, offset, standard deviation) and
the ranking is written from there.

Output: one row per architecture, best first (ties: earlier line first), columns ``rank``,
``line``, ``arch`` (as written in the input), ``prediction`` and, for predictors with
uncertainty, ``std``; written as CSV (atomically: temporary file, fsync, rename).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from nasperf._atomic import atomic_write, make_folder
from nasperf.errors import WrongSpaceError, as_path, short_repr

from .checkpoint import Checkpoint

if TYPE_CHECKING:  # pandas loads on first use: `nasperf screen --list` stays light
    import pandas as pd

    from nasperf.predictors import Predictor

__all__ = ["BadEntry", "ScreenResult", "WrongSpaceError", "read_architectures", "screen"]

FORMATS: tuple[str, ...] = ("auto", "lines", "csv", "json")
ARCH_COLUMNS: tuple[str, ...] = (
    "arch",
    "architecture",
    "arch_str",
    "genotype",
    "spec",
    "naslib_key",
    "key",
)
#: Malformed entries kept in :attr:`ScreenResult.bad` (all are counted).
MAX_BAD_KEPT = 1000


@dataclass(frozen=True, slots=True)
class BadEntry:
    """An input entry that is not a valid architecture.

    Attributes
    ----------
    line : int
        1-based line number in the file (for JSON input and Python sequences: 1-based
        position of the entry).
    text : str
        The entry as read (shortened to 200 characters).
    error : str
        Why it was refused (the parser's message).
    where : str
        ``"line N"`` or ``"entry N"``.
    """

    line: int
    text: str
    error: str
    where: str


@dataclass
class ScreenResult:
    """What :func:`screen` did.

    Attributes
    ----------
    checkpoint : str
    n_read : int
        Entries read (valid or not).
    n_screened : int
        Architectures scored.
    n_bad : int
        Malformed entries (skipped).
    bad : list of BadEntry
        The first :data:`MAX_BAD_KEPT` of them.
    ranking : DataFrame or None
        The ranked rows when no ``out`` file was given.
    out : Path or None
    seconds : float
        Wall time (reading, parsing, encoding, predicting, ranking, writing).
    """

    checkpoint: str
    n_read: int = 0
    n_screened: int = 0
    n_bad: int = 0
    bad: list[BadEntry] = field(default_factory=list)
    ranking: pd.DataFrame | None = None
    out: Path | None = None
    seconds: float = 0.0


#: Largest JSON input :func:`read_architectures` reads (characters, after decompression):
#: JSON is parsed whole, a NASLib file at about 5x its size in memory. NASLib's zero-cost JSON
#: of all NB201 cells on three datasets is well below it. Text of many tiny values (``[],``)
#: takes up to ~20x; :data:`nasperf.datasets.readers.MAX_JSON_VALUES` bounds those.
MAX_JSON_CHARS = 256 * 2**20


# ---------------------------------------------------------------- reading
def _open_text(path: Path):
    # Undecodable bytes become U+FFFD: such a line is reported as malformed, not fatal. A
    # byte-order mark at the start (written by some Windows editors) is skipped.
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def _guarded(path: Path, entries: Iterator[Any]) -> Iterator[Any]:
    """``entries``, with a damaged gzip stream (met while reading) turned into one
    ``ValueError`` naming the file."""
    import zlib

    try:
        yield from entries
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(f"{path}: truncated or corrupt gzip data ({err})") from None


def _detect(path: Path, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if fmt != "auto":
        return fmt
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    return {".csv": "csv", ".json": "json"}.get(last, "lines")


def read_architectures(
    path: str | Path, *, format: str = "auto", column: str | None = None
) -> Iterator[tuple[int, Any] | BadEntry]:
    """Entries of an architecture file, streamed: ``(line_number, text_or_key)`` each, or a
    :class:`BadEntry` for a row that holds no architecture at all (e.g. a CSV row without
    the architecture column). See the module docstring for the formats.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Unknown format, a CSV without a header or without ``column``, a JSON file that does
        not parse or has none of the layouts above; ``path`` is empty.
    TypeError
        ``path`` is not a path (``None``, a number, bytes).
    """
    return _read(as_path(path, "path"), format, column)


def _read(
    path: Path, format: str, column: str | None, declared: list[str] | None = None
) -> Iterator[tuple[int, Any] | BadEntry]:
    """:func:`read_architectures`; a NASLib JSON's space names go to ``declared``."""
    if not path.is_file():
        raise FileNotFoundError(f"architecture file {path} does not exist")
    fmt = _detect(path, format)
    _refuse_wide_encodings(path)
    if fmt == "lines":
        return _guarded(path, _read_lines(path))
    if fmt == "csv":
        return _guarded(path, _read_csv(path, column))
    return _guarded(path, _read_json(path, declared))


def _refuse_wide_encodings(path: Path) -> None:
    """One ``ValueError`` for a file in UTF-16 / UTF-32 (as Excel's "Unicode text" and
    Windows tools write): its first 4 KiB hold NUL bytes, which no architecture text has.
    Every line had been reported as a malformed entry of its own (``'\x00|\x00n...'``)."""
    import codecs
    import zlib

    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as fh:
            head = fh.read(4096)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(f"{path}: truncated or corrupt gzip data ({err})") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise ValueError(
            f"{path}: not UTF-8 text (it holds NUL bytes, as UTF-16 does); save it as UTF-8"
        )


def _bounded_lines(fh, too_long: dict[int, int]) -> Iterator[str]:
    """The lines of ``fh``, each read at most ``MAX_TEXT_LENGTH + 2`` characters at a time.

    A longer line (no architecture text is that long) is consumed in chunks without being
    held in memory, recorded in ``too_long`` (line number -> length) and yielded as ``"\\n"``.
    """
    from nasperf.spaces.literal import MAX_TEXT_LENGTH  # nasperf.spaces loads torch

    limit = MAX_TEXT_LENGTH + 2
    number = 0
    while True:
        raw = fh.readline(limit)
        if not raw:
            return
        number += 1
        if len(raw) == limit and not raw.endswith(("\n", "\r")):
            length = len(raw)
            while raw and not raw.endswith(("\n", "\r")):
                raw = fh.readline(1 << 16)
                length += len(raw)
            too_long[number] = length - (len(raw) - len(raw.rstrip("\r\n")))
            raw = "\n"
        yield raw


def _too_long(number: int, length: int) -> BadEntry:
    from nasperf.spaces.literal import MAX_TEXT_LENGTH

    return BadEntry(
        number,
        "",
        f"line of {length:,} characters; architecture text is at most {MAX_TEXT_LENGTH:,}",
        f"line {number}",
    )


def _read_lines(path: Path) -> Iterator[tuple[int, str] | BadEntry]:
    too_long: dict[int, int] = {}
    with _open_text(path) as fh:
        for number, raw in enumerate(_bounded_lines(fh, too_long), start=1):
            if number in too_long:
                yield _too_long(number, too_long[number])
                continue
            text = raw.strip()
            if text and not text.startswith("#"):
                yield number, text


def _read_csv(path: Path, column: str | None) -> Iterator[tuple[int, str] | BadEntry]:
    too_long: dict[int, int] = {}
    fh = _open_text(path)
    with fh:
        reader = csv.reader(_bounded_lines(fh, too_long))
        try:
            header = next(reader, None)
        except csv.Error as err:
            raise ValueError(f"{path}: line 1: unreadable CSV header ({err})") from None
        if header is None:
            raise ValueError(f"{path}: empty CSV file (expected a header row)")
        if 1 in too_long:
            raise ValueError(f"{path}: line 1: header of {too_long[1]:,} characters")
        names = [h.strip() for h in header]
        if len(names) == 1 and (sep := next((s for s in ";\t" if s in names[0]), None)):
            raise ValueError(
                f"{path}: line 1: the header {short_repr(names[0])} is one field: nasperf reads "
                f"comma-separated files, and this one looks {sep!r}-separated"
            )
        if column is not None:
            if column not in names:
                raise ValueError(f"{path}: no column {column!r}; the header has {names}")
            col = names.index(column)
        else:
            lower = [n.lower() for n in names]
            col = next((lower.index(c) for c in ARCH_COLUMNS if c in lower), 0)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:  # e.g. a field over csv's size limit: skip the row
                number = reader.line_num
                yield BadEntry(number, "", f"malformed CSV row ({err})", f"line {number}")
                continue
            number = reader.line_num
            if number in too_long:
                yield _too_long(number, too_long[number])
                continue
            if not row or not any(v.strip() for v in row):
                continue
            if col >= len(row) or not row[col].strip():
                yield BadEntry(
                    number,
                    ",".join(row)[:200],
                    f"no architecture in column {names[col]!r}",
                    f"line {number}",
                )
                continue
            yield number, row[col].strip()


def _read_json(path: Path, declared: list[str] | None = None) -> Iterator[tuple[int, Any]]:
    from nasperf.datasets.readers import NASLIB_SPACE_NAMES, _check_json_values

    advice = (
        "give this many architectures one per line (format 'lines') or as CSV, which are streamed"
    )
    with _open_text(path) as fh:
        text = fh.read(MAX_JSON_CHARS + 1)
        if len(text) > MAX_JSON_CHARS:
            raise ValueError(
                f"{path}: JSON of more than {MAX_JSON_CHARS:,} characters; JSON is read "
                f"whole, so {advice}"
            )
        # the values, not the characters, take the memory: ``[],`` is 64 bytes parsed
        _check_json_values(text, path, advice)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from err
        except RecursionError:
            raise ValueError(f"{path}: JSON nested too deeply") from None
        except MemoryError:
            raise ValueError(
                f"{path}: JSON too large to parse in the memory available; {advice}"
            ) from None
        del text
    if isinstance(data, list):
        keys = [tuple(k) if isinstance(k, list) else k for k in data]
    elif isinstance(data, dict) and data and set(data) <= set(NASLIB_SPACE_NAMES):
        seen: dict[str, None] = {}
        for per_dataset in data.values():
            if not isinstance(per_dataset, dict):
                raise ValueError(f"{path}: NASLib JSON without {{dataset: {{arch: ...}}}}")
            for archs in per_dataset.values():
                if not isinstance(archs, dict):
                    raise ValueError(f"{path}: NASLib JSON without {{dataset: {{arch: ...}}}}")
                seen.update(dict.fromkeys(archs))
        keys = list(seen)
        if declared is not None:
            declared.extend(NASLIB_SPACE_NAMES[k] for k in data)
    elif isinstance(data, dict):
        keys = list(data)
    else:
        raise ValueError(f"{path}: expected a JSON list or object of architectures")
    yield from enumerate(keys, start=1)


# ---------------------------------------------------------------- ranking
class _TopK:
    """The ``k`` best rows seen so far (numpy arrays; texts kept for those rows only); the
    best is the highest score, or the lowest with ``sign=-1``."""

    def __init__(self, k: int, sign: float = 1.0) -> None:
        self.k = k
        self.sign = sign
        self.score = np.empty(0)
        self.line = np.empty(0, dtype=np.int64)
        self.std: np.ndarray | None = None
        self.text: list[str] = []

    def add(self, line, text, score, std) -> None:
        s = np.concatenate([self.score, score])
        ln = np.concatenate([self.line, line])
        sd = (
            None if std is None else np.concatenate([self.std if self.std is not None else [], std])
        )
        t = self.text + text
        keep = np.lexsort((ln, -self.sign * s))[: self.k]
        self.score, self.line = s[keep], ln[keep]
        self.std = None if sd is None else sd[keep]
        self.text = [t[i] for i in keep]

    def rows(self) -> Iterator[tuple[int, str, float, float | None]]:
        for i in range(len(self.score)):
            yield (
                int(self.line[i]),
                self.text[i],
                float(self.score[i]),
                None if self.std is None else float(self.std[i]),
            )

    def close(self) -> None:
        pass


class _Spill:
    """Every row: numbers in memory, texts in a temporary file read back in rank order
    (highest score first, or lowest with ``sign=-1``)."""

    def __init__(self, folder: Path | None, sign: float = 1.0) -> None:
        self.sign = sign
        self.file = tempfile.TemporaryFile(dir=folder)
        self.pos = 0
        self.parts: dict[str, list[np.ndarray]] = {"score": [], "line": [], "off": [], "std": []}

    def add(self, line, text, score, std) -> None:
        blobs = [t.encode("utf-8", "surrogatepass") for t in text]
        lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
        offsets = self.pos + np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.file.write(b"".join(blobs))
        self.pos += int(lengths.sum())
        self.parts["score"].append(np.asarray(score, dtype=np.float64))
        self.parts["line"].append(np.asarray(line, dtype=np.int64))
        self.parts["off"].append(offsets)
        if std is not None:
            self.parts["std"].append(np.asarray(std, dtype=np.float64))

    def rows(self) -> Iterator[tuple[int, str, float, float | None]]:
        if not self.parts["score"]:
            return
        score = np.concatenate(self.parts["score"])
        line = np.concatenate(self.parts["line"])
        off = np.concatenate(self.parts["off"])
        std = np.concatenate(self.parts["std"]) if self.parts["std"] else None
        self.parts = {k: [] for k in self.parts}
        end = np.append(off[1:], self.pos)  # rows were written in order: next offset = end
        self.file.flush()
        for i in np.lexsort((line, -self.sign * score)):
            self.file.seek(int(off[i]))
            text = self.file.read(int(end[i] - off[i])).decode("utf-8", "surrogatepass")
            yield int(line[i]), text, float(score[i]), None if std is None else float(std[i])

    def close(self) -> None:
        self.file.close()


# ---------------------------------------------------------------- writing
def _write_csv(path: Path, rows: Iterable[tuple], with_std: bool) -> None:
    """Ranked rows to ``path`` atomically (temporary file in the same folder, fsync, rename)."""
    make_folder(path.parent)
    with atomic_write(path, "w", newline="", encoding="utf-8") as fh:
        _write_rows(fh, rows, with_std)


def _write_rows(fh: io.TextIOBase, rows: Iterable[tuple], with_std: bool) -> None:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(["rank", "line", "arch", "prediction", *(["std"] if with_std else [])])
    for rank, (line, text, score, std) in enumerate(rows, start=1):
        writer.writerow([rank, line, text, repr(score), *([repr(std)] if with_std else [])])


# ---------------------------------------------------------------- screening
def _chunks(items: Iterable[Any], size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def screen(
    checkpoint: Checkpoint | str | Predictor,
    archs: str | Path | Iterable[Any],
    *,
    top: int | None = None,
    out: str | Path | TextIO | None = None,
    format: str = "auto",
    column: str | None = None,
    batch_size: int = 8192,
    on_bad: Callable[[BadEntry], None] | None = None,
    maximize: bool = True,
    zero_cost: pd.DataFrame | str | Path | None = None,
    zero_cost_dataset: str | None = None,
) -> ScreenResult:
    """Rank architectures by a checkpoint's predictions, best first: the highest
    prediction, or with ``maximize=False`` the lowest (a predictor you fitted on a latency,
    an energy or a loss).

    Parameters
    ----------
    checkpoint : Checkpoint, str or Predictor
        A loaded checkpoint, a packaged checkpoint's name, or a predictor you fitted on
        architectures of any space (wrapped with :meth:`Checkpoint.from_predictor`).
    archs : path or iterable
        An architecture file (see the module docstring for formats), or architectures in
        memory (values, texts or NASLib keys).
    top : int, optional
        Keep only the best ``top`` rows (memory bounded by ``top``).
    out : path or text stream, optional
        Write the ranking there (CSV; a path is written atomically); otherwise it is
        returned as ``result.ranking``.
    format, column
        How to read a file (see :func:`read_architectures`).
    batch_size : int
        Entries parsed, encoded and predicted at once.
    on_bad : callable, optional
        Called with each :class:`BadEntry` as it is found (e.g. to print it).
    maximize : bool
        Whether a higher prediction is better (True; every packaged checkpoint predicts
        accuracy). False ranks the lowest first (``nasperf screen --minimize``).
    zero_cost : DataFrame or path, optional
        For a predictor you fitted with ``zero_cost=TABLE``: the zero-cost scores of the
        architectures to rank (the columns it was fitted on), as a table indexed by
        architecture text or a NASLib JSON, CSV or parquet file
        (:func:`nasperf.datasets.readers.read_zero_cost_table`; ``nasperf screen
        --zero-cost FILE``). A table without a fitted column, or without a row for an
        architecture to rank, is a ``ValueError`` naming the file and the column /
        architecture. A packaged checkpoint reads its own packaged table, and a predictor
        fitted with proxies it computed computes them again (cached): neither takes one.
    zero_cost_dataset : str, optional
        Which dataset's scores to read from a NASLib JSON ``zero_cost`` file of several.

    Returns
    -------
    ScreenResult

    Raises
    ------
    TypeError
        ``archs`` is neither a path nor an iterable (``None``, a number, bytes), or ``out``
        neither a path nor a text stream; an empty path is a ``ValueError``. Checked
        before the checkpoint is loaded or anything is written.
    """
    start = time.perf_counter()
    archs_path = None
    if isinstance(archs, str | os.PathLike):
        archs_path = as_path(archs, "archs")
    elif isinstance(archs, bytes | bytearray) or not isinstance(archs, Iterable):
        raise TypeError(
            "archs must be an architecture file's path (str or os.PathLike) or an iterable "
            f"of architectures, got {type(archs).__name__} {short_repr(archs)}"
        )
    stream = out if hasattr(out, "write") else None
    out_path = None
    if out is not None and stream is None:
        if not isinstance(out, str | os.PathLike):
            raise TypeError(
                "out must be a path (str or os.PathLike) or a text stream, "
                f"got {type(out).__name__} {short_repr(out)}"
            )
        out_path = as_path(out, "out")
    source = archs_path if archs_path is not None else archs  # what messages name
    if zero_cost is not None and isinstance(checkpoint, str | Checkpoint):
        label = checkpoint if isinstance(checkpoint, str) else checkpoint.name
        raise ValueError(
            f"zero_cost is for a predictor you fitted with zero-cost scores; checkpoint "
            f"{label!r} reads its own (packaged or given to Checkpoint.from_predictor)"
        )
    if isinstance(checkpoint, str):
        from .checkpoint import load

        checkpoint = load(checkpoint)
    elif not isinstance(checkpoint, Checkpoint):
        from nasperf.predictors import Predictor

        if not isinstance(checkpoint, Predictor):
            raise TypeError(
                "checkpoint must be a Checkpoint, a packaged checkpoint's name or a fitted "
                f"predictor, got {type(checkpoint).__name__}"
            )
        checkpoint = Checkpoint.from_predictor(
            checkpoint, zero_cost=zero_cost, zero_cost_dataset=zero_cost_dataset
        )
    from nasperf.spaces import check_positive_ints

    check_positive_ints(**({} if top is None else {"top": top}), batch_size=batch_size)
    from nasperf.errors import check_flag

    sign = 1.0 if check_flag(maximize, "maximize") else -1.0
    top = None if top is None else int(top)
    batch_size = int(batch_size)
    declared: list[str] = []  # the spaces a NASLib JSON names
    if archs_path is not None:
        entries: Iterable[Any] = _read(archs_path, format, column, declared)
        noun = "entry" if _detect(archs_path, format) == "json" else "line"
    else:
        entries = enumerate(archs, start=1)
        noun = "entry"
    if (
        out_path is not None
        and archs_path is not None
        and out_path.exists()
        and os.path.samefile(out_path, archs_path)
    ):
        raise ValueError(
            f"out {out_path} is the architecture file itself: the ranking would overwrite "
            "the architectures; write it to another file"
        )
    if out_path is not None:  # with or without top (the spill file goes beside it)
        make_folder(out_path.parent)
    result = ScreenResult(checkpoint=checkpoint.name, out=out_path)
    with_std = checkpoint.has_uncertainty
    ranker: _TopK | _Spill = (
        _TopK(top, sign) if top is not None else _Spill(out_path.parent if out_path else None, sign)
    )

    held: list[BadEntry] | None = []  # the first batch's, until it is known to be usable

    def bad(entry: BadEntry) -> None:
        if held is not None:
            held.append(entry)
            return
        result.n_bad += 1
        if len(result.bad) < MAX_BAD_KEPT:
            result.bad.append(entry)
        if on_bad is not None:
            on_bad(entry)

    try:
        for chunk in _chunks(entries, batch_size):
            lines, items = [], []
            for entry in chunk:
                result.n_read += 1
                if isinstance(entry, BadEntry):
                    bad(entry)
                else:
                    lines.append(entry[0])
                    items.append(entry[1])
            values, positions, errors = checkpoint.coerce(items)
            for i, msg in errors:
                text = items[i] if isinstance(items[i], str) else str(items[i])
                bad(BadEntry(lines[i], text[:200], msg, f"{noun} {lines[i]}"))
            if held is not None:
                _check_declared(checkpoint, declared, source)
                if not values and errors:
                    # nothing of the first batch parsed: one error for a file of another
                    # space, rather than one per line
                    _check_space(checkpoint, [items[i] for i, _ in errors], source)
                pending, held = held, None
                for entry in pending:
                    bad(entry)
            if not values:
                continue
            mu, sd = checkpoint.predict_values(values, std=with_std)
            texts = [
                items[i] if isinstance(items[i], str) else _arch_text(checkpoint, v)
                for i, v in zip(positions, values, strict=True)
            ]
            ranker.add(np.asarray(lines, dtype=np.int64)[positions], texts, mu, sd)
            result.n_screened += len(values)
        if out_path is not None:
            _write_csv(out_path, ranker.rows(), with_std)
        elif stream is not None:
            _write_rows(stream, ranker.rows(), with_std)
        else:
            cols = ["line", "arch", "prediction", "std"]
            import pandas as pd

            frame = pd.DataFrame(list(ranker.rows()), columns=cols)
            if not with_std:
                frame = frame.drop(columns="std")
            frame.insert(0, "rank", np.arange(1, len(frame) + 1))
            result.ranking = frame
    finally:
        ranker.close()
    result.seconds = time.perf_counter() - start
    return result


def _check_space(checkpoint: Checkpoint, items: list[Any], source: Any, sample: int = 20) -> None:
    """Raise :class:`WrongSpaceError` when the first ``sample`` of ``items`` (entries the
    checkpoint's space refused) all parse in one other registered space."""
    from nasperf.spaces import SPACES, get_space

    probe = [t.strip() if isinstance(t, str) else t for t in items[:sample]]
    for name in SPACES.names(aliases=False):
        try:
            space = get_space(name)
        except (ValueError, TypeError):  # a user's space that cannot be made: not a candidate
            continue
        if space.name == checkpoint.space.name:
            continue
        try:
            for item in probe:
                space.coerce(item)
        except (ValueError, TypeError):
            continue
        where = f"{source}: " if isinstance(source, str | Path) else ""
        fits = _checkpoints_for([space.name])
        raise WrongSpaceError(
            f"{where}these are {space.name} architectures (the first {len(probe)} parse as "
            f"{space.name}, none as {checkpoint.space.name}), but checkpoint "
            f"{checkpoint.name!r} is for {checkpoint.space.name}{fits}"
        )


def _check_declared(checkpoint: Checkpoint, declared: list[str], source: Any) -> None:
    """Raise :class:`WrongSpaceError` when a NASLib JSON names only spaces other than the
    checkpoint's, and the checkpoint's is one of NASLib's (NB201 and TransNAS-Bench-101
    micro cells share their key format, so parsing cannot tell them apart; a user's own
    space is left to parsing)."""
    from nasperf.datasets.readers import NASLIB_SPACE_NAMES

    ours = checkpoint.space.name
    if not declared or ours in declared or ours not in NASLIB_SPACE_NAMES.values():
        return
    raise WrongSpaceError(
        f"{source}: NASLib JSON of {', '.join(sorted(set(declared)))} architectures, but "
        f"checkpoint {checkpoint.name!r} is for {ours}{_checkpoints_for(declared)}"
    )


def _checkpoints_for(spaces: list[str]) -> str:
    from .checkpoint import available

    table = available()
    names = list(table.index[table["space"].isin(spaces)])
    return (
        f"; checkpoints for {', '.join(sorted(set(spaces)))}: {', '.join(names)}" if names else ""
    )


def _arch_text(checkpoint: Checkpoint, value: Any) -> str:
    return checkpoint.space.to_string(value)
