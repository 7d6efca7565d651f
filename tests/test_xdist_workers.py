"""How many pytest-xdist workers ``-n auto`` starts (tests/conftest.py's hook)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MAX_AUTO_WORKERS, pytest_xdist_auto_num_workers

ROOT = Path(__file__).resolve().parents[1]


def _auto() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_AUTO_WORKERS))


def _outer_env() -> dict[str, str]:
    """This process's environment less the variables pytest-xdist gives its workers
    (``PYTEST_XDIST_WORKER``, ``PYTEST_XDIST_WORKER_COUNT``, ...): a pytest started from a
    worker would read them as its own (the suite runs in workers: a one-process run had
    reported the outer run's worker count)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}


def _pytest(auto_workers: int, args: list[str], probe: Path) -> subprocess.CompletedProcess:
    """``python -m pytest`` on ``probe`` with the project's conftest as a plugin, ``-n
    auto`` meaning ``auto_workers`` (tests/conftest.py's hook reads the variable)."""
    env = {
        **_outer_env(),
        "PYTEST_XDIST_AUTO_NUM_WORKERS": str(auto_workers),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + [*args, str(probe)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_variable_overrides_the_capped_count(monkeypatch):
    """``PYTEST_XDIST_AUTO_NUM_WORKERS`` had been ignored: pytest-xdist reads it only in its
    own hook, which the project's answers before. It now sets the count, uncapped as ``-n N``
    is; unset or empty, one worker per core, at most 4; a value that is no whole number >= 0
    is ignored with a warning that names it."""
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert pytest_xdist_auto_num_workers(None) == _auto()
    for value, want in [("1", 1), (" 3 ", 3), ("0", 0), ("7", 7), ("", _auto())]:
        monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", value)
        assert pytest_xdist_auto_num_workers(None) == want
    for bad in ["two", "-1", "1.5"]:
        monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", bad)
        with pytest.warns(UserWarning, match=rf"^PYTEST_XDIST_AUTO_NUM_WORKERS='{bad}' is not"):
            assert pytest_xdist_auto_num_workers(None) == _auto()


def test_a_run_starts_the_workers_the_variable_names(tmp_path):
    """End to end: ``-n auto`` with the project's hook loaded starts the variable's number
    of workers (the probe's review: 1 asked, 2 started on a 2-core machine), one torch
    thread each."""
    pytest.importorskip("xdist")
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import os, pathlib, torch\n"
        "def test_count():\n"
        "    out = pathlib.Path(__file__).with_name('count.txt')\n"
        "    out.write_text(os.environ['PYTEST_XDIST_WORKER_COUNT'] + ' '\n"
        "                   + str(torch.get_num_threads()))\n"
    )
    want = 1 if _auto() != 1 else 2  # a count that -n auto alone would not start
    run = _pytest(want, ["-c", os.devnull, "--rootdir", str(tmp_path), "-q", "-n", "auto"], probe)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (tmp_path / "count.txt").read_text() == f"{want} 1"


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ([], "1 LoadScopeScheduling"),  # the default: workers, a module's tests in one
        (["-n", "0"], "none"),
        (["-n", "1", "--dist", "load"], "1 LoadScheduling"),  # the command line wins
        (["-p", "no:xdist"], "none"),  # as without pytest-xdist installed
    ],
)
def test_the_projects_configuration_runs_in_workers_unless_told(tmp_path, args, want):
    """``pyproject.toml``'s options with the project's conftest: workers by default (the
    conftest's ``pytest_cmdline_main``), one process for ``-n 0`` and without pytest-xdist.
    ``-n auto`` had been in ``addopts``, where a run without pytest-xdist (``-p no:xdist``,
    or not installed) stopped at parsing: "unrecognized arguments: -n"."""
    if "no:xdist" not in args:
        pytest.importorskip("xdist")
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import os, pathlib\n"
        "def test_where():\n"
        "    out = pathlib.Path(__file__).with_name('where.txt')\n"
        "    out.write_text(os.environ.get('PYTEST_XDIST_WORKER_COUNT', 'none'))\n"
    )
    # one worker where -n auto would start more (the variable: tests/conftest.py's hook)
    # -vv: addopts' -q takes one -v back (the scheduler's line needs verbosity 1)
    config = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-vv"]
    run = _pytest(1, [*config, *args], probe)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    where = (tmp_path / "where.txt").read_text()
    scheduler = [w for w in run.stdout.split() if w.endswith("Scheduling")]
    assert " ".join([where, *scheduler]) == want, run.stdout[-2000:]
