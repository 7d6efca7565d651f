#!/usr/bin/env python
"""Run a nasperf study. See ``python run_study.py --help``."""

from nasperf.evaluation.demo_study import main

if __name__ == "__main__":
    raise SystemExit(main())
