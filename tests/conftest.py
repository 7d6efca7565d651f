"""Shared test fixtures: where the project's reference data lives (``../shared`` beside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


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
