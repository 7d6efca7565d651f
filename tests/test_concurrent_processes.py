"""Real processes on one output folder: two studies, two searches, two ``nasperf proxies``
share the work without running any item twice and lose no run record; workers exit soon
after their parent is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nasperf._process import process_alive
from nasperf.evaluation.store import read_meta, read_results
from nasperf.search.study import read_search_study
from nasperf.zero_cost.compute import read_proxy_table

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "_marked_run.py"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")


def _env(**extra: str) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **extra}


def _run_two(kind: str, tmp_path: Path, args: list[str], pause: float = 0.3) -> list[str]:
    """Start two marked processes on the same output and return the keys they ran, after
    checking that both succeeded and both ran something."""
    marks = tmp_path / "marks"
    marks.mkdir()
    cmd = [sys.executable, str(DRIVER), kind, str(marks), "2", str(pause), "--", *args]
    procs = [
        subprocess.Popen(
            cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    runs = [line.split() for line in (marks / "runs.txt").read_text().splitlines()]
    # The barrier in the driver holds each process's first item until both have one.
    assert {pid for pid, _ in runs} == {str(p.pid) for p in procs}
    return [key for _, key in runs]


def test_two_studies_on_one_folder_share_the_trials(tmp_path):
    raw = {
        "name": "shared",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "predictors": [{"name": "xgb", "params": {"n_estimators": 5}}],
        "train_sizes": [10, 20],
        "seeds": 4,
        "test_size": 30,
    }
    cfg = tmp_path / "study.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    args = ["--config", str(cfg), "--out", str(out), "--workers", "1", "--no-plots"]
    keys = _run_two("study", tmp_path, args)
    assert len(keys) == len(set(keys)) == 8  # every trial ran, and exactly once
    table = read_results(out)
    assert sorted(table["hash"]) == sorted(keys)
    meta = read_meta(out)
    assert len(meta["runs"]) == 2 and meta["status"] == "complete"
    assert all(r["ended_at"] is not None for r in meta["runs"])
    # each run's record counts the trials its process ran
    assert sorted(r["trials_run"] for r in meta["runs"]) == _per_process(tmp_path)
    assert sorted(r["trials_run_by_others"] for r in meta["runs"]) == _per_process(tmp_path)


def _per_process(tmp_path: Path) -> list[int]:
    pids = [line.split()[0] for line in (tmp_path / "marks" / "runs.txt").read_text().splitlines()]
    return sorted(pd.Series(pids).value_counts().tolist())


@pytest.mark.slow  # the same run_claimed() as the studies; ~15 s of two processes' imports
def test_two_searches_on_one_folder_share_the_seeds(tmp_path):
    out = tmp_path / "out"
    args = ["--methods", "rs,re", "--seeds", "4", "--budget", "12", "--out", str(out)]
    keys = _run_two("search", tmp_path, [*args, "--workers", "1", "--no-progress"])
    assert len(keys) == len(set(keys)) == 8
    hist = read_search_study(out)
    assert hist.groupby(["label", "seed"]).ngroups == 8 and len(hist) == 8 * 12


def test_two_proxy_runs_on_one_file_share_the_architectures(tmp_path):
    out = tmp_path / "zc.csv"
    args = ["--space", "nb201", "--proxies", "params,synflow", "--n", "10", "--out", str(out)]
    args += ["--batch-size", "4", "--network-kwargs", json.dumps({"channels": 8})]
    keys = _run_two("proxies", tmp_path, [*args, "--cache", "none", "--quiet"], pause=0.2)
    assert len(keys) == len(set(keys)) == 10
    lines = out.read_text().splitlines()
    assert len(lines) == 11  # header + one row per architecture: none written twice
    table = read_proxy_table(out)
    assert sorted(table.index) == sorted(keys) and table.notna().all().all()


# ----------------------------------------------------------------------------- orphans
def _wait_for_workers(marks: Path, n: int, proc: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pids = [int(p.name.split("-")[1]) for p in marks.glob("worker-*")]
        if len(pids) >= n:
            return pids
        if proc.poll() is not None:
            raise AssertionError(f"the command ended early: {proc.stderr.read().decode()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"{n} workers did not start within 180 s")


def _seconds_until_gone(pids: list[int], limit: float = 10.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if not any(process_alive(p) for p in pids):
            return time.monotonic() - start
        time.sleep(0.05)
    return float("inf")


def _kill_and_time(cmd: list[str], tmp_path: Path, n_workers: int) -> float:
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=_env(NASPERF_TEST_MARKS=str(marks)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        pids = _wait_for_workers(marks, n_workers, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone = _seconds_until_gone(pids)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pid in pids:  # whatever the outcome, leave no worker behind
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
    return gone


def _orphan_study_cmd(tmp_path: Path, *engine: str) -> list[str]:
    """run_study.py on a study of 4 trials of the sleepy predictor with 2 workers; ``engine``:
    extra arguments choosing the engine."""
    raw = {
        "name": "orphans",
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        "predictors": ["test_sleepy"],
        "train_sizes": [10],
        "seeds": 4,
        "test_size": 20,
        "imports": ["tests._slow_plugins"],
    }
    cfg = tmp_path / "study.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    cmd = [sys.executable, str(ROOT / "run_study.py"), "--config", str(cfg)]
    cmd += ["--out", str(tmp_path / "out"), *engine, "--workers", "2"]
    return [*cmd, "--no-plots", "--no-progress"]


def test_study_workers_exit_soon_after_the_study_is_killed(tmp_path):
    # Before the watchdog the workers finished their trials for nobody (>= 90 s).
    assert _kill_and_time(_orphan_study_cmd(tmp_path), tmp_path, 2) < 10


@pytest.mark.slow  # a LocalCluster's start and the workers' imports: ~15 s
def test_dask_local_cluster_workers_exit_soon_after_the_study_is_killed(tmp_path):
    pytest.importorskip("dask.distributed")
    cmd = _orphan_study_cmd(tmp_path, "--engine", "dask")
    # The LocalCluster's workers are the study's grandchildren, under Dask's nannies, which
    # end them when the study process dies (0.1 s here): no trial runs on for nobody.
    assert _kill_and_time(cmd, tmp_path, 2) < 10


@pytest.mark.slow  # the same watch_parent() as the study workers; ~15 s of imports
def test_proxy_workers_exit_soon_after_the_command_is_killed(tmp_path):
    cmd = [sys.executable, "-m", "nasperf.cli", "proxies", "--space", "nb201"]
    cmd += ["--proxies", "test_sleepy", "--n", "4", "--out", str(tmp_path / "zc.csv")]
    cmd += ["--batch-size", "2", "--network-kwargs", json.dumps({"channels": 8})]
    cmd += ["--cache", "none", "--quiet", "--workers", "2", "--import", "tests._slow_plugins"]
    assert _kill_and_time(cmd, tmp_path, 2) < 10
