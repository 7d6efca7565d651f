"""Saving and loading fitted predictors without pickle.

One zip file holds ``meta.json`` (format version, registered name, parameters, JSON-able
fitted attributes and how to restore the others), ``arrays.npz`` (numpy arrays and torch
weights; read with ``allow_pickle=False``) and ``blobs/`` (native model formats: XGBoost
UBJSON, LightGBM text, scikit-learn / NGBoost models through ``skops`` whose types are
checked against an allow-list before loading). Fitted attributes are found as the
public attributes ending in ``_``; an attribute of a type with no safe format is an error
at save time, naming it.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ._registry import PREDICTORS

FORMAT = "nasperf-predictor"
VERSION = 1
#: Module prefixes of the types a skops blob may contain.
_SKOPS_TRUSTED_PREFIXES = (
    "sklearn.",
    "numpy.",
    "scipy.",
    "ngboost.",
    "builtins.",
    "collections.",
    "functools.",
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


def save_predictor(pred, path: Any) -> None:
    """Write ``pred`` (fitted) to ``path``; see the module docstring."""
    from sklearn.utils.validation import check_is_fitted

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
            booster = value.get_booster() if hasattr(value, "get_booster") else value
            blobs[attr] = bytes(booster.save_raw("ubj"))
            entry["class"] = type(value).__name__
        elif kind == "lightgbm":
            booster = value.booster_ if hasattr(value, "booster_") else value
            blobs[attr] = booster.model_to_string().encode()
        elif kind == "skops":
            import skops.io as sio

            blobs[attr] = sio.dumps(value)
        meta["attributes"][attr] = entry
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    if isinstance(path, io.BytesIO):
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _write_entries(zf, meta, buf, blobs)
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                _write_entries(zf, meta, buf, blobs)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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


def load_predictor(path: Any, *, space: Any = None):
    """Read a predictor written by :func:`save_predictor`.

    Parameters
    ----------
    path : path-like
    space : str or SearchSpace, optional
        The search space, needed when the predictor was fitted on a space that is not
        registered in this process (a user-defined space instance).
    """
    from nasperf.errors import DataIntegrityError, IncompatibleVersionError

    if not isinstance(path, io.BytesIO):
        path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataIntegrityError(f"{path} is not a saved nasperf predictor: {err}") from err
    with zf:
        names = set(zf.namelist())
        if "meta.json" not in names or "arrays.npz" not in names:
            raise DataIntegrityError(f"{path} is not a saved nasperf predictor (no meta.json)")
        try:
            meta = json.loads(zf.read("meta.json"))
        except (json.JSONDecodeError, zipfile.BadZipFile, OSError) as err:
            raise DataIntegrityError(f"{path}: corrupt meta.json ({err})") from err
        if meta.get("format") != FORMAT:
            raise DataIntegrityError(f"{path} is not a saved nasperf predictor")
        if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
            from nasperf import __version__

            by = meta.get("nasperf_version", "an unknown version")
            raise IncompatibleVersionError(
                f"{path} was written by nasperf {by} in predictor file format "
                f"{meta.get('version')!r}; this nasperf {__version__} reads formats 1 to "
                f"{VERSION}: upgrade nasperf to load it"
            )
        try:
            with np.load(io.BytesIO(zf.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            blobs = {n[len("blobs/") :]: zf.read(n) for n in names if n.startswith("blobs/")}
        except (zipfile.BadZipFile, ValueError, OSError) as err:
            raise DataIntegrityError(f"{path}: corrupt arrays ({err})") from err
    return _restore(meta, arrays, blobs, space, path)


def _restore(meta: dict, arrays: dict, blobs: dict, space: Any, path: Path):
    import torch

    from nasperf.spaces import get_space

    cls = PREDICTORS.get(meta["name"])
    params = dict(meta["params"])
    if isinstance(params.get("space"), dict) and "__space__" in params["space"]:
        name = params["space"]["__space__"]
        if space is not None:
            params["space"] = space
        else:
            try:
                params["space"] = get_space(name)
            except ValueError as err:
                raise ValueError(
                    f"{path} was fitted on the unregistered space {name!r}; pass space= to load"
                ) from err
    elif space is not None:
        params["space"] = space
    # JSON has no tuples: parameters that were tuples get their type back, so that
    # get_params of the loaded predictor equals the saved one's.
    for key in meta.get("tuple_params", []):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    pred = cls(**params)
    attrs = meta["attributes"]
    deferred = []
    for attr, entry in attrs.items():
        kind = entry["kind"]
        if kind == "json":
            setattr(pred, attr, entry["value"])
        elif kind in ("array", "tensor"):
            arr = arrays[attr]
            setattr(pred, attr, torch.from_numpy(arr.copy()) if kind == "tensor" else arr)
        elif kind in ("module", "module_list", "encoder"):
            deferred.append((attr, entry))
        elif kind == "space":
            setattr(pred, attr, pred._space())
        elif kind == "predictor":
            setattr(pred, attr, load_predictor(io.BytesIO(blobs[attr]), space=space))
        elif kind == "predictor_list":
            members = [
                load_predictor(io.BytesIO(blobs[f"{attr}.{i}"]), space=space)
                for i in range(entry["count"])
            ]
            setattr(pred, attr, members)
        elif kind == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster()
            booster.load_model(bytearray(blobs[attr]))
            if entry.get("class", "Booster") != "Booster":
                model = getattr(xgb, entry["class"])()
                model.load_model(bytearray(blobs[attr]))
                setattr(pred, attr, model)
            else:
                setattr(pred, attr, booster)
        elif kind == "lightgbm":
            import lightgbm as lgb

            setattr(pred, attr, lgb.Booster(model_str=blobs[attr].decode()))
        elif kind == "skops":
            import skops.io as sio

            untrusted = sio.get_untrusted_types(data=blobs[attr])
            bad = [t for t in untrusted if not t.startswith(_SKOPS_TRUSTED_PREFIXES)]
            if bad:
                raise ValueError(
                    f"{path}: attribute {attr} holds types outside the allow-list: {bad}"
                )
            setattr(pred, attr, sio.loads(blobs[attr], trusted=untrusted))
        else:
            raise ValueError(f"{path}: unknown attribute kind {kind!r} for {attr}")
    for attr, entry in deferred:
        if entry["kind"] == "encoder":
            archs = getattr(pred, "fit_archs_", None)
            if not archs:
                raise ValueError(f"{path}: cannot refit the encoder without fit_archs_")
            enc = pred._make_encoder(pred._space()).fit(archs)
            setattr(pred, attr, enc)
    module_entries = [(a, e) for a, e in deferred if e["kind"] != "encoder"]
    if module_entries:
        pred._build_modules()
        for attr, entry in module_entries:
            target = getattr(pred, attr)
            if entry["kind"] == "module":
                _load_state(target, arrays, attr)
            else:
                if len(target) != len(entry["keys"]):
                    raise ValueError(f"{path}: {attr} rebuilt with {len(target)} networks")
                for i, m in enumerate(target):
                    _load_state(m, arrays, f"{attr}.{i}")
                    m.eval()
            if hasattr(target, "eval"):
                target.eval()
    return pred


def _load_state(module, arrays: dict, prefix: str) -> None:
    import torch

    state = {
        k[len(prefix) + 1 :]: torch.from_numpy(v.copy())
        for k, v in arrays.items()
        if k.startswith(prefix + "/")
    }
    module.load_state_dict(state, strict=True)
