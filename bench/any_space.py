"""Any search space, not only NB201: nasperf's defaults measured on user-defined spaces.

Sections (independent functions, each printing one markdown table; add a section by adding
a function to ``SECTIONS``):

``predictors``
    Kendall tau (mean over seeds) of the default predictors, each built as a user would
    build it (``nasperf.predictors.get(name, space=...)``, no other parameter), at
    ``--sizes`` training architectures on one fixed test set per seed
    (:func:`nasperf.evaluation.make_split`: disjoint, nested training sets) on every space
    of ``CASES``:

    * ``nb201``: NAS-Bench-201 CIFAR-10, the reference (200-epoch validation accuracy; the
      12-epoch validation accuracy as the learning curve; the packaged zero-cost table);
    * ``nb201_user``: the NB201 cells without ``none`` (4^6 = 4,096) as a *user* space
      defined below (its own architecture type; labels, curves and zero-cost rows from the
      NB201 tables);
    * ``macro``: the worked example space ``examples/macro_space.py`` (NAS-Bench-Macro, 8
      layers x 3 blocks, 6,561 chains; measured CIFAR-10 test accuracy; no learning
      curves, no zero-cost table: omni computes its data-free proxies, cached in
      ``$NASPERF_CACHE``).

    ``omni`` runs twice: with whatever exists (``omni``) and without learning curves
    (``omni (no curves)``). ``bananas (path)`` forces the path encoding (the old default)
    to show what ``path_auto`` avoids. The last columns give each predictor's worst drop
    in tau from its NB201 value on the same size, and BANANAS's chosen encoding per space.

Hook for other spaces: append a ``Case`` factory to ``CASES`` (a space instance, a table
indexed by architecture text, the target column, optional curve columns and zero-cost
table); e.g. TransNAS-Bench-101 or NAS-Bench-Graph once their spaces exist.

Usage:
  python bench/any_space.py --quick          # n=100, 1 seed, 200 test architectures
  python bench/any_space.py                  # n=100 and 1,000, 2 seeds, 500 test
  python bench/any_space.py --cases macro --predictors bananas,omni
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # examples/ lives beside the package
    sys.path.insert(0, str(ROOT))

import nasperf  # noqa: E402
from nasperf.errors import InvalidArchitectureError  # noqa: E402
from nasperf.evaluation import make_split  # noqa: E402
from nasperf.spaces import NB201Arch, NB201Space, SearchSpace  # noqa: E402

#: The default predictors of the issue; "omni (no curves)" and "bananas (path)" are variants.
PREDICTORS: tuple[str, ...] = (
    "xgb",
    "lgb",
    "rf",
    "gp",
    "mlp",
    "bananas",
    "bananas (path)",
    "gin",
    "gates",
    "omni",
    "omni (no curves)",
)


# --------------------------------------------------------------------------- a user space
@dataclass(frozen=True, slots=True)
class CellArch:
    """A cell of the user space: NB201's six edges, each one of four operations."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != 6:
            raise InvalidArchitectureError("ops", self.ops, "expected 6 operations", space="cells4")
        for k, op in enumerate(self.ops):
            if op not in CellSpace.ops:
                raise InvalidArchitectureError(f"ops[{k}]", op, "not an operation", space="cells4")


