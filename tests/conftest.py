"""Shared test fixtures: where the project's reference data lives (``../shared`` beside the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Shake out tests that depend on how this CPU rounds: NASPERF_TEST_FLUSH_DENORMAL=1 runs
# the suite with denormal floats flushed to zero (as some CPUs / builds do by default);
# OMP_NUM_THREADS=1 or 2 changes torch's default thread count and so summation orders.
if os.environ.get("NASPERF_TEST_FLUSH_DENORMAL", "") not in ("", "0"):
    torch.set_flush_denormal(True)

# Under pytest-xdist (``-n``) each worker process runs its tests with one torch thread: the
# workers already keep the cores busy, and torch's default of one thread per core in each of
# them oversubscribes the machine (its OpenMP threads spin while they wait).
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


#: pytest-xdist's options for a run that names none: one worker per core (at most
#: :data:`MAX_AUTO_WORKERS`), a module's tests in one worker (its module-scoped fixtures
#: built once). Not in ``pyproject.toml``'s ``addopts``: without pytest-xdist (not
#: installed, or ``-p no:xdist``) pytest refuses ``-n`` before running anything.
XDIST_DEFAULTS = {"numprocesses": "auto", "dist": "loadscope"}


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    """The suite runs in pytest-xdist workers by default (:data:`XDIST_DEFAULTS`), where
    pytest-xdist is loaded; where it is not, in one process. The command line wins: ``-n 0``
    runs one process, ``-n N`` N workers (still ``--dist loadscope`` unless ``--dist`` says
    otherwise), ``-p no:xdist`` one process without the plugin.

    A hook wrapper, so it runs before pytest-xdist's own ``pytest_cmdline_main`` turns
    ``auto`` into a count (:func:`pytest_xdist_auto_num_workers`) and ``--tx`` specs. (The
    documented way to add options dynamically, ``pytest_load_initial_conftests``, is called
    for installed plugins only, never for a conftest.py.)"""
    xdist_here = config.pluginmanager.hasplugin("xdist") and hasattr(config.option, "tx")
    # a worker's pytest runs this hook too (its options reset to no -n): never nest workers
    if xdist_here and not hasattr(config, "workerinput"):
        if config.option.numprocesses is None and not config.option.tx:
            config.option.numprocesses = XDIST_DEFAULTS["numprocesses"]
        if config.option.numprocesses and config.option.dist == "no":
            config.option.dist = XDIST_DEFAULTS["dist"]
    yield


#: Most workers ``-n auto`` starts: the tests start processes of their own, and a loaded CI
#: machine's timing-sensitive tests (a study killed mid-run) should keep some room.
MAX_AUTO_WORKERS = 4


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown where it is absent
def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (the project's default, ``pyproject.toml``): one worker per core this
    process may use, at most :data:`MAX_AUTO_WORKERS`. ``PYTEST_XDIST_AUTO_NUM_WORKERS=N``
    (a whole number; 0 runs one process) or ``-n N`` overrides it, as either does under
    pytest-xdist's own rule, uncapped: it is the caller's word (a value that is no whole
    number is ignored, with a warning). ``-n 0`` runs one process.

    pytest-xdist reads the variable only in its own implementation of this hook, which runs
    after this one and only if this one answers None: the variable had been ignored."""
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").strip()
    if env:
        try:
            workers = int(env)
        except ValueError:
            workers = -1
        if workers >= 0:
            return workers
        import warnings

        warnings.warn(
            f"PYTEST_XDIST_AUTO_NUM_WORKERS={env!r} is not a whole number >= 0: ignored, "
            f"-n auto starts one worker per core (at most {MAX_AUTO_WORKERS})",
            stacklevel=1,
        )
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_AUTO_WORKERS))


@pytest.fixture
def never_parse_json(monkeypatch):
    """``never_parse_json(start)`` makes ``json.loads`` fail the test on a text that starts
    with ``start`` (a hostile file's): its refusal must come before parsing. Other JSON (a
    checkpoint's metadata) still loads."""
    import json

    real = json.loads

    def arm(start: str) -> None:
        def loads(text, *args, **kwargs):
            if isinstance(text, str) and text.startswith(start):
                pytest.fail("the JSON text was parsed before its size was checked")
            return real(text, *args, **kwargs)

        monkeypatch.setattr(json, "loads", loads)

    return arm


@pytest.fixture
def keep_denormals():
    """Denormal floats kept during the test, whatever the run sets (a test of values below
    float's normal range needs them; under flush-to-zero they are 0 as soon as they are
    made), then the run's setting again."""
    torch.set_flush_denormal(False)
    yield
    if os.environ.get("NASPERF_TEST_FLUSH_DENORMAL", "") not in ("", "0"):
        torch.set_flush_denormal(True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it are skipped where it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not available")
    return path


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """``../shared/reference``."""
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip("../shared/reference is not available")
    return path


@pytest.fixture(scope="module")
def one_thread():
    """Run the module with one torch thread, as ``nasperf proxies`` (and its workers) do, so
    in-process results agree to the bit with the command's and across worker counts."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def float64_default():
    """torch's default dtype float64 during the test (as BoTorch users set it), then the
    run's own again, whatever the test does."""
    import torch

    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(before)
