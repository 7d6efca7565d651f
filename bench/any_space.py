#!/usr/bin/env python
"""Any search space, not only NB201: nasperf's defaults measured on user-defined spaces.

Independent sections (``--sections``, comma-separated; each a function of the parsed
arguments that returns markdown):

* ``search``: queries to the optimum (seeds that found it; median [IQR] and worst) of every
  search method, 10 seeds, on NB201 CIFAR-10 (the reference, with its packaged zero-cost
  table) and on user spaces (``SEARCH_CASES``) searched the way a user would: the space
  registered by a module, its table given as a file, ``nasperf search``'s own study code
  (``--import``, ``--space``, ``--data``, ``--target``), no packaged proxies. The warm
  starts then compute synflow and params with the space's network builder (cached on
  disk in ``~/.cache/nasperf``; the first run builds every network of each space once).
  Budgets: 100 queries for predictor-guided methods, 300 for the others (a search ends when
  it finds the optimum: only the queries to it are reported); results are kept
  in ``bench/out/any_space/search/`` (resumable: a rerun only runs what is missing).

  - ``nb201_sub_c10`` / ``nb201_sub_c100``: NB201 cells without ``none`` (4,096; a user
    space in ``tests/search/user_spaces.py`` over NB201's builder; labels: the NB201
    table's 200-epoch validation accuracy on CIFAR-10 / CIFAR-100);
  - ``macro``: NAS-Bench-Macro's 8-layer chains (6,561; ``examples/macro_space.py``, real
    CIFAR-10 test accuracies), where that example exists;
  - ``chain8``: an 8-layer chain of 3 choices (6,561; labels from a synthetic NK landscape,
    ``chain8_table``: interactions dominate, a stress test, not measured accuracies).

  More spaces: add a factory to ``SEARCH_CASES``; registered benchmarks in
  ``TABLE_BENCHMARKS`` (TransNAS-Bench-101, NAS-Bench-Graph) join by name once they exist.

    python bench/any_space.py --sections search           # 10 seeds
    python bench/any_space.py --sections search --quick   # 3 seeds, short budgets, 2 spaces
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OUT = REPO / "bench" / "out" / "any_space"


# =========================================================================== search section
@dataclass(frozen=True)
class SearchCase:
    """A space to search: a registered benchmark (``benchmark``), or a user table
    (``table()``, indexed by architecture text) over the space ``space`` that the module
    ``module`` registers, maximising ``target``."""

    name: str
    labels: str
    benchmark: str | None = None
    dataset: str = "cifar10"
    space: str | None = None
    module: str | None = None
    table: Callable | None = None
    target: str = "val_acc"


def _nb201_sub(dataset: str) -> Callable:
    def table():
        from tests.search.user_spaces import nb201_sub_table

        return nb201_sub_table(dataset)[["val_acc_200ep"]]

    return table


def _macro_table():
    from examples.macro_space import load_macro_benchmark

    return load_macro_benchmark()[["test_acc"]]


def _chain8_table():
    from tests.search.user_spaces import chain8_table

    return chain8_table()


def _has_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


USER_SPACES = "tests.search.user_spaces"
#: The spaces searched, in order (name -> case); a case whose module is missing is skipped.
SEARCH_CASES: dict[str, SearchCase] = {
    c.name: c
    for c in (
        SearchCase("nb201", "NB201 table (packaged proxies)", benchmark="nb201"),
        SearchCase(
            "nb201_sub_c10",
            "NB201 200-ep val. acc., CIFAR-10",
            space="user_nb201_sub",
            module=USER_SPACES,
            table=_nb201_sub("cifar10"),
            target="val_acc_200ep",
        ),
        SearchCase(
            "nb201_sub_c100",
            "NB201 200-ep val. acc., CIFAR-100",
            space="user_nb201_sub",
            module=USER_SPACES,
            table=_nb201_sub("cifar100"),
            target="val_acc_200ep",
        ),
        SearchCase(
            "macro",
            "NAS-Bench-Macro test acc. (real)",
            space="macro",
            module="examples.macro_space",
            table=_macro_table,
            target="test_acc",
        ),
        SearchCase(
            "chain8",
            "synthetic NK landscape",
            space="user_chain8",
            module=USER_SPACES,
            table=_chain8_table,
        ),
    )
}
#: Registered benchmarks searched when they exist (other helpers' spaces): name -> dataset.
TABLE_BENCHMARKS = {"tnb101_micro": None, "tnb101_macro": None, "nbgraph": "cora"}
QUICK_CASES = ("nb201", "chain8")

#: Methods and their budgets (queries).
SEARCH_METHODS = {
    "random_search": 300,
    "regularized_evolution": 300,
    "local_search": 300,
    "npenas": 100,
    "bananas": 100,
    "predictor_local_search": 100,
}


def _search_cases(args: argparse.Namespace) -> list[SearchCase]:
    from nasperf.datasets import available_benchmarks

    cases = dict(SEARCH_CASES)
    for name, dataset in TABLE_BENCHMARKS.items():
        if name in available_benchmarks():
            cases[name] = SearchCase(name, name, benchmark=name, dataset=dataset or "cifar10")
    wanted = getattr(args, "search_cases", None) or (
        list(QUICK_CASES) if args.quick else list(cases)
    )
    unknown = [c for c in wanted if c not in cases]
    if unknown:
        raise SystemExit(f"unknown search case(s) {unknown}; available: {', '.join(cases)}")
    out = []
    for name in wanted:
        case = cases[name]
        if case.module and not _has_module(case.module):
            print(f"[search] {name}: skipped ({case.module} is not here)", file=sys.stderr)
            continue
        out.append(case)
    return out


def _search_trials(case: SearchCase, folder: Path, seeds: int, quick: bool) -> list[dict]:
    import nasperf.search.study as study

    source: dict = {"benchmark": case.benchmark or "nb201", "dataset": case.dataset}
    if case.table is not None:
        import importlib

        importlib.import_module(case.module)
        path = folder / "table.csv"
        if not path.exists():
            table = case.table()
            table.index.name = "arch"
            table.to_csv(path)
        source = {
            "space": case.space,
            "data": path,
            "target": case.target,
            "imports": [case.module],
            "dataset": case.dataset,
        }
    trials = []
    for name, budget in SEARCH_METHODS.items():
        spec: str | dict = name
        if quick:
            budget = max(10, budget // 5)
            if case.table is not None and name in ("bananas", "predictor_local_search"):
                # a smoke run: the warm start scores 500 architectures, not the whole table
                spec = {"optimizer": name, "params": {"proxy_pool": 500}, "label": name}
        trials += study.search_trials(
            [spec], seeds=seeds, budget=budget, stop_at_optimum=True, **source
        )
    return trials


def search_section(args: argparse.Namespace) -> str:
    """Queries to the optimum of every method on NB201 and the user spaces (markdown)."""
    import nasperf.search.study as study

    seeds = getattr(args, "search_seeds", None) or (3 if args.quick else 10)
    workers = getattr(args, "workers", None) or 1
    budgets = ", ".join(
        f"{m} {max(10, b // 5) if args.quick else b}" for m, b in SEARCH_METHODS.items()
    )
    lines = [
        f"Queries to the optimum, {seeds} seeds (budgets: {budgets}); "
        "'found' counts the seeds that reached it within the budget.",
        "",
        "| space | labels | method | found | queries median [IQR], worst | repeats |",
        "|---|---|---|---|---|---|",
    ]
    notes: dict[str, None] = {}
    for case in _search_cases(args):
        t0 = time.perf_counter()
        folder = OUT / "search" / case.name
        folder.mkdir(parents=True, exist_ok=True)
        trials = _search_trials(case, folder, seeds, args.quick)
        hist = study.run_search_study(trials, folder, workers=workers, progress=True)
        objective = study._trial_objective(trials[0])
        summary = study.summarize_search(
            hist, table_values=objective.table_values(), checkpoints=(), baselines=()
        )
        for _, r in summary.iterrows():
            if r["method"] == "random_search (analytic)":
                cells = ["-", f"{r['optimum: queries median']:,.0f} (exact)", "-"]
            else:
                q = [r[f"optimum: queries {k}"] for k in ("median", "q25", "q75", "max")]
                f = ["-" if not np.isfinite(v) else f"{v:.0f}" for v in q]
                g = hist[hist["label"] == r["method"]]
                cells = [
                    r["optimum: found"],
                    f"{f[0]} [{f[1]}–{f[2]}], {f[3]}",
                    f"{int(g['repeat'].sum())}/{len(g)}",
                ]
            lines.append(
                f"| {case.name} | {case.labels} | {r['method']} | " + " | ".join(cells) + " |"
            )
        for note in hist.attrs.get("notes", []):
            # one line per kind: the charged seconds differ between spaces
            notes.setdefault(re.sub(r" \([0-9.,]+ s charged\)", "", f"{case.name}: {note}"), None)
        print(f"[search] {case.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    lines += [
        "",
        "A median of '-' means half the seeds or more did not reach the optimum within the "
        "budget (the IQR and worst likewise).",
    ]
    if notes:
        lines += ["", "Notes from the searches:", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


# =========================================================================== main
#: The sections, in order.
SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {"search": search_section}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few seeds, short budgets")
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--search-seeds", type=int, default=None, help="search seeds (default 10)")
    p.add_argument(
        "--search-cases",
        default=None,
        help=f"spaces to search (default: {', '.join(SEARCH_CASES)})",
    )
    p.add_argument("--workers", type=int, default=1, help="parallel searches")
    args = p.parse_args(argv)
    if args.search_cases:
        args.search_cases = [c.strip() for c in args.search_cases.split(",") if c.strip()]
    for name in [s for s in args.sections.split(",") if s]:
        if name not in SECTIONS:
            p.error(f"unknown section {name!r}; available: {', '.join(SECTIONS)}")
        print(f"## {name}\n")
        print(SECTIONS[name](args))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
