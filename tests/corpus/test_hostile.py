"""Corpus: hostile sizes. Inputs built to exhaust memory or time (ranges, repeated unary
operators, attribute chains, 10 MB lines, deep nesting) are refused by length or depth
before anything is built: each case runs with the address space capped at +512 MiB and must
allocate under 2 MiB of Python memory while it runs (its input exists before)."""

from __future__ import annotations

import pytest

from nasperf import InvalidArchitectureError as IAE
from nasperf import pretrained, read_architecture_csv
from nasperf.spaces import get_space

from ._corpus import Case, check_bounded, ids
from .test_spaces import K201, T201, T301

S101, S201, S301 = get_space("nb101"), get_space("nb201"), get_space("nb301")
RANGE_9 = T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 10**9)")
RANGE_LITERAL = T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 10**18-1)")
RANGE_BIG = T301.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=range(0, 999999999999999999)")
MINUS = "-" * 100_000 + "1"
MINUS_SHORT = "-" * 9_000 + "1"  # under the length limit: refused at the second '-'
ATTR = "a" + ".b" * 100_000
ATTR_SHORT = "a" + ".b" * 4_000 + "()"  # a name of 8,001 characters called
MB10 = "(" + "1, " * 3_500_000 + ")"
DEEP_JSON = '{"matrix": ' + "[" * 4_900 + "]" * 4_900 + ', "ops": []}'
DEEP_OBJ = '{"a": ' * 1_400 + "1" + "}" * 1_400
DEEP_TUPLE = "(" * 9_000
BIG_INT = "(" + "9" * 9_000 + ",)"
WIDE = "[" + "0," * 4_999 + "]"  # 5,000 items in one bracket


def c(id_, fn, match):
    return Case(id_, lambda tmp: fn(), IAE, match)


CASES = [
    c("nb301/parse/range-10**9", lambda: S301.parse(RANGE_9), r"normal_concat"),
    c("nb301/parse/range-literal", lambda: S301.parse(RANGE_LITERAL), r"normal_concat"),
    c("nb301/parse/range-big", lambda: S301.parse(RANGE_BIG), r"invalid reduce_concat = range"),
    c("nb301/coerce/range-10**9", lambda: S301.coerce(RANGE_9), r"normal_concat"),
    c("nb301/parse/minus-100k", lambda: S301.parse(MINUS), r"100,001 characters"),
    c("nb301/parse/minus-9k", lambda: S301.parse(MINUS_SHORT), r"unexpected character '-'"),
    c("nb301/parse/attr-100k", lambda: S301.parse(ATTR), r"200,001 characters"),
    c("nb301/parse/attr-call", lambda: S301.parse(ATTR_SHORT), r"name of more than"),
    c("nb301/parse/10MB", lambda: S301.parse(MB10), r"10,500,002 characters"),
    c("nb301/from_naslib/10MB", lambda: S301.from_naslib(MB10), r"naslib_key.*10,500,002"),
    c("nb301/coerce/10MB", lambda: S301.coerce(MB10), r"10,500,002 characters"),
    c("nb301/from_naslib/deep", lambda: S301.from_naslib(DEEP_TUPLE), r"nested deeper than"),
    c("nb301/from_naslib/big-int", lambda: S301.from_naslib(BIG_INT), r"more than 18 digits"),
    c("nb201/parse/10MB", lambda: S201.parse(MB10), r"10,500,002 characters"),
    c("nb201/from_naslib/10MB", lambda: S201.from_naslib(MB10), r"naslib_key.*10,500,002"),
    c("nb201/from_naslib/minus", lambda: S201.from_naslib(MINUS), r"naslib_key.*100,001"),
    c("nb201/from_naslib/minus-9k", lambda: S201.from_naslib(MINUS_SHORT), r"character '-'"),
    c("nb201/from_naslib/wide", lambda: S201.from_naslib(WIDE), r"naslib_key.*more than 1,000"),
    c("nb201/coerce/attr", lambda: S201.coerce(ATTR), r"200,001 characters"),
    c("nb101/parse/10MB", lambda: S101.parse(MB10), r"10,500,002 characters"),
    c("nb101/parse/deep-json", lambda: S101.parse(DEEP_JSON), r"matrix.*nested deeper than"),
    c("nb101/parse/deep-object", lambda: S101.parse(DEEP_OBJ), r"nested deeper than"),
    c("nb101/from_naslib/deep", lambda: S101.from_naslib(DEEP_TUPLE), r"nested deeper than"),
    c("nb101/from_naslib/big-int", lambda: S101.from_naslib(BIG_INT), r"more than 18 digits"),
    c("nb101/coerce/minus", lambda: S101.coerce(MINUS), r"100,001 characters"),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_hostile_input(case: Case, tmp_path) -> None:
    err = check_bounded(case, tmp_path)
    # the message shows a bounded excerpt of the input, never the whole of it
    assert len(str(err)) < 1_000


def test_hostile_csv_cell_names_the_line(tmp_path) -> None:
    path = tmp_path / "archs.csv"
    path.write_text(f"arch,acc\n{T201},1.0\n{MB10.replace(',', ' ')},2.0\n")
    case = Case(
        "csv/10MB-cell",
        lambda tmp: read_architecture_csv(path, "nb201"),
        ValueError,
        r"archs.csv line 3: not readable CSV \(field larger than field limit",
    )
    check_bounded(case, tmp_path, peak_bytes=64 << 20)  # the file's text is read whole
    # a long cell under csv's limit reaches the parser, which refuses it by length
    path.write_text(f"arch,acc\n{T201},1.0\n{'|' * 100_000},2.0\n")
    case = Case(
        "csv/100k-cell",
        lambda tmp: read_architecture_csv(path, "nb201"),
        IAE,
        r"archs.csv line 3, column 'arch'.*100,000 characters",
    )
    check_bounded(case, tmp_path, peak_bytes=8 << 20)


def test_screen_reports_hostile_lines_and_ranks_the_rest(tmp_path, tiny_checkpoint) -> None:
    """One run over a file mixing good cells with a 10 MB line, a 100,000-character line,
    a hostile genotype and junk: the bad lines are reported with their line numbers, the
    good ones ranked."""
    space = get_space("nb201")
    good = [space.to_string(a) for a in space.sample(5, seed=3)]
    lines = [
        good[0],  # 1
        MB10,  # 2: longer than any architecture text: reported without being held
        good[1],  # 3
        MINUS,  # 4
        "# a comment",  # 5
        good[2],  # 6
        T201.replace("~0|+", "~\uff10|+", 1),  # 7: a Unicode digit
        str(K201),  # 8: a NASLib key: fine
        RANGE_9,  # 9: not an NB201 cell
        good[3],  # 10
        "",  # 11
        good[4],  # 12
    ]
    path = tmp_path / "cells.txt"
    path.write_text("\n".join(lines) + "\n")
    result = pretrained.screen(tiny_checkpoint, path)
    bad = {b.line: b.error for b in result.bad}
    assert sorted(bad) == [2, 4, 7, 9]
    assert "10,500,002 characters" in bad[2] and "at most 10,000" in bad[2]
    assert "100,001 characters" in bad[4]
    assert "node1.input0" in bad[7]
    assert result.n_screened == 6 and result.n_bad == 4
    ranked = result.ranking
    assert sorted(ranked["line"]) == [1, 3, 6, 8, 10, 12]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5, 6]
    assert ranked["prediction"].is_monotonic_decreasing
