"""Speed of nasperf's zero-cost proxies, side by side with the reference, on NB201 networks.

For ``--cells`` random NAS-Bench-201 cells (C=16, N=5, CIFAR-10 head, 64 CIFAR-10 images,
``--threads`` threads), each network is built once by nasperf's builder and scored by

* nasperf: ``nasperf.zero_cost.score(net, x, y, [proxy])``;
* the reference: SamsungLabs zero-cost-nas ``foresight.pruners.predictive.find_measures``
  (imported from ``../shared/reference/zero-cost-nas`` at run time, never copied here) on an
  identical copy of the network (same weights), and, for ``nwot`` which it lacks, this
  script's own minimal implementation of NASWOT's published algorithm (Mellor et al. 2021:
  binary ReLU codes per input, ``K = c c^T + (1 - c)(1 - c)^T`` summed over ReLUs,
  ``slogdet``), labelled "bench reference";
* the floor: one forward; one forward with NASWOT's least work on top (the float32 product
  ``c c^T`` of the 0/1 codes of each distinct ReLU input: what nwot needs); one forward +
  backward to the input only (``d sum(logits) / dx``, no weight gradients: what jacov
  needs); one forward + backward (cross-entropy, ``loss.backward()``); and one forward +
  backward + Hessian-vector product (the gradients ``g`` of the conv / linear weights with
  ``create_graph=True``, then the gradient of ``sum(stop_grad(g) * g)``: the ``H g`` GraSP
  scores, exactly), of a copy of the same network on the same batch in train mode,
  channels-last layout (the faster layout for oneDNN's CPU kernels), as plain torch calls.
  ``reference / floor`` ("speed-up at its floor") is the most speed-up a proxy that must
  compute that pass can show: a target above it needs less work than a plain pass.

Per cell and proxy the two implementations alternate (which one goes first alternates too);
one untimed warm-up round first lets oneDNN create its kernels. Printed: the median seconds
over cells, the ratio reference / nasperf, the agreement of the values (Spearman over cells
and the median relative difference; float32 sums in channels-last vs contiguous layout differ
by up to ~1 % on convolution-heavy cells, so small differences are layout, not algorithm) and
each proxy's time as a multiple of the forward and forward + backward floors. Then the
8-proxy set {synflow, nwot, jacov, snip, grad_norm, fisher, params, flops} in one call
against the reference's one ``find_measures`` call for its five (+ the bench nwot and a
parameter count), and every single-network proxy's cost (nasperf alone, ``--all-cells``).

The machine may be shared: absolute seconds are noisy, ratios of alternated runs are the
figures to quote.

Usage: python bench/zero_cost.py [--quick] [--cells 8] [--threads 2] [--all-cells 2]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
from scipy.stats import spearmanr
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from nasperf.zero_cost import available, score

REF_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "zero-cost-nas"
#: nasperf proxy -> zero-cost-nas measure ("nwot": this script's own reference)
PAIRS = {
    "grad_norm": "grad_norm",
    "snip": "snip",
    "grasp": "grasp",
    "fisher": "fisher",
    "jacov": "jacob_cov",
    "synflow": "synflow",
    "nwot": "nwot",
}
SHARED = ["synflow", "nwot", "jacov", "snip", "grad_norm", "fisher", "params", "flops"]
REF_SHARED = ["synflow", "jacob_cov", "snip", "grad_norm", "fisher"]


def _find_measures():
    """zero-cost-nas's ``find_measures`` from ``../shared/reference``; None when absent."""
    for base in (REF_DIR, Path.cwd().parent / "shared" / "reference" / "zero-cost-nas"):
        if (base / "foresight").is_dir():
            sys.path.insert(0, str(base))
            from foresight.pruners.predictive import find_measures

            return find_measures
    return None


def naswot_reference(net: nn.Module, x: torch.Tensor) -> float:
    """NASWOT as published (Mellor et al. 2021), the bench's own reference.

    Train-mode forward (BatchNorm batch statistics, as the authors' code); each ``nn.ReLU``
    binarises its input per sample into a code ``c`` (N, units); ``K`` sums
    ``c c^T + (1 - c)(1 - c)^T`` over ReLUs; the score is ``slogdet(K)``'s log |det|.
    """
    k = torch.zeros(x.shape[0], x.shape[0], dtype=torch.float64)

    def hook(module, inp, out):
        c = (inp[0].detach().reshape(inp[0].shape[0], -1) > 0).to(torch.float64)
        k.add_(c @ c.T + (1.0 - c) @ (1.0 - c).T)

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    was = net.training
    try:
        net.train()
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
        net.train(was)
    return float(torch.linalg.slogdet(k)[1])


