"""Saving and loading fitted predictors without pickle, and without running code on load.

One zip file holds ``meta.json`` (format version, registered name, parameters, JSON-able
fitted attributes and how to restore the others), ``arrays.npz`` (numpy arrays and torch
weights; read with ``allow_pickle=False``) and ``blobs/`` (native model formats: XGBoost
UBJSON, LightGBM text, nested predictor files, and scikit-learn / NGBoost models through
``skops``). Fitted attributes are found as the public attributes ending in ``_``; an
attribute of a type with no safe format is an error at save time, naming it.

A file is data, never code. On load, before anything is restored:

- sizes are checked from the zip directories before anything is read
  (:data:`MAX_MEMBER_BYTES` per zip member, :data:`MAX_META_BYTES` for ``meta.json``,
  :data:`MAX_TOTAL_BYTES` for everything one load unpacks, nested files, ``skops`` models
  and the arrays inside ``arrays.npz`` included, :data:`MAX_NESTING` levels of nested
  predictors, :data:`MAX_META_DEPTH` levels of lists and objects in ``meta.json``); only
  stored or deflated members are read, each at most to the size its directory declares;
  every member of the zip, and of ``arrays.npz``, must be one ``meta.json`` names, and
  blobs are read one at a time, as they are restored;
- ``meta.json`` is checked against its schema (:func:`_check_meta`): the class must be a
  registered predictor (and the one the caller expects, if any), parameters must be
  parameters of that class's ``__init__``, fitted attribute names must end in ``_`` and may
  not shadow anything the class defines (methods, properties, dunders), every attribute
  entry has exactly the fields of its kind, and every array or blob it names is present;
- a ``skops`` blob may only hold the exact, fully qualified types that the predictor class
  itself writes (:attr:`Predictor.skops_types`, plus plain values in
  :data:`SKOPS_VALUE_TYPES`): every type named anywhere in its schema is compared with that
  list, and so is ``skops.io.get_untrusted_types``; anything else (``builtins.exec``,
  ``os.system``, ``builtins.getattr``, ...) is refused with a :class:`DataIntegrityError`
  naming it, before skops constructs anything. An XGBoost blob names one of
  :data:`XGBOOST_CLASSES`;
- ``arrays.npz`` holds plain ``.npy`` arrays only (:func:`_read_arrays`), each of exactly
  the bytes its header's shape and dtype need, read one at a time;
- each fitted attribute holds what ``fit`` writes under its name (:data:`ATTRIBUTE_RULES`:
  counts are non-negative integers, scales finite and positive, architecture lists parse);
- what the fitted attributes say of each other agrees (:func:`_check_widths`): the
  refitted encoder's width (plus the zero-cost and learning-curve columns) is
  ``n_features_in_``, the feature scalers ``x_mean_`` / ``x_scale_`` are one value per
  feature, ``encoder_`` and ``space_`` are an encoder and a space (or null);
- torch networks are first built dry from the parameters and attributes
  (:func:`_check_networks`: large tensors on torch's ``meta`` device, a bounded number of
  them) and compared, name by name and shape by shape, with the weights in ``arrays.npz``;
  only networks of exactly the stored sizes are then built for real, so a hand-edited
  width or count never allocates what it says.

Every violation is a :class:`~nasperf.errors.DataIntegrityError` naming the file and the key.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nasperf._atomic import atomic_write, make_folder
from nasperf._npz import read_member, read_npy_header
from nasperf._torch_state import torch_state
from nasperf.errors import as_path, short_repr

from ._registry import PREDICTORS

FORMAT = "nasperf-predictor"
VERSION = 1
#: Largest uncompressed zip member read (arrays, blobs, nested files), and ``meta.json``.
MAX_MEMBER_BYTES = 1 << 30
MAX_META_BYTES = 64 << 20
#: Uncompressed bytes one load may unpack in all, counted from the sizes the zip directories
#: declare before anything is read (see :class:`_Budget`): every member of the file, the
#: arrays inside ``arrays.npz``, the members of ``skops`` models and of nested predictor
#: files (a container and what is unpacked from it are both in memory, and both count).
#: Twice :data:`MAX_MEMBER_BYTES`: fitted predictors take megabytes, while a few kilobytes
#: of deflated zeros can declare gigabytes.
MAX_TOTAL_BYTES = 2 * MAX_MEMBER_BYTES
#: Levels of predictors nested in predictors (an ensemble of tuned members is 2).
MAX_NESTING = 4
#: Levels of lists and objects nested in ``meta.json`` (nasperf writes fewer than 10).
MAX_META_DEPTH = 64
#: Members of one nested list (ensemble members) and depth of a skops schema.
MAX_LIST_MEMBERS = 10_000
MAX_SKOPS_DEPTH = 200
#: XGBoost model classes a file may name (restored with ``load_model``).
XGBOOST_CLASSES = ("Booster", "XGBRegressor", "XGBRanker")
#: Plain value types any skops blob may hold (containers, strings, numbers, arrays).
SKOPS_VALUE_TYPES = frozenset(
    {
        "builtins.bool",
        "builtins.dict",
        "builtins.float",
        "builtins.int",
        "builtins.list",
        "builtins.str",
        "builtins.tuple",
        "numpy.bool_",
        "numpy.float32",
        "numpy.float64",
        "numpy.int32",
        "numpy.int64",
        "numpy.ndarray",
    }
)
#: How each kind of fitted attribute is stored: the fields its ``meta.json`` entry carries
#: besides ``kind``.
KINDS: dict[str, frozenset[str]] = {
    "json": frozenset({"value"}),
    "array": frozenset(),
    "tensor": frozenset(),
    "module": frozenset({"keys"}),
    "module_list": frozenset({"keys"}),
    "encoder": frozenset(),
    "space": frozenset(),
    "predictor": frozenset(),
    "predictor_list": frozenset({"count"}),
    "xgboost": frozenset({"class"}),
    "lightgbm": frozenset(),
    "skops": frozenset(),
}
_META_KEYS = {
    "format": str,
    "version": int,
    "nasperf_version": str,
    "name": str,
    "params": dict,
    "tuple_params": list,
    "attributes": dict,
}
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9_]*_")
#: What the fitted attributes nasperf's predictors write hold, by name (the first pattern
#: matching the whole name wins), as ``fit`` produces them: checked on load
#: (:func:`_check_value`), so that a hand-edited value is one error naming its key rather
#: than a failure deep inside ``predict`` or a silent NaN. Names matching no pattern are
#: taken as stored. The rules are in :data:`VALUE_RULES`.
ATTRIBUTE_RULES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), rule)
    for pattern, rule in (
        (r"n_[a-z0-9_]+_|uses_learning_curves_|seed_", "count"),
        (r"fit_time_|train_time_s_|resumed_time_s_", "seconds"),
        (r"[a-z0-9_]*_scale_|y_std_", "scale"),
        (
            r"[a-z0-9_]*_mean_|y_shift_|alpha_|beta_|blr_alpha_|blr_beta_|noise_|outputscale_"
            r"|step_size_",
            "finite",
        ),
        (r"encoding_|model_name_|proxy_|metric_|zero_cost_source_", "text"),
        (r"inferred_space_", "text or null"),
        (r"fit_archs_", "texts or null"),
        (r"uses_zero_cost_", "texts"),
        (r"uses_architecture_|size_features_", "flag"),
    )
)


def _json_ok(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return True


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    return value


def _params_for_json(pred) -> dict:
    from nasperf.spaces import SearchSpace

    out = {}
    for key, value in pred.get_params(deep=False).items():
        if isinstance(value, SearchSpace):
            value = {"__space__": value.name}
        elif isinstance(value, np.random.Generator):
            raise ValueError(
                f"cannot save {type(pred).__name__} with random_state a numpy Generator; use "
                "an int seed"
            )
        value = _to_jsonable(value)
        if not _json_ok(value):
            raise ValueError(
                f"cannot save parameter {key}={value!r} of {type(pred).__name__}: only JSON "
                "values (numbers, strings, lists, dicts) and search spaces can be saved"
            )
        out[key] = value
    return out


def _classify(value: Any) -> str | None:
    """The storage kind of a fitted attribute value, or None when it has none."""
    import torch
    from sklearn.base import BaseEstimator

    from nasperf.encodings import Encoder

    if value is None or isinstance(value, bool | int | float | str):
        return "json"
    if isinstance(value, np.generic):
        return "json"
    if isinstance(value, np.ndarray) and value.dtype != object:
        return "array"
    if isinstance(value, torch.Tensor):
        return "tensor"
    if isinstance(value, torch.nn.Module):
        return "module"
    if isinstance(value, Encoder) or type(value).__name__ == "FeatureUnion":
        return "encoder"
    from nasperf.spaces import SearchSpace

    if isinstance(value, SearchSpace):
        return "space"
    if _is_registered_predictor(value):
        return "predictor"
    if isinstance(value, list | tuple) and value and all(map(_is_registered_predictor, value)):
        return "predictor_list"
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, torch.nn.Module) for v in value)
    ):
        return "module_list"
    mod = type(value).__module__
    if mod.startswith("xgboost"):
        return "xgboost"
    if mod.startswith("lightgbm"):
        return "lightgbm"
    if isinstance(value, BaseEstimator) or mod.startswith("ngboost"):
        return "skops"
    jv = _to_jsonable(value)
    if isinstance(value, list | tuple | dict) and _json_ok(jv):
        return "json"
    return None


def _is_registered_predictor(value: Any) -> bool:
    """Whether ``value`` is an instance of a registered predictor class (what can be saved
    and loaded by name)."""
    name = getattr(type(value), "name", "")
    return bool(name) and name in PREDICTORS and PREDICTORS.get(name) is type(value)


#: The fitted attribute (a JSON entry) holding :func:`_space_signature` of the space a
#: predictor was fitted on; files written before it have none and are not checked.
SPACE_SIGNATURE = "space_signature_"


def _space_signature(pred) -> dict | None:
    """What a fitted predictor's encodings depend on in its space: the space's name, its
    operations in order (one-hot columns follow them) and its largest cell (padding);
    None where the predictor has no space (fitted on features)."""
    try:
        space = pred._space()
    except (ValueError, AttributeError, TypeError):
        return None
    return {
        "name": str(space.name),
        "ops": [str(o) for o in space.ops],
        "max_nodes": None if space.max_nodes is None else int(space.max_nodes),
    }


def _check_space_signature(pred, where: Any) -> None:
    """A file fitted on a space whose operations (or cell size) differ from the space it is
    loaded with would encode every architecture into other columns and predict without a
    word: a :class:`~nasperf.errors.DataIntegrityError` naming both."""
    from nasperf.errors import DataIntegrityError

    saved = getattr(pred, SPACE_SIGNATURE, None)
    if saved is None:
        return
    if (
        not isinstance(saved, dict)
        or set(saved) != {"name", "ops", "max_nodes"}
        or not isinstance(saved["name"], str)
        or not _str_list(saved["ops"])
        or not (saved["max_nodes"] is None or isinstance(saved["max_nodes"], int))
    ):
        raise DataIntegrityError(
            f"{where}: meta.json: attributes.{SPACE_SIGNATURE} must be {{name, ops, max_nodes}}"
        )
    now = _space_signature(pred)
    if now is not None and now != saved:
        raise DataIntegrityError(
            f"{where} was fitted on space {saved['name'][:80]!r} with operations "
            f"{saved['ops'][:12]} and cells of up to {saved['max_nodes']} nodes; the space it is "
            f"loaded with ({now['name'][:80]!r}) has {now['ops'][:12]} and {now['max_nodes']}: "
            "its encodings would not mean what the model learnt (load it with the space "
            "definition it was fitted on)"
        )


def save_predictor(pred, path: Any) -> None:
    """Write ``pred`` (fitted) to ``path`` (a file path, or an ``io.BytesIO``); see the
    module docstring. A ``path`` that is neither is a ``TypeError`` naming it, an empty one
    a ``ValueError``, before anything is written."""
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(path, io.BytesIO):
        if not isinstance(path, str | os.PathLike):
            raise TypeError(
                "path must be a path (str or os.PathLike) or an io.BytesIO, "
                f"got {type(path).__name__} {short_repr(path)}"
            )
        path = as_path(path, "path")

    check_is_fitted(pred, "fit_time_")
    name = getattr(type(pred), "name", "")
    if not _is_registered_predictor(pred):
        raise ValueError(
            f"{type(pred).__name__} is not a registered predictor; only registered predictors "
            "can be saved (register it with @PREDICTORS.register(name))"
        )
    from nasperf import __version__

    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "nasperf_version": __version__,
        "name": name,
        "params": _params_for_json(pred),
        "tuple_params": sorted(
            k for k, v in pred.get_params(deep=False).items() if isinstance(v, tuple)
        ),
        "attributes": {},
    }
    arrays: dict[str, np.ndarray] = {}
    blobs: dict[str, bytes] = {}
    for attr, value in sorted(vars(pred).items()):
        if not attr.endswith("_") or attr.startswith("_"):
            continue
        kind = _classify(value)
        if kind is None:
            raise ValueError(
                f"cannot save fitted attribute {attr} of {type(pred).__name__}: type "
                f"{type(value).__name__} has no safe format"
            )
        entry: dict[str, Any] = {"kind": kind}
        if kind == "json":
            entry["value"] = _to_jsonable(value)
        elif kind == "array":
            arrays[attr] = value
        elif kind == "tensor":
            arrays[attr] = value.detach().cpu().numpy()
        elif kind == "module":
            entry["keys"] = _put_state(arrays, attr, value)
        elif kind == "module_list":
            entry["keys"] = [_put_state(arrays, f"{attr}.{i}", m) for i, m in enumerate(value)]
        elif kind in ("encoder", "space"):
            pass  # rebuilt on load: the space from the parameters, the encoder refitted
        elif kind == "predictor":
            blobs[attr] = _nested_bytes(value)
        elif kind == "predictor_list":
            entry["count"] = len(value)
            for i, member in enumerate(value):
                blobs[f"{attr}.{i}"] = _nested_bytes(member)
        elif kind == "xgboost":
            if type(value).__name__ not in XGBOOST_CLASSES:
                raise ValueError(
                    f"cannot save fitted attribute {attr} of {type(pred).__name__}: XGBoost "
                    f"class {type(value).__name__} is not one of {XGBOOST_CLASSES}"
                )
            booster = value.get_booster() if hasattr(value, "get_booster") else value
            blobs[attr] = bytes(booster.save_raw("ubj"))
            entry["class"] = type(value).__name__
        elif kind == "lightgbm":
            booster = value.booster_ if hasattr(value, "booster_") else value
            blobs[attr] = booster.model_to_string().encode()
        elif kind == "skops":
            import skops.io as sio

            blobs[attr] = sio.dumps(value)
            # what this file will have to pass on load, checked now: a model holding a type
            # the class does not declare cannot be saved (rather than saved but not loaded)
            extra = _skops_types(blobs[attr], attr) - allowed_skops_types(type(pred))
            if extra:
                raise ValueError(
                    f"cannot save fitted attribute {attr} of {type(pred).__name__}: its "
                    f"scikit-learn model holds {sorted(extra)}, which "
                    f"{type(pred).__name__}.skops_types does not list"
                )
        meta["attributes"][attr] = entry
    signature = _space_signature(pred)
    if signature is not None:  # checked on load against the space it is loaded with
        meta["attributes"][SPACE_SIGNATURE] = {"kind": "json", "value": signature}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    if isinstance(path, io.BytesIO):
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _write_entries(zf, meta, buf, blobs)
        return
    make_folder(path.parent)
    with atomic_write(path) as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _write_entries(zf, meta, buf, blobs)


def _write_entries(zf: zipfile.ZipFile, meta: dict, arrays: io.BytesIO, blobs: dict) -> None:
    # fixed member timestamps: the same fitted model gives the same bytes
    def put(name: str, data: bytes | str) -> None:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)

    put("meta.json", json.dumps(meta, indent=1, allow_nan=True))
    put("arrays.npz", arrays.getvalue())
    for attr, blob in blobs.items():
        put(f"blobs/{attr}", blob)


def _nested_bytes(pred) -> bytes:
    buf = io.BytesIO()
    save_predictor(pred, buf)
    return buf.getvalue()


def _put_state(arrays: dict, prefix: str, module) -> list[str]:
    keys = []
    for k, t in module.state_dict().items():
        arrays[f"{prefix}/{k}"] = t.detach().cpu().numpy()
        keys.append(k)
    return keys


def allowed_skops_types(cls: type) -> frozenset[str]:
    """The exact types a skops blob of predictor class ``cls`` may hold."""
    return frozenset(getattr(cls, "skops_types", ())) | SKOPS_VALUE_TYPES


def _skops_types(blob: bytes, where: str, budget: _Budget | None = None) -> set[str]:
    """Every type a skops blob's schema names (``module.class`` of each node), read from its
    ``schema.json`` without importing or constructing anything.

    skops reads the blob's members whole, so they are checked first, from the zip directory
    and the ``.npy`` headers alone: stored members only (what ``skops.io.dumps`` writes:
    nothing to inflate), each within :data:`MAX_MEMBER_BYTES`, all together within what is
    left of ``budget``, and each ``.npy`` member's header declaring exactly the bytes it
    holds (:func:`nasperf._npz.read_npy_header`), so that no declared shape is allocated."""
    from nasperf.errors import DataIntegrityError

    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            infos = _check_directory(zf, where, "skops model ", {zipfile.ZIP_STORED: "stored"})
            info = infos["schema.json"]
            if info.file_size > MAX_META_BYTES:
                raise DataIntegrityError(
                    f"{where}: skops schema of {info.file_size:,d} bytes (at most "
                    f"{MAX_META_BYTES:,d})"
                )
            if budget is not None:
                budget.take(infos, where, "the members of its skops model")
            for name, member in infos.items():
                if name.endswith(".npy"):
                    with zf.open(member) as fh:
                        label = f"skops model member {name[:80]!r}"
                        read_npy_header(fh, where, label, held=member.file_size)
            schema = json.loads(_read_member(zf, info, where))
    except (*_ZIP_ERRORS, KeyError, ValueError, RecursionError) as err:
        if isinstance(err, DataIntegrityError):
            raise
        raise DataIntegrityError(f"{where}: not a skops model ({str(err)[:300]})") from err
    found: set[str] = set()
    stack: list[tuple[Any, int]] = [(schema, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SKOPS_DEPTH:
            raise DataIntegrityError(
                f"{where}: skops schema nested deeper than {MAX_SKOPS_DEPTH} levels"
            )
        if isinstance(node, dict):
            module, name = node.get("__module__"), node.get("__class__")
            if module is not None or name is not None:
                if not isinstance(module, str) or not isinstance(name, str):
                    raise DataIntegrityError(
                        f"{where}: skops schema node with __module__={module!r:.80}, "
                        f"__class__={name!r:.80}"
                    )
                found.add(f"{module}.{name}")
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return found


def _load_skops(blob: bytes, cls: type, where: str, budget: _Budget | None = None) -> Any:
    """A scikit-learn / NGBoost model from a skops blob that holds only ``cls``'s types."""
    import skops.io as sio

    from nasperf.errors import DataIntegrityError

    allowed = allowed_skops_types(cls)
    extra = _skops_types(blob, where, budget) - allowed
    if not extra:
        try:
            untrusted = set(sio.get_untrusted_types(data=blob))
        except RecursionError as err:
            raise DataIntegrityError(f"{where}: skops schema nested too deeply") from err
        except Exception as err:  # skops's own parse errors on a malformed schema
            raise DataIntegrityError(f"{where}: not a readable skops model ({err})") from err
        extra = untrusted - allowed
    if extra:
        raise DataIntegrityError(
            f"{where}: refusing to load a scikit-learn model holding "
            f"{', '.join(sorted(extra)[:5])}: {cls.__name__} stores only "
            f"{', '.join(sorted(getattr(cls, 'skops_types', ()))) or 'no skops models'}"
        )
    try:
        return sio.loads(blob, trusted=sorted(untrusted))
    except Exception as err:  # a schema of allowed types that still does not construct
        raise DataIntegrityError(f"{where}: corrupt scikit-learn model ({err})") from err


