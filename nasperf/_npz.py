"""Arrays from ``.npy`` members of files nasperf did not write: header first, never a pickle.

One reader for every ``.npz`` nasperf reads (image and tensor inputs, graphs, saved
predictors and their skops blobs, the LC-PFN weights): the member's header is read and
checked before any of its data, so that a declared shape is never allocated unchecked.
Refused, each as a :class:`~nasperf.errors.DataIntegrityError` naming the file (``where``)
and the array (``label``): a member that is not ``.npy`` or of a format other than 1.0 / 2.0,
a corrupt header, a dtype holding Python objects (only a pickle could read it) or of another
kind than the caller reads, a negative or non-integer shape, more bytes than the caller's
bound, and a header declaring other than the bytes its member holds. The data is then read
in chunks, exactly the declared bytes.

``numpy.load(allow_pickle=False)`` refuses pickles too, but allocates a declared shape
before it reads (a 40-byte header can ask for terabytes) and inflates a compressed member
whole.
"""

from __future__ import annotations

import contextlib
import math
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from nasperf.errors import DataIntegrityError

__all__ = ["NpyHeader", "npz_members", "read_member", "read_npy", "read_npy_header", "read_npz"]

#: dtype kinds read by default: booleans, integers, floats, complex numbers and fixed-width
#: text (never objects, structured records or ``void``).
NUMBER_KINDS = "biufcUS"
_CHUNK = 1 << 24
#: The refusal of an array of Python objects (which only a pickle could read).
OBJECTS = "{where}: {label} holds Python objects (dtype {dtype}); only arrays of numbers are read"


@dataclass(frozen=True)
class NpyHeader:
    """What a ``.npy`` header declares: ``shape``, ``fortran_order``, ``dtype`` and the
    ``nbytes`` of data they need."""

    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype
    nbytes: int


def read_npy_header(
    fh: IO[bytes],
    where: Any,
    label: str,
    *,
    held: int | None,
    max_bytes: int | None = None,
    limit_note: str = "",
    objects: str = OBJECTS,
) -> NpyHeader:
    """The header of the ``.npy`` array open as ``fh`` (left at its data), checked.

    ``held`` is the number of bytes the member holds in all (the zip entry's ``file_size``):
    the header must declare exactly what follows it. ``None`` skips that check (a stream of
    unknown length; what is read stays bounded by the declared size). ``max_bytes`` bounds
    the declared data (checked first: a header-only file reads as asking for too much);
    ``limit_note`` is added to that refusal; ``objects`` is the refusal of an array of
    Python objects, formatted with ``where``, ``label`` and ``dtype``.
    """
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
    except ValueError as err:
        raise DataIntegrityError(f"{where}: {label} is not a .npy array") from err
    readers = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
    if version not in readers:
        raise DataIntegrityError(
            f"{where}: {label} is a .npy array of format {version}, not 1.0 or 2.0"
        )
    try:
        shape, fortran_order, dtype = readers[version](fh)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as err:
        raise DataIntegrityError(
            f"{where}: {label} has a corrupt header ({str(err)[:200]})"
        ) from err
    if dtype.hasobject:
        raise DataIntegrityError(objects.format(where=where, label=label, dtype=str(dtype)[:80]))
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise DataIntegrityError(f"{where}: {label} has a header with shape {str(shape)[:80]}")
    n_bytes = math.prod(shape) * dtype.itemsize
    declared = f"shape {str(shape)[:80]} of {str(dtype)[:40]} ({n_bytes:,d} bytes)"
    if max_bytes is not None and n_bytes > max_bytes:
        raise DataIntegrityError(
            f"{where}: {label} declares the {declared}; arrays are read up to "
            f"{max_bytes:,d} bytes{limit_note}"
        )
    if held is not None and n_bytes != held - fh.tell():
        raise DataIntegrityError(
            f"{where}: {label} has a header declaring {declared}, but the member holds "
            f"{held - fh.tell():,d} bytes of data"
        )
    return NpyHeader(tuple(shape), bool(fortran_order), dtype, n_bytes)