def _reference(find_measures, net, x, y, names: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    zc = [n for n in names if n not in ("nwot", "params", "flops")]
    if zc:
        res = find_measures(net, [(x, y)], ("random", 1, 10), torch.device("cpu"), measure_names=zc)
        out.update({k: float(v) for k, v in res.items()})
    if "nwot" in names:
        out["nwot"] = naswot_reference(net, x)
    if "params" in names:
        out["params"] = float(sum(p.numel() for p in net.parameters()))
    return out


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


#: Which floor bounds each proxy from below (what it must compute at the least): nwot one
#: forward; jacov a forward and a backward to the input only (no weight gradients); the
#: gradient proxies a forward and a full backward; grasp that and a Hessian-vector product.
#: ``reference / floor`` is then the most speed-up a proxy can show against the reference
#: while computing what it has to with torch's own kernels.
FLOOR_OF = {
    "nwot": "fwd_kernel",
    "jacov": "fwd_input",
    "grad_norm": "fwd_bwd",
    "snip": "fwd_bwd",
    "fisher": "fwd_bwd",
    "grasp": "fwd_bwd_hvp",
}


def _forward_with_kernel(net: nn.Module, x: torch.Tensor) -> float:
    """Seconds of NASWOT's least work in plain torch: one forward, and for each distinct
    input of an ``nn.ReLU`` (ReLUs applied to one tensor share it, as in an NB201 cell) the
    float32 product ``c c^T`` of its 0/1 codes (one pass for the codes, one product), from
    which the kernel follows in O(N^2)."""
    held: dict[int, torch.Tensor] = {}
    grams: list[torch.Tensor] = []

    def hook(module, args, out):
        inp = args[0]
        if id(inp) not in held:
            held[id(inp)] = inp  # held, so that no other tensor takes its id
            if out.dim() == 4 and out.is_contiguous(memory_format=torch.channels_last):
                out = out.permute(0, 2, 3, 1)  # a view: the product sums over units
            c = torch.sign(out.reshape(out.shape[0], -1))  # codes of the (>= 0) output
            grams.append(c @ c.T)

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    try:
        t = time.perf_counter()
        with torch.no_grad():
            net(x)
        return time.perf_counter() - t
    finally:
        for h in handles:
            h.remove()


def _floors(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Seconds of one forward, one forward with NASWOT's products, one forward + backward to
    the input only, one forward + full backward, and one forward + backward +
    Hessian-vector product (plain torch, channels-last, train mode)."""
    net = copy.deepcopy(net).to(memory_format=torch.channels_last).train()
    xc = x.contiguous(memory_format=torch.channels_last)
    out = {}
    t = time.perf_counter()
    with torch.no_grad():
        net(xc)
    out["fwd"] = time.perf_counter() - t
    out["fwd_kernel"] = _forward_with_kernel(net, xc)
    for p in net.parameters():
        p.requires_grad_(False)
    xg = xc.clone().requires_grad_(True)
    t = time.perf_counter()
    torch.autograd.grad(net(xg).sum(), xg)
    out["fwd_input"] = time.perf_counter() - t
    for p in net.parameters():
        p.requires_grad_(True)
    t = time.perf_counter()
    nn.functional.cross_entropy(net(xc), y).backward()
    out["fwd_bwd"] = time.perf_counter() - t
    weights = [m.weight for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    t = time.perf_counter()
    grads = torch.autograd.grad(
        nn.functional.cross_entropy(net(xc), y), weights, create_graph=True, allow_unused=True
    )
    z = sum((g.detach() * g).sum() for g in grads if g is not None)
    torch.autograd.grad(z, weights, allow_unused=True)
    out["fwd_bwd_hvp"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="3 cells, 1 cell for all proxies")
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--all-cells", type=int, default=2, help="cells for the all-proxy table (0: skip it)"
    )
    ap.add_argument("--proxies", default=None, help="comma list of side-by-side proxies")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    n_cells = 3 if args.quick else args.cells
    n_all = 1 if args.quick else args.all_cells
    find_measures = _find_measures()
    # the reference's fisher registers a legacy backward hook; torch warns at every call
    warnings.filterwarnings("ignore", message="Using a non-full backward hook")
    if find_measures is None:
        print("reference zero-cost-nas not found: timing nasperf alone\n")
    pairs = {p: PAIRS[p] for p in (args.proxies.split(",") if args.proxies else PAIRS)}
    space = nasperf.get_space("nb201")
    archs = space.sample(max(n_cells, n_all), seed=0)
    x, y = nasperf.load_image_batch("cifar10", 64, seed=0)
    nets = []
    for i, arch in enumerate(archs):
        torch.manual_seed(i)
        nets.append(space.build_network(arch, "cifar10"))

    t_ours: dict[str, list[float]] = {p: [] for p in [*pairs, "8-proxy set"]}
    t_ref: dict[str, list[float]] = {p: [] for p in [*pairs, "8-proxy set"]}
    v_ours: dict[str, list[float]] = {p: [] for p in pairs}
    v_ref: dict[str, list[float]] = {p: [] for p in pairs}
    floors: dict[str, list[float]] = {
        k: [] for k in ("fwd", "fwd_kernel", "fwd_input", "fwd_bwd", "fwd_bwd_hvp")
    }
    for i, net in enumerate([nets[0], *nets[:n_cells]]):
        warm = i == 0  # the first round only warms oneDNN's kernel caches up
        ref_net = copy.deepcopy(net)  # the reference adds attributes and resets train()
        f = _floors(net, x, y)
        if not warm:
            for k, v in f.items():
                floors[k].append(v)
        jobs = [(p, [p], [r]) for p, r in pairs.items()]
        jobs.append(("8-proxy set", SHARED, [*REF_SHARED, "nwot", "params"]))
        for p, ours_names, ref_names in jobs:
            runs = [
                ("ours", lambda n=ours_names, m=net: score(m, x, y, n)),
                ("ref", lambda n=ref_names, m=ref_net: _reference(find_measures, m, x, y, n)),
            ]
            if find_measures is None:
                runs = runs[:1]
            if i % 2:
                runs.reverse()
            for who, fn in runs:
                dt, value = _timed(fn)
                if warm:
                    continue
                (t_ours if who == "ours" else t_ref)[p].append(dt)
                if p in pairs:
                    key = p if who == "ours" else ref_names[0]
                    (v_ours if who == "ours" else v_ref)[p].append(value[key])
        print(f"cell {i}/{n_cells} done", file=sys.stderr, flush=True)

    floor = {k: statistics.median(v) for k, v in floors.items()}
    # the 8-proxy set needs at least one forward with NASWOT's kernel, a backward to the
    # input (jacov) and a full backward (the gradient proxies), besides synflow's own pass
    floor["set"] = statistics.median(
        a + b - c + max(k - c, 0.0)
        for a, b, c, k in zip(
            floors["fwd_input"], floors["fwd_bwd"], floors["fwd"], floors["fwd_kernel"], strict=True
        )
    )
    floor_of = {**FLOOR_OF, "8-proxy set": "set"}
    f_med, fb_med = floor["fwd"], floor["fwd_bwd"]
    print(
        f"# zero-cost proxies side by side, NB201 C=16 N=5, CIFAR-10 batch 64, "
        f"{args.threads} threads, median of {n_cells} random cells\n"
    )
    print(
        f"Floor (plain torch, channels-last, train mode): forward {f_med:.3f} s, "
        f"forward with NASWOT's kernel {floor['fwd_kernel']:.3f} s, "
        f"forward + backward to the input only {floor['fwd_input']:.3f} s, "
        f"forward + backward {fb_med:.3f} s, "
        f"forward + backward + Hessian-vector product {floor['fwd_bwd_hvp']:.3f} s.\n"
    )
    print(
        "| proxy | nasperf s | reference s | speed-up | speed-up at its floor "
        "| Spearman | median rel. diff | x forward | x fwd+bwd |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for p in t_ours:
        ours = statistics.median(t_ours[p])
        ref = statistics.median(t_ref[p]) if t_ref[p] else float("nan")
        if p in v_ours and v_ref[p]:
            rho = spearmanr(v_ours[p], v_ref[p]).statistic
            rel = statistics.median(
                abs(a - b) / max(abs(b), 1e-300) for a, b in zip(v_ours[p], v_ref[p], strict=True)
            )
            agree = f"{rho:.3f} | {rel:.1e}"
        else:
            agree = "- | -"
        label = p if p in pairs else f"{p} ({', '.join(SHARED)})"
        if p == "nwot":
            label += " (bench reference)"
        cap = f"{ref / floor[floor_of[p]]:.2f}x" if p in floor_of else "-"
        print(
            f"| {label} | {ours:.3f} | {ref:.3f} | {ref / ours:.2f}x | {cap} | {agree} "
            f"| {ours / f_med:.1f} | {ours / fb_med:.2f} |"
        )
    print(
        "\nReference of the 8-proxy set: one find_measures call for "
        f"{', '.join(REF_SHARED)}, the bench's nwot and a parameter count (it has no FLOPs)."
    )
    print(
        "Speed-up at its floor: reference seconds / the proxy's floor (nwot: a forward with "
        "the float32 product c c^T of the 0/1 codes of each distinct ReLU input; jacov: "
        "forward + backward to the input; gradient proxies: forward + backward; grasp: "
        "forward + backward + Hessian-vector product; the 8-proxy "
        "set: one forward with NASWOT's products, a backward to the input and a full "
        "backward, synflow's pass not counted), the most a proxy that computes at least "
        "that can show on this machine."
    )
    if n_all < 1:
        return

    # every single-network proxy, nasperf alone
    names = available(population=False)
    cost: dict[str, list[float]] = {p: [] for p in names}
    score(nets[0], x, y, names)  # warm-up
    for net in nets[:n_all]:
        for p in names:
            cost[p].append(_timed(lambda p=p, m=net: score(m, x, y, [p]))[0])
    print(f"\n## every proxy alone (nasperf, median of {n_all} cells)\n")
    print("| proxy | s | x forward | x fwd+bwd |")
    print("|---|---|---|---|")
    for p in sorted(names, key=lambda q: -statistics.median(cost[q])):
        s = statistics.median(cost[p])
        print(f"| {p} | {s:.3f} | {s / f_med:.1f} | {s / fb_med:.2f} |")


if __name__ == "__main__":
    main()
