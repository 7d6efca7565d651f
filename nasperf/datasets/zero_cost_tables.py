"""Precomputed zero-cost proxy tables shipped with the package.

Computing data-dependent proxies for a whole benchmark takes CPU hours, so the package
ships the tables that nasperf itself computed (``scripts/compute_zero_cost_tables.py``, with
:func:`nasperf.zero_cost.compute`: full-size networks, the packaged CIFAR minibatch of 64
images, seed 0) as ``data/zero_cost/<space>_<dataset>.parquet``, one row per architecture
and one column per proxy, verified against the sha256 manifest like every packaged file.
They are the ``zero_cost`` side information of predictors and studies:

>>> import nasperf
>>> zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
>>> zc.shape                                   # every NB201 cell, one column per proxy
(15625, 11)
>>> print(*zc.columns)
synflow l2_norm params flops nwot jacov snip grad_norm fisher meco swap
>>> bench = nasperf.load_benchmark("nb201", dataset="cifar10").sample(50, random_state=0)
>>> archs, y = list(bench.index), bench["val_acc_200ep"].to_numpy()
>>> pred = nasperf.predictors.get("xgb", space="nb201", n_estimators=20, random_state=0)
>>> pred = pred.fit(archs, y, zero_cost=zc)
>>> pred.uses_zero_cost_ == list(zc.columns)  # the proxies became features
True

A table may come in *parts*: ``<space>_<dataset>.parquet`` / ``.json`` and, for proxies
computed later, ``<space>_<dataset>.<part>.parquet`` / ``.<part>.json`` (e.g. NB201's
data-dependent proxies in ``nb201_cifar10.images.parquet`` and meco and swap in
``nb201_cifar10.meco_swap.parquet``, beside the data-free ones). :func:`load_zero_cost`
joins the parts column-wise (the first file, then the others by name); they must cover the
same architectures, name different proxies and share the computation settings (batch size,
seed, image digest, network options), else :class:`~nasperf.errors.DataIntegrityError`.
Adding a part leaves the files already packaged, and what was built on them (checkpoints pin
their table's sha256), unchanged.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nasperf.errors import DataIntegrityError

from ._aliases import packaged_dataset
from .package_data import data_path, packaged_files

__all__ = [
    "available_zero_cost",
    "load_zero_cost",
    "scores_every",
    "zero_cost_files",
    "zero_cost_for",
    "zero_cost_settings",
]

FOLDER = "zero_cost"


def _key(space: str, dataset: str) -> str:
    return f"{FOLDER}/{space.lower()}_{dataset.lower()}"


def _split_stem(stem: str) -> tuple[str, str]:
    """``"<space>_<dataset>"`` -> ``(space, dataset)``; space names may contain ``_``
    (``tnb101_micro``), so the longest registered space name that prefixes the stem wins."""
    from nasperf.spaces import SPACES

    for name in sorted(SPACES.names(), key=len, reverse=True):
        if stem.startswith(name.lower() + "_"):
            return name.lower(), stem[len(name) + 1 :]
    space, _, dataset = stem.partition("_")
    return space, dataset


#: Settings every part of one table must share (how the scores were computed).
SHARED_SETTINGS = ("space", "dataset", "batch_size", "seed", "data_sha256", "network_kwargs")


def _stems() -> dict[str, list[str]]:
    """Packaged table stems (``<space>_<dataset>``) -> their extra parts' names, sorted."""
    out: dict[str, list[str]] = {}
    for name in packaged_files():
        if name.startswith(FOLDER + "/") and name.endswith(".parquet"):
            stem, _, part = name[len(FOLDER) + 1 : -len(".parquet")].partition(".")
            parts = out.setdefault(stem, [])
            if part:
                parts.append(part)
    return {k: sorted(v) for k, v in out.items()}


def _resolve(space, dataset) -> tuple[str, str]:
    """``(space, dataset)`` as the packaged tables name them (lower case): a space object
    gives its name, a space alias its space (``nasbench201`` -> ``nb201``, ``darts`` ->
    ``nb301``), a dataset alias its benchmark's dataset (``imagenet`` -> ``imagenet16-120``),
    blanks around either name and case do not count. Unknown names are passed
    on as they are, for :func:`load_zero_cost` to refuse with the list of tables."""
    from nasperf.spaces import SPACES

    space_name = getattr(space, "name", space)
    if not isinstance(space_name, str) or not isinstance(dataset, str):
        raise LookupError(f"space and dataset must be names, got {space!r}, {dataset!r}")
    name = space_name.strip()
    if name in SPACES:
        name = SPACES.get(name).name
    return name.lower(), packaged_dataset(name.lower(), dataset).strip().lower()


def available_zero_cost() -> list[tuple[str, str]]:
    """``(space, dataset)`` pairs with a packaged zero-cost table."""
    return sorted(_split_stem(stem) for stem in _stems())


