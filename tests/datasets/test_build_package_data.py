"""scripts/build_package_data.py rebuilds the packaged data byte for byte."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from nasperf.datasets import data_root

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data absent")
def test_rebuild_reproduces_manifest(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_package_data", REPO / "scripts" / "build_package_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--source", str(SHARED_DATA), "--out", str(tmp_path)]) == 0
    rebuilt = json.loads((tmp_path / "MANIFEST.json").read_text())
    packaged = json.loads((data_root() / "MANIFEST.json").read_text())
    assert rebuilt == packaged
