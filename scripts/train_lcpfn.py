"""Train the LC-PFN learning-curve extrapolator on curves drawn from its prior (offline).

Every step draws a fresh batch of partial curves from
:class:`nasperf.predictors.curves.prior.CurvePrior` and minimises the negative log-likelihood
of the later values under the network's bar distribution (Adam, linear warm-up, cosine
decay). The run is seeded and single-threaded, so it is deterministic for a fixed torch
version. It writes

``<out>.npz``
    The network's ``state_dict`` as float32 arrays (bin borders included), fixed member
    timestamps (reproducible bytes); read back with ``allow_pickle=False``.
``<out>.json``
    Architecture, prior settings, task settings, seed, steps, final NLL, torch version and
    this command line.

The packaged checkpoint (``nasperf/datasets/data/lcpfn/lcpfn_v2``) is made by the default
settings in about 20 minutes on one CPU thread::

    python scripts/train_lcpfn.py

After retraining, run ``scripts/build_package_data.py`` to refresh the data manifest.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import shlex
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasperf.predictors.curves.pfn_model import LCPFN, bar_nll  # noqa: E402
from nasperf.predictors.curves.prior import CurvePrior, sample_tasks  # noqa: E402

DEFAULT_OUT = REPO / "nasperf" / "datasets" / "data" / "lcpfn" / "lcpfn_v2"


def fit_borders(prior: CurvePrior, n_bins: int, rng: np.random.Generator, **task_kw) -> np.ndarray:
    """Bin borders of ``z = y_q - y_ref``: quantiles of ``z`` over prior tasks, outermost
    borders at -1 and 1 (the range of ``z`` for values in [0, 1])."""
    zs = []
    for _ in range(200):
        t = sample_tasks(prior, 1000, rng, **task_kw)
        last = t["obs_mask"].sum(1) - 1
        y_ref = t["y_obs"][np.arange(len(last)), last]
        zs.append((t["y_query"] - y_ref[:, None]).ravel())
    z = np.concatenate(zs).astype(np.float64)
    borders = np.quantile(z, np.linspace(0.0, 1.0, n_bins + 1))
    borders[0], borders[-1] = -1.0, 1.0
    # quantile ties (clipping) must not make empty bins
    borders = np.maximum.accumulate(borders)
    for i in range(1, len(borders)):
        borders[i] = max(borders[i], borders[i - 1] + 1e-6)
    return borders


def to_torch(task: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in task.items()}


def task_nll(model: LCPFN, t: dict[str, torch.Tensor]) -> torch.Tensor:
    """NLL of every query, ``(B, Q)``."""
    logits, y_ref = model(t["x_obs"], t["y_obs"], t["obs_mask"], t["x_query"])
    return bar_nll(logits, model.borders, t["y_query"] - y_ref[:, None])


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` with fixed member timestamps (reproducible bytes), written atomically."""
    tmp = path.with_suffix(".npz.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="path without suffix")
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--n-layers", type=int, default=4)
    ap.add_argument("--n-heads", type=int, default=4)
    ap.add_argument("--d-ff", type=int, default=128)
    ap.add_argument("--n-bins", type=int, default=160)
    ap.add_argument("--max-obs", type=int, default=24)
    ap.add_argument("--n-query", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=250)
    ap.add_argument(
        "--log-noise",
        type=float,
        nargs=2,
        metavar=("MEAN", "STD"),
        default=None,
        help="override the prior's observation noise: log sigma ~ Normal(MEAN, STD)",
    )
    ap.add_argument(
        "--deviation",
        type=float,
        nargs=5,
        metavar=("PROB", "AMP_LO", "AMP_HI", "LEN_LO", "LEN_HI"),
        default=None,
        help="add smooth deviations (a GP in t = epoch / E) to a share PROB of the prior's "
        "curves, amplitude log-uniform in [AMP_LO, AMP_HI], length scale in [LEN_LO, LEN_HI]",
    )
    ap.add_argument("--time-steps", type=int, default=0, help="only time this many steps")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    command = shlex.join(
        ["python", "scripts/train_lcpfn.py", *(argv if argv is not None else sys.argv[1:])]
    )

    prior = CurvePrior()
    if args.log_noise is not None:
        prior = dataclasses.replace(prior, log_noise=tuple(args.log_noise))
    if args.deviation is not None:
        p, a0, a1, l0, l1 = args.deviation
        prior = dataclasses.replace(
            prior,
            deviation_prob=p,
            deviation_amp_range=(a0, a1),
            deviation_length_range=(l0, l1),
        )
    task_kw = {"max_obs": args.max_obs, "n_query": args.n_query}
    rng = np.random.default_rng(args.seed)
    borders = fit_borders(prior, args.n_bins, np.random.default_rng([args.seed, 1]), **task_kw)
    val = to_torch(sample_tasks(prior, 2000, np.random.default_rng([args.seed, 2]), **task_kw))
    torch.manual_seed(args.seed)
    hp = {
        "d_model": args.d_model,
        "n_layers": args.n_layers,
        "n_heads": args.n_heads,
        "d_ff": args.d_ff,
    }
    model = LCPFN(torch.from_numpy(borders).float(), **hp)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params:,}; bins: {args.n_bins}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.time_steps or args.steps

    def lr_at(s: int) -> float:
        if s < args.warmup:
            return (s + 1) / args.warmup
        return 0.5 * (1 + math.cos(math.pi * (s - args.warmup) / max(1, steps - args.warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    start = time.perf_counter()
    running = []
    for step in range(steps):
        t = to_torch(sample_tasks(prior, args.batch_size, rng, **task_kw))
        model.train()
        loss = task_nll(model, t).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running.append(float(loss.detach()))
        if not args.time_steps and ((step + 1) % args.log_every == 0 or step + 1 == steps):
            model.eval()
            with torch.no_grad():
                v = task_nll(model, val)
            elapsed = time.perf_counter() - start
            print(
                f"step {step + 1:6d}/{steps}  train nll {np.mean(running[-args.log_every :]):.4f}"
                f"  val nll {float(v.mean()):.4f} (final epoch {float(v[:, 0].mean()):.4f})"
                f"  {elapsed:7.1f} s",
                flush=True,
            )
    elapsed = time.perf_counter() - start
    if args.time_steps:
        print(f"{elapsed / steps:.4f} s per step")
        return 0
    model.eval()
    with torch.no_grad():
        v = task_nll(model, val)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(out.with_suffix(".npz"), {k: t.numpy() for k, t in model.state_dict().items()})
    meta = {
        "format": "nasperf-lcpfn",
        "version": 1,
        "architecture": hp,
        "n_bins": args.n_bins,
        "n_parameters": n_params,
        "target": "y_query - y_last_observed",
        "tasks": {**task_kw, "cutoff_range": [0.01, 0.9]},
        "prior": prior.to_dict(),
        "training": {
            "seed": args.seed,
            "steps": steps,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "warmup": args.warmup,
            "schedule": "linear warm-up, cosine decay",
            "final_train_nll": float(np.mean(running[-args.log_every :])),
            "final_val_nll": float(v.mean()),
            "final_val_nll_final_epoch": float(v[:, 0].mean()),
            "seconds": round(elapsed, 1),
            "threads": 1,
        },
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "command": command,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out.with_suffix('.npz')} and {out.with_suffix('.json')} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