def load_zero_cost(space: str = "nb201", dataset: str = "cifar10") -> pd.DataFrame:
    """The packaged zero-cost table of ``space`` on ``dataset``.

    ``space`` is a space name, alias (``"nasbench201"``, ``"darts"``) or object; ``dataset``
    a dataset name or its benchmark's alias (``"imagenet"``, ``"cifar10-valid"``); both
    names are case-insensitive and stripped.

    Returns
    -------
    pandas.DataFrame
        Indexed by architecture text (``space.to_string``; index name ``arch``), one float64
        column per proxy (higher is better; NaN where the proxy is undefined on the cell).
        ``attrs["settings"]`` records how the scores were computed.

    Raises
    ------
    LookupError
        No table is packaged for ``(space, dataset)``; the message lists those that are.
    """
    return _load(*_resolve(space, dataset)).copy()


@lru_cache(maxsize=8)
def _load(space: str, dataset: str) -> pd.DataFrame:
    if (space, dataset) not in available_zero_cost():
        have = ", ".join(f"{s}/{d}" for s, d in available_zero_cost()) or "none"
        raise LookupError(
            f"no packaged zero-cost table for space {space!r} on {dataset!r} (packaged: {have}); "
            "compute one with `nasperf proxies --all ...` and pass it as zero_cost="
        )
    key = _key(space, dataset)
    parts = _stems().get(key[len(FOLDER) + 1 :], [])
    frame = read_table_files([f"{key}.parquet", *(f"{key}.{p}.parquet" for p in parts)])
    frame.attrs["settings"] = zero_cost_settings(space, dataset)
    return frame


def read_table_files(files: list[str], root: str | Path | None = None) -> pd.DataFrame:
    """One zero-cost table from its files (manifest names, the table's first file first; in
    the packaged data folder or ``root``), joined column-wise by architecture. The parts must
    cover the first file's architectures and name other proxies, else
    :class:`~nasperf.errors.DataIntegrityError`."""

    def read(name: str) -> pd.DataFrame:
        path = data_path(name) if root is None else data_path(name, root=root)
        return pd.read_parquet(path).set_index("arch").sort_index()

    first, *rest = files
    frame = read(first)
    for name in rest:
        extra = read(name)
        if not extra.index.equals(frame.index):
            raise DataIntegrityError(
                f"packaged zero-cost part {name} covers other architectures than {first}"
            )
        clash = sorted(set(extra.columns) & set(frame.columns))
        if clash:
            raise DataIntegrityError(f"packaged zero-cost part {name} repeats the proxies {clash}")
        frame = frame.join(extra)
    return frame


def zero_cost_settings(space: str = "nb201", dataset: str = "cifar10") -> dict:
    """How a packaged table was computed (proxies, batch size, seed, image digest, ...).

    For a table in parts: the first part's settings with ``proxies`` and
    ``seconds_per_arch`` covering every part, and ``parts``, each part's own settings
    (``file`` names it). Names are resolved as in :func:`load_zero_cost`."""
    key = _key(*_resolve(space, dataset))
    settings = json.loads(data_path(key + ".json").read_text())
    parts = _stems().get(key[len(FOLDER) + 1 :], [])
    if not parts:
        return settings
    merged = dict(settings)
    merged["proxies"] = list(settings.get("proxies", []))
    merged["seconds_per_arch"] = dict(settings.get("seconds_per_arch", {}))
    merged["parts"] = [{"file": f"{key}.parquet", **settings}]
    for part in parts:
        name = f"{key}.{part}.json"
        extra = json.loads(data_path(name).read_text())
        differ = [k for k in SHARED_SETTINGS if extra.get(k) != settings.get(k)]
        if differ:
            raise DataIntegrityError(
                f"packaged zero-cost part {name} was computed with other settings ({differ}) "
                f"than {key}.json"
            )
        merged["proxies"] += [p for p in extra.get("proxies", []) if p not in merged["proxies"]]
        merged["seconds_per_arch"].update(extra.get("seconds_per_arch", {}))
        merged["parts"].append({"file": f"{key}.{part}.parquet", **extra})
    return merged


def scores_every(table: pd.DataFrame, archs) -> bool:
    """Whether ``table`` (indexed by architecture text) has a row for every one of ``archs``
    (texts). A table keyed by the same space and dataset may score another benchmark's
    architectures only (NB301: NAS-Bench-Suite-Zero's 50 trained genotypes, not the
    surrogate's space): side information only where it scores every architecture in use."""
    return bool(pd.Index(list(archs)).isin(table.index).all())


def zero_cost_for(space, dataset: str, archs) -> pd.DataFrame | None:
    """The packaged zero-cost table of (``space``, ``dataset``) if there is one and it scores
    every one of ``archs`` (texts; :func:`scores_every`), else None."""
    try:
        table = load_zero_cost(space, dataset)
    except (LookupError, ValueError):
        return None
    return table if scores_every(table, archs) else None


def zero_cost_files(space: str, dataset: str, proxies) -> list[str]:
    """The packaged files (manifest names) of the (``space``, ``dataset``) table that hold
    ``proxies``: the table's first file always, then the parts with any of them (what a
    checkpoint trained on those proxies pins). Names are resolved as in :func:`load_zero_cost`."""
    space, dataset = _resolve(space, dataset)
    key = _key(space, dataset)
    settings = zero_cost_settings(space, dataset)
    files = [f"{key}.parquet"]
    for part in settings.get("parts", [])[1:]:
        if set(part.get("proxies", [])) & set(proxies):
            files.append(part["file"])
    return files
