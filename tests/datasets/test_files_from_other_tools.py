"""Honest table files written by Excel, R, pandas or by hand read as the clean file does, or
are refused in one line naming the file and line; never silently other numbers.

A user probe wrote the same NB201 table the ways other tools write it. Found: a byte-order
mark made a search's zero-cost file lose its first proxy; a column named twice, a row with
a trailing comma (shifted into the next column), headers with spaces, a parquet file with
the architectures as its index and NASLib keys were each read differently by
``TableObjective.from_file`` than by the study reader; pandas' fast float parser changed the
last bit of 398 of 3,000 values; a registered proxy's column with one text cell dropped
out of the ``zero_cost`` encoding; R's ``NA`` was refused in optional columns; and a
study's ``zero_cost_table`` was ignored by ``zc_proxy``.
"""

from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf.datasets import load_benchmark, read_architecture_csv
from nasperf.datasets.readers import MISSING_CELLS, read_csv_header, read_table_file
from nasperf.search.objective import TableObjective


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    bench = load_benchmark("nb201", "cifar10").iloc[:300]
    # values whose shortest repr has 16-17 digits: pandas' fast parser is off in the last bit
    correct = np.arange(300) * 7 % 9999 + 9000
    return pd.DataFrame(
        {
            "arch": bench.index,
            "val_acc": correct / 9999 * 100,
            "train_s": bench["train_time_s"].to_numpy(),
        }
    )


def _write(path, text: str, encoding: str = "utf-8") -> str:
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return str(path)


def _csv(table: pd.DataFrame, **kw) -> str:
    return table.to_csv(index=False, **kw)


def test_every_value_is_read_as_python_reads_it(table, tmp_path):
    path = _write(tmp_path / "t.csv", _csv(table))
    objective = TableObjective.from_file(path, "nb201", "val_acc", cost="train_s")
    want = dict(zip(table["arch"], table["val_acc"], strict=True))
    got = dict(zip(objective._index, objective._values[objective.full], strict=True))
    assert got == want  # exactly: 398 of 3,000 had differed in the last bit
    assert read_table_file(path)["val_acc"].tolist() == table["val_acc"].tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda t: "\ufeff" + _csv(t),  # Excel's "CSV UTF-8"
        lambda t: "\ufeff" + _csv(t, lineterminator="\r\n"),
        lambda t: _csv(t).replace("arch,val_acc,train_s", "arch, val_acc , train_s"),
        lambda t: _csv(t).rstrip("\n"),  # no final newline
        lambda t: _csv(t) + "\n\n",
        lambda t: "\n\n" + _csv(t),  # pandas skips blank lines before the header
    ],
    ids=["bom", "bom-crlf", "spaces-in-header", "no-final-newline", "blank-lines", "blank-first"],
)
def test_odd_but_honest_csv_files_give_the_clean_files_numbers(table, tmp_path, make):
    clean = TableObjective.from_file(
        _write(tmp_path / "clean.csv", _csv(table)), "nb201", "val_acc", cost="train_s"
    )
    odd = TableObjective.from_file(
        _write(tmp_path / "odd.csv", make(table)), "nb201", "val_acc", cost="train_s"
    )
    assert list(odd._index) == list(clean._index)
    np.testing.assert_array_equal(odd._values[odd.full], clean._values[clean.full])
    np.testing.assert_array_equal(odd._costs[odd.full], clean._costs[clean.full])


def test_a_column_named_twice_is_refused_as_by_the_study_reader(table, tmp_path):
    text = _csv(table.assign(extra=table["val_acc"] / 2)).replace(",extra", ",val_acc", 1)
    path = _write(tmp_path / "twice.csv", text)
    message = r"twice.csv line 1: a column name appears twice in \['arch', 'val_acc', 'tr"
    with pytest.raises(ValueError, match=message):
        TableObjective.from_file(path, "nb201", "val_acc")  # the first column had won
    with pytest.raises(ValueError, match=message):
        read_architecture_csv(path, "nb201")


