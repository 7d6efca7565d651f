"""Small CIFAR image batches for data-dependent zero-cost proxies.

:func:`load_image_batch` returns a normalised ``(n, 3, 32, 32)`` float32 tensor and int64
labels, drawn reproducibly from the 256 CIFAR-10 / CIFAR-100 test images shipped with
nasperf, or from the user's own copy of the datasets:

* ``.npz`` files with ``data`` (uint8, NCHW or NHWC) and ``labels`` (or ``fine_labels``),
  read with ``numpy.load(allow_pickle=False)``;
* the CIFAR *binary* distributions (``cifar-10-batches-bin``, ``cifar-100-binary``; a folder,
  one ``.bin`` file or the ``.tar.gz`` archive), parsed as raw bytes;
* the CIFAR *python* distributions (``cifar-10-batches-py``, ``cifar-100-python``; a folder,
  one batch file or the ``.tar.gz`` archive). These are pickles, read with
  :class:`RestrictedUnpickler`, which only rebuilds containers, strings, numbers and numpy
  arrays and refuses any other global (so a crafted file cannot run code).

No ImageNet16-120 images are shipped; pass ``source=`` an ``.npz`` of your own.

Sizes are checked before data is read: an array may hold at most :data:`MAX_IMAGE_BYTES`
(an npz's declared shapes are read first), a CIFAR file at most :data:`MAX_IMAGE_FILE_BYTES`
(a tar member's declared size is read first), a pickle at most :data:`MAX_PICKLE_OPS`
operations; a file beyond them, or truncated, corrupt or not of its format, is one
:class:`~nasperf.errors.DataIntegrityError` naming it.

References
----------
Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", technical report,
University of Toronto, 2009.
"""

from __future__ import annotations

import codecs
import io
import numbers
import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nasperf._npz import OBJECTS, npz_members, read_member
from nasperf.errors import DataIntegrityError, as_optional_path, as_path

from .package_data import data_path

__all__ = [
    "IMAGE_STATS",
    "ImageSet",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "has_packaged_images",
    "load_image_batch",
    "load_image_set",
    "normalize_images",
    "read_cifar_binary",
    "read_cifar_python",
    "read_image_npz",
    "read_images",
    "read_tensor_npz",
]

#: Per-channel (mean, std) of each dataset's training images, on the [0, 1] scale.
IMAGE_STATS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    # NAS-Bench-201's values for its down-sampled ImageNet (no images are shipped).
    "ImageNet16-120": (
        (122.68 / 255, 116.66 / 255, 104.01 / 255),
        (63.22 / 255, 61.26 / 255, 65.09 / 255),
    ),
}
_ALIASES = {
    "cifar10": "cifar10",
    "cifar10-valid": "cifar10",
    "cifar-10": "cifar10",
    "cifar100": "cifar100",
    "cifar-100": "cifar100",
    "imagenet16-120": "ImageNet16-120",
    "imagenet16": "ImageNet16-120",
    "imagenet": "ImageNet16-120",
}
_PACKAGED = {
    "cifar10": "images/cifar10_test_first256.npz",
    "cifar100": "images/cifar100_test_first256.npz",
}
_RECORD = 3 * 32 * 32
#: Largest array read from an image file (bytes, as declared, checked before reading): all of
#: CIFAR-10 / CIFAR-100 (60,000 images of 3 x 32 x 32 bytes) is 176 MiB, ImageNet16-120's
#: 151,700 training images (3 x 16 x 16) 111 MiB.
MAX_IMAGE_BYTES = 256 * 2**20
#: Largest CIFAR file read (a batch, one ``.bin`` file, a member of the ``.tar.gz``): its
#: images with their labels and names (CIFAR-100's python ``train``: 155 MB).
MAX_IMAGE_FILE_BYTES = 2 * MAX_IMAGE_BYTES
_NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
_SPLITS = ("test", "train")
_BINARY_FILES = {
    "cifar10": {"test": ["test_batch.bin"], "train": [f"data_batch_{i}.bin" for i in range(1, 6)]},
    "cifar100": {"test": ["test.bin"], "train": ["train.bin"]},
}
_PYTHON_FILES = {
    "cifar10": {"test": ["test_batch"], "train": [f"data_batch_{i}" for i in range(1, 6)]},
    "cifar100": {"test": ["test"], "train": ["train"]},
}


