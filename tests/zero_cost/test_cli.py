"""`nasperf proxies`: incremental, crash-safe, resumable output; workers; clear errors."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasperf.cli import main
from nasperf.spaces import NB201Space
from nasperf.zero_cost.compute import compute, read_proxy_table

SMALL = {"channels": 8, "cells_per_stage": 1}
DEAD = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


pytestmark = pytest.mark.usefixtures("one_thread")


def _args(out, *extra, proxies="params,synflow,jacov"):
    return [
        "proxies",
        "--space",
        "nb201",
        "--proxies",
        proxies,
        "--out",
        str(out),
        "--batch-size",
        "4",
        "--network-kwargs",
        json.dumps(SMALL),
        "--cache",
        "none",
        "--quiet",
        *extra,
    ]


def _rows(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [line.split(",")[0] for line in lines[1:]]


def test_csv_matches_compute_and_keeps_reasons(tmp_path, capsys):
    archs = tmp_path / "archs.txt"
    texts = [NB201Space().to_string(a) for a in NB201Space().sample(4, seed=1)]
    archs.write_text("# a comment\n" + "\n".join([DEAD, *texts, texts[0]]) + "\n")
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--archs", str(archs))) == 0
    got = read_proxy_table(out)
    want = compute(
        "nb201",
        [DEAD, *texts],
        "params,synflow,jacov",
        batch_size=4,
        cache=None,
        network_kwargs=SMALL,
    )
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs["reasons"] == want.attrs["reasons"] and DEAD in got.attrs["reasons"]
    assert "5 architectures, 0 already" in capsys.readouterr().err
    # A rerun finds everything done and leaves the file as it was.
    before = out.read_bytes()
    assert main(_args(out, "--archs", str(archs))) == 0
    assert out.read_bytes() == before
    assert "5 already in" in capsys.readouterr().err


def test_parquet_output_and_extension(tmp_path):
    out = tmp_path / "zc.parquet"
    assert main(_args(out, "--n", "3", "--seed", "2", proxies="params")) == 0
    df = read_proxy_table(out)
    assert df.shape == (3, 1) and not (tmp_path / "zc.parquet.partial.csv").exists()
    assert main(_args(out, "--n", "5", "--seed", "2", proxies="params")) == 0  # extends it
    df5 = read_proxy_table(out)
    assert df5.shape == (5, 1) and df5.loc[df.index].equals(df)


def test_workers_give_identical_files(tmp_path):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(_args(one, "--n", "6", "--seed", "4")) == 0
    assert main(_args(two, "--n", "6", "--seed", "4", "--workers", "2")) == 0
    a, b = read_proxy_table(one), read_proxy_table(two)
    # exact by construction: each architecture is scored alone, with one torch thread, by
    # the same code on this machine, in whichever process
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index(), check_exact=True)


def test_resume_after_sigkill(tmp_path):
    # A slow proxy that logs every call, in a module the command imports with --import.
    calls = tmp_path / "calls.log"
    (tmp_path / "slow_proxy.py").write_text(
        textwrap.dedent(
            f"""
            import time
            from nasperf.zero_cost import PROXIES, Proxy

            @PROXIES.register("slow_params")
            class SlowParams(Proxy):
                name = "slow_params"
                data = "none"

                def compute(self, ctx):
                    with open({str(calls)!r}, "a") as fh:
                        fh.write("x\\n")
                    time.sleep(0.15)
                    return float(sum(p.numel() for p in ctx.params.values()))
            """
        )
    )
    out = tmp_path / "zc.csv"
    n = 16
    cmd = [
        sys.executable,
        "-c",
        "import sys; from nasperf.cli import main; sys.exit(main(sys.argv[1:]))",
        *_args(out, "--n", str(n), "--import", "slow_proxy", proxies="slow_params,params"),
    ]
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and len(_rows(out)) >= 4:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.02)
        else:
            pytest.fail("no rows appeared within 60 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = _rows(out)
    assert 4 <= len(partial) < n
    done_calls = len(calls.read_text().splitlines())
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    final = _rows(out)
    texts = [NB201Space().to_string(a) for a in NB201Space().sample(n, seed=0)]
    assert sorted(final) == sorted(texts)  # every architecture exactly once
    assert final[: len(partial)] == partial
    # Work lost to the kill: at most the architecture in flight.
    assert len(calls.read_text().splitlines()) <= n + 1
    assert len(calls.read_text().splitlines()) - done_calls == n - len(partial)
    df = read_proxy_table(out)
    assert np.isfinite(df.to_numpy()).all()
    np.testing.assert_allclose(df["params"], [NB201Space().params(t, **SMALL) for t in df.index])


def test_progress_bar_on_stderr(tmp_path, capsys):
    args = [a for a in _args(tmp_path / "p.csv", "--n", "2", proxies="params") if a != "--quiet"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "proxies" in err and "2/2" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--proxies", "synflw"], "did you mean 'synflow'?.*available: .*params"),
        (["--dataset", "cifar11"], "unknown dataset 'cifar11'"),
        # a proxy that reads images (data-free ones alone run on a placeholder batch)
        (
            ["--dataset", "ImageNet16-120", "--proxies", "params,jacov"],
            "ImageNet16-120.*--images PATH",
        ),
        (["--network-kwargs", "[1]"], "must be a JSON object"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--out", "x.txt"], r"must end in \.csv or \.parquet"),
    ],
)
def test_bad_inputs_give_clear_errors(tmp_path, capsys, extra, message):
    args = _args(tmp_path / "zc.csv", "--n", "2", proxies="params") + extra
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("nasperf proxies: error:")
    assert re.search(message, err, re.S), err


@pytest.mark.parametrize("text", ["", "# cells to score\n\n   \n"])
def test_an_archs_file_without_architectures_is_refused(tmp_path, capsys, text):
    """An --archs file of no architectures (empty, or blank lines and comments) exited 0
    with an empty table that looked like a finished run, while `nasperf screen` refuses
    one: now one error line, exit 2 as for the other bad inputs, and no output file."""
    archs = tmp_path / "empty.txt"
    archs.write_text(text)
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--archs", str(archs), proxies="params")) == 2
    err = capsys.readouterr().err
    assert err == (
        f"nasperf proxies: error: --archs {archs}: the file holds no architectures (only "
        "blank lines or '#' comments); give one native text per line\n"
    )
    assert list(tmp_path.iterdir()) == [archs]


def test_an_output_without_its_settings_is_refused_and_left_as_it_is(tmp_path, capsys):
    # A journal copied without its .settings.json: resuming it on another dataset used to
    # write a fresh sidecar and append CIFAR-100 rows below CIFAR-10 ones.
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    Path(f"{out}.settings.json").unlink()
    before = out.read_bytes()
    assert main(_args(out, "--n", "4", "--dataset", "cifar100", proxies="params")) == 2
    err = capsys.readouterr().err
    assert "zc.csv.settings.json beside it does not" in err and "settings" in err
    assert out.read_bytes() == before
    assert not Path(f"{out}.settings.json").exists()


def test_a_file_that_is_no_proxies_output_is_not_touched(tmp_path, capsys):
    # A user's data CSV given as --out: refused before the partial-line cut, which removed
    # its last row (no trailing newline), and nothing is created beside it.
    out = tmp_path / "mydata.csv"
    text = (
        f"arch,val_acc\n{DEAD},10.0\n|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,12.5"
    )
    out.write_text(text)
    assert main(_args(out, "--n", "2", proxies="params")) == 2
    assert "has columns ['arch', 'val_acc']" in capsys.readouterr().err
    assert out.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydata.csv"]


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        (b"[1, 2]", r"zc\.csv\.settings\.json: not a JSON object of settings \(got list\)"),
        (b"{bad", r"zc\.csv\.settings\.json: not JSON"),
        (b"\xff\xfe", r"zc\.csv\.settings\.json: not JSON"),
    ],
)
def test_a_corrupt_settings_file_is_named(tmp_path, capsys, sidecar, message):
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    Path(f"{out}.settings.json").write_bytes(sidecar)
    assert main(_args(out, "--n", "2", proxies="params")) == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_corrupt_claims_database_is_named(tmp_path, capsys):
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    Path(f"{out}.claims.sqlite").write_bytes(b"garbage\n" * 100)
    assert main(_args(out, "--n", "2", proxies="params")) == 2
    err = capsys.readouterr().err
    assert "zc.csv.claims.sqlite: not a usable SQLite database" in err
    assert "delete it when no nasperf proxies process is writing" in err


def test_a_population_proxy_is_refused_not_written_as_nan(tmp_path, capsys):
    # 'vote' ranks a population: a row per architecture cannot hold it (it was all NaN).
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params,vote")) == 2
    err = capsys.readouterr().err
    assert "proxy 'vote' ranks a population" in err
    assert "synflow, jacov, snip" in err and "rank_vote" in err
    assert not out.exists()


def test_resume_with_other_settings_is_refused(tmp_path, capsys):
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    assert main(_args(out, "--n", "2", "--batch-size", "8", proxies="params")) == 2
    assert "computed with other settings" in capsys.readouterr().err
    assert main(_args(out, "--n", "2", proxies="params,flops")) == 2
    assert "proxies: ['params'] (file) != ['params', 'flops']" in capsys.readouterr().err


def test_a_failing_architecture_is_named_with_its_step_and_cause(tmp_path, capsys, monkeypatch):
    from nasperf.zero_cost.compute import ArchitectureFailedError

    space = NB201Space()
    archs = space.sample(3, seed=4)
    bad = space.to_string(archs[1])
    real = NB201Space.build_network

    def build(self, arch, *args, **kwargs):
        if self.to_string(arch) == bad:
            raise RuntimeError("cannot build this one\nsecond line")
        return real(self, arch, *args, **kwargs)

    monkeypatch.setattr(NB201Space, "build_network", build)
    # With network_kwargs too: the architecture is at fault, not the settings, since its
    # network fails without them as well (it was blamed on the network_kwargs).
    for kwargs in (None, SMALL):
        with pytest.raises(ArchitectureFailedError) as err:
            compute(space, archs, "params", cache=None, network_kwargs=kwargs)
        assert str(err.value) == (
            f"nb201 architecture {bad}: building its network failed: RuntimeError: cannot "
            "build this one"
        )
        assert isinstance(err.value, RuntimeError) and isinstance(err.value, ValueError)
    path = tmp_path / "archs.txt"
    path.write_text("\n".join(space.to_string(a) for a in archs) + "\n")
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--archs", str(path), proxies="params")) == 2
    err_text = capsys.readouterr().err
    assert f"error: nb201 architecture {bad}: building its network failed" in err_text
    assert _rows(out) == [space.to_string(archs[0])]  # the rows before it are kept


def test_settings_that_cannot_score_a_network_write_nothing(tmp_path, capsys):
    """--network-kwargs the builder refuses fail at the first architecture, after the
    output, its claims and its settings file exist; the corrected rerun had then been
    refused as "computed with other settings". An output left without a row is removed."""
    out = tmp_path / "zc.csv"
    args = _args(out, "--n", "2", proxies="params")
    bad = list(args)
    bad[bad.index("--network-kwargs") + 1] = json.dumps({"channels": -1})
    assert main(bad) == 2
    assert "network_kwargs {'channels': -1} do not build a nb201 network" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert main(args) == 0 and len(_rows(out)) == 2  # the corrected rerun runs
    assert (
        main([*_args(tmp_path / "s.csv", "--n", "1", proxies="params"), "--seed", str(2**64)]) == 2
    )
    assert "seed must be at most 2**64 - 1" in capsys.readouterr().err


def test_interrupted_before_its_first_row_leaves_nothing(tmp_path, capsys, monkeypatch):
    """Ctrl-C (or SIGTERM) before the first row: the output, its settings and claims are
    removed, so a rerun with other settings is not refused as "computed with other settings";
    SIGTERM ends with 143."""
    import os
    import signal

    from nasperf.zero_cost.compute import Computation

    out = tmp_path / "zc.csv"

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
        yield  # a generator, like Computation.run

    with monkeypatch.context() as m:
        m.setattr(Computation, "run", interrupted)
        assert main([*_args(out, "--n", "2", proxies="params"), "--seed", "1"]) == 130
    assert f"interrupted; {out} held no row" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert main([*_args(out, "--n", "2", proxies="params"), "--seed", "0"]) == 0

    def terminated(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # the handler raises in this (main) thread
        yield from ()

    before = signal.getsignal(signal.SIGTERM)
    with monkeypatch.context() as m:
        m.setattr(Computation, "run", terminated)
        assert main(_args(tmp_path / "other.csv", "--n", "2", proxies="params")) == 143
    assert signal.getsignal(signal.SIGTERM) is before  # restored
    assert not (tmp_path / "other.csv").exists()


def _edit_row(path: Path, line: int, column: str, value: str) -> bytes:
    """Set one cell of a written output (as a user's edit would) and return the new bytes."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text())))
    rows[line - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())
    return path.read_bytes()


BAD_ARCH = "|avg_pool_3x3~9|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|skip_connect~1|none~2|"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("params", "abc", r"line 2, column 'params': 'abc' is not a score"),
        ("params", "inf", r"line 2, column 'params': 'inf' is not a score"),
        ("nan_reasons", "{bad", r"line 2, column 'nan_reasons': nan_reasons must be a JSON"),
        ("arch", BAD_ARCH, r"line 2, column 'arch': .* is not an architecture of nb201"),
    ],
)
def test_a_damaged_output_is_refused_not_resumed(tmp_path, capsys, column, value, message):
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    capsys.readouterr()
    before = _edit_row(out, 2, column, value)
    assert main(_args(out, "--n", "4", proxies="params")) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"nasperf proxies: error: {re.escape(str(out))} {message}.*; nasperf proxies does not "
        r"resume a damaged output: .*choose another --out\n",
        err,
    ), err
    assert out.read_bytes() == before  # nothing appended, nothing rewritten
    with pytest.raises(ValueError, match=rf"zc\.csv {message}"):  # as the reader says
        read_proxy_table(out)


