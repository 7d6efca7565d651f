#!/usr/bin/env python
"""Encoding benchmark: seconds to encode every NB201 cell and 10,000 NB101 / NB301 cells.

For each registered encoding (zero_cost needs a proxy table and is skipped) and space, fit
on the architectures (arch2vec: trained on a small sample first, its time reported apart),
then time ``transform`` of the whole set, best of ``--repeat`` runs. Targets (2 cores):
every numeric encoder < 1 s for the 15,625 NB201 cells; the graph encoder < 3 s.

Usage: ``python bench/encodings.py [--quick] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf import encodings

TARGETS = {"graph": 3.0}
SKIP = {"zero_cost"}
PARAMS = {"arch2vec": {"epochs": 5, "random_state": 0, "n_threads": None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 architectures per space")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    canonical = {encodings.ENCODINGS.get(n): n for n in encodings.ENCODINGS.names(aliases=False)}
    print("| space | encoding | archs | width | fit s | encode s | target s | ok |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for space_name in ("nb201", "nb101", "nb301"):
        space = nasperf.get_space(space_name)
        if space_name == "nb201" and not args.quick:
            archs = list(space.enumerate())
        else:
            archs = space.sample(2000 if args.quick else 10_000, seed=0)
        for cls, name in sorted(canonical.items(), key=lambda t: t[1]):
            if name in SKIP:
                continue
            enc = encodings.get(name, space=space_name, **PARAMS.get(name, {}))
            fit_on = archs[:500] if name == "arch2vec" else archs
            t = time.perf_counter()
            enc.fit(fit_on)
            fit_s = time.perf_counter() - t
            best = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                out = enc.transform(archs)
                best = min(best, time.perf_counter() - t)
            width = getattr(enc, "n_features_out_", "-") if cls.numeric else "graphs"
            target = (
                TARGETS.get(name, 1.0) if space_name == "nb201" and len(archs) == 15625 else None
            )
            ok = "" if target is None else ("yes" if best < target else "NO")
            tgt = "" if target is None else f"{target:.1f}"
            print(
                f"| {space_name} | {name} | {len(archs)} | {width} | {fit_s:.2f} | {best:.3f} "
                f"| {tgt} | {ok} |"
            )
            del out


if __name__ == "__main__":
    main()
