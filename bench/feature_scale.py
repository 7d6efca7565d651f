"""Per-column z-scores against the shared indicator scale, predictor by predictor.

The predictors that standardise an encoding's columns either z-score every column or give
the non-constant 0/1 columns one shared scale, the root mean square of their standard
deviations (:func:`nasperf.predictors.base.fit_feature_scaler`); which one a predictor uses
is its class attribute ``_pool_indicators``. This script fits every predictor both ways on
the same training and test architectures (the attribute set on the instance, nothing else
changed; the same ``random_state``) and prints Kendall tau side by side, mean over seeds,
with the paired difference and its standard deviation over the seeds::

    python bench/feature_scale.py                          # 7 predictors, 3 spaces, 5 seeds
    python bench/feature_scale.py --predictors svr,dngo --spaces ofa --seeds 3 --workers 2

Spaces (``--spaces``):

``nb201``
    NAS-Bench-201 CIFAR-10, 200-epoch validation accuracy: the reference, whose one-hot
    operations are all about equally frequent (the two scalings are then close).
``ofa``
    A once-for-all style user space defined below (:class:`OFASpace`): 5 stages of 2-4
    blocks, each block one of 9 operations (kernel 3/5/7 x expansion 3/4/6), one chain per
    stage. A 4th block is present in a third of the stages, so each of its operation
    indicators in 1/27 of the networks: the case the shared scale was made for. Labels are
    synthetic (:func:`ofa_table`): a sum of per-block effects plus noise.
``macro``
    NAS-Bench-Macro (``examples/macro_space.py``: 8 layers x 3 blocks, 6,561 chains,
    measured CIFAR-10 test accuracy, mean of 3 runs).

Each seed draws one split (:func:`nasperf.evaluation.make_split`: ``--n-train`` training
architectures, ``--test-size`` test architectures) used by both scalings of every
predictor. Predictors are built as a user builds them (``get(name, space=...,
random_state=seed)``: default encoding ``adjacency_onehot``, default parameters).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's nasperf, not an installed one

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

import nasperf  # noqa: E402
from nasperf.errors import InvalidArchitectureError  # noqa: E402
from nasperf.evaluation import make_split  # noqa: E402
from nasperf.spaces import CellGraph, SearchSpace  # noqa: E402

PREDICTORS = ("sparse_gp", "var_sparse_gp", "svr", "dngo", "bohamiann", "nao", "gp")
SPACES = ("nb201", "ofa", "macro")

# --------------------------------------------------------------------------- OFA space
OFA_OPS = tuple(f"k{k}e{e}" for k in (3, 5, 7) for e in (3, 4, 6))
OFA_STAGES = 5
OFA_DEPTHS = (2, 3, 4)


@dataclass(frozen=True, slots=True)
class OFAArch:
    """Five stages, each a tuple of 2-4 block operations (names of :data:`OFA_OPS`)."""

    stages: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.stages, tuple) or len(self.stages) != OFA_STAGES:
            raise InvalidArchitectureError("stages", self.stages, "expected 5 stages", space="ofa")
        for i, stage in enumerate(self.stages):
            if (
                not isinstance(stage, tuple)
                or len(stage) not in OFA_DEPTHS
                or any(op not in OFA_OPS for op in stage)
            ):
                raise InvalidArchitectureError(
                    f"stages[{i}]", stage, f"expected 2-4 of {OFA_OPS}", space="ofa"
                )


class OFASpace(SearchSpace[OFAArch]):
    """Once-for-all style elastic depth: 5 stages of 2-4 blocks of 9 operations, text
    ``"k3e3,k5e6|k7e4,k3e3,k3e3|..."``, one chain cell per stage (so a block's position in
    the adjacency one-hot always means the same stage and slot). Labels only: no network."""

    name = "bench_ofa"
    ops = OFA_OPS
    arch_type = OFAArch
    max_nodes = max(OFA_DEPTHS) + 2

    def parse(self, text: str) -> OFAArch:
        if not isinstance(text, str) or len(text) > 256:
            raise InvalidArchitectureError("text", text, "expected 'k3e3,k5e6|...'", space="ofa")
        return OFAArch(tuple(tuple(part.split(",")) for part in text.split("|")))

    def to_string(self, arch: OFAArch) -> str:
        return "|".join(",".join(stage) for stage in arch.stages)

    def cells(self, arch: OFAArch) -> tuple[CellGraph, ...]:
        out = []
        for stage in arch.stages:
            n = len(stage) + 2
            adj = tuple(tuple(int(j == i + 1) for j in range(n)) for i in range(n))
            out.append(CellGraph(adjacency=adj, ops=("input", *stage, "output")))
        return tuple(out)

    def random_architecture(self, rng: np.random.Generator) -> OFAArch:
        stages = []
        for _ in range(OFA_STAGES):
            depth = int(rng.choice(OFA_DEPTHS))
            stages.append(tuple(OFA_OPS[i] for i in rng.integers(len(OFA_OPS), size=depth)))
        return OFAArch(tuple(stages))

    def neighbors(self, arch: OFAArch) -> list[OFAArch]:
        out = []
        for i, stage in enumerate(arch.stages):
            edits = [
                stage[:j] + (op,) + stage[j + 1 :]
                for j in range(len(stage))
                for op in OFA_OPS
                if op != stage[j]
            ]
            if len(stage) < max(OFA_DEPTHS):
                edits += [stage + (op,) for op in OFA_OPS]
            if len(stage) > min(OFA_DEPTHS):
                edits.append(stage[:-1])
            out += [OFAArch(arch.stages[:i] + (e,) + arch.stages[i + 1 :]) for e in edits]
        return out

    @property
    def size(self) -> int:
        return sum(len(OFA_OPS) ** d for d in OFA_DEPTHS) ** OFA_STAGES

    def build_network(self, arch: OFAArch, dataset: Any = "cifar10", **kwargs: Any):
        raise NotImplementedError("bench_ofa has synthetic labels and no networks")


def ofa_table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """``n`` distinct random :class:`OFASpace` networks and a synthetic label ``acc``.

    A block at slot ``j`` (0-3) of stage ``s`` with operation ``o`` adds
    ``0.85**j * (0.4 + e[s, o])`` with ``e ~ N(0, 0.5)`` drawn once: depth helps with
    diminishing returns, and which operation sits where matters about as much. Gaussian
    noise of sd 0.5 per network (about a sixth of the label's spread). Deterministic
    given ``seed``.
    """
    rng = np.random.default_rng(seed)
    space = OFASpace()
    effect = rng.normal(0.0, 0.5, size=(OFA_STAGES, len(OFA_OPS)))
    col = {op: i for i, op in enumerate(OFA_OPS)}
    archs: dict[str, OFAArch] = {}
    while len(archs) < n:
        arch = space.random_architecture(rng)
        archs.setdefault(space.to_string(arch), arch)
    acc = []
    for arch in archs.values():
        value = sum(
            0.85**j * (0.4 + effect[s, col[op]])
            for s, stage in enumerate(arch.stages)
            for j, op in enumerate(stage)
        )
        acc.append(value + rng.normal(0.0, 0.5))
    return pd.DataFrame({"acc": acc}, index=pd.Index(list(archs), name="arch"))


# --------------------------------------------------------------------------- cases
@functools.cache
def case(name: str) -> tuple[Any, pd.Series]:
    """The space (name or instance) and the labels indexed by architecture text."""
    if name == "nb201":
        return "nb201", nasperf.load_benchmark("nb201", "cifar10")["val_acc_200ep"]
    if name == "ofa":
        return OFASpace(), ofa_table()["acc"]
    if name == "macro":
        from examples.macro_space import load_macro_benchmark  # registers "macro"

        return "macro", load_macro_benchmark()["test_acc"]
    raise ValueError(f"unknown space {name!r}; available: {SPACES}")


def trial(space_name: str, predictor: str, seed: int, n_train: int, test_size: int) -> dict:
    """Kendall tau of ``predictor`` on one split, per-column z-scores and shared scale."""
    space, y = case(space_name)
    split = make_split(list(y.index), n_train, test_size=test_size, seed=seed)
    train, test = list(split.train), list(split.test)
    row: dict = {"space": space_name, "predictor": predictor, "seed": seed}
    for pooled in (False, True):
        pred = nasperf.predictors.get(predictor, space=space, random_state=seed)
        pred._pool_indicators = pooled  # the one difference between the two fits
        start = time.perf_counter()
        pred.fit(train, y.loc[train].to_numpy())
        tau = kendalltau(pred.predict(test), y.loc[test].to_numpy()).statistic
        row["shared" if pooled else "zscore"] = float(tau)
        row["seconds"] = row.get("seconds", 0.0) + time.perf_counter() - start
    return row


def _trial(args: tuple) -> dict:
    return trial(*args)


def table(rows: list[dict]) -> str:
    """Markdown: per space and predictor, mean tau both ways, paired difference, seed std."""
    df = pd.DataFrame(rows)
    df["diff"] = df["shared"] - df["zscore"]
    lines = [
        "| space | predictor | seeds | z-scores | shared scale | shared - z | std of diff |"
        " std of z-score tau |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (space, pred), g in df.groupby(["space", "predictor"], sort=False):
        lines.append(
            f"| {space} | {pred} | {len(g)} | {g['zscore'].mean():.3f} | "
            f"{g['shared'].mean():.3f} | {g['diff'].mean():+.3f} | {g['diff'].std(ddof=1):.3f} |"
            f" {g['zscore'].std(ddof=1):.3f} |"
        )
    return "\n".join(lines)


def _tasks(args: argparse.Namespace) -> Iterator[tuple]:
    for space, pred, seed in itertools.product(args.spaces, args.predictors, args.seed_list):
        yield (space, pred, seed, args.n_train, args.test_size)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--predictors", default=",".join(PREDICTORS), help="comma list")
    ap.add_argument("--spaces", default=",".join(SPACES), help=f"comma list of {SPACES}")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0 .. seeds-1")
    ap.add_argument("--n-train", type=int, default=100)
    ap.add_argument("--test-size", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1, help="processes (spawned)")
    args = ap.parse_args(argv)
    args.predictors = [p for p in args.predictors.split(",") if p]
    args.spaces = [s for s in args.spaces.split(",") if s]
    args.seed_list = list(range(args.seeds))
    tasks = list(_tasks(args))
    rows = []
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
            for row in pool.map(_trial, tasks):
                rows.append(row)
                print(row, file=sys.stderr, flush=True)
    else:
        for task in tasks:
            rows.append(trial(*task))
            print(rows[-1], file=sys.stderr, flush=True)
    print(
        f"Kendall tau, n_train = {args.n_train}, {args.test_size} test architectures, "
        f"seeds {args.seed_list[0]}-{args.seed_list[-1]}; both scalings on the same splits\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