def test_two_different_rows_of_one_architecture_are_refused_and_exact_repeats_kept(
    tmp_path, capsys
):
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    header, first, second = out.read_text().splitlines(keepends=True)
    # Exact repeats: a writer killed between writing a row and recording it, while another
    # appended the same cached scores, leaves one. The first is kept, nothing is refused.
    out.write_text(header + first + second + first + first)
    assert main(_args(out, "--n", "4", proxies="params")) == 0
    assert "2 already in" in capsys.readouterr().err
    assert len(_rows(out)) == 4 + 2 and len(read_proxy_table(out)) == 4
    # A repeat with another score is no repeat: refused, naming both lines.
    arch, score, took, reasons = first.rstrip("\n").split(",")
    text = header + first + second + f"{arch},{float(score) + 1},{took},{reasons}\n"
    out.write_text(text)
    assert main(_args(out, "--n", "4", proxies="params")) == 2
    err = capsys.readouterr().err
    assert re.search(r"zc\.csv: architecture .* has two different rows \(lines 2 and 4\)", err)
    assert out.read_text() == text


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("claims (key TEXT)", r"its table 'claims' has columns \['key'\], not nasperf's"),
        ("done (k TEXT)", r"its table 'done' has columns \['k'\], not nasperf's \['key'\]"),
    ],
)
def test_a_claims_file_with_other_tables_is_named(tmp_path, capsys, table, message):
    import sqlite3

    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    capsys.readouterr()
    claims = Path(f"{out}.claims.sqlite")
    claims.unlink()
    with sqlite3.connect(claims) as conn:
        conn.execute(f"CREATE TABLE {table}")
    conn.close()
    before = out.read_bytes()
    assert main(_args(out, "--n", "4", proxies="params")) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"nasperf proxies: error: {re.escape(str(claims))}: {message}.*; it holds only the "
        r"claims of running processes: delete it when no nasperf proxies process is writing "
        rf"{re.escape(str(out))}\n",
        err,
    ), err
    assert out.read_bytes() == before


