"""A user's table of a predictor study (a ``data:`` entry of the config), read one way for
every reader of it: the trials' source (:func:`~nasperf.evaluation.engines.load_source`)
and the config's check of whether it stores one result per network
(``config._per_network``). Both had read it, each its own way: the config every row as
written (an architecture given twice, which ``data.duplicates`` resolves, counted twice),
so its answer could differ from what the trials then split.

Every error is a ``ValueError`` naming the file (and the row and column where one cell is
the cause); :func:`~nasperf.evaluation.engines.load_source` raises it as a ``TrialError``.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["canonical_index", "named_columns", "numeric_column", "read_user_table"]


def named_columns(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The columns a user's table description names: ``(column, what it is, the keys that
    name it)`` for its target, cost column and budgets' learning-curve columns."""
    named = [(data["target"], "target column", "data.target, --data-target")]
    if data.get("cost_column"):
        named.append((data["cost_column"], "cost column", "data.cost_column, --cost-column"))
    for budget, cols in data.get("fidelities", {}).items():
        named += [(c, "learning-curve column", f"data.fidelities.{budget}") for c in cols]
    return named


def read_user_table(data: Mapping[str, Any]) -> pd.DataFrame:
    """The table of a study's ``data`` entry (as :func:`~nasperf.evaluation.config.parse_config`
    gives it: ``path``, ``format``, ``space``, ``dataset``, ``target``, ``arch_column``,
    ``duplicates``, ``missing_target``, ...), indexed by its architectures' canonical texts.

    A CSV or parquet table keeps the columns the entry names (:func:`named_columns`), each
    a finite float64 (a target cell missing where ``missing_target: skip``: NaN); a NASLib
    file keeps every column it has (its failure value and null scores NaN). An
    architecture given twice (two spellings of one) is an error, or keeps its first / last
    row (``duplicates``).

    Raises
    ------
    ValueError
        The file cannot be read, a named column is missing, a cell is not a finite number,
        an architecture does not parse or is given twice, a NASLib file holds several
        datasets and ``dataset`` chooses none: one message naming the file (and its row and
        column).
    OSError
        The file cannot be opened.
    """
    from nasperf.datasets import read_architecture_csv, read_naslib_zc

    path = Path(data["path"])
    fmt = data["format"]
    if fmt == "naslib_zc":
        # NASLib's failure value -1e8 and null scores become NaN: a NaN proxy ranks last,
        # a NaN target is refused with the other bad cells when the study checks them
        table = read_naslib_zc(path, space=data["space"], dataset=data["dataset"], nan="keep")
        if not table.index.is_unique:
            raise ValueError(
                f"{path}: the file holds several datasets {sorted(set(table['dataset']))}; "
                "set data.dataset (--data-dataset) to choose one"
            )
        return table
    wanted = list(dict.fromkeys(col for col, _, _ in named_columns(data)))
    if fmt == "csv":
        header = _csv_header(path)
        if header is not None:  # (else the reader says why it cannot read the file)
            _check_named_columns(path, data, header)
        return read_architecture_csv(
            path,
            data["space"],
            arch_column=data["arch_column"],
            targets=wanted,
            duplicates=data.get("duplicates", "error"),
            # missing target cells read as NaN: such an architecture is not a candidate
            optional=[data["target"]] if data.get("missing_target") == "skip" else [],
        )
    from nasperf.datasets.readers import MISSING_CELLS, read_parquet

    table = read_parquet(path)
    if data["arch_column"] in table.columns:
        table = table.set_index(data["arch_column"])
    _check_named_columns(path, data, list(table.columns))
    for col in wanted:
        # as read_architecture_csv reads a CSV's: every cell a finite number, or one error
        # naming the file, the row and the column (a text cell was dropped, a text curve
        # cell failed every trial at run time); missing target cells NaN where skipped
        ok: Callable[[np.ndarray], np.ndarray] = np.isfinite
        if col == data["target"] and data.get("missing_target") == "skip":
            cells = table[col]
            missing = cells.isna().to_numpy() | cells.map(
                lambda c: isinstance(c, str) and c.strip().lower() in MISSING_CELLS
            ).to_numpy(bool)
            ok = functools.partial(_finite_or, missing)
        values, bad, cell = numeric_column(table, col, ok)
        if len(bad):
            raise ValueError(
                f"{path} row {bad[0] + 1} ({table.index[bad[0]]!r}), column {col!r}: "
                f"{cell!r} is not a finite number ({len(bad)} such row(s))"
            )
        table[col] = values
    return canonical_index(table, data["space"], str(path), data.get("duplicates", "error"))


def canonical_index(
    table: pd.DataFrame, space_name: str, where: str, duplicates: str | None = None
) -> pd.DataFrame:
    """``table`` indexed by its architectures' canonical texts; an architecture given twice
    (two spellings of one) is a ``ValueError``, or keeps its ``first`` / ``last`` row (a
    study's ``data.duplicates``; None: a table without that choice)."""
    from nasperf.spaces import get_space

    space = get_space(space_name)
    keys = []
    for i, text in enumerate(table.index):
        try:
            keys.append(space.to_string(space.coerce(str(text).strip())))
        except ValueError as err:
            raise ValueError(f"{where} row {i}: {err}") from None
    out = table.copy()
    out.index = pd.Index(keys, name="arch")
    if not out.index.is_unique:
        if duplicates in ("first", "last"):
            return out[~out.index.duplicated(keep=duplicates)]
        dup = out.index[out.index.duplicated()][0]
        hint = (
            " (data.duplicates: first or last keeps one; --data-duplicates on the command line)"
            if duplicates == "error"
            else ""
        )
        raise ValueError(f"{where}: architecture {dup!r} appears twice{hint}")
    return out


def numeric_column(
    table: pd.DataFrame, col: Any, ok: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Column ``col`` as float64 (text cells NaN), the positions where ``ok`` fails, and the
    first such cell as it was written (None when there is none)."""
    values = pd.to_numeric(table[col], errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(~ok(values))
    cell = table[col].iloc[bad[0]] if len(bad) else None
    return values, bad, cell.item() if isinstance(cell, np.generic) else cell


def _finite_or(missing: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Where ``values`` are finite or the cell was ``missing``."""
    return np.isfinite(values) | missing


def _check_named_columns(path: Path, data: Mapping[str, Any], columns: Sequence[str]) -> None:
    """One error naming the first named column the table lacks and the key that named it
    (a CSV's reader had called a missing curve or cost column a "target column", and a
    parquet table's had failed every trial with a pandas KeyError)."""
    for col, what, keys in named_columns(data):
        if col not in columns:
            raise ValueError(f"{path}: no {what} {col!r} ({keys}); columns: {list(columns)}")


def _csv_header(path: Path) -> list[str] | None:
    """The column names of a CSV file's first line (None where it cannot be read: the
    reader then says why)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            line = fh.readline(1 << 20)
        return [h.strip() for h in next(csv.reader([line]))]
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration):
        return None
