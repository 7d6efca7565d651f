"""The proxies journal shared by several writers: no row twice, exports that lose nothing,
and readers that refuse conflicting duplicates."""

from __future__ import annotations

import math

import pytest

from nasperf.spaces import NB201Space
from nasperf.zero_cost.compute import read_proxy_table
from nasperf.zero_cost.results_file import ResultsFile

PROXIES = ["params", "synflow"]
SETTINGS = {"space": "nb201", "seed": 0}
# Two NB-201 cells: an output of the nb201 space holds texts nb201 writes.
X, Y = (NB201Space().to_string(a) for a in NB201Space().sample(2, seed=0))


def _scores(v: float) -> dict:
    return {"params": (v, None), "synflow": (math.nan, "no forward pass")}


def _file(path) -> ResultsFile:
    return ResultsFile(path, PROXIES, SETTINGS)


def test_two_writers_never_write_an_architecture_twice(tmp_path):
    out = tmp_path / "zc.csv"
    a, b = _file(out), _file(out)
    assert a.open() == set() and b.open() == set()
    assert a.claim(X) and not b.claim(X)  # b skips what a computes
    assert b.claim(Y)
    assert a.append(X, _scores(1.0)) and b.append(Y, _scores(2.0))
    # a cached result (no claim) that the other has written already is not written again
    assert not b.append(X, _scores(1.0))
    a.close(complete=True)
    b.close(complete=True)
    assert out.read_text().count("\n") == 3
    table = read_proxy_table(out)
    assert list(table.index) == [X, Y] and table.attrs["reasons"][Y] == {
        "synflow": "no forward pass"
    }
    assert _file(out).open() == {X, Y}


def test_a_partial_line_left_by_a_dead_writer_is_cut_before_the_next_row(tmp_path):
    # another writer died mid-line (a full disk, a kill during its write) while this one
    # went on: its next row had been glued to the fragment, a corrupt row read as an
    # architecture
    out = tmp_path / "zc.csv"
    a = _file(out)
    a.open()
    a.append(X, _scores(1.0))
    whole = out.read_bytes()
    with open(out, "ab") as fh:
        fh.write(Y.encode()[:20])  # the dead writer's fragment
    assert a.append(Y, _scores(2.0))
    a.close(complete=True)
    assert out.read_bytes().startswith(whole)  # the fragment is gone, the rows before stay
    table = read_proxy_table(out)
    assert list(table.index) == [X, Y] and table.loc[Y, "params"] == 2.0
    assert out.read_text().count("\n") == 3


def test_a_parquet_export_while_another_writer_appends_loses_nothing(tmp_path):
    out = tmp_path / "zc.parquet"
    a, b = _file(out), _file(out)
    a.open()
    b.open()
    a.append(X, _scores(1.0))
    a.close(complete=True)  # a is done: exports the journal and removes it
    assert out.exists() and not a.journal.exists()
    b.append(Y, _scores(2.0))  # b goes on: the journal comes back, seeded from the export
    b.close(complete=True)
    assert sorted(read_proxy_table(out).index) == sorted([X, Y]) and not b.journal.exists()


def test_repeated_rows_are_dropped_and_conflicting_ones_refused(tmp_path):
    out = tmp_path / "zc.csv"
    head = "arch,params,synflow,nan_reasons\n"
    out.write_text(head + "x,1.0,2.0,\ny,3.0,4.0,\nx,1.0,2.0,\n")  # an old concurrent run's
    assert list(read_proxy_table(out).index) == ["x", "y"]
    out.write_text(head + "x,1.0,2.0,\ny,3.0,4.0,\nx,1.5,2.0,\n")
    with pytest.raises(ValueError, match=r"zc.csv: architecture 'x' has two different rows "):
        read_proxy_table(out)
    with pytest.raises(ValueError, match=r"lines 2 and 4"):
        read_proxy_table(out)


HEAD = "arch,params,synflow,nan_reasons\n"


def test_a_repeat_counts_as_exact_only_with_the_same_reasons_and_is_checked_too(tmp_path):
    out = tmp_path / "zc.csv"
    why = '"{""synflow"": ""no forward pass""}"'
    out.write_text(HEAD + f"x,1.0,nan,{why}\nx,1.0,nan,{why}\nx,1.0,nan,{why}\n")
    table = read_proxy_table(out)  # three exact copies: the first is kept
    assert list(table.index) == ["x"] and table.attrs["reasons"] == {
        "x": {"synflow": "no forward pass"}
    }
    out.write_text(HEAD + f'x,1.0,nan,{why}\nx,1.0,nan,"{{""synflow"": ""other""}}"\n')
    with pytest.raises(
        ValueError, match=r"architecture 'x' has two different rows \(lines 2 and 3\)"
    ):
        read_proxy_table(out)
    out.write_text(HEAD + f"x,1.0,nan,{why}\nx,1.0,nan,{{bad\n")  # a repeat's cells are read
    with pytest.raises(ValueError, match=r"zc\.csv line 3, column 'nan_reasons': .*'\{bad'"):
        read_proxy_table(out)


