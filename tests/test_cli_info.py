"""`nasperf info` lists what the installation offers, from the registries."""

from __future__ import annotations

import pytest

from nasperf import cli, datasets, predictors


def test_info_lists_registered_members_and_their_needs(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out.splitlines()
    (spaces,) = [line for line in out if line.startswith("search spaces: ")]
    # other tests may have registered their own spaces in this process
    assert {"nb101", "nb201", "nb301"} <= set(spaces.split(": ")[1].split(", "))
    (tables,) = [line for line in out if line.startswith("zero-cost tables: ")]
    listed_tables = tables.split(": ")[1].split(", ")
    assert "nb201/cifar10" in listed_tables
    assert listed_tables == [f"{s}/{d}" for s, d in datasets.available_zero_cost()]
    listed = [line.split()[1].rstrip(":") for line in out if line.startswith("predictor ")]
    assert listed == predictors.available()
    # what each needs, then the first paragraph of its docstring
    heads = {line.split(": ")[0] for line in out if line.startswith("predictor ")}
    assert "predictor omni (uses zero_cost, learning_curves if given)" in heads
    assert "predictor zc_proxy (needs no labels; uses zero_cost if given)" in heads
    assert "predictor rsws (needs images, supernet training, no labels)" in heads
    assert (
        "predictor zc_proxy (needs no labels; uses zero_cost if given): Rank architectures by one zero-cost proxy; "
        "nothing is trained."
    ) in out


def test_help_texts_are_plain_and_name_the_command_used(capsys):
    import pytest

    from nasperf.evaluation.study import main as study_main
    from nasperf.search.study import main as search_main

    for argv in (["--help"], ["study", "--help"], ["search", "--help"], ["proxies", "--help"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
        text = capsys.readouterr().out
        assert "``" not in text and ":func:" not in text, argv
        if argv[0] in ("study", "search"):
            examples = text.split("examples:")[1].split("\n\n")[0].split()
            assert "run_study.py" not in examples and examples[0] == "nasperf", argv
    with pytest.raises(SystemExit):
        study_main(["--help"])
    assert "  python run_study.py --quick --workers 2" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        search_main(["--help"], prog="run_study.py search")
    assert "  python run_study.py search --benchmark nb201" in capsys.readouterr().out


def test_proxies_prints_the_expected_time_after_the_first_architectures(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(cli, "_ETA_AFTER_S", 0.0)
    argv = ["proxies", "--space", "nb201", "--n", "8", "--proxies", "params"]
    argv += ["--out", str(tmp_path / "p.csv")]
    assert cli.main([*argv, "--cache", "none", "--quiet"]) == 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "need about" in x]
    # one architecture absorbs the start-up, then max(3, 2 x workers) = 3 are timed: 4 done,
    # the other 4 (8 distinct cells sampled)
    assert line.startswith("nasperf proxies: 4 architectures in ")
    assert "after start-up (1 worker(s)); the other 4 need about " in line
    # the expected time is the rate after start-up times what is left, not the elapsed
    # time's average (start-up of the worker processes once inflated it 12-fold)
    cli._print_eta(10, 50.0, 1000, 2, 0.3, ["meco", "swap"])
    assert capsys.readouterr().err.strip() == (
        "nasperf proxies: 10 architectures in 50 s, then 0.3 s each after start-up (2 "
        "worker(s)); the other 990 need about 5 min more"
    )
    cli._print_eta(10, 50.0, 1000, 2, 5.0, ["grasp", "nwot"])
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "the other 990 need about 82 min more (grasp dominates on a CPU; see 'nasperf "
        "proxies --help' for the others)"
    )
    cli._print_eta(10, 50.0, 1000, 2, 5.0, ["meco"])
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "need about 82 min more (see 'nasperf proxies --help' for what each proxy costs)"
    )


def test_info_import_lists_a_users_own_space(tmp_path, capsys, monkeypatch):
    from nasperf.spaces import SPACES

    # the registry as it is, restored after the test: the space registered here (an NB201
    # subclass) must not make NB201 values ambiguous in tests that run later
    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))
    module = tmp_path / "info_probe_space.py"
    module.write_text(
        "from nasperf.spaces import SPACES, NB201Space\n"
        "@SPACES.register('info_probe_space')\n"
        "class InfoProbe(NB201Space):\n"
        "    name = 'info_probe_space'\n"
    )
    assert cli.main(["info", "--import", str(module)]) == 0
    out = capsys.readouterr().out.splitlines()
    (spaces,) = [line for line in out if line.startswith("search spaces: ")]
    assert "info_probe_space" in spaces.split(": ")[1].split(", ")
    # (spaces other tests registered in this process are listed as added too)
    (added,) = [line for line in out if line.startswith("added by --import (search spaces): ")]
    assert "info_probe_space" in added.split(": ")[1].split(", ")
    assert cli.main(["info", "--import", "no_such_module_here"]) == 2
    assert "nasperf info: error: No module named 'no_such_module_here'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["info"], ["screen", "--list"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(command):
    """``nasperf info | head``: the pipe's reader closes before the output is written (here
    before the process has even started); the command ends with 141, as a shell tool killed
    by SIGPIPE, and no BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    # buffered output, as in a terminal session (PYTHONUNBUFFERED, set in some sandboxes and
    # CI images, had hidden that the output met the closed pipe only at exit: exit 120 and
    # "Exception ignored ... BrokenPipeError")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nasperf.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # the reader is gone before the first write
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141, err.decode()
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["screen", "--checkpoint", "nb201-cifar10-tree", "--archs", "{d}"], "is a directory"),
        (
            ["screen", "--checkpoint", "nb201-cifar10-tree", "--archs", "x", "--out", ""],
            "--out is empty",
        ),
        (
            [
                "screen",
                "--checkpoint",
                "nb201-cifar10-tree",
                "--archs",
                "x",
                "--n-jobs",
                "1000000000000",
            ],
            "--n-jobs must be at most 1024 threads",
        ),
        (
            ["proxies", "--space", "nb201", "--proxies", "params", "--out", "{d}/x.csv"]
            + ["--n", "2", "--workers", "1000000000000"],
            "--workers must be at most 1024",
        ),
        (["plot", ""], "RESULTS_DIR is empty"),
        (["plot", "{d}", "--out", ""], "--out is empty"),
        (
            [
                "proxies",
                "--space",
                "nb201",
                "--proxies",
                "params",
                "--out",
                "{d}/x.csv",
                "--n",
                "1000000000000",
            ],
            "--n must be at most 10,000,000",
        ),
    ],
)
def test_empty_huge_or_misplaced_flag_values_are_named(argv, message, tmp_path, capsys):
    """Each had been taken as something else (an empty --out as stdout or the working
    directory, a folder as a missing file) or failed deep down (10**12 threads in xgboost,
    10**12 architectures in sample()); nothing is written."""
    argv = [a.format(d=tmp_path) for a in argv]
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_nasperf_is_the_nasperf_command(capsys):
    """``python -m nasperf`` runs the same entry point as the ``nasperf`` script (it had
    failed: No module named nasperf.__main__)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "nasperf", "info"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert cli.main(["info"]) == 0
    assert done.stdout == capsys.readouterr().out
