"""Temp files of atomic writes (write a temp file beside the target, then rename it) that a
killed process left behind."""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["STALE_TEMP_SECONDS", "remove_stale_temps"]

#: A temp file of an atomic write older than this was left by a process killed mid-write
#: (a write takes milliseconds), so the next write removes it.
STALE_TEMP_SECONDS = 3600.0


def remove_stale_temps(path: Path, pattern: str) -> None:
    """Remove temp files ``pattern`` (a glob beside ``path``) older than
    :data:`STALE_TEMP_SECONDS`: left by processes killed between writing and renaming them;
    a younger one may be another process's write in progress (on another host too), so it
    stays."""
    now = time.time()
    for tmp in Path(path).parent.glob(pattern):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
        except OSError:  # gone already, or not ours to remove
            pass
