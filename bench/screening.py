#!/usr/bin/env python
"""Screening benchmark: architectures ranked per second by the pre-trained checkpoints,
encoding included, and peak memory while streaming a large NB101 file.

Throughput (NB201, ``--n`` architecture texts drawn uniformly from the space, best of
``--repeat``): ``Checkpoint.predict(texts)`` in memory (text -> architecture -> encoding +
zero-cost features -> model), and ``pretrained.screen`` end to end from a file (reading,
parsing, encoding, predicting, keeping the top 100, writing the CSV). Each with 1 and 2
threads. Targets (2 cores): >= 100,000 / s for tree checkpoints, >= 10,000 / s for GNN
checkpoints. The first call of a process also builds the text index of the space (once).

Memory: a file of NB101 cells (lines drawn from a pool of sampled cells; JSON specs) is
screened by ``nb101-cifar10`` in a fresh process for 100,000 and 1,000,000 lines, with
``--top 1000`` (rows kept: 1,000) and without (every row ranked: numbers in memory, texts
spilled to a temporary file); the table reports each process's peak RSS, against a process
that only loads the checkpoint.

Against the floor (same texts, same chunks of ``CHUNK`` architectures, alternated, best of
``--repeat``): for the tree checkpoint, plain XGBoost ``inplace_predict`` on the feature
matrices precomputed from those texts; for the GNN checkpoint, the network's forward pass on
the graph tensors precomputed from them. Each with flush-to-zero of denormal floats off (the
default) and on (``torch.set_flush_denormal(True)``): a large gap between the two means
denormal numbers reach a matrix multiply. Targets (2 threads): tree checkpoint >= 60 % of
its floor, GNN checkpoint >= 50,000 / s.

Usage: ``python bench/screening.py [--quick] [--n 200000] [--repeat 3]``
(``--quick``: 50,000 NB201 texts, NB101 files of 20,000 and 200,000 lines.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf import pretrained

TARGETS = {"tree": 100_000, "gnn": 10_000}
GNN_TARGET_2T = 50_000

# Peak RSS from /proc/self/status (VmHWM, this process's own high-water mark): ru_maxrss of
# a child started by a large parent can report the parent's size (Linux keeps the larger
# of the two across exec).
_CHILD = r"""
import json, resource, sys, time
import torch
torch.set_num_threads(1)
from nasperf import pretrained

def peak_kb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

path, top = sys.argv[1], (int(sys.argv[2]) or None)
ckpt = pretrained.load("nb101-cifar10")
base = peak_kb()
t = time.perf_counter()
res = None
if path != "-":
    res = pretrained.screen(ckpt, path, top=top, out=sys.argv[3], batch_size=8192)
