"""Run a nasperf command with a marker per work item, for the tests of concurrent processes.

``python tests/_marked_run.py KIND MARKS N SLEEP -- ARGS...`` runs ``KIND`` (``study``:
``run_study.py ARGS``; ``search``: ``nasperf search ARGS``; ``proxies``: ``nasperf proxies
ARGS``) in this process (``--workers 1``), and every trial, search or architecture it runs
appends ``"<pid> <key>\\n"`` to ``MARKS/runs.txt`` before running. The first item waits
until ``N`` such processes have reached theirs (so they really overlap), and every item
then sleeps ``SLEEP`` seconds (so the processes interleave).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    kind, marks, n, pause = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    args = sys.argv[sys.argv.index("--") + 1 :]
    started = []

    def mark(key: str) -> None:
        if not started:
            started.append(True)
            (marks / f"ready-{os.getpid()}").touch()
            deadline = time.monotonic() + 120
            while len(list(marks.glob("ready-*"))) < n and time.monotonic() < deadline:
                time.sleep(0.02)
        with open(marks / "runs.txt", "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {key}\n")  # one short O_APPEND write: not interleaved
        time.sleep(pause)

    if kind == "study":
        import nasperf.evaluation.engines as engines
        from nasperf.evaluation.study import main as entry

        run_trial = engines.run_trial

        def marked_trial(trial):
            mark(trial["hash"])
            return run_trial(trial)

        engines.run_trial = marked_trial
        return entry(args)
    if kind == "search":
        import nasperf.search.study as study

        run_search_trial = study.run_search_trial

        def marked_search(trial, **kwargs):
            mark(trial["hash"])
            return run_search_trial(trial, **kwargs)

        study.run_search_trial = marked_search
        return study.main(args)
    if kind == "proxies":
        import importlib

        from nasperf.cli import main as cli

        # (the package re-exports the function compute(), which shadows the module's name)
        compute = importlib.import_module("nasperf.zero_cost.compute")

        evaluate = compute._evaluate

        def marked_evaluate(job, arch, proxies):
            mark(job.space.to_string(arch))
            return evaluate(job, arch, proxies)

        compute._evaluate = marked_evaluate
        return cli(["proxies", *args])
    raise SystemExit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    sys.exit(main())
