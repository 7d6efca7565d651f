"""Markdown tables as nasperf writes them: the study's summary
(:func:`~nasperf.evaluation.study.format_summary`), a suite's report
(:mod:`~nasperf.evaluation.report`) and a search's summary
(:func:`~nasperf.search.study.format_summary`) all build their rows here, so a cell that
holds ``|`` or a line break (a predictor label, a data file's name, a target) stays one
cell under its header."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["md_cell", "md_row"]


def md_cell(value: Any) -> str:
    """``value`` (as ``str``) as one Markdown table cell: ``|`` escaped as ``\\|``, a line
    break read as a space (either had split its row into more cells than the header's)."""
    return " ".join(str(value).replace("|", "\\|").splitlines())


def md_row(cells: Iterable[Any]) -> str:
    """One Markdown table row (header or body) of ``cells``, each escaped by
    :func:`md_cell`: ``"| a | b\\|c |"``."""
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"
