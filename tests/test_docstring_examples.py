"""Every ``>>>`` example in nasperf's docstrings runs as written and prints what it shows.

Each module whose source holds ``>>>`` is listed in :data:`EXAMPLES` with the number of
examples that run (``# doctest: +SKIP`` ones are not counted), so an example that is
deleted, skipped or added unnoticed fails here as well as one that drifts from the API. The
examples run in an empty namespace, as a reader who copies them would (they import and
define what they use), except the modules in :data:`MODULE_NAMESPACE`, whose examples use
their module's own names. Files they write go to the test's temporary folder (``tempfile``
and the working directory point there).
"""

from __future__ import annotations

import doctest
import importlib
import tempfile
from pathlib import Path

import pytest

import nasperf

PACKAGE = Path(nasperf.__file__).resolve().parent

#: module -> examples that run (one per ``>>>`` statement, ``+SKIP`` ones excluded)
EXAMPLES: dict[str, int] = {
    "nasperf.datasets.nb301_surrogate": 1,
    "nasperf.datasets.zero_cost_tables": 9,
    "nasperf.encodings.arch2vec": 11,
    "nasperf.encodings.augmentation": 10,
    "nasperf.encodings.base": 6,
    "nasperf.encodings.zero_cost": 9,
    "nasperf.evaluation.config": 4,
    "nasperf.evaluation.store": 10,
    "nasperf.predictors.base": 12,
    "nasperf.pretrained": 15,
    "nasperf.pretrained.screening": 13,
    "nasperf.registry": 3,
    "nasperf.search": 4,
    "nasperf.search.objective": 12,
    "nasperf.spaces.supernet": 14,
}

#: Modules whose examples run in the module's namespace (they use its names unimported).
MODULE_NAMESPACE = frozenset({"nasperf.datasets.nb301_surrogate", "nasperf.registry"})


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def test_every_module_with_examples_is_run():
    assert _modules_with_examples() == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    module = importlib.import_module(name)
    globs = None if name in MODULE_NAMESPACE else {"__name__": name}
    runner = doctest.DocTestRunner(verbose=False)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module, name, globs=globs):
        runner.run(test, out=report.append)
    # Python 3.13's doctest counts "+SKIP" examples in tries (and in skips); earlier ones
    # count only the examples that ran
    failed, attempted = runner.failures, runner.tries - getattr(runner, "skips", 0)
    assert failed == 0, "".join(report)
    assert attempted == EXAMPLES[name], f"{name}: {attempted} examples ran"
