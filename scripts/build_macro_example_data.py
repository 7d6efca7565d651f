"""Build ``examples/data/nas_bench_macro_cifar10.csv.gz`` from NAS-Bench-Macro's JSON file.

NAS-Bench-Macro (Su et al., CVPR 2021; github.com/xiusu/NAS-Bench-Macro, Apache-2.0) trained
every one of the 6,561 networks of its macro space (8 layers x 3 blocks) on CIFAR-10 three
times. Its ``data/nas-bench-macro_cifar10.json`` maps the 8-digit architecture key to
``test_acc`` (three runs), ``mean_acc``, ``std``, ``params`` and ``flops``. This script
writes one CSV row per architecture, sorted by key: ``arch`` (the key, kept as text),
``test_acc_0..2`` (each run, two decimals: accuracies on 10,000 test images are multiples of
0.01 %; the JSON holds them as float32), ``test_acc`` (their mean, four decimals),
``params`` and ``flops`` (integers, as the benchmark counted them). The gzip header carries no
file name or time stamp, so the output is byte-for-byte reproducible.

Usage::

    python scripts/build_macro_example_data.py path/to/nas-bench-macro_cifar10.json
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import itertools
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "data" / "nas_bench_macro_cifar10.csv.gz"


def build(source: Path, out: Path = OUT) -> str:
    """Write the CSV; returns its sha256."""
    data = json.loads(source.read_text())
    keys = ["".join(k) for k in itertools.product("012", repeat=8)]
    missing = sorted(set(keys) - set(data))
    if missing or len(data) != len(keys):
        raise SystemExit(f"{source}: expected the 6,561 keys, missing {missing[:5]}")
    text = io.StringIO()
    text.write("arch,test_acc_0,test_acc_1,test_acc_2,test_acc,params,flops\n")
    for key in keys:
        row = data[key]
        runs = [round(float(v), 2) for v in row["test_acc"]]
        if len(runs) != 3:
            raise SystemExit(f"{source}: {key} has {len(runs)} runs, expected 3")
        mean = sum(runs) / 3
        text.write(
            f"{key},{runs[0]:.2f},{runs[1]:.2f},{runs[2]:.2f},{mean:.4f},"
            f"{int(row['params'])},{int(row['flops'])}\n"
        )
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as fh:
        fh.write(text.getvalue().encode())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(raw.getvalue())
    return hashlib.sha256(raw.getvalue()).hexdigest()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source", type=Path, help="nas-bench-macro_cifar10.json")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    print(build(args.source, args.out))


if __name__ == "__main__":
    main()
