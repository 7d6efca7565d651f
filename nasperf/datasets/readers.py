"""Readers for users' own architecture data: NASLib zero-cost JSON files and plain CSVs.

Both parse every architecture once, at the boundary, with the search space's own parser,
and index the result by the space's canonical text (``SearchSpace.to_string``), the same
index :func:`nasperf.datasets.load_benchmark` uses, so tables join on it directly.
Nothing here evaluates code: NASLib keys are parsed by the space (``ast.literal_eval`` at
most), files are read as JSON / CSV.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import SearchSpace, get_space

__all__ = ["NASLIB_SPACE_NAMES", "read_architecture_csv", "read_naslib_zc"]

#: NASLib's search-space keys (top level of its zero-cost JSON) -> nasperf space names.
NASLIB_SPACE_NAMES: dict[str, str] = {
    "nasbench101": "nb101",
    "nasbench201": "nb201",
    "nasbench301": "nb301",
    "transbench101_micro": "tnb101_micro",
    "transbench101_macro": "tnb101_macro",
}


def _as_space(space: str | SearchSpace) -> SearchSpace:
    if isinstance(space, SearchSpace):
        return space
    return get_space(space)


def _space_for_naslib_key(key: str) -> SearchSpace:
    name = NASLIB_SPACE_NAMES.get(key, key)
    try:
        return get_space(name)
    except ValueError as err:
        raise ValueError(
            f"NASLib search space {key!r} (nasperf name {name!r}) is not available in nasperf "
            f"({err}); pass space=<a registered space> to parse its keys with another space"
        ) from err


def _load_json(path_or_dict: str | Path | Mapping) -> Mapping:
    if isinstance(path_or_dict, Mapping):
        return path_or_dict
    path = Path(path_or_dict)
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    return data


def _flatten_scores(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One record's proxies; NAS-Bench-Suite-Zero's ``{"score": s, "time": t}`` -> s, ``<p>_time``."""
    row: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Mapping):
            if "score" not in value:
                raise ValueError(f"{where}: field {name!r} is an object without a 'score'")
            row[name] = value["score"]
            if "time" in value:
                row[f"{name}_time"] = value["time"]
        else:
            row[name] = value
    return row


def read_naslib_zc(
    path_or_dict: str | Path | Mapping,
    space: str | SearchSpace | None = None,
    dataset: str | None = None,
) -> pd.DataFrame:
    """Read NASLib's zero-cost proxy JSON (NAS-Bench-Suite-Zero format).

    The file maps ``{naslib_space: {dataset: {arch_key: {proxy: value, ..., "val_accuracy":
    ...}}}}``, e.g. ``{"nasbench201": {"cifar10": {"(4, 3, 3, 3, 2, 3)": {"synflow": ...}}}}``.

    Parameters
    ----------
    path_or_dict : path or mapping
        The JSON file, or its already-loaded content.
    space : str or SearchSpace, optional
        Which top-level entry to read (by NASLib key, e.g. ``"nasbench201"``, or nasperf
        name, e.g. ``"nb201"``) and the space that parses its keys. Needed only when the
        file holds several spaces or a space nasperf does not map by itself.
    dataset : str, optional
        Read only this dataset (case-insensitive); default all.

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, architecture), indexed by the space's architecture text
        (index name ``arch``; repeated across datasets); columns ``dataset``, ``naslib_key``
        (the key as written in the file) and one per field (proxies, ``val_accuracy``).
        Proxies stored as ``{"score", "time"}`` give ``<proxy>`` and ``<proxy>_time``.
        ``attrs["space"]`` is the nasperf space name.

    Raises
    ------
    InvalidArchitectureError
        A key does not parse; its field names the space, dataset and key.
    ValueError
        The layout is not the one above, or the space / dataset is unknown.
    """
    data = _load_json(path_or_dict)
    if not data:
        raise ValueError("NASLib zero-cost data is empty")
    top_keys = list(data)

    space_obj: SearchSpace | None = None
    if space is None:
        if len(top_keys) != 1:
            raise ValueError(
                f"NASLib file holds several search spaces {top_keys}; choose one with space=..."
            )
        top = top_keys[0]
    else:
        space_obj = _as_space(space)
        wanted = {space_obj.name.lower()}
        if isinstance(space, str):
            wanted.add(space.lower())
        matches = [
            k for k in top_keys if k.lower() in wanted or NASLIB_SPACE_NAMES.get(k) in wanted
        ]
        if len(matches) == 1:
            top = matches[0]
        elif len(top_keys) == 1:
            top = top_keys[0]  # the file's single space, parsed with the space given
        else:
            raise ValueError(f"no search space matching {space!r} in the file; it holds {top_keys}")
    if space_obj is None:
        space_obj = _space_for_naslib_key(top)

    per_dataset = data[top]
    if not isinstance(per_dataset, Mapping) or not all(
        isinstance(v, Mapping) for v in per_dataset.values()
    ):
        raise ValueError(
            f"expected {{{top!r}: {{dataset: {{arch_key: {{field: value}}}}}}}}; "
            f"{top!r} does not map dataset names to objects"
        )
    names = list(per_dataset)
    if dataset is not None:
        chosen = [d for d in names if d.lower() == dataset.lower()]
        if not chosen:
            raise ValueError(f"dataset {dataset!r} not in the file; available: {names}")
        names = chosen

    index: list[str] = []
    rows: list[dict[str, Any]] = []
    for ds in names:
        for key, values in per_dataset[ds].items():
            where = f"{top}/{ds}/{key}"
            if not isinstance(values, Mapping):
                raise ValueError(f"{where}: expected an object of proxy values, got {values!r}")
            try:
                arch = space_obj.from_naslib(key)
            except InvalidArchitectureError as err:
                raise InvalidArchitectureError(
                    f"key {key!r} (dataset {ds!r})", key, str(err), space=space_obj.name
                ) from err
            except NotImplementedError as err:
                raise ValueError(
                    f"search space {space_obj.name!r} cannot read NASLib keys: {err}"
                ) from err
            index.append(space_obj.to_string(arch))
            rows.append({"dataset": ds, "naslib_key": str(key), **_flatten_scores(values, where)})

    df = pd.DataFrame(rows, index=pd.Index(index, name="arch"))
    df.attrs = {"space": space_obj.name, "naslib_space": top}
    return df