@pytest.mark.parametrize(
    ("reasons", "message"),
    [
        ('"{""params"": ""why""}"', r"a reason for 'params', whose score 1\.0 is not NaN"),
        ('"{""flops"": ""why""}"', r"a reason for 'flops', which is not a proxy column"),
    ],
)
def test_reasons_belong_to_nan_scores_of_the_table(tmp_path, reasons, message):
    out = tmp_path / "zc.csv"
    out.write_text(HEAD + f"x,1.0,nan,{reasons}\n")
    with pytest.raises(ValueError, match=rf"zc\.csv line 2, column 'nan_reasons': {message}"):
        read_proxy_table(out)


def test_arch_texts_are_checked_against_the_space_of_the_settings_file(tmp_path):
    out = tmp_path / "zc.csv"
    out.write_text(HEAD + f"{X},1.0,2.0,\nx,3.0,4.0,\n")
    assert list(read_proxy_table(out).index) == [X, "x"]  # no settings file: space unknown
    sidecar = tmp_path / "zc.csv.settings.json"
    sidecar.write_text('{"space": "nb201"}')
    with pytest.raises(
        ValueError, match=r"zc\.csv line 3, column 'arch': 'x' is not an architecture of nb201 "
    ):
        read_proxy_table(out)
    spaced = X.replace("|+|", "| + |")  # parses, but nb201 does not write it so
    out.write_text(HEAD + f"{spaced},1.0,2.0,\n")
    with pytest.raises(ValueError, match=r"line 2, column 'arch': .* is not written as nb201"):
        read_proxy_table(out)
    sidecar.write_text('{"space": "no_such_space"}')  # e.g. a user's space not imported
    assert list(read_proxy_table(out).index) == [spaced]


def _written(tmp_path):
    """A journal of two rows, written as a run writes it, and closed."""
    out = tmp_path / "zc.csv"
    f = _file(out)
    f.open()
    f.append(X, _scores(1.0))
    f.append(Y, _scores(2.0))
    f.close(complete=True)
    return out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (",1.0,", ",abc,", r"line 2, column 'params': 'abc' is not a score"),
        (",1.0,", ",inf,", r"line 2, column 'params': 'inf' is not a score"),
        ('pass""}', 'pass""]', r"line 2, column 'nan_reasons': nan_reasons must be a JSON"),
        ("|avg_pool_3x3~0|+", "|avg_pool_3x3~9|+", r"line 2, column 'arch': .* of nb201"),
    ],
)
def test_resuming_a_damaged_journal_is_refused_and_leaves_it_as_it_is(tmp_path, old, new, message):
    out = _written(tmp_path)
    text = out.read_text()
    assert X.startswith("|avg_pool_3x3~0|+") and text.count(old) >= 1
    damaged = text.replace(old, new, 1)
    out.write_text(damaged)
    with pytest.raises(ValueError, match=rf"zc\.csv {message}") as err:
        _file(out).open()
    assert "does not resume a damaged output" in str(err.value)
    assert out.read_text() == damaged
    with pytest.raises(ValueError, match=rf"zc\.csv {message}"):  # the reader agrees
        read_proxy_table(out)


def test_exact_repeats_resume_and_keep_the_first_row(tmp_path):
    out = _written(tmp_path)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join([*lines, lines[1], lines[1]]))  # as a crash before the commit
    f = _file(out)
    assert f.open() == {X, Y}
    assert not f.append(X, _scores(1.0))  # written already: not a fourth time
    f.close(complete=True)
    assert out.read_text().count("\n") == 5 and list(read_proxy_table(out).index) == [X, Y]


def test_a_parquet_output_with_a_bad_architecture_is_not_extended(tmp_path):
    import pandas as pd

    out = tmp_path / "zc.parquet"
    f = _file(out)
    f.open()
    f.append(X, _scores(1.0))
    f.close(complete=True)
    frame = pd.read_parquet(out)
    frame.loc[0, "arch"] = "|avg_pool_3x3~9|"
    frame.to_parquet(out, index=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"zc\.parquet line 2, column 'arch'"):
        _file(out).open()
    assert out.read_bytes() == before and not (tmp_path / "zc.parquet.partial.csv").exists()
