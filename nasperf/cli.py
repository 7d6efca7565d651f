"""The ``nasperf`` console command.

Sub-commands:

* ``nasperf info``: registered search spaces and packaged benchmarks.
* ``nasperf study [...]``: the study runner (same as ``python run_study.py``).
"""

from __future__ import annotations

import argparse
import sys


def _info(_: argparse.Namespace) -> int:
    from nasperf import datasets, spaces

    print("search spaces:", ", ".join(spaces.available()))
    print("benchmarks:", ", ".join(datasets.available_benchmarks()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nasperf`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="nasperf", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="list search spaces and packaged benchmarks")
    sub.add_parser("study", help="run a study (see `nasperf study --help`)", add_help=False)
    if argv and argv[0] == "study":
        from nasperf.evaluation.demo_study import main as study_main

        return study_main(argv[1:])
    args = parser.parse_args(argv)
    return _info(args)


if __name__ == "__main__":
    raise SystemExit(main())