#: What reading a zip member can raise on a corrupt file (zlib: a broken deflate stream).
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error)
#: Compression methods read: their inflation is bounded by the size a member declares
#: (``zipfile`` inflates bzip2 and LZMA data whole, whatever size is declared).
_READ_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


class _Budget:
    """What is left of :data:`MAX_TOTAL_BYTES` for one load (nested files included)."""

    def __init__(self) -> None:
        self.total = MAX_TOTAL_BYTES
        self.left = self.total

    def take(self, infos: dict[str, zipfile.ZipInfo], where: Any, what: str) -> None:
        """Count the declared sizes of ``infos`` (members of ``what``) before they are read;
        over what is left: a :class:`DataIntegrityError` naming the largest member."""
        from nasperf.errors import DataIntegrityError

        need = sum(i.file_size for i in infos.values())
        if need > self.left:
            largest = max(infos.values(), key=lambda i: i.file_size)
            raise DataIntegrityError(
                f"{where}: {what} unpack to {need:,d} bytes (member "
                f"{largest.filename[:80]!r} alone {largest.file_size:,d}), more than the "
                f"{self.left:,d} left of the {self.total:,d} bytes a predictor file may unpack "
                "to in all"
            )
        self.left -= need


def _check_directory(
    zf: zipfile.ZipFile, where: Any, what: str = "", methods: dict[int, str] = _READ_METHODS
) -> dict[str, zipfile.ZipInfo]:
    """The members of ``zf`` by name, from its directory alone (nothing is read): each named
    once, not encrypted, compressed with one of ``methods`` and within its size limit
    (:data:`MAX_META_BYTES` for ``meta.json``, else :data:`MAX_MEMBER_BYTES`). ``what``
    prefixes member names in messages (``"arrays.npz "``)."""
    from nasperf.errors import DataIntegrityError

    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        label = f"{where}: {what}member {name[:80]!r}"
        if name in infos:
            raise DataIntegrityError(f"{label} appears more than once")
        if info.flag_bits & 0x1:
            raise DataIntegrityError(f"{label} is encrypted")
        if info.compress_type not in methods:
            raise DataIntegrityError(
                f"{label} is compressed with method {info.compress_type} (only "
                f"{' or '.join(methods.values())} members are read)"
            )
        limit = MAX_META_BYTES if not what and name == "meta.json" else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise DataIntegrityError(f"{label} is {info.file_size:,d} bytes (at most {limit:,d})")
        infos[name] = info
    return infos


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: Any) -> bytes:
    """A zip member's bytes, refusing one whose declared size is over the limit. Never more
    than the declared size is inflated (and ``zipfile`` checks the CRC of what it read)."""
    from nasperf.errors import DataIntegrityError

    limit = MAX_META_BYTES if info.filename == "meta.json" else MAX_MEMBER_BYTES
    if info.file_size > limit:
        raise DataIntegrityError(
            f"{where}: member {info.filename!r} is {info.file_size:,d} bytes (at most {limit:,d})"
        )
    if info.compress_type not in _READ_METHODS:
        raise DataIntegrityError(
            f"{where}: member {info.filename[:80]!r} is compressed with method "
            f"{info.compress_type} (only {' or '.join(_READ_METHODS.values())} members are read)"
        )
    with zf.open(info) as fh:
        data = fh.read(info.file_size)
    if len(data) != info.file_size:
        raise DataIntegrityError(
            f"{where}: member {info.filename[:80]!r} holds {len(data):,d} of the "
            f"{info.file_size:,d} bytes it declares"
        )
    return data


