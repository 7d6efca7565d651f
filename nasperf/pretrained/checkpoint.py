"""Pre-trained predictor checkpoints shipped with the package: list, verify, load, predict.

A checkpoint is two packaged files under ``nasperf/datasets/data/pretrained/``, both in the
package's sha256 manifest (``MANIFEST.json``). Every :func:`load` (and :func:`info`) reads
each file's bytes once, checks those bytes against the manifest
(:func:`nasperf.datasets.package_data.read_verified`) and parses them, so a file changed
after an earlier load in the same process is caught:

``<name>.nasperf``
    The fitted predictor, written by :meth:`~nasperf.predictors.Predictor.save`: a zip of
    JSON, ``npz`` arrays (read with ``allow_pickle=False``; torch weights as plain arrays
    loaded into a freshly built network) and native XGBoost UBJSON / LightGBM text. Loading
    executes nothing from the file.
``<name>.json``
    What the checkpoint is: space, dataset, target, predictor and encoding, the zero-cost
    table it reads (and that table's sha256), its training data (source, sizes, split seed,
    sha256 of the training and test sets, whether the labels come from a surrogate), the
    candidates it was selected from and their validation scores, its held-out test metrics
    (Kendall tau, Spearman, NDCG, ...), the nasperf and library versions that built it and
    *reference predictions* on a few fixed architectures.

On load the metadata's ``checkpoint_format`` must be one this nasperf reads, the zero-cost
table must be the one the checkpoint was trained with, and the loaded predictor must
reproduce its reference predictions; otherwise :class:`~nasperf.errors.IncompatibleVersionError`
says which nasperf built it and what to do. A modified, truncated or missing file is a
:class:`~nasperf.errors.DataIntegrityError`. ``scripts/build_pretrained.py`` builds every
checkpoint from packaged data with fixed seeds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasperf.datasets.package_data import data_root, packaged_files, read_verified
from nasperf.errors import (
    DataIntegrityError,
    IncompatibleVersionError,
    InvalidArchitectureError,
    as_optional_path,
    as_path,
    check_flag,
    short_repr,
)
from nasperf.registry import Registry

if TYPE_CHECKING:  # pandas loads on first use: `nasperf screen --list` stays light
    import pandas as pd

__all__ = [
    "CHECKPOINT_FORMAT",
    "Checkpoint",
    "available",
    "info",
    "load",
]

#: Folder of the checkpoints inside the packaged data.
FOLDER = "pretrained"
#: Suffix of the predictor files.
SUFFIX = ".nasperf"
#: Version of the metadata layout this nasperf writes and the oldest it still reads.
CHECKPOINT_FORMAT = 1
OLDEST_READABLE_FORMAT = 1
#: Loaded predictors must reproduce the recorded reference predictions to within this
#: fraction of the largest recorded |prediction|. Why this size: the GNNs compute in
#: float32 (unit roundoff 6e-8), and another CPU sums in another order (AVX2: 8 lanes,
#: AVX-512: 16, oneDNN's blocking, thread count), which moves outputs by about 1e-7 of
#: their scale: perturbing every weight of the packaged GNNs by one float32 ulp moves their
#: predictions by at most 7e-8 of it. 1e-5 leaves a factor 100 (trees sum in a fixed order
#: and reproduce exactly). A changed model or encoding moves predictions far more: scaling
#: the NB201 GNN's weights by 1 +- 1e-3 moves them by 6e-4 of the scale, 60 times the
#: tolerance. Held-out *metrics* are only reproduced up to the swaps of near-tied test
#: predictions that this rounding allows (see tests/pretrained/_near_ties.py).
REFERENCE_RTOL = 1e-5
#: Finite spaces up to this size get a text -> architecture index (see ``Checkpoint``).
MAX_INDEXED_SPACE = 200_000
#: An indexed space's whole feature matrix (every architecture's encoding and zero-cost
#: columns, float64) is kept when it takes at most this many bytes (NB201: 15,625 rows, a
#: few MB), so that predicting a chunk of known architectures is one row gather. It is built
#: by the first call that predicts at least ``FEATURE_ROWS_MIN_CALL`` architectures
#: (screening), not by small ones such as the reference check on load.
MAX_FEATURE_ROWS_BYTES = 64 * 2**20
FEATURE_ROWS_MIN_CALL = 2048
#: Architectures encoded and predicted at once by :meth:`Checkpoint.predict`: feature
#: matrices / graph tensors of this many stay in the CPU caches (measured fastest on NB201;
#: much larger chunks are up to 2-3 times slower), and memory does not grow with the input.
CHUNK = 8192
GRAPH_CHUNK = 2048
#: How a checkpoint's fitted attributes may be stored (``nasperf.predictors._persistence``
#: kinds): JSON, ``npz`` arrays, torch weights as arrays, native XGBoost / LightGBM models,
#: and encoders / spaces rebuilt from their parameters. No ``skops`` blobs, no nested files.
SAFE_KINDS = frozenset(
    {"json", "array", "tensor", "module", "module_list", "encoder", "space", "xgboost", "lightgbm"}
)

# Keys of the metadata and their types (checked on load; the file is data, not code).
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "checkpoint_format": int,
    "name": str,
    "file": str,
    "space": str,
    "dataset": str,
    "target": str,
    "predictor": str,
    "encoding": (str, list),
    "zero_cost": (dict, type(None)),
    "uncertainty": bool,
    "training_data": dict,
    "metrics": dict,
    "reference": dict,
    "nasperf_version": str,
}


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_texts(v: object) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(t, str) for t in v)


def _is_scores(v: object) -> bool:
    """A dict of metric name -> number (or null: undefined on that data)."""
    return isinstance(v, dict) and all(x is None or _is_number(x) for x in v.values())


#: Nested fields read from the metadata: (dotted key, check, what it must be). A missing
#: optional field is not checked; the top-level keys are ``_REQUIRED``'s.
_NESTED: tuple[tuple[str, Any, str], ...] = (
    ("encoding", lambda v: isinstance(v, str) or _is_texts(v), "a name or a list of names"),
    ("zero_cost.proxies", _is_texts, "a non-empty list of proxy names"),
    ("zero_cost.space", lambda v: isinstance(v, str), "a space name"),
    ("zero_cost.dataset", lambda v: isinstance(v, str), "a dataset name"),
    ("zero_cost.table", lambda v: v is None or isinstance(v, str), "a file name"),
    ("zero_cost.table_sha256", lambda v: v is None or isinstance(v, str), "a sha256"),
    ("metrics.test", _is_scores, "an object of numbers"),
    (
        "metrics.transfer",
        lambda v: isinstance(v, dict) and all(_is_scores(x) for x in v.values()),
        "an object of {dataset: {metric: number}}",
    ),
    ("reference.archs", _is_texts, "a non-empty list of architecture texts"),
    (
        "reference.predictions",
        lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
        "a list of numbers",
    ),
    (
        "training_data.n_train",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "an int >= 0",
    ),
    ("training_data.surrogate_labelled", lambda v: isinstance(v, bool), "true or false"),
    ("training_data.description", lambda v: isinstance(v, str), "a text"),
)
_REQUIRED_NESTED = frozenset(
    {
        "reference.archs",
        "reference.predictions",
        "zero_cost.proxies",  # where zero_cost is an object, not null
        "zero_cost.space",
        "zero_cost.dataset",
    }
)


def _check_nested(meta: dict, path: Path) -> None:
    """Raise ``DataIntegrityError`` naming the file and the dotted field whose value is not
    of the kind ``_NESTED`` says (the file is data: a wrong type must not surface later as
    a bare ``TypeError`` or a misleading version error)."""
    for dotted, ok, kind in _NESTED:
        node: Any = meta
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue  # zero_cost: null
        if parts[-1] not in node:
            if dotted in _REQUIRED_NESTED:
                raise DataIntegrityError(f"checkpoint metadata {path}: field {dotted!r} is missing")
            continue
        value = node[parts[-1]]
        if not ok(value):
            raise DataIntegrityError(
                f"checkpoint metadata {path}: field {dotted!r} must be {kind}, got "
                f"{short_repr(value)}"
            )
    ref = meta["reference"]
    if len(ref["archs"]) != len(ref["predictions"]):
        raise DataIntegrityError(
            f"checkpoint metadata {path}: reference.archs has {len(ref['archs'])} entries and "
            f"reference.predictions {len(ref['predictions'])}"
        )


def _names(root: str | Path | None) -> list[str]:
    prefix = FOLDER + "/"
    return sorted(
        n[len(prefix) : -len(".json")]
        for n in packaged_files(root=root)
        if n.startswith(prefix) and n.endswith(".json")
    )


def _resolve(name: str, root: str | Path | None) -> str:
    """The registered checkpoint name for ``name``; an unknown name lists the others."""
    reg: Registry = Registry("pre-trained checkpoint")
    for n in _names(root):
        reg.add(n, n)
    return reg.get(name)


def info(name: str, *, root: str | Path | None = None) -> dict:
    """The metadata of checkpoint ``name`` (verified against the manifest and checked).

    Raises
    ------
    UnknownNameError
        No checkpoint of that name; the message lists the packaged ones.
    DataIntegrityError
        The metadata file is modified, truncated or not a checkpoint description.
    IncompatibleVersionError
        The metadata layout is newer (or older) than this nasperf reads.
    TypeError
        ``root`` is not a path (an empty one is a ``ValueError``).
    """
    root = as_optional_path(root, "root")
    name = _resolve(name, root)
    key = f"{FOLDER}/{name}.json"
    path = (root if root is not None else data_root()) / key
    try:
        meta = json.loads(read_verified(key, root=root).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataIntegrityError(f"checkpoint metadata {path} is not valid JSON: {err}") from err
    if not isinstance(meta, dict):
        raise DataIntegrityError(f"checkpoint metadata {path} is not a JSON object")
    fmt = meta.get("checkpoint_format")
    if isinstance(fmt, int) and not OLDEST_READABLE_FORMAT <= fmt <= CHECKPOINT_FORMAT:
        from nasperf import __version__

        built = meta.get("nasperf_version", "an unknown version")
        advice = (
            "upgrade nasperf to load it"
            if fmt > CHECKPOINT_FORMAT
            else "rebuild it with scripts/build_pretrained.py"
        )
        raise IncompatibleVersionError(
            f"checkpoint {name!r} was built by nasperf {built} in checkpoint format {fmt}; "
            f"this nasperf {__version__} reads formats {OLDEST_READABLE_FORMAT} to "
            f"{CHECKPOINT_FORMAT}: {advice}"
        )
    for key, kind in _REQUIRED.items():
        if not isinstance(meta.get(key), kind):
            raise DataIntegrityError(
                f"checkpoint metadata {path}: field {key!r} is missing or not "
                f"{getattr(kind, '__name__', kind)} (got {type(meta.get(key)).__name__})"
            )
    _check_nested(meta, path)
    if meta["name"] != name or meta["file"] != f"{FOLDER}/{name}{SUFFIX}":
        raise DataIntegrityError(
            f"checkpoint metadata {path} describes {meta['name']!r} ({meta['file']}), not {name!r}"
        )
    return meta


#: the columns of :func:`available` (``name`` is its index)
AVAILABLE_COLUMNS: tuple[str, ...] = (
    "name",
    "space",
    "dataset",
    "target",
    "predictor",
    "encoding",
    "zero_cost",
    "uncertainty",
    "training_data",
    "surrogate_labelled",
    "n_train",
    "kendall_tau",
    "spearman",
    "ndcg",
    "ndcg@10",
    "n_test",
    "nasperf_version",
    "bytes",
)


def available(*, root: str | Path | None = None) -> pd.DataFrame:
    """The packaged checkpoints, one row each (index ``name``).

    Columns: ``space``, ``dataset``, ``target``, ``predictor``, ``encoding``, ``zero_cost``
    (proxies used as features, comma-separated; empty if none), ``uncertainty``,
    ``training_data`` (where the labels come from), ``surrogate_labelled``, ``n_train``,
    ``kendall_tau``, ``spearman``, ``ndcg``, ``ndcg@10`` (held-out test set), ``n_test``,
    ``nasperf_version``, ``bytes`` (size of the predictor file).
    """
    import pandas as pd

    root = as_optional_path(root, "root")
    return pd.DataFrame(available_rows(root=root), columns=list(AVAILABLE_COLUMNS)).set_index(
        "name"
    )


def available_rows(*, root: str | Path | None = None) -> list[dict[str, Any]]:
    """:func:`available` as plain dicts (keys :data:`AVAILABLE_COLUMNS`), without pandas:
    what ``nasperf screen --list`` prints."""
    root = as_optional_path(root, "root")
    rows = []
    for name in _names(root):
        meta = info(name, root=root)
        test = meta["metrics"].get("test", {})
        data = meta["training_data"]
        enc = meta["encoding"]
        zc = meta["zero_cost"]
        rows.append(
            {
                "name": name,
                "space": meta["space"],
                "dataset": meta["dataset"],
                "target": meta["target"],
                "predictor": meta["predictor"],
                "encoding": enc if isinstance(enc, str) else "+".join(enc),
                "zero_cost": ",".join(zc["proxies"]) if zc else "",
                "uncertainty": meta["uncertainty"],
                "training_data": data.get("description", ""),
                "surrogate_labelled": bool(data.get("surrogate_labelled", False)),
                "n_train": data.get("n_train"),
                "kendall_tau": test.get("kendall_tau"),
                "spearman": test.get("spearman"),
                "ndcg": test.get("ndcg"),
                "ndcg@10": test.get("ndcg@10"),
                "n_test": test.get("n"),
                "nasperf_version": meta["nasperf_version"],
                "bytes": meta.get("bytes"),
            }
        )
    return rows


def load(
    name: str, *, n_jobs: int | None = 1, root: str | Path | None = None, check: bool = True
) -> Checkpoint:
    """Load packaged checkpoint ``name``: a ready :class:`Checkpoint`.

    Parameters
    ----------
    name : str
        A name from :func:`available` (case-insensitive).
    n_jobs : int or None
        Threads the predictor may use when predicting (None: the library's default).
    root : path, optional
        Another copy of the packaged data folder (tests, rebuilt data).
    check : bool
        Verify the reference predictions recorded at build time (a few architectures;
        milliseconds). Leave on: it is what catches an encoding or model that changed
        between the nasperf that built the checkpoint and this one. Only ``True`` /
        ``False`` (a ``TypeError`` otherwise).

    Raises
    ------
    UnknownNameError, DataIntegrityError, IncompatibleVersionError
        See :func:`info`; also a predictor file that is modified or truncated (sha256 or
        size differs from the manifest), or reference predictions that are not reproduced.
    """
    from nasperf.predictors import load as load_predictor

    root = as_optional_path(root, "root")
    if n_jobs is not None and (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, int | np.integer)
        or not (n_jobs >= 1 or n_jobs == -1)
    ):
        raise ValueError(f"n_jobs must be a positive int, -1 or None, got {short_repr(n_jobs)}")
    # check=0 had turned the check off, check="no" on: only a bool says which
    check = check_flag(check, "check")
    meta = info(name, root=root)
    # Read once, verify these very bytes, load from them: every load checks the file again,
    # and nothing can change it between the check and the read.
    data = read_verified(meta["file"], root=root)
    path = (root if root is not None else data_root()) / meta["file"]
    recorded = meta.get("file_sha256")
    if recorded is not None and recorded != hashlib.sha256(data).hexdigest():
        raise DataIntegrityError(
            f"checkpoint {meta['name']!r}: its metadata describes another build of {path} "
            "(sha256 differs); rebuild both with scripts/build_pretrained.py"
        )
    check_safe_kinds(data, where=path)
    buf = io.BytesIO(data)
    buf.name = str(path)
    pred = load_predictor(buf, expected=meta["predictor"])
    if n_jobs is not None and "n_jobs" in pred.get_params(deep=False):
        pred.set_params(n_jobs=int(n_jobs))
    ckpt = Checkpoint(meta, pred, _zero_cost_side(meta, root))
    if check:
        ckpt._check_reference()
    return ckpt


def check_safe_kinds(source: str | Path | bytes, *, where: Any = None) -> None:
    """Refuse a predictor file (a path, or its bytes) holding attributes outside
    :data:`SAFE_KINDS` (read from its ``meta.json`` before anything is restored)."""
    if not isinstance(source, bytes):
        if not isinstance(source, str | os.PathLike):
            raise TypeError(
                "source must be a path (str or os.PathLike) or bytes, "
                f"got {type(source).__name__} {short_repr(source)}"
            )
        source = as_path(source, "source")
    path = where if where is not None else source
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            meta = json.loads(zf.read("meta.json"))
    except (zipfile.BadZipFile, KeyError, OSError, json.JSONDecodeError) as err:
        raise DataIntegrityError(f"{path} is not a saved nasperf predictor: {err}") from err
    attrs = meta.get("attributes") if isinstance(meta, dict) else None
    if not isinstance(attrs, dict):
        raise DataIntegrityError(f"{path}: meta.json has no attribute table")
    bad = sorted(
        f"{a} ({e.get('kind')!r})"
        for a, e in attrs.items()
        if not isinstance(e, dict) or e.get("kind") not in SAFE_KINDS
    )
    if bad:
        raise DataIntegrityError(
            f"{path}: attributes stored in formats a checkpoint may not use: {', '.join(bad)} "
            f"(allowed: {', '.join(sorted(SAFE_KINDS))})"
        )


def _zero_cost_side(meta: dict, root: str | Path | None) -> dict:
    """``{"zero_cost": table}`` for a checkpoint trained on a packaged table, else ``{}``.

    ``meta["zero_cost"]`` pins the table file (``table``, ``table_sha256``) and, where the
    proxies it reads come from parts of the table (:mod:`nasperf.datasets.zero_cost_tables`),
    each of those files (``parts``: a list of ``{"table", "table_sha256"}``)."""
    zc = meta["zero_cost"]
    if not zc:
        return {}
    from nasperf import __version__
    from nasperf.datasets.package_data import data_root, manifest
    from nasperf.datasets.zero_cost_tables import load_zero_cost

    key = zc.get("table") or f"zero_cost/{zc['space']}_{zc['dataset'].lower()}.parquet"
    parts = zc.get("parts", [])
    if not isinstance(parts, list) or not all(
        isinstance(p, dict)
        and isinstance(p.get("table"), str)
        and isinstance(p.get("table_sha256"), str)
        for p in parts
    ):
        raise DataIntegrityError(
            f"checkpoint {meta['name']!r}: zero_cost.parts must be a list of "
            '{"table": str, "table_sha256": str}'
        )
    base = Path(root) if root is not None else data_root()
    pinned = [(key, zc.get("table_sha256")), *((p["table"], p["table_sha256"]) for p in parts)]
    for name, sha in pinned:
        entry = manifest(str(base)).get(name)
        if entry is None or entry["sha256"] != sha:
            state = "is not packaged" if entry is None else "has changed"
            raise IncompatibleVersionError(
                f"checkpoint {meta['name']!r} (built by nasperf {meta['nasperf_version']}) reads "
                f"the zero-cost table {name}, which {state} in this nasperf {__version__}; "
                "rebuild the checkpoint with scripts/build_pretrained.py"
            )
    if root is None:
        table = load_zero_cost(zc["space"], zc["dataset"])
    else:  # another copy of the data folder: read it the way load_zero_cost does
        from nasperf.datasets.zero_cost_tables import read_table_files

        table = read_table_files([name for name, _ in pinned], root=root)
    missing = [p for p in zc["proxies"] if p not in table.columns]
    if missing:
        raise DataIntegrityError(f"zero-cost table {key} lacks the proxies {missing}")
    return {"zero_cost": table}


def _checked_zero_cost(predictor: Any, side: dict, kind: str, dataset: str | None) -> dict:
    """``side`` with the zero-cost scores a user's fitted ``predictor`` reads at ``predict``:
    a file read into a table (:func:`~nasperf.datasets.readers.read_zero_cost_table`), a
    table checked for the fitted columns (``uses_zero_cost_``). A predictor that computes
    its proxies needs none; one fitted on a table needs one; one fitted on an array
    cannot be matched to a file's architectures. Each refusal is one ``ValueError``."""
    import pandas as pd

    cols = [str(c) for c in getattr(predictor, "uses_zero_cost_", None) or []]
    source = getattr(predictor, "zero_cost_source_", "") or ""
    table = side.get("zero_cost")
    if not cols or (source == "computed" and table is None):
        return side
    if source == "array":
        raise ValueError(
            f"{kind} was fitted with zero-cost scores given as an array (rows matched by "
            f"position, columns {cols}), which no architecture of a file can be matched to; "
            "refit it with zero_cost= a DataFrame indexed by architecture text"
        )
    if table is None:
        raise ValueError(
            f"{kind} was fitted with zero-cost scores from a table (columns {cols}): give the "
            "scores of the architectures to rank, as at fit (zero_cost=TABLE or FILE in "
            "Python; nasperf screen --zero-cost FILE: NASLib JSON, CSV or parquet)"
        )
    if isinstance(table, str | os.PathLike):
        from nasperf.datasets.readers import read_zero_cost_table

        table = read_zero_cost_table(
            as_path(table, "zero_cost"), predictor.space_, dataset=dataset, columns=cols
        )
    elif isinstance(table, pd.DataFrame):
        where = table.attrs.get("source") or "the zero_cost table"
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(
                f"{where} has no column {missing[0]!r}, which {kind} was fitted on (its "
                f"columns: {[str(c) for c in table.columns[:12]]})"
            )
    else:
        raise TypeError(
            "zero_cost must be a DataFrame indexed by architecture text or a file's path, "
            f"got {type(table).__name__} {short_repr(table)}"
        )
    return {**side, "zero_cost": table}


class Checkpoint:
    """A pre-trained predictor and what it needs at prediction time.

    Use :func:`load` to get one. ``predict(archs)`` takes architectures as values, native
    text or NASLib keys (anything ``space.coerce`` takes) and supplies the side information
    the predictor was trained with (the packaged zero-cost table); it encodes and predicts
    in chunks (:data:`CHUNK`), so memory does not grow with the input.

    For finite spaces of at most :data:`MAX_INDEXED_SPACE` architectures (NAS-Bench-201),
    texts are first looked up in an index of every architecture's canonical text, built on
    first use, so most texts skip the parser; anything else (NASLib keys, other spellings)
    is parsed as usual.

    Attributes
    ----------
    name : str
    metadata : dict
        See the module docstring and ``scripts/build_pretrained.py``.
    predictor : Predictor
        The fitted predictor.
    space : SearchSpace
    has_uncertainty : bool
        Whether :meth:`predict_std` is available.
    """

    def __init__(self, metadata: dict, predictor: Any, side: dict, *, space: Any = None) -> None:
        from nasperf.spaces import get_space

        self.name: str = metadata["name"]
        self.metadata = metadata
        self.predictor = predictor
        self.space = space if space is not None else get_space(metadata["space"])
        self.side = side
        self.has_uncertainty = bool(getattr(predictor, "has_uncertainty", False))
        self._index: dict[str, Any] | None = None
        self._position: dict[int, int] = {}
        self._zc_rows: np.ndarray | None = None
        self._cells: list = []  # the index's architectures, in enumeration order
        self._feature_rows: np.ndarray | None = None
        self._feature_rows_built = False

    @classmethod
    def from_predictor(
        cls,
        predictor: Any,
        *,
        name: str | None = None,
        side: dict | None = None,
        zero_cost: pd.DataFrame | str | os.PathLike | None = None,
        zero_cost_dataset: str | None = None,
    ) -> Checkpoint:
        """A checkpoint around a predictor you fitted (on any space, your own included), so
        that :func:`~nasperf.pretrained.screening.screen` ranks files with it.

        Parameters
        ----------
        predictor : Predictor
            Fitted on architectures (it records their space as ``space_``).
        name : str, optional
            What rankings and messages call it (default ``<predictor>-<space>``).
        side : dict, optional
            Other side information its ``predict`` needs.
        zero_cost : DataFrame or path, optional
            The zero-cost scores of the architectures to rank, for a predictor fitted with
            ``zero_cost=TABLE`` (its ``uses_zero_cost_`` columns; the packaged
            checkpoints read their packaged table the same way): a table indexed by
            architecture text, or a file read by
            :func:`nasperf.datasets.readers.read_zero_cost_table` (NASLib JSON, CSV or
            parquet). A predictor fitted with proxies it computed (``zero_cost_proxies``
            without a table, ``omni``) computes them again (cached) and needs none.
        zero_cost_dataset : str, optional
            Which dataset's scores to read from a NASLib JSON file of several.

        Nothing is verified against reference predictions: there are none to check.

        Raises
        ------
        ValueError
            The predictor was fitted without architectures (no ``space_``); it was fitted
            with zero-cost scores and none are given (or were given as an array, whose
            rows no file's architectures can be matched to); the table lacks a column the
            predictor was fitted on (the message names the file and the column).
        """
        from sklearn.utils.validation import check_is_fitted

        from nasperf import __version__
        from nasperf.spaces import SearchSpace

        check_is_fitted(predictor, "fit_time_")
        kind = type(predictor).__name__
        space = getattr(predictor, "space_", None)
        if not isinstance(space, SearchSpace):
            if not hasattr(predictor, "space_"):
                raise ValueError(
                    f"{kind} records no space_ (the search space of the architectures it was "
                    "fitted on), so it cannot read an architecture file; a predictor fitted "
                    "on architectures sets it (Predictor._fit_encoder, _record_members)"
                )
            raise ValueError(
                f"{kind} was fitted without architectures (on a feature matrix, or on "
                "learning curves alone): it has no search space (space_ is None) to read "
                "architectures with; screening needs a predictor fitted on architectures"
            )
        side = dict(side or {})
        if zero_cost is not None:
            if "zero_cost" in side:
                raise ValueError("give the zero-cost scores once: zero_cost= or side=, not both")
            side["zero_cost"] = zero_cost
        side = _checked_zero_cost(predictor, side, kind, zero_cost_dataset)
        label = getattr(type(predictor), "name", "") or type(predictor).__name__
        metadata = {
            "checkpoint_format": CHECKPOINT_FORMAT,
            "name": name or f"{label}-{space.name}",
            "file": "",
            "space": space.name,
            "dataset": "",
            "target": "",
            "predictor": label,
            "encoding": getattr(predictor, "encoding_", "") or "",
            "zero_cost": None,
            "uncertainty": bool(getattr(predictor, "has_uncertainty", False)),
            "training_data": {},
            "metrics": {},
            "reference": {},
            "nasperf_version": __version__,
        }
        return cls(metadata, predictor, side, space=space)

    def __repr__(self) -> str:
        m = self.metadata
        tau = m["metrics"].get("test", {}).get("kendall_tau")
        return (
            f"Checkpoint({self.name!r}: {m['predictor']} on {m['space']}/{m['dataset']}, "
            f"held-out Kendall tau {tau:.3f})"
            if tau is not None
            else f"Checkpoint({self.name!r})"
        )

    # ------------------------------------------------------------ architectures
    def _text_index(self) -> dict[str, Any]:
        """Canonical text -> architecture value of every cell of a small finite space (empty
        for other spaces), built on first use; with it, the value -> position map and the
        zero-cost rows in enumeration order (so a chunk's zero-cost block is one gather)."""
        if self._index is None:
            self._index, self._position, self._zc_rows = {}, {}, None
            self._cells = []
            size = self.space.size
            if size is not None and size <= MAX_INDEXED_SPACE:
                try:
                    cells = list(self.space.enumerate())
                except NotImplementedError:
                    cells = []
                texts = [self.space.to_string(a) for a in cells]
                self._index = dict(zip(texts, cells, strict=True))
                # Keyed by identity: values from the index are these very objects (hashing
                # a dataclass value costs more than the rest of the lookup); other values
                # miss and their chunk reads the table instead.
                self._position = {id(a): k for k, a in enumerate(cells)}
                table = self.side.get("zero_cost")
                cols = list(getattr(self.predictor, "uses_zero_cost_", []) or [])
                import pandas as pd

                if isinstance(table, pd.DataFrame) and cols and texts:
                    rows = table.index.get_indexer(texts)
                    if (rows >= 0).all():
                        self._zc_rows = table[cols].to_numpy(dtype=np.float64)[rows]
                self._cells = cells
        return self._index

    def _all_feature_rows(self) -> np.ndarray | None:
        """The predictor's feature matrix of every architecture of the indexed space (in
        enumeration order), built once by its own ``_prepare_predict`` (the same rows a
        ``predict`` call builds), or None where that shortcut would not be the same
        computation: a predictor that is not a plain numeric one (its own ``predict``, graph
        inputs, learning curves as input), a matrix over :data:`MAX_FEATURE_ROWS_BYTES`, or
        zero-cost features that the table does not give for every cell."""
        if self._feature_rows_built:
            return self._feature_rows
        self._feature_rows_built = True
        from nasperf.predictors.base import Predictor

        self._text_index()
        cells = self._cells
        p = self.predictor
        plain = (
            bool(cells)
            and isinstance(p, Predictor)
            and getattr(p, "numeric", False)
            and getattr(p, "encoder_", None) is not None
            and not getattr(p, "uses_learning_curves_", 0)
            and type(p).predict is Predictor.predict
            and type(p).predict_std is Predictor.predict_std
        )
        # zero-cost features only where the table scores every cell (TNB101's cover a few)
        if not plain or (getattr(p, "uses_zero_cost_", None) and self._zc_rows is None):
            return None
        first = np.asarray(p._prepare_predict(cells[:1], self.side))
        if first.ndim != 2 or len(cells) * first.shape[1] * 8 > MAX_FEATURE_ROWS_BYTES:
            return None
        parts = [
            np.asarray(p._prepare_predict(cells[i : i + CHUNK], self.side), dtype=np.float64)
            for i in range(0, len(cells), CHUNK)
        ]
        self._feature_rows = np.ascontiguousarray(np.vstack(parts))
        return self._feature_rows

    def coerce(self, items: Sequence[Any]) -> tuple[list, list[int], list[tuple[int, str]]]:
        """Architecture values of ``items``, tolerating bad ones.

        Returns
        -------
        values : list
            The architectures that parsed.
        positions : list of int
            Their positions in ``items``.
        errors : list of (int, str)
            Position and error message of every item that did not parse.
        """
        get = self._text_index().get
        # Fast path: canonical texts of an indexed space are one dictionary lookup each.
        try:
            found = list(map(get, items))
        except TypeError:  # unhashable items (e.g. NASLib keys as lists)
            found = [get(t) if type(t) is str else None for t in items]
        missing = [i for i, v in enumerate(found) if v is None]
        if not missing:
            return found, list(range(len(found))), []
        space = self.space
        errors = []
        for i in missing:
            item = items[i]
            if isinstance(item, space.arch_type):
                found[i] = item
                continue
            try:
                found[i] = space.coerce(item.strip() if isinstance(item, str) else item)
            except (InvalidArchitectureError, ValueError, TypeError) as err:
                errors.append((i, str(err)))
        positions = [i for i, v in enumerate(found) if v is not None]
        return [found[i] for i in positions], positions, errors

    def _values(self, archs: Any) -> list:
        from nasperf.encodings.base import check_arch_sequence

        check_arch_sequence(archs)
        items = archs.tolist() if hasattr(archs, "tolist") else list(archs)
        values, _, errors = self.coerce(items)
        if errors:
            i, msg = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise InvalidArchitectureError(f"archs[{i}]", items[i], f"{msg}{more}")
        return values

    # ------------------------------------------------------------ predictions
    def predict(self, archs: Any) -> np.ndarray:
        """Predicted ``target`` of ``archs`` (float64, higher is better).

        Raises
        ------
        InvalidArchitectureError
            An architecture does not parse (the first bad one is named, with its index).
        """
        return self.predict_values(self._values(archs))[0]

    def predict_std(self, archs: Any) -> np.ndarray:
        """Predictive standard deviation (only where ``has_uncertainty``)."""
        if not self.has_uncertainty:
            raise AttributeError(
                f"checkpoint {self.name!r} ({self.metadata['predictor']}) has no predictive "
                "uncertainty"
            )
        return self.predict_values(self._values(archs), mean=False, std=True)[1]

    def predict_values(
        self, values: list, *, mean: bool = True, std: bool = False
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Predictions and / or standard deviations (``std`` where ``has_uncertainty``) of
        architecture values already coerced (see :meth:`coerce`), in chunks of
        :data:`CHUNK` (:data:`GRAPH_CHUNK` for graph predictors)."""
        std = std and self.has_uncertainty
        n = len(values)
        mu = np.empty(n, dtype=np.float64) if mean else None
        sd = np.empty(n, dtype=np.float64) if std else None
        step = CHUNK if getattr(self.predictor, "numeric", True) else GRAPH_CHUNK
        rows = self._all_feature_rows() if n >= FEATURE_ROWS_MIN_CALL else self._feature_rows
        for start in range(0, n, step):
            part = values[start : start + step]
            stop = start + len(part)
            pos = self._positions(part)
            if pos is not None and rows is not None:
                # every architecture of the chunk is indexed: its rows of the whole
                # space's feature matrix are exactly what predict would build
                X = rows[pos]
                if mean:
                    mu[start:stop] = np.asarray(self.predictor._predict(X), np.float64).ravel()
                if std:
                    sd[start:stop] = np.asarray(self.predictor._predict_std(X), np.float64).ravel()
                continue
            side = self._side_for(pos)
            self._check_zero_cost_rows(part, side)
            if mean:
                mu[start:stop] = self.predictor.predict(part, **side)
            if std:
                sd[start:stop] = self.predictor.predict_std(part, **side)
        return mu, sd

    def _positions(self, part: list) -> np.ndarray | None:
        """Positions of a chunk's architectures in the index's enumeration, or None unless
        every one of them is a value from the index."""
        self._text_index()
        if not self._position:
            return None
        get = self._position.get
        pos = np.fromiter(map(get, map(id, part), repeat(-1)), dtype=np.int64, count=len(part))
        return None if (pos < 0).any() else pos

    def _side_for(self, pos: np.ndarray | None) -> dict:
        """Side information for a chunk: the zero-cost rows gathered by position (``pos``,
        from :meth:`_positions`) where the space is indexed (the same numbers the table
        lookup gives), else the table."""
        if self._zc_rows is None or pos is None:
            return self.side
        return {**self.side, "zero_cost": self._zc_rows[pos]}

    def _check_zero_cost_rows(self, part: list, side: dict) -> None:
        """One ``ValueError`` naming the zero-cost table (its file, where it was read from
        one) and the first of ``part``'s architectures it has no row for, where the
        predictor reads zero-cost features from that table."""
        import pandas as pd

        table = side.get("zero_cost")
        if not isinstance(table, pd.DataFrame) or not getattr(
            self.predictor, "uses_zero_cost_", None
        ):
            return
        from nasperf.encodings.zero_cost import uncovered

        n, first = uncovered([self.space.to_string(a) for a in part], table)
        if n:
            where = table.attrs.get("source") or "the zero_cost table"
            raise ValueError(
                f"{where} has no row for architecture {first!r}"
                + (f" (nor for {n - 1} more of this batch)" if n > 1 else "")
                + f": {self.metadata['predictor']} reads its zero-cost scores "
                f"{list(self.predictor.uses_zero_cost_)} of every architecture it ranks"
            )

    def _check_reference(self) -> None:
        ref = self.metadata["reference"]
        archs, expected = ref.get("archs"), ref.get("predictions")
        if not archs or not isinstance(expected, list) or len(expected) != len(archs):
            raise DataIntegrityError(f"checkpoint {self.name!r}: no usable reference predictions")
        try:
            got = self.predict(archs)
        except InvalidArchitectureError as err:
            raise DataIntegrityError(
                f"checkpoint {self.name!r}: its reference.archs are not {self.space.name} "
                f"architectures ({err})"
            ) from None
        want = np.asarray(expected, dtype=np.float64)
        diff = np.abs(got - want)
        tol = REFERENCE_RTOL * float(np.max(np.abs(want)))
        if not np.all(diff <= tol):  # NaN fails too
            from nasperf import __version__

            k = int(np.argmax(diff))  # a NaN counts as the largest
            raise IncompatibleVersionError(
                f"checkpoint {self.name!r} was built by nasperf "
                f"{self.metadata['nasperf_version']} and does not reproduce its reference "
                f"predictions in this nasperf {__version__} (architecture {archs[k]!r}: "
                f"{got[k]:.9g}, recorded {want[k]:.9g}; tolerance {tol:.2g}, "
                f"REFERENCE_RTOL {REFERENCE_RTOL:g} of the largest): its encoding or model "
                "code has changed; rebuild it with scripts/build_pretrained.py"
            )