def test_a_row_wider_than_the_header_is_refused_not_shifted(table, tmp_path):
    lines = _csv(table).splitlines()
    text = "\n".join([lines[0], *(line + "," for line in lines[1:])]) + "\n"
    path = _write(tmp_path / "trailing.csv", text)
    # pandas had taken the architectures as the index and shifted every value one column
    # left: "column 'val_acc' has no finite value"
    with pytest.raises(
        ValueError, match=r"trailing.csv: not readable CSV \(Expected 3 fields in line 2, saw 4"
    ):
        TableObjective.from_file(path, "nb201", "val_acc")
    short = _write(tmp_path / "short.csv", "\n".join([lines[0], lines[1].rsplit(",", 1)[0]]))
    with pytest.raises(ValueError, match=r"Expected 3 fields in line 2, saw 2"):
        TableObjective.from_file(short, "nb201", "val_acc")  # pandas had filled in NaN


def test_a_parquet_file_with_the_architectures_as_its_index(table, tmp_path):
    path = tmp_path / "t.parquet"
    table.set_index("arch").to_parquet(path)
    objective = TableObjective.from_file(path, "nb201", "val_acc")
    assert list(objective._index) == list(table["arch"])


def test_naslib_keys_are_read_by_the_objective_as_by_the_study_reader(tmp_path):
    space = nasperf.get_space("nb201")
    archs = space.sample(20, seed=0)
    keys = [str(space.to_naslib(a)) for a in archs]
    frame = pd.DataFrame({"arch": keys, "acc": np.arange(20.0)})
    path = _write(tmp_path / "keys.csv", frame.to_csv(index=False))
    objective = TableObjective.from_file(path, "nb201", "acc")
    assert list(objective._index) == [space.to_string(a) for a in archs]
    assert list(objective._index) == list(read_architecture_csv(path, "nb201").index)


def test_a_search_reads_a_proxy_in_the_first_column_of_an_excel_file(table, tmp_path):
    zc = pd.DataFrame(
        {"synflow": np.arange(300.0), "arch": table["arch"], "params": np.ones(300)}
    ).to_csv(index=False)
    bom = _write(tmp_path / "zc.csv", "\ufeff" + zc)
    assert read_csv_header(bom) == ["synflow", "arch", "params"]
    packed = tmp_path / "zc.csv.gz"
    packed.write_bytes(gzip.compress(("\ufeff" + zc).encode()))
    assert read_csv_header(packed) == ["synflow", "arch", "params"]  # had been a decode error
    from nasperf.search.study import _proxy_header

    assert _proxy_header(tmp_path / "zc.csv") == ["synflow", "params"]  # had lost synflow
    assert _proxy_header(packed) == ["synflow", "params"]


@pytest.mark.parametrize("cell", ["NA", "N/A", "null", "#N/A", "nan", ""])
def test_missing_cells_of_optional_columns_as_r_excel_and_pandas_write_them(tmp_path, cell):
    assert cell.lower() in MISSING_CELLS
    space = nasperf.get_space("nb201")
    a, b = (space.to_string(x) for x in space.sample(2, seed=0))
    path = _write(tmp_path / "seeds.csv", f"arch,seed0,seed1\n{a},90.5,{cell}\n{b},80,81\n")
    out = read_architecture_csv(path, "nb201", optional=["seed1"])
    assert np.isnan(out.loc[a, "seed1"]) and out.loc[b, "seed1"] == 81.0
    with pytest.raises(ValueError, match=r"seeds.csv line 2, column 'seed1'"):
        read_architecture_csv(path, "nb201")  # not optional: still refused


def test_a_proxy_column_with_a_text_cell_is_refused_by_the_encoding(table):
    archs = list(table["arch"][:20])
    zc = pd.DataFrame(
        {"synflow": np.arange(20.0), "nwot": np.arange(20.0).astype(object)}, index=archs
    )
    zc.loc[archs[3], "nwot"] = "1,234.5"
    # nwot had dropped out of the features without a word (2 columns instead of 3)
    with pytest.raises(
        ValueError,
        match=r"^table column 'nwot' is named as a registered proxy but is not numeric \(row "
        rf"'{re.escape(archs[3])}' holds '1,234.5'\); .* proxies=\[\.\.\.\]",
    ):
        nasperf.encodings.get("zero_cost", space="nb201", table=zc).fit(archs)