def _cache_args(out: Path, cache: Path) -> list[str]:
    args = _args(out, "--n", "2", proxies="params")
    args[args.index("--cache") + 1] = str(cache)
    return args


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ("UPDATE scores SET value = 9e999", r"is the value inf, not a finite number"),
        ("UPDATE scores SET value = 'abc'", r"is the value 'abc', not a number"),
        ("UPDATE scores SET value = NULL", r"is an undefined \(NULL\) score without a reason"),
        ("UPDATE scores SET seconds = 'x'", r"the seconds recorded with .* is 'x'"),
    ],
)
def test_a_cache_value_nasperf_never_writes_is_refused_naming_the_cache(
    tmp_path, capsys, update, message
):
    import sqlite3

    out, cache = tmp_path / "zc.csv", tmp_path / "zc.sqlite"
    assert main(_cache_args(out, cache)) == 0
    want = read_proxy_table(out)
    with sqlite3.connect(cache) as conn:
        conn.execute(update)
    conn.close()
    out.unlink()
    capsys.readouterr()
    assert main(_cache_args(out, cache)) == 2
    err = capsys.readouterr().err.splitlines()[-1]  # after the "2 architectures" line
    path = re.escape(str(cache))
    assert re.fullmatch(
        rf"nasperf proxies: error: {path}: the cached 'params' score of .*{message}.*"
        r"delete the file or pass another cache path \(nasperf proxies --cache\)"
        if "seconds" not in update
        else rf"nasperf proxies: error: {path}: {message}.*--cache\)",
        err,
    ), err
    assert not out.exists()  # no output from the served values (it had no row: removed)
    # the same command with no cache computes the same scores it had cached first
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    pd.testing.assert_frame_equal(read_proxy_table(out), want, check_exact=True)


