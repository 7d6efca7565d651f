"""Cost of the function-call tap (functional ReLUs for nwot / swap, functional pools for zen)
on NB201 networks, whose ReLUs and pools are all modules.

nwot and swap read ``F.relu`` / ``x.relu()`` calls as ReLU layers, and zen reads
``F.adaptive_avg_pool2d`` calls as pools, through a torch function mode
(``engine.function_calls``) active during their forward. Such a mode costs every op a
Python call; since torch's own leaf layers (convolutions, BatchNorm, pools, ``nn.ReLU``)
call none of those functions but in their module forms, the mode is off inside them
(``engine.closed_modules``). For ``--cells`` random NAS-Bench-201 cells (C=16, N=5,
CIFAR-10 head, ``--batch`` random images, one thread), each network built once, this script
times ``nasperf.zero_cost.score(net, x, y, [proxy])`` and ``compute("nb201", archs,
[proxy])`` three ways, in one process, alternated per repetition (the order rotating):

* ``no tap``: the mode replaced by nothing (what nasperf did before it read functional
  ReLUs, 914a34f: the same values on these networks, which have none), the floor;
* ``every op``: the mode watching every op (``closed_modules`` returning no module: the
  code before the closed layers);
* ``nasperf``: as it is.

Printed: the median over cells of the fastest of ``--reps`` CPU-time repetitions (ms per
network), the ratios to ``no tap``, and whether the three give the same values (they must:
the mode finds no functional ReLU or pool here). The machine may be shared: absolute
seconds are noisy, the ratios of alternated runs are the figures to quote.

Usage: python bench/function_calls.py [--quick] [--cells 4] [--reps 5] [--batch 16]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.zero_cost import compute, engine, score, zen

VARIANTS = ("no tap", "every op", "nasperf")
PROXIES = ("nwot", "swap", "zen")


@contextlib.contextmanager
def _variant(name: str) -> Iterator[None]:
    """nasperf's function-call mode as in ``name`` (module docstring) for the block."""
    saved = (engine.function_calls, zen.function_calls, engine.closed_modules, zen.closed_modules)

    @contextlib.contextmanager
    def no_mode(*args: object, **kwargs: object) -> Iterator[None]:
        yield

    def none_closed(modules: object) -> list:
        return []

    try:
        if name == "no tap":
            engine.function_calls = zen.function_calls = no_mode
        elif name == "every op":
            engine.closed_modules = zen.closed_modules = none_closed
        yield
    finally:
        engine.function_calls, zen.function_calls, engine.closed_modules, zen.closed_modules = saved


def _cpu_ms(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.process_time()
    out = fn()
    return 1000 * (time.process_time() - t), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="2 cells, 3 repetitions")
    ap.add_argument("--cells", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    cells, reps = (2, 3) if args.quick else (args.cells, args.reps)
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    space = nasperf.get_space("nb201")
    archs = space.sample(cells, seed=7)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (args.batch,), generator=g)
    nets = []
    for a in archs:
        torch.manual_seed(0)
        nets.append(space.build_network(a, "cifar10"))
    score(nets[0], x, y, proxies=list(PROXIES))  # warm-up: oneDNN creates its kernels

    jobs: dict[str, list[Callable[[], object]]] = {
        f"score {p}": [(lambda n=n, p=p: score(n, x, y, proxies=[p])[p]) for n in nets]
        for p in PROXIES
    }
    jobs["compute nwot"] = [
        (lambda a=a: compute("nb201", [a], ["nwot"], batch_size=args.batch, cache=None))
        for a in archs
    ]
    rows = []
    same = True
    for what, fns in jobs.items():
        per_cell: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for fn in fns:
            best = dict.fromkeys(VARIANTS, float("inf"))
            values = {}
            for r in range(reps):
                for v in VARIANTS[r % 3 :] + VARIANTS[: r % 3]:
                    with _variant(v):
                        ms, values[v] = _cpu_ms(fn)
                    best[v] = min(best[v], ms)
            first = values[VARIANTS[0]]
            same &= all(_equal(values[v], first) for v in VARIANTS)
            for v in VARIANTS:
                per_cell[v].append(best[v])
        med = {v: statistics.median(per_cell[v]) for v in VARIANTS}
        rows.append((what, med))

    print(
        f"\nNB201, {cells} cells, batch {args.batch}, 1 thread, CPU time: median over cells of "
        f"the fastest of {reps} alternated repetitions (ms per network)\n"
    )
    print("| what | no tap | every op | nasperf | every op / no tap | nasperf / no tap |")
    print("|---|---:|---:|---:|---:|---:|")
    for what, med in rows:
        base = med["no tap"]
        print(
            f"| {what} | {base:.1f} | {med['every op']:.1f} | {med['nasperf']:.1f} | "
            f"{med['every op'] / base:.2f} | {med['nasperf'] / base:.2f} |"
        )
    print(f"\nsame values in the three variants: {same}")


def _equal(a: object, b: object) -> bool:
    """Bit-identical scores (NaN equal to NaN), or equal compute tables."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if hasattr(a, "equals"):
        return bool(a.equals(b))
    return a == b


if __name__ == "__main__":
    main()
