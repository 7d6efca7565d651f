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


def _strict(text: str) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_rows_are_strict_json_and_nan_reads_back(tmp_path):
    """Rows had been written with Python's NaN token (a probe's TNB101 rows without
    training times, a search's best_value before the full fidelity): SQLite's json_valid
    was 0, JavaScript refused them. NaN is now null, read back as NaN where the schema holds
    a number; a null text field stays None; rows written with NaN tokens still read."""
    import sqlite3

    row = {
        "hash": _trial(1)["hash"],
        "mae": math.nan,
        "label_cost_s": math.nan,
        "precision@10": math.nan,
        "encoding": None,
        "history": {"value": [1.0, 2.0], "best_value": [math.nan, 2.0], "sim_time_s": [1, 2]},
    }
    with ResultsStore(tmp_path) as store:
        store.add(_trial(1), row)
        old = {**row, "hash": _trial(2)["hash"]}
        store._conn.execute(  # as nasperf wrote rows before (NaN tokens)
            "INSERT INTO trials (hash, row, trial, finished_at) VALUES (?, ?, ?, ?)",
            (_trial(2)["hash"], json.dumps(old), json.dumps(_trial(2)), "2026-01-01"),
        )
        store._conn.commit()
        new, before = store.rows()
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        text, valid = conn.execute(
            "SELECT row, json_valid(row) FROM trials WHERE hash = ?", (_trial(1)["hash"],)
        ).fetchone()
    assert valid == 1 and _strict(text)["mae"] is None
    for back in (new, before):
        assert math.isnan(back["mae"]) and math.isnan(back["label_cost_s"])
        assert math.isnan(back["precision@10"]) and back["encoding"] is None
        assert math.isnan(back["history"]["best_value"][0])
        assert back["history"]["best_value"][1] == 2.0
    write_json_atomic(tmp_path / "m.json", {"x": math.nan, "y": [1.5, math.nan]})
    assert _strict((tmp_path / "m.json").read_text()) == {"x": None, "y": [1.5, None]}


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


def test_a_trial_stored_twice_is_refused_naming_it(tmp_path):
    import sqlite3

    from nasperf.errors import DataIntegrityError

    # a table written by hand (or merged from two folders), without the primary key
    conn = sqlite3.connect(tmp_path / "results.sqlite")
    conn.execute("CREATE TABLE trials (hash TEXT, row TEXT, trial TEXT, finished_at TEXT)")
    for i in (1, 2, 1):
        h = _trial(i)["hash"]
        conn.execute("INSERT INTO trials VALUES (?, ?, '{}', 'now')", (h, json.dumps({"hash": h})))
    conn.commit()
    conn.close()
    with pytest.raises(DataIntegrityError, match=f"trial {_trial(1)['hash']} is stored 2 times"):
        read_results(tmp_path)
    with pytest.raises(DataIntegrityError, match="2 times"):  # refused when opened
        ResultsStore(tmp_path)


def test_storing_a_trial_drops_every_claim_on_it(tmp_path):
    with ResultsStore(tmp_path) as store, store.claims() as mine, store.claims() as other:
        h = _trial(1)["hash"]
        assert mine.claim(h) and not other.claim(h)
        store.add(_trial(1), {"hash": h})
        assert other.status([h]) == {h: "done"} and not other.claim(h)


def test_concurrent_meta_updates_lose_nothing(tmp_path):
    import threading

    def append_runs(k: int) -> None:
        with ResultsStore(tmp_path) as store:  # its own connection, as another process has
            for i in range(20):
                run = {"id": f"{k}-{i}"}  # a run record: meta.json's runs are objects
                store.update_meta(lambda m, run=run: {**m, "runs": [*m.get("runs", []), run]})

    threads = [threading.Thread(target=append_runs, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = json.loads((tmp_path / "meta.json").read_text())["runs"]
    assert sorted(r["id"] for r in runs) == sorted(f"{k}-{i}" for k in range(3) for i in range(20))


def test_temp_files_a_killed_writer_left_are_removed_by_the_next_write(tmp_path):
    # kill -9 between writing meta.json's temp file and renaming it left it for good; one
    # younger than an hour may be another process's write in progress, so it stays
    import os
    import time

    from nasperf.evaluation.store import write_json_atomic
    from nasperf.zero_cost.results_file import _atomic_write

    old, young = tmp_path / ".meta.json.1234.abcd.tmp", tmp_path / ".meta.json.99.efgh.tmp"
    journal_old = tmp_path / ".zc.csv.tmp1234"
    for f in (old, young, journal_old):
        f.write_text("{")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(journal_old, (hours_ago, hours_ago))
    write_json_atomic(tmp_path / "meta.json", {"a": 1})
    assert not old.exists() and young.exists()
    assert json.loads((tmp_path / "meta.json").read_text()) == {"a": 1}
    _atomic_write(tmp_path / "zc.csv", b"arch\n")
    assert not journal_old.exists() and (tmp_path / "zc.csv").read_bytes() == b"arch\n"


def test_a_results_folder_with_a_tilde_is_under_home(tmp_path, monkeypatch):
    from nasperf.evaluation.store import ResultsStore

    monkeypatch.setenv("HOME", str(tmp_path))
    store = ResultsStore("~/st")
    assert store.folder == tmp_path / "st" and (tmp_path / "st").is_dir()