def test_a_cache_with_another_scores_table_is_named(tmp_path, capsys):
    import sqlite3

    out, cache = tmp_path / "zc.csv", tmp_path / "zc.sqlite"
    with sqlite3.connect(cache) as conn:
        conn.execute("CREATE TABLE scores (arch TEXT, value REAL)")
    conn.close()
    assert main(_cache_args(out, cache)) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert re.fullmatch(
        rf"nasperf proxies: error: {re.escape(str(cache))} is not a nasperf proxy cache: its "
        r"table 'scores' has columns \['arch', 'value'\], not \['settings_id', .*\]; delete the "
        r"file or pass another cache path \(nasperf proxies --cache\)",
        err,
    ), err
    assert not out.exists()


def _params_args(out, cache):
    args = _args(out, proxies="params")
    at = args.index("--cache")
    return [*args[:at], *args[at + 2 :], *([] if cache is None else ["--cache", cache])]


def test_an_unwritable_default_cache_is_skipped_with_one_warning(tmp_path, monkeypatch, capsys):
    (tmp_path / "f").write_text("a file where the cache folder would go")
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "f" / "cache"))
    with pytest.warns(UserWarning) as caught:
        assert main([*_params_args(tmp_path / "p.csv", None), "--n", "2"]) == 0
    assert len(caught) == 1 and str(caught[0].message).startswith(
        f"cannot create the proxy cache {tmp_path / 'f' / 'cache' / 'zero_cost.sqlite'} ("
    )
    assert "NASPERF_CACHE" in str(caught[0].message)
    assert len(_rows(tmp_path / "p.csv")) == 2


