"""Fixtures shared by the zero-cost pipeline tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Run the module with one torch thread, as ``nasperf proxies`` (and its workers) do, so
    in-process results agree to the bit with the command's and across worker counts."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
