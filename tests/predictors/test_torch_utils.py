"""Helpers shared by the torch predictors."""

from __future__ import annotations

import pytest
import torch

from nasperf.predictors._torch_utils import torch_threads as _torch_threads


def test_torch_threads_restored():
    before = torch.get_num_threads()
    with _torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="n_jobs"):
        with _torch_threads(0):
            pass
