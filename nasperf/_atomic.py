"""Atomic writes (write a temp file beside the target, fsync it, then rename it over the
target) and the folders they write into."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["STALE_TEMP_SECONDS", "atomic_write", "make_folder", "remove_stale_temps"]

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


def make_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` and its parents where missing (``mkdir -p``); return it.

    Raises
    ------
    NotADirectoryError
        ``folder`` or one of its parents exists as a file; the message names it in one line
        (rather than ``[Errno 17] File exists``).
    OSError
        Any other reason it cannot be created (a read-only file system, no permission).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for part in (folder, *folder.parents):
            if part.exists() and not part.is_dir():  # exists() follows links, as mkdir does
                what = (
                    f"{part} is a file, not a folder"
                    if part == folder
                    else f"cannot create the folder {folder}: {part} is a file, not a folder"
                )
                raise NotADirectoryError(what) from None
        raise
    return folder


def _new_file_mode(path: Path) -> int | None:
    """The permission bits ``open(path, "w")`` leaves: those of ``path`` where it exists,
    else None (a new file's: ``0o666`` less the umask, as creating the temp file gives)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "wb", **open_kwargs: Any
) -> Iterator[IO[Any]]:
    """Write ``path`` atomically: yield a file open in ``mode`` (``"wb"`` or ``"w"``, with
    ``open_kwargs`` such as ``encoding`` and ``newline``) on a temp file beside ``path``;
    when the block ends without error, flush and fsync it and rename it over ``path`` (then
    fsync the folder). On an error the temp file is removed and ``path`` is left as it was.

    The file gets the permissions ``open(path, "w")`` would give it: those of the file it
    replaces, else ``0o666`` less the umask (``tempfile.mkstemp``'s ``0o600`` would hide it
    from everyone else). Temp files (``.NAME.*.tmp``) older than :data:`STALE_TEMP_SECONDS`,
    left by killed writers, are removed first. The folder must exist.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    remove_stale_temps(path, f".{glob.escape(path.name)}.*.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            # created as open() creates files: 0o666 less the umask (and a default ACL)
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits taken
            continue
    else:  # pragma: no cover
        raise FileExistsError(errno.EEXIST, "no free temp file name beside", str(path))
    try:
        keep = _new_file_mode(path)
        if keep is not None:
            os.chmod(tmp, keep)
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where folders can be opened: not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
