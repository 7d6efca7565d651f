"""The bench scripts measure the checkout they are in.

A side-by-side timing of two checkouts (``git worktree add OLD <commit>``, then each tree's
``bench/...py``) must import each tree's ``nasperf``: with an editable install, a plain
``import nasperf`` in a script under ``bench/`` finds the installed tree instead, and the
"before" column would time the current code twice.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _imports_nasperf(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(a.name.split(".")[0] == "nasperf" for a in stmt.names)
    return isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] == "nasperf"


def _puts_the_checkout_first(stmt: ast.stmt, roots: set[str]) -> bool:
    """``sys.path.insert(0, <this checkout's root>)``, possibly under an ``if``: the root is
    ``Path(__file__).resolve().parents[1]``, written out or a name bound to it (``roots``)."""
    for node in ast.walk(stmt):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "sys.path.insert"
            and ast.unparse(node.args[0]) == "0"
        ):
            where = ast.unparse(node.args[1])
            if "__file__" in where and "parents[1]" in where:
                return True
            if any(n.id in roots for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)):
                return True
    return False


def _roots(body: list[ast.stmt]) -> set[str]:
    """Names bound to ``Path(__file__).resolve().parents[1]`` at module level."""
    out = set()
    for stmt in body:
        if isinstance(stmt, ast.Assign) and "parents[1]" in ast.unparse(stmt.value):
            out |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return out


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_a_bench_script_imports_the_nasperf_beside_it(script: Path) -> None:
    body = ast.parse(script.read_text(encoding="utf-8")).body
    first = next((i for i, s in enumerate(body) if _imports_nasperf(s)), None)
    if first is None:  # imports nasperf only inside functions or child processes
        return
    roots = _roots(body[:first])
    assert any(_puts_the_checkout_first(s, roots) for s in body[:first]), (
        f"{script.name} imports nasperf at module level before putting its checkout first on "
        "sys.path"
    )


def test_any_space_refuses_search_params_for_an_unknown_method(capsys, monkeypatch) -> None:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_any_space", BENCH / "any_space.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit):
        module.main(["--sections", "", "--search-params", '{"pls": {"n_parents": 1}}'])
    assert "unknown method(s) ['pls']" in capsys.readouterr().err
