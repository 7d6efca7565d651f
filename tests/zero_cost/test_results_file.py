"""The proxies journal shared by several writers: no row twice, exports that lose nothing,
and readers that refuse conflicting duplicates."""

from __future__ import annotations

import math

import pytest

from nasperf.zero_cost.compute import read_proxy_table
from nasperf.zero_cost.results_file import ResultsFile

PROXIES = ["params", "synflow"]
SETTINGS = {"space": "nb201", "seed": 0}


def _scores(v: float) -> dict:
    return {"params": (v, None), "synflow": (math.nan, "no forward pass")}


def _file(path) -> ResultsFile:
    return ResultsFile(path, PROXIES, SETTINGS)


def test_two_writers_never_write_an_architecture_twice(tmp_path):
    out = tmp_path / "zc.csv"
    a, b = _file(out), _file(out)
    assert a.open() == set() and b.open() == set()
    assert a.claim("x") and not b.claim("x")  # b skips what a computes
    assert b.claim("y")
    assert a.append("x", _scores(1.0)) and b.append("y", _scores(2.0))
    # a cached result (no claim) that the other has written already is not written again
    assert not b.append("x", _scores(1.0))
    a.close(complete=True)
    b.close(complete=True)
    assert out.read_text().count("\n") == 3
    table = read_proxy_table(out)
    assert list(table.index) == ["x", "y"] and table.attrs["reasons"]["y"] == {
        "synflow": "no forward pass"
    }
    assert _file(out).open() == {"x", "y"}


def test_a_parquet_export_while_another_writer_appends_loses_nothing(tmp_path):
    out = tmp_path / "zc.parquet"
    a, b = _file(out), _file(out)
    a.open()
    b.open()
    a.append("x", _scores(1.0))
    a.close(complete=True)  # a is done: exports the journal and removes it
    assert out.exists() and not a.journal.exists()
    b.append("y", _scores(2.0))  # b goes on: the journal comes back, seeded from the export
    b.close(complete=True)
    assert sorted(read_proxy_table(out).index) == ["x", "y"] and not b.journal.exists()


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
