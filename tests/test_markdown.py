"""Every Markdown table nasperf writes escapes a cell's ``|`` (one shared function): a
predictor label such as ``xgb|path`` (printable, accepted by the config) had given its row
one cell more than the header in the study's summary, every value after it under the
wrong column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasperf._markdown import md_cell, md_row


def _cells(line: str) -> int:
    """The cells of a Markdown table row, an escaped ``\\|`` not a separator."""
    return line.replace("\\|", "").count("|") - 1


def _assert_rows_match_header(text: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and all(_cells(r) == _cells(rows[0]) for r in rows), rows
    return rows


def test_md_cell_and_row():
    assert md_cell("xgb|path") == "xgb\\|path"
    assert md_cell("two\nlines") == "two lines"
    assert md_cell(0.5) == "0.5"
    assert md_row(["a|b", 3, "c"]) == "| a\\|b | 3 | c |"


def test_study_summary_escapes_a_label_holding_a_bar():
    from nasperf.evaluation.study import format_summary

    summary = pd.DataFrame(
        {
            "space": ["nb201"] * 2,
            "dataset": ["cifar10"] * 2,
            "label": ["xgb|path", "xgb"],
            "budget": ["-"] * 2,
            "n_train": [10, 10],
            "seeds": [2, 2],
            "kendall_tau_mean": [0.351, 0.247],
            "kendall_tau_std": [0.256, 0.037],
        }
    )
    rows = _assert_rows_match_header(format_summary(summary, metrics="kendall_tau"))
    assert rows[0] == "| predictor | n_train | seeds | kendall_tau |"
    assert rows[2] == "| xgb\\|path | 10 | 2 | 0.351 ± 0.256 |"


def test_search_summary_escapes_a_method_and_a_target_holding_a_bar():
    from nasperf.search.study import format_summary

    s = pd.DataFrame(
        {
            "method": ["ls|2"],
            "seeds": [2],
            "distinct searches": [2],
            "queries": [25],
            "queries min": [25],
            "top|1: found": ["2/2"],
            "top|1: queries median": [18.0],
            "top|1: queries median ci low": [np.nan],
            "top|1: queries median ci high": [np.nan],
            "top|1: queries q25": [14.0],
            "top|1: queries q75": [23.0],
            "top|1: queries max": [23.0],
            "top|1: time median (s)": [7200.0],
        }
    )
    rows = _assert_rows_match_header(format_summary(s))
    assert rows[0].startswith("| method | top\\|1: found |")
    assert rows[2] == "| ls\\|2 | 2/2 | 18 [14–23], 23 | - | 2.0 |"
