"""Atomic writes give the permissions a plain ``open(path, "w")`` gives (``mkstemp``'s 0o600
hid results from everyone else), and a file in the way of a folder is named in one line."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from nasperf._argparse import path_arg
from nasperf._atomic import atomic_write, make_folder


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_gets_0o666_less_the_umask_and_a_replaced_one_keeps_its_mode(
    tmp_path, umask_022
):
    target = tmp_path / "a.txt"
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("one")
    assert target.read_text() == "one" and _mode(target) == 0o644
    os.umask(0o077)
    with atomic_write(tmp_path / "b.bin") as fh:
        fh.write(b"x")
    assert _mode(tmp_path / "b.bin") == 0o600
    target.chmod(0o640)  # the user's choice survives a rewrite, as with open(path, "w")
    with atomic_write(target, "w") as fh:
        fh.write("two")
    assert target.read_text() == "two" and _mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]  # no temp left


def test_a_failed_write_leaves_the_target_and_no_temp_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target, "w") as fh:
            fh.write("new")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_every_atomic_writer_of_nasperf_gives_0o644_under_umask_022(tmp_path, umask_022):
    from nasperf.encodings.arch2vec import _atomic_write as arch2vec_write
    from nasperf.evaluation.store import ResultsStore
    from nasperf.predictors import get as get_predictor
    from nasperf.pretrained.screening import _write_csv
    from nasperf.spaces import NB201Space
    from nasperf.zero_cost.results_file import _atomic_write as results_write

    store = ResultsStore(tmp_path / "study")
    store.write_meta({"name": "x"})
    space = NB201Space()
    archs = space.sample(12, seed=0)
    pred = get_predictor("rf", space=space, n_estimators=5, random_state=0).fit(
        archs, np.arange(12.0)
    )
    pred.save(tmp_path / "p.nasperf")
    _write_csv(tmp_path / "rank.csv", [(1, "a", 0.5, None)], with_std=False)
    arch2vec_write(tmp_path / "w.pt", lambda f: f.write(b"w"))
    results_write(tmp_path / "zc.parquet", b"data")
    written = ["study/meta.json", "p.nasperf", "rank.csv", "w.pt", "zc.parquet"]
    assert {name: oct(_mode(tmp_path / name)) for name in written} == dict.fromkeys(
        written, oct(0o644)
    )
    assert (tmp_path / "rank.csv").read_text() == "rank,line,arch,prediction\n1,1,a,0.5\n"


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError) as err:
        make_folder(tmp_path / "f")
    assert str(err.value) == f"{tmp_path / 'f'} is a file, not a folder"
    with pytest.raises(NotADirectoryError) as err:
        make_folder(tmp_path / "f" / "g" / "h")
    assert str(err.value) == (
        f"cannot create the folder {tmp_path / 'f' / 'g' / 'h'}: {tmp_path / 'f'} is a "
        "file, not a folder"
    )
    assert make_folder(tmp_path / "d" / "e") == tmp_path / "d" / "e"
    assert (tmp_path / "d" / "e").is_dir()


def test_path_options_expand_a_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert path_arg("~/out") == str(tmp_path / "out")
    assert path_arg("none") == "none" and path_arg("a/~b") == "a/~b"
