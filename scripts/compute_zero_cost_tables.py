#!/usr/bin/env python
"""Package a zero-cost proxy table computed with ``nasperf proxies`` (all architectures).

Step 1, compute (resumable; hours on CPU, minutes on a GPU)::

    nasperf proxies --space nb201 --dataset cifar10 --proxies synflow,l2_norm,params,flops \\
        --all --out nb201_cifar10.csv --workers 2

Step 2, package (checks that every architecture of the space is present exactly once,
writes ``nasperf/datasets/data/zero_cost/<space>_<dataset>.parquet`` and ``.json`` with the
settings, and refreshes the manifest through ``scripts/build_package_data.py``)::

    python scripts/compute_zero_cost_tables.py nb201_cifar10.csv [more.csv ...]

Several files of the same space, dataset and settings (e.g. different proxies) are joined
column-wise.

Proxies added to a table that is already packaged go into a part of their own, so the
packaged file (and the checkpoints that pin its sha256) stays as it is::

    python scripts/compute_zero_cost_tables.py nb201_c10_images.csv --part images \
        --produced-by "nasperf proxies ... --workers 2 on a 2-core AVX2 CPU, 1 h 55 min"

writes ``<space>_<dataset>.images.parquet`` / ``.json``; ``load_zero_cost`` joins the parts.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nasperf  # noqa: E402
from nasperf.zero_cost import read_proxy_table  # noqa: E402

SETTINGS_KEYS = (
    "space",
    "dataset",
    "batch_size",
    "seed",
    "data_sha256",
    "device",
    "network_kwargs",
)


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_package_data", REPO / "scripts" / "build_package_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("tables", nargs="+", type=Path, help="CSV/parquet files from nasperf proxies")
    ap.add_argument("--no-manifest", action="store_true", help="do not refresh the manifest")
    ap.add_argument(
        "--time-sample",
        type=int,
        default=50,
        metavar="N",
        help="time each proxy alone on N sampled architectures (one thread, no cache) and "
        "record seconds_per_arch in the settings: what a search is charged per proxy lookup "
        "(default 50; 0: do not time)",
    )
    ap.add_argument(
        "--part",
        default=None,
        metavar="NAME",
        help="write the proxies as part NAME of the table already packaged for the space and "
        "dataset (<space>_<dataset>.NAME.parquet), leaving that table's files unchanged",
    )
    ap.add_argument(
        "--produced-by",
        default=None,
        metavar="TEXT",
        help="how the scores were computed (command, machine, wall time), recorded verbatim",
    )
    args = ap.parse_args(argv)
    if args.part is not None and not args.part.isidentifier():
        ap.error(f"--part must be a plain name (letters, digits, _), got {args.part!r}")
    frames, settings = [], None
    for path in args.tables:
        meta = json.loads(Path(str(path) + ".settings.json").read_text())
        common = {k: meta.get(k) for k in SETTINGS_KEYS}
        if settings is not None and common != {k: settings.get(k) for k in SETTINGS_KEYS}:
            ap.error(f"{path} was computed with other settings than {args.tables[0]}")
        settings = {
            **(settings or {}),
            **common,
            "proxies": [*(settings or {}).get("proxies", []), *meta["proxies"]],
        }
        frames.append(read_proxy_table(path).drop(columns=["nan_reasons"], errors="ignore"))
    table = pd.concat(frames, axis=1, join="outer")
    space = nasperf.get_space(settings["space"])
    dataset = (
        settings["dataset"][0] if isinstance(settings["dataset"], list) else settings["dataset"]
    )
    expected = {space.to_string(a) for a in space.enumerate()}
    got = set(table.index)
    if table.index.has_duplicates or got != expected:
        ap.error(
            f"the tables cover {len(got)} architectures, {len(got - expected)} unknown and "
            f"{len(expected - got)} missing; finish the computation first"
        )
    missing_cols = table.isna().all()
    if missing_cols.any():
        ap.error(f"proxies without any value: {list(missing_cols[missing_cols].index)}")
    settings["nasperf_version"] = nasperf.__version__
    if args.produced_by:
        settings["produced_by"] = args.produced_by
    stem = f"{space.name}_{dataset.lower()}"
    if args.part is not None:
        from nasperf.datasets.zero_cost_tables import (
            SHARED_SETTINGS,
            load_zero_cost,
            zero_cost_settings,
        )

        base = zero_cost_settings(space.name, dataset)
        differ = [k for k in SHARED_SETTINGS if base.get(k) != settings.get(k)]
        if differ:
            ap.error(f"the packaged {stem} table was computed with other settings: {differ}")
        clash = sorted(set(load_zero_cost(space.name, dataset).columns) & set(table.columns))
        if clash:
            ap.error(f"the packaged {stem} table already has the proxies {clash}")
        stem = f"{stem}.{args.part}"
    if args.time_sample > 0:
        settings["seconds_per_arch"] = _time_proxies(settings, args.time_sample)
        settings["timed_on"] = f"{settings.get('device', 'cpu')}, 1 thread"
    out = REPO / "nasperf" / "datasets" / "data" / "zero_cost"
    out.mkdir(parents=True, exist_ok=True)
    build = _build_module()
    frame = (
        table.astype("float64").reset_index().rename(columns={table.index.name or "index": "arch"})
    )
    build.write_parquet(frame, out / f"{stem}.parquet")
    (out / f"{stem}.json").write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out / stem}.parquet: {len(frame)} architectures x {table.shape[1]} proxies")
    if not args.no_manifest:
        return build.main([])
    return 0


def _time_proxies(settings: dict, n: int) -> dict:
    """Seconds per architecture of each proxy computed alone (network build included)."""
    import time

    import torch

    from nasperf.zero_cost import compute

    space = nasperf.get_space(settings["space"])
    dataset = settings["dataset"]
    if isinstance(dataset, list):  # [name, channels, resolution, classes]
        from nasperf.spaces.base import ImageTask

        dataset = ImageTask(*dataset)
    archs = space.sample(n, seed=12345)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {}
    try:
        for proxy in settings["proxies"]:
            start = time.perf_counter()
            compute(
                space,
                archs,
                [proxy],
                dataset,
                batch_size=settings["batch_size"],
                seed=settings["seed"],
                cache=False,
                inputs=_timing_inputs(settings),
            )
            out[proxy] = round((time.perf_counter() - start) / n, 5)
    finally:
        torch.set_num_threads(threads)
    return out


def _timing_inputs(settings: dict):
    """A minibatch of the settings' shape (timing does not depend on the pixel values)."""
    import torch

    name, channels, res, classes = settings["dataset"]
    g = torch.Generator().manual_seed(0)
    x = torch.rand(settings["batch_size"], channels, res, res, generator=g)
    y = torch.randint(0, classes, (settings["batch_size"],), generator=g)
    return x, y


if __name__ == "__main__":
    raise SystemExit(main())
