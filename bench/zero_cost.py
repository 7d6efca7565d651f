"""Speed of nasperf's zero-cost proxies on full-size NAS-Bench-201 networks (CPU).

For ``--cells`` random NB201 cells (C=16, N=5, CIFAR-10, batch 64, ``--threads`` threads),
times ``score`` for each proxy alone and for the shared set {synflow, nwot, jacov, snip,
grad_norm, fisher, params, flops}, and prints the median seconds per architecture with the
ratio against the reference implementation's figures (SamsungLabs zero-cost-nas, median of 8
random cells, 2 threads), and the share of ``score``'s up-front contract check (one no-grad
forward). Networks are built outside the timed region; one untimed warm-up call per network
shape lets oneDNN build its kernels first.

Usage: python bench/zero_cost.py [--quick] [--cells 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import nasperf
from nasperf.zero_cost import PROXIES, available, score
from nasperf.zero_cost.contract import check_call

#: seconds per architecture of the reference implementation (zero-cost-nas, 2 threads)
REFERENCE = {
    "grad_norm": 1.08, "snip": 1.07, "grasp": 3.15, "fisher": 1.26, "jacov": 1.15,
    "synflow": 0.35,
}  # fmt: skip
SHARED = ["synflow", "nwot", "jacov", "snip", "grad_norm", "fisher", "params", "flops"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="3 cells")
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--proxies", default=None, help="comma list; default all")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    n_cells = 3 if args.quick else args.cells
    space = nasperf.get_space("nb201")
    archs = space.sample(n_cells, seed=0)
    x, y = nasperf.load_image_batch("cifar10", 64, seed=0)
    proxies = args.proxies.split(",") if args.proxies else available(population=False)
    nets = []
    for i, arch in enumerate(archs):
        torch.manual_seed(i)
        nets.append(space.build_network(arch, "cifar10"))
    score(nets[0], x, y, proxies)  # warm-up: oneDNN kernel creation
    times: dict[str, list[float]] = {p: [] for p in [*proxies, "shared set"]}
    check_times: list[float] = []
    shared = {p: PROXIES.get(p)() for p in SHARED}
    for net in nets:
        for p in proxies:
            t = time.perf_counter()
            score(net, x, y, [p])
            times[p].append(time.perf_counter() - t)
        t = time.perf_counter()
        score(net, x, y, SHARED)
        times["shared set"].append(time.perf_counter() - t)
        # the up-front contract check alone (one no-grad forward), included in every score
        t = time.perf_counter()
        check_call(net, x, y, shared, None, 0)
        check_times.append(time.perf_counter() - t)
    print(
        f"# zero-cost proxies, NB201 C=16 N=5, CIFAR-10 batch 64, {args.threads} threads, "
        f"median of {n_cells} random cells\n"
    )
    print("| proxy | s / arch (median) | reference s / arch | speed-up vs reference |")
    print("|---|---|---|---|")
    ref_shared = sum(REFERENCE.values())
    for p, ts in times.items():
        med = statistics.median(ts)
        ref = REFERENCE.get(p, ref_shared if p == "shared set" else None)
        label = f"{p} ({', '.join(SHARED)})" if p == "shared set" else p
        if ref is None:
            print(f"| {label} | {med:.3f} | - | - |")
        else:
            print(f"| {label} | {med:.3f} | {ref:.2f} | {ref / med:.1f}x |")
    check = statistics.median(check_times)
    print(
        f"\nContract check included in each score (one no-grad forward): {check:.3f} s / arch, "
        f"{check / statistics.median(times['shared set']):.1%} of the shared set."
    )
    print(
        "\nReference of the shared set: the six reference proxies together "
        f"({ref_shared:.2f} s); target for the shared set <= 1.0 s."
    )


if __name__ == "__main__":
    main()
