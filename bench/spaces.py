#!/usr/bin/env python
"""Search-space benchmark: exactness of FLOPs / params against NASLib, and speed.

For every reference file in ``../shared`` (NB201: 491 cells x 3 datasets; NB101 and NB301:
50 cells each), parse every NASLib key, count FLOPs and parameters, and compare with NASLib's
stored values (acceptance: within 0.1 % relative on every cell). Also times parsing, hashing,
sampling and building networks. Prints a markdown table.

Usage: ``python bench/spaces.py [--quick] [--shared PATH]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf

REFERENCES = {
    "nb201": "reference/naslib-zc/zc_nasbench201_sample.json",
    "nb101": "data/nb101/naslib_zc_nb101_dev50.json",
    "nb301": "data/nb301/naslib_zc_nb301_dev50.json",
}


def exactness(shared: Path, quick: bool) -> list[dict]:
    rows = []
    for name, rel in REFERENCES.items():
        space = nasperf.get_space(name)
        data = json.loads((shared / rel).read_text())
        for dataset, cells in next(iter(data.values())).items():
            items = list(cells.items())[: 20 if quick else None]
            start = time.perf_counter()
            worst, ok = 0.0, 0
            for key, rec in items:
                arch = space.from_naslib(key)
                c = space.complexity(arch, dataset)
                err = max(
                    abs(c.mflops - rec["flops"]) / rec["flops"],
                    abs(c.mparams - rec["params"]) / rec["params"],
                )
                worst = max(worst, err)
                ok += err <= 1e-3
            seconds = time.perf_counter() - start
            rows.append(
                {
                    "space": name,
                    "dataset": dataset,
                    "cells": len(items),
                    "match": ok,
                    "max_rel_err": worst,
                    "ms_per_cell": 1e3 * seconds / len(items),
                }
            )
    return rows


def speed(quick: bool) -> list[tuple[str, int, float]]:
    out = []
    n = 200 if quick else 2000
    for name in REFERENCES:
        space = nasperf.get_space(name)
        t = time.perf_counter()
        archs = space.sample(n, seed=0)
        out.append((f"{name} sample", n, time.perf_counter() - t))
        texts = [space.to_string(a) for a in archs]
        t = time.perf_counter()
        for s in texts:
            space.parse(s)
        out.append((f"{name} parse", n, time.perf_counter() - t))
        t = time.perf_counter()
        for a in archs:
            space.hash(a)
        out.append((f"{name} hash", n, time.perf_counter() - t))
        k = 3 if quick else 10
        t = time.perf_counter()
        for a in archs[:k]:
            space.build_network(a, "cifar10")
        out.append((f"{name} build_network (full size)", k, time.perf_counter() - t))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 cells per file, fewer timings")
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(__file__).resolve().parents[1].parent / "shared",
        help="the shared folder with data/ and reference/ (default: ../shared)",
    )
    args = parser.parse_args()
    print("## FLOPs / params vs NASLib (acceptance: every cell within 0.1 %)\n")
    print("| space | dataset | cells | within 0.1 % | max rel. error | ms / cell |")
    print("|---|---|---:|---:|---:|---:|")
    for r in exactness(args.shared, args.quick):
        print(
            f"| {r['space']} | {r['dataset']} | {r['cells']} | {r['match']} | "
            f"{r['max_rel_err']:.2e} | {r['ms_per_cell']:.2f} |"
        )
    print("\n## Speed\n")
    print("| what | n | seconds | us / item |")
    print("|---|---:|---:|---:|")
    for what, n, s in speed(args.quick):
        print(f"| {what} | {n} | {s:.3f} | {1e6 * s / n:.0f} |")


if __name__ == "__main__":
    main()