@dataclass(frozen=True)
class ImageSet:
    """Images and labels read from a file.

    Attributes
    ----------
    images : ndarray, uint8, shape (N, 3, H, W)
    labels : ndarray, int64, shape (N,)
        Class labels (CIFAR-100: the 100 fine labels).
    dataset : str or None
        ``"cifar10"``, ``"cifar100"``, ... where known.
    """

    images: np.ndarray
    labels: np.ndarray
    dataset: str | None = None

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 4 or self.images.shape[1] != 3:
            raise DataIntegrityError(
                f"expected uint8 images of shape (N, 3, H, W), got {self.images.dtype} "
                f"{self.images.shape}"
            )
        if self.labels.shape != (self.images.shape[0],):
            raise DataIntegrityError(
                f"{self.images.shape[0]} images but labels of shape {self.labels.shape}"
            )

    def __len__(self) -> int:
        return int(self.images.shape[0])


def _check_labels(labels: np.ndarray, dataset: str | None, where: str) -> np.ndarray:
    """``labels`` if every one is a class of ``dataset`` (``0 <= label < classes``; only
    ``>= 0`` when the dataset is unknown), else a :class:`DataIntegrityError` naming
    ``where`` and the first bad index."""
    high = _NUM_CLASSES.get(dataset) if dataset is not None else None
    bad = labels < 0 if high is None else (labels < 0) | (labels >= high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        classes = f"{dataset} has classes 0..{high - 1}" if high else "labels are >= 0"
        raise DataIntegrityError(
            f"{where}: label {int(labels[i])} at index {i} is out of range ({classes}); "
            f"{int(bad.sum())} label(s) out of range"
        )
    return labels


def _resolve_dataset(dataset: str) -> str:
    key = dataset.strip().lower() if isinstance(dataset, str) else None
    if key not in _ALIASES:
        raise ValueError(
            f"unknown image dataset {dataset!r}; available: cifar10 (cifar10-valid), cifar100, "
            "ImageNet16-120 (only with source=...)"
        )
    return _ALIASES[key]


# ------------------------------------------------------------------ restricted unpickling
class UnsafePickleError(DataIntegrityError):
    """A pickle asked for a global that :class:`RestrictedUnpickler` does not allow."""


def _latin1_encode(obj: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as Python pickles ``bytes`` at protocol 2 (``encode(text,
    'latin1')``) and nothing else: other codecs (``hex`` doubles its input) could grow a
    few bytes of pickle into gigabytes, one call nested in the next."""
    if not isinstance(obj, str) or encoding != "latin1" or errors != "strict":
        raise UnsafePickleError(
            f"refusing _codecs.encode({type(obj).__name__}, {encoding!r}): only "
            "encode(text, 'latin1'), as Python pickles bytes, is allowed in data files"
        )
    return codecs.encode(obj, "latin1")


#: Most pickle opcodes :class:`RestrictedUnpickler` runs: each may build an object of ~70
#: bytes from a byte or two (an empty list, ``]``), so a compressed archive of a few hundred
#: KB could otherwise hold a pickle of gigabytes' worth. CIFAR-100's python ``train`` batch,
#: the largest, has ~250,000 (its 50,000 file names and twice 50,000 labels).
MAX_PICKLE_OPS = 4 * 2**20


class _Dispatch(dict):
    """The pure-Python unpickler's opcode table, each opcode counted against
    :data:`MAX_PICKLE_OPS`; an unknown opcode is an ``UnpicklingError``."""

    def __missing__(self, key: int) -> Any:
        raise pickle.UnpicklingError(f"invalid pickle opcode {bytes([key])!r}")


def _counted(op: Any) -> Any:
    def run(self: RestrictedUnpickler) -> None:
        self._ops += 1
        if self._ops > MAX_PICKLE_OPS:
            raise DataIntegrityError(
                f"a pickle of more than {MAX_PICKLE_OPS:,} operations; CIFAR batches have "
                "~250,000 at most"
            )
        op(self)

    return run


_ARRAY = np.zeros(1, dtype=np.uint8)
_RECONSTRUCT = _ARRAY.__reduce__()[0]  # numpy's ndarray._reconstruct
_FROMBUFFER = _ARRAY.__reduce_ex__(5)[0]  # numpy's _frombuffer (pickle protocol 5)
_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # Python 3 writes ``bytes`` at protocol 2 as _codecs.encode(text, "latin1").
    ("_codecs", "encode"): _latin1_encode,
}


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickler for data files: dicts, lists, tuples, str, bytes, numbers and numpy arrays.

    Any other global (a class or function the pickle would call, e.g. ``os.system``) raises
    :class:`UnsafePickleError` before anything is called; persistent ids are refused too.
    Arrays of ``object`` dtype are refused after loading. The pure-Python unpickler, so that
    opcodes are counted (at most :data:`MAX_PICKLE_OPS`): a data file is a few large arrays
    and short lists, read in a fraction of a second.
    """

    dispatch = _Dispatch({code: _counted(op) for code, op in pickle._Unpickler.dispatch.items()})
    _ops = 0

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to unpickle global {module}.{name}: only containers, strings, "
                "numbers and numpy arrays are allowed in data files"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("refusing to unpickle a persistent id")


def _check_no_objects(obj: Any) -> None:
    """Refuse object arrays anywhere in ``obj``, nesting deeper than 20, and arrays of more
    than :data:`MAX_IMAGE_BYTES` together. Each container and array is visited once (by
    ``id``): a pickle can reference one list many times, and ten levels of ten references to
    one list are 10**10 paths but ten lists."""
    kinds = (np.ndarray, dict, list, tuple)
    seen = {id(obj)}
    total = 0
    stack = [(obj, 0)]  # containers and arrays only: a list of labels is not copied
    while stack:
        item, depth = stack.pop()
        if isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                raise UnsafePickleError("refusing numpy arrays of object dtype in a data file")
            total += item.nbytes  # as shaped: a view of a few bytes can claim terabytes
            if total > MAX_IMAGE_BYTES:
                raise DataIntegrityError(
                    f"unpickled arrays of more than {MAX_IMAGE_BYTES:,} bytes; image files "
                    "are read up to that (all 60,000 CIFAR images are 176 MiB)"
                )
            continue
        if not isinstance(item, kinds):
            continue
        children = [x for kv in item.items() for x in kv] if isinstance(item, dict) else item
        if children and depth >= 20:
            raise UnsafePickleError("unpickled data is nested too deeply")
        for child in children:
            if isinstance(child, kinds) and id(child) not in seen:
                seen.add(id(child))
                stack.append((child, depth + 1))


def restricted_loads(data: bytes, *, encoding: str = "latin1") -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`.

    ``encoding="latin1"`` reads Python 2 pickles (as CIFAR's are) including their numpy
    arrays; keys then come back as ``str``.
    """
    try:
        obj = RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()
    except DataIntegrityError:  # a refused global or codec, too many operations
        raise
    except Exception as err:  # a truncated or garbled file: any unpickling error
        raise DataIntegrityError(f"not a readable pickle: {type(err).__name__}: {err}") from err
    _check_no_objects(obj)
    return obj


# ------------------------------------------------------------------ file discovery
def _check_file_size(size: int, where: Any) -> None:
    if size > MAX_IMAGE_FILE_BYTES:
        raise DataIntegrityError(
            f"{where}: {size:,} bytes; CIFAR files are read up to {MAX_IMAGE_FILE_BYTES:,} "
            "bytes (the largest, CIFAR-100's python train batch, is 155 MB)"
        )


def _read_file(path: Path) -> bytes:
    """A file's bytes, its size checked first (:data:`MAX_IMAGE_FILE_BYTES`)."""
    _check_file_size(path.stat().st_size, path)
    return path.read_bytes()


def _members(source: Path, names: list[str]) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of the files called ``names`` in a folder, a tar archive or a file."""
    if source.is_dir():
        found = []
        for name in names:
            hits = [source / name] + sorted(source.glob(f"*/{name}"))
            hits = [h for h in hits if h.is_file()]
            if hits:
                found.append((name, _read_file(hits[0])))
        return found
    if source.is_file() and tarfile.is_tarfile(source):
        by_name: dict[str, bytes] = {}
        with tarfile.open(source, "r:*") as tar:
            for member in tar:
                base = Path(member.name).name
                if member.isfile() and base in names and base not in by_name:
                    # the size its header declares, before a compressed archive inflates it
                    _check_file_size(member.size, f"{source}: {member.name}")
                    fh = tar.extractfile(member)
                    if fh is not None:
                        by_name[base] = fh.read()
        return [(n, by_name[n]) for n in names if n in by_name]
    if source.is_file():
        return [(source.name, _read_file(source))] if source.name in names else []
    raise FileNotFoundError(f"image source {source} does not exist")


def _find(
    source: Path, table: dict[str, dict[str, list[str]]], dataset: str | None, split: str
) -> tuple[str, list[tuple[str, bytes]]]:
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    candidates = [_resolve_dataset(dataset)] if dataset is not None else list(table)
    for ds in candidates:
        if ds not in table:
            raise ValueError(f"no CIFAR files are defined for dataset {ds!r}")
        found = _members(source, table[ds][split])
        if found:
            return ds, found
    # A single file with a non-standard name: trust the dataset the caller named.
    if source.is_file() and not tarfile.is_tarfile(source) and dataset is not None:
        return candidates[0], [(source.name, _read_file(source))]
    wanted = {ds: table[ds][split] for ds in candidates}
    raise FileNotFoundError(
        f"no CIFAR {split} files in {source}; looked for {wanted} (pass dataset= for a file "
        "with another name)"
    )


# ------------------------------------------------------------------ readers
def read_cifar_binary(
    source: str | Path, *, dataset: str | None = None, split: str = "test"
) -> ImageSet:
    """Read the CIFAR binary distribution (raw bytes, no pickle).

    Parameters
    ----------
    source : path
        ``cifar-10-batches-bin`` / ``cifar-100-binary`` (or their parent folder), the
        ``.tar.gz`` archive, or one ``.bin`` file.
    dataset : {"cifar10", "cifar100"}, optional
        Which format; inferred from the file names when omitted.
    split : {"test", "train"}
    """
    ds, files = _find(as_path(source, "source"), _BINARY_FILES, dataset, split)
    n_label = 1 if ds == "cifar10" else 2
    record = n_label + _RECORD
    images, labels = [], []
    for name, raw in files:
        if len(raw) % record:
            raise DataIntegrityError(
                f"{name}: {len(raw)} bytes is not a whole number of {ds} records ({record} bytes)"
            )
        rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, record)
        # CIFAR-100: coarse, then fine label byte
        labels.append(_check_labels(rows[:, n_label - 1].astype(np.int64), ds, name))
        images.append(rows[:, n_label:].reshape(-1, 3, 32, 32))
    return ImageSet(np.concatenate(images), np.concatenate(labels), ds)


def read_cifar_python(
    source: str | Path, *, dataset: str | None = None, split: str = "test"
) -> ImageSet:
    """Read the CIFAR python distribution with :class:`RestrictedUnpickler` (no plain pickle).

    Parameters
    ----------
    source : path
        ``cifar-10-batches-py`` / ``cifar-100-python`` (or their parent folder), the
        ``.tar.gz`` archive, or one batch file (``test_batch``, ``data_batch_1``, ``test``, ...).
    dataset : {"cifar10", "cifar100"}, optional
        Inferred from the file names (and checked against the batch's keys) when omitted.
    split : {"test", "train"}

    Raises
    ------
    UnsafePickleError
        The file references anything beyond containers, strings, numbers and numpy arrays.
    """
    ds, files = _find(as_path(source, "source"), _PYTHON_FILES, dataset, split)
    images, labels = [], []
    for name, raw in files:
        try:
            batch = restricted_loads(raw)
        except DataIntegrityError as err:  # UnsafePickleError stays one
            raise type(err)(f"{name}: {err}") from None
        if not isinstance(batch, dict):
            raise DataIntegrityError(f"{name}: expected a dict batch, got {type(batch).__name__}")
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        label_key = "labels" if "labels" in batch else "fine_labels"
        if "data" not in batch or label_key not in batch:
            raise DataIntegrityError(
                f"{name}: a CIFAR batch needs 'data' and 'labels' / 'fine_labels'; "
                f"found {sorted(map(str, batch))}"
            )
        # An array as CIFAR stores it, never nested lists: numpy would build those whole
        # (shared references make a list of 10**10 items out of a few hundred bytes).
        data = batch["data"]
        if (
            not isinstance(data, np.ndarray)
            or data.dtype != np.uint8
            or data.ndim != 2
            or data.shape[1] != _RECORD
        ):
            got = (
                f"{data.dtype} {data.shape}"
                if isinstance(data, np.ndarray)
                else f"a {type(data).__name__}"
            )
            raise DataIntegrityError(f"{name}: 'data' must be uint8 of shape (N, 3072), got {got}")
        # The batch's keys tell the datasets apart whatever the file is called.
        ds = "cifar10" if label_key == "labels" else "cifar100"
        given = batch[label_key]
        if isinstance(given, list | tuple):  # numpy would build nested lists whole
            others = sorted({type(v).__name__ for v in given if not isinstance(v, numbers.Number)})
            if others:
                raise DataIntegrityError(
                    f"{name}: {label_key!r} must be {data.shape[0]} integers, got a "
                    f"{type(given).__name__} holding {', '.join(others)}"
                )
        raw_labels = np.asarray(given)
        if raw_labels.shape != (data.shape[0],) or not np.issubdtype(raw_labels.dtype, np.integer):
            raise DataIntegrityError(
                f"{name}: {label_key!r} must be {data.shape[0]} integers, got "
                f"{raw_labels.dtype} {raw_labels.shape}"
            )
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(_check_labels(raw_labels.astype(np.int64), ds, name))
    return ImageSet(np.concatenate(images), np.concatenate(labels), ds)


def _read_npz_pair(
    path: Path, x_keys: tuple[str, str], y_keys: tuple[str, str], what: str
) -> tuple[np.ndarray, np.ndarray]:
    """The two arrays of an ``.npz`` named by the first key of ``x_keys`` / ``y_keys`` it
    holds, each array's header checked before its data is read (:func:`nasperf._npz.read_member`);
    a file that is not a readable npz (empty, truncated, corrupt, not a zip) is a
    :class:`DataIntegrityError` naming it."""
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    if not path.is_file():
        raise DataIntegrityError(f"{path}: not a regular file (a folder, device or pipe)")
    with npz_members(path) as (zf, members):
        x_key = next((k for k in x_keys if k in members), None)
        y_key = next((k for k in y_keys if k in members), None)
        if x_key is None or y_key is None:
            raise DataIntegrityError(
                f"{path}: needs arrays {x_keys[0]!r} (or {x_keys[1]!r}) and {y_keys[0]!r} "
                f"(or {y_keys[1]!r}); found {sorted(members)}"
            )
        x, y = (
            read_member(
                zf,
                members[key],
                path,
                f"array {key!r}",
                max_bytes=MAX_IMAGE_BYTES,
                limit_note=" (all 60,000 CIFAR images: 176 MiB)",
                objects="{where}: cannot read as a pickle-free npz: "
                + OBJECTS.format(where="", label="{label}", dtype="{dtype}")[2:],
            )
            for key in (x_key, y_key)
        )
        return x, y


def read_image_npz(path: str | Path, *, dataset: str | None = None) -> ImageSet:
    """Read images from an ``.npz`` (a zip of ``.npy`` arrays; never pickled objects).

    Expects ``data`` (or ``images``): uint8 ``(N, C, H, W)`` or ``(N, H, W, C)`` with C = 3,
    and ``labels`` (or ``fine_labels``): ``(N,)`` integers. Each array's declared shape is
    checked before its data is read (at most :data:`MAX_IMAGE_BYTES`); a file that is not a
    readable npz (empty, truncated, corrupt, not a zip) is a :class:`DataIntegrityError`
    naming it.
    """
    path = as_path(path, "path")
    images, labels = _read_npz_pair(
        path, ("data", "images"), ("labels", "fine_labels"), "image source"
    )
    if images.ndim == 4 and images.shape[1] != 3 and images.shape[-1] == 3:
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataIntegrityError(f"{path}: labels must be integers, got {labels.dtype}")
    ds = _resolve_dataset(dataset) if dataset is not None else None
    try:
        return ImageSet(images, _check_labels(labels.astype(np.int64), ds, str(path)), dataset)
    except DataIntegrityError as err:
        if str(err).startswith(str(path)):
            raise
        raise DataIntegrityError(f"{path}: {err}") from None


def read_tensor_npz(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Samples of a :class:`~nasperf.spaces.TensorTask` from an ``.npz`` (never pickled
    objects): ``data`` (or ``x``) of real numbers ``(N, *shape)`` and ``labels`` (or ``y``)
    ``(N,)``: integer classes, or real targets of a one-output task; each array's declared
    size checked before it is read (at most :data:`MAX_IMAGE_BYTES`); errors name the
    file."""
    path = as_path(path, "path")
    x, y = _read_npz_pair(path, ("data", "x"), ("labels", "y"), "inputs file")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise DataIntegrityError(f"{path}: data must hold real numbers, got {x.dtype}")
    real = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)
    if not real or y.ndim != 1 or len(y) != len(x):
        raise DataIntegrityError(
            f"{path}: labels must be ({len(x)},) numbers (classes, or a regression task's "
            f"targets), got {y.dtype} {tuple(y.shape)}"
        )
    return x, y


def read_images(source: str | Path, *, dataset: str | None = None, split: str = "test") -> ImageSet:
    """Read an image source of any supported kind (npz, CIFAR binary, CIFAR python)."""
    path = as_path(source, "source")
    if path.suffix == ".npz":
        return read_image_npz(path, dataset=dataset)
    if not path.exists():
        raise FileNotFoundError(f"image source {path} does not exist")
    if path.is_file() and not tarfile.is_tarfile(path):
        # One batch file: pickles (protocol >= 2) open with 0x80, a binary record with its
        # label byte (< 100).
        with open(path, "rb") as fh:
            is_pickle = fh.read(1) == b"\x80"
        reader = read_cifar_python if is_pickle else read_cifar_binary
        return reader(path, dataset=dataset, split=split)
    errors = []
    for reader in (read_cifar_binary, read_cifar_python):
        try:
            return reader(path, dataset=dataset, split=split)
        except FileNotFoundError as err:
            errors.append(str(err))
    raise FileNotFoundError(
        f"{path} is neither an .npz nor a CIFAR binary / python distribution: " + "; ".join(errors)
    )


# ------------------------------------------------------------------ batches
def normalize_images(images: np.ndarray, dataset: str, *, normalize: bool = True):
    """uint8 ``(N, 3, H, W)`` -> float32 torch tensor, per-channel standardised.

    ``normalize=False`` only rescales to [0, 1].
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32).div_(255.0)
    if normalize:
        mean, std = IMAGE_STATS[_resolve_dataset(dataset)]
        # float32 statistics: default-dtype ones promote the batch to float64 when a caller
        # has called torch.set_default_dtype(torch.float64)
        m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
        x = (x - m) / s
    return x


def has_packaged_images(dataset: str) -> bool:
    """Whether nasperf ships images of ``dataset`` (the CIFAR-10 and CIFAR-100 test batches;
    any alias and case)."""
    key = dataset.strip().lower() if isinstance(dataset, str) else None
    return _ALIASES.get(key) in _PACKAGED


def load_image_set(
    dataset: str = "cifar10",
    *,
    source: str | Path | None = None,
    split: str = "test",
    argument: str = "source",
) -> ImageSet:
    """All images of ``dataset`` from ``source`` (or the packaged test images), as uint8.

    ``source`` is read with :func:`read_images` (npz, CIFAR binary or python distribution;
    ``split`` picks CIFAR's train or test images); without it, the 256 packaged CIFAR-10 /
    CIFAR-100 test images. The images must be of ``dataset`` where the file says so.
    ``argument`` is what the caller's user calls ``source`` (``images`` for the
    weight-sharing predictors), for the error that asks for one.
    """
    ds = _resolve_dataset(dataset)
    source = as_optional_path(source, argument)
    if source is None:
        if ds not in _PACKAGED:
            raise ValueError(
                f"no {ds} images are packaged with nasperf (only cifar10 and cifar100); pass "
                f"{argument}=<an .npz with 'data' (N, 3, 16, 16) uint8 and 'labels'>"
            )
        return read_image_npz(data_path(_PACKAGED[ds]), dataset=ds)
    imgs = read_images(source, dataset=ds, split=split)
    if imgs.dataset is not None and imgs.dataset != ds:
        raise ValueError(f"{source} holds {imgs.dataset} images, not {ds}")
    return imgs


def load_image_batch(
    dataset: str = "cifar10",
    n: int = 64,
    seed: int | np.random.Generator | None = 0,
    *,
    source: str | Path | None = None,
    normalize: bool = True,
    split: str = "test",
):
    """A batch of ``n`` images and labels for data-dependent zero-cost proxies.

    Parameters
    ----------
    dataset : str
        ``"cifar10"`` (= ``"cifar10-valid"``) or ``"cifar100"``; ``"ImageNet16-120"`` only
        with ``source``.
    n : int
        Batch size; at most the number of images available (256 packaged).
    seed : int, numpy Generator or None
        Which images: a subset drawn without replacement from this seed (the same seed
        gives the same batch), or ``None`` for the first ``n`` in file order.
    source : path, optional
        Read images from here instead of the packaged test images: an ``.npz``, or a CIFAR
        binary / python distribution (folder, archive or batch file; see module docstring).
    normalize : bool
        Standardise each channel with the dataset's mean / std (:data:`IMAGE_STATS`);
        ``False`` gives values in [0, 1].
    split : {"test", "train"}
        Split to read from a CIFAR distribution (ignored for npz files).

    Returns
    -------
    images : torch.Tensor, float32, shape (n, 3, H, W)
    labels : torch.Tensor, int64, shape (n,)
    """
    import torch

    ds = _resolve_dataset(dataset)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    imgs = load_image_set(ds, source=source, split=split)
    if n > len(imgs):
        raise ValueError(f"asked for {n} images but only {len(imgs)} {ds} images are available")
    if seed is None:
        idx = np.arange(n)
    else:
        from nasperf.spaces.base import as_rng

        rng = as_rng(seed, "seed")  # True, 2.5 or -3 named, not numpy's SeedSequence
        idx = rng.choice(len(imgs), size=int(n), replace=False)
    x = normalize_images(imgs.images[idx], ds, normalize=normalize)
    y = torch.from_numpy(imgs.labels[idx].astype(np.int64))
    return x, y
