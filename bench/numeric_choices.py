#!/usr/bin/env python
"""Numeric choices: the default predictors with and without a space's ``op_values``.

On ``examples/width_space.py`` (five layer widths in {8, ..., 64}, 32,768 networks, a
synthetic label plus N(0, 0.15) noise), each default predictor is built as a user builds
it (``nasperf.predictors.get(name, space=..., random_state=seed)``) on ``--n`` training
architectures and ranks 500 others (the same split for both columns): once on
``widths_categorical`` (the node labels ``c8`` .. ``c64`` as categories only, what every
numeric-choice space got before ``op_values``) and once on ``widths`` (the same space
declaring ``op_values = {"c8": {"width": 8}, ...}``). Prints Kendall tau, mean over seeds
with each seed's value.

Usage: ``python bench/numeric_choices.py [--quick] [--n 100] [--seeds 0 1 2]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nasperf

import nasperf
from examples import width_space
from nasperf import predictors
from nasperf.evaluation import metrics

PREDICTORS = ("xgb", "mlp", "bananas", "gp", "gin")
N_TEST = 500
NOISE = 0.15


def _split(seed: int, n: int) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """``n`` training and 500 test texts with noisy synthetic labels (one seed)."""
    space = nasperf.get_space("widths")
    rng = np.random.default_rng(seed)
    archs = space.sample(n + N_TEST, seed=100 + seed)
    y = np.array([width_space.synthetic_accuracy(a.channels) for a in archs])
    y = y + NOISE * rng.standard_normal(len(y))
    texts = [space.to_string(a) for a in archs]
    return texts[:n], y[:n], texts[n:], y[n:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, xgb and gp")
    parser.add_argument("--n", type=int, default=100, help="training architectures")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--predictors", nargs="+", default=list(PREDICTORS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = args.seeds[:1] if args.quick else args.seeds
    names = ["xgb", "gp"] if args.quick else args.predictors
    print(f"Kendall tau, {args.n} training / {N_TEST} test architectures, seeds {seeds}\n")
    print("| predictor | categories only (per seed) | op_values (per seed) | gain | s |")
    print("|---|---|---|---:|---:|")
    splits = {s: _split(s, args.n) for s in seeds}
    for name in names:
        taus: dict[str, list[float]] = {"widths_categorical": [], "widths": []}
        start = time.perf_counter()
        for seed in seeds:
            train, y, test, y_test = splits[seed]
            for space in taus:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = predictors.get(name, space=space, random_state=seed).fit(train, y)
                    taus[space].append(metrics.kendall_tau(y_test, model.predict(test)))
        cells = [f"{np.mean(t):.3f} ({', '.join(f'{v:.3f}' for v in t)})" for t in taus.values()]
        gain = np.mean(taus["widths"]) - np.mean(taus["widths_categorical"])
        took = time.perf_counter() - start
        print(f"| {name} | {cells[0]} | {cells[1]} | {gain:+.3f} | {took:.0f} |", flush=True)


if __name__ == "__main__":
    main()
