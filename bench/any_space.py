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
    * ``nb201_nopool_in16``: the NB201 cells without ``avg_pool_3x3`` (4,096, ``none``
      allowed; ``user_nb201_nopool`` of ``tests/search/user_spaces.py``), ImageNet16-120
      labels, curves and zero-cost rows: a space added after the defaults were set;
    * ``macro``: the worked example space ``examples/macro_space.py`` (NAS-Bench-Macro, 8
      layers x 3 blocks, 6,561 chains; measured CIFAR-10 test accuracy; no learning
      curves, no zero-cost table: omni computes its data-free proxies, cached in
      ``$NASPERF_CACHE``).

    ``omni`` runs twice: with whatever exists (``omni``) and without learning curves
    (``omni (no curves)``). ``bananas (path)`` forces the path encoding (the old default)
    to show what ``path_auto`` avoids. The last columns give each predictor's worst drop
    in tau from its NB201 value on the same size, and BANANAS's chosen encoding per space.

Other spaces: ``--user-space FILE`` adds a space of one's own to both sections from a
YAML file (modules registering it, a CSV table, the target, optional curve columns and
zero-cost file; :func:`load_user_space`), without editing this script; or append a ``Case``
factory to ``CASES`` (a space instance, a table indexed by architecture text, the target
column, optional curve columns and zero-cost table). ``bench/held_out_spaces.py DIR`` writes
six such files (NB201 cells without ``skip_connect`` or ``nor_conv_3x3``, three datasets,
each seed's result, the 12-epoch accuracy as omni's curve) and prints the commands that
search them and run the predictors on them beside NB201.

``search``
    Queries to the optimum (seeds that found it, with the share's 95 % interval; median
    [IQR] and worst, and the median's distribution-free 95 % interval) of every
    search method, 10 seeds, on NB201 CIFAR-10 (the reference, with its packaged zero-cost
    table) and on user spaces (``SEARCH_CASES``) searched the way a user would: the space
    registered by a module, its table given as a file, ``nasperf search``'s own study code
    (``--import``, ``--space``, ``--data``, ``--target``), no packaged proxies. The warm
    starts then compute synflow and params with the space's network builder (cached on
    disk in ``~/.cache/nasperf``; the first run builds every network of each space once).
    Budgets: 100 queries for predictor-guided methods, 300 for the others (a search ends when
    it finds the optimum: only the queries to it are reported); results are kept
    in ``bench/out/any_space/search/<case>/`` (``--out``; a run starts afresh, or with
    ``--resume`` runs only what is missing; a run holds its case folder, so two runs at
    once need different ``--out`` folders).

    * ``nb201_sub_c10`` / ``nb201_sub_c100``: NB201 cells without ``none`` (4,096; a user
      space in ``tests/search/user_spaces.py`` over NB201's builder; labels: the NB201
      table's 200-epoch validation accuracy on CIFAR-10 / CIFAR-100);
    * ``nb201_nopool_in16``: NB201 cells without ``avg_pool_3x3`` (4,096, ``none``
      allowed), labelled by ImageNet16-120 200-epoch validation accuracy: added after the
      defaults were set, as a space they were not tuned on;
    * ``macro``: NAS-Bench-Macro's 8-layer chains (6,561; ``examples/macro_space.py``, real
      CIFAR-10 test accuracies), where that example exists;
    * ``chain8``: an 8-layer chain of 3 choices (6,561; labels from a synthetic NK landscape,
      ``chain8_table``: interactions dominate, a stress test, not measured accuracies).

    * ``tnb101_micro_scene`` / ``tnb101_macro_object``: TransNAS-Bench-101 tasks, partial
      tables (the optimizers stay among the labelled networks); predictor-guided methods
      warm-started from the packaged table's params, with a budget of 60
      (``TABLE_BENCHMARKS`` says why);
    * ``nbgraph_cora`` / ``nbgraph_citeseer``: NAS-Bench-Graph (26,206 GNNs, all labelled),
      the warm start on a pool of 30 GNNs (``_NBGRAPH_POOL`` says why).

    ``--search-methods`` restricts the methods (default: every one of ``SEARCH_METHODS``);
    ``--search-params`` sets method parameters on top of the cases' (e.g. the warm start).

    More spaces: add a case to ``SEARCH_CASES`` or ``TABLE_BENCHMARKS``.

``optimum``
    How predictable each search case's optimum is (:func:`optimum_rank`): its rank among
    the table's networks by the out-of-fold prediction of the search's own predictor,
    fitted on 4/5 of the table (5 folds, 3 shuffles; seconds per case). A search that
    queried the networks in that order would need that many queries: where the rank lies
    far above a search's budget, no predictor can point at the optimum, and reaching it
    is luck or the proxies' doing. Where a case has each training seed's result
    (``SearchCase.replicates``; ``replicates:`` in a ``--user-space`` file), also how often
    the optimum stays the best when they are resampled (:func:`seed_resampled_optimum`):
    far below 100 %, its lead is the benchmark's seed noise. Same cases and
    ``--search-cases`` as ``search``.

Usage:
  python bench/any_space.py --quick          # n=100, 1 seed, 200 test architectures
  python bench/any_space.py                  # n=100 and 1,000, 2 seeds, 500 test
  python bench/any_space.py --cases macro --predictors bananas,omni
  python bench/any_space.py --sections search           # 10 seeds
  python bench/any_space.py --sections search --quick   # 3 seeds, short budgets, 2 spaces
  python bench/any_space.py --sections optimum          # how predictable each optimum is
  python bench/any_space.py --user-space my_space.yaml --cases nb201,my_space --quick
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import re
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


