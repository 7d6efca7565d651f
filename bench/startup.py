"""Start-up time of ``import nasperf`` and the light commands, in fresh interpreters.

Each command runs in a new process, alternated with the floor (``python -c pass``) and, with
``--before PATH``, with the same command on another checkout (e.g. a worktree of an older
commit), so every figure in one row comes from the same minutes of the same machine. Prints
a markdown table of medians; the targets of the speed issue are ``import nasperf`` <= 0.5 s
and light commands <= 0.7 s.

    python bench/startup.py [--repeats 7] [--before ../old-checkout]
    python bench/startup.py --importtime "import nasperf"   # the slowest imports, for digging
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CASES: dict[str, str] = {
    "floor: python -c pass": "pass",
    "import nasperf": "import nasperf",
    "nasperf --help": (
        "from nasperf.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    ),
    "nasperf screen --list": "from nasperf.cli import main; main(['screen', '--list'])",
    "nasperf info": "from nasperf.cli import main; main(['info'])",
    "import nasperf; get_space('nb201')": "import nasperf; nasperf.get_space('nb201')",
}


def run_once(code: str, checkout: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=checkout, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def importtime(code: str, top: int = 15) -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        check=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            rows.append((int(cumulative), name.rstrip()))
    for us, name in sorted(rows, reverse=True)[:top]:
        print(f"{us / 1e6:7.3f} s  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another checkout, timed alternately")
    parser.add_argument("--importtime", metavar="CODE", help="show the slowest imports of CODE")
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    args = parser.parse_args()
    if args.importtime:
        importtime(args.importtime)
        return
    repeats = 3 if args.quick else args.repeats
    checkouts = {"this checkout": REPO}
    if args.before:
        checkouts["before"] = args.before.resolve()
    times: dict[tuple[str, str], list[float]] = {}
    for code in CASES.values():  # warm the file cache once
        for path in checkouts.values():
            run_once(code, path)
    for _ in range(repeats):
        for label, code in CASES.items():
            for which, path in checkouts.items():
                times.setdefault((label, which), []).append(run_once(code, path))
    floor = statistics.median(times[("floor: python -c pass", "this checkout")])
    head = "| command | " + " | ".join(f"{w} (s)" for w in checkouts) + " | minus floor (s) |"
    if args.before:
        head += " before / this |"
    print(
        f"median of {repeats} fresh processes, alternated; machine load {os.getloadavg()[0]:.1f}\n"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for label in CASES:
        med = {w: statistics.median(times[(label, w)]) for w in checkouts}
        row = f"| {label} | " + " | ".join(f"{med[w]:.3f}" for w in checkouts)
        row += f" | {med['this checkout'] - floor:.3f} |"
        if args.before:
            row += f" {med['before'] / med['this checkout']:.2f}x |"
        print(row)


if __name__ == "__main__":
    main()
