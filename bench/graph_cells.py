"""Graph predictors on networks of several cells: one readout per cell against one pooled
readout, side by side on the same splits.

The graph predictors (``gin``, ``gates``, ...) read a network with several cells (DARTS's
normal and reduction cell, a user space's stages) with one readout per cell, concatenated.
This script fits each predictor both ways on the same training and test networks (the
pooled readout is the per-cell code with ``n_cells_`` forced to 1, which is what the
predictors did before) and prints Kendall tau, mean over the draws::

    python bench/graph_cells.py                 # NB301 surrogate table and vardepth_stages
    python bench/graph_cells.py --quick         # n = 100 only, one draw
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's nasperf, not an installed one

import numpy as np  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

import nasperf  # noqa: E402
from nasperf.predictors.graph.gnn import GraphPredictor  # noqa: E402


@contextlib.contextmanager
def pooled_readout():
    """Within the block, graph predictors pool all cells together (``n_cells_ = 1``)."""
    original = GraphPredictor._start_fit

    def start_fit(self, X, y):
        out = original(self, X, y)
        self.n_cells_ = 1
        return out

    GraphPredictor._start_fit = start_fit
    try:
        yield
    finally:
        GraphPredictor._start_fit = original


def _cases() -> dict:
    from nasperf.datasets import load_benchmark
    from tests.search.user_spaces import vardepth_table

    nb301 = load_benchmark("nb301_surrogate")
    col = [c for c in nb301.columns if c.startswith("val_accuracy")][-1]
    vd = vardepth_table()
    stages = nasperf.get_space("user_vardepth_stages")
    return {
        "nb301 (2 cells)": (
            nasperf.get_space("nb301"),
            list(nb301.index),
            nb301[col].to_numpy(),
        ),
        "vardepth_stages (3 cells)": (
            stages,
            [stages.parse(a) for a in vd.index],
            vd["val_acc"].to_numpy(),
        ),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="n = 100 only, one draw")
    p.add_argument("--predictors", default="gin,gates")
    p.add_argument("--draws", type=int, default=3)
    p.add_argument("--test-size", type=int, default=500)
    args = p.parse_args(argv)
    sizes = (100,) if args.quick else (100, 1000)
    draws = 1 if args.quick else args.draws
    rows = []
    for case, (space, archs, y) in _cases().items():
        for name in args.predictors.split(","):
            for n in sizes:
                taus: dict[str, list[float]] = {"pooled": [], "per cell": []}
                for seed in range(draws):
                    idx = np.random.default_rng(seed).permutation(len(y))
                    tr, te = idx[:n], idx[n : n + args.test_size]
                    # alternate the order of the two variants from draw to draw
                    order = ("pooled", "per cell") if seed % 2 == 0 else ("per cell", "pooled")
                    for variant in order:
                        ctx = pooled_readout() if variant == "pooled" else contextlib.nullcontext()
                        with ctx:
                            pred = nasperf.predictors.get(name, space=space, random_state=seed)
                            t0 = time.perf_counter()
                            pred.fit([archs[i] for i in tr], y[tr])
                            scores = pred.predict([archs[i] for i in te])
                        taus[variant].append(float(kendalltau(scores, y[te])[0]))
                        print(
                            f"{case} {name} n={n} draw {seed} {variant}: tau "
                            f"{taus[variant][-1]:.3f} ({time.perf_counter() - t0:.1f} s)",
                            file=sys.stderr,
                        )
                a, b = np.mean(taus["pooled"]), np.mean(taus["per cell"])
                rows.append((case, name, n, a, b))
    print(f"Kendall tau on {args.test_size} test networks, mean of {draws} draw(s)\n")
    print("| space | predictor | n | pooled readout | one readout per cell | difference |")
    print("|---|---|---:|---:|---:|---:|")
    for case, name, n, a, b in rows:
        print(f"| {case} | {name} | {n} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