def _json_depth(value: Any) -> int:
    """Levels of lists and objects in a parsed JSON value (iteratively: no recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            if depth <= MAX_META_DEPTH:
                stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return deepest


class _Blobs:
    """The ``blobs/`` members of an open predictor file, each read when it is restored (one
    at a time: never all of them in memory together)."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict, where: Any) -> None:
        self.zf, self.infos, self.where = zf, infos, where

    def __getitem__(self, name: str) -> bytes:
        from nasperf.errors import DataIntegrityError

        try:
            return _read_member(self.zf, self.infos[f"blobs/{name}"], self.where)
        except _ZIP_ERRORS as err:
            raise DataIntegrityError(
                f"{self.where}: corrupt zip member 'blobs/{name[:80]}' ({err})"
            ) from err


def load_predictor(
    path: Any,
    *,
    space: Any = None,
    expected: Any = None,
    _depth: int = 0,
    _where: str = "",
    _budget: _Budget | None = None,
):
    """Read a predictor written by :func:`save_predictor`, executing nothing from the file.

    Parameters
    ----------
    path : path-like or binary file object (``io.BytesIO``)
    space : str or SearchSpace, optional
        The search space, needed when the predictor was fitted on a space that is not
        registered in this process (a user-defined space instance).
    expected : str or type, optional
        The predictor (registered name or class) the file must hold; checked before
        anything is restored.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    DataIntegrityError
        The file is not a predictor file, is corrupt, over a size limit, breaks the
        ``meta.json`` schema, holds another predictor than ``expected``, or holds types a
        predictor of its class does not store (see the module docstring).
    IncompatibleVersionError
        Written in a newer file format.
    TypeError
        ``path`` is neither a path nor a binary file object (an empty path is a
        ``ValueError``).
    """
    from nasperf.errors import DataIntegrityError

    if isinstance(path, str | os.PathLike):
        path = as_path(path, "path")
    elif not (hasattr(path, "read") and hasattr(path, "seek")):
        raise TypeError(
            "path must be a path (str or os.PathLike) or a binary file object, "
            f"got {type(path).__name__} {short_repr(path)}"
        )
    where = _where or (path if isinstance(path, Path) else getattr(path, "name", "<file>"))
    if _depth > MAX_NESTING:
        raise DataIntegrityError(f"{where}: predictors nested deeper than {MAX_NESTING} levels")
    if isinstance(path, Path):
        if not path.is_file():
            if not path.exists():
                raise FileNotFoundError(f"no predictor file at {path}")
            raise DataIntegrityError(f"{path} is not a file")
    budget = _Budget() if _budget is None else _budget
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise DataIntegrityError(f"{where} is not a saved nasperf predictor: {err}") from err
    with zf:
        infos = _check_directory(zf, where)
        if "meta.json" not in infos or "arrays.npz" not in infos:
            raise DataIntegrityError(
                f"{where} is not a saved nasperf predictor (no meta.json / arrays.npz)"
            )
        try:
            text = _read_member(zf, infos["meta.json"], where)
        except _ZIP_ERRORS as err:
            raise DataIntegrityError(f"{where}: corrupt zip member 'meta.json' ({err})") from err
        try:
            meta = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise DataIntegrityError(f"{where}: corrupt meta.json ({err})") from err
        except RecursionError as err:
            raise DataIntegrityError(
                f"{where}: meta.json: nested deeper than {MAX_META_DEPTH} levels"
            ) from err
        del text
        if _json_depth(meta) > MAX_META_DEPTH:
            raise DataIntegrityError(
                f"{where}: meta.json: nested deeper than {MAX_META_DEPTH} levels"
            )
        cls = _check_meta(meta, where, expected)
        blob_names = _expected_blobs(meta["attributes"])
        stray = sorted(
            set(infos) - {"meta.json", "arrays.npz"} - {f"blobs/{b}" for b in blob_names}
        )
        if stray:
            raise DataIntegrityError(
                f"{where}: unexpected member(s) {[s[:80] for s in stray[:5]]} (not named by "
                "meta.json)"
            )
        missing = sorted(b for b in blob_names if f"blobs/{b}" not in infos)
        if missing:
            raise DataIntegrityError(f"{where}: meta.json names missing blob(s) {missing[:5]}")
        budget.take(infos, where, "its members")
        try:
            raw = _read_member(zf, infos["arrays.npz"], where)
        except _ZIP_ERRORS as err:
            raise DataIntegrityError(f"{where}: corrupt zip member 'arrays.npz' ({err})") from err
        arrays = _read_arrays(raw, where, _expected_arrays(meta["attributes"]), budget)
        del raw
        _check_arrays(meta["attributes"], arrays, where)
        blobs = _Blobs(zf, infos, where)
        return _restore(cls, meta, arrays, blobs, space, where, _depth, budget)


