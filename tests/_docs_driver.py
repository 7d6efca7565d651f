"""Runs one markdown file's code blocks for ``tests/test_docs_examples.py`` (in its own process).

Usage: python _docs_driver.py BLOCKS.json OUT.json (run in the work folder). Writes
``{line: {"status": "ok" | "failed" | "skipped", "message": str}}`` after every block, so
that a crash still leaves the results so far.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import shlex
import sys
import time
import traceback
import types
from pathlib import Path

INSTALL = ("python3 -m venv", "python -m venv", "pip install")


def make_fixtures(names: list[str]) -> None:
    """The user files that documented commands read (see FIXTURES in the test)."""
    import nasperf

    table = nasperf.load_benchmark("nb201", dataset="cifar10")
    if "my_archs.csv" in names:
        sub = table.sample(150, random_state=0).reset_index()
        sub = sub[["arch", "val_acc_200ep", "train_time_s"]].rename(
            columns={"val_acc_200ep": "val_acc"}
        )
        sub.to_csv("my_archs.csv", index=False)
    if "cells.txt" in names:
        cells = table.sample(50, random_state=1).index
        Path("cells.txt").write_text("\n".join(cells) + "\n", encoding="utf-8")


def _tail(text: str, n: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def run_python(code: str, where: str, name: str) -> tuple[str, str]:
    # a fresh module per block (dataclasses and pickling look their module up)
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(code, where, "exec"), module.__dict__)
    except BaseException:
        return "failed", _tail(traceback.format_exc())
    return "ok", ""


def _commands(code: str) -> list[str]:
    joined = code.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip()]


def _run_argv(argv: list[str], spec: dict) -> int:
    """Run one documented command in this process; its exit status."""
    if argv[0] == "nasperf":
        from nasperf.cli import main

        return int(main(argv[1:]) or 0)
    if argv[0] in ("python", "python3") and len(argv) > 1 and argv[1].endswith(".py"):
        script, args = argv[1], argv[2:]
        if script == "run_study.py" and args[:1] != ["search"]:
            args = args + spec["study_args"]
            if "--data" not in args:
                args = args + spec["study_benchmark_args"]
        if script != "run_study.py" and not script.startswith("bench/"):
            raise LookupError(script)
        old = sys.argv
        sys.argv = [script, *args]
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as exc:
            code = exc.code
            return 0 if code is None else (code if isinstance(code, int) else 1)
        finally:
            sys.argv = old
        return 0
    raise LookupError(argv[0])


def run_bash(code: str, spec: dict) -> tuple[str, str]:
    ran = skipped = 0
    for line in _commands(code):
        if any(p in line for p in INSTALL):
            skipped += 1
            continue
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = _run_argv(argv, spec)
        except LookupError:
            return "failed", f"{line}\n'{argv[0]}' is not a documented command this test runs"
        except SystemExit as exc:  # argparse errors inside main()
            status = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            return "failed", f"{line}\n{_tail(err.getvalue())}\n{_tail(traceback.format_exc())}"
        if status != 0:
            return "failed", f"{line}\nexit status {status}\n{_tail(err.getvalue())}"
        ran += 1
    if not ran and skipped:
        return "skipped", "installs packages (the test runs inside the installed environment)"
    return "ok", ""


def main() -> None:
    # Documented code runs as a user's would: not with tests/ first on the path, where the
    # test package ``tests/examples`` would hide the repository's ``examples``.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if not p or str(Path(p).resolve()) != here]
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out_path = Path(sys.argv[2])
    make_fixtures(spec["fixtures"])
    results: dict[int, dict] = {}
    cwd = os.getcwd()
    for block in spec["blocks"]:
        line = block["line"]
        start = time.perf_counter()
        if block["skip"]:
            status, message = "skipped", block["skip"]
        elif block["lang"] == "python":
            status, message = run_python(
                block["code"], f"<block at line {line}>", f"docs_block_{line}"
            )
        else:
            status, message = run_bash(block["code"], spec)
        os.chdir(cwd)
        results[line] = {
            "status": status,
            "message": message,
            "seconds": round(time.perf_counter() - start, 1),
        }
        out_path.write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main()
