"""Corpus: the command lines (``nasperf study | search | proxies | screen | plot`` through
``nasperf.cli.main``). A bad argument or file ends with exit status 2 and one line on
stderr, ``nasperf <cmd>: error: ...``, that names it; never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from nasperf.cli import main

from ._corpus import HEADROOM, memory_cap, watchdog

A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
A0_UNICODE = A0.replace("~0|+", "~\uff10|+", 1)


@dataclass(frozen=True)
class Cli:
    """``argv`` (``{tmp}`` replaced by a fresh folder holding the files below) must exit 2
    with a last stderr line ``nasperf <argv[0]>: error: <match>``."""

    id: str
    argv: tuple[str, ...]
    match: str


def files(tmp: Path) -> None:
    (tmp / "file").write_text("x")
    (tmp / "garbage").mkdir()
    (tmp / "garbage" / "results.sqlite").write_bytes(b"not a database " * 20)
    (tmp / "cache.sqlite").write_bytes(b"not a database " * 20)
    (tmp / "latin1.txt").write_bytes(A0.encode() + b"\n\xe9t\xe9\n")
    (tmp / "bad.txt").write_text(f"{A0}\n# comment\n{A0_UNICODE}\n")
    (tmp / "long.txt").write_text(A0 + "\n" + "(" * 20_000 + "\n")
    (tmp / "dup.yaml").write_text("seeds: 1\npredictors: [xgb]\nseeds: 2\n")


P = ("proxies", "--space", "nb201", "--out", "{tmp}/out.csv", "--cache", "none", "--proxies")
SMALL = ("--network-kwargs", '{"channels": 4, "cells_per_stage": 1}')
S = ("search", "--methods", "rs", "--seeds", "1", "--budget", "2", "--no-progress")
ST = ("study", "--predictors", "xgb", "--train-sizes", "10", "--seeds", "1", "--no-plots",
      "--no-progress", "--workers", "1")  # fmt: skip

CASES = [
    # ---- nasperf proxies
    Cli(
        "proxies/network-kwargs-negative",
        (*P, "params", "--n", "1", "--network-kwargs", '{"channels": -4}'),
        r"network_kwargs \{'channels': -4\}.*channels must be a positive",
    ),
    Cli(
        "proxies/network-kwargs-unknown",
        (*P, "params", "--n", "1", "--network-kwargs", '{"chanels": 4}'),
        r"unexpected keyword argument 'chanels'",
    ),
    Cli(
        "proxies/network-kwargs-json",
        (*P, "params", "--n", "1", "--network-kwargs", "{bad"),
        r"--network-kwargs is not JSON",
    ),
    Cli(
        "proxies/network-kwargs-list",
        (*P, "params", "--n", "1", "--network-kwargs", "[4]"),
        r"--network-kwargs must be a JSON object",
    ),
    Cli(
        "proxies/cache-garbage",
        (
            "proxies",
            "--space",
            "nb201",
            "--out",
            "{tmp}/o.csv",
            "--cache",
            "{tmp}/cache.sqlite",
            "--proxies",
            "params",
            "--n",
            "1",
            *SMALL,
        ),
        r"cache\.sqlite as a proxy cache",
    ),
    Cli("proxies/archs-missing", (*P, "params", "--archs", "{tmp}/none.txt"), r"none\.txt"),
    Cli(
        "proxies/archs-latin1",
        (*P, "params", "--archs", "{tmp}/latin1.txt"),
        r"latin1\.txt: line 2: not UTF-8",
    ),
    Cli(
        "proxies/archs-bad-line",
        (*P, "params", "--archs", "{tmp}/bad.txt"),
        r"bad\.txt: line 3: .*node1\.input0",
    ),
    Cli(
        "proxies/archs-long-line",
        (*P, "params", "--archs", "{tmp}/long.txt"),
        r"long\.txt: line 2: line of 20,000 characters",
    ),
    Cli(
        "proxies/out-under-file",
        (
            "proxies",
            "--space",
            "nb201",
            "--out",
            "{tmp}/file/o.csv",
            "--cache",
            "none",
            "--proxies",
            "params",
            "--n",
            "1",
            *SMALL,
        ),
        r"file",
    ),
    Cli(
        "proxies/out-suffix",
        (*P[:4], "{tmp}/out.txt", "--cache", "none", "--proxies", "params", "--n", "1", *SMALL),
        r"must end in \.csv or \.parquet",
    ),
    Cli(
        "proxies/batch-size-0",
        (*P, "params", "--n", "1", "--batch-size", "0"),
        r"batch_size must be a positive int, got 0",
    ),
    Cli("proxies/n-text", (*P, "params", "--n", "x"), r"argument --n: invalid int value: 'x'"),
    Cli("proxies/n-0", (*P, "params", "--n", "0"), r"--n must be at least 1, got 0"),
    Cli(
        "proxies/workers-0",
        (*P, "params", "--n", "1", "--workers", "0"),
        r"--workers must be at least 1",
    ),
    Cli("proxies/proxy-unknown", (*P, "snipp", "--n", "1"), r"unknown zero-cost proxy 'snipp'"),
    Cli(
        "proxies/space-unknown",
        ("proxies", "--space", "nb999", "--out", "{tmp}/o.csv", "--n", "1"),
        r"unknown search space 'nb999'",
    ),
    Cli(
        "proxies/dataset-unknown",
        (*P, "params", "--n", "1", "--dataset", "mnist"),
        r"unknown dataset 'mnist'",
    ),
    Cli(
        "proxies/images-missing",
        (*P, "params", "--n", "1", "--images", "{tmp}/none.npz"),
        r"none\.npz",
    ),
    Cli("proxies/device", (*P, "params", "--n", "1", "--device", "tpu"), r"invalid device 'tpu'"),
    Cli("proxies/no-source", (*P, "params"), r"one of the arguments --n --archs --all"),
    # ---- nasperf screen
    Cli(
        "screen/checkpoint-unknown",
        ("screen", "--checkpoint", "nope", "--archs", "{tmp}/bad.txt"),
        r"unknown pre-trained checkpoint 'nope'",
    ),
    Cli(
        "screen/archs-missing",
        ("screen", "--checkpoint", "nb201-cifar10-tree", "--archs", "{tmp}/none.txt"),
        r"architecture file .*none\.txt does not exist",
    ),
    Cli(
        "screen/top-0",
        ("screen", "--checkpoint", "x", "--archs", "a", "--top", "0"),
        r"--top must be at least 1, got 0",
    ),
    Cli(
        "screen/n-jobs-0",
        ("screen", "--checkpoint", "x", "--archs", "a", "--n-jobs", "0"),
        r"--n-jobs must be at least 1",
    ),
    Cli(
        "screen/batch-size-0",
        ("screen", "--checkpoint", "x", "--archs", "a", "--batch-size", "0"),
        r"--batch-size must be at least 1",
    ),
    Cli(
        "screen/format",
        ("screen", "--checkpoint", "x", "--archs", "a", "--format", "xml"),
        r"argument --format: invalid choice: 'xml'",
    ),
    Cli("screen/no-archs", ("screen", "--checkpoint", "x"), r"--checkpoint and --archs are"),
    # ---- nasperf plot
    Cli("plot/missing", ("plot", "{tmp}/none"), r"none is not a study results folder"),
    Cli("plot/garbage", ("plot", "{tmp}/garbage"), r"results\.sqlite is not a nasperf results"),
    # ---- nasperf study
    Cli("study/out-is-a-file", (*ST, "--out", "{tmp}/file"), r"File exists: .*file"),
    Cli("study/out-garbage", (*ST, "--out", "{tmp}/garbage"), r"results\.sqlite is not a nasperf"),
    Cli(
        "study/config-missing",
        ("study", "--config", "{tmp}/none.yaml"),
        r"study config does not exist: .*none\.yaml",
    ),
    Cli(
        "study/config-duplicate-key",
        ("study", "--config", "{tmp}/dup.yaml", "--dry-run"),
        r"dup\.yaml: line 3: key 'seeds' appears twice \(first at line 1\)",
    ),
    Cli("study/seeds-text", ("study", "--seeds", "x"), r"argument --seeds: invalid int value"),
    Cli("study/seeds-negative", ("study", "--seeds", "-1", "--dry-run"), r"seeds: the number"),
    Cli("study/train-sizes", ("study", "--train-sizes", "a,b"), r"argument --train-sizes"),
    Cli(
        "study/predictor-unknown",
        ("study", "--predictors", "xbg", "--dry-run"),
        r"unknown predictor 'xbg'",
    ),
    Cli(
        "study/data-missing",
        ("study", "--data", "{tmp}/none.csv", "--space", "nb201", "--dry-run"),
        r"none\.csv' does not exist",
    ),
    Cli("study/workers-0", ("study", "--workers", "0", "--dry-run"), r"--workers must be at least"),
    Cli("study/engine", ("study", "--engine", "spark"), r"argument --engine: invalid choice"),
    # ---- nasperf search
    Cli(
        "search/time-budget-negative",
        (*S, "--time-budget", "-5", "--out", "{tmp}/s"),
        r"time_budget must be positive seconds, got -5",
    ),
    Cli(
        "search/budget-0",
        ("search", "--methods", "rs", "--budget", "0", "--out", "{tmp}/s"),
        r"budget must be a positive number of queries, got 0",
    ),
    Cli(
        "search/seeds-0",
        ("search", "--methods", "rs", "--seeds", "0", "--out", "{tmp}/s"),
        r"seeds: at least one seed",
    ),
    Cli("search/workers-0", (*S, "--workers", "0", "--out", "{tmp}/s"), r"--workers must be"),
    Cli(
        "search/method-unknown",
        ("search", "--methods", "rss", "--out", "{tmp}/s"),
        r"unknown optimizer 'rss'",
    ),
    Cli(
        "search/benchmark-unknown",
        (*S, "--benchmark", "nb999", "--out", "{tmp}/s"),
        r"unknown search benchmark 'nb999'",
    ),
    Cli(
        "search/params-json",
        (*S, "--params", "rs={x", "--out", "{tmp}/s"),
        r"--params rs: not JSON",
    ),
    Cli(
        "search/params-deep",
        (*S, "--params", "rs=" + "[" * 100_000, "--out", "{tmp}/s"),
        r"--params rs: JSON nested too deeply",
    ),
    Cli("search/out-is-a-file", (*S, "--out", "{tmp}/file"), r"File exists: .*file"),
    Cli("search/out-garbage", (*S, "--out", "{tmp}/garbage"), r"results\.sqlite is not a nasperf"),
    Cli("search/unknown-option", ("search", "--bogus", "1"), r"unrecognized arguments: --bogus 1"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_bad_argument(case: Cli, tmp_path, capsys) -> None:
    files(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]
    with watchdog(), memory_cap(HEADROOM):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
    err = capsys.readouterr().err
    assert code == 2, (case.id, code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1 and lines[-1] == errors[0], (case.id, err)
    assert errors[0].startswith(f"nasperf {argv[0]}: error: "), (case.id, err)
    assert re.search(case.match, errors[0]), (case.id, errors[0], case.match)
    assert "Traceback" not in err
