"""Claims on work items (nasperf._claims) and process liveness (nasperf._process)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from nasperf._claims import WorkClaims, describe
from nasperf._process import process_alive, process_start


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


def test_process_alive_tells_live_dead_and_reused_pids():
    assert process_alive(os.getpid(), process_start())
    assert not process_alive(_dead_pid())
    if process_start() is not None:  # platforms that tell start times catch a reused pid
        assert not process_alive(os.getpid(), "0")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="zombies are told by /proc")
def test_a_zombie_is_dead():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while process_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # exited but not reaped: still in the process table
    assert not process_alive(proc.pid)
    proc.wait()


def test_claims_of_a_live_owner_hold_and_finished_items_cannot_be_claimed(tmp_path):
    db = tmp_path / "c.sqlite"
    with WorkClaims(db, done=("done", "key")) as a, WorkClaims(db, done=("done", "key")) as b:
        a._conn.execute("CREATE TABLE done (key TEXT PRIMARY KEY)")
        assert a.claim("x") and a.claim("x")  # a claim is the holder's to take again
        assert not b.claim("x")  # held by a live owner (this process, another token)
        a._conn.execute("INSERT INTO done VALUES ('y')")
        assert not a.claim("y") and not b.claim("y")
        assert b.status(["x", "y", "z"]) == {"x": "other", "y": "done", "z": "free"}
        a.fail("x")  # failed in a live run: nobody retries it during that run
        assert not a.claim("x") and not b.claim("x") and b.status(["x"]) == {"x": "failed"}
        assert describe(b.holders(["x"])) == ""
        a.release("x")
        assert b.claim("x")
        assert describe(a.holders(["x"])) == f"pid {os.getpid()} on {b.host}"
    # closing drops every claim of the closed object
    with WorkClaims(db) as c:
        assert c.status(["x"]) == {"x": "free"}


def _insert(claims: WorkClaims, key: str, *, pid: int, host: str, beat: float) -> None:
    with claims.transaction() as conn:
        conn.execute(
            "INSERT INTO claims VALUES (?, 'dead', ?, ?, NULL, 'running', ?, ?)",
            (key, pid, host, beat, beat),
        )


def test_stale_claims_are_released_and_reported(tmp_path):
    calls = []
    with WorkClaims(tmp_path / "c.sqlite", on_stale=calls.append) as claims:
        _insert(claims, "killed", pid=_dead_pid(), host=claims.host, beat=time.time())
        assert claims.claim("killed") and len(calls) == 1
        # another host: stale only once its heartbeat is old
        _insert(claims, "far", pid=1, host="elsewhere", beat=time.time())
        _insert(claims, "lost", pid=1, host="elsewhere", beat=time.time() - 3600)
        assert claims.status(["far", "lost"]) == {"far": "other", "lost": "free"}


def test_rounds_wait_for_other_processes_and_take_back_what_they_leave(tmp_path):
    db = tmp_path / "c.sqlite"
    with WorkClaims(db, done=("done", "key")) as me, WorkClaims(db) as other:
        me._conn.execute("CREATE TABLE done (key TEXT PRIMARY KEY)")
        assert other.claim("b") and other.claim("c")
        waits = []

        def finish_b_and_drop_c() -> None:
            time.sleep(0.3)
            with other.transaction() as conn:
                conn.execute("INSERT INTO done VALUES ('b')")
                conn.execute("DELETE FROM claims WHERE key = 'b'")
            other.release("c")  # e.g. its process was interrupted

        threading.Thread(target=finish_b_and_drop_c).start()
        seen = []
        for batch in me.rounds(["a", "b", "c"], key=str, poll=0.05, on_wait=waits.append):
            for item in batch:
                if me.claim(item):
                    seen.append(item)
                    with me.transaction() as conn:
                        conn.execute("INSERT INTO done VALUES (?)", (item,))
        assert seen == ["a", "c"]  # b was run by the other, c handed back
        assert waits and {c.key for c in waits[0]} == {"b", "c"}


def test_rounds_stop_offering_an_item_the_caller_never_finishes(tmp_path):
    with WorkClaims(tmp_path / "c.sqlite") as claims:
        offered = [list(b) for b in claims.rounds(["a"], key=str, poll=0.01)]
    assert offered == [["a"]] * 3


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
def test_a_claim_of_a_process_killed_with_sigkill_is_taken_over(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with WorkClaims(tmp_path / "c.sqlite") as mine:
            with mine.transaction() as conn:  # the row its own WorkClaims would write
                conn.execute(
                    "INSERT INTO claims VALUES ('x', 'its', ?, ?, ?, 'running', ?, ?)",
                    (proc.pid, mine.host, process_start(proc.pid), time.time(), time.time()),
                )
            assert not mine.claim("x")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert mine.claim("x")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    "table",
    [
        "claims (key TEXT)",  # another program's table of that name
        "claims (key TEXT PRIMARY KEY, owner TEXT, pid INTEGER, host TEXT, started TEXT, "
        "state TEXT, claimed_at REAL, heartbeat REAL)",  # one column named otherwise
    ],
)
def test_a_claims_table_of_another_schema_is_refused_naming_the_file(tmp_path, table):
    import sqlite3

    path = tmp_path / "x.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE {table}")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError) as err:
        WorkClaims(path)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: its table 'claims' has columns \[.*\], not nasperf's "
        r"\['key', 'token', 'pid', 'host', 'started', 'state', 'claimed_at', 'heartbeat'\]: "
        r"not a nasperf claims table",
        str(err.value),
    ), str(err.value)
    path.unlink()  # its connection was closed
    with WorkClaims(path) as claims:  # a fresh file is set up as before
        assert claims.claim("a")
