"""Every fenced ```python and ```bash block of README.md and docs/*.md runs as written.

How the blocks run
------------------
Each markdown file runs in one fresh Python process (``_docs_driver.py``), in a temporary
folder that looks like a fresh clone's root (``run_study.py``, ``configs/`` and ``bench/``
linked in, outputs written there, ``NASPERF_CACHE`` inside it), block after block in
document order:

* a ``python`` block is executed in a fresh namespace (so every block must import and define
  what it uses, as a reader who copies one block would need);
* a ``bash`` block is split into commands (``\\`` continuations joined, ``#`` comments
  dropped); ``nasperf ARGS`` runs ``nasperf.cli.main(ARGS)``, ``python run_study.py ARGS``
  and ``python bench/NAME.py ARGS`` run the script with ``runpy`` as ``__main__``; each must
  exit with status 0. Any other command fails the block, unless it installs packages
  (``python3 -m venv ...``, ``pip install ...``: the test runs inside the installed
  environment; counted as skipped).

Directives (HTML comments on the lines right before a block, invisible when rendered):

* ``<!-- docs-test: skip (REASON) -->``: not run (a GPU, a dataset archive the user must
  download, a cluster); reported as skipped with the reason;
* ``<!-- docs-test: setup FILE ... -->``: the test writes these fixtures first (see
  :data:`FIXTURES`: ``my_archs.csv``, 150 NB201 cells with ``val_acc`` and
  ``train_time_s`` from the packaged table; ``cells.txt``, 50 NB201 cell texts).

Shrinking (:data:`SHRINK`): so that the whole test takes a minute or two on two cores, sizes
in the examples are reduced by fixed substitutions applied to every block before it runs
(``--n 1000`` -> ``--n 2``, ``budget=100`` -> ``budget=10``, ``--seeds 25`` -> ``--seeds 1``,
study commands get ``--seeds 1 --workers 1`` and, on the packaged benchmark, ``--train-sizes
10,20 --test-size 20`` appended; argparse keeps the last value). Function and option names
are never substituted, so an example that drifts from the API fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
DRIVER = Path(__file__).with_name("_docs_driver.py")

#: Size substitutions, applied in order to every block's text: (regex, replacement).
SHRINK: list[tuple[str, str]] = [
    (r"--n \d+", "--n 2"),
    (r"--seeds \d+", "--seeds 1"),
    (r"--budget \d+", "--budget 8"),
    (r"--workers \d+", "--workers 1"),
    (r"\bbudget=\d+", "budget=8"),
    (r"time_budget=[0-9.e]+", "time_budget=2e5"),
    (r"\.sample\((\d{4,})", ".sample(20"),
]

#: Appended to every ``python run_study.py`` study command (not ``search``).
STUDY_ARGS = ["--seeds", "1", "--workers", "1"]
#: Appended too unless the command gives ``--data`` (whose small fixture then exercises the
#: default sizes adapting to it).
STUDY_BENCHMARK_ARGS = ["--train-sizes", "10,20", "--test-size", "20"]

#: Fixtures a block may ask for with ``<!-- docs-test: setup NAME -->``.
FIXTURES = ("my_archs.csv", "cells.txt")

_FENCE = re.compile(r"^```(\w*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*docs-test:\s*(skip|setup)\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    """One fenced block: where it is, its language, its text, its directives."""

    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None = None
    setup: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}-{self.lang}"


def collect(doc: Path) -> list[Block]:
    """The ``python`` and ``bash`` blocks of ``doc`` with their directives.

    Raises
    ------
    ValueError
        An unclosed fence, an unknown directive or fixture, or a directive not followed
        by a block.
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending: dict = {}
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        m = _DIRECTIVE.match(text)
        if m:
            kind, arg = m.groups()
            if kind == "skip":
                pending["skip"] = arg.strip("() ") or "no reason given"
            else:
                names = tuple(arg.split())
                unknown = sorted(set(names) - set(FIXTURES))
                if unknown:
                    raise ValueError(f"{doc}:{i + 1}: unknown fixture(s) {unknown}")
                pending["setup"] = names
            i += 1
            continue
        if text.startswith("<!--") and "docs-test" in text:
            raise ValueError(f"{doc}:{i + 1}: unreadable docs-test directive {text!r}")
        m = _FENCE.match(text)
        if m and m.group(1):
            lang, start = m.group(1), i
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            if j == len(lines):
                raise ValueError(f"{doc}:{start + 1}: unclosed ``` block")
            if lang in ("python", "bash"):
                blocks.append(
                    Block(doc, start + 1, lang, "\n".join(lines[start + 1 : j]), **pending)
                )
            elif pending:
                raise ValueError(f"{doc}:{start + 1}: docs-test directive before a {lang} block")
            pending = {}
            i = j + 1
            continue
        if text and pending:
            raise ValueError(f"{doc}:{i + 1}: a docs-test directive must come right before a block")
        i += 1
    return blocks


def shrink(code: str) -> str:
    """``code`` with :data:`SHRINK`'s substitutions applied."""
    for pattern, repl in SHRINK:
        code = re.sub(pattern, repl, code)
    return code


