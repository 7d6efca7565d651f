#!/usr/bin/env python
"""Run a nasperf study (default: NAS-Bench-201 CIFAR-10). See ``python run_study.py --help``.

``python run_study.py search ...`` runs simulated architecture searches instead (see
``python run_study.py search --help``). It ends as ``nasperf`` does: 141 on a closed pipe
(``... | head``), 130 on Ctrl-C, 143 on SIGTERM, each rerun resuming the results folder.
"""

import sys


def _run() -> int:
    if sys.argv[1:2] == ["search"]:
        from nasperf.search.study import main as search_main

        return search_main(sys.argv[2:], prog="run_study.py search")
    from nasperf.evaluation.study import main

    return main(prog="run_study.py")


if __name__ == "__main__":
    from nasperf.cli import run_command

    raise SystemExit(run_command(_run, prog="run_study.py"))