def _read_arrays(
    raw: bytes, where: Any, names: set[str], budget: _Budget | None = None
) -> dict[str, np.ndarray]:
    """The arrays of ``arrays.npz``: plain ``.npy`` members only, never pickled objects.

    numpy reads bytes that are not a zip archive as a pickle, and a member that is not
    ``.npy`` as raw bytes: neither is read here. Before any array is read, the members are
    checked against ``names`` (the arrays ``meta.json`` names: any other member is refused,
    by name) and their declared sizes are taken from ``budget``; each array is then read
    alone (:func:`nasperf._npz.read_member`), after its header is checked against the
    member's size.
    """
    from nasperf.errors import DataIntegrityError

    if not raw.startswith(b"PK\x03\x04") and not raw.startswith(b"PK\x05\x06"):
        raise DataIntegrityError(f"{where}: corrupt arrays: arrays.npz is not an npz archive")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (*_ZIP_ERRORS, ValueError) as err:
        raise DataIntegrityError(f"{where}: corrupt arrays ({err})") from err
    arrays = {}
    with zf:
        infos = _check_directory(zf, where, "arrays.npz ")
        stray = sorted(n for n in infos if not (n.endswith(".npy") and n[:-4] in names))
        if stray:
            raise DataIntegrityError(
                f"{where}: arrays.npz member(s) {[n[:80] for n in stray[:5]]} not named by "
                "meta.json"
            )
        (budget or _Budget()).take(infos, where, "the arrays in arrays.npz")
        for member in infos:
            key = member[:-4]
            label = f"corrupt arrays: arrays.npz member {key[:80]!r}"
            try:
                arrays[key] = read_member(zf, member, where, label)
            except _ZIP_ERRORS as err:
                raise DataIntegrityError(f"{where}: {label} ({err})") from err
    return arrays


def _expected_arrays(attributes: dict) -> set[str]:
    """The names of the arrays ``meta.json`` says ``arrays.npz`` holds."""
    names = set()
    for attr, entry in attributes.items():
        kind = entry["kind"]
        if kind in ("array", "tensor"):
            names.add(attr)
        elif kind == "module":
            names.update(f"{attr}/{k}" for k in entry["keys"])
        elif kind == "module_list":
            names.update(f"{attr}.{i}/{k}" for i, keys in enumerate(entry["keys"]) for k in keys)
    return names


