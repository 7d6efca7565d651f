"""Two runs of ``bench/any_space.py --sections search`` compared seed by seed.

A default and a variant (``--search-params``) run on the same cases and seeds, each into its
own ``--out`` folder, share each seed's warm start and first random draws; pairing the
seeds removes that shared part, so a paired comparison tells two settings apart where the
medians' confidence intervals overlap. For every case and method found in both folders it
prints the queries to the optimum (and to the top 0.1 %, where the case's folder holds its
table) of A and B, the seeds on which B needed fewer, as many, and more queries, and the
sign test's two-sided p-value (:func:`nasperf.search.study.compare_searches`)::

  python bench/any_space.py --sections search --search-cases macro --out /tmp/a
  python bench/any_space.py --sections search --search-cases macro --out /tmp/b \\
      --search-params '{"predictor_local_search": {"n_parents": 1}}'
  python bench/compare_searches.py /tmp/a /tmp/b

Nothing is searched again: the histories are read from the folders' stores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nasperf.search.study import (  # noqa: E402
    TARGETS,
    _format_queries,
    compare_searches,
    read_search_study,
    target_threshold,
)


def _optimum(hist: pd.DataFrame) -> float | None:
    """The optimum's value the searches were run against (best value + regret)."""
    opt = (hist["best_value"] + hist["regret"]).dropna()
    return None if opt.empty else float(opt.iloc[0])


def _top_threshold(folder: Path) -> float | None:
    """The value of the top 0.1 % of the case's table (``table.csv``, written by the search
    section for the spaces given as files; the search report's target), or None without
    one."""
    path = folder / "table.csv"
    if not path.is_file():
        return None
    values = pd.read_csv(path, index_col=0).iloc[:, 0].dropna().to_numpy(np.float64)
    return target_threshold(values, TARGETS["top 0.1%"])


def _q(v: float) -> str:
    """A median of queries as the search report prints it (``14.5`` for an even number of
    seeds, never rounded to even); ``-`` where not reached."""
    return _format_queries(v)


def compare_folders(a: Path, b: Path, cases: list[str] | None = None) -> str:
    """The markdown table comparing the search studies of two ``--out`` folders."""
    names = sorted(
        p.name for p in (a / "search").iterdir() if p.is_dir() and (b / "search" / p.name).is_dir()
    )
    if cases:
        missing = [c for c in cases if c not in names]
        if missing:
            raise SystemExit(f"case(s) {missing} are not in both {a} and {b}")
        names = [n for n in names if n in cases]
    if not names:
        raise SystemExit(f"{a} and {b} have no search case in common")
    lines = [
        "| case | method | target | seeds | A median | B median | B fewer / same / more | "
        "sign test p |",
        "|---|---|---|---:|---:|---:|---|---:|",
    ]
    for name in names:
        ha = read_search_study(a / "search" / name)
        hb = read_search_study(b / "search" / name)
        targets = {"optimum": _optimum(ha), "top 0.1 %": _top_threshold(a / "search" / name)}
        for target, thr in targets.items():
            if thr is None:
                continue
            for _, r in compare_searches(ha, hb, thr).iterrows():
                # (several fidelities: the medians are simulated seconds to the target)
                unit = " s" if r["by"] == "sim_time_s" else ""
                lines.append(
                    f"| {name} | {r['label']} | {target} | {r['seeds']} | "
                    f"{_q(r['a median'])}{unit} | {_q(r['b median'])}{unit} | "
                    f"{r['b fewer']} / {r['same']} / {r['b more']} | {r['p']:.3f} |"
                )
    lines += [
        "",
        "A median of '-': half the seeds or more did not reach the target within the budget "
        "(such a search needs more queries than any that did; two that did not tie). The sign "
        "test ignores ties; p < 0.05 on few seeds is still one comparison among many. "
        "Medians in seconds ('s'): searches that queried several fidelities, compared by the "
        "simulated time to the target (a cheap query costs its share of a full one).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", type=Path, help="the --out folder of the first run (e.g. the default)")
    p.add_argument("b", type=Path, help="the --out folder of the second run (the variant)")
    p.add_argument("--cases", help="cases to compare, comma-separated (default: all in both)")
    args = p.parse_args(argv)
    for folder in (args.a, args.b):
        if not (folder / "search").is_dir():
            raise SystemExit(f"{folder} holds no search studies (no {folder / 'search'})")
    cases = [c.strip() for c in args.cases.split(",") if c.strip()] if args.cases else None
    print(compare_folders(args.a, args.b, cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
