"""The command lines' argument parser: errors are one line, ``prog: error: ...``, exit 2."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import NoReturn

__all__ = [
    "ArgumentParser",
    "add_direction_flags",
    "add_duplicates_flag",
    "fail",
    "one_line_warnings",
    "path_arg",
]


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose usage errors are one line on stderr (no usage
    block), exit status 2; sub-command parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def path_arg(text: str) -> str:
    """The ``type=`` of every path option: ``text`` with a leading ``~`` / ``~user``
    expanded. The shell expands ``--out ~/x`` but not ``--out=~/x``, which would otherwise
    make a folder literally named ``~`` (and a writer that expands it would write elsewhere).
    """
    return os.path.expanduser(text)


def fail(prog: str, message: object, code: int = 2) -> int:
    """Print ``prog: error: message`` (its first line) on stderr; return ``code``."""
    lines = str(message).strip().splitlines() or [type(message).__name__]
    print(f"{prog}: error: {lines[0]}", file=sys.stderr)
    return code


@contextlib.contextmanager
def one_line_warnings(prog: str) -> Iterator[None]:
    """Within a command, a warning shown is one line, ``prog: warning: message``: a Python
    warning had printed the library's file and line, then that line's source
    (``/.../nasperf/search/study.py:1630: UserWarning: ...`` and ``  trials = ...``). Only
    the format changes (a :class:`~nasperf.errors.StudyNote` reads ``prog: note: message``) (``warnings.formatwarning``): which warnings are shown, and how
    often, is still the ``warnings`` filters' call, and ``catch_warnings(record=True)``
    (``pytest.warns``) still records them; library use keeps Python's format."""
    previous = warnings.formatwarning

    from nasperf.errors import StudyNote

    def one_line(message, category, filename, lineno, line=None) -> str:
        first = (str(message).strip().splitlines() or [category.__name__])[0]
        kind = "note" if issubclass(category, StudyNote) else "warning"
        return f"{prog}: {kind}: {first}\n"

    warnings.formatwarning = one_line
    try:
        yield
    finally:
        warnings.formatwarning = previous


def add_duplicates_flag(parser: argparse.ArgumentParser) -> None:
    """``--data-duplicates {error,first,last}``: what to do with an architecture that
    ``--data`` lists twice (the readers' ``duplicates=``), for every command that reads a
    user's table."""
    parser.add_argument(
        "--data-duplicates",
        choices=("error", "first", "last"),
        help="an architecture --data lists twice (two spellings of one): an error (the "
        "default), or keep its first / last row",
    )


def add_direction_flags(
    parser: argparse.ArgumentParser, column: str, *, prefix: str = "", dest: str = "maximize"
) -> tuple[str, str]:
    """Two exclusive flags, ``--{prefix}minimize`` and ``--{prefix}maximize``, setting
    ``dest`` to False / True (None: not said; see
    :func:`nasperf.datasets.direction.target_sign`). ``column`` names the option of the
    target column in the help. Returns the two flags, minimise first (as the direction
    error spells them)."""
    low, high = f"--{prefix}minimize", f"--{prefix}maximize"
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        low,
        dest=dest,
        action="store_false",
        default=None,
        help=f"{column} is a loss, an error or a latency: read as minus the column; "
        "required for a column named like one",
    )
    group.add_argument(
        high,
        dest=dest,
        action="store_true",
        default=None,
        help=f"{column} is higher-is-better as it is, even where named like a loss",
    )
    return low, high
