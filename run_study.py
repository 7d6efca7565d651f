#!/usr/bin/env python
"""Run a nasperf study (default: NAS-Bench-201 CIFAR-10). See ``python run_study.py --help``.

``python run_study.py search ...`` runs simulated architecture searches instead (see
``python run_study.py search --help``).
"""

import sys

from nasperf.evaluation.study import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["search"]:
        from nasperf.search.study import main as search_main

        raise SystemExit(search_main(sys.argv[2:], prog="run_study.py search"))
    raise SystemExit(main())