def nb201_nopool_case() -> Case:
    from tests.search.user_spaces import nb201_nopool_table

    table = nb201_nopool_table("ImageNet16-120")
    zc = nasperf.datasets.load_zero_cost("nb201", "ImageNet16-120")
    return Case(
        "nb201_nopool_in16",
        nasperf.get_space("user_nb201_nopool"),
        table,
        "val_acc_200ep",
        ["val_acc_12ep"],
        zc.loc[zc.index.intersection(table.index)],
        note="4,096 cells, ImageNet16-120",
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


def _vardepth_case(name: str, note: str) -> Callable[[], Case]:
    def case() -> Case:
        table = _vardepth_table()()  # its import registers the space
        return Case(name, nasperf.get_space(f"user_{name}"), table, "val_acc", note=note)

    return case


#: The spaces measured, in order. Append a factory to add one (TransNAS-Bench-101,
#: NAS-Bench-Graph, ...): the sections below need nothing else.
CASES: dict[str, Callable[[], Case]] = {
    "nb201": nb201_case,
    "nb201_user": nb201_user_case,
    "nb201_nopool_in16": nb201_nopool_case,
    "macro": macro_case,
    "vardepth": _vardepth_case("vardepth", "2,744 networks, one cell of 3-9 layers"),
    "vardepth_stages": _vardepth_case("vardepth_stages", "the same, one cell per stage"),
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
        from nasperf.datasets.curves import LearningCurves

        # the table's own units (not checked as percent): omni reads them as features
        values = case.table.loc[rows, case.curves].to_numpy(np.float64)
        side["learning_curves"] = LearningCurves.from_array(values, percent=False)
    return side


def _one_line(err: BaseException) -> str:
    """``err`` as one line of at most 300 characters, its type first."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:300]}"


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
        for n in args.sizes:
            if n + args.test_size > len(candidates):
                raise SystemExit(
                    f"[predictors] {case_name}: {len(candidates):,} architectures, fewer than a "
                    f"training set of {n:,} and {args.test_size:,} test architectures need "
                    "(lower --sizes or --test-size)"
                )
        for seed in range(args.seeds):
            for n in args.sizes:
                split = make_split(candidates, n, test_size=args.test_size, seed=seed)
                train, test = list(split.train), list(split.test)
                for label in args.predictors:
                    try:
                        r = _trial(label, case, train, test, seed)
                    except (ValueError, TypeError, RuntimeError) as err:
                        # one predictor that cannot run on a space (the path encoding forced
                        # on a vocabulary too wide to build) is a failed cell, not a lost run
                        r = {"tau": np.nan, "fit_s": np.nan, "predict_s": np.nan}
                        r |= {"encoding": "", "zero_cost": "", "error": _one_line(err)}
                        print(
                            f"{case.name:>10} n={n:<5} seed={seed} {label:<17} failed: "
                            f"{r['error']}",
                            file=sys.stderr,
                            flush=True,
                        )
                    else:
                        print(
                            f"{case.name:>10} n={n:<5} seed={seed} {label:<17} tau "
                            f"{r['tau']:.3f} fit {r['fit_s']:.1f}s {r['encoding']} "
                            f"{r['zero_cost']}",
                            file=sys.stderr,
                            flush=True,
                        )
                    rows.append({"space": case.name, "n": n, "seed": seed, "label": label, **r})
    df = pd.DataFrame(rows)
    if "error" not in df:
        df["error"] = None
    # a cell where any seed failed is "failed", not the mean of the others
    failed = df.groupby(["label", "space", "n"], sort=False)["error"].agg(lambda e: e.notna().any())
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
            if failed[(label, c, n)]:
                cells.append("failed")
            else:
                cells.append(f"{mean[(label, c, n)]:.3f} ({fit[(label, c, n)]:.1f} s)")
        if "nb201" in args.cases and len(args.cases) > 1:
            drops = [
                mean[(label, "nb201", n)] - mean[(label, c, n)]
                for c, n in cols
                if c != "nb201" and not failed[(label, c, n)] and not failed[(label, "nb201", n)]
            ]
            cells.append(f"{max(drops):+.3f}" if drops else "-")
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
    errors = df[df["error"].notna()].groupby(["label", "space"], sort=False)["error"].first()
    for (lbl, sp), message in errors.items():
        lines.append(f"Failed: {lbl} on {sp}: {message}")
    from nasperf.zero_cost.cache import default_cache_path

    lines.append(
        f"Kendall tau on {args.test_size} test architectures, mean over {args.seeds} seed(s); "
        f"in brackets the mean fit seconds ({args.threads} torch thread(s)); where the "
        "zero-cost proxies are computed, a fit's seconds include computing those not yet in "
        f"the cache ({default_cache_path()}), so the first predictor to need them pays for them."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- search
@dataclass
class SearchCase:
    """A space to search: a registered benchmark (``benchmark``), or a user table
    (``table()``, indexed by architecture text) over the space ``space`` that the modules
    ``imports`` register (names or ``.py`` paths), maximising ``target``."""

    name: str
    labels: str
    benchmark: str | None = None
    dataset: str = "cifar10"
    space: str | None = None
    imports: tuple[str, ...] = ()
    table: Callable | None = None
    target: str = "val_acc"
    #: Parameters per method (e.g. no warm start where proxies cost too much to compute).
    params: dict = field(default_factory=dict)
    #: Budgets per method overriding ``SEARCH_METHODS``.
    budgets: dict = field(default_factory=dict)
    #: The target measured once per training seed (a table indexed by architecture text, one
    #: column per seed, NaN where a network has fewer seeds; the row means are the target),
    #: where the benchmark publishes them: the optimum section resamples them.
    replicates: Callable | None = None
    #: False where ``target`` is a loss, an error or a latency: ``table()`` holds the column
    #: as it is and the searches minimise it (``TableObjective(maximize=False)``), while
    #: ``replicates()`` are negated like the objective's values they are compared with.
    #: True where the user said so of a column named like a loss; None: not said.
    maximize: bool | None = None
    #: The user's zero-cost proxy scores of the table's architectures (a table indexed by
    #: architecture text), read by the searches' warm starts and features instead of
    #: computing proxies.
    zero_cost: Callable | None = None


#: NB201's 200-epoch validation accuracy of each training seed (2 or 3 per cell).
NB201_SEEDS = ["val_acc_200ep_seed0", "val_acc_200ep_seed1", "val_acc_200ep_seed2"]


def _nb201_sub(dataset: str, columns: tuple[str, ...] = ("val_acc_200ep",)) -> Callable:
    def table():
        from tests.search.user_spaces import nb201_sub_table

        return nb201_sub_table(dataset)[list(columns)]

    return table


def _nb201_nopool(columns: tuple[str, ...] = ("val_acc_200ep",)) -> Callable:
    def table():
        from tests.search.user_spaces import nb201_nopool_table

        return nb201_nopool_table("ImageNet16-120")[list(columns)]

    return table


def _nb201_seeds():
    from nasperf.datasets import load_benchmark

    return load_benchmark("nb201", "cifar10")[NB201_SEEDS]


def _macro_table(columns: tuple[str, ...] = ("test_acc",)) -> Callable:
    def table():
        from examples.macro_space import load_macro_benchmark

        return load_macro_benchmark()[list(columns)]

    return table


def _chain8_table():
    from tests.search.user_spaces import chain8_table

    return chain8_table()


def _vardepth_table(columns: tuple[str, ...] = ("val_acc",)) -> Callable:
    def table():
        from tests.search.user_spaces import vardepth_table

        return vardepth_table()[list(columns)]

    return table


def _has_module(name: str) -> bool:
    import importlib.util

    from nasperf._imports import is_module_path

    if is_module_path(name):
        return Path(name).is_file()
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


USER_SPACES = "tests.search.user_spaces"
#: The spaces searched, in order (name -> case); a case whose module is missing is skipped.
SEARCH_CASES: dict[str, SearchCase] = {
    c.name: c
    for c in (
        SearchCase(
            "nb201",
            "NB201 table (packaged proxies)",
            benchmark="nb201",
            replicates=_nb201_seeds,
        ),
        SearchCase(
            "nb201_sub_c10",
            "NB201 200-ep val. acc., CIFAR-10",
            space="user_nb201_sub",
            imports=(USER_SPACES,),
            table=_nb201_sub("cifar10"),
            target="val_acc_200ep",
            replicates=_nb201_sub("cifar10", tuple(NB201_SEEDS)),
        ),
        SearchCase(
            "nb201_sub_c100",
            "NB201 200-ep val. acc., CIFAR-100",
            space="user_nb201_sub",
            imports=(USER_SPACES,),
            table=_nb201_sub("cifar100"),
            target="val_acc_200ep",
            replicates=_nb201_sub("cifar100", tuple(NB201_SEEDS)),
        ),
        SearchCase(
            "nb201_nopool_in16",
            "NB201 200-ep val. acc., ImageNet16-120, cells without avg_pool",
            dataset="ImageNet16-120",
            space="user_nb201_nopool",
            imports=(USER_SPACES,),
            table=_nb201_nopool(),
            target="val_acc_200ep",
            replicates=_nb201_nopool(tuple(NB201_SEEDS)),
        ),
        SearchCase(
            "macro",
            "NAS-Bench-Macro test acc. (real)",
            space="macro",
            imports=("examples.macro_space",),
            table=_macro_table(),
            target="test_acc",
            replicates=_macro_table(("test_acc_0", "test_acc_1", "test_acc_2")),
        ),
        SearchCase(
            "chain8",
            "synthetic NK landscape",
            space="user_chain8",
            imports=(USER_SPACES,),
            table=_chain8_table,
        ),
        *(
            SearchCase(
                name,
                f"synthetic, 3 stages of 1-3 layers; {cells}",
                space=f"user_{name}",
                imports=(USER_SPACES,),
                table=_vardepth_table(),
                replicates=_vardepth_table(("s0", "s1", "s2")),
            )
            for name, cells in (
                ("vardepth", "one cell of 3-9 layers"),
                ("vardepth_stages", "one cell per stage"),
            )
        ),
    )
}
#: Registered benchmarks searched when they exist (other helpers' spaces): name -> dataset.
#: Packaged benchmarks over partial tables (TransNAS-Bench-101: ~700 labelled networks per
#: task). Their packaged zero-cost tables (NASLib's NAS-Bench-Suite-Zero scores) cover the
#: labelled networks: the predictor-guided methods' "auto" warm start reads params from them
#: (they have no synflow; computing it would take ~3.5 s per network on one loaded core) and
#: their predictors get every proxy of the table as features. Budget 60.
_PREDICTOR_BUDGETS = {"npenas": 60, "bananas": 60, "predictor_local_search": 60}
TABLE_BENCHMARKS: dict[str, SearchCase] = {
    c.name: c
    for c in (
        SearchCase(
            "tnb101_micro_scene",
            "TNB101 micro class_scene, 711 of 4,096 labelled (warm start: table's params)",
            benchmark="tnb101_micro",
            dataset="class_scene",
            budgets=_PREDICTOR_BUDGETS,
        ),
        SearchCase(
            "tnb101_macro_object",
            "TNB101 macro class_object, partial table (warm start: table's params)",
            benchmark="tnb101_macro",
            dataset="class_object",
            budgets=_PREDICTOR_BUDGETS,
        ),
    )
}
#: NAS-Bench-Graph (Qin et al., 2022): 26,206 GNNs per dataset, every one labelled. Its GNNs
#: take ~1.3 s each for synflow + params on the packaged graph on one loaded core (the default
#: pool of 1,000 would spend ~22 min per dataset before the first search), so the warm start
#: of the predictor-guided methods scores a pool of 30 (cached after the first search; at
#: ~5-20 s per network on the loaded 2-core bench machine, 100 took too long there).
#: The methods whose zero-cost warm start scores a pool of architectures (where the run has
#: no table of proxies): each limit on that pool must name every one of them.
_WARM_STARTED = ("bananas", "npenas", "predictor_local_search")
#: npenas keeps the space's own pool (NBGraphSpace.proxy_pool_size, 100), with which the
#: README's npenas row was measured.
_NBGRAPH_POOL = {m: {"proxy_pool": 30} for m in ("bananas", "predictor_local_search")}
for _ds in ("cora", "citeseer"):
    TABLE_BENCHMARKS[f"nbgraph_{_ds}"] = SearchCase(
        f"nbgraph_{_ds}",
        f"NAS-Bench-Graph {_ds}, 26,206 labelled (warm start: pool of 30)",
        benchmark="nbgraph",
        dataset=_ds,
        params=_NBGRAPH_POOL,
    )
QUICK_CASES = ("nb201", "chain8")
#: Search cases of ``--user-space`` files (added to the quick ones too).
USER_CASES: list[str] = []

#: Methods and their budgets (queries).
SEARCH_METHODS = {
    "random_search": 300,
    "regularized_evolution": 300,
    "local_search": 300,
    "npenas": 100,
    "bananas": 100,
    "predictor_local_search": 100,
}


# --------------------------------------------------------------------------- --user-space
#: The keys of a ``--user-space`` file: name -> (accepted types, description), checked by
#: nasperf's own :func:`nasperf.evaluation.config.check_keys`.
USER_SPACE_SCHEMA: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "the case's name (letters, digits, _ . -)"),
    "space": ((str,), "the space's registered name"),
    "data": ((str,), "a CSV file: an architecture column and numeric columns"),
    "target": ((str,), "the column predicted and maximised (unless maximize: false)"),
    "imports": ((list, str), "modules or .py files that register the space"),
    "arch_column": ((str,), "the architecture column (default arch)"),
    "curves": ((list,), "early-training columns omni may read, e.g. [val_acc_12ep]"),
    "zero_cost": ((str,), "a CSV file of proxy scores (arch column + one per proxy)"),
    "labels": ((str,), "what the labels are, for the search table"),
    "dataset": (
        (str,),
        "the task the search's warm start builds networks for (default: the space's own, "
        "its default_dataset)",
    ),
    "replicates": ((list,), "the target of each training seed, e.g. [acc_seed0, acc_seed1]"),
    "maximize": (
        (bool,),
        "true or false, unquoted (false where the target is a loss, an error or a latency)",
    ),
}
#: Its required keys, and the optional ones with their defaults.
USER_SPACE_REQUIRED = ("name", "space", "data", "target")
USER_SPACE_OPTIONAL: dict[str, object] = {
    "imports": [],
    "arch_column": "arch",
    "curves": [],
    "zero_cost": None,
    "labels": "",
    "dataset": None,
    "replicates": [],
    "maximize": None,
}


class UserSpaceError(SystemExit):
    """A ``--user-space`` file is unusable; the message names the file and the key."""


def load_user_space(path: str | Path) -> tuple[Callable[[], Case], SearchCase]:
    """A space of one's own in both sections, from a YAML (or JSON) file, without editing
    this script: the held-out check of the any-space issue runs this way.

    ::

        name: chain5               # the case's name in the tables (letters, digits, _ . -)
        imports: [my_space.py]     # modules or .py files that register the space
        space: chain5              # its registered name
        data: chain5.csv           # CSV: an architecture column and numeric columns
        target: val_acc            # the column predicted and maximised
        arch_column: arch          # optional (default "arch")
        curves: [val_acc_12ep]     # optional: early-training columns omni may read
        zero_cost: chain5_zc.csv   # optional: proxy scores (arch column + one per proxy,
                                   # every architecture of data), read by the predictors
                                   # and by the searches' warm starts and features
        labels: "my chain space"   # optional: what the labels are, for the search table
        dataset: cifar10           # optional: the images the search's warm start scores on
        replicates: [acc_s0, acc_s1]  # optional: the target of each training seed (empty
                                   # cells where a network has fewer), resampled by the
                                   # optimum section; each row's mean is the target
        maximize: false            # optional: the target is a loss, an error or a latency
                                   # (required for a column named like one)

    Relative paths are relative to the file. Read with a safe YAML loader; the table and
    the proxy file are read and validated by :func:`nasperf.datasets.read_architecture_csv`
    (architectures parsed by the space, numbers finite, no architecture twice).

    Raises
    ------
    UserSpaceError
        (a ``SystemExit``) naming the file and the key or problem.
    """
    from nasperf._imports import import_user_module, is_module_path
    from nasperf.datasets import negate_columns, read_architecture_csv, target_sign
    from nasperf.datasets.readers import read_csv_header
    from nasperf.errors import short_repr
    from nasperf.evaluation.config import ConfigError, check_keys, read_yaml_file

    path = Path(path)
    where = f"--user-space {path}"
    try:
        # safe, duplicate keys refused, bounded (the checks below print values)
        spec = read_yaml_file(path, what="a user-space file")
    except ConfigError as err:
        raise UserSpaceError(f"{where}: cannot read it: {err}") from None
    try:
        check_keys(
            spec,
            USER_SPACE_SCHEMA,
            required=USER_SPACE_REQUIRED,
            nullable=("zero_cost", "maximize"),
            what="a user-space file",
        )
    except ConfigError as err:
        raise UserSpaceError(f"{where}: {err}") from None
    spec = {**USER_SPACE_OPTIONAL, **spec}
    if isinstance(spec["imports"], str):
        spec["imports"] = [spec["imports"]]
    for key in ("imports", "curves", "replicates"):
        if not all(isinstance(v, str) for v in spec[key]):
            raise UserSpaceError(f"{where}: {key} must be a list of strings, got {spec[key]!r}")
    curves = list(spec["curves"])
    if len(set(curves)) != len(curves) or spec["target"] in curves:
        # the target among omni's curves would be the label read as a feature
        raise UserSpaceError(
            f"{where}: curves must be distinct columns other than the target "
            f"{spec['target']!r}, got {curves!r}"
        )
    replicates = list(spec["replicates"])
    if len(set(replicates)) != len(replicates) or {spec["target"], *spec["curves"]} & set(
        replicates
    ):
        raise UserSpaceError(
            f"{where}: replicates must be distinct columns, none of them target or curves, "
            f"got {replicates!r}"
        )
    name = spec["name"]
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) or name.startswith("."):
        raise UserSpaceError(f"{where}: name {name!r}: use letters, digits, '_', '.', '-'")
    if name in CASES or name in SEARCH_CASES or name in TABLE_BENCHMARKS:
        raise UserSpaceError(f"{where}: name {name!r} is already a case of this script")
    base = path.resolve().parent
    imports = []
    for module in spec["imports"]:
        try:
            import_user_module(module, base=base)
        except ImportError as err:
            raise UserSpaceError(f"{where}: imports: cannot import {module!r}: {err}") from None
        if is_module_path(module):
            module = str((base / module).resolve())  # the search workers import it too
        imports.append(module)
    try:
        space = nasperf.get_space(spec["space"])
    except (KeyError, ValueError) as err:
        raise UserSpaceError(f"{where}: space: {err}") from None
    try:  # the warm start's rule: a task it can build the networks for (the space's own
        # by default, named in the trials: a task of the space's is read back by its name)
        task = space.network_task(spec["dataset"])
    except ValueError as err:
        raise UserSpaceError(f"{where}: dataset: {err}") from None
    if spec["dataset"] is None:
        spec["dataset"] = task.name
    try:
        header = read_csv_header(base / spec["data"])
        for key, columns in (
            ("target", [spec["target"]]),
            ("curves", curves),
            ("replicates", replicates),
        ):  # named by their key: all had read "target columns [...] not found"
            missing = [c for c in columns if c not in header]
            if missing:
                raise UserSpaceError(
                    f"{where}: {key}: {spec['data']} has no column {missing[0]!r}; its "
                    f"columns: {short_repr(header)}"
                )
        table = read_architecture_csv(
            base / spec["data"],
            space,
            arch_column=spec["arch_column"],
            targets=[spec["target"], *spec["curves"], *spec["replicates"]],
            optional=spec["replicates"],  # networks trained with fewer seeds
        )
        zero_cost = None
        if spec["zero_cost"] is not None:
            from nasperf.search.study import _proxy_header

            # its registered proxies, as the searches read it (nasperf proxies' files: NaN
            # where a proxy failed, a nan_reasons column)
            proxies = _proxy_header(base / spec["zero_cost"])
            # a misspelt proxy had been dropped without a word (as nasperf search warns)
            from nasperf.search.study import warn_unread_proxy_columns

            warn_unread_proxy_columns(base / spec["zero_cost"], spec["arch_column"])
            zero_cost = read_architecture_csv(
                base / spec["zero_cost"],
                space,
                arch_column=spec["arch_column"],
                targets=proxies,
                optional=proxies,
            )
    except (OSError, ValueError) as err:
        raise UserSpaceError(f"{where}: {err}") from None
    from nasperf.predictors.base import MAX_ABS_TARGET

    for column in (spec["target"], *spec["curves"]):
        big = np.flatnonzero(np.abs(table[column].to_numpy()) > MAX_ABS_TARGET)
        if len(big):
            raise UserSpaceError(
                f"{where}: {spec['data']}: column {column!r} has {len(big)} value(s) above "
                f"{MAX_ABS_TARGET:g} in magnitude, e.g. {table[column].iloc[big[0]]:g} for "
                f"{table.index[big[0]]!r} (squares overflow float64: rescale the column)"
            )
    if replicates:  # checked when the file is read, not after every search has run
        problem = _replicate_problem(
            table[replicates].to_numpy(np.float64), table[spec["target"]].to_numpy(), "rows"
        )
        if problem is not None:
            raise UserSpaceError(f"{where}: replicates: {problem}")
    if table[spec["target"]].nunique() < 2:
        raise UserSpaceError(
            f"{where}: target: {spec['target']!r} has one value for every architecture "
            "(nothing to rank or search)"
        )
    if zero_cost is not None:
        from nasperf.encodings.zero_cost import uncovered

        n, first = uncovered(table.index, zero_cost)
        if n:
            raise UserSpaceError(
                f"{where}: zero_cost: {n} of the {len(table)} architectures of "
                f"{spec['data']} have no row in {spec['zero_cost']}, e.g. {first!r}"
            )
    try:
        sign = target_sign(spec["target"], spec["maximize"], where=f"{where}: maximize")
    except (TypeError, ValueError) as err:
        raise UserSpaceError(str(err)) from None
    labels = spec["labels"] or f"{spec['target']} of {path.name}" + (
        " (minimised)" if sign < 0 else ""
    )

    # The predictors section ranks "higher is better": a loss and its curves enter negated
    # (Kendall tau is unchanged, the top-k metrics then mean the lowest losses); the search
    # reads the column as it is and negates it itself (maximize=False).
    predicted = table[[spec["target"], *spec["curves"]]]
    if sign < 0:
        predicted = negate_columns(predicted, list(predicted.columns))

    def case() -> Case:
        return Case(
            name, space, predicted, spec["target"], list(spec["curves"]), zero_cost, note=labels
        )

    search = SearchCase(
        name,
        labels,
        dataset=spec["dataset"],
        space=spec["space"],
        imports=tuple(imports),
        table=lambda: table[[spec["target"]]],
        target=spec["target"],
        replicates=(lambda: sign * table[replicates]) if replicates else None,
        # as the file says (True kept: a column named like a loss that the user maximises)
        maximize=spec["maximize"],
        zero_cost=None if zero_cost is None else (lambda: zero_cost),
    )
    return case, search


def _search_cases(args: argparse.Namespace) -> list[SearchCase]:
    from nasperf.datasets import available_benchmarks

    cases = dict(SEARCH_CASES)
    for name, case in TABLE_BENCHMARKS.items():
        if case.benchmark in available_benchmarks():
            cases[name] = case
    # a quick run searches the quick cases and every --user-space (a run on one's own space
    # that skipped it would say nothing about it)
    wanted = getattr(args, "search_cases", None) or (
        [*QUICK_CASES, *USER_CASES] if args.quick else list(cases)
    )
    unknown = [c for c in wanted if c not in cases]
    if unknown:
        raise SystemExit(f"unknown search case(s) {unknown}; available: {', '.join(cases)}")
    out = []
    for name in wanted:
        case = cases[name]
        missing = [m for m in case.imports if not _has_module(m)]
        if missing:
            print(f"[search] {name}: skipped ({missing[0]} is not here)", file=sys.stderr)
            continue
        out.append(case)
    return out


def _write_changed(path: Path, frame: pd.DataFrame) -> Path:
    """``frame`` (indexed by architecture text) as the CSV ``path``, written only where the
    file holds something else: its sha256 is part of each search trial, so a changed table
    is searched anew and an unchanged one resumes."""
    text = frame.rename_axis("arch").to_csv()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def _search_trials(
    case: SearchCase,
    folder: Path,
    seeds: int,
    quick: bool,
    methods: list[str] | None = None,
    extra: dict | None = None,
) -> list[dict]:
    import nasperf.search.study as study

    source: dict = {"benchmark": case.benchmark or "nb201", "dataset": case.dataset}
    if case.table is not None:
        from nasperf._imports import import_user_module

        for module in case.imports:
            import_user_module(module)
        source = {
            "space": case.space,
            "data": _write_changed(folder / "table.csv", case.table()),
            "target": case.target,
            "imports": list(case.imports),
            "dataset": case.dataset,
            "maximize": case.maximize,
        }
        if case.zero_cost is not None:
            source["zero_cost"] = _write_changed(folder / "zero_cost.csv", case.zero_cost())
    trials = []
    for name, budget in SEARCH_METHODS.items():
        if methods and name not in methods:
            continue
        budget = case.budgets.get(name, budget)
        params = {**case.params.get(name, {}), **(extra or {}).get(name, {})}
        if quick:
            budget = max(10, budget // 5)
            if case.table is not None and name in _WARM_STARTED:
                # a smoke run: the warm start scores 500 architectures, not the whole table
                params["proxy_pool"] = 500
        spec: str | dict = {"optimizer": name, "params": params, "label": name} if params else name
        trials += study.search_trials(
            [spec], seeds=seeds, budget=budget, stop_at_optimum=True, **source
        )
    return trials


#: Where the search section keeps its studies (``--out``), one folder per case.
DEFAULT_OUT = ROOT / "bench" / "out" / "any_space"


@contextlib.contextmanager
def _held(folder: Path, resume: bool):
    """:func:`nasperf.search.study.study_folder`, a busy folder named as this script's error."""
    from nasperf.search.study import FolderBusyError, study_folder

    try:
        with study_folder(folder, resume=resume) as held:
            yield held
    except FolderBusyError as err:
        raise SystemExit(f"{err} (bench/any_space.py: --out DIR)") from None


def _first_hits(objective, hist: pd.DataFrame, keys: set) -> str:
    """'found/seeds, median' of the query at which each search of ``hist`` (one method)
    first met a network of ``keys`` (median '-' when half the searches or more never did)."""
    first = []
    for _, h in hist.groupby("seed", sort=True):
        met = [k in keys for k in _network_rows(objective, h["arch"])[1]]
        hit = h["query"].to_numpy()[np.asarray(met, dtype=bool)]
        first.append(float(hit[0]) if len(hit) else np.inf)
    found = int(np.sum(np.isfinite(first)))
    from nasperf.search.study import _format_queries

    # the search report's format: a median of an even number of seeds keeps its half
    return f"{found}/{len(first)}, {_format_queries(float(np.median(first)))}"


def _failed_searches(folder: Path, trials: list[dict], hist: pd.DataFrame) -> list:
    """``(label, seed, first line of the error)`` of each trial that did not finish, from the
    study's record of failures (or "did not finish" where none was recorded)."""
    from nasperf.evaluation.store import ResultsStore

    done = set() if hist.empty else set(hist["hash"])
    missing = [t for t in trials if t["hash"] not in done]
    if not missing:
        return []
    store = ResultsStore(folder)
    try:
        errors = {e["hash"]: e["error"] for e in store.errors()}  # the last one per trial
    finally:
        store.close()
    # as the history labels the trials of each setting (``X [budget=100]``)
    from nasperf.search.study import _labels_apart

    labels, _ = _labels_apart({t["hash"]: t for t in trials})
    return [
        (
            labels.get(t["hash"], t["label"]),
            t["seed"],
            (errors.get(t["hash"]) or "did not finish").splitlines()[0],
        )
        for t in missing
    ]


def search_section(args: argparse.Namespace) -> str:
    """Queries to the optimum of every method on NB201 and the user spaces (markdown)."""
    import nasperf.search.study as study

    # the search report's (and bench/search.py's) format of a count of queries: a median of
    # an even number of seeds keeps its half (14.5, not 14), '-' where not reached
    fq = study._format_queries
    seeds = getattr(args, "search_seeds", None) or (3 if args.quick else 10)
    workers = getattr(args, "workers", None) or 1
    draws = _seed_draws(args)  # seed resamplings (tied with the optimum)
    cases = _search_cases(args)

    def budget(b: int) -> int:
        return max(10, b // 5) if args.quick else b

    budgets = ", ".join(f"{m} {budget(b)}" for m, b in SEARCH_METHODS.items())
    own = [  # cases with budgets of their own (as _search_trials gives them)
        f"{c.name}: " + ", ".join(f"{m} {budget(b)}" for m, b in c.budgets.items())
        for c in cases
        if c.budgets
    ]
    lines = [
        f"Queries to the optimum, {seeds} seeds (budgets: {budgets}"
        + (f"; except {'; '.join(own)}" if own else "")
        + "); 'found' counts the seeds that reached it within the budget.",
        "",
        "| space | labels | method | found (95 % CI) | queries median [IQR], worst | median's "
        "95 % CI | top 0.1 %: found, median | tied with the optimum: found, median | repeats |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes: dict[str, dict[str, None]] = {}  # kind of note -> the distinct notes of that kind
    failures: list[str] = []
    out = Path(getattr(args, "out", None) or DEFAULT_OUT)
    for case in cases:
        t0 = time.perf_counter()
        folder = out / "search" / case.name
        with _held(folder, getattr(args, "resume", False)):
            trials = _search_trials(
                case,
                folder,
                seeds,
                args.quick,
                getattr(args, "search_methods", None),
                getattr(args, "search_params", None),
            )
            hist = study.run_search_study(trials, folder, workers=workers, progress=True)
        objective = study._trial_objective(trials[0])
        # a search that failed (e.g. a LabelLeakError) counts as not finding the optimum and
        # is named under the table: the shares had been over the seeds that finished only
        failed = _failed_searches(folder, trials, hist)
        failures += [
            f"Failed: {case.name} {label} seed {seed}: {err}" for label, seed, err in failed
        ]
        n_failed = collections.Counter(label for label, _, _ in failed)
        summary = (
            study.summarize_search(
                hist, table_values=objective.table_values(), checkpoints=(), baselines=()
            )
            if not hist.empty
            else pd.DataFrame(columns=["method"])
        )
        for label in n_failed:
            if label not in set(summary["method"]):  # every seed failed
                cells = [f"0/{n_failed[label]} ({n_failed[label]} failed)", *["-"] * 5]
                lines.append(
                    f"| {case.name} | {case.labels} | {label} | " + " | ".join(cells) + " |"
                )
        tied = None  # the networks the benchmark's own seeds cannot tell from the optimum
        if case.replicates is not None:
            tied = seed_resampled_optimum(objective, case.replicates(), draws=draws)
        for _, r in summary.iterrows():
            top = r["top 0.1%: queries median"]
            if r["method"] == "random_search (analytic)":
                cells = [
                    "-",
                    f"{fq(r['optimum: queries median'])} (exact)",
                    "exact",
                    f"{fq(top)} (exact)",
                    "-",
                    "-",
                ]
            else:
                q = [r[f"optimum: queries {k}"] for k in ("median", "q25", "q75", "max")]
                f = [fq(v) for v in q]  # '-' where not reached (inf)
                g = hist[hist["label"] == r["method"]]
                lo, hi = (r[f"optimum: found ci {k}"] for k in ("low", "high"))
                mlo, mhi = (r[f"optimum: queries median ci {k}"] for k in ("low", "high"))
                found = f"{r['optimum: found']} ({100 * lo:.0f}–{100 * hi:.0f} %)"
                if n_failed[r["method"]]:  # k of the seeds asked for; no interval
                    k, n = (int(x) for x in str(r["optimum: found"]).split("/"))
                    found = f"{k}/{n + n_failed[r['method']]} ({n_failed[r['method']]} failed)"
                cells = [
                    found + study._repeated(r, "optimum"),
                    f"{f[0]} [{f[1]}–{f[2]}], {f[3]}",
                    "-"
                    if not np.isfinite(mlo)  # too few seeds, or most never reached it
                    else f"{fq(mlo)}–{fq(mhi)}",
                    f"{r['top 0.1%: found']}{study._shared_hit(r, 'top 0.1%')}, {fq(top)}",
                    "-" if tied is None else _first_hits(objective, g, tied["contender_keys"]),
                    f"{int(g['repeat'].sum())}/{len(g)}",
                ]
            lines.append(
                f"| {case.name} | {case.labels} | {r['method']} | " + " | ".join(cells) + " |"
            )
        for note in hist.attrs.get("notes", []):
            # one line per kind: the charged seconds differ between spaces
            # (and between methods: the method's name is dropped)
            note = re.sub(r"^[a-z_]+: ", "", note)
            note = re.sub(r" \([0-9.,]+ s charged\)", "", f"{case.name}: {note}")
            if "found the optimum at query" not in note:  # the table has those
                # per-search figures (queries, Spearman) vary: one line per kind of note,
                # the first one's figures as an example, with the count of the others
                kind = re.sub(r"-?[0-9]+(\.[0-9]+)?", "#", note)
                notes.setdefault(kind, {})[note] = None
        print(f"[search] {case.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if failures:
        lines += ["", *failures]
    lines += [
        "",
        "A median of '-' means half the seeds or more did not reach the optimum within the "
        "budget (the IQR, worst and the upper end of the median's interval likewise). The "
        "confidence intervals are the share found's Wilson interval and the median's "
        "distribution-free one (order statistics; '-' with 5 seeds or fewer): where two "
        "methods' intervals overlap widely, these seeds do not tell them apart. 'k distinct "
        "searches': the seeds repeated one another's queries (a deterministic method, or "
        "the optimum within the fixed warm start), so the figures come from k searches. "
        "'Tied with the optimum' (where the case has each "
        "training seed's result): one of the networks that are the best in >= 1 % of seed "
        "resamplings (see the optimum section), which the benchmark's own seeds cannot tell "
        "from its optimum.",
    ]
    if notes:
        lines += ["", "Notes from the searches:"]
        for same in notes.values():
            more = f" (and {len(same) - 1} more like it)" if len(same) > 1 else ""
            lines.append(f"- {next(iter(same))}{more}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- optimum


def _case_objective(case: SearchCase, folder: Path):
    """The objective a search on ``case`` runs against, made as the search section makes
    it: from a trial of :func:`_search_trials` (whose table file it writes to ``folder``,
    unless unchanged) by ``nasperf.search.study``'s own loader."""
    import nasperf.search.study as study

    folder.mkdir(parents=True, exist_ok=True)
    trial = _search_trials(case, folder, 1, False, ["random_search"])[0]
    return study._trial_objective(trial)


def optimum_rank(objective, repeats: int = 3, folds: int = 5) -> dict:
    """How far the search's own predictor puts the optimum when it has learnt every other
    label it could: the optimum's rank among the table's networks by out-of-fold prediction
    (``folds``-fold, ``repeats`` shuffles; the predictor of ``predictor_local_search``,
    XGBoost with ``SEARCH_XGB_PARAMS`` on the space's default encoding, fitted on the other
    folds). One row per network where the objective answers per network. Returns
    ``networks``, ``ranks`` (one per repeat; 1 = predicted best) and ``tau`` (the
    out-of-fold Kendall tau, mean over repeats)."""
    from sklearn.model_selection import KFold

    from nasperf.search.predictor_local_search import SEARCH_XGB_PARAMS

    space = objective.space
    archs, keys, y = _networks(objective)
    if len(y) < 2 * folds:
        raise ValueError(
            f"{len(y)} networks: too few to rank the optimum out of {folds} folds "
            f"(at least {2 * folds})"
        )
    texts, _ = objective.optimum()
    best = set(_network_rows(objective, pd.Index(texts))[1])
    is_best = np.array([k in best for k in keys])
    ranks, taus = [], []
    for rep in range(repeats):
        oof = np.empty(len(y))
        for train, test in KFold(folds, shuffle=True, random_state=rep).split(y):
            pred = nasperf.predictors.get("xgb", space=space, random_state=rep, **SEARCH_XGB_PARAMS)
            pred.fit([archs[i] for i in train], y[train])
            oof[test] = pred.predict([archs[i] for i in test])
        order = np.argsort(-oof, kind="stable")
        ranks.append(1 + int(np.flatnonzero(is_best[order])[0]))
        taus.append(float(kendalltau(oof, y)[0]))
    return {"networks": len(y), "ranks": ranks, "tau": float(np.mean(taus))}


def _seed_draws(args: argparse.Namespace) -> int:
    """Seed resamplings of :func:`seed_resampled_optimum` (fewer in a quick run)."""
    return 500 if args.quick else 2000


def _network_rows(objective, index) -> tuple[list, list, np.ndarray]:
    """The parsed architecture of each text of ``index``, the objective's key of each (its
    network's hash where the objective answers once per network, else the canonical text),
    and a mask of the first row of each key."""
    space = objective.space
    archs = [space.parse(a) for a in index]
    if objective.one_result_per_network:
        keys = [space.hash(a) for a in archs]
    else:
        keys = [space.to_string(a) for a in archs]
    return archs, keys, ~pd.Index(keys).duplicated(keep="first")


def _networks(objective) -> tuple[list, list, np.ndarray]:
    """One row per network of the objective's labelled table: the architectures, their
    keys (:func:`_network_rows`) and values."""
    values = objective.table_values().dropna()
    archs, keys, first = _network_rows(objective, values.index)
    archs = [a for a, f in zip(archs, first, strict=True) if f]
    keys = [k for k, f in zip(keys, first, strict=True) if f]
    return archs, keys, values.to_numpy(np.float64)[first]


def _replicate_problem(reps: np.ndarray, y: np.ndarray, what: str) -> str | None:
    """Why ``reps`` (one row of per-seed results per network or row, NaN where a seed is
    missing) are not the seeds of the target ``y`` (their mean), or None."""
    n = np.sum(np.isfinite(reps), axis=1)
    if np.any(n == 0):
        return f"{int(np.sum(n == 0))} {what} have no finite value"
    with np.errstate(invalid="ignore"):
        gap = np.abs(np.nanmean(reps, axis=1) - y)
    if gap.max() > 1e-3 * max(1.0, float(np.abs(y).max())):
        return (
            f"their row means differ from the target by up to {gap.max():.4g}: they are not "
            "the target's seeds"
        )
    return None


def seed_resampled_optimum(
    objective, replicates: pd.DataFrame, draws: int = 2000, seed: int = 0
) -> dict:
    """How much of the optimum is the benchmark's seed noise. Each draw resamples every
    network's per-seed values (``replicates``: one column per training seed, NaN where a
    network has fewer; with replacement, as many as it has) and takes their mean as its
    value; counted is how often the table's optimum is still the best network.

    Returns ``p_best`` (the share of draws whose best is the table's optimum),
    ``contenders`` (how many networks are the best in at least 1 % of the draws: the
    benchmark cannot tell them from its optimum) and ``contender_keys`` (their keys, as
    :func:`_network_rows` gives them). A ``p_best`` well below 1 means the optimum's lead
    is within the benchmark's seed noise: another run of the benchmark would crown another
    network, and queries to it measure which of the near-equal networks a search meets
    first.

    Raises
    ------
    ValueError
        If the replicates' row means are not the objective's values (they are not the
        target's seeds), or a network has no replicate.
    """
    _, keys, y = _networks(objective)
    _, rkeys, rfirst = _network_rows(objective, replicates.index)
    by_key = pd.DataFrame(
        replicates.to_numpy(np.float64)[rfirst],
        index=[k for k, f in zip(rkeys, rfirst, strict=True) if f],
    )
    missing = [k for k in keys if k not in by_key.index]
    if missing:
        raise ValueError(f"replicates: {len(missing)} networks have no row, e.g. {missing[0]}")
    reps = by_key.loc[keys].to_numpy()
    n = np.sum(np.isfinite(reps), axis=1)
    problem = _replicate_problem(reps, y, "networks")
    if problem is not None:
        raise ValueError(f"replicates: {problem}")
    packed = -np.sort(-np.where(np.isfinite(reps), reps, -np.inf), axis=1)  # finite first
    best = y >= y.max()  # the optimum (every network tied at it)
    rng = np.random.default_rng(seed)
    rows = np.arange(len(y))[:, None]
    width = np.arange(packed.shape[1])[None, :] < n[:, None]
    wins = np.zeros(len(y), dtype=np.int64)
    for _ in range(draws):
        pick = (rng.random(packed.shape) * n[:, None]).astype(np.int64)
        means = np.where(width, packed[rows, pick], 0.0).sum(axis=1) / n
        wins[int(np.argmax(means))] += 1
    contenders = wins >= 0.01 * draws
    return {
        "p_best": float(wins[best].sum() / draws),
        "contenders": int(np.sum(contenders)),
        "contender_keys": {k for k, c in zip(keys, contenders, strict=True) if c},
    }


def optimum_section(args: argparse.Namespace) -> str:
    """How predictable each search case's optimum is from the other labels (markdown)."""
    repeats = 1 if args.quick else 3
    draws = _seed_draws(args)
    out = Path(getattr(args, "out", None) or DEFAULT_OUT)
    lines = [
        "| space | labels | networks | optimum's out-of-fold rank: median (each repeat) | "
        "out-of-fold Kendall tau | seeds resampled: optimum still best | networks best in "
        ">= 1 % |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for case in _search_cases(args):
        t0 = time.perf_counter()
        objective = _case_objective(case, out / "search" / case.name)
        try:
            r = optimum_rank(objective, repeats=repeats)
        except ValueError as err:
            raise SystemExit(f"[optimum] {case.name}: {err}") from None
        each = ", ".join(f"{k:,}" for k in r["ranks"])
        noise = "| - | - |"
        if case.replicates is not None:
            try:
                n = seed_resampled_optimum(objective, case.replicates(), draws=draws)
            except ValueError as err:
                raise SystemExit(f"[optimum] {case.name}: {err}") from None
            noise = f"| {n['p_best']:.0%} | {n['contenders']} |"
        lines.append(
            f"| {case.name} | {case.labels} | {r['networks']:,} | "
            f"{np.median(r['ranks']):,.0f} ({each}) | {r['tau']:.3f} {noise}"
        )
        print(f"[optimum] {case.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    lines += [
        "",
        f"Rank 1 = the predicted best. The search's predictor (XGBoost as in "
        f"predictor_local_search) is fitted on 4/5 of the table and predicts the other 1/5, "
        f"{repeats} shuffle(s) of 5 folds: it knows every label but the optimum's own (and "
        "those of its fold). A search that queried networks in that order would need that "
        "many queries; a rank well above a search's budget means the optimum is not "
        "predictable from the architecture, and queries to it measure luck or proxies, not "
        "the search. Zero-cost proxies are not among the features: where they point at the "
        "optimum (NB201's packaged ones), a search that reads them can beat this rank. "
        "Where the benchmark publishes each training seed's result, the last two columns "
        f"resample them (each network's seeds drawn with replacement, {draws:,} draws): how often "
        "the table's optimum is still the best network, and how many networks are the best "
        "in at least 1 % of the draws. Well below 100 %, the optimum's lead is within the "
        "benchmark's seed noise, and queries to it measure which of near-equal networks a "
        "search meets first.",
    ]
    return "\n".join(lines)


#: The sections, in order.
SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {
    "predictors": predictor_section,
    "search": search_section,
    "optimum": optimum_section,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n=100, 1 seed, 200 test archs")
    p.add_argument(
        "--cases", default=None, help=f"spaces, comma-separated (default: {', '.join(CASES)})"
    )
    p.add_argument(
        "--user-space",
        action="append",
        default=[],
        metavar="FILE",
        help="a space of one's own, described by a YAML file (see load_user_space), added to "
        "both sections' cases; repeatable",
    )
    p.add_argument("--sizes", default=None, help="training sizes (default 100,1000)")
    p.add_argument("--seeds", type=int, default=None, help="seeds (default 2)")
    p.add_argument("--test-size", type=int, default=None, help="test archs (default 500)")
    p.add_argument("--predictors", default=",".join(PREDICTORS))
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--search-seeds", type=int, default=None, help="search seeds (default 10)")
    p.add_argument(
        "--search-cases",
        default=None,
        help=f"spaces to search (default: {', '.join(SEARCH_CASES)})",
    )
    p.add_argument(
        "--search-methods",
        default=None,
        help=f"search methods (default: {', '.join(SEARCH_METHODS)})",
    )
    p.add_argument(
        "--search-params",
        type=json.loads,
        default=None,
        metavar="JSON",
        help="parameters of search methods, {method: {param: value}}, on top of the cases' "
        '(e.g. \'{"predictor_local_search": {"warm_start": ["meco"]}}\')',
    )
    p.add_argument("--workers", type=int, default=1, help="parallel searches")
    p.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        metavar="DIR",
        help="folder of the search studies, one sub-folder per case (default: %(default)s); "
        "runs at the same time need different folders",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the searches an earlier (interrupted) run of this code finished; default: "
        "start afresh",
    )
    args = p.parse_args(argv)
    if args.search_params is not None and not (
        isinstance(args.search_params, dict)
        and all(isinstance(v, dict) for v in args.search_params.values())
    ):
        p.error("--search-params must be a JSON object {method: {param: value}}")
    unknown = sorted(set(args.search_params or {}) - set(SEARCH_METHODS))
    if unknown:  # a misspelt or aliased name would otherwise be ignored silently
        p.error(
            f"--search-params: unknown method(s) {unknown}; methods: {', '.join(SEARCH_METHODS)}"
        )
    for file in args.user_space:
        case, search = load_user_space(file)
        CASES[search.name] = case
        SEARCH_CASES[search.name] = search
        USER_CASES.append(search.name)
    torch.set_num_threads(args.threads)
    args.cases = [c for c in (args.cases or ",".join(CASES)).split(",") if c]
    args.predictors = [x.strip() for x in args.predictors.split(",") if x.strip()]
    sizes = args.sizes or ("100" if args.quick else "100,1000")
    args.sizes = [int(s) for s in sizes.split(",")]
    args.seeds = args.seeds or (1 if args.quick else 2)
    args.test_size = args.test_size or (200 if args.quick else 500)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {unknown}; available: {', '.join(CASES)}")
    if args.search_cases:
        args.search_cases = [c.strip() for c in args.search_cases.split(",") if c.strip()]
    if args.search_methods:
        args.search_methods = [m.strip() for m in args.search_methods.split(",") if m.strip()]
        bad = [m for m in args.search_methods if m not in SEARCH_METHODS]
        if bad:
            p.error(f"unknown search method(s) {bad}; available: {', '.join(SEARCH_METHODS)}")
    for name in [s for s in args.sections.split(",") if s]:
        if name not in SECTIONS:
            p.error(f"unknown section {name!r}; available: {', '.join(SECTIONS)}")
        print(f"## {name}\n")
        print(SECTIONS[name](args))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