def test_a_cache_folder_holds_zero_cost_sqlite_and_a_bad_one_is_one_line(tmp_path, capsys):
    (tmp_path / "cdir").mkdir()
    assert main([*_params_args(tmp_path / "p.csv", str(tmp_path / "cdir")), "--n", "2"]) == 0
    conn = sqlite3.connect(tmp_path / "cdir" / "zero_cost.sqlite")
    assert conn.execute("SELECT COUNT(DISTINCT arch) FROM scores").fetchone() == (2,)
    conn.close()
    (tmp_path / "f").write_text("x")
    capsys.readouterr()
    bad = str(tmp_path / "f" / "zc.sqlite")
    assert main([*_params_args(tmp_path / "q.csv", bad), "--n", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"nasperf proxies: error: cannot create the proxy cache {bad} ({tmp_path / 'f'} is a "
        "file, not a folder); pass another cache path, or cache=None "
        "(nasperf proxies --cache none)"
    )


def test_out_with_a_tilde_and_out_under_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    args = [a for a in _args("unused", proxies="params") if a not in ("--out", "unused")]
    assert main([*args, "--out=~/p.csv", "--n", "2"]) == 0
    assert len(_rows(tmp_path / "home" / "p.csv")) == 2 and not (tmp_path / "~").exists()
    (tmp_path / "f").write_text("x")
    capsys.readouterr()
    assert main(_args(tmp_path / "f" / "p.csv", proxies="params") + ["--n", "2"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"nasperf proxies: error: {tmp_path / 'f'} is a file, not a folder"
    )


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_the_output_records_the_proxies_seconds_and_reads_them_back(tmp_path, suffix):
    # a probe: an output recorded no seconds, so its scores given back to a study or a
    # search were charged 0 s, where the packaged table records ~0.1 s per architecture
    out = tmp_path / f"zc.{suffix}"
    assert main(_args(out, "--n", "3", proxies="params,synflow")) == 0
    raw = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
    assert list(raw.columns) == [
        "arch",
        "params",
        "synflow",
        "params_time",
        "synflow_time",
        "nan_reasons",
    ]
    # the row's seconds, shared equally between the proxies that share its passes
    assert (raw["params_time"] > 0).all()
    assert raw["params_time"].tolist() == raw["synflow_time"].tolist()
    table = read_proxy_table(out)
    assert list(table.columns) == ["params", "synflow"]  # a time column is no proxy
    seconds = table.attrs["seconds_per_arch"]
    assert set(seconds) == {"params", "synflow"}
    # the file's mean (numpy's and pandas' sums of 3 floats may differ in the last bit)
    assert seconds["synflow"] == pytest.approx(raw["synflow_time"].mean(), rel=1e-12)
    from nasperf.encodings.zero_cost import recorded_seconds

    assert recorded_seconds(table, ["params", "synflow"]) == pytest.approx(
        2 * raw["synflow_time"].mean(), rel=1e-12
    )


def test_compute_records_the_seconds_per_architecture_as_the_output_does():
    archs = NB201Space().sample(2, seed=1)
    df = compute("nb201", archs, ["params", "synflow"], batch_size=4, cache=None,
                 network_kwargs=SMALL)  # fmt: skip
    per_arch = float(np.mean(df.attrs["seconds"])) / 2
    assert per_arch > 0
    assert df.attrs["seconds_per_arch"] == {"params": per_arch, "synflow": per_arch}


def test_an_output_without_time_columns_is_resumed_in_its_own_columns(tmp_path, capsys):
    # outputs of earlier versions: read and extended as they are, charged nothing
    out = tmp_path / "zc.csv"
    assert main(_args(out, "--n", "2", proxies="params")) == 0
    header, *rows = out.read_text().splitlines()
    assert header == "arch,params,params_time,nan_reasons"
    out.write_text("".join(f"{a},{s},{r}\n" for a, s, _, r in (line.split(",") for line in
                   [header, *rows])))  # fmt: skip
    assert main(_args(out, "--n", "4", proxies="params")) == 0
    assert "2 already in" in capsys.readouterr().err
    raw = pd.read_csv(out)
    assert list(raw.columns) == ["arch", "params", "nan_reasons"] and len(raw) == 4
    table = read_proxy_table(out)
    assert len(table) == 4 and "seconds_per_arch" not in table.attrs
