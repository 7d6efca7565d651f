"""`nasperf proxies`: incremental, crash-safe, resumable output; workers; clear errors."""

from __future__ import annotations

import json
import os
import re
import signal
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
        (["--dataset", "ImageNet16-120"], "ImageNet16-120.*--images PATH"),
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
