"""Precomputed zero-cost proxy tables shipped with the package.

Computing data-dependent proxies for a whole benchmark takes CPU hours, so the package
ships the tables that nasperf itself computed (``scripts/compute_zero_cost_tables.py``, with
:func:`nasperf.zero_cost.compute`: full-size networks, the packaged CIFAR minibatch of 64
images, seed 0) as ``data/zero_cost/<space>_<dataset>.parquet``, one row per architecture
and one column per proxy, verified against the sha256 manifest like every packaged file.
They are the ``zero_cost`` side information of predictors and studies:

>>> zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
>>> pred.fit(archs, y, zero_cost=zc)
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from .package_data import data_path, packaged_files

__all__ = ["available_zero_cost", "load_zero_cost", "zero_cost_settings"]

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


def available_zero_cost() -> list[tuple[str, str]]:
    """``(space, dataset)`` pairs with a packaged zero-cost table."""
    out = []
    for name in packaged_files():
        if name.startswith(FOLDER + "/") and name.endswith(".parquet"):
            out.append(_split_stem(name[len(FOLDER) + 1 : -len(".parquet")]))
    return sorted(out)


def load_zero_cost(space: str = "nb201", dataset: str = "cifar10") -> pd.DataFrame:
    """The packaged zero-cost table of ``space`` on ``dataset``.

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
    space_name = getattr(space, "name", space)
    if not isinstance(space_name, str) or not isinstance(dataset, str):
        raise LookupError(f"space and dataset must be names, got {space!r}, {dataset!r}")
    return _load(space_name.lower(), dataset.lower()).copy()


@lru_cache(maxsize=8)
def _load(space: str, dataset: str) -> pd.DataFrame:
    if (space, dataset) not in available_zero_cost():
        have = ", ".join(f"{s}/{d}" for s, d in available_zero_cost()) or "none"
        raise LookupError(
            f"no packaged zero-cost table for space {space!r} on {dataset!r} (packaged: {have}); "
            "compute one with `nasperf proxies --all ...` and pass it as zero_cost="
        )
    frame = pd.read_parquet(data_path(_key(space, dataset) + ".parquet"))
    frame = frame.set_index("arch").sort_index()
    frame.attrs["settings"] = zero_cost_settings(space, dataset)
    return frame


def zero_cost_settings(space: str = "nb201", dataset: str = "cifar10") -> dict:
    """How a packaged table was computed (proxies, batch size, seed, image digest, ...)."""
    return json.loads(data_path(_key(space, dataset) + ".json").read_text())
