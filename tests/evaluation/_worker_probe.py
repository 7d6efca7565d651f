"""A trial function for ``run_trials(..., fn=probe)``: what the process that runs the trial
sees (imported by reference in the worker processes, so it lives in a module)."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any


def probe(trial: Mapping[str, Any]) -> dict:
    """The process, working directory, ``NASPERF_*`` variables, whether ``trial["path"]``
    is on ``sys.path``, and the first warnings filter, as the trial sees them."""
    action, message, category, _, _ = warnings.filters[0]
    return {
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "cache": os.environ.get("NASPERF_CACHE"),
        "probe": os.environ.get("NASPERF_TEST_PROBE"),
        "on_path": trial.get("path") in sys.path,
        "filter": (action, message.pattern if message else None, category.__name__),
    }