class CellSpace(SearchSpace[CellArch]):
    """NB201's cell without ``none`` edges, written as a user would: NB201's text format
    and network builder, its own value type and operations."""

    name = "cells4"
    ops = ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    arch_type = CellArch
    max_nodes = 8
    max_path_length = 3
    _nb201 = NB201Space()

    def parse(self, text: str) -> CellArch:
        return CellArch(self._nb201.parse(text).ops)

    def to_string(self, arch: CellArch) -> str:
        return self._nb201.format(NB201Arch(arch.ops))

    def cells(self, arch: CellArch):
        return self._nb201.cells(NB201Arch(arch.ops))

    def random_architecture(self, rng: np.random.Generator) -> CellArch:
        return CellArch(tuple(self.ops[i] for i in rng.integers(len(self.ops), size=6)))

    def neighbors(self, arch: CellArch) -> list[CellArch]:
        return [
            CellArch(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
            for k in range(6)
            for op in self.ops
            if op != arch.ops[k]
        ]

    @property
    def size(self) -> int:
        return len(self.ops) ** 6

    def build_network(self, arch: CellArch, dataset="cifar10", **kwargs):
        return self._nb201.build_network(NB201Arch(self.coerce(arch).ops), dataset, **kwargs)


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One space to measure on."""

    name: str
    space: SearchSpace
    table: pd.DataFrame  # indexed by architecture text
    target: str
    curves: list[str] = field(default_factory=list)  # columns of a partial learning curve
    zero_cost: pd.DataFrame | None = None
    note: str = ""


def nb201_case() -> Case:
    table = nasperf.load_benchmark("nb201", "cifar10")
    zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
    table = table.loc[table.index.intersection(zc.index)]
    return Case("nb201", nasperf.get_space("nb201"), table, "val_acc_200ep", ["val_acc_12ep"], zc)


def nb201_user_case() -> Case:
    space = CellSpace()
    table = nasperf.load_benchmark("nb201", "cifar10")
    keep = [t for t in table.index if "none" not in t]
    zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
    return Case(
        "nb201_user",
        space,
        table.loc[keep],
        "val_acc_200ep",
        ["val_acc_12ep"],
        zc.loc[zc.index.intersection(keep)],
        note="4,096 cells",
    )


def macro_case() -> Case:
    from examples.macro_space import load_macro_benchmark

    return Case(
        "macro",
        nasperf.get_space("macro"),
        load_macro_benchmark(),
        "test_acc",
        note="6,561 chains",
    )


#: The spaces measured, in order. Append a factory to add one (TransNAS-Bench-101,
#: NAS-Bench-Graph, ...): the sections below need nothing else.
CASES: dict[str, Callable[[], Case]] = {
    "nb201": nb201_case,
    "nb201_user": nb201_user_case,
    "macro": macro_case,
}


# --------------------------------------------------------------------------- predictors
def _make(label: str, case: Case, seed: int):
    name = label.split(" ")[0]
    params: dict = {"space": case.space, "random_state": seed}
    if label == "bananas (path)":
        params["encoding"] = "path"
    return nasperf.predictors.get(name, **params)


def _side(label: str, case: Case, rows: list[str]) -> dict:
    side: dict = {}
    if not label.startswith("omni"):
        return side
    if case.zero_cost is not None:
        side["zero_cost"] = case.zero_cost
    if case.curves and label == "omni":
        side["learning_curves"] = case.table.loc[rows, case.curves].to_numpy(np.float64)
    return side


def _trial(label: str, case: Case, train: list[str], test: list[str], seed: int) -> dict:
    y = case.table[case.target]
    pred = _make(label, case, seed)
    t0 = time.perf_counter()
    pred.fit(train, y.loc[train].to_numpy(), **_side(label, case, train))
    t1 = time.perf_counter()
    scores = pred.predict(test, **_side(label, case, test))
    t2 = time.perf_counter()
    return {
        "tau": float(kendalltau(scores, y.loc[test].to_numpy())[0]),
        "fit_s": t1 - t0,
        "predict_s": t2 - t1,
        "encoding": getattr(pred, "encoding_", ""),
        "zero_cost": getattr(pred, "zero_cost_source_", ""),
    }


def predictor_section(args: argparse.Namespace) -> str:
    """Kendall tau of the default predictors per space and training size (see the module
    docstring); progress on stderr."""
    rows = []
    for case_name in args.cases:
        case = CASES[case_name]()
        candidates = list(case.table.index[np.isfinite(case.table[case.target])])
        for seed in range(args.seeds):
            for n in args.sizes:
                split = make_split(candidates, n, test_size=args.test_size, seed=seed)
                train, test = list(split.train), list(split.test)
                for label in args.predictors:
                    r = _trial(label, case, train, test, seed)
                    rows.append({"space": case.name, "n": n, "seed": seed, "label": label, **r})
                    print(
                        f"{case.name:>10} n={n:<5} seed={seed} {label:<17} tau {r['tau']:.3f} "
                        f"fit {r['fit_s']:.1f}s {r['encoding']} {r['zero_cost']}",
                        file=sys.stderr,
                        flush=True,
                    )
    df = pd.DataFrame(rows)
    mean = df.groupby(["label", "space", "n"], sort=False)["tau"].mean()
    fit = df.groupby(["label", "space", "n"], sort=False)["fit_s"].mean()
    cols = [(c, n) for c in args.cases for n in args.sizes]
    head = ["predictor", *[f"{c} n={n}" for c, n in cols]]
    if "nb201" in args.cases and len(args.cases) > 1:
        head.append("worst drop vs nb201")
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for label in args.predictors:
        cells = [label]
        for c, n in cols:
            cells.append(f"{mean[(label, c, n)]:.3f} ({fit[(label, c, n)]:.1f} s)")
        if "nb201" in args.cases and len(args.cases) > 1:
            drops = [
                mean[(label, "nb201", n)] - mean[(label, c, n)] for c, n in cols if c != "nb201"
            ]
            cells.append(f"{max(drops):+.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    chosen = df[df["label"].isin(["bananas", "omni", "omni (no curves)"])]
    notes = chosen.groupby(["label", "space"], sort=False)[["encoding", "zero_cost"]].first()
    lines.append("")
    lines.append(
        "Fitted choices: "
        + "; ".join(
            f"{lbl} on {sp}: encoding {r.encoding or '-'}, zero-cost {r.zero_cost or 'none'}"
            for (lbl, sp), r in notes.iterrows()
        )
    )
    lines.append(
        f"Kendall tau on {args.test_size} test architectures, mean over {args.seeds} seed(s); "
        f"in brackets the mean fit seconds ({args.threads} torch thread(s))."
    )
    return "\n".join(lines)


#: The sections, in order (helper "anysearch" adds the search section).
SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {
    "predictors": predictor_section,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n=100, 1 seed, 200 test archs")
    p.add_argument("--cases", default=",".join(CASES), help="spaces, comma-separated")
    p.add_argument("--sizes", default=None, help="training sizes (default 100,1000)")
    p.add_argument("--seeds", type=int, default=None, help="seeds (default 2)")
    p.add_argument("--test-size", type=int, default=None, help="test archs (default 500)")
    p.add_argument("--predictors", default=",".join(PREDICTORS))
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.cases = [c for c in args.cases.split(",") if c]
    args.predictors = [x.strip() for x in args.predictors.split(",") if x.strip()]
    sizes = args.sizes or ("100" if args.quick else "100,1000")
    args.sizes = [int(s) for s in sizes.split(",")]
    args.seeds = args.seeds or (1 if args.quick else 2)
    args.test_size = args.test_size or (200 if args.quick else 500)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {unknown}; available: {', '.join(CASES)}")
    for name in [s for s in args.sections.split(",") if s]:
        print(f"## {name}\n")
        print(SECTIONS[name](args))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
