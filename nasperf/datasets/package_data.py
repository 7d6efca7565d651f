"""Access to the data files shipped inside the package, verified against a sha256 manifest.

``data/MANIFEST.json`` maps each file's path (relative to ``data/``, with ``/``) to
``{"sha256": ..., "bytes": ...}``. :func:`data_path` checks a file's digest before handing
out its path: the first time it is asked for in a process, and again whenever the file's
size, modification time, inode or change time differ from those of the verified copy (so a
file edited after its first use in a process is caught); it raises
:class:`~nasperf.errors.DataIntegrityError` if the file is missing or differs.
:func:`read_verified` reads a file's bytes once and checks *those* bytes, for files that are
parsed right away (no window between the check and the read). ``scripts/build_package_data.py`` writes the files and the
manifest from ``../shared/data``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from nasperf.errors import DataFileNotFoundError, DataIntegrityError, as_optional_path, as_path

MANIFEST = "MANIFEST.json"


def data_root() -> Path:
    """Folder of the packaged data files."""
    return Path(str(resources.files("nasperf.datasets") / "data"))


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 digest of a file's bytes."""
    path = as_path(path, "path")  # open(5) would read file descriptor 5
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=1)
def manifest(root: str) -> dict[str, dict]:
    """The manifest of the data folder ``root``: file name -> ``{"sha256", "bytes"}``."""
    path = Path(root) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise DataFileNotFoundError(
            f"data manifest {path} is missing (a data folder needs one); reinstall nasperf or "
            "rebuild the data with scripts/build_package_data.py"
        ) from err
    except json.JSONDecodeError as err:
        raise DataIntegrityError(f"packaged data manifest {path} is not valid JSON: {err}") from err


def verify_file(path: Path, expected_sha256: str, expected_bytes: int | None = None) -> None:
    """Raise ``DataIntegrityError`` if ``path`` is missing, has another size than
    ``expected_bytes`` (when given: a truncated or extended file) or its sha256 differs."""
    if not path.is_file():
        raise DataFileNotFoundError(f"data file {path} is missing")
    size = path.stat().st_size
    if expected_bytes is not None and size != expected_bytes:
        raise DataIntegrityError(
            f"data file {path} is truncated or modified: {size:,d} bytes, the manifest "
            f"records {expected_bytes:,d}"
        )
    got = sha256_file(path)
    if got != expected_sha256:
        raise DataIntegrityError(
            f"data file {path} is corrupt or modified: sha256 {got} does not match the "
            f"manifest's {expected_sha256}"
        )


#: (folder, name) -> the ``os.stat`` signature of the file when it was last verified.
_VERIFIED: dict[tuple[str, str], tuple[int, int, int, int]] = {}


def _signature(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _entry(name: str, root: str | Path | None) -> tuple[Path, dict]:
    base = Path(root) if root is not None else data_root()
    entries = manifest(str(base))
    if name not in entries:
        raise DataIntegrityError(
            f"{name!r} is not a packaged data file; available: {', '.join(sorted(entries))}"
        )
    return base / name, entries[name]


def data_path(name: str, *, root: str | Path | None = None) -> Path:
    """Path of packaged data file ``name`` (relative to ``data/``), verified (see the module
    docstring: on first use, and again whenever the file changed on disk).

    Raises
    ------
    DataIntegrityError
        If ``name`` is not in the manifest, the file is missing, or its digest differs.
    """
    root = as_optional_path(root, "root")
    path, entry = _entry(name, root)
    key = (str(path.parent), name)
    try:
        signature = _signature(path)
    except OSError:
        signature = None
    if signature is None or _VERIFIED.get(key) != signature:
        _VERIFIED.pop(key, None)
        verify_file(path, entry["sha256"], entry.get("bytes"))
        _VERIFIED[key] = signature if signature is not None else _signature(path)
    return path


def read_verified(name: str, *, root: str | Path | None = None) -> bytes:
    """The bytes of packaged data file ``name``, read once and checked against the manifest
    (size and sha256) before they are returned.

    Raises
    ------
    DataIntegrityError
        If ``name`` is not in the manifest, the file is missing, or its bytes differ.
    """
    root = as_optional_path(root, "root")
    path, entry = _entry(name, root)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise DataFileNotFoundError(f"data file {path} is missing") from err
    expected = entry.get("bytes")
    if expected is not None and len(data) != expected:
        raise DataIntegrityError(
            f"data file {path} is truncated or modified: {len(data):,d} bytes, the manifest "
            f"records {expected:,d}"
        )
    got = hashlib.sha256(data).hexdigest()
    if got != entry["sha256"]:
        raise DataIntegrityError(
            f"data file {path} is corrupt or modified: sha256 {got} does not match the "
            f"manifest's {entry['sha256']}"
        )
    return data


def clear_caches() -> None:
    """Forget the manifests read and the files verified in this process (after a script
    rewrote the data folder)."""
    manifest.cache_clear()
    _VERIFIED.clear()


def packaged_files(*, root: str | Path | None = None) -> list[str]:
    """Names of all packaged data files (of the data folder ``root``, where given)."""
    root = as_optional_path(root, "root")
    base = root if root is not None else data_root()
    return sorted(manifest(str(base)))
