"""The SQLite results store and the atomic metadata file."""

from __future__ import annotations

import json
import math
import os

import pytest

from nasperf.evaluation.store import ResultsStore, read_results, write_json_atomic


def _trial(i: int) -> dict:
    return {"hash": f"{i:064x}", "predictor": "xgb", "seed": i}


def test_rows_round_trip_exactly_and_once(tmp_path):
    row = {"hash": _trial(1)["hash"], "kendall_tau": 0.1 + 0.2, "mae": math.nan, "n": 200}
    with ResultsStore(tmp_path) as store:
        assert store.add(_trial(1), row) is True
        assert store.add(_trial(1), {**row, "kendall_tau": 9.0}) is False  # no duplicate
        assert store.finished() == {_trial(1)["hash"]}
        assert len(store) == 1
        (back,) = store.rows()
    assert back["kendall_tau"] == 0.1 + 0.2 and math.isnan(back["mae"]) and back["n"] == 200
    df = read_results(tmp_path)
    assert len(df) == 1 and df.loc[0, "kendall_tau"] == 0.1 + 0.2


def test_reopen_keeps_rows_and_errors_are_separate(tmp_path):
    with ResultsStore(tmp_path) as store:
        for i in range(3):
            store.add(_trial(i), {"hash": _trial(i)["hash"], "v": i})
        store.add_error(_trial(7), "TrialError: boom")
    with ResultsStore(tmp_path) as store:
        assert len(store) == 3
        assert [r["v"] for r in store.rows()] == [0, 1, 2]
        assert _trial(7)["hash"] not in store.finished()
        assert store.errors()[0]["error"] == "TrialError: boom"
        assert store.trials()[0] == _trial(0)


def test_read_results_needs_a_results_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a study results folder"):
        read_results(tmp_path)


def test_write_json_atomic_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "meta.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2, "b": [1, 2]})
    assert json.loads(path.read_text()) == {"a": 2, "b": [1, 2]}
    assert os.listdir(tmp_path) == ["meta.json"]


def test_write_json_atomic_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "meta.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"ok": 1, (1, 2): "tuple keys are not JSON"})
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["meta.json"]
