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
