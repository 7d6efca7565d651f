"""Start-up: ``import nasperf`` and the light commands load no heavy dependency, and
``nasperf info``'s precomputed catalog equals the live registries.

Nothing here is timed (timings are ``bench/startup.py``'s business): the tests check which
modules a fresh interpreter has loaded, which is what the time follows from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "pandas", "sklearn", "scipy", "xgboost", "lightgbm", "torch_geometric")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import nasperf",
        "import nasperf; nasperf.InvalidArchitectureError; nasperf.Registry",
        "from nasperf.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from nasperf.cli import main; main(['screen', '--list'])",
        "from nasperf.cli import main; main(['info'])",
    ],
    ids=["import", "light-names", "help", "screen-list", "info"],
)
def test_light_entry_points_load_no_heavy_dependency(code):
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}, sorted(
        m for m in loaded if m.split(".")[0] in HEAVY
    )[:5]


def test_lazy_names_resolve_to_the_real_objects():
    import nasperf
    from nasperf import datasets, spaces

    for name in nasperf.__all__:
        assert getattr(nasperf, name) is not None, name
    assert nasperf.load_benchmark is datasets.benchmark.load_benchmark
    assert nasperf.get_space is spaces.get_space
    for name in datasets.__all__:
        assert getattr(datasets, name) is not None, name
    assert set(nasperf._LAZY) <= set(nasperf.__all__)
    assert set(datasets._LAZY) <= set(datasets.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nasperf.nope  # noqa: B018


def test_benchmarks_registered_in_other_modules_are_found_without_importing_them_first():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from nasperf.datasets.benchmark import available_benchmarks;"
            "print(','.join(available_benchmarks()))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    import nasperf

    assert out.stdout.strip().split(",") == nasperf.available_benchmarks()
    assert "tnb101_micro" in out.stdout and "nb301_surrogate" in out.stdout


def test_info_catalog_matches_the_live_registries():
    from nasperf import _catalog

    stored = _catalog.read()
    assert stored is not None, f"{_catalog.CATALOG} missing: run python -m nasperf._catalog"
    # collected in a fresh interpreter: other tests register spaces / predictors of their own
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from nasperf import _catalog; print(json.dumps(_catalog.collect()))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    live = json.loads(out.stdout.strip().splitlines()[-1])
    for key in _catalog.SECTIONS:
        assert stored[key] == live[key], (
            f"nasperf/catalog.json is stale in {key!r}: run python -m nasperf._catalog"
        )


def test_info_prints_the_catalog_and_falls_back_to_live_lists(tmp_path, capsys, monkeypatch):
    from nasperf import _catalog
    from nasperf.cli import main

    assert main(["info"]) == 0
    printed = capsys.readouterr().out.splitlines()
    stored = _catalog.read()
    assert printed == _catalog.lines(stored)
    assert (
        "predictor lce (needs learning_curves, no labels): Domhan et al.'s learning-curve "
        "extrapolation (LCE)."
    ) in printed
    assert "predictor xgb: Gradient-boosted trees (XGBoost) on encoded architectures." in printed
    (ckpts,) = [x for x in printed if x.startswith("pre-trained checkpoints: ")]
    assert "nb201-cifar10-gnn" in ckpts.split(": ", 1)[1].split(", ")
    bad = tmp_path / "catalog.json"
    for text in ("not json", '{"search spaces": [1]}', "[]"):
        bad.write_text(text)
        assert _catalog.read(bad) is None
    monkeypatch.setattr(_catalog.read, "__defaults__", (tmp_path / "missing.json",))
    assert main(["info"]) == 0
    live = capsys.readouterr().out.splitlines()
    # the live lists hold the packaged members (and whatever this process registered)
    for line in printed[: len(_catalog.SECTIONS) - 1]:
        key, items = line.split(": ", 1)
        (twin,) = [x for x in live if x.startswith(key + ": ")]
        assert set(items.split(", ")) <= set(twin.split(": ", 1)[1].split(", ")), key
    assert {x for x in printed if x.startswith("predictor ")} <= set(live)