def _expected_blobs(attributes: dict) -> list[str]:
    names = []
    for attr, entry in attributes.items():
        kind = entry["kind"]
        if kind in ("predictor", "xgboost", "lightgbm", "skops"):
            names.append(attr)
        elif kind == "predictor_list":
            names.extend(f"{attr}.{i}" for i in range(entry["count"]))
    return names


def _check_arrays(attributes: dict, arrays: dict, where: Any) -> None:
    from nasperf.errors import DataIntegrityError

    for attr, entry in attributes.items():
        kind = entry["kind"]
        if kind in ("array", "tensor") and attr not in arrays:
            raise DataIntegrityError(f"{where}: attributes.{attr}: array missing from arrays.npz")
        if kind in ("module", "module_list"):
            groups = [entry["keys"]] if kind == "module" else entry["keys"]
            prefixes = [attr] if kind == "module" else [f"{attr}.{i}" for i in range(len(groups))]
            for prefix, keys in zip(prefixes, groups, strict=True):
                absent = [k for k in keys if f"{prefix}/{k}" not in arrays]
                if absent:
                    raise DataIntegrityError(
                        f"{where}: attributes.{attr}: weights {absent[:3]} missing from arrays.npz"
                    )
    for name, arr in arrays.items():
        if arr.dtype.hasobject or arr.dtype.kind not in "biufcUS":
            raise DataIntegrityError(f"{where}: arrays.npz member {name!r} has dtype {arr.dtype}")


