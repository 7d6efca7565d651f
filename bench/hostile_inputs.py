#!/usr/bin/env python
"""Cost of refusing hostile architecture text: seconds and peak memory per input.

Each input is parsed in a fresh interpreter (``space.coerce``, as ``nasperf screen`` and the
readers do) with a memory cap and a time limit; the anchor is the same space parsing a valid
architecture text, alternated with the hostile input in the same process. ``--before PATH``
runs the same inputs against another checkout of nasperf (e.g. one without the bounded
parser) for a side-by-side table.

    python bench/hostile_inputs.py [--quick] [--before /path/to/other/checkout]

Prints a markdown table: input, characters, outcome, seconds, peak RSS growth (MB), and the
ratio of seconds to the valid-text anchor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

GENOTYPE = (
    "Genotype(normal=[('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('avg_pool_3x3', 1), "
    "('dil_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 4), "
    "('dil_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_3x3', 1), "
    "('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_5x5', 2), ('avg_pool_3x3', 3), "
    "('dil_conv_3x3', 2), ('dil_conv_3x3', 0), ('avg_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])"
)
NB101 = '{"matrix":[[0,1,1],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'
NB201 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

# name -> (space, builder of the hostile text, valid text of that space)
INPUTS: dict[str, tuple[str, Callable[[], str], str]] = {
    "nb301 normal_concat=range(0, 10**8)": (
        "nb301",
        lambda: GENOTYPE.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 10**8)"),
        GENOTYPE,
    ),
    "nb301 normal_concat=range(0, 100000000)": (
        "nb301",
        lambda: GENOTYPE.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 100000000)"),
        GENOTYPE,
    ),
    "nb301 normal_concat=range(0, 1000000000)": (
        "nb301",
        lambda: GENOTYPE.replace(
            "normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 1000000000)"
        ),
        GENOTYPE,
    ),
    "nb301 '-' * 100000 + '1'": ("nb301", lambda: "-" * 100_000 + "1", GENOTYPE),
    "nb301 'a' + '.b' * 100000": ("nb301", lambda: "a" + ".b" * 100_000, GENOTYPE),
    "nb301 10 MB key '(1, 1, ...)'": ("nb301", lambda: "(" + "1, " * 3_500_000 + ")", GENOTYPE),
    "nb201 10 MB key '(1, 1, ...)'": ("nb201", lambda: "(" + "1, " * 3_500_000 + ")", NB201),
    "nb201 '-' * 100000 + '1'": ("nb201", lambda: "-" * 100_000 + "1", NB201),
    "nb101 deep JSON (4,900 brackets)": (
        "nb101",
        lambda: '{"matrix": ' + "[" * 4_900 + "]" * 4_900 + ', "ops": []}',
        NB101,
    ),
    "nb101 10 MB key '(1, 1, ...)'": ("nb101", lambda: "(" + "1, " * 3_500_000 + ")", NB101),
}
QUICK = [
    "nb301 normal_concat=range(0, 100000000)",
    "nb301 '-' * 100000 + '1'",
    "nb301 'a' + '.b' * 100000",
    "nb301 10 MB key '(1, 1, ...)'",
]

CHILD = r"""
import json, resource, sys, time
space_name, path, valid, repeats = {space!r}, {path!r}, {valid!r}, {repeats}
from nasperf.spaces import get_space
space = get_space(space_name)
with open(path, encoding="utf-8") as fh:
    text = fh.read()
space.coerce(valid)  # warm-up
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hostile, anchor, outcome = [], [], None
for _ in range(repeats):
    t = time.perf_counter()
    space.coerce(valid)
    anchor.append(time.perf_counter() - t)
    t = time.perf_counter()
    try:
        space.coerce(text)
        outcome = "accepted"
    except BaseException as err:
        outcome = type(err).__name__
    hostile.append(time.perf_counter() - t)
    if hostile[-1] > 5:
        break
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"n": len(text), "outcome": outcome, "seconds": min(hostile),
                  "anchor": min(anchor), "rss_mb": (rss1 - rss0) / 1024}}))
"""


def measure(
    path: Path, name: str, text_file: Path, repeats: int, timeout: float, mem_gb: float
) -> dict:
    space, _, valid = INPUTS[name]
    code = CHILD.format(space=space, path=str(text_file), valid=valid, repeats=repeats)
    env = {**os.environ, "PYTHONPATH": str(path), "OMP_NUM_THREADS": "1"}
    limit = int(mem_gb * 2**30)

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=path,  # "-c" puts the working directory first on sys.path: the tree measured
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": f"killed after {timeout:.0f} s", "seconds": float("inf")}
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"outcome": f"crashed: {last[:60]}", "seconds": float("nan")}
    return json.loads(lines[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="4 inputs, 1 repeat")
    p.add_argument("--before", type=Path, help="another nasperf checkout to compare with")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per input (120)")
    p.add_argument("--mem-gb", type=float, default=8.0, help="address-space cap (8 GiB)")
    args = p.parse_args()
    names = QUICK if args.quick else list(INPUTS)
    repeats = 1 if args.quick else 3
    trees = [("ours", REPO)] + ([("before", args.before.resolve())] if args.before else [])
    print("| input | chars | tree | outcome | seconds | peak RSS growth (MB) | x valid text |")
    print("|---|---:|---|---|---:|---:|---:|")
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            text_file = Path(tmp) / "input.txt"
            text_file.write_text(INPUTS[name][1](), encoding="utf-8")
            results = [
                (label, measure(path, name, text_file, repeats, args.timeout, args.mem_gb))
                for label, path in trees
            ]
        for label, r in results:
            n = r.get("n")
            ratio = r["seconds"] / r["anchor"] if r.get("anchor") else float("nan")
            rss = r.get("rss_mb")
            print(
                f"| {name} | {n:,} | {label} | {r['outcome']} | {r['seconds']:.4f} | "
                f"{'-' if rss is None else f'{rss:,.0f}'} | {ratio:,.0f} |"
                if n is not None
                else f"| {name} | - | {label} | {r['outcome']} | - | - | - |"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