def read_npy(
    fh: IO[bytes],
    where: Any,
    label: str,
    *,
    held: int | None,
    max_bytes: int | None = None,
    limit_note: str = "",
    kinds: str = NUMBER_KINDS,
    objects: str = OBJECTS,
) -> np.ndarray:
    """The ``.npy`` array open as ``fh``: its header checked (:func:`read_npy_header`), its
    dtype of one of ``kinds`` (never a record), then exactly the declared bytes read, in
    chunks."""
    header = read_npy_header(
        fh, where, label, held=held, max_bytes=max_bytes, limit_note=limit_note, objects=objects
    )
    dtype = header.dtype
    if dtype.kind not in kinds or dtype.itemsize == 0 or dtype.fields is not None:
        raise DataIntegrityError(f"{where}: {label} has dtype {str(dtype)[:80]}")
    data = bytearray(header.nbytes)
    view = memoryview(data)
    done = 0
    while done < header.nbytes:
        chunk = fh.read(min(header.nbytes - done, _CHUNK))
        if not chunk:
            raise DataIntegrityError(f"{where}: {label} is truncated")
        view[done : done + len(chunk)] = chunk
        done += len(chunk)
    del view
    arr = np.frombuffer(data, dtype=dtype)
    if header.fortran_order:
        return arr.reshape(header.shape[::-1]).transpose()
    return arr.reshape(header.shape)


@contextlib.contextmanager
def npz_members(path: str | Path, what: str = ".npz file") -> Iterator[tuple[Any, dict]]:
    """The open archive at ``path`` and its members by array name (``np.savez`` stores
    array ``x`` as ``x.npy``); any error reading it inside the ``with`` block that is not
    already a :class:`~nasperf.errors.DataIntegrityError` (not a zip, truncated, corrupt)
    becomes one naming the file as ``what``."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            yield zf, {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}
    except DataIntegrityError:
        raise
    except Exception as err:  # not a zip, truncated, corrupt: any reading error, one message
        raise DataIntegrityError(
            f"{path}: not a readable {what} ({type(err).__name__}: {str(err)[:200]})"
        ) from None


def read_member(zf: Any, member: str, where: Any, label: str, **options: Any) -> np.ndarray:
    """The ``.npy`` member ``member`` of the open archive ``zf``, read by :func:`read_npy`
    against the size the archive records for it (``options``: its keywords)."""
    info = zf.getinfo(member)
    with zf.open(info) as fh:
        return read_npy(fh, where, label, held=info.file_size, **options)


def read_npz(
    path: str | Path,
    keys: Iterable[str] | None,
    *,
    max_bytes: int,
    what: str = ".npz file",
    limit_note: str = "",
    kinds: str = NUMBER_KINDS,
) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of the ``.npz`` at ``path`` (members ``<key>.npy``), read by
    :func:`read_npy` with at most ``max_bytes`` in all; ``keys=None`` reads every member,
    each of which must be ``.npy``.

    A missing key is refused naming the ones found; a file that is not a readable zip
    (empty, truncated, corrupt) is one :class:`~nasperf.errors.DataIntegrityError` naming it
    as ``what`` (:func:`npz_members`). Other members are not read.
    """
    with npz_members(path, what) as (zf, members):
        if keys is None:
            other = [n for n in members.values() if not n.endswith(".npy")]
            if other:
                raise DataIntegrityError(f"{path}: member {other[0][:80]!r} is not a .npy array")
        keys = list(members) if keys is None else list(keys)
        missing = [k for k in keys if k not in members]
        if missing:
            raise DataIntegrityError(
                f"{path}: missing arrays {missing}; found {sorted(members)[:20]}"
            )
        left = max_bytes
        arrays = {}
        for key in keys:
            arrays[key] = read_member(
                zf,
                members[key],
                path,
                f"array {key!r}",
                max_bytes=left,
                limit_note=(
                    limit_note
                    if left == max_bytes
                    else f" (what is left of {max_bytes:,d} for all the arrays)" + limit_note
                ),
                kinds=kinds,
            )
            left -= arrays[key].nbytes
        return arrays
