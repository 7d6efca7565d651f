"""Fixtures of the pre-trained checkpoint tests: the build script as a module, loaded
checkpoints, and small copies of the packaged data folder to tamper with."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from nasperf import pretrained
from nasperf.datasets import data_root

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def build_script():
    """``scripts/build_pretrained.py`` imported as a module."""
    spec = importlib.util.spec_from_file_location(
        "build_pretrained", REPO / "scripts" / "build_pretrained.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tree_ckpt():
    return pretrained.load("nb201-cifar10-tree")


@pytest.fixture(scope="session")
def gnn_ckpt():
    return pretrained.load("nb201-cifar10-gnn")


@pytest.fixture
def mini_root(tmp_path) -> Path:
    """A packaged-data folder holding only ``pretrained/`` and ``zero_cost/`` (copied), with
    its own manifest: what loading a checkpoint reads."""
    src = data_root()
    root = tmp_path / "data"
    manifest = json.loads((src / "MANIFEST.json").read_text())
    keep = {k: v for k, v in manifest.items() if k.split("/")[0] in ("pretrained", "zero_cost")}
    for name in keep:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, root / name)
    (root / "MANIFEST.json").write_text(json.dumps(keep, indent=1, sort_keys=True) + "\n")
    return root