print(json.dumps({
    "loaded_kb": base,
    "peak_kb": peak_kb(),
    "seconds": time.perf_counter() - t,
    "n": 0 if res is None else res.n_screened,
}))
"""


def _throughput(ckpt, texts, threads: int, repeat: int, tmp: Path) -> tuple[float, float, float]:
    """(first call /s, best in-memory /s, best end-to-end file /s)."""
    torch.set_num_threads(threads)
    ckpt.predictor.set_params(n_jobs=threads)
    ckpt._index = None  # the first call builds the text index again
    t = time.perf_counter()
    ckpt.predict(texts)
    first = len(texts) / (time.perf_counter() - t)
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        ckpt.predict(texts)
        best = max(best, len(texts) / (time.perf_counter() - t))
    path = tmp / "nb201.txt"
    path.write_text("\n".join(texts) + "\n")
    e2e = 0.0
    for _ in range(repeat):
        res = pretrained.screen(ckpt, path, top=100, out=tmp / "ranked.csv", batch_size=65_536)
        e2e = max(e2e, res.n_screened / res.seconds)
    return first, best, e2e


def _vs_floor(ckpt, texts, threads: int, repeat: int) -> dict:
    """Checkpoint.predict on ``texts`` and the bare model on precomputed inputs, alternated;
    architectures / s (best of ``repeat``), flush-to-zero off and on."""
    from nasperf.pretrained.checkpoint import CHUNK, GRAPH_CHUNK

    torch.set_num_threads(threads)
    ckpt.predictor.set_params(n_jobs=threads)
    pred = ckpt.predictor
    values = ckpt._values(texts)
    step = CHUNK if getattr(pred, "numeric", True) else GRAPH_CHUNK
    chunks = [values[i : i + step] for i in range(0, len(values), step)]
    inputs = [pred._prepare_predict(c, ckpt._side_for(ckpt._positions(c))) for c in chunks]
    if getattr(pred, "numeric", True):
        pred.model_.set_param({"nthread": threads})

        def floor() -> None:
            for X in inputs:
                pred.model_.inplace_predict(X)
    else:
        packed = [pred._pack(pred._check_input(X)) for X in inputs]

        @torch.no_grad()
        def floor() -> None:
            for p in packed:
                pred.network_(p.select())

    out = {}
    for flush in (False, True):
        torch.set_flush_denormal(flush)
        ours = base = 0.0
        for _ in range(repeat):
            t = time.perf_counter()
            ckpt.predict(texts)
            ours = max(ours, len(texts) / (time.perf_counter() - t))
            t = time.perf_counter()
            floor()
            base = max(base, len(texts) / (time.perf_counter() - t))
        out[flush] = (ours, base)
    torch.set_flush_denormal(False)
    return out


def _nb101_file(path: Path, n: int, pool: list[str], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        for start in range(0, n, 100_000):
            idx = rng.integers(0, len(pool), size=min(100_000, n - start))
            fh.write("\n".join(pool[i] for i in idx) + "\n")


def _child(path: str, top: int, out: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, path, str(top), out],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],  # "-c" puts it first: this checkout's nasperf
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--n", type=int, default=None, help="NB201 texts (default 200,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true", help="throughput only")
    args = parser.parse_args()
    n = args.n or (50_000 if args.quick else 200_000)
    space = nasperf.get_space("nb201")
    rng = np.random.default_rng(0)
    cells = [space.to_string(a) for a in space.enumerate()]
    texts = [cells[i] for i in rng.integers(0, len(cells), size=n)]

    print(
        f"Throughput, NB201, {n:,d} architecture texts (encoding included), best of "
        f"{args.repeat}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| checkpoint | model | threads | first call / s | predict / s | file -> top 100 CSV / s "
        "| target / s | ok |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for kind in ("tree", "gnn"):
            name = f"nb201-cifar10-{kind}"
            ckpt = pretrained.load(name)
            for threads in (1, 2):
                first, best, e2e = _throughput(ckpt, texts, threads, args.repeat, tmp)
                ok = "yes" if best >= TARGETS[kind] else "NO"
                print(
                    f"| `{name}` | {ckpt.metadata['predictor']} | {threads} | {first:,.0f} | "
                    f"{best:,.0f} | {e2e:,.0f} | {TARGETS[kind]:,d} | {ok} |"
                )
        print()
        print(
            "Against the floor (tree: XGBoost `inplace_predict` on precomputed features; GNN: "
            "the network on precomputed graph tensors), denormal flush-to-zero off / on"
        )
        print()
        print(
            "| checkpoint | threads | flush | predict / s | floor / s | predict / floor | target |"
        )
        print("|---|---:|---|---:|---:|---:|---|")
        for kind in ("tree", "gnn"):
            name = f"nb201-cifar10-{kind}"
            ckpt = pretrained.load(name)
            for threads in (1, 2):
                res = _vs_floor(ckpt, texts, threads, args.repeat)
                for flush, (ours, base) in res.items():
                    target = (
                        ">= 60 % of floor"
                        if kind == "tree"
                        else f">= {GNN_TARGET_2T:,d} / s with 2 threads"
                    )
                    print(
                        f"| `{name}` | {threads} | {'on' if flush else 'off'} | {ours:,.0f} | "
                        f"{base:,.0f} | {ours / base:.0%} | {target} |"
                    )
        if args.skip_memory:
            return
        sizes = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
        nb101 = nasperf.get_space("nb101")
        t = time.perf_counter()
        pool = [nb101.to_string(a) for a in nb101.sample(20_000, seed=0)]
        print()
        print(
            f"Memory, NB101 (`nb101-cifar10`, {pretrained.info('nb101-cifar10')['predictor']}),"
            f" lines drawn from {len(pool):,d} sampled cells ({time.perf_counter() - t:.0f} s "
            "to sample), one fresh process per row, 1 thread"
        )
        print()
        print(
            "| lines | --top | peak RSS MB | after loading MB | screening MB | seconds | "
            "archs / s |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        base = _child("-", 0, "-")
        print(
            f"| 0 | - | {base['peak_kb'] / 1024:.0f} | {base['loaded_kb'] / 1024:.0f} | 0 | - | - |"
        )
        for size in sizes:
            path = tmp / f"nb101_{size}.txt"
            _nb101_file(path, size, pool)
            for top in (1000, 0):
                r = _child(str(path), top, str(tmp / "nb101_ranked.csv"))
                grow = (r["peak_kb"] - r["loaded_kb"]) / 1024
                print(
                    f"| {size:,d} | {top or 'all'} | {r['peak_kb'] / 1024:.0f} | "
                    f"{r['loaded_kb'] / 1024:.0f} | {grow:.0f} | {r['seconds']:.1f} | "
                    f"{r['n'] / r['seconds']:,.0f} |"
                )
            path.unlink()


if __name__ == "__main__":
    main()
