#!/usr/bin/env python
"""Run a nasperf study (default: NAS-Bench-201 CIFAR-10). See ``python run_study.py --help``."""

from nasperf.evaluation.study import main

if __name__ == "__main__":
    raise SystemExit(main())