def run_doc(blocks: list[Block], workdir: Path, timeout: float = 600) -> dict[int, dict]:
    """Run ``blocks`` (one markdown file's) in one fresh process in ``workdir``; return
    ``{line: {"status": "ok" | "failed" | "skipped", "message": ...}}``."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("run_study.py", "configs", "bench"):
        link = workdir / name
        if not link.exists():
            link.symlink_to(REPO / name)
    spec = {
        "repo": str(REPO),
        "fixtures": sorted({f for b in blocks for f in b.setup}),
        "study_args": STUDY_ARGS,
        "study_benchmark_args": STUDY_BENCHMARK_ARGS,
        "blocks": [
            {"line": b.line, "lang": b.lang, "code": shrink(b.code), "skip": b.skip} for b in blocks
        ],
    }
    (workdir / "blocks.json").write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["NASPERF_CACHE"] = str(workdir / "cache")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, str(DRIVER), str(workdir / "blocks.json"), str(workdir / "out.json")],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    out = workdir / "out.json"
    if not out.exists():
        raise RuntimeError(f"the docs driver died (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return {int(k): v for k, v in json.loads(out.read_text()).items()}


ALL_BLOCKS = [b for doc in DOCS for b in collect(doc)]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict[int, dict]]:
    """Every doc's blocks run once (per test session), results by doc and line."""
    out = {}
    for doc in DOCS:
        blocks = [b for b in ALL_BLOCKS if b.doc == doc]
        if blocks:
            work = tmp_path_factory.mktemp(doc.stem.replace(".", "_"))
            out[str(doc)] = run_doc(blocks, work)
    return out


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[b.id for b in ALL_BLOCKS])
def test_documented_example_runs(block: Block, results) -> None:
    res = results[str(block.doc)].get(block.line)
    assert res is not None, f"{block.id}: not run (an earlier block stopped the driver)"
    if res["status"] == "skipped":
        pytest.skip(f"{block.id}: {res['message']}")
    assert res["status"] == "ok", (
        f"{block.id}:\n{shrink(block.code)}\n--- failed:\n{res['message']}"
    )


def test_every_doc_has_blocks_and_the_readme_starts_with_its_commands() -> None:
    readme = [b for b in ALL_BLOCKS if b.doc.name == "README.md"]
    assert len(readme) >= 10
    first = readme[0]
    assert first.line == 1 and first.lang == "bash"
    assert "run_study.py" in first.code and "pytest" in first.code


def test_a_drifting_example_fails(tmp_path) -> None:
    """A wrong function name, a wrong command option and an unknown command all fail,
    each reported at its block; a block after a failure still runs."""
    doc = tmp_path / "drift.md"
    doc.write_text(
        "```python\nimport nasperf\nnasperf.get_spcae('nb201')\n```\n\n"
        "```bash\nnasperf screen --checkpoint nb201-cifar10-tree --no-such-option 3\n```\n\n"
        "```bash\ncurl https://example.org\n```\n\n"
        "<!-- docs-test: skip (needs a GPU) -->\n```python\nraise SystemExit(1)\n```\n\n"
        "```python\nimport nasperf\nassert nasperf.get_space('nb201').name == 'nb201'\n```\n",
        encoding="utf-8",
    )
    blocks = collect(doc)
    assert [(b.line, b.lang, b.skip) for b in blocks] == [
        (1, "python", None),
        (6, "bash", None),
        (10, "bash", None),
        (15, "python", "needs a GPU"),
        (19, "python", None),
    ]
    res = run_doc(blocks, tmp_path / "work", timeout=300)
    assert res[1]["status"] == "failed" and "get_spcae" in res[1]["message"]
    assert res[6]["status"] == "failed" and "--no-such-option" in res[6]["message"]
    assert res[10]["status"] == "failed" and "not a documented command" in res[10]["message"]
    assert res[15]["status"] == "skipped" and res[15]["message"] == "needs a GPU"
    assert res[19]["status"] == "ok"


def test_directives_are_checked(tmp_path) -> None:
    doc = tmp_path / "bad.md"
    doc.write_text("<!-- docs-test: setup nothing.csv -->\n```bash\nnasperf info\n```\n")
    with pytest.raises(ValueError, match="unknown fixture"):
        collect(doc)
    doc.write_text("<!-- docs-test: skip (x) -->\n\nSome text.\n\n```bash\nnasperf info\n```\n")
    with pytest.raises(ValueError, match="right before a block"):
        collect(doc)


def test_shrink_rules_keep_names_and_reduce_sizes() -> None:
    code = 'search.run("bananas", budget=100, time_budget=2e6); src.sample(1000, seed=0)'
    assert (
        shrink(code) == 'search.run("bananas", budget=8, time_budget=2e5); src.sample(20, seed=0)'
    )
    cmd = "nasperf proxies --n 1000 --seeds 25 --budget 100 --workers 2 --out c10.csv"
    assert shrink(cmd) == "nasperf proxies --n 2 --seeds 1 --budget 8 --workers 1 --out c10.csv"