def _check_meta(meta: Any, where: Any, expected: Any) -> type:
    """Check ``meta.json`` against its schema; returns the predictor class it names."""
    from nasperf.errors import DataIntegrityError, IncompatibleVersionError

    def bad(msg: str) -> DataIntegrityError:
        return DataIntegrityError(f"{where}: meta.json: {msg}")

    if not isinstance(meta, dict):
        raise bad(f"expected a JSON object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT:
        raise DataIntegrityError(
            f"{where} is not a saved nasperf predictor (format {str(meta.get('format'))[:40]!r})"
        )
    version = meta.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        from nasperf import __version__

        by = meta.get("nasperf_version", "an unknown version")
        raise IncompatibleVersionError(
            f"{where} was written by nasperf {str(by)[:40]} in predictor file format "
            f"{version!r}; this nasperf {__version__} reads formats 1 to {VERSION}: upgrade "
            "nasperf to load it"
        )
    for key, kind in _META_KEYS.items():
        if key not in meta:
            raise bad(f"missing key {key!r}")
        value = meta[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise bad(f"key {key!r} must be a JSON {kind.__name__}, got {type(value).__name__}")
    unknown = sorted(set(meta) - set(_META_KEYS))
    if unknown:
        raise bad(f"unknown key(s) {[str(k)[:40] for k in unknown[:5]]}")
    if version < 1:
        raise bad(f"'version' must be at least 1, got {version}")
    name = meta["name"]
    if name not in PREDICTORS or PREDICTORS.get(name).name != name:
        raise bad(f"'name' {name[:80]!r} is not a registered predictor")
    cls = PREDICTORS.get(name)
    if expected is not None:
        want = expected if isinstance(expected, str) else getattr(expected, "name", None)
        if isinstance(expected, type) and not issubclass(cls, expected):
            raise DataIntegrityError(
                f"{where} holds a {cls.__name__} ({name!r}), not a {expected.__name__}"
            )
        if isinstance(expected, str) and want != name:
            raise DataIntegrityError(f"{where} holds a {name!r} predictor, expected {want!r}")
    valid = set(cls._get_param_names())
    params = meta["params"]
    unknown = sorted(set(params) - valid)
    if unknown:
        raise bad(
            f"'params' has {[str(k)[:40] for k in unknown[:5]]}, which are not parameters of "
            f"{cls.__name__}"
        )
    space = params.get("space")
    if isinstance(space, dict) and (
        set(space) != {"__space__"} or not isinstance(space["__space__"], str)
    ):
        raise bad("'params.space' must be a space name or {\"__space__\": name}")
    tuples = meta["tuple_params"]
    if not all(isinstance(k, str) and k in params for k in tuples):
        raise bad("'tuple_params' must list parameter names")
    for attr, entry in meta["attributes"].items():
        _check_attribute(cls, attr, entry, bad)
    return cls


def _check_attribute(cls: type, attr: str, entry: Any, bad) -> None:
    label = f"attributes.{str(attr)[:60]}"
    if not _ATTRIBUTE.fullmatch(attr) or attr.endswith("__"):
        raise bad(f"{label}: a fitted attribute name is letters, digits and _, ending in _")
    if hasattr(cls, attr):
        raise bad(f"{label}: would shadow {cls.__name__}.{attr}")
    if not isinstance(entry, dict):
        raise bad(f"{label}: expected an object, got {type(entry).__name__}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise bad(f"{label}: unknown kind {str(kind)[:40]!r} (one of {sorted(KINDS)})")
    fields = set(entry) - {"kind"}
    if fields != KINDS[kind]:
        raise bad(
            f"{label}: a {kind!r} entry has the fields {sorted(KINDS[kind])}, got {sorted(fields)}"
        )
    if kind == "module" and not _str_list(entry["keys"]):
        raise bad(f"{label}: 'keys' must be a list of strings")
    if kind == "module_list" and not (
        isinstance(entry["keys"], list)
        and len(entry["keys"]) <= MAX_LIST_MEMBERS
        and all(_str_list(k) for k in entry["keys"])
    ):
        raise bad(f"{label}: 'keys' must be a list of lists of strings")
    if kind == "predictor_list":
        count = entry["count"]
        if (
            not isinstance(count, int)
            or isinstance(count, bool)
            or not 1 <= count <= MAX_LIST_MEMBERS
        ):
            raise bad(f"{label}: 'count' must be an integer in [1, {MAX_LIST_MEMBERS}]")
    if kind == "xgboost" and entry["class"] not in XGBOOST_CLASSES:
        raise bad(f"{label}: 'class' {str(entry['class'])[:40]!r} is not one of {XGBOOST_CLASSES}")
    fixed = FIXED_KINDS.get(attr)
    if fixed is not None and kind != fixed and not (kind == "json" and entry["value"] is None):
        raise bad(f"{label}: kind {kind!r}, but {attr} is of kind {fixed!r} (or a JSON null)")
    rule = _rule_for(attr)
    if rule is not None and kind not in ("json", "array", "tensor"):
        raise bad(
            f"{label}: kind {kind!r}, but {attr} holds {VALUE_RULES[rule][0]} (a JSON value "
            "or an array)"
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array when it is a number or a real numeric array, else None."""
    if _is_number(value):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value.astype(np.float64, copy=False)
    return None


def _finite(value: Any) -> bool:
    arr = _numeric_array(value)
    return arr is not None and bool(np.isfinite(arr).all())


#: Each rule of :data:`ATTRIBUTE_RULES`: what it requires (for the message) and the test.
VALUE_RULES: dict[str, tuple[str, Any]] = {
    "count": (
        "a non-negative integer",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63,
    ),
    "seconds": ("a finite number >= 0", lambda v: _is_number(v) and _finite(v) and v >= 0),
    "scale": (
        "finite and > 0 (a number or an array of them)",
        lambda v: _finite(v) and bool((_numeric_array(v) > 0).all()),
    ),
    "finite": ("finite (a number or an array of them)", _finite),
    "text": ("a string", lambda v: isinstance(v, str)),
    "text or null": ("a string or null", lambda v: v is None or isinstance(v, str)),
    "texts": ("a list of strings", lambda v: _str_list(v)),
    "texts or null": ("a list of strings or null", lambda v: v is None or _str_list(v)),
    "flag": ("true or false", lambda v: isinstance(v, bool)),
}


#: Fitted attributes whose storage kind the base class fixes, besides JSON null (fitted on a
#: feature matrix): the encoder is refitted on ``fit_archs_`` and the space rebuilt on load.
FIXED_KINDS = {"encoder_": "encoder", "space_": "space"}


def _rule_for(attr: str) -> str | None:
    """The :data:`ATTRIBUTE_RULES` rule of a fitted attribute name (None: no rule)."""
    for pattern, rule in ATTRIBUTE_RULES:
        if pattern.fullmatch(attr):
            return rule
    return None


def _check_value(attr: str, value: Any, where: Any, source: str) -> None:
    """Refuse a restored fitted attribute that is not what ``fit`` writes under its name
    (:data:`ATTRIBUTE_RULES`): a :class:`DataIntegrityError` naming the file and the key."""
    from nasperf.errors import DataIntegrityError

    rule = _rule_for(attr)
    if rule is None:
        return
    wanted, ok = VALUE_RULES[rule]
    if ok(value):
        return
    if not isinstance(value, np.ndarray):
        got = repr(_to_jsonable(value))[:60]
    elif value.dtype.kind in "iuf" and value.size:
        got = (
            f"an array {value.shape} of {value.dtype} from "
            f"{float(value.min()):.6g} to {float(value.max()):.6g}"
        )
    else:
        got = f"an array {value.shape} of {value.dtype}"
    raise DataIntegrityError(f"{where}: {source}: attributes.{attr} must be {wanted}, got {got}")


def _check_scalers(pred, where: Any) -> None:
    """A ``<name>_mean_`` and its ``<name>_scale_`` (a standardisation) are one shape."""
    from nasperf.errors import DataIntegrityError

    for attr, mean in vars(pred).items():
        if not attr.endswith("_mean_"):
            continue
        scale = getattr(pred, attr[: -len("mean_")] + "scale_", None)
        if scale is not None and np.shape(mean) != np.shape(scale):
            raise DataIntegrityError(
                f"{where}: attributes.{attr} has shape {np.shape(mean)} but "
                f"attributes.{attr[: -len('mean_')]}scale_ has {np.shape(scale)}"
            )


def _encoder_width(encoder: Any) -> int | None:
    """Columns a fitted encoder gives: its ``n_features_out_``, summed over a union of
    encoders; None where it does not say."""
    parts = getattr(encoder, "transformer_list", None)
    if parts is not None:
        widths = [_encoder_width(e) for _, e in parts]
        return None if None in widths else sum(widths)
    width = getattr(encoder, "n_features_out_", None)
    return width if isinstance(width, int) and not isinstance(width, bool) else None


def _check_widths(pred, meta: dict, where: Any) -> None:
    """What the restored attributes say of the feature matrix agrees, once the encoder is
    refitted: for a predictor that learns from a feature matrix, the encoder refitted from
    ``params.encoding`` on ``fit_archs_`` is the one it was fitted with (``encoding_``) and
    its columns, plus the zero-cost (``uses_zero_cost_``) and learning-curve
    (``uses_learning_curves_``) ones, number ``n_features_in_``; the feature scalers
    ``x_mean_`` / ``x_scale_`` hold one value per feature. Else predict would fail on a
    broadcast, or answer with the wrong number of values."""
    from nasperf.encodings.base import encoding_name
    from nasperf.errors import DataIntegrityError, short_repr

    attrs = meta["attributes"]
    n = pred.__dict__.get("n_features_in_") if "n_features_in_" in attrs else None
    encoder_kind = attrs.get("encoder_", {}).get("kind")
    if type(pred).numeric and encoder_kind == "encoder":
        encoder = pred.__dict__.get("encoder_")
        encoding = meta["params"].get("encoding")
        fitted_with = attrs.get("encoding_", {}).get("value")
        used = encoding_name(encoder)
        if isinstance(fitted_with, str) and used != fitted_with:
            raise DataIntegrityError(
                f"{where}: meta.json: params.encoding = {short_repr(encoding)} refits an "
                f"encoder of {used[:80]!r}, but the model was fitted on "
                f"attributes.encoding_ = {fitted_with[:80]!r}"
            )
        width = _encoder_width(encoder)
        if isinstance(n, int) and width is not None:
            zero_cost = len(pred.__dict__.get("uses_zero_cost_") or ())
            curves = int(pred.__dict__.get("uses_learning_curves_") or 0)
            if n != width + zero_cost + curves:
                extra = (
                    f" + {zero_cost} zero-cost (attributes.uses_zero_cost_) + {curves} "
                    f"learning-curve (attributes.uses_learning_curves_) = "
                    f"{width + zero_cost + curves}"
                    if zero_cost or curves
                    else ""
                )
                raise DataIntegrityError(
                    f"{where}: meta.json: attributes.n_features_in_ = {n} does not fit "
                    f"params.encoding = {short_repr(encoding)}: its encoder, refitted on "
                    f"attributes.fit_archs_, gives {width} columns{extra}"
                )
    for attr in ("x_mean_", "x_scale_"):
        if attr not in attrs:
            continue
        shape = np.shape(pred.__dict__.get(attr))
        source = "arrays.npz" if attrs[attr]["kind"] in ("array", "tensor") else "meta.json"
        if len(shape) != 1 or (isinstance(n, int) and shape[0] != n):
            wanted = f"({n},): one value per feature (attributes.n_features_in_)"
            raise DataIntegrityError(
                f"{where}: {source}: attributes.{attr} has shape {shape}, expected "
                + (wanted if isinstance(n, int) else "one value per feature (1-d)")
            )


def _check_encodings_registered(encoding: Any, where: Any) -> None:
    """A ``ValueError`` with the import hint when the saved ``encoding`` (a name or a list
    of names) is not registered in this process: a user's encoding whose module was not
    imported, the same situation as a user's space, not a corrupt file (which the
    parameter check still reports as one)."""
    from nasperf.encodings import ENCODINGS

    names = [encoding] if isinstance(encoding, str) else encoding
    if not _str_list(names):
        return  # not names: the parameter check names what is wrong
    for name in names:
        if name not in ENCODINGS:
            raise ValueError(
                f"{where} was fitted with the encoding {name[:80]!r}, which is not registered "
                "in this process: import the module that registers it (`--import FILE` for "
                "nasperf's commands)"
            )


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _restore(
    cls: type,
    meta: dict,
    arrays: dict,
    blobs: Any,
    space: Any,
    where: Any,
    depth: int,
    budget: _Budget | None = None,
):
    """A ``cls`` from checked ``meta`` and ``arrays``; ``blobs[name]`` reads the blob
    ``name`` (each when it is restored); nested files are read within ``budget``."""
    import torch

    from nasperf.errors import DataIntegrityError
    from nasperf.spaces import get_space

    params = dict(meta["params"])
    if isinstance(params.get("space"), dict):
        name = params["space"]["__space__"]
        if space is not None:
            params["space"] = space
        else:
            try:
                params["space"] = get_space(name)
            except ValueError as err:
                raise ValueError(
                    f"{where} was fitted on the space {name[:80]!r}, which is not registered "
                    "in this process: import the module that registers it (`--import FILE` for "
                    "nasperf's commands), or pass space= to load"
                ) from err
    elif space is not None:
        params["space"] = space
    elif isinstance(params.get("space"), str):
        try:
            get_space(params["space"])
        except ValueError as err:  # a user's space whose module this process has not run
            raise ValueError(
                f"{where} was fitted on the space {params['space'][:80]!r}, which is not "
                "registered in this process: import the module that registers it "
                "(`--import FILE` for nasperf's commands), or pass space= to load"
            ) from err
    _check_encodings_registered(params.get("encoding"), where)
    # JSON has no tuples: parameters that were tuples get their type back, so that
    # get_params of the loaded predictor equals the saved one's.
    for key in meta["tuple_params"]:
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    try:
        pred = cls(**params)
        if getattr(cls, "_parameter_constraints", None) is not None:
            pred._validate_params()
    except (TypeError, ValueError) as err:
        raise DataIntegrityError(f"{where}: meta.json: 'params' are not valid: {err}") from err
    deferred = []
    for attr, entry in meta["attributes"].items():
        kind = entry["kind"]
        if kind == "json":
            _check_value(attr, entry["value"], where, "meta.json")
            setattr(pred, attr, entry["value"])
        elif kind in ("array", "tensor"):
            arr = arrays[attr]
            _check_value(attr, arr, where, "arrays.npz")
            setattr(pred, attr, torch.from_numpy(arr.copy()) if kind == "tensor" else arr)
        elif kind in ("module", "module_list", "encoder", "space"):
            # after every JSON attribute: the space may come from ``inferred_space_``
            deferred.append((attr, entry))
        elif kind == "predictor":
            member = load_predictor(
                io.BytesIO(blobs[attr]),
                space=space,
                _depth=depth + 1,
                _where=f"{where}: {attr}",
                _budget=budget,
            )
            setattr(pred, attr, member)
        elif kind == "predictor_list":
            members = [
                load_predictor(
                    io.BytesIO(blobs[f"{attr}.{i}"]),
                    space=space,
                    _depth=depth + 1,
                    _where=f"{where}: {attr}[{i}]",
                    _budget=budget,
                )
                for i in range(entry["count"])
            ]
            setattr(pred, attr, members)
        elif kind == "xgboost":
            import xgboost as xgb

            model = getattr(xgb, entry["class"])()
            try:
                model.load_model(bytearray(blobs[attr]))
            except xgb.core.XGBoostError as err:
                raise DataIntegrityError(f"{where}: corrupt XGBoost model {attr} ({err})") from err
            setattr(pred, attr, model)
        elif kind == "lightgbm":
            import lightgbm as lgb

            try:
                setattr(pred, attr, lgb.Booster(model_str=blobs[attr].decode()))
            except (UnicodeDecodeError, lgb.basic.LightGBMError) as err:
                raise DataIntegrityError(f"{where}: corrupt LightGBM model {attr} ({err})") from err
        elif kind == "skops":
            model = _load_skops(blobs[attr], cls, f"{where}: attributes.{attr}", budget)
            setattr(pred, attr, model)
    _check_scalers(pred, where)
    _check_space_signature(pred, where)
    for attr, _entry in deferred:
        if _entry["kind"] == "space":
            setattr(pred, attr, pred._space())
    for attr, _entry in deferred:
        if _entry["kind"] == "encoder":
            archs = getattr(pred, "fit_archs_", None)
            if not archs or not _str_list(archs):
                raise DataIntegrityError(
                    f"{where}: cannot refit the encoder {attr} without fit_archs_ (a list of "
                    "architecture texts)"
                )
            fit_space = pred._space()
            try:
                enc = pred._make_encoder(fit_space).fit(archs)
            except (ValueError, TypeError) as err:
                if isinstance(err, DataIntegrityError):
                    raise
                raise DataIntegrityError(
                    f"{where}: meta.json: attributes.fit_archs_ (from which {attr} is refitted): "
                    f"{str(err)[:300]}"
                ) from err
            setattr(pred, attr, enc)
    module_entries = [(a, e) for a, e in deferred if e["kind"] in ("module", "module_list")]
    if module_entries:
        # the networks that params and attributes describe, built first without memory and
        # compared with the weights in the file: a hand-edited width or count is refused
        # here instead of allocating what it says
        _check_networks(pred, meta, module_entries, arrays, where)
    # after the networks' check, which names the value at fault where the weights disagree
    _check_widths(pred, meta, where)
    if module_entries:
        # float32 networks whatever the caller's default dtype (the file's weights are
        # float32), and their throwaway initial weights drawn without moving the caller's RNG
        with torch_state():
            pred._build_modules()
        for attr, entry in module_entries:
            target = getattr(pred, attr, None)
            if entry["kind"] == "module":
                _load_state(target, arrays, attr, where)
            else:
                if not isinstance(target, list | tuple | torch.nn.ModuleList) or len(target) != len(
                    entry["keys"]
                ):
                    raise DataIntegrityError(
                        f"{where}: {attr} rebuilt with {len(target or ())} networks, the file "
                        f"has {len(entry['keys'])}"
                    )
                for i, m in enumerate(target):
                    _load_state(m, arrays, f"{attr}.{i}", where)
                    m.eval()
            if hasattr(target, "eval"):
                target.eval()
    return pred


#: In a dry build (:func:`_check_networks`), tensors of more elements than this are made on
#: torch's ``meta`` device (shape only, no memory); smaller ones are real, so that code that
#: reads values while building (gpytorch's constraints) still runs.
DRY_REAL_MAX = 1 << 16
#: Dry builds spent looking for the value at fault in a file whose networks do not match.
MAX_BLAME_TRIES = 64


class _OverBudget(Exception):
    """A dry build created more tensors, or more real elements, than the file can need."""


def _dry_build_mode(max_calls: int, max_elements: int):
    """A torch function mode under which ``_build_modules`` builds without memory: each
    tensor constructor (``torch.empty``, ``zeros``, ``randn``, ``Tensor.new_zeros``, ...)
    is sized on the ``meta`` device first and made there when over :data:`DRY_REAL_MAX`
    elements; device moves are ignored; more than ``max_calls`` constructors or
    ``max_elements`` real elements raise :class:`_OverBudget`."""
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._device import _device_constructors

    shaped = {
        torch.empty,
        torch.empty_strided,
        torch.zeros,
        torch.ones,
        torch.full,
        torch.rand,
        torch.randn,
        torch.randint,
        torch.randperm,
        torch.arange,
        torch.eye,
        torch.linspace,
        torch.logspace,
    }
    new_like = {
        torch.Tensor.new_empty,
        torch.Tensor.new_zeros,
        torch.Tensor.new_ones,
        torch.Tensor.new_full,
    }
    constructors = _device_constructors()
    meta = torch.device("meta")

    class DryBuild(TorchFunctionMode):
        calls = 0
        elements = 0

        def _count(self, out: Any) -> Any:
            if isinstance(out, torch.Tensor) and out.device.type != "meta":
                self.elements += out.numel()
                if self.elements > max_elements:
                    raise _OverBudget
            return out

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            if func in constructors or func in new_like:
                self.calls += 1
                if self.calls > max_calls:
                    raise _OverBudget
                kwargs.pop("device", None)
                if func in shaped or func in new_like:
                    probe_args = (args[0].to(meta), *args[1:]) if func in new_like else args
                    probe_kw = {k: v for k, v in kwargs.items() if k not in ("generator", "out")}
                    probe = func(*probe_args, **probe_kw, device=meta)
                    if probe.numel() > DRY_REAL_MAX or (
                        func in new_like and args[0].device.type == "meta"
                    ):
                        return probe
                return self._count(func(*args, **kwargs, device="cpu"))
            if func is torch.Tensor.to:
                _device, dtype, _blocking, _fmt = torch._C._nn._parse_to(*args[1:], **kwargs)
                return args[0] if dtype is None else args[0].to(dtype)
            if func in (torch.Tensor.cuda, torch.Tensor.cpu):
                return args[0]
            return func(*args, **kwargs)

    return DryBuild()


def _module_prefixes(module_entries: list) -> tuple[str, ...]:
    return tuple(p for a, _ in module_entries for p in (f"{a}/", f"{a}."))


def _dry_mismatch(
    pred, module_entries: list, arrays: dict, budget: tuple[int, int]
) -> tuple[str, set, set] | None:
    """Build ``pred``'s networks dry (:func:`_dry_build_mode`) and compare them with the
    weights in ``arrays``. None when every network has the file's weights, names and
    shapes; else what differs: the message, the sizes the file holds there and the sizes
    the build gave instead. Raises :class:`_OverBudget`, and whatever the build raises."""
    import warnings

    import torch

    # quiet: the real build says whatever the build has to say (and trial sizes of 0 warn)
    with torch_state(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _dry_build_mode(*budget):
            pred._build_modules()
    for attr, entry in module_entries:
        target = getattr(pred, attr, None)
        if entry["kind"] == "module":
            groups = [(attr, target)]
        else:
            if not isinstance(target, list | tuple | torch.nn.ModuleList):
                return f"attributes.{attr}: rebuilt as {type(target).__name__}", set(), set()
            if len(target) != len(entry["keys"]):
                return (
                    f"attributes.{attr}: the params and attributes describe {len(target):,d} "
                    f"networks, arrays.npz holds {len(entry['keys']):,d}",
                    {len(entry["keys"])},
                    {len(target)},
                )
            groups = [(f"{attr}.{i}", m) for i, m in enumerate(target)]
        for prefix, module in groups:
            if not isinstance(module, torch.nn.Module):
                return f"attributes.{attr}: {prefix} is not a network", set(), set()
            built = {k: tuple(v.shape) for k, v in module.state_dict().items()}
            stored = {
                k[len(prefix) + 1 :]: tuple(v.shape)
                for k, v in arrays.items()
                if k.startswith(prefix + "/")
            }
            if set(built) != set(stored):
                missing = sorted(set(built) - set(stored))[:3]
                extra = sorted(set(stored) - set(built))[:3]
                return (
                    f"attributes.{attr}: the params and attributes describe weights {missing} "
                    f"that arrays.npz lacks, and it holds {extra} that they do not",
                    {d for shape in stored.values() for d in shape},
                    set(),
                )
            for key, shape in built.items():
                if shape != stored[key]:
                    differ = [(s, b) for s, b in zip(stored[key], shape, strict=False) if s != b]
                    return (
                        f"attributes.{attr}: weight {prefix}/{key} has shape {stored[key]} in "
                        f"arrays.npz, the params and attributes describe {shape}",
                        {s for s, _ in differ} or set(stored[key]),
                        {b for _, b in differ},
                    )
    return None


def _check_networks(pred, meta: dict, module_entries: list, arrays: dict, where: Any) -> None:
    """Refuse a file whose ``meta.json`` describes other networks than the weights it holds,
    before any network is built for real.

    ``pred._build_modules()`` runs dry (:func:`_dry_mismatch`: big tensors on the ``meta``
    device, a bounded number of constructors, RNG state untouched) and its state dicts are
    compared with the stored arrays' shapes. On a mismatch, :func:`_blame` looks for the
    integer parameter or attribute at fault, and the :class:`DataIntegrityError` names it
    (``params.layer_width``, ``attributes.n_samples_``) or else the network.
    """
    from nasperf.errors import DataIntegrityError

    prefixes = _module_prefixes(module_entries)
    n_arrays = sum(1 for k in arrays if k.startswith(prefixes))
    n_elements = sum(int(v.size) for v in arrays.values())
    # generous: the tensors and numbers the file's weights need, several times over, plus
    # room for temporaries; a hand-edited count or width is far beyond it
    budget = (8 * n_arrays + 1024, 4 * n_elements + (1 << 22))
    try:
        found = _dry_mismatch(pred, module_entries, arrays, budget)
    except _OverBudget:
        found = (
            f"they describe networks of more than {budget[0]:,d} tensors or {budget[1]:,d} "
            f"numbers, far more than the {n_arrays:,d} weight arrays in arrays.npz",
            {1} | {len(e["keys"]) for _, e in module_entries if e["kind"] == "module_list"},
            None,
        )
    except Exception as err:
        # Sizes the networks cannot have (negative, a text): the real build fails as well,
        # at once, and it is the file's fault. If the real build succeeds, the dry build's
        # own machinery failed (torch's private helpers it uses, on another torch release):
        # the file is not refused for that, and loading checks each weight's shape.
        try:
            with torch_state():
                pred._build_modules()
        except Exception:
            raise DataIntegrityError(
                f"{where}: meta.json: the params and attributes do not describe networks this "
                f"predictor can build ({type(err).__name__}: {str(err)[:200]})"
            ) from err
        return
    if found is None:
        return
    problem, sizes, wrong = found
    culprits = _blame(pred, meta, module_entries, arrays, budget, sizes, wrong)
    named = " or ".join(f"{label} = {value!r}" for label, value in culprits)
    raise DataIntegrityError(
        f"{where}: meta.json: {named or 'the params and attributes'} "
        f"{'does' if len(culprits) == 1 else 'do'} not fit the weights in arrays.npz: {problem}"
    )


def _blame(
    pred, meta: dict, module_entries: list, arrays: dict, budget, sizes: set, wrong: set | None
) -> list[tuple[str, int]]:
    """The integers in ``params`` / ``attributes`` (label, value) that, replaced by a size
    the file holds where the build differed (``sizes``) or a small one, make the dry build
    match the stored weights: the values at fault (a true / false attribute that widens a
    network, such as ``size_features_``, is tried negated). Up to two are returned (a width that is a
    sum or a product of several values can be mended through either), none when no single
    value mends it. Candidates whose value is among ``wrong`` (what the build gave instead)
    are tried first; when the build went over budget (``wrong`` None), the largest first and
    the first that mends it is the one. At most :data:`MAX_BLAME_TRIES` dry builds."""
    candidates = [
        (f"params.{k}", k, v)
        for k, v in meta["params"].items()
        if isinstance(v, int) and not isinstance(v, bool)
    ] + [
        (f"attributes.{a}", a, e["value"])
        for a, e in meta["attributes"].items()
        if e["kind"] == "json" and isinstance(e["value"], int) and not isinstance(e["value"], bool)
    ]
    if wrong is None:
        candidates.sort(key=lambda c: -c[2])
    else:
        candidates.sort(key=lambda c: c[2] not in wrong)
    # One try each, so first.
    candidates[:0] = [
        (f"attributes.{a}", a, e["value"])
        for a, e in meta["attributes"].items()
        if e["kind"] == "json" and isinstance(e["value"], bool)
    ]
    tries = sorted(set(sorted(sizes)[:8]) | {0, 1, 2, 3, 4})
    found: list[tuple[str, int]] = []
    n_tries = 0
    for label, name, value in candidates:
        for size in (not value,) if isinstance(value, bool) else tries:
            if size == value or n_tries >= MAX_BLAME_TRIES:
                continue
            n_tries += 1
            setattr(pred, name, size)
            try:
                fits = _dry_mismatch(pred, module_entries, arrays, budget) is None
            except Exception:  # this size does not build either: not the value at fault
                fits = False
            finally:
                setattr(pred, name, value)
            if fits:
                found.append((label, value))
                break
        if len(found) == 2 or (found and wrong is None):
            break  # over budget: one value mends it, the rest would each cost a whole budget
    return found


def _load_state(module, arrays: dict, prefix: str, where: Any) -> None:
    import torch

    from nasperf.errors import DataIntegrityError

    if not isinstance(module, torch.nn.Module):
        raise DataIntegrityError(f"{where}: {prefix} is not a network of this predictor")
    from nasperf._denormals import flush_denormals_

    state = {
        k[len(prefix) + 1 :]: torch.from_numpy(v.copy())
        for k, v in arrays.items()
        if k.startswith(prefix + "/")
    }
    # Files saved before training flushed denormals can hold them; they slow every
    # multiply on many CPUs and are 0 to within 1e-38 (see nasperf._denormals).
    flush_denormals_(state.values())
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise DataIntegrityError(
            f"{where}: weights of {prefix} do not fit its network ({err})"
        ) from err