def read_architecture_csv(
    path: str | Path,
    space: str | SearchSpace,
    arch_column: str = "arch",
    targets: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Read a CSV of architectures and measured targets.

    Parameters
    ----------
    path : path
        CSV file with a header line. Quote fields that contain commas (NASLib keys).
    space : str or SearchSpace
        The space whose ``coerce`` parses the architecture column (its native text or a
        NASLib key).
    arch_column : str
        Column holding the architectures.
    targets : str or sequence of str, optional
        Target columns to keep; default every other column. They must be numeric and
        complete.

    Returns
    -------
    pandas.DataFrame
        Indexed by the space's canonical architecture text (index name ``arch``), the target
        columns as float64; ``attrs["space"]`` is the space name.

    Raises
    ------
    InvalidArchitectureError
        An architecture does not parse; the field names the file line.
    ValueError
        A column is missing, or a target cell is empty / NaN / not a number (the message
        names the line and column).
    """
    space_obj = _as_space(space)
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if arch_column not in raw.columns:
        raise ValueError(
            f"{path}: no architecture column {arch_column!r}; columns: {list(raw.columns)}"
        )
    if targets is None:
        targets = [c for c in raw.columns if c != arch_column]
    elif isinstance(targets, str):
        targets = [targets]
    missing = [c for c in targets if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: target columns {missing} not found; columns: {list(raw.columns)}"
        )

    index: list[str] = []
    # Line numbers count the header as line 1 (a record spanning lines would shift them).
    for i, text in enumerate(raw[arch_column]):
        line = i + 2
        try:
            arch = space_obj.coerce(text.strip())
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(
                f"{path.name} line {line}, column {arch_column!r}",
                text,
                str(err),
                space=space_obj.name,
            ) from err
        index.append(space_obj.to_string(arch))

    out = {}
    for col in targets:
        values = []
        for i, cell in enumerate(raw[col]):
            try:
                v = float(cell)
            except ValueError:
                v = math.nan if cell.strip() == "" else None
                if v is None:
                    raise ValueError(
                        f"{path.name} line {i + 2}, column {col!r}: {cell!r} is not a number"
                    ) from None
            if math.isnan(v):
                raise ValueError(
                    f"{path.name} line {i + 2}, column {col!r}: missing target value ({cell!r})"
                )
            values.append(v)
        out[col] = values
    df = pd.DataFrame(out, index=pd.Index(index, name="arch"), columns=list(targets))
    df = df.astype("float64")
    df.attrs = {"space": space_obj.name}
    return df
